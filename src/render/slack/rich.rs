//! Markdown blocks as a Slack `rich_text` block: formatting as structure, never as markers.
//!
//! Slack applies mrkdwn's `*bold*` only when the asterisks are not glued to a letter outside them,
//! which Korean particles always are (`*클라우드*를`). A `rich_text` block carries the same formatting
//! as styled elements instead, so it renders whatever the neighbouring letters. [`from_blocks`]
//! builds the model ([`Element`] and [`Piece`]) from the digest's Markdown tree: paragraphs and
//! headings become `rich_text_section`s (a heading in bold), lists `rich_text_list`s (nested ones as
//! further lists with a deeper `indent`, ordered ones keeping their first number with `offset`), code
//! blocks `rich_text_preformatted`, quotes `rich_text_quote`, and tables bullet lists of
//! `first cell — other · cells`, as on Discord. [`cut`] keeps a block within a text budget and an
//! element count on a character boundary, ending in `…`; [`to_json`] spells the wire format.

use serde_json::{Map, Value, json};

use super::super::limits::{SLACK_RICH_TEXT_ELEMENTS, SLACK_RICH_TEXT_INDENT_MAX};
use crate::digest::{Block, Inline};

/// The styles a `text` element can carry (a `link` takes all but `code`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    pub bold: bool,
    pub italic: bool,
    pub strike: bool,
    pub code: bool,
}

impl Style {
    pub const BOLD: Style = Style { bold: true, italic: false, strike: false, code: false };
    pub const ITALIC: Style = Style { bold: false, italic: true, strike: false, code: false };

    fn to_json(self, allow_code: bool) -> Option<Value> {
        let mut style = Map::new();
        for (name, on) in [("bold", self.bold), ("italic", self.italic), ("strike", self.strike)] {
            if on {
                style.insert(name.into(), json!(true));
            }
        }
        if allow_code && self.code {
            style.insert("code".into(), json!(true));
        }
        if style.is_empty() { None } else { Some(Value::Object(style)) }
    }
}

/// An inline element: styled text, or a link with its shown text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text { text: String, style: Style },
    Link { url: String, text: String, style: Style },
}

impl Piece {
    pub fn text(text: impl Into<String>, style: Style) -> Piece {
        Piece::Text { text: text.into(), style }
    }

    pub fn link(url: impl Into<String>, text: impl Into<String>, style: Style) -> Piece {
        Piece::Link { url: url.into(), text: text.into(), style }
    }

    /// Characters this piece puts in the payload (link URLs count too).
    pub fn size(&self) -> usize {
        match self {
            Piece::Text { text, .. } => text.chars().count(),
            Piece::Link { url, text, .. } => url.chars().count() + text.chars().count(),
        }
    }

    fn shown(&self) -> &str {
        match self {
            Piece::Text { text, .. } | Piece::Link { text, .. } => text,
        }
    }

    fn shown_mut(&mut self) -> &mut String {
        match self {
            Piece::Text { text, .. } | Piece::Link { text, .. } => text,
        }
    }

    pub fn to_json(&self) -> Value {
        let (mut element, style) = match self {
            Piece::Text { text, style } => (json!({"type": "text", "text": text}), style.to_json(true)),
            Piece::Link { url, text, style } => {
                (json!({"type": "link", "url": url, "text": text}), style.to_json(false))
            }
        };
        if let Some(style) = style {
            element["style"] = style;
        }
        element
    }
}

/// A sub-element of a `rich_text` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    Section(Vec<Piece>),
    /// `first` is the number of the first item of an ordered list, `None` for bullets.
    List {
        first: Option<u64>,
        indent: usize,
        items: Vec<Vec<Piece>>,
    },
    Preformatted(String),
    Quote(Vec<Piece>),
}

impl Element {
    fn len(&self) -> usize {
        match self {
            Element::Section(pieces) | Element::Quote(pieces) => pieces.iter().map(Piece::size).sum(),
            Element::List { items, .. } => items.iter().flatten().map(Piece::size).sum(),
            Element::Preformatted(text) => text.chars().count(),
        }
    }

    fn to_json(&self) -> Value {
        let pieces = |pieces: &[Piece]| Value::Array(pieces.iter().map(Piece::to_json).collect());
        match self {
            Element::Section(p) => json!({"type": "rich_text_section", "elements": pieces(p)}),
            Element::Quote(p) => json!({"type": "rich_text_quote", "elements": pieces(p)}),
            Element::Preformatted(text) => {
                json!({"type": "rich_text_preformatted", "elements": [{"type": "text", "text": text}]})
            }
            Element::List { first, indent, items } => {
                let sections: Vec<Value> =
                    items.iter().map(|item| json!({"type": "rich_text_section", "elements": pieces(item)})).collect();
                let mut list = json!({
                    "type": "rich_text_list",
                    "style": if first.is_some() { "ordered" } else { "bullet" },
                    "indent": indent,
                    "elements": sections,
                });
                // `offset` shifts the first number: 4 makes the list start at 5.
                if let Some(first) = first.filter(|&n| n > 1) {
                    list["offset"] = json!(first - 1);
                }
                list
            }
        }
    }
}

/// The `rich_text` block of some elements.
pub fn to_json(elements: &[Element]) -> Value {
    json!({"type": "rich_text", "elements": elements.iter().map(Element::to_json).collect::<Vec<_>>()})
}

/// The rich text elements of Markdown blocks.
pub fn from_blocks(blocks: &[Block]) -> Vec<Element> {
    let mut builder = Builder::default();
    builder.blocks(blocks);
    builder.flush();
    builder.out
}

/// The pieces of a run of inlines in a base style, trimmed.
pub fn from_inlines(inlines: &[Inline], style: Style) -> Vec<Piece> {
    let mut pieces = Vec::new();
    push_inlines(inlines, style, &mut pieces);
    trim(pieces)
}

#[derive(Default)]
struct Builder {
    out: Vec<Element>,
    /// The section being filled by consecutive paragraphs and headings.
    section: Vec<Piece>,
    after_heading: bool,
}

impl Builder {
    fn blocks(&mut self, blocks: &[Block]) {
        for block in blocks {
            self.block(block);
        }
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Paragraph(content) => self.paragraph(from_inlines(content, Style::default()), false),
            Block::Heading { content, .. } => self.paragraph(from_inlines(content, Style::BOLD), true),
            Block::List { start, items } => {
                self.flush();
                self.list(*start, items, 0);
            }
            Block::Code { text, .. } => {
                self.flush();
                let text = text.trim_end_matches('\n');
                if !text.trim().is_empty() {
                    self.out.push(Element::Preformatted(text.to_string()));
                }
            }
            Block::Quote(inner) => {
                self.flush();
                let pieces = trim(flat_pieces(inner));
                if !pieces.is_empty() {
                    self.out.push(Element::Quote(pieces));
                }
            }
            Block::Table { head, rows } => {
                self.flush();
                let items = table_rows(head, rows);
                if !items.is_empty() {
                    self.out.push(Element::List { first: None, indent: 0, items });
                }
            }
            // A rule separates, as a new section does.
            Block::Rule => self.flush(),
        }
    }

    /// Adds a paragraph or heading to the open section: a blank line between paragraphs, a line
    /// break under a heading.
    fn paragraph(&mut self, pieces: Vec<Piece>, heading: bool) {
        if pieces.is_empty() {
            return;
        }
        if !self.section.is_empty() {
            push_text(&mut self.section, if self.after_heading { "\n" } else { "\n\n" }, Style::default());
        }
        extend(&mut self.section, pieces);
        self.after_heading = heading;
    }

    fn flush(&mut self) {
        let section = trim(std::mem::take(&mut self.section));
        if !section.is_empty() {
            self.out.push(Element::Section(section));
        }
        self.after_heading = false;
    }

    /// A list as one `rich_text_list` per run of items at one depth: a nested list ends the run,
    /// follows at `indent + 1`, and the run goes on after it (ordered numbers continuing by `offset`).
    fn list(&mut self, start: Option<u64>, items: &[Vec<Block>], depth: usize) {
        let indent = depth.min(SLACK_RICH_TEXT_INDENT_MAX);
        let mut run: Vec<Vec<Piece>> = Vec::new();
        let mut run_first = start;
        let end_run = |out: &mut Vec<Element>, run: &mut Vec<Vec<Piece>>, first: Option<u64>| {
            if !run.is_empty() {
                out.push(Element::List { first, indent, items: std::mem::take(run) });
            }
        };
        for (i, item) in items.iter().enumerate() {
            let number = start.map(|n| n.saturating_add(i as u64));
            if run.is_empty() {
                run_first = number;
            }
            let mut pieces: Vec<Piece> = Vec::new();
            let mut shown = false;
            for block in item {
                if let Block::List { start, items } = block {
                    if !pieces.is_empty() || !shown {
                        run.push(non_empty(trim(std::mem::take(&mut pieces))));
                        shown = true;
                    }
                    end_run(&mut self.out, &mut run, run_first);
                    self.list(*start, items, depth + 1);
                    run_first = number.map(|n| n.saturating_add(1));
                    continue;
                }
                let more = trim(flat_block(block));
                if more.is_empty() {
                    continue;
                }
                if !pieces.is_empty() {
                    push_text(&mut pieces, "\n", Style::default());
                }
                extend(&mut pieces, more);
            }
            if !pieces.is_empty() || !shown {
                if run.is_empty() {
                    run_first = number;
                }
                run.push(non_empty(trim(pieces)));
            }
        }
        end_run(&mut self.out, &mut run, run_first);
    }
}

/// An empty list item still shows (Slack refuses an empty section).
fn non_empty(pieces: Vec<Piece>) -> Vec<Piece> {
    if pieces.is_empty() { vec![Piece::text("—", Style::default())] } else { pieces }
}

/// Table rows as list items: `first cell` in bold, ` — `, the other non-empty cells joined by ` · `.
fn table_rows(head: &[Vec<Inline>], rows: &[Vec<Vec<Inline>>]) -> Vec<Vec<Piece>> {
    // A table with only a header row still shows its header.
    let rows: Vec<&[Vec<Inline>]> = if rows.is_empty() { vec![head] } else { rows.iter().map(Vec::as_slice).collect() };
    let mut items = Vec::new();
    for row in rows {
        let Some((first, rest)) = row.split_first() else { continue };
        let mut item = from_inlines(first, Style::BOLD);
        let rest: Vec<Vec<Piece>> =
            rest.iter().map(|c| from_inlines(c, Style::default())).filter(|c| !c.is_empty()).collect();
        for (i, cell) in rest.into_iter().enumerate() {
            let separator = if i > 0 {
                " · "
            } else if item.is_empty() {
                ""
            } else {
                " — "
            };
            push_text(&mut item, separator, Style::default());
            extend(&mut item, cell);
        }
        if !item.is_empty() {
            items.push(item);
        }
    }
    items
}

/// Blocks flattened into one run of pieces, for places that hold only inline elements (a quote).
fn flat_pieces(blocks: &[Block]) -> Vec<Piece> {
    let mut out = Vec::new();
    for block in blocks {
        let pieces = trim(flat_block(block));
        if pieces.is_empty() {
            continue;
        }
        if !out.is_empty() {
            push_text(&mut out, "\n", Style::default());
        }
        extend(&mut out, pieces);
    }
    out
}

/// One block as inline pieces: list items as `• ` lines, code in code style, a table as its rows.
fn flat_block(block: &Block) -> Vec<Piece> {
    match block {
        Block::Paragraph(content) => from_inlines(content, Style::default()),
        Block::Heading { content, .. } => from_inlines(content, Style::BOLD),
        Block::Code { text, .. } => {
            let mut out = Vec::new();
            for (i, line) in text.trim_end_matches('\n').lines().enumerate() {
                if i > 0 {
                    push_text(&mut out, "\n", Style::default());
                }
                push_text(&mut out, line, Style { code: true, ..Style::default() });
            }
            out
        }
        Block::Quote(inner) => flat_pieces(inner),
        Block::List { start, items } => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    push_text(&mut out, "\n", Style::default());
                }
                let marker = match start {
                    Some(n) => format!("{}. ", n.saturating_add(i as u64)),
                    None => "• ".to_string(),
                };
                push_text(&mut out, &marker, Style::default());
                extend(&mut out, flat_pieces(item));
            }
            out
        }
        Block::Table { head, rows } => {
            let mut out = Vec::new();
            for (i, row) in table_rows(head, rows).into_iter().enumerate() {
                if i > 0 {
                    push_text(&mut out, "\n", Style::default());
                }
                push_text(&mut out, "• ", Style::default());
                extend(&mut out, row);
            }
            out
        }
        Block::Rule => Vec::new(),
    }
}

fn push_inlines(inlines: &[Inline], style: Style, out: &mut Vec<Piece>) {
    for inline in inlines {
        match inline {
            Inline::Text(text) => push_text(out, &literal(text), style),
            Inline::Code(code) => push_text(out, code, Style { code: true, ..style }),
            Inline::Strong(inner) => push_inlines(inner, Style { bold: true, ..style }, out),
            Inline::Emph(inner) => push_inlines(inner, Style { italic: true, ..style }, out),
            Inline::Strike(inner) => push_inlines(inner, Style { strike: true, ..style }, out),
            Inline::Link { url, content } => {
                let mut inner = Vec::new();
                push_inlines(content, style, &mut inner);
                if !is_web_url(url) {
                    extend(out, inner);
                    continue;
                }
                let inner = trim(inner);
                if inner.is_empty() {
                    push(out, Piece::link(url.as_str(), url.as_str(), style));
                }
                for piece in inner {
                    // A link inside a link: the outer URL wins; a link's style takes no `code`.
                    let (Piece::Text { text, style } | Piece::Link { text, style, .. }) = piece;
                    push(out, Piece::link(url.as_str(), text, Style { code: false, ..style }));
                }
            }
            // A break inside emphasis keeps its style, so a bold run over two lines stays one element
            // (code does not carry over a break: a code span never spans one).
            Inline::Break => push_text(out, "\n", Style { code: false, ..style }),
            Inline::SoftBreak => push_text(out, " ", Style { code: false, ..style }),
        }
    }
}

/// Text as it is, but for a run like `|---|`, which reads as a Markdown table row wherever the text
/// is shown as Markdown again (a notification, a copy): its bars become `¦`, as in mrkdwn.
fn literal(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains("|-") || text.contains("-|") || text.contains("|:") {
        text.replace('|', "¦").into()
    } else {
        text.into()
    }
}

/// Slack links only what it can open; other schemes stay text.
pub fn is_web_url(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

pub fn push_text(out: &mut Vec<Piece>, text: &str, style: Style) {
    push(out, Piece::text(text, style));
}

/// Appends a piece, joining it to the last one when they look the same (same style, same link).
pub fn push(out: &mut Vec<Piece>, piece: Piece) {
    if piece.shown().is_empty() {
        return;
    }
    match (out.last_mut(), &piece) {
        (Some(Piece::Text { text, style }), Piece::Text { text: more, style: more_style }) if style == more_style => {
            text.push_str(more);
        }
        (Some(Piece::Link { url, text, style }), Piece::Link { url: more_url, text: more, style: more_style })
            if url == more_url && style == more_style =>
        {
            text.push_str(more);
        }
        _ => out.push(piece),
    }
}

fn extend(out: &mut Vec<Piece>, pieces: Vec<Piece>) {
    for piece in pieces {
        push(out, piece);
    }
}

/// Without white space at either end; pieces left empty go.
fn trim(mut pieces: Vec<Piece>) -> Vec<Piece> {
    while let Some(first) = pieces.first_mut() {
        let trimmed = first.shown().trim_start().to_string();
        if trimmed.is_empty() && matches!(first, Piece::Text { .. }) {
            pieces.remove(0);
            continue;
        }
        if !trimmed.is_empty() {
            *first.shown_mut() = trimmed;
        }
        break;
    }
    while let Some(last) = pieces.last_mut() {
        let trimmed = last.shown().trim_end().to_string();
        if trimmed.is_empty() && matches!(last, Piece::Text { .. }) {
            pieces.pop();
            continue;
        }
        if !trimmed.is_empty() {
            *last.shown_mut() = trimmed;
        }
        break;
    }
    pieces
}

/// Characters of the elements, as [`Piece::size`] counts them.
pub fn len(elements: &[Element]) -> usize {
    elements.iter().map(Element::len).sum()
}

/// At most `budget` characters and [`SLACK_RICH_TEXT_ELEMENTS`] elements in any array, `tail`
/// included. When something had to go, the last kept text ends with `…` and `tail` follows as a
/// section of its own (a link to the original, say). Returns the elements and whether they were cut.
pub fn cut(elements: Vec<Element>, budget: usize, tail: Vec<Piece>) -> (Vec<Element>, bool) {
    let needs_cut = len(&elements) > budget
        || elements.len() > SLACK_RICH_TEXT_ELEMENTS
        || elements.iter().any(|e| match e {
            Element::Section(p) | Element::Quote(p) => p.len() > SLACK_RICH_TEXT_ELEMENTS,
            Element::List { items, .. } => {
                items.len() > SLACK_RICH_TEXT_ELEMENTS || items.iter().any(|i| i.len() > SLACK_RICH_TEXT_ELEMENTS)
            }
            Element::Preformatted(_) => false,
        });
    if !needs_cut {
        return (elements, false);
    }
    let tail_len: usize = tail.iter().map(Piece::size).sum();
    // The `…` itself, and a line break before the tail.
    let mut room = budget.saturating_sub(tail_len + 2);
    let max_elements = SLACK_RICH_TEXT_ELEMENTS - usize::from(!tail.is_empty());
    let mut out = Vec::new();
    for element in elements {
        if out.len() == max_elements {
            break;
        }
        let size = element.len();
        if size <= room && !too_many(&element) {
            room -= size;
            out.push(element);
            continue;
        }
        if let Some(part) = cut_element(element, room) {
            out.push(part);
        }
        break;
    }
    // The `…` goes at the end of the last kept text.
    match out.last_mut() {
        Some(Element::Section(p) | Element::Quote(p)) => push_text(p, "…", Style::default()),
        Some(Element::List { items, .. }) => {
            if let Some(last) = items.last_mut() {
                push_text(last, "…", Style::default());
            }
        }
        Some(Element::Preformatted(text)) => text.push('…'),
        None => out.push(Element::Section(vec![Piece::text("…", Style::default())])),
    }
    if !tail.is_empty() {
        out.push(Element::Section(tail));
    }
    (out, true)
}

fn too_many(element: &Element) -> bool {
    match element {
        Element::Section(p) | Element::Quote(p) => p.len() >= SLACK_RICH_TEXT_ELEMENTS,
        Element::List { items, .. } => {
            items.len() > SLACK_RICH_TEXT_ELEMENTS || items.iter().any(|i| i.len() >= SLACK_RICH_TEXT_ELEMENTS)
        }
        Element::Preformatted(_) => false,
    }
}

/// The start of an element within `room` characters, or nothing when not even a word fits.
fn cut_element(element: Element, room: usize) -> Option<Element> {
    match element {
        Element::Section(p) => Some(cut_pieces(p, room)).filter(|p| !p.is_empty()).map(Element::Section),
        Element::Quote(p) => Some(cut_pieces(p, room)).filter(|p| !p.is_empty()).map(Element::Quote),
        Element::Preformatted(text) => {
            let text = cut_text(&text, room);
            if text.trim().is_empty() { None } else { Some(Element::Preformatted(text)) }
        }
        Element::List { first, indent, items } => {
            let mut room = room;
            let mut kept = Vec::new();
            for item in items {
                if kept.len() == SLACK_RICH_TEXT_ELEMENTS {
                    break;
                }
                let size: usize = item.iter().map(Piece::size).sum();
                if size <= room && item.len() < SLACK_RICH_TEXT_ELEMENTS {
                    room -= size;
                    kept.push(item);
                    continue;
                }
                let part = cut_pieces(item, room);
                if !part.is_empty() {
                    kept.push(part);
                }
                break;
            }
            if kept.is_empty() { None } else { Some(Element::List { first, indent, items: kept }) }
        }
    }
}

/// Pieces within `room` characters and one short of the element cap (room for the `…`).
fn cut_pieces(pieces: Vec<Piece>, mut room: usize) -> Vec<Piece> {
    let mut out = Vec::new();
    for mut piece in pieces {
        if out.len() + 1 >= SLACK_RICH_TEXT_ELEMENTS {
            break;
        }
        let size = piece.size();
        if size <= room {
            room -= size;
            out.push(piece);
            continue;
        }
        let overhead = size - piece.shown().chars().count();
        if room > overhead {
            let text = cut_text(piece.shown(), room - overhead);
            if !text.is_empty() {
                *piece.shown_mut() = text;
                out.push(piece);
            }
        }
        break;
    }
    trim(out)
}

/// At most `budget` code points of `text`, backing up to white space in the last fifth so words
/// stay whole.
fn cut_text(text: &str, budget: usize) -> String {
    let hard_end = text.char_indices().nth(budget).map_or(text.len(), |(i, _)| i);
    let head = &text[..hard_end];
    let soft_end =
        head.char_indices().rev().take(budget / 5).find(|(_, c)| c.is_whitespace()).map_or(hard_end, |(i, _)| i);
    text[..soft_end].trim_end().to_string()
}

/// The plain text of pieces (what a notification shows).
pub fn plain(pieces: &[Piece]) -> String {
    pieces.iter().map(Piece::shown).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::markdown::parse_blocks;

    fn rich(md: &str) -> Value {
        let blocks: Vec<Block> = parse_blocks(md).into_iter().map(|s| s.block).collect();
        to_json(&from_blocks(&blocks))
    }

    #[test]
    fn korean_particles_after_bold_stay_outside_the_bold_element() {
        let block = rich("토스가 **OpenStack 기반 프라이빗 클라우드**를 직접 구축하고");
        assert_eq!(
            block["elements"][0]["elements"],
            json!([
                {"type": "text", "text": "토스가 "},
                {"type": "text", "text": "OpenStack 기반 프라이빗 클라우드", "style": {"bold": true}},
                {"type": "text", "text": "를 직접 구축하고"},
            ])
        );
    }

    #[test]
    fn emphasis_over_a_line_break_stays_one_element() {
        let block = rich("**첫 줄\n둘째 줄**을 보라");
        assert_eq!(
            block["elements"][0]["elements"],
            json!([
                {"type": "text", "text": "첫 줄 둘째 줄", "style": {"bold": true}},
                {"type": "text", "text": "을 보라"},
            ])
        );
    }

    #[test]
    fn styles_combine_and_links_carry_theirs() {
        let block = rich("*a **b*** ~~c~~ `d` [**e** f](https://x.com) [g](ftp://no)");
        assert_eq!(
            block["elements"][0]["elements"],
            json!([
                {"type": "text", "text": "a ", "style": {"italic": true}},
                {"type": "text", "text": "b", "style": {"bold": true, "italic": true}},
                {"type": "text", "text": " "},
                {"type": "text", "text": "c", "style": {"strike": true}},
                {"type": "text", "text": " "},
                {"type": "text", "text": "d", "style": {"code": true}},
                {"type": "text", "text": " "},
                {"type": "link", "url": "https://x.com", "text": "e", "style": {"bold": true}},
                {"type": "link", "url": "https://x.com", "text": " f"},
                {"type": "text", "text": " g"},
            ])
        );
    }

    #[test]
    fn headings_and_paragraphs_share_a_section_and_lists_nest_by_indent() {
        let block = rich("### 배운 점\n첫 문단\n\n둘째\n\n3. a\n   - b\n     - c\n4. d\n");
        assert_eq!(
            block["elements"][0],
            json!({"type": "rich_text_section", "elements": [
                {"type": "text", "text": "배운 점", "style": {"bold": true}},
                {"type": "text", "text": "\n첫 문단\n\n둘째"},
            ]})
        );
        let lists: Vec<(String, u64, Option<u64>, String)> = block["elements"].as_array().unwrap()[1..]
            .iter()
            .map(|l| {
                (
                    l["style"].as_str().unwrap().to_string(),
                    l["indent"].as_u64().unwrap(),
                    l["offset"].as_u64(),
                    l["elements"][0]["elements"][0]["text"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            lists,
            [
                ("ordered".into(), 0, Some(2), "a".into()),
                ("bullet".into(), 1, None, "b".into()),
                ("bullet".into(), 2, None, "c".into()),
                ("ordered".into(), 0, Some(3), "d".into()),
            ]
        );
    }

    #[test]
    fn code_quotes_and_tables() {
        let block = rich(
            "```\nlet a = 1;\n```\n\n> q1\n> q2\n\n| k | s | t |\n|---|---|---|\n| ADR | Woowa | x |\n| | only |  |\n",
        );
        let elements = block["elements"].as_array().unwrap();
        assert_eq!(
            elements[0],
            json!({"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "let a = 1;"}]})
        );
        assert_eq!(elements[1], json!({"type": "rich_text_quote", "elements": [{"type": "text", "text": "q1 q2"}]}));
        assert_eq!(elements[2]["style"], "bullet");
        assert_eq!(
            elements[2]["elements"][0]["elements"],
            json!([{"type": "text", "text": "ADR", "style": {"bold": true}}, {"type": "text", "text": " — Woowa · x"}])
        );
        assert_eq!(elements[2]["elements"][1]["elements"], json!([{"type": "text", "text": "only"}]));
    }

    #[test]
    fn lists_deeper_than_slack_allows_stay_at_the_deepest_indent() {
        let md: String = (0..12).map(|d| format!("{}- level {d}\n", "  ".repeat(d))).collect();
        let block = rich(&md);
        let indents: Vec<u64> =
            block["elements"].as_array().unwrap().iter().map(|l| l["indent"].as_u64().unwrap()).collect();
        assert_eq!(indents.len(), 12);
        assert_eq!(*indents.iter().max().unwrap(), SLACK_RICH_TEXT_INDENT_MAX as u64);
    }

    #[test]
    fn cut_keeps_within_the_budget_and_ends_with_the_tail() {
        let blocks: Vec<Block> =
            parse_blocks(&"**굵은** 글자와 보통 글자 ".repeat(300)).into_iter().map(|s| s.block).collect();
        let tail = vec![Piece::link("https://x.com/a", "원문 보기", Style::default())];
        let (elements, was_cut) = cut(from_blocks(&blocks), 500, tail.clone());
        assert!(was_cut);
        assert!(len(&elements) <= 500, "{}", len(&elements));
        assert_eq!(elements.last(), Some(&Element::Section(tail)));
        let Element::Section(first) = &elements[0] else { panic!() };
        assert!(first.len() < SLACK_RICH_TEXT_ELEMENTS);
        assert!(plain(first).ends_with('…'));
        // Nothing to cut: the same elements back.
        let short = from_blocks(&blocks[..0]);
        assert_eq!(cut(short.clone(), 10, Vec::new()), (short, false));
    }

    #[test]
    fn many_styled_runs_are_cut_to_the_element_cap() {
        let blocks: Vec<Block> = parse_blocks(&"**a** b ".repeat(200)).into_iter().map(|s| s.block).collect();
        let (elements, was_cut) = cut(from_blocks(&blocks), 100_000, Vec::new());
        assert!(was_cut);
        let Element::Section(pieces) = &elements[0] else { panic!() };
        assert!(pieces.len() <= SLACK_RICH_TEXT_ELEMENTS);
    }
}
