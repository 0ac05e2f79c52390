//! Why a value a client sent was refused, and which field it came from.
//!
//! Every value type of this crate (`Email`, `Score`, `TimeZone`, …) parses
//! its input once and, when it refuses it, says so with a [`FieldError`]
//! keyed by the field's own name (`"email"`, `"leadScore"`), not by where
//! one API happens to put it (`"input.email"`, `"input[3].email"`). The API
//! layer re-keys the error to its own path with [`FieldError::under`],
//! [`FieldError::row`] or [`FieldError::at`] and maps it to its own error
//! type, so the rules stay free of GraphQL and are tested without it.
//!
//! A few messages name their field (`` `input.callQuality` is between 1
//! and 5, not 7 ``); they name it as it is keyed when the message is read,
//! so re-key the error before reading [`FieldError::message`].

use std::fmt;

/// A refused value: the field it was given for and why it was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    field: String,
    message: Message,
}

/// A message, kept unrendered when it names its field so that re-keying
/// the error re-words it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Message {
    Text(String),
    /// `` `{field}` is between {min} and {max}, not {value} ``
    OutOfRange {
        min: String,
        max: String,
        value: String,
    },
    /// `` `{field}` cannot be negative ``
    Negative,
}

impl FieldError {
    /// A refusal of `field` saying `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: Message::Text(message.into()),
        }
    }

    /// `` `{field}` is between {min} and {max}, not {value} ``, worded
    /// with the field's key at the time it is read.
    pub(crate) fn out_of_range(
        field: &str,
        min: impl fmt::Display,
        max: impl fmt::Display,
        value: impl fmt::Display,
    ) -> Self {
        Self {
            field: field.to_owned(),
            message: Message::OutOfRange {
                min: min.to_string(),
                max: max.to_string(),
                value: value.to_string(),
            },
        }
    }

    /// `` `{field}` cannot be negative ``, worded with the field's key at
    /// the time it is read.
    pub(crate) fn negative(field: &str) -> Self {
        Self {
            field: field.to_owned(),
            message: Message::Negative,
        }
    }

    /// The key of the refused field; empty when the value is the whole
    /// input (a batch that is too large).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// Why the value was refused, for the client.
    pub fn message(&self) -> String {
        let field = &self.field;
        match &self.message {
            Message::Text(text) => text.clone(),
            Message::OutOfRange { min, max, value } => {
                format!("`{field}` is between {min} and {max}, not {value}")
            }
            Message::Negative => format!("`{field}` cannot be negative"),
        }
    }

    /// The field and the message, for mapping to another error type.
    pub fn into_parts(self) -> (String, String) {
        let message = self.message();
        (self.field, message)
    }

    /// The same refusal for another field: `.at("ownerId")`.
    #[must_use]
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// The same refusal inside `parent`: `phoneNumber` under `input` is
    /// `input.phoneNumber`, `[3].email` under `input` is `input[3].email`,
    /// and the whole input (an empty key) under `input` is `input`.
    #[must_use]
    pub fn under(mut self, parent: &str) -> Self {
        if parent.is_empty() {
            return self;
        }
        self.field = if self.field.is_empty() {
            parent.to_owned()
        } else if self.field.starts_with('[') {
            format!("{parent}{}", self.field)
        } else {
            format!("{parent}.{}", self.field)
        };
        self
    }

    /// The same refusal in row `index` of a list: `phoneNumber` in row 3
    /// is `[3].phoneNumber`; chain [`under`](Self::under) for the list's
    /// own field (`input[3].phoneNumber`).
    #[must_use]
    pub fn row(mut self, index: usize) -> Self {
        self.field = if self.field.is_empty() || self.field.starts_with('[') {
            format!("[{index}]{}", self.field)
        } else {
            format!("[{index}].{}", self.field)
        };
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message())
        } else {
            write!(f, "{}: {}", self.field, self.message())
        }
    }
}

impl std::error::Error for FieldError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_keeps_its_field_and_message() {
        let error = FieldError::new("email", "`x` is not an email address");
        assert_eq!(error.field(), "email");
        assert_eq!(error.message(), "`x` is not an email address");
        assert_eq!(error.to_string(), "email: `x` is not an email address");
        assert_eq!(
            error.into_parts(),
            ("email".to_owned(), "`x` is not an email address".to_owned())
        );
    }

    #[test]
    fn at_replaces_the_key() {
        let error = FieldError::new("user", "not a member").at("ownerId");
        assert_eq!(error.field(), "ownerId");
        assert_eq!(error.message(), "not a member");
    }

    #[test]
    fn under_joins_a_field_with_a_dot_and_a_row_without_one() {
        let field = |e: FieldError| e.field().to_owned();
        assert_eq!(
            field(FieldError::new("phoneNumber", "m").under("input")),
            "input.phoneNumber"
        );
        assert_eq!(
            field(FieldError::new("phoneNumber", "m").row(3).under("input")),
            "input[3].phoneNumber"
        );
        assert_eq!(field(FieldError::new("", "m").under("input")), "input");
        assert_eq!(field(FieldError::new("email", "m").under("")), "email");
    }

    #[test]
    fn rows_nest_inside_lists_of_a_parent() {
        let error = FieldError::new("speaker", "a speaker is named")
            .row(2)
            .under("segments")
            .under("input");
        assert_eq!(error.field(), "input.segments[2].speaker");
        assert_eq!(FieldError::new("", "m").row(1).row(0).field(), "[0][1]");
    }

    #[test]
    fn a_message_naming_its_field_follows_the_re_keying() {
        let error = FieldError::out_of_range("callQuality", 1, 5, 7);
        assert_eq!(error.message(), "`callQuality` is between 1 and 5, not 7");
        let error = error.under("input");
        assert_eq!(
            error.message(),
            "`input.callQuality` is between 1 and 5, not 7"
        );
        assert_eq!(
            FieldError::negative("amountCents")
                .at("collectionAmountCents")
                .under("input")
                .message(),
            "`input.collectionAmountCents` cannot be negative"
        );
    }

    #[test]
    fn the_whole_input_displays_as_its_message_alone() {
        assert_eq!(FieldError::new("", "too many").to_string(), "too many");
    }
}
