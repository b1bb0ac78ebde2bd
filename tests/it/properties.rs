//! Properties over generated input: the parser never panics, and whatever parses renders within
//! every platform limit.

use proptest::prelude::*;

use digestbot::digest::parse;
use digestbot::i18n::Locale;
use digestbot::render::limits::{check_discord_message, check_slack_message};
use digestbot::render::{digest_doc, discord, slack};

/// Lines that exercise the parser's edges: front matter, headings, fences, tables, labels, Korean.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("---".to_string()),
        Just("date: 2026-02-09".to_string()),
        Just("tags: [a, \"b\", 3]".to_string()),
        Just("title: \"제목".to_string()),
        Just("```".to_string()),
        Just("| a | b |".to_string()),
        Just("|---|---|".to_string()),
        Just("**저자:** 김".to_string()),
        Just("**링크:** [x](https://x.com)".to_string()),
        Just("*closing*".to_string()),
        Just("> quote".to_string()),
        Just("- item".to_string()),
        "## [0-9]{0,3}\\.? [가-힣A-Za-z]{0,8} [-—–:]? \"?[가-힣 A-Za-z]{0,20}\"?".prop_map(|s| s),
        "#{1,6} [가-힣a-z ]{0,10}".prop_map(|s| s),
        "[가-힣a-zA-Z0-9 *_`~\\[\\]()<>&|#-]{0,200}".prop_map(|s| s),
        "가{3000,5000}".prop_map(|s| s),
    ]
}

fn document() -> impl Strategy<Value = String> {
    (prop::collection::vec(line(), 0..40), any::<bool>(), any::<bool>()).prop_map(|(lines, crlf, bom)| {
        let mut text = lines.join(if crlf { "\r\n" } else { "\n" });
        if bom {
            text.insert(0, '\u{feff}');
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let _ = parse("2026-02-09.md", &bytes);
    }

    #[test]
    fn markdown_like_documents_never_panic_and_render_within_limits(text in document()) {
        if let Ok(digest) = parse("d/2026-02-09.md", text.as_bytes()) {
            let doc = digest_doc(&digest, Locale::Ko);
            for m in discord::messages(&doc) {
                prop_assert!(check_discord_message(&m).is_empty(), "{:?}", check_discord_message(&m));
            }
            for m in slack::messages(&doc) {
                prop_assert!(check_slack_message(&m).is_empty(), "{:?}", check_slack_message(&m));
            }
        }
    }
}
