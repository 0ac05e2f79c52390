//! What every signature scheme shares: finding headers, computing HMACs,
//! comparing in constant time and bounding a signed timestamp.
//!
//! Comparisons go through [`Mac::verify_slice`], which compares in constant
//! time, so the time a rejection takes tells a forger nothing about how much
//! of the signature was right.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::Delivery;

/// HMAC-SHA256, used by Vapi, ElevenLabs and Retell.
pub(super) type HmacSha256 = Hmac<Sha256>;

/// Why a delivery's signature was refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the {0} header is missing")]
    Missing(&'static str),
    #[error("the {header} header is malformed: {reason}")]
    Malformed {
        header: &'static str,
        reason: String,
    },
    #[error("the signature does not match")]
    Mismatch,
    #[error(
        "the signature's timestamp is {age_seconds} s from now, outside the {tolerance_seconds} s allowed"
    )]
    Stale {
        /// `now` minus the signed time: positive in the past, negative in
        /// the future.
        age_seconds: i64,
        tolerance_seconds: i64,
    },
}

/// The value of header `name` (trimmed), matching names case-insensitively.
pub(super) fn header<'a>(delivery: &Delivery<'a>, name: &str) -> Option<&'a str> {
    delivery
        .headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim())
}

/// The value of header `name`, or [`SignatureError::Missing`].
pub(super) fn require_header<'a>(
    delivery: &Delivery<'a>,
    name: &'static str,
) -> Result<&'a str, SignatureError> {
    header(delivery, name).ok_or(SignatureError::Missing(name))
}

/// An HMAC-SHA256 keyed with `secret`, fed `parts` in order.
pub(super) fn hmac_sha256(secret: &str, parts: &[&[u8]]) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    for part in parts {
        mac.update(part);
    }
    mac
}

/// Lower-case hex HMAC-SHA256 of `parts`, keyed with `secret`.
pub(super) fn hex_hmac_sha256(secret: &str, parts: &[&[u8]]) -> String {
    hex::encode(hmac_sha256(secret, parts).finalize().into_bytes())
}

/// Checks a hex signature from `header_name` against `mac`, in constant
/// time. An empty `secret` matches nothing.
pub(super) fn verify_hex(
    mac: HmacSha256,
    secret: &str,
    signature: &str,
    header_name: &'static str,
) -> Result<(), SignatureError> {
    let signature = hex::decode(signature).map_err(|error| SignatureError::Malformed {
        header: header_name,
        reason: format!("the signature is not hex ({error})"),
    })?;
    if secret.is_empty() {
        return Err(SignatureError::Mismatch);
    }
    mac.verify_slice(&signature)
        .map_err(|_| SignatureError::Mismatch)
}

/// Whether `provided` equals `secret`, in constant time: both are
/// HMAC-ed with `secret` and the tags compared by [`Mac::verify_slice`], so
/// neither the content nor the length of the secret leaks. An empty `secret`
/// matches nothing.
pub(super) fn secrets_equal(provided: &str, secret: &str) -> bool {
    if secret.is_empty() {
        return false;
    }
    let expected = hmac_sha256(secret, &[secret.as_bytes()])
        .finalize()
        .into_bytes();
    hmac_sha256(secret, &[provided.as_bytes()])
        .verify_slice(&expected)
        .is_ok()
}

/// Splits a `k1=v1,k2=v2` header into its pairs, trimming each side.
pub(super) fn key_values(value: &str) -> impl Iterator<Item = (&str, &str)> {
    value
        .split(',')
        .filter_map(|part| part.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
}

/// Parses a decimal integer timestamp from `header_name`.
pub(super) fn parse_timestamp(
    value: &str,
    header_name: &'static str,
) -> Result<i64, SignatureError> {
    value.parse().map_err(|_| SignatureError::Malformed {
        header: header_name,
        reason: format!("`{value}` is not a whole-number timestamp"),
    })
}

/// Refuses a signed time more than `max_past_seconds` before `now` or more
/// than `max_future_seconds` after it.
pub(super) fn check_age(
    signed_at_millis: i64,
    now: DateTime<Utc>,
    max_past_seconds: i64,
    max_future_seconds: i64,
) -> Result<(), SignatureError> {
    let age_millis = i128::from(now.timestamp_millis()) - i128::from(signed_at_millis);
    let age_seconds = i64::try_from(age_millis / 1000).unwrap_or(if age_millis < 0 {
        i64::MIN
    } else {
        i64::MAX
    });
    let tolerance_seconds = if age_millis > i128::from(max_past_seconds) * 1000 {
        max_past_seconds
    } else if -age_millis > i128::from(max_future_seconds) * 1000 {
        max_future_seconds
    } else {
        return Ok(());
    };
    Err(SignatureError::Stale {
        age_seconds,
        tolerance_seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_714_564_800, 0).unwrap()
    }

    #[test]
    fn headers_are_found_whatever_their_case_and_trimmed() {
        let headers = vec![("X-Thing".to_owned(), " value \n".to_owned())];
        let delivery = Delivery {
            headers: &headers,
            body: b"",
            url: "",
        };
        assert_eq!(header(&delivery, "x-thing"), Some("value"));
        assert_eq!(
            require_header(&delivery, "x-other"),
            Err(SignatureError::Missing("x-other"))
        );
    }

    #[test]
    fn secrets_compare_equal_only_when_identical() {
        assert!(secrets_equal("s3cret", "s3cret"));
        assert!(!secrets_equal("s3cre", "s3cret"));
        assert!(!secrets_equal("s3cret!", "s3cret"));
        assert!(!secrets_equal("", ""));
    }

    #[test]
    fn the_hmac_matches_a_published_test_vector() {
        // RFC 4231, test case 2.
        assert_eq!(
            hex_hmac_sha256("Jefe", &[b"what do ya want ", b"for nothing?"]),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_non_hex_signature_is_malformed() {
        assert!(matches!(
            verify_hex(hmac_sha256("k", &[]), "k", "zz", "x-sig"),
            Err(SignatureError::Malformed {
                header: "x-sig",
                ..
            })
        ));
    }

    #[test]
    fn timestamps_within_the_window_pass_and_others_are_stale() {
        let now_ms = now().timestamp_millis();
        assert_eq!(check_age(now_ms - 300_000, now(), 300, 60), Ok(()));
        assert_eq!(check_age(now_ms + 60_000, now(), 300, 60), Ok(()));
        assert_eq!(
            check_age(now_ms - 301_000, now(), 300, 60),
            Err(SignatureError::Stale {
                age_seconds: 301,
                tolerance_seconds: 300
            })
        );
        assert_eq!(
            check_age(now_ms + 61_000, now(), 300, 60),
            Err(SignatureError::Stale {
                age_seconds: -61,
                tolerance_seconds: 60
            })
        );
        assert!(check_age(i64::MIN, now(), 300, 60).is_err());
    }

    #[test]
    fn stale_errors_read_as_a_sentence() {
        let error = SignatureError::Stale {
            age_seconds: 301,
            tolerance_seconds: 300,
        };
        assert_eq!(
            error.to_string(),
            "the signature's timestamp is 301 s from now, outside the 300 s allowed"
        );
    }
}
