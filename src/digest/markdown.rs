//! A small, owned Markdown tree built from pulldown-cmark events.
//!
//! The digest parser needs to see the document as blocks (to find `##` sections, author lines and the
//! keyword table) and the renderers need a tree they can re-encode for each platform. pulldown-cmark
//! gives a flat event stream; [`parse_blocks`] folds it into [`Block`]s and [`Inline`]s, remembering the
//! byte offset where each top-level block starts so errors and articles can name their line. Nothing
//! here knows about digests or platforms.
//!
//! The fold keeps its own stacks on the heap and never recurses, and the tree it builds is shallow:
//! quotes and lists nest at most [`MAX_BLOCK_NESTING`] levels, and emphasis, links and the like at most
//! [`MAX_INLINE_NESTING`]. Deeper containers are flattened into the innermost one kept (their text
//! stays, their markup goes), so every later walk of the tree (rendering, search, `Drop`) is bounded
//! too, whatever the input: a file of a million `>` cannot overflow a 2 MiB thread stack.

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

/// How deep quotes, lists, footnote definitions and definition lists may nest; deeper ones are
/// flattened into the innermost kept. A digest needs a handful; this leaves room.
pub const MAX_BLOCK_NESTING: usize = 16;

/// How deep emphasis, strong, strikethrough, links and images may nest inside one another; deeper
/// markup is dropped and its text kept.
pub const MAX_INLINE_NESTING: usize = 16;

/// Most columns a table keeps; the text of further cells joins the last one, ` | `-separated. A
/// digest's tables have two or three; a 500-column table would cost a vector per cell for nothing.
pub const MAX_TABLE_COLUMNS: usize = 16;

/// The pulldown-cmark extensions digests may use.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Parses Markdown into top-level blocks. Never panics; any input gives some tree.
pub fn parse_blocks(text: &str) -> Vec<Spanned> {
    parse_blocks_bounded(text, usize::MAX).unwrap_or_default()
}

/// How many elements (text runs, breaks, code spans, emphasis, links, blocks, list items, table
/// cells) one digest's Markdown may build. A real digest has a few thousand; the bound keeps the
/// memory of one file (about 100 bytes an element) and the work of rendering it small, whatever the
/// shape of its megabyte.
pub const MAX_MARKDOWN_NODES: usize = 100_000;

/// [`parse_blocks`], stopping once more than `max_nodes` elements are built: then `Err` with the
/// byte offset where that happened, and the rest of the text is not looked at.
pub fn parse_blocks_bounded(text: &str, max_nodes: usize) -> Result<Vec<Spanned>, usize> {
    let mut builder = Builder::default();
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        builder.event(event, range.start);
        if builder.nodes > max_nodes {
            return Err(range.start);
        }
    }
    Ok(builder.finish())
}

/// How many container markers (`>`, `-`, `*`, `+`, `1.`, `1)`) a line may open with before the rest
/// are dropped by [`limit_container_prefixes`]: more than the tree keeps anyway.
pub const MAX_LINE_MARKERS: usize = 2 * MAX_BLOCK_NESTING + 8;

/// Drops the container markers past the first [`MAX_LINE_MARKERS`] at the start of each line, so
/// that pulldown-cmark never builds the million-deep tree of a line like `>>>>…` or `- - - …` (it
/// would be flattened afterwards anyway; building it costs most of the parse). Only lines with that
/// many markers change, and only within the line, so line numbers stay. Borrows when nothing does.
pub fn limit_container_prefixes(text: &str) -> std::borrow::Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut line_start = 0;
    let bytes = text.as_bytes();
    while line_start < bytes.len() {
        let line_end = memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |i| line_start + i + 1);
        let (markers, keep_until, prefix_end) = scan_markers(&bytes[line_start..line_end]);
        if markers > MAX_LINE_MARKERS {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
            out.push_str(&text[copied..line_start + keep_until]);
            copied = line_start + prefix_end;
        }
        line_start = line_end;
    }
    match out {
        None => std::borrow::Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            std::borrow::Cow::Owned(out)
        }
    }
}

/// Counts the container markers a line opens with. Returns the count, where the first
/// [`MAX_LINE_MARKERS`] of them end, and where the whole run of markers ends (before the content).
fn scan_markers(line: &[u8]) -> (usize, usize, usize) {
    let mut i = 0;
    let mut markers = 0;
    let mut keep_until = 0;
    loop {
        let mut j = i;
        while j < line.len() && j - i < 3 && line[j] == b' ' {
            j += 1;
        }
        let blank_after = |k: usize| k >= line.len() || matches!(line[k], b' ' | b'\t' | b'\n' | b'\r');
        // Past the marker's one space or tab, never past the end of the line.
        let past_blank = |k: usize| if matches!(line.get(k), Some(b' ' | b'\t')) { k + 1 } else { k };
        let end = match line.get(j) {
            Some(b'>') => j + 1 + usize::from(line.get(j + 1) == Some(&b' ')),
            Some(b'-' | b'*' | b'+') if blank_after(j + 1) => past_blank(j + 1),
            Some(b'0'..=b'9') => {
                let digits = line[j..].iter().take(10).take_while(|b| b.is_ascii_digit()).count();
                let k = j + digits;
                if digits <= 9 && matches!(line.get(k), Some(b'.' | b')')) && blank_after(k + 1) {
                    past_blank(k + 1)
                } else {
                    break;
                }
            }
            _ => break,
        };
        markers += 1;
        if markers == MAX_LINE_MARKERS {
            keep_until = end;
        }
        i = end;
    }
    (markers, keep_until, i)
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
    if let [Inline::Text(text)] = inlines {
        return text.trim().to_string();
    }
    let mut out = String::new();
    inlines_plain_text(inlines, &mut out);
    // Trim in place instead of copying.
    out.truncate(out.trim_end().len());
    let leading = out.len() - out.trim_start().len();
    out.drain(..leading);
    out
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

/// A block container that is still open. Containers of blocks keep their content at the end of the
/// builder's shared buffers (`start` is where theirs begins), so every finished container is
/// allocated once, at its exact size, and no per-container vector grows as content arrives.
enum BlockFrame {
    Root,
    /// Quotes: a plain run of blocks, in `block_buf[start..]`.
    Quote {
        start: usize,
    },
    /// Footnote definitions, definition lists and metadata: their blocks are spliced into the parent.
    Other {
        start: usize,
    },
    /// Items so far in `item_buf[items..]`.
    List {
        start: Option<u64>,
        items: usize,
    },
    /// The item's blocks in `block_buf[start..]`.
    Item {
        start: usize,
    },
    Table {
        head: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
        row: Vec<Vec<Inline>>,
        in_head: bool,
    },
}

/// An inline container that is still open; `start` is where its content begins in `inline_buf`.
enum InlineFrame {
    /// `implicit` marks a paragraph opened for the bare text of a tight list item.
    Paragraph {
        start: usize,
        implicit: bool,
    },
    Heading {
        level: u8,
        start: usize,
    },
    Cell {
        start: usize,
    },
    Strong {
        start: usize,
    },
    Emph {
        start: usize,
    },
    Strike {
        start: usize,
    },
    /// Superscript, subscript and similar: kept as their content.
    Plain {
        start: usize,
    },
    Link {
        url: String,
        start: usize,
    },
    Code {
        lang: Option<String>,
        text: String,
    },
    Html(String),
}

impl InlineFrame {
    /// Where the frame's inline content begins in `inline_buf`; `None` for code and HTML, which
    /// collect text instead.
    fn start(&self) -> Option<usize> {
        match self {
            InlineFrame::Paragraph { start, .. }
            | InlineFrame::Heading { start, .. }
            | InlineFrame::Cell { start }
            | InlineFrame::Strong { start }
            | InlineFrame::Emph { start }
            | InlineFrame::Strike { start }
            | InlineFrame::Plain { start }
            | InlineFrame::Link { start, .. } => Some(*start),
            InlineFrame::Code { .. } | InlineFrame::Html(_) => None,
        }
    }
}

struct Builder {
    blocks: Vec<BlockFrame>,
    inlines: Vec<InlineFrame>,
    /// The content of the open inline frames, innermost last.
    inline_buf: Vec<Inline>,
    /// The blocks of the open quotes, items and other block frames, innermost last.
    block_buf: Vec<Block>,
    /// The items of the open lists, innermost last.
    item_buf: Vec<Vec<Block>>,
    top: Vec<Spanned>,
    /// Offset of the event that opened the top-level block under construction.
    top_offset: usize,
    /// Open quotes, lists and other nesting block frames (what [`MAX_BLOCK_NESTING`] bounds).
    block_depth: usize,
    /// Open block containers past the limit, ignored with their matching ends. Events nest
    /// properly, so every container opened while this is non-zero is past the limit too, and the
    /// next container end belongs to the innermost ignored one.
    flattened_blocks: usize,
    /// Open emphasis, strong, strike, link and image frames (what [`MAX_INLINE_NESTING`] bounds).
    inline_depth: usize,
    /// Inline containers past the limit, ignored with their matching ends.
    flattened_inlines: usize,
    /// Elements built so far (what [`MAX_MARKDOWN_NODES`] bounds).
    nodes: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            blocks: vec![BlockFrame::Root],
            inlines: Vec::new(),
            inline_buf: Vec::new(),
            block_buf: Vec::new(),
            item_buf: Vec::new(),
            top: Vec::new(),
            top_offset: 0,
            block_depth: 0,
            flattened_blocks: 0,
            inline_depth: 0,
            flattened_inlines: 0,
            nodes: 0,
        }
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
        if self.flatten_start(&tag) {
            return;
        }
        let inline_start = self.inline_buf.len();
        let block_start = self.block_buf.len();
        match tag {
            Tag::Paragraph | Tag::DefinitionListTitle | Tag::DefinitionListDefinition => {
                self.inlines.push(InlineFrame::Paragraph { start: inline_start, implicit: false })
            }
            Tag::Heading { level, .. } => {
                self.inlines.push(InlineFrame::Heading { level: level as u8, start: inline_start })
            }
            Tag::BlockQuote(_) => self.blocks.push(BlockFrame::Quote { start: block_start }),
            Tag::FootnoteDefinition(_) | Tag::DefinitionList | Tag::MetadataBlock(_) => {
                self.blocks.push(BlockFrame::Other { start: block_start })
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
            Tag::List(start) => self.blocks.push(BlockFrame::List { start, items: self.item_buf.len() }),
            Tag::Item => {
                self.close_implicit_paragraph();
                self.blocks.push(BlockFrame::Item { start: self.block_buf.len() })
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
            Tag::TableCell => self.inlines.push(InlineFrame::Cell { start: inline_start }),
            Tag::Emphasis => self.inlines.push(InlineFrame::Emph { start: inline_start }),
            Tag::Strong => self.inlines.push(InlineFrame::Strong { start: inline_start }),
            Tag::Strikethrough => self.inlines.push(InlineFrame::Strike { start: inline_start }),
            Tag::Superscript | Tag::Subscript => self.inlines.push(InlineFrame::Plain { start: inline_start }),
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.ensure_inline_context();
                let start = self.inline_buf.len();
                self.inlines.push(InlineFrame::Link { url: dest_url.into_string(), start })
            }
        }
    }

    fn end(&mut self, tag: TagEnd) {
        if self.flatten_end(tag) {
            return;
        }
        match tag {
            TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::CodeBlock
            | TagEnd::HtmlBlock
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition => {
                self.close_implicit_paragraph();
                if let Some(block) = self.inlines.pop().and_then(|frame| self.finish_inline_block(frame)) {
                    self.push_block(block);
                }
            }
            TagEnd::BlockQuote(_) => {
                self.close_implicit_paragraph();
                if let Some(BlockFrame::Quote { start }) = self.pop_block_frame() {
                    let blocks = self.take_blocks(start);
                    self.push_block(Block::Quote(blocks));
                }
            }
            TagEnd::FootnoteDefinition | TagEnd::DefinitionList | TagEnd::MetadataBlock(_) => {
                self.close_implicit_paragraph();
                if let Some(BlockFrame::Other { start }) = self.pop_block_frame() {
                    for block in self.take_blocks(start) {
                        self.push_block(block);
                    }
                }
            }
            TagEnd::List(_) => {
                self.close_implicit_paragraph();
                if let Some(BlockFrame::List { start, items }) = self.pop_block_frame() {
                    let items = self.item_buf.split_off(items.min(self.item_buf.len()));
                    self.push_block(Block::List { start, items });
                }
            }
            TagEnd::Item => {
                self.close_implicit_paragraph();
                if let Some(BlockFrame::Item { start }) = self.pop_block_frame() {
                    let blocks = self.take_blocks(start);
                    if let Some(BlockFrame::List { .. }) = self.blocks.last() {
                        self.item_buf.push(blocks);
                    }
                }
            }
            TagEnd::Table => {
                if let Some(BlockFrame::Table { head, mut rows, .. }) = self.pop_block_frame() {
                    rows.shrink_to_fit();
                    self.push_block(Block::Table { head, rows });
                }
            }
            TagEnd::TableHead => {
                if let Some(BlockFrame::Table { head, row, in_head, .. }) = self.blocks.last_mut() {
                    *head = std::mem::take(row);
                    head.shrink_to_fit();
                    *in_head = false;
                }
            }
            TagEnd::TableRow => {
                if let Some(BlockFrame::Table { rows, row, .. }) = self.blocks.last_mut() {
                    let mut row = std::mem::take(row);
                    row.shrink_to_fit();
                    rows.push(row);
                }
            }
            TagEnd::TableCell => {
                if let Some(InlineFrame::Cell { start }) = self.inlines.last() {
                    let start = *start;
                    self.inlines.pop();
                    let content = self.take_inlines(start);
                    if let Some(BlockFrame::Table { row, .. }) = self.blocks.last_mut() {
                        let full = row.len() >= MAX_TABLE_COLUMNS;
                        match row.last_mut() {
                            // Past the column limit, a cell's text joins the last kept cell.
                            Some(last) if full => {
                                let mut text = String::from(" | ");
                                inlines_plain_text(&content, &mut text);
                                match last.last_mut() {
                                    Some(Inline::Text(prev)) => prev.push_str(&text),
                                    _ => last.push(Inline::Text(text)),
                                }
                            }
                            _ => {
                                self.nodes += 1;
                                row.push(content)
                            }
                        }
                    }
                } else if let Some(frame) = self.inlines.pop() {
                    // A closing cell always meets its own frame in pulldown-cmark output; drop
                    // whatever else is there, as before.
                    self.discard(frame);
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
                    Some(InlineFrame::Emph { start }) => Inline::Emph(self.take_inlines(start)),
                    Some(InlineFrame::Strong { start }) => Inline::Strong(self.take_inlines(start)),
                    Some(InlineFrame::Strike { start }) => Inline::Strike(self.take_inlines(start)),
                    Some(InlineFrame::Link { url, start }) => Inline::Link { url, content: self.take_inlines(start) },
                    Some(InlineFrame::Plain { start }) => {
                        for inline in self.take_inlines(start) {
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

    /// Counts a nesting container as it opens; says whether to ignore it because it is too deep.
    fn flatten_start(&mut self, tag: &Tag<'_>) -> bool {
        match tag {
            Tag::BlockQuote(_)
            | Tag::List(_)
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::MetadataBlock(_) => {
                if self.flattened_blocks > 0 || self.block_depth >= MAX_BLOCK_NESTING {
                    self.flattened_blocks += 1;
                    return true;
                }
                self.block_depth += 1;
            }
            // The items of a flattened list go with it; their blocks join the container kept.
            Tag::Item if self.flattened_blocks > 0 => {
                self.close_implicit_paragraph();
                self.flattened_blocks += 1;
                return true;
            }
            Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. } => {
                if self.flattened_inlines > 0 || self.inline_depth >= MAX_INLINE_NESTING {
                    self.flattened_inlines += 1;
                    return true;
                }
                self.inline_depth += 1;
            }
            _ => {}
        }
        false
    }

    /// Counts a nesting container as it closes; says whether it was one ignored by
    /// [`Builder::flatten_start`].
    fn flatten_end(&mut self, tag: TagEnd) -> bool {
        match tag {
            TagEnd::BlockQuote(_)
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::MetadataBlock(_) => {
                if self.flattened_blocks > 0 {
                    // Keep the text of one flattened item or quote apart from the next.
                    self.close_implicit_paragraph();
                    self.flattened_blocks -= 1;
                    return true;
                }
                if !matches!(tag, TagEnd::Item) {
                    self.block_depth = self.block_depth.saturating_sub(1);
                }
            }
            TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image => {
                if self.flattened_inlines > 0 {
                    self.flattened_inlines -= 1;
                    return true;
                }
                self.inline_depth = self.inline_depth.saturating_sub(1);
            }
            _ => {}
        }
        false
    }

    /// The inline content from `start` on, as a vector of exactly its size.
    fn take_inlines(&mut self, start: usize) -> Vec<Inline> {
        self.inline_buf.split_off(start.min(self.inline_buf.len()))
    }

    /// The blocks from `start` on, as a vector of exactly their size.
    fn take_blocks(&mut self, start: usize) -> Vec<Block> {
        self.block_buf.split_off(start.min(self.block_buf.len()))
    }

    /// Drops a frame and the content it owns.
    fn discard(&mut self, frame: InlineFrame) {
        if let Some(start) = frame.start() {
            self.inline_buf.truncate(start);
        }
    }

    fn pop_block_frame(&mut self) -> Option<BlockFrame> {
        if self.blocks.len() > 1 { self.blocks.pop() } else { None }
    }

    /// Text goes into code and HTML blocks verbatim, and anywhere else as an inline.
    fn push_text(&mut self, text: &str, offset: usize) {
        match self.inlines.last_mut() {
            Some(InlineFrame::Code { text: buf, .. }) | Some(InlineFrame::Html(buf)) => buf.push_str(text),
            // Merge into the text before without allocating a string for this piece first.
            Some(frame) if frame.start().is_some_and(|start| self.inline_buf.len() > start) => {
                match self.inline_buf.last_mut() {
                    Some(Inline::Text(prev)) => prev.push_str(text),
                    _ => self.push_inline(Inline::Text(text.to_string()), offset),
                }
            }
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
        let start = match self.inlines.last_mut() {
            Some(InlineFrame::Code { text, .. }) | Some(InlineFrame::Html(text)) => {
                let mut plain = String::new();
                inline.plain_text(&mut plain);
                text.push_str(&plain);
                return;
            }
            Some(frame) => frame.start().unwrap_or(0),
            None => return,
        };
        // Adjacent text events (pulldown-cmark splits text at entities and brackets) are merged.
        if self.inline_buf.len() > start
            && let (Inline::Text(new), Some(Inline::Text(prev))) = (&inline, self.inline_buf.last_mut())
        {
            prev.push_str(new);
            return;
        }
        self.nodes += 1;
        self.inline_buf.push(inline);
    }

    /// Opens an implicit paragraph when inline content arrives with no inline container open,
    /// as the text of a tight list item does.
    fn ensure_inline_context(&mut self) {
        if self.inlines.is_empty() {
            self.inlines.push(InlineFrame::Paragraph { start: self.inline_buf.len(), implicit: true });
        }
    }

    fn close_implicit_paragraph(&mut self) {
        if let Some(&InlineFrame::Paragraph { start, implicit: true }) = self.inlines.last() {
            self.inlines.pop();
            let content = self.take_inlines(start);
            if !content.is_empty() {
                self.push_block(Block::Paragraph(content));
            }
        }
    }

    fn push_block(&mut self, block: Block) {
        self.nodes += 1;
        match self.blocks.last_mut() {
            Some(BlockFrame::Root) | None => self.top.push(Spanned { offset: self.top_offset, block }),
            Some(BlockFrame::Quote { .. } | BlockFrame::Other { .. } | BlockFrame::Item { .. }) => {
                self.block_buf.push(block)
            }
            Some(BlockFrame::List { .. }) => self.item_buf.push(vec![block]),
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
                && let Some(block) = self.finish_inline_block(frame)
            {
                self.push_block(block);
            }
        }
        while self.blocks.len() > 1 {
            let block = match self.blocks.pop() {
                Some(BlockFrame::Quote { start } | BlockFrame::Other { start } | BlockFrame::Item { start }) => {
                    Block::Quote(self.take_blocks(start))
                }
                Some(BlockFrame::List { start, items }) => {
                    Block::List { start, items: self.item_buf.split_off(items.min(self.item_buf.len())) }
                }
                Some(BlockFrame::Table { head, rows, .. }) => Block::Table { head, rows },
                Some(BlockFrame::Root) | None => break,
            };
            self.push_block(block);
        }
        self.top
    }

    /// Turns a closed inline container into the block it stands for.
    fn finish_inline_block(&mut self, frame: InlineFrame) -> Option<Block> {
        match frame {
            InlineFrame::Paragraph { start, .. } => Some(Block::Paragraph(self.take_inlines(start))),
            InlineFrame::Heading { level, start } => Some(Block::Heading { level, content: self.take_inlines(start) }),
            InlineFrame::Code { lang, text } => Some(Block::Code { lang, text }),
            InlineFrame::Html(text) => {
                let text = text.trim();
                (!text.is_empty()).then(|| Block::Paragraph(vec![Inline::Text(text.to_string())]))
            }
            InlineFrame::Cell { start }
            | InlineFrame::Strong { start }
            | InlineFrame::Emph { start }
            | InlineFrame::Strike { start }
            | InlineFrame::Plain { start }
            | InlineFrame::Link { start, .. } => Some(Block::Paragraph(self.take_inlines(start))),
        }
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

    fn depth(blocks: &[Block]) -> usize {
        let inner = |b: &Block| match b {
            Block::Quote(inner) => 1 + depth(inner),
            Block::List { items, .. } => 1 + items.iter().map(|i| depth(i)).max().unwrap_or(0),
            _ => 0,
        };
        blocks.iter().map(inner).max().unwrap_or(0)
    }

    #[test]
    fn the_fold_flattens_deep_containers_itself() {
        // Straight into the fold, without the line-prefix cut: the tree stays shallow on a small stack.
        let shallow = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| {
                let quotes = blocks(&format!("{}x\n", "> ".repeat(200_000)));
                let lists = blocks(&format!("{}x\n", "- ".repeat(200_000)));
                let text = |b: &[Block]| {
                    let mut out = String::new();
                    blocks_plain_text(b, &mut out);
                    out
                };
                (depth(&quotes), depth(&lists), text(&quotes), text(&lists))
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!((shallow.0, shallow.1), (MAX_BLOCK_NESTING, MAX_BLOCK_NESTING));
        assert_eq!((shallow.2.trim(), shallow.3.trim()), ("x", "x"));
        // Inline markup past its limit keeps the text.
        let b = blocks(&format!("{}deep{}", "*".repeat(40), "*".repeat(40)));
        let mut out = String::new();
        blocks_plain_text(&b, &mut out);
        assert_eq!(out, "deep\n");
    }

    #[test]
    fn wide_tables_keep_their_text_in_the_last_kept_column() {
        let head: String = (0..40).map(|i| format!("| h{i} ")).collect();
        let rule = "|---".repeat(40);
        let row: String = (0..40).map(|i| format!("| **c{i}** ")).collect();
        let b = blocks(&format!("{head}|\n{rule}|\n{row}|\n"));
        let Block::Table { head, rows } = &b[0] else { panic!("{b:?}") };
        assert_eq!(head.len(), MAX_TABLE_COLUMNS);
        assert_eq!(rows[0].len(), MAX_TABLE_COLUMNS);
        let mut last = String::new();
        inlines_plain_text(&rows[0][MAX_TABLE_COLUMNS - 1], &mut last);
        assert!(last.starts_with("c15 | c16 | c17") && last.ends_with("| c39"), "{last}");
        assert_eq!(rows[0][0], vec![Inline::Strong(vec![text("c0")])]);
    }

    #[test]
    fn deep_line_prefixes_are_cut_and_the_rest_kept() {
        assert!(matches!(limit_container_prefixes("> a\n- b\n"), std::borrow::Cow::Borrowed(_)));
        let deep = format!("intro\n{}x\n> fine\n", "> ".repeat(1000));
        let cut = limit_container_prefixes(&deep);
        assert_eq!(cut, format!("intro\n{}x\n> fine\n", "> ".repeat(MAX_LINE_MARKERS)));
        let mixed = format!("{}1. y\n", ">- ".repeat(500));
        let cut = limit_container_prefixes(&mixed);
        assert!(cut.ends_with("y\n") && cut.lines().count() == 1 && cut.len() < 200, "{cut}");
        // `*x` and `1.5` are not markers: emphasis and numbers are left alone.
        let text = format!("{}\n{}\n", "*x".repeat(100), "1.5 ".repeat(100));
        assert!(matches!(limit_container_prefixes(&text), std::borrow::Cow::Borrowed(_)));
        // A run of markers with no content keeps its line.
        let bare = format!("{}\nnext\n", "- ".repeat(100));
        assert_eq!(limit_container_prefixes(&bare).lines().count(), 2);
        let exact = format!("{}x", "> ".repeat(MAX_LINE_MARKERS));
        assert!(matches!(limit_container_prefixes(&exact), std::borrow::Cow::Borrowed(_)));
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
