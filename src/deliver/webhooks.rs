//! The webhooks a platform's configuration lists (`discord.webhooks`, `slack.webhooks`), resolved once
//! at start-up for its webhook sink: label → URL, and label → why there is none.
//!
//! A webhook is written as a URL or as the name of an environment variable holding one, and its
//! delivery target's channel is its label ([`WebhookRef::label`]: `env:NAME` or `webhook:<hash>`).
//! The URL is the credential, so it never leaves its [`Secret`]: a webhook is logged, stored and
//! named in errors by its label only. One whose variable is unset (or holds no URL) is logged once
//! here, by label, and kept, so that deliveries to it fail as [`SendError::Gone`] naming the
//! variable, without holding up the others.

use std::collections::HashMap;

use tracing::warn;

use super::SendError;
use crate::secret::{Secret, WebhookRef};
use crate::target::Platform;

/// One platform's webhooks, by label.
#[derive(Debug, Clone, Default)]
pub struct Webhooks {
    /// label → the URL.
    urls: HashMap<String, Secret>,
    /// label → why it has no URL (the variable's name and what is wrong with it, never a value).
    unresolved: HashMap<String, String>,
}

impl Webhooks {
    /// Resolves `webhooks` with `lookup` (pass `|name| std::env::var(name).ok()`), logging each that
    /// has no URL as one of `platform`'s.
    pub fn resolve(platform: Platform, webhooks: &[WebhookRef], lookup: impl Fn(&str) -> Option<String>) -> Webhooks {
        let mut resolved = Webhooks::default();
        for webhook in webhooks {
            let label = webhook.label();
            match webhook.resolve(&lookup) {
                Ok(url) => {
                    resolved.urls.insert(label, url);
                }
                Err(e) => {
                    warn!(webhook = %label, error = %e, "{} webhook has no URL; deliveries to it will fail", platform.service());
                    resolved.unresolved.insert(label, e.to_string());
                }
            }
        }
        resolved
    }

    /// Webhooks given directly as (label, URL).
    pub fn new(webhooks: impl IntoIterator<Item = (String, Secret)>) -> Webhooks {
        Webhooks { urls: webhooks.into_iter().collect(), unresolved: HashMap::new() }
    }

    /// The same webhooks with every URL passed through `rewrite` (Discord's sends them to `api_base`).
    pub fn map_urls(self, rewrite: impl Fn(&str) -> String) -> Webhooks {
        let urls = self.urls.into_iter().map(|(label, url)| (label, Secret::new(rewrite(url.expose())))).collect();
        Webhooks { urls, ..self }
    }

    /// The URL of the webhook labelled `label`; gone when it has none or no such webhook is configured.
    pub fn url(&self, label: &str) -> Result<&Secret, SendError> {
        if let Some(url) = self.urls.get(label) {
            return Ok(url);
        }
        Err(SendError::Gone(match self.unresolved.get(label) {
            Some(why) => format!("webhook {label} has no URL: {why}"),
            None => format!("no webhook labelled {label} is configured"),
        }))
    }

    /// The labels of the webhooks that have no URL, each with the reason (safe to log), sorted.
    pub fn unresolved(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self.unresolved.iter().map(|(l, why)| (l.clone(), why.clone())).collect();
        out.sort();
        out
    }

    /// Whether the configuration lists no webhook at all (resolved or not).
    pub fn is_empty(&self) -> bool {
        self.urls.is_empty() && self.unresolved.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_webhook_has_a_url_or_a_reason_and_none_shows_its_url() {
        let refs = [
            WebhookRef::Env("HOOK_SET".into()),
            WebhookRef::Env("HOOK_UNSET".into()),
            WebhookRef::Url(Secret::new("https://hooks.slack.com/services/T0/B0/s3cr3t")),
        ];
        let lookup = |name: &str| (name == "HOOK_SET").then(|| "https://discord.com/api/webhooks/1/t0k3n".to_string());
        let hooks = Webhooks::resolve(Platform::SlackWebhook, &refs, lookup);
        assert!(!hooks.is_empty());
        assert_eq!(hooks.url("env:HOOK_SET").unwrap().expose(), "https://discord.com/api/webhooks/1/t0k3n");
        assert_eq!(hooks.url(&refs[2].label()).unwrap().expose(), "https://hooks.slack.com/services/T0/B0/s3cr3t");
        let unresolved = hooks.unresolved();
        assert_eq!(unresolved.len(), 1);
        assert_eq!(unresolved[0].0, "env:HOOK_UNSET");
        match hooks.url("env:HOOK_UNSET") {
            Err(SendError::Gone(m)) => assert!(m.contains("env:HOOK_UNSET") && m.contains("not set"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(hooks.url("env:OTHER"), Err(SendError::Gone("no webhook labelled env:OTHER is configured".into())));
        let shown = format!("{hooks:?} {unresolved:?}");
        assert!(!shown.contains("s3cr3t") && !shown.contains("t0k3n"), "{shown}");
        assert!(Webhooks::resolve(Platform::DiscordWebhook, &[], |_| None).is_empty());
    }

    #[test]
    fn urls_can_be_rewritten() {
        let hooks = Webhooks::new([("a".to_string(), Secret::new("https://discord.com/x"))]);
        let hooks = hooks.map_urls(|url| url.replace("https://discord.com", "http://127.0.0.1:9"));
        assert_eq!(hooks.url("a").unwrap().expose(), "http://127.0.0.1:9/x");
    }
}
