//! Rendering: a platform-neutral model of what the bot shows, then one encoder per platform.
//!
//! [`Doc`] is what a reply or a weekly post looks like in the abstract: an optional header (title,
//! summary, date and tags), a lead paragraph, a list of [`Card`]s (one per article, search hit or
//! extra section) and a closing line. [`digest_doc`] builds it for a digest. The encoders in
//! [`discord`], [`slack`] and [`text`] alone know the wire formats: embeds and their limits, Block Kit
//! and mrkdwn, or plain terminal text. [`limits`] holds the platform limits and checks payloads
//! against them. [`clean`] removes control characters from a doc; each encoder starts with it.
//! [`post`] names threads and forum posts and picks their tags.

pub mod actions;
pub mod clean;
pub mod discord;
pub mod limits;
pub mod markup;
pub mod post;
pub mod slack;
pub mod text;

use crate::digest::{Block, Digest, Inline};
use crate::i18n::Locale;

/// Something to show: a weekly post or a command's reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Doc {
    pub header: Option<Header>,
    /// Text before everything else (a command's one-line answer).
    pub lead: Vec<Block>,
    pub cards: Vec<Card>,
    /// A last line in small print (the digest's closing italic line).
    pub closing: Option<String>,
    /// The label of the link added when a long text is cut ("원문 보기").
    pub more_label: String,
    /// How many of the leading `cards` are a digest's articles (the rest are its extra sections):
    /// the cards [`Layout::Articles`] gives a message each.
    pub articles: usize,
    /// Buttons under the last message (an approval request's Approve and Hold).
    pub actions: Vec<Action>,
}

/// A button that asks the bot to do something (not a link): its label, the id the platform sends
/// back when it is clicked, and how it looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub label: String,
    /// Discord's `custom_id`, Slack's `action_id`; at most 100 characters.
    pub id: String,
    /// Slack's `value` (Discord carries everything in the id).
    pub value: String,
    pub style: ActionStyle,
}

/// How an [`Action`] looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionStyle {
    /// Green on Discord, `primary` on Slack.
    Confirm,
    /// Red on Discord, `danger` on Slack.
    Danger,
}

/// How a digest's cards are spread over messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// As few messages as the platform's limits allow.
    Packed,
    /// The header alone first, then each article in a message of its own (with a link button to the
    /// original), then the other cards packed.
    Articles,
}

impl Layout {
    /// The runs of `doc` in order: the stretches of it whose messages are packed apart. Packed is
    /// one run of everything; Articles is the head, each of the first `doc.articles` cards, then
    /// the other cards. The encoders pack each run with their own packer and put the closing line
    /// at the end of the last run that shows something.
    pub(crate) fn runs(self, doc: &Doc) -> Vec<Run> {
        let cards = doc.cards.len();
        match self {
            Layout::Packed => vec![Run { head: true, cards: 0..cards, article: None }],
            Layout::Articles => {
                let articles = doc.articles.min(cards);
                let mut runs = vec![Run { head: true, cards: 0..0, article: None }];
                runs.extend((0..articles).map(|i| Run { head: false, cards: i..i + 1, article: Some(i) }));
                runs.push(Run { head: false, cards: articles..cards, article: None });
                runs
            }
        }
    }
}

/// A stretch of a doc packed into messages of its own (see [`Layout::runs`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    /// Whether the header and the lead are in it.
    pub head: bool,
    /// The cards in it (indices into `Doc::cards`).
    pub cards: std::ops::Range<usize>,
    /// The article it is, under [`Layout::Articles`].
    pub article: Option<usize>,
}

/// One message of a post: its body, and the article (an index into `Doc::cards`) whose message it is,
/// for the first message of each article in [`Layout::Articles`].
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub body: serde_json::Value,
    pub article: Option<usize>,
}

/// The top of a digest post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub title: String,
    pub url: Option<String>,
    pub summary: Vec<Block>,
    /// Short facts shown side by side: (label, value), such as the date and the tags.
    pub meta: Vec<(String, String)>,
    pub accent: u32,
}

/// One article, search hit or extra section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub title: String,
    pub url: Option<String>,
    pub author: Option<String>,
    pub body: Vec<Block>,
    pub fields: Vec<Field>,
    pub footer: Option<String>,
    pub accent: u32,
}

/// A named value inside a card (a keyword-table row, a status line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: Vec<Block>,
    pub inline: bool,
}

impl Doc {
    /// A doc that is only a lead text, written in Markdown (the bot's own sentences use `code`).
    pub fn text(locale: Locale, text: impl Into<String>) -> Doc {
        let blocks = crate::digest::markdown::parse_blocks(&text.into()).into_iter().map(|s| s.block).collect();
        Doc::blocks(locale, blocks)
    }

    /// A doc that is only lead blocks (a reply with a list in it, say).
    pub fn blocks(locale: Locale, lead: Vec<Block>) -> Doc {
        Doc { lead, more_label: locale.read_more().to_string(), ..Doc::default() }
    }
}

impl Card {
    pub fn new(title: impl Into<String>, accent: u32) -> Card {
        Card {
            title: title.into(),
            url: None,
            author: None,
            body: Vec::new(),
            fields: Vec::new(),
            footer: None,
            accent,
        }
    }
}

/// A paragraph of plain text.
pub fn paragraph(text: impl Into<String>) -> Block {
    Block::Paragraph(vec![Inline::Text(text.into())])
}

/// The colour of a category: fixed for the common ones, a stable pick from a palette otherwise.
pub fn category_color(category: Option<&str>) -> u32 {
    const PALETTE: [u32; 8] = [0x5865F2, 0x57F287, 0xFEE75C, 0xEB459E, 0xED4245, 0x3BA55C, 0xFAA61A, 0x9B59B6];
    let Some(category) = category.map(str::trim).filter(|c| !c.is_empty()) else { return 0x99AAB5 };
    match category.to_lowercase().as_str() {
        "backend" | "백엔드" => 0x3498DB,
        "frontend" | "프론트엔드" => 0xE67E22,
        "ai" | "ml" | "ai/ml" => 0x9B59B6,
        "devops" | "infra" | "인프라" => 0x2ECC71,
        "mobile" | "모바일" => 0xF1C40F,
        "data" | "데이터" => 0x1ABC9C,
        "security" | "보안" => 0xE74C3C,
        other => {
            let sum = other.bytes().fold(0u32, |acc, b| acc.wrapping_mul(31).wrapping_add(b as u32));
            PALETTE[(sum % PALETTE.len() as u32) as usize]
        }
    }
}

/// `1. 토스 — 레거시 인프라` (or `1. Title` when the heading names no source).
pub fn article_title(number: u32, source: &str, title: &str) -> String {
    match source.trim() {
        "" => format!("{number}. {title}"),
        source => format!("{number}. {source} — {title}"),
    }
}

/// The footer every card of a digest carries: `title · 2026-02-09`.
pub fn digest_footer(digest: &Digest) -> String {
    format!("{} · {}", digest.title, digest.id())
}

/// The weekly post of a digest: the header, one card per article, the extras, the closing line.
pub fn digest_doc(digest: &Digest, locale: Locale) -> Doc {
    let accent = category_color(digest.category.as_deref());
    let mut meta = vec![(locale.date_label().to_string(), digest.id())];
    if let Some(category) = &digest.category {
        meta.push((locale.category_label().to_string(), category.clone()));
    }
    if !digest.tags.is_empty() {
        meta.push((locale.tags_label().to_string(), digest.tags.join(", ")));
    }
    let summary = match &digest.description {
        Some(description) => vec![paragraph(description.clone())],
        None => digest.intro.clone(),
    };
    let header = Header { title: digest.title.clone(), url: None, summary, meta, accent };
    let footer = digest_footer(digest);

    let mut cards: Vec<Card> = digest
        .articles
        .iter()
        .map(|a| Card {
            title: article_title(a.number, &a.source, &a.title),
            url: a.link.clone(),
            author: a.author.clone(),
            body: a.body.clone(),
            fields: Vec::new(),
            footer: Some(footer.clone()),
            accent,
        })
        .collect();
    // The keyword rows of the whole digest go to its first keyword section only.
    let mut keywords_shown = false;
    for extra in &digest.extras {
        let mut card = Card::new(extra.title.clone(), accent);
        card.footer = Some(footer.clone());
        let is_keyword_section = !keywords_shown
            && !digest.keywords.is_empty()
            && extra.body.iter().any(|b| matches!(b, Block::Table { .. }))
            && keyword_section_title(&extra.title);
        if is_keyword_section {
            keywords_shown = true;
            card.fields = digest
                .keywords
                .iter()
                .map(|k| Field {
                    name: k.keyword.clone(),
                    value: vec![paragraph(if k.source.is_empty() { "—".to_string() } else { k.source.clone() })],
                    inline: true,
                })
                .collect();
            card.body = extra.body.iter().filter(|b| !matches!(b, Block::Table { .. })).cloned().collect();
        } else {
            card.body = extra.body.clone();
        }
        cards.push(card);
    }
    Doc {
        header: Some(header),
        lead: Vec::new(),
        cards,
        closing: digest.footer.clone(),
        more_label: locale.read_more().to_string(),
        articles: digest.articles.len(),
        actions: Vec::new(),
    }
}

fn keyword_section_title(title: &str) -> bool {
    let lower = title.to_lowercase();
    lower.contains("키워드") || lower.contains("keyword")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::parse;

    const SEED: &[u8] = include_bytes!("../../digests/2026-02-09-weekly.md");

    #[test]
    fn seed_doc_has_header_articles_and_keywords() {
        let digest = parse("d/2026-02-09.md", SEED).unwrap();
        let doc = digest_doc(&digest, Locale::Ko);
        let header = doc.header.as_ref().unwrap();
        assert_eq!(header.title, digest.title);
        assert_eq!(header.meta[0], ("날짜".to_string(), "2026-02-09".to_string()));
        assert_eq!(header.meta[2].1, "Backend, Cloud, OpenStack, DevOps, Team Culture, ADR");
        assert_eq!(doc.cards.len(), 5);
        assert_eq!(doc.cards[0].title, "1. 토스 — 레거시 인프라 작살내고 하이브리드 클라우드 만든 썰");
        assert_eq!(doc.cards[0].url.as_deref(), Some("https://toss.tech"));
        assert_eq!(doc.cards[4].fields.len(), 5);
        assert_eq!(doc.cards[4].fields[0].name, "하이브리드 클라우드 / OpenStack");
        assert!(doc.cards[4].body.is_empty());
        assert!(doc.closing.as_deref().unwrap().starts_with("매주 월요일"));
        assert_eq!(doc.more_label, "원문 보기");
    }

    /// Random docs: an optional header and lead, cards of any size with any kind of URL, any number
    /// of them counted as articles (more than there are cards included), an optional closing line.
    mod layouts {
        use super::*;
        use crate::render::limits::{check_discord_message, check_slack_message, strings};
        use proptest::prelude::*;
        use serde_json::Value;

        /// A card's URL: none, one both buttons take, one that is not http(s), one too long for
        /// Discord's button only, one too long for both.
        fn url(kind: usize, i: usize) -> Option<String> {
            match kind {
                0 => None,
                1 => Some(format!("https://example.com/{i}")),
                2 => Some("javascript:alert(1)".into()),
                3 => Some(format!("https://example.com/{}", "a".repeat(600))),
                _ => Some(format!("https://example.com/{}", "a".repeat(3000))),
            }
        }

        fn card() -> impl Strategy<Value = (String, usize, usize, usize, usize)> {
            ("[가-힣a-z]{1,10}", 0usize..5, 0usize..5000, 0usize..40, 0usize..1100)
        }

        fn doc() -> impl Strategy<Value = Doc> {
            (
                prop::option::of("[가-힣a-z ]{1,30}"),
                prop::option::of("[가-힣a-z ]{1,200}"),
                prop::collection::vec(card(), 0..14),
                0usize..16,
                prop::option::of("[a-z]{1,10}"),
            )
                .prop_map(|(header, lead, cards, articles, closing)| Doc {
                    header: header.map(|title| Header {
                        title: format!("H {title}"),
                        url: None,
                        summary: vec![paragraph("요약")],
                        meta: vec![("날짜".into(), "2026-02-09".into())],
                        accent: 1,
                    }),
                    lead: lead.map(|l| vec![paragraph(l)]).unwrap_or_default(),
                    cards: cards
                        .into_iter()
                        .enumerate()
                        .map(|(i, (word, kind, body, fields, value))| Card {
                            url: url(kind, i),
                            body: vec![paragraph("본문 ".repeat(body / 3))],
                            fields: (0..fields)
                                .map(|f| Field {
                                    name: format!("k{f}"),
                                    value: vec![paragraph("v".repeat(value))],
                                    inline: true,
                                })
                                .collect(),
                            ..Card::new(format!("{i}. {word}"), 1)
                        })
                        .collect(),
                    // A text no other string holds, to be found where it lands.
                    closing: closing.map(|c| format!("closing-{c}")),
                    more_label: "원문 보기".into(),
                    articles,
                    actions: Vec::new(),
                })
        }

        /// Whether a part shows `text` as one whole string (a title, a header).
        fn shows(part: &Part, text: &str) -> bool {
            strings(&part.body).contains(&text)
        }

        /// What holds for the parts of one platform under both layouts.
        fn check(
            doc: &Doc,
            render: fn(&Doc, Layout, &str) -> Vec<Part>,
            messages: fn(&Doc) -> Vec<Value>,
            check: fn(&Value) -> Vec<String>,
            button: fn(&Part) -> Vec<String>,
            button_takes: fn(&str) -> bool,
        ) -> Result<(), TestCaseError> {
            let packed = render(doc, Layout::Packed, "읽기");
            prop_assert!(packed.iter().all(|p| p.article.is_none()));
            prop_assert_eq!(packed.into_iter().map(|p| p.body).collect::<Vec<_>>(), messages(doc));

            let parts = render(doc, Layout::Articles, "읽기");
            for part in &parts {
                let problems = check(&part.body);
                prop_assert!(problems.is_empty(), "{:?}", problems);
            }
            let articles = doc.articles.min(doc.cards.len());
            let marked: Vec<usize> = parts.iter().filter_map(|p| p.article).collect();
            prop_assert_eq!(&marked, &(0..articles).collect::<Vec<_>>());
            if let Some(header) = &doc.header {
                prop_assert_eq!(parts[0].article, None);
                prop_assert!(shows(&parts[0], header.title.trim()));
            }
            let at = |i: usize| parts.iter().position(|p| p.article == Some(i)).unwrap();
            for (i, card) in doc.cards.iter().enumerate().take(articles) {
                let showing: Vec<usize> = (0..parts.len()).filter(|&k| shows(&parts[k], &card.title)).collect();
                prop_assert_eq!(showing, vec![at(i)], "{}", card.title);
                let wanted: Vec<String> = card.url.iter().filter(|u| button_takes(u)).cloned().collect();
                prop_assert_eq!(button(&parts[at(i)]), wanted);
            }
            let after = articles.checked_sub(1).map_or(0, |last| at(last) + 1);
            for card in &doc.cards[articles..] {
                let showing: Vec<usize> = (0..parts.len()).filter(|&k| shows(&parts[k], &card.title)).collect();
                prop_assert!(
                    !showing.is_empty() && showing.iter().all(|&k| k >= after),
                    "{}: {:?}",
                    card.title,
                    showing
                );
            }
            let buttons: usize = parts.iter().map(|p| button(p).len()).sum();
            prop_assert_eq!(buttons, (0..articles).map(|i| button(&parts[at(i)]).len()).sum::<usize>());
            // The closing line ends the last message (Discord drops it when the last embed is full).
            if let Some(closing) = &doc.closing {
                let with = |p: &Part| strings(&p.body).iter().any(|s| s.contains(closing.as_str()));
                prop_assert!(parts.iter().rev().skip(1).all(|p| !with(p)));
            }
            Ok(())
        }

        fn discord_button(part: &Part) -> Vec<String> {
            let rows = part.body["components"].as_array().into_iter().flatten();
            rows.flat_map(|r| {
                r["components"].as_array().unwrap().iter().map(|b| b["url"].as_str().unwrap().to_string())
            })
            .collect()
        }

        fn slack_button(part: &Part) -> Vec<String> {
            let blocks = part.body["blocks"].as_array().unwrap().iter().filter(|b| b["type"] == "actions");
            blocks
                .flat_map(|b| b["elements"].as_array().unwrap().iter().map(|e| e["url"].as_str().unwrap().to_string()))
                .collect()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            #[test]
            fn every_layout_keeps_its_invariants_within_the_limits(doc in doc()) {
                check(&doc, discord::parts, discord::messages, check_discord_message, discord_button, |u| {
                    u.starts_with("https:") && u.len() <= 512
                })?;
                check(&doc, slack::parts, slack::messages, check_slack_message, slack_button, |u| {
                    u.starts_with("https:") && u.len() <= 3000
                })?;
            }
        }
    }

    #[test]
    fn colours_are_stable() {
        assert_eq!(category_color(Some("Backend")), category_color(Some("backend")));
        assert_eq!(category_color(Some("Gardening")), category_color(Some("gardening")));
        assert_eq!(category_color(None), 0x99AAB5);
        assert_eq!(article_title(3, "", "T"), "3. T");
    }
}
