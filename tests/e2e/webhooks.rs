//! Provider webhooks through `POST /webhooks/{provider}`: each provider's
//! signature and payload, redeliveries, out-of-order delivery, unknown
//! callers, and refusals that change nothing.

use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use switchboard_domain::webhooks::{sign_elevenlabs, sign_retell, sign_vapi, twilio_signature};
use switchboard_entity::enums::{CallEventKind, CallStatus, CreditKind};
use switchboard_entity::{
    call_events, calls, credit_transactions, lead_analytics, leads, system_config, transcripts,
};
use switchboard_tests::{Backend, Tenant, TestApp, ok, on_both_backends, spawn_app};
use uuid::Uuid;

on_both_backends!(
    a_signing_secret_is_stored_encrypted_and_listed_without_its_value,
    a_vapi_call_lands_with_its_transcript_analysis_and_one_debit,
    a_vapi_report_delivered_five_times_changes_things_once,
    a_bad_or_missing_signature_is_refused_and_changes_nothing,
    an_elevenlabs_transcription_creates_the_call_and_its_lead,
    a_stale_elevenlabs_signature_is_refused,
    retell_events_out_of_order_converge_on_the_same_call,
    twilio_status_callbacks_are_verified_over_the_url_and_mapped,
    a_malformed_body_is_refused_with_a_reason,
    a_call_id_of_another_organization_is_refused,
    deliveries_without_a_configured_secret_are_refused,
);

const SECRET: &str = "whsec_test_0123456789";

/// Sets `provider`'s signing secret for the tenant through the API.
async fn configure(app: &TestApp, tenant: &Tenant, provider: &str) {
    let body = app
        .graphql(
            Some(&tenant.token(tenant.admin)),
            "mutation($p: WebhookProvider!, $s: String!) { setWebhookSecret(provider: $p, secret: $s) { provider configured path } }",
            json!({ "p": provider, "s": SECRET }),
        )
        .await;
    assert_eq!(ok(&body)["setWebhookSecret"]["configured"], true, "{body}");
}

/// Posts a delivery; returns the status and the JSON answer.
async fn deliver(
    app: &TestApp,
    path: &str,
    headers: &[(&str, String)],
    content_type: &str,
    body: &str,
) -> (u16, Value) {
    let mut request = app
        .client
        .post(format!("{}{path}", app.base_url))
        .header("content-type", content_type)
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn vapi(app: &TestApp, slug: &str, body: &Value) -> (u16, Value) {
    let body = body.to_string();
    deliver(
        app,
        &format!("/webhooks/vapi?org={slug}"),
        &[("x-vapi-signature", sign_vapi(SECRET, body.as_bytes()))],
        "application/json",
        &body,
    )
    .await
}

async fn retell(app: &TestApp, slug: &str, body: &Value) -> (u16, Value) {
    let body = body.to_string();
    let signature = sign_retell(SECRET, body.as_bytes(), Utc::now().timestamp_millis());
    deliver(
        app,
        &format!("/webhooks/retell?org={slug}"),
        &[("x-retell-signature", signature)],
        "application/json",
        &body,
    )
    .await
}

async fn elevenlabs(app: &TestApp, slug: &str, body: &Value, t: i64) -> (u16, Value) {
    let body = body.to_string();
    deliver(
        app,
        &format!("/webhooks/elevenlabs?org={slug}"),
        &[(
            "elevenlabs-signature",
            sign_elevenlabs(SECRET, body.as_bytes(), t),
        )],
        "application/json",
        &body,
    )
    .await
}

async fn twilio(app: &TestApp, slug: &str, params: &[(&str, &str)]) -> (u16, Value) {
    let response = app.post_twilio(slug, SECRET, params).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn vapi_report(call_id: &str, customer: &str) -> Value {
    let started = Utc::now() - Duration::minutes(10);
    let ended = started + Duration::seconds(150);
    json!({ "message": {
        "type": "end-of-call-report",
        "timestamp": ended.timestamp_millis(),
        "endedReason": "customer-ended-call",
        "startedAt": started.to_rfc3339(),
        "endedAt": ended.to_rfc3339(),
        "durationSeconds": 150.0,
        "cost": 0.42,
        "recordingUrl": "https://storage.vapi.ai/rec.wav",
        "call": { "id": call_id, "type": "inboundPhoneCall", "customer": { "number": customer }, "phoneNumber": { "number": "+15550001111" } },
        "customer": { "number": customer },
        "artifact": {
            "transcript": "AI: Hello, Brightside Dental.\nUser: I'd like a cleaning.",
            "messages": [
                { "role": "bot", "message": "Hello, Brightside Dental.", "secondsFromStart": 0.5 },
                { "role": "user", "message": "I'd like a cleaning.", "secondsFromStart": 3.2 }
            ]
        },
        "analysis": { "summary": "Caller booked a cleaning.", "successEvaluation": "true", "structuredData": { "service": "cleaning" } }
    }})
}

async fn org_calls(app: &TestApp, org: Uuid) -> Vec<calls::Model> {
    calls::Entity::find()
        .filter(calls::Column::OrganizationId.eq(org))
        .all(&app.db.db)
        .await
        .expect("calls")
}

async fn count_events(app: &TestApp, org: Uuid) -> u64 {
    call_events::Entity::find()
        .filter(call_events::Column::OrganizationId.eq(org))
        .count(&app.db.db)
        .await
        .expect("events")
}

async fn debits(app: &TestApp, call: Uuid) -> u64 {
    credit_transactions::Entity::find()
        .filter(credit_transactions::Column::CallId.eq(call))
        .filter(credit_transactions::Column::Kind.eq(CreditKind::Usage))
        .count(&app.db.db)
        .await
        .expect("ledger")
}

async fn a_signing_secret_is_stored_encrypted_and_listed_without_its_value(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    configure(&app, &acme, "VAPI").await;
    let row = system_config::Entity::find()
        .filter(system_config::Column::OrganizationId.eq(acme.organization_id))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("a row");
    assert!(row.is_encrypted);
    assert!(!row.value.contains(SECRET), "stored sealed, not as given");

    let body = app
        .graphql(
            Some(&acme.token(acme.admin)),
            "{ webhookEndpoints { provider path configured } }",
            json!({}),
        )
        .await;
    let endpoints = ok(&body)["webhookEndpoints"]
        .as_array()
        .expect("list")
        .clone();
    assert_eq!(endpoints.len(), 4);
    assert_eq!(endpoints[0]["provider"], "VAPI");
    assert_eq!(endpoints[0]["configured"], true);
    assert_eq!(endpoints[0]["path"], "/webhooks/vapi?org=acme");
    assert_eq!(endpoints[3]["configured"], false);

    let agent = app
        .graphql(
            Some(&acme.token(acme.manager)),
            "mutation { setWebhookSecret(provider: RETELL, secret: \"long-enough-secret\") { configured } }",
            json!({}),
        )
        .await;
    assert_eq!(agent["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

async fn a_vapi_call_lands_with_its_transcript_analysis_and_one_debit(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    configure(&app, &acme, "VAPI").await;
    let update = json!({ "message": {
        "type": "status-update", "status": "in-progress",
        "timestamp": Utc::now().timestamp_millis(),
        "call": { "id": "vapi-call-1", "type": "inboundPhoneCall", "customer": { "number": "+1 (212) 555-0101" } }
    }});
    let (status, answer) = vapi(&app, "acme", &update).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["callCreated"], true);
    assert_eq!(answer["leadCreated"], true);
    assert_eq!(answer["status"], "in_progress");

    let (status, answer) = vapi(&app, "acme", &vapi_report("vapi-call-1", "+12125550101")).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["callCreated"], false);
    let calls = org_calls(&app, acme.organization_id).await;
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.status, CallStatus::Completed);
    assert_eq!(call.phone_number.as_deref(), Some("+12125550101"));
    assert_eq!(call.ended_reason.as_deref(), Some("customer-ended-call"));
    assert_eq!(call.cost_cents, 42);
    assert_eq!(call.summary.as_deref(), Some("Caller booked a cleaning."));
    assert_eq!(call.billed_minutes, Some(3), "150 s bill as 3 minutes");
    assert_eq!(debits(&app, call.id).await, 1);

    let lead = leads::Entity::find_by_id(call.lead_id.expect("a lead"))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("lead");
    assert!(lead.is_auto_created);
    assert_eq!(lead.auto_created_from_call_id, Some(call.id));
    let transcript = transcripts::Entity::find()
        .filter(transcripts::Column::CallId.eq(call.id))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("a transcript");
    assert!(transcript.content.contains("I'd like a cleaning."));
    assert_eq!(
        transcript.speaker_segments.as_array().map(Vec::len),
        Some(2)
    );
    let analysis = lead_analytics::Entity::find()
        .filter(lead_analytics::Column::CallId.eq(call.id))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("an analysis");
    assert_eq!(analysis.reasoning["data"]["service"], "cleaning");

    // The API sees the call the provider reported, with its provider events.
    let body = app
        .graphql(
            Some(&acme.token(acme.viewer)),
            "query($id: ID!) { call(id: $id) { status transcript { content } lead { isAutoCreated } } }",
            json!({ "id": call.id.to_string() }),
        )
        .await;
    assert_eq!(ok(&body)["call"]["status"], "COMPLETED", "{body}");
    let provider_events = call_events::Entity::find()
        .filter(call_events::Column::CallId.eq(call.id))
        .filter(call_events::Column::Kind.eq(CallEventKind::ProviderEvent))
        .count(&app.db.db)
        .await
        .expect("count");
    assert_eq!(provider_events, 2, "each delivery is kept raw");
}

async fn a_vapi_report_delivered_five_times_changes_things_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    configure(&app, &acme, "VAPI").await;
    let report = vapi_report("vapi-call-5x", "+12125550102");
    let (status, first) = vapi(&app, "acme", &report).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["duplicate"], false);
    let events = count_events(&app, acme.organization_id).await;
    for _ in 0..4 {
        let (status, again) = vapi(&app, "acme", &report).await;
        assert_eq!(status, 200, "{again}");
        assert_eq!(again["duplicate"], true);
        assert_eq!(again["callId"], first["callId"]);
    }
    let calls = org_calls(&app, acme.organization_id).await;
    assert_eq!(calls.len(), 1, "one call");
    assert_eq!(debits(&app, calls[0].id).await, 1, "one debit");
    let transcripts = transcripts::Entity::find()
        .filter(transcripts::Column::OrganizationId.eq(acme.organization_id))
        .count(&app.db.db)
        .await
        .expect("count");
    assert_eq!(transcripts, 1, "one transcript");
    let leads = leads::Entity::find()
        .filter(leads::Column::OrganizationId.eq(acme.organization_id))
        .count(&app.db.db)
        .await
        .expect("count");
    assert_eq!(leads, 1, "one auto-created lead");
    assert_eq!(
        count_events(&app, acme.organization_id).await,
        events,
        "redeliveries record nothing"
    );

    // Copies racing each other settle the same way.
    let racing = vapi_report("vapi-call-race", "+12125550103");
    let results = futures::future::join_all((0..5).map(|_| vapi(&app, "acme", &racing))).await;
    assert!(
        results.iter().all(|(status, _)| *status == 200),
        "{results:?}"
    );
    assert_eq!(
        results
            .iter()
            .filter(|(_, a)| a["duplicate"] == false)
            .count(),
        1,
        "{results:?}"
    );
    assert_eq!(org_calls(&app, acme.organization_id).await.len(), 2);
}

async fn a_bad_or_missing_signature_is_refused_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    configure(&app, &acme, "VAPI").await;
    let body = vapi_report("vapi-call-bad", "+12125550104").to_string();
    let wrong = sign_vapi("not-the-secret", body.as_bytes());
    let (status, answer) = deliver(
        &app,
        "/webhooks/vapi?org=acme",
        &[("x-vapi-signature", wrong)],
        "application/json",
        &body,
    )
    .await;
    assert_eq!(status, 401, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap_or_default()
            .contains("signature")
    );
    let tampered = body.replace("customer-ended-call", "customer-busy");
    let (status, _) = deliver(
        &app,
        "/webhooks/vapi?org=acme",
        &[("x-vapi-signature", sign_vapi(SECRET, body.as_bytes()))],
        "application/json",
        &tampered,
    )
    .await;
    assert_eq!(status, 401, "a body changed after signing");
    let (status, answer) = deliver(
        &app,
        "/webhooks/vapi?org=acme",
        &[],
        "application/json",
        &body,
    )
    .await;
    assert_eq!(status, 401, "{answer}");
    // Vapi's plain server secret header is accepted too.
    let (status, _) = deliver(
        &app,
        "/webhooks/vapi?org=acme",
        &[("x-vapi-secret", "wrong".to_owned())],
        "application/json",
        &body,
    )
    .await;
    assert_eq!(status, 401);
    assert!(org_calls(&app, acme.organization_id).await.is_empty());
    assert_eq!(count_events(&app, acme.organization_id).await, 0);
    let (status, _) = deliver(
        &app,
        "/webhooks/vapi?org=acme",
        &[("x-vapi-secret", SECRET.to_owned())],
        "application/json",
        &body,
    )
    .await;
    assert_eq!(status, 200);
}

fn elevenlabs_body(conversation: &str, customer: &str) -> Value {
    let start = Utc::now().timestamp() - 600;
    json!({
        "type": "post_call_transcription",
        "event_timestamp": start + 200,
        "data": {
            "agent_id": "el-agent-1",
            "conversation_id": conversation,
            "status": "done",
            "transcript": [
                { "role": "agent", "message": "Hi, this is Ava from Brightside.", "time_in_call_secs": 0 },
                { "role": "user", "message": "Can I move my appointment?", "time_in_call_secs": 4 }
            ],
            "metadata": {
                "start_time_unix_secs": start,
                "call_duration_secs": 61,
                "termination_reason": "end_call tool was called.",
                "phone_call": { "direction": "inbound", "agent_number": "+15550001111", "external_number": customer, "call_sid": "CA123" }
            },
            "analysis": { "call_successful": "success", "transcript_summary": "Rescheduled.", "data_collection_results": {}, "evaluation_criteria_results": {} }
        }
    })
}

async fn an_elevenlabs_transcription_creates_the_call_and_its_lead(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    configure(&app, &acme, "ELEVENLABS").await;
    // A caller who is already a lead is matched, not duplicated.
    let known = app
        .graphql(
            Some(&acme.token(acme.agent)),
            "mutation { createLead(input: { phoneNumber: \"+12125550105\", firstName: \"Dana\" }) { id } }",
            json!({}),
        )
        .await;
    let known = ok(&known)["createLead"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (status, answer) = elevenlabs(
        &app,
        "acme",
        &elevenlabs_body("conv_1", "+12125550105"),
        Utc::now().timestamp(),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["leadCreated"], false);
    assert_eq!(answer["status"], "completed");
    let calls = org_calls(&app, acme.organization_id).await;
    assert_eq!(calls[0].lead_id.map(|l| l.to_string()), Some(known));
    assert_eq!(calls[0].duration_seconds, Some(61));
    assert_eq!(calls[0].billed_minutes, Some(2));

    let (status, answer) = elevenlabs(
        &app,
        "acme",
        &elevenlabs_body("conv_2", "+12125550106"),
        Utc::now().timestamp(),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["leadCreated"], true,
        "an unknown caller becomes a lead"
    );
}

async fn a_stale_elevenlabs_signature_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    configure(&app, &acme, "ELEVENLABS").await;
    let an_hour_ago = Utc::now().timestamp() - 3_600;
    let (status, answer) = elevenlabs(
        &app,
        "acme",
        &elevenlabs_body("conv_old", "+12125550107"),
        an_hour_ago,
    )
    .await;
    assert_eq!(status, 401, "{answer}");
    assert!(org_calls(&app, acme.organization_id).await.is_empty());
}

fn retell_call(event: &str, call_id: &str, start_ms: i64, end_ms: Option<i64>) -> Value {
    let mut call = json!({
        "call_id": call_id,
        "agent_id": "retell-agent-1",
        "call_type": "phone_call",
        "direction": "outbound",
        "from_number": "+15550001111",
        "to_number": "+12125550108",
        "call_status": if end_ms.is_some() { "ended" } else { "ongoing" },
        "start_timestamp": start_ms,
    });
    if let Some(end) = end_ms {
        call["end_timestamp"] = json!(end);
        call["disconnection_reason"] = json!("user_hangup");
        call["transcript"] = json!("Agent: Hi!\nUser: Hello.");
        call["transcript_object"] = json!([
            { "role": "agent", "content": "Hi!", "words": [{ "word": "Hi!", "start": 0.4, "end": 0.8 }] },
            { "role": "user", "content": "Hello.", "words": [{ "word": "Hello.", "start": 1.5, "end": 2.0 }] }
        ]);
        call["call_cost"] = json!({ "combined_cost": 37 });
    }
    if event == "call_analyzed" {
        call["call_analysis"] = json!({ "call_summary": "Friendly chat.", "user_sentiment": "Positive", "call_successful": true, "in_voicemail": false, "custom_analysis_data": { "budget": "high" } });
    }
    json!({ "event": event, "call": call })
}

async fn retell_events_out_of_order_converge_on_the_same_call(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    configure(&app, &acme, "RETELL").await;
    let start = (Utc::now() - Duration::minutes(5)).timestamp_millis();
    let end = start + 95_000;
    // Delivered backwards: analyzed, ended, then started.
    for event in [
        retell_call("call_analyzed", "rt_1", start, Some(end)),
        retell_call("call_ended", "rt_1", start, Some(end)),
        retell_call("call_started", "rt_1", start, None),
    ] {
        let (status, answer) = retell(&app, "acme", &event).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(
            answer["status"], "completed",
            "a finished call stays finished"
        );
    }
    // The same events in order, for another call.
    for event in [
        retell_call("call_started", "rt_2", start, None),
        retell_call("call_ended", "rt_2", start, Some(end)),
        retell_call("call_analyzed", "rt_2", start, Some(end)),
    ] {
        let (status, answer) = retell(&app, "acme", &event).await;
        assert_eq!(status, 200, "{answer}");
    }
    let calls = org_calls(&app, acme.organization_id).await;
    assert_eq!(calls.len(), 2);
    let (backwards, forwards) = if calls[0].provider_call_id.as_deref() == Some("rt_1") {
        (&calls[0], &calls[1])
    } else {
        (&calls[1], &calls[0])
    };
    for call in [backwards, forwards] {
        assert_eq!(call.status, CallStatus::Completed);
        assert_eq!(call.duration_seconds, Some(95));
        assert_eq!(call.billed_minutes, Some(2));
        assert_eq!(call.cost_cents, 37);
        assert_eq!(call.summary.as_deref(), Some("Friendly chat."));
        assert_eq!(debits(&app, call.id).await, 1);
    }
    assert_eq!(backwards.started_at, forwards.started_at);
    assert_eq!(backwards.ended_at, forwards.ended_at);
    assert_eq!(
        backwards.lead_id, forwards.lead_id,
        "both calls reached the same number's lead"
    );
}

async fn twilio_status_callbacks_are_verified_over_the_url_and_mapped(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    configure(&app, &acme, "TWILIO").await;
    let base = [
        ("CallSid", "CA0001"),
        ("AccountSid", "AC0001"),
        ("From", "+15550001111"),
        ("To", "+12125550109"),
        ("Direction", "outbound-api"),
    ];
    for (status_value, expected) in [
        ("ringing", "ringing"),
        ("in-progress", "in_progress"),
        ("completed", "completed"),
    ] {
        let mut params = base.to_vec();
        params.push(("CallStatus", status_value));
        if status_value == "completed" {
            params.push(("CallDuration", "42"));
        }
        let (status, answer) = twilio(&app, "acme", &params).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["status"], expected);
    }
    let mut busy = base.to_vec();
    busy[0] = ("CallSid", "CA0002");
    busy.push(("CallStatus", "busy"));
    let (status, answer) = twilio(&app, "acme", &busy).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], "missed");
    let calls = org_calls(&app, acme.organization_id).await;
    let missed = calls
        .iter()
        .find(|c| c.provider_call_id.as_deref() == Some("CA0002"))
        .expect("the busy call");
    assert_eq!(
        missed.outcome,
        Some(switchboard_entity::enums::CallOutcome::Busy)
    );

    // Signed for another URL: refused.
    let mut params = base.to_vec();
    params[0] = ("CallSid", "CA0003");
    params.push(("CallStatus", "ringing"));
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let signature = twilio_signature(SECRET, "https://elsewhere.example/webhooks/twilio", &owned);
    let body = owned
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace('+', "%2B")))
        .collect::<Vec<_>>()
        .join("&");
    let (status, _) = deliver(
        &app,
        "/webhooks/twilio?org=acme",
        &[("x-twilio-signature", signature)],
        "application/x-www-form-urlencoded",
        &body,
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(org_calls(&app, acme.organization_id).await.len(), 2);
}

async fn a_malformed_body_is_refused_with_a_reason(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    configure(&app, &acme, "VAPI").await;
    for body in [
        "{ not json".to_owned(),
        json!({ "message": { "type": "status-update", "status": "ringing" } }).to_string(),
    ] {
        let (status, answer) = deliver(
            &app,
            "/webhooks/vapi?org=acme",
            &[("x-vapi-signature", sign_vapi(SECRET, body.as_bytes()))],
            "application/json",
            &body,
        )
        .await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(!answer["error"].as_str().unwrap_or_default().is_empty());
    }
    assert_eq!(count_events(&app, acme.organization_id).await, 0);
    let (status, _) = deliver(&app, "/webhooks/vapi", &[], "application/json", "{}").await;
    assert_eq!(status, 400, "no organization named");
    let (status, _) = deliver(
        &app,
        "/webhooks/acme-phone?org=acme",
        &[],
        "application/json",
        "{}",
    )
    .await;
    assert_eq!(status, 404, "no such provider");
}

async fn a_call_id_of_another_organization_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let other = Tenant::create(&app.db.db, "other").await;
    configure(&app, &acme, "VAPI").await;
    configure(&app, &other, "VAPI").await;
    let (status, _) = vapi(&app, "acme", &vapi_report("shared-id", "+12125550110")).await;
    assert_eq!(status, 200);
    let mut theirs = vapi_report("shared-id", "+12125550111");
    theirs["message"]["endedReason"] = json!("customer-busy");
    let (status, answer) = vapi(&app, "other", &theirs).await;
    assert_eq!(status, 409, "{answer}");
    assert!(org_calls(&app, other.organization_id).await.is_empty());
    let ours = org_calls(&app, acme.organization_id).await;
    assert_eq!(ours[0].ended_reason.as_deref(), Some("customer-ended-call"));
}

async fn deliveries_without_a_configured_secret_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let (status, answer) = vapi(&app, "acme", &vapi_report("no-secret", "+12125550112")).await;
    assert_eq!(status, 401, "{answer}");
    let (status, _) = vapi(&app, "nobody", &vapi_report("no-org", "+12125550112")).await;
    assert_eq!(status, 404);
    assert!(org_calls(&app, acme.organization_id).await.is_empty());
}
