//! Saved segments: named lead filters a team shares.
//!
//! A segment stores its filter in the application's own versioned format
//! ([`crate::query::filter::stored`]), never in an API's input shape, so an
//! API can rename its fields without breaking saved segments. A filter is
//! validated by compiling it against the organization when it is saved, so
//! a stored segment can always be evaluated: the segments it names must
//! exist there, and with them expanded it must fit the filter budget.
//!
//! Refusals are keyed relative to the input (`name`), except the filter's,
//! which are keyed `filter` as every filter refusal is.

use chrono::Utc;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use switchboard_domain::text::Name;
use switchboard_entity::{leads, segments};
use uuid::Uuid;

use crate::actor::{Permission, Viewer};
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::query::filter::{LeadFilter, lead_condition, stored};

/// A new segment.
#[derive(Debug, Clone)]
pub struct NewSegment {
    pub name: String,
    pub description: Option<String>,
    pub filter: LeadFilter,
    pub is_public: bool,
}

/// Changes to a segment: `None` keeps a field; a blank description clears it.
#[derive(Debug, Clone, Default)]
pub struct SegmentChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub filter: Option<LeadFilter>,
    pub is_public: Option<bool>,
}

/// Compiles `filter` against the organization, as a list of its leads
/// would, and returns its stored form.
pub async fn validate_filter(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    filter: &LeadFilter,
) -> AppResult<serde_json::Value> {
    lead_condition(db, organization_id, filter).await?;
    stored::encode(filter)
}

/// The filter `segment` stores.
pub fn filter_of(segment: &segments::Model) -> AppResult<LeadFilter> {
    stored::decode(segment.id, &segment.filter)
}

/// A write refused by the unique `(organization_id, name)` index is a
/// CONFLICT on `name`; any other failure is internal.
fn segment_name_taken(err: DbErr, name: &str) -> AppError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            field: Some(Name::FIELD.into()),
            message: format!("a segment named `{name}` already exists"),
            existing_id: None,
        },
        _ => AppError::Internal(err),
    }
}

/// Saves a lead filter as a segment of the viewer's organization.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn create_segment(
    app: &App,
    viewer: Viewer,
    input: NewSegment,
) -> AppResult<segments::Model> {
    let name = Name::parse(&input.name)?.into_string();
    let write = app.begin_write().await?;
    let filter = validate_filter(&*write, viewer.organization_id, &input.filter).await?;
    let now = Utc::now();
    let segment = segments::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(viewer.organization_id),
        name: Set(name.clone()),
        description: Set(input.description),
        filter: Set(filter),
        is_public: Set(input.is_public),
        lead_count: Set(0),
        lead_count_refreshed_at: Set(None),
        created_by: Set(Some(viewer.user_id)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*write)
    .await
    .map_err(|e| segment_name_taken(e, &name))?;
    write.commit().await?;
    Ok(segment)
}

/// Changes a segment of the viewer's organization.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn update_segment(
    app: &App,
    viewer: Viewer,
    segment_id: Uuid,
    changes: SegmentChanges,
) -> AppResult<segments::Model> {
    let write = app.begin_write().await?;
    let segment = segments::Entity::find_by_id(segment_id)
        .filter(segments::Column::OrganizationId.eq(viewer.organization_id))
        .one(&*write)
        .await?
        .ok_or_else(|| AppError::not_found("segment", segment_id))?;
    let mut name = segment.name.clone();
    let mut row: segments::ActiveModel = segment.into();
    if let Some(new_name) = &changes.name {
        name = Name::parse(new_name)?.into_string();
        row.name = Set(name.clone());
    }
    if let Some(description) = changes.description {
        row.description = Set(Some(description).filter(|d| !d.trim().is_empty()));
    }
    if let Some(filter) = &changes.filter {
        row.filter = Set(validate_filter(&*write, viewer.organization_id, filter).await?);
    }
    if let Some(public) = changes.is_public {
        row.is_public = Set(public);
    }
    row.updated_at = Set(Utc::now());
    let segment = row
        .update(&*write)
        .await
        .map_err(|e| segment_name_taken(e, &name))?;
    write.commit().await?;
    Ok(segment)
}

/// Deletes a segment of the viewer's organization. Segments naming it are
/// left as they are: evaluating one is then NOT_FOUND.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn delete_segment(app: &App, viewer: Viewer, segment_id: Uuid) -> AppResult<()> {
    let write = app.begin_write().await?;
    let result = segments::Entity::delete_many()
        .filter(segments::Column::Id.eq(segment_id))
        .filter(segments::Column::OrganizationId.eq(viewer.organization_id))
        .exec(&*write)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::not_found("segment", segment_id));
    }
    write.commit().await?;
    Ok(())
}

/// Counts the leads a segment matches now and stores the count with the
/// time it was taken. Any member may refresh it: it only reads leads.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn refresh_segment_count(
    app: &App,
    viewer: Viewer,
    segment_id: Uuid,
) -> AppResult<segments::Model> {
    let write = app.begin_write().await?;
    let segment = segments::Entity::find_by_id(segment_id)
        .filter(segments::Column::OrganizationId.eq(viewer.organization_id))
        .one(&*write)
        .await?
        .ok_or_else(|| AppError::not_found("segment", segment_id))?;
    let filter = filter_of(&segment)?;
    let condition = lead_condition(&*write, viewer.organization_id, &filter).await?;
    let count = leads::Entity::find()
        .filter(condition)
        .count(&*write)
        .await?;
    let mut row: segments::ActiveModel = segment.into();
    row.lead_count = Set(i32::try_from(count).unwrap_or(i32::MAX));
    row.lead_count_refreshed_at = Set(Some(Utc::now()));
    let segment = row.update(&*write).await?;
    write.commit().await?;
    Ok(segment)
}

/// The segments `viewer` may see: every segment for managers and above;
/// for others the public ones and their own.
fn visible_to(viewer: Viewer) -> Condition {
    let all = Condition::all().add(segments::Column::OrganizationId.eq(viewer.organization_id));
    if Permission::of(viewer.role) >= Permission::Manage {
        return all;
    }
    all.add(
        Condition::any()
            .add(segments::Column::IsPublic.eq(true))
            .add(segments::Column::CreatedBy.eq(viewer.user_id)),
    )
}

/// Refuses a filter naming a segment `viewer` may not see (another
/// member's private segment, for an agent or a viewer) as NOT_FOUND, as
/// if it did not exist; one statement, none when it names no segment.
/// Segments nested in a visible one are its creator's to share.
pub async fn require_visible(
    db: &impl ConnectionTrait,
    viewer: Viewer,
    filter: &LeadFilter,
) -> AppResult<()> {
    let named = filter.named_segments();
    if named.is_empty() || Permission::of(viewer.role) >= Permission::Manage {
        return Ok(());
    }
    let hidden: Option<Uuid> = segments::Entity::find()
        .select_only()
        .column(segments::Column::Id)
        .filter(segments::Column::OrganizationId.eq(viewer.organization_id))
        .filter(segments::Column::Id.is_in(named))
        .filter(segments::Column::IsPublic.eq(false))
        .filter(
            Condition::any()
                .add(segments::Column::CreatedBy.ne(viewer.user_id))
                .add(segments::Column::CreatedBy.is_null()),
        )
        .into_tuple()
        .one(db)
        .await?;
    match hidden {
        Some(id) => Err(AppError::not_found("segment", id)),
        None => Ok(()),
    }
}

/// The organization's segments `viewer` may see, by name: a private
/// segment only to its creator and to managers and above.
pub async fn segments(
    db: &impl ConnectionTrait,
    viewer: Viewer,
) -> AppResult<Vec<segments::Model>> {
    Ok(segments::Entity::find()
        .filter(visible_to(viewer))
        .order_by_asc(segments::Column::Name)
        .all(db)
        .await?)
}

/// A segment of the organization `viewer` may see, if there is one.
pub async fn segment(
    db: &impl ConnectionTrait,
    viewer: Viewer,
    id: Uuid,
) -> AppResult<Option<segments::Model>> {
    Ok(segments::Entity::find_by_id(id)
        .filter(visible_to(viewer))
        .one(db)
        .await?)
}
