//! What each subcommand does, in terms of the library crates.

use anyhow::{Context, bail};
use chrono::Utc;
use jhe_store::seed::{DEMO_PASSWORD, SeedInputs, SeedReport, seed_demo};
use jhe_store::{DbPool, PoolOptions, open_pool, run_migrations};
use rand::Rng;
use rand::distr::{Alphanumeric, SampleString};

use crate::cli::{AuthArgs, Cli, Command, KeysAction, ServeArgs, SiteArgs};

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(&cli.database_url, args),
        Command::Migrate => {
            let pool = open(&cli.database_url)?;
            migrate(&pool)?;
            Ok(())
        }
        Command::Keys { action } => keys(&cli.database_url, action),
        Command::Seed(site) => {
            let site_url = normalize_site_url(&site)?;
            let pool = open(&cli.database_url)?;
            migrate(&pool)?;
            let report = seed(&pool, &site_url)?;
            if report.created_anything() {
                log::info!("demo data loaded: {report:?}");
            } else {
                log::info!("demo data already present; nothing changed");
            }
            Ok(())
        }
    }
}

fn open(database_url: &str) -> anyhow::Result<DbPool> {
    let (target, pool) = open_pool(database_url, &PoolOptions::default())
        .context("JHE_DATABASE_URL / --database-url cannot be used")?;
    log::info!("database: {}", target.redacted());
    Ok(pool)
}

fn migrate(pool: &DbPool) -> anyhow::Result<()> {
    let mut conn = pool.get().context("cannot connect to the database")?;
    let applied = run_migrations(&mut conn).context("cannot apply migrations")?;
    if applied.is_empty() {
        log::info!("database schema is up to date");
    } else {
        log::info!("applied migrations: {}", applied.join(", "));
    }
    Ok(())
}

/// Checks the site URL and drops a trailing slash, so `https://x/` and `https://x` mean the same site.
fn normalize_site_url(site: &SiteArgs) -> anyhow::Result<String> {
    let parsed = url::Url::parse(&site.site_url)
        .with_context(|| format!("JHE_SITE_URL / --site-url is not a URL: {:?}", site.site_url))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        bail!(
            "JHE_SITE_URL / --site-url must be an http:// or https:// URL with a host, got {:?}",
            site.site_url
        );
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        bail!(
            "JHE_SITE_URL / --site-url must not have a query or fragment, got {:?}",
            site.site_url
        );
    }
    Ok(site.site_url.trim_end_matches('/').to_owned())
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

fn seed(pool: &DbPool, site_url: &str) -> anyhow::Result<SeedReport> {
    let mut conn = pool.get().context("cannot connect to the database")?;
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
    let report = seed_demo(&mut conn, &mut inputs).context("cannot load the demo data")?;
    if let Some(err) = failure {
        bail!("demo passwords could not be hashed: {err}");
    }
    Ok(report)
}

/// The HTTP layer's configuration from the command line and environment; a bad value names its setting.
fn http_config(site_url: &str, auth: &AuthArgs) -> jhe_http::HttpConfig {
    use jhe_http::config::{LoginThrottle, Secret, TokenLifetimes};
    let mut config = jhe_http::HttpConfig::new(site_url);
    config.lifetimes = TokenLifetimes {
        access_secs: auth.access_token_lifetime,
        id_token_secs: auth.id_token_lifetime,
        refresh_secs: (auth.refresh_token_lifetime > 0).then_some(auth.refresh_token_lifetime),
        session_secs: auth.session_lifetime,
    };
    config.throttle = LoginThrottle {
        max_failures_per_account: auth.login_max_failures,
        max_failures_per_address: auth.login_max_failures_per_address,
        window_secs: auth.login_window,
    };
    config.signing_key_pem = auth
        .oidc_rsa_private_key
        .clone()
        .filter(|k| !k.trim().is_empty())
        .map(Secret::new);
    config.key_encryption_secret = auth
        .key_encryption_secret
        .clone()
        .filter(|k| !k.is_empty())
        .map(Secret::new);
    config
}

fn app_state(pool: DbPool, site_url: &str, auth: &AuthArgs) -> anyhow::Result<jhe_http::AppState> {
    if auth
        .key_encryption_secret
        .as_deref()
        .is_some_and(|s| !s.is_empty() && s.len() < 16)
    {
        bail!("JHE_KEY_ENCRYPTION_SECRET / --key-encryption-secret must be at least 16 characters");
    }
    Ok(jhe_http::AppState::new(pool, http_config(site_url, auth))?)
}

fn keys(database_url: &str, action: KeysAction) -> anyhow::Result<()> {
    let (KeysAction::Rotate(auth) | KeysAction::List(auth)) = &action;
    let pool = open(database_url)?;
    migrate(&pool)?;
    let state = app_state(pool.clone(), "http://localhost", auth)?;
    let mut conn = pool.get().context("cannot connect to the database")?;
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

fn serve(database_url: &str, args: ServeArgs) -> anyhow::Result<()> {
    let site_url = normalize_site_url(&args.site)?;
    let pool = open(database_url)?;
    migrate(&pool)?;
    if args.demo {
        let mut conn = pool.get().context("cannot connect to the database")?;
        if jhe_store::people::any_user_exists(&mut conn)? {
            log::info!("--demo: the database already holds users; not loading demo data");
        } else {
            drop(conn);
            let report = seed(&pool, &site_url)?;
            log::info!(
                "--demo: demo data loaded ({} users); every demo password is {DEMO_PASSWORD}",
                report.users
            );
        }
    }
    let state = app_state(pool.clone(), &site_url, &args.auth)?;
    {
        let mut conn = pool.get().context("cannot connect to the database")?;
        let kid = state
            .keys
            .ensure(&mut conn, Utc::now())
            .map_err(|e| anyhow::anyhow!("signing key: {e}"))?;
        log::info!("ID tokens are signed with key {kid}");
    }
    let bind = args.bind;
    let workers = args.workers;
    actix_web::rt::System::new().block_on(async move {
        let mut server = actix_web::HttpServer::new(move || jhe_http::app(state.clone()));
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(url: &str) -> SiteArgs {
        SiteArgs { site_url: url.into() }
    }

    #[test]
    fn site_urls_lose_their_trailing_slash() {
        assert_eq!(
            normalize_site_url(&site("https://jhe.example.org/")).unwrap(),
            "https://jhe.example.org"
        );
        assert_eq!(
            normalize_site_url(&site("http://localhost:8000")).unwrap(),
            "http://localhost:8000"
        );
    }

    #[test]
    fn bad_site_urls_name_the_setting() {
        for bad in ["localhost:8000", "ftp://x.org", "https://x.org/?a=1", "not a url"] {
            let err = normalize_site_url(&site(bad)).unwrap_err().to_string();
            assert!(err.contains("JHE_SITE_URL"), "{bad}: {err}");
        }
    }

    #[test]
    fn generated_uuids_are_version_4() {
        let id = random_uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
    }
}
