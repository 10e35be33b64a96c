//! `GET /FHIR/R5/metadata`: a CapabilityStatement listing exactly what this server implements.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use jhe_fhir::resource::core_capability_statement;

use super::fhir_response;
use crate::AppState;

/// When this build's capabilities were fixed: the statement changes only with the software.
fn released() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T00:00:00Z")
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

pub(crate) async fn capability_statement(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let site = &state.config.site_url;
    let statement = core_capability_statement(
        &state.config.fhir_base(),
        released(),
        &format!("{site}/o/authorize/"),
        &format!("{site}/o/token/"),
    )
    .software("jhe-server", Some(crate::VERSION.to_owned()))
    .build();
    fhir_response(&req, StatusCode::OK, &statement)
}
