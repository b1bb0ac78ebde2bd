//! The terminal encoder: a [`Doc`] as readable plain text, for `digestbot preview` and `ask`.
//!
//! No limits apply; the aim is a faithful, easy-to-scan rendering: the header underlined, each card
//! with its link and author under the title, Markdown emphasis kept as `**`, links as `text (url)`.
//! Control characters are removed first (see [`super::clean`]): this text goes to a terminal.

use super::markup::{self, Dialect};
use super::{Card, Doc};

/// Plain text with light Markdown-style emphasis.
pub struct PlainText;

impl Dialect for PlainText {
    fn escape(&self, text: &str, out: &mut String) {
        out.push_str(text);
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
        format!("`{code}`")
    }

    fn link(&self, text: &str, url: &str) -> String {
        if text == url { url.to_string() } else { format!("{text} ({url})") }
    }

    fn heading(&self, _level: u8, text: &str, _allowed: bool) -> String {
        format!("[{text}]")
    }
}

/// The whole doc as text, ending with a newline.
pub fn render(doc: &Doc) -> String {
    let doc = &super::clean::doc(doc);
    let mut out = String::new();
    if let Some(header) = &doc.header {
        let width = header.title.chars().count().clamp(10, 72);
        out.push_str(&header.title);
        out.push('\n');
        out.push_str(&"=".repeat(width));
        out.push('\n');
        let meta: Vec<String> = header.meta.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        if !meta.is_empty() {
            out.push_str(&meta.join("  |  "));
            out.push('\n');
        }
        let summary = markup::blocks(&PlainText, &header.summary, true);
        if !summary.is_empty() {
            out.push('\n');
            out.push_str(&summary);
            out.push('\n');
        }
    }
    let lead = markup::blocks(&PlainText, &doc.lead, true);
    if !lead.is_empty() {
        separate(&mut out);
        out.push_str(&lead);
        out.push('\n');
    }
    for card in &doc.cards {
        separate(&mut out);
        card_text(card, &mut out);
    }
    if let Some(closing) = &doc.closing {
        separate(&mut out);
        out.push_str(closing);
        out.push('\n');
    }
    out
}

fn separate(out: &mut String) {
    if !out.is_empty() {
        out.push('\n');
    }
}

fn card_text(card: &Card, out: &mut String) {
    out.push_str(&card.title);
    out.push('\n');
    out.push_str(&"-".repeat(card.title.chars().count().clamp(10, 72)));
    out.push('\n');
    if let Some(author) = &card.author {
        out.push_str(&format!("by {author}\n"));
    }
    if let Some(url) = &card.url {
        out.push_str(&format!("{url}\n"));
    }
    let body = markup::blocks(&PlainText, &card.body, true);
    if !body.is_empty() {
        out.push('\n');
        out.push_str(&body);
        out.push('\n');
    }
    for field in &card.fields {
        let value = markup::blocks(&PlainText, &field.value, false).replace('\n', " ");
        out.push_str(&format!("  - {}: {}\n", field.name, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::parse;
    use crate::i18n::Locale;
    use crate::render::digest_doc;

    #[test]
    fn seed_digest_reads_well() {
        let digest = parse("d/2026-02-09.md", include_bytes!("../../digests/2026-02-09-weekly.md")).unwrap();
        let text = render(&digest_doc(&digest, Locale::Ko));
        assert!(text.starts_with(&format!("{}\n===", digest.title)));
        assert!(text.contains("날짜: 2026-02-09  |  분류: Backend  |  태그: Backend, Cloud"));
        assert!(text.contains("1. 토스 — 레거시 인프라 작살내고 하이브리드 클라우드 만든 썰\n---"));
        assert!(text.contains("by 박명순, 정상현 (DevOps / Server Platform)\nhttps://toss.tech\n"));
        assert!(text.contains("[핵심 내용]\n토스가 **OpenStack 기반 프라이빗 클라우드**"));
        assert!(text.contains("  - ADR (Architecture Decision Record): Woowahan\n"));
        assert!(text.ends_with("정리합니다.\n"));
        assert!(!text.contains("|---"));
    }
}
