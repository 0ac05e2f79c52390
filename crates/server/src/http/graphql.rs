//! GraphQL over HTTP (the GraphQL-over-HTTP specification).
//!
//! - `POST /graphql` takes `application/json` only: a form or plain-text body
//!   is refused with 415, so no cross-site form can run a mutation.
//! - `GET /graphql` runs queries only: a mutation is 405.
//! - Responses are `application/graphql-response+json` when the client
//!   accepts it (a request that fails before execution is then 400), and
//!   `application/json` with 200 otherwise.
//! - Subscriptions and streamed operations live in [`crate::http::ws`] and
//!   [`crate::http::sse`].
//! - Every error carries `extensions.code`; errors from parsing and validation
//!   (depth, complexity, aliases) get `GRAPHQL_VALIDATION_FAILED` or
//!   `GRAPHQL_PARSE_FAILED`.

use async_graphql::parser::types::OperationType;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::app::AppState;
use crate::auth;
use crate::http::errors::coded;
use crate::http::{sse, ws};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

pub async fn post(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media_type != "application/json" && media_type != GRAPHQL_RESPONSE {
        return coded(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request as application/json",
            "UNSUPPORTED_MEDIA_TYPE",
        );
    }
    // A lone surrogate escape would fail the whole body; marked as a NUL,
    // it is refused as BAD_USER_INPUT naming its field instead.
    let marked = switchboard_graphql::limits::input::mark_lone_surrogates(&body);
    let request: async_graphql::Request =
        match serde_json::from_slice(marked.as_deref().unwrap_or(&body)) {
            Ok(request) => request,
            Err(err) => {
                return coded(
                    StatusCode::BAD_REQUEST,
                    &format!("the body is not a GraphQL request: {err}"),
                    "BAD_REQUEST",
                );
            }
        };
    let wants_stream = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/event-stream"));
    if wants_stream {
        return sse::event_stream(state, &headers, request).await;
    }
    execute(state, &headers, request).await
}

pub async fn get(State(state): State<AppState>, request: Request) -> Response {
    let (mut parts, _) = request.into_parts();
    let upgrade = parts
        .headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if upgrade {
        return ws::websocket(state, &mut parts).await;
    }
    let headers = parts.headers;
    let query = parts.uri.query().map(str::to_owned);
    let request =
        match async_graphql::http::parse_query_string(query.as_deref().unwrap_or_default()) {
            Ok(request) => request,
            Err(err) => {
                return coded(
                    StatusCode::BAD_REQUEST,
                    &format!("the query string is not a GraphQL request: {err}"),
                    "BAD_REQUEST",
                );
            }
        };
    if is_mutation(&request) {
        let mut response = coded(
            StatusCode::METHOD_NOT_ALLOWED,
            "mutations must be sent with POST",
            "METHOD_NOT_ALLOWED",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    execute(state, &headers, request).await
}

fn is_mutation(request: &async_graphql::Request) -> bool {
    // A text nested past the limit is refused unparsed by the schema.
    if switchboard_graphql::limits::document::bracket_depth(&request.query)
        > switchboard_graphql::limits::MAX_TEXT_NESTING
    {
        return false;
    }
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    document.operations.iter().any(|(name, op)| {
        let selected = match (&request.operation_name, name) {
            (Some(wanted), Some(name)) => wanted == name.as_str(),
            (Some(_), None) => false,
            (None, _) => true,
        };
        selected && op.node.ty == OperationType::Mutation
    })
}

async fn execute(
    state: AppState,
    headers: &HeaderMap,
    request: async_graphql::Request,
) -> Response {
    let auth = match auth::authenticate(
        &state.db,
        state.jwt_secret.as_bytes(),
        auth::bearer(headers),
    )
    .await
    {
        Ok(auth) => auth,
        Err(err) => {
            tracing::error!(error = %err, "authentication lookup failed");
            return coded(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unavailable",
                "SERVICE_UNAVAILABLE",
            );
        }
    };
    let request = switchboard_graphql::prepare(request, &state.db, auth);
    let response = state.schema.execute(request).await;
    // A request error (parse, validation, limits) has no path; an error in
    // execution always has one, even when it nulls the whole `data`.
    let failed_before_execution = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let mut body = match serde_json::to_value(&response) {
        Ok(body) => body,
        Err(_) => {
            return coded(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the response could not be encoded",
                "INTERNAL_SERVER_ERROR",
            );
        }
    };
    add_missing_codes(&mut body, failed_before_execution);
    if failed_before_execution && let Some(object) = body.as_object_mut() {
        // The spec: a request error's response has no `data` entry.
        object.remove("data");
    }
    let wants_graphql_response = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains(GRAPHQL_RESPONSE));
    let (status, content_type) = if wants_graphql_response {
        (
            if failed_before_execution {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            },
            GRAPHQL_RESPONSE,
        )
    } else {
        (StatusCode::OK, "application/json")
    };
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body.to_string(),
    )
        .into_response()
}

/// Gives every error an `extensions.code`. Parse failures and the limits
/// are coded where they are raised (the schema's limits extension); what is
/// left before execution is the library's own validation.
fn add_missing_codes(body: &mut serde_json::Value, failed_before_execution: bool) {
    let Some(errors) = body.get_mut("errors").and_then(|e| e.as_array_mut()) else {
        return;
    };
    for error in errors {
        let Some(object) = error.as_object_mut() else {
            continue;
        };
        let extensions = object.entry("extensions").or_insert_with(|| json!({}));
        if extensions.get("code").is_none() {
            extensions["code"] = json!(if failed_before_execution {
                "GRAPHQL_VALIDATION_FAILED"
            } else {
                "BAD_USER_INPUT"
            });
        }
    }
}
