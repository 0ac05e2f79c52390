//! The HTTP surface: the router, its middleware and every handler.
//!
//! | route | handler |
//! |-------|---------|
//! | `GET /` | GraphiQL ([`graphiql`]) |
//! | `GET /graphiql/assets/{*path}` | GraphiQL's embedded assets |
//! | `GET, POST /graphql` | GraphQL over HTTP ([`graphql`]), WebSocket ([`ws`]) and SSE ([`sse`]) |
//! | `POST /webhooks/{provider}` | provider call webhooks ([`webhooks`]) |
//! | `GET /healthz`, `GET /readyz` | liveness and readiness ([`health`]) |
//! | `GET /metrics` | Prometheus metrics ([`metrics`]) |
//!
//! Each request gets a `request` span whose `request_id` is the client's
//! `x-request-id`, or a new UUID, sent back in the response's
//! `x-request-id`; and is counted and timed in the request metrics
//! ([`crate::telemetry::metrics::track`]), refusals of the rate limit
//! included.
//!
//! Every error the layer answers itself has the GraphQL error shape
//! ([`errors`]).

pub mod errors;
pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod metrics;
pub mod sse;
pub mod webhooks;
pub mod ws;

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{extract::DefaultBodyLimit, middleware};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::app::{AppState, HttpConfig};
use crate::rate_limit;
use crate::telemetry;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The router with every route and middleware.
pub fn router(state: AppState, config: &HttpConfig) -> Router {
    let limiters = state.limiters.clone();
    Router::new()
        .route("/", get(graphiql_page))
        .route("/graphiql/assets/{*path}", get(graphiql::asset))
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/webhooks/{provider}", post(webhooks::receive))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::scrape))
        .fallback(errors::not_found)
        .with_state(state)
        // axum's extractors apply their own 2 MiB cap; the configured one rules.
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(config.body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        // Inside the rate limit and around what answers 405, 408 and 413.
        .layer(middleware::from_fn(errors::code_errors))
        .layer(middleware::from_fn_with_state(limiters, rate_limit::limit))
        // Around the rate limit, so its refusals are counted too.
        .layer(middleware::from_fn(telemetry::metrics::track))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(cors(config))
}

/// The span of one request. `operation` is recorded by the GraphQL
/// handlers, `organization_id` and `user_id` once the token is verified.
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        uri = %request.uri(),
        request_id = request_id(request.headers()),
        operation = tracing::field::Empty,
        organization_id = tracing::field::Empty,
        user_id = tracing::field::Empty,
    );
    telemetry::otel::continue_trace(&span, request.headers());
    span
}

/// The request's id (set on every request before the handlers run).
pub(crate) fn request_id(headers: &HeaderMap) -> &str {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// CORS for the configured origins, naming the headers a client sends rather
/// than `*` (which browsers do not honour for `Authorization`).
fn cors(config: &HttpConfig) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(config.cors_origins.clone()))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(600))
}

async fn graphiql_page(State(state): State<AppState>, request: HeaderMap) -> Response {
    graphiql::page_response(&state.graphiql, &request)
}
