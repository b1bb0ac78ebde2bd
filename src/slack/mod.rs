//! Slack: the `/digest` slash-command and interactivity endpoint, and the two ways a digest is posted
//! to Slack.
//!
//! Slack calls us for commands and button clicks, and we call Slack for deliveries; the two directions
//! share nothing but the HTTP client. [`server`] is the endpoint (signed requests checked by
//! [`verify`], replies split by [`reply`] into the HTTP answer and `response_url` follow-ups;
//! [`interactions`] acknowledges clicks, link buttons included); [`api`] (`chat.postMessage` with the
//! bot token) and [`webhook`] (incoming webhooks) are the delivery [`Sink`]s; the transport they share
//! with Discord is [`crate::http`]. The payloads themselves come from `render::slack`; nothing here
//! builds a message, and no credential (token, signing secret, webhook or response URL) is ever logged
//! or put in an error.
//!
//! Wiring, in `serve`: read [`Credentials::from_env`]; build one client with [`crate::http::client`]; add
//! every sink from [`sinks`] to the `Deliverer`; when both credentials are set, mount
//! [`server::routes`] with a [`SlackState`] on the one HTTP listener ([`crate::web`]); with the bot
//! token alone, Slack posts but takes no commands. [`listen`] is that listener's accept loop: hyper's
//! HTTP/1 server with a head timeout and a cap on open connections ([`EndpointLimits`]).

pub mod api;
pub mod interactions;
pub mod listen;
pub mod reply;
pub mod server;
pub mod verify;
pub mod webhook;

use std::sync::Arc;

use crate::config::SlackConfig;
use crate::deliver::Sink;
use crate::secret::Secret;
use crate::target::Platform;

pub use api::SlackApi;
pub use listen::EndpointLimits;
pub use server::{SlackState, router, serve, serve_with};
pub use webhook::SlackWebhooks;

/// The environment variable holding the bot token (`xoxb-…`).
pub const TOKEN_VAR: &str = "SLACK_BOT_TOKEN";
/// The environment variable holding the app's signing secret.
pub const SIGNING_SECRET_VAR: &str = "SLACK_SIGNING_SECRET";

/// The Slack credentials found in the environment; a blank variable counts as unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// Needed to post to channels ([`SlackApi`]).
    pub token: Option<Secret>,
    /// Needed to answer slash commands ([`serve`]).
    pub signing_secret: Option<Secret>,
}

impl Credentials {
    /// Reads [`TOKEN_VAR`] and [`SIGNING_SECRET_VAR`] through `lookup` (pass `|k| std::env::var(k).ok()`).
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Credentials {
        let read = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).map(Secret::new);
        Credentials { token: read(TOKEN_VAR), signing_secret: read(SIGNING_SECRET_VAR) }
    }
}

/// The `chat.postMessage` sink for the bot token (shared, so that `serve` can ask it for the token's
/// scopes at start-up: [`SlackApi::identity`]).
pub fn api_sink(config: &SlackConfig, token: &Secret, http: &reqwest::Client) -> Arc<SlackApi> {
    Arc::new(SlackApi::new(http.clone(), &config.api_base, token.clone()))
}

/// The delivery sinks Slack needs, ready for `Deliverer::with_sink`: [`Platform::Slack`] when there
/// is a bot token, [`Platform::SlackWebhook`] when `slack.webhooks` lists any. Webhooks are resolved
/// with `lookup`; one whose variable is unset is logged (by label) and reported as gone when a
/// delivery reaches it.
pub fn sinks(
    config: &SlackConfig,
    token: Option<&Secret>,
    http: &reqwest::Client,
    lookup: impl Fn(&str) -> Option<String>,
) -> Vec<(Platform, Arc<dyn Sink>)> {
    let mut sinks: Vec<(Platform, Arc<dyn Sink>)> = Vec::new();
    if let Some(token) = token {
        sinks.push((Platform::Slack, api_sink(config, token, http)));
    }
    let webhooks = SlackWebhooks::from_config(http.clone(), &config.webhooks, lookup);
    if !webhooks.is_empty() {
        sinks.push((Platform::SlackWebhook, Arc::new(webhooks)));
    }
    sinks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::WebhookRef;

    #[test]
    fn credentials_ignore_blank_variables() {
        let env = |k: &str| match k {
            TOKEN_VAR => Some("xoxb-1".to_string()),
            SIGNING_SECRET_VAR => Some("  ".to_string()),
            _ => None,
        };
        let found = Credentials::from_env(env);
        assert_eq!(found.token, Some(Secret::new("xoxb-1")));
        assert_eq!(found.signing_secret, None);
        assert_eq!(Credentials::from_env(|_| None), Credentials::default());
    }

    #[test]
    fn sinks_for_what_is_configured() {
        let http = reqwest::Client::new();
        let mut config = SlackConfig::default();
        assert!(sinks(&config, None, &http, |_| None).is_empty());
        let token = Secret::new("xoxb-1");
        let platforms = |s: Vec<(Platform, Arc<dyn Sink>)>| s.into_iter().map(|(p, _)| p).collect::<Vec<_>>();
        assert_eq!(platforms(sinks(&config, Some(&token), &http, |_| None)), [Platform::Slack]);
        config.webhooks = vec![WebhookRef::Env("HOOK".into())];
        assert_eq!(platforms(sinks(&config, None, &http, |_| None)), [Platform::SlackWebhook]);
        assert_eq!(platforms(sinks(&config, Some(&token), &http, |_| None)), [Platform::Slack, Platform::SlackWebhook]);
    }
}
