//! A cursor belongs to one order of one list: handed to another order (a
//! score's cursor where times are sorted on) or forged with a key of the
//! wrong kind, it is BAD_USER_INPUT on its argument on both backends, never
//! a statement the database refuses.

use base64::Engine;
use serde_json::{Value, json};
use switchboard_tests::{Backend, Tenant, code, ok, on_both_backends, spawn_app};
use uuid::Uuid;

on_both_backends!(a_cursor_from_another_order_is_refused_on_its_argument);

fn forged(key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("v1|{key}|{}", Uuid::nil()))
}

async fn a_cursor_from_another_order_is_refused_on_its_argument(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "cursors").await;
    let token = acme.token(acme.manager);
    for phone in ["+14155550901", "+14155550902"] {
        let lead = app
            .graphql(
                Some(&token),
                "mutation($p: String!) { createLead(input: { phoneNumber: $p }) { id } }",
                json!({ "p": phone }),
            )
            .await;
        ok(&lead);
    }
    let by_score = app
        .graphql(
            Some(&token),
            "{ leads(first: 1, orderBy: { field: LEAD_SCORE }) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let score_cursor = ok(&by_score)["leads"]["pageInfo"]["endCursor"].clone();
    let by_time = app
        .graphql(
            Some(&token),
            "{ leads(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let time_cursor = ok(&by_time)["leads"]["pageInfo"]["endCursor"].clone();

    let refused = |body: &Value, field: &str| {
        assert_eq!(code(body), "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    };
    let leads = "query($a: String, $b: String, $o: LeadOrder) { leads(first: 5, after: $a, before: $b, orderBy: $o) { nodes { id } } }";
    let cases = [
        // A score's cursor where creation times are sorted on, and back.
        (json!({ "a": score_cursor }), "after"),
        (
            json!({ "a": time_cursor, "o": { "field": "LEAD_SCORE" } }),
            "after",
        ),
        (json!({ "b": score_cursor }), "before"),
        // Forged keys of every other kind, a null one in a list with no nulls.
        (json!({ "a": forged("i42") }), "after"),
        (json!({ "a": forged("d2026-01-01") }), "after"),
        (json!({ "a": forged("n") }), "after"),
    ];
    for (variables, field) in cases {
        let body = app.graphql(Some(&token), leads, variables).await;
        refused(&body, field);
    }
    // The same cursors go on working where they came from.
    let same = app
        .graphql(
            Some(&token),
            leads,
            json!({ "a": score_cursor, "o": { "field": "LEAD_SCORE" } }),
        )
        .await;
    assert_eq!(
        ok(&same)["leads"]["nodes"].as_array().map(Vec::len),
        Some(1)
    );

    let search = app
        .graphql(
            Some(&token),
            "query($a: String) { searchTranscripts(query: \"hello\", after: $a) { nodes { id } } }",
            json!({ "a": forged("i7") }),
        )
        .await;
    refused(&search, "after");
    let customers = app
        .graphql(
            Some(&token),
            "query($a: String) { customers(after: $a) { nodes { id } } }",
            json!({ "a": forged("n") }),
        )
        .await;
    refused(&customers, "after");
    let scored = app
        .graphql(
            Some(&token),
            "query($a: String) { customers(after: $a, orderBy: { field: LEAD_SCORE }) { nodes { id } } }",
            json!({ "a": forged("n") }),
        )
        .await;
    assert!(
        scored.get("errors").is_none(),
        "a null score is a key of that order: {scored}"
    );
}
