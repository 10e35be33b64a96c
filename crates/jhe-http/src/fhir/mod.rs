//! The FHIR R5 API at `/FHIR/R5` (and `/fhir/r5`, the path `jupyterhealth-client` uses): CapabilityStatement,
//! Patient read and search, Observation read, search and create, and batch/transaction Bundles at the base.
//!
//! Consent decides what is visible: searches apply the consent engine's visibility set in SQL, reads use the same
//! rule, uploads need the patient's current consent for the data type. Every search and read is audited.

mod bundle;
mod checks;
mod metadata;
mod observation;
mod patient;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::error::{ApiError, ApiStyle, StyledError};

/// The two spellings of the FHIR base path.
pub const BASES: [&str; 2] = ["/FHIR/R5", "/fhir/r5"];

/// A FHIR error answer.
pub(crate) fn fhir_error(error: ApiError) -> StyledError {
    error.styled(ApiStyle::Fhir)
}

/// Answers with a FHIR resource, as `application/fhir+json` when the client asks for it and `application/json`
/// otherwise (the reference's default).
pub(crate) fn fhir_response(req: &HttpRequest, status: StatusCode, body: &impl Serialize) -> HttpResponse {
    let mut bytes = Vec::with_capacity(1024);
    match serde_json::to_writer(&mut bytes, body) {
        Ok(()) => fhir_json_response(req, status, bytes),
        Err(e) => fhir_error(ApiError::Internal(format!(
            "cannot serialize a FHIR resource: {e}"
        )))
        .error_response_owned(),
    }
}

/// [`fhir_response`] for a resource already written as JSON (a search page, see `jhe_fhir::resource::SearchsetJson`).
pub(crate) fn fhir_json_response(req: &HttpRequest, status: StatusCode, json: Vec<u8>) -> HttpResponse {
    let wants_fhir = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/fhir+json"));
    let content_type = if wants_fhir {
        "application/fhir+json"
    } else {
        "application/json"
    };
    HttpResponse::build(status).content_type(content_type).body(json)
}

/// Request bodies must be JSON: `application/json` or `application/fhir+json` (a missing type is read as JSON).
pub(crate) fn check_json_body(headers: &HeaderMap) -> Result<(), StyledError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media == "application/json" || media == "application/fhir+json" {
        Ok(())
    } else {
        Err(fhir_error(ApiError::UnsupportedMediaType(format!(
            "Unsupported media type \"{media}\": send application/fhir+json or application/json."
        ))))
    }
}

/// The absolute URL of this request, for `self` links.
pub(crate) fn self_url(site_url: &str, req: &HttpRequest) -> String {
    match req.query_string() {
        "" => format!("{site_url}{}", req.path()),
        q => format!("{site_url}{}?{q}", req.path()),
    }
}

trait IntoOwnedResponse {
    fn error_response_owned(self) -> HttpResponse;
}

impl IntoOwnedResponse for StyledError {
    fn error_response_owned(self) -> HttpResponse {
        actix_web::ResponseError::error_response(&self)
    }
}

async fn unsupported_type(path: web::Path<String>) -> Result<HttpResponse, StyledError> {
    Err(fhir_error(ApiError::NotFound(format!(
        "Unsupported FHIR resource type: {}.",
        path.into_inner()
    ))))
}

async fn unsupported_type_with_id(path: web::Path<(String, String)>) -> Result<HttpResponse, StyledError> {
    Err(fhir_error(ApiError::NotFound(format!(
        "Unsupported FHIR resource type: {}.",
        path.into_inner().0
    ))))
}

async fn delete_not_supported() -> Result<HttpResponse, StyledError> {
    Err(fhir_error(ApiError::MethodNotAllowed(
        "Delete of a Observation record is not supported.".into(),
    )))
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    for base in BASES {
        cfg.route(
            &format!("{base}/metadata"),
            web::get().to(metadata::capability_statement),
        )
        .route(
            &format!("{base}/metadata"),
            web::head().to(metadata::capability_statement),
        )
        .route(&format!("{base}/Observation"), web::get().to(observation::search))
        .route(
            &format!("{base}/Observation"),
            web::post().to(observation::create),
        )
        .route(
            &format!("{base}/Observation/{{id}}"),
            web::get().to(observation::read),
        )
        .route(
            &format!("{base}/Observation/{{id}}"),
            web::delete().to(delete_not_supported),
        )
        .route(&format!("{base}/Patient"), web::get().to(patient::search))
        .route(&format!("{base}/Patient/{{id}}"), web::get().to(patient::read))
        .route(&format!("{base}/"), web::post().to(bundle::submit))
        .route(base, web::post().to(bundle::submit))
        .route(
            &format!("{base}/{{resource_type}}"),
            web::route().to(unsupported_type),
        )
        .route(
            &format!("{base}/{{resource_type}}/{{id}}"),
            web::route().to(unsupported_type_with_id),
        );
    }
}
