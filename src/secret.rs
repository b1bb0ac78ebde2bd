//! Values that must never reach a log: [`Secret`], a token or webhook URL that prints as
//! `Secret([redacted])`, and [`WebhookRef`], a webhook as the config names it (a URL, or the environment
//! variable holding one) with a stable label that is safe to log and store.

use std::fmt;
use std::path::PathBuf;

use crate::config::{ConfigError, is_http_url};
use crate::fnv::fnv1a64;

/// A secret string (a token or a webhook URL). `Debug` and `Display` print `Secret([redacted])`, so it
/// can be logged by accident without leaking; [`Secret::expose`] is the only way to the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret value, for the one place that needs it (an HTTP request).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// A webhook as written in the config: the URL itself, or the name of an environment variable
/// holding it (so the URL, which carries its own credentials, can stay out of the file).
#[derive(Clone, PartialEq, Eq)]
pub enum WebhookRef {
    /// A URL written in the file.
    Url(Secret),
    /// The name of an environment variable holding the URL.
    Env(String),
}

impl fmt::Debug for WebhookRef {
    /// `Url([redacted])` or `Env(NAME)`: never the URL.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookRef::Url(_) => f.write_str("Url([redacted])"),
            WebhookRef::Env(name) => write!(f, "Env({name})"),
        }
    }
}

impl WebhookRef {
    /// Parses one config entry: a URL if it starts with `https://` or `http://`, otherwise an
    /// environment variable name (`[A-Za-z_][A-Za-z0-9_]*`). The error never repeats the entry,
    /// which may be a mistyped URL with its token.
    pub(crate) fn parse(text: &str) -> Result<WebhookRef, String> {
        let text = text.trim();
        if is_http_url(text) {
            Ok(WebhookRef::Url(Secret::new(text)))
        } else if is_env_name(text) {
            Ok(WebhookRef::Env(text.to_owned()))
        } else {
            Err("expected a webhook URL starting with https:// or http://, or the name of an environment \
                 variable holding one (letters, digits and `_`, not starting with a digit); the value is \
                 not shown because it may contain a secret"
                .to_owned())
        }
    }

    /// The webhook URL: the one written in the file, or the value of the named variable as given by
    /// `lookup` (pass `|name| std::env::var(name).ok()`). Errors name the variable, never its value.
    pub fn resolve(&self, lookup: impl Fn(&str) -> Option<String>) -> Result<Secret, ConfigError> {
        let name = match self {
            WebhookRef::Url(url) => return Ok(url.clone()),
            WebhookRef::Env(name) => name,
        };
        let problem = match lookup(name) {
            Some(value) if is_http_url(value.trim()) => return Ok(Secret::new(value.trim())),
            Some(value) if value.trim().is_empty() => "is empty; it should hold a webhook URL",
            Some(_) => "does not hold a URL starting with https:// or http:// (value not shown)",
            None => "is not set; it should hold a webhook URL",
        };
        Err(ConfigError::Invalid {
            path: PathBuf::from(format!("${name}")),
            line: None,
            message: format!("environment variable `{name}` {problem}"),
        })
    }

    /// A stable name that is safe to log and store: `env:NAME`, or `webhook:` and the first 12 hex
    /// digits of the FNV-1a hash of the URL.
    pub fn label(&self) -> String {
        match self {
            WebhookRef::Env(name) => format!("env:{name}"),
            // The top 48 bits are the first 12 of the 16 hex digits.
            WebhookRef::Url(url) => format!("webhook:{:012x}", fnv1a64(url.expose().as_bytes()) >> 16),
        }
    }
}

/// Whether `text` looks like an environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
fn is_env_name(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::from_yaml;

    fn parse(text: &str) -> crate::config::Config {
        from_yaml(text, Path::new("digestbot.yaml"), Path::new("")).unwrap_or_else(|err| panic!("{text:?}: {err}"))
    }

    #[test]
    fn webhook_entries() {
        let url = |u: &str| WebhookRef::Url(Secret::new(u));
        let env = |n: &str| WebhookRef::Env(n.to_owned());
        let cases = [
            ("https://discord.com/api/webhooks/1/abc", url("https://discord.com/api/webhooks/1/abc")),
            ("http://127.0.0.1:8080/hook", url("http://127.0.0.1:8080/hook")),
            ("HTTPS://hooks.slack.com/services/T/B/x", url("HTTPS://hooks.slack.com/services/T/B/x")),
            ("DISCORD_WEBHOOK", env("DISCORD_WEBHOOK")),
            ("_x1", env("_x1")),
            ("a", env("a")),
            ("  SPACED  ", env("SPACED")),
        ];
        for (text, want) in cases {
            assert_eq!(WebhookRef::parse(text), Ok(want), "{text:?}");
        }
        let secret_like = "discord.com/api/webhooks/1/t0ps3cr3t";
        for text in ["1ABC", "MY-HOOK", "my hook", "", "https://", "ftp://x/y", "$HOOK", "HÖÖK", secret_like] {
            let err = WebhookRef::parse(text).expect_err(text);
            assert!(!err.contains("t0ps3cr3t"));
        }
        let text = format!("discord:\n  webhooks:\n    - GOOD\n    - {secret_like}\n");
        let err = from_yaml(&text, Path::new("c.yaml"), Path::new("")).unwrap_err().to_string();
        assert!(err.starts_with("c.yaml:4: discord.webhooks[1]: "), "{err}");
        assert!(!err.contains("t0ps3cr3t"), "{err}");
    }

    #[test]
    fn webhook_resolution() {
        let lookup = |name: &str| match name {
            "HOOK" => Some("https://discord.com/api/webhooks/9/s3cr3t".to_owned()),
            "PADDED" => Some("  https://hooks.slack.com/x  ".to_owned()),
            "EMPTY" => Some("   ".to_owned()),
            "NOT_URL" => Some("s3cr3t-not-a-url".to_owned()),
            _ => None,
        };
        let ok = [
            (WebhookRef::Url(Secret::new("https://a/b")), "https://a/b"),
            (WebhookRef::Env("HOOK".into()), "https://discord.com/api/webhooks/9/s3cr3t"),
            (WebhookRef::Env("PADDED".into()), "https://hooks.slack.com/x"),
        ];
        for (hook, want) in ok {
            assert_eq!(hook.resolve(lookup).unwrap().expose(), want);
        }
        for (name, wanted) in [("MISSING", "is not set"), ("EMPTY", "is empty"), ("NOT_URL", "does not hold a URL")] {
            let err = WebhookRef::Env(name.into()).resolve(lookup).unwrap_err();
            let shown = err.to_string();
            assert!(shown.contains(&format!("`{name}`")) && shown.contains(wanted), "{shown}");
            assert!(!shown.contains("s3cr3t") && !format!("{err:?}").contains("s3cr3t"), "{shown}");
            assert!(matches!(err, ConfigError::Invalid { line: None, .. }));
        }
    }

    #[test]
    fn webhook_labels() {
        let a = WebhookRef::Url(Secret::new("https://discord.com/api/webhooks/1/aaa"));
        let b = WebhookRef::Url(Secret::new("https://discord.com/api/webhooks/1/aab"));
        let label = a.label();
        assert_eq!(label, a.clone().label(), "stable");
        assert_ne!(label, b.label());
        let hex = label.strip_prefix("webhook:").unwrap();
        assert_eq!(hex.len(), 12);
        assert!(hex.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{label}");
        assert_eq!(WebhookRef::Url(Secret::new("foobar")).label(), "webhook:85944171f739");
        assert_eq!(WebhookRef::Env("SLACK_HOOK".into()).label(), "env:SLACK_HOOK");
    }

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("xoxb-very-secret");
        for shown in [format!("{secret:?}"), format!("{secret}"), format!("{secret:#?}")] {
            assert_eq!(shown, "Secret([redacted])");
        }
        assert_eq!(secret.expose(), "xoxb-very-secret");
        let hook = WebhookRef::Url(Secret::new("https://hooks.slack.com/services/T/B/very-secret"));
        assert_eq!(format!("{hook:?}"), "Url([redacted])");
        assert_eq!(format!("{:?}", WebhookRef::Env("HOOK".into())), "Env(HOOK)");
        let config = parse("slack:\n  webhooks: [\"https://hooks.slack.com/services/T/B/very-secret\"]\n");
        assert!(!format!("{config:?}").contains("very-secret"));
        assert!(!format!("{config:#?}").contains("very-secret"));
    }
}
