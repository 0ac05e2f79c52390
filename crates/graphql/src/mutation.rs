//! The mutation root: each mutation checks the role, validates, runs in one
//! transaction and returns the changed object.

use async_graphql::{Context, ID, InputObject, Json, Object};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ModelTrait, PaginatorTrait,
    QueryFilter,
};
use switchboard_entity::*;
use uuid::Uuid;

use crate::context::{self, Permission, require};
use crate::enums::*;
use crate::error::{ApiError, ApiResult, AppError, parse_id};
use crate::filter::{Compiler, LeadFilter, load_segments};
use crate::types::*;
use switchboard_app::events::{LeadChange, LeadEvent, Message, Outbox};
use switchboard_app::leads::segments::{self as segments_service, NewSegment, SegmentChanges};
use switchboard_app::leads::write::{self as service, LeadChanges, NewLead, begin_write};

/// The root of every mutation: the CRM's and the calls'.
#[derive(async_graphql::MergedObject, Default)]
pub struct MutationRoot(
    CrmMutations,
    crate::calls_api::CallMutations,
    crate::setup_api::SetupMutations,
    crate::ledger_api::LedgerMutations,
    crate::webhooks_api::WebhookMutations,
    crate::analytics_funnel::FunnelMutations,
    crate::analytics_targets::AnalyticsMutations,
);

/// The lead, DNC and segment mutations.
#[derive(Default)]
pub struct CrmMutations;

/// A new lead.
#[derive(InputObject)]
pub struct CreateLeadInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Any common format; stored in E.164 (national numbers take the organization's region).
    pub phone_number: String,
    pub email: Option<String>,
    pub company: Option<String>,
    /// Defaults to NEW (DNC when the number is on the DNC list, whatever is asked).
    pub status: Option<LeadStatus>,
    /// 0-100, default 0.
    pub lead_score: Option<i32>,
    /// At most 50 tags of 1 to 64 characters, trimmed; repeats are kept once.
    #[graphql(default)]
    pub tags: Vec<String>,
    pub source: Option<String>,
    pub sub_source: Option<String>,
    pub source_metadata: Option<Json<serde_json::Value>>,
    pub notes: Option<String>,
    /// IANA time zone, e.g. America/Chicago.
    pub timezone: Option<String>,
    pub owner_id: Option<ID>,
}

impl CreateLeadInput {
    /// The service's view of the input (ids parsed).
    pub fn into_new_lead(self) -> ApiResult<NewLead> {
        Ok(NewLead {
            first_name: self.first_name,
            last_name: self.last_name,
            phone_number: self.phone_number,
            email: self.email,
            company: self.company,
            status: self.status.map(Into::into),
            lead_score: self.lead_score,
            tags: self.tags,
            source: self.source,
            sub_source: self.sub_source,
            source_metadata: self.source_metadata.map(|j| j.0),
            notes: self.notes,
            timezone: self.timezone,
            owner_id: parse_opt_id("input.ownerId", self.owner_id)?,
        })
    }
}

/// Changes to a lead: omitted fields stay as they are; an empty string clears a text field.
#[derive(InputObject)]
pub struct UpdateLeadInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone_number: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    pub status: Option<LeadStatus>,
    pub lead_score: Option<i32>,
    pub source: Option<String>,
    pub sub_source: Option<String>,
    pub notes: Option<String>,
    pub timezone: Option<String>,
    pub owner_id: Option<ID>,
    /// Why the status changed, kept in its history.
    pub reason: Option<String>,
}

/// A number to add to the DNC list.
#[derive(InputObject)]
pub struct AddDncEntryInput {
    pub phone_number: String,
    pub reason: Option<String>,
    #[graphql(default_with = "DncSource::Manual")]
    pub source: DncSource,
    /// The opt-out phrase the AI heard.
    pub detected_phrase: Option<String>,
    /// After this the entry stops blocking calls (e.g. a 30-day cooling-off).
    pub expires_at: Option<DateTime<Utc>>,
}

/// A new segment.
#[derive(InputObject)]
pub struct CreateSegmentInput {
    pub name: String,
    pub description: Option<String>,
    pub filter: LeadFilter,
    #[graphql(default)]
    pub is_public: bool,
}

/// Changes to a segment.
#[derive(InputObject)]
pub struct UpdateSegmentInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub filter: Option<LeadFilter>,
    pub is_public: Option<bool>,
}

fn parse_opt_id(field: &str, id: Option<ID>) -> ApiResult<Option<Uuid>> {
    id.map(|id| parse_id(field, &id)).transpose()
}

/// Places a segment use case's refusal under the `input` argument, except
/// the filter's, which the API has always reported at `filter`.
fn segment_refusal(err: AppError) -> ApiError {
    match &err {
        AppError::BadUserInput(error) if error.field().starts_with("filter") => err.into(),
        _ => ApiError::from(err).under("input"),
    }
}

/// Commits a write to one lead, announcing it to `leadUpdated` subscribers.
async fn commit_lead(
    ctx: &Context<'_>,
    txn: sea_orm::DatabaseTransaction,
    lead: &leads::Model,
    change: LeadChange,
) -> ApiResult<()> {
    let outbox = Outbox::default();
    outbox.push(Message::Lead(LeadEvent {
        organization_id: lead.organization_id,
        lead_id: lead.id,
        change,
        occurred_at: lead.updated_at,
    }));
    context::bus(ctx)?.commit(txn, &outbox).await?;
    Ok(())
}

#[Object]
impl CrmMutations {
    /// Creates a lead. A duplicate phone is CONFLICT (with `existingId`); a number on the DNC list makes a lead with status DNC.
    async fn create_lead(&self, ctx: &Context<'_>, input: CreateLeadInput) -> ApiResult<Lead> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let new = input.into_new_lead()?;
        let txn = begin_write(context::db(ctx)?).await?;
        let lead = service::create_lead(&txn, viewer, new, Utc::now()).await?;
        commit_lead(ctx, txn, &lead, LeadChange::Created).await?;
        Ok(Lead(lead))
    }

    /// Updates a lead, recording each changed field in its audit log.
    async fn update_lead(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateLeadInput,
    ) -> ApiResult<Lead> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let lead_id = parse_id("id", &id)?;
        let changes = LeadChanges {
            first_name: input.first_name,
            last_name: input.last_name,
            phone_number: input.phone_number,
            email: input.email,
            company: input.company,
            status: input.status.map(Into::into),
            lead_score: input.lead_score,
            source: input.source,
            sub_source: input.sub_source,
            notes: input.notes,
            timezone: input.timezone,
            owner_id: parse_opt_id("input.ownerId", input.owner_id)?,
            reason: input.reason,
        };
        let txn = begin_write(context::db(ctx)?).await?;
        let lead = service::update_lead(&txn, viewer, lead_id, changes, Utc::now()).await?;
        commit_lead(ctx, txn, &lead, LeadChange::Updated).await?;
        Ok(Lead(lead))
    }

    /// Soft-deletes a lead; its number becomes free for a new lead.
    async fn delete_lead(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Lead> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let lead_id = parse_id("id", &id)?;
        let txn = begin_write(context::db(ctx)?).await?;
        let lead = service::delete_lead(&txn, viewer, lead_id, Utc::now()).await?;
        commit_lead(ctx, txn, &lead, LeadChange::Deleted).await?;
        Ok(Lead(lead))
    }

    /// Restores a soft-deleted lead (CONFLICT if its number was taken meanwhile).
    async fn restore_lead(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Lead> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let lead_id = parse_id("id", &id)?;
        let txn = begin_write(context::db(ctx)?).await?;
        let lead = service::restore_lead(&txn, viewer, lead_id, Utc::now()).await?;
        commit_lead(ctx, txn, &lead, LeadChange::Restored).await?;
        Ok(Lead(lead))
    }

    /// Adds tags to a lead (existing ones are kept once): at most 50 tags of
    /// 1 to 64 characters, and a lead keeps at most 50.
    async fn add_lead_tags(&self, ctx: &Context<'_>, id: ID, tags: Vec<String>) -> ApiResult<Lead> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let lead_id = parse_id("id", &id)?;
        let txn = begin_write(context::db(ctx)?).await?;
        let lead = service::change_tags(&txn, viewer, lead_id, &tags, &[], Utc::now()).await?;
        commit_lead(ctx, txn, &lead, LeadChange::Updated).await?;
        Ok(Lead(lead))
    }

    /// Removes tags from a lead (at most 50 tags of 1 to 64 characters).
    async fn remove_lead_tags(
        &self,
        ctx: &Context<'_>,
        id: ID,
        tags: Vec<String>,
    ) -> ApiResult<Lead> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let lead_id = parse_id("id", &id)?;
        let txn = begin_write(context::db(ctx)?).await?;
        let lead = service::change_tags(&txn, viewer, lead_id, &[], &tags, Utc::now()).await?;
        commit_lead(ctx, txn, &lead, LeadChange::Updated).await?;
        Ok(Lead(lead))
    }

    /// Puts a number on the DNC list (CONFLICT if it is there already).
    async fn add_dnc_entry(
        &self,
        ctx: &Context<'_>,
        input: AddDncEntryInput,
    ) -> ApiResult<DncEntry> {
        let viewer = require(ctx, Permission::Manage)?;
        let db = context::db(ctx)?;
        let txn = begin_write(db).await?;
        let phone = service::normalize_phone(
            &txn,
            viewer.organization_id,
            "input.phoneNumber",
            &input.phone_number,
        )
        .await?;
        if let Some(existing) = dnc_list::Entity::find()
            .filter(dnc_list::Column::OrganizationId.eq(viewer.organization_id))
            .filter(dnc_list::Column::PhoneNumber.eq(phone.as_str()))
            .one(&txn)
            .await?
        {
            return Err(AppError::Conflict {
                field: Some("input.phoneNumber".into()),
                message: format!("{phone} is already on the DNC list"),
                existing_id: Some(existing.id),
            }
            .into());
        }
        let now = Utc::now();
        let entry = dnc_list::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(viewer.organization_id),
            phone_number: Set(phone),
            reason: Set(input.reason),
            source: Set(input.source.into()),
            detected_phrase: Set(input.detected_phrase),
            call_id: Set(None),
            added_by: Set(Some(viewer.user_id)),
            expires_at: Set(input.expires_at),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(DncEntry(entry))
    }

    /// Takes an entry off the DNC list; returns the removed entry.
    async fn remove_dnc_entry(&self, ctx: &Context<'_>, id: ID) -> ApiResult<DncEntry> {
        let viewer = require(ctx, Permission::Manage)?;
        let entry_id = parse_id("id", &id)?;
        let txn = begin_write(context::db(ctx)?).await?;
        let entry = dnc_list::Entity::find_by_id(entry_id)
            .filter(dnc_list::Column::OrganizationId.eq(viewer.organization_id))
            .one(&txn)
            .await?
            .ok_or_else(|| ApiError::not_found("DNC entry", entry_id))?;
        entry.clone().delete(&txn).await?;
        txn.commit().await?;
        Ok(DncEntry(entry))
    }

    /// Saves a lead filter as a segment; the filter is validated by compiling it.
    async fn create_segment(
        &self,
        ctx: &Context<'_>,
        input: CreateSegmentInput,
    ) -> ApiResult<Segment> {
        let viewer = require(ctx, Permission::Manage)?;
        let new = NewSegment {
            name: input.name,
            description: input.description,
            filter: input.filter.to_ast()?,
            is_public: input.is_public,
        };
        let segment = segments_service::create_segment(context::app(ctx)?, viewer, new)
            .await
            .map_err(segment_refusal)?;
        Ok(Segment(segment))
    }

    /// Changes a segment.
    async fn update_segment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateSegmentInput,
    ) -> ApiResult<Segment> {
        let viewer = require(ctx, Permission::Manage)?;
        let segment_id = parse_id("id", &id)?;
        let changes = SegmentChanges {
            name: input.name,
            description: input.description,
            filter: input.filter.as_ref().map(LeadFilter::to_ast).transpose()?,
            is_public: input.is_public,
        };
        let segment =
            segments_service::update_segment(context::app(ctx)?, viewer, segment_id, changes)
                .await
                .map_err(segment_refusal)?;
        Ok(Segment(segment))
    }

    /// Deletes a segment; returns its id.
    async fn delete_segment(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        let viewer = require(ctx, Permission::Manage)?;
        let segment_id = parse_id("id", &id)?;
        segments_service::delete_segment(context::app(ctx)?, viewer, segment_id).await?;
        Ok(id)
    }

    /// Counts the leads a segment matches now and stores the count.
    async fn refresh_segment_count(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Segment> {
        let viewer = require(ctx, Permission::Read)?;
        let segment_id = parse_id("id", &id)?;
        let txn = begin_write(context::db(ctx)?).await?;
        let segment = segments::Entity::find_by_id(segment_id)
            .filter(segments::Column::OrganizationId.eq(viewer.organization_id))
            .one(&txn)
            .await?
            .ok_or_else(|| ApiError::not_found("segment", segment_id))?;
        let filter = segments_service::filter_of(&segment)?;
        let loaded = load_segments(&txn, viewer.organization_id, &filter).await?;
        let condition = Compiler {
            backend: txn.get_database_backend(),
            organization_id: viewer.organization_id,
            segments: &loaded,
        }
        .lead(&filter)?;
        let count = leads::Entity::find().filter(condition).count(&txn).await?;
        let mut row: segments::ActiveModel = segment.into();
        row.lead_count = Set(i32::try_from(count).unwrap_or(i32::MAX));
        row.lead_count_refreshed_at = Set(Some(Utc::now()));
        let segment = row.update(&txn).await?;
        txn.commit().await?;
        Ok(Segment(segment))
    }
}
