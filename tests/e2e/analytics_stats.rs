//! `analytics { leadStats callStats }`: ad-hoc group-bys over the list
//! filters, against hand-built rows whose every figure is worked out by hand
//! below, in the organization's time zone (America/New_York, across the
//! 2026-03-08 spring-forward), on both backends.
//!
//! New York days: 3/7 is EST (UTC-5); clocks spring forward on 3/8 at
//! 07:00Z; from then on EDT (UTC-4). 2026-03-02 and 2026-03-09 are Mondays,
//! so Sat 3/7 and Sun 3/8 are in the week of 3/2 and Mon 3/9 starts the next.

use chrono::{DateTime, Utc};
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use serde_json::{Value, json};
use switchboard_entity::enums::{
    AgentProvider, CallOutcome, CallStatus, CallType, CrmStage, LeadStatus, TrafficSource,
};
use switchboard_entity::{agents, calls, campaigns, leads};
use switchboard_tests::{Backend, Tenant, TestApp, code, ok, on_both_backends, spawn_app};
use uuid::Uuid;

on_both_backends!(
    lead_stats_match_figures_worked_out_by_hand_across_a_dst_change,
    call_stats_match_figures_worked_out_by_hand_across_a_dst_change,
    two_periods_a_repeated_dimension_or_a_bad_first_are_bad_user_input,
    each_stats_field_is_one_statement_for_5_rows_as_for_50,
);

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("a timestamp")
}

/// A lead to insert as is.
struct NewLead<'a> {
    created: &'a str,
    status: LeadStatus,
    source: Option<&'a str>,
    sub_source: Option<&'a str>,
    owner: Option<Uuid>,
    tags: &'a [&'a str],
    score: i32,
    deleted: bool,
}

impl Default for NewLead<'_> {
    fn default() -> Self {
        Self {
            created: "2026-03-09T12:00:00Z",
            status: LeadStatus::New,
            source: None,
            sub_source: None,
            owner: None,
            tags: &[],
            score: 0,
            deleted: false,
        }
    }
}

async fn insert_lead(app: &TestApp, org: Uuid, lead: NewLead<'_>) -> Uuid {
    let id = Uuid::now_v7();
    let created = at(lead.created);
    leads::ActiveModel {
        id: Set(id),
        organization_id: Set(org),
        phone_number: Set(format!("+1415{:07}", id.as_u128() % 10_000_000)),
        status: Set(lead.status),
        source: Set(lead.source.map(str::to_owned)),
        sub_source: Set(lead.sub_source.map(str::to_owned)),
        owner_user_id: Set(lead.owner),
        tags: Set(json!(lead.tags)),
        lead_score: Set(lead.score),
        deleted_at: Set(lead.deleted.then_some(created)),
        created_at: Set(created),
        updated_at: Set(created),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .expect("lead");
    id
}

/// A call to insert as is.
struct NewCall<'a> {
    created: &'a str,
    status: CallStatus,
    outcome: Option<CallOutcome>,
    stage: CrmStage,
    source: TrafficSource,
    kind: CallType,
    agent: Option<Uuid>,
    campaign: Option<Uuid>,
    lead: Option<Uuid>,
    duration: Option<i32>,
    cost: i64,
    credits: i64,
}

impl Default for NewCall<'_> {
    fn default() -> Self {
        Self {
            created: "2026-03-09T12:00:00Z",
            status: CallStatus::Completed,
            outcome: None,
            stage: CrmStage::Completed,
            source: TrafficSource::Organic,
            kind: CallType::OutboundLead,
            agent: None,
            campaign: None,
            lead: None,
            duration: None,
            cost: 0,
            credits: 0,
        }
    }
}

async fn insert_call(app: &TestApp, org: Uuid, call: NewCall<'_>) {
    let created = at(call.created);
    calls::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        status: Set(call.status),
        outcome: Set(call.outcome),
        crm_stage: Set(call.stage),
        traffic_source: Set(call.source),
        call_type: Set(call.kind),
        agent_id: Set(call.agent),
        campaign_id: Set(call.campaign),
        lead_id: Set(call.lead),
        duration_seconds: Set(call.duration),
        billed_minutes: Set(call.duration.map(|d| (d + 59) / 60)),
        cost_cents: Set(call.cost),
        credits_used: Set(call.credits),
        created_at: Set(created),
        updated_at: Set(created),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .expect("call");
}

async fn insert_agent(app: &TestApp, org: Uuid, name: &str) -> Uuid {
    let id = Uuid::now_v7();
    agents::ActiveModel {
        id: Set(id),
        organization_id: Set(org),
        provider: Set(AgentProvider::Vapi),
        external_agent_id: Set(name.to_owned()),
        name: Set(name.to_owned()),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .expect("agent");
    id
}

const LEAD_STATS: &str = "query($by: [LeadStatsDimension!]!, $filter: LeadFilter, $first: Int! = 1000) { analytics { leadStats(groupBy: $by, filter: $filter, first: $first) { status source subSource ownerId tag periodStart count minLeadScore avgLeadScore maxLeadScore } } }";

const CALL_STATS: &str = "query($by: [CallStatsDimension!]!, $filter: CallFilter, $first: Int! = 1000) { analytics { callStats(groupBy: $by, filter: $filter, first: $first) { status outcome crmStage trafficSource callType agentId campaignId leadId periodStart count totalDurationSeconds averageDurationSeconds totalCostCents averageCostCents totalCreditsUsed averageCreditsUsed } } }";

/// The rows of a stats field, each cut down to `keys`.
async fn stats(app: &TestApp, token: &str, query: &str, variables: Value, keys: &[&str]) -> Value {
    let body = app.graphql(Some(token), query, variables).await;
    let data = &ok(&body)["analytics"];
    let rows = data["leadStats"]
        .as_array()
        .or_else(|| data["callStats"].as_array())
        .unwrap_or_else(|| panic!("rows: {body}"));
    Value::Array(
        rows.iter()
            .map(|row| {
                Value::Object(
                    keys.iter()
                        .map(|k| ((*k).to_owned(), row[*k].clone()))
                        .collect(),
                )
            })
            .collect(),
    )
}

async fn lead_stats_match_figures_worked_out_by_hand_across_a_dst_change(backend: Backend) {
    use LeadStatus::*;
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let org = acme.organization_id;
    let (owner, agent) = (acme.owner, acme.agent);
    // L1..L6, with their New York days.
    for lead in [
        NewLead {
            created: "2026-03-07T15:00:00Z", // L1: 3/7 10:00 EST
            status: New,
            source: Some("meta"),
            sub_source: Some("ads"),
            owner: Some(owner),
            tags: &["vip", "insurance"],
            score: 10,
            ..Default::default()
        },
        NewLead {
            created: "2026-03-08T04:30:00Z", // L2: 3/7 23:30 EST
            status: Hot,
            source: Some("meta"),
            sub_source: Some("ads"),
            tags: &["vip"],
            score: 20,
            ..Default::default()
        },
        NewLead {
            created: "2026-03-09T03:30:00Z", // L3: 3/8 23:30 EDT
            status: Hot,
            source: Some("google"),
            owner: Some(owner),
            score: 32,
            ..Default::default()
        },
        NewLead {
            created: "2026-03-09T04:30:00Z", // L4: 3/9 00:30 EDT
            status: Qualified,
            owner: Some(agent),
            tags: &["insurance"],
            score: 40,
            ..Default::default()
        },
        NewLead {
            created: "2026-04-01T03:30:00Z", // L5: 3/31 23:30 EDT
            status: Contacted,
            source: Some("google"),
            sub_source: Some("organic"),
            score: 51,
            ..Default::default()
        },
        NewLead {
            created: "2026-04-01T04:30:00Z", // L6: 4/1 00:30 EDT
            status: New,
            source: Some("meta"),
            sub_source: Some("retarget"),
            owner: Some(owner),
            tags: &["vip"],
            score: 60,
            ..Default::default()
        },
        // Soft-deleted: counted only with includeDeleted.
        NewLead {
            status: Hot,
            source: Some("meta"),
            owner: Some(owner),
            tags: &["vip"],
            score: 99,
            deleted: true,
            ..Default::default()
        },
    ] {
        insert_lead(&app, org, lead).await;
    }
    // Another organization's leads never count.
    let other = Tenant::create(&app.db.db, "other").await;
    insert_lead(
        &app,
        other.organization_id,
        NewLead {
            status: Hot,
            source: Some("meta"),
            tags: &["vip"],
            score: 100,
            ..Default::default()
        },
    )
    .await;
    let token = acme.token(acme.viewer);
    let figures = ["count", "minLeadScore", "avgLeadScore", "maxLeadScore"];
    let with = |key: &'static str| {
        let mut keys = vec![key];
        keys.extend(figures);
        keys
    };

    // Scores 10 + 20 + 32 + 40 + 51 + 60 = 213 over 6 leads; every other key null.
    let totals = stats(
        &app,
        &token,
        LEAD_STATS,
        json!({ "by": [] }),
        &[
            "status",
            "source",
            "subSource",
            "ownerId",
            "tag",
            "periodStart",
            "count",
            "minLeadScore",
            "avgLeadScore",
            "maxLeadScore",
        ],
    )
    .await;
    assert_eq!(
        totals,
        json!([{ "status": null, "source": null, "subSource": null, "ownerId": null, "tag": null,
                 "periodStart": null, "count": 6, "minLeadScore": 10, "avgLeadScore": 35.5,
                 "maxLeadScore": 60 }])
    );

    // Statuses in the schema's order (NEW, CONTACTED, QUALIFIED, … HOT).
    assert_eq!(
        stats(
            &app,
            &token,
            LEAD_STATS,
            json!({ "by": ["STATUS"] }),
            &with("status")
        )
        .await,
        json!([
            { "status": "NEW", "count": 2, "minLeadScore": 10, "avgLeadScore": 35.0, "maxLeadScore": 60 },
            { "status": "CONTACTED", "count": 1, "minLeadScore": 51, "avgLeadScore": 51.0, "maxLeadScore": 51 },
            { "status": "QUALIFIED", "count": 1, "minLeadScore": 40, "avgLeadScore": 40.0, "maxLeadScore": 40 },
            { "status": "HOT", "count": 2, "minLeadScore": 20, "avgLeadScore": 26.0, "maxLeadScore": 32 },
        ])
    );

    // L3 (03:30Z) and L4 (04:30Z) share a UTC day but not a New York one;
    // so do L5 and L6, a month apart.
    assert_eq!(
        stats(
            &app,
            &token,
            LEAD_STATS,
            json!({ "by": ["CREATED_DAY"] }),
            &with("periodStart")
        )
        .await,
        json!([
            { "periodStart": "2026-03-07", "count": 2, "minLeadScore": 10, "avgLeadScore": 15.0, "maxLeadScore": 20 },
            { "periodStart": "2026-03-08", "count": 1, "minLeadScore": 32, "avgLeadScore": 32.0, "maxLeadScore": 32 },
            { "periodStart": "2026-03-09", "count": 1, "minLeadScore": 40, "avgLeadScore": 40.0, "maxLeadScore": 40 },
            { "periodStart": "2026-03-31", "count": 1, "minLeadScore": 51, "avgLeadScore": 51.0, "maxLeadScore": 51 },
            { "periodStart": "2026-04-01", "count": 1, "minLeadScore": 60, "avgLeadScore": 60.0, "maxLeadScore": 60 },
        ])
    );

    // Week of 3/2: L1, L2, L3 = 62 / 3 = 20.666… → 20.67; 3/31 is in the week of Mon 3/30.
    assert_eq!(
        stats(
            &app,
            &token,
            LEAD_STATS,
            json!({ "by": ["CREATED_WEEK"] }),
            &with("periodStart")
        )
        .await,
        json!([
            { "periodStart": "2026-03-02", "count": 3, "minLeadScore": 10, "avgLeadScore": 20.67, "maxLeadScore": 32 },
            { "periodStart": "2026-03-09", "count": 1, "minLeadScore": 40, "avgLeadScore": 40.0, "maxLeadScore": 40 },
            { "periodStart": "2026-03-30", "count": 2, "minLeadScore": 51, "avgLeadScore": 55.5, "maxLeadScore": 60 },
        ])
    );

    // March: L1..L5 = 153 / 5.
    assert_eq!(
        stats(
            &app,
            &token,
            LEAD_STATS,
            json!({ "by": ["CREATED_MONTH"] }),
            &with("periodStart")
        )
        .await,
        json!([
            { "periodStart": "2026-03-01", "count": 5, "minLeadScore": 10, "avgLeadScore": 30.6, "maxLeadScore": 51 },
            { "periodStart": "2026-04-01", "count": 1, "minLeadScore": 60, "avgLeadScore": 60.0, "maxLeadScore": 60 },
        ])
    );

    // L1 counts under both its tags; L3 and L5 have none (last, tag null).
    assert_eq!(
        stats(
            &app,
            &token,
            LEAD_STATS,
            json!({ "by": ["TAG"] }),
            &with("tag")
        )
        .await,
        json!([
            { "tag": "insurance", "count": 2, "minLeadScore": 10, "avgLeadScore": 25.0, "maxLeadScore": 40 },
            { "tag": "vip", "count": 3, "minLeadScore": 10, "avgLeadScore": 30.0, "maxLeadScore": 60 },
            { "tag": null, "count": 2, "minLeadScore": 32, "avgLeadScore": 41.5, "maxLeadScore": 51 },
        ])
    );

    // Keys in the order of groupBy: tag first, then the month.
    assert_eq!(
        stats(
            &app,
            &token,
            LEAD_STATS,
            json!({ "by": ["TAG", "CREATED_MONTH"] }),
            &["tag", "periodStart", "count"]
        )
        .await,
        json!([
            { "tag": "insurance", "periodStart": "2026-03-01", "count": 2 },
            { "tag": "vip", "periodStart": "2026-03-01", "count": 2 },
            { "tag": "vip", "periodStart": "2026-04-01", "count": 1 },
            { "tag": null, "periodStart": "2026-03-01", "count": 2 },
        ])
    );

    // Owners by id, then the unowned: owner L1, L3, L6; agent L4; none L2, L5.
    let mut owners = [owner, agent];
    owners.sort();
    let figures_of = |id: Uuid| {
        if id == owner {
            json!({ "ownerId": id.to_string(), "count": 3, "minLeadScore": 10, "avgLeadScore": 34.0, "maxLeadScore": 60 })
        } else {
            json!({ "ownerId": id.to_string(), "count": 1, "minLeadScore": 40, "avgLeadScore": 40.0, "maxLeadScore": 40 })
        }
    };
    assert_eq!(
        stats(
            &app,
            &token,
            LEAD_STATS,
            json!({ "by": ["OWNER"] }),
            &with("ownerId")
        )
        .await,
        json!([
            figures_of(owners[0]),
            figures_of(owners[1]),
            { "ownerId": null, "count": 2, "minLeadScore": 20, "avgLeadScore": 35.5, "maxLeadScore": 51 },
        ])
    );

    assert_eq!(
        stats(
            &app,
            &token,
            LEAD_STATS,
            json!({ "by": ["STATUS", "SOURCE"] }),
            &["status", "source", "count"]
        )
        .await,
        json!([
            { "status": "NEW", "source": "meta", "count": 2 },
            { "status": "CONTACTED", "source": "google", "count": 1 },
            { "status": "QUALIFIED", "source": null, "count": 1 },
            { "status": "HOT", "source": "google", "count": 1 },
            { "status": "HOT", "source": "meta", "count": 1 },
        ])
    );

    assert_eq!(
        stats(
            &app,
            &token,
            LEAD_STATS,
            json!({ "by": ["SOURCE", "SUB_SOURCE"] }),
            &["source", "subSource", "count"]
        )
        .await,
        json!([
            { "source": "google", "subSource": "organic", "count": 1 },
            { "source": "google", "subSource": null, "count": 1 },
            { "source": "meta", "subSource": "ads", "count": 2 },
            { "source": "meta", "subSource": "retarget", "count": 1 },
            { "source": null, "subSource": null, "count": 1 },
        ])
    );

    // The list filters apply: hot and new leads only (L1, L2, L3, L6).
    assert_eq!(
        stats(
            &app,
            &token,
            LEAD_STATS,
            json!({ "by": ["CREATED_DAY"], "filter": { "status": { "in": ["HOT", "NEW"] } } }),
            &with("periodStart")
        )
        .await,
        json!([
            { "periodStart": "2026-03-07", "count": 2, "minLeadScore": 10, "avgLeadScore": 15.0, "maxLeadScore": 20 },
            { "periodStart": "2026-03-08", "count": 1, "minLeadScore": 32, "avgLeadScore": 32.0, "maxLeadScore": 32 },
            { "periodStart": "2026-04-01", "count": 1, "minLeadScore": 60, "avgLeadScore": 60.0, "maxLeadScore": 60 },
        ])
    );

    // A createdAt range around the DST change (L2, L3, L4), days still local.
    assert_eq!(
        stats(&app, &token, LEAD_STATS,
            json!({ "by": ["CREATED_DAY"], "filter": { "createdAt": { "gte": "2026-03-08T00:00:00Z", "lt": "2026-03-10T00:00:00Z" } } }),
            &["periodStart", "count"]).await,
        json!([
            { "periodStart": "2026-03-07", "count": 1 },
            { "periodStart": "2026-03-08", "count": 1 },
            { "periodStart": "2026-03-09", "count": 1 },
        ])
    );

    // Soft-deleted leads count only when asked for, as in `leads`: 312 / 7.
    assert_eq!(
        stats(
            &app,
            &token,
            LEAD_STATS,
            json!({ "by": [], "filter": { "includeDeleted": true } }),
            &figures
        )
        .await,
        json!([{ "count": 7, "minLeadScore": 10, "avgLeadScore": 44.57, "maxLeadScore": 99 }])
    );

    // `first` caps the groups, in order.
    assert_eq!(
        stats(
            &app,
            &token,
            LEAD_STATS,
            json!({ "by": ["CREATED_DAY"], "first": 2 }),
            &["periodStart", "count"]
        )
        .await,
        json!([
            { "periodStart": "2026-03-07", "count": 2 },
            { "periodStart": "2026-03-08", "count": 1 },
        ])
    );

    // The other organization sees its own lead only.
    assert_eq!(
        stats(
            &app,
            &other.token(other.viewer),
            LEAD_STATS,
            json!({ "by": ["TAG"] }),
            &with("tag")
        )
        .await,
        json!([{ "tag": "vip", "count": 1, "minLeadScore": 100, "avgLeadScore": 100.0, "maxLeadScore": 100 }])
    );
}

async fn call_stats_match_figures_worked_out_by_hand_across_a_dst_change(backend: Backend) {
    use CallOutcome::*;
    use CallStatus::*;
    use CallType::*;
    use CrmStage as Stage;
    use TrafficSource::*;
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let org = acme.organization_id;
    let a1 = insert_agent(&app, org, "Ava").await;
    let a2 = insert_agent(&app, org, "Ben").await;
    let campaign = Uuid::now_v7();
    campaigns::ActiveModel {
        id: Set(campaign),
        organization_id: Set(org),
        name: Set("Spring".into()),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .expect("campaign");
    let l1 = insert_lead(&app, org, NewLead::default()).await;
    let l2 = insert_lead(&app, org, NewLead::default()).await;
    for call in [
        NewCall {
            created: "2026-03-07T15:00:00Z", // C1: 3/7
            status: Completed,
            outcome: Some(Booked),
            stage: Stage::ClosedWon,
            source: Meta,
            kind: OutboundLead,
            agent: Some(a1),
            campaign: Some(campaign),
            lead: Some(l1),
            duration: Some(60),
            cost: 100,
            credits: 2,
        },
        NewCall {
            created: "2026-03-08T04:30:00Z", // C2: 3/7 23:30 EST
            status: Completed,
            outcome: Some(Information),
            stage: Stage::Completed,
            source: Organic,
            kind: Inbound,
            agent: Some(a1),
            lead: Some(l2),
            duration: Some(61),
            cost: 50,
            credits: 1,
            ..Default::default()
        },
        NewCall {
            created: "2026-03-09T03:30:00Z", // C3: 3/8 23:30 EDT
            status: CallStatus::Failed,
            outcome: None,
            stage: Stage::Lost,
            source: Meta,
            kind: OutboundLead,
            agent: Some(a2),
            campaign: Some(campaign),
            lead: Some(l1),
            duration: None,
            cost: 2,
            credits: 0,
        },
        NewCall {
            created: "2026-03-09T04:30:00Z", // C4: 3/9 00:30 EDT
            status: Completed,
            outcome: Some(Booked),
            stage: Stage::ClosedWon,
            source: Meta,
            kind: OutboundFollowup,
            agent: Some(a2),
            duration: Some(121),
            cost: 201,
            credits: 4,
            ..Default::default()
        },
        NewCall {
            created: "2026-03-09T20:00:00Z", // C5: 3/9
            status: CallStatus::Voicemail,
            outcome: Some(CallOutcome::Voicemail),
            stage: Stage::NoShow,
            source: Organic,
            kind: OutboundFollowup,
            duration: Some(30),
            cost: 25,
            credits: 1,
            ..Default::default()
        },
        NewCall {
            created: "2026-04-01T04:30:00Z", // C6: 4/1 00:30 EDT
            status: Completed,
            outcome: Some(Booked),
            stage: Stage::Completed,
            source: Meta,
            kind: Inbound,
            agent: Some(a1),
            duration: Some(45),
            cost: 33,
            credits: 1,
            ..Default::default()
        },
    ] {
        insert_call(&app, org, call).await;
    }
    let other = Tenant::create(&app.db.db, "other").await;
    insert_call(
        &app,
        other.organization_id,
        NewCall {
            source: Meta,
            duration: Some(999),
            cost: 999,
            credits: 9,
            ..Default::default()
        },
    )
    .await;
    let token = acme.token(acme.viewer);
    let figures = [
        "count",
        "totalDurationSeconds",
        "averageDurationSeconds",
        "totalCostCents",
        "averageCostCents",
        "totalCreditsUsed",
        "averageCreditsUsed",
    ];
    let with = |key: &'static str| {
        let mut keys = vec![key];
        keys.extend(figures);
        keys
    };

    // Durations 60 + 61 + 121 + 30 + 45 = 317 over the 5 calls with one;
    // cost 411 and credits 9 over all 6.
    assert_eq!(
        stats(&app, &token, CALL_STATS, json!({ "by": [] }), &figures).await,
        json!([{ "count": 6, "totalDurationSeconds": 317, "averageDurationSeconds": 63.4,
                 "totalCostCents": 411, "averageCostCents": 68.5,
                 "totalCreditsUsed": 9, "averageCreditsUsed": 1.5 }])
    );

    // C3 (03:30Z) is on 3/8 and C4 (04:30Z) on 3/9 in New York.
    assert_eq!(
        stats(
            &app,
            &token,
            CALL_STATS,
            json!({ "by": ["DAY"] }),
            &with("periodStart")
        )
        .await,
        json!([
            { "periodStart": "2026-03-07", "count": 2, "totalDurationSeconds": 121, "averageDurationSeconds": 60.5,
              "totalCostCents": 150, "averageCostCents": 75.0, "totalCreditsUsed": 3, "averageCreditsUsed": 1.5 },
            { "periodStart": "2026-03-08", "count": 1, "totalDurationSeconds": 0, "averageDurationSeconds": null,
              "totalCostCents": 2, "averageCostCents": 2.0, "totalCreditsUsed": 0, "averageCreditsUsed": 0.0 },
            { "periodStart": "2026-03-09", "count": 2, "totalDurationSeconds": 151, "averageDurationSeconds": 75.5,
              "totalCostCents": 226, "averageCostCents": 113.0, "totalCreditsUsed": 5, "averageCreditsUsed": 2.5 },
            { "periodStart": "2026-04-01", "count": 1, "totalDurationSeconds": 45, "averageDurationSeconds": 45.0,
              "totalCostCents": 33, "averageCostCents": 33.0, "totalCreditsUsed": 1, "averageCreditsUsed": 1.0 },
        ])
    );

    // Week of 3/2: C1..C3, cost 152 / 3 = 50.666… → 50.67.
    assert_eq!(
        stats(
            &app,
            &token,
            CALL_STATS,
            json!({ "by": ["WEEK"] }),
            &with("periodStart")
        )
        .await,
        json!([
            { "periodStart": "2026-03-02", "count": 3, "totalDurationSeconds": 121, "averageDurationSeconds": 60.5,
              "totalCostCents": 152, "averageCostCents": 50.67, "totalCreditsUsed": 3, "averageCreditsUsed": 1.0 },
            { "periodStart": "2026-03-09", "count": 2, "totalDurationSeconds": 151, "averageDurationSeconds": 75.5,
              "totalCostCents": 226, "averageCostCents": 113.0, "totalCreditsUsed": 5, "averageCreditsUsed": 2.5 },
            { "periodStart": "2026-03-30", "count": 1, "totalDurationSeconds": 45, "averageDurationSeconds": 45.0,
              "totalCostCents": 33, "averageCostCents": 33.0, "totalCreditsUsed": 1, "averageCreditsUsed": 1.0 },
        ])
    );

    assert_eq!(
        stats(
            &app,
            &token,
            CALL_STATS,
            json!({ "by": ["MONTH"] }),
            &with("periodStart")
        )
        .await,
        json!([
            { "periodStart": "2026-03-01", "count": 5, "totalDurationSeconds": 272, "averageDurationSeconds": 68.0,
              "totalCostCents": 378, "averageCostCents": 75.6, "totalCreditsUsed": 8, "averageCreditsUsed": 1.6 },
            { "periodStart": "2026-04-01", "count": 1, "totalDurationSeconds": 45, "averageDurationSeconds": 45.0,
              "totalCostCents": 33, "averageCostCents": 33.0, "totalCreditsUsed": 1, "averageCreditsUsed": 1.0 },
        ])
    );

    // Ava: C1, C2, C6 (166 / 3 = 55.33 s; 4 / 3 = 1.33 credits); Ben: C3,
    // C4 (one duration); no agent: C5. Agents by id, the unassigned last.
    let mut agents = [a1, a2];
    agents.sort();
    let agent_figures = |id: Uuid| {
        if id == a1 {
            json!({ "agentId": id.to_string(), "count": 3, "totalDurationSeconds": 166, "averageDurationSeconds": 55.33,
                    "totalCostCents": 183, "averageCostCents": 61.0, "totalCreditsUsed": 4, "averageCreditsUsed": 1.33 })
        } else {
            json!({ "agentId": id.to_string(), "count": 2, "totalDurationSeconds": 121, "averageDurationSeconds": 121.0,
                    "totalCostCents": 203, "averageCostCents": 101.5, "totalCreditsUsed": 4, "averageCreditsUsed": 2.0 })
        }
    };
    assert_eq!(
        stats(
            &app,
            &token,
            CALL_STATS,
            json!({ "by": ["AGENT"] }),
            &with("agentId")
        )
        .await,
        json!([
            agent_figures(agents[0]),
            agent_figures(agents[1]),
            { "agentId": null, "count": 1, "totalDurationSeconds": 30, "averageDurationSeconds": 30.0,
              "totalCostCents": 25, "averageCostCents": 25.0, "totalCreditsUsed": 1, "averageCreditsUsed": 1.0 },
        ])
    );

    // Outcomes in the schema's order, the calls without one last. Booked:
    // C1, C4, C6 = 226 s, 334 ¢, 7 credits over 3.
    assert_eq!(
        stats(
            &app,
            &token,
            CALL_STATS,
            json!({ "by": ["OUTCOME"] }),
            &with("outcome")
        )
        .await,
        json!([
            { "outcome": "BOOKED", "count": 3, "totalDurationSeconds": 226, "averageDurationSeconds": 75.33,
              "totalCostCents": 334, "averageCostCents": 111.33, "totalCreditsUsed": 7, "averageCreditsUsed": 2.33 },
            { "outcome": "INFORMATION", "count": 1, "totalDurationSeconds": 61, "averageDurationSeconds": 61.0,
              "totalCostCents": 50, "averageCostCents": 50.0, "totalCreditsUsed": 1, "averageCreditsUsed": 1.0 },
            { "outcome": "VOICEMAIL", "count": 1, "totalDurationSeconds": 30, "averageDurationSeconds": 30.0,
              "totalCostCents": 25, "averageCostCents": 25.0, "totalCreditsUsed": 1, "averageCreditsUsed": 1.0 },
            { "outcome": null, "count": 1, "totalDurationSeconds": 0, "averageDurationSeconds": null,
              "totalCostCents": 2, "averageCostCents": 2.0, "totalCreditsUsed": 0, "averageCreditsUsed": 0.0 },
        ])
    );

    assert_eq!(
        stats(
            &app,
            &token,
            CALL_STATS,
            json!({ "by": ["STATUS", "TRAFFIC_SOURCE"] }),
            &["status", "trafficSource", "count"]
        )
        .await,
        json!([
            { "status": "COMPLETED", "trafficSource": "ORGANIC", "count": 1 },
            { "status": "COMPLETED", "trafficSource": "META", "count": 3 },
            { "status": "VOICEMAIL", "trafficSource": "ORGANIC", "count": 1 },
            { "status": "FAILED", "trafficSource": "META", "count": 1 },
        ])
    );

    assert_eq!(
        stats(
            &app,
            &token,
            CALL_STATS,
            json!({ "by": ["CRM_STAGE"] }),
            &["crmStage", "count"]
        )
        .await,
        json!([
            { "crmStage": "COMPLETED", "count": 2 },
            { "crmStage": "NO_SHOW", "count": 1 },
            { "crmStage": "CLOSED_WON", "count": 2 },
            { "crmStage": "LOST", "count": 1 },
        ])
    );

    assert_eq!(
        stats(
            &app,
            &token,
            CALL_STATS,
            json!({ "by": ["CALL_TYPE"] }),
            &["callType", "count"]
        )
        .await,
        json!([
            { "callType": "INBOUND", "count": 2 },
            { "callType": "OUTBOUND_LEAD", "count": 2 },
            { "callType": "OUTBOUND_FOLLOWUP", "count": 2 },
        ])
    );

    assert_eq!(
        stats(
            &app,
            &token,
            CALL_STATS,
            json!({ "by": ["CAMPAIGN"] }),
            &["campaignId", "count", "totalCostCents"]
        )
        .await,
        json!([
            { "campaignId": campaign.to_string(), "count": 2, "totalCostCents": 102 },
            { "campaignId": null, "count": 4, "totalCostCents": 309 },
        ])
    );

    let mut leads = [l1, l2];
    leads.sort();
    let lead_count =
        |id: Uuid| json!({ "leadId": id.to_string(), "count": if id == l1 { 2 } else { 1 } });
    assert_eq!(
        stats(
            &app,
            &token,
            CALL_STATS,
            json!({ "by": ["LEAD"] }),
            &["leadId", "count"]
        )
        .await,
        json!([lead_count(leads[0]), lead_count(leads[1]), { "leadId": null, "count": 3 }])
    );

    // Two keys with a period: agent first, then its days.
    let rows = stats(
        &app,
        &token,
        CALL_STATS,
        json!({ "by": ["AGENT", "DAY"] }),
        &["agentId", "periodStart", "count"],
    )
    .await;
    let days_of = |id: Uuid| -> Vec<Value> {
        let days: &[(&str, i64)] = if id == a1 {
            &[("2026-03-07", 2), ("2026-04-01", 1)]
        } else {
            &[("2026-03-08", 1), ("2026-03-09", 1)]
        };
        days.iter()
            .map(|(day, n)| json!({ "agentId": id.to_string(), "periodStart": day, "count": n }))
            .collect()
    };
    let mut expected = days_of(agents[0]);
    expected.extend(days_of(agents[1]));
    expected.push(json!({ "agentId": null, "periodStart": "2026-03-09", "count": 1 }));
    assert_eq!(rows, Value::Array(expected));

    // The list filters apply: meta calls, by day.
    assert_eq!(
        stats(
            &app,
            &token,
            CALL_STATS,
            json!({ "by": ["DAY"], "filter": { "trafficSource": { "in": ["META"] } } }),
            &["periodStart", "count"]
        )
        .await,
        json!([
            { "periodStart": "2026-03-07", "count": 1 },
            { "periodStart": "2026-03-08", "count": 1 },
            { "periodStart": "2026-03-09", "count": 1 },
            { "periodStart": "2026-04-01", "count": 1 },
        ])
    );
    // Completed calls C1, C2, C4, C6: 287 s / 4 = 71.75.
    assert_eq!(
        stats(
            &app,
            &token,
            CALL_STATS,
            json!({ "by": [], "filter": { "status": { "in": ["COMPLETED"] } } }),
            &figures
        )
        .await,
        json!([{ "count": 4, "totalDurationSeconds": 287, "averageDurationSeconds": 71.75,
                 "totalCostCents": 384, "averageCostCents": 96.0,
                 "totalCreditsUsed": 8, "averageCreditsUsed": 2.0 }])
    );
    // Nothing matches: totals of nothing.
    assert_eq!(
        stats(
            &app,
            &token,
            CALL_STATS,
            json!({ "by": [], "filter": { "status": { "in": ["QUEUED"] } } }),
            &figures
        )
        .await,
        json!([{ "count": 0, "totalDurationSeconds": 0, "averageDurationSeconds": null,
                 "totalCostCents": 0, "averageCostCents": null,
                 "totalCreditsUsed": 0, "averageCreditsUsed": null }])
    );
    assert_eq!(
        stats(
            &app,
            &token,
            CALL_STATS,
            json!({ "by": ["DAY"], "filter": { "status": { "in": ["QUEUED"] } } }),
            &["count"]
        )
        .await,
        json!([])
    );

    // The other organization counts its own call only.
    assert_eq!(
        stats(
            &app,
            &other.token(other.viewer),
            CALL_STATS,
            json!({ "by": ["TRAFFIC_SOURCE"] }),
            &["trafficSource", "count", "totalCostCents"]
        )
        .await,
        json!([{ "trafficSource": "META", "count": 1, "totalCostCents": 999 }])
    );
}

async fn two_periods_a_repeated_dimension_or_a_bad_first_are_bad_user_input(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.viewer);
    for (query, variables, field) in [
        (CALL_STATS, json!({ "by": ["DAY", "WEEK"] }), "groupBy"),
        (
            CALL_STATS,
            json!({ "by": ["MONTH", "AGENT", "DAY"] }),
            "groupBy",
        ),
        (CALL_STATS, json!({ "by": ["AGENT", "AGENT"] }), "groupBy"),
        (CALL_STATS, json!({ "by": [], "first": 0 }), "first"),
        (
            LEAD_STATS,
            json!({ "by": ["CREATED_DAY", "CREATED_MONTH"] }),
            "groupBy",
        ),
        (LEAD_STATS, json!({ "by": ["TAG", "TAG"] }), "groupBy"),
        (
            LEAD_STATS,
            json!({ "by": ["TAG"], "first": 10001 }),
            "first",
        ),
    ] {
        let body = app.graphql(Some(&token), query, variables.clone()).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{variables}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    // A member is needed.
    let body = app.graphql(None, CALL_STATS, json!({ "by": [] })).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
}

/// The statements a request ran, less any the server ran meanwhile on its
/// own (PostgreSQL's periodic summary refresh).
async fn statements_of(
    app: &TestApp,
    token: &str,
    query: &str,
    variables: Value,
) -> (Vec<String>, Value) {
    let before = app.statements();
    let body = app.graphql(Some(token), query, variables).await;
    let ran = app
        .statements_since(before)
        .into_iter()
        .filter(|sql| !sql.contains("call_analytics_summary"))
        // On PostgreSQL a request's first statement names its tenant for
        // row-level security: once per request, whatever it reads.
        .filter(|sql| !sql.contains("set_config('app.current_org_id'"))
        .collect();
    (ran, body)
}

async fn each_stats_field_is_one_statement_for_5_rows_as_for_50(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let org = acme.organization_id;
    let token = acme.token(acme.viewer);
    let agent = insert_agent(&app, org, "Ava").await;
    const TAGS: [&[&str]; 3] = [&["a"], &["a", "b"], &[]];
    let add = |from: usize, to: usize| {
        let app = &app;
        async move {
            for i in from..to {
                let created = format!("2026-03-{:02}T{:02}:30:00Z", 1 + i % 28, i % 24);
                insert_lead(
                    app,
                    org,
                    NewLead {
                        created: &created,
                        tags: TAGS[i % 3],
                        score: i32::try_from(i).expect("small"),
                        ..Default::default()
                    },
                )
                .await;
                insert_call(
                    app,
                    org,
                    NewCall {
                        created: &created,
                        agent: (i % 2 == 0).then_some(agent),
                        duration: Some(60),
                        ..Default::default()
                    },
                )
                .await;
            }
        }
    };
    add(0, 5).await;

    let (overhead, _) =
        statements_of(&app, &token, "{ analytics { __typename } }", json!({})).await;
    let overhead = overhead.len();
    let cases = [
        (CALL_STATS, json!({ "by": [] }), "callStats"),
        (
            CALL_STATS,
            json!({ "by": ["AGENT", "STATUS", "DAY"] }),
            "callStats",
        ),
        (LEAD_STATS, json!({ "by": ["STATUS"] }), "leadStats"),
        (
            LEAD_STATS,
            json!({ "by": ["TAG", "OWNER", "CREATED_WEEK"] }),
            "leadStats",
        ),
    ];
    let total = |body: &Value, field: &str| -> i64 {
        ok(body)["analytics"][field]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["count"].as_i64().expect("count"))
            .sum()
    };

    // A period costs nothing extra: the time zone comes with the viewer.
    let (ran, body) = statements_of(&app, &token, CALL_STATS, json!({ "by": ["WEEK"] })).await;
    ok(&body);
    assert_eq!(ran.len(), overhead + 1, "{ran:#?}");

    for rows in [5, 50] {
        if rows == 50 {
            add(5, 50).await;
        }
        for (query, variables, field) in &cases {
            let (ran, body) = statements_of(&app, &token, query, variables.clone()).await;
            // Tagged leads count once per tag: a, a b, none.
            let expected = if variables["by"].to_string().contains("TAG") {
                (0..rows).map(|i| TAGS[i % 3].len().max(1) as i64).sum()
            } else {
                rows as i64
            };
            assert_eq!(total(&body, field), expected, "{variables}: {body}");
            assert_eq!(
                ran.len(),
                overhead + 1,
                "{field} {variables} over {rows} rows: {ran:#?}"
            );
            let stats = ran.last().expect("a statement");
            assert!(stats.contains("\"stats\""), "{stats}");
        }
    }
}
