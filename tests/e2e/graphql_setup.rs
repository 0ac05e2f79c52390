//! Agents, campaigns, phone numbers and bulk lead writes through GraphQL.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use switchboard_entity::{lead_audit_log, leads};
use switchboard_tests::{Backend, Tenant, code, ok, on_both_backends, spawn_app};

on_both_backends!(
    agents_are_created_updated_and_deactivated_by_managers,
    campaigns_keep_a_valid_calling_window,
    an_active_number_is_unique_until_it_is_retired,
    import_writes_a_thousand_rows_in_a_few_statements_and_reports_each_failure,
    an_all_or_nothing_import_writes_nothing_when_a_row_fails,
    upsert_inserts_new_phones_and_updates_known_ones,
);

async fn agents_are_created_updated_and_deactivated_by_managers(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let other = Tenant::create(&app.db.db, "other").await;
    let manager = acme.token(acme.manager);
    let create = "mutation { createAgent(input: { provider: VAPI, externalAgentId: \"asst_1\", name: \"Ava\" }) { id name isActive provider } }";

    let agent = app.graphql(Some(&manager), create, json!({})).await;
    let agent = ok(&agent)["createAgent"].clone();
    assert_eq!(
        (agent["provider"].as_str(), agent["isActive"].as_bool()),
        (Some("VAPI"), Some(true))
    );
    assert_eq!(
        code(&app.graphql(Some(&manager), create, json!({})).await),
        "CONFLICT"
    );
    assert_eq!(
        code(
            &app.graphql(Some(&acme.token(acme.agent)), create, json!({}))
                .await
        ),
        "FORBIDDEN"
    );

    let renamed = app
        .graphql(
            Some(&manager),
            "mutation($id: ID!) { updateAgent(id: $id, input: { name: \"Ava 2\" }) { name } }",
            json!({ "id": agent["id"] }),
        )
        .await;
    assert_eq!(ok(&renamed)["updateAgent"]["name"], "Ava 2");
    let foreign = app
        .graphql(
            Some(&other.token(other.owner)),
            "mutation($id: ID!) { deactivateAgent(id: $id) { id } }",
            json!({ "id": agent["id"] }),
        )
        .await;
    assert_eq!(code(&foreign), "NOT_FOUND");
    let off = app
        .graphql(
            Some(&manager),
            "mutation($id: ID!) { deactivateAgent(id: $id) { isActive } }",
            json!({ "id": agent["id"] }),
        )
        .await;
    assert_eq!(ok(&off)["deactivateAgent"]["isActive"], false);
    let listed = app
        .graphql(
            Some(&manager),
            "{ active: agents { id } all: agents(includeInactive: true) { name } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&listed)["active"], json!([]));
    assert_eq!(ok(&listed)["all"], json!([{ "name": "Ava 2" }]));
}

async fn campaigns_keep_a_valid_calling_window(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let manager = acme.token(acme.manager);
    let create = "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id name status callingWindowStart callingWindowEnd timezone } }";

    let campaign = app.graphql(Some(&manager), create, json!({ "input": { "name": "Spring", "callingWindowStart": "09:00", "callingWindowEnd": "18:30", "timezone": "America/Denver" } })).await;
    let campaign = ok(&campaign)["createCampaign"].clone();
    assert_eq!(
        (
            campaign["status"].as_str(),
            campaign["callingWindowEnd"].as_str()
        ),
        (Some("DRAFT"), Some("18:30"))
    );
    let backwards = app.graphql(Some(&manager), create, json!({ "input": { "name": "Bad", "callingWindowStart": "18:00", "callingWindowEnd": "09:00" } })).await;
    assert_eq!(
        backwards["errors"][0]["extensions"]["field"],
        "input.callingWindowEnd"
    );
    let half = app
        .graphql(
            Some(&manager),
            create,
            json!({ "input": { "name": "Half", "callingWindowStart": "09:00" } }),
        )
        .await;
    assert_eq!(code(&half), "BAD_USER_INPUT");
    let zone = app
        .graphql(
            Some(&manager),
            create,
            json!({ "input": { "name": "Zone", "timezone": "Nowhere/Land" } }),
        )
        .await;
    assert_eq!(zone["errors"][0]["extensions"]["field"], "input.timezone");
    assert_eq!(
        code(
            &app.graphql(
                Some(&manager),
                create,
                json!({ "input": { "name": "Spring" } })
            )
            .await
        ),
        "CONFLICT"
    );

    let paused = app
        .graphql(
            Some(&manager),
            "mutation($id: ID!) { deactivateCampaign(id: $id) { status } }",
            json!({ "id": campaign["id"] }),
        )
        .await;
    assert_eq!(ok(&paused)["deactivateCampaign"]["status"], "PAUSED");
    let narrowed = app.graphql(Some(&manager), "mutation($id: ID!) { updateCampaign(id: $id, input: { callingWindowEnd: \"08:00\" }) { id } }", json!({ "id": campaign["id"] })).await;
    assert_eq!(
        code(&narrowed),
        "BAD_USER_INPUT",
        "the window is checked against the stored start too"
    );
}

async fn an_active_number_is_unique_until_it_is_retired(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let manager = acme.token(acme.manager);
    let create = "mutation { createPhoneNumber(input: { name: \"Main\", phoneNumber: \"(617) 555-0100\" }) { id phoneNumber isActive } }";

    let number = app.graphql(Some(&manager), create, json!({})).await;
    let number = ok(&number)["createPhoneNumber"].clone();
    assert_eq!(number["phoneNumber"], "+16175550100");
    assert_eq!(
        code(&app.graphql(Some(&manager), create, json!({})).await),
        "CONFLICT"
    );

    let retired = app
        .graphql(
            Some(&manager),
            "mutation($id: ID!) { deactivatePhoneNumber(id: $id) { isActive } }",
            json!({ "id": number["id"] }),
        )
        .await;
    assert_eq!(ok(&retired)["deactivatePhoneNumber"]["isActive"], false);
    ok(&app.graphql(Some(&manager), create, json!({})).await);
    let listed = app
        .graphql(
            Some(&manager),
            "{ phoneNumbers { isActive } all: phoneNumbers(includeInactive: true) { isActive } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&listed)["phoneNumbers"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(ok(&listed)["all"].as_array().map(Vec::len), Some(2));
}

const IMPORT: &str = "mutation($rows: [CreateLeadInput!]!, $mode: ImportMode) { importLeads(input: $rows, mode: $mode) { created failed rows { index status code field existingId leadId } } }";

fn rows(n: usize) -> Vec<Value> {
    (0..n).map(|i| json!({ "phoneNumber": format!("+1212555{i:04}"), "firstName": format!("Lead {i}"), "tags": ["import"] })).collect()
}

async fn import_writes_a_thousand_rows_in_a_few_statements_and_reports_each_failure(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let agent = acme.token(acme.agent);
    let existing = app
        .graphql(
            Some(&agent),
            "mutation { createLead(input: { phoneNumber: \"+12125550007\" }) { id } }",
            json!({}),
        )
        .await;
    let existing_id = ok(&existing)["createLead"]["id"].clone();
    let mut batch = rows(1000);
    batch[10]["phoneNumber"] = json!("+1 212 555 0003"); // repeats row 3
    batch[20]["phoneNumber"] = json!("garbage");
    batch[30]["leadScore"] = json!(500);

    let before = app.statements();
    let body = app
        .graphql(
            Some(&agent),
            IMPORT,
            json!({ "rows": batch, "mode": "PER_ROW" }),
        )
        .await;
    let statements = app.statements() - before;

    let result = &ok(&body)["importLeads"];
    assert_eq!(
        (result["created"].as_i64(), result["failed"].as_i64()),
        (Some(996), Some(4))
    );
    let row = |i: usize| &result["rows"][i];
    assert_eq!(
        (row(7)["code"].as_str(), &row(7)["existingId"]),
        (Some("CONFLICT"), &existing_id)
    );
    assert_eq!(
        (row(10)["code"].as_str(), row(10)["field"].as_str()),
        (Some("CONFLICT"), Some("input[10].phoneNumber"))
    );
    assert_eq!(row(20)["field"], "input[20].phoneNumber");
    assert_eq!(row(30)["field"], "input[30].leadScore");
    assert_eq!(row(0)["status"], "CREATED");
    let stored = leads::Entity::find()
        .filter(leads::Column::OrganizationId.eq(acme.organization_id))
        .count(&app.db.db)
        .await
        .expect("count");
    assert_eq!(stored, 997);
    assert!(statements <= 20, "1,000 rows in {statements} statements");
    let audited = lead_audit_log::Entity::find()
        .count(&app.db.db)
        .await
        .expect("count");
    assert_eq!(audited, 997, "one audit row per created lead");
}

async fn an_all_or_nothing_import_writes_nothing_when_a_row_fails(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let mut batch = rows(50);
    batch[49]["phoneNumber"] = json!("nope");

    let body = app
        .graphql(
            Some(&acme.token(acme.agent)),
            IMPORT,
            json!({ "rows": batch }),
        )
        .await;

    let result = &ok(&body)["importLeads"];
    assert_eq!(
        (result["created"].as_i64(), result["failed"].as_i64()),
        (Some(0), Some(1))
    );
    assert_eq!(result["rows"][0]["status"], "SKIPPED");
    assert_eq!(
        leads::Entity::find()
            .count(&app.db.db)
            .await
            .expect("count"),
        0
    );
}

async fn upsert_inserts_new_phones_and_updates_known_ones(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let agent = acme.token(acme.agent);
    let known = app.graphql(Some(&agent), "mutation { createLead(input: { phoneNumber: \"+12125550001\", firstName: \"Old\" }) { id } }", json!({})).await;
    let known_id = ok(&known)["createLead"]["id"].clone();
    let upsert = "mutation($rows: [CreateLeadInput!]!) { upsertLeads(input: $rows) { created updated rows { status leadId } } }";

    let mut counts = Vec::new();
    for n in [10, 200] {
        let mut batch = rows(n);
        batch[1]["firstName"] = json!("New");
        let before = app.statements();
        let body = app
            .graphql(Some(&agent), upsert, json!({ "rows": batch }))
            .await;
        counts.push(app.statements() - before);
        let result = &ok(&body)["upsertLeads"];
        assert_eq!(result["rows"][1]["status"], "UPDATED");
        assert_eq!(result["rows"][1]["leadId"], known_id);
    }
    assert_eq!(
        counts[0], counts[1],
        "statements for 10 and 200 rows: {counts:?}"
    );
    let lead = app
        .graphql(
            Some(&agent),
            "query($id: ID!) { lead(id: $id) { firstName tags } }",
            json!({ "id": known_id }),
        )
        .await;
    assert_eq!(ok(&lead)["lead"]["firstName"], "New");
    assert_eq!(
        leads::Entity::find()
            .count(&app.db.db)
            .await
            .expect("count"),
        200
    );
}
