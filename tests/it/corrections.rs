//! Corrections end to end, in process: the real `App` posts a digest to the fake Discord and the
//! fake Slack, the digest file is changed on disk, and the app's corrections watcher (stepped here,
//! one look per call) edits the posted messages in place, posts the parts a longer version adds,
//! deletes those a shorter one drops, and leaves alone what it cannot or may not change.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use digestbot::app::Credentials;
use digestbot::clock::ManualClock;
use digestbot::config::{Config, Corrections};
use digestbot::deliver::{Report, RetryPolicy, TargetOutcome};
use digestbot::render::limits::{check_discord_message, check_slack_message};
use digestbot::scheduler::SlotRun;
use digestbot::secret::{Secret, WebhookRef};
use digestbot::slack;
use digestbot::target::{Platform, Target};

use crate::support::app::Running;
use crate::support::fake_discord::{FakeDiscord, FakeOptions, Injected};
use crate::support::fake_slack::FakeSlack;
use crate::support::logs::Logs;
use crate::support::{self, TempDir, digests_dir, synthetic_digest};

const TOKEN: &str = "corrections-token";
const SLACK_TOKEN: &str = "xoxb-corrections";
const DATE: &str = "2026-02-16";
const FILE: &str = "2026-02-16.md";
const RETRY: RetryPolicy =
    RetryPolicy { attempts: 2, base: Duration::from_millis(1), max: Duration::from_millis(5), rate_limit_retries: 3 };

/// Monday 2026-02-16 09:00 KST: the synthetic digest's slot.
fn slot() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 16, 0, 0, 0).unwrap()
}

struct App {
    discord: FakeDiscord,
    slack: FakeSlack,
    running: Running,
    clock: Arc<ManualClock>,
    dir: TempDir,
}

/// Thirteen long articles: several Discord and Slack messages.
fn digest(articles: usize) -> String {
    synthetic_digest(DATE, articles, 1500)
}

async fn spawn(configure: impl FnOnce(&mut Config, &FakeSlack)) -> App {
    let discord = FakeDiscord::start(FakeOptions { token: Some(TOKEN.into()), ..FakeOptions::default() }).await;
    let slack = FakeSlack::start().await;
    let dir = TempDir::new("corrections");
    let mut config = Config {
        digests_dir: digests_dir(dir.path(), &[(FILE, &digest(13))]),
        state_path: dir.path().join("state/digestbot.sqlite3"),
        ..Config::default()
    };
    config.discord.api_base = discord.base_url();
    config.discord.channels = vec![111];
    config.slack.api_base = slack.api_base();
    config.slack.channels = vec!["C0FIX".into()];
    configure(&mut config, &slack);
    let credentials = Credentials {
        discord: Some(Secret::new(TOKEN)),
        slack: slack::Credentials { token: Some(Secret::new(SLACK_TOKEN)), signing_secret: None },
        ..Credentials::default()
    };
    let clock = Arc::new(ManualClock::new(slot()));
    let running =
        support::app::spawn_app(config, credentials, clock.clone(), |app| app.stepped().with_retry(RETRY)).await;
    App { discord, slack, running, clock, dir }
}

impl App {
    /// Delivers the slot and returns how many messages each platform got.
    async fn deliver(&self) -> (usize, usize) {
        assert!(matches!(self.running.scheduler.run_due().await.unwrap(), SlotRun::Delivered { .. }));
        (self.discord.messages(111).len(), self.slack.bot_messages("C0FIX").len())
    }

    /// Rewrites the digest file and re-reads the folder.
    async fn rewrite(&self, text: &str) {
        self.write(FILE, text).await;
    }

    /// Writes a file in the digests folder and re-reads the folder.
    async fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join("digests").join(name), text).unwrap();
        self.running.bot.library.reload().await.unwrap();
    }

    /// One look of the watcher (after a reload, as the app's loop does).
    async fn look(&self) -> Vec<Report> {
        self.running.bot.library.reload().await.unwrap();
        self.running.corrector.step().await.unwrap()
    }

    fn discord_ids(&self) -> Vec<u64> {
        self.discord.message_objects(111).iter().map(|m| m["id"].as_str().unwrap().parse().unwrap()).collect()
    }
}

fn outcome(reports: &[Report], platform: Platform) -> Option<TargetOutcome> {
    reports.iter().flat_map(|r| &r.outcomes).find(|(t, _)| t.platform == platform).map(|(_, o)| o.clone())
}

fn assert_valid_discord(messages: &[Value]) {
    for message in messages {
        let problems = check_discord_message(message);
        assert!(problems.is_empty(), "{problems:?}");
    }
}

#[tokio::test]
async fn a_typo_fixed_after_delivery_edits_only_the_changed_messages_and_posts_nothing_new() {
    let app = spawn(|_, _| {}).await;
    let (discord_parts, slack_parts) = app.deliver().await;
    assert!(discord_parts >= 3 && slack_parts >= 2, "{discord_parts} {slack_parts}");
    let ids = app.discord_ids();
    let posts_before = app.discord.requests_to("POST", "/channels/111/messages").len();

    // The typo is in the last article only.
    app.rewrite(&digest(13).replace("## 13. Source13 - \"Article 13\"", "## 13. Source13 - \"Article Thirteen\""))
        .await;
    assert!(app.look().await.is_empty(), "the first look after a change waits for the file to settle");
    let reports = app.look().await;
    let Some(TargetOutcome::Corrected { edited, posted: 0, deleted: 0, refused: 0 }) =
        outcome(&reports, Platform::Discord)
    else {
        panic!("{reports:?}")
    };
    assert_eq!(edited, 1, "only the message holding article 13 changed");
    assert!(matches!(
        outcome(&reports, Platform::Slack),
        Some(TargetOutcome::Corrected { edited: 1, posted: 0, deleted: 0, .. })
    ));

    // The same messages, one of them edited; no new post on either platform.
    assert_eq!(app.discord_ids(), ids);
    assert_eq!(app.discord.requests_to("POST", "/channels/111/messages").len(), posts_before);
    let edited_ids: Vec<u64> = ids.iter().copied().filter(|id| !app.discord.edits(*id).is_empty()).collect();
    assert_eq!(edited_ids, [*ids.last().unwrap()]);
    let last = app.discord.messages(111).last().cloned().unwrap();
    assert!(last.to_string().contains("Article Thirteen"), "{last}");
    assert!(app.discord.edits(*ids.last().unwrap())[0].get("nonce").is_none());
    assert_valid_discord(&app.discord.messages(111));
    let slack = app.slack.bot_messages("C0FIX");
    assert_eq!(slack.len(), slack_parts);
    assert!(slack.iter().any(|m| m.to_string().contains("Article Thirteen")));
    for message in &slack {
        assert!(check_slack_message(message).is_empty(), "{message}");
    }

    // Nothing more to do at the next looks.
    assert!(app.look().await.is_empty());
    assert!(app.look().await.is_empty());
    assert_eq!(app.discord.edits(*ids.last().unwrap()).len(), 1);
}

#[tokio::test]
async fn a_longer_version_posts_the_new_parts_after_the_others_and_a_shorter_one_deletes_the_surplus() {
    let app = spawn(|_, _| {}).await;
    let (discord_parts, _) = app.deliver().await;
    let ids = app.discord_ids();

    app.rewrite(&digest(20)).await;
    app.look().await;
    let reports = app.look().await;
    let Some(TargetOutcome::Corrected { posted, deleted: 0, .. }) = outcome(&reports, Platform::Discord) else {
        panic!("{reports:?}")
    };
    assert!(posted >= 1, "{reports:?}");
    let longer = app.discord_ids();
    assert_eq!(longer.len(), discord_parts + posted);
    assert_eq!(&longer[..ids.len()], &ids[..], "the old messages stay first, the new ones follow");
    assert!(app.discord.messages(111).iter().any(|m| m.to_string().contains("Article 20")));

    app.rewrite(&digest(3)).await;
    app.look().await;
    let reports = app.look().await;
    let Some(TargetOutcome::Corrected { deleted, posted: 0, .. }) = outcome(&reports, Platform::Discord) else {
        panic!("{reports:?}")
    };
    let shorter = app.discord_ids();
    assert_eq!(shorter.len(), longer.len() - deleted);
    assert_eq!(&shorter[..], &longer[..shorter.len()], "the surplus at the end is deleted");
    assert_eq!(app.discord.deleted(111).len(), deleted);
    assert!(!app.discord.messages(111).iter().any(|m| m.to_string().contains("Article 13")));
    // The ledger agrees: a slot run again posts nothing.
    assert!(matches!(app.running.scheduler.run_slot(slot()).await.unwrap(), SlotRun::NothingNew { .. }));
    assert!(app.look().await.is_empty());
}

#[tokio::test]
async fn a_refused_edit_is_recorded_once_and_not_retried_and_the_rest_goes_on() {
    let app = spawn(|_, _| {}).await;
    app.deliver().await;
    let ids = app.discord_ids();
    app.discord.inject("PATCH", &format!("/channels/111/messages/{}", ids[0]), vec![Injected::too_many_edits()]);
    // Every message changes: the title is in the first, the footer-free bodies in all.
    app.rewrite(&digest(13).replace("긴 본문", "고친 본문")).await;
    app.look().await;
    let reports = app.look().await;
    let Some(TargetOutcome::Corrected { refused: 1, edited, .. }) = outcome(&reports, Platform::Discord) else {
        panic!("{reports:?}")
    };
    assert_eq!(edited, ids.len() - 1);
    let status = app.running.bot.channel_status(&Target::new(Platform::Discord, "111")).unwrap();
    let (failure, _) = status.last_failure.expect("the refusal is shown in status");
    assert!(failure.contains("30046") || failure.to_lowercase().contains("edits"), "{failure}");
    // Not retried for this version.
    assert!(app.look().await.is_empty());
    assert_eq!(app.discord.requests_to("PATCH", &format!("/channels/111/messages/{}", ids[0])).len(), 1);
}

#[tokio::test]
async fn an_edit_whose_answer_is_lost_is_finished_at_the_next_look() {
    let app = spawn(|_, _| {}).await;
    app.deliver().await;
    let ids = app.discord_ids();
    let path = format!("/channels/111/messages/{}", ids[0]);
    // Both tries of the first edit lose their answer: the correction stops there, as a crash would.
    app.discord.inject_lost_response("PATCH", &path, 2, crate::support::fake_discord::LostResponse::Close);
    app.rewrite(&digest(13).replace("title: \"Synthetic 2026-02-16\"", "title: \"Synthetic, fixed\"")).await;
    app.look().await;
    let reports = app.look().await;
    assert!(matches!(outcome(&reports, Platform::Discord), Some(TargetOutcome::Failed(_))), "{reports:?}");
    // A failed correction is tried again after ten minutes, as a failed delivery is; that look finds
    // it unfinished and ends it: every message shows the new title once.
    assert!(app.look().await.is_empty(), "not at the very next look");
    app.clock.advance(chrono::Duration::minutes(11));
    let reports = app.look().await;
    assert!(matches!(outcome(&reports, Platform::Discord), Some(TargetOutcome::Corrected { .. })), "{reports:?}");
    assert!(app.discord.messages(111)[0].to_string().contains("Synthetic, fixed"));
    assert_eq!(app.discord_ids(), ids, "no message was posted again");
    assert!(app.look().await.is_empty());
}

#[tokio::test]
async fn old_digests_slack_webhooks_and_corrections_off_are_left_alone() {
    let logs = Logs::default();
    let _guard = logs.install();
    let app = spawn(|config, slack| {
        config.slack.webhooks = vec![WebhookRef::Url(Secret::new(slack.webhook_url("fixes")))];
    })
    .await;
    app.deliver().await;
    assert!(!app.slack.webhook_calls("fixes").is_empty());
    let webhook_posts = app.slack.webhook_calls("fixes").len();
    app.rewrite(&digest(13).replace("Article 2\"", "Article Two\"")).await;
    app.look().await;
    let reports = app.look().await;
    assert!(reports.iter().flat_map(|r| &r.outcomes).all(|(t, _)| t.platform != Platform::SlackWebhook));
    assert_eq!(app.slack.webhook_calls("fixes").len(), webhook_posts, "nothing is posted again to a webhook");
    assert!(logs.text().contains("cannot be edited"), "{}", logs.text());

    // Three weeks later a change is past the 14-day window.
    app.clock.set(slot() + chrono::Duration::days(21));
    let edits_before = app.discord.requests_to("PATCH", "/channels/111/messages").len();
    app.rewrite(&digest(13).replace("Article 3\"", "Article Three\"")).await;
    app.look().await;
    assert!(app.look().await.is_empty());
    assert_eq!(app.discord.requests_to("PATCH", "/channels/111/messages").len(), edits_before);
    assert!(logs.text().contains("older than delivery.corrections_window"), "{}", logs.text());

    // And with corrections off, nothing is edited either.
    let off = spawn(|config, _| config.delivery.corrections = Corrections::Off).await;
    off.deliver().await;
    off.rewrite(&digest(13).replace("Article 4\"", "Article Four\"")).await;
    off.look().await;
    assert!(off.look().await.is_empty());
    assert!(off.discord.requests_to("PATCH", "/channels/").is_empty());
}

#[tokio::test]
async fn a_gone_channel_is_not_asked_again_at_every_look() {
    let app = spawn(|_, _| {}).await;
    app.deliver().await;
    app.discord.inject("PATCH", "/channels/111/messages", (0..50).map(|_| Injected::not_found()).collect());
    app.rewrite(&digest(13).replace("\"Article 13\"", "\"Article Thirteen\"")).await;
    app.look().await;
    for _ in 0..5 {
        app.look().await;
    }
    assert_eq!(app.discord.requests_to("PATCH", "/channels/111/messages").len(), 1);
    // Ten minutes later it is tried again, as a failed delivery is.
    app.clock.advance(chrono::Duration::minutes(11));
    app.look().await;
    assert_eq!(app.discord.requests_to("PATCH", "/channels/111/messages").len(), 2);
}

#[tokio::test]
async fn a_copy_with_the_same_date_never_rewrites_the_posted_issue() {
    let app = spawn(|_, _| {}).await;
    app.deliver().await;
    // Next week's draft starts as a copy; it sorts before the original, so it now holds the date.
    app.write("2026-02-16-next.md", &digest(13)).await;
    app.look().await;
    app.look().await;
    app.write("2026-02-16-next.md", &digest(13).replace("\"Article 1\"", "\"DRAFT next week\"")).await;
    app.look().await;
    app.look().await;
    assert!(!app.discord.messages(111).iter().any(|m| m.to_string().contains("DRAFT next week")));
    assert!(!app.slack.bot_messages("C0FIX").iter().any(|m| m.to_string().contains("DRAFT next week")));
    assert!(app.discord.requests_to("PATCH", "/channels/").is_empty());
}

#[tokio::test]
async fn an_unsubscribed_channel_is_no_longer_corrected() {
    let app = spawn(|config, _| config.discord.channels = vec![]).await;
    let target = Target::new(Platform::Discord, "111");
    app.running.bot.store.subscribe(&target, slot() - chrono::Duration::days(1)).unwrap();
    app.deliver().await;
    let before = app.discord.messages(111).len();
    app.running.bot.store.unsubscribe(&target).unwrap();
    app.rewrite(&digest(20)).await;
    app.look().await;
    app.look().await;
    assert_eq!(app.discord.messages(111).len(), before);
    assert!(app.discord.requests_to("PATCH", "/channels/").is_empty());
}

#[tokio::test]
async fn a_token_refused_during_a_correction_stops_the_app_with_exit_code_3() {
    let discord = FakeDiscord::start(FakeOptions { token: Some(TOKEN.into()), ..FakeOptions::default() }).await;
    let dir = TempDir::new("corrections-401");
    let mut config = Config {
        digests_dir: digests_dir(dir.path(), &[(FILE, &digest(13))]),
        state_path: dir.path().join("state/digestbot.sqlite3"),
        digests_poll: Duration::from_secs(1),
        ..Config::default()
    };
    config.discord.api_base = discord.base_url();
    config.discord.channels = vec![111];
    let credentials = Credentials { discord: Some(Secret::new(TOKEN)), ..Credentials::default() };
    // The app's own loops: the slot is due at start, the watcher looks every second.
    let clock = Arc::new(ManualClock::new(slot()));
    let app = support::app::spawn_app(config, credentials, clock, |app| app.with_retry(RETRY)).await;
    assert!(crate::support::wait_until_within(Duration::from_secs(10), || discord.messages(111).len() >= 3).await);
    discord.inject("PATCH", "/channels/111/messages", vec![Injected::error(401, "401: Unauthorized", 0)]);
    std::fs::write(dir.path().join("digests").join(FILE), digest(13).replace("\"Article 2\"", "\"Article Two\""))
        .unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(15), app.stop_when_done()).await.expect("the app stopped");
    let error = ended.expect_err("a refused token is fatal");
    assert_eq!(digestbot::app::exit_code(&error), std::process::ExitCode::from(digestbot::app::EXIT_UNAUTHORIZED));
}
