//! Nurture sequences (seed 001 story 3.5): the steps a sequence is made
//! of, validated once, and when a step may run.
//!
//! A step sends an SMS, an email or places a call, `delay` after the step
//! before it ran (the first, after enrolment). Its `conditions` are an
//! object with at most `statusIn` and `statusNotIn` (lists of lead
//! statuses): a step whose conditions the lead does not meet is skipped
//! and recorded as such.
//!
//! An SMS or email step carries its text (`message`, with placeholders such
//! as `{{firstName}}` filled from the lead when it is sent, see
//! [`render`]), a provider template (`templateId`, a Twilio Content SID for
//! SMS), or both; an email may have a `subject`.

use chrono::{DateTime, Days, Duration, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use switchboard_entity::enums::LeadStatus;

use crate::field::FieldError;

/// Most steps a sequence holds.
pub const MAX_STEPS: usize = 50;
/// The longest delay before a step.
pub const MAX_DELAY_DAYS: i64 = 365;
/// The longest SMS body (Twilio's limit, in characters).
pub const MAX_SMS_CHARS: usize = 1_600;
/// The longest email body.
pub const MAX_EMAIL_CHARS: usize = 20_000;
/// The placeholders a message may use, and the lead field each one reads.
pub const PLACEHOLDERS: &[&str] = &["firstName", "lastName", "fullName", "email", "phoneNumber"];

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
    /// The text sent, placeholders unfilled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// An email's subject line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
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
    pub message: Option<String>,
    pub subject: Option<String>,
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
            let message = input.message.filter(|m| !m.trim().is_empty());
            let subject = input
                .subject
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty());
            check_content(input.channel, message.as_deref(), subject.as_deref(), template_id.as_deref())
                .map_err(|(field, reason)| FieldError::new(at(field), reason))?;
            Ok(Step {
                step: u32::try_from(i + 1).unwrap_or(u32::MAX),
                channel: input.channel,
                delay_minutes: minutes,
                template_id,
                conditions,
                message,
                subject,
            })
        })
        .collect()
}

/// What a step sends: a message step needs a text or a template, within
/// its channel's length, using known placeholders; a call sends neither.
fn check_content(
    channel: Channel,
    message: Option<&str>,
    subject: Option<&str>,
    template: Option<&str>,
) -> Result<(), (&'static str, String)> {
    let limit = match channel {
        Channel::Call if message.is_some() => {
            return Err((
                "message",
                "a call step sends no message: the agent speaks".into(),
            ));
        }
        Channel::Call => return Ok(()),
        Channel::Sms => MAX_SMS_CHARS,
        Channel::Email => MAX_EMAIL_CHARS,
    };
    if message.is_none() && template.is_none() {
        return Err((
            "message",
            "an SMS or email step needs a `message` or a `templateId`".into(),
        ));
    }
    if subject.is_some() && channel != Channel::Email {
        return Err(("subject", "only an email has a subject".into()));
    }
    if subject.is_some_and(|s| s.chars().count() > 200 || s.contains(['\r', '\n'])) {
        return Err(("subject", "one line of at most 200 characters".into()));
    }
    for (field, text) in [("message", message), ("subject", subject)] {
        let Some(text) = text else { continue };
        if text.chars().count() > limit {
            return Err((field, format!("at most {limit} characters")));
        }
        if let Some(unknown) = placeholders(text).find(|p| !PLACEHOLDERS.contains(p)) {
            return Err((
                field,
                format!(
                    "no placeholder `{{{{{unknown}}}}}`: use {}",
                    PLACEHOLDERS
                        .iter()
                        .map(|p| format!("{{{{{p}}}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// The names between `{{` and `}}` in `text`.
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split("{{")
        .skip(1)
        .filter_map(|rest| rest.split_once("}}").map(|(name, _)| name.trim()))
}

/// The lead fields a message's placeholders read.
#[derive(Debug, Clone, Default)]
pub struct Recipient<'a> {
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub phone_number: &'a str,
}

/// `text` with its placeholders filled from `lead` (an empty field reads
/// as nothing; the spaces around it are tidied).
pub fn render(text: &str, lead: &Recipient<'_>) -> String {
    let full = [lead.first_name, lead.last_name]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some((name, tail)) = after.split_once("}}") else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let value = match name.trim() {
            "firstName" => lead.first_name.unwrap_or_default(),
            "lastName" => lead.last_name.unwrap_or_default(),
            "fullName" => full.as_str(),
            "email" => lead.email.unwrap_or_default(),
            "phoneNumber" => lead.phone_number,
            _ => "",
        };
        out.push_str(value);
        rest = tail;
    }
    out.push_str(rest);
    // "Hi {{firstName}}, …" for a lead with no first name reads "Hi, …".
    out.replace(" ,", ",").replace("  ", " ").trim().to_owned()
}

/// The keywords that, texted alone, unsubscribe a number from a sender's
/// messages (Twilio's and the CTIA's list).
pub const SMS_OPT_OUT_KEYWORDS: &[&str] = &[
    "STOP",
    "STOPALL",
    "STOP ALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "OPTOUT",
    "OPT OUT",
    "REVOKE",
];

/// The opt-out keyword a text is, if it is one (case, surrounding space
/// and trailing punctuation aside).
pub fn sms_opt_out(body: &str) -> Option<&'static str> {
    let word = body
        .trim()
        .trim_end_matches(['.', '!'])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase();
    SMS_OPT_OUT_KEYWORDS.iter().copied().find(|k| *k == word)
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
            message: (channel != Channel::Call).then(|| "Hi {{firstName}}".to_owned()),
            subject: None,
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
    fn message_steps_need_content_within_their_channel() {
        let mut empty = step(Channel::Sms);
        empty.message = None;
        assert_eq!(
            parse_steps(vec![empty.clone()]).unwrap_err().field(),
            "steps[0].message"
        );
        empty.template_id = Some("HX123".into());
        assert!(parse_steps(vec![empty]).is_ok(), "a template alone will do");
        let mut long = step(Channel::Sms);
        long.message = Some("x".repeat(MAX_SMS_CHARS + 1));
        assert_eq!(
            parse_steps(vec![long]).unwrap_err().field(),
            "steps[0].message"
        );
        let mut unknown = step(Channel::Email);
        unknown.subject = Some("For {{company}}".into());
        assert_eq!(
            parse_steps(vec![unknown]).unwrap_err().field(),
            "steps[0].subject"
        );
        let mut texted = step(Channel::Sms);
        texted.subject = Some("Hello".into());
        assert_eq!(
            parse_steps(vec![texted]).unwrap_err().field(),
            "steps[0].subject"
        );
        let mut spoken = step(Channel::Call);
        spoken.message = Some("Hello".into());
        assert_eq!(
            parse_steps(vec![spoken]).unwrap_err().field(),
            "steps[0].message"
        );
    }

    #[test]
    fn a_keyword_alone_opts_out_and_a_sentence_does_not() {
        assert_eq!(sms_opt_out(" stop "), Some("STOP"));
        assert_eq!(sms_opt_out("Stop all!"), Some("STOP ALL"));
        assert_eq!(sms_opt_out("unsubscribe."), Some("UNSUBSCRIBE"));
        assert_eq!(sms_opt_out("please don't stop"), None);
        assert_eq!(sms_opt_out(""), None);
    }

    #[test]
    fn placeholders_are_filled_from_the_lead() {
        let lead = Recipient {
            first_name: Some("Ada"),
            last_name: Some("Lovelace"),
            email: None,
            phone_number: "+14155550100",
        };
        assert_eq!(
            render(
                "Hi {{firstName}}, {{ fullName }} at {{phoneNumber}}{{email}}.",
                &lead
            ),
            "Hi Ada, Ada Lovelace at +14155550100."
        );
        let nameless = Recipient {
            phone_number: "+14155550100",
            ..Recipient::default()
        };
        assert_eq!(
            render("Hi {{firstName}}, still keen?", &nameless),
            "Hi, still keen?"
        );
        assert_eq!(
            render("Unclosed {{firstName", &lead),
            "Unclosed {{firstName"
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
