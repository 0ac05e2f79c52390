//! What one call adds to the daily rollups (`organization_analytics`, and
//! `agent_analytics` when the call has an agent).
//!
//! The same functions serve the upkeep in the call's own transaction and the
//! `switchboard analytics rebuild` command, so the two cannot disagree. The
//! rules:
//!
//! - A call counts once, when it reaches a terminal status (the status
//!   machine lets that happen only once), on the day its `ended_at` falls on
//!   in the organization's time zone.
//! - `successful` = ended `completed`; `failed` = ended `failed`; `answered`
//!   = ended connected (`completed` or `voicemail`); `inbound`/`outbound` by
//!   call type. Duration, billed minutes and credits are the call's.
//! - `leads_generated` = calls whose lead was auto-created by that call.
//! - The call's analysis (if any) adds `analyzed`, `qualified`, the CTA
//!   counters and the score sums (a missing score adds 0). An analysis
//!   recorded or replaced after the call ended moves the counters by the
//!   difference, so they stay exact.
//! - Rates and averages are never stored: they are derived on read.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use switchboard_entity::enums::{CallStatus, CallType};
use switchboard_entity::{calls, lead_analytics};

/// Counters and sums one call (or a difference of analyses) adds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Contribution {
    pub total_calls: i64,
    pub successful_calls: i64,
    pub failed_calls: i64,
    pub answered_calls: i64,
    pub inbound_calls: i64,
    pub outbound_calls: i64,
    pub total_duration_seconds: i64,
    pub total_billed_minutes: i64,
    pub leads_generated: i64,
    pub qualified_leads: i64,
    pub cta_pricing_clicks: i64,
    pub cta_demo_clicks: i64,
    pub cta_followup_clicks: i64,
    pub cta_sample_clicks: i64,
    pub cta_human_escalations: i64,
    pub calls_with_cta: i64,
    pub credits_used: i64,
    pub analyzed_calls: i64,
    pub sum_intent_score: i64,
    pub sum_urgency_score: i64,
    pub sum_budget_score: i64,
    pub sum_fit_score: i64,
    pub sum_engagement_score: i64,
    pub sum_total_score: i64,
}

macro_rules! fields {
    ($m:ident) => {
        $m!(
            total_calls,
            successful_calls,
            failed_calls,
            answered_calls,
            inbound_calls,
            outbound_calls,
            total_duration_seconds,
            total_billed_minutes,
            leads_generated,
            qualified_leads,
            cta_pricing_clicks,
            cta_demo_clicks,
            cta_followup_clicks,
            cta_sample_clicks,
            cta_human_escalations,
            calls_with_cta,
            credits_used,
            analyzed_calls,
            sum_intent_score,
            sum_urgency_score,
            sum_budget_score,
            sum_fit_score,
            sum_engagement_score,
            sum_total_score
        )
    };
}

impl Contribution {
    /// Every column name, in the order of [`Contribution::values`].
    pub const COLUMNS: [&'static str; 24] = {
        macro_rules! names {
            ($($f:ident),+) => { [$(stringify!($f)),+] };
        }
        fields!(names)
    };

    /// The values, in the order of [`Contribution::COLUMNS`].
    pub fn values(&self) -> [i64; 24] {
        macro_rules! values {
            ($($f:ident),+) => { [$(self.$f),+] };
        }
        fields!(values)
    }

    /// What an ended call adds, without its analysis.
    pub fn of_ended_call(call: &calls::Model, lead_generated: bool) -> Self {
        Self::of_ended(&EndedCall::of(call), lead_generated)
    }

    /// What an ended call adds, from the columns that matter.
    pub fn of_ended(call: &EndedCall, lead_generated: bool) -> Self {
        let status = call.status;
        Self {
            total_calls: 1,
            successful_calls: i64::from(status == CallStatus::Completed),
            failed_calls: i64::from(status == CallStatus::Failed),
            answered_calls: i64::from(matches!(
                status,
                CallStatus::Completed | CallStatus::Voicemail
            )),
            inbound_calls: i64::from(call.call_type == CallType::Inbound),
            outbound_calls: i64::from(call.call_type != CallType::Inbound),
            total_duration_seconds: i64::from(call.duration_seconds.unwrap_or(0)),
            total_billed_minutes: i64::from(call.billed_minutes.unwrap_or(0)),
            leads_generated: i64::from(lead_generated),
            credits_used: call.credits_used,
            ..Self::default()
        }
    }

    /// What a call's analysis adds.
    pub fn of_analysis(analysis: &lead_analytics::Model) -> Self {
        let cta = [
            analysis.cta_pricing_clicked,
            analysis.cta_demo_clicked,
            analysis.cta_followup_clicked,
            analysis.cta_sample_clicked,
            analysis.cta_escalated_to_human,
        ];
        let score = |s: Option<i32>| i64::from(s.unwrap_or(0));
        Self {
            qualified_leads: i64::from(analysis.is_qualified),
            cta_pricing_clicks: i64::from(analysis.cta_pricing_clicked),
            cta_demo_clicks: i64::from(analysis.cta_demo_clicked),
            cta_followup_clicks: i64::from(analysis.cta_followup_clicked),
            cta_sample_clicks: i64::from(analysis.cta_sample_clicked),
            cta_human_escalations: i64::from(analysis.cta_escalated_to_human),
            calls_with_cta: i64::from(cta.iter().any(|c| *c)),
            analyzed_calls: 1,
            sum_intent_score: score(analysis.intent_score),
            sum_urgency_score: score(analysis.urgency_score),
            sum_budget_score: score(analysis.budget_score),
            sum_fit_score: score(analysis.fit_score),
            sum_engagement_score: score(analysis.engagement_score),
            sum_total_score: score(analysis.total_score),
            ..Self::default()
        }
    }

    /// The sum of two contributions.
    pub fn plus(self, other: Self) -> Self {
        let (a, b) = (self.values(), other.values());
        Self::from_values(std::array::from_fn(|i| a[i] + b[i]))
    }

    /// The difference `self − other`.
    pub fn minus(self, other: Self) -> Self {
        let (a, b) = (self.values(), other.values());
        Self::from_values(std::array::from_fn(|i| a[i] - b[i]))
    }

    /// Whether it changes nothing.
    pub fn is_zero(&self) -> bool {
        self.values().iter().all(|v| *v == 0)
    }

    fn from_values(v: [i64; 24]) -> Self {
        let mut i = 0;
        let mut next = || {
            i += 1;
            v[i - 1]
        };
        macro_rules! build {
            ($($f:ident),+) => { Self { $($f: next()),+ } };
        }
        fields!(build)
    }
}

/// The columns of an ended call the rollups read (a rebuild reads only
/// these, not whole rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndedCall {
    pub status: CallStatus,
    pub call_type: CallType,
    pub duration_seconds: Option<i32>,
    pub billed_minutes: Option<i32>,
    pub credits_used: i64,
}

impl EndedCall {
    pub fn of(call: &calls::Model) -> Self {
        Self {
            status: call.status,
            call_type: call.call_type,
            duration_seconds: call.duration_seconds,
            billed_minutes: call.billed_minutes,
            credits_used: call.credits_used,
        }
    }
}

/// The rollup day of a call that ended at `ended_at`, in `timezone`.
pub fn rollup_day(ended_at: DateTime<Utc>, timezone: Tz) -> NaiveDate {
    ended_at.with_timezone(&timezone).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn columns_and_values_line_up() {
        let c = Contribution {
            total_calls: 1,
            sum_total_score: 7,
            ..Contribution::default()
        };
        let values = c.values();
        assert_eq!(Contribution::COLUMNS[0], "total_calls");
        assert_eq!(values[0], 1);
        assert_eq!(Contribution::COLUMNS[23], "sum_total_score");
        assert_eq!(values[23], 7);
        assert_eq!(Contribution::from_values(values), c);
    }

    #[test]
    fn a_replaced_analysis_moves_counters_by_the_difference() {
        let before = Contribution {
            analyzed_calls: 1,
            qualified_leads: 1,
            sum_total_score: 80,
            ..Contribution::default()
        };
        let after = Contribution {
            analyzed_calls: 1,
            qualified_leads: 0,
            sum_total_score: 60,
            ..Contribution::default()
        };
        let delta = after.minus(before);
        assert_eq!(delta.analyzed_calls, 0);
        assert_eq!(delta.qualified_leads, -1);
        assert_eq!(delta.sum_total_score, -20);
        assert_eq!(before.plus(delta), after);
        assert!(after.minus(after).is_zero());
    }

    #[test]
    fn a_late_evening_call_counts_on_its_local_day() {
        let tz: Tz = "America/Los_Angeles".parse().unwrap();
        // 03:30 UTC on the 2nd is 19:30 on the 1st in Los Angeles (PST).
        let ended = Utc.with_ymd_and_hms(2026, 1, 2, 3, 30, 0).unwrap();
        assert_eq!(
            rollup_day(ended, tz),
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
        );
    }
}
