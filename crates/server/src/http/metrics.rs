//! `GET /metrics`: the Prometheus text format (see
//! [`crate::telemetry::metrics`] for what is there).
//!
//! It needs no access token. With `SWITCHBOARD_METRICS_TOKEN` set it wants
//! that token as `Authorization: Bearer …` (else 401). It counts against the
//! per-address rate limit like every route, not the per-token one.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::auth;
use crate::http::errors::coded;

/// The Prometheus text exposition format's media type.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

pub async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !state.metrics.allows(auth::bearer(&headers)) {
        let mut response = coded(
            StatusCode::UNAUTHORIZED,
            "the metrics need the token set in SWITCHBOARD_METRICS_TOKEN",
            "UNAUTHENTICATED",
        );
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROMETHEUS_TEXT),
        )],
        state.metrics.render(state.app.db.pool()),
    )
        .into_response()
}
