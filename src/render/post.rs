//! What a post is called and tagged: thread and forum post names, and the forum tags a digest gets.
//! (Placeholder until the render change lands.)

/// A tag a forum offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForumTag {
    pub id: String,
    pub name: String,
    pub moderated: bool,
}

/// The tags picked for a post.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagPick {
    pub ids: Vec<String>,
    pub fallback: bool,
}

pub fn thread_name(title: &str) -> String {
    let t: String = title.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(100).collect();
    if t.is_empty() { "digest".into() } else { t }
}

pub fn pick_tags(available: &[ForumTag], wanted: &[&str], require_tag: bool) -> TagPick {
    let mut ids: Vec<String> = available
        .iter()
        .filter(|t| wanted.iter().any(|w| w.trim().to_lowercase() == t.name.trim().to_lowercase()))
        .map(|t| t.id.clone())
        .take(5)
        .collect();
    let mut fallback = false;
    if ids.is_empty()
        && require_tag
        && let Some(first) = available.first()
    {
        ids.push(first.id.clone());
        fallback = true;
    }
    TagPick { ids, fallback }
}
