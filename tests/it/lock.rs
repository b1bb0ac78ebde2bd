//! One instance per state file, with the real binary: a second `serve` on the same state file exits 4
//! naming the holder's pid while the first delivers every part exactly once, and a state file deleted
//! under a running `serve` stops it with exit code 5 at the next write.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::fake_discord::{FakeDiscord, FakeOptions};
use crate::support::fake_slack::{FakeSlack, Route};
use crate::support::{SEED, TempDir, synthetic_digest, terminate};

const WAIT: Duration = Duration::from_secs(20);
const CHANNELS: [u64; 4] = [201, 202, 203, 204];
const SIGNING_SECRET: &str = "lock-signing-secret";

fn bot(dir: &Path, now: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_digestbot"));
    command
        .current_dir(dir)
        .args(["--config", "digestbot.yaml", "--now", now, "serve"])
        .env("RUST_LOG", "info")
        .env_remove("DISCORD_TOKEN")
        .env_remove("SLACK_BOT_TOKEN")
        .env_remove("SLACK_SIGNING_SECRET")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Waits for a process to end on its own and returns its output.
async fn exited(child: Child) -> Output {
    let pid = child.id();
    let waited = tokio::task::spawn_blocking(move || child.wait_with_output());
    match tokio::time::timeout(WAIT, waited).await {
        Ok(output) => output.unwrap().unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            panic!("digestbot (pid {pid}) did not exit within {WAIT:?}");
        }
    }
}

/// Discord and Slack messages per channel for the test digest.
fn parts(text: &str) -> (usize, usize) {
    let digest = digestbot::digest::parse("2026-02-09.md", text.as_bytes()).unwrap();
    let doc = digestbot::render::digest_doc(&digest, digestbot::i18n::Locale::Ko);
    (digestbot::render::discord::messages(&doc).len(), digestbot::render::slack::messages(&doc).len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_serve_on_the_same_state_exits_4_and_every_part_goes_out_once() {
    // A Discord channel takes one message per 700 ms, so the first bot is still delivering when the
    // second starts: without the lock, both would deliver the slot. Discord's nonce would hide a
    // duplicate, so requests are counted, and a Slack channel (no nonce) is served as well.
    let options = FakeOptions {
        token: Some("test-token".into()),
        channel_messages: Some((1, Duration::from_millis(700))),
        ..FakeOptions::default()
    };
    let fake = FakeDiscord::start(options).await;
    let slack = FakeSlack::start().await;
    let dir = TempDir::new("lock-two");
    let digest = synthetic_digest("2026-02-09", 11, 200);
    let (parts, slack_parts) = parts(&digest);
    assert_eq!(parts, 2);
    std::fs::create_dir_all(dir.path().join("digests")).unwrap();
    std::fs::write(dir.path().join("digests/2026-02-09.md"), &digest).unwrap();
    let channels: Vec<String> = CHANNELS.iter().map(u64::to_string).collect();
    let config = format!(
        "digests_dir: digests\nstate_path: state/bot.sqlite3\ndiscord:\n  api_base: {}\n  channels: [{}]\n\
         slack:\n  api_base: {}\n  listen: 127.0.0.1:{}\n  channels: [C0TWICE]\n",
        fake.base_url(),
        channels.join(", "),
        slack.api_base(),
        // Post-only Slack serves /healthz there: a free port, not the default one.
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    );
    std::fs::write(dir.path().join("digestbot.yaml"), config).unwrap();
    // Relative to the config's folder, as the bot names it.
    let state = Path::new(".").join("state/bot.sqlite3");
    let lock = dir.path().join("state/bot.sqlite3.lock");

    // A minute after Monday 09:00 KST: the slot is due at start-up, for both.
    let now = "2026-02-09T09:01:00+09:00";
    let start = || bot(dir.path(), now).env("DISCORD_TOKEN", "test-token").env("SLACK_BOT_TOKEN", "xoxb-lock").spawn();
    let mut first = start().unwrap();
    let first_pid = first.id();
    let posted = |c: u64| {
        let path = format!("/channels/{c}/messages");
        fake.requests().into_iter().filter(|r| r.method == "POST" && r.path.ends_with(&path) && r.status == 200).count()
    };
    // The second starts once the first is delivering.
    assert!(
        crate::support::wait_until_within(WAIT, || CHANNELS.iter().any(|&c| posted(c) > 0)).await,
        "the first bot never delivered"
    );
    assert_eq!(std::fs::read_to_string(&lock).unwrap(), format!("{first_pid}\n"), "the lock file names its holder");
    let second = start().unwrap();
    let output = exited(second).await;
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(4), "{log}");
    assert!(log.contains(&state.display().to_string()), "the message names the state file: {log}");
    assert!(log.contains(&format!("pid {first_pid}")), "the message names the holder: {log}");
    assert!(!log.contains("delivering"), "the second bot must not deliver: {log}");
    assert!(!log.contains("test-token") && !log.contains("xoxb-lock"), "tokens must never be logged");
    // The second bot never reached the gateway.
    assert!(fake.gateway_stats().identifies <= 1);

    let all_done =
        || CHANNELS.iter().all(|&c| posted(c) >= parts) && slack.calls_to(Route::PostMessage).len() >= slack_parts;
    assert!(crate::support::wait_until_within(WAIT, all_done).await, "the first bot did not finish the slot");
    // Let anything duplicated arrive before counting.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(terminate(&mut first), Some(0));
    assert_eq!(slack.calls_to(Route::PostMessage).len(), slack_parts, "Slack must get each part exactly once");
    for channel in CHANNELS {
        assert_eq!(posted(channel), parts, "channel {channel} must be sent each part exactly once");
        let messages = fake.messages(channel);
        assert_eq!(messages.len(), parts);
        let mut nonces: Vec<&str> = messages.iter().map(|m| m["nonce"].as_str().unwrap()).collect();
        nonces.sort();
        nonces.dedup();
        assert_eq!(nonces.len(), parts);
    }
    assert_eq!(fake.gateway_stats().identifies, 1, "only the first bot connected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_file_deleted_under_serve_stops_it_at_the_next_subscription() {
    let slack = FakeSlack::start().await;
    let dir = TempDir::new("lock-deleted");
    std::fs::create_dir_all(dir.path().join("digests")).unwrap();
    std::fs::write(dir.path().join("digests/2026-02-09-weekly.md"), SEED).unwrap();
    let port = crate::support::free_port();
    let config = format!(
        "digests_dir: digests\nstate_path: state/bot.sqlite3\nslack:\n  api_base: {}\n  listen: 127.0.0.1:{port}\n",
        slack.api_base()
    );
    std::fs::write(dir.path().join("digestbot.yaml"), config).unwrap();
    let state: PathBuf = dir.path().join("state/bot.sqlite3");
    let named = Path::new(".").join("state/bot.sqlite3");

    // Tuesday noon: no slot is due, so nothing writes until the command.
    let now = "2026-02-10T12:00:00+09:00";
    let started = Instant::now();
    let child = bot(dir.path(), now)
        .env("SLACK_BOT_TOKEN", "xoxb-lock")
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let health = format!("http://127.0.0.1:{port}/healthz");
    let mut up = false;
    let deadline = Instant::now() + WAIT;
    while !up && Instant::now() < deadline {
        up = client.get(&health).send().await.is_ok_and(|r| r.status() == 200);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(up, "the Slack endpoint never came up");

    // The operator removes the state file; SQLite alone would go on writing into the deleted file.
    std::fs::remove_file(&state).unwrap();
    let body = crate::slack::form("C0NEW", "U1", "subscribe", &slack.response_url("r1"));
    let pretend = chrono::DateTime::parse_from_rfc3339(now).unwrap().timestamp();
    let answer = crate::support::signed_slack_command(&client, port, SIGNING_SECRET, pretend, started, body).await;
    // The caller gets an answer (an apology), not a subscription that would silently vanish.
    assert_eq!(answer.status(), 200);
    let answer: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(answer["response_type"], "ephemeral", "{answer}");
    assert!(!answer.to_string().contains("구독했습니다"), "the subscription was not recorded: {answer}");

    let output = exited(child).await;
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(5), "{log}");
    assert!(
        log.contains(&format!("the state file {} was deleted while digestbot was running", named.display())),
        "{log}"
    );
    assert!(log.contains("restart digestbot"), "{log}");
    for secret in ["xoxb-lock", SIGNING_SECRET] {
        assert!(!log.contains(secret), "a secret reached the log: {secret}");
    }
}

#[tokio::test]
async fn post_is_refused_while_another_process_holds_the_state_and_a_dry_run_is_not() {
    let dir = TempDir::new("lock-post");
    std::fs::create_dir_all(dir.path().join("digests")).unwrap();
    std::fs::write(dir.path().join("digests/2026-02-09-weekly.md"), SEED).unwrap();
    // Nothing listens on the discard port: a post that got past the lock would fail differently.
    let config = "digests_dir: digests\nstate_path: state/bot.sqlite3\ndiscord:\n  api_base: http://127.0.0.1:9\n  channels: [101]\n";
    std::fs::write(dir.path().join("digestbot.yaml"), config).unwrap();
    // This test process holds the lock, as a running `serve` would.
    let held = digestbot::store::Store::open_exclusive(&dir.path().join("state/bot.sqlite3")).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_digestbot"))
            .current_dir(dir.path())
            .args(["--config", "digestbot.yaml", "--now", "2026-02-10T12:00:00+09:00"])
            .args(args)
            .env("DISCORD_TOKEN", "test-token")
            .output()
            .unwrap()
    };
    let post = run(&["post", "--channel", "101"]);
    let stderr = String::from_utf8_lossy(&post.stderr).into_owned();
    assert_eq!(post.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("state/bot.sqlite3"), "{stderr}");
    assert!(stderr.contains(&format!("pid {}", std::process::id())), "{stderr}");
    // Reading commands need no lock.
    let dry = run(&["post", "--dry-run"]);
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    assert!(String::from_utf8_lossy(&dry.stdout).contains("discord:101: would post 2026-02-09"));
    assert!(run(&["check"]).status.success());
    assert!(run(&["schedule", "--count", "1"]).status.success());
    drop(held);
}
