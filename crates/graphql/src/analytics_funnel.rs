//! The lead funnel, lead source ROI and the call metrics dashboard, and the
//! monthly lead source costs ROI reads.
//!
//! Counting happens in SQL (one grouped statement per figure set, with
//! conditional sums); what needs order or pairs of rows (time in status,
//! medians) happens here over rows bounded by the range. Rates and averages
//! use [`percent`] and [`average`], exact in integers, so both backends give
//! the same figures to the last decimal.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Func, OnConflict, Query};
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};
use switchboard_domain::analytics::{average, day_start, percent};
use switchboard_entity::enums::{CallOutcome as Outcome, LeadStatus as Status, OrderStatus};
use switchboard_entity::{calls, customers, lead_source_costs, lead_status_history, leads, orders};
use uuid::Uuid;

use crate::context::{self, Permission, require};
use crate::enums::{CallOutcome, CallType, LeadStatus};
use crate::error::{ApiError, ApiResult, AppError, parse_id};
use crate::scalars::Date;
use switchboard_app::leads::write::begin_write;

/// The longest range an analytics query reads, in days (about ten years).
const MAX_RANGE_DAYS: i64 = 3_700;

/// Statuses that count a lead as qualified in `leadSourceRoi`.
const QUALIFIED: [Status; 3] = [Status::Qualified, Status::Hot, Status::Recruited];

/// Orders that count as revenue: paid or fulfilled (not pending, cancelled
/// or refunded).
const EARNING: [OrderStatus; 2] = [OrderStatus::Paid, OrderStatus::Fulfilled];

fn check_instants(from: DateTime<Utc>, to: DateTime<Utc>) -> ApiResult<()> {
    if from >= to {
        return Err(ApiError::bad_input("to", "the range ends before it starts"));
    }
    if (to - from).num_days() > MAX_RANGE_DAYS {
        return Err(ApiError::bad_input("to", "a range spans at most ten years"));
    }
    Ok(())
}

/// `CAST(COALESCE(SUM(e), 0) AS BIGINT)`: a sum both backends return as an
/// `i64` (PostgreSQL sums `BIGINT` into `NUMERIC`), 0 over no rows.
fn sum_i64(e: impl Into<Expr>) -> Expr {
    Func::cast_as(
        Func::coalesce([Expr::from(Func::sum(e)), Expr::val(0_i64)]),
        "BIGINT",
    )
    .into()
}

/// How many rows meet `condition`.
fn count_if(condition: Expr) -> Expr {
    sum_i64(Expr::case(condition, 1).finally(0))
}

/// The sum of `value` over the rows that meet `condition`.
fn sum_if(condition: Expr, value: impl Into<Expr>) -> Expr {
    sum_i64(Expr::case(condition, value).finally(0))
}

/// The first day of the month of `day`.
fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The months of `from` through `to`, as their first days: the first and
/// the one after the last.
fn month_span(from: NaiveDate, to: NaiveDate) -> ApiResult<(NaiveDate, NaiveDate)> {
    if from > to {
        return Err(ApiError::bad_input("to", "the range ends before it starts"));
    }
    if (to - from).num_days() > MAX_RANGE_DAYS {
        return Err(ApiError::bad_input("to", "a range spans at most ten years"));
    }
    let first = month_of(from);
    let after = month_of(to)
        .checked_add_months(Months::new(1))
        .ok_or_else(|| ApiError::bad_input("to", "the date is out of range"))?;
    Ok((first, after))
}

// ---------------------------------------------------------------- callMetrics

/// The call dashboard over the calls created in a range: bookings, call
/// time, insurance, payment plans, collections, transfers and outcomes.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct CallMetrics {
    /// Calls created in the range (matching the optional agent, campaign and type).
    pub total_calls: i64,
    /// Calls with outcome BOOKED.
    pub booked_calls: i64,
    /// booked / total × 100.
    pub booking_rate: Option<f64>,
    /// Calls with a duration (the average's denominator).
    pub calls_with_duration: i64,
    /// Their durations added up, in seconds.
    pub total_duration_seconds: i64,
    /// Seconds, over the calls with a duration.
    pub average_call_time_seconds: Option<f64>,
    /// Calls with `insuranceVerified`.
    pub insurance_verified: i64,
    /// Payment plans discussed.
    pub payment_plans: PaymentPlanMetrics,
    /// Debt collection attempts and their results.
    pub collections: CollectionMetrics,
    /// Calls with `transferredToStaff`.
    pub transfers: i64,
    /// Each outcome that occurs (null: calls without an outcome), most
    /// frequent first (ties in the schema's order of outcomes, null last).
    pub outcomes: Vec<OutcomeShare>,
}

/// Payment plans discussed on calls.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct PaymentPlanMetrics {
    /// Calls with `paymentPlanDiscussed`.
    pub count: i64,
    /// The sum of `paymentPlanAmountCents` over those calls.
    pub total_amount_cents: i64,
}

/// Debt collection on calls.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct CollectionMetrics {
    /// Calls with `collectionAttempt`.
    pub attempts: i64,
    /// Attempts with `collectionSuccess` (a success flag on a call that is
    /// not marked as an attempt is not counted).
    pub successes: i64,
    /// The sum of `collectionAmountCents` over the successes.
    pub total_collected_cents: i64,
    /// successes / attempts × 100.
    pub collection_rate: Option<f64>,
}

/// How many calls had one outcome.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct OutcomeShare {
    /// Null for calls without an outcome.
    pub outcome: Option<CallOutcome>,
    /// Calls with that outcome.
    pub count: i64,
    /// count / all calls × 100.
    pub percentage: Option<f64>,
}

/// The counters of one outcome's calls (one row of the grouped statement).
#[derive(FromQueryResult, Debug, Default)]
struct OutcomeCounters {
    outcome: Option<Outcome>,
    total: i64,
    with_duration: i64,
    duration: i64,
    insurance_verified: i64,
    payment_plans: i64,
    payment_plan_cents: i64,
    collection_attempts: i64,
    collection_successes: i64,
    collected_cents: i64,
    transfers: i64,
}

impl CallMetrics {
    fn of(mut groups: Vec<OutcomeCounters>) -> Self {
        let sum = |f: fn(&OutcomeCounters) -> i64| groups.iter().map(f).sum::<i64>();
        let total = sum(|g| g.total);
        let with_duration = sum(|g| g.with_duration);
        let duration = sum(|g| g.duration);
        let attempts = sum(|g| g.collection_attempts);
        let successes = sum(|g| g.collection_successes);
        let booked = groups
            .iter()
            .filter(|g| g.outcome == Some(Outcome::Booked))
            .map(|g| g.total)
            .sum();
        let metrics = Self {
            total_calls: total,
            booked_calls: booked,
            booking_rate: percent(booked, total),
            calls_with_duration: with_duration,
            total_duration_seconds: duration,
            average_call_time_seconds: average(duration, with_duration),
            insurance_verified: sum(|g| g.insurance_verified),
            payment_plans: PaymentPlanMetrics {
                count: sum(|g| g.payment_plans),
                total_amount_cents: sum(|g| g.payment_plan_cents),
            },
            collections: CollectionMetrics {
                attempts,
                successes,
                total_collected_cents: sum(|g| g.collected_cents),
                collection_rate: percent(successes, attempts),
            },
            transfers: sum(|g| g.transfers),
            outcomes: Vec::new(),
        };
        let position = |o: Option<Outcome>| {
            o.and_then(|o| Outcome::ALL.iter().position(|x| *x == o))
                .unwrap_or(Outcome::ALL.len())
        };
        groups.sort_by_key(|g| (std::cmp::Reverse(g.total), position(g.outcome)));
        Self {
            outcomes: groups
                .iter()
                .filter(|g| g.total > 0)
                .map(|g| OutcomeShare {
                    outcome: g.outcome.map(Into::into),
                    count: g.total,
                    percentage: percent(g.total, total),
                })
                .collect(),
            ..metrics
        }
    }
}

// ----------------------------------------------------------------- leadFunnel

/// The lead funnel of a range, from `lead_status_history`.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct LeadFunnel {
    /// Leads with at least one status change in the range.
    pub leads: i64,
    /// One stage per lead status, in the funnel's order (NEW, CONTACTED,
    /// QUALIFIED, NURTURING, HOT, COLD, RECRUITED, DNC).
    pub stages: Vec<LeadFunnelStage>,
}

/// One status of the funnel over a range `[from, to)`.
///
/// A *stay* is a lead's time in a status: from the change into it to the
/// lead's next status change. Everything is read from the changes made in
/// the range, so a stay counts when it began in the range, and it *ended*
/// when the next change also falls before `to`.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct LeadFunnelStage {
    /// The status this stage is about.
    pub status: LeadStatus,
    /// Distinct leads that entered the status in the range.
    pub leads_entered: i64,
    /// Changes into the status in the range (a lead may enter it twice).
    pub entries: i64,
    /// The next status of the funnel; null for the last (DNC).
    pub next_status: Option<LeadStatus>,
    /// leadsEntered of the next status / leadsEntered of this one × 100:
    /// both counted over the range, not a cohort, so it can exceed 100.
    pub conversion_to_next: Option<f64>,
    /// Stays that began in the range and ended before `to`.
    pub completed_stays: i64,
    /// Seconds, over the completed stays.
    pub average_time_in_status_seconds: Option<f64>,
    /// Seconds, over the completed stays (even count: the mean of the two
    /// middle stays).
    pub median_time_in_status_seconds: Option<f64>,
    /// Leads that entered the status in the range and were still in it at
    /// `to` (for RECRUITED and DNC, the end states, that is where a lead
    /// ends up rather than a loss).
    pub drop_off: i64,
    /// dropOff / leadsEntered × 100.
    pub drop_off_rate: Option<f64>,
}

/// One change of `lead_status_history`: lead, new status, when, id.
type Change = (Uuid, Status, DateTime<Utc>, Uuid);

#[derive(Default)]
struct StageCounters {
    leads: BTreeSet<Uuid>,
    entries: i64,
    /// Completed stays, in milliseconds.
    stays: Vec<i64>,
    drop_off: i64,
}

impl LeadFunnel {
    fn of(mut changes: Vec<Change>) -> Self {
        changes.sort_by_key(|(lead, _, at, id)| (*lead, *at, *id));
        let index = |s: Status| Status::ALL.iter().position(|x| *x == s).unwrap_or(0);
        let mut stages: Vec<StageCounters> = Status::ALL
            .iter()
            .map(|_| StageCounters::default())
            .collect();
        let mut leads = 0;
        for lead in changes.chunk_by(|a, b| a.0 == b.0) {
            leads += 1;
            for (k, (lead_id, status, at, _)) in lead.iter().enumerate() {
                let stage = &mut stages[index(*status)];
                stage.entries += 1;
                stage.leads.insert(*lead_id);
                if let Some((_, _, next, _)) = lead.get(k + 1) {
                    stage.stays.push((*next - *at).num_milliseconds());
                }
            }
            if let Some((_, last, _, _)) = lead.last() {
                stages[index(*last)].drop_off += 1;
            }
        }
        let entered: Vec<i64> = stages.iter().map(|s| s.leads.len() as i64).collect();
        let stages = stages
            .into_iter()
            .enumerate()
            .map(|(i, mut stage)| {
                stage.stays.sort_unstable();
                let n = stage.stays.len();
                let stays = i64::try_from(n).unwrap_or(i64::MAX);
                let median = match n {
                    0 => None,
                    _ if n % 2 == 1 => average(stage.stays[n / 2], 1_000),
                    _ => average(stage.stays[n / 2 - 1] + stage.stays[n / 2], 2_000),
                };
                let next = Status::ALL.get(i + 1).copied();
                LeadFunnelStage {
                    status: Status::ALL[i].into(),
                    leads_entered: entered[i],
                    entries: stage.entries,
                    next_status: next.map(Into::into),
                    conversion_to_next: next.and_then(|_| percent(entered[i + 1], entered[i])),
                    completed_stays: stays,
                    average_time_in_status_seconds: average(
                        stage.stays.iter().sum(),
                        stays.saturating_mul(1_000),
                    ),
                    median_time_in_status_seconds: median,
                    drop_off: stage.drop_off,
                    drop_off_rate: percent(stage.drop_off, entered[i]),
                }
            })
            .collect();
        Self { leads, stages }
    }
}

// -------------------------------------------------------------- leadSourceRoi

/// What one lead source (and sub-source) cost and brought in over some months.
///
/// Leads are those created in the months (the organization's calendar),
/// soft-deleted ones excluded. Money figures are in the row's `currency`;
/// when its costs and revenue are recorded in more than one currency they
/// cannot be added up, and every money figure is null (see `currencies`).
#[derive(SimpleObject, Debug, Clone, PartialEq)]
#[graphql(complex)]
pub struct LeadSourceRoi {
    /// Null for leads without a source.
    pub source: Option<String>,
    /// Null for leads (and costs) without a sub-source.
    pub sub_source: Option<String>,
    /// Leads created in the months with this source and sub-source.
    pub leads: i64,
    /// Leads that reached QUALIFIED or beyond (HOT, RECRUITED): their status
    /// is one of those now, or their status history ever entered one (a
    /// qualified lead that later went cold still counts).
    pub qualified: i64,
    /// Leads whose status is RECRUITED now.
    pub recruited: i64,
    /// The costs recorded for the source and sub-source in the months.
    pub cost_cents: Option<i64>,
    /// Paid and fulfilled orders of the customers these leads became (any
    /// date: the cohort's revenue so far). Deals are not added, so that a
    /// won deal paid through orders is not counted twice.
    pub revenue_cents: Option<i64>,
    /// The one currency of the money figures; null when nothing is
    /// recorded or when the records mix currencies.
    pub currency: Option<String>,
    /// Every currency the row's costs and orders are recorded in.
    pub currencies: Vec<String>,
}

#[ComplexObject]
impl LeadSourceRoi {
    /// Cost per lead: cost / leads, in cents, two decimals.
    async fn cost_per_lead_cents(&self) -> Option<f64> {
        self.cost_cents.and_then(|c| average(c, self.leads))
    }

    /// Cost per recruit: cost / recruited, in cents, two decimals.
    async fn cost_per_recruit_cents(&self) -> Option<f64> {
        self.cost_cents.and_then(|c| average(c, self.recruited))
    }

    /// (revenue − cost) / cost × 100; null without a cost.
    async fn roi(&self) -> Option<f64> {
        match (self.revenue_cents, self.cost_cents) {
            (Some(revenue), Some(cost)) => percent(revenue - cost, cost),
            _ => None,
        }
    }
}

#[derive(FromQueryResult)]
struct SourceLeads {
    source: Option<String>,
    sub_source: Option<String>,
    leads: i64,
    qualified: i64,
    recruited: i64,
}

#[derive(FromQueryResult)]
struct SourceMoney {
    source: Option<String>,
    sub_source: Option<String>,
    currency: String,
    cents: i64,
}

/// A source and sub-source as ROI groups them: `""` is no sub-source.
type SourceKey = (Option<String>, String);

fn source_key(source: Option<String>, sub_source: Option<String>) -> SourceKey {
    (source, sub_source.unwrap_or_default())
}

#[derive(Default)]
struct SourceRow {
    leads: i64,
    qualified: i64,
    recruited: i64,
    cost: BTreeMap<String, i64>,
    revenue: BTreeMap<String, i64>,
}

impl SourceRow {
    fn into_roi(self, (source, sub_source): SourceKey) -> LeadSourceRoi {
        let currencies: Vec<String> = self
            .cost
            .keys()
            .chain(self.revenue.keys())
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let single = currencies.len() <= 1;
        LeadSourceRoi {
            source,
            sub_source: Some(sub_source).filter(|s| !s.is_empty()),
            leads: self.leads,
            qualified: self.qualified,
            recruited: self.recruited,
            cost_cents: single.then(|| self.cost.values().sum()),
            revenue_cents: single.then(|| self.revenue.values().sum()),
            currency: if currencies.len() == 1 {
                currencies.first().cloned()
            } else {
                None
            },
            currencies,
        }
    }
}

// ------------------------------------------------------------- source costs

/// What a lead source (and sub-source) cost in one month.
pub struct LeadSourceCost(pub lead_source_costs::Model);

/// What a lead source (and sub-source) cost in one month: the cost side of
/// `leadSourceRoi` (cost per lead, cost per recruit, ROI).
#[Object]
impl LeadSourceCost {
    /// The record's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The lead source, as leads name it in `source`.
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// Null when the cost is for the source as a whole.
    async fn sub_source(&self) -> Option<&str> {
        Some(self.0.sub_source.as_str()).filter(|s| !s.is_empty())
    }
    /// The first day of the month.
    async fn month(&self) -> Date {
        self.0.month.into()
    }
    /// The cost, in cents of `currency`.
    async fn cost_cents(&self) -> i64 {
        self.0.cost_cents
    }
    /// ISO 4217 code.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// Free-form notes (e.g. the invoice).
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// When the cost was first recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was last recorded again.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// What a lead source cost in a month; recording it again for the same
/// source, sub-source and month replaces the cost, currency and notes.
#[derive(InputObject)]
pub struct RecordLeadSourceCostInput {
    /// The lead source, 1 to 200 characters (trimmed), as leads name it.
    pub source: String,
    /// The sub-source, at most 200 characters; none: the source as a whole.
    pub sub_source: Option<String>,
    /// The first day of the month.
    pub month: Date,
    /// The cost, in cents of `currency`; at least 0.
    pub cost_cents: i64,
    /// ISO 4217 code, three letters (stored upper-case); default USD.
    #[graphql(default_with = "Some(\"USD\".to_owned())")]
    pub currency: Option<String>,
    /// Free-form notes (e.g. the invoice); blank notes are dropped.
    pub notes: Option<String>,
}

/// A validated [`RecordLeadSourceCostInput`].
struct CostRecord {
    source: String,
    sub_source: String,
    month: NaiveDate,
    cost_cents: i64,
    currency: String,
    notes: Option<String>,
}

impl RecordLeadSourceCostInput {
    fn validate(self) -> ApiResult<CostRecord> {
        let source = self.source.trim().to_owned();
        if source.is_empty() || source.chars().count() > 200 {
            return Err(ApiError::bad_input(
                "input.source",
                "a source is 1 to 200 characters",
            ));
        }
        let sub_source = self.sub_source.unwrap_or_default().trim().to_owned();
        if sub_source.chars().count() > 200 {
            return Err(ApiError::bad_input(
                "input.subSource",
                "a sub-source is at most 200 characters",
            ));
        }
        if self.month.0.day() != 1 {
            return Err(ApiError::bad_input(
                "input.month",
                format!(
                    "a month is given by its first day ({}, not {})",
                    month_of(self.month.0),
                    self.month.0
                ),
            ));
        }
        if self.cost_cents < 0 {
            return Err(ApiError::bad_input(
                "input.costCents",
                "a cost cannot be negative",
            ));
        }
        let currency = self
            .currency
            .unwrap_or_else(|| "USD".to_owned())
            .trim()
            .to_ascii_uppercase();
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(ApiError::bad_input(
                "input.currency",
                "a currency is a three-letter ISO 4217 code, e.g. USD",
            ));
        }
        Ok(CostRecord {
            source,
            sub_source,
            month: self.month.0,
            cost_cents: self.cost_cents,
            currency,
            notes: self.notes.filter(|n| !n.trim().is_empty()),
        })
    }
}

// -------------------------------------------------------------------- queries

/// `analytics { callMetrics leadFunnel leadSourceRoi leadSourceCosts }`.
#[derive(Default)]
pub struct FunnelAnalytics;

#[Object]
impl FunnelAnalytics {
    /// The call dashboard over the calls created from `from` (inclusive)
    /// to `to` (exclusive), optionally of one agent, campaign or call type.
    async fn call_metrics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Calls created from this instant, inclusive.")] from: DateTime<Utc>,
        #[graphql(
            desc = "Calls created before this instant; after `from`, at most ten years later."
        )]
        to: DateTime<Utc>,
        #[graphql(desc = "Only this agent's calls.")] agent_id: Option<ID>,
        #[graphql(desc = "Only this campaign's calls.")] campaign_id: Option<ID>,
        #[graphql(desc = "Only calls of this type.")] call_type: Option<CallType>,
    ) -> ApiResult<CallMetrics> {
        let viewer = require(ctx, Permission::Read)?;
        check_instants(from, to)?;
        let agent = agent_id.map(|id| parse_id("agentId", &id)).transpose()?;
        let campaign = campaign_id
            .map(|id| parse_id("campaignId", &id))
            .transpose()?;
        use calls::Column as C;
        // One statement: the counters per outcome, added up here.
        let mut query = calls::Entity::find()
            .select_only()
            .column(C::Outcome)
            .column_as(C::Id.count(), "total")
            .column_as(C::DurationSeconds.count(), "with_duration")
            .column_as(sum_i64(Expr::col(C::DurationSeconds)), "duration")
            .column_as(
                count_if(C::InsuranceVerified.eq(true)),
                "insurance_verified",
            )
            .column_as(count_if(C::PaymentPlanDiscussed.eq(true)), "payment_plans")
            .column_as(
                sum_if(
                    C::PaymentPlanDiscussed.eq(true),
                    Func::coalesce([Expr::col(C::PaymentPlanAmountCents), Expr::val(0_i64)]),
                ),
                "payment_plan_cents",
            )
            .column_as(
                count_if(C::CollectionAttempt.eq(true)),
                "collection_attempts",
            )
            .column_as(
                count_if(
                    C::CollectionAttempt
                        .eq(true)
                        .and(C::CollectionSuccess.eq(true)),
                ),
                "collection_successes",
            )
            .column_as(
                sum_if(
                    C::CollectionAttempt
                        .eq(true)
                        .and(C::CollectionSuccess.eq(true)),
                    Func::coalesce([Expr::col(C::CollectionAmountCents), Expr::val(0_i64)]),
                ),
                "collected_cents",
            )
            .column_as(count_if(C::TransferredToStaff.eq(true)), "transfers")
            .filter(C::OrganizationId.eq(viewer.organization_id))
            .filter(C::CreatedAt.gte(from))
            .filter(C::CreatedAt.lt(to));
        if let Some(agent) = agent {
            query = query.filter(C::AgentId.eq(agent));
        }
        if let Some(campaign) = campaign {
            query = query.filter(C::CampaignId.eq(campaign));
        }
        if let Some(call_type) = call_type {
            query =
                query.filter(C::CallType.eq(switchboard_entity::enums::CallType::from(call_type)));
        }
        let groups = query
            .group_by(C::Outcome)
            .into_model::<OutcomeCounters>()
            .all(context::db(ctx)?)
            .await?;
        Ok(CallMetrics::of(groups))
    }

    /// The lead funnel over the status changes made from `from` (inclusive)
    /// to `to` (exclusive); soft-deleted leads are left out.
    async fn lead_funnel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Status changes from this instant, inclusive.")] from: DateTime<Utc>,
        #[graphql(
            desc = "Status changes before this instant; after `from`, at most ten years later."
        )]
        to: DateTime<Utc>,
    ) -> ApiResult<LeadFunnel> {
        let viewer = require(ctx, Permission::Read)?;
        check_instants(from, to)?;
        use lead_status_history::Column as H;
        let changes: Vec<Change> = lead_status_history::Entity::find()
            .select_only()
            .column(H::LeadId)
            .column(H::ToStatus)
            .column(H::CreatedAt)
            .column(H::Id)
            .join(
                JoinType::InnerJoin,
                lead_status_history::Relation::Lead.def(),
            )
            .filter(H::OrganizationId.eq(viewer.organization_id))
            // Every status: lets PostgreSQL walk the
            // (organization_id, to_status, created_at) index.
            .filter(H::ToStatus.is_in(Status::ALL.iter().copied()))
            .filter(H::CreatedAt.gte(from))
            .filter(H::CreatedAt.lt(to))
            .filter(leads::Column::DeletedAt.is_null())
            .into_tuple()
            .all(context::db(ctx)?)
            .await?;
        Ok(LeadFunnel::of(changes))
    }

    /// Cost, leads and revenue per lead source and sub-source for the months
    /// of `from` through `to` (any day of a month stands for the month),
    /// with cost per lead, cost per recruit and ROI. Sources with costs but
    /// no leads are listed too. Sorted by source (none last), then sub-source.
    async fn lead_source_roi(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Any day of the first month.")] from: Date,
        #[graphql(desc = "Any day of the last month (inclusive); not before `from`.")] to: Date,
    ) -> ApiResult<Vec<LeadSourceRoi>> {
        let viewer = require(ctx, Permission::Read)?;
        let (first, after) = month_span(from.into(), to.into())?;
        let db = context::db(ctx)?;
        let tz = viewer.timezone;
        let (start, end) = (day_start(tz, first), day_start(tz, after));
        let org = viewer.organization_id;

        use leads::Column as L;
        let reached = Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(lead_status_history::Entity)
                .and_where(
                    Expr::col((
                        lead_status_history::Entity,
                        lead_status_history::Column::LeadId,
                    ))
                    .equals((leads::Entity, L::Id)),
                )
                .and_where(lead_status_history::Column::ToStatus.is_in(QUALIFIED))
                .to_owned(),
        );
        let counted = leads::Entity::find()
            .select_only()
            .column(L::Source)
            .column(L::SubSource)
            .column_as(L::Id.count(), "leads")
            .column_as(
                count_if(L::Status.is_in(QUALIFIED).or(reached)),
                "qualified",
            )
            .column_as(count_if(L::Status.eq(Status::Recruited)), "recruited")
            .filter(L::OrganizationId.eq(org))
            .filter(L::DeletedAt.is_null())
            .filter(L::CreatedAt.gte(start))
            .filter(L::CreatedAt.lt(end))
            .group_by(L::Source)
            .group_by(L::SubSource)
            .into_model::<SourceLeads>()
            .all(db)
            .await?;

        use lead_source_costs::Column as K;
        let costs = lead_source_costs::Entity::find()
            .select_only()
            .column_as(K::Source, "source")
            .column_as(K::SubSource, "sub_source")
            .column_as(K::Currency, "currency")
            .column_as(sum_i64(Expr::col(K::CostCents)), "cents")
            .filter(K::OrganizationId.eq(org))
            .filter(K::Month.gte(first))
            .filter(K::Month.lt(after))
            .group_by(K::Source)
            .group_by(K::SubSource)
            .group_by(K::Currency)
            .into_model::<SourceMoney>()
            .all(db)
            .await?;

        let revenue = orders::Entity::find()
            .select_only()
            .column_as(L::Source, "source")
            .column_as(L::SubSource, "sub_source")
            .column_as(orders::Column::Currency, "currency")
            .column_as(
                sum_i64(Expr::col((orders::Entity, orders::Column::TotalCents))),
                "cents",
            )
            .join(JoinType::InnerJoin, orders::Relation::Customer.def())
            .join(JoinType::InnerJoin, customers::Relation::Lead.def())
            .filter(orders::Column::OrganizationId.eq(org))
            .filter(orders::Column::Status.is_in(EARNING))
            .filter(customers::Column::OrganizationId.eq(org))
            .filter(L::OrganizationId.eq(org))
            .filter(L::DeletedAt.is_null())
            .filter(L::CreatedAt.gte(start))
            .filter(L::CreatedAt.lt(end))
            .group_by(L::Source)
            .group_by(L::SubSource)
            .group_by(orders::Column::Currency)
            .into_model::<SourceMoney>()
            .all(db)
            .await?;

        let mut rows: HashMap<SourceKey, SourceRow> = HashMap::new();
        for group in counted {
            let row = rows
                .entry(source_key(group.source, group.sub_source))
                .or_default();
            row.leads += group.leads;
            row.qualified += group.qualified;
            row.recruited += group.recruited;
        }
        for cost in costs {
            *rows
                .entry(source_key(cost.source, cost.sub_source))
                .or_default()
                .cost
                .entry(cost.currency)
                .or_default() += cost.cents;
        }
        for money in revenue {
            *rows
                .entry(source_key(money.source, money.sub_source))
                .or_default()
                .revenue
                .entry(money.currency)
                .or_default() += money.cents;
        }
        let mut rows: Vec<(SourceKey, SourceRow)> = rows.into_iter().collect();
        rows.sort_by(|(a, _), (b, _)| {
            (a.0.is_none(), &a.0, &a.1).cmp(&(b.0.is_none(), &b.0, &b.1))
        });
        Ok(rows
            .into_iter()
            .map(|(key, row)| row.into_roi(key))
            .collect())
    }

    /// The lead source costs recorded for the months of `from` through `to`,
    /// by month, then source and sub-source.
    async fn lead_source_costs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Any day of the first month.")] from: Date,
        #[graphql(desc = "Any day of the last month (inclusive); not before `from`.")] to: Date,
    ) -> ApiResult<Vec<LeadSourceCost>> {
        let viewer = require(ctx, Permission::Read)?;
        let (first, after) = month_span(from.into(), to.into())?;
        use lead_source_costs::Column as K;
        Ok(lead_source_costs::Entity::find()
            .filter(K::OrganizationId.eq(viewer.organization_id))
            .filter(K::Month.gte(first))
            .filter(K::Month.lt(after))
            .order_by_asc(K::Month)
            .order_by_asc(K::Source)
            .order_by_asc(K::SubSource)
            .all(context::db(ctx)?)
            .await?
            .into_iter()
            .map(LeadSourceCost)
            .collect())
    }
}

// ------------------------------------------------------------------ mutations

/// Mutations for analytics inputs (lead source costs).
#[derive(Default)]
pub struct FunnelMutations;

#[Object]
impl FunnelMutations {
    /// Records what a lead source (and sub-source) cost in a month; for a
    /// source, sub-source and month already recorded, replaces its cost,
    /// currency and notes. Managers and above.
    async fn record_lead_source_cost(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The source, month and cost.")] input: RecordLeadSourceCostInput,
    ) -> ApiResult<LeadSourceCost> {
        let viewer = require(ctx, Permission::Manage)?;
        let record = input.validate()?;
        let txn = begin_write(context::db(ctx)?).await?;
        let now = Utc::now();
        use lead_source_costs::Column as K;
        lead_source_costs::Entity::insert(lead_source_costs::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(viewer.organization_id),
            source: Set(record.source.clone()),
            sub_source: Set(record.sub_source.clone()),
            month: Set(record.month),
            cost_cents: Set(record.cost_cents),
            currency: Set(record.currency),
            notes: Set(record.notes),
            created_by: Set(Some(viewer.user_id)),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([K::OrganizationId, K::Source, K::SubSource, K::Month])
                .update_columns([K::CostCents, K::Currency, K::Notes, K::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        let row = lead_source_costs::Entity::find()
            .filter(K::OrganizationId.eq(viewer.organization_id))
            .filter(K::Source.eq(record.source.as_str()))
            .filter(K::SubSource.eq(record.sub_source.as_str()))
            .filter(K::Month.eq(record.month))
            .one(&txn)
            .await?
            .ok_or_else(|| {
                AppError::Internal(sea_orm::DbErr::RecordNotFound(
                    "the recorded lead source cost".into(),
                ))
            })?;
        txn.commit().await?;
        Ok(LeadSourceCost(row))
    }

    /// Deletes a recorded lead source cost; returns the deleted row.
    /// Managers and above.
    async fn delete_lead_source_cost(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id; NOT_FOUND if it is not the organization's.")] id: ID,
    ) -> ApiResult<LeadSourceCost> {
        let viewer = require(ctx, Permission::Manage)?;
        let cost_id = parse_id("id", &id)?;
        let txn = begin_write(context::db(ctx)?).await?;
        let row = lead_source_costs::Entity::find_by_id(cost_id)
            .filter(lead_source_costs::Column::OrganizationId.eq(viewer.organization_id))
            .one(&txn)
            .await?
            .ok_or_else(|| ApiError::not_found("lead source cost", cost_id))?;
        lead_source_costs::Entity::delete_by_id(cost_id)
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(LeadSourceCost(row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Tz;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_month_in_new_york_starts_at_local_midnight() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(day_start(tz, day), at("2026-03-01T05:00:00Z"));
        let (first, after) =
            month_span(day, NaiveDate::from_ymd_opt(2026, 4, 15).unwrap()).unwrap();
        assert_eq!(first, day);
        assert_eq!(after, NaiveDate::from_ymd_opt(2026, 5, 1).unwrap());
        assert_eq!(day_start(tz, after), at("2026-05-01T04:00:00Z"));
    }

    #[test]
    fn funnel_stays_pair_each_change_with_the_next_of_the_same_lead() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let funnel = LeadFunnel::of(vec![
            (
                b,
                Status::New,
                at("2026-01-01T00:00:00Z"),
                Uuid::from_u128(10),
            ),
            (
                a,
                Status::Contacted,
                at("2026-01-01T00:00:03Z"),
                Uuid::from_u128(11),
            ),
            (
                a,
                Status::New,
                at("2026-01-01T00:00:00Z"),
                Uuid::from_u128(12),
            ),
        ]);
        assert_eq!(funnel.leads, 2);
        let new = &funnel.stages[0];
        assert_eq!(
            (new.leads_entered, new.completed_stays, new.drop_off),
            (2, 1, 1)
        );
        assert_eq!(new.median_time_in_status_seconds, Some(3.0));
        assert_eq!(new.conversion_to_next, Some(50.0));
        assert_eq!(funnel.stages[7].next_status, None);
    }
}
