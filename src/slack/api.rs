//! Posting to Slack channels through the Web API's `chat.postMessage`, as a delivery [`Sink`],
//! exactly once per part; and changing a posted part with `chat.update` and `chat.delete`.
//!
//! Each part of a digest is one `POST {api_base}/chat.postMessage` with the bot token as a bearer
//! token and the encoder's body plus two transport fields: `channel`, and `metadata` with
//! `event_type` [`PART_EVENT`] and an `event_payload` of the part's delivery key (the delivery
//! nonce, a hash of digest, channel and part; no secret), the digest's id and the part's index.
//! Slack answers most failures with HTTP 200 and `{"ok": false, "error": "<code>"}`; [`classify`]
//! sorts the status and the code into what the delivery engine does next.
//!
//! chat.postMessage has no idempotency key, so a part whose answer was lost (a timeout, a reset, a
//! crash before the ledger write) is looked for before it is posted again ([`Sink::find_posted`]):
//! `conversations.history` of the channel from [`RECONCILE_MARGIN`] before the part's pending row was
//! first written, newest first, with `include_all_metadata`, [`HISTORY_PAGE`] messages a page and at
//! most [`HISTORY_PAGES`] pages. A message with the part's event type and key is adopted (its `ts`
//! becomes the part's message id). Only this app writes its event type, and a message posted by
//! another bot is refused when both it and `auth.test` name a `bot_id`, so the key alone never
//! adopts a stranger's message. The scan is bounded in time (never older than the pending time minus
//! the margin) and in size (2,000 messages): a channel with more than that since the pending time
//! cannot be searched to the end, and the part is then posted, with a warning.
//!
//! Looking needs the `channels:history` and `groups:history` scopes. [`SlackApi::identity`] calls
//! `auth.test` once and reads its `x-oauth-scopes` header: when one is missing, one warning names it
//! and what it costs, and parts are posted again without looking, as incoming webhooks are.
//!
//! A correction edits a part in place with `chat.update` (`channel` and `ts` from where the part
//! landed, the new body's `text` and `blocks`, and the same `metadata` as the post, so that the part
//! stays recognisable) and removes one with `chat.delete`; a message already gone
//! (`message_not_found`) counts as deleted. [`classify_change`] sorts their answers: a message that is
//! not there, not ours or past the edit window is [`SendError::Rejected`], the rest as for a post.
//! Nothing here ever puts the token in an error or a log line.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::OnceCell;
use tracing::{info, warn};

use crate::deliver::{ChangeFuture, FindFuture, PartKey, RateLimits, SendError, SendFuture, Sent, Sink};
use crate::http::{REQUEST_TIMEOUT, describe, retry_after, snippet};
use crate::logging::untrusted;
use crate::secret::Secret;
use crate::target::{Posted, Target};

/// Slack allows about one message per second per channel, with short bursts. No global limit:
/// chat.postMessage is limited per channel, and Slack publishes no workspace-wide number for it
/// ("several hundred messages a minute"), far above a weekly digest to a team's channels. A guess
/// would only slow delivery down; should Slack still say 429, the engine waits the `Retry-After`
/// it gives.
pub const LIMITS: RateLimits = RateLimits { per_channel: (1, Duration::from_secs(1)), global: None };

/// The `event_type` of the metadata on every part this app posts.
pub const PART_EVENT: &str = "digestbot_part";
/// The scopes `conversations.history` needs: public channels, private channels.
pub const HISTORY_SCOPES: [&str; 2] = ["channels:history", "groups:history"];
/// How far before a part's pending time the history is read: clock skew between this host and
/// Slack, and the time between the row and the request.
pub const RECONCILE_MARGIN: Duration = Duration::from_secs(600);
/// How long after a recent attempt a part that was not found is looked for once more: Slack's
/// history can lag a message it has just accepted by a second or two.
pub const HISTORY_SETTLE: Duration = Duration::from_secs(3);
/// How many times one look waits out a rate limit on a page after the first (the first page's is the
/// delivery engine's to wait out, as for a post); the scan then resumes at the same cursor.
const HISTORY_RATE_LIMIT_WAITS: u32 = 5;
/// Messages per `conversations.history` page (Slack allows up to 999 and recommends at most 200).
pub const HISTORY_PAGE: u32 = 200;
/// Pages read per look, at most: with [`HISTORY_PAGE`], the newest 2,000 messages since the pending
/// time (a few hundred others in a busy channel are well within).
pub const HISTORY_PAGES: usize = 10;

/// Error codes meaning the channel cannot receive the bot's posts: stop and mark it failed.
const GONE: &[&str] = &["channel_not_found", "not_in_channel", "is_archived", "channel_is_archived"];
/// Error codes meaning the token itself is refused or lacks the `chat:write` scope: nothing on
/// Slack can work until an operator acts.
const UNAUTHORIZED: &[&str] = &[
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "account_inactive",
    "token_expired",
    "missing_scope",
    "not_allowed_token_type",
];
/// Error codes of a hiccup on Slack's side: retry with back-off.
const TRANSIENT: &[&str] = &["internal_error", "fatal_error", "service_unavailable", "request_timeout"];
const RATE_LIMITED: &[&str] = &["ratelimited", "rate_limited"];
/// Error codes of `chat.update` and `chat.delete` about the one message: it is not there, the bot may
/// not change it, or it is too old to edit. Retrying cannot help.
const MESSAGE_REFUSED: &[(&str, &str)] = &[
    ("message_not_found", "the message is no longer there"),
    ("cant_update_message", "the bot may not edit this message"),
    ("cant_delete_message", "the bot may not delete this message"),
    ("edit_window_closed", "the message is too old to edit"),
    ("compliance_exports_prevent_deletion", "compliance exports prevent deleting this message"),
];

/// The `chat.postMessage` client, which also reads channels back to find parts already posted.
#[derive(Debug, Clone)]
pub struct SlackApi {
    http: reqwest::Client,
    /// `{api_base}` without a trailing slash.
    base: String,
    token: Secret,
    /// What `auth.test` said, once it answered (shared by clones).
    identity: Arc<OnceCell<Identity>>,
}

/// What `auth.test` says about the bot token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// The bot's id (`B…`), which every message it posts carries.
    pub bot_id: Option<String>,
    /// The scopes of [`HISTORY_SCOPES`] the token lacks. Empty when it has both, or when the answer
    /// had no `x-oauth-scopes` header (then the history calls themselves tell).
    pub missing: Vec<&'static str>,
}

impl Identity {
    /// Whether parts whose answer was lost can be looked for.
    pub fn can_reconcile(&self) -> bool {
        self.missing.is_empty()
    }
}

/// The part of Slack's answer we read.
#[derive(Debug, Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    ts: Option<String>,
    #[serde(default)]
    channel: Option<String>,
}

/// `auth.test`'s answer.
#[derive(Debug, Deserialize)]
struct AuthAnswer {
    ok: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    bot_id: Option<String>,
}

/// One page of `conversations.history`.
#[derive(Debug, Default, Deserialize)]
pub struct HistoryPage {
    #[serde(default)]
    pub messages: Vec<HistoryMessage>,
    #[serde(default)]
    pub has_more: bool,
    #[serde(default)]
    pub response_metadata: Option<ResponseMetadata>,
}

/// The pagination part of an answer.
#[derive(Debug, Default, Deserialize)]
pub struct ResponseMetadata {
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// The fields of a message in the history that identify one of our parts.
#[derive(Debug, Default, Deserialize)]
pub struct HistoryMessage {
    #[serde(default)]
    pub ts: Option<String>,
    #[serde(default)]
    pub bot_id: Option<String>,
    #[serde(default)]
    pub metadata: Option<Value>,
}

impl HistoryPage {
    /// The cursor of the next page, when there is one.
    fn next_cursor(&self) -> Option<&str> {
        let cursor = self.response_metadata.as_ref()?.next_cursor.as_deref()?;
        (self.has_more && !cursor.is_empty()).then_some(cursor)
    }
}

impl HistoryMessage {
    /// Whether this is the part with `key`, posted by this bot (`bot_id` from `auth.test`).
    pub fn is_part(&self, key: &str, bot_id: Option<&str>) -> bool {
        let Some(metadata) = &self.metadata else { return false };
        let ours = metadata.get("event_type").and_then(Value::as_str) == Some(PART_EVENT)
            && metadata.pointer("/event_payload/key").and_then(Value::as_str) == Some(key);
        let stranger = matches!((bot_id, self.bot_id.as_deref()), (Some(mine), Some(theirs)) if mine != theirs);
        ours && !stranger && self.ts.is_some()
    }
}

/// The `metadata` field of a part: what [`HistoryMessage::is_part`] recognises.
pub fn part_metadata(part: PartKey<'_>) -> Value {
    json!({
        "event_type": PART_EVENT,
        "event_payload": {"key": part.nonce, "digest": part.digest, "part": part.part},
    })
}

/// Slack's `oldest`/`latest` form of an instant: seconds and microseconds.
pub fn slack_ts(at: DateTime<Utc>) -> String {
    format!("{}.{:06}", at.timestamp(), at.timestamp_subsec_micros())
}

impl SlackApi {
    /// A client posting to `api_base` (such as `https://slack.com/api`) with the bot token (`xoxb-…`).
    pub fn new(http: reqwest::Client, api_base: &str, token: Secret) -> SlackApi {
        SlackApi { http, base: api_base.trim_end_matches('/').to_string(), token, identity: Arc::new(OnceCell::new()) }
    }

    fn url(&self, method: &str) -> String {
        format!("{}/{method}", self.base)
    }

    /// Posts one message body (without `channel`) to a channel, as is.
    pub async fn post(&self, channel: &str, body: &Value) -> Result<Sent, SendError> {
        self.post_with(channel, body, None).await
    }

    async fn post_with(&self, channel: &str, body: &Value, metadata: Option<Value>) -> Result<Sent, SendError> {
        let Some(fields) = body.as_object() else {
            return Err(SendError::Rejected("the message body is not a JSON object".into()));
        };
        let mut payload = fields.clone();
        payload.insert("channel".into(), Value::String(channel.to_string()));
        if let Some(metadata) = metadata {
            payload.insert("metadata".into(), metadata);
        }
        let request = self.http.post(self.url("chat.postMessage")).json(&payload);
        let answer = self.call("chat.postMessage", request).await?;
        let mut sent = classify(answer.status, retry_after(&answer.headers), &answer.text)?;
        sent.channel.get_or_insert_with(|| channel.to_string());
        Ok(sent)
    }

    /// What `auth.test` says about the token, asked once (at start-up, by `serve`) and remembered;
    /// a missing history scope is logged here, once. `None` when `auth.test` could not be asked
    /// (it is asked again next time; meanwhile parts are looked for, and a history call the token
    /// may not make is treated as a missing scope).
    pub async fn identity(&self) -> Option<&Identity> {
        match self.identity.get_or_try_init(|| self.auth_test()).await {
            Ok(identity) => Some(identity),
            Err(e) => {
                warn!(error = %untrusted(&e.to_string()), "Slack auth.test failed; the token's scopes are unknown");
                None
            }
        }
    }

    async fn auth_test(&self) -> Result<Identity, SendError> {
        let Exchange { status, headers, text } = self.call("auth.test", self.http.post(self.url("auth.test"))).await?;
        let scopes = headers
            .get("x-oauth-scopes")
            .map(|v| v.to_str().unwrap_or("").split(',').map(|s| s.trim().to_string()).collect::<Vec<_>>());
        let answer: AuthAnswer = serde_json::from_str(&text)
            .map_err(|_| SendError::Transient(format!("auth.test: HTTP {}: {}", status.as_u16(), snippet(&text))))?;
        if !answer.ok {
            let code = answer.error.map_or_else(|| "unknown_error".to_string(), |code| error_code(&code));
            return Err(SendError::Rejected(format!("auth.test: {code}")));
        }
        let missing: Vec<&'static str> = match &scopes {
            Some(scopes) => HISTORY_SCOPES.into_iter().filter(|s| !scopes.iter().any(|have| have == s)).collect(),
            None => Vec::new(),
        };
        if !missing.is_empty() {
            warn!(
                missing = %missing.join(", "),
                "the Slack token lacks {}: a part whose answer is lost cannot be looked for in its channel, so a lost answer may double a post; add the scope under OAuth & Permissions and reinstall the app",
                missing.join(" and ")
            );
        } else if scopes.is_some() {
            info!(
                "the Slack token may read channel history: a part whose answer is lost is looked for before it is posted again"
            );
        }
        Ok(Identity { bot_id: answer.bot_id, missing })
    }

    /// Looks for the part with `key` in `channel`, from `since` minus [`RECONCILE_MARGIN`] on,
    /// within [`HISTORY_PAGES`] pages of [`HISTORY_PAGE`]. `Ok(None)` when it is not there, when the
    /// token may not read the channel, and when the bound ran out before the window did.
    pub async fn find_part(&self, channel: &str, key: &str, since: DateTime<Utc>) -> Result<Option<Sent>, SendError> {
        let identity = self.identity().await;
        if identity.is_some_and(|i| !i.can_reconcile()) {
            return Ok(None);
        }
        let bot_id = identity.and_then(|i| i.bot_id.as_deref());
        let oldest = slack_ts(since - chrono::Duration::from_std(RECONCILE_MARGIN).unwrap_or_default());
        let mut cursor: Option<String> = None;
        let mut waits = 0;
        let mut pages = 0;
        while pages < HISTORY_PAGES {
            let page = match self.history(channel, &oldest, cursor.as_deref()).await {
                Ok(page) => page,
                // Past the first page, a rate limit is waited out here, so the scan resumes where it
                // was instead of starting over (which, under a strict limit, would never end).
                Err(SendError::RateLimited { retry_after, .. })
                    if cursor.is_some() && waits < HISTORY_RATE_LIMIT_WAITS =>
                {
                    waits += 1;
                    tokio::time::sleep(retry_after.min(Duration::from_secs(60))).await;
                    continue;
                }
                Err(e @ (SendError::RateLimited { .. } | SendError::Transient(_))) => return Err(e),
                Err(e) => {
                    warn!(
                        channel = %untrusted(channel),
                        error = %untrusted(&e.to_string()),
                        "cannot read the Slack channel's history to look for a part whose answer was lost; posting it (it may appear twice)"
                    );
                    return Ok(None);
                }
            };
            if let Some(found) = page.messages.iter().find(|m| m.is_part(key, bot_id)) {
                return Ok(Some(Sent {
                    message_id: found.ts.clone(),
                    channel: Some(channel.to_string()),
                    ..Sent::default()
                }));
            }
            pages += 1;
            match page.next_cursor() {
                Some(next) => cursor = Some(next.to_string()),
                None => return self.settled_look(channel, key, bot_id, &oldest).await,
            }
        }
        warn!(
            channel = %untrusted(channel),
            messages = HISTORY_PAGES * HISTORY_PAGE as usize,
            "the Slack channel has more messages since the part was first tried than digestbot reads back; posting it (it may appear twice)"
        );
        Ok(None)
    }

    /// After a scan that did not find the part: waits [`HISTORY_SETTLE`] and reads the newest page
    /// once more, since Slack's history may not show a just-accepted message yet. Looks happen only
    /// after a failed or interrupted post, so the wait is rare.
    async fn settled_look(
        &self,
        channel: &str,
        key: &str,
        bot_id: Option<&str>,
        oldest: &str,
    ) -> Result<Option<Sent>, SendError> {
        tokio::time::sleep(HISTORY_SETTLE).await;
        let page = self.history(channel, oldest, None).await?;
        Ok(page.messages.iter().find(|m| m.is_part(key, bot_id)).map(|found| Sent {
            message_id: found.ts.clone(),
            channel: Some(channel.to_string()),
            ..Sent::default()
        }))
    }

    /// One page of `conversations.history`: a GET, as Slack documents it; a 404 or 405 (a proxy
    /// that passes only POST) is asked again as a form POST with the same arguments.
    async fn history(&self, channel: &str, oldest: &str, cursor: Option<&str>) -> Result<HistoryPage, SendError> {
        let limit = HISTORY_PAGE.to_string();
        let mut args: Vec<(&str, &str)> = vec![
            ("channel", channel),
            ("oldest", oldest),
            ("inclusive", "true"),
            ("include_all_metadata", "true"),
            ("limit", &limit),
        ];
        if let Some(cursor) = cursor {
            args.push(("cursor", cursor));
        }
        let url = self.url("conversations.history");
        let mut answer = self.call("conversations.history", self.http.get(&url).query(&args)).await?;
        if matches!(answer.status, StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED) {
            let form: String =
                args.iter().map(|(k, v)| format!("{k}={}", form_encode(v))).collect::<Vec<_>>().join("&");
            let request = self
                .http
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form);
            answer = self.call("conversations.history", request).await?;
        }
        classify_history(answer.status, retry_after(&answer.headers), &answer.text)
    }

    /// `chat.update` (`body` is `Some`, with the part's `metadata`) or `chat.delete` (`None`) of the
    /// message `posted` names: its `channel` (else the target's) and its `ts` (else its message id).
    async fn change(&self, target: &Target, posted: &Posted, body: Option<(&Value, Value)>) -> Result<(), SendError> {
        let method = if body.is_some() { "chat.update" } else { "chat.delete" };
        let channel = posted.channel.as_deref().filter(|c| !c.is_empty()).unwrap_or(&target.channel);
        let Some(ts) = posted.ts.as_deref().or(posted.message_id.as_deref()).filter(|ts| !ts.is_empty()) else {
            let verb = if body.is_some() { "edited" } else { "deleted" };
            return Err(SendError::Rejected(format!("posted before message ids were kept; it cannot be {verb}")));
        };
        let mut payload = serde_json::Map::new();
        payload.insert("channel".into(), json!(channel));
        payload.insert("ts".into(), json!(ts));
        if let Some((body, metadata)) = body {
            let Some(fields) = body.as_object() else {
                return Err(SendError::Rejected("the message body is not a JSON object".into()));
            };
            payload.insert("text".into(), fields.get("text").cloned().unwrap_or_else(|| json!("")));
            // Without `blocks`, chat.update keeps the old ones: an empty list removes them.
            payload.insert("blocks".into(), fields.get("blocks").cloned().unwrap_or_else(|| json!([])));
            payload.insert("metadata".into(), metadata);
        }
        let answer = self.call(method, self.http.post(self.url(method)).json(&payload)).await?;
        classify_change(method, answer.status, retry_after(&answer.headers), &answer.text)
    }

    /// Sends one Web API request with the bot token and reads the answer whole. A request that got
    /// no answer, or whose answer could not be read, is temporary, named by the `method` it called.
    async fn call(&self, method: &str, request: reqwest::RequestBuilder) -> Result<Exchange, SendError> {
        let failed = |what: String| SendError::Transient(format!("{method}: {what}"));
        let response = request
            .bearer_auth(self.token.expose())
            .timeout(REQUEST_TIMEOUT)
            .send()
            .await
            .map_err(|e| failed(describe(&e)))?;
        let (status, headers) = (response.status(), response.headers().clone());
        let text = response.text().await.map_err(|e| failed(format!("reading the answer: {}", describe(&e))))?;
        Ok(Exchange { status, headers, text })
    }
}

/// A Web API answer, read whole.
struct Exchange {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    text: String,
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Sink for SlackApi {
    fn send<'a>(&'a self, target: &'a Target, body: &'a Value, part: PartKey<'a>) -> SendFuture<'a> {
        Box::pin(self.post_with(&target.channel, body, Some(part_metadata(part))))
    }

    fn find_posted<'a>(&'a self, target: &'a Target, part: PartKey<'a>, since: DateTime<Utc>) -> FindFuture<'a> {
        Box::pin(self.find_part(&target.channel, part.nonce, since))
    }

    fn limits(&self) -> RateLimits {
        LIMITS
    }

    fn edits(&self) -> bool {
        true
    }

    /// `chat.update` with the part's text, blocks and the same `metadata` as its post.
    fn edit<'a>(
        &'a self,
        target: &'a Target,
        posted: &'a Posted,
        body: &'a Value,
        part: PartKey<'a>,
    ) -> ChangeFuture<'a> {
        Box::pin(self.change(target, posted, Some((body, part_metadata(part)))))
    }

    /// `chat.delete`; a message already gone is deleted.
    fn delete<'a>(&'a self, target: &'a Target, posted: &'a Posted) -> ChangeFuture<'a> {
        Box::pin(self.change(target, posted, None))
    }
}

/// An error code Slack returned (`channel_not_found`), as it may be stored and logged: as is when it
/// looks like one (ASCII letters, digits, `_`, `-`, `.`, at most 64), else quoted, escaped and cut
/// by [`untrusted`].
pub fn error_code(code: &str) -> String {
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    if !code.is_empty() && code.len() <= 64 && code.bytes().all(plain) {
        code.to_string()
    } else {
        untrusted(code).to_string()
    }
}

/// What a `conversations.history` answer means: a page, or the same errors as posting, sorted the
/// same way ([`classify`]): a 429 or `ratelimited` waits `Retry-After`.
pub fn classify_history(status: StatusCode, retry_after: Duration, body: &str) -> Result<HistoryPage, SendError> {
    classify_answer(status, retry_after, body)?;
    serde_json::from_str::<HistoryPage>(body)
        .map_err(|_| SendError::Transient(format!("conversations.history: an unreadable page: {}", snippet(body))))
}

/// What a `chat.postMessage` answer means: its HTTP status, its `Retry-After`, and its body.
pub fn classify(status: StatusCode, retry_after: Duration, body: &str) -> Result<Sent, SendError> {
    let answer = classify_answer(status, retry_after, body)?;
    Ok(Sent { message_id: answer.ts, channel: answer.channel, exhausted_for: None })
}

/// What a `chat.update` or `chat.delete` (`method`) answer means. `message_not_found` is success for
/// a deletion; it, `cant_update_message`, `cant_delete_message` and `edit_window_closed` are
/// otherwise [`SendError::Rejected`], named with the method and the reason; every other answer is
/// sorted as a post's ([`classify`]: `channel_not_found` gone, `ratelimited` waits, `invalid_auth`
/// unauthorized).
pub fn classify_change(method: &str, status: StatusCode, retry_after: Duration, body: &str) -> Result<(), SendError> {
    match classify_answer(status, retry_after, body) {
        Ok(_) => Ok(()),
        Err(SendError::Rejected(code)) if code == "message_not_found" && method == "chat.delete" => Ok(()),
        Err(SendError::Rejected(code)) => Err(match MESSAGE_REFUSED.iter().find(|(c, _)| *c == code) {
            Some((_, why)) => SendError::Rejected(format!("{method}: {code}: {why}")),
            None => SendError::Rejected(format!("{method}: {code}")),
        }),
        Err(other) => Err(other),
    }
}

/// The common part of every Web API answer: `Ok` when Slack says `ok`, else what to do next.
fn classify_answer(status: StatusCode, retry_after: Duration, body: &str) -> Result<Answer, SendError> {
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Err(SendError::RateLimited { retry_after, global: false });
    }
    if status.is_server_error() {
        return Err(SendError::Transient(format!("HTTP {}", status.as_u16())));
    }
    let answer = match serde_json::from_str::<Answer>(body) {
        Ok(answer) => answer,
        Err(_) => {
            let what = format!("HTTP {} with an unexpected answer: {}", status.as_u16(), snippet(body));
            return Err(match status {
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => SendError::Unauthorized(what),
                // Something between us and Slack (a proxy's error page, a truncated answer).
                s if s.is_success() => SendError::Transient(what),
                _ => SendError::Rejected(what),
            });
        }
    };
    if answer.ok {
        return Ok(answer);
    }
    let code = answer.error.map_or_else(|| "unknown_error".to_string(), |code| error_code(&code));
    let code_is = |list: &[&str]| list.contains(&code.as_str());
    Err(if code_is(GONE) || code.starts_with("restricted_action") {
        SendError::Gone(code)
    } else if code_is(RATE_LIMITED) {
        SendError::RateLimited { retry_after, global: false }
    } else if code_is(UNAUTHORIZED) {
        SendError::Unauthorized(code)
    } else if code_is(TRANSIENT) {
        SendError::Transient(code)
    } else {
        SendError::Rejected(code)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn check(status: u16, body: &str, expected: Result<Sent, SendError>) {
        let status = StatusCode::from_u16(status).unwrap();
        assert_eq!(classify(status, SECOND, body), expected, "{status} {body}");
    }

    fn error(code: &str) -> String {
        format!(r#"{{"ok": false, "error": "{code}"}}"#)
    }

    #[test]
    fn success_gives_the_message_ts() {
        let sent =
            Sent { message_id: Some("1700000000.000100".into()), channel: Some("C1".into()), exhausted_for: None };
        check(200, r#"{"ok": true, "channel": "C1", "ts": "1700000000.000100", "message": {}}"#, Ok(sent));
        check(200, r#"{"ok": true}"#, Ok(Sent::default()));
    }

    #[test]
    fn error_codes_by_what_happens_next() {
        for code in ["channel_not_found", "not_in_channel", "is_archived", "channel_is_archived", "restricted_action"] {
            check(200, &error(code), Err(SendError::Gone(code.into())));
        }
        check(
            200,
            &error("restricted_action_read_only_channel"),
            Err(SendError::Gone("restricted_action_read_only_channel".into())),
        );
        for code in
            ["invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired", "missing_scope"]
        {
            check(200, &error(code), Err(SendError::Unauthorized(code.into())));
        }
        for code in ["internal_error", "fatal_error", "service_unavailable", "request_timeout"] {
            check(200, &error(code), Err(SendError::Transient(code.into())));
        }
        for code in ["invalid_blocks", "msg_too_long", "no_text", "too_many_attachments", "invalid_arguments"] {
            check(200, &error(code), Err(SendError::Rejected(code.into())));
        }
        check(200, r#"{"ok": false}"#, Err(SendError::Rejected("unknown_error".into())));
    }

    #[test]
    fn update_and_delete_answers() {
        let change = |method: &str, status: u16, body: &str| {
            classify_change(method, StatusCode::from_u16(status).unwrap(), SECOND, body)
        };
        let ok = r#"{"ok": true, "channel": "C1", "ts": "1.000001"}"#;
        assert_eq!(change("chat.update", 200, ok), Ok(()));
        assert_eq!(change("chat.delete", 200, ok), Ok(()));
        assert_eq!(change("chat.delete", 200, &error("message_not_found")), Ok(()), "already gone");
        assert_eq!(
            change("chat.update", 200, &error("message_not_found")),
            Err(SendError::Rejected("chat.update: message_not_found: the message is no longer there".into()))
        );
        for code in ["cant_update_message", "edit_window_closed"] {
            match change("chat.update", 200, &error(code)) {
                Err(SendError::Rejected(m)) => assert!(m.starts_with(&format!("chat.update: {code}: ")), "{m}"),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(change("chat.delete", 200, &error("cant_delete_message")), Err(SendError::Rejected(_))));
        for method in ["chat.update", "chat.delete"] {
            for code in ["channel_not_found", "not_in_channel", "is_archived"] {
                assert_eq!(change(method, 200, &error(code)), Err(SendError::Gone(code.into())));
            }
            for code in ["invalid_auth", "token_revoked", "missing_scope"] {
                assert_eq!(change(method, 200, &error(code)), Err(SendError::Unauthorized(code.into())));
            }
            let limited = Err(SendError::RateLimited { retry_after: SECOND, global: false });
            assert_eq!(change(method, 429, &error("ratelimited")), limited);
            assert_eq!(change(method, 200, &error("ratelimited")), limited);
            assert!(matches!(change(method, 502, ""), Err(SendError::Transient(_))));
            assert_eq!(
                change(method, 200, &error("invalid_blocks")),
                Err(SendError::Rejected(format!("{method}: invalid_blocks")))
            );
        }
    }

    #[test]
    fn odd_error_codes_are_escaped() {
        assert_eq!(error_code("channel_not_found"), "channel_not_found");
        assert_eq!(error_code("bad\nERROR forged"), r#""bad\nERROR forged""#);
        assert_eq!(error_code("\x1b[31m"), r#""\u{1b}[31m""#);
        assert_eq!(error_code(""), r#""""#);
        assert!(error_code(&"x".repeat(500)).chars().count() < 210);
    }

    #[test]
    fn rate_limits_carry_retry_after() {
        let limited = |d| Err(SendError::RateLimited { retry_after: d, global: false });
        let status = StatusCode::TOO_MANY_REQUESTS;
        assert_eq!(classify(status, Duration::from_secs(30), &error("ratelimited")), limited(Duration::from_secs(30)));
        assert_eq!(classify(status, SECOND, ""), limited(SECOND));
        assert_eq!(
            classify(StatusCode::OK, Duration::from_secs(3), &error("ratelimited")),
            limited(Duration::from_secs(3))
        );
    }

    #[test]
    fn a_part_is_recognised_by_its_event_type_and_key_and_never_from_another_bot() {
        let key = PartKey {
            digest: "2026-02-09",
            part: 2,
            nonce: "db0123456789abcdef",
            place: crate::deliver::Place::Channel,
        };
        let metadata = part_metadata(key);
        assert_eq!(
            metadata,
            json!({"event_type": "digestbot_part", "event_payload": {"key": "db0123456789abcdef", "digest": "2026-02-09", "part": 2}})
        );
        let message = |bot: Option<&str>, metadata: Option<Value>| HistoryMessage {
            ts: Some("1770600000.000100".into()),
            bot_id: bot.map(str::to_string),
            metadata,
        };
        assert!(message(Some("B1"), Some(metadata.clone())).is_part(key.nonce, Some("B1")));
        assert!(message(None, Some(metadata.clone())).is_part(key.nonce, Some("B1")));
        assert!(message(Some("B1"), Some(metadata.clone())).is_part(key.nonce, None));
        assert!(!message(Some("B2"), Some(metadata.clone())).is_part(key.nonce, Some("B1")), "another bot");
        assert!(!message(Some("B1"), Some(metadata.clone())).is_part("db-other", Some("B1")), "another part");
        assert!(!message(Some("B1"), None).is_part(key.nonce, Some("B1")), "no metadata (not asked for)");
        let mut foreign = metadata;
        foreign["event_type"] = json!("other_app_event");
        assert!(!message(Some("B1"), Some(foreign)).is_part(key.nonce, Some("B1")));
    }

    #[test]
    fn history_pages_and_their_errors() {
        let page = classify_history(
            StatusCode::OK,
            SECOND,
            r#"{"ok": true, "messages": [{"ts": "1.000001"}], "has_more": true, "response_metadata": {"next_cursor": "abc"}}"#,
        )
        .unwrap();
        assert_eq!((page.messages.len(), page.next_cursor()), (1, Some("abc")));
        let last = classify_history(StatusCode::OK, SECOND, r#"{"ok": true, "messages": [], "has_more": false}"#);
        assert_eq!(last.unwrap().next_cursor(), None);
        let seven = Duration::from_secs(7);
        let limited = Some(SendError::RateLimited { retry_after: seven, global: false });
        assert_eq!(classify_history(StatusCode::TOO_MANY_REQUESTS, seven, &error("ratelimited")).err(), limited);
        assert_eq!(
            classify_history(StatusCode::OK, SECOND, &error("missing_scope")).err(),
            Some(SendError::Unauthorized("missing_scope".into()))
        );
        assert!(matches!(classify_history(StatusCode::BAD_GATEWAY, SECOND, ""), Err(SendError::Transient(_))));
    }

    #[test]
    fn slack_timestamps_and_form_values() {
        use chrono::TimeZone;
        let at = Utc.with_ymd_and_hms(2026, 2, 9, 0, 0, 0).unwrap() + chrono::Duration::microseconds(42);
        assert_eq!(slack_ts(at), "1770595200.000042");
        assert_eq!(form_encode("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
    }

    #[test]
    fn http_failures_without_a_slack_answer() {
        check(500, "", Err(SendError::Transient("HTTP 500".into())));
        check(503, &error("service_unavailable"), Err(SendError::Transient("HTTP 503".into())));
        check(
            200,
            "<html>proxy</html>",
            Err(SendError::Transient("HTTP 200 with an unexpected answer: <html>proxy</html>".into())),
        );
        check(401, "", Err(SendError::Unauthorized("HTTP 401 with an unexpected answer: ".into())));
        check(404, "Not Found", Err(SendError::Rejected("HTTP 404 with an unexpected answer: Not Found".into())));
    }
}
