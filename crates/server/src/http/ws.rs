//! GraphQL over WebSocket: `graphql-transport-ws` and the legacy `graphql-ws`.
//!
//! What a socket may do, so one client cannot hold the server:
//! - Messages and frames are at most the body limit; before `connection_init`
//!   is accepted, a message is at most [`PRE_AUTH_MESSAGE_LIMIT`] (else close
//!   1009 Message Too Big).
//! - `connection_init` must come within the init timeout (else close 4408
//!   Connection initialisation timeout).
//! - At most `max_operations` operations run at once; a `subscribe` beyond
//!   that is refused with an `error` message for its id (code
//!   `TOO_MANY_OPERATIONS`) and the socket stays open.
//! - Each `subscribe` counts against the rate limits of the client's address
//!   and token, as a request would; over them it is refused the same way
//!   (code `RATE_LIMITED`).
//! - Each query, mutation and subscription event is resolved within the
//!   request timeout (else a `TIMEOUT` error for that operation).
//! - The socket closes with 4401 when the token expires and 4403 when the
//!   member loses access (see [`crate::auth::Sessions`]).
//!
//! Telemetry: the socket runs in a `websocket` span carrying its upgrade
//! request's `request_id`; each operation has an `operation` span (a child
//! of it, with the same `request_id`, the operation's id and name) from
//! `subscribe` to `complete`; a subscription counts in
//! `switchboard_subscriptions_open{transport="websocket"}` meanwhile.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocketUpgrade};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use switchboard_graphql::deadline::OperationTimeout;
use tracing::Instrument;
use uuid::Uuid;

use crate::app::{AppState, HttpConfig};
use crate::auth::{self, SessionEnd, SessionGuard};
use crate::http::errors::coded;
use crate::http::graphql::{is_subscription, operation_name_of};
use crate::telemetry::{self, metrics::OpenSubscription};

/// How a refused WebSocket connection's reason starts.
const REFUSED: &str = "Forbidden: ";
/// The largest message before the connection is accepted: a
/// `connection_init` carries a token, not megabytes.
pub const PRE_AUTH_MESSAGE_LIMIT: usize = 16 * 1024;

/// What one socket may do (from [`HttpConfig`]).
#[derive(Debug, Clone, Copy)]
pub struct SocketLimits {
    /// Largest message and frame, in bytes.
    pub max_message: usize,
    /// Most operations running at once on one socket.
    pub max_operations: usize,
    /// How long a socket may stay open without a `connection_init`.
    pub init_timeout: Duration,
    /// How long one operation or subscription event may take to resolve.
    pub operation_timeout: Duration,
}

impl SocketLimits {
    pub fn new(config: &HttpConfig) -> Self {
        Self {
            max_message: config.body_limit,
            max_operations: config.ws_max_operations,
            init_timeout: config.ws_init_timeout,
            operation_timeout: config.request_timeout,
        }
    }
}

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
        return coded(
            StatusCode::BAD_REQUEST,
            "offer the graphql-transport-ws or graphql-ws sub-protocol",
            "BAD_REQUEST",
        );
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(parts, &state).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let limits = state.socket_limits;
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let request_id = crate::http::request_id(&parts.headers).to_owned();
    let user_agent = parts
        .headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let span = tracing::info_span!(
        "websocket",
        protocol = protocol.sec_websocket_protocol(),
        request_id = request_id.as_str(),
        organization_id = tracing::field::Empty,
        user_id = tracing::field::Empty,
    );
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        // Subscription clients send little: a small read buffer keeps each
        // idle socket cheap (axum's default is 128 KiB, zeroed on each read).
        .read_buffer_size(4 * 1024)
        // In line with the body limit (tungstenite allows 64 MiB messages).
        .max_message_size(limits.max_message)
        .max_frame_size(limits.max_message)
        .on_upgrade(move |socket| {
            serve_socket(state, protocol, socket, peer, user_agent, request_id).instrument(span)
        })
}

/// What the socket loop learns from the input filter.
#[derive(Default)]
struct Tracking {
    /// The operations running, by id.
    active: HashMap<String, Operation>,
    /// Whether `connection_ack` went out.
    accepted: bool,
    /// The token `connection_init` carried, for the per-token rate limit.
    token: Option<String>,
    /// The member it verified to: organization and user.
    viewer: Option<(Uuid, Uuid)>,
}

/// One operation running on the socket, from `subscribe` to `complete`.
struct Operation {
    /// Open while the operation runs.
    _span: tracing::Span,
    /// A subscription's place in the open subscriptions gauge.
    _open: Option<OpenSubscription>,
}

/// What a `subscribe` (or legacy `start`) carries, for telemetry.
#[derive(serde::Deserialize)]
struct Subscribe {
    payload: Option<SubscribePayload>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscribePayload {
    #[serde(default)]
    query: String,
    operation_name: Option<String>,
}

/// The type and id of a client or server message, whatever else it holds.
#[derive(serde::Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
}

/// A message the socket loop sends on its own: a refusal, or a close.
enum Own {
    Text(String),
    Close(u16, &'static str),
}

/// The refusal of operation `id`, in the protocol's `error` shape.
fn refusal(
    protocol: async_graphql::http::WebSocketProtocols,
    id: &str,
    message: &str,
    code: &str,
) -> String {
    let error = json!({ "message": message, "extensions": { "code": code } });
    let payload = match protocol {
        async_graphql::http::WebSocketProtocols::GraphQLWS => json!([error]),
        async_graphql::http::WebSocketProtocols::SubscriptionsTransportWS => error,
    };
    json!({ "type": "error", "id": id, "payload": payload }).to_string()
}

/// The longest operation id a client may use (clients send a counter or
/// a UUID).
const MAX_OPERATION_ID: usize = 128;

async fn serve_socket(
    state: AppState,
    protocol: async_graphql::http::WebSocketProtocols,
    socket: axum::extract::ws::WebSocket,
    peer: Option<IpAddr>,
    user_agent: Option<String>,
    request_id: String,
) {
    use futures::{SinkExt, StreamExt};
    let limits = state.socket_limits;
    let connection = tracing::Span::current();
    let metrics = state.metrics.clone();
    let limiters = state.limiters.clone();
    let oidc = state.oidc.clone();
    let (app, secret, schema, sessions) = (
        state.app.clone(),
        state.jwt_secret.clone(),
        state.schema.clone(),
        state.sessions.clone(),
    );
    let tracking = Arc::new(Mutex::new(Tracking::default()));
    let (own_sender, mut own) = tokio::sync::mpsc::channel::<Own>(16);
    let (mut sink, stream) = socket.split();
    let input = {
        let tracking = tracking.clone();
        let connection = connection.clone();
        stream
            .take_while(|message| futures::future::ready(message.is_ok()))
            .filter_map(move |message| {
                let bytes = match message {
                    Ok(Message::Text(text)) => text.as_bytes().to_vec(),
                    Ok(Message::Binary(bytes)) => bytes.to_vec(),
                    _ => return futures::future::ready(None),
                };
                let mut tracking = tracking.lock().unwrap_or_else(|e| e.into_inner());
                if !tracking.accepted && bytes.len() > PRE_AUTH_MESSAGE_LIMIT {
                    let _ = own_sender.try_send(Own::Close(
                        1009,
                        "Message Too Big: send connection_init first",
                    ));
                    return futures::future::ready(None);
                }
                if let Ok(Head { kind, id: Some(id) }) = serde_json::from_slice::<Head>(&bytes) {
                    // Ids are kept and echoed in every message of their
                    // operation: a long one would be held many times over.
                    if id.len() > MAX_OPERATION_ID {
                        let _ = own_sender.try_send(Own::Close(4400, "operation id too long"));
                        return futures::future::ready(None);
                    }
                    match kind.as_str() {
                        "subscribe" | "start" if !tracking.active.contains_key(&id) => {
                            let refused = if tracking.active.len() >= limits.max_operations {
                                Some((
                                    format!(
                                        "at most {} operations may run at once on one socket; complete one first",
                                        limits.max_operations
                                    ),
                                    "TOO_MANY_OPERATIONS",
                                ))
                            } else {
                                limiters.check(peer, tracking.token.as_deref()).map(|wait| {
                                    (
                                        format!(
                                            "too many operations: retry in {} ms",
                                            wait.as_millis().max(1)
                                        ),
                                        "RATE_LIMITED",
                                    )
                                })
                            };
                            if let Some((message, code)) = refused {
                                // A full channel means a flooding client: it misses refusals.
                                let _ = own_sender
                                    .try_send(Own::Text(refusal(protocol, &id, &message, code)));
                                return futures::future::ready(None);
                            }
                            let operation = start_operation(
                                &connection,
                                &request_id,
                                &id,
                                &bytes,
                                tracking.viewer,
                                &metrics,
                            );
                            tracking.active.insert(id, operation);
                        }
                        "complete" | "stop" => {
                            tracking.active.remove(&id);
                        }
                        _ => {}
                    }
                }
                futures::future::ready(Some(bytes))
            })
    };
    let keepalive = Message::Text(
        match protocol {
            async_graphql::http::WebSocketProtocols::GraphQLWS => r#"{"type":"ping"}"#,
            async_graphql::http::WebSocketProtocols::SubscriptionsTransportWS => r#"{"type":"ka"}"#,
        }
        .into(),
    );
    // The session opened by `connection_init`, picked up by the loop below.
    let opened: Arc<Mutex<Option<SessionGuard>>> = Arc::default();
    let slot = opened.clone();
    let init_tracking = tracking.clone();
    let init_span = connection.clone();
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
            init_tracking
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .token = token.clone();
            match auth::authenticate(
                app.privileged(),
                secret.as_bytes(),
                oidc.as_ref(),
                token.as_deref(),
            )
            .await
            {
                Ok(access) => match access.auth.clone() {
                    auth @ switchboard_graphql::Auth::Member(viewer) => {
                        telemetry::record_viewer(&init_span, &auth);
                        init_tracking
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .viewer = Some((viewer.organization_id, viewer.user_id));
                        *slot.lock().unwrap_or_else(|e| e.into_inner()) =
                            Some(sessions.open(&viewer, access.session_id, access.expires_at));
                        let caller = switchboard_graphql::Caller {
                            client: switchboard_app::identity::Client::new(
                                peer.map(|ip| ip.to_string()),
                                user_agent.clone(),
                            ),
                            session_id: access.session_id,
                        };
                        let mut data = switchboard_graphql::connection_data(&app, auth, caller);
                        data.insert(OperationTimeout(limits.operation_timeout));
                        Ok(data)
                    }
                    switchboard_graphql::Auth::Anonymous(reason) => {
                        Err(async_graphql::Error::new(format!("{REFUSED}{reason}")))
                    }
                },
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
    let init_deadline = tokio::time::Instant::now() + limits.init_timeout;
    let mut session: Option<SessionGuard> = None;
    // Created once and polled in place: a future made anew per message would
    // register with the shutdown token (shared by every connection) and the
    // timer wheel for every event sent.
    let mut shutdown = std::pin::pin!(state.shutdown.clone().cancelled_owned());
    let mut ended: Option<Pin<Box<dyn Future<Output = SessionEnd> + Send>>> = None;
    loop {
        let accepted = session.is_some();
        let (outgoing, last) = tokio::select! {
            message = messages.next() => match message {
                Some(message) => (message, false),
                None => break,
            },
            Some(mine) = own.recv() => match mine {
                Own::Text(text) => (Message::Text(text.into()), false),
                Own::Close(code, reason) => (close(code, reason), true),
            },
            _ = ticker.tick() => (keepalive.clone(), false),
            // The server is going away: say so, so clients reconnect elsewhere.
            () = &mut shutdown => (close(1001, "the server is shutting down"), true),
            _ = tokio::time::sleep_until(init_deadline), if !accepted => {
                (close(4408, "Connection initialisation timeout"), true)
            }
            end = async {
                match ended.as_mut() {
                    Some(ended) => ended.await,
                    None => std::future::pending().await,
                }
            }, if accepted => (close(end.close_code(), end.reason()), true),
        };
        if let Message::Text(text) = &outgoing {
            note_outgoing(text, &tracking, &opened, &mut session);
            if ended.is_none()
                && let Some(session) = &session
            {
                ended = Some(Box::pin(session.ended()));
            }
        }
        if sink.send(outgoing).await.is_err() || last {
            break;
        }
    }
}

/// The span (and, for a subscription, the gauge place) of the operation
/// `id` that `message` starts.
fn start_operation(
    connection: &tracing::Span,
    request_id: &str,
    id: &str,
    message: &[u8],
    viewer: Option<(Uuid, Uuid)>,
    metrics: &crate::telemetry::metrics::Metrics,
) -> Operation {
    let payload = serde_json::from_slice::<Subscribe>(message)
        .ok()
        .and_then(|subscribe| subscribe.payload);
    let (query, wanted) = payload.as_ref().map_or(("", None), |p| {
        (p.query.as_str(), p.operation_name.as_deref())
    });
    let name = metrics.operation_label(operation_name_of(query, wanted));
    let span = tracing::info_span!(
        parent: connection,
        "operation",
        transport = "websocket",
        request_id,
        operation_id = id,
        operation_name = name.as_str(),
        organization_id = tracing::field::Empty,
        user_id = tracing::field::Empty,
    );
    if let Some((organization_id, user_id)) = viewer {
        span.record("organization_id", tracing::field::display(organization_id));
        span.record("user_id", tracing::field::display(user_id));
    }
    let open = is_subscription(query, wanted).then(|| OpenSubscription::new("websocket"));
    Operation {
        _span: span,
        _open: open,
    }
}

fn close(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

/// Follows what the server sends: the acknowledgement that opens the
/// session, and operations that ended on their own.
fn note_outgoing(
    text: &str,
    tracking: &Mutex<Tracking>,
    opened: &Mutex<Option<SessionGuard>>,
    session: &mut Option<SessionGuard>,
) {
    if text.starts_with(r#"{"type":"connection_ack""#) {
        tracking.lock().unwrap_or_else(|e| e.into_inner()).accepted = true;
        *session = opened.lock().unwrap_or_else(|e| e.into_inner()).take();
    } else if text.starts_with(r#"{"type":"complete""#)
        && let Ok(Head { id: Some(id), .. }) = serde_json::from_str::<Head>(text)
    {
        tracking
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .active
            .remove(&id);
    }
}
