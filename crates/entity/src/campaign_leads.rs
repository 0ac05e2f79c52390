//! A lead a campaign calls, and where it stands: waiting for its next
//! attempt, being called, reached, unreached or blocked.

use crate::enums::CampaignLeadState;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `campaign_leads`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "campaign_leads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub campaign_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub lead_id: Uuid,
    pub organization_id: Uuid,
    pub state: CampaignLeadState,
    /// Calls the lead got that went unanswered or failed.
    pub attempts: i32,
    /// When a waiting lead is called next.
    pub next_attempt_at: DateTimeUtc,
    /// The latest call the campaign made to the lead.
    pub call_id: Option<Uuid>,
    /// Why a blocked lead is never called, or why a waiting one was held:
    /// a dial block's code (`ON_DNC_LIST`, `OUTSIDE_CALLING_HOURS`…), or
    /// `NO_PHONE_NUMBER`, `LEAD_DELETED`, `CALL_CANCELLED`.
    #[sea_orm(column_type = "Text")]
    pub block_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::campaigns::Entity",
        from = "Column::CampaignId",
        to = "super::campaigns::Column::Id",
        on_delete = "Cascade"
    )]
    Campaign,
    #[sea_orm(
        belongs_to = "super::leads::Entity",
        from = "Column::LeadId",
        to = "super::leads::Column::Id",
        on_delete = "Cascade"
    )]
    Lead,
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id",
        on_delete = "Cascade"
    )]
    Organization,
    #[sea_orm(
        belongs_to = "super::calls::Entity",
        from = "Column::CallId",
        to = "super::calls::Column::Id",
        on_delete = "SetNull"
    )]
    Call,
}

impl Related<super::campaigns::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Campaign.def()
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

impl ActiveModelBehavior for ActiveModel {}
