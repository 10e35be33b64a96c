//! `Observation`: search, read by id, and create (the upload pipeline of the reference, in its order, with consent
//! checked through the consent engine).

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use jhe_consent::{Action, Actor, Principal, observation_visibility};
use jhe_domain::*;
use jhe_fhir::resource::{
    SearchsetJson, not_authorized_message, render_observation, render_observation_summary,
    write_observation_json,
};
use jhe_fhir::search::{
    Criteria, SearchMode, Summary, cursor_links, parse_observation_search, parse_query_string, self_link,
};
use jhe_fhir::upload::{PipelineError, run_upload_pipeline};
use jhe_store::facts::{FactsScope, load_facts};
use jhe_store::fhir_search::{
    ObservationContext, ScopeCodeCache, VisiblePatient, find_visible_patient, observation_context,
    search_observations, visible_observation,
};
use jhe_store::{DbConnection, audit, in_transaction, observations};

use super::checks::StoreChecks;
use super::{check_json_body, fhir_error, fhir_json_response, fhir_response, self_url};
use crate::AppState;
use crate::auth::{BearerToken, Caller};
use crate::error::{ApiError, StyledError};

pub(crate) fn search_mode(req: &HttpRequest) -> SearchMode {
    let strict = req
        .headers()
        .get("Prefer")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| {
            p.split(',')
                .any(|part| part.trim().eq_ignore_ascii_case("handling=strict"))
        });
    if strict {
        SearchMode::Strict
    } else {
        SearchMode::Lenient
    }
}

pub(crate) fn audit_event(
    principal: &Principal,
    action: &str,
    target_type: &str,
    target_id: Option<String>,
    patients: Vec<PatientId>,
    outcome: AuditOutcome,
    detail: Option<String>,
) -> NewAuditEvent {
    NewAuditEvent {
        occurred_at: Utc::now(),
        actor_user_id: Some(principal.user_id),
        action: action.into(),
        target_type: target_type.into(),
        target_id,
        patient_ids: patients,
        outcome,
        detail,
    }
}

/// Checks the explicitly named patients, studies and organizations of a search: naming one the caller may not
/// read is refused (403) rather than silently answered with nothing, as the reference does.
pub(crate) fn authorize_search_targets(
    conn: &mut DbConnection,
    principal: &Principal,
    patients: &[PatientId],
    studies: &[StudyId],
    organizations: &[OrganizationId],
) -> Result<Vec<VisiblePatient>, ApiError> {
    if patients.is_empty() && studies.is_empty() && organizations.is_empty() {
        return Ok(vec![]);
    }
    if studies.is_empty() && organizations.is_empty() {
        // The common case (`?patient=N`): reading a patient is being in the caller's patient visibility, which
        // the database answers in one query per patient, with the patient's account for rendering.
        let visibility = jhe_consent::patient_visibility(principal);
        let mut checked = Vec::with_capacity(patients.len());
        for &patient in patients {
            match find_visible_patient(conn, &visibility, patient)? {
                Some(found) => checked.push(found),
                None => {
                    return Err(ApiError::Forbidden(not_authorized_message(
                        "Patient",
                        patient.get(),
                    )));
                }
            }
        }
        return Ok(checked);
    }
    let facts = load_facts(
        conn,
        &FactsScope {
            practitioner: principal.practitioner_id(),
            patients: patients.to_vec(),
            studies: studies.to_vec(),
        },
    )?;
    let refuse = |kind: &str, id: i64| ApiError::Forbidden(not_authorized_message(kind, id));
    for &patient in patients {
        jhe_consent::authorize(principal, &Action::ReadPatient { patient }, &facts)
            .map_err(|_| refuse("Patient", patient.get()))?;
    }
    for &study in studies {
        jhe_consent::authorize(principal, &Action::ReadStudy { study }, &facts)
            .map_err(|_| refuse("Group", study.get()))?;
    }
    for &organization in organizations {
        jhe_consent::authorize(principal, &Action::ReadOrganization { organization }, &facts)
            .map_err(|_| refuse("Organization", organization.get()))?;
    }
    Ok(vec![])
}

pub(crate) fn render(
    observation: &Observation,
    context: &ObservationContext,
) -> Result<jhe_fhir::resource::Observation, ApiError> {
    let (code, user) = render_context(observation, context)?;
    Ok(render_observation(observation, code, user))
}

/// What rendering `observation` needs beyond its row: its scope code and its patient's account.
fn render_context<'c>(
    observation: &Observation,
    context: &'c ObservationContext,
) -> Result<(&'c ScopeCode, Option<UserId>), ApiError> {
    let code = context
        .scope_codes
        .get(&observation.scope_code_id)
        .ok_or_else(|| ApiError::Internal(format!("scope code {} missing", observation.scope_code_id)))?;
    Ok((code, context.patient_users.get(&observation.patient_id).copied()))
}

fn values<T: Copy>(criteria: &Criteria<T>) -> Vec<T> {
    criteria.values().copied().collect()
}

/// `GET /FHIR/R5/Observation`. The busiest request of the exchange: the token is resolved in the same database
/// call as the search (see [`BearerToken`]).
pub(crate) async fn search(
    req: HttpRequest,
    token: BearerToken,
    state: web::Data<AppState>,
) -> Result<HttpResponse, StyledError> {
    let params = parse_query_string(req.query_string());
    // Parsed before the database call, refused inside it after the token: an unauthenticated request is a 401
    // whatever its parameters.
    let parsed = parse_observation_search(&params, search_mode(&req)).map_err(|e| search_outcome(&e));
    let codes = state.scope_codes.clone();
    let (page, context) = state
        .db(move |conn| {
            let principal = token.resolve(conn)?.principal;
            let mut search = parsed?;
            if matches!(principal.actor, Actor::Patient { .. }) {
                // A patient sees exactly their own data: location filters do not apply to them (as in the
                // reference).
                search.patients = Criteria::default();
                search.studies = Criteria::default();
                search.organizations = Criteria::default();
            }
            // The search's audit event, refused or answered.
            let event = |patients, outcome, detail| {
                audit_event(
                    &principal,
                    "observation.search",
                    "Observation",
                    None,
                    patients,
                    outcome,
                    detail,
                )
            };
            let checked = match authorize_search_targets(
                conn,
                &principal,
                &values(&search.patients),
                &values(&search.studies),
                &values(&search.organizations),
            ) {
                Ok(checked) => checked,
                Err(e) => {
                    let refused = event(
                        values(&search.patients),
                        AuditOutcome::Denied,
                        Some(e.to_string()),
                    );
                    audit::append_audit_event(conn, &refused)?;
                    return Err(e);
                }
            };
            let visibility = observation_visibility(&principal);
            let page = search_observations(conn, &visibility, &search)?;
            // A numbered page past the last match is a 404 `Invalid page.`, as in the reference. (A count-only
            // search has no pages.)
            if search.summary != Summary::Count {
                search
                    .paging
                    .check_total(page.total)
                    .map_err(|e| search_outcome(&e))?;
            }
            // The patients the check read come with their accounts: a `?patient=` page needs no query for them.
            let context = observation_context(conn, &page.rows, &codes, &checked)?;
            // The store names each patient once, however many of their rows the page holds.
            let patients = page.rows.iter().map(|o| o.patient_id).collect();
            audit::append_audit_event(conn, &event(patients, AuditOutcome::Success, None))?;
            Ok::<_, ApiError>((page, context))
        })
        .await
        .map_err(fhir_error)?;
    let site = &state.config.site_url;
    let endpoint = format!("{site}{}", req.path());
    let links = if page.rows.is_empty() && page.next.is_none() {
        vec![self_link(&self_url(site, &req))]
    } else {
        cursor_links(&endpoint, &self_url(site, &req), &params, page.next.as_ref())
    };
    // Written straight to bytes, each observation as serde would write `render`'s resource (jhe-fhir's tests hold
    // the two to the same output), into one buffer of about the page's size: an entry is its data point in base64
    // (4/3 of the stored JSON) and under a kilobyte of other elements.
    let expected_len = 1024
        + page
            .rows
            .iter()
            .map(|o| o.omh_data.len() / 3 * 4 + 1024)
            .sum::<usize>();
    let mut bundle = SearchsetJson::new(page.total, &links, expected_len);
    for o in &page.rows {
        let (code, user) = render_context(o, &context).map_err(fhir_error)?;
        bundle.entry(|out| write_observation_json(out, o, code, user));
    }
    Ok(fhir_json_response(&req, StatusCode::OK, bundle.finish()))
}

/// A refused search parameter as the error a handler returns.
pub(crate) fn search_outcome(e: &jhe_fhir::SearchError) -> ApiError {
    let outcome = serde_json::to_value(e.to_operation_outcome()).unwrap_or_default();
    ApiError::Outcome {
        status: e.status(),
        outcome,
    }
}

/// `GET /FHIR/R5/Observation/{id}`: the same visibility as a search. The token is resolved in the handler's one
/// database call.
pub(crate) async fn read(
    req: HttpRequest,
    token: BearerToken,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, StyledError> {
    let raw = path.into_inner();
    let not_found = || fhir_error(ApiError::NotFound(format!("Observation/{raw} not found.")));
    let id = raw.parse::<i64>().map(ObservationId).ok();
    let codes = state.scope_codes.clone();
    let found = state
        .db(move |conn| {
            let principal = token.resolve(conn)?.principal;
            // An id that is not a number names no observation; it is answered after the token, as any other
            // unknown id.
            let Some(id) = id else {
                return Ok(None);
            };
            let found = visible_observation(conn, &observation_visibility(&principal), id)?;
            let (patients, outcome) = match &found {
                Some(o) => (vec![o.patient_id], AuditOutcome::Success),
                None => (vec![], AuditOutcome::Denied),
            };
            audit::append_audit_event(
                conn,
                &audit_event(
                    &principal,
                    "observation.read",
                    "Observation",
                    Some(id.to_string()),
                    patients,
                    outcome,
                    None,
                ),
            )?;
            Ok::<_, ApiError>(match found {
                Some(o) => {
                    let context = observation_context(conn, std::slice::from_ref(&o), &codes, &[])?;
                    Some(render(&o, &context)?)
                }
                None => None,
            })
        })
        .await
        .map_err(fhir_error)?;
    let resource = found.ok_or_else(not_found)?;
    Ok(fhir_response(&req, StatusCode::OK, &resource))
}

/// What a successful create answers: the stored observation, rendered for the caller.
pub(crate) fn created_body(
    conn: &mut DbConnection,
    principal: &Principal,
    stored: &Observation,
    codes: &ScopeCodeCache,
) -> Result<serde_json::Value, ApiError> {
    let context = observation_context(conn, std::slice::from_ref(stored), codes, &[])?;
    // A patient gets the reference's short answer; a practitioner the whole resource.
    if matches!(principal.actor, Actor::Patient { .. }) {
        let code = context
            .scope_codes
            .get(&stored.scope_code_id)
            .ok_or_else(|| ApiError::Internal("scope code missing".into()))?;
        serde_json::to_value(render_observation_summary(stored, code))
            .map_err(|e| ApiError::Internal(e.to_string()))
    } else {
        serde_json::to_value(render(stored, &context)?).map_err(|e| ApiError::Internal(e.to_string()))
    }
}

/// `If-None-Exist: identifier=system|value`, parsed.
fn if_none_exist(req: &HttpRequest) -> Result<Option<Identifier>, StyledError> {
    let Some(value) = req.headers().get("If-None-Exist") else {
        return Ok(None);
    };
    let bad = || {
        fhir_error(ApiError::BadRequest(
            "If-None-Exist must be identifier=<system>|<value> (for example identifier=https://example.org/ids|abc)."
                .into(),
        ))
    };
    let text = value.to_str().map_err(|_| bad())?;
    let params = parse_query_string(text);
    let [(name, token)] = params.as_slice() else {
        return Err(bad());
    };
    if name != "identifier" {
        return Err(bad());
    }
    let (system, value) = token.split_once('|').ok_or_else(bad)?;
    if system.is_empty() || value.is_empty() {
        return Err(bad());
    }
    Ok(Some(Identifier {
        system: system.to_owned(),
        value: value.to_owned(),
    }))
}

enum Created {
    New(serde_json::Value, ObservationId),
    Existing(serde_json::Value, ObservationId),
}

/// `POST /FHIR/R5/Observation`.
pub(crate) async fn create(
    req: HttpRequest,
    caller: Caller,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, StyledError> {
    check_json_body(req.headers())?;
    let conditional = if_none_exist(&req)?;
    let principal = caller.principal.clone();
    let codes = state.scope_codes.clone();
    let outcome = state
        .db(move |conn| {
            if let Some(identifier) = conditional
                && let Some(existing) = observations::find_observation_by_identifier(conn, &identifier)?
            {
                // A retried upload: answer with what is stored, if the caller may see it.
                let visibility = observation_visibility(&principal);
                if let Some(found) = visible_observation(conn, &visibility, existing)? {
                    return Ok(Ok(Created::Existing(
                        created_body(conn, &principal, &found, &codes)?,
                        found.id,
                    )));
                }
            }
            let mut checks = StoreChecks::new(conn, &principal);
            let accepted = match run_upload_pipeline(&body, &mut checks) {
                Ok(accepted) => accepted,
                Err(PipelineError::Refused(refusal)) => {
                    let patients = jhe_fhir::upload::parse_observation(&body)
                        .ok()
                        .and_then(|u| u.subject_patient_id().ok())
                        .into_iter()
                        .collect();
                    audit::append_audit_event(
                        checks.conn(),
                        &audit_event(
                            &principal,
                            "observation.create",
                            "Observation",
                            None,
                            patients,
                            AuditOutcome::Denied,
                            Some(refusal.to_string()),
                        ),
                    )?;
                    return Ok(Err(refusal));
                }
                Err(PipelineError::Store(e)) => return Err(ApiError::from(e)),
            };
            let conn = checks.conn();
            let stored = in_transaction(conn, |conn| {
                let stored =
                    observations::insert_observations(conn, &[accepted.to_new_observation()], Utc::now())?;
                let stored = stored
                    .into_iter()
                    .next()
                    .ok_or_else(|| ApiError::Internal("insert returned nothing".into()))?;
                audit::append_audit_event(
                    conn,
                    &audit_event(
                        &principal,
                        "observation.create",
                        "Observation",
                        Some(stored.id.to_string()),
                        vec![stored.patient_id],
                        AuditOutcome::Success,
                        None,
                    ),
                )?;
                Ok::<_, ApiError>(stored)
            })
            .map_err(|e| match e {
                // Two uploads raced for one identifier: the loser gets what step 6 would have said.
                ApiError::Conflict(_) => ApiError::Conflict(
                    accepted
                        .identifiers
                        .first()
                        .map(|i| format!("Identifier already exists: system={} value={}", i.system, i.value))
                        .unwrap_or_else(|| "This observation already exists.".into()),
                ),
                other => other,
            })?;
            Ok(Ok(Created::New(
                created_body(conn, &principal, &stored, &codes)?,
                stored.id,
            )))
        })
        .await
        .map_err(fhir_error)?;
    let base = format!(
        "{}{}",
        state.config.site_url,
        req.path().trim_end_matches("/Observation")
    );
    match outcome {
        Ok(Created::New(body, id)) => {
            crate::fhir::observation::count_ingested(1);
            let mut response = fhir_response(&req, StatusCode::CREATED, &body);
            set_location(&mut response, &base, id);
            Ok(response)
        }
        Ok(Created::Existing(body, id)) => {
            let mut response = fhir_response(&req, StatusCode::OK, &body);
            set_location(&mut response, &base, id);
            Ok(response)
        }
        Err(refusal) => {
            let outcome = serde_json::to_value(refusal.to_operation_outcome()).unwrap_or_default();
            Err(fhir_error(ApiError::Outcome {
                status: refusal.status(),
                outcome,
            }))
        }
    }
}

fn set_location(response: &mut HttpResponse, base: &str, id: ObservationId) {
    let headers = response.headers_mut();
    if let Ok(location) = header::HeaderValue::from_str(&format!("{base}/Observation/{id}/_history/1")) {
        headers.insert(header::LOCATION, location);
    }
    headers.insert(header::ETAG, header::HeaderValue::from_static("W/\"1\""));
}

/// Counts stored observations for the metrics endpoint.
pub(crate) fn count_ingested(n: u64) {
    crate::metrics::record_observations_ingested(n);
}
