//! A campaign's calling hours as a client sets them: two times of day, both
//! or neither, the first before the second.
//!
//! The dial gate ([`crate::dial::check`]) reads a [`CallingWindow`] and
//! assumes it is well formed; this is where a window is made so. A window
//! that ends when or before it starts would block every call, and one with
//! a single end cannot be read at all, so both are refused when set.

use chrono::NaiveTime;
use chrono_tz::Tz;

use crate::dial::CallingWindow;
use crate::field::FieldError;

/// A time of day given as `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(NaiveTime);

impl TimeOfDay {
    /// The key a [`TimeOfDay`] error carries: re-key it to the end it was
    /// given for (`.at("callingWindowStart")`).
    pub const FIELD: &str = "time";

    /// Parses `HH:MM`, ignoring surrounding space; the message quotes the
    /// text as given.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        NaiveTime::parse_from_str(text.trim(), "%H:%M")
            .map(Self)
            .map_err(|_| {
                FieldError::new(
                    Self::FIELD,
                    format!("`{text}` is not a time of day (HH:MM)"),
                )
            })
    }

    pub fn time(self) -> NaiveTime {
        self.0
    }
}

impl From<TimeOfDay> for NaiveTime {
    fn from(time: TimeOfDay) -> Self {
        time.0
    }
}

/// Calling hours from `start` (inclusive) to `end` (exclusive), `start`
/// before `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallingHours {
    start: NaiveTime,
    end: NaiveTime,
}

impl CallingHours {
    /// The key a [`CallingHours`] error carries.
    pub const FIELD: &str = "callingWindowEnd";

    /// Checks a campaign's window ends: new ones parsed with
    /// [`TimeOfDay::parse`] or ones already stored. Neither is no window
    /// (`Ok(None)`).
    pub fn parse(
        start: Option<NaiveTime>,
        end: Option<NaiveTime>,
    ) -> Result<Option<Self>, FieldError> {
        match (start, end) {
            (Some(start), Some(end)) if start >= end => Err(FieldError::new(
                Self::FIELD,
                "the window must end after it starts",
            )),
            (Some(start), Some(end)) => Ok(Some(Self { start, end })),
            (Some(_), None) | (None, Some(_)) => {
                Err(FieldError::new(Self::FIELD, "give both ends of the window"))
            }
            (None, None) => Ok(None),
        }
    }

    pub fn start(self) -> NaiveTime {
        self.start
    }

    pub fn end(self) -> NaiveTime {
        self.end
    }

    /// The window the dial gate reads, in `timezone` (`None`: the called
    /// party's zone).
    pub fn in_zone(self, timezone: Option<Tz>) -> CallingWindow {
        CallingWindow {
            start: self.start,
            end: self.end,
            timezone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("a time")
    }

    #[test]
    fn a_time_of_day_is_hours_and_minutes() {
        assert_eq!(
            TimeOfDay::parse("09:30").map(TimeOfDay::time),
            Ok(hm(9, 30))
        );
        assert_eq!(
            TimeOfDay::parse(" 00:00 ").map(NaiveTime::from),
            Ok(hm(0, 0))
        );
        assert_eq!(
            TimeOfDay::parse("23:59").map(TimeOfDay::time),
            Ok(hm(23, 59))
        );
    }

    #[test]
    fn text_that_is_not_hh_mm_is_refused_quoting_it_as_given() {
        for text in ["24:00", "12:60", "noon", "", "12:00:00"] {
            assert!(TimeOfDay::parse(text).is_err(), "{text:?}");
        }
        let error = TimeOfDay::parse(" 9am ")
            .expect_err("refused")
            .at("callingWindowStart");
        assert_eq!(error.field(), "callingWindowStart");
        assert_eq!(error.message(), "` 9am ` is not a time of day (HH:MM)");
    }

    #[test]
    fn a_window_ends_after_it_starts() {
        let hours = CallingHours::parse(Some(hm(9, 0)), Some(hm(9, 1)))
            .expect("valid")
            .expect("a window");
        assert_eq!((hours.start(), hours.end()), (hm(9, 0), hm(9, 1)));
        for (start, end) in [(hm(9, 0), hm(9, 0)), (hm(17, 0), hm(9, 0))] {
            let error = CallingHours::parse(Some(start), Some(end)).expect_err("refused");
            assert_eq!(error.field(), "callingWindowEnd");
            assert_eq!(error.message(), "the window must end after it starts");
        }
    }

    #[test]
    fn a_window_has_both_ends_or_none() {
        assert_eq!(CallingHours::parse(None, None), Ok(None));
        for (start, end) in [(Some(hm(9, 0)), None), (None, Some(hm(17, 0)))] {
            let error = CallingHours::parse(start, end).expect_err("refused");
            assert_eq!(error.field(), "callingWindowEnd");
            assert_eq!(error.message(), "give both ends of the window");
        }
    }

    #[test]
    fn calling_hours_become_the_window_the_dial_gate_reads() {
        let hours = CallingHours::parse(Some(hm(10, 0)), Some(hm(17, 0)))
            .expect("valid")
            .expect("a window");
        assert_eq!(
            hours.in_zone(Some(Tz::Europe__London)),
            CallingWindow {
                start: hm(10, 0),
                end: hm(17, 0),
                timezone: Some(Tz::Europe__London),
            }
        );
    }
}
