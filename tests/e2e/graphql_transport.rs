//! GraphQL over HTTP: media types, methods, status codes, error shape,
//! safety limits, introspection and CORS.

use serde_json::{Value, json};
use switchboard_graphql::SchemaConfig;
use switchboard_server::app::HttpConfig;
use switchboard_tests::{Backend, Tenant, TestDb, on_both_backends, spawn_app, spawn_app_with};

on_both_backends!(
    a_form_or_plain_text_post_is_refused,
    get_runs_queries_but_never_mutations,
    graphql_response_json_gets_the_spec_status_codes,
    too_deep_too_complex_or_too_aliased_queries_are_refused_before_the_database,
    introspection_can_be_turned_off,
    cors_names_the_allowed_headers_for_allowed_origins,
);

async fn a_form_or_plain_text_post_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    for content_type in [
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data; boundary=x",
    ] {
        let response = app
            .client
            .post(format!("{}/graphql", app.base_url))
            .header("content-type", content_type)
            .body(r#"{"query":"mutation { deleteLead(id: \"x\") { id } }"}"#)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 415, "{content_type}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "UNSUPPORTED_MEDIA_TYPE"
        );
    }
    let malformed = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(malformed.status(), 400);
}

async fn get_runs_queries_but_never_mutations(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.owner);

    let query = app
        .client
        .get(format!("{}/graphql", app.base_url))
        .query(&[("query", "{ organization { slug } }")])
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(query.status(), 200);
    let body: Value = query.json().await.expect("json");
    assert_eq!(body["data"]["organization"]["slug"], "acme");

    let mutation = app
        .client
        .get(format!("{}/graphql", app.base_url))
        .query(&[(
            "query",
            r#"mutation { createLead(input: { phoneNumber: "+14155550100" }) { id } }"#,
        )])
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(mutation.status(), 405);
    assert_eq!(mutation.headers()["allow"], "POST");
    let leads = app
        .graphql(Some(&token), "{ leads { totalCount } }", json!({}))
        .await;
    assert_eq!(
        leads["data"]["leads"]["totalCount"], 0,
        "nothing was created"
    );
}

async fn graphql_response_json_gets_the_spec_status_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let post = |query: &str| {
        app.client
            .post(format!("{}/graphql", app.base_url))
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": query }))
            .send()
    };
    let fine = post("{ serverVersion }").await.expect("request");
    assert_eq!(fine.status(), 200);
    assert_eq!(
        fine.headers()["content-type"],
        "application/graphql-response+json"
    );

    let invalid = post("{ noSuchField }").await.expect("request");
    assert_eq!(invalid.status(), 400);
    let body: Value = invalid.json().await.expect("json");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );

    let unparsable = post("{ serverVersion").await.expect("request");
    assert_eq!(unparsable.status(), 400);
    let body: Value = unparsable.json().await.expect("json");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );

    // A field error after execution began is a 200 with data and errors.
    let partial = post("{ serverVersion leads { totalCount } }")
        .await
        .expect("request");
    assert_eq!(partial.status(), 200);

    // Plain application/json keeps 200 for a request error too, as the spec requires.
    let legacy = app.graphql(None, "{ noSuchField }", json!({})).await;
    assert_eq!(
        legacy["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
}

async fn too_deep_too_complex_or_too_aliased_queries_are_refused_before_the_database(
    backend: Backend,
) {
    let config = HttpConfig {
        schema: SchemaConfig {
            max_depth: 5,
            max_complexity: 500,
            max_aliases: 3,
            ..SchemaConfig::default()
        },
        ..HttpConfig::default()
    };
    let app = spawn_app_with(TestDb::migrated(backend).await, config).await;
    let deep = "{ leads { nodes { calls { nodes { lead { calls { nodes { id } } } } } } } }";
    let complex = "{ leads(first: 100) { nodes { id phoneNumber status calls(first: 100) { nodes { id status } } } } }";
    let aliased = "{ a: serverVersion b: serverVersion c: serverVersion d: serverVersion }";
    for query in [deep, complex, aliased] {
        let before = app.statements();
        let body = app.graphql(None, query, json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
            "{query}: {body}"
        );
        assert_eq!(app.statements(), before, "no statement ran for {query}");
    }
    let fine = app
        .graphql(None, "{ a: serverVersion b: serverVersion }", json!({}))
        .await;
    assert_eq!(fine["data"]["b"], env!("CARGO_PKG_VERSION"));
}

async fn introspection_can_be_turned_off(backend: Backend) {
    let open = spawn_app(backend).await;
    let body = open
        .graphql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");

    let config = HttpConfig {
        schema: SchemaConfig {
            introspection: false,
            ..SchemaConfig::default()
        },
        ..HttpConfig::default()
    };
    let closed = spawn_app_with(TestDb::migrated(backend).await, config).await;
    let body = closed
        .graphql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert!(
        body["data"]["__schema"].is_null(),
        "the schema is hidden: {body}"
    );
}

async fn cors_names_the_allowed_headers_for_allowed_origins(backend: Backend) {
    let config = HttpConfig {
        cors_origins: vec!["https://app.example.com".parse().expect("origin")],
        ..HttpConfig::default()
    };
    let app = spawn_app_with(TestDb::migrated(backend).await, config).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/graphql", app.base_url),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let allowed = preflight("https://app.example.com").await.expect("request");
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    let headers = allowed.headers()["access-control-allow-headers"]
        .to_str()
        .expect("ascii")
        .to_lowercase();
    assert!(
        headers.contains("authorization")
            && headers.contains("content-type")
            && !headers.contains('*'),
        "{headers}"
    );
    let other = preflight("https://evil.example.com")
        .await
        .expect("request");
    assert!(other.headers().get("access-control-allow-origin").is_none());
}
