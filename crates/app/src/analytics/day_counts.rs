//! `call_day_counts`: calls per organization, local day of creation,
//! traffic source and CRM stage, exact to the last commit (PostgreSQL).
//!
//! Triggers on `calls` append each write's difference to
//! `call_day_count_changes` in the writer's own transaction (m0012), so
//! writers never contend for a counter row. Here: reading a range (the
//! counts plus the pending changes, in one statement and so one snapshot),
//! [`fold`]ing committed changes into the counts in the background, and
//! [`rebuild`], which checks the counts against `calls` and corrects only
//! what differs. SQLite keeps none of this: its summary counts `calls`.

use std::time::Duration;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, FromQueryResult, Statement};
use switchboard_entity::enums::{CrmStage, TrafficSource};
use uuid::Uuid;

/// Whether the backend keeps the counts (PostgreSQL).
pub fn kept(backend: DbBackend) -> bool {
    backend == DbBackend::Postgres
}

/// One bucket's calls.
#[derive(Debug, Clone, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct DayCount {
    pub day: NaiveDate,
    pub traffic_source: TrafficSource,
    pub crm_stage: CrmStage,
    pub calls: i64,
}

/// The buckets of `organization_id` for the local days `[from, to)`:
/// the folded counts plus the changes not folded yet, read together through
/// `call_analytics_summary` (m0012 defines that sum once; the filter
/// reaches both tables' indexes through it).
pub async fn read(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DayCount>, DbErr> {
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT day, traffic_source, crm_stage, call_count AS calls
         FROM call_analytics_summary
         WHERE organization_id = $1 AND day >= $2 AND day < $3",
        [organization_id.into(), from.into(), to.into()],
    );
    let rows = db.query_all_raw(statement).await?;
    rows.iter()
        .map(|row| DayCount::from_query_result(row, ""))
        .collect()
}

/// Changes one [`fold`] takes at most: a bounded transaction however far
/// behind the task is.
pub const FOLD_BATCH: i64 = 50_000;

/// Folds up to [`FOLD_BATCH`] committed changes (any organization) into
/// the counts, in one statement, and returns how many. Changes another
/// instance is folding are skipped (`SKIP LOCKED`), and the counts are
/// updated in key order, so two instances folding at once queue rather
/// than deadlock. A reader sees each change exactly once: in the changes
/// before the fold commits, in the counts after.
pub async fn fold(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "WITH taken AS (
             DELETE FROM call_day_count_changes
             WHERE id IN (SELECT id FROM call_day_count_changes
                          FOR UPDATE SKIP LOCKED LIMIT $1)
             RETURNING organization_id, day, traffic_source, crm_stage, calls
         ), summed AS (
             SELECT organization_id, day, traffic_source, crm_stage,
                    CAST(SUM(calls) AS BIGINT) AS calls, COUNT(*) AS changes
             FROM taken GROUP BY 1, 2, 3, 4
         ), folded AS (
             INSERT INTO call_day_counts (organization_id, day, traffic_source, crm_stage, calls)
             SELECT organization_id, day, traffic_source, crm_stage, calls FROM summed
             ORDER BY 1, 2, 3, 4
             ON CONFLICT (organization_id, day, traffic_source, crm_stage)
             DO UPDATE SET calls = call_day_counts.calls + excluded.calls
         )
         SELECT CAST(COALESCE(SUM(changes), 0) AS BIGINT) AS folded FROM summed",
        [FOLD_BATCH.into()],
    );
    let row = db.query_one_raw(statement).await?;
    let folded: i64 = row
        .map(|row| row.try_get("", "folded"))
        .transpose()?
        .unwrap_or(0);
    Ok(folded as u64)
}

/// Folds every committed change (batch after batch) and returns how many;
/// for maintenance after a bulk load, where the loop would take a while.
pub async fn fold_all(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let mut total = 0;
    loop {
        let folded = fold(db).await?;
        total += folded;
        if (folded as i64) < FOLD_BATCH {
            return Ok(total);
        }
    }
}

/// Vacuums the changes after a bulk fold: a million deleted rows left to
/// autovacuum (or, where it is off, to nobody) make every read scan them.
pub async fn vacuum(db: &DatabaseConnection) -> Result<(), DbErr> {
    if kept(db.get_database_backend()) {
        db.execute_unprepared("VACUUM (ANALYZE) call_day_count_changes")
            .await?;
    }
    Ok(())
}

/// Folds changes every `interval` until the process ends (PostgreSQL), and
/// clocks itself on `switchboard_task_last_completed_timestamp_seconds`
/// (`task="day_count_fold"`). Reads are exact whether or not it keeps up;
/// folding keeps them cheap.
pub async fn fold_loop(db: DatabaseConnection, interval: Duration) {
    if !kept(db.get_database_backend()) {
        return;
    }
    loop {
        match fold_all(&db).await {
            Ok(folded) => {
                if folded as i64 >= FOLD_BATCH
                    && let Err(err) = vacuum(&db).await
                {
                    tracing::warn!(error = %err, "vacuuming call day count changes failed");
                }
                metrics::gauge!(
                    "switchboard_task_last_completed_timestamp_seconds",
                    "task" => "day_count_fold"
                )
                .set(chrono::Utc::now().timestamp_millis() as f64 / 1000.0);
            }
            Err(err) => tracing::warn!(error = %err, "folding call day counts failed"),
        }
        tokio::time::sleep(interval).await;
    }
}

/// Recounts every organization's (or one's) calls per bucket from `calls`
/// and writes the difference from what the counts say as changes, in one
/// snapshot (REPEATABLE READ): on consistent counts it writes nothing, and
/// writers carry on meanwhile (a write after the snapshot brings its own
/// change). Returns how many buckets were off.
pub async fn rebuild(db: &DatabaseConnection, organization: Option<Uuid>) -> Result<u64, DbErr> {
    use sea_orm::{IsolationLevel, TransactionTrait};
    if !kept(db.get_database_backend()) {
        return Ok(0);
    }
    let txn = db
        .begin_with_config(Some(IsolationLevel::RepeatableRead), None)
        .await?;
    // Maintenance, not a request: no statement timeout.
    txn.execute_unprepared("SET LOCAL statement_timeout = 0")
        .await?;
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "WITH truth AS (
             SELECT c.organization_id, CAST((c.created_at AT TIME ZONE o.timezone) AS DATE) AS day,
                    c.traffic_source, c.crm_stage, COUNT(*) AS calls
             FROM calls c JOIN organizations o ON o.id = c.organization_id
             WHERE $1::uuid IS NULL OR c.organization_id = $1
             GROUP BY 1, 2, 3, 4
         ), counted AS (
             SELECT organization_id, day, traffic_source, crm_stage, call_count AS calls
             FROM call_analytics_summary
             WHERE $1::uuid IS NULL OR organization_id = $1
         ), off AS (
             SELECT COALESCE(t.organization_id, c.organization_id) AS organization_id,
                    COALESCE(t.day, c.day) AS day,
                    COALESCE(t.traffic_source, c.traffic_source) AS traffic_source,
                    COALESCE(t.crm_stage, c.crm_stage) AS crm_stage,
                    CAST(COALESCE(t.calls, 0) - COALESCE(c.calls, 0) AS BIGINT) AS calls
             FROM truth t FULL JOIN counted c
               ON c.organization_id = t.organization_id AND c.day = t.day
              AND c.traffic_source = t.traffic_source AND c.crm_stage = t.crm_stage
         ), written AS (
             INSERT INTO call_day_count_changes (id, organization_id, day, traffic_source, crm_stage, calls)
             SELECT gen_random_uuid(), organization_id, day, traffic_source, crm_stage, calls
             FROM off WHERE calls <> 0
             RETURNING 1
         )
         SELECT COUNT(*) AS corrected FROM written",
        [organization.into()],
    );
    let corrected: i64 = txn
        .query_one_raw(statement)
        .await?
        .map(|row| row.try_get("", "corrected"))
        .transpose()?
        .unwrap_or(0);
    txn.commit().await?;
    Ok(corrected as u64)
}
