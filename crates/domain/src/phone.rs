//! Phone numbers in E.164, the only form Switchboard stores.

use std::fmt;

use phonenumber::country::Id as Country;

use crate::field::FieldError;

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("`{0}` is not a phone number")]
    Unparseable(String),
    #[error("`{0}` is not a valid phone number")]
    Invalid(String),
    #[error("`{0}` is not a known region code (use ISO 3166 alpha-2, e.g. US)")]
    UnknownRegion(String),
}

/// Parses a region code such as `US` or `gb`.
pub fn parse_region(code: &str) -> Result<Country, PhoneError> {
    code.to_ascii_uppercase()
        .parse::<Country>()
        .map_err(|_| PhoneError::UnknownRegion(code.to_owned()))
}

/// Normalizes `input` to E.164 (`+14155550123`), reading numbers without a
/// country code as numbers of `default_region`.
pub fn normalize(input: &str, default_region: Country) -> Result<String, PhoneError> {
    let trimmed = input.trim();
    let number = phonenumber::parse(Some(default_region), trimmed)
        .map_err(|_| PhoneError::Unparseable(trimmed.to_owned()))?;
    if !phonenumber::is_valid(&number) {
        return Err(PhoneError::Invalid(trimmed.to_owned()));
    }
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// A phone number in E.164 (`+14155550123`), parsed once where it enters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(String);

impl E164 {
    /// The key an [`E164`] error carries.
    pub const FIELD: &str = "phoneNumber";

    /// Parses `input` as [`normalize`] does, reading numbers without a
    /// country code as numbers of `default_region`.
    pub fn parse(input: &str, default_region: Country) -> Result<Self, FieldError> {
        normalize(input, default_region)
            .map(Self)
            .map_err(|e| FieldError::new(Self::FIELD, e.to_string()))
    }

    /// Parses `input` with the organization's default region as stored
    /// (`US`, `gb`); an unknown region is refused under the same key, as
    /// the API has always done.
    pub fn parse_in_region(input: &str, region_code: &str) -> Result<Self, FieldError> {
        let region =
            parse_region(region_code).map_err(|e| FieldError::new(Self::FIELD, e.to_string()))?;
        Self::parse(input, region)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl AsRef<str> for E164 {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<E164> for String {
    fn from(number: E164) -> Self {
        number.0
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_numbers_take_the_default_region() {
        assert_eq!(
            normalize("(415) 555-2671", Country::US),
            Ok("+14155552671".into())
        );
    }

    #[test]
    fn international_numbers_keep_their_country() {
        assert_eq!(
            normalize("+44 20 7946 0958", Country::US),
            Ok("+442079460958".into())
        );
    }

    #[test]
    fn garbage_and_impossible_numbers_are_refused() {
        assert!(matches!(
            normalize("call me", Country::US),
            Err(PhoneError::Unparseable(_))
        ));
        assert!(normalize("+1 212 000 0000", Country::US).is_err());
        assert!(normalize("12", Country::US).is_err());
    }

    #[test]
    fn regions_parse_case_insensitively() {
        assert_eq!(parse_region("gb"), Ok(Country::GB));
        assert!(parse_region("XX").is_err());
    }

    #[test]
    fn an_e164_number_is_parsed_in_the_default_region() {
        let number = E164::parse(" (415) 555-2671 ", Country::US).expect("valid");
        assert_eq!(number.as_str(), "+14155552671");
        assert_eq!(number.to_string(), "+14155552671");
        assert_eq!(
            E164::parse_in_region("020 7946 0958", "gb").map(String::from),
            Ok("+442079460958".into())
        );
    }

    #[test]
    fn a_refused_number_says_why_under_the_phone_number_key() {
        let error = E164::parse(" call me ", Country::US).expect_err("refused");
        assert_eq!(error.field(), "phoneNumber");
        assert_eq!(error.message(), "`call me` is not a phone number");
        let error = E164::parse("+1 212 000 0000", Country::US).expect_err("refused");
        assert_eq!(
            error.message(),
            "`+1 212 000 0000` is not a valid phone number"
        );
    }

    #[test]
    fn an_unknown_region_is_refused_under_the_phone_number_key() {
        let error = E164::parse_in_region("4155552671", "XX").expect_err("refused");
        assert_eq!(
            error.into_parts(),
            (
                "phoneNumber".to_owned(),
                "`XX` is not a known region code (use ISO 3166 alpha-2, e.g. US)".to_owned()
            )
        );
    }
}
