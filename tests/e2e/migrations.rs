use switchboard_migration::{Migrator, MigratorTrait};
use switchboard_tests::{Backend, TestDb, on_both_backends};

use crate::catalog::{expected_tables, expected_views, tables, views};

on_both_backends!(
    up_creates_exactly_the_domain_tables_and_views,
    down_removes_every_table_and_view_and_up_works_again,
    status_reports_applied_and_pending_migrations_honestly,
    events_written_before_commit_ordering_keep_their_order_and_the_stream_goes_on,
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
    assert_eq!(expected_tables().len(), 44);
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

async fn events_written_before_commit_ordering_keep_their_order_and_the_stream_goes_on(
    backend: Backend,
) {
    use sea_orm::sea_query::{Alias, Query};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, QueryOrder};
    use switchboard_entity::{call_events, calls, event_sequences};
    use uuid::Uuid;

    let test = TestDb::empty(backend).await;
    let before_m0011 = Migrator::migrations()
        .iter()
        .position(|m| m.name() == "m0011_commit_ordered_events")
        .expect("m0011 is a migration") as u32;
    Migrator::up(&test.db, Some(before_m0011))
        .await
        .expect("migrations up to m0010 apply");
    let acme = switchboard_tests::Tenant::create(&test.db, "acme").await;
    let now = chrono::Utc::now();
    let call = Uuid::now_v7();
    calls::ActiveModel {
        id: Set(call),
        organization_id: Set(acme.organization_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&test.db)
    .await
    .expect("a call");
    // Three events as m0010 stored them (no `seq`), written out of id order.
    let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
    for id in [ids[2], ids[0], ids[1]] {
        let insert = Query::insert()
            .into_table(Alias::new("call_events"))
            .columns(["id", "organization_id", "call_id", "kind", "source"].map(Alias::new))
            .values([
                id.into(),
                acme.organization_id.into(),
                call.into(),
                "created".into(),
                "system".into(),
            ])
            .expect("as many values as columns")
            .to_owned();
        test.db
            .execute_raw(test.db.get_database_backend().build(&insert))
            .await
            .expect("an event before m0011");
    }

    Migrator::up(&test.db, None).await.expect("m0011 applies");
    let numbered: Vec<(Uuid, Option<i64>)> = call_events::Entity::find()
        .order_by_asc(call_events::Column::Id)
        .all(&test.db)
        .await
        .expect("events")
        .into_iter()
        .map(|e| (e.id, e.seq))
        .collect();
    assert_eq!(
        numbered,
        vec![(ids[0], Some(1)), (ids[1], Some(2)), (ids[2], Some(3))],
        "numbered in id order, the order replay used before"
    );

    // The next commit continues the organization's stream.
    let txn = sea_orm::TransactionTrait::begin(&test.db)
        .await
        .expect("begin");
    let next = Uuid::now_v7();
    call_events::ActiveModel {
        id: Set(next),
        organization_id: Set(acme.organization_id),
        call_id: Set(call),
        kind: Set(switchboard_entity::enums::CallEventKind::Created),
        source: Set(switchboard_entity::enums::CallEventSource::System),
        payload: Set(serde_json::json!({})),
        occurred_at: Set(now),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .expect("a new event");
    switchboard_app::events::number_events(&txn, [(acme.organization_id, next)])
        .await
        .expect("numbered");
    txn.commit().await.expect("commit");
    let seq = call_events::Entity::find_by_id(next)
        .one(&test.db)
        .await
        .expect("read")
        .and_then(|e| e.seq);
    assert_eq!(seq, Some(4));
    let counter = event_sequences::Entity::find_by_id(acme.organization_id)
        .one(&test.db)
        .await
        .expect("read")
        .map(|row| row.last_seq);
    assert_eq!(counter, Some(4));
}
