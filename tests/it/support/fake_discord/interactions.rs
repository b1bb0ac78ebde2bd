//! The interactions the fake sends through the gateway (with [`FakeDiscord::send_interaction`]):
//! [`InteractionSpec`] and the builders [`command_interaction`] (APPLICATION_COMMAND, type 2) and
//! [`autocomplete_interaction`] (APPLICATION_COMMAND_AUTOCOMPLETE, type 4, the focused option's value
//! sent as the partial string typed so far) and [`component_interaction`] (MESSAGE_COMPONENT, type 3,
//! a button click on a message). They fake the Interaction object of Discord's docs
//! (Interactions > Receiving and Responding): a `/digest <subcommand>` chat-input invocation with its
//! options, `app_permissions`, locales and `context`, carrying `guild_id`, `channel` and `member` in a
//! guild and `user` in a DM, shaped so that serenity 0.12.5 deserializes it. In a guild, the partial
//! `channel` has the spec's type and `parent_id`; a thread's (10, 11, 12) also has `thread_metadata`,
//! as Discord sends them for a command run in a thread or a forum post.
//!
//! [`FakeDiscord::send_interaction`]: super::FakeDiscord::send_interaction

use serde_json::{Value, json};

use super::{APP_PERMISSIONS, COMMAND_ID, COMMAND_NAME, FakeOptions};

/// What [`command_interaction`] and [`autocomplete_interaction`] build: a `/digest <subcommand>`
/// invocation. `Default` gives a guild invocation with plausible ids.
#[derive(Clone, Debug)]
pub struct InteractionSpec {
    /// Interaction id (the callback route uses it).
    pub id: u64,
    /// Interaction token (callbacks, follow-ups and `@original` use it).
    pub token: String,
    /// Application id; must equal the fake's for follow-ups to be recognised.
    pub application_id: u64,
    /// Guild of the invocation; `None` for a DM (then `user` is sent instead of `member`).
    pub guild_id: Option<u64>,
    /// Channel of the invocation.
    pub channel_id: u64,
    /// The channel's type: 0 text (the default), 10/11/12 a news, public or private thread (a forum
    /// or media post is a public thread), 15 forum, 16 media.
    pub channel_type: u8,
    /// For a thread, the channel it belongs to (for a forum post, the forum); for another channel,
    /// its category. `None` (not sent) by default.
    pub parent_id: Option<u64>,
    /// The invoking user.
    pub user_id: u64,
    /// The member's permission bits in the channel (sent as a string, like Discord).
    pub permissions: u64,
    /// The subcommand of `/digest`.
    pub subcommand: String,
    /// The subcommand's options, in order; the option type is inferred from the value (string 3,
    /// integer 4, boolean 5, other number 10).
    pub options: Vec<(String, Value)>,
    /// The user's locale (`en-US`); also used as the guild locale.
    pub locale: String,
}

impl Default for InteractionSpec {
    fn default() -> Self {
        Self {
            id: 1_300_000_000_000_000_001,
            token: "fake-interaction-token".to_string(),
            application_id: FakeOptions::default().application_id,
            guild_id: Some(1_300_000_000_000_000_010),
            channel_id: 1_300_000_000_000_000_020,
            channel_type: 0,
            parent_id: None,
            user_id: 1_300_000_000_000_000_030,
            permissions: (1 << 10) | (1 << 11) | (1 << 16),
            subcommand: "show".to_string(),
            options: Vec::new(),
            locale: "en-US".to_string(),
        }
    }
}

/// Builds an APPLICATION_COMMAND interaction (type 2) for `/digest <subcommand> <options>` that
/// serenity 0.12.5 deserializes as `Interaction::Command`.
pub fn command_interaction(spec: InteractionSpec) -> Value {
    interaction_json(&spec, 2, None)
}

/// Builds an APPLICATION_COMMAND_AUTOCOMPLETE interaction (type 4) with `focused: true` on the option
/// named `focused` (its value is sent as the partial string typed so far, as Discord does); serenity
/// deserializes it as `Interaction::Autocomplete`.
pub fn autocomplete_interaction(spec: InteractionSpec, focused: &str) -> Value {
    interaction_json(&spec, 4, Some(focused))
}

/// Builds a MESSAGE_COMPONENT interaction (type 3): a click on the button `custom_id` of `message`
/// (a Message object, as [`FakeDiscord::message_objects`] returns it), which serenity 0.12.5
/// deserializes as `Interaction::Component`.
///
/// [`FakeDiscord::message_objects`]: super::FakeDiscord::message_objects
pub fn component_interaction(spec: InteractionSpec, custom_id: &str, message: Value) -> Value {
    let mut value = interaction_json(&spec, 3, None);
    value["data"] = json!({"custom_id": custom_id, "component_type": 2});
    value["message"] = message;
    value
}

fn interaction_json(spec: &InteractionSpec, kind: u8, focused: Option<&str>) -> Value {
    let options: Vec<Value> = spec
        .options
        .iter()
        .map(|(name, value)| {
            let option_type = match value {
                Value::String(_) => 3,
                Value::Bool(_) => 5,
                Value::Number(n) if n.is_i64() || n.is_u64() => 4,
                Value::Number(_) => 10,
                _ => 3,
            };
            if focused == Some(name.as_str()) {
                let partial = value.as_str().map_or_else(|| value.to_string(), str::to_string);
                json!({"name": name, "type": option_type, "value": partial, "focused": true})
            } else {
                json!({"name": name, "type": option_type, "value": value})
            }
        })
        .collect();
    let user = json!({
        "id": spec.user_id.to_string(),
        "username": format!("user{}", spec.user_id % 10_000),
        "discriminator": "0",
        "global_name": "Test User",
        "avatar": null,
        "public_flags": 0,
    });
    let mut value = json!({
        "id": spec.id.to_string(),
        "application_id": spec.application_id.to_string(),
        "type": kind,
        "data": {
            "id": COMMAND_ID.to_string(),
            "name": COMMAND_NAME,
            "type": 1,
            "options": [{"name": spec.subcommand, "type": 1, "options": options}],
        },
        "channel_id": spec.channel_id.to_string(),
        "token": spec.token,
        "version": 1,
        "app_permissions": APP_PERMISSIONS.to_string(),
        "locale": spec.locale,
        "entitlements": [],
        "attachment_size_limit": 10_485_760,
    });
    let fields = value.as_object_mut().expect("object literal");
    match spec.guild_id {
        Some(guild_id) => {
            fields.insert("guild_id".into(), json!(guild_id.to_string()));
            fields.insert("guild_locale".into(), json!(spec.locale));
            let mut channel = json!({"id": spec.channel_id.to_string(), "type": spec.channel_type, "name": "general",
                                     "permissions": spec.permissions.to_string()});
            let partial = channel.as_object_mut().expect("object literal");
            if let Some(parent) = spec.parent_id {
                partial.insert("parent_id".into(), json!(parent.to_string()));
            }
            if matches!(spec.channel_type, 10..=12) {
                partial.insert(
                    "thread_metadata".into(),
                    json!({"archived": false, "auto_archive_duration": 1440,
                           "archive_timestamp": "2026-02-09T00:00:00.000000+00:00", "locked": false}),
                );
            }
            fields.insert("channel".into(), channel);
            fields.insert(
                "member".into(),
                json!({
                    "user": user,
                    "nick": null,
                    "avatar": null,
                    "roles": [],
                    "joined_at": "2024-01-01T00:00:00.000000+00:00",
                    "premium_since": null,
                    "deaf": false,
                    "mute": false,
                    "flags": 0,
                    "pending": false,
                    "permissions": spec.permissions.to_string(),
                }),
            );
            fields.insert("authorizing_integration_owners".into(), json!({"0": guild_id.to_string()}));
            fields.insert("context".into(), json!(0));
        }
        None => {
            fields.insert("channel".into(), json!({"id": spec.channel_id.to_string(), "type": 1}));
            fields.insert("user".into(), user);
            fields.insert("authorizing_integration_owners".into(), json!({"0": "0"}));
            fields.insert("context".into(), json!(1));
        }
    }
    value
}
