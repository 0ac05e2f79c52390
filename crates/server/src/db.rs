//! Connecting to PostgreSQL or SQLite, and running the migrations.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};
use switchboard_migration::{Migrator, MigratorTrait};

/// How long a pooled connection may sit unused before it is pinged on
/// checkout rather than trusted.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// Opens a pool on `url` with no statement timeout: for maintenance
/// (migrations, seeding, rebuilds), whose statements may rightly run long.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, None).await
}

/// Opens a pool on `url` whose PostgreSQL sessions cancel any statement
/// running longer than `statement_timeout`, so a request abandoned at its
/// timeout does not keep a connection and a backend busy. (SQLite has no
/// such setting; its statements stop when the request's future is dropped.)
///
/// SQLite files are created if missing and use WAL, so readers never wait for
/// the writer. An in-memory SQLite database lives as long as its connection,
/// so its pool holds exactly one connection that is never recycled.
pub async fn connect_with(
    url: &str,
    statement_timeout: Option<Duration>,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        // A request checks out two connections (the privileged lookup of
        // its token, then its own transaction); pinging each on every
        // checkout was two round trips of eight. Only a connection idle long
        // enough to have been dropped (a restart, a proxy) is pinged now.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING);
    if url.starts_with("sqlite:") {
        let memory = is_sqlite_memory(url);
        if memory {
            options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        } else {
            options.max_connections(8);
        }
        options.map_sqlx_sqlite_opts(move |opts| {
            let opts = opts.foreign_keys(true);
            if memory {
                opts
            } else {
                opts.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
            }
        });
    } else {
        options.max_connections(16);
        if let Some(timeout) = statement_timeout {
            let millis = timeout.as_millis().to_string();
            options.map_sqlx_postgres_opts(move |opts| {
                opts.options([("statement_timeout", format!("{millis}ms"))])
            });
        }
    }
    Database::connect(options).await
}

fn is_sqlite_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Each migration's name and whether it is applied, in order.
pub async fn migration_status(db: &DatabaseConnection) -> Result<Vec<(String, bool)>, DbErr> {
    Ok(Migrator::get_migration_with_status(db)
        .await?
        .iter()
        .map(|m| {
            let applied = matches!(m.status(), sea_orm_migration::MigrationStatus::Applied);
            (m.name().to_owned(), applied)
        })
        .collect())
}

/// Whether the database answers a trivial query.
pub async fn is_ready(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

/// `url` with `role` as its user and no password (peer, certificate or
/// trust authentication): how the tests and benchmarks reach the runtime role.
pub fn as_role(url: &str, role: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split_once('@').map_or(rest, |(_, host)| host);
            format!("{scheme}://{role}@{host}")
        }
        None => url.to_owned(),
    }
}

/// The URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{as_role, redact_url};

    #[test]
    fn as_role_replaces_the_user_and_drops_the_password() {
        assert_eq!(
            as_role("postgres://owner:secret@db:5432/x?sslmode=disable", "app"),
            "postgres://app@db:5432/x?sslmode=disable"
        );
        assert_eq!(as_role("postgres://db/x", "app"), "postgres://app@db/x");
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db/x"),
            "postgres://app:***@db/x"
        );
        assert_eq!(redact_url("postgres://app@db/x"), "postgres://app@db/x");
        assert_eq!(
            redact_url("sqlite://switchboard.db"),
            "sqlite://switchboard.db"
        );
    }
}
