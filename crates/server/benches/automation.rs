//! Benchmark: what CRM automation costs, as ratios against the same work
//! without it, measured in the same run (PostgreSQL), with the machine's load.
//!
//! 1. The sequence runner at `BENCH_ENROLLMENTS` (default 100,000) due
//!    enrolments (one organization, 3 SMS steps, development messaging):
//!    steps per second through `run_due` rounds of 200, as `serve` runs them,
//!    against a step's bare database work in raw SQL (one transaction: claim
//!    the next due enrolment `FOR UPDATE SKIP LOCKED`, write its
//!    `lead_messages` row, advance it); `BENCH_STEPS` (default 5,000) each in
//!    alternating blocks, with the statements a step runs and the cost of a
//!    round's look-up of due organizations alone.
//! 2. `importLeads` of `BENCH_IMPORT_ROWS` (default 1,000) new leads with
//!    automation (round robin over 4 agents, scoring weights, a sequence
//!    whose trigger enrols them) against an organization without (no rule,
//!    no trigger), `BENCH_REPEAT` (default 5) alternating rounds; and the
//!    statements an import runs at 10, 100 and 1,000 rows, naming those that
//!    grow with the rows and where the database time goes.
//!
//! ```sh
//! BENCH_ENROLLMENTS=100000 cargo bench -p switchboard-server --bench automation
//! ```
//! `BENCH_DATABASE_URL` (default `…/switchboard_bench_automation`) is created
//! on first use; the runner's enrolments once per `BENCH_ENROLLMENTS` (reset
//! to due at every run), the import organizations afresh at every run.

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{ensure_database, load_average};

use chrono::{Timelike, Utc};
use sea_orm::sqlx::{self, PgPool, Row, postgres::PgPoolOptions};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use switchboard_app::actor::Viewer;
use switchboard_app::events::EventBus;
use switchboard_app::identity::Client;
use switchboard_app::leads::bulk::{RowOutcome, import_leads};
use switchboard_app::leads::runner::{Round, run_due};
use switchboard_app::leads::sequences::{NewSequence, create_sequence};
use switchboard_app::leads::write::NewLead;
use switchboard_app::leads::{assign, scoring};
use switchboard_app::query::filter::{LeadFilter, OneOf};
use switchboard_app::{App, AppError};
use switchboard_domain::assignment::AssignmentRule;
use switchboard_domain::secrets::SecretKey;
use switchboard_domain::sequences::{Channel, StepInput};
use switchboard_entity::enums::{AssignmentStrategy, LeadStatus, MemberRole};
use switchboard_entity::organizations;
use uuid::Uuid;

/// Steps a runner round takes in an organization (`serve`'s).
const BATCH: u64 = 200;
/// Blocks each side of the runner comparison is cut into, alternating.
const BLOCKS: usize = 5;
const AREA_CODES: [u32; 10] = [212, 305, 312, 415, 512, 617, 702, 206, 404, 303];
const AGENTS: usize = 4;
const IMPORT_SOURCE: &str = "bench-import";
/// Every step's SMS; the runner fills in the name, the baseline writes it as is.
const TEXT: &str = "Hi {{firstName}}, it's Switchboard: reply to this message to talk to us.";

/// Statements' SQL and time.
type Log = Vec<(String, Duration)>;

/// Every statement the application runs, and their SQL and time while `logging`.
#[derive(Default)]
struct Statements {
    count: AtomicUsize,
    logging: AtomicBool,
    log: Mutex<Log>,
}

impl Statements {
    fn start(&self, logging: bool) -> usize {
        if let Ok(mut log) = self.log.lock() {
            log.clear();
        }
        self.logging.store(logging, Ordering::SeqCst);
        self.count.load(Ordering::SeqCst)
    }

    fn since(&self, from: usize) -> usize {
        self.count.load(Ordering::SeqCst) - from
    }

    fn taken(&self) -> Log {
        self.logging.store(false, Ordering::SeqCst);
        self.log
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default()
    }
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn app_err(err: AppError) -> anyhow::Error {
    anyhow::anyhow!(err.message())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let enrollments = env_or("BENCH_ENROLLMENTS", 100_000).max(1);
    let steps = env_or("BENCH_STEPS", 5_000)
        .min(enrollments / 2)
        .max(BLOCKS);
    let rows = env_or("BENCH_IMPORT_ROWS", 1_000).clamp(1, 5_000);
    let repeat = env_or("BENCH_REPEAT", 5).max(1);
    let admin = std::env::var("BENCH_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let url = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
        "postgres://postgres@127.0.0.1:5432/switchboard_bench_automation".into()
    });
    println!(
        "automation (PostgreSQL); machine load at start: {}",
        load_average()
    );
    ensure_database(&admin, &url).await?;
    let mut db = switchboard_server::db::connect(&url).await?;
    switchboard_server::db::migrate(&db).await?;
    let statements = Arc::new(Statements::default());
    let counted = statements.clone();
    db.set_metric_callback(move |info| {
        counted.count.fetch_add(1, Ordering::SeqCst);
        if counted.logging.load(Ordering::SeqCst)
            && let Ok(mut log) = counted.log.lock()
        {
            log.push((info.statement.sql.clone(), info.elapsed));
        }
    });
    let app = App::new(
        db,
        EventBus::new(sea_orm::DbBackend::Postgres),
        Arc::new(SecretKey::generate()),
    );
    // The baseline's connection: one, as the runner works one step at a time.
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await?;
    runner(&app, &pool, &statements, enrollments, steps).await?;
    imports(&app, &pool, &statements, rows, repeat).await?;
    println!("machine load at end: {}", load_average());
    Ok(())
}

/// An organization with its owner and `agents` active agents.
async fn organization(pool: &PgPool, slug: &str, agents: usize) -> anyhow::Result<Viewer> {
    let id = Uuid::now_v7();
    let users: Vec<Uuid> = (0..=agents).map(|_| Uuid::now_v7()).collect();
    let roles: Vec<&str> = (0..=agents)
        .map(|i| if i == 0 { "owner" } else { "agent" })
        .collect();
    // One statement: the foreign keys are checked at its end.
    sqlx::query(
        "WITH o AS (INSERT INTO organizations (id, name, slug) VALUES ($1, 'Benchmark ' || $2, $2)),
              u AS (INSERT INTO users (id, email, name, email_verified)
                    SELECT id, role || n || '@' || $2 || '.example', 'Bench ' || role || n, true
                    FROM unnest($3::uuid[], $4::text[]) WITH ORDINALITY AS t(id, role, n))
         INSERT INTO organization_memberships (id, organization_id, user_id, role)
         SELECT gen_random_uuid(), $1, id, role FROM unnest($3::uuid[], $4::text[]) AS t(id, role)",
    )
    .bind(id)
    .bind(slug)
    .bind(&users)
    .bind(&roles)
    .execute(pool)
    .await?;
    Ok(Viewer {
        user_id: users[0],
        organization_id: id,
        role: MemberRole::Owner,
        timezone: chrono_tz::Tz::UTC,
    })
}

/// `count` SMS steps: the first `first_days` after enrolment, the others `days` apart.
fn sms_steps(count: usize, first_days: i64, days: i64) -> Vec<StepInput> {
    (0..count)
        .map(|i| StepInput {
            channel: Channel::Sms,
            delay_minutes: None,
            delay_days: Some(if i == 0 { first_days } else { days }),
            template_id: None,
            conditions: None,
            message: Some(TEXT.to_owned()),
            subject: None,
        })
        .collect()
}

/// A well-formed North American number for index `i` (as the seed's).
fn phone(i: usize) -> String {
    let area = AREA_CODES[i % AREA_CODES.len()];
    let line = 2_000_000 + (i / AREA_CODES.len()) % 8_000_000;
    format!("+1{area}{line:07}")
}

/// A time zone where it is early afternoon now, so no SMS step waits for
/// the calling hours (08:00–21:00 local).
fn afternoon_zone() -> String {
    let offset = 14 - i64::from(Utc::now().hour());
    match offset {
        0 => "Etc/UTC".to_owned(),
        // `Etc/GMT-3` is three hours ahead of UTC.
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

async fn runner(
    app: &App,
    pool: &PgPool,
    statements: &Statements,
    n: usize,
    steps: usize,
) -> anyhow::Result<()> {
    let slug = format!("bench-automation-runner-{n}");
    let found = organizations::Entity::find()
        .filter(organizations::Column::Slug.eq(slug.as_str()))
        .one(&app.db)
        .await?;
    let org = match found {
        Some(org) => org.id,
        None => {
            eprintln!("creating {n} leads and enrolments (once) …");
            let started = Instant::now();
            let viewer = organization(pool, &slug, 0).await?;
            let input = NewSequence {
                name: "Runner bench".into(),
                description: None,
                steps: sms_steps(3, 0, 1),
                trigger: None,
            };
            let sequence = create_sequence(app, viewer, input).await.map_err(app_err)?;
            let org = viewer.organization_id;
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO leads (id, organization_id, first_name, last_name, phone_number, status, source, created_at, updated_at)
                 SELECT gen_random_uuid(), $1, 'Runner', 'Lead ' || g,
                        '+1' || ($3::int[])[1 + g % 10] || (2000000 + (g / 10) % 8000000)::text,
                        'new', 'bench-runner', now(), now()
                 FROM generate_series(0, $2 - 1) AS g",
            )
            .bind(org)
            .bind(n as i64)
            .bind(AREA_CODES.iter().map(|a| *a as i32).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await?;
            // Each due at its own instant over the two hours before now, as
            // enrolments made over time are; `enrolled_at` keeps it for resets.
            sqlx::query(
                "INSERT INTO lead_sequence_enrollments (id, organization_id, lead_id, sequence_id, status,
                        current_step, next_step_at, executed_steps, enrolled_at, created_at, updated_at)
                 SELECT gen_random_uuid(), $1, l.id, $2, 'active', 0, l.at, '[]', l.at, l.at, l.at
                 FROM (SELECT id, now() - interval '2 hours'
                              + row_number() OVER (ORDER BY id) * interval '1 millisecond' AS at
                       FROM leads WHERE organization_id = $1) AS l",
            )
            .bind(org)
            .bind(sequence.id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            eprintln!("  done in {:.0}s", started.elapsed().as_secs_f64());
            org
        }
    };

    // Every run starts alike: every enrolment due at its first step, in
    // the afternoon of its lead; no other organization's step is due.
    let zone = afternoon_zone();
    sqlx::query("UPDATE organizations SET timezone = $2 WHERE id = $1")
        .bind(org)
        .bind(&zone)
        .execute(pool)
        .await?;
    let run = |sql: &'static str| sqlx::query(sql).bind(org).execute(pool);
    run("UPDATE lead_sequence_enrollments SET status = 'paused', paused_at = now()
         WHERE organization_id <> $1 AND status = 'active' AND next_step_at <= now() + interval '1 day'")
    .await?;
    let reset = run(
        "UPDATE lead_sequence_enrollments SET status = 'active', current_step = 0, next_step_at = enrolled_at,
                executed_steps = '[]', paused_at = NULL, completed_at = NULL, cancelled_reason = NULL,
                updated_at = enrolled_at
         WHERE organization_id = $1
           AND (status <> 'active' OR current_step <> 0 OR next_step_at IS DISTINCT FROM enrolled_at)",
    )
    .await?
    .rows_affected();
    run("DELETE FROM lead_messages WHERE organization_id = $1").await?;
    sqlx::query("VACUUM ANALYZE leads, lead_sequence_enrollments, lead_messages")
        .execute(pool)
        .await?;
    let due: i64 = sqlx::query(
        "SELECT count(*) AS n FROM lead_sequence_enrollments
         WHERE organization_id = $1 AND status = 'active' AND next_step_at <= now()",
    )
    .bind(org)
    .fetch_one(pool)
    .await?
    .get("n");
    eprintln!("runner: {due} enrolments due ({reset} reset), leads' local zone {zone}");

    // A round's look-up of the organizations with due steps, on its own.
    let mut lookups = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        run_due(app, Utc::now(), 0).await.map_err(app_err)?;
        lookups.push(started.elapsed());
    }
    lookups.sort();

    let block = steps / BLOCKS;
    let (mut ours, mut bare) = (Vec::new(), Vec::new());
    let (mut executed, mut others) = (0, Vec::<Round>::new());
    let mut our_statements = 0;
    let mut per_step = String::new();
    for b in 0..BLOCKS {
        // Turns alternate which side goes first.
        if b % 2 == 1 {
            bare.push(bare_block(pool, org, block).await?);
        }
        // The first block's statements are kept, to say what a step runs.
        let from = statements.start(b == 0);
        let started = Instant::now();
        let mut done = 0;
        while done < block {
            let batch = BATCH.min((block - done) as u64);
            let round = run_due(app, Utc::now(), batch).await.map_err(app_err)?;
            let moved = round.executed + round.skipped + round.postponed;
            let ended = round.cancelled + round.failed;
            executed += round.executed;
            if round.executed != moved + ended {
                others.push(round);
            }
            if moved + ended == 0 {
                anyhow::bail!("the runner found no due step after {done} of {block}");
            }
            done += moved + ended;
        }
        ours.push(block as f64 / started.elapsed().as_secs_f64());
        our_statements += statements.since(from);
        if b == 0 {
            let kinds = kinds(&statements.taken());
            per_step = kinds
                .iter()
                .map(|(k, (n, _))| format!("{k} {:.2}", *n as f64 / block as f64))
                .collect::<Vec<_>>()
                .join(", ");
        }
        if b % 2 == 0 {
            bare.push(bare_block(pool, org, block).await?);
        }
    }
    let (ours, bare) = (median(&mut ours), median(&mut bare));
    println!(
        "runner at {due} due enrolments (3 SMS steps, development messaging), {} steps each side in {BLOCKS} alternating blocks:",
        block * BLOCKS
    );
    println!(
        "  {:<40}{ours:>6.0} steps/s  ({:.1} statements a step; {executed} sent)",
        format!("run_due rounds of {BATCH}:"),
        our_statements as f64 / (block * BLOCKS) as f64,
    );
    println!(
        "  {:<40}{bare:>6.0} steps/s  (3 statements a step, one transaction each)",
        "bare SQL (claim, message row, advance):"
    );
    println!(
        "  → the runner does {:.2}× the bare work's throughput ({:.1}× slower); a round's look-up of due organizations alone: median {:.1} ms",
        ours / bare,
        bare / ours,
        lookups[lookups.len() / 2].as_secs_f64() * 1e3
    );
    println!("  a step's statements (the first block's, per step): {per_step}");
    if !others.is_empty() {
        println!("  NOTE: not every step was a sent SMS, not like for like: {others:?}");
    }
    Ok(())
}

/// `n` bare steps; returns steps per second.
async fn bare_block(pool: &PgPool, org: Uuid, n: usize) -> anyhow::Result<f64> {
    let started = Instant::now();
    for _ in 0..n {
        bare_step(pool, org).await?;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// One step's bare database work: claim the next due enrolment, record
/// the message to its lead's number, advance the enrolment, commit.
async fn bare_step(pool: &PgPool, org: Uuid) -> anyhow::Result<()> {
    let now = Utc::now();
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "SELECT id, lead_id, current_step FROM lead_sequence_enrollments
         WHERE organization_id = $1 AND status = 'active' AND next_step_at <= $2
         ORDER BY next_step_at, id LIMIT 1 FOR UPDATE SKIP LOCKED",
    )
    .bind(org)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| anyhow::anyhow!("the baseline found no due step"))?;
    let (id, lead): (Uuid, Uuid) = (row.get("id"), row.get("lead_id"));
    let step: i32 = row.get("current_step");
    let message = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO lead_messages (id, organization_id, lead_id, enrollment_id, channel, direction,
                counterpart, body, provider, status, created_at)
         SELECT $1, $2, id, $4, 'sms', 'outbound', phone_number, $5, 'development', 'sent', $6
         FROM leads WHERE id = $3",
    )
    .bind(message)
    .bind(org)
    .bind(lead)
    .bind(id)
    .bind(TEXT)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let entry = json!([{
        "step": step + 1, "channel": "sms", "at": now, "templateId": null,
        "sent": "development", "messageId": message, "providerMessageId": null,
    }]);
    sqlx::query(
        "UPDATE lead_sequence_enrollments SET current_step = $2, next_step_at = $3,
                executed_steps = executed_steps || ($4::text)::jsonb, updated_at = $5
         WHERE id = $1",
    )
    .bind(id)
    .bind(step + 1)
    .bind(now + chrono::Duration::days(1))
    .bind(entry.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// An import organization and the index of its next new phone number.
struct Importer {
    viewer: Viewer,
    next: usize,
}

/// A fresh organization for imports, with automation or without.
async fn importer(app: &App, pool: &PgPool, automated: bool) -> anyhow::Result<Importer> {
    let which = if automated { "on" } else { "off" };
    let tag = &Uuid::new_v4().simple().to_string()[..8];
    let viewer = organization(pool, &format!("bench-automation-{which}-{tag}"), AGENTS).await?;
    let client = Client::new(None, Some("automation bench".into()));
    // Three SMS steps 30 days apart: nothing an import enrols is due during
    // the run (the runner's figures stay its organization's).
    let mut sequence = NewSequence {
        name: "Imported leads".into(),
        description: None,
        steps: sms_steps(3, 30, 30),
        trigger: None,
    };
    if automated {
        let rule = AssignmentRule {
            strategy: AssignmentStrategy::RoundRobin,
            member_ids: Vec::new(),
        };
        let changes = assign::SettingsChanges {
            rule: Some(Some(rule)),
            ..Default::default()
        };
        assign::update_settings(app, viewer, &client, changes)
            .await
            .map_err(app_err)?;
        scoring::update_weights(app, viewer, &client, 50, 30, 20)
            .await
            .map_err(app_err)?;
        sequence.trigger = Some(LeadFilter {
            status: Some(OneOf {
                any_of: Some(vec![LeadStatus::New]),
                none_of: None,
            }),
            source: Some(OneOf {
                any_of: Some(vec![IMPORT_SOURCE.to_owned()]),
                none_of: None,
            }),
            ..Default::default()
        });
    }
    create_sequence(app, viewer, sequence)
        .await
        .map_err(app_err)?;
    Ok(Importer { viewer, next: 0 })
}

/// Imports `n` new leads; returns their ids and how long it took.
async fn import(app: &App, to: &mut Importer, n: usize) -> anyhow::Result<(Vec<Uuid>, Duration)> {
    let input: Vec<NewLead> = (to.next..to.next + n)
        .map(|i| NewLead {
            first_name: Some("Imported".into()),
            last_name: Some(format!("Lead {i}")),
            phone_number: phone(i),
            email: Some(format!("lead{i}@import.example")),
            source: Some(IMPORT_SOURCE.into()),
            tags: vec!["bench".into()],
            ..Default::default()
        })
        .collect();
    to.next += n;
    let client = Client::new(None, Some("automation bench".into()));
    let started = Instant::now();
    let outcomes = import_leads(app, to.viewer, &client, input, true)
        .await
        .map_err(app_err)?;
    let elapsed = started.elapsed();
    let ids = outcomes.into_iter().map(|outcome| match outcome {
        RowOutcome::Created(id) => Ok(id),
        other => Err(anyhow::anyhow!(
            "an imported row was not created: {other:?}"
        )),
    });
    Ok((ids.collect::<anyhow::Result<_>>()?, elapsed))
}

/// What kind of statement `sql` is: its verb and first table (or the
/// function a bare `SELECT f(…)` calls).
fn kind(sql: &str) -> String {
    let words: Vec<&str> = sql.split_whitespace().collect();
    let verb = words.first().map(|w| w.to_uppercase()).unwrap_or_default();
    let key = match verb.as_str() {
        // `set_config(…)`, `pg_notify(…)`, … (sea-orm writes its own upper case)
        _ if words.get(1).is_some_and(|w| {
            w.contains('(') && w.starts_with(|c: char| c.is_ascii_lowercase())
        }) =>
        {
            "SELECT"
        }
        "INSERT" => "INTO",
        "DELETE" | "SELECT" => "FROM",
        other => other,
    };
    let position = words.iter().position(|w| w.eq_ignore_ascii_case(key));
    match position.and_then(|i| words.get(i + 1)) {
        Some(name) => format!(
            "{verb} {}",
            name.split('(').next().unwrap_or(name).trim_matches('"')
        ),
        None => sql.chars().take(40).collect(),
    }
}

/// How many statements of each kind `log` holds, and their time.
fn kinds(log: &[(String, Duration)]) -> BTreeMap<String, (usize, Duration)> {
    let mut counts = BTreeMap::new();
    for (sql, took) in log {
        let entry = counts.entry(kind(sql)).or_insert((0, Duration::ZERO));
        *entry = (entry.0 + 1, entry.1 + *took);
    }
    counts
}

async fn imports(
    app: &App,
    pool: &PgPool,
    statements: &Statements,
    rows: usize,
    repeat: usize,
) -> anyhow::Result<()> {
    let mut on = importer(app, pool, true).await?;
    let mut off = importer(app, pool, false).await?;

    // A warm-up each, then statements per import by size (each side, each
    // size, one import), then the timed rounds, alternating.
    import(app, &mut off, rows).await?;
    import(app, &mut on, rows).await?;
    let mut sizes = vec![10, 100, 1_000, rows];
    sizes.sort_unstable();
    sizes.dedup();
    let mut counts: Vec<Vec<(usize, Log)>> = Vec::new();
    for &size in &sizes {
        let mut pair = Vec::new();
        for side in [&mut off, &mut on] {
            let from = statements.start(true);
            import(app, side, size).await?;
            pair.push((statements.since(from), statements.taken()));
        }
        counts.push(pair);
    }

    let (mut with, mut without) = (Vec::new(), Vec::new());
    let mut last_on = Vec::new();
    for round in 0..repeat {
        for automated in [round % 2 == 1, round % 2 == 0] {
            if automated {
                let (ids, took) = import(app, &mut on, rows).await?;
                with.push(took.as_secs_f64() * 1e3);
                last_on = ids;
            } else {
                without.push(import(app, &mut off, rows).await?.1.as_secs_f64() * 1e3);
            }
        }
    }
    let (with, without) = (median(&mut with), median(&mut without));

    // What automation did to the last import's leads.
    let (owned, owners, enrolled, scored): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE owner_user_id IS NOT NULL), count(DISTINCT owner_user_id),
                (SELECT count(*) FROM lead_sequence_enrollments e WHERE e.lead_id = ANY($1)),
                (SELECT count(*) FROM lead_score_history h WHERE h.lead_id = ANY($1))
         FROM leads WHERE id = ANY($1)",
    )
    .bind(&last_on)
    .fetch_one(pool)
    .await?;

    println!(
        "importLeads of {rows} new rows, {repeat} alternating rounds (after a warm-up each), medians:"
    );
    println!("  without automation (no rule, no trigger): {without:>8.1} ms");
    println!(
        "  with automation (round robin over {AGENTS} agents, weights, a triggered sequence): {with:>8.1} ms"
    );
    println!(
        "  → automation costs {:.2}× the import ({:+.1} ms, {:+.1} %)",
        with / without,
        with - without,
        (with / without - 1.0) * 100.0
    );
    println!(
        "  the last automated import: {owned}/{} leads assigned among {owners} agents, {enrolled} enrolled, {scored} score-history rows",
        last_on.len()
    );
    let row = |f: &dyn Fn(usize) -> usize| {
        (0..sizes.len())
            .map(|i| format!("{:>7}", f(i)))
            .collect::<String>()
    };
    println!("  statements per import, rows:{}", row(&|i| sizes[i]));
    println!("    without automation:       {}", row(&|i| counts[i][0].0));
    println!("    with automation:          {}", row(&|i| counts[i][1].0));
    let largest = sizes[sizes.len() - 1];
    for (side, label) in [(0, "without"), (1, "with")] {
        let (first, last) = (&counts[0][side], &counts[counts.len() - 1][side]);
        let (small, large) = (kinds(&first.1), kinds(&last.1));
        let before = |k: &String| small.get(k).map_or(0, |(n, _)| *n);
        let grew: Vec<String> = large
            .iter()
            .filter(|(k, (n, _))| before(k) != *n)
            .map(|(k, (n, _))| format!("{k} {}→{n}", before(k)))
            .collect();
        println!(
            "  {label} automation, {}→{} statements from {} to {largest} rows; grew: {}",
            first.0,
            last.0,
            sizes[0],
            if grew.is_empty() {
                "none".to_owned()
            } else {
                grew.join(", ")
            }
        );
        // Where one import's database time goes (a single sample).
        let mut slowest: Vec<(&String, &(usize, Duration))> = large.iter().collect();
        slowest.sort_by_key(|(_, (_, took))| std::cmp::Reverse(*took));
        let total: Duration = last.1.iter().map(|(_, took)| *took).sum();
        let top: Vec<String> = slowest
            .iter()
            .take(6)
            .map(|(k, (_, took))| format!("{k} {:.1}", took.as_secs_f64() * 1e3))
            .collect();
        println!(
            "    statement time at {largest} rows: {:.1} ms, most in {} (ms)",
            total.as_secs_f64() * 1e3,
            top.join(", ")
        );
    }
    Ok(())
}
