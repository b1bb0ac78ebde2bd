//! The `/digest` commands as pure functions that both platforms call.
//!
//! A platform turns what the user typed (Slack's text, Discord's options) into a [`Command`] with
//! [`parse`], does whatever I/O the command needs (only `subscribe`, `unsubscribe` and `status` touch
//! the store), and then asks this module for the [`Reply`]: a neutral [`Doc`] and whether everyone in
//! the channel sees it. Nothing here knows a wire format or performs I/O.

pub mod approval;
mod browse;
mod parse;
mod search;
mod subscription;

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;

use crate::digest::Library;
use crate::i18n::Locale;
use crate::render::{Card, Doc, Field, paragraph};
use crate::target::ThreadMode;

pub use parse::{CommandError, MAX_QUERY_CHARS, OptionKind, OptionValue, parse, parse_options};
pub use subscription::{
    ChannelRef, ChannelStatus, Denied, SubscribeOutcome, Subscribed, ThreadSetting, UnsubscribeOutcome,
};

/// A `/digest` subcommand with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Latest,
    Keyword {
        query: String,
    },
    /// The date as typed; it is checked when answering, so a bad one gets a helpful reply.
    Issue {
        date: String,
    },
    List {
        page: usize,
    },
    /// `threads`, when given, sets the channel's `threads` setting; without it an existing setting
    /// is kept.
    Subscribe {
        threads: Option<ThreadMode>,
    },
    Unsubscribe,
    Status,
    Help,
    /// An editor's private look at a digest exactly as it will be posted; `date` `None`: the next
    /// slot's digest. Future-dated digests included.
    Preview {
        date: Option<String>,
    },
    /// An editor approves (`approve: true`) or holds a digest for its slot; `date` `None`: the next
    /// slot's digest.
    Decide {
        approve: bool,
        date: Option<String>,
    },
}

/// Who sees a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Everyone in the channel.
    Channel,
    /// Only the user who ran the command.
    Ephemeral,
}

/// What the bot answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub visibility: Visibility,
    pub doc: Doc,
}

/// What the library commands need to know besides their arguments.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub library: &'a Library,
    /// Today in the configured zone: digests dated later are not published yet.
    pub today: NaiveDate,
    pub locale: Locale,
    /// The next weekly delivery, in the configured zone.
    pub next_delivery: DateTime<Tz>,
    /// The weekly slot as people read it, e.g. `Mon 09:00 Asia/Seoul`.
    pub schedule: &'a str,
}

impl Command {
    /// The subcommand's name, as registered on Discord and typed on Slack.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Latest => "latest",
            Command::Keyword { .. } => "keyword",
            Command::Issue { .. } => "issue",
            Command::List { .. } => "list",
            Command::Subscribe { .. } => "subscribe",
            Command::Unsubscribe => "unsubscribe",
            Command::Status => "status",
            Command::Help => "help",
            Command::Preview { .. } => "preview",
            Command::Decide { approve: true, .. } => "approve",
            Command::Decide { approve: false, .. } => "hold",
        }
    }

    /// Library answers are for the channel; subscription business and help are private.
    pub fn visibility(&self) -> Visibility {
        match self {
            Command::Latest | Command::Keyword { .. } | Command::Issue { .. } | Command::List { .. } => {
                Visibility::Channel
            }
            Command::Subscribe { .. }
            | Command::Unsubscribe
            | Command::Status
            | Command::Help
            | Command::Preview { .. }
            | Command::Decide { .. } => Visibility::Ephemeral,
        }
    }
}

/// Answers the commands that need only the library: `latest`, `keyword`, `issue`, `list`, `help`.
/// For the store commands it returns `None`; see [`subscribed`], [`unsubscribed`] and [`status`].
pub fn answer(command: &Command, ctx: &Context<'_>) -> Option<Reply> {
    let doc = match command {
        Command::Latest => browse::latest(ctx),
        Command::Keyword { query } => search::keyword(query, ctx),
        Command::Issue { date } => browse::issue(date, ctx),
        Command::List { page } => {
            // A page past the end is the asker's mistake: only they see the answer.
            let (doc, visibility) = browse::list(*page, ctx);
            return Some(Reply { visibility, doc });
        }
        Command::Help => help(ctx),
        Command::Subscribe { .. }
        | Command::Unsubscribe
        | Command::Status
        | Command::Preview { .. }
        | Command::Decide { .. } => return None,
    };
    Some(Reply { visibility: command.visibility(), doc })
}

/// The reply to input that is not a command, or a command with bad arguments. Always private.
pub fn error_reply(error: &CommandError, locale: Locale) -> Reply {
    let text = match error {
        CommandError::Unknown(input) => locale.unknown_command(input),
        CommandError::EmptyQuery => locale.empty_query().to_string(),
        CommandError::QueryTooLong(_) => locale.query_too_long(MAX_QUERY_CHARS),
        CommandError::BadPage(page) => locale.bad_page(page),
        CommandError::BadDate(date) => locale.bad_date(date),
        CommandError::MissingOption(name) => locale.missing_option(name),
        CommandError::UnexpectedOption(name) => locale.unexpected_option(name),
        CommandError::WrongType { option, expected } => locale.wrong_option_type(option, *expected),
        CommandError::BadThreads(value) => locale.bad_threads(value),
    };
    Reply { visibility: Visibility::Ephemeral, doc: Doc::text(locale, text) }
}

/// The reply to a request the bot cannot read or does not handle (an interaction serenity could
/// not deserialize, a button it never sent). Always private.
pub fn unsupported(locale: Locale) -> Reply {
    Reply { visibility: Visibility::Ephemeral, doc: Doc::text(locale, locale.unsupported_request()) }
}

/// The reply when something failed on our side; the details go to the log, not the user.
pub fn internal_error(locale: Locale) -> Reply {
    Reply { visibility: Visibility::Ephemeral, doc: Doc::text(locale, locale.internal_error()) }
}

pub use subscription::{denied, status, subscribed, unsubscribed};

fn help(ctx: &Context<'_>) -> Doc {
    let mut card = Card::new(ctx.locale.help_title(), crate::render::category_color(None));
    card.fields = ctx
        .locale
        .help_lines()
        .iter()
        .map(|(usage, what)| Field { name: usage.to_string(), value: vec![paragraph(*what)], inline: false })
        .collect();
    for (usage, what) in [ctx.locale.help_threads(), ctx.locale.help_editors()] {
        card.fields.push(Field { name: usage.to_string(), value: vec![paragraph(what)], inline: false });
    }
    card.footer = Some(ctx.locale.help_schedule(ctx.schedule));
    Doc { cards: vec![card], more_label: ctx.locale.read_more().to_string(), ..Doc::default() }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    pub const SEED: &[u8] = include_bytes!("../../digests/2026-02-09-weekly.md");

    pub fn library() -> Library {
        let older = "---\ntitle: 지난주 다이제스트\ndate: 2026-02-02\ntags: [Kubernetes, Rust]\n---\n\
            ## 1. Kakao - \"쿠버네티스 운영기\"\n\n**링크:** https://tech.kakao.com/k8s\n\nKubernetes 클러스터 이야기.\n";
        let future = "---\ntitle: Future\ndate: 2026-03-02\n---\n## 1. F - \"Not yet\"\n\nx\n";
        Library::from_files(vec![
            ("d/2026-02-09-weekly.md", SEED.to_vec()),
            ("d/2026-02-02.md", older.as_bytes().to_vec()),
            ("d/2026-03-02.md", future.as_bytes().to_vec()),
        ])
    }

    pub fn with_ctx<T>(locale: Locale, today: &str, f: impl FnOnce(&Context<'_>) -> T) -> T {
        let library = library();
        let next = chrono_tz::Asia::Seoul.with_ymd_and_hms(2026, 2, 16, 9, 0, 0).unwrap();
        let ctx = Context {
            library: &library,
            today: NaiveDate::parse_from_str(today, "%Y-%m-%d").unwrap(),
            locale,
            next_delivery: next,
            schedule: "Mon 09:00 Asia/Seoul",
        };
        f(&ctx)
    }

    #[test]
    fn visibility_per_command() {
        assert_eq!(Command::Latest.visibility(), Visibility::Channel);
        assert_eq!(Command::List { page: 1 }.visibility(), Visibility::Channel);
        assert_eq!(Command::Status.visibility(), Visibility::Ephemeral);
        assert_eq!(Command::Help.visibility(), Visibility::Ephemeral);
    }

    #[test]
    fn help_lists_every_subcommand() {
        let reply = with_ctx(Locale::En, "2026-02-10", |ctx| answer(&Command::Help, ctx)).unwrap();
        let card = &reply.doc.cards[0];
        assert_eq!(card.title, "How to use digestbot");
        let names: Vec<&str> = card.fields.iter().map(|f| f.name.as_str()).collect();
        for sub in ["latest", "keyword", "issue", "list", "subscribe", "unsubscribe", "status", "help"] {
            assert!(names.iter().any(|n| n.starts_with(&format!("/digest {sub}"))), "{sub}");
        }
        assert!(names.contains(&"/digest subscribe threads:<off|issue|article>"), "{names:?}");
        assert!(card.footer.as_deref().unwrap().contains("Mon 09:00 Asia/Seoul"));
    }

    #[test]
    fn store_commands_are_not_answered_here() {
        with_ctx(Locale::Ko, "2026-02-10", |ctx| {
            assert!(answer(&Command::Subscribe { threads: None }, ctx).is_none());
            assert!(answer(&Command::Status, ctx).is_none());
        });
    }

    #[test]
    fn errors_are_private_and_localised() {
        let r = error_reply(&CommandError::Unknown("foo".into()), Locale::En);
        assert_eq!(r.visibility, Visibility::Ephemeral);
        assert_eq!(r.doc, Doc::text(Locale::En, "Unknown command: `foo`. Try `/digest help`."));
        let r = error_reply(&CommandError::EmptyQuery, Locale::Ko);
        assert!(crate::digest::text::plain_text(&r.doc.lead).contains("검색할 키워드"));
        let errors = [
            CommandError::QueryTooLong(10_000),
            CommandError::BadDate("x".repeat(5000)),
            CommandError::MissingOption("date"),
            CommandError::UnexpectedOption("color".into()),
            CommandError::WrongType { option: "page", expected: OptionKind::Integer },
            CommandError::BadThreads("x".repeat(5000)),
            CommandError::BadThreads(String::new()),
        ];
        for locale in [Locale::Ko, Locale::En] {
            for error in &errors {
                let r = error_reply(error, locale);
                assert_eq!(r.visibility, Visibility::Ephemeral);
                let text = crate::digest::text::plain_text(&r.doc.lead);
                assert!(!text.trim().is_empty() && text.chars().count() < 300, "{error:?}: {text}");
            }
        }
        let r = error_reply(&errors[4], Locale::En);
        assert_eq!(r.doc, Doc::text(Locale::En, "The `page` option takes a whole number. Try `/digest help`."));
        assert_eq!(unsupported(Locale::En).visibility, Visibility::Ephemeral);
        // A bad `threads` value names the option and the three values, in both languages.
        for locale in [Locale::Ko, Locale::En] {
            for value in ["forum", ""] {
                let text = crate::digest::text::plain_text(
                    &error_reply(&CommandError::BadThreads(value.into()), locale).doc.lead,
                );
                for word in ["threads", "off", "issue", "article"] {
                    assert!(text.contains(word), "{locale:?} {value:?}: {text}");
                }
                assert!(text.contains(value), "{text}");
            }
        }
        let r = error_reply(&CommandError::BadThreads("forum".into()), Locale::En);
        assert_eq!(
            crate::digest::text::plain_text(&r.doc.lead).trim(),
            "forum is not a threads setting: use off, issue or article, for example /digest subscribe threads:article."
        );
    }
}
