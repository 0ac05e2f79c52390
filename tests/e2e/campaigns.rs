//! Campaigns that run, on both backends: a manager starts a campaign over a
//! segment and the dispatcher's rounds (driven by the test, as `serve`
//! drives them) schedule, pace, retry and finish its leads against a fake
//! provider, every call through the dial gate; pausing stops it at once,
//! resuming takes the segment's new leads; its dates, limits and numbers'
//! limits hold; `campaignUpdated` announces it.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use switchboard_app::App;
use switchboard_app::dialer::dispatch::{self, Dispatch};
use switchboard_tests::{Backend, Tenant, TestApp, code, ok, on_both_backends, spawn_app};

use crate::dialer::{Fake, account, fake_provider, gql, noon_zone};
use crate::dialer_dispatch::{dispatcher, status};

on_both_backends!(
    a_campaign_over_a_segment_schedules_paces_retries_and_completes,
    pausing_stops_a_campaign_at_once_and_resuming_takes_the_segments_new_leads,
    a_campaign_calls_only_between_its_dates_and_refuses_what_cannot_run,
    a_number_carries_no_more_calls_than_its_limit,
    campaign_updated_announces_each_change_with_its_progress,
);

const PROGRESS: &str = "progress { leads eligible waiting calling reached unreached completed blocked scheduled placed connected blockedByReason { reason leads } heldByReason { reason leads } }";

/// A Vapi account at a fake provider, an agent and a number there.
async fn calling_setup(app: &TestApp, tenant: &Tenant) -> (Value, Fake) {
    let (base, fake) = fake_provider().await;
    account(
        app,
        tenant,
        "VAPI",
        json!({ "apiKey": "key", "baseUrl": base, "phoneNumberId": "pn-main" }),
    )
    .await;
    let manager = tenant.token(tenant.manager);
    let agent = gql(
        app,
        &manager,
        "mutation { createAgent(input: { provider: VAPI, externalAgentId: \"asst-spring\", name: \"Ava\" }) { id } }",
        json!({}),
    )
    .await;
    let number = gql(
        app,
        &manager,
        "mutation { createPhoneNumber(input: { name: \"Out\", phoneNumber: \"+14155550600\", provider: VAPI }) { id } }",
        json!({}),
    )
    .await;
    ok(&number);
    (ok(&agent)["createAgent"]["id"].clone(), fake)
}

/// A lead from `source`, at about noon where it is.
async fn lead(app: &TestApp, tenant: &Tenant, phone: &str, source: &str) -> Value {
    let body = gql(
        app,
        &tenant.token(tenant.agent),
        "mutation($p: String!, $s: String, $tz: String) { createLead(input: { phoneNumber: $p, source: $s, firstName: \"Lee\", timezone: $tz }) { id } }",
        json!({ "p": phone, "s": source, "tz": noon_zone() }),
    )
    .await;
    ok(&body)["createLead"]["id"].clone()
}

/// The segment of the leads from `source`.
async fn segment(app: &TestApp, tenant: &Tenant, source: &str) -> Value {
    let body = gql(
        app,
        &tenant.token(tenant.manager),
        "mutation($n: String!, $f: LeadFilter!) { createSegment(input: { name: $n, filter: $f, isPublic: true }) { id } }",
        json!({ "n": source, "f": { "source": { "in": [source] } } }),
    )
    .await;
    ok(&body)["createSegment"]["id"].clone()
}

async fn campaign(app: &TestApp, tenant: &Tenant, input: Value) -> Value {
    let body = gql(
        app,
        &tenant.token(tenant.manager),
        "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id status } }",
        json!({ "input": input }),
    )
    .await;
    ok(&body)["createCampaign"]["id"].clone()
}

/// Runs a campaign mutation (`startCampaign`…) as the manager.
async fn run(app: &TestApp, tenant: &Tenant, mutation: &str, id: &Value) -> Value {
    let query = format!("mutation($id: ID!) {{ {mutation}(id: $id) {{ id status {PROGRESS} }} }}");
    gql(
        app,
        &tenant.token(tenant.manager),
        &query,
        json!({ "id": id }),
    )
    .await
}

async fn read(app: &TestApp, tenant: &Tenant, id: &Value) -> Value {
    let query = format!("query {{ campaigns {{ id status {PROGRESS} }} }}");
    let body = gql(app, &tenant.token(tenant.agent), &query, json!({})).await;
    ok(&body)["campaigns"]
        .as_array()
        .expect("campaigns")
        .iter()
        .find(|c| &c["id"] == id)
        .cloned()
        .expect("the campaign")
}

async fn round(dispatcher: &App, at: DateTime<Utc>) -> Dispatch {
    dispatch::dispatch_due(dispatcher, at, 100)
        .await
        .expect("a round")
}

/// The numbers the fake provider was asked to call, in order.
fn dialed(fake: &Fake) -> Vec<String> {
    fake.received
        .lock()
        .expect("lock")
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).expect("json");
            body["customer"]["number"]
                .as_str()
                .expect("number")
                .to_owned()
        })
        .collect()
}

/// The campaign's calls, newest first, with their numbers.
async fn calls_of(app: &TestApp, tenant: &Tenant) -> Vec<Value> {
    let body = gql(
        app,
        &tenant.token(tenant.agent),
        "{ calls(first: 100) { nodes { id status phoneNumber endedReason campaign { id } } } }",
        json!({}),
    )
    .await;
    ok(&body)["calls"]["nodes"]
        .as_array()
        .expect("calls")
        .clone()
}

async fn move_call(app: &TestApp, tenant: &Tenant, id: &str, to: &str) {
    let body = gql(
        app,
        &tenant.token(tenant.agent),
        "mutation($id: ID!, $s: CallStatus!) { updateCallStatus(id: $id, status: $s) { status } }",
        json!({ "id": id, "s": to }),
    )
    .await;
    assert_eq!(ok(&body)["updateCallStatus"]["status"], to);
}

/// The id of the latest call to `phone`.
fn call_to(calls: &[Value], phone: &str) -> String {
    calls
        .iter()
        .find(|c| c["phoneNumber"] == phone)
        .and_then(|c| c["id"].as_str())
        .expect("a call to the number")
        .to_owned()
}

async fn a_campaign_over_a_segment_schedules_paces_retries_and_completes(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "campaign-run").await;
    let (agent, fake) = calling_setup(&app, &acme).await;
    let phones = ["+14155550701", "+14155550702", "+14155550703"];
    for phone in phones {
        lead(&app, &acme, phone, "spring").await;
    }
    lead(&app, &acme, "+14155550704", "spring").await;
    lead(&app, &acme, "+14155550799", "autumn").await;
    // One of the segment's numbers goes on the DNC list.
    let dnc = gql(
        &app,
        &acme.token(acme.manager),
        "mutation { addDncEntry(input: { phoneNumber: \"+14155550704\" }) { id } }",
        json!({}),
    )
    .await;
    ok(&dnc);
    let spring = segment(&app, &acme, "spring").await;
    let id = campaign(
        &app,
        &acme,
        json!({ "name": "Spring", "agentId": agent, "segmentId": spring,
                "callsPerMinute": 2, "maxConcurrentCalls": 5, "maxAttempts": 2, "retryAfterMinutes": 30 }),
    )
    .await;
    let started = run(&app, &acme, "startCampaign", &id).await;
    let started = &ok(&started)["startCampaign"];
    assert_eq!(started["status"], "ACTIVE");
    assert_eq!(
        started["progress"]["leads"], 4,
        "the segment's leads: {started}"
    );
    assert_eq!(started["progress"]["waiting"], 4);

    let dialer = dispatcher(&app, backend).await;
    let t0 = Utc::now();
    let first = round(&dialer, t0).await;
    assert_eq!(
        first.scheduled, 3,
        "every eligible lead has room: {first:?}"
    );
    assert_eq!(first.placed, 2, "two a minute: {first:?}");
    let progress = read(&app, &acme, &id).await["progress"].clone();
    assert_eq!(progress["placed"], 2, "{progress}");
    assert_eq!(progress["scheduled"], 1, "the third waits for the pace");
    assert_eq!(progress["calling"], 3);
    assert_eq!(progress["blocked"], 1);
    assert_eq!(progress["eligible"], 3);
    assert_eq!(
        progress["blockedByReason"],
        json!([{ "reason": "ON_DNC_LIST", "leads": 1 }])
    );
    assert_eq!(round(&dialer, t0 + Duration::seconds(30)).await.placed, 0);
    assert_eq!(round(&dialer, t0 + Duration::seconds(61)).await.placed, 1);
    let mut asked = dialed(&fake);
    asked.sort();
    assert_eq!(asked, phones, "each eligible lead once, no one else");

    // The first two answer; the third rings out and is tried again later.
    let calls = calls_of(&app, &acme).await;
    for phone in &phones[..2] {
        let call = call_to(&calls, phone);
        move_call(&app, &acme, &call, "IN_PROGRESS").await;
        move_call(&app, &acme, &call, "COMPLETED").await;
    }
    move_call(&app, &acme, &call_to(&calls, phones[2]), "MISSED").await;
    let settled = round(&dialer, t0 + Duration::minutes(2)).await;
    assert_eq!(settled.placed, 0, "the retry waits its 30 minutes");
    let progress = read(&app, &acme, &id).await["progress"].clone();
    assert_eq!(progress["reached"], 2, "{progress}");
    assert_eq!(progress["waiting"], 1);
    assert_eq!(progress["connected"], 2);

    let retry = round(&dialer, Utc::now() + Duration::minutes(31)).await;
    assert_eq!(retry.placed, 1, "{retry:?}");
    assert_eq!(dialed(&fake).last().map(String::as_str), Some(phones[2]));
    let calls = calls_of(&app, &acme).await;
    move_call(&app, &acme, &call_to(&calls, phones[2]), "MISSED").await;
    round(&dialer, Utc::now() + Duration::minutes(32)).await;
    let done = read(&app, &acme, &id).await;
    assert_eq!(done["status"], "COMPLETED", "out of leads: {done}");
    let progress = &done["progress"];
    assert_eq!(progress["reached"], 2);
    assert_eq!(progress["unreached"], 1, "two attempts, both missed");
    assert_eq!(progress["completed"], 3);
    assert_eq!(progress["placed"], 4);
    assert_eq!(dialed(&fake).len(), 4, "never a call more");
}

async fn pausing_stops_a_campaign_at_once_and_resuming_takes_the_segments_new_leads(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "campaign-pause").await;
    let (agent, fake) = calling_setup(&app, &acme).await;
    for phone in ["+14155550711", "+14155550712", "+14155550713"] {
        lead(&app, &acme, phone, "summer").await;
    }
    let summer = segment(&app, &acme, "summer").await;
    let id = campaign(
        &app,
        &acme,
        json!({ "name": "Summer", "agentId": agent, "segmentId": summer, "callsPerMinute": 1, "maxConcurrentCalls": 2 }),
    )
    .await;
    ok(&run(&app, &acme, "startCampaign", &id).await);
    let dialer = dispatcher(&app, backend).await;
    let t0 = Utc::now();
    let first = round(&dialer, t0).await;
    assert_eq!((first.scheduled, first.placed), (2, 1), "{first:?}");

    let paused = run(&app, &acme, "pauseCampaign", &id).await;
    let paused = &ok(&paused)["pauseCampaign"];
    assert_eq!(paused["status"], "PAUSED");
    assert_eq!(paused["progress"]["scheduled"], 0, "withdrawn: {paused}");
    let cancelled: Vec<Value> = calls_of(&app, &acme)
        .await
        .into_iter()
        .filter(|c| c["status"] == "CANCELLED")
        .collect();
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0]["endedReason"], "the campaign was paused");
    let idle = round(&dialer, t0 + Duration::minutes(5)).await;
    assert_eq!((idle.scheduled, idle.placed), (0, 0), "{idle:?}");
    assert_eq!(dialed(&fake).len(), 1);

    // Only a draft starts, only a running campaign pauses.
    let again = run(&app, &acme, "startCampaign", &id).await;
    assert_eq!(code(&again), "CONFLICT", "{again}");
    let twice = run(&app, &acme, "pauseCampaign", &id).await;
    assert_eq!(code(&twice), "CONFLICT", "{twice}");

    lead(&app, &acme, "+14155550714", "summer").await;
    let resumed = run(&app, &acme, "resumeCampaign", &id).await;
    let resumed = &ok(&resumed)["resumeCampaign"];
    assert_eq!(resumed["status"], "ACTIVE");
    assert_eq!(
        resumed["progress"]["leads"], 4,
        "the new lead joined: {resumed}"
    );
    let next = round(&dialer, t0 + Duration::minutes(6)).await;
    assert_eq!(next.placed, 1, "{next:?}");
    assert_eq!(dialed(&fake).len(), 2);

    let completed = run(&app, &acme, "completeCampaign", &id).await;
    let completed = &ok(&completed)["completeCampaign"];
    assert_eq!(completed["status"], "COMPLETED");
    assert_eq!(completed["progress"]["scheduled"], 0);
    let after = round(&dialer, t0 + Duration::minutes(10)).await;
    assert_eq!((after.scheduled, after.placed), (0, 0));
}

async fn a_campaign_calls_only_between_its_dates_and_refuses_what_cannot_run(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "campaign-dates").await;
    let (agent, fake) = calling_setup(&app, &acme).await;
    lead(&app, &acme, "+14155550721", "fall").await;
    let fall = segment(&app, &acme, "fall").await;
    let now = Utc::now();
    let later = campaign(
        &app,
        &acme,
        json!({ "name": "Later", "agentId": agent, "segmentId": fall,
                "startsAt": (now + Duration::hours(1)).to_rfc3339(),
                "endsAt": (now + Duration::hours(2)).to_rfc3339() }),
    )
    .await;
    ok(&run(&app, &acme, "startCampaign", &later).await);
    let dialer = dispatcher(&app, backend).await;
    let early = round(&dialer, now).await;
    assert_eq!((early.scheduled, early.placed), (0, 0), "before its start");
    let ended = round(&dialer, now + Duration::hours(3)).await;
    assert_eq!(ended.placed, 0, "after its end");
    assert_eq!(read(&app, &acme, &later).await["status"], "COMPLETED");
    assert!(dialed(&fake).is_empty());

    // What cannot run is refused, each with its field.
    let manager = acme.token(acme.manager);
    for (input, field) in [
        (
            json!({ "name": "A", "callsPerMinute": 0 }),
            "input.callsPerMinute",
        ),
        (
            json!({ "name": "B", "maxAttempts": 11 }),
            "input.maxAttempts",
        ),
        (
            json!({ "name": "C", "maxConcurrentCalls": 1001 }),
            "input.maxConcurrentCalls",
        ),
        (
            json!({ "name": "D", "retryAfterMinutes": -1 }),
            "input.retryAfterMinutes",
        ),
        (
            json!({ "name": "E", "startsAt": now.to_rfc3339(), "endsAt": (now - Duration::hours(1)).to_rfc3339() }),
            "input.endsAt",
        ),
    ] {
        let body = gql(
            &app,
            &manager,
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let no_agent = campaign(
        &app,
        &acme,
        json!({ "name": "No agent", "segmentId": fall }),
    )
    .await;
    let body = run(&app, &acme, "startCampaign", &no_agent).await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "agentId",
        "{body}"
    );
    let empty = campaign(&app, &acme, json!({ "name": "Empty", "agentId": agent })).await;
    let body = run(&app, &acme, "startCampaign", &empty).await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "segmentId",
        "{body}"
    );
    // Agents run no campaigns; other organizations' are not there.
    let body = gql(
        &app,
        &acme.token(acme.agent),
        "mutation($id: ID!) { startCampaign(id: $id) { id } }",
        json!({ "id": empty }),
    )
    .await;
    assert_eq!(code(&body), "FORBIDDEN");
    let other = Tenant::create(&app.db.db, "campaign-elsewhere").await;
    let body = run(&app, &other, "startCampaign", &empty).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");

    // Leads added by hand: another organization's lead is NOT_FOUND.
    let theirs = lead(&app, &other, "+14155550729", "fall").await;
    let body = gql(
        &app,
        &manager,
        "mutation($id: ID!, $l: [ID!]!) { addCampaignLeads(id: $id, leadIds: $l) { progress { leads } } }",
        json!({ "id": empty, "l": [theirs] }),
    )
    .await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let mine = lead(&app, &acme, "+14155550722", "winter").await;
    let body = gql(
        &app,
        &manager,
        "mutation($id: ID!, $l: [ID!]!) { addCampaignLeads(id: $id, leadIds: $l) { progress { leads } } }",
        json!({ "id": empty, "l": [mine, mine] }),
    )
    .await;
    assert_eq!(ok(&body)["addCampaignLeads"]["progress"]["leads"], 1);
    let started = run(&app, &acme, "startCampaign", &empty).await;
    assert_eq!(ok(&started)["startCampaign"]["status"], "ACTIVE");
}

async fn a_number_carries_no_more_calls_than_its_limit(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "number-limit").await;
    let (agent, fake) = calling_setup(&app, &acme).await;
    let numbers = gql(
        &app,
        &acme.token(acme.agent),
        "{ phoneNumbers { id } }",
        json!({}),
    )
    .await;
    let number = ok(&numbers)["phoneNumbers"][0]["id"].clone();
    let limited = gql(
        &app,
        &acme.token(acme.manager),
        "mutation($id: ID!) { updatePhoneNumber(id: $id, input: { maxConcurrentCalls: 1 }) { maxConcurrentCalls } }",
        json!({ "id": number }),
    )
    .await;
    assert_eq!(ok(&limited)["updatePhoneNumber"]["maxConcurrentCalls"], 1);
    let first = crate::dialer::schedule(&app, &acme, &agent, "+14155550731").await;
    let second = crate::dialer::schedule(&app, &acme, &agent, "+14155550732").await;
    let dialer = dispatcher(&app, backend).await;
    let at = Utc::now() + Duration::minutes(2);
    assert_eq!(round(&dialer, at).await.placed, 1);
    let waiting = status(&app, &acme, &second).await;
    assert_eq!(
        waiting["status"], "SCHEDULED",
        "it waits, unharmed: {waiting}"
    );
    let body = gql(
        &app,
        &acme.token(acme.agent),
        crate::dialer::DIAL,
        json!({ "id": second }),
    )
    .await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    // The first call ends: the number is free again.
    move_call(&app, &acme, &first, "MISSED").await;
    assert_eq!(round(&dialer, at).await.placed, 1);
    assert_eq!(dialed(&fake).len(), 2);
}

async fn campaign_updated_announces_each_change_with_its_progress(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "campaign-live").await;
    let (agent, _fake) = calling_setup(&app, &acme).await;
    lead(&app, &acme, "+14155550741", "live").await;
    let live = segment(&app, &acme, "live").await;
    let id = campaign(
        &app,
        &acme,
        json!({ "name": "Live", "agentId": agent, "segmentId": live }),
    )
    .await;
    let mut socket = crate::subscriptions::connect(
        &app.base_url,
        "graphql-transport-ws",
        &acme.token(acme.agent),
    )
    .await;
    crate::subscriptions::send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($c: ID) { campaignUpdated(campaignId: $c) { campaignId campaign { status progress { leads waiting } } } }",
        "variables": { "c": id },
    } }))
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    ok(&run(&app, &acme, "startCampaign", &id).await);
    let event = crate::subscriptions::next_json(&mut socket)
        .await
        .expect("an event");
    assert_eq!(
        event["payload"]["data"]["campaignUpdated"],
        json!({ "campaignId": id, "campaign": { "status": "ACTIVE", "progress": { "leads": 1, "waiting": 1 } } }),
        "{event}"
    );
    ok(&run(&app, &acme, "pauseCampaign", &id).await);
    let event = crate::subscriptions::next_json(&mut socket)
        .await
        .expect("an event");
    assert_eq!(
        event["payload"]["data"]["campaignUpdated"]["campaign"]["status"], "PAUSED",
        "{event}"
    );
}
