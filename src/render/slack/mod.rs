//! The Slack encoder: a [`Doc`] becomes chat.postMessage bodies (a plain `text` fallback and Block Kit).
//!
//! Formatted text goes out as `rich_text` blocks (see [`rich`]): bold, italic, strike and code are
//! styles of elements and links are link elements, so they render even where mrkdwn's markers would
//! not (glued to a Korean particle: `*클라우드*를`). The header becomes a header block (plain text, at
//! most 150 characters), a context block with the date and tags, and a rich text summary; the lead a
//! rich text block; each card one rich text block (the title, linked and bold, the author in italics,
//! then the body, cut within [`SLACK_RICH_TEXT_BLOCK_TEXT`] with `…` and a link to the original),
//! sections of mrkdwn fields for its fields, and a divider; the closing line a context block. Where
//! mrkdwn remains (context elements and fields), [`mrkdwn`] drops any marker that would be glued to a
//! letter or digit outside it rather than show it. Blocks are packed in order into messages of at
//! most 50 blocks and [`SLACK_MESSAGE_BLOCK_TEXT`] characters of text, never splitting a card that
//! fits in one message. [`parts`] packs by [`Layout`]: under `Articles` the header, each article
//! and the remaining cards are packed apart, each article's message with an actions block holding a
//! link button to the original and a fallback `text` of its own. The bodies carry no `channel`:
//! the caller adds it (or sends them to a `response_url`, which takes none: [`reply`] marks them as
//! a command's answer). Control characters are removed first (see [`super::clean`]).

pub mod reply;
pub mod rich;

use serde_json::{Value, json};

use super::limits::*;
use super::markup::{self, Dialect, cut};
use super::{Card, Doc, Field, Header, Layout, Part};
use crate::digest::Block;
use rich::{Element, Piece, Style};

/// Slack mrkdwn, with its markers written as placeholders that [`mrkdwn`] resolves.
pub struct SlackMrkdwn;

/// Placeholders for mrkdwn's markers while text is assembled: an opening and a closing one per
/// marker, so a literal `*` in the text is never taken for one. Private-use code points, removed
/// from the text by [`escape`].
const MARKERS: [char; 4] = ['*', '_', '~', '`'];
const OPEN: u32 = 0xF0000;
const CLOSE: u32 = 0xF0010;

fn open(kind: usize) -> char {
    char::from_u32(OPEN + kind as u32).expect("a private-use code point")
}

fn close(kind: usize) -> char {
    char::from_u32(CLOSE + kind as u32).expect("a private-use code point")
}

/// Which marker a placeholder stands for, and whether it opens.
fn placeholder(c: char) -> Option<(usize, bool)> {
    let c = c as u32;
    match c {
        _ if (OPEN..OPEN + MARKERS.len() as u32).contains(&c) => Some(((c - OPEN) as usize, true)),
        _ if (CLOSE..CLOSE + MARKERS.len() as u32).contains(&c) => Some(((c - CLOSE) as usize, false)),
        _ => None,
    }
}

fn marked(kind: usize, inner: &str) -> String {
    format!("{}{inner}{}", open(kind), close(kind))
}

/// Escapes the three characters Slack treats as control characters.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    SlackMrkdwn.escape(text, &mut out);
    out
}

impl Dialect for SlackMrkdwn {
    fn escape(&self, text: &str, out: &mut String) {
        // A run like `|---|` would read as a Markdown table row; Slack shows `¦` just as well.
        let breaks_table = text.contains("|-") || text.contains("-|") || text.contains("|:");
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '|' if breaks_table => out.push('¦'),
                c if placeholder(c).is_some() => {}
                c => out.push(c),
            }
        }
    }

    fn strong(&self, inner: &str) -> String {
        marked(0, inner)
    }

    fn emph(&self, inner: &str) -> String {
        marked(1, inner)
    }

    fn strike(&self, inner: &str) -> String {
        marked(2, inner)
    }

    fn code(&self, code: &str) -> String {
        marked(3, &escape(&code.replace('`', "'")))
    }

    fn code_block(&self, text: &str) -> String {
        format!("```\n{}\n```", escape(text))
    }

    fn link(&self, text: &str, url: &str) -> String {
        // Link text cannot hold `|` or `>` (already escaped to &gt; by the walker); the URL neither.
        let url = url.replace('|', "%7C").replace('>', "%3E").replace('<', "%3C");
        format!("<{url}|{}>", text.replace('|', "¦"))
    }

    fn heading(&self, _level: u8, text: &str, _allowed: bool) -> String {
        self.strong(text)
    }
}

/// Markdown blocks as Slack mrkdwn that shows no stray marker: see `resolve`.
pub fn mrkdwn(blocks: &[Block]) -> String {
    resolve(&markup::blocks(&SlackMrkdwn, blocks, false))
}

/// A short Markdown text (the bot's own sentences) as mrkdwn, as [`mrkdwn`] does.
pub fn mrkdwn_text(markdown: &str) -> String {
    let blocks: Vec<Block> = crate::digest::markdown::parse_blocks(markdown).into_iter().map(|s| s.block).collect();
    mrkdwn(&blocks)
}

/// Turns placeholders into mrkdwn markers, keeping a pair only when Slack will apply it: neither
/// marker glued to a letter or digit outside it (`*기반*를` shows its asterisks in Slack, so it
/// becomes `기반를`), and no white space just inside. A pair that is dropped leaves its text
/// unformatted; a placeholder without its other half (after a cut) is dropped too.
fn resolve(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut keep = vec![false; chars.len()];
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let outside = |from: usize, step: isize| -> Option<char> {
        let mut i = from as isize + step;
        while i >= 0 && (i as usize) < chars.len() {
            let c = chars[i as usize];
            if placeholder(c).is_none() {
                return Some(c);
            }
            i += step;
        }
        None
    };
    for (i, &c) in chars.iter().enumerate() {
        match placeholder(c) {
            Some((kind, true)) => stack.push((kind, i)),
            Some((kind, false)) => {
                // Placeholders nest; one whose opening was cut away closes nothing.
                if let Some(depth) = stack.iter().rposition(|&(k, _)| k == kind) {
                    let (_, start) = stack[depth];
                    stack.truncate(depth);
                    let glued = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
                    let spaced = |c: Option<char>| c.is_none_or(char::is_whitespace);
                    let applies = !glued(outside(start, -1))
                        && !glued(outside(i, 1))
                        && !spaced(outside(start, 1))
                        && !spaced(outside(i, -1))
                        && chars[start + 1..i].iter().any(|&c| placeholder(c).is_none());
                    keep[start] = applies;
                    keep[i] = applies;
                }
            }
            None => keep[i] = true,
        }
    }
    chars
        .iter()
        .zip(keep)
        .filter(|&(_, kept)| kept)
        .map(|(&c, _)| placeholder(c).map_or(c, |(kind, _)| MARKERS[kind]))
        .collect()
}

/// A mrkdwn text object.
fn mrkdwn_object(text: &str) -> Value {
    json!({"type": "mrkdwn", "text": text})
}

/// A context block of one mrkdwn element from Markdown, for a short note.
fn note(markdown: &str) -> Value {
    json!({"type": "context", "elements": [mrkdwn_object(&mrkdwn_text(markdown))]})
}

/// At most this many characters in one context element: short facts, and ten of them still leave
/// most of a message's text budget to the rest.
const CONTEXT_TEXT: usize = 300;

/// chat.postMessage bodies for a doc, in order, without `channel`: the bodies of [`parts`] under
/// [`Layout::Packed`].
pub fn messages(doc: &Doc) -> Vec<Value> {
    parts(doc, Layout::Packed, "").into_iter().map(|part| part.body).collect()
}

/// The messages of a doc under `layout`, in order, without `channel`. Under [`Layout::Articles`]
/// each article's first message has an actions block holding a link button labelled `button` to
/// the article's URL (when it has an http(s) URL within [`SLACK_BUTTON_URL`]), counted in the
/// message's budgets like any block: at the end, or right after the article's text when the article
/// needs more than one message. An article that shows nothing has no message. Each run of
/// messages has its own fallback `text`: the header's title, the lead, or its first card's title
/// (an article's message is known by the article's title), numbered when the run takes several.
pub fn parts(doc: &Doc, layout: Layout, button: &str) -> Vec<Part> {
    let doc = &super::clean::doc(doc);
    let button = super::clean::text(button);
    let mut runs: Vec<Units> = Vec::new();
    for run in layout.runs(doc) {
        let mut units = Vec::new();
        let mut fallback = String::new();
        if let Some(header) = doc.header.as_ref().filter(|_| run.head) {
            fallback = header.title.trim().to_string();
            units.push(header_blocks(header));
        }
        if run.head
            && let Some(block) = rich_block(rich::from_blocks(&doc.lead), Vec::new())
        {
            if fallback.is_empty() {
                fallback = crate::digest::text::plain_text(&doc.lead).trim().to_string();
            }
            units.push(vec![block]);
        }
        for i in run.cards.clone() {
            let card = &doc.cards[i];
            if fallback.is_empty() {
                fallback = card.title.trim().to_string();
            }
            let mut unit = card_blocks(card, &doc.more_label);
            if run.article.is_some() {
                if unit.is_empty() {
                    continue;
                }
                // A message of its own needs no divider; the button ends it instead, or, when the
                // article is too big for one message, follows its text in the first.
                if let Some(actions) = link_actions(card.url.as_deref(), &button, i) {
                    let size: usize = unit.iter().chain([&actions]).map(block_text_len).sum();
                    if unit.len() < SLACK_BLOCKS && size <= SLACK_MESSAGE_BLOCK_TEXT {
                        unit.push(actions);
                    } else {
                        unit.insert(1, actions);
                    }
                }
            } else {
                unit.push(json!({"type": "divider"}));
            }
            units.push(unit);
        }
        runs.push(Units { units, fallback, article: run.article });
    }
    if let Some(closing) = doc.closing.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let text = resolve(&cut(&SlackMrkdwn.emph(&escape(closing)), SLACK_SECTION_TEXT, "…"));
        let unit = vec![json!({"type": "context", "elements": [mrkdwn_object(&text)]})];
        match runs.iter_mut().rev().find(|run| !run.units.is_empty()) {
            Some(run) => run.units.push(unit),
            None => runs[0].units.push(unit),
        }
    }

    // A run without a text of its own (the closing line alone) takes the doc's.
    let doc_fallback = runs.iter().map(|run| run.fallback.clone()).find(|f| !f.is_empty()).unwrap_or_default();
    let mut parts = Vec::new();
    for Units { units, fallback, article } in runs {
        let groups = pack(units);
        let count = groups.len();
        // The fallback is what a notification shows: plain text, only Slack's three characters escaped.
        let fallback = escape(if fallback.is_empty() { &doc_fallback } else { &fallback });
        parts.extend(groups.into_iter().enumerate().map(|(i, blocks)| {
            let text = if count > 1 { format!("{fallback} ({}/{count})", i + 1) } else { fallback.clone() };
            let body = json!({"text": cut(&text, SLACK_TEXT, "…"), "blocks": blocks, "unfurl_links": false, "unfurl_media": false});
            Part { body, article: article.filter(|_| i == 0) }
        }));
    }
    parts
}

/// One run of a doc (see [`Layout::runs`]) as blocks.
struct Units {
    /// Blocks kept together in one message when they fit: a card's, the header's.
    units: Vec<Vec<Value>>,
    /// The text a notification of the run's messages shows.
    fallback: String,
    article: Option<usize>,
}

/// The header's blocks: its title in a header block, its facts in a context block, its summary,
/// and a divider.
fn header_blocks(header: &Header) -> Vec<Value> {
    let mut unit = Vec::new();
    // Slack refuses an empty header (a title that was only control characters, say).
    if !header.title.trim().is_empty() {
        unit.push(json!({
            "type": "header",
            "text": {"type": "plain_text", "text": cut(&header.title, SLACK_HEADER, "…"), "emoji": true}
        }));
    }
    let elements: Vec<Value> = header
        .meta
        .iter()
        .take(SLACK_CONTEXT_ELEMENTS)
        .filter(|(label, value)| !label.trim().is_empty() || !value.trim().is_empty())
        .map(|(label, value)| {
            let text = format!("{} {}", SlackMrkdwn.strong(&escape(label.trim())), escape(value.trim()));
            mrkdwn_object(resolve(&cut(&text, CONTEXT_TEXT, "…")).trim())
        })
        .collect();
    if !elements.is_empty() {
        unit.push(json!({"type": "context", "elements": elements}));
    }
    if let Some(block) = rich_block(rich::from_blocks(&header.summary), Vec::new()) {
        unit.push(block);
    }
    unit.push(json!({"type": "divider"}));
    unit
}

/// An actions block with one link button to `url` (action id `digest_open_<article>`, unique in
/// the message), when it is an http(s) URL Slack takes and the label is not empty.
fn link_actions(url: Option<&str>, label: &str, article: usize) -> Option<Value> {
    let url = url.and_then(web_url).filter(|url| url.chars().count() <= SLACK_BUTTON_URL)?;
    let label = cut(label, SLACK_BUTTON_TEXT, "…");
    if label.is_empty() {
        return None;
    }
    Some(json!({"type": "actions", "elements": [{
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": true},
        "url": url,
        "action_id": format!("digest_open_{article}"),
    }]}))
}

/// Packs units into messages of at most [`SLACK_BLOCKS`] blocks and [`SLACK_MESSAGE_BLOCK_TEXT`]
/// characters of block text. A unit that does not fit what is left starts a new message; one too big
/// for any message is spread over several, block by block. A trailing divider separates nothing and
/// goes.
fn pack(units: Vec<Vec<Value>>) -> Vec<Vec<Value>> {
    let mut groups: Vec<(Vec<Value>, usize)> = Vec::new();
    let fits = |group: &(Vec<Value>, usize), blocks: usize, size: usize| {
        group.0.len() + blocks <= SLACK_BLOCKS && group.1 + size <= SLACK_MESSAGE_BLOCK_TEXT
    };
    for unit in units {
        let sizes: Vec<usize> = unit.iter().map(block_text_len).collect();
        let total: usize = sizes.iter().sum();
        match groups.last_mut() {
            Some(last) if fits(last, unit.len(), total) => {
                last.0.extend(unit);
                last.1 += total;
            }
            _ if unit.len() <= SLACK_BLOCKS && total <= SLACK_MESSAGE_BLOCK_TEXT => groups.push((unit, total)),
            _ => {
                for (block, size) in unit.into_iter().zip(sizes) {
                    match groups.last_mut() {
                        Some(last) if fits(last, 1, size) => {
                            last.0.push(block);
                            last.1 += size;
                        }
                        _ => groups.push((vec![block], size)),
                    }
                }
            }
        }
    }
    groups
        .into_iter()
        .map(|(mut blocks, _)| {
            if blocks.len() > 1 && blocks.last().is_some_and(|b| b["type"] == "divider") {
                blocks.pop();
            }
            blocks
        })
        .collect()
}

/// A rich text block of the elements cut within [`SLACK_RICH_TEXT_BLOCK_TEXT`], `tail` after a cut;
/// none when there is nothing to show.
fn rich_block(elements: Vec<Element>, tail: Vec<Piece>) -> Option<Value> {
    if elements.is_empty() {
        return None;
    }
    let (elements, _) = rich::cut(elements, SLACK_RICH_TEXT_BLOCK_TEXT, tail);
    Some(rich::to_json(&elements))
}

/// The longest card URL the card's rich text links (its title, and the link after a cut): both
/// links together then leave most of [`SLACK_RICH_TEXT_BLOCK_TEXT`] to the text. A longer one is
/// left to the article's button, which takes up to [`SLACK_BUTTON_URL`].
const LINKED_URL: usize = 1000;

/// A card's rich text block (title, author, body) and its fields in sections.
fn card_blocks(card: &Card, more_label: &str) -> Vec<Value> {
    let url = card.url.as_deref().and_then(web_url).filter(|u| u.chars().count() <= LINKED_URL);
    let url = url.as_deref();
    let title = cut(&card.title, SLACK_HEADER * 2, "…");
    let mut head = Vec::new();
    if !title.is_empty() {
        match url {
            Some(url) => rich::push(&mut head, Piece::link(url, title, Style::BOLD)),
            None => rich::push_text(&mut head, &title, Style::BOLD),
        }
    }
    if let Some(author) = card.author.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        if !head.is_empty() {
            rich::push_text(&mut head, "\n", Style::default());
        }
        rich::push_text(&mut head, &cut(author, SLACK_HEADER * 2, "…"), Style::ITALIC);
    }
    let mut elements = Vec::new();
    if !head.is_empty() {
        elements.push(Element::Section(head));
    }
    elements.extend(rich::from_blocks(&card.body));
    let tail = url.map(|url| vec![Piece::link(url, more_label, Style::default())]).unwrap_or_default();
    let mut blocks: Vec<Value> = rich_block(elements, tail).into_iter().collect();
    blocks.extend(field_sections(&card.fields));
    blocks
}

/// Fields as sections of at most ten, each section within [`SLACK_SECTION_TEXT`] characters.
fn field_sections(fields: &[Field]) -> Vec<Value> {
    let mut sections: Vec<Vec<String>> = Vec::new();
    let mut size = 0;
    for field in fields {
        let text = field_text(field);
        let len = text.chars().count();
        match sections.last_mut() {
            Some(last) if last.len() < SLACK_SECTION_FIELDS && size + len <= SLACK_SECTION_TEXT => {
                last.push(text);
                size += len;
            }
            _ => {
                sections.push(vec![text]);
                size = len;
            }
        }
    }
    sections
        .into_iter()
        .map(|texts| json!({"type": "section", "fields": texts.iter().map(|t| mrkdwn_object(t)).collect::<Vec<_>>()}))
        .collect()
}

fn field_text(field: &Field) -> String {
    let value = markup::blocks(&SlackMrkdwn, &field.value, false);
    let text = format!("{}\n{}", SlackMrkdwn.strong(&escape(&field.name)), value);
    let text = resolve(&cut(&text, SLACK_FIELD_TEXT, "…"));
    if text.trim().is_empty() { "—".to_string() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::{Inline, parse};
    use crate::i18n::Locale;
    use crate::render::{digest_doc, limits::has_table_delimiter_outside_code, paragraph};
    use proptest::prelude::*;

    const SEED: &[u8] = include_bytes!("../../../digests/2026-02-09-weekly.md");

    fn valid(messages: Vec<Value>) -> Vec<Value> {
        for m in &messages {
            let problems = check_slack_message(m);
            assert!(problems.is_empty(), "{problems:?}");
            assert!(m.get("channel").is_none());
            for s in prose_strings(m) {
                assert!(!has_table_delimiter_outside_code(s), "table delimiter in {s}");
            }
        }
        messages
    }

    fn text(v: &Value) -> &str {
        v["text"].as_str().unwrap_or_default()
    }

    #[test]
    fn seed_digest_blocks() {
        let digest = parse("d/2026-02-09.md", SEED).unwrap();
        let m = valid(messages(&digest_doc(&digest, Locale::Ko)));
        assert_eq!(m.len(), 1);
        let blocks = m[0]["blocks"].as_array().unwrap();
        let types: Vec<&str> = blocks.iter().map(|b| b["type"].as_str().unwrap()).collect();
        assert_eq!(types[..4], ["header", "context", "rich_text", "divider"]);
        assert_eq!(types.iter().filter(|&&t| t == "rich_text").count(), 1 + 5);
        assert_eq!(blocks[0]["text"]["text"], digest.title);
        assert_eq!(blocks[1]["elements"][0]["text"], "*날짜* 2026-02-09");
        let first = rich_text_inlines(&blocks[4]);
        assert_eq!(
            *first[0],
            json!({"type": "link", "url": "https://toss.tech", "text": "1. 토스 — 레거시 인프라 작살내고 하이브리드 클라우드 만든 썰", "style": {"bold": true}})
        );
        assert_eq!(
            *first[2],
            json!({"type": "text", "text": "박명순, 정상현 (DevOps / Server Platform)", "style": {"italic": true}})
        );
        assert_eq!(*first[3], json!({"type": "text", "text": "핵심 내용", "style": {"bold": true}}));
        assert_eq!(
            *first[5],
            json!({"type": "text", "text": "OpenStack 기반 프라이빗 클라우드", "style": {"bold": true}})
        );
        assert!(text(first[6]).starts_with("를 직접 구축하고"), "{}", first[6]);
        let second = rich_text_inlines(&blocks[6]);
        assert!(
            second.iter().any(|e| **e == json!({"type": "text", "text": "R&R → R&E (Responsibility & Expandability)", "style": {"bold": true}})),
            "{second:?}"
        );
        // No marker survives in rich text, and every styled run has a letter in it.
        for block in blocks.iter().filter(|b| b["type"] == "rich_text") {
            for e in rich_text_inlines(block) {
                assert!(!text(e).contains('*') && !text(e).contains("**"), "{e}");
            }
        }
        assert_eq!(m[0]["text"], digest.title);
        let keyword_fields = blocks.iter().find(|b| b.get("fields").is_some()).unwrap();
        assert_eq!(keyword_fields["fields"][1]["text"], "*ADR (Architecture Decision Record)*\nWoowahan");
        assert_eq!(blocks.last().unwrap()["type"], "context");
        assert_eq!(blocks.last().unwrap()["elements"][0]["text"], format!("_{}_", digest.footer.as_deref().unwrap()));
    }

    fn types(message: &Value) -> Vec<&str> {
        message["blocks"].as_array().unwrap().iter().map(|b| b["type"].as_str().unwrap()).collect()
    }

    fn valid_parts(parts: Vec<Part>) -> Vec<Part> {
        valid(parts.iter().map(|p| p.body.clone()).collect());
        parts
    }

    #[test]
    fn seed_digest_in_articles_has_a_message_per_article_with_a_link_button() {
        let digest = parse("d/2026-02-09.md", SEED).unwrap();
        let doc = digest_doc(&digest, Locale::Ko);
        let parts = valid_parts(parts(&doc, Layout::Articles, Locale::Ko.read_original()));
        let articles: Vec<Option<usize>> = parts.iter().map(|p| p.article).collect();
        assert_eq!(articles, [None, Some(0), Some(1), Some(2), Some(3), None]);
        assert_eq!(types(&parts[0].body), ["header", "context", "rich_text"]);
        assert_eq!(parts[0].body["text"], digest.title);
        assert_eq!(types(&parts[1].body), ["rich_text", "actions"]);
        let title = "1. 토스 — 레거시 인프라 작살내고 하이브리드 클라우드 만든 썰";
        assert_eq!(parts[1].body["text"], title);
        assert_eq!(
            parts[1].body["blocks"][1],
            json!({"type": "actions", "elements": [{
                "type": "button",
                "text": {"type": "plain_text", "text": "원문 읽기", "emoji": true},
                "url": "https://toss.tech",
                "action_id": "digest_open_0",
            }]})
        );
        assert_eq!(parts[4].body["blocks"][1]["elements"][0]["action_id"], "digest_open_3");
        assert_eq!(parts[5].body["text"], "이번 주 핵심 키워드");
        assert_eq!(types(&parts[5].body), ["rich_text", "section", "divider", "context"]);
        // The packed message's blocks, spread out: no divider between messages, a button per article.
        let packed = types(&messages(&doc)[0]).join(" ");
        let spread: Vec<&str> = parts.iter().flat_map(|p| types(&p.body)).filter(|&t| t != "actions").collect();
        assert_eq!(
            packed.replace("rich_text divider", "rich_text"),
            spread.join(" ").replace("rich_text divider", "rich_text")
        );
    }

    #[test]
    fn packed_parts_are_the_messages() {
        let digest = parse("d/2026-02-09.md", SEED).unwrap();
        let doc = digest_doc(&digest, Locale::En);
        let parts = parts(&doc, Layout::Packed, "Read");
        assert!(parts.iter().all(|p| p.article.is_none()));
        assert_eq!(parts.into_iter().map(|p| p.body).collect::<Vec<_>>(), messages(&doc));
    }

    fn linked(title: &str, url: Option<String>) -> Card {
        Card { url, body: vec![paragraph("본문")], ..Card::new(title, 1) }
    }

    #[test]
    fn buttons_only_for_web_urls_slack_takes_with_labels_cut() {
        let urls = [
            Some("https://ok.com/a".to_string()),
            Some("javascript:alert(1)".into()),
            Some(format!("https://x.com/{}", "a".repeat(2986))),
            Some(format!("https://x.com/{}", "a".repeat(2987))),
            None,
        ];
        let cards: Vec<Card> = urls.into_iter().enumerate().map(|(i, url)| linked(&format!("{i}"), url)).collect();
        let doc = Doc { articles: cards.len(), cards, more_label: "more".into(), ..Doc::default() };
        let parts = valid_parts(parts(&doc, Layout::Articles, &"읽".repeat(100)));
        let with_button: Vec<usize> =
            parts.iter().filter(|p| types(&p.body).contains(&"actions")).map(|p| p.article.unwrap()).collect();
        assert_eq!(with_button, [0, 2]);
        assert_eq!(types(&parts[1].body), ["rich_text"]);
        let label = &parts[0].body["blocks"][1]["elements"][0]["text"]["text"];
        assert_eq!(*label, format!("{}…", "읽".repeat(74)));
        let unlabelled = valid_parts(super::parts(&doc, Layout::Articles, "\u{1b} "));
        assert!(unlabelled.iter().all(|p| !types(&p.body).contains(&"actions")));
    }

    #[test]
    fn an_article_too_big_for_one_message_spills_and_only_its_first_is_marked() {
        let mut big = linked("1. Big", Some("https://x.com/big".into()));
        big.fields =
            (0..600).map(|i| Field { name: format!("k{i}"), value: vec![paragraph("v")], inline: true }).collect();
        let cards = vec![big, linked("2. Small", None), Card::new("Extra", 1)];
        let doc = Doc { articles: 2, cards, closing: Some("끝".into()), more_label: "more".into(), ..Doc::default() };
        let parts = valid_parts(parts(&doc, Layout::Articles, "Read"));
        let articles: Vec<Option<usize>> = parts.iter().map(|p| p.article).collect();
        assert_eq!(articles, [Some(0), None, Some(1), None]);
        assert_eq!(parts[0].body["text"], "1. Big (1/2)");
        assert_eq!(parts[1].body["text"], "1. Big (2/2)");
        // The button follows the article's text in its first message, counted within its blocks.
        assert_eq!(types(&parts[0].body)[..3], ["rich_text", "actions", "section"]);
        assert_eq!(parts[0].body["blocks"].as_array().unwrap().len(), SLACK_BLOCKS);
        assert!(!types(&parts[1].body).contains(&"actions"));
        assert_eq!(parts[2].body["text"], "2. Small");
        assert_eq!(parts[3].body["text"], "Extra");
        assert_eq!(types(&parts[3].body), ["rich_text", "divider", "context"]);
    }

    #[test]
    fn the_closing_line_and_the_lead_keep_their_places() {
        let cards = vec![linked("1", Some("https://x.com/1".into())), linked("2", Some("https://x.com/2".into()))];
        let mut doc = Doc { articles: 2, cards, closing: Some("끝.".into()), ..Doc::text(Locale::Ko, "안녕") };
        let parts = valid_parts(parts(&doc, Layout::Articles, "Read"));
        assert_eq!(parts.iter().map(|p| p.article).collect::<Vec<_>>(), [None, Some(0), Some(1)]);
        assert_eq!(parts[0].body["text"], "안녕");
        assert_eq!(types(&parts[0].body), ["rich_text"]);
        // No extras: the closing line ends the last article's message, after its button.
        assert_eq!(types(&parts[2].body), ["rich_text", "actions", "context"]);
        assert_eq!(parts[2].body["blocks"][2]["elements"][0]["text"], "_끝._");
        // No articles: the head alone, then the rest packed.
        doc.articles = 0;
        let parts = valid_parts(super::parts(&doc, Layout::Articles, "Read"));
        assert_eq!(parts.iter().map(|p| p.article).collect::<Vec<_>>(), [None, None]);
        assert_eq!(types(&parts[1].body), ["rich_text", "divider", "rich_text", "divider", "context"]);
        assert_eq!(parts[1].body["text"], "1");
        // Nothing but a closing line.
        let only = Doc { closing: Some("끝".into()), ..Doc::default() };
        let parts = valid_parts(super::parts(&only, Layout::Articles, "Read"));
        assert_eq!(parts.len(), 1);
        assert_eq!(types(&parts[0].body), ["context"]);
    }

    #[test]
    fn long_cards_are_cut_with_a_link() {
        let mut card = Card::new("T", 1);
        card.url = Some("https://example.com/x".into());
        card.body = vec![paragraph("긴 글 ".repeat(1000))];
        let doc = Doc { cards: vec![card], more_label: "원문 보기".into(), ..Doc::default() };
        let m = valid(messages(&doc));
        let block = &m[0]["blocks"][0];
        let all = rich_text_inlines(block);
        assert_eq!(**all.last().unwrap(), json!({"type": "link", "url": "https://example.com/x", "text": "원문 보기"}));
        assert!(text(all[all.len() - 2]).ends_with('…'), "{}", all[all.len() - 2]);
        assert!(block_text_len(block) <= SLACK_RICH_TEXT_BLOCK_TEXT);
        // The link is a section of its own, under the cut text.
        let sections = block["elements"].as_array().unwrap();
        assert_eq!(sections.last().unwrap()["elements"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn fifty_blocks_per_message_and_cards_stay_whole() {
        let cards: Vec<Card> = (0..30).map(|i| Card::new(format!("{i}"), 1)).collect();
        let doc = Doc { cards, more_label: "more".into(), ..Doc::default() };
        let m = valid(messages(&doc));
        assert_eq!(m.len(), 2);
        assert_eq!(m[0]["blocks"].as_array().unwrap().len(), 49);
        assert_eq!(m[0]["text"], "0 (1/2)");
        let first_of_second = &m[1]["blocks"][0];
        assert_eq!(first_of_second["type"], "rich_text");
        assert_eq!(
            rich_text_inlines(first_of_second),
            [&json!({"type": "text", "text": "25", "style": {"bold": true}})]
        );
    }

    #[test]
    fn messages_are_split_by_their_total_text() {
        // Ten cards of nearly 3000 characters: about three to a message.
        let cards: Vec<Card> = (0..10)
            .map(|i| {
                let mut card = Card::new(format!("{i}"), 1);
                card.body = vec![paragraph("글".repeat(2990))];
                card
            })
            .collect();
        let m = valid(messages(&Doc { cards, more_label: "more".into(), ..Doc::default() }));
        assert_eq!(m.len(), 4);
        let titles: Vec<&str> = m
            .iter()
            .flat_map(|m| m["blocks"].as_array().unwrap())
            .filter_map(|b| rich_text_inlines(b).first().map(|e| text(e)))
            .collect();
        assert_eq!(titles, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
        assert_eq!(m[3]["text"], "0 (4/4)");
    }

    #[test]
    fn escaping_links_and_tables() {
        let table = Block::Table {
            head: vec![vec![Inline::Text("k".into())]],
            rows: vec![vec![vec![Inline::Text("a<b>&c".into())]]],
        };
        let body = vec![
            table,
            paragraph("|---|---|"),
            Block::Paragraph(vec![Inline::Link {
                url: "https://x.com/?a=1|2".into(),
                content: vec![Inline::Text("a|b".into())],
            }]),
            Block::Code { lang: None, text: "if a < b && c\n".into() },
        ];
        let mut card = Card::new("T", 1);
        card.body = body;
        let doc = Doc { cards: vec![card], more_label: "more".into(), ..Doc::default() };
        let m = valid(messages(&doc));
        // Rich text is not mrkdwn: nothing needs escaping, and a table is a list.
        assert_eq!(
            m[0]["blocks"][0]["elements"],
            json!([
                {"type": "rich_text_section", "elements": [{"type": "text", "text": "T", "style": {"bold": true}}]},
                {"type": "rich_text_list", "style": "bullet", "indent": 0, "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "a<b>&c", "style": {"bold": true}}]},
                ]},
                {"type": "rich_text_section", "elements": [
                    {"type": "text", "text": "¦---¦---¦\n\n"},
                    {"type": "link", "url": "https://x.com/?a=1|2", "text": "a|b"},
                ]},
                {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "if a < b && c"}]},
            ])
        );
        // The mrkdwn that remains still escapes.
        assert_eq!(escape("a<b>&c"), "a&lt;b&gt;&amp;c");
    }

    #[test]
    fn header_is_cut_to_150() {
        let digest = parse(
            "d/2026-02-09.md",
            format!("---\ntitle: {}\ndate: 2026-02-09\n---\nx\n", "가".repeat(200)).as_bytes(),
        )
        .unwrap();
        let m = valid(messages(&digest_doc(&digest, Locale::En)));
        assert_eq!(m[0]["blocks"][0]["text"]["text"].as_str().unwrap().chars().count(), 150);
    }

    #[test]
    fn the_fallback_text_is_plain() {
        let mut doc = Doc::text(Locale::Ko, "**굵게**를 & `코드`로");
        doc.more_label = "more".into();
        let m = valid(messages(&doc));
        assert_eq!(m[0]["text"], "굵게를 &amp; 코드로");
        assert_eq!(
            rich_text_inlines(&m[0]["blocks"][0]),
            [
                &json!({"type": "text", "text": "굵게", "style": {"bold": true}}),
                &json!({"type": "text", "text": "를 & "}),
                &json!({"type": "text", "text": "코드", "style": {"code": true}}),
                &json!({"type": "text", "text": "로"}),
            ]
        );
    }

    #[test]
    fn mrkdwn_drops_markers_glued_to_korean_and_keeps_the_rest() {
        for (markdown, expected) in [
            ("토스가 **OpenStack 기반 프라이빗 클라우드**를 직접", "토스가 OpenStack 기반 프라이빗 클라우드를 직접"),
            ("**저자:** 박명순", "*저자:* 박명순"),
            ("**Active-Active 하이브리드 클라우드**로 운영", "Active-Active 하이브리드 클라우드로 운영"),
            ("(**굵게**) 그리고 **끝**.", "(*굵게*) 그리고 *끝*."),
            ("*기울임*은 *여기*도, _literal_도", "기울임은 여기도, _literal_도"),
            ("~~취소~~된 것과 ~~취소~~ 된 것", "취소된 것과 ~취소~ 된 것"),
            ("`/digest keyword <검색어>`로 찾기", "/digest keyword &lt;검색어&gt;로 찾기"),
            ("명령은 `/digest help` 입니다", "명령은 `/digest help` 입니다"),
            ("2026**년**", "2026년"),
            ("**a**1", "a1"),
            ("**굵게 *기울임***을", "굵게 기울임을"),
            ("**굵게 *기울임***", "*굵게 _기울임_*"),
            ("[**링크**](https://x.com)를", "<https://x.com|*링크*>를"),
            ("리터럴 * 별표와 a*b", "리터럴 * 별표와 a*b"),
        ] {
            assert_eq!(mrkdwn_text(markdown), expected, "{markdown}");
        }
    }

    #[test]
    fn mrkdwn_drops_a_marker_whose_other_half_was_cut() {
        let marked = format!("앞 {}", SlackMrkdwn.strong(&"굵".repeat(50)));
        let cut_text = cut(&marked, 20, "…");
        assert_eq!(resolve(&cut_text), format!("앞 {}…", "굵".repeat(16)));
        // Placeholders in a digest's own text never become markers.
        assert_eq!(escape(&format!("a{}b{}", open(0), close(0))), "ab");
    }

    /// One inline span of a generated article, with the style it must come out in.
    #[derive(Debug, Clone)]
    enum Span {
        Plain(String),
        Styled { markdown: String, text: String, style: Style },
        Link { markdown: String, text: String, url: String },
    }

    fn word() -> impl Strategy<Value = String> {
        "[가-힣a-zA-Z0-9]{1,6}"
    }

    fn words() -> impl Strategy<Value = String> {
        prop::collection::vec(word(), 1..4).prop_map(|w| w.join(" "))
    }

    fn span() -> impl Strategy<Value = Span> {
        prop_oneof![
            words().prop_map(Span::Plain),
            words().prop_map(|t| Span::Styled { markdown: format!("**{t}**"), text: t, style: Style::BOLD }),
            words().prop_map(|t| Span::Styled { markdown: format!("*{t}*"), text: t, style: Style::ITALIC }),
            words().prop_map(|t| Span::Styled {
                markdown: format!("~~{t}~~"),
                text: t,
                style: Style { strike: true, ..Style::default() }
            }),
            words().prop_map(|t| Span::Styled {
                markdown: format!("`{t}`"),
                text: t,
                style: Style { code: true, ..Style::default() }
            }),
            (words(), "[a-z]{1,8}").prop_map(|(t, path)| {
                let url = format!("https://example.com/{path}");
                Span::Link { markdown: format!("[{t}]({url})"), text: t, url }
            }),
        ]
    }

    /// Spans joined by a space or glued to a Korean particle (`**굵게**를`), in paragraphs, list
    /// items or a heading.
    fn article() -> impl Strategy<Value = (String, Vec<Span>)> {
        let line = prop::collection::vec((span(), prop::sample::select(vec![" ", "를 ", "은 ", "으로 ", ", "])), 1..6);
        let kind = prop::sample::select(vec!["", "- ", "1. ", "> "]);
        prop::collection::vec((kind, line), 1..5).prop_map(|lines| {
            let mut markdown = String::new();
            let mut spans = Vec::new();
            for (kind, line) in lines {
                markdown.push_str(kind);
                for (span, glue) in line {
                    let piece = match &span {
                        Span::Plain(t) => t,
                        Span::Styled { markdown, .. } | Span::Link { markdown, .. } => markdown,
                    };
                    markdown.push_str(piece);
                    markdown.push_str(glue);
                    spans.push(span);
                }
                markdown.push_str("\n\n");
            }
            (markdown, spans)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Every bold, italic, strike, code and link span of an article is one element of its style
        /// (or a link element to its URL) with the same text, in order; plain text stays unstyled.
        #[test]
        fn every_span_is_a_styled_element_with_its_text((body, spans) in article()) {
            let file = format!(
                "---\ntitle: T\ndate: 2026-02-09\n---\n\n## 1. 출처 - \"제목\"\n\n**링크:** https://example.com/a\n\n{body}끝.\n"
            );
            let digest = parse("d/2026-02-09.md", file.as_bytes()).unwrap();
            let m = valid(messages(&digest_doc(&digest, Locale::Ko)));
            let card = m
                .iter()
                .flat_map(|m| m["blocks"].as_array().unwrap())
                .find(|b| b["type"] == "rich_text" && rich_text_inlines(b).first().is_some_and(|e| text(e).starts_with("1. ")))
                .unwrap();
            let styled: Vec<&Value> = rich_text_inlines(card).into_iter().skip(1).filter(|e| e.get("style").is_some() || e["type"] == "link").collect();
            let expected: Vec<Value> = spans
                .iter()
                .filter_map(|s| match s {
                    Span::Plain(_) => None,
                    Span::Styled { text, style, .. } => Some(Piece::text(text.clone(), *style).to_json()),
                    Span::Link { text, url, .. } => Some(Piece::link(url.clone(), text.clone(), Style::default()).to_json()),
                })
                .collect();
            prop_assert_eq!(styled.into_iter().cloned().collect::<Vec<_>>(), expected, "{}", body);
            for e in rich_text_inlines(card) {
                prop_assert!(!text(e).contains('*') && !text(e).contains('~') && !text(e).contains('`'), "{}", e);
            }
        }
    }
}
