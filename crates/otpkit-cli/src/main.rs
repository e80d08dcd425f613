//! The `otpkit` command. See `otpkit --help`, and docs/behaviour.md §8.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    otpkit_cli::main_with(otpkit_cli::Options::default()).await
}
