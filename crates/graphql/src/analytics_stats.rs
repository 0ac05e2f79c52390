//! Ad-hoc group-by over the list filters: `analytics { leadStats callStats }`.
//!
//! Each field is one SQL statement, built with sea-query on top of the
//! filter compiler ([`crate::filter::Compiler`]), so a stats query selects
//! exactly the rows the `leads` or `calls` list would (organization-scoped;
//! live leads unless `includeDeleted`), then groups and aggregates them in
//! the database:
//!
//! ```sql
//! SELECT stats.*
//! FROM (SELECT <keys>, COUNT(*), SUM(…), … FROM leads [LEFT JOIN <tags>]
//!       WHERE <filter> GROUP BY 1, 2, …) AS stats
//! ORDER BY <keys> NULLS LAST LIMIT <first>
//! ```
//!
//! Sums and counts come from SQL; averages are divided here with
//! [`average`] (exact, two decimals, half away from zero), so both backends
//! answer alike. Rows come in the order of `groupBy`: each key ascending,
//! nulls last, enum values in the schema's order, text and periods bytewise
//! (`COLLATE "C"` on PostgreSQL, SQLite's `BINARY`), ids by their bytes. At
//! most `first` groups are returned (default 1,000, at most 10,000).
//!
//! # Periods in the organization's time zone
//!
//! Days, weeks (ISO, from Monday) and months are those of the organization's
//! time zone. SQLite has no time-zone database, so the offset is computed in
//! Rust with chrono-tz and handed to SQL, the same way on both backends so
//! that they agree to the second: the zone's UTC-offset changes over the span
//! the filter's top-level `createdAt` allows (intersected with 1970..2100;
//! rows outside it take the offset of its nearest end) become a balanced
//! tree of `CASE WHEN created_at < <change> THEN … ELSE … END` (a handful of
//! comparisons per row, against bound timestamps encoded exactly like the
//! stored ones) whose leaves are fixed offsets, applied with
//! `date(created_at, '-14400 seconds')` on SQLite and `(created_at + INTERVAL
//! '-14400 seconds') AT TIME ZONE 'UTC'` on PostgreSQL. Only integers the
//! code computed reach the SQL text; the zone's name never does.
//!
//! The zone comes with the viewer (read with the membership), so a period
//! costs no statement of its own.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use async_graphql::{Context, Enum, ID, InputType, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{
    Alias, CaseStatement, Expr, ExprTrait, Func, IntoIden, JoinType, NullOrdering, Order, Query,
    SelectStatement, TableRef,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult};
use switchboard_domain::analytics::average;
use switchboard_entity::enums as entity;
use uuid::Uuid;

use crate::context::{self, Permission, require};
use crate::enums::{CallOutcome, CallStatus, CallType, CrmStage, LeadStatus, TrafficSource};
use crate::error::{ApiError, ApiResult};
use crate::filter::{CallFilter, Compiler, DateTimeRange, LeadFilter, load_segments};

/// The most groups a stats field returns.
pub const MAX_GROUPS: i32 = 10_000;

/// What `leadStats` groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum LeadStatsDimension {
    Status,
    Source,
    SubSource,
    /// The owning user.
    Owner,
    /// Each tag: a lead counts in the group of every tag it has; leads
    /// without tags make the group whose tag is null.
    Tag,
    /// The day of `createdAt` in the organization's time zone.
    CreatedDay,
    /// The ISO week (from Monday) of `createdAt`, in the organization's time zone.
    CreatedWeek,
    /// The month of `createdAt` in the organization's time zone.
    CreatedMonth,
}

/// What `callStats` groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum CallStatsDimension {
    Status,
    Outcome,
    CrmStage,
    TrafficSource,
    CallType,
    Agent,
    Campaign,
    Lead,
    /// The day of `createdAt` in the organization's time zone.
    Day,
    /// The ISO week (from Monday) of `createdAt`, in the organization's time zone.
    Week,
    /// The month of `createdAt` in the organization's time zone.
    Month,
}

/// One group of `leadStats`. A key is set only when grouped by it (and is
/// null for the group of rows without a value).
#[derive(SimpleObject, Debug, Clone, Default, PartialEq)]
pub struct LeadStatsRow {
    pub status: Option<LeadStatus>,
    pub source: Option<String>,
    pub sub_source: Option<String>,
    pub owner_id: Option<ID>,
    pub tag: Option<String>,
    /// The first day of the day, week (a Monday) or month.
    pub period_start: Option<NaiveDate>,
    /// Leads in the group.
    pub count: i64,
    pub min_lead_score: Option<i32>,
    /// Two decimals.
    pub avg_lead_score: Option<f64>,
    pub max_lead_score: Option<i32>,
}

/// One group of `callStats`. A key is set only when grouped by it (and is
/// null for the group of rows without a value).
#[derive(SimpleObject, Debug, Clone, Default, PartialEq)]
pub struct CallStatsRow {
    pub status: Option<CallStatus>,
    pub outcome: Option<CallOutcome>,
    pub crm_stage: Option<CrmStage>,
    pub traffic_source: Option<TrafficSource>,
    pub call_type: Option<CallType>,
    pub agent_id: Option<ID>,
    pub campaign_id: Option<ID>,
    pub lead_id: Option<ID>,
    /// The first day of the day, week (a Monday) or month.
    pub period_start: Option<NaiveDate>,
    /// Calls in the group.
    pub count: i64,
    pub total_duration_seconds: i64,
    /// Over the calls with a duration; two decimals.
    pub average_duration_seconds: Option<f64>,
    pub total_cost_cents: i64,
    /// Over all calls of the group; two decimals.
    pub average_cost_cents: Option<f64>,
    pub total_credits_used: i64,
    /// Over all calls of the group; two decimals.
    pub average_credits_used: Option<f64>,
}

/// The group-by fields of the analytics namespace.
#[derive(Default)]
pub struct StatsAnalytics;

#[Object]
impl StatsAnalytics {
    /// Leads matching `filter` (as `leads(filter:)` selects them), grouped by
    /// `groupBy` (none: one row of totals; at most one period), with their
    /// count and lead scores. Groups come in the order of `groupBy`, each key
    /// ascending and nulls last; at most `first` of them (1 to 10,000).
    /// One SQL statement (and one to read the saved segments `filter` names).
    async fn lead_stats(
        &self,
        ctx: &Context<'_>,
        filter: Option<LeadFilter>,
        #[graphql(default)] group_by: Vec<LeadStatsDimension>,
        #[graphql(default = 1000)] first: i32,
    ) -> ApiResult<Vec<LeadStatsRow>> {
        use LeadStatsDimension as D;
        let viewer = require(ctx, Permission::Read)?;
        let limit = check_first(first)?;
        let cut = check_group_by(&group_by, |d| match d {
            D::CreatedDay => Some(Cut::Day),
            D::CreatedWeek => Some(Cut::Week),
            D::CreatedMonth => Some(Cut::Month),
            _ => None,
        })?;
        let filter = filter.unwrap_or_default();
        let tree = filter.to_ast()?;
        let db = context::db(ctx)?;
        let segments = load_segments(db, viewer.organization_id, &tree).await?;
        let backend = db.get_database_backend();
        let condition = Compiler {
            backend,
            organization_id: viewer.organization_id,
            segments: &segments,
        }
        .lead(&tree)?;
        let span = cut.map(|_| span_of(filter.created_at.as_ref()));
        let rows = fetch(db, viewer.timezone, span, |offsets| {
            let t = "leads";
            let mut from = Query::select();
            from.from(Alias::new(t)).and_where(condition.clone());
            let mut keys = Vec::new();
            for dimension in &group_by {
                keys.push(match dimension {
                    D::Status => Key::values("status", col(t, "status"), entity::LeadStatus::ALL),
                    D::Source => Key::text("source", col(t, "source")),
                    D::SubSource => Key::text("sub_source", col(t, "sub_source")),
                    D::Owner => Key::id("owner", col(t, "owner_user_id")),
                    D::Tag => Key::text("tag", join_tags(backend, &mut from)),
                    D::CreatedDay | D::CreatedWeek | D::CreatedMonth => {
                        Key::period(backend, col(t, "created_at"), offsets, cut)
                    }
                });
            }
            Statement {
                backend,
                from,
                keys,
                aggregates: vec![
                    ("n", Expr::cust("COUNT(*)")),
                    ("score_min", Func::min(col(t, "lead_score")).into()),
                    ("score_max", Func::max(col(t, "lead_score")).into()),
                    ("score_sum", sum(backend, col(t, "lead_score"))),
                ],
                limit,
            }
            .build()
        })
        .await?;
        rows.iter()
            .map(|row| {
                let mut out = LeadStatsRow {
                    count: row.try_get("", "n")?,
                    min_lead_score: row.try_get("", "score_min")?,
                    max_lead_score: row.try_get("", "score_max")?,
                    ..Default::default()
                };
                out.avg_lead_score = average(row.try_get("", "score_sum")?, out.count);
                for dimension in &group_by {
                    match dimension {
                        D::Status => {
                            out.status =
                                value(row, "status", entity::LeadStatus::ALL)?.map(Into::into);
                        }
                        D::Source => out.source = row.try_get("", "dim_source")?,
                        D::SubSource => out.sub_source = row.try_get("", "dim_sub_source")?,
                        D::Owner => out.owner_id = id(row, "owner")?,
                        D::Tag => out.tag = row.try_get("", "dim_tag")?,
                        D::CreatedDay | D::CreatedWeek | D::CreatedMonth => {
                            out.period_start = period(row)?;
                        }
                    }
                }
                Ok(out)
            })
            .collect()
    }

    /// Calls matching `filter` (as `calls(filter:)` selects them), grouped
    /// by `groupBy` (none: one row of totals; at most one period), with
    /// their count, durations, costs and credits. Groups come in the order
    /// of `groupBy`, each key ascending and nulls last; at most `first` of
    /// them (1 to 10,000). One SQL statement.
    async fn call_stats(
        &self,
        ctx: &Context<'_>,
        filter: Option<CallFilter>,
        #[graphql(default)] group_by: Vec<CallStatsDimension>,
        #[graphql(default = 1000)] first: i32,
    ) -> ApiResult<Vec<CallStatsRow>> {
        use CallStatsDimension as D;
        let viewer = require(ctx, Permission::Read)?;
        let limit = check_first(first)?;
        let cut = check_group_by(&group_by, |d| match d {
            D::Day => Some(Cut::Day),
            D::Week => Some(Cut::Week),
            D::Month => Some(Cut::Month),
            _ => None,
        })?;
        let filter = filter.unwrap_or_default();
        let db = context::db(ctx)?;
        let backend = db.get_database_backend();
        let segments = HashMap::new();
        let condition = Compiler {
            backend,
            organization_id: viewer.organization_id,
            segments: &segments,
        }
        .call(&filter.to_ast()?)?;
        let span = cut.map(|_| span_of(filter.created_at.as_ref()));
        let rows = fetch(db, viewer.timezone, span, |offsets| {
            let t = "calls";
            let mut from = Query::select();
            from.from(Alias::new(t)).and_where(condition.clone());
            let keys = group_by
                .iter()
                .map(|dimension| match dimension {
                    D::Status => Key::values("status", col(t, "status"), entity::CallStatus::ALL),
                    D::Outcome => {
                        Key::values("outcome", col(t, "outcome"), entity::CallOutcome::ALL)
                    }
                    D::CrmStage => {
                        Key::values("crm_stage", col(t, "crm_stage"), entity::CrmStage::ALL)
                    }
                    D::TrafficSource => Key::values(
                        "traffic_source",
                        col(t, "traffic_source"),
                        entity::TrafficSource::ALL,
                    ),
                    D::CallType => {
                        Key::values("call_type", col(t, "call_type"), entity::CallType::ALL)
                    }
                    D::Agent => Key::id("agent", col(t, "agent_id")),
                    D::Campaign => Key::id("campaign", col(t, "campaign_id")),
                    D::Lead => Key::id("lead", col(t, "lead_id")),
                    D::Day | D::Week | D::Month => {
                        Key::period(backend, col(t, "created_at"), offsets, cut)
                    }
                })
                .collect();
            Statement {
                backend,
                from,
                keys,
                aggregates: vec![
                    ("n", Expr::cust("COUNT(*)")),
                    ("duration_sum", sum(backend, col(t, "duration_seconds"))),
                    ("duration_n", Func::count(col(t, "duration_seconds")).into()),
                    ("cost_sum", sum(backend, col(t, "cost_cents"))),
                    ("credits_sum", sum(backend, col(t, "credits_used"))),
                ],
                limit,
            }
            .build()
        })
        .await?;
        rows.iter()
            .map(|row| {
                let count: i64 = row.try_get("", "n")?;
                let duration: i64 = row.try_get("", "duration_sum")?;
                let with_duration: i64 = row.try_get("", "duration_n")?;
                let cost: i64 = row.try_get("", "cost_sum")?;
                let credits: i64 = row.try_get("", "credits_sum")?;
                let mut out = CallStatsRow {
                    count,
                    total_duration_seconds: duration,
                    average_duration_seconds: average(duration, with_duration),
                    total_cost_cents: cost,
                    average_cost_cents: average(cost, count),
                    total_credits_used: credits,
                    average_credits_used: average(credits, count),
                    ..Default::default()
                };
                for dimension in &group_by {
                    match dimension {
                        D::Status => {
                            out.status =
                                value(row, "status", entity::CallStatus::ALL)?.map(Into::into);
                        }
                        D::Outcome => {
                            out.outcome =
                                value(row, "outcome", entity::CallOutcome::ALL)?.map(Into::into);
                        }
                        D::CrmStage => {
                            out.crm_stage =
                                value(row, "crm_stage", entity::CrmStage::ALL)?.map(Into::into);
                        }
                        D::TrafficSource => {
                            out.traffic_source =
                                value(row, "traffic_source", entity::TrafficSource::ALL)?
                                    .map(Into::into);
                        }
                        D::CallType => {
                            out.call_type =
                                value(row, "call_type", entity::CallType::ALL)?.map(Into::into);
                        }
                        D::Agent => out.agent_id = id(row, "agent")?,
                        D::Campaign => out.campaign_id = id(row, "campaign")?,
                        D::Lead => out.lead_id = id(row, "lead")?,
                        D::Day | D::Week | D::Month => out.period_start = period(row)?,
                    }
                }
                Ok(out)
            })
            .collect()
    }
}

/// How a period is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    Day,
    Week,
    Month,
}

fn check_first(first: i32) -> ApiResult<u64> {
    if (1..=MAX_GROUPS).contains(&first) {
        Ok(u64::try_from(first).unwrap_or(1))
    } else {
        Err(ApiError::bad_input(
            "first",
            format!("first is between 1 and {MAX_GROUPS}"),
        ))
    }
}

/// Refuses a dimension named twice and more than one period; returns the period.
fn check_group_by<D: Copy + PartialEq + InputType>(
    group_by: &[D],
    cut: impl Fn(D) -> Option<Cut>,
) -> ApiResult<Option<Cut>> {
    for (i, dimension) in group_by.iter().enumerate() {
        if group_by[..i].contains(dimension) {
            return Err(ApiError::bad_input(
                "groupBy",
                format!("{} is named twice", dimension.to_value()),
            ));
        }
    }
    let periods: Vec<Cut> = group_by.iter().filter_map(|d| cut(*d)).collect();
    if periods.len() > 1 {
        return Err(ApiError::bad_input(
            "groupBy",
            "group by one period (day, week or month) at most",
        ));
    }
    Ok(periods.first().copied())
}

fn col(table: &str, column: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(column)))
}

/// Raw SQL with a `?` where each of `exprs` goes, in order (`$n` on PostgreSQL).
fn raw(backend: DbBackend, sql: &str, exprs: Vec<Expr>) -> Expr {
    let sql = if backend == DbBackend::Postgres {
        let mut numbered = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for ch in sql.chars() {
            if ch == '?' {
                n += 1;
                numbered.push_str(&format!("${n}"));
            } else {
                numbered.push(ch);
            }
        }
        numbered
    } else {
        sql.to_owned()
    };
    Expr::cust_with_exprs(sql, exprs)
}

/// `SUM(column)` as a BIGINT, 0 over no rows (PostgreSQL sums BIGINTs as NUMERIC).
fn sum(backend: DbBackend, column: Expr) -> Expr {
    raw(backend, "CAST(COALESCE(SUM(?), 0) AS BIGINT)", vec![column])
}

/// Joins each distinct tag of the lead (one null row for a lead without
/// tags) and returns the tag's expression.
fn join_tags(backend: DbBackend, from: &mut SelectStatement) -> Expr {
    let tags = col("leads", "tags");
    if backend == DbBackend::Postgres {
        let mut distinct = Query::select();
        distinct
            .distinct()
            .expr_as(Expr::col(Alias::new("tag_value")), Alias::new("tag"))
            .from_function(
                Func::cust(Alias::new("jsonb_array_elements_text")).arg(tags),
                Alias::new("tag_value"),
            );
        from.join_lateral(
            JoinType::LeftJoin,
            distinct,
            Alias::new("lead_tag"),
            Expr::cust("TRUE"),
        );
        col("lead_tag", "tag")
    } else {
        // No LATERAL on SQLite: a repeated tag joins at its first position only.
        let mut earlier = Query::select();
        earlier
            .expr(Expr::cust("1"))
            .from_function(
                Func::cust(Alias::new("json_each")).arg(tags.clone()),
                Alias::new("earlier_tag"),
            )
            .and_where(
                col("earlier_tag", "value").equals((Alias::new("lead_tag"), Alias::new("value"))),
            )
            .and_where(col("earlier_tag", "key").lt(col("lead_tag", "key")));
        from.join_as(
            JoinType::LeftJoin,
            TableRef::FunctionCall(
                Func::cust(Alias::new("json_each")).arg(tags),
                Alias::new("lead_tag").into_iden(),
            ),
            Alias::new("lead_tag"),
            Expr::exists(earlier).not(),
        );
        raw(backend, "CAST(? AS TEXT)", vec![col("lead_tag", "value")])
    }
}

/// How a group key sorts.
enum Sort {
    /// Stored enum values, in the schema's order.
    Values(Vec<&'static str>),
    /// Bytewise.
    Text,
    /// As stored (ids by their bytes on both backends).
    Plain,
}

/// A group key: its column alias (`dim_<name>`), its expression, its order.
struct Key {
    alias: String,
    expr: Expr,
    sort: Sort,
}

impl Key {
    fn values<E: Stored>(name: &str, expr: Expr, all: &[E]) -> Self {
        Self {
            alias: format!("dim_{name}"),
            expr,
            sort: Sort::Values(all.iter().map(|v| v.stored()).collect()),
        }
    }

    fn text(name: &str, expr: Expr) -> Self {
        Self {
            alias: format!("dim_{name}"),
            expr,
            sort: Sort::Text,
        }
    }

    fn id(name: &str, expr: Expr) -> Self {
        Self {
            alias: format!("dim_{name}"),
            expr,
            sort: Sort::Plain,
        }
    }

    /// The first day of the period of `created` in the organization's time
    /// zone, as `YYYY-MM-DD` text.
    fn period(
        backend: DbBackend,
        created: Expr,
        offsets: Option<&Offsets>,
        cut: Option<Cut>,
    ) -> Self {
        let utc = Offsets::default();
        let offsets = offsets.unwrap_or(&utc);
        let cut = cut.unwrap_or(Cut::Day);
        let expr = if backend == DbBackend::Postgres {
            let shift = offsets.tree(&created, &|s| Expr::cust(format!("INTERVAL '{s} seconds'")));
            let local = "((? + ?) AT TIME ZONE 'UTC')";
            let sql = match cut {
                Cut::Day => format!("to_char({local}, 'YYYY-MM-DD')"),
                Cut::Week => format!("to_char(date_trunc('week', {local}), 'YYYY-MM-DD')"),
                Cut::Month => format!("to_char(date_trunc('month', {local}), 'YYYY-MM-DD')"),
            };
            raw(backend, &sql, vec![created, shift])
        } else {
            let shift = offsets.tree(&created, &|s| Expr::cust(format!("'{s} seconds'")));
            let sql = match cut {
                Cut::Day => "date(?, ?)",
                // The Sunday ending the week, then back to its Monday.
                Cut::Week => "date(?, ?, 'weekday 0', '-6 days')",
                Cut::Month => "strftime('%Y-%m-01', ?, ?)",
            };
            raw(backend, sql, vec![created, shift])
        };
        Self::text("period", expr)
    }
}

/// The stored string of an entity enum value.
trait Stored: Copy {
    fn stored(self) -> &'static str;
}

macro_rules! stored {
    ($($t:ty),+) => {
        $(impl Stored for $t {
            fn stored(self) -> &'static str {
                self.as_str()
            }
        })+
    };
}

stored!(
    entity::LeadStatus,
    entity::CallStatus,
    entity::CallOutcome,
    entity::CrmStage,
    entity::TrafficSource,
    entity::CallType
);

/// The statement of a stats field.
struct Statement {
    backend: DbBackend,
    /// `FROM` (and joins) and `WHERE`.
    from: SelectStatement,
    keys: Vec<Key>,
    aggregates: Vec<(&'static str, Expr)>,
    /// Also return the organization's time zone (as `zone`).
    limit: u64,
}

impl Statement {
    fn build(self) -> SelectStatement {
        let stats = || Alias::new("stats");
        let mut inner = self.from;
        for key in &self.keys {
            inner.expr_as(key.expr.clone(), Alias::new(&key.alias));
        }
        for (alias, aggregate) in &self.aggregates {
            inner.expr_as(aggregate.clone(), Alias::new(*alias));
        }
        // By position: PostgreSQL cannot match an expression with bound
        // parameters in GROUP BY to the same one in the select list.
        inner.add_group_by((1..=self.keys.len()).map(|i| Expr::cust(i.to_string())));
        let mut outer = Query::select();
        outer.from_subquery(inner, stats());
        let names = self
            .keys
            .iter()
            .map(|k| k.alias.as_str())
            .chain(self.aggregates.iter().map(|(a, _)| *a));
        for name in names {
            outer.expr_as(Expr::col((stats(), Alias::new(name))), Alias::new(name));
        }
        for key in &self.keys {
            let column = Expr::col((stats(), Alias::new(&key.alias)));
            let order = match &key.sort {
                Sort::Values(values) => values
                    .iter()
                    .enumerate()
                    .fold(CaseStatement::new(), |case, (position, stored)| {
                        case.case(
                            column.clone().eq(*stored),
                            i32::try_from(position).unwrap_or(i32::MAX),
                        )
                    })
                    .into(),
                Sort::Text if self.backend == DbBackend::Postgres => {
                    raw(self.backend, r#"(? COLLATE "C")"#, vec![column])
                }
                Sort::Text | Sort::Plain => column,
            };
            outer.order_by_expr_with_nulls(order, Order::Asc, NullOrdering::Last);
        }
        outer.limit(self.limit);
        outer
    }
}

/// The span of `created_at` a filter allows, as Unix seconds within 1970..2100.
fn span_of(range: Option<&DateTimeRange>) -> (i64, i64) {
    let mut from = SPAN_START;
    let mut to = SPAN_END;
    if let Some(r) = range {
        for bound in [r.gt, r.gte].into_iter().flatten() {
            from = std::cmp::max(from, bound.timestamp());
        }
        for bound in [r.lt, r.lte].into_iter().flatten() {
            to = std::cmp::min(to, bound.timestamp() + 1);
        }
    }
    (from, std::cmp::max(to, from))
}

/// 1970-01-01T00:00:00Z.
const SPAN_START: i64 = 0;
/// 2100-01-01T00:00:00Z.
const SPAN_END: i64 = 4_102_444_800;

/// A time zone's UTC offsets over a span: the offset at its start and each
/// change after it (instant, new offset), in seconds east of UTC.
#[derive(Debug, Clone, Default, PartialEq)]
struct Offsets {
    first: i32,
    changes: Vec<(DateTime<Utc>, i32)>,
}

fn offset_at(tz: Tz, at: i64) -> i32 {
    DateTime::from_timestamp(at, 0).map_or(0, |t| {
        tz.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc()
    })
}

/// A zone's offset changes: (Unix seconds, new offset in seconds east of UTC).
type Changes = Arc<Vec<(i64, i32)>>;

/// Every offset change of `tz` from 1970 to 2100, found by probing every six
/// hours and bisecting to the second; computed once per zone.
fn changes_of(tz: Tz) -> Changes {
    static CHANGES: LazyLock<Mutex<HashMap<Tz, Changes>>> = LazyLock::new(Default::default);
    if let Some(found) = CHANGES.lock().ok().and_then(|m| m.get(&tz).cloned()) {
        return found;
    }
    const STEP: i64 = 6 * 3600;
    let mut changes = Vec::new();
    let mut at = SPAN_START;
    let mut current = offset_at(tz, at);
    while at < SPAN_END {
        let next = std::cmp::min(at + STEP, SPAN_END);
        if offset_at(tz, next) == current {
            at = next;
            continue;
        }
        // offset(low) == current, offset(high) != current.
        let (mut low, mut high) = (at, next);
        while high - low > 1 {
            let middle = low + (high - low) / 2;
            if offset_at(tz, middle) == current {
                low = middle;
            } else {
                high = middle;
            }
        }
        current = offset_at(tz, high);
        changes.push((high, current));
        at = high;
    }
    let changes = Arc::new(changes);
    if let Ok(mut map) = CHANGES.lock() {
        map.insert(tz, changes.clone());
    }
    changes
}

impl Offsets {
    /// The offsets of `tz` from `from` to `to` (Unix seconds).
    fn of(tz: Tz, from: i64, to: i64) -> Self {
        Self {
            first: offset_at(tz, from),
            changes: changes_of(tz)
                .iter()
                .filter(|(at, _)| *at > from && *at < to)
                .filter_map(|(at, offset)| Some((DateTime::from_timestamp(*at, 0)?, *offset)))
                .collect(),
        }
    }

    /// The offset of `column`'s instant, as a balanced tree of `CASE WHEN
    /// column < change THEN … ELSE … END` over `leaf(offset)`s.
    fn tree(&self, column: &Expr, leaf: &dyn Fn(i32) -> Expr) -> Expr {
        fn split(
            column: &Expr,
            offsets: &[i32],
            changes: &[DateTime<Utc>],
            leaf: &dyn Fn(i32) -> Expr,
        ) -> Expr {
            if changes.is_empty() {
                return leaf(offsets.first().copied().unwrap_or(0));
            }
            let middle = changes.len() / 2;
            Expr::case(
                column.clone().lt(changes[middle]),
                split(column, &offsets[..=middle], &changes[..middle], leaf),
            )
            .finally(split(
                column,
                &offsets[middle + 1..],
                &changes[middle + 1..],
                leaf,
            ))
            .into()
        }
        let offsets: Vec<i32> = std::iter::once(self.first)
            .chain(self.changes.iter().map(|(_, o)| *o))
            .collect();
        let changes: Vec<DateTime<Utc>> = self.changes.iter().map(|(at, _)| *at).collect();
        split(column, &offsets, &changes, leaf)
    }
}

/// Runs the statement `build` makes; with a span (a period is grouped by),
/// in `timezone` over that span.
async fn fetch(
    db: &DatabaseConnection,
    timezone: Tz,
    span: Option<(i64, i64)>,
    build: impl Fn(Option<&Offsets>) -> SelectStatement,
) -> ApiResult<Vec<QueryResult>> {
    let offsets = span.map(|(from, to)| Offsets::of(timezone, from, to));
    Ok(db.query_all(&build(offsets.as_ref())).await?)
}

fn value<E: Stored>(row: &QueryResult, name: &str, all: &[E]) -> ApiResult<Option<E>> {
    let stored: Option<String> = row.try_get("", &format!("dim_{name}"))?;
    stored
        .map(|s| {
            all.iter()
                .copied()
                .find(|v| v.stored() == s)
                .ok_or_else(|| ApiError::from(DbErr::Type(format!("`{s}` is not a known {name}"))))
        })
        .transpose()
}

fn id(row: &QueryResult, name: &str) -> ApiResult<Option<ID>> {
    let id: Option<Uuid> = row.try_get("", &format!("dim_{name}"))?;
    Ok(id.map(|id| ID(id.to_string())))
}

fn period(row: &QueryResult) -> ApiResult<Option<NaiveDate>> {
    let text: Option<String> = row.try_get("", "dim_period")?;
    text.map(|t| {
        NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map_err(|_| ApiError::from(DbErr::Type(format!("`{t}` is not a date"))))
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    fn at(text: &str) -> i64 {
        text.parse::<DateTime<Utc>>()
            .expect("a timestamp")
            .timestamp()
    }

    #[test]
    fn new_york_changes_offset_at_2am_local_on_both_dst_sundays() {
        let tz: Tz = "America/New_York".parse().expect("a zone");
        let offsets = Offsets::of(tz, at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
        assert_eq!(offsets.first, -5 * 3600);
        assert_eq!(
            offsets.changes,
            vec![
                ("2026-03-08T07:00:00Z".parse().expect("t"), -4 * 3600),
                ("2026-11-01T06:00:00Z".parse().expect("t"), -5 * 3600),
            ]
        );
        // Two changes a year from 1970 to 2100, give or take the 1974-75
        // energy-crisis years.
        let all = changes_of(tz).len();
        assert!((250..=270).contains(&all), "{all} changes");
    }

    #[test]
    fn the_span_follows_the_top_level_created_at_bounds() {
        assert_eq!(span_of(None), (SPAN_START, SPAN_END));
        let range = DateTimeRange {
            gte: Some("2026-03-01T00:00:00Z".parse().expect("t")),
            lt: Some("2026-04-01T00:00:00Z".parse().expect("t")),
            ..Default::default()
        };
        assert_eq!(
            span_of(Some(&range)),
            (at("2026-03-01T00:00:00Z"), at("2026-04-01T00:00:00Z") + 1)
        );
    }

    #[test]
    fn the_offset_tree_compares_against_bound_instants() {
        let tz: Tz = "America/New_York".parse().expect("a zone");
        let offsets = Offsets::of(tz, at("2026-03-01T00:00:00Z"), at("2026-12-01T00:00:00Z"));
        for (backend, text) in [
            (
                DbBackend::Postgres,
                Query::select()
                    .expr(
                        Key::period(
                            DbBackend::Postgres,
                            col("calls", "created_at"),
                            Some(&offsets),
                            Some(Cut::Week),
                        )
                        .expr,
                    )
                    .to_string(PostgresQueryBuilder),
            ),
            (
                DbBackend::Sqlite,
                Query::select()
                    .expr(
                        Key::period(
                            DbBackend::Sqlite,
                            col("calls", "created_at"),
                            Some(&offsets),
                            Some(Cut::Week),
                        )
                        .expr,
                    )
                    .to_string(SqliteQueryBuilder),
            ),
        ] {
            assert!(text.contains("2026-03-08 07:00:00"), "{backend:?}: {text}");
            assert!(text.contains("2026-11-01 06:00:00"), "{backend:?}: {text}");
            assert!(text.contains("-14400 seconds"), "{backend:?}: {text}");
            assert!(!text.contains("New_York"), "{backend:?}: {text}");
        }
    }
}
