use serde_json::{Value, json};
use switchboard_tests::{Backend, on_both_backends, spawn_app};

on_both_backends!(
    healthz_answers_while_the_process_is_up,
    readyz_follows_the_database,
    graphql_answers_over_http,
);

async fn healthz_answers_while_the_process_is_up(backend: Backend) {
    let app = spawn_app(backend).await;

    let response = app
        .client
        .get(format!("{}/healthz", app.base_url))
        .send()
        .await
        .expect("request");

    assert_eq!(response.status(), 200);
    assert!(
        response.headers().contains_key("x-request-id"),
        "every response carries a request id"
    );
}

async fn readyz_follows_the_database(backend: Backend) {
    let app = spawn_app(backend).await;
    let ready = app
        .client
        .get(format!("{}/readyz", app.base_url))
        .send()
        .await
        .expect("request");
    assert_eq!(ready.status(), 200);

    app.db.db.clone().close().await.expect("pool closes");

    let unready = app
        .client
        .get(format!("{}/readyz", app.base_url))
        .send()
        .await
        .expect("request");
    assert_eq!(unready.status(), 503);
    let body: Value = unready.json().await.expect("json");
    assert_eq!(body["status"], "unavailable");
    let alive = app
        .client
        .get(format!("{}/healthz", app.base_url))
        .send()
        .await
        .expect("request");
    assert_eq!(alive.status(), 200, "the process is still up");
}

async fn graphql_answers_over_http(backend: Backend) {
    let app = spawn_app(backend).await;

    let response = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .json(&json!({ "query": "{ serverVersion }" }))
        .send()
        .await
        .expect("request");

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"]["serverVersion"], env!("CARGO_PKG_VERSION"));
}
