//! Test support: a fresh database per test on either backend, and the real
//! application spawned on a free port over it.
//!
//! SQLite databases are in memory. PostgreSQL databases are cloned from a
//! template that the migrations built once (named after a fingerprint of the
//! migrations, so a changed migration gets a new template) and dropped when
//! the test ends. On PostgreSQL the application serves as [`RUNTIME_ROLE`],
//! which row-level security binds (`switchboard db grant` made it when the
//! template was built), and runs its privileged path as the owner; the
//! tests' own connection ([`TestDb::db`]) is the owner's. Set
//! `SWITCHBOARD_TEST_POSTGRES_URL` to a maintenance database
//! URL (default `postgres://postgres@127.0.0.1:5432/postgres`). Without a
//! reachable server the PostgreSQL tests are skipped, except under `CI=true`,
//! where that is a failure.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use switchboard_server::app::{Application, Databases, HttpConfig};
use tokio::sync::OnceCell;
use uuid::Uuid;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The role the application serves PostgreSQL tests as: NOSUPERUSER,
/// NOBYPASSRLS, granted by `switchboard db grant`.
pub const RUNTIME_ROLE: &str = "switchboard_test_runtime";

/// The maintenance database URL of the PostgreSQL test server.
pub fn postgres_admin_url() -> String {
    std::env::var("SWITCHBOARD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Logs to stderr when `TEST_LOG` is set (`TEST_LOG=debug cargo test …`).
pub fn init_test_log() {
    if let Ok(level) = std::env::var("TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(level)
            .with_test_writer()
            .try_init();
    }
}

/// Whether tests on `backend` can run here. A PostgreSQL server that cannot
/// be reached is a skip locally and a panic in CI.
pub async fn available(backend: Backend) -> bool {
    if backend == Backend::Sqlite {
        return true;
    }
    static REACHABLE: OnceCell<Result<(), String>> = OnceCell::const_new();
    let reachable = REACHABLE
        .get_or_init(|| async {
            // A short-lived connection: pools must not outlive a test's runtime.
            let url = postgres_admin_url();
            let db = Database::connect(&url)
                .await
                .map_err(|e| format!("{url}: {e}"))?;
            let _ = db.close().await;
            Ok(())
        })
        .await;
    match reachable {
        Ok(()) => true,
        Err(err) if in_ci() => panic!("CI=true and PostgreSQL is unreachable: {err}"),
        Err(err) => {
            eprintln!("skipping a PostgreSQL test: {err}");
            false
        }
    }
}

/// A database of its own for one test.
pub struct TestDb {
    pub db: DatabaseConnection,
    pub backend: Backend,
    pub url: String,
    postgres_name: Option<String>,
}

impl TestDb {
    /// An empty database: no tables, no migrations applied.
    pub async fn empty(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::sqlite().await,
            Backend::Postgres => Self::postgres(None).await,
        }
    }

    /// A database with every migration applied.
    pub async fn migrated(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let test = Self::sqlite().await;
                switchboard_server::db::migrate(&test.db)
                    .await
                    .expect("migrations apply");
                test
            }
            Backend::Postgres => {
                let template = postgres_template().await;
                Self::postgres(Some(&template)).await
            }
        }
    }

    async fn sqlite() -> Self {
        let url = "sqlite::memory:".to_owned();
        let db = switchboard_server::db::connect(&url)
            .await
            .expect("in-memory SQLite opens");
        Self {
            db,
            backend: Backend::Sqlite,
            url,
            postgres_name: None,
        }
    }

    async fn postgres(template: Option<&str>) -> Self {
        let name = format!("switchboard_test_{}", Uuid::new_v4().simple());
        let admin = Database::connect(postgres_admin_url())
            .await
            .expect("PostgreSQL reachable");
        let sql = match template {
            Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
            None => format!("CREATE DATABASE {name}"),
        };
        admin
            .execute_unprepared(&sql)
            .await
            .expect("test database created");
        let _ = admin.close().await;
        let url = database_url(&name);
        let db = switchboard_server::db::connect(&url)
            .await
            .expect("test database opens");
        Self {
            db,
            backend: Backend::Postgres,
            url,
            postgres_name: Some(name),
        }
    }

    /// A new pool on this database as the runtime role (PostgreSQL), or the
    /// test's own pool (SQLite, which has one user).
    pub async fn runtime_pool(&self) -> DatabaseConnection {
        match self.backend {
            Backend::Sqlite => self.db.clone(),
            Backend::Postgres => switchboard_server::db::connect(&as_role(&self.url, RUNTIME_ROLE))
                .await
                .expect("the runtime role connects"),
        }
    }

    /// Runs a raw query and returns its rows, for catalog queries where no
    /// entity fits.
    pub async fn rows(&self, sql: &str) -> Vec<sea_orm::QueryResult> {
        self.db
            .query_all_raw(Statement::from_string(
                self.db.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .expect("query runs")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.postgres_name.take() else {
            return;
        };
        let db = self.db.clone();
        // Drop runs inside the test's runtime; the clean-up gets its own.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                let _ = db.close().await;
                if let Ok(admin) = Database::connect(postgres_admin_url()).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// `postgres_admin_url()` pointed at another database.
fn database_url(name: &str) -> String {
    let admin = postgres_admin_url();
    let (base, query) = match admin.split_once('?') {
        Some((base, query)) => (base.to_owned(), format!("?{query}")),
        None => (admin.clone(), String::new()),
    };
    let base = base
        .rsplit_once('/')
        .map_or(base.as_str(), |(b, _)| b)
        .to_owned();
    format!("{base}/{name}{query}")
}

pub use switchboard_server::db::as_role;

/// The migrated template database, built once per migration fingerprint; an
/// advisory lock keeps concurrent test processes from building it twice.
async fn postgres_template() -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for migration in switchboard_migration::fingerprint_sources() {
        migration.hash(&mut hasher);
    }
    let name = format!("switchboard_tpl_{:016x}", hasher.finish());
    static BUILT: OnceCell<()> = OnceCell::const_new();
    BUILT
        .get_or_init(|| async {
            let admin = Database::connect(postgres_admin_url())
                .await
                .expect("PostgreSQL reachable");
            admin
                .execute_unprepared("SELECT pg_advisory_lock(727274)")
                .await
                .expect("lock");
            let exists = admin
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
                ))
                .await
                .expect("catalog query")
                .is_some();
            if !exists {
                let building = format!("{name}_building");
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                    .await
                    .expect("stale template dropped");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {building}"))
                    .await
                    .expect("template created");
                let db = switchboard_server::db::connect(&database_url(&building))
                    .await
                    .expect("template opens");
                switchboard_server::db::migrate(&db)
                    .await
                    .expect("migrations apply to the template");
                // Grants live in the database's catalog: every clone of the
                // template inherits them.
                switchboard_server::roles::grant(&db, RUNTIME_ROLE, None)
                    .await
                    .expect("the runtime role is granted");
                let _ = db.close().await;
                admin
                    .execute_unprepared(&format!("ALTER DATABASE {building} RENAME TO {name}"))
                    .await
                    .expect("template renamed");
            }
            admin
                .execute_unprepared("SELECT pg_advisory_unlock(727274)")
                .await
                .expect("unlock");
            let _ = admin.close().await;
        })
        .await;
    name
}

/// The secret test applications sign tokens with.
pub const JWT_SECRET: &str = "switchboard-test-secret";

/// The real application on a free port over a test database.
pub struct TestApp {
    pub address: SocketAddr,
    pub base_url: String,
    pub client: reqwest::Client,
    pub db: TestDb,
    /// SQL statements the application has run (see [`TestApp::statements`]).
    statements: Arc<Mutex<Vec<String>>>,
}

/// Spawns the application over a migrated database of `backend`.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(TestDb::migrated(backend).await, HttpConfig::default()).await
}

/// Spawns the application over `db` with `config` (its JWT secret set to [`JWT_SECRET`]).
pub async fn spawn_app_with(db: TestDb, mut config: HttpConfig) -> TestApp {
    init_test_log();
    config.jwt_secret = JWT_SECRET.to_owned();
    let statements = Arc::new(Mutex::new(Vec::new()));
    let mut counted = db.runtime_pool().await;
    let log = statements.clone();
    counted.set_metric_callback(move |info| {
        if let Ok(mut log) = log.lock() {
            log.push(info.statement.sql.clone());
        }
    });
    let databases = Databases {
        runtime: counted,
        owner: db.db.clone(),
    };
    let app = Application::bind("127.0.0.1:0".parse().expect("address"), databases, config)
        .await
        .expect("binds a free port");
    let address = app.local_addr().expect("bound address");
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        address,
        base_url: format!("http://{address}"),
        client: reqwest::Client::new(),
        db,
        statements,
    }
}

impl TestApp {
    /// Another instance of the application over the same database (its own
    /// pool, bus and port), as a second server behind a load balancer would be.
    pub async fn second_instance(&self) -> String {
        let owner = switchboard_server::db::connect(&self.db.url)
            .await
            .expect("second pool");
        let databases = Databases {
            runtime: self.db.runtime_pool().await,
            owner,
        };
        let config = HttpConfig {
            jwt_secret: JWT_SECRET.to_owned(),
            ..HttpConfig::default()
        };
        let app = Application::bind("127.0.0.1:0".parse().expect("address"), databases, config)
            .await
            .expect("binds");
        let address = app.local_addr().expect("address");
        tokio::spawn(app.run_until(std::future::pending()));
        format!("http://{address}")
    }

    /// How many SQL statements the application has run so far.
    pub fn statements(&self) -> usize {
        self.statements.lock().map_or(0, |log| log.len())
    }

    /// The SQL of the statements run since the `from`-th.
    pub fn statements_since(&self, from: usize) -> Vec<String> {
        self.statements
            .lock()
            .map(|log| log[from.min(log.len())..].to_vec())
            .unwrap_or_default()
    }

    /// POSTs a form to `/webhooks/twilio?org=<slug>` signed with the
    /// organization's Twilio `auth_token`, as Twilio sends status callbacks
    /// and incoming messages.
    pub async fn post_twilio(
        &self,
        slug: &str,
        auth_token: &str,
        params: &[(&str, &str)],
    ) -> reqwest::Response {
        let url = format!("{}/webhooks/twilio?org={slug}", self.base_url);
        let owned: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let body = owned
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace('+', "%2B").replace(' ', "+")))
            .collect::<Vec<_>>()
            .join("&");
        let signature = switchboard_domain::webhooks::twilio_signature(auth_token, &url, &owned);
        self.client
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", signature)
            .body(body)
            .send()
            .await
            .expect("sent")
    }

    /// POSTs a GraphQL request as `token` (if any) and returns the JSON body.
    pub async fn graphql(
        &self,
        token: Option<&str>,
        query: &str,
        variables: serde_json::Value,
    ) -> serde_json::Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.base_url))
            .json(&serde_json::json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request is sent");
        assert_eq!(response.status(), 200, "application/json responses are 200");
        response.json().await.expect("a JSON body")
    }
}

/// The `data` of a GraphQL response that must have no errors.
pub fn ok(body: &serde_json::Value) -> &serde_json::Value {
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    &body["data"]
}

/// The `extensions.code` of a GraphQL response's first error.
pub fn code(body: &serde_json::Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("an error with a code: {body}"))
}

/// Writes call events as a writer's commit would: inserted and numbered in
/// their organization's stream (`seq`, in the order given), in one
/// transaction. Events written any other way cannot be resumed from.
pub async fn append_events(
    db: &DatabaseConnection,
    events: Vec<switchboard_entity::call_events::ActiveModel>,
) {
    use sea_orm::{EntityTrait, TransactionTrait};
    let txn = db.begin().await.expect("begin");
    let numbered: Vec<(Uuid, Uuid)> = events
        .iter()
        .map(|event| {
            (
                event.organization_id.clone().unwrap(),
                event.id.clone().unwrap(),
            )
        })
        .collect();
    for chunk in events.chunks(400) {
        switchboard_entity::call_events::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .expect("events");
    }
    switchboard_app::events::number_events(&txn, numbered)
        .await
        .expect("numbered");
    txn.commit().await.expect("commit");
}

/// A token for `user` in `organization`, signed with [`JWT_SECRET`].
pub fn token(user: Uuid, organization: Uuid) -> String {
    switchboard_domain::auth::mint(
        JWT_SECRET.as_bytes(),
        user,
        organization,
        chrono::Utc::now(),
        chrono::Duration::hours(1),
    )
    .expect("a token")
}

/// An organization with one active member of each role.
pub struct Tenant {
    pub organization_id: Uuid,
    pub owner: Uuid,
    pub admin: Uuid,
    pub manager: Uuid,
    pub agent: Uuid,
    pub viewer: Uuid,
}

impl Tenant {
    /// Creates an organization named `slug` with a member of every role.
    pub async fn create(db: &DatabaseConnection, slug: &str) -> Self {
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        use switchboard_entity::enums::{MemberRole, MembershipStatus};
        use switchboard_entity::{organization_memberships, organizations, users};
        let now = chrono::Utc::now();
        let organization_id = Uuid::now_v7();
        organizations::ActiveModel {
            id: Set(organization_id),
            name: Set(format!("Org {slug}")),
            slug: Set(slug.to_owned()),
            timezone: Set("America/New_York".to_owned()),
            default_region: Set("US".to_owned()),
            credit_balance: Set(1_000),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await
        .expect("organization");
        let mut ids = Vec::new();
        for role in [
            MemberRole::Owner,
            MemberRole::Admin,
            MemberRole::Manager,
            MemberRole::Agent,
            MemberRole::Viewer,
        ] {
            let user = Uuid::now_v7();
            users::ActiveModel {
                id: Set(user),
                email: Set(format!("{}@{slug}.test", role.as_str())),
                name: Set(format!("{} of {slug}", role.as_str())),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
            .expect("user");
            organization_memberships::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(organization_id),
                user_id: Set(user),
                role: Set(role),
                status: Set(MembershipStatus::Active),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
            .expect("membership");
            ids.push(user);
        }
        Self {
            organization_id,
            owner: ids[0],
            admin: ids[1],
            manager: ids[2],
            agent: ids[3],
            viewer: ids[4],
        }
    }

    /// A token for `user` in this organization.
    pub fn token(&self, user: Uuid) -> String {
        token(user, self.organization_id)
    }
}

/// Declares each named `async fn(Backend)` as a test on SQLite and on PostgreSQL:
/// `module::sqlite::name` and `module::postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::available($crate::Backend::Postgres).await {
                        super::$name($crate::Backend::Postgres).await;
                    }
                }
            )+
        }
    };
}
