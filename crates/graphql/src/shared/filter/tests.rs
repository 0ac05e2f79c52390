//! The inputs' conversion to the application's filter tree and back,
//! without a database (the compiler's own tests are in switchboard-app).

use super::*;
use switchboard_app::AppError;
use switchboard_app::query::filter::stored;

use crate::shared::error::{ApiError, ApiResult};

fn input(json: serde_json::Value) -> LeadFilter {
    serde_json::from_value(json).expect("a LeadFilter input")
}

fn refusal<T: std::fmt::Debug>(result: ApiResult<T>) -> (String, String) {
    match result {
        Err(ApiError(AppError::BadUserInput(error))) => error.into_parts(),
        other => panic!("expected BAD_USER_INPUT, got {other:?}"),
    }
}

#[test]
fn segment_filter_shows_the_stored_tree_in_the_input_shape() {
    let json = serde_json::json!({
        "status": { "in": ["HOT", "QUALIFIED"] },
        "leadScore": { "gte": 70 },
        "tags": { "containsAny": ["insurance"] },
        "owner": { "isNull": false },
        "calls": { "none": { "crmStage": { "in": ["CLOSED_WON"] }, "createdAt": { "gte": "2024-01-01T00:00:00Z" } } },
        "analysis": { "isQualified": true, "leadTemperature": { "notIn": [] } },
        "or": [{ "segment": "0190b4c6-2f6e-7c3a-9d1e-5a4b3c2d1e0f" }, { "includeDeleted": false }],
        "not": { "search": "ann" },
    });
    let tree = input(json.clone()).to_ast().expect("converts");
    assert_eq!(input_json(&tree).expect("shows"), json);
    assert!(
        serde_json::from_value::<LeadFilter>(serde_json::json!({ "stauts": {} })).is_err(),
        "unknown keys are refused"
    );
}

#[test]
fn the_stored_form_does_not_depend_on_the_inputs_field_names() {
    let tree = input(serde_json::json!({
        "leadScore": { "gte": 70 },
        "status": { "in": ["CONTACTED"] },
    }))
    .to_ast()
    .expect("converts");
    let stored = stored::encode(&tree).expect("encodes");
    assert_eq!(stored["version"], 2);
    assert_eq!(stored["filter"]["lead_score"]["gte"], 70);
    assert_eq!(stored["filter"]["status"]["any_of"][0], "contacted");
    let text = stored.to_string();
    for graphql_name in ["leadScore", "\"in\"", "CONTACTED"] {
        assert!(!text.contains(graphql_name), "{graphql_name} in {text}");
    }
}

#[test]
fn malformed_ids_are_refused_by_their_field_after_the_filters_bounds() {
    let (field, message) = refusal(input(serde_json::json!({ "owner": { "eq": "x" } })).to_ast());
    assert_eq!(
        (field.as_str(), message.as_str()),
        ("filter.owner", "`x` is not a valid id")
    );
    let calls = serde_json::json!({ "campaign": { "in": ["y"] } });
    let (field, _) = refusal(
        serde_json::from_value::<CallFilter>(calls)
            .expect("a CallFilter input")
            .to_ast(),
    );
    assert_eq!(field, "filter.campaign");
    // A malformed segment id is reported before other malformed ids...
    let both = input(serde_json::json!({ "owner": { "eq": "x" }, "and": [{ "segment": "z" }] }));
    assert_eq!(
        refusal(both.to_ast()),
        ("filter.segment".to_owned(), "not a valid id".to_owned())
    );
    // ...and the filter's size and shape before either.
    let wide = input(
        serde_json::json!({ "owner": { "eq": "x" }, "or": vec![serde_json::json!({}); 101] }),
    );
    let (field, message) = refusal(wide.to_ast());
    assert_eq!(field, "filter");
    assert!(message.contains("`or` lists at most 100"), "{message}");
}

#[test]
fn inputs_nested_past_the_limit_are_refused_without_being_converted() {
    let mut filter = LeadFilter::default();
    for _ in 0..200 {
        filter = LeadFilter {
            not: Some(Box::new(filter)),
            ..Default::default()
        };
    }
    let (field, message) = refusal(filter.to_ast());
    assert_eq!(field, "filter");
    assert_eq!(
        message,
        format!("filters nest at most {MAX_FILTER_DEPTH} levels")
    );
    let mut calls = CallFilter::default();
    for _ in 0..200 {
        calls = CallFilter {
            and: Some(vec![calls]),
            ..Default::default()
        };
    }
    assert_eq!(refusal(calls.to_ast()).0, "filter");
}
