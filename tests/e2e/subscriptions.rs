//! Live call status over WebSocket, in both sub-protocols, scoped to the
//! subscriber's organization, resumable, and across instances.

use chrono::Utc;
use futures::{SinkExt, StreamExt};
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use serde_json::{Value, json};
use switchboard_entity::enums::{CallEventKind, CallEventSource, CallStatus};
use switchboard_entity::{call_events, calls};
use switchboard_tests::{Backend, Tenant, TestApp, on_both_backends, spawn_app};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

on_both_backends!(
    a_subscriber_sees_its_organizations_status_changes_and_nothing_else,
    the_legacy_graphql_ws_protocol_works_too,
    a_bad_token_closes_the_socket,
    a_reconnecting_client_replays_what_it_missed,
    subscriptions_also_stream_over_server_sent_events,
    each_kind_of_call_change_reaches_its_own_subscription,
    lead_changes_reach_lead_subscribers,
    live_counters_follow_status_changes,
    a_provider_webhook_reaches_subscribers,
    quiet_sockets_get_keep_alives_in_both_protocols,
);

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const SUBSCRIPTION: &str = "subscription($after: ID, $callId: ID) { callStatusChanged(after: $after, callId: $callId) { eventId callId previousStatus status call { status } } }";

pub async fn connect(base_url: &str, protocol: &str, token: &str) -> Socket {
    let url = base_url.replace("http://", "ws://") + "/graphql";
    let mut request = url.into_client_request().expect("request");
    request
        .headers_mut()
        .insert("sec-websocket-protocol", protocol.parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("upgrade");
    send(&mut socket, json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })).await;
    let ack = next_json(&mut socket)
        .await
        .expect("an answer to connection_init");
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    socket
}

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("sent");
}

/// The next JSON message, skipping keep-alives; None when the socket closes.
pub async fn next_json(socket: &mut Socket) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")?
            .ok()?;
        match message {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(&text).expect("json");
                if value["type"] != "ka" && value["type"] != "ping" {
                    return Some(value);
                }
            }
            Message::Close(_) => return None,
            _ => {}
        }
    }
}

async fn subscribe(socket: &mut Socket, kind: &str, variables: Value) {
    send(socket, json!({ "id": "1", "type": kind, "payload": { "query": SUBSCRIPTION, "variables": variables } })).await;
}

pub async fn live_call(app: &TestApp, org: Uuid) -> Uuid {
    let id = Uuid::now_v7();
    let now = Utc::now();
    calls::ActiveModel {
        id: Set(id),
        organization_id: Set(org),
        status: Set(CallStatus::Scheduled),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .expect("call");
    id
}

/// A cursor to resume from: the creation event of a call of its own, so
/// whatever happens after it is replayed and tests need not race the
/// subscription's registration.
pub async fn mark(app: &TestApp, org: Uuid) -> String {
    let call = live_call(app, org).await;
    let now = Utc::now();
    let id = Uuid::now_v7();
    let event = call_events::ActiveModel {
        id: Set(id),
        organization_id: Set(org),
        call_id: Set(call),
        kind: Set(CallEventKind::Created),
        from_status: Set(None),
        to_status: Set(Some(CallStatus::Scheduled)),
        source: Set(CallEventSource::System),
        provider_event_id: Set(None),
        payload: Set(json!({})),
        actor_user_id: Set(None),
        occurred_at: Set(now),
        created_at: Set(now),
        seq: Set(None),
    };
    switchboard_tests::append_events(&app.db.db, vec![event]).await;
    id.to_string()
}

pub async fn set_status(
    base_url: &str,
    client: &reqwest::Client,
    token: &str,
    call: Uuid,
    status: &str,
) {
    let body: Value = client
        .post(format!("{base_url}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": "mutation($id: ID!, $s: CallStatus!) { updateCallStatus(id: $id, status: $s) { id } }", "variables": { "id": call.to_string(), "s": status } }))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert!(body.get("errors").is_none(), "{body}");
}

fn payload(message: &Value) -> &Value {
    &message["payload"]["data"]["callStatusChanged"]
}

async fn a_subscriber_sees_its_organizations_status_changes_and_nothing_else(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let other = Tenant::create(&app.db.db, "other").await;
    let (acme_call, other_call) = (
        live_call(&app, acme.organization_id).await,
        live_call(&app, other.organization_id).await,
    );
    // `after` an event just before the changes: whatever arrives before the
    // subscription is registered is replayed, so the test has no race.
    let since = mark(&app, acme.organization_id).await;
    let mut acme_socket = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.viewer),
    )
    .await;
    subscribe(&mut acme_socket, "subscribe", json!({ "after": since })).await;
    let mut other_socket = connect(
        &app.base_url,
        "graphql-transport-ws",
        &other.token(other.viewer),
    )
    .await;
    let theirs_since = mark(&app, other.organization_id).await;
    subscribe(
        &mut other_socket,
        "subscribe",
        json!({ "after": theirs_since }),
    )
    .await;

    set_status(
        &app.base_url,
        &app.client,
        &acme.token(acme.agent),
        acme_call,
        "RINGING",
    )
    .await;
    set_status(
        &app.base_url,
        &app.client,
        &other.token(other.agent),
        other_call,
        "QUEUED",
    )
    .await;

    let seen = next_json(&mut acme_socket).await.expect("an event");
    assert_eq!(seen["type"], "next", "{seen}");
    let event = payload(&seen);
    assert_eq!(
        (
            event["callId"].as_str(),
            event["previousStatus"].as_str(),
            event["status"].as_str()
        ),
        (
            Some(acme_call.to_string().as_str()),
            Some("SCHEDULED"),
            Some("RINGING")
        )
    );
    assert_eq!(event["call"]["status"], "RINGING");
    let theirs = next_json(&mut other_socket).await.expect("an event");
    assert_eq!(
        payload(&theirs)["callId"],
        other_call.to_string(),
        "the other organization's first event is its own, not acme's"
    );
}

async fn the_legacy_graphql_ws_protocol_works_too(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let call = live_call(&app, acme.organization_id).await;
    let mut socket = connect(&app.base_url, "graphql-ws", &acme.token(acme.viewer)).await;
    subscribe(
        &mut socket,
        "start",
        json!({ "after": mark(&app, acme.organization_id).await, "callId": call.to_string() }),
    )
    .await;

    set_status(
        &app.base_url,
        &app.client,
        &acme.token(acme.agent),
        call,
        "IN_PROGRESS",
    )
    .await;

    let message = next_json(&mut socket).await.expect("an event");
    assert_eq!(message["type"], "data", "{message}");
    assert_eq!(payload(&message)["status"], "IN_PROGRESS");
}

async fn a_bad_token_closes_the_socket(backend: Backend) {
    let app = spawn_app(backend).await;
    let url = app.base_url.replace("http://", "ws://") + "/graphql";
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("upgrade");
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "Authorization": "Bearer forged" } }),
    )
    .await;
    let mut code = None;
    while let Ok(Some(Ok(message))) =
        tokio::time::timeout(std::time::Duration::from_secs(10), socket.next()).await
    {
        if let Message::Close(Some(frame)) = message {
            code = Some(u16::from(frame.code));
            break;
        }
    }
    assert_eq!(
        code,
        Some(4403),
        "graphql-transport-ws closes with 4403 Forbidden"
    );
}

async fn a_reconnecting_client_replays_what_it_missed(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let call = live_call(&app, acme.organization_id).await;
    let agent = acme.token(acme.agent);
    let since = mark(&app, acme.organization_id).await;
    set_status(&app.base_url, &app.client, &agent, call, "QUEUED").await;
    set_status(&app.base_url, &app.client, &agent, call, "RINGING").await;

    let mut socket = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.viewer),
    )
    .await;
    subscribe(&mut socket, "subscribe", json!({ "after": since })).await;
    let first = next_json(&mut socket).await.expect("replayed");
    let second = next_json(&mut socket).await.expect("replayed");
    assert_eq!(
        (
            payload(&first)["status"].as_str(),
            payload(&second)["status"].as_str()
        ),
        (Some("QUEUED"), Some("RINGING"))
    );

    // Resuming from the first event replays only the second, then goes live.
    let mut again = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.viewer),
    )
    .await;
    subscribe(
        &mut again,
        "subscribe",
        json!({ "after": payload(&first)["eventId"] }),
    )
    .await;
    set_status(&app.base_url, &app.client, &agent, call, "IN_PROGRESS").await;
    let replayed = next_json(&mut again).await.expect("replayed");
    let live = next_json(&mut again).await.expect("live");
    assert_eq!(
        (
            payload(&replayed)["status"].as_str(),
            payload(&live)["status"].as_str()
        ),
        (Some("RINGING"), Some("IN_PROGRESS"))
    );
}

/// Two instances on one PostgreSQL: subscribe on one, change a call on the
/// other, and the event arrives through LISTEN/NOTIFY.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_written_on_one_instance_reaches_a_subscriber_on_another() {
    if !switchboard_tests::available(Backend::Postgres).await {
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let call = live_call(&app, acme.organization_id).await;
    let other_instance = app.second_instance().await;
    let mut socket = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.viewer),
    )
    .await;
    subscribe(
        &mut socket,
        "subscribe",
        json!({ "callId": call.to_string() }),
    )
    .await;
    // The subscription is live once the bus has it; give the server a moment, then write elsewhere.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    set_status(
        &other_instance,
        &app.client,
        &acme.token(acme.agent),
        call,
        "RINGING",
    )
    .await;

    let message = next_json(&mut socket)
        .await
        .expect("an event from the other instance");
    assert_eq!(payload(&message)["status"], "RINGING", "{message}");
}

async fn subscriptions_also_stream_over_server_sent_events(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let call = live_call(&app, acme.organization_id).await;
    let since = mark(&app, acme.organization_id).await;
    let mut response = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .header("accept", "text/event-stream")
        .bearer_auth(acme.token(acme.viewer))
        .json(&json!({ "query": SUBSCRIPTION, "variables": { "after": since, "callId": call.to_string() } }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.headers()["content-type"], "text/event-stream");

    set_status(
        &app.base_url,
        &app.client,
        &acme.token(acme.agent),
        call,
        "RINGING",
    )
    .await;

    let mut received = String::new();
    while !received.contains("RINGING") {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), response.chunk())
            .await
            .expect("an event within 10 s")
            .expect("a chunk")
            .expect("the stream is open");
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(received.contains("event: next"), "{received}");
}

/// Starts subscription `id` with `query` (graphql-transport-ws).
pub async fn start(socket: &mut Socket, id: &str, query: &str, variables: Value) {
    send(socket, json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } })).await;
}

async fn mutate(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let body = app.graphql(Some(token), query, variables).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

async fn each_kind_of_call_change_reaches_its_own_subscription(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let call = live_call(&app, acme.organization_id).await;
    let since = mark(&app, acme.organization_id).await;
    let mut socket = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.viewer),
    )
    .await;
    let vars = json!({ "after": since, "callId": call.to_string() });
    start(&mut socket, "updates", "subscription($after: ID, $callId: ID) { callUpdated(after: $after, callId: $callId) { eventId kind status call { status } } }", vars.clone()).await;
    start(&mut socket, "transcripts", "subscription($after: ID, $callId: ID) { transcriptReady(after: $after, callId: $callId) { callId transcript { content } } }", vars.clone()).await;
    start(&mut socket, "analyses", "subscription($after: ID, $callId: ID) { callAnalysisReady(after: $after, callId: $callId) { callId analysis { totalScore } } }", vars).await;

    let agent = acme.token(acme.agent);
    mutate(
        &app,
        &agent,
        "mutation($id: ID!) { updateCallStatus(id: $id, status: IN_PROGRESS) { id } }",
        json!({ "id": call.to_string() }),
    )
    .await;
    mutate(&app, &agent, "mutation($id: ID!) { attachTranscript(callId: $id, input: { content: \"Hello there\" }) { id } }", json!({ "id": call.to_string() })).await;
    mutate(
        &app,
        &agent,
        "mutation($id: ID!) { recordCallAnalysis(callId: $id, input: { totalScore: 77 }) { id } }",
        json!({ "id": call.to_string() }),
    )
    .await;

    let mut updates = Vec::new();
    let (mut transcript, mut analysis) = (None, None);
    while updates.len() < 3 || transcript.is_none() || analysis.is_none() {
        let message = next_json(&mut socket).await.expect("an event");
        assert_eq!(message["type"], "next", "{message}");
        let data = &message["payload"]["data"];
        match message["id"].as_str() {
            Some("updates") => updates.push(
                data["callUpdated"]["kind"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ),
            Some("transcripts") => transcript = Some(data["transcriptReady"].clone()),
            Some("analyses") => analysis = Some(data["callAnalysisReady"].clone()),
            other => panic!("unexpected subscription {other:?}"),
        }
    }
    assert_eq!(
        updates,
        ["STATUS_CHANGED", "TRANSCRIPT_ATTACHED", "ANALYSIS_RECORDED"]
    );
    assert_eq!(
        transcript.expect("transcript")["transcript"]["content"],
        "Hello there"
    );
    assert_eq!(analysis.expect("analysis")["analysis"]["totalScore"], 77);
}

async fn lead_changes_reach_lead_subscribers(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let other = Tenant::create(&app.db.db, "other").await;
    let query = "subscription { leadUpdated { leadId change lead { firstName deletedAt } } }";
    let mut ours = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.viewer),
    )
    .await;
    start(&mut ours, "1", query, json!({})).await;
    let mut theirs = connect(
        &app.base_url,
        "graphql-transport-ws",
        &other.token(other.viewer),
    )
    .await;
    start(&mut theirs, "1", query, json!({})).await;
    // Lead subscriptions have no replay: let the server register them.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let agent = acme.token(acme.agent);
    let created = mutate(&app, &agent, "mutation { createLead(input: { phoneNumber: \"+12125550190\", firstName: \"Ann\" }) { id } }", json!({})).await;
    let id = created["createLead"]["id"].clone();
    mutate(
        &app,
        &agent,
        "mutation($id: ID!) { updateLead(id: $id, input: { firstName: \"Anna\" }) { id } }",
        json!({ "id": id }),
    )
    .await;
    mutate(
        &app,
        &agent,
        "mutation($id: ID!) { deleteLead(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    let mine = other.token(other.agent);
    mutate(
        &app,
        &mine,
        "mutation { createLead(input: { phoneNumber: \"+12125550191\" }) { id } }",
        json!({}),
    )
    .await;

    let mut seen = Vec::new();
    for _ in 0..3 {
        let message = next_json(&mut ours).await.expect("an event");
        let update = &message["payload"]["data"]["leadUpdated"];
        assert_eq!(update["leadId"], id, "{message}");
        seen.push((
            update["change"].as_str().unwrap_or_default().to_owned(),
            update["lead"]["firstName"].clone(),
        ));
    }
    assert_eq!(seen[0].0, "CREATED");
    assert_eq!(seen[1].0, "UPDATED");
    assert_eq!(seen[2].0, "DELETED");
    let message = next_json(&mut theirs).await.expect("their own event");
    assert_ne!(
        message["payload"]["data"]["leadUpdated"]["leadId"], id,
        "acme's leads stay with acme"
    );
}

async fn live_counters_follow_status_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let (first, second) = (
        live_call(&app, acme.organization_id).await,
        live_call(&app, acme.organization_id).await,
    );
    let mut socket = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.viewer),
    )
    .await;
    start(&mut socket, "1", "subscription { analyticsChanged { callsInProgress callsEndedToday completedToday showRateToday } }", json!({})).await;
    let counters = |m: &Value| m["payload"]["data"]["analyticsChanged"].clone();
    let snapshot = counters(&next_json(&mut socket).await.expect("the first snapshot"));
    assert_eq!(
        snapshot,
        json!({ "callsInProgress": 0, "callsEndedToday": 0, "completedToday": 0, "showRateToday": null })
    );

    let agent = acme.token(acme.agent);
    set_status(&app.base_url, &app.client, &agent, first, "IN_PROGRESS").await;
    let mut latest = counters(&next_json(&mut socket).await.expect("a recount"));
    assert_eq!(latest["callsInProgress"], 1, "{latest}");
    set_status(&app.base_url, &app.client, &agent, first, "COMPLETED").await;
    set_status(&app.base_url, &app.client, &agent, second, "MISSED").await;
    // A burst may arrive as one recount or several: wait for the final state.
    while latest["callsEndedToday"] != 2 {
        latest = counters(&next_json(&mut socket).await.expect("a recount"));
    }
    assert_eq!(
        latest,
        json!({ "callsInProgress": 0, "callsEndedToday": 2, "completedToday": 1, "showRateToday": 50.0 })
    );
}

async fn a_provider_webhook_reaches_subscribers(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let secret = "whsec_subscriber_test";
    mutate(
        &app,
        &acme.token(acme.admin),
        "mutation($s: String!) { setWebhookSecret(provider: VAPI, secret: $s) { configured } }",
        json!({ "s": secret }),
    )
    .await;
    let since = mark(&app, acme.organization_id).await;
    let mut socket = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.viewer),
    )
    .await;
    start(&mut socket, "t", "subscription($after: ID) { transcriptReady(after: $after) { transcript { content } call { status } } }", json!({ "after": since })).await;

    let started = Utc::now() - chrono::Duration::minutes(3);
    let body = json!({ "message": {
        "type": "end-of-call-report",
        "endedReason": "customer-ended-call",
        "startedAt": started.to_rfc3339(),
        "endedAt": (started + chrono::Duration::seconds(80)).to_rfc3339(),
        "call": { "id": "vapi-live-1", "type": "inboundPhoneCall", "customer": { "number": "+12125550192" } },
        "artifact": { "transcript": "AI: Hi.\nUser: Bye.", "messages": [] }
    }}).to_string();
    let response = app
        .client
        .post(format!("{}/webhooks/vapi?org=acme", app.base_url))
        .header("content-type", "application/json")
        .header(
            "x-vapi-signature",
            switchboard_domain::webhooks::sign_vapi(secret, body.as_bytes()),
        )
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let message = next_json(&mut socket).await.expect("the transcript event");
    let ready = &message["payload"]["data"]["transcriptReady"];
    assert_eq!(
        ready["transcript"]["content"], "AI: Hi.\nUser: Bye.",
        "{message}"
    );
    assert_eq!(ready["call"]["status"], "COMPLETED");
}

/// Two writers take their event ids in one order and commit in the other:
/// the subscriber gets both (ids order events, they do not gate them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_committed_out_of_id_order_both_arrive() {
    use sea_orm::TransactionTrait;
    use switchboard_app::events::{CallEvent, EventBus, Message as Event};
    if !switchboard_tests::available(Backend::Postgres).await {
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let call = live_call(&app, acme.organization_id).await;
    let mut socket = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.viewer),
    )
    .await;
    subscribe(
        &mut socket,
        "subscribe",
        json!({ "callId": call.to_string() }),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let event = |to: CallStatus| {
        Event::Call(CallEvent {
            event_id: Uuid::now_v7(),
            organization_id: acme.organization_id,
            call_id: call,
            lead_id: None,
            campaign_id: None,
            agent_id: None,
            kind: switchboard_entity::enums::CallEventKind::StatusChanged,
            from: Some(CallStatus::Scheduled),
            to: Some(to),
            occurred_at: Utc::now(),
        })
    };
    let (earlier, later) = (event(CallStatus::Queued), event(CallStatus::Ringing));
    let bus = EventBus::new(sea_orm::DbBackend::Postgres);
    let first = app.db.db.begin().await.expect("begin");
    bus.stage(&first, &[earlier]).await.expect("staged");
    let second = app.db.db.begin().await.expect("begin");
    bus.stage(&second, &[later]).await.expect("staged");
    second.commit().await.expect("commit");
    first.commit().await.expect("commit");

    let got: Vec<String> = [
        next_json(&mut socket).await.expect("an event"),
        next_json(&mut socket).await.expect("another event"),
    ]
    .iter()
    .map(|m| payload(m)["status"].as_str().unwrap_or_default().to_owned())
    .collect();
    assert_eq!(got, ["RINGING", "QUEUED"], "commit order, both delivered");
}

async fn quiet_sockets_get_keep_alives_in_both_protocols(backend: Backend) {
    let config = switchboard_server::app::HttpConfig {
        jwt_secret: switchboard_tests::JWT_SECRET.to_owned(),
        keepalive: std::time::Duration::from_millis(200),
        ..switchboard_server::app::HttpConfig::default()
    };
    let app = switchboard_tests::spawn_app_with(
        switchboard_tests::TestDb::migrated(backend).await,
        config,
    )
    .await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    for (protocol, kind, keepalive) in [
        ("graphql-transport-ws", "subscribe", "ping"),
        ("graphql-ws", "start", "ka"),
    ] {
        let mut socket = connect(&app.base_url, protocol, &acme.token(acme.viewer)).await;
        subscribe(&mut socket, kind, json!({})).await;
        let mut seen = 0;
        // Three keep-alives on a socket that carries nothing else, and it stays open.
        while seen < 3 {
            let message = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
                .await
                .expect("a keep-alive within 5 s")
                .expect("the socket is open")
                .expect("a message");
            if let Message::Text(text) = message {
                let value: Value = serde_json::from_str(&text).expect("json");
                assert_eq!(value["type"], keepalive, "{protocol}: {value}");
                seen += 1;
            }
        }
    }
}
