//! Secrets Switchboard must read back, such as webhook signing secrets, are
//! encrypted at rest with AES-256-GCM.
//!
//! A password can be stored as a hash because it only has to be checked. A
//! webhook signing secret is different: verifying a delivery means computing
//! an HMAC with the secret itself, so the secret has to be read back in
//! plaintext. It is therefore sealed with a server-side key, so a leaked
//! database dump or backup holds no usable secret.
//!
//! A sealed value is `v1:` followed by the standard base64 of a random 12-byte
//! nonce, then the ciphertext and its 16-byte tag. The version prefix leaves
//! room to change the scheme later.
//!
//! Each seal takes a *context*, which is passed to AES-GCM as associated
//! data. It binds the ciphertext to the row it belongs to (for example the
//! organization id and the key name). A sealed value copied into another
//! organization's row then fails to open, even though the key is the same.

use std::fmt;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

/// The prefix of every value sealed by this version of the scheme.
const VERSION_PREFIX: &str = "v1:";

/// The AES-GCM nonce length, in bytes.
const NONCE_LEN: usize = 12;

/// The AES-GCM authentication tag length, in bytes.
const TAG_LEN: usize = 16;

/// The domain-separation prefix for [`SecretKey::derive`].
const DERIVE_CONTEXT: &[u8] = b"switchboard-secrets-v1\0";

/// A 256-bit key that seals and opens secrets.
///
/// Its `Debug` output is `SecretKey(..)`, so the key never ends up in a log.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// Reads a key written as the standard base64 of exactly 32 bytes, as
    /// produced by [`SecretKey::to_base64`]. Surrounding whitespace is
    /// ignored.
    pub fn from_base64(s: &str) -> Result<Self, SecretError> {
        let bytes = BASE64
            .decode(s.trim())
            .map_err(|error| SecretError::BadKey(format!("it is not base64 ({error})")))?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|bytes: Vec<u8>| {
            SecretError::BadKey(format!("it is {} bytes long, not 32", bytes.len()))
        })?;
        Ok(Self(bytes))
    }

    /// Derives a key from other key material: the SHA-256 of
    /// `switchboard-secrets-v1\0` followed by `material`.
    ///
    /// This is a fallback for deployments that configure no secrets key (the
    /// material is then another server secret, such as the JWT secret). It
    /// is only as strong as that material.
    pub fn derive(material: &[u8]) -> Self {
        let digest = Sha256::new()
            .chain_update(DERIVE_CONTEXT)
            .chain_update(material)
            .finalize();
        Self(digest.into())
    }

    /// A new random key from the operating system's generator.
    pub fn generate() -> Self {
        Self(Aes256Gcm::generate_key(&mut OsRng).into())
    }

    /// The key as standard base64, the form [`SecretKey::from_base64`] reads.
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&Key::<Aes256Gcm>::from(self.0))
    }
}

/// Why a key or a sealed secret was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The configured key is not the base64 of 32 bytes.
    #[error("the secrets key is invalid: {0}")]
    BadKey(String),
    /// The stored value is not something [`seal`] produced.
    #[error("the sealed secret is malformed: {0}")]
    Malformed(String),
    /// Authentication failed: the key or the context differs from the ones
    /// used to seal, or the value was altered.
    #[error(
        "the sealed secret cannot be decrypted with this key (or was sealed for another context)"
    )]
    Undecryptable,
    /// The decrypted bytes are not text.
    #[error("the decrypted secret is not UTF-8")]
    NotUtf8,
}

/// Encrypts `plaintext` under `key`, bound to `context` (AES-GCM associated
/// data), as `v1:` + base64(nonce ‖ ciphertext ‖ tag).
///
/// Every call draws a new random nonce, so sealing the same text twice gives
/// two different values.
pub fn seal(key: &SecretKey, plaintext: &str, context: &[u8]) -> String {
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let ciphertext = key
        .cipher()
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext.as_bytes(),
                aad: context,
            },
        )
        // AES-GCM only refuses messages longer than 64 GiB.
        .expect("AES-GCM encrypts any in-memory secret");
    let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(&ciphertext);
    format!("{VERSION_PREFIX}{}", BASE64.encode(sealed))
}

/// Decrypts a value produced by [`seal`] with the same key and context.
pub fn open(key: &SecretKey, sealed: &str, context: &[u8]) -> Result<String, SecretError> {
    let encoded = sealed.trim().strip_prefix(VERSION_PREFIX).ok_or_else(|| {
        SecretError::Malformed(format!("it does not start with `{VERSION_PREFIX}`"))
    })?;
    let bytes = BASE64
        .decode(encoded)
        .map_err(|error| SecretError::Malformed(format!("it is not base64 ({error})")))?;
    if bytes.len() < NONCE_LEN + TAG_LEN {
        return Err(SecretError::Malformed(format!(
            "it holds {} bytes, fewer than a nonce and a tag",
            bytes.len()
        )));
    }
    let (nonce, ciphertext) = bytes
        .split_first_chunk::<NONCE_LEN>()
        .expect("the length was checked above");
    let plaintext = key
        .cipher()
        .decrypt(
            &Nonce::from(*nonce),
            Payload {
                msg: ciphertext,
                aad: context,
            },
        )
        .map_err(|_| SecretError::Undecryptable)?;
    String::from_utf8(plaintext).map_err(|_| SecretError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTEXT: &[u8] = b"org:7f9c/vapi";

    #[test]
    fn a_sealed_secret_opens_to_the_same_text() {
        let key = SecretKey::generate();
        let sealed = seal(&key, "whsec_abc123", CONTEXT);
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("whsec_abc123"));
        assert_eq!(open(&key, &sealed, CONTEXT), Ok("whsec_abc123".to_owned()));
    }

    #[test]
    fn empty_and_unicode_secrets_round_trip() {
        let key = SecretKey::generate();
        for text in ["", "pässwörd ☎"] {
            assert_eq!(
                open(&key, &seal(&key, text, CONTEXT), CONTEXT),
                Ok(text.to_owned())
            );
        }
    }

    #[test]
    fn sealing_the_same_text_twice_gives_different_values() {
        let key = SecretKey::generate();
        assert_ne!(seal(&key, "same", CONTEXT), seal(&key, "same", CONTEXT));
    }

    #[test]
    fn another_key_cannot_open_it() {
        let sealed = seal(&SecretKey::generate(), "secret", CONTEXT);
        assert_eq!(
            open(&SecretKey::generate(), &sealed, CONTEXT),
            Err(SecretError::Undecryptable)
        );
    }

    #[test]
    fn another_context_cannot_open_it() {
        let key = SecretKey::generate();
        let sealed = seal(&key, "secret", CONTEXT);
        assert_eq!(
            open(&key, &sealed, b"org:other/vapi"),
            Err(SecretError::Undecryptable)
        );
    }

    #[test]
    fn a_tampered_ciphertext_is_refused() {
        let key = SecretKey::generate();
        let sealed = seal(&key, "secret", CONTEXT);
        let mut bytes = BASE64.decode(&sealed[3..]).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x01;
        let tampered = format!("v1:{}", BASE64.encode(&bytes));
        assert_eq!(
            open(&key, &tampered, CONTEXT),
            Err(SecretError::Undecryptable)
        );
        bytes[last] ^= 0x01;
        bytes[NONCE_LEN] ^= 0x80;
        let tampered = format!("v1:{}", BASE64.encode(&bytes));
        assert_eq!(
            open(&key, &tampered, CONTEXT),
            Err(SecretError::Undecryptable)
        );
    }

    #[test]
    fn malformed_values_are_refused() {
        let key = SecretKey::generate();
        for sealed in ["", "secret", "v2:AAAA", "v1:not base64!", "v1:AAAA"] {
            assert!(
                matches!(open(&key, sealed, CONTEXT), Err(SecretError::Malformed(_))),
                "{sealed:?}"
            );
        }
    }

    #[test]
    fn non_utf8_plaintext_is_reported() {
        let key = SecretKey::generate();
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = key
            .cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: &[0xff, 0xfe],
                    aad: CONTEXT,
                },
            )
            .unwrap();
        let sealed = format!("v1:{}", BASE64.encode([&nonce[..], &ciphertext].concat()));
        assert_eq!(open(&key, &sealed, CONTEXT), Err(SecretError::NotUtf8));
    }

    #[test]
    fn a_key_survives_base64() {
        let key = SecretKey::generate();
        let again = SecretKey::from_base64(&key.to_base64()).unwrap();
        assert_eq!(
            open(&again, &seal(&key, "x", CONTEXT), CONTEXT),
            Ok("x".to_owned())
        );
    }

    #[test]
    fn from_base64_wants_exactly_32_bytes() {
        assert!(matches!(
            SecretKey::from_base64(&BASE64.encode([7u8; 31])),
            Err(SecretError::BadKey(reason)) if reason.contains("31 bytes")
        ));
        assert!(SecretKey::from_base64(&BASE64.encode([7u8; 33])).is_err());
        assert!(SecretKey::from_base64("not base64!").is_err());
        assert!(SecretKey::from_base64(&format!(" {} \n", BASE64.encode([7u8; 32]))).is_ok());
    }

    #[test]
    fn derived_keys_are_stable_and_depend_on_the_material() {
        let a = SecretKey::derive(b"jwt-secret");
        assert_eq!(a.to_base64(), SecretKey::derive(b"jwt-secret").to_base64());
        assert_ne!(a.to_base64(), SecretKey::derive(b"other").to_base64());
        let expected = Sha256::digest(b"switchboard-secrets-v1\0jwt-secret");
        assert_eq!(a.to_base64(), BASE64.encode(expected));
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(
            SecretKey::generate().to_base64(),
            SecretKey::generate().to_base64()
        );
    }

    #[test]
    fn debug_output_hides_the_key() {
        let key = SecretKey::derive(b"x");
        assert_eq!(format!("{key:?}"), "SecretKey(..)");
    }
}
