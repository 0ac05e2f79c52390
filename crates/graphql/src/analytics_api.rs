//! `query { analytics { … } }`: the figures managers run the business on.
//!
//! Period figures come from the daily rollups (`organization_analytics`,
//! `agent_analytics`), kept exact by the write path
//! ([`switchboard_app::analytics::rollups`]) and read, with their rates and
//! averages, by [`switchboard_app::analytics::periods`]; the call summary
//! by [`switchboard_app::analytics::summary`]. This module checks the role,
//! parses the arguments and maps the answers to GraphQL types.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use switchboard_app::analytics::{figures, periods, summary};
use switchboard_domain::analytics::Granularity as Cut;
use switchboard_domain::range::{DateRange, InstantRange};
use uuid::Uuid;

use crate::context::{self, Permission, require};
use crate::enums::{CrmStage, TrafficSource};
use crate::error::{ApiResult, AppError, parse_id};
use crate::filter::{CallFilter, Compiler};
use crate::types::Agent;

/// How periods are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Default)]
pub enum Granularity {
    #[default]
    Day,
    /// ISO weeks, from Monday.
    Week,
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

/// Counters of a period and what derives from them.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct Figures {
    pub total_calls: i64,
    /// Calls that ended `completed`.
    pub successful_calls: i64,
    /// Calls that ended `failed`.
    pub failed_calls: i64,
    /// Calls that connected (`completed` or `voicemail`); organization figures only.
    pub answered_calls: Option<i64>,
    pub inbound_calls: Option<i64>,
    pub outbound_calls: Option<i64>,
    pub total_duration_seconds: i64,
    pub total_billed_minutes: i64,
    pub credits_used: i64,
    /// Calls whose lead the call itself created (new callers).
    pub leads_generated: i64,
    pub analyzed_calls: i64,
    /// Analyzed calls marked qualified.
    pub qualified_leads: i64,
    pub cta_pricing_clicks: i64,
    pub cta_demo_clicks: i64,
    pub cta_followup_clicks: i64,
    pub cta_sample_clicks: i64,
    pub cta_human_escalations: i64,
    /// Analyzed calls with at least one CTA.
    pub calls_with_cta: i64,
    /// successful / total × 100.
    pub success_rate: Option<f64>,
    /// qualified / analyzed × 100.
    pub conversion_rate: Option<f64>,
    /// calls with a CTA / analyzed × 100.
    pub cta_conversion_rate: Option<f64>,
    pub average_duration_seconds: Option<f64>,
    /// Score averages over analyzed calls (a missing score counts 0).
    pub average_intent_score: Option<f64>,
    pub average_urgency_score: Option<f64>,
    pub average_budget_score: Option<f64>,
    pub average_fit_score: Option<f64>,
    pub average_engagement_score: Option<f64>,
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
    pub period_start: NaiveDate,
    pub figures: Figures,
}

/// One agent's figures for one period, ranked among the organization's agents.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AgentPeriod {
    pub agent_id: ID,
    pub period_start: NaiveDate,
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
    pub target_calls: Option<i32>,
    pub target_success_rate: Option<f64>,
    pub target_leads: Option<i32>,
    pub target_conversion_rate: Option<f64>,
    pub calls_achievement: Option<f64>,
    pub success_rate_achievement: Option<f64>,
    pub leads_achievement: Option<f64>,
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
            period_start: p.period_start,
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
    async fn agent(&self, ctx: &Context<'_>) -> ApiResult<Option<Agent>> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(periods::agent(context::app(ctx)?, viewer, self.agent_uuid)
            .await?
            .map(Agent))
    }
}

/// Rolling figures for a dashboard's headline.
#[derive(SimpleObject)]
pub struct KpiSummary {
    /// The last day included (today in the organization's time zone by default).
    pub as_of: NaiveDate,
    pub last_7_days: Figures,
    pub last_30_days: Figures,
    pub lifetime: Figures,
    /// The agent with the most successful calls over the last 30 days.
    pub best_agent: Option<AgentPeriodRef>,
}

/// An agent and its figures over a span.
#[derive(SimpleObject)]
pub struct AgentPeriodRef {
    pub agent_id: ID,
    pub figures: Figures,
}

/// What `callAnalyticsSummary` groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum SummaryDimension {
    TrafficSource,
    CrmStage,
    Day,
    Week,
    Month,
    Agent,
    Campaign,
}

/// One group of `callAnalyticsSummary` (seed 000's `call_analytics_summary`).
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct CallSummaryRow {
    /// Set when grouped by it.
    pub traffic_source: Option<TrafficSource>,
    pub crm_stage: Option<CrmStage>,
    /// The first day of the day, week or month, in the organization's time zone.
    pub period_start: Option<NaiveDate>,
    pub agent_id: Option<ID>,
    pub campaign_id: Option<ID>,
    pub call_count: i64,
    /// Calls in stage completed, no_show, closed_won or lost.
    pub completed_calls: i64,
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
            period_start: r.period_start,
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

#[Object]
impl AnalyticsQueries {
    /// Analytics of the viewer's organization.
    async fn analytics(&self, ctx: &Context<'_>) -> ApiResult<Analytics> {
        require(ctx, Permission::Read)?;
        Ok(Analytics::default())
    }
}

/// The analytics namespace: rollup periods and the call summary (here), the
/// ad-hoc group-bys ([`crate::analytics_stats`]) and the lead funnel, source
/// ROI and call metrics ([`crate::analytics_funnel`]).
#[derive(async_graphql::MergedObject, Default)]
pub struct Analytics(
    RollupAnalytics,
    crate::analytics_stats::StatsAnalytics,
    crate::analytics_funnel::FunnelAnalytics,
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
        from: NaiveDate,
        to: NaiveDate,
        #[graphql(default)] granularity: Granularity,
    ) -> ApiResult<Vec<OrganizationPeriod>> {
        let viewer = require(ctx, Permission::Read)?;
        let range = DateRange::parse(from, to).map_err(AppError::from)?;
        let found =
            periods::organization_periods(context::app(ctx)?, viewer, range, granularity.into())
                .await?;
        Ok(found
            .into_iter()
            .map(|p| OrganizationPeriod {
                period_start: p.period_start,
                figures: p.figures.into(),
            })
            .collect())
    }

    /// Each agent's rollup per period (or one agent's), with its rank among
    /// the organization's agents and its change from the previous period.
    async fn agent_performance(
        &self,
        ctx: &Context<'_>,
        from: NaiveDate,
        to: NaiveDate,
        #[graphql(default)] granularity: Granularity,
        agent_id: Option<ID>,
    ) -> ApiResult<Vec<AgentPeriod>> {
        let viewer = require(ctx, Permission::Read)?;
        let range = DateRange::parse(from, to).map_err(AppError::from)?;
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
        as_of: Option<NaiveDate>,
    ) -> ApiResult<KpiSummary> {
        let viewer = require(ctx, Permission::Read)?;
        let kpi = periods::kpi_summary(context::app(ctx)?, viewer, as_of).await?;
        Ok(KpiSummary {
            as_of: kpi.as_of,
            last_7_days: kpi.last_7_days.into(),
            last_30_days: kpi.last_30_days.into(),
            lifetime: kpi.lifetime.into(),
            best_agent: kpi.best_agent.map(|best| AgentPeriodRef {
                agent_id: ID(best.agent_id.to_string()),
                figures: best.figures.into(),
            }),
        })
    }

    /// Seed 000's call summary: calls created from `from` (inclusive) to
    /// `to` (exclusive) matching `filter`, grouped by `groupBy` (days, weeks
    /// and months in the organization's time zone; none: one row).
    async fn call_analytics_summary(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        #[graphql(default)] group_by: Vec<SummaryDimension>,
        filter: Option<CallFilter>,
    ) -> ApiResult<Vec<CallSummaryRow>> {
        let viewer = require(ctx, Permission::Read)?;
        let range = InstantRange::parse_any_span(from, to).map_err(AppError::from)?;
        let query =
            summary::SummaryQuery::parse(range, group_by.into_iter().map(Into::into).collect())?;
        let app = context::app(ctx)?;
        let filter = match filter {
            Some(filter) => {
                let segments = Default::default();
                let compiler = Compiler {
                    backend: app.db.get_database_backend(),
                    organization_id: viewer.organization_id,
                    segments: &segments,
                };
                Some(compiler.call(&filter)?)
            }
            None => None,
        };
        let rows = summary::call_summary(app, viewer, &query, filter).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
