//! How a command's [`Reply`] reaches Slack: the first message in the HTTP response, the rest through
//! the `response_url`.
//!
//! Slack wants an answer to a slash command within 3 s, and a `response_url` takes at most five
//! posts. [`plan`] decides which bodies go where, pure and up front: the first message answers the
//! request, at most [`RESPONSE_URL_USES`] follow the way, and when there would be more, the last one
//! is replaced by a short note saying how many were left out and how to find an article instead.
//! The bodies themselves (`response_type`, `replace_original`, the note's blocks) come from the
//! encoder, [`render::slack::reply`].
//!
//! A `response_url` comes from the request, so it is only as trustworthy as whoever holds the signing
//! secret: [`allowed_response_url`] lets it through only when it lies under one of
//! `slack.response_url_prefixes` and carries no credentials, and [`followup_client`] posts to it
//! without following redirects.

use anyhow::Context as _;
use reqwest::Url;
use serde_json::Value;

use crate::command::{Reply, Visibility};
use crate::i18n::Locale;
use crate::render;
use crate::render::slack::reply::{self as encode, ResponseType};

/// How many times one `response_url` may be used (Slack: five times within 30 minutes).
pub const RESPONSE_URL_USES: usize = 5;

/// The bodies of one reply: what the HTTP response carries, and what follows through the `response_url`.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub response: Value,
    /// In order; never more than [`RESPONSE_URL_USES`].
    pub followups: Vec<Value>,
}

/// Splits a reply into the immediate response and its follow-ups.
pub fn plan(reply: &Reply, locale: Locale) -> Plan {
    let response_type = match reply.visibility {
        Visibility::Channel => ResponseType::InChannel,
        Visibility::Ephemeral => ResponseType::Ephemeral,
    };
    let mut messages = render::slack::messages(&reply.doc).into_iter();
    let Some(first) = messages.next() else {
        // No command answers with nothing; should one ever, the user still hears back.
        return Plan { response: encode::nothing_to_say(locale.internal_error()), followups: Vec::new() };
    };
    let mut rest: Vec<Value> = messages.collect();
    if rest.len() > RESPONSE_URL_USES {
        let left_out = rest.len() - (RESPONSE_URL_USES - 1);
        rest.truncate(RESPONSE_URL_USES - 1);
        rest.push(encode::left_out(&locale.reply_truncated(left_out)));
    }
    Plan {
        response: encode::response(first, response_type),
        followups: rest.into_iter().map(|body| encode::followup(body, response_type)).collect(),
    }
}

/// Why a `response_url` is not used. The messages never include the URL: it is a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseUrlError {
    #[error("the response_url is not an absolute http(s) URL")]
    NotAUrl,
    #[error("the response_url carries a user name or password")]
    Credentials,
    #[error("the response_url is not under any of slack.response_url_prefixes")]
    NotAllowed,
}

/// Checks a `response_url` against the allowed prefixes and returns it parsed, ready to post to.
///
/// Both sides are parsed (WHATWG rules, as reqwest will connect) and compared by scheme, host, port
/// and path prefix, so a lookalike host (`hooks.slack.com.evil.example`), a user name
/// (`hooks.slack.com@evil`) or a `..` out of the prefix's path does not pass. A URL with any `@` in
/// its authority is refused even when its host would match, as is one with a user name or password.
pub fn allowed_response_url(url: &str, prefixes: &[String]) -> Result<Url, ResponseUrlError> {
    let url = url.trim();
    let parsed = Url::parse(url).map_err(|_| ResponseUrlError::NotAUrl)?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none_or(str::is_empty) {
        return Err(ResponseUrlError::NotAUrl);
    }
    if authority(url).contains('@') || !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(ResponseUrlError::Credentials);
    }
    let under = |prefix: &String| {
        Url::parse(prefix).is_ok_and(|prefix| {
            prefix.scheme() == parsed.scheme()
                && prefix.host() == parsed.host()
                && prefix.port_or_known_default() == parsed.port_or_known_default()
                && parsed.path().starts_with(prefix.path())
        })
    };
    if prefixes.iter().any(under) { Ok(parsed) } else { Err(ResponseUrlError::NotAllowed) }
}

/// The raw authority of a URL: between `://` and the first `/`, `\\`, `?` or `#`.
fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or("", |(_, rest)| rest);
    rest.split(['/', '\\', '?', '#']).next().unwrap_or("")
}

/// The host of a `response_url` for a log line (never the URL, which is a credential): the part
/// after the last `@` of the authority, without the port; empty when there is none.
pub fn host_for_log(url: &str) -> &str {
    let authority = authority(url.trim());
    let host = authority.rsplit('@').next().unwrap_or("");
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !name.ends_with(':') => name,
        _ => host,
    }
}

/// The client for `response_url` posts: the Slack client's timeouts, and no redirects, so an allowed
/// host cannot send a reply (and its body) somewhere else.
pub fn followup_client() -> anyhow::Result<reqwest::Client> {
    crate::http::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .context("building the response_url client")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::limits::check_slack_message;
    use crate::render::{Card, Doc};
    use serde_json::json;

    fn reply(cards: usize, visibility: Visibility) -> Reply {
        let cards = (0..cards).map(|i| Card::new(format!("card {i}"), 1)).collect();
        Reply { visibility, doc: Doc { cards, more_label: "more".into(), ..Doc::default() } }
    }

    fn valid(plan: &Plan) {
        for body in std::iter::once(&plan.response).chain(&plan.followups) {
            let problems = check_slack_message(body);
            assert!(problems.is_empty(), "{problems:?}");
            assert!(body.get("channel").is_none());
        }
    }

    #[test]
    fn a_short_reply_is_all_in_the_response() {
        let plan = plan(&reply(3, Visibility::Channel), Locale::En);
        valid(&plan);
        assert_eq!(plan.response["response_type"], "in_channel");
        assert!(plan.response.get("replace_original").is_none());
        assert_eq!(plan.response["blocks"].as_array().unwrap().len(), 5);
        assert!(plan.followups.is_empty());
    }

    #[test]
    fn private_replies_stay_private_in_follow_ups() {
        // 25 blocks of two per card fill a message; 60 cards make three messages.
        let plan = plan(&reply(60, Visibility::Ephemeral), Locale::En);
        valid(&plan);
        assert_eq!(plan.response["response_type"], "ephemeral");
        assert_eq!(plan.followups.len(), 2);
        for followup in &plan.followups {
            assert_eq!(followup["response_type"], "ephemeral");
            assert_eq!(followup["replace_original"], false);
        }
        assert_eq!(plan.followups[0]["text"], "card 0 (2/3)");
        assert_eq!(
            plan.followups[1]["blocks"][0]["elements"][0]["elements"][0],
            json!({"type": "text", "text": "card 50", "style": {"bold": true}})
        );
    }

    #[test]
    fn six_messages_fit_and_seven_are_cut_with_a_note() {
        // Messages hold 25 cards, the last maybe fewer.
        let fits = plan(&reply(150, Visibility::Channel), Locale::En);
        valid(&fits);
        assert_eq!(fits.followups.len(), 5);
        assert_eq!(fits.followups[4]["text"], "card 0 (6/6)");

        let cut = plan(&reply(25 * 9, Visibility::Channel), Locale::Ko);
        valid(&cut);
        assert_eq!(cut.followups.len(), RESPONSE_URL_USES);
        assert_eq!(cut.followups[3]["text"], "card 0 (5/9)");
        let note = &cut.followups[4];
        assert_eq!(note["response_type"], "in_channel");
        assert_eq!(note["replace_original"], false);
        assert!(note["text"].as_str().unwrap().contains("나머지 메시지 4개"), "{note}");
        // The code span is glued to a particle (`…`로): its backticks go rather than show.
        let note_text = note["blocks"][0]["elements"][0]["text"].as_str().unwrap();
        assert!(note_text.contains("/digest keyword &lt;검색어&gt;로"), "{note_text}");
        assert!(!note_text.contains('`'), "{note_text}");
    }

    #[test]
    fn response_urls_under_a_prefix_pass() {
        let slack = vec!["https://hooks.slack.com/".to_string()];
        let url = "https://hooks.slack.com/commands/T0001/1234/abcdef";
        assert_eq!(allowed_response_url(url, &slack).unwrap().as_str(), url);
        assert!(allowed_response_url("https://HOOKS.slack.com:443/commands/x", &slack).is_ok());
        let fake = vec!["http://127.0.0.1:4000/commands/".to_string()];
        assert!(allowed_response_url("http://127.0.0.1:4000/commands/T0/r1", &fake).is_ok());
        // Any of several prefixes.
        let both = [slack.clone(), fake.clone()].concat();
        assert!(allowed_response_url(url, &both).is_ok());
        assert!(allowed_response_url("http://127.0.0.1:4000/commands/T0/r1", &both).is_ok());
    }

    #[test]
    fn response_urls_off_the_list_are_refused() {
        use ResponseUrlError::*;
        let slack = vec!["https://hooks.slack.com/".to_string()];
        let refused = |url: &str| allowed_response_url(url, &slack).unwrap_err();
        for url in [
            "https://hooks.slack.com.evil.example/commands/x",
            "https://evil.example/https://hooks.slack.com/",
            "http://hooks.slack.com/commands/x",
            "https://hooks.slack.com:8443/commands/x",
            "https://hooks.slack.co/commands/x",
            "https://hooks.sl\u{430}ck.com/commands/x",
            // A backslash ends the authority for https, as `/` does: this host is evil.example.
            "https://evil.example\\@hooks.slack.com/",
            "https:///hooks.slack.com.evil.example/",
        ] {
            assert_eq!(refused(url), NotAllowed, "{url}");
        }
        for url in [
            "https://hooks.slack.com@evil.example/commands/x",
            "https://user:pass@hooks.slack.com/commands/x",
            "https://token@hooks.slack.com/commands/x",
            "https://a@b@hooks.slack.com/",
        ] {
            assert_eq!(refused(url), Credentials, "{url}");
        }
        for url in ["", "hooks.slack.com/commands/x", "ftp://hooks.slack.com/", "file:///etc/passwd"] {
            assert_eq!(refused(url), NotAUrl, "{url}");
        }
        // A path prefix holds after `..` is resolved.
        let commands = vec!["https://hooks.slack.com/commands/".to_string()];
        assert!(allowed_response_url("https://hooks.slack.com/commands/T0/1", &commands).is_ok());
        for url in ["https://hooks.slack.com/commands/../services/T0/B0/x", "https://hooks.slack.com/commandsX/1"] {
            assert_eq!(allowed_response_url(url, &commands).unwrap_err(), NotAllowed, "{url}");
        }
        assert_eq!(allowed_response_url("https://hooks.slack.com/x", &[]).unwrap_err(), NotAllowed);
    }

    #[test]
    fn the_log_sees_only_the_host() {
        assert_eq!(host_for_log("https://hooks.slack.com/commands/T0/secret"), "hooks.slack.com");
        assert_eq!(host_for_log("https://user:pw@evil.example:8080/x?y#z"), "evil.example");
        assert_eq!(host_for_log("http://[::1]:80/x"), "[::1]");
        assert_eq!(host_for_log("not a url"), "");
    }

    #[test]
    fn an_empty_reply_still_answers() {
        let empty = Reply { visibility: Visibility::Channel, doc: Doc::default() };
        let plan = plan(&empty, Locale::En);
        assert_eq!(plan.response["response_type"], "ephemeral");
        assert_eq!(plan.response["text"], Locale::En.internal_error());
        assert!(plan.followups.is_empty());
    }
}
