//! The call metrics dashboard and the lead funnel.
//!
//! Counting happens in SQL (one grouped statement, with conditional sums);
//! what needs order or pairs of rows (time in status, medians) happens here
//! over rows bounded by the range. Rates and averages use [`percent`] and
//! [`average`], exact in integers, so both backends give the same figures
//! to the last decimal.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QuerySelect, RelationTrait,
};
use switchboard_domain::analytics::{average, percent};
use switchboard_domain::range::InstantRange;
use switchboard_entity::enums::{CallOutcome as Outcome, CallType, LeadStatus as Status};
use switchboard_entity::{calls, lead_status_history, leads};
use uuid::Uuid;

use crate::Viewer;
use crate::app::App;
use crate::dialect::sum_bigint;
use crate::error::AppResult;

/// How many rows meet `condition`.
pub(crate) fn count_if(condition: Expr) -> Expr {
    sum_bigint(Expr::case(condition, 1).finally(0))
}

/// The sum of `value` over the rows that meet `condition`.
fn sum_if(condition: Expr, value: impl Into<Expr>) -> Expr {
    sum_bigint(Expr::case(condition, value).finally(0))
}

// ---------------------------------------------------------------- call metrics

/// Which calls the dashboard reads: created in `range`, optionally of one
/// agent, campaign or call type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallMetricsQuery {
    pub range: InstantRange,
    pub agent_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub call_type: Option<CallType>,
}

/// Seed 003's call dashboard over the calls created in a range.
#[derive(Debug, Clone, PartialEq)]
pub struct CallMetrics {
    pub total_calls: i64,
    pub booked_calls: i64,
    /// booked / total × 100.
    pub booking_rate: Option<f64>,
    pub calls_with_duration: i64,
    pub total_duration_seconds: i64,
    /// Over the calls with a duration.
    pub average_call_time_seconds: Option<f64>,
    pub insurance_verified: i64,
    /// Calls with a payment plan discussed.
    pub payment_plans: i64,
    pub payment_plan_cents: i64,
    pub collection_attempts: i64,
    /// Attempts that succeeded.
    pub collection_successes: i64,
    pub collected_cents: i64,
    /// successes / attempts × 100.
    pub collection_rate: Option<f64>,
    pub transfers: i64,
    /// Each outcome that occurs (`None`: calls without an outcome), most
    /// frequent first (ties in the order of outcomes, none last).
    pub outcomes: Vec<OutcomeShare>,
}

/// How many calls had one outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeShare {
    pub outcome: Option<Outcome>,
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
            payment_plans: sum(|g| g.payment_plans),
            payment_plan_cents: sum(|g| g.payment_plan_cents),
            collection_attempts: attempts,
            collection_successes: successes,
            collected_cents: sum(|g| g.collected_cents),
            collection_rate: percent(successes, attempts),
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
                    outcome: g.outcome,
                    count: g.total,
                    percentage: percent(g.total, total),
                })
                .collect(),
            ..metrics
        }
    }
}

/// Seed 003's dashboard over the calls `query` selects: one statement
/// counting per outcome, added up here.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn call_metrics(
    app: &App,
    viewer: Viewer,
    query: CallMetricsQuery,
) -> AppResult<CallMetrics> {
    use calls::Column as C;
    let attempt_succeeded = || {
        C::CollectionAttempt
            .eq(true)
            .and(C::CollectionSuccess.eq(true))
    };
    let mut select = calls::Entity::find()
        .select_only()
        .column(C::Outcome)
        .column_as(C::Id.count(), "total")
        .column_as(C::DurationSeconds.count(), "with_duration")
        .column_as(sum_bigint(Expr::col(C::DurationSeconds)), "duration")
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
        .column_as(count_if(attempt_succeeded()), "collection_successes")
        .column_as(
            sum_if(
                attempt_succeeded(),
                Func::coalesce([Expr::col(C::CollectionAmountCents), Expr::val(0_i64)]),
            ),
            "collected_cents",
        )
        .column_as(count_if(C::TransferredToStaff.eq(true)), "transfers")
        .filter(C::OrganizationId.eq(viewer.organization_id))
        .filter(C::CreatedAt.gte(query.range.from()))
        .filter(C::CreatedAt.lt(query.range.to()));
    if let Some(agent) = query.agent_id {
        select = select.filter(C::AgentId.eq(agent));
    }
    if let Some(campaign) = query.campaign_id {
        select = select.filter(C::CampaignId.eq(campaign));
    }
    if let Some(call_type) = query.call_type {
        select = select.filter(C::CallType.eq(call_type));
    }
    let groups = select
        .group_by(C::Outcome)
        .into_model::<OutcomeCounters>()
        .all(&app.db)
        .await?;
    Ok(CallMetrics::of(groups))
}

// ----------------------------------------------------------------- lead funnel

/// The lead funnel of a range, from `lead_status_history`.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadFunnel {
    /// Leads with at least one status change in the range.
    pub leads: i64,
    /// One stage per lead status, in the funnel's order.
    pub stages: Vec<LeadFunnelStage>,
}

/// One status of the funnel over a range `[from, to)`.
///
/// A *stay* is a lead's time in a status: from the change into it to the
/// lead's next status change. Everything is read from the changes made in
/// the range, so a stay counts when it began in the range, and it *ended*
/// when the next change also falls before `to`.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadFunnelStage {
    pub status: Status,
    /// Distinct leads that entered the status in the range.
    pub leads_entered: i64,
    /// Changes into the status in the range.
    pub entries: i64,
    /// The next status of the funnel; `None` for the last.
    pub next_status: Option<Status>,
    /// leads entered of the next status / of this one × 100.
    pub conversion_to_next: Option<f64>,
    /// Stays that began in the range and ended before `to`.
    pub completed_stays: i64,
    pub average_time_in_status_seconds: Option<f64>,
    /// Even count: the mean of the two middle stays.
    pub median_time_in_status_seconds: Option<f64>,
    /// Leads that entered the status in the range and were still in it at `to`.
    pub drop_off: i64,
    /// drop-off / leads entered × 100.
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
                    status: Status::ALL[i],
                    leads_entered: entered[i],
                    entries: stage.entries,
                    next_status: next,
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

/// The lead funnel over the status changes made in `range`; soft-deleted
/// leads are left out.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn lead_funnel(app: &App, viewer: Viewer, range: InstantRange) -> AppResult<LeadFunnel> {
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
        .filter(H::CreatedAt.gte(range.from()))
        .filter(H::CreatedAt.lt(range.to()))
        .filter(leads::Column::DeletedAt.is_null())
        .into_tuple()
        .all(&app.db)
        .await?;
    Ok(LeadFunnel::of(changes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("a timestamp")
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

    #[test]
    fn outcomes_come_most_frequent_first_with_no_outcome_last() {
        let group = |outcome: Option<Outcome>, total: i64| OutcomeCounters {
            outcome,
            total,
            ..Default::default()
        };
        let metrics = CallMetrics::of(vec![
            group(None, 2),
            group(Some(Outcome::Booked), 2),
            group(Some(Outcome::ALL[0]), 0),
        ]);
        assert_eq!(metrics.total_calls, 4);
        assert_eq!(metrics.booking_rate, Some(50.0));
        let order: Vec<_> = metrics.outcomes.iter().map(|o| o.outcome).collect();
        assert_eq!(order, vec![Some(Outcome::Booked), None]);
    }
}
