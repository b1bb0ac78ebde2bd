//! Logging: the subscriber `main` installs, and [`untrusted`], the one way text from users and files
//! reaches a log line.
//!
//! A log line is only as trustworthy as what it quotes. Command text, user and channel names, query
//! text, hosts out of URLs someone else sent, and error strings returned by a platform are written
//! through [`untrusted`]: quoted and escaped as `{:?}` does (a newline is `\n`, ESC is `\u{1b}`, so no
//! one can forge a line or colour the terminal), and cut to [`UNTRUSTED_MAX_CHARS`] characters.
//!
//! [`init`] picks the format from `DIGESTBOT_LOG_FORMAT` (`text`, the default, or `json`: one JSON
//! object a line, from tracing-subscriber's own JSON layer) and uses colours only when stderr is a
//! terminal. Any other value is refused before anything runs.

use std::fmt;
use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

/// The environment variable choosing the log format.
pub const FORMAT_VAR: &str = "DIGESTBOT_LOG_FORMAT";
/// How many characters of an untrusted text a log line keeps; longer text ends with `…`.
pub const UNTRUSTED_MAX_CHARS: usize = 200;

/// Text from outside (users, files, platforms) as it may appear in a log line: see [`untrusted`].
#[derive(Clone, Copy)]
pub struct Untrusted<'a>(&'a str);

/// Wraps `text` for a log field: `text = %untrusted(&form.text)`. Displays as a quoted, escaped
/// string like `{:?}`, cut on a character boundary after [`UNTRUSTED_MAX_CHARS`] characters with `…`.
pub fn untrusted(text: &str) -> Untrusted<'_> {
    Untrusted(text)
}

impl fmt::Display for Untrusted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cut = self.0.char_indices().nth(UNTRUSTED_MAX_CHARS).map(|(at, _)| at);
        let kept = &self.0[..cut.unwrap_or(self.0.len())];
        // `{:?}` of a str escapes quotes, backslashes, every control character (C0, DEL, C1) and
        // other non-printable ones; the ellipsis goes inside the quotes so the value stays one string.
        let quoted = format!("{kept:?}");
        match cut {
            Some(_) => write!(f, "{}…\"", &quoted[..quoted.len() - 1]),
            None => f.write_str(&quoted),
        }
    }
}

impl fmt::Debug for Untrusted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The log format, from [`FORMAT_VAR`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    Text,
    /// One JSON object a line, for journald and log shippers.
    Json,
}

/// Why logging could not start.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LogError {
    #[error("{FORMAT_VAR}={value} is not a log format: use `text` (the default) or `json`")]
    UnknownFormat { value: String },
}

impl LogFormat {
    /// Reads the variable's value: unset, empty or `text` is [`LogFormat::Text`], `json` is
    /// [`LogFormat::Json`] (either in any case, spaces around ignored); anything else is an error.
    pub fn from_var(value: Option<&str>) -> Result<LogFormat, LogError> {
        let Some(value) = value else { return Ok(LogFormat::Text) };
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(LogError::UnknownFormat { value: untrusted(value).to_string() }),
        }
    }
}

/// `text` for a terminal or a report line: control characters (a newline, an escape, a C1 code) and
/// the characters payloads never carry (bidi overrides and marks) are written as `\u{…}` escapes;
/// everything else, Korean included, is kept as it is. Borrowed when nothing needs escaping.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| c.is_control() || crate::render::clean::is_unwanted(c);
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars().map(|c| if hidden(c) { c.escape_unicode().to_string() } else { c.to_string() }).collect()
}

/// Modules kept quieter than the default level unless `RUST_LOG` says otherwise.
pub const QUIET_BY_DEFAULT: &str = "serenity::gateway::ws=error";

/// Installs the global subscriber, writing to stderr: `RUST_LOG` if set, else `default_level`; the
/// format from [`FORMAT_VAR`]; ANSI colours only when stderr is a terminal (never in JSON).
pub fn init(default_level: &str) -> Result<(), LogError> {
    let format = LogFormat::from_var(std::env::var(FORMAT_VAR).ok().as_deref())?;
    // serenity logs a gateway frame it cannot read whole, at warn, and frames carry interaction
    // tokens: by default keep that module to errors (the frames it can parse but not type are logged
    // by `discord::handler::RawEvents`, without tokens). An explicit RUST_LOG is taken as written.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{default_level},{QUIET_BY_DEFAULT}")));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder.json().with_ansi(false).init(),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_text_is_quoted_and_escaped() {
        assert_eq!(untrusted("keyword ADR").to_string(), "\"keyword ADR\"");
        let forged = "x\n2026-02-09T00:00:00Z ERROR forged\r\x1b[31mred\x1b[0m\u{9b}2J\t\"q\"\\";
        let shown = untrusted(forged).to_string();
        assert_eq!(shown, r#""x\n2026-02-09T00:00:00Z ERROR forged\r\u{1b}[31mred\u{1b}[0m\u{9b}2J\t\"q\"\\""#);
        assert!(!shown.chars().any(|c| c.is_control()), "{shown}");
        // Format characters that reorder a terminal line are escaped too.
        assert_eq!(untrusted("a\u{202e}b\0").to_string(), r#""a\u{202e}b\0""#);
    }

    #[test]
    fn terminal_safe_text_escapes_controls_and_bidi_only() {
        assert!(matches!(terminal_safe("한글 ok: `x`"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(
            terminal_safe("a\u{1b}]8;;x\u{7}\r\nfake.md:1: ok\u{202e}\u{200f}"),
            "a\\u{1b}]8;;x\\u{7}\\u{d}\\u{a}fake.md:1: ok\\u{202e}\\u{200f}"
        );
    }

    #[test]
    fn untrusted_text_is_cut_on_a_character_boundary() {
        let exact = "가".repeat(UNTRUSTED_MAX_CHARS);
        assert_eq!(untrusted(&exact).to_string(), format!("\"{exact}\""));
        let long = "가".repeat(UNTRUSTED_MAX_CHARS + 1);
        assert_eq!(untrusted(&long).to_string(), format!("\"{exact}…\""));
        // A cut escape never leaves half of it: the cut is counted in input characters.
        let newlines = "\n".repeat(1000);
        let shown = untrusted(&newlines).to_string();
        assert_eq!(shown, format!("\"{}…\"", "\\n".repeat(UNTRUSTED_MAX_CHARS)));
        assert_eq!(untrusted("").to_string(), "\"\"");
    }

    #[test]
    fn log_formats() {
        assert_eq!(LogFormat::from_var(None), Ok(LogFormat::Text));
        assert_eq!(LogFormat::from_var(Some("")), Ok(LogFormat::Text));
        assert_eq!(LogFormat::from_var(Some("text")), Ok(LogFormat::Text));
        assert_eq!(LogFormat::from_var(Some(" JSON ")), Ok(LogFormat::Json));
        let error = LogFormat::from_var(Some("yaml\x1b[31m")).unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"DIGESTBOT_LOG_FORMAT="yaml\u{1b}[31m" is not a log format: use `text` (the default) or `json`"#
        );
    }
}
