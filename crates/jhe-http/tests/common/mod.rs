//! A test application on a fresh, seeded database, and helpers that act like a browser or an OAuth client.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::OnceLock;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use chrono::Utc;
use jhe_http::{AppState, HttpConfig, config::Secret};
use jhe_store::testing::TestDb;
use jhe_store::{Backend, seed};

pub const SITE: &str = "http://localhost:8000";
pub const PASSWORD: &str = "Jhe1234!";
pub const UI_CLIENT: &str = "jhe-admin-ui";
pub const UI_REDIRECT: &str = "http://localhost:8000/auth/callback";
/// An RFC 7636-shaped verifier (43+ unreserved characters) and its S256 challenge.
pub const VERIFIER: &str = "test-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";

pub fn challenge(verifier: &str) -> String {
    jhe_oauth::s256_challenge(verifier)
}

/// One RSA key per test binary: generating one is slow, and each test database gets it through configuration.
pub fn test_key_pem() -> String {
    static PEM: OnceLock<String> = OnceLock::new();
    PEM.get_or_init(|| {
        let mut rng = jhe_oauth::KeyRng::default();
        let key = jhe_oauth::SigningKey::generate(&mut rng, jhe_oauth::DEFAULT_RSA_BITS).unwrap();
        key.to_pkcs8_pem().unwrap().to_string()
    })
    .clone()
}

fn demo_password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| jhe_oauth::password::hash_password(PASSWORD, b"test-salt-16byte").unwrap())
        .clone()
}

pub struct TestApp {
    pub db: TestDb,
    pub state: AppState,
}

impl TestApp {
    /// A seeded database with the default configuration and the shared test key.
    pub fn new(backend: Backend) -> TestApp {
        Self::with_config(backend, |_| {})
    }

    pub fn with_config(backend: Backend, adjust: impl FnOnce(&mut HttpConfig)) -> TestApp {
        let (db, pool) = TestDb::migrated(backend);
        {
            let mut conn = pool.get().unwrap();
            let mut hash = demo_password_hash;
            let mut n = 0;
            let mut client_id = || {
                n += 1;
                format!("patient-app-{n:0>28}")
            };
            let mut uuid = || "3b9a1d2e-5f60-4c7b-8a9d-0e1f2a3b4c5d".to_owned();
            seed::seed_demo(
                &mut conn,
                &mut seed::SeedInputs {
                    now: Utc::now(),
                    site_url: SITE,
                    hash_demo_password: &mut hash,
                    random_client_id: &mut client_id,
                    random_uuid: &mut uuid,
                },
            )
            .unwrap();
        }
        let mut config = HttpConfig::new(SITE);
        config.signing_key_pem = Some(Secret::new(test_key_pem()));
        adjust(&mut config);
        let state = AppState::new(pool, config).unwrap();
        TestApp { db, state }
    }

    pub async fn service(
        &self,
    ) -> impl Service<actix_http::Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>
    {
        test::init_service(jhe_http::app(self.state.clone())).await
    }
}

/// The value of a `Set-Cookie` the response carries.
pub fn set_cookie<B>(response: &ServiceResponse<B>, name: &str) -> Option<String> {
    response
        .response()
        .cookies()
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

pub fn location<B>(response: &ServiceResponse<B>) -> Option<String> {
    response
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
}

pub fn query_of(url: &str) -> HashMap<String, String> {
    let parsed = url::Url::parse(&format!(
        "http://x{}",
        url.strip_prefix("http://localhost:8000").unwrap_or(url)
    ))
    .or_else(|_| url::Url::parse(url))
    .unwrap();
    parsed
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn authorize_url(client_id: &str, redirect_uri: &str, extra: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", "st-42");
    let mut has_scope = false;
    let mut has_challenge = false;
    for (k, v) in extra {
        has_scope |= *k == "scope";
        has_challenge |= *k == "code_challenge" || *k == "no_pkce";
        if *k != "no_pkce" {
            s.append_pair(k, v);
        }
    }
    if !has_scope {
        s.append_pair("scope", "openid email");
    }
    if !has_challenge {
        s.append_pair("code_challenge", &challenge(VERIFIER))
            .append_pair("code_challenge_method", "S256");
    }
    format!("/o/authorize/?{}", s.finish())
}

/// Logs in through the form and returns the session cookie's value.
pub async fn login<S, B>(app: &S, email: &str, password: &str) -> Option<String>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let form = test::call_service(app, TestRequest::get().uri("/accounts/login/").to_request()).await;
    let csrf = set_cookie(&form, "csrftoken").unwrap();
    let response = test::call_service(
        app,
        TestRequest::post()
            .uri("/accounts/login/")
            .cookie(actix_web::cookie::Cookie::new("csrftoken", csrf.clone()))
            .peer_addr("127.0.0.1:50000".parse().unwrap())
            .set_form([
                ("username", email),
                ("password", password),
                ("csrfmiddlewaretoken", &csrf),
                ("next", "/"),
            ])
            .to_request(),
    )
    .await;
    set_cookie(&response, "sessionid")
}

/// Runs the authorization-code flow with PKCE for a seeded user and returns the token response.
pub async fn token_for<S, B>(app: &S, email: &str) -> serde_json::Value
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let session = login(app, email, PASSWORD).await.expect("login failed");
    let response = test::call_service(
        app,
        TestRequest::get()
            .uri(&authorize_url(UI_CLIENT, UI_REDIRECT, &[]))
            .cookie(actix_web::cookie::Cookie::new("sessionid", session))
            .to_request(),
    )
    .await;
    assert_eq!(response.status(), 302);
    let code = query_of(&location(&response).unwrap())["code"].clone();
    let response = test::call_service(
        app,
        TestRequest::post()
            .uri("/o/token/")
            .set_form([
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", UI_REDIRECT),
                ("client_id", UI_CLIENT),
                ("code_verifier", VERIFIER),
            ])
            .to_request(),
    )
    .await;
    assert_eq!(response.status(), 200);
    test::read_body_json(response).await
}

pub fn bearer(token: &serde_json::Value) -> (header::HeaderName, String) {
    (
        header::AUTHORIZATION,
        format!("Bearer {}", token["access_token"].as_str().unwrap()),
    )
}
