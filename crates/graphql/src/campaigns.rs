//! Campaigns that run, in GraphQL: starting, pausing, resuming and
//! completing them, adding leads by hand, their progress, and
//! `campaignUpdated`. Each resolver translates to one
//! `switchboard_app::campaigns` use case.

use async_graphql::{Context, ID, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures::stream::Stream;
use switchboard_app::calls::find_campaign;
use switchboard_app::campaigns::progress::Progress;
use switchboard_app::campaigns::runs;
use switchboard_app::events::Message;
use switchboard_entity::enums::CallEventKind;
use uuid::Uuid;

use crate::live::picked;
use crate::shared::context::{self, Permission, require};
use crate::shared::error::{ApiResult, AppError, parse_id};
use crate::types::Campaign;

/// Leads counted under one reason.
#[derive(SimpleObject)]
pub struct CampaignReasonCount {
    /// A dial block's code (ON_DNC_LIST, OUTSIDE_CALLING_HOURS, OUTSIDE_CAMPAIGN_WINDOW, INSUFFICIENT_CREDITS) or LEAD_DELETED, CALL_CANCELLED.
    pub reason: String,
    /// How many leads.
    pub leads: u64,
}

/// How far a campaign is through its leads.
#[derive(SimpleObject)]
pub struct CampaignProgress {
    /// Every lead the campaign has (its segment's when it started or last resumed, and those added by hand).
    pub leads: u64,
    /// Leads it may call: all but the blocked.
    pub eligible: u64,
    /// Leads waiting for their next call.
    pub waiting: u64,
    /// Leads whose call is scheduled or going.
    pub calling: u64,
    /// Leads a call reached.
    pub reached: u64,
    /// Leads every attempt missed.
    pub unreached: u64,
    /// Leads it is done with: reached or unreached.
    pub completed: u64,
    /// Leads it will never call.
    pub blocked: u64,
    /// Its calls scheduled, not yet placed.
    pub scheduled: u64,
    /// Its calls a provider took.
    pub placed: u64,
    /// Its calls answered (going or completed).
    pub connected: u64,
    /// Blocked leads by reason.
    pub blocked_by_reason: Vec<CampaignReasonCount>,
    /// Waiting leads the dial gate holds for now (outside their calling hours), by reason.
    pub held_by_reason: Vec<CampaignReasonCount>,
}

impl From<Progress> for CampaignProgress {
    fn from(p: Progress) -> Self {
        let counts = |map: std::collections::BTreeMap<String, u64>| {
            map.into_iter()
                .map(|(reason, leads)| CampaignReasonCount { reason, leads })
                .collect()
        };
        Self {
            leads: p.leads(),
            eligible: p.eligible(),
            completed: p.completed(),
            waiting: p.waiting,
            calling: p.calling,
            reached: p.reached,
            unreached: p.unreached,
            blocked: p.blocked,
            scheduled: p.scheduled,
            placed: p.placed,
            connected: p.connected,
            blocked_by_reason: counts(p.blocked_by_reason),
            held_by_reason: counts(p.held_by_reason),
        }
    }
}

/// Running campaigns.
#[derive(Default)]
pub struct CampaignMutations;

#[Object]
impl CampaignMutations {
    /// Starts a draft campaign (managers): it takes its segment's leads and calls them, and those added by hand, as room frees up — within its window, pace, concurrency and dates, every call through the dial gate when it is placed. CONFLICT unless it is a draft; BAD_USER_INPUT without an agent (`agentId`) or without leads (`segmentId`).
    async fn start_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's id.")] id: ID,
    ) -> ApiResult<Campaign> {
        let viewer = require(ctx, Permission::Manage)?;
        let id = parse_id("id", &id)?;
        let campaign = runs::start_campaign(context::app(ctx)?, viewer, id).await?;
        Ok(Campaign::new(campaign))
    }

    /// Pauses a running campaign (managers): it schedules nothing more, and its calls not yet placed are cancelled at once (their leads wait for it to resume). CONFLICT unless it is running.
    async fn pause_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's id.")] id: ID,
    ) -> ApiResult<Campaign> {
        let viewer = require(ctx, Permission::Manage)?;
        let id = parse_id("id", &id)?;
        let campaign = runs::pause_campaign(context::app(ctx)?, viewer, id).await?;
        Ok(Campaign::new(campaign))
    }

    /// Resumes a paused campaign (managers), taking the leads that entered its segment meanwhile. CONFLICT unless it is paused.
    async fn resume_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's id.")] id: ID,
    ) -> ApiResult<Campaign> {
        let viewer = require(ctx, Permission::Manage)?;
        let id = parse_id("id", &id)?;
        let campaign = runs::resume_campaign(context::app(ctx)?, viewer, id).await?;
        Ok(Campaign::new(campaign))
    }

    /// Completes a campaign (managers): it calls no one again, and its calls not yet placed are cancelled. A campaign also completes by itself when no lead is left to call, or at its `endsAt`. CONFLICT if it is already completed.
    async fn complete_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's id.")] id: ID,
    ) -> ApiResult<Campaign> {
        let viewer = require(ctx, Permission::Manage)?;
        let id = parse_id("id", &id)?;
        let campaign = runs::complete_campaign(context::app(ctx)?, viewer, id).await?;
        Ok(Campaign::new(campaign))
    }

    /// Adds leads to a campaign by hand (managers), up to 1,000 at once; leads it has already are skipped. NOT_FOUND for a lead that is not the organization's or is deleted (nothing is added); CONFLICT for a completed campaign.
    async fn add_campaign_leads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's id.")] id: ID,
        #[graphql(desc = "The leads to call.")] lead_ids: Vec<ID>,
    ) -> ApiResult<Campaign> {
        let viewer = require(ctx, Permission::Manage)?;
        let campaign_id = parse_id("id", &id)?;
        if lead_ids.len() > runs::MAX_LEADS_ADDED {
            return Err(AppError::bad_input(
                "leadIds",
                format!(
                    "at most {} leads at once, not {}",
                    runs::MAX_LEADS_ADDED,
                    lead_ids.len()
                ),
            )
            .into());
        }
        let leads = lead_ids
            .iter()
            .enumerate()
            .map(|(i, id)| parse_id(&format!("leadIds[{i}]"), id))
            .collect::<Result<Vec<Uuid>, _>>()?;
        let app = context::app(ctx)?;
        runs::add_campaign_leads(app, viewer, campaign_id, leads).await?;
        let campaign = find_campaign(&app.db, viewer.organization_id, campaign_id).await?;
        Ok(Campaign::new(campaign))
    }
}

/// A change of a campaign, as `campaignUpdated` delivers it.
pub struct CampaignUpdate {
    campaign_id: Uuid,
    occurred_at: DateTime<Utc>,
}

/// A change of a campaign: its status, or its progress (a call of it was scheduled or moved on, leads were settled).
#[Object]
impl CampaignUpdate {
    /// The campaign's id.
    async fn campaign_id(&self) -> ID {
        ID(self.campaign_id.to_string())
    }
    /// When it changed.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.occurred_at
    }
    /// The campaign as it is now, its progress included (null if it was deleted).
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Option<Campaign>> {
        let viewer = require(ctx, Permission::Read)?;
        match find_campaign(context::db(ctx)?, viewer.organization_id, self.campaign_id).await {
            Ok(row) => Ok(Some(Campaign::new(row))),
            Err(AppError::NotFound { .. }) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }
}

/// Subscriptions to campaigns.
#[derive(Default)]
pub struct CampaignSubscriptions;

#[Subscription]
impl CampaignSubscriptions {
    /// Campaigns as they start, pause, resume and complete, and as they move through their leads (each of their calls scheduled or changing status). Only `campaignId`'s, if given. No replay: a client that falls behind gets RESYNC_REQUIRED and reads the campaign.
    async fn campaign_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this campaign.")] campaign_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<CampaignUpdate>>> {
        let viewer = require(ctx, Permission::Read)?;
        let only = campaign_id
            .map(|c| parse_id("campaignId", &c))
            .transpose()?;
        let organization_id = viewer.organization_id;
        let wanted = move |id: Uuid| only.is_none_or(|c| c == id);
        let receiver = context::bus(ctx)?.subscribe_organization(organization_id);
        Ok(picked(receiver, move |message| match message {
            Message::Campaign(event)
                if event.organization_id == organization_id && wanted(event.campaign_id) =>
            {
                Some(CampaignUpdate {
                    campaign_id: event.campaign_id,
                    occurred_at: event.occurred_at,
                })
            }
            Message::Call(event)
                if event.organization_id == organization_id
                    && matches!(
                        event.kind,
                        CallEventKind::Created | CallEventKind::StatusChanged
                    ) =>
            {
                let campaign_id = event.campaign_id.filter(|c| wanted(*c))?;
                Some(CampaignUpdate {
                    campaign_id,
                    occurred_at: event.occurred_at,
                })
            }
            _ => None,
        }))
    }
}
