//! Who is asking: the authenticated member and their organization.
//!
//! The HTTP layer verifies the bearer token and the membership once per
//! request and puts an [`Auth`] in the request data; resolvers ask it for a
//! [`Viewer`] with at least the role they need. Every query is then scoped by
//! `viewer.organization_id`.

use async_graphql::Context;
use sea_orm::DatabaseConnection;
use switchboard_entity::enums::{CallEventSource, MemberRole};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::events::Outbox;

/// An authenticated, active member acting in one organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub role: MemberRole,
    /// The organization's time zone (its calendar for analytics), read
    /// with the membership.
    pub timezone: chrono_tz::Tz,
}

/// Who makes a write (a member through the API, or a provider through its
/// webhook) and the events the write will announce once it commits.
#[derive(Debug, Clone)]
pub struct Actor {
    pub organization_id: Uuid,
    /// The member, when a member writes.
    pub user_id: Option<Uuid>,
    /// Recorded on the `call_events` the write appends.
    pub source: CallEventSource,
    pub outbox: Outbox,
    /// Whether the write keeps the analytics rollups (always, but for the
    /// benchmark that measures what they cost).
    pub maintain_rollups: bool,
}

impl Actor {
    /// A member writing through the API.
    pub fn member(viewer: Viewer) -> Self {
        Self {
            organization_id: viewer.organization_id,
            user_id: Some(viewer.user_id),
            source: CallEventSource::Api,
            outbox: Outbox::default(),
            maintain_rollups: true,
        }
    }

    /// A provider reporting through its webhook.
    pub fn provider(organization_id: Uuid, source: CallEventSource) -> Self {
        Self {
            organization_id,
            user_id: None,
            source,
            outbox: Outbox::default(),
            maintain_rollups: true,
        }
    }
}

/// What the transport found out about the caller.
#[derive(Debug, Clone)]
pub enum Auth {
    Member(Viewer),
    /// No token, or one that was refused, with the reason.
    Anonymous(String),
}

/// What a role may do, in increasing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permission {
    /// Read everything in the organization.
    Read,
    /// Also write leads and calls.
    WriteLeadsAndCalls,
    /// Also manage segments, campaigns, agents, numbers, DNC and assignments.
    Manage,
    /// Also members and configuration.
    Administer,
}

impl Permission {
    /// The highest permission of a role.
    pub fn of(role: MemberRole) -> Self {
        match role {
            MemberRole::Viewer => Self::Read,
            MemberRole::Agent => Self::WriteLeadsAndCalls,
            MemberRole::Manager => Self::Manage,
            MemberRole::Admin | MemberRole::Owner => Self::Administer,
        }
    }
}

/// The viewer, if they hold `needed`.
pub fn require(ctx: &Context<'_>, needed: Permission) -> ApiResult<Viewer> {
    match ctx.data_opt::<Auth>() {
        Some(Auth::Member(viewer)) if Permission::of(viewer.role) >= needed => Ok(*viewer),
        Some(Auth::Member(viewer)) => Err(ApiError::Forbidden(format!(
            "a {} may not do this",
            viewer.role.as_str()
        ))),
        Some(Auth::Anonymous(reason)) => Err(ApiError::Unauthenticated(reason.clone())),
        None => Err(ApiError::Unauthenticated(
            "a bearer token is required".into(),
        )),
    }
}

/// The database pool of the schema.
pub fn db<'a>(ctx: &Context<'a>) -> ApiResult<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>().map_err(|_| {
        ApiError::Internal(sea_orm::DbErr::Custom("the schema has no database".into()))
    })
}

/// The event bus of this instance.
pub fn bus<'a>(ctx: &Context<'a>) -> ApiResult<&'a crate::events::EventBus> {
    ctx.data::<crate::events::EventBus>()
        .map_err(|_| ApiError::Internal(sea_orm::DbErr::Custom("no event bus".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_increasing_permissions() {
        assert!(Permission::of(MemberRole::Viewer) < Permission::WriteLeadsAndCalls);
        assert_eq!(
            Permission::of(MemberRole::Agent),
            Permission::WriteLeadsAndCalls
        );
        assert_eq!(Permission::of(MemberRole::Manager), Permission::Manage);
        assert_eq!(
            Permission::of(MemberRole::Owner),
            Permission::of(MemberRole::Admin)
        );
    }
}
