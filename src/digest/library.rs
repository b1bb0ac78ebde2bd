//! The library: every digest that parsed, newest first, plus the errors of the files that did not.
//!
//! The library is built from `(path, bytes)` pairs handed in by the caller (the file loader lives at
//! the edge, in `files`). A broken file becomes a [`ParseError`] in [`Library::errors`] and never
//! hides the others. Publication is decided by a date the caller passes in: a digest dated after
//! "today" in the configured zone is not yet published and stays out of `latest`, lists and searches.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::NaiveDate;

use super::parse::{ParseError, ParseErrorKind, parse};
use super::search::{SearchIndex, SearchResults};
use super::{Digest, KeywordEntry};

/// All digests that parsed, newest first, and the errors of those that did not.
#[derive(Debug, Default)]
pub struct Library {
    /// Sorted by date, newest first; dates are unique.
    digests: Vec<Digest>,
    errors: Vec<ParseError>,
    /// Built on the first search: loading stays as cheap as parsing.
    index: OnceLock<SearchIndex>,
}

impl Library {
    /// Parses every file. Files are taken in path order, so when two share a date the first path wins
    /// and the second is reported.
    pub fn from_files<P: AsRef<str>, B: AsRef<[u8]>>(files: impl IntoIterator<Item = (P, B)>) -> Library {
        let mut files: Vec<(P, B)> = files.into_iter().collect();
        files.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
        let parsed = files.iter().map(|(path, bytes)| parse(path.as_ref(), bytes.as_ref()));
        Library::from_parsed(parsed)
    }

    /// Builds the library from results parsed elsewhere (the file loader caches them per file).
    pub fn from_parsed(parsed: impl IntoIterator<Item = Result<Digest, ParseError>>) -> Library {
        let mut digests: Vec<Digest> = Vec::new();
        let mut errors = Vec::new();
        let mut by_date: HashMap<NaiveDate, String> = HashMap::new();
        for result in parsed {
            match result {
                Ok(digest) => match by_date.get(&digest.date) {
                    Some(other) => errors.push(ParseError {
                        line: digest.date_line,
                        path: digest.path.clone(),
                        kind: ParseErrorKind::DuplicateDate { other: other.clone(), date: digest.date },
                    }),
                    None => {
                        by_date.insert(digest.date, digest.path.clone());
                        digests.push(digest);
                    }
                },
                Err(e) => errors.push(e),
            }
        }
        digests.sort_by_key(|d| std::cmp::Reverse(d.date));
        errors.sort_by(|a, b| (a.path.as_str(), a.line).cmp(&(b.path.as_str(), b.line)));
        Library { digests, errors, index: OnceLock::new() }
    }

    /// Every digest that parsed, newest first, published or not.
    pub fn all(&self) -> &[Digest] {
        &self.digests
    }

    /// The files that could not be used.
    pub fn errors(&self) -> &[ParseError] {
        &self.errors
    }

    /// Digests published by `today` (dated on or before it), newest first.
    pub fn published(&self, today: NaiveDate) -> &[Digest] {
        let first = self.digests.partition_point(|d| d.date > today);
        &self.digests[first..]
    }

    /// The newest digest published by `today`.
    pub fn latest(&self, today: NaiveDate) -> Option<&Digest> {
        self.published(today).first()
    }

    /// The published digest of exactly this date.
    pub fn by_date(&self, date: NaiveDate, today: NaiveDate) -> Option<&Digest> {
        let published = self.published(today);
        published.binary_search_by(|d| date.cmp(&d.date)).ok().map(|i| &published[i])
    }

    /// Up to `n` published digests closest to `date`, closest first (the earlier one on a tie).
    pub fn nearest(&self, date: NaiveDate, today: NaiveDate, n: usize) -> Vec<&Digest> {
        let mut near: Vec<&Digest> = self.published(today).iter().collect();
        near.sort_by_key(|d| ((d.date - date).num_days().abs(), d.date));
        near.truncate(n);
        near
    }

    /// Keyword search over published digests; see [`SearchIndex`] for the rules.
    pub fn search(&self, query: &str, today: NaiveDate, offset: usize, limit: usize) -> SearchResults<'_> {
        self.index().search(&self.digests, query, today, offset, limit)
    }

    /// Builds the search index now instead of on the first query.
    pub fn warm_up(&self) {
        self.index();
    }

    fn index(&self) -> &SearchIndex {
        self.index.get_or_init(|| SearchIndex::build(&self.digests))
    }

    /// Keywords worth suggesting when a search finds nothing: the tags and keyword-table entries of
    /// published digests, most frequent first, then most recent.
    pub fn suggested_keywords(&self, today: NaiveDate, n: usize) -> Vec<String> {
        // lower-cased word -> (count, order of first sight, word as first written)
        let mut seen: HashMap<String, (usize, usize, &str)> = HashMap::new();
        for digest in self.published(today) {
            let keywords = digest.keywords.iter().map(|KeywordEntry { keyword, .. }| short_keyword(keyword));
            for word in digest.tags.iter().map(String::as_str).chain(keywords) {
                let order = seen.len();
                seen.entry(word.to_lowercase()).or_insert((0, order, word)).0 += 1;
            }
        }
        let mut words: Vec<(usize, usize, &str)> = seen.into_values().collect();
        words.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        words.into_iter().take(n).map(|(_, _, w)| w.to_string()).collect()
    }
}

/// A keyword-table entry without its explanation: `ADR (Architecture Decision Record)` gives `ADR`,
/// `하이브리드 클라우드 / OpenStack` gives `하이브리드 클라우드`.
fn short_keyword(keyword: &str) -> &str {
    let cut = keyword.find(['(', '/']).unwrap_or(keyword.len());
    let short = keyword[..cut].trim();
    if short.is_empty() { keyword.trim() } else { short }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn digest_file(date: &str, title: &str) -> (String, String) {
        (
            format!("d/{date}.md"),
            format!("---\ntitle: {title}\ndate: {date}\ntags: [Rust]\n---\n## 1. S - \"{title}\"\n\nbody\n"),
        )
    }

    fn library() -> Library {
        Library::from_files(vec![
            digest_file("2026-01-05", "one"),
            digest_file("2026-01-19", "three"),
            digest_file("2026-01-12", "two"),
            digest_file("2026-02-02", "future"),
            ("d/broken.md".to_string(), "---\ndate: [\n---\n".to_string()),
            ("d/copy.md".to_string(), "---\ndate: 2026-01-12\n---\ncopy\n".to_string()),
        ])
    }

    #[test]
    fn newest_first_and_broken_files_reported() {
        let lib = library();
        let dates: Vec<String> = lib.all().iter().map(Digest::id).collect();
        assert_eq!(dates, ["2026-02-02", "2026-01-19", "2026-01-12", "2026-01-05"]);
        let bad: Vec<&str> = lib.errors().iter().map(|e| e.path.as_str()).collect();
        assert_eq!(bad, ["d/broken.md", "d/copy.md"]);
        assert!(lib.errors()[1].to_string().contains("d/2026-01-12.md already has the date 2026-01-12"));
    }

    #[test]
    fn publication_follows_today() {
        let lib = library();
        assert_eq!(lib.latest(day("2026-02-01")).unwrap().title, "three");
        assert_eq!(lib.latest(day("2026-02-02")).unwrap().title, "future");
        assert!(lib.latest(day("2026-01-04")).is_none());
        assert_eq!(lib.published(day("2026-01-12")).len(), 2);
        assert!(lib.by_date(day("2026-02-02"), day("2026-02-01")).is_none());
        assert_eq!(lib.by_date(day("2026-01-12"), day("2026-02-01")).unwrap().title, "two");
    }

    #[test]
    fn nearest_issues() {
        let lib = library();
        let near: Vec<String> = lib.nearest(day("2026-01-13"), day("2026-02-01"), 2).iter().map(|d| d.id()).collect();
        assert_eq!(near, ["2026-01-12", "2026-01-19"]);
        let near: Vec<String> = lib.nearest(day("2026-01-16"), day("2026-02-01"), 3).iter().map(|d| d.id()).collect();
        assert_eq!(near, ["2026-01-19", "2026-01-12", "2026-01-05"]);
    }

    #[test]
    fn suggestions_prefer_frequent_then_recent() {
        let seed = include_bytes!("../../digests/2026-02-09-weekly.md").to_vec();
        let mut files: Vec<(String, Vec<u8>)> = vec![("digests/2026-02-09-weekly.md".into(), seed)];
        let (p, t) = digest_file("2026-01-05", "old");
        files.push((p, t.into_bytes()));
        let lib = Library::from_files(files);
        let words = lib.suggested_keywords(day("2026-03-01"), 4);
        // ADR is a tag and a keyword-table entry; then the tags in the order written.
        assert_eq!(words[..2], ["ADR", "Backend"]);
        assert!(words.len() == 4 && !words.contains(&"Rust".to_string()), "{words:?}");
        assert_eq!(short_keyword("ADR (Architecture Decision Record)"), "ADR");
        assert_eq!(short_keyword("하이브리드 클라우드 / OpenStack"), "하이브리드 클라우드");
    }
}
