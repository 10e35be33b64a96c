//! The practitioner web UI: the single page at `/`, `/clients/jhe-admin/…` and `/auth/callback`, its files under
//! `/ui/…` (embedded in the binary by `jhe-web`), the settings the page boots with, and the security headers every
//! response carries.

use std::path::{Component, Path, PathBuf};

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::AppState;

/// The policy of every HTML page: scripts, styles, fonts and API calls from this origin only, no inline scripts,
/// no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
form-action 'self'; frame-ancestors 'none'";

/// The page routes: each serves the single page, which routes on the client.
const PAGE_ROUTES: &[&str] = &[
    "/",
    "/clients/jhe-admin",
    "/clients/jhe-admin/",
    "/clients/jhe-admin/{route:.*}",
    "/auth/callback",
    "/auth/callback/",
];

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    for route in PAGE_ROUTES {
        cfg.route(route, web::get().to(page))
            .route(route, web::head().to(page));
    }
    cfg.route("/ui/settings.json", web::get().to(settings))
        .route("/ui/{path:.*}", web::get().to(file))
        .route("/ui/{path:.*}", web::head().to(file));
}

/// What the page needs to know before it can sign in: the authorization server, its own client and where things
/// live. Public information only.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct UiSettings {
    authority: String,
    client_id: &'static str,
    redirect_uri: String,
    post_logout_redirect_uri: String,
    api_base: String,
    fhir_base: String,
    version: &'static str,
}

async fn settings(state: web::Data<AppState>) -> HttpResponse {
    let site = &state.config.site_url;
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(UiSettings {
            authority: state.config.issuer(),
            client_id: jhe_store::seed::WEB_UI_CLIENT_ID,
            redirect_uri: format!("{site}/auth/callback"),
            post_logout_redirect_uri: format!("{site}/"),
            api_base: format!("{site}/api/v1"),
            fhir_base: state.config.fhir_base(),
            version: crate::VERSION,
        })
}

async fn page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    // The page is small and names its scripts by fixed URLs; never cache it, so a new release is picked up at once.
    serve(&req, &state, jhe_web::SHELL_PATH, "no-store")
}

async fn file(req: HttpRequest, path: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    // Revalidated on each use: cheap with the ETag, and never stale after an upgrade.
    serve(&req, &state, &path.into_inner(), "no-cache")
}

fn serve(req: &HttpRequest, state: &AppState, path: &str, cache: &'static str) -> HttpResponse {
    if let Some(dir) = &state.config.web_assets_dir {
        return serve_from_disk(dir, path, cache);
    }
    let Some(asset) = jhe_web::asset(path) else {
        return not_found();
    };
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == asset.etag || t.trim() == "*"));
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, asset.etag))
        .insert_header((header::CACHE_CONTROL, cache));
    if unchanged {
        return response.finish();
    }
    response.content_type(asset.content_type).body(asset.bytes)
}

/// Development mode: the file is read from the folder on each request. Only plain relative paths below the folder
/// are served.
fn serve_from_disk(dir: &Path, path: &str, cache: &'static str) -> HttpResponse {
    let relative = PathBuf::from(path);
    let plain = relative
        .components()
        .all(|c| matches!(c, Component::Normal(part) if !part.to_string_lossy().starts_with('.')));
    if !plain || path.is_empty() {
        return not_found();
    }
    match std::fs::read(dir.join(&relative)) {
        Ok(bytes) => HttpResponse::Ok()
            .content_type(jhe_web::content_type_for(path))
            .insert_header((header::CACHE_CONTROL, cache))
            .body(bytes),
        Err(_) => not_found(),
    }
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .body("Not found.")
}

/// Adds the headers every response carries, and the page policy to HTML responses, unless a handler set them.
pub(crate) fn add_security_headers(headers: &mut header::HeaderMap) {
    set_default(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(headers, header::REFERRER_POLICY, "no-referrer");
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if html {
        set_default(headers, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
        set_default(headers, header::X_FRAME_OPTIONS, "DENY");
    }
}

fn set_default(headers: &mut header::HeaderMap, name: HeaderName, value: &'static str) {
    if !headers.contains_key(&name) {
        headers.insert(name, HeaderValue::from_static(value));
    }
}
