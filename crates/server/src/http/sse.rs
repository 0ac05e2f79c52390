//! GraphQL over Server-Sent Events (graphql-sse, distinct-connections mode).
//!
//! Bounded like a socket: each operation and subscription event resolves
//! within the request timeout, and the stream ends (with an error event)
//! when the token expires or the member loses access.
//!
//! Each stream has an `operation` span (a child of its request's, with the
//! same `request_id`) for as long as it runs, and a subscription counts in
//! `switchboard_subscriptions_open{transport="sse"}` while it is open.

use async_graphql::Executor;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use switchboard_graphql::deadline::OperationTimeout;
use tracing::Instrument;

use crate::app::AppState;
use crate::auth::{self, SessionEnd};
use crate::http::errors::coded;
use crate::http::graphql::{is_subscription, operation_name};
use crate::telemetry::{self, metrics::GraphqlOutcome, metrics::OpenSubscription};

/// Server-Sent Events, the graphql-sse protocol's distinct-connections mode:
/// one POST with `Accept: text/event-stream` per operation, answered by
/// `next` events and a final `complete`. For clients and proxies that do not
/// do WebSockets; subscriptions behave exactly as over WebSocket.
pub async fn event_stream(
    state: AppState,
    headers: &HeaderMap,
    peer: Option<std::net::IpAddr>,
    request: async_graphql::Request,
) -> Response {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use futures::StreamExt;
    let access = match auth::authenticate(
        state.app.privileged(),
        state.jwt_secret.as_bytes(),
        state.oidc.as_ref(),
        auth::bearer(headers),
    )
    .await
    {
        Ok(found) => found,
        Err(_) => {
            return coded(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unavailable",
                "SERVICE_UNAVAILABLE",
            );
        }
    };
    let caller = auth::caller(headers, peer, &access);
    let auth = access.auth.clone();
    let name = state.metrics.operation_label(operation_name(&request));
    let span = tracing::info_span!(
        "operation",
        transport = "sse",
        request_id = crate::http::request_id(headers),
        operation_id = tracing::field::Empty,
        operation_name = name.as_str(),
        organization_id = tracing::field::Empty,
        user_id = tracing::field::Empty,
    );
    let request_span = tracing::Span::current();
    request_span.record("operation", name.as_str());
    telemetry::record_viewer(&request_span, &auth);
    telemetry::record_viewer(&span, &auth);
    let open = is_subscription(&request.query, request.operation_name.as_deref())
        .then(|| OpenSubscription::new("sse"));
    let session = match &auth {
        switchboard_graphql::Auth::Member(viewer) => Some(state.sessions.open(
            viewer,
            access.session_id,
            access.expires_at,
        )),
        switchboard_graphql::Auth::Anonymous(_) => None,
    };
    // Why the stream stops early: the session ended (`Some`), or the server
    // is going away (`None`). Made once and polled in place for every event.
    let shutdown = state.shutdown.clone().cancelled_owned();
    let stopped: BoxFuture<'static, Option<SessionEnd>> = Box::pin(async move {
        let ended = async move {
            match session {
                Some(session) => session.ended().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            end = ended => Some(end),
            () = shutdown => None,
        }
    });
    let request = switchboard_graphql::prepare_stream(request, &state.app, auth, caller)
        .data(OperationTimeout(state.socket_limits.operation_timeout));
    let responses: BoxStream<'static, String> = state
        .schema
        .execute_stream(request, None)
        .map(|response| serde_json::to_string(&response).unwrap_or_else(|_| "{}".to_owned()))
        .boxed();
    // The responses until the session ends; then one last error.
    // The subscription stays counted as long as the stream has state.
    let bounded = futures::stream::unfold(Some((responses, stopped, open)), move |stream| {
        let span = span.clone();
        async move {
            let (mut responses, mut stopped, open) = stream?;
            tokio::select! {
                next = responses.next() => next.map(|json| (json, Some((responses, stopped, open)))),
                stop = &mut stopped => {
                    // The server is going away: end the stream cleanly (`complete`).
                    let end = stop?;
                    let body = serde_json::json!({ "errors": [{
                        "message": end.reason(),
                        "extensions": { "code": end.code() },
                    }] });
                    Some((body.to_string(), None))
                }
            }
        }
        .instrument(span)
    })
    .map(|json| Ok::<_, std::convert::Infallible>(Event::default().event("next").data(json)));
    let complete = futures::stream::once(async { Ok(Event::default().event("complete").data("")) });
    let mut response = Sse::new(bounded.chain(complete))
        .keep_alive(KeepAlive::default())
        .into_response();
    response.extensions_mut().insert(GraphqlOutcome {
        operation: name,
        errors: false,
    });
    response
}
