//! FNV-1a, 64 bits: the one stable, non-cryptographic hash of the bot. It gives a webhook URL a short
//! label safe to log, seeds the retry jitter, and makes a delivery nonce from (digest, channel, part).
//! It hides nothing (anyone can compute it) and no code may rely on it to keep a secret; what it
//! gives is a value that is the same on every run, every machine and every Rust version, which
//! `std`'s hashers do not promise. Pure: no I/O.

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// The FNV-1a 64-bit hash of `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(PRIME))
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
}
