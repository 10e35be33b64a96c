//! `jhe-server`: the exchange in one binary. It parses the command line and configuration, then hands over to the
//! library crates; it holds no business logic of its own.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A missing .env is normal; a malformed one is reported, not silently ignored.
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        eprintln!("error: cannot read .env: {err}");
        return ExitCode::FAILURE;
    }
    let cli = cli::Cli::parse();
    env_logger::Builder::new()
        .parse_filters(&cli.log)
        .format_timestamp_millis()
        .init();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
