//! Mutations for the calling setup (agents, campaigns, phone numbers) and
//! bulk lead writes: each reads its arguments into the application's input
//! and runs one use case of `switchboard_app::setup` or
//! `switchboard_app::leads::bulk`.

pub mod settings;
pub mod webhooks;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use switchboard_domain::batch::BatchSize;

use crate::leads::mutations::CreateLeadInput;
use crate::shared::context::{self, Permission, require};
use crate::shared::enums::*;
use crate::shared::error::{ApiError, ApiResult, AppError, UnderArgument, parse_id};
use crate::types::{Agent, Campaign, PhoneNumber};
use switchboard_app::leads::bulk::{self, RowOutcome};
use switchboard_app::setup::{
    self, AgentChanges, CampaignChanges, CampaignPlan, NewAgent, NewCampaign, NewPhoneNumber,
    PhoneNumberChanges,
};

/// Agents, campaigns and numbers.
#[derive(Default)]
pub struct SetupMutations;

/// A new AI agent.
#[derive(InputObject)]
pub struct CreateAgentInput {
    /// The platform the agent runs on.
    pub provider: AgentProvider,
    /// The agent's id at the provider (assistant id, agent id…).
    pub external_agent_id: String,
    /// Display name, 1 to 200 characters.
    pub name: String,
    /// Whether the agent calls or chats; default CALL.
    #[graphql(default_with = "AgentType::Call")]
    pub agent_type: AgentType,
    /// What the agent is for.
    pub description: Option<String>,
}

/// Changes to an agent.
#[derive(InputObject)]
pub struct UpdateAgentInput {
    /// New display name, 1 to 200 characters.
    pub name: Option<String>,
    /// New description; an empty string clears it.
    pub description: Option<String>,
    /// Put the agent in or out of service.
    pub is_active: Option<bool>,
}

/// A new campaign.
#[derive(InputObject)]
pub struct CreateCampaignInput {
    /// Display name, 1 to 200 characters, unique in the organization.
    pub name: String,
    /// What the campaign is for.
    pub description: Option<String>,
    /// The type of the campaign's calls; default OUTBOUND_CAMPAIGN.
    #[graphql(default_with = "CallType::OutboundCampaign")]
    pub call_type: CallType,
    /// The AI agent that places the campaign's calls.
    pub agent_id: Option<ID>,
    /// The number the calls are made from.
    pub phone_number_id: Option<ID>,
    /// Default DRAFT.
    #[graphql(default_with = "CampaignStatus::Draft")]
    pub status: CampaignStatus,
    /// Daily window start, HH:MM.
    pub calling_window_start: Option<String>,
    /// Daily window end, HH:MM (after the start).
    pub calling_window_end: Option<String>,
    /// IANA zone of the window; without it, the called party's zone.
    pub timezone: Option<String>,
    /// The segment whose leads it calls (taken when it starts and each time it resumes).
    pub segment_id: Option<ID>,
    /// Calls going at once, 1 to 1,000; default the organization's `dialerConcurrency`.
    pub max_concurrent_calls: Option<i32>,
    /// Calls placed in any minute, 1 to 1,000; default unpaced.
    pub calls_per_minute: Option<i32>,
    /// Calls a lead gets until one is answered, 1 to 10; default 1.
    pub max_attempts: Option<i32>,
    /// Minutes between a lead's unanswered call and its next, 1 to 10,080; default 240.
    pub retry_after_minutes: Option<i32>,
    /// When it begins calling; default at once.
    pub starts_at: Option<DateTime<Utc>>,
    /// When it stops calling and completes (after `startsAt`).
    pub ends_at: Option<DateTime<Utc>>,
}

/// Changes to a campaign.
#[derive(InputObject)]
pub struct UpdateCampaignInput {
    /// New name, 1 to 200 characters, unique in the organization.
    pub name: Option<String>,
    /// New description; an empty string clears it.
    pub description: Option<String>,
    /// New status.
    pub status: Option<CampaignStatus>,
    /// New agent (an agent cannot be removed here).
    pub agent_id: Option<ID>,
    /// New daily window start, HH:MM.
    pub calling_window_start: Option<String>,
    /// New daily window end, HH:MM, after the start.
    pub calling_window_end: Option<String>,
    /// New IANA zone of the window.
    pub timezone: Option<String>,
    /// New number the calls are made from.
    pub phone_number_id: Option<ID>,
    /// The segment whose leads it calls (taken when it starts and each time it resumes).
    pub segment_id: Option<ID>,
    /// Calls going at once, 1 to 1,000.
    pub max_concurrent_calls: Option<i32>,
    /// Calls placed in any minute, 1 to 1,000.
    pub calls_per_minute: Option<i32>,
    /// Calls a lead gets until one is answered, 1 to 10.
    pub max_attempts: Option<i32>,
    /// Minutes between a lead's unanswered call and its next, 1 to 10,080.
    pub retry_after_minutes: Option<i32>,
    /// When it begins calling.
    pub starts_at: Option<DateTime<Utc>>,
    /// When it stops calling and completes (after `startsAt`).
    pub ends_at: Option<DateTime<Utc>>,
}

/// A new number calls are made from.
#[derive(InputObject)]
pub struct CreatePhoneNumberInput {
    /// Display name, 1 to 200 characters.
    pub name: String,
    /// The number, any common format (national numbers take the organization's region); CONFLICT if it is active anywhere.
    pub phone_number: String,
    /// The provider the number is rented from; default TWILIO.
    #[graphql(default_with = "TelephonyProvider::Twilio")]
    pub provider: TelephonyProvider,
    /// The number's id on its provider.
    pub provider_phone_number_id: Option<String>,
    /// The member the number is assigned to.
    pub assigned_to_id: Option<ID>,
    /// Calls it carries at once, 1 to 1,000 (carriers limit them); default no limit of its own.
    pub max_concurrent_calls: Option<i32>,
}

/// Changes to a number.
#[derive(InputObject)]
pub struct UpdatePhoneNumberInput {
    /// New display name, 1 to 200 characters.
    pub name: Option<String>,
    /// New assignee, a member of the organization.
    pub assigned_to_id: Option<ID>,
    /// New limit of calls it carries at once, 1 to 1,000.
    pub max_concurrent_calls: Option<i32>,
}

/// How a batch treats failed rows.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportMode {
    /// Any failed row means nothing is written.
    #[default]
    AllOrNothing,
    /// Valid rows are written; failed rows are reported.
    PerRow,
}

/// What happened to one row of a batch.
#[derive(SimpleObject)]
pub struct ImportRowResult {
    /// The row's position in the input.
    pub index: i32,
    /// CREATED, UPDATED, FAILED or SKIPPED (valid, but the batch was all-or-nothing).
    pub status: String,
    /// The lead created or updated.
    pub lead_id: Option<ID>,
    /// The error code of a failed row.
    pub code: Option<String>,
    /// Why a failed row failed, for people.
    pub message: Option<String>,
    /// The field of the row that failed, e.g. `phoneNumber`.
    pub field: Option<String>,
    /// The lead a CONFLICT row collided with.
    pub existing_id: Option<ID>,
}

/// The outcome of a batch.
#[derive(SimpleObject)]
pub struct ImportResult {
    /// Leads created.
    pub created: i32,
    /// Leads updated.
    pub updated: i32,
    /// Rows that failed.
    pub failed: i32,
    /// One result per input row, in input order.
    pub rows: Vec<ImportRowResult>,
}

fn parse_opt_id(field: &str, id: Option<ID>) -> ApiResult<Option<uuid::Uuid>> {
    id.map(|id| parse_id(field, &id)).transpose()
}

/// Each row's outcome, its error placed under the `input` argument.
fn report(outcomes: Vec<RowOutcome>) -> ImportResult {
    let (mut created, mut updated, mut failed) = (0, 0, 0);
    let rows = outcomes
        .into_iter()
        .enumerate()
        .map(|(index, outcome)| {
            let mut row = ImportRowResult {
                index: index as i32,
                status: String::new(),
                lead_id: None,
                code: None,
                message: None,
                field: None,
                existing_id: None,
            };
            match outcome {
                RowOutcome::Created(id) => {
                    created += 1;
                    row.status = "CREATED".into();
                    row.lead_id = Some(ID(id.to_string()));
                }
                RowOutcome::Updated(id) => {
                    updated += 1;
                    row.status = "UPDATED".into();
                    row.lead_id = Some(ID(id.to_string()));
                }
                RowOutcome::Skipped => row.status = "SKIPPED".into(),
                RowOutcome::Failed(err) => {
                    failed += 1;
                    row.status = "FAILED".into();
                    let err = ApiError(err).under("input");
                    row.code = Some(err.code().into());
                    row.message = Some(err.message());
                    match err.0 {
                        AppError::BadUserInput(error) => row.field = Some(error.field().to_owned()),
                        AppError::Conflict {
                            field, existing_id, ..
                        } => {
                            row.field = field;
                            row.existing_id = existing_id.map(|id| ID(id.to_string()));
                        }
                        _ => {}
                    }
                }
            }
            row
        })
        .collect();
    ImportResult {
        created,
        updated,
        failed,
        rows,
    }
}

#[Object]
impl SetupMutations {
    /// Registers an AI agent (CONFLICT if the provider's agent id is taken).
    async fn create_agent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agent to register.")] input: CreateAgentInput,
    ) -> ApiResult<Agent> {
        let viewer = require(ctx, Permission::Manage)?;
        let new = NewAgent {
            provider: input.provider.into(),
            external_agent_id: input.external_agent_id,
            name: input.name,
            agent_type: input.agent_type.into(),
            description: input.description,
        };
        let agent = setup::create_agent(context::app(ctx)?, viewer, new)
            .await
            .under("input")?;
        Ok(Agent::new(agent))
    }

    /// Changes an agent.
    async fn update_agent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agent's id.")] id: ID,
        #[graphql(desc = "The fields to change; omitted ones stay.")] input: UpdateAgentInput,
    ) -> ApiResult<Agent> {
        let viewer = require(ctx, Permission::Manage)?;
        let agent_id = parse_id("id", &id)?;
        let changes = AgentChanges {
            name: input.name,
            description: input.description,
            is_active: input.is_active,
        };
        let agent = setup::update_agent(context::app(ctx)?, viewer, agent_id, changes)
            .await
            .under("input")?;
        Ok(Agent::new(agent))
    }

    /// Deactivates an agent; its calls keep their history.
    async fn deactivate_agent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agent's id.")] id: ID,
    ) -> ApiResult<Agent> {
        let viewer = require(ctx, Permission::Manage)?;
        let agent_id = parse_id("id", &id)?;
        let agent = setup::deactivate_agent(context::app(ctx)?, viewer, agent_id).await?;
        Ok(Agent::new(agent))
    }

    /// Creates a campaign.
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign to create.")] input: CreateCampaignInput,
    ) -> ApiResult<Campaign> {
        let viewer = require(ctx, Permission::Manage)?;
        let new = NewCampaign {
            name: input.name,
            description: input.description,
            call_type: input.call_type.into(),
            agent_id: parse_opt_id("input.agentId", input.agent_id)?,
            phone_number_id: parse_opt_id("input.phoneNumberId", input.phone_number_id)?,
            status: input.status.into(),
            calling_window_start: input.calling_window_start,
            calling_window_end: input.calling_window_end,
            timezone: input.timezone,
            plan: CampaignPlan {
                segment_id: parse_opt_id("input.segmentId", input.segment_id)?,
                max_concurrent_calls: input.max_concurrent_calls,
                calls_per_minute: input.calls_per_minute,
                max_attempts: input.max_attempts,
                retry_after_minutes: input.retry_after_minutes,
                starts_at: input.starts_at,
                ends_at: input.ends_at,
            },
        };
        let campaign = setup::create_campaign(context::app(ctx)?, viewer, new)
            .await
            .under("input")?;
        Ok(Campaign::new(campaign))
    }

    /// Changes a campaign.
    async fn update_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's id.")] id: ID,
        #[graphql(desc = "The fields to change; omitted ones stay.")] input: UpdateCampaignInput,
    ) -> ApiResult<Campaign> {
        let viewer = require(ctx, Permission::Manage)?;
        let campaign_id = parse_id("id", &id)?;
        let changes = CampaignChanges {
            name: input.name,
            description: input.description,
            status: input.status.map(Into::into),
            agent_id: parse_opt_id("input.agentId", input.agent_id)?,
            calling_window_start: input.calling_window_start,
            calling_window_end: input.calling_window_end,
            timezone: input.timezone,
            phone_number_id: parse_opt_id("input.phoneNumberId", input.phone_number_id)?,
            plan: CampaignPlan {
                segment_id: parse_opt_id("input.segmentId", input.segment_id)?,
                max_concurrent_calls: input.max_concurrent_calls,
                calls_per_minute: input.calls_per_minute,
                max_attempts: input.max_attempts,
                retry_after_minutes: input.retry_after_minutes,
                starts_at: input.starts_at,
                ends_at: input.ends_at,
            },
        };
        let campaign = setup::update_campaign(context::app(ctx)?, viewer, campaign_id, changes)
            .await
            .under("input")?;
        Ok(Campaign::new(campaign))
    }

    /// Pauses a campaign.
    async fn deactivate_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's id.")] id: ID,
    ) -> ApiResult<Campaign> {
        let viewer = require(ctx, Permission::Manage)?;
        let campaign_id = parse_id("id", &id)?;
        let campaign = setup::deactivate_campaign(context::app(ctx)?, viewer, campaign_id).await?;
        Ok(Campaign::new(campaign))
    }

    /// Adds a number (CONFLICT if the number is already active anywhere).
    async fn create_phone_number(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The number to add.")] input: CreatePhoneNumberInput,
    ) -> ApiResult<PhoneNumber> {
        let viewer = require(ctx, Permission::Manage)?;
        let new = NewPhoneNumber {
            name: input.name,
            phone_number: input.phone_number,
            provider: input.provider.into(),
            provider_phone_number_id: input.provider_phone_number_id,
            assigned_to_id: parse_opt_id("input.assignedToId", input.assigned_to_id)?,
            max_concurrent_calls: input.max_concurrent_calls,
        };
        let number = setup::create_phone_number(context::app(ctx)?, viewer, new)
            .await
            .under("input")?;
        Ok(PhoneNumber(number))
    }

    /// Renames or reassigns a number.
    async fn update_phone_number(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The number's id.")] id: ID,
        #[graphql(desc = "The fields to change; omitted ones stay.")] input: UpdatePhoneNumberInput,
    ) -> ApiResult<PhoneNumber> {
        let viewer = require(ctx, Permission::Manage)?;
        let number_id = parse_id("id", &id)?;
        let changes = PhoneNumberChanges {
            name: input.name,
            assigned_to_id: parse_opt_id("input.assignedToId", input.assigned_to_id)?,
            max_concurrent_calls: input.max_concurrent_calls,
        };
        let number = setup::update_phone_number(context::app(ctx)?, viewer, number_id, changes)
            .await
            .under("input")?;
        Ok(PhoneNumber(number))
    }

    /// Retires a number; the same number may then be added again.
    async fn deactivate_phone_number(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The number's id.")] id: ID,
    ) -> ApiResult<PhoneNumber> {
        let viewer = require(ctx, Permission::Manage)?;
        let number_id = parse_id("id", &id)?;
        let app = context::app(ctx)?;
        let number = setup::deactivate_phone_number(app, viewer, number_id).await?;
        Ok(PhoneNumber(number))
    }

    /// Creates many leads at once (at most 5,000), deduplicated within the batch and against
    /// the organization's leads; `mode` (default ALL_OR_NOTHING) decides whether one failed row stops the batch.
    async fn import_leads(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The leads, at most 5,000; a number already taken (in the batch or by a live lead) fails its row with CONFLICT."
        )]
        input: Vec<CreateLeadInput>,
        #[graphql(desc = "Whether one failed row stops the batch; default ALL_OR_NOTHING.")]
        mode: Option<ImportMode>,
    ) -> ApiResult<ImportResult> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        // Before the rows are read: an oversized batch costs nothing.
        BatchSize::parse(input.len())
            .map_err(AppError::from)
            .under("input")?;
        let leads = input
            .into_iter()
            .map(CreateLeadInput::into_new_lead)
            .collect::<ApiResult<Vec<_>>>()?;
        let all_or_nothing = mode.unwrap_or_default() == ImportMode::AllOrNothing;
        let outcomes = bulk::import_leads(
            context::app(ctx)?,
            viewer,
            &crate::identity::client(ctx),
            leads,
            all_or_nothing,
        )
        .await
        .under("input")?;
        Ok(report(outcomes))
    }

    /// Inserts or updates leads by phone number (at most 5,000), one statement per batch.
    async fn upsert_leads(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The leads, at most 5,000: a live lead with the same number is updated, others are created."
        )]
        input: Vec<CreateLeadInput>,
    ) -> ApiResult<ImportResult> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        BatchSize::parse(input.len())
            .map_err(AppError::from)
            .under("input")?;
        let leads = input
            .into_iter()
            .map(CreateLeadInput::into_new_lead)
            .collect::<ApiResult<Vec<_>>>()?;
        let outcomes = bulk::upsert_leads(
            context::app(ctx)?,
            viewer,
            &crate::identity::client(ctx),
            leads,
        )
        .await
        .under("input")?;
        Ok(report(outcomes))
    }
}
