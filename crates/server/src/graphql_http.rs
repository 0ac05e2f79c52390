//! GraphQL over HTTP (the GraphQL-over-HTTP specification).
//!
//! - `POST /graphql` takes `application/json` only: a form or plain-text body
//!   is refused with 415, so no cross-site form can run a mutation.
//! - `GET /graphql` runs queries only: a mutation is 405.
//! - Responses are `application/graphql-response+json` when the client
//!   accepts it (a request that fails before execution is then 400), and
//!   `application/json` with 200 otherwise.
//! - Every error carries `extensions.code`; errors from parsing and validation
//!   (depth, complexity, aliases) get `GRAPHQL_VALIDATION_FAILED` or
//!   `GRAPHQL_PARSE_FAILED`.

use async_graphql::parser::types::OperationType;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::app::AppState;
use crate::auth;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
/// How a refused WebSocket connection's reason starts.
const REFUSED: &str = "Forbidden: ";

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
        return request_error(
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
                return request_error(
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
        return event_stream(state, &headers, request).await;
    }
    execute(state, &headers, request).await
}

/// Server-Sent Events, the graphql-sse protocol's distinct-connections mode:
/// one POST with `Accept: text/event-stream` per operation, answered by
/// `next` events and a final `complete`. For clients and proxies that do not
/// do WebSockets; subscriptions behave exactly as over WebSocket.
async fn event_stream(
    state: AppState,
    headers: &HeaderMap,
    request: async_graphql::Request,
) -> Response {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use futures::StreamExt;
    let auth = match auth::authenticate(
        &state.db,
        state.jwt_secret.as_bytes(),
        auth::bearer(headers),
    )
    .await
    {
        Ok(auth) => auth,
        Err(_) => {
            return request_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unavailable",
                "SERVICE_UNAVAILABLE",
            );
        }
    };
    let request = switchboard_graphql::prepare_stream(request, &state.db, auth);
    let responses = state.schema.execute_stream(request).map(|response| {
        let json = serde_json::to_string(&response).unwrap_or_else(|_| "{}".to_owned());
        Ok::<_, std::convert::Infallible>(Event::default().event("next").data(json))
    });
    let complete = futures::stream::once(async { Ok(Event::default().event("complete").data("")) });
    Sse::new(responses.chain(complete))
        .keep_alive(KeepAlive::default())
        .into_response()
}

pub async fn get(State(state): State<AppState>, request: Request) -> Response {
    let (mut parts, _) = request.into_parts();
    let upgrade = parts
        .headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if upgrade {
        return websocket(state, &mut parts).await;
    }
    let headers = parts.headers;
    let query = parts.uri.query().map(str::to_owned);
    let request =
        match async_graphql::http::parse_query_string(query.as_deref().unwrap_or_default()) {
            Ok(request) => request,
            Err(err) => {
                return request_error(
                    StatusCode::BAD_REQUEST,
                    &format!("the query string is not a GraphQL request: {err}"),
                    "BAD_REQUEST",
                );
            }
        };
    if is_mutation(&request) {
        let mut response = request_error(
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

/// Subscriptions over WebSocket, in both sub-protocols (`graphql-transport-ws`
/// and the legacy `graphql-ws`). The token comes in `connection_init`'s
/// payload (`Authorization`, `authorization` or `token`); a bad one closes the
/// socket with the protocol's code.
async fn websocket(state: AppState, parts: &mut axum::http::request::Parts) -> Response {
    // The first sub-protocol offered that we speak.
    let protocol = parts
        .headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|offered| {
            offered.split(',').find_map(|p| {
                p.trim()
                    .parse::<async_graphql::http::WebSocketProtocols>()
                    .ok()
            })
        });
    let Some(protocol) = protocol else {
        return request_error(
            StatusCode::BAD_REQUEST,
            "offer the graphql-transport-ws or graphql-ws sub-protocol",
            "BAD_REQUEST",
        );
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(parts, &state).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        // Subscription clients send little: a small read buffer keeps each
        // idle socket cheap (axum's default is 128 KiB, zeroed on each read).
        .read_buffer_size(4 * 1024)
        .on_upgrade(move |socket| serve_socket(state, protocol, socket))
}

async fn serve_socket(
    state: AppState,
    protocol: async_graphql::http::WebSocketProtocols,
    socket: axum::extract::ws::WebSocket,
) {
    use futures::{SinkExt, StreamExt};
    let (db, secret, schema) = (
        state.db.clone(),
        state.jwt_secret.clone(),
        state.schema.clone(),
    );
    let (mut sink, stream) = socket.split();
    let input = stream
        .take_while(|message| futures::future::ready(message.is_ok()))
        .filter_map(|message| {
            futures::future::ready(match message {
                Ok(Message::Text(text)) => Some(text.as_bytes().to_vec()),
                Ok(Message::Binary(bytes)) => Some(bytes.to_vec()),
                _ => None,
            })
        });
    let keepalive = Message::Text(
        match protocol {
            async_graphql::http::WebSocketProtocols::GraphQLWS => r#"{"type":"ping"}"#,
            async_graphql::http::WebSocketProtocols::SubscriptionsTransportWS => r#"{"type":"ka"}"#,
        }
        .into(),
    );
    let messages = async_graphql::http::WebSocket::new(schema, input, protocol)
        .on_connection_init(move |payload| async move {
            let token = ["Authorization", "authorization", "token"]
                .iter()
                .find_map(|key| {
                    payload
                        .get(*key)
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                });
            let token = token.map(|t| t.strip_prefix("Bearer ").map(str::to_owned).unwrap_or(t));
            match auth::authenticate(&db, secret.as_bytes(), token.as_deref()).await {
                Ok(auth @ switchboard_graphql::Auth::Member(_)) => {
                    Ok(switchboard_graphql::connection_data(&db, auth))
                }
                Ok(switchboard_graphql::Auth::Anonymous(reason)) => {
                    Err(async_graphql::Error::new(format!("{REFUSED}{reason}")))
                }
                Err(_) => Err(async_graphql::Error::new("the database is unavailable")),
            }
        })
        .map(|message| match message {
            async_graphql::http::WsMessage::Text(text) => Message::Text(text.into()),
            // async-graphql closes a refused `connection_init` with 1002; the
            // graphql-transport-ws protocol says 4403 Forbidden.
            async_graphql::http::WsMessage::Close(code, reason) => {
                let code = if code == 1002 && reason.starts_with(REFUSED) {
                    4403
                } else {
                    code
                };
                Message::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                }))
            }
        });
    futures::pin_mut!(messages);
    // A keep-alive (`ping` in graphql-transport-ws, `ka` in the legacy
    // protocol) at every interval, so proxies and clients keep a quiet
    // socket open; a peer that is gone fails the write and ends the loop.
    let every = state.keepalive;
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        let outgoing = tokio::select! {
            message = messages.next() => match message {
                Some(message) => message,
                None => break,
            },
            _ = ticker.tick() => keepalive.clone(),
        };
        if sink.send(outgoing).await.is_err() {
            break;
        }
    }
}

fn is_mutation(request: &async_graphql::Request) -> bool {
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
            return request_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unavailable",
                "SERVICE_UNAVAILABLE",
            );
        }
    };
    let parses = async_graphql::parser::parse_query(&request.query).is_ok();
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
            return request_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the response could not be encoded",
                "INTERNAL_SERVER_ERROR",
            );
        }
    };
    add_missing_codes(&mut body, failed_before_execution, parses);
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

/// Gives every error an `extensions.code`.
fn add_missing_codes(body: &mut serde_json::Value, failed_before_execution: bool, parses: bool) {
    let Some(errors) = body.get_mut("errors").and_then(|e| e.as_array_mut()) else {
        return;
    };
    for error in errors {
        let Some(object) = error.as_object_mut() else {
            continue;
        };
        let extensions = object.entry("extensions").or_insert_with(|| json!({}));
        if extensions.get("code").is_none() {
            let code = match (failed_before_execution, parses) {
                (false, _) => "BAD_USER_INPUT",
                (true, false) => "GRAPHQL_PARSE_FAILED",
                (true, true) => "GRAPHQL_VALIDATION_FAILED",
            };
            extensions["code"] = json!(code);
        }
    }
}

fn request_error(status: StatusCode, message: &str, code: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.to_string(),
    )
        .into_response()
}
