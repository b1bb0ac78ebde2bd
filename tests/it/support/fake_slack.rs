//! A fake Slack on loopback for integration tests: the Web API's `auth.test`, `chat.postMessage` and
//! `conversations.history`, incoming webhooks (`POST /services/...`) and `response_url`s
//! (`POST /commands/...`), served by axum through hyper on `127.0.0.1:0`.
//!
//! Every request is recorded with its headers (Authorization included), its body (or its query, for
//! a GET) and the status it got. `auth.test` answers the bot's ids with an `x-oauth-scopes` header
//! ([`FakeSlack::set_scopes`]). `chat.postMessage` stores the message in its channel (with its
//! `metadata`) and answers `{ok: true, channel, ts, message}`, `ts` being the fake's clock in
//! seconds and microseconds, increasing. `conversations.history` answers as Slack does: newest
//! first, `oldest`/`latest` exclusive unless `inclusive`, `limit` (default 100, at most 999) and
//! `cursor` paging with `has_more` and `response_metadata.next_cursor`, `metadata` only with
//! `include_all_metadata`, and `missing_scope` when the scopes lack `channels:history`. Webhooks and
//! response URLs answer `ok`. `chat.update` edits a message in place (`text`, and `blocks` and
//! `metadata` when given, else kept; `edited` set), `chat.delete` removes one; both answer
//! `message_not_found` for an unknown `ts` and `cant_update_message` / `cant_delete_message` for a
//! message the bot did not post. A post with `thread_ts` is a reply in that message's thread
//! ([`FakeSlack::thread_replies`]), not in the channel's history (unless `reply_broadcast`); the
//! parent gets `thread_ts`, `reply_count` and `latest_reply`. `chat.postMessage` documents no error for
//! an unknown `thread_ts`, so the fake accepts it too, as a reply to a parent it does not have.
//! [`block_actions_payload`] builds the interaction Slack sends when a button is clicked, and
//! [`interaction_form`] its `payload=` form body. Failures are injected per route ([`FakeSlack::inject`]): Slack's
//! `{ok: false, error}`, a 429 with `Retry-After`, a 5xx, or any status and text; and
//! [`FakeSlack::lose`] accepts a request (a post is stored) but never answers it: the connection is
//! closed, or the answer hangs. Tests wait for requests with [`FakeSlack::wait_for`], woken by a
//! `Notify` on every request, never by sleeping. Dropping the fake stops it.

// Each test module uses a different part of this module.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::AbortHandle;

/// The kinds of endpoint the fake serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /api/auth.test`.
    AuthTest,
    /// `POST /api/chat.postMessage`.
    PostMessage,
    /// `POST /api/chat.update`.
    Update,
    /// `POST /api/chat.delete`.
    Delete,
    /// `GET` or `POST /api/conversations.history`.
    History,
    /// `POST /services/...`, an incoming webhook.
    Webhook,
    /// `POST /commands/...`, a slash command's `response_url`.
    ResponseUrl,
}

/// One request as the fake received it.
#[derive(Clone, Debug)]
pub struct Call {
    pub route: Route,
    /// The path without the query (`/services/T0/B0/abc`).
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON; `Value::Null` when it is not JSON.
    pub body: Value,
    /// The status answered.
    pub status: u16,
    /// Whether an injected answer was given instead of the fake's own.
    pub injected: bool,
    /// Whether the request was handled but its answer never sent ([`FakeSlack::lose`]).
    pub lost: bool,
}

impl Call {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A canned answer replacing the fake's own for one request.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Answer {
    /// Slack's Web API failure: HTTP 200 with `{ok: false, error}`.
    pub fn api_error(code: &str) -> Answer {
        Answer { status: 200, body: json!({"ok": false, "error": code}).to_string(), headers: json_type() }
    }

    /// A 429 with `Retry-After` in seconds and `{ok: false, error: "ratelimited"}`.
    pub fn rate_limited(retry_after_secs: u64) -> Answer {
        let mut headers = json_type();
        headers.push(("retry-after".into(), retry_after_secs.to_string()));
        Answer { status: 429, body: json!({"ok": false, "error": "ratelimited"}).to_string(), headers }
    }

    /// A 500 with an empty body.
    pub fn server_error() -> Answer {
        Answer::text(500, "")
    }

    /// Any status with a text body, as webhooks answer (`404 no_service`).
    pub fn text(status: u16, body: &str) -> Answer {
        Answer { status, body: body.to_string(), headers: Vec::new() }
    }
}

fn json_type() -> Vec<(String, String)> {
    vec![("content-type".into(), "application/json".into())]
}

/// How an answer is lost ([`FakeSlack::lose`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lost {
    /// The connection is closed without an answer, as a reset would.
    Close,
    /// The answer never comes: the client times out, or is killed while it waits.
    Hang,
}

/// The bot's identity, as `auth.test` names it and its messages carry.
pub const BOT_ID: &str = "B0DIGEST";
pub const BOT_USER: &str = "U0DIGEST";
pub const APP_ID: &str = "A0DIGEST";
/// The scopes of a fully set-up app.
pub const ALL_SCOPES: &str = "chat:write,commands,incoming-webhook,channels:history,groups:history";

struct FakeState {
    calls: Vec<Call>,
    /// Answers to use before the fake's own, per route.
    injected: HashMap<Route, VecDeque<Answer>>,
    /// Requests whose answer is lost, per route, in order.
    lost: HashMap<Route, VecDeque<Lost>>,
    /// Only posts to this channel are lost (any channel when `None`).
    lose_in: Option<String>,
    /// Messages per channel, oldest first.
    channels: HashMap<String, Vec<Value>>,
    /// Thread replies per `(channel, parent ts)`, oldest first.
    replies: HashMap<(String, String), Vec<Value>>,
    /// Accepted `chat.update`s per `(channel, ts)`.
    updates: HashMap<(String, String), usize>,
    /// `(channel, ts)` of the messages removed by `chat.delete`, in order.
    deleted: Vec<(String, String)>,
    /// The `x-oauth-scopes` header of `auth.test`; `None` sends none.
    scopes: Option<String>,
    /// The fake's clock: `base` (Unix microseconds) at `since`.
    base: u64,
    since: std::time::Instant,
    last_ts: u64,
}

impl Default for FakeState {
    fn default() -> Self {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970");
        FakeState {
            calls: Vec::new(),
            injected: HashMap::new(),
            lost: HashMap::new(),
            lose_in: None,
            channels: HashMap::new(),
            replies: HashMap::new(),
            updates: HashMap::new(),
            deleted: Vec::new(),
            scopes: Some(ALL_SCOPES.to_string()),
            base: now.as_micros() as u64,
            since: std::time::Instant::now(),
            last_ts: 0,
        }
    }
}

impl FakeState {
    /// A fresh `ts`: the clock's microseconds, strictly increasing.
    fn next_ts(&mut self) -> String {
        let now = self.base + self.since.elapsed().as_micros() as u64;
        self.last_ts = now.max(self.last_ts + 1);
        format!("{}.{:06}", self.last_ts / 1_000_000, self.last_ts % 1_000_000)
    }
}

struct Shared {
    base_url: String,
    state: Mutex<FakeState>,
    /// Signalled on every recorded request.
    changed: Notify,
}

/// Closes the connection its request came on (see [`Lost::Close`]).
#[derive(Clone)]
struct Kill(Arc<Notify>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The running fake.
pub struct FakeSlack {
    shared: Arc<Shared>,
    task: AbortHandle,
}

impl Drop for FakeSlack {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeSlack {
    /// Binds 127.0.0.1 on an ephemeral port and starts serving.
    pub async fn start() -> FakeSlack {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the fake Slack");
        let addr = listener.local_addr().expect("fake Slack address");
        let shared = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            state: Mutex::new(FakeState::default()),
            changed: Notify::new(),
        });
        let app = Router::new().fallback(handle).with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let kill = Arc::new(Notify::new());
                let app = app.clone();
                let switch = Kill(Arc::clone(&kill));
                let service = tower::service_fn(move |mut request: axum::http::Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(switch.clone());
                    tower::ServiceExt::oneshot(app.clone(), request.map(axum::body::Body::new))
                });
                tokio::spawn(async move {
                    let connection = hyper::server::conn::http1::Builder::new().serve_connection(
                        hyper_util::rt::TokioIo::new(stream),
                        hyper_util::service::TowerToHyperService::new(service),
                    );
                    // Dropping the connection closes the socket, with no answer to the request.
                    tokio::select! {
                        _ = connection => {}
                        _ = kill.notified() => {}
                    }
                });
            }
        });
        FakeSlack { shared, task: task.abort_handle() }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The value for `slack.response_url_prefixes`: `http://127.0.0.1:PORT/`, which takes in every
    /// URL of the fake.
    pub fn response_url_prefix(&self) -> String {
        format!("{}/", self.shared.base_url)
    }

    /// The value for `slack.api_base`: `http://127.0.0.1:PORT/api`.
    pub fn api_base(&self) -> String {
        format!("{}/api", self.shared.base_url)
    }

    /// An incoming-webhook URL; `name` tells webhooks apart.
    pub fn webhook_url(&self, name: &str) -> String {
        format!("{}/services/T0000/B0000/{name}", self.shared.base_url)
    }

    /// A `response_url`; `name` tells commands apart.
    pub fn response_url(&self, name: &str) -> String {
        format!("{}/commands/T0000/{name}", self.shared.base_url)
    }

    /// Answers the next requests to `route` with `answers`, in order, then goes back to succeeding.
    pub fn inject(&self, route: Route, answers: Vec<Answer>) {
        self.shared.lock().injected.entry(route).or_default().extend(answers);
    }

    /// Accepts the next `n` requests to `route` (a post is stored) and loses their answers.
    pub fn lose(&self, route: Route, n: usize, how: Lost) {
        self.shared.lock().lost.entry(route).or_default().extend(std::iter::repeat_n(how, n));
    }

    /// Loses answers only for posts to `channel` (see [`FakeSlack::lose`]).
    pub fn lose_only_in(&self, channel: &str) {
        self.shared.lock().lose_in = Some(channel.to_string());
    }

    /// The `x-oauth-scopes` header `auth.test` sends (comma-separated); `None` sends no header.
    /// History calls answer `missing_scope` unless the scopes include `channels:history`.
    pub fn set_scopes(&self, scopes: Option<&str>) {
        self.shared.lock().scopes = scopes.map(str::to_string);
    }

    /// Sets the fake's clock (the `ts` of the next messages) to `at`, running on from there.
    pub fn set_clock(&self, at: chrono::DateTime<chrono::Utc>) {
        let mut state = self.shared.lock();
        state.base = at.timestamp_micros() as u64;
        state.since = std::time::Instant::now();
    }

    /// Adds `n` messages from someone else to `channel`, at the fake's clock, as a busy channel has.
    pub fn chatter(&self, channel: &str, n: usize) {
        let mut state = self.shared.lock();
        for i in 0..n {
            let ts = state.next_ts();
            let message = json!({"type": "message", "user": "U0OTHER", "text": format!("chatter {i}"), "ts": ts});
            state.channels.entry(channel.to_string()).or_default().push(message);
        }
    }

    /// Adds one message (its `ts` set from the fake's clock) to `channel`.
    pub fn add_message(&self, channel: &str, mut message: Value) {
        let mut state = self.shared.lock();
        message["ts"] = Value::String(state.next_ts());
        state.channels.entry(channel.to_string()).or_default().push(message);
    }

    /// Deletes every message of `channel`.
    pub fn remove_messages(&self, channel: &str) {
        self.shared.lock().channels.remove(channel);
    }

    /// The messages in a channel, oldest first, with their metadata.
    pub fn messages(&self, channel: &str) -> Vec<Value> {
        self.shared.lock().channels.get(channel).cloned().unwrap_or_default()
    }

    /// The messages in a channel posted by the bot, oldest first.
    pub fn bot_messages(&self, channel: &str) -> Vec<Value> {
        self.messages(channel).into_iter().filter(|m| m["bot_id"] == BOT_ID).collect()
    }

    /// The replies in the thread of the message `ts` of `channel`, oldest first.
    pub fn thread_replies(&self, channel: &str, ts: &str) -> Vec<Value> {
        self.shared.lock().replies.get(&(channel.to_string(), ts.to_string())).cloned().unwrap_or_default()
    }

    /// How many `chat.update`s of the message `ts` of `channel` were accepted.
    pub fn update_count(&self, channel: &str, ts: &str) -> usize {
        self.shared.lock().updates.get(&(channel.to_string(), ts.to_string())).copied().unwrap_or(0)
    }

    /// The `ts` of the messages of `channel` removed by `chat.delete`, in order.
    pub fn deleted(&self, channel: &str) -> Vec<String> {
        self.shared.lock().deleted.iter().filter(|(c, _)| c == channel).map(|(_, ts)| ts.clone()).collect()
    }

    /// Adds a message from someone else (user `U0OTHER`) to `channel` and returns its `ts`.
    pub fn add_user_message(&self, channel: &str, text: &str) -> String {
        let mut state = self.shared.lock();
        let ts = state.next_ts();
        let message = json!({"type": "message", "user": "U0OTHER", "text": text, "ts": ts});
        state.channels.entry(channel.to_string()).or_default().push(message);
        ts
    }

    /// Every request so far, in order of arrival.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    /// The requests to one route.
    pub fn calls_to(&self, route: Route) -> Vec<Call> {
        self.shared.lock().calls.iter().filter(|c| c.route == route).cloned().collect()
    }

    /// The `chat.postMessage` requests that were accepted (answered or not), in order.
    pub fn posted(&self) -> Vec<Call> {
        self.calls_to(Route::PostMessage).into_iter().filter(|c| !c.injected && c.status == 200).collect()
    }

    /// The bodies posted to one webhook (`name` as in [`FakeSlack::webhook_url`]), answered or not.
    pub fn webhook_calls(&self, name: &str) -> Vec<Call> {
        let suffix = format!("/{name}");
        self.calls_to(Route::Webhook).into_iter().filter(|c| c.path.ends_with(&suffix)).collect()
    }

    /// The follow-ups posted to one `response_url` (`name` as in [`FakeSlack::response_url`]).
    pub fn followups(&self, name: &str) -> Vec<Call> {
        let suffix = format!("/{name}");
        self.calls_to(Route::ResponseUrl).into_iter().filter(|c| c.path.ends_with(&suffix)).collect()
    }

    /// Waits until at least `n` follow-ups were posted to one `response_url`; false on timeout.
    pub async fn wait_followups(&self, name: &str, n: usize, timeout: Duration) -> bool {
        let suffix = format!("/{name}");
        self.wait_for(timeout, |calls| {
            calls.iter().filter(|c| c.route == Route::ResponseUrl && c.path.ends_with(&suffix)).count() >= n
        })
        .await
    }

    /// Waits until `predicate` holds over the recorded requests; false on timeout. The predicate
    /// runs under the fake's lock: it must look at the slice it is given, not call back into the fake.
    pub async fn wait_for(&self, timeout: Duration, predicate: impl Fn(&[Call]) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if predicate(&self.shared.lock().calls) {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return predicate(&self.shared.lock().calls);
            }
        }
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    kill: Option<axum::Extension<Kill>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let route = match (method.as_str(), path.as_str()) {
        ("POST", "/api/auth.test") => Route::AuthTest,
        ("POST", "/api/chat.postMessage") => Route::PostMessage,
        ("POST", "/api/chat.update") => Route::Update,
        ("POST", "/api/chat.delete") => Route::Delete,
        ("GET" | "POST", "/api/conversations.history") => Route::History,
        ("POST", p) if p.starts_with("/services/") => Route::Webhook,
        ("POST", p) if p.starts_with("/commands/") => Route::ResponseUrl,
        _ => return (StatusCode::NOT_FOUND, "no such route in the fake Slack").into_response(),
    };
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let form = |text: &str| -> Value {
        let pairs = text.split('&').filter(|p| !p.is_empty()).map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), Value::String(decode(v)))
        });
        Value::Object(pairs.collect())
    };
    let body: Value = match (route, method.as_str()) {
        (Route::History, "GET") => form(uri.query().unwrap_or("")),
        _ => serde_json::from_slice(&body).unwrap_or_else(|_| {
            if matches!(route, Route::History | Route::Update | Route::Delete) {
                form(&String::from_utf8_lossy(&body))
            } else {
                Value::Null
            }
        }),
    };
    let (answer, lost) = {
        let mut state = shared.lock();
        let injected = state.injected.get_mut(&route).and_then(VecDeque::pop_front);
        let was_injected = injected.is_some();
        let channel_matches =
            state.lose_in.as_deref().is_none_or(|c| body.get("channel").and_then(Value::as_str) == Some(c));
        let lost = if was_injected || !channel_matches {
            None
        } else {
            state.lost.get_mut(&route).and_then(VecDeque::pop_front)
        };
        let answer = injected.unwrap_or_else(|| own_answer(&mut state, route, &body));
        state.calls.push(Call {
            route,
            path,
            headers,
            body,
            status: answer.status,
            injected: was_injected,
            lost: lost.is_some(),
        });
        (answer, lost)
    };
    shared.changed.notify_waiters();
    match lost {
        Some(Lost::Close) => {
            if let Some(axum::Extension(Kill(kill))) = kill {
                kill.notify_one();
            }
            std::future::pending::<()>().await;
        }
        Some(Lost::Hang) => std::future::pending::<()>().await,
        None => {}
    }
    let mut response = (StatusCode::from_u16(answer.status).expect("a valid status"), answer.body).into_response();
    for (name, value) in answer.headers {
        response.headers_mut().insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            value.parse().expect("header value"),
        );
    }
    response
}

/// Percent-decoding of a form value (`+` is a space).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(high), Some(low)) => {
                        out.push((high * 16 + low) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A Slack timestamp as microseconds, for comparing.
fn micros(ts: &str) -> Option<u64> {
    let (secs, frac) = ts.split_once('.').unwrap_or((ts, "0"));
    let frac = format!("{frac:0<6}");
    Some(secs.parse::<u64>().ok()? * 1_000_000 + frac.get(..6)?.parse::<u64>().ok()?)
}

fn ok(body: Value) -> Answer {
    Answer { status: 200, body: body.to_string(), headers: json_type() }
}

fn own_answer(state: &mut FakeState, route: Route, body: &Value) -> Answer {
    match route {
        Route::AuthTest => {
            let mut answer = ok(json!({
                "ok": true, "url": "https://fake.slack.com/", "team": "Fake", "user": "digestbot",
                "team_id": "T0000", "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": false,
            }));
            if let Some(scopes) = &state.scopes {
                answer.headers.push(("x-oauth-scopes".into(), scopes.clone()));
            }
            answer
        }
        Route::PostMessage => {
            let Some(channel) = body.get("channel").and_then(Value::as_str) else {
                return Answer::api_error("channel_not_found");
            };
            let ts = state.next_ts();
            let mut message = json!({
                "type": "message", "user": BOT_USER, "bot_id": BOT_ID, "app_id": APP_ID, "ts": ts,
                "text": body.get("text").cloned().unwrap_or_default(),
            });
            if let Some(blocks) = body.get("blocks") {
                message["blocks"] = blocks.clone();
            }
            if let Some(metadata) = body.get("metadata") {
                message["metadata"] = metadata.clone();
            }
            match body.get("thread_ts").and_then(Value::as_str).filter(|t| !t.is_empty()) {
                Some(parent) => {
                    message["thread_ts"] = json!(parent);
                    let key = (channel.to_string(), parent.to_string());
                    state.replies.entry(key.clone()).or_default().push(message.clone());
                    let count = state.replies[&key].len();
                    if let Some(top) = state
                        .channels
                        .get_mut(channel)
                        .and_then(|all| all.iter_mut().find(|m| m["ts"].as_str() == Some(parent)))
                    {
                        top["thread_ts"] = json!(parent);
                        top["reply_count"] = json!(count);
                        top["latest_reply"] = json!(ts);
                        message["parent_user_id"] = top.get("user").cloned().unwrap_or_default();
                        if let Some(last) = state.replies.get_mut(&key).and_then(|r| r.last_mut()) {
                            *last = message.clone();
                        }
                    }
                    let broadcast = body.get("reply_broadcast").is_some_and(|b| b == true || b == "true");
                    if broadcast {
                        state.channels.entry(channel.to_string()).or_default().push(message.clone());
                    }
                }
                None => state.channels.entry(channel.to_string()).or_default().push(message.clone()),
            }
            ok(json!({"ok": true, "channel": channel, "ts": ts, "message": message}))
        }
        Route::Update => update(state, body),
        Route::Delete => delete(state, body),
        Route::History => history(state, body),
        Route::Webhook | Route::ResponseUrl => Answer::text(200, "ok"),
    }
}

/// A string argument (JSON string, or any JSON value as text; form values are strings).
fn text_arg(args: &Value, name: &str) -> Option<String> {
    args.get(name).filter(|v| !v.is_null()).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
}

/// A JSON argument sent as JSON, or as a JSON string (form-encoded `blocks=[...]`).
fn json_arg(args: &Value, name: &str) -> Option<Value> {
    match args.get(name)? {
        Value::Null => None,
        Value::String(text) => serde_json::from_str(text).ok().or_else(|| Some(Value::String(text.clone()))),
        other => Some(other.clone()),
    }
}

/// The message `ts` of `channel`, top level or in a thread.
fn find_message<'a>(state: &'a mut FakeState, channel: &str, ts: &str) -> Option<&'a mut Value> {
    let FakeState { channels, replies, .. } = state;
    let top = channels.get_mut(channel).into_iter().flat_map(|all| all.iter_mut());
    let threaded = replies.iter_mut().filter(|((c, _), _)| c == channel).flat_map(|(_, all)| all.iter_mut());
    top.chain(threaded).find(|m| m["ts"].as_str() == Some(ts))
}

/// `chat.update`: `text` replaced; `blocks` and `metadata` replaced when given, else kept.
fn update(state: &mut FakeState, args: &Value) -> Answer {
    let (Some(channel), Some(ts)) = (text_arg(args, "channel"), text_arg(args, "ts")) else {
        return Answer::api_error(if text_arg(args, "channel").is_none() {
            "channel_not_found"
        } else {
            "message_not_found"
        });
    };
    let text = text_arg(args, "text");
    let blocks = json_arg(args, "blocks");
    let metadata = json_arg(args, "metadata");
    if text.as_deref().is_none_or(str::is_empty) && blocks.is_none() && args.get("attachments").is_none() {
        return Answer::api_error("no_text");
    }
    let edited_ts = state.next_ts();
    let Some(message) = find_message(state, &channel, &ts) else { return Answer::api_error("message_not_found") };
    if message["bot_id"] != BOT_ID {
        return Answer::api_error("cant_update_message");
    }
    message["text"] = json!(text.unwrap_or_default());
    if let Some(blocks) = blocks {
        message["blocks"] = blocks;
    }
    if let Some(metadata) = metadata {
        message["metadata"] = metadata;
    }
    message["edited"] = json!({"user": BOT_USER, "ts": edited_ts});
    let message = message.clone();
    *state.updates.entry((channel.clone(), ts.clone())).or_default() += 1;
    let mut shown = message.clone();
    if let Some(fields) = shown.as_object_mut() {
        fields.remove("ts");
        fields.remove("metadata");
    }
    ok(json!({"ok": true, "channel": channel, "ts": ts, "text": message["text"], "message": shown}))
}

/// `chat.delete`: the message leaves the channel (or its thread).
fn delete(state: &mut FakeState, args: &Value) -> Answer {
    let Some(channel) = text_arg(args, "channel") else { return Answer::api_error("channel_not_found") };
    let Some(ts) = text_arg(args, "ts") else { return Answer::api_error("message_not_found") };
    let Some(message) = find_message(state, &channel, &ts) else { return Answer::api_error("message_not_found") };
    if message["bot_id"] != BOT_ID {
        return Answer::api_error("cant_delete_message");
    }
    let is_ts = |m: &Value| m["ts"].as_str() == Some(ts.as_str());
    if let Some(all) = state.channels.get_mut(&channel) {
        all.retain(|m| !is_ts(m));
    }
    for ((c, _), all) in state.replies.iter_mut() {
        if *c == channel {
            all.retain(|m| !is_ts(m));
        }
    }
    state.deleted.push((channel.clone(), ts.clone()));
    ok(json!({"ok": true, "channel": channel, "ts": ts}))
}

/// `conversations.history`, as Slack answers it.
fn history(state: &FakeState, args: &Value) -> Answer {
    let scopes = state.scopes.as_deref().unwrap_or(ALL_SCOPES);
    if !scopes.split(',').any(|s| s.trim() == "channels:history") {
        return ok(json!({"ok": false, "error": "missing_scope", "needed": "channels:history", "provided": scopes}));
    }
    let arg = |name: &str| args.get(name).and_then(|v| v.as_str().map(str::to_string).or_else(|| Some(v.to_string())));
    let flag = |name: &str| arg(name).is_some_and(|v| v == "true" || v == "1");
    let Some(channel) = arg("channel") else { return Answer::api_error("channel_not_found") };
    let inclusive = flag("inclusive");
    let oldest = arg("oldest").and_then(|t| micros(&t));
    let latest = arg("latest").and_then(|t| micros(&t));
    let limit = arg("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(100).clamp(1, 999);
    let offset = match arg("cursor").filter(|c| !c.is_empty()) {
        Some(cursor) => match cursor.strip_prefix("bmV4dF9").and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => n,
            None => return Answer::api_error("invalid_cursor"),
        },
        None => 0,
    };
    let in_window = |m: &&Value| {
        let Some(ts) = m["ts"].as_str().and_then(micros) else { return false };
        let after = oldest.is_none_or(|o| if inclusive { ts >= o } else { ts > o });
        let before = latest.is_none_or(|l| if inclusive { ts <= l } else { ts < l });
        after && before
    };
    let mut messages: Vec<Value> =
        state.channels.get(&channel).map(|all| all.iter().filter(in_window).cloned().collect()).unwrap_or_default();
    messages.reverse();
    let page: Vec<Value> = messages
        .iter()
        .skip(offset)
        .take(limit)
        .cloned()
        .map(|mut m| {
            if !flag("include_all_metadata") {
                m.as_object_mut().expect("a message").remove("metadata");
            }
            m
        })
        .collect();
    let has_more = offset + page.len() < messages.len();
    let next = if has_more { format!("bmV4dF9{}", offset + page.len()) } else { String::new() };
    ok(json!({
        "ok": true, "messages": page, "has_more": has_more, "pin_count": 0,
        "response_metadata": {"next_cursor": next},
    }))
}

/// One button click in a [`block_actions_payload`].
#[derive(Clone, Debug)]
pub struct ButtonAction {
    pub action_id: String,
    pub block_id: String,
    /// The button's label (`text.text`).
    pub text: String,
    pub value: Option<String>,
    /// A URL button's `url`: Slack still sends the interaction, and the app must acknowledge it.
    pub url: Option<String>,
}

/// Where and by whom a button was clicked, for [`block_actions_payload`].
#[derive(Clone, Debug)]
pub struct BlockActionsSpec {
    pub user_id: String,
    pub channel: String,
    /// The message the button is on, as the channel holds it (its `ts` is used for `container`).
    pub message: Value,
    pub actions: Vec<ButtonAction>,
    pub response_url: String,
    pub trigger_id: String,
}

/// A `block_actions` interaction payload as Slack POSTs it to the Interactivity Request URL:
/// `type`, `user`, `api_app_id`, `token`, `container`, `trigger_id`, `team`, `enterprise`,
/// `is_enterprise_install`, `channel`, `message`, `state`, `response_url` and `actions` (each with
/// `type: "button"`, `action_id`, `block_id`, `text`, `value`/`url` when set, `action_ts`).
pub fn block_actions_payload(spec: &BlockActionsSpec) -> Value {
    let message_ts = spec.message["ts"].clone();
    let action_ts = {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970");
        format!("{}.{:06}", now.as_secs(), now.subsec_micros())
    };
    let actions: Vec<Value> = spec
        .actions
        .iter()
        .map(|a| {
            let mut action = json!({
                "type": "button",
                "action_id": a.action_id,
                "block_id": a.block_id,
                "text": {"type": "plain_text", "text": a.text, "emoji": true},
                "action_ts": action_ts,
            });
            if let Some(value) = &a.value {
                action["value"] = json!(value);
            }
            if let Some(url) = &a.url {
                action["url"] = json!(url);
            }
            action
        })
        .collect();
    json!({
        "type": "block_actions",
        "user": {"id": spec.user_id, "username": "someone", "name": "someone", "team_id": "T0000"},
        "api_app_id": APP_ID,
        "token": "fake-verification-token",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": spec.channel, "is_ephemeral": false},
        "trigger_id": spec.trigger_id,
        "team": {"id": "T0000", "domain": "fake"},
        "enterprise": null,
        "is_enterprise_install": false,
        "channel": {"id": spec.channel, "name": "digest"},
        "message": spec.message,
        "state": {"values": {}},
        "response_url": spec.response_url,
        "actions": actions,
    })
}

/// The body Slack sends an interaction in: `payload=` and the JSON, form-encoded (for
/// `Content-Type: application/x-www-form-urlencoded`; sign these exact bytes).
pub fn interaction_form(payload: &Value) -> Vec<u8> {
    format!("payload={}", encode(&payload.to_string())).into_bytes()
}

/// Percent-encoding of a form value (unreserved characters kept, space as `+`).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(byte as char),
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// The payload of an interaction form body (the inverse of [`interaction_form`]).
pub fn payload_of_form(body: &[u8]) -> Option<Value> {
    let text = String::from_utf8_lossy(body);
    let value = text.split('&').find_map(|pair| pair.strip_prefix("payload="))?;
    serde_json::from_str(&decode(value)).ok()
}
