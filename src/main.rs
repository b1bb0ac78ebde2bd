//! The `digestbot` binary: parse the command line, start logging, run the command, exit with its code.

use std::process::ExitCode;

use clap::Parser;
use digestbot::cli::{Cli, Cmd};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // The bot logs its work; one-shot commands keep stderr for warnings. RUST_LOG overrides both.
    let default = if matches!(cli.command, Cmd::Serve | Cmd::Post { .. }) { "info" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    digestbot::cli::run(cli).await
}
