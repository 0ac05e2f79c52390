//! Who acts: a member through the API, a provider through its webhook, or
//! the system itself.
//!
//! The transports authenticate (a bearer token, a webhook signature) and hand
//! the use cases a [`Viewer`] (reads) or an [`Actor`] (writes); every read
//! and write is then scoped by its organization. An [`Actor`] only says who
//! acts: the events a write causes go to its [`crate::Write`].

use switchboard_entity::enums::{CallEventSource, MemberRole};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// What a transport found out about the caller of a request.
#[derive(Debug, Clone)]
pub enum Auth {
    /// An active member, acting in one organization.
    Member(Viewer),
    /// No token, or one that was refused, with the reason.
    Anonymous(String),
}

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

/// Who makes a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// A member through the API.
    Member { user_id: Uuid, role: MemberRole },
    /// A provider reporting a call through its webhook.
    Provider(CallEventSource),
    /// Switchboard itself (a job, the CLI), with no member behind it.
    System,
}

/// Who makes a write, in which organization.
///
/// What the histories record follows from it: a `call_events` row takes
/// [`Actor::source`] and [`Actor::user_id`]; a lead's audit and status
/// history record a member's change as theirs (trigger `manual`, their user
/// id) and a provider's or the system's as coming from the call it concerns
/// (trigger `call`, no user): [`Actor::is_member`] tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub organization_id: Uuid,
    pub who: Who,
    /// Whether the write keeps the analytics rollups (always, but for the
    /// benchmark that measures what they cost).
    pub maintain_rollups: bool,
}

impl Actor {
    /// A member writing through the API.
    pub fn member(viewer: Viewer) -> Self {
        Self::new(
            viewer.organization_id,
            Who::Member {
                user_id: viewer.user_id,
                role: viewer.role,
            },
        )
    }

    /// A provider reporting through its webhook.
    pub fn provider(organization_id: Uuid, source: CallEventSource) -> Self {
        Self::new(organization_id, Who::Provider(source))
    }

    /// Switchboard itself.
    pub fn system(organization_id: Uuid) -> Self {
        Self::new(organization_id, Who::System)
    }

    fn new(organization_id: Uuid, who: Who) -> Self {
        Self {
            organization_id,
            who,
            maintain_rollups: true,
        }
    }

    /// The same actor, leaving the analytics rollups alone (for the
    /// benchmark that measures what keeping them costs).
    #[must_use]
    pub fn without_rollups(mut self) -> Self {
        self.maintain_rollups = false;
        self
    }

    /// The member, when a member acts.
    pub fn user_id(&self) -> Option<Uuid> {
        match self.who {
            Who::Member { user_id, .. } => Some(user_id),
            Who::Provider(_) | Who::System => None,
        }
    }

    /// Whether a member acts (rather than a provider or the system).
    pub fn is_member(&self) -> bool {
        matches!(self.who, Who::Member { .. })
    }

    /// The `call_events.source` of what this actor writes: `api` for a
    /// member, the provider's own, or `system`.
    pub fn source(&self) -> CallEventSource {
        match self.who {
            Who::Member { .. } => CallEventSource::Api,
            Who::Provider(source) => source,
            Who::System => CallEventSource::System,
        }
    }
}

/// `member:<user id>`, `provider:<source>` or `system`, for logs.
impl std::fmt::Display for Who {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Member { user_id, .. } => write!(f, "member:{user_id}"),
            Self::Provider(source) => write!(f, "provider:{}", source.as_str()),
            Self::System => f.write_str("system"),
        }
    }
}

impl From<Viewer> for Actor {
    fn from(viewer: Viewer) -> Self {
        Self::member(viewer)
    }
}

/// What a role may do, in increasing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

    fn viewer() -> Viewer {
        Viewer {
            user_id: Uuid::nil(),
            organization_id: Uuid::max(),
            role: MemberRole::Agent,
            timezone: chrono_tz::Tz::UTC,
        }
    }

    #[test]
    fn a_member_writes_through_the_api_as_themself() {
        let actor = Actor::from(viewer());
        assert_eq!(actor.organization_id, Uuid::max());
        assert_eq!(actor.user_id(), Some(Uuid::nil()));
        assert!(actor.is_member());
        assert_eq!(actor.source(), CallEventSource::Api);
        assert!(actor.maintain_rollups);
        assert_eq!(actor.who.to_string(), format!("member:{}", Uuid::nil()));
    }

    #[test]
    fn a_provider_and_the_system_write_with_no_member_behind_them() {
        let provider = Actor::provider(Uuid::max(), CallEventSource::Vapi);
        assert_eq!(provider.user_id(), None);
        assert!(!provider.is_member());
        assert_eq!(provider.source(), CallEventSource::Vapi);
        assert_eq!(provider.who.to_string(), "provider:vapi");
        let system = Actor::system(Uuid::max()).without_rollups();
        assert_eq!(system.source(), CallEventSource::System);
        assert_eq!(system.user_id(), None);
        assert!(!system.maintain_rollups);
        assert_eq!(system.who.to_string(), "system");
    }
}
