//! The OAuth 2.0 / OpenID Connect / SMART-on-FHIR protocol: request validation, PKCE, code and token life cycles,
//! ID tokens, JWKS and discovery documents, and password hashing. Storage sits behind a trait that `jhe-store`
//! implements.
//!
//! It must never depend on an HTTP framework or a database driver; time and randomness are parameters.

pub mod password;
