//! `latest`, `issue` and `list`: finding digests by recency and date.

use crate::digest::parse::parse_date;
use crate::digest::{Block, Inline};
use crate::render::{Doc, digest_doc, paragraph};

use super::{Context, Visibility};

/// Digests per `list` page.
pub const PAGE_SIZE: usize = 10;
/// Issues offered when a date has none.
const NEAREST: usize = 3;

pub fn latest(ctx: &Context<'_>) -> Doc {
    match ctx.library.latest(ctx.today) {
        Some(digest) => digest_doc(digest, ctx.locale),
        None => Doc::text(ctx.locale, ctx.locale.no_digest()),
    }
}

pub fn issue(date: &str, ctx: &Context<'_>) -> Doc {
    let locale = ctx.locale;
    let Some(day) = parse_date(date) else { return Doc::text(locale, locale.bad_date(date)) };
    if let Some(digest) = ctx.library.by_date(day, ctx.today) {
        return digest_doc(digest, locale);
    }
    let near = ctx.library.nearest(day, ctx.today, NEAREST);
    if near.is_empty() {
        return Doc::text(locale, format!("{} {}", locale.no_issue_on(day), locale.no_digest()));
    }
    let items = near
        .iter()
        .map(|d| vec![Inline::Code(format!("/digest issue {}", d.id())), Inline::Text(format!(" — {}", d.title))])
        .collect();
    Doc::blocks(locale, vec![paragraph(locale.no_issue_on(day)), paragraph(locale.nearest_issues()), bullets(items)])
}

/// A page of the list, for the channel; or, privately, why a page past the end is empty.
pub fn list(page: usize, ctx: &Context<'_>) -> (Doc, Visibility) {
    let locale = ctx.locale;
    let published = ctx.library.published(ctx.today);
    if published.is_empty() {
        return (Doc::text(locale, locale.no_digest()), Visibility::Channel);
    }
    let pages = published.len().div_ceil(PAGE_SIZE);
    if page > pages {
        return (Doc::text(locale, locale.list_empty_page(page, pages)), Visibility::Ephemeral);
    }
    let items = published
        .iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|d| {
            let count = locale.articles_count(d.articles.len());
            vec![Inline::Strong(vec![Inline::Text(d.id())]), Inline::Text(format!(" — {} ({count})", d.title))]
        })
        .collect();
    let mut lead = vec![paragraph(locale.list_title(page, pages, published.len())), bullets(items)];
    if page < pages {
        lead.push(paragraph(locale.more_pages(page + 1)));
    }
    (Doc::blocks(locale, lead), Visibility::Channel)
}

/// A bullet list with one line of inlines per item.
pub fn bullets(items: Vec<Vec<Inline>>) -> Block {
    Block::List { start: None, items: items.into_iter().map(|line| vec![Block::Paragraph(line)]).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::tests::with_ctx;
    use crate::command::{Command, answer};
    use crate::digest::text::plain_text;
    use crate::i18n::Locale;

    fn lead(doc: &Doc) -> String {
        plain_text(&doc.lead)
    }

    #[test]
    fn latest_is_the_newest_published() {
        let reply = with_ctx(Locale::Ko, "2026-02-10", |ctx| answer(&Command::Latest, ctx)).unwrap();
        assert_eq!(reply.visibility, Visibility::Channel);
        assert_eq!(reply.doc.header.unwrap().meta[0].1, "2026-02-09");
        // The 2026-03-02 issue is hidden until its day.
        let doc = with_ctx(Locale::Ko, "2026-03-02", latest);
        assert_eq!(doc.header.unwrap().title, "Future");
        let doc = with_ctx(Locale::En, "2026-01-01", latest);
        assert_eq!(lead(&doc), "No digest has been published yet.\n");
    }

    #[test]
    fn issue_by_date_and_nearest_when_missing() {
        let doc = with_ctx(Locale::Ko, "2026-02-10", |ctx| issue("2026-02-02", ctx));
        assert_eq!(doc.header.unwrap().title, "지난주 다이제스트");
        let doc = with_ctx(Locale::En, "2026-02-10", |ctx| issue("2026-02-08", ctx));
        assert_eq!(
            lead(&doc),
            "There is no digest dated 2026-02-08.\nThe nearest issues:\n\
             /digest issue 2026-02-09 — 주간 기술블로그 하이라이트 - 하이브리드 클라우드와 팀 문화 리팩토링\n\
             /digest issue 2026-02-02 — 지난주 다이제스트\n"
        );
        // Future issues are neither shown nor offered.
        let doc = with_ctx(Locale::En, "2026-02-10", |ctx| issue("2026-03-02", ctx));
        assert!(lead(&doc).starts_with("There is no digest dated 2026-03-02."));
        assert!(!lead(&doc).contains("issue 2026-03-02"));
        let doc = with_ctx(Locale::En, "2026-02-10", |ctx| issue("02/09", ctx));
        assert!(lead(&doc).contains("02/09 is not a date"));
    }

    #[test]
    fn list_pages() {
        let doc = with_ctx(Locale::En, "2026-02-10", |ctx| list(1, ctx)).0;
        assert_eq!(
            lead(&doc),
            "Digests (page 1 of 1, 2 in all)\n\
             2026-02-09 — 주간 기술블로그 하이라이트 - 하이브리드 클라우드와 팀 문화 리팩토링 (4 articles)\n\
             2026-02-02 — 지난주 다이제스트 (1 articles)\n"
        );
        let (doc, visibility) = with_ctx(Locale::Ko, "2026-02-10", |ctx| list(3, ctx));
        assert_eq!(visibility, Visibility::Ephemeral);
        assert_eq!(lead(&doc), "3 페이지는 없습니다. 1~1 페이지를 볼 수 있습니다.\n");
        let reply = with_ctx(Locale::Ko, "2026-02-10", |ctx| answer(&Command::List { page: 3 }, ctx)).unwrap();
        assert_eq!(reply.visibility, Visibility::Ephemeral, "a page past the end is private");
    }
}
