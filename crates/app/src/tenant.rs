//! The organization a member acts in, and the member themself, as they read
//! them (`viewer`, `organization`).

use sea_orm::{ConnectionTrait, EntityTrait};
use switchboard_entity::{organizations, users};

use crate::actor::Viewer;
use crate::error::{AppError, AppResult};

/// The viewer's organization.
pub async fn organization(
    db: &impl ConnectionTrait,
    viewer: Viewer,
) -> AppResult<organizations::Model> {
    let id = viewer.organization_id;
    organizations::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("organization", id))
}

/// The viewer's own user.
pub async fn user(db: &impl ConnectionTrait, viewer: Viewer) -> AppResult<users::Model> {
    let id = viewer.user_id;
    users::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("user", id))
}
