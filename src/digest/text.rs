//! Text as the digest module compares and shows it: NFC normalisation, case folding, plain text.
//!
//! A digest is turned into LF line endings and NFC before it is parsed (`normalise`), and search
//! folds queries and indexed text the same way ([`fold`]: lower case, then NFC), so a query typed
//! in decomposed Hangul or with capitals finds the precomposed text of a digest. Both check first
//! with a quick test that passes over ASCII and precomposed Hangul syllables without table look-ups
//! and only normalise text that needs it. [`plain_text`] is the visible text of Markdown blocks, for
//! callers that need one string (the block and inline walks live with the tree, in
//! [`super::markdown`]).

use std::borrow::Cow;

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use super::markdown::{Block, blocks_plain_text};

/// LF line endings and NFC, borrowing when the text already has both.
pub(super) fn normalise(text: &str) -> Cow<'_, str> {
    let mut text = Cow::Borrowed(text);
    if text.contains('\r') {
        text = Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"));
    }
    if nfc_quick_check(&text) != IsNormalized::Yes {
        text = Cow::Owned(text.nfc().collect());
    }
    text
}

/// Lower-cases and NFC-normalises a query or a text to be indexed.
pub fn fold(text: &str) -> String {
    let lower = to_lowercase(text);
    if nfc_quick_check(&lower) == IsNormalized::Yes { lower } else { lower.nfc().collect() }
}

/// `str::to_lowercase`, with Hangul syllables (which have no case) copied without a table look-up.
/// `str::to_lowercase` maps char by char except for 'Σ', whose form depends on its neighbours; text
/// with one goes to the standard function.
fn to_lowercase(text: &str) -> String {
    if text.contains('Σ') {
        return text.to_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if ('\u{AC00}'..='\u{D7A3}').contains(&c) {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The first char of `c` lower-cased (ASCII and Hangul syllables, which have no case, skip the
/// tables).
pub(super) fn lower_char(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else if ('\u{AC00}'..='\u{D7A3}').contains(&c) {
        c
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

/// The same answer as `is_nfc_quick(text.chars())`, faster on digests: precomposed Hangul syllables
/// (U+AC00..=U+D7A3), like ASCII, are starters (combining class 0) that are NFC whatever surrounds
/// them, so they need no table look-ups. Blocks of 32 bytes made only of ASCII and Hangul syllables
/// are recognised from their bytes alone; elsewhere, every character other than those goes through
/// the same steps as the library's quick check: the combining-class order test and the character's
/// NFC quick-check property (a one-character quick check).
fn nfc_quick_check(text: &str) -> IsNormalized {
    const BLOCK: usize = 32;
    let bytes = text.as_bytes();
    let mut last_class = 0u8;
    let mut result = IsNormalized::Yes;
    let mut i = 0;
    while i < bytes.len() {
        // `i` is at a character boundary. A block whose every byte is ASCII, a continuation byte or
        // the lead byte of a syllable holds only ASCII and syllables (the block starts at a boundary,
        // so its continuation bytes belong to its own leads or to the one before, a syllable too).
        if let Some(block) = bytes.get(i..i + BLOCK + 1)
            && block.windows(2).fold(true, |ok, pair| ok & syllable_or_ascii_byte(pair[0], pair[1]))
        {
            i += BLOCK;
            while bytes.get(i).is_some_and(|b| (0x80..0xC0).contains(b)) {
                i += 1;
            }
            last_class = 0;
            continue;
        }
        let end = (i + BLOCK).min(bytes.len());
        while i < end {
            let lead = bytes[i];
            if lead < 0x80 {
                last_class = 0;
                i += 1;
                continue;
            }
            // Three-byte sequences from U+A000 to U+DFFF start with 0xEA..=0xED.
            if (0xEA..=0xED).contains(&lead) && i + 2 < bytes.len() {
                let code = (u32::from(lead & 0x0F) << 12)
                    | (u32::from(bytes[i + 1] & 0x3F) << 6)
                    | u32::from(bytes[i + 2] & 0x3F);
                if (0xAC00..=0xD7A3).contains(&code) {
                    last_class = 0;
                    i += 3;
                    continue;
                }
            }
            let Some(ch) = text[i..].chars().next() else { return result };
            i += ch.len_utf8();
            let class = canonical_combining_class(ch);
            if last_class > class && class != 0 {
                return IsNormalized::No;
            }
            match is_nfc_quick(std::iter::once(ch)) {
                IsNormalized::Yes => {}
                IsNormalized::No => return IsNormalized::No,
                IsNormalized::Maybe => result = IsNormalized::Maybe,
            }
            last_class = class;
        }
    }
    result
}

/// Whether byte `b` (followed by `next`) is ASCII, a continuation byte, or the lead byte of a Hangul
/// syllable: 0xEB and 0xEC always (U+B000..=U+CFFF), 0xEA from U+AC00 on, 0xED up to U+D77F (the
/// last syllables, up to U+D7A3, are left to the careful path).
fn syllable_or_ascii_byte(b: u8, next: u8) -> bool {
    (b < 0xC0) | (b == 0xEB) | (b == 0xEC) | ((b == 0xEA) & (next >= 0xB0)) | ((b == 0xED) & (next < 0x9E))
}

/// The visible text of blocks, for callers that need a plain string.
pub fn plain_text(blocks: &[Block]) -> String {
    let mut out = String::new();
    blocks_plain_text(blocks, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../digests/2026-02-09-weekly.md");

    #[test]
    fn fast_nfc_check_agrees_with_the_library() {
        // The fast path rests on this: Hangul syllables are starters and NFC on their own.
        for ch in '\u{AC00}'..='\u{D7A3}' {
            assert_eq!(canonical_combining_class(ch), 0, "{ch}");
            assert_eq!(is_nfc_quick(std::iter::once(ch)), IsNormalized::Yes, "{ch}");
        }
        let nfd: String = SEED.nfd().collect();
        let fixed =
            [SEED, &nfd, "", "e\u{301}", "가\u{11A8}", "\u{1100}\u{1161}", "a\u{316}\u{301}", "a\u{301}\u{316}"];
        for text in fixed {
            assert_eq!(nfc_quick_check(text), is_nfc_quick(text.chars()), "{text:?}");
        }
        // Random mixes of ASCII, syllables (from each lead byte, and the last ones), conjoining jamo,
        // combining marks, punctuation and other characters that share the syllables' lead bytes.
        let alphabet = [
            'a', ' ', '가', '한', '글', '뷁', '힝', '힣', '\u{D7B0}', '\u{A000}', '\u{A66F}', '\u{1100}', '\u{1161}',
            '\u{11A8}', '\u{301}', '\u{316}', '\u{340}', '—', '“', 'é', '\u{2000}',
        ];
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for round in 0..40_000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            // Short strings, and long ones (past the 32-byte blocks), some with only the first seven
            // characters (ASCII and syllables) and some with anything now and then.
            let len = if round % 2 == 0 { (state >> 60) as usize } else { (state >> 56) as usize };
            let safe_only = round % 4 == 1;
            let text: String = (0..len)
                .map(|_| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    let pick = (state >> 33) as usize;
                    if safe_only || !pick.is_multiple_of(8) {
                        alphabet[pick % 7]
                    } else {
                        alphabet[(pick >> 3) % alphabet.len()]
                    }
                })
                .collect();
            assert_eq!(nfc_quick_check(&text), is_nfc_quick(text.chars()), "{text:?}");
        }
    }

    #[test]
    fn fast_lower_case_agrees_with_std() {
        let alphabet = ["A", "z", " ", "클", "라", "우", "드", "Ω", "İ", "Σ", "ς", "ǅ", "K", "—", "É", "\u{301}"];
        let mut state = 11u64;
        for _ in 0..20_000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let mut text = String::new();
            for _ in 0..(state >> 60) {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                text.push_str(alphabet[(state >> 33) as usize % alphabet.len()]);
            }
            assert_eq!(to_lowercase(&text), text.to_lowercase(), "{text:?}");
        }
    }
}
