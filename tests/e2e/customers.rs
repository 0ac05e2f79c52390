//! Customers through `/graphql` on both backends: conversion with gap-free
//! reference numbers under concurrency, RFM scores and bands for a
//! hand-built population (ties and a customer who never bought included)
//! recomputed as orders come and go, the timeline merged across kinds and
//! paged, the lifecycle, and another organization's ids refused.

use chrono::{DateTime, Datelike, Duration, SubsecRound, Utc};
use serde_json::{Value, json};
use switchboard_tests::{Backend, Tenant, TestApp, code, ok, on_both_backends, spawn_app};

on_both_backends!(
    conversions_number_customers_without_gaps_even_when_concurrent,
    rfm_scores_and_bands_follow_orders_as_worked_out_by_hand,
    the_timeline_merges_orders_messages_and_deals_newest_first,
    customers_keep_their_lifecycle_and_their_organization,
    orders_reach_customer_subscribers_and_the_periodic_rescore_repairs_scores,
);

const CONVERT: &str = "mutation($lead: ID!) { convertLeadToCustomer(leadId: $lead) { id referenceNumber status leadScore rfmRecency rfmFrequency rfmMonetary band lastScoredAt leadId } }";

async fn lead(app: &TestApp, token: &str, phone: &str, name: &str) -> String {
    let body = app
        .graphql(
            Some(token),
            "mutation($phone: String!, $name: String) { createLead(input: { phoneNumber: $phone, firstName: $name, source: \"meta\" }) { id } }",
            json!({ "phone": phone, "name": name }),
        )
        .await;
    ok(&body)["createLead"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn convert(app: &TestApp, token: &str, lead: &str) -> Value {
    let body = app
        .graphql(Some(token), CONVERT, json!({ "lead": lead }))
        .await;
    ok(&body)["convertLeadToCustomer"].clone()
}

async fn order(
    app: &TestApp,
    token: &str,
    customer: &str,
    cents: i64,
    at: DateTime<Utc>,
) -> String {
    let body = app
        .graphql(
            Some(token),
            "mutation($c: ID!, $cents: Int!, $at: DateTime) { createOrder(customerId: $c, input: { amountCents: $cents, orderedAt: $at }) { id status } }",
            json!({ "c": customer, "cents": cents, "at": at.to_rfc3339() }),
        )
        .await;
    ok(&body)["createOrder"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn conversions_number_customers_without_gaps_even_when_concurrent(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let agent = acme.token(acme.agent);
    let mut leads = Vec::new();
    for n in 0..20 {
        leads.push(lead(&app, &agent, &format!("+1512555{:04}", 100 + n), "Ann").await);
    }
    let converted = futures::future::join_all(leads.iter().map(|l| {
        let (app, agent) = (&app, &agent);
        async move {
            app.graphql(Some(agent), CONVERT, json!({ "lead": l }))
                .await
        }
    }))
    .await;
    let mut numbers: Vec<String> = converted
        .iter()
        .map(|body| {
            ok(body)["convertLeadToCustomer"]["referenceNumber"]
                .as_str()
                .expect("a number")
                .to_owned()
        })
        .collect();
    numbers.sort();
    // The year is the organization's (its time zone's) current one.
    let year: i32 = numbers[0][5..9].parse().expect("a year");
    assert!((year - Utc::now().year()).abs() <= 1, "{year}");
    let expected: Vec<String> = (1..=20).map(|n| format!("CUST-{year}-{n:04}")).collect();
    assert_eq!(numbers, expected, "gap-free and unique");
    let first = ok(&converted[0])["convertLeadToCustomer"].clone();
    assert_eq!(first["status"], "ACTIVE");
    assert_eq!(
        (first["leadScore"].as_i64(), first["band"].as_str()),
        (Some(6), Some("COLD"))
    );
    assert_eq!(first["leadId"], leads[0]);

    // Converting again names the customer.
    let again = app
        .graphql(Some(&agent), CONVERT, json!({ "lead": leads[0] }))
        .await;
    assert_eq!(code(&again), "CONFLICT", "{again}");
    assert_eq!(
        again["errors"][0]["extensions"]["existingId"], first["id"],
        "{again}"
    );
    let recruited = app
        .graphql(
            Some(&agent),
            "query($id: ID!) { lead(id: $id) { status statusHistory { toStatus } customer { referenceNumber } } }",
            json!({ "id": leads[0] }),
        )
        .await;
    let recruited = &ok(&recruited)["lead"];
    assert_eq!(recruited["status"], "RECRUITED");
    assert_eq!(
        recruited["customer"]["referenceNumber"],
        first["referenceNumber"]
    );
    let history = recruited["statusHistory"].as_array().expect("history");
    assert_eq!(history.last().expect("a change")["toStatus"], "RECRUITED");

    // Another organization counts from one too.
    let other = Tenant::create(&app.db.db, "other").await;
    let theirs = lead(&app, &other.token(other.agent), "+15125550100", "Bo").await;
    let customer = convert(&app, &other.token(other.agent), &theirs).await;
    assert_eq!(customer["referenceNumber"], format!("CUST-{year}-0001"));
}

async fn rfm_scores_and_bands_follow_orders_as_worked_out_by_hand(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "rfm").await;
    let agent = acme.token(acme.agent);
    let mut ids = Vec::new();
    for (n, name) in ["A", "B", "C", "D", "E", "F"].iter().enumerate() {
        let l = lead(&app, &agent, &format!("+1512555{:04}", 200 + n), name).await;
        ids.push(
            convert(&app, &agent, &l).await["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    let now = Utc::now().trunc_subsecs(0);
    let ago = |days: i64| now - Duration::days(days);
    // A: five orders, the latest two days ago, 500.00 in all.
    for days in [2, 10, 20, 30, 40] {
        order(&app, &agent, &ids[0], 10_000, ago(days)).await;
    }
    // B: one order at the same instant as A's latest (a tie), 10.00.
    let b_order = order(&app, &agent, &ids[1], 1_000, ago(2)).await;
    // C: three, the latest 30 days ago, 200.00; D: two, the latest 90 days ago, 200.00.
    order(&app, &agent, &ids[2], 10_000, ago(30)).await;
    order(&app, &agent, &ids[2], 5_000, ago(60)).await;
    order(&app, &agent, &ids[2], 5_000, ago(90)).await;
    order(&app, &agent, &ids[3], 10_000, ago(90)).await;
    order(&app, &agent, &ids[3], 10_000, ago(120)).await;
    // E: one long ago, 5.00. F never buys.
    order(&app, &agent, &ids[4], 500, ago(400)).await;

    const SCORES: &str = "{ customers(orderBy: { direction: ASC }, first: 10) { nodes { rfmRecency rfmFrequency rfmMonetary leadScore band } } }";
    let scores = |body: &Value| -> Vec<(i64, i64, i64, i64, String)> {
        ok(body)["customers"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|c| {
                (
                    c["rfmRecency"].as_i64().expect("r"),
                    c["rfmFrequency"].as_i64().expect("f"),
                    c["rfmMonetary"].as_i64().expect("m"),
                    c["leadScore"].as_i64().expect("score"),
                    c["band"].as_str().expect("band").to_owned(),
                )
            })
            .collect()
    };
    let s = |r, f, m, band: &str| (r, f, m, 2 * (r + f + m), band.to_owned());
    let before = app.graphql(Some(&agent), SCORES, json!({})).await;
    assert_eq!(
        scores(&before),
        [
            s(5, 5, 5, "HOT"),
            s(5, 2, 2, "WARM"),
            s(3, 4, 4, "WARM"),
            s(2, 3, 4, "WARM"),
            s(1, 2, 1, "COLD"),
            s(1, 1, 1, "COLD"),
        ]
    );

    // B's only order is cancelled: B scores as one who never bought, and
    // the quintiles of the four left move.
    let cancelled = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
            json!({ "id": b_order }),
        )
        .await;
    assert_eq!(ok(&cancelled)["cancelOrder"]["status"], "CANCELLED");
    let again = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
            json!({ "id": b_order }),
        )
        .await;
    assert_eq!(code(&again), "CONFLICT");
    let after = app.graphql(Some(&agent), SCORES, json!({})).await;
    assert_eq!(
        scores(&after),
        [
            s(5, 5, 5, "HOT"),
            s(1, 1, 1, "COLD"),
            s(4, 4, 4, "HOT"),
            s(3, 3, 4, "WARM"),
            s(2, 2, 2, "COOL"),
            s(1, 1, 1, "COLD"),
        ]
    );
    let hot = app
        .graphql(
            Some(&agent),
            "{ customers(filter: { band: [HOT] }, orderBy: { direction: ASC }) { totalCount nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&hot)["customers"]["totalCount"], 2);
    assert_eq!(
        ok(&hot)["customers"]["nodes"],
        json!([{ "id": ids[0] }, { "id": ids[2] }])
    );
    let stats = app
        .graphql(
            Some(&agent),
            "{ customerStats(groupBy: [BAND]) { band customers averageScore revenueCents } }",
            json!({}),
        )
        .await;
    let mut groups = ok(&stats)["customerStats"]
        .as_array()
        .expect("rows")
        .clone();
    groups.sort_by_key(|g| g["band"].as_str().map(str::to_owned));
    assert_eq!(
        groups,
        [
            json!({ "band": "COLD", "customers": 2, "averageScore": 6.0, "revenueCents": 0 }),
            json!({ "band": "COOL", "customers": 1, "averageScore": 12.0, "revenueCents": 500 }),
            json!({ "band": "HOT", "customers": 2, "averageScore": 27.0, "revenueCents": 70_000 }),
            json!({ "band": "WARM", "customers": 1, "averageScore": 20.0, "revenueCents": 20_000 }),
        ]
    );
    let ranged = app
        .graphql(
            Some(&agent),
            "{ customers(filter: { recencyMin: 3, monetaryMax: 4 }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&ranged)["customers"]["totalCount"], 2, "C and D");
    // Recalculating changes nothing when nothing changed; managers only.
    let manager = acme.token(acme.manager);
    let recalculated = app
        .graphql(
            Some(&manager),
            "mutation { recalculateCustomerScores }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&recalculated)["recalculateCustomerScores"], 6);
    assert_eq!(
        scores(&app.graphql(Some(&agent), SCORES, json!({})).await),
        scores(&after)
    );
    let refused = app
        .graphql(
            Some(&agent),
            "mutation { recalculateCustomerScores }",
            json!({}),
        )
        .await;
    assert_eq!(code(&refused), "FORBIDDEN");
}

async fn the_timeline_merges_orders_messages_and_deals_newest_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "timeline").await;
    let agent = acme.token(acme.agent);
    let l = lead(&app, &agent, "+15125550300", "Tia").await;
    let customer = convert(&app, &agent, &l).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let now = Utc::now().trunc_subsecs(0);
    let oldest = order(&app, &agent, &customer, 2_500, now - Duration::days(5)).await;
    let newer = order(&app, &agent, &customer, 4_000, now - Duration::days(3)).await;
    let message = app
        .graphql(
            Some(&agent),
            "mutation($c: ID!, $at: DateTime) { createMessage(customerId: $c, input: { channel: EMAIL, direction: INBOUND, subject: \"Invoice?\", body: \"Where is my invoice?\", sentAt: $at }) { id status } }",
            json!({ "c": customer, "at": (now - Duration::days(4)).to_rfc3339() }),
        )
        .await;
    assert_eq!(ok(&message)["createMessage"]["status"], "RECEIVED");
    let message = ok(&message)["createMessage"]["id"].clone();
    let deal = app
        .graphql(
            Some(&agent),
            "mutation($c: ID!) { createDeal(customerId: $c, input: { title: \"Renewal\", amountCents: 90000, probability: 60 }) { id stage } }",
            json!({ "c": customer }),
        )
        .await;
    assert_eq!(ok(&deal)["createDeal"]["stage"], "PROSPECTING");
    let deal = ok(&deal)["createDeal"]["id"].clone();

    const PAGE: &str = "query($c: ID!, $after: String, $types: [ActivityType!]) { customer(id: $c) { timeline(first: 2, after: $after, types: $types) { nodes { type id title amountCents } pageInfo { hasNextPage endCursor } } } }";
    let first = app
        .graphql(Some(&agent), PAGE, json!({ "c": customer }))
        .await;
    let page = &ok(&first)["customer"]["timeline"];
    assert_eq!(
        page["nodes"],
        json!([
            { "type": "DEAL", "id": deal, "title": "Renewal", "amountCents": 90000 },
            { "type": "ORDER", "id": newer, "title": page["nodes"][1]["title"], "amountCents": 4000 },
        ])
    );
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let next = app
        .graphql(
            Some(&agent),
            PAGE,
            json!({ "c": customer, "after": page["pageInfo"]["endCursor"] }),
        )
        .await;
    let page = &ok(&next)["customer"]["timeline"];
    let kinds: Vec<(&str, &Value)> = page["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| (n["type"].as_str().expect("type"), &n["id"]))
        .collect();
    assert_eq!(kinds, [("MESSAGE", &message), ("ORDER", &json!(oldest))]);
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
    let only = app
        .graphql(
            Some(&agent),
            PAGE,
            json!({ "c": customer, "types": ["MESSAGE"] }),
        )
        .await;
    assert_eq!(
        ok(&only)["customer"]["timeline"]["nodes"],
        json!([{ "type": "MESSAGE", "id": message, "title": "Invoice?", "amountCents": null }])
    );
    // The deal is won: closedAt is stamped.
    let won = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { updateDeal(id: $id, input: { stage: CLOSED_WON }) { stage closedAt } }",
            json!({ "id": deal }),
        )
        .await;
    assert!(ok(&won)["updateDeal"]["closedAt"].is_string());
}

async fn customers_keep_their_lifecycle_and_their_organization(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "lifecycle").await;
    let agent = acme.token(acme.agent);
    let l = lead(&app, &agent, "+15125550400", "Lou").await;
    let customer = convert(&app, &agent, &l).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let placed = order(&app, &agent, &customer, 1_000, Utc::now()).await;
    let deal = app
        .graphql(
            Some(&agent),
            "mutation($c: ID!) { createDeal(customerId: $c, input: { title: \"Upsell\" }) { id } }",
            json!({ "c": customer }),
        )
        .await;
    let deal = ok(&deal)["createDeal"]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    const STATUS: &str = "mutation($id: ID!, $s: CustomerStatus!) { updateCustomer(id: $id, input: { status: $s }) { status } }";
    for (to, expected) in [
        ("ON_HOLD", None),
        ("CHURNED", None),
        ("INACTIVE", Some("CONFLICT")),
        ("ACTIVE", None),
    ] {
        let body = app
            .graphql(Some(&agent), STATUS, json!({ "id": customer, "s": to }))
            .await;
        match expected {
            None => assert_eq!(ok(&body)["updateCustomer"]["status"], to),
            Some(c) => assert_eq!(code(&body), c, "{to}: {body}"),
        }
    }
    let bad = app
        .graphql(
            Some(&agent),
            "mutation($c: ID!) { createOrder(customerId: $c, input: { amountCents: -1 }) { id } }",
            json!({ "c": customer }),
        )
        .await;
    assert_eq!(code(&bad), "BAD_USER_INPUT");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "amountCents");
    let viewer = app
        .graphql(
            Some(&acme.token(acme.viewer)),
            "mutation($c: ID!) { createOrder(customerId: $c, input: { amountCents: 5 }) { id } }",
            json!({ "c": customer }),
        )
        .await;
    assert_eq!(code(&viewer), "FORBIDDEN");

    // Another organization's member finds none of it.
    let other = Tenant::create(&app.db.db, "stranger").await;
    let stranger = other.token(other.admin);
    for (query, vars) in [
        (
            "query($id: ID!) { customer(id: $id) { id } }",
            json!({ "id": customer }),
        ),
        (
            "mutation($id: ID!) { updateCustomer(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": customer }),
        ),
        (
            "mutation($id: ID!) { createOrder(customerId: $id, input: { amountCents: 5 }) { id } }",
            json!({ "id": customer }),
        ),
        (
            "mutation($id: ID!) { updateOrder(id: $id, input: { amountCents: 5 }) { id } }",
            json!({ "id": placed }),
        ),
        (
            "mutation($id: ID!) { cancelOrder(id: $id) { id } }",
            json!({ "id": placed }),
        ),
        (
            "mutation($id: ID!) { createMessage(customerId: $id, input: { channel: SMS, direction: OUTBOUND, body: \"hi\" }) { id } }",
            json!({ "id": customer }),
        ),
        (
            "mutation($id: ID!) { createDeal(customerId: $id, input: { title: \"X\" }) { id } }",
            json!({ "id": customer }),
        ),
        (
            "mutation($id: ID!) { updateDeal(id: $id, input: { title: \"X\" }) { id } }",
            json!({ "id": deal }),
        ),
        (
            "mutation($id: ID!) { convertLeadToCustomer(leadId: $id) { id } }",
            json!({ "id": l }),
        ),
    ] {
        let body = app.graphql(Some(&stranger), query, vars).await;
        assert_eq!(code(&body), "NOT_FOUND", "{query}: {body}");
    }
    let theirs = app
        .graphql(Some(&stranger), "{ customers { totalCount } }", json!({}))
        .await;
    assert_eq!(ok(&theirs)["customers"]["totalCount"], 0);
}

async fn orders_reach_customer_subscribers_and_the_periodic_rescore_repairs_scores(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "live-customers").await;
    let agent = acme.token(acme.agent);
    let first = lead(&app, &agent, "+15125550500", "Una").await;
    let una = convert(&app, &agent, &first).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let second = lead(&app, &agent, "+15125550501", "Vic").await;
    let vic = convert(&app, &agent, &second).await["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let mut socket =
        crate::subscriptions::connect(&app.base_url, "graphql-transport-ws", &agent).await;
    crate::subscriptions::send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($c: ID) { customerUpdated(customerId: $c) { customerId created customer { leadScore band } } }",
        "variables": { "c": una },
    } }))
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // Vic's order changes Vic, not Una: Una's subscriber hears nothing of it.
    order(&app, &agent, &vic, 1_000, Utc::now()).await;
    order(&app, &agent, &una, 9_000, Utc::now()).await;
    let event = crate::subscriptions::next_json(&mut socket)
        .await
        .expect("an event");
    assert_eq!(
        event["payload"]["data"]["customerUpdated"],
        json!({ "customerId": una, "created": false, "customer": { "leadScore": 30, "band": "HOT" } }),
        "{event}"
    );

    // Scores tampered with are put right by the periodic rescore.
    app.db
        .rows(
            "UPDATE customers SET rfm_recency = 1, rfm_frequency = 1, rfm_monetary = 1, lead_score = 6 WHERE lead_score = 30 RETURNING id",
        )
        .await;
    let kind = match backend {
        Backend::Sqlite => sea_orm::DbBackend::Sqlite,
        Backend::Postgres => sea_orm::DbBackend::Postgres,
    };
    let runner = switchboard_app::App::new(
        app.db.runtime_pool().await,
        switchboard_app::events::EventBus::new(kind),
        std::sync::Arc::new(switchboard_domain::secrets::SecretKey::derive(b"rfm-tests")),
    )
    .with_privileged(app.db.db.clone());
    let rescored = switchboard_app::customers::rfm::rescore_all(&runner, Utc::now())
        .await
        .expect("a round");
    assert!(rescored >= 1);
    let back = app
        .graphql(
            Some(&agent),
            "query($id: ID!) { customer(id: $id) { leadScore lastScoredAt } }",
            json!({ "id": una }),
        )
        .await;
    assert_eq!(ok(&back)["customer"]["leadScore"], 30);
}
