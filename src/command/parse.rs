//! From what the user typed to a [`Command`].
//!
//! Slack sends the text after `/digest` (`keyword hybrid cloud`); `digestbot ask` takes the whole line
//! (`/digest issue 2026-02-09`); Discord sends a subcommand and named options, which may also be typed
//! as `name:value` (`/digest keyword query:ADR`). All three end up here. Korean aliases (`검색`, `목록`,
//! ...) are accepted too.

use super::Command;

/// Input that is not a usable command. The reply names the problem; see `error_reply`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("unknown subcommand `{0}`")]
    Unknown(String),
    #[error("keyword needs a query")]
    EmptyQuery,
    #[error("`{0}` is not a page number")]
    BadPage(String),
}

/// Parses a typed command line, with or without the leading `/digest`.
pub fn parse(input: &str) -> Result<Command, CommandError> {
    let mut rest = input.trim();
    if let Some(after) = strip_prefix_ignore_case(rest, "/digest")
        && (after.is_empty() || after.starts_with(char::is_whitespace))
    {
        rest = after.trim_start();
    }
    let (sub, args) = match rest.split_once(char::is_whitespace) {
        Some((sub, args)) => (sub, args.trim()),
        None => (rest, ""),
    };
    let options = named_options(args);
    let arg = |name: &str| -> String {
        options.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_else(|| args.to_string())
    };
    build(sub, |name| arg(name))
}

/// Builds a command from Discord's subcommand name and its options (`name`, value as text).
pub fn parse_options(subcommand: &str, options: &[(String, String)]) -> Result<Command, CommandError> {
    build(subcommand, |name| options.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default())
}

fn build(sub: &str, arg: impl Fn(&str) -> String) -> Result<Command, CommandError> {
    let command = match sub.to_lowercase().as_str() {
        "" | "help" | "도움말" | "도움" => Command::Help,
        "latest" | "최신" => Command::Latest,
        "keyword" | "search" | "검색" | "키워드" => {
            let query = arg("query").trim().to_string();
            if query.is_empty() {
                return Err(CommandError::EmptyQuery);
            }
            Command::Keyword { query }
        }
        "issue" | "호" | "날짜" => Command::Issue { date: arg("date").trim().to_string() },
        "list" | "목록" => {
            let page = arg("page");
            let page = page.trim();
            if page.is_empty() {
                Command::List { page: 1 }
            } else {
                match page.parse::<usize>() {
                    Ok(n) if n >= 1 => Command::List { page: n },
                    _ => return Err(CommandError::BadPage(page.to_string())),
                }
            }
        }
        "subscribe" | "구독" => Command::Subscribe,
        "unsubscribe" | "구독해지" | "해지" => Command::Unsubscribe,
        "status" | "상태" => Command::Status,
        _ => return Err(CommandError::Unknown(sub.to_string())),
    };
    Ok(command)
}

/// `query:hybrid cloud` or `page:2` as typed in Discord's form; empty when the text is positional.
fn named_options(args: &str) -> Vec<(String, String)> {
    let Some((name, value)) = args.split_once(':') else { return Vec::new() };
    let name = name.trim();
    if matches!(name, "query" | "date" | "page") {
        vec![(name.to_string(), value.trim().to_string())]
    } else {
        Vec::new()
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<Command, CommandError>) {
        assert_eq!(parse(input), expected, "input {input:?}");
    }

    fn keyword(q: &str) -> Result<Command, CommandError> {
        Ok(Command::Keyword { query: q.into() })
    }

    #[test]
    fn slack_and_cli_forms() {
        check("/digest latest", Ok(Command::Latest));
        check("latest", Ok(Command::Latest));
        check("  /DIGEST   LATEST  ", Ok(Command::Latest));
        check("/digest keyword ADR", keyword("ADR"));
        check("/digest keyword hybrid cloud", keyword("hybrid cloud"));
        check("keyword   하이브리드   클라우드 ", keyword("하이브리드   클라우드"));
        check("/digest issue 2026-02-09", Ok(Command::Issue { date: "2026-02-09".into() }));
        check("/digest issue", Ok(Command::Issue { date: "".into() }));
        check("/digest list", Ok(Command::List { page: 1 }));
        check("/digest list 2", Ok(Command::List { page: 2 }));
        check("/digest subscribe", Ok(Command::Subscribe));
        check("/digest unsubscribe", Ok(Command::Unsubscribe));
        check("/digest status", Ok(Command::Status));
        check("/digest help", Ok(Command::Help));
        check("/digest", Ok(Command::Help));
        check("", Ok(Command::Help));
    }

    #[test]
    fn discord_name_value_forms() {
        check("/digest keyword query:ADR", keyword("ADR"));
        check("/digest keyword query: hybrid cloud", keyword("hybrid cloud"));
        check("/digest issue date:2026-02-09", Ok(Command::Issue { date: "2026-02-09".into() }));
        check("/digest list page:3", Ok(Command::List { page: 3 }));
        // A colon that is not an option name is part of the query.
        check("/digest keyword C++: a story", keyword("C++: a story"));
    }

    #[test]
    fn korean_aliases() {
        check("검색 ADR", keyword("ADR"));
        check("최신", Ok(Command::Latest));
        check("목록 2", Ok(Command::List { page: 2 }));
        check("구독", Ok(Command::Subscribe));
    }

    #[test]
    fn mistakes() {
        check("/digest keyword", Err(CommandError::EmptyQuery));
        check("/digest keyword query:", Err(CommandError::EmptyQuery));
        check("/digest list zero", Err(CommandError::BadPage("zero".into())));
        check("/digest list 0", Err(CommandError::BadPage("0".into())));
        check("/digest dance", Err(CommandError::Unknown("dance".into())));
        check("/digestlatest", Err(CommandError::Unknown("/digestlatest".into())));
    }

    #[test]
    fn options_from_discord() {
        let opts =
            |pairs: &[(&str, &str)]| pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
        assert_eq!(parse_options("keyword", &opts(&[("query", "ADR")])), keyword("ADR"));
        assert_eq!(parse_options("list", &opts(&[("page", "4")])), Ok(Command::List { page: 4 }));
        assert_eq!(parse_options("list", &[]), Ok(Command::List { page: 1 }));
        assert_eq!(
            parse_options("issue", &opts(&[("date", "2026-02-09")])),
            Ok(Command::Issue { date: "2026-02-09".into() })
        );
        assert_eq!(parse_options("keyword", &[]), Err(CommandError::EmptyQuery));
    }
}
