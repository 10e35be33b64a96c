//! Data safety on SQLite: a backup taken while writes go on restores to a database that passes SQLite's integrity
//! check and holds every write acknowledged before the backup began, and nothing torn; restore refuses to replace
//! a database unless asked, and never one a running server has open.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, RunQueryDsl, SqliteConnection};

use crate::support::*;

#[derive(diesel::QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
struct Check {
    #[diesel(sql_type = Text)]
    value: String,
}

fn connect(path: &std::path::Path) -> SqliteConnection {
    let mut conn = SqliteConnection::establish(&path.to_string_lossy()).unwrap();
    conn.batch_execute("PRAGMA busy_timeout = 10000;").unwrap();
    conn
}

#[test]
fn a_backup_taken_during_writes_restores_whole_and_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.sqlite3");
    let live_url = format!("sqlite://{}", live.display());
    run_ok(&mut server(dir.path(), &["migrate", "--database-url", &live_url]));

    // Some bulk, so that the copy takes a while, and a table of numbered writes to follow.
    let mut conn = connect(&live);
    conn.batch_execute(
        "CREATE TABLE backup_probe (n INTEGER PRIMARY KEY);
         CREATE TABLE backup_bulk (payload BLOB NOT NULL);
         WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 100000)
         INSERT INTO backup_bulk SELECT randomblob(200) FROM k;",
    )
    .unwrap();
    drop(conn);

    let acknowledged = Arc::new(AtomicI64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (acknowledged, stop, live) = (acknowledged.clone(), stop.clone(), live.clone());
        std::thread::spawn(move || {
            let mut conn = connect(&live);
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                n += 1;
                // Each insert commits on its own; once `execute` returns, the write is acknowledged.
                diesel::sql_query(format!("INSERT INTO backup_probe (n) VALUES ({n})"))
                    .execute(&mut conn)
                    .unwrap();
                acknowledged.store(n, Ordering::SeqCst);
            }
        })
    };
    while acknowledged.load(Ordering::SeqCst) < 50 {
        std::thread::sleep(Duration::from_millis(5));
    }

    let backup = dir.path().join("backup.sqlite3");
    let before = acknowledged.load(Ordering::SeqCst);
    let out = run_ok(&mut server(
        dir.path(),
        &["backup", &backup.to_string_lossy(), "--database-url", &live_url],
    ));
    let after = acknowledged.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(100));
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    assert!(out.contains("integrity check: ok"), "{out}");
    assert!(
        after > before,
        "writes went on while the backup ran ({before} → {after})"
    );

    let restored = dir.path().join("restored.sqlite3");
    let restored_url = format!("sqlite://{}", restored.display());
    let out = run_ok(&mut server(
        dir.path(),
        &[
            "restore",
            &backup.to_string_lossy(),
            "--database-url",
            &restored_url,
        ],
    ));
    assert!(out.contains("integrity check: ok"), "{out}");

    let mut conn = connect(&restored);
    let check: Vec<Check> = diesel::sql_query("SELECT integrity_check AS value FROM pragma_integrity_check")
        .load(&mut conn)
        .unwrap();
    assert_eq!(check.len(), 1);
    assert_eq!(check[0].value, "ok");
    let numbers: Vec<i64> = diesel::sql_query("SELECT n FROM backup_probe ORDER BY n")
        .load::<Number>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| r.n)
        .collect();
    let held = numbers.len() as i64;
    assert!(
        held >= before,
        "every write acknowledged before the backup is in it ({held} < {before})"
    );
    assert!(
        held <= after,
        "nothing that was not yet written ({held} > {after})"
    );
    assert_eq!(
        numbers,
        (1..=held).collect::<Vec<_>>(),
        "a snapshot: no write missing in between"
    );
    let bulk: Vec<Number> = diesel::sql_query("SELECT count(*) AS n FROM backup_bulk")
        .load(&mut conn)
        .unwrap();
    assert_eq!(bulk[0].n, 100_000);
    drop(conn);

    // The restored database serves: the server migrates it at start and is ready.
    let server = Server::start(dir.path(), &restored_url, &[], &[]);
    assert_eq!(get(server.port, "/health/ready").status, 200);
}

#[test]
fn restore_replaces_a_database_only_when_asked_and_never_under_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.sqlite3");
    let live_url = format!("sqlite://{}", live.display());
    run_ok(&mut server(dir.path(), &["seed", "--database-url", &live_url]));
    let backup = dir.path().join("monday.sqlite3");
    let backup_arg = backup.to_string_lossy().into_owned();
    run_ok(&mut server(
        dir.path(),
        &["backup", &backup_arg, "--database-url", &live_url],
    ));

    let refused = |args: &[&str], expected: &str| {
        let out = server(dir.path(), args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(
            stderr.contains(expected),
            "{args:?}: expected {expected:?} in {stderr}"
        );
    };
    refused(
        &["backup", &backup_arg, "--database-url", &live_url],
        "exists already",
    );
    refused(
        &["restore", &backup_arg, "--database-url", &live_url],
        "pass --force",
    );
    refused(
        &[
            "restore",
            &backup_arg,
            "--database-url",
            "postgres://localhost/jhe",
        ],
        "pg_dump and pg_restore",
    );
    let junk = dir.path().join("junk.sqlite3");
    std::fs::write(&junk, b"this is not a database at all, not even close to one").unwrap();
    refused(
        &["restore", &junk.to_string_lossy(), "--database-url", &live_url],
        "cannot be restored",
    );

    {
        let server = Server::start(dir.path(), &live_url, &[], &[]);
        refused(
            &["restore", &backup_arg, "--force", "--database-url", &live_url],
            "in use by another process",
        );
        assert_eq!(
            get(server.port, "/health/ready").status,
            200,
            "the live database is untouched"
        );
    }

    // Something happens after the backup; restoring goes back to the backup's state.
    let session_user = login_after_restart(dir.path(), &live_url);
    assert!(session_user);
    let out = run_ok(&mut server(
        dir.path(),
        &["restore", &backup_arg, "--force", "--database-url", &live_url],
    ));
    assert!(out.contains("restored"), "{out}");
    let mut conn = connect(&live);
    let logins: Vec<Number> = diesel::sql_query("SELECT count(*) AS n FROM browser_sessions")
        .load(&mut conn)
        .unwrap();
    assert_eq!(logins[0].n, 0, "the session made after the backup is gone");
}

/// Logs Mary in on a server over `url` (which records a session), then stops the server.
fn login_after_restart(dir: &std::path::Path, url: &str) -> bool {
    let server = Server::start(dir, url, &[], &[]);
    login(server.port, MARY, PASSWORD).is_ok()
}

/// The PostgreSQL way from docs/operations.md: `pg_dump --format=custom`, then `pg_restore --no-owner` into an empty
/// database, which a server then serves as it was.
#[test]
#[cfg_attr(
    not(jhe_postgres_tests),
    ignore = "PostgreSQL: set JHE_TEST_POSTGRES_URL to run"
)]
fn pg_dump_and_pg_restore_carry_a_whole_deployment_on_postgres() {
    let source = jhe_store::testing::TestDb::empty(jhe_store::Backend::Postgres);
    let target = jhe_store::testing::TestDb::empty(jhe_store::Backend::Postgres);
    let dir = tempfile::tempdir().unwrap();
    run_ok(&mut server(dir.path(), &["seed", "--database-url", &source.url]));
    run_ok(&mut server(
        dir.path(),
        &["keys", "rotate", "--database-url", &source.url],
    ));
    let listed = run_ok(&mut server(
        dir.path(),
        &["keys", "list", "--database-url", &source.url],
    ));

    let dump = dir.path().join("jhe.dump");
    run_ok(std::process::Command::new("pg_dump").args([
        "--format=custom",
        &format!("--file={}", dump.display()),
        &source.url,
    ]));
    run_ok(std::process::Command::new("pg_restore").args([
        "--no-owner",
        &format!("--dbname={}", target.url),
        &dump.to_string_lossy(),
    ]));

    assert_eq!(
        run_ok(&mut server(
            dir.path(),
            &["keys", "list", "--database-url", &target.url]
        )),
        listed
    );
    let server = Server::start(dir.path(), &target.url, &[], &[]);
    assert_eq!(get(server.port, "/health/ready").status, 200);
    login(server.port, MARY, PASSWORD).expect("the restored users log in");
}
