//! The `/digest` command as Discord registers it, and its registration.
//!
//! One command with eleven subcommands (three of them, `preview`, `approve` and `hold`, for editors), descriptions (and the names of the `threads` choices) in
//! English with Korean localisations. The
//! registration is a bulk overwrite (PUT), so running it at every start is idempotent: Discord ends
//! up with exactly this command, globally or in `discord.guild_id` (where updates are instant).

use serenity::all::{Command, CommandOptionType, CreateCommand, CreateCommandOption, GuildId, Http};

/// The command's name.
pub const NAME: &str = "digest";

/// (name, English description, Korean description) of the subcommands without a required option
/// (`subscribe` gets its `threads` below).
const SIMPLE: [(&str, &str, &str); 5] = [
    ("latest", "Show the latest digest", "최신 다이제스트 보기"),
    ("subscribe", "Post the weekly digest in this channel", "이 채널에 매주 다이제스트 발송"),
    ("unsubscribe", "Stop the weekly digest in this channel", "이 채널의 매주 발송 중지"),
    ("status", "This channel's subscription status", "이 채널의 구독 상태"),
    ("help", "How to use the digest bot", "다이제스트 봇 사용법"),
];

/// (value, English name, Korean name) of the `threads` choices of `subscribe`; the values are
/// `ThreadMode::as_str`.
const THREADS: [(&str, &str, &str); 3] = [
    ("off", "Off: no threads", "끄기: 스레드 없음"),
    ("issue", "Issue: a thread from each issue's first message", "호마다: 호의 첫 메시지에서 스레드 시작"),
    ("article", "Article: each article a message with its own thread", "아티클마다: 아티클마다 메시지와 스레드"),
];

fn sub(name: &str, en: &str, ko: &str) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::SubCommand, name, en).description_localized("ko", ko)
}

/// The registration payload of `/digest`.
pub fn digest_command() -> CreateCommand {
    let [latest, subscribe, unsubscribe, status, help] = SIMPLE.map(|(n, en, ko)| sub(n, en, ko));
    let threads = THREADS.iter().fold(
        CreateCommandOption::new(CommandOptionType::String, "threads", "Discussion threads: off, issue or article")
            .description_localized("ko", "토론 스레드: off(없음), issue(호마다), article(아티클마다)")
            .required(false),
        |option, (value, en, ko)| option.add_string_choice_localized(*en, *value, [("ko", *ko)]),
    );
    let subscribe = subscribe.add_sub_option(threads);
    let keyword = sub("keyword", "Search articles by keyword", "키워드로 아티클 검색").add_sub_option(
        CreateCommandOption::new(CommandOptionType::String, "query", "Words to search for (all must match)")
            .description_localized("ko", "검색어 (여러 단어는 모두 포함)")
            .required(true)
            .max_length(100),
    );
    let issue = sub("issue", "Show the digest of a date", "특정 날짜의 다이제스트 보기").add_sub_option(
        CreateCommandOption::new(CommandOptionType::String, "date", "Issue date, YYYY-MM-DD")
            .description_localized("ko", "발행일 (YYYY-MM-DD)")
            .required(true)
            .set_autocomplete(true),
    );
    // The editors' subcommands: a date is optional (the next slot's digest), future ones included.
    let date = |en: &str, ko: &str| {
        CreateCommandOption::new(CommandOptionType::String, "date", en)
            .description_localized("ko", ko)
            .required(false)
            .set_autocomplete(true)
    };
    let preview =
        sub("preview", "Editors: see a digest exactly as it will be posted", "편집자: 발송될 모습 그대로 미리보기")
            .add_sub_option(date(
                "Digest date, YYYY-MM-DD (default: the next slot's)",
                "다이제스트 날짜 (기본: 다음 발송분)",
            ));
    let approve = sub("approve", "Editors: approve a digest for its slot", "편집자: 다이제스트 발송 승인")
        .add_sub_option(date(
            "Digest date, YYYY-MM-DD (default: the next slot's)",
            "다이제스트 날짜 (기본: 다음 발송분)",
        ));
    let hold = sub("hold", "Editors: hold a digest back from its slot", "편집자: 다이제스트 발송 보류").add_sub_option(
        date("Digest date, YYYY-MM-DD (default: the next slot's)", "다이제스트 날짜 (기본: 다음 발송분)"),
    );
    let list = sub("list", "List past digests", "지난 다이제스트 목록").add_sub_option(
        CreateCommandOption::new(CommandOptionType::Integer, "page", "Page number")
            .description_localized("ko", "페이지 번호")
            .required(false)
            .min_int_value(1),
    );
    CreateCommand::new(NAME)
        .description("Weekly tech-blog digest")
        .description_localized("ko", "주간 기술블로그 다이제스트")
        .set_options(vec![latest, keyword, issue, list, subscribe, unsubscribe, status, help, preview, approve, hold])
}

/// Registers `/digest`, replacing whatever commands the application had (in the guild, if given).
pub async fn register(http: &Http, guild: Option<u64>) -> serenity::Result<Vec<Command>> {
    match guild {
        Some(id) => GuildId::new(id).set_commands(http, vec![digest_command()]).await,
        None => Command::set_global_commands(http, vec![digest_command()]).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn payload_follows_discords_rules() {
        let json = serde_json::to_value(digest_command()).unwrap();
        assert_eq!(json["name"], "digest");
        let subs = json["options"].as_array().unwrap();
        let names: Vec<&str> = subs.iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "latest",
                "keyword",
                "issue",
                "list",
                "subscribe",
                "unsubscribe",
                "status",
                "help",
                "preview",
                "approve",
                "hold"
            ]
        );
        let name_ok = |n: &str| {
            (1..=32).contains(&n.chars().count())
                && n.chars().all(|c| c.is_lowercase() || c.is_numeric() || "-_'".contains(c))
        };
        let mut all: Vec<&Value> = vec![&json];
        for s in subs {
            assert_eq!(s["type"], 1);
            all.push(s);
            all.extend(s["options"].as_array().map(|o| o.iter().collect::<Vec<_>>()).unwrap_or_default());
        }
        for item in all {
            assert!(name_ok(item["name"].as_str().unwrap()), "{item}");
            let d = item["description"].as_str().unwrap();
            assert!((1..=100).contains(&d.chars().count()));
            let ko = item["description_localizations"]["ko"].as_str().unwrap();
            assert!((1..=100).contains(&ko.chars().count()));
        }
        let issue = &subs[2]["options"][0];
        assert_eq!(
            (issue["name"].as_str(), issue["type"].as_u64(), issue["autocomplete"].as_bool()),
            (Some("date"), Some(3), Some(true))
        );
        assert_eq!(subs[1]["options"][0]["required"], true);
        let page = &subs[3]["options"][0];
        assert_eq!((page["type"].as_u64(), page["required"].as_bool()), (Some(4), Some(false)));
        // `subscribe threads:` offers exactly the three settings, named in both languages.
        let threads = &subs[4]["options"][0];
        assert_eq!(
            (threads["name"].as_str(), threads["type"].as_u64(), threads["required"].as_bool()),
            (Some("threads"), Some(3), Some(false))
        );
        let choices = threads["choices"].as_array().unwrap();
        let values: Vec<&str> = choices.iter().map(|c| c["value"].as_str().unwrap()).collect();
        assert_eq!(values, crate::target::ThreadMode::ALL.map(|m| m.as_str()));
        for choice in choices {
            for name in [&choice["name"], &choice["name_localizations"]["ko"]] {
                assert!((1..=100).contains(&name.as_str().unwrap().chars().count()), "{choice}");
            }
        }
        assert_ne!(threads["autocomplete"], true, "choices and autocomplete exclude each other");
        // Every name, description and value of the command, localisations included, adds up to at
        // most 4000 characters (Discord counts per locale; all of them together is stricter).
        fn characters(value: &Value) -> usize {
            match value {
                Value::Array(items) => items.iter().map(characters).sum(),
                Value::Object(map) => map
                    .iter()
                    .map(|(key, v)| match (key.as_str(), v) {
                        ("name" | "description" | "value", Value::String(s)) => s.chars().count(),
                        ("name_localizations" | "description_localizations", Value::Object(l)) => {
                            l.values().filter_map(Value::as_str).map(|s| s.chars().count()).sum()
                        }
                        _ => characters(v),
                    })
                    .sum(),
                _ => 0,
            }
        }
        let total = characters(&json);
        assert!(total <= 4000, "{total} characters");
    }
}
