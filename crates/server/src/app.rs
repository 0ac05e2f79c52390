//! The application: its state and settings, and the server's lifecycle
//! (the router is [`crate::http::router`], the background loops
//! [`crate::tasks`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::HeaderValue;
use sea_orm::DatabaseConnection;
use secrecy::SecretString;
use switchboard_app::App;
use switchboard_domain::secrets::SecretKey;
use switchboard_graphql::limits::Admission;
use switchboard_graphql::{
    EventBus, SchemaConfig, Subscriptions, SwitchboardSchema, build_http_schema, build_schema,
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::http::{graphiql, ws};
use crate::rate_limit::{Limiters, RateLimit};
use crate::serve::{self, ServeLimits};
use crate::tasks;
use crate::telemetry::metrics::Metrics;

/// What the HTTP layer needs, built once at start; no globals, so two
/// applications can run side by side in one process (the tests do).
#[derive(Clone)]
pub struct AppState {
    /// The application, unscoped: requests scope it to their viewer.
    pub app: App,
    /// The schema WebSockets and event streams run (with the limits and
    /// deadlines as extensions), live subscriptions grouped so each event
    /// is resolved once for every subscriber who would get the same answer.
    pub schema: Subscriptions,
    /// The schema HTTP requests run: no extensions, every field on the fast
    /// path; [`AppState::admission`] checks the limits first.
    pub http_schema: SwitchboardSchema,
    pub admission: Arc<Admission>,
    /// The HS256 secret access tokens are signed with.
    pub jwt_secret: Arc<str>,
    /// The external identity provider whose tokens are accepted too, if any.
    pub oidc: Option<crate::oidc::Oidc>,
    /// This instance's event bus (webhooks publish on it).
    pub bus: EventBus,
    /// The key provider signing secrets are sealed with.
    pub secret_key: Arc<SecretKey>,
    /// The public address providers call, for signatures over the URL.
    pub public_url: Option<Arc<str>>,
    /// How often subscription sockets get a keep-alive.
    pub keepalive: Duration,
    /// What one WebSocket may do.
    pub socket_limits: ws::SocketLimits,
    /// Open sockets and streams, closed when their member loses access.
    pub sessions: crate::auth::Sessions,
    /// The rate limits, per client address and per token: for requests, and
    /// for each operation a WebSocket starts.
    pub limiters: Limiters,
    /// Cancelled when the server starts shutting down. A long-lived loop (a
    /// WebSocket, an event stream) selects on `shutdown.cancelled()` to
    /// close cleanly (WebSocket close 1001) within the grace period; after
    /// it, the socket's reads and writes fail anyway (see [`crate::serve`]).
    pub shutdown: CancellationToken,
    /// Its metrics (the recorder behind them is the process's).
    pub metrics: Metrics,
    pub(crate) graphiql: Arc<str>,
}

/// Settings of the HTTP layer. Its `Debug` leaves the secrets out.
#[derive(Clone)]
pub struct HttpConfig {
    pub body_limit: usize,
    pub request_timeout: Duration,
    /// A token GraphiQL sends by default (set with `--demo`).
    pub graphiql_token: Option<String>,
    /// The HS256 secret access tokens are signed with.
    pub jwt_secret: String,
    /// Origins browsers may call the API from (CORS); none by default.
    pub cors_origins: Vec<HeaderValue>,
    /// Query limits, introspection and the secrets key.
    pub schema: SchemaConfig,
    /// The public address (scheme and host) providers call webhooks on,
    /// when it differs from what requests carry (behind a proxy).
    pub public_url: Option<String>,
    /// How often committed call-count changes are folded into the call
    /// summary's day counts (PostgreSQL).
    pub summary_fold: Duration,
    /// How often the nurture sequence runner looks for due steps; none
    /// runs no runner (tests drive its rounds themselves).
    pub sequence_poll: Option<Duration>,
    /// What sends nurture SMS and email; none: development messaging.
    pub messaging: Option<Arc<dyn switchboard_app::messaging::Messaging>>,
    /// How long a voice provider has to answer a request to place a call.
    pub dial_timeout: Duration,
    /// How often the dialer looks for due scheduled calls; none runs no
    /// dialer (tests drive its rounds themselves).
    pub dialer_poll: Option<Duration>,
    /// How often a subscription socket gets a keep-alive message.
    pub keepalive: Duration,
    /// Most operations running at once on one WebSocket.
    pub ws_max_operations: usize,
    /// How long a WebSocket may stay open without `connection_init`.
    pub ws_init_timeout: Duration,
    /// How often open sockets' memberships are re-checked (one statement).
    pub access_recheck: Duration,
    /// Requests per client address (every route) and per bearer token
    /// (`/graphql`); answered 429 beyond.
    pub rate_limit_per_ip: RateLimit,
    pub rate_limit_per_token: RateLimit,
    /// Connection cap, header deadline and shutdown grace period.
    pub serve: ServeLimits,
    /// The bearer token `GET /metrics` requires; without one it is open.
    pub metrics_token: Option<SecretString>,
    /// An external identity provider whose RS256/ES256 tokens are accepted.
    pub oidc: Option<crate::oidc::OidcConfig>,
}

impl std::fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const REDACTED: &str = "[REDACTED]";
        f.debug_struct("HttpConfig")
            .field("body_limit", &self.body_limit)
            .field("request_timeout", &self.request_timeout)
            .field(
                "graphiql_token",
                &self.graphiql_token.as_ref().map(|_| REDACTED),
            )
            .field("jwt_secret", &REDACTED)
            .field("cors_origins", &self.cors_origins)
            .field("schema", &self.schema)
            .field("public_url", &self.public_url)
            .field("summary_fold", &self.summary_fold)
            .field("sequence_poll", &self.sequence_poll)
            .field("messaging", &self.messaging)
            .field("keepalive", &self.keepalive)
            .field("ws_max_operations", &self.ws_max_operations)
            .field("ws_init_timeout", &self.ws_init_timeout)
            .field("access_recheck", &self.access_recheck)
            .field("rate_limit_per_ip", &self.rate_limit_per_ip)
            .field("rate_limit_per_token", &self.rate_limit_per_token)
            .field("serve", &self.serve)
            .field("metrics_token", &self.metrics_token)
            .finish()
    }
}

/// Default requests per second and burst per client address: far above what
/// one person or integration sends, so only a flood is slowed.
pub const DEFAULT_RATE_LIMIT_PER_IP: RateLimit = RateLimit {
    per_second: 200,
    burst: 400,
};
/// Default requests per second and burst per token: room for a bulk job's
/// few hundred concurrent mutations.
pub const DEFAULT_RATE_LIMIT_PER_TOKEN: RateLimit = RateLimit {
    per_second: 100,
    burst: 300,
};
/// Default connection cap, header deadline and shutdown grace period.
pub const DEFAULT_SERVE_LIMITS: ServeLimits = ServeLimits {
    max_connections: 1024,
    max_connections_per_address: 256,
    header_read_timeout: Duration::from_secs(10),
    shutdown_grace: Duration::from_secs(10),
};

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            body_limit: 2 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            graphiql_token: None,
            jwt_secret: String::new(),
            cors_origins: Vec::new(),
            schema: SchemaConfig::default(),
            public_url: None,
            summary_fold: Duration::from_secs(5),
            sequence_poll: None,
            messaging: None,
            dial_timeout: Duration::from_secs(10),
            dialer_poll: None,
            keepalive: Duration::from_secs(15),
            ws_max_operations: 25,
            ws_init_timeout: Duration::from_secs(10),
            access_recheck: Duration::from_secs(5),
            rate_limit_per_ip: DEFAULT_RATE_LIMIT_PER_IP,
            rate_limit_per_token: DEFAULT_RATE_LIMIT_PER_TOKEN,
            serve: DEFAULT_SERVE_LIMITS,
            metrics_token: None,
            oidc: None,
        }
    }
}

/// The pools an application serves from: the runtime role's, which
/// row-level security binds, and the owner's, for migrations and the
/// privileged path ([`App::privileged`]). One pool serves as both on SQLite
/// and on a single-role PostgreSQL (development).
#[derive(Clone)]
pub struct Databases {
    pub runtime: DatabaseConnection,
    pub owner: DatabaseConnection,
}

impl From<DatabaseConnection> for Databases {
    fn from(db: DatabaseConnection) -> Self {
        Self {
            runtime: db.clone(),
            owner: db,
        }
    }
}

impl AppState {
    pub fn new(
        databases: Databases,
        bus: EventBus,
        config: &HttpConfig,
        shutdown: CancellationToken,
    ) -> Self {
        // Tokens are signed and verified with one secret: the server's.
        let mut schema = config.schema.clone();
        schema.identity.jwt_secret = config.jwt_secret.clone().into();
        let mut app = App::new(databases.runtime, bus.clone(), schema.secret_key.clone())
            .with_privileged(databases.owner)
            .with_identity(schema.identity.clone());
        if let Some(mailer) = &schema.mailer {
            app = app.with_mailer(mailer.clone());
        }
        if let Some(messaging) = &config.messaging {
            app = app.with_messaging(messaging.clone());
        }
        match crate::voice::HttpVoice::new(config.dial_timeout, config.public_url.clone()) {
            Ok(voice) => app = app.with_voice(Arc::new(voice)),
            Err(error) => {
                tracing::error!(%error, "no voice provider client: calls cannot be placed")
            }
        }
        Self {
            schema: Subscriptions::new(build_schema(app.clone(), &schema)),
            http_schema: build_http_schema(app.clone(), &schema),
            admission: Arc::new(Admission::new(schema.document_limits())),
            app,
            jwt_secret: config.jwt_secret.as_str().into(),
            oidc: config.oidc.clone().map(crate::oidc::Oidc::new),
            bus,
            secret_key: config.schema.secret_key.clone(),
            public_url: config.public_url.as_deref().map(Into::into),
            keepalive: config.keepalive,
            socket_limits: ws::SocketLimits::new(config),
            sessions: crate::auth::Sessions::default(),
            limiters: Limiters::new(config.rate_limit_per_ip, config.rate_limit_per_token),
            metrics: Metrics::new(config.metrics_token.clone()),
            graphiql: graphiql::page("/graphql", config.graphiql_token.as_deref()).into(),
            shutdown,
        }
    }
}

/// A bound, not yet running server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    limits: ServeLimits,
    shutdown: CancellationToken,
}

impl Application {
    /// Binds `addr` (port 0 picks a free port) and builds the router over
    /// `databases` (one pool, or the runtime's and the owner's).
    pub async fn bind(
        addr: SocketAddr,
        databases: impl Into<Databases>,
        config: HttpConfig,
    ) -> std::io::Result<Self> {
        let databases = databases.into();
        let listener = TcpListener::bind(addr).await?;
        let bus = EventBus::new(databases.runtime.get_database_backend());
        let shutdown = CancellationToken::new();
        let state = AppState::new(databases, bus, &config, shutdown.clone());
        tasks::spawn(&state, &config);
        Ok(Self {
            listener,
            router: crate::http::router(state, &config),
            limits: config.serve,
            shutdown,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The token cancelled when shutdown begins (also [`AppState::shutdown`]);
    /// cancelling it stops the server as `run_until`'s signal would.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Serves until `signal` completes, then lets in-flight requests and
    /// sockets finish for at most the grace period and returns.
    pub async fn run_until(
        self,
        signal: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        serve::run(
            self.listener,
            self.router,
            self.limits,
            self.shutdown,
            signal,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::HttpConfig;

    #[test]
    fn debug_output_leaves_secrets_out() {
        let config = HttpConfig {
            jwt_secret: "a-jwt-secret-of-at-least-32-bytes!!".into(),
            graphiql_token: Some("a-demo-token".into()),
            ..HttpConfig::default()
        };
        let printed = format!("{config:?}");
        assert!(!printed.contains("a-jwt-secret"), "{printed}");
        assert!(!printed.contains("a-demo-token"), "{printed}");
        assert!(printed.contains("body_limit"), "{printed}");
    }
}
