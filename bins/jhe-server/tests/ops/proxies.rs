//! Proxies: `X-Forwarded-For` counts for the login throttle's client address only when the TCP peer is a
//! configured trusted proxy. Here the peer is always 127.0.0.1 (the test), playing the proxy or the client.

use crate::support::*;

/// A failed login from a client claiming `forwarded_for`; returns the status (200: refused, form shown again;
/// 429: throttled).
fn failed_login(port: u16, forwarded_for: &str, account: &str) -> u16 {
    let csrf = "p".repeat(40);
    let cookie = format!("csrftoken={csrf}");
    post_form(
        port,
        "/accounts/login/",
        &[("Cookie", &cookie), ("X-Forwarded-For", forwarded_for)],
        &[
            ("username", account),
            ("password", "wrong"),
            ("csrfmiddlewaretoken", &csrf),
        ],
    )
    .status
}

fn start(dir: &std::path::Path, env: &[(&str, &str)]) -> Server {
    let db = format!("sqlite://{}", dir.join("jhe.sqlite3").display());
    let mut all = vec![
        ("JHE_LOGIN_MAX_FAILURES_PER_ADDRESS", "2"),
        ("JHE_LOGIN_MAX_FAILURES", "100"),
    ];
    all.extend_from_slice(env);
    Server::start(dir, &db, &[], &all)
}

#[test]
fn behind_a_trusted_proxy_the_forwarded_client_is_throttled_not_the_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &[("JHE_TRUSTED_PROXIES", "127.0.0.1/32, 10.0.0.0/8")]);
    assert_eq!(failed_login(server.port, "198.51.100.1", "a1@example.com"), 200);
    assert_eq!(failed_login(server.port, "198.51.100.1", "a2@example.com"), 200);
    assert_eq!(
        failed_login(server.port, "198.51.100.1", "a3@example.com"),
        429,
        "the client behind the proxy reached its limit"
    );
    assert_eq!(
        failed_login(server.port, "198.51.100.2", "a4@example.com"),
        200,
        "another client behind the same proxy is not throttled"
    );
    assert_eq!(
        failed_login(server.port, "198.51.100.1, 10.0.0.7", "a5@example.com"),
        429,
        "a chain of trusted proxies is walked back to the client"
    );
}

#[test]
fn without_trusted_proxies_a_forwarded_address_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &[]);
    // A client inventing a new address for every attempt still counts as the one peer it is.
    assert_eq!(failed_login(server.port, "198.51.100.1", "b1@example.com"), 200);
    assert_eq!(failed_login(server.port, "198.51.100.2", "b2@example.com"), 200);
    assert_eq!(failed_login(server.port, "198.51.100.3", "b3@example.com"), 429);
}
