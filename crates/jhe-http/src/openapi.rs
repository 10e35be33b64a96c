//! The OpenAPI 3.1 description of the HTTP API, generated from the handlers' `#[utoipa::path]` annotations, and
//! the two pages that serve it: the document itself at `GET /api/schema/` and a readable API reference at
//! `GET /api/docs/` (also under the reference's `/api/schema/redoc/` and `/api/schema/swagger-ui/` paths). The
//! reference page is rendered on the server from the same document, so it works offline and needs no script.
//!
//! `openapi/openapi.json` in the repository is [`spec_json`]'s output (`jhe-server openapi > openapi/openapi.json`);
//! a test fails when it is stale.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

/// An error answer of the Admin API: `{"detail": "…"}` (401, 403, 404, 405, 409, 410).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"detail": "Authentication credentials were not provided."}))]
pub struct ErrorDetail {
    /// What went wrong, for a person.
    pub detail: String,
}

/// A validation error of the Admin API: each invalid field with its messages.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"name": ["This field is required."]}))]
pub struct FieldErrors(pub BTreeMap<String, Vec<String>>);

/// 400: the request is invalid; the body names each invalid field (or carries a `detail`).
#[derive(Debug, IntoResponses)]
#[response(
    status = 400,
    description = "The request is invalid: each field with its messages"
)]
pub struct BadRequest(pub FieldErrors);

/// 401: no valid bearer token.
#[derive(Debug, IntoResponses)]
#[response(
    status = 401,
    description = "No valid bearer token (`WWW-Authenticate: Bearer realm=\"api\"`)"
)]
pub struct Unauthorized(pub ErrorDetail);

/// 403: the caller may not do this; `detail` says why.
#[derive(Debug, IntoResponses)]
#[response(status = 403, description = "The caller may not do this; `detail` says why")]
pub struct Forbidden(pub ErrorDetail);

/// 404: no such row, or (for lists) a page past the last one.
#[derive(Debug, IntoResponses)]
#[response(status = 404, description = "Not found (for lists: `Invalid page.`)")]
pub struct NotFound(pub ErrorDetail);

/// 409: the record exists already.
#[derive(Debug, IntoResponses)]
#[response(status = 409, description = "The record exists already")]
pub struct Conflict(pub ErrorDetail);

use std::fmt::Write as _;
use std::sync::OnceLock;

use actix_web::{HttpResponse, web};
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::admin;

/// Adds the bearer-token security scheme every protected operation refers to.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An access token from `POST /o/token/` (see docs/authentication.md), sent as \
                         `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Names every operation after its method and path (`GET /api/v1/studies/{id}/patients` is
/// `get_studies_by_id_patients`): unique by construction, stable while the route is, and independent of how the
/// handlers are named in Rust (several modules have a `list`).
struct OperationIds;

/// The operation id of a method and path.
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_owned();
    for segment in path
        .trim_start_matches("/api/v1")
        .split('/')
        .filter(|s| !s.is_empty())
    {
        id.push('_');
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => {
                id.push_str("by_");
                id.push_str(param);
            }
            None => id.extend(
                segment
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }),
            ),
        }
    }
    id
}

impl Modify for OperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, operation) in [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
            ] {
                if let Some(operation) = operation {
                    operation.operation_id = Some(operation_id(method, path));
                }
            }
        }
    }
}

/// The OpenAPI document of the exchange's HTTP API.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "jhe-rs: JupyterHealth Exchange API",
        description = "The Admin REST API under `/api/v1` (wire-compatible with JupyterHealth Exchange): camelCase \
                       responses, request bodies and query names in snake or camel case, the Django REST framework \
                       pagination envelope and error shapes. Every operation needs a bearer token unless it says \
                       otherwise. Authorization follows docs/consent.md: roles inherit down the organization tree \
                       and observations are visible only through current consent."
    ),
    paths(
        admin::users::list,
        admin::users::get,
        admin::users::create,
        admin::users::update,
        admin::users::delete,
        admin::users::profile,
        admin::users::organizations_of_caller,
        admin::users::permissions,
        admin::users::search_by_email,
        admin::organizations::list,
        admin::organizations::types,
        admin::organizations::get,
        admin::organizations::tree,
        admin::organizations::users,
        admin::organizations::studies,
        admin::organizations::create,
        admin::organizations::update,
        admin::organizations::delete,
        admin::organizations::add_user,
        admin::organizations::remove_user,
        admin::practitioners::list,
        admin::practitioners::get,
        admin::practitioners::create,
        admin::practitioners::update,
        admin::practitioners::delete,
        admin::patients::list,
        admin::patients::get,
        admin::patients::me,
        admin::patients::create,
        admin::patients::update,
        admin::patients::delete,
        admin::patients::global_lookup,
        admin::patients::global_add_organization,
        admin::patients::consolidated_clients,
        admin::consents::view,
        admin::consents::create,
        admin::consents::change,
        admin::consents::withdraw,
        admin::consents::history,
        admin::invitations::create,
        admin::invitations::list,
        admin::invitations::cancel,
        admin::invitations::redeem,
        admin::studies::list,
        admin::studies::get,
        admin::studies::create,
        admin::studies::update,
        admin::studies::delete,
        admin::studies::patients,
        admin::studies::enrol,
        admin::studies::unenrol,
        admin::studies::scope_requests,
        admin::studies::add_scope_request,
        admin::studies::remove_scope_request,
        admin::studies::data_sources_of,
        admin::studies::add_data_source,
        admin::studies::remove_data_source,
        admin::studies::clients_of,
        admin::studies::add_client,
        admin::studies::remove_client,
        admin::observations::list,
        admin::observations::get,
        admin::observations::delete,
        admin::data_sources::list,
        admin::data_sources::get,
        admin::data_sources::create,
        admin::data_sources::update,
        admin::data_sources::delete,
        admin::data_sources::all_scopes,
        admin::data_sources::supported_scopes,
        admin::data_sources::add_supported_scope,
        admin::data_sources::remove_supported_scope,
        admin::clients::list,
        admin::clients::get,
        admin::clients::create,
        admin::clients::update,
        admin::clients::delete,
        admin::clients::data_sources_of,
        admin::clients::add_data_source,
        admin::clients::remove_data_source,
        admin::practitioner_clients::list,
        admin::practitioner_clients::get,
        admin::practitioner_clients::create,
        admin::practitioner_clients::update,
        admin::practitioner_clients::put_not_allowed,
        admin::practitioner_clients::delete,
        admin::settings::list,
        admin::settings::get,
        admin::settings::create,
        admin::settings::update,
        admin::settings::delete,
        admin::audit::list,
        schema_document,
        reference_page,
    ),
    components(schemas(ErrorDetail, FieldErrors)),
    modifiers(&BearerScheme, &OperationIds),
    tags(
        (name = "users", description = "User accounts and the caller's own profile"),
        (name = "organizations", description = "The organization tree, its members and studies"),
        (name = "practitioners", description = "Practitioner profiles (superusers)"),
        (name = "patients", description = "Patients of the caller's organizations"),
        (name = "consents", description = "A patient's consents per study and scope, with their history"),
        (name = "invitations", description = "Invitation links that sign a patient in to a patient app"),
        (name = "studies", description = "Studies and their patients, requested scopes, data sources and patient apps"),
        (name = "observations", description = "Stored Open mHealth observations, visible through current consent"),
        (name = "data sources", description = "Devices and apps, and the scopes each supports"),
        (name = "clients", description = "Patient apps (public OAuth clients with an invitation URL)"),
        (name = "practitioner clients", description = "A practitioner's own client-credentials API clients"),
        (name = "settings", description = "System settings (superusers)"),
        (name = "audit", description = "The audit trail (superusers)"),
        (name = "documentation", description = "This document and its readable form"),
    )
)]
pub struct ApiDoc;

/// The document as pretty-printed JSON with a final newline: what `jhe-server openapi` prints and what
/// `openapi/openapi.json` holds. Deterministic: maps are ordered by key.
pub fn spec_json() -> String {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(mut json) => {
            json.push('\n');
            json
        }
        // Serializing plain maps and strings cannot fail; if it ever did, the snapshot test would show it.
        Err(e) => format!("{{\"error\": \"the OpenAPI document cannot be serialized: {e}\"}}\n"),
    }
}

fn cached_spec() -> &'static str {
    static SPEC: OnceLock<String> = OnceLock::new();
    SPEC.get_or_init(spec_json)
}

fn cached_page() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| match serde_json::from_str::<Value>(cached_spec()) {
        Ok(spec) => render_reference(&spec),
        Err(e) => format!(
            "<!doctype html><p>The OpenAPI document cannot be read: {}</p>",
            escape(&e.to_string())
        ),
    })
}

/// `GET /api/schema/`: this document (no authentication).
#[utoipa::path(
    get,
    path = "/api/schema/",
    tag = "documentation",
    responses((status = 200, description = "The OpenAPI 3.1 document (JSON)", content_type = "application/json", body = Object))
)]
pub(crate) async fn schema_document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(cached_spec())
}

/// `GET /api/docs/`: the API reference as one HTML page, rendered from this document (no authentication, no
/// scripts, nothing loaded from elsewhere).
#[utoipa::path(
    get,
    path = "/api/docs/",
    tag = "documentation",
    responses((status = 200, description = "The API reference (HTML)", content_type = "text/html", body = String))
)]
pub(crate) async fn reference_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(cached_page())
}

/// Registers the document and the reference page (with the reference implementation's paths as aliases).
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/schema/", web::get().to(schema_document))
        .route("/api/schema", web::get().to(schema_document))
        .route("/api/docs/", web::get().to(reference_page))
        .route("/api/docs", web::get().to(reference_page))
        .route("/api/schema/redoc/", web::get().to(reference_page))
        .route("/api/schema/swagger-ui/", web::get().to(reference_page));
}

// ----- the reference page -----------------------------------------------------------------------------------------

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Inline `code` spans of the descriptions, and nothing else of Markdown.
fn prose(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in escape(text).split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

fn anchor(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// A schema in a few words: a link to a named component, or its type.
fn schema_summary(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!("<a href=\"#schema-{}\">{}</a>", anchor(name), escape(name));
    }
    if let Some(variants) = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
    {
        return variants
            .iter()
            .map(schema_summary)
            .collect::<Vec<_>>()
            .join(" | ");
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "any".to_owned(),
    };
    if kind.starts_with("array")
        && let Some(items) = schema.get("items")
    {
        return format!("array of {}", schema_summary(items));
    }
    if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        return format!("map of {}", schema_summary(values));
    }
    escape(&kind)
}

fn render_operation(out: &mut String, method: &str, path: &str, op: &Value) {
    let id = op.get("operationId").and_then(Value::as_str).unwrap_or("");
    let _ = write!(
        out,
        "<section class=\"op\" id=\"op-{}\"><h3><span class=\"method {m}\">{M}</span> <code>{}</code></h3>",
        anchor(&format!("{method}-{path}")),
        escape(path),
        m = escape(method),
        M = escape(&method.to_ascii_uppercase()),
    );
    for key in ["summary", "description"] {
        if let Some(text) = op.get(key).and_then(Value::as_str) {
            let _ = write!(out, "<p>{}</p>", prose(text));
        }
    }
    let secured = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    let _ = write!(
        out,
        "<p class=\"auth\">{}</p>",
        if secured {
            "Needs a bearer token."
        } else {
            "No authentication."
        }
    );
    if let Some(params) = op
        .get("parameters")
        .and_then(Value::as_array)
        .filter(|p| !p.is_empty())
    {
        out.push_str("<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>");
        for p in params {
            let field = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("");
            let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
            let _ = write!(
                out,
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(field("name")),
                if required { " <em>required</em>" } else { "" },
                escape(field("in")),
                p.get("schema").map(schema_summary).unwrap_or_default(),
                prose(field("description")),
            );
        }
        out.push_str("</table>");
    }
    if let Some(body) = op.get("requestBody") {
        let schema = body
            .pointer("/content/application~1json/schema")
            .map(schema_summary)
            .unwrap_or_else(|| "—".to_owned());
        let _ = write!(out, "<p><strong>Request body</strong> (JSON): {schema}</p>");
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        out.push_str("<table><tr><th>status</th><th>description</th><th>body</th></tr>");
        for (status, response) in responses {
            let body = response
                .get("content")
                .and_then(Value::as_object)
                .and_then(|c| c.values().next())
                .and_then(|media| media.get("schema"))
                .map(schema_summary)
                .unwrap_or_default();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(status),
                prose(response.get("description").and_then(Value::as_str).unwrap_or("")),
                body,
            );
        }
        out.push_str("</table>");
    }
    let _ = write!(
        out,
        "<p class=\"opid\">operation <code>{}</code></p></section>",
        escape(id)
    );
}

fn render_schema(out: &mut String, name: &str, schema: &Value) {
    let _ = write!(
        out,
        "<section class=\"schema\" id=\"schema-{}\"><h3>{}</h3>",
        anchor(name),
        escape(name)
    );
    if let Some(text) = schema.get("description").and_then(Value::as_str) {
        let _ = write!(out, "<p>{}</p>", prose(text));
    }
    match schema.get("properties").and_then(Value::as_object) {
        Some(properties) => {
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            out.push_str("<table><tr><th>field</th><th>type</th><th>description</th></tr>");
            for (field, property) in properties {
                let _ = write!(
                    out,
                    "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(field),
                    if required.contains(&field.as_str()) {
                        ""
                    } else {
                        " <em>optional</em>"
                    },
                    schema_summary(property),
                    prose(property.get("description").and_then(Value::as_str).unwrap_or("")),
                );
            }
            out.push_str("</table>");
        }
        None => {
            let _ = write!(out, "<p>Type: {}</p>", schema_summary(schema));
        }
    }
    out.push_str("</section>");
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:70rem;margin:0 auto;padding:1rem 2rem;\
color:#1d2430;line-height:1.45}h1{margin-bottom:.2rem}h2{border-bottom:2px solid #d5dbe5;margin-top:2.5rem}\
code{font-family:ui-monospace,monospace;background:#f1f3f7;padding:0 .25rem;border-radius:3px}\
.op,.schema{border:1px solid #d5dbe5;border-radius:6px;padding:.2rem 1rem;margin:1rem 0}\
.method{display:inline-block;min-width:4.2rem;text-align:center;border-radius:4px;color:#fff;font-size:.85rem;\
padding:.1rem .4rem}.get{background:#2f6fb3}.post{background:#2e8b57}.patch,.put{background:#b7791f}\
.delete{background:#b83232}table{border-collapse:collapse;width:100%;margin:.5rem 0}\
th,td{text-align:left;border-bottom:1px solid #e4e8ef;padding:.25rem .5rem;vertical-align:top}\
.auth,.opid{color:#5b6577;font-size:.9rem}nav ul{columns:2}";

/// The whole reference page for an OpenAPI document.
pub fn render_reference(spec: &Value) -> String {
    let title = spec
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("API");
    let version = spec
        .pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or("");
    let description = spec
        .pointer("/info/description")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut by_tag: BTreeMap<String, Vec<(String, String, &Value)>> = BTreeMap::new();
    if let Some(paths) = spec.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(op) = item.get(method) {
                    let tag = op
                        .pointer("/tags/0")
                        .and_then(Value::as_str)
                        .unwrap_or("other")
                        .to_owned();
                    by_tag
                        .entry(tag)
                        .or_default()
                        .push((method.to_owned(), path.clone(), op));
                }
            }
        }
    }
    // Sections follow the document's tag order; operations without a declared tag come last.
    let mut order: Vec<String> = spec
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| t.get("name").and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    order.retain(|t| by_tag.contains_key(t));
    order.extend(
        by_tag
            .keys()
            .filter(|t| !order.contains(t))
            .cloned()
            .collect::<Vec<_>>(),
    );
    let tag_text = |tag: &str| {
        spec.get("tags")
            .and_then(Value::as_array)
            .and_then(|tags| {
                tags.iter()
                    .find(|t| t.get("name").and_then(Value::as_str) == Some(tag))
            })
            .and_then(|t| t.get("description"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>{STYLE}</style></head><body>\
         <h1>{t}</h1><p>Version {v}. The machine-readable document is at <a href=\"/api/schema/\"><code>/api/schema/</code></a>.</p>\
         <p>{d}</p><nav><h2>Contents</h2><ul>",
        t = escape(title),
        v = escape(version),
        d = prose(description),
    );
    for tag in &order {
        let _ = write!(
            out,
            "<li><a href=\"#tag-{}\">{}</a></li>",
            anchor(tag),
            escape(tag)
        );
    }
    out.push_str("<li><a href=\"#schemas\">schemas</a></li></ul></nav>");
    for tag in &order {
        let Some(ops) = by_tag.get(tag) else { continue };
        let _ = write!(
            out,
            "<h2 id=\"tag-{}\">{}</h2><p>{}</p>",
            anchor(tag),
            escape(tag),
            prose(&tag_text(tag))
        );
        for (method, path, op) in ops {
            render_operation(&mut out, method, path, op);
        }
    }
    out.push_str("<h2 id=\"schemas\">Schemas</h2>");
    if let Some(schemas) = spec.pointer("/components/schemas").and_then(Value::as_object) {
        for (name, schema) in schemas {
            render_schema(&mut out, name, schema);
        }
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    use super::*;

    fn committed_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json")
    }

    #[test]
    fn the_committed_document_is_current() {
        let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
        assert!(
            committed == spec_json(),
            "openapi/openapi.json is stale: the endpoints' annotations changed. Regenerate it from the repository \
             root with\n\n    cargo run -p jhe-server -- openapi > openapi/openapi.json\n\nand commit it."
        );
    }

    #[test]
    fn operation_ids_follow_method_and_path() {
        assert_eq!(operation_id("get", "/api/v1/studies"), "get_studies");
        assert_eq!(
            operation_id("post", "/api/v1/studies/{id}/patients"),
            "post_studies_by_id_patients"
        );
        assert_eq!(operation_id("get", "/api/schema/"), "get_api_schema");
        assert_eq!(operation_id("post", "/o/token/"), "post_o_token");
    }

    #[test]
    fn the_document_is_deterministic() {
        assert_eq!(spec_json(), spec_json());
    }

    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("$ref", Value::String(r)) => out.push(r),
                        _ => refs(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    /// Checks the rules of OpenAPI 3.1 a parser does not: references resolve, operation ids are unique, path
    /// parameters are declared, tags and security schemes exist, and every operation documents its responses.
    #[test]
    fn the_document_is_valid_openapi_3_1() {
        let text = spec_json();
        let parsed = oas3::from_json(&text).unwrap();
        let version = parsed.validate_version().unwrap();
        assert_eq!((version.major, version.minor), (3, 1));
        for (path, method, op) in parsed.operations() {
            let what = format!("{method} {path}");
            op.parameters(&parsed).unwrap_or_else(|e| panic!("{what}: {e}"));
            op.request_body(&parsed).unwrap_or_else(|e| panic!("{what}: {e}"));
            let responses = op.responses(&parsed);
            assert!(!responses.is_empty(), "{what}: no responses");
            for (status, response) in responses {
                for media in response.content.values() {
                    media
                        .schema(&parsed)
                        .unwrap_or_else(|e| panic!("{what} {status}: {e}"));
                }
            }
        }

        let spec: Value = serde_json::from_str(&text).unwrap();
        let schemas = spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .unwrap();
        let mut all_refs = Vec::new();
        refs(&spec, &mut all_refs);
        for r in all_refs {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("unexpected $ref {r}"));
            assert!(schemas.contains_key(name), "$ref {r} does not resolve");
        }
        let tags: BTreeSet<&str> = spec["tags"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t["name"].as_str())
            .collect();
        let schemes = spec
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .unwrap();
        let mut ids = BTreeSet::new();
        for (path, item) in spec["paths"].as_object().unwrap() {
            let templated: BTreeSet<&str> = path
                .split('/')
                .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .collect();
            for (method, op) in item.as_object().unwrap() {
                let what = format!("{method} {path}");
                let id = op["operationId"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{what}: no operationId"));
                assert!(ids.insert(id.to_owned()), "{what}: duplicate operationId {id}");
                let op_tags = op["tags"].as_array().unwrap_or_else(|| panic!("{what}: no tag"));
                assert!(!op_tags.is_empty(), "{what}: no tag");
                for tag in op_tags {
                    assert!(
                        tags.contains(tag.as_str().unwrap()),
                        "{what}: undeclared tag {tag}"
                    );
                }
                let declared: BTreeSet<&str> = op["parameters"]
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .filter(|p| p["in"] == "path")
                            .filter_map(|p| p["name"].as_str())
                            .collect()
                    })
                    .unwrap_or_default();
                assert_eq!(declared, templated, "{what}: path parameters");
                for requirement in op["security"].as_array().into_iter().flatten() {
                    for scheme in requirement.as_object().unwrap().keys() {
                        assert!(
                            schemes.contains_key(scheme),
                            "{what}: unknown security scheme {scheme}"
                        );
                    }
                }
                let responses = op["responses"].as_object().unwrap();
                assert!(
                    responses.keys().any(|s| s.starts_with('2') || s == "405"),
                    "{what}: no success response"
                );
            }
        }
    }

    /// Every operation under `/api/v1` needs the bearer token and documents its 401.
    #[test]
    fn admin_operations_are_secured_and_document_their_errors() {
        let spec: Value = serde_json::from_str(&spec_json()).unwrap();
        for (path, item) in spec["paths"].as_object().unwrap() {
            if !path.starts_with("/api/v1/") || path.starts_with("/api/v1/invitation/{token}") {
                continue;
            }
            for (method, op) in item.as_object().unwrap() {
                assert_eq!(
                    op["security"],
                    serde_json::json!([{"bearer": []}]),
                    "{method} {path}"
                );
                let unauthorized = &op["responses"]["401"];
                assert_eq!(
                    unauthorized.pointer("/content/application~1json/schema/$ref"),
                    Some(&Value::String("#/components/schemas/ErrorDetail".into())),
                    "{method} {path}: a typed 401"
                );
            }
        }
    }

    #[test]
    fn the_reference_page_lists_every_operation_and_schema() {
        let spec: Value = serde_json::from_str(&spec_json()).unwrap();
        let page = render_reference(&spec);
        assert!(page.starts_with("<!doctype html>"));
        assert!(!page.contains("<script"), "the page works without scripts");
        assert!(
            !page.contains("http://") && !page.contains("https://cdn"),
            "nothing is loaded from elsewhere"
        );
        for (path, item) in spec["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                assert!(
                    page.contains(&format!("id=\"op-{}\"", anchor(&format!("{method}-{path}")))),
                    "{method} {path}"
                );
            }
        }
        for name in spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .unwrap()
            .keys()
        {
            assert!(
                page.contains(&format!("id=\"schema-{}\"", anchor(name))),
                "{name}"
            );
        }
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
