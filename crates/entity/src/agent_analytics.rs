//! One agent's daily rollup. Counters and sums only: rates and averages are
//! derived on read, so they can never disagree with the counts.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `agent_analytics`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "agent_analytics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub agent_id: Uuid,
    /// One row per agent and day.
    pub day: Date,
    pub total_calls: i32,
    pub successful_calls: i32,
    pub failed_calls: i32,
    pub total_duration_seconds: i64,
    pub total_billed_minutes: i64,
    pub leads_generated: i32,
    pub qualified_leads: i32,
    pub cta_pricing_clicks: i32,
    pub cta_demo_clicks: i32,
    pub cta_followup_clicks: i32,
    pub cta_sample_clicks: i32,
    pub cta_human_escalations: i32,
    pub calls_with_cta: i32,
    pub credits_used: i64,
    pub analyzed_calls: i32,
    pub sum_intent_score: i64,
    pub sum_urgency_score: i64,
    pub sum_budget_score: i64,
    pub sum_fit_score: i64,
    pub sum_engagement_score: i64,
    pub sum_total_score: i64,
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
        on_delete = "Cascade"
    )]
    Agent,
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

impl ActiveModelBehavior for ActiveModel {}
