//! `digestbot serve` and `digestbot post` as processes, against the fake Discord: a process killed
//! mid-delivery and restarted serves every channel exactly once, SIGTERM closes the gateway, and
//! `post` respects the ledger.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::fake_discord::{ChannelSpec, FakeDiscord, FakeOptions, ForumTag, LostResponse, Recorded};
use crate::support::terminate;
use crate::support::{TempDir, synthetic_digest};

const WAIT: Duration = Duration::from_secs(20);
const CHANNELS: [u64; 6] = [101, 102, 103, 104, 105, 106];
/// The channel whose first message gets no answer, so the process is killed mid-delivery.
const STUCK: u64 = 104;

/// A folder with a config pointing at the fake, and a digest dated on the slot's Monday that renders
/// to two Discord messages (a header and 11 articles are more than 10 embeds).
fn setup(fake: &FakeDiscord, webhooks: &[String]) -> (TempDir, PathBuf) {
    let dir = TempDir::new("serve");
    let digests = dir.path().join("digests");
    std::fs::create_dir_all(&digests).unwrap();
    std::fs::write(digests.join("2026-02-09.md"), synthetic_digest("2026-02-09", 11, 200)).unwrap();
    let channels: Vec<String> = CHANNELS.iter().map(u64::to_string).collect();
    let hooks: Vec<String> = webhooks.iter().map(|h| format!("\"{h}\"")).collect();
    let config = format!(
        "digests_dir: digests\nstate_path: state/bot.sqlite3\nhttp:\n  listen: 127.0.0.1:0\n\
         discord:\n  api_base: {}\n  channels: [{}]\n  webhooks: [{}]\n",
        fake.base_url(),
        channels.join(", "),
        hooks.join(", ")
    );
    let path = dir.path().join("digestbot.yaml");
    std::fs::write(&path, config).unwrap();
    (dir, path)
}

fn bot(dir: &Path, config: &Path, now: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_digestbot"));
    command
        .current_dir(dir)
        .arg("--config")
        .arg(config)
        .args(["--now", now])
        .args(args)
        .env("DISCORD_TOKEN", "test-token")
        .env_remove("SLACK_BOT_TOKEN")
        .env_remove("SLACK_SIGNING_SECRET")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn serve(dir: &Path, config: &Path, now: &str) -> Child {
    bot(dir, config, now, &["serve"]).spawn().expect("start digestbot serve")
}

/// How many Discord messages each channel receives for the test digest.
fn parts() -> usize {
    let digest = digestbot::digest::parse("2026-02-09.md", synthetic_digest("2026-02-09", 11, 200).as_bytes()).unwrap();
    digestbot::render::discord::messages(&digestbot::render::digest_doc(&digest, digestbot::i18n::Locale::Ko)).len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_delivery_and_restarted_every_channel_is_served_exactly_once() {
    let parts = parts();
    assert_eq!(parts, 2);
    let fake = FakeDiscord::start(FakeOptions { token: Some("test-token".into()), ..FakeOptions::default() }).await;
    let (dir, config) = setup(&fake, &[]);
    let stuck = format!("/channels/{STUCK}/messages");
    fake.inject_lost_response("POST", &stuck, 1, LostResponse::Hang);

    // One minute after the Monday 09:00 KST slot: the slot is due at start-up.
    let mut first = serve(dir.path(), &config, "2026-02-09T09:01:00+09:00");
    let others_done = |records: &[Recorded]| {
        let to = |c: u64| records.iter().filter(move |r| r.path.ends_with(&format!("/channels/{c}/messages")));
        CHANNELS.iter().filter(|&&c| c != STUCK).all(|&c| to(c).filter(|r| r.status == 200).count() == parts)
            && to(STUCK).count() == 1
    };
    assert!(fake.wait_for(others_done, WAIT).await, "the first run never got that far");
    // kill -9: no chance to clean up. The stuck channel's first message was posted, its answer lost.
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(fake.messages(STUCK).len(), 1);

    let mut second = serve(dir.path(), &config, "2026-02-09T09:03:00+09:00");
    let stuck_done = |records: &[Recorded]| {
        records.iter().filter(|r| r.path.ends_with(&format!("/channels/{STUCK}/messages")) && r.status == 200).count()
            == parts
    };
    assert!(fake.wait_for(stuck_done, WAIT).await, "the restart did not finish the stuck channel");
    // Let the restarted bot settle, then stop it gracefully.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(terminate(&mut second), Some(0));

    for channel in CHANNELS {
        let messages = fake.messages(channel);
        assert_eq!(messages.len(), parts, "channel {channel} must get each message exactly once");
        let mut nonces: Vec<&str> = messages.iter().map(|m| m["nonce"].as_str().unwrap()).collect();
        nonces.dedup();
        assert_eq!(nonces.len(), parts);
    }
    // The stuck message was sent again after the restart, with the same nonce, and deduplicated.
    let stuck_requests = fake.requests_to("POST", &stuck);
    assert_eq!(stuck_requests.len(), parts + 1);
    assert_eq!(stuck_requests[0].body["nonce"], stuck_requests[1].body["nonce"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_the_gateway_and_exits_cleanly() {
    let fake = FakeDiscord::start(FakeOptions { token: Some("test-token".into()), ..FakeOptions::default() }).await;
    let (dir, config) = setup(&fake, &[]);
    // Tuesday: no slot is due, the bot just connects and waits.
    let mut child = serve(dir.path(), &config, "2026-02-10T12:00:00+09:00");
    assert!(fake.wait_ready(WAIT).await, "the bot never identified");
    assert!(fake.wait_for(|r| r.iter().any(|r| r.method == "PUT"), WAIT).await, "commands were not registered");
    assert_eq!(terminate(&mut child), Some(0));
    assert!(fake.wait_gateway_closed(WAIT).await);
    assert!(fake.all_messages().is_empty());
    let mut log = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(log.contains("Discord gateway closed"), "{log}");
    assert!(!log.contains("test-token"), "the token must never be logged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_respects_the_ledger_unless_forced() {
    let fake = FakeDiscord::start(FakeOptions { token: Some("test-token".into()), ..FakeOptions::default() }).await;
    let hook = fake.webhook_url(900, "secret-hook-token");
    let (dir, config) = setup(&fake, &[hook]);
    let now = "2026-02-10T12:00:00+09:00";
    let run = |args: &[&str]| bot(dir.path(), &config, now, args).output().expect("run digestbot post");

    let dry = run(&["post", "--dry-run"]);
    assert!(dry.status.success());
    let text = String::from_utf8_lossy(&dry.stdout).into_owned();
    assert!(text.contains("discord:101: would post 2026-02-09 (2 messages; not delivered yet)"), "{text}");
    assert!(text.contains("discord-webhook:webhook:"), "{text}");
    assert!(!text.contains("secret-hook-token"), "webhook URLs are secrets");
    assert!(fake.all_messages().is_empty());

    let posted = run(&["post", "--channel", "101"]);
    assert!(posted.status.success(), "{}", String::from_utf8_lossy(&posted.stderr));
    assert_eq!(fake.messages(101).len(), 2);
    let again = run(&["post", "--channel", "101"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("already delivered"));
    assert_eq!(fake.messages(101).len(), 2);
    let forced = run(&["post", "--channel", "101", "--force"]);
    assert!(forced.status.success());
    assert_eq!(fake.messages(101).len(), 4);

    let all = run(&["post"]);
    assert!(all.status.success(), "{}", String::from_utf8_lossy(&all.stdout));
    assert_eq!(fake.webhook_messages(900).len(), 2);
    assert_eq!(fake.messages(106).len(), 2);
    let log = String::from_utf8_lossy(&all.stderr).into_owned();
    assert!(!log.contains("secret-hook-token") && !log.contains("test-token"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_follows_the_threads_setting_and_the_channel_kind() {
    let fake = FakeDiscord::start(FakeOptions { token: Some("test-token".into()), ..FakeOptions::default() }).await;
    fake.set_channel(ChannelSpec::forum(106, vec![ForumTag::new(1, "backend")]));
    let (dir, config) = setup(&fake, &[]);
    let text = std::fs::read_to_string(&config).unwrap().replace("discord:\n", "discord:\n  threads: issue\n");
    std::fs::write(&config, text).unwrap();
    let run = |args: &[&str]| bot(dir.path(), &config, "2026-02-10T12:00:00+09:00", args).output().unwrap();

    // A text channel: the digest, and a thread from its first message.
    let posted = run(&["post", "--channel", "101"]);
    assert!(posted.status.success(), "{}", String::from_utf8_lossy(&posted.stderr));
    let first = fake.message_objects(101)[0]["id"].as_str().unwrap().to_string();
    let threads = fake.threads(101);
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0]["id"], first.as_str());
    // A forum: one tagged post holding the digest.
    let posted = run(&["post", "--channel", "106"]);
    assert!(posted.status.success(), "{}", String::from_utf8_lossy(&posted.stderr));
    let posts = fake.threads(106);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["applied_tags"], serde_json::json!(["1"]));
    let post: u64 = posts[0]["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(fake.messages(post).len(), fake.messages(101).len());
    // Again: the ledger says both are done.
    let again = run(&["post", "--channel", "106"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("already delivered"));
    assert_eq!(fake.threads(106).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_says_whether_every_target_got_the_slot_while_the_state_is_in_use() {
    let fake = FakeDiscord::start(FakeOptions { token: Some("test-token".into()), ..FakeOptions::default() }).await;
    let (dir, config) = setup(&fake, &[]);
    let run = |args: &[&str]| bot(dir.path(), &config, "2026-02-10T12:00:00+09:00", args).output().unwrap();

    // No state yet: every target misses Monday's digest, and no state file is created.
    let before = run(&["status"]);
    assert_eq!(before.status.code(), Some(1), "{}", String::from_utf8_lossy(&before.stderr));
    let text = String::from_utf8_lossy(&before.stdout).into_owned();
    assert!(text.starts_with("slot 2026-02-09 09:00 KST: digest 2026-02-09"), "{text}");
    assert!(text.contains("discord:101  missing: not tried yet"), "{text}");
    assert!(!dir.path().join("state/bot.sqlite3").exists());

    let posted = run(&["post", "--channel", "101"]);
    assert!(posted.status.success(), "{}", String::from_utf8_lossy(&posted.stderr));
    // Another process holds the state (as `serve` does): status still reads it.
    let state = digestbot::store::Store::open_exclusive(&dir.path().join("state/bot.sqlite3")).unwrap();
    let json = run(&["status", "--format", "json"]);
    assert_eq!(json.status.code(), Some(1), "106 is still missing");
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let targets = json["targets"].as_array().unwrap();
    let first = targets.iter().find(|t| t["channel"] == "101").unwrap();
    assert_eq!(first["complete"], true);
    assert_eq!(first["sent"], first["parts"]);
    assert_eq!(json["missing"], targets.len() - 1);
    drop(state);

    let all = run(&["post"]);
    assert!(all.status.success(), "{}", String::from_utf8_lossy(&all.stdout));
    let after = run(&["status"]);
    assert_eq!(after.status.code(), Some(0), "{}", String::from_utf8_lossy(&after.stdout));
    let older = run(&["status", "--slot", "2026-02-02"]);
    assert_eq!(older.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&older.stdout).contains("no digest was published for it"));
    let wrong = run(&["status", "--slot", "2026-02-03"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("2026-02-03 has no slot"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_stops_the_bot_with_a_clear_error() {
    let fake = FakeDiscord::start(FakeOptions { token: Some("the-real-token".into()), ..FakeOptions::default() }).await;
    let (dir, config) = setup(&fake, &[]);
    let child = bot(dir.path(), &config, "2026-02-10T12:00:00+09:00", &["serve"]).spawn().unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(3), "{log}");
    assert!(log.contains("Discord refused the token (DISCORD_TOKEN)"), "{log}");
    assert!(!log.contains("test-token"), "the token must never be logged");
}

/// What one channel shows: the bodies of its messages, in order.
fn bodies(fake: &FakeDiscord, channel: u64) -> Vec<String> {
    fake.messages(channel).iter().map(|m| m["embeds"].to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_correction_and_restarted_every_message_is_corrected_once_and_nothing_is_posted_again() {
    let fake = FakeDiscord::start(FakeOptions { token: Some("test-token".into()), ..FakeOptions::default() }).await;
    let (dir, config) = setup(&fake, &[]);
    // The folder is checked every second, so a change is applied about two seconds after it is made.
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("digests_poll: 1s\n{text}")).unwrap();
    let mut first = serve(dir.path(), &config, "2026-02-09T09:01:00+09:00");
    let delivered = |records: &[Recorded]| {
        records.iter().filter(|r| r.method == "POST" && r.path.contains("/messages") && r.status == 200).count()
            == CHANNELS.len() * 2
    };
    assert!(fake.wait_for(delivered, WAIT).await, "the slot was not delivered");
    let posts = fake.requests_to("POST", "/channels/").len();

    // Every article's title changes: both messages of every channel need an edit. The edit of the
    // stuck channel's second message never gets an answer, and the process is killed there.
    let path = dir.path().join("digests/2026-02-09.md");
    let fixed = synthetic_digest("2026-02-09", 11, 200).replace("\"Article ", "\"Fixed article ");
    let stuck = fake.message_objects(STUCK)[1]["id"].as_str().unwrap().to_string();
    fake.inject_lost_response("PATCH", &format!("/channels/{STUCK}/messages/{stuck}"), 1, LostResponse::Hang);
    std::fs::write(&path, &fixed).unwrap();
    // Every other edit answered (both messages of five channels, the first of the stuck one), and the
    // stuck one sent.
    let at_the_stuck_edit = |records: &[Recorded]| {
        let answered = records.iter().filter(|r| r.method == "PATCH" && r.status == 200).count();
        answered == CHANNELS.len() * 2 - 1 && records.iter().any(|r| r.method == "PATCH" && r.path.ends_with(&stuck))
    };
    assert!(fake.wait_for(at_the_stuck_edit, WAIT).await, "the correction never reached the stuck message");
    // Time for the bot to record the answers it got; the stuck edit has none to record.
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.kill().unwrap();
    first.wait().unwrap();

    let mut second = serve(dir.path(), &config, "2026-02-09T09:05:00+09:00");
    let corrected =
        || CHANNELS.iter().all(|&c| fake.messages(c).iter().all(|m| m.to_string().contains("Fixed article")));
    let deadline = std::time::Instant::now() + WAIT;
    while !corrected() {
        assert!(std::time::Instant::now() < deadline, "the restart did not finish the correction");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let a few more checks of the folder pass: nothing more happens.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(terminate(&mut second), Some(0));

    assert_eq!(fake.requests_to("POST", "/channels/").len(), posts, "no message was posted again");
    for channel in CHANNELS {
        assert_eq!(fake.messages(channel).len(), 2, "channel {channel}");
        for message in fake.message_objects(channel) {
            let id: u64 = message["id"].as_str().unwrap().parse().unwrap();
            let edits = fake.edits(id).len();
            // Each message is edited once; only the one whose answer was lost is edited again, with
            // the same body, after the restart.
            let expected = if message["id"].as_str() == Some(stuck.as_str()) { 2 } else { 1 };
            assert_eq!(edits, expected, "message {id} in channel {channel}");
        }
    }
    assert!(bodies(&fake, STUCK).iter().all(|b| !b.contains("\"Article ")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_on_a_state_file_it_cannot_read_says_why_once() {
    let fake = FakeDiscord::start(FakeOptions { token: Some("test-token".into()), ..FakeOptions::default() }).await;
    let (dir, config) = setup(&fake, &[]);
    let run = |args: &[&str]| bot(dir.path(), &config, "2026-02-10T12:00:00+09:00", args).output().unwrap();
    std::fs::create_dir_all(dir.path().join("state")).unwrap();
    std::fs::write(dir.path().join("state/bot.sqlite3"), "not a database ".repeat(500)).unwrap();
    let corrupt = run(&["status"]);
    assert_eq!(corrupt.status.code(), Some(2), "not 1: no target was found missing");
    let said = String::from_utf8_lossy(&corrupt.stderr).into_owned();
    assert!(said.contains("cannot open the state database"), "{said}");
    // SQLite's own message names the fault twice; digestbot adds no third.
    assert_eq!(said.matches("Error code 26").count(), 1, "the reason once: {said}");
    // An older schema: what to do, once.
    std::fs::remove_file(dir.path().join("state/bot.sqlite3")).unwrap();
    rusqlite::Connection::open(dir.path().join("state/bot.sqlite3"))
        .unwrap()
        .execute_batch("PRAGMA user_version = 3; CREATE TABLE t (x);")
        .unwrap();
    let older = run(&["status", "--format", "json"]);
    assert_eq!(older.status.code(), Some(2));
    let said = String::from_utf8_lossy(&older.stderr).into_owned();
    assert_eq!(said.matches("its schema version is 3").count(), 1, "{said}");
}
