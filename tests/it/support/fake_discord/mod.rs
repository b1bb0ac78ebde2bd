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
//! ([`FakeDiscord::inject_lost_response`]). Messages are stored by id, so they can be edited and
//! deleted ([`FakeDiscord::edits`], [`FakeDiscord::deleted`]); channels have types
//! ([`FakeDiscord::set_channel`]: text, forum, media, thread), threads are started from messages or
//! posted in forums ([`FakeDiscord::threads`]), and webhook messages are returned with `?wait=true`,
//! edited and deleted. The gateway can be taken down ([`FakeDiscord::set_gateway_down`]). Dropping
//! the [`FakeDiscord`] shuts it down.

// Each test binary (and the benchmark) uses a different part of this module.
#![allow(dead_code)]

mod channels;
mod connections;
mod gateway;
mod helpers;
mod interactions;
mod limits;
mod rest;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::AbortHandle;

use connections::{ConnHandle, RestListener};
use gateway::{GatewayClient, GatewayCommand, gateway_accept_loop};
use helpers::{rate_limit_body, retry_after_header, snowflake_field};
use rest::{rest_handler, route_of};

// The benchmark, which includes this module by path, builds no interactions.
#[allow(unused_imports)]
pub use channels::{ChannelSpec, ForumTag, GUILD_ID, REQUIRE_TAG};
#[allow(unused_imports)]
pub use interactions::{InteractionSpec, autocomplete_interaction, command_interaction, component_interaction};

use channels::ChannelEntry;

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

    /// A 400 "Maximum number of edits to messages older than 1 hour reached. Try again later" (code
    /// 30046), Discord's refusal of too many edits of an old message.
    pub fn too_many_edits() -> Self {
        Self::error(400, "Maximum number of edits to messages older than 1 hour reached. Try again later", 30046)
    }

    /// A 400 "Thread is archived" (code 50083), as for an edit in an archived thread.
    pub fn thread_archived() -> Self {
        Self::error(400, "Thread is archived", 50083)
    }

    /// A 403 "Missing Permissions" (code 50013).
    pub fn missing_permissions() -> Self {
        Self::error(403, "Missing Permissions", 50013)
    }

    /// A 404 "Unknown Message" (code 10008).
    pub fn unknown_message() -> Self {
        Self::error(404, "Unknown Message", 10008)
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

    /// The bodies of the messages created in a channel (as sent, with later edits applied), in
    /// order; de-duplicated repeats, refused requests and deleted messages are not included. A
    /// thread's messages are under the thread's id, a forum post's starter message included.
    pub fn messages(&self, channel_id: u64) -> Vec<Value> {
        let state = self.shared.lock();
        state.messages.iter().filter(|m| m.channel_id == channel_id).map(|m| m.body.clone()).collect()
    }

    /// Every created message as `(channel id, body as sent with edits applied)`, in creation order.
    pub fn all_messages(&self) -> Vec<(u64, Value)> {
        self.shared.lock().messages.iter().map(|m| (m.channel_id, m.body.clone())).collect()
    }

    /// The Message objects of a channel's messages as Discord would return them now (ids,
    /// `edited_timestamp`, `thread`), in order.
    pub fn message_objects(&self, channel_id: u64) -> Vec<Value> {
        let state = self.shared.lock();
        state.messages.iter().filter(|m| m.channel_id == channel_id).map(|m| m.object.clone()).collect()
    }

    /// The Message object of one message (channel or webhook message), if it exists and was not
    /// deleted.
    pub fn message(&self, message_id: u64) -> Option<Value> {
        let state = self.shared.lock();
        let webhook = state.webhook_posts.iter().map(|p| &p.message);
        state.messages.iter().chain(webhook).find(|m| m.id == message_id).map(|m| m.object.clone())
    }

    /// The accepted edit bodies of one message (Edit Message or Edit Webhook Message), in order.
    pub fn edits(&self, message_id: u64) -> Vec<Value> {
        let state = self.shared.lock();
        let webhook = state.webhook_posts.iter().map(|p| &p.message);
        state.messages.iter().chain(webhook).find(|m| m.id == message_id).map(|m| m.edits.clone()).unwrap_or_default()
    }

    /// The ids of the messages deleted from a channel with Delete Message, in order.
    pub fn deleted(&self, channel_id: u64) -> Vec<u64> {
        self.shared.lock().deleted.iter().filter(|(c, _)| *c == channel_id).map(|(_, m)| *m).collect()
    }

    /// The bodies posted to a (non-interaction) webhook, in order, with edits applied and deleted
    /// messages left out.
    pub fn webhook_messages(&self, webhook_id: u64) -> Vec<Value> {
        let state = self.shared.lock();
        state.webhook_posts.iter().filter(|p| p.webhook_id == webhook_id).map(|p| p.message.body.clone()).collect()
    }

    /// The Message objects posted through a webhook (with their ids), in order.
    pub fn webhook_message_objects(&self, webhook_id: u64) -> Vec<Value> {
        let state = self.shared.lock();
        state.webhook_posts.iter().filter(|p| p.webhook_id == webhook_id).map(|p| p.message.object.clone()).collect()
    }

    /// Configures one channel (type, guild, name, forum tags, REQUIRE_TAG, the bot's thread
    /// permissions, archived), replacing what the fake knew of it. Unconfigured ids are text channels.
    pub fn set_channel(&self, spec: ChannelSpec) {
        self.shared.lock().channels.insert(spec.id, ChannelEntry::new(spec));
    }

    /// The Channel object Get Channel answers for this id.
    pub fn channel(&self, channel_id: u64) -> Value {
        self.shared.lock().channel(channel_id).to_json()
    }

    /// The Channel objects of the threads (created or configured) whose parent is `parent_id`, by id.
    pub fn threads(&self, parent_id: u64) -> Vec<Value> {
        let state = self.shared.lock();
        let mut threads: Vec<&ChannelEntry> =
            state.channels.values().filter(|c| c.spec.parent_id == Some(parent_id)).collect();
        threads.sort_by_key(|c| c.spec.id);
        threads.iter().map(|c| c.to_json()).collect()
    }

    /// Archives (or unarchives) a thread: edits in an archived thread get 400 50083, List Active
    /// Guild Threads leaves it out (List Public Archived Threads lists it), and a new message in it, or
    /// Modify Channel with `archived: false`, unarchives it.
    pub fn set_archived(&self, thread_id: u64, archived: bool) {
        let mut state = self.shared.lock();
        let mut entry = state.channel(thread_id);
        entry.set_archived(archived);
        state.channels.insert(thread_id, entry);
    }

    /// Deletes a channel or thread (as a moderator deleting a forum post does), with its messages:
    /// every later request on it answers 404 Unknown Channel (10003).
    pub fn delete_channel(&self, channel_id: u64) {
        let mut state = self.shared.lock();
        state.channels.remove(&channel_id);
        state.messages.retain(|m| m.channel_id != channel_id);
        state.deleted_channels.insert(channel_id);
    }

    /// Locks (or unlocks) a thread: the bot, lacking Manage Threads, can no longer unarchive it.
    pub fn set_locked(&self, thread_id: u64, locked: bool) {
        let mut state = self.shared.lock();
        let mut entry = state.channel(thread_id);
        entry.spec.locked = locked;
        state.channels.insert(thread_id, entry);
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

    /// Takes the gateway down (or back up): while down, every new connection is closed as soon as it
    /// is accepted, before the WebSocket handshake, as when Discord's gateway cannot be reached
    /// (serenity keeps trying to reconnect). Connections already open stay open; close them with
    /// [`Self::disconnect_gateway`].
    pub fn set_gateway_down(&self, down: bool) {
        self.shared.lock().gateway_down = down;
    }

    /// How many connections were closed at accept while the gateway was down.
    pub fn refused_connections(&self) -> usize {
        self.shared.lock().refused_connections
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
    webhook_posts: Vec<WebhookPost>,
    /// Configured channels and the threads created through the API.
    channels: HashMap<u64, ChannelEntry>,
    /// Channels and threads deleted ([`FakeDiscord::delete_channel`]): 404 10003 from then on.
    deleted_channels: std::collections::HashSet<u64>,
    /// `(channel id, message id)` of the messages deleted, in order.
    deleted: Vec<(u64, u64)>,
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
    /// See [`FakeDiscord::set_gateway_down`].
    gateway_down: bool,
    /// Connections dropped at accept while the gateway was down.
    refused_connections: usize,
}

struct StoredMessage {
    id: u64,
    channel_id: u64,
    /// The body as sent, with the edits applied.
    body: Value,
    /// The Message object as Discord would return it now.
    object: Value,
    /// The edit bodies accepted, in order.
    edits: Vec<Value>,
}

/// A message posted through a (non-interaction) webhook, and the token it was posted with.
struct WebhookPost {
    webhook_id: u64,
    token: String,
    message: StoredMessage,
}

struct Rule<T> {
    method: String,
    prefix: String,
    queue: VecDeque<T>,
}

fn take_rule<T>(rules: &mut [Rule<T>], method: &str, route: &str) -> Option<T> {
    rules.iter_mut().filter(|r| r.method == method && route.starts_with(&r.prefix)).find_map(|r| r.queue.pop_front())
}
