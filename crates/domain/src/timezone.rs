//! An IANA time zone, parsed once where it enters.
//!
//! Leads and campaigns name their zone (`America/New_York`); the dial gate
//! reads calling hours in it, so a zone that chrono-tz cannot resolve is
//! refused on the way in rather than found out at dial time. The name is
//! matched exactly as chrono-tz spells it and not trimmed, as the API has
//! always done.

use std::fmt;

use chrono_tz::Tz;

use crate::field::FieldError;

/// The key a [`TimeZone`] error carries.
pub const FIELD: &str = "timezone";

/// A time zone of the IANA database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeZone(Tz);

impl TimeZone {
    /// Parses a zone name such as `Europe/London`.
    pub fn parse(name: &str) -> Result<Self, FieldError> {
        name.parse::<Tz>()
            .map(Self)
            .map_err(|_| FieldError::new(FIELD, format!("`{name}` is not an IANA time zone")))
    }

    /// Parses an update's zone: blank text clears the zone (`Ok(None)`),
    /// anything else must be one.
    pub fn parse_or_clear(name: &str) -> Result<Option<Self>, FieldError> {
        if name.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(name).map(Some)
        }
    }

    /// The zone's name, as stored.
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    pub fn tz(self) -> Tz {
        self.0
    }
}

impl From<Tz> for TimeZone {
    fn from(tz: Tz) -> Self {
        Self(tz)
    }
}

impl From<TimeZone> for Tz {
    fn from(zone: TimeZone) -> Self {
        zone.0
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zone_keeps_its_iana_name() {
        let zone = TimeZone::parse("America/New_York").expect("valid");
        assert_eq!(zone.name(), "America/New_York");
        assert_eq!(zone.tz(), Tz::America__New_York);
        assert_eq!(zone.to_string(), "America/New_York");
        assert_eq!(TimeZone::parse("UTC").map(TimeZone::name), Ok("UTC"));
    }

    #[test]
    fn a_link_name_stays_the_name_it_was_given() {
        assert_eq!(
            TimeZone::parse("US/Eastern").map(TimeZone::name),
            Ok("US/Eastern")
        );
    }

    #[test]
    fn unknown_untrimmed_and_miscased_names_are_refused() {
        for name in [
            "Mars/Olympus_Mons",
            " Europe/London",
            "europe/london",
            "",
            "+02:00",
        ] {
            assert!(TimeZone::parse(name).is_err(), "{name:?}");
        }
    }

    #[test]
    fn the_refusal_quotes_the_name_under_the_timezone_key() {
        let error = TimeZone::parse("Mars/Olympus_Mons").expect_err("refused");
        assert_eq!(error.field(), "timezone");
        assert_eq!(
            error.message(),
            "`Mars/Olympus_Mons` is not an IANA time zone"
        );
    }

    #[test]
    fn blank_text_clears_a_zone_on_update() {
        assert_eq!(TimeZone::parse_or_clear(" "), Ok(None));
        assert_eq!(
            TimeZone::parse_or_clear("Asia/Tokyo"),
            Ok(Some(TimeZone::from(Tz::Asia__Tokyo)))
        );
        assert!(TimeZone::parse_or_clear("Tokyo").is_err());
    }
}
