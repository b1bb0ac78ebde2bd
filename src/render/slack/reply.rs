//! Answers to a slash command: the bodies Slack takes in the HTTP response and through a
//! `response_url`.
//!
//! Each answer is one of [`super::messages`] marked with `response_type` (`in_channel` or
//! `ephemeral`, see [`ResponseType`]); a follow-up also carries `replace_original: false`, so it is
//! added below the first answer instead of replacing it. [`left_out`] is the message that stands for
//! follow-ups that were not sent, and [`nothing_to_say`] the answer to a reply without any message.
//! Which message goes where is the edge's business (`slack::reply`); only these bodies know the fields.

use serde_json::{Value, json};

use super::note;

/// Who sees a command's answer: Slack's `response_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    /// Everyone in the channel.
    InChannel,
    /// Only the user who typed the command.
    Ephemeral,
}

impl ResponseType {
    fn as_str(self) -> &'static str {
        match self {
            ResponseType::InChannel => "in_channel",
            ResponseType::Ephemeral => "ephemeral",
        }
    }
}

/// The HTTP response to a command: `message` with its `response_type`.
pub fn response(message: Value, response_type: ResponseType) -> Value {
    with(message, &[("response_type", json!(response_type.as_str()))])
}

/// A `response_url` follow-up: `message` with its `response_type`, added below the first answer.
pub fn followup(message: Value, response_type: ResponseType) -> Value {
    with(message, &[("response_type", json!(response_type.as_str())), ("replace_original", json!(false))])
}

/// A message in place of the ones left out: `markdown` as its fallback text and as a note.
pub fn left_out(markdown: &str) -> Value {
    json!({
        "text": markdown,
        "blocks": [note(markdown)],
    })
}

/// The answer to a reply that has no message at all: `text`, for the user only.
pub fn nothing_to_say(text: &str) -> Value {
    json!({"response_type": "ephemeral", "text": text})
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

    #[test]
    fn answers_carry_their_audience_and_follow_ups_keep_the_first() {
        let message = json!({"text": "t", "blocks": [note("t")]});
        let first = response(message.clone(), ResponseType::InChannel);
        assert_eq!(first["response_type"], "in_channel");
        assert!(first.get("replace_original").is_none());
        let next = followup(message.clone(), ResponseType::Ephemeral);
        assert_eq!((&next["response_type"], &next["replace_original"]), (&json!("ephemeral"), &json!(false)));
        assert_eq!(next["blocks"], message["blocks"]);
        let note = followup(left_out("see `/digest list`"), ResponseType::InChannel);
        assert_eq!(note["text"], "see `/digest list`");
        for body in [first, next, note, nothing_to_say("sorry")] {
            let problems = check_slack_message(&body);
            assert!(problems.is_empty(), "{problems:?}");
        }
    }
}
