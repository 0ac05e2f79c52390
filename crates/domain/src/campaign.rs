//! How a campaign works through its leads: its limits, each parsed once,
//! and what becomes of a lead when the campaign's call to it ends.
//!
//! A lead gets up to `maxAttempts` calls until one is answered, the next
//! `retryAfterMinutes` after an unanswered one ends. A call that was
//! answered (`completed`, or still `in_progress`) reaches the lead; one
//! that rang out, went to voicemail, was missed or failed is an attempt; a
//! cancelled call (the number was on the do-not-call list when it was
//! dialed, or a member cancelled it) takes the lead out of the campaign.

use chrono::{DateTime, Duration, Utc};
use switchboard_entity::enums::{CallStatus, CampaignLeadState};

use crate::field::FieldError;

/// Calls going at once, for a campaign or a number: 1 to 1,000.
pub const MAX_CONCURRENT_CALLS: i32 = 1_000;
/// Calls placed in any minute: 1 to 1,000.
pub const MAX_CALLS_PER_MINUTE: i32 = 1_000;
/// Calls a lead gets: 1 to 10.
pub const MAX_ATTEMPTS: i32 = 10;
/// The longest wait between a lead's calls: a week.
pub const MAX_RETRY_AFTER_MINUTES: i32 = 7 * 24 * 60;

/// Why a lead is never called by a campaign, besides a dial block's code.
pub mod reason {
    /// The lead was deleted.
    pub const LEAD_DELETED: &str = "LEAD_DELETED";
    /// Its call was cancelled (the number was on the do-not-call list when
    /// the dialer came to it, or a member cancelled the call).
    pub const CALL_CANCELLED: &str = "CALL_CANCELLED";
}

fn within(field: &str, value: i32, max: i32) -> Result<i32, FieldError> {
    if (1..=max).contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::out_of_range(field, 1, max, value))
    }
}

/// A limit of calls going at once (`maxConcurrentCalls`).
pub fn concurrent_calls(value: i32) -> Result<i32, FieldError> {
    within("maxConcurrentCalls", value, MAX_CONCURRENT_CALLS)
}

/// A pace (`callsPerMinute`).
pub fn calls_per_minute(value: i32) -> Result<i32, FieldError> {
    within("callsPerMinute", value, MAX_CALLS_PER_MINUTE)
}

/// Calls a lead gets (`maxAttempts`).
pub fn attempts(value: i32) -> Result<i32, FieldError> {
    within("maxAttempts", value, MAX_ATTEMPTS)
}

/// The wait between a lead's calls (`retryAfterMinutes`).
pub fn retry_after_minutes(value: i32) -> Result<i32, FieldError> {
    within("retryAfterMinutes", value, MAX_RETRY_AFTER_MINUTES)
}

/// A campaign's retry policy for unanswered calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: i32,
    pub retry_after_minutes: i32,
}

/// Where a lead stands after its call moved on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AfterCall {
    pub state: CampaignLeadState,
    /// Attempts so far, this call's included.
    pub attempts: i32,
    /// When a waiting lead is called next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub block_reason: Option<&'static str>,
}

/// What the call's `status` means for a lead that had `attempts`
/// unanswered calls before it; `None` while the call is not over (or is
/// answered but still going: the lead is reached only when it ends, so a
/// call that drops is not counted twice).
pub fn after_call(
    status: CallStatus,
    attempts: i32,
    policy: RetryPolicy,
    ended_at: DateTime<Utc>,
) -> Option<AfterCall> {
    let settled = |state, attempts, next, reason| {
        Some(AfterCall {
            state,
            attempts,
            next_attempt_at: next,
            block_reason: reason,
        })
    };
    match status {
        CallStatus::Scheduled
        | CallStatus::Queued
        | CallStatus::Ringing
        | CallStatus::InProgress => None,
        CallStatus::Completed => settled(CampaignLeadState::Reached, attempts, None, None),
        CallStatus::Cancelled => settled(
            CampaignLeadState::Blocked,
            attempts,
            None,
            Some(reason::CALL_CANCELLED),
        ),
        CallStatus::NoShow | CallStatus::Missed | CallStatus::Voicemail | CallStatus::Failed => {
            let attempts = attempts.saturating_add(1);
            if attempts >= policy.max_attempts {
                settled(CampaignLeadState::Unreached, attempts, None, None)
            } else {
                let next = ended_at + Duration::minutes(i64::from(policy.retry_after_minutes));
                settled(CampaignLeadState::Waiting, attempts, Some(next), None)
            }
        }
    }
}

/// Whether a campaign paced at `per_minute` may place another call, having
/// placed `last_minute` in the minute before.
pub fn pace_allows(per_minute: Option<i32>, last_minute: u64) -> bool {
    per_minute.is_none_or(|limit| last_minute < u64::try_from(limit).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        max_attempts: 3,
        retry_after_minutes: 60,
    };

    fn at() -> DateTime<Utc> {
        "2026-03-02T15:00:00Z".parse().unwrap()
    }

    #[test]
    fn an_answered_call_reaches_the_lead_when_it_ends() {
        assert_eq!(after_call(CallStatus::InProgress, 0, POLICY, at()), None);
        let done = after_call(CallStatus::Completed, 1, POLICY, at()).unwrap();
        assert_eq!(done.state, CampaignLeadState::Reached);
        assert_eq!(done.attempts, 1);
    }

    #[test]
    fn an_unanswered_call_is_retried_after_the_wait_until_the_attempts_run_out() {
        let first = after_call(CallStatus::Voicemail, 0, POLICY, at()).unwrap();
        assert_eq!(first.state, CampaignLeadState::Waiting);
        assert_eq!(first.attempts, 1);
        assert_eq!(first.next_attempt_at, Some(at() + Duration::minutes(60)));
        let second = after_call(CallStatus::Missed, 1, POLICY, at()).unwrap();
        assert_eq!(second.state, CampaignLeadState::Waiting);
        let last = after_call(CallStatus::Failed, 2, POLICY, at()).unwrap();
        assert_eq!(last.state, CampaignLeadState::Unreached);
        assert_eq!(last.attempts, 3);
        assert_eq!(last.next_attempt_at, None);
    }

    #[test]
    fn a_cancelled_call_takes_the_lead_out_without_an_attempt() {
        let out = after_call(CallStatus::Cancelled, 0, POLICY, at()).unwrap();
        assert_eq!(out.state, CampaignLeadState::Blocked);
        assert_eq!(out.attempts, 0);
        assert_eq!(out.block_reason, Some(reason::CALL_CANCELLED));
    }

    #[test]
    fn limits_are_refused_outside_their_range_with_their_field() {
        assert_eq!(concurrent_calls(1), Ok(1));
        assert_eq!(
            concurrent_calls(0).unwrap_err().field(),
            "maxConcurrentCalls"
        );
        assert!(calls_per_minute(1_001).is_err());
        assert_eq!(attempts(11).unwrap_err().field(), "maxAttempts");
        assert!(retry_after_minutes(MAX_RETRY_AFTER_MINUTES).is_ok());
        assert!(retry_after_minutes(-5).is_err());
    }

    #[test]
    fn a_paced_campaign_places_no_more_than_its_pace_in_a_minute() {
        assert!(pace_allows(None, 10_000));
        assert!(pace_allows(Some(2), 1));
        assert!(!pace_allows(Some(2), 2));
    }
}
