//! Benchmark: customers at scale (issue 14), each against the naive query
//! in the same run, on SQLite and, when asked, PostgreSQL, with the
//! machine's load.
//!
//! On an organization of `seed --scale N --customers` (N x 10,000
//! customers, one a lead, with N x 100,000 orders over two years; default
//! N = 1, `SWITCHBOARD_BENCH_CUSTOMERS_SCALE=10` for 100,000 customers and
//! 1,000,000 orders) and one of its customers given 10,000 activities
//! (orders, messages and deals mixed):
//!
//! 1. RFM recomputation of the whole organization: `recalculateCustomerScores`
//!    through the router `switchboard serve` runs (`rfm::rescore`'s one
//!    statement), with every score written (reset to NULL before each run,
//!    outside the timing) and with nothing changed (the hourly rescore's
//!    usual case), against seed 002's recalculation a customer at a time:
//!    one statement per customer that ranks the organization's customers
//!    again, on `BENCH_NAIVE_CUSTOMERS` of them (default 100 / N, at least
//!    10) in one transaction, extrapolated per customer to all of them; the
//!    two agree on those customers' scores.
//! 2. `customer(id) { timeline(first: 20) { edges { node { type occurredAt } } } }`
//!    of the customer with 10,000 activities through the router, against the
//!    naive query run directly: the `customer_activity_timeline` view
//!    filtered by the customer, `ORDER BY occurred_at DESC LIMIT 20`; with
//!    `customer(id) { id }` through the router, the floor of HTTP, the token
//!    and the customer's look-up. `BENCH_REPEAT` (default 30) runs each,
//!    alternating, after a warm-up.
//!
//! ```sh
//! cargo bench -p switchboard-server --bench customers
//! SWITCHBOARD_BENCH_CUSTOMERS_SCALE=10 cargo bench -p switchboard-server --bench customers
//! ```
//! SQLite (`BENCH_SQLITE_URL`, default a file under `target/tmp`; skip it
//! with `BENCH_SQLITE=off`) always; PostgreSQL when `BENCH_DATABASE_URL` is
//! set (created through `BENCH_ADMIN_URL` if missing, as the other benches
//! do) or `SWITCHBOARD_TEST_POSTGRES_URL` is (the tests' maintenance
//! database: the bench uses `switchboard_bench_customers_<N>` on that
//! server). Each database is seeded on first use and reused after.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{ensure_database, load_average, wait_ready};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, Statement, TransactionTrait, Value,
};
use serde_json::json;
use switchboard_app::customers::rfm;
use switchboard_app::dialect::numbered;
use switchboard_app::events::{CustomerEvent, Message, Outbox};
use switchboard_entity::enums::MemberRole;
use switchboard_entity::{customers, organization_memberships, organizations};
use switchboard_server::app::HttpConfig;
use switchboard_server::rate_limit::RateLimit;
use uuid::Uuid;

const SECRET: &str = "bench-secret-customers-0123456789abcdef";
/// Activities of the timeline's customer.
const ACTIVITIES: u32 = 10_000;
/// Runs of the RFM recomputation, each way.
const RFM_RUNS: usize = 3;

/// seed 002's recalculation of one customer (`$1` the organization, `$2`
/// the customer, `$3` now): the organization's counted orders aggregated and
/// ranked again for each customer, the same quintile rule as
/// `rfm::rescore` (a value at least as good as `c` of `n` scores
/// `(5c + n - 1) / n`; no counted order scores 1).
const NAIVE_RESCORE: &str = "
WITH stats AS (
    SELECT customer_id, MAX(ordered_at) AS last_at, COUNT(*) AS bought, SUM(total_cents) AS spent
    FROM orders
    WHERE organization_id = $1 AND status IN ('paid', 'fulfilled')
    GROUP BY customer_id
), me AS (
    SELECT s.last_at, s.bought, s.spent, (SELECT COUNT(*) FROM stats) AS n
    FROM stats s WHERE s.customer_id = $2
), scored AS (
    SELECT COALESCE((SELECT (5 * (SELECT COUNT(*) FROM stats WHERE last_at <= me.last_at) + me.n - 1) / me.n FROM me), 1) AS r,
           COALESCE((SELECT (5 * (SELECT COUNT(*) FROM stats WHERE bought <= me.bought) + me.n - 1) / me.n FROM me), 1) AS f,
           COALESCE((SELECT (5 * (SELECT COUNT(*) FROM stats WHERE spent <= me.spent) + me.n - 1) / me.n FROM me), 1) AS m
)
UPDATE customers
SET rfm_recency = (SELECT r FROM scored),
    rfm_frequency = (SELECT f FROM scored),
    rfm_monetary = (SELECT m FROM scored),
    lead_score = (SELECT 2 * (r + f + m) FROM scored),
    last_scored_at = $3,
    updated_at = $3
WHERE id = $2 AND organization_id = $1";

const NAIVE_TIMELINE: &str = "SELECT activity_type, occurred_at FROM customer_activity_timeline
WHERE customer_id = $1 ORDER BY occurred_at DESC LIMIT 20";

const TIMELINE: &str = "query($id: ID!) { customer(id: $id) { timeline(first: 20) { edges { node { type occurredAt } } } } }";
const FLOOR: &str = "query($id: ID!) { customer(id: $id) { id } }";

/// The statements the server runs, counted and timed while `on`.
#[derive(Default)]
struct Statements {
    on: AtomicBool,
    count: AtomicUsize,
    log: Mutex<Vec<(String, Duration)>>,
}

impl Statements {
    fn start(&self) {
        self.count.store(0, Ordering::SeqCst);
        if let Ok(mut log) = self.log.lock() {
            log.clear();
        }
        self.on.store(true, Ordering::SeqCst);
    }

    /// How many ran since [`Statements::start`], their total time and the
    /// slowest's first words.
    fn stop(&self) -> (usize, Duration, String) {
        self.on.store(false, Ordering::SeqCst);
        let log = self.log.lock().map(|l| l.clone()).unwrap_or_default();
        let total = log.iter().map(|(_, d)| *d).sum();
        let slowest = log
            .iter()
            .max_by_key(|(_, d)| *d)
            .map(|(sql, d)| {
                let words: Vec<&str> = sql.split_whitespace().take(6).collect();
                format!("{} … {:.1} ms", words.join(" "), d.as_secs_f64() * 1e3)
            })
            .unwrap_or_default();
        (self.count.load(Ordering::SeqCst), total, slowest)
    }
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn statement(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Statement {
    let backend = db.get_database_backend();
    Statement::from_sql_and_values(backend, numbered(backend, sql), values)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Median, best and 90th percentile.
fn summary(samples: &mut [Duration]) -> (Duration, Duration, Duration) {
    samples.sort();
    let n = samples.len();
    (samples[n / 2], samples[0], samples[(n * 9 / 10).min(n - 1)])
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let scale = env_or("SWITCHBOARD_BENCH_CUSTOMERS_SCALE", 1).clamp(1, 1000) as u32;
    let naive = env_or("BENCH_NAIVE_CUSTOMERS", (100 / scale as usize).max(10)).max(1);
    let repeat = env_or("BENCH_REPEAT", 30).max(3);
    println!(
        "customers at scale {scale} ({} customers, {} orders); machine load at start: {}",
        u64::from(scale) * switchboard_seed::CUSTOMERS_PER_SCALE,
        u64::from(scale) * switchboard_seed::ORDERS_PER_SCALE,
        load_average()
    );
    if std::env::var("BENCH_SQLITE").is_ok_and(|v| v == "off") {
        println!("SQLite skipped (BENCH_SQLITE=off)");
    } else {
        let url = std::env::var("BENCH_SQLITE_URL").unwrap_or_else(|_| {
            format!(
                "sqlite://{}/switchboard_bench_customers_{scale}.db?mode=rwc",
                env!("CARGO_TARGET_TMPDIR")
            )
        });
        run("SQLite", &url, scale, naive, repeat).await?;
    }
    let admin = std::env::var("BENCH_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let postgres = match (
        std::env::var("BENCH_DATABASE_URL"),
        std::env::var("SWITCHBOARD_TEST_POSTGRES_URL"),
    ) {
        (Ok(url), _) => Some((admin, url)),
        (_, Ok(maintenance)) => {
            let server = maintenance
                .rsplit_once('/')
                .map_or(maintenance.as_str(), |(server, _)| server);
            let url = format!("{server}/switchboard_bench_customers_{scale}");
            Some((maintenance.clone(), url))
        }
        _ => None,
    };
    match postgres {
        Some((admin, url)) => {
            ensure_database(&admin, &url).await?;
            run("PostgreSQL", &url, scale, naive, repeat).await?;
        }
        None => println!(
            "PostgreSQL skipped: set BENCH_DATABASE_URL or SWITCHBOARD_TEST_POSTGRES_URL to measure it"
        ),
    }
    println!("machine load at end: {}", load_average());
    Ok(())
}

/// The benchmark organization and its timeline customer, seeded if missing.
async fn prepare(db: &DatabaseConnection, scale: u32) -> anyhow::Result<(Uuid, Uuid)> {
    let prefix = format!("bench-{scale}x-");
    let found = organizations::Entity::find()
        .filter(organizations::Column::Slug.starts_with(prefix.as_str()))
        .one(db)
        .await?;
    let org = match found {
        Some(org) => org.id,
        None => {
            eprintln!("seeding scale {scale} (once) …");
            let started = Instant::now();
            let summary = switchboard_seed::scale(db, scale, 42, true).await?;
            eprintln!(
                "  leads and calls in {:.0}s",
                started.elapsed().as_secs_f64()
            );
            summary.organization_id
        }
    };
    let has_customers = customers::Entity::find()
        .filter(customers::Column::OrganizationId.eq(org))
        .one(db)
        .await?
        .is_some();
    if !has_customers {
        eprintln!("seeding customers and orders (once) …");
        let started = Instant::now();
        let written = switchboard_seed::customers(db, org, scale, 42, true).await?;
        eprintln!(
            "  {} customers, {} orders in {:.0}s",
            written.customers,
            written.orders,
            started.elapsed().as_secs_f64()
        );
    }
    // Only the timeline's customer has messages.
    let row = db
        .query_one_raw(statement(
            db,
            "SELECT customer_id FROM messages WHERE organization_id = $1
             GROUP BY customer_id ORDER BY COUNT(*) DESC LIMIT 1",
            vec![org.into()],
        ))
        .await?;
    let customer = match row {
        Some(row) => row.try_get_by_index::<Uuid>(0)?,
        None => {
            let first = customers::Entity::find()
                .filter(customers::Column::OrganizationId.eq(org))
                .one(db)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the organization has no customer"))?;
            eprintln!("giving one customer {ACTIVITIES} activities (once) …");
            switchboard_seed::activities(db, org, first.id, ACTIVITIES, 42).await?;
            db.execute_unprepared("ANALYZE").await?;
            first.id
        }
    };
    Ok((org, customer))
}

async fn count(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(statement(db, sql, values))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no row"))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

async fn run(
    label: &str,
    url: &str,
    scale: u32,
    naive: usize,
    repeat: usize,
) -> anyhow::Result<()> {
    let mut db = switchboard_server::db::connect(url).await?;
    switchboard_server::db::migrate(&db).await?;
    let (org, customer) = prepare(&db, scale).await?;
    let customers_total = count(
        &db,
        "SELECT COUNT(*) FROM customers WHERE organization_id = $1",
        vec![org.into()],
    )
    .await?;
    let (orders_total, counted) = {
        let row = db
            .query_one_raw(statement(
                &db,
                "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status IN ('paid', 'fulfilled') THEN 1 ELSE 0 END), 0)
                 FROM orders WHERE organization_id = $1",
                vec![org.into()],
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no row"))?;
        (
            row.try_get_by_index::<i64>(0)?,
            row.try_get_by_index::<i64>(1)?,
        )
    };
    let activities = count(
        &db,
        "SELECT COUNT(*) FROM customer_activity_timeline WHERE customer_id = $1",
        vec![customer.into()],
    )
    .await?;

    let statements = Arc::new(Statements::default());
    let counted_by = statements.clone();
    db.set_metric_callback(move |info| {
        if counted_by.on.load(Ordering::SeqCst) {
            counted_by.count.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut log) = counted_by.log.lock() {
                log.push((info.statement.sql.clone(), info.elapsed));
            }
        }
    });

    // The server, in process: the router `switchboard serve` runs. Its
    // hourly rescore runs once at start: waited for, so nothing else writes.
    let started_at = Utc::now();
    let config = HttpConfig {
        jwt_secret: SECRET.into(),
        request_timeout: Duration::from_secs(3_600),
        summary_fold: Duration::from_secs(3_600),
        rate_limit_per_ip: RateLimit::OFF,
        rate_limit_per_token: RateLimit::OFF,
        ..HttpConfig::default()
    };
    let server =
        switchboard_server::Application::bind("127.0.0.1:0".parse()?, db.clone(), config).await?;
    let base = format!("http://{}", server.local_addr()?);
    tokio::spawn(server.run_until(std::future::pending()));
    let client = reqwest::Client::new();
    wait_ready(&client, &base).await?;
    let waited = Instant::now();
    loop {
        let row = db
            .query_one_raw(statement(
                &db,
                "SELECT MAX(last_scored_at) FROM customers WHERE organization_id = $1",
                vec![org.into()],
            ))
            .await?;
        let last = row.and_then(|r| time_at(&r, 0));
        if last.is_some_and(|at| at >= started_at) {
            break;
        }
        if waited.elapsed() > Duration::from_secs(1_800) {
            anyhow::bail!("the server's first rescore did not finish");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let owner = organization_memberships::Entity::find()
        .filter(organization_memberships::Column::OrganizationId.eq(org))
        .filter(organization_memberships::Column::Role.eq(MemberRole::Owner))
        .one(&db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no owner"))?
        .user_id;
    let token = switchboard_domain::auth::mint(
        SECRET.as_bytes(),
        owner,
        org,
        Utc::now(),
        chrono::Duration::hours(2),
    )?;
    let graphql = |query: &'static str, variables: serde_json::Value| {
        let (client, base, token) = (&client, &base, &token);
        async move {
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
            anyhow::Ok(body)
        }
    };

    println!(
        "{label}: {customers_total} customers, {orders_total} orders ({counted} paid or fulfilled); the timeline's customer has {activities} activities"
    );

    // 1. RFM recomputation.
    let reset = || {
        db.execute_raw(statement(
            &db,
            "UPDATE customers SET rfm_recency = NULL, rfm_frequency = NULL, rfm_monetary = NULL, lead_score = NULL
             WHERE organization_id = $1",
            vec![org.into()],
        ))
    };
    let recalculate = || graphql("mutation { recalculateCustomerScores }", json!({}));
    let (mut written, mut unchanged) = (Vec::new(), Vec::new());
    let mut database = (0, Duration::ZERO, String::new());
    let mut scored = 0;
    for run in 0..RFM_RUNS {
        reset().await?;
        statements.start();
        let started = Instant::now();
        let body = recalculate().await?;
        written.push(started.elapsed());
        let logged = statements.stop();
        if run == 0 {
            database = logged;
        }
        scored = body["data"]["recalculateCustomerScores"]
            .as_i64()
            .unwrap_or(0);
    }
    // The application's function alone, in a transaction of the bench's
    // own: no HTTP, no token, no events staged or published.
    let mut direct = Vec::new();
    for _ in 0..RFM_RUNS {
        reset().await?;
        let started = Instant::now();
        let txn = db.begin().await?;
        let outbox = Outbox::default();
        rfm::rescore(&txn, &outbox, org, Utc::now())
            .await
            .map_err(|e| anyhow::anyhow!(e.message()))?;
        txn.commit().await?;
        direct.push(started.elapsed());
    }
    // What the outbox alone costs: one `customerUpdated` event a customer
    // whose scores changed, each pushed as `rescore` pushes it.
    let mut outbox_alone = Vec::new();
    for _ in 0..RFM_RUNS {
        let outbox = Outbox::default();
        let now = Utc::now();
        let started = Instant::now();
        for _ in 0..customers_total {
            outbox.push(Message::Customer(CustomerEvent {
                organization_id: org,
                customer_id: Uuid::now_v7(),
                created: false,
                occurred_at: now,
            }));
        }
        outbox_alone.push(started.elapsed());
        std::hint::black_box(outbox.take());
    }
    let mut unchanged_database = (0, Duration::ZERO, String::new());
    for run in 0..RFM_RUNS {
        statements.start();
        let started = Instant::now();
        recalculate().await?;
        unchanged.push(started.elapsed());
        let logged = statements.stop();
        if run == 0 {
            unchanged_database = logged;
        }
    }
    // Ours, for the customers the naive way recomputes: every `step`-th.
    let ids: Vec<Uuid> = customers::Entity::find()
        .filter(customers::Column::OrganizationId.eq(org))
        .order_by_asc(customers::Column::Id)
        .all(&db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let step = (ids.len() / naive).max(1);
    let subset: Vec<Uuid> = ids.iter().step_by(step).take(naive).copied().collect();
    let scores = |ids: Vec<Uuid>| {
        let db = &db;
        async move {
            let mut all = Vec::new();
            for chunk in ids.chunks(500) {
                let found = customers::Entity::find()
                    .filter(customers::Column::Id.is_in(chunk.to_vec()))
                    .all(db)
                    .await?;
                all.extend(found.into_iter().map(|c| {
                    (
                        c.id,
                        (c.rfm_recency, c.rfm_frequency, c.rfm_monetary, c.lead_score),
                    )
                }));
            }
            all.sort();
            anyhow::Ok(all)
        }
    };
    let ours = scores(subset.clone()).await?;
    reset().await?;
    let mut per_customer = Vec::with_capacity(subset.len());
    let started = Instant::now();
    let txn = db.begin().await?;
    let now = Utc::now();
    for id in &subset {
        let one = Instant::now();
        txn.execute_raw(statement(
            &txn,
            NAIVE_RESCORE,
            vec![org.into(), (*id).into(), now.into()],
        ))
        .await?;
        per_customer.push(one.elapsed());
    }
    txn.commit().await?;
    let naive_total = started.elapsed();
    let theirs = scores(subset.clone()).await?;
    let agree = ours
        .iter()
        .zip(&theirs)
        .filter(|(a, b)| a == b && a.1.0.is_some())
        .count();
    // Leave every score set, as the application keeps them.
    recalculate().await?;

    let (written, written_best, _) = summary(&mut written);
    let (unchanged, unchanged_best, _) = summary(&mut unchanged);
    let (direct, direct_best, _) = summary(&mut direct);
    let (outbox_alone, _, _) = summary(&mut outbox_alone);
    let (naive_median, _, _) = summary(&mut per_customer);
    let naive_mean = naive_total / subset.len() as u32;
    let extrapolated = naive_mean.as_secs_f64() * customers_total as f64;
    println!("  RFM recomputation of the organization ({RFM_RUNS} runs each, medians):");
    println!(
        "    recalculateCustomerScores over HTTP, every score written: {:>9.1} ms (best {:.1}; {scored} scored; the database: {} statements seen, {:.1} ms, the slowest {})",
        ms(written),
        ms(written_best),
        database.0,
        ms(database.1),
        database.2
    );
    println!(
        "    rfm::rescore alone in a transaction (no HTTP, no events), every score written: {:>9.1} ms (best {:.1}); of it, {customers_total} customerUpdated events pushed to an outbox alone: {:.1} ms",
        ms(direct),
        ms(direct_best),
        ms(outbox_alone)
    );
    println!(
        "    recalculateCustomerScores over HTTP, nothing changed:     {:>9.1} ms (best {:.1}; the database: {} statements seen, {:.1} ms)",
        ms(unchanged),
        ms(unchanged_best),
        unchanged_database.0,
        ms(unchanged_database.1)
    );
    let extrapolated_note = if subset.len() as i64 >= customers_total {
        "measured on all of them".to_owned()
    } else {
        format!(
            "extrapolated from {} of them, one transaction",
            subset.len()
        )
    };
    println!(
        "    naive, one statement per customer (seed 002's per-customer recalculation): {:.2} ms a customer (median {:.2}) → {:.1} s for all {customers_total} ({extrapolated_note})",
        ms(naive_mean),
        ms(naive_median),
        extrapolated
    );
    println!(
        "    → the one statement is {:.0}× faster than the naive recalculation of every customer (every score written); scores agree on {agree}/{} customers",
        extrapolated / written.as_secs_f64(),
        subset.len()
    );

    // 2. The timeline of the customer with many activities.
    let plan = explain(&db, customer)
        .await
        .unwrap_or_else(|e| format!("(not explained: {e})"));
    let naive_timeline = || {
        let db = &db;
        async move {
            let rows = db
                .query_all_raw(statement(db, NAIVE_TIMELINE, vec![customer.into()]))
                .await?;
            let mut times = Vec::with_capacity(rows.len());
            for row in rows {
                times.push(time_at(&row, 1).ok_or_else(|| anyhow::anyhow!("no time"))?);
            }
            anyhow::Ok(times)
        }
    };
    let variables = json!({ "id": customer });
    let timeline = || {
        let variables = variables.clone();
        let graphql = &graphql;
        async move {
            let body = graphql(TIMELINE, variables).await?;
            let mut times = Vec::new();
            for edge in body["data"]["customer"]["timeline"]["edges"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let at = edge["node"]["occurredAt"].as_str().unwrap_or_default();
                times.push(DateTime::parse_from_rfc3339(at)?.with_timezone(&Utc));
            }
            anyhow::Ok(times)
        }
    };
    let floor = || graphql(FLOOR, variables.clone());
    // Warm-up, and the same page both ways.
    let (mut a, mut b) = (naive_timeline().await?, timeline().await?);
    floor().await?;
    a.sort();
    b.sort();
    let same = a.len() == 20 && a == b;
    let (mut naive_times, mut ours_times, mut floor_times) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..repeat {
        // Turns alternate which goes first.
        for side in if i % 2 == 0 { [0, 1, 2] } else { [2, 1, 0] } {
            let started = Instant::now();
            match side {
                0 => drop(std::hint::black_box(naive_timeline().await?)),
                1 => drop(std::hint::black_box(timeline().await?)),
                _ => drop(std::hint::black_box(floor().await?)),
            }
            let took = started.elapsed();
            [&mut naive_times, &mut ours_times, &mut floor_times][side].push(took);
        }
    }
    let (n_med, n_best, n_p90) = summary(&mut naive_times);
    let (o_med, o_best, o_p90) = summary(&mut ours_times);
    let (f_med, f_best, f_p90) = summary(&mut floor_times);
    println!(
        "  timeline(first: 20) of a customer with {activities} activities ({repeat} runs each, alternating; median / best / p90):"
    );
    println!(
        "    naive: the view filtered by customer, ORDER BY occurred_at DESC LIMIT 20 (SQL, no HTTP): {:>7.2} / {:.2} / {:.2} ms",
        ms(n_med),
        ms(n_best),
        ms(n_p90)
    );
    println!("      its plan: {plan}");
    println!(
        "    Customer.timeline over HTTP (token, customer, three index range scans, merge): {:>7.2} / {:.2} / {:.2} ms",
        ms(o_med),
        ms(o_best),
        ms(o_p90)
    );
    println!(
        "    customer {{ id }} over HTTP (the floor: HTTP, token, the customer's look-up): {:>7.2} / {:.2} / {:.2} ms",
        ms(f_med),
        ms(f_best),
        ms(f_p90)
    );
    println!(
        "    → over HTTP the timeline takes {:.2}× the naive query's time; above the floor, {:.2} ms: {:.2}× the naive query's {:.2} ms; same 20 activities: {}",
        o_med.as_secs_f64() / n_med.as_secs_f64(),
        ms(o_med.saturating_sub(f_med)),
        (o_med.saturating_sub(f_med)).as_secs_f64() / n_med.as_secs_f64(),
        ms(n_med),
        if same { "yes" } else { "NO" }
    );
    Ok(())
}

/// A time column: a timestamp, or RFC 3339 text (SQLite's views).
fn time_at(row: &sea_orm::QueryResult, column: usize) -> Option<DateTime<Utc>> {
    row.try_get_by_index::<DateTime<Utc>>(column)
        .ok()
        .or_else(|| {
            let text = row.try_get_by_index::<String>(column).ok()?;
            Some(
                DateTime::parse_from_rfc3339(&text)
                    .ok()?
                    .with_timezone(&Utc),
            )
        })
}

/// The naive timeline query's plan, on one line.
async fn explain(db: &DatabaseConnection, customer: Uuid) -> anyhow::Result<String> {
    let backend = db.get_database_backend();
    let (prefix, column) = match backend {
        DbBackend::Postgres => ("EXPLAIN (COSTS OFF) ", 0),
        _ => ("EXPLAIN QUERY PLAN ", 3),
    };
    let rows = db
        .query_all_raw(statement(
            db,
            &format!("{prefix}{NAIVE_TIMELINE}"),
            vec![customer.into()],
        ))
        .await?;
    let lines: Vec<String> = rows
        .iter()
        .filter_map(|r| r.try_get_by_index::<String>(column).ok())
        .map(|l| l.trim().to_owned())
        .collect();
    Ok(lines.join("; "))
}
