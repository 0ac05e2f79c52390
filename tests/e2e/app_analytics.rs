//! The analytics use cases of `switchboard-app`, called without HTTP, on
//! both backends: rules a GraphQL request reaches only with difficulty
//! (a rebuild over consistent rollups, isolation between organizations, a
//! local day boundary, an upsert repeated at once).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use switchboard_app::analytics::figures::{agent_contribution, organization_contribution};
use switchboard_app::analytics::stats::{self, CallDimension, Grouping, Selection};
use switchboard_app::analytics::summary::{self, SummaryDimension, SummaryQuery};
use switchboard_app::analytics::{funnel, periods, rollups, sources};
use switchboard_app::query::filter::CallFilter;
use switchboard_app::{App, EventBus, Viewer};
use switchboard_domain::analytics::Granularity;
use switchboard_domain::range::{DateRange, InstantRange};
use switchboard_domain::secrets::SecretKey;
use switchboard_entity::enums::{AgentProvider, CallStatus, CallType, MemberRole};
use switchboard_entity::{
    agent_analytics, agents, calls, lead_source_costs, leads, organization_analytics, organizations,
};
use switchboard_tests::{Backend, Tenant, TestDb, on_both_backends};
use uuid::Uuid;

on_both_backends!(
    a_rollup_rebuild_over_consistent_rollups_changes_nothing,
    the_figures_of_one_organization_never_include_another_organizations_rows,
    a_call_at_23_30_in_los_angeles_counts_on_that_local_day,
    recording_a_source_cost_twice_keeps_one_row,
);

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("a timestamp")
}

fn day(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

fn app_over(db: &DatabaseConnection) -> App {
    App::new(
        db.clone(),
        EventBus::new(db.get_database_backend()),
        Arc::new(SecretKey::derive(b"app-analytics-test")),
    )
}

/// The tenant's manager, in `timezone`.
fn manager(tenant: &Tenant, timezone: &str) -> Viewer {
    Viewer {
        user_id: tenant.manager,
        organization_id: tenant.organization_id,
        role: MemberRole::Manager,
        timezone: timezone.parse().expect("a zone"),
    }
}

async fn insert_agent(db: &DatabaseConnection, org: Uuid, name: &str) -> Uuid {
    let id = Uuid::now_v7();
    agents::ActiveModel {
        id: Set(id),
        organization_id: Set(org),
        provider: Set(AgentProvider::Vapi),
        external_agent_id: Set(name.to_owned()),
        name: Set(name.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("agent");
    id
}

/// A call created and ended at `ended`, counted in the rollups as the
/// write path counts it.
async fn ended_call(
    db: &DatabaseConnection,
    org: Uuid,
    agent: Option<Uuid>,
    ended: &str,
    status: CallStatus,
    duration: i32,
) -> calls::Model {
    let ended = at(ended);
    let call = calls::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        agent_id: Set(agent),
        status: Set(status),
        call_type: Set(CallType::OutboundLead),
        started_at: Set(Some(ended)),
        ended_at: Set(Some(ended)),
        duration_seconds: Set(Some(duration)),
        billed_minutes: Set(Some((duration + 59) / 60)),
        credits_used: Set(i64::from((duration + 59) / 60)),
        cost_cents: Set(i64::from(duration)),
        created_at: Set(ended),
        updated_at: Set(ended),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("call");
    rollups::call_ended(db, &call, Utc::now())
        .await
        .expect("counted");
    call
}

async fn set_timezone(db: &DatabaseConnection, org: Uuid, timezone: &str) {
    organizations::ActiveModel {
        id: Set(org),
        timezone: Set(timezone.to_owned()),
        ..Default::default()
    }
    .update(db)
    .await
    .expect("time zone");
}

/// Every rollup row of `org`, without ids and timestamps.
async fn rollup_rows(db: &DatabaseConnection, org: Uuid) -> (Vec<String>, Vec<String>) {
    let organization = organization_analytics::Entity::find()
        .filter(organization_analytics::Column::OrganizationId.eq(org))
        .order_by_asc(organization_analytics::Column::Day)
        .all(db)
        .await
        .expect("rows")
        .into_iter()
        .map(|r| format!("{} {:?}", r.day, organization_contribution(&r).values()))
        .collect();
    let agent = agent_analytics::Entity::find()
        .filter(agent_analytics::Column::OrganizationId.eq(org))
        .order_by_asc(agent_analytics::Column::AgentId)
        .order_by_asc(agent_analytics::Column::Day)
        .all(db)
        .await
        .expect("rows")
        .into_iter()
        .map(|r| {
            format!(
                "{} {} {:?}",
                r.agent_id,
                r.day,
                agent_contribution(&r).values()
            )
        })
        .collect();
    (organization, agent)
}

async fn a_rollup_rebuild_over_consistent_rollups_changes_nothing(backend: Backend) {
    use CallStatus::*;
    let test = TestDb::migrated(backend).await;
    let db = &test.db;
    let acme = Tenant::create(db, "acme").await;
    let org = acme.organization_id;
    let (ava, ben) = (
        insert_agent(db, org, "Ava").await,
        insert_agent(db, org, "Ben").await,
    );
    // New York: across the 2026-03-08 spring-forward, with and without agents.
    for (agent, ended, status, duration) in [
        (Some(ava), "2026-03-07T15:00:00Z", Completed, 120),
        (Some(ava), "2026-03-08T04:30:00Z", Failed, 10),
        (Some(ben), "2026-03-08T06:00:00Z", Completed, 300),
        (None, "2026-03-08T12:00:00Z", Voicemail, 45),
        (Some(ben), "2026-03-09T03:30:00Z", NoShow, 0),
        (Some(ava), "2026-03-09T04:30:00Z", Completed, 61),
    ] {
        ended_call(db, org, agent, ended, status, duration).await;
    }
    let before = rollup_rows(db, org).await;
    assert_eq!(before.0.len(), 3, "three New York days: {before:?}");
    assert_eq!(before.1.len(), 3, "Ava on two days, Ben on one: {before:?}");

    let rebuilt = rollups::rebuild(db, Some(org), None, None)
        .await
        .expect("rebuilt");
    assert_eq!(
        (rebuilt.organizations, rebuilt.calls),
        (1, 6),
        "{rebuilt:?}"
    );
    assert_eq!(rollup_rows(db, org).await, before);
    // A rebuild of one day leaves the others as they were, too.
    rollups::rebuild(
        db,
        Some(org),
        Some(day("2026-03-08")),
        Some(day("2026-03-08")),
    )
    .await
    .expect("rebuilt");
    assert_eq!(rollup_rows(db, org).await, before);
}

async fn the_figures_of_one_organization_never_include_another_organizations_rows(
    backend: Backend,
) {
    let test = TestDb::migrated(backend).await;
    let db = &test.db;
    let app = app_over(db);
    let acme = Tenant::create(db, "acme").await;
    let other = Tenant::create(db, "other").await;
    for (tenant, calls) in [(&acme, 2), (&other, 3)] {
        let agent = insert_agent(db, tenant.organization_id, "Ava").await;
        for i in 0..calls {
            let ended = format!("2026-03-10T1{i}:00:00Z");
            ended_call(
                db,
                tenant.organization_id,
                Some(agent),
                &ended,
                CallStatus::Completed,
                60,
            )
            .await;
            leads::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(tenant.organization_id),
                phone_number: Set(format!("+1415555{:04}", i)),
                created_at: Set(at(&ended)),
                updated_at: Set(at(&ended)),
                ..Default::default()
            }
            .insert(db)
            .await
            .expect("lead");
        }
    }
    let everything = || Selection {
        condition: Expr::value(true),
        created_from: None,
        created_until: None,
    };
    let range = InstantRange::parse(at("2026-03-01T00:00:00Z"), at("2026-04-01T00:00:00Z"))
        .expect("a range");
    for (tenant, expected) in [(&acme, 2), (&other, 3)] {
        let viewer = manager(tenant, "America/New_York");
        // An empty condition still keeps to the viewer's organization.
        let grouping = Grouping::parse(vec![CallDimension::Day], 10).expect("grouping");
        let calls = stats::call_stats(&app, viewer, &grouping, everything())
            .await
            .expect("call stats");
        assert_eq!(calls.iter().map(|r| r.count).sum::<i64>(), expected);
        let grouping = Grouping::parse(Vec::new(), 10).expect("grouping");
        let leads = stats::lead_stats(&app, viewer, &grouping, everything())
            .await
            .expect("lead stats");
        assert_eq!(leads[0].count, expected);

        let query = SummaryQuery::parse(range, vec![SummaryDimension::Agent]).expect("query");
        let summary = summary::call_summary(&app, viewer, &query, None)
            .await
            .expect("summary");
        assert_eq!(summary.len(), 1, "one agent: {summary:?}");
        assert_eq!(summary[0].call_count, expected);

        let metrics = funnel::call_metrics(
            &app,
            viewer,
            funnel::CallMetricsQuery {
                range,
                agent_id: None,
                campaign_id: None,
                call_type: None,
            },
        )
        .await
        .expect("metrics");
        assert_eq!(metrics.total_calls, expected);

        let dates = DateRange::parse(day("2026-03-01"), day("2026-03-31")).expect("dates");
        let periods = periods::organization_periods(&app, viewer, dates, Granularity::Month)
            .await
            .expect("periods");
        assert_eq!(periods[0].figures.total_calls, expected);
        let agents = periods::agent_performance(
            &app,
            viewer,
            periods::PerformanceQuery {
                range: dates,
                granularity: Granularity::Month,
                agent_id: None,
            },
        )
        .await
        .expect("performance");
        assert_eq!(agents.len(), 1, "only the organization's agent ranks");
        assert_eq!(agents[0].ranked_agents, 1);
    }
}

async fn a_call_at_23_30_in_los_angeles_counts_on_that_local_day(backend: Backend) {
    let test = TestDb::migrated(backend).await;
    let db = &test.db;
    let app = app_over(db);
    let acme = Tenant::create(db, "acme").await;
    let org = acme.organization_id;
    set_timezone(db, org, "America/Los_Angeles").await;
    let viewer = manager(&acme, "America/Los_Angeles");
    // PDT (UTC-7) since 2026-03-08: 06:30Z is 23:30 on the 9th, 07:30Z is
    // 00:30 on the 10th; in UTC both are on the 10th.
    ended_call(
        db,
        org,
        None,
        "2026-03-10T06:30:00Z",
        CallStatus::Completed,
        60,
    )
    .await;
    ended_call(
        db,
        org,
        None,
        "2026-03-10T07:30:00Z",
        CallStatus::Completed,
        60,
    )
    .await;
    let expected = vec![(Some(day("2026-03-09")), 1), (Some(day("2026-03-10")), 1)];

    let grouping = Grouping::parse(vec![CallDimension::Day], 10).expect("grouping");
    let selection = Selection {
        condition: Expr::value(true),
        created_from: Some(at("2026-03-01T00:00:00Z")),
        created_until: Some(at("2026-04-01T00:00:00Z")),
    };
    let rows = stats::call_stats(&app, viewer, &grouping, selection)
        .await
        .expect("call stats");
    let counted: Vec<_> = rows.iter().map(|r| (r.period_start, r.count)).collect();
    assert_eq!(counted, expected);

    // The summary, from the day counts where they are kept and counted from
    // `calls` (a filter bypasses the counts).
    let range =
        InstantRange::parse_any_span(at("2026-03-09T07:00:00Z"), at("2026-03-11T07:00:00Z"))
            .expect("two local days");
    let query = SummaryQuery::parse(range, vec![SummaryDimension::Day]).expect("query");
    let every_call = CallFilter::default();
    for filter in [None, Some(&every_call)] {
        let rows = summary::call_summary(&app, viewer, &query, filter)
            .await
            .expect("summary");
        let counted: Vec<_> = rows
            .iter()
            .map(|r| (r.period_start, r.call_count))
            .collect();
        assert_eq!(counted, expected);
    }

    // The rollups count each call on its local day.
    let dates = DateRange::parse(day("2026-03-09"), day("2026-03-10")).expect("dates");
    let rows = periods::organization_periods(&app, viewer, dates, Granularity::Day)
        .await
        .expect("periods");
    assert_eq!(
        rows.iter()
            .map(|p| (Some(p.period_start), p.figures.total_calls))
            .collect::<Vec<_>>(),
        expected
    );
}

async fn recording_a_source_cost_twice_keeps_one_row(backend: Backend) {
    let test = TestDb::migrated(backend).await;
    let db = &test.db;
    let app = app_over(db);
    let acme = Tenant::create(db, "acme").await;
    let viewer = manager(&acme, "America/New_York");
    let cost = |cents: i64| sources::SourceCost {
        source: "meta".into(),
        sub_source: None,
        month: day("2026-03-01"),
        cost_cents: cents,
        currency: Some("usd".into()),
        notes: None,
    };
    let first = sources::record_lead_source_cost(&app, viewer, cost(100))
        .await
        .expect("recorded");
    let again = sources::record_lead_source_cost(&app, viewer, cost(250))
        .await
        .expect("recorded again");
    assert_eq!(again.id, first.id, "the same row, replaced");
    assert_eq!((again.cost_cents, again.currency.as_str()), (250, "USD"));

    // Twice at once: both succeed, one row stays.
    let (a, b) = tokio::join!(
        sources::record_lead_source_cost(&app, viewer, cost(300)),
        sources::record_lead_source_cost(&app, viewer, cost(400)),
    );
    let (a, b) = (a.expect("recorded"), b.expect("recorded"));
    assert_eq!((a.id, b.id), (first.id, first.id));
    let rows = lead_source_costs::Entity::find()
        .filter(lead_source_costs::Column::OrganizationId.eq(acme.organization_id))
        .count(db)
        .await
        .expect("count");
    assert_eq!(rows, 1);
    let span = switchboard_domain::range::MonthSpan::parse(day("2026-03-01"), day("2026-03-31"))
        .expect("span");
    let listed = sources::lead_source_costs(&app, viewer, span)
        .await
        .expect("costs");
    assert_eq!(listed.len(), 1);
    assert!([300, 400].contains(&listed[0].cost_cents), "{listed:?}");

    // A viewer may not record one.
    let reader = Viewer {
        role: MemberRole::Viewer,
        user_id: acme.viewer,
        ..viewer
    };
    let refused = sources::record_lead_source_cost(&app, reader, cost(1)).await;
    assert!(
        matches!(refused, Err(switchboard_app::AppError::Forbidden(_))),
        "{refused:?}"
    );
}
