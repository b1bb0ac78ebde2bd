//! digestbot: a team's weekly tech-blog digest, posted to Discord and Slack and searchable there.
//!
//! # Layout
//!
//! The pure core, which performs no I/O and is tested exhaustively:
//! - [`digest`]: the digest format, its parser, the library of digests and keyword search.
//! - [`render`]: a platform-neutral model of a post or reply, and the Discord, Slack and text encoders.
//! - [`command`]: the `/digest` subcommands as pure functions shared by both platforms.
//! - [`i18n`]: every sentence the bot says, in Korean and English.
//! - [`schedule`]: the weekly slot and the next delivery instant, daylight saving time included.
//! - [`config`]: the typed configuration, parsed from `config/digestbot.yaml` (its `load` is the one
//!   function here that reads a file).
//! - [`target`]: where a post goes (a platform and a channel) and how (the `threads` setting, and
//!   which one applies): the vocabulary the store, delivery and both platforms share. Plain data.
//! - [`fnv`]: FNV-1a, the one stable hash (webhook labels, delivery nonces).
//! - [`secret`]: [`secret::Secret`] and [`secret::WebhookRef`], tokens and webhook URLs that never print.
//!
//! The edges, each thin and tested against a real SQLite file or a fake platform on loopback:
//! - [`store`]: subscriptions, the delivery ledger, failures, slots, the editors' outbox and
//!   problems, and approvals in SQLite. It returns plain
//!   facts (rows, `bool`s); `bot` turns them into command outcomes.
//! - [`files`]: the digests folder, re-read when files change.
//! - [`deliver`]: one digest to many targets, exactly once, within rate limits, with retries;
//!   [`deliver::Sink`] is what each platform's sink must do, [`deliver::Webhooks`] resolves the
//!   configured webhooks of both platforms.
//! - [`http`]: the one HTTP client (timeouts, user agent) of both platforms, `Retry-After`, and
//!   transport errors described without their URL.
//! - [`scheduler`]: the weekly slot, catch-up after downtime, retries of failed targets, and slots
//!   held until their digest is approved (`approval: required`).
//! - [`corrections`]: after each look at the folder, a posted digest whose file changed has its
//!   messages edited in place.
//! - [`discord`]: the gateway client for `/digest` and the approval buttons, Create Message (threads
//!   and forum posts included) and webhook sinks.
//! - [`slack`]: the signed `/digest` slash-command and interactions endpoints (answers within Slack's
//!   3 s), and the `chat.postMessage` and incoming-webhook sinks.
//! - [`bot`]: what both platforms share when running a command.
//! - [`editors`]: the editors' channel: broken files and their fixes, failed channels and their
//!   recovery, slot summaries, reminders, approval requests; through an outbox in the store and the
//!   deliverer.
//! - [`status`]: `digestbot status`, whether every target got the slot's digest, read from the state.
//! - [`health`]: `/healthz`, the gateway's connection, the last slot's outcome and the last delivery's
//!   age, and whether that is healthy.
//! - [`metrics`]: what the bot counts for Prometheus, one registry per app.
//! - [`web`]: the one HTTP listener of `serve`: `/healthz`, `/metrics` and Slack's routes.
//! - [`clock`]: the injected wall clock (system, shifted by `--now`, or moved by hand in tests).
//! - [`app`]: the one assembly of `digestbot serve` ([`app::App::build`], [`app::App::run`]), which the
//!   integration tests start too.
//! - [`cli`]: the command line; it reads the environment (once) and the config, and runs a command.
//! - [`logging`]: the log subscriber (text or JSON, colours only on a terminal) and [`logging::untrusted`],
//!   which quotes, escapes and cuts text from users and files in log lines.

pub mod app;
pub mod bot;
pub mod cli;
pub mod clock;
pub mod command;
pub mod config;
pub mod corrections;
pub mod deliver;
pub mod digest;
pub mod discord;
pub mod editors;
pub mod files;
pub mod fnv;
pub mod health;
pub mod http;
pub mod i18n;
pub mod logging;
pub mod metrics;
pub mod render;
pub mod schedule;
pub mod scheduler;
pub mod secret;
pub mod slack;
pub mod status;
pub mod store;
pub mod target;
pub mod web;
