//! Ad-hoc group-bys over the list filters: lead stats and call stats.
//!
//! Each query is one SQL statement ([`super::stats_sql`]) over exactly the
//! rows the `leads` or `calls` list would select: the filter is compiled
//! into a [`Selection`] (live leads unless it asks for deleted ones), the
//! statement keeps to the viewer's organization, and groups and
//! aggregates the rows in the database. Sums and counts come from SQL; averages are divided here
//! with [`average`] (exact, two decimals, half away from zero), so both
//! backends answer alike. At most `first` groups are returned (default
//! 1,000, at most [`MAX_GROUPS`]).
//!
//! Days, weeks (ISO, from Monday) and months are those of the organization's
//! time zone, carried by the [`Viewer`], so a period costs no statement of
//! its own; see [`super::offsets`] for how both backends agree to the
//! second.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{ConnectionTrait, QueryResult};
use switchboard_domain::analytics::{Granularity, average};
use switchboard_entity::enums as entity;
use uuid::Uuid;

use super::offsets::{Offsets, span};
use super::stats_sql::{Key, Statement, col, id, period, value};
use crate::Viewer;
use crate::app::App;
use crate::dialect;
use crate::error::{AppError, AppResult};
use crate::query::filter::{CallFilter, LeadFilter, TimeRange, call_condition, lead_condition};

/// The most groups a stats query returns.
pub const MAX_GROUPS: i32 = 10_000;

/// What lead stats group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadDimension {
    Status,
    Source,
    SubSource,
    /// The owning user.
    Owner,
    /// Each tag: a lead counts in the group of every tag it has; leads
    /// without tags make the group whose tag is null.
    Tag,
    CreatedDay,
    CreatedWeek,
    CreatedMonth,
}

/// What call stats group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallDimension {
    Status,
    Outcome,
    CrmStage,
    TrafficSource,
    CallType,
    Agent,
    Campaign,
    Lead,
    Day,
    Week,
    Month,
}

/// A dimension of a stats query: its name in the API and the period it
/// cuts, if it is one.
pub trait Dimension: Copy + PartialEq {
    /// The name a client gives it (`CREATED_DAY`), for error messages.
    fn name(self) -> &'static str;
    fn period(self) -> Option<Granularity>;
}

impl Dimension for LeadDimension {
    fn name(self) -> &'static str {
        match self {
            Self::Status => "STATUS",
            Self::Source => "SOURCE",
            Self::SubSource => "SUB_SOURCE",
            Self::Owner => "OWNER",
            Self::Tag => "TAG",
            Self::CreatedDay => "CREATED_DAY",
            Self::CreatedWeek => "CREATED_WEEK",
            Self::CreatedMonth => "CREATED_MONTH",
        }
    }

    fn period(self) -> Option<Granularity> {
        match self {
            Self::CreatedDay => Some(Granularity::Day),
            Self::CreatedWeek => Some(Granularity::Week),
            Self::CreatedMonth => Some(Granularity::Month),
            _ => None,
        }
    }
}

impl Dimension for CallDimension {
    fn name(self) -> &'static str {
        match self {
            Self::Status => "STATUS",
            Self::Outcome => "OUTCOME",
            Self::CrmStage => "CRM_STAGE",
            Self::TrafficSource => "TRAFFIC_SOURCE",
            Self::CallType => "CALL_TYPE",
            Self::Agent => "AGENT",
            Self::Campaign => "CAMPAIGN",
            Self::Lead => "LEAD",
            Self::Day => "DAY",
            Self::Week => "WEEK",
            Self::Month => "MONTH",
        }
    }

    fn period(self) -> Option<Granularity> {
        match self {
            Self::Day => Some(Granularity::Day),
            Self::Week => Some(Granularity::Week),
            Self::Month => Some(Granularity::Month),
            _ => None,
        }
    }
}

/// How a stats query groups: each dimension once, one period at most, and
/// how many groups to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouping<D> {
    group_by: Vec<D>,
    cut: Option<Granularity>,
    limit: u64,
}

impl<D: Dimension> Grouping<D> {
    /// Checks `first` (key `first`: 1 to [`MAX_GROUPS`]), then `group_by`
    /// (key `groupBy`: no dimension twice, one period at most).
    pub fn parse(group_by: Vec<D>, first: i32) -> AppResult<Self> {
        if !(1..=MAX_GROUPS).contains(&first) {
            return Err(AppError::bad_input(
                "first",
                format!("first is between 1 and {MAX_GROUPS}"),
            ));
        }
        for (i, dimension) in group_by.iter().enumerate() {
            if group_by[..i].contains(dimension) {
                return Err(AppError::bad_input(
                    "groupBy",
                    format!("{} is named twice", dimension.name()),
                ));
            }
        }
        let periods: Vec<Granularity> = group_by.iter().filter_map(|d| d.period()).collect();
        if periods.len() > 1 {
            return Err(AppError::bad_input(
                "groupBy",
                "group by one period (day, week or month) at most",
            ));
        }
        Ok(Self {
            cut: periods.first().copied(),
            limit: u64::try_from(first).unwrap_or(1),
            group_by,
        })
    }

    /// Whether a period is grouped by (and so the rows' `createdAt` bounds
    /// matter).
    pub fn has_period(&self) -> bool {
        self.cut.is_some()
    }
}

/// The rows a stats query reads: the list filter, compiled, and the bounds
/// its top level sets on `createdAt`. The query keeps to the viewer's
/// organization whatever the condition says.
#[derive(Debug, Clone)]
pub struct Selection {
    pub condition: Expr,
    /// The latest lower bound on `createdAt` (`gt` or `gte`).
    pub created_from: Option<DateTime<Utc>>,
    /// The earliest upper bound on `createdAt` (`lt` or `lte`).
    pub created_until: Option<DateTime<Utc>>,
}

impl Selection {
    /// The organization's leads matching `filter`, as the `leads` list
    /// selects them (its segments loaded).
    pub async fn of_leads(
        db: &impl ConnectionTrait,
        organization_id: Uuid,
        filter: &LeadFilter,
    ) -> AppResult<Self> {
        let condition = lead_condition(db, organization_id, filter).await?;
        Ok(Self::new(condition, filter.created_at.as_ref()))
    }

    /// The organization's calls matching `filter`, as the `calls` list
    /// selects them.
    pub fn of_calls(
        db: &impl ConnectionTrait,
        organization_id: Uuid,
        filter: &CallFilter,
    ) -> AppResult<Self> {
        let condition = call_condition(db.get_database_backend(), organization_id, filter)?;
        Ok(Self::new(condition, filter.created_at.as_ref()))
    }

    /// The rows of `condition`, with the `createdAt` bounds the filter's
    /// top level sets (a period is cut over the span they allow).
    fn new(condition: Expr, created: Option<&TimeRange>) -> Self {
        Self {
            condition,
            created_from: created.and_then(|r| [r.gt, r.gte].into_iter().flatten().max()),
            created_until: created.and_then(|r| [r.lt, r.lte].into_iter().flatten().min()),
        }
    }
}

/// One group of lead stats. A key is set only when grouped by it (and is
/// null for the group of rows without a value).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadStatsRow {
    pub status: Option<entity::LeadStatus>,
    pub source: Option<String>,
    pub sub_source: Option<String>,
    pub owner_id: Option<Uuid>,
    pub tag: Option<String>,
    /// The first day of the day, week (a Monday) or month.
    pub period_start: Option<NaiveDate>,
    pub count: i64,
    pub min_lead_score: Option<i32>,
    /// Two decimals.
    pub avg_lead_score: Option<f64>,
    pub max_lead_score: Option<i32>,
}

/// One group of call stats. A key is set only when grouped by it (and is
/// null for the group of rows without a value).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallStatsRow {
    pub status: Option<entity::CallStatus>,
    pub outcome: Option<entity::CallOutcome>,
    pub crm_stage: Option<entity::CrmStage>,
    pub traffic_source: Option<entity::TrafficSource>,
    pub call_type: Option<entity::CallType>,
    pub agent_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
    /// The first day of the day, week (a Monday) or month.
    pub period_start: Option<NaiveDate>,
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

/// Runs the statement `build` makes; with a period grouped by, in the
/// viewer's time zone over the span `selection` allows.
async fn fetch(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    cut: Option<Granularity>,
    selection: &Selection,
    build: impl Fn(Option<&Offsets>) -> SelectStatement,
) -> AppResult<Vec<QueryResult>> {
    let offsets = cut.map(|_| {
        Offsets::of(
            viewer.timezone,
            span(selection.created_from, selection.created_until),
        )
    });
    Ok(db.query_all(&build(offsets.as_ref())).await?)
}

/// Leads of `selection` grouped by `grouping`, with their count and lead
/// scores: one statement.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn lead_stats(
    app: &App,
    viewer: Viewer,
    grouping: &Grouping<LeadDimension>,
    selection: Selection,
) -> AppResult<Vec<LeadStatsRow>> {
    use LeadDimension as D;
    let backend = app.db.get_database_backend();
    let cut = grouping.cut;
    let rows = fetch(&app.db, &viewer, cut, &selection, |offsets| {
        let t = "leads";
        let mut from = Query::select();
        from.from(Alias::new(t))
            .and_where(col(t, "organization_id").eq(viewer.organization_id))
            .and_where(selection.condition.clone());
        let mut keys = Vec::new();
        for dimension in &grouping.group_by {
            keys.push(match dimension {
                D::Status => Key::values("status", col(t, "status"), entity::LeadStatus::ALL),
                D::Source => Key::text("source", col(t, "source")),
                D::SubSource => Key::text("sub_source", col(t, "sub_source")),
                D::Owner => Key::id("owner", col(t, "owner_user_id")),
                D::Tag => Key::text(
                    "tag",
                    dialect::join_distinct_json_texts(
                        backend,
                        &mut from,
                        col(t, "tags"),
                        "lead_tag",
                    ),
                ),
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
                ("score_sum", dialect::sum_bigint(col(t, "lead_score"))),
            ],
            limit: grouping.limit,
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
            for dimension in &grouping.group_by {
                match dimension {
                    D::Status => out.status = value(row, "status", entity::LeadStatus::ALL)?,
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

/// Calls of `selection` grouped by `grouping`, with their count,
/// durations, costs and credits: one statement.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn call_stats(
    app: &App,
    viewer: Viewer,
    grouping: &Grouping<CallDimension>,
    selection: Selection,
) -> AppResult<Vec<CallStatsRow>> {
    use CallDimension as D;
    let backend = app.db.get_database_backend();
    let cut = grouping.cut;
    let rows = fetch(&app.db, &viewer, cut, &selection, |offsets| {
        let t = "calls";
        let mut from = Query::select();
        from.from(Alias::new(t))
            .and_where(col(t, "organization_id").eq(viewer.organization_id))
            .and_where(selection.condition.clone());
        let keys = grouping
            .group_by
            .iter()
            .map(|dimension| match dimension {
                D::Status => Key::values("status", col(t, "status"), entity::CallStatus::ALL),
                D::Outcome => Key::values("outcome", col(t, "outcome"), entity::CallOutcome::ALL),
                D::CrmStage => Key::values("crm_stage", col(t, "crm_stage"), entity::CrmStage::ALL),
                D::TrafficSource => Key::values(
                    "traffic_source",
                    col(t, "traffic_source"),
                    entity::TrafficSource::ALL,
                ),
                D::CallType => Key::values("call_type", col(t, "call_type"), entity::CallType::ALL),
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
                (
                    "duration_sum",
                    dialect::sum_bigint(col(t, "duration_seconds")),
                ),
                ("duration_n", Func::count(col(t, "duration_seconds")).into()),
                ("cost_sum", dialect::sum_bigint(col(t, "cost_cents"))),
                ("credits_sum", dialect::sum_bigint(col(t, "credits_used"))),
            ],
            limit: grouping.limit,
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
            for dimension in &grouping.group_by {
                match dimension {
                    D::Status => out.status = value(row, "status", entity::CallStatus::ALL)?,
                    D::Outcome => out.outcome = value(row, "outcome", entity::CallOutcome::ALL)?,
                    D::CrmStage => {
                        out.crm_stage = value(row, "crm_stage", entity::CrmStage::ALL)?;
                    }
                    D::TrafficSource => {
                        out.traffic_source =
                            value(row, "traffic_source", entity::TrafficSource::ALL)?;
                    }
                    D::CallType => {
                        out.call_type = value(row, "call_type", entity::CallType::ALL)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selection_keeps_the_tightest_top_level_created_at_bounds() {
        let at = |s: &str| s.parse().expect("a timestamp");
        let range = TimeRange {
            gt: Some(at("2026-02-01T00:00:00Z")),
            gte: Some(at("2026-03-01T00:00:00Z")),
            lt: Some(at("2026-04-01T00:00:00Z")),
            lte: Some(at("2026-05-01T00:00:00Z")),
            ..Default::default()
        };
        let selection = Selection::new(Expr::value(true), Some(&range));
        assert_eq!(selection.created_from, Some(at("2026-03-01T00:00:00Z")));
        assert_eq!(selection.created_until, Some(at("2026-04-01T00:00:00Z")));
        let open = Selection::new(Expr::value(true), None);
        assert_eq!((open.created_from, open.created_until), (None, None));
    }

    fn refusal<T: std::fmt::Debug>(result: AppResult<T>) -> (String, String) {
        match result.expect_err("refused") {
            AppError::BadUserInput(error) => error.into_parts(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_grouping_refuses_a_bad_first_before_its_dimensions() {
        use CallDimension::*;
        assert_eq!(
            refusal(Grouping::parse(vec![Day, Week], 0)),
            ("first".into(), "first is between 1 and 10000".into())
        );
        assert_eq!(
            refusal(Grouping::parse(vec![Agent, Agent], 10)),
            ("groupBy".into(), "AGENT is named twice".into())
        );
        assert_eq!(
            refusal(Grouping::parse(vec![Month, Agent, Day], 10)),
            (
                "groupBy".into(),
                "group by one period (day, week or month) at most".into()
            )
        );
        let grouping = Grouping::parse(vec![LeadDimension::Tag, LeadDimension::CreatedWeek], 5)
            .expect("valid");
        assert!(grouping.has_period());
        assert_eq!(grouping.cut, Some(Granularity::Week));
    }
}
