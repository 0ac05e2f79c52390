//! Lenient readers for provider JSON: a missing field and a field of the
//! wrong type both read as absent, so only the few required fields can fail
//! a webhook.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::PayloadError;

/// Parses a body that must be a JSON object.
pub(super) fn parse_json(body: &[u8]) -> Result<Value, PayloadError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| PayloadError::new(format!("body is not JSON: {error}")))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(PayloadError::new("body is not a JSON object"))
    }
}

/// The value at `path` (object keys), if every step exists and is not null.
pub(super) fn get<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .filter(|v| !v.is_null())
}

/// A non-blank string at `path`.
pub(super) fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    get(value, path)?.as_str().filter(|s| !s.trim().is_empty())
}

/// A non-blank string at `path`, owned.
pub(super) fn string_at(value: &Value, path: &[&str]) -> Option<String> {
    str_at(value, path).map(str::to_owned)
}

/// The first non-blank string among `paths`.
pub(super) fn first_string(value: &Value, paths: &[&[&str]]) -> Option<String> {
    paths.iter().find_map(|path| string_at(value, path))
}

/// A required non-blank string at `path`; the error names the dotted path.
pub(super) fn required_str<'a>(value: &'a Value, path: &[&str]) -> Result<&'a str, PayloadError> {
    match get(value, path) {
        None => Err(PayloadError::missing(&path.join("."))),
        Some(Value::String(s)) if s.trim().is_empty() => {
            Err(PayloadError::missing(&path.join(".")))
        }
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(PayloadError::new(format!(
            "`{}` is not a string",
            path.join(".")
        ))),
    }
}

/// A finite number at `path` (a numeric string counts too).
pub(super) fn f64_at(value: &Value, path: &[&str]) -> Option<f64> {
    number(get(value, path)?)
}

/// A finite number, or a string holding one.
pub(super) fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|n: &f64| n.is_finite())
}

/// A boolean at `path` (`"true"` / `"false"` strings count too).
pub(super) fn bool_at(value: &Value, path: &[&str]) -> Option<bool> {
    match get(value, path)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The object at `path`, or `{}`.
pub(super) fn object_or_empty(value: &Value, path: &[&str]) -> Value {
    get(value, path)
        .filter(|v| v.is_object())
        .cloned()
        .unwrap_or_else(|| Value::Object(Default::default()))
}

/// The array at `path`, or an empty slice.
pub(super) fn array_at<'a>(value: &'a Value, path: &[&str]) -> &'a [Value] {
    get(value, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// A point in time at `path`: an RFC 3339 string, or a Unix time in seconds
/// or milliseconds (told apart by size).
pub(super) fn datetime_at(value: &Value, path: &[&str]) -> Option<DateTime<Utc>> {
    match get(value, path)? {
        Value::String(s) => DateTime::parse_from_rfc3339(s.trim())
            .ok()
            .map(|t| t.with_timezone(&Utc))
            .or_else(|| s.trim().parse().ok().and_then(unix_auto)),
        other => number(other).and_then(unix_auto),
    }
}

/// A Unix time in seconds, or in milliseconds when it is too large to be
/// seconds (10¹¹ s is the year 5138; 10¹¹ ms is 1973).
pub(super) fn unix_auto(t: f64) -> Option<DateTime<Utc>> {
    if t.abs() >= 1e11 {
        unix_millis(t)
    } else {
        unix_seconds(t)
    }
}

/// A Unix time in (possibly fractional) seconds.
pub(super) fn unix_seconds(t: f64) -> Option<DateTime<Utc>> {
    unix_millis(t * 1000.0)
}

/// A Unix time in milliseconds.
pub(super) fn unix_millis(t: f64) -> Option<DateTime<Utc>> {
    if !t.is_finite() || t.abs() > 1e15 {
        return None;
    }
    DateTime::from_timestamp_millis(t.round() as i64)
}

/// Seconds, rounded to a whole `i32`, when non-negative and in range.
pub(super) fn whole_seconds(seconds: f64) -> Option<i32> {
    let rounded = seconds.round();
    (rounded.is_finite() && (0.0..=f64::from(i32::MAX)).contains(&rounded))
        .then_some(rounded as i32)
}

/// The whole seconds from `start` to `end`, when `end` is not earlier.
pub(super) fn seconds_between(
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> Option<i32> {
    let millis = (end? - start?).num_milliseconds();
    whole_seconds(millis as f64 / 1000.0)
}

/// Rounds an amount to whole cents, when non-negative and in range.
pub(super) fn round_cents(cents: f64) -> Option<i64> {
    let rounded = cents.round();
    (rounded.is_finite() && (0.0..9e15).contains(&rounded)).then_some(rounded as i64)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn wrong_types_read_as_absent() {
        let v = json!({"a": {"n": "x", "s": 5, "b": "maybe", "o": [1]}});
        assert_eq!(f64_at(&v, &["a", "n"]), None);
        assert_eq!(str_at(&v, &["a", "s"]), None);
        assert_eq!(bool_at(&v, &["a", "b"]), None);
        assert_eq!(object_or_empty(&v, &["a", "o"]), json!({}));
        assert!(array_at(&v, &["a", "n"]).is_empty());
        assert_eq!(datetime_at(&v, &["a", "n"]), None);
    }

    #[test]
    fn required_strings_name_their_path() {
        let v = json!({"call": {"id": 7, "blank": " "}});
        assert_eq!(
            required_str(&v, &["call", "x"]).unwrap_err().reason,
            "`call.x` is missing"
        );
        assert_eq!(
            required_str(&v, &["call", "blank"]).unwrap_err().reason,
            "`call.blank` is missing"
        );
        assert_eq!(
            required_str(&v, &["call", "id"]).unwrap_err().reason,
            "`call.id` is not a string"
        );
    }

    #[test]
    fn times_read_from_rfc3339_seconds_or_milliseconds() {
        let expected = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z").unwrap();
        let v = json!({"iso": "2024-05-01T12:00:00.000Z", "s": 1_714_564_800, "ms": 1_714_564_800_000_i64, "str": "1714564800"});
        for key in ["iso", "s", "ms", "str"] {
            assert_eq!(
                datetime_at(&v, &[key]),
                Some(expected.with_timezone(&Utc)),
                "{key}"
            );
        }
    }

    #[test]
    fn durations_and_cents_round_and_refuse_nonsense() {
        assert_eq!(whole_seconds(59.6), Some(60));
        assert_eq!(whole_seconds(-1.0), None);
        assert_eq!(whole_seconds(1e12), None);
        assert_eq!(round_cents(12.5), Some(13));
        assert_eq!(round_cents(-3.0), None);
    }
}
