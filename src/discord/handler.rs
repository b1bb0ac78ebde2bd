//! Interactions: `/digest` commands and the `date` autocomplete, answered within Discord's 3 seconds.
//!
//! A command is parsed from its options, run through [`Bot::run`] on a blocking thread, encoded by the
//! Discord encoder, and sent: the first message as the interaction response, the rest as follow-ups.
//! If the work has not finished after [`DEFER_AFTER`], the interaction is deferred (type 5) and the
//! answer replaces the deferred message when ready. Errors and the subscription replies are ephemeral.
//!
//! Every interaction gets an answer. Options outside the registration (an unknown subcommand, a
//! missing, unexpected or out-of-range option, one of another type) get an ephemeral error and one
//! warning with the interaction's [`Shape`]. An interaction serenity cannot deserialize reaches no
//! [`EventHandler`]: serenity turns it into `Event::Unknown` and drops it with a debug line. [`RawEvents`]
//! sees it first: it logs a warning with the event type and the shape read from the raw JSON, and
//! still answers it (an ephemeral error, or no autocomplete choices). Logs never hold an interaction
//! token or an option's value; names are cut and escaped.
//!
//! A command run in a thread (a forum post included) acts on the thread's parent channel: that is
//! where the digest is posted, and the subscription, its `threads` setting and its status are the
//! parent's; the reply names it (`<#id>`). A forum or media channel itself acts on itself.

use std::collections::HashSet;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};
use serenity::all::{
    ChannelId, CommandData, CommandDataOption, CommandDataOptionValue, CommandInteraction, CommandOptionType, Context,
    Event, EventHandler, Interaction, InteractionId, PartialChannel, Permissions, RawEventHandler, Ready, UnknownEvent,
};
use tracing::{debug, info, warn};

use crate::bot::Bot;
use crate::bot::Caller;
use crate::command::{self, Command, CommandError, Denied, OptionValue, Reply, Visibility};
use crate::i18n::Locale;
use crate::logging::untrusted;
use crate::target::{Platform, Target};

use super::commands::{self as registration, NAME};

/// Answer directly if the reply is ready this soon; defer otherwise (Discord allows 3 s in all).
pub const DEFER_AFTER: Duration = Duration::from_millis(1500);
/// The ephemeral message flag.
const EPHEMERAL: u64 = 1 << 6;

/// serenity's event handler for the bot.
pub struct Handler {
    bot: Bot,
    guild: Option<u64>,
    /// The guild of `editors.discord`, once looked up.
    editors_guild: tokio::sync::OnceCell<u64>,
}

impl Handler {
    pub fn new(bot: Bot, guild: Option<u64>) -> Handler {
        Handler { bot, guild, editors_guild: tokio::sync::OnceCell::new() }
    }

    /// Whether a member acting in `guild` with `permissions` is an editor: Manage Guild, Manage
    /// Channels or Administrator, in the editors' guild. That is the guild of `editors.discord`
    /// (looked up once), else `discord.guild_id`; with neither, any guild the bot is in. A member
    /// with those permissions in another guild (anyone can add a public bot to a server of their
    /// own) is no editor: they could hold the weekly digest.
    async fn editor(&self, ctx: &Context, guild: Option<u64>, permissions: Option<Permissions>) -> Result<(), Denied> {
        let denied = Err(Denied::NotEditor { slack: false });
        let (Some(guild), Ok(())) = (guild, editor_permissions(permissions)) else { return denied };
        let editors = match self.bot.config.editors.discord {
            Some(channel) => {
                let looked_up = self
                    .editors_guild
                    .get_or_try_init(|| async {
                        match ctx.http.get_channel(ChannelId::new(channel)).await {
                            Ok(serenity::all::Channel::Guild(channel)) => Ok(channel.guild_id.get()),
                            Ok(_) => Err("not a guild channel".to_string()),
                            Err(e) => Err(describe(&e)),
                        }
                    })
                    .await;
                match looked_up {
                    Ok(editors) => Some(*editors),
                    Err(why) => match self.guild {
                        Some(guild) => Some(guild),
                        None => {
                            warn!(channel, error = %untrusted(&why), "cannot tell the guild of editors.discord; nobody is an editor until it can be looked up");
                            return denied;
                        }
                    },
                }
            }
            None => self.guild,
        };
        if editors.is_none_or(|editors| editors == guild) { Ok(()) } else { denied }
    }
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to the Discord gateway");
        match registration::register(&ctx.http, self.guild).await {
            Ok(commands) => info!(commands = commands.len(), guild = ?self.guild, "registered /digest"),
            Err(e) => warn!(error = %describe(&e), "could not register /digest"),
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let locale = self.bot.config.locale;
        match interaction {
            Interaction::Command(command) => self.on_command(&ctx, &command).await,
            Interaction::Autocomplete(auto) => {
                let choices = if auto.data.name == NAME {
                    let typed = focused_value(&auto.data.options).unwrap_or_default();
                    let editors = auto
                        .data
                        .options
                        .first()
                        .is_some_and(|sub| matches!(sub.name.as_str(), "preview" | "approve" | "hold"));
                    self.bot.date_choices_of(&typed, editors)
                } else {
                    warn!(interaction = auto.id.get(), shape = %Shape::of(&auto.data), "autocomplete for a command the bot does not have");
                    Vec::new()
                };
                let body = autocomplete_response(choices);
                if let Err(e) = ctx.http.create_interaction_response(auto.id, &auto.token, &body, Vec::new()).await {
                    warn!(error = %describe(&e), "could not answer autocomplete");
                }
            }
            Interaction::Component(component) => {
                match command::approval::parse_decision_id(&component.data.custom_id) {
                    Some((approve, digest, version)) => {
                        let permissions = component.member.as_ref().and_then(|m| m.permissions);
                        let editor = self.editor(&ctx, component.guild_id.map(|g| g.get()), permissions).await;
                        let who = format!("discord:{}", component.user.id.get());
                        let bot = self.bot.clone();
                        let (digest, version) = (digest.to_string(), version.to_string());
                        info!(interaction = component.id.get(), approve, digest = %untrusted(&digest), "approval button");
                        let reply = tokio::task::spawn_blocking(move || match editor {
                            Ok(()) => bot.decide(&digest, Some(&version), approve, &who).unwrap_or_else(|e| {
                                warn!(error = %e, "could not record the decision");
                                command::internal_error(locale)
                            }),
                            Err(why) => command::denied(why, locale),
                        })
                        .await
                        .unwrap_or_else(|_| command::internal_error(locale));
                        let first = answerable(interaction_messages(&reply), locale).into_iter().next();
                        respond(&ctx, component.id, &component.token, &json!({"type": 4, "data": first})).await;
                    }
                    None => {
                        warn!(interaction = component.id.get(), custom_id = ?for_log(&component.data.custom_id), "a message component the bot never sent");
                        respond(&ctx, component.id, &component.token, &unsupported_response(locale)).await;
                    }
                }
            }
            Interaction::Modal(modal) => {
                warn!(interaction = modal.id.get(), custom_id = ?for_log(&modal.data.custom_id), "a modal the bot never opened");
                respond(&ctx, modal.id, &modal.token, &unsupported_response(locale)).await;
            }
            // Pings come over HTTP only, never through the gateway.
            Interaction::Ping(_) => {}
            _ => warn!("an interaction of a kind the bot does not handle"),
        }
    }
}

/// Sees every gateway event before serenity's dispatch, to catch the ones serenity cannot read.
pub struct RawEvents {
    locale: Locale,
    /// Event types already warned about (other than interactions, which are warned about each time):
    /// a type Discord added that serenity does not know would otherwise warn on every event.
    /// A std mutex: it is held for one insertion, never across an await.
    warned: Mutex<HashSet<String>>,
}

/// At most this many event types are remembered in [`RawEvents::warned`].
const WARNED_TYPES: usize = 64;

impl RawEvents {
    pub fn new(locale: Locale) -> RawEvents {
        RawEvents { locale, warned: Mutex::new(HashSet::new()) }
    }

    async fn on_unknown(&self, ctx: &Context, event: &UnknownEvent) {
        let kind = for_log(&event.kind);
        if event.kind != "INTERACTION_CREATE" {
            let first = {
                let mut warned = self.warned.lock().unwrap_or_else(|e| e.into_inner());
                warned.len() < WARNED_TYPES && warned.insert(event.kind.clone())
            };
            if first {
                warn!(event = ?kind, "serenity could not read a gateway event and dropped it (warned once per type)");
            } else {
                debug!(event = ?kind, "serenity could not read a gateway event and dropped it");
            }
            return;
        }
        let d = &event.value;
        let id = d.get("id").and_then(Value::as_str).and_then(|id| id.parse::<u64>().ok()).filter(|&id| id != 0);
        let token = d.get("token").and_then(Value::as_str).filter(|t| !t.is_empty());
        let interaction_type = d.get("type").and_then(Value::as_u64);
        warn!(
            event = ?kind,
            interaction = id,
            interaction_type,
            shape = %Shape::of_raw(d),
            "serenity could not read an interaction; answering it with an error"
        );
        let (Some(id), Some(token)) = (id, token) else {
            warn!(event = ?kind, "the unreadable interaction has no id or token: it cannot be answered");
            return;
        };
        let body = match interaction_type {
            Some(4) => autocomplete_response(Vec::new()),
            _ => unsupported_response(self.locale),
        };
        respond(ctx, InteractionId::new(id), token, &body).await;
    }
}

#[serenity::async_trait]
impl RawEventHandler for RawEvents {
    async fn raw_event(&self, ctx: Context, event: Event) {
        if let Event::Unknown(unknown) = &event {
            self.on_unknown(&ctx, unknown).await;
        }
    }
}

/// The autocomplete response (type 8) with these (name, value) choices.
fn autocomplete_response(choices: Vec<(String, String)>) -> Value {
    let choices: Vec<Value> = choices
        .into_iter()
        .map(|(name, value)| json!({"name": crate::render::clean::text(&name), "value": value}))
        .collect();
    json!({"type": 8, "data": {"choices": choices}})
}

/// An ephemeral message response (type 4) saying the request cannot be handled.
fn unsupported_response(locale: Locale) -> Value {
    let first = interaction_messages(&command::unsupported(locale)).into_iter().next();
    json!({"type": 4, "data": first.unwrap_or_else(|| json!({"content": "-", "flags": EPHEMERAL}))})
}

async fn respond(ctx: &Context, id: InteractionId, token: &str, body: &Value) {
    if let Err(e) = ctx.http.create_interaction_response(id, token, body, Vec::new()).await {
        warn!(error = %describe(&e), "could not answer the interaction");
    }
}

impl Handler {
    async fn on_command(&self, ctx: &Context, interaction: &CommandInteraction) {
        let parent = thread_parent(interaction.channel.as_ref());
        let channel = parent.unwrap_or(interaction.channel_id);
        let caller = Caller {
            target: Target::new(Platform::Discord, channel.get().to_string()),
            may_manage: may_manage(interaction),
            channel_mention: parent.map(|p| format!("<#{}>", p.get())),
            editor: self
                .editor(
                    ctx,
                    interaction.guild_id.map(|g| g.get()),
                    interaction.member.as_ref().and_then(|m| m.permissions),
                )
                .await,
            who: format!("discord:{}", interaction.user.id.get()),
        };
        let parsed = parse(interaction);
        let bot = self.bot.clone();
        let locale = bot.config.locale;
        let visibility = parsed.as_ref().map_or(Visibility::Ephemeral, Command::visibility);
        info!(
            command = parsed.as_ref().map_or("invalid", |c| c.name()),
            channel = %caller.target.channel,
            thread = parent.map(|_| interaction.channel_id.get()),
            "interaction"
        );
        if let Err(error) = &parsed {
            warn!(
                interaction = interaction.id.get(),
                problem = error.kind(),
                shape = %Shape::of(&interaction.data),
                "an interaction outside the /digest registration; answering with an error"
            );
        }
        let mut work = tokio::task::spawn_blocking(move || match parsed {
            Ok(command) => bot.run(&command, &caller),
            Err(error) => command::error_reply(&error, locale),
        });
        let reply = match tokio::time::timeout(DEFER_AFTER, &mut work).await {
            Ok(done) => done.unwrap_or_else(|_| command::internal_error(locale)),
            Err(_) => {
                let flags = if visibility == Visibility::Ephemeral { EPHEMERAL } else { 0 };
                let defer = json!({"type": 5, "data": {"flags": flags}});
                if let Err(e) =
                    ctx.http.create_interaction_response(interaction.id, &interaction.token, &defer, Vec::new()).await
                {
                    warn!(error = %describe(&e), "could not defer the interaction");
                }
                let reply = work.await.unwrap_or_else(|_| command::internal_error(locale));
                self.send_deferred(ctx, interaction, &reply).await;
                return;
            }
        };
        let mut messages = answerable(interaction_messages(&reply), locale).into_iter();
        let Some(first) = messages.next() else { return };
        let response = json!({"type": 4, "data": first});
        if let Err(e) =
            ctx.http.create_interaction_response(interaction.id, &interaction.token, &response, Vec::new()).await
        {
            warn!(error = %describe(&e), "could not answer the interaction");
            return;
        }
        self.follow_up(ctx, interaction, messages).await;
    }

    async fn send_deferred(&self, ctx: &Context, interaction: &CommandInteraction, reply: &Reply) {
        let mut messages = answerable(interaction_messages(reply), self.bot.config.locale).into_iter();
        let Some(first) = messages.next() else { return };
        if let Err(e) = ctx.http.edit_original_interaction_response(&interaction.token, &first, Vec::new()).await {
            warn!(error = %describe(&e), "could not complete the deferred answer");
            return;
        }
        self.follow_up(ctx, interaction, messages).await;
    }

    async fn follow_up(&self, ctx: &Context, interaction: &CommandInteraction, rest: impl Iterator<Item = Value>) {
        for message in rest {
            if let Err(e) = ctx.http.create_followup_message(&interaction.token, &message, Vec::new()).await {
                warn!(error = %describe(&e), "could not send a follow-up");
                return;
            }
        }
    }
}

/// The reply's Discord messages, flagged ephemeral when the reply is private.
pub fn interaction_messages(reply: &Reply) -> Vec<Value> {
    let mut messages = crate::render::discord::messages(&reply.doc);
    if reply.visibility == Visibility::Ephemeral {
        for message in &mut messages {
            if let Some(map) = message.as_object_mut() {
                map.insert("flags".into(), json!(EPHEMERAL));
            }
        }
    }
    messages
}

/// The messages, or the internal-error message when there are none (a reply that rendered to
/// nothing must still answer the interaction).
fn answerable(messages: Vec<Value>, locale: Locale) -> Vec<Value> {
    if messages.is_empty() { interaction_messages(&command::internal_error(locale)) } else { messages }
}

/// Discord's channel types of threads: news (announcement) thread, public thread (forum and media
/// posts are public threads), private thread.
const THREAD_TYPES: [u8; 3] = [10, 11, 12];

/// The parent channel of the thread a command was run in; `None` anywhere else (a channel's
/// `parent_id` is its category, not a place to post).
fn thread_parent(channel: Option<&PartialChannel>) -> Option<ChannelId> {
    let channel = channel?;
    if THREAD_TYPES.contains(&u8::from(channel.kind)) { channel.parent_id } else { None }
}

/// Subscription changes need Manage Channels or Administrator in a guild (Discord cannot restrict a
/// subcommand, so it is checked here); in a DM the user owns the conversation.
fn may_manage(interaction: &CommandInteraction) -> Result<(), Denied> {
    if interaction.guild_id.is_none() {
        return Ok(());
    }
    let permissions = interaction.member.as_ref().and_then(|m| m.permissions).unwrap_or(Permissions::empty());
    if permissions.administrator() || permissions.manage_channels() { Ok(()) } else { Err(Denied::MissingPermission) }
}

/// Editors (preview, approve, hold) are the members with Manage Guild, Manage Channels or
/// Administrator (of the editors' guild: [`Handler::editor`]); in a DM nobody is one (no guild role
/// says so).
fn editor_permissions(permissions: Option<Permissions>) -> Result<(), Denied> {
    let permissions = permissions.unwrap_or(Permissions::empty());
    let editor = permissions.administrator() || permissions.manage_guild() || permissions.manage_channels();
    if editor { Ok(()) } else { Err(Denied::NotEditor { slack: false }) }
}

/// The command from the interaction's subcommand and typed options, checked against the registration.
fn parse(interaction: &CommandInteraction) -> Result<Command, CommandError> {
    let data = &interaction.data;
    if data.name != NAME {
        return Err(CommandError::Unknown(data.name.clone()));
    }
    let Some(sub) = data.options.first() else { return Ok(Command::Help) };
    let CommandDataOptionValue::SubCommand(options) = &sub.value else {
        return Err(CommandError::Unknown(sub.name.clone()));
    };
    if let Some(extra) = data.options.get(1) {
        return Err(CommandError::UnexpectedOption(extra.name.clone()));
    }
    let options: Vec<(String, OptionValue)> = options.iter().map(|o| (o.name.clone(), option_value(o))).collect();
    command::parse_options(&sub.name, &options)
}

fn option_value(option: &CommandDataOption) -> OptionValue {
    match &option.value {
        CommandDataOptionValue::String(s) => OptionValue::String(s.clone()),
        CommandDataOptionValue::Integer(i) => OptionValue::Integer(*i),
        CommandDataOptionValue::Number(n) => OptionValue::Number(*n),
        CommandDataOptionValue::Boolean(b) => OptionValue::Boolean(*b),
        // A focused option in a command (not an autocomplete) is still the text typed so far.
        CommandDataOptionValue::Autocomplete { kind: CommandOptionType::String, value } => {
            OptionValue::String(value.clone())
        }
        other => OptionValue::Other(kind_name(u8::from(other.kind()).into())),
    }
}

/// An option type's name, as Discord's documentation spells it.
fn kind_name(kind: u64) -> String {
    let name = match kind {
        1 => "subcommand",
        2 => "subcommand_group",
        3 => "string",
        4 => "integer",
        5 => "boolean",
        6 => "user",
        7 => "channel",
        8 => "role",
        9 => "mentionable",
        10 => "number",
        11 => "attachment",
        other => return format!("type {other}"),
    };
    name.to_string()
}

/// What an interaction asked for, for the log: the command, the subcommand, and each option's name
/// and type (with a string's length), never a value or the token. Names come from the request, so
/// they are cut to `LOG_CHARS` and shown escaped.
pub struct Shape {
    command: String,
    subcommand: Option<String>,
    options: Vec<(String, String)>,
}

/// How much of a name from a request goes into the log, in characters.
const LOG_CHARS: usize = 200;
/// Options listed in a [`Shape`], at most.
const LOG_OPTIONS: usize = 10;

/// At most [`LOG_CHARS`] of `text`, with `…` when cut; log it with `{:?}`, which escapes it.
fn for_log(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(LOG_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

impl Shape {
    /// The shape of an interaction serenity read.
    pub fn of(data: &CommandData) -> Shape {
        let describe = |o: &CommandDataOption| {
            let kind = match &o.value {
                CommandDataOptionValue::String(s) => format!("string ({} chars)", s.chars().count()),
                CommandDataOptionValue::Autocomplete { value, .. } => {
                    format!("focused ({} chars)", value.chars().count())
                }
                other => kind_name(u8::from(other.kind()).into()),
            };
            (for_log(&o.name), kind)
        };
        let (subcommand, options) = match data.options.first() {
            Some(CommandDataOption { name, value: CommandDataOptionValue::SubCommand(inner), .. }) => {
                (Some(for_log(name)), inner.iter().chain(&data.options[1..]).map(describe).collect())
            }
            _ => (None, data.options.iter().map(describe).collect()),
        };
        Shape { command: for_log(&data.name), subcommand, options }
    }

    /// The shape of an interaction's raw JSON (`d` of INTERACTION_CREATE), however malformed.
    pub fn of_raw(d: &Value) -> Shape {
        let data = d.get("data");
        let name = |v: Option<&Value>| v.and_then(|v| v.get("name")).and_then(Value::as_str).map(for_log);
        let options = |v: Option<&Value>| -> Vec<Value> {
            v.and_then(|v| v.get("options")).and_then(Value::as_array).cloned().unwrap_or_default()
        };
        let describe = |o: &Value| {
            let kind = match o.get("type").and_then(Value::as_u64) {
                Some(t) => kind_name(t),
                None => "no type".to_string(),
            };
            let value = match o.get("value") {
                None => String::new(),
                Some(Value::String(s)) => format!(", value a string ({} chars)", s.chars().count()),
                Some(Value::Number(_)) => ", value a number".to_string(),
                Some(Value::Bool(_)) => ", value a boolean".to_string(),
                Some(_) => ", value of another JSON type".to_string(),
            };
            (name(Some(o)).unwrap_or_else(|| "?".into()), format!("{kind}{value}"))
        };
        let top = options(data);
        let (subcommand, options) = match top.first() {
            Some(first) if first.get("type").and_then(Value::as_u64) == Some(1) => {
                (name(Some(first)), options(Some(first)).iter().chain(&top[1..]).map(describe).collect())
            }
            _ => (None, top.iter().map(describe).collect()),
        };
        Shape { command: name(data).unwrap_or_else(|| "?".into()), subcommand, options }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "command {:?}", self.command)?;
        if let Some(sub) = &self.subcommand {
            write!(f, " subcommand {sub:?}")?;
        }
        write!(f, " options [")?;
        for (i, (name, kind)) in self.options.iter().take(LOG_OPTIONS).enumerate() {
            write!(f, "{}{name:?}: {kind}", if i > 0 { ", " } else { "" })?;
        }
        if self.options.len() > LOG_OPTIONS {
            write!(f, ", {} more", self.options.len() - LOG_OPTIONS)?;
        }
        write!(f, "]")
    }
}

/// What the user has typed in the focused option of an autocomplete.
fn focused_value(options: &[CommandDataOption]) -> Option<String> {
    for option in options {
        match &option.value {
            CommandDataOptionValue::Autocomplete { value, .. } => return Some(value.clone()),
            CommandDataOptionValue::SubCommand(inner) | CommandDataOptionValue::SubCommandGroup(inner) => {
                if let Some(value) = focused_value(inner) {
                    return Some(value);
                }
            }
            _ => {}
        }
    }
    None
}

/// A serenity error, without the request URL (interaction and webhook URLs carry tokens).
pub fn describe(error: &serenity::Error) -> String {
    match error {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(response)) => {
            format!("HTTP {}: {} (code {})", response.status_code.as_u16(), response.error.message, response.error.code)
        }
        serenity::Error::Http(serenity::http::HttpError::Request(e)) => crate::http::describe(e),
        serenity::Error::Http(_) => "HTTP error".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parent_of(channel: Value) -> Option<u64> {
        let channel: PartialChannel = serde_json::from_value(channel).unwrap();
        thread_parent(Some(&channel)).map(ChannelId::get)
    }

    #[test]
    fn threads_act_on_their_parent_and_other_channels_on_themselves() {
        for kind in [10, 11, 12] {
            assert_eq!(parent_of(json!({"id": "5", "type": kind, "parent_id": "7"})), Some(7), "type {kind}");
        }
        // A text, announcement, forum or media channel: its parent is a category.
        for kind in [0, 5, 15, 16] {
            assert_eq!(parent_of(json!({"id": "5", "type": kind, "parent_id": "7"})), None, "type {kind}");
        }
        assert_eq!(parent_of(json!({"id": "5", "type": 11})), None, "a thread without its parent");
        assert_eq!(thread_parent(None), None);
    }
}
