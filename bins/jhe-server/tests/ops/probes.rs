//! Probes and metrics on a running server: `/health` (liveness, no database), `/health/ready` (database reachable
//! and migrated) and `/metrics` after traffic; `jhe-server healthcheck` as the container image runs it.

use std::time::Duration;

use crate::support::*;

fn sqlite_url(dir: &std::path::Path) -> String {
    format!("sqlite://{}", dir.join("jhe.sqlite3").display())
}

#[test]
fn ready_turns_503_when_the_schema_is_behind_and_metrics_move_after_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let running = Server::start(dir.path(), &db, &[], &[]);

    let ready = get(running.port, "/health/ready");
    assert_eq!(ready.status, 200, "{ready:?}");
    assert_eq!(ready.json()["status"], "ready");
    assert!(ready.header("x-request-id").is_some());

    let before = get(running.port, "/metrics");
    assert_eq!(before.status, 200);
    assert_eq!(
        before.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let health_ok = "jhe_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"}";
    let failed = "jhe_logins_failed_total{reason=\"invalid_credentials\"}";
    for _ in 0..3 {
        assert_eq!(get(running.port, "/health").status, 200);
    }
    for id in ["777", "778"] {
        let answer = request(
            running.port,
            "DELETE",
            &format!("/api/v1/invitation/{id}"),
            &[],
            None,
        );
        assert_eq!(answer.status, 401, "{answer:?}");
    }
    let refused = login(running.port, "nobody@example.com", "wrong password").unwrap_err();
    assert_eq!(refused.status, 200, "a wrong password shows the form again");

    let after = get(running.port, "/metrics").body;
    assert!(
        series(&after, health_ok) >= series(&before.body, health_ok) + 3.0,
        "{after}"
    );
    assert!(
        series(&after, failed) >= series(&before.body, failed) + 1.0,
        "{after}"
    );
    assert!(
        after.lines().any(|l| l
            .starts_with("jhe_http_requests_total{method=\"DELETE\",route=\"/api/v1/invitation/{id:")
            && l.contains("status=\"401\"} 2")),
        "requests are labelled by route pattern:\n{after}"
    );
    assert!(!after.contains("777"), "raw paths never become labels");
    assert!(after.contains("jhe_http_request_duration_seconds_bucket{method=\"GET\",route=\"/health\",status=\"200\",le=\"+Inf\"}"));
    assert!(series(&after, "jhe_db_pool_max_connections") == 10.0, "{after}");
    assert!(after.contains("jhe_db_pool_connections{state=\"idle\"}"));
    assert!(after.contains("jhe_observations_ingested_total "));

    // The container health check: liveness and readiness through the binary itself.
    let bind = format!("127.0.0.1:{}", running.port);
    run_ok(&mut server(dir.path(), &["healthcheck", "--bind", &bind]));
    run_ok(server(dir.path(), &["healthcheck", "--ready"]).env("JHE_BIND", &bind));

    // An operator restores an older schema under the running server: it stays alive but is no longer ready.
    let pool = jhe_store::open_pool(&db, &jhe_store::PoolOptions::default())
        .unwrap()
        .1;
    jhe_store::revert_all_migrations(&mut pool.get().unwrap()).unwrap();
    let ready = get(running.port, "/health/ready");
    assert_eq!(ready.status, 503, "{ready:?}");
    assert_eq!(ready.json()["reason"], "database migrations pending");
    assert_eq!(
        get(running.port, "/health").status,
        200,
        "liveness does not touch the database"
    );
    let out = server(dir.path(), &["healthcheck", "--ready", "--bind", &bind])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("503"));

    // An upgrade is a restart: serve applies the pending migrations before it listens.
    drop(running);
    let upgraded = Server::start(dir.path(), &db, &[], &[]);
    assert_eq!(get(upgraded.port, "/health/ready").status, 200);
}

#[test]
#[cfg_attr(
    not(jhe_postgres_tests),
    ignore = "PostgreSQL: set JHE_TEST_POSTGRES_URL to run"
)]
fn ready_turns_503_when_the_postgres_database_goes_away() {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;

    let db = jhe_store::testing::TestDb::empty(jhe_store::Backend::Postgres);
    let dir = tempfile::tempdir().unwrap();
    let running = Server::start(dir.path(), &db.url, &[], &[]);
    assert_eq!(get(running.port, "/health/ready").status, 200);

    let admin = std::env::var("JHE_TEST_POSTGRES_URL").unwrap();
    let name = url::Url::parse(&db.url)
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_owned();
    let mut conn = diesel::PgConnection::establish(&admin).unwrap();
    conn.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .unwrap();

    let started = std::time::Instant::now();
    let ready = get(running.port, "/health/ready");
    assert_eq!(ready.status, 503, "{ready:?}");
    assert_eq!(ready.json()["reason"], "database unreachable");
    assert!(
        !ready.body.contains(&name),
        "no connection details leave the server: {}",
        ready.body
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "answers within the probe's patience"
    );
    assert_eq!(get(running.port, "/health").status, 200);
}
