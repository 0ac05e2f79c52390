//! Follow-ups through `/graphql`, on both backends: scheduled for the
//! lead's owner, listed by due day a page at a time, completed, cancelled
//! and moved once (an ended one is CONFLICT), refused for bad days and the
//! wrong roles, and scheduled by a call's outcome.

use chrono::{Days, Utc};
use serde_json::{Value, json};
use switchboard_tests::{Backend, Tenant, TestApp, code, ok, on_both_backends, spawn_app};

on_both_backends!(
    a_follow_up_is_scheduled_for_the_owner_listed_by_day_and_ended_once,
    follow_ups_refuse_past_days_strangers_and_viewers,
    a_call_outcome_that_asks_for_a_follow_up_schedules_one_for_the_owner,
    a_follow_up_is_announced_once_when_its_day_comes,
);

const CREATE: &str = "mutation($input: CreateFollowUpInput!) { createFollowUp(input: $input) { id date status assigneeId leadId leadPhone createdById } }";
const LIST: &str = "query($filter: FollowUpFilter, $first: Int, $after: String) { followUps(filter: $filter, first: $first, after: $after) { nodes { id date status remark } pageInfo { hasNextPage endCursor } totalCount } }";

/// A day `days` from today in the tenant's zone (America/New_York).
fn day(days: i64) -> String {
    let today = Utc::now()
        .with_timezone(&chrono_tz::America::New_York)
        .date_naive();
    let day = if days >= 0 {
        today.checked_add_days(Days::new(days as u64))
    } else {
        today.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    day.expect("a day").to_string()
}

fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("an error with a field: {body}"))
}

async fn lead(app: &TestApp, token: &str, phone: &str, owner: Option<uuid::Uuid>) -> String {
    let body = app
        .graphql(
            Some(token),
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }",
            json!({ "input": { "phoneNumber": phone, "firstName": "Ada", "lastName": "King", "ownerId": owner.map(|o| o.to_string()) } }),
        )
        .await;
    ok(&body)["createLead"]["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

async fn a_follow_up_is_scheduled_for_the_owner_listed_by_day_and_ended_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "follow").await;
    let manager = tenant.token(tenant.manager);
    let agent = tenant.token(tenant.agent);
    let lead_id = lead(&app, &manager, "+15125550101", Some(tenant.agent)).await;
    let mut ids = Vec::new();
    for (days, remark) in [(3, "third"), (0, "first"), (1, "second")] {
        let body = app
            .graphql(
                Some(&manager),
                CREATE,
                json!({ "input": { "leadId": lead_id, "date": day(days), "remark": remark } }),
            )
            .await;
        let created = &ok(&body)["createFollowUp"];
        assert_eq!(created["status"], "PENDING");
        assert_eq!(created["date"], day(days));
        // The lead's owner follows up; the manager scheduled it.
        assert_eq!(created["assigneeId"], tenant.agent.to_string());
        assert_eq!(created["createdById"], tenant.manager.to_string());
        assert_eq!(created["leadPhone"], "+15125550101");
        ids.push(created["id"].as_str().expect("id").to_owned());
    }
    // Soonest first, two a page.
    let first = app.graphql(Some(&agent), LIST, json!({ "first": 2 })).await;
    let page = &ok(&first)["followUps"];
    let remarks: Vec<&str> = page["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["remark"].as_str().expect("remark"))
        .collect();
    assert_eq!(remarks, ["first", "second"]);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["totalCount"], 3);
    let rest = app
        .graphql(
            Some(&agent),
            LIST,
            json!({ "first": 2, "after": page["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(ok(&rest)["followUps"]["nodes"][0]["remark"], "third");
    assert_eq!(ok(&rest)["followUps"]["pageInfo"]["hasNextPage"], false);
    // Due by tomorrow, for the agent.
    let due = app
        .graphql(
            Some(&agent),
            LIST,
            json!({ "filter": { "dueTo": day(1), "assigneeId": tenant.agent.to_string(), "status": ["PENDING"] } }),
        )
        .await;
    assert_eq!(ok(&due)["followUps"]["totalCount"], 2);
    // Complete once; twice is CONFLICT, and so is moving it.
    let complete = "mutation($id: ID!) { completeFollowUp(id: $id, remark: \"called back\") { status remark completedAt completedById } }";
    let done = app
        .graphql(Some(&agent), complete, json!({ "id": ids[1] }))
        .await;
    let done = &ok(&done)["completeFollowUp"];
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["remark"], "called back");
    assert_eq!(done["completedById"], tenant.agent.to_string());
    assert!(done["completedAt"].is_string());
    let again = app
        .graphql(Some(&agent), complete, json!({ "id": ids[1] }))
        .await;
    assert_eq!(code(&again), "CONFLICT");
    let moved_done = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!, $date: Date!) { rescheduleFollowUp(id: $id, date: $date) { date } }",
            json!({ "id": ids[1], "date": day(5) }),
        )
        .await;
    assert_eq!(code(&moved_done), "CONFLICT");
    // Move the third to another day and member, then cancel the second.
    let moved = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!, $date: Date!, $to: ID) { rescheduleFollowUp(id: $id, date: $date, assigneeId: $to) { date assigneeId } }",
            json!({ "id": ids[0], "date": day(10), "to": tenant.manager.to_string() }),
        )
        .await;
    assert_eq!(ok(&moved)["rescheduleFollowUp"]["date"], day(10));
    assert_eq!(
        ok(&moved)["rescheduleFollowUp"]["assigneeId"],
        tenant.manager.to_string()
    );
    let cancelled = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { cancelFollowUp(id: $id) { status } }",
            json!({ "id": ids[2] }),
        )
        .await;
    assert_eq!(ok(&cancelled)["cancelFollowUp"]["status"], "CANCELLED");
    let states = app
        .graphql(
            Some(&agent),
            "query($id: ID!) { lead(id: $id) { followUps { status } } }",
            json!({ "id": lead_id }),
        )
        .await;
    let mut statuses: Vec<&str> = ok(&states)["lead"]["followUps"]
        .as_array()
        .expect("follow-ups")
        .iter()
        .map(|f| f["status"].as_str().expect("status"))
        .collect();
    statuses.sort_unstable();
    assert_eq!(statuses, ["CANCELLED", "COMPLETED", "PENDING"]);
}

async fn follow_ups_refuse_past_days_strangers_and_viewers(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "refuse").await;
    let other = Tenant::create(&app.db.db, "elsewhere").await;
    let agent = tenant.token(tenant.agent);
    let lead_id = lead(&app, &agent, "+15125550102", None).await;
    let past = app
        .graphql(
            Some(&agent),
            CREATE,
            json!({ "input": { "leadId": lead_id, "date": day(-1) } }),
        )
        .await;
    assert_eq!(code(&past), "BAD_USER_INPUT");
    assert_eq!(field(&past), "input.date");
    let stranger = app
        .graphql(
            Some(&agent),
            CREATE,
            json!({ "input": { "leadId": lead_id, "date": day(1), "assigneeId": other.agent.to_string() } }),
        )
        .await;
    assert_eq!(code(&stranger), "BAD_USER_INPUT");
    assert_eq!(field(&stranger), "input.assigneeId");
    let long = app
        .graphql(
            Some(&agent),
            CREATE,
            json!({ "input": { "leadId": lead_id, "date": day(1), "remark": "x".repeat(2_001) } }),
        )
        .await;
    assert_eq!(field(&long), "input.remark");
    let viewer = app
        .graphql(
            Some(&tenant.token(tenant.viewer)),
            CREATE,
            json!({ "input": { "leadId": lead_id, "date": day(1) } }),
        )
        .await;
    assert_eq!(code(&viewer), "FORBIDDEN");
    // Without an owner, the member scheduling it follows up.
    let mine = app
        .graphql(
            Some(&agent),
            CREATE,
            json!({ "input": { "leadId": lead_id, "date": day(1) } }),
        )
        .await;
    let id = ok(&mine)["createFollowUp"]["id"].clone();
    assert_eq!(
        ok(&mine)["createFollowUp"]["assigneeId"],
        tenant.agent.to_string()
    );
    // Another organization sees none of it.
    let foreign = app
        .graphql(
            Some(&other.token(other.owner)),
            "mutation($id: ID!) { completeFollowUp(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&foreign), "NOT_FOUND");
    let listed = app
        .graphql(Some(&other.token(other.owner)), LIST, json!({}))
        .await;
    assert_eq!(ok(&listed)["followUps"]["totalCount"], 0);
    let bad_range = app
        .graphql(
            Some(&agent),
            LIST,
            json!({ "filter": { "dueFrom": day(3), "dueTo": day(1) } }),
        )
        .await;
    assert_eq!(field(&bad_range), "filter.dueTo");
}

async fn a_call_outcome_that_asks_for_a_follow_up_schedules_one_for_the_owner(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "outcome").await;
    let manager = tenant.token(tenant.manager);
    let lead_id = lead(&app, &manager, "+15125550103", Some(tenant.agent)).await;
    let call = app
        .graphql(
            Some(&manager),
            "mutation($lead: ID!) { createCall(input: { leadId: $lead }) { id } }",
            json!({ "lead": lead_id }),
        )
        .await;
    let call_id = ok(&call)["createCall"]["id"].clone();
    let outcome = "mutation($id: ID!, $input: RecordCallOutcomeInput!) { recordCallOutcome(id: $id, input: $input) { id } }";
    let when = format!("{}T16:00:00Z", day(4));
    let recorded = app
        .graphql(
            Some(&manager),
            outcome,
            json!({ "id": call_id, "input": { "outcome": "INFORMATION", "followUpRequired": true, "followUpDate": when } }),
        )
        .await;
    ok(&recorded);
    let listed = app
        .graphql(
            Some(&manager),
            "{ followUps { nodes { date status assigneeId callId leadId createdById } } }",
            json!({}),
        )
        .await;
    let nodes = ok(&listed)["followUps"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0]["date"], day(4));
    assert_eq!(nodes[0]["assigneeId"], tenant.agent.to_string());
    assert_eq!(nodes[0]["callId"], call_id);
    assert_eq!(nodes[0]["leadId"], lead_id);
    // Recording again moves it rather than adding a second…
    let again = app
        .graphql(
            Some(&manager),
            outcome,
            json!({ "id": call_id, "input": { "outcome": "INFORMATION", "followUpRequired": true, "followUpDate": format!("{}T16:00:00Z", day(6)) } }),
        )
        .await;
    ok(&again);
    let moved = app.graphql(Some(&manager), LIST, json!({})).await;
    assert_eq!(ok(&moved)["followUps"]["totalCount"], 1);
    assert_eq!(ok(&moved)["followUps"]["nodes"][0]["date"], day(6));
    // …and no longer requiring one cancels it.
    let off = app
        .graphql(
            Some(&manager),
            outcome,
            json!({ "id": call_id, "input": { "outcome": "INFORMATION", "followUpRequired": false } }),
        )
        .await;
    ok(&off);
    let cancelled = app
        .graphql(
            Some(&manager),
            LIST,
            json!({ "filter": { "status": ["PENDING"] } }),
        )
        .await;
    assert_eq!(ok(&cancelled)["followUps"]["totalCount"], 0);
}

async fn a_follow_up_is_announced_once_when_its_day_comes(backend: Backend) {
    use crate::subscriptions::{connect, next_json, start};
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "due").await;
    let agent = tenant.token(tenant.agent);
    let lead_id = lead(&app, &agent, "+15125550104", Some(tenant.agent)).await;
    let mut socket = connect(&app.base_url, "graphql-transport-ws", &agent).await;
    start(
        &mut socket,
        "1",
        "subscription($me: ID) { followUpDue(assigneeId: $me) { followUpId date followUp { remark status } } }",
        json!({ "me": tenant.agent.to_string() }),
    )
    .await;
    // No replay: let the server register the subscription.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // Later: not yet. Today: at once.
    let later = app
        .graphql(
            Some(&agent),
            CREATE,
            json!({ "input": { "leadId": lead_id, "date": day(2), "remark": "later" } }),
        )
        .await;
    let later_id = ok(&later)["createFollowUp"]["id"].clone();
    let today = app
        .graphql(
            Some(&agent),
            CREATE,
            json!({ "input": { "leadId": lead_id, "date": day(0), "remark": "today" } }),
        )
        .await;
    let today_id = ok(&today)["createFollowUp"]["id"].clone();
    let message = next_json(&mut socket).await.expect("an announcement");
    let due = &message["payload"]["data"]["followUpDue"];
    assert_eq!(due["followUpId"], today_id, "{message}");
    assert_eq!(due["date"], day(0));
    assert_eq!(due["followUp"]["remark"], "today");
    // The runner's round announces the later one on its day, once.
    let runner = {
        let kind = match backend {
            Backend::Sqlite => sea_orm::DbBackend::Sqlite,
            Backend::Postgres => sea_orm::DbBackend::Postgres,
        };
        switchboard_app::App::new(
            app.db.runtime_pool().await,
            switchboard_app::EventBus::new(kind),
            std::sync::Arc::new(switchboard_domain::secrets::SecretKey::derive(b"due")),
        )
        .with_privileged(app.db.db.clone())
    };
    let mut runner_bus = runner.bus.subscribe_organization(tenant.organization_id);
    let tomorrow = Utc::now() + chrono::Duration::days(1);
    assert_eq!(
        switchboard_app::leads::runner::announce_due_follow_ups(&runner, tomorrow)
            .await
            .expect("a round"),
        0,
        "not due tomorrow"
    );
    let in_three_days = Utc::now() + chrono::Duration::days(3);
    let announced = switchboard_app::leads::runner::announce_due_follow_ups(&runner, in_three_days)
        .await
        .expect("a round");
    assert_eq!(announced, 1);
    // On SQLite the runner's own bus hears it (on PostgreSQL, events
    // travel by NOTIFY to the instances' listeners: checked below).
    if backend == Backend::Sqlite {
        let heard = tokio::time::timeout(std::time::Duration::from_secs(10), runner_bus.recv())
            .await
            .expect("within 10 s")
            .expect("an event");
        match heard.as_ref() {
            switchboard_app::events::Message::FollowUpDue(event) => {
                assert_eq!(
                    event.follow_up_id.to_string(),
                    later_id.as_str().expect("id")
                );
            }
            other => panic!("a follow-up event, not {other:?}"),
        }
    }
    assert_eq!(
        switchboard_app::leads::runner::announce_due_follow_ups(&runner, in_three_days)
            .await
            .expect("a round"),
        0,
        "announced once"
    );
    // On PostgreSQL the announcement reaches the server's subscribers too.
    if backend == Backend::Postgres {
        let message = next_json(&mut socket).await.expect("an announcement");
        assert_eq!(
            message["payload"]["data"]["followUpDue"]["followUpId"], later_id,
            "{message}"
        );
    }
}
