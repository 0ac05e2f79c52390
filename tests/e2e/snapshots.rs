//! Large responses, pinned: the nested lead → calls → transcript graph and
//! the analytics a dashboard opens with, over the demo organization seeded
//! at a fixed instant. Ids and wall-clock times are redacted; everything
//! else (order, shapes, numbers, enum names) must match the snapshot, and
//! both backends share one snapshot, so they must agree with each other too.
//!
//! After an intended change: `cargo insta review` (or `INSTA_UPDATE=always`).

use chrono::{DateTime, Utc};
use serde_json::json;
use switchboard_tests::{Backend, TestApp, ok, on_both_backends, spawn_app, token};

on_both_backends!(
    the_nested_lead_graph_matches_its_snapshot,
    the_dashboard_analytics_match_their_snapshot,
);

/// The instant the demo is seeded at, so every derived time is fixed.
fn seeded_at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-15T15:00:00Z")
        .expect("a valid instant")
        .with_timezone(&Utc)
}

async fn demo_app(backend: Backend) -> (TestApp, String) {
    let app = spawn_app(backend).await;
    let demo = switchboard_seed::demo(&app.db.db, seeded_at())
        .await
        .expect("the demo loads");
    let token = token(demo.owner_id, demo.organization_id);
    (app, token)
}

/// Ids are random and some times are the database's clock: redact both.
macro_rules! assert_redacted_snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_json_snapshot!($name, $value, {
                ".**.id" => "[id]",
                ".**.updatedAt" => "[time]",
                ".**.eventId" => "[id]",
            });
        });
    };
}

async fn the_nested_lead_graph_matches_its_snapshot(backend: Backend) {
    let (app, token) = demo_app(backend).await;
    let body = app
        .graphql(
            Some(&token),
            "{ leads(first: 5, orderBy: { field: CREATED_AT, direction: ASC }) {
                totalCount
                nodes { id firstName lastName phoneNumber status leadScore tags source createdAt
                  calls(first: 3) { totalCount nodes { id status outcome durationSeconds createdAt
                    transcript { content language }
                    analysis { totalScore intentScore sentimentScore }
                    agent { name } } } } } }",
            json!({}),
        )
        .await;
    assert_redacted_snapshot!("nested_lead_graph", ok(&body));
}

async fn the_dashboard_analytics_match_their_snapshot(backend: Backend) {
    let (app, token) = demo_app(backend).await;
    let body = app
        .graphql(
            Some(&token),
            r#"{ analytics {
                callStats(groupBy: [TRAFFIC_SOURCE, STATUS]) {
                  trafficSource status count totalDurationSeconds averageDurationSeconds totalCostCents totalCreditsUsed }
                organizationAnalytics(from: "2026-03-01", to: "2026-06-30", granularity: MONTH) {
                  periodStart figures { totalCalls successfulCalls failedCalls totalBilledMinutes creditsUsed
                    leadsGenerated qualifiedLeads successRate conversionRate averageTotalScore } }
                leadFunnel(from: "2026-03-01T00:00:00Z", to: "2026-06-15T15:00:00Z") {
                  leads stages { status leadsEntered entries nextStatus conversionToNext dropOff } }
              } }"#,
            json!({}),
        )
        .await;
    assert_redacted_snapshot!("dashboard_analytics", ok(&body));
}
