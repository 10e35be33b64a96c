//! Proof Key for Code Exchange (RFC 7636). Every authorization request must carry an `S256` challenge: `plain`
//! (and a missing method, which RFC 7636 defines as `plain`) is refused, because a `plain` challenge is the
//! verifier itself and protects nothing once the authorization request leaks.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::tokens::{b64url, constant_time_eq, sha256};

/// The only code challenge method accepted.
pub const S256: &str = "S256";

/// Length of an `S256` challenge: base64url of 32 bytes, without padding.
pub const CHALLENGE_LEN: usize = 43;

/// What is wrong with a PKCE challenge or verifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    /// The authorization request has no `code_challenge`.
    #[error("Code challenge required.")]
    Missing,
    /// The method is `plain`, missing (which means `plain`), or unknown.
    #[error("code_challenge_method must be S256; plain (also implied by a missing method) is not accepted.")]
    UnsupportedMethod,
    /// The challenge is not 43 characters of base64url encoding 32 bytes.
    #[error("code_challenge must be the base64url encoding (43 characters, no padding) of a SHA-256 hash.")]
    MalformedChallenge,
    /// The verifier is not 43 to 128 characters over `[A-Za-z0-9-._~]`.
    #[error("code_verifier must be 43 to 128 characters over A-Z, a-z, 0-9, '-', '.', '_' and '~'.")]
    MalformedVerifier,
    /// The verifier does not hash to the challenge.
    #[error("code_verifier does not match the code challenge.")]
    Mismatch,
}

/// The `S256` challenge of a verifier: base64url(SHA-256(verifier)) without padding.
pub fn s256_challenge(verifier: &str) -> String {
    b64url(sha256(verifier))
}

/// Whether `verifier` is 43 to 128 characters over the RFC 7636 alphabet `[A-Za-z0-9-._~]`.
pub fn is_well_formed_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Checks a token request's verifier against the challenge stored with the code, in constant time.
pub fn verify_s256(verifier: &str, challenge: &str) -> Result<(), PkceError> {
    if !is_well_formed_verifier(verifier) {
        return Err(PkceError::MalformedVerifier);
    }
    if constant_time_eq(s256_challenge(verifier).as_bytes(), challenge.as_bytes()) {
        Ok(())
    } else {
        Err(PkceError::Mismatch)
    }
}

/// Checks an authorization request's `code_challenge` and `code_challenge_method` and returns the challenge to
/// store with the code. An empty challenge counts as missing.
pub fn check_challenge(challenge: Option<&str>, method: Option<&str>) -> Result<String, PkceError> {
    let challenge = challenge.filter(|c| !c.is_empty()).ok_or(PkceError::Missing)?;
    if method != Some(S256) {
        return Err(PkceError::UnsupportedMethod);
    }
    // A canonical encoding of 32 bytes: the decoder rejects padding, a wrong alphabet and non-zero trailing bits.
    let canonical = challenge.len() == CHALLENGE_LEN
        && URL_SAFE_NO_PAD
            .decode(challenge)
            .is_ok_and(|bytes| bytes.len() == 32);
    if canonical {
        Ok(challenge.to_owned())
    } else {
        Err(PkceError::MalformedChallenge)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC7636_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const RFC7636_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn s256_matches_the_rfc7636_appendix_b_test_vector() {
        assert_eq!(s256_challenge(RFC7636_VERIFIER), RFC7636_CHALLENGE);
        assert_eq!(verify_s256(RFC7636_VERIFIER, RFC7636_CHALLENGE), Ok(()));
    }

    #[test]
    fn a_verifier_that_does_not_hash_to_the_challenge_is_a_mismatch() {
        let other = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK";
        assert_eq!(verify_s256(other, RFC7636_CHALLENGE), Err(PkceError::Mismatch));
        assert_eq!(verify_s256(RFC7636_VERIFIER, ""), Err(PkceError::Mismatch));
    }

    #[test]
    fn malformed_verifiers_are_refused_before_hashing() {
        let short = &RFC7636_VERIFIER[..42];
        assert_eq!(
            verify_s256(short, &s256_challenge(short)),
            Err(PkceError::MalformedVerifier)
        );
        let long = "a".repeat(129);
        assert_eq!(
            verify_s256(&long, &s256_challenge(&long)),
            Err(PkceError::MalformedVerifier)
        );
        let bad_char = format!("{}+", &RFC7636_VERIFIER[..42]);
        assert_eq!(
            verify_s256(&bad_char, &s256_challenge(&bad_char)),
            Err(PkceError::MalformedVerifier)
        );
        let max = "~._-".repeat(32);
        assert_eq!(verify_s256(&max, &s256_challenge(&max)), Ok(()));
    }

    #[test]
    fn a_missing_challenge_is_refused_with_the_reference_message() {
        assert_eq!(check_challenge(None, Some("S256")), Err(PkceError::Missing));
        assert_eq!(check_challenge(Some(""), Some("S256")), Err(PkceError::Missing));
        assert_eq!(PkceError::Missing.to_string(), "Code challenge required.");
    }

    #[test]
    fn plain_and_a_missing_method_are_refused() {
        assert_eq!(
            check_challenge(Some(RFC7636_VERIFIER), Some("plain")),
            Err(PkceError::UnsupportedMethod)
        );
        assert_eq!(
            check_challenge(Some(RFC7636_CHALLENGE), None),
            Err(PkceError::UnsupportedMethod)
        );
        assert_eq!(
            check_challenge(Some(RFC7636_CHALLENGE), Some("s256")),
            Err(PkceError::UnsupportedMethod)
        );
    }

    #[test]
    fn malformed_challenges_are_refused() {
        for bad in [
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM=",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM",
            // Right length and alphabet, but the last character carries non-zero padding bits.
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN",
        ] {
            assert_eq!(
                check_challenge(Some(bad), Some("S256")),
                Err(PkceError::MalformedChallenge),
                "{bad}"
            );
        }
        assert_eq!(
            check_challenge(Some(RFC7636_CHALLENGE), Some("S256")),
            Ok(RFC7636_CHALLENGE.to_owned())
        );
    }
}
