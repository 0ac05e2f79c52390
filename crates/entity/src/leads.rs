//! A prospect, with seed 004's contact fields folded in. One live lead per
//! phone number per organization; soft-deleted leads (`deleted_at`) free
//! their number.

use crate::enums::LeadStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `leads`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "leads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub owner_user_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub first_name: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub last_name: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub phone_number: String,
    #[sea_orm(column_type = "Text")]
    pub email: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub company: Option<String>,
    pub status: LeadStatus,
    /// 0-100.
    pub lead_score: i32,
    /// A JSON array.
    #[sea_orm(column_type = "JsonBinary")]
    pub tags: Json,
    #[sea_orm(column_type = "Text")]
    pub source: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub sub_source: Option<String>,
    /// A JSON object.
    #[sea_orm(column_type = "JsonBinary")]
    pub source_metadata: Json,
    #[sea_orm(column_type = "Text")]
    pub notes: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub timezone: Option<String>,
    pub last_contact_at: Option<DateTimeUtc>,
    pub is_auto_created: bool,
    /// The call that created this lead, when it was created automatically.
    pub auto_created_from_call_id: Option<Uuid>,
    /// Set when soft-deleted.
    pub deleted_at: Option<DateTimeUtc>,
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
        from = "Column::OwnerUserId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    Owner,
    #[sea_orm(
        belongs_to = "super::calls::Entity",
        from = "Column::AutoCreatedFromCallId",
        to = "super::calls::Column::Id",
        on_delete = "SetNull"
    )]
    AutoCreatedFromCall,
    #[sea_orm(has_many = "super::calls::Entity")]
    Calls,
    #[sea_orm(has_many = "super::lead_analytics::Entity")]
    LeadAnalytics,
    #[sea_orm(has_many = "super::follow_ups::Entity")]
    FollowUps,
    #[sea_orm(has_many = "super::lead_audit_log::Entity")]
    LeadAuditLog,
    #[sea_orm(has_many = "super::lead_sequence_enrollments::Entity")]
    LeadSequenceEnrollments,
    #[sea_orm(has_many = "super::lead_status_history::Entity")]
    LeadStatusHistory,
    #[sea_orm(has_many = "super::lead_score_history::Entity")]
    LeadScoreHistory,
    #[sea_orm(has_many = "super::lead_assignments::Entity")]
    LeadAssignments,
    #[sea_orm(has_one = "super::customers::Entity")]
    Customer,
    #[sea_orm(has_many = "super::messages::Entity")]
    Messages,
    #[sea_orm(has_many = "super::deals::Entity")]
    Deals,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Owner.def()
    }
}

// `Related<calls>` is the calls made to this lead (`calls.lead_id`); the call
// that auto-created the lead is the `AutoCreatedFromCall` relation.
impl Related<super::calls::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Calls.def()
    }
}

impl Related<super::lead_analytics::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadAnalytics.def()
    }
}

impl Related<super::follow_ups::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::FollowUps.def()
    }
}

impl Related<super::lead_audit_log::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadAuditLog.def()
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

impl Related<super::lead_score_history::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadScoreHistory.def()
    }
}

impl Related<super::lead_assignments::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadAssignments.def()
    }
}

impl Related<super::customers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Customer.def()
    }
}

impl Related<super::messages::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Messages.def()
    }
}

impl Related<super::deals::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Deals.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
