//! `query { analytics { … } }`: the figures managers run the business on.
//!
//! Period figures come from the daily rollups (`organization_analytics`,
//! `agent_analytics`), kept exact by the write path ([`switchboard_app::analytics::rollups`]), so
//! they read a few rows per day rather than every call. Rates and averages
//! are derived here, with seed 000's rounding
//! ([`switchboard_domain::analytics::percent`]).

use std::collections::{BTreeMap, HashMap};

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use switchboard_domain::analytics::{Granularity as Cut, average, percent};
use switchboard_domain::rollups::Contribution;
use switchboard_entity::enums::TargetPeriod;
use switchboard_entity::enums::{CrmStage as Stage, TrafficSource as Source};
use switchboard_entity::{agent_analytics, agent_targets, agents, organization_analytics};
use uuid::Uuid;

use crate::context::{self, Permission, require};
use crate::enums::{CrmStage, TrafficSource};
use crate::error::{ApiError, ApiResult, parse_id};
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

impl Figures {
    pub(crate) fn of(c: &Contribution, with_calls_split: bool) -> Self {
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

fn org_contribution(row: &organization_analytics::Model) -> Contribution {
    contribution_of!(
        row,
        i64::from(row.answered_calls),
        i64::from(row.inbound_calls),
        i64::from(row.outbound_calls)
    )
}

pub(crate) fn agent_contribution(row: &agent_analytics::Model) -> Contribution {
    contribution_of!(row, 0, 0, 0)
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

impl TargetProgress {
    pub(crate) fn of(target: &agent_targets::Model, actual: &Figures) -> Self {
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

pub(crate) fn target_period(g: Granularity) -> TargetPeriod {
    match g {
        Granularity::Day => TargetPeriod::Daily,
        Granularity::Week => TargetPeriod::Weekly,
        Granularity::Month => TargetPeriod::Monthly,
    }
}

#[async_graphql::ComplexObject]
impl AgentPeriod {
    async fn agent(&self, ctx: &Context<'_>) -> ApiResult<Option<Agent>> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(agents::Entity::find_by_id(self.agent_uuid)
            .filter(agents::Column::OrganizationId.eq(viewer.organization_id))
            .one(context::db(ctx)?)
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

type GroupKey = (
    Option<Source>,
    Option<Stage>,
    Option<NaiveDate>,
    Option<Uuid>,
    Option<Uuid>,
);

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

fn check_range(from: NaiveDate, to: NaiveDate) -> ApiResult<()> {
    if from > to {
        return Err(ApiError::bad_input("to", "the range ends before it starts"));
    }
    if (to - from).num_days() > 3_700 {
        return Err(ApiError::bad_input("to", "a range spans at most ten years"));
    }
    Ok(())
}

/// Adds up rows per period.
fn by_period<R>(
    rows: &[R],
    cut: Cut,
    day: impl Fn(&R) -> NaiveDate,
    contribution: impl Fn(&R) -> Contribution,
) -> BTreeMap<NaiveDate, Contribution> {
    let mut periods: BTreeMap<NaiveDate, Contribution> = BTreeMap::new();
    for row in rows {
        let entry = periods.entry(cut.period_start(day(row))).or_default();
        *entry = entry.plus(contribution(row));
    }
    periods
}

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
        check_range(from, to)?;
        let rows = organization_analytics::Entity::find()
            .filter(organization_analytics::Column::OrganizationId.eq(viewer.organization_id))
            .filter(organization_analytics::Column::Day.gte(from))
            .filter(organization_analytics::Column::Day.lte(to))
            .all(context::db(ctx)?)
            .await?;
        Ok(
            by_period(&rows, granularity.into(), |r| r.day, org_contribution)
                .into_iter()
                .map(|(period_start, c)| OrganizationPeriod {
                    period_start,
                    figures: Figures::of(&c, true),
                })
                .collect(),
        )
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
        check_range(from, to)?;
        let only = agent_id.map(|id| parse_id("agentId", &id)).transpose()?;
        let cut: Cut = granularity.into();
        // One period more in front, for the first period's trend.
        let since = cut.previous_start(cut.period_start(from));
        let rows = agent_analytics::Entity::find()
            .filter(agent_analytics::Column::OrganizationId.eq(viewer.organization_id))
            .filter(agent_analytics::Column::Day.gte(since))
            .filter(agent_analytics::Column::Day.lte(to))
            .all(context::db(ctx)?)
            .await?;
        let mut cells: BTreeMap<(NaiveDate, Uuid), Contribution> = BTreeMap::new();
        for row in &rows {
            let entry = cells
                .entry((cut.period_start(row.day), row.agent_id))
                .or_default();
            *entry = entry.plus(agent_contribution(row));
        }
        let targets: HashMap<(Uuid, NaiveDate), agent_targets::Model> =
            agent_targets::Entity::find()
                .filter(agent_targets::Column::OrganizationId.eq(viewer.organization_id))
                .filter(agent_targets::Column::Period.eq(target_period(granularity)))
                .filter(agent_targets::Column::PeriodStart.gte(cut.period_start(from)))
                .filter(agent_targets::Column::PeriodStart.lte(to))
                .all(context::db(ctx)?)
                .await?
                .into_iter()
                .map(|t| ((t.agent_id, t.period_start), t))
                .collect();
        let mut result = Vec::new();
        let periods: Vec<NaiveDate> = cells
            .keys()
            .map(|(p, _)| *p)
            .filter(|p| *p >= cut.period_start(from))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for period in periods {
            let mut agents: Vec<(Uuid, Contribution)> = cells
                .range((period, Uuid::nil())..=(period, Uuid::max()))
                .map(|((_, a), c)| (*a, *c))
                .collect();
            agents.sort_by(|a, b| {
                (b.1.successful_calls, b.1.total_calls)
                    .cmp(&(a.1.successful_calls, a.1.total_calls))
            });
            let ranked = agents.len();
            let mut rank = 0;
            let mut last: Option<(i64, i64)> = None;
            for (position, (agent, c)) in agents.iter().enumerate() {
                let key = (c.successful_calls, c.total_calls);
                if last != Some(key) {
                    rank = position + 1;
                    last = Some(key);
                }
                if only.is_some_and(|id| id != *agent) {
                    continue;
                }
                let previous = cells
                    .get(&(cut.previous_start(period), *agent))
                    .copied()
                    .unwrap_or_default();
                let now = Figures::of(c, false);
                let before = Figures::of(&previous, false);
                let target = targets
                    .get(&(*agent, period))
                    .map(|t| TargetProgress::of(t, &now));
                result.push(AgentPeriod {
                    target,
                    agent_id: ID(agent.to_string()),
                    agent_uuid: *agent,
                    period_start: period,
                    rank: i32::try_from(rank).unwrap_or(i32::MAX),
                    ranked_agents: i32::try_from(ranked).unwrap_or(i32::MAX),
                    calls_change: c.total_calls - previous.total_calls,
                    success_rate_change: match (now.success_rate, before.success_rate) {
                        (Some(a), Some(b)) => Some(((a - b) * 100.0).round() / 100.0),
                        _ => None,
                    },
                    figures: now,
                    previous: before,
                });
            }
        }
        Ok(result)
    }

    /// The last 7 and 30 days (ending `asOf`, default today in the
    /// organization's time zone), the lifetime, and the best agent.
    async fn kpi_summary(
        &self,
        ctx: &Context<'_>,
        as_of: Option<NaiveDate>,
    ) -> ApiResult<KpiSummary> {
        let viewer = require(ctx, Permission::Read)?;
        let db = context::db(ctx)?;
        let tz = viewer.timezone;
        let as_of = as_of.unwrap_or_else(|| Utc::now().with_timezone(&tz).date_naive());
        let rows = organization_analytics::Entity::find()
            .filter(organization_analytics::Column::OrganizationId.eq(viewer.organization_id))
            .filter(organization_analytics::Column::Day.lte(as_of))
            .all(db)
            .await?;
        let span = |days: i64| {
            let first = as_of - Duration::days(days - 1);
            rows.iter()
                .filter(|r| r.day >= first)
                .map(org_contribution)
                .fold(Contribution::default(), Contribution::plus)
        };
        let lifetime = rows
            .iter()
            .map(org_contribution)
            .fold(Contribution::default(), Contribution::plus);
        let first = as_of - Duration::days(29);
        let mut per_agent: HashMap<Uuid, Contribution> = HashMap::new();
        for row in agent_analytics::Entity::find()
            .filter(agent_analytics::Column::OrganizationId.eq(viewer.organization_id))
            .filter(agent_analytics::Column::Day.gte(first))
            .filter(agent_analytics::Column::Day.lte(as_of))
            .order_by_asc(agent_analytics::Column::AgentId)
            .all(db)
            .await?
        {
            let entry = per_agent.entry(row.agent_id).or_default();
            *entry = entry.plus(agent_contribution(&row));
        }
        let best = per_agent
            .into_iter()
            .filter(|(_, c)| c.total_calls > 0)
            .max_by(|a, b| {
                (
                    a.1.successful_calls,
                    a.1.total_calls,
                    std::cmp::Reverse(a.0),
                )
                    .cmp(&(
                        b.1.successful_calls,
                        b.1.total_calls,
                        std::cmp::Reverse(b.0),
                    ))
            });
        Ok(KpiSummary {
            as_of,
            last_7_days: Figures::of(&span(7), true),
            last_30_days: Figures::of(&span(30), true),
            lifetime: Figures::of(&lifetime, true),
            best_agent: best.map(|(agent, c)| AgentPeriodRef {
                agent_id: ID(agent.to_string()),
                figures: Figures::of(&c, false),
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
        if from >= to {
            return Err(ApiError::bad_input("to", "the range ends before it starts"));
        }
        // Each dimension once at most: a longer list only repeats one.
        crate::filter::check_width(
            "groupBy",
            "groupBy",
            group_by.len(),
            <SummaryDimension as async_graphql::resolver_utils::EnumType>::items().len(),
        )?;
        let periods: Vec<_> = group_by
            .iter()
            .filter(|d| {
                matches!(
                    d,
                    SummaryDimension::Day | SummaryDimension::Week | SummaryDimension::Month
                )
            })
            .collect();
        if periods.len() > 1 {
            return Err(ApiError::bad_input(
                "groupBy",
                "group by one of DAY, WEEK or MONTH at most",
            ));
        }
        let db = context::db(ctx)?;
        let filter = match filter {
            Some(filter) => {
                let segments = Default::default();
                let compiler = Compiler {
                    backend: db.get_database_backend(),
                    organization_id: viewer.organization_id,
                    segments: &segments,
                };
                Some(compiler.call(&filter.to_ast()?)?)
            }
            None => None,
        };
        let has = |d: SummaryDimension| group_by.contains(&d);
        let buckets = switchboard_app::analytics::summary::buckets(
            switchboard_app::analytics::summary::Request {
                organization_id: viewer.organization_id,
                timezone: viewer.timezone,
                from,
                to,
                filter,
                by_agent: has(SummaryDimension::Agent),
                by_campaign: has(SummaryDimension::Campaign),
                now: Utc::now(),
                db,
            },
        )
        .await?;
        let cut = periods.first().map(|d| match d {
            SummaryDimension::Week => Cut::Week,
            SummaryDimension::Month => Cut::Month,
            _ => Cut::Day,
        });
        let mut groups: HashMap<GroupKey, (i64, i64, i64)> = HashMap::new();
        for bucket in buckets {
            let stage = bucket.crm_stage;
            let key: GroupKey = (
                has(SummaryDimension::TrafficSource).then_some(bucket.traffic_source),
                has(SummaryDimension::CrmStage).then_some(stage),
                cut.map(|c| c.period_start(bucket.day)),
                bucket.agent_id,
                bucket.campaign_id,
            );
            let entry = groups.entry(key).or_default();
            entry.0 += bucket.calls;
            if matches!(
                stage,
                Stage::Completed | Stage::NoShow | Stage::ClosedWon | Stage::Lost
            ) {
                entry.1 += bucket.calls;
            }
            if stage == Stage::ClosedWon {
                entry.2 += bucket.calls;
            }
        }
        let mut groups: Vec<_> = groups.into_iter().collect();
        // Periods in order, then the schema's order of sources and stages.
        let position =
            |stage: Option<Stage>| stage.and_then(|s| Stage::ALL.iter().position(|x| *x == s));
        groups.sort_by_key(|((source, stage, period, agent, campaign), _)| {
            (
                *period,
                source.map(|s| s.as_str()),
                position(*stage),
                *agent,
                *campaign,
            )
        });
        Ok(groups
            .into_iter()
            .map(
                |((source, stage, period, agent, campaign), (all, completed, won))| {
                    CallSummaryRow {
                        traffic_source: source.map(Into::into),
                        crm_stage: stage.map(Into::into),
                        period_start: period,
                        agent_id: agent.map(|a| ID(a.to_string())),
                        campaign_id: campaign.map(|c| ID(c.to_string())),
                        call_count: all,
                        completed_calls: completed,
                        closed_won_calls: won,
                        show_rate: percent(completed, all),
                        close_rate: percent(won, completed),
                    }
                },
            )
            .collect())
    }
}
