//! The digest format on the awkward files of `tests/fixtures/`: each parses as it should, renders
//! within every platform limit, and a broken file never hides the good ones.

use std::path::PathBuf;

use chrono::NaiveDate;
use serde_json::{Value, json};

use digestbot::digest::{Block, Digest, Library, ParseErrorKind};
use digestbot::files::load_library;
use digestbot::i18n::Locale;
use digestbot::render::limits::{
    SLACK_RICH_TEXT_BLOCK_TEXT, block_text_len, check_discord_message, check_slack_message,
    has_table_delimiter_outside_code, prose_strings, strings,
};
use digestbot::render::{digest_doc, discord, slack, text};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn library() -> Library {
    load_library(&fixtures(), Default::default()).expect("the fixtures folder loads")
}

fn digest<'a>(library: &'a Library, date: &str) -> &'a Digest {
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    library.all().iter().find(|d| d.date == date).unwrap_or_else(|| panic!("no digest dated {date}"))
}

/// Every payload of every encoder obeys the limits and holds no table delimiter row.
fn assert_renders_within_limits(digest: &Digest) {
    for locale in [Locale::Ko, Locale::En] {
        let doc = digest_doc(digest, locale);
        let discord = discord::messages(&doc);
        let slack = slack::messages(&doc);
        for m in &discord {
            assert_eq!(check_discord_message(m), Vec::<String>::new(), "{}", digest.path);
        }
        for m in &slack {
            assert_eq!(check_slack_message(m), Vec::<String>::new(), "{}", digest.path);
        }
        let all: Vec<&Value> = discord.iter().chain(&slack).collect();
        for s in all.iter().flat_map(|m| strings(m)) {
            assert!(!s.contains('\u{FFFD}'), "{}: a character was cut", digest.path);
        }
        // Code blocks may show a table's source; Slack's are preformatted elements, not fences.
        let prose = discord.iter().flat_map(strings).chain(slack.iter().flat_map(prose_strings));
        for s in prose {
            assert!(!has_table_delimiter_outside_code(s), "{}: {s}", digest.path);
        }
        assert!(!has_table_delimiter_outside_code(&text::render(&doc)));
    }
}

#[test]
fn every_good_fixture_loads_and_the_broken_one_is_reported_with_its_line() {
    let library = library();
    assert_eq!(library.all().len(), 7);
    assert_eq!(library.errors().len(), 1);
    let error = &library.errors()[0];
    assert!(error.path.ends_with("broken-yaml.md"));
    assert!(matches!(error.kind, ParseErrorKind::Yaml(_)));
    assert!((2..=5).contains(&error.line), "{error}");
    for digest in library.all() {
        assert_renders_within_limits(digest);
    }
}

#[test]
fn nfd_and_crlf_bom_files_equal_the_seed() {
    let library = library();
    let seed = digestbot::digest::parse("seed.md", include_bytes!("../../digests/2026-02-09-weekly.md")).unwrap();
    for date in ["2026-01-05", "2026-01-12"] {
        let d = digest(&library, date);
        assert_eq!(d.title, seed.title);
        assert_eq!(d.articles, seed.articles, "{date}");
        assert_eq!(d.keywords, seed.keywords);
    }
    // NFD text is searchable with NFC queries.
    let hits = library.search("클라우드와", NaiveDate::from_ymd_opt(2026, 1, 6).unwrap(), 0, 10);
    assert_eq!(hits.hits[0].digest.id(), "2026-01-05");
}

#[test]
fn thirteen_articles_split_into_messages_in_order() {
    let library = library();
    let d = digest(&library, "2026-01-19");
    assert_eq!(d.articles.len(), 13);
    assert_eq!(d.keywords.len(), 13);
    assert_eq!(d.tags, ["Frontend", "React", "Performance"]);
    let messages = discord::messages(&digest_doc(d, Locale::Ko));
    assert!(messages.len() >= 2, "header + 13 articles + keywords exceed 10 embeds");
    let titles: Vec<String> = messages
        .iter()
        .flat_map(|m| m["embeds"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(titles.len(), 15);
    for (i, title) in titles[1..14].iter().enumerate() {
        assert!(title.starts_with(&format!("{}. ", i + 1)), "{title}");
    }
}

#[test]
fn an_article_over_6000_characters_is_cut_with_a_link() {
    let library = library();
    let d = digest(&library, "2026-01-26");
    let doc = digest_doc(d, Locale::Ko);
    let messages = discord::messages(&doc);
    let long = &messages.iter().flat_map(|m| m["embeds"].as_array().unwrap().clone()).nth(1).unwrap();
    let description = long["description"].as_str().unwrap();
    assert!(description.ends_with("…\n\n[원문 보기](https://example.com/long)"));
    let slack = slack::messages(&doc);
    let block = slack[0]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "rich_text" && b.to_string().contains("6000자"))
        .unwrap();
    assert!(block_text_len(block) <= SLACK_RICH_TEXT_BLOCK_TEXT);
    // The cut text ends with `…`; a section of its own links to the original.
    let elements = block["elements"].as_array().unwrap();
    let (last, cut) = (&elements[elements.len() - 1], &elements[elements.len() - 2]);
    assert_eq!(last["elements"], json!([{"type": "link", "url": "https://example.com/long", "text": "원문 보기"}]));
    let cut_inlines = cut.pointer("/elements").and_then(Value::as_array).unwrap();
    let cut_text = cut_inlines.last().unwrap();
    let cut_text = cut_text.get("text").or_else(|| cut_text.pointer("/elements/0/text")).unwrap();
    assert!(cut_text.as_str().unwrap().ends_with('…'), "{cut}");
    // The short article after it is untouched and still in order.
    assert!(
        messages
            .iter()
            .flat_map(|m| m["embeds"].as_array().unwrap().clone())
            .any(|e| e["title"] == "2. 짧은글 — 짧은 글")
    );
}

#[test]
fn no_front_matter_takes_the_date_from_the_name_and_the_title_from_the_heading() {
    let library = library();
    let d = digest(&library, "2026-02-02");
    assert_eq!(d.title, "2월 첫째 주 다이제스트");
    let sources: Vec<(&str, &str)> = d.articles.iter().map(|a| (a.source.as_str(), a.title.as_str())).collect();
    assert_eq!(sources, [("Kakao", "Kubernetes 운영기"), ("LINE", "Armeria 소개")]);
    assert_eq!(d.articles[0].link.as_deref(), Some("https://tech.kakao.com/k8s"));
    assert_eq!(d.articles[0].author.as_deref(), Some("Kim"));
    assert_eq!(d.articles[1].number, 2);
}

#[test]
fn a_fenced_heading_stays_code_and_tables_become_lists() {
    let library = library();
    let d = digest(&library, "2026-02-23");
    assert_eq!(d.articles.len(), 1);
    assert!(d.articles[0].body.iter().any(|b| matches!(b, Block::Code { text, .. } if text.contains("## 2. 가짜"))));
    let d = digest(&library, "2026-03-02");
    assert!(d.articles[0].body.iter().any(|b| matches!(b, Block::Table { .. })));
    let description =
        discord::messages(&digest_doc(d, Locale::Ko))[0]["embeds"][1]["description"].as_str().unwrap().to_string();
    assert!(description.starts_with("• **동기** — 100 · 20ms\n• **비동기** — 900 · 5ms"), "{description}");
}
