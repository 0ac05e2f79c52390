//! Attacks on the document and on the text a request carries: each is
//! refused with a code in bounded time, and the server answers right after.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_server::app::HttpConfig;
use switchboard_server::rate_limit::RateLimit;
use switchboard_tests::{
    Backend, Tenant, TestApp, TestDb, on_both_backends, spawn_app, spawn_app_with,
};

on_both_backends!(
    a_fragment_bomb_is_refused_at_once,
    copies_of_one_field_and_piles_of_directives_are_refused,
    brackets_nested_past_any_limit_are_refused_before_parsing,
    fragment_cycles_are_refused,
    the_standard_introspection_query_passes_the_default_limits,
    a_nul_in_any_string_of_any_mutation_is_bad_user_input,
    a_nul_in_json_input_and_a_lone_surrogate_are_bad_user_input,
    dates_outside_the_supported_years_are_bad_user_input,
    request_errors_have_no_data_entry,
);

/// The introspection query graphql-js's `getIntrospectionQuery()` builds
/// with every option on (what GraphiQL, Apollo Sandbox and codegen send).
pub const INTROSPECTION_QUERY: &str = r#"
query IntrospectionQuery {
  __schema {
    description
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}
fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) {
    name
    description
    isDeprecated
    deprecationReason
  }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}
fragment TypeRef on __Type {
  kind
  name
  ofType {
    kind
    name
    ofType {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType { kind name }
                }
              }
            }
          }
        }
      }
    }
  }
}
"#;

/// Sends `query` with `variables` as `token` and asserts it is refused
/// with `code` within a second, and that the server answers right after.
async fn refused(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
    code: &str,
) -> Value {
    let started = Instant::now();
    let body = app.graphql(token, query, variables).await;
    let elapsed = started.elapsed();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        code,
        "{}",
        truncated(&body)
    );
    assert!(
        elapsed < Duration::from_secs(1),
        "refused in {elapsed:?}, not at once"
    );
    still_answers(app).await;
    body
}

fn truncated(body: &Value) -> String {
    body.to_string().chars().take(600).collect()
}

/// The server still answers a trivial query.
pub async fn still_answers(app: &TestApp) {
    let body = app.graphql(None, "{ __typename }", json!({})).await;
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
}

async fn a_fragment_bomb_is_refused_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.viewer);
    let mut query = String::from("query { ...F30 }\nfragment F0 on Query { __typename }\n");
    for i in 1..=30 {
        query.push_str(&format!(
            "fragment F{i} on Query {{ ...F{} ...F{} }}\n",
            i - 1,
            i - 1
        ));
    }
    let before = app.statements();
    let body = refused(
        &app,
        Some(&token),
        &query,
        json!({}),
        "GRAPHQL_VALIDATION_FAILED",
    )
    .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("fields")),
        "{body}"
    );
    // The refusal itself ran nothing; the membership lookup is the one statement.
    assert!(app.statements() - before <= 2);
    // Spreads that select nothing, ending in a fragment that does not exist.
    let mut empty = String::from("query { ...F60 }\nfragment F0 on Query { ...Missing }\n");
    for i in 1..=60 {
        empty.push_str(&format!(
            "fragment F{i} on Query {{ ...F{} ...F{} }}\n",
            i - 1,
            i - 1
        ));
    }
    refused(
        &app,
        Some(&token),
        &empty,
        json!({}),
        "GRAPHQL_VALIDATION_FAILED",
    )
    .await;
}

async fn copies_of_one_field_and_piles_of_directives_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.viewer);
    let copies = format!("{{ {} }}", "organization { id } ".repeat(10_000));
    refused(
        &app,
        Some(&token),
        &copies,
        json!({}),
        "GRAPHQL_VALIDATION_FAILED",
    )
    .await;
    let directives = format!(
        "{{ organization {} {{ id }} }}",
        "@include(if: true) ".repeat(10_000)
    );
    refused(
        &app,
        Some(&token),
        &directives,
        json!({}),
        "GRAPHQL_VALIDATION_FAILED",
    )
    .await;
    let aliased: String = (0..2_000)
        .map(|i| format!("a{i}: organization {{ id }} "))
        .collect();
    refused(
        &app,
        Some(&token),
        &format!("{{ {aliased} }}"),
        json!({}),
        "GRAPHQL_VALIDATION_FAILED",
    )
    .await;
}

async fn brackets_nested_past_any_limit_are_refused_before_parsing(backend: Backend) {
    let app = spawn_app(backend).await;
    let selections = format!("{}{}", "{ a ".repeat(50_000), "}".repeat(50_000));
    refused(
        &app,
        None,
        &selections,
        json!({}),
        "GRAPHQL_VALIDATION_FAILED",
    )
    .await;
    let list = format!(
        "{{ leads(filter: {{ tags: {{ containsAny: {}\"x\"{} }} }}) {{ totalCount }} }}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    refused(&app, None, &list, json!({}), "GRAPHQL_VALIDATION_FAILED").await;
    // Deeply nested JSON variables stop at the JSON parser's own limit.
    let nested = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let response = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"query":"query($v: [String]) {{ __typename }}","variables":{{"v":{nested}}}}}"#
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["errors"][0]["extensions"]["code"].is_string(),
        "{body}"
    );
    still_answers(&app).await;
}

async fn fragment_cycles_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    refused(
        &app,
        None,
        "query { ...A } fragment A on Query { ...B } fragment B on Query { __typename ...A }",
        json!({}),
        "GRAPHQL_VALIDATION_FAILED",
    )
    .await;
}

async fn the_standard_introspection_query_passes_the_default_limits(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    for token in [None, Some(acme.token(acme.viewer))] {
        let body = app
            .graphql(token.as_deref(), INTROSPECTION_QUERY, json!({}))
            .await;
        assert!(body.get("errors").is_none(), "{}", truncated(&body));
        let schema = &body["data"]["__schema"];
        assert_eq!(schema["queryType"]["name"], "Query");
        assert_eq!(schema["mutationType"]["name"], "Mutation");
        assert_eq!(schema["subscriptionType"]["name"], "Subscription");
        let types = schema["types"].as_array().expect("types");
        assert!(
            types.iter().any(|t| t["name"] == "LeadFilter"),
            "the input types are there"
        );
    }
}

/// Where a string can go in a mutation's arguments: the argument, and the
/// path inside it to a `String` (or `ID`) position, with the variable type.
struct StringSlot {
    mutation: String,
    argument: String,
    variable_type: String,
    /// The variable's value: an object path ending in a string.
    value: Value,
    /// The field the refusal must name.
    field: String,
    /// Whether the mutation's type has fields to select.
    selects: bool,
}

fn type_name(ty: &Value) -> String {
    match ty["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_name(&ty["ofType"])),
        Some("LIST") => format!("[{}]", type_name(&ty["ofType"])),
        _ => ty["name"].as_str().unwrap_or_default().to_owned(),
    }
}

fn named(ty: &Value) -> &Value {
    if ty["ofType"].is_null() {
        ty
    } else {
        named(&ty["ofType"])
    }
}

fn is_list(ty: &Value) -> bool {
    match ty["kind"].as_str() {
        Some("NON_NULL") => is_list(&ty["ofType"]),
        Some("LIST") => true,
        _ => false,
    }
}

/// Every string position of every mutation, found by introspection, so a
/// new mutation is covered without touching this test.
async fn string_slots(app: &TestApp) -> Vec<StringSlot> {
    let body = app.graphql(None, INTROSPECTION_QUERY, json!({})).await;
    let types = body["data"]["__schema"]["types"]
        .as_array()
        .expect("types")
        .clone();
    let by_name = |name: &str| types.iter().find(|t| t["name"] == name).cloned();
    let mutation = by_name("Mutation").expect("mutation root");
    let mut slots = Vec::new();
    for field in mutation["fields"].as_array().expect("fields") {
        let mutation_name = field["name"].as_str().expect("name").to_owned();
        let returns = named(&field["type"]);
        let selects = matches!(returns["kind"].as_str(), Some("OBJECT" | "INTERFACE"));
        for arg in field["args"].as_array().expect("args") {
            let argument = arg["name"].as_str().expect("arg").to_owned();
            let variable_type = type_name(&arg["type"]);
            // Depth-first through input objects, one slot per string field.
            let mut stack = vec![(
                named(&arg["type"]).clone(),
                is_list(&arg["type"]),
                Vec::<(String, bool)>::new(),
            )];
            while let Some((ty, list, path)) = stack.pop() {
                let wrap = |leaf: Value| {
                    let mut value = leaf;
                    for (key, key_list) in path.iter().rev() {
                        let inner = if *key_list { json!([value]) } else { value };
                        value = json!({ key: inner });
                    }
                    if list { json!([value]) } else { value }
                };
                // The variable is `$v`: the refusal names the path inside it.
                let field_path = || {
                    let mut text = String::from("v");
                    if list {
                        text.push_str("[0]");
                    }
                    for (key, key_list) in &path {
                        text.push('.');
                        text.push_str(key);
                        if *key_list {
                            text.push_str("[0]");
                        }
                    }
                    text
                };
                match (ty["kind"].as_str(), ty["name"].as_str()) {
                    (Some("SCALAR"), Some("String" | "ID")) => slots.push(StringSlot {
                        mutation: mutation_name.clone(),
                        argument: argument.clone(),
                        variable_type: variable_type.clone(),
                        value: wrap(json!("nul\u{0}here")),
                        field: field_path(),
                        selects,
                    }),
                    (Some("INPUT_OBJECT"), Some(name)) if path.len() < 4 => {
                        let input = by_name(name).expect("input type");
                        for inner in input["inputFields"].as_array().expect("input fields") {
                            let mut next = path.clone();
                            next.push((
                                inner["name"].as_str().expect("name").to_owned(),
                                is_list(&inner["type"]),
                            ));
                            stack.push((named(&inner["type"]).clone(), list, next));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    slots
}

async fn a_nul_in_any_string_of_any_mutation_is_bad_user_input(backend: Backend) {
    // Hundreds of requests back to back from one token and address: more
    // than their default bursts, which is not what this test is about.
    let config = HttpConfig {
        rate_limit_per_token: RateLimit::OFF,
        rate_limit_per_ip: RateLimit::OFF,
        ..HttpConfig::default()
    };
    let app = spawn_app_with(TestDb::migrated(backend).await, config).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.owner);
    let slots = string_slots(&app).await;
    let mutations: std::collections::HashSet<&str> =
        slots.iter().map(|s| s.mutation.as_str()).collect();
    assert!(
        mutations.len() >= 30,
        "string-taking mutations found by introspection: {}",
        mutations.len()
    );
    for slot in &slots {
        let selection = if slot.selects { " { __typename }" } else { "" };
        let query = format!(
            "mutation($v: {}) {{ {}({}: $v){selection} }}",
            slot.variable_type, slot.mutation, slot.argument
        );
        let body = app
            .graphql(Some(&token), &query, json!({ "v": slot.value }))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{query} {}: {body}",
            slot.value
        );
        assert_eq!(
            body["errors"][0]["extensions"]["field"], slot.field,
            "{query} {}: {body}",
            slot.value
        );
    }
    // The same as a literal in the document names the argument.
    let body = app
        .graphql(
            Some(&token),
            r#"mutation { createAgent(input: { name: "a\u0000b", provider: VAPI, externalAgentId: "x" }) { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.name",
        "{body}"
    );
    let rows = app.db.rows("SELECT id FROM agents").await;
    assert!(rows.is_empty(), "nothing was written");
    still_answers(&app).await;
}

async fn a_nul_in_json_input_and_a_lone_surrogate_are_bad_user_input(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.owner);
    // A JSON key and a JSON string value, both with NUL (PostgreSQL's jsonb
    // refuses `\u0000` in either).
    for value in [json!({ "k\u{0}": 1 }), json!({ "k": ["x\u{0}"] })] {
        let body = app
            .graphql(
                Some(&token),
                "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }",
                json!({ "input": { "phoneNumber": "+14155550100", "sourceMetadata": value } }),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body}"
        );
    }
    // `\ud800` with no pair is not text at all; it names its field too.
    let response = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"query":"mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }","variables":{"input":{"phoneNumber":"+14155550100","firstName":"x\ud800y"}}}"#)
        .send()
        .await
        .expect("request");
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.firstName",
        "{body}"
    );
    assert!(app.db.rows("SELECT id FROM leads").await.is_empty());
    still_answers(&app).await;
}

async fn dates_outside_the_supported_years_are_bad_user_input(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.owner);
    for at in [
        "0249-06-01T12:00:00Z",
        "0001-01-01T00:00:00Z",
        "+10000-01-01T00:00:00Z",
    ] {
        let body = app
            .graphql(
                Some(&token),
                "query($at: DateTime) { calls(filter: { createdAt: { gte: $at } }) { totalCount } }",
                json!({ "at": at }),
            )
            .await;
        let code = body["errors"][0]["extensions"]["code"].as_str();
        assert!(code == Some("BAD_USER_INPUT"), "{at}: {body}");
    }
    let body = app
        .graphql(
            Some(&token),
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }",
            json!({ "input": { "phoneNumber": "+14155550100" } }),
        )
        .await;
    let lead = body["data"]["createLead"]["id"]
        .as_str()
        .expect("a lead")
        .to_owned();
    let body = app
        .graphql(
            Some(&token),
            "mutation($input: ScheduleOutboundCallInput!) { scheduleOutboundCall(input: $input) { id } }",
            json!({ "input": { "leadId": lead, "scheduledAt": "0249-06-01T12:00:00Z" } }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.scheduledAt",
        "{body}"
    );
    still_answers(&app).await;
}

async fn request_errors_have_no_data_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    for (query, status) in [("{ nope", 400), ("{ nope }", 400)] {
        for accept in ["application/graphql-response+json", "application/json"] {
            let response = app
                .client
                .post(format!("{}/graphql", app.base_url))
                .header("accept", accept)
                .json(&json!({ "query": query }))
                .send()
                .await
                .expect("request");
            let expected = if accept == "application/json" {
                200
            } else {
                status
            };
            assert_eq!(response.status(), expected, "{query} {accept}");
            let body: Value = response.json().await.expect("json");
            assert!(body.get("data").is_none(), "{query} {accept}: {body}");
            assert!(
                body["errors"][0]["extensions"]["code"].is_string(),
                "{body}"
            );
        }
    }
}
