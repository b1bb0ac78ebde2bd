//! FNV-1a, 64 bits: the one stable, non-cryptographic hash of the bot. It gives a webhook URL a short
//! label safe to log, seeds the retry jitter, and makes a delivery nonce from (digest, channel, part).
//! [`fingerprint`] is its word-at-a-time variant for whole files (a digest's version). It hides nothing (anyone can compute it) and no code may rely on it to keep a secret; what it
//! gives is a value that is the same on every run, every machine and every Rust version, which
//! `std`'s hashers do not promise. Pure: no I/O.

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;
/// 2^64 divided by the golden ratio, made odd: spreads each word over the whole state.
const WORD_MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

/// The FNV-1a 64-bit hash of `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(PRIME))
}

/// A fingerprint of a whole file's text, for telling versions apart: a little-endian 8-byte word at
/// a time (eight times fewer steps than [`fnv1a64`] takes, which matters on every digest loaded),
/// each step an XOR, a multiplication by an odd constant and a rotation (so a change in a word's high
/// bits reaches the low ones too), then the tail bytes, the length, and a final mix. Every step is a
/// bijection of the state, so texts that differ in one word always differ. Stable like `fnv1a64`;
/// not for security.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    let mut words = bytes.chunks_exact(8);
    let mut hash = OFFSET_BASIS;
    for word in &mut words {
        let word = u64::from_le_bytes(word.try_into().expect("chunks of 8"));
        hash = (hash ^ word).wrapping_mul(WORD_MULTIPLIER).rotate_left(31);
    }
    hash = words.remainder().iter().fold(hash, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(PRIME));
    hash ^= bytes.len() as u64;
    // splitmix64's finaliser: every input bit reaches every output bit.
    hash = (hash ^ (hash >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    hash = (hash ^ (hash >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    hash ^ (hash >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_values() {
        for (text, want) in
            [("", 0xcbf2_9ce4_8422_2325), ("a", 0xaf63_dc4c_8601_ec8c), ("foobar", 0x8594_4171_f739_67e8)]
        {
            assert_eq!(fnv1a64(text.as_bytes()), want, "{text:?}");
        }
    }

    #[test]
    fn fingerprints_are_stable_and_tell_texts_apart() {
        // Pinned: a stored fingerprint must mean the same text after an upgrade.
        assert_eq!(fingerprint(b""), fingerprint(b""));
        assert_eq!(fingerprint(b"digest text, version 1"), 0x4a77_4b77_e6b4_ee59);
        let text = "## 1. 토스 - \"하이브리드 클라우드\"\n".repeat(40);
        let mut seen = std::collections::HashSet::new();
        for i in 0..text.len() {
            let mut changed = text.clone().into_bytes();
            changed[i] ^= 1;
            assert!(seen.insert(fingerprint(&changed)), "byte {i}");
        }
        assert!(!seen.contains(&fingerprint(text.as_bytes())));
        assert_ne!(fingerprint(b"a"), fingerprint(b"a\0"), "the length counts");
    }
}
