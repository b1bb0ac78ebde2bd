//! Slack request signing, checked: is this request from Slack, untouched, and recent?
//!
//! Slack signs every request with the app's signing secret: `v0=` and the hex HMAC-SHA256 of
//! `v0:{X-Slack-Request-Timestamp}:{raw body}`, sent as `X-Slack-Signature`. [`verify`] recomputes it
//! over the raw bytes (before any form parsing), compares in constant time, and refuses timestamps more
//! than five minutes from now in either direction, so a captured request cannot be replayed later.
//! Pure: the clock reading is a parameter.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::secret::Secret;

/// The header carrying the request's Unix time in seconds.
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
/// The header carrying `v0=<hex signature>`.
pub const SIGNATURE_HEADER: &str = "x-slack-signature";
/// Requests larger than this are refused before any verification work. A slash command is a
/// few hundred bytes.
pub const MAX_BODY: usize = 64 * 1024;
/// How far the request's timestamp may be from now, either way.
pub const MAX_SKEW_SECS: i64 = 5 * 60;

/// The only signature version Slack uses so far.
const VERSION: &str = "v0";

/// Why a request was refused. Every variant gets the same answer (401, nothing done); they differ in
/// what an operator reading the log should check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The signing secret is empty: a configuration mistake, so nothing can be verified.
    #[error("no signing secret is configured")]
    NoSecret,
    #[error("the request body is larger than {MAX_BODY} bytes")]
    TooLarge,
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    #[error("the request timestamp is not a Unix time in seconds")]
    BadTimestamp,
    /// Too old (a replay, or a clock far off) or too far in the future.
    #[error("the request timestamp is {skew_secs} s away from now (at most {MAX_SKEW_SECS} s allowed)")]
    Stale { skew_secs: i64 },
    /// Wrong secret, altered body or timestamp, or not a `v0=<hex>` signature at all.
    #[error("the signature does not match")]
    BadSignature,
}

/// Checks a request against the signing secret at the instant `now`.
pub fn verify(
    secret: &Secret,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), VerifyError> {
    if secret.expose().is_empty() {
        return Err(VerifyError::NoSecret);
    }
    if body.len() > MAX_BODY {
        return Err(VerifyError::TooLarge);
    }
    let timestamp = timestamp.ok_or(VerifyError::MissingHeader(TIMESTAMP_HEADER))?;
    let signature = signature.ok_or(VerifyError::MissingHeader(SIGNATURE_HEADER))?;
    let seconds = parse_timestamp(timestamp).ok_or(VerifyError::BadTimestamp)?;
    let skew_secs = now.timestamp().saturating_sub(seconds);
    if skew_secs.saturating_abs() > MAX_SKEW_SECS {
        return Err(VerifyError::Stale { skew_secs });
    }
    let expected = signature
        .strip_prefix(VERSION)
        .and_then(|rest| rest.strip_prefix('='))
        .and_then(decode_hex)
        .ok_or(VerifyError::BadSignature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()).expect("HMAC takes a key of any length");
    mac.update(format!("{VERSION}:{timestamp}:").as_bytes());
    mac.update(body);
    // `verify_slice` compares in constant time, and refuses a slice of the wrong length.
    mac.verify_slice(&expected).map_err(|_| VerifyError::BadSignature)
}

/// Digits only (no sign, no spaces), as Slack sends them.
fn parse_timestamp(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Hex to bytes, either case; `None` for an odd length or a non-hex digit.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    text.as_bytes().chunks(2).map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    // The example from Slack's "Verifying requests from Slack" guide.
    const GUIDE_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const GUIDE_TIMESTAMP: &str = "1531420618";
    const GUIDE_BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const GUIDE_SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(seconds, 0).unwrap()
    }

    fn guide_now() -> DateTime<Utc> {
        at(GUIDE_TIMESTAMP.parse().unwrap())
    }

    fn check(
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<(), VerifyError> {
        verify(&Secret::new(GUIDE_SECRET), timestamp, signature, body.as_bytes(), now)
    }

    #[test]
    fn slacks_own_example_verifies() {
        assert_eq!(check(Some(GUIDE_TIMESTAMP), Some(GUIDE_SIGNATURE), GUIDE_BODY, guide_now()), Ok(()));
        // Upper-case hex is the same signature.
        let upper = format!("v0={}", GUIDE_SIGNATURE[3..].to_uppercase());
        assert_eq!(check(Some(GUIDE_TIMESTAMP), Some(&upper), GUIDE_BODY, guide_now()), Ok(()));
    }

    #[test]
    fn clock_skew_up_to_five_minutes_either_way() {
        let ok = |skew: i64| {
            check(
                Some(GUIDE_TIMESTAMP),
                Some(GUIDE_SIGNATURE),
                GUIDE_BODY,
                guide_now() + chrono::Duration::seconds(skew),
            )
        };
        assert_eq!(ok(300), Ok(()));
        assert_eq!(ok(-300), Ok(()));
        assert_eq!(ok(301), Err(VerifyError::Stale { skew_secs: 301 }));
        assert_eq!(ok(-301), Err(VerifyError::Stale { skew_secs: -301 }));
        assert_eq!(ok(6 * 60), Err(VerifyError::Stale { skew_secs: 360 }));
        assert_eq!(ok(-86_400), Err(VerifyError::Stale { skew_secs: -86_400 }));
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let now = guide_now();
        // The body altered by one byte, truncated, or extended.
        let mut altered = GUIDE_BODY.as_bytes().to_vec();
        altered[10] ^= 1;
        let altered = String::from_utf8(altered).unwrap();
        assert_eq!(check(Some(GUIDE_TIMESTAMP), Some(GUIDE_SIGNATURE), &altered, now), Err(VerifyError::BadSignature));
        let short = &GUIDE_BODY[..GUIDE_BODY.len() - 1];
        assert_eq!(check(Some(GUIDE_TIMESTAMP), Some(GUIDE_SIGNATURE), short, now), Err(VerifyError::BadSignature));
        let long = format!("{GUIDE_BODY}&x=1");
        assert_eq!(check(Some(GUIDE_TIMESTAMP), Some(GUIDE_SIGNATURE), &long, now), Err(VerifyError::BadSignature));
        // A different (but fresh) timestamp.
        assert_eq!(check(Some("1531420619"), Some(GUIDE_SIGNATURE), GUIDE_BODY, now), Err(VerifyError::BadSignature));
        // Another secret.
        let other =
            verify(&Secret::new("another"), Some(GUIDE_TIMESTAMP), Some(GUIDE_SIGNATURE), GUIDE_BODY.as_bytes(), now);
        assert_eq!(other, Err(VerifyError::BadSignature));
        // One hex digit changed.
        let flipped = format!("{}4", &GUIDE_SIGNATURE[..GUIDE_SIGNATURE.len() - 1]);
        assert_eq!(check(Some(GUIDE_TIMESTAMP), Some(&flipped), GUIDE_BODY, now), Err(VerifyError::BadSignature));
    }

    #[test]
    fn malformed_signatures() {
        let now = guide_now();
        let hex = &GUIDE_SIGNATURE[3..];
        for bad in [
            hex.to_string(),                // no version
            format!("v1={hex}"),            // wrong version
            format!("V0={hex}"),            // versions are lower case
            format!("v0:{hex}"),            // wrong separator
            format!("v0={}", &hex[..62]),   // too short
            format!("v0={hex}00"),          // too long
            format!("v0={}", &hex[..63]),   // odd length
            format!("v0={}zz", &hex[..62]), // not hex
            format!("v0= {}", &hex[..63]),  // space
            "v0=".to_string(),
            String::new(),
        ] {
            assert_eq!(
                check(Some(GUIDE_TIMESTAMP), Some(&bad), GUIDE_BODY, now),
                Err(VerifyError::BadSignature),
                "{bad}"
            );
        }
    }

    #[test]
    fn missing_and_malformed_timestamps() {
        let now = guide_now();
        assert_eq!(
            check(None, Some(GUIDE_SIGNATURE), GUIDE_BODY, now),
            Err(VerifyError::MissingHeader(TIMESTAMP_HEADER))
        );
        assert_eq!(
            check(Some(GUIDE_TIMESTAMP), None, GUIDE_BODY, now),
            Err(VerifyError::MissingHeader(SIGNATURE_HEADER))
        );
        for bad in
            ["", "abc", "-1531420618", "+1531420618", " 1531420618", "1531420618.5", "1e9", "99999999999999999999"]
        {
            assert_eq!(
                check(Some(bad), Some(GUIDE_SIGNATURE), GUIDE_BODY, now),
                Err(VerifyError::BadTimestamp),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn oversized_bodies_and_empty_secrets_are_refused_first() {
        let body = vec![b'a'; MAX_BODY + 1];
        let secret = Secret::new(GUIDE_SECRET);
        assert_eq!(verify(&secret, None, None, &body, guide_now()), Err(VerifyError::TooLarge));
        assert_eq!(
            verify(&Secret::new(""), Some(GUIDE_TIMESTAMP), Some(GUIDE_SIGNATURE), GUIDE_BODY.as_bytes(), guide_now()),
            Err(VerifyError::NoSecret)
        );
    }

    #[test]
    fn a_body_of_exactly_the_limit_is_verified() {
        let body = vec![b'a'; MAX_BODY];
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s").unwrap();
        mac.update(b"v0:100:");
        mac.update(&body);
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        let signature = format!("v0={hex}");
        assert_eq!(verify(&Secret::new("s"), Some("100"), Some(&signature), &body, at(100)), Ok(()));
    }

    #[test]
    fn errors_never_show_the_secret() {
        let err = check(Some(GUIDE_TIMESTAMP), Some("v0=00"), GUIDE_BODY, guide_now()).unwrap_err();
        assert!(!err.to_string().contains(GUIDE_SECRET));
        assert!(!format!("{err:?}").contains(GUIDE_SECRET));
    }
}
