//! The application's filter tree compiled and run without HTTP, on both
//! backends: a filter selects exactly the leads it describes, segments name
//! segments, the budget refuses an oversized tree before anything is read,
//! and a segment saved in the old GraphQL-shaped format selects the same
//! leads after the migration to the application's own format.

use std::sync::Arc;

use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use switchboard_app::leads::segments::{
    NewSegment, SegmentChanges, create_segment, delete_segment, filter_of, update_segment,
};
use switchboard_app::query::filter::{
    CallFilter, CallRelation, IntRange, LeadFilter, OneOf, TagMatch, lead_condition,
};
use switchboard_app::{App, AppError, EventBus, Viewer};
use switchboard_domain::secrets::SecretKey;
use switchboard_entity::enums::{CallStatus, LeadStatus, MemberRole};
use switchboard_entity::{calls, leads, segments};
use switchboard_migration::{Migrator, MigratorTrait};
use switchboard_tests::{Backend, Tenant, TestDb, on_both_backends};
use uuid::Uuid;

on_both_backends!(
    a_filter_selects_exactly_the_leads_it_describes,
    a_segment_naming_a_segment_selects_what_its_filter_selects,
    the_budget_refuses_an_oversized_tree_before_anything_runs,
    a_segment_saved_before_the_migration_selects_the_same_leads_after,
    the_demo_segments_are_stored_in_the_current_format,
);

fn app(test: &TestDb) -> App {
    App::new(
        test.db.clone(),
        EventBus::new(test.db.get_database_backend()),
        Arc::new(SecretKey::generate()),
    )
}

fn manager(tenant: &Tenant) -> Viewer {
    Viewer {
        user_id: tenant.manager,
        organization_id: tenant.organization_id,
        role: MemberRole::Manager,
        timezone: "UTC".parse().expect("a time zone"),
    }
}

/// A lead to insert as is.
struct Lead {
    name: &'static str,
    status: LeadStatus,
    score: i32,
    tags: &'static [&'static str],
    source: &'static str,
    deleted: bool,
    completed_call: bool,
}

const LEADS: &[Lead] = &[
    Lead {
        name: "Ann",
        status: LeadStatus::Hot,
        score: 80,
        tags: &["vip"],
        source: "meta",
        deleted: false,
        completed_call: false,
    },
    Lead {
        name: "Bob",
        status: LeadStatus::Cold,
        score: 20,
        tags: &[],
        source: "organic",
        deleted: false,
        completed_call: false,
    },
    Lead {
        name: "Cid",
        status: LeadStatus::Hot,
        score: 90,
        tags: &["vip", "spanish"],
        source: "meta",
        deleted: true,
        completed_call: false,
    },
    Lead {
        name: "Dee",
        status: LeadStatus::Qualified,
        score: 75,
        tags: &["spanish"],
        source: "organic",
        deleted: false,
        completed_call: true,
    },
];

/// Inserts [`LEADS`] (and Dee's completed call) into `organization_id`.
async fn insert_leads(db: &DatabaseConnection, organization_id: Uuid) {
    let now = chrono::Utc::now();
    for (i, lead) in LEADS.iter().enumerate() {
        let id = Uuid::now_v7();
        leads::ActiveModel {
            id: Set(id),
            organization_id: Set(organization_id),
            first_name: Set(Some(lead.name.to_owned())),
            email: Set(Some(format!("{}@example.com", lead.name.to_lowercase()))),
            phone_number: Set(format!("+1415555{:04}", 100 + i)),
            status: Set(lead.status),
            lead_score: Set(lead.score),
            tags: Set(json!(lead.tags)),
            source: Set(Some(lead.source.to_owned())),
            deleted_at: Set(lead.deleted.then_some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("lead");
        if lead.completed_call {
            calls::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(organization_id),
                lead_id: Set(Some(id)),
                status: Set(CallStatus::Completed),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
            .expect("call");
        }
    }
}

/// The first names of the organization's leads `filter` selects, sorted.
async fn selected(
    db: &DatabaseConnection,
    organization_id: Uuid,
    filter: &LeadFilter,
) -> Vec<String> {
    let condition = lead_condition(db, organization_id, filter)
        .await
        .expect("the filter compiles");
    leads::Entity::find()
        .filter(condition)
        .order_by_asc(leads::Column::FirstName)
        .all(db)
        .await
        .expect("the leads are read")
        .into_iter()
        .filter_map(|lead| lead.first_name)
        .collect()
}

fn only<T>(values: Vec<T>) -> Option<OneOf<T>> {
    Some(OneOf {
        any_of: Some(values),
        none_of: None,
    })
}

fn score_at_least(n: i64) -> Option<IntRange> {
    Some(IntRange {
        gte: Some(n),
        ..Default::default()
    })
}

fn tagged(any_of: &[&str], all_of: &[&str]) -> Option<TagMatch> {
    let list =
        |tags: &[&str]| (!tags.is_empty()).then(|| tags.iter().map(|t| (*t).to_owned()).collect());
    Some(TagMatch {
        any_of: list(any_of),
        all_of: list(all_of),
    })
}

fn completed_calls() -> Option<Box<CallFilter>> {
    Some(Box::new(CallFilter {
        status: only(vec![CallStatus::Completed]),
        ..Default::default()
    }))
}

async fn a_filter_selects_exactly_the_leads_it_describes(backend: Backend) {
    let test = TestDb::migrated(backend).await;
    let acme = Tenant::create(&test.db, "acme").await;
    let other = Tenant::create(&test.db, "other").await;
    insert_leads(&test.db, acme.organization_id).await;
    insert_leads(&test.db, other.organization_id).await;
    let org = acme.organization_id;

    let hot_or_qualified_70 = LeadFilter {
        status: only(vec![LeadStatus::Hot, LeadStatus::Qualified]),
        lead_score: score_at_least(70),
        ..Default::default()
    };
    assert_eq!(
        selected(&test.db, org, &hot_or_qualified_70).await,
        ["Ann", "Dee"]
    );
    let with_deleted = LeadFilter {
        include_deleted: Some(true),
        ..hot_or_qualified_70.clone()
    };
    assert_eq!(
        selected(&test.db, org, &with_deleted).await,
        ["Ann", "Cid", "Dee"]
    );

    let cases = [
        (
            LeadFilter {
                tags: tagged(&["vip", "spanish"], &[]),
                ..Default::default()
            },
            vec!["Ann", "Dee"],
        ),
        (
            LeadFilter {
                tags: tagged(&[], &["vip", "spanish"]),
                include_deleted: Some(true),
                ..Default::default()
            },
            vec!["Cid"],
        ),
        (
            LeadFilter {
                calls: Some(CallRelation {
                    some: completed_calls(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            vec!["Dee"],
        ),
        (
            LeadFilter {
                calls: Some(CallRelation {
                    none: completed_calls(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            vec!["Ann", "Bob"],
        ),
        (
            LeadFilter {
                search: Some(" ANN ".into()),
                ..Default::default()
            },
            vec!["Ann"],
        ),
        (
            LeadFilter {
                any: Some(vec![
                    LeadFilter {
                        source: only(vec!["meta".into()]),
                        ..Default::default()
                    },
                    LeadFilter {
                        not: Some(Box::new(LeadFilter {
                            lead_score: score_at_least(50),
                            ..Default::default()
                        })),
                        ..Default::default()
                    },
                ]),
                ..Default::default()
            },
            vec!["Ann", "Bob"],
        ),
        (
            LeadFilter {
                source: Some(OneOf {
                    any_of: Some(vec![]),
                    none_of: None,
                }),
                ..Default::default()
            },
            vec![],
        ),
        (LeadFilter::default(), vec!["Ann", "Bob", "Dee"]),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            selected(&test.db, org, &filter).await,
            expected,
            "{filter:?}"
        );
    }
}

async fn a_segment_naming_a_segment_selects_what_its_filter_selects(backend: Backend) {
    let test = TestDb::migrated(backend).await;
    let acme = Tenant::create(&test.db, "acme").await;
    insert_leads(&test.db, acme.organization_id).await;
    let (app, viewer, org) = (app(&test), manager(&acme), acme.organization_id);
    let new = |name: &str, filter: LeadFilter| NewSegment {
        name: name.to_owned(),
        description: None,
        filter,
        is_public: false,
    };

    let vip = create_segment(
        &app,
        viewer,
        new(
            "VIP",
            LeadFilter {
                tags: tagged(&["vip"], &[]),
                ..Default::default()
            },
        ),
    )
    .await
    .expect("VIP is saved");
    assert_eq!(vip.filter["version"], 2, "{}", vip.filter);
    let hot_vip = create_segment(
        &app,
        viewer,
        new(
            " Hot VIP ",
            LeadFilter {
                segment: Some(vip.id),
                status: only(vec![LeadStatus::Hot]),
                ..Default::default()
            },
        ),
    )
    .await
    .expect("Hot VIP is saved");
    assert_eq!(hot_vip.name, "Hot VIP");
    assert_eq!(filter_of(&hot_vip).expect("decodes").segment, Some(vip.id));
    assert_eq!(
        selected(&test.db, org, &LeadFilter::segment(hot_vip.id)).await,
        ["Ann"]
    );

    // Changing the inner segment changes what the outer one selects.
    update_segment(
        &app,
        viewer,
        vip.id,
        SegmentChanges {
            filter: Some(LeadFilter {
                lead_score: score_at_least(0),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .await
    .expect("VIP is changed");
    assert_eq!(
        selected(&test.db, org, &LeadFilter::segment(hot_vip.id)).await,
        ["Ann"]
    );
    assert_eq!(
        selected(&test.db, org, &LeadFilter::segment(vip.id)).await,
        ["Ann", "Bob", "Dee"]
    );

    let taken = create_segment(&app, viewer, new("VIP", LeadFilter::default())).await;
    assert!(
        matches!(&taken, Err(AppError::Conflict { field: Some(field), .. }) if field == "name"),
        "{taken:?}"
    );
    let unnamed = create_segment(&app, viewer, new("  ", LeadFilter::default())).await;
    assert!(
        matches!(&unnamed, Err(AppError::BadUserInput(e)) if e.field() == "name"),
        "{unnamed:?}"
    );
    let dangling =
        create_segment(&app, viewer, new("X", LeadFilter::segment(Uuid::now_v7()))).await;
    assert!(matches!(
        dangling,
        Err(AppError::NotFound {
            entity: "segment",
            ..
        })
    ));

    // Deleting the inner segment leaves the outer one naming nothing.
    delete_segment(&app, viewer, vip.id)
        .await
        .expect("VIP is deleted");
    let gone = lead_condition(&test.db, org, &LeadFilter::segment(hot_vip.id)).await;
    assert!(matches!(
        gone,
        Err(AppError::NotFound {
            entity: "segment",
            ..
        })
    ));
    let again = delete_segment(&app, viewer, vip.id).await;
    assert!(matches!(again, Err(AppError::NotFound { .. })));
}

/// The message of a refusal keyed `filter`.
fn refusal<T: std::fmt::Debug>(result: Result<T, AppError>) -> String {
    match result {
        Err(AppError::BadUserInput(error)) => {
            let (field, message) = error.into_parts();
            assert_eq!(field, "filter");
            message
        }
        other => panic!("expected BAD_USER_INPUT, got {other:?}"),
    }
}

async fn the_budget_refuses_an_oversized_tree_before_anything_runs(backend: Backend) {
    let test = TestDb::migrated(backend).await;
    let acme = Tenant::create(&test.db, "acme").await;
    let (app, viewer, org) = (app(&test), manager(&acme), acme.organization_id);

    let wide = LeadFilter {
        any: Some(vec![LeadFilter::default(); 5_000]),
        ..Default::default()
    };
    assert!(refusal(lead_condition(&test.db, org, &wide).await).contains("`or` lists at most 100"));

    // Each level is fine on its own; three levels of 80 references are not.
    let references = |id: Uuid| LeadFilter {
        any: Some(vec![LeadFilter::segment(id); 80]),
        ..Default::default()
    };
    let new = |name: &str, filter: LeadFilter| NewSegment {
        name: name.to_owned(),
        description: None,
        filter,
        is_public: false,
    };
    let a = create_segment(&app, viewer, new("a", LeadFilter::default()))
        .await
        .expect("a");
    let b = create_segment(&app, viewer, new("b", references(a.id)))
        .await
        .expect("b");
    let message = refusal(create_segment(&app, viewer, new("c", references(b.id))).await);
    assert!(message.contains("1000"), "{message}");
    let message = refusal(lead_condition(&test.db, org, &references(b.id)).await);
    assert!(message.contains("1000"), "{message}");
    let saved: Vec<String> = segments::Entity::find()
        .all(&test.db)
        .await
        .expect("segments")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(
        saved.len(),
        2,
        "the refused segment is not saved: {saved:?}"
    );
}

/// Today's seven migrations, before the segment filters move to version 2.
async fn migrated_to_the_previous_version(backend: Backend) -> (TestDb, u32) {
    let test = TestDb::empty(backend).await;
    let step = Migrator::migrations()
        .iter()
        .position(|m| m.name() == "m0008_segment_filter_v2")
        .expect("the migration exists");
    Migrator::up(&test.db, Some(u32::try_from(step).expect("a few")))
        .await
        .expect("the earlier migrations apply");
    let later = Migrator::migrations().len() - step;
    (test, u32::try_from(later).expect("a few"))
}

async fn insert_v1_segment(
    db: &DatabaseConnection,
    organization_id: Uuid,
    name: &str,
    filter: Value,
) -> Uuid {
    let id = Uuid::now_v7();
    segments::ActiveModel {
        id: Set(id),
        organization_id: Set(organization_id),
        name: Set(name.to_owned()),
        filter: Set(filter),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("a version 1 segment");
    id
}

async fn stored(db: &DatabaseConnection, id: Uuid) -> segments::Model {
    segments::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("read")
        .expect("the segment")
}

async fn a_segment_saved_before_the_migration_selects_the_same_leads_after(backend: Backend) {
    let (test, later) = migrated_to_the_previous_version(backend).await;
    let acme = Tenant::create(&test.db, "acme").await;
    insert_leads(&test.db, acme.organization_id).await;
    let org = acme.organization_id;
    // Exactly as the API stored them: the GraphQL input, camelCase and SCREAMING_CASE.
    let vip = json!({ "tags": { "containsAny": ["vip", "spanish"] } });
    let vip_id = insert_v1_segment(&test.db, org, "VIP", vip.clone()).await;
    let nested = json!({
        "and": [{ "segment": vip_id.to_string() }],
        "status": { "notIn": ["COLD"] },
        "leadScore": { "gte": 70, "lt": 100 },
        "calls": { "none": { "status": { "in": ["COMPLETED"] } } },
        "or": [{ "source": { "in": ["meta"] } }, { "createdAt": { "isNull": false } }],
        "includeDeleted": true,
    });
    let nested_id = insert_v1_segment(&test.db, org, "Nested", nested.clone()).await;

    Migrator::up(&test.db, None)
        .await
        .expect("the migration applies");
    let row = stored(&test.db, nested_id).await;
    assert_eq!(row.filter["version"], 2, "{}", row.filter);
    assert_eq!(
        row.filter["filter"]["status"],
        json!({ "none_of": ["cold"] })
    );
    assert_eq!(
        selected(&test.db, org, &LeadFilter::segment(vip_id)).await,
        ["Ann", "Dee"]
    );
    // Not cold, 70 to 99, no completed call, VIP or Spanish; named as a
    // segment, its `includeDeleted` is not at the top level, so live leads only.
    assert_eq!(
        selected(&test.db, org, &LeadFilter::segment(nested_id)).await,
        ["Ann"]
    );
    assert_eq!(
        selected(&test.db, org, &filter_of(&row).expect("decodes")).await,
        ["Ann", "Cid"]
    );

    // Down writes the old format back, exactly; up again converts it again.
    Migrator::down(&test.db, Some(later))
        .await
        .expect("the migration rolls back");
    assert_eq!(stored(&test.db, nested_id).await.filter, nested);
    assert_eq!(stored(&test.db, vip_id).await.filter, vip);
    Migrator::up(&test.db, None)
        .await
        .expect("the migration applies again");
    assert_eq!(stored(&test.db, nested_id).await.filter, row.filter);
}

async fn the_demo_segments_are_stored_in_the_current_format(backend: Backend) {
    let test = TestDb::migrated(backend).await;
    switchboard_seed::demo(&test.db, chrono::Utc::now())
        .await
        .expect("the demo seeds");
    let saved = segments::Entity::find()
        .all(&test.db)
        .await
        .expect("segments");
    assert!(!saved.is_empty());
    for segment in saved {
        let filter = filter_of(&segment).expect("the demo's filter decodes");
        lead_condition(&test.db, segment.organization_id, &filter)
            .await
            .expect("the demo's filter compiles");
    }
}
