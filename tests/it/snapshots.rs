//! Snapshot tests of the Slack payloads: the seed digest and every good fixture, rendered in Korean,
//! compared exactly with the JSON committed under `tests/snapshots/slack/`.
//!
//! A change to the encoder shows up as a diff of those files, to be reviewed like code. After an
//! intended change, `DIGESTBOT_UPDATE_SNAPSHOTS=1 cargo test --test it snapshots::` rewrites them.
//! Besides the exact comparison, every payload is checked against Slack's limits, and every bold,
//! link and code span of each article must come out as a styled element with the same text.

use std::path::{Path, PathBuf};

use serde_json::Value;

use digestbot::digest::{Block, Digest, Inline, parse};
use digestbot::files::load_library;
use digestbot::i18n::Locale;
use digestbot::render::limits::{check_slack_message, rich_text_inlines};
use digestbot::render::{digest_doc, slack};

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
fn every_good_fixture_matches_its_snapshot() {
    let folder = root().join("tests/fixtures");
    let library = load_library(&folder, Default::default()).unwrap();
    assert_eq!(library.all().len(), 7);
    for digest in library.all() {
        let name = Path::new(&digest.path).file_stem().unwrap().to_string_lossy().into_owned();
        check(&name, digest);
    }
}
