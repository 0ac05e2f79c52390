//! Starting, pausing, resuming and completing a campaign, and choosing the
//! leads it calls.
//!
//! A campaign calls its segment's leads — taken when it starts and each
//! time it resumes, so leads that entered the segment meanwhile join — and
//! any added by hand (`addCampaignLeads`). Starting needs an agent and at
//! least one lead. Leaving `active` (paused, completed, or a draft again)
//! cancels the calls the campaign scheduled and has not placed yet, at
//! once: their leads wait for the campaign to resume, their attempts
//! untouched.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use switchboard_entity::enums::{CallStatus, CallType, CampaignLeadState, CampaignStatus};
use switchboard_entity::{calls, campaign_leads, campaigns, leads, segments};
use uuid::Uuid;

use crate::actor::{Actor, Permission, Viewer};
use crate::app::{App, Write};
use crate::calls::status::change_status;
use crate::error::{AppError, AppResult};
use crate::events::{CampaignEvent, Message};
use crate::leads::segments::filter_of;
use crate::query::filter::lead_condition;

/// Leads added by hand in one request, at most.
pub const MAX_LEADS_ADDED: usize = 1_000;

/// Starts a draft campaign (managers): it calls its segment's leads and
/// those added by hand. A campaign that is not a draft is CONFLICT (a
/// paused one resumes); one without an agent is BAD_USER_INPUT on
/// `agentId`, an INBOUND one on `callType`, one without leads on
/// `segmentId`.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, campaign_id = %id))]
pub async fn start_campaign(app: &App, viewer: Viewer, id: Uuid) -> AppResult<campaigns::Model> {
    transition(
        app,
        viewer,
        id,
        &[CampaignStatus::Draft],
        CampaignStatus::Active,
    )
    .await
}

/// Pauses a running campaign (managers): its calls not yet placed are
/// cancelled at once. A campaign not running is CONFLICT.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, campaign_id = %id))]
pub async fn pause_campaign(app: &App, viewer: Viewer, id: Uuid) -> AppResult<campaigns::Model> {
    transition(
        app,
        viewer,
        id,
        &[CampaignStatus::Active],
        CampaignStatus::Paused,
    )
    .await
}

/// Resumes a paused campaign (managers), taking its segment's leads
/// afresh. A campaign not paused is CONFLICT.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, campaign_id = %id))]
pub async fn resume_campaign(app: &App, viewer: Viewer, id: Uuid) -> AppResult<campaigns::Model> {
    transition(
        app,
        viewer,
        id,
        &[CampaignStatus::Paused],
        CampaignStatus::Active,
    )
    .await
}

/// Completes a campaign (managers): it calls no one again, its calls not
/// yet placed are cancelled. A completed campaign is CONFLICT.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, campaign_id = %id))]
pub async fn complete_campaign(app: &App, viewer: Viewer, id: Uuid) -> AppResult<campaigns::Model> {
    let from = [
        CampaignStatus::Draft,
        CampaignStatus::Active,
        CampaignStatus::Paused,
    ];
    transition(app, viewer, id, &from, CampaignStatus::Completed).await
}

/// Adds leads to a campaign by hand (managers), up to
/// [`MAX_LEADS_ADDED`] at once; leads it already has are skipped. A lead
/// that is not the organization's, or deleted, is NOT_FOUND and nothing is
/// added; a completed campaign is CONFLICT. Returns how many were added.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, campaign_id = %id))]
pub async fn add_campaign_leads(
    app: &App,
    viewer: Viewer,
    id: Uuid,
    lead_ids: Vec<Uuid>,
) -> AppResult<u64> {
    viewer.require(Permission::Manage)?;
    if lead_ids.len() > MAX_LEADS_ADDED {
        return Err(AppError::bad_input(
            "leadIds",
            format!(
                "at most {MAX_LEADS_ADDED} leads at once, not {}",
                lead_ids.len()
            ),
        ));
    }
    let org = viewer.organization_id;
    let mut ids = lead_ids;
    ids.sort_unstable();
    ids.dedup();
    let write = app.begin_write().await?;
    let campaign = lock_campaign(&write, org, id).await?;
    if campaign.status == CampaignStatus::Completed {
        return Err(conflict(&campaign, "leads cannot be added"));
    }
    let found: Vec<Uuid> = leads::Entity::find()
        .select_only()
        .column(leads::Column::Id)
        .filter(leads::Column::OrganizationId.eq(org))
        .filter(leads::Column::Id.is_in(ids.iter().copied()))
        .filter(leads::Column::DeletedAt.is_null())
        .into_tuple()
        .all(&*write)
        .await?;
    if let Some(missing) = ids.iter().find(|id| !found.contains(id)) {
        return Err(AppError::not_found("lead", *missing));
    }
    let before = targets(&*write, id).await?;
    let now = Utc::now();
    if !ids.is_empty() {
        let rows = ids.iter().map(|&lead_id| campaign_leads::ActiveModel {
            campaign_id: Set(id),
            lead_id: Set(lead_id),
            organization_id: Set(org),
            state: Set(CampaignLeadState::Waiting),
            attempts: Set(0),
            next_attempt_at: Set(now),
            call_id: Set(None),
            block_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        });
        campaign_leads::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([
                    campaign_leads::Column::CampaignId,
                    campaign_leads::Column::LeadId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&*write)
            .await?;
    }
    let added = targets(&*write, id).await? - before;
    announce(&write, &campaign, now);
    write.commit().await?;
    Ok(added)
}

/// How many leads the campaign has.
async fn targets(db: &impl ConnectionTrait, campaign_id: Uuid) -> AppResult<u64> {
    Ok(campaign_leads::Entity::find()
        .filter(campaign_leads::Column::CampaignId.eq(campaign_id))
        .count(db)
        .await?)
}

fn conflict(campaign: &campaigns::Model, what: &str) -> AppError {
    AppError::Conflict {
        field: Some("id".into()),
        message: format!("the campaign is {}: {what}", campaign.status.as_str()),
        existing_id: None,
    }
}

/// The campaign, locked for this write, or NOT_FOUND.
pub(crate) async fn lock_campaign(
    write: &Write,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<campaigns::Model> {
    campaigns::Entity::find_by_id(id)
        .filter(campaigns::Column::OrganizationId.eq(organization_id))
        .lock_exclusive()
        .one(&**write)
        .await?
        .ok_or_else(|| AppError::not_found("campaign", id))
}

async fn transition(
    app: &App,
    viewer: Viewer,
    id: Uuid,
    from: &[CampaignStatus],
    to: CampaignStatus,
) -> AppResult<campaigns::Model> {
    viewer.require(Permission::Manage)?;
    let write = app.begin_write().await?;
    let campaign = lock_campaign(&write, viewer.organization_id, id).await?;
    if !from.contains(&campaign.status) {
        let verb = match to {
            CampaignStatus::Active if from.contains(&CampaignStatus::Paused) => {
                "only a paused campaign resumes"
            }
            CampaignStatus::Active => "only a draft starts (a paused campaign resumes)",
            CampaignStatus::Paused => "only a running campaign pauses",
            CampaignStatus::Completed | CampaignStatus::Draft => "it is over",
        };
        return Err(conflict(&campaign, verb));
    }
    if to == CampaignStatus::Active && campaign.agent_id.is_none() {
        return Err(AppError::bad_input(
            "agentId",
            "the campaign has no agent to place its calls: give it one first",
        ));
    }
    if to == CampaignStatus::Active && campaign.call_type == CallType::Inbound {
        return Err(AppError::bad_input(
            "callType",
            "an INBOUND campaign places no calls",
        ));
    }
    let campaign = set_status(&write, viewer.into(), campaign, to, Utc::now()).await?;
    if to == CampaignStatus::Active && targets(&*write, id).await? == 0 {
        return Err(AppError::bad_input(
            "segmentId",
            "the campaign has no leads: give it a segment with leads, or add leads",
        ));
    }
    write.commit().await?;
    Ok(campaign)
}

/// Moves `campaign` to `to` inside `write`, with what the move means:
/// entering `active` takes the segment's leads; leaving it cancels the
/// calls it scheduled and has not placed. Every status change of a
/// campaign goes through here (`updateCampaign`'s too).
pub(crate) async fn set_status(
    write: &Write,
    actor: Actor,
    campaign: campaigns::Model,
    to: CampaignStatus,
    now: DateTime<Utc>,
) -> AppResult<campaigns::Model> {
    let from = campaign.status;
    if to == CampaignStatus::Active && from != CampaignStatus::Active {
        enroll(write, &campaign, now).await?;
    }
    if from == CampaignStatus::Active && to != CampaignStatus::Active {
        let reason = format!("the campaign was {}", to.as_str());
        withdraw_unplaced(write, actor, campaign.id, &reason, now).await?;
    }
    let mut row: campaigns::ActiveModel = campaign.into();
    row.status = Set(to);
    row.updated_at = Set(now);
    let campaign = row.update(&**write).await?;
    announce(write, &campaign, now);
    Ok(campaign)
}

/// Announces a change of the campaign (its status or progress).
pub(crate) fn announce(write: &Write, campaign: &campaigns::Model, now: DateTime<Utc>) {
    write.announce(Message::Campaign(CampaignEvent {
        organization_id: campaign.organization_id,
        campaign_id: campaign.id,
        occurred_at: now,
    }));
}

/// Adds the segment's leads the campaign does not have yet, waiting to be
/// called now: one statement, whatever the segment's size.
async fn enroll(write: &Write, campaign: &campaigns::Model, now: DateTime<Utc>) -> AppResult<()> {
    let Some(segment_id) = campaign.segment_id else {
        return Ok(());
    };
    let org = campaign.organization_id;
    let Some(segment) = segments::Entity::find_by_id(segment_id)
        .filter(segments::Column::OrganizationId.eq(org))
        .one(&**write)
        .await?
    else {
        return Ok(());
    };
    let condition = lead_condition(&**write, org, &filter_of(&segment)?).await?;
    let select = Query::select()
        .expr(Expr::val(campaign.id))
        .column((leads::Entity, leads::Column::Id))
        .expr(Expr::val(org))
        .expr(Expr::val(CampaignLeadState::Waiting.as_str()))
        .expr(Expr::val(0))
        .expr(Expr::val(now))
        .expr(Expr::val(now))
        .expr(Expr::val(now))
        .from(leads::Entity)
        .and_where(condition)
        .to_owned();
    let insert = Query::insert()
        .into_table(campaign_leads::Entity)
        .columns([
            campaign_leads::Column::CampaignId,
            campaign_leads::Column::LeadId,
            campaign_leads::Column::OrganizationId,
            campaign_leads::Column::State,
            campaign_leads::Column::Attempts,
            campaign_leads::Column::NextAttemptAt,
            campaign_leads::Column::CreatedAt,
            campaign_leads::Column::UpdatedAt,
        ])
        .select_from(select)
        .map_err(|e| AppError::Internal(sea_orm::DbErr::Custom(e.to_string())))?
        .on_conflict(
            OnConflict::columns([
                campaign_leads::Column::CampaignId,
                campaign_leads::Column::LeadId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .to_owned();
    write.execute(&insert).await?;
    Ok(())
}

/// Cancels the campaign's calls it scheduled and has not placed; their
/// leads wait again (for the campaign to resume), attempts untouched.
async fn withdraw_unplaced(
    write: &Write,
    actor: Actor,
    campaign_id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let scheduled: Vec<(Uuid, Uuid)> = campaign_leads::Entity::find()
        .select_only()
        .column(campaign_leads::Column::LeadId)
        .column(calls::Column::Id)
        .inner_join(calls::Entity)
        .filter(campaign_leads::Column::CampaignId.eq(campaign_id))
        .filter(campaign_leads::Column::State.eq(CampaignLeadState::Calling))
        .filter(calls::Column::Status.eq(CallStatus::Scheduled))
        .into_tuple()
        .all(&**write)
        .await?;
    for (lead_id, call_id) in scheduled {
        let (call, _) =
            change_status(write, actor, call_id, CallStatus::Cancelled, None, now).await?;
        let mut row: calls::ActiveModel = call.into();
        row.ended_reason = Set(Some(reason.to_owned()));
        row.update(&**write).await?;
        campaign_leads::Entity::update_many()
            .col_expr(
                campaign_leads::Column::State,
                Expr::val(CampaignLeadState::Waiting.as_str()),
            )
            .col_expr(campaign_leads::Column::NextAttemptAt, Expr::val(now))
            .col_expr(campaign_leads::Column::UpdatedAt, Expr::val(now))
            .filter(campaign_leads::Column::CampaignId.eq(campaign_id))
            .filter(campaign_leads::Column::LeadId.eq(lead_id))
            .exec(&**write)
            .await?;
    }
    Ok(())
}
