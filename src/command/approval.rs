//! Replies to `preview`, `approve` and `hold`, the editors' subcommands, once the platform has
//! checked that the user is an editor and the store part is done.

use crate::digest::Digest;
use crate::i18n::Locale;
use crate::render::{Doc, digest_doc};

use super::{Reply, Visibility};

/// A private look at `digest` exactly as it goes out at `when`, under a line saying so and what its
/// approval stands at (`approval`, a sentence).
pub fn preview(digest: &Digest, when: &str, approval: &str, locale: Locale) -> Reply {
    let mut doc = digest_doc(digest, locale);
    doc.lead = Doc::text(locale, locale.preview_lead(&digest.id(), when, approval)).lead;
    Reply { visibility: Visibility::Ephemeral, doc }
}

/// The answer to a recorded approval or hold.
pub fn decided(approve: bool, digest: &Digest, when: &str, locale: Locale) -> Reply {
    private(locale, locale.decided(approve, &digest.id(), &digest.title, when))
}

/// A button from a preview of a version that is no longer the file's.
pub fn stale(locale: Locale) -> Reply {
    private(locale, locale.decision_stale().to_string())
}

/// `approve` or `hold` while approval is off: nothing is recorded.
pub fn not_required(locale: Locale) -> Reply {
    private(locale, locale.approval_off().to_string())
}

/// No digest for that date (or none for the next slot).
pub fn no_digest(date: Option<&str>, locale: Locale) -> Reply {
    private(locale, locale.no_digest_to_preview(date))
}

/// The id of an approval request's Approve (`approve`) or Hold button, on both platforms (Discord's
/// `custom_id`, Slack's `action_id`): `digest:approve:<digest>:<version>`, at most 100 characters.
pub fn decision_id(approve: bool, digest: &str, version: &str) -> String {
    let verb = if approve { "approve" } else { "hold" };
    format!("digest:{verb}:{digest}:{version}")
}

/// What a button id made by [`decision_id`] asks: (approve, digest, version). An id longer than any
/// the bot makes (a forged Slack payload may carry kilobytes) asks nothing.
pub fn parse_decision_id(id: &str) -> Option<(bool, &str, &str)> {
    if id.len() > crate::render::limits::DISCORD_CUSTOM_ID {
        return None;
    }
    let rest = id.strip_prefix("digest:")?;
    let (approve, rest) = match rest.split_once(':')? {
        ("approve", rest) => (true, rest),
        ("hold", rest) => (false, rest),
        _ => return None,
    };
    let (digest, version) = rest.split_once(':')?;
    (!digest.is_empty() && !version.is_empty()).then_some((approve, digest, version))
}

fn private(locale: Locale, text: String) -> Reply {
    Reply { visibility: Visibility::Ephemeral, doc: Doc::text(locale, text) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::tests::SEED;
    use crate::render::text;

    #[test]
    fn button_ids_name_the_decision_the_digest_and_its_version() {
        let id = decision_id(true, "2026-02-16", "00ab");
        assert_eq!(parse_decision_id(&id), Some((true, "2026-02-16", "00ab")));
        assert_eq!(parse_decision_id(&decision_id(false, "2026-02-16", "00ab")), Some((false, "2026-02-16", "00ab")));
        assert!(id.len() <= crate::render::limits::DISCORD_CUSTOM_ID);
        for bad in [
            "",
            "digest:",
            "digest:approve:",
            "digest:approve:2026-02-16",
            "digest:delete:d:v",
            "x:approve:d:v",
            "digest:hold::v",
        ] {
            assert_eq!(parse_decision_id(bad), None, "{bad}");
        }
        let long = decision_id(true, &"9".repeat(200), "00ab");
        assert_eq!(parse_decision_id(&long), None, "longer than any id the bot sends");
    }

    #[test]
    fn a_preview_is_the_post_under_a_private_line_in_both_locales() {
        let digest = crate::digest::parse("d/2026-02-09.md", SEED).unwrap();
        for locale in [Locale::Ko, Locale::En] {
            let reply = preview(&digest, "2026-02-09 09:00 KST", "-", locale);
            assert_eq!(reply.visibility, Visibility::Ephemeral);
            let post = digest_doc(&digest, locale);
            assert_eq!(reply.doc.cards, post.cards, "the cards are exactly the post's");
            assert_eq!(reply.doc.header, post.header);
            let shown = text::render(&reply.doc);
            assert!(shown.contains("2026-02-09 09:00 KST"), "{shown}");
        }
        let held = decided(false, &digest, "x", Locale::En);
        assert!(text::render(&held.doc).contains("does not go out until it is approved"));
        assert!(text::render(&no_digest(Some("2026-13-01"), Locale::En).doc).contains("2026-13-01"));
        assert!(text::render(&stale(Locale::Ko).doc).contains("미리보기"));
    }
}
