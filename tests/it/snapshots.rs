//! Snapshot tests of the Slack payloads: the seed digest and every good fixture, rendered in Korean,
//! compared exactly with the JSON committed under `tests/snapshots/slack/`.
//!
//! A change to the encoder shows up as a diff of those files, to be reviewed like code. After an
//! intended change, `DIGESTBOT_UPDATE_SNAPSHOTS=1 cargo test --test it snapshots::` rewrites them.
//! Besides the exact comparison, every payload is checked against Slack's limits, and every bold,
//! link and code span of each article must come out as a styled element with the same text. The
//! seed also has a snapshot in the Articles layout (a message per article, with its link button),
//! and for every digest both layouts are rendered on both platforms and checked: within the
//! limits, and in Articles the header alone first, then each article in a message of its own, then
//! the extras.

use std::path::{Path, PathBuf};

use serde_json::Value;

use digestbot::digest::{Block, Digest, Inline, parse};
use digestbot::files::load_library;
use digestbot::i18n::Locale;
use digestbot::render::limits::{check_discord_message, check_slack_message, rich_text_inlines};
use digestbot::render::{Doc, Layout, Part, digest_doc, discord, slack};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compares `messages` with the snapshot `name`, or rewrites it when asked to.
fn assert_snapshot(name: &str, messages: &[Value]) {
    let path = root().join("tests/snapshots/slack").join(format!("{name}.json"));
    let actual = format!("{}\n", serde_json::to_string_pretty(messages).unwrap());
    if std::env::var_os("DIGESTBOT_UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with DIGESTBOT_UPDATE_SNAPSHOTS=1 to write it", path.display()));
    if expected != actual {
        let line = expected.lines().zip(actual.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "{} differs from the rendered payload at line {}:\n  expected: {}\n  actual:   {}\n\
             (DIGESTBOT_UPDATE_SNAPSHOTS=1 rewrites it after an intended change)",
            path.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or(""),
            actual.lines().nth(line).unwrap_or(""),
        );
    }
}

/// A span the Markdown of an article asks for: its shown text, and the style key (or `link`).
fn spans(blocks: &[Block], out: &mut Vec<(String, &'static str, String)>) {
    fn inline_spans(inlines: &[Inline], out: &mut Vec<(String, &'static str, String)>) {
        for inline in inlines {
            match inline {
                Inline::Strong(inner) => {
                    if let [Inline::Text(t)] = inner.as_slice() {
                        out.push((t.trim().to_string(), "bold", String::new()));
                    }
                    inline_spans(inner, out);
                }
                Inline::Emph(inner) | Inline::Strike(inner) => inline_spans(inner, out),
                Inline::Code(code) => out.push((code.clone(), "code", String::new())),
                Inline::Link { url, content } if url.starts_with("http") => {
                    if let [Inline::Text(t)] = content.as_slice() {
                        out.push((t.trim().to_string(), "link", url.clone()));
                    }
                }
                _ => {}
            }
        }
    }
    for block in blocks {
        match block {
            Block::Paragraph(inlines) | Block::Heading { content: inlines, .. } => inline_spans(inlines, out),
            Block::List { items, .. } => items.iter().for_each(|item| spans(item, out)),
            Block::Quote(inner) => spans(inner, out),
            Block::Table { head, rows } => {
                head.iter().chain(rows.iter().flatten()).for_each(|cell| inline_spans(cell, out));
            }
            Block::Code { .. } | Block::Rule => {}
        }
    }
}

/// Renders a digest, checks every payload, checks that each article's spans are styled elements,
/// and compares the payloads with their snapshot.
fn check(name: &str, digest: &Digest) {
    let doc = digest_doc(digest, Locale::Ko);
    let messages = slack::messages(&doc);
    for m in &messages {
        assert_eq!(check_slack_message(m), Vec::<String>::new(), "{name}");
    }
    let blocks: Vec<&Value> = messages.iter().flat_map(|m| m["blocks"].as_array().unwrap()).collect();
    for block in blocks.iter().filter(|b| b["type"] == "rich_text") {
        for e in rich_text_inlines(block) {
            let text = e["text"].as_str().unwrap_or_default();
            assert!(!text.contains("**") && !text.contains("](http"), "{name}: markup left in {e}");
        }
    }
    for article in &digest.articles {
        let title = digestbot::render::article_title(article.number, &article.source, &article.title);
        let card = blocks
            .iter()
            .find(|b| {
                b["type"] == "rich_text" && rich_text_inlines(b).first().is_some_and(|e| e["text"] == title.as_str())
            })
            .unwrap_or_else(|| panic!("{name}: no rich text block for {title}"));
        let elements = rich_text_inlines(card);
        // A card cut short ends with the link to the original; its later spans are gone.
        let cut = elements.last().is_some_and(|e| e["text"] == doc.more_label.as_str());
        let mut wanted = Vec::new();
        spans(&article.body, &mut wanted);
        for (text, style, url) in wanted {
            let found = elements.iter().any(|e| {
                e["text"] == text.as_str()
                    && match style {
                        "link" => e["type"] == "link" && e["url"] == url.as_str(),
                        style => e["type"] == "text" && e["style"][style] == true,
                    }
            });
            assert!(found || cut, "{name}: {title}: no {style} element {text:?}");
        }
    }
    assert_snapshot(name, &messages);
    check_layouts(name, digest);
}

/// The titles a Discord message shows: its embeds'.
fn discord_titles(message: &Value) -> Vec<&str> {
    message["embeds"].as_array().into_iter().flatten().filter_map(|e| e["title"].as_str()).collect()
}

/// The titles a Slack message shows: its header block's, and the first text of each rich text block.
fn slack_titles(message: &Value) -> Vec<&str> {
    let blocks = message["blocks"].as_array().unwrap().iter();
    blocks
        .filter_map(|b| match b["type"].as_str() {
            Some("header") => b["text"]["text"].as_str(),
            Some("rich_text") => rich_text_inlines(b).first().and_then(|e| e["text"].as_str()),
            _ => None,
        })
        .collect()
}

/// The link buttons' URLs of a message, on either platform.
fn button_urls(message: &Value) -> Vec<&str> {
    let discord =
        message["components"].as_array().into_iter().flatten().flat_map(|row| row["components"].as_array().unwrap());
    let slack = message["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().unwrap());
    discord.chain(slack).filter_map(|button| button["url"].as_str()).collect()
}

/// What holds for the parts of the Articles layout on either platform: the header first and
/// alone, a part per article in order with its link button (when its URL is one the platform takes)
/// and its title in no other part, then the other cards.
fn check_articles(name: &str, doc: &Doc, parts: &[Part], titles: fn(&Value) -> Vec<&str>, max_url: usize) {
    let header = doc.header.as_ref().unwrap();
    assert_eq!(parts[0].article, None, "{name}");
    // Alone: no card's title shows in it (below).
    assert_eq!(titles(&parts[0].body).first(), Some(&header.title.as_str()), "{name}");
    let marked: Vec<usize> = parts.iter().filter_map(|p| p.article).collect();
    assert_eq!(marked, (0..doc.articles).collect::<Vec<_>>(), "{name}");
    let showing =
        |title: &str| -> Vec<usize> { (0..parts.len()).filter(|&k| titles(&parts[k].body).contains(&title)).collect() };
    let mut last = 0;
    assert!(doc.cards.iter().all(|card| !titles(&parts[0].body).contains(&card.title.as_str())), "{name}");
    for (i, card) in doc.cards.iter().enumerate().take(doc.articles) {
        let at = parts.iter().position(|p| p.article == Some(i)).unwrap();
        assert_eq!(showing(&card.title), [at], "{name}: {}", card.title);
        let url = card.url.as_deref().filter(|u| u.starts_with("http") && u.chars().count() <= max_url);
        assert_eq!(button_urls(&parts[at].body), url.into_iter().collect::<Vec<_>>(), "{name}: {}", card.title);
        last = at;
    }
    for card in &doc.cards[doc.articles..] {
        let at = showing(&card.title);
        assert!(!at.is_empty() && at.iter().all(|&k| k > last), "{name}: {} at {at:?}, after {last}", card.title);
    }
    let buttons: usize = parts.iter().map(|p| button_urls(&p.body).len()).sum();
    let article_buttons: usize = parts.iter().filter(|p| p.article.is_some()).map(|p| button_urls(&p.body).len()).sum();
    assert_eq!(buttons, article_buttons, "{name}: a button outside an article's message");
}

/// Both layouts on both platforms: every payload within the limits, Packed exactly the messages,
/// and Articles as [`check_articles`] says.
fn check_layouts(name: &str, digest: &Digest) {
    let doc = digest_doc(digest, Locale::Ko);
    let label = Locale::Ko.read_original();
    for layout in [Layout::Packed, Layout::Articles] {
        let parts = discord::parts(&doc, layout, label);
        for part in &parts {
            assert_eq!(check_discord_message(&part.body), Vec::<String>::new(), "{name} {layout:?}");
        }
        let bodies: Vec<Value> = parts.iter().map(|p| p.body.clone()).collect();
        match layout {
            Layout::Packed => assert_eq!(bodies, discord::messages(&doc), "{name}"),
            Layout::Articles => check_articles(name, &doc, &parts, discord_titles, 512),
        }
        let parts = slack::parts(&doc, layout, label);
        for part in &parts {
            assert_eq!(check_slack_message(&part.body), Vec::<String>::new(), "{name} {layout:?}");
        }
        let bodies: Vec<Value> = parts.iter().map(|p| p.body.clone()).collect();
        match layout {
            Layout::Packed => assert_eq!(bodies, slack::messages(&doc), "{name}"),
            Layout::Articles => check_articles(name, &doc, &parts, slack_titles, 3000),
        }
    }
}

#[test]
fn the_seed_digest_matches_its_snapshot() {
    let path = root().join("digests/2026-02-09-weekly.md");
    let digest = parse(&path.display().to_string(), &std::fs::read(&path).unwrap()).unwrap();
    check("seed-2026-02-09-weekly", &digest);
    // Korean particles right after bold text: their own element, unstyled, no asterisk anywhere.
    let messages = slack::messages(&digest_doc(&digest, Locale::Ko));
    let all = serde_json::to_string(&messages).unwrap();
    assert!(all.contains(
        r#"{"style":{"bold":true},"text":"OpenStack 기반 프라이빗 클라우드","type":"text"},{"text":"를 직접"#
    ));
}

#[test]
fn the_seed_digest_in_articles_matches_its_snapshot() {
    let path = root().join("digests/2026-02-09-weekly.md");
    let digest = parse(&path.display().to_string(), &std::fs::read(&path).unwrap()).unwrap();
    let parts = slack::parts(&digest_doc(&digest, Locale::Ko), Layout::Articles, Locale::Ko.read_original());
    let bodies: Vec<Value> = parts.into_iter().map(|p| p.body).collect();
    assert_snapshot("seed-2026-02-09-weekly-articles", &bodies);
}

#[test]
fn every_good_fixture_matches_its_snapshot() {
    let folder = root().join("tests/fixtures");
    let library = load_library(&folder, Default::default()).unwrap();
    assert_eq!(library.all().len(), 7);
    for digest in library.all() {
        let name = Path::new(&digest.path).file_stem().unwrap().to_string_lossy().into_owned();
        check(&name, digest);
    }
}
