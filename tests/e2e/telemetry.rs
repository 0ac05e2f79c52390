//! Telemetry: request ids, and the Prometheus metrics at `/metrics`.
//!
//! The metrics recorder is the process's, shared by every test application:
//! each test counts under names (GraphQL operation names) of its own, or
//! asserts only lower bounds. (The OTLP trace export runs the binary: see
//! `crates/server/tests/otlp.rs`.)

use serde_json::json;
use switchboard_server::app::{Application, HttpConfig};
use switchboard_server::rate_limit::RateLimit;
use switchboard_tests::{
    Backend, JWT_SECRET, Tenant, TestApp, TestDb, on_both_backends, spawn_app, spawn_app_with,
};

on_both_backends!(
    a_response_carries_the_request_id_it_was_given_or_a_new_one,
    metrics_count_graphql_requests_by_operation_and_outcome,
    metrics_sample_the_pool_and_count_statements,
    metrics_count_webhook_deliveries_and_open_subscriptions,
    a_metrics_token_guards_the_scrape_but_no_token_rate_limit_applies,
);

fn tag(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "Sqlite",
        Backend::Postgres => "Postgres",
    }
}

/// The body of `GET /metrics`, checking it is the Prometheus text format.
async fn scrape(client: &reqwest::Client, base_url: &str, token: Option<&str>) -> String {
    let mut request = client.get(format!("{base_url}/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("scraped");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    response.text().await.expect("text")
}

/// The value of the sample of `metric` whose labels include every one of
/// `labels`, if there is one.
fn sample(text: &str, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (name, rest) = series.split_once('{').unwrap_or((series, "}"));
            if name != metric {
                return None;
            }
            let all = labels
                .iter()
                .all(|(key, value)| rest.contains(&format!("{key}=\"{value}\"")));
            all.then(|| value.parse().ok()).flatten()
        })
}

async fn a_response_carries_the_request_id_it_was_given_or_a_new_one(backend: Backend) {
    let app = spawn_app(backend).await;

    let given = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .header("x-request-id", "trace-me-7f3a")
        .json(&json!({ "query": "{ serverVersion }" }))
        .send()
        .await
        .expect("request");
    assert_eq!(given.status(), 200);
    assert_eq!(given.headers()["x-request-id"], "trace-me-7f3a");

    let made = app
        .client
        .get(format!("{}/healthz", app.base_url))
        .send()
        .await
        .expect("request");
    let id = made.headers()["x-request-id"].to_str().expect("text");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "a new UUID: {id}");

    let refused = app
        .client
        .get(format!("{}/no-such-route", app.base_url))
        .header("x-request-id", "lost-9")
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 404);
    assert_eq!(refused.headers()["x-request-id"], "lost-9", "refusals too");
}

async fn metrics_count_graphql_requests_by_operation_and_outcome(backend: Backend) {
    let app = spawn_app(backend).await;
    let ok = format!("TelemetryOk{}", tag(backend));
    let failing = format!("TelemetryError{}", tag(backend));
    let named_in_text = format!("TelemetryUnnamed{}", tag(backend));

    for _ in 0..2 {
        let body = app
            .graphql(None, &format!("query {ok} {{ serverVersion }}"), json!({}))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    // Named by `operationName`, and refused in validation.
    let response = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .json(&json!({ "query": format!("query {failing} {{ noSuchField }}"), "operationName": failing }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    // Named only in the document, after a comment.
    app.graphql(
        None,
        &format!("# first\nquery {named_in_text} {{ serverVersion }}"),
        json!({}),
    )
    .await;
    // Refused before GraphQL runs: 415.
    let refused = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .header("content-type", "text/plain")
        .body("{ serverVersion }")
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 415);

    let text = scrape(&app.client, &app.base_url, None).await;
    assert!(
        text.contains("# TYPE switchboard_http_requests_total counter"),
        "{text}"
    );
    let requests = |operation: &str, outcome: &str| {
        sample(
            &text,
            "switchboard_http_requests_total",
            &[
                ("route", "/graphql"),
                ("operation", operation),
                ("outcome", outcome),
            ],
        )
    };
    assert_eq!(requests(&ok, "ok"), Some(2.0), "{text}");
    assert_eq!(requests(&failing, "error"), Some(1.0), "{text}");
    assert_eq!(requests(&failing, "ok"), None);
    assert_eq!(requests(&named_in_text, "ok"), Some(1.0), "{text}");
    assert!(requests("anonymous", "refused") >= Some(1.0), "{text}");
    assert_eq!(
        sample(
            &text,
            "switchboard_http_request_duration_seconds_count",
            &[("operation", &ok), ("outcome", "ok")],
        ),
        Some(2.0),
        "a histogram beside the counter: {text}"
    );
    assert!(
        text.contains("switchboard_http_request_duration_seconds_bucket{"),
        "buckets, not a summary: {text}"
    );
}

async fn metrics_sample_the_pool_and_count_statements(backend: Backend) {
    // `switchboard serve` counts statements on its pool; so does this app.
    let test = TestDb::migrated(backend).await;
    let mut db = test.db.clone();
    switchboard_server::telemetry::metrics::count_statements(&mut db);
    let config = HttpConfig {
        jwt_secret: JWT_SECRET.to_owned(),
        ..HttpConfig::default()
    };
    let app = Application::bind("127.0.0.1:0".parse().expect("address"), db, config)
        .await
        .expect("binds");
    let base_url = format!("http://{}", app.local_addr().expect("address"));
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::new();
    let tenant = Tenant::create(
        &test.db,
        &format!("telemetry-pool-{}", tag(backend).to_lowercase()),
    )
    .await;
    // Verifying the token takes a statement.
    let response = client
        .post(format!("{base_url}/graphql"))
        .bearer_auth(tenant.token(tenant.owner))
        .json(&json!({ "query": "{ serverVersion }" }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);

    let text = scrape(&client, &base_url, None).await;
    assert!(
        sample(
            &text,
            "switchboard_db_statements_total",
            &[("failed", "false")]
        ) >= Some(1.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            "switchboard_db_statement_duration_seconds_count",
            &[("failed", "false")]
        ) >= Some(1.0),
        "{text}"
    );
    let idle = sample(&text, "switchboard_db_connections", &[("state", "idle")]);
    let in_use = sample(&text, "switchboard_db_connections", &[("state", "in_use")]);
    assert!(idle.is_some() && in_use.is_some(), "{text}");
    assert!(
        sample(&text, "switchboard_db_connections_max", &[]) >= Some(1.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            "switchboard_task_seconds_since_completed",
            &[("task", "access_recheck")]
        )
        .is_some(),
        "{text}"
    );
}

async fn metrics_count_webhook_deliveries_and_open_subscriptions(backend: Backend) {
    let app = spawn_app(backend).await;
    let unknown = app
        .client
        .post(format!("{}/webhooks/nobody?org=nowhere", app.base_url))
        .body("{}")
        .send()
        .await
        .expect("request");
    assert_eq!(unknown.status(), 404);
    let no_org = app
        .client
        .post(format!("{}/webhooks/vapi", app.base_url))
        .body("{}")
        .send()
        .await
        .expect("request");
    assert_eq!(no_org.status(), 400);

    let tenant = Tenant::create(
        &app.db.db,
        &format!("telemetry-{}", tag(backend).to_lowercase()),
    )
    .await;
    let mut socket = crate::subscriptions::connect(
        &app.base_url,
        "graphql-transport-ws",
        &tenant.token(tenant.viewer),
    )
    .await;
    crate::subscriptions::send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription Watch { callStatusChanged { eventId } }" } }),
    )
    .await;
    // The subscription is registered once the server has read the message.
    let mut open = None;
    for _ in 0..50 {
        let text = scrape(&app.client, &app.base_url, None).await;
        open = sample(
            &text,
            "switchboard_subscriptions_open",
            &[("transport", "websocket")],
        );
        if open >= Some(1.0) {
            let webhooks = |provider: &str, result: &str| {
                sample(
                    &text,
                    "switchboard_webhook_deliveries_total",
                    &[("provider", provider), ("result", result)],
                )
            };
            assert!(webhooks("unknown", "not_found") >= Some(1.0), "{text}");
            assert!(webhooks("vapi", "bad_request") >= Some(1.0), "{text}");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(open >= Some(1.0), "the open subscription is counted");
    drop(socket);
}

async fn a_metrics_token_guards_the_scrape_but_no_token_rate_limit_applies(backend: Backend) {
    let config = HttpConfig {
        metrics_token: Some("scrape-token-0123".into()),
        // One request per token, ever: a scrape must not count against it.
        rate_limit_per_token: RateLimit {
            per_second: 1,
            burst: 1,
        },
        ..HttpConfig::default()
    };
    let app: TestApp = spawn_app_with(TestDb::migrated(backend).await, config).await;
    let refused = app
        .client
        .get(format!("{}/metrics", app.base_url))
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 401);
    let wrong = app
        .client
        .get(format!("{}/metrics", app.base_url))
        .bearer_auth("scrape-token-9999")
        .send()
        .await
        .expect("request");
    assert_eq!(wrong.status(), 401);
    for _ in 0..3 {
        scrape(&app.client, &app.base_url, Some("scrape-token-0123")).await;
    }
}
