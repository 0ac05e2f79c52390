//! Logs, traces and metrics.
//!
//! - Logs: `RUST_LOG`-filtered `tracing` to stderr, so that stdout carries
//!   only what a command prints (the SDL, a token).
//! - Traces: the same spans exported over OTLP (HTTP/protobuf) when
//!   `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
//!   is set ([`otel`]); without it there is no OpenTelemetry layer at all.
//! - Metrics: the Prometheus text at `GET /metrics` ([`metrics`]).
//!
//! Spans: one `request` span per HTTP request (its `request_id` is the
//! `x-request-id` the client sent, or a new one, returned in the response),
//! one `operation` span per WebSocket or SSE operation carrying the
//! connection's `request_id` and the operation's id and name. Both get
//! `organization_id` and `user_id` once the token is verified
//! ([`record_viewer`]).

pub mod metrics;
pub mod otel;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
}

/// What [`init`] installed; [`Telemetry::shutdown`] flushes it.
#[must_use = "call `shutdown` before the process exits, or spans still buffered are lost"]
pub struct Telemetry {
    otel: Option<otel::Exporter>,
}

impl Telemetry {
    /// Whether spans are exported over OTLP.
    pub fn exporting(&self) -> bool {
        self.otel.is_some()
    }

    /// Exports the spans still buffered (waiting a few seconds at most) and
    /// stops the exporter.
    pub async fn shutdown(self) {
        if let Some(exporter) = self.otel {
            exporter.shutdown().await;
        }
    }
}

/// Installs the global subscriber (once per process; later calls install
/// nothing and return a [`Telemetry`] with nothing to flush). Call it inside
/// the Tokio runtime: the OTLP exporter sends on it.
pub fn init(format: LogFormat) -> Telemetry {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let fmt: Box<dyn Layer<Registry> + Send + Sync> = match format {
        LogFormat::Pretty => fmt.boxed(),
        LogFormat::Json => fmt.json().boxed(),
    };
    let (otel, exporter) = match otel::Exporter::from_env() {
        Ok(Some((layer, exporter))) => (Some(layer), Some(exporter)),
        Ok(None) => (None, None),
        Err(err) => {
            // Logging is not up yet: say it on stderr, and serve anyway.
            eprintln!("OpenTelemetry export is off: {err:#}");
            (None, None)
        }
    };
    let installed = tracing_subscriber::registry()
        .with(fmt)
        .with(otel)
        .with(filter)
        .try_init()
        .is_ok();
    if let Some(exporter) = &exporter
        && installed
    {
        tracing::info!(endpoint = %exporter.endpoint(), "exporting traces over OTLP");
    }
    Telemetry {
        otel: exporter.filter(|_| installed),
    }
}

/// Records the verified member on `span` (a `request` or `operation` span,
/// which declare both fields).
pub fn record_viewer(span: &tracing::Span, auth: &switchboard_graphql::Auth) {
    if let switchboard_graphql::Auth::Member(viewer) = auth {
        span.record(
            "organization_id",
            tracing::field::display(viewer.organization_id),
        );
        span.record("user_id", tracing::field::display(viewer.user_id));
    }
}
