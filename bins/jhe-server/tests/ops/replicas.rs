//! Replicas: two `jhe-server serve` processes on different ports share one fresh PostgreSQL database, and
//! everything a user or client holds works on either: a session made on one, a code and a token issued by one, the
//! login throttle's counts, and a key rotation made beside both.

use crate::support::*;

const SITE: &str = "http://localhost:8000";
const REDIRECT: &str = "http://localhost:8000/auth/callback";
const VERIFIER: &str = "replica-test-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";
const KEY_SECRET: &str = "replica-key-encryption-secret-0123456789";

fn authorize_path() -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("response_type", "code")
        .append_pair("client_id", "jhe-admin-ui")
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("scope", "openid email")
        .append_pair("state", "replica-state")
        .append_pair("code_challenge", &jhe_oauth::s256_challenge(VERIFIER))
        .append_pair("code_challenge_method", "S256");
    format!("/o/authorize/?{}", q.finish())
}

fn query_param(location: &str, name: &str) -> Option<String> {
    url::Url::parse(location)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The kids of the published keys, in order (the active one first).
fn jwks_kids(port: u16) -> Vec<String> {
    let answer = get(port, "/o/.well-known/jwks.json");
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.json()["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

/// The `kid` in a JWT's header.
fn jwt_kid(jwt: &str) -> String {
    let header = jwt.split('.').next().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&base64_url_decode(header)).unwrap();
    json["kid"].as_str().unwrap().to_owned()
}

/// base64url without padding, enough for a JWT header.
fn base64_url_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let value = ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}

#[test]
#[cfg_attr(
    not(jhe_postgres_tests),
    ignore = "PostgreSQL: set JHE_TEST_POSTGRES_URL to run"
)]
fn two_replicas_on_one_postgres_share_sessions_tokens_throttling_and_keys() {
    let db = jhe_store::testing::TestDb::empty(jhe_store::Backend::Postgres);
    let dir = tempfile::tempdir().unwrap();
    run_ok(&mut server(
        dir.path(),
        &["seed", "--database-url", &db.url, "--site-url", SITE],
    ));

    // Both replicas as an orchestrator starts them: at once, with one configuration. The startup lock lets one
    // create the signing key and the other find it.
    let env = [
        ("JHE_SITE_URL", SITE),
        ("JHE_KEY_ENCRYPTION_SECRET", KEY_SECRET),
        ("JHE_LOGIN_MAX_FAILURES", "3"),
        ("JHE_WORKERS", "2"),
        ("JHE_DATABASE_POOL_SIZE", "4"),
    ];
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| Server::start(dir.path(), &db.url, &[], &env));
        let b = s.spawn(|| Server::start(dir.path(), &db.url, &[], &env));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_ne!(a.port, b.port);
    for replica in [&a, &b] {
        assert_eq!(get(replica.port, "/health/ready").status, 200);
    }
    let first_kids = jwks_kids(a.port);
    assert_eq!(
        first_kids.len(),
        1,
        "replicas that start together create one key: {first_kids:?}"
    );
    assert_eq!(jwks_kids(b.port), first_kids);

    // A session made on A is good on B: B issues a code for it.
    let session = login(a.port, MARY, PASSWORD).unwrap();
    let answer = request(
        b.port,
        "GET",
        &authorize_path(),
        &[("Cookie", &format!("sessionid={session}"))],
        None,
    );
    assert_eq!(answer.status, 302, "{answer:?}");
    let location = answer.header("location").unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    assert_eq!(query_param(location, "state").as_deref(), Some("replica-state"));
    let code = query_param(location, "code").unwrap();

    // The code from B is redeemed on A, and A's token works on B.
    let tokens = post_form(
        a.port,
        "/o/token/",
        &[],
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", "jhe-admin-ui"),
            ("code_verifier", VERIFIER),
        ],
    );
    assert_eq!(tokens.status, 200, "{tokens:?}");
    let tokens = tokens.json();
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(jwt_kid(tokens["id_token"].as_str().unwrap()), first_kids[0]);
    let bearer = format!("Bearer {access}");
    let info = request(b.port, "GET", "/o/userinfo/", &[("Authorization", &bearer)], None);
    assert_eq!(info.status, 200, "{info:?}");
    assert_eq!(info.json()["email"], MARY);

    // Revoked on B, refused on A at once: no replica caches a token.
    let revoked = post_form(
        b.port,
        "/o/revoke_token/",
        &[],
        &[("token", access), ("client_id", "jhe-admin-ui")],
    );
    assert_eq!(revoked.status, 200, "{revoked:?}");
    assert_eq!(
        request(a.port, "GET", "/o/userinfo/", &[("Authorization", &bearer)], None).status,
        401
    );

    // Failed logins counted on A throttle the account on B.
    for _ in 0..3 {
        assert_eq!(
            login(a.port, "owen@example.com", "wrong").unwrap_err().status,
            200
        );
    }
    assert_eq!(
        login(b.port, "owen@example.com", "wrong").unwrap_err().status,
        429
    );

    // A rotation beside both replicas (the operator's command on the shared database) is seen by both at once.
    let rotated = run_ok(
        server(dir.path(), &["keys", "rotate", "--database-url", &db.url])
            .env("JHE_KEY_ENCRYPTION_SECRET", KEY_SECRET),
    );
    let new_kid = rotated
        .trim()
        .strip_prefix("new active signing key: ")
        .unwrap()
        .to_owned();
    for replica in [&a, &b] {
        let kids = jwks_kids(replica.port);
        assert_eq!(
            kids.first(),
            Some(&new_kid),
            "the new key is published first on port {}",
            replica.port
        );
        assert!(
            kids.contains(&first_kids[0]),
            "the old key stays published for tokens it signed"
        );
    }
    // And B signs with it from now on.
    let session = login(b.port, MARY, PASSWORD).unwrap();
    let answer = request(
        a.port,
        "GET",
        &authorize_path(),
        &[("Cookie", &format!("sessionid={session}"))],
        None,
    );
    let code = query_param(answer.header("location").unwrap(), "code").unwrap();
    let tokens = post_form(
        b.port,
        "/o/token/",
        &[],
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", "jhe-admin-ui"),
            ("code_verifier", VERIFIER),
        ],
    );
    assert_eq!(tokens.status, 200, "{tokens:?}");
    assert_eq!(jwt_kid(tokens.json()["id_token"].as_str().unwrap()), new_kid);
}
