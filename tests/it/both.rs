//! Both platforms from one process: the real `digestbot serve` with Discord and Slack credentials,
//! one scheduled slot delivering to a Discord channel, a Slack channel and a webhook on each, the
//! Slack endpoint answering a signed command, and a restart that posts nothing twice.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::fake_discord::{FakeDiscord, FakeOptions};
use crate::support::fake_slack::{FakeSlack, Route};
use crate::support::terminate;
use crate::support::{SEED, TempDir};

const WAIT: Duration = Duration::from_secs(20);
const SIGNING_SECRET: &str = "both-signing-secret";

fn serve(dir: &std::path::Path, now: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_digestbot"))
        .current_dir(dir)
        .args(["--config", "digestbot.yaml", "--now", now, "serve"])
        .env("DISCORD_TOKEN", "test-token")
        .env("SLACK_BOT_TOKEN", "xoxb-both")
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("DIGESTBOT_SLACK_HOOK", "")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start digestbot serve")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_slot_serves_discord_and_slack_and_a_restart_posts_nothing_twice() {
    let discord = FakeDiscord::start(FakeOptions { token: Some("test-token".into()), ..FakeOptions::default() }).await;
    let slack = FakeSlack::start().await;
    let dir = TempDir::new("both");
    std::fs::create_dir_all(dir.path().join("digests")).unwrap();
    std::fs::write(dir.path().join("digests/2026-02-09-weekly.md"), SEED).unwrap();
    let port = crate::support::free_port();
    let config = format!(
        "digests_dir: digests\nstate_path: state/bot.sqlite3\n\
         discord:\n  api_base: {}\n  channels: [101]\n  webhooks: [\"{}\"]\n\
         slack:\n  api_base: {}\n  listen: 127.0.0.1:{port}\n  channels: [C0SLOT]\n  webhooks: [\"{}\"]\n",
        discord.base_url(),
        discord.webhook_url(900, "discord-hook-token"),
        slack.api_base(),
        slack.webhook_url("T0/B0/slack-hook-token"),
    );
    std::fs::write(dir.path().join("digestbot.yaml"), config).unwrap();

    // A minute after Monday 09:00 KST: the slot is due at start-up.
    let started = std::time::Instant::now();
    let mut bot = serve(dir.path(), "2026-02-09T09:01:00+09:00");
    let delivered = || {
        discord.messages(101).len() == 1
            && discord.webhook_messages(900).len() == 1
            && slack.calls_to(Route::PostMessage).len() == 1
            && slack.calls_to(Route::Webhook).len() == 1
    };
    assert!(crate::support::wait_until_within(WAIT, delivered).await, "the slot did not reach every target");
    let posted = slack.calls_to(Route::PostMessage);
    assert_eq!(posted[0].body["channel"], "C0SLOT");
    assert_eq!(posted[0].header("authorization"), Some("Bearer xoxb-both"));
    assert_eq!(
        posted[0].body["blocks"][0]["text"]["text"],
        "주간 기술블로그 하이라이트 - 하이브리드 클라우드와 팀 문화 리팩토링"
    );
    assert_eq!(discord.messages(101)[0]["embeds"][1]["url"], "https://toss.tech");

    // The Slack endpoint of the same process answers a signed command.
    let client = reqwest::Client::new();
    let health = client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let body = crate::slack::form("C0SLOT", "U1", "keyword ADR", &slack.response_url("r1"));
    // The process reads time from `--now` onwards; Slack's timestamp must be fresh on that clock.
    let pretend = chrono::DateTime::parse_from_rfc3339("2026-02-09T09:01:00+09:00").unwrap().timestamp();
    let answer = crate::support::signed_slack_command(&client, port, SIGNING_SECRET, pretend, started, body).await;
    assert_eq!(answer.status(), 200);
    let answer: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(answer["response_type"], "in_channel");
    assert!(answer["blocks"].to_string().contains("우아한형제들"));

    assert_eq!(terminate(&mut bot), Some(0));
    let mut log = String::new();
    std::io::Read::read_to_string(bot.stderr.as_mut().unwrap(), &mut log).unwrap();
    for secret in ["test-token", "xoxb-both", SIGNING_SECRET, "discord-hook-token", "slack-hook-token"] {
        assert!(!log.contains(secret), "a secret reached the log: {secret}");
    }

    // Restarted within the catch-up window: the slot is finished, nothing is posted again.
    let mut again = serve(dir.path(), "2026-02-09T09:05:00+09:00");
    assert!(discord.wait_gateway(|s| s.readies >= 2, WAIT).await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(terminate(&mut again), Some(0));
    assert!(delivered(), "nothing was posted twice");
}
