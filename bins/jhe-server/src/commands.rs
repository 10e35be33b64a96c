//! What each subcommand does, in terms of the library crates.

use anyhow::{Context, bail};
use chrono::Utc;
use diesel::connection::SimpleConnection;
use jhe_store::seed::{DEMO_PASSWORD, SeedInputs, SeedReport, seed_demo};
use jhe_store::{Backend, DbConnection, DbPool, PoolOptions, open_pool, run_migrations};
use rand::Rng;
use rand::distr::{Alphanumeric, SampleString};

use crate::cli::{Cli, Command, ConfigAction, KeysAction};
use crate::settings::Settings;

pub fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(_) => serve(&settings),
        Command::Migrate => {
            let pool = open(&settings)?;
            let mut conn = pool.get().context("cannot connect to the database")?;
            with_startup_lock(&mut conn, migrate)
        }
        Command::Keys { action } => keys(&settings, action),
        Command::Seed(_) => {
            let pool = open(&settings)?;
            let mut conn = pool.get().context("cannot connect to the database")?;
            let report = with_startup_lock(&mut conn, |conn| {
                migrate(conn)?;
                seed(conn, &settings.site_url)
            })?;
            if report.created_anything() {
                log::info!("demo data loaded: {report:?}");
            } else {
                log::info!("demo data already present; nothing changed");
            }
            Ok(())
        }
        Command::Config {
            action: ConfigAction::Print(_),
        } => {
            print!("{}", settings.to_toml(cli.config.as_deref()));
            Ok(())
        }
        Command::Backup(args) => {
            let report = crate::backup::backup(&settings.database_url, &args.file)?;
            println!(
                "backup written to {} ({} bytes); integrity check: ok",
                report.file.display(),
                report.bytes
            );
            Ok(())
        }
        Command::Restore(args) => {
            let target = crate::backup::restore(&settings.database_url, &args.file, args.force)?;
            println!(
                "restored {} from {}; integrity check: ok. Pending migrations, if any, run at the next start.",
                target.display(),
                args.file.display()
            );
            Ok(())
        }
        Command::Healthcheck(args) => {
            let path = if args.ready { "/health/ready" } else { "/health" };
            println!("{}", crate::probe::check(settings.bind, path)?);
            Ok(())
        }
        Command::Openapi => {
            print!("{}", jhe_http::openapi::spec_json());
            Ok(())
        }
    }
}

fn open(settings: &Settings) -> anyhow::Result<DbPool> {
    let options = PoolOptions {
        max_size: settings.database_pool_size,
        ..PoolOptions::default()
    };
    let (target, pool) = open_pool(&settings.database_url, &options)
        .context("JHE_DATABASE_URL / --database-url cannot be used")?;
    log::info!("database: {}", target.redacted());
    Ok(pool)
}

/// An arbitrary constant that names this application's advisory lock on a shared PostgreSQL.
const STARTUP_LOCK: i64 = 0x6a68_6573_7461_7274; // "jhestart"

/// Runs `f` holding the startup lock: on PostgreSQL a session advisory lock, so replicas that start together apply
/// migrations and create the first signing key one after the other instead of racing. (SQLite serializes writers
/// itself; its replicas are processes on one machine.) The lock goes with the connection if the process dies.
fn with_startup_lock<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let postgres = conn.backend() == Backend::Postgres;
    if postgres {
        conn.batch_execute(&format!("SELECT pg_advisory_lock({STARTUP_LOCK})"))
            .context("cannot take the startup lock")?;
    }
    let result = f(conn);
    if postgres {
        // Failing to unlock is harmless: the lock ends with the session.
        let _ = conn.batch_execute(&format!("SELECT pg_advisory_unlock({STARTUP_LOCK})"));
    }
    result
}

fn migrate(conn: &mut DbConnection) -> anyhow::Result<()> {
    let applied = run_migrations(conn).context("cannot apply migrations")?;
    if applied.is_empty() {
        log::info!("database schema is up to date");
    } else {
        log::info!("applied migrations: {}", applied.join(", "));
    }
    Ok(())
}

fn random_uuid() -> String {
    let mut bytes: [u8; 16] = rand::rng().random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn seed(conn: &mut DbConnection, site_url: &str) -> anyhow::Result<SeedReport> {
    let mut failure = None;
    let mut hash = || {
        let salt: [u8; jhe_oauth::password::SALT_LEN] = rand::rng().random();
        jhe_oauth::password::hash_password(DEMO_PASSWORD, &salt).unwrap_or_else(|e| {
            failure = Some(e.to_string());
            String::new()
        })
    };
    let mut client_id = || Alphanumeric.sample_string(&mut rand::rng(), 40);
    let mut uuid = random_uuid;
    let mut inputs = SeedInputs {
        now: Utc::now(),
        site_url,
        hash_demo_password: &mut hash,
        random_client_id: &mut client_id,
        random_uuid: &mut uuid,
    };
    let report = seed_demo(conn, &mut inputs).context("cannot load the demo data")?;
    if let Some(err) = failure {
        bail!("demo passwords could not be hashed: {err}");
    }
    Ok(report)
}

fn app_state(pool: DbPool, settings: &Settings) -> anyhow::Result<jhe_http::AppState> {
    Ok(jhe_http::AppState::new(pool, settings.http_config())?)
}

fn keys(settings: &Settings, action: KeysAction) -> anyhow::Result<()> {
    let pool = open(settings)?;
    let state = app_state(pool.clone(), settings)?;
    let mut conn = pool.get().context("cannot connect to the database")?;
    with_startup_lock(&mut conn, migrate)?;
    match action {
        KeysAction::Rotate(_) => {
            let kid = state
                .keys
                .rotate(&mut conn, Utc::now())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("new active signing key: {kid}");
        }
        KeysAction::List(_) => {
            for key in jhe_store::auth::signing_keys(&mut conn)? {
                let state = match key.retired_at {
                    Some(at) => format!("retired {}", at.to_rfc3339()),
                    None => "active".to_owned(),
                };
                println!(
                    "{}  created {}  {}{}",
                    key.kid,
                    key.created_at.to_rfc3339(),
                    state,
                    if key.encrypted { "  (encrypted)" } else { "" }
                );
            }
        }
    }
    Ok(())
}

/// Serves HTTP until SIGTERM (or SIGINT), then stops accepting, lets in-flight requests finish for up to
/// `JHE_SHUTDOWN_TIMEOUT` seconds, closes the database pool and returns.
fn serve(settings: &Settings) -> anyhow::Result<()> {
    let site_url = settings.site_url.clone();
    let pool = open(settings)?;
    let state = app_state(pool.clone(), settings)?;
    {
        let mut conn = pool.get().context("cannot connect to the database")?;
        with_startup_lock(&mut conn, |conn| {
            migrate(conn)?;
            if settings.demo {
                if jhe_store::people::any_user_exists(conn)? {
                    log::info!("--demo: the database already holds users; not loading demo data");
                } else {
                    let report = seed(conn, &site_url)?;
                    log::info!(
                        "--demo: demo data loaded ({} users); every demo password is {DEMO_PASSWORD}",
                        report.users
                    );
                }
            }
            let kid = state
                .keys
                .ensure(conn, Utc::now())
                .map_err(|e| anyhow::anyhow!("signing key: {e}"))?;
            log::info!("ID tokens are signed with key {kid}");
            Ok(())
        })?;
    }
    let bind = settings.bind;
    let workers = settings.workers;
    let shutdown_timeout = settings.shutdown_timeout_secs;
    actix_web::rt::System::new().block_on(async move {
        let mut server = actix_web::HttpServer::new(move || jhe_http::app(state.clone()))
            // actix stops accepting at SIGTERM and waits this long for open requests; SIGINT and SIGQUIT stop at once.
            .shutdown_timeout(shutdown_timeout);
        if let Some(n) = workers {
            server = server.workers(n);
        }
        let server = server
            .bind(bind)
            .with_context(|| format!("cannot listen on {bind} (JHE_BIND / --bind)"))?;
        log::info!("serving {site_url} on http://{bind}");
        server
            .run()
            .await
            .context("the HTTP server stopped with an error")
    })?;
    // The workers, and with them every other handle on the pool, are gone; this closes the connections (and on
    // SQLite checkpoints the WAL into the file).
    drop(pool);
    log::info!("stopped; database connections closed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_uuids_are_version_4() {
        let id = random_uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
    }
}
