//! `calls(filter:)`: every CallFilter operator, both orders and both paging
//! directions; `agents { calls }` paged per agent.

use chrono::{Duration, Utc};
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use serde_json::{Value, json};
use switchboard_entity::enums::{
    AgentProvider, CallOutcome, CallStatus, CallType, CrmStage, TrafficSource,
};
use switchboard_entity::{agents, calls, campaigns, leads};
use switchboard_tests::{Backend, Tenant, TestApp, ok, on_both_backends, spawn_app};
use uuid::Uuid;

on_both_backends!(
    every_call_filter_operator_selects_the_right_calls,
    calls_page_in_both_directions_and_agents_page_their_own
);

struct World {
    acme: Tenant,
    agents: [Uuid; 2],
    campaign: Uuid,
    leads: [Uuid; 2],
    /// Calls in creation order, with their purpose as a name.
    calls: Vec<Uuid>,
}

/// Six calls: (purpose, lead, agent, campaign?, status, outcome, stage, source, type, days ago, duration).
async fn world(app: &TestApp) -> World {
    let acme = Tenant::create(&app.db.db, "acme").await;
    let org = acme.organization_id;
    let db = &app.db.db;
    let now = Utc::now();
    let mut agent_ids = [Uuid::nil(); 2];
    for (i, id) in agent_ids.iter_mut().enumerate() {
        *id = Uuid::now_v7();
        agents::ActiveModel {
            id: Set(*id),
            organization_id: Set(org),
            provider: Set(AgentProvider::Vapi),
            external_agent_id: Set(format!("a{i}")),
            name: Set(format!("Agent {i}")),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("agent");
    }
    let campaign = Uuid::now_v7();
    campaigns::ActiveModel {
        id: Set(campaign),
        organization_id: Set(org),
        name: Set("Spring".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("campaign");
    let mut lead_ids = [Uuid::nil(); 2];
    for (i, id) in lead_ids.iter_mut().enumerate() {
        *id = Uuid::now_v7();
        leads::ActiveModel {
            id: Set(*id),
            organization_id: Set(org),
            phone_number: Set(format!("+1415555010{i}")),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("lead");
    }
    let specs = [
        (
            "c0",
            0,
            0,
            true,
            CallStatus::Completed,
            Some(CallOutcome::Booked),
            CrmStage::ClosedWon,
            TrafficSource::Meta,
            CallType::OutboundLead,
            9,
            Some(300),
        ),
        (
            "c1",
            0,
            1,
            false,
            CallStatus::Voicemail,
            Some(CallOutcome::Voicemail),
            CrmStage::NoShow,
            TrafficSource::Organic,
            CallType::OutboundFollowup,
            7,
            Some(40),
        ),
        (
            "c2",
            1,
            0,
            true,
            CallStatus::Completed,
            Some(CallOutcome::Information),
            CrmStage::Completed,
            TrafficSource::Meta,
            CallType::Inbound,
            5,
            Some(120),
        ),
        (
            "c3",
            1,
            1,
            false,
            CallStatus::Failed,
            Some(CallOutcome::Failed),
            CrmStage::Scheduled,
            TrafficSource::Organic,
            CallType::OutboundLead,
            3,
            Some(0),
        ),
        (
            "c4",
            0,
            0,
            false,
            CallStatus::Scheduled,
            None,
            CrmStage::Scheduled,
            TrafficSource::Organic,
            CallType::OutboundCampaign,
            1,
            None,
        ),
        (
            "c5",
            1,
            1,
            true,
            CallStatus::Completed,
            Some(CallOutcome::PaymentPlan),
            CrmStage::Lost,
            TrafficSource::Meta,
            CallType::OutboundDebt,
            0,
            Some(600),
        ),
    ];
    let mut call_ids = Vec::new();
    for (purpose, lead, agent, in_campaign, status, outcome, stage, source, kind, days, duration) in
        specs
    {
        let id = Uuid::now_v7();
        let at = now - Duration::days(days) - Duration::minutes(call_ids.len() as i64);
        calls::ActiveModel {
            id: Set(id),
            organization_id: Set(org),
            lead_id: Set(Some(lead_ids[lead])),
            agent_id: Set(Some(agent_ids[agent])),
            campaign_id: Set(in_campaign.then_some(campaign)),
            status: Set(status),
            outcome: Set(outcome),
            crm_stage: Set(stage),
            traffic_source: Set(source),
            call_type: Set(kind),
            purpose: Set(Some(purpose.into())),
            duration_seconds: Set(duration),
            started_at: Set(duration.map(|_| at)),
            ended_at: Set(duration.map(|d| at + Duration::seconds(i64::from(d)))),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("call");
        call_ids.push(id);
    }
    World {
        acme,
        agents: agent_ids,
        campaign,
        leads: lead_ids,
        calls: call_ids,
    }
}

async fn purposes(app: &TestApp, token: &str, filter: Value) -> Vec<String> {
    let body = app.graphql(Some(token), "query($f: CallFilter) { calls(filter: $f, first: 100, orderBy: { direction: ASC }) { totalCount nodes { purpose } } }", json!({ "f": filter })).await;
    let calls = &ok(&body)["calls"];
    let names: Vec<String> = calls["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["purpose"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(calls["totalCount"].as_u64(), Some(names.len() as u64));
    names
}

async fn every_call_filter_operator_selects_the_right_calls(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = world(&app).await;
    let t = w.acme.token(w.acme.viewer);
    let cases = vec![
        (json!({}), vec!["c0", "c1", "c2", "c3", "c4", "c5"]),
        (
            json!({ "status": { "in": ["COMPLETED"] } }),
            vec!["c0", "c2", "c5"],
        ),
        (
            json!({ "status": { "notIn": ["COMPLETED", "SCHEDULED"] } }),
            vec!["c1", "c3"],
        ),
        (
            json!({ "outcome": { "in": ["BOOKED", "PAYMENT_PLAN"] } }),
            vec!["c0", "c5"],
        ),
        (
            json!({ "crmStage": { "in": ["CLOSED_WON", "LOST"] } }),
            vec!["c0", "c5"],
        ),
        (
            json!({ "trafficSource": { "in": ["META"] } }),
            vec!["c0", "c2", "c5"],
        ),
        (
            json!({ "callType": { "in": ["INBOUND", "OUTBOUND_DEBT"] } }),
            vec!["c2", "c5"],
        ),
        (
            json!({ "agent": { "eq": w.agents[1].to_string() } }),
            vec!["c1", "c3", "c5"],
        ),
        (
            json!({ "campaign": { "eq": w.campaign.to_string() } }),
            vec!["c0", "c2", "c5"],
        ),
        (
            json!({ "campaign": { "isNull": true } }),
            vec!["c1", "c3", "c4"],
        ),
        (
            json!({ "lead": { "in": [w.leads[1].to_string()] } }),
            vec!["c2", "c3", "c5"],
        ),
        (
            json!({ "createdAt": { "gte": (Utc::now() - Duration::days(4)).to_rfc3339() } }),
            vec!["c3", "c4", "c5"],
        ),
        (json!({ "startedAt": { "isNull": true } }), vec!["c4"]),
        (
            json!({ "endedAt": { "lt": (Utc::now() - Duration::days(6)).to_rfc3339() } }),
            vec!["c0", "c1"],
        ),
        (
            json!({ "durationSeconds": { "gte": 100, "lte": 400 } }),
            vec!["c0", "c2"],
        ),
        (
            json!({ "or": [{ "status": { "in": ["FAILED"] } }, { "durationSeconds": { "gt": 500 } }] }),
            vec!["c3", "c5"],
        ),
        (
            json!({ "not": { "trafficSource": { "in": ["META"] } }, "and": [{ "status": { "notIn": ["SCHEDULED"] } }] }),
            vec!["c1", "c3"],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            purposes(&app, &t, filter.clone()).await,
            expected,
            "filter {filter}"
        );
    }
    let bad = app
        .graphql(
            Some(&t),
            "{ calls(filter: { agent: { eq: \"nope\" } }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "filter.agent");
    let _ = &w.calls;
}

async fn calls_page_in_both_directions_and_agents_page_their_own(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = world(&app).await;
    let t = w.acme.token(w.acme.viewer);
    let page = "query($first: Int, $after: String, $last: Int, $before: String, $dir: Direction!) {
        calls(first: $first, after: $after, last: $last, before: $before, orderBy: { direction: $dir }) {
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { purpose } } }";
    for (dir, expected) in [
        ("DESC", ["c5", "c4", "c3", "c2", "c1", "c0"]),
        ("ASC", ["c0", "c1", "c2", "c3", "c4", "c5"]),
    ] {
        let mut forward = Vec::new();
        let mut after = Value::Null;
        loop {
            let body = app
                .graphql(
                    Some(&t),
                    page,
                    json!({ "first": 4, "after": after, "dir": dir }),
                )
                .await;
            let calls = &ok(&body)["calls"];
            forward.extend(
                calls["nodes"]
                    .as_array()
                    .expect("nodes")
                    .iter()
                    .map(|n| n["purpose"].as_str().unwrap_or_default().to_owned()),
            );
            if calls["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = calls["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(forward, expected, "forward {dir}");
        let last = app
            .graphql(Some(&t), page, json!({ "last": 4, "dir": dir }))
            .await;
        let last = &ok(&last)["calls"];
        let tail: Vec<&str> = last["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["purpose"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(
            tail,
            expected[2..].to_vec(),
            "the last four, in order ({dir})"
        );
        let before = app
            .graphql(
                Some(&t),
                page,
                json!({ "last": 4, "before": last["pageInfo"]["startCursor"], "dir": dir }),
            )
            .await;
        let head: Vec<&str> = ok(&before)["calls"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["purpose"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(
            head,
            expected[..2].to_vec(),
            "what comes before them ({dir})"
        );
    }
    let agents = app
        .graphql(
            Some(&t),
            "{ agents { name calls(first: 2) { totalCount nodes { purpose } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&agents)["agents"],
        json!([
            { "name": "Agent 0", "calls": { "totalCount": 3, "nodes": [{ "purpose": "c4" }, { "purpose": "c2" }] } },
            { "name": "Agent 1", "calls": { "totalCount": 3, "nodes": [{ "purpose": "c5" }, { "purpose": "c3" }] } },
        ])
    );
}
