//! An administrative action. Platform-level actions have no organization.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `admin_audit_log`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "admin_audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `None` for platform-level actions.
    pub organization_id: Option<Uuid>,
    pub admin_user_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub action: String,
    #[sea_orm(column_type = "Text")]
    pub resource_type: String,
    #[sea_orm(column_type = "Text")]
    pub resource_id: Option<String>,
    pub target_user_id: Option<Uuid>,
    #[sea_orm(column_type = "JsonBinary")]
    pub details: Json,
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
        belongs_to = "super::users::Entity",
        from = "Column::AdminUserId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    AdminUser,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::TargetUserId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    TargetUser,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

// `Related<users>` follows `admin_user_id`, the admin who acted; the other
// reference is the `TargetUser` (`target_user_id`) relation.
impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AdminUser.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
