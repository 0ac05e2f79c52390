//! The calling setup managers keep: the AI agents calls are made by, the
//! campaigns that group them, and the numbers calls are made from; and the
//! lists of each that members read.
//!
//! Each use case opens its own write and commits it. Errors are keyed
//! relative to the use case's input (`name`, `callingWindowEnd`); the
//! database's unique indexes (an agent per provider id, a campaign name per
//! organization, an active number once) answer races as CONFLICT.

use chrono::{DateTime, NaiveTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use switchboard_domain::hours::{CallingHours, TimeOfDay};
use switchboard_domain::text::Name;
use switchboard_domain::timezone::TimeZone;
use switchboard_entity::enums::{
    AgentProvider, AgentType, CallType, CampaignStatus, TelephonyProvider,
};
use switchboard_entity::{agents, campaigns, phone_numbers, segments};
use uuid::Uuid;

use crate::actor::Viewer;
use crate::app::App;
use crate::campaigns::runs::set_status;
use crate::error::{AppError, AppResult};
use crate::leads::lookups::{phone_of_organization, require_member};

/// A unique violation as CONFLICT on `field`; anything else is internal.
fn conflict(err: DbErr, field: &str, message: String) -> AppError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            field: Some(field.into()),
            message,
            existing_id: None,
        },
        _ => AppError::Internal(err),
    }
}

/// Blank clears a description.
fn description(text: String) -> Option<String> {
    Some(text).filter(|d| !d.trim().is_empty())
}

/// A new AI agent.
#[derive(Debug, Clone)]
pub struct NewAgent {
    pub provider: AgentProvider,
    /// The agent's id at the provider (assistant id, agent id…).
    pub external_agent_id: String,
    pub name: String,
    pub agent_type: AgentType,
    pub description: Option<String>,
}

/// Changes to an agent; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AgentChanges {
    pub name: Option<String>,
    /// Blank clears it.
    pub description: Option<String>,
    pub is_active: Option<bool>,
}

/// Registers an AI agent, active. A provider's agent id registered already
/// is CONFLICT on `externalAgentId`.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn create_agent(app: &App, viewer: Viewer, input: NewAgent) -> AppResult<agents::Model> {
    let external = Name::parse_setup(&input.external_agent_id)
        .map_err(|e| e.at("externalAgentId"))?
        .into_string();
    let name = Name::parse_setup(&input.name)?.into_string();
    let write = app.begin_write().await?;
    let now = Utc::now();
    let agent = agents::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(viewer.organization_id),
        created_by: Set(Some(viewer.user_id)),
        provider: Set(input.provider),
        external_agent_id: Set(external.clone()),
        name: Set(name),
        agent_type: Set(input.agent_type),
        description: Set(input.description),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*write)
    .await
    .map_err(|e| {
        conflict(
            e,
            "externalAgentId",
            format!("agent `{external}` is already registered"),
        )
    })?;
    write.commit().await?;
    Ok(agent)
}

/// Changes an agent of the organization (NOT_FOUND otherwise).
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, agent_id = %id))]
pub async fn update_agent(
    app: &App,
    viewer: Viewer,
    id: Uuid,
    changes: AgentChanges,
) -> AppResult<agents::Model> {
    let write = app.begin_write().await?;
    let agent = find_agent(&*write, viewer.organization_id, id).await?;
    let mut row: agents::ActiveModel = agent.into();
    if let Some(name) = &changes.name {
        row.name = Set(Name::parse_setup(name)?.into_string());
    }
    if let Some(text) = changes.description {
        row.description = Set(description(text));
    }
    if let Some(active) = changes.is_active {
        row.is_active = Set(active);
    }
    row.updated_at = Set(Utc::now());
    let agent = row.update(&*write).await?;
    write.commit().await?;
    Ok(agent)
}

/// Deactivates an agent; its calls keep their history.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, agent_id = %id))]
pub async fn deactivate_agent(app: &App, viewer: Viewer, id: Uuid) -> AppResult<agents::Model> {
    let changes = AgentChanges {
        is_active: Some(false),
        ..AgentChanges::default()
    };
    update_agent(app, viewer, id, changes).await
}

async fn find_agent(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<agents::Model> {
    agents::Entity::find_by_id(id)
        .filter(agents::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("agent", id))
}

/// A new campaign.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub name: String,
    pub description: Option<String>,
    pub call_type: CallType,
    pub agent_id: Option<Uuid>,
    pub phone_number_id: Option<Uuid>,
    pub status: CampaignStatus,
    /// Daily window start, `HH:MM`.
    pub calling_window_start: Option<String>,
    /// Daily window end, `HH:MM`, after the start.
    pub calling_window_end: Option<String>,
    /// IANA zone of the window; without it, the called party's zone.
    pub timezone: Option<String>,
    pub plan: CampaignPlan,
}

/// Changes to a campaign; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CampaignChanges {
    pub name: Option<String>,
    /// Blank clears it.
    pub description: Option<String>,
    pub status: Option<CampaignStatus>,
    pub agent_id: Option<Uuid>,
    pub phone_number_id: Option<Uuid>,
    pub calling_window_start: Option<String>,
    pub calling_window_end: Option<String>,
    pub timezone: Option<String>,
    pub plan: CampaignPlan,
}

/// How a campaign runs: whom it calls, how fast, how often and when.
/// `None` keeps a value (or, for a new campaign, leaves it unset: the
/// organization's concurrency, unpaced, one attempt, four hours apart).
#[derive(Debug, Clone, Default)]
pub struct CampaignPlan {
    /// The segment whose leads it calls.
    pub segment_id: Option<Uuid>,
    pub max_concurrent_calls: Option<i32>,
    pub calls_per_minute: Option<i32>,
    pub max_attempts: Option<i32>,
    pub retry_after_minutes: Option<i32>,
    pub starts_at: Option<DateTime<Utc>>,
    /// After `starts_at`.
    pub ends_at: Option<DateTime<Utc>>,
}

/// Checks `plan` and writes it into `row` (whose dates are the stored
/// ones, for a change): a segment of another organization is NOT_FOUND, a
/// limit out of range or an end before the start BAD_USER_INPUT.
async fn apply_plan(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    row: &mut campaigns::ActiveModel,
    plan: CampaignPlan,
) -> AppResult<()> {
    use switchboard_domain::campaign;
    if let Some(id) = plan.segment_id {
        segments::Entity::find_by_id(id)
            .filter(segments::Column::OrganizationId.eq(organization_id))
            .one(db)
            .await?
            .ok_or_else(|| AppError::not_found("segment", id))?;
        row.segment_id = Set(Some(id));
    }
    if let Some(n) = plan.max_concurrent_calls {
        row.max_concurrent_calls = Set(Some(campaign::concurrent_calls(n)?));
    }
    if let Some(n) = plan.calls_per_minute {
        row.calls_per_minute = Set(Some(campaign::calls_per_minute(n)?));
    }
    if let Some(n) = plan.max_attempts {
        row.max_attempts = Set(campaign::attempts(n)?);
    }
    if let Some(n) = plan.retry_after_minutes {
        row.retry_after_minutes = Set(campaign::retry_after_minutes(n)?);
    }
    if let Some(at) = plan.starts_at {
        row.starts_at = Set(Some(at));
    }
    if let Some(at) = plan.ends_at {
        row.ends_at = Set(Some(at));
    }
    let stored = |value: &sea_orm::ActiveValue<Option<DateTime<Utc>>>| match value {
        sea_orm::ActiveValue::Set(v) | sea_orm::ActiveValue::Unchanged(v) => *v,
        sea_orm::ActiveValue::NotSet => None,
    };
    if let (Some(start), Some(end)) = (stored(&row.starts_at), stored(&row.ends_at))
        && end <= start
    {
        return Err(AppError::bad_input(
            "endsAt",
            "the end comes after the start",
        ));
    }
    Ok(())
}

/// Reads one end of a calling window, keyed by its field.
fn time_of_day(field: &str, text: Option<&str>) -> AppResult<Option<NaiveTime>> {
    Ok(text
        .map(TimeOfDay::parse)
        .transpose()
        .map_err(|e| e.at(field))?
        .map(TimeOfDay::time))
}

/// Creates a campaign. Its window has both ends or neither, the end after
/// the start (refused as `callingWindowEnd`); its agent and number belong
/// to the organization (NOT_FOUND otherwise); a name taken is CONFLICT.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn create_campaign(
    app: &App,
    viewer: Viewer,
    input: NewCampaign,
) -> AppResult<campaigns::Model> {
    let start = time_of_day("callingWindowStart", input.calling_window_start.as_deref())?;
    let end = time_of_day("callingWindowEnd", input.calling_window_end.as_deref())?;
    CallingHours::parse(start, end)?;
    let timezone = input
        .timezone
        .as_deref()
        .map(TimeZone::parse)
        .transpose()?
        .map(|z| z.name().to_owned());
    let org = viewer.organization_id;
    let write = app.begin_write().await?;
    if let Some(agent) = input.agent_id {
        find_agent(&*write, org, agent).await?;
    }
    if let Some(number) = input.phone_number_id {
        find_phone_number(&*write, org, number).await?;
    }
    let title = Name::parse_setup(&input.name)?.into_string();
    let now = Utc::now();
    let mut row = campaigns::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        name: Set(title.clone()),
        description: Set(input.description),
        call_type: Set(input.call_type),
        agent_id: Set(input.agent_id),
        phone_number_id: Set(input.phone_number_id),
        status: Set(input.status),
        calling_window_start: Set(start),
        calling_window_end: Set(end),
        timezone: Set(timezone),
        starts_at: Set(None),
        ends_at: Set(None),
        segment_id: Set(None),
        max_concurrent_calls: Set(None),
        calls_per_minute: Set(None),
        max_attempts: Set(1),
        retry_after_minutes: Set(240),
        created_by: Set(Some(viewer.user_id)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    apply_plan(&*write, org, &mut row, input.plan).await?;
    // Created running, it takes its segment's leads as a started one does.
    row.status = Set(CampaignStatus::Draft);
    let campaign = row.insert(&*write).await.map_err(|e| {
        conflict(
            e,
            "name",
            format!("a campaign named `{title}` already exists"),
        )
    })?;
    let campaign = match input.status {
        CampaignStatus::Draft => campaign,
        status => set_status(&write, viewer.into(), campaign, status, now).await?,
    };
    write.commit().await?;
    Ok(campaign)
}

/// Changes a campaign. A new end of the window is checked against the
/// stored other end.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, campaign_id = %id))]
pub async fn update_campaign(
    app: &App,
    viewer: Viewer,
    id: Uuid,
    changes: CampaignChanges,
) -> AppResult<campaigns::Model> {
    let org = viewer.organization_id;
    let write = app.begin_write().await?;
    let campaign = campaigns::Entity::find_by_id(id)
        .filter(campaigns::Column::OrganizationId.eq(org))
        .one(&*write)
        .await?
        .ok_or_else(|| AppError::not_found("campaign", id))?;
    let start = time_of_day(
        "callingWindowStart",
        changes.calling_window_start.as_deref(),
    )?
    .or(campaign.calling_window_start);
    let end = time_of_day("callingWindowEnd", changes.calling_window_end.as_deref())?
        .or(campaign.calling_window_end);
    CallingHours::parse(start, end)?;
    let status = changes.status.filter(|s| *s != campaign.status);
    let mut row: campaigns::ActiveModel = campaign.into();
    row.calling_window_start = Set(start);
    row.calling_window_end = Set(end);
    if let Some(name) = &changes.name {
        row.name = Set(Name::parse_setup(name)?.into_string());
    }
    if let Some(text) = changes.description {
        row.description = Set(description(text));
    }
    if let Some(zone) = &changes.timezone {
        row.timezone = Set(Some(TimeZone::parse(zone)?.name().to_owned()));
    }
    if let Some(agent) = changes.agent_id {
        find_agent(&*write, org, agent).await?;
        row.agent_id = Set(Some(agent));
    }
    if let Some(number) = changes.phone_number_id {
        find_phone_number(&*write, org, number).await?;
        row.phone_number_id = Set(Some(number));
    }
    apply_plan(&*write, org, &mut row, changes.plan).await?;
    let now = Utc::now();
    row.updated_at = Set(now);
    let campaign = row
        .update(&*write)
        .await
        .map_err(|e| conflict(e, "name", "a campaign with that name already exists".into()))?;
    // A status change has the meaning starting or pausing gives it.
    let campaign = match status {
        Some(to) => set_status(&write, viewer.into(), campaign, to, now).await?,
        None => campaign,
    };
    write.commit().await?;
    Ok(campaign)
}

/// Pauses a campaign.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, campaign_id = %id))]
pub async fn deactivate_campaign(
    app: &App,
    viewer: Viewer,
    id: Uuid,
) -> AppResult<campaigns::Model> {
    let changes = CampaignChanges {
        status: Some(CampaignStatus::Paused),
        ..CampaignChanges::default()
    };
    update_campaign(app, viewer, id, changes).await
}

/// A new number calls are made from.
#[derive(Debug, Clone)]
pub struct NewPhoneNumber {
    pub name: String,
    /// Any common format; stored in E.164.
    pub phone_number: String,
    pub provider: TelephonyProvider,
    pub provider_phone_number_id: Option<String>,
    /// A member of the organization.
    pub assigned_to_id: Option<Uuid>,
    /// Calls it carries at once (1 to 1,000); without it, no limit of its own.
    pub max_concurrent_calls: Option<i32>,
}

/// Changes to a number; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PhoneNumberChanges {
    pub name: Option<String>,
    pub assigned_to_id: Option<Uuid>,
    pub max_concurrent_calls: Option<i32>,
}

async fn find_phone_number(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<phone_numbers::Model> {
    phone_numbers::Entity::find_by_id(id)
        .filter(phone_numbers::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("phone number", id))
}

/// Adds a number, active. A number active anywhere already is CONFLICT on
/// `phoneNumber`; the assignee must be a member (`assignedToId`).
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn create_phone_number(
    app: &App,
    viewer: Viewer,
    input: NewPhoneNumber,
) -> AppResult<phone_numbers::Model> {
    let org = viewer.organization_id;
    let write = app.begin_write().await?;
    let number = phone_of_organization(&*write, org, &input.phone_number)
        .await?
        .into_string();
    if let Some(user) = input.assigned_to_id {
        require_member(&*write, org, "assignedToId", user).await?;
    }
    let name = Name::parse_setup(&input.name)?.into_string();
    let limit = input
        .max_concurrent_calls
        .map(switchboard_domain::campaign::concurrent_calls)
        .transpose()?;
    let now = Utc::now();
    let row = phone_numbers::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        name: Set(name),
        phone_number: Set(number.clone()),
        provider: Set(input.provider),
        provider_phone_number_id: Set(input.provider_phone_number_id),
        assigned_to_user_id: Set(input.assigned_to_id),
        created_by: Set(Some(viewer.user_id)),
        is_active: Set(true),
        max_concurrent_calls: Set(limit),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*write)
    .await
    .map_err(|e| conflict(e, "phoneNumber", format!("{number} is already in use")))?;
    write.commit().await?;
    Ok(row)
}

/// Renames or reassigns a number.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, phone_number_id = %id))]
pub async fn update_phone_number(
    app: &App,
    viewer: Viewer,
    id: Uuid,
    changes: PhoneNumberChanges,
) -> AppResult<phone_numbers::Model> {
    let org = viewer.organization_id;
    let write = app.begin_write().await?;
    let number = find_phone_number(&*write, org, id).await?;
    let mut row: phone_numbers::ActiveModel = number.into();
    if let Some(name) = &changes.name {
        row.name = Set(Name::parse_setup(name)?.into_string());
    }
    if let Some(user) = changes.assigned_to_id {
        require_member(&*write, org, "assignedToId", user).await?;
        row.assigned_to_user_id = Set(Some(user));
    }
    if let Some(n) = changes.max_concurrent_calls {
        let limit = switchboard_domain::campaign::concurrent_calls(n)?;
        row.max_concurrent_calls = Set(Some(limit));
    }
    row.updated_at = Set(Utc::now());
    let number = row.update(&*write).await?;
    write.commit().await?;
    Ok(number)
}

/// Retires a number; the same number may then be added again.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, phone_number_id = %id))]
pub async fn deactivate_phone_number(
    app: &App,
    viewer: Viewer,
    id: Uuid,
) -> AppResult<phone_numbers::Model> {
    let write = app.begin_write().await?;
    let number = find_phone_number(&*write, viewer.organization_id, id).await?;
    let mut row: phone_numbers::ActiveModel = number.into();
    row.is_active = Set(false);
    row.updated_at = Set(Utc::now());
    let number = row.update(&*write).await?;
    write.commit().await?;
    Ok(number)
}

/// The organization's agents by name; inactive ones too if `include_inactive`.
pub async fn agents(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    include_inactive: bool,
) -> AppResult<Vec<agents::Model>> {
    let mut select =
        agents::Entity::find().filter(agents::Column::OrganizationId.eq(organization_id));
    if !include_inactive {
        select = select.filter(agents::Column::IsActive.eq(true));
    }
    Ok(select.order_by_asc(agents::Column::Name).all(db).await?)
}

/// The organization's campaigns by name.
pub async fn campaigns(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
) -> AppResult<Vec<campaigns::Model>> {
    Ok(campaigns::Entity::find()
        .filter(campaigns::Column::OrganizationId.eq(organization_id))
        .order_by_asc(campaigns::Column::Name)
        .all(db)
        .await?)
}

/// The organization's phone numbers by name; inactive ones too if
/// `include_inactive`.
pub async fn phone_numbers(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    include_inactive: bool,
) -> AppResult<Vec<phone_numbers::Model>> {
    let mut select = phone_numbers::Entity::find()
        .filter(phone_numbers::Column::OrganizationId.eq(organization_id));
    if !include_inactive {
        select = select.filter(phone_numbers::Column::IsActive.eq(true));
    }
    Ok(select
        .order_by_asc(phone_numbers::Column::Name)
        .all(db)
        .await?)
}
