//! Seed 002's customer analytics in GraphQL: the conversion funnel by lead
//! score and deal close rates by activity.

use async_graphql::{ComplexObject, SimpleObject};
use switchboard_app::customers::analytics as service;
use switchboard_domain::analytics::percent;

/// Leads created in the range whose lead score (0-100) is in `minScore..=maxScore`, and how far they got.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
#[graphql(complex)]
pub struct ScoreFunnelRow {
    /// The lowest score of the row.
    pub min_score: i32,
    /// The highest score of the row.
    pub max_score: i32,
    /// Leads created in the range (soft-deleted ones left out).
    pub leads: i64,
    /// Those with at least one call.
    pub called: i64,
    /// Those that are QUALIFIED, HOT or RECRUITED, or ever were.
    pub qualified: i64,
    /// Those converted into a customer.
    pub converted: i64,
    /// Those whose customer has a paid or fulfilled order.
    pub paying: i64,
}

#[ComplexObject]
impl ScoreFunnelRow {
    /// converted / leads × 100, two decimals; null without leads.
    async fn conversion_rate(&self) -> Option<f64> {
        percent(self.converted, self.leads)
    }

    /// qualified / leads × 100, two decimals; null without leads.
    async fn qualification_rate(&self) -> Option<f64> {
        percent(self.qualified, self.leads)
    }
}

impl From<service::ScoreFunnelRow> for ScoreFunnelRow {
    fn from(r: service::ScoreFunnelRow) -> Self {
        Self {
            min_score: r.min_score,
            max_score: r.max_score,
            leads: r.leads,
            called: r.called,
            qualified: r.qualified,
            converted: r.converted,
            paying: r.paying,
        }
    }
}

/// Deals closed in the range whose customer had `minActivities` to `maxActivities` messages and orders from the deal's creation to its close, and how many were won.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
#[graphql(complex)]
pub struct CloseRateRow {
    /// The fewest activities of the row.
    pub min_activities: i64,
    /// The most activities of the row; null for the last, open-ended one.
    pub max_activities: Option<i64>,
    /// Deals closed in the range, won or lost.
    pub deals: i64,
    /// Those won (CLOSED_WON).
    pub won: i64,
}

#[ComplexObject]
impl CloseRateRow {
    /// won / deals × 100, two decimals; null without deals.
    async fn close_rate(&self) -> Option<f64> {
        percent(self.won, self.deals)
    }
}

impl From<service::CloseRateRow> for CloseRateRow {
    fn from(r: service::CloseRateRow) -> Self {
        Self {
            min_activities: r.min_activities,
            max_activities: r.max_activities,
            deals: r.deals,
            won: r.won,
        }
    }
}
