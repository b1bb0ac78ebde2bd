//! Control characters out of every payload: one pass over a [`Doc`] before an encoder reads it.
//!
//! Digests and users can carry NUL, escape sequences and other C0 and C1 control characters (YAML's
//! `"\0"` or `"\x1b"` in front matter, a pasted terminal line in a search query). No platform shows
//! them, some refuse them, and in a terminal (`preview`, `ask`) they can rewrite what is shown. Each
//! encoder ([`super::discord::messages`], [`super::slack::messages`], [`super::text::render`]) starts
//! with [`doc`], so every string it emits comes from cleaned text or from the bot's own. What goes:
//! U+0000–U+001F except newline and tab, DEL (U+007F) and U+0080–U+009F; the line and paragraph
//! separators U+2028 and U+2029, which chat clients and JavaScript treat as line ends although Markdown
//! does not, become spaces. The bidirectional embedding, override and isolate controls and a stray
//! U+FEFF go too. [`super::limits`] checks a finished payload for the same characters.

use std::borrow::Cow;

use crate::digest::{Block, Inline};

use super::Doc;

/// True for a character no payload may contain (see the module documentation).
pub fn is_unwanted(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}')
        || is_bidi_control(c)
}

/// The bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069), which
/// reorder what follows them (a title could show one URL and link another), and U+FEFF, a byte-order
/// mark inside text; also the marks LRM, RLM and ALM (U+200E, U+200F, U+061C), which reorder the
/// neutral characters around them. Digests are Korean and English; the joiners ZWJ and ZWNJ stay.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}' | '\u{feff}')
}

/// `text` without control characters; borrowed when it has none.
pub fn text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unwanted) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter_map(|c| match c {
                '\u{2028}' | '\u{2029}' => Some(' '),
                c if is_unwanted(c) => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// Cleans a string in place (no allocation when it is clean already).
pub fn string(s: &mut String) {
    if let Cow::Owned(cleaned) = text(s) {
        *s = cleaned;
    }
}

/// A copy of `doc` with every string cleaned: header, lead, cards, fields, closing line and labels,
/// and inside their blocks every text, code span, code block, language tag and link URL.
pub fn doc(doc: &Doc) -> Doc {
    let mut doc = doc.clone();
    let mut blocks: Vec<&mut Block> = Vec::new();
    if let Some(header) = &mut doc.header {
        string(&mut header.title);
        header.url.iter_mut().for_each(string);
        for (label, value) in &mut header.meta {
            string(label);
            string(value);
        }
        blocks.extend(header.summary.iter_mut());
    }
    blocks.extend(doc.lead.iter_mut());
    for card in &mut doc.cards {
        string(&mut card.title);
        card.url.iter_mut().for_each(string);
        card.author.iter_mut().for_each(string);
        card.footer.iter_mut().for_each(string);
        blocks.extend(card.body.iter_mut());
        for field in &mut card.fields {
            string(&mut field.name);
            blocks.extend(field.value.iter_mut());
        }
    }
    doc.closing.iter_mut().for_each(string);
    string(&mut doc.more_label);
    clean_blocks(blocks);
    doc
}

/// Walks nested blocks and inlines with an explicit stack, so deep nesting costs heap, not stack.
fn clean_blocks(mut blocks: Vec<&mut Block>) {
    let mut inlines: Vec<&mut Inline> = Vec::new();
    loop {
        if let Some(inline) = inlines.pop() {
            match inline {
                Inline::Text(s) | Inline::Code(s) => string(s),
                Inline::Strong(inner) | Inline::Emph(inner) | Inline::Strike(inner) => inlines.extend(inner),
                Inline::Link { url, content } => {
                    string(url);
                    inlines.extend(content);
                }
                Inline::Break | Inline::SoftBreak => {}
            }
            continue;
        }
        let Some(block) = blocks.pop() else { break };
        match block {
            Block::Heading { content, .. } | Block::Paragraph(content) => inlines.extend(content),
            Block::List { items, .. } => items.iter_mut().for_each(|item| blocks.extend(item)),
            Block::Code { lang, text } => {
                lang.iter_mut().for_each(string);
                string(text);
            }
            Block::Quote(inner) => blocks.extend(inner),
            Block::Table { head, rows } => {
                head.iter_mut().for_each(|cell| inlines.extend(cell));
                rows.iter_mut().flatten().for_each(|cell| inlines.extend(cell));
            }
            Block::Rule => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::parse;
    use crate::i18n::Locale;
    use crate::render::limits::{check_discord_message, check_slack_message, strings};
    use crate::render::{Card, Field, Header, Layout, digest_doc, discord, slack, text as plain};
    use proptest::prelude::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(text(input), expected, "input {input:?}");
    }

    #[test]
    fn controls_go_newlines_and_tabs_stay() {
        check("plain 한글 text", "plain 한글 text");
        check("a\0b", "ab");
        check("\u{1b}[31mred\u{1b}[0m", "[31mred[0m");
        check("line\r\nnext\tcol", "line\nnext\tcol");
        check("del\u{7f} c1\u{85}\u{9b}\u{80}", "del c1");
        check("\u{2028}sep\u{2029}", " sep ");
        check("\u{a0}nbsp and \u{200b}zwsp stay", "\u{a0}nbsp and \u{200b}zwsp stay");
        check("evil\u{202e}gnp.exe \u{2066}iso\u{2069} \u{feff}bom", "evilgnp.exe iso bom");
        check(
            "zwj 👩\u{200d}💻 stays, \u{200f}rlm \u{200e}lrm \u{61c}alm go",
            "zwj 👩\u{200d}💻 stays, rlm lrm alm go",
        );
        assert!(matches!(text("clean"), Cow::Borrowed(_)));
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let bidi = ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{61c}' | '\u{feff}');
            let expected = (c.is_control() && c != '\n' && c != '\t') || c == '\u{2028}' || c == '\u{2029}' || bidi;
            assert_eq!(is_unwanted(c), expected, "U+{:04X}", c as u32);
        }
    }

    /// Every control character, and text around it.
    fn dirty() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[a-z가-힣 *_`|<>&\\[\\]()#-]{0,12}",
            prop::char::range('\0', '\u{1f}').prop_map(String::from),
            prop::char::range('\u{7f}', '\u{9f}').prop_map(String::from),
            prop_oneof![Just("\u{2028}"), Just("\u{2029}"), Just("\r\n"), Just("```")].prop_map(String::from),
        ];
        prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
    }

    fn inlines(s: &str) -> Vec<Inline> {
        vec![
            Inline::Text(s.into()),
            Inline::Strong(vec![Inline::Emph(vec![Inline::Text(s.into())])]),
            Inline::Code(s.into()),
            Inline::Link {
                url: format!("https://x.com/{s}"),
                content: vec![Inline::Strike(vec![Inline::Text(s.into())])],
            },
        ]
    }

    fn blocks(s: &str) -> Vec<Block> {
        vec![
            Block::Heading { level: 3, content: inlines(s) },
            Block::Paragraph(inlines(s)),
            Block::List { start: None, items: vec![vec![Block::Quote(vec![Block::Paragraph(inlines(s))])]] },
            Block::Code { lang: Some(s.into()), text: s.into() },
            Block::Table { head: vec![inlines(s)], rows: vec![vec![inlines(s), inlines(s)]] },
        ]
    }

    /// A doc with the same dirty string in every place a string can be.
    fn full_doc(s: &str) -> Doc {
        let card = Card {
            title: s.into(),
            url: Some(format!("https://x.com/{s}")),
            author: Some(s.into()),
            body: blocks(s),
            fields: vec![Field { name: s.into(), value: blocks(s), inline: true }],
            footer: Some(s.into()),
            accent: 1,
        };
        Doc {
            header: Some(Header {
                title: s.into(),
                url: Some(format!("https://x.com/{s}")),
                summary: blocks(s),
                meta: vec![(s.into(), s.into())],
                accent: 1,
            }),
            lead: blocks(s),
            cards: vec![card.clone(), Card { url: None, ..card }],
            closing: Some(s.into()),
            more_label: s.into(),
            articles: 1,
            actions: Vec::new(),
        }
    }

    /// Both layouts, with the doc's (dirty) label on the link buttons too.
    fn assert_clean_payloads(doc: &Doc) -> Result<(), TestCaseError> {
        for layout in [Layout::Packed, Layout::Articles] {
            for m in discord::parts(doc, layout, &doc.more_label).into_iter().map(|p| p.body) {
                prop_assert!(check_discord_message(&m).is_empty(), "{:?}", check_discord_message(&m));
                for s in strings(&m) {
                    prop_assert!(!s.chars().any(is_unwanted), "Discord: {s:?}");
                }
            }
            for m in slack::parts(doc, layout, &doc.more_label).into_iter().map(|p| p.body) {
                prop_assert!(check_slack_message(&m).is_empty(), "{:?}", check_slack_message(&m));
                for s in strings(&m) {
                    prop_assert!(!s.chars().any(is_unwanted), "Slack: {s:?}");
                }
            }
        }
        let text = plain::render(doc);
        prop_assert!(!text.chars().any(is_unwanted), "text: {text:?}");
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        #[test]
        fn no_control_character_reaches_a_payload(s in dirty()) {
            assert_clean_payloads(&full_doc(&s))?;
        }

        #[test]
        fn no_control_character_from_a_digest_reaches_a_payload(
            title in dirty(), body in dirty(), code in dirty(), url in dirty(), tag in dirty()
        ) {
            // Front matter carries them as YAML escapes; the Markdown carries them raw.
            let yaml = |s: &str| s.chars().map(|c| format!("\\u{:04X}", c as u32)).collect::<String>();
            let text = format!(
                "---\ntitle: \"{}\"\ndate: 2026-02-09\ntags: [\"{}\"]\ndescription: \"{}\"\n---\n\n\
                 ## 1. Source{body} - \"{title}\"\n\n**저자:** {body}\n**링크:** [{body}](https://x.com/{url})\n\n\
                 {body}\n\n```{code}\n{code}\n```\n\n- {body}\n  > {body}\n\n| k | s |\n|---|---|\n| {body} | {code} |\n\n\
                 ## 키워드\n\n| 키워드 | 출처 |\n|---|---|\n| {title} | {body} |\n\n*{body}*\n",
                yaml(&title), yaml(&tag), yaml(&body),
            );
            let digest = parse("d/2026-02-09.md", text.as_bytes());
            prop_assert!(digest.is_ok(), "{:?}", digest.err());
            for locale in [Locale::Ko, Locale::En] {
                assert_clean_payloads(&digest_doc(digest.as_ref().unwrap(), locale))?;
            }
        }
    }

    #[test]
    fn a_nul_title_from_yaml_is_stripped_everywhere() {
        let digest = parse(
            "d/2026-02-09.md",
            b"---\ntitle: \"Ti\\0tle\\x1b[2J\"\ndate: 2026-02-09\n---\n## 1. S - \"A\\u0007\"\n\nbody\0\x1b x\n",
        )
        .unwrap();
        assert!(digest.title.contains('\0'), "the parser keeps what the file says");
        let doc = digest_doc(&digest, Locale::En);
        let discord = discord::messages(&doc);
        assert_eq!(discord[0]["embeds"][0]["title"], "Title[2J");
        let slack = slack::messages(&doc);
        assert_eq!(slack[0]["blocks"][0]["text"]["text"], "Title[2J");
        assert!(plain::render(&doc).starts_with("Title[2J\n"));
        // A title of nothing but controls leaves no empty header behind.
        let mut doc = doc;
        doc.header.as_mut().unwrap().title = "\0\u{1b}".into();
        for m in slack::messages(&doc) {
            assert!(check_slack_message(&m).is_empty(), "{:?}", check_slack_message(&m));
        }
        for m in discord::messages(&doc) {
            assert!(check_discord_message(&m).is_empty(), "{:?}", check_discord_message(&m));
        }
    }
}
