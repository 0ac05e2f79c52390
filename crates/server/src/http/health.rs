//! `GET /healthz` (the process is up) and `GET /readyz` (it can serve).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use serde_json::json;

use crate::app::AppState;
use crate::db;

/// The process is up.
pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// The process can serve: its database answers, to the runtime role that
/// serves requests and to the owner that authenticates them (one pool when
/// they are one role).
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let (runtime, owner) = tokio::join!(
        db::is_ready(state.app.db.pool()),
        db::is_ready(state.app.privileged())
    );
    if runtime && owner {
        (StatusCode::OK, Json(json!({ "status": "ready" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": "database unreachable" })),
        )
    }
}
