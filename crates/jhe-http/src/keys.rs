//! ID-token signing keys. The operator may configure one (PEM); otherwise the first server to start generates one
//! and stores it in the database (encrypted when a key-encryption secret is set), so every replica signs with the
//! same key and sees rotations at once. Parsed keys are cached by `kid`; which key is active is read from the
//! database each time it matters.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use jhe_oauth::SigningKey;
use jhe_store::{DbConnection, auth as store_auth};

use crate::config::HttpConfig;
use crate::error::ApiError;

/// Why the configured keys cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyConfigError {
    #[error("JHE_OIDC_RSA_PRIVATE_KEY is not a usable RSA private key (PEM, PKCS#1 or PKCS#8): {0}")]
    BadPem(String),
}

/// The signing keys of this deployment.
pub struct KeyRing {
    configured: Option<Arc<SigningKey>>,
    secret: Option<crate::config::Secret>,
    parsed: Mutex<HashMap<String, Arc<SigningKey>>>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("configured", &self.configured.is_some())
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// Reads the configured key, if any.
    pub fn from_config(config: &HttpConfig) -> Result<KeyRing, KeyConfigError> {
        let configured = match &config.signing_key_pem {
            Some(pem) => Some(Arc::new(
                SigningKey::from_pem(pem.expose()).map_err(|e| KeyConfigError::BadPem(e.to_string()))?,
            )),
            None => None,
        };
        Ok(KeyRing {
            configured,
            secret: config.key_encryption_secret.clone(),
            parsed: Mutex::new(HashMap::new()),
        })
    }

    fn parse(&self, record: &jhe_domain::SigningKeyRecord) -> Result<Arc<SigningKey>, ApiError> {
        if let Ok(cache) = self.parsed.lock()
            && let Some(key) = cache.get(&record.kid)
        {
            return Ok(key.clone());
        }
        let pem = if record.encrypted {
            let secret = self.secret.as_ref().ok_or_else(|| {
                ApiError::Internal(format!(
                    "signing key {} is encrypted but JHE_KEY_ENCRYPTION_SECRET is not set",
                    record.kid
                ))
            })?;
            jhe_oauth::decrypt_pem(&record.private_key, secret.expose())
                .map_err(|e| ApiError::Internal(format!("cannot decrypt signing key {}: {e}", record.kid)))?
        } else {
            record.private_key.clone()
        };
        let key = Arc::new(
            SigningKey::from_pem(&pem)
                .map_err(|e| ApiError::Internal(format!("stored key {} is unusable: {e}", record.kid)))?,
        );
        if let Ok(mut cache) = self.parsed.lock() {
            cache.insert(record.kid.clone(), key.clone());
        }
        Ok(key)
    }

    /// The key that signs new ID tokens.
    pub fn active(&self, conn: &mut DbConnection) -> Result<Arc<SigningKey>, ApiError> {
        if let Some(key) = &self.configured {
            return Ok(key.clone());
        }
        let records = store_auth::signing_keys(conn)?;
        let active = records.iter().find(|r| r.retired_at.is_none()).ok_or_else(|| {
            ApiError::Internal("no active signing key; run `jhe-server keys rotate`".into())
        })?;
        self.parse(active)
    }

    /// Every key a relying party may meet: the active one first, then retained ones.
    pub fn published(&self, conn: &mut DbConnection) -> Result<Vec<Arc<SigningKey>>, ApiError> {
        let mut keys: Vec<Arc<SigningKey>> = self.configured.iter().cloned().collect();
        let mut records = store_auth::signing_keys(conn)?;
        // Active (not retired) first, newest first within each group.
        records.sort_by_key(|r| (r.retired_at.is_some(), std::cmp::Reverse(r.id)));
        for record in &records {
            keys.push(self.parse(record)?);
        }
        Ok(keys)
    }

    /// Makes sure a key exists to sign with: the configured one, or an active stored one, generating and storing a
    /// new key when there is none. Returns the kid of the active key.
    pub fn ensure(&self, conn: &mut DbConnection, now: DateTime<Utc>) -> Result<String, ApiError> {
        if let Some(key) = &self.configured {
            return Ok(key.kid().to_owned());
        }
        if let Some(active) = store_auth::signing_keys(conn)?
            .into_iter()
            .find(|r| r.retired_at.is_none())
        {
            return Ok(active.kid);
        }
        self.rotate(conn, now)
    }

    /// Generates a new key, stores it as the active one and retires (but keeps publishing) the previous ones.
    pub fn rotate(&self, conn: &mut DbConnection, now: DateTime<Utc>) -> Result<String, ApiError> {
        if self.configured.is_some() {
            return Err(ApiError::BadRequest(
                "the signing key comes from JHE_OIDC_RSA_PRIVATE_KEY; rotate it there".into(),
            ));
        }
        let key = generate_key()?;
        let pem = key
            .to_pkcs8_pem()
            .map_err(|e| ApiError::Internal(format!("cannot encode a new key: {e}")))?;
        let (stored, encrypted) = match &self.secret {
            Some(secret) => {
                let nonce: [u8; 12] = rand::random();
                let sealed = jhe_oauth::encrypt_pem(&pem, secret.expose(), &nonce)
                    .map_err(|e| ApiError::Internal(format!("cannot encrypt a new key: {e}")))?;
                (sealed, true)
            }
            None => (pem, false),
        };
        store_auth::add_signing_key(conn, key.kid(), &stored, encrypted, now)?;
        Ok(key.kid().to_owned())
    }
}

fn generate_key() -> Result<SigningKey, ApiError> {
    let mut rng = jhe_oauth::KeyRng::default();
    SigningKey::generate(&mut rng, jhe_oauth::DEFAULT_RSA_BITS)
        .map_err(|e| ApiError::Internal(format!("cannot generate a signing key: {e}")))
}
