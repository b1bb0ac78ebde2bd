//! The `digestbot` binary: parse the command line, start logging, run the command, exit with its code.

use std::process::ExitCode;

use clap::Parser;
use digestbot::cli::{Cli, Cmd};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // The bot logs its work; one-shot commands keep stderr for warnings. RUST_LOG overrides both.
    let default = if matches!(cli.command, Cmd::Serve | Cmd::Post { .. }) { "info" } else { "warn" };
    if let Err(e) = digestbot::logging::init(default) {
        // Before anything runs: a log format nobody can read is worse than no start.
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    digestbot::cli::run(cli).await
}
