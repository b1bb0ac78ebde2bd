//! The platforms' payload limits, and checks that a payload obeys them.
//!
//! The numbers come from `platform-limits.md` (Discord's "Embed Limits" and Block Kit's reference);
//! the rich text block's, which Slack mostly leaves undocumented, name their source or say they are
//! a conservative pick.
//! The encoders build payloads within them; [`check_discord_message`] and [`check_slack_message`] verify
//! a finished payload, so tests can hold every rendered message to the rules, and `check` can too.
//! Both also refuse control characters in any string of the payload, and check the link buttons:
//! Discord's action rows and buttons, Slack's actions blocks.

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

// Message components (discord-api-docs, interactions/message-components: "Action Rows", "Buttons").
/// Action rows in one message.
pub const DISCORD_ACTION_ROWS: usize = 5;
/// Buttons in one action row.
pub const DISCORD_BUTTONS_PER_ROW: usize = 5;
/// Characters in a button's `label`.
pub const DISCORD_BUTTON_LABEL: usize = 80;
/// Characters in a link button's `url`.
pub const DISCORD_BUTTON_URL: usize = 512;
/// Characters in a button's `custom_id` (every style but link and premium).
pub const DISCORD_CUSTOM_ID: usize = 100;

// Threads and forum posts (discord-api-docs, resources/channel: "Start Thread from Message", "Start
// Thread in Forum or Media Channel").
/// Characters in a thread's or forum post's `name` (1 to 100).
pub const DISCORD_THREAD_NAME: usize = 100;
/// Tag ids in a forum post's `applied_tags`.
pub const DISCORD_FORUM_APPLIED_TAGS: usize = 5;

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
// The actions block and the button element (docs.slack.dev, reference/block-kit/blocks/actions-block
// and reference/block-kit/block-elements/button-element).
/// Elements in one actions block.
pub const SLACK_ACTIONS_ELEMENTS: usize = 25;
/// Characters in a button's `text` (plain_text).
pub const SLACK_BUTTON_TEXT: usize = 75;
/// Characters in a button's `url`.
pub const SLACK_BUTTON_URL: usize = 3000;
/// Characters in an element's `action_id`. Slack asks for one unique within its block; the checks
/// here hold it unique within the message.
pub const SLACK_ACTION_ID: usize = 255;

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

/// An `http://` or `https://` URL with something after the scheme: the only links either platform
/// takes from the bot (a link button's, a rich text link's).
pub fn is_http_url(url: &str) -> bool {
    ["https://", "http://"].iter().any(|scheme| url.strip_prefix(scheme).is_some_and(|rest| !rest.is_empty()))
}

/// Characters a URL never holds as they are (RFC 3986, section 2: neither reserved nor unreserved),
/// which Discord refuses in an embed's or a button's `url` ("Not a well formed URL"); percent-encoded
/// by [`web_url`].
fn needs_encoding(c: char) -> bool {
    c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
}

/// `url` as a link both platforms take from a digest: an `http://` or `https://` URL with a host,
/// trimmed, and with the characters a URL cannot hold (spaces, quotes, angle brackets, controls:
/// `needs_encoding`) percent-encoded after the host; `None` for anything else (another scheme, no
/// host, a host holding such a character), which is shown as text and linked nowhere. A digest's
/// links are written by people (`<https://a.com/x y>`, a placeholder `https://`); one Discord
/// refuses would refuse the whole message.
pub fn web_url(url: &str) -> Option<String> {
    let url = url.trim();
    let scheme = ["https://", "http://"].into_iter().find(|scheme| url.starts_with(scheme))?;
    let rest = &url[scheme.len()..];
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..host_end];
    if !host.chars().any(char::is_alphanumeric) || host.chars().any(needs_encoding) {
        return None;
    }
    let mut out = String::with_capacity(url.len());
    out.push_str(scheme);
    out.push_str(host);
    for c in rest[host_end..].chars() {
        if needs_encoding(c) {
            let mut bytes = [0; 4];
            for byte in c.encode_utf8(&mut bytes).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Whether `url` is a link as [`web_url`] makes them.
pub fn is_well_formed_url(url: &str) -> bool {
    web_url(url).as_deref() == Some(url)
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
    for (i, embed) in embeds.iter().enumerate() {
        if let Some(url) = embed.get("url").and_then(Value::as_str).filter(|url| !is_well_formed_url(url)) {
            problems.push(format!("embed {i} url {url:?} is not a well formed http(s) URL"));
        }
    }
    check_discord_components(message, &mut problems);
    problems
}

/// A message's `components`: at most [`DISCORD_ACTION_ROWS`] action rows (type 1) of 1 to
/// [`DISCORD_BUTTONS_PER_ROW`] buttons each, the only components the bot sends.
fn check_discord_components(message: &Value, problems: &mut Vec<String>) {
    let Some(rows) = message.get("components") else { return };
    let Some(rows) = rows.as_array() else {
        problems.push("components is not an array".into());
        return;
    };
    if rows.len() > DISCORD_ACTION_ROWS {
        problems.push(format!("{} action rows, the limit is {DISCORD_ACTION_ROWS}", rows.len()));
    }
    for (i, row) in rows.iter().enumerate() {
        let at = format!("action row {i}");
        if row.get("type").and_then(Value::as_u64) != Some(1) {
            problems.push(format!("{at} is not of type 1"));
        }
        let buttons = row.get("components").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
        if buttons.is_empty() || buttons.len() > DISCORD_BUTTONS_PER_ROW {
            problems.push(format!("{at} has {} components, not 1 to {DISCORD_BUTTONS_PER_ROW}", buttons.len()));
        }
        for (j, button) in buttons.iter().enumerate() {
            check_discord_button(button, &format!("{at} component {j}"), problems);
        }
    }
}

/// A button (type 2): a style from 1 to 6; a link (style 5) has an http(s) `url` and no
/// `custom_id`, a premium button (6) a `sku_id` and none of `custom_id`, `url` and `label`, the
/// others a `custom_id` and no `url`; a label within [`DISCORD_BUTTON_LABEL`].
fn check_discord_button(button: &Value, at: &str, problems: &mut Vec<String>) {
    if button.get("type").and_then(Value::as_u64) != Some(2) {
        problems.push(format!("{at} is not a button (type 2)"));
        return;
    }
    let label = button.get("label").and_then(Value::as_str);
    if let Some(label) = label {
        limit(format!("{at} label"), count(label), DISCORD_BUTTON_LABEL, problems);
    }
    let url = button.get("url").and_then(Value::as_str);
    let custom_id = button.get("custom_id");
    match button.get("style").and_then(Value::as_u64) {
        Some(5) => {
            match url {
                Some(url) if is_well_formed_url(url) => {
                    limit(format!("{at} url"), url.chars().count(), DISCORD_BUTTON_URL, problems)
                }
                _ => problems.push(format!("{at} is a link button without an http(s) url")),
            }
            if custom_id.is_some() {
                problems.push(format!("{at} is a link button with a custom_id"));
            }
        }
        Some(6) => {
            if button.get("sku_id").is_none() || custom_id.is_some() || url.is_some() || label.is_some() {
                problems.push(format!("{at} is a premium button that is not only a sku_id"));
            }
        }
        Some(1..=4) => {
            match custom_id.and_then(Value::as_str) {
                Some(id) if !id.is_empty() => {
                    limit(format!("{at} custom_id"), id.chars().count(), DISCORD_CUSTOM_ID, problems)
                }
                _ => problems.push(format!("{at} is a button without a custom_id")),
            }
            if url.is_some() {
                problems.push(format!("{at} has a url but is not a link button"));
            }
        }
        other => problems.push(format!("{at} has the style {other:?}, outside 1..=6")),
    }
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
    let mut action_ids = std::collections::HashSet::new();
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
            Some("actions") => {
                let elements = block.get("elements").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
                if elements.is_empty() || elements.len() > SLACK_ACTIONS_ELEMENTS {
                    problems.push(format!(
                        "actions block {i} has {} elements, not 1 to {SLACK_ACTIONS_ELEMENTS}",
                        elements.len()
                    ));
                }
                for (j, element) in elements.iter().enumerate() {
                    check_slack_button(
                        element,
                        &format!("actions block {i} element {j}"),
                        &mut action_ids,
                        &mut problems,
                    );
                }
            }
            Some("divider") => {}
            other => problems.push(format!("block {i} has an unexpected type {other:?}")),
        }
    }
    problems
}

/// An element of an actions block: a button (the only element the bot sends) with a plain_text
/// `text` of 1 to [`SLACK_BUTTON_TEXT`] characters, an optional http(s) `url` within
/// [`SLACK_BUTTON_URL`], and an optional `action_id` within [`SLACK_ACTION_ID`] that no other
/// element of the message has (`seen` holds those met so far).
fn check_slack_button<'a>(
    element: &'a Value,
    at: &str,
    seen: &mut std::collections::HashSet<&'a str>,
    problems: &mut Vec<String>,
) {
    if element.get("type").and_then(Value::as_str) != Some("button") {
        problems.push(format!("{at} is not a button"));
        return;
    }
    if element.pointer("/text/type").and_then(Value::as_str) != Some("plain_text") {
        problems.push(format!("{at} has no plain_text text"));
    }
    let text = element.pointer("/text/text").and_then(Value::as_str).unwrap_or("");
    if text.trim().is_empty() {
        problems.push(format!("{at} has an empty text"));
    }
    limit(format!("{at} text"), text.chars().count(), SLACK_BUTTON_TEXT, problems);
    if let Some(url) = element.get("url") {
        match url.as_str() {
            Some(url) if is_well_formed_url(url) => {
                limit(format!("{at} url"), url.chars().count(), SLACK_BUTTON_URL, problems)
            }
            _ => problems.push(format!("{at} has a url that is not an http(s) URL")),
        }
    }
    if let Some(id) = element.get("action_id") {
        let id = id.as_str().unwrap_or("");
        limit(format!("{at} action_id"), id.chars().count(), SLACK_ACTION_ID, problems);
        if !seen.insert(id) {
            problems.push(format!("{at} repeats the action_id {id:?}"));
        }
    }
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

    fn link_button(label: &str, url: &str) -> Value {
        json!({"type": 2, "style": 5, "label": label, "url": url})
    }

    #[test]
    fn discord_components_that_discord_takes_pass() {
        let rows: Vec<Value> = (0..DISCORD_ACTION_ROWS)
            .map(|r| {
                let buttons: Vec<Value> = (0..DISCORD_BUTTONS_PER_ROW)
                    .map(|b| match b {
                        0 => link_button(&"가".repeat(80), &format!("https://x.com/{}", "a".repeat(498))),
                        1 => {
                            json!({"type": 2, "style": 1, "label": "ok", "custom_id": format!("{r}{}", "c".repeat(98))})
                        }
                        2 => json!({"type": 2, "style": 6, "sku_id": "1"}),
                        3 => json!({"type": 2, "style": 4, "emoji": {"name": "🔥"}, "custom_id": "d"}),
                        _ => link_button("Read", "http://x.com"),
                    })
                    .collect();
                json!({"type": 1, "components": buttons})
            })
            .collect();
        let message = json!({"embeds": [{"title": "t"}], "components": rows});
        assert_eq!(check_discord_message(&message), Vec::<String>::new());
    }

    #[test]
    fn discord_component_checks_find_each_breach() {
        let problems = |components: Value| check_discord_message(&json!({"content": "c", "components": components}));
        let row = |buttons: Value| json!([{"type": 1, "components": buttons}]);
        let one = |button: Value| problems(row(json!([button])));
        let at = "action row 0 component 0";
        assert_eq!(problems(json!({"type": 1})), ["components is not an array"]);
        let full = json!({"type": 1, "components": [link_button("a", "https://x.com")]});
        assert_eq!(problems(json!(vec![full; 6])), ["6 action rows, the limit is 5"]);
        assert_eq!(
            problems(json!([{"type": 2, "components": [link_button("a", "https://x.com")]}])),
            ["action row 0 is not of type 1"]
        );
        assert_eq!(problems(row(json!([]))), ["action row 0 has 0 components, not 1 to 5"]);
        let six: Vec<Value> = (0..6).map(|_| link_button("a", "https://x.com")).collect();
        assert_eq!(problems(row(json!(six))), ["action row 0 has 6 components, not 1 to 5"]);
        assert_eq!(one(json!({"type": 3, "custom_id": "menu"})), [format!("{at} is not a button (type 2)")]);
        assert_eq!(
            one(link_button(&"a".repeat(81), "https://x.com")),
            [format!("{at} label has 81 characters, the limit is 80")]
        );
        assert_eq!(
            one(json!({"type": 2, "style": 5, "label": "a"})),
            [format!("{at} is a link button without an http(s) url")]
        );
        assert_eq!(
            one(link_button("a", "javascript:alert(1)")),
            [format!("{at} is a link button without an http(s) url")]
        );
        assert_eq!(one(link_button("a", "https://")), [format!("{at} is a link button without an http(s) url")]);
        assert_eq!(
            one(link_button("a", &format!("https://x.com/{}", "a".repeat(499)))),
            [format!("{at} url has 513 characters, the limit is 512")]
        );
        assert_eq!(
            one(json!({"type": 2, "style": 5, "label": "a", "url": "https://x.com", "custom_id": "x"})),
            [format!("{at} is a link button with a custom_id")]
        );
        assert_eq!(
            one(json!({"type": 2, "style": 1, "label": "a"})),
            [format!("{at} is a button without a custom_id")]
        );
        assert_eq!(
            one(json!({"type": 2, "style": 2, "label": "a", "custom_id": "x".repeat(101)})),
            [format!("{at} custom_id has 101 characters, the limit is 100")]
        );
        assert_eq!(
            one(json!({"type": 2, "style": 3, "label": "a", "custom_id": "x", "url": "https://x.com"})),
            [format!("{at} has a url but is not a link button")]
        );
        assert_eq!(
            one(json!({"type": 2, "style": 6, "sku_id": "1", "custom_id": "x"})),
            [format!("{at} is a premium button that is not only a sku_id")]
        );
        assert_eq!(
            one(json!({"type": 2, "style": 7, "label": "a"})),
            [format!("{at} has the style Some(7), outside 1..=6")]
        );
        assert_eq!(one(json!({"type": 2, "label": "a"})), [format!("{at} has the style None, outside 1..=6")]);
    }

    fn actions(elements: Value) -> Value {
        json!({"text": "t", "blocks": [{"type": "actions", "elements": elements}]})
    }

    fn slack_button(text: &str, url: &str, action_id: &str) -> Value {
        json!({"type": "button", "text": {"type": "plain_text", "text": text, "emoji": true}, "url": url, "action_id": action_id})
    }

    #[test]
    fn slack_actions_that_slack_takes_pass() {
        let buttons: Vec<Value> = (0..SLACK_ACTIONS_ELEMENTS)
            .map(|i| {
                slack_button(&"가".repeat(75), &format!("https://x.com/{}", "a".repeat(2986)), &format!("{i:0>255}"))
            })
            .collect();
        // Within every element limit; only the message's text budget is exceeded by so many.
        assert_eq!(
            check_slack_message(&actions(json!(buttons))),
            ["the blocks together has 76875 characters, the limit is 10000"]
        );
        let plain = json!({"type": "button", "text": {"type": "plain_text", "text": "열기"}});
        assert_eq!(check_slack_message(&actions(json!([plain]))), Vec::<String>::new());
    }

    #[test]
    fn slack_actions_checks_find_each_breach() {
        let problems = |elements: Value| check_slack_message(&actions(elements));
        let at = "actions block 0 element 0";
        assert_eq!(problems(json!([])), ["actions block 0 has 0 elements, not 1 to 25"]);
        let many: Vec<Value> = (0..26).map(|i| slack_button("a", "https://x.com", &format!("b{i}"))).collect();
        assert_eq!(problems(json!(many)), ["actions block 0 has 26 elements, not 1 to 25"]);
        assert_eq!(problems(json!([{"type": "static_select", "action_id": "s"}])), [format!("{at} is not a button")]);
        assert_eq!(
            problems(json!([{"type": "button", "text": {"type": "mrkdwn", "text": "*a*"}}])),
            [format!("{at} has no plain_text text")]
        );
        assert_eq!(problems(json!([slack_button(" ", "https://x.com", "a")])), [format!("{at} has an empty text")]);
        assert_eq!(
            problems(json!([slack_button(&"a".repeat(76), "https://x.com", "a")])),
            [format!("{at} text has 76 characters, the limit is 75")]
        );
        assert_eq!(
            problems(json!([slack_button("a", "ftp://x.com", "a")])),
            [format!("{at} has a url that is not an http(s) URL")]
        );
        assert_eq!(
            problems(json!([slack_button("a", &format!("https://x.com/{}", "a".repeat(2987)), "a")])),
            [format!("{at} url has 3001 characters, the limit is 3000")]
        );
        assert_eq!(
            problems(json!([slack_button("a", "https://x.com", &"a".repeat(256))])),
            [format!("{at} action_id has 256 characters, the limit is 255")]
        );
        // Unique within the message, across its actions blocks.
        let twice = json!({"text": "t", "blocks": [
            {"type": "actions", "elements": [slack_button("a", "https://x.com/1", "open")]},
            {"type": "actions", "elements": [slack_button("b", "https://x.com/2", "open")]},
        ]});
        assert_eq!(check_slack_message(&twice), ["actions block 1 element 0 repeats the action_id \"open\""]);
    }

    #[test]
    fn links_are_made_well_formed_or_left_out() {
        for (url, expected) in [
            ("https://example.com/a", Some("https://example.com/a")),
            ("  http://x.com  ", Some("http://x.com")),
            ("https://example.com/a b\"c<d>|e", Some("https://example.com/a%20b%22c%3Cd%3E%7Ce")),
            ("https://ko.wikipedia.org/wiki/클라우드 컴퓨팅", Some("https://ko.wikipedia.org/wiki/클라우드%20컴퓨팅")),
            ("https://x.com/a\u{3000}b\tc", Some("https://x.com/a%E3%80%80b%09c")),
            ("https://x.com?q=%20", Some("https://x.com?q=%20")),
            ("https://", None),
            ("https:///path", None),
            ("https://.../", None),
            ("https://exa mple.com/", None),
            ("javascript:alert(1)", None),
            ("ftp://x.com", None),
            ("HTTPS://x.com", None),
        ] {
            assert_eq!(web_url(url).as_deref(), expected, "{url:?}");
            if let Some(made) = expected {
                assert!(is_well_formed_url(made) && web_url(made).as_deref() == Some(made), "{made:?}");
            }
        }
        let embed = json!({"embeds": [{"title": "t", "url": "https://x.com/a b"}]});
        assert_eq!(
            check_discord_message(&embed),
            ["embed 0 url \"https://x.com/a b\" is not a well formed http(s) URL"]
        );
    }

    #[test]
    fn http_urls() {
        assert!(is_http_url("https://x.com") && is_http_url("http://x"));
        assert!(!is_http_url("https://") && !is_http_url("ftp://x.com") && !is_http_url("HTTPS://x.com"));
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
