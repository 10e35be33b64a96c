//! CORS exactly where the reference has it: the OAuth endpoints under `/o/` (except `authorize`, which a browser
//! reaches by navigation and must never be framed or fetched cross-origin), FHIR `metadata` and the SMART
//! configuration. Everything else is same-origin only.

use actix_web::http::header::{self, HeaderValue};

/// Whether a path gets the CORS headers.
pub fn is_cors_path(path: &str) -> bool {
    if path.starts_with("/o/authorize") {
        return false;
    }
    path.starts_with("/o/")
        || path == "/FHIR/R5/metadata"
        || path == "/FHIR/R5/.well-known/smart-configuration"
}

/// The headers a CORS path carries.
pub fn cors_headers() -> [(header::HeaderName, HeaderValue); 4] {
    [
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
        (
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        ),
        (
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Authorization, Content-Type"),
        ),
        (header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_covers_token_discovery_and_jwks_but_never_authorize() {
        for path in [
            "/o/token/",
            "/o/.well-known/openid-configuration",
            "/o/.well-known/jwks.json",
            "/o/userinfo/",
            "/FHIR/R5/metadata",
            "/FHIR/R5/.well-known/smart-configuration",
        ] {
            assert!(is_cors_path(path), "{path}");
        }
        for path in [
            "/o/authorize/",
            "/o/authorize",
            "/api/v1/patients",
            "/FHIR/R5/Observation",
            "/accounts/login/",
        ] {
            assert!(!is_cors_path(path), "{path}");
        }
    }
}
