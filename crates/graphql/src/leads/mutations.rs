//! The lead, tag, DNC and segment mutations: each
//! checks the role, reads its arguments into the application's input, runs
//! one use case (one transaction, which announces its own events) and
//! returns the changed object.

use async_graphql::{Context, ID, InputObject, Json, Object};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::identity::client;
use crate::shared::context::{self, Permission, require};
use crate::shared::enums::*;
use crate::shared::error::{ApiError, ApiResult, AppError, UnderArgument, parse_id};
use crate::shared::filter::LeadFilter;
use crate::types::*;
use switchboard_app::leads::dnc::{self, NewDncEntry};
use switchboard_app::leads::segments::{self as segments_service, NewSegment, SegmentChanges};
use switchboard_app::leads::write::{self as leads_write, LeadChanges, NewLead};

/// The lead, DNC and segment mutations.
#[derive(Default)]
pub struct CrmMutations;

/// A new lead.
#[derive(InputObject)]
pub struct CreateLeadInput {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Any common format; stored in E.164 (national numbers take the organization's region).
    pub phone_number: String,
    /// Email address (checked for a plausible form).
    pub email: Option<String>,
    /// The company the lead works for.
    pub company: Option<String>,
    /// Defaults to NEW (DNC when the number is on the DNC list, whatever is asked).
    pub status: Option<LeadStatus>,
    /// How promising the lead is, 0-100; default 0.
    pub lead_score: Option<i32>,
    /// At most 50 tags of 1 to 64 characters, trimmed; repeats are kept once.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Where the lead came from (e.g. `facebook_ads`); Meta sources make its calls META traffic.
    pub source: Option<String>,
    /// A finer source within `source`.
    pub sub_source: Option<String>,
    /// Attribution details such as UTM parameters, as a JSON object.
    pub source_metadata: Option<Json<serde_json::Value>>,
    /// Free-form notes.
    pub notes: Option<String>,
    /// IANA time zone, e.g. America/Chicago.
    pub timezone: Option<String>,
    /// The user responsible for the lead: a member of the organization.
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
    /// New given name.
    pub first_name: Option<String>,
    /// New family name.
    pub last_name: Option<String>,
    /// New number, any common format; CONFLICT if another live lead has it.
    pub phone_number: Option<String>,
    /// New email address.
    pub email: Option<String>,
    /// New company.
    pub company: Option<String>,
    /// New status; the change is kept in the status history with `reason`.
    pub status: Option<LeadStatus>,
    /// New score, 0-100; the change is kept in the score history.
    pub lead_score: Option<i32>,
    /// New source.
    pub source: Option<String>,
    /// New sub-source.
    pub sub_source: Option<String>,
    /// New notes.
    pub notes: Option<String>,
    /// New IANA time zone.
    pub timezone: Option<String>,
    /// New owner, a member of the organization (recorded as an assignment); an owner cannot be removed here.
    pub owner_id: Option<ID>,
    /// Why the status changed, kept in its history.
    pub reason: Option<String>,
}

/// A number to add to the DNC list.
#[derive(InputObject)]
pub struct AddDncEntryInput {
    /// The number, any common format (national numbers take the organization's region).
    pub phone_number: String,
    /// Why the number is blocked.
    pub reason: Option<String>,
    /// How the number came onto the list; default MANUAL.
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
    /// 1 to 200 characters, unique in the organization.
    pub name: String,
    /// What the segment is for.
    pub description: Option<String>,
    /// The leads it selects; compiled first, so a segment that cannot run is refused.
    pub filter: LeadFilter,
    /// Whether the segment is shared with the team; default false.
    #[graphql(default)]
    pub is_public: bool,
}

/// Changes to a segment.
#[derive(InputObject)]
pub struct UpdateSegmentInput {
    /// New name, 1 to 200 characters, unique in the organization.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New filter (validated as on creation); the stored count is not refreshed.
    pub filter: Option<LeadFilter>,
    /// Whether the segment is shared with the team.
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

/// Places `updateLead`'s error keys: the lead's own (`id`) stays an
/// argument, the changes' go under `input`.
fn under_input_but_id(err: AppError) -> ApiError {
    let is_id = match &err {
        AppError::BadUserInput(error) => error.field() == "id",
        AppError::Conflict { field, .. } => field.as_deref() == Some("id"),
        _ => false,
    };
    if is_id {
        ApiError(err)
    } else {
        ApiError(err).under("input")
    }
}

#[Object]
impl CrmMutations {
    /// Creates a lead. A duplicate phone is CONFLICT (with `existingId`); a number on the DNC list makes a lead with status DNC.
    async fn create_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead to create.")] input: CreateLeadInput,
    ) -> ApiResult<Lead> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let new = input.into_new_lead()?;
        let lead = leads_write::create_lead(context::app(ctx)?, viewer, &client(ctx), new)
            .await
            .under("input")?;
        Ok(Lead::new(lead))
    }

    /// Updates a lead, recording each changed field in its audit log.
    async fn update_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead's id (a live lead).")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateLeadInput,
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
        let lead =
            leads_write::update_lead(context::app(ctx)?, viewer, &client(ctx), lead_id, changes)
                .await
                .map_err(under_input_but_id)?;
        Ok(Lead::new(lead))
    }

    /// Soft-deletes a lead; its number becomes free for a new lead.
    async fn delete_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead's id.")] id: ID,
    ) -> ApiResult<Lead> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let lead_id = parse_id("id", &id)?;
        let lead =
            leads_write::delete_lead(context::app(ctx)?, viewer, &client(ctx), lead_id).await?;
        Ok(Lead::new(lead))
    }

    /// Restores a soft-deleted lead (CONFLICT if its number was taken meanwhile).
    async fn restore_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The soft-deleted lead's id.")] id: ID,
    ) -> ApiResult<Lead> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let lead_id = parse_id("id", &id)?;
        let lead =
            leads_write::restore_lead(context::app(ctx)?, viewer, &client(ctx), lead_id).await?;
        Ok(Lead::new(lead))
    }

    /// Adds tags to a lead (existing ones are kept once): at most 50 tags of
    /// 1 to 64 characters, and a lead keeps at most 50.
    async fn add_lead_tags(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead's id.")] id: ID,
        #[graphql(desc = "The tags to add.")] tags: Vec<String>,
    ) -> ApiResult<Lead> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let lead_id = parse_id("id", &id)?;
        let lead =
            leads_write::add_lead_tags(context::app(ctx)?, viewer, &client(ctx), lead_id, &tags)
                .await?;
        Ok(Lead::new(lead))
    }

    /// Removes tags from a lead (at most 50 tags of 1 to 64 characters).
    async fn remove_lead_tags(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead's id.")] id: ID,
        #[graphql(desc = "The tags to remove; tags the lead lacks are ignored.")] tags: Vec<String>,
    ) -> ApiResult<Lead> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let lead_id = parse_id("id", &id)?;
        let app = context::app(ctx)?;
        let lead = leads_write::remove_lead_tags(app, viewer, &client(ctx), lead_id, &tags).await?;
        Ok(Lead::new(lead))
    }

    /// Puts a number on the DNC list (CONFLICT if it is there already).
    async fn add_dnc_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The number and why.")] input: AddDncEntryInput,
    ) -> ApiResult<DncEntry> {
        let viewer = require(ctx, Permission::Manage)?;
        let new = NewDncEntry {
            phone_number: input.phone_number,
            reason: input.reason,
            source: input.source.into(),
            detected_phrase: input.detected_phrase,
            expires_at: input.expires_at,
        };
        let entry = dnc::add_dnc_entry(context::app(ctx)?, viewer, new)
            .await
            .under("input")?;
        Ok(DncEntry(entry))
    }

    /// Takes an entry off the DNC list; returns the removed entry.
    async fn remove_dnc_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry's id.")] id: ID,
    ) -> ApiResult<DncEntry> {
        let viewer = require(ctx, Permission::Manage)?;
        let entry_id = parse_id("id", &id)?;
        let entry = dnc::remove_dnc_entry(context::app(ctx)?, viewer, entry_id).await?;
        Ok(DncEntry(entry))
    }

    /// Saves a lead filter as a segment; the filter is validated by compiling it.
    async fn create_segment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The segment to save.")] input: CreateSegmentInput,
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
        #[graphql(desc = "The segment's id.")] id: ID,
        #[graphql(desc = "The fields to change; omitted ones stay.")] input: UpdateSegmentInput,
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
    async fn delete_segment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The segment's id.")] id: ID,
    ) -> ApiResult<ID> {
        let viewer = require(ctx, Permission::Manage)?;
        let segment_id = parse_id("id", &id)?;
        segments_service::delete_segment(context::app(ctx)?, viewer, segment_id).await?;
        Ok(id)
    }

    /// Counts the leads a segment matches now and stores the count.
    async fn refresh_segment_count(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The segment's id.")] id: ID,
    ) -> ApiResult<Segment> {
        let viewer = require(ctx, Permission::Read)?;
        let segment_id = parse_id("id", &id)?;
        let segment =
            segments_service::refresh_segment_count(context::app(ctx)?, viewer, segment_id).await?;
        Ok(Segment(segment))
    }
}
