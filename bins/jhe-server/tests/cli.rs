//! The binary as an operator meets it: fresh directory, one command. The operations tests (configuration, probes,
//! metrics, logs, shutdown, backup, proxies, replicas, container files) are in `ops/`, in this same test binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

mod ops;
mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use support::{free_port, server};

fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    support::try_request(port, "GET", path, &[], None)
        .ok()
        .map(|r| (r.status, r.body))
}

struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_with_demo_data_on_a_fresh_directory_answers_health() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let mut child = Running(
        server(dir.path(), &["serve", "--demo", "--bind", &bind])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let answer = loop {
        if let Some(answer) = http_get(port, "/health") {
            break answer;
        }
        assert!(
            child.0.try_wait().unwrap().is_none(),
            "the server exited before answering"
        );
        assert!(Instant::now() < deadline, "no answer on {bind} within 60 s");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(answer.0, 200, "{answer:?}");
    assert!(
        answer.1.contains(r#""status":"ok""#) && answer.1.contains(r#""version":"v"#),
        "{answer:?}"
    );
    assert!(
        dir.path().join("jhe.sqlite3").is_file(),
        "the default database is a SQLite file in the working directory"
    );
}

#[test]
fn an_unknown_database_scheme_stops_the_start_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = server(dir.path(), &["serve", "--database-url", "foo://x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unsupported database URL scheme \"foo://\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("--database-url"),
        "the message names the setting: {stderr}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing may be created"
    );
}

#[test]
fn migrate_and_seed_twice_succeed_and_the_second_seed_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("ops.sqlite3").display());
    let migrate = server(dir.path(), &["migrate", "--database-url", &db])
        .output()
        .unwrap();
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    for expected in ["demo data loaded", "demo data already present; nothing changed"] {
        let out = server(dir.path(), &["seed", "--database-url", &db])
            .env("JHE_LOG", "info")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(stderr.contains(expected), "expected {expected:?} in {stderr}");
    }
}

#[test]
fn a_bad_site_url_stops_the_start_with_a_message_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let out = server(dir.path(), &["serve", "--site-url", "localhost:8000"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("JHE_SITE_URL"), "{stderr}");
}

#[test]
fn keys_rotate_keeps_earlier_keys_listed_and_encrypts_them_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("keys.sqlite3").display());
    let run = |args: &[&str]| {
        let out = server(dir.path(), args)
            .arg("--database-url")
            .arg(&db)
            .env("JHE_KEY_ENCRYPTION_SECRET", "a-long-test-only-secret-value")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let first = run(&["keys", "rotate"]);
    let second = run(&["keys", "rotate"]);
    assert!(first.starts_with("new active signing key: ") && second.starts_with("new active signing key: "));
    assert_ne!(first, second);
    let listing = run(&["keys", "list"]);
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), 2, "{listing}");
    assert!(
        lines[0].contains("active") && lines[0].contains("(encrypted)"),
        "{listing}"
    );
    assert!(lines[1].contains("retired"), "{listing}");
    assert!(
        second
            .trim()
            .ends_with(lines[0].split_whitespace().next().unwrap()),
        "the newest key is the active one"
    );
}
