//! Fakes and helpers shared by the integration tests.

pub mod app;
pub mod fake_discord;
pub mod fake_slack;
pub mod logs;

use std::path::{Path, PathBuf};

/// A folder under the system temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("digestbot-it-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The user's digest, as shipped in `digests/`.
pub const SEED: &str = include_str!("../../../digests/2026-02-09-weekly.md");

/// Writes the seed digest (and any extra files) into `dir/digests` and returns that folder.
pub fn digests_dir(dir: &Path, extra: &[(&str, &str)]) -> PathBuf {
    let digests = dir.join("digests");
    std::fs::create_dir_all(&digests).expect("create digests dir");
    std::fs::write(digests.join("2026-02-09-weekly.md"), SEED).expect("write seed");
    for (name, text) in extra {
        std::fs::write(digests.join(name), text).expect("write digest");
    }
    digests
}

/// A synthetic digest with `articles` articles, each with a body of about `body_chars` characters.
pub fn synthetic_digest(date: &str, articles: usize, body_chars: usize) -> String {
    let mut text =
        format!("---\ntitle: \"Synthetic {date}\"\ndate: \"{date}\"\ncategory: Backend\ntags: [Synthetic]\n---\n\n");
    for i in 1..=articles {
        let body = "긴 본문 문장입니다. ".repeat(body_chars / 11 + 1);
        text.push_str(&format!(
            "## {i}. Source{i} - \"Article {i}\"\n\n**저자:** Writer {i}\n**링크:** https://example.com/{i}\n\n### 핵심 내용\n{body}\n\n"
        ));
    }
    text
}

/// Sends SIGTERM to a `digestbot serve` process and returns its exit code (waits up to 10 s).
pub fn terminate(child: &mut std::process::Child) -> Option<i32> {
    let status =
        std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill -TERM");
    assert!(status.success());
    for _ in 0..200 {
        if let Some(status) = child.try_wait().expect("wait for digestbot") {
            return status.code();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("digestbot did not stop within 10 s of SIGTERM");
}

/// Polls `done` every 25 ms until it holds or `within` has passed; says whether it held.
pub async fn wait_until_within(within: std::time::Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + within;
    while !done() {
        if std::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    true
}

/// A port that was free a moment ago, for a process that binds it itself.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Posts a signed `/digest` form to the Slack endpoint of a `digestbot serve` on `port`, timestamped
/// on the process's clock: `pretend` (its `--now`, as Unix seconds) plus the time since it `started`.
pub async fn signed_slack_command(
    client: &reqwest::Client,
    port: u16,
    secret: &str,
    pretend: i64,
    started: std::time::Instant,
    body: Vec<u8>,
) -> reqwest::Response {
    let timestamp = (pretend + started.elapsed().as_secs() as i64).to_string();
    client
        .post(format!("http://127.0.0.1:{port}/slack/commands"))
        .header("X-Slack-Request-Timestamp", &timestamp)
        .header("X-Slack-Signature", crate::slack::signature(secret, &timestamp, &body))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}
