//! Trace export over OTLP (HTTP/protobuf), on when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (a base URL: `/v1/traces` is appended) or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full URL) is set.
//!
//! The exporter reads the standard variables itself
//! (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TIMEOUT`,
//! `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, …). Spans are batched on
//! the SDK's own thread and sent with hyper on the server's Tokio runtime;
//! [`Exporter::shutdown`] sends what is left when the process stops.
//!
//! A request that carries a W3C `traceparent` header continues the caller's
//! trace ([`continue_trace`]).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use anyhow::Context as _;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::hyper::HyperClient;
use opentelemetry_http::{Bytes, HeaderExtractor, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing_opentelemetry::{OpenTelemetryLayer, OpenTelemetrySpanExt};
use tracing_subscriber::registry::LookupSpan;

/// The variables that turn export on, the signal's own first.
const ENDPOINT_VARIABLES: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
];

/// How long one export may take (unless `OTEL_EXPORTER_OTLP_TIMEOUT` says
/// otherwise, in milliseconds).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long [`Exporter::shutdown`] waits for the last spans to go out.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// The running exporter.
pub struct Exporter {
    provider: SdkTracerProvider,
    endpoint: String,
}

impl Exporter {
    /// The `tracing` layer and its exporter when an endpoint variable is
    /// set; `None` when none is; an error when the configuration is unusable
    /// or no Tokio runtime is running.
    pub fn from_env<S>() -> anyhow::Result<Option<(OpenTelemetryLayer<S, SdkTracer>, Self)>>
    where
        S: tracing::Subscriber + for<'span> LookupSpan<'span>,
    {
        let Some((variable, endpoint)) = ENDPOINT_VARIABLES.iter().find_map(|variable| {
            let value = std::env::var(variable).ok()?;
            let value = value.trim();
            (!value.is_empty()).then(|| (*variable, value.to_owned()))
        }) else {
            return Ok(None);
        };
        let runtime = tokio::runtime::Handle::try_current()
            .context("the OTLP exporter needs a Tokio runtime")?;
        if let Ok(protocol) = std::env::var("OTEL_EXPORTER_OTLP_PROTOCOL")
            && protocol != "http/protobuf"
        {
            eprintln!(
                "OTEL_EXPORTER_OTLP_PROTOCOL={protocol} is not supported: traces go as http/protobuf"
            );
        }
        let timeout = std::env::var("OTEL_EXPORTER_OTLP_TIMEOUT")
            .ok()
            .and_then(|millis| millis.trim().parse().ok())
            .map_or(DEFAULT_TIMEOUT, Duration::from_millis);
        let client = OnRuntime {
            client: HyperClient::with_default_connector(timeout, None),
            runtime,
        };
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_http_client(client)
            .build()
            .with_context(|| format!("{variable}={endpoint}"))?;
        let mut resource = Resource::builder().with_attribute(opentelemetry::KeyValue::new(
            "service.version",
            env!("CARGO_PKG_VERSION"),
        ));
        let named = std::env::var_os("OTEL_SERVICE_NAME").is_some()
            || std::env::var("OTEL_RESOURCE_ATTRIBUTES")
                .is_ok_and(|attributes| attributes.contains("service.name="));
        if !named {
            resource = resource.with_service_name("switchboard");
        }
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource.build())
            .build();
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("switchboard"));
        Ok(Some((layer, Self { provider, endpoint })))
    }

    /// Where the spans go, as configured.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Sends the spans still buffered and stops; waits [`SHUTDOWN_TIMEOUT`]
    /// at most.
    pub async fn shutdown(self) {
        let provider = self.provider;
        // The SDK blocks this thread while its own sends on the runtime.
        let stopped =
            tokio::task::spawn_blocking(move || provider.shutdown_with_timeout(SHUTDOWN_TIMEOUT))
                .await;
        if let Ok(Err(err)) = stopped {
            eprintln!("OpenTelemetry shutdown: {err}");
        }
    }
}

/// Makes `span` continue the trace named by the request's W3C
/// `traceparent` (and `tracestate`) headers, if it has them and spans are
/// exported; otherwise does nothing.
pub fn continue_trace(span: &tracing::Span, headers: &axum::http::HeaderMap) {
    if !headers.contains_key("traceparent") {
        return;
    }
    let parent = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
    // Fails only when no OpenTelemetry layer is installed: nothing to join.
    let _ = span.set_parent(parent);
}

/// hyper's client, run on the server's runtime: the SDK exports from a
/// thread of its own, which has none.
#[derive(Debug)]
struct OnRuntime {
    client: HyperClient,
    runtime: tokio::runtime::Handle,
}

type Sent<'a> = Pin<Box<dyn Future<Output = Result<Response<Bytes>, HttpError>> + Send + 'a>>;

impl HttpClient for OnRuntime {
    fn send_bytes<'client, 'sent>(&'client self, request: Request<Bytes>) -> Sent<'sent>
    where
        'client: 'sent,
        Self: 'sent,
    {
        let client = self.client.clone();
        let sending = self
            .runtime
            .spawn(async move { client.send_bytes(request).await });
        Box::pin(async move { sending.await.map_err(|err| Box::new(err) as HttpError)? })
    }
}
