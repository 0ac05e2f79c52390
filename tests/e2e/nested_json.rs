//! Nested lists read their rows without the large JSON columns (a call's
//! `metadata`, a transcript's segments, an analysis's reasoning, topics
//! and objections); a query that asks for them still gets every value, in
//! a number of statements that does not grow with the page.

use chrono::Utc;
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use serde_json::{Value, json};
use switchboard_entity::enums::CallStatus;
use switchboard_entity::{calls, leads};
use switchboard_tests::{Backend, Tenant, TestApp, ok, on_both_backends, spawn_app};
use uuid::Uuid;

on_both_backends!(
    nested_calls_answer_their_json_fields_whole,
    statements_for_json_fields_do_not_grow_with_the_page,
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
