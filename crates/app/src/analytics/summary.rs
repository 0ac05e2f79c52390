//! Where `callAnalyticsSummary` reads its counts from.
//!
//! The unit is a *bucket*: calls counted per local day, traffic source, CRM
//! stage (and agent and campaign when asked for). On PostgreSQL, whole past
//! days come from the `call_analytics_summary` materialized view, which
//! [`refresh_loop`] refreshes concurrently at most once per interval and only
//! after calls changed (never once per statement, as seed 000's trigger
//! did); the current day, partial days at the edges of the range, and
//! anything the view cannot answer (a filter, agents, campaigns) are counted
//! live from `calls` with one `GROUP BY` over the range's index. So "today"
//! is never stale, and past days are at most one refresh interval behind a
//! change to an older call. SQLite (one embedded instance, modest data)
//! counts everything live.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect, Statement,
};
use switchboard_domain::analytics::{Granularity, day_start, percent};
use switchboard_domain::range::InstantRange;
use switchboard_entity::enums::{CrmStage, TrafficSource};
use switchboard_entity::{call_analytics_summary, calls};
use uuid::Uuid;

use crate::Viewer;
use crate::app::App;
use crate::db::Db;
use crate::dialect;
use crate::error::{AppError, AppResult};
use crate::events::{EventBus, Message};
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

/// The buckets of `request`'s range.
async fn buckets(request: Request<'_>) -> Result<Vec<Bucket>, DbErr> {
    let tz = request.timezone;
    let mut live_from = request.from;
    let mut out = Vec::new();
    let view_can_answer = dialect::materialized_views(request.db.get_database_backend())
        && request.filter.is_none()
        && !request.by_agent
        && !request.by_campaign;
    if view_can_answer {
        // Whole local days from the first midnight at or after `from` up to
        // the earlier of `to` and today's midnight.
        let first_day = {
            let d = request.from.with_timezone(&tz).date_naive();
            if day_start(tz, d) == request.from {
                d
            } else {
                d.succ_opt().unwrap_or(d)
            }
        };
        let today = request.now.with_timezone(&tz).date_naive();
        let last_local = request.to.with_timezone(&tz).date_naive();
        // The last whole day before `to` (whether `to` is a midnight or
        // inside a day, whose part is counted live), and never today.
        let last_whole = last_local.pred_opt().unwrap_or(last_local);
        let end_day = last_whole
            .min(today.pred_opt().unwrap_or(today))
            .succ_opt()
            .unwrap_or(today);
        // [first_day, end_day) from the view, when that leaves the edges live.
        let (view_start, view_end) = (day_start(tz, first_day), day_start(tz, end_day));
        if first_day < end_day && view_start == request.from {
            let rows = call_analytics_summary::Entity::find()
                .filter(call_analytics_summary::Column::OrganizationId.eq(request.organization_id))
                .filter(call_analytics_summary::Column::Day.gte(first_day))
                .filter(call_analytics_summary::Column::Day.lt(end_day))
                .all(request.db)
                .await?;
            out.extend(rows.into_iter().map(|r| Bucket {
                day: r.day,
                traffic_source: r.traffic_source,
                crm_stage: r.crm_stage,
                agent_id: None,
                campaign_id: None,
                calls: r.call_count,
            }));
            live_from = view_end;
        }
    }
    if live_from < request.to {
        out.extend(live(&request, live_from).await?);
    }
    Ok(out)
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
async fn live(request: &Request<'_>, from: DateTime<Utc>) -> Result<Vec<Bucket>, DbErr> {
    let mut query = calls::Entity::find()
        .filter(calls::Column::OrganizationId.eq(request.organization_id))
        .filter(calls::Column::CreatedAt.gte(from))
        .filter(calls::Column::CreatedAt.lt(request.to));
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

/// Refreshes the materialized view (PostgreSQL) after calls change, at most
/// once per `interval`, until the process ends. Instances take turns through
/// an advisory lock, so a fleet refreshes about once per interval in all.
pub async fn refresh_loop(db: DatabaseConnection, bus: EventBus, interval: Duration) {
    if !dialect::materialized_views(db.get_database_backend()) {
        return;
    }
    let dirty = Arc::new(AtomicBool::new(true));
    let mut receiver = bus.subscribe();
    let marker = dirty.clone();
    tokio::spawn(async move {
        loop {
            match receiver.recv().await {
                Ok(message) => {
                    if matches!(message.as_ref(), Message::Call(_) | Message::Resync) {
                        marker.store(true, Ordering::Relaxed);
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    marker.store(true, Ordering::Relaxed);
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    loop {
        tokio::time::sleep(interval).await;
        if dirty.swap(false, Ordering::Relaxed)
            && let Err(err) = refresh_once(&db).await
        {
            dirty.store(true, Ordering::Relaxed);
            tracing::warn!(error = %err, "refreshing call_analytics_summary failed");
            continue;
        }
        // Up to date (refreshed, or nothing changed): the view's lag is
        // the time since this was last set.
        metrics::gauge!(
            "switchboard_task_last_completed_timestamp_seconds",
            "task" => "summary_refresh"
        )
        .set(Utc::now().timestamp_millis() as f64 / 1000.0);
    }
}

/// One concurrent refresh, unless another instance is refreshing now (or
/// the backend keeps no materialized views: `false`).
pub async fn refresh_once(db: &DatabaseConnection) -> Result<bool, DbErr> {
    use sea_orm::TransactionTrait;
    let backend = db.get_database_backend();
    if !dialect::materialized_views(backend) {
        return Ok(false);
    }
    let txn = db.begin().await?;
    let locked = txn
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT pg_try_advisory_xact_lock(hashtextextended('call_analytics_summary', 0)) AS locked",
        ))
        .await?
        .map(|row| row.try_get::<bool>("", "locked"))
        .transpose()?
        .unwrap_or(false);
    if locked {
        let started = std::time::Instant::now();
        // Background work, not a request: the API's statement timeout would
        // cut a refresh of a large view short and leave it stale for good.
        txn.execute_unprepared("SET LOCAL statement_timeout = 0")
            .await?;
        txn.execute_raw(Statement::from_string(
            backend,
            "REFRESH MATERIALIZED VIEW CONCURRENTLY call_analytics_summary",
        ))
        .await?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "call_analytics_summary refreshed"
        );
    }
    txn.commit().await?;
    Ok(locked)
}
