//! The Slack encoder: a [`Doc`] becomes chat.postMessage bodies (a `text` fallback and Block Kit).
//!
//! The header becomes a header block (plain text, at most 150 characters) and a context block with
//! the date and tags; each card a mrkdwn section (at most 3000 characters; a longer one is cut with
//! `…` and a link to the original), sections of fields for its fields, and a divider. Blocks are
//! packed in order into messages of at most 50, never splitting a card. The bodies carry no
//! `channel`: the caller adds it (or sends them to a `response_url`, which takes none). Control
//! characters are removed first (see [`super::clean`]).

use serde_json::{Value, json};

use super::limits::*;
use super::markup::{self, Dialect, count, cut};
use super::{Card, Doc, Field};

/// Slack mrkdwn.
pub struct SlackMrkdwn;

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
                c => out.push(c),
            }
        }
    }

    fn strong(&self, inner: &str) -> String {
        format!("*{inner}*")
    }

    fn emph(&self, inner: &str) -> String {
        format!("_{inner}_")
    }

    fn strike(&self, inner: &str) -> String {
        format!("~{inner}~")
    }

    fn code(&self, code: &str) -> String {
        format!("`{}`", escape(&code.replace('`', "'")))
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
        format!("*{text}*")
    }
}

/// chat.postMessage bodies for a doc, in order, without `channel`.
pub fn messages(doc: &Doc) -> Vec<Value> {
    let doc = &super::clean::doc(doc);
    // Units are never split across messages: a card's section, its fields and its divider stay together.
    let mut units: Vec<Vec<Value>> = Vec::new();
    let mut fallback = String::new();
    if let Some(header) = &doc.header {
        fallback = header.title.trim().to_string();
        let mut unit = Vec::new();
        // Slack refuses an empty header (a title that was only control characters, say).
        if !fallback.is_empty() {
            unit.push(json!({
                "type": "header",
                "text": {"type": "plain_text", "text": cut(&header.title, SLACK_HEADER, "…"), "emoji": true}
            }));
        }
        let elements: Vec<Value> = header
            .meta
            .iter()
            .take(SLACK_CONTEXT_ELEMENTS)
            .map(|(label, value)| mrkdwn(&format!("*{}* {}", escape(label), escape(value))))
            .collect();
        if !elements.is_empty() {
            unit.push(json!({"type": "context", "elements": elements}));
        }
        let summary = markup::blocks(&SlackMrkdwn, &header.summary, false);
        if !summary.trim().is_empty() {
            unit.push(section(&cut(&summary, SLACK_SECTION_TEXT, "…")));
        }
        unit.push(json!({"type": "divider"}));
        units.push(unit);
    }
    let lead = markup::blocks(&SlackMrkdwn, &doc.lead, false);
    if !lead.trim().is_empty() {
        if fallback.is_empty() {
            fallback = crate::digest::parse::plain_text(&doc.lead).trim().to_string();
        }
        units.push(vec![section(&cut(&lead, SLACK_SECTION_TEXT, "…"))]);
    }
    for card in &doc.cards {
        if fallback.is_empty() {
            fallback = card.title.clone();
        }
        units.push(card_blocks(card, &doc.more_label));
    }
    if let Some(closing) = doc.closing.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        units.push(vec![json!({"type": "context", "elements": [mrkdwn(&format!("_{}_", escape(closing)))]})]);
    }

    let mut groups: Vec<Vec<Value>> = Vec::new();
    for unit in units.into_iter().flat_map(|u| u.chunks(SLACK_BLOCKS).map(<[Value]>::to_vec).collect::<Vec<_>>()) {
        match groups.last_mut() {
            Some(last) if last.len() + unit.len() <= SLACK_BLOCKS => last.extend(unit),
            _ => groups.push(unit),
        }
    }
    let parts = groups.len();
    groups
        .into_iter()
        .enumerate()
        .map(|(i, mut blocks)| {
            // A trailing divider separates nothing.
            if blocks.len() > 1 && blocks.last().is_some_and(|b| b["type"] == "divider") {
                blocks.pop();
            }
            let text = if parts > 1 { format!("{fallback} ({}/{parts})", i + 1) } else { fallback.clone() };
            json!({"text": cut(&text, SLACK_TEXT, "…"), "blocks": blocks, "unfurl_links": false, "unfurl_media": false})
        })
        .collect()
}

fn mrkdwn(text: &str) -> Value {
    json!({"type": "mrkdwn", "text": text})
}

fn section(text: &str) -> Value {
    json!({"type": "section", "text": mrkdwn(text)})
}

/// A card's section (title, author, body), its fields in sections of ten, and a divider.
fn card_blocks(card: &Card, more_label: &str) -> Vec<Value> {
    let title = escape(&card.title);
    let mut head = match &card.url {
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            format!("*{}*", SlackMrkdwn.link(&title, url))
        }
        _ => format!("*{title}*"),
    };
    if let Some(author) = &card.author {
        head.push_str(&format!("\n_{}_", escape(author)));
    }
    let body = markup::blocks(&SlackMrkdwn, &card.body, false);
    let text = if body.trim().is_empty() { head } else { format!("{head}\n\n{body}") };
    let suffix = match &card.url {
        Some(url) => format!("… {}", SlackMrkdwn.link(more_label, url)),
        None => "…".to_string(),
    };
    let text = if count(&text) > SLACK_SECTION_TEXT { cut(&text, SLACK_SECTION_TEXT, &suffix) } else { text };
    let mut blocks = vec![section(&text)];
    for chunk in card.fields.chunks(SLACK_SECTION_FIELDS) {
        let fields: Vec<Value> = chunk.iter().map(field_text).map(|t| mrkdwn(&t)).collect();
        blocks.push(json!({"type": "section", "fields": fields}));
    }
    blocks.push(json!({"type": "divider"}));
    blocks
}

fn field_text(field: &Field) -> String {
    let value = markup::blocks(&SlackMrkdwn, &field.value, false);
    cut(&format!("*{}*\n{}", escape(&field.name), value), SLACK_FIELD_TEXT, "…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::{Block, Inline, parse};
    use crate::i18n::Locale;
    use crate::render::{digest_doc, limits::has_table_delimiter_outside_code, paragraph};

    const SEED: &[u8] = include_bytes!("../../digests/2026-02-09-weekly.md");

    fn valid(messages: Vec<Value>) -> Vec<Value> {
        for m in &messages {
            let problems = check_slack_message(m);
            assert!(problems.is_empty(), "{problems:?}");
            assert!(m.get("channel").is_none());
            for s in strings(m) {
                assert!(!has_table_delimiter_outside_code(s), "table delimiter in {s}");
            }
        }
        messages
    }

    #[test]
    fn seed_digest_blocks() {
        let digest = parse("d/2026-02-09.md", SEED).unwrap();
        let m = valid(messages(&digest_doc(&digest, Locale::Ko)));
        assert_eq!(m.len(), 1);
        let blocks = m[0]["blocks"].as_array().unwrap();
        assert_eq!(blocks[0]["type"], "header");
        assert_eq!(blocks[0]["text"]["text"], digest.title);
        assert_eq!(blocks[1]["elements"][0]["text"], "*날짜* 2026-02-09");
        let first = blocks[4]["text"]["text"].as_str().unwrap();
        assert!(
            first.starts_with(
                "*<https://toss.tech|1. 토스 — 레거시 인프라 작살내고 하이브리드 클라우드 만든 썰>*\n_박명순"
            ),
            "{first}"
        );
        assert!(first.contains("\n*핵심 내용*\n토스가 *OpenStack 기반 프라이빗 클라우드*"), "{first}");
        let second = blocks[6]["text"]["text"].as_str().unwrap();
        assert!(second.contains("*R&amp;R → R&amp;E (Responsibility &amp; Expandability)*"), "{second}");
        assert_eq!(m[0]["text"], digest.title);
        let keyword_fields = blocks.iter().find(|b| b.get("fields").is_some()).unwrap();
        assert_eq!(keyword_fields["fields"][1]["text"], "*ADR (Architecture Decision Record)*\nWoowahan");
        assert_eq!(blocks.last().unwrap()["type"], "context");
    }

    #[test]
    fn long_sections_are_cut_with_a_link() {
        let mut card = Card::new("T", 1);
        card.url = Some("https://example.com/x".into());
        card.body = vec![paragraph("긴 글 ".repeat(1000))];
        let doc = Doc { cards: vec![card], more_label: "원문 보기".into(), ..Doc::default() };
        let m = valid(messages(&doc));
        let text = m[0]["blocks"][0]["text"]["text"].as_str().unwrap();
        assert!(text.ends_with("… <https://example.com/x|원문 보기>"), "{text}");
        assert!(count(text) <= SLACK_SECTION_TEXT);
    }

    #[test]
    fn fifty_blocks_per_message_and_cards_stay_whole() {
        let cards: Vec<Card> = (0..30).map(|i| Card::new(format!("{i}"), 1)).collect();
        let doc = Doc { cards, more_label: "more".into(), ..Doc::default() };
        let m = valid(messages(&doc));
        assert_eq!(m.len(), 2);
        assert_eq!(m[0]["blocks"].as_array().unwrap().len(), 49);
        assert_eq!(m[0]["text"], "0 (1/2)");
        let first_of_second = &m[1]["blocks"][0]["text"]["text"];
        assert_eq!(first_of_second, "*25*");
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
        assert_eq!(
            m[0]["blocks"][0]["text"]["text"],
            "*T*\n\n• *a&lt;b&gt;&amp;c*\n\n¦---¦---¦\n\n<https://x.com/?a=1%7C2|a¦b>\n\n```\nif a &lt; b &amp;&amp; c\n```"
        );
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
}
