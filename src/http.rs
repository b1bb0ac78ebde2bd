//! HTTP plumbing shared by every request the bot makes, to Discord and to Slack: the client and its
//! timeouts, `Retry-After`, the first line of an answer, and describing a failed request without its
//! URL.
//!
//! Many URLs the bot posts to are credentials (a Discord or Slack webhook, a Slack `response_url`),
//! and reqwest puts the URL in its error text, so every transport error is described through
//! [`describe`], which drops it. Platform rules (what a status or an error code means) stay with each
//! platform's sink; only the transport is here.

use std::error::Error as _;
use std::time::Duration;

use anyhow::Context as _;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The longest any single request may take, connecting included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// The longest connecting may take: a host that does not answer fails fast and is retried.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait for a `429` without a usable `Retry-After`.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// Our `User-Agent` (serenity sends its own on Discord's REST calls).
pub const USER_AGENT: &str = concat!("digestbot/", env!("CARGO_PKG_VERSION"));

/// The HTTP client of the whole bot, Discord and Slack alike: [`REQUEST_TIMEOUT`],
/// [`CONNECT_TIMEOUT`], [`USER_AGENT`]. Build it once and clone it (clones share the connection pool).
pub fn client() -> anyhow::Result<reqwest::Client> {
    builder().build().context("building the HTTP client")
}

/// The settings of [`client`], for a client that needs more (the `response_url` one turns redirects off).
pub fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().timeout(REQUEST_TIMEOUT).connect_timeout(CONNECT_TIMEOUT).user_agent(USER_AGENT)
}

/// `Retry-After` in seconds (whole or decimal), or [`DEFAULT_RETRY_AFTER`] when absent or unreadable.
pub fn retry_after(headers: &HeaderMap) -> Duration {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .unwrap_or(DEFAULT_RETRY_AFTER)
}

/// A transport error as text, without the URL it was sent to: `timed out`, or the error and its causes
/// (`error sending request: client error (Connect): tcp connect error: Connection refused ...`).
pub fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "timed out".to_string();
    }
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        // reqwest ends its text with ` for url (<url>)`; should that ever change, say less.
        text = text.strip_suffix(&format!(" for url ({url})")).unwrap_or("request failed").to_string();
    }
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    match error.url() {
        Some(url) => text.replace(url.as_str(), "<url>"),
        None => text,
    }
}

/// The first line of an answer's body, at most 100 characters: enough to show an error code.
/// Control characters are dropped: the text ends up in logs, errors and `/digest status`.
pub fn snippet(body: &str) -> String {
    body.lines().next().unwrap_or("").trim().chars().filter(|c| !c.is_control()).take(100).collect()
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

    #[tokio::test]
    async fn transport_errors_do_not_name_the_url() {
        // A port that was just free: the connection is refused at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = format!("http://127.0.0.1:{port}/services/T0/B0/secret-part");
        let error = client().unwrap().post(&url).send().await.unwrap_err();
        assert!(error.to_string().contains("secret-part"), "reqwest itself names the URL: {error}");
        let text = describe(&error);
        assert!(!text.contains("secret-part") && !text.contains(&port.to_string()), "{text}");
        assert!(text.starts_with("error sending request"), "{text}");
    }
}
