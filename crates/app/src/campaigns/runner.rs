//! The campaign runner: in each dialer round, every running campaign of an
//! organization settles the leads whose calls ended and schedules calls for
//! its next leads as room frees up. The dispatcher then places them.
//!
//! A round of one campaign is one transaction under the organization's row
//! lock (as the dispatcher's claims), so instances take turns and no lead
//! is scheduled twice:
//!
//! 1. Settle: a lead whose call ended is reached, waits for its next
//!    attempt, is unreached (out of attempts) or blocked (its call was
//!    cancelled) — [`switchboard_domain::campaign::after_call`].
//! 2. Over: past `endsAt`, the campaign completes; before `startsAt`, or
//!    without an agent in service, it waits.
//! 3. Schedule: room is the campaign's concurrency (its own, else the
//!    organization's `dialerConcurrency`) less its calls scheduled or
//!    going, so it never schedules more than it can dial. The next waiting
//!    leads (due first) go through the dial gate at this moment: a lead on
//!    the DNC list is blocked for good; one outside the calling hours in
//!    its zone (or its campaign window in its zone) waits [`HOLD_MINUTES`]
//!    with the reason kept; a short balance, or a campaign window in the
//!    campaign's own zone, stops the round for every lead alike. The rest
//!    get a scheduled call, due now.
//! 4. Done: once it had leads and none is waiting or being called, the
//!    campaign completes.
//!
//! Statements a round are bounded by the room, never by the campaign's
//! size.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use switchboard_domain::campaign::{self, RetryPolicy, reason};
use switchboard_domain::dial::DialBlock;
use switchboard_entity::enums::{CallStatus, CampaignLeadState, CampaignStatus};
use switchboard_entity::{agents, calls, campaign_leads, campaigns, organizations};
use uuid::Uuid;

use super::runs::{announce, lock_campaign, set_status};
use crate::actor::Actor;
use crate::app::{App, Write};
use crate::calls::dial::{OutboundCall, schedule_outbound_call_in};
use crate::error::{AppError, AppResult};

/// How far a lead the gate holds (outside its calling hours) is put off.
pub const HOLD_MINUTES: i64 = 15;

/// Running campaigns an organization's round works through, at most.
const CAMPAIGNS_A_ROUND: u64 = 100;

/// Calls a campaign schedules in one round, at most: a round's transaction
/// (and the organization's lock) stays short; the next round goes on.
const CALLS_A_ROUND: u64 = 100;

/// Statuses of a call that is scheduled or going.
pub(crate) const UNFINISHED: [CallStatus; 4] = [
    CallStatus::Scheduled,
    CallStatus::Queued,
    CallStatus::Ringing,
    CallStatus::InProgress,
];

/// What the runner did in a round.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CampaignRound {
    /// Calls scheduled for leads.
    pub scheduled: u64,
    /// Leads whose call ended and were settled.
    pub settled: u64,
    /// Leads the gate holds for now.
    pub held: u64,
    /// Leads blocked for good.
    pub blocked: u64,
    /// Campaigns that completed.
    pub completed: u64,
}

impl CampaignRound {
    fn add(&mut self, other: Self) {
        self.scheduled += other.scheduled;
        self.settled += other.settled;
        self.held += other.held;
        self.blocked += other.blocked;
        self.completed += other.completed;
    }

    fn changed(&self) -> bool {
        *self != Self::default()
    }
}

/// A round of every running campaign of the organization (`app` is the
/// organization's tenant).
pub async fn run_campaigns(
    app: &App,
    organization_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<CampaignRound> {
    let running: Vec<Uuid> = campaigns::Entity::find()
        .select_only()
        .column(campaigns::Column::Id)
        .filter(campaigns::Column::OrganizationId.eq(organization_id))
        .filter(campaigns::Column::Status.eq(CampaignStatus::Active))
        .order_by_asc(campaigns::Column::Id)
        .limit(CAMPAIGNS_A_ROUND)
        .into_tuple()
        .all(&app.db)
        .await?;
    let mut round = CampaignRound::default();
    // One campaign's failure holds up neither the others nor the calls
    // the dispatcher places next: it is logged and tried next round.
    for id in running {
        match run_campaign(app, organization_id, id, now).await {
            Ok(done) => round.add(done),
            Err(error) => {
                tracing::warn!(%organization_id, campaign_id = %id, %error, "a campaign round failed")
            }
        }
    }
    Ok(round)
}

/// One campaign's round, in one transaction.
async fn run_campaign(
    app: &App,
    organization_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<CampaignRound> {
    let actor = Actor::system(organization_id);
    let write = app.begin_write().await?;
    organizations::Entity::find_by_id(organization_id)
        .lock_exclusive()
        .one(&*write)
        .await?;
    let campaign = lock_campaign(&write, organization_id, id).await?;
    if campaign.status != CampaignStatus::Active {
        return Ok(CampaignRound::default());
    }
    let mut round = settle(&write, &campaign, now).await?;
    if campaign.ends_at.is_some_and(|end| end <= now) {
        set_status(&write, actor, campaign, CampaignStatus::Completed, now).await?;
        round.completed = 1;
        write.commit().await?;
        return Ok(round);
    }
    let waiting_to_start = campaign.starts_at.is_some_and(|start| start > now);
    // Without an agent in service, it waits (its calls would only fail).
    let agent = match campaign.agent_id {
        Some(agent) => agents::Entity::find_by_id(agent)
            .filter(agents::Column::IsActive.eq(true))
            .one(&*write)
            .await?
            .is_some(),
        None => false,
    };
    if !waiting_to_start && agent {
        round.add(schedule(&write, actor, &campaign, now).await?);
    }
    // A campaign without leads is a label for calls scheduled by hand: it
    // completes only once it had leads and none is left to call.
    let left = |states: &[CampaignLeadState]| {
        campaign_leads::Entity::find()
            .select_only()
            .column(campaign_leads::Column::LeadId)
            .filter(campaign_leads::Column::CampaignId.eq(id))
            .filter(campaign_leads::Column::State.is_in(states.iter().copied()))
            .into_tuple::<Uuid>()
            .one(&*write)
    };
    let done = left(&[CampaignLeadState::Waiting, CampaignLeadState::Calling])
        .await?
        .is_none()
        && left(CampaignLeadState::ALL).await?.is_some();
    if done {
        set_status(&write, actor, campaign, CampaignStatus::Completed, now).await?;
        round.completed = 1;
    } else if round.changed() {
        announce(&write, &campaign, now);
    }
    write.commit().await?;
    Ok(round)
}

/// Settles the leads whose call ended (and those whose call was deleted:
/// they wait again).
async fn settle(
    write: &Write,
    campaign: &campaigns::Model,
    now: DateTime<Utc>,
) -> AppResult<CampaignRound> {
    let policy = RetryPolicy {
        max_attempts: campaign.max_attempts,
        retry_after_minutes: campaign.retry_after_minutes,
    };
    let ended: Vec<(campaign_leads::Model, Option<calls::Model>)> = campaign_leads::Entity::find()
        .find_also_related(calls::Entity)
        .filter(campaign_leads::Column::CampaignId.eq(campaign.id))
        .filter(campaign_leads::Column::State.eq(CampaignLeadState::Calling))
        .filter(calls::Column::Status.is_not_in(UNFINISHED))
        .limit(1_000)
        .all(&**write)
        .await?;
    let mut round = CampaignRound::default();
    for (target, call) in ended {
        let Some(call) = call else { continue };
        let ended_at = call.ended_at.unwrap_or(now);
        let Some(after) = campaign::after_call(call.status, target.attempts, policy, ended_at)
        else {
            continue;
        };
        if after.state == CampaignLeadState::Blocked {
            round.blocked += 1;
        }
        let mut row: campaign_leads::ActiveModel = target.clone().into();
        row.state = Set(after.state);
        row.attempts = Set(after.attempts);
        row.next_attempt_at = Set(after.next_attempt_at.unwrap_or(target.next_attempt_at));
        row.block_reason = Set(after.block_reason.map(str::to_owned));
        row.updated_at = Set(now);
        row.update(&**write).await?;
        round.settled += 1;
    }
    campaign_leads::Entity::update_many()
        .col_expr(
            campaign_leads::Column::State,
            Expr::val(CampaignLeadState::Waiting.as_str()),
        )
        .col_expr(campaign_leads::Column::UpdatedAt, Expr::val(now))
        .filter(campaign_leads::Column::CampaignId.eq(campaign.id))
        .filter(campaign_leads::Column::State.eq(CampaignLeadState::Calling))
        .filter(campaign_leads::Column::CallId.is_null())
        .exec(&**write)
        .await?;
    Ok(round)
}

/// Schedules calls for the next waiting leads, as many as the room.
async fn schedule(
    write: &Write,
    actor: Actor,
    campaign: &campaigns::Model,
    now: DateTime<Utc>,
) -> AppResult<CampaignRound> {
    let mut round = CampaignRound::default();
    let limit = match campaign.max_concurrent_calls {
        Some(limit) => i64::from(limit),
        None => crate::settings::dialer_concurrency(&**write, campaign.organization_id).await?,
    };
    let going = calls::Entity::find()
        .filter(calls::Column::CampaignId.eq(campaign.id))
        .filter(calls::Column::Status.is_in(UNFINISHED))
        .count(&**write)
        .await?;
    let room = u64::try_from(limit)
        .unwrap_or(0)
        .saturating_sub(going)
        .min(CALLS_A_ROUND);
    if room == 0 {
        return Ok(round);
    }
    // Some of the next leads may be held or blocked: look a little further.
    let next = campaign_leads::Entity::find()
        .filter(campaign_leads::Column::CampaignId.eq(campaign.id))
        .filter(campaign_leads::Column::State.eq(CampaignLeadState::Waiting))
        .filter(campaign_leads::Column::NextAttemptAt.lte(now))
        .order_by_asc(campaign_leads::Column::NextAttemptAt)
        .order_by_asc(campaign_leads::Column::LeadId)
        .limit(room.saturating_mul(4))
        .all(&**write)
        .await?;
    for target in next {
        if round.scheduled >= room {
            break;
        }
        let input = OutboundCall {
            lead_id: target.lead_id,
            agent_id: campaign.agent_id,
            campaign_id: Some(campaign.id),
            scheduled_at: now,
            purpose: None,
            call_type: campaign.call_type,
        };
        let (state, call_id, block, next_at) =
            match schedule_outbound_call_in(write, actor, input, now).await {
                Ok(call) => {
                    round.scheduled += 1;
                    (CampaignLeadState::Calling, Some(call.id), None, now)
                }
                Err(AppError::DialBlocked { reasons }) => {
                    let everyone = reasons.iter().any(|r| match r {
                        DialBlock::InsufficientCredits { .. } => true,
                        DialBlock::OutsideCampaignWindow { .. } => campaign.timezone.is_some(),
                        _ => false,
                    });
                    if everyone {
                        break;
                    }
                    let code = reasons.first().map(DialBlock::code).unwrap_or_default();
                    if reasons
                        .iter()
                        .any(|r| matches!(r, DialBlock::OnDncList { .. }))
                    {
                        round.blocked += 1;
                        let code = DialBlock::OnDncList { expires_at: None }.code();
                        (CampaignLeadState::Blocked, None, Some(code), now)
                    } else {
                        round.held += 1;
                        let at = now + Duration::minutes(HOLD_MINUTES);
                        (CampaignLeadState::Waiting, None, Some(code), at)
                    }
                }
                // The lead was deleted (or is gone) since it joined.
                Err(AppError::NotFound { entity: "lead", .. }) => {
                    round.blocked += 1;
                    (
                        CampaignLeadState::Blocked,
                        None,
                        Some(reason::LEAD_DELETED),
                        now,
                    )
                }
                Err(AppError::BadUserInput(e)) if e.field() == "leadId" => {
                    round.blocked += 1;
                    (
                        CampaignLeadState::Blocked,
                        None,
                        Some(reason::LEAD_DELETED),
                        now,
                    )
                }
                // Anything else is the campaign's, not the lead's (its agent
                // gone, say): it waits, its leads untouched.
                Err(AppError::NotFound { .. } | AppError::BadUserInput(_)) => break,
                Err(other) => return Err(other),
            };
        let mut row: campaign_leads::ActiveModel = target.clone().into();
        row.state = Set(state);
        if call_id.is_some() {
            row.call_id = Set(call_id);
        }
        row.block_reason = Set(block.map(str::to_owned));
        row.next_attempt_at = Set(next_at);
        row.updated_at = Set(now);
        row.update(&**write).await?;
    }
    Ok(round)
}
