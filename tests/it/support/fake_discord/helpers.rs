//! Small helpers of the REST side: the 429 body (`message`, `retry_after` in seconds to the
//! millisecond, `global`) and the `X-RateLimit-*` and `Retry-After` (whole seconds) headers of Discord's
//! docs Topics > Rate Limits, nonces as map keys, snowflake fields sent as strings (Reference >
//! Snowflakes), and timestamps in RFC 3339 with microseconds as Discord writes them (Reference >
//! ISO8601 Date/Time), and the `payload_json` part of a multipart body (Reference > Uploading Files).

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::MESSAGE_BUCKET;

pub(super) fn rate_limit_body(retry_after: f64, global: bool) -> Value {
    json!({"message": "You are being rate limited.", "retry_after": round3(retry_after), "global": global})
}

pub(super) fn rate_limit_headers(limit: u32, remaining: u32, reset_after: f64) -> Vec<(String, String)> {
    let reset = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64() + reset_after;
    vec![
        ("x-ratelimit-limit".to_string(), limit.to_string()),
        ("x-ratelimit-remaining".to_string(), remaining.to_string()),
        ("x-ratelimit-reset".to_string(), format!("{reset:.3}")),
        ("x-ratelimit-reset-after".to_string(), format!("{:.3}", round3(reset_after))),
        ("x-ratelimit-bucket".to_string(), MESSAGE_BUCKET.to_string()),
    ]
}

/// `Retry-After` is whole seconds, rounded up.
pub(super) fn retry_after_header(secs: f64) -> String {
    (secs.ceil().max(0.0) as u64).to_string()
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).ceil() / 1000.0
}

/// A nonce (string or integer) as a map key.
pub(super) fn nonce_key(nonce: &Value) -> Option<String> {
    match nonce {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A snowflake field sent as a string (or number).
pub(super) fn snowflake_field(value: &Value, key: &str) -> Option<u64> {
    match value.get(key)? {
        Value::String(s) => s.parse().ok(),
        other => other.as_u64(),
    }
}

/// RFC 3339 in UTC with microseconds, as Discord writes timestamps.
pub(super) fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, day_secs) = ((secs / 86_400) as i64, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        day_secs / 3600,
        day_secs / 60 % 60,
        day_secs % 60,
        since.subsec_micros()
    )
}

/// The `payload_json` part of a `multipart/form-data` body, parsed, as serenity sends forum posts
/// and uploads (Discord's docs: Reference > Uploading Files).
pub(super) fn multipart_payload_json(content_type: &str, body: &[u8]) -> Option<Value> {
    let boundary = content_type
        .strip_prefix("multipart/form-data")?
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    text.split(delimiter.as_str()).find_map(|part| {
        let (head, content) = part.split_once("\r\n\r\n")?;
        if !head.contains("name=\"payload_json\"") {
            return None;
        }
        serde_json::from_str(content.strip_suffix("\r\n").unwrap_or(content)).ok()
    })
}
