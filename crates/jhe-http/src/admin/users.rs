//! User accounts (reference §2.2.1): one's own profile and organizations, the account list and account writes for
//! superusers, and the e-mail search managers use to add practitioners.
//!
//! The reference let any authenticated user change any account, the superuser flag included (G1), and listed every
//! account to everyone (G2). Here a user reads and renames only their own account; everything else is for
//! superusers, and the superuser flag is never writable through the API. A user item nests the account's patient
//! record only when the caller may see that patient (superusers get no bypass to patient data).

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use jhe_consent::{Action, UserFields};
use jhe_domain::{
    AuditOutcome, Membership, NewPatient, NewPractitioner, NewUser, OrganizationId, PatientId, Role,
    SettingValue, User, UserId, UserType,
};
use jhe_store::facts::FactsScope;
use jhe_store::organization_listings;
use jhe_store::study_listings::patient_details;
use jhe_store::user_accounts::{self, UserChanges};
use jhe_store::{DbConnection, StoreError, in_transaction, organizations, people, settings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{FieldErrors, Target, audit, authorize, authorize_plain, field_error};
use super::casing::{SnakeJson, SnakeQuery, camel_case_keys, present};
use super::organizations::OrganizationItem;
use super::pagination::{Flavour, PageRequest, Paginated};
use super::patients::{PatientItem, PatientProfileItem, valid_email};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::openapi::{BadRequest, Forbidden, NotFound, Unauthorized};

// ----- wire shapes ------------------------------------------------------------------------------------------------

/// A login account (reference "JheUser item").
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserItem {
    #[schema(example = 10002)]
    id: i64,
    email: String,
    first_name: String,
    last_name: String,
    /// The account's patient record, when it has one and the caller may see it; else null.
    patient: Option<PatientItem>,
    /// `patient`, `practitioner`, or null.
    #[schema(example = "practitioner")]
    user_type: Option<String>,
    is_superuser: bool,
}

/// What `search_by_email` answers when no account has the e-mail: the reference's empty item, without an id.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EmptyUserItem {
    email: String,
    first_name: String,
    last_name: String,
    user_type: Option<String>,
    is_superuser: bool,
}

/// `GET /users/profile` of a practitioner (or superuser).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PractitionerProfile {
    id: i64,
    email: String,
    first_name: String,
    last_name: String,
    /// The account's own patient record, for an account that is also a patient.
    patient: Option<PatientItem>,
    user_type: Option<String>,
    is_superuser: bool,
    /// The web UI's remembered selections (`currentOrganizationId`, `currentStudyId`, …).
    #[schema(value_type = Object, example = json!({"currentOrganizationId": 20003, "currentStudyId": 30001}))]
    settings: serde_json::Value,
}

/// `GET /users/profile` of a patient: no demographics, as in the reference.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PatientProfile {
    id: i64,
    patient: PatientProfileItem,
    user_type: Option<String>,
    is_superuser: bool,
}

/// `GET /users/profile`: the practitioner shape or the patient shape.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum Profile {
    Practitioner(Box<PractitionerProfile>),
    Patient(PatientProfile),
}

/// The body of `POST /users` and `PUT` / `PATCH /users/{id}` (snake or camel case). Users may change their own
/// first and last name; every other field is for superusers. `isSuperuser` is never writable.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct UserBody {
    /// Required on creation and for PUT.
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    /// `patient` or `practitioner` (creates the matching profile on creation), or null.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    user_type: Option<Option<String>>,
    /// An external identifier (for example an EHR practitioner id). Superusers only.
    identifier: Option<String>,
    /// Superusers only.
    is_active: Option<bool>,
    /// Only `false`, or the account's current value, is accepted: the flag cannot be changed through the API.
    is_superuser: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    email: Option<String>,
}

// ----- helpers ----------------------------------------------------------------------------------------------------

fn target(user: UserId) -> Target<'static> {
    Target::new("User", user)
}

fn existing(conn: &mut DbConnection, user: UserId) -> Result<User, ApiError> {
    people::get_user(conn, user).map_err(|e| match e {
        StoreError::NotFound => ApiError::NotFound("User not found.".into()),
        other => other.into(),
    })
}

/// User items for `users`, each with its patient record when the caller may see it. Two queries beyond the users.
fn user_items(conn: &mut DbConnection, caller: &Caller, users: Vec<User>) -> Result<Vec<UserItem>, ApiError> {
    let visibility = jhe_consent::patient_visibility(&caller.principal);
    let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
    let patient_of = user_accounts::visible_patients_of_users(conn, &ids, &visibility)?;
    let patients: Vec<PatientId> = patient_of.values().copied().collect();
    let mut details: BTreeMap<PatientId, PatientItem> = patient_details(conn, &patients)?
        .into_iter()
        .map(|d| (d.patient.id, PatientItem::from(d)))
        .collect();
    Ok(users
        .into_iter()
        .map(|u| UserItem {
            patient: patient_of.get(&u.id).and_then(|p| details.remove(p)),
            id: u.id.get(),
            email: u.email,
            first_name: u.first_name,
            last_name: u.last_name,
            user_type: u.user_type.map(|t| t.as_str().to_owned()),
            is_superuser: u.is_superuser,
        })
        .collect())
}

fn user_item(conn: &mut DbConnection, caller: &Caller, user: User) -> Result<UserItem, ApiError> {
    user_items(conn, caller, vec![user])?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::NotFound("User not found.".into()))
}

fn parse_user_type(raw: Option<&str>, errors: &mut FieldErrors) -> Option<Option<UserType>> {
    match raw.map(str::trim) {
        None | Some("") => Some(None),
        Some(raw) => match raw.parse::<UserType>() {
            Ok(t) => Some(Some(t)),
            Err(_) => {
                errors.add("userType", format!("\"{raw}\" is not a valid choice."));
                None
            }
        },
    }
}

fn superuser_flag_denied() -> ApiError {
    ApiError::Forbidden("The superuser flag cannot be changed through the API.".into())
}

/// The e-mail of a body, normalized and checked; `None` when absent.
fn email_of(raw: Option<&str>, errors: &mut FieldErrors) -> Option<String> {
    let email = raw.map(|e| e.trim().to_lowercase())?;
    if email.is_empty() {
        errors.add("email", "This field may not be blank.");
        return None;
    }
    if !valid_email(&email) {
        errors.add("email", "Enter a valid email address.");
        return None;
    }
    Some(email)
}

fn taken_email() -> ApiError {
    field_error("email", "A user with this e-mail address already exists.")
}

/// The memberships a new practitioner gets from the `auth.default_orgs` setting (`"<org>:<role>;…"`); a setting
/// that names an unknown organization or role is a 400, as in the reference.
fn default_memberships(conn: &mut DbConnection) -> Result<Vec<(OrganizationId, Role)>, ApiError> {
    let Some(SettingValue::String(raw)) = settings::get_setting(conn, "auth.default_orgs")?.map(|s| s.value)
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for part in raw.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let invalid = || {
            ApiError::BadRequest(format!(
                "The auth.default_orgs setting is invalid at \"{part}\": use <organization id>:<viewer|member|manager>, \
                 separated by semicolons."
            ))
        };
        let (org, role) = part.split_once(':').ok_or_else(invalid)?;
        let org = OrganizationId(org.trim().parse().map_err(|_| invalid())?);
        let role: Role = role.trim().parse().map_err(|_| invalid())?;
        organizations::get_organization(conn, org).map_err(|_| {
            ApiError::BadRequest(format!(
                "The auth.default_orgs setting names organization {org}, which does not exist."
            ))
        })?;
        out.push((org, role));
    }
    Ok(out)
}

// ----- handlers ---------------------------------------------------------------------------------------------------

/// `GET /api/v1/users`: superusers only (G2).
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "users",
    security(("bearer" = [])),
    params(
        ("email" = Option<String>, Query, description = "Only the account with exactly this e-mail"),
        ("page" = Option<i64>, Query, description = "1-based page number"),
        ("page_size" = Option<i64>, Query, description = "Results per page (default 20, at most 1000); also `pageSize`"),
    ),
    responses(
        (status = 200, description = "Accounts by family name", body = Paginated<UserItem>),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn list(
    caller: Caller,
    req: HttpRequest,
    query: SnakeQuery<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::from_request(&req, Flavour::Custom)?;
    let email = query
        .into_inner()
        .email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty());
    let (count, items) = state
        .db(move |conn| {
            authorize_plain(
                conn,
                &caller,
                &Action::ListUsers,
                &Target::collection("User"),
                true,
            )?;
            let (count, users) =
                user_accounts::list_users(conn, email.as_deref(), page.offset(), page.limit())?;
            Ok::<_, ApiError>((count, user_items(conn, &caller, users)?))
        })
        .await?;
    Ok(HttpResponse::Ok().json(page.envelope(&req, &state.config.site_url, count, items)?))
}

/// `GET /api/v1/users/{id}`: one's own account, or any for superusers.
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "The account", body = UserItem),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn get(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = UserId(path.into_inner());
    let item = state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ReadUser { user: id }, &target(id), false)?;
            let user = existing(conn, id)?;
            user_item(conn, &caller, user)
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `POST /api/v1/users`: superusers only (G1). The account gets no password (its owner signs in through an
/// invitation or a password reset); `userType` creates the matching profile.
#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "users",
    security(("bearer" = [])),
    request_body = UserBody,
    responses(
        (status = 201, description = "The new account", body = UserItem),
        BadRequest, Unauthorized, Forbidden,
    )
)]
pub(crate) async fn create(
    caller: Caller,
    body: SnakeJson<UserBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let item = state
        .db(move |conn| {
            authorize_plain(
                conn,
                &caller,
                &Action::CreateUser,
                &Target::collection("User"),
                true,
            )?;
            if body.is_superuser == Some(true) {
                return Err(superuser_flag_denied());
            }
            let mut errors = FieldErrors::default();
            let email = email_of(body.email.as_deref(), &mut errors);
            if body.email.is_none() {
                errors.add("email", "This field is required.");
            }
            let user_type = parse_user_type(body.user_type.flatten().as_deref(), &mut errors);
            errors.finish()?;
            let (Some(email), Some(user_type)) = (email, user_type) else {
                return Err(ApiError::BadRequest("Invalid user.".into()));
            };
            let first_name = body.first_name.unwrap_or_default().trim().to_owned();
            let last_name = body.last_name.unwrap_or_default().trim().to_owned();
            in_transaction(conn, |conn| {
                if people::find_user_by_email(conn, &email)?.is_some() {
                    return Err(taken_email());
                }
                let now = Utc::now();
                let user = people::create_user(
                    conn,
                    &NewUser {
                        id: None,
                        email: email.clone(),
                        password_hash: None,
                        first_name: first_name.clone(),
                        last_name: last_name.clone(),
                        identifier: body.identifier.clone().unwrap_or_default(),
                        user_type,
                        is_superuser: false,
                    },
                    now,
                )
                .map_err(|e| {
                    if e.is_duplicate_of("users_email_key") {
                        taken_email()
                    } else {
                        e.into()
                    }
                })?;
                let names = |s: &str| (!s.is_empty()).then(|| s.to_owned());
                match user_type {
                    Some(UserType::Patient) => {
                        people::create_patient(
                            conn,
                            &NewPatient {
                                id: None,
                                user_id: Some(user.id),
                                name_family: names(&last_name),
                                name_given: names(&first_name),
                                birth_date: None,
                                telecom_phone: None,
                            },
                            now,
                        )?;
                    }
                    Some(UserType::Practitioner) => {
                        let practitioner = people::create_practitioner(
                            conn,
                            &NewPractitioner {
                                id: None,
                                user_id: user.id,
                                identifier: names(&user.identifier),
                                name_family: names(&last_name),
                                name_given: names(&first_name),
                            },
                            now,
                        )?;
                        for (organization, role) in default_memberships(conn)? {
                            organizations::set_membership(
                                conn,
                                Membership {
                                    practitioner_id: practitioner.id,
                                    organization_id: organization,
                                    role,
                                },
                            )?;
                        }
                    }
                    None => {}
                }
                audit(
                    conn,
                    &caller,
                    "user.create",
                    &target(user.id),
                    AuditOutcome::Success,
                    None,
                )?;
                user_item(conn, &caller, user)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(item))
}

/// `PUT` / `PATCH /api/v1/users/{id}`: one's own first and last name, or anything but the superuser flag for
/// superusers (G1). Only fields whose value changes count; PUT needs `email`.
#[utoipa::path(
    method(put, patch),
    path = "/api/v1/users/{id}",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = UserBody,
    responses(
        (status = 200, description = "The changed account", body = UserItem),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn update(
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: SnakeJson<UserBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = UserId(path.into_inner());
    let full = req.method() == actix_web::http::Method::PUT;
    let body = body.into_inner();
    let item = state
        .db(move |conn| {
            // Someone else's account: refused before anything about it is revealed.
            authorize_plain(
                conn,
                &caller,
                &Action::EditUser {
                    user: id,
                    fields: UserFields::NAMES,
                },
                &target(id),
                true,
            )?;
            let current = existing(conn, id)?;
            let mut errors = FieldErrors::default();
            if full && body.email.is_none() {
                errors.add("email", "This field is required.");
            }
            let email = email_of(body.email.as_deref(), &mut errors);
            let user_type = match &body.user_type {
                None => None,
                Some(raw) => {
                    parse_user_type(raw.as_deref(), &mut errors).map(|t| t.map(|t| t.as_str().to_owned()))
                }
            };
            errors.finish()?;
            let trimmed = |s: &Option<String>| s.as_ref().map(|v| v.trim().to_owned());
            let changes = UserChanges {
                email: email.filter(|e| *e != current.email),
                first_name: trimmed(&body.first_name).filter(|n| *n != current.first_name),
                last_name: trimmed(&body.last_name).filter(|n| *n != current.last_name),
                user_type: user_type.filter(|t| t.as_deref() != current.user_type.map(|c| c.as_str())),
                identifier: trimmed(&body.identifier).filter(|i| *i != current.identifier),
                is_active: body.is_active.filter(|a| *a != current.is_active),
            };
            let fields = UserFields {
                names: changes.first_name.is_some() || changes.last_name.is_some(),
                email: changes.email.is_some(),
                account: changes.user_type.is_some()
                    || changes.identifier.is_some()
                    || changes.is_active.is_some(),
                is_superuser: body.is_superuser.is_some_and(|s| s != current.is_superuser),
            };
            if fields.is_superuser {
                audit(
                    conn,
                    &caller,
                    "user.update",
                    &target(id),
                    AuditOutcome::Denied,
                    Some("is_superuser".into()),
                )?;
                return Err(superuser_flag_denied());
            }
            authorize_plain(
                conn,
                &caller,
                &Action::EditUser { user: id, fields },
                &target(id),
                true,
            )?;
            in_transaction(conn, |conn| {
                if let Some(email) = &changes.email
                    && people::find_user_by_email(conn, email)?.is_some()
                {
                    return Err(taken_email());
                }
                let user = user_accounts::update_user(conn, id, &changes).map_err(|e| {
                    if e.is_duplicate_of("users_email_key") {
                        taken_email()
                    } else {
                        e.into()
                    }
                })?;
                audit(
                    conn,
                    &caller,
                    "user.update",
                    &target(id),
                    AuditOutcome::Success,
                    None,
                )?;
                user_item(conn, &caller, user)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `DELETE /api/v1/users/{id}`: superusers only, never their own account (G1). The account's profiles go with it.
#[utoipa::path(
    delete,
    path = "/api/v1/users/{id}",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 204, description = "Deleted, with its profiles"),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn delete(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = UserId(path.into_inner());
    state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::DeleteUser { user: id }, &target(id), true)?;
            existing(conn, id)?;
            in_transaction(conn, |conn| {
                let patient = people::patient_of_user(conn, id)?.map(|p| p.id);
                people::delete_user(conn, id)?;
                audit(
                    conn,
                    &caller,
                    "user.delete",
                    &target(id).with_patients(patient),
                    AuditOutcome::Success,
                    None,
                )
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/users/profile`: the caller's own account; a patient sees the reference's reduced shape.
#[utoipa::path(
    get,
    path = "/api/v1/users/profile",
    tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account", body = Profile),
        Unauthorized,
    )
)]
pub(crate) async fn profile(caller: Caller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let profile = state
        .db(move |conn| {
            let user = caller.user.clone();
            let own = match caller.principal.own_patient_id() {
                Some(patient) => patient_details(conn, &[patient])?.into_iter().next(),
                None => None,
            };
            let user_type = user.user_type.map(|t| t.as_str().to_owned());
            let Some(practitioner) = caller.principal.practitioner_id() else {
                let own = own.ok_or_else(|| ApiError::NotFound("Patient not found.".into()))?;
                return Ok::<_, ApiError>(Profile::Patient(PatientProfile {
                    id: user.id.get(),
                    patient: PatientProfileItem::from(own),
                    user_type,
                    is_superuser: user.is_superuser,
                }));
            };
            let stored = people::get_practitioner(conn, practitioner)?;
            let settings = match serde_json::from_str::<serde_json::Value>(&stored.settings_json) {
                Ok(value @ serde_json::Value::Object(_)) => camel_case_keys(value),
                _ => serde_json::json!({}),
            };
            Ok(Profile::Practitioner(Box::new(PractitionerProfile {
                id: user.id.get(),
                email: user.email,
                first_name: user.first_name,
                last_name: user.last_name,
                patient: own.map(PatientItem::from),
                user_type,
                is_superuser: user.is_superuser,
                settings,
            })))
        })
        .await?;
    Ok(HttpResponse::Ok().json(profile))
}

/// `GET /api/v1/users/organizations`: the organizations the caller holds a role in (patients: none).
#[utoipa::path(
    get,
    path = "/api/v1/users/organizations",
    tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's organizations, by id (`currentUserRole` null, as in the reference)", body = Vec<OrganizationItem>),
        Unauthorized,
    )
)]
pub(crate) async fn organizations_of_caller(
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(practitioner) = caller.principal.practitioner_id() else {
        return Ok(HttpResponse::Ok().json(Vec::<OrganizationItem>::new()));
    };
    let items = state
        .db(move |conn| {
            let orgs = organization_listings::organizations_of_practitioner(conn, practitioner)?;
            Ok::<_, ApiError>(orgs.into_iter().map(OrganizationItem::nested).collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(items))
}

/// `GET /users/permissions`: what the caller may do, for a user interface to show only usable actions.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PermissionsItem {
    pub is_superuser: bool,
    /// Permissions not tied to one organization: `organization.create_top_level`, `practitioner.manage`,
    /// `user.manage`, `user.search_by_email`, `patient.lookup_by_email`, `client.manage`, `data_source.manage`,
    /// `setting.manage`, `audit.read`, `api_key.manage`.
    pub global: Vec<&'static str>,
    /// Every organization where the caller holds a role, directly or inherited from above (superusers: every
    /// organization, for their powers over structure and members).
    pub organizations: Vec<OrganizationPermissionsItem>,
}

/// The caller's effective role in one organization and what it allows there.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrganizationPermissionsItem {
    pub organization_id: i64,
    /// `viewer`, `member` or `manager`; null for a superuser without a role there.
    pub role: Option<&'static str>,
    /// Of `organization.read`, `organization.update`, `organization.delete`, `organization.create_child`,
    /// `organization.manage_members`, `patient.manage`, `patient.remove`, `invitation.create`, `study.manage`,
    /// `study.manage_patients`, `observation.delete`.
    pub permissions: Vec<&'static str>,
}

/// `GET /api/v1/users/permissions`: the caller's permissions, answered by the same consent engine that judges every
/// request, so that a user interface hides exactly the actions the API would refuse. A convenience of this server
/// (the reference shipped a static role table to its UI).
#[utoipa::path(
    get,
    path = "/api/v1/users/permissions",
    tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What the caller may do, globally and per organization", body = PermissionsItem),
        Unauthorized,
    )
)]
pub(crate) async fn permissions(
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let summary = state
        .db(move |conn| {
            let facts = jhe_store::facts::load_facts(
                conn,
                &FactsScope {
                    practitioner: caller.principal.practitioner_id(),
                    ..FactsScope::default()
                },
            )?;
            Ok::<_, ApiError>(jhe_consent::permission_summary(&caller.principal, &facts))
        })
        .await?;
    Ok(HttpResponse::Ok().json(PermissionsItem {
        is_superuser: summary.is_superuser,
        global: summary.global,
        organizations: summary
            .organizations
            .into_iter()
            .map(|o| OrganizationPermissionsItem {
                organization_id: o.organization_id.get(),
                role: o.role.map(|r| r.as_str()),
                permissions: o.permissions,
            })
            .collect(),
    }))
}

/// `GET /api/v1/users/search_by_email?email=`: superusers, and managers adding practitioners (G2).
#[utoipa::path(
    get,
    path = "/api/v1/users/search_by_email",
    tag = "users",
    security(("bearer" = [])),
    params(("email" = String, Query, description = "The e-mail, exactly")),
    responses(
        (status = 200, description = "The account with this e-mail, or an item without `id` when there is none", body = UserItem),
        BadRequest, Unauthorized, Forbidden,
    )
)]
pub(crate) async fn search_by_email(
    caller: Caller,
    query: SnakeQuery<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let email = query
        .into_inner()
        .email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
        .ok_or_else(|| field_error("email", "This parameter is required."))?;
    let found = state
        .db(move |conn| {
            authorize(
                conn,
                &caller,
                &Action::SearchUsersByEmail,
                FactsScope::default(),
                &Target::collection("User"),
                true,
            )?;
            match people::find_user_by_email(conn, &email)? {
                Some(user) => Ok::<_, ApiError>(Some(user_item(conn, &caller, user)?)),
                None => Ok(None),
            }
        })
        .await?;
    Ok(match found {
        Some(item) => HttpResponse::Ok().json(item),
        None => HttpResponse::Ok().json(EmptyUserItem {
            email: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            user_type: None,
            is_superuser: false,
        }),
    })
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/users", web::get().to(list))
        .route("/api/v1/users", web::post().to(create))
        .route("/api/v1/users/profile", web::get().to(profile))
        .route(
            "/api/v1/users/organizations",
            web::get().to(organizations_of_caller),
        )
        .route("/api/v1/users/permissions", web::get().to(permissions))
        .route("/api/v1/users/search_by_email", web::get().to(search_by_email))
        .route("/api/v1/users/{id:\\d+}", web::get().to(get))
        .route("/api/v1/users/{id:\\d+}", web::put().to(update))
        .route("/api/v1/users/{id:\\d+}", web::patch().to(update))
        .route("/api/v1/users/{id:\\d+}", web::delete().to(delete));
}
