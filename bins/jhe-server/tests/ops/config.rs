//! Configuration: a bad value stops the start naming the setting, whatever its source; `config print` shows the
//! effective configuration with its sources and without secrets.

use crate::support::*;

/// Runs `serve` expecting it to refuse to start; returns its stderr.
fn refused(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = server(dir, &["serve"]);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{args:?} {env:?} started:\n{stderr}");
    stderr
}

#[test]
fn a_bad_value_stops_the_start_with_a_message_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), "shutdown_timeout = \"soon\"\n").unwrap();
    std::fs::write(dir.path().join("typo.toml"), "bnid = \"0.0.0.0:8000\"\n").unwrap();
    /// Flags, environment, and what the message must contain.
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: &[Case] = &[
        (
            &[],
            &[("JHE_BIND", "everywhere")],
            &["JHE_BIND / --bind", "from the environment", "\"everywhere\""],
        ),
        (
            &["--workers", "0"],
            &[],
            &[
                "JHE_WORKERS / --workers",
                "from the command line",
                "outside 1..=1024",
            ],
        ),
        (
            &["--config", "bad.toml"],
            &[],
            &[
                "JHE_SHUTDOWN_TIMEOUT / --shutdown-timeout",
                "`shutdown_timeout` in a config file",
                "bad.toml",
            ],
        ),
        (&[], &[("JHE_CONFIG", "typo.toml")], &["unknown setting `bnid`"]),
        (
            &["--config", "missing.toml"],
            &[],
            &["JHE_CONFIG / --config", "missing.toml"],
        ),
        (
            &[],
            &[("JHE_TRUSTED_PROXIES", "10.0.0.0/33")],
            &["JHE_TRUSTED_PROXIES", "prefix length"],
        ),
        (
            &[],
            &[("JHE_LOG_FORMAT", "xml")],
            &["JHE_LOG_FORMAT / --log-format"],
        ),
        (
            &[],
            &[("JHE_KEY_ENCRYPTION_SECRET", "tiny-secret-x")],
            &["JHE_KEY_ENCRYPTION_SECRET", "16 characters"],
        ),
        (
            &[],
            &[("JHE_OIDC_RSA_PRIVATE_KEY", "-----BEGIN NOTHING-----")],
            &["JHE_OIDC_RSA_PRIVATE_KEY"],
        ),
        (
            &[],
            &[("JHE_ACCESS_TOKEN_LIFETIME", "ten")],
            &["JHE_ACCESS_TOKEN_LIFETIME", "not a whole number"],
        ),
        (
            &["--demo", "perhaps"],
            &[],
            &["JHE_DEMO / --demo", "not true or false"],
        ),
        (
            &["--site-url", "localhost:8000"],
            &[],
            &["JHE_SITE_URL / --site-url"],
        ),
    ];
    for (args, env, expected) in cases {
        let stderr = refused(dir.path(), args, env);
        for part in *expected {
            assert!(
                stderr.contains(part),
                "{args:?} {env:?}: expected {part:?} in\n{stderr}"
            );
        }
        assert!(
            !stderr.contains("tiny-secret-x"),
            "a secret is never echoed: {stderr}"
        );
    }
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        left.len(),
        2,
        "nothing but the two config files; no database was created: {left:?}"
    );
}

#[test]
fn config_print_shows_each_value_with_its_source_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("jhe.toml"),
        "bind = \"0.0.0.0:9000\"\nsite_url = \"https://jhe.example.org/\"\nworkers = 2\n\
         key_encryption_secret = \"file-secret-value-0123456789\"\ntrusted_proxies = [\"10.0.0.0/8\"]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join(".env"), "JHE_LOG_FORMAT=json\nJHE_WORKERS=3\n").unwrap();
    let out = run_ok(
        server(
            dir.path(),
            &["config", "print", "--config", "jhe.toml", "--workers", "4"],
        )
        .env("JHE_BIND", "127.0.0.1:9100")
        .env(
            "JHE_DATABASE_URL",
            "postgres://jhe:pg-password-42@db.example:5432/jhe",
        ),
    );
    for expected in [
        "bind = \"127.0.0.1:9100\"  # environment",
        "workers = 4  # command line",
        "log_format = \"json\"  # environment",
        "site_url = \"https://jhe.example.org/\"  # config file jhe.toml",
        "key_encryption_secret = \"<redacted>\"  # config file jhe.toml",
        "trusted_proxies = [\"10.0.0.0/8\"]  # config file jhe.toml",
        "database_url = \"postgres://jhe:redacted@db.example:5432/jhe\"  # environment",
        "shutdown_timeout = 30  # default",
        "# oidc_rsa_private_key is unset: a key is generated and kept in the database (default)",
    ] {
        assert!(out.contains(expected), "expected {expected:?} in\n{out}");
    }
    for secret in ["file-secret-value-0123456789", "pg-password-42"] {
        assert!(!out.contains(secret), "{secret} printed:\n{out}");
    }
    // The printout is TOML again: an operator can start from it.
    let parsed: toml::Table = out.parse().unwrap();
    assert_eq!(parsed["workers"].as_integer(), Some(4));
}

#[test]
fn serve_reads_its_settings_from_a_config_file_and_the_site_url_drives_issuer_and_cookies() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("jhe.toml"),
        "site_url = \"https://jhe.example.org\"\nshutdown_timeout = 5\nlog_format = \"json\"\n",
    )
    .unwrap();
    let db = format!("sqlite://{}", dir.path().join("jhe.sqlite3").display());
    let server = Server::start(dir.path(), &db, &["--config", "jhe.toml"], &[]);
    let discovery = get(server.port, "/o/.well-known/openid-configuration").json();
    assert_eq!(discovery["issuer"], "https://jhe.example.org/o");
    assert_eq!(discovery["token_endpoint"], "https://jhe.example.org/o/token/");
    let page = get(server.port, "/accounts/login/");
    let cookie = page
        .headers
        .iter()
        .find(|(n, v)| n == "set-cookie" && v.starts_with("csrftoken="))
        .unwrap();
    assert!(
        cookie.1.contains("Secure"),
        "an https site sets Secure cookies: {}",
        cookie.1
    );
}
