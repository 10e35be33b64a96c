//! OpenID Connect ID tokens (OIDC Core §2, §3.1.3.6): the claims and their RS256 signature.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};

use crate::keys::{KeyError, SigningKey};
use crate::tokens::{b64url, sha256};

/// What an ID token says. Times are passed in; nothing here reads a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdTokenInput<'a> {
    /// `iss`: `<site>/o`.
    pub issuer: &'a str,
    /// `sub`: the user's id as a string.
    pub subject: &'a str,
    /// `aud`: the client's public id.
    pub audience: &'a str,
    /// `auth_time`: when the user last logged in.
    pub auth_time: DateTime<Utc>,
    /// `nonce` from the authorization request, if any.
    pub nonce: Option<&'a str>,
    /// The access token issued with the ID token, for `at_hash`.
    pub access_token: &'a str,
    /// `email`, when the `email` scope was granted.
    pub email: Option<&'a str>,
    /// `fhirUser` (`Patient/40001`, `Practitioner/80002`), when the `fhirUser` scope was granted.
    pub fhir_user: Option<&'a str>,
    /// `iat`.
    pub now: DateTime<Utc>,
    /// `exp` = `now` + this many seconds.
    pub lifetime_secs: i64,
    /// `jti`: a unique id (the caller makes it random).
    pub jti: &'a str,
}

/// `at_hash` for RS256: base64url of the left half of SHA-256 of the access token's ASCII bytes.
pub fn at_hash(access_token: &str) -> String {
    let digest = sha256(access_token);
    b64url(&digest[..16])
}

/// The claims of an ID token: `iss`, `sub`, `aud`, `exp`, `iat`, `auth_time` (Unix seconds), `nonce` (if any),
/// `at_hash`, `email` and `fhirUser` (if given) and `jti`.
pub fn id_token_claims(input: &IdTokenInput<'_>) -> Value {
    let mut claims = Map::new();
    let mut put = |name: &str, value: Value| {
        claims.insert(name.to_owned(), value);
    };
    put("iss", input.issuer.into());
    put("sub", input.subject.into());
    put("aud", input.audience.into());
    let exp = input
        .now
        .checked_add_signed(Duration::seconds(input.lifetime_secs))
        .unwrap_or(input.now);
    put("exp", exp.timestamp().into());
    put("iat", input.now.timestamp().into());
    put("auth_time", input.auth_time.timestamp().into());
    if let Some(nonce) = input.nonce {
        put("nonce", nonce.into());
    }
    put("at_hash", at_hash(input.access_token).into());
    if let Some(email) = input.email {
        put("email", email.into());
    }
    if let Some(fhir_user) = input.fhir_user {
        put("fhirUser", fhir_user.into());
    }
    put("jti", input.jti.into());
    Value::Object(claims)
}

/// Builds and signs an ID token.
pub fn issue_id_token(key: &SigningKey, input: &IdTokenInput<'_>) -> Result<String, KeyError> {
    key.sign_jwt(&id_token_claims(input))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::keys::tests::test_key;
    use crate::keys::verify_jwt;

    fn input<'a>() -> IdTokenInput<'a> {
        IdTokenInput {
            issuer: "http://localhost:8000/o",
            subject: "10002",
            audience: "y3wV3dV12ArKN5GwXSEa3RFA6a4k5HYhhyxXbj1y",
            auth_time: Utc.timestamp_opt(1_795_370_374, 0).unwrap(),
            nonce: None,
            access_token: "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y",
            email: Some("manager_mary@example.com"),
            fhir_user: None,
            now: Utc.timestamp_opt(1_795_370_374, 0).unwrap(),
            lifetime_secs: 36_000,
            jti: "0f9b9043-63ea-4519-85d9-4083cd4f632d",
        }
    }

    #[test]
    fn at_hash_matches_the_openid_connect_core_example() {
        // OpenID Connect Core 1.0, Appendix A.4.
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
        assert_eq!(at_hash("anything").len(), 22);
    }

    #[test]
    fn claims_have_the_reference_shape() {
        // Transcript 11's decoded claims, with this input's access token.
        assert_eq!(
            id_token_claims(&input()),
            json!({
                "iss": "http://localhost:8000/o",
                "sub": "10002",
                "aud": "y3wV3dV12ArKN5GwXSEa3RFA6a4k5HYhhyxXbj1y",
                "exp": 1_795_406_374,
                "iat": 1_795_370_374,
                "auth_time": 1_795_370_374,
                "at_hash": "77QmUPtjPfzWtF2AnpK9RQ",
                "email": "manager_mary@example.com",
                "jti": "0f9b9043-63ea-4519-85d9-4083cd4f632d",
            })
        );
    }

    #[test]
    fn nonce_and_fhir_user_are_included_when_given_and_email_left_out_when_not() {
        let claims = id_token_claims(&IdTokenInput {
            nonce: Some("n-0S6_WzA2Mj"),
            fhir_user: Some("Patient/40001"),
            email: None,
            auth_time: Utc.timestamp_opt(1_795_000_000, 0).unwrap(),
            ..input()
        });
        assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
        assert_eq!(claims["fhirUser"], "Patient/40001");
        assert_eq!(claims["auth_time"], 1_795_000_000);
        assert!(claims.get("email").is_none());
    }

    #[test]
    fn issued_id_tokens_verify_with_the_signing_key() {
        let key = test_key();
        let token = issue_id_token(key, &input()).unwrap();
        assert_eq!(verify_jwt(&token, &[key]).unwrap(), id_token_claims(&input()));
    }
}
