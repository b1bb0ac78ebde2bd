//! The editors' channel end to end, in process: the real `App` (stepped) with `editors.discord` and
//! `editors.slack` set, the fake Discord and the fake Slack; broken and fixed files, a failing and
//! recovering channel, a forgotten week, a reminder, slot summaries, and a restart in between that
//! neither repeats nor loses a message.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use digestbot::app::Credentials;
use digestbot::clock::ManualClock;
use digestbot::config::{Config, EditorsConfig};
use digestbot::deliver::RetryPolicy;
use digestbot::editors::Editors;
use digestbot::render::limits::{check_discord_message, check_slack_message};
use digestbot::scheduler::SlotRun;
use digestbot::secret::Secret;
use digestbot::slack;

use crate::support::app::Running;
use crate::support::fake_discord::{FakeDiscord, FakeOptions, Injected};
use crate::support::fake_slack::FakeSlack;
use crate::support::{self, TempDir, synthetic_digest};

const TOKEN: &str = "editors-token";
const SLACK_TOKEN: &str = "xoxb-editors";
const EDITORS: u64 = 999;
const READERS: u64 = 111;
const OTHER: u64 = 112;
const RETRY: RetryPolicy =
    RetryPolicy { attempts: 2, base: Duration::from_millis(1), max: Duration::from_millis(5), rate_limit_retries: 3 };

/// Monday 2026-02-16 09:00 KST.
fn slot() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 16, 0, 0, 0).unwrap()
}

struct World {
    discord: FakeDiscord,
    slack: FakeSlack,
    dir: TempDir,
    clock: Arc<ManualClock>,
}

struct App {
    running: Running,
}

impl World {
    async fn new() -> World {
        World::at(slot()).await
    }

    /// A world whose clock starts at `start`.
    async fn at(start: DateTime<Utc>) -> World {
        let discord = FakeDiscord::start(FakeOptions { token: Some(TOKEN.into()), ..FakeOptions::default() }).await;
        let slack = FakeSlack::start().await;
        let dir = TempDir::new("editors");
        std::fs::create_dir_all(dir.path().join("digests")).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        World { discord, slack, dir, clock }
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join("digests").join(name), text).unwrap();
    }

    /// Starts an app on this world's folder and state (again, for a restart).
    async fn start(&self) -> App {
        let mut config = Config {
            digests_dir: self.dir.path().join("digests"),
            state_path: self.dir.path().join("state/digestbot.sqlite3"),
            editors: EditorsConfig { discord: Some(EDITORS), slack: Some("C0EDIT".into()), ..EditorsConfig::default() },
            ..Config::default()
        };
        config.discord.api_base = self.discord.base_url();
        config.discord.channels = vec![READERS, OTHER];
        config.slack.api_base = self.slack.api_base();
        let credentials = Credentials {
            discord: Some(Secret::new(TOKEN)),
            slack: slack::Credentials { token: Some(Secret::new(SLACK_TOKEN)), signing_secret: None },
            ..Credentials::default()
        };
        let running =
            support::app::spawn_app(config, credentials, self.clock.clone(), |app| app.stepped().with_retry(RETRY))
                .await;
        App { running }
    }

    /// What the editors' Discord channel shows, one string per message.
    fn told(&self) -> Vec<String> {
        let messages = self.discord.messages(EDITORS);
        for message in &messages {
            assert!(check_discord_message(message).is_empty(), "{message}");
        }
        messages.iter().map(Value::to_string).collect()
    }

    fn told_on_slack(&self) -> Vec<String> {
        let messages = self.slack.bot_messages("C0EDIT");
        for message in &messages {
            assert!(check_slack_message(message).is_empty(), "{message}");
        }
        messages.iter().map(Value::to_string).collect()
    }
}

impl App {
    fn editors(&self) -> &Editors {
        self.running.editors.as_deref().expect("the editors' channel is configured")
    }

    /// A look at the folder, as the app's watcher makes it.
    async fn look(&self) {
        self.running.bot.library.reload().await.unwrap();
        self.editors().library_changed(&self.running.bot.library.current()).await.unwrap();
    }

    async fn run_due(&self) -> SlotRun {
        self.running.scheduler.run_due().await.unwrap()
    }
}

#[tokio::test]
async fn a_broken_file_is_told_once_and_its_fix_once_even_across_a_restart() {
    let world = World::new().await;
    world.write("2026-02-16.md", "---\ntitle: [unclosed\n---\n");
    let app = world.start().await;
    app.look().await;
    app.look().await;
    let told = world.told();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("2026-02-16.md:3: the front matter"), "the file and line: {}", told[0]);
    assert!(told[0].contains("A digest file does not load") || told[0].contains("다이제스트 파일을 읽을 수 없습니다"));
    assert_eq!(world.told_on_slack().len(), 1, "both editors' channels are told");

    // A restart: the same problem is not told again.
    app.running.stop().await.unwrap();
    drop(app);
    let app = world.start().await;
    app.look().await;
    assert_eq!(world.told().len(), 1);

    world.write("2026-02-16.md", &synthetic_digest("2026-02-16", 2, 100));
    app.look().await;
    app.look().await;
    let told = world.told();
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told[1].contains("2026-02-16.md") && told[1].contains("Synthetic 2026-02-16"), "{}", told[1]);

    // Broken again, differently: told again.
    world.write("2026-02-16.md", "---\ntitle: x\ndate: 2026-13-01\n---\n");
    app.look().await;
    assert_eq!(world.told().len(), 3);
}

#[tokio::test]
async fn a_failing_channel_is_told_once_with_what_to_do_and_its_recovery_once() {
    let world = World::new().await;
    world.write("2026-02-16.md", &synthetic_digest("2026-02-16", 2, 100));
    // The other channel fails for now, twice (both tries of the slot's run), then works.
    world.discord.inject("POST", &format!("/channels/{OTHER}/messages"), vec![Injected::server_error(); 4]);
    let app = world.start().await;
    let SlotRun::Delivered { report, .. } = app.run_due().await else { panic!() };
    assert!(report.has_retryable());
    let told = world.told();
    assert_eq!(told.len(), 2, "the problem, then the slot's summary: {told:?}");
    assert!(told[0].contains(&format!("discord:{OTHER}")), "{}", told[0]);
    assert!(told[1].contains("1 of 2") || told[1].contains("2곳 중 1곳"), "{}", told[1]);

    // The retry fails the same way: nothing new is told.
    app.running.scheduler.run_slot(slot()).await.unwrap();
    assert_eq!(world.told().len(), 2);
    // The next retry works: its recovery is told once.
    app.running.scheduler.run_slot(slot()).await.unwrap();
    let told = world.told();
    assert_eq!(told.len(), 3, "{told:?}");
    assert!(told[2].contains(&format!("discord:{OTHER}")), "{}", told[2]);
    assert!(matches!(app.run_due().await, SlotRun::NotDue));
    assert_eq!(world.told().len(), 3);
}

#[tokio::test]
async fn a_forbidden_channel_gets_advice_to_let_the_bot_see_it() {
    let world = World::new().await;
    world.write("2026-02-16.md", &synthetic_digest("2026-02-16", 2, 100));
    world.discord.inject("POST", &format!("/channels/{OTHER}/messages"), vec![Injected::forbidden()]);
    let app = world.start().await;
    app.run_due().await;
    let told = world.told();
    assert!(told[0].contains("View Channel"), "{}", told[0]);
}

#[tokio::test]
async fn a_forgotten_week_is_reminded_a_day_before_and_told_at_the_slot_without_repeats() {
    // Sunday 2026-02-15 08:00 KST: more than a day before the slot; nothing to remind yet.
    let world = World::at(slot() - chrono::Duration::hours(25)).await;
    world.write("2026-02-09.md", &synthetic_digest("2026-02-09", 2, 100));
    let app = world.start().await;
    let run = app.run_due().await;
    assert!(matches!(run, SlotRun::NotDue), "{run:?}");
    assert!(world.told().is_empty(), "{:?}", world.told());
    // 23 hours before: the reminder, once.
    world.clock.set(slot() - chrono::Duration::hours(23));
    app.run_due().await;
    app.run_due().await;
    let told = world.told();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("2026-02-16"), "{}", told[0]);

    // A restart, then the slot: last week's digest is not new; nothing new went out, said once.
    app.running.stop().await.unwrap();
    drop(app);
    let app = world.start().await;
    world.clock.set(slot() + chrono::Duration::minutes(1));
    app.run_due().await;
    app.run_due().await;
    let told = world.told();
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told[1].contains("no new digest") || told[1].contains("새 다이제스트가 없습니다"), "{}", told[1]);
    assert_eq!(world.told_on_slack().len(), 2);
}

#[tokio::test]
async fn a_week_with_its_digest_is_not_reminded_and_gets_its_summary() {
    let world = World::at(slot() - chrono::Duration::hours(2)).await;
    world.write("2026-02-16.md", &synthetic_digest("2026-02-16", 2, 100));
    let app = world.start().await;
    app.run_due().await;
    assert!(world.told().is_empty(), "the digest is there: no reminder: {:?}", world.told());
    world.clock.set(slot());
    app.run_due().await;
    let told = world.told();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("2 of 2") || told[0].contains("2곳 중 2곳"), "{}", told[0]);
}

#[tokio::test]
async fn a_notice_the_editors_channel_refused_is_posted_at_the_next_look() {
    let world = World::new().await;
    world.write("2026-02-16.md", "---\ntitle: [unclosed\n---\n");
    world.discord.inject("POST", &format!("/channels/{EDITORS}/messages"), vec![Injected::server_error(); 2]);
    let app = world.start().await;
    app.look().await;
    assert!(world.told().is_empty());
    app.look().await;
    assert_eq!(world.told().len(), 1, "the outbox kept it");
    assert_eq!(world.told_on_slack().len(), 1, "Slack got it once, not once per try");
}

#[tokio::test]
async fn an_editors_channel_that_refuses_keeps_nothing_from_the_other() {
    let world = World::new().await;
    // The bot lost access to the Discord editors' channel: every post there is refused.
    world.discord.inject("POST", &format!("/channels/{EDITORS}/messages"), vec![Injected::forbidden(); 3]);
    let app = world.start().await;
    world.write("2026-02-16.md", "---\ntitle: [unclosed\n---\n");
    app.look().await;
    world.write("2026-02-23.md", "---\ntitle: x\ndate: 2026-13-01\n---\n");
    app.look().await;
    app.look().await;
    assert!(world.told().is_empty());
    let slack = world.told_on_slack();
    assert_eq!(slack.len(), 2, "Slack gets each notice once, in order: {slack:?}");
    assert!(slack[0].contains("2026-02-16.md") && slack[1].contains("2026-02-23.md"), "{slack:?}");
    let refused = world.discord.requests_to("POST", &format!("/channels/{EDITORS}/messages")).len();
    assert_eq!(refused, 3, "one refused try per look, not one per notice");

    // Access back (the three refusals are used up): Discord gets both, in order; Slack nothing again.
    app.look().await;
    let told = world.told();
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told[0].contains("2026-02-16.md") && told[1].contains("2026-02-23.md"), "{told:?}");
    assert_eq!(world.told_on_slack().len(), 2);
}

#[tokio::test]
async fn a_flood_of_broken_files_is_one_message_naming_the_first_ones() {
    let world = World::new().await;
    for i in 0..12 {
        world.write(&format!("draft-{i:02}.md"), "---\ntitle: [unclosed\n---\n");
    }
    let app = world.start().await;
    app.look().await;
    app.look().await;
    let told = world.told();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("draft-00.md") && told[0].contains("digestbot check"), "{}", told[0]);
    assert!(told[0].contains("12"), "how many: {}", told[0]);
    assert_eq!(world.told_on_slack().len(), 1);
    // Fixing one is told on its own; the others stay open, not told again.
    world.write("draft-00.md", &synthetic_digest("2026-02-16", 1, 50));
    app.look().await;
    assert_eq!(world.told().len(), 2);
}

#[tokio::test]
async fn notices_an_editors_channel_could_not_take_for_a_week_are_dropped() {
    let world = World::new().await;
    world.write("2026-02-16.md", "---\ntitle: [unclosed\n---\n");
    // The Discord editors' channel refuses everything for now.
    world.discord.inject("POST", &format!("/channels/{EDITORS}/messages"), vec![Injected::forbidden(); 50]);
    let app = world.start().await;
    app.look().await;
    assert!(world.told().is_empty());
    assert_eq!(world.told_on_slack().len(), 1, "the other channel is told");
    assert_eq!(app.running.bot.store.pending_notices().unwrap().len(), 1, "kept for the refusing channel");
    world.clock.set(slot() + chrono::Duration::days(8));
    app.look().await;
    assert!(app.running.bot.store.pending_notices().unwrap().is_empty(), "a week later it is dropped");
    assert!(world.told().is_empty());
}
