//! Practitioner API clients (reference §2.2.9): a practitioner creates confidential client-credentials clients for
//! their scripts and notebooks; a token obtained with one acts as that practitioner.
//!
//! Unlike the reference, the secret is stored only as [`jhe_oauth::hash_client_secret`]: the creation response is
//! the only time it (inside `key`) is shown. Every operation is limited to the caller's own clients; anyone else's
//! answer 404, as if they did not exist.

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use chrono::Utc;
use jhe_consent::Action;
use jhe_domain::{AuditOutcome, ClientId, ClientType, GrantType, NewOAuthClient, PractitionerId};
use jhe_store::api_clients::{self, ApiClient};
use rand::distr::{Alphanumeric, SampleString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{Target, audit, authorize_plain, iso};
use super::casing::SnakeJson;
use super::pagination::{Flavour, PageRequest, Paginated};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::openapi::{BadRequest, ErrorDetail, Forbidden, NotFound, Unauthorized};

/// Lengths of the generated public id and secret, as in the reference.
const CLIENT_ID_LEN: usize = 16;
const SECRET_LEN: usize = 32;

/// A practitioner's API client.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PractitionerClientItem {
    /// The client's row id.
    id: i64,
    /// The practitioner's own label for it.
    label: String,
    created: String,
    /// A generated name, `_practitioner_client_<practitioner id>_<YYYYmmddHHMMSS>`.
    name: String,
    /// The public OAuth client id.
    client_id: String,
    /// `base64(client_id + ":" + client_secret)`, to send as `Authorization: Basic <key>` to `/o/token/` with
    /// `grant_type=client_credentials`. Only the creation response carries it; afterwards it is null, because the
    /// server keeps only a hash of the secret.
    key: Option<String>,
}

fn item(c: ApiClient, key: Option<String>) -> PractitionerClientItem {
    PractitionerClientItem {
        id: c.client.id.get(),
        label: c.label,
        created: iso(c.client.created),
        name: c.client.name,
        client_id: c.client.client_id,
        key,
    }
}

/// The body of `POST` and `PATCH /practitioner_clients`.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct LabelBody {
    /// A label to recognise the client by (may be empty).
    label: Option<String>,
}

fn practitioner(caller: &Caller) -> Result<PractitionerId, ApiError> {
    caller
        .principal
        .practitioner_id()
        .ok_or_else(|| ApiError::Forbidden("You cannot create API clients: only practitioners can.".into()))
}

fn target(id: impl ToString) -> Target<'static> {
    Target::new("PractitionerClient", id)
}

/// `GET /api/v1/practitioner_clients`
#[utoipa::path(
    get,
    path = "/api/v1/practitioner_clients",
    tag = "practitioner clients",
    security(("bearer" = [])),
    params(("page" = Option<i64>, Query, description = "1-based page number (1000 per page)")),
    responses(
        (status = 200, description = "The caller's API clients, newest first", body = Paginated<PractitionerClientItem>),
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
                &Action::ManageOwnApiClients,
                &Target::collection("PractitionerClient"),
                false,
            )?;
            let me = practitioner(&caller)?;
            Ok::<_, ApiError>(api_clients::list_api_clients(
                conn,
                me,
                page.offset(),
                page.limit(),
            )?)
        })
        .await?;
    let items = rows.into_iter().map(|c| item(c, None)).collect();
    Ok(HttpResponse::Ok().json(page.envelope(&req, &state.config.site_url, count, items)?))
}

/// `GET /api/v1/practitioner_clients/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/practitioner_clients/{id}",
    tag = "practitioner clients",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Client row id")),
    responses(
        (status = 200, description = "One of the caller's API clients (without its key)", body = PractitionerClientItem),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn get(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = ClientId(path.into_inner());
    let client = state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ManageOwnApiClients, &target(id), false)?;
            let me = practitioner(&caller)?;
            Ok::<_, ApiError>(api_clients::get_api_client(conn, me, id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(item(client, None)))
}

/// `POST /api/v1/practitioner_clients`: a new confidential client-credentials client owned by the caller. The
/// response's `key` is the only copy of the secret.
#[utoipa::path(
    post,
    path = "/api/v1/practitioner_clients",
    tag = "practitioner clients",
    security(("bearer" = [])),
    request_body = LabelBody,
    responses(
        (status = 201, description = "The new API client, with its key (shown once)", body = PractitionerClientItem),
        BadRequest, Unauthorized, Forbidden,
    )
)]
pub(crate) async fn create(
    caller: Caller,
    body: SnakeJson<LabelBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let label = body.into_inner().label.unwrap_or_default().trim().to_owned();
    let mut rng = rand::rng();
    let client_id = Alphanumeric.sample_string(&mut rng, CLIENT_ID_LEN);
    let secret = Alphanumeric.sample_string(&mut rng, SECRET_LEN);
    let key = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}"));
    let secret_hash = jhe_oauth::hash_client_secret(&secret);
    let created = state
        .db(move |conn| {
            authorize_plain(
                conn,
                &caller,
                &Action::ManageOwnApiClients,
                &Target::collection("PractitionerClient"),
                true,
            )?;
            let me = practitioner(&caller)?;
            let now = Utc::now();
            let client = api_clients::create_api_client(
                conn,
                me,
                &NewOAuthClient {
                    id: None,
                    client_id,
                    client_secret_hash: Some(secret_hash),
                    client_type: ClientType::Confidential,
                    grant_type: GrantType::ClientCredentials,
                    redirect_uris: Vec::new(),
                    post_logout_redirect_uris: Vec::new(),
                    allowed_origins: Vec::new(),
                    skip_authorization: true,
                    name: format!("_practitioner_client_{me}_{}", now.format("%Y%m%d%H%M%S")),
                    owner_user_id: Some(caller.user.id),
                },
                &label,
                now,
            )?;
            audit(
                conn,
                &caller,
                "api_client.create",
                &target(client.client.id),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>(client)
        })
        .await?;
    Ok(HttpResponse::Created().json(item(created, Some(key))))
}

/// `PATCH /api/v1/practitioner_clients/{id}`: changes the label only.
#[utoipa::path(
    patch,
    path = "/api/v1/practitioner_clients/{id}",
    tag = "practitioner clients",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Client row id")),
    request_body = LabelBody,
    responses(
        (status = 200, description = "The relabelled API client (without its key)", body = PractitionerClientItem),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn update(
    caller: Caller,
    path: web::Path<i64>,
    body: SnakeJson<LabelBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = ClientId(path.into_inner());
    let label = body.into_inner().label;
    let client = state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ManageOwnApiClients, &target(id), true)?;
            let me = practitioner(&caller)?;
            let client = match label {
                Some(label) => api_clients::set_api_client_label(conn, me, id, label.trim(), Utc::now())?,
                None => api_clients::get_api_client(conn, me, id)?,
            };
            audit(
                conn,
                &caller,
                "api_client.update",
                &target(id),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>(client)
        })
        .await?;
    Ok(HttpResponse::Ok().json(item(client, None)))
}

/// `PUT /api/v1/practitioner_clients/{id}`: not supported (only the label can change, with PATCH). As in the
/// reference, authentication and permission are checked before the method.
#[utoipa::path(
    put,
    path = "/api/v1/practitioner_clients/{id}",
    tag = "practitioner clients",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Client row id")),
    responses(
        (status = 405, description = "Use PATCH", body = ErrorDetail),
        Unauthorized, Forbidden,
    )
)]
pub(crate) async fn put_not_allowed(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    state
        .db(move |conn| authorize_plain(conn, &caller, &Action::ManageOwnApiClients, &target(id), false))
        .await?;
    Ok(HttpResponse::MethodNotAllowed()
        .insert_header(("Allow", "GET, PATCH, DELETE"))
        .json(serde_json::json!({"detail": "Method \"PUT\" not allowed."})))
}

/// `DELETE /api/v1/practitioner_clients/{id}`: removes the client and every token it obtained.
#[utoipa::path(
    delete,
    path = "/api/v1/practitioner_clients/{id}",
    tag = "practitioner clients",
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
            authorize_plain(conn, &caller, &Action::ManageOwnApiClients, &target(id), true)?;
            let me = practitioner(&caller)?;
            api_clients::delete_api_client(conn, me, id)?;
            audit(
                conn,
                &caller,
                "api_client.delete",
                &target(id),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/practitioner_clients", web::get().to(list))
        .route("/api/v1/practitioner_clients", web::post().to(create))
        .route("/api/v1/practitioner_clients/{id:\\d+}", web::get().to(get))
        .route("/api/v1/practitioner_clients/{id:\\d+}", web::patch().to(update))
        .route(
            "/api/v1/practitioner_clients/{id:\\d+}",
            web::put().to(put_not_allowed),
        )
        .route("/api/v1/practitioner_clients/{id:\\d+}", web::delete().to(delete));
}
