//! The web UI as the server delivers it: the single page on every UI route with its security headers, the embedded
//! files with validators, the boot settings (which must match the seeded public client), the development folder
//! mode, and the permission summary the page hides buttons by.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

mod admin_support;
mod common;

use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use admin_support::*;
use common::*;
use jhe_store::Backend;
use jhe_store::backend_tests;
use serde_json::Value;

fn header_of<B>(response: &actix_web::dev::ServiceResponse<B>, name: header::HeaderName) -> String {
    response
        .headers()
        .get(&name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[actix_web::test]
async fn every_page_route_serves_the_single_page_with_a_strict_policy() {
    let t = TestApp::new(Backend::Sqlite);
    let app = t.service().await;
    for uri in [
        "/",
        "/clients/jhe-admin/",
        "/clients/jhe-admin/patients?organizationId=20003&studyId=30001",
        "/auth/callback?code=abc&state=xyz",
        "/auth/callback/",
    ] {
        let response = test::call_service(&app, TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(response.status(), 200, "{uri}");
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            "text/html; charset=utf-8",
            "{uri}"
        );
        let csp = header_of(&response, header::CONTENT_SECURITY_POLICY);
        for directive in [
            "script-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "connect-src 'self'",
        ] {
            assert!(csp.contains(directive), "{uri}: {directive} missing from {csp}");
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert_eq!(header_of(&response, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(header_of(&response, header::REFERRER_POLICY), "no-referrer");
        assert_eq!(header_of(&response, header::X_FRAME_OPTIONS), "DENY");
        assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-store");
        let body = test::read_body(response).await;
        assert_eq!(&body[..], jhe_web::shell().bytes, "{uri}");
    }
}

#[actix_web::test]
async fn the_login_page_and_api_answers_carry_the_security_headers_too() {
    let t = TestApp::new(Backend::Sqlite);
    let app = t.service().await;
    let login = test::call_service(&app, TestRequest::get().uri("/accounts/login/").to_request()).await;
    assert_eq!(login.status(), 200);
    assert!(header_of(&login, header::CONTENT_SECURITY_POLICY).contains("frame-ancestors 'none'"));
    let api = test::call_service(&app, TestRequest::get().uri("/api/v1/users/profile").to_request()).await;
    assert_eq!(api.status(), 401);
    assert_eq!(header_of(&api, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(header_of(&api, header::REFERRER_POLICY), "no-referrer");
}

#[actix_web::test]
async fn files_are_served_with_their_type_and_a_validator() {
    let t = TestApp::new(Backend::Sqlite);
    let app = t.service().await;
    let response = test::call_service(&app, TestRequest::get().uri("/ui/js/app.js").to_request()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header_of(&response, header::CONTENT_TYPE),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-cache");
    let etag = header_of(&response, header::ETAG);
    assert!(etag.starts_with('"') && etag.len() > 2, "{etag}");
    let body = test::read_body(response).await;
    assert_eq!(&body[..], jhe_web::asset("js/app.js").unwrap().bytes);

    let again = test::call_service(
        &app,
        TestRequest::get()
            .uri("/ui/js/app.js")
            .insert_header((header::IF_NONE_MATCH, etag.as_str()))
            .to_request(),
    )
    .await;
    assert_eq!(again.status(), 304);
    assert!(test::read_body(again).await.is_empty());

    for missing in [
        "/ui/js/nope.js",
        "/ui/../Cargo.toml",
        "/ui/%2e%2e/Cargo.toml",
        "/ui/",
    ] {
        let response = test::call_service(&app, TestRequest::get().uri(missing).to_request()).await;
        assert_eq!(response.status(), 404, "{missing}");
    }
}

#[actix_web::test]
async fn the_boot_settings_name_the_seeded_public_client_and_its_registered_uris() {
    let t = TestApp::new(Backend::Sqlite);
    let app = t.service().await;
    let (status, settings) = send(&app, TestRequest::get().uri("/ui/settings.json")).await;
    assert_eq!(status, 200);
    assert_eq!(settings["authority"], format!("{SITE}/o"));
    assert_eq!(settings["clientId"], UI_CLIENT);
    assert_eq!(settings["redirectUri"], UI_REDIRECT);
    assert_eq!(settings["apiBase"], format!("{SITE}/api/v1"));
    assert_eq!(settings["fhirBase"], format!("{SITE}/FHIR/R5"));
    assert!(settings["version"].as_str().unwrap().starts_with('v'));

    let client = jhe_store::clients::find_client_by_client_id(&mut t.state.pool.get().unwrap(), UI_CLIENT)
        .unwrap()
        .expect("the UI's client is seeded");
    assert!(
        client
            .redirect_uris
            .iter()
            .any(|u| settings["redirectUri"] == u.as_str())
    );
    assert!(
        client
            .post_logout_redirect_uris
            .iter()
            .any(|u| settings["postLogoutRedirectUri"] == u.as_str())
    );
}

#[actix_web::test]
async fn a_development_folder_replaces_the_embedded_files_without_escaping_it() {
    let dir = std::env::temp_dir().join(format!("jhe-web-dev-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("js")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>dev page</title>").unwrap();
    std::fs::write(dir.join("js/app.js"), "export const dev = true;").unwrap();
    let t = TestApp::with_config(Backend::Sqlite, |c| c.web_assets_dir = Some(dir.clone()));
    let app = t.service().await;

    let page = test::call_service(
        &app,
        TestRequest::get().uri("/clients/jhe-admin/studies").to_request(),
    )
    .await;
    assert_eq!(page.status(), 200);
    assert!(
        String::from_utf8(test::read_body(page).await.to_vec())
            .unwrap()
            .contains("dev page")
    );
    let script = test::call_service(&app, TestRequest::get().uri("/ui/js/app.js").to_request()).await;
    assert_eq!(
        header_of(&script, header::CONTENT_TYPE),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(&test::read_body(script).await[..], b"export const dev = true;");
    for outside in [
        "/ui/../index.html",
        "/ui/%2e%2e/%2e%2e/etc/passwd",
        "/ui/.hidden",
        "/ui//etc/passwd",
    ] {
        let response = test::call_service(&app, TestRequest::get().uri(outside).to_request()).await;
        assert_eq!(response.status(), 404, "{outside}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

fn organization(summary: &Value, id: i64) -> Option<&Value> {
    summary["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["organizationId"] == id)
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

backend_tests! {
    the_permission_summary_follows_each_callers_roles => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;

        let mary = token_for(&app, "manager_mary@example.com").await;
        let (status, summary) = send(&app, TestRequest::get().uri("/api/v1/users/permissions").insert_header(bearer(&mary))).await;
        assert_eq!(status, 200, "{summary}");
        assert_eq!(summary["isSuperuser"], false);
        let lab = organization(&summary, 20003).expect("Mary manages the lab");
        assert_eq!(lab["role"], "manager");
        for granted in ["organization.manage_members", "patient.manage", "study.manage", "invitation.create"] {
            assert!(names(&lab["permissions"]).contains(&granted), "{granted}: {lab}");
        }
        assert!(organization(&summary, 20004).is_none(), "not Mary's institution");
        assert!(!names(&summary["global"]).contains(&"client.manage"));

        let victor = token_for(&app, "viewer_victor@example.com").await;
        let (_, summary) = send(&app, TestRequest::get().uri("/api/v1/users/permissions").insert_header(bearer(&victor))).await;
        let lab = organization(&summary, 20003).expect("Victor views the lab");
        assert_eq!(lab["role"], "viewer");
        assert_eq!(names(&lab["permissions"]), vec!["organization.read"]);

        let admin = token_for(&app, "admin@example.com").await;
        let (_, summary) = send(&app, TestRequest::get().uri("/api/v1/users/permissions").insert_header(bearer(&admin))).await;
        assert_eq!(summary["isSuperuser"], true);
        for granted in ["organization.create_top_level", "client.manage", "data_source.manage", "setting.manage", "audit.read"] {
            assert!(names(&summary["global"]).contains(&granted), "{granted}: {summary}");
        }
        let lab = organization(&summary, 20003).expect("a superuser manages every organization's structure");
        assert_eq!(lab["role"], Value::Null);
        assert!(names(&lab["permissions"]).contains(&"organization.manage_members"));
        assert!(!names(&lab["permissions"]).contains(&"patient.manage"), "no bypass to patient data");

        let (status, _) = send(&app, TestRequest::get().uri("/api/v1/users/permissions")).await;
        assert_eq!(status, 401);
    });
}
