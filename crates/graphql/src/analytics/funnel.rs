//! The lead funnel, lead source ROI and the call metrics dashboard, and the
//! monthly lead source costs ROI reads.
//!
//! The figures are computed by [`switchboard_app::analytics::funnel`] and
//! [`switchboard_app::analytics::sources`] (counting in SQL, one grouped
//! statement per figure set; stays and medians over rows bounded by the
//! range; rates and averages exact in integers, so both backends give the
//! same figures to the last decimal). This module checks the role, parses
//! the arguments and maps the answers to GraphQL types.

use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use switchboard_app::analytics::funnel::{self, CallMetricsQuery};
use switchboard_app::analytics::sources::{self, SourceCost};
use switchboard_domain::analytics::{average, percent};
use switchboard_domain::range::{InstantRange, MonthSpan};
use switchboard_entity::lead_source_costs;

use crate::shared::context::{self, Permission, require};
use crate::shared::enums::{CallOutcome, CallType, LeadStatus};
use crate::shared::error::{ApiResult, AppError, UnderArgument, parse_id};
use crate::shared::scalars::Date;

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

impl From<funnel::CallMetrics> for CallMetrics {
    fn from(m: funnel::CallMetrics) -> Self {
        Self {
            total_calls: m.total_calls,
            booked_calls: m.booked_calls,
            booking_rate: m.booking_rate,
            calls_with_duration: m.calls_with_duration,
            total_duration_seconds: m.total_duration_seconds,
            average_call_time_seconds: m.average_call_time_seconds,
            insurance_verified: m.insurance_verified,
            payment_plans: PaymentPlanMetrics {
                count: m.payment_plans,
                total_amount_cents: m.payment_plan_cents,
            },
            collections: CollectionMetrics {
                attempts: m.collection_attempts,
                successes: m.collection_successes,
                total_collected_cents: m.collected_cents,
                collection_rate: m.collection_rate,
            },
            transfers: m.transfers,
            outcomes: m
                .outcomes
                .into_iter()
                .map(|o| OutcomeShare {
                    outcome: o.outcome.map(Into::into),
                    count: o.count,
                    percentage: o.percentage,
                })
                .collect(),
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

impl From<funnel::LeadFunnel> for LeadFunnel {
    fn from(f: funnel::LeadFunnel) -> Self {
        Self {
            leads: f.leads,
            stages: f
                .stages
                .into_iter()
                .map(|stage| LeadFunnelStage {
                    status: stage.status.into(),
                    leads_entered: stage.leads_entered,
                    entries: stage.entries,
                    next_status: stage.next_status.map(Into::into),
                    conversion_to_next: stage.conversion_to_next,
                    completed_stays: stage.completed_stays,
                    average_time_in_status_seconds: stage.average_time_in_status_seconds,
                    median_time_in_status_seconds: stage.median_time_in_status_seconds,
                    drop_off: stage.drop_off,
                    drop_off_rate: stage.drop_off_rate,
                })
                .collect(),
        }
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

impl From<sources::SourceRoi> for LeadSourceRoi {
    fn from(r: sources::SourceRoi) -> Self {
        Self {
            source: r.source,
            sub_source: r.sub_source,
            leads: r.leads,
            qualified: r.qualified,
            recruited: r.recruited,
            cost_cents: r.cost_cents,
            revenue_cents: r.revenue_cents,
            currency: r.currency,
            currencies: r.currencies,
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

impl From<RecordLeadSourceCostInput> for SourceCost {
    fn from(input: RecordLeadSourceCostInput) -> Self {
        Self {
            source: input.source,
            sub_source: input.sub_source,
            month: input.month.into(),
            cost_cents: input.cost_cents,
            currency: input.currency,
            notes: input.notes,
        }
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
        let range = InstantRange::parse(from, to).map_err(AppError::from)?;
        let query = CallMetricsQuery {
            range,
            agent_id: agent_id.map(|id| parse_id("agentId", &id)).transpose()?,
            campaign_id: campaign_id
                .map(|id| parse_id("campaignId", &id))
                .transpose()?,
            call_type: call_type.map(Into::into),
        };
        Ok(funnel::call_metrics(context::app(ctx)?, viewer, query)
            .await?
            .into())
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
        let range = InstantRange::parse(from, to).map_err(AppError::from)?;
        Ok(funnel::lead_funnel(context::app(ctx)?, viewer, range)
            .await?
            .into())
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
        let span = MonthSpan::parse(from.into(), to.into()).map_err(AppError::from)?;
        let rows = sources::lead_source_roi(context::app(ctx)?, viewer, span).await?;
        Ok(rows.into_iter().map(Into::into).collect())
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
        let span = MonthSpan::parse(from.into(), to.into()).map_err(AppError::from)?;
        let rows = sources::lead_source_costs(context::app(ctx)?, viewer, span).await?;
        Ok(rows.into_iter().map(LeadSourceCost).collect())
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
        let row = sources::record_lead_source_cost(context::app(ctx)?, viewer, input.into())
            .await
            .under("input")?;
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
        let row = sources::delete_lead_source_cost(context::app(ctx)?, viewer, cost_id).await?;
        Ok(LeadSourceCost(row))
    }
}
