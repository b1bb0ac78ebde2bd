//! Channels, threads and forums, and the edits and deletions of stored messages, as Discord's docs
//! describe them (Channel resource: Channel Object, Get Channel, Start Thread from Message, Start
//! Thread without Message, Start Thread in Forum or Media Channel, Forum Tag Object, Channel Flags;
//! Guild resource: List Active Guild Threads; Message resource: Edit Message, Delete Message; Topics >
//! Threads; the codes of Topics > Opcodes and Status Codes). Every channel the fake has not been told
//! about is a text channel (type 0) of [`GUILD_ID`]; [`ChannelSpec`] makes one a forum (15), a media
//! channel (16) or a thread (11), gives it forum tags and `REQUIRE_TAG`, or takes the bot's Create
//! Public Threads or Send Messages in Threads away. A thread started from a message has the message's
//! id; a forum post's starter message has the thread's id. Edits need the message in that channel
//! (else 404 10008) and a thread that is not archived (else 400 50083), and so do deletions; Modify
//! Channel unarchives (or renames) a thread, unless it is locked; List Public Archived Threads pages a
//! channel's archived posts; a second thread for one message is 400 160004; posting straight into a
//! forum or media channel is 400 40058.

use std::time::SystemTime;

use serde_json::{Value, json};

use super::helpers::{rfc3339, snowflake_field};
use super::limits::validate_message_at;
use super::rest::{Reply, normalize_embeds};
use super::{FakeState, Shared, StoredMessage};

/// The guild of every channel the fake has not been told about (also [`InteractionSpec`]'s default).
///
/// [`InteractionSpec`]: super::InteractionSpec
pub const GUILD_ID: u64 = 1_300_000_000_000_000_010;
/// Channel flag REQUIRE_TAG (`1 << 4`): a forum post needs a tag.
pub const REQUIRE_TAG: u64 = 1 << 4;
/// The `auto_archive_duration` values Discord accepts, in minutes.
const ARCHIVE_DURATIONS: [u64; 4] = [60, 1440, 4320, 10080];

/// A forum tag (Forum Tag Object); at most one of `emoji_id` and `emoji_name` is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForumTag {
    pub id: u64,
    pub name: String,
    /// Only members with Manage Threads may apply it.
    pub moderated: bool,
    pub emoji_id: Option<u64>,
    pub emoji_name: Option<String>,
}

impl ForumTag {
    /// An unmoderated tag without an emoji.
    pub fn new(id: u64, name: &str) -> Self {
        Self { id, name: name.to_string(), moderated: false, emoji_id: None, emoji_name: None }
    }

    fn to_json(&self) -> Value {
        json!({
            "id": self.id.to_string(),
            "name": self.name,
            "moderated": self.moderated,
            "emoji_id": self.emoji_id.map(|id| id.to_string()),
            "emoji_name": self.emoji_name,
        })
    }
}

/// How the fake treats one channel id ([`FakeDiscord::set_channel`]). The constructors give the
/// bot every permission it needs there.
///
/// [`FakeDiscord::set_channel`]: super::FakeDiscord::set_channel
#[derive(Clone, Debug)]
pub struct ChannelSpec {
    pub id: u64,
    /// Channel type: 0 text, 11 public thread, 12 private thread, 15 forum, 16 media.
    pub kind: u8,
    pub guild_id: u64,
    pub name: String,
    /// For a thread, the channel it was created in.
    pub parent_id: Option<u64>,
    /// For a forum or media channel: the tags a post may carry (`available_tags`).
    pub available_tags: Vec<ForumTag>,
    /// For a forum or media channel: flag REQUIRE_TAG, a post must carry a tag (else 400 40067).
    pub require_tag: bool,
    /// Whether the bot holds Create Public Threads here (else 403 50013 on Start Thread).
    pub create_public_threads: bool,
    /// Whether the bot holds Send Messages in Threads here (else 403 50013 on Create Message in
    /// one of this channel's threads).
    pub send_messages_in_threads: bool,
    /// For a thread: archived (edits and deletions answer 400 50083; a new message unarchives it,
    /// as on Discord, and so does Modify Channel with `archived: false`).
    pub archived: bool,
    /// For a thread: locked (only members with Manage Threads, which the bot lacks here, may
    /// unarchive it: Modify Channel answers 403 50013).
    pub locked: bool,
}

impl ChannelSpec {
    /// A text channel (type 0) of [`GUILD_ID`], what every unknown channel id is.
    pub fn text(id: u64) -> Self {
        Self {
            id,
            kind: 0,
            guild_id: GUILD_ID,
            name: format!("channel-{id}"),
            parent_id: None,
            available_tags: Vec::new(),
            require_tag: false,
            create_public_threads: true,
            send_messages_in_threads: true,
            archived: false,
            locked: false,
        }
    }

    /// A forum channel (type 15) with these tags.
    pub fn forum(id: u64, tags: Vec<ForumTag>) -> Self {
        Self { kind: 15, name: format!("forum-{id}"), available_tags: tags, ..Self::text(id) }
    }

    /// A media channel (type 16) with these tags.
    pub fn media(id: u64, tags: Vec<ForumTag>) -> Self {
        Self { kind: 16, name: format!("media-{id}"), available_tags: tags, ..Self::text(id) }
    }

    /// A public thread (type 11) in `parent`.
    pub fn thread(id: u64, parent: u64) -> Self {
        Self { kind: 11, name: format!("thread-{id}"), parent_id: Some(parent), ..Self::text(id) }
    }

    fn is_thread_only(&self) -> bool {
        matches!(self.kind, 15 | 16)
    }

    fn is_thread(&self) -> bool {
        matches!(self.kind, 10..=12)
    }
}

/// A channel the fake knows: its spec and, for a thread, what creating it recorded.
#[derive(Clone, Debug)]
pub(super) struct ChannelEntry {
    pub(super) spec: ChannelSpec,
    pub(super) owner_id: Option<u64>,
    pub(super) applied_tags: Vec<u64>,
    pub(super) auto_archive_duration: u64,
    pub(super) created: String,
    /// When the thread was last archived or unarchived (`archive_timestamp`).
    pub(super) archive_timestamp: String,
    pub(super) message_count: u64,
}

impl ChannelEntry {
    pub(super) fn new(spec: ChannelSpec) -> Self {
        Self {
            spec,
            owner_id: None,
            applied_tags: Vec::new(),
            auto_archive_duration: 4320,
            created: rfc3339(SystemTime::now()),
            archive_timestamp: rfc3339(SystemTime::now()),
            message_count: 0,
        }
    }

    /// Archives or unarchives the thread, noting when.
    pub(super) fn set_archived(&mut self, archived: bool) {
        if self.spec.archived != archived {
            self.spec.archived = archived;
            self.archive_timestamp = rfc3339(SystemTime::now());
        }
    }

    /// The Channel object of Get Channel.
    pub(super) fn to_json(&self) -> Value {
        let spec = &self.spec;
        let mut channel = json!({
            "id": spec.id.to_string(),
            "type": spec.kind,
            "guild_id": spec.guild_id.to_string(),
            "name": spec.name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": false,
            "parent_id": spec.parent_id.map(|p| p.to_string()),
            "rate_limit_per_user": 0,
            "last_message_id": null,
            "flags": 0,
        });
        let fields = channel.as_object_mut().expect("object literal");
        if spec.is_thread_only() {
            let tags: Vec<Value> = spec.available_tags.iter().map(ForumTag::to_json).collect();
            fields.insert("available_tags".into(), Value::Array(tags));
            fields.insert("flags".into(), json!(if spec.require_tag { REQUIRE_TAG } else { 0 }));
            fields.insert("topic".into(), Value::Null);
            fields.insert("default_reaction_emoji".into(), Value::Null);
            fields.insert("default_sort_order".into(), Value::Null);
            fields.insert("default_forum_layout".into(), json!(0));
        } else if !spec.is_thread() {
            fields.insert("topic".into(), Value::Null);
        }
        if spec.is_thread() {
            let tags: Vec<String> = self.applied_tags.iter().map(u64::to_string).collect();
            fields.insert("owner_id".into(), json!(self.owner_id.map(|o| o.to_string())));
            fields.insert("applied_tags".into(), json!(tags));
            fields.insert("message_count".into(), json!(self.message_count));
            fields.insert("total_message_sent".into(), json!(self.message_count));
            fields.insert("member_count".into(), json!(1));
            fields.insert(
                "thread_metadata".into(),
                json!({
                    "archived": spec.archived,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": self.archive_timestamp,
                    "locked": spec.locked,
                    "create_timestamp": self.created,
                }),
            );
        }
        channel
    }
}

impl FakeState {
    /// The channel with this id: as configured or created, else a text channel of [`GUILD_ID`].
    pub(super) fn channel(&self, id: u64) -> ChannelEntry {
        self.channels.get(&id).cloned().unwrap_or_else(|| ChannelEntry::new(ChannelSpec::text(id)))
    }
}

/// Whether Create Message may post into `channel_id`: not into a forum or media channel (40058), not
/// into a thread whose parent withholds Send Messages in Threads (50013). Posting into an archived
/// thread unarchives it.
pub(super) fn check_create_message(state: &mut FakeState, channel_id: u64) -> Option<Reply> {
    let channel = state.channel(channel_id);
    if channel.spec.is_thread_only() {
        return Some(Reply::error(400, "Cannot send a message in a forum channel", 40058));
    }
    if channel.spec.is_thread()
        && let Some(parent) = channel.spec.parent_id
        && !state.channel(parent).spec.send_messages_in_threads
    {
        return Some(Reply::error(403, "Missing Permissions", 50013));
    }
    None
}

/// After Create Message stored a message in `channel_id`: a thread counts it and is unarchived.
pub(super) fn note_message_in(state: &mut FakeState, channel_id: u64) {
    if let Some(entry) = state.channels.get_mut(&channel_id)
        && entry.spec.is_thread()
    {
        entry.message_count += 1;
        entry.set_archived(false);
    }
}

pub(super) fn get_channel(state: &FakeState, channel_id: u64) -> Reply {
    Reply::json(200, state.channel(channel_id).to_json())
}

/// Edit Message: content, embeds, components, flags, allowed_mentions and attachments replace the
/// stored ones; the result must still show something (50006).
pub(super) fn edit_message(state: &mut FakeState, channel_id: u64, message_id: u64, body: &Value) -> Reply {
    if let Some(reply) = validate_message_at(body, false, "") {
        return reply;
    }
    if state.channel(channel_id).spec.archived {
        return Reply::error(400, "Thread is archived", 50083);
    }
    let Some(stored) = state.messages.iter_mut().find(|m| m.id == message_id && m.channel_id == channel_id) else {
        return Reply::error(404, "Unknown Message", 10008);
    };
    let Some(edited) = apply_edit(stored, body) else {
        return Reply::error(400, "Cannot send an empty message", 50006);
    };
    Reply::json(200, edited)
}

/// Applies an edit body to a stored message (body and object); `None`, and nothing changed, when the
/// result would be empty.
pub(super) fn apply_edit(stored: &mut StoredMessage, edit: &Value) -> Option<Value> {
    let Some(fields) = edit.as_object() else { return Some(stored.object.clone()) };
    let mut body = stored.body.clone();
    for key in ["content", "embeds", "components", "flags", "allowed_mentions", "attachments"] {
        if let Some(value) = fields.get(key) {
            body[key] = value.clone();
        }
    }
    let empty = validate_message_at(&body, true, "").is_some();
    if empty {
        return None;
    }
    let object = &mut stored.object;
    for key in ["content", "embeds", "components", "flags"] {
        if let Some(value) = fields.get(key) {
            object[key] = match key {
                "embeds" => normalize_embeds(value),
                "content" if value.is_null() => json!(""),
                "components" if value.is_null() => json!([]),
                "flags" if value.is_null() => json!(0),
                _ => value.clone(),
            };
        }
    }
    object["edited_timestamp"] = json!(rfc3339(SystemTime::now()));
    stored.body = body;
    stored.edits.push(edit.clone());
    Some(stored.object.clone())
}

/// Delete Message: 204, or 404 10008; 400 50083 in an archived thread.
pub(super) fn delete_message(state: &mut FakeState, channel_id: u64, message_id: u64) -> Reply {
    if state.channel(channel_id).spec.archived {
        return Reply::error(400, "Thread is archived", 50083);
    }
    let Some(index) = state.messages.iter().position(|m| m.id == message_id && m.channel_id == channel_id) else {
        return Reply::error(404, "Unknown Message", 10008);
    };
    state.messages.remove(index);
    state.deleted.push((channel_id, message_id));
    Reply::no_content()
}

/// `name` 1-100 and `auto_archive_duration` one of 60, 1440, 4320, 10080 (50035 otherwise).
fn thread_form_errors(body: &Value) -> Vec<(String, &'static str, String)> {
    let mut errors = Vec::new();
    match body.get("name").and_then(Value::as_str) {
        None => errors.push(("name".into(), "BASE_TYPE_REQUIRED", "This field is required".into())),
        Some(name) if !(1..=100).contains(&name.trim().chars().count()) => {
            errors.push(("name".into(), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.".into()));
        }
        Some(_) => {}
    }
    if let Some(duration) = body.get("auto_archive_duration").filter(|d| !d.is_null())
        && !duration.as_u64().is_some_and(|d| ARCHIVE_DURATIONS.contains(&d))
    {
        errors.push((
            "auto_archive_duration".into(),
            "BASE_TYPE_CHOICES",
            "Value must be one of {60, 1440, 4320, 10080}.".into(),
        ));
    }
    errors
}

fn new_thread(shared: &Shared, id: u64, parent: &ChannelSpec, kind: u8, body: &Value) -> ChannelEntry {
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
    let spec =
        ChannelSpec { kind, name, parent_id: Some(parent.id), guild_id: parent.guild_id, ..ChannelSpec::text(id) };
    let mut entry = ChannelEntry::new(spec);
    entry.owner_id = Some(shared.options.bot_user_id);
    entry.auto_archive_duration = body.get("auto_archive_duration").and_then(Value::as_u64).unwrap_or(4320);
    entry
}

/// Start Thread from Message: 201 and a public thread whose id is the message's.
pub(super) fn thread_from_message(
    shared: &Shared,
    state: &mut FakeState,
    channel_id: u64,
    message_id: u64,
    body: &Value,
) -> Reply {
    let errors = thread_form_errors(body);
    if !errors.is_empty() {
        return Reply::invalid_form(errors);
    }
    let parent = state.channel(channel_id).spec;
    if parent.is_thread_only() || parent.is_thread() {
        return Reply::error(400, "Cannot execute action on this channel type", 50024);
    }
    if !parent.create_public_threads {
        return Reply::error(403, "Missing Permissions", 50013);
    }
    if !state.messages.iter().any(|m| m.id == message_id && m.channel_id == channel_id) {
        return Reply::error(404, "Unknown Message", 10008);
    }
    if state.channels.contains_key(&message_id) {
        return Reply::error(400, "A thread has already been created for this message", 160004);
    }
    let entry = new_thread(shared, message_id, &parent, 11, body);
    let channel = entry.to_json();
    state.channels.insert(message_id, entry);
    if let Some(stored) = state.messages.iter_mut().find(|m| m.id == message_id) {
        stored.object["thread"] = channel.clone();
    }
    Reply::json(201, channel)
}

/// `POST /channels/{c}/threads`: a forum or media post, or in a text channel a thread without a
/// message (type 12 unless the body says 11).
pub(super) fn start_thread(shared: &Shared, state: &mut FakeState, channel_id: u64, body: &Value) -> Reply {
    let parent = state.channel(channel_id).spec;
    if parent.is_thread() {
        return Reply::error(400, "Cannot execute action on this channel type", 50024);
    }
    if parent.is_thread_only() {
        return forum_post(shared, state, &parent, body);
    }
    let errors = thread_form_errors(body);
    if !errors.is_empty() {
        return Reply::invalid_form(errors);
    }
    if !parent.create_public_threads {
        return Reply::error(403, "Missing Permissions", 50013);
    }
    let kind = match body.get("type").and_then(Value::as_u64) {
        None | Some(12) => 12,
        Some(11) => 11,
        Some(_) => {
            return Reply::invalid_form(vec![(
                "type".into(),
                "BASE_TYPE_CHOICES",
                "Value must be one of {11, 12}.".into(),
            )]);
        }
    };
    let id = shared.snowflake();
    let entry = new_thread(shared, id, &parent, kind, body);
    let channel = entry.to_json();
    state.channels.insert(id, entry);
    Reply::json(201, channel)
}

/// Start Thread in Forum or Media Channel. `applied_tags`: at most 5, each one of `available_tags`
/// (50035 otherwise, the fake's wording); none under REQUIRE_TAG is 40067. A `nonce` is ignored.
fn forum_post(shared: &Shared, state: &mut FakeState, parent: &ChannelSpec, body: &Value) -> Reply {
    let mut errors = thread_form_errors(body);
    let message = body.get("message").filter(|m| m.is_object());
    if message.is_none() {
        errors.push(("message".into(), "BASE_TYPE_REQUIRED", "This field is required".into()));
    }
    let tags: Vec<Value> = body.get("applied_tags").and_then(Value::as_array).cloned().unwrap_or_default();
    if tags.len() > 5 {
        errors.push(("applied_tags".into(), "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.".into()));
    }
    let mut applied = Vec::new();
    for (i, tag) in tags.iter().enumerate() {
        let id = snowflake_field(&json!({"id": tag}), "id");
        match id.filter(|id| parent.available_tags.iter().any(|t| t.id == *id)) {
            Some(id) => applied.push(id),
            None => errors.push((format!("applied_tags.{i}"), "BASE_TYPE_CHOICES", "Unknown tag".into())),
        }
    }
    if !errors.is_empty() {
        return Reply::invalid_form(errors);
    }
    let message = message.expect("checked above");
    if let Some(reply) = validate_message_at(message, true, "message") {
        return reply;
    }
    if parent.require_tag && applied.is_empty() {
        return Reply::error(400, "A tag is required to create a forum post in this channel", 40067);
    }
    let id = shared.snowflake();
    let mut entry = new_thread(shared, id, parent, 11, body);
    entry.applied_tags = applied;
    let mut starter = message.clone();
    if let Some(fields) = starter.as_object_mut() {
        fields.remove("nonce");
        fields.remove("enforce_nonce");
    }
    let object = super::rest::message_json(id, id, &starter, shared.bot_user(), &[]);
    state.messages.push(StoredMessage { id, channel_id: id, body: starter, object: object.clone(), edits: Vec::new() });
    let mut channel = entry.to_json();
    state.channels.insert(id, entry);
    channel["message"] = object;
    Reply::json(201, channel)
}

/// List Active Guild Threads: the guild's unarchived threads, newest (highest id) first.
pub(super) fn active_threads(state: &FakeState, guild_id: u64) -> Reply {
    let mut threads: Vec<&ChannelEntry> = state
        .channels
        .values()
        .filter(|c| c.spec.is_thread() && c.spec.guild_id == guild_id && !c.spec.archived)
        .collect();
    threads.sort_by_key(|c| std::cmp::Reverse(c.spec.id));
    let threads: Vec<Value> = threads.iter().map(|c| c.to_json()).collect();
    Reply::json(200, json!({"threads": threads, "members": []}))
}

/// Modify Channel, for a thread (`name`, `archived`, `locked`, `auto_archive_duration`): an
/// archived thread takes a change only with `archived: false` in it (else 400 50083); unarchiving a
/// locked thread, or locking one, needs Manage Threads, which the bot lacks (403 50013). Any other
/// channel needs Manage Channels, which the bot lacks too (403 50013). An unknown thread id is 404.
pub(super) fn modify_channel(state: &mut FakeState, channel_id: u64, body: &Value) -> Reply {
    let Some(entry) = state.channels.get_mut(&channel_id) else {
        return Reply::error(403, "Missing Permissions", 50013);
    };
    if !entry.spec.is_thread() {
        return Reply::error(403, "Missing Permissions", 50013);
    }
    let archived = body.get("archived").and_then(Value::as_bool);
    if entry.spec.archived && archived != Some(false) {
        return Reply::error(400, "Thread is archived", 50083);
    }
    let locks = body.get("locked").and_then(Value::as_bool) == Some(true);
    if (entry.spec.locked && archived == Some(false)) || locks {
        return Reply::error(403, "Missing Permissions", 50013);
    }
    let errors: Vec<_> = thread_form_errors(&json!({
        "name": body.get("name").cloned().unwrap_or_else(|| json!(entry.spec.name)),
        "auto_archive_duration": body.get("auto_archive_duration").cloned().unwrap_or(Value::Null),
    }));
    if !errors.is_empty() {
        return Reply::invalid_form(errors);
    }
    if let Some(name) = body.get("name").and_then(Value::as_str) {
        entry.spec.name = name.to_string();
    }
    if let Some(duration) = body.get("auto_archive_duration").and_then(Value::as_u64) {
        entry.auto_archive_duration = duration;
    }
    if let Some(archived) = archived {
        entry.set_archived(archived);
    }
    Reply::json(200, entry.to_json())
}

/// List Public Archived Threads of a channel (a forum's posts included): its archived public
/// threads, by `archive_timestamp` newest first, those archived before `before` (an ISO 8601
/// timestamp) when given, at most `limit` (default 50, at most 100), with `has_more`.
pub(super) fn archived_public_threads(state: &FakeState, channel_id: u64, query: Option<&str>) -> Reply {
    let query = query.unwrap_or("");
    let param = |name: &str| query.split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='));
    let before = param("before").map(|b| b.replace("%3A", ":").replace("%2B", "+"));
    let limit = param("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(50).clamp(2, 100);
    let mut threads: Vec<&ChannelEntry> = state
        .channels
        .values()
        .filter(|c| c.spec.kind == 11 && c.spec.parent_id == Some(channel_id) && c.spec.archived)
        .filter(|c| before.as_deref().is_none_or(|before| c.archive_timestamp.as_str() < before))
        .collect();
    threads.sort_by(|a, b| b.archive_timestamp.cmp(&a.archive_timestamp).then(b.spec.id.cmp(&a.spec.id)));
    let has_more = threads.len() > limit;
    let threads: Vec<Value> = threads.iter().take(limit).map(|c| c.to_json()).collect();
    Reply::json(200, json!({"threads": threads, "members": [], "has_more": has_more}))
}
