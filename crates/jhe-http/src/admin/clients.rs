//! Patient apps (reference §2.2.8): the public OAuth clients patients sign in with, each with the invitation URL
//! its links are built from, and the data sources it delivers. Practitioners may read them; only superusers change
//! them, including their data sources (G6). Items never carry secrets or OAuth configuration.
//!
//! The request key for the public client id is `clientId`, in camel case only, as in the reference (§0).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use jhe_consent::Action;
use jhe_domain::{
    AuditOutcome, ClientId, ClientType, DataSourceId, GrantType, NewOAuthClient, PatientClient,
};
use jhe_store::catalog::{self, PatientAppChanges};
use jhe_store::study_listings::ClientSummary;
use jhe_store::{StoreError, clients, data_sources, in_transaction};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{FieldErrors, Target, audit, authorize_plain, field_error, required};
use super::casing::SnakeJson;
use super::data_sources::DataSourceItem;
use super::pagination::{Flavour, PageRequest, Paginated};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::openapi::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized};

/// A patient app as the Admin API shows it: never a secret (G5).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClientItem {
    /// The client's row id (what `client_id` means in `POST /invitation` and `/studies/{id}/clients`).
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "CareX")]
    pub name: String,
    /// The public OAuth client id.
    pub client_id: String,
    /// The link patients are invited through; `CODE` is replaced by the invitation code.
    #[schema(example = "https://carex.example/invitation/CODE")]
    pub invitation_url: Option<String>,
}

impl From<ClientSummary> for ClientItem {
    fn from(c: ClientSummary) -> Self {
        ClientItem {
            id: c.id.get(),
            name: c.name,
            client_id: c.client_id,
            invitation_url: c.invitation_url,
        }
    }
}

/// The body of `POST` and `PUT`/`PATCH /clients`.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ClientBody {
    /// The app's name; required on creation.
    name: Option<String>,
    /// The public OAuth client id, unique; required on creation. Only the camel-case key is understood.
    #[serde(rename = "clientId")]
    client_id: Option<String>,
    /// An http(s) URL containing the literal `CODE`; required on creation. Also `invitationUrl`.
    invitation_url: Option<String>,
}

/// The body naming a data source (`data_source_id` or `dataSourceId`).
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct DataSourceIdBody {
    /// A data source id, such as 70001.
    data_source_id: Option<i64>,
}

/// A data source linked to a client.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ClientDataSourceLink {
    /// The link row's id.
    id: i64,
    /// The client's row id (kept in snake case, as in the reference).
    client_id: i64,
    #[serde(rename = "dataSourceId")]
    data_source_id: i64,
}

fn target(id: impl ToString) -> Target<'static> {
    Target::new("Client", id)
}

fn check_invitation_url(url: &str) -> Result<(), ApiError> {
    let parsed = url::Url::parse(url).map_err(|_| field_error("invitationUrl", "Enter a valid URL."))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(field_error("invitationUrl", "Enter a valid URL."));
    }
    if !url.contains("CODE") {
        return Err(field_error(
            "invitationUrl",
            "The invitation URL must contain the literal CODE, which is replaced by the invitation code.",
        ));
    }
    Ok(())
}

fn duplicate_client_id(e: StoreError) -> ApiError {
    if e.is_duplicate_of("oauth_clients_client_id_key") {
        field_error("clientId", "application with this client id already exists.")
    } else {
        e.into()
    }
}

/// `GET /api/v1/clients`
#[utoipa::path(
    get,
    path = "/api/v1/clients",
    tag = "clients",
    security(("bearer" = [])),
    params(("page" = Option<i64>, Query, description = "1-based page number (1000 per page)")),
    responses(
        (status = 200, description = "Every patient app, newest first", body = Paginated<ClientItem>),
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
            authorize_plain(
                conn,
                &caller,
                &Action::ReadClients,
                &Target::collection("Client"),
                false,
            )?;
            Ok::<_, ApiError>(catalog::list_patient_apps(conn, page.offset(), page.limit())?)
        })
        .await?;
    let items = rows.into_iter().map(ClientItem::from).collect();
    Ok(HttpResponse::Ok().json(page.envelope(&req, &state.config.site_url, count, items)?))
}

/// `GET /api/v1/clients/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/clients/{id}",
    tag = "clients",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Client row id")),
    responses(
        (status = 200, description = "The patient app", body = ClientItem),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn get(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = ClientId(path.into_inner());
    let item = state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ReadClients, &target(id), false)?;
            Ok::<_, ApiError>(ClientItem::from(catalog::get_patient_app(conn, id)?))
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `POST /api/v1/clients` (superusers): registers a public authorization-code client that skips the consent
/// screen and redirects to the site's `/auth/callback`, marked as a patient app.
#[utoipa::path(
    post,
    path = "/api/v1/clients",
    tag = "clients",
    security(("bearer" = [])),
    request_body = ClientBody,
    responses(
        (status = 201, description = "The new patient app", body = ClientItem),
        BadRequest, Unauthorized, Forbidden,
    )
)]
pub(crate) async fn create(
    caller: Caller,
    body: SnakeJson<ClientBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    let name = errors.take(required("name", body.name.as_deref()));
    let client_id = errors.take(required("clientId", body.client_id.as_deref()));
    let invitation_url = errors.take(required("invitationUrl", body.invitation_url.as_deref()));
    errors.finish()?;
    let (Some(name), Some(client_id), Some(invitation_url)) = (name, client_id, invitation_url) else {
        return Err(ApiError::BadRequest(
            "Give name, clientId and invitation_url.".into(),
        ));
    };
    check_invitation_url(&invitation_url)?;
    let redirect_uri = format!("{}/auth/callback", state.config.site_url);
    let item = state
        .db(move |conn| {
            authorize_plain(
                conn,
                &caller,
                &Action::ManageClients,
                &Target::collection("Client"),
                true,
            )?;
            in_transaction(conn, |conn| {
                let client = clients::create_client(
                    conn,
                    &NewOAuthClient {
                        id: None,
                        client_id,
                        client_secret_hash: None,
                        client_type: ClientType::Public,
                        grant_type: GrantType::AuthorizationCode,
                        redirect_uris: vec![redirect_uri],
                        post_logout_redirect_uris: Vec::new(),
                        allowed_origins: Vec::new(),
                        skip_authorization: true,
                        name,
                        owner_user_id: None,
                    },
                    Utc::now(),
                )
                .map_err(duplicate_client_id)?;
                clients::set_patient_client(
                    conn,
                    &PatientClient {
                        client_id: client.id,
                        invitation_url,
                        aux_data_json: "{}".into(),
                    },
                )?;
                audit(
                    conn,
                    &caller,
                    "client.create",
                    &target(client.id),
                    AuditOutcome::Success,
                    None,
                )?;
                Ok::<_, ApiError>(ClientItem::from(catalog::get_patient_app(conn, client.id)?))
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(item))
}

/// `PUT` / `PATCH /api/v1/clients/{id}` (superusers)
#[utoipa::path(
    patch,
    path = "/api/v1/clients/{id}",
    tag = "clients",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Client row id")),
    request_body = ClientBody,
    responses(
        (status = 200, description = "The changed patient app", body = ClientItem),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn update(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<ClientBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = ClientId(path.into_inner());
    let body = body.into_inner();
    let changes = PatientAppChanges {
        name: body
            .name
            .as_deref()
            .map(|n| required("name", Some(n)))
            .transpose()?,
        client_id: body
            .client_id
            .as_deref()
            .map(|c| required("clientId", Some(c)))
            .transpose()?,
        invitation_url: match body.invitation_url.as_deref() {
            Some(url) => {
                let url = required("invitationUrl", Some(url))?;
                check_invitation_url(&url)?;
                Some(url)
            }
            None => None,
        },
    };
    let item = state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ManageClients, &target(id), true)?;
            in_transaction(conn, |conn| {
                let app = catalog::update_patient_app(conn, id, &changes, Utc::now())
                    .map_err(duplicate_client_id)?;
                audit(
                    conn,
                    &caller,
                    "client.update",
                    &target(id),
                    AuditOutcome::Success,
                    None,
                )?;
                Ok::<_, ApiError>(ClientItem::from(app))
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `DELETE /api/v1/clients/{id}` (superusers): removes the app with its links, invitations and tokens.
#[utoipa::path(
    delete,
    path = "/api/v1/clients/{id}",
    tag = "clients",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Client row id")),
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
    let id = ClientId(path.into_inner());
    state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ManageClients, &target(id), true)?;
            // Only patient apps are managed here: the web UI's own client or an API key must not vanish by id.
            catalog::get_patient_app(conn, id)?;
            clients::delete_client(conn, id)?;
            audit(
                conn,
                &caller,
                "client.delete",
                &target(id),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/clients/{id}/data_sources`
#[utoipa::path(
    get,
    path = "/api/v1/clients/{id}/data_sources",
    tag = "clients",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Client row id")),
    responses(
        (status = 200, description = "The data sources the app delivers, by id", body = Vec<DataSourceItem>),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn data_sources_of(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = ClientId(path.into_inner());
    let items = state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ReadClients, &target(id), false)?;
            catalog::get_patient_app(conn, id)?;
            Ok::<_, ApiError>(
                catalog::client_data_sources(conn, id)?
                    .into_iter()
                    .map(DataSourceItem::from)
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(items))
}

fn data_source_id(body: &DataSourceIdBody) -> Result<DataSourceId, ApiError> {
    body.data_source_id
        .map(DataSourceId)
        .ok_or_else(|| field_error("dataSourceId", "This field is required."))
}

/// `POST /api/v1/clients/{id}/data_sources` (superusers, G6)
#[utoipa::path(
    post,
    path = "/api/v1/clients/{id}/data_sources",
    tag = "clients",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Client row id")),
    request_body = DataSourceIdBody,
    responses(
        (status = 201, description = "The new link", body = ClientDataSourceLink),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict,
    )
)]
pub(crate) async fn add_data_source(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<DataSourceIdBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = ClientId(path.into_inner());
    let source = data_source_id(&body.into_inner())?;
    let link = state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ManageClients, &target(id), true)?;
            catalog::get_patient_app(conn, id)?;
            data_sources::get_data_source(conn, source).map_err(|_| {
                field_error(
                    "dataSourceId",
                    format!("Invalid pk \"{source}\" - object does not exist."),
                )
            })?;
            let link_id = catalog::add_client_data_source_link(conn, id, source).map_err(|e| match e {
                StoreError::Duplicate { .. } => {
                    ApiError::Conflict(format!("Client {id} already delivers data source {source}."))
                }
                other => other.into(),
            })?;
            audit(
                conn,
                &caller,
                "client.data_sources.add",
                &target(id),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>(ClientDataSourceLink {
                id: link_id,
                client_id: id.get(),
                data_source_id: source.get(),
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(link))
}

/// `DELETE /api/v1/clients/{id}/data_sources` (superusers, G6)
#[utoipa::path(
    delete,
    path = "/api/v1/clients/{id}/data_sources",
    tag = "clients",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Client row id")),
    request_body = DataSourceIdBody,
    responses(
        (status = 204, description = "Unlinked"),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn remove_data_source(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<DataSourceIdBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = ClientId(path.into_inner());
    let source = data_source_id(&body.into_inner())?;
    state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ManageClients, &target(id), true)?;
            catalog::remove_client_data_source(conn, id, source).map_err(|e| match e {
                StoreError::NotFound => {
                    ApiError::NotFound(format!("Client {id} does not deliver data source {source}."))
                }
                other => other.into(),
            })?;
            audit(
                conn,
                &caller,
                "client.data_sources.remove",
                &target(id),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /api/v1/clients/{id}`: the same as `PATCH`; fields left out keep their values.
#[utoipa::path(
    put,
    path = "/api/v1/clients/{id}",
    tag = "clients",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Client row id")),
    request_body = ClientBody,
    responses(
        (status = 200, description = "The changed patient app", body = ClientItem),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn replace(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<ClientBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    update(caller, path, body, state).await
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/clients", web::get().to(list))
        .route("/api/v1/clients", web::post().to(create))
        .route("/api/v1/clients/{id:\\d+}", web::get().to(get))
        .route("/api/v1/clients/{id:\\d+}", web::put().to(replace))
        .route("/api/v1/clients/{id:\\d+}", web::patch().to(update))
        .route("/api/v1/clients/{id:\\d+}", web::delete().to(delete))
        .route(
            "/api/v1/clients/{id:\\d+}/data_sources",
            web::get().to(data_sources_of),
        )
        .route(
            "/api/v1/clients/{id:\\d+}/data_sources",
            web::post().to(add_data_source),
        )
        .route(
            "/api/v1/clients/{id:\\d+}/data_sources",
            web::delete().to(remove_data_source),
        );
}
