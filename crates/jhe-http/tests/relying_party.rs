//! A real OpenID Connect relying party (the `openidconnect` crate) against a running server: discovery, the
//! authorization-code flow with PKCE, and ID-token validation through JWKS.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use common::*;
use jhe_domain::{ClientType, GrantType, NewOAuthClient};
use jhe_store::backend_tests;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};

/// Just enough HTTP/1.1 for the tests: one request per connection, the whole response read at once.
fn send(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let parsed = url::Url::parse(url).unwrap();
    let mut stream = TcpStream::connect((parsed.host_str().unwrap(), parsed.port().unwrap())).unwrap();
    let path = match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_owned(),
    };
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        parsed.authority(),
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    (status, headers, body)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size = usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 2 + size + 2..];
    }
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// The relying party's HTTP client.
fn http_client(request: openidconnect::HttpRequest) -> Result<openidconnect::HttpResponse, std::io::Error> {
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    let (status, response_headers, body) = send(
        request.method().as_str(),
        &request.uri().to_string(),
        &headers,
        request.body(),
    );
    let mut builder = openidconnect::http::Response::builder().status(status);
    for (name, value) in response_headers {
        builder = builder.header(name, value);
    }
    Ok(builder.body(body).unwrap())
}

fn cookie_from(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .filter_map(|(_, v)| v.split(';').next()?.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

backend_tests! {
    an_openidconnect_relying_party_validates_our_id_tokens => |backend| {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let site = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let redirect = "http://127.0.0.1:9/callback";
        let site_for_config = site.clone();
        let t = TestApp::with_config(backend, move |c| {
            c.site_url = site_for_config;
            // Exercise the database-held key rather than a configured one.
            c.signing_key_pem = None;
        });
        {
            let mut conn = t.state.pool.get().unwrap();
            t.state.keys.ensure(&mut conn, chrono::Utc::now()).unwrap();
            jhe_store::clients::create_client(&mut conn, &NewOAuthClient {
                id: None, client_id: "rp-test".into(), client_secret_hash: None, client_type: ClientType::Public,
                grant_type: GrantType::AuthorizationCode, redirect_uris: vec![redirect.into()], post_logout_redirect_uris: vec![],
                allowed_origins: vec![], skip_authorization: true, name: "RP test".into(), owner_user_id: None,
            }, chrono::Utc::now()).unwrap();
        }
        let state = t.state.clone();
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        let server = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = actix_web::HttpServer::new(move || jhe_http::app(state.clone()))
                    .workers(1)
                    .disable_signals()
                    .listen(listener)
                    .unwrap()
                    .run();
                handle_tx.send(server.handle()).unwrap();
                server.await
            })
        });
        let handle = handle_rx.recv().unwrap();

        // Discovery and JWKS.
        let issuer = IssuerUrl::new(format!("{site}/o")).unwrap();
        let metadata = CoreProviderMetadata::discover(&issuer, &http_client).expect("discovery");
        let client = CoreClient::from_provider_metadata(metadata, ClientId::new("rp-test".into()), None)
            .set_redirect_uri(RedirectUrl::new(redirect.into()).unwrap());
        let verifier = PkceCodeVerifier::new(VERIFIER.into());
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&verifier);
        let (auth_url, csrf, nonce) = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, || CsrfToken::new("rp-state".into()), || Nonce::new("rp-nonce-7".into()))
            .add_scope(Scope::new("email".into()))
            .set_pkce_challenge(challenge)
            .url();

        // The user logs in through the real login page.
        let (_, headers, _) = send("GET", &format!("{site}/accounts/login/"), &[], b"");
        let csrf_cookie = cookie_from(&headers, "csrftoken").unwrap();
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("username", "member_megan@example.com").append_pair("password", PASSWORD)
            .append_pair("csrfmiddlewaretoken", &csrf_cookie).finish();
        let (status, headers, _) = send("POST", &format!("{site}/accounts/login/"), &[
            ("Content-Type".into(), "application/x-www-form-urlencoded".into()),
            ("Cookie".into(), format!("csrftoken={csrf_cookie}")),
        ], form.as_bytes());
        assert_eq!(status, 302);
        let session = cookie_from(&headers, "sessionid").unwrap();

        let (status, headers, _) = send("GET", auth_url.as_str(), &[("Cookie".into(), format!("sessionid={session}"))], b"");
        assert_eq!(status, 302);
        let back = url::Url::parse(header(&headers, "location").unwrap()).unwrap();
        let params: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
        assert_eq!(params["state"], *csrf.secret());

        // Code exchange and full ID-token validation (signature via JWKS, iss, aud, exp, nonce, at_hash).
        let tokens = client
            .exchange_code(AuthorizationCode::new(params["code"].clone()))
            .unwrap()
            .set_pkce_verifier(verifier)
            .request(&http_client)
            .expect("token exchange");
        let id_token = tokens.id_token().expect("an ID token");
        let id_verifier = client.id_token_verifier();
        let claims = id_token.claims(&id_verifier, &nonce).expect("a valid ID token");
        assert_eq!(claims.subject().as_str(), "10003");
        assert_eq!(claims.email().map(|e| e.as_str()), Some("member_megan@example.com"));
        let expected = claims.access_token_hash().expect("at_hash");
        let actual = AccessTokenHash::from_token(
            tokens.access_token(), id_token.signing_alg().unwrap(), id_token.signing_key(&id_verifier).unwrap(),
        ).unwrap();
        assert_eq!(&actual, expected);
        assert!(tokens.refresh_token().is_some());

        // After a rotation the old key stays published and new tokens use the new one.
        let old_kid = { let mut conn = t.state.pool.get().unwrap(); t.state.keys.ensure(&mut conn, chrono::Utc::now()).unwrap() };
        let new_kid = { let mut conn = t.state.pool.get().unwrap(); t.state.keys.rotate(&mut conn, chrono::Utc::now()).unwrap() };
        assert_ne!(old_kid, new_kid);
        let (_, _, body) = send("GET", &format!("{site}/o/.well-known/jwks.json"), &[], b"");
        let jwks: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let kids: Vec<&str> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
        assert_eq!(kids, vec![new_kid.as_str(), old_kid.as_str()], "the active key first, the retired one kept");

        actix_web::rt::System::new().block_on(handle.stop(true));
        server.join().unwrap().unwrap();
    };
}
