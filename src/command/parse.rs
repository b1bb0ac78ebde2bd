//! From what the user typed to a [`Command`].
//!
//! Slack sends the text after `/digest` (`keyword hybrid cloud`); `digestbot ask` takes the whole line
//! (`/digest issue 2026-02-09`); Discord sends a subcommand and named options, which may also be typed
//! as `name:value` (`/digest keyword query:ADR`). All three end up here. Korean aliases (`검색`, `목록`,
//! ...) are accepted too. `subscribe` takes its `threads` value as `threads:article`, `threads article`
//! or just `article`.
//!
//! Discord's options are typed, and [`parse_options`] holds them to the registration: the registered
//! subcommands only, each option once, of its registered type, required ones present, values in range.
//! Discord enforces most of that itself, but an old registration, a client bug or a forged request can
//! still deliver anything serenity can read, and every such interaction gets a polite error.

use crate::digest::parse::parse_date;
use crate::target::ThreadMode;

use super::Command;

/// The longest keyword query, in characters (the Discord registration says the same).
pub const MAX_QUERY_CHARS: usize = 100;

/// Input that is not a usable command. The reply names the problem; see `error_reply`. The texts
/// carried are what the user typed: log them escaped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("unknown subcommand `{0}`")]
    Unknown(String),
    #[error("keyword needs a query")]
    EmptyQuery,
    #[error("the query has {0} characters, more than {MAX_QUERY_CHARS}")]
    QueryTooLong(usize),
    #[error("`{0}` is not a page number")]
    BadPage(String),
    #[error("`{0}` is not a date")]
    BadDate(String),
    #[error("the `{0}` option is missing")]
    MissingOption(&'static str),
    #[error("the subcommand has no option `{0}`")]
    UnexpectedOption(String),
    #[error("the `{option}` option should be {expected}")]
    WrongType { option: &'static str, expected: OptionKind },
    /// A `threads` value other than `off`, `issue` or `article` (empty when none was given).
    #[error("`{0}` is not a threads setting")]
    BadThreads(String),
}

impl CommandError {
    /// What kind of mistake this is, without the user's text (for the log).
    pub fn kind(&self) -> &'static str {
        match self {
            CommandError::Unknown(_) => "unknown subcommand",
            CommandError::EmptyQuery => "empty query",
            CommandError::QueryTooLong(_) => "query too long",
            CommandError::BadPage(_) => "bad page",
            CommandError::BadDate(_) => "bad date",
            CommandError::MissingOption(_) => "missing option",
            CommandError::UnexpectedOption(_) => "unexpected option",
            CommandError::WrongType { .. } => "wrong option type",
            CommandError::BadThreads(_) => "bad threads setting",
        }
    }
}

/// An option's value as Discord delivered it.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    String(String),
    Integer(i64),
    Number(f64),
    Boolean(bool),
    /// A type this bot never registers (user, channel, attachment, one Discord added later), by name.
    Other(String),
}

/// The option types `/digest` registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    String,
    Integer,
}

impl std::fmt::Display for OptionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OptionKind::String => "a string",
            OptionKind::Integer => "an integer",
        })
    }
}

impl OptionValue {
    /// The type's name, as Discord's documentation spells it.
    pub fn kind(&self) -> &str {
        match self {
            OptionValue::String(_) => "string",
            OptionValue::Integer(_) => "integer",
            OptionValue::Number(_) => "number",
            OptionValue::Boolean(_) => "boolean",
            OptionValue::Other(kind) => kind,
        }
    }
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

/// Builds a command from Discord's subcommand name and its typed options, checked against the
/// registration (see the module documentation).
pub fn parse_options(subcommand: &str, options: &[(String, OptionValue)]) -> Result<Command, CommandError> {
    let allowed: &[&str] = match subcommand {
        "latest" | "unsubscribe" | "status" | "help" => &[],
        "subscribe" => &["threads"],
        "keyword" => &["query"],
        "issue" | "preview" | "approve" | "hold" => &["date"],
        "list" => &["page"],
        _ => return Err(CommandError::Unknown(subcommand.to_string())),
    };
    for (i, (name, _)) in options.iter().enumerate() {
        if !allowed.contains(&name.as_str()) || options[..i].iter().any(|(seen, _)| seen == name) {
            return Err(CommandError::UnexpectedOption(name.clone()));
        }
    }
    let option = |name: &str| options.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    let command = match subcommand {
        "keyword" => match option("query") {
            None => return Err(CommandError::EmptyQuery),
            Some(OptionValue::String(query)) => Command::Keyword { query: query_text(query)? },
            Some(_) => return Err(CommandError::WrongType { option: "query", expected: OptionKind::String }),
        },
        "issue" => match option("date") {
            None => return Err(CommandError::MissingOption("date")),
            Some(OptionValue::String(date)) if parse_date(date).is_some() => {
                Command::Issue { date: date.trim().into() }
            }
            Some(OptionValue::String(date)) => return Err(CommandError::BadDate(date.clone())),
            Some(_) => return Err(CommandError::WrongType { option: "date", expected: OptionKind::String }),
        },
        "list" => match option("page") {
            None => Command::List { page: 1 },
            Some(OptionValue::Integer(n)) => match usize::try_from(*n) {
                Ok(page) if page >= 1 => Command::List { page },
                _ => return Err(CommandError::BadPage(n.to_string())),
            },
            Some(_) => return Err(CommandError::WrongType { option: "page", expected: OptionKind::Integer }),
        },
        "preview" | "approve" | "hold" => {
            let date = match option("date") {
                None => None,
                Some(OptionValue::String(date)) if parse_date(date).is_some() => Some(date.trim().to_string()),
                Some(OptionValue::String(date)) => return Err(CommandError::BadDate(date.clone())),
                Some(_) => return Err(CommandError::WrongType { option: "date", expected: OptionKind::String }),
            };
            match subcommand {
                "preview" => Command::Preview { date },
                sub => Command::Decide { approve: sub == "approve", date },
            }
        }
        "subscribe" => match option("threads") {
            None => Command::Subscribe { threads: None },
            Some(OptionValue::String(value)) => Command::Subscribe { threads: Some(thread_mode(value)?) },
            Some(_) => return Err(CommandError::WrongType { option: "threads", expected: OptionKind::String }),
        },
        other => build(other, |_| String::new())?,
    };
    Ok(command)
}

/// A query trimmed, neither empty nor longer than [`MAX_QUERY_CHARS`].
fn query_text(query: &str) -> Result<String, CommandError> {
    let query = query.trim();
    match query.chars().count() {
        0 => Err(CommandError::EmptyQuery),
        n if n > MAX_QUERY_CHARS => Err(CommandError::QueryTooLong(n)),
        _ => Ok(query.to_string()),
    }
}

/// `off`, `issue` or `article` (any case), or the error naming what was given.
fn thread_mode(value: &str) -> Result<ThreadMode, CommandError> {
    ThreadMode::parse(value).ok_or_else(|| CommandError::BadThreads(value.trim().to_string()))
}

/// The typed arguments of `subscribe`: nothing, `threads:<mode>`, `threads <mode>` or `<mode>`.
fn threads_argument(args: &str) -> Result<Option<ThreadMode>, CommandError> {
    let args = args.trim();
    if args.is_empty() {
        return Ok(None);
    }
    let value = match strip_prefix_ignore_case(args, "threads") {
        Some(rest) if rest.is_empty() || rest.starts_with(char::is_whitespace) => rest,
        Some(rest) if rest.starts_with(':') => &rest[1..],
        _ => args,
    };
    thread_mode(value).map(Some)
}

fn build(sub: &str, arg: impl Fn(&str) -> String) -> Result<Command, CommandError> {
    let command = match sub.to_lowercase().as_str() {
        "" | "help" | "도움말" | "도움" => Command::Help,
        "latest" | "최신" => Command::Latest,
        "keyword" | "search" | "검색" | "키워드" => Command::Keyword { query: query_text(&arg("query"))? },
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
        "subscribe" | "구독" => Command::Subscribe { threads: threads_argument(&arg("threads"))? },
        "unsubscribe" | "구독해지" | "해지" => Command::Unsubscribe,
        "status" | "상태" => Command::Status,
        "preview" | "미리보기" => Command::Preview { date: optional_date(&arg("date"))? },
        "approve" | "승인" => Command::Decide { approve: true, date: optional_date(&arg("date"))? },
        "hold" | "보류" => Command::Decide { approve: false, date: optional_date(&arg("date"))? },
        _ => return Err(CommandError::Unknown(sub.to_string())),
    };
    Ok(command)
}

/// A date typed after `preview`, `approve` or `hold`: nothing, or a `YYYY-MM-DD`.
fn optional_date(typed: &str) -> Result<Option<String>, CommandError> {
    match typed.trim() {
        "" => Ok(None),
        date if parse_date(date).is_some() => Ok(Some(date.to_string())),
        date => Err(CommandError::BadDate(date.to_string())),
    }
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
        check("/digest subscribe", Ok(Command::Subscribe { threads: None }));
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

    fn subscribe(mode: ThreadMode) -> Result<Command, CommandError> {
        Ok(Command::Subscribe { threads: Some(mode) })
    }

    #[test]
    fn subscribe_takes_a_threads_setting() {
        check("/digest subscribe threads:article", subscribe(ThreadMode::Article));
        check("/digest subscribe threads: issue", subscribe(ThreadMode::Issue));
        check("/digest subscribe threads off", subscribe(ThreadMode::Off));
        check("/digest subscribe article", subscribe(ThreadMode::Article));
        check("subscribe  ARTICLE ", subscribe(ThreadMode::Article));
        check("subscribe Threads:Issue", subscribe(ThreadMode::Issue));
        check("/digest subscribe   ", Ok(Command::Subscribe { threads: None }));
        let bad = |value: &str| Err(CommandError::BadThreads(value.into()));
        check("/digest subscribe threads:forum", bad("forum"));
        check("/digest subscribe forum", bad("forum"));
        check("/digest subscribe threads", bad(""));
        check("/digest subscribe threads:", bad(""));
        check("/digest subscribe threads article please", bad("article please"));
        check("/digest subscribe threadsarticle", bad("threadsarticle"));
        check("/digest subscribe query:ADR", bad("query:ADR"));
        // The other subcommands are unchanged by a `threads` word.
        check("/digest keyword threads:article", keyword("threads:article"));
        check("/digest status threads:article", Ok(Command::Status));
    }

    #[test]
    fn korean_aliases() {
        check("검색 ADR", keyword("ADR"));
        check("최신", Ok(Command::Latest));
        check("목록 2", Ok(Command::List { page: 2 }));
        check("구독", Ok(Command::Subscribe { threads: None }));
        check("구독 threads:article", subscribe(ThreadMode::Article));
        check("구독 issue", subscribe(ThreadMode::Issue));
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

    fn check_options(sub: &str, options: &[(&str, OptionValue)], expected: Result<Command, CommandError>) {
        let options: Vec<(String, OptionValue)> = options.iter().map(|(n, v)| (n.to_string(), v.clone())).collect();
        assert_eq!(parse_options(sub, &options), expected, "{sub} {options:?}");
    }

    fn text(s: &str) -> OptionValue {
        OptionValue::String(s.into())
    }

    #[test]
    fn options_from_discord() {
        use OptionValue::Integer;
        check_options("keyword", &[("query", text("ADR"))], keyword("ADR"));
        check_options("keyword", &[("query", text(" hybrid cloud "))], keyword("hybrid cloud"));
        check_options("list", &[("page", Integer(4))], Ok(Command::List { page: 4 }));
        check_options("list", &[], Ok(Command::List { page: 1 }));
        check_options("issue", &[("date", text("2026-02-09"))], Ok(Command::Issue { date: "2026-02-09".into() }));
        check_options("latest", &[], Ok(Command::Latest));
        check_options("status", &[], Ok(Command::Status));
        check_options("help", &[], Ok(Command::Help));
        check_options("subscribe", &[], Ok(Command::Subscribe { threads: None }));
        check_options("subscribe", &[("threads", text("article"))], subscribe(ThreadMode::Article));
        check_options("subscribe", &[("threads", text("off"))], subscribe(ThreadMode::Off));
    }

    #[test]
    fn discord_options_outside_the_registration() {
        use OptionValue::{Boolean, Integer, Number, Other};
        let wrong = |option, expected| Err(CommandError::WrongType { option, expected });
        // Unknown subcommands, Slack's aliases included: Discord registers only the English names.
        check_options("dance", &[], Err(CommandError::Unknown("dance".into())));
        check_options("검색", &[("query", text("ADR"))], Err(CommandError::Unknown("검색".into())));
        // Missing, empty, too long.
        check_options("keyword", &[], Err(CommandError::EmptyQuery));
        check_options("keyword", &[("query", text("  "))], Err(CommandError::EmptyQuery));
        check_options("keyword", &[("query", text(&"가".repeat(10_000)))], Err(CommandError::QueryTooLong(10_000)));
        check_options("keyword", &[("query", text(&"가".repeat(100)))], keyword(&"가".repeat(100)));
        check_options("issue", &[], Err(CommandError::MissingOption("date")));
        check_options("issue", &[("date", text("not a date"))], Err(CommandError::BadDate("not a date".into())));
        check_options("issue", &[("date", text("2026-02-30"))], Err(CommandError::BadDate("2026-02-30".into())));
        // Out of range.
        check_options("list", &[("page", Integer(0))], Err(CommandError::BadPage("0".into())));
        check_options("list", &[("page", Integer(-3))], Err(CommandError::BadPage("-3".into())));
        // Of another type than registered.
        check_options("list", &[("page", text("2"))], wrong("page", OptionKind::Integer));
        check_options("list", &[("page", Number(2.5))], wrong("page", OptionKind::Integer));
        check_options("keyword", &[("query", Integer(7))], wrong("query", OptionKind::String));
        check_options("keyword", &[("query", Other("type 99".into()))], wrong("query", OptionKind::String));
        check_options("issue", &[("date", Boolean(true))], wrong("date", OptionKind::String));
        check_options("subscribe", &[("threads", Integer(1))], wrong("threads", OptionKind::String));
        check_options("subscribe", &[("threads", text("forum"))], Err(CommandError::BadThreads("forum".into())));
        check_options("subscribe", &[("threads", text(""))], Err(CommandError::BadThreads(String::new())));
        check_options(
            "subscribe",
            &[("threads", text("off")), ("threads", text("issue"))],
            Err(CommandError::UnexpectedOption("threads".into())),
        );
        check_options("status", &[("threads", text("off"))], Err(CommandError::UnexpectedOption("threads".into())));
        // Options the subcommand does not take, or takes once.
        check_options("latest", &[("query", text("x"))], Err(CommandError::UnexpectedOption("query".into())));
        check_options(
            "keyword",
            &[("query", text("a")), ("query", text("b"))],
            Err(CommandError::UnexpectedOption("query".into())),
        );
        assert_eq!(Other("type 99".into()).kind(), "type 99");
        assert_eq!(CommandError::QueryTooLong(5).kind(), "query too long");
        assert_eq!(CommandError::BadThreads("x".into()).kind(), "bad threads setting");
    }

    #[test]
    fn typed_queries_have_the_same_cap() {
        check(&format!("keyword {}", "x".repeat(101)), Err(CommandError::QueryTooLong(101)));
    }
}
