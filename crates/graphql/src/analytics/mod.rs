//! `query { analytics { … } }`: the figures managers run the business on.
//!
//! Period figures come from the daily rollups (`organization_analytics`,
//! `agent_analytics`), kept exact by the write path
//! ([`switchboard_app::analytics::rollups`]) and read, with their rates and
//! averages, by [`switchboard_app::analytics::periods`]; the call summary
//! by [`switchboard_app::analytics::summary`]. This module checks the role,
//! parses the arguments and maps the answers to GraphQL types.

pub mod funnel;
pub mod stats;
pub mod targets;

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use switchboard_app::analytics::{figures, periods, summary};
use switchboard_domain::analytics::Granularity as Cut;
use switchboard_domain::range::{DateRange, InstantRange};
use uuid::Uuid;

use crate::shared::context::{self, Permission, require};
use crate::shared::enums::{CrmStage, TrafficSource};
use crate::shared::error::{ApiResult, AppError, parse_id};
use crate::shared::filter::CallFilter;
use crate::shared::scalars::Date;
use crate::types::Agent;

/// How a span of days is cut into periods (in the organization's calendar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Default)]
pub enum Granularity {
    /// One period per day: the default.
    #[default]
    Day,
    /// ISO weeks, from Monday.
    Week,
    /// Calendar months, from the 1st.
    Month,
}

impl From<Granularity> for Cut {
    fn from(g: Granularity) -> Self {
        match g {
            Granularity::Day => Cut::Day,
            Granularity::Week => Cut::Week,
            Granularity::Month => Cut::Month,
        }
    }
}

/// What the calls that ended in a period add up to (by the day they ended,
/// in the organization's time zone), and the rates and averages derived from
/// that. Rates are percentages rounded to two decimals, null when their
/// denominator is 0.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct Figures {
    /// Calls that reached a terminal status.
    pub total_calls: i64,
    /// Calls that ended `completed`.
    pub successful_calls: i64,
    /// Calls that ended `failed`.
    pub failed_calls: i64,
    /// Calls that connected (`completed` or `voicemail`); organization figures only.
    pub answered_calls: Option<i64>,
    /// INBOUND calls; organization figures only.
    pub inbound_calls: Option<i64>,
    /// Calls of any outbound type; organization figures only.
    pub outbound_calls: Option<i64>,
    /// Their durations added up, in seconds.
    pub total_duration_seconds: i64,
    /// Their billed minutes added up.
    pub total_billed_minutes: i64,
    /// Credits charged for them.
    pub credits_used: i64,
    /// Calls whose lead the call itself created (new callers).
    pub leads_generated: i64,
    /// Calls with an AI analysis.
    pub analyzed_calls: i64,
    /// Analyzed calls marked qualified.
    pub qualified_leads: i64,
    /// Analyzed calls where the lead asked about pricing.
    pub cta_pricing_clicks: i64,
    /// Analyzed calls where the lead asked for a demo.
    pub cta_demo_clicks: i64,
    /// Analyzed calls where the lead asked to be followed up.
    pub cta_followup_clicks: i64,
    /// Analyzed calls where the lead asked for a sample.
    pub cta_sample_clicks: i64,
    /// Analyzed calls where the lead asked for a human.
    pub cta_human_escalations: i64,
    /// Analyzed calls with at least one CTA.
    pub calls_with_cta: i64,
    /// successful / total × 100.
    pub success_rate: Option<f64>,
    /// qualified / analyzed × 100.
    pub conversion_rate: Option<f64>,
    /// calls with a CTA / analyzed × 100.
    pub cta_conversion_rate: Option<f64>,
    /// Seconds per call, two decimals.
    pub average_duration_seconds: Option<f64>,
    /// The average intent score of the analyzed calls, two decimals (a
    /// missing score counts 0, as in the other score averages).
    pub average_intent_score: Option<f64>,
    /// The average urgency score of the analyzed calls.
    pub average_urgency_score: Option<f64>,
    /// The average budget score of the analyzed calls.
    pub average_budget_score: Option<f64>,
    /// The average fit score of the analyzed calls.
    pub average_fit_score: Option<f64>,
    /// The average engagement score of the analyzed calls.
    pub average_engagement_score: Option<f64>,
    /// The average total score of the analyzed calls.
    pub average_total_score: Option<f64>,
}

impl From<figures::Figures> for Figures {
    fn from(f: figures::Figures) -> Self {
        Self {
            total_calls: f.total_calls,
            successful_calls: f.successful_calls,
            failed_calls: f.failed_calls,
            answered_calls: f.answered_calls,
            inbound_calls: f.inbound_calls,
            outbound_calls: f.outbound_calls,
            total_duration_seconds: f.total_duration_seconds,
            total_billed_minutes: f.total_billed_minutes,
            credits_used: f.credits_used,
            leads_generated: f.leads_generated,
            analyzed_calls: f.analyzed_calls,
            qualified_leads: f.qualified_leads,
            cta_pricing_clicks: f.cta_pricing_clicks,
            cta_demo_clicks: f.cta_demo_clicks,
            cta_followup_clicks: f.cta_followup_clicks,
            cta_sample_clicks: f.cta_sample_clicks,
            cta_human_escalations: f.cta_human_escalations,
            calls_with_cta: f.calls_with_cta,
            success_rate: f.success_rate,
            conversion_rate: f.conversion_rate,
            cta_conversion_rate: f.cta_conversion_rate,
            average_duration_seconds: f.average_duration_seconds,
            average_intent_score: f.average_intent_score,
            average_urgency_score: f.average_urgency_score,
            average_budget_score: f.average_budget_score,
            average_fit_score: f.average_fit_score,
            average_engagement_score: f.average_engagement_score,
            average_total_score: f.average_total_score,
        }
    }
}

/// The organization's figures for one period.
#[derive(SimpleObject)]
pub struct OrganizationPeriod {
    /// The period's first day (a Monday for weeks, the 1st for months).
    pub period_start: Date,
    /// The organization's figures for the period.
    pub figures: Figures,
}

/// One agent's figures for one period, ranked among the organization's agents.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AgentPeriod {
    /// The agent's id.
    pub agent_id: ID,
    /// The period's first day (a Monday for weeks, the 1st for months).
    pub period_start: Date,
    /// The agent's figures for the period (no answered, inbound or outbound split).
    pub figures: Figures,
    /// 1 = most successful calls in the period (ties: more calls first,
    /// then equal ranks).
    pub rank: i32,
    /// How many agents had calls in the period.
    pub ranked_agents: i32,
    /// The same agent's previous period (empty figures when it had no calls).
    pub previous: Figures,
    /// Calls now minus calls in the previous period.
    pub calls_change: i64,
    /// Success rate now minus in the previous period, in points.
    pub success_rate_change: Option<f64>,
    /// The agent's target for this period (set with `setAgentTarget`) and
    /// how much of it is achieved.
    pub target: Option<TargetProgress>,
    #[graphql(skip)]
    pub agent_uuid: Uuid,
}

/// A target and its achievement: actual / target × 100 for each figure set.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct TargetProgress {
    /// Calls to make in the period.
    pub target_calls: Option<i32>,
    /// Success rate to reach, 0-100.
    pub target_success_rate: Option<f64>,
    /// Leads to generate in the period.
    pub target_leads: Option<i32>,
    /// Conversion rate to reach, 0-100.
    pub target_conversion_rate: Option<f64>,
    /// Calls made / target calls × 100; null without that target.
    pub calls_achievement: Option<f64>,
    /// Success rate / target success rate × 100; null without that target.
    pub success_rate_achievement: Option<f64>,
    /// Leads generated / target leads × 100; null without that target.
    pub leads_achievement: Option<f64>,
    /// Conversion rate / target conversion rate × 100; null without that target.
    pub conversion_rate_achievement: Option<f64>,
}

impl From<figures::TargetProgress> for TargetProgress {
    fn from(t: figures::TargetProgress) -> Self {
        Self {
            target_calls: t.target_calls,
            target_success_rate: t.target_success_rate,
            target_leads: t.target_leads,
            target_conversion_rate: t.target_conversion_rate,
            calls_achievement: t.calls_achievement,
            success_rate_achievement: t.success_rate_achievement,
            leads_achievement: t.leads_achievement,
            conversion_rate_achievement: t.conversion_rate_achievement,
        }
    }
}

impl From<periods::AgentPeriod> for AgentPeriod {
    fn from(p: periods::AgentPeriod) -> Self {
        Self {
            agent_id: ID(p.agent_id.to_string()),
            period_start: p.period_start.into(),
            figures: p.figures.into(),
            rank: p.rank,
            ranked_agents: p.ranked_agents,
            previous: p.previous.into(),
            calls_change: p.calls_change,
            success_rate_change: p.success_rate_change,
            target: p.target.map(Into::into),
            agent_uuid: p.agent_id,
        }
    }
}

#[async_graphql::ComplexObject]
impl AgentPeriod {
    /// The agent; null if it is no longer the organization's.
    async fn agent(&self, ctx: &Context<'_>) -> ApiResult<Option<Agent>> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(periods::agent(context::app(ctx)?, viewer, self.agent_uuid)
            .await?
            .map(Agent::new))
    }
}

/// Rolling figures for a dashboard's headline.
#[derive(SimpleObject)]
pub struct KpiSummary {
    /// The last day included (today in the organization's time zone by default).
    pub as_of: Date,
    /// The 7 days ending `asOf`.
    pub last_7_days: Figures,
    /// The 30 days ending `asOf`.
    pub last_30_days: Figures,
    /// Every day up to `asOf`.
    pub lifetime: Figures,
    /// The agent with the most successful calls over the last 30 days.
    pub best_agent: Option<AgentPeriodRef>,
}

/// An agent and its figures over a span.
#[derive(SimpleObject)]
pub struct AgentPeriodRef {
    /// The agent's id.
    pub agent_id: ID,
    /// The agent's figures over the span.
    pub figures: Figures,
}

/// What `callAnalyticsSummary` groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum SummaryDimension {
    /// One group per traffic source.
    TrafficSource,
    /// One group per CRM stage.
    CrmStage,
    /// One group per day the calls were created on.
    Day,
    /// One group per ISO week (from Monday).
    Week,
    /// One group per calendar month.
    Month,
    /// One group per agent (calls without one form their own group).
    Agent,
    /// One group per campaign (calls without one form their own group).
    Campaign,
}

/// One group of `callAnalyticsSummary`: its calls, and their show and close rates.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct CallSummaryRow {
    /// The traffic source, when grouped by it (as are the other keys: null
    /// when not grouped by them).
    pub traffic_source: Option<TrafficSource>,
    /// The CRM stage, when grouped by it.
    pub crm_stage: Option<CrmStage>,
    /// The first day of the day, week or month, in the organization's time zone.
    pub period_start: Option<Date>,
    /// The agent's id, when grouped by agent (null: calls without an agent).
    pub agent_id: Option<ID>,
    /// The campaign's id, when grouped by campaign (null: calls without one).
    pub campaign_id: Option<ID>,
    /// Calls in the group.
    pub call_count: i64,
    /// Calls in stage completed, no_show, closed_won or lost.
    pub completed_calls: i64,
    /// Calls in stage CLOSED_WON.
    pub closed_won_calls: i64,
    /// completed / all × 100, two decimals.
    pub show_rate: Option<f64>,
    /// closed won / completed × 100, two decimals; null when nothing completed.
    pub close_rate: Option<f64>,
}

impl From<SummaryDimension> for summary::SummaryDimension {
    fn from(d: SummaryDimension) -> Self {
        match d {
            SummaryDimension::TrafficSource => Self::TrafficSource,
            SummaryDimension::CrmStage => Self::CrmStage,
            SummaryDimension::Day => Self::Day,
            SummaryDimension::Week => Self::Week,
            SummaryDimension::Month => Self::Month,
            SummaryDimension::Agent => Self::Agent,
            SummaryDimension::Campaign => Self::Campaign,
        }
    }
}

impl From<summary::SummaryRow> for CallSummaryRow {
    fn from(r: summary::SummaryRow) -> Self {
        Self {
            traffic_source: r.traffic_source.map(Into::into),
            crm_stage: r.crm_stage.map(Into::into),
            period_start: r.period_start.map(Into::into),
            agent_id: r.agent_id.map(|a| ID(a.to_string())),
            campaign_id: r.campaign_id.map(|c| ID(c.to_string())),
            call_count: r.call_count,
            completed_calls: r.completed_calls,
            closed_won_calls: r.closed_won_calls,
            show_rate: r.show_rate,
            close_rate: r.close_rate,
        }
    }
}

#[derive(Default)]
pub struct AnalyticsQueries;

/// The entry point of the analytics namespace.
#[Object]
impl AnalyticsQueries {
    /// Analytics of the viewer's organization.
    async fn analytics(&self, ctx: &Context<'_>) -> ApiResult<Analytics> {
        require(ctx, Permission::Read)?;
        Ok(Analytics::default())
    }
}

/// The figures managers run the business on, for the viewer's organization:
/// rollups per period and agent, KPI summaries, the call summary, ad-hoc
/// group-bys of leads and calls, the lead funnel, source ROI and call metrics.
/// Days and months are the organization's (its time zone).
#[derive(async_graphql::MergedObject, Default)]
pub struct Analytics(
    RollupAnalytics,
    crate::analytics::stats::StatsAnalytics,
    crate::analytics::funnel::FunnelAnalytics,
);

/// The figures read from the rollups, and the call summary.
#[derive(Default)]
pub struct RollupAnalytics;

#[Object]
impl RollupAnalytics {
    /// The organization rollup per day, week or month, for the days from
    /// `from` to `to` (inclusive, the organization's calendar).
    async fn organization_analytics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first day, inclusive.")] from: Date,
        #[graphql(
            desc = "The last day, inclusive; at most about ten years (3,700 days) after `from`."
        )]
        to: Date,
        #[graphql(default, desc = "How the days are grouped; default DAY.")]
        granularity: Granularity,
    ) -> ApiResult<Vec<OrganizationPeriod>> {
        let viewer = require(ctx, Permission::Read)?;
        let range = DateRange::parse(from.into(), to.into()).map_err(AppError::from)?;
        let found =
            periods::organization_periods(context::app(ctx)?, viewer, range, granularity.into())
                .await?;
        Ok(found
            .into_iter()
            .map(|p| OrganizationPeriod {
                period_start: p.period_start.into(),
                figures: p.figures.into(),
            })
            .collect())
    }

    /// Each agent's rollup per period (or one agent's), with its rank among
    /// the organization's agents and its change from the previous period.
    async fn agent_performance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first day, inclusive (its whole period is reported).")] from: Date,
        #[graphql(
            desc = "The last day, inclusive; at most about ten years (3,700 days) after `from`."
        )]
        to: Date,
        #[graphql(default, desc = "How the days are grouped; default DAY.")]
        granularity: Granularity,
        #[graphql(desc = "Only this agent (still ranked among all of them).")] agent_id: Option<ID>,
    ) -> ApiResult<Vec<AgentPeriod>> {
        let viewer = require(ctx, Permission::Read)?;
        let range = DateRange::parse(from.into(), to.into()).map_err(AppError::from)?;
        let agent_id = agent_id.map(|id| parse_id("agentId", &id)).transpose()?;
        let query = periods::PerformanceQuery {
            range,
            granularity: granularity.into(),
            agent_id,
        };
        let found = periods::agent_performance(context::app(ctx)?, viewer, query).await?;
        Ok(found.into_iter().map(Into::into).collect())
    }

    /// The last 7 and 30 days (ending `asOf`, default today in the
    /// organization's time zone), the lifetime, and the best agent.
    async fn kpi_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The last day counted; default today in the organization's time zone.")]
        as_of: Option<Date>,
    ) -> ApiResult<KpiSummary> {
        let viewer = require(ctx, Permission::Read)?;
        let kpi = periods::kpi_summary(context::app(ctx)?, viewer, as_of.map(Into::into)).await?;
        Ok(KpiSummary {
            as_of: kpi.as_of.into(),
            last_7_days: kpi.last_7_days.into(),
            last_30_days: kpi.last_30_days.into(),
            lifetime: kpi.lifetime.into(),
            best_agent: kpi.best_agent.map(|best| AgentPeriodRef {
                agent_id: ID(best.agent_id.to_string()),
                figures: best.figures.into(),
            }),
        })
    }

    /// Show and close rates: calls created from `from` (inclusive) to
    /// `to` (exclusive) matching `filter`, grouped by `groupBy` (days, weeks
    /// and months in the organization's time zone; none: one row).
    async fn call_analytics_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Calls created from this instant, inclusive.")] from: DateTime<Utc>,
        #[graphql(desc = "Calls created before this instant; after `from`.")] to: DateTime<Utc>,
        #[graphql(
            default,
            desc = "The dimensions to group by, each once, with at most one of DAY, WEEK and MONTH; default none (one row)."
        )]
        group_by: Vec<SummaryDimension>,
        #[graphql(desc = "Which calls count; none: every call.")] filter: Option<CallFilter>,
    ) -> ApiResult<Vec<CallSummaryRow>> {
        let viewer = require(ctx, Permission::Read)?;
        let range = InstantRange::parse_any_span(from, to).map_err(AppError::from)?;
        let query =
            summary::SummaryQuery::parse(range, group_by.into_iter().map(Into::into).collect())?;
        let app = context::app(ctx)?;
        let filter = filter.map(|f| f.to_ast()).transpose()?;
        let rows = summary::call_summary(app, viewer, &query, filter.as_ref()).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
