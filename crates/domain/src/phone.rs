//! Phone numbers in E.164, the only form Switchboard stores.

use phonenumber::country::Id as Country;

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
}
