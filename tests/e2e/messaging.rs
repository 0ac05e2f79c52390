//! Nurture messaging on both backends: texts sent through Twilio's Messages
//! API (a fake on loopback, answering as Twilio does), each answer deciding
//! the enrolment (sent, refused, unsubscribed, unavailable and retried);
//! texts back through the Twilio webhook pausing enrolments, STOP opting
//! out, redeliveries changing nothing; a connected call pausing them too;
//! `enrollmentUpdated` over WebSocket; and a sequence's enrolments as a
//! connection with its progress.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use chrono::{DateTime, Duration, TimeZone, Utc};
use secrecy::SecretString;
use serde_json::{Value, json};
use switchboard_app::App;
use switchboard_app::events::EventBus;
use switchboard_app::leads::runner::{self, Round};
use switchboard_app::messaging::Channels;
use switchboard_domain::secrets::SecretKey;
use switchboard_server::messaging::TwilioSms;
use switchboard_tests::{Backend, Tenant, TestApp, ok, on_both_backends, spawn_app};

use crate::subscriptions::{connect, next_json, send};

on_both_backends!(
    texts_go_through_twilio_and_its_answers_decide_the_enrolment,
    texts_back_pause_enrolments_and_stop_opts_the_number_out,
    a_connected_call_pauses_the_leads_enrolments,
    enrolment_changes_reach_subscribers_and_sequences_page_their_enrolments,
);

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "twilio-auth-token";
const FROM: &str = "+15005550006";
const SECRET: &str = "whsec_test_0123456789";

/// What the fake Twilio was sent: the Authorization header and the form.
type Sent = Arc<Mutex<Vec<(String, HashMap<String, String>)>>>;

/// A fake of Twilio's Messages API on a loopback port; its base URL. It
/// answers by the number texted: `…0102` an invalid number (21211),
/// `…0103` an unsubscribed recipient (21610), `…0104` 503 the first time,
/// anything else 201 with a new `SM…` sid.
async fn fake_twilio(sent: Sent) -> String {
    async fn messages(
        State(sent): State<Sent>,
        headers: HeaderMap,
        Form(form): Form<HashMap<String, String>>,
    ) -> (StatusCode, axum::Json<Value>) {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let to = form.get("To").cloned().unwrap_or_default();
        let mut log = sent.lock().expect("log");
        let tries = log.iter().filter(|(_, f)| f.get("To") == Some(&to)).count();
        log.push((auth, form));
        let n = log.len();
        match to.as_str() {
            "+15125550102" => (
                StatusCode::BAD_REQUEST,
                axum::Json(
                    json!({ "code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400 }),
                ),
            ),
            "+15125550103" => (
                StatusCode::BAD_REQUEST,
                axum::Json(
                    json!({ "code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400 }),
                ),
            ),
            "+15125550104" if tries == 0 => (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(json!({ "message": "Service unavailable" })),
            ),
            _ => (
                StatusCode::CREATED,
                axum::Json(json!({ "sid": format!("SM{n:032}"), "status": "queued" })),
            ),
        }
    }
    let router = axum::Router::new()
        .route(
            &format!("/2010-04-01/Accounts/{ACCOUNT}/Messages.json"),
            post(messages),
        )
        .with_state(sent);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}")
}

/// A runner over the test database sending texts through `twilio`.
async fn runner_app(app: &TestApp, backend: Backend, twilio: &str) -> App {
    let kind = match backend {
        Backend::Sqlite => sea_orm::DbBackend::Sqlite,
        Backend::Postgres => sea_orm::DbBackend::Postgres,
    };
    let sms = TwilioSms::new(twilio, ACCOUNT, SecretString::from(TOKEN), FROM).expect("config");
    App::new(
        app.db.runtime_pool().await,
        EventBus::new(kind),
        Arc::new(SecretKey::derive(b"messaging-tests")),
    )
    .with_privileged(app.db.db.clone())
    .with_messaging(Arc::new(Channels::development().with_sms(Arc::new(sms))))
}

/// 13:00 in New York on a weekday, well after now.
fn midday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 12, 18, 0, 0).unwrap()
}

async fn lead(app: &TestApp, token: &str, phone: &str, first_name: &str) -> String {
    let body = app
        .graphql(
            Some(token),
            "mutation($phone: String!, $name: String) { createLead(input: { phoneNumber: $phone, firstName: $name, timezone: \"America/New_York\" }) { id } }",
            json!({ "phone": phone, "name": first_name }),
        )
        .await;
    ok(&body)["createLead"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn sequence(app: &TestApp, token: &str, steps: Value) -> String {
    let body = app
        .graphql(
            Some(token),
            "mutation($input: CreateSequenceInput!) { createSequence(input: $input) { id } }",
            json!({ "input": { "name": "Texts", "steps": steps } }),
        )
        .await;
    ok(&body)["createSequence"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn enroll(app: &TestApp, token: &str, sequence: &str, leads: &[&str]) {
    let body = app
        .graphql(
            Some(token),
            "mutation($s: ID!, $l: [ID!]!) { enrollLeads(sequenceId: $s, leadIds: $l) { id } }",
            json!({ "s": sequence, "l": leads }),
        )
        .await;
    assert_eq!(
        ok(&body)["enrollLeads"].as_array().map(Vec::len),
        Some(leads.len())
    );
}

/// The lead's status, first enrolment and messages.
async fn state(app: &TestApp, token: &str, lead: &str) -> Value {
    let body = app
        .graphql(
            Some(token),
            "query($id: ID!) { lead(id: $id) { status enrollments { id status currentStep nextStepAt cancelledReason executedSteps } messages { direction channel counterpart body provider providerMessageId status enrollmentId } } }",
            json!({ "id": lead }),
        )
        .await;
    ok(&body)["lead"].clone()
}

async fn run(runner: &App, at: DateTime<Utc>) -> Round {
    runner::run_due(runner, at, 200).await.expect("a round")
}

async fn texts_go_through_twilio_and_its_answers_decide_the_enrolment(backend: Backend) {
    let sent: Sent = Arc::default();
    let twilio = fake_twilio(sent.clone()).await;
    let app = spawn_app(backend).await;
    let runner = runner_app(&app, backend, &twilio).await;
    let tenant = Tenant::create(&app.db.db, "texts").await;
    let (manager, agent) = (tenant.token(tenant.manager), tenant.token(tenant.agent));
    let id = sequence(
        &app,
        &manager,
        json!([
            { "channel": "SMS", "message": "Hi {{firstName}}, it's Acme. Reply STOP to opt out." },
            { "channel": "SMS", "delayMinutes": 60, "templateId": "HX0123456789abcdef0123456789abcdef" }
        ]),
    )
    .await;
    let ada = lead(&app, &agent, "+15125550101", "Ada").await;
    let invalid = lead(&app, &agent, "+15125550102", "Ivo").await;
    let unsubscribed = lead(&app, &agent, "+15125550103", "Una").await;
    let busy = lead(&app, &agent, "+15125550104", "Bea").await;
    enroll(&app, &agent, &id, &[&ada, &invalid, &unsubscribed, &busy]).await;

    let t0 = midday();
    let round = run(&runner, t0).await;
    assert_eq!(
        (
            round.executed,
            round.failed,
            round.cancelled,
            round.postponed
        ),
        (1, 1, 1, 1),
        "{round:?}"
    );
    {
        let log = sent.lock().expect("log");
        assert_eq!(log.len(), 4, "one request a lead");
        let (auth, form) = log
            .iter()
            .find(|(_, f)| f["To"] == "+15125550101")
            .expect("Ada's text");
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:{TOKEN}"));
        assert_eq!(auth, &format!("Basic {basic}"));
        assert_eq!(form["From"], FROM);
        assert_eq!(form["Body"], "Hi Ada, it's Acme. Reply STOP to opt out.");
    }
    let sent_one = state(&app, &agent, &ada).await;
    let message = &sent_one["messages"][0];
    assert_eq!(message["direction"], "OUTBOUND");
    assert_eq!(message["provider"], "twilio");
    assert_eq!(message["status"], "QUEUED");
    assert_eq!(message["body"], "Hi Ada, it's Acme. Reply STOP to opt out.");
    assert_eq!(message["counterpart"], "+15125550101");
    assert_eq!(message["enrollmentId"], sent_one["enrollments"][0]["id"]);
    let sid = message["providerMessageId"].as_str().expect("a sid");
    assert!(sid.starts_with("SM"), "{sid}");
    assert_eq!(
        sent_one["enrollments"][0]["executedSteps"][0]["providerMessageId"],
        sid
    );

    let refused = state(&app, &agent, &invalid).await;
    assert_eq!(refused["enrollments"][0]["status"], "FAILED");
    let reason = refused["enrollments"][0]["cancelledReason"]
        .as_str()
        .expect("why");
    assert!(reason.contains("21211"), "{reason}");
    assert_eq!(refused["messages"], json!([]), "nothing was sent");

    let opted = state(&app, &agent, &unsubscribed).await;
    assert_eq!(opted["enrollments"][0]["status"], "CANCELLED");
    let reason = opted["enrollments"][0]["cancelledReason"]
        .as_str()
        .expect("why");
    assert!(reason.starts_with("Opted out"), "{reason}");

    // Twilio was unavailable: tried again five minutes later.
    let waiting = state(&app, &agent, &busy).await;
    assert_eq!(waiting["enrollments"][0]["status"], "ACTIVE");
    assert_eq!(waiting["enrollments"][0]["currentStep"], 0);
    let retry_at: DateTime<Utc> = waiting["enrollments"][0]["nextStepAt"]
        .as_str()
        .expect("due")
        .parse()
        .expect("a time");
    assert_eq!(retry_at, t0 + Duration::minutes(5));
    assert_eq!(
        run(&runner, t0 + Duration::minutes(4)).await,
        Round::default()
    );
    assert_eq!(run(&runner, t0 + Duration::minutes(5)).await.executed, 1);

    // The second step sends the Content template instead of a body.
    assert_eq!(run(&runner, t0 + Duration::hours(2)).await.executed, 2);
    {
        let log = sent.lock().expect("log");
        let templated: Vec<_> = log
            .iter()
            .filter(|(_, f)| f.contains_key("ContentSid"))
            .collect();
        assert_eq!(templated.len(), 2);
        assert!(templated.iter().all(|(_, f)| !f.contains_key("Body")));
    }

    // The runner's throughput and lag are in the metrics.
    let metrics = app
        .client
        .get(format!("{}/metrics", app.base_url))
        .send()
        .await
        .expect("scraped")
        .text()
        .await
        .expect("text");
    for series in [
        "switchboard_sequence_steps_total{outcome=\"executed\"}",
        "switchboard_sequence_steps_total{outcome=\"failed\"}",
        "switchboard_sequence_step_lag_seconds_bucket",
    ] {
        assert!(metrics.contains(series), "{series} missing");
    }
}

/// Posts a signed Twilio delivery for `slug`; returns the status and body.
async fn twilio_webhook(app: &TestApp, slug: &str, params: &[(&str, &str)]) -> (u16, String) {
    let response = app.post_twilio(slug, SECRET, params).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

async fn texts_back_pause_enrolments_and_stop_opts_the_number_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "replies").await;
    let (admin, manager, agent) = (
        tenant.token(tenant.admin),
        tenant.token(tenant.manager),
        tenant.token(tenant.agent),
    );
    let configured = app
        .graphql(
            Some(&admin),
            "mutation($s: String!) { setWebhookSecret(provider: TWILIO, secret: $s) { configured } }",
            json!({ "s": SECRET }),
        )
        .await;
    assert_eq!(ok(&configured)["setWebhookSecret"]["configured"], true);
    let id = sequence(
        &app,
        &manager,
        json!([{ "channel": "SMS", "delayDays": 1, "message": "Hi" }]),
    )
    .await;
    let ada = lead(&app, &agent, "+15125550111", "Ada").await;
    let bo = lead(&app, &agent, "+15125550112", "Bo").await;
    enroll(&app, &agent, &id, &[&ada, &bo]).await;

    let reply = [
        ("MessageSid", "SM00000000000000000000000000000001"),
        ("AccountSid", ACCOUNT),
        ("From", "+15125550111"),
        ("To", FROM),
        ("Body", "Sounds good, call me at 5"),
    ];
    for _ in 0..2 {
        let (status, body) = twilio_webhook(&app, "replies", &reply).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("<Response></Response>"), "{body}");
    }
    let replied = state(&app, &agent, &ada).await;
    assert_eq!(replied["enrollments"][0]["status"], "PAUSED");
    let steps = replied["enrollments"][0]["executedSteps"]
        .as_array()
        .expect("steps");
    assert_eq!(steps.len(), 1, "the redelivery recorded nothing: {steps:?}");
    assert_eq!(steps[0]["message"], "Sounds good, call me at 5");
    assert_eq!(
        replied["messages"],
        json!([{
            "direction": "INBOUND", "channel": "SMS", "counterpart": "+15125550111",
            "body": "Sounds good, call me at 5", "provider": "twilio",
            "providerMessageId": "SM00000000000000000000000000000001",
            "status": "RECEIVED", "enrollmentId": null
        }])
    );

    let (status, _) = twilio_webhook(
        &app,
        "replies",
        &[
            ("MessageSid", "SM00000000000000000000000000000002"),
            ("From", "+15125550112"),
            ("To", FROM),
            ("Body", " Stop "),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let stopped = state(&app, &agent, &bo).await;
    assert_eq!(stopped["status"], "DNC");
    assert_eq!(stopped["enrollments"][0]["status"], "CANCELLED");
    assert_eq!(
        stopped["enrollments"][0]["cancelledReason"],
        "Opted out: replied \"STOP\""
    );
    let listed = app
        .graphql(
            Some(&agent),
            "{ dncEntries { phoneNumber source detectedPhrase } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&listed)["dncEntries"],
        json!([{ "phoneNumber": "+15125550112", "source": "CUSTOMER_REQUEST", "detectedPhrase": "STOP" }])
    );

    // A text from a number that is no lead is kept, and changes nothing.
    let (status, _) = twilio_webhook(
        &app,
        "replies",
        &[
            ("MessageSid", "SM00000000000000000000000000000003"),
            ("From", "+15125550199"),
            ("To", FROM),
            ("Body", "who is this?"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let kept = app
        .db
        .rows("SELECT counterpart FROM lead_messages WHERE lead_id IS NULL")
        .await;
    assert_eq!(kept.len(), 1);
    // An unsigned text is refused.
    let forged = app
        .client
        .post(format!("{}/webhooks/twilio?org=replies", app.base_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("MessageSid=SM4&From=%2B15125550111&Body=STOP")
        .send()
        .await
        .expect("sent");
    assert_eq!(forged.status().as_u16(), 401);
    assert_eq!(state(&app, &agent, &ada).await["status"], "NEW");
}

async fn a_connected_call_pauses_the_leads_enrolments(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "answered").await;
    let (manager, agent) = (tenant.token(tenant.manager), tenant.token(tenant.agent));
    let id = sequence(
        &app,
        &manager,
        json!([{ "channel": "SMS", "delayDays": 1, "message": "Hi" }]),
    )
    .await;
    let ada = lead(&app, &agent, "+15125550121", "Ada").await;
    let bo = lead(&app, &agent, "+15125550122", "Bo").await;
    enroll(&app, &agent, &id, &[&ada, &bo]).await;
    for (lead, start, end) in [
        (&ada, "IN_PROGRESS", "COMPLETED"),
        (&bo, "RINGING", "MISSED"),
    ] {
        let created = app
            .graphql(
                Some(&agent),
                "mutation($lead: ID!, $s: CallStatus!) { createCall(input: { leadId: $lead, status: $s }) { id } }",
                json!({ "lead": lead, "s": start }),
            )
            .await;
        let call = ok(&created)["createCall"]["id"].clone();
        let ended = app
            .graphql(
                Some(&agent),
                "mutation($id: ID!, $s: CallStatus!) { updateCallStatus(id: $id, status: $s) { status } }",
                json!({ "id": call, "s": end }),
            )
            .await;
        assert_eq!(ok(&ended)["updateCallStatus"]["status"], end);
    }
    let answered = state(&app, &agent, &ada).await;
    assert_eq!(answered["enrollments"][0]["status"], "PAUSED");
    assert_eq!(
        answered["enrollments"][0]["executedSteps"][0]["channel"],
        "call"
    );
    let missed = state(&app, &agent, &bo).await;
    assert_eq!(missed["enrollments"][0]["status"], "ACTIVE");
}

async fn enrolment_changes_reach_subscribers_and_sequences_page_their_enrolments(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "live").await;
    let (manager, agent) = (tenant.token(tenant.manager), tenant.token(tenant.agent));
    let id = sequence(
        &app,
        &manager,
        json!([{ "channel": "SMS", "delayDays": 1, "message": "Hi" }]),
    )
    .await;
    let ada = lead(&app, &agent, "+15125550131", "Ada").await;
    let bo = lead(&app, &agent, "+15125550132", "Bo").await;

    let mut socket = connect(&app.base_url, "graphql-transport-ws", &agent).await;
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($s: ID) { enrollmentUpdated(sequenceId: $s) { leadId status currentStep enrollment { status } } }",
        "variables": { "s": id },
    } }))
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    enroll(&app, &agent, &id, &[&ada]).await;
    let began = next_json(&mut socket).await.expect("an event");
    assert_eq!(
        began["payload"]["data"]["enrollmentUpdated"],
        json!({ "leadId": ada, "status": "ACTIVE", "currentStep": 0, "enrollment": { "status": "ACTIVE" } }),
        "{began}"
    );
    enroll(&app, &agent, &id, &[&bo]).await;
    let second = next_json(&mut socket).await.expect("an event");
    assert_eq!(second["payload"]["data"]["enrollmentUpdated"]["leadId"], bo);
    let listed = app
        .graphql(
            Some(&agent),
            "query($id: ID!) { lead(id: $id) { enrollments { id } } }",
            json!({ "id": bo }),
        )
        .await;
    let bos = ok(&listed)["lead"]["enrollments"][0]["id"].clone();
    let paused = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { pauseEnrollment(id: $id) { status } }",
            json!({ "id": bos }),
        )
        .await;
    assert_eq!(ok(&paused)["pauseEnrollment"]["status"], "PAUSED");
    let pause = next_json(&mut socket).await.expect("an event");
    assert_eq!(
        pause["payload"]["data"]["enrollmentUpdated"]["status"],
        "PAUSED"
    );

    const PAGE: &str = "query($after: String) { sequences { progress { total active paused completed } enrollments(first: 1, after: $after) { totalCount edges { node { leadId status } } pageInfo { hasNextPage endCursor } } } }";
    let first = app.graphql(Some(&agent), PAGE, json!({})).await;
    let sequence = &ok(&first)["sequences"][0];
    assert_eq!(
        sequence["progress"],
        json!({ "total": 2, "active": 1, "paused": 1, "completed": 0 })
    );
    assert_eq!(sequence["enrollments"]["totalCount"], 2);
    assert_eq!(
        sequence["enrollments"]["edges"][0]["node"],
        json!({ "leadId": ada, "status": "ACTIVE" })
    );
    assert_eq!(sequence["enrollments"]["pageInfo"]["hasNextPage"], true);
    let cursor = sequence["enrollments"]["pageInfo"]["endCursor"].clone();
    let next = app
        .graphql(Some(&agent), PAGE, json!({ "after": cursor }))
        .await;
    let page = &ok(&next)["sequences"][0]["enrollments"];
    assert_eq!(
        page["edges"][0]["node"],
        json!({ "leadId": bo, "status": "PAUSED" })
    );
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
}
