//! Scalars the schema names itself, where async-graphql's built-in name
//! would leak a Rust type (`NaiveDate`) into the API.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar day without a time or time zone, as the `Date` scalar.
///
/// Which instants the day covers is the organization's business: analytics
/// days are days of the organization's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

/// A calendar day without a time or time zone, written `YYYY-MM-DD` (ISO
/// 8601, e.g. `2026-03-09`). Days are read in the organization's time zone
/// wherever they bound a range. Years 1000 to 9999 are accepted in input; any
/// other text is refused.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => Ok(Self(NaiveDate::parse_from_str(text, "%Y-%m-%d")?)),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(day: NaiveDate) -> Self {
        Self(day)
    }
}

impl From<Date> for NaiveDate {
    fn from(day: Date) -> Self {
        day.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_year_month_day() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        let parsed = Date::parse(Value::String("2026-03-09".into())).unwrap();
        assert_eq!(parsed, Date(day));
        assert_eq!(parsed.to_value(), Value::String("2026-03-09".into()));
    }

    #[test]
    fn refuses_anything_else() {
        for text in [
            "2026-13-01",
            "2026-3-9x",
            "09/03/2026",
            "2026-03-09T00:00:00Z",
        ] {
            assert!(Date::parse(Value::String(text.into())).is_err(), "{text}");
        }
        assert!(Date::parse(Value::Number(20260309.into())).is_err());
    }
}
