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
    /// Manage the ID-token signing keys.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Generate a new signing key and make it the active one. Earlier keys stay published in JWKS, so tokens they
    /// signed keep verifying.
    Rotate(AuthArgs),
    /// List the stored keys (kid, created, retired).
    List(AuthArgs),
}

/// Settings of the authorization server.
#[derive(Debug, Clone, clap::Args)]
pub struct AuthArgs {
    /// An RSA private key (PEM, PKCS#1 or PKCS#8) to sign ID tokens with. Without it, a key is generated on first
    /// start and kept in the database.
    #[arg(long, env = "JHE_OIDC_RSA_PRIVATE_KEY", hide_env_values = true)]
    pub oidc_rsa_private_key: Option<String>,

    /// A secret that encrypts generated signing keys at rest. Use a long random value and keep it the same on every
    /// replica.
    #[arg(long, env = "JHE_KEY_ENCRYPTION_SECRET", hide_env_values = true)]
    pub key_encryption_secret: Option<String>,

    /// Access-token lifetime in seconds.
    #[arg(long, env = "JHE_ACCESS_TOKEN_LIFETIME", default_value_t = 1_209_600, value_parser = clap::value_parser!(i64).range(60..))]
    pub access_token_lifetime: i64,

    /// ID-token lifetime in seconds.
    #[arg(long, env = "JHE_ID_TOKEN_LIFETIME", default_value_t = 36_000, value_parser = clap::value_parser!(i64).range(60..))]
    pub id_token_lifetime: i64,

    /// Refresh-token lifetime in seconds; 0 means refresh tokens do not expire (they still rotate on every use).
    #[arg(long, env = "JHE_REFRESH_TOKEN_LIFETIME", default_value_t = 0, value_parser = clap::value_parser!(i64).range(0..))]
    pub refresh_token_lifetime: i64,

    /// Browser-session lifetime in seconds.
    #[arg(long, env = "JHE_SESSION_LIFETIME", default_value_t = 1_209_600, value_parser = clap::value_parser!(i64).range(60..))]
    pub session_lifetime: i64,

    /// Failed logins allowed per account within the throttle window.
    #[arg(long, env = "JHE_LOGIN_MAX_FAILURES", default_value_t = 10, value_parser = clap::value_parser!(i64).range(1..))]
    pub login_max_failures: i64,

    /// Failed logins allowed per client address within the throttle window.
    #[arg(long, env = "JHE_LOGIN_MAX_FAILURES_PER_ADDRESS", default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..))]
    pub login_max_failures_per_address: i64,

    /// The login-throttle window in seconds.
    #[arg(long, env = "JHE_LOGIN_WINDOW", default_value_t = 900, value_parser = clap::value_parser!(i64).range(1..))]
    pub login_window: i64,
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

    #[command(flatten)]
    pub auth: AuthArgs,
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
