//! The Discord bot end to end, in process: the real serenity client and our REST sinks against the
//! fake Discord, with the clock injected.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};

use digestbot::app::Credentials;
use digestbot::bot::Bot;
use digestbot::clock::ManualClock;
use digestbot::config::Config;
use digestbot::deliver::{RetryPolicy, TargetOutcome};
use digestbot::render::limits::check_discord_message;
use digestbot::scheduler::{Scheduler, SchedulerError, SlotRun};
use digestbot::secret::{Secret, WebhookRef};
use digestbot::target::{Platform, Target, ThreadMode};

use crate::support::app::Running;
use crate::support::fake_discord::{
    ChannelSpec, FakeDiscord, FakeOptions, ForumTag, Injected, LostResponse, autocomplete_interaction,
    command_interaction,
};
use crate::support::logs::Logs;
use crate::support::{self, TempDir, digests_dir, synthetic_digest};

const TOKEN: &str = "test-token";
/// Manage Channels.
const MANAGE_CHANNELS: u64 = 1 << 4;
const WAIT: Duration = Duration::from_secs(10);

/// The slot of the seed digest: Monday 2026-02-09 09:00 KST.
fn slot() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 9, 0, 0, 0).unwrap()
}

struct App {
    fake: FakeDiscord,
    bot: Bot,
    clock: Arc<ManualClock>,
    running: Running,
    _dir: TempDir,
}

/// Retries in milliseconds.
const RETRY: RetryPolicy =
    RetryPolicy { attempts: 3, base: Duration::from_millis(5), max: Duration::from_millis(20), rate_limit_retries: 5 };

/// The app as `serve` builds it, with the Discord token, against a fresh fake; the slots are stepped
/// by the tests.
async fn spawn_app(options: FakeOptions, configure: impl FnOnce(&mut Config, &FakeDiscord)) -> App {
    let fake = FakeDiscord::start(FakeOptions { token: Some(TOKEN.into()), ..options }).await;
    let dir = TempDir::new("discord");
    let mut config = Config {
        digests_dir: digests_dir(dir.path(), &[]),
        state_path: dir.path().join("state/digestbot.sqlite3"),
        ..Config::default()
    };
    config.discord.api_base = fake.base_url();
    configure(&mut config, &fake);
    // 07:00 KST on the seed's Monday: the seed is published, and no slot is due yet.
    let clock = Arc::new(ManualClock::new(slot() - chrono::Duration::hours(2)));
    let credentials = Credentials { discord: Some(Secret::new(TOKEN)), ..Credentials::default() };
    let running =
        support::app::spawn_app(config, credentials, clock.clone(), |app| app.stepped().with_retry(RETRY)).await;
    App { fake, bot: running.bot.clone(), clock, running, _dir: dir }
}

impl App {
    /// Waits until the app's gateway client has identified.
    async fn connect(&self) {
        assert!(self.fake.wait_ready(WAIT).await, "the bot never identified");
    }

    /// Stops the app as `serve` does on a signal; the gateway closes.
    async fn stop(&self) {
        self.running.stop().await.expect("a clean stop");
    }

    fn scheduler(&self) -> Scheduler {
        self.running.scheduler.clone()
    }

    /// Sends an interaction and returns the interaction response (the callback body).
    async fn interact(&self, interaction: Value) -> Value {
        let id: u64 = interaction["id"].as_str().unwrap().parse().unwrap();
        assert_eq!(self.fake.send_interaction(interaction), 1);
        self.fake.wait_callback(id, WAIT).await.expect("no interaction response")
    }

    fn spec(&self, sub: &str, options: Vec<(&str, Value)>) -> crate::support::fake_discord::InteractionSpec {
        let mut spec = self.fake.interaction_spec(sub);
        spec.options = options.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        spec
    }
}

fn assert_valid(message: &Value) {
    let problems = check_discord_message(message);
    assert!(problems.is_empty(), "{problems:?} in {message}");
}

#[tokio::test]
async fn registers_the_command_globally_or_in_the_guild() {
    let app = spawn_app(FakeOptions::default(), |_, _| {}).await;
    app.connect().await;
    assert!(app.fake.wait_for(|r| r.iter().any(|r| r.method == "PUT"), WAIT).await);
    let commands = app.fake.commands(None).expect("global commands");
    let command = &commands.as_array().unwrap()[0];
    assert_eq!(command["name"], "digest");
    assert_eq!(command["description_localizations"]["ko"], "주간 기술블로그 다이제스트");
    let subs: Vec<&str> = command["options"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(
        subs,
        [
            "latest",
            "keyword",
            "issue",
            "list",
            "subscribe",
            "unsubscribe",
            "status",
            "help",
            "preview",
            "approve",
            "hold"
        ]
    );
    assert_eq!(app.fake.identify().unwrap()["token"], "Bot test-token");
    assert_eq!(app.fake.identify().unwrap()["intents"], 1, "only the GUILDS intent");
    app.stop().await;
    assert!(app.fake.wait_gateway_closed(WAIT).await);

    let app = spawn_app(FakeOptions::default(), |c, _| c.discord.guild_id = Some(4242)).await;
    app.connect().await;
    assert!(app.fake.wait_for(|r| r.iter().any(|r| r.method == "PUT"), WAIT).await);
    assert!(app.fake.commands(Some(4242)).is_some());
    assert!(app.fake.commands(None).is_none());
    app.stop().await;
}

#[tokio::test]
async fn latest_keyword_and_list_are_answered_in_the_channel() {
    let app = spawn_app(FakeOptions::default(), |_, _| {}).await;
    app.connect().await;

    let response = app.interact(command_interaction(app.spec("latest", vec![]))).await;
    assert_eq!(response["type"], 4);
    assert_valid(&response["data"]);
    assert!(response["data"].get("flags").is_none(), "latest is visible to the channel");
    let embeds = response["data"]["embeds"].as_array().unwrap();
    assert_eq!(embeds[0]["title"], "주간 기술블로그 하이라이트 - 하이브리드 클라우드와 팀 문화 리팩토링");
    assert_eq!(embeds[1]["url"], "https://toss.tech");

    let response = app.interact(command_interaction(app.spec("keyword", vec![("query", json!("ADR"))]))).await;
    assert_valid(&response["data"]);
    assert_eq!(response["data"]["content"], "`ADR` 검색 결과 1건 중 1건");
    assert_eq!(response["data"]["embeds"][0]["title"], "2. 우아한형제들 — 우리는 코드처럼 문화도 리팩토링한다");

    let response = app.interact(command_interaction(app.spec("list", vec![("page", json!(1))]))).await;
    assert!(response["data"]["content"].as_str().unwrap().contains("2026-02-09"));
    app.stop().await;
}

#[tokio::test]
async fn issue_with_autocomplete() {
    let older = synthetic_digest("2026-02-02", 2, 100);
    let app = spawn_app(FakeOptions::default(), |_, _| {}).await;
    std::fs::write(app.bot.config.digests_dir.join("2026-02-02.md"), older).unwrap();
    app.bot.library.reload().await.unwrap();
    app.connect().await;

    let auto = autocomplete_interaction(app.spec("issue", vec![("date", json!("2026-02"))]), "date");
    let response = app.interact(auto).await;
    assert_eq!(response["type"], 8);
    let values: Vec<&str> =
        response["data"]["choices"].as_array().unwrap().iter().map(|c| c["value"].as_str().unwrap()).collect();
    assert_eq!(values, ["2026-02-09", "2026-02-02"], "newest first");
    let auto = autocomplete_interaction(app.spec("issue", vec![("date", json!("02-02"))]), "date");
    assert_eq!(app.interact(auto).await["data"]["choices"].as_array().unwrap().len(), 1);

    let response = app.interact(command_interaction(app.spec("issue", vec![("date", json!("2026-02-02"))]))).await;
    assert_eq!(response["data"]["embeds"][0]["title"], "Synthetic 2026-02-02");
    let response = app.interact(command_interaction(app.spec("issue", vec![("date", json!("2026-02-03"))]))).await;
    assert!(response["data"]["content"].as_str().unwrap().contains("2026-02-02"), "nearest issues are offered");
    app.stop().await;
}

#[tokio::test]
async fn long_replies_continue_in_follow_ups() {
    let big = synthetic_digest("2026-02-10", 13, 3000);
    let app = spawn_app(FakeOptions::default(), |_, _| {}).await;
    std::fs::write(app.bot.config.digests_dir.join("2026-02-10.md"), big).unwrap();
    app.bot.library.reload().await.unwrap();
    app.clock.set(Utc.with_ymd_and_hms(2026, 2, 10, 1, 0, 0).unwrap());
    app.connect().await;
    let library = app.bot.library.current();
    let expected =
        digestbot::render::discord::messages(&digestbot::render::digest_doc(&library.all()[0], app.bot.config.locale));
    assert!(expected.len() >= 3, "13 long articles need several messages");
    let spec = app.spec("latest", vec![]);
    let token = spec.token.clone();
    let response = app.interact(command_interaction(spec)).await;
    assert_valid(&response["data"]);
    let followup_path = format!("/webhooks/{}/{token}", app.fake.application_id());
    let sent =
        |r: &[crate::support::fake_discord::Recorded]| r.iter().filter(|r| r.path.ends_with(&followup_path)).count();
    assert!(app.fake.wait_for(|r| sent(r) == expected.len() - 1, WAIT).await);
    let followups = app.fake.followups(&token);
    let embeds: usize =
        std::iter::once(&response["data"]).chain(&followups).map(|m| m["embeds"].as_array().unwrap().len()).sum();
    assert_eq!(embeds, 14, "the header and 13 articles");
    followups.iter().for_each(assert_valid);
    app.stop().await;
}

#[tokio::test]
async fn subscribe_needs_manage_channels_and_replies_privately() {
    let app = spawn_app(FakeOptions::default(), |_, _| {}).await;
    app.connect().await;

    let spec = app.spec("subscribe", vec![]);
    let channel = spec.channel_id.to_string();
    let target = Target::new(Platform::Discord, channel.clone());
    let refused = app.interact(command_interaction(spec)).await;
    assert_eq!(refused["data"]["flags"], 64);
    assert!(refused["data"]["content"].as_str().unwrap().contains("Manage Channels"));
    assert!(app.bot.store.subscription(&target).unwrap().is_none());

    let mut spec = app.spec("subscribe", vec![]);
    spec.permissions = MANAGE_CHANNELS;
    let accepted = app.interact(command_interaction(spec)).await;
    assert_eq!(accepted["data"]["flags"], 64);
    // It is 07:00 KST on a Monday: the next delivery is today at 09:00.
    assert_eq!(
        accepted["data"]["content"],
        "이 채널을 구독했습니다. 다음 발송: 2026-02-09 09:00 KST\n\n\
         스레드: off (설정 파일의 기본값) — 다이제스트를 메시지 몇 개에 묶어 올리고, 스레드는 만들지 않습니다."
    );
    assert!(app.bot.store.subscription(&target).unwrap().is_some());

    let mut spec = app.spec("subscribe", vec![]);
    spec.permissions = 1 << 3; // Administrator
    let again = app.interact(command_interaction(spec)).await;
    assert!(again["data"]["content"].as_str().unwrap().starts_with("이 채널은 이미 구독 중입니다"));

    let status = app.interact(command_interaction(app.spec("status", vec![]))).await;
    assert_eq!(status["data"]["flags"], 64);
    let fields = status["data"]["embeds"][0]["fields"].as_array().unwrap();
    assert_eq!(fields[0]["value"], "구독 중");
    assert_eq!(fields[1]["value"], "2026-02-09 09:00 KST");
    app.stop().await;
}

#[tokio::test]
async fn subscribe_in_a_forum_post_subscribes_the_forum_with_its_threads_setting() {
    const FORUM: u64 = 1_300_000_000_000_000_500;
    const POST: u64 = 1_300_000_000_000_000_501;
    const CATEGORY: u64 = 1_300_000_000_000_000_502;
    let app = spawn_app(FakeOptions::default(), |c, _| c.locale = digestbot::i18n::Locale::En).await;
    app.fake.set_channel(ChannelSpec::forum(FORUM, vec![ForumTag::new(1, "Backend")]));
    app.fake.set_channel(ChannelSpec::thread(POST, FORUM));
    app.connect().await;
    let forum = Target::new(Platform::Discord, FORUM.to_string());
    let in_post = |sub: &str, options: Vec<(&str, Value)>| {
        let mut spec = app.spec(sub, options);
        (spec.channel_id, spec.channel_type, spec.parent_id) = (POST, 11, Some(FORUM));
        spec.permissions = MANAGE_CHANNELS;
        command_interaction(spec)
    };

    let subscribed = app.interact(in_post("subscribe", vec![("threads", json!("article"))])).await;
    assert_eq!(subscribed["data"]["flags"], 64);
    assert_eq!(
        subscribed["data"]["content"],
        format!(
            "<#{FORUM}> is subscribed. Next delivery: 2026-02-09 09:00 KST\n\n\
             Threads: article (this channel's setting) — each article will be its own message with a thread to \
             discuss it."
        )
    );
    let subscription = app.bot.store.subscription(&forum).unwrap().expect("the forum is subscribed");
    assert_eq!(subscription.threads, Some(ThreadMode::Article));
    let post = Target::new(Platform::Discord, POST.to_string());
    assert!(app.bot.store.subscription(&post).unwrap().is_none(), "not the post");

    // Status from the post is the forum's.
    let status = app.interact(in_post("status", vec![])).await;
    assert_eq!(status["data"]["content"], format!("The status of <#{FORUM}>, the channel this thread belongs to."));
    let fields = status["data"]["embeds"][0]["fields"].as_array().unwrap();
    assert_eq!((fields[0]["name"].as_str(), fields[0]["value"].as_str()), (Some("Channel"), Some("Subscribed")));
    assert!(fields[2]["value"].as_str().unwrap().starts_with("article (this channel's setting)"), "{}", fields[2]);
    assert_valid(&status["data"]);

    // A bad value is refused with the three that exist; the setting stays.
    let refused = app.interact(in_post("subscribe", vec![("threads", json!("forum"))])).await;
    assert_eq!(refused["data"]["flags"], 64);
    let text = refused["data"]["content"].as_str().unwrap();
    assert!(["`threads`", "`off`", "`issue`", "`article`"].iter().all(|w| text.contains(w)), "{text}");
    assert_eq!(app.bot.store.thread_mode(&forum).unwrap(), Some(ThreadMode::Article));

    // A forum channel itself, and a text channel in a category, act on themselves.
    let mut spec = app.spec("subscribe", vec![("threads", json!("issue"))]);
    (spec.channel_id, spec.channel_type, spec.permissions) = (FORUM, 15, MANAGE_CHANNELS);
    let changed = app.interact(command_interaction(spec)).await;
    assert!(
        changed["data"]["content"].as_str().unwrap().starts_with("This channel is already subscribed."),
        "{changed}"
    );
    assert!(changed["data"]["content"].as_str().unwrap().contains("The threads setting is now issue"), "{changed}");
    assert_eq!(app.bot.store.thread_mode(&forum).unwrap(), Some(ThreadMode::Issue));
    let mut spec = app.spec("subscribe", vec![]);
    (spec.parent_id, spec.permissions) = (Some(CATEGORY), MANAGE_CHANNELS);
    let text_channel = Target::new(Platform::Discord, spec.channel_id.to_string());
    app.interact(command_interaction(spec)).await;
    assert!(app.bot.store.subscription(&text_channel).unwrap().is_some());
    assert!(app.bot.store.subscription(&Target::new(Platform::Discord, CATEGORY.to_string())).unwrap().is_none());

    // Unsubscribing from the post needs the same permission, and unsubscribes the forum.
    let mut spec = app.spec("unsubscribe", vec![]);
    (spec.channel_id, spec.channel_type, spec.parent_id) = (POST, 11, Some(FORUM));
    let denied = app.interact(command_interaction(spec)).await;
    assert!(denied["data"]["content"].as_str().unwrap().contains("Manage Channels"));
    let unsubscribed = app.interact(in_post("unsubscribe", vec![])).await;
    assert_eq!(unsubscribed["data"]["content"], format!("<#{FORUM}> is unsubscribed."));
    assert!(app.bot.store.subscription(&forum).unwrap().is_none());
    app.stop().await;
}

#[tokio::test]
async fn a_scheduled_slot_posts_once_to_every_subscriber() {
    let app = spawn_app(FakeOptions::default(), |c, _| c.discord.channels = vec![111]).await;
    let before = slot() - chrono::Duration::days(1);
    app.bot.store.subscribe(&Target::new(Platform::Discord, "222"), before).unwrap();
    app.bot.store.subscribe(&Target::new(Platform::Discord, "333"), slot() + chrono::Duration::minutes(5)).unwrap();
    let scheduler = app.scheduler();

    // An hour before the slot nothing is due; at the slot, it is.
    app.clock.set(slot() - chrono::Duration::hours(1));
    assert_eq!(scheduler.run_due().await.unwrap(), SlotRun::NotDue);
    app.clock.set(slot());
    let SlotRun::Delivered { report, .. } = scheduler.run_due().await.unwrap() else { panic!("not delivered") };
    assert_eq!(report.count(|o| matches!(o, TargetOutcome::Delivered { parts: 1 })), 2);
    for channel in [111, 222] {
        let messages = app.fake.messages(channel);
        assert_eq!(messages.len(), 1, "channel {channel}");
        assert_valid(&messages[0]);
        assert_eq!(messages[0]["enforce_nonce"], true);
        assert!(messages[0]["nonce"].as_str().unwrap().len() <= 25);
    }
    assert!(app.fake.messages(333).is_empty(), "subscribed after the slot");
    // The slot is done: running again, or after a restart, posts nothing.
    assert_eq!(scheduler.run_due().await.unwrap(), SlotRun::NotDue);
    let restarted = app.scheduler();
    assert_eq!(
        restarted.run_slot(slot()).await.unwrap(),
        SlotRun::NothingNew { slot: slot(), digest: "2026-02-09".into() }
    );
    assert_eq!(app.fake.all_messages().len(), 2);
    // The next week has no new digest: only 333, subscribed since, receives the latest one.
    app.clock.set(slot() + chrono::Duration::days(7));
    let SlotRun::Delivered { report, .. } = scheduler.run_due().await.unwrap() else { panic!("not delivered") };
    assert_eq!(report.outcomes.len(), 1);
    assert_eq!(app.fake.messages(333).len(), 1);
    // A week later still, everyone has it: nothing is posted.
    app.clock.set(slot() + chrono::Duration::days(14));
    assert!(matches!(scheduler.run_due().await.unwrap(), SlotRun::NothingNew { .. }));
    assert_eq!(app.fake.all_messages().len(), 3);
}

#[tokio::test]
async fn catch_up_after_downtime_only_within_the_window() {
    let app = spawn_app(FakeOptions::default(), |c, _| c.discord.channels = vec![111]).await;
    let scheduler = app.scheduler();
    app.clock.set(slot() + chrono::Duration::hours(13));
    assert_eq!(scheduler.run_due().await.unwrap(), SlotRun::NotDue, "13 h late is past the 12 h catch-up");
    let app = spawn_app(FakeOptions::default(), |c, _| c.discord.channels = vec![111]).await;
    let scheduler = app.scheduler();
    app.clock.set(slot() + chrono::Duration::hours(11));
    assert!(matches!(scheduler.run_due().await.unwrap(), SlotRun::Delivered { .. }));
    assert_eq!(app.fake.messages(111).len(), 1);
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried() {
    let app = spawn_app(FakeOptions::default(), |c, _| c.discord.channels = vec![111, 222]).await;
    app.fake.inject(
        "POST",
        "/channels/111/messages",
        vec![Injected::rate_limited(0.05, true), Injected::server_error()],
    );
    app.fake.inject("POST", "/channels/222/messages", vec![Injected::rate_limited(0.05, false)]);
    let scheduler = app.scheduler();
    app.clock.set(slot());
    let SlotRun::Delivered { report, .. } = scheduler.run_due().await.unwrap() else { panic!() };
    assert_eq!(report.count(|o| matches!(o, TargetOutcome::Delivered { .. })), 2);
    assert_eq!(app.fake.messages(111).len(), 1);
    assert_eq!(app.fake.messages(222).len(), 1);
    assert_eq!(app.fake.requests_to("POST", "/channels/111/messages").len(), 3);
}

#[tokio::test]
async fn forbidden_channels_are_marked_failed_without_holding_up_others() {
    let app = spawn_app(FakeOptions::default(), |_, _| {}).await;
    for channel in ["111", "222"] {
        app.bot.store.subscribe(&Target::new(Platform::Discord, channel), slot() - chrono::Duration::days(1)).unwrap();
    }
    app.fake.inject("POST", "/channels/111/messages", vec![Injected::forbidden()]);
    let scheduler = app.scheduler();
    app.clock.set(slot());
    let SlotRun::Delivered { report, .. } = scheduler.run_due().await.unwrap() else { panic!() };
    let failed = Target::new(Platform::Discord, "111");
    assert!(matches!(&report.outcomes[0], (t, TargetOutcome::Gone(_)) if *t == failed));
    assert_eq!(app.fake.messages(222).len(), 1);
    assert_eq!(app.fake.requests_to("POST", "/channels/111/messages").len(), 1, "a 403 is never retried");
    let status = app.bot.channel_status(&failed).unwrap();
    assert!(status.last_failure.unwrap().0.contains("Missing Access"));
    assert!(app.bot.store.subscription(&failed).unwrap().unwrap().failed_at.is_some());
    // A failed subscription is skipped at the next slot, until someone subscribes again.
    assert!(!app.bot.targets(slot() + chrono::Duration::days(7)).unwrap().contains(&failed));
}

#[tokio::test]
async fn an_unauthorized_token_stops_the_scheduler() {
    let app = spawn_app(FakeOptions::default(), |c, _| c.discord.channels = vec![111, 222]).await;
    app.fake.inject("POST", "/channels/", vec![Injected::unauthorized(), Injected::unauthorized()]);
    let scheduler = app.scheduler();
    app.clock.set(slot());
    let error = scheduler.run_due().await.unwrap_err();
    assert!(matches!(error, SchedulerError::Unauthorized { platform: "Discord", .. }), "{error}");
    assert!(app.fake.all_messages().is_empty());
}

#[tokio::test]
async fn a_lost_response_is_retried_with_the_same_nonce_and_posts_once() {
    let app = spawn_app(FakeOptions::default(), |c, _| c.discord.channels = vec![111]).await;
    app.fake.inject_lost_response("POST", "/channels/111/messages", 1, LostResponse::Close);
    let scheduler = app.scheduler();
    app.clock.set(slot());
    let SlotRun::Delivered { report, .. } = scheduler.run_due().await.unwrap() else { panic!() };
    assert_eq!(report.outcomes[0].1, TargetOutcome::Delivered { parts: 1 });
    let requests = app.fake.requests_to("POST", "/channels/111/messages");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body["nonce"], requests[1].body["nonce"]);
    assert_eq!(app.fake.messages(111).len(), 1);
}

#[tokio::test]
async fn webhooks_receive_the_post_through_the_same_ledger() {
    let app = spawn_app(FakeOptions::default(), |c, fake| {
        c.discord.webhooks = vec![WebhookRef::Url(Secret::new(fake.webhook_url(555, "hook-token")))];
    })
    .await;
    let scheduler = app.scheduler();
    app.clock.set(slot());
    assert!(matches!(scheduler.run_due().await.unwrap(), SlotRun::Delivered { .. }));
    let posted = app.fake.webhook_messages(555);
    assert_eq!(posted.len(), 1);
    assert_valid(&posted[0]);
    assert!(posted[0].get("nonce").is_none());
    assert!(matches!(scheduler.run_slot(slot()).await.unwrap(), SlotRun::NothingNew { .. }));
    assert_eq!(app.fake.webhook_messages(555).len(), 1);
}

#[tokio::test]
async fn a_new_digest_file_is_picked_up_without_a_restart() {
    let app = spawn_app(FakeOptions::default(), |c, _| c.discord.channels = vec![111]).await;
    let scheduler = app.scheduler();
    app.clock.set(slot());
    assert!(matches!(scheduler.run_due().await.unwrap(), SlotRun::Delivered { .. }));
    // During the week a new issue and a broken file appear; nobody restarts the bot.
    std::fs::write(app.bot.config.digests_dir.join("2026-02-16.md"), synthetic_digest("2026-02-16", 2, 100)).unwrap();
    std::fs::write(app.bot.config.digests_dir.join("draft.md"), "---\ndate: [\n---\n").unwrap();
    app.clock.set(slot() + chrono::Duration::days(7));
    let SlotRun::Delivered { report, .. } = scheduler.run_due().await.unwrap() else { panic!("not delivered") };
    assert_eq!(report.digest, "2026-02-16");
    let messages = app.fake.messages(111);
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["embeds"][0]["title"], "Synthetic 2026-02-16");
}

#[tokio::test]
async fn slow_work_is_deferred_then_completed() {
    let app = spawn_app(FakeOptions::default(), |_, _| {}).await;
    app.connect().await;
    // Another process is writing to the state database: `subscribe` waits for it longer than
    // Discord allows an answer to take.
    let blocker = rusqlite::Connection::open(&app.bot.config.state_path).unwrap();
    blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let mut spec = app.spec("subscribe", vec![]);
    spec.permissions = MANAGE_CHANNELS;
    let token = spec.token.clone();
    let response = app.interact(command_interaction(spec)).await;
    assert_eq!(response["type"], 5, "deferred");
    assert_eq!(response["data"]["flags"], 64, "subscribe replies stay private");
    blocker.execute_batch("COMMIT").unwrap();
    let edited = format!("/webhooks/{}/{token}/messages/@original", app.fake.application_id());
    assert!(app.fake.wait_for(|r| r.iter().any(|r| r.method == "PATCH" && r.path.ends_with(&edited)), WAIT).await);
    let edit = &app.fake.original_edits(&token)[0];
    assert!(edit["content"].as_str().unwrap().starts_with("이 채널을 구독했습니다."), "{edit}");
    app.stop().await;
}

/// The interaction's response must be an ephemeral message with some text, within the limits.
fn assert_ephemeral_error(response: &Value, case: &str) {
    assert_eq!(response["type"], 4, "{case}: {response}");
    assert_eq!(response["data"]["flags"], 64, "{case}: {response}");
    assert_valid(&response["data"]);
    assert!(!response["data"]["content"].as_str().unwrap_or("").trim().is_empty(), "{case}: {response}");
}

/// Sets a field of the interaction's first subcommand option (`data.options[0].options[0]`).
fn with_first_option(mut interaction: Value, field: &str, value: Value) -> Value {
    interaction["data"]["options"][0]["options"][0][field] = value;
    interaction
}

#[tokio::test]
async fn options_outside_the_registration_get_an_ephemeral_error_and_one_warning() {
    let logs = Logs::default();
    let _guard = logs.install();
    let app = spawn_app(FakeOptions::default(), |c, _| c.locale = digestbot::i18n::Locale::En).await;
    app.connect().await;
    let long_query = "가".repeat(10_000);

    // (what, the interaction, a word of the reply, what the warning says of its shape)
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "unknown subcommand",
            command_interaction(app.spec("dance", vec![])),
            "Unknown command",
            r#"subcommand "dance""#,
        ),
        ("missing query", command_interaction(app.spec("keyword", vec![])), "keyword", "options []"),
        (
            "10,000-character query",
            command_interaction(app.spec("keyword", vec![("query", json!(long_query))])),
            "too long",
            r#""query": string (10000 chars)"#,
        ),
        (
            "a date that is not a date",
            command_interaction(app.spec("issue", vec![("date", json!("not-a-date"))])),
            "not a date",
            r#""date": string (10 chars)"#,
        ),
        ("missing date", command_interaction(app.spec("issue", vec![])), "`date` option is required", "options []"),
        (
            "a string where an integer is expected",
            command_interaction(app.spec("list", vec![("page", json!("two"))])),
            "whole number",
            r#""page": string (3 chars)"#,
        ),
        (
            "page zero",
            command_interaction(app.spec("list", vec![("page", json!(0))])),
            "not a page number",
            r#""page": integer"#,
        ),
        (
            "an option type serenity does not know",
            with_first_option(
                command_interaction(app.spec("keyword", vec![("query", json!("ADR"))])),
                "type",
                json!(99),
            ),
            "takes text",
            r#""query": type 99"#,
        ),
        (
            "an option the subcommand does not take",
            command_interaction(app.spec("latest", vec![("query", json!("x"))])),
            "no `query` option",
            r#""query": string (1 chars)"#,
        ),
    ];
    let mut seen_ids = Vec::new();
    for (case, interaction, says, shape) in cases {
        let id = interaction["id"].as_str().unwrap().to_string();
        let response = app.interact(interaction).await;
        assert_ephemeral_error(&response, case);
        let content = response["data"]["content"].as_str().unwrap();
        assert!(content.contains(says), "{case}: {content}");
        let warnings = logs.warnings(&[&format!("interaction={id} ")]);
        assert_eq!(warnings.len(), 1, "{case}: one warning, not {warnings:#?}");
        assert!(warnings[0].contains(shape) && warnings[0].contains(r#"command "digest""#), "{case}: {}", warnings[0]);
        seen_ids.push(id);
    }

    // A top-level option that is no subcommand.
    let mut interaction = command_interaction(app.spec("keyword", vec![]));
    interaction["data"]["options"][0]["type"] = json!(99);
    let response = app.interact(interaction).await;
    assert_ephemeral_error(&response, "no subcommand");

    // A page past the end is not a mistake the parser sees, but its answer is private too.
    let response = app.interact(command_interaction(app.spec("list", vec![("page", json!(99))]))).await;
    assert_ephemeral_error(&response, "page out of range");
    assert!(response["data"]["content"].as_str().unwrap().contains("no page 99"));

    // The log holds shapes, not what the user typed, and never a token.
    let text = logs.text();
    assert!(!text.contains("interaction-token-"), "a token in the log:\n{text}");
    assert!(!text.contains(&"가".repeat(20)), "the long query in the log");
    assert!(!text.contains("not-a-date"), "an option value in the log");
    app.stop().await;
}

#[tokio::test]
async fn unreadable_frames_are_logged_with_their_event_type_and_interactions_still_answered() {
    let logs = Logs::default();
    let _guard = logs.install();
    let app = spawn_app(FakeOptions::default(), |_, _| {}).await;
    app.connect().await;

    // Each of these makes serenity's Interaction fail to deserialize: it becomes an unknown event.
    let page_as_text =
        with_first_option(command_interaction(app.spec("list", vec![("page", json!(1))])), "value", json!("two"));
    let mut no_command_id = command_interaction(app.spec("latest", vec![]));
    no_command_id["data"].as_object_mut().unwrap().remove("id");
    let mut unknown_type = command_interaction(app.spec("latest", vec![]));
    unknown_type["type"] = json!(42);
    for (case, interaction, shape) in [
        (
            "an integer option holding text",
            page_as_text,
            r#"subcommand "list" options ["page": integer, value a string (3 chars)]"#,
        ),
        ("a missing required field", no_command_id, r#"subcommand "latest" options []"#),
        ("an unknown interaction type", unknown_type, r#"command "digest""#),
    ] {
        let id = interaction["id"].as_str().unwrap().to_string();
        let response = app.interact(interaction).await;
        assert_ephemeral_error(&response, case);
        assert!(response["data"]["content"].as_str().unwrap().contains("처리할 수 없습니다"), "{case}: {response}");
        let warnings = logs.warnings(&[r#"event="INTERACTION_CREATE""#, &format!("interaction={id} ")]);
        assert_eq!(warnings.len(), 1, "{case}: {warnings:#?}\n{}", logs.text());
        assert!(warnings[0].contains(shape), "{case}: {}", warnings[0]);
    }

    // An unreadable autocomplete gets an empty list of choices.
    let auto = autocomplete_interaction(app.spec("issue", vec![("date", json!("2026"))]), "date");
    let auto = with_first_option(auto, "value", json!(2026));
    let response = app.interact(auto).await;
    assert_eq!(response, json!({"type": 8, "data": {"choices": []}}));

    // Other events serenity cannot read are logged once per type.
    for _ in 0..3 {
        assert_eq!(app.fake.send_dispatch("SOMETHING_DISCORD_ADDED_LATER", json!({"x": 1})), 1);
    }
    assert!(logs.wait_warning(&[r#"event="SOMETHING_DISCORD_ADDED_LATER""#], WAIT).await, "{}", logs.text());

    // The bot keeps working: a good interaction after all that is answered normally.
    let response = app.interact(command_interaction(app.spec("latest", vec![]))).await;
    assert_eq!(response["type"], 4);
    assert!(response["data"].get("flags").is_none());
    assert!(response["data"]["embeds"][0]["title"].as_str().unwrap().starts_with("주간 기술블로그"));
    assert_eq!(logs.warnings(&["SOMETHING_DISCORD_ADDED_LATER"]).len(), 1, "warned once per type");

    let text = logs.text();
    assert!(!text.contains("interaction-token-"), "a token in the log:\n{text}");
    app.stop().await;
}
