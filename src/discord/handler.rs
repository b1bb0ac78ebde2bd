//! Interactions: `/digest` commands and the `date` autocomplete, answered within Discord's 3 seconds.
//!
//! A command is parsed from its options, run through [`Bot::run`] on a blocking thread, encoded by the
//! Discord encoder, and sent: the first message as the interaction response, the rest as follow-ups.
//! If the work has not finished after [`DEFER_AFTER`], the interaction is deferred (type 5) and the
//! answer replaces the deferred message when ready. Errors and the subscription replies are ephemeral.

use std::time::Duration;

use serde_json::{Value, json};
use serenity::all::{
    CommandDataOption, CommandDataOptionValue, CommandInteraction, Context, EventHandler, Interaction, Permissions,
    Ready,
};
use tracing::{info, warn};

use crate::bot::Bot;
use crate::bot::Caller;
use crate::command::{self, Command, Denied, Reply, Visibility};
use crate::store::{Platform, Target};

use super::commands::{self as registration, NAME};

/// Answer directly if the reply is ready this soon; defer otherwise (Discord allows 3 s in all).
pub const DEFER_AFTER: Duration = Duration::from_millis(1500);
/// The ephemeral message flag.
const EPHEMERAL: u64 = 1 << 6;

/// serenity's event handler for the bot.
pub struct Handler {
    bot: Bot,
    guild: Option<u64>,
}

impl Handler {
    pub fn new(bot: Bot, guild: Option<u64>) -> Handler {
        Handler { bot, guild }
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
        match interaction {
            Interaction::Command(command) if command.data.name == NAME => self.on_command(&ctx, &command).await,
            Interaction::Autocomplete(auto) if auto.data.name == NAME => {
                let typed = focused_value(&auto.data.options).unwrap_or_default();
                let choices: Vec<Value> = self
                    .bot
                    .date_choices(&typed)
                    .into_iter()
                    .map(|(name, value)| json!({"name": name, "value": value}))
                    .collect();
                let body = json!({"type": 8, "data": {"choices": choices}});
                if let Err(e) = ctx.http.create_interaction_response(auto.id, &auto.token, &body, Vec::new()).await {
                    warn!(error = %describe(&e), "could not answer autocomplete");
                }
            }
            _ => {}
        }
    }
}

impl Handler {
    async fn on_command(&self, ctx: &Context, interaction: &CommandInteraction) {
        let caller = Caller {
            target: Target::new(Platform::Discord, interaction.channel_id.get().to_string()),
            may_manage: may_manage(interaction),
        };
        let parsed = parse(interaction);
        let bot = self.bot.clone();
        let locale = bot.config.locale;
        let visibility = parsed.as_ref().map_or(Visibility::Ephemeral, Command::visibility);
        info!(command = parsed.as_ref().map_or("invalid", |c| c.name()), channel = %caller.target.channel, "interaction");
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
        let mut messages = interaction_messages(&reply).into_iter();
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
        let mut messages = interaction_messages(reply).into_iter();
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

/// Subscription changes need Manage Channels or Administrator in a guild (Discord cannot restrict a
/// subcommand, so it is checked here); in a DM the user owns the conversation.
fn may_manage(interaction: &CommandInteraction) -> Result<(), Denied> {
    if interaction.guild_id.is_none() {
        return Ok(());
    }
    let permissions = interaction.member.as_ref().and_then(|m| m.permissions).unwrap_or(Permissions::empty());
    if permissions.administrator() || permissions.manage_channels() { Ok(()) } else { Err(Denied::MissingPermission) }
}

/// The subcommand and its options as text.
fn parse(interaction: &CommandInteraction) -> Result<Command, command::CommandError> {
    let Some(sub) = interaction.data.options.first() else { return command::parse_options("help", &[]) };
    let options: Vec<(String, String)> = match &sub.value {
        CommandDataOptionValue::SubCommand(options) => options.iter().filter_map(option_text).collect(),
        _ => Vec::new(),
    };
    command::parse_options(&sub.name, &options)
}

fn option_text(option: &CommandDataOption) -> Option<(String, String)> {
    let text = match &option.value {
        CommandDataOptionValue::String(s) => s.clone(),
        CommandDataOptionValue::Integer(i) => i.to_string(),
        CommandDataOptionValue::Number(n) => n.to_string(),
        CommandDataOptionValue::Boolean(b) => b.to_string(),
        CommandDataOptionValue::Autocomplete { value, .. } => value.clone(),
        _ => return None,
    };
    Some((option.name.clone(), text))
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
        serenity::Error::Http(serenity::http::HttpError::Request(e)) if e.is_timeout() => "request timed out".into(),
        serenity::Error::Http(serenity::http::HttpError::Request(_)) => "request failed".into(),
        serenity::Error::Http(_) => "HTTP error".into(),
        other => other.to_string(),
    }
}
