//! Scores and ratings with a fixed range: a lead's score, the AI analysis
//! scores and sentiment, a call's quality and the AI's confidence.
//!
//! Each is parsed once from what a client sent and cannot hold a value out
//! of its range. A lead's score says what it is (`a lead score is between 0
//! and 100`); the others name their field in the message, as the API always
//! has, so give them their field's key (`.at("intentScore")`) before
//! reading it (see [`crate::field`]).

use crate::field::FieldError;

/// A lead's score, 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Score(i32);

impl Score {
    pub const MIN: i32 = 0;
    pub const MAX: i32 = 100;
    /// The key a [`Score`] error carries.
    pub const FIELD: &str = "leadScore";

    pub fn parse(score: i32) -> Result<Self, FieldError> {
        if (Self::MIN..=Self::MAX).contains(&score) {
            Ok(Self(score))
        } else {
            Err(FieldError::new(
                Self::FIELD,
                "a lead score is between 0 and 100",
            ))
        }
    }

    pub fn value(self) -> i32 {
        self.0
    }
}

impl From<Score> for i32 {
    fn from(score: Score) -> Self {
        score.0
    }
}

/// Parses an integer in `min..=max` for `field`.
fn int_within(field: &str, value: i32, min: i32, max: i32) -> Result<i32, FieldError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::out_of_range(field, min, max, value))
    }
}

/// Parses a finite number in `min..=max` for `field`.
fn float_within(field: &str, value: f64, min: f64, max: f64) -> Result<f64, FieldError> {
    if value.is_finite() && (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::out_of_range(field, min, max, value))
    }
}

/// One of an AI analysis's scores (intent, urgency, budget, fit,
/// engagement, total), 0 to 100. Its error carries the key `score`:
/// re-key it to the score's own field (`.at("intentScore")`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AnalysisScore(i32);

impl AnalysisScore {
    pub const MIN: i32 = 0;
    pub const MAX: i32 = 100;
    pub const FIELD: &str = "score";

    pub fn parse(score: i32) -> Result<Self, FieldError> {
        int_within(Self::FIELD, score, Self::MIN, Self::MAX).map(Self)
    }

    pub fn value(self) -> i32 {
        self.0
    }
}

impl From<AnalysisScore> for i32 {
    fn from(score: AnalysisScore) -> Self {
        score.0
    }
}

/// A call's quality as an outcome rates it, 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallQuality(i32);

impl CallQuality {
    pub const MIN: i32 = 1;
    pub const MAX: i32 = 5;
    pub const FIELD: &str = "callQuality";

    pub fn parse(quality: i32) -> Result<Self, FieldError> {
        int_within(Self::FIELD, quality, Self::MIN, Self::MAX).map(Self)
    }

    pub fn value(self) -> i32 {
        self.0
    }
}

impl From<CallQuality> for i32 {
    fn from(quality: CallQuality) -> Self {
        quality.0
    }
}

/// How sure the AI is of an outcome, a finite number from 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Confidence(f64);

impl Confidence {
    pub const MIN: f64 = 0.0;
    pub const MAX: f64 = 1.0;
    pub const FIELD: &str = "aiConfidence";

    pub fn parse(confidence: f64) -> Result<Self, FieldError> {
        float_within(Self::FIELD, confidence, Self::MIN, Self::MAX).map(Self)
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

impl From<Confidence> for f64 {
    fn from(confidence: Confidence) -> Self {
        confidence.0
    }
}

/// An AI analysis's sentiment, a finite number from -1 to 1.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Sentiment(f64);

impl Sentiment {
    pub const MIN: f64 = -1.0;
    pub const MAX: f64 = 1.0;
    pub const FIELD: &str = "sentimentScore";

    pub fn parse(sentiment: f64) -> Result<Self, FieldError> {
        float_within(Self::FIELD, sentiment, Self::MIN, Self::MAX).map(Self)
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

impl From<Sentiment> for f64 {
    fn from(sentiment: Sentiment) -> Self {
        sentiment.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(error: FieldError) -> String {
        error.under("input").message()
    }

    #[test]
    fn a_lead_score_is_between_0_and_100_inclusive() {
        assert_eq!(Score::parse(0).map(Score::value), Ok(0));
        assert_eq!(Score::parse(100).map(i32::from), Ok(100));
        assert_eq!(Score::default().value(), 0);
        for refused in [-1, 101, i32::MIN, i32::MAX] {
            assert!(Score::parse(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn a_refused_lead_score_says_its_range_under_the_lead_score_key() {
        let error = Score::parse(101).expect_err("refused");
        assert_eq!(error.field(), "leadScore");
        assert_eq!(error.message(), "a lead score is between 0 and 100");
    }

    #[test]
    fn analysis_scores_are_between_0_and_100_and_name_their_field() {
        assert_eq!(AnalysisScore::parse(0).map(AnalysisScore::value), Ok(0));
        assert_eq!(AnalysisScore::parse(100).map(i32::from), Ok(100));
        let error = AnalysisScore::parse(101)
            .expect_err("refused")
            .at("intentScore");
        assert_eq!(
            message(error),
            "`input.intentScore` is between 0 and 100, not 101"
        );
        assert!(AnalysisScore::parse(-1).is_err());
    }

    #[test]
    fn a_call_quality_is_between_1_and_5() {
        assert_eq!(CallQuality::parse(1).map(CallQuality::value), Ok(1));
        assert_eq!(CallQuality::parse(5).map(i32::from), Ok(5));
        assert!(CallQuality::parse(0).is_err());
        assert_eq!(
            message(CallQuality::parse(6).expect_err("refused")),
            "`input.callQuality` is between 1 and 5, not 6"
        );
    }

    #[test]
    fn a_confidence_is_a_finite_number_between_0_and_1() {
        assert_eq!(Confidence::parse(0.0).map(Confidence::value), Ok(0.0));
        assert_eq!(Confidence::parse(1.0).map(f64::from), Ok(1.0));
        assert_eq!(
            message(Confidence::parse(1.5).expect_err("refused")),
            "`input.aiConfidence` is between 0 and 1, not 1.5"
        );
        assert_eq!(
            message(Confidence::parse(f64::NAN).expect_err("refused")),
            "`input.aiConfidence` is between 0 and 1, not NaN"
        );
        assert!(Confidence::parse(-0.01).is_err());
    }

    #[test]
    fn a_sentiment_is_a_finite_number_between_minus_1_and_1() {
        assert_eq!(Sentiment::parse(-1.0).map(Sentiment::value), Ok(-1.0));
        assert_eq!(Sentiment::parse(1.0).map(f64::from), Ok(1.0));
        assert!(Sentiment::parse(f64::INFINITY).is_err());
        assert_eq!(
            message(Sentiment::parse(-1.25).expect_err("refused")),
            "`input.sentimentScore` is between -1 and 1, not -1.25"
        );
    }
}
