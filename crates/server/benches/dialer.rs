//! Benchmark: the dialer (issue 15) placing 10,000 due calls against a fake
//! provider with a fixed delay (default 100 ms, about a voice platform's
//! create-call), with one dispatcher and (on PostgreSQL) two over one
//! database, each as a ratio against the fake provider's own
//! capacity measured in the same run, with the machine's load.
//!
//! - Capacity: what the fake provider answers a second to as many clients,
//!   each asking in turn, as the dispatchers may have requests going
//!   (`DIALS_IN_FLIGHT` an instance).
//! - Throughput: calls placed a second, from the moment all are due until
//!   the last is `queued` with the provider's id. Ratio 1.0 means the
//!   dispatchers add nothing to the provider's own time.
//! - Dial latency: from the due time to the request's arrival at the
//!   provider (p50, p99), against the same calls placed back to back at the
//!   provider's capacity (call `i` at `i / capacity`).
//!
//! The calls end as they are placed (a task marks them completed, as the
//! webhooks would), so the organization's concurrency never holds them.
//!
//! ```sh
//! cargo bench -p switchboard-server --bench dialer
//! BENCH_DIAL_CALLS=2000 BENCH_PROVIDER_DELAY_MS=10 cargo bench -p switchboard-server --bench dialer
//! ```
//! SQLite (a fresh file under `target/tmp`; `BENCH_SQLITE=off` skips it)
//! always; PostgreSQL when `BENCH_DATABASE_URL` or
//! `SWITCHBOARD_TEST_POSTGRES_URL` is set (the database
//! `switchboard_bench_dialer` on that server, emptied of its calls first).

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{ensure_database, load_average};

use chrono::{Timelike, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter,
};
use switchboard_app::App;
use switchboard_app::actor::Viewer;
use switchboard_app::calls::dial::{OutboundCall, schedule_outbound_call};
use switchboard_app::dialer::credentials::{AccountChanges, set_provider_account};
use switchboard_app::dialer::dispatch::{DIALS_IN_FLIGHT, dispatch_due};
use switchboard_app::events::EventBus;
use switchboard_app::identity::Client;
use switchboard_app::settings::{SettingsChanges, update_settings};
use switchboard_entity::enums::{
    AgentProvider, AgentType, CallStatus, CallType, MemberRole, MembershipStatus, TelephonyProvider,
};
use switchboard_entity::{
    agents, calls, leads, organization_memberships, organizations, phone_numbers, users,
};
use switchboard_server::app::HttpConfig;
use switchboard_server::voice::HttpVoice;
use uuid::Uuid;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The fake provider: answers Vapi's create-call after `delay`, recording
/// when each request arrived.
async fn fake_provider(delay: Duration) -> (String, Arc<Mutex<Vec<Instant>>>) {
    let arrivals: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let seen = arrivals.clone();
    // Ids no earlier run gave: they are unique per provider in the database.
    let run = Uuid::now_v7().simple().to_string();
    let router = axum::Router::new().fallback(move || {
        let (seen, run) = (seen.clone(), run.clone());
        async move {
            let n = {
                let mut seen = seen.lock().expect("lock");
                seen.push(Instant::now());
                seen.len()
            };
            tokio::time::sleep(delay).await;
            axum::Json(serde_json::json!({ "id": format!("vapi-{run}-{n}"), "status": "queued" }))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{address}"), arrivals)
}

/// Requests a second `clients` clients, each asking sequentially, get from
/// the fake provider.
async fn capacity(base: &str, requests: usize, clients: usize) -> f64 {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let each = requests.div_ceil(clients);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, url) = (client.clone(), format!("{base}/call"));
        tasks.push(tokio::spawn(async move {
            for _ in 0..each {
                client
                    .post(&url)
                    .json(&serde_json::json!({ "customer": { "number": "+14155550100" } }))
                    .send()
                    .await
                    .expect("the fake answers");
            }
        }));
    }
    for task in tasks {
        task.await.expect("a client");
    }
    (each * clients) as f64 / started.elapsed().as_secs_f64()
}

/// A zone where it is about noon now, so calling hours never hold a call.
fn noon_zone() -> String {
    let east = 12 - i64::from(Utc::now().hour());
    match east.cmp(&0) {
        std::cmp::Ordering::Equal => "Etc/GMT".to_owned(),
        std::cmp::Ordering::Greater => format!("Etc/GMT-{east}"),
        std::cmp::Ordering::Less => format!("Etc/GMT+{}", -east),
    }
}

/// An organization with a Vapi account at `base`, an agent, a number and
/// `n` calls due now to leads about noon where they are.
async fn organization(app: &App, db: &DatabaseConnection, base: &str, n: u64) -> Uuid {
    let now = Utc::now();
    let org = Uuid::now_v7();
    let slug = format!("bench-dialer-{}", org.simple());
    organizations::ActiveModel {
        id: Set(org),
        name: Set("Dialer bench".into()),
        slug: Set(slug.clone()),
        timezone: Set("America/New_York".into()),
        default_region: Set("US".into()),
        credit_balance: Set(1_000_000_000),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("organization");
    let owner = Uuid::now_v7();
    users::ActiveModel {
        id: Set(owner),
        email: Set(format!("owner@{slug}.example")),
        name: Set("Owner".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("user");
    organization_memberships::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        user_id: Set(owner),
        role: Set(MemberRole::Owner),
        status: Set(MembershipStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("membership");
    let viewer = Viewer {
        user_id: owner,
        organization_id: org,
        role: MemberRole::Owner,
        timezone: chrono_tz::America::New_York,
    };
    let tenant = app.for_tenant(switchboard_app::db::Tenant::organization(org));
    let account = AccountChanges {
        api_key: Some("bench-key".into()),
        base_url: Some(base.to_owned()),
        phone_number_id: Some("pn-bench".into()),
        ..AccountChanges::default()
    };
    set_provider_account(
        &tenant,
        viewer,
        &Client::default(),
        TelephonyProvider::Vapi,
        account,
    )
    .await
    .expect("an account");
    let room = SettingsChanges {
        dialer_concurrency: Some(1_000),
        ..SettingsChanges::default()
    };
    update_settings(&tenant, viewer, &Client::default(), room)
        .await
        .expect("room");
    let agent = agents::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        provider: Set(AgentProvider::Vapi),
        external_agent_id: Set("asst-bench".into()),
        name: Set("Ava".into()),
        agent_type: Set(AgentType::Call),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("agent")
    .id;
    phone_numbers::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        name: Set("Out".into()),
        phone_number: Set(format!("+1415{:07}", org.as_u128() % 10_000_000)),
        provider: Set(TelephonyProvider::Vapi),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("number");
    let zone = noon_zone();
    let lead_ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
    for (chunk_at, chunk) in lead_ids.chunks(500).enumerate() {
        let rows = chunk.iter().enumerate().map(|(i, id)| leads::ActiveModel {
            id: Set(*id),
            organization_id: Set(org),
            phone_number: Set(format!("+1212{:07}", chunk_at * 500 + i)),
            timezone: Set(Some(zone.clone())),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        leads::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await
            .expect("leads");
    }
    // One call through the use case; the rest are its copies.
    let first = schedule_outbound_call(
        &tenant,
        viewer.into(),
        OutboundCall {
            lead_id: lead_ids[0],
            agent_id: Some(agent),
            campaign_id: None,
            scheduled_at: now,
            purpose: None,
            call_type: CallType::OutboundLead,
        },
    )
    .await
    .expect("a call");
    let copies: Vec<calls::ActiveModel> = lead_ids[1..]
        .iter()
        .enumerate()
        .map(|(i, lead)| {
            let mut row = first.clone().into_active_model();
            row.id = Set(Uuid::now_v7());
            row.lead_id = Set(Some(*lead));
            row.phone_number = Set(Some(format!("+1212{:07}", i + 1)));
            row.reset_all()
        })
        .collect();
    for chunk in copies.chunks(200) {
        calls::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .expect("calls");
    }
    org
}

/// Marks placed calls completed every 100 ms, as the webhooks would.
fn finisher(db: DatabaseConnection, org: Uuid) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let _ = calls::Entity::update_many()
                .col_expr(
                    calls::Column::Status,
                    sea_orm::sea_query::Expr::val(CallStatus::Completed.as_str()),
                )
                .filter(calls::Column::OrganizationId.eq(org))
                .filter(calls::Column::Status.eq(CallStatus::Queued))
                .filter(calls::Column::ProviderCallId.is_not_null())
                .exec(&db)
                .await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}

/// A dispatcher of its own, as another instance's is.
fn instance(db: &DatabaseConnection, backend: DbBackend) -> App {
    let voice = HttpVoice::new(Duration::from_secs(10), None).expect("a client");
    App::new(
        db.clone(),
        EventBus::new(backend),
        HttpConfig::default().schema.secret_key.clone(),
    )
    .with_privileged(db.clone())
    .with_voice(Arc::new(voice))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

/// Places `n` due calls with `instances` dispatchers and reports.
async fn measure(label: &str, db: &DatabaseConnection, n: u64, instances: usize, delay: Duration) {
    let (base, arrivals) = fake_provider(delay).await;
    // What the dispatchers may ask at once: each has DIALS_IN_FLIGHT
    // requests going.
    let clients = DIALS_IN_FLIGHT * instances;
    let cap = capacity(&base, clients * 20, clients).await;
    arrivals.lock().expect("lock").clear();
    let backend = db.get_database_backend();
    let setup = instance(db, backend);
    let org = organization(&setup, db, &base, n).await;
    let done = finisher(db.clone(), org);
    let due = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..instances {
        let app = instance(db, backend);
        let db = db.clone();
        workers.push(tokio::spawn(async move {
            // Until nothing is left to place (a round that fails, say on a
            // busy SQLite file, is simply run again, as `serve` would).
            loop {
                let _ = dispatch_due(&app, Utc::now(), 100).await;
                let left = calls::Entity::find()
                    .filter(calls::Column::OrganizationId.eq(org))
                    .filter(calls::Column::Status.eq(CallStatus::Scheduled))
                    .count(&db)
                    .await
                    .expect("count");
                if left == 0 {
                    break;
                }
            }
        }));
    }
    for worker in workers {
        worker.await.expect("a dispatcher");
    }
    let elapsed = due.elapsed();
    done.abort();
    let left = calls::Entity::find()
        .filter(calls::Column::OrganizationId.eq(org))
        .filter(calls::Column::Status.eq(CallStatus::Scheduled))
        .count(db)
        .await
        .expect("count");
    let times = arrivals.lock().expect("lock").clone();
    assert_eq!(left, 0, "every call placed");
    let unrecorded = calls::Entity::find()
        .filter(calls::Column::OrganizationId.eq(org))
        .filter(calls::Column::ProviderCallId.is_null())
        .count(db)
        .await
        .expect("count");
    assert_eq!(unrecorded, 0, "every answer recorded");
    assert_eq!(times.len() as u64, n, "each call dialed once");
    let throughput = n as f64 / elapsed.as_secs_f64();
    let mut latency: Vec<f64> = times
        .iter()
        .map(|t| t.duration_since(due).as_secs_f64())
        .collect();
    latency.sort_by(f64::total_cmp);
    let ideal: Vec<f64> = (0..n).map(|i| i as f64 / cap).collect();
    let (p50, p99) = (percentile(&latency, 0.5), percentile(&latency, 0.99));
    let (i50, i99) = (percentile(&ideal, 0.5), percentile(&ideal, 0.99));
    println!(
        "{label}, {instances} instance(s), {n} calls, provider delay {} ms:\n  \
         provider capacity {cap:.0}/s ({clients} clients asking in turn, as the dispatchers may)\n  \
         throughput {throughput:.0}/s = {:.2}x capacity ({:.1} s)\n  \
         dial latency p50 {p50:.2} s, p99 {p99:.2} s = {:.2}x, {:.2}x the provider's own (p50 {i50:.2} s, p99 {i99:.2} s)\n  \
         machine load after: {}",
        delay.as_millis(),
        throughput / cap,
        elapsed.as_secs_f64(),
        p50 / i50.max(1e-9),
        p99 / i99.max(1e-9),
        load_average(),
    );
}

async fn connect(url: &str) -> DatabaseConnection {
    let db = switchboard_server::db::connect(url)
        .await
        .expect("connects");
    switchboard_server::db::migrate(&db)
        .await
        .expect("migrates");
    db
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n = env_or("BENCH_DIAL_CALLS", 10_000).max(10);
    let delay = Duration::from_millis(env_or("BENCH_PROVIDER_DELAY_MS", 100));
    println!("dialer: machine load at start: {}", load_average());
    if std::env::var("BENCH_SQLITE").is_ok_and(|v| v == "off") {
        println!("SQLite skipped (BENCH_SQLITE=off)");
    } else {
        let path = format!(
            "{}/switchboard_bench_dialer.db",
            env!("CARGO_TARGET_TMPDIR")
        );
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
        let db = connect(&format!("sqlite://{path}?mode=rwc")).await;
        // One instance: SQLite serves one machine.
        measure("SQLite", &db, n, 1, delay).await;
    }
    let postgres = match (
        std::env::var("BENCH_DATABASE_URL"),
        std::env::var("SWITCHBOARD_TEST_POSTGRES_URL"),
    ) {
        (Ok(url), _) => Some((
            std::env::var("BENCH_ADMIN_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
            url,
        )),
        (_, Ok(maintenance)) => {
            let server = maintenance
                .rsplit_once('/')
                .map_or(maintenance.as_str(), |(server, _)| server);
            Some((
                maintenance.clone(),
                format!("{server}/switchboard_bench_dialer"),
            ))
        }
        _ => None,
    };
    match postgres {
        Some((admin, url)) => {
            ensure_database(&admin, &url).await?;
            let db = connect(&url).await;
            // Earlier runs' calls would be due too.
            db.execute_unprepared("DELETE FROM calls WHERE status = 'scheduled'")
                .await?;
            measure("PostgreSQL", &db, n, 1, delay).await;
            measure("PostgreSQL", &db, n, 2, delay).await;
        }
        None => {
            println!("PostgreSQL skipped (set BENCH_DATABASE_URL or SWITCHBOARD_TEST_POSTGRES_URL)")
        }
    }
    Ok(())
}
