//! The Admin API's view of stored Open mHealth observations (reference §2.2.6).
//!
//! What a caller sees is decided by consent, not by membership alone (`docs/consent.md`): a practitioner sees an
//! observation when a study in their reach asks for its data type and its subject currently consents to share it
//! with that study; a patient sees their own. The list compiles that rule into SQL
//! ([`jhe_consent::observation_visibility`], [`jhe_store::visibility::observation_condition`]) and pages there, so
//! a revoked consent hides data on the very next request. Reading one observation applies the same rule; deleting
//! one needs the manager role for its subject as well (G10).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use jhe_consent::Action;
use jhe_domain::{AuditOutcome, ObservationId, OrganizationId, PatientId, ScopeCodeId, StudyId};
use jhe_store::facts::FactsScope;
use jhe_store::observation_listings::{self, ObservationFilter, ObservationListItem};
use jhe_store::observations;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{
    FieldErrors, Target, audit, authorize, field_error, iso, optional_id, remember_selection,
};
use super::casing::SnakeQuery;
use super::pagination::{Flavour, PageRequest, Paginated};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::openapi::{BadRequest, Forbidden, NotFound, Unauthorized};

/// An observation as the Admin API lists it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ObservationItem {
    #[schema(example = 60001)]
    id: i64,
    #[schema(example = 40001)]
    subject_patient_id: i64,
    patient_name_family: Option<String>,
    patient_name_given: Option<String>,
    /// The subject's login account id.
    jhe_user_id: Option<i64>,
    #[schema(example = 50002)]
    codeable_concept_id: i64,
    #[schema(example = "https://w3id.org/openmhealth")]
    coding_system: String,
    #[schema(example = "omh:blood-pressure:4.0")]
    coding_code: String,
    #[schema(example = "Blood pressure")]
    coding_text: String,
    last_updated: String,
    /// The Open mHealth data point (`header` and `body`), its keys exactly as stored (snake case).
    #[schema(value_type = Object)]
    omh_data: serde_json::Value,
}

impl TryFrom<ObservationListItem> for ObservationItem {
    type Error = ApiError;

    fn try_from(item: ObservationListItem) -> Result<Self, ApiError> {
        let o = item.observation;
        let omh_data = serde_json::from_str(&o.omh_data)
            .map_err(|e| ApiError::Internal(format!("observation {} holds invalid JSON: {e}", o.id)))?;
        Ok(ObservationItem {
            id: o.id.get(),
            subject_patient_id: o.patient_id.get(),
            patient_name_family: item.patient_name_family,
            patient_name_given: item.patient_name_given,
            jhe_user_id: item.patient_user_id.map(|u| u.get()),
            codeable_concept_id: item.scope_code.id.get(),
            coding_system: item.scope_code.coding_system,
            coding_code: item.scope_code.coding_code,
            coding_text: item.scope_code.text,
            last_updated: iso(o.last_updated),
            omh_data,
        })
    }
}

/// Query parameters of `GET /observations` (snake or camel case).
#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    organization_id: Option<String>,
    study_id: Option<String>,
    patient_id: Option<String>,
    observation_id: Option<String>,
    scope_code_id: Option<String>,
    effective_from: Option<String>,
    effective_to: Option<String>,
}

/// Which end of a day a bare date in a range stands for.
#[derive(Clone, Copy)]
enum DayEnd {
    /// `from=2025-01-31`: from the start of that day.
    Start,
    /// `to=2025-01-31`: through the end of that day, so the bound is the next day's start.
    AfterEnd,
}

const TIME_HELP: &str = "Enter a date (YYYY-MM-DD) or a date-time with a time zone (2025-01-31T08:00:00Z).";

/// A bound of the effective-time range: an RFC 3339 instant, or a whole UTC day.
fn time_bound(field: &str, value: Option<&str>, end: DayEnd) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(text) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        let instant = instant.with_timezone(&Utc);
        // An instant as the upper bound is inclusive: the first instant after it is excluded.
        return Ok(Some(match end {
            DayEnd::Start => instant,
            DayEnd::AfterEnd => instant + chrono::Duration::microseconds(1),
        }));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| field_error(field, TIME_HELP))?;
    let day = match end {
        DayEnd::Start => day,
        DayEnd::AfterEnd => day.succ_opt().ok_or_else(|| field_error(field, TIME_HELP))?,
    };
    Ok(Some(day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()))
}

fn target(id: ObservationId, patient: PatientId) -> Target<'static> {
    Target::new("Observation", id).with_patients([patient])
}

/// `GET /api/v1/observations`
#[utoipa::path(
    get,
    path = "/api/v1/observations",
    tag = "observations",
    security(("bearer" = [])),
    params(
        ("organization_id" = Option<i64>, Query, description = "Only subjects of this organization or below it; also `organizationId`"),
        ("study_id" = Option<i64>, Query, description = "Only what this study receives: enrolled subjects, its scopes, current consent; also `studyId`"),
        ("patient_id" = Option<i64>, Query, description = "Only this subject; also `patientId`"),
        ("observation_id" = Option<i64>, Query, description = "Only this observation; also `observationId`"),
        ("scope_code_id" = Option<i64>, Query, description = "Only this data type (a scope code id of `GET /data_sources/all_scopes`); also `scopeCodeId`"),
        ("effective_from" = Option<String>, Query, description = "Only observations whose effective time starts at or after this date (`YYYY-MM-DD`, from 00:00 UTC) or RFC 3339 date-time; also `effectiveFrom`"),
        ("effective_to" = Option<String>, Query, description = "Only observations whose effective time starts on or before this date (`YYYY-MM-DD`, through 24:00 UTC) or RFC 3339 date-time; also `effectiveTo`"),
        ("page" = Option<i64>, Query, description = "1-based page number"),
        ("page_size" = Option<i64>, Query, description = "Results per page (default 20, at most 1000); also `pageSize`"),
    ),
    responses(
        (status = 200, description = "The observations the caller may see, newest first", body = Paginated<ObservationItem>),
        BadRequest, Unauthorized, NotFound,
    )
)]
pub(crate) async fn list(
    caller: Caller,
    req: HttpRequest,
    query: SnakeQuery<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::from_request(&req, Flavour::Custom)?;
    let query = query.into_inner();
    let organization = optional_id("organizationId", query.organization_id.as_deref())?;
    let study = optional_id("studyId", query.study_id.as_deref())?;
    let mut errors = FieldErrors::default();
    let patient = errors.take(optional_id("patientId", query.patient_id.as_deref()));
    let observation = errors.take(optional_id("observationId", query.observation_id.as_deref()));
    let scope_code = errors.take(optional_id("scopeCodeId", query.scope_code_id.as_deref()));
    let effective_from = errors.take(time_bound(
        "effectiveFrom",
        query.effective_from.as_deref(),
        DayEnd::Start,
    ));
    let effective_before = errors.take(time_bound(
        "effectiveTo",
        query.effective_to.as_deref(),
        DayEnd::AfterEnd,
    ));
    errors.finish()?;
    let (effective_from, effective_before) = (effective_from.flatten(), effective_before.flatten());
    if let (Some(from), Some(before)) = (effective_from, effective_before)
        && from >= before
    {
        return Err(field_error(
            "effectiveTo",
            "The end of the range must not be before its start.",
        ));
    }
    let filter = ObservationFilter {
        organization: organization.map(OrganizationId),
        study: study.map(StudyId),
        patient: patient.flatten().map(PatientId),
        observation: observation.flatten().map(ObservationId),
        scope_code: scope_code.flatten().map(ScopeCodeId),
        effective_from,
        effective_before,
    };
    let visibility = jhe_consent::observation_visibility(&caller.principal);
    let (count, rows) = state
        .db(move |conn| {
            // As the reference: the organization is remembered when given, the study remembered or forgotten.
            remember_selection(conn, &caller, organization, Some(study))?;
            let (count, rows) = observation_listings::list_visible_observations(
                conn,
                &visibility,
                &filter,
                page.offset(),
                page.limit(),
            )?;
            audit(
                conn,
                &caller,
                "observation.list",
                &Target::collection("Observation")
                    .with_patients(rows.iter().map(|r| r.observation.patient_id)),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>((count, rows))
        })
        .await?;
    let items = rows
        .into_iter()
        .map(ObservationItem::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(page.envelope(&req, &state.config.site_url, count, items)?))
}

/// `GET /api/v1/observations/{id}`: 404 unless the caller may see it, as in the list.
#[utoipa::path(
    get,
    path = "/api/v1/observations/{id}",
    tag = "observations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Observation id")),
    responses(
        (status = 200, description = "The observation", body = ObservationItem),
        Unauthorized, NotFound,
    )
)]
pub(crate) async fn get(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = ObservationId(path.into_inner());
    let item = state
        .db(move |conn| {
            let item = observation_listings::get_observation_item(conn, id)?;
            let patient = item.observation.patient_id;
            let action = Action::ReadObservation {
                patient,
                scope: item.observation.scope_code_id,
            };
            let scope = FactsScope {
                patients: vec![patient],
                ..FactsScope::default()
            };
            // Like the reference (and the list), what the caller may not see does not exist for them.
            authorize(conn, &caller, &action, scope, &target(id, patient), true).map_err(|e| match e {
                ApiError::Forbidden(_) => ApiError::NotFound("Not found.".into()),
                other => other,
            })?;
            audit(
                conn,
                &caller,
                action.name(),
                &target(id, patient),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>(item)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ObservationItem::try_from(item)?))
}

/// `DELETE /api/v1/observations/{id}`: the manager role for the subject, and the observation visible (G10).
#[utoipa::path(
    delete,
    path = "/api/v1/observations/{id}",
    tag = "observations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Observation id")),
    responses(
        (status = 204, description = "Deleted, with its identifiers"),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn delete(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = ObservationId(path.into_inner());
    state
        .db(move |conn| {
            let observation = observations::get_observation(conn, id)?;
            let patient = observation.patient_id;
            let action = Action::DeleteObservation {
                patient,
                scope: observation.scope_code_id,
            };
            let scope = FactsScope {
                patients: vec![patient],
                ..FactsScope::default()
            };
            authorize(conn, &caller, &action, scope, &target(id, patient), true)?;
            jhe_store::in_transaction(conn, |conn| {
                observations::delete_observation(conn, id)?;
                audit(
                    conn,
                    &caller,
                    action.name(),
                    &target(id, patient),
                    AuditOutcome::Success,
                    None,
                )?;
                Ok::<_, ApiError>(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/observations", web::get().to(list))
        .route("/api/v1/observations/{id:\\d+}", web::get().to(get))
        .route("/api/v1/observations/{id:\\d+}", web::delete().to(delete));
}
