//! Status automation (seed 001 "Status Transitions"): the rules that turn
//! call results into lead status changes, with the organization's
//! settings, and the opt-out phrases that put a number on the DNC list.
//!
//! - A call that connects moves a `new` lead to `contacted`.
//! - An outcome of booked or transferred makes the lead `qualified`, or
//!   `hot` when its score is at least the hot threshold (a hot lead stays
//!   hot).
//! - After [`StatusRules::unanswered_attempts`] calls in a row that went
//!   unanswered (missed, no-show, voicemail), a `new`, `contacted` or
//!   `nurturing` lead becomes `cold`.
//! - An opt-out phrase in a transcript (the caller's side when the
//!   speakers are known) or in an analysis puts the number on the DNC list
//!   with the phrase, and the lead becomes `dnc`.
//!
//! Rules never touch a lead that is `dnc` or `recruited`.

use serde::{Deserialize, Serialize};
use switchboard_entity::enums::{CallOutcome, CallStatus, LeadStatus};

use crate::field::FieldError;

/// Phrases that always mean "stop calling me", matched case-insensitively
/// on word boundaries, with any apostrophe.
pub const OPT_OUT_PHRASES: &[&str] = &[
    "do not call",
    "don't call",
    "stop calling",
    "never call",
    "remove me from your list",
    "take me off your list",
    "remove my number",
    "take my number off",
    "unsubscribe",
    "opt out",
];
/// Most extra phrases an organization adds.
pub const MAX_EXTRA_PHRASES: usize = 100;

/// An organization's status rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StatusRules {
    /// Off: calls change no lead's status.
    pub enabled: bool,
    /// Unanswered calls in a row that make a lead cold; 0 turns the rule off.
    pub unanswered_attempts: u32,
    /// The score from which a booked or transferred lead is hot.
    pub hot_score: i32,
    /// Phrases that count as an opt-out beside [`OPT_OUT_PHRASES`].
    pub extra_opt_out_phrases: Vec<String>,
}

impl Default for StatusRules {
    fn default() -> Self {
        Self {
            enabled: true,
            unanswered_attempts: 3,
            hot_score: 70,
            extra_opt_out_phrases: Vec::new(),
        }
    }
}

impl StatusRules {
    /// Reads stored rules; what cannot be read is the default.
    pub fn from_stored(text: &str) -> Self {
        serde_json::from_str::<Self>(text)
            .ok()
            .filter(|r| r.validate().is_ok())
            .unwrap_or_default()
    }

    /// Checks the bounds, each refusal keyed by its field.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.unanswered_attempts > 50 {
            return Err(FieldError::new("unansweredAttempts", "from 0 to 50"));
        }
        if !(0..=100).contains(&self.hot_score) {
            return Err(FieldError::new("hotScore", "from 0 to 100"));
        }
        if self.extra_opt_out_phrases.len() > MAX_EXTRA_PHRASES {
            return Err(FieldError::new(
                "extraOptOutPhrases",
                format!("at most {MAX_EXTRA_PHRASES} phrases"),
            ));
        }
        for (i, phrase) in self.extra_opt_out_phrases.iter().enumerate() {
            let words = normalize(phrase);
            if words.len() < 3 || phrase.chars().count() > 100 {
                return Err(FieldError::new(
                    format!("extraOptOutPhrases[{i}]"),
                    "3 to 100 characters, with at least one letter",
                ));
            }
        }
        Ok(())
    }

    /// The status an outcome moves a lead to, if any.
    pub fn after_outcome(
        &self,
        current: LeadStatus,
        outcome: CallOutcome,
        score: i32,
    ) -> Option<LeadStatus> {
        if !self.enabled || frozen(current) {
            return None;
        }
        if !matches!(outcome, CallOutcome::Booked | CallOutcome::Transferred) {
            return None;
        }
        let to = if score >= self.hot_score || current == LeadStatus::Hot {
            LeadStatus::Hot
        } else {
            LeadStatus::Qualified
        };
        (to != current).then_some(to)
    }

    /// The status a call's end moves a lead to, if any: `unanswered_streak`
    /// counts the lead's latest ended calls that went unanswered in a row,
    /// this one included.
    pub fn after_call_end(
        &self,
        current: LeadStatus,
        ended: CallStatus,
        unanswered_streak: u32,
    ) -> Option<LeadStatus> {
        if !self.enabled || frozen(current) {
            return None;
        }
        if ended == CallStatus::Completed && current == LeadStatus::New {
            return Some(LeadStatus::Contacted);
        }
        let may_cool = matches!(
            current,
            LeadStatus::New | LeadStatus::Contacted | LeadStatus::Nurturing
        );
        (unanswered(ended)
            && may_cool
            && self.unanswered_attempts > 0
            && unanswered_streak >= self.unanswered_attempts)
            .then_some(LeadStatus::Cold)
    }

    /// The first opt-out phrase in `text`, as the rules word it.
    pub fn opt_out_in(&self, text: &str) -> Option<String> {
        let words = normalize(text);
        OPT_OUT_PHRASES
            .iter()
            .map(|p| (*p).to_owned())
            .chain(self.extra_opt_out_phrases.iter().cloned())
            .find(|phrase| {
                let needle = normalize(phrase);
                !needle.is_empty() && contains_words(&words, &needle)
            })
    }
}

/// Whether a call that ended so went unanswered by a person.
pub fn unanswered(status: CallStatus) -> bool {
    matches!(
        status,
        CallStatus::Missed | CallStatus::NoShow | CallStatus::Voicemail
    )
}

fn frozen(status: LeadStatus) -> bool {
    matches!(status, LeadStatus::Dnc | LeadStatus::Recruited)
}

/// Lower-case words, apostrophes dropped (`Don’t` → `dont`).
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for ch in text.chars() {
        if matches!(ch, '\'' | '’' | '`') {
            continue;
        }
        if ch.is_alphanumeric() {
            out.extend(ch.to_lowercase());
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    out.trim_end().to_owned()
}

/// Whether `needle`'s words appear in `haystack` as whole words.
fn contains_words(haystack: &str, needle: &str) -> bool {
    let padded = format!(" {haystack} ");
    padded.contains(&format!(" {needle} "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booked_and_transferred_qualify_or_heat_and_other_outcomes_do_not() {
        let rules = StatusRules::default();
        assert_eq!(
            rules.after_outcome(LeadStatus::Contacted, CallOutcome::Booked, 40),
            Some(LeadStatus::Qualified)
        );
        assert_eq!(
            rules.after_outcome(LeadStatus::New, CallOutcome::Transferred, 70),
            Some(LeadStatus::Hot)
        );
        assert_eq!(
            rules.after_outcome(LeadStatus::Hot, CallOutcome::Booked, 10),
            None
        );
        assert_eq!(
            rules.after_outcome(LeadStatus::New, CallOutcome::Voicemail, 90),
            None
        );
        assert_eq!(
            rules.after_outcome(LeadStatus::Dnc, CallOutcome::Booked, 90),
            None
        );
        let off = StatusRules {
            enabled: false,
            ..StatusRules::default()
        };
        assert_eq!(
            off.after_outcome(LeadStatus::New, CallOutcome::Booked, 90),
            None
        );
    }

    #[test]
    fn a_connected_call_contacts_a_new_lead_and_unanswered_streaks_cool_it() {
        let rules = StatusRules::default();
        assert_eq!(
            rules.after_call_end(LeadStatus::New, CallStatus::Completed, 0),
            Some(LeadStatus::Contacted)
        );
        assert_eq!(
            rules.after_call_end(LeadStatus::Contacted, CallStatus::Completed, 0),
            None
        );
        assert_eq!(
            rules.after_call_end(LeadStatus::Contacted, CallStatus::Missed, 2),
            None
        );
        assert_eq!(
            rules.after_call_end(LeadStatus::Contacted, CallStatus::Voicemail, 3),
            Some(LeadStatus::Cold)
        );
        assert_eq!(
            rules.after_call_end(LeadStatus::Qualified, CallStatus::Missed, 9),
            None
        );
        assert_eq!(
            rules.after_call_end(LeadStatus::New, CallStatus::Failed, 9),
            None
        );
    }

    #[test]
    fn opt_outs_are_found_as_whole_words_whatever_the_apostrophe() {
        let rules = StatusRules {
            extra_opt_out_phrases: vec!["leave me alone".into()],
            ..StatusRules::default()
        };
        assert_eq!(
            rules.opt_out_in("Please DON’T CALL me again!").as_deref(),
            Some("don't call")
        );
        assert_eq!(
            rules.opt_out_in("just… leave me alone.").as_deref(),
            Some("leave me alone")
        );
        assert_eq!(rules.opt_out_in("Can you call me tomorrow?"), None);
        // Whole words only: "opt outside" is not "opt out".
        assert_eq!(rules.opt_out_in("we opt outside the box"), None);
    }

    #[test]
    fn rules_are_bounded_and_unreadable_ones_are_the_default() {
        let bad = StatusRules {
            hot_score: 101,
            ..StatusRules::default()
        };
        assert_eq!(bad.validate().unwrap_err().field(), "hotScore");
        let short = StatusRules {
            extra_opt_out_phrases: vec!["!!".into()],
            ..StatusRules::default()
        };
        assert_eq!(
            short.validate().unwrap_err().field(),
            "extraOptOutPhrases[0]"
        );
        assert_eq!(StatusRules::from_stored("nope"), StatusRules::default());
    }
}
