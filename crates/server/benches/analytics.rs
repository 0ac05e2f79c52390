//! Benchmark: analytics at scale against the naive `GROUP BY` over `calls`,
//! and what keeping the rollups exact costs the write path. PostgreSQL.
//!
//! On an organization of `seed --scale N` (default 20: 1,000,000 calls over
//! 90 days), in one run:
//!
//! 1. `callAnalyticsSummary` over 90 days grouped by source, stage and day,
//!    through HTTP, against the naive query a reporting tool would run
//!    (`GROUP BY traffic_source, crm_stage, local day` over `calls`);
//! 2. `kpiSummary` through HTTP against the naive aggregates over `calls`
//!    (7 days, 30 days, lifetime, best agent over 30 days);
//! 3. call completions per second through the write path (status
//!    transaction with the ledger and events), with and without the rollup
//!    upkeep (the daily rollups and the day counts' triggers), alternating
//!    rounds.
//!
//! ```sh
//! BENCH_SCALE=20 cargo bench -p switchboard-server --bench analytics
//! ```
//! The database (`BENCH_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/switchboard_bench_analytics`) is
//! created, seeded and rolled up on first use.

mod support;

use std::time::{Duration, Instant};
use support::ensure_database;

use chrono::Utc;
use chrono_tz::Tz;
use sea_orm::sqlx::{self, Row, postgres::PgPoolOptions};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use switchboard_app::App;
use switchboard_app::actor::{Actor, Viewer};
use switchboard_app::events::EventBus;
use switchboard_domain::analytics::day_start;
use switchboard_domain::secrets::SecretKey;
use switchboard_entity::enums::{CallStatus, MemberRole};
use switchboard_entity::{calls, organization_memberships, organizations};
use switchboard_server::app::HttpConfig;
use uuid::Uuid;

const REPEAT: usize = 7;
const SECRET: &str = "bench-secret";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let scale: u32 = std::env::var("BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let admin = std::env::var("BENCH_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let url = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
        "postgres://postgres@127.0.0.1:5432/switchboard_bench_analytics".into()
    });
    ensure_database(&admin, &url).await?;
    let db = switchboard_server::db::connect(&url).await?;
    switchboard_server::db::migrate(&db).await?;
    let prefix = format!("bench-{scale}x-");
    let org = match organizations::Entity::find()
        .filter(organizations::Column::Slug.starts_with(prefix.as_str()))
        .one(&db)
        .await?
    {
        Some(org) => org,
        None => {
            eprintln!("seeding scale {scale} (once) …");
            let started = Instant::now();
            let summary = switchboard_seed::scale(&db, scale, 42, true).await?;
            eprintln!(
                "  seeded in {:.0}s; rolling up …",
                started.elapsed().as_secs_f64()
            );
            let started = Instant::now();
            let rebuilt = switchboard_app::analytics::rollups::rebuild(
                &db,
                Some(summary.organization_id),
                None,
                None,
            )
            .await?;
            eprintln!(
                "  rollups rebuilt from {} calls in {:.1}s",
                rebuilt.calls,
                started.elapsed().as_secs_f64()
            );
            organizations::Entity::find_by_id(summary.organization_id)
                .one(&db)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the seeded organization vanished"))?
        }
    };
    // What seeding and earlier runs left unfolded (the server's own fold
    // task would have done this within seconds).
    let started = Instant::now();
    let folded = switchboard_app::analytics::day_counts::fold_all(&db).await?;
    switchboard_app::analytics::day_counts::vacuum(&db).await?;
    let fold = started.elapsed();
    let owner = organization_memberships::Entity::find()
        .filter(organization_memberships::Column::OrganizationId.eq(org.id))
        .filter(organization_memberships::Column::Role.eq(MemberRole::Owner))
        .one(&db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no owner"))?
        .user_id;
    let token = switchboard_domain::auth::mint(
        SECRET.as_bytes(),
        owner,
        org.id,
        Utc::now(),
        chrono::Duration::hours(2),
    )?;
    let tz: Tz = org.timezone.parse().unwrap_or(Tz::UTC);
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect(&url)
        .await?;
    let total: i64 = sqlx::query("SELECT count(*) AS n FROM calls WHERE organization_id = $1")
        .bind(org.id)
        .fetch_one(&pool)
        .await?
        .get("n");

    // The server, in process: the same router `switchboard serve` runs.
    let config = HttpConfig {
        jwt_secret: SECRET.into(),
        // Nothing folds during the measurement.
        summary_fold: Duration::from_secs(3_600),
        // A benchmark is a flood from one address and token: unthrottled.
        rate_limit_per_ip: switchboard_server::rate_limit::RateLimit::OFF,
        rate_limit_per_token: switchboard_server::rate_limit::RateLimit::OFF,
        ..HttpConfig::default()
    };
    let app =
        switchboard_server::Application::bind("127.0.0.1:0".parse()?, db.clone(), config).await?;
    let base = format!("http://{}", app.local_addr()?);
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::new();

    let today = Utc::now().with_timezone(&tz).date_naive();
    let first = today - chrono::Days::new(89);
    let from = day_start(tz, first);
    let to = Utc::now() + chrono::Duration::minutes(1);

    let naive_summary = time(|| async {
        let rows = sqlx::query(
            "SELECT traffic_source, crm_stage, CAST((created_at AT TIME ZONE $2) AS DATE) AS day,
                    count(*) AS call_count,
                    count(*) FILTER (WHERE crm_stage IN ('completed','no_show','closed_won','lost')) AS completed,
                    count(*) FILTER (WHERE crm_stage = 'closed_won') AS won
             FROM calls WHERE organization_id = $1 AND created_at >= $3 AND created_at < $4
             GROUP BY 1, 2, 3",
        )
        .bind(org.id)
        .bind(tz.name())
        .bind(from)
        .bind(to)
        .fetch_all(&pool)
        .await?;
        Ok(rows.len())
    })
    .await?;
    let summary_query = "query($from: DateTime!, $to: DateTime!) { analytics { callAnalyticsSummary(from: $from, to: $to, groupBy: [TRAFFIC_SOURCE, CRM_STAGE, DAY]) { trafficSource crmStage periodStart callCount completedCalls closedWonCalls showRate closeRate } } }";
    let ours_summary = time(|| async {
        let body = graphql(
            &client,
            &base,
            &token,
            summary_query,
            json!({ "from": from, "to": to }),
        )
        .await?;
        Ok(body["data"]["analytics"]["callAnalyticsSummary"]
            .as_array()
            .map_or(0, Vec::len))
    })
    .await?;

    // The same question over the 90 whole days before today: counts alone.
    let today_start = day_start(tz, today);
    let past_from = from - chrono::Duration::days(1);
    let naive_past = time(|| async {
        let rows = sqlx::query(
            "SELECT traffic_source, crm_stage, CAST((created_at AT TIME ZONE $2) AS DATE) AS day, count(*) AS call_count,
                    count(*) FILTER (WHERE crm_stage IN ('completed','no_show','closed_won','lost')) AS completed,
                    count(*) FILTER (WHERE crm_stage = 'closed_won') AS won
             FROM calls WHERE organization_id = $1 AND created_at >= $3 AND created_at < $4 GROUP BY 1, 2, 3",
        )
        .bind(org.id)
        .bind(tz.name())
        .bind(past_from)
        .bind(today_start)
        .fetch_all(&pool)
        .await?;
        Ok(rows.len())
    })
    .await?;
    let ours_past = time(|| async {
        let body = graphql(
            &client,
            &base,
            &token,
            summary_query,
            json!({ "from": past_from, "to": today_start }),
        )
        .await?;
        Ok(body["data"]["analytics"]["callAnalyticsSummary"]
            .as_array()
            .map_or(0, Vec::len))
    })
    .await?;
    let today_calls: i64 = sqlx::query(
        "SELECT count(*) AS n FROM calls WHERE organization_id = $1 AND created_at >= $2",
    )
    .bind(org.id)
    .bind(today_start)
    .fetch_one(&pool)
    .await?
    .get("n");

    let naive_kpi = time(|| async {
        let mut n = 0;
        for days in [Some(7), Some(30), None::<i64>] {
            let since = days.map_or(chrono::DateTime::<Utc>::UNIX_EPOCH, |d| Utc::now() - chrono::Duration::days(d));
            let row = sqlx::query(
                "SELECT count(*) AS total, count(*) FILTER (WHERE status = 'completed') AS ok,
                        count(*) FILTER (WHERE status = 'failed') AS failed,
                        COALESCE(sum(duration_seconds), 0) AS seconds, COALESCE(sum(credits_used), 0) AS credits
                 FROM calls WHERE organization_id = $1 AND ended_at >= $2",
            )
            .bind(org.id)
            .bind(since)
            .fetch_one(&pool)
            .await?;
            n += row.get::<i64, _>("total") as usize;
        }
        let best = sqlx::query(
            "SELECT agent_id, count(*) FILTER (WHERE status = 'completed') AS ok, count(*) AS total
             FROM calls WHERE organization_id = $1 AND agent_id IS NOT NULL AND ended_at >= $2
             GROUP BY agent_id ORDER BY 2 DESC, 3 DESC LIMIT 1",
        )
        .bind(org.id)
        .bind(Utc::now() - chrono::Duration::days(30))
        .fetch_optional(&pool)
        .await?;
        Ok(n + usize::from(best.is_some()))
    })
    .await?;
    let kpi_query = "{ analytics { kpiSummary { last7Days { totalCalls successRate } last30Days { totalCalls successRate averageDurationSeconds } lifetime { totalCalls creditsUsed } bestAgent { agentId figures { successfulCalls } } } } }";
    let ours_kpi = time(|| async {
        let body = graphql(&client, &base, &token, kpi_query, json!({})).await?;
        Ok(
            body["data"]["analytics"]["kpiSummary"]["lifetime"]["totalCalls"]
                .as_i64()
                .unwrap_or(0) as usize,
        )
    })
    .await?;

    // Write path: the same completions with and without rollup upkeep.
    let per_round = 300;
    let rounds = [false, true, false, true];
    let mut with = Vec::new();
    let mut without = Vec::new();
    for maintain in rounds {
        let ids = open_calls(&db, org.id, per_round).await?;
        // Without upkeep means without the day counts' triggers too; the
        // counts are rebuilt after the rounds.
        let triggers = if maintain {
            "ALTER TABLE calls ENABLE TRIGGER calls_count_days, ENABLE TRIGGER calls_count_days_moved"
        } else {
            "ALTER TABLE calls DISABLE TRIGGER calls_count_days, DISABLE TRIGGER calls_count_days_moved"
        };
        sqlx::query(triggers).execute(&pool).await?;
        let started = Instant::now();
        let app = App::new(
            db.clone(),
            EventBus::new(sea_orm::DbBackend::Postgres),
            std::sync::Arc::new(SecretKey::generate()),
        );
        let viewer = Viewer {
            user_id: owner,
            organization_id: org.id,
            role: MemberRole::Owner,
            timezone: tz,
        };
        let mut tasks = Vec::new();
        for chunk in ids.chunks(per_round / 8) {
            let (app, chunk) = (app.clone(), chunk.to_vec());
            tasks.push(tokio::spawn(async move {
                for id in chunk {
                    let mut actor = Actor::member(viewer);
                    actor.maintain_rollups = maintain;
                    switchboard_app::calls::update_call_status(
                        &app,
                        actor,
                        id,
                        CallStatus::Completed,
                        None,
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!(e.message()))?;
                }
                anyhow::Ok(())
            }));
        }
        for task in tasks {
            task.await??;
        }
        let rate = per_round as f64 / started.elapsed().as_secs_f64();
        if maintain {
            with.push(rate)
        } else {
            without.push(rate)
        }
    }
    sqlx::query(
        "ALTER TABLE calls ENABLE TRIGGER calls_count_days, ENABLE TRIGGER calls_count_days_moved",
    )
    .execute(&pool)
    .await?;
    let repaired = switchboard_app::analytics::day_counts::rebuild(&db, Some(org.id)).await?;
    eprintln!("  day counts of the rounds without upkeep repaired: {repaired} buckets");
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (with, without) = (mean(&with), mean(&without));

    println!("analytics at scale {scale}: {total} calls in the organization (PostgreSQL)");
    println!(
        "  day counts: {folded} pending changes folded (and vacuumed) in {:.2} s",
        fold.as_secs_f64()
    );
    report(
        &format!(
            "callAnalyticsSummary, 90 days to now by source × stage × day ({today_calls} of the calls are today's, all from the day counts)"
        ),
        naive_summary,
        ours_summary,
    );
    report(
        "callAnalyticsSummary, the 90 whole days before today",
        naive_past,
        ours_past,
    );
    report(
        "kpiSummary (7 d, 30 d, lifetime, best agent)",
        naive_kpi,
        ours_kpi,
    );
    println!(
        "  call completions/s, 8 writers: without rollups {without:.1}, with rollups {with:.1} → upkeep costs {:.1} % of write throughput",
        (1.0 - with / without) * 100.0
    );
    Ok(())
}

/// Median and best of `REPEAT` runs (after one warm-up).
async fn time<F, Fut>(f: F) -> anyhow::Result<(Duration, Duration, usize)>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<usize>>,
{
    let rows = f().await?;
    let mut samples = Vec::new();
    for _ in 0..REPEAT {
        let started = Instant::now();
        std::hint::black_box(f().await?);
        samples.push(started.elapsed());
    }
    samples.sort();
    Ok((samples[REPEAT / 2], samples[0], rows))
}

fn report(what: &str, naive: (Duration, Duration, usize), ours: (Duration, Duration, usize)) {
    println!("  {what}:");
    println!(
        "    naive GROUP BY over calls: median {:>9.2} ms (best {:.2} ms, {} rows)",
        naive.0.as_secs_f64() * 1e3,
        naive.1.as_secs_f64() * 1e3,
        naive.2
    );
    println!(
        "    Switchboard over HTTP:     median {:>9.2} ms (best {:.2} ms, {} rows)",
        ours.0.as_secs_f64() * 1e3,
        ours.1.as_secs_f64() * 1e3,
        ours.2
    );
    println!(
        "    → {:.1}× faster than the naive query (medians)",
        naive.0.as_secs_f64() / ours.0.as_secs_f64()
    );
}

async fn graphql(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
    variables: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let body: serde_json::Value = client
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await?
        .json()
        .await?;
    if let Some(errors) = body.get("errors") {
        anyhow::bail!("GraphQL errors: {errors}");
    }
    Ok(body)
}

/// Inserts `n` calls in progress (started a minute ago) to complete.
async fn open_calls(
    db: &sea_orm::DatabaseConnection,
    org: Uuid,
    n: usize,
) -> anyhow::Result<Vec<Uuid>> {
    let mut ids = Vec::with_capacity(n);
    let now = Utc::now();
    for _ in 0..n {
        let id = Uuid::now_v7();
        calls::ActiveModel {
            id: Set(id),
            organization_id: Set(org),
            status: Set(CallStatus::InProgress),
            started_at: Set(Some(now - chrono::Duration::seconds(61))),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        ids.push(id);
    }
    Ok(ids)
}
