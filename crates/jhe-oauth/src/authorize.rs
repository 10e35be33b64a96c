//! Validation of an authorization request (`GET /o/authorize/`): RFC 6749 §4.1 with PKCE (RFC 7636), OpenID
//! Connect and SMART standalone launch.
//!
//! The order of the checks matters. The client and its redirect URI are checked first, and a problem with either
//! is shown to the user and never redirected ([`AuthorizeError::NoRedirect`]): redirecting to an unverified URI
//! would make the server an open redirector. Only once the redirect URI is known to be registered for the client
//! are the other problems sent back to it ([`AuthorizeError::Redirect`]).

use jhe_domain::{ClientType, GrantType};
use serde::Deserialize;

use crate::pkce::{self, PkceError};
use crate::scope::RequestedScopes;

/// The query of an authorization request, every parameter optional so that validation can say what is missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AuthorizeQuery {
    /// Must be `code`.
    pub response_type: Option<String>,
    /// The client's public id.
    pub client_id: Option<String>,
    /// One of the client's registered redirect URIs, exactly. May be left out when exactly one is registered.
    pub redirect_uri: Option<String>,
    /// Space-separated scopes; empty means `openid email`.
    pub scope: Option<String>,
    /// Opaque client state, returned unchanged.
    pub state: Option<String>,
    /// The PKCE `S256` challenge (required).
    pub code_challenge: Option<String>,
    /// Must be `S256`.
    pub code_challenge_method: Option<String>,
    /// OpenID Connect nonce, copied into the ID token.
    pub nonce: Option<String>,
    /// SMART: the FHIR base URL the token is meant for. Must be this server's when present.
    pub aud: Option<String>,
    /// SMART EHR launch id. This server offers no EHR launch, so a request carrying one is refused.
    pub launch: Option<String>,
    /// OpenID Connect `prompt` (`none`, `login`, …).
    pub prompt: Option<String>,
}

/// What the authorization endpoint needs to know about the client named by `client_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientRegistration<'a> {
    /// The client's public id.
    pub client_id: &'a str,
    /// Its registered redirect URIs.
    pub redirect_uris: &'a [String],
    /// The grant it is registered for.
    pub grant_type: GrantType,
    /// Public or confidential.
    pub client_type: ClientType,
}

/// Why an authorization request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeError {
    /// The client or redirect URI cannot be trusted: show an error page, never redirect.
    #[error("{error}: {description}")]
    NoRedirect {
        /// RFC 6749 error code (`invalid_client`, `invalid_request`, `unauthorized_client`).
        error: &'static str,
        /// What is wrong, for the person looking at the page.
        description: String,
    },
    /// The request is invalid, but the redirect URI is registered for the client: send the error there.
    #[error("{error}")]
    Redirect {
        /// The verified redirect URI.
        redirect_uri: String,
        /// RFC 6749 error code.
        error: &'static str,
        /// `error_description`, when there is one worth giving.
        description: Option<String>,
        /// The client's `state`, returned unchanged.
        state: Option<String>,
    },
}

impl AuthorizeError {
    /// The RFC 6749 error code.
    pub fn error_code(&self) -> &'static str {
        match self {
            AuthorizeError::NoRedirect { error, .. } | AuthorizeError::Redirect { error, .. } => error,
        }
    }

    /// The error description, if any.
    pub fn description(&self) -> Option<&str> {
        match self {
            AuthorizeError::NoRedirect { description, .. } => Some(description),
            AuthorizeError::Redirect { description, .. } => description.as_deref(),
        }
    }

    /// Where to send the user agent: `redirect_uri?error=…&error_description=…&state=…` for
    /// [`AuthorizeError::Redirect`], `None` for [`AuthorizeError::NoRedirect`] (show a page instead).
    pub fn redirect_location(&self) -> Option<String> {
        match self {
            AuthorizeError::NoRedirect { .. } => None,
            AuthorizeError::Redirect {
                redirect_uri,
                error,
                description,
                state,
            } => {
                let mut params = vec![("error", *error)];
                if let Some(description) = description {
                    params.push(("error_description", description));
                }
                if let Some(state) = state {
                    params.push(("state", state));
                }
                Some(append_query(redirect_uri, &params))
            }
        }
    }
}

/// A valid authorization request, ready for the user's login and the code to be issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAuthorization {
    /// The client's public id.
    pub client_id: String,
    /// The verified redirect URI (the one sent, or the client's only registered one). Stored with the code.
    pub redirect_uri: String,
    /// The requested scopes.
    pub scopes: RequestedScopes,
    /// The client's `state`.
    pub state: Option<String>,
    /// The PKCE `S256` challenge to store with the code.
    pub code_challenge: String,
    /// The OpenID Connect nonce to store with the code.
    pub nonce: Option<String>,
    /// `prompt=none`: the HTTP layer must not show a login page; without a session it redirects with
    /// `error=login_required`.
    pub prompt_none: bool,
    /// `prompt=login`: the HTTP layer must ask the user to log in again even with a session.
    pub prompt_login: bool,
}

impl ValidAuthorization {
    /// The success redirect: `redirect_uri?code=…&state=…`, properly encoded.
    pub fn success_location(&self, code: &str) -> String {
        let mut params = vec![("code", code)];
        if let Some(state) = &self.state {
            params.push(("state", state));
        }
        append_query(&self.redirect_uri, &params)
    }

    /// An error redirect for a problem found after validation (for example `login_required` under
    /// `prompt=none`, or `access_denied`).
    pub fn error(&self, error: &'static str, description: Option<String>) -> AuthorizeError {
        AuthorizeError::Redirect {
            redirect_uri: self.redirect_uri.clone(),
            error,
            description,
            state: self.state.clone(),
        }
    }
}

/// Validates an authorization request. `client` is the registration of the client named by `client_id`, or
/// `None` when there is no such client; `fhir_base_url` is this server's FHIR base (for `aud`).
///
/// Checks, in order: client, redirect URI and the client's grant type (errors not redirected), then
/// `response_type`, PKCE, `scope`, `aud`, `prompt` and `launch` (errors redirected to the client).
pub fn validate_authorize(
    query: &AuthorizeQuery,
    client: Option<ClientRegistration<'_>>,
    fhir_base_url: &str,
) -> Result<ValidAuthorization, AuthorizeError> {
    let no_redirect = |error: &'static str, description: &str| AuthorizeError::NoRedirect {
        error,
        description: description.to_owned(),
    };

    let client_id = present(&query.client_id)
        .ok_or_else(|| no_redirect("invalid_client", "The request has no client_id."))?;
    let client = client
        .filter(|c| c.client_id == client_id)
        .ok_or_else(|| no_redirect("invalid_client", "No client is registered with this client_id."))?;

    let redirect_uri = match present(&query.redirect_uri) {
        Some(sent) => client
            .redirect_uris
            .iter()
            .find(|registered| registered.as_str() == sent)
            .ok_or_else(|| {
                no_redirect(
                    "invalid_request",
                    "The redirect_uri is not registered for this client.",
                )
            })?
            .clone(),
        None => match client.redirect_uris {
            [only] => only.clone(),
            _ => {
                return Err(no_redirect(
                    "invalid_request",
                    "The request has no redirect_uri, and the client has more than one registered.",
                ));
            }
        },
    };

    if client.grant_type != GrantType::AuthorizationCode {
        return Err(no_redirect(
            "unauthorized_client",
            "This client is not registered for the authorization code grant.",
        ));
    }

    let state = query.state.clone();
    let redirect = |error: &'static str, description: Option<&str>| AuthorizeError::Redirect {
        redirect_uri: redirect_uri.clone(),
        error,
        description: description.map(str::to_owned),
        state: state.clone(),
    };

    match present(&query.response_type) {
        Some("code") => {}
        Some(_) => {
            return Err(redirect(
                "unsupported_response_type",
                Some("Only response_type=code is supported."),
            ));
        }
        None => return Err(redirect("invalid_request", Some("response_type is required."))),
    }

    let code_challenge = pkce::check_challenge(
        query.code_challenge.as_deref(),
        query.code_challenge_method.as_deref(),
    )
    .map_err(|e: PkceError| redirect("invalid_request", Some(&e.to_string())))?;

    // The reference sends invalid_scope without a description; keep that shape.
    let scopes = RequestedScopes::parse(query.scope.as_deref().unwrap_or(""))
        .map_err(|_| redirect("invalid_scope", None))?;

    if let Some(aud) = present(&query.aud)
        && aud.trim_end_matches('/') != fhir_base_url.trim_end_matches('/')
    {
        return Err(redirect(
            "invalid_request",
            Some("aud must be this server's FHIR base URL"),
        ));
    }

    let prompts: Vec<&str> = query
        .prompt
        .as_deref()
        .unwrap_or("")
        .split_ascii_whitespace()
        .collect();
    let prompt_none = prompts.contains(&"none");
    if prompt_none && prompts.len() > 1 {
        return Err(redirect(
            "invalid_request",
            Some("prompt=none cannot be combined with other prompt values."),
        ));
    }

    if present(&query.launch).is_some() {
        return Err(redirect(
            "invalid_request",
            Some("EHR launch is not supported; use a standalone launch without the launch parameter."),
        ));
    }

    Ok(ValidAuthorization {
        client_id: client.client_id.to_owned(),
        redirect_uri,
        scopes,
        state,
        code_challenge,
        nonce: query.nonce.clone().filter(|n| !n.is_empty()),
        prompt_none,
        prompt_login: prompts.contains(&"login"),
    })
}

/// A parameter that is present and not empty (an empty query value counts as absent).
fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// Appends form-encoded parameters to a URI's query, before any fragment, keeping what is already there.
pub(crate) fn append_query(uri: &str, params: &[(&str, &str)]) -> String {
    let (base, fragment) = match uri.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (uri, None),
    };
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        serializer.append_pair(name, value);
    }
    let encoded = serializer.finish();
    let separator = match base.find('?') {
        None => "?",
        Some(_) if base.ends_with('?') || base.ends_with('&') => "",
        Some(_) => "&",
    };
    let mut out = format!("{base}{separator}{encoded}");
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALLBACK: &str = "http://localhost:8000/auth/callback";
    const CLIENT: &str = "y3wV3dV12ArKN5GwXSEa3RFA6a4k5HYhhyxXbj1y";
    const CHALLENGE: &str = "ryLvXj88IMX4r8xQJ8ovsPecM5rppYIT749F8PbSkBQ";
    const FHIR_BASE: &str = "http://localhost:8000/FHIR/R5";

    fn uris(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn registration(redirect_uris: &[String]) -> ClientRegistration<'_> {
        ClientRegistration {
            client_id: CLIENT,
            redirect_uris,
            grant_type: GrantType::AuthorizationCode,
            client_type: ClientType::Public,
        }
    }

    /// The request of transcripts 07 and 10.
    fn reference_query() -> AuthorizeQuery {
        AuthorizeQuery {
            response_type: Some("code".into()),
            client_id: Some(CLIENT.into()),
            redirect_uri: Some(CALLBACK.into()),
            scope: Some("openid email".into()),
            state: Some("HlaZFdB9SUj1pSGx".into()),
            code_challenge: Some(CHALLENGE.into()),
            code_challenge_method: Some("S256".into()),
            ..AuthorizeQuery::default()
        }
    }

    fn validate(query: &AuthorizeQuery) -> Result<ValidAuthorization, AuthorizeError> {
        let registered = uris(&[CALLBACK]);
        validate_authorize(query, Some(registration(&registered)), FHIR_BASE)
    }

    fn assert_no_redirect(result: Result<ValidAuthorization, AuthorizeError>, code: &str) {
        match result {
            Err(e @ AuthorizeError::NoRedirect { .. }) => {
                assert_eq!(e.error_code(), code, "{e:?}");
                assert_eq!(e.redirect_location(), None);
            }
            other => panic!("expected a NoRedirect {code}, got {other:?}"),
        }
    }

    fn redirect_location(result: Result<ValidAuthorization, AuthorizeError>) -> String {
        match result {
            Err(e @ AuthorizeError::Redirect { .. }) => e.redirect_location().unwrap(),
            other => panic!("expected a Redirect error, got {other:?}"),
        }
    }

    #[test]
    fn the_reference_request_is_valid_and_redirects_with_code_and_state() {
        let valid = validate(&reference_query()).unwrap();
        assert_eq!(valid.client_id, CLIENT);
        assert_eq!(valid.redirect_uri, CALLBACK);
        assert_eq!(valid.code_challenge, CHALLENGE);
        assert_eq!(valid.scopes.to_scope_string(), "openid email");
        assert!(!valid.prompt_none && !valid.prompt_login);
        assert_eq!(
            valid.success_location("abc"),
            "http://localhost:8000/auth/callback?code=abc&state=HlaZFdB9SUj1pSGx"
        );
    }

    #[test]
    fn success_location_encodes_and_keeps_an_existing_query() {
        let registered = uris(&["https://app.example/cb?tenant=a b"]);
        let query = AuthorizeQuery {
            redirect_uri: Some("https://app.example/cb?tenant=a b".into()),
            state: Some("x&y=z #".into()),
            ..reference_query()
        };
        let valid = validate_authorize(&query, Some(registration(&registered)), FHIR_BASE).unwrap();
        assert_eq!(
            valid.success_location("c/d+e"),
            "https://app.example/cb?tenant=a b&code=c%2Fd%2Be&state=x%26y%3Dz+%23"
        );
        let no_state = ValidAuthorization { state: None, ..valid };
        assert_eq!(
            no_state.success_location("c"),
            "https://app.example/cb?tenant=a b&code=c"
        );
    }

    #[test]
    fn a_missing_or_unknown_client_is_not_redirected() {
        let query = AuthorizeQuery {
            client_id: None,
            ..reference_query()
        };
        assert_no_redirect(validate(&query), "invalid_client");
        assert_no_redirect(
            validate_authorize(&reference_query(), None, FHIR_BASE),
            "invalid_client",
        );
        // A registration for a different client than the one named is treated as unknown.
        let registered = uris(&[CALLBACK]);
        let other = ClientRegistration {
            client_id: "someone-else",
            ..registration(&registered)
        };
        assert_no_redirect(
            validate_authorize(&reference_query(), Some(other), FHIR_BASE),
            "invalid_client",
        );
    }

    #[test]
    fn redirect_uris_match_exactly_and_open_redirect_attempts_are_not_redirected() {
        for attempt in [
            "https://evil.example/",
            "http://localhost:8000/auth/callback/",
            "http://localhost:8000/auth/callback/../evil",
            "http://localhost:8000/auth/callbackx",
            "http://localhost:8000/auth/callback?next=https://evil.example/",
            "http://localhost:8000/auth/callback#frag",
            "http://localhost:8000/auth",
            "HTTP://localhost:8000/auth/callback",
            "http://localhost:8000@evil.example/auth/callback",
            "http://localhost:8000/auth/Callback",
        ] {
            let query = AuthorizeQuery {
                redirect_uri: Some(attempt.into()),
                ..reference_query()
            };
            assert_no_redirect(validate(&query), "invalid_request");
        }
    }

    #[test]
    fn a_missing_redirect_uri_uses_the_only_registered_one() {
        let query = AuthorizeQuery {
            redirect_uri: None,
            ..reference_query()
        };
        assert_eq!(validate(&query).unwrap().redirect_uri, CALLBACK);
        let two = uris(&[CALLBACK, "https://other.example/cb"]);
        assert_no_redirect(
            validate_authorize(&query, Some(registration(&two)), FHIR_BASE),
            "invalid_request",
        );
        let none: Vec<String> = Vec::new();
        assert_no_redirect(
            validate_authorize(&query, Some(registration(&none)), FHIR_BASE),
            "invalid_request",
        );
    }

    #[test]
    fn one_of_several_registered_redirect_uris_is_accepted() {
        let two = uris(&["https://other.example/cb", CALLBACK]);
        let valid = validate_authorize(&reference_query(), Some(registration(&two)), FHIR_BASE).unwrap();
        assert_eq!(valid.redirect_uri, CALLBACK);
    }

    #[test]
    fn a_client_credentials_client_is_unauthorized_and_not_redirected() {
        let registered = uris(&[CALLBACK]);
        let client = ClientRegistration {
            grant_type: GrantType::ClientCredentials,
            client_type: ClientType::Confidential,
            ..registration(&registered)
        };
        assert_no_redirect(
            validate_authorize(&reference_query(), Some(client), FHIR_BASE),
            "unauthorized_client",
        );
    }

    #[test]
    fn client_and_redirect_problems_come_before_every_other_check() {
        // Everything else is wrong too, but the bad redirect URI wins and nothing is redirected.
        let query = AuthorizeQuery {
            response_type: Some("token".into()),
            redirect_uri: Some("https://evil.example/".into()),
            scope: Some("admin".into()),
            code_challenge: None,
            aud: Some("https://evil.example/fhir".into()),
            ..reference_query()
        };
        assert_no_redirect(validate(&query), "invalid_request");
    }

    #[test]
    fn a_wrong_response_type_is_redirected_as_unsupported() {
        let query = AuthorizeQuery {
            response_type: Some("token".into()),
            ..reference_query()
        };
        assert_eq!(
            redirect_location(validate(&query)),
            "http://localhost:8000/auth/callback?error=unsupported_response_type&error_description=Only+response_type%3Dcode+is+supported.&state=HlaZFdB9SUj1pSGx"
        );
        let missing = AuthorizeQuery {
            response_type: None,
            ..reference_query()
        };
        assert!(redirect_location(validate(&missing)).contains("error=invalid_request&"));
    }

    #[test]
    fn response_type_is_checked_before_pkce_and_pkce_before_scope() {
        let query = AuthorizeQuery {
            response_type: Some("token".into()),
            code_challenge: None,
            scope: Some("admin".into()),
            ..reference_query()
        };
        assert_eq!(
            validate(&query).unwrap_err().error_code(),
            "unsupported_response_type"
        );
        let query = AuthorizeQuery {
            code_challenge: None,
            scope: Some("admin".into()),
            ..reference_query()
        };
        assert_eq!(validate(&query).unwrap_err().error_code(), "invalid_request");
        let query = AuthorizeQuery {
            scope: Some("admin".into()),
            aud: Some("https://elsewhere.example/fhir".into()),
            ..reference_query()
        };
        assert_eq!(validate(&query).unwrap_err().error_code(), "invalid_scope");
    }

    #[test]
    fn a_missing_code_challenge_redirects_with_the_reference_description() {
        let query = AuthorizeQuery {
            code_challenge: None,
            code_challenge_method: None,
            ..reference_query()
        };
        assert_eq!(
            redirect_location(validate(&query)),
            "http://localhost:8000/auth/callback?error=invalid_request&error_description=Code+challenge+required.&state=HlaZFdB9SUj1pSGx"
        );
    }

    #[test]
    fn a_plain_code_challenge_is_refused_with_an_explanation() {
        let query = AuthorizeQuery {
            code_challenge_method: Some("plain".into()),
            ..reference_query()
        };
        let err = validate(&query).unwrap_err();
        assert_eq!(err.error_code(), "invalid_request");
        assert!(err.description().unwrap().contains("plain"), "{err:?}");
        let implied_plain = AuthorizeQuery {
            code_challenge_method: None,
            ..reference_query()
        };
        assert_eq!(
            validate(&implied_plain).unwrap_err().error_code(),
            "invalid_request"
        );
        let malformed = AuthorizeQuery {
            code_challenge: Some("too-short".into()),
            ..reference_query()
        };
        assert_eq!(validate(&malformed).unwrap_err().error_code(), "invalid_request");
    }

    #[test]
    fn an_unknown_scope_redirects_exactly_as_the_reference() {
        // Transcript 95.
        let query = AuthorizeQuery {
            scope: Some("openid admin".into()),
            state: Some("s2".into()),
            ..reference_query()
        };
        assert_eq!(
            redirect_location(validate(&query)),
            "http://localhost:8000/auth/callback?error=invalid_scope&state=s2"
        );
    }

    #[test]
    fn aud_must_be_this_servers_fhir_base_ignoring_a_trailing_slash() {
        for good in [FHIR_BASE, "http://localhost:8000/FHIR/R5/"] {
            let query = AuthorizeQuery {
                aud: Some(good.into()),
                ..reference_query()
            };
            assert!(validate(&query).is_ok(), "{good}");
        }
        for bad in [
            "https://evil.example/FHIR/R5",
            "http://localhost:8000/FHIR/R4",
            "http://localhost:8000",
        ] {
            let query = AuthorizeQuery {
                aud: Some(bad.into()),
                ..reference_query()
            };
            let err = validate(&query).unwrap_err();
            assert_eq!(err.error_code(), "invalid_request");
            assert_eq!(err.description(), Some("aud must be this server's FHIR base URL"));
            assert!(
                err.redirect_location()
                    .unwrap()
                    .ends_with("&state=HlaZFdB9SUj1pSGx")
            );
        }
    }

    #[test]
    fn state_is_preserved_on_errors_and_omitted_when_absent() {
        let query = AuthorizeQuery {
            scope: Some("admin".into()),
            state: None,
            ..reference_query()
        };
        assert_eq!(
            redirect_location(validate(&query)),
            "http://localhost:8000/auth/callback?error=invalid_scope"
        );
        let query = AuthorizeQuery {
            scope: Some("admin".into()),
            state: Some("a b&c=d/é".into()),
            ..reference_query()
        };
        assert_eq!(
            redirect_location(validate(&query)),
            "http://localhost:8000/auth/callback?error=invalid_scope&state=a+b%26c%3Dd%2F%C3%A9"
        );
    }

    #[test]
    fn prompt_values_are_reported_and_none_stands_alone() {
        let none = AuthorizeQuery {
            prompt: Some("none".into()),
            ..reference_query()
        };
        let valid = validate(&none).unwrap();
        assert!(valid.prompt_none && !valid.prompt_login);
        let login = AuthorizeQuery {
            prompt: Some("login consent".into()),
            ..reference_query()
        };
        let valid = validate(&login).unwrap();
        assert!(valid.prompt_login && !valid.prompt_none);
        let both = AuthorizeQuery {
            prompt: Some("none login".into()),
            ..reference_query()
        };
        assert_eq!(validate(&both).unwrap_err().error_code(), "invalid_request");
    }

    #[test]
    fn an_ehr_launch_parameter_is_refused() {
        let query = AuthorizeQuery {
            launch: Some("xyz".into()),
            ..reference_query()
        };
        assert_eq!(validate(&query).unwrap_err().error_code(), "invalid_request");
    }

    #[test]
    fn smart_standalone_requests_are_valid() {
        let query = AuthorizeQuery {
            scope: Some("openid fhirUser launch/patient patient/*.rs offline_access".into()),
            aud: Some(FHIR_BASE.into()),
            nonce: Some("n-0S6_WzA2Mj".into()),
            ..reference_query()
        };
        let valid = validate(&query).unwrap();
        assert!(valid.scopes.launch_patient && valid.scopes.offline_access);
        assert_eq!(valid.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
    }

    #[test]
    fn post_validation_errors_redirect_with_state() {
        let valid = validate(&reference_query()).unwrap();
        assert_eq!(
            valid.error("login_required", None).redirect_location().unwrap(),
            "http://localhost:8000/auth/callback?error=login_required&state=HlaZFdB9SUj1pSGx"
        );
    }

    #[test]
    fn append_query_handles_fragments_and_trailing_separators() {
        assert_eq!(
            append_query("https://a.example/cb", &[("x", "1")]),
            "https://a.example/cb?x=1"
        );
        assert_eq!(
            append_query("https://a.example/cb?", &[("x", "1")]),
            "https://a.example/cb?x=1"
        );
        assert_eq!(
            append_query("https://a.example/cb?a=b&", &[("x", "1")]),
            "https://a.example/cb?a=b&x=1"
        );
        assert_eq!(
            append_query("https://a.example/cb?a=b#f", &[("x", "1")]),
            "https://a.example/cb?a=b&x=1#f"
        );
        assert_eq!(
            append_query("com.example.app:/cb", &[("x", "1")]),
            "com.example.app:/cb?x=1"
        );
    }

    #[test]
    fn the_query_deserializes_from_a_form_map() {
        let query: AuthorizeQuery = serde_json::from_value(serde_json::json!({
            "response_type": "code",
            "client_id": CLIENT,
            "unknown_parameter": "ignored"
        }))
        .unwrap();
        assert_eq!(query.client_id.as_deref(), Some(CLIENT));
        assert_eq!(query.scope, None);
    }
}
