//! A fake Discord on loopback for integration tests and benchmarks: a REST API (axum) and a WebSocket
//! gateway (tokio-tungstenite) that the real serenity 0.12.5 client connects to and works against,
//! with no internet. Build serenity's `Http` with
//! `HttpBuilder::new(token).proxy(fake.base_url()).ratelimiter_disabled(true)`: the proxy rewrites the
//! `https://discord.com` prefix of every REST call, and the client asks `GET /api/v10/gateway` for the
//! gateway URL. Every REST request is recorded ([`FakeDiscord::requests`]); messages, webhook posts,
//! interaction callbacks, follow-ups and command registrations are stored for assertions. The fake
//! emulates what a bot must cope with: Discord's message and command limits (400 "Invalid Form Body"),
//! `nonce` + `enforce_nonce` de-duplication, the global and per-channel rate limits (opt-in), the 3 s
//! interaction deadline, injected failures ([`FakeDiscord::inject`]) and lost responses
//! ([`FakeDiscord::inject_lost_response`]). Dropping the [`FakeDiscord`] shuts it down.

// Each test binary (and the benchmark) uses a different part of this module.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::serve::{IncomingStream, Listener};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::AbortHandle;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// Milliseconds between the Unix epoch and Discord's epoch (2015-01-01), the base of snowflakes.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
/// The limit and window reported in Create Message rate-limit headers when emulation is off.
const DEFAULT_CHANNEL_LIMIT: (u32, Duration) = (5, Duration::from_secs(5));
/// The bucket hash reported for Create Message.
const MESSAGE_BUCKET: &str = "fake-create-message-bucket";
/// Channel id of interaction messages whose interaction was not sent through [`FakeDiscord::send_interaction`].
const UNKNOWN_CHANNEL_ID: u64 = 1_200_000_000_000_000_003;
/// Name of the command that [`command_interaction`] invokes.
pub const COMMAND_NAME: &str = "digest";
/// The command id in interactions built here (the fake does not tie it to registered commands).
pub const COMMAND_ID: u64 = 1_200_000_000_000_000_007;
/// Permissions the bot holds in interactions built here (`app_permissions`): view channel, send
/// messages, embed links, read message history.
pub const APP_PERMISSIONS: u64 = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 16);

/// Configuration of a [`FakeDiscord`]; `FakeOptions::default()` turns all rate-limit emulation off.
#[derive(Clone, Debug)]
pub struct FakeOptions {
    /// When set, at most this many REST requests per rolling second are accepted (interaction and
    /// webhook routes excepted, as on Discord); the rest get a global 429.
    pub global_per_sec: Option<u32>,
    /// When set, `(count, window)`: at most `count` Create Message per channel per rolling `window`;
    /// the rest get a 429 whose `retry_after` is the time until a slot frees.
    pub channel_messages: Option<(u32, Duration)>,
    /// The `heartbeat_interval` sent in HELLO, in milliseconds (Discord sends about 41250).
    pub heartbeat_interval_ms: u64,
    /// The application id, announced in READY and expected in command and follow-up routes.
    pub application_id: u64,
    /// The bot user's id, returned by `GET /users/@me`, in READY and as message author.
    pub bot_user_id: u64,
    /// When set, the only bot token accepted (without the `Bot ` prefix): REST calls with another
    /// get 401 (except `GET /gateway`, which needs no token) and an IDENTIFY with another is closed
    /// with 4004 (authentication failed). Without it any `Bot ...` token is accepted.
    pub token: Option<String>,
    /// An interaction callback later than this after [`FakeDiscord::send_interaction`] gets 404
    /// "Unknown interaction" (code 10062), as Discord does after 3 s. `None` disables the check.
    pub interaction_deadline: Option<Duration>,
}

impl Default for FakeOptions {
    fn default() -> Self {
        Self {
            global_per_sec: None,
            channel_messages: None,
            heartbeat_interval_ms: 45_000,
            application_id: 1_200_000_000_000_000_001,
            bot_user_id: 1_200_000_000_000_000_002,
            token: None,
            interaction_deadline: Some(Duration::from_secs(3)),
        }
    }
}

/// One REST request as the fake received it, with the status it answered (0: no response was sent,
/// see [`LostResponse`]).
#[derive(Clone, Debug)]
pub struct Recorded {
    /// HTTP method, upper case (`POST`).
    pub method: String,
    /// Path without the query (`/api/v10/channels/1/messages`).
    pub path: String,
    /// The raw query string, if any (serenity sends e.g. `&wait=true`).
    pub query: Option<String>,
    /// Request headers, names in lower case, including `authorization`.
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON, `Value::Null` when empty or not JSON (e.g. multipart uploads).
    pub body: Value,
    /// The status answered; 0 when the response was withheld.
    pub status: u16,
    /// When the request arrived.
    pub at: Instant,
}

impl Recorded {
    /// The value of a request header (name in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A canned response that replaces the fake's own handling of one matching request.
///
/// Do not inject failures on `GET /gateway`: serenity then falls back to `wss://gateway.discord.gg`.
#[derive(Clone, Debug)]
pub struct Injected {
    /// Status code to answer.
    pub status: u16,
    /// JSON body; `Value::Null` sends an empty body.
    pub body: Value,
    /// Extra response headers.
    pub headers: Vec<(String, String)>,
}

impl Injected {
    /// A 429 as Discord sends it: body `{"message", "retry_after", "global"}` and the headers
    /// `retry-after`, `x-ratelimit-scope` and, when global, `x-ratelimit-global`.
    pub fn rate_limited(retry_after_secs: f64, global: bool) -> Self {
        let mut headers = vec![
            ("retry-after".to_string(), retry_after_header(retry_after_secs)),
            ("x-ratelimit-scope".to_string(), if global { "global" } else { "user" }.to_string()),
        ];
        if global {
            headers.push(("x-ratelimit-global".to_string(), "true".to_string()));
        }
        Self { status: 429, body: rate_limit_body(retry_after_secs, global), headers }
    }

    /// A 500 Internal Server Error.
    pub fn server_error() -> Self {
        Self::error(500, "500: Internal Server Error", 0)
    }

    /// A 403 "Missing Access" (code 50001), as when the bot cannot see the channel.
    pub fn forbidden() -> Self {
        Self::error(403, "Missing Access", 50001)
    }

    /// A 404 "Unknown Channel" (code 10003).
    pub fn not_found() -> Self {
        Self::error(404, "Unknown Channel", 10003)
    }

    /// A 401 "401: Unauthorized" (code 0), as for a revoked token.
    pub fn unauthorized() -> Self {
        Self::error(401, "401: Unauthorized", 0)
    }

    /// Any Discord-style JSON error `{"message", "code"}`.
    pub fn error(status: u16, message: &str, code: i64) -> Self {
        Self { status, body: json!({"message": message, "code": code}), headers: Vec::new() }
    }
}

/// How a request whose response is "lost" is treated: in every mode the request is PROCESSED first
/// (a message is stored, a callback recorded) and the client does not get the normal answer, which is
/// the case that `nonce` + `enforce_nonce` protects against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LostResponse {
    /// Close the connection without any response: the client fails at once with a transport error
    /// (reqwest "connection closed before message completed"). Recorded with status 0.
    Close,
    /// Never answer (until the fake is dropped): the client needs its own timeout, e.g. a
    /// `reqwest::Client` built with `.timeout(..)` given to `HttpBuilder::client`. Recorded with
    /// status 0.
    Hang,
    /// Answer 500 although the request took effect. Recorded with status 500.
    ServerError,
}

/// Counters of the gateway side, see [`FakeDiscord::gateway_stats`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GatewayStats {
    /// Connections accepted (WebSocket handshakes completed).
    pub connections: usize,
    /// IDENTIFY payloads received.
    pub identifies: usize,
    /// READY events sent.
    pub readies: usize,
    /// RESUME payloads answered with RESUMED.
    pub resumes: usize,
    /// Heartbeats (op 1) received and acknowledged.
    pub heartbeats: usize,
    /// Connections ended by the client (its close frame or end of stream).
    pub client_closes: usize,
    /// The code of the last close frame a client sent.
    pub last_close_code: Option<u16>,
}

/// What [`command_interaction`] and [`autocomplete_interaction`] build: a `/digest <subcommand>`
/// invocation. `Default` gives a guild invocation with plausible ids.
#[derive(Clone, Debug)]
pub struct InteractionSpec {
    /// Interaction id (the callback route uses it).
    pub id: u64,
    /// Interaction token (callbacks, follow-ups and `@original` use it).
    pub token: String,
    /// Application id; must equal the fake's for follow-ups to be recognised.
    pub application_id: u64,
    /// Guild of the invocation; `None` for a DM (then `user` is sent instead of `member`).
    pub guild_id: Option<u64>,
    /// Channel of the invocation.
    pub channel_id: u64,
    /// The invoking user.
    pub user_id: u64,
    /// The member's permission bits in the channel (sent as a string, like Discord).
    pub permissions: u64,
    /// The subcommand of `/digest`.
    pub subcommand: String,
    /// The subcommand's options, in order; the option type is inferred from the value (string 3,
    /// integer 4, boolean 5, other number 10).
    pub options: Vec<(String, Value)>,
    /// The user's locale (`en-US`); also used as the guild locale.
    pub locale: String,
}

impl Default for InteractionSpec {
    fn default() -> Self {
        Self {
            id: 1_300_000_000_000_000_001,
            token: "fake-interaction-token".to_string(),
            application_id: FakeOptions::default().application_id,
            guild_id: Some(1_300_000_000_000_000_010),
            channel_id: 1_300_000_000_000_000_020,
            user_id: 1_300_000_000_000_000_030,
            permissions: (1 << 10) | (1 << 11) | (1 << 16),
            subcommand: "show".to_string(),
            options: Vec::new(),
            locale: "en-US".to_string(),
        }
    }
}

/// Builds an APPLICATION_COMMAND interaction (type 2) for `/digest <subcommand> <options>` that
/// serenity 0.12.5 deserializes as `Interaction::Command`.
pub fn command_interaction(spec: InteractionSpec) -> Value {
    interaction_json(&spec, 2, None)
}

/// Builds an APPLICATION_COMMAND_AUTOCOMPLETE interaction (type 4) with `focused: true` on the option
/// named `focused` (its value is sent as the partial string typed so far, as Discord does); serenity
/// deserializes it as `Interaction::Autocomplete`.
pub fn autocomplete_interaction(spec: InteractionSpec, focused: &str) -> Value {
    interaction_json(&spec, 4, Some(focused))
}

fn interaction_json(spec: &InteractionSpec, kind: u8, focused: Option<&str>) -> Value {
    let options: Vec<Value> = spec
        .options
        .iter()
        .map(|(name, value)| {
            let option_type = match value {
                Value::String(_) => 3,
                Value::Bool(_) => 5,
                Value::Number(n) if n.is_i64() || n.is_u64() => 4,
                Value::Number(_) => 10,
                _ => 3,
            };
            if focused == Some(name.as_str()) {
                let partial = value.as_str().map_or_else(|| value.to_string(), str::to_string);
                json!({"name": name, "type": option_type, "value": partial, "focused": true})
            } else {
                json!({"name": name, "type": option_type, "value": value})
            }
        })
        .collect();
    let user = json!({
        "id": spec.user_id.to_string(),
        "username": format!("user{}", spec.user_id % 10_000),
        "discriminator": "0",
        "global_name": "Test User",
        "avatar": null,
        "public_flags": 0,
    });
    let mut value = json!({
        "id": spec.id.to_string(),
        "application_id": spec.application_id.to_string(),
        "type": kind,
        "data": {
            "id": COMMAND_ID.to_string(),
            "name": COMMAND_NAME,
            "type": 1,
            "options": [{"name": spec.subcommand, "type": 1, "options": options}],
        },
        "channel_id": spec.channel_id.to_string(),
        "token": spec.token,
        "version": 1,
        "app_permissions": APP_PERMISSIONS.to_string(),
        "locale": spec.locale,
        "entitlements": [],
        "attachment_size_limit": 10_485_760,
    });
    let fields = value.as_object_mut().expect("object literal");
    match spec.guild_id {
        Some(guild_id) => {
            fields.insert("guild_id".into(), json!(guild_id.to_string()));
            fields.insert("guild_locale".into(), json!(spec.locale));
            fields.insert(
                "channel".into(),
                json!({"id": spec.channel_id.to_string(), "type": 0, "name": "general",
                       "permissions": spec.permissions.to_string()}),
            );
            fields.insert(
                "member".into(),
                json!({
                    "user": user,
                    "nick": null,
                    "avatar": null,
                    "roles": [],
                    "joined_at": "2024-01-01T00:00:00.000000+00:00",
                    "premium_since": null,
                    "deaf": false,
                    "mute": false,
                    "flags": 0,
                    "pending": false,
                    "permissions": spec.permissions.to_string(),
                }),
            );
            fields.insert("authorizing_integration_owners".into(), json!({"0": guild_id.to_string()}));
            fields.insert("context".into(), json!(0));
        }
        None => {
            fields.insert("channel".into(), json!({"id": spec.channel_id.to_string(), "type": 1}));
            fields.insert("user".into(), user);
            fields.insert("authorizing_integration_owners".into(), json!({"0": "0"}));
            fields.insert("context".into(), json!(1));
        }
    }
    value
}

/// A running fake Discord. See the module documentation.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    tasks: Vec<AbortHandle>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        self.shared.shutdown.send_replace(true);
        for task in &self.tasks {
            task.abort();
        }
        let mut state = self.shared.lock();
        for task in state.gateway_tasks.drain(..) {
            task.abort();
        }
        state.gateway_clients.clear();
    }
}

impl FakeDiscord {
    /// Binds the REST and gateway listeners on 127.0.0.1 (ephemeral ports) and starts serving.
    ///
    /// # Panics
    /// If a loopback listener cannot be bound.
    pub async fn start(options: FakeOptions) -> FakeDiscord {
        let rest = TcpListener::bind("127.0.0.1:0").await.expect("bind fake Discord REST listener");
        let gateway = TcpListener::bind("127.0.0.1:0").await.expect("bind fake Discord gateway listener");
        let rest_addr = rest.local_addr().expect("REST listener address");
        let gateway_addr = gateway.local_addr().expect("gateway listener address");
        let (shutdown, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            options,
            base_url: format!("http://{rest_addr}"),
            gateway_url: format!("ws://{gateway_addr}"),
            state: Mutex::new(FakeState::default()),
            changed: Notify::new(),
            shutdown,
            closed: Arc::new(AtomicBool::new(false)),
            next_snowflake: AtomicU64::new(0),
        });
        let listener = RestListener { inner: rest, closed: Arc::clone(&shared.closed) };
        let app =
            Router::new().fallback(rest_handler).layer(DefaultBodyLimit::disable()).with_state(Arc::clone(&shared));
        let rest_task = tokio::spawn(async move {
            let _ = axum::serve(listener, app.into_make_service_with_connect_info::<ConnHandle>()).await;
        });
        let gateway_task = tokio::spawn(gateway_accept_loop(gateway, Arc::clone(&shared)));
        FakeDiscord { shared, tasks: vec![rest_task.abort_handle(), gateway_task.abort_handle()] }
    }

    /// `http://127.0.0.1:PORT`, for `HttpBuilder::proxy`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// `ws://127.0.0.1:PORT`, the URL `GET /gateway` returns.
    pub fn gateway_url(&self) -> String {
        self.shared.gateway_url.clone()
    }

    /// The application id announced in READY.
    pub fn application_id(&self) -> u64 {
        self.shared.options.application_id
    }

    /// The bot user's id.
    pub fn bot_user_id(&self) -> u64 {
        self.shared.options.bot_user_id
    }

    /// `{base_url}/api/webhooks/{id}/{token}`, a webhook URL as Discord hands it out.
    pub fn webhook_url(&self, id: u64, token: &str) -> String {
        format!("{}/api/webhooks/{id}/{token}", self.shared.base_url)
    }

    /// A fresh snowflake id (time-ordered, unique within this fake).
    pub fn new_id(&self) -> u64 {
        self.shared.snowflake()
    }

    /// An [`InteractionSpec`] for this fake's application with a fresh interaction id and token.
    pub fn interaction_spec(&self, subcommand: &str) -> InteractionSpec {
        let id = self.new_id();
        InteractionSpec {
            id,
            token: format!("interaction-token-{id}"),
            application_id: self.application_id(),
            subcommand: subcommand.to_string(),
            ..InteractionSpec::default()
        }
    }

    /// Every REST request so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    /// The recorded requests with this method whose path (after `/api/v10` or `/api`) starts with
    /// `path_prefix`.
    pub fn requests_to(&self, method: &str, path_prefix: &str) -> Vec<Recorded> {
        let state = self.shared.lock();
        state
            .requests
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && route_of(&r.path).0.starts_with(path_prefix))
            .cloned()
            .collect()
    }

    /// How many 429 responses were sent (emulated and injected).
    pub fn count_429(&self) -> usize {
        self.shared.lock().count_429
    }

    /// The commands stored by the last bulk overwrite, global (`None`) or for a guild, as returned.
    pub fn commands(&self, guild: Option<u64>) -> Option<Value> {
        self.shared.lock().commands.get(&guild).cloned()
    }

    /// The bodies of the messages created in a channel (as sent), in order; de-duplicated repeats
    /// and refused requests are not included.
    pub fn messages(&self, channel_id: u64) -> Vec<Value> {
        let state = self.shared.lock();
        state.messages.iter().filter(|m| m.channel_id == channel_id).map(|m| m.body.clone()).collect()
    }

    /// Every created message as `(channel id, body as sent)`, in creation order.
    pub fn all_messages(&self) -> Vec<(u64, Value)> {
        self.shared.lock().messages.iter().map(|m| (m.channel_id, m.body.clone())).collect()
    }

    /// The bodies posted to a (non-interaction) webhook, in order.
    pub fn webhook_messages(&self, webhook_id: u64) -> Vec<Value> {
        self.shared.lock().webhook_messages.get(&webhook_id).cloned().unwrap_or_default()
    }

    /// The callback bodies accepted for an interaction (at most one: a second gets 400 40060).
    pub fn callbacks(&self, interaction_id: u64) -> Vec<Value> {
        self.shared.lock().callbacks.get(&interaction_id).cloned().unwrap_or_default()
    }

    /// The follow-up bodies accepted for an interaction token, in order.
    pub fn followups(&self, token: &str) -> Vec<Value> {
        self.shared.lock().followups.get(token).cloned().unwrap_or_default()
    }

    /// The `PATCH .../messages/@original` bodies accepted for an interaction token, in order.
    pub fn original_edits(&self, token: &str) -> Vec<Value> {
        self.shared.lock().original_edits.get(token).cloned().unwrap_or_default()
    }

    /// Queues canned responses: each following request with this method whose path (after `/api/v10`
    /// or `/api`) starts with `path_prefix` consumes the next one instead of being handled. Injected
    /// responses take precedence over everything else, including the emulated rate limits.
    pub fn inject(&self, method: &str, path_prefix: &str, responses: Vec<Injected>) {
        let mut state = self.shared.lock();
        state.injected.push(Rule {
            method: method.to_ascii_uppercase(),
            prefix: path_prefix.to_string(),
            queue: responses.into(),
        });
    }

    /// The next `n` successful matching requests are processed but their response is lost by closing
    /// the connection ([`LostResponse::Close`]).
    pub fn inject_drop_response(&self, method: &str, path_prefix: &str, n: usize) {
        self.inject_lost_response(method, path_prefix, n, LostResponse::Close);
    }

    /// The next `n` matching requests that succeed (2xx) are processed, then answered as `mode` says.
    pub fn inject_lost_response(&self, method: &str, path_prefix: &str, n: usize, mode: LostResponse) {
        let mut state = self.shared.lock();
        let queue = std::iter::repeat_n(mode, n).collect();
        state.lost.push(Rule { method: method.to_ascii_uppercase(), prefix: path_prefix.to_string(), queue });
    }

    /// The `d` of the last IDENTIFY received (`token`, `intents`, `properties`, `shard`, ...).
    pub fn identify(&self) -> Option<Value> {
        self.shared.lock().identify.clone()
    }

    /// Counters of the gateway side.
    pub fn gateway_stats(&self) -> GatewayStats {
        self.shared.lock().stats.clone()
    }

    /// Waits until `predicate` holds over the gateway counters (re-checked on every gateway payload
    /// and connection change); false on timeout.
    pub async fn wait_gateway(&self, predicate: impl Fn(&GatewayStats) -> bool, timeout: Duration) -> bool {
        self.wait_until(timeout, |s| predicate(&s.stats).then_some(())).await.is_some()
    }

    /// Waits until a client has identified and been sent READY; false on timeout.
    pub async fn wait_ready(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |s| (s.stats.readies > 0).then_some(())).await.is_some()
    }

    /// Sends a dispatch (op 0, event name `t`, payload `d`) with the connection's next sequence number
    /// to every identified gateway client; returns how many were sent to.
    pub fn send_dispatch(&self, t: &str, d: Value) -> usize {
        let state = self.shared.lock();
        let mut sent = 0;
        for client in state.gateway_clients.values().filter(|c| c.identified) {
            if client.tx.send(GatewayCommand::Dispatch(t.to_string(), d.clone())).is_ok() {
                sent += 1;
            }
        }
        sent
    }

    /// Sends an INTERACTION_CREATE with `interaction` as payload (see [`command_interaction`]) and
    /// starts its response deadline; returns how many clients it was sent to.
    pub fn send_interaction(&self, interaction: Value) -> usize {
        if let Some(id) = snowflake_field(&interaction, "id") {
            let channel_id = snowflake_field(&interaction, "channel_id").unwrap_or(UNKNOWN_CHANNEL_ID);
            self.shared.lock().interactions_sent.insert(id, (Instant::now(), channel_id));
        }
        self.send_dispatch("INTERACTION_CREATE", interaction)
    }

    /// Closes every gateway connection from the server side with this close code (4000 "unknown
    /// error" makes serenity resume; 4007 or 4009 make it re-identify).
    pub fn disconnect_gateway(&self, code: u16) {
        let state = self.shared.lock();
        for client in state.gateway_clients.values() {
            let _ = client.tx.send(GatewayCommand::Close(code));
        }
    }

    /// True once a gateway connection has been ended by the client (a close frame from it, or its
    /// end of stream) rather than by the fake.
    pub fn gateway_closed(&self) -> bool {
        self.shared.lock().stats.client_closes > 0
    }

    /// The code of the last close frame a client sent (1000 for serenity's graceful shutdown).
    pub fn gateway_close_code(&self) -> Option<u16> {
        self.shared.lock().stats.last_close_code
    }

    /// Waits until [`Self::gateway_closed`] holds; false on timeout.
    pub async fn wait_gateway_closed(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |s| (s.stats.client_closes > 0).then_some(())).await.is_some()
    }

    /// Waits for the first callback accepted for an interaction and returns its body.
    pub async fn wait_callback(&self, interaction_id: u64, timeout: Duration) -> Option<Value> {
        self.wait_until(timeout, |s| s.callbacks.get(&interaction_id).and_then(|c| c.first().cloned())).await
    }

    /// Waits until `predicate` holds over the recorded requests (re-checked on every request, no
    /// polling); false on timeout.
    pub async fn wait_for(&self, predicate: impl Fn(&[Recorded]) -> bool, timeout: Duration) -> bool {
        self.wait_until(timeout, |s| predicate(&s.requests).then_some(())).await.is_some()
    }

    async fn wait_until<T>(&self, timeout: Duration, mut check: impl FnMut(&FakeState) -> Option<T>) -> Option<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(found) = check(&self.shared.lock()) {
                return Some(found);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return check(&self.shared.lock());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared state

struct Shared {
    options: FakeOptions,
    base_url: String,
    gateway_url: String,
    state: Mutex<FakeState>,
    /// Signalled (notify_waiters) whenever a request is recorded or the gateway state changes.
    changed: Notify,
    /// Becomes true when the fake is dropped; releases hanging handlers.
    shutdown: watch::Sender<bool>,
    /// Set when the fake is dropped; open REST connections refuse further requests.
    closed: Arc<AtomicBool>,
    next_snowflake: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn snowflake(&self) -> u64 {
        let ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as u64;
        let candidate = ms.saturating_sub(DISCORD_EPOCH_MS) << 22;
        // Strictly increasing even within one millisecond.
        let mut last = self.next_snowflake.load(Ordering::SeqCst);
        loop {
            let next = candidate.max(last + 1);
            match self.next_snowflake.compare_exchange(last, next, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return next,
                Err(actual) => last = actual,
            }
        }
    }

    fn bot_user(&self) -> Value {
        json!({
            "id": self.options.bot_user_id.to_string(),
            "username": "digestbot",
            "discriminator": "0",
            "global_name": null,
            "avatar": null,
            "bot": true,
            "verified": true,
            "mfa_enabled": false,
            "flags": 0,
            "public_flags": 0,
        })
    }
}

#[derive(Default)]
struct FakeState {
    requests: Vec<Recorded>,
    injected: Vec<Rule<Injected>>,
    lost: Vec<Rule<LostResponse>>,
    count_429: usize,
    global_window: VecDeque<Instant>,
    channel_windows: HashMap<u64, VecDeque<Instant>>,
    commands: HashMap<Option<u64>, Value>,
    command_ids: HashMap<(Option<u64>, String), u64>,
    messages: Vec<StoredMessage>,
    nonces: HashMap<(u64, String), Value>,
    webhook_messages: HashMap<u64, Vec<Value>>,
    callbacks: HashMap<u64, Vec<Value>>,
    /// Interaction tokens that were acknowledged, with their original response message, if any.
    originals: HashMap<String, Option<Value>>,
    followups: HashMap<String, Vec<Value>>,
    original_edits: HashMap<String, Vec<Value>>,
    /// Interactions sent through the gateway: when, and in which channel.
    interactions_sent: HashMap<u64, (Instant, u64)>,
    identify: Option<Value>,
    stats: GatewayStats,
    sessions: Vec<String>,
    next_gateway_id: u64,
    gateway_clients: HashMap<u64, GatewayClient>,
    gateway_tasks: Vec<AbortHandle>,
}

struct StoredMessage {
    channel_id: u64,
    body: Value,
}

struct Rule<T> {
    method: String,
    prefix: String,
    queue: VecDeque<T>,
}

fn take_rule<T>(rules: &mut [Rule<T>], method: &str, route: &str) -> Option<T> {
    rules.iter_mut().filter(|r| r.method == method && route.starts_with(&r.prefix)).find_map(|r| r.queue.pop_front())
}

// ---------------------------------------------------------------------------------------------
// REST: connections that can be dropped without a response

/// The REST listener: hands axum streams that a handler can sever ([`LostResponse::Close`]).
struct RestListener {
    inner: TcpListener,
    closed: Arc<AtomicBool>,
}

impl Listener for RestListener {
    type Io = RestStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    let io = RestStream {
                        inner: stream,
                        killed: Arc::new(AtomicBool::new(false)),
                        closed: Arc::clone(&self.closed),
                    };
                    return (io, addr);
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A TCP stream that reads EOF and refuses writes once killed, so hyper drops the connection
/// without sending the response it was given.
struct RestStream {
    inner: TcpStream,
    killed: Arc<AtomicBool>,
    closed: Arc<AtomicBool>,
}

impl RestStream {
    fn dead(&self) -> bool {
        self.killed.load(Ordering::SeqCst) || self.closed.load(Ordering::SeqCst)
    }
}

impl AsyncRead for RestStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.dead() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for RestStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.dead() {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.dead() {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Given to each request: the kill switch of its connection.
#[derive(Clone)]
struct ConnHandle(Arc<AtomicBool>);

impl Connected<IncomingStream<'_, RestListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, RestListener>) -> Self {
        ConnHandle(Arc::clone(&stream.io().killed))
    }
}

// ---------------------------------------------------------------------------------------------
// REST: routing and handlers

/// An answer before it becomes an HTTP response.
struct Reply {
    status: u16,
    body: Value,
    headers: Vec<(String, String)>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Self {
        Reply { status, body, headers: Vec::new() }
    }

    fn no_content() -> Self {
        Reply { status: 204, body: Value::Null, headers: Vec::new() }
    }

    fn error(status: u16, message: &str, code: i64) -> Self {
        Reply::json(status, json!({"message": message, "code": code}))
    }

    fn not_found() -> Self {
        Reply::error(404, "404: Not Found", 0)
    }

    fn invalid_form(errors: Vec<(String, &'static str, String)>) -> Self {
        let mut tree = json!({});
        for (path, code, message) in errors {
            let mut node = &mut tree;
            for part in path.split('.').filter(|p| !p.is_empty()) {
                node = node.as_object_mut().expect("error tree node").entry(part).or_insert_with(|| json!({}));
            }
            let list = node.as_object_mut().expect("error tree node").entry("_errors").or_insert_with(|| json!([]));
            list.as_array_mut().expect("error list").push(json!({"code": code, "message": message}));
        }
        Reply::json(400, json!({"message": "Invalid Form Body", "code": 50035, "errors": tree}))
    }

    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    fn into_response(self) -> Response {
        let mut builder = Response::builder().status(self.status);
        for (name, value) in &self.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let built = if self.body.is_null() {
            builder.body(Body::empty())
        } else {
            builder.header("content-type", "application/json").body(Body::from(self.body.to_string()))
        };
        built.unwrap_or_else(|_| Response::new(Body::empty()))
    }
}

/// Splits `/api/v10/...` or `/api/...` into the route after the prefix and whether it was versioned.
fn route_of(path: &str) -> (&str, Option<bool>) {
    if let Some(route) = path.strip_prefix("/api/v10") {
        (route, Some(true))
    } else if let Some(route) = path.strip_prefix("/api") {
        (route, Some(false))
    } else {
        (path, None)
    }
}

async fn rest_handler(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let at = Instant::now();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let mut recorded = Recorded {
        method: method.as_str().to_string(),
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        headers,
        body,
        status: 0,
        at,
    };
    let (reply, lost) = {
        let mut state = shared.lock();
        let (reply, lost) = respond(&shared, &mut state, &recorded);
        recorded.status = match lost {
            Some(LostResponse::Close | LostResponse::Hang) => 0,
            Some(LostResponse::ServerError) => 500,
            None => reply.status,
        };
        if recorded.status == 429 {
            state.count_429 += 1;
        }
        state.requests.push(recorded);
        (reply, lost)
    };
    shared.changed.notify_waiters();
    match lost {
        None => reply.into_response(),
        Some(LostResponse::ServerError) => Reply::error(500, "500: Internal Server Error", 0).into_response(),
        Some(LostResponse::Close) => {
            conn.0.store(true, Ordering::SeqCst);
            reply.into_response()
        }
        Some(LostResponse::Hang) => {
            let mut shutdown = shared.shutdown.subscribe();
            let _ = shutdown.wait_for(|closed| *closed).await;
            conn.0.store(true, Ordering::SeqCst);
            reply.into_response()
        }
    }
}

/// Decides the answer to one request: injected response, emulated global rate limit, or the route.
fn respond(shared: &Shared, state: &mut FakeState, req: &Recorded) -> (Reply, Option<LostResponse>) {
    let (route, versioned) = route_of(&req.path);
    let method = req.method.as_str();
    if versioned.is_some()
        && let Some(injected) = take_rule(&mut state.injected, method, route)
    {
        return (Reply { status: injected.status, body: injected.body, headers: injected.headers }, None);
    }
    let segments: Vec<&str> = route.split('/').filter(|s| !s.is_empty()).collect();
    // Interaction endpoints (callbacks, follow-ups) and webhooks are outside the bot's global limit.
    let outside_global = matches!(segments.first(), Some(&"interactions" | &"webhooks"));
    if versioned.is_some()
        && !outside_global
        && let Some(limit) = shared.options.global_per_sec
        && let Some(reply) = global_limit(state, limit)
    {
        return (reply, None);
    }
    let reply = match versioned {
        Some(true) => route_v10(shared, state, method, &segments, req),
        Some(false) if segments.first() == Some(&"webhooks") => route_v10(shared, state, method, &segments, req),
        _ => Reply::not_found(),
    };
    let lost = if reply.is_success() { take_rule(&mut state.lost, method, route) } else { None };
    (reply, lost)
}

fn global_limit(state: &mut FakeState, limit: u32) -> Option<Reply> {
    let now = Instant::now();
    let window = Duration::from_secs(1);
    while state.global_window.front().is_some_and(|t| now.duration_since(*t) >= window) {
        state.global_window.pop_front();
    }
    if state.global_window.len() >= limit as usize {
        let oldest = *state.global_window.front().expect("window is full");
        let retry_after = (window - now.duration_since(oldest)).as_secs_f64();
        let headers = vec![
            ("retry-after".to_string(), retry_after_header(retry_after)),
            ("x-ratelimit-global".to_string(), "true".to_string()),
            ("x-ratelimit-scope".to_string(), "global".to_string()),
        ];
        return Some(Reply { status: 429, body: rate_limit_body(retry_after, true), headers });
    }
    state.global_window.push_back(now);
    None
}

fn route_v10(shared: &Shared, state: &mut FakeState, method: &str, segments: &[&str], req: &Recorded) -> Reply {
    let app_id = shared.options.application_id;
    if !known_path(segments) {
        return Reply::not_found();
    }
    // Get Gateway, webhooks and interaction endpoints take no bot token on Discord either.
    let needs_bot_auth = !matches!(segments, ["gateway"] | ["webhooks", ..] | ["interactions", ..]);
    if needs_bot_auth && let Some(reply) = check_auth(shared, req) {
        return reply;
    }
    let allow = |expected: &[&str]| expected.contains(&method);
    match segments {
        ["gateway"] if allow(&["GET"]) => Reply::json(200, json!({"url": shared.gateway_url})),
        ["gateway", "bot"] if allow(&["GET"]) => Reply::json(
            200,
            json!({
                "url": shared.gateway_url,
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1},
            }),
        ),
        ["users", "@me"] if allow(&["GET"]) => Reply::json(200, shared.bot_user()),
        ["oauth2", "applications", "@me"] | ["applications", "@me"] if allow(&["GET"]) => {
            Reply::json(200, application_info(shared))
        }
        ["applications", app, "commands"] if allow(&["GET", "PUT"]) => {
            commands_route(shared, state, method, app, None, &req.body)
        }
        ["applications", app, "guilds", guild, "commands"] if allow(&["GET", "PUT"]) => match guild.parse() {
            Ok(guild_id) => commands_route(shared, state, method, app, Some(guild_id), &req.body),
            Err(_) => Reply::error(404, "Unknown Guild", 10004),
        },
        ["channels", channel, "messages"] if allow(&["POST"]) => match channel.parse() {
            Ok(channel_id) => create_message(shared, state, channel_id, &req.body),
            Err(_) => Reply::error(404, "Unknown Channel", 10003),
        },
        ["interactions", id, token, "callback"] if allow(&["POST"]) => match id.parse() {
            Ok(id) => interaction_callback(shared, state, id, token, &req.body),
            Err(_) => Reply::error(404, "Unknown interaction", 10062),
        },
        ["webhooks", id, token] if allow(&["POST"]) => match id.parse::<u64>() {
            Ok(id) if id == app_id => create_followup(shared, state, token, &req.body),
            Ok(id) => execute_webhook(shared, state, id, req),
            Err(_) => Reply::error(404, "Unknown Webhook", 10015),
        },
        ["webhooks", id, token, "messages", "@original"] if allow(&["GET", "PATCH"]) => {
            if id.parse::<u64>() != Ok(app_id) {
                return Reply::error(404, "Unknown Webhook", 10015);
            }
            original_route(state, method, token, &req.body)
        }
        _ => Reply::error(405, "405: Method Not Allowed", 0),
    }
}

/// Whether the path is one the fake serves (with some method): used to tell 405 from 404.
fn known_path(segments: &[&str]) -> bool {
    matches!(
        segments,
        ["gateway"]
            | ["gateway", "bot"]
            | ["users", "@me"]
            | ["oauth2", "applications", "@me"]
            | ["applications", "@me"]
            | ["applications", _, "commands"]
            | ["applications", _, "guilds", _, "commands"]
            | ["channels", _, "messages"]
            | ["interactions", _, _, "callback"]
            | ["webhooks", _, _]
            | ["webhooks", _, _, "messages", "@original"]
    )
}

fn check_auth(shared: &Shared, req: &Recorded) -> Option<Reply> {
    let authorized = match (req.header("authorization"), &shared.options.token) {
        (Some(value), Some(token)) => value.strip_prefix("Bot ") == Some(token.as_str()),
        (Some(value), None) => value.strip_prefix("Bot ").is_some_and(|t| !t.trim().is_empty()),
        (None, _) => false,
    };
    (!authorized).then(|| Reply::error(401, "401: Unauthorized", 0))
}

fn application_info(shared: &Shared) -> Value {
    json!({
        "id": shared.options.application_id.to_string(),
        "name": "digestbot",
        "icon": null,
        "description": "",
        "rpc_origins": [],
        "bot_public": false,
        "bot_require_code_grant": false,
        "owner": {"id": "1200000000000000099", "username": "owner", "discriminator": "0", "global_name": null, "avatar": null},
        "verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
        "team": null,
        "flags": 0,
        "bot": shared.bot_user(),
    })
}

fn commands_route(
    shared: &Shared,
    state: &mut FakeState,
    method: &str,
    app: &str,
    guild: Option<u64>,
    body: &Value,
) -> Reply {
    if app.parse::<u64>() != Ok(shared.options.application_id) {
        return Reply::error(403, "Missing Access", 50001);
    }
    if method == "GET" {
        return Reply::json(200, state.commands.get(&guild).cloned().unwrap_or_else(|| json!([])));
    }
    let Some(list) = body.as_array() else {
        return Reply::invalid_form(vec![(String::new(), "BASE_TYPE_ARRAY", "Must be an array.".to_string())]);
    };
    let errors = validate_commands(list);
    if !errors.is_empty() {
        return Reply::invalid_form(errors);
    }
    let version = shared.snowflake();
    let stored: Vec<Value> = list
        .iter()
        .map(|command| {
            let name = command["name"].as_str().unwrap_or_default().to_string();
            let kind = command.get("type").and_then(Value::as_u64).unwrap_or(1);
            let id = *state.command_ids.entry((guild, format!("{kind}:{name}"))).or_insert_with(|| shared.snowflake());
            let mut out = json!({
                "id": id.to_string(),
                "application_id": shared.options.application_id.to_string(),
                "version": version.to_string(),
                "type": kind,
                "name": name,
                "description": command.get("description").cloned().unwrap_or_else(|| json!("")),
                "options": command.get("options").cloned().unwrap_or_else(|| json!([])),
                "default_member_permissions": command.get("default_member_permissions").cloned().unwrap_or(Value::Null),
                "nsfw": command.get("nsfw").cloned().unwrap_or(json!(false)),
                "integration_types": command.get("integration_types").cloned().unwrap_or(json!([0])),
                "contexts": command.get("contexts").cloned().unwrap_or(Value::Null),
            });
            let fields = out.as_object_mut().expect("object literal");
            for key in ["name_localizations", "description_localizations", "dm_permission"] {
                if let Some(v) = command.get(key) {
                    fields.insert(key.to_string(), v.clone());
                }
            }
            if let Some(guild_id) = guild {
                fields.insert("guild_id".to_string(), json!(guild_id.to_string()));
            }
            out
        })
        .collect();
    let stored = Value::Array(stored);
    state.commands.insert(guild, stored.clone());
    Reply::json(200, stored)
}

fn create_message(shared: &Shared, state: &mut FakeState, channel_id: u64, body: &Value) -> Reply {
    if let Some(reply) = validate_message(body, true) {
        return reply;
    }
    if let Some(nonce) = body.get("nonce").and_then(nonce_key)
        && nonce.chars().count() > 25
    {
        return Reply::invalid_form(vec![(
            "nonce".to_string(),
            "BASE_TYPE_MAX_LENGTH",
            "Must be 25 or fewer in length.".to_string(),
        )]);
    }
    let (limit, window) = shared.options.channel_messages.unwrap_or(DEFAULT_CHANNEL_LIMIT);
    let enforce = shared.options.channel_messages.is_some();
    let now = Instant::now();
    let slots = state.channel_windows.entry(channel_id).or_default();
    while slots.front().is_some_and(|t| now.duration_since(*t) >= window) {
        slots.pop_front();
    }
    if enforce && slots.len() >= limit as usize {
        let oldest = *slots.front().expect("window is full");
        let retry_after = (window - now.duration_since(oldest)).as_secs_f64();
        let mut headers = rate_limit_headers(limit, 0, retry_after);
        headers.push(("retry-after".to_string(), retry_after_header(retry_after)));
        headers.push(("x-ratelimit-scope".to_string(), "user".to_string()));
        return Reply { status: 429, body: rate_limit_body(retry_after, false), headers };
    }
    slots.push_back(now);
    let remaining = (limit as usize).saturating_sub(slots.len()) as u32;
    let oldest = *slots.front().expect("just pushed");
    let reset_after = (window - now.duration_since(oldest)).as_secs_f64();
    let headers = rate_limit_headers(limit, remaining, reset_after);

    let enforced_nonce = if body.get("enforce_nonce").and_then(Value::as_bool) == Some(true) {
        body.get("nonce").and_then(nonce_key)
    } else {
        None
    };
    if let Some(nonce) = &enforced_nonce
        && let Some(existing) = state.nonces.get(&(channel_id, nonce.clone()))
    {
        return Reply { status: 200, body: existing.clone(), headers };
    }
    let message = message_json(shared.snowflake(), channel_id, body, shared.bot_user(), &[]);
    if let Some(nonce) = enforced_nonce {
        state.nonces.insert((channel_id, nonce), message.clone());
    }
    state.messages.push(StoredMessage { channel_id, body: body.clone() });
    Reply { status: 200, body: message, headers }
}

fn execute_webhook(shared: &Shared, state: &mut FakeState, webhook_id: u64, req: &Recorded) -> Reply {
    if let Some(reply) = validate_message(&req.body, true) {
        return reply;
    }
    state.webhook_messages.entry(webhook_id).or_default().push(req.body.clone());
    let wait = req.query.as_deref().unwrap_or("").split('&').any(|pair| pair == "wait=true");
    if !wait {
        return Reply::no_content();
    }
    let author = json!({"id": webhook_id.to_string(), "username": "Fake Webhook", "discriminator": "0000",
                        "avatar": null, "bot": true});
    let extra = [("webhook_id", json!(webhook_id.to_string()))];
    // The fake has no channels: a webhook posts into a channel with the webhook's id.
    Reply::json(200, message_json(shared.snowflake(), webhook_id, &req.body, author, &extra))
}

fn interaction_callback(shared: &Shared, state: &mut FakeState, id: u64, token: &str, body: &Value) -> Reply {
    if state.callbacks.get(&id).is_some_and(|c| !c.is_empty()) {
        return Reply::error(400, "Interaction has already been acknowledged.", 40060);
    }
    let sent = state.interactions_sent.get(&id).copied();
    if let (Some((at, _)), Some(deadline)) = (sent, shared.options.interaction_deadline)
        && at.elapsed() > deadline
    {
        return Reply::error(404, "Unknown interaction", 10062);
    }
    let kind = body.get("type").and_then(Value::as_u64);
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    let original = match kind {
        Some(4) => {
            if let Some(reply) = validate_message(&data, true) {
                return reply;
            }
            let channel_id = sent.map_or(UNKNOWN_CHANNEL_ID, |(_, channel)| channel);
            Some(interaction_message(shared, channel_id, &data))
        }
        Some(5) => {
            let channel_id = sent.map_or(UNKNOWN_CHANNEL_ID, |(_, channel)| channel);
            let flags = data.get("flags").and_then(Value::as_u64).unwrap_or(0) | 128;
            Some(interaction_message(shared, channel_id, &json!({"content": "", "flags": flags})))
        }
        Some(8) => {
            let errors = validate_choices(data.get("choices"), "data.choices");
            if !errors.is_empty() {
                return Reply::invalid_form(errors);
            }
            None
        }
        Some(1 | 6 | 7 | 9 | 10 | 12) => None,
        _ => {
            return Reply::invalid_form(vec![(
                "type".to_string(),
                "BASE_TYPE_CHOICES",
                "Value must be one of {1, 4, 5, 6, 7, 8, 9, 10, 12}.".to_string(),
            )]);
        }
    };
    state.callbacks.entry(id).or_default().push(body.clone());
    state.originals.insert(token.to_string(), original);
    Reply::no_content()
}

fn create_followup(shared: &Shared, state: &mut FakeState, token: &str, body: &Value) -> Reply {
    let Some(original) = state.originals.get(token) else {
        return Reply::error(404, "Unknown Webhook", 10015);
    };
    if let Some(reply) = validate_message(body, true) {
        return reply;
    }
    let channel_id = original.as_ref().and_then(|m| snowflake_field(m, "channel_id")).unwrap_or(UNKNOWN_CHANNEL_ID);
    let message = interaction_message(shared, channel_id, body);
    state.followups.entry(token.to_string()).or_default().push(body.clone());
    Reply::json(200, message)
}

fn original_route(state: &mut FakeState, method: &str, token: &str, body: &Value) -> Reply {
    let Some(original) = state.originals.get_mut(token) else {
        return Reply::error(404, "Unknown Webhook", 10015);
    };
    let Some(message) = original.as_mut() else {
        return Reply::error(404, "Unknown Message", 10008);
    };
    if method == "GET" {
        return Reply::json(200, message.clone());
    }
    if let Some(reply) = validate_message(body, false) {
        return reply;
    }
    for key in ["content", "embeds", "components", "flags"] {
        if let Some(value) = body.get(key) {
            message[key] = if key == "embeds" { normalize_embeds(value) } else { value.clone() };
        }
    }
    if message.get("content").is_some_and(Value::is_null) {
        message["content"] = json!("");
    }
    if message.get("components").is_some_and(Value::is_null) {
        message["components"] = json!([]);
    }
    message["edited_timestamp"] = json!(rfc3339(SystemTime::now()));
    let message = message.clone();
    state.original_edits.entry(token.to_string()).or_default().push(body.clone());
    Reply::json(200, message)
}

fn interaction_message(shared: &Shared, channel_id: u64, data: &Value) -> Value {
    let app = shared.options.application_id.to_string();
    let extra = [("webhook_id", json!(app)), ("application_id", json!(app)), ("type", json!(20))];
    message_json(shared.snowflake(), channel_id, data, shared.bot_user(), &extra)
}

/// A Message object as Discord returns it, built from the body the client sent.
fn message_json(id: u64, channel_id: u64, body: &Value, author: Value, extra: &[(&str, Value)]) -> Value {
    let mut message = json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "author": author,
        "content": body.get("content").and_then(Value::as_str).unwrap_or(""),
        "timestamp": rfc3339(SystemTime::now()),
        "edited_timestamp": null,
        "tts": body.get("tts").and_then(Value::as_bool).unwrap_or(false),
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": normalize_embeds(body.get("embeds").unwrap_or(&Value::Null)),
        "components": [],
        "pinned": false,
        "type": 0,
        "flags": body.get("flags").and_then(Value::as_u64).unwrap_or(0),
    });
    let fields = message.as_object_mut().expect("object literal");
    if let Some(nonce) = body.get("nonce").filter(|n| n.is_string() || n.is_u64()) {
        fields.insert("nonce".to_string(), nonce.clone());
    }
    for (key, value) in extra {
        fields.insert((*key).to_string(), value.clone());
    }
    message
}

/// Embeds as Discord echoes them: `type: "rich"` added, nothing else changed.
fn normalize_embeds(embeds: &Value) -> Value {
    let list = embeds.as_array().cloned().unwrap_or_default();
    Value::Array(
        list.into_iter()
            .map(|mut embed| {
                if let Some(fields) = embed.as_object_mut() {
                    fields.entry("type").or_insert_with(|| json!("rich"));
                }
                embed
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// Validation of Discord's documented limits (lengths in code points after trimming)

fn text_len(value: &Value) -> usize {
    value.as_str().map_or(0, |s| s.trim().chars().count())
}

fn check_len(errors: &mut Vec<(String, &'static str, String)>, path: String, value: &Value, max: usize) {
    if text_len(value) > max {
        errors.push((path, "BASE_TYPE_MAX_LENGTH", format!("Must be {max} or fewer in length.")));
    }
}

/// Checks a message body (Create Message, webhook, follow-up, callback data, edit). `must_have_content`
/// refuses a message with nothing to show (code 50006). A non-JSON body (multipart) is not checked.
fn validate_message(body: &Value, must_have_content: bool) -> Option<Reply> {
    if !body.is_object() {
        return None;
    }
    let mut errors = Vec::new();
    check_len(&mut errors, "content".to_string(), &body["content"], 2000);
    let embeds = body.get("embeds").and_then(Value::as_array).cloned().unwrap_or_default();
    if embeds.len() > 10 {
        errors.push(("embeds".to_string(), "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.".to_string()));
    }
    let mut total = 0;
    for (i, embed) in embeds.iter().enumerate() {
        check_len(&mut errors, format!("embeds.{i}.title"), &embed["title"], 256);
        check_len(&mut errors, format!("embeds.{i}.description"), &embed["description"], 4096);
        check_len(&mut errors, format!("embeds.{i}.footer.text"), &embed["footer"]["text"], 2048);
        check_len(&mut errors, format!("embeds.{i}.author.name"), &embed["author"]["name"], 256);
        total += text_len(&embed["title"])
            + text_len(&embed["description"])
            + text_len(&embed["footer"]["text"])
            + text_len(&embed["author"]["name"]);
        let fields = embed.get("fields").and_then(Value::as_array).cloned().unwrap_or_default();
        if fields.len() > 25 {
            errors.push((
                format!("embeds.{i}.fields"),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.".to_string(),
            ));
        }
        for (j, field) in fields.iter().enumerate() {
            for (key, max) in [("name", 256), ("value", 1024)] {
                let path = format!("embeds.{i}.fields.{j}.{key}");
                if text_len(&field[key]) == 0 {
                    errors.push((path, "BASE_TYPE_REQUIRED", "This field is required".to_string()));
                } else {
                    check_len(&mut errors, path, &field[key], max);
                }
            }
            total += text_len(&field["name"]) + text_len(&field["value"]);
        }
    }
    if total > 6000 {
        errors.push((
            "embeds".to_string(),
            "MAX_EMBED_SIZE_EXCEEDED",
            "Embed size exceeds maximum size of 6000".to_string(),
        ));
    }
    if !errors.is_empty() {
        return Some(Reply::invalid_form(errors));
    }
    let non_empty = |key: &str| body.get(key).and_then(Value::as_array).is_some_and(|a| !a.is_empty());
    let has_content = text_len(&body["content"]) > 0
        || !embeds.is_empty()
        || non_empty("components")
        || non_empty("attachments")
        || non_empty("sticker_ids")
        || body.get("poll").is_some_and(|p| !p.is_null());
    if must_have_content && !has_content {
        return Some(Reply::error(400, "Cannot send an empty message", 50006));
    }
    None
}

/// `^[-_'\p{L}\p{N}]{1,32}$`, lower case (for chat-input commands and their options).
fn valid_name(name: &str) -> bool {
    let count = name.chars().count();
    (1..=32).contains(&count)
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '\''))
        && name.to_lowercase() == name
}

fn validate_commands(list: &[Value]) -> Vec<(String, &'static str, String)> {
    let mut errors = Vec::new();
    if list.len() > 100 {
        errors.push((String::new(), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.".to_string()));
    }
    let mut seen = Vec::new();
    for (i, command) in list.iter().enumerate() {
        let kind = command.get("type").and_then(Value::as_u64).unwrap_or(1);
        let name = command["name"].as_str().unwrap_or_default();
        let name_ok = if kind == 1 { valid_name(name) } else { (1..=32).contains(&name.chars().count()) };
        if !name_ok {
            errors.push((
                format!("{i}.name"),
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid".to_string(),
            ));
        }
        if seen.contains(&(kind, name)) {
            errors.push((
                format!("{i}.name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique".to_string(),
            ));
        }
        seen.push((kind, name));
        if kind == 1 {
            let description_len = text_len(&command["description"]);
            if !(1..=100).contains(&description_len) {
                errors.push((
                    format!("{i}.description"),
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 100 in length.".to_string(),
                ));
            }
            validate_options(&mut errors, command.get("options"), &format!("{i}.options"), 0);
        }
    }
    errors
}

fn validate_options(errors: &mut Vec<(String, &'static str, String)>, options: Option<&Value>, path: &str, depth: u8) {
    let options = options.and_then(Value::as_array).cloned().unwrap_or_default();
    if options.len() > 25 {
        errors.push((path.to_string(), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.".to_string()));
    }
    let mut seen_optional = false;
    let mut names = Vec::new();
    for (i, option) in options.iter().enumerate() {
        let here = format!("{path}.{i}");
        let name = option["name"].as_str().unwrap_or_default();
        if !valid_name(name) {
            errors.push((
                format!("{here}.name"),
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid".to_string(),
            ));
        }
        if names.contains(&name) {
            errors.push((
                format!("{here}.name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique".to_string(),
            ));
        }
        names.push(name);
        if !(1..=100).contains(&text_len(&option["description"])) {
            errors.push((
                format!("{here}.description"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.".to_string(),
            ));
        }
        let kind = option.get("type").and_then(Value::as_u64).unwrap_or(0);
        if matches!(kind, 1 | 2) {
            if depth >= 2 || (kind == 2 && depth >= 1) {
                errors.push((here.clone(), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Nesting too deep".to_string()));
            }
            validate_options(errors, option.get("options"), &format!("{here}.options"), depth + 1);
            continue;
        }
        let required = option.get("required").and_then(Value::as_bool).unwrap_or(false);
        if required && seen_optional {
            errors.push((
                here.clone(),
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options".to_string(),
            ));
        }
        seen_optional |= !required;
        let has_choices = option.get("choices").and_then(Value::as_array).is_some_and(|c| !c.is_empty());
        if has_choices && option.get("autocomplete").and_then(Value::as_bool) == Some(true) {
            errors.push((
                format!("{here}.autocomplete"),
                "AUTOCOMPLETE_AND_CHOICES_ERROR",
                "Autocomplete cannot be set if choices are present".to_string(),
            ));
        }
        errors.extend(validate_choices(option.get("choices"), &format!("{here}.choices")));
    }
    let kinds: Vec<u64> = options.iter().map(|o| o.get("type").and_then(Value::as_u64).unwrap_or(0)).collect();
    if kinds.iter().any(|k| matches!(k, 1 | 2)) && kinds.iter().any(|k| !matches!(k, 1 | 2)) {
        errors.push((
            path.to_string(),
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Sub-command and sub-command group option types are mutually exclusive to all other types".to_string(),
        ));
    }
}

/// At most 25 choices, name 1-100, string value at most 100.
fn validate_choices(choices: Option<&Value>, path: &str) -> Vec<(String, &'static str, String)> {
    let mut errors = Vec::new();
    let choices = choices.and_then(Value::as_array).cloned().unwrap_or_default();
    if choices.len() > 25 {
        errors.push((path.to_string(), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.".to_string()));
    }
    for (i, choice) in choices.iter().enumerate() {
        if !(1..=100).contains(&text_len(&choice["name"])) {
            errors.push((
                format!("{path}.{i}.name"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.".to_string(),
            ));
        }
        check_len(&mut errors, format!("{path}.{i}.value"), &choice["value"], 100);
    }
    errors
}

// ---------------------------------------------------------------------------------------------
// Small helpers

fn rate_limit_body(retry_after: f64, global: bool) -> Value {
    json!({"message": "You are being rate limited.", "retry_after": round3(retry_after), "global": global})
}

fn rate_limit_headers(limit: u32, remaining: u32, reset_after: f64) -> Vec<(String, String)> {
    let reset = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64() + reset_after;
    vec![
        ("x-ratelimit-limit".to_string(), limit.to_string()),
        ("x-ratelimit-remaining".to_string(), remaining.to_string()),
        ("x-ratelimit-reset".to_string(), format!("{reset:.3}")),
        ("x-ratelimit-reset-after".to_string(), format!("{:.3}", round3(reset_after))),
        ("x-ratelimit-bucket".to_string(), MESSAGE_BUCKET.to_string()),
    ]
}

/// `Retry-After` is whole seconds, rounded up.
fn retry_after_header(secs: f64) -> String {
    (secs.ceil().max(0.0) as u64).to_string()
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).ceil() / 1000.0
}

/// A nonce (string or integer) as a map key.
fn nonce_key(nonce: &Value) -> Option<String> {
    match nonce {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A snowflake field sent as a string (or number).
fn snowflake_field(value: &Value, key: &str) -> Option<u64> {
    match value.get(key)? {
        Value::String(s) => s.parse().ok(),
        other => other.as_u64(),
    }
}

/// RFC 3339 in UTC with microseconds, as Discord writes timestamps.
fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, day_secs) = ((secs / 86_400) as i64, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        day_secs / 3600,
        day_secs / 60 % 60,
        day_secs % 60,
        since.subsec_micros()
    )
}

// ---------------------------------------------------------------------------------------------
// Gateway

enum GatewayCommand {
    Dispatch(String, Value),
    Close(u16),
}

struct GatewayClient {
    tx: mpsc::UnboundedSender<GatewayCommand>,
    identified: bool,
}

async fn gateway_accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let task = tokio::spawn(gateway_connection(stream, Arc::clone(&shared)));
        let mut state = shared.lock();
        state.gateway_tasks.retain(|t| !t.is_finished());
        state.gateway_tasks.push(task.abort_handle());
    }
}

fn frame(value: &Value) -> WsMessage {
    WsMessage::Text(value.to_string())
}

async fn gateway_connection(stream: TcpStream, shared: Arc<Shared>) {
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else { return };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let conn_id = {
        let mut state = shared.lock();
        state.next_gateway_id += 1;
        state.stats.connections += 1;
        let id = state.next_gateway_id;
        state.gateway_clients.insert(id, GatewayClient { tx, identified: false });
        id
    };
    shared.changed.notify_waiters();
    let hello =
        json!({"op": 10, "d": {"heartbeat_interval": shared.options.heartbeat_interval_ms}, "s": null, "t": null});
    let mut seq: u64 = 0;
    let mut closed_by_fake = false;
    let mut close_code = None;
    let mut commands_open = true;
    if ws.send(frame(&hello)).await.is_ok() {
        loop {
            tokio::select! {
                command = rx.recv(), if commands_open => match command {
                    Some(GatewayCommand::Dispatch(t, d)) => {
                        seq += 1;
                        let _ = ws.send(frame(&json!({"op": 0, "t": t, "s": seq, "d": d}))).await;
                    }
                    Some(GatewayCommand::Close(code)) => {
                        closed_by_fake = true;
                        shared.lock().gateway_clients.remove(&conn_id);
                        let close = CloseFrame { code: CloseCode::from(code), reason: "fake disconnect".into() };
                        let _ = ws.close(Some(close)).await;
                    }
                    None => commands_open = false,
                },
                incoming = ws.next() => match incoming {
                    Some(Ok(WsMessage::Text(text))) => {
                        let Ok(payload) = serde_json::from_str::<Value>(&text) else { continue };
                        for reply in gateway_op(&shared, conn_id, &payload, &mut seq) {
                            closed_by_fake |= matches!(reply, WsMessage::Close(_));
                            let _ = ws.send(reply).await;
                        }
                        shared.changed.notify_waiters();
                    }
                    Some(Ok(WsMessage::Close(frame))) => {
                        // Keep reading: tungstenite answers the close frame, then the stream ends.
                        close_code = frame.map(|f| u16::from(f.code));
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => break,
                },
            }
        }
    }
    let mut state = shared.lock();
    state.gateway_clients.remove(&conn_id);
    if !closed_by_fake {
        state.stats.client_closes += 1;
        if close_code.is_some() {
            state.stats.last_close_code = close_code;
        }
    }
    drop(state);
    shared.changed.notify_waiters();
}

/// Handles one client payload; returns the frames to send back.
fn gateway_op(shared: &Shared, conn_id: u64, payload: &Value, seq: &mut u64) -> Vec<WsMessage> {
    let d = payload.get("d").cloned().unwrap_or(Value::Null);
    let mut state = shared.lock();
    match payload.get("op").and_then(Value::as_u64) {
        Some(1) => {
            state.stats.heartbeats += 1;
            vec![frame(&json!({"op": 11, "d": null, "s": null, "t": null}))]
        }
        Some(2) => {
            state.identify = Some(d.clone());
            state.stats.identifies += 1;
            let token = d.get("token").and_then(Value::as_str).unwrap_or_default();
            let bare = token.strip_prefix("Bot ").unwrap_or(token);
            if shared.options.token.as_deref().is_some_and(|expected| expected != bare) {
                let close = CloseFrame { code: CloseCode::from(4004), reason: "Authentication failed.".into() };
                return vec![WsMessage::Close(Some(close))];
            }
            let session_id = format!("fake-session-{}", state.sessions.len() + 1);
            state.sessions.push(session_id.clone());
            state.stats.readies += 1;
            if let Some(client) = state.gateway_clients.get_mut(&conn_id) {
                client.identified = true;
            }
            *seq = 1;
            let ready = json!({
                "v": 10,
                "user": shared.bot_user(),
                "guilds": [],
                "session_id": session_id,
                "resume_gateway_url": shared.gateway_url,
                "shard": d.get("shard").cloned().unwrap_or_else(|| json!([0, 1])),
                "application": {"id": shared.options.application_id.to_string(), "flags": 0},
            });
            vec![frame(&json!({"op": 0, "t": "READY", "s": 1, "d": ready}))]
        }
        Some(6) => {
            let known =
                d.get("session_id").and_then(Value::as_str).is_some_and(|s| state.sessions.iter().any(|k| k == s));
            if !known {
                return vec![frame(&json!({"op": 9, "d": false, "s": null, "t": null}))];
            }
            state.stats.resumes += 1;
            if let Some(client) = state.gateway_clients.get_mut(&conn_id) {
                client.identified = true;
            }
            *seq = d.get("seq").and_then(Value::as_u64).unwrap_or(0) + 1;
            vec![frame(&json!({"op": 0, "t": "RESUMED", "s": *seq, "d": {}}))]
        }
        _ => Vec::new(),
    }
}
