//! A person who can sign in. Users are platform-wide; what they may do in an
//! organization comes from their `organization_memberships` row.

use crate::enums::{AuthProvider, PlatformRole};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `users`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Unique case-insensitively.
    #[sea_orm(column_type = "Text")]
    pub email: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Platform role; per-organization roles live in `organization_memberships`.
    pub role: PlatformRole,
    /// `None` for users who sign in only through an external provider.
    #[sea_orm(column_type = "Text")]
    pub password_hash: Option<String>,
    pub email_verified: bool,
    pub is_active: bool,
    pub auth_provider: AuthProvider,
    /// The subject identifier at `auth_provider`, when that is not email.
    #[sea_orm(column_type = "Text", unique)]
    pub external_subject: Option<String>,
    pub last_login_at: Option<DateTimeUtc>,
    pub locked_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The user's memberships (`organization_memberships.user_id`). Of the many
    /// tables that reference users, only this one and `OwnedLeads` are inverted
    /// here; the others reach `users` through their own `Related` impls and
    /// named relations.
    #[sea_orm(has_many = "super::organization_memberships::Entity")]
    OrganizationMemberships,
    /// Leads this user owns (`leads.owner_user_id`).
    #[sea_orm(has_many = "super::leads::Entity")]
    OwnedLeads,
}

impl Related<super::organization_memberships::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OrganizationMemberships.def()
    }
}

impl Related<super::leads::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OwnedLeads.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
