//! The call summary's day counts (PostgreSQL): kept by the difference in
//! every write's own transaction, so they always equal a recount of
//! `calls` by local day, source and stage — pending or folded, under
//! concurrent writers across a local midnight, after a call changes stage
//! or the organization its zone — and a rebuild over consistent counts
//! changes nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use futures::future::join_all;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};
use switchboard_app::analytics::day_counts;
use switchboard_entity::calls;
use switchboard_entity::enums::{CallStatus, CrmStage, TrafficSource};
use switchboard_tests::{Backend, Tenant, TestApp, ok, spawn_app};
use uuid::Uuid;

type Buckets = BTreeMap<(NaiveDate, String, String), i64>;

/// The organization's calls recounted from `calls`, in its zone now.
async fn recount(db: &DatabaseConnection, org: Uuid) -> Buckets {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT CAST((c.created_at AT TIME ZONE o.timezone) AS DATE) AS day,
                    c.traffic_source, c.crm_stage, COUNT(*) AS calls
             FROM calls c JOIN organizations o ON o.id = c.organization_id
             WHERE c.organization_id = $1 GROUP BY 1, 2, 3",
            [org.into()],
        ))
        .await
        .expect("recount");
    rows.iter()
        .map(|row| {
            (
                (
                    row.try_get("", "day").expect("day"),
                    row.try_get("", "traffic_source").expect("source"),
                    row.try_get("", "crm_stage").expect("stage"),
                ),
                row.try_get("", "calls").expect("calls"),
            )
        })
        .collect()
}

/// What the day counts say, changes pending included.
async fn counted(db: &DatabaseConnection, org: Uuid) -> Buckets {
    let all_days = (
        NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date"),
        NaiveDate::from_ymd_opt(2100, 1, 1).expect("a date"),
    );
    day_counts::read(db, org, all_days.0, all_days.1)
        .await
        .expect("read")
        .into_iter()
        .map(|c| {
            (
                (
                    c.day,
                    c.traffic_source.as_str().to_owned(),
                    c.crm_stage.as_str().to_owned(),
                ),
                c.calls,
            )
        })
        .collect()
}

async fn fold_all(db: &DatabaseConnection) {
    day_counts::fold_all(db).await.expect("folded");
}

/// The counts equal a recount, with the changes pending and folded.
async fn assert_exact(db: &DatabaseConnection, org: Uuid, when: &str) {
    let truth = recount(db, org).await;
    assert_eq!(counted(db, org).await, truth, "{when}: pending");
    fold_all(db).await;
    assert_eq!(counted(db, org).await, truth, "{when}: folded");
}

async fn postgres() -> Option<TestApp> {
    if !switchboard_tests::available(Backend::Postgres).await {
        return None;
    }
    Some(spawn_app(Backend::Postgres).await)
}

async fn mutate(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let body = app.graphql(Some(token), query, variables).await;
    ok(&body).clone()
}

async fn create_call(app: &TestApp, token: &str, source: &str) -> String {
    let data = mutate(
        app,
        token,
        "mutation($input: CreateCallInput!) { createCall(input: $input) { id } }",
        json!({ "input": { "phoneNumber": "+14155550123", "trafficSource": source } }),
    )
    .await;
    data["createCall"]["id"].as_str().expect("an id").to_owned()
}

async fn set_status(app: &TestApp, token: &str, id: &str, status: &str) {
    mutate(
        app,
        token,
        "mutation($id: ID!, $s: CallStatus!) { updateCallStatus(id: $id, status: $s) { id } }",
        json!({ "id": id, "s": status }),
    )
    .await;
}

async fn close(app: &TestApp, token: &str, id: &str, closed: &str) {
    mutate(
        app,
        token,
        "mutation($id: ID!, $c: ClosedStage) { recordCallOutcome(id: $id, input: { outcome: BOOKED, closed: $c }) { crmStage } }",
        json!({ "id": id, "c": closed }),
    )
    .await;
}

async fn stage_of(app: &TestApp, token: &str, id: &str) -> String {
    let body = app
        .graphql(
            Some(token),
            "query($id: ID!) { call(id: $id) { crmStage } }",
            json!({ "id": id }),
        )
        .await;
    ok(&body)["call"]["crmStage"]
        .as_str()
        .expect("a stage")
        .to_lowercase()
}

/// A call written the way the seeder and imports write them: straight into
/// the table.
async fn insert_call(
    db: &DatabaseConnection,
    org: Uuid,
    created: DateTime<Utc>,
    source: TrafficSource,
    stage: CrmStage,
) -> Uuid {
    let id = Uuid::now_v7();
    calls::ActiveModel {
        id: Set(id),
        organization_id: Set(org),
        status: Set(CallStatus::Scheduled),
        traffic_source: Set(source),
        crm_stage: Set(stage),
        created_at: Set(created),
        updated_at: Set(created),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("a call");
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counts_equal_a_recount_after_api_writes_and_plain_sql_alike() {
    let Some(app) = postgres().await else { return };
    let acme = Tenant::create(&app.db.db, "acme").await;
    let other = Tenant::create(&app.db.db, "other").await;
    let (org, db) = (acme.organization_id, &app.db.db);
    let agent = acme.token(acme.agent);

    // Through the API: creation, status changes (which move the stage),
    // outcomes that close a call won or lost.
    let organic = create_call(&app, &agent, "ORGANIC").await;
    let meta = create_call(&app, &agent, "META").await;
    let lost = create_call(&app, &agent, "META").await;
    assert_exact(db, org, "created").await;
    for id in [&organic, &meta, &lost] {
        for status in ["QUEUED", "IN_PROGRESS", "COMPLETED"] {
            set_status(&app, &agent, id, status).await;
        }
    }
    assert_exact(db, org, "completed").await;
    close(&app, &agent, &meta, "CLOSED_WON").await;
    close(&app, &agent, &lost, "LOST").await;
    assert_eq!(stage_of(&app, &agent, &meta).await, "closed_won");
    assert_exact(db, org, "closed").await;

    // Straight into the table, moved by plain SQL, deleted; another
    // organization's calls never count here.
    let now = Utc::now();
    let old = insert_call(
        db,
        org,
        now - Duration::days(40),
        TrafficSource::Meta,
        CrmStage::Completed,
    )
    .await;
    insert_call(
        db,
        other.organization_id,
        now,
        TrafficSource::Meta,
        CrmStage::Completed,
    )
    .await;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE calls SET created_at = created_at - interval '3 days', crm_stage = 'lost' WHERE id = $1",
        [old.into()],
    ))
    .await
    .expect("moved");
    assert_exact(db, org, "moved by SQL").await;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "DELETE FROM calls WHERE id = $1",
        [Uuid::parse_str(&organic).expect("uuid").into()],
    ))
    .await
    .expect("deleted");
    assert_exact(db, org, "deleted").await;

    // The summary through HTTP, today included, is exact to the last write:
    // the same as counted from `calls` (a filter does that).
    create_call(&app, &agent, "ORGANIC").await;
    let query = "query($from: DateTime!, $to: DateTime!, $filter: CallFilter) { analytics { callAnalyticsSummary(from: $from, to: $to, groupBy: [TRAFFIC_SOURCE, CRM_STAGE, DAY], filter: $filter) { trafficSource crmStage periodStart callCount } } }";
    let (from, to) = (now - Duration::days(90), now + Duration::minutes(5));
    let viewer = acme.token(acme.viewer);
    let summary = |filter: Value| {
        let (app, viewer) = (&app, &viewer);
        async move {
            let body = app
                .graphql(
                    Some(viewer),
                    query,
                    json!({ "from": from, "to": to, "filter": filter }),
                )
                .await;
            ok(&body)["analytics"]["callAnalyticsSummary"].clone()
        }
    };
    let from_counts = summary(Value::Null).await;
    assert_eq!(from_counts, summary(json!({})).await);
    let total: i64 = from_counts
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| row["callCount"].as_i64().expect("a count"))
        .sum();
    assert_eq!(
        total, 4,
        "the two closed calls, the one moved 43 days back and the new one; not the deleted one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_moving_between_stages_moves_its_count() {
    let Some(app) = postgres().await else { return };
    let acme = Tenant::create(&app.db.db, "acme").await;
    let (org, db) = (acme.organization_id, &app.db.db);
    let agent = acme.token(acme.agent);
    let id = create_call(&app, &agent, "ORGANIC").await;
    set_status(&app, &agent, &id, "COMPLETED").await;
    fold_all(db).await;
    let before = counted(db, org).await;
    let today = before.keys().next().expect("a bucket").0;
    let bucket = |stage: &str| (today, "organic".to_owned(), stage.to_owned());
    assert_eq!(before.get(&bucket("completed")), Some(&1), "{before:?}");

    close(&app, &agent, &id, "CLOSED_WON").await;
    let after = counted(db, org).await;
    assert_eq!(after.get(&bucket("completed")), None, "{after:?}");
    assert_eq!(after.get(&bucket("closed_won")), Some(&1), "{after:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_across_a_local_midnight_add_up() {
    let Some(app) = postgres().await else { return };
    let acme = Tenant::create(&app.db.db, "acme").await;
    let org = acme.organization_id;
    let db = app.db.db.clone();
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE organizations SET timezone = 'Asia/Kolkata' WHERE id = $1",
        [org.into()],
    ))
    .await
    .expect("a zone half an hour off the hour");
    // Midnight in Kolkata (UTC+5:30) on 2026-06-01 is 18:30Z on 31 May.
    let midnight: DateTime<Utc> = "2026-05-31T18:30:00Z".parse().expect("an instant");
    let writers = (0..8).map(|writer| {
        let db = db.clone();
        tokio::spawn(async move {
            let mut written = Vec::new();
            for n in 0..25i64 {
                let offset = Duration::milliseconds((n - 12) * 1_000 + writer);
                let source = if n % 2 == 0 {
                    TrafficSource::Organic
                } else {
                    TrafficSource::Meta
                };
                written.push(
                    insert_call(&db, org, midnight + offset, source, CrmStage::Scheduled).await,
                );
            }
            // Half of them move on a stage while the others still write.
            for id in written.iter().step_by(2) {
                db.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "UPDATE calls SET crm_stage = 'completed' WHERE id = $1",
                    [(*id).into()],
                ))
                .await
                .expect("moved");
            }
        })
    });
    let folder = {
        let db = db.clone();
        tokio::spawn(async move {
            for _ in 0..20 {
                day_counts::fold(&db).await.expect("fold");
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        })
    };
    for writer in join_all(writers).await {
        writer.expect("a writer");
    }
    folder.await.expect("the folder");

    let truth = recount(&db, org).await;
    let days: Vec<NaiveDate> = truth.keys().map(|(day, _, _)| *day).collect();
    assert!(
        days.contains(&NaiveDate::from_ymd_opt(2026, 5, 31).expect("a date"))
            && days.contains(&NaiveDate::from_ymd_opt(2026, 6, 1).expect("a date")),
        "the writes straddle the local midnight: {truth:?}"
    );
    assert_eq!(truth.values().sum::<i64>(), 200);
    assert_exact(&db, org, "after concurrent writers").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_time_zone_recounts_the_days() {
    let Some(app) = postgres().await else { return };
    let acme = Tenant::create(&app.db.db, "acme").await;
    let (org, db) = (acme.organization_id, &app.db.db);
    // 03:00Z is the evening before in New York, the same day in Berlin.
    for at in ["2026-04-10T03:00:00Z", "2026-04-10T15:00:00Z"] {
        insert_call(
            db,
            org,
            at.parse().expect("an instant"),
            TrafficSource::Organic,
            CrmStage::Scheduled,
        )
        .await;
    }
    let days = |b: &Buckets| {
        b.keys()
            .map(|(day, _, _)| day.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(days(&counted(db, org).await), ["2026-04-09", "2026-04-10"]);

    let body = app
        .graphql(
            Some(&acme.token(acme.owner)),
            "mutation { updateOrganization(input: { timezone: \"Europe/Berlin\" }) { timezone } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&body)["updateOrganization"]["timezone"], "Europe/Berlin");
    let after = counted(db, org).await;
    assert_eq!(days(&after), ["2026-04-10"]);
    assert_eq!(after.values().sum::<i64>(), 2);
    assert_exact(db, org, "after the zone changed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_over_consistent_counts_changes_nothing_and_repairs_a_wrong_one() {
    let Some(app) = postgres().await else { return };
    let acme = Tenant::create(&app.db.db, "acme").await;
    let (org, db) = (acme.organization_id, &app.db.db);
    let now = Utc::now();
    for days in [0, 1, 1, 30] {
        insert_call(
            db,
            org,
            now - Duration::days(days),
            TrafficSource::Meta,
            CrmStage::Completed,
        )
        .await;
    }
    assert_eq!(day_counts::rebuild(db, None).await.expect("rebuild"), 0);
    fold_all(db).await;
    assert_eq!(
        day_counts::rebuild(db, Some(org)).await.expect("rebuild"),
        0
    );

    // A count gone wrong (by hand) is found and corrected by the difference.
    db.execute_unprepared("UPDATE call_day_counts SET calls = calls + 5 WHERE calls = 2")
        .await
        .expect("tampered");
    db.execute_unprepared(
        "INSERT INTO call_day_counts (organization_id, day, traffic_source, crm_stage, calls)
         SELECT organization_id, DATE '2020-01-01', 'organic', 'lost', 3 FROM call_day_counts LIMIT 1",
    )
    .await
    .expect("a bucket with no calls");
    assert_ne!(counted(db, org).await, recount(db, org).await);
    assert_eq!(
        day_counts::rebuild(db, Some(org)).await.expect("rebuild"),
        2
    );
    assert_exact(db, org, "after the rebuild").await;
    assert_eq!(
        day_counts::rebuild(db, Some(org)).await.expect("rebuild"),
        0
    );
}
