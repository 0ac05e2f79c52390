//! Passwords: the policy a new one must meet, and argon2id hashes.
//!
//! A password is checked against the organization-wide [`PasswordPolicy`]
//! (a minimum length, in characters; at most [`MAX_LENGTH`] so hashing
//! stays bounded) and stored only as an argon2id PHC string (`$argon2id$…`,
//! the salt inside). Verifying an unknown user's password runs against
//! [`dummy_hash`], so a login takes as long whether the email exists or not.

use std::fmt;
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::field::FieldError;

/// The key a [`Password`] error carries.
pub const FIELD: &str = "password";
/// The longest password accepted, in characters: long passphrases fit, and
/// a megabyte "password" never reaches the hasher.
pub const MAX_LENGTH: usize = 256;
/// The minimum length when the configuration says nothing.
pub const DEFAULT_MIN_LENGTH: usize = 12;

/// What a new password must meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Fewest characters (at least 8, at most [`MAX_LENGTH`]).
    pub min_length: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: DEFAULT_MIN_LENGTH,
        }
    }
}

impl PasswordPolicy {
    /// A policy with `min_length` clamped to 8..=[`MAX_LENGTH`]: a
    /// misconfigured minimum never allows trivial passwords.
    pub fn with_min_length(min_length: usize) -> Self {
        Self {
            min_length: min_length.clamp(8, MAX_LENGTH),
        }
    }
}

/// A new password that meets the policy. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Password {
    /// Checks a new password against `policy`; refusals are keyed `password`.
    pub fn parse(text: &str, policy: PasswordPolicy) -> Result<Self, FieldError> {
        let length = text.chars().count();
        if length < policy.min_length {
            return Err(FieldError::new(
                FIELD,
                format!("a password needs at least {} characters", policy.min_length),
            ));
        }
        if length > MAX_LENGTH {
            return Err(FieldError::new(
                FIELD,
                format!("a password has at most {MAX_LENGTH} characters"),
            ));
        }
        if text.trim().is_empty() {
            return Err(FieldError::new(FIELD, "a password cannot be blank"));
        }
        Ok(Self(text.to_owned()))
    }

    /// Its argon2id hash, with a fresh random salt.
    pub fn hash(&self) -> String {
        hash(&self.0)
    }
}

fn hash(text: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(text.as_bytes(), &salt)
        // Only an output or salt of an invalid size fails, never the input.
        .map(|hash| hash.to_string())
        .unwrap_or_default()
}

/// Whether `candidate` is the password `hash` was made from. A candidate
/// longer than [`MAX_LENGTH`] or a malformed hash never matches.
pub fn verify(hash: &str, candidate: &str) -> bool {
    if candidate.chars().count() > MAX_LENGTH {
        // Still spend the time a real check takes.
        let _ = verify(dummy_hash(), "");
        return false;
    }
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(candidate.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash no password the API accepts matches, to verify against when
/// there is no user, so that answering takes the same time.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash("\u{0}switchboard: no such user\u{0}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_password_is_refused_by_the_policy_and_a_long_one_by_the_cap() {
        let policy = PasswordPolicy::default();
        let short = Password::parse("elevenchars", policy).expect_err("too short");
        assert_eq!(short.field(), "password");
        assert!(Password::parse("twelve chars", policy).is_ok());
        assert!(Password::parse(&"x".repeat(MAX_LENGTH + 1), policy).is_err());
        assert!(Password::parse(&" ".repeat(20), policy).is_err());
    }

    #[test]
    fn the_minimum_is_never_configured_below_eight() {
        assert_eq!(PasswordPolicy::with_min_length(3).min_length, 8);
        assert_eq!(PasswordPolicy::with_min_length(20).min_length, 20);
    }

    #[test]
    fn a_hash_verifies_its_password_only_and_is_salted() {
        let password =
            Password::parse("correct horse battery", PasswordPolicy::default()).expect("valid");
        let (a, b) = (password.hash(), password.hash());
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "every hash has its own salt");
        assert!(verify(&a, "correct horse battery"));
        assert!(!verify(&a, "correct horse battery!"));
        assert!(!verify("not a hash", "correct horse battery"));
        assert!(!verify(dummy_hash(), ""));
    }

    #[test]
    fn a_password_never_prints() {
        let password =
            Password::parse("a secret passphrase", PasswordPolicy::default()).expect("valid");
        assert!(!format!("{password:?}").contains("secret"));
    }
}
