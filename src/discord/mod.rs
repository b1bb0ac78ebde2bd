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
//!
//! Beside the handler, [`start`] adds a small event handler of its own that follows the gateway's
//! connection ([`Link`]: READY, RESUMED and every change of the shard's connection stage), timed on
//! the bot's clock, for `/healthz` and the `gateway_connected` metric. serenity restarts a shard
//! whose reconnection failed without telling any handler, and no shard exists to tell anything while
//! the gateway cannot be reached, so the shard manager's own record of its shards is read too, every
//! [`LINK_POLL`].

pub mod commands;
pub mod handler;
pub mod rest;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serenity::all::{
    ConnectionStage, Context, EventHandler, GatewayIntents, HttpBuilder, Ready, ResumedEvent, ShardManager,
    ShardStageUpdateEvent,
};
use tokio::sync::watch;

use crate::bot::Bot;
use crate::clock::Clock;
use crate::config::DiscordConfig;
use crate::deliver::Sink;
use crate::metrics::Metrics;
use crate::secret::Secret;
use crate::target::Platform;

/// How often the shard manager's record of the connection is read (see the module doc).
pub const LINK_POLL: Duration = Duration::from_secs(1);

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
    /// Whether the connection is up, and since when.
    pub link: watch::Receiver<Link>,
}

/// The gateway connection as `/healthz` reports it, with the time of its last change on the bot's
/// clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// READY or RESUMED came, and the connection has not dropped since.
    Connected { since: DateTime<Utc> },
    /// Still connecting at start-up, or reconnecting since the connection dropped.
    Disconnected { since: DateTime<Utc> },
}

impl Link {
    pub fn is_connected(&self) -> bool {
        matches!(self, Link::Connected { .. })
    }

    pub fn since(&self) -> DateTime<Utc> {
        match self {
            Link::Connected { since } | Link::Disconnected { since } => *since,
        }
    }

    /// The link once the gateway is found `connected` (or not) at `now`: its time moves only when
    /// the state changes, so the stages of one reconnection count from the drop.
    pub fn update(self, connected: bool, now: DateTime<Utc>) -> Link {
        match (self, connected) {
            (Link::Connected { .. }, true) | (Link::Disconnected { .. }, false) => self,
            (_, true) => Link::Connected { since: now },
            (_, false) => Link::Disconnected { since: now },
        }
    }
}

/// Follows the connection: READY and RESUMED mean connected, and each change of the shard's stage
/// says whether it still is. serenity runs every event handler it was given, this one beside
/// [`handler::Handler`]; [`follow_runners`] tells it what the shard manager knows.
struct LinkWatch {
    link: watch::Sender<Link>,
    clock: Arc<dyn Clock>,
    metrics: Metrics,
}

impl LinkWatch {
    fn set(&self, connected: bool) {
        let now = self.clock.now();
        self.link.send_if_modified(|link| {
            let next = link.update(connected, now);
            std::mem::replace(link, next) != next
        });
        self.metrics.gateway_connected(Platform::Discord, connected);
    }
}

/// Every [`LINK_POLL`]: connected only while the shard manager records a shard as connected. A
/// shard restarted after a failed resume is recorded in the stage it failed in; while the gateway
/// cannot be reached no new shard replaces it. (A shard restarted to identify again stays recorded as
/// connected until its successor reports its stages: a short gap when the gateway answers.)
async fn follow_runners(manager: Arc<ShardManager>, watch: Arc<LinkWatch>) {
    let mut every = tokio::time::interval(LINK_POLL);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        every.tick().await;
        let connected = manager.runners.lock().await.values().any(|r| r.stage == ConnectionStage::Connected);
        watch.set(connected);
    }
}

#[serenity::async_trait]
impl EventHandler for LinkWatch {
    async fn ready(&self, _ctx: Context, _ready: Ready) {
        self.set(true);
    }

    async fn resume(&self, _ctx: Context, _resumed: ResumedEvent) {
        self.set(true);
    }

    async fn shard_stage_update(&self, _ctx: Context, event: ShardStageUpdateEvent) {
        self.set(event.new == ConnectionStage::Connected);
    }
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
    let (link, link_rx) = watch::channel(Link::Disconnected { since: bot.now() });
    bot.metrics.gateway_connected(Platform::Discord, false);
    let watcher = Arc::new(LinkWatch { link, clock: bot.clock.clone(), metrics: bot.metrics.clone() });
    let handler = handler::Handler::new(bot, guild);
    let http = build_http(token, &api_base, client.clone());
    let mut gateway = serenity::all::ClientBuilder::new_with_http(http, GatewayIntents::GUILDS)
        .event_handler(handler)
        .event_handler_arc(watcher.clone())
        .raw_event_handler(raw)
        .await
        .map_err(|e| anyhow::anyhow!("cannot build the Discord client: {}", handler::describe(&e)))?;
    let rest = Rest { http: gateway.http.clone(), client };
    let shard_manager = gateway.shard_manager.clone();
    let (tx, stopped) = tokio::sync::oneshot::channel();
    let follow = tokio::spawn(follow_runners(shard_manager.clone(), watcher));
    tokio::spawn(async move {
        let started = gateway.start().await;
        follow.abort();
        let end = match started {
            Ok(()) => GatewayEnd::Closed,
            Err(serenity::Error::Gateway(serenity::gateway::GatewayError::InvalidAuthentication)) => {
                GatewayEnd::Unauthorized
            }
            Err(e) => GatewayEnd::Failed(handler::describe(&e)),
        };
        let _ = tx.send(end);
    });
    Ok(Gateway { shard_manager, rest, stopped, link: link_rx })
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_link_keeps_its_time_until_its_state_changes() {
        let at = |minute| Utc.with_ymd_and_hms(2026, 2, 9, 0, minute, 0).unwrap();
        let start = Link::Disconnected { since: at(0) };
        // Handshake, identifying: still connecting since the start.
        assert_eq!(start.update(false, at(1)), start);
        let up = start.update(true, at(2));
        assert_eq!(up, Link::Connected { since: at(2) });
        assert_eq!(up.update(true, at(3)), up, "READY and the stage change both say connected");
        let down = up.update(false, at(4));
        assert_eq!((down.is_connected(), down.since()), (false, at(4)));
        assert_eq!(down.update(false, at(9)).since(), at(4), "resuming, then re-identifying: down since the drop");
    }
}
