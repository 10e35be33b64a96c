//! Organizations (reference §2.2.2): the tree of institutions, departments and labs, their practitioners and
//! studies.
//!
//! Reads follow the consent engine's organization visibility (G9): a practitioner sees the organizations in their
//! reach (where they hold a role, and everything below), a patient the organizations caring for them, a superuser
//! every organization. Roles are inherited down the tree, so `currentUserRole` is the caller's *effective* role
//! (`super_user` for superusers), which is what decides what they may do there.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use jhe_consent::{Action, Facts, Principal};
use jhe_domain::{
    AuditOutcome, Membership, NewOrganization, Organization, OrganizationId, OrganizationType, Role, Study,
    UserId,
};
use jhe_store::facts::{FactsScope, load_facts};
use jhe_store::organization_listings::{self, OrganizationFilter};
use jhe_store::{DbConnection, in_transaction, organizations, people};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{FieldErrors, Target, audit, authorize, field_error, iso, optional_id, required};
use super::casing::{SnakeJson, SnakeQuery, camel_case_keys};
use super::pagination::{Flavour, PageRequest, Paginated};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::openapi::{BadRequest, Forbidden, NotFound, Unauthorized};

// ----- wire shapes ------------------------------------------------------------------------------------------------

/// An organization (reference "Organization item").
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrganizationItem {
    #[schema(example = 20003)]
    pub id: i64,
    #[schema(example = "Lifespan Lab")]
    pub name: String,
    /// One of the keys of `GET /organizations/types`.
    #[serde(rename = "type")]
    #[schema(example = "laboratory")]
    pub org_type: String,
    /// The parent organization; 0 (the root) for a top-level organization.
    #[schema(example = 20002)]
    pub part_of: Option<i64>,
    /// The caller's effective role here (`viewer`, `member`, `manager`; `super_user` for superusers), or null.
    /// Always null for organizations nested in other items, as in the reference.
    #[schema(example = "manager")]
    pub current_user_role: Option<String>,
    /// Sub-organizations, by name: filled by `GET /organizations/{id}/tree`, empty elsewhere.
    #[schema(no_recursion)]
    pub children: Vec<OrganizationItem>,
}

impl OrganizationItem {
    /// The item with no role and no children, as organizations nested in other items are shown.
    pub(crate) fn nested(org: Organization) -> OrganizationItem {
        OrganizationItem {
            id: org.id.get(),
            name: org.name,
            org_type: org.org_type.as_str().to_owned(),
            part_of: org.part_of.map(OrganizationId::get),
            current_user_role: None,
            children: Vec::new(),
        }
    }

    fn with_role(org: Organization, principal: &Principal, facts: &Facts) -> OrganizationItem {
        let role = current_user_role(principal, facts, org.id);
        OrganizationItem {
            current_user_role: role,
            ..OrganizationItem::nested(org)
        }
    }
}

/// The caller's role as `currentUserRole` shows it: `super_user` for superusers, else the effective role.
fn current_user_role(principal: &Principal, facts: &Facts, org: OrganizationId) -> Option<String> {
    if principal.is_superuser() {
        return Some("super_user".to_owned());
    }
    principal
        .practitioner_id()
        .and_then(|p| facts.effective_role(p, org))
        .map(|r| r.as_str().to_owned())
}

/// A practitioner of an organization, with their role there (`GET /organizations/{id}/users`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrganizationUserItem {
    /// The user (login account) id.
    #[schema(example = 10002)]
    id: i64,
    email: String,
    first_name: String,
    last_name: String,
    #[schema(example = "manager")]
    role: String,
}

/// A study as `GET /organizations/{id}/studies` lists it: the organization as an id.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrganizationStudyItem {
    #[schema(example = 30001)]
    id: i64,
    name: String,
    description: String,
    #[schema(example = 20003)]
    organization: i64,
    icon_url: Option<String>,
}

impl From<Study> for OrganizationStudyItem {
    fn from(s: Study) -> Self {
        OrganizationStudyItem {
            id: s.id.get(),
            name: s.name,
            description: s.description,
            organization: s.organization_id.get(),
            icon_url: s.icon_url,
        }
    }
}

/// An organization as nested in a membership item.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MembershipOrganization {
    id: i64,
    name: String,
    #[serde(rename = "type")]
    org_type: String,
    last_updated: String,
    part_of: Option<i64>,
}

/// A practitioner as nested in a membership item.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MembershipPractitioner {
    id: i64,
    identifier: Option<String>,
    name_family: Option<String>,
    name_given: Option<String>,
    last_updated: String,
    /// The web UI's remembered selections.
    #[schema(value_type = Object)]
    settings: serde_json::Value,
    /// The practitioner's user id.
    jhe_user: i64,
    /// The ids of the organizations they hold a role in.
    organizations: Vec<i64>,
}

/// A practitioner's role in an organization, after `POST /organizations/{id}/user`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MembershipItem {
    id: i64,
    organization: MembershipOrganization,
    practitioner: MembershipPractitioner,
    #[schema(example = "member")]
    role: String,
}

/// The body of `POST /organizations` and `PUT` / `PATCH /organizations/{id}` (snake or camel case).
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct OrganizationBody {
    /// Required on creation and for PUT; not blank.
    name: Option<String>,
    /// An organization type key (`GET /organizations/types`), not `root`. Required on creation and for PUT.
    #[serde(rename = "type")]
    org_type: Option<String>,
    /// The parent organization's id (also `partOf`); absent, null or 0 for a top-level organization. Cannot change
    /// after creation.
    part_of: Option<i64>,
}

/// The body of `POST /organizations/{id}/user`.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct MemberBody {
    /// The user to give a role (also `jheUserId`); they need a practitioner profile.
    jhe_user_id: Option<i64>,
    /// `viewer`, `member` (the default) or `manager`. The reference's spelling `organization_partitioner_role`
    /// (sic) is accepted, as are `organization_practitioner_role` and `role`.
    #[serde(alias = "organization_practitioner_role", alias = "role")]
    organization_partitioner_role: Option<String>,
}

/// The body of `DELETE /organizations/{id}/remove_user` (the id may also come as a query parameter).
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct RemoveMemberBody {
    /// The user to remove (also `jheUserId`).
    jhe_user_id: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    part_of: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RemoveMemberQuery {
    jhe_user_id: Option<String>,
}

/// Every organization type, key → label, in the reference's order (a JSON object keeps the order it is written in).
#[derive(Debug)]
pub(crate) struct OrganizationTypes;

impl Serialize for OrganizationTypes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(OrganizationType::ALL.len()))?;
        for t in OrganizationType::ALL {
            map.serialize_entry(t.as_str(), t.label())?;
        }
        map.end()
    }
}

// ----- helpers ----------------------------------------------------------------------------------------------------

fn target(org: OrganizationId) -> Target<'static> {
    Target::new("Organization", org)
}

/// What an organization decision needs: the tree, the caller's memberships and, for a patient, their own links.
fn own_scope(caller: &Caller) -> FactsScope {
    FactsScope {
        patients: caller.principal.own_patient_id().into_iter().collect(),
        ..FactsScope::default()
    }
}

fn existing(conn: &mut DbConnection, org: OrganizationId) -> Result<Organization, ApiError> {
    organizations::get_organization(conn, org).map_err(|e| match e {
        jhe_store::StoreError::NotFound => ApiError::NotFound("Organization not found.".into()),
        other => other.into(),
    })
}

fn role_facts(conn: &mut DbConnection, caller: &Caller) -> Result<Facts, ApiError> {
    Ok(load_facts(
        conn,
        &FactsScope {
            practitioner: caller.principal.practitioner_id(),
            ..own_scope(caller)
        },
    )?)
}

fn parse_type(value: Option<&str>, errors: &mut FieldErrors, needed: bool) -> Option<OrganizationType> {
    match value.map(str::trim) {
        None if needed => {
            errors.add("type", "This field is required.");
            None
        }
        None => None,
        Some(raw) => match raw.parse::<OrganizationType>() {
            Ok(OrganizationType::Root) => {
                errors.add("type", "Only the root organization has the type \"root\".");
                None
            }
            Ok(t) => Some(t),
            Err(_) => {
                errors.add("type", format!("\"{raw}\" is not a valid choice."));
                None
            }
        },
    }
}

fn membership_item(
    conn: &mut DbConnection,
    record: &organization_listings::MembershipRecord,
) -> Result<MembershipItem, ApiError> {
    let m = record.membership;
    let org = organizations::get_organization(conn, m.organization_id)?;
    let practitioner = people::get_practitioner(conn, m.practitioner_id)?;
    let memberships = organizations::memberships_of_practitioner(conn, m.practitioner_id)?;
    let settings = serde_json::from_str::<serde_json::Value>(&practitioner.settings_json)
        .map(camel_case_keys)
        .unwrap_or_else(|_| serde_json::json!({}));
    Ok(MembershipItem {
        id: record.id,
        organization: MembershipOrganization {
            id: org.id.get(),
            name: org.name,
            org_type: org.org_type.as_str().to_owned(),
            last_updated: iso(org.last_updated),
            part_of: org.part_of.map(OrganizationId::get),
        },
        practitioner: MembershipPractitioner {
            id: practitioner.id.get(),
            identifier: practitioner.identifier,
            name_family: practitioner.name_family,
            name_given: practitioner.name_given,
            last_updated: iso(practitioner.last_updated),
            settings,
            jhe_user: practitioner.user_id.get(),
            organizations: memberships.iter().map(|m| m.organization_id.get()).collect(),
        },
        role: m.role.as_str().to_owned(),
    })
}

/// The practitioner behind a user id named by a membership request: 404 for an unknown user or one without a
/// practitioner profile.
fn practitioner_of(conn: &mut DbConnection, user: i64) -> Result<jhe_domain::Practitioner, ApiError> {
    people::get_user(conn, UserId(user)).map_err(|e| match e {
        jhe_store::StoreError::NotFound => ApiError::NotFound("User not found.".into()),
        other => other.into(),
    })?;
    people::practitioner_of_user(conn, UserId(user))?
        .ok_or_else(|| ApiError::NotFound("Practitioner not found.".into()))
}

// ----- handlers ---------------------------------------------------------------------------------------------------

/// `GET /api/v1/organizations`
#[utoipa::path(
    get,
    path = "/api/v1/organizations",
    tag = "organizations",
    security(("bearer" = [])),
    params(
        ("part_of" = Option<i64>, Query, description = "Only the direct children of this organization (0: the top-level ones); also `partOf`"),
        ("page" = Option<i64>, Query, description = "1-based page number"),
        ("page_size" = Option<i64>, Query, description = "Results per page (default 20, at most 1000); also `pageSize`"),
    ),
    responses(
        (status = 200, description = "The organizations the caller may see, by name", body = Paginated<OrganizationItem>),
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
    let filter = OrganizationFilter {
        part_of: optional_id("partOf", query.into_inner().part_of.as_deref())?.map(OrganizationId),
    };
    let visibility = jhe_consent::organization_visibility(&caller.principal);
    let (count, items) = state
        .db(move |conn| {
            let facts = role_facts(conn, &caller)?;
            let (count, rows) = organization_listings::list_visible_organizations(
                conn,
                &visibility,
                &filter,
                page.offset(),
                page.limit(),
            )?;
            let items: Vec<OrganizationItem> = rows
                .into_iter()
                .map(|o| OrganizationItem::with_role(o, &caller.principal, &facts))
                .collect();
            Ok::<_, ApiError>((count, items))
        })
        .await?;
    Ok(HttpResponse::Ok().json(page.envelope(&req, &state.config.site_url, count, items)?))
}

/// `GET /api/v1/organizations/types`
#[utoipa::path(
    get,
    path = "/api/v1/organizations/types",
    tag = "organizations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every organization type, key → label, in display order", body = BTreeMap<String, String>,
            example = json!({"root": "ROOT", "prov": "Healthcare Provider", "laboratory": "Laboratory"})),
        Unauthorized,
    )
)]
pub(crate) async fn types(_caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(OrganizationTypes)
}

/// `GET /api/v1/organizations/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/organizations/{id}",
    tag = "organizations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organization id")),
    responses(
        (status = 200, description = "The organization", body = OrganizationItem),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn get(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = OrganizationId(path.into_inner());
    let item = state
        .db(move |conn| {
            let org = existing(conn, id)?;
            let facts = authorize(
                conn,
                &caller,
                &Action::ReadOrganization { organization: id },
                own_scope(&caller),
                &target(id),
                false,
            )?;
            Ok::<_, ApiError>(OrganizationItem::with_role(org, &caller.principal, &facts))
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `GET /api/v1/organizations/{id}/tree`
#[utoipa::path(
    get,
    path = "/api/v1/organizations/{id}/tree",
    tag = "organizations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organization id")),
    responses(
        (status = 200, description = "The organization with its visible sub-organizations, recursively, by name", body = OrganizationItem),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn tree(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = OrganizationId(path.into_inner());
    let visibility = jhe_consent::organization_visibility(&caller.principal);
    let item = state
        .db(move |conn| {
            let root = existing(conn, id)?;
            let facts = authorize(
                conn,
                &caller,
                &Action::ReadOrganization { organization: id },
                own_scope(&caller),
                &target(id),
                false,
            )?;
            let below = organization_listings::visible_subtree(conn, id, &visibility)?;
            let mut children_of: BTreeMap<i64, Vec<Organization>> = BTreeMap::new();
            for org in below.into_iter().filter(|o| o.id != id) {
                if let Some(parent) = org.part_of {
                    children_of.entry(parent.get()).or_default().push(org);
                }
            }
            fn build(
                org: Organization,
                children_of: &mut BTreeMap<i64, Vec<Organization>>,
                principal: &Principal,
                facts: &Facts,
            ) -> OrganizationItem {
                let children = children_of.remove(&org.id.get()).unwrap_or_default();
                let mut item = OrganizationItem::with_role(org, principal, facts);
                item.children = children
                    .into_iter()
                    .map(|child| build(child, children_of, principal, facts))
                    .collect();
                item
            }
            Ok::<_, ApiError>(build(root, &mut children_of, &caller.principal, &facts))
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `GET /api/v1/organizations/{id}/users`
#[utoipa::path(
    get,
    path = "/api/v1/organizations/{id}/users",
    tag = "organizations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organization id")),
    responses(
        (status = 200, description = "The practitioners holding a role here, by family name", body = Vec<OrganizationUserItem>),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn users(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = OrganizationId(path.into_inner());
    let items = state
        .db(move |conn| {
            existing(conn, id)?;
            authorize(
                conn,
                &caller,
                &Action::ReadOrganizationMembers { organization: id },
                own_scope(&caller),
                &target(id),
                false,
            )?;
            let members = organization_listings::members_of_organization(conn, id)?;
            Ok::<_, ApiError>(
                members
                    .into_iter()
                    .map(|m| OrganizationUserItem {
                        id: m.user.id.get(),
                        email: m.user.email,
                        first_name: m.user.first_name,
                        last_name: m.user.last_name,
                        role: m.role.as_str().to_owned(),
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(items))
}

/// `GET /api/v1/organizations/{id}/studies`
#[utoipa::path(
    get,
    path = "/api/v1/organizations/{id}/studies",
    tag = "organizations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organization id")),
    responses(
        (status = 200, description = "The organization's studies the caller may see (patients: those they take part in), by name", body = Vec<OrganizationStudyItem>),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn studies(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = OrganizationId(path.into_inner());
    let visibility = jhe_consent::study_visibility(&caller.principal);
    let items = state
        .db(move |conn| {
            existing(conn, id)?;
            authorize(
                conn,
                &caller,
                &Action::ReadOrganization { organization: id },
                own_scope(&caller),
                &target(id),
                false,
            )?;
            let studies = organization_listings::visible_studies_of_organization(conn, id, &visibility)?;
            Ok::<_, ApiError>(
                studies
                    .into_iter()
                    .map(OrganizationStudyItem::from)
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(items))
}

/// `POST /api/v1/organizations`: inside an organization, manager there (or above) or a superuser; top-level,
/// superusers only. A practitioner who creates an organization inside another becomes its manager (a superuser
/// does not: that would give them a role, and with it patient data, they did not ask for).
#[utoipa::path(
    post,
    path = "/api/v1/organizations",
    tag = "organizations",
    security(("bearer" = [])),
    request_body = OrganizationBody,
    responses(
        (status = 201, description = "The new organization", body = OrganizationItem),
        BadRequest, Unauthorized, Forbidden,
    )
)]
pub(crate) async fn create(
    caller: Caller,
    body: SnakeJson<OrganizationBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    let name = errors.take(required("name", body.name.as_deref()));
    let org_type = parse_type(body.org_type.as_deref(), &mut errors, true);
    errors.finish()?;
    let (Some(name), Some(org_type)) = (name, org_type) else {
        return Err(ApiError::BadRequest("Invalid organization.".into()));
    };
    let part_of = body
        .part_of
        .map(OrganizationId)
        .filter(|p| *p != jhe_domain::ROOT_ORGANIZATION_ID);
    let item = state
        .db(move |conn| {
            if let Some(parent) = part_of {
                organizations::get_organization(conn, parent).map_err(|_| {
                    field_error(
                        "partOf",
                        format!("Invalid pk \"{parent}\" - object does not exist."),
                    )
                })?;
            }
            authorize(
                conn,
                &caller,
                &Action::CreateOrganization { part_of },
                own_scope(&caller),
                &Target::collection("Organization"),
                true,
            )?;
            // Top-level organizations hang below the root when there is one, so `?part_of=0` lists them.
            let parent = match part_of {
                Some(parent) => Some(parent),
                None => organizations::get_organization(conn, jhe_domain::ROOT_ORGANIZATION_ID)
                    .ok()
                    .map(|root| root.id),
            };
            let org = in_transaction(conn, |conn| {
                let org = organizations::create_organization(
                    conn,
                    &NewOrganization {
                        id: None,
                        name: name.clone(),
                        org_type,
                        part_of: parent,
                    },
                    Utc::now(),
                )?;
                // The creator manages what they created; not a superuser, whose administration needs no role and
                // who gets patient data only through a membership given on purpose.
                if let (Some(_), Some(practitioner), false) = (
                    part_of,
                    caller.principal.practitioner_id(),
                    caller.principal.is_superuser(),
                ) {
                    organizations::set_membership(
                        conn,
                        Membership {
                            practitioner_id: practitioner,
                            organization_id: org.id,
                            role: Role::Manager,
                        },
                    )?;
                }
                audit(
                    conn,
                    &caller,
                    "organization.create",
                    &target(org.id),
                    AuditOutcome::Success,
                    None,
                )?;
                Ok::<_, ApiError>(org)
            })?;
            let facts = role_facts(conn, &caller)?;
            Ok::<_, ApiError>(OrganizationItem::with_role(org, &caller.principal, &facts))
        })
        .await?;
    Ok(HttpResponse::Created().json(item))
}

/// `PUT` / `PATCH /api/v1/organizations/{id}`: rename or re-type; manager there (or above) or a superuser. PUT
/// needs both `name` and `type`.
#[utoipa::path(
    method(put, patch),
    path = "/api/v1/organizations/{id}",
    tag = "organizations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organization id")),
    request_body = OrganizationBody,
    responses(
        (status = 200, description = "The changed organization", body = OrganizationItem),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn update(
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: SnakeJson<OrganizationBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = OrganizationId(path.into_inner());
    let full = req.method() == actix_web::http::Method::PUT;
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    let name = match (&body.name, full) {
        (None, false) => None,
        (name, _) => errors.take(required("name", name.as_deref())),
    };
    let org_type = parse_type(body.org_type.as_deref(), &mut errors, full);
    errors.finish()?;
    let item = state
        .db(move |conn| {
            let current = existing(conn, id)?;
            let facts = authorize(
                conn,
                &caller,
                &Action::UpdateOrganization { organization: id },
                own_scope(&caller),
                &target(id),
                true,
            )?;
            let parent_now = current.part_of.unwrap_or(jhe_domain::ROOT_ORGANIZATION_ID);
            if let Some(asked) = body.part_of
                && OrganizationId(asked) != parent_now
            {
                return Err(field_error(
                    "partOf",
                    "An organization cannot be moved to another parent; create a new one instead.",
                ));
            }
            let org = in_transaction(conn, |conn| {
                let org = organizations::update_organization(
                    conn,
                    id,
                    name.as_deref().unwrap_or(&current.name),
                    org_type.unwrap_or(current.org_type),
                    Utc::now(),
                )?;
                audit(
                    conn,
                    &caller,
                    "organization.update",
                    &target(id),
                    AuditOutcome::Success,
                    None,
                )?;
                Ok::<_, ApiError>(org)
            })?;
            Ok::<_, ApiError>(OrganizationItem::with_role(org, &caller.principal, &facts))
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `DELETE /api/v1/organizations/{id}`: with everything below it. Manager of its parent (or above), or a
/// superuser; top-level organizations are for superusers only.
#[utoipa::path(
    delete,
    path = "/api/v1/organizations/{id}",
    tag = "organizations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organization id")),
    responses(
        (status = 204, description = "Deleted, with its sub-organizations, studies, enrolments and consents"),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn delete(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = OrganizationId(path.into_inner());
    state
        .db(move |conn| {
            existing(conn, id)?;
            authorize(
                conn,
                &caller,
                &Action::DeleteOrganization { organization: id },
                own_scope(&caller),
                &target(id),
                true,
            )?;
            in_transaction(conn, |conn| {
                organization_listings::delete_organization_subtree(
                    conn,
                    id,
                    Some(caller.user.id),
                    Utc::now(),
                )?;
                audit(
                    conn,
                    &caller,
                    "organization.delete",
                    &target(id),
                    AuditOutcome::Success,
                    None,
                )
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/v1/organizations/{id}/user`: give a practitioner a role here, or change it. Manager here (or above),
/// or a superuser.
#[utoipa::path(
    post,
    path = "/api/v1/organizations/{id}/user",
    tag = "organizations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organization id")),
    request_body = MemberBody,
    responses(
        (status = 201, description = "The practitioner now holds the role", body = MembershipItem),
        (status = 200, description = "The practitioner's role was changed", body = MembershipItem),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn add_user(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<MemberBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = OrganizationId(path.into_inner());
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    if body.jhe_user_id.is_none() {
        errors.add("jheUserId", "This field is required.");
    }
    let role = match body.organization_partitioner_role.as_deref().map(str::trim) {
        None | Some("") => Some(Role::Member),
        Some(raw) => match raw.parse::<Role>() {
            Ok(role) => Some(role),
            Err(_) => {
                errors.add(
                    "organizationPartitionerRole",
                    format!("\"{raw}\" is not a valid choice; use viewer, member or manager."),
                );
                None
            }
        },
    };
    errors.finish()?;
    let (Some(user), Some(role)) = (body.jhe_user_id, role) else {
        return Err(ApiError::BadRequest("Invalid membership.".into()));
    };
    let (created, item) = state
        .db(move |conn| {
            existing(conn, id)?;
            authorize(
                conn,
                &caller,
                &Action::ManageOrganizationMembers { organization: id },
                own_scope(&caller),
                &target(id),
                true,
            )?;
            let practitioner = practitioner_of(conn, user)?;
            in_transaction(conn, |conn| {
                let record = organization_listings::upsert_membership(
                    conn,
                    Membership {
                        practitioner_id: practitioner.id,
                        organization_id: id,
                        role,
                    },
                )?;
                audit(
                    conn,
                    &caller,
                    "organization.members.manage",
                    &target(id),
                    AuditOutcome::Success,
                    Some(format!("practitioner {} is {}", practitioner.id, role)),
                )?;
                Ok::<_, ApiError>((record.created, membership_item(conn, &record)?))
            })
        })
        .await?;
    Ok(if created {
        HttpResponse::Created().json(item)
    } else {
        HttpResponse::Ok().json(item)
    })
}

/// `DELETE /api/v1/organizations/{id}/remove_user`: take a practitioner's role here away. Manager here (or above),
/// or a superuser.
#[utoipa::path(
    delete,
    path = "/api/v1/organizations/{id}/remove_user",
    tag = "organizations",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Organization id"),
        ("jhe_user_id" = Option<i64>, Query, description = "The user to remove, when not given in the body; also `jheUserId`"),
    ),
    request_body = RemoveMemberBody,
    responses(
        (status = 204, description = "The practitioner no longer holds a role here"),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn remove_user(
    caller: Caller,
    path: web::Path<i64>,
    query: SnakeQuery<RemoveMemberQuery>,
    body: SnakeJson<RemoveMemberBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = OrganizationId(path.into_inner());
    let user = match body.into_inner().jhe_user_id {
        Some(user) => user,
        None => optional_id("jheUserId", query.into_inner().jhe_user_id.as_deref())?
            .ok_or_else(|| field_error("jheUserId", "This field is required."))?,
    };
    state
        .db(move |conn| {
            existing(conn, id)?;
            authorize(
                conn,
                &caller,
                &Action::ManageOrganizationMembers { organization: id },
                own_scope(&caller),
                &target(id),
                true,
            )?;
            let practitioner = practitioner_of(conn, user)?;
            in_transaction(conn, |conn| {
                organizations::remove_membership(conn, practitioner.id, id).map_err(|e| match e {
                    jhe_store::StoreError::NotFound => {
                        ApiError::NotFound(format!("User {user} holds no role in organization {id}."))
                    }
                    other => other.into(),
                })?;
                audit(
                    conn,
                    &caller,
                    "organization.members.manage",
                    &target(id),
                    AuditOutcome::Success,
                    Some(format!("practitioner {} removed", practitioner.id)),
                )
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/organizations", web::get().to(list))
        .route("/api/v1/organizations", web::post().to(create))
        .route("/api/v1/organizations/types", web::get().to(types))
        .route("/api/v1/organizations/{id:\\d+}", web::get().to(get))
        .route("/api/v1/organizations/{id:\\d+}", web::put().to(update))
        .route("/api/v1/organizations/{id:\\d+}", web::patch().to(update))
        .route("/api/v1/organizations/{id:\\d+}", web::delete().to(delete))
        .route("/api/v1/organizations/{id:\\d+}/tree", web::get().to(tree))
        .route("/api/v1/organizations/{id:\\d+}/users", web::get().to(users))
        .route("/api/v1/organizations/{id:\\d+}/studies", web::get().to(studies))
        .route("/api/v1/organizations/{id:\\d+}/user", web::post().to(add_user))
        .route(
            "/api/v1/organizations/{id:\\d+}/remove_user",
            web::delete().to(remove_user),
        );
}
