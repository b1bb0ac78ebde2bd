//! The REST API: the axum fallback handler that records every request, answers injected responses
//! first, then the emulated global rate limit, then routes `/api/v10/...` (and unversioned
//! `/api/webhooks/...`) with the bot token checked; successful answers may then be lost. It fakes, per
//! Discord's docs: Get Gateway and Get Gateway Bot, Get Current User, Get Current Application, Get and
//! Bulk Overwrite Global and Guild Application Commands, Create Message (`nonce` + `enforce_nonce`
//! de-duplication, the per-route `X-RateLimit-*` headers and per-channel 429s), Execute Webhook
//! (`?wait=true`), Create Interaction Response (callback types, 40060 once acknowledged, 10062 "Unknown
//! interaction" after the deadline), Create Followup Message and Get/Edit Original Interaction
//! Response; Get and Modify Channel, Edit and Delete Message, Start Thread from Message, Start Thread
//! in Forum or Media Channel (or without a message), List Active Guild Threads and List Public
//! Archived Threads (all in `channels`), Get, Edit and
//! Delete Webhook Message (401 50027 for another token); multipart bodies read through their
//! `payload_json`; the global rate limit of Topics > Rate Limits (interaction and webhook routes excepted);
//! and JSON errors with the codes of Topics > Opcodes and Status Codes (401, 403 50001, 404, 405).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::extract::connect_info::ConnectInfo;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::channels::{
    active_threads, apply_edit, archived_public_threads, check_create_message, delete_message, edit_message,
    get_channel, modify_channel, note_message_in, start_thread, thread_from_message,
};
use super::connections::ConnHandle;
use super::helpers::{
    multipart_payload_json, nonce_key, rate_limit_body, rate_limit_headers, retry_after_header, rfc3339,
    snowflake_field,
};
use super::limits::{validate_choices, validate_commands, validate_message};
use super::{
    DEFAULT_CHANNEL_LIMIT, FakeState, LostResponse, Recorded, Shared, StoredMessage, UNKNOWN_CHANNEL_ID, WebhookPost,
    take_rule,
};

/// An answer before it becomes an HTTP response.
pub(super) struct Reply {
    status: u16,
    body: Value,
    headers: Vec<(String, String)>,
}

impl Reply {
    pub(super) fn json(status: u16, body: Value) -> Self {
        Reply { status, body, headers: Vec::new() }
    }

    pub(super) fn no_content() -> Self {
        Reply { status: 204, body: Value::Null, headers: Vec::new() }
    }

    pub(super) fn error(status: u16, message: &str, code: i64) -> Self {
        Reply::json(status, json!({"message": message, "code": code}))
    }

    fn not_found() -> Self {
        Reply::error(404, "404: Not Found", 0)
    }

    pub(super) fn invalid_form(errors: Vec<(String, &'static str, String)>) -> Self {
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
pub(super) fn route_of(path: &str) -> (&str, Option<bool>) {
    if let Some(route) = path.strip_prefix("/api/v10") {
        (route, Some(true))
    } else if let Some(route) = path.strip_prefix("/api") {
        (route, Some(false))
    } else {
        (path, None)
    }
}

pub(super) async fn rest_handler(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let at = Instant::now();
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    // A multipart body (serenity sends forum posts so) is recorded as its `payload_json` part.
    let body: Value = serde_json::from_slice(&body)
        .ok()
        .or_else(|| multipart_payload_json(&content_type, &body))
        .unwrap_or(Value::Null);
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
    if let ["channels", channel, ..] = segments
        && channel.parse().is_ok_and(|id: u64| state.deleted_channels.contains(&id))
    {
        return Reply::error(404, "Unknown Channel", 10003);
    }
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
        ["channels", channel] if allow(&["GET", "PATCH"]) => match channel.parse() {
            Ok(channel_id) if method == "GET" => get_channel(state, channel_id),
            Ok(channel_id) => modify_channel(state, channel_id, &req.body),
            Err(_) => Reply::error(404, "Unknown Channel", 10003),
        },
        ["channels", channel, "threads", "archived", "public"] if allow(&["GET"]) => match channel.parse() {
            Ok(channel_id) => archived_public_threads(state, channel_id, req.query.as_deref()),
            Err(_) => Reply::error(404, "Unknown Channel", 10003),
        },
        ["channels", channel, "messages", message] if allow(&["PATCH", "DELETE"]) => {
            match (channel.parse(), message.parse()) {
                (Ok(c), Ok(m)) if method == "PATCH" => edit_message(state, c, m, &req.body),
                (Ok(c), Ok(m)) => delete_message(state, c, m),
                (Err(_), _) => Reply::error(404, "Unknown Channel", 10003),
                (_, Err(_)) => Reply::error(404, "Unknown Message", 10008),
            }
        }
        ["channels", channel, "messages", message, "threads"] if allow(&["POST"]) => {
            match (channel.parse(), message.parse()) {
                (Ok(c), Ok(m)) => thread_from_message(shared, state, c, m, &req.body),
                (Err(_), _) => Reply::error(404, "Unknown Channel", 10003),
                (_, Err(_)) => Reply::error(404, "Unknown Message", 10008),
            }
        }
        ["channels", channel, "threads"] if allow(&["POST"]) => match channel.parse() {
            Ok(channel_id) => start_thread(shared, state, channel_id, &req.body),
            Err(_) => Reply::error(404, "Unknown Channel", 10003),
        },
        ["guilds", guild, "threads", "active"] if allow(&["GET"]) => match guild.parse() {
            Ok(guild_id) => active_threads(state, guild_id),
            Err(_) => Reply::error(404, "Unknown Guild", 10004),
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
        ["webhooks", id, token, "messages", message] if allow(&["GET", "PATCH", "DELETE"]) => {
            match (id.parse::<u64>(), message.parse::<u64>()) {
                (Ok(id), Ok(message)) if id != app_id => webhook_message_route(state, method, id, token, message, req),
                (Ok(_), _) => Reply::error(404, "Unknown Message", 10008),
                (Err(_), _) => Reply::error(404, "Unknown Webhook", 10015),
            }
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
            | ["channels", _]
            | ["channels", _, "messages", _]
            | ["channels", _, "messages", _, "threads"]
            | ["channels", _, "threads"]
            | ["channels", _, "threads", "archived", "public"]
            | ["guilds", _, "threads", "active"]
            | ["interactions", _, _, "callback"]
            | ["webhooks", _, _]
            | ["webhooks", _, _, "messages", _]
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
    if let Some(reply) = check_create_message(state, channel_id) {
        return reply;
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
    let id = shared.snowflake();
    let message = message_json(id, channel_id, body, shared.bot_user(), &[]);
    if let Some(nonce) = enforced_nonce {
        state.nonces.insert((channel_id, nonce), message.clone());
    }
    state.messages.push(StoredMessage {
        id,
        channel_id,
        body: body.clone(),
        object: message.clone(),
        edits: Vec::new(),
    });
    note_message_in(state, channel_id);
    Reply { status: 200, body: message, headers }
}

fn execute_webhook(shared: &Shared, state: &mut FakeState, webhook_id: u64, req: &Recorded) -> Reply {
    if let Some(reply) = validate_message(&req.body, true) {
        return reply;
    }
    let query = req.query.as_deref().unwrap_or("");
    let param = |name: &str| query.split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='));
    let wait = param("wait") == Some("true");
    // The fake has no webhook channels: a webhook posts into a channel with the webhook's id, or
    // into the thread of `thread_id`.
    let channel_id = param("thread_id").and_then(|t| t.parse().ok()).unwrap_or(webhook_id);
    let author = json!({"id": webhook_id.to_string(), "username": "Fake Webhook", "discriminator": "0000",
                        "avatar": null, "bot": true});
    let extra = [("webhook_id", json!(webhook_id.to_string()))];
    let id = shared.snowflake();
    let object = message_json(id, channel_id, &req.body, author, &extra);
    let (_, token) = webhook_parts(&req.path);
    let message = StoredMessage { id, channel_id, body: req.body.clone(), object: object.clone(), edits: Vec::new() };
    state.webhook_posts.push(WebhookPost { webhook_id, token, message });
    if wait { Reply::json(200, object) } else { Reply::no_content() }
}

/// The webhook id and token of a `/webhooks/{id}/{token}...` path.
fn webhook_parts(path: &str) -> (String, String) {
    let (route, _) = route_of(path);
    let mut parts = route.split('/').filter(|s| !s.is_empty()).skip(1);
    let id = parts.next().unwrap_or_default().to_string();
    (id, parts.next().unwrap_or_default().to_string())
}

/// Get, Edit and Delete Webhook Message: 404 10008 for a message the webhook did not post, 401 50027
/// for the wrong token.
fn webhook_message_route(
    state: &mut FakeState,
    method: &str,
    webhook_id: u64,
    token: &str,
    message_id: u64,
    req: &Recorded,
) -> Reply {
    let Some(index) = state.webhook_posts.iter().position(|p| p.webhook_id == webhook_id && p.message.id == message_id)
    else {
        return Reply::error(404, "Unknown Message", 10008);
    };
    if state.webhook_posts[index].token != token {
        return Reply::error(401, "Invalid Webhook Token", 50027);
    }
    match method {
        "GET" => Reply::json(200, state.webhook_posts[index].message.object.clone()),
        "DELETE" => {
            state.webhook_posts.remove(index);
            Reply::no_content()
        }
        _ => {
            if let Some(reply) = validate_message(&req.body, false) {
                return reply;
            }
            match apply_edit(&mut state.webhook_posts[index].message, &req.body) {
                Some(object) => Reply::json(200, object),
                None => Reply::error(400, "Cannot send an empty message", 50006),
            }
        }
    }
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
pub(super) fn message_json(id: u64, channel_id: u64, body: &Value, author: Value, extra: &[(&str, Value)]) -> Value {
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
        "components": body.get("components").filter(|c| c.is_array()).cloned().unwrap_or_else(|| json!([])),
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
pub(super) fn normalize_embeds(embeds: &Value) -> Value {
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
