//! Discord: the gateway client that answers `/digest`, and the REST and webhook sinks that deliver.
//!
//! Everything goes through serenity's `Http`, built with `.proxy(api_base)` so that `discord.api_base`
//! redirects every REST call and the gateway lookup (for HTTP proxies, and for the tests' fake
//! Discord). serenity honours the proxy only with its own ratelimiter off, so the bot always turns it
//! off and paces itself (see `deliver::limiter`): one behaviour in production and in tests.
//!
//! - [`commands`]: the `/digest` registration payload and its idempotent bulk overwrite.
//! - [`handler`]: interactions in, replies out, within Discord's 3-second window; and the raw events
//!   serenity cannot read, so that none goes unanswered or unlogged.
//! - [`rest`]: Create Message with a nonce, and Execute Webhook (with `?wait=true`, so its message id
//!   is kept), as delivery sinks; Edit and Delete Message and their webhook forms, for corrections.

pub mod commands;
pub mod handler;
pub mod rest;

use std::sync::Arc;
use std::time::Duration;

use serenity::all::{GatewayIntents, HttpBuilder, ShardManager};

use crate::bot::Bot;
use crate::config::DiscordConfig;
use crate::deliver::Sink;
use crate::secret::Secret;
use crate::target::Platform;

/// Discord's default API base; any other value is used as serenity's proxy.
pub const DEFAULT_API_BASE: &str = "https://discord.com";

/// serenity's `Http` and the reqwest client inside it (shared by the sinks for raw requests, whose
/// answers they need whole: status, rate-limit headers and body).
#[derive(Clone)]
pub struct Rest {
    pub http: Arc<serenity::http::Http>,
    pub client: reqwest::Client,
}

impl Rest {
    /// `client` is the bot's one HTTP client ([`crate::http::client`]: its timeouts; serenity's
    /// default client has none).
    pub fn new(token: &Secret, api_base: &str, client: reqwest::Client) -> Rest {
        Rest { http: Arc::new(build_http(token, api_base, client.clone())), client }
    }
}

/// serenity's `Http` pointed at `api_base`, with its ratelimiter off (see the module doc).
fn build_http(token: &Secret, api_base: &str, client: reqwest::Client) -> serenity::http::Http {
    HttpBuilder::new(token.expose())
        .client(client)
        .proxy(api_base.trim_end_matches('/'))
        .ratelimiter_disabled(true)
        .build()
}

/// Why the gateway client stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayEnd {
    #[error("the connection was closed")]
    Closed,
    /// Discord refused the token: nothing works until it is replaced.
    #[error("Discord refused the token (DISCORD_TOKEN); reset it in the Developer Portal")]
    Unauthorized,
    #[error("the connection failed: {0}")]
    Failed(String),
}

/// The running gateway client.
pub struct Gateway {
    shard_manager: Arc<ShardManager>,
    /// The gateway client's own REST client, for the sinks.
    pub rest: Rest,
    /// Resolves when the client stops (on its own, or after `shutdown`).
    pub stopped: tokio::sync::oneshot::Receiver<GatewayEnd>,
}

impl Gateway {
    /// Closes the gateway connection and waits (briefly) for the client to stop.
    pub async fn shutdown(self) {
        self.shard_manager.shutdown_all().await;
        if !self.stopped.is_terminated() {
            let _ = tokio::time::timeout(Duration::from_secs(10), self.stopped).await;
        }
    }
}

/// Connects to the gateway and answers interactions until shut down. Only the unprivileged `GUILDS`
/// intent is asked for: slash commands arrive without any intent. The client's `Http` is the
/// process's one Discord REST client: [`Gateway::rest`] hands it to the delivery sinks.
pub async fn start(bot: Bot, token: &Secret, client: reqwest::Client) -> anyhow::Result<Gateway> {
    let api_base = bot.config.discord.api_base.clone();
    let guild = bot.config.discord.guild_id;
    let raw = handler::RawEvents::new(bot.config.locale);
    let handler = handler::Handler::new(bot, guild);
    let http = build_http(token, &api_base, client.clone());
    let mut gateway = serenity::all::ClientBuilder::new_with_http(http, GatewayIntents::GUILDS)
        .event_handler(handler)
        .raw_event_handler(raw)
        .await
        .map_err(|e| anyhow::anyhow!("cannot build the Discord client: {}", handler::describe(&e)))?;
    let rest = Rest { http: gateway.http.clone(), client };
    let shard_manager = gateway.shard_manager.clone();
    let (tx, stopped) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let end = match gateway.start().await {
            Ok(()) => GatewayEnd::Closed,
            Err(serenity::Error::Gateway(serenity::gateway::GatewayError::InvalidAuthentication)) => {
                GatewayEnd::Unauthorized
            }
            Err(e) => GatewayEnd::Failed(handler::describe(&e)),
        };
        let _ = tx.send(end);
    });
    Ok(Gateway { shard_manager, rest, stopped })
}

/// The delivery sinks Discord needs, ready for `Deliverer::with_sink`, mirroring `slack::sinks`:
/// [`Platform::Discord`] when there is a REST client (the gateway's, or one built for `post`), and
/// [`Platform::DiscordWebhook`] when `discord.webhooks` lists any. Webhooks are resolved with
/// `lookup`; one whose variable is unset is logged (by label) and reported as gone when a delivery
/// reaches it.
pub fn sinks(
    config: &DiscordConfig,
    rest: Option<&Rest>,
    http: &reqwest::Client,
    lookup: impl Fn(&str) -> Option<String>,
) -> Vec<(Platform, Arc<dyn Sink>)> {
    let mut sinks: Vec<(Platform, Arc<dyn Sink>)> = Vec::new();
    if let Some(rest) = rest {
        sinks.push((Platform::Discord, Arc::new(rest::ChannelSink::new(rest.clone()))));
    }
    if !config.webhooks.is_empty() {
        let webhooks = rest::WebhookSink::from_config(http.clone(), &config.api_base, &config.webhooks, lookup);
        sinks.push((Platform::DiscordWebhook, Arc::new(webhooks)));
    }
    sinks
}
