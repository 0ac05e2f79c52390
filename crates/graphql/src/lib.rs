//! The Switchboard GraphQL schema.
//!
//! Schema only, by area: [`leads`], [`calls`], [`setup`] (agents,
//! campaigns, numbers, webhook secrets), [`ledger`], [`analytics`], [`live`]
//! (subscriptions), the object types of [`types`] and the roots ([`query`],
//! [`mutation`]); [`shared`] holds what they share. Resolvers stay thin: they
//! check the viewer's role, map their arguments to the application's input,
//! call `switchboard-app`, and wrap rows in the GraphQL types (never the
//! entity models themselves, so a column rename cannot silently change the
//! API). Relations resolve through per-request loaders.

pub mod analytics;
pub mod calls;
pub mod campaigns;
pub mod customers;
pub mod dialer;
pub mod identity;
pub mod leads;
pub mod ledger;
pub mod live;
pub mod mutation;
pub mod query;
pub mod setup;
pub mod shared;
pub mod types;

use async_graphql::Schema;
use switchboard_app::{App, Tenant};

pub use live::SubscriptionRoot;
pub use live::fanout::Subscriptions;
pub use mutation::MutationRoot;
pub use query::QueryRoot;
pub use shared::context::{Auth, Caller, Viewer};
pub use shared::{deadline, limits};
pub use switchboard_app::EventBus;

/// The schema type served at `/graphql`.
pub type SwitchboardSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Safety limits, checked before a query touches the database.
#[derive(Debug, Clone)]
pub struct SchemaConfig {
    /// Deepest selection nesting, introspection aside.
    pub max_depth: usize,
    /// Deepest selection nesting under `__schema` / `__type` (the standard
    /// introspection query needs about 13).
    pub max_introspection_depth: usize,
    /// Most fields one document may execute, fragments expanded (each
    /// fragment counted once per spread, never expanded exponentially).
    pub max_fields: usize,
    /// Most directives in one document.
    pub max_directives: usize,
    /// Most fragment definitions in one document.
    pub max_fragments: usize,
    /// Largest complexity: each field counts 1, and a connection multiplies
    /// its selection by its page size.
    pub max_complexity: usize,
    /// Most aliases in one document.
    pub max_aliases: usize,
    /// Whether clients may introspect the schema.
    pub introspection: bool,
    /// The key provider signing secrets are sealed with.
    pub secret_key: std::sync::Arc<switchboard_domain::secrets::SecretKey>,
    /// How logins and tokens are configured.
    pub identity: switchboard_app::identity::IdentityConfig,
    /// What sends reset and verification links; none: the development
    /// outbox (`mail_outbox`).
    pub mailer: Option<std::sync::Arc<dyn switchboard_app::identity::mail::Mailer>>,
}

impl SchemaConfig {
    /// The limits every document is checked against before it runs.
    pub fn document_limits(&self) -> shared::limits::DocumentLimits {
        shared::limits::DocumentLimits {
            max_depth: self.max_depth,
            max_introspection_depth: self.max_introspection_depth,
            max_fields: self.max_fields,
            max_aliases: self.max_aliases,
            max_directives: self.max_directives,
            max_fragments: self.max_fragments,
        }
    }
}

impl Default for SchemaConfig {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_introspection_depth: 24,
            max_fields: 1_000,
            max_directives: 50,
            max_fragments: 200,
            max_complexity: 20_000,
            max_aliases: 30,
            introspection: true,
            // Tests and tools only: `switchboard serve` always sets its own.
            secret_key: std::sync::Arc::new(switchboard_domain::secrets::SecretKey::derive(
                b"switchboard-development",
            )),
            identity: switchboard_app::identity::IdentityConfig::new(
                "switchboard-development-secret-of-32-bytes",
            ),
            mailer: None,
        }
    }
}

/// Builds the schema the socket transports (WebSocket, SSE) run over `app`
/// (unscoped: each request gets it scoped to its viewer, see [`prepare`]):
/// its extensions check the limits at parse time and bound each operation
/// and subscription event by the transport's [`deadline::OperationTimeout`].
pub fn build_schema(app: App, config: &SchemaConfig) -> SwitchboardSchema {
    builder(app, config)
        .extension(shared::limits::RequestLimits(config.document_limits()))
        .extension(shared::deadline::Deadlines)
        .finish()
}

/// Builds the schema HTTP runs: the same, without extensions, so every
/// field resolves on async-graphql's fast path. The HTTP transport checks
/// the limits itself ([`limits::Admission`]) and bounds the request with
/// its own timeout.
pub fn build_http_schema(app: App, config: &SchemaConfig) -> SwitchboardSchema {
    builder(app, config).finish()
}

fn builder(
    app: App,
    config: &SchemaConfig,
) -> async_graphql::SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    let bus = app.bus.clone();
    let builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .data(app)
    .data(bus)
    .data(config.secret_key.clone())
    .limit_complexity(config.max_complexity);
    if config.introspection {
        builder
    } else {
        builder.disable_introspection()
    }
}

/// The schema's SDL, as `switchboard schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .finish()
    .sdl()
}

/// The tenant `auth` reads and writes as: the member's organization and
/// themselves; none for an anonymous request.
pub fn tenant_of(auth: &Auth) -> Option<Tenant> {
    match auth {
        Auth::Member(viewer) => Some(Tenant {
            organization_id: viewer.organization_id,
            user_id: Some(viewer.user_id),
        }),
        Auth::Anonymous(_) => None,
    }
}

/// Attaches who is asking, the application as they see it, and their
/// loaders to a request. `app` is the request's own: a member's is
/// [`App::for_request`] (the server ends its transaction after the request).
pub fn prepare(
    request: async_graphql::Request,
    app: &App,
    auth: Auth,
    caller: Caller,
) -> async_graphql::Request {
    let request = request.data(caller).data(app.clone());
    match &auth {
        Auth::Member(viewer) => {
            let loaders = shared::loaders::Loaders::new(&app.db, viewer.organization_id);
            request.data(auth).data(loaders)
        }
        Auth::Anonymous(_) => request.data(auth),
    }
}

/// Attaches who is asking to a streamed request (SSE), fresh from its
/// body: its data becomes that of [`connection_data`].
pub fn prepare_stream(
    request: async_graphql::Request,
    app: &App,
    auth: Auth,
    caller: Caller,
) -> async_graphql::Request {
    let mut request = request;
    request.data = connection_data(app, auth, caller);
    request
}

/// The data of a WebSocket connection or an event stream for `auth`: the
/// application scoped per statement and loaders without a cache, since
/// either outlives many changes.
pub fn connection_data(app: &App, auth: Auth, caller: Caller) -> async_graphql::Data {
    let mut data = async_graphql::Data::default();
    data.insert(caller);
    match tenant_of(&auth) {
        Some(tenant) => {
            let app = app.for_tenant(tenant);
            let loaders = shared::loaders::Loaders::new(&app.db, tenant.organization_id);
            loaders.disable_caches();
            data.insert(loaders);
            data.insert(app);
        }
        None => data.insert(app.clone()),
    }
    data.insert(auth);
    data
}
