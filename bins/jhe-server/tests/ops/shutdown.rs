//! Shutdown: SIGTERM stops the server from taking new work, lets the request in flight finish, closes the pool
//! and exits 0.
//!
//! The slow request is a real one, slowed by its client: a login form whose body arrives in two parts, with the
//! signal sent in between. The handler is then in the middle of reading its form, exactly as a request from a slow
//! network would be, and no test-only route is needed in the product.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn sigterm_during_a_slow_request_lets_it_finish_with_200_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("jhe.sqlite3").display());
    let mut server = Server::start(
        dir.path(),
        &db,
        &["--demo", "--workers", "2"],
        &[("JHE_SHUTDOWN_TIMEOUT", "20"), ("JHE_LOG", "info")],
    );

    let csrf = "c".repeat(40);
    let body = form(&[
        ("username", MARY),
        ("password", "not her password"),
        ("csrfmiddlewaretoken", &csrf),
        ("next", "/"),
    ]);
    let (first, rest) = body.split_at(body.len() / 2);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        stream,
        "POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nCookie: csrftoken={csrf}\r\n\
         X-Request-Id: slow-request-1\r\nContent-Length: {}\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(500));

    server.terminate();
    // Long enough for the server to have begun its shutdown while the request waits for the rest of its body.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server waits for the request in flight"
    );
    assert!(
        TcpStream::connect(("127.0.0.1", server.port)).is_err(),
        "while it drains, the server accepts no new connection"
    );

    stream.write_all(rest.as_bytes()).unwrap();
    let answer = read_response(&mut stream).unwrap();
    assert_eq!(answer.status, 200, "the request in flight finishes: {answer:?}");
    assert!(
        answer.body.contains("Please enter a correct e-mail and password"),
        "{}",
        answer.body
    );
    assert_eq!(answer.header("x-request-id"), Some("slow-request-1"));

    let started = Instant::now();
    let status = server.wait_exit(Duration::from_secs(20));
    assert!(status.success(), "exit status {status}:\n{}", server.log_text());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "exits soon after the last request"
    );
    assert!(
        try_request(server.port, "GET", "/health", &[], None).is_err(),
        "nothing listens any more"
    );
    let log = server.log_text();
    assert!(
        log.contains("SIGTERM received; starting graceful shutdown"),
        "{log}"
    );
    assert!(log.contains("database connections closed"), "{log}");
}

#[test]
fn an_idle_server_exits_0_at_once_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("jhe.sqlite3").display());
    let mut server = Server::start(dir.path(), &db, &[], &[]);
    let started = Instant::now();
    server.terminate();
    let status = server.wait_exit(Duration::from_secs(20));
    assert!(status.success(), "exit status {status}:\n{}", server.log_text());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(
        !dir.path().join("jhe.sqlite3-wal").exists(),
        "closing the pool checkpointed the WAL into the database file"
    );
}
