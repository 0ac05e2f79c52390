//! Opaque single-use tokens: refresh tokens, password-reset and
//! email-verification links.
//!
//! A token is 32 random bytes, base64url without padding (43 characters);
//! only its SHA-256 (hex) is stored, so a leaked table cannot be replayed.
//! Looking a token up by its hash is a plain equality on a unique index.

use aes_gcm::aead::OsRng;
use aes_gcm::aead::rand_core::RngCore;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The longest text [`hash`] reads as a token: anything longer is no token
/// of ours, and is hashed as an empty one (which matches nothing stored).
const MAX_TOKEN_LENGTH: usize = 128;

/// A new random token, as given to its holder once.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a token: the hex SHA-256 of its text.
pub fn hash(token: &str) -> String {
    let token = token.trim();
    let token = if token.len() > MAX_TOKEN_LENGTH {
        ""
    } else {
        token
    };
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hash_to_a_stable_digest() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
        assert_eq!(hash(&a).len(), 64);
        assert!(!hash(&a).contains(&a));
    }
}
