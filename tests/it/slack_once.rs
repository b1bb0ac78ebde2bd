//! Slack with the bot token alone, as a process: `digestbot serve` posts the weekly digest to Slack
//! channels, says that commands are off, keeps `/healthz` up, and, killed with `kill -9` after Slack
//! accepted a part but before the ledger recorded it, posts every part exactly once after a restart.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::fake_slack::{FakeSlack, Lost, Route};
use crate::support::{TempDir, synthetic_digest, terminate};

const WAIT: Duration = Duration::from_secs(20);
const CHANNELS: [&str; 4] = ["C0ONE", "C0TWO", "C0STUCK", "C0FOUR"];
/// The channel whose first part is accepted and never answered.
const STUCK: &str = "C0STUCK";

fn serve(dir: &std::path::Path, now: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_digestbot"))
        .current_dir(dir)
        .args(["--config", "digestbot.yaml", "--now", now, "serve"])
        .env_remove("DISCORD_TOKEN")
        .env("SLACK_BOT_TOKEN", "xoxb-post-only")
        .env_remove("SLACK_SIGNING_SECRET")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start digestbot serve")
}

fn log_of(child: &mut Child) -> String {
    let mut log = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
    log
}

/// A folder with a digest that renders to several Slack messages, and a config for the fake.
fn setup(fake: &FakeSlack, port: u16) -> (TempDir, usize) {
    let dir = TempDir::new("slack-once");
    std::fs::create_dir_all(dir.path().join("digests")).unwrap();
    let text = synthetic_digest("2026-02-09", 40, 200);
    std::fs::write(dir.path().join("digests/2026-02-09.md"), &text).unwrap();
    let digest = digestbot::digest::parse("2026-02-09.md", text.as_bytes()).unwrap();
    let doc = digestbot::render::digest_doc(&digest, digestbot::i18n::Locale::Ko);
    let parts = digestbot::render::slack::messages(&doc).len();
    let config = format!(
        "digests_dir: digests\nstate_path: state/bot.sqlite3\n\
         slack:\n  api_base: {}\n  listen: 127.0.0.1:{port}\n  channels: [{}]\n",
        fake.api_base(),
        CHANNELS.join(", ")
    );
    std::fs::write(dir.path().join("digestbot.yaml"), config).unwrap();
    (dir, parts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_slack_accepting_a_part_and_the_ledger_every_part_is_posted_once() {
    let fake = FakeSlack::start().await;
    let port = crate::support::free_port();
    let (dir, parts) = setup(&fake, port);
    assert!(parts >= 2, "the test digest must span several messages, got {parts}");
    fake.lose_only_in(STUCK);
    fake.lose(Route::PostMessage, 1, Lost::Hang);

    // A minute after Monday 09:00 KST: the slot is due at start-up.
    let mut first = serve(dir.path(), "2026-02-09T09:01:00+09:00");
    let stuck_accepted = || {
        CHANNELS.iter().filter(|&&c| c != STUCK).all(|c| fake.bot_messages(c).len() == parts)
            && fake.bot_messages(STUCK).len() == 1
    };
    assert!(crate::support::wait_until_within(WAIT, stuck_accepted).await, "the first run never got that far");
    // Post-only: commands are off, the health check is up.
    let health = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    let commands = reqwest::Client::new().post(format!("http://127.0.0.1:{port}/slack/commands")).send().await;
    assert_eq!(commands.unwrap().status(), 404, "no command endpoint without the signing secret");
    // kill -9 while Slack holds the accepted part's answer: the ledger still says pending.
    first.kill().unwrap();
    first.wait().unwrap();
    let log = log_of(&mut first);
    assert!(log.contains("Slack commands are off because SLACK_SIGNING_SECRET is not set"), "{log}");
    assert!(!log.contains("DISCORD_TOKEN is not set"), "{log}");
    assert_eq!(fake.bot_messages(STUCK).len(), 1);

    let mut second = serve(dir.path(), "2026-02-09T09:03:00+09:00");
    assert!(
        crate::support::wait_until_within(WAIT, || fake.bot_messages(STUCK).len() >= parts).await,
        "the restart did not finish"
    );
    // Let anything duplicated arrive before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(terminate(&mut second), Some(0));
    let log = log_of(&mut second);
    assert!(log.contains("already posted"), "{log}");
    assert!(!log.contains("xoxb-post-only"), "the token must never be logged");

    for channel in CHANNELS {
        let messages = fake.bot_messages(channel);
        assert_eq!(messages.len(), parts, "{channel} must get each part exactly once");
        let mut keys: Vec<String> =
            messages.iter().map(|m| m["metadata"]["event_payload"]["key"].as_str().unwrap().to_string()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), parts, "{channel}: distinct parts");
    }
    // Only the stuck channel was looked at, once, and its first part was not posted again.
    let looked: Vec<_> = fake.calls_to(Route::History).into_iter().map(|c| c.body["channel"].clone()).collect();
    assert_eq!(looked, [STUCK]);
    let stuck_posts = fake.calls_to(Route::PostMessage).into_iter().filter(|c| c.body["channel"] == STUCK).count();
    assert_eq!(stuck_posts, parts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_only_slack_with_a_missing_history_scope_warns_and_still_delivers() {
    let fake = FakeSlack::start().await;
    fake.set_scopes(Some("chat:write,channels:history"));
    let port = crate::support::free_port();
    let (dir, parts) = setup(&fake, port);
    let mut bot = serve(dir.path(), "2026-02-09T09:01:00+09:00");
    let done = || CHANNELS.iter().all(|c| fake.bot_messages(c).len() == parts);
    assert!(crate::support::wait_until_within(WAIT, done).await, "the slot did not reach every channel");
    assert_eq!(reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await.unwrap().status(), 200);
    assert_eq!(terminate(&mut bot), Some(0));
    let log = log_of(&mut bot);
    let warnings: Vec<&str> = log.lines().filter(|l| l.contains("lacks groups:history")).collect();
    assert_eq!(warnings.len(), 1, "{log}");
    assert!(warnings[0].contains("may double a post"), "{log}");
    assert!(fake.calls_to(Route::AuthTest).len() == 1);
}
