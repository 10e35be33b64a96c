//! The OAuth 2.0 / OpenID Connect / SMART-on-FHIR protocol: request validation, PKCE, code and token life cycles,
//! ID tokens, JWKS and discovery documents, and password hashing. Storage sits behind a trait that `jhe-store`
//! implements.
//!
//! It must never depend on an HTTP framework or a database driver; time and randomness are parameters.
//!
//! # The pieces
//!
//! * [`tokens`]: opaque tokens from caller-supplied random bytes, their stored hashes, constant-time comparison,
//!   client-secret hashing and the patient-invitation helpers.
//! * [`pkce`]: RFC 7636, `S256` only.
//! * [`scope`]: the `scope` parameter, OpenID and SMART v1/v2 scopes, strictly parsed.
//! * [`authorize`]: validation of `GET /o/authorize/`, with errors that are never redirected to an unverified URI.
//! * [`grant`]: the token endpoint's rules: grant and client-credential parsing, code redemption, error and
//!   success bodies, lifetimes.
//! * [`keys`]: RSA signing keys, RS256 JWTs, JWKS, and key encryption at rest.
//! * [`id_token`]: OpenID Connect ID-token claims.
//! * [`discovery`]: the OpenID and SMART discovery documents.
//! * [`password`]: argon2id password hashing.

#![warn(missing_docs)]

pub mod authorize;
pub mod discovery;
pub mod error;
pub mod grant;
pub mod id_token;
pub mod keys;
pub mod password;
pub mod pkce;
pub mod scope;
pub mod tokens;

pub use authorize::{
    AuthorizeError, AuthorizeQuery, ClientRegistration, ValidAuthorization, validate_authorize,
};
pub use discovery::{openid_configuration, smart_configuration};
pub use error::OAuthError;
pub use grant::{
    BEARER, CODE_LIFETIME_SECS, ClientCredentialsPresented, GrantRequest, Lifetimes, StoredCode, TokenError,
    TokenErrorBody, TokenResponse, check_code_redemption, check_refresh_scope, client_credentials_from,
    parse_grant,
};
pub use id_token::{IdTokenInput, at_hash, id_token_claims, issue_id_token};
pub use keys::{
    DEFAULT_RSA_BITS, KeyError, KeyRng, SigningKey, decrypt_pem, encrypt_pem, jwk_thumbprint, jwks,
    verify_jwt,
};
pub use pkce::{PkceError, check_challenge, s256_challenge, verify_s256};
pub use scope::{RequestedScopes, SUPPORTED_NON_RESOURCE_SCOPES, ScopeError};
pub use tokens::{
    OpaqueToken, constant_time_eq, hash_client_secret, hash_token, invitation_code_verifier, invitation_link,
    invitation_token_from_random, invitation_token_hash, is_well_formed_invitation_token,
    verify_client_secret,
};
