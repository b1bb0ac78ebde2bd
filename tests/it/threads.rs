//! Threads, forum posts and article layouts end to end, in process: the real `App` delivers a
//! digest to the fake Discord (and the fake Slack) as each channel's `threads` setting says, and
//! the tests lose answers, withhold permissions and run slots again to check that every thread and
//! forum post is made exactly once, that a missing permission never holds up the digest, and that
//! the ledger knows where everything went.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use digestbot::app::Credentials;
use digestbot::clock::ManualClock;
use digestbot::config::Config;
use digestbot::deliver::{Report, RetryPolicy, TargetOutcome};
use digestbot::render::limits::{check_discord_message, check_slack_message};
use digestbot::scheduler::SlotRun;
use digestbot::secret::Secret;
use digestbot::slack;
use digestbot::target::{Platform, Target, ThreadMode};

use crate::support::app::Running;
use crate::support::fake_discord::{ChannelSpec, FakeDiscord, FakeOptions, ForumTag, Injected, LostResponse};
use crate::support::fake_slack::FakeSlack;
use crate::support::logs::Logs;
use crate::support::{self, TempDir, digests_dir, synthetic_digest};

const TOKEN: &str = "threads-token";
const SLACK_TOKEN: &str = "xoxb-threads";
const DATE: &str = "2026-02-16";
const TITLE: &str = "Synthetic 2026-02-16";
const TEXT: u64 = 111;
const FORUM: u64 = 222;
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
    _dir: TempDir,
}

/// An app posting `articles` long articles (category Backend, tag Synthetic) to the Discord
/// channels `channels` (set up in the fake first by `channels_setup`) and the Slack channel `C0THR`.
async fn spawn(articles: usize, setup: impl FnOnce(&FakeDiscord), configure: impl FnOnce(&mut Config)) -> App {
    let discord = FakeDiscord::start(FakeOptions { token: Some(TOKEN.into()), ..FakeOptions::default() }).await;
    setup(&discord);
    let slack = FakeSlack::start().await;
    let dir = TempDir::new("threads");
    let mut config = Config {
        digests_dir: digests_dir(dir.path(), &[("2026-02-16.md", &synthetic_digest(DATE, articles, 1500))]),
        state_path: dir.path().join("state/digestbot.sqlite3"),
        ..Config::default()
    };
    config.discord.api_base = discord.base_url();
    config.slack.api_base = slack.api_base();
    configure(&mut config);
    let credentials = Credentials {
        discord: Some(Secret::new(TOKEN)),
        slack: slack::Credentials { token: Some(Secret::new(SLACK_TOKEN)), signing_secret: None },
        ..Credentials::default()
    };
    let clock = Arc::new(ManualClock::new(slot()));
    let running = support::app::spawn_app(config, credentials, clock, |app| app.stepped().with_retry(RETRY)).await;
    App { discord, slack, running, _dir: dir }
}

impl App {
    async fn run_slot(&self) -> SlotRun {
        self.running.scheduler.run_slot(slot()).await.unwrap()
    }

    async fn deliver(&self) -> Report {
        match self.run_slot().await {
            SlotRun::Delivered { report, .. } => report,
            other => panic!("expected a delivery, got {other:?}"),
        }
    }

    fn ids(&self, channel: u64) -> Vec<String> {
        self.discord.message_objects(channel).iter().map(|m| m["id"].as_str().unwrap().to_string()).collect()
    }

    fn ledger(&self, channel: u64) -> Vec<digestbot::store::LedgerPart> {
        let target = Target::new(Platform::Discord, channel.to_string());
        self.running.bot.store.ledger_parts(&target, DATE).unwrap()
    }
}

fn outcome(report: &Report, platform: Platform) -> TargetOutcome {
    report.outcomes.iter().find(|(t, _)| t.platform == platform).map(|(_, o)| o.clone()).expect("an outcome")
}

fn assert_valid_discord(messages: &[Value]) {
    for message in messages {
        let problems = check_discord_message(message);
        assert!(problems.is_empty(), "{problems:?}: {message}");
    }
}

#[tokio::test]
async fn issue_threads_start_once_from_the_header_message_even_when_the_answer_is_lost() {
    let app = spawn(
        4,
        |discord| discord.inject_lost_response("POST", &format!("/channels/{TEXT}/messages/"), 1, LostResponse::Close),
        |config| {
            config.discord.channels = vec![TEXT];
            config.discord.threads = ThreadMode::Issue;
        },
    )
    .await;
    let report = app.deliver().await;
    assert!(matches!(outcome(&report, Platform::Discord), TargetOutcome::Delivered { .. }), "{report:?}");

    // The first try made the thread but its answer was lost; the second was told 160004 and took it.
    let header = app.ids(TEXT)[0].clone();
    let threads = app.discord.threads(TEXT);
    assert_eq!(threads.len(), 1, "{threads:?}");
    assert_eq!(threads[0]["id"], header.as_str(), "the thread is started from the header message");
    assert_eq!(threads[0]["name"], TITLE);
    let tries = app.discord.requests_to("POST", &format!("/channels/{TEXT}/messages/{header}/threads"));
    assert_eq!(tries.len(), 2);
    assert_eq!(tries[1].status, 400, "the second call is answered 160004");
    let ledger = app.ledger(TEXT);
    assert_eq!(ledger[0].thread_id.as_deref(), Some(header.as_str()));
    assert!(ledger[1..].iter().all(|row| row.thread_name.is_none()), "only the header starts a thread");

    // Done: the slot again posts nothing and starts nothing.
    assert!(matches!(app.run_slot().await, SlotRun::NothingNew { .. }));
    assert_eq!(app.discord.requests_to("POST", &format!("/channels/{TEXT}/messages/")).len(), 2);
}

#[tokio::test]
async fn a_thread_that_failed_for_now_is_started_by_the_next_run_without_posting_again() {
    let app = spawn(
        2,
        |discord| discord.inject("POST", &format!("/channels/{TEXT}/messages/"), vec![Injected::server_error(); 2]),
        |config| {
            config.discord.channels = vec![TEXT];
            config.discord.threads = ThreadMode::Issue;
        },
    )
    .await;
    let report = app.deliver().await;
    assert!(matches!(outcome(&report, Platform::Discord), TargetOutcome::Failed(_)), "{report:?}");
    let posted = app.ids(TEXT);
    assert!(app.discord.threads(TEXT).is_empty());
    assert!(app.ledger(TEXT)[0].wants_thread());

    // A later run (a retry, or a restart's catch-up) starts the thread and posts nothing more.
    let report = app.deliver().await;
    assert_eq!(outcome(&report, Platform::Discord), TargetOutcome::Delivered { parts: 0 });
    assert_eq!(app.ids(TEXT), posted);
    assert_eq!(app.discord.threads(TEXT).len(), 1);
    assert!(matches!(app.run_slot().await, SlotRun::NothingNew { .. }));
}

#[tokio::test]
async fn without_create_public_threads_the_digest_is_posted_and_status_names_the_permission() {
    let logs = Logs::default();
    let _guard = logs.install();
    let app = spawn(
        3,
        |discord| discord.set_channel(ChannelSpec { create_public_threads: false, ..ChannelSpec::text(TEXT) }),
        |_| {},
    )
    .await;
    let target = Target::new(Platform::Discord, TEXT.to_string());
    app.running.bot.store.subscribe(&target, slot()).unwrap();
    app.running.bot.store.set_thread_mode(&target, Some(ThreadMode::Article)).unwrap();
    let report = app.deliver().await;
    let TargetOutcome::Delivered { parts } = outcome(&report, Platform::Discord) else { panic!("{report:?}") };
    assert_eq!(parts, app.ids(TEXT).len(), "every part is posted");
    assert!(app.discord.threads(TEXT).is_empty());

    // One refusal, asked once: the other articles do not try again.
    let tries = app.discord.requests_to("POST", &format!("/channels/{TEXT}/messages/"));
    assert_eq!(tries.len(), 1, "{:?}", tries.iter().map(|r| &r.path).collect::<Vec<_>>());
    let ledger = app.ledger(TEXT);
    let wanted: Vec<_> = ledger.iter().filter(|row| row.thread_name.is_some()).collect();
    assert_eq!(wanted.len(), 3, "each article wanted a thread");
    assert!(wanted.iter().all(|row| row.thread_error.as_deref().is_some_and(|e| e.contains("Create Public Threads"))));
    let (digest, why) = app.running.bot.store.thread_problem(&target).unwrap().expect("a thread problem");
    assert_eq!(digest, DATE);
    assert!(why.contains("Create Public Threads") && why.contains("Send Messages in Threads"), "{why}");
    assert!(logs.text().contains("could not start the thread"));

    // Not retried forever: the digest counts as delivered.
    assert!(matches!(app.run_slot().await, SlotRun::NothingNew { .. }));
    assert_eq!(app.discord.requests_to("POST", &format!("/channels/{TEXT}/messages/")).len(), 1);
}

#[tokio::test]
async fn article_threads_give_each_article_its_message_its_thread_and_its_button() {
    let app = spawn(
        3,
        |_| {},
        |config| {
            config.discord.channels = vec![TEXT];
            config.discord.threads = ThreadMode::Article;
        },
    )
    .await;
    app.deliver().await;
    let messages = app.discord.messages(TEXT);
    assert_valid_discord(&messages);
    assert!(messages[0].to_string().contains(TITLE), "the header comes first");
    let threads = app.discord.threads(TEXT);
    let names: Vec<&str> = threads.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["1. Source1 — Article 1", "2. Source2 — Article 2", "3. Source3 — Article 3"]);
    let ids = app.ids(TEXT);
    for (i, thread) in threads.iter().enumerate() {
        let at = ids.iter().position(|id| thread["id"] == id.as_str()).expect("each thread is on a posted message");
        let message = &messages[at];
        assert!(message.to_string().contains(&format!("Article {}", i + 1)), "{message}");
        let button = &message["components"][0]["components"][0];
        assert_eq!(button["style"], 5);
        assert_eq!(button["url"], format!("https://example.com/{}", i + 1));
        assert_eq!(button["label"], "원문 읽기");
    }
    assert!(matches!(app.run_slot().await, SlotRun::NothingNew { .. }));
    assert_eq!(app.discord.threads(TEXT).len(), 3);
}

fn tags() -> Vec<ForumTag> {
    vec![ForumTag::new(901, "Frontend"), ForumTag::new(902, "backend"), ForumTag::new(903, "SYNTHETIC")]
}

#[tokio::test]
async fn a_forum_gets_one_tagged_post_per_issue_with_the_rest_of_the_digest_inside() {
    let app = spawn(
        13,
        |discord| discord.set_channel(ChannelSpec::forum(FORUM, tags())),
        |config| config.discord.channels = vec![FORUM],
    )
    .await;
    let report = app.deliver().await;
    let TargetOutcome::Delivered { parts } = outcome(&report, Platform::Discord) else { panic!("{report:?}") };
    assert!(parts >= 2, "a long digest: the rest follows in the post");
    let posts = app.discord.threads(FORUM);
    assert_eq!(posts.len(), 1, "{posts:?}");
    let post = &posts[0];
    assert_eq!(post["name"], TITLE);
    assert_eq!(post["applied_tags"], serde_json::json!(["902", "903"]), "matched case-insensitively");
    let post_id: u64 = post["id"].as_str().unwrap().parse().unwrap();
    let inside = app.discord.messages(post_id);
    assert_eq!(inside.len(), parts, "the starter message and every other part are in the post");
    assert_valid_discord(&inside);
    assert!(app.discord.messages(FORUM).is_empty());
    let ledger = app.ledger(FORUM);
    assert!(ledger.iter().all(|row| row.posted.channel.as_deref() == Some(post["id"].as_str().unwrap())));
    assert!(matches!(app.run_slot().await, SlotRun::NothingNew { .. }));
    assert_eq!(app.discord.threads(FORUM).len(), 1);
}

#[tokio::test]
async fn a_forum_post_whose_answer_was_lost_is_found_among_the_active_threads_not_made_twice() {
    let app = spawn(
        13,
        |discord| {
            discord.set_channel(ChannelSpec::media(FORUM, tags()));
            discord.inject_lost_response("POST", &format!("/channels/{FORUM}/threads"), 1, LostResponse::Close);
        },
        |config| config.discord.channels = vec![FORUM],
    )
    .await;
    let report = app.deliver().await;
    assert!(matches!(outcome(&report, Platform::Discord), TargetOutcome::Delivered { .. }), "{report:?}");
    let posts = app.discord.threads(FORUM);
    assert_eq!(posts.len(), 1, "the post was made once: {posts:?}");
    assert_eq!(app.discord.requests_to("POST", &format!("/channels/{FORUM}/threads")).len(), 1);
    assert!(!app.discord.requests_to("GET", "/guilds/").is_empty(), "the active threads were looked at");
    let post_id: u64 = posts[0]["id"].as_str().unwrap().parse().unwrap();
    let parts = app.ledger(FORUM).len();
    assert_eq!(app.discord.messages(post_id).len(), parts, "the rest followed inside the post found");
}

#[tokio::test]
async fn a_forum_that_requires_a_tag_gets_its_first_tag_when_none_matches() {
    let logs = Logs::default();
    let _guard = logs.install();
    let forum_tags = vec![ForumTag::new(801, "Announcements"), ForumTag::new(802, "Weekly")];
    let app = spawn(
        2,
        |discord| discord.set_channel(ChannelSpec { require_tag: true, ..ChannelSpec::forum(FORUM, forum_tags) }),
        |config| config.discord.channels = vec![FORUM],
    )
    .await;
    app.deliver().await;
    let posts = app.discord.threads(FORUM);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["applied_tags"], serde_json::json!(["801"]));
    assert!(logs.text().contains("the forum requires a tag"));
}

#[tokio::test]
async fn a_correction_edits_a_forum_post_inside_the_post() {
    let app = spawn(
        3,
        |discord| discord.set_channel(ChannelSpec::forum(FORUM, tags())),
        |config| config.discord.channels = vec![FORUM],
    )
    .await;
    app.deliver().await;
    let post_id: u64 = app.discord.threads(FORUM)[0]["id"].as_str().unwrap().parse().unwrap();
    let path = app.running.bot.config.digests_dir.join("2026-02-16.md");
    let fixed = synthetic_digest(DATE, 3, 1500).replace("\"Article 3\"", "\"Article Three\"");
    std::fs::write(path, fixed).unwrap();
    app.running.bot.library.reload().await.unwrap();
    app.running.corrector.step().await.unwrap();
    app.running.bot.library.reload().await.unwrap();
    let reports = app.running.corrector.step().await.unwrap();
    let corrected = reports.iter().flat_map(|r| &r.outcomes).find(|(t, _)| t.platform == Platform::Discord);
    assert!(
        matches!(corrected, Some((_, TargetOutcome::Corrected { edited: 1, posted: 0, deleted: 0, .. }))),
        "{reports:?}"
    );
    let edits = app.discord.requests_to("PATCH", &format!("/channels/{post_id}/messages/"));
    assert_eq!(edits.len(), 1);
    assert!(app.discord.messages(post_id).iter().any(|m| m.to_string().contains("Article Three")));
    assert_eq!(app.discord.threads(FORUM).len(), 1);
}

#[tokio::test]
async fn slack_article_mode_posts_each_article_as_its_own_message_with_a_link_button() {
    let app = spawn(
        3,
        |_| {},
        |config| {
            config.slack.channels = vec!["C0THR".into()];
            config.slack.threads = ThreadMode::Article;
        },
    )
    .await;
    app.deliver().await;
    let messages = app.slack.bot_messages("C0THR");
    assert_eq!(messages.len(), 1 + 3, "the header, then one message per article: {messages:?}");
    for message in &messages {
        assert!(check_slack_message(message).is_empty(), "{message}");
    }
    for (i, message) in messages[1..].iter().enumerate() {
        let blocks = message["blocks"].as_array().unwrap();
        let actions = blocks.iter().find(|b| b["type"] == "actions").expect("an actions block");
        assert_eq!(actions["elements"][0]["url"], format!("https://example.com/{}", i + 1));
        assert!(message.to_string().contains(&format!("Article {}", i + 1)));
    }
}
