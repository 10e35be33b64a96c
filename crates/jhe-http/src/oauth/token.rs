//! `POST /o/token/`, `/o/userinfo/`, `/o/introspect/` (RFC 7662) and `/o/revoke_token/` (RFC 7009).
//!
//! Every grant runs in one transaction: a code is consumed and its tokens stored together, or neither happens.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use chrono::Utc;
use jhe_domain::{ClientType, GrantType, OAuthClient};
use jhe_oauth::{GrantRequest, TokenError};
use jhe_store::{DbConnection, auth as store_auth, clients, in_transaction, people};
use serde_json::json;

use super::issue::{IssueRequest, issue_tokens};
use super::{OAuthHttpError, no_store};
use crate::AppState;
use crate::auth::{Caller, bearer_token, resolve_token};
use crate::error::ApiError;

fn authorization_header(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Identifies and authenticates the client of a token-endpoint request. Confidential clients must prove their
/// secret; public clients name themselves and must not send one.
fn authenticate_client(
    conn: &mut DbConnection,
    authorization: Option<&str>,
    form: &HashMap<String, String>,
) -> Result<OAuthClient, OAuthHttpError> {
    let presented = jhe_oauth::client_credentials_from(authorization, form)?
        .ok_or(TokenError::InvalidClient { basic: false })?;
    let basic = presented.via_basic;
    let client = clients::find_client_by_client_id(conn, &presented.client_id)?
        .ok_or(TokenError::InvalidClient { basic })?;
    match client.client_type {
        ClientType::Confidential => {
            let ok = match (&presented.secret, &client.client_secret_hash) {
                (Some(secret), Some(hash)) => jhe_oauth::verify_client_secret(secret, hash),
                _ => false,
            };
            if !ok {
                return Err(TokenError::InvalidClient { basic }.into());
            }
        }
        ClientType::Public => {
            if presented.secret.as_deref().is_some_and(|s| !s.is_empty()) {
                return Err(TokenError::InvalidClient { basic }.into());
            }
        }
    }
    Ok(client)
}

/// How a grant ended. A refusal still commits what was done while refusing (revoking a replayed code's tokens).
enum GrantOutcome {
    Issued(jhe_oauth::TokenResponse),
    Refused(TokenError),
}

fn redeem_code(
    conn: &mut DbConnection,
    state: &AppState,
    client: &OAuthClient,
    code: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> Result<GrantOutcome, OAuthHttpError> {
    let now = Utc::now();
    let Some(stored) = store_auth::find_authorization_code(conn, &jhe_oauth::hash_token(code))? else {
        return Err(TokenError::InvalidGrant("unknown code".into()).into());
    };
    if stored.consumed_at.is_some() {
        // A replayed code means it leaked: every token issued from it is revoked.
        store_auth::revoke_family(conn, &stored.family, now)?;
        log::warn!(
            "authorization code replayed for client {}; its tokens were revoked",
            client.client_id
        );
        return Ok(GrantOutcome::Refused(TokenError::InvalidGrant(
            "code already used".into(),
        )));
    }
    let check = jhe_oauth::StoredCode {
        client_id: if stored.client_id == client.id {
            client.client_id.clone()
        } else {
            String::new()
        },
        redirect_uri: stored.redirect_uri.clone(),
        code_challenge: stored.code_challenge.clone(),
        expires_at: stored.expires_at,
        consumed: false,
    };
    jhe_oauth::check_code_redemption(&check, &client.client_id, redirect_uri, verifier, now)?;
    if !store_auth::consume_authorization_code(conn, stored.id, now)? {
        store_auth::revoke_family(conn, &stored.family, now)?;
        return Ok(GrantOutcome::Refused(TokenError::InvalidGrant(
            "code already used".into(),
        )));
    }
    let user = people::get_user(conn, stored.user_id)?;
    if !user.is_active {
        return Err(TokenError::InvalidGrant("account disabled".into()).into());
    }
    let issued = issue_tokens(
        conn,
        &state.keys,
        &state.config,
        &IssueRequest {
            client,
            user: &user,
            scope: &stored.scope,
            family: &stored.family,
            nonce: stored.nonce.as_deref(),
            auth_time: stored.auth_time,
            with_refresh: true,
        },
        now,
    )?;
    Ok(GrantOutcome::Issued(issued.response))
}

fn refresh(
    conn: &mut DbConnection,
    state: &AppState,
    client: &OAuthClient,
    token: &str,
    scope: Option<&str>,
) -> Result<GrantOutcome, OAuthHttpError> {
    let now = Utc::now();
    let Some(stored) = store_auth::find_refresh_token(conn, &jhe_oauth::hash_token(token))? else {
        return Err(TokenError::InvalidGrant("unknown refresh token".into()).into());
    };
    if stored.client_id != client.id || stored.revoked_at.is_some() {
        return Err(TokenError::InvalidGrant("refresh token not valid for this client".into()).into());
    }
    if stored.rotated_at.is_some() || !store_auth::rotate_refresh_token(conn, stored.id, now)? {
        // A rotated token presented again means one of the two holders is not the client: end the whole family.
        store_auth::revoke_family(conn, &stored.family, now)?;
        log::warn!(
            "rotated refresh token reused for client {}; its family was revoked",
            client.client_id
        );
        return Ok(GrantOutcome::Refused(TokenError::InvalidGrant(
            "refresh token already used".into(),
        )));
    }
    if stored.expires_at.is_some_and(|at| at <= now) {
        return Err(TokenError::InvalidGrant("refresh token expired".into()).into());
    }
    let granted: Vec<&str> = stored.scope.split_whitespace().collect();
    let scope = match scope.map(str::trim).filter(|s| !s.is_empty()) {
        Some(asked) => {
            if let Some(extra) = asked.split_whitespace().find(|s| !granted.contains(s)) {
                return Err(TokenError::InvalidScope(format!("{extra} was not granted originally")).into());
            }
            asked.to_owned()
        }
        None => stored.scope.clone(),
    };
    let user = people::get_user(conn, stored.user_id)?;
    if !user.is_active {
        return Err(TokenError::InvalidGrant("account disabled".into()).into());
    }
    let issued = issue_tokens(
        conn,
        &state.keys,
        &state.config,
        &IssueRequest {
            client,
            user: &user,
            scope: &scope,
            family: &stored.family,
            nonce: stored.nonce.as_deref(),
            auth_time: stored.auth_time,
            with_refresh: true,
        },
        now,
    )?;
    Ok(GrantOutcome::Issued(issued.response))
}

fn client_credentials(
    conn: &mut DbConnection,
    state: &AppState,
    client: &OAuthClient,
    scope: Option<&str>,
) -> Result<GrantOutcome, OAuthHttpError> {
    let now = Utc::now();
    if client.client_type != ClientType::Confidential {
        return Err(TokenError::UnauthorizedClient.into());
    }
    // The token acts as the practitioner who owns this API client.
    let owner = clients::find_practitioner_client(conn, client.id)?.ok_or(TokenError::UnauthorizedClient)?;
    let practitioner = people::get_practitioner(conn, owner.practitioner_id)?;
    let user = people::get_user(conn, practitioner.user_id)?;
    if !user.is_active {
        return Err(TokenError::InvalidGrant("the owning account is disabled".into()).into());
    }
    let scopes = jhe_oauth::RequestedScopes::parse(scope.unwrap_or(""))
        .map_err(|e| TokenError::InvalidScope(e.to_string()))?;
    let scope = scopes.to_scope_string();
    let family = jhe_oauth::hash_token(&format!(
        "cc:{}:{}",
        client.id,
        now.timestamp_nanos_opt().unwrap_or_default()
    ));
    let issued = issue_tokens(
        conn,
        &state.keys,
        &state.config,
        &IssueRequest {
            client,
            user: &user,
            scope: &scope,
            family: &family,
            nonce: None,
            auth_time: now,
            with_refresh: false,
        },
        now,
    )?;
    Ok(GrantOutcome::Issued(issued.response))
}

fn token_response(body: &jhe_oauth::TokenResponse) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    no_store(&mut response);
    response.json(body)
}

/// `POST /o/token/`.
async fn token(
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, OAuthHttpError> {
    let form = form.into_inner();
    let authorization = authorization_header(&req);
    let grant = jhe_oauth::parse_grant(&form)?;
    let app = state.clone();
    let outcome = state
        .db(move |conn| {
            in_transaction(conn, |conn| {
                let client = authenticate_client(conn, authorization.as_deref(), &form)?;
                match grant {
                    GrantRequest::AuthorizationCode {
                        code,
                        redirect_uri,
                        code_verifier,
                    } => {
                        if client.grant_type != GrantType::AuthorizationCode {
                            return Err(TokenError::UnauthorizedClient.into());
                        }
                        redeem_code(
                            conn,
                            &app,
                            &client,
                            &code,
                            redirect_uri.as_deref(),
                            code_verifier.as_deref(),
                        )
                    }
                    GrantRequest::RefreshToken { refresh_token, scope } => {
                        if client.grant_type != GrantType::AuthorizationCode {
                            return Err(TokenError::UnauthorizedClient.into());
                        }
                        refresh(conn, &app, &client, &refresh_token, scope.as_deref())
                    }
                    GrantRequest::ClientCredentials { scope } => {
                        if client.grant_type != GrantType::ClientCredentials {
                            return Err(TokenError::UnauthorizedClient.into());
                        }
                        client_credentials(conn, &app, &client, scope.as_deref())
                    }
                }
            })
        })
        .await?;
    match outcome {
        GrantOutcome::Issued(body) => Ok(token_response(&body)),
        GrantOutcome::Refused(err) => Err(err.into()),
    }
}

/// `GET|POST /o/userinfo/`: the claims about the token's user.
async fn userinfo(caller: Caller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let user = caller.user.clone();
    let fhir_user = state
        .db(move |conn| {
            Ok::<_, ApiError>(
                match (
                    people::practitioner_of_user(conn, user.id)?,
                    people::patient_of_user(conn, user.id)?,
                ) {
                    (Some(p), _) => Some(format!("Practitioner/{}", p.id)),
                    (None, Some(p)) => Some(format!("Patient/{}", p.id)),
                    _ => None,
                },
            )
        })
        .await?;
    let mut body = json!({ "sub": caller.user.id.to_string(), "email": caller.user.email });
    if let Some(fhir_user) = fhir_user {
        body["fhirUser"] = json!(fhir_user);
    }
    Ok(HttpResponse::Ok().json(body))
}

/// `POST /o/introspect/` (RFC 7662). The caller authenticates as a confidential client, or with a bearer token;
/// a bearer caller learns only about its own user's tokens.
async fn introspect(
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, OAuthHttpError> {
    let form = form.into_inner();
    let authorization = authorization_header(&req);
    let bearer = bearer_token(&req);
    let site = state.config.issuer();
    state
        .db(move |conn| {
            let now = Utc::now();
            let restrict_to_user = match bearer {
                Some(token) => match resolve_token(conn, &token, now)? {
                    Some(caller) => Some(caller.user.id),
                    None => return Err(TokenError::InvalidClient { basic: false }.into()),
                },
                None => {
                    let client = authenticate_client(conn, authorization.as_deref(), &form)?;
                    if client.client_type != ClientType::Confidential {
                        return Err(TokenError::InvalidClient { basic: false }.into());
                    }
                    None
                }
            };
            let token = form.get("token").ok_or_else(|| TokenError::InvalidRequest("token is required".into()))?;
            let hash = jhe_oauth::hash_token(token);
            let inactive = || Ok(json!({ "active": false }));
            if let Some(t) = store_auth::find_access_token(conn, &hash)? {
                if t.revoked_at.is_some() || t.expires_at <= now || restrict_to_user.is_some_and(|u| u != t.user_id) {
                    return inactive();
                }
                let user = people::get_user(conn, t.user_id)?;
                let client = clients::get_client(conn, t.client_id)?;
                return Ok(json!({
                    "active": true, "scope": t.scope, "client_id": client.client_id, "username": user.email,
                    "token_type": "Bearer", "exp": t.expires_at.timestamp(), "iat": t.created_at.timestamp(),
                    "sub": user.id.to_string(), "iss": site,
                }));
            }
            if let Some(t) = store_auth::find_refresh_token(conn, &hash)? {
                let live = t.revoked_at.is_none() && t.rotated_at.is_none() && t.expires_at.is_none_or(|at| at > now);
                if !live || restrict_to_user.is_some_and(|u| u != t.user_id) {
                    return inactive();
                }
                let client = clients::get_client(conn, t.client_id)?;
                return Ok(json!({
                    "active": true, "scope": t.scope, "client_id": client.client_id, "token_type": "refresh_token",
                    "iat": t.created_at.timestamp(), "sub": t.user_id.to_string(), "iss": site,
                }));
            }
            inactive()
        })
        .await
        .map(|body: serde_json::Value| {
            let mut response = HttpResponse::Ok();
            no_store(&mut response);
            response.json(body)
        })
}

/// `POST /o/revoke_token/` (RFC 7009). Revoking a refresh token ends its whole family; an unknown token, or one
/// of another client, is answered 200 and left alone, as the RFC asks.
async fn revoke(
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, OAuthHttpError> {
    let form = form.into_inner();
    let authorization = authorization_header(&req);
    state
        .db(move |conn| {
            let now = Utc::now();
            let client = authenticate_client(conn, authorization.as_deref(), &form)?;
            let token = form
                .get("token")
                .ok_or_else(|| TokenError::InvalidRequest("token is required".into()))?;
            let hash = jhe_oauth::hash_token(token);
            if let Some(t) = store_auth::find_refresh_token(conn, &hash)?.filter(|t| t.client_id == client.id)
            {
                store_auth::revoke_family(conn, &t.family, now)?;
            } else if let Some(t) =
                store_auth::find_access_token(conn, &hash)?.filter(|t| t.client_id == client.id)
            {
                store_auth::revoke_access_token(conn, t.id, now)?;
            }
            Ok::<(), OAuthHttpError>(())
        })
        .await?;
    let mut response = HttpResponse::Ok();
    no_store(&mut response);
    Ok(response.finish())
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/o/token/", web::post().to(token))
        .route("/o/userinfo/", web::get().to(userinfo))
        .route("/o/userinfo/", web::post().to(userinfo))
        .route("/o/introspect/", web::post().to(introspect))
        .route("/o/revoke_token/", web::post().to(revoke));
}
