//! The Slack side end to end: the real `/slack/commands` endpoint on loopback, called with requests
//! signed here (independently of the code under test), and the real delivery sinks posting to a fake
//! Slack (`support::fake_slack`). Each test gets its own app: a temp folder of digests, a SQLite file,
//! a clock stopped at Monday 2026-02-09 10:00 KST, and the endpoint on 127.0.0.1:0.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::watch;

use digestbot::app::{self, Credentials};
use digestbot::bot::Bot;
use digestbot::clock::ManualClock;
use digestbot::config::Config;
use digestbot::deliver::{DeliverOptions, Deliverer, RetryPolicy, TargetOutcome};
use digestbot::digest::Digest;
use digestbot::render::limits::check_slack_message;
use digestbot::secret::{Secret, WebhookRef};
use digestbot::slack::{self, EndpointLimits};
use digestbot::target::{Platform, Target, ThreadMode};

use crate::support;
use crate::support::app::Running;
use crate::support::fake_slack::{Answer, Call, FakeSlack, Lost, Route};
use crate::support::logs::Logs;

const SECRET: &str = "test-signing-secret";
const TOKEN: &str = "xoxb-test";
const SEED: &[u8] = include_bytes!("../../digests/2026-02-09-weekly.md");
const SEED_TITLE: &str = "주간 기술블로그 하이라이트 - 하이브리드 클라우드와 팀 문화 리팩토링";
const WAIT: Duration = Duration::from_secs(5);
/// Monday 2026-02-09 10:00 KST: after this week's slot, so the next delivery is 2026-02-16 09:00 KST.
fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 9, 1, 0, 0).unwrap()
}

/// A digest of `n` short articles: enough of them spill over several Slack messages.
fn synthetic(date: &str, n: usize) -> String {
    let mut text = format!("---\ntitle: Synthetic {date}\ndate: {date}\n---\n\n");
    for i in 1..=n {
        text.push_str(&format!(
            "## {i}. Source{i} - \"Synthetic article {i}\"\n\n**링크:** https://example.com/{date}/{i}\n\nBody {i}.\n\n"
        ));
    }
    text
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The app under test and the fake it talks to.
struct App {
    /// `http://127.0.0.1:PORT` of the Slack endpoint.
    url: String,
    bot: Bot,
    fake: FakeSlack,
    client: reqwest::Client,
    /// Stops the app when dropped.
    _running: Running,
    _dir: TempDir,
}

async fn spawn_app() -> App {
    spawn_app_with(|_| {}).await
}

async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> App {
    spawn_app_limited(EndpointLimits::default(), configure).await
}

/// The credentials of a Slack app with both the bot token and the signing secret.
fn credentials() -> Credentials {
    let slack = slack::Credentials { token: Some(Secret::new(TOKEN)), signing_secret: Some(Secret::new(SECRET)) };
    Credentials { slack, ..Credentials::default() }
}

/// The app as `serve` builds it, with both Slack credentials, the endpoint on 127.0.0.1:0 and the
/// clock stopped at [`now`]; the slots are stepped by the tests.
async fn spawn_app_limited(limits: EndpointLimits, configure: impl FnOnce(&mut Config)) -> App {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "digestbot-it-slack-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let digests = dir.join("digests");
    std::fs::create_dir_all(&digests).unwrap();
    std::fs::write(digests.join("2026-02-09-weekly.md"), SEED).unwrap();
    // Three Slack messages: two follow-ups.
    std::fs::write(digests.join("2026-02-02.md"), synthetic("2026-02-02", 60)).unwrap();
    // Nine Slack messages: more than a response_url takes.
    std::fs::write(digests.join("2026-01-26.md"), synthetic("2026-01-26", 210)).unwrap();

    let fake = FakeSlack::start().await;
    let mut config = Config { digests_dir: digests, state_path: dir.join("state.db"), ..Config::default() };
    // The 210-article digest is over the default cap of 50 on purpose: it needs many messages.
    config.limits.max_articles = 250;
    config.slack.api_base = fake.api_base();
    config.slack.response_url_prefixes = vec![fake.response_url_prefix()];
    configure(&mut config);
    let clock = Arc::new(ManualClock::new(now()));
    let running =
        support::app::spawn_app(config, credentials(), clock, |app| app.stepped().with_endpoint_limits(limits)).await;
    App {
        url: running.url(),
        bot: running.bot.clone(),
        fake,
        client: reqwest::Client::new(),
        _running: running,
        _dir: TempDir(dir),
    }
}

/// `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`, computed here, not by the code under test.
pub(crate) fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("v0={hex}")
}

/// A slash-command form body, encoded as Slack does.
pub(crate) fn form(channel: &str, user: &str, text: &str, response_url: &str) -> Vec<u8> {
    let mut url = reqwest::Url::parse("http://form.invalid/").unwrap();
    url.query_pairs_mut().extend_pairs([
        ("token", "legacy-verification-token"),
        ("team_id", "T0001"),
        ("team_domain", "example"),
        ("channel_id", channel),
        ("channel_name", "general"),
        ("user_id", user),
        ("user_name", "someone"),
        ("command", "/digest"),
        ("text", text),
        ("api_app_id", "A0001"),
        ("response_url", response_url),
        ("trigger_id", "13345224609.738474920.8088930838d88f008e0"),
    ]);
    url.query().unwrap().as_bytes().to_vec()
}

/// What the endpoint answered.
#[derive(Debug)]
struct Answered {
    status: u16,
    body: Value,
    text: String,
}

impl App {
    /// A POST to `/slack/commands` signed with `secret` at `timestamp` (Unix seconds).
    fn signed_request(&self, secret: &str, timestamp: i64, body: Vec<u8>) -> reqwest::RequestBuilder {
        self.signed_post("/slack/commands", secret, timestamp, body)
    }

    /// A form POST to `path`, signed with `secret` at `timestamp` (Unix seconds) as Slack signs it.
    fn signed_post(&self, path: &str, secret: &str, timestamp: i64, body: Vec<u8>) -> reqwest::RequestBuilder {
        let timestamp = timestamp.to_string();
        let signature = signature(secret, &timestamp, &body);
        self.client
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-slack-request-timestamp", timestamp)
            .header("x-slack-signature", signature)
            .body(body)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answered {
        let response = tokio::time::timeout(WAIT, request.send()).await.expect("answered in time").unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        Answered { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), text }
    }

    /// Runs `/digest <text>` in a channel as a user, properly signed, now.
    async fn command_as(&self, channel: &str, user: &str, text: &str) -> Answered {
        let body = form(channel, user, text, &self.fake.response_url(&format!("{channel}-{user}")));
        self.send(self.signed_request(SECRET, now().timestamp(), body)).await
    }

    async fn command(&self, text: &str) -> Answered {
        self.command_as("C0001", "U0001", text).await
    }

    fn subscribed(&self, channel: &str) -> bool {
        self.bot.store.subscription(&Target::new(Platform::Slack, channel)).unwrap().is_some()
    }

    fn digest(&self, id: &str) -> Digest {
        self.bot.library.current().all().iter().find(|d| d.id() == id).cloned().unwrap()
    }

    /// A deliverer with the real Slack sinks against the fake, retrying in milliseconds.
    fn deliverer(&self, webhooks: Vec<(String, String)>) -> (Deliverer, watch::Sender<bool>) {
        self.deliverer_trying(webhooks, 2)
    }

    /// [`App::deliverer`], giving up on a part after `attempts` temporary failures: the app's own
    /// assembly of sinks, with `webhooks` (variable name, URL) configured and set.
    fn deliverer_trying(&self, webhooks: Vec<(String, String)>, attempts: u32) -> (Deliverer, watch::Sender<bool>) {
        let mut config = (*self.bot.config).clone();
        config.slack.webhooks = webhooks.iter().map(|(name, _)| WebhookRef::Env(name.clone())).collect();
        let mut credentials = credentials();
        credentials.webhooks = webhooks.into_iter().map(|(name, url)| (name, Secret::new(url))).collect();
        let (tx, rx) = watch::channel(false);
        let retry = RetryPolicy {
            // Every retry also waits for the channel's one-message-per-second window: keep them few.
            attempts,
            base: Duration::from_millis(1),
            max: Duration::from_millis(5),
            rate_limit_retries: 3,
        };
        let client = digestbot::http::client().unwrap();
        let (deliverer, _) =
            app::deliverer(&config, &credentials, &client, None, self.bot.store.clone(), self.bot.clock.clone(), rx);
        (deliverer.with_retry(retry), tx)
    }
}

fn header_text(body: &Value) -> &str {
    body["blocks"][0]["text"]["text"].as_str().unwrap_or_default()
}

fn assert_valid(body: &Value) {
    let problems = check_slack_message(body);
    assert!(problems.is_empty(), "{problems:?} in {body}");
    assert!(body["blocks"].as_array().is_some_and(|b| !b.is_empty()), "{body}");
}

// ---------------------------------------------------------------------------------------------
// The endpoint: signatures

#[tokio::test]
async fn a_signed_latest_is_answered_in_the_channel() {
    let app = spawn_app().await;
    let answer = app.command("latest").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["response_type"], "in_channel");
    assert_valid(&answer.body);
    assert_eq!(answer.body["blocks"][0]["type"], "header");
    assert_eq!(header_text(&answer.body), SEED_TITLE);
    assert_eq!(answer.body["text"], SEED_TITLE);
    // One message: nothing follows.
    assert!(!app.fake.wait_for(Duration::from_millis(100), |calls| !calls.is_empty()).await);
}

#[tokio::test]
async fn a_bad_signature_is_refused_and_nothing_is_done() {
    let app = spawn_app().await;
    let body = form("C0001", "U0001", "subscribe", &app.fake.response_url("x"));
    let answer = app.send(app.signed_request("not-the-secret", now().timestamp(), body)).await;
    assert_eq!(answer.status, 401);
    assert!(!app.subscribed("C0001"));

    // A signature over another body does not fit this one.
    let signed = form("C0001", "U0001", "status", &app.fake.response_url("x"));
    let sent = form("C0001", "U0001", "subscribe", &app.fake.response_url("x"));
    let ts = now().timestamp().to_string();
    let request = app
        .client
        .post(format!("{}/slack/commands", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", &ts)
        .header("x-slack-signature", signature(SECRET, &ts, &signed))
        .body(sent);
    assert_eq!(app.send(request).await.status, 401);
    assert!(!app.subscribed("C0001"));
    assert!(app.fake.calls().is_empty());
}

#[tokio::test]
async fn missing_signature_headers_are_refused() {
    let app = spawn_app().await;
    let body = form("C0001", "U0001", "subscribe", &app.fake.response_url("x"));
    let plain = app
        .client
        .post(format!("{}/slack/commands", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.clone());
    assert_eq!(app.send(plain).await.status, 401);
    let no_timestamp = app
        .client
        .post(format!("{}/slack/commands", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-signature", signature(SECRET, &now().timestamp().to_string(), &body))
        .body(body);
    assert_eq!(app.send(no_timestamp).await.status, 401);
    assert!(!app.subscribed("C0001"));
}

#[tokio::test]
async fn stale_and_future_timestamps_are_refused() {
    let app = spawn_app().await;
    let body = || form("C0001", "U0001", "subscribe", &app.fake.response_url("x"));
    let six_minutes = 6 * 60;
    let stale = app.send(app.signed_request(SECRET, now().timestamp() - six_minutes, body())).await;
    assert_eq!(stale.status, 401);
    let future = app.send(app.signed_request(SECRET, now().timestamp() + six_minutes, body())).await;
    assert_eq!(future.status, 401);
    assert!(!app.subscribed("C0001"));
    // Within the window, the same request is accepted.
    let recent = app.send(app.signed_request(SECRET, now().timestamp() - 4 * 60, body())).await;
    assert_eq!(recent.status, 200);
    assert!(app.subscribed("C0001"));
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let app = spawn_app().await;
    let mut body = form("C0001", "U0001", "subscribe", &app.fake.response_url("x"));
    body.extend(b"&padding=");
    body.resize(65 * 1024, b'a');
    let answer = app.send(app.signed_request(SECRET, now().timestamp(), body)).await;
    assert_eq!(answer.status, 401);
    assert!(!app.subscribed("C0001"));
}

#[tokio::test]
async fn a_signed_body_that_is_not_a_slash_command_form_is_a_bad_request() {
    let app = spawn_app().await;
    let json = br#"{"channel_id": "C0001", "text": "subscribe"}"#.to_vec();
    let ts = now().timestamp().to_string();
    let request = app
        .client
        .post(format!("{}/slack/commands", app.url))
        .header("content-type", "application/json")
        .header("x-slack-request-timestamp", &ts)
        .header("x-slack-signature", signature(SECRET, &ts, &json))
        .body(json);
    assert_eq!(app.send(request).await.status, 400);
    // A form without a channel.
    let no_channel = b"user_id=U0001&command=%2Fdigest&text=subscribe".to_vec();
    assert_eq!(app.send(app.signed_request(SECRET, now().timestamp(), no_channel)).await.status, 400);
    assert!(!app.subscribed("C0001"));
}

#[tokio::test]
async fn healthz_answers() {
    let app = spawn_app().await;
    let response = app.client.get(format!("{}/healthz", app.url)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["status"], "ok");
}

// ---------------------------------------------------------------------------------------------
// The endpoint: commands

#[tokio::test]
async fn keyword_finds_the_woowahan_article() {
    let app = spawn_app().await;
    let answer = app.command("keyword ADR").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["response_type"], "in_channel");
    assert_valid(&answer.body);
    assert!(answer.text.contains("우아한형제들"), "{}", answer.text);
    assert!(answer.text.contains("techblog.woowahan.com/24820"), "{}", answer.text);
    assert!(!answer.text.contains("Synthetic article"));
    // Slack sends `&` as `&amp;`: the query is what the user typed, escaped once in the answer.
    let escaped = app.command("keyword C++ &amp; Rust").await;
    assert!(escaped.text.contains("`C++ &amp; Rust`"), "{}", escaped.text);
    assert!(!escaped.text.contains("&amp;amp;"), "{}", escaped.text);
}

#[tokio::test]
async fn issue_shows_that_digest() {
    let app = spawn_app().await;
    let answer = app.command("issue 2026-02-09").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["response_type"], "in_channel");
    assert_valid(&answer.body);
    assert_eq!(header_text(&answer.body), SEED_TITLE);
    let none = app.command("issue 2026-02-05").await;
    assert_eq!(none.status, 200);
    assert!(none.text.contains("/digest issue 2026-02-09"), "the nearest issues are offered: {}", none.text);
}

#[tokio::test]
async fn list_shows_every_published_issue() {
    let app = spawn_app().await;
    let answer = app.command("list").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["response_type"], "in_channel");
    assert_valid(&answer.body);
    for id in ["2026-02-09", "2026-02-02", "2026-01-26"] {
        assert!(answer.text.contains(id), "{id} in {}", answer.text);
    }
}

#[tokio::test]
async fn help_is_private() {
    let app = spawn_app().await;
    let answer = app.command("help").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["response_type"], "ephemeral");
    assert_valid(&answer.body);
    assert!(answer.text.contains("/digest keyword"), "{}", answer.text);
    let unknown = app.command("dance").await;
    assert_eq!(unknown.body["response_type"], "ephemeral");
    // The command's name is a code element of the rich text, not a mrkdwn code span.
    let dance = json!({"type": "text", "text": "dance", "style": {"code": true}});
    assert!(unknown.body["blocks"].to_string().contains(&dance.to_string()), "{}", unknown.text);
    assert_valid(&unknown.body);
}

#[tokio::test]
async fn only_admins_subscribe_when_admins_are_set() {
    let app = spawn_app_with(|c| c.slack.admins = vec!["UADMIN1".into()]).await;
    let refused = app.command_as("C0001", "UOTHER1", "subscribe").await;
    assert_eq!(refused.status, 200);
    assert_eq!(refused.body["response_type"], "ephemeral");
    assert!(refused.text.contains("등록되어 있지 않습니다"), "{}", refused.text);
    assert!(!app.subscribed("C0001"));
    let refused = app.command_as("C0001", "UOTHER1", "unsubscribe").await;
    assert!(refused.text.contains("등록되어 있지 않습니다"), "{}", refused.text);

    let accepted = app.command_as("C0001", "UADMIN1", "subscribe").await;
    assert_eq!(accepted.body["response_type"], "ephemeral");
    assert!(accepted.text.contains("이 채널을 구독했습니다. 다음 발송: 2026-02-16 09:00 KST"), "{}", accepted.text);
    assert!(app.subscribed("C0001"));
}

#[tokio::test]
async fn subscribe_status_unsubscribe() {
    let app = spawn_app().await;
    let subscribed = app.command("subscribe").await;
    assert_eq!(subscribed.status, 200);
    assert_eq!(subscribed.body["response_type"], "ephemeral");
    assert!(subscribed.text.contains("2026-02-16 09:00 KST"), "{}", subscribed.text);
    assert!(app.subscribed("C0001"));
    // Another channel is not affected.
    assert!(!app.subscribed("C0002"));

    let status = app.command("status").await;
    assert_eq!(status.body["response_type"], "ephemeral");
    assert_valid(&status.body);
    assert!(status.text.contains("*이 채널*\\n구독 중"), "{}", status.text);
    assert!(status.text.contains("*다음 발송*\\n2026-02-16 09:00 KST"), "{}", status.text);

    let unsubscribed = app.command("unsubscribe").await;
    assert_eq!(unsubscribed.body["response_type"], "ephemeral");
    assert!(unsubscribed.text.contains("구독을 해지했습니다"), "{}", unsubscribed.text);
    assert!(!app.subscribed("C0001"));
}

#[tokio::test]
async fn subscribe_threads_issue_sets_the_channel_setting_and_status_shows_it() {
    let app = spawn_app_with(|c| c.slack.threads = ThreadMode::Article).await;
    let target = Target::new(Platform::Slack, "C0001");
    let subscribed = app.command("subscribe threads:issue").await;
    assert_eq!(subscribed.status, 200);
    assert_eq!(subscribed.body["response_type"], "ephemeral");
    assert_valid(&subscribed.body);
    assert!(subscribed.text.contains("이 채널을 구독했습니다. 다음 발송: 2026-02-16 09:00 KST"), "{}", subscribed.text);
    assert!(
        subscribed.text.contains("스레드: issue (이 채널의 설정) — 다이제스트를 메시지 몇 개에 묶어 올립니다. 매 호의 첫 메시지 스레드에 댓글을 달아 이야기해 주세요."),
        "{}",
        subscribed.text
    );
    assert_eq!(app.bot.store.thread_mode(&target).unwrap(), Some(ThreadMode::Issue));

    // A plain subscribe keeps it; status shows it, and the default of another channel.
    assert!(app.command("구독").await.text.contains("스레드: issue (이 채널의 설정)"));
    assert_eq!(app.bot.store.thread_mode(&target).unwrap(), Some(ThreadMode::Issue));
    let status = app.command("status").await;
    assert_valid(&status.body);
    assert!(status.text.contains("*스레드*\\nissue (이 채널의 설정)"), "{}", status.text);
    let other = app.command_as("C0002", "U0001", "subscribe").await;
    assert!(other.text.contains("스레드: article (설정 파일의 기본값)"), "{}", other.text);

    // The other typed forms, and a value that is not one.
    assert!(app.command("subscribe threads article").await.text.contains("스레드 설정을 article로 바꿨습니다"));
    assert_eq!(app.bot.store.thread_mode(&target).unwrap(), Some(ThreadMode::Article));
    assert!(app.command("구독 off").await.text.contains("스레드 설정을 off로 바꿨습니다"));
    assert_eq!(app.bot.store.thread_mode(&target).unwrap(), Some(ThreadMode::Off));
    let refused = app.command("subscribe threads:forum").await;
    assert_eq!((refused.status, &refused.body["response_type"]), (200, &json!("ephemeral")));
    assert_eq!(
        refused.body["text"],
        "forum은(는) threads 설정이 아닙니다. off, issue, article 중 하나를 입력해 주세요. 예: /digest subscribe threads:article"
    );
    assert_eq!(app.bot.store.thread_mode(&target).unwrap(), Some(ThreadMode::Off));
    assert!(!app.subscribed("C0003"));
    let typo = app.command_as("C0003", "U0001", "subscribe thread:issue").await;
    assert!(
        typo.body["text"].as_str().unwrap().starts_with("thread:issue은(는) threads 설정이 아닙니다."),
        "{}",
        typo.text
    );
    assert!(!app.subscribed("C0003"), "a mistake subscribes nothing");
}

// ---------------------------------------------------------------------------------------------
// The endpoint: long replies through the response_url

fn texts(calls: &[Call]) -> Vec<String> {
    calls.iter().map(|c| c.body["text"].as_str().unwrap_or_default().to_string()).collect()
}

#[tokio::test]
async fn a_long_reply_continues_at_the_response_url_in_order() {
    let app = spawn_app().await;
    let started = Instant::now();
    let answer = app.command_as("C0001", "U0001", "issue 2026-02-02").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["response_type"], "in_channel");
    assert_valid(&answer.body);
    assert_eq!(answer.body["text"], "Synthetic 2026-02-02 (1/3)");

    let name = "C0001-U0001";
    assert!(app.fake.wait_followups(name, 2, WAIT).await);
    // The follow-ups start as soon as the response has gone out, not after the 3 s fallback.
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    let followups = app.fake.followups(name);
    assert_eq!(texts(&followups), ["Synthetic 2026-02-02 (2/3)", "Synthetic 2026-02-02 (3/3)"]);
    for call in &followups {
        assert_eq!(call.body["response_type"], "in_channel");
        assert_eq!(call.body["replace_original"], false);
        assert!(call.body.get("channel").is_none());
        assert_eq!(call.header("content-type"), Some("application/json"));
        assert_valid(&call.body);
    }
    // Every article is there once, in order, across the three messages.
    let all = format!("{}{}", answer.text, followups.iter().map(|c| c.body.to_string()).collect::<String>());
    let positions: Vec<usize> = (1..=60)
        .map(|i| all.find(&format!("Synthetic article {i}\",\"type\":\"link\"")).expect("article shown"))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
    // Nothing went to the Web API.
    assert!(app.fake.calls_to(Route::PostMessage).is_empty());
}

#[tokio::test]
async fn a_reply_too_long_for_five_follow_ups_ends_with_a_note() {
    let app = spawn_app().await;
    let answer = app.command_as("C0009", "U0009", "issue 2026-01-26").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["text"], "Synthetic 2026-01-26 (1/9)");
    let name = "C0009-U0009";
    assert!(app.fake.wait_followups(name, 5, WAIT).await);
    // The task is done after its fifth post: no sixth comes.
    assert!(!app.fake.wait_followups(name, 6, Duration::from_millis(300)).await);
    let followups = app.fake.followups(name);
    let texts = texts(&followups);
    assert_eq!(texts[..4], ["(2/9)", "(3/9)", "(4/9)", "(5/9)"].map(|p| format!("Synthetic 2026-01-26 {p}")));
    assert!(texts[4].contains("나머지 메시지 4개는 생략했습니다"), "{}", texts[4]);
    for call in &followups {
        assert_valid(&call.body);
        assert_eq!(call.body["response_type"], "in_channel");
    }
}

#[tokio::test]
async fn a_failed_follow_up_is_retried_and_the_url_never_logged() {
    let logs = Logs::default();
    let _guard = logs.install_at(tracing::Level::DEBUG);
    let app = spawn_app().await;
    // The first follow-up fails once (500) and is retried; the second is refused (used up), which
    // ends the reply.
    app.fake.inject(
        Route::ResponseUrl,
        vec![Answer::server_error(), Answer::text(200, "ok"), Answer::text(404, "used_url")],
    );
    let answer = app.command_as("C0001", "U0001", "issue 2026-02-02").await;
    assert_eq!(answer.status, 200);
    let name = "C0001-U0001";
    assert!(app.fake.wait_followups(name, 3, WAIT).await);
    let statuses: Vec<u16> = app.fake.followups(name).iter().map(|c| c.status).collect();
    assert_eq!(statuses, [500, 200, 404]);
    let sent = app.fake.followups(name);
    assert_eq!(
        texts(&sent),
        ["Synthetic 2026-02-02 (2/3)", "Synthetic 2026-02-02 (2/3)", "Synthetic 2026-02-02 (3/3)"]
    );
    // The refusal is logged (once the task has the fake's answer), never the URL.
    assert!(logs.wait_for("follow-up refused", WAIT).await);
    let text = logs.text();
    assert!(text.contains("follow-up refused") && text.contains("used_url"), "{text}");
    assert!(text.contains("retrying"), "{text}");
    assert!(!text.contains(&app.fake.response_url(name)) && !text.contains("/commands/T0000"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Delivery through the sinks

#[tokio::test]
async fn delivers_the_digest_to_a_channel_once() {
    let app = spawn_app().await;
    let (deliverer, _stop) = app.deliverer(Vec::new());
    let target = Target::new(Platform::Slack, "C0DELIVER");
    let digest = app.digest("2026-02-09");
    let report = deliverer.deliver(&digest, std::slice::from_ref(&target), &DeliverOptions::default()).await;
    assert_eq!(report.outcomes, [(target.clone(), TargetOutcome::Delivered { parts: 1 })]);
    let posted = app.fake.posted();
    assert_eq!(posted.len(), 1);
    let call = &posted[0];
    assert_eq!(call.header("authorization"), Some("Bearer xoxb-test"));
    assert_eq!(call.header("content-type"), Some("application/json"));
    assert_eq!(call.body["channel"], "C0DELIVER");
    assert_valid(&call.body);
    assert_eq!(header_text(&call.body), SEED_TITLE);
    // The ledger has it, with Slack's ts as the message id, and the channel and ts it landed at.
    let ts = app.fake.messages("C0DELIVER")[0]["ts"].as_str().unwrap().to_string();
    assert_eq!(app.bot.store.sent_parts(&target, "2026-02-09").unwrap(), [(0, Some(ts.clone()))]);
    let posted_at = &app.bot.store.posted(&target, "2026-02-09").unwrap()[0].1;
    assert_eq!((posted_at.channel.as_deref(), posted_at.ts.as_deref()), (Some("C0DELIVER"), Some(ts.as_str())));
    // The part carries its delivery key, and no secret.
    let metadata = &call.body["metadata"];
    assert_eq!(metadata["event_type"], "digestbot_part");
    assert_eq!(metadata["event_payload"]["digest"], "2026-02-09");
    assert_eq!(metadata["event_payload"]["part"], 0);
    assert!(metadata["event_payload"]["key"].as_str().is_some_and(|k| k.len() >= 16));
    assert!(!metadata.to_string().contains(TOKEN));

    // A second delivery of the same digest posts nothing.
    let again = deliverer.deliver(&digest, std::slice::from_ref(&target), &DeliverOptions::default()).await;
    assert_eq!(again.outcomes[0].1, TargetOutcome::AlreadyDelivered);
    assert_eq!(app.fake.calls_to(Route::PostMessage).len(), 1);
}

#[tokio::test]
async fn a_multi_part_digest_is_posted_in_order() {
    let app = spawn_app().await;
    let (deliverer, _stop) = app.deliverer(Vec::new());
    let target = Target::new(Platform::Slack, "C0PARTS");
    let report = deliverer.deliver(&app.digest("2026-02-02"), &[target], &DeliverOptions::default()).await;
    assert_eq!(report.outcomes[0].1, TargetOutcome::Delivered { parts: 3 });
    let posted = app.fake.posted();
    assert_eq!(texts(&posted), ["(1/3)", "(2/3)", "(3/3)"].map(|p| format!("Synthetic 2026-02-02 {p}")));
}

#[tokio::test]
async fn a_missing_channel_fails_the_subscription_and_status_says_so() {
    let app = spawn_app().await;
    assert_eq!(app.command_as("C0GONE", "U0001", "subscribe").await.status, 200);
    app.fake.inject(Route::PostMessage, vec![Answer::api_error("channel_not_found")]);
    let (deliverer, _stop) = app.deliverer(Vec::new());
    let target = Target::new(Platform::Slack, "C0GONE");
    let report =
        deliverer.deliver(&app.digest("2026-02-09"), std::slice::from_ref(&target), &DeliverOptions::default()).await;
    assert_eq!(report.outcomes[0].1, TargetOutcome::Gone("channel_not_found".into()));
    assert_eq!(app.fake.calls_to(Route::PostMessage).len(), 1, "not retried");
    assert!(app.bot.store.subscription(&target).unwrap().unwrap().failed_at.is_some());
    let status = app.command_as("C0GONE", "U0001", "status").await;
    assert!(status.text.contains("channel_not_found"), "{}", status.text);
}

#[tokio::test]
async fn a_rate_limit_waits_for_retry_after_then_succeeds() {
    let app = spawn_app().await;
    app.fake.inject(Route::PostMessage, vec![Answer::rate_limited(1)]);
    let (deliverer, _stop) = app.deliverer(Vec::new());
    let started = Instant::now();
    let report = deliverer
        .deliver(&app.digest("2026-02-09"), &[Target::new(Platform::Slack, "C0LIMIT")], &DeliverOptions::default())
        .await;
    assert_eq!(report.outcomes[0].1, TargetOutcome::Delivered { parts: 1 });
    let calls = app.fake.calls_to(Route::PostMessage);
    assert_eq!(calls.iter().map(|c| c.status).collect::<Vec<_>>(), [429, 200]);
    assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_server_error_is_retried() {
    let app = spawn_app().await;
    app.fake.inject(Route::PostMessage, vec![Answer::server_error()]);
    let (deliverer, _stop) = app.deliverer(Vec::new());
    let report = deliverer
        .deliver(&app.digest("2026-02-09"), &[Target::new(Platform::Slack, "C0RETRY")], &DeliverOptions::default())
        .await;
    assert_eq!(report.outcomes[0].1, TargetOutcome::Delivered { parts: 1 });
    let statuses: Vec<u16> = app.fake.calls_to(Route::PostMessage).iter().map(|c| c.status).collect();
    assert_eq!(statuses, [500, 200]);
}

#[tokio::test]
async fn a_refused_token_stops_slack_and_is_never_shown() {
    let logs = Logs::default();
    let _guard = logs.install_at(tracing::Level::DEBUG);
    let app = spawn_app().await;
    app.fake.inject(Route::PostMessage, vec![Answer::api_error("invalid_auth")]);
    let (deliverer, _stop) = app.deliverer(Vec::new());
    let deliverer = deliverer.with_concurrency(1);
    let targets = [Target::new(Platform::Slack, "C0AUTH1"), Target::new(Platform::Slack, "C0AUTH2")];
    let report = deliverer.deliver(&app.digest("2026-02-09"), &targets, &DeliverOptions::default()).await;
    assert_eq!(report.outcomes[0].1, TargetOutcome::Unauthorized("invalid_auth".into()));
    assert!(matches!(report.outcomes[1].1, TargetOutcome::Unauthorized(_)));
    assert_eq!(report.unauthorized(), [(Platform::Slack, "invalid_auth".to_string())]);
    assert_eq!(app.fake.calls_to(Route::PostMessage).len(), 1, "the second channel is not tried");
    let text = logs.text();
    assert!(text.contains("invalid_auth"), "{text}");
    assert!(!text.contains(TOKEN) && !format!("{report:?}").contains(TOKEN), "{text}");
    let failure = app.bot.store.last_failure(&targets[0]).unwrap().unwrap();
    assert!(!failure.message.contains(TOKEN));
}

#[tokio::test]
async fn an_unreachable_api_is_transient_and_the_token_is_not_shown() {
    let logs = Logs::default();
    let _guard = logs.install_at(tracing::Level::DEBUG);
    // Nothing listens on a port that was just free.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = spawn_app_with(|c| c.slack.api_base = format!("http://127.0.0.1:{port}/api")).await;
    let (deliverer, _stop) = app.deliverer(Vec::new());
    let target = Target::new(Platform::Slack, "C0DOWN");
    let report =
        deliverer.deliver(&app.digest("2026-02-09"), std::slice::from_ref(&target), &DeliverOptions::default()).await;
    let TargetOutcome::Failed(message) = &report.outcomes[0].1 else { panic!("{report:?}") };
    // The post failed, then the look for it (was it accepted before the failure?) failed too.
    assert!(message.starts_with("conversations.history: "), "{message}");
    assert!(logs.text().contains("chat.postMessage: "), "{}", logs.text());
    assert!(!message.contains(TOKEN));
    assert!(!logs.text().contains(TOKEN));
    assert!(report.has_retryable());
}

#[tokio::test]
async fn webhooks_deliver_and_a_removed_one_is_gone() {
    let logs = Logs::default();
    let _guard = logs.install_at(tracing::Level::DEBUG);
    let app = spawn_app().await;
    let good = app.fake.webhook_url("good-hook-secret");
    let removed = app.fake.webhook_url("removed-hook-secret");
    let (deliverer, _stop) =
        app.deliverer(vec![("HOOK_GOOD".into(), good.clone()), ("HOOK_REMOVED".into(), removed.clone())]);
    let digest = app.digest("2026-02-09");
    let good_target = Target::new(Platform::SlackWebhook, "env:HOOK_GOOD");
    let report = deliverer.deliver(&digest, std::slice::from_ref(&good_target), &DeliverOptions::default()).await;
    assert_eq!(report.outcomes[0].1, TargetOutcome::Delivered { parts: 1 });
    let calls = app.fake.webhook_calls("good-hook-secret");
    assert_eq!(calls.len(), 1);
    assert_valid(&calls[0].body);
    assert!(calls[0].body.get("channel").is_none());
    assert!(calls[0].header("authorization").is_none());
    assert_eq!(header_text(&calls[0].body), SEED_TITLE);
    assert!(app.bot.store.delivered(&good_target, "2026-02-09").unwrap());

    app.fake.inject(Route::Webhook, vec![Answer::text(404, "no_service")]);
    let removed_target = Target::new(Platform::SlackWebhook, "env:HOOK_REMOVED");
    let report = deliverer.deliver(&digest, std::slice::from_ref(&removed_target), &DeliverOptions::default()).await;
    assert_eq!(report.outcomes[0].1, TargetOutcome::Gone("no_service (HTTP 404)".into()));
    assert_eq!(app.fake.webhook_calls("removed-hook-secret").len(), 1, "not retried");
    let failure = app.bot.store.last_failure(&removed_target).unwrap().unwrap();
    assert_eq!(failure.message, "no_service (HTTP 404)");

    // Neither the logs nor the outcomes ever show a webhook URL.
    let text = logs.text();
    assert!(text.contains("env:HOOK_REMOVED"), "{text}");
    for secret in ["good-hook-secret", "removed-hook-secret", "/services/"] {
        assert!(!text.contains(secret), "{secret} in {text}");
        assert!(!format!("{report:?}").contains(secret));
    }
}

#[tokio::test]
async fn an_unreachable_webhook_is_transient_and_its_url_is_not_shown() {
    let logs = Logs::default();
    let _guard = logs.install_at(tracing::Level::DEBUG);
    let app = spawn_app().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/services/T0/B0/unreachable-hook-secret");
    let (deliverer, _stop) = app.deliverer(vec![("HOOK_DOWN".into(), url)]);
    let target = Target::new(Platform::SlackWebhook, "env:HOOK_DOWN");
    let report =
        deliverer.deliver(&app.digest("2026-02-09"), std::slice::from_ref(&target), &DeliverOptions::default()).await;
    let TargetOutcome::Failed(message) = &report.outcomes[0].1 else { panic!("{report:?}") };
    assert!(message.starts_with("webhook env:HOOK_DOWN: "), "{message}");
    let text = logs.text();
    assert!(text.contains("temporary failure"), "{text}");
    // The host is no secret (hyper logs it at debug level); the path is the webhook's credential.
    for shown in [message.as_str(), text.as_str()] {
        assert!(!shown.contains("unreachable-hook-secret") && !shown.contains("/services/"), "{shown}");
    }
    assert!(!message.contains(&port.to_string()), "{message}");
}

// ---------------------------------------------------------------------------------------------
// The endpoint: hostile clients

/// Short timeouts so that the tests below take a fraction of a second each.
fn short_limits() -> EndpointLimits {
    EndpointLimits {
        head_timeout: Duration::from_millis(300),
        body_timeout: Duration::from_millis(300),
        request_timeout: Duration::from_secs(1),
        ..EndpointLimits::default()
    }
}

/// Connects to the endpoint with a raw socket.
async fn raw(app: &App) -> tokio::net::TcpStream {
    tokio::net::TcpStream::connect(app.url.trim_start_matches("http://")).await.unwrap()
}

/// Reads until the server closes the connection; what it sent, and how long that took. Panics if the
/// connection is still open after `within`.
async fn read_until_closed(stream: &mut tokio::net::TcpStream, within: Duration) -> (String, Duration) {
    use tokio::io::AsyncReadExt as _;
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(tokio::time::Instant::from_std(started + within), stream.read(&mut buffer)).await
        {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => panic!("the server kept the connection open for {within:?}"),
        }
    }
    (String::from_utf8_lossy(&received).into_owned(), started.elapsed())
}

#[tokio::test]
async fn a_half_sent_head_is_closed_after_the_head_timeout() {
    use tokio::io::AsyncWriteExt as _;
    let app = spawn_app_limited(short_limits(), |_| {}).await;
    let mut loris = raw(&app).await;
    loris.write_all(b"POST /slack/commands HTTP/1.1\r\nHost: digest.example\r\nX-Slack-Sig").await.unwrap();
    let (sent, took) = read_until_closed(&mut loris, Duration::from_secs(3)).await;
    assert!(took >= Duration::from_millis(250), "closed before the timeout: {took:?}");
    assert!(!sent.contains("200 OK"), "{sent}");
    // A connection that sends nothing at all is closed the same way.
    let mut silent = raw(&app).await;
    read_until_closed(&mut silent, Duration::from_secs(3)).await;
    // Meanwhile the endpoint answers as usual.
    assert_eq!(app.command("help").await.status, 200);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let app = spawn_app_limited(short_limits(), |_| {}).await;
    let mut stream = raw(&app).await;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: digest.example\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    // The whole answer: its head, and as much body as its Content-Length says.
    let whole = |answer: &[u8]| {
        let text = String::from_utf8_lossy(answer);
        let Some((head, body)) = text.split_once("\r\n\r\n") else { return false };
        let length = head.lines().find_map(|l| l.strip_prefix("content-length: ")?.parse::<usize>().ok());
        length.is_some_and(|length| body.len() >= length)
    };
    while !whole(&answer) {
        let mut buffer = [0u8; 1024];
        let n = tokio::time::timeout(WAIT, stream.read(&mut buffer)).await.unwrap().unwrap();
        assert!(n > 0, "closed before answering");
        answer.extend_from_slice(&buffer[..n]);
    }
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    assert!(String::from_utf8_lossy(&answer).contains("\"status\":\"ok\""));
    // Kept alive for a next request, but not forever.
    let (more, took) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(more.is_empty(), "{more}");
    assert!(took >= Duration::from_millis(250), "{took:?}");
}

/// The head of a signed `/digest subscribe` whose body is announced in full but sent in part.
fn signed_head(body: &[u8]) -> Vec<u8> {
    let timestamp = now().timestamp().to_string();
    format!(
        "POST /slack/commands HTTP/1.1\r\nHost: digest.example\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         X-Slack-Request-Timestamp: {timestamp}\r\nX-Slack-Signature: {}\r\nContent-Length: {}\r\n\r\n",
        signature(SECRET, &timestamp, body),
        body.len()
    )
    .into_bytes()
}

#[tokio::test]
async fn a_body_that_never_arrives_is_cut_off() {
    use tokio::io::AsyncWriteExt as _;
    let app = spawn_app_limited(short_limits(), |_| {}).await;
    let body = form("C0001", "U0001", "subscribe", &app.fake.response_url("x"));
    let mut stream = raw(&app).await;
    stream.write_all(&signed_head(&body)).await.unwrap();
    stream.write_all(&body[..10]).await.unwrap();
    let (answer, took) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took < Duration::from_millis(900), "the pause limit, not the request limit, cut it: {took:?}");
    assert!(!app.subscribed("C0001"));
}

#[tokio::test]
async fn a_trickled_body_is_cut_off() {
    use tokio::io::AsyncWriteExt as _;
    let app = spawn_app_limited(short_limits(), |_| {}).await;
    let body = form("C0001", "U0001", "subscribe", &app.fake.response_url("x"));
    let stream = raw(&app).await;
    let (mut read, mut write) = stream.into_split();
    write.write_all(&signed_head(&body)).await.unwrap();
    // One byte every 50 ms: never a pause long enough for the body timeout, and far too slow.
    let trickle = tokio::spawn(async move {
        for byte in body {
            if write.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let started = Instant::now();
    let mut answer = Vec::new();
    let closed =
        tokio::time::timeout(Duration::from_secs(3), tokio::io::AsyncReadExt::read_to_end(&mut read, &mut answer));
    let _ = closed.await.expect("the server kept the connection open");
    trickle.abort();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert!(!app.subscribed("C0001"));
}

#[tokio::test]
async fn a_response_url_off_the_allow_list_gets_nothing() {
    let logs = Logs::default();
    let _guard = logs.install_at(tracing::Level::DEBUG);
    let evil = FakeSlack::start().await;
    let app = spawn_app_with(|_| {}).await;
    let base = app.fake.base_url();
    let port = base.rsplit(':').next().unwrap().to_string();
    let cases = [
        // Another host (the other fake's port), and a host that only looks like the allowed one.
        evil.response_url("other-host-secret"),
        format!("http://127.0.0.1.evil.localhost:{port}/commands/T0000/lookalike-secret"),
        // Credentials in the URL, on the allowed host and port.
        format!("http://user:pw-secret@127.0.0.1:{port}/commands/T0000/userinfo-secret"),
        format!("http://127.0.0.1:{port}@127.0.0.1:{port}/commands/T0000/at-secret"),
        format!("http://127.0.0.1:{port}@{}", evil.response_url("at-evil-secret").trim_start_matches("http://")),
        "not a url at all".to_string(),
    ];
    for (i, url) in cases.iter().enumerate() {
        let body = form("C0001", "U0001", "issue 2026-02-02", url);
        let answer = app.send(app.signed_request(SECRET, now().timestamp(), body)).await;
        // The first message still comes back in the response.
        assert_eq!(answer.status, 200, "{url}");
        assert_eq!(answer.body["text"], "Synthetic 2026-02-02 (1/3)", "{url}");
        let refusals = logs.text().matches("response_url refused").count();
        assert_eq!(refusals, i + 1, "{url}: {}", logs.text());
    }
    assert!(!app.fake.wait_for(Duration::from_millis(300), |calls| !calls.is_empty()).await);
    assert!(evil.calls().is_empty(), "{:?}", evil.calls());
    let text = logs.text();
    assert!(text.contains("host=\"127.0.0.1.evil.localhost\""), "{text}");
    assert!(text.contains("host=\"127.0.0.1\""), "{text}");
    assert!(!text.contains("-secret") && !text.contains("/commands/"), "only hosts are logged: {text}");
}

#[tokio::test]
async fn a_redirect_from_an_allowed_response_url_is_not_followed() {
    let logs = Logs::default();
    let _guard = logs.install_at(tracing::Level::DEBUG);
    let evil = FakeSlack::start().await;
    let app = spawn_app().await;
    for status in [307, 302] {
        let redirect = Answer {
            status,
            body: String::new(),
            headers: vec![("location".into(), evil.response_url("redirected-secret"))],
        };
        app.fake.inject(Route::ResponseUrl, vec![redirect]);
    }
    for name in ["C0001-U0001", "C0002-U0002"] {
        let (channel, user) = name.split_once('-').unwrap();
        let answer = app.command_as(channel, user, "issue 2026-02-02").await;
        assert_eq!(answer.status, 200);
        assert!(app.fake.wait_followups(name, 1, WAIT).await);
    }
    let deadline = Instant::now() + WAIT;
    while logs.text().matches("follow-up refused").count() < 2 {
        assert!(Instant::now() < deadline, "{}", logs.text());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Each reply stops at the redirect: the rest is not sent, and nothing reaches the other host.
    assert!(!app.fake.wait_followups("C0001-U0001", 2, Duration::from_millis(300)).await);
    assert_eq!(app.fake.followups("C0002-U0002").len(), 1);
    assert!(evil.calls().is_empty(), "{:?}", evil.calls());
    let text = logs.text();
    assert!(text.contains("HTTP 307") && text.contains("HTTP 302"), "{text}");
    assert!(!text.contains("redirected-secret"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Exactly once: a part whose answer was lost is looked for before it is posted again

/// The history calls' arguments (a GET's query, as the fake records it).
fn history_args(app: &App) -> Vec<Value> {
    app.fake.calls_to(Route::History).into_iter().map(|c| c.body).collect()
}

#[tokio::test]
async fn an_accepted_post_whose_answer_is_dropped_ends_with_exactly_one_message() {
    let app = spawn_app().await;
    app.fake.lose(Route::PostMessage, 1, Lost::Close);
    let (deliverer, _stop) = app.deliverer(Vec::new());
    let target = Target::new(Platform::Slack, "C0LOST");
    let report =
        deliverer.deliver(&app.digest("2026-02-09"), std::slice::from_ref(&target), &DeliverOptions::default()).await;
    assert_eq!(report.outcomes[0].1, TargetOutcome::Delivered { parts: 1 });
    let messages = app.fake.bot_messages("C0LOST");
    assert_eq!(messages.len(), 1, "the part must be in the channel once: {messages:?}");
    // One post (its answer lost), then a look that found it; no second post.
    assert_eq!(app.fake.calls_to(Route::PostMessage).len(), 1);
    let args = history_args(&app);
    assert_eq!(args.len(), 1);
    assert_eq!(args[0]["channel"], "C0LOST");
    assert_eq!(args[0]["inclusive"], "true");
    assert_eq!(args[0]["include_all_metadata"], "true");
    assert_eq!(args[0]["limit"], "200");
    // From ten minutes before the part was first written pending (the app's clock).
    assert_eq!(args[0]["oldest"], format!("{}.000000", now().timestamp() - 600));
    // The adopted message's ts is the part's.
    let ts = messages[0]["ts"].as_str().unwrap();
    assert_eq!(app.bot.store.sent_parts(&target, "2026-02-09").unwrap(), [(0, Some(ts.to_string()))]);
    assert!(app.bot.store.delivered(&target, "2026-02-09").unwrap());
}

#[tokio::test]
async fn only_the_part_whose_answer_was_lost_is_looked_for() {
    // Three parts; the first's answer is lost to a reset: it is looked for and found, the others are
    // posted without looking.
    let app = spawn_app().await;
    let (deliverer, _stop) = app.deliverer(Vec::new());
    app.fake.lose(Route::PostMessage, 1, Lost::Close);
    let target = Target::new(Platform::Slack, "C0FIRST");
    let report =
        deliverer.deliver(&app.digest("2026-02-02"), std::slice::from_ref(&target), &DeliverOptions::default()).await;
    assert_eq!(report.outcomes[0].1, TargetOutcome::Delivered { parts: 3 });
    assert_eq!(app.fake.bot_messages("C0FIRST").len(), 3);
    assert_eq!(texts(&app.fake.posted()), ["(1/3)", "(2/3)", "(3/3)"].map(|p| format!("Synthetic 2026-02-02 {p}")));
    assert_eq!(history_args(&app).len(), 1);
    let keys: Vec<Value> =
        app.fake.bot_messages("C0FIRST").iter().map(|m| m["metadata"]["event_payload"]["key"].clone()).collect();
    assert!(keys[0] != keys[1] && keys[1] != keys[2], "{keys:?}");
}

#[tokio::test]
async fn a_rate_limited_history_call_waits_for_retry_after_then_succeeds() {
    let app = spawn_app().await;
    app.fake.lose(Route::PostMessage, 1, Lost::Close);
    app.fake.inject(Route::History, vec![Answer::rate_limited(1)]);
    let (deliverer, _stop) = app.deliverer(Vec::new());
    let started = Instant::now();
    let report = deliverer
        .deliver(&app.digest("2026-02-09"), &[Target::new(Platform::Slack, "C0HLIMIT")], &DeliverOptions::default())
        .await;
    assert_eq!(report.outcomes[0].1, TargetOutcome::Delivered { parts: 1 });
    let statuses: Vec<u16> = app.fake.calls_to(Route::History).iter().map(|c| c.status).collect();
    assert_eq!(statuses, [429, 200]);
    assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());
    assert_eq!(app.fake.bot_messages("C0HLIMIT").len(), 1);
    assert_eq!(app.fake.calls_to(Route::PostMessage).len(), 1, "found, not posted again");
}

/// Posts the digest's part to `target`, loses Slack's answer and gives up after one failed look at
/// the history: the part is in the channel, and pending in the ledger.
async fn leave_pending(app: &App, target: &Target, digest: &Digest) {
    app.fake.lose(Route::PostMessage, 1, Lost::Close);
    app.fake.inject(Route::History, vec![Answer::server_error()]);
    let (giving_up, _stop) = app.deliverer_trying(Vec::new(), 1);
    let report = giving_up.deliver(digest, std::slice::from_ref(target), &DeliverOptions::default()).await;
    assert!(matches!(report.outcomes[0].1, TargetOutcome::Failed(_)), "{report:?}");
    assert_eq!(app.bot.store.pending_parts(target, &digest.id()).unwrap(), [0]);
}

#[tokio::test]
async fn a_busy_channel_is_searched_past_the_first_page() {
    let app = spawn_app().await;
    let target = Target::new(Platform::Slack, "C0BUSY");
    let digest = app.digest("2026-02-09");
    // The first run posts, loses the answer and gives up: the part stays pending.
    leave_pending(&app, &target, &digest).await;
    // Then the channel gets busy: 450 messages after the part.
    app.fake.chatter("C0BUSY", 450);
    let (deliverer, _stop) = app.deliverer(Vec::new());
    let report = deliverer.deliver(&digest, std::slice::from_ref(&target), &DeliverOptions::default()).await;
    assert_eq!(report.outcomes[0].1, TargetOutcome::Delivered { parts: 1 });
    assert_eq!(app.fake.bot_messages("C0BUSY").len(), 1);
    assert_eq!(app.fake.calls_to(Route::PostMessage).len(), 1);
    // Page 1 and 2 hold 400 other messages; the part is on page 3, reached by the cursor.
    let args: Vec<Value> = history_args(&app).into_iter().filter(|a| a["channel"] == "C0BUSY").collect();
    let ok_pages = app.fake.calls_to(Route::History).iter().filter(|c| c.status == 200).count();
    assert_eq!(ok_pages, 3, "{args:?}");
    assert!(args.last().unwrap()["cursor"].as_str().is_some_and(|c| !c.is_empty()));
}

#[tokio::test]
async fn a_missing_history_scope_warns_once_and_still_delivers() {
    let logs = Logs::default();
    let _guard = logs.install_at(tracing::Level::DEBUG);
    let app = spawn_app().await;
    app.fake.set_scopes(Some("chat:write,commands,channels:history"));
    app.fake.lose(Route::PostMessage, 1, Lost::Close);
    let (deliverer, _stop) = app.deliverer(Vec::new());
    let targets = [Target::new(Platform::Slack, "C0SCOPE1"), Target::new(Platform::Slack, "C0SCOPE2")];
    let report = deliverer.deliver(&app.digest("2026-02-02"), &targets, &DeliverOptions::default()).await;
    assert_eq!(report.count(|o| *o == TargetOutcome::Delivered { parts: 3 }), 2, "{report:?}");
    let text = logs.text();
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains("lacks groups:history")).collect();
    assert_eq!(warnings.len(), 1, "{text}");
    assert!(warnings[0].contains("may double a post"), "{text}");
    assert!(!text.contains(TOKEN));
    // Today's behaviour: no look at the history, the lost part is posted again.
    assert!(app.fake.calls_to(Route::History).is_empty());
    assert_eq!(app.fake.calls_to(Route::AuthTest).len(), 1, "auth.test is asked once");
    let both = app.fake.bot_messages("C0SCOPE1").len() + app.fake.bot_messages("C0SCOPE2").len();
    assert_eq!(both, 7, "six parts, one of them twice");
}

#[tokio::test]
async fn another_bots_message_with_the_same_key_is_not_adopted() {
    let app = spawn_app().await;
    let target = Target::new(Platform::Slack, "C0FORGE");
    let digest = app.digest("2026-02-09");
    // A first run posts the part, loses the answer and gives up: the part stays pending.
    app.fake.lose(Route::PostMessage, 1, Lost::Close);
    app.fake.inject(Route::History, vec![Answer::server_error()]);
    let (giving_up, _stop) = app.deliverer_trying(Vec::new(), 1);
    giving_up.deliver(&digest, std::slice::from_ref(&target), &DeliverOptions::default()).await;
    let real = app.fake.bot_messages("C0FORGE");
    assert_eq!(real.len(), 1);
    // The accepted post did not happen after all (say it was deleted); a stranger copies its key.
    let key = real[0]["metadata"].clone();
    app.fake.remove_messages("C0FORGE");
    app.fake.add_message("C0FORGE", serde_json::json!({"type": "message", "bot_id": "B0OTHER", "metadata": key}));
    let (deliverer, _stop) = app.deliverer(Vec::new());
    let report = deliverer.deliver(&digest, std::slice::from_ref(&target), &DeliverOptions::default()).await;
    assert_eq!(report.outcomes[0].1, TargetOutcome::Delivered { parts: 1 });
    assert_eq!(app.fake.bot_messages("C0FORGE").len(), 1, "posted by this bot, not adopted from another");
}

#[tokio::test]
async fn stalled_bodies_at_the_connection_cap_do_not_lock_out_a_command() {
    use tokio::io::AsyncWriteExt as _;
    // The default 10 s timeouts: only the cap can make room within the test.
    let limits = EndpointLimits { max_connections: 8, ..EndpointLimits::default() };
    let app = spawn_app_limited(limits, |_| {}).await;
    let body = form("C0009", "U0001", "subscribe", &app.fake.response_url("x"));
    let mut stalled = Vec::new();
    for _ in 0..8 {
        let mut stream = raw(&app).await;
        stream.write_all(&signed_head(&body)).await.unwrap();
        stream.write_all(&body[..2]).await.unwrap();
        stalled.push(stream);
    }
    // Chunked bodies that never finish are the same attack.
    for _ in 0..4 {
        let mut stream = raw(&app).await;
        stream
            .write_all(b"POST /slack/commands HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")
            .await
            .unwrap();
        stalled.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let answered = app.command("help").await;
    assert_eq!(answered.status, 200, "{}", answered.text);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert!(!app.subscribed("C0009"), "a stalled body was never a command");
}

#[tokio::test]
async fn a_body_announced_too_large_is_refused_before_it_arrives() {
    use tokio::io::AsyncWriteExt as _;
    let app = spawn_app().await;
    let mut stream = raw(&app).await;
    stream
        .write_all(b"POST /slack/commands HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\nab")
        .await
        .unwrap();
    let started = Instant::now();
    let mut answer = vec![0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(2), tokio::io::AsyncReadExt::read(&mut stream, &mut answer))
        .await
        .expect("answered without waiting for the body")
        .unwrap();
    assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 401"), "{:?}", &answer[..n]);
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn a_malformed_channel_id_is_never_subscribed() {
    let app = spawn_app().await;
    for channel in ["C\n\u{1b}X", "c0001", "C0001; DROP", "C"] {
        let answered = app.command_as(channel, "U0001", "subscribe").await;
        assert_eq!(answered.status, 400, "{channel:?}: {}", answered.text);
        assert!(!app.subscribed(channel), "{channel:?}");
    }
    assert_eq!(app.command_as("C0001", "U0001", "subscribe").await.status, 200);
}

#[tokio::test]
async fn a_part_that_history_shows_late_is_found_on_the_second_look() {
    let app = spawn_app().await;
    app.fake.lose(Route::PostMessage, 1, Lost::Close);
    // Slack accepted the post but its history does not show it yet at the first look.
    let lagging = json!({"ok": true, "messages": [], "has_more": false}).to_string();
    let json_type = vec![("content-type".to_string(), "application/json".to_string())];
    app.fake.inject(Route::History, vec![Answer { status: 200, body: lagging, headers: json_type }]);
    let (deliverer, _stop) = app.deliverer(Vec::new());
    let started = Instant::now();
    let report = deliverer
        .deliver(&app.digest("2026-02-09"), &[Target::new(Platform::Slack, "C0LAG")], &DeliverOptions::default())
        .await;
    assert_eq!(report.outcomes[0].1, TargetOutcome::Delivered { parts: 1 });
    assert_eq!(app.fake.bot_messages("C0LAG").len(), 1, "posted once, found on the second look");
    assert_eq!(app.fake.calls_to(Route::PostMessage).len(), 1);
    assert_eq!(app.fake.calls_to(Route::History).len(), 2);
    assert!(started.elapsed() >= slack::api::HISTORY_SETTLE, "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_rate_limit_past_the_first_page_resumes_the_scan_where_it_was() {
    let app = spawn_app().await;
    let target = Target::new(Platform::Slack, "C0RESUME");
    let digest = app.digest("2026-02-09");
    leave_pending(&app, &target, &digest).await;
    app.fake.chatter("C0RESUME", 450);
    // Page 1 as the fake would give it (the newest 200, not the part), then a rate limit on page 2.
    let first =
        json!({"ok": true, "messages": [], "has_more": true, "response_metadata": {"next_cursor": "bmV4dF9200"}});
    let json_type = vec![("content-type".to_string(), "application/json".to_string())];
    app.fake.inject(
        Route::History,
        vec![Answer { status: 200, body: first.to_string(), headers: json_type }, Answer::rate_limited(1)],
    );
    let (deliverer, _stop) = app.deliverer(Vec::new());
    let report = deliverer.deliver(&digest, std::slice::from_ref(&target), &DeliverOptions::default()).await;
    assert_eq!(report.outcomes[0].1, TargetOutcome::Delivered { parts: 1 });
    assert_eq!(app.fake.bot_messages("C0RESUME").len(), 1);
    let args: Vec<Value> = history_args(&app).into_iter().filter(|a| a["channel"] == "C0RESUME").collect();
    let cursors: Vec<Option<&str>> = args.iter().map(|a| a["cursor"].as_str()).collect();
    // The failed first run's look, then page 1, page 2 (limited), page 2 again, page 3.
    assert_eq!(cursors[1..4], [None, Some("bmV4dF9200"), Some("bmV4dF9200")], "{cursors:?}");
}

// ---------------------------------------------------------------------------------------------
// The endpoint: interactions (button clicks on the Interactivity Request URL)

use crate::support::fake_slack::{BlockActionsSpec, ButtonAction, block_actions_payload, interaction_form};

/// A click's trigger id: like its `response_url`, it lets the holder act as the app, so never logged.
const TRIGGER_ID: &str = "7777777.trigger-id-never-logged";

/// A `block_actions` payload: `U0CLICK` clicks `action_id` in C0001; a URL button when `url` is set.
fn click(app: &App, action_id: &str, url: Option<&str>) -> Value {
    block_actions_payload(&BlockActionsSpec {
        user_id: "U0CLICK".into(),
        channel: "C0001".into(),
        message: json!({"type": "message", "ts": "1770598800.000100", "text": SEED_TITLE}),
        actions: vec![ButtonAction {
            action_id: action_id.into(),
            block_id: "article-1".into(),
            text: "Read the original".into(),
            value: None,
            url: url.map(str::to_string),
        }],
        response_url: app.fake.response_url("click"),
        trigger_id: TRIGGER_ID.into(),
    })
}

impl App {
    /// A POST to `/slack/interactions` signed with `secret` at `timestamp` (Unix seconds).
    fn interaction_request(&self, secret: &str, timestamp: i64, body: Vec<u8>) -> reqwest::RequestBuilder {
        self.signed_post("/slack/interactions", secret, timestamp, body)
    }

    /// `payload` as Slack sends it, properly signed, now.
    async fn interact(&self, payload: &Value) -> Answered {
        self.send(self.interaction_request(SECRET, now().timestamp(), interaction_form(payload))).await
    }

    /// Nothing reached the fake Slack: no follow-up, no post.
    async fn assert_nothing_posted(&self) {
        assert!(
            !self.fake.wait_for(Duration::from_millis(100), |calls| !calls.is_empty()).await,
            "{:?}",
            self.fake.calls()
        );
    }
}

/// No credential of a click in the logs.
fn assert_no_click_credentials(app: &App, logs: &Logs) {
    let text = logs.text();
    assert!(!text.contains(TRIGGER_ID), "{text}");
    assert!(!text.contains(&app.fake.response_url("click")), "{text}");
    assert!(!text.contains("response_url"), "{text}");
}

#[tokio::test]
async fn a_link_button_click_is_acknowledged_at_once_and_nothing_else_is_done() {
    let logs = Logs::default();
    let _guard = logs.install_at(tracing::Level::DEBUG);
    let app = spawn_app().await;
    let started = Instant::now();
    let answer = app.interact(&click(&app, "read-original-1", Some("https://techblog.woowahan.com/24820/"))).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.text, "", "an acknowledgement has an empty body");
    assert!(started.elapsed() < Duration::from_millis(500), "Slack waits 3 s at most: {:?}", started.elapsed());
    assert!(logs.wait_for("link button clicked", WAIT).await, "{}", logs.text());
    let line = logs.text().lines().find(|l| l.contains("link button clicked")).unwrap().to_string();
    assert!(line.contains("DEBUG") && line.contains("read-original-1") && line.contains("U0CLICK"), "{line}");
    app.assert_nothing_posted().await;
    assert_no_click_credentials(&app, &logs);
}

#[tokio::test]
async fn a_button_without_a_url_is_acknowledged_and_logged_as_unhandled() {
    let logs = Logs::default();
    let _guard = logs.install_at(tracing::Level::DEBUG);
    let app = spawn_app().await;
    let answer = app.interact(&click(&app, "vote-up", None)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.text, "");
    let line = logs.text().lines().find(|l| l.contains("button without a handler")).map(str::to_string);
    let line = line.unwrap_or_else(|| panic!("{}", logs.text()));
    assert!(line.contains(" INFO ") && line.contains("vote-up"), "{line}");
    app.assert_nothing_posted().await;
    assert_no_click_credentials(&app, &logs);
}

#[tokio::test]
async fn interactions_are_verified_as_commands_are() {
    let logs = Logs::default();
    let _guard = logs.install_at(tracing::Level::DEBUG);
    let app = spawn_app().await;
    let body = || interaction_form(&click(&app, "read-original-1", Some("https://example.com/1")));
    let bad = app.send(app.interaction_request("not-the-secret", now().timestamp(), body())).await;
    assert_eq!(bad.status, 401);
    let six_minutes = 6 * 60;
    let old = app.send(app.interaction_request(SECRET, now().timestamp() - six_minutes, body())).await;
    assert_eq!(old.status, 401);
    let future = app.send(app.interaction_request(SECRET, now().timestamp() + six_minutes, body())).await;
    assert_eq!(future.status, 401);
    let unsigned = app
        .client
        .post(format!("{}/slack/interactions", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body());
    assert_eq!(app.send(unsigned).await.status, 401);
    for refused in [&bad, &old, &future] {
        assert!(!refused.text.contains(TRIGGER_ID) && !refused.text.contains("actions"), "{}", refused.text);
    }
    // Within the window, the same click is acknowledged.
    let recent = app.send(app.interaction_request(SECRET, now().timestamp() - 4 * 60, body())).await;
    assert_eq!(recent.status, 200);
    app.assert_nothing_posted().await;
    assert_no_click_credentials(&app, &logs);
}

#[tokio::test]
async fn a_signed_body_without_a_usable_payload_is_a_bad_request_that_echoes_nothing() {
    let logs = Logs::default();
    let _guard = logs.install_at(tracing::Level::DEBUG);
    let app = spawn_app().await;
    let secretish = format!(r#"{{"type": 5, "trigger_id": "{TRIGGER_ID}"}}"#);
    let mut url = reqwest::Url::parse("http://form.invalid/").unwrap();
    url.query_pairs_mut().append_pair("payload", &secretish);
    let not_an_interaction = url.query().unwrap().as_bytes().to_vec();
    for body in [b"".to_vec(), b"token=x&team_id=T0001".to_vec(), b"payload=not-json".to_vec(), not_an_interaction] {
        let answer = app.send(app.interaction_request(SECRET, now().timestamp(), body.clone())).await;
        assert_eq!(answer.status, 400, "{:?}: {}", String::from_utf8_lossy(&body), answer.text);
        assert!(answer.text.len() < 40 && !answer.text.contains(TRIGGER_ID), "{}", answer.text);
    }
    // The click as JSON, not as a form.
    let json = click(&app, "read-original-1", Some("https://example.com/1")).to_string().into_bytes();
    let ts = now().timestamp().to_string();
    let request = app
        .client
        .post(format!("{}/slack/interactions", app.url))
        .header("content-type", "application/json")
        .header("x-slack-request-timestamp", &ts)
        .header("x-slack-signature", signature(SECRET, &ts, &json))
        .body(json);
    assert_eq!(app.send(request).await.status, 400);
    app.assert_nothing_posted().await;
    assert_no_click_credentials(&app, &logs);
}

#[tokio::test]
async fn other_interaction_types_are_acknowledged() {
    let logs = Logs::default();
    let _guard = logs.install_at(tracing::Level::DEBUG);
    let app = spawn_app().await;
    for kind in ["view_submission", "shortcut", "message_action", "something_slack_adds_later"] {
        let mut payload = click(&app, "read-original-1", None);
        payload["type"] = json!(kind);
        let answer = app.interact(&payload).await;
        assert_eq!((answer.status, answer.text.as_str()), (200, ""), "{kind}");
        assert!(logs.wait_for(kind, WAIT).await, "{kind} logged at debug: {}", logs.text());
    }
    assert!(!logs.text().contains("button without a handler"), "{}", logs.text());
    app.assert_nothing_posted().await;
    assert_no_click_credentials(&app, &logs);
}

#[tokio::test]
async fn an_oversized_interaction_is_refused_as_a_command_is() {
    let app = spawn_app().await;
    let mut body = interaction_form(&click(&app, "read-original-1", Some("https://example.com/1")));
    body.extend(b"&padding=");
    body.resize(70 * 1024, b'a');
    let interaction = app.send(app.interaction_request(SECRET, now().timestamp(), body.clone())).await;
    let command = app.send(app.signed_request(SECRET, now().timestamp(), body)).await;
    assert_eq!(interaction.status, command.status);
    assert_eq!(interaction.status, 401, "{}", interaction.text);
    app.assert_nothing_posted().await;
}
