//! `digestbot serve`: wires the Discord gateway, the Slack endpoint, the delivery sinks, the digests
//! watcher and the weekly scheduler together, and stops them gracefully on SIGINT or SIGTERM.
//!
//! Tokens come from the environment only: `DISCORD_TOKEN`, `SLACK_BOT_TOKEN` and
//! `SLACK_SIGNING_SECRET`. Either platform runs alone or both together; webhooks need no token; Slack
//! with the bot token alone posts but takes no commands (only `/healthz` is served). On a
//! signal, deliveries stop before their next message (the ledger has every part already posted) and
//! the gateway is closed.
//!
//! `serve` holds the state file's lock for its lifetime (a second instance exits 4), and stops with
//! exit code 5 as soon as a write finds the state lost (deleted, replaced, full or read-only), so that
//! a supervisor restarts it on the real file.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::bot::Bot;
use crate::clock::Clock;
use crate::config::Config;
use crate::deliver::Deliverer;
use crate::discord;
use crate::files::LibraryHandle;
use crate::logging::untrusted;
use crate::scheduler::{Scheduler, SchedulerError};
use crate::secret::Secret;
use crate::slack;
use crate::store::{Platform, StateLost, Store, StoreError};

/// How often the digests folder is checked for new or changed files.
pub const RELOAD_EVERY: Duration = Duration::from_secs(30);
/// How long shutdown waits for in-flight deliveries.
const DRAIN: Duration = Duration::from_secs(30);

/// The environment variable holding the Discord bot token.
pub const DISCORD_TOKEN_VAR: &str = "DISCORD_TOKEN";

/// The tokens, from the environment; a blank variable counts as unset.
#[derive(Debug, Default, Clone)]
pub struct Credentials {
    pub discord: Option<Secret>,
    pub slack: slack::Credentials,
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl Credentials {
    pub fn from_env() -> Credentials {
        let discord =
            env_var(DISCORD_TOKEN_VAR).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).map(Secret::new);
        Credentials { discord, slack: slack::Credentials::from_env(env_var) }
    }

    /// The signing secret, when both Slack values are set (the endpoint needs both).
    fn slack_endpoint(&self) -> Option<Secret> {
        self.slack.token.as_ref().and(self.slack.signing_secret.clone())
    }
}

/// A deliverer with a sink for every platform the environment and config allow.
pub fn deliverer(
    config: &Config,
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<Deliverer> {
    Ok(deliverer_and_slack(config, store, clock, shutdown)?.0)
}

/// [`deliverer`], and its `chat.postMessage` sink when there is a Slack bot token (`serve` checks
/// the token's scopes with it at start-up).
fn deliverer_and_slack(
    config: &Config,
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<(Deliverer, Option<Arc<slack::SlackApi>>)> {
    let credentials = Credentials::from_env();
    let mut deliverer = Deliverer::new(store, clock, config.locale, shutdown);
    let client = slack::http::client()?;
    if let Some(token) = &credentials.discord {
        let rest = discord::Rest::new(token, &config.discord.api_base)?;
        deliverer = deliverer.with_sink(Platform::Discord, Arc::new(discord::rest::ChannelSink::new(rest)));
    }
    if !config.discord.webhooks.is_empty() {
        let sink = discord::rest::WebhookSink::from_config(
            client.clone(),
            &config.discord.api_base,
            &config.discord.webhooks,
            env_var,
        );
        deliverer = deliverer.with_sink(Platform::DiscordWebhook, Arc::new(sink));
    }
    let api = credentials.slack.token.as_ref().map(|token| slack::api_sink(&config.slack, token, &client));
    if let Some(api) = &api {
        deliverer = deliverer.with_sink(Platform::Slack, api.clone());
    }
    // Webhooks only: the bot token's sink is the one above.
    for (platform, sink) in slack::sinks(&config.slack, None, &client, env_var) {
        deliverer = deliverer.with_sink(platform, sink);
    }
    Ok((deliverer, api))
}

/// Exit code when a platform refuses its token.
pub const EXIT_UNAUTHORIZED: u8 = 3;
/// Exit code when another process holds the state file's lock.
pub const EXIT_LOCKED: u8 = 4;
/// Exit code when the state database can no longer record deliveries: deleted, replaced, full or
/// read-only.
pub const EXIT_STATE_LOST: u8 = 5;

/// The exit code of a fatal error of `serve` or `post`: each cause that a supervisor or an operator
/// treats differently has its own.
pub fn exit_code(e: &anyhow::Error) -> ExitCode {
    let store = e.downcast_ref::<StoreError>().or(match e.downcast_ref() {
        Some(SchedulerError::Store(store)) => Some(store),
        _ => None,
    });
    let refused = matches!(e.downcast_ref(), Some(SchedulerError::Unauthorized { .. }))
        || matches!(e.downcast_ref(), Some(discord::GatewayEnd::Unauthorized));
    match store {
        Some(StoreError::Locked { .. }) => ExitCode::from(EXIT_LOCKED),
        Some(StoreError::Lost(_)) => ExitCode::from(EXIT_STATE_LOST),
        _ if e.downcast_ref::<StateLost>().is_some() => ExitCode::from(EXIT_STATE_LOST),
        // A refused token will be refused again: a distinct code lets a supervisor stop retrying.
        _ if refused => ExitCode::from(EXIT_UNAUTHORIZED),
        _ => ExitCode::FAILURE,
    }
}

/// Runs the bot until a signal or a fatal error. Exit codes: 0 after a signal, 1 on a fatal error,
/// 2 when there is nothing to run (no token and no webhook), 3 when a platform refuses its token, 4
/// when another process holds the state file, 5 when the state file is lost (see [`EXIT_STATE_LOST`]).
pub async fn run(config: Config, clock: Arc<dyn Clock>) -> ExitCode {
    let credentials = Credentials::from_env();
    let slack_posts = credentials.slack.token.is_some();
    let has_webhooks = !config.discord.webhooks.is_empty() || !config.slack.webhooks.is_empty();
    if credentials.discord.is_none() && !slack_posts && !has_webhooks {
        eprintln!(
            "error: DISCORD_TOKEN is not set.\n\
             Set it to your Discord bot's token (Developer Portal > your application > Bot > Reset Token), e.g.\n\
             \n    export DISCORD_TOKEN='...'\n\n\
             For Slack, set SLACK_BOT_TOKEN (to post) and SLACK_SIGNING_SECRET (to answer /digest) instead\n\
             (or as well). See README.md."
        );
        return ExitCode::from(2);
    }
    match (&credentials.slack.token, &credentials.slack.signing_secret) {
        (Some(_), None) => info!(
            "Slack commands are off because SLACK_SIGNING_SECRET is not set: digestbot posts to Slack channels and serves only /healthz on slack.listen"
        ),
        (None, Some(_)) => {
            warn!("SLACK_SIGNING_SECRET is set without SLACK_BOT_TOKEN; Slack commands and posts stay off")
        }
        _ => {}
    }
    match serve(config, clock, credentials).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!(error = %untrusted(&format!("{e:#}")), "stopped");
            eprintln!("error: {e:#}");
            exit_code(&e)
        }
    }
}

async fn serve(config: Config, clock: Arc<dyn Clock>, credentials: Credentials) -> anyhow::Result<()> {
    let config = Arc::new(config);
    // First: a second instance stops here, before it connects anywhere or delivers anything.
    let store = Arc::new(Store::open_exclusive(&config.state_path)?);
    let mut state_lost = store.lost();
    // Parsing every digest is blocking work: keep it off the runtime's workers.
    let (dir, limits) = (config.digests_dir.clone(), config.limits);
    let library = tokio::task::spawn_blocking(move || LibraryHandle::open(&dir, limits))
        .await
        .context("loading the digests folder failed")??;
    let bot = Bot { config: config.clone(), library: library.clone(), store: store.clone(), clock: clock.clone() };
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let (deliverer, slack_api) = deliverer_and_slack(&config, store, clock, shutdown_rx.clone())?;
    let deliverer = Arc::new(deliverer);
    if let Some(api) = slack_api {
        // Once, at start-up: a missing history scope is logged now. A delivery that needs the answer
        // first waits for this same call.
        tokio::spawn(async move {
            api.identity().await;
        });
    }

    let gateway = match &credentials.discord {
        Some(token) => {
            let rest = discord::Rest::new(token, &config.discord.api_base)?;
            Some(discord::start(bot.clone(), token, &rest).await?)
        }
        None => None,
    };

    let slack_server = match credentials.slack_endpoint() {
        Some(secret) => {
            let listener = tokio::net::TcpListener::bind(config.slack.listen)
                .await
                .with_context(|| format!("cannot listen on slack.listen = {}", config.slack.listen))?;
            let state = slack::SlackState::new(bot.clone(), secret)?;
            let mut stop = shutdown_rx.clone();
            let stopped = async move {
                let _ = stop.wait_for(|stop| *stop).await;
            };
            Some(tokio::spawn(slack::serve(listener, state, stopped)))
        }
        // Post-only Slack: no commands, but the health check stays up for the supervisor's probes.
        None if credentials.slack.token.is_some() => match tokio::net::TcpListener::bind(config.slack.listen).await {
            Ok(listener) => {
                let mut stop = shutdown_rx.clone();
                let stopped = async move {
                    let _ = stop.wait_for(|stop| *stop).await;
                };
                Some(tokio::spawn(slack::serve_health(listener, stopped)))
            }
            Err(e) => {
                warn!(listen = %config.slack.listen, error = %e, "cannot listen on slack.listen for /healthz; posting to Slack goes on");
                None
            }
        },
        None => None,
    };

    let reloader = tokio::spawn(reload_loop(library, shutdown_rx.clone()));
    let mut scheduler = tokio::spawn(Scheduler::new(bot, deliverer).run(shutdown_rx.clone()));
    let mut gateway = gateway;
    let gateway_stopped = async {
        match gateway.as_mut() {
            Some(g) => {
                (&mut g.stopped).await.unwrap_or_else(|_| discord::GatewayEnd::Failed("the client task ended".into()))
            }
            None => std::future::pending().await,
        }
    };

    let outcome: anyhow::Result<()> = tokio::select! {
        signal = shutdown_signal() => {
            info!(signal, "shutting down");
            Ok(())
        }
        result = &mut scheduler => match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.into()),
            Err(e) => Err(anyhow::anyhow!("the scheduler stopped unexpectedly: {e}")),
        },
        end = gateway_stopped => Err(end.into()),
        // A subscription or the ledger found the state lost: every later write would fail too.
        Ok(lost) = state_lost.wait_for(Option::is_some) => {
            Err(lost.clone().map_or_else(|| anyhow::anyhow!("the state database was lost"), Into::into))
        }
    };

    let _ = shutdown_tx.send(true);
    if !scheduler.is_finished() {
        match tokio::time::timeout(DRAIN, &mut scheduler).await {
            Ok(_) => info!("deliveries drained"),
            Err(_) => warn!("deliveries still running after {DRAIN:?}; the ledger resumes them at the next start"),
        }
    }
    reloader.abort();
    if let Some(server) = slack_server {
        match tokio::time::timeout(Duration::from_secs(10), server).await {
            Ok(Ok(Err(e))) => warn!(error = %e, "the Slack endpoint stopped with an error"),
            Err(_) => warn!("the Slack endpoint did not stop in time"),
            _ => info!("Slack endpoint closed"),
        }
    }
    if let Some(gateway) = gateway {
        // After the client stopped on its own there is no connection left to close.
        if gateway.stopped.is_terminated() {
            return outcome;
        }
        gateway.shutdown().await;
        info!("Discord gateway closed");
    }
    outcome
}

async fn reload_loop(library: LibraryHandle, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(RELOAD_EVERY) => {}
            _ = shutdown.changed() => return,
        }
        if let Err(e) = library.reload().await {
            warn!(error = %untrusted(&format!("{e:#}")), "could not re-read the digests folder");
        }
    }
}

/// Completes on SIGINT or SIGTERM, naming which.
async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}
