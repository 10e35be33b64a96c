//! The crate's error types. Each protocol step has its own error (they live beside the code that raises them and
//! are re-exported here); [`OAuthError`] covers the helpers that belong to no single step.

pub use crate::authorize::AuthorizeError;
pub use crate::grant::TokenError;
pub use crate::keys::KeyError;
pub use crate::pkce::PkceError;
pub use crate::scope::ScopeError;

/// A helper was given configuration or input it cannot work with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    /// The site URL is not an absolute URL with a host, so no invitation code can name the server.
    #[error("the site URL \"{0}\" is not an absolute URL with a host")]
    InvalidSiteUrl(String),
    /// A client's invitation URL has no `CODE` placeholder, so a link built from it would carry no invitation.
    #[error("the invitation URL \"{0}\" has no CODE placeholder")]
    InvitationUrlWithoutCode(String),
    /// An invitation token is not 32 characters over `[A-Za-z0-9]`.
    #[error("the invitation token is not 32 characters over [A-Za-z0-9]")]
    MalformedInvitationToken,
}
