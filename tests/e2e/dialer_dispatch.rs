//! The dispatcher on both backends, its rounds driven by the test (as
//! `serve` drives them every `--dialer-poll-secs`) against a fake provider
//! on loopback: two dispatchers over one database place each due call
//! exactly once; the gate at dial time cancels a call whose number went on
//! the DNC list and holds one whose campaign was paused; a call that cannot
//! be placed fails with the reason; an unavailable provider is tried again
//! later, then given up on; organizations without a provider account are
//! left alone.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use switchboard_app::App;
use switchboard_app::dialer::dispatch::{self, Dispatch, MAX_ATTEMPTS};
use switchboard_app::events::EventBus;
use switchboard_entity::enums::CampaignStatus;
use switchboard_entity::{calls, campaigns};
use switchboard_server::app::HttpConfig;
use switchboard_server::voice::HttpVoice;
use switchboard_tests::{Backend, Tenant, TestApp, ok, on_both_backends, spawn_app};
use uuid::Uuid;

use crate::dialer::{Answer, DIAL, account, fake_provider, gql, scheduled_call};

on_both_backends!(
    two_dispatchers_place_every_due_call_exactly_once,
    the_dispatcher_applies_the_gate_and_gives_up_on_what_cannot_be_placed,
    the_dispatcher_keeps_no_more_calls_going_than_the_organization_allows,
    an_attempt_left_in_doubt_fails_rather_than_being_dialed_again,
    a_provider_id_another_call_records_cancels_the_duplicate_rather_than_leaving_it_in_doubt,
);

/// A dispatcher of its own over the test database, as another instance's
/// is: the server's secret key (to open the accounts) and a real HTTP client.
pub(crate) async fn dispatcher(app: &TestApp, backend: Backend) -> App {
    let kind = match backend {
        Backend::Sqlite => sea_orm::DbBackend::Sqlite,
        Backend::Postgres => sea_orm::DbBackend::Postgres,
    };
    let voice = HttpVoice::new(Duration::from_secs(2), None).expect("a client");
    App::new(
        app.db.runtime_pool().await,
        EventBus::new(kind),
        HttpConfig::default().schema.secret_key.clone(),
    )
    .with_privileged(app.db.db.clone())
    .with_voice(Arc::new(voice))
}

pub(crate) async fn status(app: &TestApp, tenant: &Tenant, id: &str) -> Value {
    let body = gql(
        app,
        &tenant.token(tenant.agent),
        "query($id: ID!) { call(id: $id) { status providerCallId endedReason scheduledAt } }",
        json!({ "id": id }),
    )
    .await;
    ok(&body)["call"].clone()
}

/// Runs rounds a minute apart from now (as time would pass) until one does nothing.
async fn drain(dispatcher: &App, minutes: i64) -> Dispatch {
    let mut total = Dispatch::default();
    for minute in 0..minutes {
        let at = Utc::now() + chrono::Duration::minutes(minute);
        let round = dispatch::dispatch_due(dispatcher, at, 100)
            .await
            .expect("a round");
        total.placed += round.placed;
        total.failed += round.failed;
        total.retried += round.retried;
        total.cancelled += round.cancelled;
        total.waiting += round.waiting;
    }
    total
}

async fn two_dispatchers_place_every_due_call_exactly_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "dispatch").await;
    let (base, fake) = fake_provider().await;
    account(
        &app,
        &acme,
        "RETELL",
        json!({ "apiKey": "key", "baseUrl": base }),
    )
    .await;
    let room = gql(
        &app,
        &acme.token(acme.admin),
        "mutation { updateSettings(input: { dialerConcurrency: 1000 }) { dialerConcurrency } }",
        json!({}),
    )
    .await;
    ok(&room);
    const CALLS: usize = 200;
    let mut ids = vec![
        scheduled_call(
            &app,
            &acme,
            "RETELL",
            "agent",
            "RETELL",
            "+14155550700",
            None,
            "+14155550800",
        )
        .await,
    ];
    let agents = gql(
        &app,
        &acme.token(acme.agent),
        "{ agents { id } }",
        json!({}),
    )
    .await;
    let agent = ok(&agents)["agents"][0]["id"].clone();
    // The members take turns, each within its token's rate limit.
    let members = [acme.agent, acme.manager, acme.admin, acme.owner].map(|m| acme.token(m));
    for n in 1..CALLS {
        let token = &members[n % members.len()];
        let phone = format!("+1415555{:04}", 900 + n);
        ids.push(crate::dialer::schedule_as(&app, token, &agent, &phone).await);
    }
    // Another organization schedules calls but has no provider account.
    let other = Tenant::create(&app.db.db, "dispatch-elsewhere").await;
    let theirs = scheduled_call(
        &app,
        &other,
        "VAPI",
        "asst",
        "VAPI",
        "+14155550701",
        Some("pn"),
        "+14155550801",
    )
    .await;

    let (first, second) = (
        dispatcher(&app, backend).await,
        dispatcher(&app, backend).await,
    );
    // Due a minute from now; small batches, so both dispatchers are busy at once.
    let at = Utc::now() + chrono::Duration::minutes(2);
    let (a, b) = tokio::join!(
        async {
            let mut placed = 0;
            for _ in 0..60 {
                placed += dispatch::dispatch_due(&first, at, 3)
                    .await
                    .expect("round")
                    .placed;
            }
            placed
        },
        async {
            let mut placed = 0;
            for _ in 0..60 {
                placed += dispatch::dispatch_due(&second, at, 3)
                    .await
                    .expect("round")
                    .placed;
            }
            placed
        }
    );
    assert_eq!(a + b, CALLS as u64, "first placed {a}, second {b}");
    let received = fake.received.lock().expect("lock").clone();
    assert_eq!(received.len(), CALLS, "one request a call");
    let mut dialed: Vec<String> = received
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).expect("json");
            body["metadata"]["switchboardCallId"]
                .as_str()
                .expect("id")
                .to_owned()
        })
        .collect();
    dialed.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(dialed, expected, "each call dialed once");
    for id in &ids {
        let call = status(&app, &acme, id).await;
        assert_eq!(call["status"], "QUEUED", "{call}");
        assert!(
            call["providerCallId"]
                .as_str()
                .is_some_and(|p| p.starts_with("retell-call-"))
        );
    }
    let untouched = status(&app, &other, &theirs).await;
    assert_eq!(untouched["status"], "SCHEDULED", "no account: left alone");
}

/// Schedules a call to a new lead at `phone` by the tenant's first agent.
async fn schedule_to_same_agent(app: &TestApp, tenant: &Tenant, phone: &str) -> String {
    let agents = gql(
        app,
        &tenant.token(tenant.agent),
        "{ agents { id } }",
        json!({}),
    )
    .await;
    let agent = ok(&agents)["agents"][0]["id"].clone();
    crate::dialer::schedule(app, tenant, &agent, phone).await
}

async fn the_dispatcher_applies_the_gate_and_gives_up_on_what_cannot_be_placed(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "gatekeeping").await;
    let (base, fake) = fake_provider().await;
    account(
        &app,
        &acme,
        "VAPI",
        json!({ "apiKey": "key", "baseUrl": base, "phoneNumberId": "pn" }),
    )
    .await;
    let dispatcher = dispatcher(&app, backend).await;

    // On the DNC list since it was scheduled: cancelled, never dialed.
    let listed = scheduled_call(
        &app,
        &acme,
        "VAPI",
        "asst-1",
        "VAPI",
        "+14155550711",
        None,
        "+14155550811",
    )
    .await;
    let dnc = gql(
        &app,
        &acme.token(acme.manager),
        r#"mutation { addDncEntry(input: { phoneNumber: "+14155550811", reason: "asked" }) { id } }"#,
        json!({}),
    )
    .await;
    ok(&dnc);
    // Its agent's provider has no account: failed with the reason.
    let retell = scheduled_call(
        &app,
        &acme,
        "RETELL",
        "agent-r",
        "RETELL",
        "+14155550712",
        None,
        "+14155550812",
    )
    .await;
    // Its campaign is paused after scheduling: held, put off, not dialed.
    let paused = scheduled_call(
        &app,
        &acme,
        "VAPI",
        "asst-2",
        "VAPI",
        "+14155550713",
        None,
        "+14155550813",
    )
    .await;
    let campaign = Uuid::now_v7();
    let now = Utc::now();
    campaigns::ActiveModel {
        id: Set(campaign),
        organization_id: Set(acme.organization_id),
        name: Set("Paused".into()),
        status: Set(CampaignStatus::Paused),
        call_type: Set(switchboard_entity::enums::CallType::OutboundFollowup),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .expect("a campaign");
    let row = calls::Entity::find_by_id(paused.parse::<Uuid>().expect("uuid"))
        .one(&app.db.db)
        .await
        .expect("read")
        .expect("the call");
    let mut row: calls::ActiveModel = row.into();
    row.campaign_id = Set(Some(campaign));
    row.update(&app.db.db).await.expect("in the campaign");
    // And a paused campaign takes no new calls.
    let lead = gql(
        &app,
        &acme.token(acme.agent),
        "mutation($tz: String) { createLead(input: { phoneNumber: \"+14155550815\", timezone: $tz }) { id } }",
        json!({ "tz": crate::dialer::noon_zone() }),
    )
    .await;
    let refused = gql(
        &app,
        &acme.token(acme.agent),
        "mutation($input: ScheduleOutboundCallInput!) { scheduleOutboundCall(input: $input) { id } }",
        json!({ "input": { "leadId": ok(&lead)["createLead"]["id"], "campaignId": campaign.to_string(), "scheduledAt": (Utc::now() + chrono::Duration::minutes(1)).to_rfc3339() } }),
    )
    .await;
    assert_eq!(
        switchboard_tests::code(&refused),
        "DIAL_BLOCKED",
        "{refused}"
    );
    assert_eq!(
        refused["errors"][0]["extensions"]["reasons"][0]["code"], "CAMPAIGN_NOT_ACTIVE",
        "{refused}"
    );

    let round = dispatch::dispatch_due(&dispatcher, Utc::now() + chrono::Duration::minutes(2), 100)
        .await
        .expect("a round");
    assert_eq!(
        (round.placed, round.cancelled, round.failed, round.waiting),
        (0, 1, 1, 1),
        "{round:?}"
    );
    assert!(
        fake.received.lock().expect("lock").is_empty(),
        "nothing dialed"
    );
    let call = status(&app, &acme, &listed).await;
    assert_eq!(call["status"], "CANCELLED", "{call}");
    assert!(
        call["endedReason"]
            .as_str()
            .unwrap_or("")
            .contains("do-not-call")
    );
    let call = status(&app, &acme, &retell).await;
    assert_eq!(call["status"], "FAILED", "{call}");
    assert!(
        call["endedReason"]
            .as_str()
            .unwrap_or("")
            .contains("retell account"),
        "{call}"
    );
    let call = status(&app, &acme, &paused).await;
    assert_eq!(call["status"], "SCHEDULED", "{call}");
    let put_off: chrono::DateTime<Utc> = call["scheduledAt"]
        .as_str()
        .expect("a time")
        .parse()
        .expect("time");
    assert!(
        put_off > Utc::now() + chrono::Duration::minutes(10),
        "{call}"
    );

    // An unavailable provider: tried again with a growing delay, then given up.
    let flaky = scheduled_call(
        &app,
        &acme,
        "VAPI",
        "asst-3",
        "VAPI",
        "+14155550714",
        None,
        "+14155550814",
    )
    .await;
    *fake.answer.lock().expect("lock") = Answer::Status(503, json!({ "message": "overloaded" }));
    let total = drain(&dispatcher, 40).await;
    assert_eq!(
        (total.retried, total.failed),
        (MAX_ATTEMPTS - 1, 1),
        "{total:?}"
    );
    let call = status(&app, &acme, &flaky).await;
    assert_eq!(call["status"], "FAILED", "{call}");
    assert!(
        call["endedReason"]
            .as_str()
            .unwrap_or("")
            .contains("unavailable 5 times"),
        "{call}"
    );
    assert_eq!(
        fake.received.lock().expect("lock").len(),
        MAX_ATTEMPTS as usize
    );
}

async fn the_dispatcher_keeps_no_more_calls_going_than_the_organization_allows(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "concurrency").await;
    let (base, fake) = fake_provider().await;
    account(
        &app,
        &acme,
        "RETELL",
        json!({ "apiKey": "key", "baseUrl": base }),
    )
    .await;
    let settings = gql(
        &app,
        &acme.token(acme.admin),
        "mutation { updateSettings(input: { dialerConcurrency: 3 }) { dialerConcurrency } }",
        json!({}),
    )
    .await;
    assert_eq!(ok(&settings)["updateSettings"]["dialerConcurrency"], 3);
    let refused = gql(
        &app,
        &acme.token(acme.admin),
        "mutation { updateSettings(input: { dialerConcurrency: 0 }) { dialerConcurrency } }",
        json!({}),
    )
    .await;
    assert_eq!(
        switchboard_tests::code(&refused),
        "BAD_USER_INPUT",
        "{refused}"
    );
    let mut ids = vec![
        scheduled_call(
            &app,
            &acme,
            "RETELL",
            "agent",
            "RETELL",
            "+14155550720",
            None,
            "+14155550820",
        )
        .await,
    ];
    for n in 1..5 {
        ids.push(schedule_to_same_agent(&app, &acme, &format!("+1415555082{n}")).await);
    }
    // Two instances at once still keep to the limit.
    let (dispatcher, other) = (
        dispatcher(&app, backend).await,
        self::dispatcher(&app, backend).await,
    );
    let at = Utc::now() + chrono::Duration::minutes(2);
    let (a, b) = tokio::join!(
        dispatch::dispatch_due(&dispatcher, at, 100),
        dispatch::dispatch_due(&other, at, 100)
    );
    let placed = a.expect("a round").placed + b.expect("a round").placed;
    assert_eq!(placed, 3);
    let round = dispatch::dispatch_due(&dispatcher, at, 100)
        .await
        .expect("a round");
    assert_eq!(round.placed, 0, "three calls are still going: {round:?}");
    // One ends: room for one more.
    let received = fake.received.lock().expect("lock").clone();
    let first: Value = serde_json::from_str(&received[0].body).expect("json");
    let ended = gql(
        &app,
        &acme.token(acme.agent),
        "mutation($id: ID!) { updateCallStatus(id: $id, status: FAILED) { status } }",
        json!({ "id": first["metadata"]["switchboardCallId"] }),
    )
    .await;
    ok(&ended);
    let round = dispatch::dispatch_due(&dispatcher, at, 100)
        .await
        .expect("a round");
    assert_eq!(round.placed, 1, "{round:?}");
    assert_eq!(fake.received.lock().expect("lock").len(), 4);
}

async fn an_attempt_left_in_doubt_fails_rather_than_being_dialed_again(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "doubt").await;
    let (base, fake) = fake_provider().await;
    account(
        &app,
        &acme,
        "VAPI",
        json!({ "apiKey": "key", "baseUrl": base, "phoneNumberId": "pn" }),
    )
    .await;
    let call = scheduled_call(
        &app,
        &acme,
        "VAPI",
        "asst",
        "VAPI",
        "+14155550731",
        None,
        "+14155550831",
    )
    .await;
    // A dispatcher recorded the attempt and stopped before the answer.
    let row = calls::Entity::find_by_id(call.parse::<Uuid>().expect("uuid"))
        .one(&app.db.db)
        .await
        .expect("read")
        .expect("the call");
    let mut row: calls::ActiveModel = row.into();
    row.status = Set(switchboard_entity::enums::CallStatus::Queued);
    row.updated_at = Set(Utc::now() - chrono::Duration::minutes(5));
    row.update(&app.db.db).await.expect("in doubt");
    let dispatcher = dispatcher(&app, backend).await;
    let round = dispatch::dispatch_due(&dispatcher, Utc::now(), 100)
        .await
        .expect("a round");
    assert_eq!(
        round,
        Dispatch::default(),
        "five minutes: still waiting for the answer"
    );
    let later = Utc::now() + chrono::Duration::minutes(6);
    let round = dispatch::dispatch_due(&dispatcher, later, 100)
        .await
        .expect("a round");
    assert_eq!(round.in_doubt, 1, "{round:?}");
    let call = status(&app, &acme, &call).await;
    assert_eq!(call["status"], "FAILED", "{call}");
    assert!(
        call["endedReason"]
            .as_str()
            .unwrap_or("")
            .contains("never came"),
        "{call}"
    );
    assert!(
        fake.received.lock().expect("lock").is_empty(),
        "never dialed again"
    );
}

async fn a_provider_id_another_call_records_cancels_the_duplicate_rather_than_leaving_it_in_doubt(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "duplicate-id").await;
    let (base, fake) = fake_provider().await;
    account(
        &app,
        &acme,
        "VAPI",
        json!({ "apiKey": "key", "baseUrl": base, "phoneNumberId": "pn" }),
    )
    .await;
    // A provider that answers every call with one id.
    *fake.answer.lock().expect("lock") =
        Answer::Status(200, json!({ "id": "vapi-same", "status": "queued" }));
    let first = scheduled_call(
        &app,
        &acme,
        "VAPI",
        "asst",
        "VAPI",
        "+14155550760",
        None,
        "+14155550860",
    )
    .await;
    let second = schedule_to_same_agent(&app, &acme, "+14155550861").await;
    let token = acme.token(acme.agent);
    let placed = gql(&app, &token, DIAL, json!({ "id": first })).await;
    assert_eq!(ok(&placed)["dialNow"]["providerCallId"], "vapi-same");
    let duplicate = gql(&app, &token, DIAL, json!({ "id": second })).await;
    let duplicate = &ok(&duplicate)["dialNow"];
    assert_eq!(duplicate["status"], "CANCELLED", "{duplicate}");
    assert!(
        duplicate["endedReason"]
            .as_str()
            .is_some_and(|r| r.contains("vapi-same") && r.contains("another call")),
        "{duplicate}"
    );
    assert_eq!(fake.received.lock().expect("lock").len(), 2);
}
