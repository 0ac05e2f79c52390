//! A voice or chat AI agent hosted by a provider, identified there by
//! `external_agent_id` (unique per organization and provider).

use crate::enums::{AgentProvider, AgentType};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `agents`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "agents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub created_by: Option<Uuid>,
    pub provider: AgentProvider,
    #[sea_orm(column_type = "Text")]
    pub external_agent_id: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    pub agent_type: AgentType,
    #[sea_orm(column_type = "Text")]
    pub description: Option<String>,
    pub is_active: bool,
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
    #[sea_orm(has_many = "super::campaigns::Entity")]
    Campaigns,
    #[sea_orm(has_many = "super::calls::Entity")]
    Calls,
    #[sea_orm(has_many = "super::agent_analytics::Entity")]
    AgentAnalytics,
    #[sea_orm(has_many = "super::agent_targets::Entity")]
    AgentTargets,
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

impl Related<super::agent_analytics::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AgentAnalytics.def()
    }
}

impl Related<super::agent_targets::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AgentTargets.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
