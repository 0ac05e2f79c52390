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
use std::net::{IpAddr, SocketAddr};

use axum::Extension;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::app::AppState;
use crate::auth;
use crate::http::errors::coded;
use crate::http::{sse, ws};
use crate::telemetry::{self, metrics::GraphqlOutcome};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// The peer's address, when the server was started with it.
type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

fn peer_ip(peer: Peer) -> Option<IpAddr> {
    peer.map(|Extension(ConnectInfo(addr))| addr.ip())
}

pub async fn post(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let peer = peer_ip(peer);
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
        return sse::event_stream(state, &headers, peer, request).await;
    }
    execute(state, &headers, peer, request).await
}

pub async fn get(State(state): State<AppState>, request: Request) -> Response {
    let (mut parts, _) = request.into_parts();
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
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
    execute(state, &headers, peer, request).await
}

fn is_mutation(request: &async_graphql::Request) -> bool {
    selected_operations(&request.query, request.operation_name.as_deref())
        .contains(&OperationType::Mutation)
}

/// Whether the request's operation is a subscription (its document parses
/// and the operation it selects is one).
pub(crate) fn is_subscription(query: &str, wanted: Option<&str>) -> bool {
    selected_operations(query, wanted).first() == Some(&OperationType::Subscription)
}

/// The types of the operations that `wanted` (or, without a name, any)
/// selects, in document order; none when the document does not parse.
fn selected_operations(query: &str, wanted: Option<&str>) -> Vec<OperationType> {
    // A text nested past the limit is refused unparsed by the schema.
    if switchboard_graphql::limits::document::bracket_depth(query)
        > switchboard_graphql::limits::MAX_TEXT_NESTING
    {
        return Vec::new();
    }
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return Vec::new();
    };
    document
        .operations
        .iter()
        .filter(|(name, _)| match (wanted, name) {
            (Some(wanted), Some(name)) => wanted == name.as_str(),
            (Some(_), None) => false,
            (None, _) => true,
        })
        .map(|(_, op)| op.node.ty)
        .collect()
}

async fn execute(
    state: AppState,
    headers: &HeaderMap,
    peer: Option<IpAddr>,
    request: async_graphql::Request,
) -> Response {
    let access = match auth::authenticate(
        state.app.privileged(),
        state.jwt_secret.as_bytes(),
        state.oidc.as_ref(),
        auth::bearer(headers),
    )
    .await
    {
        Ok(access) => access,
        Err(err) => {
            tracing::error!(error = %err, "authentication lookup failed");
            return coded(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unavailable",
                "SERVICE_UNAVAILABLE",
            );
        }
    };
    let span = tracing::Span::current();
    telemetry::record_viewer(&span, &access.auth);
    let operation = state.metrics.operation_label(operation_name(&request));
    span.record("operation", operation.as_str());
    let caller = auth::caller(headers, peer, &access);
    // A member's statements run as their organization: reads share one
    // transaction, ended once the response is complete.
    let app = match switchboard_graphql::tenant_of(&access.auth) {
        Some(tenant) => state.app.for_request(tenant),
        None => state.app.clone(),
    };
    let mut request = switchboard_graphql::prepare(request, &app, access.auth, caller);
    // Values the database renders as JSON are put into the body after it
    // is serialized (only this transport writes a body in one piece).
    let splices = std::sync::Arc::new(switchboard_graphql::shared::splice::Splices::new());
    request = request.data(splices.clone());
    // The limits first: HTTP's schema has no extensions to check them.
    let response = match state.admission.admit(&mut request) {
        Ok(()) => state.http_schema.execute(request).await,
        Err(refused) => async_graphql::Response::from_errors(vec![refused]),
    };
    if let Err(err) = app.db.finish().await {
        tracing::warn!(error = %err, "ending the request's read transaction failed");
    }
    let outcome = GraphqlOutcome {
        operation,
        errors: !response.errors.is_empty(),
    };
    // A request error (parse, validation, limits) has no path; an error in
    // execution always has one, even when it nulls the whole `data`.
    let failed_before_execution = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    // A response without errors is written straight to bytes; one with
    // errors goes through a JSON tree first, to complete their codes.
    let body = if response.errors.is_empty() {
        serde_json::to_vec(&response)
    } else {
        serde_json::to_value(&response).and_then(|mut body| {
            add_missing_codes(&mut body, failed_before_execution);
            if failed_before_execution && let Some(object) = body.as_object_mut() {
                // The spec: a request error's response has no `data` entry.
                object.remove("data");
            }
            serde_json::to_vec(&body)
        })
    };
    let Ok(mut body) = body else {
        return coded(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the response could not be encoded",
            "INTERNAL_SERVER_ERROR",
        );
    };
    if !splices.is_empty() {
        body = splices.splice(&body);
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
    let mut response = (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response();
    response.extensions_mut().insert(outcome);
    response
}

/// The operation's name: `operationName` if the request has one, else the
/// name of the document's first operation when the document starts with it
/// (read lexically, without parsing the document).
pub(crate) fn operation_name(request: &async_graphql::Request) -> Option<&str> {
    operation_name_of(&request.query, request.operation_name.as_deref())
}

/// [`operation_name`] of a document and its `operationName`.
pub(crate) fn operation_name_of<'a>(query: &'a str, given: Option<&'a str>) -> Option<&'a str> {
    if given.is_some() {
        return given;
    }
    let mut rest = skip_ignored(query);
    let keyword = ["query", "mutation", "subscription"]
        .into_iter()
        .find(|keyword| {
            rest.strip_prefix(keyword)
                .is_some_and(|after| !after.starts_with(is_name_char))
        })?;
    rest = skip_ignored(&rest[keyword.len()..]);
    let end = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
    let name = &rest[..end];
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        .then_some(name)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `text` past GraphQL's ignored tokens: white space, commas, a byte order
/// mark and comments.
fn skip_ignored(mut text: &str) -> &str {
    loop {
        text = text.trim_start_matches(|c: char| c.is_whitespace() || c == ',' || c == '\u{feff}');
        match text.strip_prefix('#') {
            Some(comment) => text = comment.find(['\n', '\r']).map_or("", |end| &comment[end..]),
            None => return text,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::operation_name;

    fn name_of(query: &str, operation_name_field: Option<&str>) -> Option<String> {
        let mut request = async_graphql::Request::new(query);
        if let Some(name) = operation_name_field {
            request = request.operation_name(name);
        }
        operation_name(&request).map(str::to_owned)
    }

    #[test]
    fn the_operation_name_is_the_field_or_the_first_operations() {
        assert_eq!(name_of("{ a }", Some("Given")).as_deref(), Some("Given"));
        assert_eq!(
            name_of("query ListCalls { a }", None).as_deref(),
            Some("ListCalls")
        );
        assert_eq!(
            name_of("# a comment\n ,mutation\tSetIt($x: Int) { a }", None).as_deref(),
            Some("SetIt")
        );
        assert_eq!(
            name_of("subscription OnCall{ a }", None).as_deref(),
            Some("OnCall")
        );
        assert_eq!(name_of("{ a }", None), None);
        assert_eq!(name_of("query { a }", None), None);
        assert_eq!(name_of("queryX { a }", None), None);
        assert_eq!(
            name_of("fragment F on Q { a } query Q { ...F }", None),
            None
        );
    }
}
