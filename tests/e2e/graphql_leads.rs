//! Leads, segments and the DNC list through GraphQL over HTTP: every query
//! and filter operator, ordering and paging direction, each mutation's
//! success and errors, tenant isolation, and the statement count of nested
//! queries.

use chrono::{Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use switchboard_entity::enums::{CallStatus, CrmStage};
use switchboard_entity::{
    calls, lead_analytics, lead_audit_log, lead_score_history, lead_status_history, leads,
    transcripts,
};
use switchboard_tests::{Backend, Tenant, TestApp, code, ok, on_both_backends, spawn_app};
use uuid::Uuid;

on_both_backends!(
    a_member_sees_themselves_and_their_organization,
    create_lead_stores_e164_and_records_its_history,
    create_lead_refuses_bad_input_duplicates_and_the_wrong_callers,
    a_number_on_the_dnc_list_makes_a_dnc_lead,
    update_lead_writes_one_audit_row_per_changed_field,
    delete_and_restore_free_and_reclaim_the_number,
    tags_are_added_and_removed,
    every_lead_filter_operator_selects_the_right_leads,
    relation_filters_select_leads_by_their_calls_and_analyses,
    pages_cover_every_lead_once_in_both_directions_and_orders,
    nested_calls_are_paged_per_lead,
    statements_per_request_do_not_grow_with_page_size,
    another_organization_reads_and_writes_nothing,
    segments_are_saved_filters,
    the_dnc_list_blocks_until_an_entry_expires,
    transcripts_are_searchable,
);

const LEAD_FIELDS: &str = "id phoneNumber status leadScore tags source fullName email deletedAt";

async fn create_lead(app: &TestApp, token: &str, input: Value) -> Value {
    let body = app.graphql(Some(token), &format!("mutation($input: CreateLeadInput!) {{ createLead(input: $input) {{ {LEAD_FIELDS} }} }}"), json!({ "input": input })).await;
    ok(&body)["createLead"].clone()
}

fn uuid(value: &Value) -> Uuid {
    Uuid::parse_str(value.as_str().expect("an id")).expect("a uuid")
}

async fn a_member_sees_themselves_and_their_organization(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;

    let body = app
        .graphql(
            Some(&acme.token(acme.manager)),
            "{ viewer { role user { email } organization { slug timezone creditBalance } } }",
            json!({}),
        )
        .await;

    let viewer = &ok(&body)["viewer"];
    assert_eq!(viewer["role"], "MANAGER");
    assert_eq!(viewer["user"]["email"], "manager@acme.test");
    assert_eq!(viewer["organization"]["slug"], "acme");
    assert_eq!(viewer["organization"]["creditBalance"], 1000);
}

async fn create_lead_stores_e164_and_records_its_history(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;

    let lead = create_lead(
        &app,
        &acme.token(acme.agent),
        json!({
            "firstName": "Ada", "lastName": "Lovelace", "phoneNumber": "(415) 555-2671",
            "email": "ada@example.com", "leadScore": 42, "tags": ["vip", "vip", " insurance "],
            "source": "facebook", "timezone": "America/Chicago", "ownerId": acme.agent.to_string()
        }),
    )
    .await;

    assert_eq!(lead["phoneNumber"], "+14155552671");
    assert_eq!(lead["status"], "NEW");
    assert_eq!(lead["fullName"], "Ada Lovelace");
    assert_eq!(lead["tags"], json!(["vip", "insurance"]));
    let id = uuid(&lead["id"]);
    let db = &app.db.db;
    let audit = lead_audit_log::Entity::find()
        .filter(lead_audit_log::Column::LeadId.eq(id))
        .all(db)
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(
        audit[0].ip_address.as_deref(),
        Some("127.0.0.1"),
        "the request's address is recorded"
    );
    let history = lead_status_history::Entity::find()
        .filter(lead_status_history::Column::LeadId.eq(id))
        .all(db)
        .await
        .expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].from_status, None);
    let scores = lead_score_history::Entity::find()
        .filter(lead_score_history::Column::LeadId.eq(id))
        .all(db)
        .await
        .expect("scores");
    assert_eq!(
        scores.iter().map(|s| s.new_score).collect::<Vec<_>>(),
        vec![42]
    );
}

async fn create_lead_refuses_bad_input_duplicates_and_the_wrong_callers(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let agent = acme.token(acme.agent);
    let mutation = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }";

    let bad_phone = app
        .graphql(
            Some(&agent),
            mutation,
            json!({ "input": { "phoneNumber": "not a phone" } }),
        )
        .await;
    assert_eq!(code(&bad_phone), "BAD_USER_INPUT");
    assert_eq!(
        bad_phone["errors"][0]["extensions"]["field"],
        "input.phoneNumber"
    );
    let bad_score = app
        .graphql(
            Some(&agent),
            mutation,
            json!({ "input": { "phoneNumber": "+14155550123", "leadScore": 101 } }),
        )
        .await;
    assert_eq!(
        bad_score["errors"][0]["extensions"]["field"],
        "input.leadScore"
    );
    let bad_zone = app
        .graphql(
            Some(&agent),
            mutation,
            json!({ "input": { "phoneNumber": "+14155550123", "timezone": "Mars/Olympus" } }),
        )
        .await;
    assert_eq!(
        bad_zone["errors"][0]["extensions"]["field"],
        "input.timezone"
    );

    let first = create_lead(&app, &agent, json!({ "phoneNumber": "+1 415 555 0123" })).await;
    let duplicate = app
        .graphql(
            Some(&agent),
            mutation,
            json!({ "input": { "phoneNumber": "415-555-0123" } }),
        )
        .await;
    assert_eq!(code(&duplicate), "CONFLICT");
    assert_eq!(
        duplicate["errors"][0]["extensions"]["existingId"],
        first["id"]
    );

    let viewer = app
        .graphql(
            Some(&acme.token(acme.viewer)),
            mutation,
            json!({ "input": { "phoneNumber": "+14155550124" } }),
        )
        .await;
    assert_eq!(code(&viewer), "FORBIDDEN");
    let anonymous = app
        .graphql(
            None,
            mutation,
            json!({ "input": { "phoneNumber": "+14155550124" } }),
        )
        .await;
    assert_eq!(code(&anonymous), "UNAUTHENTICATED");
    let forged = switchboard_domain::auth::mint(
        b"not-the-secret",
        acme.agent,
        acme.organization_id,
        Utc::now(),
        Duration::hours(1),
    )
    .expect("token");
    assert_eq!(
        code(
            &app.graphql(
                Some(&forged),
                mutation,
                json!({ "input": { "phoneNumber": "+14155550124" } })
            )
            .await
        ),
        "UNAUTHENTICATED"
    );
    let expired = switchboard_domain::auth::mint(
        switchboard_tests::JWT_SECRET.as_bytes(),
        acme.agent,
        acme.organization_id,
        Utc::now() - Duration::hours(2),
        Duration::hours(1),
    )
    .expect("token");
    let expired = app
        .graphql(
            Some(&expired),
            mutation,
            json!({ "input": { "phoneNumber": "+14155550124" } }),
        )
        .await;
    assert_eq!(code(&expired), "UNAUTHENTICATED");
    assert!(
        expired["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("expired")
    );

    let leads = leads::Entity::find()
        .count(&app.db.db)
        .await
        .expect("count");
    assert_eq!(leads, 1, "nothing but the first lead was written");
}

async fn a_number_on_the_dnc_list_makes_a_dnc_lead(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let added = app.graphql(Some(&acme.token(acme.manager)), r#"mutation { addDncEntry(input: { phoneNumber: "+14155550188", reason: "asked" }) { id isActive } }"#, json!({})).await;
    assert_eq!(ok(&added)["addDncEntry"]["isActive"], true);

    let lead = create_lead(
        &app,
        &acme.token(acme.agent),
        json!({ "phoneNumber": "+14155550188", "status": "HOT" }),
    )
    .await;

    assert_eq!(lead["status"], "DNC");
}

async fn update_lead_writes_one_audit_row_per_changed_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let agent = acme.token(acme.agent);
    let lead = create_lead(
        &app,
        &agent,
        json!({ "phoneNumber": "+14155550100", "firstName": "Bo", "leadScore": 10 }),
    )
    .await;
    let id = uuid(&lead["id"]);
    let before = lead_audit_log::Entity::find()
        .filter(lead_audit_log::Column::LeadId.eq(id))
        .count(&app.db.db)
        .await
        .expect("count");

    let body = app.graphql(Some(&agent), "mutation($id: ID!) { updateLead(id: $id, input: { firstName: \"Bob\", status: QUALIFIED, leadScore: 75, company: \"Acme\", ownerId: \"OWNER\" }) { id } }".replace("OWNER", &acme.manager.to_string()).as_str(), json!({ "id": id.to_string() })).await;
    ok(&body);

    let audit = lead_audit_log::Entity::find()
        .filter(lead_audit_log::Column::LeadId.eq(id))
        .all(&app.db.db)
        .await
        .expect("audit");
    assert_eq!(
        audit.len() as u64 - before,
        5,
        "first_name, company, status, lead_score, owner"
    );
    let first_name = audit
        .iter()
        .find(|a| a.field_name.as_deref() == Some("first_name"))
        .expect("first_name row");
    assert_eq!(
        (first_name.old_value.clone(), first_name.new_value.clone()),
        (Some(json!("Bo")), Some(json!("Bob")))
    );
    let history = lead_status_history::Entity::find()
        .filter(lead_status_history::Column::LeadId.eq(id))
        .all(&app.db.db)
        .await
        .expect("history");
    assert!(
        history
            .iter()
            .any(|h| h.from_status.map(|s| s.as_str()) == Some("new")
                && h.to_status.as_str() == "qualified")
    );
    let scores = lead_score_history::Entity::find()
        .filter(lead_score_history::Column::LeadId.eq(id))
        .all(&app.db.db)
        .await
        .expect("scores");
    assert!(
        scores
            .iter()
            .any(|s| s.old_score == Some(10) && s.new_score == 75)
    );

    let same = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { updateLead(id: $id, input: { firstName: \"Bob\" }) { id } }",
            json!({ "id": id.to_string() }),
        )
        .await;
    ok(&same);
    let after = lead_audit_log::Entity::find()
        .filter(lead_audit_log::Column::LeadId.eq(id))
        .count(&app.db.db)
        .await
        .expect("count");
    assert_eq!(
        after,
        audit.len() as u64,
        "an unchanged value writes nothing"
    );

    let bad = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { updateLead(id: $id, input: { leadScore: -1 }) { id } }",
            json!({ "id": id.to_string() }),
        )
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "input.leadScore");
    let missing = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { updateLead(id: $id, input: { firstName: \"X\" }) { id } }",
            json!({ "id": Uuid::now_v7().to_string() }),
        )
        .await;
    assert_eq!(code(&missing), "NOT_FOUND");
    let malformed = app
        .graphql(
            Some(&agent),
            "mutation { updateLead(id: \"nope\", input: { firstName: \"X\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(malformed["errors"][0]["extensions"]["field"], "id");
}

async fn delete_and_restore_free_and_reclaim_the_number(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let agent = acme.token(acme.agent);
    let first = create_lead(&app, &agent, json!({ "phoneNumber": "+14155550100" })).await;

    let deleted = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { deleteLead(id: $id) { deletedAt } }",
            json!({ "id": first["id"] }),
        )
        .await;
    assert!(ok(&deleted)["deleteLead"]["deletedAt"].is_string());
    let listed = app
        .graphql(
            Some(&agent),
            "{ leads { totalCount } all: leads(filter: { includeDeleted: true }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&listed)["leads"]["totalCount"], 0);
    assert_eq!(ok(&listed)["all"]["totalCount"], 1);

    let second = create_lead(&app, &agent, json!({ "phoneNumber": "+14155550100" })).await;
    let blocked = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { restoreLead(id: $id) { id } }",
            json!({ "id": first["id"] }),
        )
        .await;
    assert_eq!(code(&blocked), "CONFLICT");
    assert_eq!(
        blocked["errors"][0]["extensions"]["existingId"],
        second["id"]
    );

    app.graphql(
        Some(&agent),
        "mutation($id: ID!) { deleteLead(id: $id) { id } }",
        json!({ "id": second["id"] }),
    )
    .await;
    let restored = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { restoreLead(id: $id) { deletedAt } }",
            json!({ "id": first["id"] }),
        )
        .await;
    assert!(ok(&restored)["restoreLead"]["deletedAt"].is_null());
}

async fn tags_are_added_and_removed(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let agent = acme.token(acme.agent);
    let lead = create_lead(
        &app,
        &agent,
        json!({ "phoneNumber": "+14155550100", "tags": ["a"] }),
    )
    .await;

    let added = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { addLeadTags(id: $id, tags: [\"b\", \"a\", \"c\"]) { tags } }",
            json!({ "id": lead["id"] }),
        )
        .await;
    assert_eq!(ok(&added)["addLeadTags"]["tags"], json!(["a", "b", "c"]));
    let removed = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { removeLeadTags(id: $id, tags: [\"a\", \"zzz\"]) { tags } }",
            json!({ "id": lead["id"] }),
        )
        .await;
    assert_eq!(ok(&removed)["removeLeadTags"]["tags"], json!(["b", "c"]));
    let empty = app
        .graphql(
            Some(&agent),
            "mutation($id: ID!) { addLeadTags(id: $id, tags: [\" \"]) { tags } }",
            json!({ "id": lead["id"] }),
        )
        .await;
    assert_eq!(code(&empty), "BAD_USER_INPUT");
}

/// Six leads with distinct attributes, created through the API.
async fn six_leads(app: &TestApp, acme: &Tenant) -> Vec<Value> {
    let agent = acme.token(acme.agent);
    let specs = [
        json!({ "phoneNumber": "+14155550101", "firstName": "Alice", "lastName": "Archer", "email": "alice@alpha.test", "status": "HOT", "leadScore": 90, "tags": ["vip", "insurance"], "source": "facebook", "ownerId": acme.agent.to_string() }),
        json!({ "phoneNumber": "+14155550102", "firstName": "Bob", "lastName": "Baker", "email": "bob@beta.test", "status": "NEW", "leadScore": 10, "tags": ["insurance"], "source": "google" }),
        json!({ "phoneNumber": "+14155550103", "firstName": "Carol", "lastName": "Chen", "status": "QUALIFIED", "leadScore": 70, "tags": ["vip"], "source": "facebook", "subSource": "retargeting" }),
        json!({ "phoneNumber": "+14155550104", "firstName": "Dan", "lastName": "Diaz", "status": "COLD", "leadScore": 30, "tags": [], "source": "website" }),
        json!({ "phoneNumber": "+14155550105", "firstName": "Eve", "lastName": "Evans", "status": "HOT", "leadScore": 55, "tags": ["spanish"], "source": "referral", "ownerId": acme.manager.to_string() }),
        json!({ "phoneNumber": "+16175550106", "firstName": "Frank", "lastName": "Ford", "status": "NURTURING", "leadScore": 45, "tags": ["vip", "spanish"], "source": "instagram" }),
    ];
    let mut out = Vec::new();
    for spec in specs {
        out.push(create_lead(app, &agent, spec).await);
    }
    out
}

async fn names(app: &TestApp, token: &str, filter: Value) -> Vec<String> {
    let body = app.graphql(Some(token), "query($f: LeadFilter) { leads(filter: $f, first: 100, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { firstName } } }", json!({ "f": filter })).await;
    ok(&body)["leads"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["firstName"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn every_lead_filter_operator_selects_the_right_leads(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let leads = six_leads(&app, &acme).await;
    let t = acme.token(acme.viewer);
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({ "status": { "in": ["HOT"] } }), vec!["Alice", "Eve"]),
        (
            json!({ "status": { "notIn": ["HOT", "NEW"] } }),
            vec!["Carol", "Dan", "Frank"],
        ),
        (json!({ "status": { "in": [] } }), vec![]),
        (
            json!({ "leadScore": { "gte": 55, "lt": 90 } }),
            vec!["Carol", "Eve"],
        ),
        (json!({ "leadScore": { "gt": 70 } }), vec!["Alice"]),
        (json!({ "leadScore": { "lte": 30 } }), vec!["Bob", "Dan"]),
        (
            json!({ "tags": { "containsAny": ["insurance", "spanish"] } }),
            vec!["Alice", "Bob", "Eve", "Frank"],
        ),
        (
            json!({ "tags": { "containsAll": ["vip", "spanish"] } }),
            vec!["Frank"],
        ),
        (
            json!({ "tags": { "containsAll": ["vip"] } }),
            vec!["Alice", "Carol", "Frank"],
        ),
        (
            json!({ "source": { "in": ["facebook", "instagram"] } }),
            vec!["Alice", "Carol", "Frank"],
        ),
        (
            json!({ "subSource": { "in": ["retargeting"] } }),
            vec!["Carol"],
        ),
        (
            json!({ "owner": { "eq": acme.agent.to_string() } }),
            vec!["Alice"],
        ),
        (
            json!({ "owner": { "isNull": false } }),
            vec!["Alice", "Eve"],
        ),
        (json!({ "search": "ALI" }), vec!["Alice"]),
        (json!({ "search": "beta.test" }), vec!["Bob"]),
        (json!({ "search": "617555" }), vec!["Frank"]),
        (json!({ "search": "a c" }), vec![]),
        (
            json!({ "or": [{ "status": { "in": ["COLD"] } }, { "leadScore": { "gte": 90 } }] }),
            vec!["Alice", "Dan"],
        ),
        (
            json!({ "and": [{ "tags": { "containsAny": ["vip"] } }, { "leadScore": { "lt": 80 } }] }),
            vec!["Carol", "Frank"],
        ),
        (
            json!({ "not": { "source": { "in": ["facebook"] } } }),
            vec!["Bob", "Dan", "Eve", "Frank"],
        ),
        (
            json!({ "createdAt": { "gte": (Utc::now() - Duration::hours(1)).to_rfc3339() } }),
            vec!["Alice", "Bob", "Carol", "Dan", "Eve", "Frank"],
        ),
        (
            json!({ "createdAt": { "lt": (Utc::now() - Duration::hours(1)).to_rfc3339() } }),
            vec![],
        ),
        (
            json!({ "lastContactAt": { "isNull": true }, "status": { "in": ["NEW"] } }),
            vec!["Bob"],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            names(&app, &t, filter.clone()).await,
            expected,
            "filter {filter}"
        );
    }

    app.graphql(
        Some(&acme.token(acme.agent)),
        "mutation($id: ID!) { deleteLead(id: $id) { id } }",
        json!({ "id": leads[3]["id"] }),
    )
    .await;
    assert_eq!(
        names(&app, &t, json!({ "source": { "in": ["website"] } })).await,
        Vec::<String>::new()
    );
    assert_eq!(
        names(
            &app,
            &t,
            json!({ "source": { "in": ["website"] }, "includeDeleted": true })
        )
        .await,
        vec!["Dan"]
    );

    let unknown = app.graphql(Some(&t), "{ leads(filter: { segment: \"00000000-0000-0000-0000-000000000000\" }) { totalCount } }", json!({})).await;
    assert_eq!(code(&unknown), "NOT_FOUND");
}

async fn add_call(
    app: &TestApp,
    org: Uuid,
    lead: Uuid,
    status: CallStatus,
    stage: CrmStage,
    days_ago: i64,
) -> Uuid {
    add_call_by(app, org, lead, None, status, stage, days_ago).await
}

async fn add_call_by(
    app: &TestApp,
    org: Uuid,
    lead: Uuid,
    agent: Option<Uuid>,
    status: CallStatus,
    stage: CrmStage,
    days_ago: i64,
) -> Uuid {
    let id = Uuid::now_v7();
    let at = Utc::now() - Duration::days(days_ago);
    calls::ActiveModel {
        id: Set(id),
        organization_id: Set(org),
        lead_id: Set(Some(lead)),
        agent_id: Set(agent),
        status: Set(status),
        crm_stage: Set(stage),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .expect("call");
    id
}

async fn relation_filters_select_leads_by_their_calls_and_analyses(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let leads = six_leads(&app, &acme).await;
    let (org, id) = (acme.organization_id, |i: usize| uuid(&leads[i]["id"]));
    // Alice: completed call 2 days ago. Bob: completed 20 days ago. Carol:
    // completed recently but closed won. Dan: a missed call only. Eve, Frank: none.
    add_call(
        &app,
        org,
        id(0),
        CallStatus::Completed,
        CrmStage::Completed,
        2,
    )
    .await;
    add_call(
        &app,
        org,
        id(1),
        CallStatus::Completed,
        CrmStage::Completed,
        20,
    )
    .await;
    add_call(
        &app,
        org,
        id(2),
        CallStatus::Completed,
        CrmStage::ClosedWon,
        1,
    )
    .await;
    add_call(&app, org, id(3), CallStatus::Missed, CrmStage::NoShow, 3).await;
    let analysed = add_call(
        &app,
        org,
        id(4),
        CallStatus::Completed,
        CrmStage::Completed,
        40,
    )
    .await;
    lead_analytics::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        call_id: Set(analysed),
        lead_id: Set(Some(id(4))),
        total_score: Set(Some(88)),
        is_qualified: Set(true),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .expect("analysis");
    let t = acme.token(acme.viewer);
    let week_ago = (Utc::now() - Duration::days(7)).to_rfc3339();

    // "Completed call in the last 7 days and no closed_won": one filter.
    let recent_open = json!({ "calls": {
        "some": { "status": { "in": ["COMPLETED"] }, "createdAt": { "gte": week_ago } },
        "none": { "crmStage": { "in": ["CLOSED_WON"] } }
    } });
    assert_eq!(names(&app, &t, recent_open).await, vec!["Alice"]);
    assert_eq!(
        names(&app, &t, json!({ "calls": { "none": {} } })).await,
        vec!["Frank"]
    );
    assert_eq!(
        names(
            &app,
            &t,
            json!({ "calls": { "every": { "status": { "in": ["COMPLETED"] } } } })
        )
        .await,
        vec!["Alice", "Bob", "Carol", "Eve", "Frank"],
        "every holds vacuously for no calls"
    );
    assert_eq!(names(&app, &t, json!({ "calls": { "some": { "or": [{ "status": { "in": ["MISSED"] } }, { "crmStage": { "in": ["CLOSED_WON"] } }] } } })).await, vec!["Carol", "Dan"]);
    assert_eq!(
        names(
            &app,
            &t,
            json!({ "analysis": { "totalScore": { "gte": 80 }, "isQualified": true } })
        )
        .await,
        vec!["Eve"]
    );
    assert_eq!(
        names(
            &app,
            &t,
            json!({ "analysis": { "totalScore": { "gt": 88 } } })
        )
        .await,
        Vec::<String>::new()
    );
}

async fn pages_cover_every_lead_once_in_both_directions_and_orders(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    six_leads(&app, &acme).await;
    let t = acme.token(acme.viewer);
    let query = "query($first: Int, $after: String, $last: Int, $before: String, $order: LeadOrder) {
        leads(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
            totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { firstName leadScore } } }";
    for (order, expected) in [
        (
            json!({ "field": "CREATED_AT", "direction": "ASC" }),
            vec!["Alice", "Bob", "Carol", "Dan", "Eve", "Frank"],
        ),
        (
            json!({ "field": "CREATED_AT", "direction": "DESC" }),
            vec!["Frank", "Eve", "Dan", "Carol", "Bob", "Alice"],
        ),
        (
            json!({ "field": "LEAD_SCORE", "direction": "DESC" }),
            vec!["Alice", "Carol", "Eve", "Frank", "Dan", "Bob"],
        ),
        (
            json!({ "field": "LEAD_SCORE", "direction": "ASC" }),
            vec!["Bob", "Dan", "Frank", "Eve", "Carol", "Alice"],
        ),
    ] {
        // Forward, two at a time.
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let body = app
                .graphql(
                    Some(&t),
                    query,
                    json!({ "first": 2, "after": after, "order": order }),
                )
                .await;
            let page = &ok(&body)["leads"];
            assert_eq!(page["totalCount"], 6);
            seen.extend(
                page["nodes"]
                    .as_array()
                    .expect("nodes")
                    .iter()
                    .map(|n| n["firstName"].as_str().unwrap_or_default().to_owned()),
            );
            assert_eq!(page["pageInfo"]["hasPreviousPage"], !after.is_null());
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen, expected, "forward {order}");
        // Backward, two at a time, from the end.
        let mut seen_back: Vec<String> = Vec::new();
        let mut before = Value::Null;
        loop {
            let body = app
                .graphql(
                    Some(&t),
                    query,
                    json!({ "last": 2, "before": before, "order": order }),
                )
                .await;
            let page = &ok(&body)["leads"];
            let mut names: Vec<String> = page["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|n| n["firstName"].as_str().unwrap_or_default().to_owned())
                .collect();
            names.extend(seen_back);
            seen_back = names;
            if page["pageInfo"]["hasPreviousPage"] != true {
                break;
            }
            before = page["pageInfo"]["startCursor"].clone();
        }
        assert_eq!(seen_back, expected, "backward {order}");
    }
    let too_big = app
        .graphql(Some(&t), "{ leads(first: 101) { totalCount } }", json!({}))
        .await;
    assert_eq!(too_big["errors"][0]["extensions"]["field"], "first");
    let garbage = app
        .graphql(
            Some(&t),
            "{ leads(after: \"garbage\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(garbage["errors"][0]["extensions"]["field"], "after");
}

async fn nested_calls_are_paged_per_lead(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let leads = six_leads(&app, &acme).await;
    let mut newest_two = std::collections::HashMap::new();
    for (i, lead) in leads.iter().enumerate() {
        let mut ids = Vec::new();
        for day in 0..(i as i64 + 1).min(4) {
            ids.push(
                add_call(
                    &app,
                    acme.organization_id,
                    uuid(&lead["id"]),
                    CallStatus::Completed,
                    CrmStage::Completed,
                    10 - day,
                )
                .await,
            );
        }
        ids.reverse(); // newest first
        ids.truncate(2);
        newest_two.insert(lead["id"].as_str().unwrap_or_default().to_owned(), ids);
    }

    let body = app.graphql(Some(&acme.token(acme.viewer)), "{ leads(first: 50) { nodes { id calls(first: 2) { totalCount pageInfo { hasNextPage } nodes { id } } } } }", json!({})).await;

    for lead in ok(&body)["leads"]["nodes"].as_array().expect("nodes") {
        let got: Vec<Uuid> = lead["calls"]["nodes"]
            .as_array()
            .expect("calls")
            .iter()
            .map(|c| uuid(&c["id"]))
            .collect();
        assert_eq!(
            &got,
            &newest_two[lead["id"].as_str().unwrap_or_default()],
            "the two newest calls of each lead"
        );
        let total = lead["calls"]["totalCount"].as_i64().expect("count");
        assert_eq!(lead["calls"]["pageInfo"]["hasNextPage"], total > 2);
    }
}

async fn statements_per_request_do_not_grow_with_page_size(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let agent_id = Uuid::now_v7();
    switchboard_entity::agents::ActiveModel {
        id: Set(agent_id),
        organization_id: Set(acme.organization_id),
        provider: Set(switchboard_entity::enums::AgentProvider::Vapi),
        external_agent_id: Set("asst".into()),
        name: Set("Ava".into()),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .expect("agent");
    for i in 0..120 {
        let lead = Uuid::now_v7();
        let now = Utc::now();
        leads::ActiveModel {
            id: Set(lead),
            organization_id: Set(acme.organization_id),
            phone_number: Set(format!("+1415555{i:04}")),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db.db)
        .await
        .expect("lead");
        for _ in 0..3 {
            let call = add_call_by(
                &app,
                acme.organization_id,
                lead,
                Some(agent_id),
                CallStatus::Completed,
                CrmStage::Completed,
                1,
            )
            .await;
            transcripts::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(acme.organization_id),
                call_id: Set(call),
                content: Set("hello".into()),
                ..Default::default()
            }
            .insert(&app.db.db)
            .await
            .expect("transcript");
        }
    }
    let t = acme.token(acme.viewer);
    let query = "query($n: Int) { leads(first: $n) { totalCount nodes { id owner { email } calls(first: 5) { totalCount nodes { id transcript { content } analysis { totalScore } agent { name } lead { id } } } statusHistory { toStatus } } } }";
    let mut counts = Vec::new();
    for n in [10, 100] {
        let before = app.statements();
        let body = app.graphql(Some(&t), query, json!({ "n": n })).await;
        assert_eq!(
            ok(&body)["leads"]["nodes"].as_array().expect("nodes").len(),
            n as usize
        );
        counts.push(app.statements() - before);
    }
    assert_eq!(
        counts[0],
        counts[1],
        "statements for 10 and 100 leads: {counts:?}: {:#?}",
        app.statements_since(app.statements() - counts[1])
    );
    assert!(
        counts[0] <= 12,
        "a handful of statements, not one per row: {counts:?}"
    );
}

async fn another_organization_reads_and_writes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let other = Tenant::create(&app.db.db, "other").await;
    let lead = create_lead(
        &app,
        &acme.token(acme.agent),
        json!({ "phoneNumber": "+14155550100", "firstName": "Ann" }),
    )
    .await;
    let call = add_call(
        &app,
        acme.organization_id,
        uuid(&lead["id"]),
        CallStatus::Completed,
        CrmStage::Completed,
        1,
    )
    .await;
    let segment = app
        .graphql(
            Some(&acme.token(acme.manager)),
            "mutation { createSegment(input: { name: \"All\", filter: {} }) { id } }",
            json!({}),
        )
        .await;
    let segment_id = ok(&segment)["createSegment"]["id"].clone();
    let dnc = app
        .graphql(
            Some(&acme.token(acme.manager)),
            "mutation { addDncEntry(input: { phoneNumber: \"+14155550199\" }) { id } }",
            json!({}),
        )
        .await;
    let dnc_id = ok(&dnc)["addDncEntry"]["id"].clone();
    let owner = other.token(other.owner);

    for (query, vars) in [
        (
            "query($id: ID!) { lead(id: $id) { id } }",
            json!({ "id": lead["id"] }),
        ),
        (
            "query($id: ID!) { call(id: $id) { id } }",
            json!({ "id": call.to_string() }),
        ),
        (
            "query($id: ID!) { segment(id: $id) { id } }",
            json!({ "id": segment_id }),
        ),
        (
            "mutation($id: ID!) { updateLead(id: $id, input: { firstName: \"Mallory\" }) { id } }",
            json!({ "id": lead["id"] }),
        ),
        (
            "mutation($id: ID!) { deleteLead(id: $id) { id } }",
            json!({ "id": lead["id"] }),
        ),
        (
            "mutation($id: ID!) { restoreLead(id: $id) { id } }",
            json!({ "id": lead["id"] }),
        ),
        (
            "mutation($id: ID!) { addLeadTags(id: $id, tags: [\"x\"]) { id } }",
            json!({ "id": lead["id"] }),
        ),
        (
            "mutation($id: ID!) { removeLeadTags(id: $id, tags: [\"x\"]) { id } }",
            json!({ "id": lead["id"] }),
        ),
        (
            "mutation($id: ID!) { updateSegment(id: $id, input: { name: \"Mine\" }) { id } }",
            json!({ "id": segment_id }),
        ),
        (
            "mutation($id: ID!) { refreshSegmentCount(id: $id) { id } }",
            json!({ "id": segment_id }),
        ),
        (
            "mutation($id: ID!) { deleteSegment(id: $id) }",
            json!({ "id": segment_id }),
        ),
        (
            "mutation($id: ID!) { removeDncEntry(id: $id) { id } }",
            json!({ "id": dnc_id }),
        ),
        (
            "{ leads(filter: { segment: \"SEG\" }) { totalCount } }"
                .replace("SEG", segment_id.as_str().unwrap_or_default())
                .leak(),
            json!({}),
        ),
    ] {
        let body = app.graphql(Some(&owner), query, vars).await;
        assert_eq!(code(&body), "NOT_FOUND", "{query}: {body}");
    }
    let lists = app.graphql(Some(&owner), "{ leads { totalCount } calls { totalCount } segments { id } dncEntries { id } searchTranscripts(query: \"hello\") { nodes { id } } dncCheck(phoneNumber: \"+14155550199\") { blocked } }", json!({})).await;
    let data = ok(&lists);
    assert_eq!(
        (
            data["leads"]["totalCount"].as_i64(),
            data["calls"]["totalCount"].as_i64()
        ),
        (Some(0), Some(0))
    );
    assert_eq!(
        (
            data["segments"].as_array().map(Vec::len),
            data["dncEntries"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
    assert_eq!(
        data["dncCheck"]["blocked"], false,
        "another organization's DNC list does not apply"
    );
    let a_lead = leads::Entity::find_by_id(uuid(&lead["id"]))
        .one(&app.db.db)
        .await
        .expect("read")
        .expect("still there");
    assert_eq!(
        (a_lead.first_name.as_deref(), a_lead.deleted_at),
        (Some("Ann"), None),
        "nothing written"
    );
    // A token for an organization the user does not belong to is refused.
    let cross = switchboard_tests::token(other.owner, acme.organization_id);
    assert_eq!(
        code(
            &app.graphql(Some(&cross), "{ leads { totalCount } }", json!({}))
                .await
        ),
        "UNAUTHENTICATED"
    );
}

async fn segments_are_saved_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    six_leads(&app, &acme).await;
    let manager = acme.token(acme.manager);

    let created = app.graphql(Some(&manager), "mutation($f: LeadFilter!) { createSegment(input: { name: \"VIP\", filter: $f, isPublic: true }) { id name filter leadCount leads(first: 10) { totalCount nodes { firstName } } } }", json!({ "f": { "tags": { "containsAny": ["vip"] } } })).await;
    let segment = &ok(&created)["createSegment"];
    assert_eq!(
        segment["filter"],
        json!({ "tags": { "containsAny": ["vip"] } }),
        "stored exactly as the input"
    );
    assert_eq!(segment["leads"]["totalCount"], 3);
    assert_eq!(segment["leadCount"], 0, "counted only on refresh");
    let id = segment["id"].clone();

    let refreshed = app.graphql(Some(&manager), "mutation($id: ID!) { refreshSegmentCount(id: $id) { leadCount leadCountRefreshedAt } }", json!({ "id": id })).await;
    assert_eq!(ok(&refreshed)["refreshSegmentCount"]["leadCount"], 3);

    let nested = app.graphql(Some(&manager), "mutation($f: LeadFilter!) { createSegment(input: { name: \"Hot VIP\", filter: $f }) { leads { nodes { firstName } } } }", json!({ "f": { "segment": id, "status": { "in": ["HOT"] } } })).await;
    assert_eq!(
        ok(&nested)["createSegment"]["leads"]["nodes"],
        json!([{ "firstName": "Alice" }])
    );

    let duplicate = app
        .graphql(
            Some(&manager),
            "mutation { createSegment(input: { name: \"VIP\", filter: {} }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&duplicate), "CONFLICT");
    let dangling = app.graphql(Some(&manager), "mutation { createSegment(input: { name: \"X\", filter: { segment: \"00000000-0000-0000-0000-000000000000\" } }) { id } }", json!({})).await;
    assert_eq!(code(&dangling), "NOT_FOUND");
    let agent = app
        .graphql(
            Some(&acme.token(acme.agent)),
            "mutation { createSegment(input: { name: \"Y\", filter: {} }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&agent), "FORBIDDEN");

    let updated = app.graphql(Some(&manager), "mutation($id: ID!) { updateSegment(id: $id, input: { name: \"Spanish\", filter: { tags: { containsAny: [\"spanish\"] } } }) { name leads { nodes { firstName } } } }", json!({ "id": id })).await;
    assert_eq!(
        ok(&updated)["updateSegment"]["leads"]["nodes"],
        json!([{ "firstName": "Frank" }, { "firstName": "Eve" }]),
        "newest first"
    );
    let listed = app.graphql(Some(&manager), "query($id: ID!) { segments { name } segment(id: $id) { name } leads(filter: { segment: $id }) { totalCount } }", json!({ "id": id })).await;
    assert_eq!(ok(&listed)["segment"]["name"], "Spanish");
    assert_eq!(ok(&listed)["leads"]["totalCount"], 2);

    let deleted = app
        .graphql(
            Some(&manager),
            "mutation($id: ID!) { deleteSegment(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(ok(&deleted)["deleteSegment"], id);
    let gone = app
        .graphql(
            Some(&manager),
            "query($id: ID!) { segment(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&gone), "NOT_FOUND");
}

async fn the_dnc_list_blocks_until_an_entry_expires(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let manager = acme.token(acme.manager);
    let add = "mutation($input: AddDncEntryInput!) { addDncEntry(input: $input) { id phoneNumber isActive source } }";

    let entry = app
        .graphql(
            Some(&manager),
            add,
            json!({ "input": { "phoneNumber": "(415) 555-0177", "source": "CUSTOMER_REQUEST" } }),
        )
        .await;
    let entry = ok(&entry)["addDncEntry"].clone();
    assert_eq!(entry["phoneNumber"], "+14155550177");
    let expired = app.graphql(Some(&manager), add, json!({ "input": { "phoneNumber": "+14155550178", "expiresAt": (Utc::now() - Duration::days(1)).to_rfc3339() } })).await;
    assert_eq!(ok(&expired)["addDncEntry"]["isActive"], false);
    let duplicate = app
        .graphql(
            Some(&manager),
            add,
            json!({ "input": { "phoneNumber": "+1 415 555 0177" } }),
        )
        .await;
    assert_eq!(code(&duplicate), "CONFLICT");
    assert_eq!(
        duplicate["errors"][0]["extensions"]["existingId"],
        entry["id"]
    );
    let agent = app
        .graphql(
            Some(&acme.token(acme.agent)),
            add,
            json!({ "input": { "phoneNumber": "+14155550179" } }),
        )
        .await;
    assert_eq!(code(&agent), "FORBIDDEN");

    let check =
        "query($p: String!) { dncCheck(phoneNumber: $p) { phoneNumber blocked entry { id } } }";
    let blocked = app
        .graphql(
            Some(&acme.token(acme.viewer)),
            check,
            json!({ "p": "415.555.0177" }),
        )
        .await;
    assert_eq!(ok(&blocked)["dncCheck"]["blocked"], true);
    let lapsed = app
        .graphql(
            Some(&acme.token(acme.viewer)),
            check,
            json!({ "p": "+14155550178" }),
        )
        .await;
    assert_eq!(ok(&lapsed)["dncCheck"]["blocked"], false);

    let removed = app
        .graphql(
            Some(&manager),
            "mutation($id: ID!) { removeDncEntry(id: $id) { id } }",
            json!({ "id": entry["id"] }),
        )
        .await;
    ok(&removed);
    // The consent record outlives the entry: who removed what, in the audit log.
    let audit = app
        .graphql(
            Some(&acme.token(acme.admin)),
            "{ adminAuditLog { nodes { action resourceId adminUserId details } } }",
            json!({}),
        )
        .await;
    let removal = ok(&audit)["adminAuditLog"]["nodes"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["action"] == "dnc.remove")
        .cloned()
        .expect("the removal is audited");
    assert_eq!(removal["resourceId"], entry["id"]);
    assert_eq!(removal["adminUserId"], acme.manager.to_string());
    assert_eq!(removal["details"]["phone_number"], "+14155550177");
    let after = app
        .graphql(
            Some(&acme.token(acme.viewer)),
            check,
            json!({ "p": "+14155550177" }),
        )
        .await;
    assert_eq!(ok(&after)["dncCheck"]["blocked"], false);
    let listed = app
        .graphql(Some(&manager), "{ dncEntries { phoneNumber } }", json!({}))
        .await;
    assert_eq!(
        ok(&listed)["dncEntries"],
        json!([{ "phoneNumber": "+14155550178" }])
    );
}

async fn transcripts_are_searchable(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let lead = create_lead(
        &app,
        &acme.token(acme.agent),
        json!({ "phoneNumber": "+14155550100" }),
    )
    .await;
    for (i, text) in [
        "We talked about dental insurance coverage",
        "The patient wants whitening",
        "Insurance was verified for the cleaning",
    ]
    .iter()
    .enumerate()
    {
        let call = add_call(
            &app,
            acme.organization_id,
            uuid(&lead["id"]),
            CallStatus::Completed,
            CrmStage::Completed,
            5 - i as i64,
        )
        .await;
        transcripts::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(acme.organization_id),
            call_id: Set(call),
            content: Set((*text).into()),
            created_at: Set(Utc::now() - Duration::days(5 - i as i64)),
            ..Default::default()
        }
        .insert(&app.db.db)
        .await
        .expect("transcript");
    }

    let body = app.graphql(Some(&acme.token(acme.viewer)), "{ searchTranscripts(query: \"insurance\") { nodes { content call { status lead { phoneNumber } } } } }", json!({})).await;

    let nodes = ok(&body)["searchTranscripts"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    assert_eq!(nodes.len(), 2);
    assert_eq!(
        nodes[0]["content"], "Insurance was verified for the cleaning",
        "newest first"
    );
    assert_eq!(nodes[0]["call"]["lead"]["phoneNumber"], "+14155550100");
    let empty = app
        .graphql(
            Some(&acme.token(acme.viewer)),
            "{ searchTranscripts(query: \"  \") { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&empty), "BAD_USER_INPUT");
    // A word longer than SQLite takes in a pattern is refused, not a crash.
    let long = app
        .graphql(
            Some(&acme.token(acme.viewer)),
            "query($q: String!) { searchTranscripts(query: $q) { nodes { id } } }",
            json!({ "q": "x".repeat(60_000) }),
        )
        .await;
    assert_eq!(code(&long), "BAD_USER_INPUT", "{long}");
    assert_eq!(long["errors"][0]["extensions"]["field"], "query");
}
