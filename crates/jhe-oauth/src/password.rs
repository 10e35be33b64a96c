//! Password hashing with argon2id at the OWASP-recommended parameters (m = 19456 KiB, t = 2, p = 1).
//!
//! Hashing is deliberately slow (tens of milliseconds): callers on an async runtime must run it on a blocking
//! thread. The salt is a parameter so that this module stays free of randomness.

use argon2::{Config, Variant, Version};

/// Memory cost in KiB.
pub const MEMORY_KIB: u32 = 19_456;
/// Number of passes.
pub const ITERATIONS: u32 = 2;
/// Degree of parallelism.
pub const LANES: u32 = 1;
/// Bytes of salt callers should supply.
pub const SALT_LEN: usize = 16;

/// A password could not be hashed.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

fn config() -> Config<'static> {
    Config {
        variant: Variant::Argon2id,
        version: Version::Version13,
        mem_cost: MEMORY_KIB,
        time_cost: ITERATIONS,
        lanes: LANES,
        secret: &[],
        ad: &[],
        hash_length: 32,
        ..Config::default()
    }
}

/// Hashes `password` with `salt` (at least 8 bytes; use [`SALT_LEN`] random bytes) into a PHC string.
pub fn hash_password(password: &str, salt: &[u8]) -> Result<String, HashError> {
    argon2::hash_encoded(password.as_bytes(), salt, &config()).map_err(|e| HashError(e.to_string()))
}

/// Checks `password` against a PHC string. A malformed stored hash never matches.
pub fn verify_password(password: &str, encoded: &str) -> bool {
    argon2::verify_encoded(encoded, password.as_bytes()).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_at_owasp_parameters() {
        let hash = hash_password("Jhe1234!", b"0123456789abcdef").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    }

    #[test]
    fn the_right_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password("correct horse", b"saltsaltsaltsalt").unwrap();
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horsE", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn different_salts_give_different_hashes() {
        let a = hash_password("same", b"aaaaaaaaaaaaaaaa").unwrap();
        let b = hash_password("same", b"bbbbbbbbbbbbbbbb").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn a_too_short_salt_is_an_error_not_a_panic() {
        assert!(hash_password("pw", b"abc").is_err());
    }
}
