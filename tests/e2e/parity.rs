use switchboard_tests::{Backend, TestDb, available};

use crate::catalog::{columns, views};

/// Both backends have the same tables, the same columns and the same
/// nullability; only column types differ (SQLite's storage classes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_and_sqlite_have_the_same_tables_columns_and_views() {
    if !available(Backend::Postgres).await {
        return;
    }
    let sqlite = TestDb::migrated(Backend::Sqlite).await;
    let postgres = TestDb::migrated(Backend::Postgres).await;

    let (lite, pg) = (columns(&sqlite).await, columns(&postgres).await);
    assert_eq!(
        lite.keys().collect::<Vec<_>>(),
        pg.keys().collect::<Vec<_>>(),
        "tables differ"
    );
    for (table, pg_columns) in &pg {
        assert_eq!(
            &lite[table], pg_columns,
            "columns of `{table}` differ (name -> nullable)"
        );
    }
    assert_eq!(views(&sqlite).await, views(&postgres).await);
}
