//! Live subscriptions with the same document, variables and visibility are
//! executed once per event and shared (see `switchboard_graphql::live::fanout`):
//! the database work of an event does not grow with the subscribers, no
//! organization sees another's events through a shared stream, and members
//! come and go without disturbing each other.

use std::time::Duration;

use serde_json::{Value, json};
use switchboard_tests::{Backend, Tenant, TestApp, on_both_backends, spawn_app};
use uuid::Uuid;

use crate::subscriptions::{Socket, connect, live_call, next_json, send, set_status};

on_both_backends!(
    an_event_costs_the_same_statements_for_one_subscriber_or_six,
    a_shared_stream_never_reaches_another_organization,
    members_come_and_go_without_disturbing_the_others,
);

/// A dashboard's subscription: the change and the call it is about, read
/// from the database for each event.
const DASHBOARD: &str =
    "subscription { callStatusChanged { callId status call { status lead { id } } } }";

async fn subscribe(socket: &mut Socket, id: &str) {
    send(
        socket,
        json!({ "id": id, "type": "subscribe", "payload": { "query": DASHBOARD } }),
    )
    .await;
}

/// The next message within `wait`, if any (keep-alives skipped).
async fn within(socket: &mut Socket, wait: Duration) -> Option<Value> {
    tokio::time::timeout(wait, next_json(socket))
        .await
        .ok()
        .flatten()
}

/// Moves fresh calls to `QUEUED` until every socket has seen one, so the
/// subscriptions are known to be registered (they have no `after` to replay
/// from), then drains what the probes left behind.
async fn until_live(app: &TestApp, tenant: &Tenant, sockets: &mut [&mut Socket]) {
    let token = tenant.token(tenant.agent);
    let mut live = vec![false; sockets.len()];
    for _ in 0..50 {
        let probe = live_call(app, tenant.organization_id).await;
        set_status(&app.base_url, &app.client, &token, probe, "QUEUED").await;
        for (socket, live) in sockets.iter_mut().zip(live.iter_mut()) {
            while let Some(message) = within(socket, Duration::from_millis(200)).await {
                assert_eq!(message["type"], "next", "{message}");
                *live = true;
            }
        }
        if live.iter().all(|l| *l) {
            for socket in sockets.iter_mut() {
                while within(socket, Duration::from_millis(300)).await.is_some() {}
            }
            return;
        }
    }
    panic!("the subscriptions never went live");
}

/// The statements reading calls or leads while `call` moves to `status`
/// and every socket receives the change (the server's own periodic work
/// aside).
async fn statements_for_one_change(
    app: &TestApp,
    tenant: &Tenant,
    sockets: &mut [&mut Socket],
    call: Uuid,
    status: &str,
) -> Vec<String> {
    let before = app.statements();
    set_status(
        &app.base_url,
        &app.client,
        &tenant.token(tenant.agent),
        call,
        status,
    )
    .await;
    for socket in sockets.iter_mut() {
        let message = next_json(socket).await.expect("the change");
        let change = &message["payload"]["data"]["callStatusChanged"];
        assert_eq!(change["callId"], call.to_string(), "{message}");
        assert_eq!(change["call"]["status"], status, "{message}");
    }
    app.statements_since(before)
        .into_iter()
        .filter(|sql| !sql.contains("call_analytics_summary"))
        .filter(|sql| sql.contains("\"calls\"") || sql.contains("\"leads\""))
        .collect()
}

async fn an_event_costs_the_same_statements_for_one_subscriber_or_six(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let call = live_call(&app, acme.organization_id).await;
    let url = &app.base_url;

    let mut first = connect(url, "graphql-transport-ws", &acme.token(acme.viewer)).await;
    subscribe(&mut first, "1").await;
    until_live(&app, &acme, &mut [&mut first]).await;
    let alone = statements_for_one_change(&app, &acme, &mut [&mut first], call, "QUEUED").await;

    // Five more dashboards of the organization's viewer open the same
    // subscription.
    let mut others = Vec::new();
    for user in [
        acme.viewer,
        acme.viewer,
        acme.viewer,
        acme.viewer,
        acme.viewer,
    ] {
        let mut socket = connect(url, "graphql-transport-ws", &acme.token(user)).await;
        subscribe(&mut socket, "7").await;
        others.push(socket);
    }
    let mut all: Vec<&mut Socket> = std::iter::once(&mut first)
        .chain(others.iter_mut())
        .collect();
    until_live(&app, &acme, &mut all).await;
    let shared = statements_for_one_change(&app, &acme, &mut all, call, "RINGING").await;

    assert_eq!(
        alone.len(),
        shared.len(),
        "one subscriber: {alone:#?}\nsix subscribers: {shared:#?}"
    );
}

async fn a_shared_stream_never_reaches_another_organization(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let other = Tenant::create(&app.db.db, "other").await;
    let url = &app.base_url;
    // The same document and variables in both organizations, and in each a
    // reader and an owner.
    let mut acme_viewer = connect(url, "graphql-transport-ws", &acme.token(acme.viewer)).await;
    let mut acme_owner = connect(url, "graphql-transport-ws", &acme.token(acme.owner)).await;
    let mut other_viewer = connect(url, "graphql-transport-ws", &other.token(other.viewer)).await;
    let mut other_owner = connect(url, "graphql-transport-ws", &other.token(other.owner)).await;
    for socket in [
        &mut acme_viewer,
        &mut acme_owner,
        &mut other_viewer,
        &mut other_owner,
    ] {
        subscribe(socket, "1").await;
    }
    // Each organization's probes reach its own subscribers and none of the
    // other's.
    until_live(&app, &acme, &mut [&mut acme_viewer, &mut acme_owner]).await;
    for socket in [&mut other_viewer, &mut other_owner] {
        assert_eq!(within(socket, Duration::from_millis(300)).await, None);
    }
    until_live(&app, &other, &mut [&mut other_viewer, &mut other_owner]).await;
    for socket in [&mut acme_viewer, &mut acme_owner] {
        assert_eq!(within(socket, Duration::from_millis(300)).await, None);
    }

    let acme_call = live_call(&app, acme.organization_id).await;
    let other_call = live_call(&app, other.organization_id).await;
    set_status(
        url,
        &app.client,
        &acme.token(acme.agent),
        acme_call,
        "QUEUED",
    )
    .await;
    set_status(
        url,
        &app.client,
        &other.token(other.agent),
        other_call,
        "QUEUED",
    )
    .await;
    for (socket, call) in [
        (&mut acme_viewer, acme_call),
        (&mut acme_owner, acme_call),
        (&mut other_viewer, other_call),
        (&mut other_owner, other_call),
    ] {
        let message = next_json(socket).await.expect("its organization's change");
        assert_eq!(
            message["payload"]["data"]["callStatusChanged"]["callId"],
            call.to_string(),
            "{message}"
        );
        assert_eq!(
            within(socket, Duration::from_millis(500)).await,
            None,
            "nothing else arrives"
        );
    }
}

async fn members_come_and_go_without_disturbing_the_others(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let url = &app.base_url;
    let agent = acme.token(acme.agent);
    let mut first = connect(url, "graphql-transport-ws", &acme.token(acme.viewer)).await;
    let mut second = connect(url, "graphql-transport-ws", &acme.token(acme.viewer)).await;
    subscribe(&mut first, "a").await;
    subscribe(&mut second, "b").await;
    until_live(&app, &acme, &mut [&mut first, &mut second]).await;

    // The first member leaves its subscription (and keeps its socket).
    send(&mut first, json!({ "id": "a", "type": "complete" })).await;
    let call = live_call(&app, acme.organization_id).await;
    set_status(url, &app.client, &agent, call, "QUEUED").await;
    let message = next_json(&mut second).await.expect("the change");
    assert_eq!(message["id"], "b", "{message}");
    assert_eq!(
        message["payload"]["data"]["callStatusChanged"]["status"],
        "QUEUED"
    );
    // The server confirms the `complete`, and sends nothing more.
    while let Some(message) = within(&mut first, Duration::from_millis(300)).await {
        assert_eq!(message["type"], "complete", "{message}");
    }

    // A late member receives what happens after it joined, not before.
    let mut third = connect(url, "graphql-transport-ws", &acme.token(acme.owner)).await;
    subscribe(&mut third, "c").await;
    until_live(&app, &acme, &mut [&mut second, &mut third]).await;
    set_status(url, &app.client, &agent, call, "RINGING").await;
    for (socket, id) in [(&mut second, "b"), (&mut third, "c")] {
        let message = next_json(socket).await.expect("the change");
        assert_eq!(message["id"], id, "{message}");
        assert_eq!(
            message["payload"]["data"]["callStatusChanged"]["status"],
            "RINGING"
        );
    }

    // Everyone leaves; a new subscription afterwards starts afresh.
    drop(second);
    drop(third);
    send(
        &mut first,
        json!({ "id": "d", "type": "subscribe", "payload": { "query": DASHBOARD } }),
    )
    .await;
    until_live(&app, &acme, &mut [&mut first]).await;
    set_status(url, &app.client, &agent, call, "IN_PROGRESS").await;
    let message = next_json(&mut first).await.expect("the change");
    assert_eq!(message["id"], "d", "{message}");
    assert_eq!(
        message["payload"]["data"]["callStatusChanged"]["status"],
        "IN_PROGRESS"
    );
}
