//! The command line: `check`, `preview`, `ask`, `schedule`, `post`, `serve` and `status`.
//!
//! Each subcommand loads what it needs (config, digests, state), calls the core, and prints. Global
//! options: `--config` (default `config/digestbot.yaml`), `--digests` (overrides the config's folder)
//! and `--now` (pretend the current time is this instant). A digest that fails to parse is reported
//! on stderr and skipped; only `check` turns such problems into a failing exit code.
//!
//! `post` (unless `--dry-run`) and `serve` deliver, so they hold the state file's lock: a second one
//! exits 4 naming the holder's pid. `check`, `preview`, `ask` and `schedule` never open the state
//! database, `post --dry-run` only reads it and `status` opens it read-only, so they work while the
//! bot runs.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::Value;

use crate::app::{self, Credentials};
use crate::bot::Bot;
use crate::clock::{Clock, OffsetClock, SystemClock};
use crate::command;
use crate::config::{self, Config};
use crate::deliver::{DeliverOptions, Deliverer, TargetOutcome};
use crate::digest::{Digest, Library};
use crate::discord::Rest;
use crate::files::{LibraryHandle, load_library};
use crate::logging::untrusted;
use crate::render::{self, limits};
use crate::store::Store;
use crate::target::{Platform, Target};

/// The default config path, relative to the current directory.
pub const DEFAULT_CONFIG: &str = "config/digestbot.yaml";

#[derive(Debug, Parser)]
#[command(name = "digestbot", version, about = "A team's weekly tech-blog digest, on Discord and Slack")]
pub struct Cli {
    /// The config file (default: config/digestbot.yaml; optional at that path).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The digests folder, overriding the config's `digests_dir`.
    #[arg(long, global = true, value_name = "DIR")]
    pub digests: Option<PathBuf>,
    /// Pretend the current time is this RFC 3339 instant (for previews and tests).
    #[arg(long, global = true, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
    #[command(subcommand)]
    pub command: Cmd,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Validate the config and every digest; print `path:line: message` per problem.
    Check,
    /// Render a digest as it will be posted.
    Preview {
        /// `latest` or an issue date (YYYY-MM-DD).
        #[arg(long, default_value = "latest")]
        digest: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Run a slash command against the library and print the reply.
    Ask {
        /// The command as typed in Slack, e.g. '/digest keyword ADR'.
        command: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print the next delivery instants.
    Schedule {
        #[arg(long, default_value_t = 5)]
        count: usize,
    },
    /// Deliver a digest now, respecting the ledger unless --force is given.
    Post {
        /// `latest` (default) or an issue date (YYYY-MM-DD).
        #[arg(long)]
        digest: Option<String>,
        /// A channel to post to (Discord id, or Slack id like C0123); repeatable. Default: every target.
        #[arg(long = "channel", value_name = "ID")]
        channels: Vec<String>,
        /// Print what would be posted where, and post nothing.
        #[arg(long)]
        dry_run: bool,
        /// Post even where the ledger says the digest was delivered.
        #[arg(long)]
        force: bool,
    },
    /// Run the bot: Discord gateway, Slack endpoint and the weekly scheduler.
    Serve,
    /// Did every target get the latest slot's digest? Reads the state (works while `serve` runs);
    /// exits 1 if some target is missing it.
    Status {
        /// The slot on this day (YYYY-MM-DD) instead of the latest.
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        slot: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
        format: StatusFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    Text,
    Json,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|e| format!("expected a date such as 2026-02-09 ({e})"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Discord,
    Slack,
}

fn parse_now(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("expected an RFC 3339 instant such as 2026-02-09T09:00:00+09:00 ({e})"))
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> ExitCode {
    let result = match &cli.command {
        Cmd::Check => return check(&cli),
        Cmd::Preview { digest, format } => preview(&cli, digest, *format),
        Cmd::Ask { command, format } => ask(&cli, command, *format),
        Cmd::Schedule { count } => schedule(&cli, *count),
        Cmd::Post { digest, channels, dry_run, force } => {
            post(&cli, digest.as_deref(), channels, *dry_run, *force).await
        }
        // Exit 1 means a target misses the digest; a status that cannot be given at all is 2.
        Cmd::Status { slot, format } => {
            return status(&cli, *slot, *format).unwrap_or_else(|e| {
                eprintln!("error: {e:#}");
                ExitCode::from(2)
            });
        }
        Cmd::Serve => match load_config(&cli) {
            Ok(config) => {
                // The one place the environment is read: the app gets the credentials passed in.
                let credentials = Credentials::from_env(&config);
                return app::serve(config, credentials, clock(&cli)).await;
            }
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            app::exit_code(&e)
        }
    }
}

fn clock(cli: &Cli) -> Arc<dyn Clock> {
    match cli.now {
        Some(now) => Arc::new(OffsetClock::starting_at(now)),
        None => Arc::new(SystemClock),
    }
}

fn now(cli: &Cli) -> DateTime<Utc> {
    cli.now.unwrap_or_else(Utc::now)
}

/// The config, with `--digests` applied.
fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = config::load(cli.config.as_deref(), Path::new(DEFAULT_CONFIG))?;
    if let Some(dir) = &cli.digests {
        config.digests_dir = dir.clone();
    }
    Ok(config)
}

/// The library, with every broken file reported on stderr.
fn library(config: &Config) -> anyhow::Result<Library> {
    let library = load_library(&config.digests_dir, config.limits)?;
    for error in library.errors() {
        // File names and the text quoted from a file are not ours: escaped, so they cannot forge lines.
        eprintln!("warning: skipped {}", untrusted(&error.to_string()));
    }
    Ok(library)
}

/// `latest` or a date, among the digests published by now.
fn pick<'a>(library: &'a Library, which: &str, config: &Config, now: DateTime<Utc>) -> anyhow::Result<&'a Digest> {
    let today = config.schedule.slot.local_date(now);
    if which == "latest" {
        return library.latest(today).with_context(|| format!("no digest is published as of {today}"));
    }
    let date = crate::digest::parse::parse_date(which)
        .with_context(|| format!("`{which}` is neither `latest` nor a date as YYYY-MM-DD"))?;
    library
        .all()
        .iter()
        .find(|d| d.date == date)
        .with_context(|| format!("there is no digest dated {date} in {}", config.digests_dir.display()))
}

fn print_json(values: &[Value]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, values)?;
    writeln!(out)?;
    Ok(())
}

fn check(cli: &Cli) -> ExitCode {
    let config = match load_config(cli) {
        Ok(config) => config,
        Err(e) => {
            // ConfigError displays as `path:line: message` already.
            println!("{e:#}");
            return ExitCode::FAILURE;
        }
    };
    let library = match load_library(&config.digests_dir, config.limits) {
        Ok(library) => library,
        Err(e) => {
            println!("{}: {e:#}", config.digests_dir.display());
            return ExitCode::FAILURE;
        }
    };
    let mut problems: Vec<String> = library.errors().iter().map(ToString::to_string).collect();
    for digest in library.all() {
        problems.extend(payload_problems(digest, &config).into_iter().map(|p| format!("{}:1: {p}", digest.path)));
    }
    for problem in &problems {
        // Problems quote digest text (a YAML value, a file name): nothing may reach the terminal raw.
        println!("{}", crate::logging::terminal_safe(problem));
    }
    if problems.is_empty() {
        let newest = library.all().first().map(Digest::id).unwrap_or_else(|| "none".into());
        println!("ok: {} digests, the newest {newest}", library.all().len());
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Limits a digest's rendered payloads would break (the encoders should make this impossible).
fn payload_problems(digest: &Digest, config: &Config) -> Vec<String> {
    let doc = render::digest_doc(digest, config.locale);
    let discord = render::discord::messages(&doc);
    let slack = render::slack::messages(&doc);
    let discord = discord.iter().flat_map(limits::check_discord_message).map(|p| format!("Discord: {p}"));
    let slack = slack.iter().flat_map(limits::check_slack_message).map(|p| format!("Slack: {p}"));
    discord.chain(slack).collect()
}

fn preview(cli: &Cli, which: &str, format: Format) -> anyhow::Result<ExitCode> {
    let config = load_config(cli)?;
    let library = library(&config)?;
    let digest = pick(&library, which, &config, now(cli))?;
    let doc = render::digest_doc(digest, config.locale);
    match format {
        Format::Text => print!("{}", render::text::render(&doc)),
        Format::Discord => print_json(&render::discord::messages(&doc))?,
        Format::Slack => print_json(&render::slack::messages(&doc))?,
    }
    Ok(ExitCode::SUCCESS)
}

fn ask(cli: &Cli, line: &str, format: Format) -> anyhow::Result<ExitCode> {
    let config = load_config(cli)?;
    let library = library(&config)?;
    let now = now(cli);
    let slot = &config.schedule.slot;
    let schedule = slot.to_string();
    let ctx = command::Context {
        library: &library,
        today: slot.local_date(now),
        locale: config.locale,
        next_delivery: slot.next_after(now).with_timezone(&slot.tz),
        schedule: &schedule,
    };
    let reply = match command::parse(line) {
        Ok(command) => match command::answer(&command, &ctx) {
            Some(reply) => reply,
            None => {
                bail!("`{}` changes or reads a chat channel's subscription; use it in Discord or Slack", command.name())
            }
        },
        Err(error) => command::error_reply(&error, config.locale),
    };
    match format {
        Format::Text => print!("{}", render::text::render(&reply.doc)),
        Format::Discord => print_json(&crate::discord::handler::interaction_messages(&reply))?,
        Format::Slack => {
            // Exactly what the Slack endpoint sends: the response, then the response_url follow-ups.
            let plan = crate::slack::reply::plan(&reply, config.locale);
            print_json(&std::iter::once(plan.response).chain(plan.followups).collect::<Vec<_>>())?
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn schedule(cli: &Cli, count: usize) -> anyhow::Result<ExitCode> {
    let config = load_config(cli)?;
    for at in config.schedule.slot.upcoming(now(cli), count) {
        println!("{}", at.to_rfc3339());
    }
    Ok(ExitCode::SUCCESS)
}

/// A `--channel` value: all digits is a Discord channel, anything else a Slack one.
fn channel_target(id: &str) -> Target {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        Target::new(Platform::Discord, id)
    } else {
        Target::new(Platform::Slack, id)
    }
}

/// `digestbot status`: the slot's deliveries from the state, read-only; exit 1 when a target lacks them.
fn status(cli: &Cli, date: Option<NaiveDate>, format: StatusFormat) -> anyhow::Result<ExitCode> {
    let config = Arc::new(load_config(cli)?);
    let clock = clock(cli);
    let store = match Store::open_read_only(&config.state_path)? {
        Some(store) => store,
        None => {
            eprintln!("note: no state file at {} yet: nothing was delivered", config.state_path.display());
            Store::in_memory()?
        }
    };
    let handle = LibraryHandle::open(&config.digests_dir, config.limits)?;
    let bot = Bot { config, library: handle, store: Arc::new(store), clock, metrics: Default::default() };
    let report = crate::status::report(&bot, date)?;
    match format {
        StatusFormat::Text => print!("{}", report.text()),
        StatusFormat::Json => println!("{}", serde_json::to_string_pretty(&report.json())?),
    }
    // A channel paused at the slot (found gone or forbidden) missed the digest too.
    Ok(if report.missing() + report.paused_missing() > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

async fn post(
    cli: &Cli,
    which: Option<&str>,
    channels: &[String],
    dry_run: bool,
    force: bool,
) -> anyhow::Result<ExitCode> {
    let config = Arc::new(load_config(cli)?);
    let clock = clock(cli);
    // A dry run only reads the ledger; a real one must be the only process delivering from it.
    let store =
        Arc::new(if dry_run { Store::open(&config.state_path)? } else { Store::open_exclusive(&config.state_path)? });
    let handle = LibraryHandle::open(&config.digests_dir, config.limits)?;
    let bot = Bot {
        config: config.clone(),
        library: handle.clone(),
        store: store.clone(),
        clock: clock.clone(),
        metrics: Default::default(),
    };
    let library = handle.current();
    let digest = pick(&library, which.unwrap_or("latest"), &config, clock.now())?;
    let targets: Vec<Target> = if channels.is_empty() {
        bot.targets(clock.now())?
    } else {
        channels.iter().map(|c| channel_target(c)).collect()
    };
    if targets.is_empty() {
        bail!("no target: subscribe a channel, list channels or webhooks in the config, or pass --channel");
    }
    if dry_run {
        let doc = render::digest_doc(digest, config.locale);
        for target in &targets {
            let mode = bot.thread_setting(target)?.mode;
            let parts = Deliverer::payloads(target.platform, &doc, mode, config.locale).len();
            let state = if Deliverer::already_delivered(&store, target, &digest.id())? {
                "already delivered"
            } else {
                "not delivered yet"
            };
            let action = if force || state == "not delivered yet" { "would post" } else { "would skip" };
            println!("{target}: {action} {} ({parts} messages; {state})", digest.id());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (_shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    let credentials = Credentials::from_env(&config);
    let client = crate::http::client()?;
    let rest = credentials.discord.as_ref().map(|token| Rest::new(token, &config.discord.api_base, client.clone()));
    let (deliverer, _) =
        app::deliverer(&config, &credentials, &client, rest.as_ref(), store.clone(), clock.clone(), shutdown_rx);
    for target in &targets {
        if !deliverer.has_platform(target.platform) {
            bail!(
                "{target}: no credentials for {} (see README: tokens come from environment variables)",
                target.platform.as_str()
            );
        }
    }
    let report = deliverer.deliver(digest, &targets, &DeliverOptions { force }).await;
    let mut failed = false;
    for (target, outcome) in &report.outcomes {
        let line = match outcome {
            TargetOutcome::Delivered { parts } => format!("posted {parts} messages"),
            TargetOutcome::AlreadyDelivered => "already delivered; skipped (use --force to post again)".into(),
            TargetOutcome::Halted(_) => {
                failed = true;
                "not posted: the ledger cannot record it".into()
            }
            other => {
                failed = true;
                format!("failed: {other:?}")
            }
        };
        println!("{target}: {line}");
    }
    if let Some(lost) = report.state_lost() {
        eprintln!("error: {lost}");
        return Ok(ExitCode::from(app::EXIT_STATE_LOST));
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_ids_pick_the_platform() {
        assert_eq!(channel_target("123456789012345678").platform, Platform::Discord);
        assert_eq!(channel_target("C0123ABC").platform, Platform::Slack);
    }

    #[test]
    fn command_line_parses() {
        let cli =
            Cli::try_parse_from(["digestbot", "--now", "2026-02-09T09:00:00+09:00", "preview", "--format", "slack"])
                .unwrap();
        assert_eq!(cli.now, Some(DateTime::parse_from_rfc3339("2026-02-09T00:00:00Z").unwrap().with_timezone(&Utc)));
        assert!(matches!(cli.command, Cmd::Preview { format: Format::Slack, .. }));
        let cli = Cli::try_parse_from(["digestbot", "post", "--channel", "1", "--channel", "C2", "--dry-run"]).unwrap();
        assert!(
            matches!(cli.command, Cmd::Post { ref channels, dry_run: true, force: false, .. } if channels.len() == 2)
        );
        assert!(Cli::try_parse_from(["digestbot", "--now", "yesterday", "check"]).is_err());
    }
}
