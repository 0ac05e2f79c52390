//! The lead score (seed 001 story 3.7): 0 to 100, a weighted mean of three
//! parts, each 0 to 100.
//!
//! - **Qualification**: the mean of the intent, urgency, budget, fit and
//!   engagement scores of the lead's latest AI analysis (those it has);
//!   its total score when it has none of them; 0 with no analysis.
//! - **Engagement**: half from answered calls (0, 1, 2, 3 or more: 0, 33,
//!   67, 100), half from how recently the lead was reached (within a day
//!   100, a week 70, a month 40, longer 10, never 0), plus 25 for each reply
//!   to a nurture message (at most 2), at most 100.
//! - **Source quality**: the share of the organization's leads from the
//!   same source that reached qualified, hot or recruited; 50 (neutral)
//!   while the source has fewer than [`MIN_SOURCE_LEADS`] leads.
//!
//! The weights are the organization's (default 60/25/15); the score is
//! `round((wq·q + we·e + ws·s) / (wq + we + ws))`.

use serde::{Deserialize, Serialize};

use crate::field::FieldError;

/// Leads a source needs before its conversion rate counts.
pub const MIN_SOURCE_LEADS: i64 = 10;

/// How much each part counts, 0 to 100 each, not all 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoringWeights {
    pub qualification: u32,
    pub engagement: u32,
    pub source_quality: u32,
}

impl Default for ScoringWeights {
    fn default() -> Self {
        Self {
            qualification: 60,
            engagement: 25,
            source_quality: 15,
        }
    }
}

impl ScoringWeights {
    /// Weights from `(qualification, engagement, source quality)`; each
    /// refusal names its field.
    pub fn parse(
        qualification: i32,
        engagement: i32,
        source_quality: i32,
    ) -> Result<Self, FieldError> {
        let check = |field: &str, v: i32| {
            u32::try_from(v)
                .ok()
                .filter(|v| *v <= 100)
                .ok_or_else(|| FieldError::new(field, "from 0 to 100"))
        };
        let weights = Self {
            qualification: check("qualification", qualification)?,
            engagement: check("engagement", engagement)?,
            source_quality: check("sourceQuality", source_quality)?,
        };
        if weights.total() == 0 {
            return Err(FieldError::new(
                "qualification",
                "at least one weight above 0",
            ));
        }
        Ok(weights)
    }

    /// Reads stored weights; what cannot be read (or sums to 0) is the default.
    pub fn from_stored(text: &str) -> Self {
        serde_json::from_str::<Self>(text)
            .ok()
            .filter(|w| {
                w.total() > 0
                    && w.qualification <= 100
                    && w.engagement <= 100
                    && w.source_quality <= 100
            })
            .unwrap_or_default()
    }

    fn total(&self) -> u32 {
        self.qualification + self.engagement + self.source_quality
    }
}

/// The latest analysis's scores, 0 to 100 each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Analysis {
    pub intent: Option<i32>,
    pub urgency: Option<i32>,
    pub budget: Option<i32>,
    pub fit: Option<i32>,
    pub engagement: Option<i32>,
    pub total: Option<i32>,
}

/// What a lead's score is computed from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScoreFacts {
    pub analysis: Option<Analysis>,
    pub answered_calls: i64,
    /// Whole days since the lead was last reached; none if never.
    pub days_since_contact: Option<i64>,
    pub replies: i64,
    /// The organization's leads from the lead's source, and how many of
    /// them reached qualified, hot or recruited.
    pub source_leads: i64,
    pub source_converted: i64,
}

/// A score and how it was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Breakdown {
    pub score: i32,
    pub qualification: i32,
    pub engagement: i32,
    pub source_quality: i32,
    pub weights: ScoringWeights,
}

fn clamp(v: i32) -> i32 {
    v.clamp(0, 100)
}

/// The qualification part.
pub fn qualification(analysis: Option<&Analysis>) -> i32 {
    let Some(a) = analysis else {
        return 0;
    };
    let parts: Vec<i32> = [a.intent, a.urgency, a.budget, a.fit, a.engagement]
        .into_iter()
        .flatten()
        .map(clamp)
        .collect();
    if parts.is_empty() {
        return a.total.map_or(0, clamp);
    }
    let sum: i32 = parts.iter().sum();
    (f64::from(sum) / parts.len() as f64).round() as i32
}

/// The engagement part.
pub fn engagement(answered_calls: i64, days_since_contact: Option<i64>, replies: i64) -> i32 {
    let answered = (answered_calls.clamp(0, 3) * 100) as f64 / 3.0;
    let recency = match days_since_contact {
        None => 0.0,
        Some(d) if d <= 1 => 100.0,
        Some(d) if d <= 7 => 70.0,
        Some(d) if d <= 30 => 40.0,
        Some(_) => 10.0,
    };
    let replies = (replies.clamp(0, 2) * 25) as f64;
    clamp((answered / 2.0 + recency / 2.0 + replies).round() as i32)
}

/// The source-quality part.
pub fn source_quality(leads: i64, converted: i64) -> i32 {
    if leads < MIN_SOURCE_LEADS {
        return 50;
    }
    clamp((converted.clamp(0, leads) as f64 * 100.0 / leads as f64).round() as i32)
}

/// A lead's score from `facts` under `weights`.
pub fn score(facts: &ScoreFacts, weights: ScoringWeights) -> Breakdown {
    let q = qualification(facts.analysis.as_ref());
    let e = engagement(
        facts.answered_calls,
        facts.days_since_contact,
        facts.replies,
    );
    let s = source_quality(facts.source_leads, facts.source_converted);
    let total = f64::from(weights.total().max(1));
    let weighted = f64::from(weights.qualification) * f64::from(q)
        + f64::from(weights.engagement) * f64::from(e)
        + f64::from(weights.source_quality) * f64::from(s);
    Breakdown {
        score: clamp((weighted / total).round() as i32),
        qualification: q,
        engagement: e,
        source_quality: s,
        weights,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_scored_lead_matches_the_documented_model() {
        // Qualification: (80 + 60 + 40 + 90) / 4 = 67.5 → 68.
        // Engagement: 2 answered → 66.67 / 2 = 33.33; 3 days → 70 / 2 = 35;
        // no replies: 68.33 → 68.
        // Source: 4 of 20 converted → 20.
        // Score: (60·68 + 25·68 + 15·20) / 100 = (4080 + 1700 + 300) / 100 = 60.8 → 61.
        let facts = ScoreFacts {
            analysis: Some(Analysis {
                intent: Some(80),
                urgency: Some(60),
                budget: Some(40),
                fit: Some(90),
                engagement: None,
                total: Some(10),
            }),
            answered_calls: 2,
            days_since_contact: Some(3),
            replies: 0,
            source_leads: 20,
            source_converted: 4,
        };
        let breakdown = score(&facts, ScoringWeights::default());
        assert_eq!(
            (
                breakdown.qualification,
                breakdown.engagement,
                breakdown.source_quality
            ),
            (68, 68, 20)
        );
        assert_eq!(breakdown.score, 61);
    }

    #[test]
    fn a_lead_with_nothing_known_scores_only_its_neutral_source() {
        // (60·0 + 25·0 + 15·50) / 100 = 7.5 → 8.
        let breakdown = score(&ScoreFacts::default(), ScoringWeights::default());
        assert_eq!(breakdown.score, 8);
        assert_eq!(breakdown.source_quality, 50);
    }

    #[test]
    fn an_analysis_with_only_a_total_counts_its_total() {
        let only_total = Analysis {
            total: Some(77),
            ..Analysis::default()
        };
        assert_eq!(qualification(Some(&only_total)), 77);
        assert_eq!(qualification(None), 0);
    }

    #[test]
    fn engagement_caps_at_100_and_recency_steps_down() {
        assert_eq!(engagement(10, Some(0), 5), 100);
        assert_eq!(engagement(0, Some(8), 0), 20);
        assert_eq!(engagement(0, Some(31), 0), 5);
        assert_eq!(engagement(0, None, 1), 25);
    }

    #[test]
    fn weights_are_bounded_and_not_all_zero() {
        assert_eq!(
            ScoringWeights::parse(101, 0, 0).unwrap_err().field(),
            "qualification"
        );
        assert_eq!(
            ScoringWeights::parse(0, -1, 0).unwrap_err().field(),
            "engagement"
        );
        assert_eq!(
            ScoringWeights::parse(0, 0, 0).unwrap_err().field(),
            "qualification"
        );
        let only_ai = ScoringWeights::parse(100, 0, 0).expect("valid");
        let facts = ScoreFacts {
            analysis: Some(Analysis {
                total: Some(90),
                ..Analysis::default()
            }),
            ..ScoreFacts::default()
        };
        assert_eq!(score(&facts, only_ai).score, 90);
        assert_eq!(ScoringWeights::from_stored("{}"), ScoringWeights::default());
    }
}
