//! A lead's enrollment in a nurture sequence (one per lead and sequence).

use crate::enums::EnrollmentStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `lead_sequence_enrollments`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "lead_sequence_enrollments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub lead_id: Uuid,
    pub sequence_id: Uuid,
    pub status: EnrollmentStatus,
    pub current_step: i32,
    pub next_step_at: Option<DateTimeUtc>,
    /// A JSON array.
    #[sea_orm(column_type = "JsonBinary")]
    pub executed_steps: Json,
    pub enrolled_by: Option<Uuid>,
    pub enrolled_at: DateTimeUtc,
    pub paused_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub cancelled_reason: Option<String>,
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
        belongs_to = "super::leads::Entity",
        from = "Column::LeadId",
        to = "super::leads::Column::Id",
        on_delete = "Cascade"
    )]
    Lead,
    #[sea_orm(
        belongs_to = "super::nurture_sequences::Entity",
        from = "Column::SequenceId",
        to = "super::nurture_sequences::Column::Id",
        on_delete = "Cascade"
    )]
    Sequence,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::EnrolledBy",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    EnrolledBy,
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

impl Related<super::nurture_sequences::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sequence.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EnrolledBy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
