//! The credit ledger: calls debit once, admins add credits, refunds are new
//! entries, and the chain holds under 200 calls ending at once.

use chrono::{Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use switchboard_entity::enums::{CallStatus, CreditKind};
use switchboard_entity::{calls, credit_transactions, organizations};
use switchboard_tests::{Backend, Tenant, TestApp, code, ok, on_both_backends, spawn_app};
use uuid::Uuid;

on_both_backends!(
    a_call_that_ends_connected_is_debited_exactly_once,
    admins_add_credits_and_refund_charges_with_new_entries,
    two_hundred_calls_ending_at_once_leave_an_unbroken_chain,
);

/// A call in progress for `seconds`, ready to be completed.
async fn live_call(app: &TestApp, org: Uuid, seconds: i64) -> Uuid {
    let id = Uuid::now_v7();
    let started = Utc::now() - Duration::seconds(seconds);
    calls::ActiveModel {
        id: Set(id),
        organization_id: Set(org),
        status: Set(CallStatus::InProgress),
        started_at: Set(Some(started)),
        created_at: Set(started),
        updated_at: Set(started),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .expect("call");
    id
}

const COMPLETE: &str = "mutation($id: ID!, $at: DateTime) { updateCallStatus(id: $id, status: COMPLETED, at: $at) { creditsUsed } }";

async fn ledger(app: &TestApp, org: Uuid) -> Vec<credit_transactions::Model> {
    credit_transactions::Entity::find()
        .filter(credit_transactions::Column::OrganizationId.eq(org))
        .order_by_asc(credit_transactions::Column::Sequence)
        .all(&app.db.db)
        .await
        .expect("ledger")
}

async fn balance(app: &TestApp, org: Uuid) -> i64 {
    organizations::Entity::find_by_id(org)
        .one(&app.db.db)
        .await
        .expect("read")
        .expect("organization")
        .credit_balance
}

fn assert_chained(entries: &[credit_transactions::Model], final_balance: i64) {
    for (n, entry) in entries.iter().enumerate() {
        assert_eq!(entry.sequence, n as i64 + 1, "no gap in the chain");
        assert_eq!(entry.balance_after, entry.balance_before + entry.amount);
        if n > 0 {
            assert_eq!(
                entry.balance_before,
                entries[n - 1].balance_after,
                "entry {} chains",
                entry.sequence
            );
        }
    }
    assert_eq!(entries.last().map(|e| e.balance_after), Some(final_balance));
}

async fn a_call_that_ends_connected_is_debited_exactly_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let agent = acme.token(acme.agent);
    let call = live_call(&app, acme.organization_id, 0).await;
    let at = Utc::now() + Duration::seconds(125); // 3 billed minutes

    for _ in 0..3 {
        let body = app
            .graphql(
                Some(&agent),
                COMPLETE,
                json!({ "id": call.to_string(), "at": at }),
            )
            .await;
        assert_eq!(ok(&body)["updateCallStatus"]["creditsUsed"], 3);
    }

    let entries = ledger(&app, acme.organization_id).await;
    assert_eq!(
        entries.len(),
        1,
        "one debit however often the status is written"
    );
    assert_eq!(
        (entries[0].kind, entries[0].amount, entries[0].call_id),
        (CreditKind::Usage, -3, Some(call))
    );
    assert_eq!(balance(&app, acme.organization_id).await, 997);
    let missed = live_call(&app, acme.organization_id, 30).await;
    ok(&app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { updateCallStatus(id: $id, status: FAILED) { id } }",
            json!({ "id": missed.to_string() }),
        )
        .await);
    assert_eq!(
        ledger(&app, acme.organization_id).await.len(),
        1,
        "a call that did not connect costs nothing"
    );
}

async fn admins_add_credits_and_refund_charges_with_new_entries(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let admin = acme.token(acme.admin);
    let purchase = "mutation($n: Int!, $p: String!) { purchaseCredits(amount: $n, externalPaymentId: $p) { sequence kind amount balanceBefore balanceAfter } }";

    let bought = app
        .graphql(Some(&admin), purchase, json!({ "n": 500, "p": "pi_1" }))
        .await;
    assert_eq!(
        ok(&bought)["purchaseCredits"],
        json!({ "sequence": 1, "kind": "PURCHASE", "amount": 500, "balanceBefore": 1000, "balanceAfter": 1500 })
    );
    assert_eq!(
        code(
            &app.graphql(Some(&admin), purchase, json!({ "n": 500, "p": "pi_1" }))
                .await
        ),
        "CONFLICT",
        "a payment is credited once"
    );
    assert_eq!(
        code(
            &app.graphql(Some(&admin), purchase, json!({ "n": -5, "p": "pi_2" }))
                .await
        ),
        "BAD_USER_INPUT"
    );
    assert_eq!(
        code(
            &app.graphql(
                Some(&acme.token(acme.manager)),
                purchase,
                json!({ "n": 5, "p": "pi_3" })
            )
            .await
        ),
        "FORBIDDEN"
    );
    let adjusted = app.graphql(Some(&admin), "mutation { adjustCredits(amount: -200, reason: \"goodwill reversal\") { balanceAfter } }", json!({})).await;
    assert_eq!(ok(&adjusted)["adjustCredits"]["balanceAfter"], 1300);

    let call = live_call(&app, acme.organization_id, 0).await;
    ok(&app
        .graphql(
            Some(&acme.token(acme.agent)),
            COMPLETE,
            json!({ "id": call.to_string(), "at": Utc::now() + Duration::seconds(60) }),
        )
        .await);
    let charge = ledger(&app, acme.organization_id)
        .await
        .into_iter()
        .find(|e| e.kind == CreditKind::Usage)
        .expect("the call's charge");
    let refund = "mutation($id: ID!) { refundCredits(transactionId: $id, reason: \"dropped call\") { kind amount balanceAfter refundOfId call { id } } }";
    let refunded = app
        .graphql(Some(&admin), refund, json!({ "id": charge.id.to_string() }))
        .await;
    let refunded = &ok(&refunded)["refundCredits"];
    assert_eq!(
        (
            refunded["kind"].as_str(),
            refunded["amount"].as_i64(),
            refunded["balanceAfter"].as_i64()
        ),
        (Some("REFUND"), Some(1), Some(1300))
    );
    assert_eq!(refunded["call"]["id"], call.to_string());
    assert_eq!(
        code(
            &app.graphql(Some(&admin), refund, json!({ "id": charge.id.to_string() }))
                .await
        ),
        "CONFLICT",
        "refunded once"
    );

    let page = app.graphql(Some(&acme.token(acme.viewer)), "{ organization { creditBalance } creditTransactions(first: 2) { totalCount pageInfo { hasNextPage } nodes { sequence kind } } }", json!({})).await;
    let page = ok(&page);
    assert_eq!(page["organization"]["creditBalance"], 1300);
    assert_eq!(page["creditTransactions"]["totalCount"], 4);
    assert_eq!(
        page["creditTransactions"]["nodes"],
        json!([{ "sequence": 4, "kind": "REFUND" }, { "sequence": 3, "kind": "USAGE" }])
    );
    assert_chained(&ledger(&app, acme.organization_id).await, 1300);
    let charged = credit_transactions::Entity::find_by_id(charge.id)
        .one(&app.db.db)
        .await
        .expect("read")
        .expect("still there");
    assert_eq!(charged, charge, "a charge is never edited");

    // Each admin entry is audited, with the request's address and client.
    let log = app
        .graphql(
            Some(&admin),
            "{ adminAuditLog(first: 10) { nodes { action ipAddress details } } }",
            json!({}),
        )
        .await;
    let actions: Vec<&str> = ok(&log)["adminAuditLog"]["nodes"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            assert_eq!(e["ipAddress"], "127.0.0.1");
            e["action"].as_str().expect("an action")
        })
        .collect();
    assert_eq!(
        actions.first(),
        Some(&"credits.refund"),
        "newest first: {actions:?}"
    );
    assert!(actions.contains(&"credits.purchase"), "{actions:?}");
}

async fn two_hundred_calls_ending_at_once_leave_an_unbroken_chain(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let mut calls = Vec::new();
    for i in 0..200 {
        calls.push(live_call(&app, acme.organization_id, 30 + i).await);
    }
    let token = acme.token(acme.agent);
    let at = Utc::now();

    let requests = calls.iter().map(|call| {
        let body = json!({ "query": COMPLETE, "variables": { "id": call.to_string(), "at": at } });
        let request = app
            .client
            .post(format!("{}/graphql", app.base_url))
            .bearer_auth(&token)
            .json(&body);
        async move {
            request
                .send()
                .await
                .expect("sent")
                .json::<Value>()
                .await
                .expect("json")
        }
    });
    let responses = futures::future::join_all(requests).await;

    let mut spent = 0;
    for body in &responses {
        spent += ok(body)["updateCallStatus"]["creditsUsed"]
            .as_i64()
            .expect("credits");
    }
    let entries = ledger(&app, acme.organization_id).await;
    assert_eq!(entries.len(), 200, "one usage entry per call");
    assert_chained(&entries, 1_000 - spent);
    assert_eq!(balance(&app, acme.organization_id).await, 1_000 - spent);
    assert_eq!(entries.iter().map(|e| e.amount).sum::<i64>(), -spent);
}
