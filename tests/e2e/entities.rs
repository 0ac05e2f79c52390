//! Every entity round-trips on both backends: the demo data set (which writes
//! every table through the entities) is read with each entity, inserted with
//! the same entity into a fresh database, and read back equal.

use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};
use switchboard_entity::*;
use switchboard_tests::{Backend, TestDb, on_both_backends};
use uuid::Uuid;

on_both_backends!(every_entity_round_trips_through_a_fresh_database);

/// Rows per statement: far below both backends' bind-parameter limits.
const CHUNK: usize = 100;

/// Copies every row of `$table` from `$source` to `$target` with its entity
/// and reads them back equal, both sides ordered by `$key`.
macro_rules! copy_table {
    ($source:expr, $target:expr, $table:ident, $key:expr) => {{
        let mut rows = $table::Entity::find()
            .all(&$source.db)
            .await
            .expect(concat!("read ", stringify!($table)));
        assert!(
            !rows.is_empty(),
            concat!("the source has no ", stringify!($table))
        );
        rows.sort_by_key($key);
        for chunk in rows.chunks(CHUNK) {
            $table::Entity::insert_many(
                chunk
                    .iter()
                    .cloned()
                    .map(|row| row.into_active_model().reset_all()),
            )
            .exec_without_returning(&$target.db)
            .await
            .expect(concat!("insert ", stringify!($table)));
        }
        let mut back = $table::Entity::find()
            .all(&$target.db)
            .await
            .expect(concat!("read back ", stringify!($table)));
        back.sort_by_key($key);
        assert_eq!(back, rows, concat!(stringify!($table), " round-trips"));
        stringify!($table)
    }};
}

macro_rules! round_trip {
    ($source:expr, $target:expr, [$($table:ident),+ $(,)?]) => {{
        let mut tables = Vec::new();
        $(
            tables.push(copy_table!($source, $target, $table, |row: &$table::Model| row.id));
        )+
        tables
    }};
}

async fn every_entity_round_trips_through_a_fresh_database(backend: Backend) {
    let source = TestDb::migrated(backend).await;
    let demo = switchboard_seed::demo(&source.db, chrono::Utc::now())
        .await
        .expect("demo loads");
    add_rollup_rows(&source, demo.organization_id).await;
    let target = TestDb::migrated(backend).await;

    // In foreign-key order, so every parent is there before its children.
    let mut copied = round_trip!(
        source,
        target,
        [
            organizations,
            users,
            organization_memberships,
            invitations,
            user_sessions,
            retired_refresh_tokens,
            email_verifications,
            mail_outbox,
            login_attempts,
            password_reset_attempts,
            admin_audit_log,
            system_config,
            agents,
            phone_numbers,
            campaigns,
            leads,
            calls,
            call_events,
            transcripts,
            lead_analytics,
            follow_ups,
            lead_audit_log,
            nurture_sequences,
            lead_sequence_enrollments,
            lead_messages,
            lead_status_history,
            lead_score_history,
            lead_assignments,
            dnc_list,
            lead_source_costs,
            segments,
            customers,
            orders,
            messages,
            deals,
            credit_transactions,
            agent_analytics,
            organization_analytics,
            agent_targets,
        ]
    );
    // Keyed by organization rather than by an id of its own.
    copied.push(copy_table!(
        source,
        target,
        event_sequences,
        |row: &event_sequences::Model| row.organization_id
    ));
    copied.push(copy_table!(
        source,
        target,
        customer_reference_counters,
        |row: &customer_reference_counters::Model| (row.organization_id, row.year)
    ));
    copied.push(copy_table!(
        source,
        target,
        campaign_leads,
        |row: &campaign_leads::Model| (row.campaign_id, row.lead_id)
    ));

    // The call summary's day counts are derived: the target's triggers
    // counted the calls copied into it (PostgreSQL). The source's rows, set
    // beside them here (its changes folded, a pair of changes that cancel
    // out, and on SQLite, which keeps no counts, a count by hand), replace
    // them and must read back equal.
    day_count_rows(&source, demo.organization_id).await;
    {
        use sea_orm::ConnectionTrait;
        target
            .db
            .execute_unprepared("DELETE FROM call_day_count_changes")
            .await
            .expect("cleared");
        target
            .db
            .execute_unprepared("DELETE FROM call_day_counts")
            .await
            .expect("cleared");
    }
    copied.push(copy_table!(
        source,
        target,
        call_day_counts,
        |row: &call_day_counts::Model| (
            row.organization_id,
            row.day,
            row.traffic_source.as_str(),
            row.crm_stage.as_str(),
        )
    ));
    copied.push(copy_table!(
        source,
        target,
        call_day_count_changes,
        |row: &call_day_count_changes::Model| row.id
    ));

    let mut expected: Vec<&str> = switchboard_migration::TABLES.to_vec();
    let mut copied_sorted = copied.clone();
    expected.sort_unstable();
    copied_sorted.sort_unstable();
    assert_eq!(
        copied_sorted, expected,
        "every table has an entity that round-trips"
    );

    // The two views read through their entities too.
    let summary = call_analytics_summary::Entity::find()
        .all(&target.db)
        .await
        .expect("summary reads");
    let calls = calls::Entity::find().all(&target.db).await.expect("calls");
    assert_eq!(
        summary.iter().map(|row| row.call_count).sum::<i64>(),
        calls.len() as i64
    );
    let timeline = customer_activity_timeline::Entity::find()
        .all(&target.db)
        .await
        .expect("timeline reads");
    let activities = orders::Entity::find()
        .all(&target.db)
        .await
        .expect("orders")
        .len()
        + messages::Entity::find()
            .all(&target.db)
            .await
            .expect("messages")
            .len()
        + deals::Entity::find()
            .all(&target.db)
            .await
            .expect("deals")
            .len();
    assert_eq!(timeline.len(), activities);
}

/// The source's day counts: on PostgreSQL its triggers' changes folded into
/// counts, on SQLite (no triggers) a count written by hand; and on both a
/// pair of pending changes that cancel out.
async fn day_count_rows(test: &TestDb, organization_id: Uuid) {
    use switchboard_entity::enums::{CrmStage, TrafficSource};
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
    if test.backend == Backend::Postgres {
        switchboard_app::analytics::day_counts::fold_all(&test.db)
            .await
            .expect("folded");
    } else {
        call_day_counts::ActiveModel {
            organization_id: Set(organization_id),
            day: Set(day),
            traffic_source: Set(TrafficSource::Organic),
            crm_stage: Set(CrmStage::Completed),
            calls: Set(2),
        }
        .insert(&test.db)
        .await
        .expect("a count");
    }
    for calls in [1, -1] {
        call_day_count_changes::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(organization_id),
            day: Set(day),
            traffic_source: Set(TrafficSource::Meta),
            crm_stage: Set(CrmStage::Lost),
            calls: Set(calls),
        }
        .insert(&test.db)
        .await
        .expect("a change");
    }
}

/// The demo leaves rollups to the analytics code; one row of each is enough here.
async fn add_rollup_rows(test: &TestDb, organization_id: Uuid) {
    let agent = agents::Entity::find()
        .one(&test.db)
        .await
        .expect("agents")
        .expect("an agent");
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
    agent_analytics::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        agent_id: Set(agent.id),
        day: Set(day),
        total_calls: Set(3),
        successful_calls: Set(2),
        failed_calls: Set(1),
        total_duration_seconds: Set(400),
        credits_used: Set(8),
        ..Default::default()
    }
    .insert(&test.db)
    .await
    .expect("agent analytics row");
    organization_analytics::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        day: Set(day),
        total_calls: Set(3),
        successful_calls: Set(2),
        failed_calls: Set(1),
        inbound_calls: Set(1),
        outbound_calls: Set(2),
        ..Default::default()
    }
    .insert(&test.db)
    .await
    .expect("organization analytics row");
}
