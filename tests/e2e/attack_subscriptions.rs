//! What an attacker tried on subscriptions, refused: replaying a whole
//! history, unbounded operations, idle and oversized sockets, access that
//! outlives a suspension or a token, and one tenant lagging another.

use std::time::Duration;

use chrono::Utc;
use futures::{SinkExt, StreamExt};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use switchboard_entity::enums::{
    CallEventKind, CallEventSource, CallStatus, MemberRole, MembershipStatus,
};
use switchboard_entity::{call_events, organization_memberships};
use switchboard_server::app::HttpConfig;
use switchboard_server::rate_limit::RateLimit;
use switchboard_tests::{
    Backend, Tenant, TestApp, TestDb, on_both_backends, spawn_app, spawn_app_with,
};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

use crate::subscriptions::{Socket, connect, live_call, mark, next_json, send, start};

on_both_backends!(
    an_unknown_cursor_is_refused_and_everything_else_still_works,
    another_organizations_cursor_is_refused_the_same_way,
    a_cursor_older_than_the_retention_is_expired,
    replay_reads_page_by_page_and_delivers_every_event_in_order,
    operations_beyond_the_limit_are_refused_and_the_socket_stays_open,
    operations_started_over_a_socket_count_against_the_token_rate,
    a_socket_without_connection_init_is_closed_with_4408,
    an_oversized_message_before_connection_init_closes_the_socket,
    a_suspended_members_socket_and_stream_close,
    a_socket_of_a_session_that_logged_out_closes,
    a_demoted_members_socket_closes,
    a_socket_closes_when_its_token_expires,
    another_tenants_burst_does_not_lag_a_subscriber,
);

const UPDATES: &str =
    "subscription($after: ID) { callUpdated(after: $after) { eventId kind status } }";
const COUNTERS: &str = "subscription { analyticsChanged { callsInProgress } }";

async fn app_with(backend: Backend, config: HttpConfig) -> TestApp {
    spawn_app_with(TestDb::migrated(backend).await, config).await
}

/// A socket upgraded but not initialised.
async fn raw_socket(app: &TestApp) -> Socket {
    let url = app.base_url.replace("http://", "ws://") + "/graphql";
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    tokio_tungstenite::connect_async(request)
        .await
        .expect("upgrade")
        .0
}

/// How the socket ends within `within`: `Some(code)` for a close frame,
/// `None` when it is dropped without one. Panics if it stays open.
async fn closed(socket: &mut Socket, within: Duration) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => panic!("the socket is still open after {within:?}"),
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_)) | None) => return None,
        }
    }
}

/// The first error of operation `id`'s next message, after skipping others.
async fn error_of(socket: &mut Socket, id: &str) -> Value {
    loop {
        let message = next_json(socket).await.expect("an answer");
        if message["id"] == id {
            let errors = &message["payload"]["errors"];
            assert!(errors.is_array(), "{message}");
            return errors[0].clone();
        }
    }
}

/// The next message for operation `id`, skipping others' (their `complete`).
async fn answer_to(socket: &mut Socket, id: &str) -> Value {
    loop {
        let message = next_json(socket).await.expect("an answer");
        if message["id"] == id {
            return message;
        }
    }
}

async fn still_answers(app: &TestApp, socket: &mut Socket) {
    let body = app.graphql(None, "{ __typename }", json!({})).await;
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
    start(socket, "alive", COUNTERS, json!({})).await;
    let message = answer_to(socket, "alive").await;
    assert_eq!(message["type"], "next", "{message}");
}

async fn an_unknown_cursor_is_refused_and_everything_else_still_works(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let mut socket = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.viewer),
    )
    .await;
    start(
        &mut socket,
        "1",
        UPDATES,
        json!({ "after": Uuid::nil().to_string() }),
    )
    .await;
    let error = error_of(&mut socket, "1").await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    assert_eq!(error["extensions"]["field"], "after", "{error}");
    let complete = next_json(&mut socket).await.expect("complete");
    assert_eq!(
        (complete["type"].as_str(), complete["id"].as_str()),
        (Some("complete"), Some("1"))
    );
    still_answers(&app, &mut socket).await;
}

async fn another_organizations_cursor_is_refused_the_same_way(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let other = Tenant::create(&app.db.db, "other").await;
    let theirs = mark(&app, other.organization_id).await;
    let mut socket = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.viewer),
    )
    .await;
    start(&mut socket, "1", UPDATES, json!({ "after": theirs })).await;
    let error = error_of(&mut socket, "1").await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    assert_eq!(error["extensions"]["field"], "after", "{error}");
    still_answers(&app, &mut socket).await;
}

fn event(org: Uuid, call: Uuid, at: chrono::DateTime<Utc>) -> call_events::ActiveModel {
    call_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        call_id: Set(call),
        kind: Set(CallEventKind::StatusChanged),
        from_status: Set(Some(CallStatus::Scheduled)),
        to_status: Set(Some(CallStatus::Queued)),
        source: Set(CallEventSource::System),
        provider_event_id: Set(None),
        payload: Set(json!({})),
        actor_user_id: Set(None),
        occurred_at: Set(at),
        created_at: Set(at),
        seq: Set(None),
    }
}

async fn a_cursor_older_than_the_retention_is_expired(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let call = live_call(&app, acme.organization_id).await;
    let old = event(
        acme.organization_id,
        call,
        Utc::now() - chrono::Duration::hours(25),
    );
    let cursor = old.id.clone().unwrap();
    switchboard_tests::append_events(&app.db.db, vec![old]).await;
    let mut socket = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.viewer),
    )
    .await;
    start(
        &mut socket,
        "1",
        UPDATES,
        json!({ "after": cursor.to_string() }),
    )
    .await;
    let error = error_of(&mut socket, "1").await;
    assert_eq!(error["extensions"]["code"], "CURSOR_EXPIRED", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("without `after`"),
        "{error}"
    );
}

async fn replay_reads_page_by_page_and_delivers_every_event_in_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let call = live_call(&app, acme.organization_id).await;
    let now = Utc::now();
    let events: Vec<_> = (0..1_200)
        .map(|_| event(acme.organization_id, call, now))
        .collect();
    let mut ids: Vec<Uuid> = events.iter().map(|e| e.id.clone().unwrap()).collect();
    ids.sort();
    switchboard_tests::append_events(&app.db.db, events).await;
    let mut socket = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.viewer),
    )
    .await;
    let before = app.statements();
    start(
        &mut socket,
        "1",
        UPDATES,
        json!({ "after": ids[0].to_string() }),
    )
    .await;
    let mut got = Vec::new();
    while got.len() < ids.len() - 1 {
        let message = next_json(&mut socket).await.expect("a replayed event");
        assert_eq!(message["type"], "next", "{message}");
        let id = message["payload"]["data"]["callUpdated"]["eventId"]
            .as_str()
            .expect("eventId");
        got.push(id.parse::<Uuid>().expect("uuid"));
    }
    assert_eq!(got, ids[1..], "every event after the cursor, in order");
    let pages = app
        .statements_since(before)
        .iter()
        .filter(|sql| sql.contains("call_events") && sql.contains("JOIN \"calls\""))
        .count();
    assert!(
        pages >= 3,
        "1,199 events in pages of 500 take 3 statements, not {pages}"
    );
}

async fn operations_beyond_the_limit_are_refused_and_the_socket_stays_open(backend: Backend) {
    let app = app_with(
        backend,
        HttpConfig {
            ws_max_operations: 2,
            ..HttpConfig::default()
        },
    )
    .await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let mut socket = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.viewer),
    )
    .await;
    for id in ["a", "b"] {
        start(&mut socket, id, COUNTERS, json!({})).await;
        let message = next_json(&mut socket).await.expect("a snapshot");
        assert_eq!(message["id"], id, "{message}");
    }
    start(&mut socket, "c", COUNTERS, json!({})).await;
    let refused = next_json(&mut socket).await.expect("a refusal");
    assert_eq!(
        (refused["type"].as_str(), refused["id"].as_str()),
        (Some("error"), Some("c")),
        "{refused}"
    );
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "TOO_MANY_OPERATIONS"
    );
    // Completing one makes room.
    send(&mut socket, json!({ "type": "complete", "id": "a" })).await;
    start(&mut socket, "d", COUNTERS, json!({})).await;
    let message = answer_to(&mut socket, "d").await;
    assert_eq!(
        (message["type"].as_str(), message["id"].as_str()),
        (Some("next"), Some("d")),
        "{message}"
    );
}

async fn operations_started_over_a_socket_count_against_the_token_rate(backend: Backend) {
    let app = app_with(
        backend,
        HttpConfig {
            rate_limit_per_token: RateLimit {
                per_second: 1,
                burst: 2,
            },
            ..HttpConfig::default()
        },
    )
    .await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let mut socket = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.viewer),
    )
    .await;
    // Start and complete at once: the operation cap never binds, the rate does.
    for id in ["a", "b"] {
        start(&mut socket, id, COUNTERS, json!({})).await;
        let message = answer_to(&mut socket, id).await;
        assert_eq!(message["type"], "next", "{message}");
        send(&mut socket, json!({ "type": "complete", "id": id })).await;
    }
    start(&mut socket, "c", COUNTERS, json!({})).await;
    let refused = answer_to(&mut socket, "c").await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "RATE_LIMITED");
    // Another member's token has its own bucket.
    let mut colleague = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.agent),
    )
    .await;
    start(&mut colleague, "a", COUNTERS, json!({})).await;
    let message = answer_to(&mut colleague, "a").await;
    assert_eq!(message["type"], "next", "{message}");
}

async fn a_socket_without_connection_init_is_closed_with_4408(backend: Backend) {
    let config = HttpConfig {
        ws_init_timeout: Duration::from_millis(500),
        ..HttpConfig::default()
    };
    let app = app_with(backend, config).await;
    let mut socket = raw_socket(&app).await;
    let started = std::time::Instant::now();
    assert_eq!(
        closed(&mut socket, Duration::from_secs(5)).await,
        Some(4408)
    );
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
}

async fn an_oversized_message_before_connection_init_closes_the_socket(backend: Backend) {
    let app = spawn_app(backend).await;
    // Over the pre-authentication limit, under the body limit: 1009.
    let mut socket = raw_socket(&app).await;
    let padding = "x".repeat(100 * 1024);
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "padding": padding } }),
    )
    .await;
    assert_eq!(
        closed(&mut socket, Duration::from_secs(5)).await,
        Some(1009)
    );
    // Over the body limit: tungstenite refuses to read it at all.
    let mut socket = raw_socket(&app).await;
    let huge = "x".repeat(3 * 1024 * 1024);
    let _ = socket.send(Message::Text(huge.into())).await;
    let code = closed(&mut socket, Duration::from_secs(5)).await;
    assert!(matches!(code, None | Some(1009)), "closed with {code:?}");
    let body = app.graphql(None, "{ __typename }", json!({})).await;
    assert_eq!(body["data"]["__typename"], "Query");
}

async fn a_socket_of_a_session_that_logged_out_closes(backend: Backend) {
    let config = HttpConfig {
        access_recheck: Duration::from_millis(300),
        ..HttpConfig::default()
    };
    let app = app_with(backend, config).await;
    let signed_up = app
        .graphql(
            None,
            "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }",
            json!({ "input": { "email": "ada@example.com", "password": "correct horse battery", "name": "Ada", "organizationName": "Engines" } }),
        )
        .await;
    let token = signed_up["data"]["signUp"]["accessToken"]
        .as_str()
        .expect("a token")
        .to_owned();
    let mut socket = connect(&app.base_url, "graphql-transport-ws", &token).await;
    start(&mut socket, "1", UPDATES, json!({})).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let out = app
        .graphql(Some(&token), "mutation { logOut }", json!({}))
        .await;
    assert_eq!(out["data"]["logOut"], true, "{out}");
    assert_eq!(
        closed(&mut socket, Duration::from_secs(5)).await,
        Some(4403)
    );
}

async fn a_suspended_members_socket_and_stream_close(backend: Backend) {
    let config = HttpConfig {
        access_recheck: Duration::from_millis(300),
        ..HttpConfig::default()
    };
    let app = app_with(backend, config).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.viewer);
    let mut socket = connect(&app.base_url, "graphql-transport-ws", &token).await;
    start(&mut socket, "1", UPDATES, json!({})).await;
    let mut stream = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .header("accept", "text/event-stream")
        .bearer_auth(&token)
        .json(&json!({ "query": UPDATES }))
        .send()
        .await
        .expect("sent");
    // A colleague's socket stays open.
    let mut colleague = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.agent),
    )
    .await;
    start(&mut colleague, "1", UPDATES, json!({})).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    // The row changes outside the API, as an operator's SQL would change it
    // (SQLite keeps uuids as blobs, so through the entity).
    let suspended = organization_memberships::Entity::update_many()
        .col_expr(
            organization_memberships::Column::Status,
            Expr::value(MembershipStatus::Suspended),
        )
        .filter(organization_memberships::Column::UserId.eq(acme.viewer))
        .exec(&app.db.db)
        .await
        .expect("suspended");
    assert_eq!(suspended.rows_affected, 1);

    assert_eq!(
        closed(&mut socket, Duration::from_secs(5)).await,
        Some(4403)
    );
    let mut received = String::new();
    while !received.contains("event: complete") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk())
            .await
            .expect("the stream ends within 5 s")
            .expect("a chunk");
        let Some(chunk) = chunk else { break };
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(received.contains("FORBIDDEN"), "{received}");
    start(&mut colleague, "2", COUNTERS, json!({})).await;
    let message = next_json(&mut colleague)
        .await
        .expect("the colleague is still served");
    assert_eq!(message["id"], "2", "{message}");
}

async fn a_demoted_members_socket_closes(backend: Backend) {
    let config = HttpConfig {
        access_recheck: Duration::from_millis(300),
        ..HttpConfig::default()
    };
    let app = app_with(backend, config).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let mut socket = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.manager),
    )
    .await;
    start(&mut socket, "1", UPDATES, json!({})).await;
    let mut colleague = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.agent),
    )
    .await;
    start(&mut colleague, "1", UPDATES, json!({})).await;
    // The manager becomes a viewer: a socket opened as a manager may not
    // keep running mutations as one.
    let demoted = organization_memberships::Entity::update_many()
        .col_expr(
            organization_memberships::Column::Role,
            Expr::value(MemberRole::Viewer),
        )
        .filter(organization_memberships::Column::UserId.eq(acme.manager))
        .exec(&app.db.db)
        .await
        .expect("demoted");
    assert_eq!(demoted.rows_affected, 1);
    assert_eq!(
        closed(&mut socket, Duration::from_secs(5)).await,
        Some(4403)
    );
    start(&mut colleague, "2", COUNTERS, json!({})).await;
    let message = next_json(&mut colleague)
        .await
        .expect("the colleague is still served");
    assert_eq!(message["id"], "2", "{message}");
}

async fn a_socket_closes_when_its_token_expires(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = switchboard_domain::auth::mint(
        switchboard_tests::JWT_SECRET.as_bytes(),
        acme.viewer,
        acme.organization_id,
        Utc::now(),
        chrono::Duration::seconds(2),
    )
    .expect("token");
    let mut socket = connect(&app.base_url, "graphql-transport-ws", &token).await;
    start(&mut socket, "1", UPDATES, json!({})).await;
    assert_eq!(
        closed(&mut socket, Duration::from_secs(6)).await,
        Some(4401)
    );
}

fn import_rows(from: usize, n: usize) -> Vec<Value> {
    (from..from + n)
        .map(|i| json!({ "phoneNumber": format!("+1212{:07}", 2_000_000 + i), "firstName": format!("Lead {i}") }))
        .collect()
}

async fn another_tenants_burst_does_not_lag_a_subscriber(backend: Backend) {
    let app = spawn_app(backend).await;
    let (a, b) = (
        Tenant::create(&app.db.db, "a").await,
        Tenant::create(&app.db.db, "b").await,
    );
    let call = live_call(&app, b.organization_id).await;
    let mut socket = connect(&app.base_url, "graphql-transport-ws", &b.token(b.viewer)).await;
    start(
        &mut socket,
        "leads",
        "subscription { leadUpdated { leadId change } }",
        json!({}),
    )
    .await;
    start(&mut socket, "calls", UPDATES, json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let body = app
        .graphql(
            Some(&a.token(a.agent)),
            "mutation($rows: [CreateLeadInput!]!) { importLeads(input: $rows, mode: PER_ROW) { created failed } }",
            json!({ "rows": import_rows(0, 5_000) }),
        )
        .await;
    assert_eq!(body["data"]["importLeads"]["created"], 5_000, "{body}");

    let agent = b.token(b.agent);
    let created = app
        .graphql(
            Some(&agent),
            "mutation { createLead(input: { phoneNumber: \"+12125550199\" }) { id } }",
            json!({}),
        )
        .await;
    let lead = created["data"]["createLead"]["id"].clone();
    let changed = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { updateCallStatus(id: $id, status: RINGING) { id } }",
            json!({ "id": call.to_string() }),
        )
        .await;
    assert!(changed.get("errors").is_none(), "{changed}");
    let (mut lead_seen, mut call_seen) = (false, false);
    while !(lead_seen && call_seen) {
        let message = next_json(&mut socket).await.expect("B's own events");
        assert_eq!(message["type"], "next", "{message}");
        assert!(
            message["payload"].get("errors").is_none(),
            "B lagged: {message}"
        );
        let data = &message["payload"]["data"];
        match message["id"].as_str() {
            Some("leads") => {
                assert_eq!(data["leadUpdated"]["leadId"], lead, "{message}");
                lead_seen = true;
            }
            Some("calls") => {
                assert_eq!(data["callUpdated"]["status"], "RINGING", "{message}");
                call_seen = true;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// A revocation published on the bus (as identity mutations will) closes
/// the member's sockets on every instance, long before any re-check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_on_the_bus_closes_sockets_on_every_instance() {
    if !switchboard_tests::available(Backend::Postgres).await {
        return;
    }
    let config = HttpConfig {
        access_recheck: Duration::from_secs(3_600),
        ..HttpConfig::default()
    };
    let app = app_with(Backend::Postgres, config).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let mut socket = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.viewer),
    )
    .await;
    start(&mut socket, "1", UPDATES, json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Another instance's bus, as the writer would have.
    let bus = switchboard_graphql::EventBus::new(sea_orm::DbBackend::Postgres);
    bus.revoke_access(&app.db.db, acme.organization_id, acme.viewer)
        .await
        .expect("published");
    assert_eq!(
        closed(&mut socket, Duration::from_secs(3)).await,
        Some(4403)
    );
}

/// Work over a socket is bounded by the request timeout: a query and a
/// subscription event blocked on a lock answer TIMEOUT instead of hanging.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_over_a_socket_times_out() {
    use sea_orm::TransactionTrait;
    use switchboard_app::events::{CallEvent, Message as Event};
    if !switchboard_tests::available(Backend::Postgres).await {
        return;
    }
    let config = HttpConfig {
        request_timeout: Duration::from_secs(1),
        ..HttpConfig::default()
    };
    let app = app_with(Backend::Postgres, config).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let call = live_call(&app, acme.organization_id).await;
    let mut socket = connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.viewer),
    )
    .await;
    start(
        &mut socket,
        "sub",
        "subscription { callUpdated { call { status } } }",
        json!({}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let lock = app.db.db.begin().await.expect("begin");
    lock.execute_unprepared("LOCK TABLE calls IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("locked");
    start(
        &mut socket,
        "query",
        "{ calls(first: 1) { edges { node { id } } } }",
        json!({}),
    )
    .await;
    let bus = switchboard_graphql::EventBus::new(sea_orm::DbBackend::Postgres);
    let fake = Event::Call(CallEvent {
        event_id: Uuid::now_v7(),
        organization_id: acme.organization_id,
        call_id: call,
        lead_id: None,
        campaign_id: None,
        agent_id: None,
        kind: CallEventKind::StatusChanged,
        from: Some(CallStatus::Scheduled),
        to: Some(CallStatus::Queued),
        occurred_at: Utc::now(),
    });
    bus.stage(&app.db.db, &[fake]).await.expect("notified");
    let started = std::time::Instant::now();
    let mut timed_out = Vec::new();
    while timed_out.len() < 2 {
        let message = next_json(&mut socket).await.expect("an answer");
        if message["type"] == "next" {
            assert_eq!(
                message["payload"]["errors"][0]["extensions"]["code"], "TIMEOUT",
                "{message}"
            );
            timed_out.push(message["id"].as_str().unwrap_or_default().to_owned());
        }
    }
    timed_out.sort();
    assert_eq!(timed_out, ["query", "sub"]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    lock.rollback().await.expect("unlocked");
}

/// The bus keeps one channel per organization while someone listens: a
/// burst in one never reaches (or lags) another's, and `Resync` reaches all.
#[tokio::test]
async fn each_organization_gets_its_own_channel_while_it_has_subscribers() {
    use switchboard_app::events::{BUFFER, LeadChange, LeadEvent, Message as Event};
    let bus = switchboard_graphql::EventBus::new(sea_orm::DbBackend::Sqlite);
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let mut theirs = bus.subscribe_organization(a);
    let mut ours = bus.subscribe_organization(b);
    assert_eq!(bus.organization_channels(), 2);
    let lead = |organization_id| {
        Event::Lead(LeadEvent {
            organization_id,
            lead_id: Uuid::now_v7(),
            change: LeadChange::Created,
            occurred_at: Utc::now(),
        })
    };
    for _ in 0..BUFFER + 100 {
        bus.publish(lead(a));
    }
    bus.publish(lead(b));
    bus.publish(Event::Resync);
    assert!(matches!(
        theirs.try_recv(),
        Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_))
    ));
    let first = ours.try_recv().expect("our event");
    assert_eq!(first.organization_id(), Some(b));
    assert_eq!(*ours.try_recv().expect("the resync"), Event::Resync);
    assert!(ours.try_recv().is_err(), "nothing of theirs");
    drop(theirs);
    assert_eq!(
        bus.organization_channels(),
        1,
        "an unused channel is dropped"
    );
    drop(ours);
    assert_eq!(bus.organization_channels(), 0);
}
