//! `POST /webhooks/{provider}?org={slug}`: provider call webhooks.
//!
//! The order matters: the organization and its signing secret are found,
//! the signature is verified over the raw bytes, and only then is the body
//! parsed and applied ([`switchboard_app::webhooks::apply`], one
//! transaction). A refused delivery changes nothing and is logged:
//!
//! | status | when |
//! |--------|------|
//! | 200 | applied, or a redelivery of one already applied (`duplicate: true`) |
//! | 400 | no `org`, or a body the provider would not send (with the reason) |
//! | 401 | no signing secret configured, or a bad, missing or stale signature |
//! | 404 | unknown provider or organization |
//! | 409 | the provider's call id belongs to another organization |
//! | 500 | the database failed; the provider retries |
//!
//! Each delivery counts in `switchboard_webhook_deliveries_total` by
//! provider (`unknown` for a provider that does not exist) and result:
//! `applied`, `duplicate`, `bad_request`, `unauthorized`, `not_found`,
//! `conflict` or `failed`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use switchboard_app::webhooks::{apply, organization_by_slug, signing_secret};
use switchboard_app::{AppError, Tenant};
use switchboard_domain::webhooks::{self, Delivery, Provider};

use crate::app::AppState;
use crate::telemetry::metrics;

#[derive(Debug, Deserialize)]
pub struct WebhookQuery {
    /// The organization's slug.
    org: Option<String>,
}

fn refuse(status: StatusCode, provider: &str, org: Option<&str>, reason: String) -> Response {
    tracing::warn!(provider, org, %status, reason, "webhook delivery refused");
    (status, Json(json!({ "error": reason }))).into_response()
}

/// The URL the provider called, as it signed it: the configured public
/// address, else the scheme and host the request came with.
fn called_url(state: &AppState, headers: &HeaderMap, uri: &axum::http::Uri) -> String {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    if let Some(base) = state.public_url.as_deref() {
        return format!("{}{path}", base.trim_end_matches('/'));
    }
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("http");
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    format!("{proto}://{host}{path}")
}

/// Marks the answer to a redelivery, for the metrics.
#[derive(Clone, Copy)]
struct Duplicate;

pub async fn receive(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(query): Query<WebhookQuery>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let label = Provider::parse(&provider).map_or("unknown", Provider::as_str);
    let response = deliver(state, provider, query, uri, headers, body).await;
    let result = match response.status() {
        status if status.is_success() => {
            if response.extensions().get::<Duplicate>().is_some() {
                "duplicate"
            } else {
                "applied"
            }
        }
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::CONFLICT => "conflict",
        _ => "failed",
    };
    metrics::webhook_delivery(label, result);
    response
}

async fn deliver(
    state: AppState,
    provider: String,
    query: WebhookQuery,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(provider) = Provider::parse(&provider) else {
        return refuse(
            StatusCode::NOT_FOUND,
            &provider,
            None,
            format!("no webhook for provider `{provider}`"),
        );
    };
    let name = provider.as_str();
    let Some(slug) = query.org.filter(|s| !s.is_empty()) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            name,
            None,
            "the `org` query parameter names the organization (its slug)".into(),
        );
    };
    let org = Some(slug.as_str());
    let organization_id = match organization_by_slug(state.app.privileged(), &slug).await {
        Ok(Some(id)) => id,
        Ok(None) => {
            return refuse(
                StatusCode::NOT_FOUND,
                name,
                org,
                "no such organization".into(),
            );
        }
        Err(err) => return failed(name, org, err),
    };
    let secret = match signing_secret(
        &state
            .app
            .for_tenant(Tenant::organization(organization_id))
            .db,
        &state.secret_key,
        organization_id,
        provider,
    )
    .await
    {
        Ok(Some(secret)) => secret,
        Ok(None) => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                name,
                org,
                format!("no {name} signing secret is configured for this organization"),
            );
        }
        Err(err) => return failed(name, org, err),
    };
    let header_pairs: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_owned())))
        .collect();
    let url = called_url(&state, &headers, &uri);
    let delivery = Delivery {
        headers: &header_pairs,
        body: &body,
        url: &url,
    };
    let now = chrono::Utc::now();
    if let Err(err) = webhooks::verify(provider, &delivery, &secret, now) {
        return refuse(StatusCode::UNAUTHORIZED, name, org, err.to_string());
    }
    if provider == Provider::Twilio {
        match webhooks::inbound_message(&body) {
            Ok(Some(text)) => return receive_text(&state, organization_id, org, &text, now).await,
            Ok(None) => {}
            Err(err) => return refuse(StatusCode::BAD_REQUEST, name, org, err.to_string()),
        }
    }
    let event = match webhooks::parse(provider, &body) {
        Ok(event) => event,
        Err(err) => return refuse(StatusCode::BAD_REQUEST, name, org, err.to_string()),
    };
    match apply(&state.app, organization_id, &event, now).await {
        Ok(applied) => {
            tracing::info!(
                provider = name,
                org,
                kind = event.kind,
                call = %applied.call_id,
                duplicate = applied.duplicate,
                "webhook delivery applied"
            );
            let mut response = Json(json!({
                "callId": applied.call_id,
                "duplicate": applied.duplicate,
                "callCreated": applied.call_created,
                "leadCreated": applied.lead_created,
                "status": applied.status.as_str(),
            }))
            .into_response();
            if applied.duplicate {
                response.extensions_mut().insert(Duplicate);
            }
            response
        }
        Err(err) => match status_of(&err) {
            StatusCode::INTERNAL_SERVER_ERROR => failed(name, org, err),
            status => refuse(status, name, org, err.message()),
        },
    }
}

/// A text a lead sent (Twilio's incoming-message webhook, pointed at the
/// same URL as the call callbacks): recorded, and acted on as a reply or an
/// opt-out. Twilio is answered with an empty TwiML response (no reply sent).
async fn receive_text(
    state: &AppState,
    organization_id: uuid::Uuid,
    org: Option<&str>,
    text: &webhooks::InboundMessage,
    now: chrono::DateTime<chrono::Utc>,
) -> Response {
    let tenant = state.app.for_tenant(Tenant::organization(organization_id));
    match switchboard_app::leads::replies::receive_text(&tenant, organization_id, text, now).await {
        Ok(received) => {
            tracing::info!(
                provider = "twilio",
                org,
                message = %received.message_id,
                duplicate = received.duplicate,
                opted_out = received.opted_out.as_deref().unwrap_or(""),
                enrollments = received.enrollments,
                "incoming text applied"
            );
            let mut response = (
                [(header::CONTENT_TYPE, "text/xml")],
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>",
            )
                .into_response();
            if received.duplicate {
                response.extensions_mut().insert(Duplicate);
            }
            response
        }
        Err(err) => match status_of(&err) {
            StatusCode::INTERNAL_SERVER_ERROR => failed("twilio", org, err),
            status => refuse(status, "twilio", org, err.message()),
        },
    }
}

/// The status a provider is answered with when applying its delivery
/// failed: its own mistakes are 4xx (it must not retry them), ours 500
/// (it retries).
fn status_of(err: &AppError) -> StatusCode {
    match err {
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::BadUserInput(_)
        | AppError::NotFound { .. }
        | AppError::DialBlocked { .. }
        | AppError::CursorExpired { .. } => StatusCode::BAD_REQUEST,
        AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::ProviderUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn failed(provider: &str, org: Option<&str>, err: AppError) -> Response {
    tracing::error!(
        provider,
        org,
        error = ?err,
        "webhook delivery failed"
    );
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({ "error": "the delivery could not be stored; retry" })),
    )
        .into_response()
}
