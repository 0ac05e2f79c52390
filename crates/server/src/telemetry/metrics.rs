//! Prometheus metrics, rendered at `GET /metrics`.
//!
//! The `metrics` recorder is process-wide by design: [`Metrics::new`]
//! installs it the first time (a second application in the same process, as
//! in the tests, shares it). Everything else — the bounded set of operation
//! names, the task clocks, the scrape token — belongs to one application.
//!
//! | metric | type | labels |
//! |--------|------|--------|
//! | `switchboard_http_requests_total` | counter | `route`, `operation`, `outcome` |
//! | `switchboard_http_request_duration_seconds` | histogram | `route`, `operation`, `outcome` |
//! | `switchboard_db_connections` | gauge | `state` (`in_use`, `idle`) |
//! | `switchboard_db_connections_max` | gauge | |
//! | `switchboard_db_statements_total` | counter | `failed` |
//! | `switchboard_db_statement_duration_seconds` | histogram | `failed` |
//! | `switchboard_subscriptions_open` | gauge | `transport` (`websocket`, `sse`) |
//! | `switchboard_webhook_deliveries_total` | counter | `provider`, `result` |
//! | `switchboard_task_last_completed_timestamp_seconds` | gauge | `task` |
//! | `switchboard_task_seconds_since_completed` | gauge | `task` |
//!
//! `route` is the matched route (`/graphql`, `/webhooks/{provider}`, …, or
//! `unmatched`); `operation` the GraphQL operation name on `/graphql`
//! ([`Metrics::operation_label`]), empty elsewhere; `outcome` is `ok`,
//! `error` (a GraphQL response with errors), `refused` (4xx) or `failed` (5xx).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use metrics::{
    Label, Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{DatabaseConnection, DatabaseConnectionType};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

pub const HTTP_REQUESTS: &str = "switchboard_http_requests_total";
pub const HTTP_DURATION: &str = "switchboard_http_request_duration_seconds";
pub const DB_CONNECTIONS: &str = "switchboard_db_connections";
pub const DB_CONNECTIONS_MAX: &str = "switchboard_db_connections_max";
pub const DB_STATEMENTS: &str = "switchboard_db_statements_total";
pub const DB_DURATION: &str = "switchboard_db_statement_duration_seconds";
pub const SUBSCRIPTIONS_OPEN: &str = "switchboard_subscriptions_open";
pub const WEBHOOK_DELIVERIES: &str = "switchboard_webhook_deliveries_total";
pub const TASK_COMPLETED_AT: &str = "switchboard_task_last_completed_timestamp_seconds";
pub const TASK_LAG: &str = "switchboard_task_seconds_since_completed";

/// The longest operation name kept as a label.
pub const MAX_OPERATION_NAME: usize = 64;
/// Distinct operation names labelled per application; later ones are `other`.
pub const MAX_OPERATION_NAMES: usize = 200;

/// The background task whose completions [`Metrics`] clocks.
pub const ACCESS_RECHECK: &str = "access_recheck";

const HTTP_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// A sequence step's lag: on time is within a poll interval (seconds);
/// minutes or hours mean the runners fall behind.
const LAG_BUCKETS: &[f64] = &[1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 14_400.0];
const DB_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// How often histogram data is folded in when nobody scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// One application's metrics: the recorder's handle and what is kept per
/// application.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    handle: PrometheusHandle,
    operations: Mutex<HashSet<String>>,
    /// When the access re-check last completed, in Unix milliseconds.
    access_recheck: AtomicU64,
    token: Option<SecretString>,
}

impl Metrics {
    /// The metrics of a new application, installing the process's recorder
    /// if none is yet. `token`, when set, is the bearer token `/metrics`
    /// requires.
    pub fn new(token: Option<SecretString>) -> Self {
        Self(Arc::new(Inner {
            handle: recorder().clone(),
            operations: Mutex::default(),
            access_recheck: AtomicU64::new(unix_millis()),
            token,
        }))
    }

    /// The Prometheus text of every metric, after sampling the gauges read
    /// at scrape time (the pool of `db`, the tasks' lag).
    pub fn render(&self, db: &DatabaseConnection) -> String {
        sample_pool(db);
        let completed = self.0.access_recheck.load(Ordering::Relaxed);
        let lag = unix_millis().saturating_sub(completed) as f64 / 1000.0;
        gauge!(TASK_LAG, "task" => ACCESS_RECHECK).set(lag);
        self.0.handle.render()
    }

    /// Folds in histogram data; the tasks call it every few seconds.
    pub fn upkeep(&self) {
        self.0.handle.run_upkeep();
    }

    /// Whether a request to `/metrics` with `bearer` may read them.
    pub fn allows(&self, bearer: Option<&str>) -> bool {
        let Some(token) = &self.0.token else {
            return true;
        };
        // Compared as digests, so the time taken tells nothing of the token.
        bearer.is_some_and(|bearer| {
            Sha256::digest(bearer.as_bytes()) == Sha256::digest(token.expose_secret().as_bytes())
        })
    }

    /// Notes that `task` has just completed a round.
    pub fn task_completed(&self, task: &'static str) {
        let now = unix_millis();
        if task == ACCESS_RECHECK {
            self.0.access_recheck.store(now, Ordering::Relaxed);
        }
        gauge!(TASK_COMPLETED_AT, "task" => task).set(now as f64 / 1000.0);
    }

    /// The `operation` label for a GraphQL operation name: the name if it is
    /// at most [`MAX_OPERATION_NAME`] characters of `[A-Za-z0-9_]`, else
    /// `anonymous`; past [`MAX_OPERATION_NAMES`] distinct names, `other`.
    pub fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name.filter(|name| {
            !name.is_empty()
                && name.len() <= MAX_OPERATION_NAME
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }) else {
            return "anonymous".to_owned();
        };
        let mut seen = self.0.operations.lock().unwrap_or_else(|e| e.into_inner());
        if seen.contains(name) {
            return name.to_owned();
        }
        if seen.len() >= MAX_OPERATION_NAMES {
            return "other".to_owned();
        }
        seen.insert(name.to_owned());
        name.to_owned()
    }
}

/// The process's recorder, installed on first use.
fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), HTTP_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(DB_DURATION.to_owned()), DB_BUCKETS)
            })
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full(switchboard_app::leads::runner::STEP_LAG.to_owned()),
                    LAG_BUCKETS,
                )
            })
            .expect("the bucket lists are not empty")
            .upkeep_timeout(UPKEEP_EVERY)
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed: /metrics will be empty");
        }
        describe();
        handle
    })
}

fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by route, GraphQL operation and outcome."
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request (to its response headers), by route, GraphQL operation and outcome."
    );
    describe_gauge!(
        DB_CONNECTIONS,
        "Database pool connections, by state (in_use, idle); sampled at each scrape."
    );
    describe_gauge!(DB_CONNECTIONS_MAX, "The database pool's maximum size.");
    describe_counter!(DB_STATEMENTS, "SQL statements run, by whether they failed.");
    describe_histogram!(
        DB_DURATION,
        Unit::Seconds,
        "SQL statement durations, by whether they failed."
    );
    describe_gauge!(
        SUBSCRIPTIONS_OPEN,
        "GraphQL subscriptions open, by transport (websocket, sse)."
    );
    describe_counter!(
        WEBHOOK_DELIVERIES,
        "Provider webhook deliveries, by provider and result."
    );
    describe_counter!(
        switchboard_app::leads::runner::STEPS,
        "Nurture sequence steps the runner took, by outcome (executed, skipped, postponed, completed, cancelled, failed)."
    );
    describe_histogram!(
        switchboard_app::leads::runner::STEP_LAG,
        Unit::Seconds,
        "Seconds between when a nurture sequence step fell due and when a runner claimed it."
    );
    describe_gauge!(
        TASK_COMPLETED_AT,
        Unit::Seconds,
        "When a background task last completed a round (Unix time)."
    );
    describe_gauge!(
        TASK_LAG,
        Unit::Seconds,
        "Seconds since a background task last completed a round; sampled at each scrape."
    );
}

fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Samples the pool's connections in use and idle.
fn sample_pool(db: &DatabaseConnection) {
    let (size, idle, max) = match &db.inner {
        DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        _ => return,
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
    gauge!(DB_CONNECTIONS, "state" => "in_use").set(f64::from(size - idle));
    gauge!(DB_CONNECTIONS, "state" => "idle").set(f64::from(idle));
    gauge!(DB_CONNECTIONS_MAX).set(f64::from(max));
}

/// Counts every statement `db` (and its clones made afterwards) runs, and
/// its duration, by whether it failed. `switchboard serve` calls it on its
/// pool; it replaces any statement callback set before.
pub fn count_statements(db: &mut DatabaseConnection) {
    db.set_metric_callback(|info| {
        let failed = if info.failed { "true" } else { "false" };
        counter!(DB_STATEMENTS, "failed" => failed).increment(1);
        histogram!(DB_DURATION, "failed" => failed).record(info.elapsed.as_secs_f64());
    });
}

/// What a GraphQL handler tells the request metrics, as a response
/// extension.
#[derive(Debug, Clone)]
pub struct GraphqlOutcome {
    /// The operation's label ([`Metrics::operation_label`]).
    pub operation: String,
    /// Whether the response carries GraphQL errors.
    pub errors: bool,
}

/// The request metrics middleware: counts and times every request by route,
/// operation and outcome.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let response = next.run(request).await;
    let elapsed = started.elapsed().as_secs_f64();
    let graphql = response.extensions().get::<GraphqlOutcome>();
    let status = response.status();
    let outcome = outcome(status, graphql.is_some_and(|g| g.errors));
    let operation = match graphql {
        Some(graphql) => graphql.operation.clone(),
        None if route == "/graphql" => "anonymous".to_owned(),
        None => String::new(),
    };
    let labels = vec![
        Label::new("route", route),
        Label::new("operation", operation),
        Label::new("outcome", outcome),
    ];
    counter!(HTTP_REQUESTS, labels.clone()).increment(1);
    histogram!(HTTP_DURATION, labels).record(elapsed);
    response
}

fn outcome(status: StatusCode, graphql_errors: bool) -> &'static str {
    if status.is_server_error() {
        "failed"
    } else if graphql_errors {
        "error"
    } else if status.is_client_error() {
        "refused"
    } else {
        "ok"
    }
}

/// One subscription stream open: counted in `switchboard_subscriptions_open`
/// until dropped.
pub struct OpenSubscription(&'static str);

impl OpenSubscription {
    pub fn new(transport: &'static str) -> Self {
        gauge!(SUBSCRIPTIONS_OPEN, "transport" => transport).increment(1.0);
        Self(transport)
    }
}

impl Drop for OpenSubscription {
    fn drop(&mut self) {
        gauge!(SUBSCRIPTIONS_OPEN, "transport" => self.0).decrement(1.0);
    }
}

/// Counts one webhook delivery.
pub fn webhook_delivery(provider: &'static str, result: &'static str) {
    counter!(WEBHOOK_DELIVERIES, "provider" => provider, "result" => result).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_bounded() {
        let metrics = Metrics::new(None);
        assert_eq!(metrics.operation_label(Some("ListCalls")), "ListCalls");
        assert_eq!(metrics.operation_label(None), "anonymous");
        assert_eq!(metrics.operation_label(Some("")), "anonymous");
        assert_eq!(metrics.operation_label(Some("drop-table")), "anonymous");
        assert_eq!(metrics.operation_label(Some(&"a".repeat(65))), "anonymous");
        for i in 1..MAX_OPERATION_NAMES {
            assert_eq!(
                metrics.operation_label(Some(&format!("Op{i}"))),
                format!("Op{i}")
            );
        }
        assert_eq!(metrics.operation_label(Some("OneTooMany")), "other");
        assert_eq!(
            metrics.operation_label(Some("ListCalls")),
            "ListCalls",
            "a known name stays"
        );
    }

    #[test]
    fn outcomes_follow_status_then_errors() {
        assert_eq!(outcome(StatusCode::OK, false), "ok");
        assert_eq!(outcome(StatusCode::OK, true), "error");
        assert_eq!(outcome(StatusCode::BAD_REQUEST, true), "error");
        assert_eq!(outcome(StatusCode::TOO_MANY_REQUESTS, false), "refused");
        assert_eq!(outcome(StatusCode::SERVICE_UNAVAILABLE, false), "failed");
        assert_eq!(outcome(StatusCode::SWITCHING_PROTOCOLS, false), "ok");
    }

    #[test]
    fn the_scrape_token_is_checked_when_set() {
        assert!(Metrics::new(None).allows(None));
        let guarded = Metrics::new(Some("scrape-me".into()));
        assert!(guarded.allows(Some("scrape-me")));
        assert!(!guarded.allows(Some("scrape-you")));
        assert!(!guarded.allows(None));
    }
}
