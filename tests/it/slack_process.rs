//! The Slack endpoint of the real `digestbot serve` process under attack: 1,100 idle connections
//! against a bot limited to 1,024 open files, and command text that tries to forge log lines or
//! colour the terminal, in the text and the JSON log formats.

use std::io::Read as _;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::fake_slack::FakeSlack;
use crate::support::{TempDir, digests_dir, terminate};

const WAIT: Duration = Duration::from_secs(20);
const SECRET: &str = "process-signing-secret";
/// A forged log line, as the text formatter would write it.
const FORGED: &str = "2026-02-09T00:00:00.000000Z ERROR digestbot: forged line";

/// A running `digestbot serve` with only the Slack endpoint, and its stderr as it is written.
struct Bot {
    child: Child,
    url: String,
    log: Arc<Mutex<Vec<u8>>>,
    reader: Option<std::thread::JoinHandle<()>>,
    fake: FakeSlack,
    _dir: TempDir,
}

impl Bot {
    /// Starts the bot from `sh` so that `ulimit -n` (when given) applies to it; `env` is added.
    async fn start(open_files: Option<u32>, env: &[(&str, &str)]) -> Bot {
        let fake = FakeSlack::start().await;
        let dir = TempDir::new("slack-process");
        digests_dir(dir.path(), &[]);
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let config = format!(
            "digests_dir: digests\nstate_path: state/bot.sqlite3\n\
             slack:\n  api_base: {}\n  listen: 127.0.0.1:{port}\n  response_url_prefixes: [\"{}\"]\n",
            fake.api_base(),
            fake.response_url_prefix(),
        );
        std::fs::write(dir.path().join("digestbot.yaml"), config).unwrap();
        let limit = open_files.map_or(String::new(), |n| format!("ulimit -n {n} && "));
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("{limit}exec \"$0\" --config digestbot.yaml serve"))
            .arg(env!("CARGO_BIN_EXE_digestbot"))
            .current_dir(dir.path())
            .env_remove("DISCORD_TOKEN")
            .env_remove("DIGESTBOT_LOG_FORMAT")
            .env("SLACK_BOT_TOKEN", "xoxb-process")
            .env("SLACK_SIGNING_SECRET", SECRET)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start digestbot serve");
        // Drained as it comes, so a chatty log can never fill the pipe and stall the bot.
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        let reader = std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buffer[..n]);
            }
        });
        let bot = Bot { child, url: format!("http://127.0.0.1:{port}"), log, reader: Some(reader), fake, _dir: dir };
        bot.wait_healthy().await;
        bot
    }

    async fn wait_healthy(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(answer) = client.get(format!("{}/healthz", self.url)).send().await
                && answer.status() == 200
            {
                return;
            }
            assert!(Instant::now() < deadline, "the endpoint never came up: {}", self.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs `/digest <text>`, signed now (the bot runs on the system clock).
    async fn command(&self, client: &reqwest::Client, text: &str) -> reqwest::Response {
        let body = crate::slack::form("C0001", "U0001", text, &self.fake.response_url("r1"));
        let timestamp = chrono::Utc::now().timestamp().to_string();
        client
            .post(format!("{}/slack/commands", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-slack-request-timestamp", &timestamp)
            .header("x-slack-signature", crate::slack::signature(SECRET, &timestamp, &body))
            .body(body)
            .send()
            .await
            .expect("the command was answered")
    }

    fn log(&self) -> String {
        String::from_utf8_lossy(&self.log.lock().unwrap()).into_owned()
    }

    /// SIGTERM, then the whole log as raw bytes.
    fn stop(mut self) -> Vec<u8> {
        assert_eq!(terminate(&mut self.child), Some(0), "{}", self.log());
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        self.log.lock().unwrap().clone()
    }
}

/// The test process itself holds 1,100 sockets: make sure its own soft limit allows that.
fn allow_open_files(wanted: libc::rlim_t) {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        if limit.rlim_cur < wanted {
            limit.rlim_cur = wanted.min(limit.rlim_max);
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eleven_hundred_idle_connections_do_not_lock_out_a_command() {
    use tokio::io::AsyncWriteExt as _;
    allow_open_files(4096);
    let bot = Bot::start(Some(1024), &[]).await;
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", bot.child.id())).unwrap();
    let open_files = limits.lines().find(|l| l.starts_with("Max open files")).unwrap();
    assert!(open_files.split_whitespace().nth(3) == Some("1024"), "{open_files}");

    // Half of them say nothing, half send half a request head and stop.
    let address = bot.url.trim_start_matches("http://").to_string();
    let mut idle = Vec::new();
    for i in 0..1100 {
        let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connect an idle socket");
        if i % 2 == 1 {
            let _ = stream.write_all(b"POST /slack/commands HTTP/1.1\r\nHost: x\r\nContent-").await;
        }
        idle.push(stream);
    }

    let client = reqwest::Client::new();
    let started = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(2), bot.command(&client, "help"))
        .await
        .expect("a good command is answered within 2 s");
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["response_type"], "ephemeral");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    drop(idle);

    let log = String::from_utf8_lossy(&bot.stop()).into_owned();
    assert!(log.contains("at its connection cap"), "{log}");
    assert!(!log.contains("cannot accept connections"), "the bot ran out of file handles: {log}");
}

/// A command whose text holds a newline followed by a forged log line, and ANSI colour codes.
fn hostile_text() -> String {
    format!("keyword ADR\n{FORGED}\n\x1b[31mred\x1b[0m\r\u{9b}2J")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_text_cannot_forge_log_lines_or_colour_them() {
    let bot = Bot::start(None, &[]).await;
    let answer = bot.command(&reqwest::Client::new(), &hostile_text()).await;
    assert_eq!(answer.status(), 200);
    let raw = bot.stop();
    let log = String::from_utf8_lossy(&raw).into_owned();
    assert!(!raw.contains(&0x1b), "a raw ESC reached the log (colours on a pipe, or the text): {log}");
    assert!(!log.contains('\u{9b}') && !log.contains('\r'), "{log}");
    assert!(log.lines().all(|line| !line.starts_with(FORGED)), "a forged line: {log}");
    // The text is there, quoted and escaped on the command's own line.
    let line = log.lines().find(|l| l.contains("slash command")).expect("the command is logged");
    assert!(line.contains(&format!(r#"text="keyword ADR\n{FORGED}\n\u{{1b}}[31mred"#)), "{line}");
    assert!(!log.contains(SECRET), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_log_is_one_object_a_line() {
    let bot = Bot::start(None, &[("DIGESTBOT_LOG_FORMAT", "json")]).await;
    let answer = bot.command(&reqwest::Client::new(), &hostile_text()).await;
    assert_eq!(answer.status(), 200);
    let raw = bot.stop();
    let log = String::from_utf8_lossy(&raw).into_owned();
    assert!(!raw.contains(&0x1b), "{log}");
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert!(lines.len() >= 3, "{log}");
    assert!(lines.iter().all(|l| l.is_object() && l["level"].is_string() && l["fields"].is_object()), "{log}");
    let command = lines.iter().find(|l| l["fields"]["message"] == "slash command").expect("the command is logged");
    let text = command["fields"]["text"].as_str().unwrap();
    assert!(text.starts_with("\"keyword ADR\\n2026-02-09T00:00:00.000000Z ERROR"), "{text}");
    assert!(!text.contains('\n') && !text.contains('\x1b'), "{text}");
}

#[test]
fn an_unknown_log_format_stops_at_start() {
    let output = Command::new(env!("CARGO_BIN_EXE_digestbot"))
        .args(["schedule", "--count", "1"])
        .env("DIGESTBOT_LOG_FORMAT", "yaml")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "nothing ran");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        "error: DIGESTBOT_LOG_FORMAT=\"yaml\" is not a log format: use `text` (the default) or `json`"
    );
}
