//! A page of leads whose selection the database can render as JSON in one
//! statement answers exactly what the resolvers answer, field for field,
//! in fewer statements that do not grow with the page.
//!
//! The resolvers' answer comes from the same document run over the
//! WebSocket transport, which always resolves field by field.

use chrono::{DateTime, Duration, Timelike, Utc};
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use serde_json::{Value, json};
use switchboard_entity::enums::{
    AgentProvider, AgentType, AppointmentSource, CallOutcome, CallSource, CallStatus, CallType,
    CrmStage, LeadStatus, LeadTemperature, Level, Sentiment, TelephonyProvider, TrafficSource,
};
use switchboard_entity::{agents, calls, lead_analytics, leads, transcripts};
use switchboard_tests::{Backend, Tenant, TestApp, ok, on_both_backends, spawn_app};
use uuid::Uuid;

use crate::subscriptions::{connect, next_json, start};

on_both_backends!(
    rendered_nodes_answer_what_the_resolvers_answer,
    rendered_calls_answer_what_the_resolvers_answer,
    rendered_nodes_take_fewer_statements_that_do_not_grow_with_the_page,
    directives_and_cursors_are_left_to_the_resolvers,
    rendered_nodes_stay_in_their_organization,
);

/// Every field of a call the database renders, with its relations.
const CALL: &str = "fragment Call on Call { __typename id status outcome crmStage trafficSource sourceOfSetAppointment
  leadSource callType callSource provider providerCallId phoneNumber callerName callerEmail scheduledAt startedAt
  endedAt durationSeconds billedMinutes creditsUsed costCents recordingUrl summary purpose notes endedReason
  insuranceVerified insuranceProvider paymentPlanDiscussed paymentPlanAmountCents collectionAttempt
  collectionAmountCents collectionSuccess transferredToStaff transferredTo followUpRequired followUpDate
  callQuality customerSentiment createdAt updatedAt
  transcript { __typename id content language createdAt }
  analysis { __typename id intentLevel intentScore urgencyLevel urgencyScore budgetLevel budgetScore fitLevel
    fitScore engagementLevel engagementScore totalScore leadStatusTag ctaPricingClicked ctaDemoClicked
    ctaFollowupClicked ctaSampleClicked ctaEscalatedToHuman demoScheduledAt companyName extractedName
    extractedEmail isQualified leadTemperature nextSteps isRead createdAt }
  agent { __typename id provider externalAgentId name agentType description isActive createdAt }
  lead { id firstName status } }";

/// Every field the database renders, with aliases, `__typename` and fragments.
fn everything() -> String {
    format!(
        "query($first: Int, $calls: Int) {{ leads(first: $first) {{ totalCount pageInfo {{ hasNextPage }}
  nodes {{ __typename id firstName lastName phoneNumber email company status leadScore source subSource notes
    timezone lastContactAt isAutoCreated deletedAt createdAt updatedAt ...Calls }} }} }}
fragment Calls on Lead {{
  oldest: calls(first: $calls, orderBy: {{ direction: ASC }}) {{ __typename nodes {{ id createdAt }} }}
  calls {{ nodes {{ ...Call }} }} }}
{CALL}"
    )
}

/// What SQLite renders too (no timestamps).
const SCALARS: &str = "query($first: Int) { leads(first: $first) { nodes { id firstName phoneNumber status leadScore
  calls(first: 5, orderBy: { direction: ASC }) { nodes { id status durationSeconds insuranceVerified
    transcript { content } analysis { totalScore intentLevel isQualified } agent { name } } } } } }";

/// Text that JSON must escape, or that is easy to get wrong.
const AWKWARD: &str = "Zoë \"Q\" O'Neil \\ 😀\n\ttab\u{1}ctl </script>";

/// A time with the fraction chosen: whole seconds, milliseconds or microseconds.
fn at(base: DateTime<Utc>, minutes: i64, micros: u32) -> DateTime<Utc> {
    (base - Duration::minutes(minutes))
        .with_nanosecond(micros * 1_000)
        .expect("a time")
}

/// `count` leads of `tenant`, each with three calls; every call but the
/// last of each lead has a transcript and an analysis; every column is set
/// on the first lead's calls.
async fn world(app: &TestApp, tenant: &Tenant, count: usize) -> Vec<Uuid> {
    let db = &app.db.db;
    let org = tenant.organization_id;
    let now = Utc::now();
    let agent = Uuid::now_v7();
    agents::ActiveModel {
        id: Set(agent),
        organization_id: Set(org),
        provider: Set(AgentProvider::Vapi),
        external_agent_id: Set("asst-1".into()),
        name: Set(AWKWARD.into()),
        agent_type: Set(AgentType::Call),
        description: Set(Some("Books demos".into())),
        created_at: Set(at(now, 500, 0)),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("agent");
    let mut ids = Vec::new();
    for i in 0..count {
        let lead = Uuid::now_v7();
        ids.push(lead);
        leads::ActiveModel {
            id: Set(lead),
            organization_id: Set(org),
            first_name: Set(Some(if i == 0 {
                AWKWARD.into()
            } else {
                format!("Lead {i}")
            })),
            last_name: Set((i % 2 == 0).then(|| "Lovelace".into())),
            phone_number: Set(format!("+1415555{i:04}")),
            email: Set(Some(format!("lead{i}@example.com"))),
            company: Set(None),
            status: Set(if i % 2 == 0 {
                LeadStatus::Hot
            } else {
                LeadStatus::Dnc
            }),
            lead_score: Set(i as i32 * 7),
            source: Set(Some("facebook_ads".into())),
            sub_source: Set(Some("spring".into())),
            notes: Set(Some("line one\nline two".into())),
            timezone: Set(Some("America/New_York".into())),
            last_contact_at: Set((i % 2 == 0).then(|| at(now, 3, 123_000))),
            is_auto_created: Set(i % 3 == 0),
            created_at: Set(at(
                now,
                100 - i as i64,
                if i % 3 == 0 { 0 } else { 456_789 },
            )),
            updated_at: Set(at(now, 1, 120_000)),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("lead");
        for j in 0..3u32 {
            let call = Uuid::now_v7();
            let full = i == 0;
            calls::ActiveModel {
                id: Set(call),
                organization_id: Set(org),
                lead_id: Set(Some(lead)),
                agent_id: Set((j != 1).then_some(agent)),
                user_id: Set(Some(tenant.agent)),
                provider: Set(full.then_some(TelephonyProvider::Twilio)),
                provider_call_id: Set(full.then(|| format!("CA-{call}"))),
                phone_number: Set(Some(format!("+1415555{i:04}"))),
                caller_name: Set(full.then(|| AWKWARD.into())),
                caller_email: Set(full.then(|| "a@example.com".into())),
                call_type: Set(CallType::OutboundDebt),
                call_source: Set(CallSource::Internet),
                status: Set(if j == 2 {
                    CallStatus::NoShow
                } else {
                    CallStatus::Completed
                }),
                outcome: Set((j == 0).then_some(CallOutcome::Transferred)),
                crm_stage: Set(CrmStage::ClosedWon),
                traffic_source: Set(TrafficSource::Meta),
                source_of_set_appointment: Set(full.then_some(AppointmentSource::NonSdrBookedCall)),
                lead_source: Set(Some("newsletter".into())),
                scheduled_at: Set(full.then(|| at(now, 30, 0))),
                started_at: Set(Some(at(now, 20, 5_000))),
                ended_at: Set(full.then(|| at(now, 10, 999_999))),
                duration_seconds: Set(Some(590 + j as i32)),
                billed_minutes: Set(Some(10)),
                credits_used: Set(25),
                cost_cents: Set(9_007_199_254_740_993),
                recording_url: Set(full.then(|| "https://example.com/r.mp3?a=1&b=2".into())),
                summary: Set(Some(AWKWARD.into())),
                purpose: Set(None),
                notes: Set(full.then(|| "Call back Friday.".into())),
                ended_reason: Set(full.then(|| "customer-ended-call".into())),
                insurance_verified: Set(full),
                insurance_provider: Set(full.then(|| "Acme Health".into())),
                payment_plan_discussed: Set(full),
                payment_plan_amount_cents: Set(full.then_some(50_000)),
                collection_attempt: Set(full),
                collection_amount_cents: Set(full.then_some(12_345)),
                collection_success: Set(full),
                transferred_to_staff: Set(full),
                transferred_to: Set(full.then(|| "billing desk".into())),
                follow_up_required: Set(full),
                follow_up_date: Set(full.then(|| now + Duration::days(3))),
                call_quality: Set(Some(4)),
                customer_sentiment: Set(full.then_some(Sentiment::Positive)),
                metadata: Set(json!({ "j": j })),
                // Two calls of a lead at the same instant: the id breaks the tie.
                created_at: Set(at(now, 60 - (j.min(1) as i64), 250_000)),
                updated_at: Set(at(now, 5, 0)),
                ..Default::default()
            }
            .insert(db)
            .await
            .expect("call");
            if j == 2 {
                continue;
            }
            transcripts::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(org),
                call_id: Set(call),
                content: Set(format!("{AWKWARD} {i}.{j}")),
                speaker_segments: Set(json!([])),
                language: Set("en".into()),
                created_at: Set(at(now, 9, 1_000)),
                updated_at: Set(now),
            }
            .insert(db)
            .await
            .expect("transcript");
            lead_analytics::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(org),
                call_id: Set(call),
                lead_id: Set(Some(lead)),
                intent_level: Set(Some(Level::High)),
                intent_score: Set(Some(90)),
                urgency_level: Set(full.then_some(Level::Low)),
                urgency_score: Set(Some(10)),
                budget_constraint: Set(Some(Level::Medium)),
                budget_score: Set(Some(50)),
                fit_alignment: Set(None),
                fit_score: Set(None),
                engagement_health: Set(Some(Level::High)),
                engagement_score: Set(Some(80)),
                total_score: Set(Some(77)),
                lead_status_tag: Set(Some("hot".into())),
                reasoning: Set(json!({})),
                cta_interactions: Set(json!({})),
                company_name: Set(Some(AWKWARD.into())),
                extracted_name: Set(None),
                extracted_email: Set(Some("x@example.com".into())),
                cta_pricing_clicked: Set(full),
                cta_demo_clicked: Set(true),
                cta_followup_clicked: Set(false),
                cta_sample_clicked: Set(full),
                cta_escalated_to_human: Set(false),
                demo_scheduled_at: Set(full.then(|| now + Duration::days(1))),
                is_read: Set(false),
                is_qualified: Set(true),
                lead_temperature: Set(Some(LeadTemperature::Hot)),
                key_topics: Set(json!([])),
                objections_raised: Set(json!([])),
                next_steps: Set(Some("Send the quote".into())),
                created_at: Set(at(now, 8, 0)),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
            .expect("analysis");
        }
    }
    ids
}

/// The same document over the WebSocket transport, which resolves field by field.
async fn resolved(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let mut socket = connect(&app.base_url, "graphql-transport-ws", token).await;
    start(&mut socket, "q", query, variables).await;
    let message = next_json(&mut socket).await.expect("a result");
    assert_eq!(message["type"], "next", "{message}");
    let payload = message["payload"].clone();
    assert!(payload.get("errors").is_none(), "{payload}");
    payload["data"].clone()
}

async fn rendered_nodes_answer_what_the_resolvers_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    world(&app, &acme, 4).await;
    let token = acme.token(acme.viewer);
    let everything = everything();
    for (query, variables) in [
        (everything.as_str(), json!({ "first": 10, "calls": 2 })),
        (everything.as_str(), json!({ "first": 2, "calls": 0 })),
        (SCALARS, json!({ "first": 10 })),
        (
            "query($order: CallOrder, $n: Int) { leads(first: 3) { nodes { id calls(first: $n, orderBy: $order) { nodes { id durationSeconds } } } } }",
            json!({ "order": { "direction": "ASC" }, "n": 2 }),
        ),
    ] {
        let http = app.graphql(Some(&token), query, variables.clone()).await;
        let over_http = ok(&http).clone();
        let over_socket = resolved(&app, &token, query, variables).await;
        assert_eq!(over_http, over_socket);
        let first_lead = &over_http["leads"]["nodes"][0];
        assert!(!first_lead["id"].is_null(), "{over_http}");
    }
    // PostgreSQL renders even the timestamps: far fewer statements than
    // the same selection resolved (`edges` leaves it to the resolvers).
    if backend == Backend::Postgres {
        let variables = json!({ "first": 10, "calls": 2 });
        let mut counts = Vec::new();
        for query in [
            everything.clone(),
            everything.replace("totalCount", "totalCount edges { cursor }"),
        ] {
            let before = app.statements();
            ok(&app.graphql(Some(&token), &query, variables.clone()).await);
            counts.push(app.statements() - before);
        }
        assert!(counts[0] + 5 <= counts[1], "rendered, resolved: {counts:?}");
    }
    // The world is what the query shows: its awkward text arrives whole.
    let http = app
        .graphql(
            Some(&token),
            &everything,
            json!({ "first": 10, "calls": 2 }),
        )
        .await;
    let leads = ok(&http)["leads"]["nodes"]
        .as_array()
        .expect("leads")
        .clone();
    assert_eq!(leads.len(), 4);
    let oldest = leads.last().expect("a lead");
    assert_eq!(oldest["firstName"], AWKWARD);
    assert_eq!(oldest["calls"]["nodes"].as_array().map(Vec::len), Some(3));
    assert_eq!(oldest["oldest"]["nodes"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        oldest["calls"]["nodes"][0]["costCents"],
        json!(9_007_199_254_740_993_i64)
    );
}

async fn rendered_nodes_take_fewer_statements_that_do_not_grow_with_the_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    world(&app, &acme, 6).await;
    let token = acme.token(acme.viewer);
    // `edges` leaves the same selection to the resolvers.
    let resolved_query = SCALARS.replace(
        "{ nodes { id firstName",
        "{ edges { cursor } nodes { id firstName",
    );
    let mut counts = Vec::new();
    for query in [SCALARS, resolved_query.as_str()] {
        for first in [1, 6] {
            let before = app.statements();
            let body = app
                .graphql(Some(&token), query, json!({ "first": first }))
                .await;
            ok(&body);
            counts.push(app.statements() - before);
        }
    }
    assert_eq!(counts[0], counts[1], "rendered, 1 and 6 leads: {counts:?}");
    assert_eq!(counts[2], counts[3], "resolved, 1 and 6 leads: {counts:?}");
    assert!(
        counts[0] + 3 <= counts[2],
        "rendering saves the statements of calls, transcripts, analyses and agents: {counts:?}"
    );
}

async fn directives_and_cursors_are_left_to_the_resolvers(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    world(&app, &acme, 3).await;
    let token = acme.token(acme.viewer);
    let body = app
        .graphql(
            Some(&token),
            "query($no: Boolean!) { leads(first: 5) { nodes { id firstName @skip(if: $no) calls(first: 1) { nodes { id status @include(if: $no) } } } } }",
            json!({ "no": true }),
        )
        .await;
    let lead = &ok(&body)["leads"]["nodes"][0];
    assert!(lead.get("firstName").is_none(), "{body}");
    assert!(lead["calls"]["nodes"][0].get("status").is_some(), "{body}");

    // A nested cursor pages as the resolvers page.
    let first = app
        .graphql(
            Some(&token),
            "{ leads(first: 1) { nodes { id calls(first: 1) { edges { cursor } nodes { id } } } } }",
            json!({}),
        )
        .await;
    let cursor = ok(&first)["leads"]["nodes"][0]["calls"]["edges"][0]["cursor"].clone();
    let query = "query($after: String) { leads(first: 1) { nodes { calls(first: 1, after: $after) { nodes { id } } } } }";
    let http = app
        .graphql(Some(&token), query, json!({ "after": cursor }))
        .await;
    let socket = resolved(&app, &token, query, json!({ "after": cursor })).await;
    assert_eq!(ok(&http), &socket);
    assert_ne!(
        ok(&http)["leads"]["nodes"][0]["calls"]["nodes"][0]["id"],
        ok(&first)["leads"]["nodes"][0]["calls"]["nodes"][0]["id"]
    );

    // A page size out of range is the resolvers' error.
    let body = app
        .graphql(
            Some(&token),
            "{ leads(first: 1) { nodes { calls(first: 101) { nodes { id } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(switchboard_tests::code(&body), "BAD_USER_INPUT", "{body}");
}

async fn rendered_nodes_stay_in_their_organization(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let globex = Tenant::create(&app.db.db, "globex").await;
    let acme_leads = world(&app, &acme, 2).await;
    let globex_leads = world(&app, &globex, 3).await;
    // A row of another organization that points at this one's lead (no
    // foreign key keeps organizations apart; the reads must).
    calls::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(globex.organization_id),
        lead_id: Set(Some(acme_leads[0])),
        status: Set(CallStatus::Completed),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .expect("a stray call");
    for (tenant, own, other) in [
        (&acme, &acme_leads, &globex_leads),
        (&globex, &globex_leads, &acme_leads),
    ] {
        let body = app
            .graphql(
                Some(&tenant.token(tenant.viewer)),
                SCALARS,
                json!({ "first": 50 }),
            )
            .await;
        let text = ok(&body).to_string();
        let nodes = ok(&body)["leads"]["nodes"]
            .as_array()
            .expect("leads")
            .clone();
        assert_eq!(nodes.len(), own.len());
        for id in other {
            assert!(
                !text.contains(&id.to_string()),
                "another organization's lead: {text}"
            );
        }
        for lead in &nodes {
            assert_eq!(lead["calls"]["nodes"].as_array().map(Vec::len), Some(3));
        }
    }
}

/// The `calls` root and one lead's calls render their nodes too; a lead's
/// calls under a page of leads the resolvers answer are never rendered per
/// lead (the statements stay those of the page).
async fn rendered_calls_answer_what_the_resolvers_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let leads = world(&app, &acme, 4).await;
    let token = acme.token(acme.viewer);
    let root = format!(
        "query($first: Int) {{ calls(first: $first) {{ totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ ...Call }} }} }} {CALL}"
    );
    let one_lead = format!(
        "query($id: ID!) {{ lead(id: $id) {{ id calls(first: 2, orderBy: {{ direction: ASC }}) {{ nodes {{ ...Call }} }} }} }} {CALL}"
    );
    // SQLite renders no timestamps: there only this one is rendered.
    let scalars = "query($first: Int) { calls(first: $first) { nodes { id status durationSeconds transcript { content } agent { name } lead { firstName } } } }";
    for (query, variables) in [
        (root.as_str(), json!({ "first": 7 })),
        (one_lead.as_str(), json!({ "id": leads[0] })),
        (scalars, json!({ "first": 12 })),
    ] {
        let http = app.graphql(Some(&token), query, variables.clone()).await;
        let over_socket = resolved(&app, &token, query, variables).await;
        assert_eq!(ok(&http), &over_socket);
    }
    let http = app
        .graphql(Some(&token), scalars, json!({ "first": 12 }))
        .await;
    assert_eq!(
        ok(&http)["calls"]["nodes"].as_array().map(Vec::len),
        Some(12)
    );
    if backend == Backend::Postgres {
        // One lead's calls, timestamps and all, are rendered there.
        let mut counts = Vec::new();
        for query in [
            one_lead.clone(),
            one_lead.replace("{ nodes {", "{ edges { cursor } nodes {"),
        ] {
            let before = app.statements();
            ok(&app
                .graphql(Some(&token), &query, json!({ "id": leads[0] }))
                .await);
            counts.push(app.statements() - before);
        }
        assert!(counts[0] + 3 <= counts[1], "rendered, resolved: {counts:?}");
    }

    // Rendered: fewer statements than resolved, whatever the page size.
    let resolved_query = scalars.replace("{ nodes {", "{ edges { cursor } nodes {");
    let mut counts = Vec::new();
    for query in [scalars, resolved_query.as_str()] {
        for first in [1, 12] {
            let before = app.statements();
            ok(&app
                .graphql(Some(&token), query, json!({ "first": first }))
                .await);
            counts.push(app.statements() - before);
        }
    }
    assert_eq!(counts[0], counts[1], "rendered, 1 and 12 calls: {counts:?}");
    assert_eq!(counts[2], counts[3], "resolved, 1 and 12 calls: {counts:?}");
    assert!(counts[0] + 2 <= counts[2], "rendered, resolved: {counts:?}");
}
