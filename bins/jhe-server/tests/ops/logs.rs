//! Logs: every request is logged with its request id, which the response echoes in `X-Request-Id`; JSON lines with
//! `JHE_LOG_FORMAT=json`; and no secret or personal value reaches the log.

use std::time::Duration;

use crate::support::*;

const SECRET_PASSWORD: &str = "Sup3r-Secret-Pw!";
const SECRET_QUERY: &str = "tok-SECRET-0123456789";
const KEY_SECRET: &str = "key-encryption-secret-for-logs-test";

/// Traffic that carries secrets and personal data in every place a careless log would pick them up.
fn traffic(port: u16) -> Vec<Response> {
    let mut answers = vec![
        request(port, "GET", "/health", &[("X-Request-Id", "probe-0001")], None),
        request(port, "GET", "/health", &[("X-Request-Id", "two words")], None),
        request(
            port,
            "GET",
            &format!("/o/userinfo/?access_token={SECRET_QUERY}"),
            &[("Authorization", &format!("Bearer {SECRET_QUERY}"))],
            None,
        ),
    ];
    answers.push(login(port, MARY, SECRET_PASSWORD).unwrap_err());
    answers.push(request(
        port,
        "GET",
        "/no/such/page/for/manager_mary@example.com",
        &[],
        None,
    ));
    answers
}

fn assert_clean(log: &str) {
    for secret in [SECRET_PASSWORD, SECRET_QUERY, KEY_SECRET, MARY, "manager_mary"] {
        assert!(!log.contains(secret), "{secret:?} reached the log:\n{log}");
    }
}

#[test]
fn json_lines_carry_the_request_id_and_nothing_secret() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("jhe.sqlite3").display());
    let mut server = Server::start(
        dir.path(),
        &db,
        &["--demo"],
        &[
            ("JHE_LOG_FORMAT", "json"),
            ("JHE_LOG", "info"),
            ("JHE_KEY_ENCRYPTION_SECRET", KEY_SECRET),
        ],
    );
    let answers = traffic(server.port);
    assert_eq!(
        answers[0].header("x-request-id"),
        Some("probe-0001"),
        "a well-formed id is kept"
    );
    let generated = answers[1].header("x-request-id").unwrap().to_owned();
    assert_ne!(generated, "two words", "a malformed id is replaced");
    assert_eq!(generated.len(), 36);
    let ids: Vec<String> = answers
        .iter()
        .map(|a| {
            a.header("x-request-id")
                .expect("every response has an id")
                .to_owned()
        })
        .collect();

    server.terminate();
    assert!(server.wait_exit(Duration::from_secs(20)).success());
    let log = server.log_text();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    for line in &lines {
        for member in ["ts", "level", "target", "msg"] {
            assert!(line.get(member).is_some(), "{member} missing in {line}");
        }
    }
    let access: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| {
            l["target"]
                .as_str()
                .is_some_and(|t| t.starts_with("jhe_http::access"))
        })
        .collect();
    for id in &ids {
        assert!(
            access.iter().any(|l| l["request_id"] == id.as_str()),
            "request {id} has an access-log line:\n{log}"
        );
    }
    let probe = access.iter().find(|l| l["request_id"] == "probe-0001").unwrap();
    assert_eq!(probe["method"], "GET");
    assert_eq!(probe["route"], "/health");
    assert_eq!(probe["status"], 200);
    assert!(probe["duration_ms"].is_number());
    let unmatched = access
        .iter()
        .find(|l| l["request_id"] == ids[4].as_str())
        .unwrap();
    assert_eq!(unmatched["route"], "<unmatched>", "an unknown path is not logged");
    assert_eq!(unmatched["status"], 404);
    assert_clean(&log);
}

#[test]
fn readable_lines_by_default_with_the_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("jhe.sqlite3").display());
    let mut server = Server::start(dir.path(), &db, &["--demo"], &[("JHE_LOG", "info")]);
    let answers = traffic(server.port);
    server.terminate();
    assert!(server.wait_exit(Duration::from_secs(20)).success());
    let log = server.log_text();
    let line = log
        .lines()
        .find(|l| l.contains("request_id=probe-0001"))
        .unwrap_or_else(|| panic!("no line for probe-0001:\n{log}"));
    assert!(
        line.contains("jhe_http::access") && line.contains("GET /health 200"),
        "{line}"
    );
    assert!(!line.trim_start().starts_with('{'), "not JSON: {line}");
    let login_id = answers[3].header("x-request-id").unwrap();
    assert!(
        log.lines().any(|l| l.contains(&format!("request_id={login_id}")) && l.contains("POST /accounts/login/ 200")),
        "{log}"
    );
    assert_clean(&log);
}
