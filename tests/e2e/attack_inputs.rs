//! Inputs an attacker sends to exhaust the server: filter lists thousands
//! wide, segments multiplying each other, and leads with a huge number of
//! tags or a huge tag. Each is refused as BAD_USER_INPUT naming the field,
//! quickly, and the server answers the next request; filters at the widest
//! allowed still run on both backends.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_tests::{Backend, Tenant, TestApp, code, ok, on_both_backends, spawn_app};
use uuid::Uuid;

on_both_backends!(
    an_or_list_thousands_wide_is_refused_and_the_server_lives,
    wide_call_filters_are_refused_by_every_call_query,
    in_lists_thousands_wide_are_refused,
    segments_multiplying_segments_are_refused,
    leads_with_huge_tag_lists_are_refused,
    filters_at_the_widest_allowed_still_run,
);

/// Far above the milliseconds a refusal takes, far below the seconds an
/// unbounded input took (debug builds, two shared cores).
const QUICK: Duration = Duration::from_secs(3);

/// Sends a request that must be refused as BAD_USER_INPUT on `field`,
/// quickly; returns the message.
async fn refused(app: &TestApp, token: &str, query: &str, variables: Value, field: &str) -> String {
    let started = Instant::now();
    let body = app.graphql(Some(token), query, variables).await;
    let took = started.elapsed();
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    assert!(took < QUICK, "refused in {took:?}");
    body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn still_answers(app: &TestApp, token: &str) {
    let body = app.graphql(Some(token), "{ __typename }", json!({})).await;
    assert_eq!(ok(&body)["__typename"], "Query");
}

fn empties(n: usize) -> Vec<Value> {
    vec![json!({}); n]
}

async fn an_or_list_thousands_wide_is_refused_and_the_server_lives(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let viewer = acme.token(acme.viewer);
    let leads = "query($f: LeadFilter) { leads(filter: $f) { totalCount } }";

    for list in ["or", "and"] {
        let message = refused(
            &app,
            &viewer,
            leads,
            json!({ "f": { list: empties(8_000) } }),
            "filter",
        )
        .await;
        assert!(message.contains("at most 100"), "{message}");
        still_answers(&app, &viewer).await;
    }
    let stats = "query($f: LeadFilter) { analytics { leadStats(filter: $f) { count } } }";
    refused(
        &app,
        &viewer,
        stats,
        json!({ "f": { "or": empties(8_000) } }),
        "filter",
    )
    .await;
    // Wide lists nested inside a relation or a `not` are found too.
    refused(
        &app,
        &viewer,
        leads,
        json!({ "f": { "not": { "calls": { "some": { "or": empties(2_000) } } } } }),
        "filter",
    )
    .await;
    still_answers(&app, &viewer).await;
}

async fn wide_call_filters_are_refused_by_every_call_query(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let viewer = acme.token(acme.viewer);
    let filter = json!({ "or": empties(8_000) });

    for query in [
        "query($f: CallFilter) { calls(filter: $f) { totalCount } }",
        "query($f: CallFilter) { analytics { callStats(filter: $f) { count } } }",
        "query($f: CallFilter) { analytics { callAnalyticsSummary(from: \"2024-01-01T00:00:00Z\", to: \"2025-01-01T00:00:00Z\", filter: $f) { callCount } } }",
    ] {
        refused(&app, &viewer, query, json!({ "f": filter }), "filter").await;
        still_answers(&app, &viewer).await;
    }
    let summary = app
        .graphql(
            Some(&viewer),
            "query($g: [SummaryDimension!]!) { analytics { callAnalyticsSummary(from: \"2024-01-01T00:00:00Z\", to: \"2025-01-01T00:00:00Z\", groupBy: $g) { callCount } } }",
            json!({ "g": vec!["AGENT"; 10_000] }),
        )
        .await;
    assert_eq!(code(&summary), "BAD_USER_INPUT");
    assert_eq!(summary["errors"][0]["extensions"]["field"], "groupBy");
}

async fn in_lists_thousands_wide_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let viewer = acme.token(acme.viewer);
    let leads = "query($f: LeadFilter) { leads(filter: $f) { totalCount } }";
    let calls = "query($f: CallFilter) { calls(filter: $f) { totalCount } }";
    let id = Uuid::nil().to_string();

    for filter in [
        json!({ "status": { "in": vec!["HOT"; 2_000] } }),
        json!({ "status": { "notIn": vec!["HOT"; 2_000] } }),
        json!({ "source": { "in": vec!["meta"; 2_000] } }),
        json!({ "owner": { "in": vec![id.as_str(); 2_000] } }),
        json!({ "tags": { "containsAny": vec!["vip"; 2_000] } }),
        json!({ "tags": { "containsAll": vec!["vip"; 2_000] } }),
        json!({ "analysis": { "leadTemperature": { "in": vec!["HOT"; 2_000] } } }),
    ] {
        let message = refused(&app, &viewer, leads, json!({ "f": filter }), "filter").await;
        assert!(message.contains("at most 100"), "{message}");
    }
    for filter in [
        json!({ "status": { "in": vec!["COMPLETED"; 2_000] } }),
        json!({ "agent": { "in": vec![id.as_str(); 2_000] } }),
        json!({ "crmStage": { "notIn": vec!["LOST"; 2_000] } }),
    ] {
        refused(&app, &viewer, calls, json!({ "f": filter }), "filter").await;
    }
    still_answers(&app, &viewer).await;
}

/// A segment shared with the team, so the viewer reads it too.
async fn create_segment(app: &TestApp, token: &str, name: &str, filter: Value) -> Value {
    let body = app
        .graphql(
            Some(token),
            "mutation($n: String!, $f: LeadFilter!) { createSegment(input: { name: $n, filter: $f, isPublic: true }) { id } }",
            json!({ "n": name, "f": filter }),
        )
        .await;
    ok(&body)["createSegment"]["id"].clone()
}

fn references(id: &Value, n: usize) -> Value {
    json!({ "or": vec![json!({ "segment": id }); n] })
}

async fn segments_multiplying_segments_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let manager = acme.token(acme.manager);
    let viewer = acme.token(acme.viewer);

    let a = create_segment(&app, &manager, "a", json!({})).await;
    let b = create_segment(&app, &manager, "b", references(&a, 80)).await;
    // The third level is refused when it is saved...
    let message = refused(
        &app,
        &manager,
        "mutation($f: LeadFilter!) { createSegment(input: { name: \"c\", filter: $f }) { id } }",
        json!({ "f": references(&b, 80) }),
        "filter",
    )
    .await;
    assert!(message.contains("1000"), "{message}");

    // ...and when it grew afterwards: c names d while d is empty, then d
    // becomes 80 references (fine on its own), which makes c 80 × 80.
    let d = create_segment(&app, &manager, "d", json!({})).await;
    let c = create_segment(&app, &manager, "c", references(&d, 80)).await;
    let updated = app
        .graphql(
            Some(&manager),
            "mutation($id: ID!, $f: LeadFilter!) { updateSegment(id: $id, input: { filter: $f }) { id } }",
            json!({ "id": d, "f": references(&a, 80) }),
        )
        .await;
    ok(&updated);
    for (query, variables) in [
        (
            "query($f: LeadFilter) { leads(filter: $f) { totalCount } }",
            json!({ "f": references(&c, 80) }),
        ),
        (
            "query($f: LeadFilter) { analytics { leadStats(filter: $f) { count } } }",
            json!({ "f": { "segment": c } }),
        ),
        (
            "query($id: ID!) { segment(id: $id) { leads { totalCount } } }",
            json!({ "id": c }),
        ),
    ] {
        refused(&app, &viewer, query, variables, "filter").await;
        still_answers(&app, &viewer).await;
    }
    let refresh = refused(
        &app,
        &manager,
        "mutation($id: ID!) { refreshSegmentCount(id: $id) { leadCount } }",
        json!({ "id": c }),
        "filter",
    )
    .await;
    assert!(refresh.contains("too large"), "{refresh}");
    // Two levels are fine.
    let fine = app
        .graphql(
            Some(&viewer),
            "query($f: LeadFilter) { leads(filter: $f) { totalCount } }",
            json!({ "f": { "and": [{ "segment": b }, { "segment": d }] } }),
        )
        .await;
    assert_eq!(ok(&fine)["leads"]["totalCount"], 0);
}

async fn leads_with_huge_tag_lists_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let agent = acme.token(acme.agent);
    let create = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id tags } }";

    let many = vec!["t"; 100_000];
    let message = refused(
        &app,
        &agent,
        create,
        json!({ "input": { "phoneNumber": "+14155550100", "tags": many } }),
        "input.tags",
    )
    .await;
    assert!(message.contains("at most 50 tags"), "{message}");
    let megabyte = "x".repeat(1 << 20);
    let message = refused(
        &app,
        &agent,
        create,
        json!({ "input": { "phoneNumber": "+14155550100", "tags": [megabyte] } }),
        "input.tags",
    )
    .await;
    assert!(message.contains("64 characters"), "{message}");
    still_answers(&app, &agent).await;

    // Fifty tags are a lead's most.
    let fifty: Vec<String> = (0..50).map(|i| format!("tag{i}")).collect();
    let body = app
        .graphql(
            Some(&agent),
            create,
            json!({ "input": { "phoneNumber": "+14155550101", "tags": fifty } }),
        )
        .await;
    let lead = ok(&body)["createLead"].clone();
    assert_eq!(lead["tags"].as_array().map(Vec::len), Some(50));
    refused(
        &app,
        &agent,
        "mutation($id: ID!, $t: [String!]!) { addLeadTags(id: $id, tags: $t) { id } }",
        json!({ "id": lead["id"], "t": ["one-more"] }),
        "tags",
    )
    .await;
    refused(
        &app,
        &agent,
        "mutation($id: ID!, $t: [String!]!) { removeLeadTags(id: $id, tags: $t) { id } }",
        json!({ "id": lead["id"], "t": vec!["t"; 100_000] }),
        "tags",
    )
    .await;

    // A bulk row with too many tags fails alone, naming its field.
    let import = app
        .graphql(
            Some(&agent),
            "mutation($rows: [CreateLeadInput!]!) { importLeads(input: $rows, mode: PER_ROW) { created failed rows { index code field } } }",
            json!({ "rows": [
                { "phoneNumber": "+14155550102", "tags": ["ok"] },
                { "phoneNumber": "+14155550103", "tags": vec!["t"; 10_000] },
            ] }),
        )
        .await;
    let result = &ok(&import)["importLeads"];
    assert_eq!(result["created"], 1, "{result}");
    assert_eq!(result["rows"][1]["code"], "BAD_USER_INPUT");
    assert_eq!(result["rows"][1]["field"], "input[1].tags");
}

async fn filters_at_the_widest_allowed_still_run(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let agent = acme.token(acme.agent);
    let viewer = acme.token(acme.viewer);
    let created = app
        .graphql(
            Some(&agent),
            "mutation { createLead(input: { phoneNumber: \"+14155550110\", tags: [\"v0\", \"v1\"], source: \"s0\" }) { id } }",
            json!({}),
        )
        .await;
    ok(&created);

    let values = |prefix: &str| (0..100).map(|i| format!("{prefix}{i}")).collect::<Vec<_>>();
    let id = Uuid::nil().to_string();
    let scores: Vec<Value> = (0..100)
        .map(|i| json!({ "leadScore": { "lte": i } }))
        .collect();
    let widest = json!({
        "source": { "in": values("s"), "notIn": values("x") },
        "tags": { "containsAny": values("v") },
        "or": scores,
        "and": [
            { "or": [{ "owner": { "in": vec![id.as_str(); 100] } }, { "owner": { "isNull": true } }] },
            { "not": { "tags": { "containsAll": values("w") } } },
            { "calls": { "none": { "or": empties(100) } } },
        ],
        "search": "4155550110",
    });
    let body = app
        .graphql(
            Some(&viewer),
            "query($f: LeadFilter) { leads(filter: $f) { totalCount } analytics { leadStats(filter: $f) { count } } }",
            json!({ "f": widest }),
        )
        .await;
    assert_eq!(ok(&body)["leads"]["totalCount"], 1, "{body}");
    assert_eq!(ok(&body)["analytics"]["leadStats"][0]["count"], 1, "{body}");

    // Nested to the depth limit with the widest `or` at every level.
    let mut deep = json!({ "or": empties(100) });
    for _ in 0..7 {
        let mut list = empties(3);
        list.push(deep);
        deep = json!({ "or": list });
    }
    let body = app
        .graphql(
            Some(&viewer),
            "query($f: LeadFilter) { leads(filter: $f) { totalCount } }",
            json!({ "f": deep }),
        )
        .await;
    assert_eq!(ok(&body)["leads"]["totalCount"], 1, "{body}");

    let calls = json!({
        "status": { "notIn": vec!["FAILED"; 100] },
        "agent": { "in": vec![id.as_str(); 100] },
        "or": (0..100).map(|i| json!({ "durationSeconds": { "gte": i } })).collect::<Vec<_>>(),
    });
    let body = app
        .graphql(
            Some(&viewer),
            "query($f: CallFilter) { calls(filter: $f) { totalCount } analytics { callStats(filter: $f) { count } callAnalyticsSummary(from: \"2024-01-01T00:00:00Z\", to: \"2030-01-01T00:00:00Z\", filter: $f) { callCount } } }",
            json!({ "f": calls }),
        )
        .await;
    assert_eq!(ok(&body)["calls"]["totalCount"], 0, "{body}");
}
