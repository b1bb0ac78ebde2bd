//! The YAML front matter of a digest: splitting it off the body, its caps, and reading its fields.
//!
//! A digest may open with `---`, `key: value` lines and a closing `---` (or `...`). `split` cuts
//! that part off; `FrontMatter::read` checks its caps before serde_yaml sees it (its size, how
//! deep `[` and `{` nest and how many there are, since serde_yaml's scanner slows with the square of
//! flow nesting), then reads the fields digestbot uses (title, date, category, tags, author,
//! description) into typed values, ignoring any other key. Errors carry the file line they point at.

use chrono::NaiveDate;
use serde_yaml::Value;

use super::parse::{ParseErrorKind, parse_date};

/// How deep `[` and `{` may nest in the front matter: digests use flat lists such as `tags: [a, b]`.
pub const MAX_FRONT_MATTER_NESTING: usize = 8;

/// How many `[` and `{` the front matter may hold in all, quoted or not. This bounds serde_yaml's
/// work however the brackets hide among quotes (its cost grows with tokens times nesting depth).
pub const MAX_FRONT_MATTER_BRACKETS: usize = 256;

/// The front matter starts on file line 2, after the opening `---`.
const FRONT_MATTER_LINE: usize = 2;

/// Splits `---` front matter from the body. Returns the YAML (if any), the body, and the 1-based file
/// line the body starts on; `None` when the front matter is never closed.
pub(super) fn split(text: &str) -> Option<(Option<&str>, &str, usize)> {
    let first_line = text.split('\n').next().unwrap_or("");
    if first_line.trim_end() != "---" {
        return Some((None, text, 1));
    }
    let yaml_start = first_line.len() + 1;
    let mut pos = yaml_start;
    let mut line = 2;
    while pos <= text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let current = text[pos..end].trim_end();
        if current == "---" || current == "..." {
            let body_start = (end + 1).min(text.len());
            return Some((Some(&text[yaml_start..pos]), &text[body_start..], line + 1));
        }
        pos = end + 1;
        line += 1;
    }
    None
}

/// Refuses front matter whose flow collections nest deeper than [`MAX_FRONT_MATTER_NESTING`] (with
/// the line where they do) or that holds more than [`MAX_FRONT_MATTER_BRACKETS`] brackets, before
/// serde_yaml sees it. The nesting is measured by a small scanner that skips quoted strings and
/// comments the way YAML does for ordinary front matter; the bracket count is the hard bound that
/// holds even where that scanner and YAML disagree about what is quoted.
fn check_brackets(yaml: &str) -> Result<(), (usize, ParseErrorKind)> {
    let opens = yaml.bytes().filter(|b| matches!(b, b'[' | b'{')).count();
    if opens > MAX_FRONT_MATTER_BRACKETS {
        return Err((FRONT_MATTER_LINE, ParseErrorKind::FrontMatterTooManyBrackets));
    }
    let bytes = yaml.as_bytes();
    let mut depth = 0usize;
    let mut line = FRONT_MATTER_LINE;
    let mut i = 0;
    // The byte before `i`, for deciding whether a quote or `#` starts a token.
    let mut prev = b'\n';
    while i < bytes.len() {
        let b = bytes[i];
        let token_start = matches!(prev, b' ' | b'\t' | b'\n' | b'[' | b'{' | b',' | b':');
        match b {
            b'\n' => line += 1,
            b'#' if matches!(prev, b' ' | b'\t' | b'\n') => {
                while i + 1 < bytes.len() && bytes[i + 1] != b'\n' {
                    i += 1;
                }
            }
            b'"' | b'\'' if token_start => {
                // Skip to the closing quote: `\x` escapes in double quotes, `''` in single ones.
                i += 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\n' => line += 1,
                        b'\\' if b == b'"' => {
                            i += 1;
                            if bytes.get(i) == Some(&b'\n') {
                                line += 1;
                            }
                        }
                        b'\'' if b == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
                        c if c == b => break,
                        _ => {}
                    }
                    i += 1;
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_FRONT_MATTER_NESTING {
                    return Err((line, ParseErrorKind::FrontMatterTooDeep));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        prev = bytes.get(i).copied().unwrap_or(b'\n');
        i += 1;
    }
    Ok(())
}

/// A value from the file, quoted for an error message: escaped like `{:?}` and cut to 60 characters.
fn quoted(value: &str) -> String {
    let cut: String = value.chars().take(60).collect();
    let more = if cut.len() < value.len() { "…" } else { "" };
    format!("{cut:?}{more}")
}

/// The front matter fields digestbot reads; other keys are ignored.
#[derive(Default)]
pub(super) struct FrontMatter {
    pub(super) title: Option<String>,
    /// The date and the file line of its key.
    pub(super) date: Option<(NaiveDate, usize)>,
    pub(super) category: Option<String>,
    pub(super) tags: Vec<String>,
    pub(super) author: Option<String>,
    pub(super) description: Option<String>,
}

impl FrontMatter {
    /// Reads the front matter between the `---` lines, its caps checked first: at most `max_bytes`
    /// bytes, then the brackets (see [`check_brackets`]), and only then serde_yaml.
    pub(super) fn read(yaml: &str, max_bytes: usize) -> Result<FrontMatter, (usize, ParseErrorKind)> {
        if yaml.len() > max_bytes {
            return Err((
                FRONT_MATTER_LINE,
                ParseErrorKind::FrontMatterTooLarge { size: yaml.len(), limit: max_bytes },
            ));
        }
        check_brackets(yaml)?;
        FrontMatter::parse(yaml)
    }

    fn parse(yaml: &str) -> Result<FrontMatter, (usize, ParseErrorKind)> {
        let value: Value = serde_yaml::from_str(yaml).map_err(|e| {
            let line = e.location().map_or(0, |l| l.line().saturating_sub(1)) + FRONT_MATTER_LINE;
            (line, ParseErrorKind::Yaml(yaml_message(&e)))
        })?;
        let map = match value {
            Value::Mapping(map) => map,
            Value::Null => return Ok(FrontMatter::default()),
            _ => return Err((FRONT_MATTER_LINE, ParseErrorKind::NotAMapping)),
        };
        let field_err =
            |field: &'static str, message: String| (key_line(yaml, field), ParseErrorKind::Field { field, message });
        let text = |field: &'static str| -> Result<Option<String>, (usize, ParseErrorKind)> {
            match map.get(field) {
                None | Some(Value::Null) => Ok(None),
                // Trim the string in place rather than cloning it first.
                Some(Value::String(s)) => Ok(Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string)),
                Some(v) => scalar(v)
                    .map(|s| Some(s.trim().to_string()).filter(|s| !s.is_empty()))
                    .ok_or_else(|| field_err(field, "expected text".to_string())),
            }
        };
        let date = match text("date")? {
            None => None,
            Some(s) => Some((
                parse_date(&s)
                    .ok_or_else(|| field_err("date", format!("expected a date as YYYY-MM-DD, found {}", quoted(&s))))?,
                key_line(yaml, "date"),
            )),
        };
        let tags = match map.get("tags") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Sequence(items)) => items
                .iter()
                .map(|v| scalar(v).ok_or_else(|| field_err("tags", "each tag must be text".to_string())))
                .collect::<Result<Vec<_>, _>>()?,
            Some(v) => match scalar(v) {
                Some(s) => s.split(',').map(str::to_string).collect(),
                None => return Err(field_err("tags", "expected a list or comma-separated text".to_string())),
            },
        };
        let tags = tags.into_iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
        Ok(FrontMatter {
            title: text("title")?,
            date,
            category: text("category")?,
            tags,
            author: text("author")?,
            description: text("description")?,
        })
    }
}

/// serde_yaml's message without its trailing " at line N column M" (we give the file line ourselves).
fn yaml_message(e: &serde_yaml::Error) -> String {
    let message = e.to_string();
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    }
}

/// A YAML scalar as text; `None` for sequences and mappings.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(tagged) => scalar(&tagged.value),
        Value::Null | Value::Sequence(_) | Value::Mapping(_) => None,
    }
}

/// The file line of `key:` in the front matter, or the front matter's first line.
fn key_line(yaml: &str, key: &str) -> usize {
    yaml.lines()
        .position(|l| l.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with(':')))
        .map_or(FRONT_MATTER_LINE, |i| i + FRONT_MATTER_LINE)
}

#[cfg(test)]
mod tests {
    use crate::digest::parse;

    #[test]
    fn tags_as_comma_string_and_unknown_keys() {
        let md = "---\ntitle: T\ndate: 2026-01-05\ntags: Rust, Cloud ,  , ADR\nmood: sunny\nextra: [1, 2]\n---\nbody\n";
        let d = parse("a.md", md.as_bytes()).unwrap();
        assert_eq!(d.tags, ["Rust", "Cloud", "ADR"]);
        assert_eq!(d.title, "T");
    }
}
