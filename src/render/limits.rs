//! The platforms' payload limits, and checks that a payload obeys them.
//!
//! The numbers come from `platform-limits.md` (Discord's "Embed Limits" and Block Kit's reference);
//! the rich text block's, which Slack mostly leaves undocumented, name their source or say they are
//! a conservative pick.
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

// The rich text block (docs.slack.dev, reference/block-kit/blocks/rich-text-block, and its element
// pages rich-text-list-element and link-element; @slack/types `RichTextList`, `RichTextText`).
/// Deepest `indent` of a `rich_text_list`: "a number from 0 (default) to 8" (@slack/types
/// `RichTextList.indent`). The reference itself says only "sub-list indent level".
pub const SLACK_RICH_TEXT_INDENT_MAX: usize = 8;
/// Elements in any one `elements` array of a rich text block (sub-elements of the block, inline
/// elements of a section, quote or preformatted, items of a list). Undocumented: a conservative
/// pick, far above what an article needs and far below what Slack's own composer produces.
pub const SLACK_RICH_TEXT_ELEMENTS: usize = 100;
/// Characters in one `text` element. Undocumented: the section block's 3000, conservatively.
pub const SLACK_RICH_TEXT_ELEMENT_TEXT: usize = 3000;
/// Characters (texts and link URLs) in one rich text block. Undocumented: the section block's
/// 3000, conservatively, so a card is no longer than the mrkdwn section it replaces.
pub const SLACK_RICH_TEXT_BLOCK_TEXT: usize = 3000;
/// Characters (every `text` and `url` string) in all the blocks of one message. Not in the block
/// reference: chat.postMessage answers `msg_blocks_too_long` well before 50 full blocks. Slack's
/// markdown block documents 12,000 for a message's markdown blocks together, and Slack's SDK team
/// says the same holds for all blocks "with a buffer for block containers" (slackapi/bolt-js#2509);
/// messages were refused at about 13,300 characters (#2509) and at 11,341 counted this way
/// (slackapi/bolt-js#2867). 10,000 leaves room for the containers.
pub const SLACK_MESSAGE_BLOCK_TEXT: usize = 10_000;
/// The style keys a rich `text` element may carry here, and a `link` element (which has no `code`:
/// docs.slack.dev link-element lists bold, italic, strike and others, not code).
const SLACK_TEXT_STYLES: [&str; 4] = ["bold", "italic", "strike", "code"];
const SLACK_LINK_STYLES: [&str; 3] = ["bold", "italic", "strike"];

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

/// Characters of a block that count toward [`SLACK_MESSAGE_BLOCK_TEXT`]: every `text` and `url`
/// string in it, in code points.
pub fn block_text_len(block: &Value) -> usize {
    fn walk(v: &Value, total: &mut usize) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| walk(i, total)),
            Value::Object(map) => {
                for (key, value) in map {
                    match value {
                        Value::String(s) if key == "text" || key == "url" => *total += s.chars().count(),
                        _ => walk(value, total),
                    }
                }
            }
            _ => {}
        }
    }
    let mut total = 0;
    walk(block, &mut total);
    total
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
    let total: usize = blocks.iter().map(block_text_len).sum();
    limit("the blocks together".into(), total, SLACK_MESSAGE_BLOCK_TEXT, &mut problems);
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
                    let len = text_len(field, "/text");
                    limit(format!("section {i} field {j}"), len, SLACK_FIELD_TEXT, &mut problems);
                    if len == 0 {
                        problems.push(format!("section {i} field {j} is empty"));
                    }
                }
                if block.get("text").is_some() && text_len(block, "/text/text") == 0 {
                    problems.push(format!("section {i} has an empty text"));
                }
                if block.get("text").is_none() && fields.is_empty() {
                    problems.push(format!("section {i} has neither text nor fields"));
                }
            }
            Some("context") => {
                let elements = block.get("elements").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
                if elements.is_empty() || elements.len() > SLACK_CONTEXT_ELEMENTS {
                    problems.push(format!("context block {i} has {} elements", elements.len()));
                }
                for (j, element) in elements.iter().enumerate() {
                    let kind = element.get("type").and_then(Value::as_str);
                    if !matches!(kind, Some("mrkdwn" | "plain_text")) {
                        problems.push(format!("context block {i} element {j} has an unexpected type {kind:?}"));
                    } else if text_len(element, "/text") == 0 {
                        problems.push(format!("context block {i} element {j} is empty"));
                    }
                }
            }
            Some("rich_text") => {
                let at = format!("rich text block {i}");
                limit(at.clone(), block_text_len(block), SLACK_RICH_TEXT_BLOCK_TEXT, &mut problems);
                for (j, element) in elements(block, &at, &mut problems).iter().enumerate() {
                    check_rich_element(element, &format!("{at} element {j}"), &mut problems);
                }
            }
            Some("divider") => {}
            other => problems.push(format!("block {i} has an unexpected type {other:?}")),
        }
    }
    problems
}

/// The `elements` array of a rich text container, checked to be there, non-empty and within
/// [`SLACK_RICH_TEXT_ELEMENTS`].
fn elements<'a>(container: &'a Value, at: &str, problems: &mut Vec<String>) -> &'a [Value] {
    let Some(elements) = container.get("elements").and_then(Value::as_array) else {
        problems.push(format!("{at} has no elements array"));
        return &[];
    };
    if elements.is_empty() {
        problems.push(format!("{at} has no elements"));
    }
    if elements.len() > SLACK_RICH_TEXT_ELEMENTS {
        problems.push(format!("{at} has {} elements, the limit is {SLACK_RICH_TEXT_ELEMENTS}", elements.len()));
    }
    elements
}

/// A sub-element of a rich text block: a section, list, preformatted text or quote.
fn check_rich_element(element: &Value, at: &str, problems: &mut Vec<String>) {
    match element.get("type").and_then(Value::as_str) {
        Some("rich_text_section" | "rich_text_quote") => {
            for (k, inline) in elements(element, at, problems).iter().enumerate() {
                check_rich_inline(inline, &format!("{at} inline {k}"), false, problems);
            }
        }
        Some("rich_text_preformatted") => {
            for (k, inline) in elements(element, at, problems).iter().enumerate() {
                check_rich_inline(inline, &format!("{at} inline {k}"), true, problems);
            }
        }
        Some("rich_text_list") => {
            if !matches!(element.get("style").and_then(Value::as_str), Some("bullet" | "ordered")) {
                problems.push(format!("{at} is a list with neither the bullet nor the ordered style"));
            }
            match element.get("indent").map(Value::as_u64) {
                None => {}
                Some(Some(indent)) if indent <= SLACK_RICH_TEXT_INDENT_MAX as u64 => {}
                Some(indent) => {
                    problems.push(format!("{at} has the indent {indent:?}, outside 0..={SLACK_RICH_TEXT_INDENT_MAX}"))
                }
            }
            if element.get("offset").is_some_and(|o| o.as_u64().is_none()) {
                problems.push(format!("{at} has an offset that is not a non-negative integer"));
            }
            for (k, item) in elements(element, at, problems).iter().enumerate() {
                let item_at = format!("{at} item {k}");
                if item.get("type").and_then(Value::as_str) != Some("rich_text_section") {
                    problems.push(format!("{item_at} is not a rich_text_section"));
                    continue;
                }
                for (l, inline) in elements(item, &item_at, problems).iter().enumerate() {
                    check_rich_inline(inline, &format!("{item_at} inline {l}"), false, problems);
                }
            }
        }
        other => problems.push(format!("{at} has an unexpected type {other:?}")),
    }
}

/// An inline element: `text` (non-empty, within [`SLACK_RICH_TEXT_ELEMENT_TEXT`]) or `link` (an
/// http(s) URL), with only the styles Slack documents for it; preformatted text takes no style.
fn check_rich_inline(inline: &Value, at: &str, preformatted: bool, problems: &mut Vec<String>) {
    let kind = inline.get("type").and_then(Value::as_str);
    let text = inline.get("text");
    let allowed: &[&str] = match kind {
        Some("text") => {
            match text.and_then(Value::as_str) {
                Some(t) if !t.is_empty() => {
                    limit(at.to_string(), t.chars().count(), SLACK_RICH_TEXT_ELEMENT_TEXT, problems)
                }
                _ => problems.push(format!("{at} is a text element without text")),
            }
            if preformatted { &[] } else { &SLACK_TEXT_STYLES }
        }
        Some("link") => {
            let url = inline.get("url").and_then(Value::as_str).unwrap_or("");
            if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() <= "http://".len() {
                problems.push(format!("{at} is a link without an http(s) URL"));
            }
            if text.is_some_and(|t| t.as_str().is_none_or(str::is_empty)) {
                problems.push(format!("{at} is a link with an empty text"));
            }
            if let Some(t) = text.and_then(Value::as_str) {
                limit(at.to_string(), t.chars().count(), SLACK_RICH_TEXT_ELEMENT_TEXT, problems);
            }
            if preformatted { &[] } else { &SLACK_LINK_STYLES }
        }
        other => {
            problems.push(format!("{at} has an unexpected type {other:?}"));
            return;
        }
    };
    match inline.get("style") {
        None => {}
        Some(Value::Object(style)) => {
            for (key, value) in style {
                if !allowed.contains(&key.as_str()) || !value.is_boolean() {
                    problems.push(format!("{at} has the style {key}: {value}, not one Slack takes here"));
                }
            }
        }
        Some(other) => problems.push(format!("{at} has a style that is not an object: {other}")),
    }
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

/// The strings of a Slack payload that are shown as prose: every string but those of a
/// `rich_text_preformatted` element and of `code`-styled text, which Slack shows as code.
pub fn prose_strings(value: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    fn walk<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::String(s) => out.push(s),
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Object(map) => {
                let code = map.get("type").and_then(Value::as_str) == Some("rich_text_preformatted")
                    || v.pointer("/style/code").and_then(Value::as_bool) == Some(true);
                if !code {
                    map.values().for_each(|i| walk(i, out));
                }
            }
            _ => {}
        }
    }
    walk(value, &mut out);
    out
}

/// Every inline element (`text` or `link`) of a rich text block, in order, list items included.
pub fn rich_text_inlines(block: &Value) -> Vec<&Value> {
    fn walk<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
        for e in v["elements"].as_array().into_iter().flatten() {
            match e["type"].as_str() {
                Some("text" | "link") => out.push(e),
                _ => walk(e, out),
            }
        }
    }
    let mut out = Vec::new();
    walk(block, &mut out);
    out
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
        // Ten full sections are within every block limit, not within the message's total.
        let full: Vec<Value> =
            (0..4).map(|_| json!({"type": "section", "text": {"type": "mrkdwn", "text": "가".repeat(3000)}})).collect();
        assert_eq!(
            check_slack_message(&json!({"text": "t", "blocks": full})),
            ["the blocks together has 12000 characters, the limit is 10000"]
        );
    }

    fn rich(elements: Value) -> Value {
        json!({"text": "t", "blocks": [{"type": "rich_text", "elements": elements}]})
    }

    #[test]
    fn rich_text_that_slack_takes_passes() {
        let ok = rich(json!([
            {"type": "rich_text_section", "elements": [
                {"type": "text", "text": "토스가 "},
                {"type": "text", "text": "기반", "style": {"bold": true, "italic": true, "strike": false, "code": true}},
                {"type": "link", "url": "https://toss.tech", "text": "toss", "style": {"bold": true}},
                {"type": "link", "url": "https://toss.tech"},
            ]},
            {"type": "rich_text_list", "style": "ordered", "indent": 8, "offset": 4,
             "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "a"}]}]},
            {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "let a = 1;"}]},
            {"type": "rich_text_quote", "elements": [{"type": "text", "text": "q"}]},
        ]));
        assert_eq!(check_slack_message(&ok), Vec::<String>::new());
    }

    #[test]
    fn rich_text_checks_find_each_breach() {
        let problems = |elements: Value| check_slack_message(&rich(elements));
        let section = |inline: Value| json!([{"type": "rich_text_section", "elements": [inline]}]);
        let at = "rich text block 0 element 0";
        assert_eq!(problems(json!([])), ["rich text block 0 has no elements"]);
        assert_eq!(
            problems(json!([{"type": "rich_text_table"}])),
            [format!("{at} has an unexpected type Some(\"rich_text_table\")")]
        );
        assert_eq!(problems(json!([{"type": "rich_text_section", "elements": []}])), [format!("{at} has no elements")]);
        assert_eq!(
            problems(section(json!({"type": "text", "text": ""}))),
            [format!("{at} inline 0 is a text element without text")]
        );
        assert_eq!(
            problems(section(json!({"type": "text", "text": "x", "style": {"underline": true}}))),
            [format!("{at} inline 0 has the style underline: true, not one Slack takes here")]
        );
        assert_eq!(
            problems(section(json!({"type": "link", "url": "https://x.com", "text": "x", "style": {"code": true}}))),
            [format!("{at} inline 0 has the style code: true, not one Slack takes here")]
        );
        assert_eq!(
            problems(section(json!({"type": "link", "url": "javascript:alert(1)", "text": "x"}))),
            [format!("{at} inline 0 is a link without an http(s) URL")]
        );
        assert_eq!(
            problems(section(json!({"type": "image"}))),
            [format!("{at} inline 0 has an unexpected type Some(\"image\")")]
        );
        let item = json!([{"type": "rich_text_section", "elements": [{"type": "text", "text": "a"}]}]);
        assert_eq!(
            problems(json!([{"type": "rich_text_list", "style": "ordered", "indent": 9, "elements": item}])),
            [format!("{at} has the indent Some(9), outside 0..=8")]
        );
        assert_eq!(
            problems(json!([{"type": "rich_text_list", "style": "dashed", "offset": -1, "elements": item}])),
            [
                format!("{at} is a list with neither the bullet nor the ordered style"),
                format!("{at} has an offset that is not a non-negative integer"),
            ]
        );
        assert_eq!(
            problems(
                json!([{"type": "rich_text_list", "style": "bullet", "elements": [{"type": "text", "text": "a"}]}])
            ),
            [format!("{at} item 0 is not a rich_text_section")]
        );
        let many: Vec<Value> = (0..101).map(|_| json!({"type": "text", "text": "a"})).collect();
        assert_eq!(
            problems(json!([{"type": "rich_text_section", "elements": many}])),
            [format!("{at} has 101 elements, the limit is 100")]
        );
        let long = "가".repeat(3001);
        assert_eq!(
            problems(section(json!({"type": "text", "text": long}))),
            [
                "rich text block 0 has 3001 characters, the limit is 3000".to_string(),
                format!("{at} inline 0 has 3001 characters, the limit is 3000"),
            ]
        );
        assert_eq!(
            problems(
                json!([{"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "x", "style": {"bold": true}}]}])
            ),
            [format!("{at} inline 0 has the style bold: true, not one Slack takes here")]
        );
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
