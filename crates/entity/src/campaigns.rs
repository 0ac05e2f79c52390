//! An outbound calling campaign, with its agent, number and calling window.

use crate::enums::{CallType, CampaignStatus};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `campaigns`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub description: Option<String>,
    pub call_type: CallType,
    pub agent_id: Option<Uuid>,
    pub phone_number_id: Option<Uuid>,
    pub status: CampaignStatus,
    /// Set together with `calling_window_end`, and before it.
    pub calling_window_start: Option<Time>,
    pub calling_window_end: Option<Time>,
    #[sea_orm(column_type = "Text")]
    pub timezone: Option<String>,
    pub starts_at: Option<DateTimeUtc>,
    pub ends_at: Option<DateTimeUtc>,
    /// The segment whose leads it calls (taken when it starts or resumes).
    pub segment_id: Option<Uuid>,
    /// Calls going at once; without it, the organization's limit.
    pub max_concurrent_calls: Option<i32>,
    /// Calls placed in any minute; without it, unpaced.
    pub calls_per_minute: Option<i32>,
    /// Calls a lead gets until one is answered (1 to 10).
    pub max_attempts: i32,
    /// The wait between a lead's unanswered call and the next.
    pub retry_after_minutes: i32,
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
        belongs_to = "super::agents::Entity",
        from = "Column::AgentId",
        to = "super::agents::Column::Id",
        on_delete = "SetNull"
    )]
    Agent,
    #[sea_orm(
        belongs_to = "super::phone_numbers::Entity",
        from = "Column::PhoneNumberId",
        to = "super::phone_numbers::Column::Id",
        on_delete = "SetNull"
    )]
    PhoneNumber,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::CreatedBy",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    CreatedBy,
    #[sea_orm(
        belongs_to = "super::segments::Entity",
        from = "Column::SegmentId",
        to = "super::segments::Column::Id",
        on_delete = "SetNull"
    )]
    Segment,
    #[sea_orm(has_many = "super::calls::Entity")]
    Calls,
    #[sea_orm(has_many = "super::campaign_leads::Entity")]
    CampaignLeads,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::agents::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Agent.def()
    }
}

impl Related<super::phone_numbers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PhoneNumber.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CreatedBy.def()
    }
}

impl Related<super::calls::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Calls.def()
    }
}

impl Related<super::campaign_leads::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CampaignLeads.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
