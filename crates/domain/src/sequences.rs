//! Nurture sequences (seed 001 story 3.5): the steps a sequence is made
//! of, validated once, and when a step may run.
//!
//! A step sends an SMS, an email or places a call, `delay` after the step
//! before it ran (the first, after enrolment). Its `conditions` are an
//! object with at most `statusIn` and `statusNotIn` (lists of lead
//! statuses): a step whose conditions the lead does not meet is skipped
//! and recorded as such.

use chrono::{DateTime, Days, Duration, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use switchboard_entity::enums::LeadStatus;

use crate::field::FieldError;

/// Most steps a sequence holds.
pub const MAX_STEPS: usize = 50;
/// The longest delay before a step.
pub const MAX_DELAY_DAYS: i64 = 365;

/// How a step reaches the lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    Email,
    Call,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Email => "email",
            Self::Call => "call",
        }
    }
}

/// When a step runs for a lead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Conditions {
    /// Only when the lead's status is one of these (none: any).
    pub status_in: Vec<LeadStatus>,
    /// Never when the lead's status is one of these.
    pub status_not_in: Vec<LeadStatus>,
}

impl Conditions {
    /// Whether a lead with `status` meets them.
    pub fn allow(&self, status: LeadStatus) -> bool {
        (self.status_in.is_empty() || self.status_in.contains(&status))
            && !self.status_not_in.contains(&status)
    }
}

/// One step, as stored in `nurture_sequences.steps`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// 1-based position.
    pub step: u32,
    pub channel: Channel,
    pub delay_minutes: i64,
    pub template_id: Option<String>,
    #[serde(default)]
    pub conditions: Conditions,
}

impl Step {
    pub fn delay(&self) -> Duration {
        Duration::minutes(self.delay_minutes)
    }
}

/// A step as a client writes it.
#[derive(Debug, Clone)]
pub struct StepInput {
    pub channel: Channel,
    pub delay_minutes: Option<i64>,
    pub delay_days: Option<i64>,
    pub template_id: Option<String>,
    pub conditions: Option<serde_json::Value>,
}

/// Parses a sequence's steps; refusals are keyed `steps[i].field`.
pub fn parse_steps(inputs: Vec<StepInput>) -> Result<Vec<Step>, FieldError> {
    if inputs.is_empty() || inputs.len() > MAX_STEPS {
        return Err(FieldError::new("steps", format!("1 to {MAX_STEPS} steps")));
    }
    inputs
        .into_iter()
        .enumerate()
        .map(|(i, input)| {
            let at = |field: &str| format!("steps[{i}].{field}");
            let minutes = match (input.delay_minutes, input.delay_days) {
                (Some(_), Some(_)) => {
                    return Err(FieldError::new(
                        at("delayDays"),
                        "give `delayMinutes` or `delayDays`, not both",
                    ));
                }
                (Some(m), None) => m,
                (None, Some(d)) if (0..=MAX_DELAY_DAYS).contains(&d) => d * 24 * 60,
                (None, Some(_)) => {
                    return Err(FieldError::new(
                        at("delayDays"),
                        format!("from 0 to {MAX_DELAY_DAYS}"),
                    ));
                }
                (None, None) => 0,
            };
            if !(0..=MAX_DELAY_DAYS * 24 * 60).contains(&minutes) {
                return Err(FieldError::new(
                    at("delayMinutes"),
                    format!("from 0 to {} (a year)", MAX_DELAY_DAYS * 24 * 60),
                ));
            }
            let template_id = input
                .template_id
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty());
            if template_id.as_ref().is_some_and(|t| t.chars().count() > 200) {
                return Err(FieldError::new(at("templateId"), "at most 200 characters"));
            }
            let conditions = match input.conditions {
                None | Some(serde_json::Value::Null) => Conditions::default(),
                Some(value) => serde_json::from_value::<ConditionsInput>(value)
                    .map_err(|e| FieldError::new(at("conditions"), format!("{e}: only `statusIn` and `statusNotIn`, lists of statuses such as \"qualified\"")))?
                    .into(),
            };
            Ok(Step {
                step: u32::try_from(i + 1).unwrap_or(u32::MAX),
                channel: input.channel,
                delay_minutes: minutes,
                template_id,
                conditions,
            })
        })
        .collect()
}

/// The conditions a client may write: unknown keys are refused.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConditionsInput {
    #[serde(default)]
    status_in: Vec<LeadStatus>,
    #[serde(default)]
    status_not_in: Vec<LeadStatus>,
}

impl From<ConditionsInput> for Conditions {
    fn from(c: ConditionsInput) -> Self {
        Self {
            status_in: c.status_in,
            status_not_in: c.status_not_in,
        }
    }
}

/// Reads stored steps; unreadable ones read as none.
pub fn stored_steps(value: &serde_json::Value) -> Vec<Step> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

/// The next instant at or after `now` inside the daily window
/// `[start, end)` at `zone`'s wall clock.
pub fn next_window_start<Z: TimeZone>(
    now: DateTime<Utc>,
    zone: &Z,
    start: NaiveTime,
    end: NaiveTime,
) -> DateTime<Utc> {
    let local = now.with_timezone(zone);
    let time = local.time();
    if time >= start && time < end {
        return now;
    }
    let mut day = local.date_naive();
    if time >= end {
        day = day.checked_add_days(Days::new(1)).unwrap_or(day);
    }
    let opening = day.and_time(start);
    zone.from_local_datetime(&opening)
        .earliest()
        // A start that a clock change skips: an hour later exists.
        .or_else(|| {
            zone.from_local_datetime(&(opening + Duration::hours(1)))
                .earliest()
        })
        .map_or(now + Duration::hours(1), |t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(channel: Channel) -> StepInput {
        StepInput {
            channel,
            delay_minutes: None,
            delay_days: None,
            template_id: None,
            conditions: None,
        }
    }

    #[test]
    fn steps_take_minutes_or_days_and_number_themselves() {
        let mut second = step(Channel::Email);
        second.delay_days = Some(2);
        let mut third = step(Channel::Call);
        third.delay_minutes = Some(90);
        third.conditions = Some(serde_json::json!({ "statusNotIn": ["qualified"] }));
        let steps = parse_steps(vec![step(Channel::Sms), second, third]).expect("valid");
        assert_eq!(
            steps
                .iter()
                .map(|s| (s.step, s.delay_minutes))
                .collect::<Vec<_>>(),
            [(1, 0), (2, 2880), (3, 90)]
        );
        assert!(!steps[2].conditions.allow(LeadStatus::Qualified));
        assert!(steps[2].conditions.allow(LeadStatus::New));
        let stored = serde_json::to_value(&steps).expect("json");
        assert_eq!(stored_steps(&stored), steps);
    }

    #[test]
    fn bad_steps_are_refused_by_field() {
        assert_eq!(parse_steps(vec![]).unwrap_err().field(), "steps");
        let mut both = step(Channel::Sms);
        both.delay_days = Some(1);
        both.delay_minutes = Some(1);
        assert_eq!(
            parse_steps(vec![both]).unwrap_err().field(),
            "steps[0].delayDays"
        );
        let mut negative = step(Channel::Sms);
        negative.delay_minutes = Some(-5);
        assert_eq!(
            parse_steps(vec![negative]).unwrap_err().field(),
            "steps[0].delayMinutes"
        );
        let mut unknown = step(Channel::Sms);
        unknown.conditions = Some(serde_json::json!({ "whenever": true }));
        assert_eq!(
            parse_steps(vec![step(Channel::Sms), unknown])
                .unwrap_err()
                .field(),
            "steps[1].conditions"
        );
    }

    #[test]
    fn outside_the_window_waits_for_the_next_opening() {
        let zone = chrono_tz::America::New_York;
        let (start, end) = (
            NaiveTime::from_hms_opt(8, 0, 0).expect("8"),
            NaiveTime::from_hms_opt(21, 0, 0).expect("21"),
        );
        // 02:00 UTC on Dec 8 is 21:00 on Dec 7 in New York: next 08:00 local = 13:00 UTC.
        let late = Utc.with_ymd_and_hms(2026, 12, 8, 2, 0, 0).unwrap();
        assert_eq!(
            next_window_start(late, &zone, start, end),
            Utc.with_ymd_and_hms(2026, 12, 8, 13, 0, 0).unwrap()
        );
        // 11:00 UTC is 06:00 local: the same day's 08:00.
        let early = Utc.with_ymd_and_hms(2026, 12, 8, 11, 0, 0).unwrap();
        assert_eq!(
            next_window_start(early, &zone, start, end),
            Utc.with_ymd_and_hms(2026, 12, 8, 13, 0, 0).unwrap()
        );
        let open = Utc.with_ymd_and_hms(2026, 12, 8, 15, 0, 0).unwrap();
        assert_eq!(next_window_start(open, &zone, start, end), open);
    }
}
