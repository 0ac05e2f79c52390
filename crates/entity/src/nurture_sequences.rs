//! A nurture sequence: ordered steps (JSON) run against enrolled leads.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `nurture_sequences`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "nurture_sequences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub description: Option<String>,
    /// A JSON array.
    #[sea_orm(column_type = "JsonBinary")]
    pub steps: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub trigger_conditions: Json,
    pub is_active: bool,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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
        belongs_to = "super::users::Entity",
        from = "Column::CreatedBy",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    CreatedBy,
    #[sea_orm(has_many = "super::lead_sequence_enrollments::Entity")]
    LeadSequenceEnrollments,
    #[sea_orm(has_many = "super::lead_status_history::Entity")]
    LeadStatusHistory,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CreatedBy.def()
    }
}

impl Related<super::lead_sequence_enrollments::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadSequenceEnrollments.def()
    }
}

impl Related<super::lead_status_history::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadStatusHistory.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
