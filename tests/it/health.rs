//! The one HTTP listener of the real `App`: `/healthz` in each state (healthy, the gateway down for
//! over five minutes on the injected clock, a finished slot that a target misses, no Discord token),
//! served with Discord alone; `/metrics` off by default and, when on, read with a Prometheus text
//! parser after a delivery and a command; and the deprecated `slack.listen` still bound, with its
//! warning.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use digestbot::app::{Credentials, Listener};
use digestbot::clock::ManualClock;
use digestbot::config::Config;
use digestbot::deliver::RetryPolicy;
use digestbot::scheduler::SlotRun;
use digestbot::secret::Secret;
use digestbot::target::{Platform, Target};

use crate::support::app::{Running, spawn_app_on};
use crate::support::fake_discord::{FakeDiscord, FakeOptions, Injected, command_interaction};
use crate::support::fake_slack::FakeSlack;
use crate::support::logs::Logs;
use crate::support::{self, TempDir, digests_dir};

const TOKEN: &str = "test-token";
const WAIT: Duration = Duration::from_secs(10);
/// Retries in milliseconds.
const RETRY: RetryPolicy =
    RetryPolicy { attempts: 3, base: Duration::from_millis(5), max: Duration::from_millis(20), rate_limit_retries: 5 };

/// The slot of the seed digest: Monday 2026-02-09 09:00 KST.
fn slot() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 9, 0, 0, 0).unwrap()
}

struct App {
    fake: FakeDiscord,
    clock: Arc<ManualClock>,
    running: Running,
    client: reqwest::Client,
    _dir: TempDir,
}

/// The app with the Discord token and no Slack credentials, against a fresh fake, its clock at
/// 07:00 KST on the seed's Monday and its slots stepped by the test.
async fn discord_app(options: FakeOptions, configure: impl FnOnce(&mut Config)) -> App {
    let fake = FakeDiscord::start(FakeOptions { token: Some(TOKEN.into()), ..options }).await;
    let dir = TempDir::new("health");
    let mut config = config_in(dir.path());
    config.discord.api_base = fake.base_url();
    configure(&mut config);
    let clock = Arc::new(ManualClock::new(slot() - chrono::Duration::hours(2)));
    let credentials = Credentials { discord: Some(Secret::new(TOKEN)), ..Credentials::default() };
    let running = spawn(config, credentials, clock.clone(), bound().await).await;
    App { fake, clock, running, client: reqwest::Client::new(), _dir: dir }
}

fn config_in(dir: &Path) -> Config {
    Config { digests_dir: digests_dir(dir, &[]), state_path: dir.join("state/digestbot.sqlite3"), ..Config::default() }
}

async fn bound() -> Listener {
    Listener::Bound(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
}

async fn spawn(config: Config, credentials: Credentials, clock: Arc<ManualClock>, listener: Listener) -> Running {
    spawn_app_on(config, credentials, clock, listener, |app| app.stepped().with_retry(RETRY)).await
}

/// `GET path` on the app's listener: the status and the body.
async fn get(client: &reqwest::Client, running: &Running, path: &str) -> (StatusCode, String) {
    let response = client.get(format!("{}{path}", running.url())).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

impl App {
    async fn health(&self) -> (StatusCode, Value) {
        let (status, body) = get(&self.client, &self.running, "/healthz").await;
        (status, serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}")))
    }

    /// Polls `/healthz` until `done` holds over its body; the last answer either way.
    async fn health_until(&self, done: impl Fn(&Value) -> bool) -> (StatusCode, Value) {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let answer = self.health().await;
            if done(&answer.1) || std::time::Instant::now() > deadline {
                return answer;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Every sample of `/metrics`, as a Prometheus text parser reads it.
struct Scrape(Vec<prometheus_parse::Sample>);

impl Scrape {
    async fn of(client: &reqwest::Client, running: &Running) -> Scrape {
        let response = client.get(format!("{}/metrics", running.url())).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let kind = response.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
        let text = response.text().await.unwrap();
        let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
        Scrape(scrape.samples)
    }

    /// The value of the sample `name` with exactly `labels`.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let sample = self.0.iter().find(|s| {
            s.metric == name && s.labels.len() == labels.len() && labels.iter().all(|(k, v)| s.labels.get(k) == Some(v))
        })?;
        match &sample.value {
            prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Gauge(v) => Some(*v),
            prometheus_parse::Value::Untyped(v) => Some(*v),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn with_discord_alone_healthz_reports_the_gateway_the_slot_and_the_last_delivery() {
    let app = discord_app(FakeOptions::default(), |c| c.discord.channels = vec![101]).await;
    assert!(app.fake.wait_ready(WAIT).await, "the bot never identified");
    let (status, body) = app.health_until(|b| b["discord"]["gateway"] == "connected").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["discord"]["since"], "2026-02-08T22:00:00+00:00", "on the injected clock");
    // The slot before the seed's: nothing was published for it.
    assert_eq!(body["last_slot"]["at"], "2026-02-02T00:00:00+00:00");
    assert_eq!(body["last_slot"]["digest"], Value::Null);
    assert_eq!(body["last_delivery_age_seconds"], Value::Null);

    app.clock.set(slot() + chrono::Duration::minutes(1));
    let run = app.running.scheduler.run_due().await.unwrap();
    assert!(matches!(run, SlotRun::Delivered { .. }), "{run:?}");
    app.clock.advance(chrono::Duration::seconds(90));
    let (status, body) = app.health().await;
    assert_eq!(status, 200, "{body}");
    let outcome = json!({
        "at": "2026-02-09T00:00:00+00:00",
        "digest": {"id": "2026-02-09", "title": "주간 기술블로그 하이라이트 - 하이브리드 클라우드와 팀 문화 리팩토링"},
        "targets": 1, "delivered": 1, "failed": 0, "retrying": false,
    });
    assert_eq!(body["last_slot"], outcome);
    assert_eq!(body["last_delivery_age_seconds"], 90);

    // No Slack credentials: no Slack route; metrics are off by default.
    let commands = app.client.post(format!("{}/slack/commands", app.running.url())).send().await.unwrap();
    assert_eq!(commands.status(), 404);
    assert_eq!(get(&app.client, &app.running, "/metrics").await.0, 404);
    app.running.stop().await.unwrap();
}

#[tokio::test]
async fn the_gateway_down_for_over_five_minutes_is_unhealthy_until_it_is_back() {
    let app = discord_app(FakeOptions::default(), |_| {}).await;
    assert!(app.fake.wait_ready(WAIT).await, "the bot never identified");
    app.health_until(|b| b["discord"]["gateway"] == "connected").await;

    // Discord's gateway cannot be reached any more: the connection drops and stays down.
    app.clock.advance(chrono::Duration::minutes(1));
    app.fake.set_gateway_down(true);
    app.fake.disconnect_gateway(4000);
    let (status, body) = app.health_until(|b| b["discord"]["gateway"] == "disconnected").await;
    assert_eq!(body["discord"], json!({"gateway": "disconnected", "since": "2026-02-08T22:01:00+00:00"}), "{body}");
    assert_eq!(status, 200, "a short outage is healthy");

    app.clock.advance(chrono::Duration::minutes(5));
    let (status, body) = app.health().await;
    assert_eq!(status, 200, "exactly five minutes is still within the grace: {body}");
    app.clock.advance(chrono::Duration::seconds(1));
    let (status, body) = app.health().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "unhealthy");
    let problem = "the Discord gateway has been disconnected since 2026-02-08T22:01:00+00:00 (over 5 minutes)";
    assert_eq!(body["problems"], json!([problem]));

    // Back up: serenity reconnects on its own (it waits 5 s between starts).
    app.fake.set_gateway_down(false);
    let (status, body) = app.health_until(|b| b["discord"]["gateway"] == "connected").await;
    assert_eq!((status, &body["discord"]["since"]), (StatusCode::OK, &json!("2026-02-08T22:06:01+00:00")), "{body}");
    assert!(app.fake.refused_connections() >= 1);
    app.running.stop().await.unwrap();
}

#[tokio::test]
async fn a_finished_slot_that_a_target_misses_is_unhealthy() {
    let app = discord_app(FakeOptions::default(), |_| {}).await;
    let (gone, fine) = (Target::new(Platform::Discord, "111"), Target::new(Platform::Discord, "222"));
    for target in [&gone, &fine] {
        app.running.bot.store.subscribe(target, slot() - chrono::Duration::days(1)).unwrap();
    }
    app.fake.inject("POST", "/channels/111/messages", vec![Injected::forbidden()]);
    app.clock.set(slot());
    let run = app.running.scheduler.run_due().await.unwrap();
    assert!(matches!(run, SlotRun::Delivered { .. }), "{run:?}");
    assert!(app.running.bot.store.slot(slot()).unwrap().unwrap().finished_at.is_some(), "nothing left to retry");

    let (status, body) = app.health().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["last_slot"]["targets"], 2);
    assert_eq!((&body["last_slot"]["delivered"], &body["last_slot"]["failed"]), (&json!(1), &json!(1)));
    assert_eq!(body["last_slot"]["retrying"], false);
    let problem =
        "1 of 2 targets miss digest 2026-02-09 of the slot of 2026-02-09T00:00:00+00:00 and are not being retried";
    assert_eq!(body["problems"], json!([problem]));
    app.running.stop().await.unwrap();
}

#[tokio::test]
async fn without_a_discord_token_the_gateway_is_off_and_healthz_is_served() {
    let slack = FakeSlack::start().await;
    let dir = TempDir::new("health-off");
    let mut config = config_in(dir.path());
    config.slack.api_base = slack.api_base();
    // Slack with the bot token alone: it posts, and takes no commands.
    let credentials = Credentials {
        slack: digestbot::slack::Credentials { token: Some(Secret::new("xoxb-health")), signing_secret: None },
        ..Credentials::default()
    };
    let clock = Arc::new(ManualClock::new(slot() + chrono::Duration::hours(1)));
    let running = spawn(config, credentials, clock, bound().await).await;
    let client = reqwest::Client::new();
    let (status, body) = get(&client, &running, "/healthz").await;
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["discord"], json!({"gateway": "off", "since": null}));
    assert_eq!(body["last_slot"]["targets"], 0);
    let commands = client.post(format!("{}/slack/commands", running.url())).send().await.unwrap();
    assert_eq!(commands.status(), 404, "no command route without the signing secret");
    running.stop().await.unwrap();
}

#[tokio::test]
async fn metrics_count_a_delivery_with_its_rate_limit_waits_and_a_command() {
    // One message per channel per 300 ms: the second part waits for the channel's bucket.
    let options = FakeOptions { channel_messages: Some((1, Duration::from_millis(300))), ..FakeOptions::default() };
    let app = discord_app(options, |c| {
        c.discord.channels = vec![101];
        c.http.metrics = true;
    })
    .await;
    let digest = support::synthetic_digest("2026-02-09", 11, 200);
    std::fs::write(app.running.bot.config.digests_dir.join("2026-02-09-weekly.md"), digest).unwrap();
    app.running.bot.library.reload().await.unwrap();
    assert!(app.fake.wait_ready(WAIT).await, "the bot never identified");

    app.clock.set(slot());
    let run = app.running.scheduler.run_due().await.unwrap();
    assert!(matches!(run, SlotRun::Delivered { .. }), "{run:?}");
    let parts = app.fake.messages(101).len();
    assert_eq!(parts, 2);
    let spec = app.fake.interaction_spec("latest");
    let id: u64 = command_interaction(spec.clone())["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(app.fake.send_interaction(command_interaction(spec)), 1);
    assert!(app.fake.wait_callback(id, WAIT).await.is_some(), "no interaction response");

    let scrape = Scrape::of(&app.client, &app.running).await;
    let discord = [("platform", "discord")];
    assert_eq!(scrape.value("digestbot_parts_sent_total", &discord), Some(parts as f64));
    assert_eq!(scrape.value("digestbot_delivery_failures_total", &discord), Some(0.0));
    let waited = scrape.value("digestbot_rate_limit_wait_seconds_total", &discord).unwrap();
    assert!((0.1..5.0).contains(&waited), "waited {waited} s");
    let latest = [("platform", "discord"), ("command", "latest")];
    assert_eq!(scrape.value("digestbot_commands_total", &latest), Some(1.0));
    assert_eq!(scrape.value("digestbot_command_duration_seconds_count", &latest), Some(1.0));
    assert_eq!(scrape.value("digestbot_digests_loaded", &[]), Some(1.0));
    assert_eq!(scrape.value("digestbot_digests_broken", &[]), Some(0.0));
    assert_eq!(scrape.value("digestbot_last_slot_timestamp_seconds", &[]), Some(slot().timestamp() as f64));
    assert_eq!(scrape.value("digestbot_gateway_connected", &discord), Some(1.0));

    // A reload sets the library's gauges again.
    std::fs::write(app.running.bot.config.digests_dir.join("2026-02-16.md"), "---\ndate: [\n---\n").unwrap();
    app.running.bot.library.reload().await.unwrap();
    let scrape = Scrape::of(&app.client, &app.running).await;
    assert_eq!(scrape.value("digestbot_digests_broken", &[]), Some(1.0));
    assert_eq!(scrape.value("digestbot_digests_loaded", &[]), Some(1.0));
    app.running.stop().await.unwrap();
}

#[tokio::test]
async fn slack_listen_alone_is_still_the_address_with_a_warning() {
    let logs = Logs::default();
    let _guard = logs.install();
    let dir = TempDir::new("health-alias");
    let port = support::free_port();
    let text = format!("slack:\n  listen: 127.0.0.1:{port}\n");
    let mut config = digestbot::config::from_yaml(&text, Path::new("digestbot.yaml"), dir.path()).unwrap();
    config.digests_dir = digests_dir(dir.path(), &[]);
    let clock = Arc::new(ManualClock::new(slot()));
    let running = spawn(config, Credentials::default(), clock, Listener::FromConfig).await;
    assert_eq!(running.addr.map(|a| a.port()), Some(port));
    let warnings = logs.warnings(&["slack.listen is deprecated: rename it http.listen"]);
    assert_eq!(warnings.len(), 1, "{}", logs.text());
    assert_eq!(get(&reqwest::Client::new(), &running, "/healthz").await.0, 200);
    running.stop().await.unwrap();
}
