//! The command line. Every setting can also come from a `JHE_*` environment variable (or a `.env` file in the
//! working directory) or a config file (`--config` / `JHE_CONFIG`); see `settings` for the order. The arguments
//! here are raw text: `settings` checks each one and names it when it is wrong, whatever source it came from.
//!
//! No argument has a clap default, since a default would hide the config file's value; each help text states the
//! default instead, and a test keeps those in step with `settings`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::settings;

/// The JupyterHealth-compatible health-data exchange.
#[derive(Debug, Parser)]
#[command(name = "jhe-server", version, about)]
pub struct Cli {
    /// A TOML config file; flags and environment variables win over it.
    #[arg(long, env = "JHE_CONFIG", global = true)]
    pub config: Option<PathBuf>,

    /// Where the data lives: `sqlite://<path>`, a plain file path (SQLite), or `postgres://…` [default:
    /// sqlite://jhe.sqlite3].
    #[arg(long, env = "JHE_DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,

    /// Log filter in env_logger syntax, for example `info` or `jhe_http=debug,info` [default: info].
    #[arg(long, env = "JHE_LOG", global = true)]
    pub log: Option<String>,

    /// Log line format: `text` (readable lines) or `json` (one object per line) [default: text].
    #[arg(long, env = "JHE_LOG_FORMAT", global = true)]
    pub log_format: Option<String>,

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
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Copy a live SQLite database to a new file: a consistent snapshot, taken while the server runs. (PostgreSQL:
    /// use pg_dump.)
    Backup(BackupArgs),
    /// Replace the SQLite database with a backup, after checking the backup's integrity. Stop the server first.
    Restore(RestoreArgs),
    /// Ask the server on this machine (at JHE_BIND) whether it is alive, or ready with --ready; exits 0 if so. For
    /// container health checks, where no HTTP client is installed.
    Healthcheck(HealthcheckArgs),
    /// Print the OpenAPI document of the HTTP API (JSON) and exit. `openapi/openapi.json` is this output:
    /// `jhe-server openapi > openapi/openapi.json` after changing an endpoint.
    Openapi,
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print the effective configuration (TOML, each value with where it came from); secrets are redacted. It
    /// takes the same flags as `serve`.
    Print(ServeArgs),
}

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The backup file to write; it must not exist yet.
    pub file: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup file to restore from.
    pub file: PathBuf,
    /// Replace an existing database. A database that a running server has open is never replaced.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
pub struct HealthcheckArgs {
    /// Check readiness (database reachable, migrations applied) rather than liveness.
    #[arg(long)]
    pub ready: bool,

    /// Address and port the server listens on [default: 127.0.0.1:8000]; an unspecified address (0.0.0.0, [::])
    /// is probed on loopback.
    #[arg(long, env = "JHE_BIND")]
    pub bind: Option<String>,
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

    /// A secret that encrypts generated signing keys at rest (at least 16 characters). Use a long random value and
    /// keep it the same on every replica.
    #[arg(long, env = "JHE_KEY_ENCRYPTION_SECRET", hide_env_values = true)]
    pub key_encryption_secret: Option<String>,

    /// Access-token lifetime in seconds, at least 60 [default: 1209600].
    #[arg(long, env = "JHE_ACCESS_TOKEN_LIFETIME")]
    pub access_token_lifetime: Option<String>,

    /// ID-token lifetime in seconds, at least 60 [default: 36000].
    #[arg(long, env = "JHE_ID_TOKEN_LIFETIME")]
    pub id_token_lifetime: Option<String>,

    /// Refresh-token lifetime in seconds; 0 means refresh tokens do not expire (they still rotate on every use)
    /// [default: 0].
    #[arg(long, env = "JHE_REFRESH_TOKEN_LIFETIME")]
    pub refresh_token_lifetime: Option<String>,

    /// Browser-session lifetime in seconds, at least 60 [default: 1209600].
    #[arg(long, env = "JHE_SESSION_LIFETIME")]
    pub session_lifetime: Option<String>,

    /// Failed logins allowed per account within the throttle window [default: 10].
    #[arg(long, env = "JHE_LOGIN_MAX_FAILURES")]
    pub login_max_failures: Option<String>,

    /// Failed logins allowed per client address within the throttle window [default: 50].
    #[arg(long, env = "JHE_LOGIN_MAX_FAILURES_PER_ADDRESS")]
    pub login_max_failures_per_address: Option<String>,

    /// The login-throttle window in seconds [default: 900].
    #[arg(long, env = "JHE_LOGIN_WINDOW")]
    pub login_window: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on [default: 127.0.0.1:8000].
    #[arg(long, env = "JHE_BIND")]
    pub bind: Option<String>,

    /// Load the demo data set when the database holds no users yet (`--demo`, or `--demo false`) [default: false].
    #[arg(long, env = "JHE_DEMO", num_args = 0..=1, default_missing_value = "true")]
    pub demo: Option<String>,

    /// Number of HTTP worker threads (default: one per core).
    #[arg(long, env = "JHE_WORKERS")]
    pub workers: Option<String>,

    /// Seconds to let in-flight requests finish after SIGTERM before they are cut off [default: 30].
    #[arg(long, env = "JHE_SHUTDOWN_TIMEOUT")]
    pub shutdown_timeout: Option<String>,

    /// Reverse proxies (IP addresses or CIDR networks, comma-separated) whose X-Forwarded-For is believed
    /// (default: none).
    #[arg(long, env = "JHE_TRUSTED_PROXIES")]
    pub trusted_proxies: Option<String>,

    /// Most database connections this process opens [default: 10].
    #[arg(long, env = "JHE_DATABASE_POOL_SIZE")]
    pub database_pool_size: Option<String>,

    /// For UI development: serve the web UI's files from this folder (read on each request) instead of the copy
    /// embedded in the binary (default: the embedded copy).
    #[arg(long, env = "JHE_WEB_ASSETS_DIR")]
    pub web_assets_dir: Option<String>,

    #[command(flatten)]
    pub site: SiteArgs,

    #[command(flatten)]
    pub auth: AuthArgs,
}

#[derive(Debug, clap::Args)]
pub struct SiteArgs {
    /// The public URL of the site (scheme, host, optional port and path), used for links, redirect URIs and the
    /// token issuer [default: http://localhost:8000].
    #[arg(long, env = "JHE_SITE_URL")]
    pub site_url: Option<String>,
}

impl Cli {
    /// What clap found for each setting (a flag, or the variable clap read for it), by the setting's key.
    pub fn setting_values(&self) -> BTreeMap<&'static str, String> {
        let mut found = BTreeMap::new();
        let mut put = |spec: &settings::Spec, value: &Option<String>| {
            if let Some(v) = value {
                found.insert(spec.key, v.clone());
            }
        };
        put(&settings::DATABASE_URL, &self.database_url);
        put(&settings::LOG, &self.log);
        put(&settings::LOG_FORMAT, &self.log_format);
        let (serve, site, auth) = match &self.command {
            Command::Serve(args)
            | Command::Config {
                action: ConfigAction::Print(args),
            } => (Some(args), Some(&args.site), Some(&args.auth)),
            Command::Seed(site) => (None, Some(site), None),
            Command::Keys {
                action: KeysAction::Rotate(auth) | KeysAction::List(auth),
            } => (None, None, Some(auth)),
            Command::Healthcheck(args) => {
                put(&settings::BIND, &args.bind);
                (None, None, None)
            }
            _ => (None, None, None),
        };
        if let Some(args) = serve {
            put(&settings::BIND, &args.bind);
            put(&settings::DEMO, &args.demo);
            put(&settings::WORKERS, &args.workers);
            put(&settings::SHUTDOWN_TIMEOUT, &args.shutdown_timeout);
            put(&settings::TRUSTED_PROXIES, &args.trusted_proxies);
            put(&settings::DATABASE_POOL_SIZE, &args.database_pool_size);
            put(&settings::WEB_ASSETS_DIR, &args.web_assets_dir);
        }
        if let Some(site) = site {
            put(&settings::SITE_URL, &site.site_url);
        }
        if let Some(auth) = auth {
            put(&settings::OIDC_RSA_PRIVATE_KEY, &auth.oidc_rsa_private_key);
            put(&settings::KEY_ENCRYPTION_SECRET, &auth.key_encryption_secret);
            put(&settings::ACCESS_TOKEN_LIFETIME, &auth.access_token_lifetime);
            put(&settings::ID_TOKEN_LIFETIME, &auth.id_token_lifetime);
            put(&settings::REFRESH_TOKEN_LIFETIME, &auth.refresh_token_lifetime);
            put(&settings::SESSION_LIFETIME, &auth.session_lifetime);
            put(&settings::LOGIN_MAX_FAILURES, &auth.login_max_failures);
            put(
                &settings::LOGIN_MAX_FAILURES_PER_ADDRESS,
                &auth.login_max_failures_per_address,
            );
            put(&settings::LOGIN_WINDOW, &auth.login_window);
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }

    /// Every flag of a setting, in every subcommand that has it, reads the setting's variable and states the
    /// setting's default in its help.
    #[test]
    fn flags_match_the_settings_table() {
        fn walk(cmd: &clap::Command, seen: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let Some(long) = arg.get_long() else { continue };
                let Some(spec) = crate::settings::ALL.iter().find(|s| s.key == long) else {
                    continue;
                };
                assert_eq!(
                    arg.get_env().and_then(|e| e.to_str()),
                    Some(spec.env),
                    "--{long} in `{}`",
                    cmd.get_name()
                );
                let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
                match spec.default {
                    Some(default) => assert!(
                        help.contains(&format!("[default: {default}]")),
                        "--{long} in `{}` must say `[default: {default}]`: {help}",
                        cmd.get_name()
                    ),
                    None => assert!(!help.contains("[default:"), "--{long} has no default: {help}"),
                }
                seen.push(long.to_owned());
            }
            for sub in cmd.get_subcommands() {
                walk(sub, seen);
            }
        }
        let mut seen = Vec::new();
        walk(&super::Cli::command(), &mut seen);
        for spec in crate::settings::ALL {
            assert!(seen.iter().any(|s| s == spec.key), "no flag for {}", spec.env);
        }
    }

    #[test]
    fn setting_values_cover_every_flag_of_serve() {
        let mut args = vec!["jhe-server".to_owned(), "serve".to_owned()];
        for spec in crate::settings::ALL {
            args.push(spec.flag.to_owned());
            args.push(format!("value-of-{}", spec.key));
        }
        let cli = super::Cli::try_parse_from(&args).unwrap();
        let found = cli.setting_values();
        for spec in crate::settings::ALL {
            assert_eq!(
                found.get(spec.key).map(String::as_str),
                Some(format!("value-of-{}", spec.key).as_str())
            );
        }
    }
}
