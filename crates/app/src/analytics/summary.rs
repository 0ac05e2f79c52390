//! Where `callAnalyticsSummary` reads its counts from.
//!
//! The unit is a *bucket*: calls counted per local day, traffic source, CRM
//! stage (and agent and campaign when asked for). On PostgreSQL the whole
//! local days of the range — today's calls so far included — come from the
//! day counts ([`super::day_counts`]: kept by the difference in every
//! write's own transaction, so exact to the last commit); the partial days
//! at the range's edges, and any question the counts cannot answer (a
//! filter, by agent, by campaign), are counted from `calls` with one
//! `GROUP BY` over the organization's `(organization_id, created_at)`
//! index. SQLite (one embedded instance, modest data) counts everything
//! from `calls`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use switchboard_domain::analytics::{Granularity, day_start, percent};
use switchboard_domain::range::InstantRange;
use switchboard_entity::calls;
use switchboard_entity::enums::{CrmStage, TrafficSource};
use uuid::Uuid;

use super::day_counts;
use crate::Viewer;
use crate::app::App;
use crate::db::Db;
use crate::dialect;
use crate::error::{AppError, AppResult};
use crate::query::filter::{CallFilter, call_condition};

/// Calls of one local day, source and stage (and agent and campaign).
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub day: NaiveDate,
    pub traffic_source: TrafficSource,
    pub crm_stage: CrmStage,
    pub agent_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub calls: i64,
}

/// What the summary needs counted.
struct Request<'a> {
    organization_id: Uuid,
    timezone: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// The compiled call filter, if one was given.
    filter: Option<SimpleExpr>,
    by_agent: bool,
    by_campaign: bool,
    /// Now, for where "today" starts.
    now: DateTime<Utc>,
    db: &'a Db,
}

/// The buckets of `request`'s range: its whole local days from the day
/// counts (PostgreSQL, when no filter, agent or campaign is asked for; today
/// included when the range reaches now), the partial days at either edge
/// and everything else counted live from `calls`.
async fn buckets(request: Request<'_>) -> Result<Vec<Bucket>, DbErr> {
    let counts_can_answer = day_counts::kept(request.db.get_database_backend())
        && request.filter.is_none()
        && !request.by_agent
        && !request.by_campaign;
    let whole = counts_can_answer
        .then(|| whole_days(request.timezone, request.from, request.to, request.now))
        .flatten();
    let Some((first_day, end_day)) = whole else {
        return live(&request, request.from, request.to).await;
    };
    let tz = request.timezone;
    let (counted_from, counted_to) = (day_start(tz, first_day), day_start(tz, end_day));
    let mut out: Vec<Bucket> =
        day_counts::read(request.db, request.organization_id, first_day, end_day)
            .await?
            .into_iter()
            .map(|c| Bucket {
                day: c.day,
                traffic_source: c.traffic_source,
                crm_stage: c.crm_stage,
                agent_id: None,
                campaign_id: None,
                calls: c.calls,
            })
            .collect();
    if request.from < counted_from {
        out.extend(live(&request, request.from, counted_from).await?);
    }
    if counted_to < request.to {
        out.extend(live(&request, counted_to, request.to).await?);
    }
    Ok(out)
}

/// The local days `[first, end)` that lie whole inside `[from, to)` — or,
/// for today, whose calls so far all do (`to` is at or after `now`) — if
/// there is at least one.
fn whole_days(
    tz: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<(NaiveDate, NaiveDate)> {
    let first = {
        let d = from.with_timezone(&tz).date_naive();
        if day_start(tz, d) >= from {
            d
        } else {
            d.succ_opt()?
        }
    };
    let today = now.with_timezone(&tz).date_naive();
    // The days before the one `to` falls in end by `to`…
    let mut end = to.with_timezone(&tz).date_naive();
    // …and so does today, whose calls so far all came before `to`.
    if to >= now && end <= today {
        end = today.succ_opt()?;
    }
    (first < end).then_some((first, end))
}

/// What the call summary groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryDimension {
    TrafficSource,
    CrmStage,
    Day,
    Week,
    Month,
    Agent,
    Campaign,
}

impl SummaryDimension {
    pub const ALL: [Self; 7] = [
        Self::TrafficSource,
        Self::CrmStage,
        Self::Day,
        Self::Week,
        Self::Month,
        Self::Agent,
        Self::Campaign,
    ];

    fn period(self) -> Option<Granularity> {
        match self {
            Self::Day => Some(Granularity::Day),
            Self::Week => Some(Granularity::Week),
            Self::Month => Some(Granularity::Month),
            _ => None,
        }
    }
}

/// A call summary to count: calls created in `range`, grouped by each
/// dimension (none: one row), one period at most.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryQuery {
    range: InstantRange,
    group_by: Vec<SummaryDimension>,
    cut: Option<Granularity>,
}

impl SummaryQuery {
    /// Checks `group_by` (key `groupBy`): no longer than the list of
    /// dimensions (a longer one only repeats one), and one period at most.
    pub fn parse(range: InstantRange, group_by: Vec<SummaryDimension>) -> AppResult<Self> {
        let max = SummaryDimension::ALL.len();
        if group_by.len() > max {
            return Err(AppError::bad_input(
                "groupBy",
                format!(
                    "`groupBy` lists at most {max} items ({} given)",
                    group_by.len()
                ),
            ));
        }
        let periods: Vec<Granularity> = group_by.iter().filter_map(|d| d.period()).collect();
        if periods.len() > 1 {
            return Err(AppError::bad_input(
                "groupBy",
                "group by one of DAY, WEEK or MONTH at most",
            ));
        }
        Ok(Self {
            range,
            cut: periods.first().copied(),
            group_by,
        })
    }

    fn has(&self, dimension: SummaryDimension) -> bool {
        self.group_by.contains(&dimension)
    }
}

/// One group of the call summary (seed 000's `call_analytics_summary`).
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// Set when grouped by it.
    pub traffic_source: Option<TrafficSource>,
    pub crm_stage: Option<CrmStage>,
    /// The first day of the day, week or month, in the organization's time zone.
    pub period_start: Option<NaiveDate>,
    pub agent_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub call_count: i64,
    /// Calls in stage completed, no_show, closed_won or lost.
    pub completed_calls: i64,
    pub closed_won_calls: i64,
    /// completed / all × 100, two decimals.
    pub show_rate: Option<f64>,
    /// closed won / completed × 100, two decimals; `None` when nothing completed.
    pub close_rate: Option<f64>,
}

type GroupKey = (
    Option<TrafficSource>,
    Option<CrmStage>,
    Option<NaiveDate>,
    Option<Uuid>,
    Option<Uuid>,
);

/// Seed 000's call summary: the calls of `query`'s range matching `filter`
/// (a compiled call filter), grouped (days, weeks and months in the
/// organization's time zone). Periods come in order, then sources and
/// stages in the schema's order.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn call_summary(
    app: &App,
    viewer: Viewer,
    query: &SummaryQuery,
    filter: Option<&CallFilter>,
) -> AppResult<Vec<SummaryRow>> {
    use SummaryDimension as D;
    let backend = app.db.get_database_backend();
    let filter = filter
        .map(|f| call_condition(backend, viewer.organization_id, f))
        .transpose()?;
    let found = buckets(Request {
        organization_id: viewer.organization_id,
        timezone: viewer.timezone,
        from: query.range.from(),
        to: query.range.to(),
        filter,
        by_agent: query.has(D::Agent),
        by_campaign: query.has(D::Campaign),
        now: Utc::now(),
        db: &app.db,
    })
    .await?;
    let mut groups: HashMap<GroupKey, (i64, i64, i64)> = HashMap::new();
    for bucket in found {
        let stage = bucket.crm_stage;
        let key: GroupKey = (
            query.has(D::TrafficSource).then_some(bucket.traffic_source),
            query.has(D::CrmStage).then_some(stage),
            query.cut.map(|c| c.period_start(bucket.day)),
            bucket.agent_id,
            bucket.campaign_id,
        );
        let entry = groups.entry(key).or_default();
        entry.0 += bucket.calls;
        if matches!(
            stage,
            CrmStage::Completed | CrmStage::NoShow | CrmStage::ClosedWon | CrmStage::Lost
        ) {
            entry.1 += bucket.calls;
        }
        if stage == CrmStage::ClosedWon {
            entry.2 += bucket.calls;
        }
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    let position =
        |stage: Option<CrmStage>| stage.and_then(|s| CrmStage::ALL.iter().position(|x| *x == s));
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
            |(
                (traffic_source, crm_stage, period_start, agent_id, campaign_id),
                (all, completed, won),
            )| {
                SummaryRow {
                    traffic_source,
                    crm_stage,
                    period_start,
                    agent_id,
                    campaign_id,
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

/// A call as SQLite's live count reads it: created, source, stage, agent, campaign.
type CallRow = (
    DateTime<Utc>,
    TrafficSource,
    CrmStage,
    Option<Uuid>,
    Option<Uuid>,
);

#[derive(FromQueryResult)]
struct LiveRow {
    day: NaiveDate,
    traffic_source: TrafficSource,
    crm_stage: CrmStage,
    agent_id: Option<Uuid>,
    campaign_id: Option<Uuid>,
    calls: i64,
}

/// Counts `[from, to)` from `calls`: grouped in SQL where the database
/// knows the time zone ([`dialect::date_in_zone`]); elsewhere the rows'
/// local days are found here.
async fn live(
    request: &Request<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Bucket>, DbErr> {
    let mut query = calls::Entity::find()
        .filter(calls::Column::OrganizationId.eq(request.organization_id))
        .filter(calls::Column::CreatedAt.gte(from))
        .filter(calls::Column::CreatedAt.lt(to));
    if let Some(filter) = request.filter.clone() {
        query = query.filter(filter);
    }
    let tz = request.timezone;
    let backend = request.db.get_database_backend();
    if let Some(day) = dialect::date_in_zone(
        backend,
        Expr::col((calls::Entity, calls::Column::CreatedAt)),
        tz,
    ) {
        let mut select = query
            .select_only()
            .column_as(day, "day")
            .column(calls::Column::TrafficSource)
            .column(calls::Column::CrmStage)
            .column_as(calls::Column::Id.count(), "calls")
            // By position: the day expression carries its own parameter.
            .group_by(Expr::cust("1"))
            .group_by(calls::Column::TrafficSource)
            .group_by(calls::Column::CrmStage);
        select = if request.by_agent {
            select
                .column(calls::Column::AgentId)
                .group_by(calls::Column::AgentId)
        } else {
            select.column_as(dialect::null_uuid(backend), "agent_id")
        };
        select = if request.by_campaign {
            select
                .column(calls::Column::CampaignId)
                .group_by(calls::Column::CampaignId)
        } else {
            select.column_as(dialect::null_uuid(backend), "campaign_id")
        };
        let rows = select.into_model::<LiveRow>().all(request.db).await?;
        return Ok(rows
            .into_iter()
            .map(|r| Bucket {
                day: r.day,
                traffic_source: r.traffic_source,
                crm_stage: r.crm_stage,
                agent_id: r.agent_id,
                campaign_id: r.campaign_id,
                calls: r.calls,
            })
            .collect());
    }
    let rows: Vec<CallRow> = query
        .select_only()
        .column(calls::Column::CreatedAt)
        .column(calls::Column::TrafficSource)
        .column(calls::Column::CrmStage)
        .column(calls::Column::AgentId)
        .column(calls::Column::CampaignId)
        .into_tuple()
        .all(request.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(created, source, stage, agent, campaign)| Bucket {
            day: created.with_timezone(&tz).date_naive(),
            traffic_source: source,
            crm_stage: stage,
            agent_id: agent.filter(|_| request.by_agent),
            campaign_id: campaign.filter(|_| request.by_campaign),
            calls: 1,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("an instant")
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    const NEW_YORK: Tz = chrono_tz::America::New_York;

    #[test]
    fn a_range_from_a_midnight_to_now_counts_every_day_through_today_whole() {
        // Now is 15:00 on 12 March in New York (EDT, UTC-4).
        let now = at("2026-03-12T19:00:00Z");
        assert_eq!(
            whole_days(
                NEW_YORK,
                at("2026-03-01T05:00:00Z"),
                now + chrono::Duration::minutes(1),
                now
            ),
            Some((day("2026-03-01"), day("2026-03-13")))
        );
    }

    #[test]
    fn partial_days_at_either_edge_are_left_out() {
        let now = at("2026-04-01T12:00:00Z");
        // From noon on 1 March to noon on 10 March, New York time.
        assert_eq!(
            whole_days(
                NEW_YORK,
                at("2026-03-01T17:00:00Z"),
                at("2026-03-10T16:00:00Z"),
                now
            ),
            Some((day("2026-03-02"), day("2026-03-10")))
        );
    }

    #[test]
    fn the_day_clocks_spring_forward_is_whole_from_midnight_to_midnight() {
        // 8 March 2026 starts at 05:00Z (EST) and ends at 04:00Z (EDT).
        let now = at("2026-04-01T12:00:00Z");
        assert_eq!(
            whole_days(
                NEW_YORK,
                at("2026-03-08T05:00:00Z"),
                at("2026-03-09T04:00:00Z"),
                now
            ),
            Some((day("2026-03-08"), day("2026-03-09")))
        );
        // One minute short of its end, it is partial.
        assert_eq!(
            whole_days(
                NEW_YORK,
                at("2026-03-08T05:00:00Z"),
                at("2026-03-09T03:59:00Z"),
                now
            ),
            None
        );
    }

    #[test]
    fn today_is_whole_only_when_the_range_reaches_now() {
        let now = at("2026-03-12T19:00:00Z");
        let midnight = at("2026-03-12T04:00:00Z");
        assert_eq!(
            whole_days(NEW_YORK, midnight, now, now),
            Some((day("2026-03-12"), day("2026-03-13")))
        );
        assert_eq!(
            whole_days(NEW_YORK, midnight, now - chrono::Duration::hours(1), now),
            None,
            "calls of the last hour lie after `to`"
        );
    }
}
