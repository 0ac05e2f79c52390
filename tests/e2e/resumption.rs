//! A client that resumes a call subscription with `after` gets exactly what
//! committed after its last event: nothing lost, nothing twice, in commit
//! order — even when writers commit in the opposite order of their event
//! ids, and under many writers and readers at once.

use std::sync::Arc;

use futures::future::join_all;
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};
use switchboard_app::events::{CallEvent, EventBus, Message};
use switchboard_app::{App, Write};
use switchboard_domain::secrets::SecretKey;
use switchboard_entity::enums::{CallEventKind, CallEventSource, CallStatus};
use switchboard_entity::{call_events, calls};
use switchboard_server::app::HttpConfig;
use switchboard_server::rate_limit::RateLimit;
use switchboard_tests::{Backend, Tenant, TestApp, TestDb, on_both_backends, spawn_app_with};
use uuid::Uuid;

use crate::subscriptions::{Socket, connect, live_call, mark, next_json, start};

on_both_backends!(many_writers_and_resuming_readers_lose_nothing_and_repeat_nothing);

const UPDATES: &str =
    "subscription($after: ID) { callUpdated(after: $after) { eventId kind status } }";

/// The application without rate limits: the writers and readers here are
/// one client address hammering on purpose.
async fn unthrottled(backend: Backend) -> TestApp {
    let config = HttpConfig {
        rate_limit_per_ip: RateLimit::OFF,
        rate_limit_per_token: RateLimit::OFF,
        ..HttpConfig::default()
    };
    spawn_app_with(TestDb::migrated(backend).await, config).await
}

/// Appends a status change of `call` inside `write`, as the status use case
/// does; its id (UUIDv7) is taken now, its place in the stream at commit.
async fn status_change(write: &Write, call: &calls::Model, to: CallStatus) -> Uuid {
    let now = chrono::Utc::now();
    let event = call_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(call.organization_id),
        call_id: Set(call.id),
        kind: Set(CallEventKind::StatusChanged),
        from_status: Set(Some(call.status)),
        to_status: Set(Some(to)),
        source: Set(CallEventSource::System),
        provider_event_id: Set(None),
        payload: Set(json!({})),
        actor_user_id: Set(None),
        occurred_at: Set(now),
        created_at: Set(now),
        seq: Set(None),
    }
    .insert(&**write)
    .await
    .expect("an event");
    write.announce(Message::Call(CallEvent::new(call, &event)));
    event.id
}

async fn seq_of(app: &TestApp, id: Uuid) -> i64 {
    call_events::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .expect("read")
        .and_then(|event| event.seq)
        .expect("a committed event is numbered")
}

/// Two writers take their ids in one order and commit in the other. The
/// client got the first commit's event (the later id) and resumes from it:
/// the other event committed after it, so it is replayed, though its id
/// sorts before the cursor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resuming_from_the_first_commit_replays_the_writer_that_took_its_id_earlier() {
    if !switchboard_tests::available(Backend::Postgres).await {
        return;
    }
    let app = unthrottled(Backend::Postgres).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let call_id = live_call(&app, acme.organization_id).await;
    let call = calls::Entity::find_by_id(call_id)
        .one(&app.db.db)
        .await
        .expect("read")
        .expect("the call");
    let writers = App::new(
        app.db.db.clone(),
        EventBus::new(DbBackend::Postgres),
        Arc::new(SecretKey::generate()),
    );

    let early = writers.begin_write().await.expect("begin");
    let early_id = status_change(&early, &call, CallStatus::Queued).await;
    let late = writers.begin_write().await.expect("begin");
    let late_id = status_change(&late, &call, CallStatus::Ringing).await;
    assert!(early_id < late_id, "ids are taken in order");
    late.commit().await.expect("the later id commits first");
    early.commit().await.expect("the earlier id commits last");
    assert!(
        seq_of(&app, late_id).await < seq_of(&app, early_id).await,
        "the stream is in commit order"
    );

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
        json!({ "after": late_id.to_string() }),
    )
    .await;
    let message = next_json(&mut socket).await.expect("the replayed event");
    assert_eq!(
        message["payload"]["data"]["callUpdated"]["eventId"],
        early_id.to_string(),
        "{message}"
    );
    assert_eq!(
        message["payload"]["data"]["callUpdated"]["status"],
        "QUEUED"
    );
}

const WRITERS: usize = 8;
const CALLS_PER_WRITER: usize = 8;
/// Each call is created, then moved three times: four events.
const EVENTS: usize = WRITERS * CALLS_PER_WRITER * 4;
const READERS: usize = 3;

async fn many_writers_and_resuming_readers_lose_nothing_and_repeat_nothing(backend: Backend) {
    let app = Arc::new(unthrottled(backend).await);
    let acme = Tenant::create(&app.db.db, "acme").await;
    let since: Uuid = mark(&app, acme.organization_id)
        .await
        .parse()
        .expect("an id");

    let readers: Vec<_> = (0..READERS)
        .map(|n| {
            let app = app.clone();
            let token = acme.token(acme.viewer);
            tokio::spawn(async move { read_resuming(&app, &token, since, 7 + 11 * n).await })
        })
        .collect();
    // On PostgreSQL half the writers go through a second instance: its
    // commits reach the readers' instance by NOTIFY, in the same order.
    let mut instances = vec![app.base_url.clone()];
    if backend == Backend::Postgres {
        instances.push(app.second_instance().await);
    }
    let members = [acme.owner, acme.admin, acme.manager, acme.agent];
    let writers: Vec<_> = (0..WRITERS)
        .map(|n| {
            let client = app.client.clone();
            let base_url = instances[n % instances.len()].clone();
            let token = acme.token(members[n % members.len()]);
            tokio::spawn(async move { write_calls(&client, &base_url, &token, n).await })
        })
        .collect();
    for writer in join_all(writers).await {
        writer.expect("a writer finished");
    }

    let since_seq = seq_of(&app, since).await;
    let committed: Vec<Uuid> = call_events::Entity::find()
        .select_only()
        .column(call_events::Column::Id)
        .filter(call_events::Column::OrganizationId.eq(acme.organization_id))
        .filter(call_events::Column::Seq.gt(since_seq))
        .order_by_asc(call_events::Column::Seq)
        .into_tuple()
        .all(&app.db.db)
        .await
        .expect("events");
    assert_eq!(committed.len(), EVENTS, "every write made its event");
    let seqs: Vec<i64> = call_events::Entity::find()
        .select_only()
        .column(call_events::Column::Seq)
        .filter(call_events::Column::OrganizationId.eq(acme.organization_id))
        .order_by_asc(call_events::Column::Seq)
        .into_tuple()
        .all(&app.db.db)
        .await
        .expect("seqs");
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "the organization's stream is numbered without gaps"
    );

    for (n, reader) in join_all(readers).await.into_iter().enumerate() {
        let received = reader.expect("a reader finished");
        assert_eq!(
            received, committed,
            "reader {n} got every event once, in commit order"
        );
    }
}

/// Creates calls and moves each through three statuses, over HTTP.
async fn write_calls(client: &reqwest::Client, base_url: &str, token: &str, writer: usize) {
    let post = |query: &'static str, variables: Value| async move {
        let body: Value = client
            .post(format!("{base_url}/graphql"))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        assert!(body.get("errors").is_none(), "{body}");
        body
    };
    for n in 0..CALLS_PER_WRITER {
        let phone = format!("+1415555{:04}", writer * 100 + n);
        let created = post(
            "mutation($input: CreateCallInput!) { createCall(input: $input) { id } }",
            json!({ "input": { "phoneNumber": phone } }),
        )
        .await;
        let id = created["data"]["createCall"]["id"]
            .as_str()
            .expect("an id")
            .to_owned();
        for status in ["QUEUED", "RINGING", "IN_PROGRESS"] {
            post(
                "mutation($id: ID!, $s: CallStatus!) { updateCallStatus(id: $id, status: $s) { id } }",
                json!({ "id": id, "s": status }),
            )
            .await;
        }
    }
}

/// Follows the organization's call events from `since`, hanging up after
/// every `stride` events and resuming from the last one received, until
/// it has [`EVENTS`]; returns their ids in the order received.
async fn read_resuming(app: &TestApp, token: &str, since: Uuid, stride: usize) -> Vec<Uuid> {
    let mut received: Vec<Uuid> = Vec::new();
    while received.len() < EVENTS {
        let cursor = received.last().copied().unwrap_or(since);
        let mut socket = connect(&app.base_url, "graphql-transport-ws", token).await;
        start(
            &mut socket,
            "1",
            UPDATES,
            json!({ "after": cursor.to_string() }),
        )
        .await;
        for _ in 0..stride {
            if received.len() == EVENTS {
                break;
            }
            received.push(event_id(&mut socket).await);
        }
        let _ = socket.close(None).await;
    }
    received
}

async fn event_id(socket: &mut Socket) -> Uuid {
    let message: Value = next_json(socket).await.expect("an event");
    assert_eq!(message["type"], "next", "{message}");
    message["payload"]["data"]["callUpdated"]["eventId"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("an eventId: {message}"))
}
