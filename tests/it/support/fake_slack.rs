//! A fake Slack on loopback for integration tests: the Web API's `chat.postMessage`, incoming
//! webhooks (`POST /services/...`) and `response_url`s (`POST /commands/...`), served by axum on
//! `127.0.0.1:0`.
//!
//! Every request is recorded with its headers (Authorization included), its body and the status it
//! got. `chat.postMessage` answers `{ok: true, channel, ts}` with increasing `ts`; webhooks and
//! response URLs answer `ok`. Failures are injected per route ([`FakeSlack::inject`]): Slack's
//! `{ok: false, error}`, a 429 with `Retry-After`, a 5xx, or any status and text. Tests wait for
//! requests with [`FakeSlack::wait_for`], woken by a `Notify` on every request, never by sleeping.
//! Dropping the fake stops it.

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

/// The three kinds of endpoint the fake serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /api/chat.postMessage`.
    PostMessage,
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

#[derive(Default)]
struct FakeState {
    calls: Vec<Call>,
    /// Answers to use before the fake's own, per route.
    injected: HashMap<Route, VecDeque<Answer>>,
    next_ts: u64,
}

struct Shared {
    base_url: String,
    state: Mutex<FakeState>,
    /// Signalled on every recorded request.
    changed: Notify,
}

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
            let _ = axum::serve(listener, app).await;
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

    /// Every request so far, in order of arrival.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    /// The requests to one route.
    pub fn calls_to(&self, route: Route) -> Vec<Call> {
        self.shared.lock().calls.iter().filter(|c| c.route == route).cloned().collect()
    }

    /// The `chat.postMessage` requests that succeeded, in order.
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
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let route = match (method.as_str(), path.as_str()) {
        ("POST", "/api/chat.postMessage") => Route::PostMessage,
        ("POST", p) if p.starts_with("/services/") => Route::Webhook,
        ("POST", p) if p.starts_with("/commands/") => Route::ResponseUrl,
        _ => return (StatusCode::NOT_FOUND, "no such route in the fake Slack").into_response(),
    };
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let answer = {
        let mut state = shared.lock();
        let injected = state.injected.get_mut(&route).and_then(VecDeque::pop_front);
        let was_injected = injected.is_some();
        let answer = injected.unwrap_or_else(|| own_answer(&mut state, route, &body));
        state.calls.push(Call { route, path, headers, body, status: answer.status, injected: was_injected });
        answer
    };
    shared.changed.notify_waiters();
    let mut response = (StatusCode::from_u16(answer.status).expect("a valid status"), answer.body).into_response();
    for (name, value) in answer.headers {
        response.headers_mut().insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            value.parse().expect("header value"),
        );
    }
    response
}

fn own_answer(state: &mut FakeState, route: Route, body: &Value) -> Answer {
    match route {
        Route::PostMessage => {
            let Some(channel) = body.get("channel").and_then(Value::as_str) else {
                return Answer::api_error("channel_not_found");
            };
            state.next_ts += 1;
            let ts = format!("1770600000.{:06}", state.next_ts);
            Answer {
                status: 200,
                body: json!({"ok": true, "channel": channel, "ts": ts}).to_string(),
                headers: json_type(),
            }
        }
        Route::Webhook | Route::ResponseUrl => Answer::text(200, "ok"),
    }
}
