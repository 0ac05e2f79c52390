//! Bounded text a client names things with: names, lead sources, signing
//! secrets.
//!
//! Each is trimmed and length-checked once where it enters, so a stored
//! name is never blank nor larger than its column was meant for. The
//! bounds are those the API has always applied, including how it counts:
//! names count UTF-8 bytes (200 bytes may be fewer than 200 characters),
//! lead sources count characters.

use std::fmt;

use crate::field::FieldError;

/// Longest name, in bytes after trimming.
pub const MAX_NAME_BYTES: usize = 200;
/// Longest lead source or sub-source, in characters after trimming.
pub const MAX_SOURCE_CHARS: usize = 200;
/// Shortest webhook signing secret, in bytes after trimming.
pub const MIN_SECRET_BYTES: usize = 8;

/// A trimmed name of 1 to [`MAX_NAME_BYTES`] bytes: a segment's, an
/// agent's, a campaign's, a phone number's, or a provider's agent id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Name(String);

impl Name {
    /// The key a [`Name`] error carries.
    pub const FIELD: &str = "name";

    /// Parses a segment's name (`a name has 1 to 200 characters`).
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        Self::parse_with(text, "a name has 1 to 200 characters")
    }

    /// Parses the name of an agent, campaign or phone number, or a
    /// provider's agent id (`.at("externalAgentId")`), with the setup
    /// mutations' shorter message (`1 to 200 characters`).
    pub fn parse_setup(text: &str) -> Result<Self, FieldError> {
        Self::parse_with(text, "1 to 200 characters")
    }

    fn parse_with(text: &str, message: &str) -> Result<Self, FieldError> {
        let text = text.trim();
        if text.is_empty() || text.len() > MAX_NAME_BYTES {
            return Err(FieldError::new(Self::FIELD, message));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Where leads come from, for `leadSourceRoi`: trimmed, 1 to
/// [`MAX_SOURCE_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Source(String);

impl Source {
    pub const FIELD: &str = "source";

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_SOURCE_CHARS {
            return Err(FieldError::new(
                Self::FIELD,
                "a source is 1 to 200 characters",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A lead source's sub-source: trimmed, at most [`MAX_SOURCE_CHARS`]
/// characters, empty when not given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SubSource(String);

impl SubSource {
    pub const FIELD: &str = "subSource";

    /// Parses a sub-source; `None` is the empty one.
    pub fn parse(text: Option<&str>) -> Result<Self, FieldError> {
        let text = text.unwrap_or_default().trim();
        if text.chars().count() > MAX_SOURCE_CHARS {
            return Err(FieldError::new(
                Self::FIELD,
                "a sub-source is at most 200 characters",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

macro_rules! text_traits {
    ($($name:ident),+) => {$(
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(text: $name) -> Self {
                text.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )+};
}

text_traits!(Name, Source, SubSource);

/// A webhook signing secret of at least [`MIN_SECRET_BYTES`] bytes once
/// trimmed. It keeps the text exactly as given (the provider signs with
/// it), and its `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret(String);

impl SigningSecret {
    pub const FIELD: &str = "secret";

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        if text.trim().len() < MIN_SECRET_BYTES {
            return Err(FieldError::new(
                Self::FIELD,
                "a signing secret has at least 8 characters",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The secret, for sealing it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed() {
        assert_eq!(
            Name::parse("  Spring leads ").map(Name::into_string),
            Ok("Spring leads".into())
        );
        assert_eq!(
            Name::parse_setup(" Ava ").map(String::from),
            Ok("Ava".into())
        );
    }

    #[test]
    fn a_name_has_1_to_200_bytes_after_trimming() {
        assert_eq!(Name::parse("x").map(|n| n.as_str().len()), Ok(1));
        let longest = "x".repeat(MAX_NAME_BYTES);
        assert_eq!(
            Name::parse(&format!(" {longest} ")).map(|n| n.to_string()),
            Ok(longest)
        );
        assert!(Name::parse(&"x".repeat(MAX_NAME_BYTES + 1)).is_err());
        assert!(Name::parse("   ").is_err());
        // Bytes, not characters: 101 two-byte characters are too many.
        assert!(Name::parse(&"é".repeat(100)).is_ok());
        assert!(Name::parse(&"é".repeat(101)).is_err());
    }

    #[test]
    fn a_refused_name_says_so_under_the_name_key() {
        let error = Name::parse("").expect_err("refused");
        assert_eq!(error.field(), "name");
        assert_eq!(error.message(), "a name has 1 to 200 characters");
    }

    #[test]
    fn a_refused_setup_name_has_the_shorter_message() {
        let error = Name::parse_setup(" ")
            .expect_err("refused")
            .at("externalAgentId");
        assert_eq!(error.field(), "externalAgentId");
        assert_eq!(error.message(), "1 to 200 characters");
        assert!(Name::parse_setup(&"x".repeat(201)).is_err());
    }

    #[test]
    fn a_source_has_1_to_200_characters_after_trimming() {
        assert_eq!(
            Source::parse(" facebook ").map(Source::into_string),
            Ok("facebook".into())
        );
        // Characters, not bytes.
        assert!(Source::parse(&"é".repeat(MAX_SOURCE_CHARS)).is_ok());
        let error = Source::parse(&"x".repeat(MAX_SOURCE_CHARS + 1)).expect_err("refused");
        assert_eq!(error.field(), "source");
        assert_eq!(error.message(), "a source is 1 to 200 characters");
        assert!(Source::parse(" ").is_err());
    }

    #[test]
    fn a_sub_source_is_empty_when_absent_and_at_most_200_characters() {
        assert_eq!(SubSource::parse(None), Ok(SubSource::default()));
        assert_eq!(
            SubSource::parse(Some("  ")).map(SubSource::into_string),
            Ok(String::new())
        );
        assert_eq!(
            SubSource::parse(Some(" ad 7 ")).map(|s| s.to_string()),
            Ok("ad 7".into())
        );
        assert!(SubSource::parse(Some(&"é".repeat(MAX_SOURCE_CHARS))).is_ok());
        let error = SubSource::parse(Some(&"x".repeat(201))).expect_err("refused");
        assert_eq!(error.field(), "subSource");
        assert_eq!(error.message(), "a sub-source is at most 200 characters");
    }

    #[test]
    fn a_signing_secret_has_at_least_8_bytes_and_keeps_its_padding() {
        let secret = SigningSecret::parse(" 12345678 ").expect("valid");
        assert_eq!(secret.expose(), " 12345678 ");
        let error = SigningSecret::parse(" 1234567 ").expect_err("refused");
        assert_eq!(error.field(), "secret");
        assert_eq!(
            error.message(),
            "a signing secret has at least 8 characters"
        );
    }

    #[test]
    fn a_signing_secret_is_not_shown_when_debugged() {
        let secret = SigningSecret::parse("hunter2hunter2").expect("valid");
        assert_eq!(format!("{secret:?}"), "SigningSecret(..)");
    }
}
