//! Keeping `organization_analytics` and `agent_analytics` exact, in the
//! same transaction as the change that moves them, and rebuilding them from
//! the base tables. What a call contributes is decided once, in
//! [`switchboard_domain::rollups`].

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use switchboard_domain::analytics::day_start;
use switchboard_domain::rollups::{Contribution, EndedCall, rollup_day};
use switchboard_entity::enums::CallStatus;
use switchboard_entity::{
    agent_analytics, calls, lead_analytics, leads, organization_analytics, organizations,
};
use uuid::Uuid;

use crate::dialect;

/// Locks the organization's row (`SELECT … FOR UPDATE` on PostgreSQL; on
/// SQLite the write transaction already holds the database) and returns its
/// time zone. Every writer of rollups (and of the ledger) takes this lock first, so concurrent call
/// completions queue in one order instead of deadlocking on the rollup rows
/// and the foreign-key locks on the organization.
async fn lock_organization(db: &impl ConnectionTrait, organization_id: Uuid) -> Result<Tz, DbErr> {
    Ok(organizations::Entity::find_by_id(organization_id)
        .lock_exclusive()
        .one(db)
        .await?
        .and_then(|o| o.timezone.parse::<Tz>().ok())
        .unwrap_or(Tz::UTC))
}

/// Counters only the organization rollup keeps.
const ORGANIZATION_ONLY: [&str; 3] = ["answered_calls", "inbound_calls", "outbound_calls"];

/// Adds `contribution` to the organization's row of `day` and, with an
/// agent, to the agent's: one upsert each (`… ON CONFLICT DO UPDATE SET
/// col = col + excluded.col`), so concurrent writers add up instead of
/// overwriting each other.
pub async fn add(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    agent_id: Option<Uuid>,
    day: NaiveDate,
    contribution: &Contribution,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if contribution.is_zero() {
        return Ok(());
    }
    upsert(
        db,
        "organization_analytics",
        &[("organization_id", organization_id)],
        &["organization_id", "day"],
        day,
        contribution,
        now,
    )
    .await?;
    if let Some(agent) = agent_id {
        upsert(
            db,
            "agent_analytics",
            &[("organization_id", organization_id), ("agent_id", agent)],
            &["agent_id", "day"],
            day,
            contribution,
            now,
        )
        .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn upsert(
    db: &impl ConnectionTrait,
    table: &str,
    keys: &[(&str, Uuid)],
    conflict: &[&str],
    day: NaiveDate,
    contribution: &Contribution,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut columns: Vec<Alias> = vec![
        Alias::new("id"),
        Alias::new("day"),
        Alias::new("created_at"),
        Alias::new("updated_at"),
    ];
    let mut values: Vec<Expr> = vec![
        Expr::val(Uuid::now_v7()),
        Expr::val(day),
        Expr::val(now),
        Expr::val(now),
    ];
    for (name, id) in keys {
        columns.push(Alias::new(*name));
        values.push(Expr::val(*id));
    }
    // `agent_analytics` has no answered/inbound/outbound split.
    let counters: Vec<(&str, i64)> = Contribution::COLUMNS
        .into_iter()
        .zip(contribution.values())
        .filter(|(name, _)| table == "organization_analytics" || !ORGANIZATION_ONLY.contains(name))
        .collect();
    for (name, value) in &counters {
        columns.push(Alias::new(*name));
        values.push(Expr::val(*value));
    }
    let mut on_conflict = OnConflict::columns(conflict.iter().map(|c| Alias::new(*c)));
    on_conflict.values(
        counters
            .iter()
            .map(|(c, _)| (Alias::new(*c), dialect::accumulate(table, c))),
    );
    on_conflict.value(Alias::new("updated_at"), dialect::proposed("updated_at"));
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new(table))
        .columns(columns)
        .values_panic(values)
        .on_conflict(on_conflict);
    db.execute(&insert).await?;
    Ok(())
}

/// Whether `call`'s lead was auto-created by the call itself.
async fn generated_lead(db: &impl ConnectionTrait, call: &calls::Model) -> Result<bool, DbErr> {
    let Some(lead) = call.lead_id else {
        return Ok(false);
    };
    Ok(leads::Entity::find_by_id(lead)
        .select_only()
        .column(leads::Column::AutoCreatedFromCallId)
        .into_tuple::<Option<Uuid>>()
        .one(db)
        .await?
        .flatten()
        == Some(call.id))
}

/// Counts a call that has just reached a terminal status (with its analysis,
/// if it has one) on its day in the organization's time zone.
pub async fn call_ended(
    db: &impl ConnectionTrait,
    call: &calls::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(ended) = call.ended_at else {
        return Ok(());
    };
    let tz = lock_organization(db, call.organization_id).await?;
    let mut contribution = Contribution::of_ended_call(call, generated_lead(db, call).await?);
    if let Some(analysis) = lead_analytics::Entity::find()
        .filter(lead_analytics::Column::CallId.eq(call.id))
        .one(db)
        .await?
    {
        contribution = contribution.plus(Contribution::of_analysis(&analysis));
    }
    add(
        db,
        call.organization_id,
        call.agent_id,
        rollup_day(ended, tz),
        &contribution,
        now,
    )
    .await
}

/// Moves the counters of an ended call whose analysis changed from
/// `before` to `after`. A call that has not ended is counted when it does.
pub async fn analysis_changed(
    db: &impl ConnectionTrait,
    call: &calls::Model,
    before: Option<&lead_analytics::Model>,
    after: &lead_analytics::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(ended) = call.ended_at.filter(|_| call.status.is_terminal()) else {
        return Ok(());
    };
    let delta = Contribution::of_analysis(after)
        .minus(before.map(Contribution::of_analysis).unwrap_or_default());
    if delta.is_zero() {
        return Ok(());
    }
    let tz = lock_organization(db, call.organization_id).await?;
    let day = rollup_day(ended, tz);
    // The call was counted when it ended, so its rows exist: an UPDATE by
    // the difference (which may be negative; an upsert's proposed row would
    // fail the non-negative checks).
    adjust(
        db,
        "organization_analytics",
        "organization_id",
        call.organization_id,
        day,
        &delta,
        now,
    )
    .await?;
    if let Some(agent) = call.agent_id {
        adjust(db, "agent_analytics", "agent_id", agent, day, &delta, now).await?;
    }
    Ok(())
}

async fn adjust(
    db: &impl ConnectionTrait,
    table: &str,
    key: &str,
    id: Uuid,
    day: NaiveDate,
    delta: &Contribution,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut update = Query::update();
    update.table(Alias::new(table));
    for (name, value) in Contribution::COLUMNS.into_iter().zip(delta.values()) {
        if value != 0 && (table == "organization_analytics" || !ORGANIZATION_ONLY.contains(&name)) {
            update.value(Alias::new(name), Expr::cust(format!("{name} + ({value})")));
        }
    }
    update
        .value(Alias::new("updated_at"), Expr::val(now))
        .and_where(Expr::col(Alias::new(key)).eq(id))
        .and_where(Expr::col(Alias::new("day")).eq(day));
    db.execute(&update).await?;
    Ok(())
}

/// An ended call as a rebuild reads it.
#[derive(sea_orm::FromQueryResult)]
struct RebuildRow {
    id: Uuid,
    agent_id: Option<Uuid>,
    lead_id: Option<Uuid>,
    ended_at: Option<DateTime<Utc>>,
    status: CallStatus,
    call_type: switchboard_entity::enums::CallType,
    duration_seconds: Option<i32>,
    billed_minutes: Option<i32>,
    credits_used: i64,
}

/// What a rebuild did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rebuilt {
    pub organizations: usize,
    pub calls: usize,
    pub organization_rows: usize,
    pub agent_rows: usize,
}

/// Recomputes the rollups of every organization (or one) from `calls`,
/// `lead_analytics` and `leads`, for the days from `from` to `to`
/// (inclusive; all days when unset), each organization in one transaction:
/// its rows in the range are deleted and written again.
pub async fn rebuild(
    db: &sea_orm::DatabaseConnection,
    organization: Option<Uuid>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Rebuilt, DbErr> {
    let mut orgs = organizations::Entity::find().order_by_asc(organizations::Column::Id);
    if let Some(id) = organization {
        orgs = orgs.filter(organizations::Column::Id.eq(id));
    }
    let orgs = orgs.all(db).await?;
    let mut rebuilt = Rebuilt::default();
    for org in orgs {
        let tz = org.timezone.parse::<Tz>().unwrap_or(Tz::UTC);
        let start_of = |d: NaiveDate| Some(day_start(tz, d));
        // A day's calls end within its local bounds; one day of margin on
        // each side keeps DST edges inside, and the day is checked per call.
        let lower = from.and_then(start_of).map(|t| t - Duration::days(1));
        let upper = to
            .and_then(|d| d.succ_opt())
            .and_then(start_of)
            .map(|t| t + Duration::days(1));
        let in_range =
            |day: NaiveDate| from.is_none_or(|f| day >= f) && to.is_none_or(|t| day <= t);

        let txn = db.begin().await?;
        let mut org_rows = organization_analytics::Entity::delete_many()
            .filter(organization_analytics::Column::OrganizationId.eq(org.id));
        let mut agent_rows = agent_analytics::Entity::delete_many()
            .filter(agent_analytics::Column::OrganizationId.eq(org.id));
        if let Some(f) = from {
            org_rows = org_rows.filter(organization_analytics::Column::Day.gte(f));
            agent_rows = agent_rows.filter(agent_analytics::Column::Day.gte(f));
        }
        if let Some(t) = to {
            org_rows = org_rows.filter(organization_analytics::Column::Day.lte(t));
            agent_rows = agent_rows.filter(agent_analytics::Column::Day.lte(t));
        }
        org_rows.exec(&txn).await?;
        agent_rows.exec(&txn).await?;

        let mut query = calls::Entity::find()
            .filter(calls::Column::OrganizationId.eq(org.id))
            .filter(calls::Column::EndedAt.is_not_null())
            .filter(
                calls::Column::Status
                    .is_in(CallStatus::ALL.iter().copied().filter(|s| s.is_terminal())),
            );
        if let Some(lower) = lower {
            query = query.filter(calls::Column::EndedAt.gte(lower));
        }
        if let Some(upper) = upper {
            query = query.filter(calls::Column::EndedAt.lt(upper));
        }
        // Only the columns the rollups read: a million whole rows would be
        // gigabytes of text the rebuild never looks at.
        let ended: Vec<RebuildRow> = query
            .select_only()
            .column(calls::Column::Id)
            .column(calls::Column::AgentId)
            .column(calls::Column::LeadId)
            .column(calls::Column::EndedAt)
            .column(calls::Column::Status)
            .column(calls::Column::CallType)
            .column(calls::Column::DurationSeconds)
            .column(calls::Column::BilledMinutes)
            .column(calls::Column::CreditsUsed)
            .into_model::<RebuildRow>()
            .all(&txn)
            .await?;
        let ids: Vec<Uuid> = ended.iter().map(|c| c.id).collect();
        let mut analyses = HashMap::new();
        let mut generated = std::collections::HashSet::new();
        for chunk in ids.chunks(500) {
            for analysis in lead_analytics::Entity::find()
                .filter(lead_analytics::Column::CallId.is_in(chunk.iter().copied()))
                .all(&txn)
                .await?
            {
                analyses.insert(analysis.call_id, Contribution::of_analysis(&analysis));
            }
        }
        // Auto-created leads are few: one pass over the organization's.
        for from_call in leads::Entity::find()
            .select_only()
            .column(leads::Column::AutoCreatedFromCallId)
            .filter(leads::Column::OrganizationId.eq(org.id))
            .filter(leads::Column::AutoCreatedFromCallId.is_not_null())
            .into_tuple::<Option<Uuid>>()
            .all(&txn)
            .await?
            .into_iter()
            .flatten()
        {
            generated.insert(from_call);
        }
        let mut by_org: HashMap<NaiveDate, Contribution> = HashMap::new();
        let mut by_agent: HashMap<(Uuid, NaiveDate), Contribution> = HashMap::new();
        for call in &ended {
            let Some(day) = call
                .ended_at
                .map(|e| rollup_day(e, tz))
                .filter(|d| in_range(*d))
            else {
                continue;
            };
            let lead_generated = call.lead_id.is_some() && generated.contains(&call.id);
            let columns = EndedCall {
                status: call.status,
                call_type: call.call_type,
                duration_seconds: call.duration_seconds,
                billed_minutes: call.billed_minutes,
                credits_used: call.credits_used,
            };
            let mut contribution = Contribution::of_ended(&columns, lead_generated);
            if let Some(analysis) = analyses.get(&call.id) {
                contribution = contribution.plus(*analysis);
            }
            let entry = by_org.entry(day).or_default();
            *entry = entry.plus(contribution);
            if let Some(agent) = call.agent_id {
                let entry = by_agent.entry((agent, day)).or_default();
                *entry = entry.plus(contribution);
            }
            rebuilt.calls += 1;
        }
        let now = Utc::now();
        for (day, contribution) in &by_org {
            add(&txn, org.id, None, *day, contribution, now).await?;
        }
        for ((agent, day), contribution) in &by_agent {
            upsert(
                &txn,
                "agent_analytics",
                &[("organization_id", org.id), ("agent_id", *agent)],
                &["agent_id", "day"],
                *day,
                contribution,
                now,
            )
            .await?;
        }
        txn.commit().await?;
        rebuilt.organizations += 1;
        rebuilt.organization_rows += by_org.len();
        rebuilt.agent_rows += by_agent.len();
    }
    Ok(rebuilt)
}
