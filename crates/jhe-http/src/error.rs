//! Every error a handler can return, mapped to HTTP in one place. The Admin API answers in Django REST framework's
//! shapes (`{"detail": …}` or field maps), the FHIR API with OperationOutcomes; OAuth errors have their own type in
//! `oauth`. A client mistake is a 4xx a person can act on; a 500 means a bug, and its details go to the log only.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use jhe_store::StoreError;
use serde_json::json;

/// Which API's error style a response uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiStyle {
    /// `/api/v1`: `{"detail": "…"}`.
    Admin,
    /// `/FHIR/R5`: an OperationOutcome.
    Fhir,
}

impl ApiStyle {
    /// The style of the API a path belongs to.
    pub fn of_path(path: &str) -> ApiStyle {
        // `/fhir/r5` is the spelling jupyterhealth-client uses.
        let prefix = path.get(..5).map(str::to_ascii_lowercase);
        if prefix.as_deref() == Some("/fhir") {
            ApiStyle::Fhir
        } else {
            ApiStyle::Admin
        }
    }
}

/// The message of a missing, invalid or expired bearer token, as the reference words it.
pub const NOT_AUTHENTICATED: &str = "Authentication credentials were not provided.";
/// The default refusal, as the reference words it.
pub const NOT_PERMITTED: &str = "You do not have permission to perform this action.";

/// An error answered by the Admin or FHIR API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("invalid fields: {0:?}")]
    Fields(BTreeMap<String, Vec<String>>),
    #[error("{NOT_AUTHENTICATED}")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A ready-made FHIR OperationOutcome with its status (an upload refusal that lists every violation).
    #[error("{status}: {outcome}")]
    Outcome { status: u16, outcome: serde_json::Value },
    #[error("too many requests; retry after {retry_after} s")]
    TooManyRequests { retry_after: i64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// The same error, answered in `style`.
    pub fn styled(self, style: ApiStyle) -> StyledError {
        StyledError { style, error: self }
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::Fields(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Outcome { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST)
            }
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The text shown to the client. Internal details never leave the server.
    fn public_message(&self) -> String {
        match self {
            ApiError::Internal(_) => "A server error occurred.".into(),
            ApiError::Unavailable(_) => "The service is temporarily unavailable; try again shortly.".into(),
            ApiError::Fields(fields) => fields
                .iter()
                .flat_map(|(field, messages)| messages.iter().map(move |m| format!("{field}: {m}")))
                .collect::<Vec<_>>()
                .join(" "),
            other => other.to_string(),
        }
    }

    fn render(&self, style: ApiStyle) -> HttpResponse {
        let status = self.status();
        if status.is_server_error() {
            log::error!("{self}");
        }
        let mut response = HttpResponse::build(status);
        if matches!(self, ApiError::Unauthenticated) {
            let challenge = match style {
                ApiStyle::Admin => r#"Bearer realm="api""#,
                ApiStyle::Fhir => r#"Bearer realm="fhir""#,
            };
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge)));
        }
        if let ApiError::TooManyRequests { retry_after } = self {
            response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        match (style, self) {
            (ApiStyle::Admin, ApiError::Fields(fields)) => response.json(fields),
            (_, ApiError::Outcome { outcome, .. }) => response.json(outcome),
            (ApiStyle::Admin, _) => response.json(json!({ "detail": self.public_message() })),
            // application/json, as the reference answers; FHIR clients accept it.
            (ApiStyle::Fhir, _) => response.json(operation_outcome(status, &self.public_message())),
        }
    }
}

/// A FHIR OperationOutcome with one error issue.
pub fn operation_outcome(status: StatusCode, diagnostics: &str) -> serde_json::Value {
    let code = match status.as_u16() {
        401 => "login",
        403 => "forbidden",
        404 => "not-found",
        409 => "duplicate",
        422 => "invalid",
        429 => "throttled",
        _ => "processing",
    };
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{ "severity": "error", "code": code, "diagnostics": diagnostics }]
    })
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.render(ApiStyle::Admin)
    }
}

/// An [`ApiError`] that knows which API answers it.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct StyledError {
    pub style: ApiStyle,
    pub error: ApiError,
}

impl ResponseError for StyledError {
    fn status_code(&self) -> StatusCode {
        self.error.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.error.render(self.style)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::NotFound("Not found.".into()),
            StoreError::Duplicate { constraint } => {
                ApiError::Conflict(format!("This record already exists ({constraint})."))
            }
            StoreError::Reference(_) => ApiError::BadRequest(
                "A referenced record does not exist, or the record is still in use.".into(),
            ),
            StoreError::Check(_) => ApiError::BadRequest("A value is not one of the allowed values.".into()),
            StoreError::Unavailable(detail) => ApiError::Unavailable(detail),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<jhe_consent::Denied> for ApiError {
    fn from(denied: jhe_consent::Denied) -> Self {
        ApiError::Forbidden(denied.reason)
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(format!("blocking task failed: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn body(response: HttpResponse) -> serde_json::Value {
        serde_json::from_slice(&to_bytes(response.into_body()).await.unwrap()).unwrap()
    }

    #[actix_web::test]
    async fn admin_errors_use_the_detail_shape_and_fhir_errors_an_operation_outcome() {
        let admin = ApiError::Forbidden("no".into()).render(ApiStyle::Admin);
        assert_eq!(admin.status(), 403);
        assert_eq!(body(admin).await, json!({"detail": "no"}));
        let fhir = ApiError::NotFound("gone".into()).render(ApiStyle::Fhir);
        assert_eq!(fhir.status(), 404);
        let outcome = body(fhir).await;
        assert_eq!(outcome["resourceType"], "OperationOutcome");
        assert_eq!(outcome["issue"][0]["diagnostics"], "gone");
    }

    #[actix_web::test]
    async fn unauthenticated_answers_carry_a_bearer_challenge_in_both_styles() {
        for style in [ApiStyle::Admin, ApiStyle::Fhir] {
            let response = ApiError::Unauthenticated.render(style);
            assert_eq!(response.status(), 401);
            let challenge = response
                .headers()
                .get(header::WWW_AUTHENTICATE)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            assert!(challenge.starts_with("Bearer"), "{challenge}");
        }
    }

    #[actix_web::test]
    async fn internal_details_stay_on_the_server() {
        let response = ApiError::Internal("SELECT secret FROM keys failed".into()).render(ApiStyle::Admin);
        assert_eq!(response.status(), 500);
        let text = body(response).await.to_string();
        assert!(!text.contains("secret"), "{text}");
    }

    #[test]
    fn paths_choose_their_style() {
        assert_eq!(ApiStyle::of_path("/FHIR/R5/Observation"), ApiStyle::Fhir);
        assert_eq!(ApiStyle::of_path("/fhir/r5/Observation"), ApiStyle::Fhir);
        assert_eq!(ApiStyle::of_path("/api/v1/patients"), ApiStyle::Admin);
    }
}
