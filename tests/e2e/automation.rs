//! Lead scoring and status automation through `/graphql`, on both
//! backends: scores for hand-built analyses with their breakdown, weights
//! and a bulk recalculation, each status rule (a connected call, a booked
//! outcome, unanswered calls in a row, an opt-out heard on the caller's
//! side, a number added to the DNC list), rules turned off, and the
//! settings' refusals.

use serde_json::{Value, json};
use switchboard_tests::{Backend, Tenant, TestApp, code, ok, on_both_backends, spawn_app};

on_both_backends!(
    an_analysis_scores_the_lead_and_the_breakdown_explains_it,
    calls_move_the_lead_through_its_statuses,
    an_opt_out_on_the_callers_side_lists_the_number_and_the_agents_does_not,
    rules_turned_off_change_nothing_and_bad_settings_are_refused,
);

const LEAD: &str = "query($id: ID!) { lead(id: $id) { status leadScore scoreBreakdown { score qualification engagement sourceQuality weights { qualification engagement sourceQuality } } statusHistory { fromStatus toStatus triggerType callId reason } scoreHistory { newScore triggerType } } }";

fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("an error with a field: {body}"))
}

async fn new_lead(app: &TestApp, token: &str, phone: &str) -> String {
    let body = app
        .graphql(
            Some(token),
            "mutation($phone: String!) { createLead(input: { phoneNumber: $phone }) { id } }",
            json!({ "phone": phone }),
        )
        .await;
    ok(&body)["createLead"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn new_call(app: &TestApp, token: &str, lead: &str) -> String {
    let body = app
        .graphql(
            Some(token),
            "mutation($lead: ID!) { createCall(input: { leadId: $lead }) { id } }",
            json!({ "lead": lead }),
        )
        .await;
    ok(&body)["createCall"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn end_call(app: &TestApp, token: &str, call: &str, steps: &[&str]) {
    for status in steps {
        ok(&app
            .graphql(
                Some(token),
                "mutation($id: ID!, $status: CallStatus!) { updateCallStatus(id: $id, status: $status) { id } }",
                json!({ "id": call, "status": status }),
            )
            .await);
    }
}

async fn lead(app: &TestApp, token: &str, id: &str) -> Value {
    let body = app.graphql(Some(token), LEAD, json!({ "id": id })).await;
    ok(&body)["lead"].clone()
}

async fn an_analysis_scores_the_lead_and_the_breakdown_explains_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "scores").await;
    let agent = tenant.token(tenant.agent);
    let id = new_lead(&app, &agent, "+15125550140").await;
    let call = new_call(&app, &agent, &id).await;
    let analysis = app
        .graphql(
            Some(&agent),
            "mutation($call: ID!) { recordCallAnalysis(callId: $call, input: { intentScore: 80, urgencyScore: 60, budgetScore: 40, fitScore: 90, totalScore: 10 }) { id } }",
            json!({ "call": call }),
        )
        .await;
    ok(&analysis);
    // Qualification (80+60+40+90)/4 = 67.5 → 68; no answered call and never
    // reached: engagement 0; the source has under 10 leads: 50.
    // (60·68 + 25·0 + 15·50) / 100 = 48.3 → 48.
    let scored = lead(&app, &agent, &id).await;
    assert_eq!(scored["leadScore"], 48);
    assert_eq!(
        scored["scoreBreakdown"],
        json!({ "score": 48, "qualification": 68, "engagement": 0, "sourceQuality": 50,
                "weights": { "qualification": 60, "engagement": 25, "sourceQuality": 15 } })
    );
    let last = scored["scoreHistory"]
        .as_array()
        .expect("history")
        .last()
        .cloned();
    assert_eq!(last.expect("a change")["triggerType"], "AI");
    // New weights count once recalculated.
    let forbidden = app
        .graphql(
            Some(&tenant.token(tenant.manager)),
            "mutation { updateScoringWeights(input: { qualification: 100, engagement: 0, sourceQuality: 0 }) { qualification } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&forbidden), "FORBIDDEN");
    let admin = tenant.token(tenant.admin);
    let bad = app
        .graphql(
            Some(&admin),
            "mutation { updateScoringWeights(input: { qualification: 0, engagement: 0, sourceQuality: 0 }) { qualification } }",
            json!({}),
        )
        .await;
    assert_eq!(field(&bad), "input.qualification");
    ok(&app
        .graphql(
            Some(&admin),
            "mutation { updateScoringWeights(input: { qualification: 100, engagement: 0, sourceQuality: 0 }) { qualification } }",
            json!({}),
        )
        .await);
    let recalculated = app
        .graphql(
            Some(&admin),
            "mutation { recalculateLeadScores { scored changed } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&recalculated)["recalculateLeadScores"],
        json!({ "scored": 1, "changed": 1 })
    );
    let rescored = lead(&app, &agent, &id).await;
    assert_eq!(rescored["leadScore"], 68);
    assert_eq!(rescored["scoreBreakdown"]["weights"]["qualification"], 100);
    // A score set by hand has no breakdown.
    ok(&app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { updateLead(id: $id, input: { leadScore: 5 }) { id } }",
            json!({ "id": id }),
        )
        .await);
    assert!(lead(&app, &agent, &id).await["scoreBreakdown"].is_null());
}

async fn calls_move_the_lead_through_its_statuses(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "moves").await;
    let agent = tenant.token(tenant.agent);
    // A connected call contacts a new lead; a booked outcome qualifies it.
    let id = new_lead(&app, &agent, "+15125550150").await;
    let call = new_call(&app, &agent, &id).await;
    end_call(&app, &agent, &call, &["IN_PROGRESS", "COMPLETED"]).await;
    assert_eq!(lead(&app, &agent, &id).await["status"], "CONTACTED");
    ok(&app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { recordCallOutcome(id: $id, input: { outcome: BOOKED }) { id } }",
            json!({ "id": call }),
        )
        .await);
    let booked = lead(&app, &agent, &id).await;
    assert_eq!(booked["status"], "QUALIFIED");
    let moves: Vec<(Value, Value, Value)> = booked["statusHistory"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| {
            (
                h["toStatus"].clone(),
                h["triggerType"].clone(),
                h["callId"].clone(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            (json!("NEW"), json!("MANUAL"), Value::Null),
            (json!("CONTACTED"), json!("CALL"), json!(call)),
            (json!("QUALIFIED"), json!("CALL"), json!(call)),
        ]
    );
    // Three unanswered calls in a row cool a lead; two do not.
    let cold = new_lead(&app, &agent, "+15125550151").await;
    for (i, ending) in ["MISSED", "VOICEMAIL", "NO_SHOW"].iter().enumerate() {
        let call = new_call(&app, &agent, &cold).await;
        end_call(&app, &agent, &call, &[ending]).await;
        let status = lead(&app, &agent, &cold).await["status"].clone();
        assert_eq!(status, if i < 2 { "NEW" } else { "COLD" }, "after {ending}");
    }
    let history = lead(&app, &agent, &cold).await["statusHistory"].clone();
    assert_eq!(history[1]["reason"], "3 unanswered calls in a row");
    // A number put on the DNC list makes its lead DNC.
    let listed = new_lead(&app, &agent, "+15125550152").await;
    ok(&app
        .graphql(
            Some(&tenant.token(tenant.manager)),
            "mutation { addDncEntry(input: { phoneNumber: \"+15125550152\" }) { id } }",
            json!({}),
        )
        .await);
    assert_eq!(lead(&app, &agent, &listed).await["status"], "DNC");
}

async fn an_opt_out_on_the_callers_side_lists_the_number_and_the_agents_does_not(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "optout").await;
    let agent = tenant.token(tenant.agent);
    let attach = "mutation($call: ID!, $input: TranscriptInput!) { attachTranscript(callId: $call, input: $input) { id } }";
    // The agent offering an opt-out is not one.
    let kept = new_lead(&app, &agent, "+15125550160").await;
    let call = new_call(&app, &agent, &kept).await;
    ok(&app
        .graphql(
            Some(&agent),
            attach,
            json!({ "call": call, "input": { "content": "Reply STOP to opt out. Sure, call me Monday.", "segments": [
                { "speaker": "assistant", "text": "Reply STOP to opt out." },
                { "speaker": "customer", "text": "Sure, call me Monday." }
            ] } }),
        )
        .await);
    assert_eq!(lead(&app, &agent, &kept).await["status"], "NEW");
    // The caller asking is.
    let gone = new_lead(&app, &agent, "+15125550161").await;
    let call = new_call(&app, &agent, &gone).await;
    ok(&app
        .graphql(
            Some(&agent),
            attach,
            json!({ "call": call, "input": { "content": "…", "segments": [
                { "speaker": "assistant", "text": "Hi, is now a good time?" },
                { "speaker": "customer", "text": "Please STOP CALLING this number." }
            ] } }),
        )
        .await);
    let after = lead(&app, &agent, &gone).await;
    assert_eq!(after["status"], "DNC");
    let last = after["statusHistory"]
        .as_array()
        .expect("history")
        .last()
        .cloned()
        .expect("a move");
    assert_eq!(last["triggerType"], "AI");
    assert_eq!(last["callId"], json!(call));
    let entries = app
        .graphql(
            Some(&agent),
            "{ dncEntries { phoneNumber source detectedPhrase } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&entries)["dncEntries"],
        json!([{ "phoneNumber": "+15125550161", "source": "AI_DETECTED", "detectedPhrase": "stop calling" }])
    );
    // An analysis that only talks about opting out changes nothing…
    let talk = new_lead(&app, &agent, "+15125550163").await;
    let call = new_call(&app, &agent, &talk).await;
    ok(&app
        .graphql(
            Some(&agent),
            "mutation($call: ID!) { recordCallAnalysis(callId: $call, input: { nextSteps: \"Explain how to opt out of the add-on\", reasoning: { why: \"Lead did not ask us to stop calling\" } }) { id } }",
            json!({ "call": call }),
        )
        .await);
    assert_eq!(lead(&app, &agent, &talk).await["status"], "NEW");
    // …one whose objections name it does the same for another lead.
    let third = new_lead(&app, &agent, "+15125550162").await;
    let call = new_call(&app, &agent, &third).await;
    ok(&app
        .graphql(
            Some(&agent),
            "mutation($call: ID!) { recordCallAnalysis(callId: $call, input: { objectionsRaised: [\"Remove me from your list\"], nextSteps: \"Explain how to opt out of the add-on\" }) { id } }",
            json!({ "call": call }),
        )
        .await);
    assert_eq!(lead(&app, &agent, &third).await["status"], "DNC");
}

async fn rules_turned_off_change_nothing_and_bad_settings_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "off").await;
    let admin = tenant.token(tenant.admin);
    let update = "mutation($input: StatusRulesInput!) { updateStatusRules(input: $input) { enabled unansweredAttempts hotScore extraOptOutPhrases } }";
    for (input, expected) in [
        (
            json!({ "enabled": true, "unansweredAttempts": 51, "hotScore": 70 }),
            "input.unansweredAttempts",
        ),
        (
            json!({ "enabled": true, "unansweredAttempts": -1, "hotScore": 70 }),
            "input.unansweredAttempts",
        ),
        (
            json!({ "enabled": true, "unansweredAttempts": 3, "hotScore": 101 }),
            "input.hotScore",
        ),
        (
            json!({ "enabled": true, "unansweredAttempts": 3, "hotScore": 70, "extraOptOutPhrases": ["!"] }),
            "input.extraOptOutPhrases[0]",
        ),
    ] {
        let body = app
            .graphql(Some(&admin), update, json!({ "input": input }))
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{input}");
        assert_eq!(field(&body), expected, "{input}");
    }
    let agent = tenant.token(tenant.agent);
    let forbidden = app
        .graphql(
            Some(&agent),
            update,
            json!({ "input": { "enabled": false, "unansweredAttempts": 3, "hotScore": 70 } }),
        )
        .await;
    assert_eq!(code(&forbidden), "FORBIDDEN");
    let off = app
        .graphql(
            Some(&admin),
            update,
            json!({ "input": { "enabled": false, "unansweredAttempts": 3, "hotScore": 70 } }),
        )
        .await;
    assert_eq!(ok(&off)["updateStatusRules"]["enabled"], false);
    let read = app
        .graphql(Some(&agent), "{ statusRules { enabled } }", json!({}))
        .await;
    assert_eq!(ok(&read)["statusRules"]["enabled"], false);
    let id = new_lead(&app, &agent, "+15125550170").await;
    let call = new_call(&app, &agent, &id).await;
    end_call(&app, &agent, &call, &["IN_PROGRESS", "COMPLETED"]).await;
    ok(&app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { recordCallOutcome(id: $id, input: { outcome: BOOKED }) { id } }",
            json!({ "id": call }),
        )
        .await);
    assert_eq!(lead(&app, &agent, &id).await["status"], "NEW");
}
