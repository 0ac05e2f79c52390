//! GraphQL over WebSocket: `graphql-transport-ws` and the legacy `graphql-ws`.

use axum::extract::FromRequestParts;
use axum::extract::ws::{CloseFrame, Message, WebSocketUpgrade};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::auth;
use crate::graphql_http::request_error;

/// How a refused WebSocket connection's reason starts.
const REFUSED: &str = "Forbidden: ";

/// Subscriptions over WebSocket, in both sub-protocols (`graphql-transport-ws`
/// and the legacy `graphql-ws`). The token comes in `connection_init`'s
/// payload (`Authorization`, `authorization` or `token`); a bad one closes the
/// socket with the protocol's code.
pub async fn websocket(state: AppState, parts: &mut axum::http::request::Parts) -> Response {
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
