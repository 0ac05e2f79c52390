//! A change to a lead: created, a field updated, deleted or restored.

use crate::enums::LeadAuditAction;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `lead_audit_log`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "lead_audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub lead_id: Uuid,
    pub user_id: Option<Uuid>,
    pub action: LeadAuditAction,
    /// Always set for `LeadAuditAction::Update`.
    #[sea_orm(column_type = "Text")]
    pub field_name: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub old_value: Option<Json>,
    #[sea_orm(column_type = "JsonBinary")]
    pub new_value: Option<Json>,
    #[sea_orm(column_type = "Text")]
    pub change_reason: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub ip_address: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub user_agent: Option<String>,
    pub created_at: DateTimeUtc,
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
        belongs_to = "super::leads::Entity",
        from = "Column::LeadId",
        to = "super::leads::Column::Id",
        on_delete = "Cascade"
    )]
    Lead,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    User,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::leads::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lead.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
