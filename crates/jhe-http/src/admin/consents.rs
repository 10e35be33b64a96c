//! A patient's consents (reference §3.2–3.3): the view of every study they take part in with its requested data
//! types, and the writes that grant, change and withdraw consent, plus the consent history.
//!
//! Every write goes through the consent engine's state machine ([`jhe_consent::decide_consents`]), all of a
//! request or nothing, and each change of state is stored with its history entry in the same transaction. The
//! reference's 500s become answers a client can act on: a POST for a scope already answered is 409 (change it
//! with PATCH), a PATCH for an unanswered one 404 (create it with POST), an unknown scope code, a study the
//! patient is not enrolled in or a data type the study does not ask for (G13) 400. `?reset=true`, which deleted all
//! of a patient's consents on a GET (G11), is refused with 400. A DELETE of an unanswered scope changes nothing and
//! succeeds, so clients may repeat it.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use jhe_consent::{Action, ConsentChange, ConsentError, ConsentRequest, Facts, StudyConsentStatus};
use jhe_domain::{AuditOutcome, ConsentState, PatientId, ScopeCode, ScopeCodeId, StudyId};
use jhe_store::consent_records::{self, StudyForConsent};
use jhe_store::facts::{FactsScope, load_facts};
use jhe_store::study_listings::patient_details;
use jhe_store::{DbConnection, in_transaction};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{audit, authorize, field_error, iso, optional_id};
use super::casing::{SnakeJson, SnakeQuery};
use super::data_sources::ScopeCodeItem;
use super::pagination::{Flavour, PageRequest, Paginated};
use super::patients::{PatientItem, existing, patient_scope, target};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::openapi::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized};

// ----- wire shapes ------------------------------------------------------------------------------------------------

/// An organization as nested in a study of the consent view.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ConsentOrganizationItem {
    id: i64,
    name: String,
    #[serde(rename = "type")]
    org_type: String,
}

/// A data source of a study, with the data types it can produce.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConsentDataSourceItem {
    id: i64,
    name: String,
    #[serde(rename = "type")]
    #[schema(example = "personal_device")]
    source_type: String,
    supported_scopes: Vec<ScopeCodeItem>,
}

/// One requested data type with the patient's answer: `consented` null while pending, true when given, false when
/// declined or revoked.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScopeConsentItem {
    code: ScopeCodeItem,
    consented: Option<bool>,
    /// When it was answered (ISO 8601); null while pending.
    consented_time: Option<String>,
}

/// A study of the consent view. Under `studiesPendingConsent` it carries `pendingScopeConsents`, under `studies`
/// `scopeConsents`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StudyConsentItem {
    id: i64,
    name: String,
    description: String,
    organization: ConsentOrganizationItem,
    data_sources: Vec<ConsentDataSourceItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pending_scope_consents: Option<Vec<ScopeConsentItem>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope_consents: Option<Vec<ScopeConsentItem>>,
}

/// `GET /patients/{id}/consents`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConsentView {
    patient: PatientItem,
    /// The data types the patient currently shares with at least one study that asks for them.
    consolidated_consented_scopes: Vec<ScopeCodeItem>,
    /// Studies with data types still waiting for an answer.
    studies_pending_consent: Vec<StudyConsentItem>,
    /// Studies with answered data types.
    studies: Vec<StudyConsentItem>,
}

/// An enrolment as nested in a written consent.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StudyPatientRef {
    id: i64,
    study: i64,
    patient: i64,
}

/// A stored answer, after a write.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StudyScopeConsentItem {
    id: i64,
    study_patient: StudyPatientRef,
    scope_code: ScopeCodeItem,
    consented: bool,
    consented_time: String,
}

/// What `POST` and `PATCH /patients/{id}/consents` answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConsentWriteResult {
    study_scope_consents: Vec<StudyScopeConsentItem>,
}

/// One entry of the consent history.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConsentHistoryItem {
    id: i64,
    /// The study id.
    study: i64,
    /// The patient id.
    patient: i64,
    scope_code: ScopeCodeItem,
    /// `consented`, `declined`, `revoked`, or null for pending.
    #[schema(example = "consented")]
    from_state: Option<String>,
    /// `consented`, `declined`, `revoked`, or null when the answer was withdrawn.
    #[schema(example = "revoked")]
    to_state: Option<String>,
    /// Who made the change (the patient, or a practitioner for them).
    actor_user_id: Option<i64>,
    occurred_at: String,
}

/// One data type's answer in a consent write.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ScopeConsentBody {
    /// Also `codingSystem`, e.g. `https://w3id.org/openmhealth`.
    coding_system: String,
    /// Also `codingCode`, e.g. `omh:blood-pressure:4.0`.
    coding_code: String,
    /// true to share, false to decline (or revoke). Required for POST and PATCH; ignored by DELETE.
    consented: Option<bool>,
}

/// One study's answers in a consent write.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct StudyScopeConsentBody {
    /// Also `studyId`.
    study_id: i64,
    /// Also `scopeConsents`.
    scope_consents: Vec<ScopeConsentBody>,
}

/// The body of `POST`, `PATCH` and `DELETE /patients/{id}/consents` (snake or camel case).
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ConsentWriteBody {
    /// Also `studyScopeConsents`.
    study_scope_consents: Vec<StudyScopeConsentBody>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ViewQuery {
    reset: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct HistoryQuery {
    study_id: Option<String>,
}

// ----- helpers ----------------------------------------------------------------------------------------------------

fn scope_item(code: &ScopeCode) -> ScopeCodeItem {
    ScopeCodeItem::from(code.clone())
}

fn scope_items(
    ids: impl IntoIterator<Item = ScopeCodeId>,
    codes: &BTreeMap<ScopeCodeId, ScopeCode>,
) -> Vec<ScopeCodeItem> {
    ids.into_iter()
        .filter_map(|id| codes.get(&id))
        .map(scope_item)
        .collect()
}

fn study_item(
    status: &StudyConsentStatus,
    studies: &BTreeMap<StudyId, StudyForConsent>,
    codes: &BTreeMap<ScopeCodeId, ScopeCode>,
    pending: bool,
) -> Option<StudyConsentItem> {
    let study = studies.get(&status.study_id)?;
    let scopes: Vec<ScopeConsentItem> = status
        .scopes
        .iter()
        .filter_map(|s| {
            Some(ScopeConsentItem {
                code: scope_item(codes.get(&s.scope_code_id)?),
                consented: s.consented(),
                consented_time: s.decided_at.map(iso),
            })
        })
        .collect();
    Some(StudyConsentItem {
        id: study.study.id.get(),
        name: study.study.name.clone(),
        description: study.study.description.clone(),
        organization: ConsentOrganizationItem {
            id: study.organization.id.get(),
            name: study.organization.name.clone(),
            org_type: study.organization.org_type.as_str().to_owned(),
        },
        data_sources: study
            .data_sources
            .iter()
            .map(|ds| ConsentDataSourceItem {
                id: ds.data_source.id.get(),
                name: ds.data_source.name.clone(),
                source_type: ds.data_source.source_type.as_str().to_owned(),
                supported_scopes: ds.supported_scopes.iter().map(scope_item).collect(),
            })
            .collect(),
        pending_scope_consents: None,
        scope_consents: None,
    })
    .map(|mut item| {
        if pending {
            item.pending_scope_consents = Some(scopes);
        } else {
            item.scope_consents = Some(scopes);
        }
        item
    })
}

/// Renders the consent view from the engine's overview.
fn consent_view(conn: &mut DbConnection, facts: &Facts, patient: PatientId) -> Result<ConsentView, ApiError> {
    let overview = jhe_consent::patient_consent_overview(facts, patient);
    let study_ids: BTreeSet<StudyId> = overview
        .studies_pending_consent
        .iter()
        .chain(&overview.studies)
        .map(|s| s.study_id)
        .collect();
    let studies = consent_records::studies_for_consent(conn, &study_ids.into_iter().collect::<Vec<_>>())?;
    let scope_ids: BTreeSet<ScopeCodeId> = overview
        .studies_pending_consent
        .iter()
        .chain(&overview.studies)
        .flat_map(|s| s.scopes.iter().map(|c| c.scope_code_id))
        .chain(overview.consolidated_consented_scopes.iter().copied())
        .collect();
    let codes = consent_records::scope_codes(conn, &scope_ids.into_iter().collect::<Vec<_>>())?;
    let patient = patient_details(conn, &[patient])?
        .into_iter()
        .next()
        .map(PatientItem::from)
        .ok_or_else(|| ApiError::NotFound("Patient not found.".into()))?;
    Ok(ConsentView {
        patient,
        consolidated_consented_scopes: scope_items(
            overview.consolidated_consented_scopes.iter().copied(),
            &codes,
        ),
        studies_pending_consent: overview
            .studies_pending_consent
            .iter()
            .filter_map(|s| study_item(s, &studies, &codes, true))
            .collect(),
        studies: overview
            .studies
            .iter()
            .filter_map(|s| study_item(s, &studies, &codes, false))
            .collect(),
    })
}

/// Which write a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    /// POST: answers for scopes not answered yet.
    Create,
    /// PATCH: new answers for answered scopes.
    Change,
    /// DELETE: back to pending.
    Withdraw,
}

impl Write {
    fn verb(self) -> &'static str {
        match self {
            Write::Create => "POST",
            Write::Change => "PATCH",
            Write::Withdraw => "DELETE",
        }
    }
}

/// One answer asked for, before its scope code is looked up.
struct Entry {
    study: StudyId,
    /// (system, code).
    coding: (String, String),
    consented: Option<bool>,
}

/// The body's entries, validated for shape; the scope codes are looked up later.
fn requested_entries(body: ConsentWriteBody, write: Write) -> Result<Vec<Entry>, ApiError> {
    let mut entries = Vec::new();
    for study in body.study_scope_consents {
        for scope in study.scope_consents {
            if write != Write::Withdraw && scope.consented.is_none() {
                return Err(field_error(
                    "studyScopeConsents",
                    format!(
                        "Study {}, {}|{}: consented (true or false) is required.",
                        study.study_id, scope.coding_system, scope.coding_code
                    ),
                ));
            }
            entries.push(Entry {
                study: StudyId(study.study_id),
                coding: (
                    scope.coding_system.trim().to_owned(),
                    scope.coding_code.trim().to_owned(),
                ),
                consented: scope.consented,
            });
        }
    }
    Ok(entries)
}

fn consent_error(err: ConsentError) -> ApiError {
    match err {
        ConsentError::Denied(denied) => ApiError::Forbidden(denied.reason),
        other => field_error("studyScopeConsents", other.to_string()),
    }
}

/// Decides and stores a consent write; returns the (enrolment, scope) pairs it was about.
fn write_consents(
    conn: &mut DbConnection,
    caller: &Caller,
    patient: PatientId,
    body: ConsentWriteBody,
    write: Write,
) -> Result<Vec<(StudyId, ScopeCode)>, ApiError> {
    let entries = requested_entries(body, write)?;
    let codings: Vec<(String, String)> = entries.iter().map(|e| e.coding.clone()).collect();
    let codes = consent_records::scope_codes_by_coding(conn, &codings)?;
    let mut requests = Vec::with_capacity(entries.len());
    let mut about = Vec::with_capacity(entries.len());
    let mut seen = BTreeSet::new();
    for Entry {
        study,
        coding,
        consented,
    } in entries
    {
        let code = codes.get(&coding).ok_or_else(|| {
            field_error(
                "studyScopeConsents",
                format!("Unknown scope code: system {} code {}.", coding.0, coding.1),
            )
        })?;
        if !seen.insert((study, code.id)) {
            return Err(field_error(
                "studyScopeConsents",
                format!(
                    "Study {study}, {}|{} is listed twice.",
                    code.coding_system, code.coding_code
                ),
            ));
        }
        let change = match (write, consented) {
            (Write::Withdraw, _) => ConsentChange::Withdraw,
            (_, Some(true)) => ConsentChange::Grant,
            (_, _) => ConsentChange::Refuse,
        };
        requests.push(ConsentRequest {
            patient_id: patient,
            study_id: study,
            scope_code_id: code.id,
            change,
        });
        about.push((study, code.clone()));
    }
    let studies: Vec<StudyId> = requests
        .iter()
        .map(|r| r.study_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    in_transaction(conn, |conn| {
        let facts = load_facts(
            conn,
            &FactsScope {
                practitioner: caller.principal.practitioner_id(),
                patients: vec![patient],
                studies,
            },
        )?;
        let outcomes = match jhe_consent::decide_consents(&caller.principal, &facts, &requests, Utc::now()) {
            Ok(outcomes) => outcomes,
            Err(err) => {
                let outcome = if matches!(err, ConsentError::Denied(_)) {
                    AuditOutcome::Denied
                } else {
                    AuditOutcome::Failed
                };
                audit(
                    conn,
                    caller,
                    "consent.write",
                    &target(patient),
                    outcome,
                    Some(write.verb().into()),
                )?;
                return Ok(Err(consent_error(err)));
            }
        };
        // The engine accepted the request, so the caller may see these answers: now it is safe to say whether one
        // exists.
        for request in &requests {
            let enrolment = facts.enrolment(request.study_id, patient).map(|e| e.id);
            let current = enrolment.and_then(|e| facts.consent_record(e, request.scope_code_id));
            match (write, current) {
                (Write::Create, Some(record)) => {
                    return Ok(Err(ApiError::Conflict(format!(
                        "Patient {patient} has already answered for scope {} in study {} ({}); change the answer \
                         with PATCH.",
                        request.scope_code_id, request.study_id, record.state
                    ))));
                }
                (Write::Change, None) => {
                    return Ok(Err(ApiError::NotFound(format!(
                        "Patient {patient} has not answered for scope {} in study {} yet; give the first answer \
                         with POST.",
                        request.scope_code_id, request.study_id
                    ))));
                }
                _ => {}
            }
        }
        consent_records::apply_consent_outcomes(conn, &outcomes)?;
        let changed = outcomes.iter().filter(|o| o.history_entry().is_some()).count();
        audit(
            conn,
            caller,
            "consent.write",
            &target(patient),
            AuditOutcome::Success,
            Some(format!(
                "{}: {changed} of {} changed",
                write.verb(),
                outcomes.len()
            )),
        )?;
        Ok::<_, ApiError>(Ok(about))
    })?
}

/// The stored answers for what a write was about, as the write's response shows them.
fn written_items(
    conn: &mut DbConnection,
    patient: PatientId,
    about: &[(StudyId, ScopeCode)],
) -> Result<ConsentWriteResult, ApiError> {
    let enrolments: Vec<jhe_domain::Enrolment> = jhe_store::studies::enrolments_of_patient(conn, patient)?;
    let ids: Vec<jhe_domain::EnrolmentId> = enrolments.iter().map(|e| e.id).collect();
    let stored = consent_records::consents_of_enrolments(conn, &ids)?;
    let items = about
        .iter()
        .filter_map(|(study, code)| {
            let row = stored
                .iter()
                .find(|c| c.enrolment.study_id == *study && c.consent.scope_code_id == code.id)?;
            Some(StudyScopeConsentItem {
                id: row.consent.id.get(),
                study_patient: StudyPatientRef {
                    id: row.enrolment.id.get(),
                    study: row.enrolment.study_id.get(),
                    patient: row.enrolment.patient_id.get(),
                },
                scope_code: scope_item(code),
                consented: row.consent.state == ConsentState::Consented,
                consented_time: iso(row.consent.decided_at),
            })
        })
        .collect();
    Ok(ConsentWriteResult {
        study_scope_consents: items,
    })
}

async fn write(
    caller: Caller,
    patient: PatientId,
    body: ConsentWriteBody,
    write: Write,
    state: web::Data<AppState>,
) -> Result<ConsentWriteResult, ApiError> {
    state
        .db(move |conn| {
            existing(conn, patient)?;
            let about = write_consents(conn, &caller, patient, body, write)?;
            written_items(conn, patient, &about)
        })
        .await
}

// ----- handlers ---------------------------------------------------------------------------------------------------

/// `GET /api/v1/patients/{id}/consents`
#[utoipa::path(
    get,
    path = "/api/v1/patients/{id}/consents",
    tag = "consents",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Patient id"),
        ("reset" = Option<bool>, Query, description = "Not supported: `true` is refused with 400 (withdraw answers with DELETE)"),
    ),
    responses(
        (status = 200, description = "The patient's studies with their requested data types, pending and answered", body = ConsentView),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn view(
    caller: Caller,
    path: web::Path<i64>,
    query: SnakeQuery<ViewQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let patient = PatientId(path.into_inner());
    if let Some(reset) = query.into_inner().reset
        && !matches!(reset.trim().to_ascii_lowercase().as_str(), "" | "false" | "0")
    {
        return Err(field_error(
            "reset",
            "Resetting all of a patient's consents is not supported; withdraw answers with DELETE \
             /api/v1/patients/{id}/consents.",
        ));
    }
    let view = state
        .db(move |conn| {
            existing(conn, patient)?;
            let facts = authorize(
                conn,
                &caller,
                &Action::ReadConsents { patient },
                patient_scope(patient),
                &target(patient),
                true,
            )?;
            let view = consent_view(conn, &facts, patient)?;
            audit(
                conn,
                &caller,
                "consent.read",
                &target(patient),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>(view)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `POST /api/v1/patients/{id}/consents`: first answers (the patient, or a member or manager of the study's
/// organization with a role for the patient).
#[utoipa::path(
    post,
    path = "/api/v1/patients/{id}/consents",
    tag = "consents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Patient id")),
    request_body = ConsentWriteBody,
    responses(
        (status = 201, description = "The stored answers", body = ConsentWriteResult),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict,
    )
)]
pub(crate) async fn create(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<ConsentWriteBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let result = write(
        caller,
        PatientId(path.into_inner()),
        body.into_inner(),
        Write::Create,
        state,
    )
    .await?;
    Ok(HttpResponse::Created().json(result))
}

/// `PATCH /api/v1/patients/{id}/consents`: change given answers (`consented: false` revokes a consent).
#[utoipa::path(
    patch,
    path = "/api/v1/patients/{id}/consents",
    tag = "consents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Patient id")),
    request_body = ConsentWriteBody,
    responses(
        (status = 200, description = "The stored answers", body = ConsentWriteResult),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn change(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<ConsentWriteBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let result = write(
        caller,
        PatientId(path.into_inner()),
        body.into_inner(),
        Write::Change,
        state,
    )
    .await?;
    Ok(HttpResponse::Ok().json(result))
}

/// `DELETE /api/v1/patients/{id}/consents`: withdraw answers; the data types are pending again.
#[utoipa::path(
    delete,
    path = "/api/v1/patients/{id}/consents",
    tag = "consents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Patient id")),
    request_body = ConsentWriteBody,
    responses(
        (status = 204, description = "Withdrawn (or already pending)"),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn withdraw(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<ConsentWriteBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    write(
        caller,
        PatientId(path.into_inner()),
        body.into_inner(),
        Write::Withdraw,
        state,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/patients/{id}/consents/history`: every change of the patient's consents, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/patients/{id}/consents/history",
    tag = "consents",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Patient id"),
        ("study_id" = Option<i64>, Query, description = "Only this study's; also `studyId`"),
        ("page" = Option<i64>, Query, description = "1-based page number"),
        ("page_size" = Option<i64>, Query, description = "Results per page (default 20, at most 1000); also `pageSize`"),
    ),
    responses(
        (status = 200, description = "The history, oldest first", body = Paginated<ConsentHistoryItem>),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn history(
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    query: SnakeQuery<HistoryQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let patient = PatientId(path.into_inner());
    let page = PageRequest::from_request(&req, Flavour::Custom)?;
    let study = optional_id("studyId", query.into_inner().study_id.as_deref())?.map(StudyId);
    let (count, items) = state
        .db(move |conn| {
            existing(conn, patient)?;
            authorize(
                conn,
                &caller,
                &Action::ReadConsents { patient },
                patient_scope(patient),
                &target(patient),
                true,
            )?;
            let (count, entries) =
                consent_records::list_consent_history(conn, patient, study, page.offset(), page.limit())?;
            let scope_ids: Vec<ScopeCodeId> = entries.iter().map(|e| e.scope_code_id).collect();
            let codes = consent_records::scope_codes(conn, &scope_ids)?;
            audit(
                conn,
                &caller,
                "consent.history.read",
                &target(patient),
                AuditOutcome::Success,
                None,
            )?;
            let items: Vec<ConsentHistoryItem> = entries
                .into_iter()
                .filter_map(|e| {
                    Some(ConsentHistoryItem {
                        id: e.id.get(),
                        study: e.study_id.get(),
                        patient: e.patient_id.get(),
                        scope_code: scope_item(codes.get(&e.scope_code_id)?),
                        from_state: e.from_state.map(|s| s.as_str().to_owned()),
                        to_state: e.to_state.map(|s| s.as_str().to_owned()),
                        actor_user_id: e.actor_user_id.map(|u| u.get()),
                        occurred_at: iso(e.occurred_at),
                    })
                })
                .collect();
            Ok::<_, ApiError>((count, items))
        })
        .await?;
    Ok(HttpResponse::Ok().json(page.envelope(&req, &state.config.site_url, count, items)?))
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/patients/{id:\\d+}/consents", web::get().to(view))
        .route("/api/v1/patients/{id:\\d+}/consents", web::post().to(create))
        .route("/api/v1/patients/{id:\\d+}/consents", web::patch().to(change))
        .route("/api/v1/patients/{id:\\d+}/consents", web::delete().to(withdraw))
        .route(
            "/api/v1/patients/{id:\\d+}/consents/history",
            web::get().to(history),
        );
}
