//! `analytics { callMetrics leadFunnel leadSourceRoi }` and the lead source
//! cost mutations, against small hand-built datasets whose every expected
//! figure is worked out by hand below, on both backends.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, EntityTrait};
use serde_json::{Value, json};
use switchboard_entity::enums::{
    AgentProvider, CallOutcome, CallType, LeadStatus, OrderStatus, TriggerType,
};
use switchboard_entity::{
    agents, calls, campaigns, customers, lead_source_costs, lead_status_history, leads, orders,
};
use switchboard_tests::{Backend, Tenant, TestApp, code, ok, on_both_backends, spawn_app};
use uuid::Uuid;

on_both_backends!(
    the_call_dashboard_matches_seed_003_by_hand_for_every_filter,
    the_lead_funnel_counts_entries_stays_and_drop_offs_by_hand,
    lead_source_roi_adds_up_costs_leads_and_revenue_per_source_by_hand,
    an_empty_range_has_zero_counts_and_null_rates,
    recording_a_cost_again_for_the_same_month_replaces_it,
    cost_inputs_are_validated_and_only_managers_may_record_them,
    another_organizations_cost_can_be_neither_seen_nor_deleted,
);

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("a timestamp")
}

fn day(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

async fn query(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let body = app.graphql(Some(token), query, variables).await;
    ok(&body).clone()
}

// ---------------------------------------------------------------- callMetrics

const CALL_METRICS: &str = "query($from: DateTime!, $to: DateTime!, $agent: ID, $campaign: ID, $type: CallType) { analytics { callMetrics(from: $from, to: $to, agentId: $agent, campaignId: $campaign, callType: $type) { totalCalls bookedCalls bookingRate callsWithDuration totalDurationSeconds averageCallTimeSeconds insuranceVerified paymentPlans { count totalAmountCents } collections { attempts successes totalCollectedCents collectionRate } transfers outcomes { outcome count percentage } } } }";

/// A call and the seed 003 fields a test sets.
#[derive(Default, Clone)]
struct Call {
    created: &'static str,
    agent: Option<Uuid>,
    campaign: Option<Uuid>,
    kind: Option<CallType>,
    outcome: Option<CallOutcome>,
    duration: Option<i32>,
    insurance: bool,
    plan: bool,
    plan_cents: Option<i64>,
    attempt: bool,
    success: bool,
    collected_cents: Option<i64>,
    transferred: bool,
}

async fn insert_call(app: &TestApp, org: Uuid, call: Call) {
    let created = at(call.created);
    calls::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        agent_id: Set(call.agent),
        campaign_id: Set(call.campaign),
        call_type: Set(call.kind.unwrap_or(CallType::OutboundLead)),
        outcome: Set(call.outcome),
        duration_seconds: Set(call.duration),
        insurance_verified: Set(call.insurance),
        payment_plan_discussed: Set(call.plan),
        payment_plan_amount_cents: Set(call.plan_cents),
        collection_attempt: Set(call.attempt),
        collection_success: Set(call.success),
        collection_amount_cents: Set(call.collected_cents),
        transferred_to_staff: Set(call.transferred),
        created_at: Set(created),
        updated_at: Set(created),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .expect("call");
}

async fn insert_agent(app: &TestApp, org: Uuid, name: &str) -> Uuid {
    let id = Uuid::now_v7();
    agents::ActiveModel {
        id: Set(id),
        organization_id: Set(org),
        provider: Set(AgentProvider::Vapi),
        external_agent_id: Set(name.to_owned()),
        name: Set(name.to_owned()),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .expect("agent");
    id
}

async fn metrics(app: &TestApp, token: &str, filters: Value) -> Value {
    let mut variables = json!({ "from": "2026-04-01T00:00:00Z", "to": "2026-04-08T00:00:00Z" });
    for (key, value) in filters.as_object().expect("filters") {
        variables[key] = value.clone();
    }
    query(app, token, CALL_METRICS, variables).await["analytics"]["callMetrics"].clone()
}

async fn the_call_dashboard_matches_seed_003_by_hand_for_every_filter(backend: Backend) {
    use CallOutcome::*;
    use CallType::*;
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let org = acme.organization_id;
    let (ann, bob) = (
        insert_agent(&app, org, "ann").await,
        insert_agent(&app, org, "bob").await,
    );
    let spring = Uuid::now_v7();
    campaigns::ActiveModel {
        id: Set(spring),
        organization_id: Set(org),
        name: Set("Spring".into()),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .expect("campaign");
    let calls = [
        // 1: booked, ann, spring, inbound, 120 s, insurance verified.
        Call {
            created: "2026-04-01T00:00:00Z",
            agent: Some(ann),
            campaign: Some(spring),
            kind: Some(Inbound),
            outcome: Some(Booked),
            duration: Some(120),
            insurance: true,
            ..Call::default()
        },
        // 2: booked, ann, 200 s.
        Call {
            created: "2026-04-02T10:00:00Z",
            agent: Some(ann),
            kind: Some(OutboundLead),
            outcome: Some(Booked),
            duration: Some(200),
            ..Call::default()
        },
        // 3: payment plan of $500 and $250 collected, bob, spring, debt, 301 s.
        Call {
            created: "2026-04-03T10:00:00Z",
            agent: Some(bob),
            campaign: Some(spring),
            kind: Some(OutboundDebt),
            outcome: Some(PaymentPlan),
            duration: Some(301),
            plan: true,
            plan_cents: Some(50_000),
            attempt: true,
            success: true,
            collected_cents: Some(25_000),
            ..Call::default()
        },
        // 4: a plan without an amount, a failed collection (its amount is
        // not collected), bob, debt, 0 s.
        Call {
            created: "2026-04-04T10:00:00Z",
            agent: Some(bob),
            kind: Some(OutboundDebt),
            outcome: Some(PaymentPlan),
            duration: Some(0),
            plan: true,
            attempt: true,
            collected_cents: Some(9_999),
            ..Call::default()
        },
        // 5: transferred to staff, insurance verified, ann, inbound, 45 s.
        Call {
            created: "2026-04-05T10:00:00Z",
            agent: Some(ann),
            kind: Some(Inbound),
            outcome: Some(Transferred),
            duration: Some(45),
            insurance: true,
            transferred: true,
            ..Call::default()
        },
        // 6: voicemail on a collection attempt, bob, debt, 31 s.
        Call {
            created: "2026-04-06T10:00:00Z",
            agent: Some(bob),
            kind: Some(OutboundDebt),
            outcome: Some(Voicemail),
            duration: Some(31),
            attempt: true,
            ..Call::default()
        },
        // 7: no outcome, no duration, ann.
        Call {
            created: "2026-04-07T10:00:00Z",
            agent: Some(ann),
            ..Call::default()
        },
        // 8: no outcome; a success flag without an attempt is not counted.
        Call {
            created: "2026-04-07T23:59:59Z",
            agent: Some(bob),
            success: true,
            collected_cents: Some(7_000),
            ..Call::default()
        },
        // Out: `to` is exclusive, and before `from`.
        Call {
            created: "2026-04-08T00:00:00Z",
            outcome: Some(Booked),
            duration: Some(1_000),
            ..Call::default()
        },
        Call {
            created: "2026-03-31T23:59:59Z",
            outcome: Some(Booked),
            duration: Some(1_000),
            ..Call::default()
        },
    ];
    for call in calls {
        insert_call(&app, org, call).await;
    }
    // Another organization's call in the range never counts.
    let other = Tenant::create(&app.db.db, "other").await;
    insert_call(
        &app,
        other.organization_id,
        Call {
            created: "2026-04-03T00:00:00Z",
            outcome: Some(Booked),
            duration: Some(60),
            insurance: true,
            ..Call::default()
        },
    )
    .await;
    let token = acme.token(acme.viewer);

    // All eight: booked 2/8; durations (120+200+301+0+45+31)/6 = 697/6 =
    // 116.1666…; collections 1 success of 3 attempts = 33.33 %.
    let before = app.statements();
    let all = metrics(&app, &token, json!({})).await;
    let reads: Vec<String> = app
        .statements_since(before)
        .into_iter()
        .filter(|sql| sql.contains(r#"FROM "calls""#))
        .collect();
    assert_eq!(reads.len(), 1, "one statement reads the calls: {reads:?}");
    assert_eq!(
        all,
        json!({
            "totalCalls": 8,
            "bookedCalls": 2,
            "bookingRate": 25.0,
            "callsWithDuration": 6,
            "totalDurationSeconds": 697,
            "averageCallTimeSeconds": 116.17,
            "insuranceVerified": 2,
            "paymentPlans": { "count": 2, "totalAmountCents": 50_000 },
            "collections": {
                "attempts": 3,
                "successes": 1,
                "totalCollectedCents": 25_000,
                "collectionRate": 33.33
            },
            "transfers": 1,
            // Most frequent first; ties in the schema's order, no outcome last.
            "outcomes": [
                { "outcome": "BOOKED", "count": 2, "percentage": 25.0 },
                { "outcome": "PAYMENT_PLAN", "count": 2, "percentage": 25.0 },
                { "outcome": null, "count": 2, "percentage": 25.0 },
                { "outcome": "TRANSFERRED", "count": 1, "percentage": 12.5 },
                { "outcome": "VOICEMAIL", "count": 1, "percentage": 12.5 }
            ]
        })
    );

    // Ann's calls 1, 2, 5, 7: durations (120+200+45)/3 = 121.666…; no
    // collection attempt, so no collection rate.
    assert_eq!(
        metrics(&app, &token, json!({ "agent": ann.to_string() })).await,
        json!({
            "totalCalls": 4,
            "bookedCalls": 2,
            "bookingRate": 50.0,
            "callsWithDuration": 3,
            "totalDurationSeconds": 365,
            "averageCallTimeSeconds": 121.67,
            "insuranceVerified": 2,
            "paymentPlans": { "count": 0, "totalAmountCents": 0 },
            "collections": {
                "attempts": 0,
                "successes": 0,
                "totalCollectedCents": 0,
                "collectionRate": null
            },
            "transfers": 1,
            "outcomes": [
                { "outcome": "BOOKED", "count": 2, "percentage": 50.0 },
                { "outcome": "TRANSFERRED", "count": 1, "percentage": 25.0 },
                { "outcome": null, "count": 1, "percentage": 25.0 }
            ]
        })
    );

    // The spring campaign's calls 1 and 3: (120+301)/2 = 210.5 s.
    let campaign = metrics(&app, &token, json!({ "campaign": spring.to_string() })).await;
    assert_eq!(
        (
            &campaign["totalCalls"],
            &campaign["bookingRate"],
            &campaign["averageCallTimeSeconds"],
            &campaign["paymentPlans"],
            &campaign["collections"]
        ),
        (
            &json!(2),
            &json!(50.0),
            &json!(210.5),
            &json!({ "count": 1, "totalAmountCents": 50_000 }),
            &json!({ "attempts": 1, "successes": 1, "totalCollectedCents": 25_000, "collectionRate": 100.0 })
        )
    );

    // Debt calls 3, 4, 6: nothing booked (0 %, not null); (301+0+31)/3 =
    // 110.666… s; payment plans 2 of 3 = 66.67 %.
    let debt = metrics(&app, &token, json!({ "type": "OUTBOUND_DEBT" })).await;
    assert_eq!(
        (
            &debt["totalCalls"],
            &debt["bookingRate"],
            &debt["averageCallTimeSeconds"],
            &debt["collections"]["collectionRate"],
            &debt["outcomes"]
        ),
        (
            &json!(3),
            &json!(0.0),
            &json!(110.67),
            &json!(33.33),
            &json!([
                { "outcome": "PAYMENT_PLAN", "count": 2, "percentage": 66.67 },
                { "outcome": "VOICEMAIL", "count": 1, "percentage": 33.33 }
            ])
        )
    );

    // The filters combine: bob's outbound lead calls are call 8 only.
    let combined = metrics(
        &app,
        &token,
        json!({ "agent": bob.to_string(), "type": "OUTBOUND_LEAD" }),
    )
    .await;
    assert_eq!(
        (
            &combined["totalCalls"],
            &combined["averageCallTimeSeconds"],
            &combined["collections"]["successes"]
        ),
        (&json!(1), &Value::Null, &json!(0))
    );

    // The other organization sees its one call only.
    let theirs = metrics(&app, &other.token(other.viewer), json!({})).await;
    assert_eq!(
        (
            &theirs["totalCalls"],
            &theirs["bookingRate"],
            &theirs["insuranceVerified"]
        ),
        (&json!(1), &json!(100.0), &json!(1))
    );

    // A range that ends before it starts, and a malformed id.
    let backwards = app
        .graphql(
            Some(&token),
            CALL_METRICS,
            json!({ "from": "2026-04-08T00:00:00Z", "to": "2026-04-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(code(&backwards), "BAD_USER_INPUT");
    let malformed = app
        .graphql(
            Some(&token),
            CALL_METRICS,
            json!({ "from": "2026-04-01T00:00:00Z", "to": "2026-04-08T00:00:00Z", "agent": "ann" }),
        )
        .await;
    assert_eq!(code(&malformed), "BAD_USER_INPUT");
    assert_eq!(malformed["errors"][0]["extensions"]["field"], "agentId");
}

// ----------------------------------------------------------------- leadFunnel

const FUNNEL: &str = "query($from: DateTime!, $to: DateTime!) { analytics { leadFunnel(from: $from, to: $to) { leads stages { status leadsEntered entries nextStatus conversionToNext completedStays averageTimeInStatusSeconds medianTimeInStatusSeconds dropOff dropOffRate } } } }";

/// A lead with a status, source and creation time.
struct NewLead {
    source: Option<&'static str>,
    sub_source: Option<&'static str>,
    status: LeadStatus,
    created: &'static str,
    deleted: bool,
}

impl NewLead {
    fn at(status: LeadStatus, created: &'static str) -> Self {
        Self {
            source: None,
            sub_source: None,
            status,
            created,
            deleted: false,
        }
    }

    fn from(mut self, source: &'static str, sub_source: Option<&'static str>) -> Self {
        self.source = Some(source);
        self.sub_source = sub_source;
        self
    }

    fn deleted(mut self) -> Self {
        self.deleted = true;
        self
    }
}

async fn insert_lead(app: &TestApp, org: Uuid, number: u32, lead: NewLead) -> Uuid {
    let id = Uuid::now_v7();
    let created = at(lead.created);
    leads::ActiveModel {
        id: Set(id),
        organization_id: Set(org),
        phone_number: Set(format!("+1415555{number:04}")),
        status: Set(lead.status),
        source: Set(lead.source.map(Into::into)),
        sub_source: Set(lead.sub_source.map(Into::into)),
        deleted_at: Set(lead.deleted.then_some(created)),
        created_at: Set(created),
        updated_at: Set(created),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .expect("lead");
    id
}

/// Writes a lead's status changes, each from the one before.
async fn history(app: &TestApp, org: Uuid, lead: Uuid, changes: &[(LeadStatus, &str)]) {
    let mut from = None;
    for (to, when) in changes {
        lead_status_history::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(org),
            lead_id: Set(lead),
            from_status: Set(from),
            to_status: Set(*to),
            trigger_type: Set(TriggerType::Manual),
            call_id: Set(None),
            sequence_id: Set(None),
            changed_by: Set(None),
            reason: Set(None),
            created_at: Set(at(when)),
        }
        .insert(&app.db.db)
        .await
        .expect("status change");
        from = Some(*to);
    }
}

/// A lead with its status history.
async fn lead_with_history(
    app: &TestApp,
    org: Uuid,
    number: u32,
    changes: &[(LeadStatus, &'static str)],
) -> Uuid {
    let last = changes.last().expect("a change");
    let lead = insert_lead(app, org, number, NewLead::at(last.0, changes[0].1)).await;
    history(app, org, lead, changes).await;
    lead
}

/// A stage as the funnel reports it: (entered, entries, next, conversion,
/// stays, average, median, drop-off, drop-off rate).
#[allow(clippy::too_many_arguments)]
fn stage(
    status: &str,
    entered: i64,
    entries: i64,
    next: Option<&str>,
    conversion: Option<f64>,
    stays: i64,
    average: Option<f64>,
    median: Option<f64>,
    drop_off: i64,
    drop_off_rate: Option<f64>,
) -> Value {
    json!({
        "status": status,
        "leadsEntered": entered,
        "entries": entries,
        "nextStatus": next,
        "conversionToNext": conversion,
        "completedStays": stays,
        "averageTimeInStatusSeconds": average,
        "medianTimeInStatusSeconds": median,
        "dropOff": drop_off,
        "dropOffRate": drop_off_rate,
    })
}

async fn the_lead_funnel_counts_entries_stays_and_drop_offs_by_hand(backend: Backend) {
    use LeadStatus::*;
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let org = acme.organization_id;
    // The range is May 2026: [05-01T00:00Z, 06-01T00:00Z).
    // a: new 3600 s, contacted 7200 s, qualified 86400 s, then recruited.
    lead_with_history(
        &app,
        org,
        1,
        &[
            (New, "2026-05-02T00:00:00Z"),
            (Contacted, "2026-05-02T01:00:00Z"),
            (Qualified, "2026-05-02T03:00:00Z"),
            (Recruited, "2026-05-03T03:00:00Z"),
        ],
    )
    .await;
    // b: new 7200 s, contacted 10800 s, hot 86400 s, then DNC.
    lead_with_history(
        &app,
        org,
        2,
        &[
            (New, "2026-05-03T00:00:00Z"),
            (Contacted, "2026-05-03T02:00:00Z"),
            (Hot, "2026-05-03T05:00:00Z"),
            (Dnc, "2026-05-04T05:00:00Z"),
        ],
    )
    .await;
    // c: new 1801 s, contacted 86400 s, then cold.
    lead_with_history(
        &app,
        org,
        3,
        &[
            (New, "2026-05-04T00:00:00Z"),
            (Contacted, "2026-05-04T00:30:01Z"),
            (Cold, "2026-05-05T00:30:01Z"),
        ],
    )
    .await;
    // d and h: new, and still new at `to`.
    lead_with_history(&app, org, 4, &[(New, "2026-05-05T00:00:00Z")]).await;
    lead_with_history(&app, org, 8, &[(New, "2026-05-20T00:00:00Z")]).await;
    // e: new before the range (not counted); contacted in it; qualified at
    // `to` exactly (not in the range), so its contacted stay has not ended.
    lead_with_history(
        &app,
        org,
        5,
        &[
            (New, "2026-04-30T00:00:00Z"),
            (Contacted, "2026-05-01T12:00:00Z"),
            (Qualified, "2026-06-01T00:00:00Z"),
        ],
    )
    .await;
    // g: new 1000 s, contacted 3600 s, nurturing 86400 s, contacted again
    // until `to`: two entries into contacted, one lead.
    lead_with_history(
        &app,
        org,
        7,
        &[
            (New, "2026-05-06T00:00:00Z"),
            (Contacted, "2026-05-06T00:16:40Z"),
            (Nurturing, "2026-05-06T01:16:40Z"),
            (Contacted, "2026-05-07T01:16:40Z"),
        ],
    )
    .await;
    // f: soft-deleted, left out.
    let deleted = insert_lead(
        &app,
        org,
        6,
        NewLead::at(Contacted, "2026-05-10T00:00:00Z").deleted(),
    )
    .await;
    history(
        &app,
        org,
        deleted,
        &[
            (New, "2026-05-10T00:00:00Z"),
            (Contacted, "2026-05-10T00:00:10Z"),
        ],
    )
    .await;
    // Another organization's changes in the range never count.
    let other = Tenant::create(&app.db.db, "other").await;
    lead_with_history(
        &app,
        other.organization_id,
        1,
        &[
            (New, "2026-05-02T00:00:00Z"),
            (Contacted, "2026-05-02T00:00:05Z"),
        ],
    )
    .await;

    let funnel = query(
        &app,
        &acme.token(acme.viewer),
        FUNNEL,
        json!({ "from": "2026-05-01T00:00:00Z", "to": "2026-06-01T00:00:00Z" }),
    )
    .await["analytics"]["leadFunnel"]
        .clone();
    // Leads a, b, c, d, e, g, h.
    assert_eq!(funnel["leads"], 7);
    let stages = funnel["stages"].as_array().expect("stages").clone();
    let expected = [
        // New: a b c d g h entered (e before the range); stays 1000, 1801,
        // 3600, 7200: average 13601 / 4 = 3400.25, median (1801 + 3600) / 2
        // = 2700.5; d and h never left: 2/6 = 33.33 %; 5 of 6 went on to
        // contacted: 83.33 %.
        stage(
            "NEW",
            6,
            6,
            Some("CONTACTED"),
            Some(83.33),
            4,
            Some(3400.25),
            Some(2700.5),
            2,
            Some(33.33),
        ),
        // Contacted: a b c e g (g twice); stays 3600, 7200, 10800, 86400:
        // average 108000 / 4 = 27000, median (7200 + 10800) / 2 = 9000; e and
        // g still there: 2/5; 1 of 5 qualified.
        stage(
            "CONTACTED",
            5,
            6,
            Some("QUALIFIED"),
            Some(20.0),
            4,
            Some(27000.0),
            Some(9000.0),
            2,
            Some(40.0),
        ),
        // Qualified: a, one stay of 86400 s (an odd count: the middle one).
        stage(
            "QUALIFIED",
            1,
            1,
            Some("NURTURING"),
            Some(100.0),
            1,
            Some(86400.0),
            Some(86400.0),
            0,
            Some(0.0),
        ),
        stage(
            "NURTURING",
            1,
            1,
            Some("HOT"),
            Some(100.0),
            1,
            Some(86400.0),
            Some(86400.0),
            0,
            Some(0.0),
        ),
        stage(
            "HOT",
            1,
            1,
            Some("COLD"),
            Some(100.0),
            1,
            Some(86400.0),
            Some(86400.0),
            0,
            Some(0.0),
        ),
        // Cold: c, still cold, so no ended stay.
        stage(
            "COLD",
            1,
            1,
            Some("RECRUITED"),
            Some(100.0),
            0,
            None,
            None,
            1,
            Some(100.0),
        ),
        stage(
            "RECRUITED",
            1,
            1,
            Some("DNC"),
            Some(100.0),
            0,
            None,
            None,
            1,
            Some(100.0),
        ),
        stage("DNC", 1, 1, None, None, 0, None, None, 1, Some(100.0)),
    ];
    assert_eq!(stages.len(), expected.len());
    for (got, want) in stages.iter().zip(expected) {
        assert_eq!(got, &want);
    }

    // Narrowing the range to [05-03T00:00Z, 05-04T00:30Z): a enters
    // recruited; b enters new, contacted and hot, c enters new only (its
    // contacted comes at 00:30:01); b's new (7200 s) and contacted (10800 s)
    // stays end before `to`; c is still new at `to`.
    let narrow = query(
        &app,
        &acme.token(acme.viewer),
        FUNNEL,
        json!({ "from": "2026-05-03T00:00:00Z", "to": "2026-05-04T00:30:00Z" }),
    )
    .await["analytics"]["leadFunnel"]
        .clone();
    assert_eq!(narrow["leads"], 3, "a (recruited at 05-03 03:00), b and c");
    assert_eq!(
        narrow["stages"][0],
        stage(
            "NEW",
            2,
            2,
            Some("CONTACTED"),
            Some(50.0),
            1,
            Some(7200.0),
            Some(7200.0),
            1,
            Some(50.0),
        )
    );
    assert_eq!(
        (
            &narrow["stages"][1]["leadsEntered"],
            &narrow["stages"][1]["completedStays"],
            &narrow["stages"][1]["medianTimeInStatusSeconds"]
        ),
        (&json!(1), &json!(1), &json!(10800.0))
    );
    assert_eq!(narrow["stages"][4]["dropOff"], 1, "b is still hot at `to`");
    assert_eq!(narrow["stages"][6]["leadsEntered"], 1, "a, recruited");
}

// -------------------------------------------------------------- leadSourceRoi

const ROI: &str = "query($from: Date!, $to: Date!) { analytics { leadSourceRoi(from: $from, to: $to) { source subSource leads qualified recruited costCents revenueCents currency currencies costPerLeadCents costPerRecruitCents roi } } }";

const RECORD: &str = "mutation($input: RecordLeadSourceCostInput!) { recordLeadSourceCost(input: $input) { id source subSource month costCents currency notes } }";

async fn record_cost(app: &TestApp, token: &str, input: Value) -> Value {
    query(app, token, RECORD, json!({ "input": input })).await["recordLeadSourceCost"].clone()
}

/// A customer for `lead` with orders of (cents, currency, status).
async fn customer_with_orders(
    app: &TestApp,
    org: Uuid,
    lead: Uuid,
    number: u32,
    orders: &[(i64, &str, OrderStatus)],
) {
    let customer = Uuid::now_v7();
    let now = Utc::now();
    customers::ActiveModel {
        id: Set(customer),
        organization_id: Set(org),
        lead_id: Set(Some(lead)),
        customer_reference_number: Set(format!("CUST-2026-{number:04}")),
        name: Set(format!("Customer {number}")),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .expect("customer");
    for (i, (cents, currency, status)) in orders.iter().enumerate() {
        orders::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(org),
            customer_id: Set(customer),
            order_number: Set(format!("O-{number}-{i}")),
            status: Set(*status),
            total_cents: Set(*cents),
            currency: Set((*currency).to_owned()),
            ordered_at: Set(now),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db.db)
        .await
        .expect("order");
    }
}

async fn lead_source_roi_adds_up_costs_leads_and_revenue_per_source_by_hand(backend: Backend) {
    use LeadStatus::*;
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let org = acme.organization_id;
    let manager = acme.token(acme.manager);
    // Costs for January to April; the range is February and March.
    for (source, sub_source, month, cents, currency) in [
        ("meta", None, "2026-02-01", 30_000, "USD"),
        ("meta", None, "2026-03-01", 30_000, "USD"),
        ("meta", Some("spring"), "2026-03-01", 10_000, "USD"),
        ("google", None, "2026-01-01", 99_999, "USD"), // out: January
        ("google", None, "2026-03-01", 9_000, "USD"),
        ("google", None, "2026-04-01", 77_777, "USD"), // out: April
        ("tiktok", None, "2026-02-01", 5_000, "USD"),
        ("partner", None, "2026-03-01", 1_000, "EUR"),
    ] {
        record_cost(
            &app,
            &manager,
            json!({ "source": source, "subSource": sub_source, "month": month, "costCents": cents, "currency": currency }),
        )
        .await;
    }
    // New York months: February starts 2026-02-01T05:00Z (EST), April
    // 2026-04-01T04:00Z (EDT).
    let meta = |status, created| NewLead::at(status, created).from("meta", None);
    let l1 = insert_lead(&app, org, 1, meta(Recruited, "2026-02-01T05:00:00Z")).await;
    insert_lead(&app, org, 2, meta(Qualified, "2026-02-15T12:00:00Z")).await;
    // Cold now, but qualified once: counts as qualified.
    let l3 = insert_lead(&app, org, 3, meta(Cold, "2026-03-10T12:00:00Z")).await;
    history(
        &app,
        org,
        l3,
        &[
            (New, "2026-03-10T12:00:00Z"),
            (Qualified, "2026-03-11T12:00:00Z"),
            (Cold, "2026-03-12T12:00:00Z"),
        ],
    )
    .await;
    // March 31 19:00 in New York; an empty sub-source is no sub-source.
    insert_lead(
        &app,
        org,
        4,
        NewLead::at(New, "2026-03-31T23:00:00Z").from("meta", Some("")),
    )
    .await;
    // Out: January 31 23:59:59 and April 1 00:00 in New York; soft-deleted.
    insert_lead(&app, org, 5, meta(Recruited, "2026-02-01T04:59:59Z")).await;
    insert_lead(&app, org, 6, meta(Recruited, "2026-04-01T04:00:00Z")).await;
    insert_lead(
        &app,
        org,
        7,
        meta(Recruited, "2026-02-20T12:00:00Z").deleted(),
    )
    .await;
    // l1 bought: paid 1000.00 and fulfilled 200.00 count; refunded and
    // pending orders do not.
    customer_with_orders(
        &app,
        org,
        l1,
        1,
        &[
            (100_000, "USD", OrderStatus::Paid),
            (20_000, "USD", OrderStatus::Fulfilled),
            (50_000, "USD", OrderStatus::Refunded),
            (7_000, "USD", OrderStatus::Pending),
        ],
    )
    .await;
    let spring = |status, created| NewLead::at(status, created).from("meta", Some("spring"));
    insert_lead(&app, org, 8, spring(Hot, "2026-03-02T12:00:00Z")).await;
    insert_lead(&app, org, 9, spring(New, "2026-03-03T12:00:00Z")).await;
    insert_lead(&app, org, 10, spring(Contacted, "2026-03-04T12:00:00Z")).await;
    let google = |status, created| NewLead::at(status, created).from("google", None);
    let l11 = insert_lead(&app, org, 11, google(Recruited, "2026-02-20T12:00:00Z")).await;
    insert_lead(&app, org, 12, google(Nurturing, "2026-03-20T12:00:00Z")).await;
    insert_lead(&app, org, 13, google(Dnc, "2026-03-21T12:00:00Z")).await;
    customer_with_orders(&app, org, l11, 11, &[(3_000, "USD", OrderStatus::Paid)]).await;
    let l14 = insert_lead(
        &app,
        org,
        14,
        NewLead::at(Recruited, "2026-03-15T12:00:00Z").from("partner", None),
    )
    .await;
    customer_with_orders(&app, org, l14, 14, &[(2_000, "USD", OrderStatus::Paid)]).await;
    insert_lead(&app, org, 15, NewLead::at(New, "2026-02-14T12:00:00Z")).await;
    // Another organization's meta lead, cost and order never count.
    let other = Tenant::create(&app.db.db, "other").await;
    let theirs = insert_lead(
        &app,
        other.organization_id,
        1,
        NewLead::at(Recruited, "2026-02-10T12:00:00Z").from("meta", None),
    )
    .await;
    customer_with_orders(
        &app,
        other.organization_id,
        theirs,
        99,
        &[(1_000_000, "USD", OrderStatus::Paid)],
    )
    .await;
    record_cost(
        &app,
        &other.token(other.manager),
        json!({ "source": "meta", "month": "2026-02-01", "costCents": 1_000_000 }),
    )
    .await;

    // Any day stands for its month: 02-10 .. 03-05 is February and March.
    let rows = query(
        &app,
        &acme.token(acme.viewer),
        ROI,
        json!({ "from": "2026-02-10", "to": "2026-03-05" }),
    )
    .await["analytics"]["leadSourceRoi"]
        .clone();
    assert_eq!(
        rows,
        json!([
            // google: 9000 / 3 leads = 3000; / 1 recruit = 9000; revenue 3000:
            // (3000 − 9000) / 9000 = −66.666… %.
            {
                "source": "google", "subSource": null, "leads": 3, "qualified": 1, "recruited": 1,
                "costCents": 9_000, "revenueCents": 3_000, "currency": "USD", "currencies": ["USD"],
                "costPerLeadCents": 3000.0, "costPerRecruitCents": 9000.0, "roi": -66.67
            },
            // meta: l1 (recruited), l2 (qualified), l3 (qualified once) of 4;
            // 60000 / 4 = 15000; revenue 120000: +100 %.
            {
                "source": "meta", "subSource": null, "leads": 4, "qualified": 3, "recruited": 1,
                "costCents": 60_000, "revenueCents": 120_000, "currency": "USD", "currencies": ["USD"],
                "costPerLeadCents": 15000.0, "costPerRecruitCents": 60000.0, "roi": 100.0
            },
            // meta/spring: 10000 / 3 = 3333.33; no recruit; no revenue: −100 %.
            {
                "source": "meta", "subSource": "spring", "leads": 3, "qualified": 1, "recruited": 0,
                "costCents": 10_000, "revenueCents": 0, "currency": "USD", "currencies": ["USD"],
                "costPerLeadCents": 3333.33, "costPerRecruitCents": null, "roi": -100.0
            },
            // partner: costs in EUR, revenue in USD: no money figure.
            {
                "source": "partner", "subSource": null, "leads": 1, "qualified": 1, "recruited": 1,
                "costCents": null, "revenueCents": null, "currency": null, "currencies": ["EUR", "USD"],
                "costPerLeadCents": null, "costPerRecruitCents": null, "roi": null
            },
            // tiktok: a cost and no lead.
            {
                "source": "tiktok", "subSource": null, "leads": 0, "qualified": 0, "recruited": 0,
                "costCents": 5_000, "revenueCents": 0, "currency": "USD", "currencies": ["USD"],
                "costPerLeadCents": null, "costPerRecruitCents": null, "roi": -100.0
            },
            // Leads without a source: nothing recorded, nothing spent.
            {
                "source": null, "subSource": null, "leads": 1, "qualified": 0, "recruited": 0,
                "costCents": 0, "revenueCents": 0, "currency": null, "currencies": [],
                "costPerLeadCents": 0.0, "costPerRecruitCents": null, "roi": null
            }
        ])
    );

    // The costs of the months, as listed for editing.
    let costs = query(
        &app,
        &acme.token(acme.viewer),
        "query { analytics { leadSourceCosts(from: \"2026-02-01\", to: \"2026-03-31\") { source subSource month costCents currency } } }",
        json!({}),
    )
    .await["analytics"]["leadSourceCosts"]
        .clone();
    let listed: Vec<(Value, Value, Value)> = costs
        .as_array()
        .expect("costs")
        .iter()
        .map(|c| {
            (
                c["month"].clone(),
                c["source"].clone(),
                c["subSource"].clone(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (json!("2026-02-01"), json!("meta"), Value::Null),
            (json!("2026-02-01"), json!("tiktok"), Value::Null),
            (json!("2026-03-01"), json!("google"), Value::Null),
            (json!("2026-03-01"), json!("meta"), Value::Null),
            (json!("2026-03-01"), json!("meta"), json!("spring")),
            (json!("2026-03-01"), json!("partner"), Value::Null),
        ]
    );
}

// ---------------------------------------------------------------- empty range

async fn an_empty_range_has_zero_counts_and_null_rates(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.viewer);
    let data = query(
        &app,
        &token,
        "query { analytics {
            callMetrics(from: \"2025-01-01T00:00:00Z\", to: \"2025-02-01T00:00:00Z\") { totalCalls bookingRate averageCallTimeSeconds collections { attempts collectionRate } outcomes { count } }
            leadFunnel(from: \"2025-01-01T00:00:00Z\", to: \"2025-02-01T00:00:00Z\") { leads stages { status leadsEntered conversionToNext averageTimeInStatusSeconds medianTimeInStatusSeconds dropOff dropOffRate } }
            leadSourceRoi(from: \"2025-01-01\", to: \"2025-01-31\") { source }
        } }",
        json!({}),
    )
    .await;
    let analytics = &data["analytics"];
    assert_eq!(
        analytics["callMetrics"],
        json!({
            "totalCalls": 0,
            "bookingRate": null,
            "averageCallTimeSeconds": null,
            "collections": { "attempts": 0, "collectionRate": null },
            "outcomes": []
        })
    );
    assert_eq!(analytics["leadFunnel"]["leads"], 0);
    let stages = analytics["leadFunnel"]["stages"]
        .as_array()
        .expect("stages");
    let statuses: Vec<&str> = stages
        .iter()
        .map(|s| s["status"].as_str().expect("status"))
        .collect();
    assert_eq!(
        statuses,
        [
            "NEW",
            "CONTACTED",
            "QUALIFIED",
            "NURTURING",
            "HOT",
            "COLD",
            "RECRUITED",
            "DNC"
        ]
    );
    for stage in stages {
        assert_eq!(
            (
                &stage["leadsEntered"],
                &stage["conversionToNext"],
                &stage["averageTimeInStatusSeconds"],
                &stage["medianTimeInStatusSeconds"],
                &stage["dropOff"],
                &stage["dropOffRate"]
            ),
            (
                &json!(0),
                &Value::Null,
                &Value::Null,
                &Value::Null,
                &json!(0),
                &Value::Null
            )
        );
    }
    assert_eq!(analytics["leadSourceRoi"], json!([]));
}

// ------------------------------------------------------------------ mutations

async fn recording_a_cost_again_for_the_same_month_replaces_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let manager = acme.token(acme.manager);
    let first = record_cost(
        &app,
        &manager,
        json!({ "source": "meta", "month": "2026-03-01", "costCents": 30_000 }),
    )
    .await;
    assert_eq!(
        (
            &first["source"],
            &first["subSource"],
            &first["month"],
            &first["costCents"],
            &first["currency"],
            &first["notes"]
        ),
        (
            &json!("meta"),
            &Value::Null,
            &json!("2026-03-01"),
            &json!(30_000),
            &json!("USD"),
            &Value::Null
        ),
        "the currency defaults to USD"
    );
    // The same source, no sub-source (empty is none) and month: replaced.
    let again = record_cost(
        &app,
        &manager,
        json!({ "source": "meta", "subSource": "", "month": "2026-03-01", "costCents": 45_000, "currency": "usd", "notes": "Q1 boost" }),
    )
    .await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(
        (&again["costCents"], &again["currency"], &again["notes"]),
        (&json!(45_000), &json!("USD"), &json!("Q1 boost"))
    );
    // Another sub-source or month is another row.
    let spring = record_cost(
        &app,
        &manager,
        json!({ "source": "meta", "subSource": "spring", "month": "2026-03-01", "costCents": 0 }),
    )
    .await;
    assert_ne!(spring["id"], first["id"]);
    let april = record_cost(
        &app,
        &manager,
        json!({ "source": "meta", "month": "2026-04-01", "costCents": 1 }),
    )
    .await;
    assert_ne!(april["id"], first["id"]);
    let rows = lead_source_costs::Entity::find()
        .all(&app.db.db)
        .await
        .expect("rows");
    assert_eq!(rows.len(), 3);
    let stored = rows
        .iter()
        .find(|r| r.id.to_string() == first["id"].as_str().expect("id"))
        .expect("the first row");
    assert_eq!(
        (stored.sub_source.as_str(), stored.month, stored.cost_cents),
        ("", day("2026-03-01"), 45_000)
    );
    assert_eq!(stored.created_by, Some(acme.manager));

    // Deleting returns the row; it is gone afterwards.
    let deleted = query(
        &app,
        &manager,
        "mutation($id: ID!) { deleteLeadSourceCost(id: $id) { id costCents } }",
        json!({ "id": first["id"] }),
    )
    .await;
    assert_eq!(deleted["deleteLeadSourceCost"]["costCents"], 45_000);
    let twice = app
        .graphql(
            Some(&manager),
            "mutation($id: ID!) { deleteLeadSourceCost(id: $id) { id } }",
            json!({ "id": first["id"] }),
        )
        .await;
    assert_eq!(code(&twice), "NOT_FOUND");
}

async fn cost_inputs_are_validated_and_only_managers_may_record_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let manager = acme.token(acme.manager);
    let attempt = |token: String, input: Value| {
        let app = &app;
        async move {
            app.graphql(Some(&token), RECORD, json!({ "input": input }))
                .await
        }
    };
    let valid = json!({ "source": "meta", "month": "2026-03-01", "costCents": 100 });
    for (change, field) in [
        (json!({ "month": "2026-03-15" }), "input.month"),
        (json!({ "costCents": -1 }), "input.costCents"),
        (json!({ "currency": "US" }), "input.currency"),
        (json!({ "currency": "U5D" }), "input.currency"),
        (json!({ "source": "  " }), "input.source"),
    ] {
        let mut input = valid.clone();
        for (key, value) in change.as_object().expect("change") {
            input[key] = value.clone();
        }
        let body = attempt(manager.clone(), input).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{change}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{change}");
    }
    let mid_month = attempt(
        manager.clone(),
        json!({ "source": "meta", "month": "2026-03-15", "costCents": 100 }),
    )
    .await;
    assert!(
        mid_month["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("2026-03-01")),
        "the message names the month's first day: {mid_month}"
    );

    // Viewers and agents may not record or delete costs; managers and
    // admins may.
    for user in [acme.viewer, acme.agent] {
        let body = attempt(acme.token(user), valid.clone()).await;
        assert_eq!(code(&body), "FORBIDDEN");
    }
    let recorded = record_cost(&app, &acme.token(acme.admin), valid.clone()).await;
    let forbidden = app
        .graphql(
            Some(&acme.token(acme.viewer)),
            "mutation($id: ID!) { deleteLeadSourceCost(id: $id) { id } }",
            json!({ "id": recorded["id"] }),
        )
        .await;
    assert_eq!(code(&forbidden), "FORBIDDEN");
    assert_eq!(
        lead_source_costs::Entity::find()
            .all(&app.db.db)
            .await
            .expect("rows")
            .len(),
        1,
        "only the admin's cost was stored"
    );
}

async fn another_organizations_cost_can_be_neither_seen_nor_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let other = Tenant::create(&app.db.db, "other").await;
    let ours = record_cost(
        &app,
        &acme.token(acme.manager),
        json!({ "source": "meta", "month": "2026-03-01", "costCents": 30_000 }),
    )
    .await;
    // The same key in another organization is its own row.
    let theirs = record_cost(
        &app,
        &other.token(other.manager),
        json!({ "source": "meta", "month": "2026-03-01", "costCents": 70_000 }),
    )
    .await;
    assert_ne!(ours["id"], theirs["id"]);
    assert_eq!(ours["costCents"], 30_000, "not overwritten");

    let body = app
        .graphql(
            Some(&other.token(other.manager)),
            "mutation($id: ID!) { deleteLeadSourceCost(id: $id) { id } }",
            json!({ "id": ours["id"] }),
        )
        .await;
    assert_eq!(code(&body), "NOT_FOUND");
    let listed = query(
        &app,
        &other.token(other.viewer),
        "query { analytics { leadSourceCosts(from: \"2026-03-01\", to: \"2026-03-01\") { id costCents } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        listed["analytics"]["leadSourceCosts"],
        json!([{ "id": theirs["id"], "costCents": 70_000 }])
    );
    let ids: Vec<Uuid> = lead_source_costs::Entity::find()
        .all(&app.db.db)
        .await
        .expect("rows")
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids.len(), 2, "both costs remain");
}
