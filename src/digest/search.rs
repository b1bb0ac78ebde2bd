//! Keyword search over articles: case-insensitive, NFC, matching inside words, every word required.
//!
//! The index keeps the vocabulary of all digests (lower-cased, whitespace-separated words) as one
//! string, and for each word the articles it occurs in and in which fields. A query word has no white
//! space, so it occurs in a text exactly when it occurs inside one of the text's words: finding it in
//! the vocabulary string (one fast substring scan) and taking the union of those words' postings gives
//! every article that contains it, particles and all (`클라우드` finds `클라우드와`).
//!
//! Ranking: articles where some query word matched a strong field (the article's title or source, a
//! keyword-table row of that article, or a digest tag the article also mentions) come first, then the
//! rest; within each group newer digests first, then more strong words, then article order. A word found
//! only in a digest's title, tags or description matches every article of that digest, unless some
//! article of the digest contains the word itself.

use std::collections::HashMap;

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

use super::parse::plain_text;
use super::{Article, Digest};

/// Field bits kept with every posting.
const TITLE: u8 = 1;
const SOURCE: u8 = 2;
const KEYWORD: u8 = 4;
const TAG: u8 = 8;
/// Digest title, category and description.
const DIGEST: u8 = 16;
/// Article body, author and link.
const BODY: u8 = 32;
const OWN: u8 = TITLE | SOURCE | KEYWORD | BODY;
const FIELD_BITS: u32 = 6;

/// One article that matched, with a short excerpt around the match.
#[derive(Debug, Clone)]
pub struct SearchHit<'a> {
    pub digest: &'a Digest,
    pub article: &'a Article,
    pub snippet: String,
    /// The match was in a strong field (title, source, tag or keyword table), not only the body.
    pub strong: bool,
}

/// A page of results and the total number of matches.
#[derive(Debug, Clone)]
pub struct SearchResults<'a> {
    pub total: usize,
    pub hits: Vec<SearchHit<'a>>,
}

/// The inverted index over a library's digests (in the library's order).
#[derive(Debug, Default)]
pub struct SearchIndex {
    /// (digest index, article index) of each indexed article.
    docs: Vec<(u32, u32)>,
    /// Every distinct word, each followed by '\n'.
    vocab: String,
    /// Byte offset of each word in `vocab`.
    starts: Vec<u32>,
    /// Per word: postings packed as `doc << FIELD_BITS | fields`, docs ascending.
    postings: Vec<Vec<u32>>,
}

/// Lower-cases and NFC-normalises a query or a text to be indexed.
pub fn fold(text: &str) -> String {
    let lower = text.to_lowercase();
    if unicode_normalization::is_nfc_quick(lower.chars()) == unicode_normalization::IsNormalized::Yes {
        lower
    } else {
        lower.nfc().collect()
    }
}

impl SearchIndex {
    pub fn build(digests: &[Digest]) -> SearchIndex {
        let mut words: HashMap<String, u32> = HashMap::new();
        let mut postings: Vec<Vec<u32>> = Vec::new();
        let mut docs = Vec::new();
        // Per article: word id -> fields, merged before posting so each (word, doc) is posted once.
        let mut fields_of: HashMap<u32, u8> = HashMap::new();
        for (di, digest) in digests.iter().enumerate() {
            let mut digest_text = digest.title.clone();
            for part in [&digest.category, &digest.description].into_iter().flatten() {
                digest_text.push(' ');
                digest_text.push_str(part);
            }
            let digest_text = fold(&digest_text);
            let tags = fold(&digest.tags.join(" "));
            let attributed = attribute_keywords(digest);
            for (ai, article) in digest.articles.iter().enumerate() {
                let doc = docs.len() as u32;
                docs.push((di as u32, ai as u32));
                fields_of.clear();
                let mut add = |text: &str, field: u8| {
                    for word in text.split_whitespace() {
                        let next = words.len() as u32;
                        let id = *words.entry_ref_or_insert(word, next);
                        if id == next {
                            postings.push(Vec::new());
                        }
                        *fields_of.entry(id).or_insert(0) |= field;
                    }
                };
                add(&digest_text, DIGEST);
                add(&tags, TAG);
                add(&fold(&article.title), TITLE);
                add(&fold(&article.source), SOURCE);
                for keyword in &attributed[ai] {
                    add(&fold(keyword), KEYWORD);
                }
                let mut body = plain_text(&article.body);
                for extra in [&article.author, &article.link].into_iter().flatten() {
                    body.push(' ');
                    body.push_str(extra);
                }
                add(&fold(&body), BODY);
                for (&id, &fields) in &fields_of {
                    postings[id as usize].push(doc << FIELD_BITS | fields as u32);
                }
            }
        }
        let mut ordered: Vec<(String, u32)> = words.into_iter().collect();
        ordered.sort_unstable_by_key(|(_, id)| *id);
        let mut vocab = String::new();
        let mut starts = Vec::with_capacity(ordered.len());
        for (word, _) in &ordered {
            starts.push(vocab.len() as u32);
            vocab.push_str(word);
            vocab.push('\n');
        }
        SearchIndex { docs, vocab, starts, postings }
    }

    /// Articles of digests published by `today` that contain every word of `query`, best first;
    /// `offset` and `limit` choose the page.
    pub fn search<'a>(
        &self,
        digests: &'a [Digest],
        query: &str,
        today: NaiveDate,
        offset: usize,
        limit: usize,
    ) -> SearchResults<'a> {
        let folded = fold(query);
        let mut terms: Vec<&str> = folded.split_whitespace().collect();
        terms.sort_unstable();
        terms.dedup();
        if terms.is_empty() || self.docs.is_empty() {
            return SearchResults { total: 0, hits: Vec::new() };
        }
        let published = |doc: u32| digests[self.docs[doc as usize].0 as usize].date <= today;

        // For every doc still in the running: (strong word count, any strong).
        let mut alive: Option<Vec<(u32, u8)>> = None;
        for term in &terms {
            let matched = self.term_fields(term);
            // Digests in which some article contains the word itself.
            let mut own_digests: Vec<u32> =
                matched.iter().filter(|(_, f)| f & OWN != 0).map(|(doc, _)| self.docs[*doc as usize].0).collect();
            own_digests.dedup();
            let keep = |doc: u32, fields: u8| {
                fields & OWN != 0 || own_digests.binary_search(&self.docs[doc as usize].0).is_err()
            };
            let strong =
                |fields: u8| fields & (TITLE | SOURCE | KEYWORD) != 0 || (fields & TAG != 0 && fields & BODY != 0);
            let next: Vec<(u32, u8)> = match alive {
                None => matched
                    .iter()
                    .filter(|&&(doc, f)| keep(doc, f) && published(doc))
                    .map(|&(doc, f)| (doc, strong(f) as u8))
                    .collect(),
                Some(previous) => intersect(&previous, &matched)
                    .filter(|&(doc, _, f)| keep(doc, f))
                    .map(|(doc, s, f)| (doc, s + strong(f) as u8))
                    .collect(),
            };
            if next.is_empty() {
                return SearchResults { total: 0, hits: Vec::new() };
            }
            alive = Some(next);
        }
        let alive = alive.unwrap_or_default();
        let total = alive.len();

        // Rank: strong first, newer digest, more strong words, article order.
        let key = |&(doc, strong_words): &(u32, u8)| {
            let (di, ai) = self.docs[doc as usize];
            (strong_words == 0, di, std::cmp::Reverse(strong_words), ai)
        };
        let mut ranked: Vec<(u32, u8)> = alive;
        let wanted = offset.saturating_add(limit).min(ranked.len());
        if wanted == 0 {
            return SearchResults { total, hits: Vec::new() };
        }
        if wanted < ranked.len() {
            ranked.select_nth_unstable_by_key(wanted - 1, key);
            ranked.truncate(wanted);
        }
        ranked.sort_unstable_by_key(key);
        let hits = ranked
            .iter()
            .skip(offset)
            .map(|&(doc, strong_words)| {
                let (di, ai) = self.docs[doc as usize];
                let digest = &digests[di as usize];
                let article = &digest.articles[ai as usize];
                SearchHit { digest, article, snippet: snippet(article, &terms), strong: strong_words > 0 }
            })
            .collect();
        SearchResults { total, hits }
    }

    /// Every doc containing `term`, ascending, with the fields it occurs in.
    fn term_fields(&self, term: &str) -> Vec<(u32, u8)> {
        let mut words: Vec<usize> = Vec::new();
        for (pos, _) in self.vocab.match_indices(term) {
            let word = self.starts.partition_point(|&s| s as usize <= pos) - 1;
            if words.last() != Some(&word) {
                words.push(word);
            }
        }
        let mut merged: Vec<u32> = match words.as_slice() {
            [] => return Vec::new(),
            [one] => self.postings[*one].clone(),
            many => {
                let mut all: Vec<u32> = many.iter().flat_map(|&w| self.postings[w].iter().copied()).collect();
                all.sort_unstable();
                all
            }
        };
        // Fold postings of the same doc together.
        let mut out: Vec<(u32, u8)> = Vec::with_capacity(merged.len());
        for packed in merged.drain(..) {
            let (doc, fields) = (packed >> FIELD_BITS, (packed & ((1 << FIELD_BITS) - 1)) as u8);
            match out.last_mut() {
                Some((last, f)) if *last == doc => *f |= fields,
                _ => out.push((doc, fields)),
            }
        }
        out
    }
}

/// Merges the running set with a term's docs: (doc, strong count so far, this term's fields).
fn intersect<'a>(previous: &'a [(u32, u8)], term: &'a [(u32, u8)]) -> impl Iterator<Item = (u32, u8, u8)> + 'a {
    let mut j = 0;
    previous.iter().filter_map(move |&(doc, strong)| {
        while j < term.len() && term[j].0 < doc {
            j += 1;
        }
        (j < term.len() && term[j].0 == doc).then(|| (doc, strong, term[j].1))
    })
}

/// For each article of the digest, the keyword-table entries that belong to it: those whose source
/// names the article's source, or whose source (without spaces) appears in the article's link.
fn attribute_keywords(digest: &Digest) -> Vec<Vec<&str>> {
    let mut attributed: Vec<Vec<&str>> = vec![Vec::new(); digest.articles.len()];
    for entry in &digest.keywords {
        let source = fold(&entry.source);
        if source.is_empty() {
            continue;
        }
        let squashed: String = source.split_whitespace().collect();
        for (i, article) in digest.articles.iter().enumerate() {
            let own = fold(&article.source);
            let link = article.link.as_deref().map(fold).unwrap_or_default();
            let names_source = !own.is_empty() && (own.contains(&source) || source.contains(&own));
            if names_source || (!squashed.is_empty() && link.contains(&squashed)) {
                attributed[i].push(entry.keyword.as_str());
            }
        }
    }
    attributed
}

/// About this many characters on each side of the match.
const SNIPPET_CONTEXT: usize = 40;

/// A short excerpt of the article body around the first query word found there (or its start).
fn snippet(article: &Article, terms: &[&str]) -> String {
    let text: String = plain_text(&article.body).split_whitespace().collect::<Vec<_>>().join(" ");
    let chars: Vec<char> = text.chars().collect();
    // Lower-case char by char so positions in `lower` are positions in `chars`.
    let lower: Vec<char> = chars.iter().map(|c| c.to_lowercase().next().unwrap_or(*c)).collect();
    let at = terms
        .iter()
        .filter_map(|term| {
            let needle: Vec<char> = term.chars().collect();
            (!needle.is_empty() && needle.len() <= lower.len())
                .then(|| lower.windows(needle.len()).position(|w| w == needle.as_slice()))
                .flatten()
        })
        .min();
    let (start, end) = match at {
        Some(i) => (i.saturating_sub(SNIPPET_CONTEXT), (i + SNIPPET_CONTEXT * 2).min(chars.len())),
        None => (0, (SNIPPET_CONTEXT * 3).min(chars.len())),
    };
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    out
}

/// `HashMap::entry` without allocating a key for words already present.
trait EntryRef {
    fn entry_ref_or_insert(&mut self, key: &str, value: u32) -> &mut u32;
}

impl EntryRef for HashMap<String, u32> {
    fn entry_ref_or_insert(&mut self, key: &str, value: u32) -> &mut u32 {
        if !self.contains_key(key) {
            self.insert(key.to_string(), value);
        }
        self.get_mut(key).expect("inserted above")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Library;

    const SEED: &[u8] = include_bytes!("../../digests/2026-02-09-weekly.md");

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn lib() -> Library {
        let other = "---\ntitle: Cloud week\ndate: 2026-02-16\ntags: [Cloud]\n---\n\
            ## 1. Kakao - \"Kubernetes 운영기\"\n\n**Link:** https://tech.kakao.com/k8s\n\n클라우드 비용과 ADR 이야기.\n\n\
            ## 2. Naver - \"ADR 실전\"\n\n본문.\n\n\
            ## 3. LINE - \"Other\"\n\nNothing relevant.\n";
        let future = "---\ndate: 2099-01-05\n---\n## 1. Future - \"ADR from the future\"\n\nx\n";
        Library::from_files(vec![
            ("d/2026-02-09.md", SEED.to_vec()),
            ("d/2026-02-16.md", other.as_bytes().to_vec()),
            ("d/2099-01-05.md", future.as_bytes().to_vec()),
        ])
    }

    fn check(query: &str, expected: &[(&str, u32)]) {
        let lib = lib();
        let results = lib.search(query, day("2026-03-01"), 0, 20);
        let got: Vec<(String, u32)> = results.hits.iter().map(|h| (h.digest.id(), h.article.number)).collect();
        let expected: Vec<(String, u32)> = expected.iter().map(|(d, n)| (d.to_string(), *n)).collect();
        assert_eq!(got, expected, "query {query:?}");
        assert_eq!(results.total, expected.len());
    }

    #[test]
    fn title_and_keyword_matches_rank_before_body_matches() {
        // Naver's title says ADR (strong, newest); Woowahan has the ADR keyword row and tag (strong);
        // Kakao only mentions ADR in its body.
        check("ADR", &[("2026-02-16", 2), ("2026-02-09", 2), ("2026-02-16", 1)]);
    }

    #[test]
    fn case_insensitive_and_inside_words() {
        check("adr", &[("2026-02-16", 2), ("2026-02-09", 2), ("2026-02-16", 1)]);
        // `클라우드` finds `클라우드와` and `클라우드를`; the Toss title is strong.
        check("클라우드", &[("2026-02-09", 1), ("2026-02-16", 1)]);
        check("openstack", &[("2026-02-09", 1)]);
    }

    #[test]
    fn every_word_must_match() {
        check("하이브리드 클라우드", &[("2026-02-09", 1)]);
        // Woowahan mentions 컨텍스트 스위칭 비용 and has the ADR tag and keyword (strong).
        check("ADR 비용", &[("2026-02-09", 2), ("2026-02-16", 1)]);
        check("ADR nothing-like-this", &[]);
        check("", &[]);
    }

    #[test]
    fn nfd_queries_match_nfc_text() {
        let nfd: String = "클라우드".nfd().collect();
        check(&nfd, &[("2026-02-09", 1), ("2026-02-16", 1)]);
    }

    #[test]
    fn digest_level_words_match_all_articles_only_when_no_article_has_them() {
        // "주간" is only in the seed digest's title: every article of it matches.
        check("주간", &[("2026-02-09", 1), ("2026-02-09", 2), ("2026-02-09", 3), ("2026-02-09", 4)]);
        // "Cloud" is a tag of both digests, but articles mention it themselves only in the seed
        // (Toss's title says 클라우드, not Cloud): Kakao's digest falls back to all its articles.
        check("week", &[("2026-02-16", 1), ("2026-02-16", 2), ("2026-02-16", 3)]);
    }

    #[test]
    fn keyword_rows_are_attributed_by_link_host() {
        check("responsibility", &[("2026-02-09", 2)]);
        check("에이전트", &[("2026-02-09", 4)]);
    }

    #[test]
    fn future_digests_are_not_searched_and_pages_work() {
        let lib = lib();
        assert_eq!(lib.search("future", day("2026-03-01"), 0, 10).total, 0);
        assert_eq!(lib.search("future", day("2099-01-05"), 0, 10).total, 1);
        let page = lib.search("ADR", day("2026-03-01"), 1, 1);
        assert_eq!((page.total, page.hits.len()), (3, 1));
        assert_eq!(page.hits[0].digest.id(), "2026-02-09");
    }

    #[test]
    fn snippets_surround_the_match() {
        let lib = lib();
        let hit = &lib.search("Active-Active", day("2026-03-01"), 0, 1).hits[0];
        assert!(hit.snippet.contains("Active-Active"), "{}", hit.snippet);
        assert!(hit.snippet.starts_with('…'));
        assert!(hit.snippet.chars().count() <= SNIPPET_CONTEXT * 3 + 2);
    }
}
