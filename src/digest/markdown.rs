//! A small, owned Markdown tree built from pulldown-cmark events.
//!
//! The digest parser needs to see the document as blocks (to find `##` sections, author lines and the
//! keyword table) and the renderers need a tree they can re-encode for each platform. pulldown-cmark
//! gives a flat event stream; [`parse_blocks`] folds it into [`Block`]s and [`Inline`]s, remembering the
//! byte offset where each top-level block starts so errors and articles can name their line. Nothing
//! here knows about digests or platforms.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// A block of Markdown: what a paragraph, heading, list, code block, quote, table or rule becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading {
        level: u8,
        content: Vec<Inline>,
    },
    Paragraph(Vec<Inline>),
    /// `start` is the first number of an ordered list, `None` for a bullet list.
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
    Code {
        lang: Option<String>,
        text: String,
    },
    Quote(Vec<Block>),
    Table {
        head: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    Rule,
}

/// Inline content: text and its emphasis, code spans, links and line breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Code(String),
    Strong(Vec<Inline>),
    Emph(Vec<Inline>),
    Strike(Vec<Inline>),
    Link {
        url: String,
        content: Vec<Inline>,
    },
    /// A hard line break (two trailing spaces or a backslash).
    Break,
    /// A soft line break: a newline inside a paragraph, shown as a space by most renderers.
    SoftBreak,
}

/// A top-level block and the byte offset of its first character in the parsed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned {
    pub offset: usize,
    pub block: Block,
}

/// The pulldown-cmark extensions digests may use.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Parses Markdown into top-level blocks. Never panics; any input gives some tree.
pub fn parse_blocks(text: &str) -> Vec<Spanned> {
    let mut builder = Builder::default();
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        builder.event(event, range.start);
    }
    builder.finish()
}

/// Runs pulldown-cmark alone over `text`, with the same options as [`parse_blocks`], and counts the
/// events. The load benchmark measures the parser against this baseline.
pub fn count_events(text: &str) -> usize {
    Parser::new_ext(text, options()).count()
}

impl Inline {
    /// Appends the visible text of this inline (no markup) to `out`.
    pub fn plain_text(&self, out: &mut String) {
        match self {
            Inline::Text(t) | Inline::Code(t) => out.push_str(t),
            Inline::Strong(c) | Inline::Emph(c) | Inline::Strike(c) | Inline::Link { content: c, .. } => {
                inlines_plain_text(c, out)
            }
            Inline::Break | Inline::SoftBreak => out.push(' '),
        }
    }
}

/// The visible text of a run of inlines.
pub fn inlines_plain_text(inlines: &[Inline], out: &mut String) {
    for inline in inlines {
        inline.plain_text(out);
    }
}

/// The visible text of a run of inlines, as a new string with its ends trimmed.
pub fn inlines_to_string(inlines: &[Inline]) -> String {
    let mut out = String::new();
    inlines_plain_text(inlines, &mut out);
    out.trim().to_string()
}

impl Block {
    /// Appends the visible text of this block to `out`, blocks separated by newlines.
    pub fn plain_text(&self, out: &mut String) {
        match self {
            Block::Heading { content, .. } | Block::Paragraph(content) => inlines_plain_text(content, out),
            Block::List { items, .. } => {
                for item in items {
                    blocks_plain_text(item, out);
                }
            }
            Block::Code { text, .. } => out.push_str(text),
            Block::Quote(blocks) => blocks_plain_text(blocks, out),
            Block::Table { head, rows } => {
                for row in std::iter::once(head).chain(rows) {
                    for cell in row {
                        inlines_plain_text(cell, out);
                        out.push(' ');
                    }
                    out.push('\n');
                }
            }
            Block::Rule => {}
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
}

/// The visible text of a run of blocks.
pub fn blocks_plain_text(blocks: &[Block], out: &mut String) {
    for block in blocks {
        block.plain_text(out);
    }
}

/// A block container that is still open.
enum BlockFrame {
    Root,
    /// Quotes, footnote definitions and definition lists: a plain run of blocks.
    Quote(Vec<Block>),
    Other(Vec<Block>),
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
    Item(Vec<Block>),
    Table {
        head: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
        row: Vec<Vec<Inline>>,
        in_head: bool,
    },
}

/// An inline container that is still open.
enum InlineFrame {
    /// `implicit` marks a paragraph opened for the bare text of a tight list item.
    Paragraph {
        content: Vec<Inline>,
        implicit: bool,
    },
    Heading {
        level: u8,
        content: Vec<Inline>,
    },
    Cell(Vec<Inline>),
    Strong(Vec<Inline>),
    Emph(Vec<Inline>),
    Strike(Vec<Inline>),
    /// Superscript, subscript and similar: kept as their content.
    Plain(Vec<Inline>),
    Link {
        url: String,
        content: Vec<Inline>,
    },
    Code {
        lang: Option<String>,
        text: String,
    },
    Html(String),
}

struct Builder {
    blocks: Vec<BlockFrame>,
    inlines: Vec<InlineFrame>,
    top: Vec<Spanned>,
    /// Offset of the event that opened the top-level block under construction.
    top_offset: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Builder { blocks: vec![BlockFrame::Root], inlines: Vec::new(), top: Vec::new(), top_offset: 0 }
    }
}

impl Builder {
    fn at_root(&self) -> bool {
        self.blocks.len() == 1 && self.inlines.is_empty()
    }

    fn event(&mut self, event: Event<'_>, offset: usize) {
        match event {
            Event::Start(tag) => self.start(tag, offset),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => self.push_text(&t, offset),
            Event::Code(t) => self.push_inline(Inline::Code(t.into_string()), offset),
            Event::InlineMath(t) | Event::DisplayMath(t) => self.push_inline(Inline::Code(t.into_string()), offset),
            Event::Html(t) | Event::InlineHtml(t) => self.push_text(&t, offset),
            Event::FootnoteReference(t) => self.push_inline(Inline::Text(format!("[^{t}]")), offset),
            Event::SoftBreak => self.push_inline(Inline::SoftBreak, offset),
            Event::HardBreak => self.push_inline(Inline::Break, offset),
            Event::Rule => {
                self.close_implicit_paragraph();
                if self.at_root() {
                    self.top_offset = offset;
                }
                self.push_block(Block::Rule);
            }
            Event::TaskListMarker(done) => {
                self.push_inline(Inline::Text(if done { "[x] " } else { "[ ] " }.to_string()), offset)
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>, offset: usize) {
        let is_block = matches!(
            tag,
            Tag::Paragraph
                | Tag::Heading { .. }
                | Tag::BlockQuote(_)
                | Tag::CodeBlock(_)
                | Tag::HtmlBlock
                | Tag::List(_)
                | Tag::FootnoteDefinition(_)
                | Tag::DefinitionList
                | Tag::Table(_)
                | Tag::MetadataBlock(_)
        );
        if is_block {
            self.close_implicit_paragraph();
            if self.at_root() {
                self.top_offset = offset;
            }
        }
        match tag {
            Tag::Paragraph | Tag::DefinitionListTitle | Tag::DefinitionListDefinition => {
                self.inlines.push(InlineFrame::Paragraph { content: Vec::new(), implicit: false })
            }
            Tag::Heading { level, .. } => {
                self.inlines.push(InlineFrame::Heading { level: level as u8, content: Vec::new() })
            }
            Tag::BlockQuote(_) => self.blocks.push(BlockFrame::Quote(Vec::new())),
            Tag::FootnoteDefinition(_) | Tag::DefinitionList | Tag::MetadataBlock(_) => {
                self.blocks.push(BlockFrame::Other(Vec::new()))
            }
            Tag::CodeBlock(kind) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().map(str::to_string).filter(|l| !l.is_empty())
                    }
                    CodeBlockKind::Indented => None,
                };
                self.inlines.push(InlineFrame::Code { lang, text: String::new() })
            }
            Tag::HtmlBlock => self.inlines.push(InlineFrame::Html(String::new())),
            Tag::List(start) => self.blocks.push(BlockFrame::List { start, items: Vec::new() }),
            Tag::Item => {
                self.close_implicit_paragraph();
                self.blocks.push(BlockFrame::Item(Vec::new()))
            }
            Tag::Table(_) => self.blocks.push(BlockFrame::Table {
                head: Vec::new(),
                rows: Vec::new(),
                row: Vec::new(),
                in_head: false,
            }),
            Tag::TableHead => {
                if let Some(BlockFrame::Table { in_head, .. }) = self.blocks.last_mut() {
                    *in_head = true;
                }
            }
            Tag::TableRow => {}
            Tag::TableCell => self.inlines.push(InlineFrame::Cell(Vec::new())),
            Tag::Emphasis => self.inlines.push(InlineFrame::Emph(Vec::new())),
            Tag::Strong => self.inlines.push(InlineFrame::Strong(Vec::new())),
            Tag::Strikethrough => self.inlines.push(InlineFrame::Strike(Vec::new())),
            Tag::Superscript | Tag::Subscript => self.inlines.push(InlineFrame::Plain(Vec::new())),
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.ensure_inline_context();
                self.inlines.push(InlineFrame::Link { url: dest_url.into_string(), content: Vec::new() })
            }
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::CodeBlock
            | TagEnd::HtmlBlock
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition => {
                self.close_implicit_paragraph();
                if let Some(block) = self.inlines.pop().and_then(finish_inline_block) {
                    self.push_block(block);
                }
            }
            TagEnd::BlockQuote(_) => {
                self.close_implicit_paragraph();
                if let Some(BlockFrame::Quote(blocks)) = self.pop_block_frame() {
                    self.push_block(Block::Quote(blocks));
                }
            }
            TagEnd::FootnoteDefinition | TagEnd::DefinitionList | TagEnd::MetadataBlock(_) => {
                self.close_implicit_paragraph();
                if let Some(BlockFrame::Other(blocks)) = self.pop_block_frame() {
                    for block in blocks {
                        self.push_block(block);
                    }
                }
            }
            TagEnd::List(_) => {
                self.close_implicit_paragraph();
                if let Some(BlockFrame::List { start, items }) = self.pop_block_frame() {
                    self.push_block(Block::List { start, items });
                }
            }
            TagEnd::Item => {
                self.close_implicit_paragraph();
                if let Some(BlockFrame::Item(blocks)) = self.pop_block_frame()
                    && let Some(BlockFrame::List { items, .. }) = self.blocks.last_mut()
                {
                    items.push(blocks);
                }
            }
            TagEnd::Table => {
                if let Some(BlockFrame::Table { head, rows, .. }) = self.pop_block_frame() {
                    self.push_block(Block::Table { head, rows });
                }
            }
            TagEnd::TableHead => {
                if let Some(BlockFrame::Table { head, row, in_head, .. }) = self.blocks.last_mut() {
                    *head = std::mem::take(row);
                    *in_head = false;
                }
            }
            TagEnd::TableRow => {
                if let Some(BlockFrame::Table { rows, row, .. }) = self.blocks.last_mut() {
                    rows.push(std::mem::take(row));
                }
            }
            TagEnd::TableCell => {
                if let Some(InlineFrame::Cell(content)) = self.inlines.pop()
                    && let Some(BlockFrame::Table { row, .. }) = self.blocks.last_mut()
                {
                    row.push(content);
                }
            }
            TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image => {
                let inline = match self.inlines.pop() {
                    Some(InlineFrame::Emph(c)) => Inline::Emph(c),
                    Some(InlineFrame::Strong(c)) => Inline::Strong(c),
                    Some(InlineFrame::Strike(c)) => Inline::Strike(c),
                    Some(InlineFrame::Link { url, content }) => Inline::Link { url, content },
                    Some(InlineFrame::Plain(c)) => {
                        for inline in c {
                            self.push_inline(inline, 0);
                        }
                        return;
                    }
                    Some(other) => {
                        // Unbalanced events do not occur in pulldown-cmark output; keep the frame.
                        self.inlines.push(other);
                        return;
                    }
                    None => return,
                };
                self.push_inline(inline, 0);
            }
        }
    }

    fn pop_block_frame(&mut self) -> Option<BlockFrame> {
        if self.blocks.len() > 1 { self.blocks.pop() } else { None }
    }

    /// Text goes into code and HTML blocks verbatim, and anywhere else as an inline.
    fn push_text(&mut self, text: &str, offset: usize) {
        match self.inlines.last_mut() {
            Some(InlineFrame::Code { text: buf, .. }) | Some(InlineFrame::Html(buf)) => buf.push_str(text),
            _ => self.push_inline(Inline::Text(text.to_string()), offset),
        }
    }

    fn push_inline(&mut self, inline: Inline, offset: usize) {
        if self.inlines.is_empty() {
            if self.at_root() {
                self.top_offset = offset;
            }
            self.ensure_inline_context();
        }
        let target = match self.inlines.last_mut() {
            Some(
                InlineFrame::Paragraph { content, .. }
                | InlineFrame::Heading { content, .. }
                | InlineFrame::Cell(content)
                | InlineFrame::Strong(content)
                | InlineFrame::Emph(content)
                | InlineFrame::Strike(content)
                | InlineFrame::Plain(content)
                | InlineFrame::Link { content, .. },
            ) => content,
            Some(InlineFrame::Code { text, .. }) | Some(InlineFrame::Html(text)) => {
                let mut plain = String::new();
                inline.plain_text(&mut plain);
                text.push_str(&plain);
                return;
            }
            None => return,
        };
        // Adjacent text events (pulldown-cmark splits text at entities and brackets) are merged.
        if let (Inline::Text(new), Some(Inline::Text(prev))) = (&inline, target.last_mut()) {
            prev.push_str(new);
            return;
        }
        target.push(inline);
    }

    /// Opens an implicit paragraph when inline content arrives with no inline container open,
    /// as the text of a tight list item does.
    fn ensure_inline_context(&mut self) {
        if self.inlines.is_empty() {
            self.inlines.push(InlineFrame::Paragraph { content: Vec::new(), implicit: true });
        }
    }

    fn close_implicit_paragraph(&mut self) {
        if let Some(InlineFrame::Paragraph { implicit: true, .. }) = self.inlines.last()
            && let Some(InlineFrame::Paragraph { content, .. }) = self.inlines.pop()
            && !content.is_empty()
        {
            self.push_block(Block::Paragraph(content));
        }
    }

    fn push_block(&mut self, block: Block) {
        match self.blocks.last_mut() {
            Some(BlockFrame::Root) | None => self.top.push(Spanned { offset: self.top_offset, block }),
            Some(BlockFrame::Quote(blocks) | BlockFrame::Other(blocks) | BlockFrame::Item(blocks)) => {
                blocks.push(block)
            }
            Some(BlockFrame::List { items, .. }) => items.push(vec![block]),
            Some(BlockFrame::Table { row, .. }) => {
                let mut text = String::new();
                block.plain_text(&mut text);
                row.push(vec![Inline::Text(text.trim().to_string())]);
            }
        }
    }

    fn finish(mut self) -> Vec<Spanned> {
        // Close anything left open (pulldown-cmark closes everything, but be total anyway).
        while !self.inlines.is_empty() {
            self.close_implicit_paragraph();
            if let Some(frame) = self.inlines.pop()
                && let Some(block) = finish_inline_block(frame)
            {
                self.push_block(block);
            }
        }
        while self.blocks.len() > 1 {
            let block = match self.blocks.pop() {
                Some(BlockFrame::Quote(b)) => Block::Quote(b),
                Some(BlockFrame::Other(b)) | Some(BlockFrame::Item(b)) => Block::Quote(b),
                Some(BlockFrame::List { start, items }) => Block::List { start, items },
                Some(BlockFrame::Table { head, rows, .. }) => Block::Table { head, rows },
                Some(BlockFrame::Root) | None => break,
            };
            self.push_block(block);
        }
        self.top
    }
}

/// Turns a closed inline container into the block it stands for.
fn finish_inline_block(frame: InlineFrame) -> Option<Block> {
    match frame {
        InlineFrame::Paragraph { content, .. } => Some(Block::Paragraph(content)),
        InlineFrame::Heading { level, content } => Some(Block::Heading { level, content }),
        InlineFrame::Code { lang, text } => Some(Block::Code { lang, text }),
        InlineFrame::Html(text) => {
            let text = text.trim();
            (!text.is_empty()).then(|| Block::Paragraph(vec![Inline::Text(text.to_string())]))
        }
        InlineFrame::Cell(c)
        | InlineFrame::Strong(c)
        | InlineFrame::Emph(c)
        | InlineFrame::Strike(c)
        | InlineFrame::Plain(c)
        | InlineFrame::Link { content: c, .. } => Some(Block::Paragraph(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(md: &str) -> Vec<Block> {
        parse_blocks(md).into_iter().map(|s| s.block).collect()
    }

    fn text(s: &str) -> Inline {
        Inline::Text(s.to_string())
    }

    #[test]
    fn paragraphs_headings_and_offsets() {
        let spanned = parse_blocks("# Title\n\nHello **world**\n\n## Two\n");
        assert_eq!(spanned.len(), 3);
        assert_eq!(spanned[0].block, Block::Heading { level: 1, content: vec![text("Title")] });
        assert_eq!(spanned[1].offset, 9);
        assert_eq!(spanned[1].block, Block::Paragraph(vec![text("Hello "), Inline::Strong(vec![text("world")])]));
        assert_eq!(spanned[2].offset, 26);
    }

    #[test]
    fn tight_and_loose_lists_and_nesting() {
        let b = blocks("- a\n- b\n  - c\n\n1. x\n\n2. y\n");
        assert_eq!(
            b[0],
            Block::List {
                start: None,
                items: vec![
                    vec![Block::Paragraph(vec![text("a")])],
                    vec![
                        Block::Paragraph(vec![text("b")]),
                        Block::List { start: None, items: vec![vec![Block::Paragraph(vec![text("c")])]] }
                    ],
                ]
            }
        );
        assert_eq!(
            b[1],
            Block::List {
                start: Some(1),
                items: vec![vec![Block::Paragraph(vec![text("x")])], vec![Block::Paragraph(vec![text("y")])]]
            }
        );
    }

    #[test]
    fn fenced_code_keeps_heading_lines() {
        let b = blocks("```rust\n## not a heading\nfn x() {}\n```\n");
        assert_eq!(b, vec![Block::Code { lang: Some("rust".into()), text: "## not a heading\nfn x() {}\n".into() }]);
    }

    #[test]
    fn tables_links_and_breaks() {
        let b = blocks("| k | v |\n|---|---|\n| [a](http://x) | `c` |\n\nline one  \nline two\n");
        assert_eq!(
            b[0],
            Block::Table {
                head: vec![vec![text("k")], vec![text("v")]],
                rows: vec![vec![
                    vec![Inline::Link { url: "http://x".into(), content: vec![text("a")] }],
                    vec![Inline::Code("c".into())]
                ]]
            }
        );
        assert_eq!(b[1], Block::Paragraph(vec![text("line one"), Inline::Break, text("line two")]));
    }

    #[test]
    fn quotes_rules_and_plain_text() {
        let b = blocks("> quoted *text*\n\n---\n\n![alt](http://img)\n");
        assert_eq!(b[0], Block::Quote(vec![Block::Paragraph(vec![text("quoted "), Inline::Emph(vec![text("text")])])]));
        assert_eq!(b[1], Block::Rule);
        let mut out = String::new();
        blocks_plain_text(&b, &mut out);
        assert_eq!(out, "quoted text\nalt\n");
    }

    #[test]
    fn html_and_task_lists_survive() {
        let b = blocks("<div>raw</div>\n\n- [x] done\n");
        assert_eq!(b[0], Block::Paragraph(vec![text("<div>raw</div>")]));
        assert_eq!(b[1], Block::List { start: None, items: vec![vec![Block::Paragraph(vec![text("[x] done")])]] });
    }
}
