//! Who acts: a member through the API, or a provider through its webhook.
//!
//! The transports authenticate (a bearer token, a webhook signature) and hand
//! the use cases a [`Viewer`] or an [`Actor`]; every read and write is then
//! scoped by its organization.

use switchboard_entity::enums::{CallEventSource, MemberRole};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
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

impl Viewer {
    /// The viewer, if their role grants `needed`; else FORBIDDEN.
    pub fn require(self, needed: Permission) -> AppResult<Self> {
        if Permission::of(self.role) >= needed {
            Ok(self)
        } else {
            Err(AppError::Forbidden(format!(
                "a {} may not do this",
                self.role.as_str()
            )))
        }
    }
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
