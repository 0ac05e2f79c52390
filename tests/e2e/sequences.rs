//! Nurture sequences on both backends: shaped and enrolled through
//! `/graphql`, run by the runner's use case with a fake clock (steps in
//! order, a reply pausing, resuming, completing), the runner honouring the
//! DNC list, calling hours and step conditions, two runners over one
//! database never running a step twice, and the refusals.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};
use switchboard_app::App;
use switchboard_app::events::EventBus;
use switchboard_app::leads::runner::{self, Round};
use switchboard_domain::secrets::SecretKey;
use switchboard_tests::{Backend, Tenant, TestApp, code, ok, on_both_backends, spawn_app};

on_both_backends!(
    a_sequence_runs_in_order_pauses_on_a_reply_resumes_and_completes,
    the_runner_honours_the_dnc_list_calling_hours_and_conditions,
    two_runners_never_run_a_step_twice,
    sequences_refuse_bad_steps_wrong_roles_and_ended_enrolments,
    a_triggered_sequence_enrols_leads_as_they_are_created_or_change,
);

const CREATE: &str = "mutation($input: CreateSequenceInput!) { createSequence(input: $input) { id name steps { step channel delayMinutes } } }";
const ENROLL: &str = "mutation($sequence: ID!, $leads: [ID!]!) { enrollLeads(sequenceId: $sequence, leadIds: $leads) { id status currentStep } }";
const ENROLLMENTS: &str = "query($id: ID!) { lead(id: $id) { enrollments { id status currentStep executedSteps nextStepAt cancelledReason sequence { name } } } }";

/// A runner of its own over the test database, as another instance's is.
async fn runner_app(app: &TestApp, backend: Backend) -> App {
    let runtime = app.db.runtime_pool().await;
    let kind = match backend {
        Backend::Sqlite => sea_orm::DbBackend::Sqlite,
        Backend::Postgres => sea_orm::DbBackend::Postgres,
    };
    App::new(
        runtime,
        EventBus::new(kind),
        Arc::new(SecretKey::derive(b"sequence-tests")),
    )
    .with_privileged(app.db.db.clone())
}

/// 13:00 in New York (the tenant's zone) on a weekday, well after now.
fn midday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 12, 18, 0, 0).unwrap()
}

async fn lead(app: &TestApp, token: &str, phone: &str, email: Option<&str>) -> String {
    let body = app
        .graphql(
            Some(token),
            "mutation($phone: String!, $email: String) { createLead(input: { phoneNumber: $phone, email: $email, timezone: \"America/New_York\" }) { id } }",
            json!({ "phone": phone, "email": email }),
        )
        .await;
    ok(&body)["createLead"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn sequence(app: &TestApp, token: &str, name: &str, steps: Value) -> String {
    let body = app
        .graphql(
            Some(token),
            CREATE,
            json!({ "input": { "name": name, "steps": steps } }),
        )
        .await;
    ok(&body)["createSequence"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn enroll(app: &TestApp, token: &str, sequence: &str, leads: &[&str]) -> Value {
    let body = app
        .graphql(
            Some(token),
            ENROLL,
            json!({ "sequence": sequence, "leads": leads }),
        )
        .await;
    ok(&body)["enrollLeads"].clone()
}

async fn enrollment(app: &TestApp, token: &str, lead: &str) -> Value {
    let body = app
        .graphql(Some(token), ENROLLMENTS, json!({ "id": lead }))
        .await;
    ok(&body)["lead"]["enrollments"][0].clone()
}

async fn run(runner: &App, at: DateTime<Utc>) -> Round {
    runner::run_due(runner, at, 200).await.expect("a round")
}

async fn a_sequence_runs_in_order_pauses_on_a_reply_resumes_and_completes(backend: Backend) {
    let app = spawn_app(backend).await;
    let runner = runner_app(&app, backend).await;
    let tenant = Tenant::create(&app.db.db, "nurture").await;
    let manager = tenant.token(tenant.manager);
    let agent = tenant.token(tenant.agent);
    let steps = json!([
        { "channel": "SMS", "templateId": "welcome", "message": "Hi {{firstName}}" },
        { "channel": "EMAIL", "delayDays": 1, "subject": "Hello", "message": "Hi {{firstName}}" },
        { "channel": "CALL", "delayMinutes": 60 }
    ]);
    let id = sequence(&app, &manager, "Welcome", steps).await;
    let ada = lead(&app, &agent, "+15125550180", Some("ada@example.com")).await;
    let enrolled = enroll(&app, &agent, &id, &[&ada]).await;
    assert_eq!(enrolled[0]["status"], "ACTIVE");
    let t0 = midday();
    // Step 1 now; nothing more until its delay has passed.
    assert_eq!(run(&runner, t0).await.executed, 1);
    assert_eq!(
        run(&runner, t0 + Duration::hours(23)).await,
        Round::default()
    );
    let after_one = enrollment(&app, &agent, &ada).await;
    assert_eq!(after_one["currentStep"], 1);
    assert_eq!(after_one["executedSteps"][0]["channel"], "sms");
    assert_eq!(after_one["executedSteps"][0]["sent"], "development");
    assert_eq!(after_one["executedSteps"][0]["templateId"], "welcome");
    // Step 2 a day later; then the lead replies, which pauses it.
    assert_eq!(run(&runner, t0 + Duration::days(1)).await.executed, 1);
    let enrollment_id = after_one["id"].clone();
    let replied = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { recordSequenceReply(id: $id, message: \"Call me at 5\") { status } }",
            json!({ "id": enrollment_id }),
        )
        .await;
    assert_eq!(ok(&replied)["recordSequenceReply"]["status"], "PAUSED");
    assert_eq!(
        run(&runner, t0 + Duration::days(30)).await,
        Round::default()
    );
    // Resumed, the rest of the hour's delay is still to wait.
    let resumed = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { resumeEnrollment(id: $id) { status nextStepAt } }",
            json!({ "id": enrollment_id }),
        )
        .await;
    assert_eq!(ok(&resumed)["resumeEnrollment"]["status"], "ACTIVE");
    let round = run(&runner, t0 + Duration::days(60)).await;
    assert_eq!((round.executed, round.completed), (1, 1));
    let done = enrollment(&app, &agent, &ada).await;
    assert_eq!(done["status"], "COMPLETED");
    let kinds: Vec<String> = done["executedSteps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|e| match e["channel"].as_str() {
            Some(channel) => channel.to_owned(),
            None => format!("reply: {}", e["message"].as_str().unwrap_or_default()),
        })
        .collect();
    assert_eq!(kinds, ["sms", "email", "reply: Call me at 5", "call"]);
    // The call step scheduled a call for the dialer.
    let call = done["executedSteps"][3]["callId"].as_str().expect("a call");
    let scheduled = app
        .graphql(
            Some(&agent),
            "query($id: ID!) { call(id: $id) { status lead { id } } }",
            json!({ "id": call }),
        )
        .await;
    assert_eq!(ok(&scheduled)["call"]["status"], "SCHEDULED");
    assert_eq!(ok(&scheduled)["call"]["lead"]["id"], ada);
    // The reply counted in the lead's engagement.
    let score = app
        .graphql(
            Some(&agent),
            "query($id: ID!) { lead(id: $id) { scoreBreakdown { engagement } } }",
            json!({ "id": ada }),
        )
        .await;
    assert_eq!(ok(&score)["lead"]["scoreBreakdown"]["engagement"], 25);
}

async fn the_runner_honours_the_dnc_list_calling_hours_and_conditions(backend: Backend) {
    let app = spawn_app(backend).await;
    let runner = runner_app(&app, backend).await;
    let tenant = Tenant::create(&app.db.db, "honour").await;
    let manager = tenant.token(tenant.manager);
    let agent = tenant.token(tenant.agent);
    let texts = sequence(
        &app,
        &manager,
        "Texts",
        json!([{ "channel": "SMS", "message": "Hi" }]),
    )
    .await;
    let qualified_only = sequence(
        &app,
        &manager,
        "Qualified only",
        json!([{ "channel": "EMAIL", "message": "Hi", "conditions": { "statusIn": ["qualified"] } }]),
    )
    .await;
    let night = lead(&app, &agent, "+15125550181", Some("n@example.com")).await;
    let listed = lead(&app, &agent, "+15125550182", None).await;
    enroll(&app, &agent, &texts, &[&night, &listed]).await;
    enroll(&app, &agent, &qualified_only, &[&night]).await;
    ok(&app
        .graphql(
            Some(&manager),
            "mutation { addDncEntry(input: { phoneNumber: \"+15125550182\" }) { id } }",
            json!({}),
        )
        .await);
    // 03:00 in New York: the text waits for 08:00; the email's condition
    // skips it; the number on the DNC list ends its enrolment.
    let three_am = Utc.with_ymd_and_hms(2027, 1, 12, 8, 0, 0).unwrap();
    let round = run(&runner, three_am).await;
    assert_eq!((round.postponed, round.skipped, round.cancelled), (1, 1, 1));
    let body = app
        .graphql(Some(&agent), ENROLLMENTS, json!({ "id": night }))
        .await;
    let both = ok(&body)["lead"]["enrollments"].clone();
    let texting = both
        .as_array()
        .expect("enrolments")
        .iter()
        .find(|e| e["sequence"]["name"] == "Texts")
        .expect("the texts")
        .clone();
    let next = DateTime::parse_from_rfc3339(texting["nextStepAt"].as_str().expect("a time"))
        .expect("RFC 3339");
    assert_eq!(next, Utc.with_ymd_and_hms(2027, 1, 12, 13, 0, 0).unwrap());
    assert_eq!(texting["currentStep"], 0);
    let email = both
        .as_array()
        .expect("enrolments")
        .iter()
        .find(|e| e["sequence"]["name"] == "Qualified only")
        .expect("the email")
        .clone();
    assert_eq!(email["status"], "COMPLETED");
    assert_eq!(email["executedSteps"][0]["skipped"], "the lead is new");
    let gone = enrollment(&app, &agent, &listed).await;
    assert_eq!(gone["status"], "CANCELLED");
    assert!(
        gone["cancelledReason"]
            .as_str()
            .expect("a reason")
            .starts_with("Opted out"),
        "{gone}"
    );
    // At 08:00 the text goes.
    let eight_am = Utc.with_ymd_and_hms(2027, 1, 12, 13, 0, 0).unwrap();
    assert_eq!(run(&runner, eight_am).await.executed, 1);
}

async fn two_runners_never_run_a_step_twice(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = runner_app(&app, backend).await;
    let second = runner_app(&app, backend).await;
    let tenant = Tenant::create(&app.db.db, "twice").await;
    let manager = tenant.token(tenant.manager);
    let once = sequence(
        &app,
        &manager,
        "Once",
        json!([{ "channel": "SMS", "message": "Hi" }]),
    )
    .await;
    let mut leads = Vec::new();
    for i in 0..30 {
        leads.push(lead(&app, &manager, &format!("+1512555{:04}", 3000 + i), None).await);
    }
    let ids: Vec<&str> = leads.iter().map(String::as_str).collect();
    enroll(&app, &manager, &once, &ids).await;
    // Small batches, so both runners are busy at once.
    let at = midday();
    let (a, b) = tokio::join!(
        async {
            let mut total = 0;
            for _ in 0..20 {
                total += runner::run_due(&first, at, 3)
                    .await
                    .expect("round")
                    .executed;
            }
            total
        },
        async {
            let mut total = 0;
            for _ in 0..20 {
                total += runner::run_due(&second, at, 3)
                    .await
                    .expect("round")
                    .executed;
            }
            total
        }
    );
    assert_eq!(a + b, 30, "first ran {a}, second {b}");
    for lead in &leads {
        let e = enrollment(&app, &manager, lead).await;
        assert_eq!(e["status"], "COMPLETED");
        assert_eq!(
            e["executedSteps"].as_array().expect("steps").len(),
            1,
            "{e}"
        );
    }
}

async fn sequences_refuse_bad_steps_wrong_roles_and_ended_enrolments(backend: Backend) {
    let app = spawn_app(backend).await;
    let runner = runner_app(&app, backend).await;
    let tenant = Tenant::create(&app.db.db, "refusals").await;
    let manager = tenant.token(tenant.manager);
    let agent = tenant.token(tenant.agent);
    let forbidden = app
        .graphql(
            Some(&agent),
            CREATE,
            json!({ "input": { "name": "Mine", "steps": [{ "channel": "SMS", "message": "Hi" }] } }),
        )
        .await;
    assert_eq!(code(&forbidden), "FORBIDDEN");
    for (steps, expected) in [
        (json!([]), "input.steps"),
        (
            json!([{ "channel": "SMS", "message": "Hi", "delayMinutes": -1 }]),
            "input.steps[0].delayMinutes",
        ),
        (
            json!([{ "channel": "SMS", "message": "Hi", "delayDays": 1, "delayMinutes": 1 }]),
            "input.steps[0].delayDays",
        ),
        (
            json!([{ "channel": "SMS", "message": "Hi" }, { "channel": "SMS", "message": "Hi", "conditions": { "when": "always" } }]),
            "input.steps[1].conditions",
        ),
    ] {
        let body = app
            .graphql(
                Some(&manager),
                CREATE,
                json!({ "input": { "name": "Bad", "steps": steps } }),
            )
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], expected, "{body}");
    }
    let id = sequence(
        &app,
        &manager,
        "Short",
        json!([{ "channel": "SMS", "message": "Hi" }]),
    )
    .await;
    let again = app
        .graphql(
            Some(&manager),
            CREATE,
            json!({ "input": { "name": "Short", "steps": [{ "channel": "SMS", "message": "Hi" }] } }),
        )
        .await;
    assert_eq!(code(&again), "CONFLICT");
    let ada = lead(&app, &agent, "+15125550190", None).await;
    let first = enroll(&app, &agent, &id, &[&ada]).await;
    // Enrolling again returns the same enrolment.
    let second = enroll(&app, &agent, &id, &[&ada]).await;
    assert_eq!(first[0]["id"], second[0]["id"]);
    run(&runner, midday()).await;
    let pause = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { pauseEnrollment(id: $id) { status } }",
            json!({ "id": first[0]["id"] }),
        )
        .await;
    assert_eq!(code(&pause), "CONFLICT", "a completed enrolment");
    let archived = app
        .graphql(
            Some(&manager),
            "mutation($id: ID!) { archiveSequence(id: $id) { isActive } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(ok(&archived)["archiveSequence"]["isActive"], false);
    let late = lead(&app, &agent, "+15125550191", None).await;
    let refused = app
        .graphql(
            Some(&agent),
            ENROLL,
            json!({ "sequence": id, "leads": [late] }),
        )
        .await;
    assert_eq!(code(&refused), "CONFLICT");
    let listed = app
        .graphql(
            Some(&tenant.token(tenant.viewer)),
            "{ sequences { name isActive steps { channel } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&listed)["sequences"],
        json!([{ "name": "Short", "isActive": false, "steps": [{ "channel": "SMS" }] }])
    );
}

async fn a_triggered_sequence_enrols_leads_as_they_are_created_or_change(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "triggered").await;
    let manager = tenant.token(tenant.manager);
    let agent = tenant.token(tenant.agent);
    let body = app
        .graphql(
            Some(&manager),
            "mutation($input: CreateSequenceInput!) { createSequence(input: $input) { id triggerConditions } }",
            json!({ "input": { "name": "Hot follow-up", "steps": [{ "channel": "SMS", "message": "Hi" }],
                "triggerConditions": { "source": { "in": ["facebook_ads"] } } } }),
        )
        .await;
    let created = &ok(&body)["createSequence"];
    assert!(created["triggerConditions"].is_object(), "{created}");
    // Created matching: enrolled; created otherwise: not, until it changes.
    let matching = app
        .graphql(
            Some(&agent),
            "mutation { createLead(input: { phoneNumber: \"+15125550200\", source: \"facebook_ads\" }) { id } }",
            json!({}),
        )
        .await;
    let matching = ok(&matching)["createLead"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let other = lead(&app, &agent, "+15125550201", None).await;
    assert_eq!(
        enrollment(&app, &agent, &matching).await["status"],
        "ACTIVE"
    );
    assert!(enrollment(&app, &agent, &other).await.is_null());
    ok(&app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { updateLead(id: $id, input: { source: \"facebook_ads\" }) { id } }",
            json!({ "id": other }),
        )
        .await);
    assert_eq!(enrollment(&app, &agent, &other).await["status"], "ACTIVE");
    // An import goes through the trigger too, once per lead.
    let import = app
        .graphql(
            Some(&agent),
            "mutation($rows: [CreateLeadInput!]!) { importLeads(input: $rows) { created } }",
            json!({ "rows": [
                { "phoneNumber": "+15125550202", "source": "facebook_ads" },
                { "phoneNumber": "+15125550203", "source": "google" }
            ] }),
        )
        .await;
    assert_eq!(ok(&import)["importLeads"]["created"], 2);
    let enrolled = app
        .graphql(
            Some(&agent),
            "{ leads(filter: { source: { in: [\"facebook_ads\"] } }) { nodes { enrollments { status } } } }",
            json!({}),
        )
        .await;
    let counts: Vec<usize> = ok(&enrolled)["leads"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["enrollments"].as_array().expect("list").len())
        .collect();
    assert_eq!(counts, [1, 1, 1]);
    // A trigger that cannot compile is refused where it was given.
    let bad = app
        .graphql(
            Some(&manager),
            "mutation($input: CreateSequenceInput!) { createSequence(input: $input) { id } }",
            json!({ "input": { "name": "Bad", "steps": [{ "channel": "SMS", "message": "Hi" }],
                "triggerConditions": { "segment": uuid::Uuid::now_v7().to_string() } } }),
        )
        .await;
    assert_eq!(code(&bad), "NOT_FOUND", "{bad}");
}
