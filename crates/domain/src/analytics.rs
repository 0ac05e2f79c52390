//! The arithmetic of analytics: rates with seed 000's rounding, and periods.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// `n / d × 100`, rounded to two decimals half away from zero, as
/// PostgreSQL's `ROUND(numeric, 2)` does (seed 000); `None` when `d` is 0.
/// Exact: computed in integers, never through a binary fraction.
pub fn percent(n: i64, d: i64) -> Option<f64> {
    if d == 0 {
        return None;
    }
    let (n, d) = (i128::from(n), i128::from(d));
    // Hundredths of a percent, rounded half away from zero.
    let scaled = n * 10_000;
    let hundredths = if (scaled < 0) != (d < 0) {
        -((scaled.abs() * 2 + d.abs()) / (2 * d.abs()))
    } else {
        (scaled.abs() * 2 + d.abs()) / (2 * d.abs())
    };
    Some(hundredths as f64 / 100.0)
}

/// `sum / count`, rounded to two decimals; `None` when `count` is 0.
pub fn average(sum: i64, count: i64) -> Option<f64> {
    percent(sum, count * 100)
}

/// The first instant of `day` in `tz`: its midnight, or its first existing
/// hour when midnight falls in a DST gap.
pub fn day_start(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    (0..24)
        .find_map(|hour| {
            tz.from_local_datetime(&day.and_hms_opt(hour, 0, 0)?)
                .earliest()
        })
        .map_or_else(
            || day.and_time(NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

/// How periods are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Granularity {
    Day,
    /// ISO weeks, starting on Monday.
    Week,
    Month,
}

impl Granularity {
    /// The first day of the period containing `day`.
    pub fn period_start(self, day: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => day,
            Self::Week => day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday())),
            Self::Month => day.with_day(1).unwrap_or(day),
        }
    }

    /// The first day of the period before the one starting at `start`.
    pub fn previous_start(self, start: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => start - chrono::Days::new(1),
            Self::Week => start - chrono::Days::new(7),
            Self::Month => {
                let last_of_previous = start.with_day(1).unwrap_or(start) - chrono::Days::new(1);
                last_of_previous.with_day(1).unwrap_or(last_of_previous)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_starts_at_its_first_existing_local_instant() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        assert_eq!(
            day_start(tz, day),
            Utc.with_ymd_and_hms(2026, 3, 8, 5, 0, 0).unwrap()
        );
        // Havana springs forward at midnight: 2026-03-08 starts at 01:00 CDT.
        let havana: Tz = "America/Havana".parse().unwrap();
        assert_eq!(
            day_start(havana, day),
            Utc.with_ymd_and_hms(2026, 3, 8, 5, 0, 0).unwrap()
        );
    }

    #[test]
    fn percentages_round_half_away_from_zero_like_postgres() {
        assert_eq!(percent(1, 3), Some(33.33));
        assert_eq!(percent(2, 3), Some(66.67));
        // 1/8 = 12.5 % exactly; 1/16 = 6.25 %; 1/32 = 3.125 % → 3.13.
        assert_eq!(percent(1, 32), Some(3.13));
        assert_eq!(percent(5, 5), Some(100.0));
        assert_eq!(percent(0, 7), Some(0.0));
        assert_eq!(percent(3, 0), None);
        assert_eq!(percent(-1, 32), Some(-3.13));
    }

    #[test]
    fn averages_keep_two_decimals() {
        assert_eq!(average(245, 3), Some(81.67));
        assert_eq!(average(0, 0), None);
    }

    #[test]
    fn periods_start_on_the_day_monday_or_first_of_the_month() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 12).unwrap(); // a Thursday
        assert_eq!(Granularity::Day.period_start(day), day);
        assert_eq!(
            Granularity::Week.period_start(day),
            NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()
        );
        assert_eq!(
            Granularity::Month.period_start(day),
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
        );
        assert_eq!(
            Granularity::Month.previous_start(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()),
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()
        );
        assert_eq!(
            Granularity::Week.previous_start(NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()),
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
        );
    }
}
