//! Every error the HTTP layer answers itself (wrong method, unknown route,
//! timeout, body too large, wrong media type, rate limit, overload) has the
//! GraphQL error shape a client already parses:
//! `{"errors":[{"message":…,"extensions":{"code":…}}]}`, with no `data`.
//!
//! axum and tower-http answer some of these with an empty or plain-text body;
//! [`code_errors`] rewrites those, keeping status and headers (`Allow`,
//! `Retry-After`).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The GraphQL error body for `message` and `code`, as JSON text.
pub fn body(message: &str, code: &str) -> String {
    json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }).to_string()
}

/// A response with the GraphQL error shape.
pub fn coded(status: StatusCode, message: &str, code: &str) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body(message, code),
    )
        .into_response()
}

/// The code and message for a status the HTTP layer answers on its own.
fn describe(status: StatusCode) -> Option<(&'static str, &'static str)> {
    Some(match status {
        StatusCode::NOT_FOUND => ("NOT_FOUND", "no such route"),
        StatusCode::METHOD_NOT_ALLOWED => (
            "METHOD_NOT_ALLOWED",
            "this method is not allowed here (see the Allow header)",
        ),
        StatusCode::REQUEST_TIMEOUT => ("REQUEST_TIMEOUT", "the request took too long"),
        StatusCode::PAYLOAD_TOO_LARGE => ("PAYLOAD_TOO_LARGE", "the request body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "UNSUPPORTED_MEDIA_TYPE",
            "send the request as application/json",
        ),
        StatusCode::TOO_MANY_REQUESTS => ("RATE_LIMITED", "too many requests"),
        StatusCode::SERVICE_UNAVAILABLE => ("SERVICE_UNAVAILABLE", "the server is unavailable"),
        _ => return None,
    })
}

/// Gives an uncoded error answer (one that is not JSON already) the GraphQL
/// error shape.
pub async fn code_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let Some((code, message)) = describe(response.status()) else {
        return response;
    };
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body(message, code)))
}

/// The fallback for unknown routes.
pub async fn not_found() -> Response {
    coded(StatusCode::NOT_FOUND, "no such route", "NOT_FOUND")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_has_errors_with_a_code_and_no_data() {
        let value: serde_json::Value =
            serde_json::from_str(&body("slow down", "RATE_LIMITED")).unwrap();
        assert_eq!(value["errors"][0]["extensions"]["code"], "RATE_LIMITED");
        assert_eq!(value["errors"][0]["message"], "slow down");
        assert!(value.get("data").is_none());
    }
}
