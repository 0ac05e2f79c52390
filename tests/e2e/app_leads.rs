//! The lead, DNC and ledger use cases of `switchboard-app`, called directly
//! (no HTTP): the events they announce and when, what a failed write
//! leaves, and the rules that only concurrency reaches.

use std::time::Duration;

use chrono::Utc;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use switchboard_app::events::{EventBus, LeadChange, LeadEvent, Message, OrganizationReceiver};
use switchboard_app::identity::Client;
use switchboard_app::leads::bulk::{self, RowOutcome};
use switchboard_app::leads::dnc::{self, NewDncEntry};
use switchboard_app::leads::write::{self, NewLead};
use switchboard_app::{App, AppError, Viewer, ledger};
use switchboard_domain::secrets::SecretKey;
use switchboard_domain::timezone::TimeZone;
use switchboard_entity::enums::{CallStatus, CreditKind, DncSource, LeadStatus, MemberRole};
use switchboard_entity::{calls, credit_transactions, leads, organizations};
use switchboard_tests::{Backend, Tenant, TestDb, on_both_backends};
use uuid::Uuid;

on_both_backends!(
    a_bulk_import_announces_its_leads_only_after_it_commits,
    a_failed_write_announces_nothing_and_leaves_nothing,
    two_concurrent_creates_of_one_phone_make_one_lead_and_one_conflict,
    purchases_and_refunds_keep_the_balance_equal_to_the_ledger_sum,
    a_number_on_the_dnc_list_makes_a_dnc_lead,
);

/// The application over a fresh database, its bus fed as a server's is (on
/// PostgreSQL by a listener, which is listening once this returns).
async fn application(backend: Backend) -> (TestDb, App) {
    let test = TestDb::migrated(backend).await;
    let bus = EventBus::new(test.db.get_database_backend());
    if backend == Backend::Postgres {
        tokio::spawn(switchboard_app::events::listen(
            test.db.clone(),
            bus.clone(),
        ));
        // A probe for an organization of its own, until the listener hears it.
        let probe = Uuid::now_v7();
        let mut heard = bus.subscribe_organization(probe);
        let message = Message::Lead(LeadEvent {
            organization_id: probe,
            lead_id: probe,
            change: LeadChange::Updated,
            occurred_at: Utc::now(),
        });
        for _ in 0..100 {
            bus.stage(&test.db, std::slice::from_ref(&message))
                .await
                .expect("probe staged");
            if tokio::time::timeout(Duration::from_millis(100), heard.recv())
                .await
                .is_ok()
            {
                break;
            }
        }
    }
    let app = App::new(
        test.db.clone(),
        bus,
        std::sync::Arc::new(SecretKey::derive(b"app-leads-tests")),
    );
    (test, app)
}

fn viewer(tenant: &Tenant, user: Uuid, role: MemberRole) -> Viewer {
    Viewer {
        user_id: user,
        organization_id: tenant.organization_id,
        role,
        timezone: TimeZone::parse("America/New_York").expect("a zone").tz(),
    }
}

fn lead(phone: &str) -> NewLead {
    NewLead {
        phone_number: phone.to_owned(),
        ..NewLead::default()
    }
}

/// The next lead event of the organization, within a few seconds.
async fn next_lead_event(events: &mut OrganizationReceiver) -> LeadEvent {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .expect("an event within 5 s")
            .expect("the channel is open");
        if let Message::Lead(event) = message.as_ref() {
            return event.clone();
        }
    }
}

async fn lead_count(app: &App, organization_id: Uuid) -> u64 {
    leads::Entity::find()
        .filter(leads::Column::OrganizationId.eq(organization_id))
        .count(&app.db)
        .await
        .expect("count")
}

fn created(outcomes: &[RowOutcome]) -> Vec<Uuid> {
    outcomes
        .iter()
        .filter_map(|o| match o {
            RowOutcome::Created(id) => Some(*id),
            _ => None,
        })
        .collect()
}

async fn a_bulk_import_announces_its_leads_only_after_it_commits(backend: Backend) {
    let (_test, app) = application(backend).await;
    let acme = Tenant::create(app.db.pool(), "acme").await;
    let agent = viewer(&acme, acme.agent, MemberRole::Agent);
    let mut events = app.bus.subscribe_organization(acme.organization_id);

    let write = app.begin_write().await.expect("begin");
    let rows = vec![lead("+14155550100"), lead("(415) 555-0101")];
    let outcomes = bulk::import_in(
        &*write,
        &write.outbox,
        agent,
        &Client::default(),
        rows,
        true,
        Utc::now(),
    )
    .await
    .expect("imported");
    let ids = created(&outcomes);
    assert_eq!(ids.len(), 2, "{outcomes:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        events.try_recv().is_err(),
        "nothing is announced before the commit"
    );
    write.commit().await.expect("commit");

    let mut announced = [
        next_lead_event(&mut events).await,
        next_lead_event(&mut events).await,
    ];
    announced.sort_by_key(|e| e.lead_id);
    let mut expected = ids;
    expected.sort();
    assert_eq!(
        announced.iter().map(|e| e.lead_id).collect::<Vec<_>>(),
        expected
    );
    assert!(announced.iter().all(|e| e.change == LeadChange::Created));

    // The use case that opens its own write announces the same way.
    let outcomes = bulk::upsert_leads(&app, agent, &Client::default(), vec![lead("+14155550100")])
        .await
        .expect("upserted");
    let event = next_lead_event(&mut events).await;
    assert!(matches!(outcomes[..], [RowOutcome::Updated(id)] if id == event.lead_id));
    assert_eq!(event.change, LeadChange::Updated);
}

async fn a_failed_write_announces_nothing_and_leaves_nothing(backend: Backend) {
    let (_test, app) = application(backend).await;
    let acme = Tenant::create(app.db.pool(), "acme").await;
    let agent = viewer(&acme, acme.agent, MemberRole::Agent);
    let mut events = app.bus.subscribe_organization(acme.organization_id);

    // Refused before a row is written: keys are relative to the input.
    let refused = write::create_lead(
        &app,
        agent,
        &Client::default(),
        NewLead {
            lead_score: Some(101),
            ..lead("+14155550100")
        },
    )
    .await;
    match refused {
        Err(AppError::BadUserInput(error)) => assert_eq!(error.field(), "leadScore"),
        other => panic!("expected BAD_USER_INPUT, got {other:?}"),
    }
    // An all-or-nothing import with one bad row writes none.
    let rows = vec![
        lead("+14155550101"),
        NewLead {
            email: Some("not-an-address".into()),
            ..lead("+14155550102")
        },
    ];
    let outcomes = bulk::import_leads(&app, agent, &Client::default(), rows, true)
        .await
        .expect("a report");
    assert!(matches!(outcomes[0], RowOutcome::Skipped), "{outcomes:?}");
    match &outcomes[1] {
        RowOutcome::Failed(AppError::BadUserInput(error)) => assert_eq!(error.field(), "[1].email"),
        other => panic!("expected a failed row, got {other:?}"),
    }
    // A write that succeeded but is dropped uncommitted rolls back silently.
    {
        let write = app.begin_write().await.expect("begin");
        write::create_lead_in(
            &*write,
            &write.outbox,
            agent,
            &Client::default(),
            lead("+14155550103"),
            Utc::now(),
        )
        .await
        .expect("created inside the transaction");
    }
    assert_eq!(lead_count(&app, acme.organization_id).await, 0);

    // The first event heard is the next successful write's.
    let kept = write::create_lead(&app, agent, &Client::default(), lead("+14155550104"))
        .await
        .expect("created");
    let event = next_lead_event(&mut events).await;
    assert_eq!(
        (event.lead_id, event.change),
        (kept.id, LeadChange::Created)
    );
    assert_eq!(lead_count(&app, acme.organization_id).await, 1);
}

async fn two_concurrent_creates_of_one_phone_make_one_lead_and_one_conflict(backend: Backend) {
    let (_test, app) = application(backend).await;
    let acme = Tenant::create(app.db.pool(), "acme").await;
    let agent = viewer(&acme, acme.agent, MemberRole::Agent);

    let racers: Vec<_> = ["+14155550100", "(415) 555-0100"]
        .into_iter()
        .map(|phone| {
            let app = app.clone();
            tokio::spawn(async move {
                write::create_lead(&app, agent, &Client::default(), lead(phone)).await
            })
        })
        .collect();
    let mut made = Vec::new();
    let mut conflicts = Vec::new();
    for racer in racers {
        match racer.await.expect("the task ends") {
            Ok(lead) => made.push(lead),
            Err(AppError::Conflict { field, .. }) => conflicts.push(field),
            Err(other) => panic!("expected CONFLICT, got {other:?}"),
        }
    }
    assert_eq!(made.len(), 1, "one lead is made");
    assert_eq!(conflicts, vec![Some("phoneNumber".to_owned())]);
    assert_eq!(lead_count(&app, acme.organization_id).await, 1);
}

/// The organization's balance, and its initial balance plus every entry.
async fn balance_and_ledger_sum(app: &App, organization_id: Uuid) -> (i64, i64) {
    let balance = organizations::Entity::find_by_id(organization_id)
        .one(&app.db)
        .await
        .expect("read")
        .expect("organization")
        .credit_balance;
    let entries = credit_transactions::Entity::find()
        .filter(credit_transactions::Column::OrganizationId.eq(organization_id))
        .all(&app.db)
        .await
        .expect("ledger");
    // Tenants start with 1,000 credits and no entry.
    (
        balance,
        1_000 + entries.iter().map(|e| e.amount).sum::<i64>(),
    )
}

async fn purchases_and_refunds_keep_the_balance_equal_to_the_ledger_sum(backend: Backend) {
    let (_test, app) = application(backend).await;
    let acme = Tenant::create(app.db.pool(), "acme").await;
    let admin = viewer(&acme, acme.admin, MemberRole::Admin);

    ledger::purchase_credits(&app, admin, &Default::default(), 500, "pay_1".into(), None)
        .await
        .expect("purchased");
    match ledger::purchase_credits(&app, admin, &Default::default(), 500, "pay_1".into(), None)
        .await
    {
        Err(AppError::Conflict { field, .. }) => {
            assert_eq!(field.as_deref(), Some("externalPaymentId"))
        }
        other => panic!("a payment is credited once, got {other:?}"),
    }
    match ledger::purchase_credits(&app, admin, &Default::default(), 0, "pay_0".into(), None).await
    {
        Err(AppError::BadUserInput(error)) => assert_eq!(error.field(), "amount"),
        other => panic!("a purchase adds credits, got {other:?}"),
    }
    ledger::adjust_credits(&app, admin, &Default::default(), -200, "correction".into())
        .await
        .expect("adjusted");

    // A call's charge, then its refund (once).
    let call = calls::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(acme.organization_id),
        status: Set(CallStatus::Completed),
        credits_used: Set(30),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("call");
    let write = app.begin_write().await.expect("begin");
    let charge = ledger::charge_call(&write, &call, Utc::now())
        .await
        .expect("charged")
        .expect("a usage entry");
    write.commit().await.expect("commit");
    assert_eq!(charge.kind, CreditKind::Usage);
    let refund = ledger::refund_credits(&app, admin, &Default::default(), charge.id, None)
        .await
        .expect("refunded");
    assert_eq!(refund.amount, 30);
    assert!(matches!(
        ledger::refund_credits(&app, admin, &Default::default(), charge.id, None).await,
        Err(AppError::Conflict { .. })
    ));

    // Purchases racing each other still chain.
    let racers: Vec<_> = (0..10)
        .map(|n| {
            let app = app.clone();
            tokio::spawn(async move {
                ledger::purchase_credits(
                    &app,
                    admin,
                    &Default::default(),
                    10 + n,
                    format!("race_{n}"),
                    None,
                )
                .await
            })
        })
        .collect();
    for racer in racers {
        racer.await.expect("the task ends").expect("purchased");
    }

    let (balance, sum) = balance_and_ledger_sum(&app, acme.organization_id).await;
    assert_eq!(balance, sum);
    assert_eq!(balance, 1_000 + 500 - 200 - 30 + 30 + (10..20).sum::<i64>());
}

async fn a_number_on_the_dnc_list_makes_a_dnc_lead(backend: Backend) {
    let (_test, app) = application(backend).await;
    let acme = Tenant::create(app.db.pool(), "acme").await;
    let manager = viewer(&acme, acme.manager, MemberRole::Manager);
    let agent = viewer(&acme, acme.agent, MemberRole::Agent);
    let entry = NewDncEntry {
        phone_number: "(415) 555-0199".into(),
        reason: Some("asked".into()),
        source: DncSource::CustomerRequest,
        detected_phrase: None,
        expires_at: None,
    };

    let listed = dnc::add_dnc_entry(&app, manager, entry.clone())
        .await
        .expect("listed");
    assert_eq!(listed.phone_number, "+14155550199");
    match dnc::add_dnc_entry(&app, manager, entry).await {
        Err(AppError::Conflict {
            field, existing_id, ..
        }) => {
            assert_eq!(field.as_deref(), Some("phoneNumber"));
            assert_eq!(existing_id, Some(listed.id));
        }
        other => panic!("a number is listed once, got {other:?}"),
    }
    let (phone, blocking) = dnc::check_number(&app, agent, "415-555-0199")
        .await
        .expect("checked");
    assert_eq!(
        (phone.as_str(), blocking.map(|e| e.id)),
        ("+14155550199", Some(listed.id))
    );

    // Whatever status is asked for, and however the lead is made.
    let made = write::create_lead(
        &app,
        agent,
        &Client::default(),
        NewLead {
            status: Some(LeadStatus::Qualified),
            ..lead("+1 415 555 0199")
        },
    )
    .await
    .expect("created");
    assert_eq!(made.status, LeadStatus::Dnc);
    write::delete_lead(&app, agent, &Client::default(), made.id)
        .await
        .expect("deleted");
    let outcomes = bulk::import_leads(
        &app,
        agent,
        &Client::default(),
        vec![lead("4155550199")],
        true,
    )
    .await
    .expect("imported");
    let imported = leads::Entity::find_by_id(created(&outcomes)[0])
        .one(&app.db)
        .await
        .expect("read")
        .expect("the imported lead");
    assert_eq!(imported.status, LeadStatus::Dnc);

    // Once the entry is removed, the number makes an ordinary lead.
    dnc::remove_dnc_entry(&app, manager, listed.id)
        .await
        .expect("removed");
    write::delete_lead(&app, agent, &Client::default(), imported.id)
        .await
        .expect("deleted");
    let ordinary = write::create_lead(&app, agent, &Client::default(), lead("+14155550199"))
        .await
        .expect("created");
    assert_eq!(ordinary.status, LeadStatus::New);
}
