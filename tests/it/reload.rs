//! Reloads never hold up answers: the digests folder is parsed on a blocking thread, so a command is
//! answered while a deliberately slow file is being parsed, even on a runtime with a single worker.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use tokio::sync::{Notify, oneshot};

use digestbot::bot::Bot;
use digestbot::clock::ManualClock;
use digestbot::config::Config;
use digestbot::digest::{Limits, parse_with};
use digestbot::files::{DigestDir, LibraryHandle};
use digestbot::secret::Secret;
use digestbot::slack::{self, SlackState};
use digestbot::store::Store;

use crate::slack::{form, signature};

const SECRET: &str = "reload-signing-secret";
const SEED: &[u8] = include_bytes!("../../digests/2026-02-09-weekly.md");
/// How long the slow file takes to parse: far longer than an answer may take.
const SLOW: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn commands_are_answered_during_a_slow_reload() {
    let dir = std::env::temp_dir().join(format!("digestbot-it-reload-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let digests = dir.join("digests");
    std::fs::create_dir_all(&digests).unwrap();
    std::fs::write(digests.join("2026-02-09-weekly.md"), SEED).unwrap();

    // The parser stalls on one file, and says when it has started on it.
    let parsing = Arc::new(Notify::new());
    let signal = parsing.clone();
    let parser = Arc::new(move |path: &str, bytes: &[u8], limits: &Limits| {
        if path.ends_with("slow.md") {
            signal.notify_one();
            std::thread::sleep(SLOW);
        }
        parse_with(path, bytes, limits)
    });
    let library = LibraryHandle::open_dir(DigestDir::with_parser(&digests, Limits::default(), parser)).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 2, 9, 1, 0, 0).unwrap();
    let bot = Bot {
        config: Arc::new(Config::default()),
        library: library.clone(),
        store: Arc::new(Store::open(&dir.join("state.db")).unwrap()),
        clock: Arc::new(ManualClock::new(now)),
        metrics: Default::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/slack/commands", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let state = SlackState::new(bot, Secret::new(SECRET)).unwrap();
    tokio::spawn(slack::serve(listener, state, async move {
        let _ = stopped.await;
    }));

    std::fs::write(digests.join("slow.md"), "---\ndate: 2026-02-02\n---\n## 1. S - \"Slow\"\n\nbody\n").unwrap();
    let reload = tokio::spawn({
        let library = library.clone();
        async move { library.reload().await }
    });
    tokio::time::timeout(Duration::from_secs(10), parsing.notified()).await.expect("the reload started");

    let started = Instant::now();
    let body = form("C0001", "U0001", "list", "http://127.0.0.1:9/unused");
    let timestamp = now.timestamp().to_string();
    let response = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", &timestamp)
        .header("x-slack-signature", signature(SECRET, &timestamp, &body))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let waited = started.elapsed();
    assert!(waited < SLOW / 2, "the answer waited {waited:?} for the reload");
    assert!(!reload.is_finished(), "the reload should still be parsing");
    assert!(!text.contains("Slow"), "answered from the library as it was");

    assert!(reload.await.unwrap().unwrap(), "the new file was picked up");
    assert_eq!(library.current().all().len(), 2);
    drop(stop);
    let _ = std::fs::remove_dir_all(&dir);
}
