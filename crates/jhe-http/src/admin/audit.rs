//! `GET /api/v1/audit_events`: the audit trail, newest first, for superusers. Every read of patient data and every
//! write through the Admin API appends to it (allowed or refused); this endpoint reads it back, filtered by patient,
//! actor and time.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use jhe_consent::Action;
use jhe_domain::{AuditEvent, PatientId, UserId};
use jhe_store::audit::{AuditFilter, list_audit_events};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{FieldErrors, Target, authorize_plain, field_error, iso, optional_id};
use super::casing::SnakeQuery;
use super::pagination::{Flavour, PageRequest, Paginated};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::openapi::{BadRequest, Forbidden, NotFound, Unauthorized};

/// One audit event.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuditEventItem {
    id: i64,
    occurred_at: String,
    /// The user who acted, if known.
    actor_user_id: Option<i64>,
    /// `<resource>.<verb>`, such as `observation.list` or `study.patients.manage`.
    #[schema(example = "observation.read")]
    action: String,
    /// The kind of thing acted on, such as `Study` or `Observation`.
    target_type: String,
    target_id: Option<String>,
    /// The patients whose data was touched.
    patient_ids: Vec<i64>,
    /// `success`, `denied` or `failed`.
    #[schema(example = "success")]
    outcome: String,
    /// A short explanation without personal data (for example why access was denied).
    detail: Option<String>,
}

impl From<AuditEvent> for AuditEventItem {
    fn from(e: AuditEvent) -> Self {
        AuditEventItem {
            id: e.id.get(),
            occurred_at: iso(e.occurred_at),
            actor_user_id: e.actor_user_id.map(|u| u.get()),
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            patient_ids: e.patient_ids.into_iter().map(|p| p.get()).collect(),
            outcome: e.outcome.as_str().to_owned(),
            detail: e.detail,
        }
    }
}

/// Query parameters (snake or camel case).
#[derive(Debug, Deserialize)]
pub(crate) struct AuditQuery {
    patient: Option<String>,
    patient_id: Option<String>,
    actor: Option<String>,
    actor_user_id: Option<String>,
    since: Option<String>,
    until: Option<String>,
}

/// An ISO 8601 instant (`2026-11-22T17:59:19Z`, any offset) or a date (its midnight, UTC).
fn instant(field: &str, raw: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    if let Some(midnight) = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        return Ok(Some(midnight.and_utc()));
    }
    Err(field_error(
        field,
        "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm:ss[.uuuuuu]Z, YYYY-MM-DD.",
    ))
}

/// `GET /api/v1/audit_events` (superusers)
#[utoipa::path(
    get,
    path = "/api/v1/audit_events",
    tag = "audit",
    security(("bearer" = [])),
    params(
        ("patient_id" = Option<i64>, Query, description = "Only events touching this patient; also `patientId` or `patient`"),
        ("actor" = Option<i64>, Query, description = "Only events by this user id; also `actor_user_id` / `actorUserId`"),
        ("since" = Option<String>, Query, description = "Only events at or after this instant (ISO 8601) or date"),
        ("until" = Option<String>, Query, description = "Only events before this instant (ISO 8601) or date"),
        ("page" = Option<i64>, Query, description = "1-based page number"),
        ("page_size" = Option<i64>, Query, description = "Results per page (default 20, at most 1000); also `pageSize`"),
    ),
    responses(
        (status = 200, description = "Audit events, newest first", body = Paginated<AuditEventItem>),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn list(
    caller: Caller,
    req: HttpRequest,
    query: SnakeQuery<AuditQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::from_request(&req, Flavour::Custom)?;
    let q = query.into_inner();
    let mut errors = FieldErrors::default();
    let patient = errors.take(optional_id(
        "patientId",
        q.patient_id.as_deref().or(q.patient.as_deref()),
    ));
    let actor = errors.take(optional_id(
        "actor",
        q.actor.as_deref().or(q.actor_user_id.as_deref()),
    ));
    let since = errors.take(instant("since", q.since.as_deref()));
    let until = errors.take(instant("until", q.until.as_deref()));
    errors.finish()?;
    let filter = AuditFilter {
        patient: patient.flatten().map(PatientId),
        actor: actor.flatten().map(UserId),
        since: since.flatten(),
        until: until.flatten(),
    };
    let (count, rows) = state
        .db(move |conn| {
            authorize_plain(
                conn,
                &caller,
                &Action::ReadAuditLog,
                &Target::collection("AuditEvent"),
                false,
            )?;
            Ok::<_, ApiError>(list_audit_events(conn, &filter, page.offset(), page.limit())?)
        })
        .await?;
    let items = rows.into_iter().map(AuditEventItem::from).collect();
    Ok(HttpResponse::Ok().json(page.envelope(&req, &state.config.site_url, count, items)?))
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/audit_events", web::get().to(list));
}
