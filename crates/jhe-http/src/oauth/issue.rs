//! Minting tokens: one place that stores an access token (and a refresh token, and signs an ID token when asked),
//! used by every grant, so that lifetimes, hashing and claims cannot drift apart.

use chrono::{DateTime, Duration, Utc};
use jhe_domain::{OAuthClient, User};
use jhe_oauth::{IdTokenInput, OpaqueToken, TokenResponse};
use jhe_store::{DbConnection, auth as store_auth, people};
use rand::Rng;

use crate::config::HttpConfig;
use crate::error::ApiError;
use crate::keys::KeyRing;

/// What a grant asks to be issued.
#[derive(Debug)]
pub struct IssueRequest<'a> {
    pub client: &'a OAuthClient,
    pub user: &'a User,
    pub scope: &'a str,
    pub family: &'a str,
    pub nonce: Option<&'a str>,
    pub auth_time: DateTime<Utc>,
    pub with_refresh: bool,
}

/// The issued tokens, ready to send.
#[derive(Debug)]
pub struct IssuedTokens {
    pub response: TokenResponse,
}

fn random_token() -> OpaqueToken {
    let bytes: [u8; 32] = rand::rng().random();
    OpaqueToken::from_random(&bytes)
}

/// Stores a new access token (and refresh token), signs an ID token when `openid` was granted, and builds the token
/// response. Runs inside the caller's transaction.
pub fn issue_tokens(
    conn: &mut DbConnection,
    keys: &KeyRing,
    config: &HttpConfig,
    request: &IssueRequest<'_>,
    now: DateTime<Utc>,
) -> Result<IssuedTokens, ApiError> {
    let access = random_token();
    let lifetime = config.lifetimes.access_secs;
    store_auth::create_access_token(
        conn,
        &store_auth::NewAccessToken {
            token_hash: &access.hash(),
            client_id: request.client.id,
            user_id: request.user.id,
            scope: request.scope,
            family: request.family,
            created_at: now,
            expires_at: now + Duration::seconds(lifetime),
        },
    )?;
    let refresh = if request.with_refresh {
        let refresh = random_token();
        store_auth::create_refresh_token(
            conn,
            &store_auth::NewRefreshToken {
                token_hash: &refresh.hash(),
                client_id: request.client.id,
                user_id: request.user.id,
                scope: request.scope,
                family: request.family,
                nonce: request.nonce,
                auth_time: request.auth_time,
                created_at: now,
                expires_at: config.lifetimes.refresh_secs.map(|s| now + Duration::seconds(s)),
            },
        )?;
        Some(refresh.as_str().to_owned())
    } else {
        None
    };
    let patient = people::patient_of_user(conn, request.user.id)?;
    let practitioner = people::practitioner_of_user(conn, request.user.id)?;
    let fhir_user = match (&practitioner, &patient) {
        (Some(p), _) => Some(format!("Practitioner/{}", p.id)),
        (None, Some(p)) => Some(format!("Patient/{}", p.id)),
        (None, None) => None,
    };
    let granted_openid = request.scope.split_whitespace().any(|s| s == "openid");
    let id_token = if granted_openid {
        let key = keys.active(conn)?;
        let issuer = config.issuer();
        let subject = request.user.id.to_string();
        let jti = random_token().hash();
        let input = IdTokenInput {
            issuer: &issuer,
            subject: &subject,
            audience: &request.client.client_id,
            auth_time: request.auth_time,
            nonce: request.nonce,
            access_token: access.as_str(),
            email: Some(&request.user.email),
            fhir_user: fhir_user.as_deref(),
            now,
            lifetime_secs: config.lifetimes.id_token_secs,
            jti: &jti,
        };
        Some(
            jhe_oauth::issue_id_token(&key, &input)
                .map_err(|e| ApiError::Internal(format!("cannot sign an ID token: {e}")))?,
        )
    } else {
        None
    };
    // A patient's token carries their id, as SMART's patient launch context does.
    let patient_context = match (&practitioner, &patient) {
        (None, Some(p)) => Some(p.id.to_string()),
        _ => None,
    };
    Ok(IssuedTokens {
        response: TokenResponse {
            access_token: access.as_str().to_owned(),
            token_type: "Bearer",
            expires_in: lifetime,
            scope: request.scope.to_owned(),
            refresh_token: refresh,
            id_token,
            patient: patient_context,
        },
    })
}
