//! What a database holds, read from its catalog.

use std::collections::{BTreeMap, BTreeSet};

use switchboard_tests::{Backend, TestDb};

/// Base tables, without the migrations' bookkeeping table.
pub async fn tables(db: &TestDb) -> BTreeSet<String> {
    let sql = match db.backend {
        Backend::Postgres => {
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        }
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
    };
    names(db, sql)
        .await
        .into_iter()
        .filter(|t| t != "seaql_migrations")
        .collect()
}

/// Views, materialized or not.
pub async fn views(db: &TestDb) -> BTreeSet<String> {
    let sql = match db.backend {
        Backend::Postgres => {
            "SELECT viewname AS name FROM pg_views WHERE schemaname = 'public' UNION ALL SELECT matviewname FROM pg_matviews WHERE schemaname = 'public'"
        }
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'view'",
    };
    names(db, sql).await
}

/// Every column of every table: table -> column -> nullable.
pub async fn columns(db: &TestDb) -> BTreeMap<String, BTreeMap<String, bool>> {
    let mut out: BTreeMap<String, BTreeMap<String, bool>> = BTreeMap::new();
    for table in tables(db).await {
        let sql = match db.backend {
            Backend::Postgres => format!(
                "SELECT column_name AS name, (is_nullable = 'YES') AS nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '{table}'"
            ),
            Backend::Sqlite => format!(
                "SELECT name, (\"notnull\" = 0) AS nullable FROM pragma_table_info('{table}')"
            ),
        };
        for row in db.rows(&sql).await {
            let name: String = row.try_get("", "name").expect("column name");
            let nullable: bool = row.try_get("", "nullable").expect("nullability");
            out.entry(table.clone()).or_default().insert(name, nullable);
        }
    }
    out
}

async fn names(db: &TestDb, sql: &str) -> BTreeSet<String> {
    db.rows(sql)
        .await
        .iter()
        .map(|row| row.try_get::<String>("", "name").expect("name column"))
        .collect()
}

pub fn expected_tables() -> BTreeSet<String> {
    switchboard_migration::TABLES
        .iter()
        .map(|t| (*t).to_owned())
        .collect()
}

pub fn expected_views() -> BTreeSet<String> {
    switchboard_migration::VIEWS
        .iter()
        .map(|t| (*t).to_owned())
        .collect()
}
