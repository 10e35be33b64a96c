//! What the HTTP layer needs to know about the deployment, validated once at start by the binary.

use std::fmt;

/// A secret that never shows in logs or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself; use only where it is needed.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Token lifetimes.
#[derive(Debug, Clone)]
pub struct TokenLifetimes {
    /// Access tokens (default 14 days, as the reference).
    pub access_secs: i64,
    /// ID tokens (default 10 hours, as the reference).
    pub id_token_secs: i64,
    /// Refresh tokens; `None` means they do not expire (they still rotate on every use).
    pub refresh_secs: Option<i64>,
    /// Browser sessions.
    pub session_secs: i64,
}

impl Default for TokenLifetimes {
    fn default() -> Self {
        Self {
            access_secs: 1_209_600,
            id_token_secs: 36_000,
            refresh_secs: None,
            session_secs: 1_209_600,
        }
    }
}

/// Login throttling: at most `max_failures_per_account` failed logins per account and
/// `max_failures_per_address` per client address within `window_secs`.
#[derive(Debug, Clone)]
pub struct LoginThrottle {
    pub max_failures_per_account: i64,
    pub max_failures_per_address: i64,
    pub window_secs: i64,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            max_failures_per_account: 10,
            max_failures_per_address: 50,
            window_secs: 900,
        }
    }
}

/// The deployment as the HTTP layer sees it.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The public URL, without a trailing slash: issuer, links and redirect URIs derive from it.
    pub site_url: String,
    pub lifetimes: TokenLifetimes,
    pub throttle: LoginThrottle,
    /// Encrypts generated signing keys at rest when set.
    pub key_encryption_secret: Option<Secret>,
    /// A signing key given by the operator (PEM); when absent, a key is generated and kept in the database.
    pub signing_key_pem: Option<Secret>,
}

impl HttpConfig {
    /// A configuration for `site_url` with every other setting at its default.
    pub fn new(site_url: impl Into<String>) -> Self {
        HttpConfig {
            site_url: site_url.into().trim_end_matches('/').to_owned(),
            lifetimes: TokenLifetimes::default(),
            throttle: LoginThrottle::default(),
            key_encryption_secret: None,
            signing_key_pem: None,
        }
    }

    /// The OpenID issuer: `<site>/o`.
    pub fn issuer(&self) -> String {
        format!("{}/o", self.site_url)
    }

    /// The FHIR base URL: `<site>/FHIR/R5`.
    pub fn fhir_base(&self) -> String {
        format!("{}/FHIR/R5", self.site_url)
    }

    /// Whether cookies must be `Secure` (the site is served over https).
    pub fn secure_cookies(&self) -> bool {
        self.site_url.starts_with("https://")
    }
}
