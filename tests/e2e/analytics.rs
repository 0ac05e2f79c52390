//! Analytics against hand-built data whose every expected figure is worked
//! out by hand below, in the organization's time zone (America/New_York,
//! across the 2026-03-08 spring-forward), on both backends.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use switchboard_entity::enums::{CrmStage, TrafficSource};
use switchboard_entity::{agent_analytics, calls, organization_analytics};
use switchboard_tests::{Backend, Tenant, TestApp, ok, on_both_backends, spawn_app};
use uuid::Uuid;

on_both_backends!(
    the_call_summary_matches_seed_000_by_hand_across_a_dst_change,
    rollups_follow_the_calls_and_a_rebuild_changes_nothing,
    calls_ending_at_once_add_up_like_calls_ending_one_by_one,
);

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("a timestamp")
}

async fn insert_call(
    app: &TestApp,
    org: Uuid,
    created: &str,
    source: TrafficSource,
    stage: CrmStage,
) {
    let created = at(created);
    calls::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        traffic_source: Set(source),
        crm_stage: Set(stage),
        created_at: Set(created),
        updated_at: Set(created),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .expect("call");
}

const SUMMARY: &str = "query($by: [SummaryDimension!]!, $filter: CallFilter) { analytics { callAnalyticsSummary(from: \"2026-03-07T05:00:00Z\", to: \"2026-03-10T04:00:00Z\", groupBy: $by, filter: $filter) { trafficSource crmStage periodStart callCount completedCalls closedWonCalls showRate closeRate } } }";

async fn summary(app: &TestApp, token: &str, by: Value, filter: Value) -> Vec<Value> {
    let body = app
        .graphql(Some(token), SUMMARY, json!({ "by": by, "filter": filter }))
        .await;
    ok(&body)["analytics"]["callAnalyticsSummary"]
        .as_array()
        .expect("rows")
        .clone()
}

async fn the_call_summary_matches_seed_000_by_hand_across_a_dst_change(backend: Backend) {
    use CrmStage::*;
    use TrafficSource::*;
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let org = acme.organization_id;
    // New York days: 3/7 is EST (UTC-5); 3/8 springs forward at 02:00 and
    // ends at 04:00Z; 3/9 is EDT (UTC-4).
    for (created, source, stage) in [
        ("2026-03-07T15:00:00Z", Organic, Completed),  // 1: 3/7
        ("2026-03-07T16:00:00Z", Organic, ClosedWon),  // 2: 3/7
        ("2026-03-07T17:00:00Z", Meta, NoShow),        // 3: 3/7
        ("2026-03-08T04:30:00Z", Organic, Lost),       // 4: 3/7 23:30 EST
        ("2026-03-08T06:00:00Z", Meta, Scheduled),     // 5: 3/8 01:00 EST
        ("2026-03-08T12:00:00Z", Meta, ClosedWon),     // 6: 3/8
        ("2026-03-09T03:30:00Z", Organic, InProgress), // 7: 3/8 23:30 EDT
        ("2026-03-09T04:30:00Z", Organic, Completed),  // 8: 3/9 00:30 EDT
        ("2026-03-09T20:00:00Z", Meta, Lost),          // 9: 3/9
        ("2026-03-10T03:59:00Z", Meta, ClosedWon),     // 10: 3/9 23:59 EDT
        ("2026-03-10T04:00:00Z", Organic, Completed),  // out: `to` is exclusive
        ("2026-03-07T04:59:00Z", Organic, Completed),  // out: before `from`
    ] {
        insert_call(&app, org, created, source, stage).await;
    }
    // Another organization's calls never count.
    let other = Tenant::create(&app.db.db, "other").await;
    insert_call(
        &app,
        other.organization_id,
        "2026-03-08T12:00:00Z",
        Meta,
        ClosedWon,
    )
    .await;
    let token = acme.token(acme.viewer);
    // On PostgreSQL whole days come from the day counts: the same numbers
    // with the writes' changes pending and once they are folded, and the
    // same as counted from `calls` (a filter, even an empty one, does that).
    for folded in [false, true] {
        if folded && backend == Backend::Postgres {
            // (The server folds every few seconds too: whatever is left.)
            switchboard_app::analytics::day_counts::fold(&app.db.db)
                .await
                .expect("folded");
        }
        for by in [
            json!([]),
            json!(["DAY"]),
            json!(["TRAFFIC_SOURCE", "CRM_STAGE"]),
            json!(["WEEK"]),
        ] {
            assert_eq!(
                summary(&app, &token, by.clone(), Value::Null).await,
                summary(&app, &token, by, json!({})).await
            );
        }
    }

    // completed = completed, no_show, closed_won, lost; show = completed /
    // all; close = closed_won / completed (null when nothing completed).
    let all = summary(&app, &token, json!([]), Value::Null).await;
    assert_eq!(all.len(), 1);
    assert_eq!(
        (
            &all[0]["callCount"],
            &all[0]["completedCalls"],
            &all[0]["closedWonCalls"],
            &all[0]["showRate"],
            &all[0]["closeRate"]
        ),
        (&json!(10), &json!(8), &json!(3), &json!(80.0), &json!(37.5))
    );

    let days = summary(&app, &token, json!(["DAY"]), Value::Null).await;
    let got: Vec<_> = days
        .iter()
        .map(|r| {
            (
                r["periodStart"].clone(),
                r["callCount"].clone(),
                r["completedCalls"].clone(),
                r["closedWonCalls"].clone(),
                r["showRate"].clone(),
                r["closeRate"].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                json!("2026-03-07"),
                json!(4),
                json!(4),
                json!(1),
                json!(100.0),
                json!(25.0)
            ),
            (
                json!("2026-03-08"),
                json!(3),
                json!(1),
                json!(1),
                json!(33.33),
                json!(100.0)
            ),
            (
                json!("2026-03-09"),
                json!(3),
                json!(3),
                json!(1),
                json!(100.0),
                json!(33.33)
            ),
        ]
    );

    let sources = summary(&app, &token, json!(["TRAFFIC_SOURCE"]), Value::Null).await;
    let got: Vec<_> = sources
        .iter()
        .map(|r| {
            (
                r["trafficSource"].clone(),
                r["callCount"].clone(),
                r["showRate"].clone(),
                r["closeRate"].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (json!("META"), json!(5), json!(80.0), json!(50.0)),
            (json!("ORGANIC"), json!(5), json!(80.0), json!(25.0)),
        ]
    );

    let cells = summary(
        &app,
        &token,
        json!(["TRAFFIC_SOURCE", "CRM_STAGE"]),
        Value::Null,
    )
    .await;
    let find = |source: &str, stage: &str| {
        cells
            .iter()
            .find(|r| r["trafficSource"] == source && r["crmStage"] == stage)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(cells.len(), 8);
    assert_eq!(
        find("ORGANIC", "IN_PROGRESS")["closeRate"],
        Value::Null,
        "nothing completed"
    );
    assert_eq!(find("ORGANIC", "IN_PROGRESS")["showRate"], 0.0);
    assert_eq!(find("ORGANIC", "COMPLETED")["callCount"], 2);
    assert_eq!(find("META", "CLOSED_WON")["closeRate"], 100.0);

    // The list filters apply: meta only, by day.
    let meta = summary(
        &app,
        &token,
        json!(["DAY"]),
        json!({ "trafficSource": { "in": ["META"] } }),
    )
    .await;
    let got: Vec<_> = meta
        .iter()
        .map(|r| (r["periodStart"].clone(), r["callCount"].clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (json!("2026-03-07"), json!(1)),
            (json!("2026-03-08"), json!(2)),
            (json!("2026-03-09"), json!(2))
        ]
    );

    let weeks = summary(&app, &token, json!(["WEEK"]), Value::Null).await;
    let got: Vec<_> = weeks
        .iter()
        .map(|r| (r["periodStart"].clone(), r["callCount"].clone()))
        .collect();
    // Sat 3/7 and Sun 3/8 are in the week of Mon 3/2; Mon 3/9 starts the next.
    assert_eq!(
        got,
        vec![
            (json!("2026-03-02"), json!(7)),
            (json!("2026-03-09"), json!(3))
        ]
    );
}

async fn gql(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let body = app.graphql(Some(token), query, variables).await;
    assert!(body.get("errors").is_none(), "{query}: {body}");
    body["data"].clone()
}

async fn new_call(app: &TestApp, token: &str, agent: Option<&str>) -> String {
    let data = gql(
        app,
        token,
        "mutation($agent: ID) { createCall(input: { phoneNumber: \"+12125550150\", agentId: $agent }) { id } }",
        json!({ "agent": agent }),
    )
    .await;
    data["createCall"]["id"].as_str().expect("id").to_owned()
}

async fn status(app: &TestApp, token: &str, call: &str, to: &str, when: &str) {
    gql(
        app,
        token,
        "mutation($id: ID!, $s: CallStatus!, $at: DateTime) { updateCallStatus(id: $id, status: $s, at: $at) { id } }",
        json!({ "id": call, "s": to, "at": when }),
    )
    .await;
}

async fn analyse(app: &TestApp, token: &str, call: &str, score: i32, qualified: bool, demo: bool) {
    gql(
        app,
        token,
        "mutation($id: ID!, $score: Int, $q: Boolean!, $demo: Boolean!) { recordCallAnalysis(callId: $id, input: { totalScore: $score, isQualified: $q, ctaDemoClicked: $demo }) { id } }",
        json!({ "id": call, "score": score, "q": qualified, "demo": demo }),
    )
    .await;
}

/// Every rollup row of the organization, without ids and timestamps.
async fn rollups(app: &TestApp, org: Uuid) -> (Vec<Value>, Vec<Value>) {
    let strip = |mut v: Value| {
        for key in ["id", "created_at", "updated_at"] {
            v.as_object_mut().map(|o| o.remove(key));
        }
        v
    };
    let orgs = organization_analytics::Entity::find()
        .filter(organization_analytics::Column::OrganizationId.eq(org))
        .order_by_asc(organization_analytics::Column::Day)
        .all(&app.db.db)
        .await
        .expect("rows");
    let agents = agent_analytics::Entity::find()
        .filter(agent_analytics::Column::OrganizationId.eq(org))
        .order_by_asc(agent_analytics::Column::Day)
        .order_by_asc(agent_analytics::Column::AgentId)
        .all(&app.db.db)
        .await
        .expect("rows");
    (
        orgs.into_iter()
            .map(|r| strip(serde_json::to_value(r).expect("json")))
            .collect(),
        agents
            .into_iter()
            .map(|r| strip(serde_json::to_value(r).expect("json")))
            .collect(),
    )
}

async fn rollups_follow_the_calls_and_a_rebuild_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.manager);
    let mut agents = Vec::new();
    for name in ["Ava", "Ben"] {
        let data = gql(
            &app,
            &token,
            "mutation($n: String!) { createAgent(input: { provider: VAPI, externalAgentId: $n, name: $n }) { id } }",
            json!({ "n": name }),
        )
        .await;
        agents.push(data["createAgent"]["id"].as_str().expect("id").to_owned());
    }
    let (ava, ben) = (agents[0].as_str(), agents[1].as_str());
    // All on Sunday 2026-03-08 in New York.
    let a1 = new_call(&app, &token, Some(ava)).await;
    status(&app, &token, &a1, "IN_PROGRESS", "2026-03-08T16:00:00Z").await;
    analyse(&app, &token, &a1, 80, true, true).await; // before the end: counted at the end
    status(&app, &token, &a1, "COMPLETED", "2026-03-08T16:02:05Z").await; // 125 s → 3 min
    analyse(&app, &token, &a1, 60, false, true).await; // replaced after the end: moves by the difference
    let a2 = new_call(&app, &token, Some(ava)).await;
    status(&app, &token, &a2, "FAILED", "2026-03-08T17:00:00Z").await;
    let a3 = new_call(&app, &token, Some(ava)).await;
    status(&app, &token, &a3, "MISSED", "2026-03-08T18:00:00Z").await;
    let b1 = new_call(&app, &token, Some(ben)).await;
    status(&app, &token, &b1, "IN_PROGRESS", "2026-03-08T19:00:00Z").await;
    status(&app, &token, &b1, "COMPLETED", "2026-03-08T19:01:01Z").await; // 61 s → 2 min
    analyse(&app, &token, &b1, 50, false, false).await;
    let c1 = new_call(&app, &token, None).await;
    status(&app, &token, &c1, "IN_PROGRESS", "2026-03-09T03:00:00Z").await;
    status(&app, &token, &c1, "VOICEMAIL", "2026-03-09T03:00:30Z").await; // 23:00:30 EDT on 3/8; 30 s → 1 min
    // Writing a final status again changes nothing.
    status(&app, &token, &a1, "COMPLETED", "2026-03-08T16:02:05Z").await;

    let viewer = acme.token(acme.viewer);
    let data = gql(
        &app,
        &viewer,
        "{ analytics { organizationAnalytics(from: \"2026-03-08\", to: \"2026-03-08\") { periodStart figures { totalCalls successfulCalls failedCalls answeredCalls outboundCalls totalDurationSeconds totalBilledMinutes creditsUsed analyzedCalls qualifiedLeads ctaDemoClicks callsWithCta successRate conversionRate ctaConversionRate averageTotalScore averageDurationSeconds } } } }",
        json!({}),
    )
    .await;
    let periods = data["analytics"]["organizationAnalytics"]
        .as_array()
        .expect("list");
    assert_eq!(periods.len(), 1);
    assert_eq!(
        periods[0]["figures"],
        json!({
            "totalCalls": 5, "successfulCalls": 2, "failedCalls": 1, "answeredCalls": 3,
            "outboundCalls": 5, "totalDurationSeconds": 216, "totalBilledMinutes": 6,
            "creditsUsed": 6, "analyzedCalls": 2, "qualifiedLeads": 0, "ctaDemoClicks": 1,
            "callsWithCta": 1, "successRate": 40.0, "conversionRate": 0.0,
            "ctaConversionRate": 50.0, "averageTotalScore": 55.0, "averageDurationSeconds": 43.2
        })
    );

    let data = gql(
        &app,
        &viewer,
        "{ analytics { agentPerformance(from: \"2026-03-08\", to: \"2026-03-08\") { agentId rank rankedAgents callsChange figures { totalCalls successfulCalls failedCalls successRate averageTotalScore } agent { name } } } }",
        json!({}),
    )
    .await;
    let rows = data["analytics"]["agentPerformance"]
        .as_array()
        .expect("list");
    let got: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r["agent"]["name"].clone(),
                r["rank"].clone(),
                r["rankedAgents"].clone(),
                r["callsChange"].clone(),
                r["figures"].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                json!("Ava"),
                json!(1),
                json!(2),
                json!(3),
                json!({ "totalCalls": 3, "successfulCalls": 1, "failedCalls": 1, "successRate": 33.33, "averageTotalScore": 60.0 })
            ),
            (
                json!("Ben"),
                json!(2),
                json!(2),
                json!(1),
                json!({ "totalCalls": 1, "successfulCalls": 1, "failedCalls": 0, "successRate": 100.0, "averageTotalScore": 50.0 })
            ),
        ]
    );

    // Targets: 4 calls at 50 % success for Ava that day.
    let set = gql(
        &app,
        &token,
        "mutation($a: ID!) { setAgentTarget(input: { agentId: $a, granularity: DAY, periodStart: \"2026-03-08\", targetCalls: 4, targetSuccessRate: 50 }) { callsAchievement successRateAchievement leadsAchievement } }",
        json!({ "a": ava }),
    )
    .await;
    assert_eq!(
        set["setAgentTarget"],
        json!({ "callsAchievement": 75.0, "successRateAchievement": 66.66, "leadsAchievement": null })
    );
    let data = gql(
        &app,
        &viewer,
        "{ analytics { agentPerformance(from: \"2026-03-08\", to: \"2026-03-08\") { target { targetCalls callsAchievement } } } }",
        json!({}),
    )
    .await;
    let rows = &data["analytics"]["agentPerformance"];
    assert_eq!(
        rows[0]["target"],
        json!({ "targetCalls": 4, "callsAchievement": 75.0 })
    );
    assert_eq!(rows[1]["target"], Value::Null, "Ben has no target");
    let monday = app
        .graphql(
            Some(&token),
            "mutation($a: ID!) { setAgentTarget(input: { agentId: $a, granularity: WEEK, periodStart: \"2026-03-08\", targetCalls: 4 }) { callsAchievement } }",
            json!({ "a": ava }),
        )
        .await;
    assert_eq!(monday["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        monday["errors"][0]["extensions"]["field"],
        "input.periodStart"
    );

    let data = gql(
        &app,
        &viewer,
        "{ analytics { kpiSummary(asOf: \"2026-03-09\") { last7Days { totalCalls } lifetime { totalCalls successRate } bestAgent { agentId } } } }",
        json!({}),
    )
    .await;
    let kpi = &data["analytics"]["kpiSummary"];
    assert_eq!(kpi["last7Days"]["totalCalls"], 5);
    assert_eq!(kpi["lifetime"]["successRate"], 40.0);
    assert_eq!(
        kpi["bestAgent"]["agentId"], ava,
        "Ava ties Ben on successes and has more calls"
    );

    let kept = rollups(&app, acme.organization_id).await;
    assert_eq!(kept.0.len(), 1);
    assert_eq!(kept.1.len(), 2);
    let rebuilt = switchboard_app::analytics::rollups::rebuild(&app.db.db, None, None, None)
        .await
        .expect("rebuild");
    assert_eq!(rebuilt.calls, 5);
    assert_eq!(
        rollups(&app, acme.organization_id).await,
        kept,
        "a rebuild changes nothing"
    );
    // A partial rebuild of the day changes nothing either.
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 8);
    switchboard_app::analytics::rollups::rebuild(&app.db.db, Some(acme.organization_id), day, day)
        .await
        .expect("rebuild");
    assert_eq!(rollups(&app, acme.organization_id).await, kept);
}

async fn calls_ending_at_once_add_up_like_calls_ending_one_by_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.agent);
    let mut calls = Vec::new();
    for _ in 0..30 {
        let call = new_call(&app, &token, None).await;
        status(&app, &token, &call, "IN_PROGRESS", "2026-03-08T16:00:00Z").await;
        calls.push(call);
    }
    let ends = calls.iter().enumerate().map(|(i, call)| {
        let (app, token) = (&app, &token);
        let when = format!("2026-03-08T16:0{}:{:02}Z", i % 3, i);
        async move { status(app, token, call, "COMPLETED", &when).await }
    });
    futures::future::join_all(ends).await;

    let (orgs, _) = rollups(&app, acme.organization_id).await;
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0]["total_calls"], 30);
    assert_eq!(orgs[0]["successful_calls"], 30);
    // Serially: the sum of each call's own duration.
    let expected: i64 = (0..30).map(|i: i64| (i % 3) * 60 + i).sum();
    assert_eq!(orgs[0]["total_duration_seconds"], expected);
    let kept = rollups(&app, acme.organization_id).await;
    switchboard_app::analytics::rollups::rebuild(
        &app.db.db,
        Some(acme.organization_id),
        None,
        None,
    )
    .await
    .expect("rebuild");
    assert_eq!(rollups(&app, acme.organization_id).await, kept);
}
