//! The append-only log of a call's status changes and provider events. A
//! provider's event is stored once (`source`, `provider_event_id` is unique).

use crate::enums::{CallEventKind, CallEventSource, CallStatus};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `call_events`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "call_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub call_id: Uuid,
    pub kind: CallEventKind,
    pub from_status: Option<CallStatus>,
    /// Always set for `CallEventKind::StatusChanged`.
    pub to_status: Option<CallStatus>,
    pub source: CallEventSource,
    #[sea_orm(column_type = "Text")]
    pub provider_event_id: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub payload: Json,
    pub actor_user_id: Option<Uuid>,
    pub occurred_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    /// Its place in the organization's stream, in commit order: assigned by
    /// the writer's commit (`event_sequences`), null only before it.
    pub seq: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id",
        on_delete = "Cascade"
    )]
    Organization,
    #[sea_orm(
        belongs_to = "super::calls::Entity",
        from = "Column::CallId",
        to = "super::calls::Column::Id",
        on_delete = "Cascade"
    )]
    Call,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::ActorUserId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    Actor,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::calls::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Call.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Actor.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
