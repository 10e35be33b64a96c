//! The authorization server's endpoints at the reference's paths: `/o/authorize/`, `/o/token/`, `/o/userinfo/`,
//! `/o/introspect/`, `/o/revoke_token/`, OpenID and SMART discovery, and JWKS. Protocol rules live in `jhe-oauth`;
//! this module binds them to HTTP and the store.

mod authorize;
mod discovery;
mod issue;
mod token;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError, web};
use jhe_oauth::TokenError;

pub use issue::{IssuedTokens, issue_tokens};

/// A token-endpoint error, answered as RFC 6749 §5.2 JSON with `Cache-Control: no-store`.
#[derive(Debug, thiserror::Error)]
pub enum OAuthHttpError {
    #[error("{0}")]
    Token(TokenError),
    #[error("{0}")]
    Server(crate::ApiError),
}

impl From<TokenError> for OAuthHttpError {
    fn from(err: TokenError) -> Self {
        OAuthHttpError::Token(err)
    }
}

impl From<jhe_store::StoreError> for OAuthHttpError {
    fn from(err: jhe_store::StoreError) -> Self {
        OAuthHttpError::Server(err.into())
    }
}

impl From<crate::ApiError> for OAuthHttpError {
    fn from(err: crate::ApiError) -> Self {
        OAuthHttpError::Server(err)
    }
}

impl From<actix_web::error::BlockingError> for OAuthHttpError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        OAuthHttpError::Server(err.into())
    }
}

impl ResponseError for OAuthHttpError {
    fn status_code(&self) -> StatusCode {
        match self {
            OAuthHttpError::Token(e) => StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
            OAuthHttpError::Server(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            OAuthHttpError::Token(e) => {
                let mut response = HttpResponse::build(self.status_code());
                no_store(&mut response);
                if matches!(e, TokenError::InvalidClient { basic: true }) {
                    response.insert_header((header::WWW_AUTHENTICATE, r#"Basic realm="token""#));
                }
                response.json(e.body())
            }
            OAuthHttpError::Server(e) => {
                log::error!("token endpoint: {e}");
                let mut response = HttpResponse::build(self.status_code());
                no_store(&mut response);
                response.json(serde_json::json!({"error": "server_error"}))
            }
        }
    }
}

/// Token responses must not be cached (RFC 6749 §5.1).
pub(crate) fn no_store(response: &mut actix_web::HttpResponseBuilder) {
    response
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"));
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    discovery::configure(cfg);
    authorize::configure(cfg);
    token::configure(cfg);
}
