//! The reads a lead write checks against: the organization's region (to
//! read a national number), a lead by id or by live phone, and membership
//! (an owner or an assignee must belong to the organization).
//!
//! Each works over any connection, so a use case runs them inside its own
//! transaction and sees what it has written so far.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use switchboard_domain::phone::E164;
use switchboard_entity::{leads, organization_memberships, organizations};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Reads `input` as a phone number of the organization's default region
/// (`US` when the organization is gone), keyed `phoneNumber`.
pub async fn phone_of_organization(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    input: &str,
) -> AppResult<E164> {
    let region = organizations::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .map_or_else(|| "US".to_owned(), |o| o.default_region);
    Ok(E164::parse_in_region(input, &region)?)
}

/// [`phone_of_organization`] as a string, with its error keyed `field`
/// (the form the call and webhook use cases read numbers in).
pub async fn normalize_phone(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    field: &str,
    input: &str,
) -> AppResult<String> {
    phone_of_organization(db, organization_id, input)
        .await
        .map(E164::into_string)
        .map_err(|err| match err {
            AppError::BadUserInput(error) => AppError::BadUserInput(error.at(field)),
            other => other,
        })
}

/// The live lead with `phone`, if any.
pub async fn live_lead_with_phone(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    phone: &str,
) -> AppResult<Option<leads::Model>> {
    Ok(leads::Entity::find()
        .filter(leads::Column::OrganizationId.eq(organization_id))
        .filter(leads::Column::PhoneNumber.eq(phone))
        .filter(leads::Column::DeletedAt.is_null())
        .one(db)
        .await?)
}

/// A lead of the organization (deleted or not), or NOT_FOUND.
pub async fn find_lead(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<leads::Model> {
    leads::Entity::find_by_id(id)
        .filter(leads::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("lead", id))
}

/// Checks that `user` is a member of the organization; a refusal is keyed `field`.
pub async fn require_member(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    field: &str,
    user: Uuid,
) -> AppResult<()> {
    let found = organization_memberships::Entity::find()
        .filter(organization_memberships::Column::OrganizationId.eq(organization_id))
        .filter(organization_memberships::Column::UserId.eq(user))
        .one(db)
        .await?;
    found.map(|_| ()).ok_or_else(|| {
        AppError::bad_input(
            field,
            format!("user `{user}` is not a member of this organization"),
        )
    })
}
