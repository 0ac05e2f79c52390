//! Amounts of money and credits, parsed once where they enter.
//!
//! The ledger's database checks that every entry moves the balance by its
//! amount; whether the amount has the sign its kind requires (a purchase
//! adds, a usage takes away) is decided here, as are the non-negative cent
//! amounts of call outcomes and lead-source costs and their currency.

use std::fmt;

use switchboard_entity::enums::CreditKind;

use crate::field::FieldError;

/// A ledger entry's amount with the sign its kind requires: purchases,
/// bonuses and refunds add credits, usage takes them away, and an
/// adjustment moves the balance either way but never by 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Credits {
    kind: CreditKind,
    amount: i64,
}

impl Credits {
    /// The key a [`Credits`] error carries.
    pub const FIELD: &str = "amount";

    pub fn parse(kind: CreditKind, amount: i64) -> Result<Self, FieldError> {
        let fine = match kind {
            CreditKind::Purchase | CreditKind::Bonus | CreditKind::Refund => amount > 0,
            CreditKind::Usage => amount < 0,
            CreditKind::Adjustment => amount != 0,
        };
        if fine {
            Ok(Self { kind, amount })
        } else {
            Err(FieldError::new(
                Self::FIELD,
                format!("a {} of {amount} credits is not allowed", kind.as_str()),
            ))
        }
    }

    pub fn kind(self) -> CreditKind {
        self.kind
    }

    /// The signed amount the entry moves the balance by.
    pub fn amount(self) -> i64 {
        self.amount
    }
}

/// An amount of money in cents, at least 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cents(i64);

impl Cents {
    /// The key [`Cents::parse`] errors carry: re-key it to the amount's
    /// own field (`.at("paymentPlanAmountCents")`), which the message names.
    pub const FIELD: &str = "amountCents";
    /// The key [`Cents::parse_cost`] errors carry.
    pub const COST_FIELD: &str = "costCents";

    /// Parses a call outcome's amount (`` `{field}` cannot be negative ``).
    pub fn parse(cents: i64) -> Result<Self, FieldError> {
        if cents < 0 {
            return Err(FieldError::negative(Self::FIELD));
        }
        Ok(Self(cents))
    }

    /// Parses a lead source's monthly cost (`a cost cannot be negative`).
    pub fn parse_cost(cents: i64) -> Result<Self, FieldError> {
        if cents < 0 {
            return Err(FieldError::new(
                Self::COST_FIELD,
                "a cost cannot be negative",
            ));
        }
        Ok(Self(cents))
    }

    pub fn value(self) -> i64 {
        self.0
    }
}

impl From<Cents> for i64 {
    fn from(cents: Cents) -> Self {
        cents.0
    }
}

/// A three-letter currency code, upper-cased (`usd` is `USD`); `USD` by
/// default. Only the shape of an ISO 4217 code is checked, not that the
/// currency exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const FIELD: &str = "currency";
    pub const USD: Self = Self(*b"USD");

    pub fn parse(code: &str) -> Result<Self, FieldError> {
        let code = code.trim().to_ascii_uppercase();
        match <[u8; 3]>::try_from(code.as_bytes()) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_uppercase) => Ok(Self(bytes)),
            _ => Err(FieldError::new(
                Self::FIELD,
                "a currency is a three-letter ISO 4217 code, e.g. USD",
            )),
        }
    }

    /// Parses an optional code: `None` is [`Currency::USD`].
    pub fn parse_or_usd(code: Option<&str>) -> Result<Self, FieldError> {
        code.map_or(Ok(Self::USD), Self::parse)
    }

    pub fn as_str(&self) -> &str {
        // Three ASCII upper-case letters, checked by `parse`.
        std::str::from_utf8(&self.0).unwrap_or("USD")
    }
}

impl Default for Currency {
    fn default() -> Self {
        Self::USD
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purchases_bonuses_and_refunds_add_credits() {
        for kind in [CreditKind::Purchase, CreditKind::Bonus, CreditKind::Refund] {
            let credits = Credits::parse(kind, 1).expect("positive");
            assert_eq!((credits.kind(), credits.amount()), (kind, 1));
            assert!(Credits::parse(kind, 0).is_err());
            assert!(Credits::parse(kind, -5).is_err());
        }
    }

    #[test]
    fn usage_takes_credits_away() {
        assert_eq!(
            Credits::parse(CreditKind::Usage, -1).map(Credits::amount),
            Ok(-1)
        );
        assert!(Credits::parse(CreditKind::Usage, 0).is_err());
        assert!(Credits::parse(CreditKind::Usage, 3).is_err());
    }

    #[test]
    fn an_adjustment_moves_the_balance_either_way_but_not_by_zero() {
        assert!(Credits::parse(CreditKind::Adjustment, -7).is_ok());
        assert!(Credits::parse(CreditKind::Adjustment, 7).is_ok());
        assert!(Credits::parse(CreditKind::Adjustment, 0).is_err());
    }

    #[test]
    fn a_refused_amount_names_its_kind_and_amount() {
        let error = Credits::parse(CreditKind::Purchase, -5).expect_err("refused");
        assert_eq!(error.field(), "amount");
        assert_eq!(error.message(), "a purchase of -5 credits is not allowed");
        assert_eq!(
            Credits::parse(CreditKind::Usage, 3)
                .expect_err("refused")
                .message(),
            "a usage of 3 credits is not allowed"
        );
    }

    #[test]
    fn cents_are_at_least_zero() {
        assert_eq!(Cents::parse(0).map(Cents::value), Ok(0));
        assert_eq!(Cents::parse(i64::MAX).map(i64::from), Ok(i64::MAX));
        assert_eq!(Cents::parse_cost(0).map(Cents::value), Ok(0));
        assert!(Cents::parse(-1).is_err());
    }

    #[test]
    fn negative_outcome_cents_are_refused_naming_their_field() {
        let error = Cents::parse(-1)
            .expect_err("refused")
            .at("paymentPlanAmountCents")
            .under("input");
        assert_eq!(
            error.message(),
            "`input.paymentPlanAmountCents` cannot be negative"
        );
    }

    #[test]
    fn a_negative_cost_is_refused_under_the_cost_key() {
        let error = Cents::parse_cost(-1).expect_err("refused");
        assert_eq!(error.field(), "costCents");
        assert_eq!(error.message(), "a cost cannot be negative");
    }

    #[test]
    fn a_currency_is_three_letters_upper_cased_and_usd_by_default() {
        assert_eq!(
            Currency::parse(" eur ").map(|c| c.to_string()),
            Ok("EUR".into())
        );
        assert_eq!(Currency::parse_or_usd(None), Ok(Currency::USD));
        assert_eq!(Currency::default().as_str(), "USD");
        assert_eq!(
            Currency::parse_or_usd(Some("gbp")).map(|c| c.to_string()),
            Ok("GBP".into())
        );
    }

    #[test]
    fn a_currency_that_is_not_three_ascii_letters_is_refused() {
        for code in ["US", "USDT", "U5D", "", "ÜSD", "€"] {
            let error = Currency::parse(code).expect_err(code);
            assert_eq!(error.field(), "currency");
            assert_eq!(
                error.message(),
                "a currency is a three-letter ISO 4217 code, e.g. USD"
            );
        }
    }
}
