//! The dialer through `/graphql` on both backends, against fake providers
//! served on loopback by the test itself: the exact request each provider
//! receives for `dialNow` (path, authentication, body), the call landing
//! QUEUED with the provider's id; a refusal failing the call with the
//! provider's words, an outage or a timeout keeping it scheduled; the dial
//! gate run again at the moment of dialing; the accounts kept secret,
//! admins only; and another organization's calls out of reach.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use chrono::{Timelike, Utc};
use serde_json::{Value, json};
use switchboard_server::app::HttpConfig;
use switchboard_tests::{
    Backend, Tenant, TestApp, TestDb, code, ok, on_both_backends, spawn_app, spawn_app_with,
};

on_both_backends!(
    each_provider_receives_its_own_request_and_the_call_lands_queued_with_its_id,
    refusals_fail_the_call_and_outages_or_timeouts_keep_it_scheduled,
    the_gate_runs_again_at_dial_time_and_other_organizations_are_out_of_reach,
    provider_accounts_are_for_admins_and_never_read_back,
    a_webhook_that_comes_before_the_providers_answer_names_the_call,
    calls_leave_from_the_number_with_the_fewest_calls_going,
);

/// One request a fake provider received.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: String,
}

/// What the fake answers next.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    /// Each provider's success, with these ids.
    Success,
    Status(u16, Value),
    /// Waits this long before answering success.
    Slow(Duration),
}

#[derive(Clone)]
pub(crate) struct Fake {
    pub received: Arc<Mutex<Vec<Received>>>,
    pub answer: Arc<Mutex<Answer>>,
}

async fn respond(
    State(fake): State<Fake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let path = uri.path().to_owned();
    let n = {
        let mut received = fake.received.lock().expect("lock");
        received.push(Received {
            method,
            path: path.clone(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        received.len()
    };
    let answer = fake.answer.lock().expect("lock").clone();
    // Ids numbered by request, as unique as a provider's.
    let success = || {
        let body = if path == "/call" {
            json!({ "id": format!("vapi-call-{n}"), "status": "queued" })
        } else if path == "/v2/create-phone-call" {
            json!({ "call_id": format!("retell-call-{n}"), "call_status": "registered" })
        } else if path == "/v1/convai/twilio/outbound-call" {
            json!({ "success": true, "message": "ok", "conversation_id": format!("conv-{n}"), "callSid": "CA1" })
        } else {
            json!({ "sid": format!("CA{n}"), "status": "queued" })
        };
        (StatusCode::OK, axum::Json(body))
    };
    match answer {
        Answer::Success => success(),
        Answer::Slow(delay) => {
            tokio::time::sleep(delay).await;
            success()
        }
        Answer::Status(code, body) => (
            StatusCode::from_u16(code).expect("a status"),
            axum::Json(body),
        ),
    }
}

/// A fake provider API on loopback: its base URL and handle.
pub(crate) async fn fake_provider() -> (String, Fake) {
    let fake = Fake {
        received: Arc::default(),
        answer: Arc::new(Mutex::new(Answer::Success)),
    };
    let router = axum::Router::new()
        .fallback(respond)
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{address}"), fake)
}

/// A fixed-offset zone where it is about noon now, so the calling-hours
/// check passes whenever the test runs.
pub(crate) fn noon_zone() -> String {
    let hour = i64::from(Utc::now().hour());
    let east = 12 - hour;
    // `Etc/GMT-3` is three hours east of UTC.
    match east.cmp(&0) {
        std::cmp::Ordering::Equal => "Etc/GMT".to_owned(),
        std::cmp::Ordering::Greater => format!("Etc/GMT-{east}"),
        std::cmp::Ordering::Less => format!("Etc/GMT+{}", -east),
    }
}

pub(crate) async fn gql(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.graphql(Some(token), query, variables).await
}

/// Sets `provider`'s account at `base` (as the owner).
pub(crate) async fn account(app: &TestApp, tenant: &Tenant, provider: &str, input: Value) -> Value {
    let body = gql(
        app,
        &tenant.token(tenant.owner),
        "mutation($p: TelephonyProvider!, $input: ProviderCredentialsInput!) { setProviderCredentials(provider: $p, input: $input) { provider configured baseUrl hasApiKey accountSid hasAuthToken phoneNumberId updatedAt } }",
        json!({ "p": provider, "input": input }),
    )
    .await;
    ok(&body)["setProviderCredentials"].clone()
}

/// A scheduled call to a new lead (at `phone`) by a new agent of
/// `agent_provider`, leaving from a new number at `number_provider`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn scheduled_call(
    app: &TestApp,
    tenant: &Tenant,
    agent_provider: &str,
    external: &str,
    number_provider: &str,
    from: &str,
    from_id: Option<&str>,
    phone: &str,
) -> String {
    let manager = tenant.token(tenant.manager);
    let agent = gql(
        app,
        &manager,
        "mutation($p: AgentProvider!, $x: String!) { createAgent(input: { provider: $p, externalAgentId: $x, name: \"Ava\" }) { id } }",
        json!({ "p": agent_provider, "x": external }),
    )
    .await;
    let agent = ok(&agent)["createAgent"]["id"].clone();
    let number = gql(
        app,
        &manager,
        "mutation($p: TelephonyProvider!, $n: String!, $id: String) { createPhoneNumber(input: { name: \"Out\", phoneNumber: $n, provider: $p, providerPhoneNumberId: $id }) { id } }",
        json!({ "p": number_provider, "n": from, "id": from_id }),
    )
    .await;
    ok(&number);
    schedule(app, tenant, &agent, phone).await
}

/// A call scheduled a minute from now to a new lead at `phone` (about noon
/// where the lead is) by the agent `agent`.
pub(crate) async fn schedule(app: &TestApp, tenant: &Tenant, agent: &Value, phone: &str) -> String {
    schedule_as(app, &tenant.token(tenant.agent), agent, phone).await
}

/// [`schedule`] by the member whose token is `token`.
pub(crate) async fn schedule_as(app: &TestApp, token: &str, agent: &Value, phone: &str) -> String {
    let lead = gql(
        app,
        token,
        "mutation($phone: String!, $tz: String) { createLead(input: { phoneNumber: $phone, firstName: \"Lee\", timezone: $tz }) { id } }",
        json!({ "phone": phone, "tz": noon_zone() }),
    )
    .await;
    let lead = ok(&lead)["createLead"]["id"].clone();
    let call = gql(
        app,
        token,
        "mutation($input: ScheduleOutboundCallInput!) { scheduleOutboundCall(input: $input) { id status } }",
        json!({ "input": { "leadId": lead, "agentId": agent, "scheduledAt": (Utc::now() + chrono::Duration::minutes(1)).to_rfc3339() } }),
    )
    .await;
    assert_eq!(ok(&call)["scheduleOutboundCall"]["status"], "SCHEDULED");
    ok(&call)["scheduleOutboundCall"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

pub(crate) const DIAL: &str =
    "mutation($id: ID!) { dialNow(callId: $id) { id status provider providerCallId endedReason } }";

fn header<'a>(received: &'a Received, name: &str) -> &'a str {
    received
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

async fn each_provider_receives_its_own_request_and_the_call_lands_queued_with_its_id(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "dialer").await;
    let (base, fake) = fake_provider().await;
    let token = acme.token(acme.agent);
    for provider in ["VAPI", "RETELL", "ELEVENLABS"] {
        account(
            &app,
            &acme,
            provider,
            json!({ "apiKey": format!("key-{provider}"), "baseUrl": base }),
        )
        .await;
    }
    let twilio_sid = "AC0123456789abcdef0123456789abcdef";
    account(&app, &acme, "TWILIO", json!({ "accountSid": twilio_sid, "authToken": "tok-twilio", "baseUrl": format!("{base}/") })).await;

    let cases = [
        (
            "VAPI",
            "asst_1",
            "VAPI",
            "+14155550201",
            Some("pn_vapi"),
            "+14155550301",
            "vapi-call-1",
        ),
        (
            "RETELL",
            "agent_r",
            "RETELL",
            "+14155550202",
            None,
            "+14155550302",
            "retell-call-2",
        ),
        (
            "ELEVENLABS",
            "agent_e",
            "ELEVENLABS",
            "+14155550203",
            Some("phnum_11"),
            "+14155550303",
            "conv-3",
        ),
        (
            "OTHER",
            "https://agent.example/twiml",
            "TWILIO",
            "+14155550204",
            None,
            "+14155550304",
            "CA4",
        ),
    ];
    for (n, (agent_provider, external, number_provider, from, from_id, to, provider_id)) in
        cases.into_iter().enumerate()
    {
        let call = scheduled_call(
            &app,
            &acme,
            agent_provider,
            external,
            number_provider,
            from,
            from_id,
            to,
        )
        .await;
        let body = gql(&app, &token, DIAL, json!({ "id": call })).await;
        let placed = &ok(&body)["dialNow"];
        assert_eq!(placed["status"], "QUEUED", "{body}");
        assert_eq!(placed["providerCallId"], provider_id);
        assert_eq!(placed["provider"], number_provider);

        let received = fake.received.lock().expect("lock")[n].clone();
        assert_eq!(received.method, Method::POST);
        match agent_provider {
            "VAPI" => {
                assert_eq!(received.path, "/call");
                assert_eq!(header(&received, "authorization"), "Bearer key-VAPI");
                let body: Value = serde_json::from_str(&received.body).expect("json");
                assert_eq!(body["assistantId"], "asst_1");
                assert_eq!(body["phoneNumberId"], "pn_vapi");
                assert_eq!(body["customer"]["number"], to);
                assert_eq!(body["metadata"]["switchboardCallId"], call);
            }
            "RETELL" => {
                assert_eq!(received.path, "/v2/create-phone-call");
                assert_eq!(header(&received, "authorization"), "Bearer key-RETELL");
                let body: Value = serde_json::from_str(&received.body).expect("json");
                assert_eq!(
                    (
                        &body["from_number"],
                        &body["to_number"],
                        &body["override_agent_id"]
                    ),
                    (&json!(from), &json!(to), &json!("agent_r"))
                );
                assert_eq!(body["metadata"]["switchboardCallId"], call);
            }
            "ELEVENLABS" => {
                assert_eq!(received.path, "/v1/convai/twilio/outbound-call");
                assert_eq!(header(&received, "xi-api-key"), "key-ELEVENLABS");
                let body: Value = serde_json::from_str(&received.body).expect("json");
                assert_eq!(
                    (
                        &body["agent_id"],
                        &body["agent_phone_number_id"],
                        &body["to_number"]
                    ),
                    (&json!("agent_e"), &json!("phnum_11"), &json!(to))
                );
            }
            _ => {
                assert_eq!(
                    received.path,
                    format!("/2010-04-01/Accounts/{twilio_sid}/Calls.json")
                );
                use base64::Engine;
                let basic = base64::engine::general_purpose::STANDARD
                    .encode(format!("{twilio_sid}:tok-twilio"));
                assert_eq!(header(&received, "authorization"), format!("Basic {basic}"));
                assert_eq!(
                    header(&received, "content-type"),
                    "application/x-www-form-urlencoded"
                );
                let form: Vec<(String, String)> =
                    serde_urlencoded::from_str(&received.body).expect("a form");
                let get = |k: &str| {
                    form.iter()
                        .find(|(key, _)| key == k)
                        .map(|(_, v)| v.as_str())
                };
                assert_eq!(get("To"), Some(to));
                assert_eq!(get("From"), Some(from));
                assert_eq!(get("Url"), Some("https://agent.example/twiml"));
            }
        }
    }
    // Placed calls are placed once: dialing one again is CONFLICT and sends nothing.
    let calls = gql(
        &app,
        &token,
        "{ calls(first: 10) { nodes { id status } } }",
        json!({}),
    )
    .await;
    let first = ok(&calls)["calls"]["nodes"][0]["id"].clone();
    let again = gql(&app, &token, DIAL, json!({ "id": first })).await;
    assert_eq!(code(&again), "CONFLICT", "{again}");
    assert_eq!(fake.received.lock().expect("lock").len(), 4);
    // The attempt and the answer are in the call's history.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    use switchboard_entity::call_events;
    let id: uuid::Uuid = first.as_str().expect("id").parse().expect("uuid");
    let events = call_events::Entity::find()
        .filter(call_events::Column::CallId.eq(id))
        .order_by_asc(call_events::Column::Id)
        .all(&app.db.db)
        .await
        .expect("events");
    let kinds: Vec<String> = events
        .iter()
        .map(|e| format!("{}:{:?}", e.kind.as_str(), e.to_status))
        .collect();
    assert!(
        kinds.contains(&"status_changed:Some(Queued)".to_owned()),
        "{kinds:?}"
    );
    let dial: Vec<&str> = events
        .iter()
        .filter_map(|e| e.payload.get("dial").and_then(Value::as_str))
        .collect();
    assert_eq!(dial, vec!["attempt", "placed"], "{kinds:?}");
}

async fn refusals_fail_the_call_and_outages_or_timeouts_keep_it_scheduled(backend: Backend) {
    let config = HttpConfig {
        dial_timeout: Duration::from_millis(700),
        ..HttpConfig::default()
    };
    let app = spawn_app_with(TestDb::migrated(backend).await, config).await;
    let acme = Tenant::create(&app.db.db, "refusals").await;
    let (base, fake) = fake_provider().await;
    let token = acme.token(acme.agent);
    account(
        &app,
        &acme,
        "VAPI",
        json!({ "apiKey": "key", "baseUrl": base, "phoneNumberId": "pn_default" }),
    )
    .await;
    let call = |n: u32| {
        let (app, acme) = (&app, &acme);
        async move {
            let external = format!("asst-{n}");
            scheduled_call(
                app,
                acme,
                "VAPI",
                &external,
                "VAPI",
                &format!("+1415555040{n}"),
                None,
                &format!("+1415555050{n}"),
            )
            .await
        }
    };

    // A 503 and a timeout: PROVIDER_UNAVAILABLE, the call stays scheduled.
    let outage = call(1).await;
    *fake.answer.lock().expect("lock") = Answer::Status(503, json!({ "message": "try later" }));
    let body = gql(&app, &token, DIAL, json!({ "id": outage })).await;
    assert_eq!(code(&body), "PROVIDER_UNAVAILABLE", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("try later"),
        "{body}"
    );
    *fake.answer.lock().expect("lock") = Answer::Slow(Duration::from_secs(3));
    let body = gql(&app, &token, DIAL, json!({ "id": outage })).await;
    assert_eq!(code(&body), "PROVIDER_UNAVAILABLE", "{body}");
    let status = gql(
        &app,
        &token,
        "query($id: ID!) { call(id: $id) { status providerCallId } }",
        json!({ "id": outage }),
    )
    .await;
    assert_eq!(
        ok(&status)["call"],
        json!({ "status": "SCHEDULED", "providerCallId": null })
    );
    // Once the provider is back, the same call is placed, with the
    // account's default phone number id (the number has none).
    *fake.answer.lock().expect("lock") = Answer::Success;
    let body = gql(&app, &token, DIAL, json!({ "id": outage })).await;
    assert_eq!(ok(&body)["dialNow"]["status"], "QUEUED");
    let last = fake
        .received
        .lock()
        .expect("lock")
        .last()
        .cloned()
        .expect("a request");
    let sent: Value = serde_json::from_str(&last.body).expect("json");
    assert_eq!(sent["phoneNumberId"], "pn_default");

    // A refusal fails the call with the provider's words.
    let refused = call(2).await;
    *fake.answer.lock().expect("lock") = Answer::Status(
        400,
        json!({ "message": ["customer.number must be a valid phone number"], "error": "Bad Request" }),
    );
    let body = gql(&app, &token, DIAL, json!({ "id": refused })).await;
    let failed = &ok(&body)["dialNow"];
    assert_eq!(failed["status"], "FAILED", "{body}");
    assert!(
        failed["endedReason"]
            .as_str()
            .unwrap_or("")
            .contains("customer.number must be a valid phone number"),
        "{body}"
    );
    assert_eq!(failed["providerCallId"], Value::Null);
}

async fn the_gate_runs_again_at_dial_time_and_other_organizations_are_out_of_reach(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "gate").await;
    let (base, fake) = fake_provider().await;
    let token = acme.token(acme.agent);
    account(
        &app,
        &acme,
        "RETELL",
        json!({ "apiKey": "key", "baseUrl": base }),
    )
    .await;
    let call = scheduled_call(
        &app,
        &acme,
        "RETELL",
        "agent",
        "RETELL",
        "+14155550601",
        None,
        "+14155550602",
    )
    .await;

    // Another organization cannot dial it (nor learn it exists).
    let other = Tenant::create(&app.db.db, "gate-elsewhere").await;
    let body = gql(&app, &other.token(other.owner), DIAL, json!({ "id": call })).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    // A viewer may not dial.
    let body = gql(&app, &acme.token(acme.viewer), DIAL, json!({ "id": call })).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");

    // The number went on the DNC list after the call was scheduled.
    let dnc = gql(
        &app,
        &acme.token(acme.manager),
        r#"mutation { addDncEntry(input: { phoneNumber: "+14155550602", reason: "asked" }) { id } }"#,
        json!({}),
    )
    .await;
    ok(&dnc);
    let body = gql(&app, &token, DIAL, json!({ "id": call })).await;
    assert_eq!(code(&body), "DIAL_BLOCKED", "{body}");
    let status = gql(
        &app,
        &token,
        "query($id: ID!) { call(id: $id) { status } }",
        json!({ "id": call }),
    )
    .await;
    assert_eq!(ok(&status)["call"]["status"], "SCHEDULED");
    assert!(
        fake.received.lock().expect("lock").is_empty(),
        "nothing was dialed"
    );

    // A call whose agent's provider has no account is refused before any request.
    let call = scheduled_call(
        &app,
        &acme,
        "VAPI",
        "asst",
        "VAPI",
        "+14155550603",
        Some("pn"),
        "+14155550604",
    )
    .await;
    let body = gql(&app, &token, DIAL, json!({ "id": call })).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "callId");
    assert!(fake.received.lock().expect("lock").is_empty());
}

async fn provider_accounts_are_for_admins_and_never_read_back(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "accounts").await;
    let set = "mutation($p: TelephonyProvider!, $input: ProviderCredentialsInput!) { setProviderCredentials(provider: $p, input: $input) { provider configured hasApiKey } }";
    let body = gql(
        &app,
        &acme.token(acme.manager),
        set,
        json!({ "p": "VAPI", "input": { "apiKey": "k" } }),
    )
    .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    for (provider, input, field) in [
        ("OTHER", json!({ "apiKey": "k" }), "provider"),
        (
            "VAPI",
            json!({ "baseUrl": "https://api.example" }),
            "input.apiKey",
        ),
        ("TWILIO", json!({ "accountSid": "AC1" }), "input.authToken"),
        (
            "VAPI",
            json!({ "apiKey": "k", "baseUrl": "ftp://x" }),
            "input.baseUrl",
        ),
        ("VAPI", json!({ "apiKey": "has space" }), "input.apiKey"),
        ("VAPI", json!({ "apiKey": "k".repeat(501) }), "input.apiKey"),
    ] {
        let body = gql(
            &app,
            &acme.token(acme.owner),
            set,
            json!({ "p": provider, "input": input }),
        )
        .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let secret = "sk-live-abcdef0123456789";
    let saved = account(&app, &acme, "VAPI", json!({ "apiKey": secret })).await;
    assert_eq!(saved["configured"], true);
    assert_eq!(saved["baseUrl"], "https://api.vapi.ai");
    // Changing one field keeps the others.
    let saved = account(&app, &acme, "VAPI", json!({ "phoneNumberId": "pn_1" })).await;
    assert_eq!(
        (saved["hasApiKey"].clone(), saved["phoneNumberId"].clone()),
        (json!(true), json!("pn_1"))
    );

    let listed = gql(
        &app,
        &acme.token(acme.manager),
        "{ providerCredentials { provider configured hasApiKey hasAuthToken accountSid baseUrl } }",
        json!({}),
    )
    .await;
    let listed = ok(&listed)["providerCredentials"].clone();
    assert_eq!(listed.as_array().map(Vec::len), Some(4));
    assert_eq!(listed[0]["provider"], "VAPI");
    assert_eq!(listed[0]["configured"], true);
    assert_eq!(listed[3]["configured"], false);
    assert!(
        !listed.to_string().contains(secret),
        "the key is never read back"
    );
    let body = gql(
        &app,
        &acme.token(acme.agent),
        "{ providerCredentials { provider } }",
        json!({}),
    )
    .await;
    assert_eq!(code(&body), "FORBIDDEN");
    // Stored sealed, and audited without the value.
    use sea_orm::{ConnectionTrait, Statement};
    let rows = app
        .db
        .db
        .query_all_raw(Statement::from_string(
            app.db.db.get_database_backend(),
            "SELECT value FROM system_config WHERE key LIKE 'providers.%'".to_owned(),
        ))
        .await
        .expect("read");
    assert_eq!(rows.len(), 1);
    let stored: String = rows[0].try_get_by_index(0).expect("value");
    assert!(
        !stored.contains(secret) && !stored.contains("pn_1"),
        "{stored}"
    );
    let audit = app
        .db
        .db
        .query_all_raw(Statement::from_string(
            app.db.db.get_database_backend(),
            "SELECT details FROM admin_audit_log WHERE action = 'provider_account.set'".to_owned(),
        ))
        .await
        .expect("read");
    assert_eq!(audit.len(), 2);
}

async fn a_webhook_that_comes_before_the_providers_answer_names_the_call(backend: Backend) {
    let config = HttpConfig {
        dial_timeout: Duration::from_millis(1500),
        ..HttpConfig::default()
    };
    let app = spawn_app_with(TestDb::migrated(backend).await, config).await;
    let acme = Tenant::create(&app.db.db, "early").await;
    let (base, fake) = fake_provider().await;
    account(
        &app,
        &acme,
        "VAPI",
        json!({ "apiKey": "key", "baseUrl": base, "phoneNumberId": "pn" }),
    )
    .await;
    let secret = "whsec_early_0123456789";
    let set = gql(
        &app,
        &acme.token(acme.admin),
        "mutation($s: String!) { setWebhookSecret(provider: VAPI, secret: $s) { configured } }",
        json!({ "s": secret }),
    )
    .await;
    ok(&set);
    let call = scheduled_call(
        &app,
        &acme,
        "VAPI",
        "asst",
        "VAPI",
        "+14155550901",
        None,
        "+14155550902",
    )
    .await;
    // The provider takes the call, reports it ringing, and its answer to
    // the request never arrives in time.
    *fake.answer.lock().expect("lock") = Answer::Slow(Duration::from_secs(4));
    let token = acme.token(acme.agent);
    let dial = gql(&app, &token, DIAL, json!({ "id": call }));
    let webhook = async {
        for _ in 0..100 {
            if !fake.received.lock().expect("lock").is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let update = json!({ "message": {
            "type": "status-update", "status": "ringing",
            "call": { "id": "vapi-early-1", "type": "outboundPhoneCall",
                      "metadata": { "switchboardCallId": call },
                      "customer": { "number": "+14155550902" } }
        }});
        app.client
            .post(format!("{}/webhooks/vapi?org=early", app.base_url))
            .header("content-type", "application/json")
            .header("x-vapi-secret", secret)
            .body(update.to_string())
            .send()
            .await
            .expect("sent")
            .json::<Value>()
            .await
            .expect("json")
    };
    let (dialed, delivered) = tokio::join!(dial, webhook);
    assert_eq!(delivered["callCreated"], false, "{delivered}");
    let placed = &ok(&dialed)["dialNow"];
    assert_eq!(placed["status"], "RINGING", "{dialed}");
    assert_eq!(placed["providerCallId"], "vapi-early-1");
    let calls = gql(
        &app,
        &token,
        "{ calls(first: 10) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(ok(&calls)["calls"]["totalCount"], 1, "no second call");
}

async fn calls_leave_from_the_number_with_the_fewest_calls_going(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "rotation").await;
    let (base, fake) = fake_provider().await;
    account(
        &app,
        &acme,
        "VAPI",
        json!({ "apiKey": "key", "baseUrl": base }),
    )
    .await;
    let first = scheduled_call(
        &app,
        &acme,
        "VAPI",
        "asst",
        "VAPI",
        "+14155551001",
        Some("pn_a"),
        "+14155551101",
    )
    .await;
    let number = gql(
        &app,
        &acme.token(acme.manager),
        "mutation { createPhoneNumber(input: { name: \"Second\", phoneNumber: \"+14155551002\", provider: VAPI, providerPhoneNumberId: \"pn_b\" }) { id } }",
        json!({}),
    )
    .await;
    ok(&number);
    let agents = gql(
        &app,
        &acme.token(acme.agent),
        "{ agents { id } }",
        json!({}),
    )
    .await;
    let agent = ok(&agents)["agents"][0]["id"].clone();
    let second = schedule(&app, &acme, &agent, "+14155551102").await;
    let third = schedule(&app, &acme, &agent, "+14155551103").await;
    let token = acme.token(acme.agent);
    for call in [&first, &second, &third] {
        let body = gql(&app, &token, DIAL, json!({ "id": call })).await;
        assert_eq!(ok(&body)["dialNow"]["status"], "QUEUED", "{body}");
    }
    let used: Vec<String> = fake
        .received
        .lock()
        .expect("lock")
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).expect("json");
            body["phoneNumberId"].as_str().expect("a number").to_owned()
        })
        .collect();
    // Both idle: the older; then the idle one; then, one call each, the older.
    assert_eq!(used, vec!["pn_a", "pn_b", "pn_a"]);
}
