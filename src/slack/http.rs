//! HTTP plumbing shared by the Slack clients: the client and its timeouts, `Retry-After`, and
//! describing a failed request without its URL.
//!
//! Two of the three URLs this module's callers post to are credentials (an incoming webhook, a
//! `response_url`), and reqwest puts the URL in its error text, so every transport error is described
//! through [`describe`], which drops it.

use std::error::Error as _;
use std::time::Duration;

use anyhow::Context as _;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The longest any single Slack request may take, connecting included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// How long to wait for a `429` without a usable `Retry-After`.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// An HTTP client for Slack: a 15 s request timeout, a 5 s connect timeout, our user agent.
pub fn client() -> anyhow::Result<reqwest::Client> {
    builder().build().context("building the Slack HTTP client")
}

/// The settings of [`client`], for a client that needs more (the `response_url` one turns redirects off).
pub fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("digestbot/", env!("CARGO_PKG_VERSION")))
}

/// `Retry-After` in seconds (whole or decimal), or one second when absent or unreadable.
pub fn retry_after(headers: &HeaderMap) -> Duration {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .unwrap_or(DEFAULT_RETRY_AFTER)
}

/// A transport error as text, without the URL it was sent to: `timed out`, or the error and its causes.
pub fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        return "timed out".to_string();
    }
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The first line of a response body, at most 100 characters: enough to show Slack's error code.
/// Control characters are dropped: the text ends up in logs, errors and `/digest status`.
pub fn snippet(body: &str) -> String {
    body.lines().next().unwrap_or("").trim().chars().filter(|c| !c.is_control()).take(100).collect()
}

/// An error code Slack returned (`channel_not_found`), as it may be stored and logged: as is when it
/// looks like one (ASCII letters, digits, `_`, `-`, `.`, at most 64), else quoted, escaped and cut
/// by [`untrusted`](crate::logging::untrusted).
pub fn error_code(code: &str) -> String {
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    if !code.is_empty() && code.len() <= 64 && code.bytes().all(plain) {
        code.to_string()
    } else {
        crate::logging::untrusted(code).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_values() {
        let with = |v: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, HeaderValue::from_str(v).unwrap());
            retry_after(&headers)
        };
        assert_eq!(retry_after(&HeaderMap::new()), Duration::from_secs(1));
        assert_eq!(with("30"), Duration::from_secs(30));
        assert_eq!(with("0.25"), Duration::from_millis(250));
        assert_eq!(with("soon"), Duration::from_secs(1));
        assert_eq!(with("-3"), Duration::from_secs(1));
    }

    #[test]
    fn snippets_are_short() {
        assert_eq!(snippet("no_service\nmore"), "no_service");
        assert_eq!(snippet(&"x".repeat(500)).len(), 100);
        assert_eq!(snippet("no\x1b[31m_service\u{9b}"), "no[31m_service");
    }

    #[test]
    fn odd_error_codes_are_escaped() {
        assert_eq!(error_code("channel_not_found"), "channel_not_found");
        assert_eq!(error_code("bad\nERROR forged"), r#""bad\nERROR forged""#);
        assert_eq!(error_code("\x1b[31m"), r#""\u{1b}[31m""#);
        assert_eq!(error_code(""), r#""""#);
        assert!(error_code(&"x".repeat(500)).chars().count() < 210);
    }

    #[tokio::test]
    async fn transport_errors_do_not_name_the_url() {
        // A port that was just free: the connection is refused at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = format!("http://127.0.0.1:{port}/services/T0/B0/secret-part");
        let error = client().unwrap().post(&url).send().await.unwrap_err();
        let text = describe(error);
        assert!(!text.contains("secret-part") && !text.contains(&port.to_string()), "{text}");
        assert!(!text.is_empty());
    }
}
