//! The command line. Every option can also be set through a `JHE_*` environment variable (or a `.env` file in the
//! working directory); a flag on the command line wins over the environment.

use std::net::SocketAddr;

use clap::{Parser, Subcommand};

/// The JupyterHealth-compatible health-data exchange.
#[derive(Debug, Parser)]
#[command(name = "jhe-server", version, about)]
pub struct Cli {
    /// Where the data lives: `sqlite://<path>`, a plain file path (SQLite), or `postgres://…`.
    #[arg(
        long,
        env = "JHE_DATABASE_URL",
        default_value = "sqlite://jhe.sqlite3",
        global = true
    )]
    pub database_url: String,

    /// Log filter in env_logger syntax, for example `info` or `jhe_http=debug,info`.
    #[arg(long, env = "JHE_LOG", default_value = "info", global = true)]
    pub log: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve HTTP.
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Load the demo data set (idempotent: a second run changes nothing).
    Seed(SiteArgs),
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "JHE_BIND", default_value = "127.0.0.1:8000")]
    pub bind: SocketAddr,

    /// Load the demo data set when the database holds no users yet.
    #[arg(long, env = "JHE_DEMO")]
    pub demo: bool,

    /// Number of HTTP worker threads (default: one per core).
    #[arg(long, env = "JHE_WORKERS")]
    pub workers: Option<usize>,

    #[command(flatten)]
    pub site: SiteArgs,
}

#[derive(Debug, clap::Args)]
pub struct SiteArgs {
    /// The public URL of the site (scheme, host, optional port and path), used for links, redirect URIs and the
    /// token issuer.
    #[arg(long, env = "JHE_SITE_URL", default_value = "http://localhost:8000")]
    pub site_url: String,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
