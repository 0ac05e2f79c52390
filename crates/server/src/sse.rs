//! GraphQL over Server-Sent Events (graphql-sse, distinct-connections mode).

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::auth;
use crate::graphql_http::request_error;

/// Server-Sent Events, the graphql-sse protocol's distinct-connections mode:
/// one POST with `Accept: text/event-stream` per operation, answered by
/// `next` events and a final `complete`. For clients and proxies that do not
/// do WebSockets; subscriptions behave exactly as over WebSocket.
pub async fn event_stream(
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
