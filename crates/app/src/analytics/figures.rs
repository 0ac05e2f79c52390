//! What the rollup rows add up to: [`Figures`] (counters and the rates and
//! averages derived from them, with seed 000's rounding:
//! [`switchboard_domain::analytics::percent`]) and an agent's
//! [`TargetProgress`].

use switchboard_domain::analytics::{Granularity, average, percent};
use switchboard_domain::rollups::Contribution;
use switchboard_entity::enums::TargetPeriod;
use switchboard_entity::{agent_analytics, agent_targets, organization_analytics};

/// Counters of a period and what derives from them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    pub total_calls: i64,
    pub successful_calls: i64,
    pub failed_calls: i64,
    /// Organization figures only (`None` for an agent's).
    pub answered_calls: Option<i64>,
    pub inbound_calls: Option<i64>,
    pub outbound_calls: Option<i64>,
    pub total_duration_seconds: i64,
    pub total_billed_minutes: i64,
    pub credits_used: i64,
    pub leads_generated: i64,
    pub analyzed_calls: i64,
    pub qualified_leads: i64,
    pub cta_pricing_clicks: i64,
    pub cta_demo_clicks: i64,
    pub cta_followup_clicks: i64,
    pub cta_sample_clicks: i64,
    pub cta_human_escalations: i64,
    pub calls_with_cta: i64,
    /// successful / total × 100.
    pub success_rate: Option<f64>,
    /// qualified / analyzed × 100.
    pub conversion_rate: Option<f64>,
    /// calls with a CTA / analyzed × 100.
    pub cta_conversion_rate: Option<f64>,
    pub average_duration_seconds: Option<f64>,
    /// Over analyzed calls (a missing score counts 0).
    pub average_intent_score: Option<f64>,
    pub average_urgency_score: Option<f64>,
    pub average_budget_score: Option<f64>,
    pub average_fit_score: Option<f64>,
    pub average_engagement_score: Option<f64>,
    pub average_total_score: Option<f64>,
}

impl Figures {
    /// The figures of `c`; the answered/inbound/outbound split only with
    /// `with_calls_split` (organization figures).
    pub fn of(c: &Contribution, with_calls_split: bool) -> Self {
        let split = |v: i64| with_calls_split.then_some(v);
        Self {
            total_calls: c.total_calls,
            successful_calls: c.successful_calls,
            failed_calls: c.failed_calls,
            answered_calls: split(c.answered_calls),
            inbound_calls: split(c.inbound_calls),
            outbound_calls: split(c.outbound_calls),
            total_duration_seconds: c.total_duration_seconds,
            total_billed_minutes: c.total_billed_minutes,
            credits_used: c.credits_used,
            leads_generated: c.leads_generated,
            analyzed_calls: c.analyzed_calls,
            qualified_leads: c.qualified_leads,
            cta_pricing_clicks: c.cta_pricing_clicks,
            cta_demo_clicks: c.cta_demo_clicks,
            cta_followup_clicks: c.cta_followup_clicks,
            cta_sample_clicks: c.cta_sample_clicks,
            cta_human_escalations: c.cta_human_escalations,
            calls_with_cta: c.calls_with_cta,
            success_rate: percent(c.successful_calls, c.total_calls),
            conversion_rate: percent(c.qualified_leads, c.analyzed_calls),
            cta_conversion_rate: percent(c.calls_with_cta, c.analyzed_calls),
            average_duration_seconds: average(c.total_duration_seconds, c.total_calls),
            average_intent_score: average(c.sum_intent_score, c.analyzed_calls),
            average_urgency_score: average(c.sum_urgency_score, c.analyzed_calls),
            average_budget_score: average(c.sum_budget_score, c.analyzed_calls),
            average_fit_score: average(c.sum_fit_score, c.analyzed_calls),
            average_engagement_score: average(c.sum_engagement_score, c.analyzed_calls),
            average_total_score: average(c.sum_total_score, c.analyzed_calls),
        }
    }
}

macro_rules! contribution_of {
    ($row:expr, $answered:expr, $inbound:expr, $outbound:expr) => {
        Contribution {
            total_calls: i64::from($row.total_calls),
            successful_calls: i64::from($row.successful_calls),
            failed_calls: i64::from($row.failed_calls),
            answered_calls: $answered,
            inbound_calls: $inbound,
            outbound_calls: $outbound,
            total_duration_seconds: $row.total_duration_seconds,
            total_billed_minutes: $row.total_billed_minutes,
            leads_generated: i64::from($row.leads_generated),
            qualified_leads: i64::from($row.qualified_leads),
            cta_pricing_clicks: i64::from($row.cta_pricing_clicks),
            cta_demo_clicks: i64::from($row.cta_demo_clicks),
            cta_followup_clicks: i64::from($row.cta_followup_clicks),
            cta_sample_clicks: i64::from($row.cta_sample_clicks),
            cta_human_escalations: i64::from($row.cta_human_escalations),
            calls_with_cta: i64::from($row.calls_with_cta),
            credits_used: $row.credits_used,
            analyzed_calls: i64::from($row.analyzed_calls),
            sum_intent_score: $row.sum_intent_score,
            sum_urgency_score: $row.sum_urgency_score,
            sum_budget_score: $row.sum_budget_score,
            sum_fit_score: $row.sum_fit_score,
            sum_engagement_score: $row.sum_engagement_score,
            sum_total_score: $row.sum_total_score,
        }
    };
}

/// What an organization rollup row counts.
pub fn organization_contribution(row: &organization_analytics::Model) -> Contribution {
    contribution_of!(
        row,
        i64::from(row.answered_calls),
        i64::from(row.inbound_calls),
        i64::from(row.outbound_calls)
    )
}

/// What an agent rollup row counts (no answered/inbound/outbound split).
pub fn agent_contribution(row: &agent_analytics::Model) -> Contribution {
    contribution_of!(row, 0, 0, 0)
}

/// A target and its achievement: actual / target × 100 for each figure set.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetProgress {
    pub target_calls: Option<i32>,
    pub target_success_rate: Option<f64>,
    pub target_leads: Option<i32>,
    pub target_conversion_rate: Option<f64>,
    pub calls_achievement: Option<f64>,
    pub success_rate_achievement: Option<f64>,
    pub leads_achievement: Option<f64>,
    pub conversion_rate_achievement: Option<f64>,
}

impl TargetProgress {
    pub fn of(target: &agent_targets::Model, actual: &Figures) -> Self {
        // Rates are compared in hundredths of a point, so the ratio stays exact.
        let hundredths = |v: f64| (v * 100.0).round() as i64;
        let rate = |actual: Option<f64>, target: Option<f64>| match (actual, target) {
            (Some(a), Some(t)) => percent(hundredths(a), hundredths(t)),
            (None, Some(t)) => percent(0, hundredths(t)),
            _ => None,
        };
        Self {
            target_calls: target.target_calls,
            target_success_rate: target.target_success_rate,
            target_leads: target.target_leads,
            target_conversion_rate: target.target_conversion_rate,
            calls_achievement: target
                .target_calls
                .and_then(|t| percent(actual.total_calls, i64::from(t))),
            success_rate_achievement: rate(actual.success_rate, target.target_success_rate),
            leads_achievement: target
                .target_leads
                .and_then(|t| percent(actual.leads_generated, i64::from(t))),
            conversion_rate_achievement: rate(
                actual.conversion_rate,
                target.target_conversion_rate,
            ),
        }
    }
}

/// The stored period of targets set per `granularity`.
pub fn target_period(granularity: Granularity) -> TargetPeriod {
    match granularity {
        Granularity::Day => TargetPeriod::Daily,
        Granularity::Week => TargetPeriod::Weekly,
        Granularity::Month => TargetPeriod::Monthly,
    }
}
