//! Data sources (reference §2.2.7): the devices and apps observations come from, with the scopes each supports,
//! and the scope-code vocabulary. Everyone signed in may read the catalogue; only superusers change it, including
//! the supported scopes (G6).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use jhe_consent::Action;
use jhe_domain::{
    AuditOutcome, DataSource, DataSourceId, DataSourceType, NewDataSource, ScopeCode, ScopeCodeId,
};
use jhe_store::catalog::{self, DataSourceWithScopes, SupportedScopeLink};
use jhe_store::{StoreError, data_sources, in_transaction, vocabulary};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{Target, audit, authorize_plain, field_error, iso, required};
use super::casing::SnakeJson;
use super::pagination::{Flavour, PageRequest, Paginated};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::openapi::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized};

/// A scope code (a CodeableConcept naming a data type).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScopeCodeItem {
    #[schema(example = 50002)]
    pub id: i64,
    #[schema(example = "https://w3id.org/openmhealth")]
    pub coding_system: String,
    #[schema(example = "omh:blood-pressure:4.0")]
    pub coding_code: String,
    #[schema(example = "Blood pressure")]
    pub text: String,
}

impl From<ScopeCode> for ScopeCodeItem {
    fn from(c: ScopeCode) -> Self {
        ScopeCodeItem {
            id: c.id.get(),
            coding_system: c.coding_system,
            coding_code: c.coding_code,
            text: c.text,
        }
    }
}

/// A data source as nested in link items, with its last change.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DataSourceRef {
    #[schema(example = 70001)]
    pub id: i64,
    pub name: String,
    /// `medical_device`, `personal_device` or `patient_app`.
    #[serde(rename = "type")]
    #[schema(example = "personal_device")]
    pub source_type: String,
    pub last_updated: String,
}

impl From<DataSource> for DataSourceRef {
    fn from(d: DataSource) -> Self {
        DataSourceRef {
            id: d.id.get(),
            name: d.name,
            source_type: d.source_type.as_str().to_owned(),
            last_updated: iso(d.last_updated),
        }
    }
}

/// A data source with the scopes it supports (ordered by their text).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DataSourceItem {
    #[schema(example = 70001)]
    pub id: i64,
    #[schema(example = "CareX")]
    pub name: String,
    /// `medical_device`, `personal_device` or `patient_app`.
    #[serde(rename = "type")]
    #[schema(example = "personal_device")]
    pub source_type: String,
    pub supported_scopes: Vec<ScopeCodeItem>,
}

impl From<DataSourceWithScopes> for DataSourceItem {
    fn from(d: DataSourceWithScopes) -> Self {
        DataSourceItem {
            id: d.data_source.id.get(),
            name: d.data_source.name,
            source_type: d.data_source.source_type.as_str().to_owned(),
            supported_scopes: d.supported_scopes.into_iter().map(ScopeCodeItem::from).collect(),
        }
    }
}

/// A scope a data source supports, with the link row's id.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SupportedScopeItem {
    /// The link row's id.
    pub id: i64,
    pub data_source: DataSourceRef,
    pub scope_code: ScopeCodeItem,
}

fn supported_scope_item(source: &DataSource, link: SupportedScopeLink) -> SupportedScopeItem {
    SupportedScopeItem {
        id: link.id,
        data_source: DataSourceRef::from(source.clone()),
        scope_code: link.scope_code.into(),
    }
}

/// The body of `POST` and `PUT`/`PATCH /data_sources`.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct DataSourceBody {
    /// Required on creation; not blank.
    name: Option<String>,
    /// `medical_device`, `personal_device` (the default) or `patient_app`.
    #[serde(rename = "type")]
    source_type: Option<String>,
}

/// The body naming a scope code (`scope_code_id` or `scopeCodeId`).
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ScopeCodeBody {
    /// A scope code id, such as 50002.
    scope_code_id: Option<i64>,
}

fn parse_type(raw: Option<&str>) -> Result<Option<DataSourceType>, ApiError> {
    raw.map(|t| {
        t.parse::<DataSourceType>()
            .map_err(|_| field_error("type", format!("\"{t}\" is not a valid choice.")))
    })
    .transpose()
}

fn target(id: impl ToString) -> Target<'static> {
    Target::new("DataSource", id)
}

/// `GET /api/v1/data_sources`
#[utoipa::path(
    get,
    path = "/api/v1/data_sources",
    tag = "data sources",
    security(("bearer" = [])),
    params(
        ("page" = Option<i64>, Query, description = "1-based page number"),
        ("page_size" = Option<i64>, Query, description = "Results per page (default 20, at most 1000); also `pageSize`"),
    ),
    responses(
        (status = 200, description = "Every data source by name, with the scopes it supports", body = Paginated<DataSourceItem>),
        Unauthorized, NotFound,
    )
)]
pub(crate) async fn list(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::from_request(&req, Flavour::Custom)?;
    let (count, rows) = state
        .db(move |conn| {
            authorize_plain(
                conn,
                &caller,
                &Action::ReadCatalog,
                &Target::collection("DataSource"),
                false,
            )?;
            Ok::<_, ApiError>(catalog::list_data_sources(conn, page.offset(), page.limit())?)
        })
        .await?;
    let items = rows.into_iter().map(DataSourceItem::from).collect();
    Ok(HttpResponse::Ok().json(page.envelope(&req, &state.config.site_url, count, items)?))
}

/// `GET /api/v1/data_sources/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/data_sources/{id}",
    tag = "data sources",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Data source id")),
    responses(
        (status = 200, description = "The data source with its supported scopes", body = DataSourceItem),
        Unauthorized, NotFound,
    )
)]
pub(crate) async fn get(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = DataSourceId(path.into_inner());
    let item = state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ReadCatalog, &target(id), false)?;
            Ok::<_, ApiError>(DataSourceItem::from(catalog::get_data_source_with_scopes(
                conn, id,
            )?))
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `POST /api/v1/data_sources` (superusers)
#[utoipa::path(
    post,
    path = "/api/v1/data_sources",
    tag = "data sources",
    security(("bearer" = [])),
    request_body = DataSourceBody,
    responses(
        (status = 201, description = "The new data source", body = DataSourceItem),
        BadRequest, Unauthorized, Forbidden,
    )
)]
pub(crate) async fn create(
    caller: Caller,
    body: SnakeJson<DataSourceBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let name = required("name", body.name.as_deref())?;
    let source_type = parse_type(body.source_type.as_deref())?.unwrap_or(DataSourceType::PersonalDevice);
    let item = state
        .db(move |conn| {
            authorize_plain(
                conn,
                &caller,
                &Action::ManageDataSources,
                &Target::collection("DataSource"),
                true,
            )?;
            let created = data_sources::create_data_source(
                conn,
                &NewDataSource {
                    id: None,
                    name,
                    source_type,
                },
                Utc::now(),
            )?;
            audit(
                conn,
                &caller,
                "data_source.create",
                &target(created.id),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>(DataSourceItem::from(DataSourceWithScopes {
                data_source: created,
                supported_scopes: Vec::new(),
            }))
        })
        .await?;
    Ok(HttpResponse::Created().json(item))
}

/// `PUT` / `PATCH /api/v1/data_sources/{id}` (superusers)
#[utoipa::path(
    patch,
    path = "/api/v1/data_sources/{id}",
    tag = "data sources",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Data source id")),
    request_body = DataSourceBody,
    responses(
        (status = 200, description = "The changed data source", body = DataSourceItem),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn update(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<DataSourceBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = DataSourceId(path.into_inner());
    let body = body.into_inner();
    let name = match body.name.as_deref() {
        Some(n) => Some(required("name", Some(n))?),
        None => None,
    };
    let source_type = parse_type(body.source_type.as_deref())?;
    let item = state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ManageDataSources, &target(id), true)?;
            in_transaction(conn, |conn| {
                let current = data_sources::get_data_source(conn, id)?;
                catalog::update_data_source(
                    conn,
                    id,
                    name.as_deref().unwrap_or(&current.name),
                    source_type.unwrap_or(current.source_type),
                    Utc::now(),
                )?;
                audit(
                    conn,
                    &caller,
                    "data_source.update",
                    &target(id),
                    AuditOutcome::Success,
                    None,
                )?;
                Ok::<_, ApiError>(DataSourceItem::from(catalog::get_data_source_with_scopes(
                    conn, id,
                )?))
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `DELETE /api/v1/data_sources/{id}` (superusers). Observations that named it keep their rows.
#[utoipa::path(
    delete,
    path = "/api/v1/data_sources/{id}",
    tag = "data sources",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Data source id")),
    responses(
        (status = 204, description = "Deleted, with its supported scopes and its study and client links"),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn delete(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = DataSourceId(path.into_inner());
    state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ManageDataSources, &target(id), true)?;
            data_sources::delete_data_source(conn, id)?;
            audit(
                conn,
                &caller,
                "data_source.delete",
                &target(id),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/data_sources/all_scopes`
#[utoipa::path(
    get,
    path = "/api/v1/data_sources/all_scopes",
    tag = "data sources",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every scope code, ordered by text", body = Vec<ScopeCodeItem>),
        Unauthorized,
    )
)]
pub(crate) async fn all_scopes(caller: Caller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let items = state
        .db(move |conn| {
            authorize_plain(
                conn,
                &caller,
                &Action::ReadCatalog,
                &Target::collection("ScopeCode"),
                false,
            )?;
            Ok::<_, ApiError>(
                catalog::scope_codes_by_text(conn)?
                    .into_iter()
                    .map(ScopeCodeItem::from)
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(items))
}

/// `GET /api/v1/data_sources/{id}/supported_scopes`
#[utoipa::path(
    get,
    path = "/api/v1/data_sources/{id}/supported_scopes",
    tag = "data sources",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Data source id")),
    responses(
        (status = 200, description = "The scopes the data source supports, in the order they were added", body = Vec<SupportedScopeItem>),
        Unauthorized, NotFound,
    )
)]
pub(crate) async fn supported_scopes(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = DataSourceId(path.into_inner());
    let items = state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ReadCatalog, &target(id), false)?;
            let source = data_sources::get_data_source(conn, id)?;
            Ok::<_, ApiError>(
                catalog::supported_scope_links(conn, id)?
                    .into_iter()
                    .map(|link| supported_scope_item(&source, link))
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(items))
}

fn scope_code_id(body: &ScopeCodeBody) -> Result<ScopeCodeId, ApiError> {
    body.scope_code_id
        .map(ScopeCodeId)
        .ok_or_else(|| field_error("scopeCodeId", "This field is required."))
}

/// `POST /api/v1/data_sources/{id}/supported_scopes` (superusers, G6)
#[utoipa::path(
    post,
    path = "/api/v1/data_sources/{id}/supported_scopes",
    tag = "data sources",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Data source id")),
    request_body = ScopeCodeBody,
    responses(
        (status = 201, description = "The new supported scope", body = SupportedScopeItem),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict,
    )
)]
pub(crate) async fn add_supported_scope(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<ScopeCodeBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = DataSourceId(path.into_inner());
    let scope = scope_code_id(&body.into_inner())?;
    let item = state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ManageDataSources, &target(id), true)?;
            let source = data_sources::get_data_source(conn, id)?;
            vocabulary::get_scope_code(conn, scope).map_err(|_| {
                field_error(
                    "scopeCodeId",
                    format!("Invalid pk \"{scope}\" - object does not exist."),
                )
            })?;
            let link = catalog::add_supported_scope_link(conn, id, scope).map_err(|e| match e {
                StoreError::Duplicate { .. } => {
                    ApiError::Conflict(format!("Data source {id} already supports scope {scope}."))
                }
                other => other.into(),
            })?;
            audit(
                conn,
                &caller,
                "data_source.scopes.add",
                &target(id),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>(supported_scope_item(&source, link))
        })
        .await?;
    Ok(HttpResponse::Created().json(item))
}

/// `DELETE /api/v1/data_sources/{id}/supported_scopes` (superusers, G6)
#[utoipa::path(
    delete,
    path = "/api/v1/data_sources/{id}/supported_scopes",
    tag = "data sources",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Data source id")),
    request_body = ScopeCodeBody,
    responses(
        (status = 204, description = "The data source no longer supports the scope"),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn remove_supported_scope(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<ScopeCodeBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = DataSourceId(path.into_inner());
    let scope = scope_code_id(&body.into_inner())?;
    state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ManageDataSources, &target(id), true)?;
            catalog::remove_supported_scope(conn, id, scope).map_err(|e| match e {
                StoreError::NotFound => {
                    ApiError::NotFound(format!("Data source {id} does not support scope {scope}."))
                }
                other => other.into(),
            })?;
            audit(
                conn,
                &caller,
                "data_source.scopes.remove",
                &target(id),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /api/v1/data_sources/{id}`: the same as `PATCH`; fields left out keep their values.
#[utoipa::path(
    put,
    path = "/api/v1/data_sources/{id}",
    tag = "data sources",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Data source id")),
    request_body = DataSourceBody,
    responses(
        (status = 200, description = "The changed data source", body = DataSourceItem),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn replace(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<DataSourceBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    update(caller, path, body, state).await
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/data_sources", web::get().to(list))
        .route("/api/v1/data_sources", web::post().to(create))
        .route("/api/v1/data_sources/all_scopes", web::get().to(all_scopes))
        .route("/api/v1/data_sources/{id:\\d+}", web::get().to(get))
        .route("/api/v1/data_sources/{id:\\d+}", web::put().to(replace))
        .route("/api/v1/data_sources/{id:\\d+}", web::patch().to(update))
        .route("/api/v1/data_sources/{id:\\d+}", web::delete().to(delete))
        .route(
            "/api/v1/data_sources/{id:\\d+}/supported_scopes",
            web::get().to(supported_scopes),
        )
        .route(
            "/api/v1/data_sources/{id:\\d+}/supported_scopes",
            web::post().to(add_supported_scope),
        )
        .route(
            "/api/v1/data_sources/{id:\\d+}/supported_scopes",
            web::delete().to(remove_supported_scope),
        );
}
