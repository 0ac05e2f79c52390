//! A phone number an organization calls from. A number is live in one place
//! only; deactivated rows keep their history.

use crate::enums::TelephonyProvider;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `phone_numbers`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "phone_numbers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub phone_number: String,
    pub provider: TelephonyProvider,
    #[sea_orm(column_type = "Text", unique)]
    pub provider_phone_number_id: Option<String>,
    pub assigned_to_user_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub is_active: bool,
    /// Calls the number carries at once; without it, no limit of its own.
    pub max_concurrent_calls: Option<i32>,
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
        from = "Column::AssignedToUserId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    AssignedTo,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::CreatedBy",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    CreatedBy,
    #[sea_orm(has_many = "super::campaigns::Entity")]
    Campaigns,
    #[sea_orm(has_many = "super::calls::Entity")]
    Calls,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

// `Related<users>` follows `assigned_to_user_id`, the user the number is
// assigned to; the other reference is the `CreatedBy` (`created_by`) relation.
impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AssignedTo.def()
    }
}

impl Related<super::campaigns::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Campaigns.def()
    }
}

impl Related<super::calls::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Calls.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
