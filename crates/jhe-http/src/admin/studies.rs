//! Studies (reference §2.2.5) with their sub-collections: enrolled patients, requested scopes, data sources and
//! patient apps.
//!
//! * Lists show the studies in the caller's [`jhe_consent::StudyVisibility`] (organizations in reach, the studies a
//!   patient is enrolled in; every study for superusers), compiled into SQL and paged there.
//! * Writes need member or manager in the study's organization or above (G4); superusers may change study
//!   metadata and its non-patient sub-collections, but not enrol patients.
//! * Reading a study's patients needs a role in its organization; enrolment needs the patient to belong to the
//!   study's organization or an organization below it ([`jhe_consent::check_enrolment`]).
//! * Study clients are shown as patient-app items, never with secrets (G5).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use jhe_consent::Action;
use jhe_domain::{
    AuditOutcome, ClientId, DataSourceId, NewStudy, Organization, OrganizationId, PatientId, ScopeCodeId,
    Study, StudyId,
};
use jhe_store::facts::FactsScope;
use jhe_store::study_listings::{self, PatientDetails, StudyChanges, StudyFilter, StudyWithOrganization};
use jhe_store::{
    DbConnection, StoreError, clients, data_sources, in_transaction, organizations, studies, vocabulary,
};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::access::{
    FieldErrors, Target, audit, authorize, field_error, iso, optional_id, remember_selection, required,
};
use super::casing::{SnakeJson, SnakeQuery};
use super::clients::ClientItem;
use super::data_sources::{DataSourceRef, ScopeCodeItem};
use super::pagination::{Flavour, PageRequest, Paginated};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::openapi::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized};

// ----- wire shapes ------------------------------------------------------------------------------------------------

/// The organization owning a study, as list items show it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StudyOrganization {
    #[schema(example = 20003)]
    id: i64,
    #[schema(example = "Lifespan Lab")]
    name: String,
    /// The organization type's code, such as `laboratory`.
    #[serde(rename = "type")]
    #[schema(example = "laboratory")]
    org_type: String,
}

/// A study with its organization (`GET /studies`, `GET /studies/{id}`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StudyWithOrgItem {
    #[schema(example = 30001)]
    id: i64,
    #[schema(example = "Lifespan Study on BP & HR")]
    name: String,
    description: String,
    organization: StudyOrganization,
    icon_url: Option<String>,
}

impl From<StudyWithOrganization> for StudyWithOrgItem {
    fn from(s: StudyWithOrganization) -> Self {
        StudyWithOrgItem {
            id: s.study.id.get(),
            name: s.study.name,
            description: s.study.description,
            organization: StudyOrganization {
                id: s.organization.id.get(),
                name: s.organization.name,
                org_type: s.organization.org_type.as_str().to_owned(),
            },
            icon_url: s.study.icon_url,
        }
    }
}

/// A study as writes answer it: the organization as an id.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StudyItem {
    #[schema(example = 30001)]
    id: i64,
    name: String,
    description: String,
    /// The owning organization's id.
    #[schema(example = 20003)]
    organization: i64,
    icon_url: Option<String>,
}

impl From<Study> for StudyItem {
    fn from(s: Study) -> Self {
        StudyItem {
            id: s.id.get(),
            name: s.name,
            description: s.description,
            organization: s.organization_id.get(),
            icon_url: s.icon_url,
        }
    }
}

/// A study as nested in sub-collection items.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NestedStudy {
    id: i64,
    name: String,
    description: String,
    icon_url: Option<String>,
    last_updated: String,
    /// The owning organization's id.
    organization: i64,
    /// The ids of the enrolled patients; empty unless the caller may see the study's patients.
    patients: Vec<i64>,
}

fn nested_study(study: &Study, patients: &[PatientId]) -> NestedStudy {
    NestedStudy {
        id: study.id.get(),
        name: study.name.clone(),
        description: study.description.clone(),
        icon_url: study.icon_url.clone(),
        last_updated: iso(study.last_updated),
        organization: study.organization_id.get(),
        patients: patients.iter().map(|p| p.get()).collect(),
    }
}

/// A data type a study asks for.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScopeRequestItem {
    /// The request row's id.
    id: i64,
    study: NestedStudy,
    scope_code: ScopeCodeItem,
}

/// A data source linked to a study.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StudyDataSourceItem {
    /// The link row's id.
    id: i64,
    study: NestedStudy,
    data_source: DataSourceRef,
}

/// A patient app linked to a study: the client item only, never the OAuth row with its secret (G5).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StudyClientItem {
    /// The link row's id.
    id: i64,
    study: NestedStudy,
    client: ClientItem,
}

/// An organization as patient items show it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PatientOrganizationItem {
    id: i64,
    name: String,
    #[serde(rename = "type")]
    org_type: String,
    part_of: Option<i64>,
    /// Always null in nested organizations, as in the reference.
    #[schema(value_type = Option<String>)]
    current_user_role: Option<String>,
    /// Always empty here.
    #[schema(value_type = Vec<Object>)]
    children: Vec<serde_json::Value>,
}

impl From<Organization> for PatientOrganizationItem {
    fn from(o: Organization) -> Self {
        PatientOrganizationItem {
            id: o.id.get(),
            name: o.name,
            org_type: o.org_type.as_str().to_owned(),
            part_of: o.part_of.map(OrganizationId::get),
            current_user_role: None,
            children: Vec::new(),
        }
    }
}

/// A patient identifier.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IdentifierItem {
    id: i64,
    system: String,
    value: String,
}

/// A patient as `GET /studies/{id}/patients` lists them.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StudyPatientItem {
    #[schema(example = 40001)]
    id: i64,
    jhe_user_id: Option<i64>,
    identifiers: Vec<IdentifierItem>,
    name_family: Option<String>,
    name_given: Option<String>,
    /// `YYYY-MM-DD`.
    birth_date: Option<String>,
    telecom_phone: Option<String>,
    telecom_email: Option<String>,
    organizations: Vec<PatientOrganizationItem>,
}

impl From<PatientDetails> for StudyPatientItem {
    fn from(d: PatientDetails) -> Self {
        StudyPatientItem {
            id: d.patient.id.get(),
            jhe_user_id: d.patient.user_id.map(|u| u.get()),
            identifiers: d
                .identifiers
                .into_iter()
                .map(|i| IdentifierItem {
                    id: i.id,
                    system: i.system,
                    value: i.value,
                })
                .collect(),
            name_family: d.patient.name_family,
            name_given: d.patient.name_given,
            birth_date: d.patient.birth_date.map(|b| b.format("%Y-%m-%d").to_string()),
            telecom_phone: d.patient.telecom_phone,
            telecom_email: d.email,
            organizations: d
                .organizations
                .into_iter()
                .map(PatientOrganizationItem::from)
                .collect(),
        }
    }
}

/// A patient as an enrolment shows them.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnrolledPatient {
    id: i64,
    name_family: Option<String>,
    name_given: Option<String>,
    birth_date: Option<String>,
    telecom_phone: Option<String>,
    last_updated: String,
    /// The patient's login account id.
    jhe_user: Option<i64>,
    /// The ids of the organizations caring for the patient.
    organizations: Vec<i64>,
}

/// One enrolment.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct EnrolmentItem {
    /// The enrolment's id.
    id: i64,
    study: NestedStudy,
    patient: EnrolledPatient,
}

/// The answer to an enrolment request.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnrolmentResponse {
    study_patients: Vec<EnrolmentItem>,
}

// ----- request shapes ---------------------------------------------------------------------------------------------

/// Query parameters of `GET /studies` (snake or camel case).
#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    organization_id: Option<String>,
    study_id: Option<String>,
}

/// Reads a field that may be absent (`None`), null (`Some(None)`) or set.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The body of `POST /studies` and `PUT`/`PATCH /studies/{id}` (snake or camel case).
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct StudyBody {
    /// Required on creation; not blank.
    name: Option<String>,
    /// Required on creation; not blank.
    description: Option<String>,
    /// The owning organization's id; required on creation and cannot change afterwards.
    organization: Option<i64>,
    /// An icon URL, or null for none. Also `iconUrl`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    icon_url: Option<Option<String>>,
}

/// The body of `POST` / `DELETE /studies/{id}/patients`.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct PatientIdsBody {
    /// The patients to enrol or remove. Also `patientIds`.
    patient_ids: Option<Vec<i64>>,
}

/// The body of `POST` / `DELETE /studies/{id}/scope_requests`.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ScopeRequestBody {
    /// A scope code id. Also `scopeCodeId`.
    scope_code_id: Option<i64>,
}

/// The body of `POST` / `DELETE /studies/{id}/data_sources`.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct StudyDataSourceBody {
    /// A data source id. Also `dataSourceId`.
    data_source_id: Option<i64>,
}

/// The body of `POST` / `DELETE /studies/{id}/clients`.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct StudyClientBody {
    /// The patient app's row id (not its OAuth client id). Also `clientId`.
    #[serde(alias = "clientId")]
    client_id: Option<i64>,
}

// ----- helpers ----------------------------------------------------------------------------------------------------

fn target(study: StudyId) -> Target<'static> {
    Target::new("Study", study)
}

fn study_scope(study: StudyId) -> FactsScope {
    FactsScope {
        studies: vec![study],
        ..FactsScope::default()
    }
}

/// Authorizes a read of the study and loads what a nested study shows: the study and, when the caller may see its
/// patients, their ids (nobody else learns who takes part).
fn readable_nested_study(
    conn: &mut DbConnection,
    caller: &Caller,
    study: StudyId,
) -> Result<NestedStudy, ApiError> {
    let facts = authorize(
        conn,
        caller,
        &Action::ReadStudy { study },
        study_scope(study),
        &target(study),
        false,
    )?;
    let row = studies::get_study(conn, study)?;
    let may_see_patients =
        jhe_consent::authorize(&caller.principal, &Action::ReadStudyPatients { study }, &facts).is_ok();
    let patients = if may_see_patients {
        study_listings::enrolled_patient_ids(conn, study)?
    } else {
        Vec::new()
    };
    Ok(nested_study(&row, &patients))
}

// ----- studies ----------------------------------------------------------------------------------------------------

/// `GET /api/v1/studies`
#[utoipa::path(
    get,
    path = "/api/v1/studies",
    tag = "studies",
    security(("bearer" = [])),
    params(
        ("organization_id" = Option<i64>, Query, description = "Only studies of this organization or below it; also `organizationId`"),
        ("page" = Option<i64>, Query, description = "1-based page number"),
        ("page_size" = Option<i64>, Query, description = "Results per page (default 20, at most 1000); also `pageSize`"),
    ),
    responses(
        (status = 200, description = "The studies the caller may see, by name", body = Paginated<StudyWithOrgItem>),
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
    let filter = StudyFilter {
        organization: organization.map(OrganizationId),
    };
    let visibility = jhe_consent::study_visibility(&caller.principal);
    let (count, rows) = state
        .db(move |conn| {
            // The web UI remembers its selections through these lists; `/studies` never clears them.
            if organization.is_some() || study.is_some() {
                remember_selection(conn, &caller, organization, study.map(Some))?;
            }
            Ok::<_, ApiError>(study_listings::list_visible_studies(
                conn,
                &visibility,
                &filter,
                page.offset(),
                page.limit(),
            )?)
        })
        .await?;
    let items = rows.into_iter().map(StudyWithOrgItem::from).collect();
    Ok(HttpResponse::Ok().json(page.envelope(&req, &state.config.site_url, count, items)?))
}

/// `GET /api/v1/studies/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/studies/{id}",
    tag = "studies",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Study id")),
    responses(
        (status = 200, description = "The study with its organization", body = StudyWithOrgItem),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn get(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let study = StudyId(path.into_inner());
    let item = state
        .db(move |conn| {
            authorize(
                conn,
                &caller,
                &Action::ReadStudy { study },
                study_scope(study),
                &target(study),
                false,
            )?;
            Ok::<_, ApiError>(StudyWithOrgItem::from(
                study_listings::get_study_with_organization(conn, study)?,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `POST /api/v1/studies`: member or manager in the organization (or above), or a superuser.
#[utoipa::path(
    post,
    path = "/api/v1/studies",
    tag = "studies",
    security(("bearer" = [])),
    request_body = StudyBody,
    responses(
        (status = 201, description = "The new study", body = StudyItem),
        BadRequest, Unauthorized, Forbidden,
    )
)]
pub(crate) async fn create(
    caller: Caller,
    body: SnakeJson<StudyBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    let name = errors.take(required("name", body.name.as_deref()));
    let description = errors.take(required("description", body.description.as_deref()));
    if body.organization.is_none() {
        errors.add("organization", "This field is required.");
    }
    errors.finish()?;
    let (Some(name), Some(description), Some(organization)) = (name, description, body.organization) else {
        return Err(ApiError::BadRequest(
            "Give name, description and organization.".into(),
        ));
    };
    let organization = OrganizationId(organization);
    let icon_url = body.icon_url.flatten().filter(|u| !u.trim().is_empty());
    let item = state
        .db(move |conn| {
            organizations::get_organization(conn, organization).map_err(|_| {
                field_error(
                    "organization",
                    format!("Invalid pk \"{organization}\" - object does not exist."),
                )
            })?;
            let action = Action::CreateStudy { organization };
            authorize(
                conn,
                &caller,
                &action,
                FactsScope::default(),
                &Target::collection("Study"),
                true,
            )?;
            in_transaction(conn, |conn| {
                let created = studies::create_study(
                    conn,
                    &NewStudy {
                        id: None,
                        name,
                        description,
                        organization_id: organization,
                        icon_url,
                    },
                    Utc::now(),
                )?;
                audit(
                    conn,
                    &caller,
                    action.name(),
                    &target(created.id),
                    AuditOutcome::Success,
                    None,
                )?;
                Ok::<_, ApiError>(StudyItem::from(created))
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(item))
}

/// `PUT` / `PATCH /api/v1/studies/{id}`: name, description and icon; the organization cannot change.
#[utoipa::path(
    patch,
    path = "/api/v1/studies/{id}",
    tag = "studies",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Study id")),
    request_body = StudyBody,
    responses(
        (status = 200, description = "The changed study", body = StudyItem),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn update(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<StudyBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let study = StudyId(path.into_inner());
    let body = body.into_inner();
    let changes = StudyChanges {
        name: body
            .name
            .as_deref()
            .map(|n| required("name", Some(n)))
            .transpose()?,
        description: body
            .description
            .as_deref()
            .map(|d| required("description", Some(d)))
            .transpose()?,
        icon_url: body.icon_url.map(|icon| icon.filter(|u| !u.trim().is_empty())),
    };
    let organization = body.organization;
    let item = state
        .db(move |conn| {
            let action = Action::UpdateStudy { study };
            authorize(conn, &caller, &action, study_scope(study), &target(study), true)?;
            let current = studies::get_study(conn, study)?;
            if organization.is_some_and(|o| o != current.organization_id.get()) {
                return Err(field_error(
                    "organization",
                    "A study cannot move to another organization; create a new study there instead.",
                ));
            }
            in_transaction(conn, |conn| {
                let updated = study_listings::update_study(conn, study, &changes, Utc::now())?;
                audit(
                    conn,
                    &caller,
                    action.name(),
                    &target(study),
                    AuditOutcome::Success,
                    None,
                )?;
                Ok::<_, ApiError>(StudyItem::from(updated))
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `DELETE /api/v1/studies/{id}`: removes the study with its enrolments, consents, scope requests and links (the
/// consent history stays).
#[utoipa::path(
    delete,
    path = "/api/v1/studies/{id}",
    tag = "studies",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Study id")),
    responses(
        (status = 204, description = "Deleted"),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn delete(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let study = StudyId(path.into_inner());
    state
        .db(move |conn| {
            let action = Action::DeleteStudy { study };
            authorize(conn, &caller, &action, study_scope(study), &target(study), true)?;
            in_transaction(conn, |conn| {
                let enrolled = study_listings::enrolled_patient_ids(conn, study)?;
                studies::delete_study(conn, study)?;
                audit(
                    conn,
                    &caller,
                    action.name(),
                    &target(study).with_patients(enrolled),
                    AuditOutcome::Success,
                    None,
                )?;
                Ok::<_, ApiError>(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

// ----- patients ---------------------------------------------------------------------------------------------------

/// `GET /api/v1/studies/{id}/patients`: viewer, member or manager in the study's organization (or above).
#[utoipa::path(
    get,
    path = "/api/v1/studies/{id}/patients",
    tag = "studies",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Study id"),
        ("page" = Option<i64>, Query, description = "1-based page number"),
        ("page_size" = Option<i64>, Query, description = "Results per page (default 20, at most 1000); also `pageSize`"),
    ),
    responses(
        (status = 200, description = "The enrolled patients, by id", body = Paginated<StudyPatientItem>),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn patients(
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let study = StudyId(path.into_inner());
    let page = PageRequest::from_request(&req, Flavour::Custom)?;
    let (count, rows) = state
        .db(move |conn| {
            let action = Action::ReadStudyPatients { study };
            authorize(conn, &caller, &action, study_scope(study), &target(study), true)?;
            let (count, rows) =
                study_listings::list_enrolled_patients(conn, study, page.offset(), page.limit())?;
            audit(
                conn,
                &caller,
                action.name(),
                &target(study).with_patients(rows.iter().map(|d| d.patient.id)),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>((count, rows))
        })
        .await?;
    let items = rows.into_iter().map(StudyPatientItem::from).collect();
    Ok(HttpResponse::Ok().json(page.envelope(&req, &state.config.site_url, count, items)?))
}

fn patient_ids(body: PatientIdsBody) -> Result<Vec<PatientId>, ApiError> {
    match body.patient_ids {
        Some(ids) if !ids.is_empty() => {
            let mut ids: Vec<PatientId> = ids.into_iter().map(PatientId).collect();
            ids.sort_unstable();
            ids.dedup();
            Ok(ids)
        }
        Some(_) => Err(field_error("patientIds", "This list may not be empty.")),
        None => Err(field_error("patientIds", "This field is required.")),
    }
}

/// `POST /api/v1/studies/{id}/patients`: enrols patients (member or manager in the study's organization, G4).
/// Each patient must belong to the study's organization or an organization below it; enrolling someone enrolled
/// already changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/studies/{id}/patients",
    tag = "studies",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Study id")),
    request_body = PatientIdsBody,
    responses(
        (status = 201, description = "The enrolments", body = EnrolmentResponse),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn enrol(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<PatientIdsBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let study = StudyId(path.into_inner());
    let ids = patient_ids(body.into_inner())?;
    let response = state
        .db(move |conn| {
            let action = Action::ManageStudyPatients { study };
            let scope = FactsScope {
                studies: vec![study],
                patients: ids.clone(),
                ..FactsScope::default()
            };
            let facts = authorize(
                conn,
                &caller,
                &action,
                scope,
                &target(study).with_patients(ids.clone()),
                true,
            )?;
            let details = study_listings::patient_details(conn, &ids)?;
            if let Some(missing) = ids
                .iter()
                .find(|id| !details.iter().any(|d| d.patient.id == **id))
            {
                return Err(field_error(
                    "patientIds",
                    format!("Invalid pk \"{missing}\" - object does not exist."),
                ));
            }
            for id in &ids {
                jhe_consent::check_enrolment(&facts, study, *id)
                    .map_err(|e| field_error("patientIds", e.to_string()))?;
            }
            in_transaction(conn, |conn| {
                let mut enrolments = Vec::with_capacity(ids.len());
                for id in &ids {
                    let enrolment = match studies::find_enrolment(conn, study, *id)? {
                        Some(existing) => existing,
                        None => studies::enrol_patient(conn, study, *id)?,
                    };
                    enrolments.push(enrolment);
                }
                let row = studies::get_study(conn, study)?;
                let nested = nested_study(&row, &study_listings::enrolled_patient_ids(conn, study)?);
                let organizations = study_listings::organization_ids_of_patients(conn, &ids)?;
                audit(
                    conn,
                    &caller,
                    action.name(),
                    &target(study).with_patients(ids.clone()),
                    AuditOutcome::Success,
                    Some("enrol".into()),
                )?;
                let study_patients = enrolments
                    .into_iter()
                    .zip(&details)
                    .map(|(enrolment, d)| EnrolmentItem {
                        id: enrolment.id.get(),
                        study: nested.clone(),
                        patient: EnrolledPatient {
                            id: d.patient.id.get(),
                            name_family: d.patient.name_family.clone(),
                            name_given: d.patient.name_given.clone(),
                            birth_date: d.patient.birth_date.map(|b| b.format("%Y-%m-%d").to_string()),
                            telecom_phone: d.patient.telecom_phone.clone(),
                            last_updated: iso(d.patient.last_updated),
                            jhe_user: d.patient.user_id.map(|u| u.get()),
                            organizations: organizations
                                .get(&d.patient.id)
                                .map(|orgs| orgs.iter().map(|o| o.get()).collect())
                                .unwrap_or_default(),
                        },
                    })
                    .collect();
                Ok::<_, ApiError>(EnrolmentResponse { study_patients })
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(response))
}

/// `DELETE /api/v1/studies/{id}/patients`: removes patients from the study with their consents for it (G4).
/// Patients who are not enrolled are ignored.
#[utoipa::path(
    delete,
    path = "/api/v1/studies/{id}/patients",
    tag = "studies",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Study id")),
    request_body = PatientIdsBody,
    responses(
        (status = 204, description = "Removed"),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn unenrol(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<PatientIdsBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let study = StudyId(path.into_inner());
    let ids = patient_ids(body.into_inner())?;
    state
        .db(move |conn| {
            let action = Action::ManageStudyPatients { study };
            authorize(
                conn,
                &caller,
                &action,
                study_scope(study),
                &target(study).with_patients(ids.clone()),
                true,
            )?;
            in_transaction(conn, |conn| {
                for id in &ids {
                    match studies::unenrol_patient(conn, study, *id) {
                        Ok(()) | Err(StoreError::NotFound) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                audit(
                    conn,
                    &caller,
                    action.name(),
                    &target(study).with_patients(ids.clone()),
                    AuditOutcome::Success,
                    Some("unenrol".into()),
                )?;
                Ok::<_, ApiError>(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

// ----- scope requests ---------------------------------------------------------------------------------------------

/// `GET /api/v1/studies/{id}/scope_requests`
#[utoipa::path(
    get,
    path = "/api/v1/studies/{id}/scope_requests",
    tag = "studies",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Study id")),
    responses(
        (status = 200, description = "The data types the study asks for, in the order they were added", body = Vec<ScopeRequestItem>),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn scope_requests(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let study = StudyId(path.into_inner());
    let items = state
        .db(move |conn| {
            let nested = readable_nested_study(conn, &caller, study)?;
            Ok::<_, ApiError>(
                study_listings::scope_request_items(conn, study)?
                    .into_iter()
                    .map(|r| ScopeRequestItem {
                        id: r.id,
                        study: nested.clone(),
                        scope_code: r.scope_code.into(),
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(items))
}

fn scope_code_id(body: ScopeRequestBody) -> Result<ScopeCodeId, ApiError> {
    body.scope_code_id
        .map(ScopeCodeId)
        .ok_or_else(|| field_error("scopeCodeId", "This field is required."))
}

/// `POST /api/v1/studies/{id}/scope_requests` (G4)
#[utoipa::path(
    post,
    path = "/api/v1/studies/{id}/scope_requests",
    tag = "studies",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Study id")),
    request_body = ScopeRequestBody,
    responses(
        (status = 201, description = "The new scope request", body = ScopeRequestItem),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict,
    )
)]
pub(crate) async fn add_scope_request(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<ScopeRequestBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let study = StudyId(path.into_inner());
    let scope = scope_code_id(body.into_inner())?;
    let item = state
        .db(move |conn| {
            let action = Action::ManageStudyScopeRequests { study };
            let (request, code) =
                change_study_link(conn, &caller, study, action, format!("add {scope}"), |conn| {
                    let code = vocabulary::get_scope_code(conn, scope).map_err(|_| {
                        field_error(
                            "scopeCodeId",
                            format!("Invalid pk \"{scope}\" - object does not exist."),
                        )
                    })?;
                    let request = studies::add_scope_request(conn, study, scope).map_err(|e| match e {
                        StoreError::Duplicate { .. } => {
                            ApiError::Conflict(format!("Study {study} already asks for scope {scope}."))
                        }
                        other => other.into(),
                    })?;
                    Ok((request, code))
                })?;
            let nested = readable_nested_study(conn, &caller, study)?;
            Ok::<_, ApiError>(ScopeRequestItem {
                id: request.id,
                study: nested,
                scope_code: code.into(),
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(item))
}

/// `DELETE /api/v1/studies/{id}/scope_requests` (G4). Consents to the scope stay recorded but no longer count.
#[utoipa::path(
    delete,
    path = "/api/v1/studies/{id}/scope_requests",
    tag = "studies",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Study id")),
    request_body = ScopeRequestBody,
    responses(
        (status = 204, description = "The study no longer asks for the scope"),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn remove_scope_request(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<ScopeRequestBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let study = StudyId(path.into_inner());
    let scope = scope_code_id(body.into_inner())?;
    state
        .db(move |conn| {
            let action = Action::ManageStudyScopeRequests { study };
            change_study_link(conn, &caller, study, action, format!("remove {scope}"), |conn| {
                studies::remove_scope_request(conn, study, scope).map_err(|e| match e {
                    StoreError::NotFound => {
                        ApiError::NotFound(format!("Study {study} does not ask for scope {scope}."))
                    }
                    other => other.into(),
                })
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds or removes one of a study's links (a scope request, a data source, a patient app): checks `action` (G4),
/// then applies `change` and records it in the audit trail with `detail`, both in one transaction, so a link never
/// changes without its audit event.
fn change_study_link<T>(
    conn: &mut DbConnection,
    caller: &Caller,
    study: StudyId,
    action: Action,
    detail: String,
    change: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    authorize(conn, caller, &action, study_scope(study), &target(study), true)?;
    in_transaction(conn, |conn| {
        let changed = change(conn)?;
        audit(
            conn,
            caller,
            action.name(),
            &target(study),
            AuditOutcome::Success,
            Some(detail),
        )?;
        Ok(changed)
    })
}

// ----- data sources -----------------------------------------------------------------------------------------------

/// `GET /api/v1/studies/{id}/data_sources`
#[utoipa::path(
    get,
    path = "/api/v1/studies/{id}/data_sources",
    tag = "studies",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Study id")),
    responses(
        (status = 200, description = "The study's data sources, in the order they were linked", body = Vec<StudyDataSourceItem>),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn data_sources_of(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let study = StudyId(path.into_inner());
    let items = state
        .db(move |conn| {
            let nested = readable_nested_study(conn, &caller, study)?;
            Ok::<_, ApiError>(
                study_listings::study_data_source_links(conn, study)?
                    .into_iter()
                    .map(|l| StudyDataSourceItem {
                        id: l.id,
                        study: nested.clone(),
                        data_source: l.data_source.into(),
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(items))
}

fn data_source_id(body: StudyDataSourceBody) -> Result<DataSourceId, ApiError> {
    body.data_source_id
        .map(DataSourceId)
        .ok_or_else(|| field_error("dataSourceId", "This field is required."))
}

/// `POST /api/v1/studies/{id}/data_sources` (G4); answers 201 with an empty body, as the reference does.
#[utoipa::path(
    post,
    path = "/api/v1/studies/{id}/data_sources",
    tag = "studies",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Study id")),
    request_body = StudyDataSourceBody,
    responses(
        (status = 201, description = "Linked (empty body)"),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict,
    )
)]
pub(crate) async fn add_data_source(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<StudyDataSourceBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let study = StudyId(path.into_inner());
    let source = data_source_id(body.into_inner())?;
    state
        .db(move |conn| {
            let action = Action::ManageStudyDataSources { study };
            change_study_link(conn, &caller, study, action, format!("add {source}"), |conn| {
                data_sources::get_data_source(conn, source).map_err(|_| {
                    field_error(
                        "dataSourceId",
                        format!("Invalid pk \"{source}\" - object does not exist."),
                    )
                })?;
                studies::add_study_data_source(conn, study, source).map_err(|e| match e {
                    StoreError::Duplicate { .. } => {
                        ApiError::Conflict(format!("Study {study} already uses data source {source}."))
                    }
                    other => other.into(),
                })?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::Created().finish())
}

/// `DELETE /api/v1/studies/{id}/data_sources` (G4)
#[utoipa::path(
    delete,
    path = "/api/v1/studies/{id}/data_sources",
    tag = "studies",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Study id")),
    request_body = StudyDataSourceBody,
    responses(
        (status = 204, description = "Unlinked"),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn remove_data_source(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<StudyDataSourceBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let study = StudyId(path.into_inner());
    let source = data_source_id(body.into_inner())?;
    state
        .db(move |conn| {
            let action = Action::ManageStudyDataSources { study };
            change_study_link(conn, &caller, study, action, format!("remove {source}"), |conn| {
                study_listings::remove_study_data_source(conn, study, source).map_err(|e| match e {
                    StoreError::NotFound => {
                        ApiError::NotFound(format!("Study {study} does not use data source {source}."))
                    }
                    other => other.into(),
                })
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

// ----- clients ----------------------------------------------------------------------------------------------------

/// `GET /api/v1/studies/{id}/clients`: the study's patient apps as client items, without secrets (G5).
#[utoipa::path(
    get,
    path = "/api/v1/studies/{id}/clients",
    tag = "studies",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Study id")),
    responses(
        (status = 200, description = "The study's patient apps, in the order they were linked", body = Vec<StudyClientItem>),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn clients_of(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let study = StudyId(path.into_inner());
    let items = state
        .db(move |conn| {
            let nested = readable_nested_study(conn, &caller, study)?;
            Ok::<_, ApiError>(
                study_listings::study_client_links(conn, study)?
                    .into_iter()
                    .map(|l| StudyClientItem {
                        id: l.id,
                        study: nested.clone(),
                        client: l.client.into(),
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(items))
}

fn client_id(body: StudyClientBody) -> Result<ClientId, ApiError> {
    body.client_id
        .map(ClientId)
        .ok_or_else(|| field_error("client_id", "This field is required."))
}

/// `POST /api/v1/studies/{id}/clients` (G4): links a patient app; answers 201 with an empty body.
#[utoipa::path(
    post,
    path = "/api/v1/studies/{id}/clients",
    tag = "studies",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Study id")),
    request_body = StudyClientBody,
    responses(
        (status = 201, description = "Linked (empty body)"),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict,
    )
)]
pub(crate) async fn add_client(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<StudyClientBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let study = StudyId(path.into_inner());
    let client = client_id(body.into_inner())?;
    state
        .db(move |conn| {
            let action = Action::ManageStudyClients { study };
            change_study_link(conn, &caller, study, action, format!("add {client}"), |conn| {
                clients::get_client(conn, client).map_err(|_| {
                    field_error(
                        "client_id",
                        format!("Invalid pk \"{client}\" - object does not exist."),
                    )
                })?;
                if clients::find_patient_client(conn, client)?.is_none() {
                    return Err(field_error(
                        "client_id",
                        format!(
                            "Client {client} is not a patient app: only patient apps can be linked to studies."
                        ),
                    ));
                }
                studies::add_study_client(conn, study, client).map_err(|e| match e {
                    StoreError::Duplicate { .. } => {
                        ApiError::Conflict(format!("Study {study} already uses client {client}."))
                    }
                    other => other.into(),
                })?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::Created().finish())
}

/// `DELETE /api/v1/studies/{id}/clients` (G4)
#[utoipa::path(
    delete,
    path = "/api/v1/studies/{id}/clients",
    tag = "studies",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Study id")),
    request_body = StudyClientBody,
    responses(
        (status = 204, description = "Unlinked"),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn remove_client(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<StudyClientBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let study = StudyId(path.into_inner());
    let client = client_id(body.into_inner())?;
    state
        .db(move |conn| {
            let action = Action::ManageStudyClients { study };
            change_study_link(conn, &caller, study, action, format!("remove {client}"), |conn| {
                study_listings::remove_study_client(conn, study, client).map_err(|e| match e {
                    StoreError::NotFound => {
                        ApiError::NotFound(format!("Study {study} does not use client {client}."))
                    }
                    other => other.into(),
                })
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /api/v1/studies/{id}`: the same as `PATCH`; fields left out keep their values.
#[utoipa::path(
    put,
    path = "/api/v1/studies/{id}",
    tag = "studies",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Study id")),
    request_body = StudyBody,
    responses(
        (status = 200, description = "The changed study", body = StudyItem),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn replace(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<StudyBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    update(caller, path, body, state).await
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/studies", web::get().to(list))
        .route("/api/v1/studies", web::post().to(create))
        .route("/api/v1/studies/{id:\\d+}", web::get().to(get))
        .route("/api/v1/studies/{id:\\d+}", web::put().to(replace))
        .route("/api/v1/studies/{id:\\d+}", web::patch().to(update))
        .route("/api/v1/studies/{id:\\d+}", web::delete().to(delete))
        .route("/api/v1/studies/{id:\\d+}/patients", web::get().to(patients))
        .route("/api/v1/studies/{id:\\d+}/patients", web::post().to(enrol))
        .route("/api/v1/studies/{id:\\d+}/patients", web::delete().to(unenrol))
        .route(
            "/api/v1/studies/{id:\\d+}/scope_requests",
            web::get().to(scope_requests),
        )
        .route(
            "/api/v1/studies/{id:\\d+}/scope_requests",
            web::post().to(add_scope_request),
        )
        .route(
            "/api/v1/studies/{id:\\d+}/scope_requests",
            web::delete().to(remove_scope_request),
        )
        .route(
            "/api/v1/studies/{id:\\d+}/data_sources",
            web::get().to(data_sources_of),
        )
        .route(
            "/api/v1/studies/{id:\\d+}/data_sources",
            web::post().to(add_data_source),
        )
        .route(
            "/api/v1/studies/{id:\\d+}/data_sources",
            web::delete().to(remove_data_source),
        )
        .route("/api/v1/studies/{id:\\d+}/clients", web::get().to(clients_of))
        .route("/api/v1/studies/{id:\\d+}/clients", web::post().to(add_client))
        .route(
            "/api/v1/studies/{id:\\d+}/clients",
            web::delete().to(remove_client),
        );
}
