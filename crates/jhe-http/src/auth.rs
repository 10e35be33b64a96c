//! The bearer-token extractor. A handler that takes a [`Caller`] needs a valid access token; the extractor answers
//! 401 with `WWW-Authenticate: Bearer` in the calling API's style otherwise.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use chrono::Utc;
use jhe_consent::Principal;
use jhe_domain::{AccessToken, User};
use jhe_store::{auth as store_auth, facts};

use crate::AppState;
use crate::error::{ApiError, ApiStyle, StyledError};

/// An authenticated API caller: the user, the token they presented, and who they are to the consent engine.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub token: AccessToken,
    pub principal: Principal,
}

/// The token in an `Authorization: Bearer …` header, if there is one.
pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// Resolves an access token to a caller, or `None` when it is unknown, revoked or expired, or its user is
/// inactive or has no profile.
pub fn resolve_token(
    conn: &mut jhe_store::DbConnection,
    token: &str,
    now: chrono::DateTime<Utc>,
) -> Result<Option<Caller>, ApiError> {
    let Some(resolved) = store_auth::resolve_access_token(conn, &jhe_oauth::hash_token(token))? else {
        return Ok(None);
    };
    if resolved.token.revoked_at.is_some() || resolved.token.expires_at <= now || !resolved.user.is_active {
        return Ok(None);
    }
    let Some(principal) = facts::principal_for_token(&resolved) else {
        return Ok(None);
    };
    Ok(Some(Caller {
        user: resolved.user,
        token: resolved.token,
        principal,
    }))
}

/// A request's bearer token, present but not yet checked. For the busiest handlers: they resolve it inside their
/// own database call ([`BearerToken::resolve`]), one blocking-pool hand-off and one pool checkout fewer than a
/// [`Caller`], which costs a database call of its own. A request without a token is refused (401) here already.
#[derive(Debug)]
pub struct BearerToken(String);

impl BearerToken {
    /// The caller the token stands for, or 401 ([`ApiError::Unauthenticated`]) when it is unknown, revoked or
    /// expired, exactly as the [`Caller`] extractor decides.
    pub fn resolve(&self, conn: &mut jhe_store::DbConnection) -> Result<Caller, ApiError> {
        resolve_token(conn, &self.0, Utc::now())?.ok_or(ApiError::Unauthenticated)
    }
}

impl FromRequest for BearerToken {
    type Error = StyledError;
    type Future = std::future::Ready<Result<BearerToken, StyledError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        std::future::ready(
            bearer_token(req)
                .map(BearerToken)
                .ok_or_else(|| ApiError::Unauthenticated.styled(ApiStyle::of_path(req.path()))),
        )
    }
}

impl FromRequest for Caller {
    type Error = StyledError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, StyledError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let style = ApiStyle::of_path(req.path());
        let token = bearer_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let (Some(token), Some(state)) = (token, state) else {
                return Err(ApiError::Unauthenticated.styled(style));
            };
            let caller = state
                .db(move |conn| resolve_token(conn, &token, Utc::now()))
                .await
                .map_err(|e: ApiError| e.styled(style))?;
            caller.ok_or_else(|| ApiError::Unauthenticated.styled(style))
        })
    }
}
