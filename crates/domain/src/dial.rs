//! The compliance gate every outbound dial passes: scheduling a call and the
//! `dialEligibility` query ask the same question here, so they can never
//! disagree about whether a number may be called.
//!
//! The check is pure: the caller loads the DNC entry, time zones, campaign
//! window and credit balance, and [`check`] decides. It returns every reason
//! that blocks the dial, not just the first, so the UI can show them all.

use chrono::{DateTime, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::fmt;

/// The earliest local time (inclusive) a person may be called (TCPA).
pub const CALLING_HOURS_START: NaiveTime = match NaiveTime::from_hms_opt(8, 0, 0) {
    Some(time) => time,
    None => panic!("08:00 is a valid time"),
};

/// The local time (exclusive) from which a person may no longer be called
/// (TCPA).
pub const CALLING_HOURS_END: NaiveTime = match NaiveTime::from_hms_opt(21, 0, 0) {
    Some(time) => time,
    None => panic!("21:00 is a valid time"),
};

/// The hours people may be called, in their own local time: 08:00 to
/// 21:00 (TCPA), or narrower hours an organization sets; never wider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallingHoursPolicy {
    /// The earliest local time (inclusive).
    pub start: NaiveTime,
    /// The local time (exclusive) calls must stop by.
    pub end: NaiveTime,
}

impl Default for CallingHoursPolicy {
    fn default() -> Self {
        Self {
            start: CALLING_HOURS_START,
            end: CALLING_HOURS_END,
        }
    }
}

impl CallingHoursPolicy {
    /// Hours within 08:00–21:00, the start before the end; refusals are
    /// keyed `callingHoursStart` or `callingHoursEnd`.
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<Self, crate::field::FieldError> {
        use crate::field::FieldError;
        if start < CALLING_HOURS_START {
            return Err(FieldError::new(
                "callingHoursStart",
                "calls may not start before 08:00 local time (TCPA)",
            ));
        }
        if end > CALLING_HOURS_END {
            return Err(FieldError::new(
                "callingHoursEnd",
                "calls must stop by 21:00 local time (TCPA)",
            ));
        }
        if start >= end {
            return Err(FieldError::new(
                "callingHoursEnd",
                "the end must come after the start",
            ));
        }
        Ok(Self { start, end })
    }
}

/// An entry on the organization's do-not-call list for the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DncEntry {
    /// When the entry stops applying; `None` is for ever. An entry whose
    /// expiry has passed does not block.
    pub expires_at: Option<DateTime<Utc>>,
}

impl DncEntry {
    /// Whether the entry still blocks at `at`: it has no expiry, or its
    /// expiry is later than `at`.
    pub fn applies_at(&self, at: DateTime<Utc>) -> bool {
        self.expires_at.is_none_or(|expires_at| expires_at > at)
    }
}

/// A campaign's calling window: calls may start from `start` (inclusive)
/// until `end` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallingWindow {
    pub start: NaiveTime,
    pub end: NaiveTime,
    /// The zone the window is read in; `None` is the called party's zone.
    pub timezone: Option<Tz>,
}

/// Everything [`check`] needs to decide whether a number may be dialed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DialRequest<'a> {
    /// When the call would be placed.
    pub at: DateTime<Utc>,
    /// The number's DNC entry in the organization, if any.
    pub dnc: Option<&'a DncEntry>,
    /// The lead's time zone, if known.
    pub lead_timezone: Option<Tz>,
    /// Stands in for the called party's zone when the lead's is unknown.
    pub organization_timezone: Tz,
    /// The campaign's window, if the call belongs to a campaign with one.
    pub campaign_window: Option<&'a CallingWindow>,
    pub credit_balance: i64,
    pub credits_per_minute: i64,
    /// The organization's calling hours (the legal ones by default).
    pub calling_hours: CallingHoursPolicy,
}

impl DialRequest<'_> {
    /// The called party's zone: the lead's, else the organization's.
    pub fn called_party_timezone(&self) -> Tz {
        self.lead_timezone.unwrap_or(self.organization_timezone)
    }
}

/// A reason a number may not be dialed now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DialBlock {
    /// The number is on the organization's do-not-call list.
    OnDncList { expires_at: Option<DateTime<Utc>> },
    /// It is outside the calling hours (08:00 to 21:00, or the
    /// organization's narrower hours) at the called party's local time.
    OutsideCallingHours {
        local_time: NaiveTime,
        timezone: String,
        start: NaiveTime,
        end: NaiveTime,
    },
    /// It is outside the campaign's calling window.
    OutsideCampaignWindow {
        local_time: NaiveTime,
        start: NaiveTime,
        end: NaiveTime,
        timezone: String,
    },
    /// The balance does not cover one minute of calling.
    InsufficientCredits { balance: i64, required: i64 },
    /// The call belongs to a campaign that is not running (a draft, paused
    /// or completed campaign places no calls).
    CampaignNotActive { status: String },
}

impl DialBlock {
    /// A stable machine-readable code for the block.
    pub fn code(&self) -> &'static str {
        match self {
            Self::OnDncList { .. } => "ON_DNC_LIST",
            Self::OutsideCallingHours { .. } => "OUTSIDE_CALLING_HOURS",
            Self::OutsideCampaignWindow { .. } => "OUTSIDE_CAMPAIGN_WINDOW",
            Self::InsufficientCredits { .. } => "INSUFFICIENT_CREDITS",
            Self::CampaignNotActive { .. } => "CAMPAIGN_NOT_ACTIVE",
        }
    }
}

impl fmt::Display for DialBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OnDncList { expires_at: None } => {
                f.write_str("the number is on the do-not-call list")
            }
            Self::OnDncList {
                expires_at: Some(expires_at),
            } => write!(
                f,
                "the number is on the do-not-call list until {}",
                expires_at.format("%Y-%m-%d %H:%M UTC")
            ),
            Self::OutsideCallingHours {
                local_time,
                timezone,
                start,
                end,
            } => write!(
                f,
                "it is {} in {timezone}; people may be called only from {} to {} their local time",
                local_time.format("%H:%M"),
                start.format("%H:%M"),
                end.format("%H:%M"),
            ),
            Self::OutsideCampaignWindow {
                local_time,
                start,
                end,
                timezone,
            } => write!(
                f,
                "it is {} in {timezone}, outside the campaign's calling window ({} to {})",
                local_time.format("%H:%M"),
                start.format("%H:%M"),
                end.format("%H:%M"),
            ),
            Self::InsufficientCredits { balance, required } => write!(
                f,
                "the balance of {balance} credits does not cover one minute of calling ({required} credits)"
            ),
            Self::CampaignNotActive { status } => {
                write!(f, "the campaign is {status}, not active")
            }
        }
    }
}

/// Every reason `request` may not be dialed, in a fixed order: DNC, calling
/// hours, campaign window, credits. Empty means the number may be dialed.
pub fn check(request: &DialRequest) -> Vec<DialBlock> {
    let mut blocks = Vec::new();

    if let Some(entry) = request.dnc.filter(|entry| entry.applies_at(request.at)) {
        blocks.push(DialBlock::OnDncList {
            expires_at: entry.expires_at,
        });
    }

    let party = request.called_party_timezone();
    let party_time = local_time(request.at, party);
    let hours = request.calling_hours;
    if !(hours.start <= party_time && party_time < hours.end) {
        blocks.push(DialBlock::OutsideCallingHours {
            local_time: party_time,
            timezone: party.name().to_owned(),
            start: hours.start,
            end: hours.end,
        });
    }

    if let Some(window) = request.campaign_window {
        let zone = window.timezone.unwrap_or(party);
        let time = local_time(request.at, zone);
        if !(window.start <= time && time < window.end) {
            blocks.push(DialBlock::OutsideCampaignWindow {
                local_time: time,
                start: window.start,
                end: window.end,
                timezone: zone.name().to_owned(),
            });
        }
    }

    if request.credit_balance < request.credits_per_minute {
        blocks.push(DialBlock::InsufficientCredits {
            balance: request.credit_balance,
            required: request.credits_per_minute,
        });
    }

    blocks
}

/// The wall-clock time at `at` in `zone`, to the second.
fn local_time(at: DateTime<Utc>, zone: Tz) -> NaiveTime {
    let time = at.with_timezone(&zone).time();
    time.with_nanosecond(0).unwrap_or(time)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::America::{Los_Angeles, New_York};
    use chrono_tz::Europe::London;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    /// A request that passes every check: 2026-01-15 12:00 in New York
    /// (17:00 UTC, EST), no DNC entry, no campaign, plenty of credits.
    fn request() -> DialRequest<'static> {
        DialRequest {
            at: utc(2026, 1, 15, 17, 0, 0),
            dnc: None,
            lead_timezone: Some(New_York),
            organization_timezone: New_York,
            campaign_window: None,
            credit_balance: 1_000,
            credits_per_minute: 10,
            calling_hours: CallingHoursPolicy::default(),
        }
    }

    fn codes(blocks: &[DialBlock]) -> Vec<&'static str> {
        blocks.iter().map(DialBlock::code).collect()
    }

    #[test]
    fn a_clean_request_may_dial() {
        assert_eq!(check(&request()), vec![]);
    }

    #[test]
    fn an_organization_may_narrow_the_calling_hours_but_never_widen_them() {
        assert!(CallingHoursPolicy::new(hm(9, 0), hm(17, 30)).is_ok());
        let early = CallingHoursPolicy::new(hm(7, 0), hm(17, 0)).expect_err("too early");
        assert_eq!(early.field(), "callingHoursStart");
        let late = CallingHoursPolicy::new(hm(9, 0), hm(21, 30)).expect_err("too late");
        assert_eq!(late.field(), "callingHoursEnd");
        assert!(CallingHoursPolicy::new(hm(12, 0), hm(12, 0)).is_err());
        let office = CallingHoursPolicy::new(hm(9, 0), hm(17, 0)).expect("valid");
        let request = DialRequest {
            at: utc(2026, 1, 15, 23, 0, 0),
            calling_hours: office,
            ..request()
        };
        assert_eq!(
            check(&request),
            vec![DialBlock::OutsideCallingHours {
                local_time: hm(18, 0),
                timezone: "America/New_York".into(),
                start: hm(9, 0),
                end: hm(17, 0),
            }]
        );
    }

    #[test]
    fn the_calling_hours_are_eight_to_nine() {
        assert_eq!(CALLING_HOURS_START, hm(8, 0));
        assert_eq!(CALLING_HOURS_END, hm(21, 0));
    }

    #[test]
    fn a_dnc_entry_without_expiry_blocks() {
        let entry = DncEntry { expires_at: None };
        let blocks = check(&DialRequest {
            dnc: Some(&entry),
            ..request()
        });
        assert_eq!(blocks, vec![DialBlock::OnDncList { expires_at: None }]);
    }

    #[test]
    fn a_dnc_entry_that_expired_yesterday_does_not_block() {
        let entry = DncEntry {
            expires_at: Some(utc(2026, 1, 14, 17, 0, 0)),
        };
        assert_eq!(
            check(&DialRequest {
                dnc: Some(&entry),
                ..request()
            }),
            vec![]
        );
    }

    #[test]
    fn a_dnc_entry_that_expires_tomorrow_blocks() {
        let tomorrow = utc(2026, 1, 16, 17, 0, 0);
        let entry = DncEntry {
            expires_at: Some(tomorrow),
        };
        let blocks = check(&DialRequest {
            dnc: Some(&entry),
            ..request()
        });
        assert_eq!(
            blocks,
            vec![DialBlock::OnDncList {
                expires_at: Some(tomorrow)
            }]
        );
    }

    #[test]
    fn a_dnc_entry_stops_blocking_at_its_expiry() {
        let at = request().at;
        let entry = DncEntry {
            expires_at: Some(at),
        };
        assert_eq!(
            check(&DialRequest {
                dnc: Some(&entry),
                ..request()
            }),
            vec![]
        );
    }

    #[test]
    fn twenty_fifty_nine_is_allowed_and_twenty_one_is_not() {
        // EST is UTC-5 in January: 20:59 local is 01:59 UTC the next day.
        let late = check(&DialRequest {
            at: utc(2026, 1, 16, 1, 59, 0),
            ..request()
        });
        assert_eq!(late, vec![]);

        let closed = check(&DialRequest {
            at: utc(2026, 1, 16, 2, 0, 0),
            ..request()
        });
        assert_eq!(
            closed,
            vec![DialBlock::OutsideCallingHours {
                local_time: hm(21, 0),
                timezone: "America/New_York".into(),
                start: CALLING_HOURS_START,
                end: CALLING_HOURS_END,
            }]
        );
    }

    #[test]
    fn seven_fifty_nine_is_not_allowed_and_eight_is() {
        let early = check(&DialRequest {
            at: utc(2026, 1, 15, 12, 59, 0),
            ..request()
        });
        assert_eq!(
            early,
            vec![DialBlock::OutsideCallingHours {
                local_time: hm(7, 59),
                timezone: "America/New_York".into(),
                start: CALLING_HOURS_START,
                end: CALLING_HOURS_END,
            }]
        );

        let open = check(&DialRequest {
            at: utc(2026, 1, 15, 13, 0, 0),
            ..request()
        });
        assert_eq!(open, vec![]);
    }

    #[test]
    fn the_last_second_before_eight_is_still_too_early() {
        let blocks = check(&DialRequest {
            at: utc(2026, 1, 15, 12, 59, 59),
            ..request()
        });
        assert_eq!(codes(&blocks), vec!["OUTSIDE_CALLING_HOURS"]);
    }

    #[test]
    fn the_leads_zone_beats_the_organizations() {
        // 13:30 UTC in January is 08:30 in New York and 05:30 in Los Angeles.
        let at = utc(2026, 1, 15, 13, 30, 0);
        let lead_in_la = check(&DialRequest {
            at,
            lead_timezone: Some(Los_Angeles),
            organization_timezone: New_York,
            ..request()
        });
        assert_eq!(
            lead_in_la,
            vec![DialBlock::OutsideCallingHours {
                local_time: hm(5, 30),
                timezone: "America/Los_Angeles".into(),
                start: CALLING_HOURS_START,
                end: CALLING_HOURS_END,
            }]
        );

        let lead_in_ny = check(&DialRequest {
            at,
            lead_timezone: Some(New_York),
            organization_timezone: Los_Angeles,
            ..request()
        });
        assert_eq!(lead_in_ny, vec![]);
    }

    #[test]
    fn without_a_lead_zone_the_organizations_zone_is_used() {
        let at = utc(2026, 1, 15, 13, 30, 0);
        let org_in_la = check(&DialRequest {
            at,
            lead_timezone: None,
            organization_timezone: Los_Angeles,
            ..request()
        });
        assert_eq!(codes(&org_in_la), vec!["OUTSIDE_CALLING_HOURS"]);

        let org_in_ny = check(&DialRequest {
            at,
            lead_timezone: None,
            organization_timezone: New_York,
            ..request()
        });
        assert_eq!(org_in_ny, vec![]);
    }

    #[test]
    fn daylight_saving_day_uses_the_new_offset() {
        // On 2026-03-08 New York springs forward at 02:00 EST to 03:00 EDT.
        // 12:30 UTC is 07:30 EST the day before but 08:30 EDT on the day.
        let day_before = check(&DialRequest {
            at: utc(2026, 3, 7, 12, 30, 0),
            ..request()
        });
        assert_eq!(
            day_before,
            vec![DialBlock::OutsideCallingHours {
                local_time: hm(7, 30),
                timezone: "America/New_York".into(),
                start: CALLING_HOURS_START,
                end: CALLING_HOURS_END,
            }]
        );
        let on_the_day = check(&DialRequest {
            at: utc(2026, 3, 8, 12, 30, 0),
            ..request()
        });
        assert_eq!(on_the_day, vec![]);

        // And 21:00 EDT on the day is 01:00 UTC on the 9th, not 02:00.
        let closed = check(&DialRequest {
            at: utc(2026, 3, 9, 1, 0, 0),
            ..request()
        });
        assert_eq!(codes(&closed), vec!["OUTSIDE_CALLING_HOURS"]);
        let open = check(&DialRequest {
            at: utc(2026, 3, 9, 0, 59, 0),
            ..request()
        });
        assert_eq!(open, vec![]);
    }

    #[test]
    fn the_campaign_window_is_read_in_the_called_partys_zone_by_default() {
        // 10:00 in New York (15:00 UTC in January).
        let window = CallingWindow {
            start: hm(10, 0),
            end: hm(17, 0),
            timezone: None,
        };
        let at_start = check(&DialRequest {
            at: utc(2026, 1, 15, 15, 0, 0),
            campaign_window: Some(&window),
            ..request()
        });
        assert_eq!(at_start, vec![]);

        let before = check(&DialRequest {
            at: utc(2026, 1, 15, 14, 59, 0),
            campaign_window: Some(&window),
            ..request()
        });
        assert_eq!(
            before,
            vec![DialBlock::OutsideCampaignWindow {
                local_time: hm(9, 59),
                start: hm(10, 0),
                end: hm(17, 0),
                timezone: "America/New_York".into(),
            }]
        );

        let at_end = check(&DialRequest {
            at: utc(2026, 1, 15, 22, 0, 0),
            campaign_window: Some(&window),
            ..request()
        });
        assert_eq!(codes(&at_end), vec!["OUTSIDE_CAMPAIGN_WINDOW"]);
    }

    #[test]
    fn the_campaign_window_uses_its_own_zone_when_it_has_one() {
        // 17:00 UTC in January: 12:00 in New York, 17:00 in London.
        let london_mornings = CallingWindow {
            start: hm(9, 0),
            end: hm(12, 0),
            timezone: Some(London),
        };
        let blocks = check(&DialRequest {
            campaign_window: Some(&london_mornings),
            ..request()
        });
        assert_eq!(
            blocks,
            vec![DialBlock::OutsideCampaignWindow {
                local_time: hm(17, 0),
                start: hm(9, 0),
                end: hm(12, 0),
                timezone: "Europe/London".into(),
            }]
        );

        let london_afternoons = CallingWindow {
            start: hm(13, 0),
            end: hm(18, 0),
            timezone: Some(London),
        };
        assert_eq!(
            check(&DialRequest {
                campaign_window: Some(&london_afternoons),
                ..request()
            }),
            vec![]
        );
    }

    #[test]
    fn a_balance_of_exactly_one_minute_is_allowed_and_one_less_is_not() {
        let exact = check(&DialRequest {
            credit_balance: 10,
            credits_per_minute: 10,
            ..request()
        });
        assert_eq!(exact, vec![]);

        let short = check(&DialRequest {
            credit_balance: 9,
            credits_per_minute: 10,
            ..request()
        });
        assert_eq!(
            short,
            vec![DialBlock::InsufficientCredits {
                balance: 9,
                required: 10
            }]
        );
    }

    #[test]
    fn every_block_is_returned_in_order() {
        let entry = DncEntry { expires_at: None };
        let window = CallingWindow {
            start: hm(10, 0),
            end: hm(17, 0),
            timezone: None,
        };
        // 06:00 in New York.
        let blocks = check(&DialRequest {
            at: utc(2026, 1, 15, 11, 0, 0),
            dnc: Some(&entry),
            campaign_window: Some(&window),
            credit_balance: 0,
            credits_per_minute: 10,
            ..request()
        });
        assert_eq!(
            codes(&blocks),
            vec![
                "ON_DNC_LIST",
                "OUTSIDE_CALLING_HOURS",
                "OUTSIDE_CAMPAIGN_WINDOW",
                "INSUFFICIENT_CREDITS",
            ]
        );
    }

    #[test]
    fn local_times_are_reported_to_the_second() {
        let blocks = check(&DialRequest {
            at: utc(2026, 1, 15, 12, 59, 59) + chrono::Duration::milliseconds(500),
            ..request()
        });
        assert_eq!(
            blocks,
            vec![DialBlock::OutsideCallingHours {
                local_time: NaiveTime::from_hms_opt(7, 59, 59).unwrap(),
                timezone: "America/New_York".into(),
                start: CALLING_HOURS_START,
                end: CALLING_HOURS_END,
            }]
        );
    }

    #[test]
    fn messages_are_human() {
        let expiry = utc(2026, 1, 16, 17, 0, 0);
        let cases = [
            (
                DialBlock::OnDncList { expires_at: None },
                "the number is on the do-not-call list",
            ),
            (
                DialBlock::OnDncList {
                    expires_at: Some(expiry),
                },
                "the number is on the do-not-call list until 2026-01-16 17:00 UTC",
            ),
            (
                DialBlock::OutsideCallingHours {
                    local_time: hm(7, 59),
                    timezone: "America/New_York".into(),
                    start: CALLING_HOURS_START,
                    end: CALLING_HOURS_END,
                },
                "it is 07:59 in America/New_York; people may be called only from 08:00 to 21:00 their local time",
            ),
            (
                DialBlock::OutsideCampaignWindow {
                    local_time: hm(9, 59),
                    start: hm(10, 0),
                    end: hm(17, 0),
                    timezone: "Europe/London".into(),
                },
                "it is 09:59 in Europe/London, outside the campaign's calling window (10:00 to 17:00)",
            ),
            (
                DialBlock::InsufficientCredits {
                    balance: 9,
                    required: 10,
                },
                "the balance of 9 credits does not cover one minute of calling (10 credits)",
            ),
        ];
        for (block, message) in cases {
            assert_eq!(block.to_string(), message);
        }
    }

    #[test]
    fn codes_are_stable() {
        assert_eq!(
            DialBlock::OnDncList { expires_at: None }.code(),
            "ON_DNC_LIST"
        );
        assert_eq!(
            DialBlock::InsufficientCredits {
                balance: 0,
                required: 1
            }
            .code(),
            "INSUFFICIENT_CREDITS"
        );
    }
}
