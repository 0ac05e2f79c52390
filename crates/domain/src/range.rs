//! The date and time ranges analytics queries read, and the days that
//! start a month or a period.
//!
//! A range is parsed once from the `from` and `to` a client sent: it cannot
//! end before it starts, and it spans at most [`MAX_RANGE_DAYS`] (about ten
//! years) so that no query scans an unbounded table. Errors are keyed `to`,
//! the end that is wrong once `from` is taken as given.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};

use crate::analytics::Granularity;
use crate::field::FieldError;

/// The longest range an analytics query reads, in days (about ten years).
pub const MAX_RANGE_DAYS: i64 = 3_700;

/// The key a range error carries.
pub const FIELD: &str = "to";

fn ends_before_it_starts() -> FieldError {
    FieldError::new(FIELD, "the range ends before it starts")
}

fn too_long() -> FieldError {
    FieldError::new(FIELD, "a range spans at most ten years")
}

/// Days from `from` to `to`, both included; `from` is not after `to` and
/// they are at most [`MAX_RANGE_DAYS`] apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateRange {
    from: NaiveDate,
    to: NaiveDate,
}

impl DateRange {
    pub fn parse(from: NaiveDate, to: NaiveDate) -> Result<Self, FieldError> {
        if from > to {
            return Err(ends_before_it_starts());
        }
        if (to - from).num_days() > MAX_RANGE_DAYS {
            return Err(too_long());
        }
        Ok(Self { from, to })
    }

    pub fn from(self) -> NaiveDate {
        self.from
    }

    pub fn to(self) -> NaiveDate {
        self.to
    }
}

/// The whole months a [`DateRange`] touches, as their first days: the
/// first month's and the one after the last month's (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MonthSpan {
    first: NaiveDate,
    after: NaiveDate,
}

impl MonthSpan {
    /// Parses `from` and `to` as a [`DateRange`] and widens it to months.
    pub fn parse(from: NaiveDate, to: NaiveDate) -> Result<Self, FieldError> {
        let range = DateRange::parse(from, to)?;
        let after = month_of(range.to)
            .checked_add_months(Months::new(1))
            .ok_or_else(|| FieldError::new(FIELD, "the date is out of range"))?;
        Ok(Self {
            first: month_of(range.from),
            after,
        })
    }

    /// The first day of the first month.
    pub fn first(self) -> NaiveDate {
        self.first
    }

    /// The first day of the month after the last one.
    pub fn after(self) -> NaiveDate {
        self.after
    }
}

/// Instants from `from` (included) to `to` (excluded); `from` is before
/// `to`, and, when parsed with [`InstantRange::parse`], they are at most
/// [`MAX_RANGE_DAYS`] whole days apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InstantRange {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

impl InstantRange {
    pub fn parse(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Self, FieldError> {
        let range = Self::parse_any_span(from, to)?;
        if (to - from).num_days() > MAX_RANGE_DAYS {
            return Err(too_long());
        }
        Ok(range)
    }

    /// Parses a range of any length (the call summary's, which groups
    /// rather than lists).
    pub fn parse_any_span(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Self, FieldError> {
        if from >= to {
            return Err(ends_before_it_starts());
        }
        Ok(Self { from, to })
    }

    pub fn from(self) -> DateTime<Utc> {
        self.from
    }

    pub fn to(self) -> DateTime<Utc> {
        self.to
    }
}

/// The first day of the month of `day`.
fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// A month, given by its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(NaiveDate);

impl Month {
    pub const FIELD: &str = "month";

    pub fn parse(first_day: NaiveDate) -> Result<Self, FieldError> {
        if first_day.day() != 1 {
            return Err(FieldError::new(
                Self::FIELD,
                format!(
                    "a month is given by its first day ({}, not {first_day})",
                    month_of(first_day)
                ),
            ));
        }
        Ok(Self(first_day))
    }

    pub fn first_day(self) -> NaiveDate {
        self.0
    }
}

/// The first day of a period of a [`Granularity`]: any day, a Monday, or a
/// month's 1st.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeriodStart(NaiveDate);

impl PeriodStart {
    pub const FIELD: &str = "periodStart";

    pub fn parse(granularity: Granularity, day: NaiveDate) -> Result<Self, FieldError> {
        if granularity.period_start(day) != day {
            return Err(FieldError::new(
                Self::FIELD,
                "a week starts on a Monday and a month on its 1st",
            ));
        }
        Ok(Self(day))
    }

    pub fn day(self) -> NaiveDate {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Days, TimeDelta};

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        day(y, m, d)
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
    }

    fn refusal(error: FieldError) -> (String, String) {
        error.into_parts()
    }

    #[test]
    fn a_date_range_may_be_a_single_day() {
        let range = DateRange::parse(day(2026, 3, 1), day(2026, 3, 1)).expect("valid");
        assert_eq!(
            (range.from(), range.to()),
            (day(2026, 3, 1), day(2026, 3, 1))
        );
    }

    #[test]
    fn a_date_range_ending_before_it_starts_is_refused_under_to() {
        assert_eq!(
            refusal(DateRange::parse(day(2026, 3, 2), day(2026, 3, 1)).expect_err("refused")),
            (
                "to".to_owned(),
                "the range ends before it starts".to_owned()
            )
        );
    }

    #[test]
    fn a_date_range_spans_at_most_3700_days() {
        let from = day(2020, 1, 1);
        let longest = from + Days::new(3_700);
        assert!(DateRange::parse(from, longest).is_ok());
        assert_eq!(
            refusal(DateRange::parse(from, longest + Days::new(1)).expect_err("refused")),
            (
                "to".to_owned(),
                "a range spans at most ten years".to_owned()
            )
        );
    }

    #[test]
    fn a_month_span_runs_from_the_first_month_to_the_one_after_the_last() {
        let span = MonthSpan::parse(day(2026, 1, 15), day(2026, 3, 31)).expect("valid");
        assert_eq!(
            (span.first(), span.after()),
            (day(2026, 1, 1), day(2026, 4, 1))
        );
        let december = MonthSpan::parse(day(2025, 12, 5), day(2025, 12, 5)).expect("valid");
        assert_eq!(december.after(), day(2026, 1, 1));
    }

    #[test]
    fn a_month_span_keeps_the_date_range_rules() {
        assert!(MonthSpan::parse(day(2026, 2, 1), day(2026, 1, 31)).is_err());
        assert!(MonthSpan::parse(day(2000, 1, 1), day(2020, 1, 1)).is_err());
    }

    #[test]
    fn a_month_span_ending_in_the_last_representable_month_is_refused() {
        let error =
            MonthSpan::parse(NaiveDate::MAX - Days::new(3), NaiveDate::MAX).expect_err("refused");
        assert_eq!(
            refusal(error),
            ("to".to_owned(), "the date is out of range".to_owned())
        );
    }

    #[test]
    fn an_instant_range_must_end_after_it_starts() {
        let range = InstantRange::parse(at(2026, 1, 1), at(2026, 1, 2)).expect("valid");
        assert_eq!((range.from(), range.to()), (at(2026, 1, 1), at(2026, 1, 2)));
        for (from, to) in [
            (at(2026, 1, 1), at(2026, 1, 1)),
            (at(2026, 1, 2), at(2026, 1, 1)),
        ] {
            assert_eq!(
                refusal(InstantRange::parse(from, to).expect_err("refused")),
                (
                    "to".to_owned(),
                    "the range ends before it starts".to_owned()
                )
            );
            assert!(InstantRange::parse_any_span(from, to).is_err());
        }
    }

    #[test]
    fn an_instant_range_spans_less_than_3701_whole_days() {
        let from = at(2020, 1, 1);
        let almost = from + TimeDelta::days(3_701) - TimeDelta::seconds(1);
        assert!(InstantRange::parse(from, almost).is_ok());
        let error = InstantRange::parse(from, from + TimeDelta::days(3_701)).expect_err("refused");
        assert_eq!(error.message(), "a range spans at most ten years");
    }

    #[test]
    fn the_call_summary_range_may_span_any_length() {
        let range = InstantRange::parse_any_span(at(1990, 1, 1), at(2030, 1, 1));
        assert!(range.is_ok());
    }

    #[test]
    fn a_month_is_given_by_its_first_day() {
        assert_eq!(
            Month::parse(day(2026, 4, 1)).map(Month::first_day),
            Ok(day(2026, 4, 1))
        );
        let error = Month::parse(day(2026, 4, 15)).expect_err("refused");
        assert_eq!(
            refusal(error),
            (
                "month".to_owned(),
                "a month is given by its first day (2026-04-01, not 2026-04-15)".to_owned()
            )
        );
    }

    #[test]
    fn a_period_starts_on_any_day_a_monday_or_a_first() {
        let monday = day(2026, 1, 5);
        assert!(PeriodStart::parse(Granularity::Day, day(2026, 1, 7)).is_ok());
        assert_eq!(
            PeriodStart::parse(Granularity::Week, monday).map(PeriodStart::day),
            Ok(monday)
        );
        assert!(PeriodStart::parse(Granularity::Month, day(2026, 2, 1)).is_ok());
        assert!(PeriodStart::parse(Granularity::Month, monday).is_err());
        let error = PeriodStart::parse(Granularity::Week, day(2026, 1, 6)).expect_err("refused");
        assert_eq!(
            refusal(error),
            (
                "periodStart".to_owned(),
                "a week starts on a Monday and a month on its 1st".to_owned()
            )
        );
    }
}
