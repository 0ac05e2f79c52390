//! An SMS or email a nurture sequence sent a lead, or a message the lead
//! sent back: the record of what went through which provider.

use crate::enums::{MessageChannel, MessageDirection, MessageStatus};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `lead_messages`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "lead_messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub lead_id: Option<Uuid>,
    pub enrollment_id: Option<Uuid>,
    /// `sms` or `email`.
    pub channel: MessageChannel,
    pub direction: MessageDirection,
    /// The lead's number or address: where it went, or where it came from.
    #[sea_orm(column_type = "Text")]
    pub counterpart: String,
    #[sea_orm(column_type = "Text")]
    pub subject: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub body: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub template_id: Option<String>,
    /// `development`, `twilio` or `mailer`.
    #[sea_orm(column_type = "Text")]
    pub provider: String,
    #[sea_orm(column_type = "Text")]
    pub provider_message_id: Option<String>,
    pub status: MessageStatus,
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
        on_delete = "SetNull"
    )]
    Lead,
    #[sea_orm(
        belongs_to = "super::lead_sequence_enrollments::Entity",
        from = "Column::EnrollmentId",
        to = "super::lead_sequence_enrollments::Column::Id",
        on_delete = "SetNull"
    )]
    Enrollment,
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

impl Related<super::lead_sequence_enrollments::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enrollment.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
