//! Lead distribution through `/graphql`, on both backends: `assignLeads` by
//! each strategy on a fixture team (choices worked out by hand), the
//! settings' validation and roles, and the organization's rule applied to
//! leads created through the API and imports, fair under concurrent
//! creation.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use switchboard_entity::{lead_assignments, lead_audit_log, leads};
use switchboard_tests::{Backend, Tenant, TestApp, code, ok, on_both_backends, spawn_app};
use uuid::Uuid;

on_both_backends!(
    round_robin_takes_turns_across_calls_and_records_why,
    capacity_and_territories_decide_and_full_members_are_skipped,
    manual_and_skill_based_assign_and_bad_requests_are_refused,
    the_rule_assigns_new_leads_evenly_under_concurrent_creation,
);

const ASSIGN: &str = "mutation($input: AssignLeadsInput!) { assignLeads(input: $input) { id fromUserId toUserId strategy metadata assignedById } }";
const SETTINGS: &str = "mutation($input: AssignmentSettingsInput!) { updateAssignmentSettings(input: $input) { capacities { userId capacity } away territories { name areaCodes memberIds } rule { strategy memberIds } } }";

fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("an error with a field: {body}"))
}

async fn leads_with(app: &TestApp, token: &str, phones: &[&str]) -> Vec<String> {
    let mut ids = Vec::new();
    for phone in phones {
        let body = app
            .graphql(
                Some(token),
                "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }",
                json!({ "input": { "phoneNumber": phone } }),
            )
            .await;
        ids.push(
            ok(&body)["createLead"]["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    ids
}

fn owners(assignments: &Value) -> Vec<String> {
    assignments
        .as_array()
        .expect("assignments")
        .iter()
        .map(|a| a["toUserId"].as_str().expect("to").to_owned())
        .collect()
}

async fn round_robin_takes_turns_across_calls_and_records_why(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "turns").await;
    let manager = tenant.token(tenant.manager);
    let ids = leads_with(
        &app,
        &manager,
        &["+15125550110", "+15125550111", "+15125550112"],
    )
    .await;
    // The turn order is by member id: the agent's id is below the manager's
    // (both UUIDv7, the manager made first).
    let mut team = [tenant.agent, tenant.manager];
    team.sort();
    let members: Vec<String> = team.iter().map(Uuid::to_string).collect();
    let first = app
        .graphql(
            Some(&manager),
            ASSIGN,
            json!({ "input": { "leadIds": ids, "strategy": "ROUND_ROBIN", "memberIds": members } }),
        )
        .await;
    let first = &ok(&first)["assignLeads"];
    assert_eq!(
        owners(first),
        [&members[0], &members[1], &members[0]].map(|s| s.clone())
    );
    assert_eq!(first[0]["strategy"], "ROUND_ROBIN");
    assert_eq!(first[0]["metadata"], json!({ "turn": 1, "of": 2 }));
    assert_eq!(first[0]["assignedById"], tenant.manager.to_string());
    assert!(first[0]["fromUserId"].is_null());
    // The next call continues after the last turn.
    let more = leads_with(&app, &manager, &["+15125550113"]).await;
    let next = app
        .graphql(
            Some(&manager),
            ASSIGN,
            json!({ "input": { "leadIds": more, "strategy": "ROUND_ROBIN", "memberIds": members } }),
        )
        .await;
    assert_eq!(owners(&ok(&next)["assignLeads"]), [members[1].clone()]);
    // The owners, the history and the audit agree.
    let owned = leads::Entity::find()
        .filter(leads::Column::OrganizationId.eq(tenant.organization_id))
        .all(&app.db.db)
        .await
        .expect("leads");
    assert!(owned.iter().all(|l| l.owner_user_id.is_some()));
    let history = lead_assignments::Entity::find()
        .filter(lead_assignments::Column::OrganizationId.eq(tenant.organization_id))
        .all(&app.db.db)
        .await
        .expect("assignments");
    assert_eq!(history.len(), 4);
    let audited = lead_audit_log::Entity::find()
        .filter(lead_audit_log::Column::OrganizationId.eq(tenant.organization_id))
        .filter(lead_audit_log::Column::FieldName.eq("owner_user_id"))
        .all(&app.db.db)
        .await
        .expect("audit");
    assert_eq!(audited.len(), 4);
    // Assigning a lead to the owner it has changes nothing.
    let same = app
        .graphql(
            Some(&manager),
            ASSIGN,
            json!({ "input": { "leadIds": [ids[0]], "strategy": "MANUAL", "memberIds": [members[0]] } }),
        )
        .await;
    assert_eq!(ok(&same)["assignLeads"], json!([]));
}

async fn capacity_and_territories_decide_and_full_members_are_skipped(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "load").await;
    let manager = tenant.token(tenant.manager);
    // The agent already holds two open leads; the admin none but takes one at most.
    let held = leads_with(&app, &manager, &["+15125550120", "+15125550121"]).await;
    ok(&app
        .graphql(
            Some(&manager),
            ASSIGN,
            json!({ "input": { "leadIds": held, "strategy": "MANUAL", "memberIds": [tenant.agent.to_string()] } }),
        )
        .await);
    let set = app
        .graphql(
            Some(&manager),
            SETTINGS,
            json!({ "input": {
                "capacities": [{ "userId": tenant.admin.to_string(), "capacity": 1 }],
                "territories": [
                    { "name": "Austin", "areaCodes": ["512"], "memberIds": [tenant.manager.to_string()] },
                    { "name": "France", "countries": ["fr"], "memberIds": [tenant.admin.to_string()] }
                ]
            } }),
        )
        .await;
    let settings = &ok(&set)["updateAssignmentSettings"];
    assert_eq!(settings["capacities"][0]["capacity"], 1);
    assert_eq!(settings["territories"][0]["areaCodes"], json!(["512"]));
    let fresh = leads_with(
        &app,
        &manager,
        &["+13125550122", "+13125550123", "+13125550124"],
    )
    .await;
    // CAPACITY between the agent (2 open) and the admin (0, at most 1):
    // the admin takes one and is full, the agent the other two.
    let by_load = app
        .graphql(
            Some(&manager),
            ASSIGN,
            json!({ "input": { "leadIds": fresh, "strategy": "CAPACITY", "memberIds": [tenant.agent.to_string(), tenant.admin.to_string()] } }),
        )
        .await;
    let by_load = &ok(&by_load)["assignLeads"];
    assert_eq!(
        owners(by_load),
        [tenant.admin, tenant.agent, tenant.agent].map(|u| u.to_string())
    );
    assert_eq!(
        by_load[0]["metadata"],
        json!({ "openLeads": 0, "capacity": 1 })
    );
    // GEOGRAPHIC: Austin's area code to the manager, Paris to the admin,
    // who is full, so the Paris lead keeps no owner.
    let places = leads_with(&app, &manager, &["+15125550125", "+33612345678"]).await;
    let by_place = app
        .graphql(
            Some(&manager),
            ASSIGN,
            json!({ "input": { "leadIds": places, "strategy": "GEOGRAPHIC", "memberIds": [tenant.manager.to_string(), tenant.admin.to_string()] } }),
        )
        .await;
    let by_place = &ok(&by_place)["assignLeads"];
    assert_eq!(owners(by_place), [tenant.manager.to_string()]);
    assert_eq!(by_place[0]["metadata"]["territory"], "Austin");
    assert_eq!(by_place[0]["metadata"]["matchedOn"], "areaCode");
    // Away members take nothing.
    ok(&app
        .graphql(
            Some(&manager),
            SETTINGS,
            json!({ "input": { "away": [tenant.agent.to_string()] } }),
        )
        .await);
    let away = leads_with(&app, &manager, &["+13125550126"]).await;
    let skipped = app
        .graphql(
            Some(&manager),
            ASSIGN,
            json!({ "input": { "leadIds": away, "strategy": "ROUND_ROBIN", "memberIds": [tenant.agent.to_string()] } }),
        )
        .await;
    assert_eq!(code(&skipped), "BAD_USER_INPUT");
    assert_eq!(field(&skipped), "input.memberIds");
}

async fn manual_and_skill_based_assign_and_bad_requests_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "skill").await;
    let other = Tenant::create(&app.db.db, "rival").await;
    let manager = tenant.token(tenant.manager);
    // The admin closed one of two recent leads; the agent none of one.
    let history = leads_with(
        &app,
        &manager,
        &["+15125550130", "+15125550131", "+15125550132"],
    )
    .await;
    for (lead, owner, status) in [
        (&history[0], tenant.admin, "RECRUITED"),
        (&history[1], tenant.admin, "CONTACTED"),
        (&history[2], tenant.agent, "CONTACTED"),
    ] {
        ok(&app
            .graphql(
                Some(&manager),
                "mutation($id: ID!, $input: UpdateLeadInput!) { updateLead(id: $id, input: $input) { id } }",
                json!({ "id": lead, "input": { "ownerId": owner.to_string(), "status": status } }),
            )
            .await);
    }
    let hot = app
        .graphql(
            Some(&manager),
            "mutation { createLead(input: { phoneNumber: \"+15125550133\", leadScore: 90 }) { id } }",
            json!({}),
        )
        .await;
    let hot = ok(&hot)["createLead"]["id"].clone();
    let team = [tenant.agent.to_string(), tenant.admin.to_string()];
    let skill = app
        .graphql(
            Some(&manager),
            ASSIGN,
            json!({ "input": { "leadIds": [hot], "strategy": "SKILL_BASED", "memberIds": team } }),
        )
        .await;
    let skill = &ok(&skill)["assignLeads"];
    assert_eq!(owners(skill), [tenant.admin.to_string()]);
    assert_eq!(
        skill[0]["metadata"],
        json!({ "priority": true, "rank": 1, "closeRate": 0.5 })
    );
    // MANUAL by filter: every lead matching goes to the one member.
    let manual = app
        .graphql(
            Some(&manager),
            ASSIGN,
            json!({ "input": { "filter": { "leadScore": { "gte": 90 } }, "strategy": "MANUAL", "memberIds": [tenant.manager.to_string()] } }),
        )
        .await;
    let manual = &ok(&manual)["assignLeads"];
    assert_eq!(owners(manual), [tenant.manager.to_string()]);
    assert_eq!(manual[0]["fromUserId"], tenant.admin.to_string());
    // Refusals, each naming its field.
    let cases = [
        (
            json!({ "leadIds": [hot], "strategy": "MANUAL", "memberIds": team }),
            "input.memberIds",
        ),
        (json!({ "strategy": "CAPACITY" }), "input.leadIds"),
        (
            json!({ "leadIds": [hot], "filter": {}, "strategy": "CAPACITY" }),
            "input.leadIds",
        ),
        (
            json!({ "leadIds": [hot], "strategy": "CAPACITY", "memberIds": [other.agent.to_string()] }),
            "input.memberIds[0]",
        ),
        (
            json!({ "leadIds": [hot], "strategy": "CAPACITY", "memberIds": [tenant.viewer.to_string()] }),
            "input.memberIds[0]",
        ),
        (
            json!({ "leadIds": [Uuid::now_v7().to_string()], "strategy": "CAPACITY" }),
            "input.leadIds[0]",
        ),
        (
            json!({ "leadIds": ["not-an-id"], "strategy": "CAPACITY" }),
            "input.leadIds[0]",
        ),
    ];
    for (input, expected) in cases {
        let body = app
            .graphql(Some(&manager), ASSIGN, json!({ "input": input }))
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{input}: {body}");
        assert_eq!(field(&body), expected, "{input}");
    }
    let agent = app
        .graphql(
            Some(&tenant.token(tenant.agent)),
            ASSIGN,
            json!({ "input": { "leadIds": [hot], "strategy": "CAPACITY" } }),
        )
        .await;
    assert_eq!(code(&agent), "FORBIDDEN");
    let bad_settings = [
        (
            json!({ "territories": [{ "name": "X", "areaCodes": ["51"], "memberIds": [tenant.agent.to_string()] }] }),
            "input.territories[0].areaCodes",
        ),
        (
            json!({ "capacities": [{ "userId": tenant.agent.to_string(), "capacity": -1 }] }),
            "input.capacities[0].capacity",
        ),
        (
            json!({ "away": [other.agent.to_string()] }),
            "input.memberIds",
        ),
        (
            json!({ "rule": { "strategy": "MANUAL" } }),
            "input.rule.memberIds",
        ),
    ];
    for (input, expected) in bad_settings {
        let body = app
            .graphql(Some(&manager), SETTINGS, json!({ "input": input }))
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{input}: {body}");
        assert_eq!(field(&body), expected, "{input}");
    }
}

async fn the_rule_assigns_new_leads_evenly_under_concurrent_creation(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "rule").await;
    let manager = tenant.token(tenant.manager);
    let team = [tenant.agent, tenant.manager, tenant.admin];
    let set = app
        .graphql(
            Some(&manager),
            SETTINGS,
            json!({ "input": { "rule": { "strategy": "ROUND_ROBIN", "memberIds": team.map(|u| u.to_string()) } } }),
        )
        .await;
    assert_eq!(
        ok(&set)["updateAssignmentSettings"]["rule"]["strategy"],
        "ROUND_ROBIN"
    );
    let creations = (0..50).map(|i| {
        let app = &app;
        let manager = &manager;
        async move {
            let body = app
                .graphql(
                    Some(manager),
                    "mutation($phone: String!) { createLead(input: { phoneNumber: $phone }) { id owner { id } } }",
                    json!({ "phone": format!("+1512555{:04}", 2000 + i) }),
                )
                .await;
            ok(&body)["createLead"]["owner"]["id"]
                .as_str()
                .expect("an owner")
                .to_owned()
        }
    });
    let owners = futures::future::join_all(creations).await;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for owner in owners {
        *counts.entry(owner).or_default() += 1;
    }
    let mut shares: Vec<usize> = counts.values().copied().collect();
    shares.sort_unstable();
    assert_eq!(shares, [16, 17, 17], "{counts:?}");
    // An import goes through the rule too, continuing the turns.
    let import = app
        .graphql(
            Some(&manager),
            "mutation($rows: [CreateLeadInput!]!) { importLeads(input: $rows) { created } }",
            json!({ "rows": (0..6).map(|i| json!({ "phoneNumber": format!("+1512556{:04}", i) })).collect::<Vec<_>>() }),
        )
        .await;
    ok(&import);
    let all = leads::Entity::find()
        .filter(leads::Column::OrganizationId.eq(tenant.organization_id))
        .all(&app.db.db)
        .await
        .expect("leads");
    assert_eq!(all.len(), 56);
    let mut totals: HashMap<Uuid, usize> = HashMap::new();
    for lead in &all {
        *totals
            .entry(lead.owner_user_id.expect("every lead has an owner"))
            .or_default() += 1;
    }
    let mut shares: Vec<usize> = totals.values().copied().collect();
    shares.sort_unstable();
    assert_eq!(shares, [18, 19, 19], "{totals:?}");
    // Clearing the rule leaves new leads unassigned.
    ok(&app
        .graphql(
            Some(&manager),
            SETTINGS,
            json!({ "input": { "clearRule": true } }),
        )
        .await);
    let body = app
        .graphql(
            Some(&manager),
            "mutation { createLead(input: { phoneNumber: \"+15125559999\" }) { owner { id } } }",
            json!({}),
        )
        .await;
    assert!(ok(&body)["createLead"]["owner"].is_null());
}
