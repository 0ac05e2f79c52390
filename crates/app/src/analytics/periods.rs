//! Period figures read from the daily rollups (`organization_analytics`,
//! `agent_analytics`), which the write path keeps exact
//! ([`super::rollups`]): a few rows per day rather than every call. Rates
//! and averages derive from the summed counters ([`Figures`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use switchboard_domain::analytics::Granularity;
use switchboard_domain::range::DateRange;
use switchboard_domain::rollups::Contribution;
use switchboard_entity::{agent_analytics, agent_targets, agents, organization_analytics};
use uuid::Uuid;

use super::figures::{
    Figures, TargetProgress, agent_contribution, organization_contribution, target_period,
};
use crate::Viewer;
use crate::app::App;
use crate::error::AppResult;

/// The organization's figures for one period.
#[derive(Clone, Debug, PartialEq)]
pub struct OrganizationPeriod {
    /// The period's first day (a Monday for weeks, the 1st for months).
    pub period_start: NaiveDate,
    pub figures: Figures,
}

/// One agent's figures for one period, ranked among the organization's agents.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentPeriod {
    pub agent_id: Uuid,
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
    /// The agent's target for this period and how much of it is achieved.
    pub target: Option<TargetProgress>,
}

/// Rolling figures for a dashboard's headline.
#[derive(Clone, Debug, PartialEq)]
pub struct KpiSummary {
    /// The last day included.
    pub as_of: NaiveDate,
    pub last_7_days: Figures,
    pub last_30_days: Figures,
    pub lifetime: Figures,
    /// The agent with the most successful calls over the last 30 days.
    pub best_agent: Option<AgentFigures>,
}

/// An agent and its figures over a span.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentFigures {
    pub agent_id: Uuid,
    pub figures: Figures,
}

/// Which agents' performance to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerformanceQuery {
    pub range: DateRange,
    pub granularity: Granularity,
    /// One agent only; all agents are still ranked.
    pub agent_id: Option<Uuid>,
}

/// Adds up rows per period.
fn by_period<R>(
    rows: &[R],
    cut: Granularity,
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

/// The organization rollup per day, week or month over `range` (the
/// organization's calendar).
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn organization_periods(
    app: &App,
    viewer: Viewer,
    range: DateRange,
    granularity: Granularity,
) -> AppResult<Vec<OrganizationPeriod>> {
    let rows = organization_analytics::Entity::find()
        .filter(organization_analytics::Column::OrganizationId.eq(viewer.organization_id))
        .filter(organization_analytics::Column::Day.gte(range.from()))
        .filter(organization_analytics::Column::Day.lte(range.to()))
        .all(&app.db)
        .await?;
    Ok(
        by_period(&rows, granularity, |r| r.day, organization_contribution)
            .into_iter()
            .map(|(period_start, c)| OrganizationPeriod {
                period_start,
                figures: Figures::of(&c, true),
            })
            .collect(),
    )
}

/// Each agent's rollup per period (or one agent's), with its rank among
/// the organization's agents, its change from the previous period and its
/// target's achievement.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn agent_performance(
    app: &App,
    viewer: Viewer,
    query: PerformanceQuery,
) -> AppResult<Vec<AgentPeriod>> {
    let cut = query.granularity;
    let (from, to) = (query.range.from(), query.range.to());
    // One period more in front, for the first period's trend.
    let since = cut.previous_start(cut.period_start(from));
    let rows = agent_analytics::Entity::find()
        .filter(agent_analytics::Column::OrganizationId.eq(viewer.organization_id))
        .filter(agent_analytics::Column::Day.gte(since))
        .filter(agent_analytics::Column::Day.lte(to))
        .all(&app.db)
        .await?;
    let mut cells: BTreeMap<(NaiveDate, Uuid), Contribution> = BTreeMap::new();
    for row in &rows {
        let entry = cells
            .entry((cut.period_start(row.day), row.agent_id))
            .or_default();
        *entry = entry.plus(agent_contribution(row));
    }
    let targets: HashMap<(Uuid, NaiveDate), agent_targets::Model> = agent_targets::Entity::find()
        .filter(agent_targets::Column::OrganizationId.eq(viewer.organization_id))
        .filter(agent_targets::Column::Period.eq(target_period(cut)))
        .filter(agent_targets::Column::PeriodStart.gte(cut.period_start(from)))
        .filter(agent_targets::Column::PeriodStart.lte(to))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|t| ((t.agent_id, t.period_start), t))
        .collect();
    let mut result = Vec::new();
    let periods: BTreeSet<NaiveDate> = cells
        .keys()
        .map(|(p, _)| *p)
        .filter(|p| *p >= cut.period_start(from))
        .collect();
    for period in periods {
        let mut agents: Vec<(Uuid, Contribution)> = cells
            .range((period, Uuid::nil())..=(period, Uuid::max()))
            .map(|((_, a), c)| (*a, *c))
            .collect();
        agents.sort_by(|a, b| {
            (b.1.successful_calls, b.1.total_calls).cmp(&(a.1.successful_calls, a.1.total_calls))
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
            if query.agent_id.is_some_and(|id| id != *agent) {
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
                agent_id: *agent,
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

/// The last 7 and 30 days ending `as_of` (default: today in the
/// organization's time zone), the lifetime, and the best agent.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn kpi_summary(
    app: &App,
    viewer: Viewer,
    as_of: Option<NaiveDate>,
) -> AppResult<KpiSummary> {
    let tz = viewer.timezone;
    let as_of = as_of.unwrap_or_else(|| Utc::now().with_timezone(&tz).date_naive());
    let rows = organization_analytics::Entity::find()
        .filter(organization_analytics::Column::OrganizationId.eq(viewer.organization_id))
        .filter(organization_analytics::Column::Day.lte(as_of))
        .all(&app.db)
        .await?;
    let span = |days: i64| {
        let first = as_of - Duration::days(days - 1);
        rows.iter()
            .filter(|r| r.day >= first)
            .map(organization_contribution)
            .fold(Contribution::default(), Contribution::plus)
    };
    let lifetime = rows
        .iter()
        .map(organization_contribution)
        .fold(Contribution::default(), Contribution::plus);
    let first = as_of - Duration::days(29);
    let mut per_agent: HashMap<Uuid, Contribution> = HashMap::new();
    for row in agent_analytics::Entity::find()
        .filter(agent_analytics::Column::OrganizationId.eq(viewer.organization_id))
        .filter(agent_analytics::Column::Day.gte(first))
        .filter(agent_analytics::Column::Day.lte(as_of))
        .order_by_asc(agent_analytics::Column::AgentId)
        .all(&app.db)
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
        best_agent: best.map(|(agent_id, c)| AgentFigures {
            agent_id,
            figures: Figures::of(&c, false),
        }),
    })
}

/// The organization's agent `id`, if it exists (a period's agent may have
/// been deleted since).
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn agent(app: &App, viewer: Viewer, id: Uuid) -> AppResult<Option<agents::Model>> {
    Ok(agents::Entity::find_by_id(id)
        .filter(agents::Column::OrganizationId.eq(viewer.organization_id))
        .one(&app.db)
        .await?)
}
