//! Patients (reference §2.2.4): the list with the reference's filters, reads, creation with a login account,
//! changes, removal from an organization, the patient's own record (`me`), the exchange-wide lookup by e-mail, adding
//! a patient to another organization, and the patient apps of their studies.
//!
//! Who sees which patient is the consent engine's patient visibility, compiled into the list's SQL: practitioners
//! see the patients of the organizations in their reach, a patient sees themself, superusers get no bypass. Writes
//! through an organization require the patient to belong to it (G7); the lookup and cross-organization add need
//! the member or manager role (G8). Every read and every write of a patient is audited, refusals included.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDate, Utc};
use jhe_consent::Action;
use jhe_domain::{
    AuditOutcome, Identifier, OrganizationId, PatientId, PatientInvitation, PatientOrganization,
};
use jhe_store::facts::FactsScope;
use jhe_store::patient_records::{self, NewPatientRecord, PatientChanges, PatientFilter};
use jhe_store::study_listings::{PatientDetails, patient_details};
use jhe_store::{DbConnection, StoreError, in_transaction, organizations, people};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{
    FieldErrors, Target, audit, authorize, field_error, iso, optional_id, remember_selection,
};
use super::casing::{SnakeJson, SnakeQuery, present};
use super::organizations::OrganizationItem;
use super::pagination::{Flavour, PageRequest, Paginated};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::openapi::{BadRequest, Forbidden, NotFound, Unauthorized};

// ----- wire shapes ------------------------------------------------------------------------------------------------

/// A patient's external identifier.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct PatientIdentifierItem {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "urn:oid:1.2.3.4")]
    pub system: String,
    #[schema(example = "E1234")]
    pub value: String,
}

/// A patient (reference "Patient item").
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PatientItem {
    #[schema(example = 40001)]
    pub id: i64,
    /// The patient's login account, if they have one.
    #[schema(example = 10006)]
    pub jhe_user_id: Option<i64>,
    pub identifiers: Vec<PatientIdentifierItem>,
    pub name_family: Option<String>,
    pub name_given: Option<String>,
    /// `YYYY-MM-DD`.
    #[schema(example = "1991-10-18")]
    pub birth_date: Option<String>,
    pub telecom_phone: Option<String>,
    /// The login account's e-mail.
    pub telecom_email: Option<String>,
    /// The organizations caring for the patient, by id.
    pub organizations: Vec<OrganizationItem>,
}

impl From<PatientDetails> for PatientItem {
    fn from(d: PatientDetails) -> Self {
        PatientItem {
            id: d.patient.id.get(),
            jhe_user_id: d.patient.user_id.map(|u| u.get()),
            identifiers: identifier_items(&d),
            name_family: d.patient.name_family,
            name_given: d.patient.name_given,
            birth_date: d.patient.birth_date.map(|b| b.format("%Y-%m-%d").to_string()),
            telecom_phone: d.patient.telecom_phone,
            telecom_email: d.email,
            organizations: d
                .organizations
                .into_iter()
                .map(OrganizationItem::nested)
                .collect(),
        }
    }
}

fn identifier_items(d: &PatientDetails) -> Vec<PatientIdentifierItem> {
    d.identifiers
        .iter()
        .map(|i| PatientIdentifierItem {
            id: i.id,
            system: i.system.clone(),
            value: i.value.clone(),
        })
        .collect()
}

/// A patient as their own profile shows them: no demographics (the reference strips them there).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PatientProfileItem {
    pub id: i64,
    pub jhe_user_id: Option<i64>,
    pub identifiers: Vec<PatientIdentifierItem>,
    pub organizations: Vec<OrganizationItem>,
}

impl From<PatientDetails> for PatientProfileItem {
    fn from(d: PatientDetails) -> Self {
        PatientProfileItem {
            id: d.patient.id.get(),
            jhe_user_id: d.patient.user_id.map(|u| u.get()),
            identifiers: identifier_items(&d),
            organizations: d
                .organizations
                .into_iter()
                .map(OrganizationItem::nested)
                .collect(),
        }
    }
}

/// An invitation as `consolidated_clients` shows it (never its token or hash).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ClientInvitationItem {
    id: i64,
    #[serde(rename = "patientId")]
    patient_id: i64,
    /// The client's row id; kept in snake case, as the reference does for this key.
    client_id: i64,
    #[schema(example = "issued")]
    status: String,
    #[serde(rename = "lastUpdated")]
    last_updated: String,
}

impl From<PatientInvitation> for ClientInvitationItem {
    fn from(i: PatientInvitation) -> Self {
        ClientInvitationItem {
            id: i.id.get(),
            patient_id: i.patient_id.get(),
            client_id: i.client_id.get(),
            status: i.status.as_str().to_owned(),
            last_updated: iso(i.last_updated),
        }
    }
}

/// A patient app of a study the patient takes part in (`GET /patients/{id}/consolidated_clients`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConsolidatedClientItem {
    /// The client's row id.
    #[schema(example = 1)]
    id: i64,
    #[schema(example = "CareX")]
    name: String,
    /// The public OAuth `client_id`.
    client_id: String,
    /// The app's invitation URL (with the literal `CODE`), or null for a client that is not a patient app.
    invitation_url: Option<String>,
    /// The patient's invitations to this app, newest first.
    patient_invitations: Vec<ClientInvitationItem>,
}

/// An identifier in a request body.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct IdentifierBody {
    /// The naming system, e.g. `urn:oid:1.2.3.4`.
    system: String,
    /// The value within the system.
    value: String,
}

/// The body of `POST /patients` (snake or camel case).
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct CreatePatientBody {
    /// The organization the patient joins (also `organizationId`); the caller needs the member or manager role there.
    organization_id: Option<i64>,
    /// The patient's e-mail, their login name (also `telecomEmail`). An account with this e-mail is reused.
    telecom_email: Option<String>,
    name_family: Option<String>,
    name_given: Option<String>,
    /// `YYYY-MM-DD`.
    birth_date: Option<String>,
    telecom_phone: Option<String>,
    /// External identifiers; each (system, value) must be unused.
    identifiers: Option<Vec<IdentifierBody>>,
}

/// The body of `PUT` / `PATCH /patients/{id}`: only the fields given change; null clears one.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct UpdatePatientBody {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    name_family: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    name_given: Option<Option<String>>,
    /// `YYYY-MM-DD`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    birth_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    telecom_phone: Option<Option<String>>,
    /// When given, replaces the patient's whole identifier set.
    identifiers: Option<Vec<IdentifierBody>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    organization_id: Option<String>,
    study_id: Option<String>,
    patient_id: Option<String>,
    patient_identifier_value: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct OrganizationQuery {
    organization_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct EmailQuery {
    email: Option<String>,
}

// ----- helpers ----------------------------------------------------------------------------------------------------

pub(crate) fn target(patient: PatientId) -> Target<'static> {
    Target::new("Patient", patient).with_patients([patient])
}

pub(crate) fn patient_scope(patient: PatientId) -> FactsScope {
    FactsScope {
        patients: vec![patient],
        ..FactsScope::default()
    }
}

/// The patient, or 404.
pub(crate) fn existing(conn: &mut DbConnection, patient: PatientId) -> Result<jhe_domain::Patient, ApiError> {
    people::get_patient(conn, patient).map_err(|e| match e {
        StoreError::NotFound => ApiError::NotFound("Patient not found.".into()),
        other => other.into(),
    })
}

/// One patient's item.
pub(crate) fn patient_item(conn: &mut DbConnection, patient: PatientId) -> Result<PatientItem, ApiError> {
    patient_details(conn, &[patient])?
        .into_iter()
        .next()
        .map(PatientItem::from)
        .ok_or_else(|| ApiError::NotFound("Patient not found.".into()))
}

/// A reasonable e-mail address: one `@`, something on both sides, a dot in the domain, no spaces.
pub(crate) fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
}

fn parse_birth_date(raw: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| field_error("birthDate", "Enter a valid birth date (YYYY-MM-DD)."))
}

/// Blank optional texts are stored as absent.
fn optional_text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn identifiers_of(body: Option<Vec<IdentifierBody>>, errors: &mut FieldErrors) -> Option<Vec<Identifier>> {
    let body = body?;
    let mut out: Vec<Identifier> = Vec::with_capacity(body.len());
    for (i, identifier) in body.into_iter().enumerate() {
        let system = identifier.system.trim().to_owned();
        let value = identifier.value.trim().to_owned();
        if system.is_empty() || value.is_empty() {
            errors.add(
                "identifiers",
                format!("[{i}]: system and value may not be blank."),
            );
            continue;
        }
        let identifier = Identifier { system, value };
        if out.contains(&identifier) {
            errors.add(
                "identifiers",
                format!(
                    "The identifier {}|{} is listed twice.",
                    identifier.system, identifier.value
                ),
            );
            continue;
        }
        out.push(identifier);
    }
    Some(out)
}

/// Refuses identifiers already held by another patient, naming the first one.
fn check_identifiers_free(
    conn: &mut DbConnection,
    identifiers: &[Identifier],
    owner: Option<PatientId>,
) -> Result<(), ApiError> {
    for identifier in identifiers {
        if let Some(holder) = people::find_patient_by_identifier(conn, identifier)?
            && Some(holder) != owner
        {
            return Err(field_error(
                "identifiers",
                format!(
                    "The external identifier {}|{} is already in use by another patient.",
                    identifier.system, identifier.value
                ),
            ));
        }
    }
    Ok(())
}

/// A store error of a patient write, in words a person can act on.
fn write_error(err: StoreError) -> ApiError {
    match err {
        StoreError::Duplicate { constraint } if constraint == "patient_identifiers_system_value_key" => {
            field_error(
                "identifiers",
                "An external identifier is already in use by another patient.",
            )
        }
        StoreError::Duplicate { constraint } if constraint == "patients_user_id_key" => field_error(
            "telecomEmail",
            "A patient with this e-mail address already exists; add them to your organization with \
             global_add_organization.",
        ),
        other => other.into(),
    }
}

// ----- handlers ---------------------------------------------------------------------------------------------------

/// `GET /api/v1/patients`
#[utoipa::path(
    get,
    path = "/api/v1/patients",
    tag = "patients",
    security(("bearer" = [])),
    params(
        ("organization_id" = Option<i64>, Query, description = "Only patients of this organization; also `organizationId`. Remembered as the web UI's current organization"),
        ("study_id" = Option<i64>, Query, description = "Only patients enrolled in this study; also `studyId`. Remembered as the web UI's current study (forgotten when absent)"),
        ("patient_id" = Option<i64>, Query, description = "Only this patient; also `patientId`"),
        ("patient_identifier_value" = Option<String>, Query, description = "Only patients with an identifier of this value; also `patientIdentifierValue`"),
        ("page" = Option<i64>, Query, description = "1-based page number"),
        ("page_size" = Option<i64>, Query, description = "Results per page (default 20, at most 1000); also `pageSize`"),
    ),
    responses(
        (status = 200, description = "The patients the caller may see, by id", body = Paginated<PatientItem>),
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
    let mut errors = FieldErrors::default();
    let organization = errors
        .take(optional_id("organizationId", query.organization_id.as_deref()))
        .flatten();
    let study = errors
        .take(optional_id("studyId", query.study_id.as_deref()))
        .flatten();
    let patient = errors
        .take(optional_id("patientId", query.patient_id.as_deref()))
        .flatten();
    errors.finish()?;
    let filter = PatientFilter {
        organization: organization.map(OrganizationId),
        study: study.map(jhe_domain::StudyId),
        patient: patient.map(PatientId),
        identifier_value: optional_text(query.patient_identifier_value),
    };
    let visibility = jhe_consent::patient_visibility(&caller.principal);
    let (count, rows) = state
        .db(move |conn| {
            // The web UI restores its selections from the profile; the reference forgets the study when none is given.
            remember_selection(conn, &caller, organization, Some(study))?;
            let (count, rows) = patient_records::list_visible_patients(
                conn,
                &visibility,
                &filter,
                page.offset(),
                page.limit(),
            )?;
            audit(
                conn,
                &caller,
                "patient.list",
                &Target::collection("Patient").with_patients(rows.iter().map(|d| d.patient.id)),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>((count, rows))
        })
        .await?;
    let items = rows.into_iter().map(PatientItem::from).collect();
    Ok(HttpResponse::Ok().json(page.envelope(&req, &state.config.site_url, count, items)?))
}

/// `GET /api/v1/patients/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/patients/{id}",
    tag = "patients",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Patient id")),
    responses(
        (status = 200, description = "The patient", body = PatientItem),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn get(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let patient = PatientId(path.into_inner());
    let item = state
        .db(move |conn| {
            existing(conn, patient)?;
            authorize(
                conn,
                &caller,
                &Action::ReadPatient { patient },
                patient_scope(patient),
                &target(patient),
                true,
            )?;
            let item = patient_item(conn, patient)?;
            audit(
                conn,
                &caller,
                "patient.read",
                &target(patient),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>(item)
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `GET /api/v1/patients/me`: the caller's own patient record.
#[utoipa::path(
    get,
    path = "/api/v1/patients/me",
    tag = "patients",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's own patient record", body = PatientItem),
        Unauthorized, Forbidden,
    )
)]
pub(crate) async fn me(caller: Caller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let Some(patient) = caller.principal.own_patient_id() else {
        return Err(ApiError::Forbidden("Current user is not a patient.".into()));
    };
    let item = state
        .db(move |conn| {
            let item = patient_item(conn, patient)?;
            audit(
                conn,
                &caller,
                "patient.read",
                &target(patient),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>(item)
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `POST /api/v1/patients`: member or manager of the organization (or above). The login account, the patient, the
/// organization link and the identifiers are created together or not at all.
#[utoipa::path(
    post,
    path = "/api/v1/patients",
    tag = "patients",
    security(("bearer" = [])),
    request_body = CreatePatientBody,
    responses(
        (status = 201, description = "The new patient", body = PatientItem),
        BadRequest, Unauthorized, Forbidden,
    )
)]
pub(crate) async fn create(
    caller: Caller,
    body: SnakeJson<CreatePatientBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    if body.organization_id.is_none() {
        errors.add("organizationId", "This field is required.");
    }
    let email = optional_text(body.telecom_email).map(|e| e.to_lowercase());
    match &email {
        None => errors.add("telecomEmail", "Email is required to create a patient."),
        Some(e) if !valid_email(e) => errors.add("telecomEmail", "Enter a valid email address."),
        Some(_) => {}
    }
    let birth_date = match optional_text(body.birth_date) {
        Some(raw) => errors.take(parse_birth_date(&raw)),
        None => None,
    };
    let identifiers = identifiers_of(body.identifiers, &mut errors).unwrap_or_default();
    errors.finish()?;
    let (Some(organization), Some(email)) = (body.organization_id.map(OrganizationId), email) else {
        return Err(ApiError::BadRequest("Invalid patient.".into()));
    };
    let new = NewPatientRecord {
        organization,
        email,
        name_family: optional_text(body.name_family),
        name_given: optional_text(body.name_given),
        birth_date,
        telecom_phone: optional_text(body.telecom_phone),
        identifiers,
    };
    let item = state
        .db(move |conn| {
            authorize(
                conn,
                &caller,
                &Action::CreatePatient { organization },
                FactsScope::default(),
                &Target::collection("Patient"),
                true,
            )?;
            in_transaction(conn, |conn| {
                if let Some(user) = people::find_user_by_email(conn, &new.email)?
                    && people::patient_of_user(conn, user.id)?.is_some()
                {
                    return Err(write_error(StoreError::Duplicate {
                        constraint: "patients_user_id_key".into(),
                    }));
                }
                check_identifiers_free(conn, &new.identifiers, None)?;
                let patient =
                    patient_records::create_patient_record(conn, &new, Utc::now()).map_err(write_error)?;
                audit(
                    conn,
                    &caller,
                    "patient.create",
                    &target(patient),
                    AuditOutcome::Success,
                    None,
                )?;
                patient_item(conn, patient)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(item))
}

/// `PUT` / `PATCH /api/v1/patients/{id}?organization_id=`: member or manager of the organization, which the
/// patient must belong to (G7); without `organization_id`, member or manager of any organization of the patient.
#[utoipa::path(
    method(put, patch),
    path = "/api/v1/patients/{id}",
    tag = "patients",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Patient id"),
        ("organization_id" = Option<i64>, Query, description = "The organization the change is made through; the patient must belong to it. Also `organizationId`"),
    ),
    request_body = UpdatePatientBody,
    responses(
        (status = 200, description = "The changed patient", body = PatientItem),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn update(
    caller: Caller,
    path: web::Path<i64>,
    query: SnakeQuery<OrganizationQuery>,
    body: SnakeJson<UpdatePatientBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let patient = PatientId(path.into_inner());
    let organization =
        optional_id("organizationId", query.into_inner().organization_id.as_deref())?.map(OrganizationId);
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    let birth_date = match body.birth_date {
        None => None,
        Some(raw) => match optional_text(raw) {
            None => Some(None),
            Some(raw) => errors.take(parse_birth_date(&raw)).map(Some),
        },
    };
    let identifiers = identifiers_of(body.identifiers, &mut errors);
    errors.finish()?;
    let changes = PatientChanges {
        name_family: body.name_family.map(optional_text),
        name_given: body.name_given.map(optional_text),
        birth_date,
        telecom_phone: body.telecom_phone.map(optional_text),
    };
    let item = state
        .db(move |conn| {
            existing(conn, patient)?;
            authorize(
                conn,
                &caller,
                &Action::UpdatePatient {
                    patient,
                    organization,
                },
                patient_scope(patient),
                &target(patient),
                true,
            )?;
            in_transaction(conn, |conn| {
                if let Some(identifiers) = &identifiers {
                    check_identifiers_free(conn, identifiers, Some(patient))?;
                }
                patient_records::update_patient_record(
                    conn,
                    patient,
                    &changes,
                    identifiers.as_deref(),
                    Utc::now(),
                )
                .map_err(write_error)?;
                audit(
                    conn,
                    &caller,
                    "patient.update",
                    &target(patient),
                    AuditOutcome::Success,
                    None,
                )?;
                patient_item(conn, patient)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `DELETE /api/v1/patients/{id}?organization_id=`: removes the patient from the organization (they must belong to
/// it, G7), ending the enrolments no remaining organization justifies. Removed from their last organization, the
/// patient is deleted with their data, and so is their login account unless it is used otherwise.
#[utoipa::path(
    delete,
    path = "/api/v1/patients/{id}",
    tag = "patients",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Patient id"),
        ("organization_id" = i64, Query, description = "The organization the patient leaves; also `organizationId`"),
    ),
    responses(
        (status = 204, description = "Removed from the organization"),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn delete(
    caller: Caller,
    path: web::Path<i64>,
    query: SnakeQuery<OrganizationQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let patient = PatientId(path.into_inner());
    let organization = optional_id("organizationId", query.into_inner().organization_id.as_deref())?
        .map(OrganizationId)
        .ok_or_else(|| {
            field_error(
                "organizationId",
                "This parameter is required: the organization the patient leaves.",
            )
        })?;
    state
        .db(move |conn| {
            existing(conn, patient)?;
            authorize(
                conn,
                &caller,
                &Action::DeletePatient {
                    patient,
                    organization,
                },
                patient_scope(patient),
                &target(patient),
                true,
            )?;
            in_transaction(conn, |conn| {
                let removal = patient_records::remove_patient_from_organization(
                    conn,
                    patient,
                    organization,
                    Some(caller.user.id),
                    Utc::now(),
                )?;
                let detail = if removal.patient_deleted {
                    format!("removed from organization {organization}; patient deleted")
                } else {
                    format!("removed from organization {organization}")
                };
                audit(
                    conn,
                    &caller,
                    "patient.delete",
                    &target(patient),
                    AuditOutcome::Success,
                    Some(detail),
                )
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/patients/global_lookup?email=`: patients anywhere in the exchange with exactly this e-mail, to add
/// them to one's organization. Member or manager somewhere (G8).
#[utoipa::path(
    get,
    path = "/api/v1/patients/global_lookup",
    tag = "patients",
    security(("bearer" = [])),
    params(("email" = String, Query, description = "The patient's e-mail, exactly")),
    responses(
        (status = 200, description = "The patients with this e-mail", body = Vec<PatientItem>),
        BadRequest, Unauthorized, Forbidden,
    )
)]
pub(crate) async fn global_lookup(
    caller: Caller,
    query: SnakeQuery<EmailQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let email = optional_text(query.into_inner().email)
        .map(|e| e.to_lowercase())
        .ok_or_else(|| field_error("email", "This parameter is required."))?;
    let items = state
        .db(move |conn| {
            authorize(
                conn,
                &caller,
                &Action::LookupPatientByEmail,
                FactsScope::default(),
                &Target::collection("Patient"),
                true,
            )?;
            let found = patient_records::patients_with_email(conn, &email)?;
            let details = patient_details(conn, &found)?;
            audit(
                conn,
                &caller,
                "patient.lookup",
                &Target::collection("Patient").with_patients(found.iter().copied()),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>(details.into_iter().map(PatientItem::from).collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(items))
}

/// `PATCH /api/v1/patients/{id}/global_add_organization?organization_id=`: the patient joins another organization.
/// Member or manager of that organization (G8).
#[utoipa::path(
    patch,
    path = "/api/v1/patients/{id}/global_add_organization",
    tag = "patients",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Patient id"),
        ("organization_id" = i64, Query, description = "The organization the patient joins; also `organizationId`"),
    ),
    responses(
        (status = 200, description = "The patient, now in the organization", body = PatientItem),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn global_add_organization(
    caller: Caller,
    path: web::Path<i64>,
    query: SnakeQuery<OrganizationQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let patient = PatientId(path.into_inner());
    let organization = optional_id("organizationId", query.into_inner().organization_id.as_deref())?
        .map(OrganizationId)
        .ok_or_else(|| field_error("organizationId", "This parameter is required."))?;
    let item = state
        .db(move |conn| {
            existing(conn, patient)?;
            let facts = authorize(
                conn,
                &caller,
                &Action::AddPatientToOrganization {
                    patient,
                    organization,
                },
                patient_scope(patient),
                &target(patient),
                true,
            )?;
            if facts.patient_is_in(patient, organization) {
                return Err(field_error(
                    "organizationId",
                    "This patient is already a member of this organization.",
                ));
            }
            in_transaction(conn, |conn| {
                organizations::link_patient(
                    conn,
                    PatientOrganization {
                        patient_id: patient,
                        organization_id: organization,
                    },
                )
                .map_err(|e| match e {
                    StoreError::Duplicate { .. } => field_error(
                        "organizationId",
                        "This patient is already a member of this organization.",
                    ),
                    other => other.into(),
                })?;
                audit(
                    conn,
                    &caller,
                    "patient.add_organization",
                    &target(patient),
                    AuditOutcome::Success,
                    Some(format!("joined organization {organization}")),
                )?;
                patient_item(conn, patient)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `GET /api/v1/patients/{id}/consolidated_clients`: the patient apps of every study the patient takes part in.
#[utoipa::path(
    get,
    path = "/api/v1/patients/{id}/consolidated_clients",
    tag = "patients",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Patient id")),
    responses(
        (status = 200, description = "Each client once, by id, with the patient's invitations to it", body = Vec<ConsolidatedClientItem>),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn consolidated_clients(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let patient = PatientId(path.into_inner());
    let items = state
        .db(move |conn| {
            existing(conn, patient)?;
            authorize(
                conn,
                &caller,
                &Action::ReadPatient { patient },
                patient_scope(patient),
                &target(patient),
                true,
            )?;
            let clients = patient_records::consolidated_clients(conn, patient)?;
            audit(
                conn,
                &caller,
                "patient.clients.read",
                &target(patient),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>(
                clients
                    .into_iter()
                    .map(|c| ConsolidatedClientItem {
                        id: c.client.id.get(),
                        name: c.client.name,
                        client_id: c.client.client_id,
                        invitation_url: c.client.invitation_url,
                        patient_invitations: c
                            .invitations
                            .into_iter()
                            .map(ClientInvitationItem::from)
                            .collect(),
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(items))
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/patients", web::get().to(list))
        .route("/api/v1/patients", web::post().to(create))
        .route("/api/v1/patients/me", web::get().to(me))
        .route("/api/v1/patients/global_lookup", web::get().to(global_lookup))
        .route("/api/v1/patients/{id:\\d+}", web::get().to(get))
        .route("/api/v1/patients/{id:\\d+}", web::put().to(update))
        .route("/api/v1/patients/{id:\\d+}", web::patch().to(update))
        .route("/api/v1/patients/{id:\\d+}", web::delete().to(delete))
        .route(
            "/api/v1/patients/{id:\\d+}/global_add_organization",
            web::patch().to(global_add_organization),
        )
        .route(
            "/api/v1/patients/{id:\\d+}/consolidated_clients",
            web::get().to(consolidated_clients),
        );
}
