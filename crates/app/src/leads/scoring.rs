//! Automatic lead scores: the model is `switchboard_domain::scoring`; this
//! module reads its facts for a set of leads in a few statements, writes
//! the scores that changed (one `UPDATE … CASE` and one multi-row history
//! insert per 500 leads, each history row with its breakdown), and keeps
//! the organization's weights.
//!
//! A score is recomputed in the transaction of what changes its facts: an
//! analysis recorded (trigger `ai`), a call ending or its outcome (`call`),
//! a status change (`manual` by a member, `automation` by a rule), a reply
//! to a nurture message and `recalculateLeadScores` after a change of
//! weights (`automation`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use switchboard_domain::scoring::{Analysis, Breakdown, ScoreFacts, ScoringWeights, score};
use switchboard_entity::enums::{CallStatus, LeadStatus, TriggerType};
use switchboard_entity::{calls, lead_analytics, lead_score_history, leads};
use uuid::Uuid;

use crate::actor::{Permission, Viewer};
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::events::{LeadChange, LeadEvent, Message, Outbox};
use crate::identity::Client;
use crate::query::filter::{LeadFilter, lead_condition};

/// The `system_config` key of an organization's scoring weights.
const WEIGHTS_KEY: &str = "lead_scoring_weights";
/// Leads per statement.
const CHUNK: usize = 500;

/// What set off a recomputation, kept in the score history.
#[derive(Debug, Clone, Copy)]
pub struct Trigger<'a> {
    pub kind: TriggerType,
    pub call_id: Option<Uuid>,
    pub changed_by: Option<Uuid>,
    pub reason: &'a str,
}

/// The organization's scoring weights (the defaults when none are stored).
pub async fn weights(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
) -> AppResult<ScoringWeights> {
    Ok(crate::settings::own_value(db, organization_id, WEIGHTS_KEY)
        .await?
        .map(|value| ScoringWeights::from_stored(&value))
        .unwrap_or_default())
}

/// Sets the organization's scoring weights (admins and owners), audited.
/// Scores already computed keep their old weights until recalculated.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn update_weights(
    app: &App,
    viewer: Viewer,
    client: &Client,
    qualification: i32,
    engagement: i32,
    source_quality: i32,
) -> AppResult<ScoringWeights> {
    viewer.require(Permission::Administer)?;
    let new = ScoringWeights::parse(qualification, engagement, source_quality)?;
    let org = viewer.organization_id;
    let now = Utc::now();
    let write = app.begin_write().await?;
    let before = weights(&*write, org).await?;
    crate::settings::store_own_json(
        &*write,
        (viewer, client),
        crate::settings::OwnSetting {
            key: WEIGHTS_KEY,
            description: "Lead scoring weights",
            audit_action: "scoring.weights_update",
        },
        &before,
        &new,
        now,
    )
    .await?;
    write.commit().await?;
    Ok(new)
}

#[derive(Debug, FromQueryResult)]
struct Answered {
    lead_id: Uuid,
    answered: i64,
}

#[derive(Debug, FromQueryResult)]
struct SourceRow {
    source: Option<String>,
    total: i64,
    converted: i64,
}

/// Recomputes the scores of the live leads among `lead_ids` inside the
/// caller's transaction; writes and announces those that changed, and
/// returns how many did.
pub async fn rescore(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    organization_id: Uuid,
    lead_ids: &[Uuid],
    trigger: Trigger<'_>,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    if lead_ids.is_empty() {
        return Ok(0);
    }
    let weights = weights(db, organization_id).await?;
    let sources = source_rates(db, organization_id).await?;
    let mut changed = 0;
    for chunk in lead_ids.chunks(CHUNK) {
        changed += rescore_chunk(
            db,
            outbox,
            organization_id,
            chunk,
            weights,
            &sources,
            trigger,
            now,
        )
        .await?;
    }
    Ok(changed)
}

/// Each source's leads and how many reached qualified, hot or recruited.
async fn source_rates(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
) -> AppResult<HashMap<Option<String>, (i64, i64)>> {
    let converted = Expr::case(
        Expr::col(leads::Column::Status).is_in([
            LeadStatus::Qualified.as_str(),
            LeadStatus::Hot.as_str(),
            LeadStatus::Recruited.as_str(),
        ]),
        1,
    )
    .finally(0);
    Ok(leads::Entity::find()
        .select_only()
        .column(leads::Column::Source)
        .column_as(Expr::col(leads::Column::Id).count(), "total")
        .column_as(Expr::expr(converted).sum(), "converted")
        .filter(leads::Column::OrganizationId.eq(organization_id))
        .filter(leads::Column::DeletedAt.is_null())
        .group_by(leads::Column::Source)
        .into_model::<SourceRow>()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.source, (r.total, r.converted)))
        .collect())
}

#[allow(clippy::too_many_arguments)]
async fn rescore_chunk(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    organization_id: Uuid,
    ids: &[Uuid],
    weights: ScoringWeights,
    sources: &HashMap<Option<String>, (i64, i64)>,
    trigger: Trigger<'_>,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let live = leads::Entity::find()
        .filter(leads::Column::OrganizationId.eq(organization_id))
        .filter(leads::Column::Id.is_in(ids.iter().copied()))
        .filter(leads::Column::DeletedAt.is_null())
        .all(db)
        .await?;
    if live.is_empty() {
        return Ok(0);
    }
    let live_ids: Vec<Uuid> = live.iter().map(|l| l.id).collect();
    // Newest first, so the first row seen of a lead is its latest analysis.
    let mut latest: HashMap<Uuid, Analysis> = HashMap::new();
    for row in lead_analytics::Entity::find()
        .filter(lead_analytics::Column::OrganizationId.eq(organization_id))
        .filter(lead_analytics::Column::LeadId.is_in(live_ids.clone()))
        .order_by_desc(lead_analytics::Column::CreatedAt)
        .order_by_desc(lead_analytics::Column::Id)
        .all(db)
        .await?
    {
        if let Some(lead) = row.lead_id {
            latest.entry(lead).or_insert(Analysis {
                intent: row.intent_score,
                urgency: row.urgency_score,
                budget: row.budget_score,
                fit: row.fit_score,
                engagement: row.engagement_score,
                total: row.total_score,
            });
        }
    }
    let answered: HashMap<Uuid, i64> = calls::Entity::find()
        .select_only()
        .column(calls::Column::LeadId)
        .column_as(Expr::col(calls::Column::Id).count(), "answered")
        .filter(calls::Column::OrganizationId.eq(organization_id))
        .filter(calls::Column::LeadId.is_in(live_ids.clone()))
        .filter(calls::Column::Status.eq(CallStatus::Completed))
        .group_by(calls::Column::LeadId)
        .into_model::<Answered>()
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.lead_id, a.answered))
        .collect();
    let replies = crate::leads::sequences::replies(db, organization_id, &live_ids).await?;
    let mut results: Vec<(&leads::Model, Breakdown)> = Vec::new();
    for lead in &live {
        let (source_leads, source_converted) = sources.get(&lead.source).copied().unwrap_or((0, 0));
        let facts = ScoreFacts {
            analysis: latest.get(&lead.id).copied(),
            answered_calls: answered.get(&lead.id).copied().unwrap_or(0),
            days_since_contact: lead
                .last_contact_at
                .map(|at| Ord::max((now - at).num_days(), 0)),
            replies: replies.get(&lead.id).copied().unwrap_or(0),
            source_leads,
            source_converted,
        };
        let breakdown = score(&facts, weights);
        if breakdown.score != lead.lead_score {
            results.push((lead, breakdown));
        }
    }
    if results.is_empty() {
        return Ok(0);
    }
    let mut case = CaseStatement::new();
    for (lead, breakdown) in &results {
        case = case.case(Expr::col(leads::Column::Id).eq(lead.id), breakdown.score);
    }
    let case = case.finally(Expr::col(leads::Column::LeadScore));
    leads::Entity::update_many()
        .col_expr(leads::Column::LeadScore, Expr::expr(case))
        .col_expr(leads::Column::UpdatedAt, Expr::value(now))
        .filter(leads::Column::OrganizationId.eq(organization_id))
        .filter(leads::Column::Id.is_in(results.iter().map(|(l, _)| l.id)))
        .exec(db)
        .await?;
    lead_score_history::Entity::insert_many(results.iter().map(|(lead, breakdown)| {
        lead_score_history::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(organization_id),
            lead_id: Set(lead.id),
            old_score: Set(Some(lead.lead_score)),
            new_score: Set(breakdown.score),
            trigger_type: Set(trigger.kind),
            call_id: Set(trigger.call_id),
            changed_by: Set(trigger.changed_by),
            reason: Set(Some(trigger.reason.to_owned())),
            created_at: Set(now),
            breakdown: Set(serde_json::to_value(breakdown).ok()),
        }
    }))
    .exec_without_returning(db)
    .await?;
    // A new score may match a sequence's trigger.
    let changed: Vec<Uuid> = results.iter().map(|(lead, _)| lead.id).collect();
    crate::leads::sequences::enroll_matching(db, outbox, organization_id, &changed, now).await?;
    for (lead, _) in &results {
        outbox.push(Message::Lead(LeadEvent {
            organization_id,
            lead_id: lead.id,
            change: LeadChange::Updated,
            occurred_at: now,
        }));
    }
    Ok(results.len())
}

/// How a bulk recalculation went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recalculated {
    /// Leads scored.
    pub scored: usize,
    /// Of those, leads whose score changed.
    pub changed: usize,
}

/// Leads one recalculation scores at most.
pub const MAX_RECALCULATE: u64 = 100_000;

/// Re-scores every live lead `filter` matches (managers and above), 500
/// leads a transaction, so a large organization never holds one long
/// write; refused when the filter matches more than [`MAX_RECALCULATE`].
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn recalculate_lead_scores(
    app: &App,
    viewer: Viewer,
    filter: &LeadFilter,
) -> AppResult<Recalculated> {
    use sea_orm::PaginatorTrait;
    viewer.require(Permission::Manage)?;
    let org = viewer.organization_id;
    let condition = lead_condition(&app.db, org, filter).await?;
    let matching = leads::Entity::find()
        .filter(condition.clone())
        .filter(leads::Column::DeletedAt.is_null());
    if matching.clone().count(&app.db).await? > MAX_RECALCULATE {
        return Err(AppError::bad_input(
            "filter",
            format!("matches more than {MAX_RECALCULATE} leads: narrow it"),
        ));
    }
    let mut after: Option<Uuid> = None;
    let mut result = Recalculated {
        scored: 0,
        changed: 0,
    };
    loop {
        let mut page = matching.clone().select_only().column(leads::Column::Id);
        if let Some(last) = after {
            page = page.filter(leads::Column::Id.gt(last));
        }
        let ids: Vec<Uuid> = page
            .order_by_asc(leads::Column::Id)
            .limit(CHUNK as u64)
            .into_tuple()
            .all(&app.db)
            .await?;
        let Some(last) = ids.last().copied() else {
            break;
        };
        let write = app.begin_write().await?;
        let trigger = Trigger {
            kind: TriggerType::Automation,
            call_id: None,
            changed_by: Some(viewer.user_id),
            reason: "Recalculated",
        };
        result.changed += rescore(&*write, &write.outbox, org, &ids, trigger, Utc::now()).await?;
        write.commit().await?;
        result.scored += ids.len();
        after = Some(last);
    }
    Ok(result)
}
