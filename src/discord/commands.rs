//! The `/digest` command as Discord registers it, and its registration.
//!
//! One command with eight subcommands, descriptions in English with Korean localisations. The
//! registration is a bulk overwrite (PUT), so running it at every start is idempotent: Discord ends
//! up with exactly this command, globally or in `discord.guild_id` (where updates are instant).

use serenity::all::{Command, CommandOptionType, CreateCommand, CreateCommandOption, GuildId, Http};

/// The command's name.
pub const NAME: &str = "digest";

/// (name, English description, Korean description) of the subcommands without options.
const SIMPLE: [(&str, &str, &str); 5] = [
    ("latest", "Show the latest digest", "최신 다이제스트 보기"),
    ("subscribe", "Post the weekly digest in this channel", "이 채널에 매주 다이제스트 발송"),
    ("unsubscribe", "Stop the weekly digest in this channel", "이 채널의 매주 발송 중지"),
    ("status", "This channel's subscription status", "이 채널의 구독 상태"),
    ("help", "How to use the digest bot", "다이제스트 봇 사용법"),
];

fn sub(name: &str, en: &str, ko: &str) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::SubCommand, name, en).description_localized("ko", ko)
}

/// The registration payload of `/digest`.
pub fn digest_command() -> CreateCommand {
    let [latest, subscribe, unsubscribe, status, help] = SIMPLE.map(|(n, en, ko)| sub(n, en, ko));
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
    let list = sub("list", "List past digests", "지난 다이제스트 목록").add_sub_option(
        CreateCommandOption::new(CommandOptionType::Integer, "page", "Page number")
            .description_localized("ko", "페이지 번호")
            .required(false)
            .min_int_value(1),
    );
    CreateCommand::new(NAME)
        .description("Weekly tech-blog digest")
        .description_localized("ko", "주간 기술블로그 다이제스트")
        .set_options(vec![latest, keyword, issue, list, subscribe, unsubscribe, status, help])
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
        assert_eq!(names, ["latest", "keyword", "issue", "list", "subscribe", "unsubscribe", "status", "help"]);
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
    }
}
