//! An agent's targets for a period: counts to reach and rates to hold.
//!
//! `agentPerformance` reports achievement against them, so a negative count
//! or a rate outside 0 to 100 would make every report of the period wrong;
//! they are refused when set. The period's first day is a
//! [`crate::range::PeriodStart`].

use crate::field::FieldError;

/// A number of calls or leads to reach in a period, at least 0. Its error
/// carries the key `target`: re-key it (`.at("targetCalls")`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TargetCount(i32);

impl TargetCount {
    pub const FIELD: &str = "target";

    pub fn parse(count: i32) -> Result<Self, FieldError> {
        if count < 0 {
            return Err(FieldError::new(Self::FIELD, "a target is at least 0"));
        }
        Ok(Self(count))
    }

    pub fn value(self) -> i32 {
        self.0
    }
}

impl From<TargetCount> for i32 {
    fn from(count: TargetCount) -> Self {
        count.0
    }
}

/// A success or conversion rate to hold, a percentage from 0 to 100. Its
/// error carries the key `rate`: re-key it (`.at("targetSuccessRate")`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct TargetRate(f64);

impl TargetRate {
    pub const FIELD: &str = "rate";

    pub fn parse(percent: f64) -> Result<Self, FieldError> {
        if !(0.0..=100.0).contains(&percent) {
            return Err(FieldError::new(Self::FIELD, "a rate is between 0 and 100"));
        }
        Ok(Self(percent))
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

impl From<TargetRate> for f64 {
    fn from(rate: TargetRate) -> Self {
        rate.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_count_is_at_least_zero() {
        assert_eq!(TargetCount::parse(0).map(TargetCount::value), Ok(0));
        assert_eq!(TargetCount::parse(i32::MAX).map(i32::from), Ok(i32::MAX));
        let error = TargetCount::parse(-1)
            .expect_err("refused")
            .at("targetCalls");
        assert_eq!(error.field(), "targetCalls");
        assert_eq!(error.message(), "a target is at least 0");
    }

    #[test]
    fn a_target_rate_is_between_0_and_100_inclusive() {
        assert_eq!(TargetRate::parse(0.0).map(TargetRate::value), Ok(0.0));
        assert_eq!(TargetRate::parse(100.0).map(f64::from), Ok(100.0));
        for refused in [-0.5, 100.01, f64::NAN, f64::INFINITY] {
            let error = TargetRate::parse(refused).expect_err("refused");
            assert_eq!(error.field(), "rate");
            assert_eq!(error.message(), "a rate is between 0 and 100");
        }
    }
}
