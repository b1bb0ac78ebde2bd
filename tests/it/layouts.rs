//! Properties of the article layout over hostile digests: whatever titles and links the people who
//! write digests put in (white space only, control and bidirectional characters, emoji across the
//! 100-character cut, a thousand characters, links that are placeholders, hold spaces and quotes, use
//! another scheme or run past 512 characters), every message of both layouts obeys every platform
//! limit, each article that shows something starts exactly one message, and every thread or forum
//! post name is one Discord takes.

use proptest::prelude::*;

use digestbot::digest::parse;
use digestbot::i18n::Locale;
use digestbot::render::limits::{DISCORD_THREAD_NAME, check_discord_message, check_slack_message};
use digestbot::render::post::thread_name;
use digestbot::render::{Layout, Part, digest_doc, discord, slack};

/// Titles as they come: ordinary, empty in effect, hostile, or long.
fn title() -> impl Strategy<Value = String> {
    prop_oneof![
        "[가-힣A-Za-z0-9 ]{1,40}".prop_map(|s| s),
        "[ \t\u{3000}]{1,6}".prop_map(|s| s),
        "[a\u{202e}\u{2066}\u{200f}\u{feff}\u{1b}\u{7f}\u{85}\u{2028}]{1,30}".prop_map(|s| s),
        (0usize..110).prop_map(|n| format!("{}😀👩‍👩‍👧", "가".repeat(n))),
        "[A-Za-z가-힣 ]{900,1000}".prop_map(|s| s),
        Just("\u{200b}".to_string()),
    ]
}

/// Article links as they come: fine, a placeholder, with spaces and quotes, another scheme, long.
fn link() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("https://example.com/a".to_string()),
        Just("https://".to_string()),
        Just("[원문](<https://example.com/a b\"c>)".to_string()),
        Just("[원문](<https://exa mple.com/a>)".to_string()),
        Just("[원문](javascript:alert(1))".to_string()),
        Just("https://ko.wikipedia.org/wiki/클라우드".to_string()),
        (490usize..530).prop_map(|n| format!("https://example.com/{}", "a".repeat(n))),
        Just("ftp://example.com/a".to_string()),
    ]
}

/// One article: its heading, link line and a body of some length.
fn article() -> impl Strategy<Value = (String, String, String, usize)> {
    ("[A-Za-z가-힣]{0,12}", title(), link(), 0usize..3000)
}

fn digest_text(title: &str, articles: &[(String, String, String, usize)], extra: bool) -> String {
    // A single-quoted YAML scalar: only the quote itself needs doubling; a control character makes
    // the front matter invalid, which the property then skips.
    let mut text = format!("---\ntitle: '{}'\ndate: 2026-02-16\ncategory: Backend\n---\n\n", title.replace('\'', "''"));
    for (i, (source, title, link, body)) in articles.iter().enumerate() {
        let title = title.replace(['\n', '"'], " ");
        text.push_str(&format!(
            "## {}. {source} - \"{title}\"\n\n**링크:** {link}\n\n{}\n\n",
            i + 1,
            "본문 ".repeat(*body / 3)
        ));
    }
    if extra {
        text.push_str("## 마무리\n\n다음 주에 만나요.\n");
    }
    text
}

/// Each article that shows something starts exactly one message, in order.
fn starts_in_order(parts: &[Part]) -> bool {
    let starts: Vec<usize> = parts.iter().filter_map(|p| p.article).collect();
    starts.windows(2).all(|w| w[0] < w[1])
}

fn is_a_discord_name(name: &str) -> bool {
    let count = name.chars().count();
    (1..=DISCORD_THREAD_NAME).contains(&count)
        && name.trim() == name
        && !name.chars().any(|c| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    #[test]
    fn hostile_titles_and_links_render_within_every_limit_in_both_layouts(
        title in title(),
        articles in prop::collection::vec(article(), 0..8),
        extra in any::<bool>(),
    ) {
        let text = digest_text(&title, &articles, extra);
        let Ok(digest) = parse("d/2026-02-16.md", text.as_bytes()) else { return Ok(()) };
        let doc = digest_doc(&digest, Locale::Ko);
        let button = Locale::Ko.read_original();
        for layout in [Layout::Packed, Layout::Articles] {
            let discord = discord::parts(&doc, layout, button);
            for part in &discord {
                let problems = check_discord_message(&part.body);
                prop_assert!(problems.is_empty(), "{layout:?} {problems:?}: {}", part.body);
            }
            let slack = slack::parts(&doc, layout, button);
            for part in &slack {
                let problems = check_slack_message(&part.body);
                prop_assert!(problems.is_empty(), "{layout:?} {problems:?}: {}", part.body);
            }
            prop_assert!(starts_in_order(&discord) && starts_in_order(&slack));
            if layout == Layout::Articles {
                // Every article has a message of its own on both platforms: the header, the
                // articles' bodies and footers always show something.
                let marked = |parts: &[Part]| parts.iter().filter(|p| p.article.is_some()).count();
                prop_assert_eq!(marked(&discord), digest.articles.len());
                prop_assert_eq!(marked(&slack), digest.articles.len());
            }
        }
        prop_assert!(is_a_discord_name(&thread_name(&digest.title)), "{:?}", thread_name(&digest.title));
        for card in doc.cards.iter().take(doc.articles) {
            let name = thread_name(&card.title);
            prop_assert!(is_a_discord_name(&name), "{name:?} from {:?}", card.title);
        }
    }
}
