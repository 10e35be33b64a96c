//! `Patient`: search and read, limited to the patients the caller may see (their own record for a patient; for a
//! practitioner, patients of the organizations in their reach).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use jhe_consent::{Actor, patient_visibility};
use jhe_domain::*;
use jhe_fhir::resource::{Bundle, BundleEntry, render_patient};
use jhe_fhir::search::{Criteria, page_links, parse_patient_search, parse_query_string};
use jhe_store::audit;
use jhe_store::fhir_search::{PatientRecord, search_patients, visible_patient};

use super::observation::{audit_event, authorize_search_targets, search_mode, search_outcome};
use super::{fhir_error, fhir_response, self_url};
use crate::AppState;
use crate::auth::BearerToken;
use crate::error::{ApiError, StyledError};

fn render(record: &PatientRecord) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(render_patient(
        &record.patient,
        record.email.as_deref(),
        &record.identifiers,
    ))
    .map_err(|e| ApiError::Internal(format!("cannot render patient {}: {e}", record.patient.id)))
}

/// `GET /FHIR/R5/Patient`. The token is resolved in the handler's one database call (see [`BearerToken`]).
pub(crate) async fn search(
    req: HttpRequest,
    token: BearerToken,
    state: web::Data<AppState>,
) -> Result<HttpResponse, StyledError> {
    let params = parse_query_string(req.query_string());
    // Parsed before the database call, refused inside it after the token: an unauthenticated request is a 401
    // whatever its parameters.
    let parsed = parse_patient_search(&params, search_mode(&req)).map_err(|e| search_outcome(&e));
    let (page, paging) = state
        .db(move |conn| {
            let principal = token.resolve(conn)?.principal;
            let mut search = parsed?;
            if matches!(principal.actor, Actor::Patient { .. }) {
                search.studies = Criteria::default();
                search.organizations = Criteria::default();
            }
            let visibility = patient_visibility(&principal);
            let studies: Vec<StudyId> = search.studies.values().copied().collect();
            let organizations: Vec<OrganizationId> = search.organizations.values().copied().collect();
            let patients: Vec<PatientId> = search.patients.values().copied().collect();
            authorize_search_targets(conn, &principal, &patients, &studies, &organizations)?;
            let page = search_patients(conn, &visibility, &search)?;
            // A numbered page past the last match is a 404 `Invalid page.`, as in the reference.
            search
                .paging
                .check_total(page.total)
                .map_err(|e| search_outcome(&e))?;
            let ids = page.rows.iter().map(|r| r.patient.id).collect();
            audit::append_audit_event(
                conn,
                &audit_event(
                    &principal,
                    "patient.search",
                    "Patient",
                    None,
                    ids,
                    AuditOutcome::Success,
                    None,
                ),
            )?;
            Ok::<_, ApiError>((page, search.paging))
        })
        .await
        .map_err(fhir_error)?;
    let site = &state.config.site_url;
    let entries = page
        .rows
        .iter()
        .map(|r| {
            Ok(BundleEntry {
                full_url: None,
                resource: Some(render(r)?),
                request: None,
                response: None,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()
        .map_err(fhir_error)?;
    let links = page_links(
        &format!("{site}{}", req.path()),
        &self_url(site, &req),
        &params,
        &paging,
        page.total,
    );
    Ok(fhir_response(
        &req,
        StatusCode::OK,
        &Bundle::searchset(page.total, links, entries),
    ))
}

/// `GET /FHIR/R5/Patient/{id}`. The token is resolved in the handler's one database call.
pub(crate) async fn read(
    req: HttpRequest,
    token: BearerToken,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, StyledError> {
    let raw = path.into_inner();
    let not_found = || fhir_error(ApiError::NotFound(format!("Patient/{raw} not found.")));
    let id = raw.parse::<i64>().map(PatientId).ok();
    let found = state
        .db(move |conn| {
            let principal = token.resolve(conn)?.principal;
            // An id that is not a number names no patient; it is answered after the token, as any other unknown id.
            let Some(id) = id else {
                return Ok(None);
            };
            let found = visible_patient(conn, &patient_visibility(&principal), id)?;
            let outcome = if found.is_some() {
                AuditOutcome::Success
            } else {
                AuditOutcome::Denied
            };
            audit::append_audit_event(
                conn,
                &audit_event(
                    &principal,
                    "patient.read",
                    "Patient",
                    Some(id.to_string()),
                    vec![id],
                    outcome,
                    None,
                ),
            )?;
            Ok::<_, ApiError>(found)
        })
        .await
        .map_err(fhir_error)?;
    let record = found.ok_or_else(not_found)?;
    Ok(fhir_response(
        &req,
        StatusCode::OK,
        &render(&record).map_err(fhir_error)?,
    ))
}
