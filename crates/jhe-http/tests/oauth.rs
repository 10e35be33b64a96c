//! The authorization server end to end: the whole authorization-code flow, every refusal with its RFC error, the
//! jupyter-smart-on-fhir request sequence, and patient invitations.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

mod common;

use actix_web::cookie::Cookie;
use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use common::*;
use jhe_store::backend_tests;
use serde_json::Value;

fn session(value: &str) -> Cookie<'static> {
    Cookie::new("sessionid", value.to_owned())
}

async fn token_post<S, B>(app: &S, form: &[(&str, &str)]) -> (u16, Value, actix_web::http::header::HeaderMap)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let response = test::call_service(
        app,
        TestRequest::post().uri("/o/token/").set_form(form).to_request(),
    )
    .await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = test::read_body(response).await;
    (
        status,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
        headers,
    )
}

async fn code_for<S, B>(app: &S, session_id: &str, extra: &[(&str, &str)]) -> String
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let response = test::call_service(
        app,
        TestRequest::get()
            .uri(&authorize_url(UI_CLIENT, UI_REDIRECT, extra))
            .cookie(session(session_id))
            .to_request(),
    )
    .await;
    assert_eq!(response.status(), 302);
    let location = location(&response).unwrap();
    assert!(location.starts_with(UI_REDIRECT), "{location}");
    query_of(&location)
        .get("code")
        .cloned()
        .unwrap_or_else(|| panic!("no code in {location}"))
}

async fn userinfo_status<S, B>(app: &S, access_token: &str) -> u16
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let response = test::call_service(
        app,
        TestRequest::get()
            .uri("/o/userinfo/")
            .insert_header((header::AUTHORIZATION, format!("Bearer {access_token}")))
            .to_request(),
    )
    .await;
    response.status().as_u16()
}

backend_tests! {
    the_whole_authorization_code_flow_works => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;

        // Not logged in: authorize sends the browser to the login page, which brings it back.
        let url = authorize_url(UI_CLIENT, UI_REDIRECT, &[("nonce", "n-123")]);
        let response = test::call_service(&app, TestRequest::get().uri(&url).to_request()).await;
        assert_eq!(response.status(), 302);
        let to_login = location(&response).unwrap();
        assert!(to_login.starts_with("/accounts/login/?next="), "{to_login}");
        assert!(response.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none(), "no CORS on authorize");

        let form = test::call_service(&app, TestRequest::get().uri(&to_login).to_request()).await;
        assert_eq!(form.status(), 200);
        let csrf = set_cookie(&form, "csrftoken").unwrap();
        let html = String::from_utf8(test::read_body(form).await.to_vec()).unwrap();
        assert!(html.contains("name=\"username\"") && html.contains("csrfmiddlewaretoken"), "{html}");
        let next = query_of(&to_login)["next"].clone();
        let response = test::call_service(
            &app,
            TestRequest::post()
                .uri("/accounts/login/")
                .cookie(Cookie::new("csrftoken", csrf.clone()))
                .peer_addr("127.0.0.1:50000".parse().unwrap())
                .set_form([("username", "manager_mary@example.com"), ("password", PASSWORD), ("csrfmiddlewaretoken", &csrf), ("next", &next)])
                .to_request(),
        )
        .await;
        assert_eq!(response.status(), 302);
        assert_eq!(location(&response).as_deref(), Some(next.as_str()));
        let cookie = response.response().cookies().find(|c| c.name() == "sessionid").unwrap().into_owned();
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.same_site(), Some(actix_web::cookie::SameSite::Lax));
        assert_ne!(cookie.secure(), Some(true), "http site: no Secure flag");

        let response = test::call_service(&app, TestRequest::get().uri(&next).cookie(session(cookie.value())).to_request()).await;
        assert_eq!(response.status(), 302);
        let back = location(&response).unwrap();
        let params = query_of(&back);
        assert!(back.starts_with(UI_REDIRECT));
        assert_eq!(params["state"], "st-42");
        let code = params["code"].clone();

        let (status, tokens, headers) = token_post(&app, &[
            ("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", UI_REDIRECT),
            ("client_id", UI_CLIENT), ("code_verifier", VERIFIER),
        ]).await;
        assert_eq!(status, 200, "{tokens}");
        assert_eq!(headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
        assert_eq!(headers.get(header::PRAGMA).unwrap(), "no-cache");
        assert_eq!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(), "*");
        assert_eq!(tokens["token_type"], "Bearer");
        assert_eq!(tokens["expires_in"], 1_209_600);
        assert_eq!(tokens["scope"], "openid email");
        assert!(tokens["access_token"].as_str().unwrap().len() >= 43, "at least 256 bits");
        assert!(tokens["refresh_token"].is_string());
        assert!(tokens.get("patient").is_none(), "a practitioner has no patient context");
        let claims = jhe_oauth::verify_jwt(
            tokens["id_token"].as_str().unwrap(),
            &[&jhe_oauth::SigningKey::from_pem(&test_key_pem()).unwrap()],
        ).unwrap();
        assert_eq!(claims["iss"], "http://localhost:8000/o");
        assert_eq!(claims["sub"], "10002");
        assert_eq!(claims["aud"], UI_CLIENT);
        assert_eq!(claims["nonce"], "n-123");
        assert_eq!(claims["email"], "manager_mary@example.com");
        assert_eq!(claims["fhirUser"], "Practitioner/80002");
        assert!(claims["at_hash"].is_string() && claims["auth_time"].is_i64());

        let access = tokens["access_token"].as_str().unwrap().to_owned();
        let response = test::call_service(&app, TestRequest::get().uri("/o/userinfo/").insert_header(bearer(&tokens)).to_request()).await;
        assert_eq!(response.status(), 200);
        let info: Value = test::read_body_json(response).await;
        assert_eq!(info["sub"], "10002");
        assert_eq!(info["email"], "manager_mary@example.com");

        // Refresh rotates: a new pair, and the old refresh token is spent.
        let (status, refreshed, _) = token_post(&app, &[
            ("grant_type", "refresh_token"), ("refresh_token", tokens["refresh_token"].as_str().unwrap()), ("client_id", UI_CLIENT),
        ]).await;
        assert_eq!(status, 200, "{refreshed}");
        assert_ne!(refreshed["refresh_token"], tokens["refresh_token"]);
        assert_ne!(refreshed["access_token"], tokens["access_token"]);
        assert!(refreshed["id_token"].is_string());

        // Introspection with the caller's own bearer token.
        let response = test::call_service(&app, TestRequest::post().uri("/o/introspect/")
            .insert_header(bearer(&refreshed)).set_form([("token", access.as_str())]).to_request()).await;
        assert_eq!(response.status(), 200);
        let intro: Value = test::read_body_json(response).await;
        assert_eq!(intro["active"], true);
        assert_eq!(intro["client_id"], UI_CLIENT);
        assert_eq!(intro["username"], "manager_mary@example.com");

        // Revocation: the token stops working at once.
        let response = test::call_service(&app, TestRequest::post().uri("/o/revoke_token/")
            .set_form([("token", access.as_str()), ("client_id", UI_CLIENT)]).to_request()).await;
        assert_eq!(response.status(), 200);
        assert_eq!(userinfo_status(&app, &access).await, 401);
        let response = test::call_service(&app, TestRequest::post().uri("/o/introspect/")
            .insert_header(bearer(&refreshed)).set_form([("token", access.as_str())]).to_request()).await;
        let intro: Value = test::read_body_json(response).await;
        assert_eq!(intro, serde_json::json!({"active": false}));

        // Logout ends the server session: authorize asks for a login again.
        let session_value = cookie.value().to_owned();
        let response = test::call_service(&app, TestRequest::get()
            .uri("/accounts/logout/?client_id=jhe-admin-ui&post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A8000%2F&state=bye")
            .cookie(session(&session_value)).to_request()).await;
        assert_eq!(response.status(), 302);
        assert_eq!(location(&response).as_deref(), Some("http://localhost:8000/?state=bye"), "a registered post-logout URI");
        let response = test::call_service(&app, TestRequest::get()
            .uri("/accounts/logout/?client_id=jhe-admin-ui&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F").to_request()).await;
        assert_eq!(location(&response).as_deref(), Some("/accounts/login/"), "an unregistered one is ignored");
        let response = test::call_service(&app, TestRequest::get().uri(&url).cookie(session(&session_value)).to_request()).await;
        assert!(location(&response).unwrap().starts_with("/accounts/login/"));
    });

    refusals_carry_the_rfc_error_codes => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let sid = login(&app, "manager_mary@example.com", PASSWORD).await.unwrap();

        // Wrong or foreign redirect URIs are never redirected to.
        for evil in ["https://evil.example/auth/callback", "http://localhost:8000/auth/callback/../evil", "http://localhost:8000/auth/callback?x=1"] {
            let response = test::call_service(&app, TestRequest::get().uri(&authorize_url(UI_CLIENT, evil, &[])).cookie(session(&sid)).to_request()).await;
            assert_eq!(response.status(), 400, "{evil}");
            assert!(location(&response).is_none(), "{evil} must not be redirected to");
        }
        let response = test::call_service(&app, TestRequest::get().uri(&authorize_url("no-such-client", UI_REDIRECT, &[])).to_request()).await;
        assert_eq!(response.status(), 400);
        assert!(location(&response).is_none());

        // Request errors go back to the client with the RFC code.
        let error_of = |loc: Option<String>| query_of(&loc.unwrap()).get("error").cloned().unwrap_or_default();
        let response = test::call_service(&app, TestRequest::get().uri(&authorize_url(UI_CLIENT, UI_REDIRECT, &[("no_pkce", "")])).cookie(session(&sid)).to_request()).await;
        assert_eq!(error_of(location(&response)), "invalid_request", "missing PKCE");
        let response = test::call_service(&app, TestRequest::get().uri(&authorize_url(UI_CLIENT, UI_REDIRECT,
            &[("code_challenge", VERIFIER), ("code_challenge_method", "plain")])).cookie(session(&sid)).to_request()).await;
        assert_eq!(error_of(location(&response)), "invalid_request", "plain PKCE");
        let response = test::call_service(&app, TestRequest::get().uri(&authorize_url(UI_CLIENT, UI_REDIRECT, &[("scope", "openid admin")])).cookie(session(&sid)).to_request()).await;
        let loc = location(&response).unwrap();
        assert_eq!(query_of(&loc)["error"], "invalid_scope");
        assert_eq!(query_of(&loc)["state"], "st-42");

        // Wrong verifier.
        let code = code_for(&app, &sid, &[]).await;
        let (status, body, _) = token_post(&app, &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", UI_REDIRECT),
            ("client_id", UI_CLIENT), ("code_verifier", "another-verifier-0123456789-abcdefghijklmnopqrstuvw")]).await;
        assert_eq!((status, body), (400, serde_json::json!({"error": "invalid_grant"})));

        // Code reuse is refused and revokes what the code had issued.
        let code = code_for(&app, &sid, &[]).await;
        let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", UI_REDIRECT), ("client_id", UI_CLIENT), ("code_verifier", VERIFIER)];
        let (status, first, _) = token_post(&app, &form).await;
        assert_eq!(status, 200);
        let (status, body, headers) = token_post(&app, &form).await;
        assert_eq!((status, body), (400, serde_json::json!({"error": "invalid_grant"})), "transcript 12");
        assert_eq!(headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
        assert_eq!(userinfo_status(&app, first["access_token"].as_str().unwrap()).await, 401, "tokens from a replayed code are revoked");

        // An expired code.
        let code = code_for(&app, &sid, &[]).await;
        t.db.execute("UPDATE authorization_codes SET expires_at = created_at WHERE consumed_at IS NULL");
        let (status, body, _) = token_post(&app, &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", UI_REDIRECT),
            ("client_id", UI_CLIENT), ("code_verifier", VERIFIER)]).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));

        // Refresh-token reuse revokes the whole family.
        let code = code_for(&app, &sid, &[]).await;
        let (_, tokens, _) = token_post(&app, &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", UI_REDIRECT),
            ("client_id", UI_CLIENT), ("code_verifier", VERIFIER)]).await;
        let old_refresh = tokens["refresh_token"].as_str().unwrap();
        let (status, rotated, _) = token_post(&app, &[("grant_type", "refresh_token"), ("refresh_token", old_refresh), ("client_id", UI_CLIENT)]).await;
        assert_eq!(status, 200);
        let (status, body, _) = token_post(&app, &[("grant_type", "refresh_token"), ("refresh_token", old_refresh), ("client_id", UI_CLIENT)]).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
        assert_eq!(userinfo_status(&app, rotated["access_token"].as_str().unwrap()).await, 401, "the family's newest access token is revoked");
        let (status, _, _) = token_post(&app, &[("grant_type", "refresh_token"), ("refresh_token", rotated["refresh_token"].as_str().unwrap()), ("client_id", UI_CLIENT)]).await;
        assert_eq!(status, 400, "the family's newest refresh token is revoked");

        // Grants the client is not registered for (transcript 13) and grants nobody supports.
        let (status, body, _) = token_post(&app, &[("grant_type", "password"), ("username", "manager_mary@example.com"), ("password", PASSWORD), ("client_id", UI_CLIENT)]).await;
        assert_eq!((status, body), (400, serde_json::json!({"error": "unauthorized_client"})));
        let (status, body, _) = token_post(&app, &[("grant_type", "magic"), ("client_id", UI_CLIENT)]).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("unsupported_grant_type")));
        let (status, body, _) = token_post(&app, &[("grant_type", "authorization_code"), ("code", "x"), ("client_id", "nobody")]).await;
        assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
    });

    a_practitioner_api_client_uses_client_credentials_and_a_wrong_secret_fails => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        {
            use jhe_domain::*;
            let mut conn = t.state.pool.get().unwrap();
            let client = jhe_store::clients::create_client(&mut conn, &NewOAuthClient {
                id: None, client_id: "notebook-key".into(), client_secret_hash: Some(jhe_oauth::hash_client_secret("s3cret-value-for-tests")),
                client_type: ClientType::Confidential, grant_type: GrantType::ClientCredentials, redirect_uris: vec![],
                post_logout_redirect_uris: vec![], allowed_origins: vec![], skip_authorization: true, name: "notebook".into(), owner_user_id: Some(UserId(10002)),
            }, chrono::Utc::now()).unwrap();
            jhe_store::clients::set_practitioner_client(&mut conn, &PractitionerClient { client_id: client.id, practitioner_id: PractitionerId(80002), label: "notebook".into() }).unwrap();
        }
        let app = t.service().await;
        let (status, tokens, _) = token_post(&app, &[("grant_type", "client_credentials"), ("client_id", "notebook-key"), ("client_secret", "s3cret-value-for-tests")]).await;
        assert_eq!(status, 200, "{tokens}");
        assert!(tokens.get("refresh_token").is_none());
        let response = test::call_service(&app, TestRequest::get().uri("/o/userinfo/").insert_header(bearer(&tokens)).to_request()).await;
        let info: Value = test::read_body_json(response).await;
        assert_eq!(info["email"], "manager_mary@example.com", "the token acts as the practitioner who owns the client");

        let (status, body, headers) = token_post(&app, &[("grant_type", "client_credentials"), ("client_id", "notebook-key"), ("client_secret", "wrong")]).await;
        assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
        assert!(headers.get(header::CACHE_CONTROL).is_some());
        // The same through HTTP Basic gets a Basic challenge.
        let response = test::call_service(&app, TestRequest::post().uri("/o/token/")
            .insert_header((header::AUTHORIZATION, "Basic bm90ZWJvb2sta2V5Ondyb25n"))
            .set_form([("grant_type", "client_credentials")]).to_request()).await;
        assert_eq!(response.status(), 401);
        assert!(response.headers().get(header::WWW_AUTHENTICATE).unwrap().to_str().unwrap().starts_with("Basic"));
    });

    token_requests_arriving_together_are_all_answered => |backend| actix_web::rt::System::new().block_on(async move {
        // Each grant reads (the client) and then writes (the token) in one transaction. On SQLite such a
        // transaction used to be refused with "database is locked" when another wrote first; now writers queue.
        use futures_util::future::join4;
        let t = TestApp::new(backend);
        {
            use jhe_domain::*;
            let mut conn = t.state.pool.get().unwrap();
            let client = jhe_store::clients::create_client(&mut conn, &NewOAuthClient {
                id: None, client_id: "notebook-key".into(), client_secret_hash: Some(jhe_oauth::hash_client_secret("s3cret-value-for-tests")),
                client_type: ClientType::Confidential, grant_type: GrantType::ClientCredentials, redirect_uris: vec![],
                post_logout_redirect_uris: vec![], allowed_origins: vec![], skip_authorization: true, name: "notebook".into(), owner_user_id: Some(UserId(10002)),
            }, chrono::Utc::now()).unwrap();
            jhe_store::clients::set_practitioner_client(&mut conn, &PractitionerClient { client_id: client.id, practitioner_id: PractitionerId(80002), label: "notebook".into() }).unwrap();
        }
        let app = t.service().await;
        let form = [("grant_type", "client_credentials"), ("client_id", "notebook-key"), ("client_secret", "s3cret-value-for-tests")];
        let four = || join4(token_post(&app, &form), token_post(&app, &form), token_post(&app, &form), token_post(&app, &form));
        for round in 0..5 {
            let (a, b, c, d) = join4(four(), four(), four(), four()).await;
            let answers = [a, b, c, d].into_iter().flat_map(|(w, x, y, z)| [w, x, y, z]);
            let mut tokens = std::collections::HashSet::new();
            for (status, body, _) in answers {
                assert_eq!(status, 200, "round {round}: {body}");
                assert!(tokens.insert(body["access_token"].as_str().unwrap().to_owned()), "round {round}: a token issued twice");
            }
            assert_eq!(tokens.len(), 16);
        }
    });

    failed_logins_are_throttled_per_account_and_audited => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        for attempt in 0..10 {
            assert!(login(&app, "member_megan@example.com", "wrong password").await.is_none(), "attempt {attempt}");
        }
        // The eleventh attempt is refused without checking the password, even the right one.
        let form = test::call_service(&app, TestRequest::get().uri("/accounts/login/").to_request()).await;
        let csrf = set_cookie(&form, "csrftoken").unwrap();
        let response = test::call_service(&app, TestRequest::post().uri("/accounts/login/")
            .cookie(Cookie::new("csrftoken", csrf.clone())).peer_addr("127.0.0.1:50000".parse().unwrap())
            .set_form([("username", "member_megan@example.com"), ("password", PASSWORD), ("csrfmiddlewaretoken", &csrf)]).to_request()).await;
        assert_eq!(response.status(), 429);
        let retry: i64 = response.headers().get(header::RETRY_AFTER).unwrap().to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&retry), "{retry}");
        // Another account is unaffected.
        assert!(login(&app, "manager_mary@example.com", PASSWORD).await.is_some());
        let mut conn = t.state.pool.get().unwrap();
        let (_, events) = jhe_store::audit::list_audit_events(&mut conn, &Default::default(), 0, 100).unwrap();
        assert!(events.iter().any(|e| e.action == "login.throttled" && e.outcome == jhe_domain::AuditOutcome::Denied));
        assert_eq!(events.iter().filter(|e| e.action == "login.failed").count(), 10);
    });

    login_rejects_a_missing_csrf_token_and_foreign_next_targets => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let response = test::call_service(&app, TestRequest::post().uri("/accounts/login/")
            .set_form([("username", "manager_mary@example.com"), ("password", PASSWORD)]).to_request()).await;
        assert_eq!(response.status(), 403);
        let form = test::call_service(&app, TestRequest::get().uri("/accounts/login/").to_request()).await;
        let csrf = set_cookie(&form, "csrftoken").unwrap();
        let response = test::call_service(&app, TestRequest::post().uri("/accounts/login/")
            .cookie(Cookie::new("csrftoken", csrf.clone())).peer_addr("127.0.0.1:50000".parse().unwrap())
            .set_form([("username", "manager_mary@example.com"), ("password", PASSWORD), ("csrfmiddlewaretoken", &csrf), ("next", "https://evil.example/")]).to_request()).await;
        assert_eq!(response.status(), 302);
        assert_eq!(location(&response).as_deref(), Some("/"), "open redirects are refused");
    });

    session_cookies_are_secure_when_the_site_is_https => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::with_config(backend, |c| c.site_url = "https://jhe.example.org".into());
        let app = t.service().await;
        let form = test::call_service(&app, TestRequest::get().uri("/accounts/login/").to_request()).await;
        let csrf = form.response().cookies().find(|c| c.name() == "csrftoken").unwrap().into_owned();
        assert_eq!(csrf.secure(), Some(true));
        let response = test::call_service(&app, TestRequest::post().uri("/accounts/login/")
            .cookie(Cookie::new("csrftoken", csrf.value().to_owned())).peer_addr("127.0.0.1:50000".parse().unwrap())
            .set_form([("username", "manager_mary@example.com"), ("password", PASSWORD), ("csrfmiddlewaretoken", csrf.value())]).to_request()).await;
        let session = response.response().cookies().find(|c| c.name() == "sessionid").unwrap().into_owned();
        assert_eq!((session.secure(), session.http_only()), (Some(true), Some(true)));
        let stored = {
            let mut conn = t.state.pool.get().unwrap();
            jhe_store::auth::session_user(&mut conn, &jhe_oauth::hash_token(session.value()), chrono::Utc::now()).unwrap()
        };
        assert_eq!(stored, Some(jhe_domain::UserId(10002)), "sessions live in the database, found by the cookie's hash");
    });

    jupyter_smart_on_fhir_logs_in_with_its_own_request_sequence => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let jupyter_redirect = "http://localhost:8888/smart-on-fhir/callback";
        // 1. Discovery at the FHIR base.
        let response = test::call_service(&app, TestRequest::get().uri("/FHIR/R5/.well-known/smart-configuration").to_request()).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(), "*");
        let smart: Value = test::read_body_json(response).await;
        assert_eq!(smart["authorization_endpoint"], "http://localhost:8000/o/authorize/");
        assert_eq!(smart["token_endpoint"], "http://localhost:8000/o/token/");
        assert_eq!(smart["code_challenge_methods_supported"], serde_json::json!(["S256"]));
        assert!(smart["capabilities"].as_array().unwrap().iter().any(|c| c == "launch-standalone"));

        // 2. Authorize with aud, an empty launch and the extension's default scopes.
        let sid = login(&app, "manager_mary@example.com", PASSWORD).await.unwrap();
        let scopes = "openid profile fhirUser launch patient/*.*";
        let extra = [("aud", "http://localhost:8000/FHIR/R5"), ("launch", ""), ("scope", scopes)];
        let response = test::call_service(&app, TestRequest::get()
            .uri(&authorize_url("jupyter-smart-on-fhir", jupyter_redirect, &extra)).cookie(session(&sid)).to_request()).await;
        assert_eq!(response.status(), 302);
        let loc = location(&response).unwrap();
        assert!(loc.starts_with(jupyter_redirect), "{loc}");
        let code = query_of(&loc)["code"].clone();

        // 3. The code exchange, as a public client with a form POST.
        let (status, tokens, _) = token_post(&app, &[("grant_type", "authorization_code"), ("code", &code),
            ("redirect_uri", jupyter_redirect), ("client_id", "jupyter-smart-on-fhir"), ("code_verifier", VERIFIER)]).await;
        assert_eq!(status, 200, "{tokens}");
        assert!(tokens["scope"].as_str().unwrap().contains("patient/*.*"));
        assert!(tokens["id_token"].is_string());

        // A wrong audience gets no code.
        let extra = [("aud", "https://other.example/fhir"), ("launch", ""), ("scope", scopes)];
        let response = test::call_service(&app, TestRequest::get()
            .uri(&authorize_url("jupyter-smart-on-fhir", jupyter_redirect, &extra)).cookie(session(&sid)).to_request()).await;
        let loc = location(&response).unwrap();
        let params = query_of(&loc);
        assert!(!params.contains_key("code"), "{loc}");
        assert_eq!(params["error"], "invalid_request");
    });

    patient_invitations_follow_the_reference_flow => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let carex = {
            let mut conn = t.state.pool.get().unwrap();
            jhe_store::clients::find_client_by_name(&mut conn, "CareX").unwrap().unwrap()
        };
        let mary = token_for(&app, "manager_mary@example.com").await;
        let issue = |token: Value| TestRequest::post().uri("/api/v1/invitation").insert_header(bearer(&token))
            .set_json(serde_json::json!({"patient_id": 40001, "client_id": carex.id.get(), "send_email": false})).to_request();

        // Issue (transcript 55).
        let response = test::call_service(&app, issue(mary.clone())).await;
        assert_eq!(response.status(), 201);
        let inv: Value = test::read_body_json(response).await;
        assert_eq!(inv["patientId"], 40001);
        assert_eq!(inv["client_id"], carex.id.get());
        assert_eq!(inv["status"], "issued");
        let token = inv["token"].as_str().unwrap().to_owned();
        assert_eq!(token.len(), 32);
        assert_eq!(inv["tokenHash"].as_str().unwrap().len(), 43);
        assert_eq!(inv["invitationLink"], format!("https://carex.ai/invitation/localhost%3A8000_{token}"));
        assert!(inv["lastUpdated"].as_str().unwrap().ends_with('Z'));

        // Redeem, unauthenticated (transcript 56).
        let response = test::call_service(&app, TestRequest::post().uri(&format!("/api/v1/invitation/{token}")).to_request()).await;
        assert_eq!(response.status(), 200);
        let redeemed: Value = test::read_body_json(response).await;
        let grant = &redeemed["grant"];
        assert_eq!(grant["grant_type"], "authorization_code");
        assert_eq!(grant["redirect_uri"], UI_REDIRECT);
        assert_eq!(grant["client_id"], carex.client_id.as_str());
        assert_eq!(redeemed["token_endpoint"], "http://localhost:8000/o/token/");
        assert!(redeemed["expires"].is_string());

        // Token with verifier = base64url(token) (transcript 57).
        let verifier = jhe_oauth::invitation_code_verifier(&token);
        let (status, patient_tokens, _) = token_post(&app, &[("grant_type", "authorization_code"), ("code", grant["code"].as_str().unwrap()),
            ("redirect_uri", UI_REDIRECT), ("client_id", carex.client_id.as_str()), ("code_verifier", &verifier)]).await;
        assert_eq!(status, 200, "{patient_tokens}");
        assert_eq!(patient_tokens["patient"], "40001");
        assert_eq!(patient_tokens["scope"], "openid email");

        // Redeem again within the window (transcript 58), then an unknown token (transcript 59).
        let response = test::call_service(&app, TestRequest::post().uri(&format!("/api/v1/invitation/{token}")).to_request()).await;
        assert_eq!(response.status(), 200);
        let response = test::call_service(&app, TestRequest::post().uri("/api/v1/invitation/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").to_request()).await;
        assert_eq!(response.status(), 404);
        let body: Value = test::read_body_json(response).await;
        assert_eq!(body, serde_json::json!({"detail": "Invitation not found or already used."}));

        // A new invitation reissues the open one; a cancelled one is refused.
        let response = test::call_service(&app, issue(mary.clone())).await;
        let second: Value = test::read_body_json(response).await;
        let response = test::call_service(&app, TestRequest::delete().uri(&format!("/api/v1/invitation/{}", second["id"])).insert_header(bearer(&mary)).to_request()).await;
        assert_eq!(response.status(), 204);
        let response = test::call_service(&app, TestRequest::post().uri(&format!("/api/v1/invitation/{}", second["token"].as_str().unwrap())).to_request()).await;
        assert_eq!(response.status(), 403);

        // Gap G3 closed: an unrelated practitioner, a viewer and a patient cannot mint invitations.
        for (who, token) in [
            ("Mark, no role for Peter", token_for(&app, "manager_mark@example.com").await),
            ("Victor, viewer", token_for(&app, "viewer_victor@example.com").await),
            ("Peter himself", patient_tokens.clone()),
        ] {
            let response = test::call_service(&app, issue(token)).await;
            assert_eq!(response.status(), 403, "{who}");
        }
        let response = test::call_service(&app, TestRequest::post().uri("/api/v1/invitation")
            .set_json(serde_json::json!({"patient_id": 40001, "client_id": carex.id.get()})).to_request()).await;
        assert_eq!(response.status(), 401);
        assert!(response.headers().get(header::WWW_AUTHENTICATE).is_some());
    });
}

backend_tests! {
    generated_keys_are_encrypted_at_rest_when_a_secret_is_configured => |backend| {
        let t = TestApp::with_config(backend, |c| {
            c.signing_key_pem = None;
            c.key_encryption_secret = Some(jhe_http::config::Secret::new("a-long-test-only-secret-value"));
        });
        let mut conn = t.state.pool.get().unwrap();
        let kid = t.state.keys.ensure(&mut conn, chrono::Utc::now()).unwrap();
        assert_eq!(t.state.keys.ensure(&mut conn, chrono::Utc::now()).unwrap(), kid, "ensure does not rotate");
        let stored = jhe_store::auth::signing_keys(&mut conn).unwrap();
        assert_eq!(stored.len(), 1);
        assert!(stored[0].encrypted);
        assert!(!stored[0].private_key.contains("PRIVATE KEY"), "no plain PEM in the database");
        assert_eq!(t.state.keys.active(&mut conn).unwrap().kid(), kid);
        // A replica without the secret cannot use the key, and says why.
        let blind = jhe_http::keys::KeyRing::from_config(&jhe_http::HttpConfig::new(SITE)).unwrap();
        let err = blind.active(&mut conn).unwrap_err().to_string();
        assert!(err.contains("JHE_KEY_ENCRYPTION_SECRET"), "{err}");
    };
}
