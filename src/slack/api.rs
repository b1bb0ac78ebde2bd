//! Posting to Slack channels through the Web API's `chat.postMessage`, as a delivery [`Sink`].
//!
//! Each part of a digest is one `POST {api_base}/chat.postMessage` with the bot token as a bearer
//! token and the encoder's body plus `channel`. Slack answers most failures with HTTP 200 and
//! `{"ok": false, "error": "<code>"}`; [`classify`] sorts the status and the code into what the
//! delivery engine does next. Slack has no idempotency key for chat.postMessage, so unlike Discord a
//! part whose answer was lost in transit may be posted twice when it is retried. Nothing here ever
//! puts the token in an error or a log line.

use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::http::{REQUEST_TIMEOUT, describe, error_code, retry_after, snippet};
use crate::clock::BoxFuture;
use crate::config::Secret;
use crate::deliver::{SendError, Sent, Sink};
use crate::store::Target;

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

/// The `chat.postMessage` client.
#[derive(Debug, Clone)]
pub struct SlackApi {
    http: reqwest::Client,
    /// `{api_base}/chat.postMessage`.
    url: String,
    token: Secret,
}

/// The part of Slack's answer we read.
#[derive(Debug, Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    ts: Option<String>,
}

impl SlackApi {
    /// A client posting to `api_base` (such as `https://slack.com/api`) with the bot token (`xoxb-…`).
    pub fn new(http: reqwest::Client, api_base: &str, token: Secret) -> SlackApi {
        SlackApi { http, url: format!("{}/chat.postMessage", api_base.trim_end_matches('/')), token }
    }

    /// Posts one message body (without `channel`) to a channel.
    pub async fn post(&self, channel: &str, body: &Value) -> Result<Sent, SendError> {
        let Some(fields) = body.as_object() else {
            return Err(SendError::Rejected("the message body is not a JSON object".into()));
        };
        let mut payload = fields.clone();
        payload.insert("channel".into(), Value::String(channel.to_string()));
        let response = self
            .http
            .post(&self.url)
            .bearer_auth(self.token.expose())
            .timeout(REQUEST_TIMEOUT)
            .json(&payload)
            .send()
            .await
            .map_err(|e| SendError::Transient(format!("chat.postMessage: {}", describe(e))))?;
        let status = response.status();
        let wait = retry_after(response.headers());
        let text = response
            .text()
            .await
            .map_err(|e| SendError::Transient(format!("chat.postMessage: reading the answer: {}", describe(e))))?;
        classify(status, wait, &text)
    }
}

impl Sink for SlackApi {
    fn send<'a>(
        &'a self,
        target: &'a Target,
        body: &'a Value,
        _nonce: &'a str,
    ) -> BoxFuture<'a, Result<Sent, SendError>> {
        Box::pin(self.post(&target.channel, body))
    }

    /// Slack allows about one message per second per channel, with short bursts.
    fn channel_rate(&self) -> (u32, Duration) {
        (1, Duration::from_secs(1))
    }

    /// None: chat.postMessage is limited per channel, and Slack publishes no workspace-wide number
    /// for it ("several hundred messages a minute"), far above a weekly digest to a team's channels.
    /// A guess would only slow delivery down; should Slack still say 429, the engine waits the
    /// `Retry-After` it gives.
    fn global_rate(&self) -> Option<(u32, Duration)> {
        None
    }
}

/// What a `chat.postMessage` answer means: its HTTP status, its `Retry-After`, and its body.
pub fn classify(status: StatusCode, retry_after: Duration, body: &str) -> Result<Sent, SendError> {
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
        return Ok(Sent { message_id: answer.ts, exhausted_for: None });
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
        let sent = Sent { message_id: Some("1700000000.000100".into()), exhausted_for: None };
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
