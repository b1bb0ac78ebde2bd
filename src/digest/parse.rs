//! From the bytes of one digest file to a [`Digest`], or an error naming the file and the line.
//!
//! The steps: drop a UTF-8 BOM, decode, turn CRLF into LF and normalise to NFC (see [`super::text`]),
//! split off and read the YAML front matter (see [`super::front_matter`]), parse the Markdown with
//! pulldown-cmark into blocks, then cut the blocks into the intro, the `##` sections and the footer,
//! and the sections into articles (heading, author and link lines) and extras (the keyword table's
//! rows among them). Section structure comes from Markdown events, so a `## ` line inside a fenced
//! code block stays code. The parser is total: any input gives a digest or a [`ParseError`].
//!
//! Its cost is bounded by [`Limits`]: the file's size and the front matter's caps are checked before
//! the work they bound, and a digest with too many articles or sections is refused. pulldown-cmark
//! is linear in its input, and the Markdown fold flattens deep nesting (see [`super::markdown`]).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use chrono::NaiveDate;

use super::front_matter::{self, FrontMatter, MAX_FRONT_MATTER_BRACKETS, MAX_FRONT_MATTER_NESTING};
use super::markdown::{
    Block, Inline, MAX_MARKDOWN_NODES, Spanned, inlines_to_string, limit_container_prefixes, parse_blocks_bounded,
};
use super::text;
use super::{Article, Digest, KeywordEntry, Limits, Section};

/// How many `##` sections other than articles (the keyword table, notes) a digest may have.
pub const MAX_OTHER_SECTIONS: usize = 20;

/// How many keyword-table rows are read; a digest's table has a dozen.
pub const MAX_KEYWORDS: usize = 100;

/// A digest file that cannot be used, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub path: String,
    /// 1-based line in the file.
    pub line: usize,
    pub kind: ParseErrorKind,
}

/// Why a digest file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    #[error("the file cannot be read: {0}")]
    Unreadable(String),
    #[error("the file is not valid UTF-8")]
    InvalidUtf8,
    #[error("the file is empty")]
    Empty,
    #[error("the front matter opened with `---` is never closed by a `---` line")]
    UnclosedFrontMatter,
    #[error("the front matter is not valid YAML: {0}")]
    Yaml(String),
    #[error("the front matter must be a mapping of `key: value` lines")]
    NotAMapping,
    #[error("front matter field `{field}`: {message}")]
    Field { field: &'static str, message: String },
    #[error("no date: add `date: YYYY-MM-DD` to the front matter or put YYYY-MM-DD in the file name")]
    NoDate,
    #[error("{other} already has the date {date}; each digest needs its own date")]
    DuplicateDate { other: String, date: NaiveDate },
    #[error("the file is {size} bytes, over the limit of {limit} (limits.max_digest_bytes)")]
    TooLarge { size: u64, limit: u64 },
    #[error("the front matter is {size} bytes, over the limit of {limit} (limits.max_front_matter_bytes)")]
    FrontMatterTooLarge { size: usize, limit: usize },
    #[error("the front matter nests `[` or `{{` deeper than {MAX_FRONT_MATTER_NESTING} levels")]
    FrontMatterTooDeep,
    #[error("the front matter holds more than {MAX_FRONT_MATTER_BRACKETS} `[` and `{{`")]
    FrontMatterTooManyBrackets,
    #[error("the digest has more than {limit} articles (limits.max_articles); this is the first one over")]
    TooManyArticles { limit: usize },
    #[error(
        "the digest has more than {limit} `##` sections (limits.max_articles articles and {MAX_OTHER_SECTIONS} \
         others); this is the first one over"
    )]
    TooManySections { limit: usize },
    #[error(
        "the digest has more than {MAX_MARKDOWN_NODES} Markdown elements (text runs, links, emphasis, list \
         items, table cells); a digest needs a few thousand"
    )]
    TooComplex,
    #[error("not a regular file ({0}): only regular files and symlinks to them inside the digests folder are read")]
    NotAFile(&'static str),
    #[error("a symlink that leads outside the digests folder, to {0}; it is not read")]
    OutsideFolder(String),
    #[error("a symlink that leads nowhere (it dangles or loops)")]
    BrokenLink,
    #[error(
        "the file changed while it was being read; it is read again at the next poll (write digests to a temporary name, then rename)"
    )]
    Changing,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.kind)
    }
}

impl std::error::Error for ParseError {}

/// Parses one digest file under the default [`Limits`]; see [`parse_with`].
pub fn parse(path: &str, bytes: &[u8]) -> Result<Digest, ParseError> {
    parse_with(path, bytes, &Limits::default())
}

/// Parses one digest file. `path` is only used to name the file in errors and, when the front matter
/// has no date, to find a `YYYY-MM-DD` in the file name. A file over one of the `limits` is an error
/// naming the limit.
pub fn parse_with(path: &str, bytes: &[u8], limits: &Limits) -> Result<Digest, ParseError> {
    let err = |line: usize, kind: ParseErrorKind| ParseError { path: path.to_string(), line, kind };
    if bytes.len() as u64 > limits.max_digest_bytes {
        return Err(err(1, ParseErrorKind::TooLarge { size: bytes.len() as u64, limit: limits.max_digest_bytes }));
    }

    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        err(line, ParseErrorKind::InvalidUtf8)
    })?;
    let text = text::normalise(text);
    // Of the normalised text: a change of line endings or normal form alone is no new version.
    let version = crate::fnv::fingerprint(text.as_bytes());
    if text.trim().is_empty() {
        return Err(err(1, ParseErrorKind::Empty));
    }

    let (front, body, body_line) =
        front_matter::split(&text).ok_or_else(|| err(1, ParseErrorKind::UnclosedFrontMatter))?;
    let meta = match front {
        Some(yaml) => FrontMatter::read(yaml, limits.max_front_matter_bytes).map_err(|(line, kind)| err(line, kind))?,
        None => FrontMatter::default(),
    };

    let max_sections = limits.max_articles.saturating_add(MAX_OTHER_SECTIONS);
    let mut doc = Sections::cut(body, body_line, max_sections);
    if let Some(line) = doc.too_complex {
        return Err(err(line, ParseErrorKind::TooComplex));
    }
    let overflow = doc.overflow.take();
    let (date, date_line) = match meta.date {
        Some(date) => date,
        None => (date_in_file_name(path).ok_or_else(|| err(1, ParseErrorKind::NoDate))?, 1),
    };
    let title = meta.title.or(doc.heading.take()).unwrap_or_else(|| file_stem(path).to_string());

    let mut articles = Vec::new();
    let mut extras = Vec::new();
    let mut keywords = Vec::new();
    for section in doc.sections {
        match Article::from_section(section, articles.len() as u32 + 1) {
            Ok(article) => articles.push(article),
            Err(section) => {
                keywords.extend(keyword_rows(&section));
                extras.push(section);
            }
        }
    }

    // The sections were cut short past `max_sections`: name the cap that was met first.
    if articles.len() > limits.max_articles {
        let line = articles[limits.max_articles].line;
        return Err(err(line, ParseErrorKind::TooManyArticles { limit: limits.max_articles }));
    }
    if extras.len() > MAX_OTHER_SECTIONS {
        let line = extras[MAX_OTHER_SECTIONS].line;
        return Err(err(line, ParseErrorKind::TooManySections { limit: max_sections }));
    }
    if let Some(line) = overflow {
        return Err(err(line, ParseErrorKind::TooManySections { limit: max_sections }));
    }
    keywords.truncate(MAX_KEYWORDS);

    Ok(Digest {
        path: path.to_string(),
        title,
        date,
        date_line,
        category: meta.category,
        tags: meta.tags,
        author: meta.author,
        description: meta.description,
        intro: doc.intro,
        articles,
        extras,
        keywords,
        footer: doc.footer,
        version,
    })
}

/// `YYYY-MM-DD`, exactly.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    // All digits (the usual case): read the numbers directly, as `%Y-%m-%d` would.
    let digits = |range: Range<usize>| {
        b[range].iter().try_fold(0u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    if let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) {
        return NaiveDate::from_ymd_opt(y as i32, m, d);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The first `YYYY-MM-DD` in the file name of `path` that is a real date.
fn date_in_file_name(path: &str) -> Option<NaiveDate> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let bytes = name.as_bytes();
    (0..bytes.len().saturating_sub(9)).find_map(|i| {
        let candidate = name.get(i..i + 10)?;
        let digits_ok =
            candidate.bytes().enumerate().all(|(j, b)| if j == 4 || j == 7 { b == b'-' } else { b.is_ascii_digit() });
        if digits_ok { parse_date(candidate) } else { None }
    })
}

fn file_stem(path: &str) -> &str {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// The body cut into its parts.
struct Sections {
    /// Text of the first `# ` heading before any section.
    heading: Option<String>,
    intro: Vec<Block>,
    sections: Vec<Section>,
    footer: Option<String>,
    /// The line of the first `##` section past the cap, when there is one (nothing after it is cut).
    overflow: Option<usize>,
    /// The line where the Markdown went past [`MAX_MARKDOWN_NODES`] (nothing was cut then).
    too_complex: Option<usize>,
}

impl Sections {
    fn cut(body: &str, body_line: usize, max_sections: usize) -> Sections {
        let body = limit_container_prefixes(body);
        let body = body.as_ref();
        let mut lines = LineCounter::new(body, body_line);
        let mut heading = None;
        let mut intro = Vec::new();
        let mut sections: Vec<Section> = Vec::new();
        let blocks = match parse_blocks_bounded(body, MAX_MARKDOWN_NODES) {
            Ok(blocks) => blocks,
            Err(offset) => {
                let line = lines.line_at(offset);
                return Sections { heading, intro, sections, footer: None, overflow: None, too_complex: Some(line) };
            }
        };
        // How many blocks follow each `##` heading, so every section body is allocated once.
        let mut sizes = blocks
            .split(|b| matches!(b.block, Block::Heading { level: 2, .. }))
            .skip(1)
            .map(<[Spanned]>::len)
            .collect::<Vec<_>>()
            .into_iter();
        for Spanned { offset, block } in blocks {
            match block {
                Block::Heading { level: 2, .. } if sections.len() == max_sections => {
                    let line = lines.line_at(offset);
                    return Sections {
                        heading,
                        intro,
                        sections,
                        footer: None,
                        overflow: Some(line),
                        too_complex: None,
                    };
                }
                Block::Heading { level: 2, content } => sections.push(Section {
                    title: inlines_into_string(content),
                    body: Vec::with_capacity(sizes.next().unwrap_or(0)),
                    line: lines.line_at(offset),
                }),
                Block::Heading { level: 1, content } if heading.is_none() && sections.is_empty() => {
                    heading = Some(inlines_to_string(&content)).filter(|t| !t.is_empty())
                }
                block => match sections.last_mut() {
                    Some(section) => section.body.push(block),
                    None => intro.push(block),
                },
            }
        }
        let last_body = match sections.last_mut() {
            Some(section) => &mut section.body,
            None => &mut intro,
        };
        trim_rules(last_body);
        let footer = take_footer(last_body);
        trim_rules(&mut intro);
        for section in &mut sections {
            trim_rules(&mut section.body);
        }
        Sections { heading, intro, sections, footer, overflow: None, too_complex: None }
    }
}

/// [`inlines_to_string`], reusing the string of a lone text inline that needs no trimming.
fn inlines_into_string(inlines: Vec<Inline>) -> String {
    match <[Inline; 1]>::try_from(inlines) {
        Ok([Inline::Text(text)]) if text.trim().len() == text.len() => text,
        Ok(one) => inlines_to_string(&one),
        Err(inlines) => inlines_to_string(&inlines),
    }
}

/// Maps increasing byte offsets to 1-based file lines.
struct LineCounter<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str, first_line: usize) -> Self {
        LineCounter { text, pos: 0, line: first_line }
    }

    fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset >= self.pos {
            self.line += self.text.as_bytes()[self.pos..offset].iter().filter(|&&b| b == b'\n').count();
            self.pos = offset;
        }
        self.line
    }
}

/// Thematic breaks (`---`) only separate sections: drop them at either end of a run of blocks.
fn trim_rules(blocks: &mut Vec<Block>) {
    while blocks.last() == Some(&Block::Rule) {
        blocks.pop();
    }
    let leading = blocks.iter().take_while(|b| **b == Block::Rule).count();
    blocks.drain(..leading);
}

/// Removes and returns the closing italic line: a last paragraph that is nothing but emphasis.
fn take_footer(blocks: &mut Vec<Block>) -> Option<String> {
    let Some(Block::Paragraph(content)) = blocks.last() else { return None };
    let meaningful: Vec<&Inline> =
        content.iter().filter(|i| !matches!(i, Inline::Text(t) if t.trim().is_empty())).collect();
    let [Inline::Emph(inner)] = meaningful.as_slice() else { return None };
    let text = inlines_to_string(inner);
    blocks.pop();
    trim_rules(blocks);
    Some(text).filter(|t| !t.is_empty())
}

/// Labels of the author line (`**저자:**`), compared case-insensitively.
const AUTHOR_LABELS: &[&str] = &["저자", "작성자", "글쓴이", "author", "authors"];
/// Labels of the link line (`**링크:**`).
const LINK_LABELS: &[&str] = &["링크", "원문", "link", "url"];

/// The parts of an article heading such as `1. 토스 - "레거시 인프라"`.
#[derive(Debug, PartialEq, Eq)]
struct HeadingParts {
    number: Option<u32>,
    source: String,
    title: String,
    separated: bool,
    quoted: bool,
}

impl Article {
    /// The article a section stands for, or the section itself, untouched, when it is an extra (like
    /// the keyword table). `position` numbers articles whose heading has no number.
    fn from_section(mut section: Section, position: u32) -> Result<Article, Section> {
        let parts = parse_heading(&section.title);
        let by_heading = parts.number.is_some() || (parts.separated && parts.quoted);
        let (body, author, link) = if by_heading {
            // An article whatever its body says: take the body over instead of copying it.
            let mut body = std::mem::take(&mut section.body);
            let (author, link, _) = take_labelled_lines(&mut body);
            (body, author, link)
        } else if section
            .body
            .iter()
            .any(|b| matches!(b, Block::Paragraph(c) if c.iter().any(|i| matches!(i, Inline::Strong(_)))))
        {
            // Only a labelled line (in bold) makes this an article; try on a copy.
            let mut body = section.body.clone();
            let (author, link, labelled) = take_labelled_lines(&mut body);
            if !labelled {
                return Err(section);
            }
            (body, author, link)
        } else {
            return Err(section);
        };
        Ok(Article {
            number: parts.number.unwrap_or(position),
            source: parts.source,
            title: parts.title,
            author,
            link,
            body,
            line: section.line,
        })
    }
}

fn parse_heading(text: &str) -> HeadingParts {
    let text = text.trim();
    let (number, rest) = split_number(text);
    let found = find_separator(rest);
    let quote_at = rest.find(['"', '“', '\'', '‘', '「', '『']);
    let (source, title, separated) = match found {
        // A separator inside the quoted title is part of the title.
        Some((i, sep)) if quote_at.is_none_or(|q| i < q) => (rest[..i].trim(), rest[i + sep.len()..].trim(), true),
        _ => ("", rest, false),
    };
    let (title, quoted) = unquote(title);
    HeadingParts { number, source: source.to_string(), title: title.to_string(), separated, quoted }
}

/// The earliest separator between source and title, and where it is; at the same place the longer
/// (spaced) form wins. One pass over the bytes: every separator starts with a space, a colon or the
/// first byte of a dash (0xE2), and no two of them match at the same place.
fn find_separator(text: &str) -> Option<(usize, &'static str)> {
    const SEPARATORS: &[&str] = &[" - ", " — ", " – ", "—", "–", ": "];
    let bytes = text.as_bytes();
    bytes.iter().enumerate().filter(|(_, b)| matches!(b, b' ' | b':' | 0xE2)).find_map(|(i, _)| {
        SEPARATORS
            .iter()
            .filter(|sep| bytes[i..].starts_with(sep.as_bytes()))
            .max_by_key(|sep| sep.len())
            .map(|sep| (i, *sep))
    })
}

/// `12. rest` or `12) rest` gives `(Some(12), "rest")`.
fn split_number(text: &str) -> (Option<u32>, &str) {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 6 {
        return (None, text);
    }
    let rest = &text[digits..];
    match rest.strip_prefix('.').or_else(|| rest.strip_prefix(')')) {
        Some(after) if after.starts_with(char::is_whitespace) || after.is_empty() => {
            (text[..digits].parse().ok(), after.trim_start())
        }
        _ => (None, text),
    }
}

/// Strips one pair of straight or curly quotes (or corner brackets) around `text`.
fn unquote(text: &str) -> (&str, bool) {
    const PAIRS: &[(char, char)] =
        &[('"', '"'), ('“', '”'), ('\'', '\''), ('‘', '’'), ('「', '」'), ('『', '』'), ('"', '”'), ('“', '"')];
    for (open, close) in PAIRS {
        if let Some(inner) = text.strip_prefix(*open).and_then(|t| t.strip_suffix(*close)) {
            return (inner.trim(), true);
        }
    }
    (text, false)
}

/// Finds the author and link lines among the top-level paragraphs of an article, removes them from
/// the body and returns their values (and whether any labelled line was found).
fn take_labelled_lines(body: &mut Vec<Block>) -> (Option<String>, Option<String>, bool) {
    let mut author = None;
    let mut link = None;
    let mut found = false;
    for block in body.iter_mut() {
        let Block::Paragraph(content) = block else { continue };
        // The lines taken out (at most two); the paragraph is rebuilt only when there are some.
        let mut taken: Vec<Range<usize>> = Vec::new();
        for range in line_ranges(content) {
            if author.is_some() && link.is_some() {
                break;
            }
            match labelled_line(&content[range.clone()]) {
                Some((Label::Author, value)) if author.is_none() => {
                    let text = inlines_to_string(value);
                    let text = text.trim_start_matches([':', '：']).trim();
                    author = Some(text.to_string()).filter(|s| !s.is_empty());
                    taken.push(range);
                }
                Some((Label::Link, value)) if link.is_none() => {
                    if let Some(url) = find_url(value) {
                        link = Some(url);
                        taken.push(range);
                    }
                }
                _ => {}
            }
        }
        if !taken.is_empty() {
            found = true;
            let mut kept: Vec<Inline> = Vec::with_capacity(content.len());
            // `taken` is in line order (an empty author line is taken and the next one tried, so it
            // can hold many lines): walk it alongside instead of searching it per line.
            let mut next_taken = taken.iter().peekable();
            for range in line_ranges(content) {
                if next_taken.peek() == Some(&&range) {
                    next_taken.next();
                    continue;
                }
                if !kept.is_empty() {
                    kept.push(Inline::Break);
                }
                kept.extend_from_slice(&content[range]);
            }
            *content = kept;
        }
    }
    body.retain(|b| !matches!(b, Block::Paragraph(c) if c.is_empty()));
    (author, link, found)
}

/// The index ranges of a paragraph's lines (its inlines split at line breaks), empty lines left out.
fn line_ranges(content: &[Inline]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    let mut i = 0;
    std::iter::from_fn(move || {
        while i <= content.len() {
            let at_break = i == content.len() || matches!(content[i], Inline::Break | Inline::SoftBreak);
            i += 1;
            if at_break {
                let range = start..i - 1;
                start = i;
                if !range.is_empty() {
                    return Some(range);
                }
            }
        }
        None
    })
}

enum Label {
    Author,
    Link,
}

/// `**저자:** value` (or `**저자**: value`) gives the label and the inlines of the value.
fn labelled_line(line: &[Inline]) -> Option<(Label, &[Inline])> {
    let start = line.iter().position(|i| !matches!(i, Inline::Text(t) if t.trim().is_empty()))?;
    let Inline::Strong(label) = &line[start] else { return None };
    // A label is nearly always one text inline: read it in place.
    let kind = match label.as_slice() {
        [Inline::Text(text)] => label_kind(text.trim()),
        _ => label_kind(&inlines_to_string(label)),
    }?;
    Some((kind, &line[start + 1..]))
}

/// Which label `text` (trimmed bold text) is, compared in lower case.
fn label_kind(text: &str) -> Option<Label> {
    let label = text.trim_end_matches([':', '：']).trim();
    // Lower-casing allocates; skip it when no character would change.
    let unchanged = label.chars().all(|c| {
        let mut lower = c.to_lowercase();
        lower.next() == Some(c) && lower.next().is_none()
    });
    let lower = if unchanged { Cow::Borrowed(label) } else { Cow::Owned(label.to_lowercase()) };
    if AUTHOR_LABELS.contains(&lower.as_ref()) {
        Some(Label::Author)
    } else if LINK_LABELS.contains(&lower.as_ref()) {
        Some(Label::Link)
    } else {
        None
    }
}

/// The first link target, or the first bare `http(s)://` URL in the text.
fn find_url(inlines: &[Inline]) -> Option<String> {
    for inline in inlines {
        match inline {
            Inline::Link { url, .. } if !url.is_empty() => return Some(url.clone()),
            Inline::Text(t) | Inline::Code(t) => {
                if let Some(url) = t.split_whitespace().find(|w| w.starts_with("http://") || w.starts_with("https://"))
                {
                    return Some(url.trim_end_matches([')', '.', ',', '>', ']']).to_string());
                }
            }
            Inline::Strong(c) | Inline::Emph(c) | Inline::Strike(c) => {
                if let Some(url) = find_url(c) {
                    return Some(url);
                }
            }
            _ => {}
        }
    }
    None
}

/// The (keyword, source) rows of a keyword table: a table in a section whose heading (or first header
/// cell) says "키워드" or "keyword".
fn keyword_rows(section: &Section) -> Vec<KeywordEntry> {
    let is_keyword_text = |t: &str| {
        let t = t.to_lowercase();
        t.contains("키워드") || t.contains("keyword")
    };
    let mut rows = Vec::new();
    for block in &section.body {
        let Block::Table { head, rows: body } = block else { continue };
        let head_says = head.first().is_some_and(|c| is_keyword_text(&inlines_to_string(c)));
        if !is_keyword_text(&section.title) && !head_says {
            continue;
        }
        for row in body {
            let cell = |i: usize| row.get(i).map(|c| inlines_to_string(c)).unwrap_or_default();
            let keyword = cell(0);
            if !keyword.is_empty() {
                rows.push(KeywordEntry { keyword, source: cell(1) });
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::text::plain_text;
    use unicode_normalization::UnicodeNormalization;

    const SEED: &str = include_str!("../../digests/2026-02-09-weekly.md");

    fn heading(text: &str) -> HeadingParts {
        parse_heading(text)
    }

    fn err_of(path: &str, text: &[u8]) -> ParseError {
        parse(path, text).expect_err("should fail")
    }

    #[test]
    fn seed_digest_structure() {
        let d = parse("digests/2026-02-09-weekly.md", SEED.as_bytes()).unwrap();
        assert_eq!(d.title, "주간 기술블로그 하이라이트 - 하이브리드 클라우드와 팀 문화 리팩토링");
        assert_eq!(d.date, NaiveDate::from_ymd_opt(2026, 2, 9).unwrap());
        assert_eq!(d.category.as_deref(), Some("Backend"));
        assert_eq!(d.tags, ["Backend", "Cloud", "OpenStack", "DevOps", "Team Culture", "ADR"]);
        assert_eq!(d.author.as_deref(), Some("OpenClaw_BE"));
        assert!(d.description.as_deref().unwrap().starts_with("2026년 2월 2주차"));
        assert_eq!(d.articles.len(), 4);
        let a = &d.articles[0];
        assert_eq!((a.number, a.source.as_str()), (1, "토스"));
        assert_eq!(a.title, "레거시 인프라 작살내고 하이브리드 클라우드 만든 썰");
        assert_eq!(a.author.as_deref(), Some("박명순, 정상현 (DevOps / Server Platform)"));
        assert_eq!(a.link.as_deref(), Some("https://toss.tech"));
        assert_eq!(a.line, 16);
        assert!(matches!(&a.body[0], Block::Heading { level: 3, .. }));
        let b = &d.articles[1];
        assert_eq!(b.link.as_deref(), Some("https://techblog.woowahan.com/24820/"));
        assert_eq!(b.title, "우리는 코드처럼 문화도 리팩토링한다");
        let c = &d.articles[2];
        assert_eq!(
            (c.source.as_str(), c.title.as_str(), c.author.as_deref()),
            ("테크레시피", "AI 인프라와 전력 소비", None)
        );
        assert_eq!(c.link.as_deref(), Some("https://techrecipe.co.kr/"));
        assert_eq!(d.articles[3].source, "KOFE Article");
        assert_eq!(d.articles[3].title, "CLAUDE.md 가이드");
        assert_eq!(d.extras.len(), 1);
        assert_eq!(d.extras[0].title, "이번 주 핵심 키워드");
        assert_eq!(d.keywords.len(), 5);
        assert_eq!(
            d.keywords[1],
            KeywordEntry { keyword: "ADR (Architecture Decision Record)".into(), source: "Woowahan".into() }
        );
        assert_eq!(
            d.footer.as_deref(),
            Some("매주 월요일 국내 기술블로그를 모니터링하여 Backend 관련 인사이트를 정리합니다.")
        );
        assert!(plain_text(&d.intro).contains("2026년 2월 2주차"));
        // The footer and the separators are not left in the last extra.
        assert!(!d.extras[0].body.iter().any(|b| matches!(b, Block::Rule | Block::Paragraph(_))));
    }

    #[test]
    fn bom_crlf_and_nfd_give_the_same_digest() {
        let nfd: String = SEED.nfd().collect();
        assert_ne!(nfd, SEED);
        let crlf = format!("\u{feff}{}", nfd.replace('\n', "\r\n"));
        let a = parse("x/2026-02-09-weekly.md", SEED.as_bytes()).unwrap();
        let b = parse("x/2026-02-09-weekly.md", crlf.as_bytes()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn no_front_matter_takes_date_from_name_and_title_from_heading() {
        let d = parse("digests/weekly-2026-03-02.md", "# 3월 첫째 주\n\n## 1. A - \"B\"\n\ntext\n".as_bytes()).unwrap();
        assert_eq!(d.date, NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        assert_eq!(d.title, "3월 첫째 주");
        assert_eq!(d.articles[0].source, "A");
        assert_eq!(d.articles[0].line, 3);
    }

    #[test]
    fn heading_forms() {
        let cases = [
            ("1. 토스 - \"제목\"", Some(1), "토스", "제목"),
            ("2. Woowa — “Title”", Some(2), "Woowa", "Title"),
            ("3. Kakao – ‘Quoted’", Some(3), "Kakao", "Quoted"),
            ("4. Naver: Plain title", Some(4), "Naver", "Plain title"),
            ("LINE - \"No number\"", None, "LINE", "No number"),
            ("10) Src—Tight", Some(10), "Src", "Tight"),
            ("5. Src - \"A - B: C\"", Some(5), "Src", "A - B: C"),
            ("6. Only a title", Some(6), "", "Only a title"),
            ("2026 trends", None, "", "2026 trends"),
        ];
        for (text, number, source, title) in cases {
            let h = heading(text);
            assert_eq!((h.number, h.source.as_str(), h.title.as_str()), (number, source, title), "{text}");
        }
    }

    #[test]
    fn separator_scan_finds_the_earliest_longest_separator() {
        const SEPARATORS: &[&str] = &[" - ", " — ", " – ", "—", "–", ": "];
        let pieces = ["a", " ", "-", "—", "–", ":", "가", "\"", " - ", " — ", ": ", "x "];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(state >> 61) + 1 {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                text.push_str(pieces[(state >> 33) as usize % pieces.len()]);
            }
            let expected = SEPARATORS
                .iter()
                .filter_map(|sep| text.find(sep).map(|i| (i, *sep)))
                .min_by_key(|(i, sep)| (*i, std::cmp::Reverse(sep.len())));
            assert_eq!(find_separator(&text), expected, "{text:?}");
        }
    }

    #[test]
    fn articles_versus_extras() {
        let md = "---\ndate: 2026-01-05\n---\n## 토스 - \"Unnumbered but quoted\"\n\nx\n\n## Notes: misc\n\ny\n\n## Kakao: talk\n\n**Author:** Kim\n\nz\n";
        let d = parse("a.md", md.as_bytes()).unwrap();
        let titles: Vec<_> = d.articles.iter().map(|a| (a.number, a.title.as_str())).collect();
        assert_eq!(titles, [(1, "Unnumbered but quoted"), (2, "talk")]);
        assert_eq!(d.extras.len(), 1);
        assert_eq!(d.articles[1].author.as_deref(), Some("Kim"));
    }

    #[test]
    fn english_labels_bare_urls_and_label_outside_bold() {
        let md = "---\ndate: \"2026-01-05\"\n---\n## 1. S - \"T\"\n\n**Author**: Jane\n**Link:** https://example.com/post.\n\nBody.\n";
        let a = parse("a.md", md.as_bytes()).unwrap().articles.remove(0);
        assert_eq!(a.author.as_deref(), Some("Jane"));
        assert_eq!(a.link.as_deref(), Some("https://example.com/post"));
        assert_eq!(a.body, vec![Block::Paragraph(vec![Inline::Text("Body.".into())])]);
    }

    #[test]
    fn fenced_heading_is_not_a_section_and_tables_stay_in_articles() {
        let md = "---\ndate: 2026-01-05\n---\n## 1. S - \"T\"\n\n```md\n## 2. Fake - \"no\"\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";
        let d = parse("a.md", md.as_bytes()).unwrap();
        assert_eq!(d.articles.len(), 1);
        assert!(matches!(d.articles[0].body[0], Block::Code { .. }));
        assert!(matches!(d.articles[0].body[1], Block::Table { .. }));
    }

    #[test]
    fn errors_name_the_line() {
        let e = err_of("d/bad.md", b"---\ntitle: ok\ndate: [unclosed\n---\nx\n");
        assert!(matches!(e.kind, ParseErrorKind::Yaml(_)), "{e}");
        assert!(e.line >= 3 && e.line <= 5, "{e}");
        assert!(e.to_string().starts_with("d/bad.md:"));

        let e = err_of("d/bad.md", b"---\ntitle: ok\ndate: 2026-02-30\n---\nx\n");
        assert_eq!((e.line, e.kind.to_string().contains("date")), (3, true), "{e}");

        let e = err_of("d/utf.md", b"---\ndate: 2026-01-01\n---\nok\n\xff\xfe\n");
        assert_eq!((e.line, &e.kind), (5, &ParseErrorKind::InvalidUtf8));

        assert_eq!(err_of("d/e.md", b" \n\n").kind, ParseErrorKind::Empty);
        assert_eq!(err_of("d/e.md", b"\xEF\xBB\xBF").kind, ParseErrorKind::Empty);
        assert_eq!(err_of("d/n.md", b"# no date\n").kind, ParseErrorKind::NoDate);
        assert_eq!(err_of("d/u.md", b"---\ndate: 2026-01-01\nbody\n").kind, ParseErrorKind::UnclosedFrontMatter);
        assert_eq!(err_of("d/m.md", b"---\n- a\n- b\n---\n").kind, ParseErrorKind::NotAMapping);
        let e = err_of("d/t.md", b"---\ndate: 2026-01-01\ntags: {a: 1}\n---\n");
        assert_eq!(e.line, 3);
    }

    #[test]
    fn file_name_dates() {
        assert_eq!(date_in_file_name("x/2026-02-09-weekly.md"), NaiveDate::from_ymd_opt(2026, 2, 9));
        assert_eq!(date_in_file_name("weekly_2026-13-09_2026-02-10.md"), NaiveDate::from_ymd_opt(2026, 2, 10));
        assert_eq!(date_in_file_name("2026-02-9.md"), None);
        assert_eq!(date_in_file_name("한글-2026-02-09.md"), NaiveDate::from_ymd_opt(2026, 2, 9));
    }

    #[test]
    fn fast_dates_agree_with_chrono() {
        let chrono_date = |s: &str| {
            let t = s.trim();
            let b = t.as_bytes();
            if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
                return None;
            }
            NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()
        };
        let fixed =
            ["2026-02-09", " 2026-02-09 ", "2026-02-30", "2024-02-29", "2023-02-29", "0000-01-01", "9999-12-31"];
        let odd = ["2026-13-01", "2026-00-10", "2026-01-00", "+202-01-01", "2026-1-011", "2026-01-0a", "abcd-ef-gh"];
        for s in fixed.iter().chain(&odd) {
            assert_eq!(parse_date(s), chrono_date(s), "{s:?}");
        }
        let mut state = 3u64;
        for _ in 0..20_000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let s = format!("{:04}-{:02}-{:02}", (state >> 40) % 10_000, (state >> 20) % 14, (state >> 8) % 33);
            assert_eq!(parse_date(&s), chrono_date(&s), "{s:?}");
        }
    }

    #[test]
    fn footer_only_when_last_paragraph_is_all_italic() {
        let d = parse("2026-01-05.md", b"## 1. a - \"b\"\n\nsome *italic* text\n").unwrap();
        assert_eq!(d.footer, None);
        let d = parse("2026-01-05.md", b"intro\n\n*just a footer*\n").unwrap();
        assert_eq!(d.footer.as_deref(), Some("just a footer"));
        assert_eq!(plain_text(&d.intro), "intro\n");
    }
}
