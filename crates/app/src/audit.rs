//! The admin audit log (`admin_audit_log`, seed 004): every action of an
//! admin or owner — members, roles, invitations, the organization, credits,
//! webhook secrets — with
//! who did it, to whom, the details, and the request's address and user
//! agent. Written in the same transaction as the action, so an action that
//! rolls back leaves no entry.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use switchboard_entity::admin_audit_log;
use uuid::Uuid;

use crate::actor::{Actor, Viewer};
use crate::error::AppResult;
use crate::identity::Client;
use crate::query::list::{Keyset, List};
use crate::query::page::{Cursor, Direction, SortKey};

/// One audited action.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// What was done, `area.verb` (`member.invite`, `member.role_change`).
    pub action: &'a str,
    /// The kind of thing it was done to (`membership`, `organization`).
    pub resource_type: &'a str,
    pub resource_id: Option<Uuid>,
    /// The person it concerns, if any.
    pub target_user_id: Option<Uuid>,
    pub details: serde_json::Value,
}

/// Who did an audited action: a member, or the system (the CLI) in an
/// organization.
#[derive(Debug, Clone, Copy)]
pub struct By {
    pub organization_id: Uuid,
    pub user_id: Option<Uuid>,
}

impl From<Viewer> for By {
    fn from(viewer: Viewer) -> Self {
        Self {
            organization_id: viewer.organization_id,
            user_id: Some(viewer.user_id),
        }
    }
}

impl From<Actor> for By {
    fn from(actor: Actor) -> Self {
        Self {
            organization_id: actor.organization_id,
            user_id: actor.user_id(),
        }
    }
}

/// Records `entry` as done `by` someone from `client`.
pub async fn record(
    db: &impl ConnectionTrait,
    by: impl Into<By>,
    client: &Client,
    entry: Entry<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let by = by.into();
    admin_audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(Some(by.organization_id)),
        admin_user_id: Set(by.user_id),
        action: Set(entry.action.to_owned()),
        resource_type: Set(entry.resource_type.to_owned()),
        resource_id: Set(entry.resource_id.map(|id| id.to_string())),
        target_user_id: Set(entry.target_user_id),
        details: Set(entry.details),
        ip_address: Set(client.ip_address.clone()),
        user_agent: Set(client.user_agent.clone()),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The organization's audit log, to page through newest first.
pub fn entries(organization_id: Uuid) -> List<admin_audit_log::Entity> {
    List::new(
        admin_audit_log::Entity::find()
            .filter(admin_audit_log::Column::OrganizationId.eq(organization_id)),
    )
}

/// The audit log's order: newest first, the id breaking ties.
pub fn entry_keyset() -> Keyset<admin_audit_log::Column> {
    Keyset {
        sort: admin_audit_log::Column::CreatedAt,
        id: admin_audit_log::Column::Id,
        direction: Direction::Desc,
        tie_break: true,
        nullable: false,
    }
}

/// Where `entry` stands in the log.
pub fn entry_cursor(entry: &admin_audit_log::Model) -> Cursor {
    Cursor {
        key: SortKey::Time(entry.created_at),
        id: entry.id,
    }
}
