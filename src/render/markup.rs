//! Markdown blocks to a chat markup: one walker, one small [`Dialect`] per platform.
//!
//! Discord markdown, Slack mrkdwn and plain terminal text differ in how they spell bold, links,
//! headings and escapes, not in how a list or a quote nests. The walker here handles the nesting;
//! each dialect spells the pieces. Tables become lists everywhere (neither platform renders Markdown
//! tables). [`cut`] shortens text on a character boundary without leaving a code fence open.

use crate::digest::{Block, Inline};

/// How one platform spells inline markup.
pub trait Dialect {
    /// Appends `text` with the characters this markup treats as syntax made literal.
    fn escape(&self, text: &str, out: &mut String);
    fn strong(&self, inner: &str) -> String;
    fn emph(&self, inner: &str) -> String;
    fn strike(&self, inner: &str) -> String;
    fn code(&self, code: &str) -> String;
    fn link(&self, text: &str, url: &str) -> String;
    /// A heading line; `allowed` is false where the platform does not render headings.
    fn heading(&self, level: u8, text: &str, allowed: bool) -> String;
    /// A fenced code block around `text` (whose own fences are already broken up).
    fn code_block(&self, text: &str) -> String {
        format!("```\n{text}\n```")
    }
    /// The bullet of an unordered list item at this nesting depth.
    fn bullet(&self, depth: usize) -> &'static str {
        if depth == 0 { "•" } else { "◦" }
    }
}

/// Renders blocks; `headings` says whether heading syntax renders where this text goes.
pub fn blocks(dialect: &impl Dialect, blocks: &[Block], headings: bool) -> String {
    Walker { dialect, headings }.blocks(blocks, 0)
}

/// Renders a run of inlines.
pub fn inlines(dialect: &impl Dialect, inlines: &[Inline]) -> String {
    let mut out = String::new();
    Walker { dialect, headings: false }.inlines(inlines, &mut out);
    out
}

struct Walker<'d, D> {
    dialect: &'d D,
    headings: bool,
}

impl<D: Dialect> Walker<'_, D> {
    fn blocks(&self, blocks: &[Block], depth: usize) -> String {
        let mut out = String::new();
        let mut previous_was_heading = false;
        for block in blocks {
            let text = self.block(block, depth);
            if text.trim().is_empty() {
                continue;
            }
            if !out.is_empty() {
                // Lists nest tightly; a heading sits right above its text.
                out.push_str(if depth > 0 || previous_was_heading { "\n" } else { "\n\n" });
            }
            out.push_str(text.trim_end());
            previous_was_heading = matches!(block, Block::Heading { .. });
        }
        out
    }

    fn block(&self, block: &Block, depth: usize) -> String {
        match block {
            Block::Heading { level, content } => {
                let mut text = String::new();
                self.inlines(content, &mut text);
                self.dialect.heading(*level, text.trim(), self.headings)
            }
            Block::Paragraph(content) => {
                let mut text = String::new();
                self.inlines(content, &mut text);
                text
            }
            Block::List { start, items } => {
                let mut out = String::new();
                for (i, item) in items.iter().enumerate() {
                    let marker = match start {
                        Some(n) => format!("{}.", n.saturating_add(i as u64)),
                        None => self.dialect.bullet(depth).to_string(),
                    };
                    let body = self.blocks(item, depth + 1);
                    push_item(&mut out, &marker, &body);
                }
                out
            }
            Block::Code { text, .. } => {
                let text = text.trim_end_matches('\n').replace("```", "`\u{200b}``");
                self.dialect.code_block(&text)
            }
            Block::Quote(inner) => {
                let text = self.blocks(inner, depth);
                text.lines().map(|l| format!("> {l}")).collect::<Vec<_>>().join("\n")
            }
            Block::Table { head, rows } => self.table(head, rows),
            Block::Rule => String::new(),
        }
    }

    /// A table as a list: `• **first cell** — other · cells` per row.
    fn table(&self, head: &[Vec<Inline>], rows: &[Vec<Vec<Inline>>]) -> String {
        // A table with only a header row still shows its header.
        let rows: Vec<&[Vec<Inline>]> =
            if rows.is_empty() { vec![head] } else { rows.iter().map(Vec::as_slice).collect() };
        let mut out = String::new();
        for row in rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| {
                    let mut s = String::new();
                    self.inlines(c, &mut s);
                    s.trim().to_string()
                })
                .collect();
            let Some((first, rest)) = cells.split_first() else { continue };
            let rest: Vec<&str> = rest.iter().map(String::as_str).filter(|c| !c.is_empty()).collect();
            let mut line = if first.is_empty() { String::new() } else { self.dialect.strong(first) };
            if !rest.is_empty() {
                if !line.is_empty() {
                    line.push_str(" — ");
                }
                line.push_str(&rest.join(" · "));
            }
            push_item(&mut out, self.dialect.bullet(0), &line);
        }
        out
    }

    fn inlines(&self, inlines: &[Inline], out: &mut String) {
        for inline in inlines {
            match inline {
                Inline::Text(t) => self.dialect.escape(t, out),
                Inline::Code(c) => out.push_str(&self.dialect.code(c)),
                Inline::Strong(c) => self.wrap(c, out, |d, s| d.strong(s)),
                Inline::Emph(c) => self.wrap(c, out, |d, s| d.emph(s)),
                Inline::Strike(c) => self.wrap(c, out, |d, s| d.strike(s)),
                Inline::Link { url, content } => {
                    let mut text = String::new();
                    self.inlines(content, &mut text);
                    let text = text.trim();
                    if url.is_empty() {
                        out.push_str(text);
                    } else {
                        out.push_str(&self.dialect.link(if text.is_empty() { url } else { text }, url));
                    }
                }
                Inline::Break => out.push('\n'),
                Inline::SoftBreak => out.push(' '),
            }
        }
    }

    /// Wraps the rendered inner text in markup, keeping white space outside the markers (neither
    /// platform renders `** bold**`).
    fn wrap(&self, content: &[Inline], out: &mut String, mark: impl Fn(&D, &str) -> String) {
        let mut inner = String::new();
        self.inlines(content, &mut inner);
        let trimmed = inner.trim();
        if trimmed.is_empty() {
            out.push_str(&inner);
            return;
        }
        let lead = &inner[..inner.len() - inner.trim_start().len()];
        let trail = &inner[inner.trim_end().len()..];
        out.push_str(lead);
        out.push_str(&mark(self.dialect, trimmed));
        out.push_str(trail);
    }
}

/// Appends a list item: the marker, then the body with continuation lines indented under it.
fn push_item(out: &mut String, marker: &str, body: &str) {
    if !out.is_empty() {
        out.push('\n');
    }
    let indent = " ".repeat(marker.chars().count() + 1);
    out.push_str(marker);
    out.push(' ');
    for (i, line) in body.lines().enumerate() {
        if i > 0 {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&indent);
            }
        }
        out.push_str(line);
    }
}

/// Number of code points after trimming: how Discord counts.
pub fn count(text: &str) -> usize {
    text.trim().chars().count()
}

/// `text` trimmed; if it has more than `max` code points, cut so that it plus `suffix` fits in
/// `max`, preferring a line or word boundary near the end, closing an open code fence, then `suffix`.
pub fn cut(text: &str, max: usize, suffix: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let budget = max.saturating_sub(suffix.chars().count());
    let mut out = cut_at(text, budget);
    const FENCE_CLOSE: &str = "\n```";
    if out.matches("```").count() % 2 == 1 {
        // Cut again, leaving room to close the fence that the cut left open.
        out = cut_at(text, budget.saturating_sub(FENCE_CLOSE.len()));
        if out.matches("```").count() % 2 == 1 {
            out.push_str(FENCE_CLOSE);
        }
    }
    out.push_str(suffix);
    out
}

/// At most `budget` code points of `text`, backing up to white space if there is some in the last
/// fifth, so words stay whole.
fn cut_at(text: &str, budget: usize) -> String {
    let hard_end = text.char_indices().nth(budget).map_or(text.len(), |(i, _)| i);
    let head = &text[..hard_end];
    let soft_end =
        head.char_indices().rev().take(budget / 5).find(|(_, c)| c.is_whitespace()).map_or(hard_end, |(i, _)| i);
    text[..soft_end].trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::markdown::parse_blocks;

    /// Markdown-like spelling, to test the walker itself.
    struct Plain;

    impl Dialect for Plain {
        fn escape(&self, text: &str, out: &mut String) {
            out.push_str(text)
        }
        fn strong(&self, inner: &str) -> String {
            format!("**{inner}**")
        }
        fn emph(&self, inner: &str) -> String {
            format!("_{inner}_")
        }
        fn strike(&self, inner: &str) -> String {
            format!("~{inner}~")
        }
        fn code(&self, code: &str) -> String {
            format!("`{code}`")
        }
        fn link(&self, text: &str, url: &str) -> String {
            format!("[{text}]({url})")
        }
        fn heading(&self, level: u8, text: &str, allowed: bool) -> String {
            if allowed { format!("{} {text}", "#".repeat(level as usize)) } else { format!("**{text}**") }
        }
    }

    fn check(md: &str, expected: &str) {
        let parsed: Vec<Block> = parse_blocks(md).into_iter().map(|s| s.block).collect();
        assert_eq!(blocks(&Plain, &parsed, true), expected, "markdown: {md:?}");
    }

    #[test]
    fn walker_cases() {
        check("### 배운 점\n- **A**: b\n- c\n", "### 배운 점\n• **A**: b\n• c");
        check("para one\n\npara two", "para one\n\npara two");
        check("- a\n  - b\n    - c\n", "• a\n  ◦ b\n    ◦ c");
        check("3. x\n4. y\n", "3. x\n4. y");
        check("> q1\n> q2\n", "> q1 q2");
        check("```\ncode\n```\n", "```\ncode\n```");
        check("** spaced**", "** spaced**");
        check("a *b* ~~c~~ `d` [e](http://f)", "a _b_ ~c~ `d` [e](http://f)");
        check("| k | s |\n|---|---|\n| ADR | Woowa |\n| X | |\n", "• **ADR** — Woowa\n• **X**");
        check("- item\n\n  second para\n", "• item\n  second para");
        check("```\na ``` b\n```", "```\na `\u{200b}`` b\n```");
    }

    #[test]
    fn headings_can_be_turned_off() {
        let parsed: Vec<Block> = parse_blocks("## T\nbody").into_iter().map(|s| s.block).collect();
        assert_eq!(blocks(&Plain, &parsed, false), "**T**\nbody");
    }

    #[test]
    fn cut_keeps_characters_whole_and_fences_closed() {
        assert_eq!(cut("  short  ", 10, "…"), "short");
        let korean = "가나다라마바사아자차카타파하".repeat(10);
        let c = cut(&korean, 50, "…");
        assert!(c.chars().count() <= 50 && c.ends_with('…'));
        let code = format!("intro\n```\n{}\n```", "x ".repeat(200));
        let c = cut(&code, 100, "…");
        assert!(c.chars().count() <= 100);
        assert_eq!(c.matches("```").count() % 2, 0, "{c}");
        let words = "word ".repeat(100);
        assert!(cut(&words, 53, "…").ends_with("word…"));
    }
}
