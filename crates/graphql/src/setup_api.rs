//! Mutations for the calling setup (agents, campaigns, phone numbers) and
//! bulk lead writes.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{NaiveTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter};
use switchboard_entity::*;
use uuid::Uuid;

use crate::context::{self, Permission, require};
use crate::enums::*;
use crate::error::{ApiError, ApiResult, AppError, parse_id};
use crate::mutation::CreateLeadInput;
use crate::types::{Agent, Campaign, PhoneNumber};
use switchboard_app::events::{LeadChange, LeadEvent, Message, Outbox};
use switchboard_app::leads::bulk::{self, RowOutcome};
use switchboard_app::leads::write::{self as service, begin_write, check_timezone};

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
}

/// Changes to a number.
#[derive(InputObject)]
pub struct UpdatePhoneNumberInput {
    /// New display name, 1 to 200 characters.
    pub name: Option<String>,
    /// New assignee, a member of the organization.
    pub assigned_to_id: Option<ID>,
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

fn name(field: &str, text: &str) -> ApiResult<String> {
    let text = text.trim();
    if text.is_empty() || text.len() > 200 {
        return Err(ApiError::bad_input(field, "1 to 200 characters"));
    }
    Ok(text.to_owned())
}

fn time(field: &str, text: &str) -> ApiResult<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .map_err(|_| ApiError::bad_input(field, format!("`{text}` is not a time of day (HH:MM)")))
}

fn window(start: Option<NaiveTime>, end: Option<NaiveTime>) -> ApiResult<()> {
    match (start, end) {
        (Some(s), Some(e)) if s >= e => Err(ApiError::bad_input(
            "input.callingWindowEnd",
            "the window must end after it starts",
        )),
        (Some(_), None) | (None, Some(_)) => Err(ApiError::bad_input(
            "input.callingWindowEnd",
            "give both ends of the window",
        )),
        _ => Ok(()),
    }
}

fn conflict(err: sea_orm::DbErr, field: &str, message: String) -> AppError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            field: Some(field.into()),
            message,
            existing_id: None,
        },
        _ => AppError::Internal(err),
    }
}

/// Commits a bulk write, announcing each created or updated lead to
/// `leadUpdated` subscribers (staged in one statement).
async fn commit_leads(
    ctx: &Context<'_>,
    txn: sea_orm::DatabaseTransaction,
    organization_id: uuid::Uuid,
    outcomes: &[RowOutcome],
) -> ApiResult<()> {
    let outbox = Outbox::default();
    let now = Utc::now();
    for outcome in outcomes {
        let (lead_id, change) = match outcome {
            RowOutcome::Created(id) => (*id, LeadChange::Created),
            RowOutcome::Updated(id) => (*id, LeadChange::Updated),
            RowOutcome::Skipped | RowOutcome::Failed(_) => continue,
        };
        outbox.push(Message::Lead(LeadEvent {
            organization_id,
            lead_id,
            change,
            occurred_at: now,
        }));
    }
    context::bus(ctx)?.commit(txn, &outbox).await?;
    Ok(())
}

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
                    let err = ApiError(err);
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

async fn update_agent(ctx: &Context<'_>, id: ID, input: UpdateAgentInput) -> ApiResult<Agent> {
    let viewer = require(ctx, Permission::Manage)?;
    let agent_id = parse_id("id", &id)?;
    let db = context::db(ctx)?;
    let agent = agents::Entity::find_by_id(agent_id)
        .filter(agents::Column::OrganizationId.eq(viewer.organization_id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("agent", agent_id))?;
    let mut row: agents::ActiveModel = agent.into();
    if let Some(n) = &input.name {
        row.name = Set(name("input.name", n)?);
    }
    if let Some(description) = input.description {
        row.description = Set(Some(description).filter(|d| !d.trim().is_empty()));
    }
    if let Some(active) = input.is_active {
        row.is_active = Set(active);
    }
    row.updated_at = Set(Utc::now());
    Ok(Agent(row.update(db).await?))
}

async fn update_campaign(
    ctx: &Context<'_>,
    id: ID,
    input: UpdateCampaignInput,
) -> ApiResult<Campaign> {
    let viewer = require(ctx, Permission::Manage)?;
    let campaign_id = parse_id("id", &id)?;
    let db = context::db(ctx)?;
    let campaign = campaigns::Entity::find_by_id(campaign_id)
        .filter(campaigns::Column::OrganizationId.eq(viewer.organization_id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("campaign", campaign_id))?;
    let start = match &input.calling_window_start {
        Some(t) => Some(time("input.callingWindowStart", t)?),
        None => campaign.calling_window_start,
    };
    let end = match &input.calling_window_end {
        Some(t) => Some(time("input.callingWindowEnd", t)?),
        None => campaign.calling_window_end,
    };
    window(start, end)?;
    let mut row: campaigns::ActiveModel = campaign.into();
    row.calling_window_start = Set(start);
    row.calling_window_end = Set(end);
    if let Some(n) = &input.name {
        row.name = Set(name("input.name", n)?);
    }
    if let Some(description) = input.description {
        row.description = Set(Some(description).filter(|d| !d.trim().is_empty()));
    }
    if let Some(status) = input.status {
        row.status = Set(status.into());
    }
    if let Some(zone) = &input.timezone {
        row.timezone = Set(Some(check_timezone("input.timezone", zone)?));
    }
    if let Some(agent) = input.agent_id {
        let agent = parse_id("input.agentId", &agent)?;
        agents::Entity::find_by_id(agent)
            .filter(agents::Column::OrganizationId.eq(viewer.organization_id))
            .one(db)
            .await?
            .ok_or_else(|| ApiError::not_found("agent", agent))?;
        row.agent_id = Set(Some(agent));
    }
    row.updated_at = Set(Utc::now());
    Ok(Campaign(row.update(db).await.map_err(|e| {
        conflict(
            e,
            "input.name",
            "a campaign with that name already exists".into(),
        )
    })?))
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
        let now = Utc::now();
        let external = name("input.externalAgentId", &input.external_agent_id)?;
        let agent = agents::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(viewer.organization_id),
            created_by: Set(Some(viewer.user_id)),
            provider: Set(input.provider.into()),
            external_agent_id: Set(external.clone()),
            name: Set(name("input.name", &input.name)?),
            agent_type: Set(input.agent_type.into()),
            description: Set(input.description),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(context::db(ctx)?)
        .await
        .map_err(|e| {
            conflict(
                e,
                "input.externalAgentId",
                format!("agent `{external}` is already registered"),
            )
        })?;
        Ok(Agent(agent))
    }

    /// Changes an agent.
    async fn update_agent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agent's id.")] id: ID,
        #[graphql(desc = "The fields to change; omitted ones stay.")] input: UpdateAgentInput,
    ) -> ApiResult<Agent> {
        update_agent(ctx, id, input).await
    }

    /// Deactivates an agent; its calls keep their history.
    async fn deactivate_agent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agent's id.")] id: ID,
    ) -> ApiResult<Agent> {
        update_agent(
            ctx,
            id,
            UpdateAgentInput {
                name: None,
                description: None,
                is_active: Some(false),
            },
        )
        .await
    }

    /// Creates a campaign.
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign to create.")] input: CreateCampaignInput,
    ) -> ApiResult<Campaign> {
        let viewer = require(ctx, Permission::Manage)?;
        let db = context::db(ctx)?;
        let start = input
            .calling_window_start
            .as_deref()
            .map(|t| time("input.callingWindowStart", t))
            .transpose()?;
        let end = input
            .calling_window_end
            .as_deref()
            .map(|t| time("input.callingWindowEnd", t))
            .transpose()?;
        window(start, end)?;
        let timezone = input
            .timezone
            .as_deref()
            .map(|z| check_timezone("input.timezone", z))
            .transpose()?;
        let agent_id = input
            .agent_id
            .map(|id| parse_id("input.agentId", &id))
            .transpose()?;
        if let Some(agent) = agent_id {
            agents::Entity::find_by_id(agent)
                .filter(agents::Column::OrganizationId.eq(viewer.organization_id))
                .one(db)
                .await?
                .ok_or_else(|| ApiError::not_found("agent", agent))?;
        }
        let number_id = input
            .phone_number_id
            .map(|id| parse_id("input.phoneNumberId", &id))
            .transpose()?;
        if let Some(number) = number_id {
            phone_numbers::Entity::find_by_id(number)
                .filter(phone_numbers::Column::OrganizationId.eq(viewer.organization_id))
                .one(db)
                .await?
                .ok_or_else(|| ApiError::not_found("phone number", number))?;
        }
        let title = name("input.name", &input.name)?;
        let now = Utc::now();
        let campaign = campaigns::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(viewer.organization_id),
            name: Set(title.clone()),
            description: Set(input.description),
            call_type: Set(input.call_type.into()),
            agent_id: Set(agent_id),
            phone_number_id: Set(number_id),
            status: Set(input.status.into()),
            calling_window_start: Set(start),
            calling_window_end: Set(end),
            timezone: Set(timezone),
            starts_at: Set(None),
            ends_at: Set(None),
            created_by: Set(Some(viewer.user_id)),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await
        .map_err(|e| {
            conflict(
                e,
                "input.name",
                format!("a campaign named `{title}` already exists"),
            )
        })?;
        Ok(Campaign(campaign))
    }

    /// Changes a campaign.
    async fn update_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's id.")] id: ID,
        #[graphql(desc = "The fields to change; omitted ones stay.")] input: UpdateCampaignInput,
    ) -> ApiResult<Campaign> {
        update_campaign(ctx, id, input).await
    }
    /// Pauses a campaign.
    async fn deactivate_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's id.")] id: ID,
    ) -> ApiResult<Campaign> {
        let input = UpdateCampaignInput {
            name: None,
            description: None,
            status: Some(CampaignStatus::Paused),
            agent_id: None,
            calling_window_start: None,
            calling_window_end: None,
            timezone: None,
        };
        update_campaign(ctx, id, input).await
    }

    /// Adds a number (CONFLICT if the number is already active anywhere).
    async fn create_phone_number(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The number to add.")] input: CreatePhoneNumberInput,
    ) -> ApiResult<PhoneNumber> {
        let viewer = require(ctx, Permission::Manage)?;
        let db = context::db(ctx)?;
        let number = service::normalize_phone(
            db,
            viewer.organization_id,
            "input.phoneNumber",
            &input.phone_number,
        )
        .await?;
        let assignee = input
            .assigned_to_id
            .map(|id| parse_id("input.assignedToId", &id))
            .transpose()?;
        if let Some(user) = assignee {
            service::require_member(db, viewer.organization_id, "input.assignedToId", user).await?;
        }
        let now = Utc::now();
        let row = phone_numbers::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(viewer.organization_id),
            name: Set(name("input.name", &input.name)?),
            phone_number: Set(number.clone()),
            provider: Set(input.provider.into()),
            provider_phone_number_id: Set(input.provider_phone_number_id),
            assigned_to_user_id: Set(assignee),
            created_by: Set(Some(viewer.user_id)),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await
        .map_err(|e| {
            conflict(
                e,
                "input.phoneNumber",
                format!("{number} is already in use"),
            )
        })?;
        Ok(PhoneNumber(row))
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
        let db = context::db(ctx)?;
        let number = phone_numbers::Entity::find_by_id(number_id)
            .filter(phone_numbers::Column::OrganizationId.eq(viewer.organization_id))
            .one(db)
            .await?
            .ok_or_else(|| ApiError::not_found("phone number", number_id))?;
        let mut row: phone_numbers::ActiveModel = number.into();
        if let Some(n) = &input.name {
            row.name = Set(name("input.name", n)?);
        }
        if let Some(user) = input.assigned_to_id {
            let user = parse_id("input.assignedToId", &user)?;
            service::require_member(db, viewer.organization_id, "input.assignedToId", user).await?;
            row.assigned_to_user_id = Set(Some(user));
        }
        row.updated_at = Set(Utc::now());
        Ok(PhoneNumber(row.update(db).await?))
    }

    /// Retires a number; the same number may then be added again.
    async fn deactivate_phone_number(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The number's id.")] id: ID,
    ) -> ApiResult<PhoneNumber> {
        let viewer = require(ctx, Permission::Manage)?;
        let number_id = parse_id("id", &id)?;
        let db = context::db(ctx)?;
        let number = phone_numbers::Entity::find_by_id(number_id)
            .filter(phone_numbers::Column::OrganizationId.eq(viewer.organization_id))
            .one(db)
            .await?
            .ok_or_else(|| ApiError::not_found("phone number", number_id))?;
        let mut row: phone_numbers::ActiveModel = number.into();
        row.is_active = Set(false);
        row.updated_at = Set(Utc::now());
        Ok(PhoneNumber(row.update(db).await?))
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
        bulk::check_batch(input.len())?;
        let leads = input
            .into_iter()
            .map(CreateLeadInput::into_new_lead)
            .collect::<ApiResult<Vec<_>>>()?;
        let txn = begin_write(context::db(ctx)?).await?;
        let outcomes = bulk::import(
            &txn,
            viewer,
            leads,
            mode.unwrap_or_default() == ImportMode::AllOrNothing,
            Utc::now(),
        )
        .await?;
        commit_leads(ctx, txn, viewer.organization_id, &outcomes).await?;
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
        bulk::check_batch(input.len())?;
        let leads = input
            .into_iter()
            .map(CreateLeadInput::into_new_lead)
            .collect::<ApiResult<Vec<_>>>()?;
        let txn = begin_write(context::db(ctx)?).await?;
        let outcomes = bulk::upsert(&txn, viewer, leads, Utc::now()).await?;
        commit_leads(ctx, txn, viewer.organization_id, &outcomes).await?;
        Ok(report(outcomes))
    }
}
