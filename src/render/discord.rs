//! The Discord encoder: a [`Doc`] becomes Create Message bodies with embeds, within every limit.
//!
//! The header becomes an embed with the date and tags as inline fields, each card an embed (title,
//! url, author, description in Discord markdown, footer, colour), the closing line the last footer.
//! Embeds are packed in order into as few messages as the limits allow: at most 10 embeds and 6000
//! characters of embed text per message, counted in code points after trimming. A card too long for
//! one embed is cut on a character boundary with `…` and a link to the original; a URL goes in only
//! as [`web_url`] makes it (spaces and quotes encoded; none without a host). [`parts`] packs
//! by [`Layout`]: under `Articles` the header, each article and the remaining cards are packed
//! apart, and each article's first message carries a link button (an action row with one style 5
//! button) to the original. Control characters are removed first (see [`super::clean`]).

use serde_json::{Value, json};

use super::limits::*;
use super::markup::{self, Dialect, count, cut};
use super::{Card, Doc, Field, Header, Layout, Part};

/// Discord markdown.
pub struct DiscordMarkdown;

impl Dialect for DiscordMarkdown {
    fn escape(&self, text: &str, out: &mut String) {
        for (i, word) in text.split(' ').enumerate() {
            if i > 0 {
                out.push(' ');
            }
            // Bare URLs are linked by Discord as they are; escaping would corrupt them.
            if word.starts_with("http://") || word.starts_with("https://") {
                out.push_str(word);
                continue;
            }
            for c in word.chars() {
                if matches!(c, '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']') {
                    out.push('\\');
                }
                out.push(c);
            }
        }
    }

    fn strong(&self, inner: &str) -> String {
        format!("**{inner}**")
    }

    fn emph(&self, inner: &str) -> String {
        format!("*{inner}*")
    }

    fn strike(&self, inner: &str) -> String {
        format!("~~{inner}~~")
    }

    fn code(&self, code: &str) -> String {
        if code.contains('`') { format!("`` {code} ``") } else { format!("`{code}`") }
    }

    fn link(&self, text: &str, url: &str) -> String {
        let Some(url) = web_url(url) else {
            return text.to_string();
        };
        let url = url.replace(')', "%29").replace('(', "%28");
        format!("[{text}]({url})")
    }

    fn heading(&self, level: u8, text: &str, allowed: bool) -> String {
        if allowed && level <= 3 {
            format!("{} {text}", "#".repeat(level.max(1) as usize))
        } else {
            format!("**{text}**")
        }
    }
}

/// An embed under construction, with its texts already within their own limits.
#[derive(Debug, Clone, Default)]
struct Embed {
    title: String,
    url: Option<String>,
    author: Option<String>,
    description: String,
    fields: Vec<(String, String, bool)>,
    footer: Option<String>,
    color: u32,
}

impl Embed {
    /// Characters that count toward the 6000 of a message.
    fn size(&self) -> usize {
        count(&self.title)
            + count(&self.description)
            + self.author.as_deref().map_or(0, count)
            + self.footer.as_deref().map_or(0, count)
            + self.fields.iter().map(|(n, v, _)| count(n) + count(v)).sum::<usize>()
    }

    fn to_json(&self) -> Value {
        let mut embed = serde_json::Map::new();
        if !self.title.is_empty() {
            embed.insert("title".into(), json!(self.title));
        }
        if let Some(url) = &self.url {
            embed.insert("url".into(), json!(url));
        }
        if let Some(author) = &self.author {
            embed.insert("author".into(), json!({ "name": author }));
        }
        if !self.description.is_empty() {
            embed.insert("description".into(), json!(self.description));
        }
        if !self.fields.is_empty() {
            let fields: Vec<Value> =
                self.fields.iter().map(|(n, v, inline)| json!({"name": n, "value": v, "inline": inline})).collect();
            embed.insert("fields".into(), Value::Array(fields));
        }
        if let Some(footer) = &self.footer {
            embed.insert("footer".into(), json!({ "text": footer }));
        }
        embed.insert("color".into(), json!(self.color));
        Value::Object(embed)
    }
}

/// Create Message bodies for a doc, in order: the bodies of [`parts`] under [`Layout::Packed`].
pub fn messages(doc: &Doc) -> Vec<Value> {
    parts(doc, Layout::Packed, "").into_iter().map(|part| part.body).collect()
}

/// The messages of a doc under `layout`, in order. Under [`Layout::Articles`] the first message of
/// each article carries a link button labelled `button` to the article's URL (when it has an
/// http(s) URL within [`DISCORD_BUTTON_URL`]); an article that shows nothing has no message.
pub fn parts(doc: &Doc, layout: Layout, button: &str) -> Vec<Part> {
    let doc = &super::clean::doc(doc);
    let button = super::clean::text(button);
    let runs = layout.runs(doc);
    let mut groups: Vec<Vec<Embed>> = runs
        .iter()
        .map(|run| {
            let mut embeds = Vec::new();
            if let Some(header) = doc.header.as_ref().filter(|_| run.head) {
                embeds.extend(header_embeds(header, &doc.more_label));
            }
            for card in &doc.cards[run.cards.clone()] {
                embeds.extend(card_embeds(card, &doc.more_label));
            }
            embeds
        })
        .collect();
    let mut content = cut(&markup::blocks(&DiscordMarkdown, &doc.lead, true), DISCORD_CONTENT, "…");
    if let Some(closing) = doc.closing.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        match groups.iter_mut().rev().find_map(|embeds| embeds.last_mut()) {
            Some(last) => {
                let footer = match last.footer.take() {
                    Some(footer) => format!("{footer}\n{closing}"),
                    None => closing.to_string(),
                };
                let room = DISCORD_EMBED_TOTAL.saturating_sub(last.size()).min(DISCORD_FOOTER);
                last.footer = Some(cut(&footer, room, "…"));
            }
            None => {
                let joined =
                    if content.is_empty() { format!("*{closing}*") } else { format!("{content}\n\n*{closing}*") };
                content = cut(&joined, DISCORD_CONTENT, "…");
            }
        }
    }
    let mut parts = Vec::new();
    for (run, embeds) in runs.iter().zip(groups) {
        // The lead goes with the header, in the first run.
        let content = if run.head { std::mem::take(&mut content) } else { String::new() };
        let mut messages = pack(content, embeds);
        if let (Some(i), Some(first)) = (run.article, messages.first_mut())
            && let Some(components) = link_button(doc.cards[i].url.as_deref(), &button)
        {
            first["components"] = components;
        }
        parts.extend(
            messages.into_iter().enumerate().map(|(k, body)| Part { body, article: run.article.filter(|_| k == 0) }),
        );
    }
    parts
}

/// One action row with a link button to `url`, when it is an http(s) URL Discord takes and the
/// label is not empty. A link button has no `custom_id` and sends the bot no interaction.
fn link_button(url: Option<&str>, label: &str) -> Option<Value> {
    let url = url.and_then(web_url).filter(|url| url.chars().count() <= DISCORD_BUTTON_URL)?;
    let label = cut(label, DISCORD_BUTTON_LABEL, "…");
    if label.is_empty() {
        return None;
    }
    Some(json!([{"type": 1, "components": [{"type": 2, "style": 5, "label": label, "url": url}]}]))
}

/// Groups embeds into messages of at most 10 embeds and 6000 characters; `content` goes first.
fn pack(content: String, embeds: Vec<Embed>) -> Vec<Value> {
    let mut messages: Vec<Vec<Embed>> = Vec::new();
    let mut current: Vec<Embed> = Vec::new();
    let mut total = 0;
    for embed in embeds {
        let size = embed.size();
        if !current.is_empty() && (current.len() == DISCORD_EMBEDS_PER_MESSAGE || total + size > DISCORD_EMBED_TOTAL) {
            messages.push(std::mem::take(&mut current));
            total = 0;
        }
        total += size;
        current.push(embed);
    }
    if !current.is_empty() {
        messages.push(current);
    }
    if messages.is_empty() && !content.is_empty() {
        messages.push(Vec::new());
    }
    messages
        .into_iter()
        .enumerate()
        .map(|(i, embeds)| {
            let mut message = serde_json::Map::new();
            if i == 0 && !content.is_empty() {
                message.insert("content".into(), json!(content));
            }
            if !embeds.is_empty() {
                message.insert("embeds".into(), Value::Array(embeds.iter().map(Embed::to_json).collect()));
            }
            // The bot never pings anyone, whatever a digest's text says.
            message.insert("allowed_mentions".into(), json!({ "parse": [] }));
            Value::Object(message)
        })
        .collect()
}

fn header_embeds(header: &Header, more_label: &str) -> Vec<Embed> {
    let card = Card {
        title: header.title.clone(),
        url: header.url.clone(),
        author: None,
        body: header.summary.clone(),
        fields: header
            .meta
            .iter()
            .map(|(name, value)| Field {
                name: name.clone(),
                value: vec![super::paragraph(value.clone())],
                inline: true,
            })
            .collect(),
        footer: None,
        accent: header.accent,
    };
    card_embeds(&card, more_label)
}

/// The embeds of one card: one, or more when its fields do not fit in one.
fn card_embeds(card: &Card, more_label: &str) -> Vec<Embed> {
    let title = cut(&card.title, DISCORD_TITLE, "…");
    // Discord refuses a whole message for one embed `url` it cannot read.
    let url = card.url.as_deref().and_then(web_url);
    let author = card.author.as_deref().map(|a| cut(a, DISCORD_AUTHOR, "…")).filter(|a| !a.is_empty());
    let footer = card.footer.as_deref().map(|f| cut(f, DISCORD_FOOTER, "…")).filter(|f| !f.is_empty());
    let fixed = author.as_deref().map_or(0, count) + footer.as_deref().map_or(0, count);
    // Embeds after the first are told apart by a number after the title.
    let title_of = |i: usize| {
        if i == 0 { title.clone() } else { cut(&format!("{} ({})", card.title, i + 1), DISCORD_TITLE, "…") }
    };

    // Fields, in chunks that fit one embed each (25 fields, and the 6000 together with the rest).
    let fields: Vec<(String, String, bool)> = card
        .fields
        .iter()
        .map(|f| {
            let name = cut(
                &markup::inlines(&DiscordMarkdown, &[crate::digest::Inline::Text(f.name.clone())]),
                DISCORD_FIELD_NAME,
                "…",
            );
            let value = cut(&markup::blocks(&DiscordMarkdown, &f.value, false), DISCORD_FIELD_VALUE, "…");
            (non_empty(name), non_empty(value), f.inline)
        })
        .collect();
    let mut chunks: Vec<Vec<(String, String, bool)>> = vec![Vec::new()];
    let mut room = DISCORD_EMBED_TOTAL.saturating_sub(fixed + count(&title));
    for field in fields {
        let size = count(&field.0) + count(&field.1);
        let last = chunks.last_mut().expect("never empty");
        if !last.is_empty() && (last.len() == DISCORD_FIELDS || size > room) {
            chunks.push(Vec::new());
            room = DISCORD_EMBED_TOTAL.saturating_sub(fixed + count(&title_of(chunks.len() - 1)));
        }
        room = room.saturating_sub(size);
        chunks.last_mut().expect("never empty").push(field);
    }

    let body = markup::blocks(&DiscordMarkdown, &card.body, true);
    let mut embeds = Vec::new();
    for (i, fields) in chunks.into_iter().enumerate() {
        let mut embed = Embed {
            title: title_of(i),
            url: url.clone(),
            author: author.clone(),
            description: String::new(),
            fields,
            footer: footer.clone(),
            color: card.accent,
        };
        if i == 0 {
            let room = DISCORD_DESCRIPTION.min(DISCORD_EMBED_TOTAL.saturating_sub(embed.size()));
            embed.description = shorten(&body, room, url.as_deref(), more_label);
        }
        if embed.title.is_empty() && embed.description.is_empty() && embed.fields.is_empty() {
            continue;
        }
        embeds.push(embed);
    }
    embeds
}

/// `text` within `room` characters; when cut, it ends with `…` and a link to the original.
fn shorten(text: &str, room: usize, url: Option<&str>, more_label: &str) -> String {
    if count(text) <= room {
        return text.trim().to_string();
    }
    // Not even the `…` fits (the fields took the whole embed).
    if room == 0 {
        return String::new();
    }
    let suffix = match url {
        Some(url) => format!("…\n\n{}", DiscordMarkdown.link(more_label, url)),
        None => "…".to_string(),
    };
    if suffix.chars().count() >= room {
        return cut(text, room, "…");
    }
    cut(text, room, &suffix)
}

/// Discord rejects empty field names and values.
fn non_empty(text: String) -> String {
    if text.trim().is_empty() { "—".to_string() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::{Block, Inline, parse};
    use crate::i18n::Locale;
    use crate::render::{digest_doc, limits::has_table_delimiter_outside_code, paragraph};

    const SEED: &[u8] = include_bytes!("../../digests/2026-02-09-weekly.md");

    fn assert_valid(messages: &[Value]) {
        for m in messages {
            let problems = check_discord_message(m);
            assert!(problems.is_empty(), "{problems:?}");
            for s in strings(m) {
                assert!(!has_table_delimiter_outside_code(s), "table delimiter in {s}");
            }
        }
    }

    fn card(title: &str, body: Vec<Block>) -> Card {
        Card { title: title.into(), url: Some("https://example.com/a".into()), ..Card::new(title, 1) }.with_body(body)
    }

    impl Card {
        fn with_body(mut self, body: Vec<Block>) -> Card {
            self.body = body;
            self
        }
    }

    fn doc(cards: Vec<Card>) -> Doc {
        Doc { cards, more_label: "원문 보기".into(), ..Doc::default() }
    }

    #[test]
    fn seed_digest_is_one_message_with_header_articles_and_keywords() {
        let digest = parse("d/2026-02-09.md", SEED).unwrap();
        let messages = messages(&digest_doc(&digest, Locale::Ko));
        assert_valid(&messages);
        assert_eq!(messages.len(), 1);
        let embeds = messages[0]["embeds"].as_array().unwrap();
        assert_eq!(embeds.len(), 6);
        assert_eq!(embeds[0]["title"], digest.title);
        assert_eq!(embeds[0]["fields"][0], json!({"name": "날짜", "value": "2026-02-09", "inline": true}));
        assert_eq!(embeds[1]["title"], "1. 토스 — 레거시 인프라 작살내고 하이브리드 클라우드 만든 썰");
        assert_eq!(embeds[1]["url"], "https://toss.tech");
        assert_eq!(embeds[1]["author"]["name"], "박명순, 정상현 (DevOps / Server Platform)");
        assert!(
            embeds[1]["description"]
                .as_str()
                .unwrap()
                .starts_with("### 핵심 내용\n토스가 **OpenStack 기반 프라이빗 클라우드**")
        );
        assert_eq!(embeds[1]["footer"]["text"], format!("{} · 2026-02-09", digest.title));
        assert_eq!(embeds[5]["fields"].as_array().unwrap().len(), 5);
        assert!(embeds[5]["footer"]["text"].as_str().unwrap().ends_with("정리합니다."));
        assert_eq!(embeds[1]["color"], embeds[2]["color"]);
    }

    #[test]
    fn long_article_is_cut_with_a_link_to_the_original() {
        let long = "아주 긴 문단입니다. ".repeat(800);
        let messages = messages(&doc(vec![card("1. S — T", vec![paragraph(long)])]));
        assert_valid(&messages);
        let description = messages[0]["embeds"][0]["description"].as_str().unwrap();
        assert!(count(description) <= DISCORD_DESCRIPTION);
        assert!(
            description.ends_with("…\n\n[원문 보기](https://example.com/a)"),
            "{}",
            &description[description.len() - 80..]
        );
    }

    #[test]
    fn many_and_large_embeds_split_by_count_and_total() {
        let cards: Vec<Card> =
            (0..13).map(|i| card(&format!("{i}. S — T"), vec![paragraph("x".repeat(1500))])).collect();
        let messages = messages(&doc(cards));
        assert_valid(&messages);
        let per_message: Vec<usize> = messages.iter().map(|m| m["embeds"].as_array().unwrap().len()).collect();
        assert_eq!(per_message.iter().sum::<usize>(), 13);
        assert!(per_message.iter().all(|&n| n <= 3), "{per_message:?}");
        // Order is kept across messages.
        let titles: Vec<String> = messages
            .iter()
            .flat_map(|m| m["embeds"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(titles[12], "12. S — T");

        let small: Vec<Card> = (0..23).map(|i| card(&format!("{i}"), vec![paragraph("short")])).collect();
        let counts: Vec<usize> = messages_of(small).iter().map(|m| m["embeds"].as_array().unwrap().len()).collect();
        assert_eq!(counts, [10, 10, 3]);
    }

    fn messages_of(cards: Vec<Card>) -> Vec<Value> {
        let m = messages(&doc(cards));
        assert_valid(&m);
        m
    }

    #[test]
    fn fields_beyond_twenty_five_continue_in_another_embed() {
        let mut c = Card::new("Keywords", 1);
        c.fields = (0..30)
            .map(|i| Field { name: format!("k{i}"), value: vec![paragraph("v".repeat(300))], inline: true })
            .collect();
        let m = messages_of(vec![c]);
        let embeds: Vec<&Value> = m.iter().flat_map(|m| m["embeds"].as_array().unwrap()).collect();
        let field_counts: Vec<usize> = embeds.iter().map(|e| e["fields"].as_array().unwrap().len()).collect();
        assert_eq!(field_counts.iter().sum::<usize>(), 30);
        assert_eq!(embeds[1]["title"], "Keywords (2)");
    }

    #[test]
    fn fields_leave_room_for_numbered_titles_and_nothing_overflows() {
        // Six fields that fill an embed under the title "0. a" do not fit under "0. a (3)".
        let mut c = Card::new("0. a", 1);
        c.fields = (0..18)
            .map(|i| Field { name: format!("k{i}"), value: vec![paragraph("v".repeat(996))], inline: true })
            .collect();
        let m = messages_of(vec![c]);
        let fields: usize = m.iter().map(|m| m["embeds"][0]["fields"].as_array().unwrap().len()).sum();
        assert_eq!(fields, 18);
        // Fields that fill the first embed to the last character leave no room for a `…` either.
        let mut c = Card { body: vec![paragraph("본문")], ..Card::new("0. 가", 1) };
        c.fields = (0..11)
            .map(|i| Field { name: format!("k{i}"), value: vec![paragraph("v".repeat(543))], inline: true })
            .collect();
        let m = messages_of(vec![c]);
        assert!(m[0]["embeds"][0].get("description").is_none());
    }

    #[test]
    fn limits_on_every_text_and_korean_is_never_split() {
        let mut c = Card::new("제".repeat(300), 1);
        c.author = Some("저".repeat(300));
        c.footer = Some("끝".repeat(2100));
        c.fields = vec![Field { name: "이".repeat(300), value: vec![paragraph("값".repeat(1100))], inline: false }];
        c.body = vec![paragraph("본".repeat(5000))];
        let m = messages_of(vec![c]);
        for s in strings(&m[0]) {
            assert!(s.chars().all(|ch| ch != '\u{fffd}'));
        }
        assert!(m[0]["embeds"][0]["title"].as_str().unwrap().ends_with('…'));
    }

    #[test]
    fn tables_become_lists_and_text_is_escaped() {
        let table = Block::Table {
            head: vec![vec![Inline::Text("a".into())], vec![Inline::Text("b".into())]],
            rows: vec![vec![vec![Inline::Text("1".into())], vec![Inline::Text("2".into())]]],
        };
        let literal = paragraph("|---|---| and *stars* and ||spoiler|| https://x.com/a_b_c");
        let m = messages_of(vec![card("T", vec![table, literal])]);
        let description = m[0]["embeds"][0]["description"].as_str().unwrap();
        assert_eq!(
            description,
            "• **1** — 2\n\n\\|---\\|---\\| and \\*stars\\* and \\|\\|spoiler\\|\\| https://x.com/a_b_c"
        );
    }

    #[test]
    fn lead_and_closing_without_embeds() {
        let mut d = Doc::text(Locale::En, "hello");
        d.closing = Some("bye".into());
        assert!(messages_of(vec![]).is_empty());
        let m = messages(&d);
        assert_eq!(m, vec![json!({"content": "hello\n\n*bye*", "allowed_mentions": {"parse": []}})]);
    }

    fn button_of(part: &Part) -> &Value {
        &part.body["components"][0]["components"][0]
    }

    #[test]
    fn seed_digest_in_articles_has_a_message_per_article_with_a_link_button() {
        let digest = parse("d/2026-02-09.md", SEED).unwrap();
        let doc = digest_doc(&digest, Locale::Ko);
        let parts = parts(&doc, Layout::Articles, Locale::Ko.read_original());
        assert_valid(&parts.iter().map(|p| p.body.clone()).collect::<Vec<_>>());
        let articles: Vec<Option<usize>> = parts.iter().map(|p| p.article).collect();
        assert_eq!(articles, [None, Some(0), Some(1), Some(2), Some(3), None]);
        let titles = |p: &Part| -> Vec<String> {
            p.body["embeds"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap().to_string()).collect()
        };
        assert_eq!(titles(&parts[0]), [digest.title.as_str()]);
        assert!(parts[0].body.get("components").is_none());
        assert_eq!(titles(&parts[1]), ["1. 토스 — 레거시 인프라 작살내고 하이브리드 클라우드 만든 썰"]);
        assert_eq!(
            parts[1].body["components"],
            json!([{"type": 1, "components": [{"type": 2, "style": 5, "label": "원문 읽기", "url": "https://toss.tech"}]}])
        );
        assert_eq!(button_of(&parts[2])["url"], "https://techblog.woowahan.com/24820/");
        assert_eq!(titles(&parts[5]), ["이번 주 핵심 키워드"]);
        assert!(parts[5].body.get("components").is_none());
        assert!(parts[5].body["embeds"][0]["footer"]["text"].as_str().unwrap().ends_with("정리합니다."));
        // The same embeds as the packed message, in the same order.
        let packed: Vec<Value> = messages(&doc)[0]["embeds"].as_array().unwrap().clone();
        let spread: Vec<Value> = parts.iter().flat_map(|p| p.body["embeds"].as_array().unwrap().clone()).collect();
        assert_eq!(spread, packed);
    }

    #[test]
    fn packed_parts_are_the_messages() {
        let digest = parse("d/2026-02-09.md", SEED).unwrap();
        let doc = digest_doc(&digest, Locale::En);
        let parts = parts(&doc, Layout::Packed, "Read");
        assert!(parts.iter().all(|p| p.article.is_none() && p.body.get("components").is_none()));
        assert_eq!(parts.into_iter().map(|p| p.body).collect::<Vec<_>>(), messages(&doc));
    }

    #[test]
    fn links_people_write_are_encoded_or_left_out_of_embeds_and_buttons() {
        let cards: Vec<Card> = ["https://", "https://x.com/a b\"c", "https://x.com/(1)"]
            .iter()
            .enumerate()
            .map(|(i, url)| Card { url: Some(url.to_string()), ..card(&format!("{i}"), vec![paragraph("본문")]) })
            .collect();
        let d = Doc { articles: cards.len(), ..doc(cards) };
        let parts = parts(&d, Layout::Articles, "read");
        assert_valid(&parts.iter().map(|p| p.body.clone()).collect::<Vec<_>>());
        let (placeholder, spaced, parens) = (&parts[0].body, &parts[1].body, &parts[2].body);
        assert!(placeholder.get("components").is_none() && placeholder["embeds"][0].get("url").is_none());
        assert_eq!(spaced["embeds"][0]["url"], "https://x.com/a%20b%22c");
        assert_eq!(spaced["components"][0]["components"][0]["url"], "https://x.com/a%20b%22c");
        assert_eq!(parens["embeds"][0]["url"], "https://x.com/(1)");
        assert_eq!(DiscordMarkdown.link("t", "https://x.com/(1) 2"), "[t](https://x.com/%281%29%202)");
        assert_eq!(DiscordMarkdown.link("t", "https://"), "t");
    }

    #[test]
    fn buttons_only_for_web_urls_discord_takes_with_labels_cut() {
        let mut cards: Vec<Card> = ["https://ok.com/a", "javascript:alert(1)", "https://", "ftp://x.com"]
            .iter()
            .enumerate()
            .map(|(i, url)| Card { url: Some(url.to_string()), ..card(&format!("{i}"), vec![paragraph("본문")]) })
            .collect();
        cards.push(Card { url: Some(format!("https://x.com/{}", "a".repeat(498))), ..card("4", vec![]) });
        cards.push(Card { url: Some(format!("https://x.com/{}", "a".repeat(499))), ..card("5", vec![]) });
        cards.push(Card { url: None, ..card("6", vec![]) });
        let d = Doc { articles: cards.len(), ..doc(cards) };
        let parts = parts(&d, Layout::Articles, &format!("  {}  ", "읽".repeat(100)));
        assert_valid(&parts.iter().map(|p| p.body.clone()).collect::<Vec<_>>());
        let with_button: Vec<usize> =
            parts.iter().filter(|p| p.body.get("components").is_some()).map(|p| p.article.unwrap()).collect();
        assert_eq!(with_button, [0, 4]);
        let label = button_of(&parts[0])["label"].as_str().unwrap();
        assert_eq!(label, format!("{}…", "읽".repeat(79)));
        assert!(button_of(&parts[0]).get("custom_id").is_none());
        // No label, no button.
        let d = Doc { articles: 1, ..doc(vec![card("T", vec![])]) };
        assert!(parts_of(&d, " \u{0} ").iter().all(|p| p.body.get("components").is_none()));
    }

    fn parts_of(d: &Doc, button: &str) -> Vec<Part> {
        let parts = parts(d, Layout::Articles, button);
        assert_valid(&parts.iter().map(|p| p.body.clone()).collect::<Vec<_>>());
        parts
    }

    #[test]
    fn an_article_too_big_for_one_message_spills_and_only_its_first_is_marked() {
        let mut big = card("1. Big", vec![paragraph("본문")]);
        big.fields = (0..30)
            .map(|i| Field { name: format!("k{i}"), value: vec![paragraph("v".repeat(1000))], inline: false })
            .collect();
        let d = Doc { articles: 2, header: None, ..doc(vec![big, card("2. Small", vec![]), card("Extra", vec![])]) };
        let parts = parts_of(&d, "Read");
        let articles: Vec<Option<usize>> = parts.iter().map(|p| p.article).collect();
        assert_eq!(articles[0], Some(0));
        assert!(articles.len() > 3, "{articles:?}");
        assert!(articles[1..articles.len() - 2].iter().all(Option::is_none), "{articles:?}");
        assert_eq!(articles[articles.len() - 2..], [Some(1), None]);
        assert!(parts[0].body.get("components").is_some());
        assert!(parts[1].body.get("components").is_none());
        assert_eq!(parts[1].body["embeds"][0]["title"], "1. Big (2)");
    }

    #[test]
    fn the_closing_line_and_the_lead_keep_their_places() {
        // No extras: the closing line ends the last article's message.
        let mut d =
            Doc { articles: 2, closing: Some("끝.".into()), ..doc(vec![card("1", vec![]), card("2", vec![])]) };
        d.lead = vec![paragraph("안녕")];
        let parts = parts_of(&d, "Read");
        assert_eq!(parts.iter().map(|p| p.article).collect::<Vec<_>>(), [None, Some(0), Some(1)]);
        assert_eq!(parts[0].body, json!({"content": "안녕", "allowed_mentions": {"parse": []}}));
        assert_eq!(parts[2].body["embeds"][0]["footer"]["text"], "끝.");
        // No articles: the header alone, then the rest packed.
        let digest = parse("d/2026-02-09.md", SEED).unwrap();
        let doc = Doc { articles: 0, ..digest_doc(&digest, Locale::Ko) };
        let parts = parts_of(&doc, "Read");
        let embeds: Vec<usize> = parts.iter().map(|p| p.body["embeds"].as_array().unwrap().len()).collect();
        assert_eq!(embeds, [1, 5]);
        assert!(parts.iter().all(|p| p.article.is_none() && p.body.get("components").is_none()));
    }

    #[test]
    fn non_web_links_are_not_urls() {
        let mut c = card("T", vec![]);
        c.url = Some("javascript:alert(1)".into());
        let m = messages_of(vec![c]);
        assert!(m[0]["embeds"][0].get("url").is_none());
    }
}
