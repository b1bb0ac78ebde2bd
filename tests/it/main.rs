//! Integration tests, built as one binary: the real binary and the real platform clients, talking to
//! fake platforms on loopback. No internet is needed.

mod app;
mod approval;
mod both;
mod cli;
mod corrections;
mod discord;
mod editors;
mod edits;
mod fake_discord_smoke;
mod fake_slack_smoke;
mod fixtures;
mod health;
mod hostile;
mod layouts;
mod lock;
mod properties;
mod reload;
mod serve;
mod slack;
mod slack_once;
mod slack_process;
mod snapshots;
mod support;
mod threads;
