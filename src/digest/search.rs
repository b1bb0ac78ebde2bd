//! Keyword search over articles: case-insensitive, NFC, matching inside words, every word required.
//!
//! The index keeps the vocabulary of all digests (lower-cased, whitespace-separated words) as one
//! string, and for each word the articles it occurs in and in which fields. A query word has no white
//! space, so it occurs in a text exactly when it occurs inside one of the text's words: finding the
//! vocabulary words that contain it and taking the union of their postings gives every article that
//! contains it, particles and all (`클라우드` finds `클라우드와`). The words are found through lists of
//! the words that contain each pair of adjacent bytes: the rarest pair of the query word names a few
//! candidates, which are checked.
//!
//! Ranking: articles where some query word matched a strong field (the article's title or source, a
//! keyword-table row of that article, or a digest tag the article also mentions) come first, then the
//! rest; within each group newer digests first, then more strong words, then article order. A word found
//! only in a digest's title, tags or description matches every article of that digest, unless some
//! article of the digest contains the word itself. Words of the digest's own text are therefore posted
//! once per digest, and a query works on bit sets of articles.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

use chrono::NaiveDate;

use super::markdown::blocks_plain_text;
use super::text::{fold, lower_char, plain_text};
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
/// The article's own fields that make a match strong by themselves.
const STRONG_OWN: u8 = TITLE | SOURCE | KEYWORD;
const FIELD_BITS: u32 = 6;
const FIELD_MASK: u32 = (1 << FIELD_BITS) - 1;
/// Words in at least this many articles are kept as bit sets (see `SearchIndex::dense`).
const DENSE_POSTINGS: usize = 1000;

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

/// The inverted index over a library's digests (in the library's order). A search must be given
/// the digests the index was built from.
#[derive(Debug, Default)]
pub struct SearchIndex {
    /// (digest index, article index) of each indexed article ("doc"), digest by digest, in article
    /// order.
    docs: Vec<(u32, u32)>,
    /// The docs of digest `d` are `digest_docs[d]..digest_docs[d + 1]`.
    digest_docs: Vec<u32>,
    /// The date of each digest.
    dates: Vec<NaiveDate>,
    /// The dates never increase from one digest to the next (the library's newest-first order), so
    /// the digests published by any day are a suffix.
    newest_first: bool,
    /// Every distinct word, each followed by '\n'.
    vocab: String,
    /// Byte offset of each word in `vocab`.
    starts: Vec<u32>,
    /// Per word: the articles whose own text (title, source, keyword rows, body, author, link) has
    /// it, packed as `doc << FIELD_BITS | fields`, docs ascending; empty for dense words.
    article_postings: Lists,
    /// Per word: its place in `dense`, or `u32::MAX`. Words in many articles (`DENSE_POSTINGS` or
    /// more) are kept as two bit sets over the docs instead, the docs where the word is in a strong
    /// own field and those where it is in the body, which a query ORs in whole.
    dense_of: Vec<u32>,
    /// The bit sets of the dense words, two of `docs.len().div_ceil(64)` u64 each per word.
    dense: Vec<u64>,
    /// Per word: the digests (with articles) whose title, category, description or tags have it,
    /// packed as `digest << FIELD_BITS | fields`, digests ascending.
    digest_postings: Lists,
    /// For each pair of adjacent bytes (`first << 8 | second`), the words that contain it,
    /// ascending: a query word of two bytes or more occurs only in words that contain all its pairs,
    /// so the shortest of its pairs' lists holds every candidate.
    pairs: Lists,
}

/// The words seen while building, with their postings, and the fields each word has in the digest
/// or article being indexed.
#[derive(Default)]
struct Words {
    ids: HashMap<String, u32, BuildHasherDefault<FxHasher>>,
    article_postings: Vec<Vec<u32>>,
    digest_postings: Vec<Vec<u32>>,
    /// Per word id: its fields in the current digest or article (0 when absent).
    fields: Vec<u8>,
    /// The word ids with fields in the current digest or article.
    touched: Vec<u32>,
}

impl Words {
    fn id(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.ids.get(word) {
            return id;
        }
        let id = self.ids.len() as u32;
        self.ids.insert(word.to_string(), id);
        self.article_postings.push(Vec::new());
        self.digest_postings.push(Vec::new());
        self.fields.push(0);
        id
    }

    /// ORs `field` into the current fields of every word of `text`.
    fn add(&mut self, text: &str, field: u8) {
        for word in text.split_whitespace() {
            let id = self.id(word);
            let fields = &mut self.fields[id as usize];
            if *fields == 0 {
                self.touched.push(id);
            }
            *fields |= field;
        }
    }

    /// Posts every touched word with its fields, as `at << FIELD_BITS | fields`, and starts over.
    fn post(&mut self, at: u32, article: bool) {
        for id in self.touched.drain(..) {
            let fields = std::mem::take(&mut self.fields[id as usize]);
            let postings = if article { &mut self.article_postings } else { &mut self.digest_postings };
            postings[id as usize].push(at << FIELD_BITS | fields as u32);
        }
    }
}

/// FxHash (as in rustc): the vocabulary's words are hashed millions of times while building, and
/// they come from the digests, not from an adversary.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
        }
        for &byte in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(SEED);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl SearchIndex {
    pub fn build(digests: &[Digest]) -> SearchIndex {
        let mut words = Words::default();
        let mut docs = Vec::new();
        let mut digest_docs = Vec::with_capacity(digests.len() + 1);
        // Each word is posted once per digest or article, with all its fields there.
        for (di, digest) in digests.iter().enumerate() {
            digest_docs.push(docs.len() as u32);
            if digest.articles.is_empty() {
                continue;
            }
            let mut digest_text = digest.title.clone();
            for part in [&digest.category, &digest.description].into_iter().flatten() {
                digest_text.push(' ');
                digest_text.push_str(part);
            }
            words.add(&fold(&digest_text), DIGEST);
            words.add(&fold(&digest.tags.join(" ")), TAG);
            words.post(di as u32, false);
            let attributed = attribute_keywords(digest);
            for (ai, article) in digest.articles.iter().enumerate() {
                let doc = docs.len() as u32;
                docs.push((di as u32, ai as u32));
                words.add(&fold(&article.title), TITLE);
                words.add(&fold(&article.source), SOURCE);
                for keyword in &attributed[ai] {
                    words.add(&fold(keyword), KEYWORD);
                }
                let mut body = plain_text(&article.body);
                for extra in [&article.author, &article.link].into_iter().flatten() {
                    body.push(' ');
                    body.push_str(extra);
                }
                words.add(&fold(&body), BODY);
                words.post(doc, true);
            }
        }
        digest_docs.push(docs.len() as u32);
        let Words { ids, mut article_postings, digest_postings, .. } = words;
        // Frequent words become bit sets.
        let doc_words = docs.len().div_ceil(64);
        let mut dense_of = vec![u32::MAX; article_postings.len()];
        let mut dense = Vec::new();
        for (word, postings) in article_postings.iter_mut().enumerate() {
            if postings.len() < DENSE_POSTINGS {
                continue;
            }
            dense_of[word] = (dense.len() / (2 * doc_words)) as u32;
            let base = dense.len();
            dense.resize(base + 2 * doc_words, 0);
            for &packed in postings.iter() {
                let (doc, fields) = ((packed >> FIELD_BITS) as usize, (packed & FIELD_MASK) as u8);
                if fields & STRONG_OWN != 0 {
                    dense[base + doc / 64] |= 1 << (doc % 64);
                }
                if fields & BODY != 0 {
                    dense[base + doc_words + doc / 64] |= 1 << (doc % 64);
                }
            }
            *postings = Vec::new();
        }
        let mut ordered: Vec<(String, u32)> = ids.into_iter().collect();
        ordered.sort_unstable_by_key(|(_, id)| *id);
        let mut vocab = String::new();
        let mut starts = Vec::with_capacity(ordered.len());
        for (word, _) in &ordered {
            starts.push(vocab.len() as u32);
            vocab.push_str(word);
            vocab.push('\n');
        }
        let mut pairs: Vec<Vec<u32>> = vec![Vec::new(); 1 << 16];
        for (word, &start) in starts.iter().enumerate() {
            let bytes = &vocab.as_bytes()[start as usize..];
            let end = memchr::memchr(b'\n', bytes).unwrap_or(bytes.len());
            for pair in bytes[..end].windows(2) {
                let list = &mut pairs[(pair[0] as usize) << 8 | pair[1] as usize];
                if list.last() != Some(&(word as u32)) {
                    list.push(word as u32);
                }
            }
        }
        let dates: Vec<NaiveDate> = digests.iter().map(|d| d.date).collect();
        let newest_first = dates.windows(2).all(|w| w[0] >= w[1]);
        SearchIndex {
            docs,
            digest_docs,
            dates,
            newest_first,
            vocab,
            starts,
            article_postings: Lists::from(article_postings),
            dense_of,
            dense,
            digest_postings: Lists::from(digest_postings),
            pairs: Lists::from(pairs),
        }
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
        let empty = SearchResults { total: 0, hits: Vec::new() };
        let folded = fold(query);
        let mut terms: Vec<&str> = folded.split_whitespace().collect();
        terms.sort_unstable();
        terms.dedup();
        if terms.is_empty() || self.docs.is_empty() {
            return empty;
        }
        let mut term_words: Vec<(Vec<usize>, usize)> = Vec::with_capacity(terms.len());
        for term in &terms {
            let words = self.words_containing(term);
            let count: usize = words
                .iter()
                .map(|&w| {
                    let dense = if self.dense_of[w] == u32::MAX { 0 } else { DENSE_POSTINGS };
                    self.article_postings.get(w).len() + dense + self.digest_postings.get(w).len()
                })
                .sum();
            if count == 0 {
                return empty;
            }
            term_words.push((words, count));
        }
        term_words.sort_by_key(|(_, count)| *count);

        // The docs published by `today` that every term matches, and those where one matched strongly.
        let n = self.docs.len();
        let mut alive = Bits::new(n);
        if self.newest_first {
            let first = self.dates.partition_point(|&d| d > today);
            alive.set_range(self.digest_docs[first] as usize..n);
        } else {
            for (digest, &date) in self.dates.iter().enumerate() {
                if date <= today {
                    alive.set_range(self.docs_of(digest));
                }
            }
        }
        let mut strong_by_term = Vec::with_capacity(term_words.len());
        let mut any_strong = Bits::new(n);
        for (words, _) in &term_words {
            let (keep, strong) = self.term_matches(words);
            alive.and_with(&keep);
            any_strong.or_with(&strong);
            strong_by_term.push(strong);
        }
        any_strong.and_with(&alive);
        let total = alive.count();
        if total == 0 {
            return empty;
        }

        // Rank: strong first, newer digest, more strong words, article order. Docs are numbered in
        // (digest, article) order, so the page is the strong docs in order (finishing the last digest
        // reached, whose docs may reorder by strong word count), then the others in doc order.
        let key = |&(doc, strong_words): &(u32, u8)| {
            let (di, ai) = self.docs[doc as usize];
            (strong_words == 0, di, std::cmp::Reverse(strong_words), ai)
        };
        let wanted = offset.saturating_add(limit).min(total);
        if wanted == 0 {
            return SearchResults { total, hits: Vec::new() };
        }
        let mut ranked: Vec<(u32, u8)> = Vec::with_capacity(wanted);
        let mut last_digest = None;
        for doc in any_strong.ones() {
            let digest = self.docs[doc].0;
            if ranked.len() >= wanted && last_digest != Some(digest) {
                break;
            }
            last_digest = Some(digest);
            let strong_words = strong_by_term.iter().filter(|strong| strong.get(doc)).count() as u8;
            ranked.push((doc as u32, strong_words));
        }
        ranked.sort_unstable_by_key(key);
        ranked.truncate(wanted);
        if ranked.len() < wanted {
            let missing = wanted - ranked.len();
            let weak = alive.ones().filter(|&doc| !any_strong.get(doc)).take(missing);
            ranked.extend(weak.map(|doc| (doc as u32, 0)));
        }
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

    fn docs_of(&self, digest: usize) -> Range<usize> {
        self.digest_docs[digest] as usize..self.digest_docs[digest + 1] as usize
    }

    /// For a query word that occurs in `words`: the docs it matches, and those it matches strongly.
    /// An article matches when its own text has the word; or, when no article of its digest has it,
    /// when the digest's title, description or tags do. The match is strong in the article's title,
    /// source or keyword rows, or when the word is a tag of the digest and in the article's body.
    fn term_matches(&self, words: &[usize]) -> (Bits, Bits) {
        let n = self.docs.len();
        let mut strong_own = Bits::new(n);
        let mut body = Bits::new(n);
        let doc_words = strong_own.0.len();
        for &w in words {
            if self.dense_of[w] != u32::MAX {
                let base = self.dense_of[w] as usize * 2 * doc_words;
                let (strong_bits, body_bits) = self.dense[base..base + 2 * doc_words].split_at(doc_words);
                strong_own.0.iter_mut().zip(strong_bits).for_each(|(a, b)| *a |= b);
                body.0.iter_mut().zip(body_bits).for_each(|(a, b)| *a |= b);
                continue;
            }
            // Postings are sorted, so bits are gathered per 64-doc word in registers and stored once.
            let (mut at, mut strong_bits, mut body_bits) = (usize::MAX, 0u64, 0u64);
            for &packed in self.article_postings.get(w) {
                let doc = (packed >> FIELD_BITS) as usize;
                let fields = (packed & FIELD_MASK) as u8;
                if doc / 64 != at {
                    if at != usize::MAX {
                        strong_own.0[at] |= strong_bits;
                        body.0[at] |= body_bits;
                    }
                    (at, strong_bits, body_bits) = (doc / 64, 0, 0);
                }
                let bit = 1u64 << (doc % 64);
                strong_bits |= bit & 0u64.wrapping_sub((fields & STRONG_OWN != 0) as u64);
                body_bits |= bit & 0u64.wrapping_sub((fields & BODY != 0) as u64);
            }
            if at != usize::MAX {
                strong_own.0[at] |= strong_bits;
                body.0[at] |= body_bits;
            }
        }
        let mut own = strong_own.clone();
        own.or_with(&body);
        let mut keep = own.clone();
        let mut tagged = Bits::new(n);
        for &w in words {
            for &packed in self.digest_postings.get(w) {
                let docs = self.docs_of((packed >> FIELD_BITS) as usize);
                if !own.any_in(docs.clone()) {
                    keep.set_range(docs.clone());
                }
                if (packed & FIELD_MASK) as u8 & TAG != 0 {
                    tagged.set_range(docs);
                }
            }
        }
        let mut strong = body;
        strong.and_with(&tagged);
        strong.or_with(&strong_own);
        (keep, strong)
    }

    /// The words of the vocabulary that contain `term`, ascending.
    fn words_containing(&self, term: &str) -> Vec<usize> {
        let bytes = term.as_bytes();
        if bytes.len() >= 2 {
            // Check the words of the term's rarest byte pair.
            let candidates = bytes
                .windows(2)
                .map(|pair| self.pairs.get((pair[0] as usize) << 8 | pair[1] as usize))
                .min_by_key(|list| list.len())
                .expect("two bytes make a pair");
            if bytes.len() == 2 {
                return candidates.iter().map(|&w| w as usize).collect();
            }
            let finder = memchr::memmem::Finder::new(bytes);
            return candidates
                .iter()
                .map(|&w| w as usize)
                .filter(|&w| {
                    let start = self.starts[w] as usize;
                    let end = self.starts.get(w + 1).map_or(self.vocab.len(), |&s| s as usize) - 1;
                    finder.find(&self.vocab.as_bytes()[start..end]).is_some()
                })
                .collect();
        }
        // One byte: every occurrence of it in the vocabulary.
        let mut words: Vec<usize> = Vec::new();
        for pos in memchr::memchr_iter(bytes.first().copied().unwrap_or(b'\n'), self.vocab.as_bytes()) {
            let word = self.starts.partition_point(|&s| s as usize <= pos) - 1;
            if words.last() != Some(&word) {
                words.push(word);
            }
        }
        words
    }
}

/// Lists of numbers stored one after the other: list `i` is `items[starts[i]..starts[i + 1]]`.
#[derive(Debug, Default)]
struct Lists {
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl Lists {
    fn get(&self, i: usize) -> &[u32] {
        &self.items[self.starts[i] as usize..self.starts[i + 1] as usize]
    }
}

impl From<Vec<Vec<u32>>> for Lists {
    fn from(lists: Vec<Vec<u32>>) -> Lists {
        let mut starts = Vec::with_capacity(lists.len() + 1);
        let mut items = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        starts.push(0);
        for list in lists {
            items.extend_from_slice(&list);
            starts.push(items.len() as u32);
        }
        Lists { starts, items }
    }
}

/// A set of doc numbers.
#[derive(Clone)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }

    fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    /// The mask of the bits of word `w` that fall in `range`.
    fn mask(w: usize, range: &Range<usize>) -> u64 {
        let lo = range.start.max(w * 64) - w * 64;
        let hi = range.end.min(w * 64 + 64) - w * 64;
        if hi <= lo { 0 } else { (u64::MAX >> (64 - (hi - lo))) << lo }
    }

    fn set_range(&mut self, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        for w in range.start / 64..=(range.end - 1) / 64 {
            self.0[w] |= Bits::mask(w, &range);
        }
    }

    fn any_in(&self, range: Range<usize>) -> bool {
        !range.is_empty() && (range.start / 64..=(range.end - 1) / 64).any(|w| self.0[w] & Bits::mask(w, &range) != 0)
    }

    fn and_with(&mut self, other: &Bits) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a &= b);
    }

    fn or_with(&mut self, other: &Bits) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a |= b);
    }

    fn count(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The members, ascending.
    fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &bits)| {
            let mut bits = bits;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let bit = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    w * 64 + bit
                })
            })
        })
    }
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
    // The body's text with white space runs made single spaces.
    let mut plain = String::with_capacity(4096);
    blocks_plain_text(&article.body, &mut plain);
    let mut text = String::with_capacity(plain.len());
    for word in plain.split_whitespace() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(word);
    }
    // Lower-case char by char so that char `i` of `lower` is char `i` of `text`; a match's char
    // position is then the number of chars before it.
    let mut lower = String::with_capacity(text.len() + 8);
    lower.extend(text.chars().map(lower_char));
    let at = terms
        .iter()
        .filter(|term| !term.is_empty())
        .filter_map(|term| lower.find(term).map(|byte| lower[..byte].chars().count()))
        .min();
    let chars = text.chars().count();
    let (start, end) = match at {
        Some(i) => (i.saturating_sub(SNIPPET_CONTEXT), (i + SNIPPET_CONTEXT * 2).min(chars)),
        None => (0, (SNIPPET_CONTEXT * 3).min(chars)),
    };
    let byte_at = |char_index: usize| text.char_indices().nth(char_index).map_or(text.len(), |(byte, _)| byte);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(&text[byte_at(start)..byte_at(end)]);
    if end < chars {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Library;
    use unicode_normalization::UnicodeNormalization;

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
