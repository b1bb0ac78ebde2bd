//! `keyword`: article search results, or keywords that do exist when nothing matched.

use crate::digest::Inline;
use crate::render::{Card, Doc, article_title, category_color, digest_footer, paragraph};

use super::Context;
use super::browse::bullets;

/// Results shown for one query (Discord shows at most 10 embeds per message).
pub const RESULTS: usize = 10;
/// Keywords suggested when nothing matched.
const SUGGESTIONS: usize = 8;

pub fn keyword(query: &str, ctx: &Context<'_>) -> Doc {
    let locale = ctx.locale;
    let results = ctx.library.search(query, ctx.today, 0, RESULTS);
    if results.hits.is_empty() {
        let suggestions = ctx.library.suggested_keywords(ctx.today, SUGGESTIONS);
        let mut lead = vec![paragraph(locale.no_results(query))];
        if !suggestions.is_empty() {
            lead.push(paragraph(locale.try_keywords()));
            lead.push(bullets(
                suggestions.into_iter().map(|k| vec![Inline::Code(format!("/digest keyword {k}"))]).collect(),
            ));
        }
        return Doc::blocks(locale, lead);
    }
    let mut doc = Doc::text(locale, locale.search_results(query, results.total, results.hits.len()));
    doc.cards = results
        .hits
        .iter()
        .map(|hit| {
            let mut card = Card::new(
                article_title(hit.article.number, &hit.article.source, &hit.article.title),
                category_color(hit.digest.category.as_deref()),
            );
            card.url = hit.article.link.clone();
            card.author = hit.article.author.clone();
            if !hit.snippet.is_empty() {
                card.body = vec![paragraph(hit.snippet.clone())];
            }
            card.footer = Some(digest_footer(hit.digest));
            card
        })
        .collect();
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::tests::with_ctx;
    use crate::digest::text::plain_text;
    use crate::i18n::Locale;

    #[test]
    fn results_are_cards_best_first() {
        let doc = with_ctx(Locale::Ko, "2026-02-10", |ctx| keyword("ADR", ctx));
        assert_eq!(plain_text(&doc.lead), "ADR 검색 결과 1건 중 1건\n");
        assert!(matches!(&doc.lead[0], crate::digest::Block::Paragraph(p) if p[0] == Inline::Code("ADR".into())));
        assert_eq!(doc.cards[0].title, "2. 우아한형제들 — 우리는 코드처럼 문화도 리팩토링한다");
        assert_eq!(doc.cards[0].url.as_deref(), Some("https://techblog.woowahan.com/24820/"));
        assert!(doc.cards[0].footer.as_deref().unwrap().ends_with("· 2026-02-09"));
        let doc = with_ctx(Locale::En, "2026-02-10", |ctx| keyword("kubernetes", ctx));
        assert_eq!(doc.cards.len(), 1);
        assert_eq!(doc.cards[0].title, "1. Kakao — 쿠버네티스 운영기");
    }

    #[test]
    fn nothing_found_suggests_existing_keywords() {
        let doc = with_ctx(Locale::En, "2026-02-10", |ctx| keyword("blockchain", ctx));
        let text = plain_text(&doc.lead);
        // ADR is both a tag and a keyword-table entry, so it comes first.
        let expected =
            "No results for `blockchain`.\nTry one of these keywords:\n/digest keyword ADR\n/digest keyword Backend\n";
        assert!(text.starts_with(expected), "{text}");
        assert_eq!(text.matches("/digest keyword").count(), SUGGESTIONS);
        assert!(doc.cards.is_empty());
    }

    #[test]
    fn future_issues_are_not_searched() {
        let doc = with_ctx(Locale::En, "2026-02-10", |ctx| keyword("Not yet", ctx));
        assert!(doc.cards.is_empty());
        let doc = with_ctx(Locale::En, "2026-03-02", |ctx| keyword("Not yet", ctx));
        assert_eq!(doc.cards.len(), 1);
    }
}
