//! A follow-up due on a date, for a lead or for a bare phone number.

use crate::enums::FollowUpStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `follow_ups`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "follow_ups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub lead_id: Option<Uuid>,
    pub call_id: Option<Uuid>,
    /// Required when there is no `lead_id`.
    #[sea_orm(column_type = "Text")]
    pub lead_phone: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub lead_email: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub lead_name: Option<String>,
    pub user_id: Option<Uuid>,
    pub follow_up_date: Date,
    #[sea_orm(column_type = "Text")]
    pub remark: Option<String>,
    pub status: FollowUpStatus,
    pub created_by: Option<Uuid>,
    /// Set exactly when the status is `FollowUpStatus::Completed`.
    pub completed_at: Option<DateTimeUtc>,
    pub completed_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When `followUpDue` announced it (its day came); none before.
    pub due_announced_at: Option<DateTimeUtc>,
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
        from = "Column::UserId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    User,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::CreatedBy",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    CreatedBy,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::CompletedBy",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    CompletedBy,
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

// `Related<users>` follows `user_id`, the user the follow-up is for; the other
// references are the `CreatedBy` (`created_by`) and `CompletedBy`
// (`completed_by`) relations.
impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
