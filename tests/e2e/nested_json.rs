//! Nested lists read their rows without the large JSON columns (a call's
//! `metadata`, a transcript's segments, an analysis's reasoning, topics
//! and objections); a query that asks for them still gets every value, in
//! a number of statements that does not grow with the page.

use chrono::Utc;
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use serde_json::{Value, json};
use switchboard_entity::enums::{
    AppointmentSource, CallOutcome, CallSource, CallStatus, CallType, CrmStage, Sentiment,
    TelephonyProvider, TrafficSource,
};
use switchboard_entity::{agents, calls, campaigns, leads};
use switchboard_tests::{Backend, Tenant, TestApp, ok, on_both_backends, spawn_app};
use uuid::Uuid;

on_both_backends!(
    nested_calls_answer_their_json_fields_whole,
    statements_for_json_fields_do_not_grow_with_the_page,
    every_call_field_reads_the_same_nested_as_alone,
);

const NESTED: &str = "query($first: Int) { leads(first: $first) { nodes { id calls(first: 5) { nodes { id metadata transcript { content segments { speaker text start end } } analysis { totalScore reasoning keyTopics objectionsRaised ctaInteractions } } } } } }";

/// What was written for one call.
struct Written {
    call: Uuid,
    metadata: Value,
    segments: Value,
    reasoning: Value,
    topics: Value,
}

/// `leads` leads with two calls each, every call with metadata, a
/// transcript and an analysis.
async fn world(app: &TestApp, acme: &Tenant, leads: usize) -> Vec<Written> {
    let db = &app.db.db;
    let token = acme.token(acme.manager);
    let now = Utc::now();
    let mut written = Vec::new();
    for i in 0..leads {
        let lead = Uuid::now_v7();
        leads::ActiveModel {
            id: Set(lead),
            organization_id: Set(acme.organization_id),
            phone_number: Set(format!("+141555501{i:02}")),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("lead");
        for j in 0..2 {
            let call = Uuid::now_v7();
            let metadata = json!({ "lead": i, "call": j, "nested": { "list": [1, 2, 3] } });
            calls::ActiveModel {
                id: Set(call),
                organization_id: Set(acme.organization_id),
                lead_id: Set(Some(lead)),
                status: Set(CallStatus::Completed),
                metadata: Set(metadata.clone()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
            .expect("call");
            let segments = json!([
                { "speaker": "agent", "text": format!("Hello {i}.{j}"), "start": 0.5, "end": 1.5 },
                { "speaker": "user", "text": "Hi", "start": 1.5, "end": null },
            ]);
            let body = app
                .graphql(
                    Some(&token),
                    "mutation($id: ID!, $input: TranscriptInput!) { attachTranscript(callId: $id, input: $input) { id } }",
                    json!({ "id": call, "input": { "content": format!("Hello {i}.{j}\nHi"), "segments": segments } }),
                )
                .await;
            ok(&body);
            let reasoning = json!({ "intent": format!("asked for a quote ({i}.{j})") });
            let topics = json!(["pricing", format!("topic {i}.{j}")]);
            let body = app
                .graphql(
                    Some(&token),
                    "mutation($id: ID!, $input: CallAnalysisInput!) { recordCallAnalysis(callId: $id, input: $input) { id } }",
                    json!({ "id": call, "input": { "totalScore": 70, "reasoning": reasoning, "keyTopics": topics, "objectionsRaised": ["price"] } }),
                )
                .await;
            ok(&body);
            written.push(Written {
                call,
                metadata,
                segments,
                reasoning,
                topics,
            });
        }
    }
    written
}

async fn nested_calls_answer_their_json_fields_whole(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let written = world(&app, &acme, 3).await;
    let body = app
        .graphql(
            Some(&acme.token(acme.viewer)),
            NESTED,
            json!({ "first": 10 }),
        )
        .await;
    let calls: Vec<&Value> = ok(&body)["leads"]["nodes"]
        .as_array()
        .expect("leads")
        .iter()
        .flat_map(|lead| lead["calls"]["nodes"].as_array().expect("calls"))
        .collect();
    assert_eq!(calls.len(), written.len(), "{body}");
    for w in &written {
        let call = calls
            .iter()
            .find(|c| c["id"] == w.call.to_string())
            .expect("every call is listed");
        assert_eq!(call["metadata"], w.metadata);
        assert_eq!(call["transcript"]["segments"], w.segments);
        assert_eq!(call["analysis"]["totalScore"], 70);
        assert_eq!(call["analysis"]["reasoning"], w.reasoning);
        assert_eq!(call["analysis"]["keyTopics"], w.topics);
        assert_eq!(call["analysis"]["objectionsRaised"], json!(["price"]));
    }

    // The same call alone, through `call(id)`, answers the same.
    let alone = app
        .graphql(
            Some(&acme.token(acme.viewer)),
            "query($id: ID!) { call(id: $id) { metadata transcript { segments { speaker text start end } } analysis { reasoning keyTopics } } }",
            json!({ "id": written[0].call }),
        )
        .await;
    let alone = &ok(&alone)["call"];
    assert_eq!(alone["metadata"], written[0].metadata);
    assert_eq!(alone["transcript"]["segments"], written[0].segments);
    assert_eq!(alone["analysis"]["keyTopics"], written[0].topics);
}

async fn statements_for_json_fields_do_not_grow_with_the_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    world(&app, &acme, 6).await;
    let token = acme.token(acme.viewer);
    let mut counts = Vec::new();
    for first in [1, 6] {
        let before = app.statements();
        let body = app
            .graphql(Some(&token), NESTED, json!({ "first": first }))
            .await;
        ok(&body);
        counts.push(app.statements() - before);
    }
    assert_eq!(
        counts[0], counts[1],
        "statements for 1 and 6 leads: {counts:?}"
    );
}

/// The scalar and enum fields of `Call` that take no arguments, from
/// introspection (so a field added later is covered too).
async fn scalar_fields(app: &TestApp, token: &str) -> Vec<String> {
    let body = app
        .graphql(
            Some(token),
            "{ __type(name: \"Call\") { fields { name args { name } type { kind ofType { kind ofType { kind } } } } } }",
            json!({}),
        )
        .await;
    ok(&body)["__type"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter(|f| f["args"].as_array().is_some_and(Vec::is_empty))
        .filter(|f| {
            let mut ty = &f["type"];
            while ty["kind"] == "NON_NULL" || ty["kind"] == "LIST" {
                ty = &ty["ofType"];
            }
            ty["kind"] == "SCALAR" || ty["kind"] == "ENUM"
        })
        .map(|f| f["name"].as_str().expect("name").to_owned())
        .collect()
}

/// A call with every column set, read through a lead's calls (its columns
/// decoded by position, its JSON left out) and through `call(id)` (the whole
/// row, by name): every field answers the same, and none is null.
async fn every_call_field_reads_the_same_nested_as_alone(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let db = &app.db.db;
    let org = acme.organization_id;
    let now = Utc::now();
    let at = |minutes: i64| now - chrono::Duration::minutes(minutes);
    let (lead, agent, campaign, call) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    leads::ActiveModel {
        id: Set(lead),
        organization_id: Set(org),
        phone_number: Set("+14155550100".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("lead");
    agents::ActiveModel {
        id: Set(agent),
        organization_id: Set(org),
        provider: Set(switchboard_entity::enums::AgentProvider::Retell),
        external_agent_id: Set("agent-1".into()),
        name: Set("Ada".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("agent");
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
    calls::ActiveModel {
        id: Set(call),
        organization_id: Set(org),
        lead_id: Set(Some(lead)),
        agent_id: Set(Some(agent)),
        campaign_id: Set(Some(campaign)),
        from_phone_number_id: Set(None),
        user_id: Set(Some(acme.agent)),
        provider: Set(Some(TelephonyProvider::Retell)),
        provider_call_id: Set(Some("retell-42".into())),
        phone_number: Set(Some("+14155550100".into())),
        caller_name: Set(Some("Grace Hopper".into())),
        caller_email: Set(Some("grace@example.com".into())),
        call_type: Set(CallType::OutboundDebt),
        call_source: Set(CallSource::Internet),
        status: Set(CallStatus::Completed),
        outcome: Set(Some(CallOutcome::Transferred)),
        crm_stage: Set(CrmStage::ClosedWon),
        traffic_source: Set(TrafficSource::Meta),
        source_of_set_appointment: Set(Some(AppointmentSource::NonSdrBookedCall)),
        lead_source: Set(Some("newsletter".into())),
        scheduled_at: Set(Some(at(30))),
        started_at: Set(Some(at(20))),
        ended_at: Set(Some(at(10))),
        duration_seconds: Set(Some(600)),
        billed_minutes: Set(Some(10)),
        credits_used: Set(25),
        cost_cents: Set(125),
        recording_url: Set(Some("https://example.com/r.mp3".into())),
        summary: Set(Some("Asked about a plan.".into())),
        purpose: Set(Some("collection".into())),
        notes: Set(Some("Call back Friday.".into())),
        ended_reason: Set(Some("customer-ended-call".into())),
        insurance_verified: Set(true),
        insurance_provider: Set(Some("Acme Health".into())),
        payment_plan_discussed: Set(true),
        payment_plan_amount_cents: Set(Some(50_000)),
        collection_attempt: Set(true),
        collection_amount_cents: Set(Some(12_345)),
        collection_success: Set(true),
        transferred_to_staff: Set(true),
        transferred_to: Set(Some("billing desk".into())),
        follow_up_required: Set(true),
        follow_up_date: Set(Some(now + chrono::Duration::days(3))),
        call_quality: Set(Some(4)),
        customer_sentiment: Set(Some(Sentiment::Positive)),
        ai_confidence: Set(Some(0.875)),
        metadata: Set(json!({ "campaign": "spring", "tries": [1, 2] })),
        created_at: Set(at(40)),
        updated_at: Set(at(5)),
    }
    .insert(db)
    .await
    .expect("call");

    let token = acme.token(acme.viewer);
    let fields = scalar_fields(&app, &token).await.join(" ");
    let nested = app
        .graphql(
            Some(&token),
            &format!(
                "{{ leads(first: 5) {{ nodes {{ calls(first: 5) {{ nodes {{ {fields} }} }} }} }} }}"
            ),
            json!({}),
        )
        .await;
    let nested = &ok(&nested)["leads"]["nodes"][0]["calls"]["nodes"][0];
    let alone = app
        .graphql(
            Some(&token),
            &format!("query($id: ID!) {{ call(id: $id) {{ {fields} }} }}"),
            json!({ "id": call }),
        )
        .await;
    let alone = &ok(&alone)["call"];
    assert_eq!(nested, alone);
    let nulls: Vec<&String> = alone
        .as_object()
        .expect("a call")
        .iter()
        .filter(|(_, v)| v.is_null())
        .map(|(k, _)| k)
        .collect();
    assert!(
        nulls.is_empty(),
        "every field should be set: {nulls:?} are null"
    );
}
