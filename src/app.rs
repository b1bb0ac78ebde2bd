//! The assembly of `digestbot serve`: [`App::build`] wires the state, the digests, the metrics, the
//! delivery sinks, the Discord gateway and the HTTP listener from a config, the credentials and a
//! clock; [`App::run`] serves until a shutdown future completes, then stops everything gracefully.
//! The integration tests start this same `App` against the platform fakes.
//!
//! Nothing here reads the environment: [`Credentials::from_env`] is called once, by the command line,
//! and the result is passed in. Either platform runs alone or both together; webhooks need no token.
//! The HTTP listener (`http.listen`, [`crate::web`]) always runs: `/healthz`, `/metrics` when
//! `http.metrics` is on, and Slack's routes when the signing secret is set (Slack with the bot token
//! alone posts but takes no commands). One [`Metrics`] registry per app counts what its parts do. On
//! shutdown, deliveries stop before their next message (the ledger has every part already posted),
//! the listener drains and the gateway is closed.
//!
//! The app holds the state file's lock for its lifetime (a second instance exits 4), and stops with
//! exit code 5 as soon as a write finds the state lost (deleted, replaced, full or read-only), so that
//! a supervisor restarts it on the real file.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::bot::Bot;
use crate::clock::Clock;
use crate::config::Config;
use crate::corrections::Corrector;
use crate::deliver::{Deliverer, Report, RetryPolicy, Sink};
use crate::discord;
use crate::editors::Editors;
use crate::files::LibraryHandle;
use crate::health::Health;
use crate::http;
use crate::logging::untrusted;
use crate::metrics::Metrics;
use crate::scheduler::{Scheduler, SchedulerError};
use crate::secret::{Secret, WebhookRef};
use crate::slack::{self, EndpointLimits, SlackApi, SlackState};
use crate::store::{StateLost, Store, StoreError};
use crate::target::{Platform, ThreadDefaults};
use crate::web::{self, Site};

/// How long shutdown waits for in-flight deliveries.
const DRAIN: Duration = Duration::from_secs(30);
/// How long shutdown waits for the HTTP listener's open requests.
const ENDPOINT_DRAIN: Duration = Duration::from_secs(10);

/// The environment variable holding the Discord bot token.
pub const DISCORD_TOKEN_VAR: &str = "DISCORD_TOKEN";

/// Exit code when a platform refuses its token.
pub const EXIT_UNAUTHORIZED: u8 = 3;
/// Exit code when another process holds the state file's lock.
pub const EXIT_LOCKED: u8 = 4;
/// Exit code when the state database can no longer record deliveries: deleted, replaced, full or
/// read-only.
pub const EXIT_STATE_LOST: u8 = 5;

/// Every secret the bot needs, read once: the tokens, and the URLs of the webhooks the config names
/// by environment variable. A blank variable counts as unset.
#[derive(Debug, Default, Clone)]
pub struct Credentials {
    pub discord: Option<Secret>,
    pub slack: slack::Credentials,
    /// Variable name -> webhook URL, for the config's `WebhookRef::Env` entries that are set.
    pub webhooks: BTreeMap<String, Secret>,
}

impl Credentials {
    /// Reads the credentials from the process environment.
    pub fn from_env(config: &Config) -> Credentials {
        Credentials::from_lookup(config, |name| std::env::var(name).ok())
    }

    /// Reads the credentials through `lookup` (tests pass a map).
    pub fn from_lookup(config: &Config, lookup: impl Fn(&str) -> Option<String>) -> Credentials {
        let read = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).map(Secret::new);
        let webhooks = config
            .discord
            .webhooks
            .iter()
            .chain(&config.slack.webhooks)
            .filter_map(|webhook| match webhook {
                WebhookRef::Env(name) => read(name).map(|url| (name.clone(), url)),
                WebhookRef::Url(_) => None,
            })
            .collect();
        Credentials { discord: read(DISCORD_TOKEN_VAR), slack: slack::Credentials::from_env(&lookup), webhooks }
    }

    /// The webhook URL behind an environment variable's name, as `WebhookRef::resolve` asks for it.
    pub fn webhook(&self, name: &str) -> Option<String> {
        self.webhooks.get(name).map(|url| url.expose().to_string())
    }

    /// The signing secret, when both Slack values are set (the endpoint needs both).
    fn slack_endpoint(&self) -> Option<Secret> {
        self.slack.token.as_ref().and(self.slack.signing_secret.clone())
    }

    /// Whether anything can be delivered or answered with these credentials and this config.
    pub fn can_run(&self, config: &Config) -> bool {
        let has_webhooks = !config.discord.webhooks.is_empty() || !config.slack.webhooks.is_empty();
        self.discord.is_some() || self.slack.token.is_some() || has_webhooks
    }
}

/// The sinks for every platform the credentials and config allow, and the Slack Web API client when
/// there is a bot token (the app asks it for the token's scopes at start-up). `client` is the
/// process's one HTTP client ([`crate::http::client`]); `discord` its Discord REST client, when it has
/// a token.
pub fn deliverer(
    config: &Config,
    credentials: &Credentials,
    client: &reqwest::Client,
    discord: Option<&discord::Rest>,
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    shutdown: watch::Receiver<bool>,
) -> (Deliverer, Option<Arc<SlackApi>>) {
    let lookup = |name: &str| credentials.webhook(name);
    let api = credentials.slack.token.as_ref().map(|token| slack::api_sink(&config.slack, token, client));
    let mut sinks: Vec<(Platform, Arc<dyn Sink>)> = discord::sinks(&config.discord, discord, client, lookup);
    if let Some(api) = &api {
        sinks.push((Platform::Slack, api.clone()));
    }
    // Webhooks only: the bot token's sink is the one above.
    sinks.extend(slack::sinks(&config.slack, None, client, lookup));
    let deliverer = sinks
        .into_iter()
        .fold(Deliverer::new(store, clock, config.locale, shutdown), |d, (platform, sink)| d.with_sink(platform, sink))
        .with_threads(ThreadDefaults { discord: config.discord.threads, slack: config.slack.threads });
    (deliverer, api)
}

/// Where the HTTP listener listens.
pub enum Listener {
    /// A socket the caller bound (the tests bind `127.0.0.1:0`).
    Bound(TcpListener),
    /// `http.listen` (or the deprecated `slack.listen` standing in for it), bound by [`App::build`]
    /// once it holds the state file, so that a second instance is refused for the state rather than
    /// for the port.
    FromConfig,
}

/// Who runs the weekly slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slots {
    /// The app's own loop, as `serve` does.
    Loop,
    /// The caller, step by step through [`App::scheduler`] (tests that assert on each step).
    Stepped,
}

/// The running bot, built once for `serve` and for the integration tests.
pub struct App {
    bot: Bot,
    deliverer: Deliverer,
    slack_api: Option<Arc<SlackApi>>,
    gateway: Option<discord::Gateway>,
    /// The HTTP listener's socket, and what it serves.
    listener: TcpListener,
    site: Site,
    endpoint_limits: EndpointLimits,
    slots: Slots,
    shutdown: watch::Sender<bool>,
}

impl App {
    /// Opens the state (taking its lock first: a second instance stops here, before it connects
    /// anywhere), loads the digests, binds the HTTP listener, builds the sinks, and connects the
    /// Discord gateway when there is a token.
    pub async fn build(
        config: Config,
        credentials: Credentials,
        clock: Arc<dyn Clock>,
        listener: Listener,
    ) -> anyhow::Result<App> {
        let config = Arc::new(config);
        let store = Arc::new(Store::open_exclusive(&config.state_path)?);
        // Parsing every digest is blocking work: keep it off the runtime's workers.
        let (dir, limits) = (config.digests_dir.clone(), config.limits);
        let library = tokio::task::spawn_blocking(move || LibraryHandle::open(&dir, limits))
            .await
            .context("loading the digests folder failed")??;
        let metrics = Metrics::new();
        if let Some(slot) = store.last_slot()? {
            metrics.slot_ran(slot);
        }
        let library = library.with_metrics(metrics.clone());
        let bot = Bot { config: config.clone(), library, store: store.clone(), clock: clock.clone(), metrics };
        let (shutdown, shutdown_rx) = watch::channel(false);
        if let Some(notice) = config.listen_notice() {
            warn!("{notice}");
        }
        // Before the gateway: a port in use stops the start before it connects anywhere.
        let listener = bind(listener, &config).await?;

        // One HTTP client for the process: both platforms' REST calls and webhooks.
        let client = http::client()?;
        let gateway = match &credentials.discord {
            Some(token) => Some(discord::start(bot.clone(), token, client.clone()).await?),
            None => None,
        };
        let rest = gateway.as_ref().map(|g| &g.rest);
        let (deliverer, slack_api) = deliverer(&config, &credentials, &client, rest, store, clock, shutdown_rx);
        let deliverer = deliverer.with_metrics(bot.metrics.clone());

        let site = Site {
            health: Health::new(bot.clone(), gateway.as_ref().map(|g| g.link.clone())),
            metrics: config.http.metrics.then(|| bot.metrics.clone()),
            slack: credentials.slack_endpoint().map(|secret| SlackState::new(bot.clone(), secret)).transpose()?,
        };
        Ok(App {
            bot,
            deliverer,
            slack_api,
            gateway,
            listener,
            site,
            endpoint_limits: EndpointLimits::default(),
            slots: Slots::Loop,
            shutdown,
        })
    }

    /// What the commands run against: config, digests, state and clock.
    pub fn bot(&self) -> &Bot {
        &self.bot
    }

    /// The HTTP listener's address (always bound once built).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// A scheduler over the app's own bot and sinks.
    pub fn scheduler(&self) -> Scheduler {
        Scheduler::new(self.bot.clone(), Arc::new(self.deliverer.clone())).with_editors(self.editors())
    }

    /// The editors' channel over the app's own bot and sinks, when the config names one.
    pub fn editors(&self) -> Option<Arc<Editors>> {
        Editors::new(self.bot.clone(), Arc::new(self.deliverer.clone())).map(Arc::new)
    }

    /// A corrections watcher over the app's own bot and sinks.
    pub fn corrector(&self) -> Corrector {
        Corrector::new(self.bot.clone(), Arc::new(self.deliverer.clone()))
    }

    /// The deliverer with the app's sinks (for `post`-like one-off deliveries in tests).
    pub fn deliverer(&self) -> &Deliverer {
        &self.deliverer
    }

    /// Replaces the retry bounds of every delivery (tests retry in milliseconds).
    pub fn with_retry(mut self, retry: RetryPolicy) -> App {
        self.deliverer = self.deliverer.with_retry(retry);
        self
    }

    /// Replaces the HTTP listener's connection limits (tests use small ones).
    pub fn with_endpoint_limits(mut self, limits: EndpointLimits) -> App {
        self.endpoint_limits = limits;
        self
    }

    /// Leaves the weekly slots to the caller: [`App::run`] serves everything but the scheduler loop
    /// and the start-up look at the Slack token's scopes, which the first delivery then makes.
    pub fn stepped(mut self) -> App {
        self.slots = Slots::Stepped;
        self
    }

    /// Serves until `shutdown` completes (`Ok`), or until a fatal error: the scheduler or the gateway
    /// stopped, the state was lost. Either way everything is stopped before it returns.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let App { bot, deliverer, slack_api, gateway, listener, site, endpoint_limits, slots, shutdown: stop } = self;
        let stopping = stop.subscribe();
        let mut state_lost = bot.store.lost();
        if let Some(api) = slack_api.filter(|_| slots == Slots::Loop) {
            // Once, at start-up: a missing history scope is logged now. A delivery that needs the
            // answer first waits for this same call (and makes it, when the slots are stepped).
            tokio::spawn(async move {
                api.identity().await;
            });
        }
        let endpoint = tokio::spawn(web::serve(listener, site, endpoint_limits, stopped(stopping.clone())));
        let deliverer = Arc::new(deliverer);
        // Stepped apps leave corrections and the editors' channel to the caller too
        // ([`App::corrector`], [`App::editors`]).
        let looping = slots == Slots::Loop;
        let corrector = looping.then(|| Corrector::new(bot.clone(), deliverer.clone()));
        let editors = Editors::new(bot.clone(), deliverer.clone()).map(Arc::new).filter(|_| looping);
        let mut watcher = tokio::spawn(watch_digests(
            bot.library.clone(),
            corrector,
            editors.clone(),
            bot.config.digests_poll,
            stopping.clone(),
        ));
        let scheduler = Scheduler::new(bot, deliverer).with_editors(editors);
        let mut scheduler = match slots {
            Slots::Loop => Some(tokio::spawn(scheduler.run(stopping.clone()))),
            Slots::Stepped => None,
        };
        let mut gateway = gateway;
        let gateway_stopped = async {
            match gateway.as_mut() {
                Some(g) => (&mut g.stopped)
                    .await
                    .unwrap_or_else(|_| discord::GatewayEnd::Failed("the client task ended".into())),
                None => std::future::pending().await,
            }
        };
        let scheduler_stopped = async {
            match scheduler.as_mut() {
                Some(task) => task.await,
                None => std::future::pending().await,
            }
        };

        let outcome: anyhow::Result<()> = tokio::select! {
            () = shutdown => Ok(()),
            result = scheduler_stopped => match result {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(e.into()),
                Err(e) => Err(anyhow::anyhow!("the scheduler stopped unexpectedly: {e}")),
            },
            end = gateway_stopped => Err(end.into()),
            // Only a refused token or a lost state ends the watcher before the shutdown.
            result = &mut watcher => match result {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(e.into()),
                Err(e) => Err(anyhow::anyhow!("the digests watcher stopped unexpectedly: {e}")),
            },
            // A subscription or the ledger found the state lost: every later write would fail too.
            Ok(lost) = state_lost.wait_for(Option::is_some) => {
                Err(lost.clone().map_or_else(|| anyhow::anyhow!("the state database was lost"), Into::into))
            }
        };

        let _ = stop.send(true);
        if let Some(mut scheduler) = scheduler.filter(|task| !task.is_finished()) {
            match tokio::time::timeout(DRAIN, &mut scheduler).await {
                Ok(_) => info!("deliveries drained"),
                Err(_) => warn!("deliveries still running after {DRAIN:?}; the ledger resumes them at the next start"),
            }
        }
        // A correction in progress stops before its next part, as deliveries do.
        if !watcher.is_finished() && tokio::time::timeout(DRAIN, &mut watcher).await.is_err() {
            warn!("a correction was still running after {DRAIN:?}; the ledger resumes it at the next start");
            watcher.abort();
        }
        match tokio::time::timeout(ENDPOINT_DRAIN, endpoint).await {
            Ok(Ok(Err(e))) => warn!(error = %e, "the HTTP endpoint stopped with an error"),
            Err(_) => warn!("the HTTP endpoint did not stop in time"),
            _ => info!("HTTP endpoint closed"),
        }
        if let Some(gateway) = gateway {
            // After the client stopped on its own there is no connection left to close.
            if !gateway.stopped.is_terminated() {
                gateway.shutdown().await;
                info!("Discord gateway closed");
            }
        }
        outcome
    }
}

/// Completes when `stop` turns true.
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// The HTTP listener's socket.
async fn bind(listener: Listener, config: &Config) -> anyhow::Result<TcpListener> {
    match listener {
        Listener::Bound(listener) => Ok(listener),
        Listener::FromConfig => TcpListener::bind(config.http.listen)
            .await
            .with_context(|| format!("cannot listen on http.listen = {}", config.http.listen)),
    }
}

/// Every `every`: re-reads the digests folder, then corrects what changed in posted digests. Ends
/// with an error when a platform refuses the token or the state is lost during a correction.
async fn watch_digests(
    library: LibraryHandle,
    corrector: Option<Corrector>,
    editors: Option<Arc<Editors>>,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), SchedulerError> {
    let tell = |result: Result<(), StoreError>| match result {
        Err(e) if e.lost().is_some() => Err(SchedulerError::from(e)),
        Err(e) => {
            warn!(error = %e, "could not update the editors' channel");
            Ok(())
        }
        Ok(()) => Ok(()),
    };
    loop {
        // The files as loaded at start-up are told first, then after each look.
        if let Some(editors) = &editors {
            tell(editors.library_changed(&library.current()).await)?;
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return Ok(()),
        }
        if let Err(e) = library.reload().await {
            warn!(error = %untrusted(&format!("{e:#}")), "could not re-read the digests folder");
        }
        // Not raced against the shutdown: a correction stops between parts on its own (the
        // deliverer watches the same signal), so no request is cut off in flight.
        if let Some(corrector) = &corrector {
            match corrector.step().await {
                Ok(reports) => {
                    if let Some((platform, message)) = reports.iter().flat_map(Report::unauthorized).next() {
                        return Err(SchedulerError::Unauthorized { platform: platform.service(), message });
                    }
                    if let Some(lost) = reports.iter().find_map(Report::state_lost) {
                        return Err(StoreError::Lost(lost.clone()).into());
                    }
                    if let Some(editors) = &editors {
                        for report in &reports {
                            tell(editors.deliveries(report).await)?;
                        }
                    }
                }
                Err(e) if e.lost().is_some() => return Err(e.into()),
                Err(e) => warn!(error = %untrusted(&format!("{e:#}")), "could not look for corrections"),
            }
        }
    }
}

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

/// `digestbot serve`: runs the bot until SIGINT or SIGTERM or a fatal error. Exit codes: 0 after a
/// signal, 1 on a fatal error, 2 when there is nothing to run (no token and no webhook), 3 when a
/// platform refuses its token, 4 when another process holds the state file, 5 when the state file is
/// lost (see [`EXIT_STATE_LOST`]).
pub async fn serve(config: Config, credentials: Credentials, clock: Arc<dyn Clock>) -> ExitCode {
    if !credentials.can_run(&config) {
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
            "Slack commands are off because SLACK_SIGNING_SECRET is not set: digestbot posts to Slack channels, and http.listen serves no Slack route"
        ),
        (None, Some(_)) => {
            warn!("SLACK_SIGNING_SECRET is set without SLACK_BOT_TOKEN; Slack commands and posts stay off")
        }
        _ => {}
    }
    let result = async {
        let app = App::build(config, credentials, clock, Listener::FromConfig).await?;
        app.run(async {
            let signal = shutdown_signal().await;
            info!(signal, "shutting down");
        })
        .await
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!(error = %untrusted(&format!("{e:#}")), "stopped");
            eprintln!("error: {e:#}");
            exit_code(&e)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_read_once_with_the_webhook_variables_the_config_names() {
        let mut config = Config::default();
        config.discord.webhooks = vec![WebhookRef::Env("DISCORD_HOOK".into()), WebhookRef::Env("UNSET".into())];
        config.slack.webhooks = vec![WebhookRef::Env("SLACK_HOOK".into())];
        let env = |name: &str| match name {
            DISCORD_TOKEN_VAR => Some(" token ".to_string()),
            "DISCORD_HOOK" => Some("https://discord.com/api/webhooks/1/x".to_string()),
            "SLACK_HOOK" => Some("  ".to_string()),
            "OTHER" => Some("https://example.com/not-named".to_string()),
            _ => None,
        };
        let credentials = Credentials::from_lookup(&config, env);
        assert_eq!(credentials.discord, Some(Secret::new("token")));
        assert_eq!(credentials.webhooks.keys().collect::<Vec<_>>(), ["DISCORD_HOOK"], "blank and unnamed are left out");
        assert_eq!(credentials.webhook("DISCORD_HOOK").as_deref(), Some("https://discord.com/api/webhooks/1/x"));
        assert!(credentials.can_run(&config));
        assert!(!Credentials::default().can_run(&Config::default()));
        // The debug form shows no secret.
        assert!(!format!("{credentials:?}").contains("api/webhooks"));
    }
}
