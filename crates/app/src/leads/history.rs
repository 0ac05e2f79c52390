//! The rows a lead write leaves behind: an audit row per change, and the
//! status, score and assignment histories that analytics and the lead's
//! timeline read.
//!
//! Written in the same transaction as the change they record, so a lead
//! never changes without its history, nor the other way round.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ConnectionTrait};
use serde_json::json;
use switchboard_entity::enums::{AssignmentStrategy, LeadAuditAction, LeadStatus, TriggerType};
use switchboard_entity::{
    lead_assignments, lead_audit_log, lead_score_history, lead_status_history, leads,
};
use uuid::Uuid;

use crate::actor::Viewer;
use crate::error::AppResult;
use crate::identity::Client;

/// Who changed a lead: a member (and, through the API, where their
/// request came from), or a call (a provider's webhook) with no member
/// behind it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ChangedBy<'a> {
    Member {
        user: Uuid,
        client: Option<&'a Client>,
    },
    Call(Uuid),
}

impl From<Viewer> for ChangedBy<'_> {
    fn from(viewer: Viewer) -> Self {
        Self::Member {
            user: viewer.user_id,
            client: None,
        }
    }
}

impl<'a> From<(Viewer, &'a Client)> for ChangedBy<'a> {
    fn from((viewer, client): (Viewer, &'a Client)) -> Self {
        Self::Member {
            user: viewer.user_id,
            client: Some(client),
        }
    }
}

impl<'a> ChangedBy<'a> {
    fn user(self) -> Option<Uuid> {
        match self {
            Self::Member { user, .. } => Some(user),
            Self::Call(_) => None,
        }
    }

    fn client(self) -> Option<&'a Client> {
        match self {
            Self::Member { client, .. } => client,
            Self::Call(_) => None,
        }
    }
}

/// One audit row: the action, and for an update the field with its old
/// and new value.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn audit<'a>(
    db: &impl ConnectionTrait,
    lead: &leads::Model,
    by: impl Into<ChangedBy<'a>>,
    action: LeadAuditAction,
    field: Option<&str>,
    old: Option<serde_json::Value>,
    new: Option<serde_json::Value>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let by = by.into();
    lead_audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(lead.organization_id),
        lead_id: Set(lead.id),
        user_id: Set(by.user()),
        action: Set(action),
        field_name: Set(field.map(str::to_owned)),
        old_value: Set(old),
        new_value: Set(new),
        change_reason: match by {
            ChangedBy::Member { .. } => NotSet,
            ChangedBy::Call(_) => Set(Some("Recorded from a call".to_owned())),
        },
        ip_address: Set(by.client().and_then(|c| c.ip_address.clone())),
        user_agent: Set(by.client().and_then(|c| c.user_agent.clone())),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A status change (`from` is `None` for a new lead), triggered manually
/// by a member or by a call.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn status_history<'a>(
    db: &impl ConnectionTrait,
    lead: &leads::Model,
    by: impl Into<ChangedBy<'a>>,
    from: Option<LeadStatus>,
    to: LeadStatus,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let by = by.into();
    let (trigger, call) = match by {
        ChangedBy::Member { .. } => (TriggerType::Manual, None),
        ChangedBy::Call(call) => (TriggerType::Call, Some(call)),
    };
    lead_status_history::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(lead.organization_id),
        lead_id: Set(lead.id),
        from_status: Set(from),
        to_status: Set(to),
        trigger_type: Set(trigger),
        call_id: Set(call),
        sequence_id: Set(None),
        changed_by: Set(by.user()),
        reason: Set(Some(reason.to_owned())),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A score change made by a member.
pub(crate) async fn score_history(
    db: &impl ConnectionTrait,
    lead: &leads::Model,
    viewer: Viewer,
    old: Option<i32>,
    new: i32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    lead_score_history::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(lead.organization_id),
        lead_id: Set(lead.id),
        old_score: Set(old),
        new_score: Set(new),
        trigger_type: Set(TriggerType::Manual),
        call_id: Set(None),
        changed_by: Set(Some(viewer.user_id)),
        reason: Set(None),
        created_at: Set(now),
        breakdown: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A manual change of owner made by a member.
pub(crate) async fn assignment(
    db: &impl ConnectionTrait,
    lead: &leads::Model,
    viewer: Viewer,
    from: Option<Uuid>,
    to: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    lead_assignments::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(lead.organization_id),
        lead_id: Set(lead.id),
        from_user_id: Set(from),
        to_user_id: Set(to),
        strategy: Set(AssignmentStrategy::Manual),
        assigned_by: Set(Some(viewer.user_id)),
        reason: Set(None),
        metadata: Set(json!({})),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}
