//! A call transcript as a provider or client attaches it: its content, its
//! language and its speakers' turns.
//!
//! Transcripts are searched and replayed against the recording, so a turn
//! without a speaker, or one timed before the call or ending before it
//! starts, is refused when attached rather than shown wrong later.

use serde::Serialize;

use crate::field::FieldError;

/// Longest language tag, in bytes after trimming (BCP 47's practical
/// limit).
pub const MAX_LANGUAGE_BYTES: usize = 35;

/// A transcript's text: not blank, kept as given.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TranscriptText(String);

impl TranscriptText {
    pub const FIELD: &str = "content";

    pub fn parse(content: String) -> Result<Self, FieldError> {
        if content.trim().is_empty() {
            return Err(FieldError::new(Self::FIELD, "a transcript has content"));
        }
        Ok(Self(content))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A transcript's language tag (`en`, `es-MX`): trimmed, 1 to
/// [`MAX_LANGUAGE_BYTES`] bytes; `en` when not given. Only the length is
/// checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Language(String);

impl Language {
    pub const FIELD: &str = "language";

    /// Parses a tag; `None` is `en`.
    pub fn parse(tag: Option<&str>) -> Result<Self, FieldError> {
        let Some(tag) = tag else {
            return Ok(Self::default());
        };
        let tag = tag.trim();
        if tag.is_empty() || tag.len() > MAX_LANGUAGE_BYTES {
            return Err(FieldError::new(
                Self::FIELD,
                "a language is a tag such as `en` or `es-MX`",
            ));
        }
        Ok(Self(tag.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl Default for Language {
    fn default() -> Self {
        Self("en".to_owned())
    }
}

/// One speaker's turn: a named speaker, and times in seconds from the start
/// of the call that are finite, at least 0, and not ending before starting.
/// It serializes as the stored `speaker_segments` items do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    speaker: String,
    text: String,
    start: Option<f64>,
    end: Option<f64>,
}

impl Segment {
    /// Parses one turn. Errors carry the key `speaker`, `start` or `end`;
    /// re-key them to the turn's place (`.row(i).under("segments")`).
    pub fn parse(
        speaker: String,
        text: String,
        start: Option<f64>,
        end: Option<f64>,
    ) -> Result<Self, FieldError> {
        if speaker.trim().is_empty() {
            return Err(FieldError::new("speaker", "a speaker is named"));
        }
        for (name, value) in [("start", start), ("end", end)] {
            if let Some(v) = value
                && !(v.is_finite() && v >= 0.0)
            {
                return Err(FieldError::new(
                    name,
                    format!("a segment's {name} is a number of seconds, at least 0"),
                ));
            }
        }
        if let (Some(start), Some(end)) = (start, end)
            && start > end
        {
            return Err(FieldError::new(
                "end",
                format!("a segment cannot end ({end}) before it starts ({start})"),
            ));
        }
        Ok(Self {
            speaker,
            text,
            start,
            end,
        })
    }

    pub fn speaker(&self) -> &str {
        &self.speaker
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn start(&self) -> Option<f64> {
        self.start
    }

    pub fn end(&self) -> Option<f64> {
        self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(speaker: &str, start: Option<f64>, end: Option<f64>) -> Result<Segment, FieldError> {
        Segment::parse(speaker.to_owned(), "Hello".to_owned(), start, end)
    }

    #[test]
    fn a_transcript_has_content_kept_as_given() {
        let text = TranscriptText::parse(" Hi \n".to_owned()).expect("valid");
        assert_eq!(text.as_str(), " Hi \n");
        assert_eq!(text.into_string(), " Hi \n");
        let error = TranscriptText::parse(" \n ".to_owned()).expect_err("refused");
        assert_eq!(
            error.into_parts(),
            ("content".to_owned(), "a transcript has content".to_owned())
        );
    }

    #[test]
    fn a_language_is_en_by_default_and_trimmed() {
        assert_eq!(
            Language::parse(None).map(Language::into_string),
            Ok("en".into())
        );
        assert_eq!(
            Language::parse(Some(" es-MX ")).map(|l| l.as_str().to_owned()),
            Ok("es-MX".into())
        );
        assert!(Language::parse(Some(&"x".repeat(MAX_LANGUAGE_BYTES))).is_ok());
    }

    #[test]
    fn a_blank_or_overlong_language_is_refused() {
        for tag in ["  ", &"x".repeat(MAX_LANGUAGE_BYTES + 1)] {
            let error = Language::parse(Some(tag)).expect_err("refused");
            assert_eq!(error.field(), "language");
            assert_eq!(
                error.message(),
                "a language is a tag such as `en` or `es-MX`"
            );
        }
    }

    #[test]
    fn a_segment_names_its_speaker() {
        let error = segment(" ", None, None).expect_err("refused");
        assert_eq!(
            error.into_parts(),
            ("speaker".to_owned(), "a speaker is named".to_owned())
        );
        let turn = segment("agent", None, None).expect("valid");
        assert_eq!((turn.speaker(), turn.text()), ("agent", "Hello"));
    }

    #[test]
    fn segment_times_are_finite_seconds_from_zero() {
        let turn = segment("agent", Some(0.0), Some(0.0)).expect("an instant");
        assert_eq!((turn.start(), turn.end()), (Some(0.0), Some(0.0)));
        let error = segment("agent", Some(-0.5), None).expect_err("refused");
        assert_eq!(
            error.into_parts(),
            (
                "start".to_owned(),
                "a segment's start is a number of seconds, at least 0".to_owned()
            )
        );
        let error = segment("agent", Some(1.0), Some(f64::NAN)).expect_err("refused");
        assert_eq!(error.field(), "end");
        assert_eq!(
            error.message(),
            "a segment's end is a number of seconds, at least 0"
        );
    }

    #[test]
    fn a_segment_cannot_end_before_it_starts() {
        let error = segment("agent", Some(3.5), Some(2.0)).expect_err("refused");
        assert_eq!(
            error.into_parts(),
            (
                "end".to_owned(),
                "a segment cannot end (2) before it starts (3.5)".to_owned()
            )
        );
    }

    #[test]
    fn a_refused_segment_is_re_keyed_to_its_place() {
        let error = segment("", None, None)
            .expect_err("refused")
            .row(4)
            .under("segments")
            .under("input");
        assert_eq!(error.field(), "input.segments[4].speaker");
    }

    #[test]
    fn a_segment_serializes_as_stored_turns_do() {
        let turn = segment("lead", Some(1.5), None).expect("valid");
        assert_eq!(
            serde_json::to_value(&turn).expect("json"),
            serde_json::json!({"speaker": "lead", "text": "Hello", "start": 1.5, "end": null})
        );
    }
}
