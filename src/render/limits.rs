//! The platforms' payload limits, and checks that a payload obeys them.
//!
//! The numbers come from `platform-limits.md` (Discord's "Embed Limits" and Block Kit's reference).
//! The encoders build payloads within them; [`check_discord_message`] and [`check_slack_message`] verify
//! a finished payload, so tests can hold every rendered message to the rules, and `check` can too.
//! Both also refuse control characters in any string of the payload.

use serde_json::Value;

use super::markup::count;

pub const DISCORD_EMBEDS_PER_MESSAGE: usize = 10;
pub const DISCORD_CONTENT: usize = 2000;
pub const DISCORD_TITLE: usize = 256;
pub const DISCORD_DESCRIPTION: usize = 4096;
pub const DISCORD_FIELDS: usize = 25;
pub const DISCORD_FIELD_NAME: usize = 256;
pub const DISCORD_FIELD_VALUE: usize = 1024;
pub const DISCORD_FOOTER: usize = 2048;
pub const DISCORD_AUTHOR: usize = 256;
/// Title, description, field names and values, footer and author name, over all embeds of a message.
pub const DISCORD_EMBED_TOTAL: usize = 6000;

pub const SLACK_BLOCKS: usize = 50;
pub const SLACK_SECTION_TEXT: usize = 3000;
pub const SLACK_SECTION_FIELDS: usize = 10;
pub const SLACK_FIELD_TEXT: usize = 2000;
pub const SLACK_HEADER: usize = 150;
pub const SLACK_CONTEXT_ELEMENTS: usize = 10;
pub const SLACK_TEXT: usize = 40_000;

fn text_len(v: &Value, pointer: &str) -> usize {
    v.pointer(pointer).and_then(Value::as_str).map_or(0, count)
}

/// A problem for each string of the payload that holds a control character (see [`super::clean`]).
fn controls(message: &Value, problems: &mut Vec<String>) {
    for s in strings(message) {
        if let Some(c) = s.chars().find(|&c| super::clean::is_unwanted(c)) {
            problems.push(format!("a string holds the control character U+{:04X}", c as u32));
        }
    }
}

fn limit(what: String, len: usize, max: usize, problems: &mut Vec<String>) {
    if len > max {
        problems.push(format!("{what} has {len} characters, the limit is {max}"));
    }
}

/// Every way a Discord message body breaks a limit (empty when it obeys all of them).
pub fn check_discord_message(message: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    controls(message, &mut problems);
    limit("content".into(), text_len(message, "/content"), DISCORD_CONTENT, &mut problems);
    let embeds = message.get("embeds").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    if embeds.len() > DISCORD_EMBEDS_PER_MESSAGE {
        problems.push(format!("{} embeds, the limit is {DISCORD_EMBEDS_PER_MESSAGE}", embeds.len()));
    }
    if embeds.is_empty() && count(message.get("content").and_then(Value::as_str).unwrap_or("")) == 0 {
        problems.push("the message has neither content nor embeds".into());
    }
    let mut total = 0;
    for (i, embed) in embeds.iter().enumerate() {
        let title = text_len(embed, "/title");
        let description = text_len(embed, "/description");
        let footer = text_len(embed, "/footer/text");
        let author = text_len(embed, "/author/name");
        limit(format!("embed {i} title"), title, DISCORD_TITLE, &mut problems);
        limit(format!("embed {i} description"), description, DISCORD_DESCRIPTION, &mut problems);
        limit(format!("embed {i} footer"), footer, DISCORD_FOOTER, &mut problems);
        limit(format!("embed {i} author name"), author, DISCORD_AUTHOR, &mut problems);
        total += title + description + footer + author;
        let fields = embed.get("fields").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
        if fields.len() > DISCORD_FIELDS {
            problems.push(format!("embed {i} has {} fields, the limit is {DISCORD_FIELDS}", fields.len()));
        }
        for (j, field) in fields.iter().enumerate() {
            let name = text_len(field, "/name");
            let value = text_len(field, "/value");
            limit(format!("embed {i} field {j} name"), name, DISCORD_FIELD_NAME, &mut problems);
            limit(format!("embed {i} field {j} value"), value, DISCORD_FIELD_VALUE, &mut problems);
            if name == 0 || value == 0 {
                problems.push(format!("embed {i} field {j} has an empty name or value"));
            }
            total += name + value;
        }
    }
    limit("the embeds together".into(), total, DISCORD_EMBED_TOTAL, &mut problems);
    problems
}

/// Every way a Slack chat.postMessage body breaks a limit.
pub fn check_slack_message(message: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    controls(message, &mut problems);
    limit("text".into(), text_len(message, "/text"), SLACK_TEXT, &mut problems);
    let blocks = message.get("blocks").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    if blocks.len() > SLACK_BLOCKS {
        problems.push(format!("{} blocks, the limit is {SLACK_BLOCKS}", blocks.len()));
    }
    for (i, block) in blocks.iter().enumerate() {
        match block.get("type").and_then(Value::as_str) {
            Some("header") => {
                let len = text_len(block, "/text/text");
                limit(format!("header block {i}"), len, SLACK_HEADER, &mut problems);
                if len == 0 {
                    problems.push(format!("header block {i} is empty"));
                }
                if block.pointer("/text/type").and_then(Value::as_str) != Some("plain_text") {
                    problems.push(format!("header block {i} is not plain_text"));
                }
            }
            Some("section") => {
                limit(format!("section {i} text"), text_len(block, "/text/text"), SLACK_SECTION_TEXT, &mut problems);
                let fields = block.get("fields").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
                if fields.len() > SLACK_SECTION_FIELDS {
                    problems.push(format!("section {i} has {} fields", fields.len()));
                }
                for (j, field) in fields.iter().enumerate() {
                    limit(format!("section {i} field {j}"), text_len(field, "/text"), SLACK_FIELD_TEXT, &mut problems);
                }
                if block.get("text").is_none() && fields.is_empty() {
                    problems.push(format!("section {i} has neither text nor fields"));
                }
            }
            Some("context") => {
                let elements = block.get("elements").and_then(Value::as_array).map_or(0, Vec::len);
                if elements == 0 || elements > SLACK_CONTEXT_ELEMENTS {
                    problems.push(format!("context block {i} has {elements} elements"));
                }
            }
            Some("divider") => {}
            other => problems.push(format!("block {i} has an unexpected type {other:?}")),
        }
    }
    problems
}

/// True when `text` holds a Markdown table delimiter row (`|---|`) outside a fenced code block.
pub fn has_table_delimiter_outside_code(text: &str) -> bool {
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        let t = line.trim();
        let is_delimiter = t.contains('|') && t.contains("--") && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '));
        if !in_code && is_delimiter {
            return true;
        }
    }
    false
}

/// Every string in a JSON value, for whole-payload checks.
pub fn strings(value: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    fn walk<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::String(s) => out.push(s),
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Object(map) => map.values().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    walk(value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn discord_checks_find_each_breach() {
        let ok = json!({"embeds": [{"title": "t", "description": "d"}]});
        assert!(check_discord_message(&ok).is_empty());
        let long = "가".repeat(4097);
        let bad = json!({"embeds": [{"title": "t", "description": long}]});
        assert_eq!(check_discord_message(&bad).len(), 1);
        let many: Vec<Value> = (0..11).map(|_| json!({"description": "x".repeat(600)})).collect();
        let problems = check_discord_message(&json!({"embeds": many}));
        assert_eq!(problems.len(), 2, "{problems:?}");
        // Trimmed, code points: 4096 Korean characters plus spaces around are fine.
        let padded = format!("  {}  ", "가".repeat(4096));
        assert!(check_discord_message(&json!({"embeds": [{"description": padded}]})).is_empty());
    }

    #[test]
    fn slack_checks_find_each_breach() {
        let ok = json!({"text": "t", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h"}}]});
        assert!(check_slack_message(&ok).is_empty());
        let blocks: Vec<Value> = (0..51).map(|_| json!({"type": "divider"})).collect();
        assert_eq!(check_slack_message(&json!({"text": "t", "blocks": blocks})).len(), 1);
        let long = json!({"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x".repeat(3001)}}]});
        assert_eq!(check_slack_message(&long).len(), 1);
        let empty = json!({"blocks": [{"type": "header", "text": {"type": "plain_text", "text": " "}}]});
        assert_eq!(check_slack_message(&empty), ["header block 0 is empty"]);
    }

    #[test]
    fn control_characters_anywhere_are_a_problem() {
        let nul = json!({"embeds": [{"title": "t", "footer": {"text": "a\u{0}b"}}]});
        assert_eq!(check_discord_message(&nul), ["a string holds the control character U+0000"]);
        let esc = json!({"text": "t\u{1b}[2J", "blocks": []});
        assert_eq!(check_slack_message(&esc).len(), 1);
        assert!(check_discord_message(&json!({"content": "line\nnext\ttab"})).is_empty());
    }

    #[test]
    fn table_delimiters() {
        assert!(has_table_delimiter_outside_code("a\n|---|---|\n"));
        assert!(has_table_delimiter_outside_code("| :-- | --: |"));
        assert!(!has_table_delimiter_outside_code("```\n|---|\n```"));
        assert!(!has_table_delimiter_outside_code("a - b | c"));
    }
}
