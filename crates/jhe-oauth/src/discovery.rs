//! The discovery documents: OpenID Connect (`/o/.well-known/openid-configuration`) and SMART App Launch
//! (`/FHIR/R5/.well-known/smart-configuration`). They advertise only what the server does.

use serde_json::{Value, json};

use crate::scope::SUPPORTED_NON_RESOURCE_SCOPES;

/// SMART resource scopes named in `scopes_supported` as examples; any resource type and the v1 and v2
/// permission forms are accepted.
pub const REPRESENTATIVE_SMART_SCOPES: &[&str] = &[
    "patient/*.rs",
    "patient/*.cruds",
    "patient/*.read",
    "patient/*.*",
    "patient/Observation.rs",
    "patient/Observation.c",
    "user/*.rs",
    "user/*.cruds",
    "user/*.read",
    "user/*.*",
    "user/Observation.rs",
    "user/Patient.rs",
];

/// Grant types the token endpoint serves.
pub const GRANT_TYPES_SUPPORTED: &[&str] = &["authorization_code", "refresh_token", "client_credentials"];

/// Client authentication methods the token endpoint accepts (`none`: a public client with PKCE).
pub const TOKEN_ENDPOINT_AUTH_METHODS: &[&str] = &["client_secret_basic", "client_secret_post", "none"];

/// The SMART capabilities this server has. Not claimed: EHR launch and its contexts, and granular v2 scopes with
/// constraints.
pub const SMART_CAPABILITIES: &[&str] = &[
    "launch-standalone",
    "client-public",
    "client-confidential-symmetric",
    "sso-openid-connect",
    "context-standalone-patient",
    "permission-offline",
    "permission-patient",
    "permission-user",
    "permission-v1",
    "permission-v2",
];

/// Claims the ID token and userinfo can carry.
pub const CLAIMS_SUPPORTED: &[&str] = &[
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "email",
    "fhirUser",
];

struct Endpoints {
    issuer: String,
    authorization: String,
    token: String,
    userinfo: String,
    jwks: String,
    introspection: String,
    revocation: String,
    end_session: String,
}

fn endpoints(site_url: &str) -> Endpoints {
    let site = site_url.trim_end_matches('/');
    Endpoints {
        issuer: format!("{site}/o"),
        authorization: format!("{site}/o/authorize/"),
        token: format!("{site}/o/token/"),
        userinfo: format!("{site}/o/userinfo/"),
        jwks: format!("{site}/o/.well-known/jwks.json"),
        introspection: format!("{site}/o/introspect/"),
        revocation: format!("{site}/o/revoke_token/"),
        end_session: format!("{site}/accounts/logout/"),
    }
}

/// Every scope named in `scopes_supported`.
pub fn scopes_supported() -> Vec<&'static str> {
    SUPPORTED_NON_RESOURCE_SCOPES
        .iter()
        .chain(REPRESENTATIVE_SMART_SCOPES)
        .copied()
        .collect()
}

/// The OpenID Connect discovery document for a server at `site_url` (scheme, host and port, no path; a
/// trailing slash is ignored).
pub fn openid_configuration(site_url: &str) -> Value {
    let e = endpoints(site_url);
    json!({
        "issuer": e.issuer,
        "authorization_endpoint": e.authorization,
        "token_endpoint": e.token,
        "userinfo_endpoint": e.userinfo,
        "jwks_uri": e.jwks,
        "introspection_endpoint": e.introspection,
        "revocation_endpoint": e.revocation,
        "end_session_endpoint": e.end_session,
        "scopes_supported": scopes_supported(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": GRANT_TYPES_SUPPORTED,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": TOKEN_ENDPOINT_AUTH_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": CLAIMS_SUPPORTED,
        "prompt_values_supported": ["none", "login"],
        "client_id_metadata_document_supported": false,
    })
}

/// The SMART App Launch discovery document. `_fhir_base` is the FHIR base it is served under; every FHIR base of
/// this server shares one authorization server, so the document does not depend on it.
pub fn smart_configuration(site_url: &str, _fhir_base: &str) -> Value {
    let e = endpoints(site_url);
    json!({
        "issuer": e.issuer,
        "jwks_uri": e.jwks,
        "authorization_endpoint": e.authorization,
        "token_endpoint": e.token,
        "userinfo_endpoint": e.userinfo,
        "introspection_endpoint": e.introspection,
        "revocation_endpoint": e.revocation,
        "grant_types_supported": GRANT_TYPES_SUPPORTED,
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": TOKEN_ENDPOINT_AUTH_METHODS,
        "scopes_supported": scopes_supported(),
        "capabilities": SMART_CAPABILITIES,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::RequestedScopes;

    #[test]
    fn the_openid_configuration_advertises_exactly_what_is_implemented() {
        let doc = openid_configuration("http://localhost:8000/");
        let mut scopes = vec![
            "openid",
            "email",
            "profile",
            "fhirUser",
            "offline_access",
            "launch",
            "launch/patient",
        ];
        scopes.extend_from_slice(REPRESENTATIVE_SMART_SCOPES);
        assert_eq!(
            doc,
            json!({
                "issuer": "http://localhost:8000/o",
                "authorization_endpoint": "http://localhost:8000/o/authorize/",
                "token_endpoint": "http://localhost:8000/o/token/",
                "userinfo_endpoint": "http://localhost:8000/o/userinfo/",
                "jwks_uri": "http://localhost:8000/o/.well-known/jwks.json",
                "introspection_endpoint": "http://localhost:8000/o/introspect/",
                "revocation_endpoint": "http://localhost:8000/o/revoke_token/",
                "end_session_endpoint": "http://localhost:8000/accounts/logout/",
                "scopes_supported": scopes,
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
                "code_challenge_methods_supported": ["S256"],
                "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "email", "fhirUser"],
                "prompt_values_supported": ["none", "login"],
                "client_id_metadata_document_supported": false,
            })
        );
        assert_eq!(openid_configuration("http://localhost:8000"), doc);
    }

    #[test]
    fn the_smart_configuration_claims_no_ehr_launch() {
        let doc = smart_configuration("https://jhe.example.org", "https://jhe.example.org/FHIR/R5");
        assert_eq!(doc["issuer"], "https://jhe.example.org/o");
        assert_eq!(
            doc["authorization_endpoint"],
            "https://jhe.example.org/o/authorize/"
        );
        assert_eq!(doc["token_endpoint"], "https://jhe.example.org/o/token/");
        assert_eq!(doc["jwks_uri"], "https://jhe.example.org/o/.well-known/jwks.json");
        assert_eq!(
            doc["introspection_endpoint"],
            "https://jhe.example.org/o/introspect/"
        );
        assert_eq!(
            doc["revocation_endpoint"],
            "https://jhe.example.org/o/revoke_token/"
        );
        assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(doc["response_types_supported"], json!(["code"]));
        assert_eq!(
            doc["grant_types_supported"],
            json!(["authorization_code", "refresh_token", "client_credentials"])
        );
        assert_eq!(
            doc["capabilities"],
            json!([
                "launch-standalone",
                "client-public",
                "client-confidential-symmetric",
                "sso-openid-connect",
                "context-standalone-patient",
                "permission-offline",
                "permission-patient",
                "permission-user",
                "permission-v1",
                "permission-v2",
            ])
        );
        let capabilities = doc["capabilities"].to_string();
        assert!(!capabilities.contains("launch-ehr") && !capabilities.contains("context-ehr"));
    }

    #[test]
    fn every_advertised_scope_is_accepted_by_the_scope_parser() {
        for scope in scopes_supported() {
            assert!(RequestedScopes::parse(scope).is_ok(), "{scope}");
        }
    }
}
