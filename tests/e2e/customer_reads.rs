//! Reading customers through `/graphql` on both backends: the list sorted
//! by score and by last interaction (customers never scored or reached
//! last, paged either way without losing or repeating one), and seed 002's
//! analytics — the conversion funnel by lead score and deal close rates by
//! activity — worked out by hand.

use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use switchboard_entity::customers;
use switchboard_tests::{Backend, Tenant, TestApp, ok, on_both_backends, spawn_app};
use uuid::Uuid;

on_both_backends!(
    customers_sort_by_score_and_last_interaction_with_the_unknown_last,
    the_conversion_funnel_counts_leads_by_score_as_worked_out_by_hand,
    close_rates_follow_the_activity_while_each_deal_was_open,
);

async fn lead(app: &TestApp, token: &str, phone: &str, score: i32, status: &str) -> String {
    let body = app
        .graphql(
            Some(token),
            &format!(
                "mutation($phone: String!, $score: Int) {{ createLead(input: {{ phoneNumber: $phone, firstName: \"Ann\", leadScore: $score, status: {status} }}) {{ id }} }}"
            ),
            json!({ "phone": phone, "score": score }),
        )
        .await;
    ok(&body)["createLead"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn convert(app: &TestApp, token: &str, lead: &str) -> String {
    let body = app
        .graphql(
            Some(token),
            "mutation($lead: ID!) { convertLeadToCustomer(leadId: $lead) { id } }",
            json!({ "lead": lead }),
        )
        .await;
    ok(&body)["convertLeadToCustomer"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn mutate(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let body = app.graphql(Some(token), query, variables).await;
    ok(&body).clone()
}

/// Every id of `customers(orderBy:)`, read two at a time forward, and the
/// same list read two at a time backward from the end.
async fn both_ways(
    app: &TestApp,
    token: &str,
    field: &str,
    direction: &str,
) -> (Vec<String>, Vec<String>) {
    let ids = |page: &Value| -> Vec<String> {
        page["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["id"].as_str().expect("id").to_owned())
            .collect()
    };
    let mut forward = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let body = app
            .graphql(
                Some(token),
                "query($order: CustomerOrder, $after: String) { customers(orderBy: $order, first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }",
                json!({ "order": { "field": field, "direction": direction }, "after": after }),
            )
            .await;
        let page = &ok(&body)["customers"];
        forward.extend(ids(page));
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        assert!(forward.len() < 20, "paging never ends: {forward:?}");
    }
    let mut backward = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let body = app
            .graphql(
                Some(token),
                "query($order: CustomerOrder, $before: String) { customers(orderBy: $order, last: 2, before: $before) { edges { node { id } } pageInfo { hasPreviousPage startCursor } } }",
                json!({ "order": { "field": field, "direction": direction }, "before": before }),
            )
            .await;
        let page = &ok(&body)["customers"];
        let mut rows = ids(page);
        rows.extend(backward);
        backward = rows;
        if page["pageInfo"]["hasPreviousPage"] != true {
            break;
        }
        before = page["pageInfo"]["startCursor"].as_str().map(str::to_owned);
        assert!(backward.len() < 20, "paging never ends: {backward:?}");
    }
    (forward, backward)
}

async fn customers_sort_by_score_and_last_interaction_with_the_unknown_last(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "sorting").await;
    let agent = acme.token(acme.agent);
    let mut ids = Vec::new();
    for n in 0..5 {
        let lead = lead(&app, &agent, &format!("+1512555{:04}", 300 + n), 0, "NEW").await;
        ids.push(convert(&app, &agent, &lead).await);
    }
    // Scores and last interactions set by hand: two ties and two unknowns.
    let now = Utc::now();
    let set = [
        (Some((5, 5, 5)), Some(now - Duration::days(1))),
        (Some((3, 3, 3)), Some(now - Duration::days(3))),
        (None, None),
        (Some((3, 3, 3)), Some(now - Duration::days(2))),
        (None, None),
    ];
    for (id, (rfm, last)) in ids.iter().zip(set) {
        let id: Uuid = id.parse().expect("uuid");
        let row = customers::Entity::find_by_id(id)
            .one(&app.db.db)
            .await
            .expect("read")
            .expect("customer");
        let mut row: customers::ActiveModel = row.into();
        row.rfm_recency = Set(rfm.map(|r| r.0));
        row.rfm_frequency = Set(rfm.map(|r| r.1));
        row.rfm_monetary = Set(rfm.map(|r| r.2));
        row.lead_score = Set(rfm.map(|(r, f, m)| 2 * (r + f + m)));
        row.last_interaction_date = Set(last);
        row.update(&app.db.db).await.expect("set by hand");
    }
    let (a, b, c, d, e) = (&ids[0], &ids[1], &ids[2], &ids[3], &ids[4]);
    let ordered = |x: &String, y: &String, desc: bool| {
        let (low, high) = if x < y { (x, y) } else { (y, x) };
        if desc {
            vec![high.clone(), low.clone()]
        } else {
            vec![low.clone(), high.clone()]
        }
    };
    // Highest first: 30, the two 18s by id, then the unscored by id.
    let mut expected = vec![a.clone()];
    expected.extend(ordered(b, d, true));
    expected.extend(ordered(c, e, true));
    let (forward, backward) = both_ways(&app, &agent, "LEAD_SCORE", "DESC").await;
    assert_eq!(forward, expected, "by score, highest first");
    assert_eq!(backward, expected, "by score, read from the end");
    expected.reverse();
    let (forward, backward) = both_ways(&app, &agent, "LEAD_SCORE", "ASC").await;
    assert_eq!(forward, expected, "by score, lowest (unscored) first");
    assert_eq!(backward, expected);

    // Most recent first: a (a day ago), d (two), b (three), then never.
    let mut expected = vec![a.clone(), d.clone(), b.clone()];
    expected.extend(ordered(c, e, true));
    let (forward, backward) = both_ways(&app, &agent, "LAST_INTERACTION", "DESC").await;
    assert_eq!(forward, expected, "by last interaction");
    assert_eq!(backward, expected);
    expected.reverse();
    let (forward, _) = both_ways(&app, &agent, "LAST_INTERACTION", "ASC").await;
    assert_eq!(forward, expected);

    // A filter still applies under another order.
    let body = app
        .graphql(
            Some(&agent),
            "{ customers(filter: { band: [HOT] }, orderBy: { field: LEAD_SCORE }) { totalCount edges { node { id band } } } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&body)["customers"]["edges"][0]["node"]["id"], *a);
    assert_eq!(ok(&body)["customers"]["totalCount"], 1);
}

async fn the_conversion_funnel_counts_leads_by_score_as_worked_out_by_hand(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "funnel").await;
    let agent = acme.token(acme.agent);
    lead(&app, &agent, "+15125550401", 10, "NEW").await;
    let qualified = lead(&app, &agent, "+15125550402", 15, "QUALIFIED").await;
    let middling = lead(&app, &agent, "+15125550403", 50, "NEW").await;
    let paying = lead(&app, &agent, "+15125550404", 85, "NEW").await;
    let converted = lead(&app, &agent, "+15125550405", 100, "NEW").await;
    for called in [&qualified, &middling] {
        mutate(
            &app,
            &agent,
            "mutation($lead: ID!) { createCall(input: { leadId: $lead }) { id } }",
            json!({ "lead": called }),
        )
        .await;
    }
    let customer = convert(&app, &agent, &paying).await;
    mutate(
        &app,
        &agent,
        "mutation($c: ID!) { createOrder(customerId: $c, input: { amountCents: 5000 }) { id } }",
        json!({ "c": customer }),
    )
    .await;
    let customer = convert(&app, &agent, &converted).await;
    mutate(
        &app,
        &agent,
        "mutation($c: ID!) { createOrder(customerId: $c, input: { amountCents: 5000, status: PENDING }) { id } }",
        json!({ "c": customer }),
    )
    .await;
    // Conversion moves a lead's score with its status; the rows follow the
    // score the lead has now, here set by hand again.
    for (id, score) in [(&paying, 85), (&converted, 100)] {
        mutate(
            &app,
            &agent,
            "mutation($id: ID!, $score: Int) { updateLead(id: $id, input: { leadScore: $score }) { leadScore } }",
            json!({ "id": id, "score": score }),
        )
        .await;
    }
    // Another organization's converted lead counts only there.
    let other = Tenant::create(&app.db.db, "elsewhere").await;
    let theirs = lead(&app, &other.token(other.agent), "+15125550406", 90, "NEW").await;
    convert(&app, &other.token(other.agent), &theirs).await;

    let now = Utc::now();
    let query = "query($from: DateTime!, $to: DateTime!) { leadConversionByScore(from: $from, to: $to) { minScore maxScore leads called qualified converted paying conversionRate qualificationRate } }";
    let window = json!({ "from": (now - Duration::hours(1)).to_rfc3339(), "to": (now + Duration::hours(1)).to_rfc3339() });
    let body = app.graphql(Some(&agent), query, window).await;
    assert_eq!(
        ok(&body)["leadConversionByScore"],
        json!([
            { "minScore": 0, "maxScore": 19, "leads": 2, "called": 1, "qualified": 1, "converted": 0, "paying": 0, "conversionRate": 0.0, "qualificationRate": 50.0 },
            { "minScore": 20, "maxScore": 39, "leads": 0, "called": 0, "qualified": 0, "converted": 0, "paying": 0, "conversionRate": null, "qualificationRate": null },
            { "minScore": 40, "maxScore": 59, "leads": 1, "called": 1, "qualified": 0, "converted": 0, "paying": 0, "conversionRate": 0.0, "qualificationRate": 0.0 },
            { "minScore": 60, "maxScore": 79, "leads": 0, "called": 0, "qualified": 0, "converted": 0, "paying": 0, "conversionRate": null, "qualificationRate": null },
            { "minScore": 80, "maxScore": 100, "leads": 2, "called": 0, "qualified": 2, "converted": 2, "paying": 1, "conversionRate": 100.0, "qualificationRate": 100.0 },
        ]),
        "{body}"
    );
    // Leads created outside the range do not count; a backward range is refused.
    let later = json!({ "from": (now + Duration::hours(1)).to_rfc3339(), "to": (now + Duration::hours(2)).to_rfc3339() });
    let body = app.graphql(Some(&agent), query, later).await;
    let leads: Vec<i64> = ok(&body)["leadConversionByScore"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["leads"].as_i64().expect("a count"))
        .collect();
    assert_eq!(leads, vec![0; 5]);
    let backward =
        json!({ "from": now.to_rfc3339(), "to": (now - Duration::hours(1)).to_rfc3339() });
    let body = app.graphql(Some(&agent), query, backward).await;
    assert_eq!(switchboard_tests::code(&body), "BAD_USER_INPUT", "{body}");
}

async fn close_rates_follow_the_activity_while_each_deal_was_open(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "deals").await;
    let agent = acme.token(acme.agent);
    let first = lead(&app, &agent, "+15125550501", 40, "NEW").await;
    let second = lead(&app, &agent, "+15125550502", 40, "NEW").await;
    let (first, second) = (
        convert(&app, &agent, &first).await,
        convert(&app, &agent, &second).await,
    );
    let deal = |customer: &str| {
        let (app, agent, customer) = (&app, &agent, customer.to_owned());
        async move {
            mutate(
                app,
                agent,
                "mutation($c: ID!) { createDeal(customerId: $c, input: { title: \"Plan\" }) { id } }",
                json!({ "c": customer }),
            )
            .await["createDeal"]["id"]
                .as_str()
                .expect("id")
                .to_owned()
        }
    };
    let message = |customer: &str| {
        let (app, agent, customer) = (&app, &agent, customer.to_owned());
        async move {
            mutate(
                app,
                agent,
                "mutation($c: ID!) { createMessage(customerId: $c, input: { channel: SMS, direction: OUTBOUND, body: \"Hi\" }) { id } }",
                json!({ "c": customer }),
            )
            .await;
        }
    };
    let close = |id: String, stage: &'static str| {
        let (app, agent) = (&app, &agent);
        async move {
            mutate(
                app,
                agent,
                &format!("mutation($id: ID!) {{ updateDeal(id: $id, input: {{ stage: {stage} }}) {{ closedAt }} }}"),
                json!({ "id": id }),
            )
            .await;
        }
    };
    // Won after three messages and an order; lost with nothing in between;
    // then won after one message; and one still open.
    let won = deal(&first).await;
    for _ in 0..3 {
        message(&first).await;
    }
    mutate(
        &app,
        &agent,
        "mutation($c: ID!) { createOrder(customerId: $c, input: { amountCents: 900 }) { id } }",
        json!({ "c": first }),
    )
    .await;
    close(won, "CLOSED_WON").await;
    let lost = deal(&second).await;
    close(lost, "CLOSED_LOST").await;
    let again = deal(&second).await;
    message(&second).await;
    close(again, "CLOSED_WON").await;
    let _open = deal(&second).await;
    message(&second).await;

    let now = Utc::now();
    let body = app
        .graphql(
            Some(&agent),
            "query($from: DateTime!, $to: DateTime!) { dealCloseRateByActivity(from: $from, to: $to) { minActivities maxActivities deals won closeRate } }",
            json!({ "from": (now - Duration::hours(1)).to_rfc3339(), "to": (now + Duration::hours(1)).to_rfc3339() }),
        )
        .await;
    assert_eq!(
        ok(&body)["dealCloseRateByActivity"],
        json!([
            { "minActivities": 0, "maxActivities": 0, "deals": 1, "won": 0, "closeRate": 0.0 },
            { "minActivities": 1, "maxActivities": 2, "deals": 1, "won": 1, "closeRate": 100.0 },
            { "minActivities": 3, "maxActivities": 5, "deals": 1, "won": 1, "closeRate": 100.0 },
            { "minActivities": 6, "maxActivities": 10, "deals": 0, "won": 0, "closeRate": null },
            { "minActivities": 11, "maxActivities": null, "deals": 0, "won": 0, "closeRate": null },
        ]),
        "{body}"
    );
    // Another organization sees none of these deals.
    let other = Tenant::create(&app.db.db, "deals-elsewhere").await;
    let body = app
        .graphql(
            Some(&other.token(other.agent)),
            "query($from: DateTime!, $to: DateTime!) { dealCloseRateByActivity(from: $from, to: $to) { deals } }",
            json!({ "from": (now - Duration::hours(1)).to_rfc3339(), "to": (now + Duration::hours(1)).to_rfc3339() }),
        )
        .await;
    let deals: Vec<i64> = ok(&body)["dealCloseRateByActivity"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["deals"].as_i64().expect("a count"))
        .collect();
    assert_eq!(deals, vec![0; 5]);
}
