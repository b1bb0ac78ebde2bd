//! The digest domain: what a weekly digest is, how a file becomes one, and the library of all of them.
//!
//! A digest is a Markdown file with YAML front matter: a title, a date, tags, an intro, numbered
//! articles (`## N. Source - "Title"`), extra sections such as the keyword table, and a closing footer.
//! [`parse()`] turns bytes into a [`Digest`], [`Library`] holds the parsed set and answers "latest",
//! "by date" and keyword searches. Everything in this module is pure: it is handed bytes and a clock
//! reading by its callers and never touches the file system, the network or the system time.
//!
//! # Layout
//!
//! - [`parse`](mod@parse): a file's bytes to a [`Digest`] or a [`ParseError`]: the steps in order, the `##`
//!   sections, articles with their heading, author and link lines, keyword-table rows, the footer.
//! - [`front_matter`]: the YAML front matter: splitting it off the body, its caps (size, bracket
//!   nesting and count), its typed fields.
//! - [`text`]: NFC normalisation and case folding (parsing and search fold text the same way), and
//!   the plain text of blocks.
//! - [`markdown`]: pulldown-cmark events folded into the owned, shallow [`Block`]/[`Inline`] tree.
//! - [`library`]: the parsed set, newest first: `latest`, `by_date`, `nearest`, search.
//! - [`search`]: the keyword index behind [`Library::search`].

pub mod front_matter;
pub mod library;
pub mod markdown;
pub mod parse;
pub mod search;
pub mod text;

use chrono::NaiveDate;

pub use library::Library;
pub use markdown::{Block, Inline};
pub use parse::{ParseError, ParseErrorKind, parse, parse_with};
pub use search::SearchHit;

/// Caps on one digest file, so a hostile or broken file costs a bounded amount of time and memory.
/// Each is checked before the work it bounds and reported as a [`ParseError`] naming the file and line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest digest file, in bytes. Default: 1 MiB.
    pub max_digest_bytes: u64,
    /// Most articles (`## N. …` sections) in one digest. Default: 50.
    pub max_articles: usize,
    /// Largest front matter (between the `---` lines), in bytes. Default: 64 KiB.
    pub max_front_matter_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_digest_bytes: 1024 * 1024, max_articles: 50, max_front_matter_bytes: 64 * 1024 }
    }
}

/// One weekly digest, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// The file this digest came from, as its caller named it (used in messages only).
    pub path: String,
    pub title: String,
    /// The issue date; at most one digest per date, so the date is the digest's identity.
    pub date: NaiveDate,
    /// 1-based line of the `date:` key, or 1 when the date came from the file name.
    pub date_line: usize,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub author: Option<String>,
    pub description: Option<String>,
    /// Blocks between the title and the first `##` section.
    pub intro: Vec<Block>,
    pub articles: Vec<Article>,
    /// `##` sections that are not articles, in file order (for example the keyword table).
    pub extras: Vec<Section>,
    /// Rows of the keyword table, when the digest has one.
    pub keywords: Vec<KeywordEntry>,
    /// The closing italic line, without its emphasis markers.
    pub footer: Option<String>,
    /// A fingerprint of the file's (normalised) text: it changes when the file does, which is what
    /// starts a correction of the posted messages. Not for security.
    pub version: u64,
}

impl Digest {
    /// The stable identity used by the delivery ledger: the issue date as `YYYY-MM-DD`.
    pub fn id(&self) -> String {
        self.date.format("%Y-%m-%d").to_string()
    }
}

/// One `## N. Source - "Title"` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// The number written in the heading; articles without one get their position (1-based).
    pub number: u32,
    /// The blog or publication, empty when the heading names none.
    pub source: String,
    pub title: String,
    pub author: Option<String>,
    pub link: Option<String>,
    /// Everything else in the section: subsections, lists, code, tables.
    pub body: Vec<Block>,
    /// 1-based line of the heading in the file.
    pub line: usize,
}

/// A `##` section that is not an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    pub body: Vec<Block>,
    pub line: usize,
}

/// A row of the keyword table: a keyword and the source it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeywordEntry {
    pub keyword: String,
    pub source: String,
}
