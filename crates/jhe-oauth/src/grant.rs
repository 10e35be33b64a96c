//! The token endpoint's rules (`POST /o/token/`, RFC 6749 §4.1.3, §4.4, §6), free of storage: reading the
//! grant and the client's credentials from the request, checking an authorization code's redemption, the error
//! bodies, and the success body.

use std::collections::HashMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::pkce;

/// Lifetime of an authorization code, in seconds (the reference's value).
pub const CODE_LIFETIME_SECS: i64 = 60;

/// Default access-token lifetime: 14 days, as the reference (`expires_in: 1209600`).
pub const ACCESS_TOKEN_LIFETIME_SECS: i64 = 1_209_600;

/// Default ID-token lifetime: 10 hours, as the reference.
pub const ID_TOKEN_LIFETIME_SECS: i64 = 36_000;

/// The `token_type` of every access token.
pub const BEARER: &str = "Bearer";

/// The reason [`check_code_redemption`] gives for a code that was already used. The HTTP layer revokes every
/// token issued from the code when it sees it (RFC 6749 §4.1.2); see [`TokenError::is_code_reuse`].
pub const CODE_REUSED: &str = "reused";

/// A `WWW-Authenticate` value for a 401 `invalid_client` answer to a client that used HTTP Basic.
pub const BASIC_CHALLENGE: &str = "Basic realm=\"token\"";

/// Grant types this server knows but never registers a client for: asking for them is `unauthorized_client`
/// (the reference answers `password` that way, transcript 13), not `unsupported_grant_type`.
pub const KNOWN_UNREGISTERED_GRANT_TYPES: &[&str] = &[
    "password",
    "implicit",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
];

/// An error of the token endpoint, with its RFC 6749 §5.2 code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// A parameter is missing, repeated or malformed (400).
    #[error("invalid_request: {0}")]
    InvalidRequest(String),
    /// The client could not be authenticated (401). `basic` says whether it tried HTTP Basic, in which case the
    /// answer carries `WWW-Authenticate` ([`BASIC_CHALLENGE`]).
    #[error("invalid_client")]
    InvalidClient {
        /// Whether the client used the `Authorization` header.
        basic: bool,
    },
    /// The code or refresh token is invalid, expired, used, revoked, or was issued to another client or redirect
    /// URI (400). The reason is for logs only: the body is exactly `{"error":"invalid_grant"}`.
    #[error("invalid_grant: {0}")]
    InvalidGrant(String),
    /// The client is not registered for this grant type (400).
    #[error("unauthorized_client")]
    UnauthorizedClient,
    /// The grant type is unknown (400).
    #[error("unsupported_grant_type")]
    UnsupportedGrantType,
    /// The requested scope is unknown or exceeds what was granted (400).
    #[error("invalid_scope: {0}")]
    InvalidScope(String),
}

/// The JSON body of a token-endpoint error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenErrorBody {
    /// The RFC 6749 error code.
    pub error: &'static str,
    /// A description, for `invalid_request` and `invalid_scope` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

impl TokenError {
    /// The RFC 6749 error code.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::InvalidRequest(_) => "invalid_request",
            TokenError::InvalidClient { .. } => "invalid_client",
            TokenError::InvalidGrant(_) => "invalid_grant",
            TokenError::UnauthorizedClient => "unauthorized_client",
            TokenError::UnsupportedGrantType => "unsupported_grant_type",
            TokenError::InvalidScope(_) => "invalid_scope",
        }
    }

    /// The `error_description` sent to the client: only for `invalid_request` and `invalid_scope`. Other errors
    /// keep the reference's bare `{"error": …}` shape (and do not tell an attacker why a code failed).
    pub fn description(&self) -> Option<String> {
        match self {
            TokenError::InvalidRequest(d) | TokenError::InvalidScope(d) => Some(d.clone()),
            _ => None,
        }
    }

    /// The HTTP status: 401 for `invalid_client`, 400 otherwise.
    pub fn status(&self) -> u16 {
        match self {
            TokenError::InvalidClient { .. } => 401,
            _ => 400,
        }
    }

    /// The `WWW-Authenticate` header to send, when the client tried HTTP Basic and failed.
    pub fn www_authenticate(&self) -> Option<&'static str> {
        match self {
            TokenError::InvalidClient { basic: true } => Some(BASIC_CHALLENGE),
            _ => None,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> TokenErrorBody {
        TokenErrorBody {
            error: self.code(),
            error_description: self.description(),
        }
    }

    /// Whether this is a replayed authorization code, after which every token issued from the code is revoked.
    pub fn is_code_reuse(&self) -> bool {
        matches!(self, TokenError::InvalidGrant(reason) if reason == CODE_REUSED)
    }
}

/// A token request's grant.
#[derive(Clone, PartialEq, Eq)]
pub enum GrantRequest {
    /// `grant_type=authorization_code`.
    AuthorizationCode {
        /// The code.
        code: String,
        /// The redirect URI the code was issued for.
        redirect_uri: Option<String>,
        /// The PKCE verifier.
        code_verifier: Option<String>,
    },
    /// `grant_type=refresh_token`.
    RefreshToken {
        /// The refresh token.
        refresh_token: String,
        /// A narrower scope, if asked for.
        scope: Option<String>,
    },
    /// `grant_type=client_credentials`.
    ClientCredentials {
        /// The requested scope.
        scope: Option<String>,
    },
}

impl fmt::Debug for GrantRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GrantRequest::AuthorizationCode {
                redirect_uri,
                code_verifier,
                ..
            } => f
                .debug_struct("AuthorizationCode")
                .field("code", &"<redacted>")
                .field("redirect_uri", redirect_uri)
                .field("code_verifier", &code_verifier.as_ref().map(|_| "<redacted>"))
                .finish(),
            GrantRequest::RefreshToken { scope, .. } => f
                .debug_struct("RefreshToken")
                .field("refresh_token", &"<redacted>")
                .field("scope", scope)
                .finish(),
            GrantRequest::ClientCredentials { scope } => {
                f.debug_struct("ClientCredentials").field("scope", scope).finish()
            }
        }
    }
}

/// A form value that is present and not empty.
fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    form.get(name).map(String::as_str).filter(|v| !v.is_empty())
}

/// Reads the grant of a token request from its form fields.
pub fn parse_grant(form: &HashMap<String, String>) -> Result<GrantRequest, TokenError> {
    let owned = |name: &str| field(form, name).map(str::to_owned);
    let required =
        |name: &str| owned(name).ok_or_else(|| TokenError::InvalidRequest(format!("{name} is required")));
    match field(form, "grant_type") {
        None => Err(TokenError::InvalidRequest("grant_type is required".into())),
        Some("authorization_code") => Ok(GrantRequest::AuthorizationCode {
            code: required("code")?,
            redirect_uri: owned("redirect_uri"),
            code_verifier: owned("code_verifier"),
        }),
        Some("refresh_token") => Ok(GrantRequest::RefreshToken {
            refresh_token: required("refresh_token")?,
            scope: owned("scope"),
        }),
        Some("client_credentials") => Ok(GrantRequest::ClientCredentials {
            scope: owned("scope"),
        }),
        Some(other) if KNOWN_UNREGISTERED_GRANT_TYPES.contains(&other) => Err(TokenError::UnauthorizedClient),
        Some(_) => Err(TokenError::UnsupportedGrantType),
    }
}

/// The client credentials a token request presents.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCredentialsPresented {
    /// The client's public id.
    pub client_id: String,
    /// Its secret; `None` for a public client (or an empty secret).
    pub secret: Option<String>,
    /// Whether they came in the `Authorization: Basic` header (`client_secret_basic`) rather than the form.
    pub via_basic: bool,
}

impl fmt::Debug for ClientCredentialsPresented {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentialsPresented")
            .field("client_id", &self.client_id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("via_basic", &self.via_basic)
            .finish()
    }
}

/// Standard base64 that accepts the padding being left out (some clients strip it).
const BASIC_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Reads the client's credentials: HTTP Basic (`client_secret_basic`, with the id and secret form-urlencoded
/// inside as RFC 6749 §2.3.1 requires) or the `client_id`/`client_secret` form fields (`client_secret_post`, or
/// a public client's bare `client_id`). `Ok(None)` when the request names no client.
///
/// Refused: a malformed Basic header (`invalid_client`, 401); a secret both in the header and in the form, a
/// form `client_id` different from the header's, or a form secret without a form `client_id`
/// (`invalid_request`). An `Authorization` header with another scheme is ignored.
pub fn client_credentials_from(
    authorization_header: Option<&str>,
    form: &HashMap<String, String>,
) -> Result<Option<ClientCredentialsPresented>, TokenError> {
    let form_id = field(form, "client_id");
    let form_secret = field(form, "client_secret");

    if let Some((id, secret)) = authorization_header.and_then(basic_credentials).transpose()? {
        if form_secret.is_some() {
            return Err(TokenError::InvalidRequest(
                "client credentials must be sent either in the Authorization header or in the form, not both"
                    .into(),
            ));
        }
        if form_id.is_some_and(|form_id| form_id != id) {
            return Err(TokenError::InvalidRequest(
                "client_id in the form does not match the Authorization header".into(),
            ));
        }
        return Ok(Some(ClientCredentialsPresented {
            client_id: id,
            secret: Some(secret).filter(|s| !s.is_empty()),
            via_basic: true,
        }));
    }

    match (form_id, form_secret) {
        (Some(id), secret) => Ok(Some(ClientCredentialsPresented {
            client_id: id.to_owned(),
            secret: secret.map(str::to_owned),
            via_basic: false,
        })),
        (None, Some(_)) => Err(TokenError::InvalidRequest(
            "client_secret was sent without client_id".into(),
        )),
        (None, None) => Ok(None),
    }
}

/// Decodes `Basic <base64(urlencode(id):urlencode(secret))>`. `None` for another scheme.
fn basic_credentials(header: &str) -> Option<Result<(String, String), TokenError>> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let invalid = TokenError::InvalidClient { basic: true };
    let decoded = BASIC_BASE64
        .decode(rest.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let parsed = decoded.and_then(|text| {
        let (id, secret) = text.split_once(':')?;
        Some((form_decode(id)?, form_decode(secret)?))
    });
    Some(match parsed {
        Some((id, secret)) if !id.is_empty() => Ok((id, secret)),
        _ => Err(invalid),
    })
}

/// `application/x-www-form-urlencoded` decoding of one value: `+` is a space, `%XX` a byte; the result must be
/// UTF-8. `None` for a malformed escape.
fn form_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let text = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(text, 16).ok()?);
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// An authorization code as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCode {
    /// The public id of the client it was issued to.
    pub client_id: String,
    /// The redirect URI it was issued for.
    pub redirect_uri: String,
    /// The PKCE `S256` challenge.
    pub code_challenge: String,
    /// When it stops being redeemable (issue time + [`CODE_LIFETIME_SECS`]).
    pub expires_at: DateTime<Utc>,
    /// Whether it was already redeemed.
    pub consumed: bool,
}

/// Checks the redemption of an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.6), in this order:
///
/// 1. already consumed → `invalid_grant` with reason [`CODE_REUSED`] (revoke the tokens issued from it);
/// 2. expired (`now >= expires_at`) → `invalid_grant`;
/// 3. issued to another client → `invalid_grant`;
/// 4. `redirect_uri` missing or not exactly the one the code was issued for → `invalid_grant`;
/// 5. `code_verifier` missing → `invalid_request`;
/// 6. `code_verifier` malformed or not matching the challenge → `invalid_grant`.
///
/// The store should mark the code consumed in the same transaction as this check, whatever its outcome, so that
/// a code can be tried only once.
pub fn check_code_redemption(
    stored: &StoredCode,
    presenting_client_id: &str,
    redirect_uri: Option<&str>,
    code_verifier: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), TokenError> {
    let invalid = |reason: &str| TokenError::InvalidGrant(reason.to_owned());
    if stored.consumed {
        return Err(invalid(CODE_REUSED));
    }
    if now >= stored.expires_at {
        return Err(invalid("the authorization code has expired"));
    }
    if stored.client_id != presenting_client_id {
        return Err(invalid("the authorization code was issued to another client"));
    }
    if redirect_uri != Some(stored.redirect_uri.as_str()) {
        return Err(invalid(
            "redirect_uri is missing or differs from the authorization request",
        ));
    }
    let verifier = code_verifier
        .filter(|v| !v.is_empty())
        .ok_or_else(|| TokenError::InvalidRequest("code_verifier required".into()))?;
    pkce::verify_s256(verifier, &stored.code_challenge).map_err(|e| invalid(&e.to_string()))
}

/// Checks the `scope` of a refresh request against the scope originally granted (RFC 6749 §6): it may only
/// narrow it. Returns the scope of the new tokens (the original when none is asked for).
pub fn check_refresh_scope(granted: &str, requested: Option<&str>) -> Result<String, TokenError> {
    let Some(requested) = requested.filter(|r| !r.trim().is_empty()) else {
        return Ok(granted.to_owned());
    };
    let granted_items: Vec<&str> = granted.split_ascii_whitespace().collect();
    let mut kept: Vec<&str> = Vec::new();
    for item in requested.split_ascii_whitespace() {
        if !granted_items.contains(&item) {
            return Err(TokenError::InvalidScope(format!(
                "\"{item}\" was not granted originally"
            )));
        }
        if !kept.contains(&item) {
            kept.push(item);
        }
    }
    Ok(kept.join(" "))
}

/// The success body of the token endpoint, fields in the reference's order (transcript 11).
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Always [`BEARER`].
    pub token_type: &'static str,
    /// The granted scope.
    pub scope: String,
    /// A refresh token, for the authorization-code and refresh grants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// An ID token, when `openid` was granted and there is a user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// SMART: the patient in context (the id of a patient user's own record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient: Option<String>,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .field("token_type", &self.token_type)
            .field("scope", &self.scope)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("id_token", &self.id_token.as_ref().map(|_| "<redacted>"))
            .field("patient", &self.patient)
            .finish()
    }
}

/// How long the things the authorization server issues live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    /// Access tokens, in seconds. Default [`ACCESS_TOKEN_LIFETIME_SECS`] (14 days).
    pub access_token_secs: i64,
    /// ID tokens, in seconds. Default [`ID_TOKEN_LIFETIME_SECS`] (10 hours).
    pub id_token_secs: i64,
    /// Refresh tokens, in seconds; `None` (the default, as the reference) means they do not expire but are
    /// rotated on every use.
    pub refresh_token_secs: Option<i64>,
    /// Authorization codes, in seconds. Default [`CODE_LIFETIME_SECS`].
    pub code_secs: i64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            access_token_secs: ACCESS_TOKEN_LIFETIME_SECS,
            id_token_secs: ID_TOKEN_LIFETIME_SECS,
            refresh_token_secs: None,
            code_secs: CODE_LIFETIME_SECS,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    const CALLBACK: &str = "http://localhost:8000/auth/callback";

    fn issued_at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 17, 59, 37).unwrap()
    }

    fn stored() -> StoredCode {
        StoredCode {
            client_id: "client-a".into(),
            redirect_uri: CALLBACK.into(),
            code_challenge: CHALLENGE.into(),
            expires_at: issued_at() + Duration::seconds(CODE_LIFETIME_SECS),
            consumed: false,
        }
    }

    fn redeem(
        code: &StoredCode,
        client: &str,
        redirect: Option<&str>,
        verifier: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), TokenError> {
        check_code_redemption(code, client, redirect, verifier, now)
    }

    #[test]
    fn the_password_grant_is_unauthorized_client_as_in_transcript_13() {
        let err = parse_grant(&form(&[
            ("grant_type", "password"),
            ("username", "manager_mary@example.com"),
            ("password", "x"),
        ]))
        .unwrap_err();
        assert_eq!(err, TokenError::UnauthorizedClient);
        assert_eq!(
            serde_json::to_string(&err.body()).unwrap(),
            r#"{"error":"unauthorized_client"}"#
        );
        assert_eq!(err.status(), 400);
        for known in KNOWN_UNREGISTERED_GRANT_TYPES {
            assert_eq!(
                parse_grant(&form(&[("grant_type", known)])),
                Err(TokenError::UnauthorizedClient)
            );
        }
    }

    #[test]
    fn an_unknown_grant_type_is_unsupported() {
        let err = parse_grant(&form(&[("grant_type", "magic")])).unwrap_err();
        assert_eq!(err, TokenError::UnsupportedGrantType);
        assert_eq!(err.code(), "unsupported_grant_type");
    }

    #[test]
    fn missing_grant_fields_are_invalid_request() {
        assert_eq!(parse_grant(&form(&[])).unwrap_err().code(), "invalid_request");
        assert_eq!(
            parse_grant(&form(&[("grant_type", "")])).unwrap_err().code(),
            "invalid_request"
        );
        assert_eq!(
            parse_grant(&form(&[("grant_type", "authorization_code")])),
            Err(TokenError::InvalidRequest("code is required".into()))
        );
        assert_eq!(
            parse_grant(&form(&[("grant_type", "refresh_token"), ("refresh_token", "")])),
            Err(TokenError::InvalidRequest("refresh_token is required".into()))
        );
    }

    #[test]
    fn grants_parse_with_their_fields() {
        assert_eq!(
            parse_grant(&form(&[
                ("grant_type", "authorization_code"),
                ("code", "c"),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ]))
            .unwrap(),
            GrantRequest::AuthorizationCode {
                code: "c".into(),
                redirect_uri: Some(CALLBACK.into()),
                code_verifier: Some(VERIFIER.into()),
            }
        );
        assert_eq!(
            parse_grant(&form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", "r"),
                ("scope", "openid")
            ]))
            .unwrap(),
            GrantRequest::RefreshToken {
                refresh_token: "r".into(),
                scope: Some("openid".into()),
            }
        );
        assert_eq!(
            parse_grant(&form(&[("grant_type", "client_credentials")])).unwrap(),
            GrantRequest::ClientCredentials { scope: None }
        );
    }

    #[test]
    fn grant_requests_redact_their_secrets_in_debug() {
        let grant = parse_grant(&form(&[
            ("grant_type", "authorization_code"),
            ("code", "SECRETCODE"),
            ("code_verifier", "SECRETVERIFIER"),
        ]))
        .unwrap();
        let text = format!("{grant:?}");
        assert!(!text.contains("SECRET"), "{text}");
    }

    #[test]
    fn basic_client_credentials_are_base64_and_form_decoded() {
        // id "my client", secret "p@ss:w+rd/é" form-urlencoded, then base64: RFC 6749 §2.3.1.
        let inner = "my+client:p%40ss%3Aw%2Brd%2F%C3%A9";
        let header = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(inner)
        );
        let creds = client_credentials_from(Some(&header), &form(&[]))
            .unwrap()
            .unwrap();
        assert_eq!(creds.client_id, "my client");
        assert_eq!(creds.secret.as_deref(), Some("p@ss:w+rd/é"));
        assert!(creds.via_basic);
        assert!(!format!("{creds:?}").contains("p@ss"));
    }

    #[test]
    fn basic_credentials_accept_a_missing_padding_and_a_lowercase_scheme() {
        let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode("abc:defgh");
        let creds = client_credentials_from(Some(&format!("basic {encoded}")), &form(&[]))
            .unwrap()
            .unwrap();
        assert_eq!(
            (creds.client_id.as_str(), creds.secret.as_deref()),
            ("abc", Some("defgh"))
        );
        // A public client using Basic with an empty secret.
        let encoded = base64::engine::general_purpose::STANDARD.encode("abc:");
        let creds = client_credentials_from(Some(&format!("Basic {encoded}")), &form(&[]))
            .unwrap()
            .unwrap();
        assert_eq!(creds.secret, None);
    }

    #[test]
    fn malformed_basic_credentials_are_invalid_client_with_a_challenge() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        for header in [
            "Basic !!!".to_owned(),
            format!("Basic {}", b64("no-colon")),
            format!("Basic {}", b64(":secret")),
            format!("Basic {}", b64("id:%zz")),
            format!("Basic {}", b64("id:%4")),
        ] {
            let err = client_credentials_from(Some(&header), &form(&[])).unwrap_err();
            assert_eq!(err, TokenError::InvalidClient { basic: true }, "{header}");
            assert_eq!(err.status(), 401);
            assert_eq!(err.www_authenticate(), Some(BASIC_CHALLENGE));
        }
    }

    #[test]
    fn form_credentials_and_public_clients() {
        let creds = client_credentials_from(None, &form(&[("client_id", "abc"), ("client_secret", "s")]))
            .unwrap()
            .unwrap();
        assert_eq!(
            (creds.client_id.as_str(), creds.secret.as_deref(), creds.via_basic),
            ("abc", Some("s"), false)
        );
        let public = client_credentials_from(None, &form(&[("client_id", "abc")]))
            .unwrap()
            .unwrap();
        assert_eq!(public.secret, None);
        assert_eq!(client_credentials_from(None, &form(&[])).unwrap(), None);
        // A bearer header at the token endpoint is not client authentication.
        assert_eq!(
            client_credentials_from(Some("Bearer xyz"), &form(&[])).unwrap(),
            None
        );
    }

    #[test]
    fn conflicting_client_credentials_are_invalid_request() {
        let header = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("abc:s")
        );
        assert_eq!(
            client_credentials_from(Some(&header), &form(&[("client_id", "other")]))
                .unwrap_err()
                .code(),
            "invalid_request"
        );
        assert_eq!(
            client_credentials_from(Some(&header), &form(&[("client_secret", "s")]))
                .unwrap_err()
                .code(),
            "invalid_request"
        );
        assert_eq!(
            client_credentials_from(None, &form(&[("client_secret", "s")]))
                .unwrap_err()
                .code(),
            "invalid_request"
        );
        // The same id in both places is fine.
        let creds = client_credentials_from(Some(&header), &form(&[("client_id", "abc")]))
            .unwrap()
            .unwrap();
        assert!(creds.via_basic);
    }

    #[test]
    fn a_valid_code_redeems() {
        assert_eq!(
            redeem(&stored(), "client-a", Some(CALLBACK), Some(VERIFIER), issued_at()),
            Ok(())
        );
    }

    #[test]
    fn a_replayed_code_is_a_bare_invalid_grant_flagged_as_reuse() {
        let code = StoredCode {
            consumed: true,
            ..stored()
        };
        let err = redeem(&code, "client-a", Some(CALLBACK), Some(VERIFIER), issued_at()).unwrap_err();
        assert!(err.is_code_reuse());
        assert_eq!(err, TokenError::InvalidGrant(CODE_REUSED.into()));
        // Transcript 12.
        assert_eq!(
            serde_json::to_string(&err.body()).unwrap(),
            r#"{"error":"invalid_grant"}"#
        );
        // Reuse is reported even when everything else is wrong too.
        let late = issued_at() + Duration::hours(1);
        assert!(
            redeem(&code, "client-b", None, None, late)
                .unwrap_err()
                .is_code_reuse()
        );
    }

    #[test]
    fn a_code_expires_exactly_at_its_expiry_time() {
        let code = stored();
        let last_valid = code.expires_at - Duration::milliseconds(1);
        assert_eq!(
            redeem(&code, "client-a", Some(CALLBACK), Some(VERIFIER), last_valid),
            Ok(())
        );
        let err = redeem(&code, "client-a", Some(CALLBACK), Some(VERIFIER), code.expires_at).unwrap_err();
        assert_eq!(err.code(), "invalid_grant");
        assert!(!err.is_code_reuse());
        assert_eq!(issued_at() + Duration::seconds(60), code.expires_at);
    }

    #[test]
    fn a_code_of_another_client_is_invalid_grant() {
        let err = redeem(&stored(), "client-b", Some(CALLBACK), Some(VERIFIER), issued_at()).unwrap_err();
        assert_eq!(err.code(), "invalid_grant");
        assert_eq!(err.description(), None);
    }

    #[test]
    fn the_redirect_uri_must_be_present_and_identical() {
        for redirect in [
            None,
            Some(""),
            Some("http://localhost:8000/auth/callback/"),
            Some("https://evil.example/"),
        ] {
            let err = redeem(&stored(), "client-a", redirect, Some(VERIFIER), issued_at()).unwrap_err();
            assert_eq!(err.code(), "invalid_grant", "{redirect:?}");
        }
    }

    #[test]
    fn a_missing_verifier_is_invalid_request_and_a_wrong_one_invalid_grant() {
        assert_eq!(
            redeem(&stored(), "client-a", Some(CALLBACK), None, issued_at()),
            Err(TokenError::InvalidRequest("code_verifier required".into()))
        );
        let wrong = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK";
        assert_eq!(
            redeem(&stored(), "client-a", Some(CALLBACK), Some(wrong), issued_at())
                .unwrap_err()
                .code(),
            "invalid_grant"
        );
        assert_eq!(
            redeem(&stored(), "client-a", Some(CALLBACK), Some("short"), issued_at())
                .unwrap_err()
                .code(),
            "invalid_grant"
        );
    }

    #[test]
    fn error_bodies_describe_only_request_and_scope_errors() {
        let body = |e: TokenError| serde_json::to_value(e.body()).unwrap();
        assert_eq!(
            body(TokenError::InvalidRequest("code is required".into())),
            serde_json::json!({"error": "invalid_request", "error_description": "code is required"})
        );
        assert_eq!(
            body(TokenError::InvalidScope("x".into())),
            serde_json::json!({"error": "invalid_scope", "error_description": "x"})
        );
        assert_eq!(
            body(TokenError::InvalidGrant("expired".into())),
            serde_json::json!({"error": "invalid_grant"})
        );
        assert_eq!(
            body(TokenError::InvalidClient { basic: false }),
            serde_json::json!({"error": "invalid_client"})
        );
        assert_eq!(
            TokenError::InvalidClient { basic: false }.www_authenticate(),
            None
        );
        assert_eq!(
            TokenError::InvalidGrant("expired".into()).to_string(),
            "invalid_grant: expired"
        );
    }

    #[test]
    fn refresh_scope_may_only_narrow() {
        assert_eq!(check_refresh_scope("openid email", None).unwrap(), "openid email");
        assert_eq!(
            check_refresh_scope("openid email", Some("")).unwrap(),
            "openid email"
        );
        assert_eq!(
            check_refresh_scope("openid email", Some("email email")).unwrap(),
            "email"
        );
        assert_eq!(
            check_refresh_scope("openid email", Some("openid admin"))
                .unwrap_err()
                .code(),
            "invalid_scope"
        );
    }

    #[test]
    fn the_token_response_serializes_in_the_reference_field_order() {
        let response = TokenResponse {
            access_token: "a".into(),
            expires_in: 1_209_600,
            token_type: BEARER,
            scope: "openid email".into(),
            refresh_token: Some("r".into()),
            id_token: Some("i".into()),
            patient: None,
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"access_token":"a","expires_in":1209600,"token_type":"Bearer","scope":"openid email","refresh_token":"r","id_token":"i"}"#
        );
        let with_patient = TokenResponse {
            refresh_token: None,
            id_token: None,
            patient: Some("40001".into()),
            ..response
        };
        assert_eq!(
            serde_json::to_string(&with_patient).unwrap(),
            r#"{"access_token":"a","expires_in":1209600,"token_type":"Bearer","scope":"openid email","patient":"40001"}"#
        );
        assert!(!format!("{with_patient:?}").contains("\"a\""));
    }

    #[test]
    fn default_lifetimes_are_the_references() {
        let lifetimes = Lifetimes::default();
        assert_eq!(lifetimes.access_token_secs, 1_209_600);
        assert_eq!(lifetimes.id_token_secs, 36_000);
        assert_eq!(lifetimes.refresh_token_secs, None);
        assert_eq!(lifetimes.code_secs, 60);
    }
}
