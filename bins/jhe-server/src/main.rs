//! `jhe-server`: the exchange in one binary. It parses the command line and configuration, then hands over to the
//! library crates; it holds no business logic of its own.

mod backup;
mod cli;
mod commands;
mod logging;
mod probe;
mod settings;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than the system allocator: a server thread allocates and frees a response body and its rows on
/// every request, and glibc's malloc, contended across threads, cost about a tenth of the CPU under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A missing .env is normal; a malformed one is reported, not silently ignored.
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        eprintln!("error: cannot read .env: {err}");
        return ExitCode::FAILURE;
    }
    let cli = cli::Cli::parse();
    let settings = match load_settings(&cli) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    logging::init(&settings.log, settings.log_format);
    match commands::run(cli, settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            log::error!("{err:#}");
            // The log may be filtered or collected elsewhere; the operator at the terminal sees the reason too.
            if !log::log_enabled!(log::Level::Error) {
                eprintln!("error: {err:#}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Every setting from the command line, the environment and the config file, checked.
fn load_settings(cli: &cli::Cli) -> anyhow::Result<settings::Settings> {
    let env = settings::Sources::environment().map_err(anyhow::Error::msg)?;
    let file = match cli.config.as_deref().filter(|p| !p.as_os_str().is_empty()) {
        Some(path) => Some(settings::ConfigFile::read(path)?),
        None => None,
    };
    let sources = settings::Sources {
        from_cli: cli.setting_values(),
        env,
        file,
    };
    Ok(settings::resolve(&sources)?)
}
