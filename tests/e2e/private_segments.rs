//! Private segments through `/graphql`, on both backends: visible to their
//! creator and to managers and above, to nobody else.

use serde_json::json;
use switchboard_tests::{Backend, Tenant, code, ok, on_both_backends, spawn_app};

on_both_backends!(a_private_segment_is_seen_by_its_creator_and_managers_only);

const CREATE: &str = "mutation($name: String!, $public: Boolean!) { createSegment(input: { name: $name, filter: {}, isPublic: $public }) { id } }";
const LIST: &str = "{ segments { name } }";

fn names(body: &serde_json::Value) -> Vec<String> {
    ok(body)["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .map(|s| s["name"].as_str().expect("name").to_owned())
        .collect()
}

async fn a_private_segment_is_seen_by_its_creator_and_managers_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "private").await;
    let manager = tenant.token(tenant.manager);
    let private = app
        .graphql(
            Some(&manager),
            CREATE,
            json!({ "name": "Mine", "public": false }),
        )
        .await;
    let private_id = ok(&private)["createSegment"]["id"].clone();
    ok(&app
        .graphql(
            Some(&manager),
            CREATE,
            json!({ "name": "Team", "public": true }),
        )
        .await);
    for user in [tenant.agent, tenant.viewer] {
        let token = tenant.token(user);
        assert_eq!(
            names(&app.graphql(Some(&token), LIST, json!({})).await),
            ["Team"]
        );
        let one = app
            .graphql(
                Some(&token),
                "query($id: ID!) { segment(id: $id) { name } }",
                json!({ "id": private_id }),
            )
            .await;
        assert_eq!(code(&one), "NOT_FOUND");
        // Nor can it filter by one, which would tell what it holds.
        let filtered = app
            .graphql(
                Some(&token),
                "query($id: ID!) { leads(filter: { segment: $id }) { totalCount } }",
                json!({ "id": private_id }),
            )
            .await;
        assert_eq!(code(&filtered), "NOT_FOUND", "{filtered}");
    }
    let by_manager = app
        .graphql(
            Some(&manager),
            "query($id: ID!) { leads(filter: { segment: $id }) { totalCount } }",
            json!({ "id": private_id }),
        )
        .await;
    assert_eq!(ok(&by_manager)["leads"]["totalCount"], 0);
    let admin = tenant.token(tenant.admin);
    assert_eq!(
        names(&app.graphql(Some(&admin), LIST, json!({})).await),
        ["Mine", "Team"]
    );
    // Its creator keeps seeing it after becoming an agent.
    ok(&app
        .graphql(
            Some(&tenant.token(tenant.owner)),
            "mutation($user: ID!) { changeMemberRole(userId: $user, role: AGENT) { role } }",
            json!({ "user": tenant.manager.to_string() }),
        )
        .await);
    assert_eq!(
        names(&app.graphql(Some(&manager), LIST, json!({})).await),
        ["Mine", "Team"]
    );
}
