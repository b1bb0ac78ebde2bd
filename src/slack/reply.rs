//! How a command's [`Reply`] reaches Slack: the first message in the HTTP response, the rest through
//! the `response_url`.
//!
//! Slack wants an answer to a slash command within 3 s, and a `response_url` takes at most five
//! posts. [`plan`] decides which bodies go where, pure and up front: the first message answers the
//! request, at most [`RESPONSE_URL_USES`] follow the way, and when there would be more, the last one
//! is replaced by a short note saying how many were left out and how to find an article instead.
//! Every body carries `response_type` (`in_channel` or `ephemeral`), and every follow-up
//! `replace_original: false` so it is added below the first answer instead of replacing it.

use serde_json::{Value, json};

use crate::command::{Reply, Visibility};
use crate::i18n::Locale;
use crate::render;

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
        Visibility::Channel => "in_channel",
        Visibility::Ephemeral => "ephemeral",
    };
    let mut messages = render::slack::messages(&reply.doc).into_iter();
    let Some(first) = messages.next() else {
        // No command answers with nothing; should one ever, the user still hears back.
        return Plan {
            response: json!({"response_type": "ephemeral", "text": locale.internal_error()}),
            followups: Vec::new(),
        };
    };
    let mut rest: Vec<Value> = messages.collect();
    if rest.len() > RESPONSE_URL_USES {
        let left_out = rest.len() - (RESPONSE_URL_USES - 1);
        rest.truncate(RESPONSE_URL_USES - 1);
        rest.push(truncation_note(locale, left_out));
    }
    Plan {
        response: with(first, &[("response_type", json!(response_type))]),
        followups: rest
            .into_iter()
            .map(|body| with(body, &[("response_type", json!(response_type)), ("replace_original", json!(false))]))
            .collect(),
    }
}

/// A message in place of the ones left out.
fn truncation_note(locale: Locale, left_out: usize) -> Value {
    let text = locale.reply_truncated(left_out);
    json!({
        "text": text,
        "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": render::slack::escape(&text)}]}],
    })
}

fn with(mut body: Value, fields: &[(&str, Value)]) -> Value {
    if let Value::Object(map) = &mut body {
        for (key, value) in fields {
            map.insert((*key).to_string(), value.clone());
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::limits::check_slack_message;
    use crate::render::{Card, Doc};

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
        assert_eq!(plan.followups[1]["blocks"][0]["text"]["text"], "*card 50*");
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
        assert!(note["blocks"][0]["elements"][0]["text"].as_str().unwrap().contains("&lt;검색어&gt;"));
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
