//! What clients read of one call: the call, its transcript and its AI
//! analysis, each as it is now and only in the reader's organization (a
//! call of another organization reads as none).

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use switchboard_entity::{calls, lead_analytics, transcripts};
use uuid::Uuid;

use crate::error::AppResult;

/// A call of the organization, if there is one.
pub async fn call(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<Option<calls::Model>> {
    Ok(calls::Entity::find_by_id(id)
        .filter(calls::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?)
}

/// The transcript of a call of the organization, if it has one.
pub async fn transcript(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    call_id: Uuid,
) -> AppResult<Option<transcripts::Model>> {
    Ok(transcripts::Entity::find()
        .filter(transcripts::Column::OrganizationId.eq(organization_id))
        .filter(transcripts::Column::CallId.eq(call_id))
        .one(db)
        .await?)
}

/// The AI analysis of a call of the organization, if it has one.
pub async fn analysis(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    call_id: Uuid,
) -> AppResult<Option<lead_analytics::Model>> {
    Ok(lead_analytics::Entity::find()
        .filter(lead_analytics::Column::OrganizationId.eq(organization_id))
        .filter(lead_analytics::Column::CallId.eq(call_id))
        .one(db)
        .await?)
}
