//! A change of a lead's score, and what triggered it.

use crate::enums::TriggerType;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `lead_score_history`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "lead_score_history")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub lead_id: Uuid,
    pub old_score: Option<i32>,
    pub new_score: i32,
    pub trigger_type: TriggerType,
    pub call_id: Option<Uuid>,
    pub changed_by: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub reason: Option<String>,
    pub created_at: DateTimeUtc,
    /// The parts and weights behind a computed score; none for one set by hand.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub breakdown: Option<Json>,
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
        belongs_to = "super::calls::Entity",
        from = "Column::CallId",
        to = "super::calls::Column::Id",
        on_delete = "SetNull"
    )]
    Call,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::ChangedBy",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    ChangedBy,
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

impl Related<super::calls::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Call.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ChangedBy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
