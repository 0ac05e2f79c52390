//! Schema migrations for PostgreSQL and SQLite.
//!
//! Each migration is a pair of SQL files under `migration/sql/`, written once
//! in PostgreSQL's dialect and rendered for SQLite by [`render`]: the same
//! tables, columns, constraints and indexes on both backends, with
//! `-- @postgres` / `-- @sqlite` blocks for what only one of them has (GIN and
//! trigram indexes, the materialized view, row-level security).
//!
//! One step rewrites data rather than schema and is Rust
//! ([`segment_filters`]): segment filters move to the application's own
//! format, a rewrite by JSON structure that SQL cannot spell portably.
//!
//! Migrations never import entities: they must keep working after an entity
//! changes.

pub use sea_orm_migration::prelude::*;

mod render;
pub mod segment_filters;

pub use render::render;

/// Every migration, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut migrations: Vec<Box<dyn MigrationTrait>> = MIGRATIONS
            .iter()
            .map(|m| Box::new(*m) as Box<dyn MigrationTrait>)
            .collect();
        // m0008 is Rust; the SQL migrations after it follow it.
        let later = migrations.split_off(FIRST_AFTER_M0008);
        migrations.push(Box::new(segment_filters::SegmentFilterV2));
        migrations.extend(later);
        migrations
    }
}

macro_rules! sql_migration {
    ($name:literal, $file:literal) => {
        SqlMigration {
            name: $name,
            up: include_str!(concat!("../sql/", $file, ".up.sql")),
            down: include_str!(concat!("../sql/", $file, ".down.sql")),
            rebuilds_on_sqlite: false,
        }
    };
    ($name:literal, $file:literal, rebuilds_on_sqlite) => {
        SqlMigration {
            rebuilds_on_sqlite: true,
            ..sql_migration!($name, $file)
        }
    };
}

const MIGRATIONS: &[SqlMigration] = &[
    sql_migration!("m0001_identity", "0001_identity"),
    sql_migration!("m0002_calling_crm", "0002_calling_crm"),
    sql_migration!("m0003_customers", "0003_customers"),
    sql_migration!("m0004_ledger_analytics", "0004_ledger_analytics"),
    sql_migration!("m0005_views", "0005_views"),
    sql_migration!("m0006_row_level_security", "0006_row_level_security"),
    sql_migration!("m0007_live_counters", "0007_live_counters"),
    sql_migration!("m0009_identity_tokens", "0009_identity_tokens"),
    sql_migration!(
        "m0010_enforced_row_level_security",
        "0010_enforced_row_level_security"
    ),
    sql_migration!("m0011_commit_ordered_events", "0011_commit_ordered_events"),
    sql_migration!("m0012_call_day_counts", "0012_call_day_counts"),
    sql_migration!("m0013_crm_automation", "0013_crm_automation"),
    sql_migration!("m0014_lead_messages", "0014_lead_messages"),
    sql_migration!("m0015_customers", "0015_customers", rebuilds_on_sqlite),
    sql_migration!("m0016_customer_reads", "0016_customer_reads"),
    sql_migration!("m0017_dialer", "0017_dialer"),
    sql_migration!("m0018_campaign_runs", "0018_campaign_runs"),
];

/// Where in [`MIGRATIONS`] the ones after the Rust m0008 begin.
const FIRST_AFTER_M0008: usize = 7;

/// The tables every migration together creates, in creation order.
pub const TABLES: &[&str] = &[
    "organizations",
    "users",
    "organization_memberships",
    "user_sessions",
    "login_attempts",
    "password_reset_attempts",
    "admin_audit_log",
    "system_config",
    "agents",
    "phone_numbers",
    "campaigns",
    "leads",
    "calls",
    "call_events",
    "transcripts",
    "lead_analytics",
    "follow_ups",
    "lead_audit_log",
    "nurture_sequences",
    "lead_sequence_enrollments",
    "lead_status_history",
    "lead_score_history",
    "lead_assignments",
    "dnc_list",
    "lead_source_costs",
    "segments",
    "customers",
    "orders",
    "messages",
    "deals",
    "credit_transactions",
    "agent_analytics",
    "organization_analytics",
    "agent_targets",
    "retired_refresh_tokens",
    "email_verifications",
    "invitations",
    "mail_outbox",
    "event_sequences",
    "call_day_counts",
    "call_day_count_changes",
    "lead_messages",
    "customer_reference_counters",
    "campaign_leads",
];

/// The views (materialized on PostgreSQL where noted in the SQL).
pub const VIEWS: &[&str] = &["call_analytics_summary", "customer_activity_timeline"];

/// The source of every migration, in order (the SQL scripts, then the Rust
/// step): what a database built by these migrations depends on (test
/// harnesses key cached templates on it).
pub fn fingerprint_sources() -> Vec<&'static str> {
    MIGRATIONS
        .iter()
        .flat_map(|m| [m.up, m.down])
        .chain([include_str!("segment_filters.rs")])
        .collect()
}

/// A migration made of two SQL scripts.
#[derive(Clone, Copy)]
struct SqlMigration {
    name: &'static str,
    up: &'static str,
    down: &'static str,
    /// Rebuilds a table on SQLite (to drop a constraint SQLite cannot
    /// alter): run there with foreign keys off, as SQLite's procedure for
    /// it requires, on one connection, in a transaction of its own.
    rebuilds_on_sqlite: bool,
}

impl MigrationName for SqlMigration {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for SqlMigration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if self.rebuilds_on_sqlite {
            run_rebuilding(manager, self.up).await
        } else {
            run(manager, self.up).await
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if self.rebuilds_on_sqlite {
            run_rebuilding(manager, self.down).await
        } else {
            run(manager, self.down).await
        }
    }

    /// DDL is transactional on both backends: a failed migration leaves
    /// nothing behind. A rebuilding migration opens its own transaction
    /// ([`run_rebuilding`]), since foreign keys can only be turned off
    /// outside one.
    fn use_transaction(&self) -> Option<bool> {
        Some(!self.rebuilds_on_sqlite)
    }
}

async fn run(manager: &SchemaManager<'_>, script: &str) -> Result<(), DbErr> {
    let backend = manager.get_database_backend();
    let conn = manager.get_connection();
    for statement in render(script, backend)? {
        conn.execute_unprepared(&statement).await.map_err(|err| {
            DbErr::Migration(format!(
                "{err}\n  while running: {}",
                first_line(&statement)
            ))
        })?;
    }
    Ok(())
}

/// Runs `script` in a transaction of its own; on SQLite, on one pooled
/// connection with foreign keys off (so dropping a rebuilt table cascades
/// nowhere), checking every foreign key before it commits, and turning
/// them back on whatever happens.
async fn run_rebuilding(manager: &SchemaManager<'_>, script: &str) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{DatabaseExecutor, sqlx};
    let backend = manager.get_database_backend();
    let db = match (backend, manager.get_connection()) {
        (sea_orm_migration::sea_orm::DbBackend::Sqlite, DatabaseExecutor::Connection(db)) => db,
        _ => {
            let txn = manager.begin().await?;
            run(&txn, script).await?;
            return txn.commit().await;
        }
    };
    let failed = |err: sqlx::Error| DbErr::Migration(err.to_string());
    let mut conn = db
        .get_sqlite_connection_pool()
        .acquire()
        .await
        .map_err(failed)?;
    sqlx::raw_sql("PRAGMA foreign_keys = OFF")
        .execute(&mut *conn)
        .await
        .map_err(failed)?;
    let outcome = async {
        sqlx::raw_sql("BEGIN IMMEDIATE")
            .execute(&mut *conn)
            .await
            .map_err(failed)?;
        for statement in render(script, backend)? {
            if let Err(err) = sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
                .execute(&mut *conn)
                .await
            {
                return Err(DbErr::Migration(format!(
                    "{err}\n  while running: {}",
                    first_line(&statement)
                )));
            }
        }
        let broken = sqlx::raw_sql("PRAGMA foreign_key_check")
            .fetch_all(&mut *conn)
            .await
            .map_err(failed)?;
        if !broken.is_empty() {
            return Err(DbErr::Migration(format!(
                "the rebuild would break {} foreign key(s)",
                broken.len()
            )));
        }
        sqlx::raw_sql("COMMIT")
            .execute(&mut *conn)
            .await
            .map_err(failed)
            .map(drop)
    }
    .await;
    if outcome.is_err() {
        let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
    }
    sqlx::raw_sql("PRAGMA foreign_keys = ON")
        .execute(&mut *conn)
        .await
        .map_err(failed)?;
    outcome
}

fn first_line(statement: &str) -> &str {
    statement.lines().next().unwrap_or_default()
}
