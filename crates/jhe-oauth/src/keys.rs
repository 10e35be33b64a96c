//! ID-token signing keys: RSA keys in PEM, their JWK form and RFC 7638 `kid`, RS256 JWT signing and
//! verification, the JWKS document, and encryption of a stored key at rest.
//!
//! The RSA arithmetic is the `rsa` crate's 0.10 line, whose private-key operations run in constant time (the
//! timing side channel of RUSTSEC-2023-0071 is fixed there). Signing uses no RNG: RS256 signatures are
//! deterministic, and this crate takes randomness only as parameters.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, KeyInit};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::sha2::Sha256;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, PrivateKey};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::tokens::{b64url, sha256};

/// Key size [`SigningKey::generate`] callers should use.
pub const DEFAULT_RSA_BITS: usize = 2048;

/// The smallest RSA key accepted, generated or loaded.
pub const MIN_RSA_BITS: usize = 2048;

/// The largest RSA key accepted.
pub const MAX_RSA_BITS: usize = 8192;

/// The only JWS algorithm used and accepted.
pub const JWT_ALG: &str = "RS256";

/// The RNG to pass to [`SigningKey::generate`]: the operating system's, from `rand_core` 0.9 (the version under
/// the workspace's `rand` 0.9, where it is also `rand::rngs::OsRng`). Construct it with `KeyRng::default()`.
pub type KeyRng = rand_core::OsRng;

/// Prefix of the at-rest format written by [`encrypt_pem`].
const ENCRYPTED_V1: &str = "v1";
/// Associated data binding a ciphertext to its purpose and format version.
const ENCRYPTION_AAD: &[u8] = b"jhe-oauth signing key v1";

/// Why a key could not be made, read, written or used, or a JWT not verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Key generation failed (usually the RNG).
    #[error("RSA key generation failed: {0}")]
    Generate(String),
    /// The key size is outside [`MIN_RSA_BITS`]..=[`MAX_RSA_BITS`].
    #[error("RSA keys must have {MIN_RSA_BITS} to {MAX_RSA_BITS} bits, not {0}")]
    KeySize(usize),
    /// The PEM is not an unencrypted RSA private key in PKCS#1 or PKCS#8 form.
    #[error("not a usable RSA private key: {0}")]
    Pem(String),
    /// The key could not be encoded as PEM.
    #[error("the key could not be encoded: {0}")]
    Encode(String),
    /// Signing failed.
    #[error("signing failed: {0}")]
    Sign(String),
    /// The key-encryption secret is empty.
    #[error("the key-encryption secret is empty")]
    EmptySecret,
    /// Encryption failed.
    #[error("key encryption failed: {0}")]
    Encrypt(String),
    /// The stored value is not in the format [`encrypt_pem`] writes.
    #[error("the stored key is not in the v1:<nonce>:<ciphertext> format")]
    EncryptedFormat,
    /// The stored key does not decrypt with this secret: the secret is wrong or the value was altered.
    #[error("the stored key does not decrypt with the configured secret")]
    Decrypt,
    /// The token is not a well-formed RS256 JWT.
    #[error("malformed JWT: {0}")]
    InvalidJwt(&'static str),
    /// No published key has the token's `kid`.
    #[error("no known key has the token's kid")]
    UnknownKey,
    /// The signature does not verify.
    #[error("the JWT signature does not verify")]
    BadSignature,
}

/// An RSA private key that signs ID tokens, with its RFC 7638 `kid`. `Debug` shows the `kid` only.
#[derive(Clone)]
pub struct SigningKey {
    private: PrivateKey,
    kid: String,
    n: String,
    e: String,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("private", &"<redacted>")
            .finish()
    }
}

/// Bridges a `rand_core` 0.9 RNG (the workspace's `rand` 0.9) to the `rand_core` 0.10 traits `rsa` 0.10 uses.
struct Rng09<'a, R: ?Sized>(&'a mut R);

/// The RNG failed.
#[derive(Debug)]
struct RngFailure(String);

impl fmt::Display for RngFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the random number generator failed: {}", self.0)
    }
}

impl std::error::Error for RngFailure {}

impl<R: rand_core::TryRngCore + ?Sized> rsa::rand_core::TryRng for Rng09<'_, R> {
    type Error = RngFailure;

    fn try_next_u32(&mut self) -> Result<u32, RngFailure> {
        self.0.try_next_u32().map_err(|e| RngFailure(e.to_string()))
    }

    fn try_next_u64(&mut self) -> Result<u64, RngFailure> {
        self.0.try_next_u64().map_err(|e| RngFailure(e.to_string()))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), RngFailure> {
        self.0.try_fill_bytes(dst).map_err(|e| RngFailure(e.to_string()))
    }
}

impl<R: rand_core::TryCryptoRng + ?Sized> rsa::rand_core::TryCryptoRng for Rng09<'_, R> {}

impl SigningKey {
    /// Generates a new key of `bits` bits (use [`DEFAULT_RSA_BITS`]) with public exponent 65537.
    ///
    /// `rng` is any cryptographic RNG of `rand_core` 0.9, such as [`KeyRng`] (`rand::rngs::OsRng`) or
    /// `rand::rng()`. Generation takes a noticeable time (hundreds of milliseconds for 2048 bits in an optimised
    /// build): run it off the async threads.
    pub fn generate<R: rand_core::TryCryptoRng + ?Sized>(
        rng: &mut R,
        bits: usize,
    ) -> Result<SigningKey, KeyError> {
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
            return Err(KeyError::KeySize(bits));
        }
        let private =
            PrivateKey::new(&mut Rng09(rng), bits).map_err(|e| KeyError::Generate(e.to_string()))?;
        SigningKey::from_private_key(private)
    }

    /// Reads a PEM private key: PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`), unencrypted.
    /// Literal `\n` escapes (as in a one-line environment variable) are read as line breaks, and surrounding
    /// whitespace and CRLF line ends are accepted.
    pub fn from_pem(pem: &str) -> Result<SigningKey, KeyError> {
        let text = Zeroizing::new(pem.trim().replace("\\n", "\n").replace("\r\n", "\n"));
        let private = if text.contains("-----BEGIN RSA PRIVATE KEY-----") {
            PrivateKey::from_pkcs1_pem(&text).map_err(|e| KeyError::Pem(e.to_string()))?
        } else if text.contains("-----BEGIN PRIVATE KEY-----") {
            PrivateKey::from_pkcs8_pem(&text).map_err(|e| KeyError::Pem(e.to_string()))?
        } else if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Err(KeyError::Pem(
                "the PEM is password-protected; give it unencrypted (e.g. `openssl pkey -in key.pem`)".into(),
            ));
        } else if text.contains("PUBLIC KEY-----") {
            return Err(KeyError::Pem(
                "this is a public key; the private key is needed".into(),
            ));
        } else {
            return Err(KeyError::Pem(
                "expected -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----".into(),
            ));
        };
        SigningKey::from_private_key(private)
    }

    fn from_private_key(private: PrivateKey) -> Result<SigningKey, KeyError> {
        let bits = private.size() * 8;
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
            return Err(KeyError::KeySize(bits));
        }
        let n = b64url(private.n_bytes());
        let e = b64url(private.e_bytes());
        let kid = jwk_thumbprint(&n, &e);
        Ok(SigningKey { private, kid, n, e })
    }

    /// The key as unencrypted PKCS#8 PEM, for storage (encrypt it with [`encrypt_pem`] when a secret is set).
    pub fn to_pkcs8_pem(&self) -> Result<String, KeyError> {
        let pem = self
            .private
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| KeyError::Encode(e.to_string()))?;
        Ok(pem.as_str().to_owned())
    }

    /// The key id: the RFC 7638 SHA-256 thumbprint of the public JWK, base64url.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.private.size() * 8
    }

    /// The public key as a JWK: `{"kty":"RSA","alg":"RS256","use":"sig","kid","n","e"}`.
    pub fn public_jwk(&self) -> Value {
        json!({
            "kty": "RSA",
            "alg": JWT_ALG,
            "use": "sig",
            "kid": self.kid,
            "n": self.n,
            "e": self.e,
        })
    }

    /// Signs `claims` as a compact JWT with header `{"alg":"RS256","typ":"JWT","kid":…}` (RSASSA-PKCS1-v1_5
    /// with SHA-256).
    pub fn sign_jwt(&self, claims: &Value) -> Result<String, KeyError> {
        let header = json!({"alg": JWT_ALG, "typ": "JWT", "kid": self.kid});
        let signing_input = format!("{}.{}", b64url(header.to_string()), b64url(claims.to_string()));
        let digest = sha256(&signing_input);
        let signature = self
            .private
            .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
            .map_err(|e| KeyError::Sign(e.to_string()))?;
        Ok(format!("{signing_input}.{}", b64url(signature)))
    }

    fn verify_signature(&self, signing_input: &str, signature: &[u8]) -> Result<(), KeyError> {
        self.private
            .as_public_key()
            .verify(Pkcs1v15Sign::new::<Sha256>(), &sha256(signing_input), signature)
            .map_err(|_| KeyError::BadSignature)
    }
}

/// The RFC 7638 thumbprint of an RSA public JWK given its base64url `n` and `e`: base64url(SHA-256 of
/// `{"e":…,"kty":"RSA","n":…}`).
pub fn jwk_thumbprint(n: &str, e: &str) -> String {
    // n and e are base64url, so they need no JSON escaping; the members are in the order RFC 7638 requires.
    b64url(sha256(format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#)))
}

/// The JWKS document: `{"keys":[…]}` with the keys in the order given (the active key first, then retired keys
/// that tokens may still carry).
pub fn jwks(keys: &[&SigningKey]) -> Value {
    json!({ "keys": keys.iter().map(|k| k.public_jwk()).collect::<Vec<_>>() })
}

/// Verifies an RS256 JWT's signature against `keys` (by `kid`, or every key when the header has none) and
/// returns its claims. Only the signature and the shape are checked: `exp`, `iss`, `aud` and the rest are the
/// caller's to check against its own clock and expectations. Any other `alg` (`none`, `HS256`, …) is refused.
pub fn verify_jwt(token: &str, keys: &[&SigningKey]) -> Result<Value, KeyError> {
    let mut parts = token.split('.');
    let (Some(header_part), Some(claims_part), Some(signature_part), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(KeyError::InvalidJwt("a JWT has three dot-separated parts"));
    };
    let header = decode_json_part(header_part)?;
    if header.get("alg").and_then(Value::as_str) != Some(JWT_ALG) {
        return Err(KeyError::InvalidJwt("the alg must be RS256"));
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature_part)
        .map_err(|_| KeyError::InvalidJwt("the signature is not base64url"))?;
    let signing_input = format!("{header_part}.{claims_part}");
    let candidates: Vec<&&SigningKey> = match header.get("kid") {
        Some(Value::String(kid)) => keys.iter().filter(|k| k.kid() == kid).collect(),
        Some(_) => return Err(KeyError::InvalidJwt("the kid must be a string")),
        None => keys.iter().collect(),
    };
    if candidates.is_empty() {
        return Err(KeyError::UnknownKey);
    }
    if !candidates
        .iter()
        .any(|key| key.verify_signature(&signing_input, &signature).is_ok())
    {
        return Err(KeyError::BadSignature);
    }
    let claims = decode_json_part(claims_part)?;
    if !claims.is_object() {
        return Err(KeyError::InvalidJwt("the claims must be a JSON object"));
    }
    Ok(claims)
}

fn decode_json_part(part: &str) -> Result<Value, KeyError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| KeyError::InvalidJwt("a part is not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| KeyError::InvalidJwt("a part is not JSON"))
}

/// Derives the 256-bit encryption key from the operator's secret with argon2id (the password-hashing parameters
/// of [`crate::password`]), salted with the per-value nonce, so that a weak secret is still expensive to guess
/// from a database dump. It takes tens of milliseconds: decrypt once and cache the parsed key.
fn derive_key(secret: &str, salt: &[u8; 12]) -> Result<Zeroizing<[u8; 32]>, KeyError> {
    use crate::password::{ITERATIONS, LANES, MEMORY_KIB};
    if secret.is_empty() {
        return Err(KeyError::EmptySecret);
    }
    let config = argon2::Config {
        variant: argon2::Variant::Argon2id,
        version: argon2::Version::Version13,
        mem_cost: MEMORY_KIB,
        time_cost: ITERATIONS,
        lanes: LANES,
        secret: &[],
        ad: b"jhe-oauth key encryption",
        hash_length: 32,
        ..argon2::Config::default()
    };
    let derived = Zeroizing::new(
        argon2::hash_raw(secret.as_bytes(), salt, &config).map_err(|e| KeyError::Encrypt(e.to_string()))?,
    );
    let mut key = Zeroizing::new([0u8; 32]);
    if derived.len() != key.len() {
        return Err(KeyError::Encrypt(
            "the key derivation gave a key of the wrong length".into(),
        ));
    }
    key.copy_from_slice(&derived);
    Ok(key)
}

/// Encrypts a PEM key for storage with ChaCha20-Poly1305 under a key derived from `secret` (argon2id, salted
/// with the nonce). `nonce` must be 12 fresh random bytes for every call. The result is self-describing:
/// `v1:<base64url nonce>:<base64url ciphertext and tag>`.
pub fn encrypt_pem(pem: &str, secret: &str, nonce: &[u8; 12]) -> Result<String, KeyError> {
    let key = derive_key(secret, nonce)?;
    let cipher = ChaCha20Poly1305::new(&(*key).into());
    let ciphertext = cipher
        .encrypt(
            &(*nonce).into(),
            Payload {
                msg: pem.as_bytes(),
                aad: ENCRYPTION_AAD,
            },
        )
        .map_err(|_| KeyError::Encrypt("the cipher refused the input".into()))?;
    Ok(format!("{ENCRYPTED_V1}:{}:{}", b64url(nonce), b64url(ciphertext)))
}

/// Decrypts what [`encrypt_pem`] wrote. A wrong secret or an altered value is [`KeyError::Decrypt`], never a
/// panic.
pub fn decrypt_pem(stored: &str, secret: &str) -> Result<String, KeyError> {
    let mut parts = stored.trim().split(':');
    let (Some(ENCRYPTED_V1), Some(nonce), Some(ciphertext), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(KeyError::EncryptedFormat);
    };
    let nonce: [u8; 12] = URL_SAFE_NO_PAD
        .decode(nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or(KeyError::EncryptedFormat)?;
    let ciphertext = URL_SAFE_NO_PAD
        .decode(ciphertext)
        .map_err(|_| KeyError::EncryptedFormat)?;
    let key = derive_key(secret, &nonce)?;
    let cipher = ChaCha20Poly1305::new(&(*key).into());
    let plaintext = Zeroizing::new(
        cipher
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: &ciphertext,
                    aad: ENCRYPTION_AAD,
                },
            )
            .map_err(|_| KeyError::Decrypt)?,
    );
    std::str::from_utf8(&plaintext)
        .map(str::to_owned)
        .map_err(|_| KeyError::Decrypt)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::OnceLock;

    use rand::SeedableRng;
    use rsa::pkcs1::EncodeRsaPrivateKey;

    use super::*;

    /// One 2048-bit key per test binary: generation is slow in debug builds.
    pub(crate) fn test_key() -> &'static SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| {
            let mut rng = rand::rngs::StdRng::seed_from_u64(7638);
            SigningKey::generate(&mut rng, DEFAULT_RSA_BITS).unwrap()
        })
    }

    #[test]
    fn the_os_rng_types_of_the_workspace_rand_fit_generate() {
        fn accepts<R: rand_core::TryCryptoRng + ?Sized>() {}
        accepts::<KeyRng>();
        accepts::<rand::rngs::OsRng>();
        accepts::<rand::rngs::ThreadRng>();
        accepts::<rand::rngs::StdRng>();
    }

    #[test]
    fn kid_is_the_rfc7638_thumbprint_of_the_example_key() {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            jwk_thumbprint(n, "AQAB"),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn kid_matches_the_reference_servers_jwks() {
        // Transcript 03: the reference publishes kid = RFC 7638 thumbprint, as this crate does.
        let n = "oQd7TpgepyeUMx2Ys7TDFZ5pio46pj-j8GQ7PeiRNuPYhIYkttQuBylOvSQ2WxmBwn0HypQ4lmYgFqfwFE9aF11aiP3vIAsxC7BtnxOsAoyHU5SzmVs6mmugQo65KJTHuycX4DMDxcOJ-CtHlMQfQ3um7PxfrfgaJ3O4A64fN-ch0XWRiLj-9VE_C7RtfLyTXQWBJJn8VLZM54u3iA8Td5jYY7lM2cd72wwNpwQFvJJDN4WvoWBSUi7CTVVOLZc3a79VGn4YD5sEK4TjTM3e8NbkDxJE3lTzLAQRQwJAyXyoqhn2eB5XNbuNdqNYWmFei5A83HAPZoLgTGP0bUEpLQjmTAJrhHSKRsYqNMAbPch3SHTwoqL8d9jP_2rX7K4SyKn4GevDs6pYp9E2rVI9cY_ZJg0heXuC21PJ7t2us_L1FyFw3qaOBZl8PunYTYVgTjP6WwTCOeoW9pWzutZr9lKqvoiCUowkE6-pJY1goYNlPfXi-IB0vAO3hNVa-_Zp0jU6dSlBX-j3c1CavXhc_gkaO9RJtyBrxAQ9Lttag6_1KjzZJrUpDlROi8XiZeOZVtiZKPIDcY0pgX72AAMW78903UnehPbfK8DhWPdgRjoRhaC1vdubnbMUMPLzoTuOKgExZuIMsdIpjGgvSwwS_xNOcea82_S1xEt9VrYrNLE";
        assert_eq!(
            jwk_thumbprint(n, "AQAB"),
            "WGppxB1jd81bVhi4NUvekH4XRt5h1H3dqJiAfDy6UiM"
        );
    }

    #[test]
    fn a_generated_key_has_a_thumbprint_kid_and_a_redacted_debug() {
        let key = test_key();
        assert_eq!(key.bits(), 2048);
        let jwk = key.public_jwk();
        assert_eq!(
            key.kid(),
            jwk_thumbprint(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
        );
        assert_eq!(jwk["e"], "AQAB");
        let debug = format!("{key:?}");
        assert!(
            debug.contains(key.kid()) && debug.contains("<redacted>"),
            "{debug}"
        );
        assert!(!debug.contains(jwk["n"].as_str().unwrap()));
    }

    #[test]
    fn the_jwk_and_jwks_have_the_published_shape() {
        let key = test_key();
        let jwk = key.public_jwk();
        let mut names: Vec<&str> = jwk.as_object().unwrap().keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["alg", "e", "kid", "kty", "n", "use"]);
        assert_eq!(
            (jwk["kty"].as_str(), jwk["alg"].as_str(), jwk["use"].as_str()),
            (Some("RSA"), Some("RS256"), Some("sig"))
        );
        // 2048-bit modulus: 256 bytes, 342 base64url characters.
        assert_eq!(jwk["n"].as_str().unwrap().len(), 342);
        assert_eq!(jwks(&[key, key]), json!({"keys": [jwk.clone(), jwk]}));
        assert_eq!(jwks(&[]), json!({"keys": []}));
    }

    #[test]
    fn jwts_sign_and_verify_round_trip() {
        let key = test_key();
        let claims = json!({"iss": "http://localhost:8000/o", "sub": "10002", "n": 1});
        let jwt = key.sign_jwt(&claims).unwrap();
        assert_eq!(verify_jwt(&jwt, &[key]).unwrap(), claims);
        let header: Value = decode_json_part(jwt.split('.').next().unwrap()).unwrap();
        assert_eq!(header, json!({"alg": "RS256", "typ": "JWT", "kid": key.kid()}));
        // RS256 is deterministic.
        assert_eq!(key.sign_jwt(&claims).unwrap(), jwt);
    }

    #[test]
    fn tampered_or_foreign_jwts_do_not_verify() {
        let key = test_key();
        let jwt = key.sign_jwt(&json!({"sub": "10002"})).unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        let forged_claims = format!("{}.{}.{}", parts[0], b64url(r#"{"sub":"1"}"#), parts[2]);
        assert_eq!(verify_jwt(&forged_claims, &[key]), Err(KeyError::BadSignature));
        let none_header = format!("{}.{}.", b64url(r#"{"alg":"none"}"#), parts[1]);
        assert!(matches!(
            verify_jwt(&none_header, &[key]),
            Err(KeyError::InvalidJwt(_))
        ));
        let hs256 = format!(
            "{}.{}.{}",
            b64url(r#"{"alg":"HS256","kid":"x"}"#),
            parts[1],
            parts[2]
        );
        assert!(matches!(verify_jwt(&hs256, &[key]), Err(KeyError::InvalidJwt(_))));
        let other_kid = format!(
            "{}.{}.{}",
            b64url(r#"{"alg":"RS256","kid":"other"}"#),
            parts[1],
            parts[2]
        );
        assert_eq!(verify_jwt(&other_kid, &[key]), Err(KeyError::UnknownKey));
        assert!(matches!(verify_jwt("a.b", &[key]), Err(KeyError::InvalidJwt(_))));
        assert!(matches!(
            verify_jwt(&format!("{jwt}.x"), &[key]),
            Err(KeyError::InvalidJwt(_))
        ));
        assert_eq!(verify_jwt(&jwt, &[]), Err(KeyError::UnknownKey));
    }

    #[test]
    fn pkcs8_pem_round_trips_to_the_same_kid() {
        let key = test_key();
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{}", &pem[..40]);
        assert_eq!(SigningKey::from_pem(&pem).unwrap().kid(), key.kid());
    }

    #[test]
    fn pkcs1_pem_is_accepted() {
        let key = test_key();
        let pem = key.private.to_pkcs1_pem(LineEnding::LF).unwrap();
        assert!(pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        assert_eq!(SigningKey::from_pem(&pem).unwrap().kid(), key.kid());
    }

    #[test]
    fn pem_with_literal_backslash_n_escapes_is_accepted() {
        let key = test_key();
        let one_line = key.to_pkcs8_pem().unwrap().replace('\n', "\\n");
        assert!(!one_line.contains('\n'));
        assert_eq!(SigningKey::from_pem(&one_line).unwrap().kid(), key.kid());
        let crlf = format!("\n  {}\r\n", key.to_pkcs8_pem().unwrap().replace('\n', "\r\n"));
        assert_eq!(SigningKey::from_pem(&crlf).unwrap().kid(), key.kid());
    }

    #[test]
    fn unusable_pems_are_errors_not_panics() {
        for bad in [
            "",
            "not a pem",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "-----BEGIN RSA PRIVATE KEY-----\n!!!\n-----END RSA PRIVATE KEY-----\n",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        ] {
            assert!(
                matches!(SigningKey::from_pem(bad), Err(KeyError::Pem(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn keys_smaller_than_2048_bits_are_refused() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        assert_eq!(
            SigningKey::generate(&mut rng, 1024).unwrap_err(),
            KeyError::KeySize(1024)
        );
        assert_eq!(
            SigningKey::generate(&mut rng, 16_384).unwrap_err(),
            KeyError::KeySize(16_384)
        );
    }

    #[test]
    fn encrypted_pems_round_trip_and_do_not_contain_the_key() {
        let pem = test_key().to_pkcs8_pem().unwrap();
        let stored = encrypt_pem(&pem, "correct horse battery staple", &[7u8; 12]).unwrap();
        assert!(stored.starts_with("v1:BwcHBwcHBwcHBwcH:"), "{}", &stored[..30]);
        assert!(!stored.contains("PRIVATE"));
        assert_eq!(decrypt_pem(&stored, "correct horse battery staple").unwrap(), pem);
        // Another nonce gives another ciphertext.
        assert_ne!(
            encrypt_pem(&pem, "correct horse battery staple", &[8u8; 12]).unwrap(),
            stored
        );
    }

    #[test]
    fn a_wrong_secret_or_altered_value_fails_to_decrypt() {
        let stored = encrypt_pem("-----BEGIN PRIVATE KEY-----", "secret-one", &[1u8; 12]).unwrap();
        assert_eq!(decrypt_pem(&stored, "secret-two"), Err(KeyError::Decrypt));
        let (head, tail) = stored.split_at(stored.len() - 2);
        let flipped = if tail.starts_with('A') { "B" } else { "A" };
        let altered = format!("{head}{flipped}{}", &tail[1..]);
        assert_eq!(decrypt_pem(&altered, "secret-one"), Err(KeyError::Decrypt));
        assert_eq!(
            decrypt_pem("garbage", "secret-one"),
            Err(KeyError::EncryptedFormat)
        );
        assert_eq!(
            decrypt_pem("v2:AAAA:AAAA", "secret-one"),
            Err(KeyError::EncryptedFormat)
        );
        assert_eq!(
            decrypt_pem("v1:AAAA:AAAA", "secret-one"),
            Err(KeyError::EncryptedFormat)
        );
        assert_eq!(encrypt_pem("pem", "", &[1u8; 12]), Err(KeyError::EmptySecret));
        assert_eq!(decrypt_pem(&stored, ""), Err(KeyError::EmptySecret));
    }
}
