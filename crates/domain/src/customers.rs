//! Customers (seed 002): reference numbers, RFM scores and their bands,
//! and the status lifecycle.
//!
//! **RFM.** Each customer with a counted order (`paid` or `fulfilled`) is
//! scored 1–5 on recency (the latest order), frequency (how many orders)
//! and monetary value (their total), by quintile within the organization:
//! a customer whose value is at least as good as `c` of the `n` scored
//! customers' (ties count alike) scores `⌈5c / n⌉`. So the best fifth
//! scores 5, equal values always score alike, and a lone customer scores 5.
//! A customer with no counted order scores 1 on each. The composite
//! `lead_score` is `2 × (R + F + M)`, 6–30, in bands: hot 24–30, warm
//! 18–23, cool 12–17, cold 6–11. The database computes the same with window
//! functions ([`quintile`] is the rule it follows).

use serde::{Deserialize, Serialize};
use switchboard_entity::enums::CustomerStatus;

/// A customer reference: `CUST-<year>-<n>`, `n` at least four digits.
pub fn reference_number(year: i32, n: i32) -> String {
    format!("CUST-{year}-{n:04}")
}

/// The score 1–5 of a value at least as good as `c` of `n` values.
pub fn quintile(c: u64, n: u64) -> i32 {
    if n == 0 {
        return 1;
    }
    let score = (5 * c.min(n)).div_ceil(n);
    i32::try_from(score.clamp(1, 5)).unwrap_or(1)
}

/// The composite of three RFM scores, 6–30.
pub fn composite(recency: i32, frequency: i32, monetary: i32) -> i32 {
    2 * (recency + frequency + monetary)
}

/// Where a composite RFM score falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ScoreBand {
    Hot,
    Warm,
    Cool,
    Cold,
}

impl ScoreBand {
    /// The band of a composite score (scores outside 6–30 clamp in).
    pub fn of(score: i32) -> Self {
        match score {
            24.. => Self::Hot,
            18..=23 => Self::Warm,
            12..=17 => Self::Cool,
            _ => Self::Cold,
        }
    }

    /// The composite scores in the band, inclusive.
    pub fn range(self) -> (i32, i32) {
        match self {
            Self::Hot => (24, 30),
            Self::Warm => (18, 23),
            Self::Cool => (12, 17),
            Self::Cold => (6, 11),
        }
    }
}

/// One customer's counted orders, for [`score_population`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purchases {
    /// Days since the latest order (smaller is better).
    pub days_since_last: i64,
    pub orders: i64,
    pub spent_cents: i64,
}

/// The (R, F, M) scores of each customer of a population (`None`: no
/// counted order), as the database computes them: the reference the SQL is
/// tested against.
pub fn score_population(population: &[Option<Purchases>]) -> Vec<(i32, i32, i32)> {
    let scored: Vec<&Purchases> = population.iter().flatten().collect();
    let n = scored.len() as u64;
    // How many scored values are at most as good as `better_or_equal` says.
    let at_most =
        |pick: &dyn Fn(&Purchases) -> bool| scored.iter().filter(|p| pick(p)).count() as u64;
    population
        .iter()
        .map(|p| match p {
            None => (1, 1, 1),
            Some(p) => (
                quintile(at_most(&|o| o.days_since_last >= p.days_since_last), n),
                quintile(at_most(&|o| o.orders <= p.orders), n),
                quintile(at_most(&|o| o.spent_cents <= p.spent_cents), n),
            ),
        })
        .collect()
}

/// Whether a customer may move from `from` to `to` (the same status is a
/// no-op, allowed): active ↔ inactive ↔ on hold, any → churned, and a
/// churned customer comes back only as active (won back).
pub fn status_change_allowed(from: CustomerStatus, to: CustomerStatus) -> bool {
    use CustomerStatus::{Active, Churned, Inactive, OnHold};
    match (from, to) {
        (a, b) if a == b => true,
        (Churned, Active) => true,
        (Churned, _) => false,
        (_, Churned) => true,
        (Active | Inactive | OnHold, Active | Inactive | OnHold) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_count_per_year_with_four_digits_at_least() {
        assert_eq!(reference_number(2026, 1), "CUST-2026-0001");
        assert_eq!(reference_number(2026, 12_345), "CUST-2026-12345");
    }

    #[test]
    fn quintiles_give_the_best_fifth_five_and_ties_alike() {
        let scores: Vec<i32> = (1..=10).map(|c| quintile(c, 10)).collect();
        assert_eq!(scores, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        assert_eq!(quintile(1, 1), 5, "a lone customer is the best fifth");
        assert_eq!(quintile(0, 0), 1);
    }

    #[test]
    fn a_hand_built_population_scores_as_worked_out() {
        let p = |days, orders, spent| {
            Some(Purchases {
                days_since_last: days,
                orders,
                spent_cents: spent,
            })
        };
        // Five buyers and one who never bought. Recency: 2 and 2 tie.
        let population = [
            p(2, 5, 50_000),
            p(2, 1, 1_000),
            p(30, 3, 20_000),
            p(90, 2, 20_000),
            p(400, 1, 500),
            None,
        ];
        assert_eq!(
            score_population(&population),
            [
                (5, 5, 5),
                (5, 2, 2),
                (3, 4, 4),
                (2, 3, 4),
                (1, 2, 1),
                (1, 1, 1)
            ]
        );
        let (r, f, m) = score_population(&population)[0];
        assert_eq!(composite(r, f, m), 30);
        assert_eq!(ScoreBand::of(30), ScoreBand::Hot);
        assert_eq!(ScoreBand::of(composite(1, 1, 1)), ScoreBand::Cold);
    }

    #[test]
    fn bands_cover_six_to_thirty_without_gaps() {
        let mut seen = Vec::new();
        for band in [
            ScoreBand::Cold,
            ScoreBand::Cool,
            ScoreBand::Warm,
            ScoreBand::Hot,
        ] {
            let (low, high) = band.range();
            for score in low..=high {
                assert_eq!(ScoreBand::of(score), band);
                seen.push(score);
            }
        }
        assert_eq!(seen, (6..=30).collect::<Vec<_>>());
    }

    #[test]
    fn a_churned_customer_only_comes_back_as_active() {
        use CustomerStatus::*;
        assert!(status_change_allowed(Active, OnHold));
        assert!(status_change_allowed(OnHold, Churned));
        assert!(status_change_allowed(Churned, Active));
        assert!(!status_change_allowed(Churned, Inactive));
    }
}
