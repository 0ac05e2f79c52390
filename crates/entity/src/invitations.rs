//! An invitation to join an organization: the `invited` membership it
//! activates, and the single-use token mailed to the address.

use crate::enums::MemberRole;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `invitations`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub membership_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub email: String,
    pub role: MemberRole,
    /// SHA-256 (hex) of the token in the link.
    #[sea_orm(column_type = "Text", unique)]
    pub token_hash: String,
    pub invited_by: Option<Uuid>,
    pub expires_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
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
        belongs_to = "super::organization_memberships::Entity",
        from = "Column::MembershipId",
        to = "super::organization_memberships::Column::Id",
        on_delete = "Cascade"
    )]
    Membership,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
