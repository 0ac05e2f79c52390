//! A lead's email address, parsed once where it enters.
//!
//! The rule is deliberately loose — Switchboard stores what a CRM sent and
//! only refuses text that cannot be an address — and exactly the one the
//! API has always applied: the text is trimmed (not lowercased), has a
//! non-empty part before its first `@`, a `.` somewhere after it, and no
//! space. Tightening it would refuse leads that import today.

use std::fmt;

use crate::field::FieldError;

/// The key an [`Email`] error carries.
pub const FIELD: &str = "email";

/// A trimmed email address: something before its first `@`, a `.` after
/// it, no space.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses an address as a client sent it.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let email = text.trim();
        match email.split_once('@') {
            Some((local, domain))
                if !local.is_empty() && domain.contains('.') && !email.contains(' ') =>
            {
                Ok(Self(email.to_owned()))
            }
            _ => Err(FieldError::new(
                FIELD,
                format!("`{email}` is not an email address"),
            )),
        }
    }

    /// Parses an update's address: blank text clears the address
    /// (`Ok(None)`), anything else must be one.
    pub fn parse_or_clear(text: &str) -> Result<Option<Self>, FieldError> {
        if text.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(text).map(Some)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(text: &str) -> (String, String) {
        Email::parse(text).expect_err("refused").into_parts()
    }

    #[test]
    fn an_address_is_trimmed_and_keeps_its_case() {
        let email = Email::parse("  Jane.Doe@Example.com ").expect("valid");
        assert_eq!(email.as_str(), "Jane.Doe@Example.com");
        assert_eq!(email.to_string(), "Jane.Doe@Example.com");
        assert_eq!(String::from(email), "Jane.Doe@Example.com");
    }

    #[test]
    fn the_shortest_address_has_one_character_an_at_and_a_dot() {
        assert_eq!(
            Email::parse("a@.").map(Email::into_string),
            Ok("a@.".into())
        );
    }

    #[test]
    fn the_loose_rule_of_today_is_kept() {
        // Only the first `@` splits; later ones belong to the domain.
        assert!(Email::parse("a@b@c.d").is_ok());
        // Only the space character is refused, not other whitespace inside.
        assert!(Email::parse("a\tb@c.d").is_ok());
    }

    #[test]
    fn text_without_a_local_part_an_at_or_a_dotted_domain_is_refused() {
        for text in [
            "@example.com",
            "jane.example.com",
            "jane@localhost",
            "",
            "   ",
        ] {
            assert!(Email::parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn an_address_with_a_space_is_refused() {
        assert!(Email::parse("jane doe@example.com").is_err());
    }

    #[test]
    fn the_refusal_quotes_the_trimmed_text_under_the_email_key() {
        assert_eq!(
            refusal("  not-an-address "),
            (
                "email".to_owned(),
                "`not-an-address` is not an email address".to_owned()
            )
        );
        assert_eq!(refusal("").1, "`` is not an email address");
    }

    #[test]
    fn blank_text_clears_an_address_on_update() {
        assert_eq!(Email::parse_or_clear("  "), Ok(None));
        assert_eq!(
            Email::parse_or_clear("a@b.c").map(|e| e.map(Email::into_string)),
            Ok(Some("a@b.c".to_owned()))
        );
        assert!(Email::parse_or_clear("nope").is_err());
    }
}
