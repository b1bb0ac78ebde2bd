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
//!
//! The edges, each tested against a fake platform on loopback:
//! - [`slack`]: the `/digest` slash-command endpoint (signed requests, answers within Slack's 3 s) and
//!   the `chat.postMessage` and incoming-webhook delivery sinks.

pub mod bot;
pub mod clock;
pub mod command;
pub mod config;
pub mod deliver;
pub mod digest;
pub mod files;
pub mod i18n;
pub mod render;
pub mod schedule;
pub mod slack;
pub mod store;
