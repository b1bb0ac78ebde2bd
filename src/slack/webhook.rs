//! Posting to Slack incoming webhooks, as a delivery [`Sink`].
//!
//! A webhook is configured in `slack.webhooks` as a URL or the name of an environment variable
//! holding one; its delivery target is `Target { platform: SlackWebhook, channel: label }`, the label
//! being [`WebhookRef::label`] (`env:NAME` or `webhook:<hash>`). The URL is the credential, so it is
//! never logged, stored or put in an error: everything names the webhook by its label. A webhook
//! whose variable is missing stays known by its label and fails as [`SendError::Gone`] with a message
//! naming the variable, so a delivery reports it without retrying in a loop.
//!
//! Webhook deliveries are at-least-once: a webhook answers a plain `ok`, with no message `ts`, and
//! cannot read its channel, so a part whose answer was lost cannot be looked for and is posted again
//! (the default [`Sink::find_posted`]). Only `chat.postMessage` ([`super::api`]) is exactly-once.
//! For the same reason a webhook's posts can be neither edited nor deleted: [`Sink::edits`] is
//! false, and a correction to a webhook target is left to the deliverer (the default
//! [`Sink::edit`] and [`Sink::delete`] refuse). The webhooks are resolved by [`Webhooks`], as
//! Discord's are.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::deliver::{PartKey, RateLimits, SendError, SendFuture, Sent, Sink, Webhooks};
use crate::http::{REQUEST_TIMEOUT, describe, retry_after, snippet};
use crate::secret::{Secret, WebhookRef};
use crate::target::{Platform, Target};

/// Slack allows incoming webhooks about one message per second; each webhook is limited on its own,
/// with no shared limit to respect.
pub const LIMITS: RateLimits = RateLimits { per_channel: (1, Duration::from_secs(1)), global: None };

/// Answers meaning the webhook is gone (removed, its channel archived or deleted, posting forbidden).
const GONE: &[&str] = &[
    "no_service",
    "no_service_id",
    "no_team",
    "team_disabled",
    "channel_not_found",
    "channel_is_archived",
    "action_prohibited",
    "posting_to_general_channel_denied",
    "invalid_token",
];

/// The incoming webhooks of the configuration, by label.
#[derive(Debug, Clone)]
pub struct SlackWebhooks {
    http: reqwest::Client,
    hooks: Webhooks,
}

impl SlackWebhooks {
    /// Resolves the configured webhooks with `lookup` (pass `|name| std::env::var(name).ok()`). One
    /// that cannot be resolved is logged and kept, to fail when used; see [`SlackWebhooks::unresolved`].
    pub fn from_config(
        http: reqwest::Client,
        webhooks: &[WebhookRef],
        lookup: impl Fn(&str) -> Option<String>,
    ) -> SlackWebhooks {
        SlackWebhooks { http, hooks: Webhooks::resolve(Platform::SlackWebhook, webhooks, lookup) }
    }

    /// Webhooks given directly as (label, URL).
    pub fn new(http: reqwest::Client, hooks: impl IntoIterator<Item = (String, Secret)>) -> SlackWebhooks {
        SlackWebhooks { http, hooks: Webhooks::new(hooks) }
    }

    /// The labels of the webhooks whose URL is unknown, each with the reason (safe to log).
    pub fn unresolved(&self) -> Vec<(String, String)> {
        self.hooks.unresolved()
    }

    pub fn is_empty(&self) -> bool {
        self.hooks.is_empty()
    }

    /// Posts one message body to the webhook with this label.
    pub async fn post(&self, label: &str, body: &Value) -> Result<Sent, SendError> {
        let url = self.hooks.url(label)?;
        let response = self
            .http
            .post(url.expose())
            .timeout(REQUEST_TIMEOUT)
            .json(body)
            .send()
            .await
            .map_err(|e| SendError::Transient(format!("webhook {label}: {}", describe(&e))))?;
        let status = response.status();
        let wait = retry_after(response.headers());
        // The answer is a short code; failing to read it leaves the status to decide.
        let text = response.text().await.unwrap_or_default();
        classify(status, wait, &text).map_err(|e| match e {
            SendError::Transient(m) => SendError::Transient(format!("webhook {label}: {m}")),
            other => other,
        })
    }
}

/// Posts only. Slack's incoming webhooks answer a plain `ok` with no message `ts`, and
/// `chat.update`/`chat.delete` need the `ts` (and a bot token, which a webhook is not): a webhook's
/// message can never be found again, so [`Sink::edits`] keeps its default, false, and the default
/// [`Sink::edit`] and [`Sink::delete`] refuse with [`SendError::Rejected`]: a correction to a
/// webhook target cannot be made in place.
impl Sink for SlackWebhooks {
    fn send<'a>(&'a self, target: &'a Target, body: &'a Value, _part: PartKey<'a>) -> SendFuture<'a> {
        Box::pin(self.post(&target.channel, body))
    }

    fn limits(&self) -> RateLimits {
        LIMITS
    }
}

/// What an incoming webhook's answer means: `200 ok` is sent; the code in the body (`no_service`,
/// `channel_is_archived`, ...) or else the status says what went wrong.
pub fn classify(status: StatusCode, retry_after: Duration, body: &str) -> Result<Sent, SendError> {
    let code = snippet(body);
    if status.is_success() {
        return Ok(Sent::default());
    }
    let what = if code.is_empty() {
        format!("HTTP {}", status.as_u16())
    } else {
        format!("{code} (HTTP {})", status.as_u16())
    };
    Err(match status {
        StatusCode::TOO_MANY_REQUESTS => SendError::RateLimited { retry_after, global: false },
        s if s.is_server_error() => SendError::Transient(what),
        StatusCode::NOT_FOUND | StatusCode::GONE | StatusCode::FORBIDDEN => SendError::Gone(what),
        _ if GONE.contains(&code.as_str()) => SendError::Gone(what),
        _ => SendError::Rejected(what),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: u16, body: &str, expected: Result<Sent, SendError>) {
        let status = StatusCode::from_u16(status).unwrap();
        assert_eq!(classify(status, Duration::from_secs(2), body), expected, "{status} {body}");
    }

    #[test]
    fn answers_by_what_happens_next() {
        check(200, "ok", Ok(Sent::default()));
        check(429, "", Err(SendError::RateLimited { retry_after: Duration::from_secs(2), global: false }));
        check(404, "no_service", Err(SendError::Gone("no_service (HTTP 404)".into())));
        check(404, "channel_not_found", Err(SendError::Gone("channel_not_found (HTTP 404)".into())));
        check(410, "channel_is_archived", Err(SendError::Gone("channel_is_archived (HTTP 410)".into())));
        check(403, "action_prohibited", Err(SendError::Gone("action_prohibited (HTTP 403)".into())));
        check(400, "no_service_id", Err(SendError::Gone("no_service_id (HTTP 400)".into())));
        check(400, "invalid_payload", Err(SendError::Rejected("invalid_payload (HTTP 400)".into())));
        check(400, "", Err(SendError::Rejected("HTTP 400".into())));
        check(500, "rollup_error", Err(SendError::Transient("rollup_error (HTTP 500)".into())));
        check(502, "<html>\n<body>Bad gateway</body>", Err(SendError::Transient("<html> (HTTP 502)".into())));
    }

    #[tokio::test]
    async fn unknown_and_unresolved_webhooks_are_gone_without_a_request() {
        let hooks = vec![WebhookRef::Env("DIGESTBOT_TEST_UNSET_HOOK".into())];
        let sink = SlackWebhooks::from_config(reqwest::Client::new(), &hooks, |_| None);
        let unresolved = sink.unresolved();
        assert_eq!(unresolved.len(), 1);
        assert_eq!(unresolved[0].0, "env:DIGESTBOT_TEST_UNSET_HOOK");
        let body = serde_json::json!({"text": "x"});
        match sink.post("env:DIGESTBOT_TEST_UNSET_HOOK", &body).await {
            Err(SendError::Gone(m)) => assert!(m.contains("DIGESTBOT_TEST_UNSET_HOOK") && m.contains("not set"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(sink.post("env:OTHER", &body).await, Err(SendError::Gone(_))));
    }
}
