//! Test support: a fresh database per test on either backend, and the real
//! application spawned on a free port over it.
//!
//! SQLite databases are in memory. PostgreSQL databases are cloned from a
//! template that the migrations built once (named after a fingerprint of the
//! migrations, so a changed migration gets a new template) and dropped when
//! the test ends. Set `SWITCHBOARD_TEST_POSTGRES_URL` to a maintenance database
//! URL (default `postgres://postgres@127.0.0.1:5432/postgres`). Without a
//! reachable server the PostgreSQL tests are skipped, except under `CI=true`,
//! where that is a failure.

use std::net::SocketAddr;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use switchboard_server::app::{Application, HttpConfig};
use tokio::sync::OnceCell;
use uuid::Uuid;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The maintenance database URL of the PostgreSQL test server.
pub fn postgres_admin_url() -> String {
    std::env::var("SWITCHBOARD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
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

/// The real application on a free port over a test database.
pub struct TestApp {
    pub address: SocketAddr,
    pub base_url: String,
    pub client: reqwest::Client,
    pub db: TestDb,
}

/// Spawns the application over a migrated database of `backend`.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(TestDb::migrated(backend).await, HttpConfig::default()).await
}

/// Spawns the application over `db` with `config`.
pub async fn spawn_app_with(db: TestDb, config: HttpConfig) -> TestApp {
    let app = Application::bind(
        "127.0.0.1:0".parse().expect("address"),
        db.db.clone(),
        config,
    )
    .await
    .expect("binds a free port");
    let address = app.local_addr().expect("bound address");
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        address,
        base_url: format!("http://{address}"),
        client: reqwest::Client::new(),
        db,
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
