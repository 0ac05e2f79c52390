//! A change of a lead's owner, and the strategy that chose the new one.

use crate::enums::AssignmentStrategy;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `lead_assignments`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "lead_assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub lead_id: Uuid,
    pub from_user_id: Option<Uuid>,
    pub to_user_id: Option<Uuid>,
    pub strategy: AssignmentStrategy,
    pub assigned_by: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub reason: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub metadata: Json,
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
        from = "Column::FromUserId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    FromUser,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::ToUserId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    ToUser,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::AssignedBy",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    AssignedBy,
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

// `Related<users>` follows `to_user_id`, the new assignee; the other references
// are the `FromUser` (`from_user_id`) and `AssignedBy` (`assigned_by`)
// relations.
impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ToUser.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
