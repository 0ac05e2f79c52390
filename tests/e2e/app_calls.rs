//! The call and webhook use cases of `switchboard-app`, called directly (no
//! HTTP, no GraphQL) on both backends: rules that are hard to reach through
//! the API — concurrent writes to one call, replayed deliveries, events
//! announced only once a write commits, and the rollups an ended call moves.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use switchboard_app::actor::{Actor, Viewer};
use switchboard_app::calls::{self, NewCall};
use switchboard_app::events::{self, EventBus, Message, OrganizationReceiver};
use switchboard_app::{App, AppError, webhooks};
use switchboard_domain::secrets::SecretKey;
use switchboard_domain::webhooks::{Direction, Provider, ProviderCall, ProviderEvent, Transcript};
use switchboard_entity::enums::{CallEventKind, CallStatus, CreditKind, MemberRole};
use switchboard_entity::{call_events, calls as call_rows, credit_transactions};
use switchboard_entity::{organization_analytics, transcripts};
use switchboard_tests::{Backend, Tenant, TestDb, on_both_backends};
use uuid::Uuid;

on_both_backends!(
    concurrent_status_updates_of_one_call_take_turns_and_their_events_form_one_chain,
    a_call_completed_by_several_writers_at_once_ends_once_and_is_charged_once,
    a_status_change_announces_exactly_one_event_once_committed,
    a_refused_status_change_announces_nothing,
    a_delivery_that_fails_after_changing_the_status_announces_nothing_and_leaves_nothing,
    a_replayed_delivery_is_applied_once,
    copies_of_a_delivery_racing_each_other_are_applied_once,
    the_rollups_count_a_call_when_it_ends_unless_the_actor_leaves_them_alone,
    a_signing_secret_is_refused_under_8_characters_and_set_by_a_member,
);

/// The application over a fresh database, with one tenant.
struct Fixture {
    // Dropped last: the database outlives the application's pool clones.
    app: App,
    tenant: Tenant,
    _db: TestDb,
}

impl Fixture {
    async fn new(backend: Backend) -> Self {
        let db = TestDb::migrated(backend).await;
        let tenant = Tenant::create(&db.db, "acme").await;
        let bus = EventBus::new(match backend {
            Backend::Sqlite => DbBackend::Sqlite,
            Backend::Postgres => DbBackend::Postgres,
        });
        let app = App::new(db.db.clone(), bus, Arc::new(SecretKey::generate()));
        if backend == Backend::Postgres {
            tokio::spawn(events::listen(app.db.pool().clone(), app.bus.clone()));
        }
        let fixture = Self {
            app,
            tenant,
            _db: db,
        };
        fixture.until_the_bus_delivers().await;
        fixture
    }

    /// Waits until committed events reach this instance's bus (on
    /// PostgreSQL, until the listener is listening).
    async fn until_the_bus_delivers(&self) {
        let mut control = self.app.bus.subscribe_control();
        for _ in 0..100 {
            self.app
                .bus
                .revoke_access(&self.app.db, self.tenant.organization_id, Uuid::nil())
                .await
                .expect("a probe is staged");
            if let Ok(Ok(_)) =
                tokio::time::timeout(Duration::from_millis(100), control.recv()).await
            {
                return;
            }
        }
        panic!("the bus never delivered");
    }

    fn org(&self) -> Uuid {
        self.tenant.organization_id
    }

    /// The tenant's agent, acting through the API.
    fn agent(&self) -> Actor {
        Actor::member(Viewer {
            user_id: self.tenant.agent,
            organization_id: self.org(),
            role: MemberRole::Agent,
            timezone: "America/New_York".parse().expect("a zone"),
        })
    }

    /// A scheduled call to a number, with no lead.
    async fn call(&self, phone: &str) -> call_rows::Model {
        let new = NewCall {
            phone_number: Some(phone.to_owned()),
            ..NewCall::default()
        };
        calls::create_call(&self.app, self.agent(), new)
            .await
            .expect("a call")
    }

    /// The call's `status_changed` events, in the order they were written.
    async fn moves(&self, call: Uuid) -> Vec<(Option<CallStatus>, Option<CallStatus>)> {
        call_events::Entity::find()
            .filter(call_events::Column::CallId.eq(call))
            .filter(call_events::Column::Kind.eq(CallEventKind::StatusChanged))
            .order_by_asc(call_events::Column::Id)
            .all(&self.app.db)
            .await
            .expect("events")
            .into_iter()
            .map(|e| (e.from_status, e.to_status))
            .collect()
    }

    async fn reload(&self, call: Uuid) -> call_rows::Model {
        calls::find_call(&self.app.db, self.org(), call)
            .await
            .expect("the call")
    }

    async fn usage_entries(&self, call: Uuid) -> u64 {
        credit_transactions::Entity::find()
            .filter(credit_transactions::Column::CallId.eq(call))
            .filter(credit_transactions::Column::Kind.eq(CreditKind::Usage))
            .count(&self.app.db)
            .await
            .expect("count")
    }
}

/// Every message the receiver holds now or gets within a moment.
async fn drain(receiver: &mut OrganizationReceiver) -> Vec<Message> {
    let mut messages = Vec::new();
    while let Ok(Ok(message)) =
        tokio::time::timeout(Duration::from_millis(300), receiver.recv()).await
    {
        messages.push(message.as_ref().clone());
    }
    messages
}

fn field_of(err: &AppError) -> &str {
    match err {
        AppError::BadUserInput(error) => error.field(),
        other => panic!("expected BAD_USER_INPUT, got {other:?}"),
    }
}

async fn concurrent_status_updates_of_one_call_take_turns_and_their_events_form_one_chain(
    backend: Backend,
) {
    let f = Fixture::new(backend).await;
    let call = f.call("+14155550101").await;
    let (ringing, in_progress) = tokio::join!(
        calls::update_call_status(&f.app, f.agent(), call.id, CallStatus::Ringing, None),
        calls::update_call_status(&f.app, f.agent(), call.id, CallStatus::InProgress, None),
    );
    let moves = f.moves(call.id).await;
    let now = f.reload(call.id).await;
    assert_eq!(now.status, CallStatus::InProgress);
    match ringing {
        // Ringing went first: both moves landed, in the order they were made.
        Ok(_) => {
            in_progress.expect("ringing → in_progress is legal");
            assert_eq!(
                moves,
                vec![
                    (Some(CallStatus::Scheduled), Some(CallStatus::Ringing)),
                    (Some(CallStatus::Ringing), Some(CallStatus::InProgress)),
                ]
            );
        }
        // In progress went first: the late ringing saw it and was refused.
        Err(err) => {
            in_progress.expect("scheduled → in_progress is legal");
            assert_eq!(field_of(&err), "status");
            assert_eq!(
                err.message(),
                "a call cannot go from in_progress to ringing"
            );
            assert_eq!(
                moves,
                vec![(Some(CallStatus::Scheduled), Some(CallStatus::InProgress))]
            );
        }
    }
    // Either way each move starts where the previous one ended.
    for pair in moves.windows(2) {
        assert_eq!(pair[0].1, pair[1].0, "{moves:?}");
    }
}

async fn a_call_completed_by_several_writers_at_once_ends_once_and_is_charged_once(
    backend: Backend,
) {
    let f = Fixture::new(backend).await;
    let call = f.call("+14155550102").await;
    let started = Utc::now() - chrono::Duration::minutes(5);
    calls::update_call_status(
        &f.app,
        f.agent(),
        call.id,
        CallStatus::InProgress,
        Some(started),
    )
    .await
    .expect("started");
    let ended = started + chrono::Duration::seconds(150);
    let writers = (0..4).map(|_| {
        let (app, actor) = (f.app.clone(), f.agent());
        tokio::spawn(async move {
            calls::update_call_status(&app, actor, call.id, CallStatus::Completed, Some(ended))
                .await
        })
    });
    for writer in writers.collect::<Vec<_>>() {
        let call = writer
            .await
            .expect("joined")
            .expect("completing is idempotent");
        assert_eq!(call.status, CallStatus::Completed);
    }
    assert_eq!(
        f.moves(call.id).await,
        vec![
            (Some(CallStatus::Scheduled), Some(CallStatus::InProgress)),
            (Some(CallStatus::InProgress), Some(CallStatus::Completed)),
        ]
    );
    let now = f.reload(call.id).await;
    assert_eq!(
        (now.duration_seconds, now.billed_minutes, now.credits_used),
        (Some(150), Some(3), 3)
    );
    assert_eq!(f.usage_entries(call.id).await, 1);
}

async fn a_status_change_announces_exactly_one_event_once_committed(backend: Backend) {
    let f = Fixture::new(backend).await;
    let mut receiver = f.app.bus.subscribe_organization(f.org());
    let call = f.call("+14155550103").await;
    // On PostgreSQL committed events come back through the listener: let
    // the call's `created` arrive first.
    assert_eq!(drain(&mut receiver).await.len(), 1);
    calls::update_call_status(&f.app, f.agent(), call.id, CallStatus::Ringing, None)
        .await
        .expect("ringing");
    let messages = drain(&mut receiver).await;
    let [Message::Call(event)] = messages.as_slice() else {
        panic!("one call event, got {messages:?}");
    };
    assert_eq!(event.call_id, call.id);
    assert_eq!(event.kind, CallEventKind::StatusChanged);
    assert_eq!(
        (event.from, event.to),
        (Some(CallStatus::Scheduled), Some(CallStatus::Ringing))
    );
    // The event announced is the one stored.
    let stored = call_events::Entity::find_by_id(event.event_id)
        .one(&f.app.db)
        .await
        .expect("query")
        .expect("stored");
    assert_eq!(stored.actor_user_id, Some(f.tenant.agent));
    // The status it already has writes and announces nothing.
    calls::update_call_status(&f.app, f.agent(), call.id, CallStatus::Ringing, None)
        .await
        .expect("unchanged");
    assert_eq!(drain(&mut receiver).await, vec![]);
}

async fn a_refused_status_change_announces_nothing(backend: Backend) {
    let f = Fixture::new(backend).await;
    let mut receiver = f.app.bus.subscribe_organization(f.org());
    let call = f.call("+14155550104").await;
    let started = Utc::now();
    calls::update_call_status(
        &f.app,
        f.agent(),
        call.id,
        CallStatus::InProgress,
        Some(started),
    )
    .await
    .expect("started");
    assert_eq!(drain(&mut receiver).await.len(), 2, "created, then started");
    let before_start = started - chrono::Duration::minutes(1);
    let err = calls::update_call_status(
        &f.app,
        f.agent(),
        call.id,
        CallStatus::Completed,
        Some(before_start),
    )
    .await
    .expect_err("an end before the start");
    assert_eq!(field_of(&err), "at");
    let err = calls::update_call_status(&f.app, f.agent(), call.id, CallStatus::Queued, None)
        .await
        .expect_err("illegal");
    assert_eq!(field_of(&err), "status");
    assert_eq!(drain(&mut receiver).await, vec![]);
    assert_eq!(f.reload(call.id).await.status, CallStatus::InProgress);
}

/// A Vapi delivery about provider call `call_id`, identified by `event_id`.
fn delivery(event_id: &str, call_id: &str, status: CallStatus) -> ProviderEvent {
    let ended = Utc::now() - chrono::Duration::minutes(2);
    let started = ended - chrono::Duration::seconds(90);
    ProviderEvent {
        provider: Provider::Vapi,
        event_id: event_id.to_owned(),
        kind: "end-of-call-report".to_owned(),
        call: ProviderCall {
            id: call_id.to_owned(),
            direction: Direction::Inbound,
            customer_number: Some("+14155550177".to_owned()),
            agent_number: None,
            provider_agent_id: None,
            switchboard_call_id: None,
        },
        status: Some(status),
        outcome: None,
        ended_reason: None,
        started_at: Some(started),
        ended_at: status.is_terminal().then_some(ended),
        duration_seconds: None,
        cost_cents: None,
        recording_url: None,
        transcript: None,
        analysis: None,
        occurred_at: Some(ended),
        payload: serde_json::json!({ "event": event_id }),
    }
}

async fn apply(f: &Fixture, event: &ProviderEvent) -> Result<webhooks::Applied, AppError> {
    webhooks::apply(&f.app, f.org(), event, Utc::now()).await
}

async fn provider_calls(f: &Fixture, call_id: &str) -> Vec<call_rows::Model> {
    call_rows::Entity::find()
        .filter(call_rows::Column::ProviderCallId.eq(call_id))
        .all(&f.app.db)
        .await
        .expect("calls")
}

async fn a_delivery_that_fails_after_changing_the_status_announces_nothing_and_leaves_nothing(
    backend: Backend,
) {
    let f = Fixture::new(backend).await;
    let mut receiver = f.app.bus.subscribe_organization(f.org());
    // The call is created, its lead too, and it moves to in progress; then
    // the transcript's language is refused, so the whole delivery rolls back.
    let mut event = delivery("evt-bad-language", "vapi-call-1", CallStatus::InProgress);
    event.transcript = Some(Transcript {
        content: "Agent: Hello.".to_owned(),
        segments: vec![],
        language: Some("x".repeat(36)),
    });
    let err = apply(&f, &event).await.expect_err("refused");
    assert_eq!(field_of(&err), "language");
    assert_eq!(drain(&mut receiver).await, vec![]);
    assert!(provider_calls(&f, "vapi-call-1").await.is_empty());
    assert_eq!(
        call_events::Entity::find()
            .count(&f.app.db)
            .await
            .expect("count"),
        0
    );

    // Corrected, the same delivery lands and announces what it did, once
    // committed: the call, its lead, the delivery, the move and the transcript.
    event.transcript = Some(Transcript {
        content: "Agent: Hello.".to_owned(),
        segments: vec![],
        language: Some("en-US".to_owned()),
    });
    let applied = apply(&f, &event).await.expect("applied");
    assert!(applied.call_created && applied.lead_created && !applied.duplicate);
    let messages = drain(&mut receiver).await;
    let kinds: Vec<_> = messages
        .iter()
        .map(|m| match m {
            Message::Call(e) => format!("call:{}", e.kind.as_str()),
            Message::Lead(_) => "lead".to_owned(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            "call:created",
            "lead",
            "call:provider_event",
            "call:status_changed",
            "call:transcript_attached",
        ]
    );
    let transcript = transcripts::Entity::find()
        .filter(transcripts::Column::CallId.eq(applied.call_id))
        .one(&f.app.db)
        .await
        .expect("query")
        .expect("a transcript");
    assert_eq!(transcript.language, "en-US");
}

async fn a_replayed_delivery_is_applied_once(backend: Backend) {
    let f = Fixture::new(backend).await;
    let mut receiver = f.app.bus.subscribe_organization(f.org());
    let event = delivery("evt-report-1", "vapi-call-2", CallStatus::Completed);
    let first = apply(&f, &event).await.expect("applied");
    assert!(!first.duplicate && first.call_created);
    assert_eq!(first.status, CallStatus::Completed);
    // The call, its lead, the delivery and the move.
    assert_eq!(drain(&mut receiver).await.len(), 4);
    for _ in 0..3 {
        let again = apply(&f, &event).await.expect("a replay is fine");
        assert_eq!(
            (again.call_id, again.duplicate, again.call_created),
            (first.call_id, true, false)
        );
        assert_eq!(again.status, CallStatus::Completed);
    }
    assert_eq!(
        drain(&mut receiver).await,
        vec![],
        "a replay announces nothing"
    );
    assert_eq!(provider_calls(&f, "vapi-call-2").await.len(), 1);
    let deliveries = call_events::Entity::find()
        .filter(call_events::Column::CallId.eq(first.call_id))
        .filter(call_events::Column::Kind.eq(CallEventKind::ProviderEvent))
        .count(&f.app.db)
        .await
        .expect("count");
    assert_eq!(deliveries, 1);
    assert_eq!(f.usage_entries(first.call_id).await, 1);
}

async fn copies_of_a_delivery_racing_each_other_are_applied_once(backend: Backend) {
    let f = Fixture::new(backend).await;
    let event = delivery("evt-report-2", "vapi-call-3", CallStatus::Completed);
    let (a, b, c) = tokio::join!(apply(&f, &event), apply(&f, &event), apply(&f, &event));
    let results = [a.expect("a"), b.expect("b"), c.expect("c")];
    assert_eq!(results.iter().filter(|r| !r.duplicate).count(), 1);
    assert!(results.iter().all(|r| r.call_id == results[0].call_id));
    assert_eq!(provider_calls(&f, "vapi-call-3").await.len(), 1);
    assert_eq!(f.usage_entries(results[0].call_id).await, 1);
    // A provider may report only the end: scheduled → completed, once.
    assert_eq!(
        f.moves(results[0].call_id).await,
        vec![(Some(CallStatus::Scheduled), Some(CallStatus::Completed))]
    );
}

/// The organization's rollup totals: calls, seconds, billed minutes, credits.
async fn rollups(f: &Fixture) -> (i64, i64, i64, i64) {
    organization_analytics::Entity::find()
        .filter(organization_analytics::Column::OrganizationId.eq(f.org()))
        .all(&f.app.db)
        .await
        .expect("rollups")
        .iter()
        .fold((0, 0, 0, 0), |(calls, seconds, minutes, credits), row| {
            (
                calls + i64::from(row.total_calls),
                seconds + row.total_duration_seconds,
                minutes + row.total_billed_minutes,
                credits + row.credits_used,
            )
        })
}

async fn end_call(f: &Fixture, actor: Actor, call: Uuid, started: DateTime<Utc>, seconds: i64) {
    calls::update_call_status(&f.app, actor, call, CallStatus::InProgress, Some(started))
        .await
        .expect("started");
    let ended = started + chrono::Duration::seconds(seconds);
    calls::update_call_status(&f.app, actor, call, CallStatus::Completed, Some(ended))
        .await
        .expect("ended");
}

async fn the_rollups_count_a_call_when_it_ends_unless_the_actor_leaves_them_alone(
    backend: Backend,
) {
    let f = Fixture::new(backend).await;
    assert_eq!(rollups(&f).await, (0, 0, 0, 0));
    let started = Utc::now() - chrono::Duration::hours(1);
    let counted = f.call("+14155550105").await;
    calls::update_call_status(&f.app, f.agent(), counted.id, CallStatus::Ringing, None)
        .await
        .expect("ringing");
    assert_eq!(rollups(&f).await, (0, 0, 0, 0), "counted when it ends");
    end_call(&f, f.agent(), counted.id, started, 150).await;
    assert_eq!(rollups(&f).await, (1, 150, 3, 3));

    // The benchmark's actor keeps the call's own figures but not the rollups.
    let uncounted = f.call("+14155550106").await;
    end_call(&f, f.agent().without_rollups(), uncounted.id, started, 61).await;
    assert_eq!(f.reload(uncounted.id).await.billed_minutes, Some(2));
    assert_eq!(rollups(&f).await, (1, 150, 3, 3));
}

async fn a_signing_secret_is_refused_under_8_characters_and_set_by_a_member(backend: Backend) {
    let f = Fixture::new(backend).await;
    let admin = Actor::member(Viewer {
        user_id: f.tenant.admin,
        organization_id: f.org(),
        role: MemberRole::Admin,
        timezone: "America/New_York".parse().expect("a zone"),
    });
    let err = webhooks::set_webhook_secret(
        &f.app,
        admin,
        &Default::default(),
        Provider::Retell,
        " 1234567 ",
    )
    .await
    .expect_err("too short");
    assert_eq!(field_of(&err), "secret");
    let endpoint = webhooks::set_webhook_secret(
        &f.app,
        admin,
        &Default::default(),
        Provider::Retell,
        "whsec_12345678",
    )
    .await
    .expect("set");
    assert!(endpoint.configured);
    assert_eq!(endpoint.path, "/webhooks/retell?org=acme");
    let opened = webhooks::signing_secret(&f.app.db, &f.app.secret_key, f.org(), Provider::Retell)
        .await
        .expect("opens");
    assert_eq!(opened.as_deref(), Some("whsec_12345678"));
    let viewer = Viewer {
        user_id: f.tenant.admin,
        organization_id: f.org(),
        role: MemberRole::Admin,
        timezone: "America/New_York".parse().expect("a zone"),
    };
    let endpoints = webhooks::webhook_endpoints(&f.app, viewer)
        .await
        .expect("listed");
    let configured: Vec<_> = endpoints
        .iter()
        .map(|e| (e.provider, e.configured))
        .collect();
    assert_eq!(
        configured,
        vec![
            (Provider::Vapi, false),
            (Provider::ElevenLabs, false),
            (Provider::Retell, true),
            (Provider::Twilio, false),
        ]
    );
}
