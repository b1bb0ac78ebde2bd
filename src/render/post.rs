//! What a post is called and tagged: the name of a Discord thread or forum post, and the forum tags
//! a digest's post carries.
//!
//! [`thread_name`] makes any title a name Discord takes (1 to [`DISCORD_THREAD_NAME`] characters, one
//! line, no control characters). [`pick_tags`] chooses, among a forum's `available_tags`, those named
//! like the digest's category and tags (compared folded: trimmed, lower case, NFC), at most
//! [`DISCORD_FORUM_APPLIED_TAGS`] of them, and falls back to one tag when the forum requires one.
//! Pure: the edge reads the forum's tags and sends the ids.

use super::limits::{DISCORD_FORUM_APPLIED_TAGS, DISCORD_THREAD_NAME};
use crate::digest::text::fold;

/// The name of a post with no usable title.
const FALLBACK_NAME: &str = "digest";

/// `title` as a thread or forum post name: white space runs (line breaks included) become one
/// space, control and bidirectional control characters go, the ends are trimmed, and a name longer
/// than [`DISCORD_THREAD_NAME`] characters is cut to end with `…` within them. Never empty.
pub fn thread_name(title: &str) -> String {
    let mut name = String::with_capacity(title.len());
    for c in title.chars() {
        if c.is_whitespace() {
            if !name.is_empty() && !name.ends_with(' ') {
                name.push(' ');
            }
        } else if !c.is_control() && !super::clean::is_unwanted(c) {
            name.push(c);
        }
    }
    let name = name.trim_end();
    if name.chars().count() > DISCORD_THREAD_NAME {
        let mut cut: String = name.chars().take(DISCORD_THREAD_NAME - 1).collect();
        cut.truncate(cut.trim_end().len());
        cut.push('…');
        return cut;
    }
    if name.is_empty() { FALLBACK_NAME.to_string() } else { name.to_string() }
}

/// One of a forum channel's `available_tags`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForumTag {
    pub id: String,
    pub name: String,
    /// Only members who may manage threads can apply it.
    pub moderated: bool,
}

/// The tags a forum post is given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagPick {
    /// Tag ids, in the forum's order, at most [`DISCORD_FORUM_APPLIED_TAGS`].
    pub ids: Vec<String>,
    /// True when no tag matched and one was taken only because the forum requires a tag.
    pub fallback: bool,
}

/// The `available` tags named like any of `wanted` (the digest's category and tags), compared
/// trimmed, case-insensitively and in NFC, in the forum's order, each once, at most
/// [`DISCORD_FORUM_APPLIED_TAGS`]. Moderated tags are left out, unless the forum requires a tag and
/// has no other kind. When `require_tag` and nothing matched: the first tag that is not moderated
/// (else the first tag), with `fallback` set; nothing when the forum has no tags.
pub fn pick_tags(available: &[ForumTag], wanted: &[&str], require_tag: bool) -> TagPick {
    let wanted: Vec<String> = wanted.iter().map(|w| fold(w.trim())).filter(|w| !w.is_empty()).collect();
    let matches = |tag: &&ForumTag| {
        let name = fold(tag.name.trim());
        !name.is_empty() && wanted.contains(&name)
    };
    let pick = |moderated: bool| {
        let mut ids: Vec<String> = Vec::new();
        for tag in available.iter().filter(|t| t.moderated == moderated).filter(matches) {
            if ids.len() == DISCORD_FORUM_APPLIED_TAGS {
                break;
            }
            if !ids.contains(&tag.id) {
                ids.push(tag.id.clone());
            }
        }
        ids
    };
    let ids = pick(false);
    if !ids.is_empty() || !require_tag {
        return TagPick { ids, fallback: false };
    }
    if let Some(open) = available.iter().find(|t| !t.moderated) {
        return TagPick { ids: vec![open.id.clone()], fallback: true };
    }
    // Every tag is moderated and one is required: those that match, else the first.
    let ids = pick(true);
    if !ids.is_empty() {
        return TagPick { ids, fallback: false };
    }
    match available.first() {
        Some(first) => TagPick { ids: vec![first.id.clone()], fallback: true },
        None => TagPick::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn names_are_one_line_without_controls() {
        for (title, expected) in [
            ("주간 다이제스트", "주간 다이제스트"),
            ("  a \n\n b\t\tc  ", "a b c"),
            ("a\u{2028}b\u{2029}c", "a b c"),
            ("a\u{0}b\u{1b}[2Jc\u{7f}\u{85}", "ab[2Jc"),
            ("\u{202e}evil\u{2066}\u{200f}name\u{feff}", "evilname"),
            ("a \u{0} b", "a b"),
            ("", "digest"),
            (" \n\t ", "digest"),
            ("\u{0}\u{202e}", "digest"),
        ] {
            assert_eq!(thread_name(title), expected, "{title:?}");
        }
    }

    #[test]
    fn long_names_are_cut_to_a_hundred_characters_with_an_ellipsis() {
        assert_eq!(thread_name(&"가".repeat(100)), "가".repeat(100));
        let cut = thread_name(&"가".repeat(101));
        assert_eq!(cut, format!("{}…", "가".repeat(99)));
        assert_eq!(cut.chars().count(), 100);
        // No space before the ellipsis; four-byte characters are never split.
        let spaced = thread_name(&format!("{} {}", "a".repeat(98), "b".repeat(10)));
        assert_eq!(spaced, format!("{}…", "a".repeat(98)));
        let emoji = thread_name(&"😀".repeat(150));
        assert_eq!(emoji, format!("{}…", "😀".repeat(99)));
        // Collapsing comes first: 150 spaced-out letters are 100 characters or fewer after it.
        assert_eq!(thread_name(&"a   ".repeat(50)), "a ".repeat(50).trim_end());
    }

    fn tag(id: &str, name: &str) -> ForumTag {
        ForumTag { id: id.into(), name: name.into(), moderated: false }
    }

    fn moderated(id: &str, name: &str) -> ForumTag {
        ForumTag { moderated: true, ..tag(id, name) }
    }

    fn check(available: &[ForumTag], wanted: &[&str], require_tag: bool, ids: &[&str], fallback: bool) {
        let pick = pick_tags(available, wanted, require_tag);
        assert_eq!(pick, TagPick { ids: ids.iter().map(|s| s.to_string()).collect(), fallback }, "{wanted:?}");
    }

    #[test]
    fn tags_match_by_folded_name_in_the_forums_order() {
        let forum = [tag("1", "Backend"), tag("2", "클라우드"), tag("3", "DevOps"), tag("4", "팀 문화")];
        check(&forum, &["devops", "BACKEND"], false, &["1", "3"], false);
        check(&forum, &["  클라우드 "], false, &["2"], false);
        // Decomposed Hangul (as some editors save it) on either side.
        let nfd: String = "팀 문화".nfd().collect();
        assert_ne!(nfd, "팀 문화");
        check(&forum, &[&nfd], false, &["4"], false);
        let nfd_forum = [tag("9", &"클라우드".nfd().collect::<String>())];
        check(&nfd_forum, &["클라우드"], false, &["9"], false);
        // Whole names only, and nothing for nothing.
        check(&forum, &["Back", "Cloud"], false, &[], false);
        check(&forum, &[], false, &[], false);
        check(&forum, &["", "  "], false, &[], false);
        check(&[tag("1", " ")], &[" "], false, &[], false);
    }

    #[test]
    fn each_tag_once_and_at_most_five() {
        let forum = [tag("1", "AI"), tag("2", "ai"), tag("1", "Ai")];
        check(&forum, &["ai", "AI", "aI"], false, &["1", "2"], false);
        let many: Vec<ForumTag> = (0..8).map(|i| tag(&i.to_string(), &format!("t{i}"))).collect();
        let wanted: Vec<String> = (0..8).rev().map(|i| format!("T{i}")).collect();
        let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
        check(&many, &wanted, true, &["0", "1", "2", "3", "4"], false);
    }

    #[test]
    fn moderated_tags_are_left_out() {
        let forum = [moderated("1", "Announcement"), tag("2", "Backend"), moderated("3", "Backend")];
        check(&forum, &["announcement"], false, &[], false);
        check(&forum, &["announcement", "backend"], true, &["2"], false);
    }

    #[test]
    fn a_required_tag_falls_back_to_the_first_open_one() {
        let forum = [moderated("1", "Announcement"), tag("2", "General"), tag("3", "Backend")];
        check(&forum, &["frontend"], true, &["2"], true);
        check(&forum, &["announcement"], true, &["2"], true);
        check(&forum, &[], true, &["2"], true);
        check(&forum, &["frontend"], false, &[], false);
    }

    #[test]
    fn a_forum_of_moderated_tags_only() {
        let forum = [moderated("1", "Weekly"), moderated("2", "Digest")];
        check(&forum, &["digest"], true, &["2"], false);
        check(&forum, &["other"], true, &["1"], true);
        check(&forum, &["digest"], false, &[], false);
    }

    #[test]
    fn a_forum_without_tags() {
        check(&[], &["backend"], true, &[], false);
        check(&[], &["backend"], false, &[], false);
    }
}
