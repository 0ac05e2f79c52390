use switchboard_migration::{Migrator, MigratorTrait};
use switchboard_tests::{Backend, TestDb, on_both_backends};

use crate::catalog::{expected_tables, expected_views, tables, views};

on_both_backends!(
    up_creates_exactly_the_domain_tables_and_views,
    down_removes_every_table_and_view_and_up_works_again,
    status_reports_applied_and_pending_migrations_honestly,
);

async fn up_creates_exactly_the_domain_tables_and_views(backend: Backend) {
    let test = TestDb::empty(backend).await;
    assert!(
        tables(&test).await.is_empty(),
        "a new database starts empty"
    );

    Migrator::up(&test.db, None)
        .await
        .expect("migrations apply");

    assert_eq!(tables(&test).await, expected_tables());
    assert_eq!(views(&test).await, expected_views());
    assert_eq!(expected_tables().len(), 38);
}

async fn down_removes_every_table_and_view_and_up_works_again(backend: Backend) {
    let test = TestDb::empty(backend).await;
    Migrator::up(&test.db, None)
        .await
        .expect("migrations apply");

    Migrator::down(&test.db, None)
        .await
        .expect("migrations roll back");
    assert!(
        tables(&test).await.is_empty(),
        "left behind: {:?}",
        tables(&test).await
    );
    assert!(
        views(&test).await.is_empty(),
        "left behind: {:?}",
        views(&test).await
    );

    Migrator::up(&test.db, None)
        .await
        .expect("migrations apply again");
    assert_eq!(tables(&test).await, expected_tables());
    assert_eq!(views(&test).await, expected_views());
}

async fn status_reports_applied_and_pending_migrations_honestly(backend: Backend) {
    let test = TestDb::empty(backend).await;
    let total = Migrator::migrations().len();

    let status = switchboard_server::db::migration_status(&test.db)
        .await
        .expect("status");
    assert_eq!(status.len(), total);
    assert!(
        status.iter().all(|(_, applied)| !applied),
        "nothing is applied yet: {status:?}"
    );

    Migrator::up(&test.db, Some(2))
        .await
        .expect("two migrations apply");
    let status = switchboard_server::db::migration_status(&test.db)
        .await
        .expect("status");
    let applied: Vec<bool> = status.iter().map(|(_, applied)| *applied).collect();
    let mut expected = vec![true, true];
    expected.resize(total, false);
    assert_eq!(applied, expected);

    Migrator::up(&test.db, None).await.expect("the rest apply");
    let status = switchboard_server::db::migration_status(&test.db)
        .await
        .expect("status");
    assert!(status.iter().all(|(_, applied)| *applied), "{status:?}");
    assert_eq!(status[0].0, "m0001_identity");
}
