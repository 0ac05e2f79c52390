//! Calls through GraphQL: creation, scheduling behind the compliance gate,
//! the status machine, outcomes, transcripts and analyses.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use switchboard_entity::enums::{
    AgentProvider, AgentType, CallEventKind, CallEventSource, CallStatus, CallType, CampaignStatus,
    CrmStage, TelephonyProvider,
};
use switchboard_entity::{
    agents, call_events, calls, campaigns, lead_analytics, leads, organizations, phone_numbers,
    system_config, transcripts,
};
use switchboard_tests::{Backend, Tenant, TestApp, code, ok, on_both_backends, spawn_app};
use uuid::Uuid;

on_both_backends!(
    create_call_records_the_call_and_its_created_event,
    create_call_refuses_foreign_references_bad_input_and_the_wrong_callers,
    dial_eligibility_is_clean_for_a_lead_in_calling_hours,
    dial_eligibility_reads_credits_per_minute_from_the_configuration,
    schedule_outbound_call_is_blocked_for_each_reason_and_writes_nothing,
    schedule_outbound_call_schedules_a_clean_call,
    update_call_status_starts_ends_and_bills_the_call,
    update_call_status_refuses_illegal_moves_and_ignores_repeats,
    unconnected_calls_are_not_billed,
    record_call_outcome_records_seed_003_fields_and_closes,
    record_call_outcome_checks_every_range,
    attach_transcript_replaces_the_previous_one,
    record_call_analysis_upserts_one_analysis_per_call,
    another_organization_viewers_and_strangers_touch_no_call,
);

const CALL_FIELDS: &str = "id status outcome crmStage trafficSource leadSource callType callSource \
    phoneNumber scheduledAt startedAt endedAt durationSeconds billedMinutes creditsUsed purpose \
    notes lead { id } agent { id } campaign { id }";

/// 2026-12-15 18:00 UTC: 10:00 in Los Angeles, 12:00 in Chicago, 13:00 in New York.
fn in_hours() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 15, 18, 0, 0).unwrap()
}

/// 2026-12-15 12:00 UTC: 04:00 in Los Angeles.
fn before_hours() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 15, 12, 0, 0).unwrap()
}

fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("an error with a field: {body}"))
}

fn message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or_default()
}

fn uuid(value: &Value) -> Uuid {
    Uuid::parse_str(value.as_str().expect("an id")).expect("a uuid")
}

fn time(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().expect("a time"))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

async fn create_lead(app: &TestApp, token: &str, input: Value) -> Uuid {
    let body = app
        .graphql(
            Some(token),
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await;
    uuid(&ok(&body)["createLead"]["id"])
}

async fn create_call(app: &TestApp, token: &str, input: Value) -> Value {
    let body = app
        .graphql(
            Some(token),
            &format!(
                "mutation($input: CreateCallInput!) {{ createCall(input: $input) {{ {CALL_FIELDS} }} }}"
            ),
            json!({ "input": input }),
        )
        .await;
    ok(&body)["createCall"].clone()
}

async fn update_status(
    app: &TestApp,
    token: &str,
    id: &Value,
    status: &str,
    at: Option<DateTime<Utc>>,
) -> Value {
    app.graphql(
        Some(token),
        &format!(
            "mutation($id: ID!, $status: CallStatus!, $at: DateTime) {{ updateCallStatus(id: $id, status: $status, at: $at) {{ {CALL_FIELDS} }} }}"
        ),
        json!({ "id": id, "status": status, "at": at.map(|t| t.to_rfc3339()) }),
    )
    .await
}

async fn agent(app: &TestApp, organization: Uuid, name: &str) -> Uuid {
    let now = Utc::now();
    agents::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization),
        created_by: Set(None),
        provider: Set(AgentProvider::Vapi),
        external_agent_id: Set(format!("ext-{name}")),
        name: Set(name.to_owned()),
        agent_type: Set(AgentType::Call),
        description: Set(None),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db.db)
    .await
    .expect("agent")
    .id
}

async fn campaign(
    app: &TestApp,
    organization: Uuid,
    name: &str,
    window: Option<(u32, u32)>,
) -> Uuid {
    let now = Utc::now();
    let hour = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    campaigns::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization),
        name: Set(name.to_owned()),
        description: Set(None),
        call_type: Set(CallType::OutboundCampaign),
        agent_id: Set(None),
        phone_number_id: Set(None),
        status: Set(CampaignStatus::Active),
        calling_window_start: Set(window.map(|(s, _)| hour(s))),
        calling_window_end: Set(window.map(|(_, e)| hour(e))),
        timezone: Set(None),
        starts_at: Set(None),
        ends_at: Set(None),
        segment_id: Set(None),
        max_concurrent_calls: Set(None),
        calls_per_minute: Set(None),
        max_attempts: Set(1),
        retry_after_minutes: Set(240),
        created_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db.db)
    .await
    .expect("campaign")
    .id
}

async fn from_number(app: &TestApp, organization: Uuid, number: &str) -> Uuid {
    let now = Utc::now();
    phone_numbers::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization),
        name: Set("Main line".into()),
        phone_number: Set(number.to_owned()),
        provider: Set(TelephonyProvider::Twilio),
        provider_phone_number_id: Set(None),
        assigned_to_user_id: Set(None),
        created_by: Set(None),
        is_active: Set(true),
        max_concurrent_calls: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db.db)
    .await
    .expect("phone number")
    .id
}

async fn set_balance(app: &TestApp, organization: Uuid, balance: i64) {
    organizations::ActiveModel {
        id: Set(organization),
        credit_balance: Set(balance),
        ..Default::default()
    }
    .update(&app.db.db)
    .await
    .expect("balance set");
}

async fn set_config(app: &TestApp, organization: Option<Uuid>, key: &str, value: &str) {
    let now = Utc::now();
    system_config::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization),
        key: Set(key.to_owned()),
        value: Set(value.to_owned()),
        is_encrypted: Set(false),
        description: Set(None),
        updated_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db.db)
    .await
    .expect("config row");
}

async fn events(app: &TestApp, call: Uuid) -> Vec<call_events::Model> {
    call_events::Entity::find()
        .filter(call_events::Column::CallId.eq(call))
        .order_by_asc(call_events::Column::CreatedAt)
        .order_by_asc(call_events::Column::Id)
        .all(&app.db.db)
        .await
        .expect("events")
}

async fn call_count(app: &TestApp) -> u64 {
    calls::Entity::find()
        .count(&app.db.db)
        .await
        .expect("count")
}

fn reason_codes(reasons: &Value) -> Vec<&str> {
    reasons
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r["code"].as_str().expect("a code"))
        .collect()
}

async fn create_call_records_the_call_and_its_created_event(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.agent);
    let lead = create_lead(
        &app,
        &token,
        json!({ "phoneNumber": "+14155550101", "source": "facebook", "timezone": "America/Chicago" }),
    )
    .await;
    let agent = agent(&app, acme.organization_id, "Ava").await;
    let campaign = campaign(&app, acme.organization_id, "Winter", None).await;
    let number = from_number(&app, acme.organization_id, "+14155559001").await;

    let call = create_call(
        &app,
        &token,
        json!({
            "leadId": lead, "agentId": agent, "campaignId": campaign, "phoneNumberId": number,
            "callSource": "PHONE", "scheduledAt": in_hours().to_rfc3339(),
            "purpose": "Book a cleaning", "notes": "  prefers mornings  "
        }),
    )
    .await;

    assert_eq!(call["status"], "SCHEDULED");
    assert_eq!(call["crmStage"], "SCHEDULED");
    assert_eq!(call["callType"], "OUTBOUND_LEAD");
    assert_eq!(call["callSource"], "PHONE");
    assert_eq!(
        call["trafficSource"], "META",
        "the lead's facebook source is Meta"
    );
    assert_eq!(call["leadSource"], "facebook");
    assert_eq!(call["phoneNumber"], "+14155550101");
    assert_eq!(call["purpose"], "Book a cleaning");
    assert_eq!(call["notes"], "prefers mornings");
    assert_eq!(time(&call["scheduledAt"]), in_hours());
    assert_eq!(uuid(&call["lead"]["id"]), lead);
    assert_eq!(uuid(&call["agent"]["id"]), agent);
    assert_eq!(uuid(&call["campaign"]["id"]), campaign);
    assert_eq!(call["billedMinutes"], Value::Null);

    let id = uuid(&call["id"]);
    assert_eq!(id.get_version_num(), 7, "ids are UUID v7");
    let row = calls::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("the call is stored");
    assert_eq!(row.organization_id, acme.organization_id);
    assert_eq!(row.from_phone_number_id, Some(number));
    assert_eq!(row.user_id, Some(acme.agent));
    let log = events(&app, id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].kind, CallEventKind::Created);
    assert_eq!(log[0].source, CallEventSource::Api);
    assert_eq!(log[0].actor_user_id, Some(acme.agent));
    assert_eq!(log[0].from_status, None);
    assert_eq!(log[0].to_status, Some(CallStatus::Scheduled));
    assert_eq!(log[0].organization_id, acme.organization_id);

    // A bare number, an appointment source that decides the traffic, and
    // an explicit status.
    let inbound = create_call(
        &app,
        &token,
        json!({
            "phoneNumber": "(415) 555-0177", "callType": "INBOUND", "status": "IN_PROGRESS",
            "sourceOfSetAppointment": "EMAIL", "leadSource": "facebook"
        }),
    )
    .await;
    assert_eq!(inbound["phoneNumber"], "+14155550177");
    assert_eq!(inbound["lead"], Value::Null);
    assert_eq!(inbound["callType"], "INBOUND");
    assert_eq!(inbound["callSource"], "UNKNOWN");
    assert_eq!(inbound["status"], "IN_PROGRESS");
    assert_eq!(inbound["crmStage"], "IN_PROGRESS");
    assert_eq!(
        inbound["trafficSource"], "ORGANIC",
        "the appointment source wins over the lead source"
    );
    let explicit = create_call(
        &app,
        &token,
        json!({ "leadId": lead, "trafficSource": "ORGANIC" }),
    )
    .await;
    assert_eq!(explicit["trafficSource"], "ORGANIC");
    assert_eq!(call_count(&app).await, 3);
    assert_eq!(
        call_events::Entity::find()
            .count(&app.db.db)
            .await
            .expect("count"),
        3
    );
}

async fn create_call_refuses_foreign_references_bad_input_and_the_wrong_callers(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let other = Tenant::create(&app.db.db, "other").await;
    let token = acme.token(acme.agent);
    let mutation = "mutation($input: CreateCallInput!) { createCall(input: $input) { id } }";
    let foreign_lead = create_lead(
        &app,
        &other.token(other.agent),
        json!({ "phoneNumber": "+14155550102" }),
    )
    .await;
    let foreign_agent = agent(&app, other.organization_id, "Otto").await;
    let foreign_campaign = campaign(&app, other.organization_id, "Theirs", None).await;
    let foreign_number = from_number(&app, other.organization_id, "+14155559002").await;

    for (input, entity) in [
        (json!({ "leadId": foreign_lead }), "lead"),
        (
            json!({ "phoneNumber": "+14155550103", "agentId": foreign_agent }),
            "agent",
        ),
        (
            json!({ "phoneNumber": "+14155550103", "campaignId": foreign_campaign }),
            "campaign",
        ),
        (
            json!({ "phoneNumber": "+14155550103", "phoneNumberId": foreign_number }),
            "phone number",
        ),
    ] {
        let body = app
            .graphql(Some(&token), mutation, json!({ "input": input }))
            .await;
        assert_eq!(code(&body), "NOT_FOUND", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["entity"], entity);
    }

    let neither = app
        .graphql(Some(&token), mutation, json!({ "input": {} }))
        .await;
    assert_eq!(code(&neither), "BAD_USER_INPUT");
    assert_eq!(field(&neither), "input.phoneNumber");
    let bad_phone = app
        .graphql(
            Some(&token),
            mutation,
            json!({ "input": { "phoneNumber": "nope" } }),
        )
        .await;
    assert_eq!(code(&bad_phone), "BAD_USER_INPUT");
    assert_eq!(field(&bad_phone), "input.phoneNumber");
    let bad_id = app
        .graphql(
            Some(&token),
            mutation,
            json!({ "input": { "leadId": "not-a-uuid" } }),
        )
        .await;
    assert_eq!(field(&bad_id), "input.leadId");

    let input = json!({ "input": { "phoneNumber": "+14155550103" } });
    let viewer = app
        .graphql(Some(&acme.token(acme.viewer)), mutation, input.clone())
        .await;
    assert_eq!(code(&viewer), "FORBIDDEN");
    let anonymous = app.graphql(None, mutation, input).await;
    assert_eq!(code(&anonymous), "UNAUTHENTICATED");
    assert_eq!(call_count(&app).await, 0, "nothing was written");
}

async fn dial_eligibility_is_clean_for_a_lead_in_calling_hours(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let lead = create_lead(
        &app,
        &acme.token(acme.agent),
        json!({ "phoneNumber": "+14155550104", "timezone": "America/Chicago" }),
    )
    .await;
    let window = campaign(&app, acme.organization_id, "Midday", Some((11, 14))).await;
    let query = "query($leadId: ID, $phoneNumber: String, $campaignId: ID, $at: DateTime) { \
        dialEligibility(leadId: $leadId, phoneNumber: $phoneNumber, campaignId: $campaignId, at: $at) { \
        eligible reasons { code message } phoneNumber timezone localTime } }";
    // Reading is enough: a viewer may ask.
    let viewer = acme.token(acme.viewer);

    let body = app
        .graphql(
            Some(&viewer),
            query,
            json!({ "leadId": lead, "campaignId": window, "at": in_hours().to_rfc3339() }),
        )
        .await;
    let answer = &ok(&body)["dialEligibility"];
    assert_eq!(answer["eligible"], true);
    assert_eq!(answer["reasons"], json!([]));
    assert_eq!(answer["phoneNumber"], "+14155550104");
    assert_eq!(answer["timezone"], "America/Chicago");
    assert_eq!(answer["localTime"], "12:00:00");

    // A bare number takes the zone of its lead; an unknown one the organization's.
    let by_number = app
        .graphql(
            Some(&viewer),
            query,
            json!({ "phoneNumber": "(415) 555-0104", "at": in_hours().to_rfc3339() }),
        )
        .await;
    assert_eq!(
        ok(&by_number)["dialEligibility"]["timezone"],
        "America/Chicago"
    );
    let stranger = app
        .graphql(
            Some(&viewer),
            query,
            json!({ "phoneNumber": "+14155550999", "at": in_hours().to_rfc3339() }),
        )
        .await;
    let stranger = &ok(&stranger)["dialEligibility"];
    assert_eq!(stranger["eligible"], true);
    assert_eq!(stranger["timezone"], "America/New_York");
    assert_eq!(stranger["localTime"], "13:00:00");

    // `at` defaults to now: the answer comes back either way.
    let now = app
        .graphql(Some(&viewer), query, json!({ "leadId": lead }))
        .await;
    assert!(ok(&now)["dialEligibility"]["eligible"].is_boolean());

    let both = app
        .graphql(
            Some(&viewer),
            query,
            json!({ "leadId": lead, "phoneNumber": "+14155550104" }),
        )
        .await;
    assert_eq!(code(&both), "BAD_USER_INPUT");
    let neither = app.graphql(Some(&viewer), query, json!({})).await;
    assert_eq!(code(&neither), "BAD_USER_INPUT");
    let anonymous = app.graphql(None, query, json!({ "leadId": lead })).await;
    assert_eq!(code(&anonymous), "UNAUTHENTICATED");
    let other = Tenant::create(&app.db.db, "other").await;
    let foreign = app
        .graphql(
            Some(&other.token(other.viewer)),
            query,
            json!({ "leadId": lead }),
        )
        .await;
    assert_eq!(code(&foreign), "NOT_FOUND");
}

async fn dial_eligibility_reads_credits_per_minute_from_the_configuration(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let lead = create_lead(
        &app,
        &acme.token(acme.agent),
        json!({ "phoneNumber": "+14155550105" }),
    )
    .await;
    let query = "query($leadId: ID, $at: DateTime) { dialEligibility(leadId: $leadId, at: $at) { eligible reasons { code message } } }";
    let ask = || async {
        let body = app
            .graphql(
                Some(&acme.token(acme.agent)),
                query,
                json!({ "leadId": lead, "at": in_hours().to_rfc3339() }),
            )
            .await;
        ok(&body)["dialEligibility"].clone()
    };

    set_balance(&app, acme.organization_id, 2).await;
    assert_eq!(
        ask().await["eligible"],
        true,
        "the default is 1 credit a minute"
    );

    set_config(&app, None, "credits_per_minute", "3").await;
    let global = ask().await;
    assert_eq!(
        reason_codes(&global["reasons"]),
        vec!["INSUFFICIENT_CREDITS"]
    );
    assert!(
        global["reasons"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("(3 credits)"),
        "{global}"
    );

    set_config(&app, Some(acme.organization_id), "credits_per_minute", "2").await;
    assert_eq!(
        ask().await["eligible"],
        true,
        "the organization's value wins"
    );
}

async fn schedule_outbound_call_is_blocked_for_each_reason_and_writes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.agent);
    let listed = create_lead(
        &app,
        &token,
        json!({ "phoneNumber": "+14155550106", "timezone": "America/Los_Angeles" }),
    )
    .await;
    let clean = create_lead(
        &app,
        &token,
        json!({ "phoneNumber": "+14155550107", "timezone": "America/Los_Angeles" }),
    )
    .await;
    let dnc = app
        .graphql(
            Some(&acme.token(acme.manager)),
            r#"mutation { addDncEntry(input: { phoneNumber: "+14155550106", reason: "asked" }) { id } }"#,
            json!({}),
        )
        .await;
    ok(&dnc);
    let window = campaign(&app, acme.organization_id, "Late mornings", Some((11, 17))).await;
    let mutation = "mutation($input: ScheduleOutboundCallInput!) { scheduleOutboundCall(input: $input) { id } }";
    let schedule = |lead: Uuid, at: DateTime<Utc>, campaign: Option<Uuid>| {
        let token = token.clone();
        let app = &app;
        async move {
            app.graphql(
                Some(&token),
                mutation,
                json!({ "input": { "leadId": lead, "scheduledAt": at.to_rfc3339(), "campaignId": campaign } }),
            )
            .await
        }
    };
    let reasons = |body: &Value| -> Vec<String> {
        assert_eq!(code(body), "DIAL_BLOCKED", "{body}");
        body["errors"][0]["extensions"]["reasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .map(|r| {
                assert!(r["message"].as_str().is_some_and(|m| !m.is_empty()));
                r["code"].as_str().expect("a code").to_owned()
            })
            .collect()
    };

    let on_dnc = schedule(listed, in_hours(), None).await;
    assert_eq!(reasons(&on_dnc), vec!["ON_DNC_LIST"]);
    assert!(message(&on_dnc).contains("do-not-call"), "{on_dnc}");

    let too_early = schedule(clean, before_hours(), None).await;
    assert_eq!(reasons(&too_early), vec!["OUTSIDE_CALLING_HOURS"]);
    assert!(
        message(&too_early).contains("04:00 in America/Los_Angeles"),
        "{too_early}"
    );

    let outside_window = schedule(clean, in_hours(), Some(window)).await;
    assert_eq!(reasons(&outside_window), vec!["OUTSIDE_CAMPAIGN_WINDOW"]);

    set_balance(&app, acme.organization_id, 0).await;
    let broke = schedule(clean, in_hours(), None).await;
    assert_eq!(reasons(&broke), vec!["INSUFFICIENT_CREDITS"]);

    let everything = schedule(listed, before_hours(), Some(window)).await;
    assert_eq!(
        reasons(&everything),
        vec![
            "ON_DNC_LIST",
            "OUTSIDE_CALLING_HOURS",
            "OUTSIDE_CAMPAIGN_WINDOW",
            "INSUFFICIENT_CREDITS"
        ]
    );
    assert_eq!(call_count(&app).await, 0, "a blocked call is not written");
    assert_eq!(
        call_events::Entity::find()
            .count(&app.db.db)
            .await
            .expect("count"),
        0
    );

    // dialEligibility asks the same gate and gives the same answer.
    let body = app
        .graphql(
            Some(&token),
            "query($leadId: ID, $campaignId: ID, $at: DateTime) { dialEligibility(leadId: $leadId, campaignId: $campaignId, at: $at) { eligible reasons { code } localTime timezone } }",
            json!({ "leadId": listed, "campaignId": window, "at": before_hours().to_rfc3339() }),
        )
        .await;
    let answer = &ok(&body)["dialEligibility"];
    assert_eq!(answer["eligible"], false);
    assert_eq!(
        reason_codes(&answer["reasons"]),
        reasons(&everything)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    assert_eq!(answer["localTime"], "04:00:00");
    assert_eq!(answer["timezone"], "America/Los_Angeles");
}

async fn schedule_outbound_call_schedules_a_clean_call(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.agent);
    let lead = create_lead(
        &app,
        &token,
        json!({ "phoneNumber": "+14155550108", "timezone": "America/Los_Angeles", "source": "instagram" }),
    )
    .await;
    let agent = agent(&app, acme.organization_id, "Ava").await;
    let window = campaign(&app, acme.organization_id, "Mornings", Some((9, 12))).await;
    let mutation = format!(
        "mutation($input: ScheduleOutboundCallInput!) {{ scheduleOutboundCall(input: $input) {{ {CALL_FIELDS} }} }}"
    );

    let body = app
        .graphql(
            Some(&token),
            &mutation,
            json!({ "input": {
                "leadId": lead, "agentId": agent, "campaignId": window,
                "scheduledAt": in_hours().to_rfc3339(), "purpose": "Follow up",
                "callType": "OUTBOUND_FOLLOWUP"
            } }),
        )
        .await;

    let call = &ok(&body)["scheduleOutboundCall"];
    assert_eq!(call["status"], "SCHEDULED");
    assert_eq!(call["crmStage"], "SCHEDULED");
    assert_eq!(call["callType"], "OUTBOUND_FOLLOWUP");
    assert_eq!(call["trafficSource"], "META");
    assert_eq!(call["phoneNumber"], "+14155550108");
    assert_eq!(call["purpose"], "Follow up");
    assert_eq!(time(&call["scheduledAt"]), in_hours());
    assert_eq!(uuid(&call["lead"]["id"]), lead);
    assert_eq!(uuid(&call["agent"]["id"]), agent);
    assert_eq!(uuid(&call["campaign"]["id"]), window);
    let id = uuid(&call["id"]);
    let log = events(&app, id).await;
    assert_eq!(
        log.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![CallEventKind::Created]
    );
    assert_eq!(log[0].actor_user_id, Some(acme.agent));

    let inbound = app
        .graphql(
            Some(&token),
            &mutation,
            json!({ "input": { "leadId": lead, "scheduledAt": in_hours().to_rfc3339(), "callType": "INBOUND" } }),
        )
        .await;
    assert_eq!(code(&inbound), "BAD_USER_INPUT");
    assert_eq!(field(&inbound), "input.callType");
    let viewer = app
        .graphql(
            Some(&acme.token(acme.viewer)),
            &mutation,
            json!({ "input": { "leadId": lead, "scheduledAt": in_hours().to_rfc3339() } }),
        )
        .await;
    assert_eq!(code(&viewer), "FORBIDDEN");
    assert_eq!(call_count(&app).await, 1);
}

async fn update_call_status_starts_ends_and_bills_the_call(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.agent);
    let lead = create_lead(&app, &token, json!({ "phoneNumber": "+14155550109" })).await;
    set_config(&app, Some(acme.organization_id), "credits_per_minute", "3").await;
    let call = create_call(&app, &token, json!({ "leadId": lead })).await;
    let id = uuid(&call["id"]);
    let start = Utc.with_ymd_and_hms(2026, 11, 20, 15, 0, 0).unwrap();
    let end = start + Duration::seconds(61);

    let ringing = update_status(
        &app,
        &token,
        &call["id"],
        "RINGING",
        Some(start - Duration::seconds(5)),
    )
    .await;
    assert_eq!(ok(&ringing)["updateCallStatus"]["startedAt"], Value::Null);

    let statements = app.statements();
    let live = update_status(&app, &token, &call["id"], "IN_PROGRESS", Some(start)).await;
    let live = &ok(&live)["updateCallStatus"];
    if backend == Backend::Postgres {
        assert!(
            app.statements_since(statements)
                .iter()
                .any(|sql| sql.contains(r#"FROM "calls""#) && sql.ends_with("FOR UPDATE")),
            "the call's row is locked while it changes"
        );
    }
    assert_eq!(live["status"], "IN_PROGRESS");
    assert_eq!(live["crmStage"], "IN_PROGRESS");
    assert_eq!(time(&live["startedAt"]), start);
    assert_eq!(live["endedAt"], Value::Null);

    let done = update_status(&app, &token, &call["id"], "COMPLETED", Some(end)).await;
    let done = &ok(&done)["updateCallStatus"];
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["crmStage"], "COMPLETED");
    assert_eq!(time(&done["startedAt"]), start);
    assert_eq!(time(&done["endedAt"]), end);
    assert_eq!(done["durationSeconds"], 61);
    assert_eq!(done["billedMinutes"], 2, "61 seconds bill 2 minutes");
    assert_eq!(done["creditsUsed"], 6, "2 minutes at 3 credits");

    let row = calls::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("call");
    assert_eq!(row.status, CallStatus::Completed);
    assert_eq!(row.duration_seconds, Some(61));
    assert_eq!(row.billed_minutes, Some(2));
    assert_eq!(row.credits_used, 6);
    assert_eq!(row.ended_at, Some(end));
    let lead_row = leads::Entity::find_by_id(lead)
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("lead");
    assert_eq!(
        lead_row.last_contact_at,
        Some(end),
        "the lead was contacted"
    );
    let balance = organizations::Entity::find_by_id(acme.organization_id)
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("organization")
        .credit_balance;
    assert_eq!(balance, 1_000 - 6, "the call's credits are debited");

    let log = events(&app, id).await;
    let moves: Vec<_> = log
        .iter()
        .map(|e| (e.kind, e.from_status, e.to_status))
        .collect();
    assert_eq!(
        moves,
        vec![
            (CallEventKind::Created, None, Some(CallStatus::Scheduled)),
            (
                CallEventKind::StatusChanged,
                Some(CallStatus::Scheduled),
                Some(CallStatus::Ringing)
            ),
            (
                CallEventKind::StatusChanged,
                Some(CallStatus::Ringing),
                Some(CallStatus::InProgress)
            ),
            (
                CallEventKind::StatusChanged,
                Some(CallStatus::InProgress),
                Some(CallStatus::Completed)
            ),
        ]
    );
    assert!(
        log.iter()
            .all(|e| e.source == CallEventSource::Api && e.actor_user_id == Some(acme.agent))
    );
    assert_eq!(log[3].occurred_at, end);
    assert_eq!(log[3].payload["billed_minutes"], 2);
}

async fn update_call_status_refuses_illegal_moves_and_ignores_repeats(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.agent);
    let call = create_call(&app, &token, json!({ "phoneNumber": "+14155550110" })).await;
    let id = uuid(&call["id"]);
    ok(&update_status(&app, &token, &call["id"], "COMPLETED", None).await);
    let before = calls::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("call");

    let again = update_status(&app, &token, &call["id"], "COMPLETED", None).await;
    assert_eq!(ok(&again)["updateCallStatus"]["status"], "COMPLETED");
    let after = calls::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("call");
    assert_eq!(after, before, "a repeated status writes nothing");
    assert_eq!(events(&app, id).await.len(), 2, "created and one change");

    let back = update_status(&app, &token, &call["id"], "RINGING", None).await;
    assert_eq!(code(&back), "BAD_USER_INPUT");
    assert_eq!(field(&back), "status");
    assert!(
        message(&back).contains("completed") && message(&back).contains("ringing"),
        "{back}"
    );
    assert_eq!(events(&app, id).await.len(), 2);

    // Ending before the start is refused too.
    let other = create_call(&app, &token, json!({ "phoneNumber": "+14155550110" })).await;
    let start = Utc.with_ymd_and_hms(2026, 11, 20, 15, 0, 0).unwrap();
    ok(&update_status(&app, &token, &other["id"], "IN_PROGRESS", Some(start)).await);
    let early = update_status(
        &app,
        &token,
        &other["id"],
        "COMPLETED",
        Some(start - Duration::seconds(1)),
    )
    .await;
    assert_eq!(code(&early), "BAD_USER_INPUT");
    assert_eq!(field(&early), "at");
}

async fn unconnected_calls_are_not_billed(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.agent);
    let lead = create_lead(&app, &token, json!({ "phoneNumber": "+14155550111" })).await;

    // Straight to voicemail from ringing: connected, but never started.
    let voicemail = create_call(&app, &token, json!({ "leadId": lead })).await;
    ok(&update_status(&app, &token, &voicemail["id"], "RINGING", None).await);
    let body = update_status(&app, &token, &voicemail["id"], "VOICEMAIL", None).await;
    let voicemail = &ok(&body)["updateCallStatus"];
    assert_eq!(voicemail["durationSeconds"], 0);
    assert_eq!(voicemail["billedMinutes"], 0);
    assert_eq!(voicemail["creditsUsed"], 0);
    assert_eq!(voicemail["crmStage"], "NO_SHOW");
    assert!(voicemail["endedAt"].is_string());

    // Missed: ended, but neither billed nor a contact.
    let missed = create_call(&app, &token, json!({ "phoneNumber": "+14155550112" })).await;
    let body = update_status(&app, &token, &missed["id"], "MISSED", None).await;
    let missed = &ok(&body)["updateCallStatus"];
    assert_eq!(missed["billedMinutes"], Value::Null);
    assert_eq!(missed["creditsUsed"], 0);
    assert_eq!(missed["crmStage"], "NO_SHOW");
}

async fn record_call_outcome_records_seed_003_fields_and_closes(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.agent);
    let call = create_call(&app, &token, json!({ "phoneNumber": "+14155550113" })).await;
    let id = uuid(&call["id"]);
    let mutation = "mutation($id: ID!, $input: RecordCallOutcomeInput!) { recordCallOutcome(id: $id, input: $input) { \
        status outcome crmStage summary notes insuranceVerified insuranceProvider paymentPlanDiscussed \
        paymentPlanAmountCents collectionAttempt collectionAmountCents collectionSuccess transferredToStaff \
        transferredTo followUpRequired followUpDate callQuality customerSentiment aiConfidence } }";

    let early = app
        .graphql(
            Some(&token),
            mutation,
            json!({ "id": call["id"], "input": { "outcome": "BOOKED", "closed": "CLOSED_WON" } }),
        )
        .await;
    assert_eq!(code(&early), "BAD_USER_INPUT");
    assert_eq!(field(&early), "input.closed");

    ok(&update_status(&app, &token, &call["id"], "COMPLETED", None).await);
    let follow_up = Utc.with_ymd_and_hms(2026, 12, 1, 16, 0, 0).unwrap();
    let body = app
        .graphql(
            Some(&token),
            mutation,
            json!({ "id": call["id"], "input": {
                "outcome": "PAYMENT_PLAN", "closed": "CLOSED_WON",
                "insuranceVerified": true, "insuranceProvider": "Delta Dental",
                "paymentPlanDiscussed": true, "paymentPlanAmountCents": 12_000,
                "collectionAttempt": true, "collectionAmountCents": 0, "collectionSuccess": false,
                "transferredToStaff": true, "transferredTo": "Front desk",
                "followUpRequired": true, "followUpDate": follow_up.to_rfc3339(),
                "callQuality": 5, "customerSentiment": "POSITIVE", "aiConfidence": 0.87,
                "summary": "Agreed to a plan", "notes": "Send the paperwork"
            } }),
        )
        .await;
    let recorded = &ok(&body)["recordCallOutcome"];
    assert_eq!(recorded["outcome"], "PAYMENT_PLAN");
    assert_eq!(recorded["crmStage"], "CLOSED_WON");
    assert_eq!(recorded["insuranceVerified"], true);
    assert_eq!(recorded["insuranceProvider"], "Delta Dental");
    assert_eq!(recorded["paymentPlanAmountCents"], 12_000);
    assert_eq!(recorded["collectionAmountCents"], 0);
    assert_eq!(recorded["transferredTo"], "Front desk");
    assert_eq!(time(&recorded["followUpDate"]), follow_up);
    assert_eq!(recorded["callQuality"], 5);
    assert_eq!(recorded["customerSentiment"], "POSITIVE");
    assert_eq!(recorded["aiConfidence"], 0.87);
    assert_eq!(recorded["summary"], "Agreed to a plan");

    let row = calls::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("call");
    assert_eq!(row.crm_stage, CrmStage::ClosedWon);
    assert_eq!(row.payment_plan_amount_cents, Some(12_000));
    assert!(row.transferred_to_staff && row.follow_up_required && row.payment_plan_discussed);
    assert_eq!(row.call_quality, Some(5));

    // Omitted fields stay; `closed` can be changed to LOST.
    let body = app
        .graphql(
            Some(&token),
            mutation,
            json!({ "id": call["id"], "input": { "outcome": "INFORMATION", "closed": "LOST" } }),
        )
        .await;
    let again = &ok(&body)["recordCallOutcome"];
    assert_eq!(again["outcome"], "INFORMATION");
    assert_eq!(again["crmStage"], "LOST");
    assert_eq!(again["insuranceProvider"], "Delta Dental");
    assert_eq!(again["callQuality"], 5);

    let kinds: Vec<_> = events(&app, id).await.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            CallEventKind::Created,
            CallEventKind::StatusChanged,
            CallEventKind::OutcomeRecorded,
            CallEventKind::OutcomeRecorded
        ]
    );
}

async fn record_call_outcome_checks_every_range(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.agent);
    let call = create_call(&app, &token, json!({ "phoneNumber": "+14155550114" })).await;
    let mutation = "mutation($id: ID!, $input: RecordCallOutcomeInput!) { recordCallOutcome(id: $id, input: $input) { id } }";
    for (extra, expected) in [
        (json!({ "callQuality": 0 }), "input.callQuality"),
        (json!({ "callQuality": 6 }), "input.callQuality"),
        (json!({ "aiConfidence": 1.5 }), "input.aiConfidence"),
        (json!({ "aiConfidence": -0.1 }), "input.aiConfidence"),
        (
            json!({ "paymentPlanAmountCents": -1 }),
            "input.paymentPlanAmountCents",
        ),
        (
            json!({ "collectionAmountCents": -5 }),
            "input.collectionAmountCents",
        ),
    ] {
        let mut input = json!({ "outcome": "BOOKED" });
        input
            .as_object_mut()
            .expect("object")
            .extend(extra.as_object().expect("object").clone());
        let body = app
            .graphql(
                Some(&token),
                mutation,
                json!({ "id": call["id"], "input": input }),
            )
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(field(&body), expected);
    }
    let row = calls::Entity::find_by_id(uuid(&call["id"]))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("call");
    assert_eq!(row.outcome, None, "nothing was recorded");
    assert_eq!(events(&app, row.id).await.len(), 1);
}

async fn attach_transcript_replaces_the_previous_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.agent);
    let call = create_call(&app, &token, json!({ "phoneNumber": "+14155550115" })).await;
    let id = uuid(&call["id"]);
    let mutation = "mutation($callId: ID!, $input: TranscriptInput!) { attachTranscript(callId: $callId, input: $input) { \
        id content language segments { speaker text start end } call { id } } }";

    let body = app
        .graphql(
            Some(&token),
            mutation,
            json!({ "callId": call["id"], "input": {
                "content": "Hello. Hi there.",
                "segments": [
                    { "speaker": "agent", "text": "Hello.", "start": 0.0, "end": 1.5 },
                    { "speaker": "customer", "text": "Hi there.", "start": 1.5, "end": 3.0 }
                ]
            } }),
        )
        .await;
    let first = &ok(&body)["attachTranscript"];
    assert_eq!(first["content"], "Hello. Hi there.");
    assert_eq!(first["language"], "en");
    assert_eq!(first["segments"][1]["speaker"], "customer");
    assert_eq!(first["segments"][1]["end"], 3.0);
    assert_eq!(uuid(&first["call"]["id"]), id);

    let body = app
        .graphql(
            Some(&token),
            mutation,
            json!({ "callId": call["id"], "input": { "content": "Hola.", "language": "es" } }),
        )
        .await;
    let second = &ok(&body)["attachTranscript"];
    assert_eq!(
        second["id"], first["id"],
        "the call's transcript is replaced"
    );
    assert_eq!(second["content"], "Hola.");
    assert_eq!(second["language"], "es");
    assert_eq!(second["segments"], json!([]));

    let stored = transcripts::Entity::find()
        .filter(transcripts::Column::CallId.eq(id))
        .all(&app.db.db)
        .await
        .expect("transcripts");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].content, "Hola.");
    let attached = events(&app, id)
        .await
        .into_iter()
        .filter(|e| e.kind == CallEventKind::TranscriptAttached)
        .count();
    assert_eq!(attached, 2);

    for (input, expected) in [
        (json!({ "content": "   " }), "input.content"),
        (
            json!({ "content": "x", "segments": [{ "speaker": "a", "text": "x", "start": 2.0, "end": 1.0 }] }),
            "input.segments[0].end",
        ),
        (
            json!({ "content": "x", "segments": [{ "speaker": "a", "text": "x", "start": -1.0 }] }),
            "input.segments[0].start",
        ),
    ] {
        let body = app
            .graphql(
                Some(&token),
                mutation,
                json!({ "callId": call["id"], "input": input }),
            )
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(field(&body), expected);
    }
}

async fn record_call_analysis_upserts_one_analysis_per_call(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.agent);
    let lead = create_lead(&app, &token, json!({ "phoneNumber": "+14155550116" })).await;
    let call = create_call(&app, &token, json!({ "leadId": lead })).await;
    let id = uuid(&call["id"]);
    let mutation = "mutation($callId: ID!, $input: CallAnalysisInput!) { recordCallAnalysis(callId: $callId, input: $input) { \
        id intentLevel intentScore urgencyLevel urgencyScore budgetLevel budgetScore fitLevel fitScore \
        engagementLevel engagementScore totalScore leadStatusTag reasoning ctaPricingClicked ctaDemoClicked \
        ctaFollowupClicked ctaSampleClicked ctaEscalatedToHuman demoScheduledAt extractedName extractedEmail \
        companyName isQualified leadTemperature sentimentScore keyTopics objectionsRaised nextSteps } }";
    let demo = Utc.with_ymd_and_hms(2026, 12, 2, 17, 0, 0).unwrap();

    let body = app
        .graphql(
            Some(&token),
            mutation,
            json!({ "callId": call["id"], "input": {
                "intentLevel": "HIGH", "intentScore": 90, "urgencyLevel": "MEDIUM", "urgencyScore": 55,
                "budgetLevel": "LOW", "budgetScore": 20, "fitLevel": "HIGH", "fitScore": 80,
                "engagementLevel": "HIGH", "engagementScore": 85, "totalScore": 72,
                "leadStatusTag": "hot", "reasoning": { "intent": "asked for a date" },
                "ctaDemoClicked": true, "ctaEscalatedToHuman": true, "demoScheduledAt": demo.to_rfc3339(),
                "extractedName": "Ada", "extractedEmail": "ada@example.com", "companyName": "Analytical",
                "isQualified": true, "leadTemperature": "HOT", "sentimentScore": -0.25,
                "keyTopics": ["pricing", " "], "objectionsRaised": ["cost"], "nextSteps": "Send a quote"
            } }),
        )
        .await;
    let first = &ok(&body)["recordCallAnalysis"];
    assert_eq!(first["intentLevel"], "HIGH");
    assert_eq!(first["budgetLevel"], "LOW");
    assert_eq!(first["engagementScore"], 85);
    assert_eq!(first["totalScore"], 72);
    assert_eq!(first["reasoning"], json!({ "intent": "asked for a date" }));
    assert_eq!(first["ctaDemoClicked"], true);
    assert_eq!(first["ctaPricingClicked"], false);
    assert_eq!(time(&first["demoScheduledAt"]), demo);
    assert_eq!(first["isQualified"], true);
    assert_eq!(first["leadTemperature"], "HOT");
    assert_eq!(first["sentimentScore"], -0.25);
    assert_eq!(first["keyTopics"], json!(["pricing"]));
    assert_eq!(first["objectionsRaised"], json!(["cost"]));

    let body = app
        .graphql(
            Some(&token),
            mutation,
            json!({ "callId": call["id"], "input": { "totalScore": 40, "leadTemperature": "COLD" } }),
        )
        .await;
    let second = &ok(&body)["recordCallAnalysis"];
    assert_eq!(second["id"], first["id"], "one analysis per call");
    assert_eq!(second["totalScore"], 40);
    assert_eq!(
        second["intentScore"],
        Value::Null,
        "an analysis replaces the last whole"
    );

    let stored = lead_analytics::Entity::find()
        .filter(lead_analytics::Column::CallId.eq(id))
        .all(&app.db.db)
        .await
        .expect("analyses");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].lead_id, Some(lead), "the call's lead is copied");
    assert_eq!(stored[0].organization_id, acme.organization_id);
    assert_eq!(stored[0].total_score, Some(40));
    let recorded = events(&app, id)
        .await
        .into_iter()
        .filter(|e| e.kind == CallEventKind::AnalysisRecorded)
        .count();
    assert_eq!(recorded, 2);

    for (input, expected) in [
        (json!({ "intentScore": 101 }), "input.intentScore"),
        (json!({ "fitScore": -1 }), "input.fitScore"),
        (json!({ "totalScore": 150 }), "input.totalScore"),
        (json!({ "sentimentScore": -1.5 }), "input.sentimentScore"),
    ] {
        let body = app
            .graphql(
                Some(&token),
                mutation,
                json!({ "callId": call["id"], "input": input }),
            )
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(field(&body), expected);
    }
}

async fn another_organization_viewers_and_strangers_touch_no_call(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let other = Tenant::create(&app.db.db, "other").await;
    let call = create_call(
        &app,
        &acme.token(acme.agent),
        json!({ "phoneNumber": "+14155550117" }),
    )
    .await;
    let id = uuid(&call["id"]);
    let mutations = [
        (
            "mutation($id: ID!) { updateCallStatus(id: $id, status: CANCELLED) { id } }",
            json!({ "id": call["id"] }),
        ),
        (
            "mutation($id: ID!) { recordCallOutcome(id: $id, input: { outcome: BOOKED }) { id } }",
            json!({ "id": call["id"] }),
        ),
        (
            r#"mutation($id: ID!) { attachTranscript(callId: $id, input: { content: "hi" }) { id } }"#,
            json!({ "id": call["id"] }),
        ),
        (
            "mutation($id: ID!) { recordCallAnalysis(callId: $id, input: { totalScore: 10 }) { id } }",
            json!({ "id": call["id"] }),
        ),
    ];
    for (mutation, variables) in &mutations {
        let foreign = app
            .graphql(Some(&other.token(other.owner)), mutation, variables.clone())
            .await;
        assert_eq!(code(&foreign), "NOT_FOUND", "{foreign}");
        assert_eq!(foreign["errors"][0]["extensions"]["entity"], "call");
        let viewer = app
            .graphql(Some(&acme.token(acme.viewer)), mutation, variables.clone())
            .await;
        assert_eq!(code(&viewer), "FORBIDDEN", "{viewer}");
        let anonymous = app.graphql(None, mutation, variables.clone()).await;
        assert_eq!(code(&anonymous), "UNAUTHENTICATED", "{anonymous}");
    }
    let missing = app
        .graphql(
            Some(&acme.token(acme.agent)),
            "mutation($id: ID!) { updateCallStatus(id: $id, status: CANCELLED) { id } }",
            json!({ "id": Uuid::now_v7() }),
        )
        .await;
    assert_eq!(code(&missing), "NOT_FOUND");

    let row = calls::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("call");
    assert_eq!(row.status, CallStatus::Scheduled);
    assert_eq!(row.outcome, None);
    assert_eq!(events(&app, id).await.len(), 1, "only the creation");
    assert_eq!(
        transcripts::Entity::find()
            .count(&app.db.db)
            .await
            .expect("count"),
        0
    );
    assert_eq!(
        lead_analytics::Entity::find()
            .count(&app.db.db)
            .await
            .expect("count"),
        0
    );
}
