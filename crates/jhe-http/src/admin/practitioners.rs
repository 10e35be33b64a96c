//! Practitioner profiles (reference §2.2.3): superusers only, for every method. Creating a practitioner reuses the
//! login account with the e-mail, or creates one without a password (its owner signs in after a password reset or
//! through single sign-on), and optionally gives them the member role in an organization.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use jhe_consent::Action;
use jhe_domain::{
    AuditOutcome, Membership, NewPractitioner, NewUser, OrganizationId, PractitionerId, Role, UserType,
};
use jhe_store::user_accounts::{self, PractitionerDetails};
use jhe_store::{DbConnection, StoreError, in_transaction, organizations, people};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{FieldErrors, Target, audit, authorize_plain, field_error};
use super::casing::{SnakeJson, present};
use super::organizations::OrganizationItem;
use super::pagination::{Flavour, PageRequest, Paginated};
use super::patients::valid_email;
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::openapi::{BadRequest, Forbidden, NotFound, Unauthorized};

/// A practitioner (reference "Practitioner item").
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PractitionerItem {
    #[schema(example = 80002)]
    id: i64,
    #[schema(example = 10002)]
    jhe_user_id: i64,
    name_family: Option<String>,
    name_given: Option<String>,
    /// The login account's e-mail.
    telecom_email: String,
    /// The organizations they hold a role in, by id.
    organizations: Vec<OrganizationItem>,
}

impl From<PractitionerDetails> for PractitionerItem {
    fn from(d: PractitionerDetails) -> Self {
        PractitionerItem {
            id: d.practitioner.id.get(),
            jhe_user_id: d.practitioner.user_id.get(),
            name_family: d.practitioner.name_family,
            name_given: d.practitioner.name_given,
            telecom_email: d.email,
            organizations: d
                .organizations
                .into_iter()
                .map(OrganizationItem::nested)
                .collect(),
        }
    }
}

/// The body of `POST /practitioners` (snake or camel case).
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct CreatePractitionerBody {
    /// The practitioner's e-mail, their login name (also `telecomEmail`). An account with this e-mail is reused.
    telecom_email: Option<String>,
    name_family: Option<String>,
    name_given: Option<String>,
    /// An organization in which the practitioner gets the member role (also `organizationId`).
    organization_id: Option<i64>,
}

/// The body of `PUT` / `PATCH /practitioners/{id}`: only the names given change; null clears one.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct UpdatePractitionerBody {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    name_family: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    name_given: Option<Option<String>>,
}

fn target(id: PractitionerId) -> Target<'static> {
    Target::new("Practitioner", id)
}

fn allowed(conn: &mut DbConnection, caller: &Caller, target: &Target<'_>) -> Result<(), ApiError> {
    authorize_plain(conn, caller, &Action::ManagePractitioners, target, true)
}

fn item(conn: &mut DbConnection, id: PractitionerId) -> Result<PractitionerItem, ApiError> {
    user_accounts::practitioner_details(conn, &[id])?
        .into_iter()
        .next()
        .map(PractitionerItem::from)
        .ok_or_else(|| ApiError::NotFound("Practitioner not found.".into()))
}

fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// `GET /api/v1/practitioners`
#[utoipa::path(
    get,
    path = "/api/v1/practitioners",
    tag = "practitioners",
    security(("bearer" = [])),
    params(("page" = Option<i64>, Query, description = "1-based page number (1000 per page)")),
    responses(
        (status = 200, description = "Every practitioner, by id", body = Paginated<PractitionerItem>),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn list(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::from_request(&req, Flavour::Global)?;
    let (count, rows) = state
        .db(move |conn| {
            allowed(conn, &caller, &Target::collection("Practitioner"))?;
            Ok::<_, ApiError>(user_accounts::list_practitioners(
                conn,
                page.offset(),
                page.limit(),
            )?)
        })
        .await?;
    let items = rows.into_iter().map(PractitionerItem::from).collect();
    Ok(HttpResponse::Ok().json(page.envelope(&req, &state.config.site_url, count, items)?))
}

/// `GET /api/v1/practitioners/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/practitioners/{id}",
    tag = "practitioners",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Practitioner id")),
    responses(
        (status = 200, description = "The practitioner", body = PractitionerItem),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn get(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = PractitionerId(path.into_inner());
    let item = state
        .db(move |conn| {
            allowed(conn, &caller, &target(id))?;
            item(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `POST /api/v1/practitioners`
#[utoipa::path(
    post,
    path = "/api/v1/practitioners",
    tag = "practitioners",
    security(("bearer" = [])),
    request_body = CreatePractitionerBody,
    responses(
        (status = 201, description = "The new practitioner", body = PractitionerItem),
        BadRequest, Unauthorized, Forbidden,
    )
)]
pub(crate) async fn create(
    caller: Caller,
    body: SnakeJson<CreatePractitionerBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    let email = text(body.telecom_email).map(|e| e.to_lowercase());
    match &email {
        None => errors.add("telecomEmail", "Email is required to create a practitioner."),
        Some(e) if !valid_email(e) => errors.add("telecomEmail", "Enter a valid email address."),
        Some(_) => {}
    }
    errors.finish()?;
    let Some(email) = email else {
        return Err(ApiError::BadRequest("Invalid practitioner.".into()));
    };
    let organization = body.organization_id.map(OrganizationId);
    let (name_family, name_given) = (text(body.name_family), text(body.name_given));
    let item = state
        .db(move |conn| {
            allowed(conn, &caller, &Target::collection("Practitioner"))?;
            if let Some(org) = organization {
                organizations::get_organization(conn, org)
                    .map_err(|_| field_error("organizationId", "Organization not found."))?;
            }
            in_transaction(conn, |conn| {
                let now = Utc::now();
                let user = match people::find_user_by_email(conn, &email)? {
                    Some(user) => {
                        if people::practitioner_of_user(conn, user.id)?.is_some() {
                            return Err(field_error(
                                "telecomEmail",
                                "A practitioner with this e-mail address already exists.",
                            ));
                        }
                        user
                    }
                    None => people::create_user(
                        conn,
                        &NewUser {
                            id: None,
                            email: email.clone(),
                            password_hash: None,
                            first_name: name_given.clone().unwrap_or_default(),
                            last_name: name_family.clone().unwrap_or_default(),
                            identifier: String::new(),
                            user_type: Some(UserType::Practitioner),
                            is_superuser: false,
                        },
                        now,
                    )?,
                };
                let practitioner = people::create_practitioner(
                    conn,
                    &NewPractitioner {
                        id: None,
                        user_id: user.id,
                        identifier: (!user.identifier.is_empty()).then(|| user.identifier.clone()),
                        name_family: name_family.clone(),
                        name_given: name_given.clone(),
                    },
                    now,
                )?;
                if let Some(org) = organization {
                    organizations::set_membership(
                        conn,
                        Membership {
                            practitioner_id: practitioner.id,
                            organization_id: org,
                            role: Role::Member,
                        },
                    )?;
                }
                audit(
                    conn,
                    &caller,
                    "practitioner.create",
                    &target(practitioner.id),
                    AuditOutcome::Success,
                    None,
                )?;
                item(conn, practitioner.id)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(item))
}

/// `PUT` / `PATCH /api/v1/practitioners/{id}`: the practitioner's names.
#[utoipa::path(
    method(put, patch),
    path = "/api/v1/practitioners/{id}",
    tag = "practitioners",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Practitioner id")),
    request_body = UpdatePractitionerBody,
    responses(
        (status = 200, description = "The changed practitioner", body = PractitionerItem),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn update(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<UpdatePractitionerBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = PractitionerId(path.into_inner());
    let body = body.into_inner();
    let item = state
        .db(move |conn| {
            allowed(conn, &caller, &target(id))?;
            in_transaction(conn, |conn| {
                user_accounts::update_practitioner_names(
                    conn,
                    id,
                    body.name_family.map(text),
                    body.name_given.map(text),
                    Utc::now(),
                )
                .map_err(|e| match e {
                    StoreError::NotFound => ApiError::NotFound("Practitioner not found.".into()),
                    other => other.into(),
                })?;
                audit(
                    conn,
                    &caller,
                    "practitioner.update",
                    &target(id),
                    AuditOutcome::Success,
                    None,
                )?;
                item(conn, id)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `DELETE /api/v1/practitioners/{id}`: the profile with its memberships, then the login account when nothing else
/// uses it. A superuser cannot delete their own profile (they would lock themselves out).
#[utoipa::path(
    delete,
    path = "/api/v1/practitioners/{id}",
    tag = "practitioners",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Practitioner id")),
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
    let id = PractitionerId(path.into_inner());
    state
        .db(move |conn| {
            allowed(conn, &caller, &target(id))?;
            if caller.principal.practitioner_id() == Some(id) {
                return Err(ApiError::Forbidden(
                    "You cannot delete your own practitioner profile; ask another superuser.".into(),
                ));
            }
            in_transaction(conn, |conn| {
                user_accounts::delete_practitioner(conn, id).map_err(|e| match e {
                    StoreError::NotFound => ApiError::NotFound("Practitioner not found.".into()),
                    other => other.into(),
                })?;
                audit(
                    conn,
                    &caller,
                    "practitioner.delete",
                    &target(id),
                    AuditOutcome::Success,
                    None,
                )
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/practitioners", web::get().to(list))
        .route("/api/v1/practitioners", web::post().to(create))
        .route("/api/v1/practitioners/{id:\\d+}", web::get().to(get))
        .route("/api/v1/practitioners/{id:\\d+}", web::put().to(update))
        .route("/api/v1/practitioners/{id:\\d+}", web::patch().to(update))
        .route("/api/v1/practitioners/{id:\\d+}", web::delete().to(delete));
}
