//! Benchmark: the nested query React clients run most, through HTTP, against
//! the same rows fetched by hand-written SQL through a pool of the same size.
//!
//! `leads(first: 50) { calls(first: 5) { transcript analysis agent } }` at 16
//! concurrent clients, each request on a random page of a `seed --scale 1`
//! organization. The baseline runs one statement per level (leads; calls per
//! lead with a window function; transcripts, analyses and agents by id) and
//! decodes the rows. Reports requests per second, p50/p99 latency, the ratio
//! of the two, the server's CPU time per request and its resident memory
//! under load.
//!
//! `BENCH_QUERY=simple` measures the smaller query instead:
//! `leads(first: 50) { id firstName phoneNumber calls(first: 5, orderBy:
//! {direction: ASC}) { id status durationSeconds transcript { content } } }`,
//! against its own hand-written statements.
//!
//! A peer server on the same database joins the turns with
//! `BENCH_PEER_URL=http://host:port/graphql` (and `BENCH_PEER_PID` for its CPU
//! and memory): PostGraphile v5 by default (`allLeads` … `callsByLeadId` …
//! `transcriptByCallId`, the organization as a `condition`, the page bound
//! by `postgraphile-plugin-connection-filter`); the README says how to run it.
//!
//! ```sh
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/switchboard_bench \
//!   cargo bench -p switchboard-server --bench nested_query
//! ```
//! The database is created, migrated and seeded on first use.
//!
//! The server serves as the runtime role `switchboard_bench_runtime`
//! (granted here, as `switchboard db grant` would), so row-level security
//! binds it, with the owner's URL for its privileged path. `BENCH_RLS=off`
//! measures the same build served as the owner as well, whom the policies
//! let through: the cost of row-level security as a same-run ratio.

mod support;

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{TICK_MS, cpu_ticks, ensure_database, rss_kib, wait_ready};

use rand::Rng;
use sea_orm::sqlx::{self, Row, postgres::PgPoolOptions};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use switchboard_entity::{organization_memberships, organizations};

const CONCURRENCY: usize = 16;
const POOL_SIZE: u32 = 16;
const RICH: &str =
    "query($before: DateTime!) { leads(first: 50, filter: { createdAt: { lt: $before } }) {
  nodes { id firstName lastName phoneNumber status leadScore
    calls(first: 5) { nodes { id status outcome durationSeconds createdAt
      transcript { content } analysis { totalScore intentScore } agent { name } } } } } }";
const SIMPLE: &str =
    "query($before: DateTime!) { leads(first: 50, filter: { createdAt: { lt: $before } }) {
  nodes { id firstName phoneNumber
    calls(first: 5, orderBy: { direction: ASC }) { nodes { id status durationSeconds
      transcript { content } } } } } }";

/// The same selections in PostGraphile v5's schema (with the
/// connection-filter plugin), for `BENCH_PEER_URL`.
const PEER_RICH: &str = "query($org: UUID!, $before: Datetime!) { allLeads(first: 50,
  condition: { organizationId: $org }, filter: { createdAt: { lessThan: $before }, deletedAt: { isNull: true } },
  orderBy: [CREATED_AT_DESC, PRIMARY_KEY_DESC]) {
  nodes { id: rowId firstName lastName phoneNumber status leadScore
    calls: callsByLeadId(first: 5, orderBy: [CREATED_AT_DESC, PRIMARY_KEY_DESC]) { nodes {
      id: rowId status outcome durationSeconds createdAt
      transcript: transcriptByCallId { content } analysis: leadAnalyticByCallId { totalScore intentScore }
      agent: agentByAgentId { name } } } } } }";
const PEER_SIMPLE: &str = "query($org: UUID!, $before: Datetime!) { allLeads(first: 50,
  condition: { organizationId: $org }, filter: { createdAt: { lessThan: $before }, deletedAt: { isNull: true } },
  orderBy: [CREATED_AT_DESC, PRIMARY_KEY_DESC]) {
  nodes { id: rowId firstName phoneNumber
    calls: callsByLeadId(first: 5, orderBy: [CREATED_AT_ASC, PRIMARY_KEY_ASC]) { nodes {
      id: rowId status durationSeconds transcript: transcriptByCallId { content } } } } } }";

/// Which query is measured (`BENCH_QUERY`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Rich,
    Simple,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let duration = Duration::from_secs(
        std::env::var("BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(20),
    );
    let admin = std::env::var("BENCH_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/switchboard_bench".into());
    let shape = match std::env::var("BENCH_QUERY").as_deref() {
        Ok("rich") | Err(_) => Shape::Rich,
        Ok("simple") => Shape::Simple,
        Ok(other) => anyhow::bail!("BENCH_QUERY={other}: use rich or simple"),
    };
    let (query, peer_query) = match shape {
        Shape::Rich => (RICH, PEER_RICH),
        Shape::Simple => (SIMPLE, PEER_SIMPLE),
    };
    ensure_database(&admin, &url).await?;

    let db = switchboard_server::db::connect(&url).await?;
    switchboard_server::db::migrate(&db).await?;
    let org = match organizations::Entity::find()
        .filter(organizations::Column::Slug.starts_with("bench-1x-"))
        .one(&db)
        .await?
    {
        Some(org) => org.id,
        None => {
            eprintln!("seeding scale 1 …");
            switchboard_seed::scale(&db, 1, 42, true)
                .await?
                .organization_id
        }
    };
    let owner = organization_memberships::Entity::find()
        .filter(organization_memberships::Column::OrganizationId.eq(org))
        .one(&db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the bench organization has no member"))?
        .user_id;
    // The server refuses JWT secrets under 32 bytes.
    let secret = "bench-secret-of-at-least-thirty-two-bytes";
    let token = switchboard_domain::auth::mint(
        secret.as_bytes(),
        owner,
        org,
        chrono::Utc::now(),
        chrono::Duration::hours(2),
    )?;
    let span = lead_time_span(&url, org).await?;

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()?;
    // The server, as its own process, so its memory is its own; with
    // BENCH_BASELINE_BIN, a second build (e.g. the previous commit's) is
    // measured in the same run against the same database.
    switchboard_server::roles::grant(&db, RUNTIME_ROLE, None).await?;
    let runtime_url = switchboard_server::db::as_role(&url, RUNTIME_ROLE);
    let (mut server, pid, base) = spawn_server(
        env!("CARGO_BIN_EXE_switchboard"),
        &[&runtime_url, &url],
        secret,
        &client,
    )
    .await?;
    let owner_server = if std::env::var("BENCH_RLS").is_ok_and(|v| v == "off") {
        Some(spawn_server(env!("CARGO_BIN_EXE_switchboard"), &[&url], secret, &client).await?)
    } else {
        None
    };
    // A baseline whose migrations differ needs its own copy of the data
    // (`CREATE DATABASE … TEMPLATE …`): BENCH_BASELINE_DATABASE_URL.
    let baseline = match std::env::var("BENCH_BASELINE_BIN") {
        Ok(bin) => {
            let url = std::env::var("BENCH_BASELINE_DATABASE_URL").unwrap_or_else(|_| url.clone());
            Some(spawn_server(&bin, &[&url], secret, &client).await?)
        }
        Err(_) => None,
    };
    let graphql_at = |base: String| {
        let (client, token) = (client.clone(), token.clone());
        move |before: chrono::DateTime<chrono::Utc>| {
            let (client, base, token) = (client.clone(), base.clone(), token.clone());
            async move {
                let response = client
                    .post(format!("{base}/graphql"))
                    .bearer_auth(&token)
                    .json(&json!({ "query": query, "variables": { "before": before } }))
                    .send()
                    .await?;
                let body: serde_json::Value = response.json().await?;
                anyhow::ensure!(body.get("errors").is_none(), "GraphQL errors: {body}");
                Ok(body["data"]["leads"]["nodes"]
                    .as_array()
                    .map_or(0, Vec::len))
            }
        }
    };
    let graphql = graphql_at(base);
    let pool = PgPoolOptions::new()
        .max_connections(POOL_SIZE)
        .connect(&url)
        .await?;
    let raw = {
        let pool = pool.clone();
        move |before: chrono::DateTime<chrono::Utc>| {
            let pool = pool.clone();
            async move { raw_sql(&pool, org, before, shape).await }
        }
    };
    let (sql_stats, _) = run("raw SQL", duration, span, raw.clone(), None).await?;
    // Every server measured takes turns (two rounds of half the time each:
    // this build, as owner, the baseline build; then again), so none gains
    // from going later on a warmer database and machine.
    type Request =
        std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<usize>> + Send>>;
    type Contender = Arc<dyn Fn(chrono::DateTime<chrono::Utc>) -> Request + Send + Sync>;
    fn boxed<F, Fut>(f: F) -> Contender
    where
        F: Fn(chrono::DateTime<chrono::Utc>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = anyhow::Result<usize>> + Send + 'static,
    {
        Arc::new(move |before| Box::pin(f(before)))
    }
    let mut contenders: Vec<(&str, Option<u32>, Contender)> =
        vec![("GraphQL", Some(pid), boxed(graphql.clone()))];
    let mut processes = Vec::new();
    let owner_at = contenders.len();
    if let Some((process, owner_pid, base)) = owner_server {
        contenders.push(("as owner", Some(owner_pid), boxed(graphql_at(base))));
        processes.push(process);
    }
    let baseline_at = contenders.len();
    if let Some((process, baseline_pid, base)) = baseline {
        contenders.push(("baseline", Some(baseline_pid), boxed(graphql_at(base))));
        processes.push(process);
    }
    let peer_at = contenders.len();
    if let Ok(peer_url) = std::env::var("BENCH_PEER_URL") {
        let peer_pid = std::env::var("BENCH_PEER_PID")
            .ok()
            .and_then(|p| p.trim().parse().ok());
        let client = client.clone();
        let peer = move |before: chrono::DateTime<chrono::Utc>| {
            let (client, url) = (client.clone(), peer_url.clone());
            async move {
                let body: serde_json::Value = client
                    .post(&url)
                    .json(&json!({ "query": peer_query, "variables": { "org": org, "before": before } }))
                    .send()
                    .await?
                    .json()
                    .await?;
                anyhow::ensure!(body.get("errors").is_none(), "peer errors: {body}");
                Ok(body["data"]["allLeads"]["nodes"]
                    .as_array()
                    .map_or(0, Vec::len))
            }
        };
        contenders.push(("peer", peer_pid, boxed(peer)));
    }
    let half = duration / 2;
    let mut measured: Vec<Option<(Stats, u64)>> = vec![None; contenders.len()];
    for _round in 0..2 {
        for (i, (name, pid, request)) in contenders.iter().enumerate() {
            let request = request.clone();
            let request = move |before| request(before);
            let (stats, rss) = run(name, half, span, request, *pid).await?;
            measured[i] = Some(match &measured[i] {
                Some((earlier, peak)) => (earlier.merge(&stats), rss.max(*peak)),
                None => (stats, rss),
            });
        }
    }
    server.kill().await.ok();
    for mut process in processes {
        process.kill().await.ok();
    }
    let (gql_stats, rss) = measured[0].clone().expect("measured");
    let owner_stats = measured
        .get(owner_at)
        .cloned()
        .flatten()
        .filter(|_| owner_at < baseline_at);
    let baseline_stats = measured
        .get(baseline_at)
        .cloned()
        .flatten()
        .filter(|_| baseline_at < peer_at);
    let peer_stats = measured.get(peer_at).cloned().flatten();

    println!();
    println!(
        "nested query ({}), {CONCURRENCY} clients, {}s each, scale 1",
        if shape == Shape::Rich {
            "rich"
        } else {
            "simple"
        },
        duration.as_secs()
    );
    println!(
        "  raw SQL : {:>8.1} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms",
        sql_stats.rps, sql_stats.p50, sql_stats.p99
    );
    println!(
        "  GraphQL : {:>8.1} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  server CPU {:.2} ms/request",
        gql_stats.rps, gql_stats.p50, gql_stats.p99, gql_stats.cpu_ms
    );
    println!(
        "  ratio   : {:.2}x of raw SQL throughput",
        gql_stats.rps / sql_stats.rps
    );
    println!(
        "  server  : {:.1} MiB resident at peak under load",
        rss as f64 / 1024.0
    );
    if let Some((stats, rss)) = owner_stats {
        println!(
            "  as owner: {:>8.1} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  server CPU {:.2} ms/request  {:.1} MiB at peak (RLS bypassed)",
            stats.rps,
            stats.p50,
            stats.p99,
            stats.cpu_ms,
            rss as f64 / 1024.0
        );
        println!(
            "  RLS cost: {:.2}x of the owner's throughput under row-level security",
            gql_stats.rps / stats.rps
        );
    }
    if let Some((stats, rss)) = baseline_stats {
        println!(
            "  baseline: {:>8.1} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  server CPU {:.2} ms/request  {:.1} MiB at peak",
            stats.rps,
            stats.p50,
            stats.p99,
            stats.cpu_ms,
            rss as f64 / 1024.0
        );
        println!(
            "  ratio   : {:.2}x of the baseline build's throughput ({:.2}x of raw SQL for it)",
            gql_stats.rps / stats.rps,
            stats.rps / sql_stats.rps
        );
    }
    if let Some((stats, rss)) = peer_stats {
        let cpu = if stats.cpu_ms > 0.0 {
            format!(
                "  server CPU {:.2} ms/request  {:.1} MiB at peak",
                stats.cpu_ms,
                rss as f64 / 1024.0
            )
        } else {
            String::new()
        };
        println!(
            "  peer    : {:>8.1} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms{cpu}",
            stats.rps, stats.p50, stats.p99
        );
        println!(
            "  ratio   : {:.2}x of the peer's throughput ({:.2}x of raw SQL for it)",
            gql_stats.rps / stats.rps,
            stats.rps / sql_stats.rps
        );
    }
    println!("  load    : {}", support::load_average());
    Ok(())
}

/// The role the measured server serves as.
const RUNTIME_ROLE: &str = "switchboard_bench_runtime";

/// Starts `bin serve` on a free port and waits until it is ready: over
/// `urls[0]`, with `urls[1]` as the owner's (migrations, privileged path)
/// when given.
async fn spawn_server(
    bin: &str,
    urls: &[&str],
    secret: &str,
    client: &reqwest::Client,
) -> anyhow::Result<(tokio::process::Child, u32, String)> {
    let port = 18_000 + rand::rng().random_range(0..1000);
    let server = tokio::process::Command::new(bin)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            urls[0],
        ])
        .args(
            urls.get(1)
                .map(|owner| ["--migrate-database-url", owner])
                .into_iter()
                .flatten(),
        )
        .env("SWITCHBOARD_JWT_SECRET", secret)
        .env(
            "SWITCHBOARD_SECRET_KEY",
            switchboard_domain::secrets::SecretKey::generate().to_base64(),
        )
        // A benchmark is a flood from one address and token: unthrottled.
        .env("SWITCHBOARD_RATE_LIMIT_PER_IP", "0")
        .env("SWITCHBOARD_RATE_LIMIT_PER_TOKEN", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let pid = server
        .id()
        .ok_or_else(|| anyhow::anyhow!("no server pid"))?;
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(client, &base).await?;
    Ok((server, pid, base))
}

#[derive(Clone)]
struct Stats {
    rps: f64,
    p50: f64,
    p99: f64,
    /// The server's CPU time (user + system) per request, in ms (0 for raw SQL).
    cpu_ms: f64,
}

impl Stats {
    /// Two runs of equal length as one: mean throughput and CPU, the worse tails.
    fn merge(&self, other: &Stats) -> Stats {
        Stats {
            rps: (self.rps + other.rps) / 2.0,
            p50: (self.p50 + other.p50) / 2.0,
            p99: self.p99.max(other.p99),
            cpu_ms: (self.cpu_ms + other.cpu_ms) / 2.0,
        }
    }
}

/// Runs `request` from CONCURRENCY tasks for `duration`; samples the RSS of `pid`.
async fn run<F, Fut>(
    name: &str,
    duration: Duration,
    span: (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
    request: F,
    pid: Option<u32>,
) -> anyhow::Result<(Stats, u64)>
where
    F: Fn(chrono::DateTime<chrono::Utc>) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<usize>> + Send,
{
    let random_before = move || {
        let spread = (span.1 - span.0).num_seconds().max(1);
        span.0 + chrono::Duration::seconds(rand::rng().random_range(spread / 10..=spread))
    };
    for _ in 0..20 {
        request(random_before()).await?;
    }
    let deadline = Instant::now() + duration;
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let sampler = pid.map(|pid| {
        let peak = peak.clone();
        tokio::spawn(async move {
            while Instant::now() < deadline {
                peak.fetch_max(rss_kib(pid), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    });
    let started = Instant::now();
    let cpu_before = pid.map(cpu_ticks);
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let rows = request(random_before()).await?;
                anyhow::ensure!(rows > 0, "an empty page");
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_ms = match (pid, cpu_before) {
        (Some(pid), Some(before)) => {
            cpu_ticks(pid).saturating_sub(before) as f64 * TICK_MS / latencies.len().max(1) as f64
        }
        _ => 0.0,
    };
    if let Some(sampler) = sampler {
        sampler.await?;
    }
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize];
    eprintln!("{name}: {} requests", latencies.len());
    Ok((
        Stats {
            rps: latencies.len() as f64 / elapsed,
            p50: at(0.50),
            p99: at(0.99),
            cpu_ms,
        },
        peak.load(std::sync::atomic::Ordering::Relaxed),
    ))
}

/// The baseline: the rows `shape` asks for, one hand-written statement per
/// level.
async fn raw_sql(
    pool: &sqlx::PgPool,
    org: uuid::Uuid,
    before: chrono::DateTime<chrono::Utc>,
    shape: Shape,
) -> anyhow::Result<usize> {
    let (lead_columns, call_columns, order) = match shape {
        Shape::Rich => (
            "id, first_name, last_name, phone_number, status, lead_score",
            "id, lead_id, agent_id, status, outcome, duration_seconds, created_at",
            "DESC",
        ),
        Shape::Simple => (
            "id, first_name, phone_number",
            "id, lead_id, status, duration_seconds",
            "ASC",
        ),
    };
    let leads = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {lead_columns} FROM leads WHERE organization_id = $1 AND deleted_at IS NULL AND created_at < $2 ORDER BY created_at DESC, id DESC LIMIT 50")))
        .bind(org)
        .bind(before)
        .fetch_all(pool)
        .await?;
    let lead_ids: Vec<uuid::Uuid> = leads.iter().map(|r| r.get("id")).collect();
    let calls = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {call_columns} FROM (SELECT c.*, ROW_NUMBER() OVER (PARTITION BY lead_id ORDER BY created_at {order}, id {order}) AS n FROM calls c WHERE organization_id = $1 AND lead_id = ANY($2)) t WHERE n <= 5")))
        .bind(org)
        .bind(&lead_ids)
        .fetch_all(pool)
        .await?;
    let call_ids: Vec<uuid::Uuid> = calls.iter().map(|r| r.get("id")).collect();
    let transcripts = sqlx::query(
        "SELECT call_id, content FROM transcripts WHERE organization_id = $1 AND call_id = ANY($2)",
    )
    .bind(org)
    .bind(&call_ids)
    .fetch_all(pool)
    .await?;
    let mut decoded: usize = transcripts
        .iter()
        .map(|r| r.get::<String, _>("content").len())
        .sum::<usize>()
        + calls.len();
    if shape == Shape::Rich {
        let agent_ids: Vec<uuid::Uuid> = calls
            .iter()
            .filter_map(|r| r.get::<Option<uuid::Uuid>, _>("agent_id"))
            .collect();
        let analyses = sqlx::query("SELECT call_id, total_score, intent_score FROM lead_analytics WHERE organization_id = $1 AND call_id = ANY($2)").bind(org).bind(&call_ids).fetch_all(pool).await?;
        let agents =
            sqlx::query("SELECT id, name FROM agents WHERE organization_id = $1 AND id = ANY($2)")
                .bind(org)
                .bind(&agent_ids)
                .fetch_all(pool)
                .await?;
        decoded += analyses.len() + agents.len();
    }
    std::hint::black_box(decoded);
    Ok(leads.len())
}

async fn lead_time_span(
    url: &str,
    org: uuid::Uuid,
) -> anyhow::Result<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
    let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
    let row = sqlx::query(
        "SELECT MIN(created_at) AS lo, MAX(created_at) AS hi FROM leads WHERE organization_id = $1",
    )
    .bind(org)
    .fetch_one(&pool)
    .await?;
    Ok((row.get("lo"), row.get("hi")))
}
