//! The AI analysis of a call (at most one per call), with seed 004's
//! `agent_call_outcomes` folded in.

use crate::enums::{LeadTemperature, Level};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `lead_analytics`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "lead_analytics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    #[sea_orm(unique)]
    pub call_id: Uuid,
    pub lead_id: Option<Uuid>,
    pub intent_level: Option<Level>,
    pub intent_score: Option<i32>,
    pub urgency_level: Option<Level>,
    pub urgency_score: Option<i32>,
    pub budget_constraint: Option<Level>,
    pub budget_score: Option<i32>,
    pub fit_alignment: Option<Level>,
    pub fit_score: Option<i32>,
    pub engagement_health: Option<Level>,
    pub engagement_score: Option<i32>,
    /// 0-100, as are the other `*_score` integers.
    pub total_score: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub lead_status_tag: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub reasoning: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub cta_interactions: Json,
    #[sea_orm(column_type = "Text")]
    pub company_name: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub extracted_name: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub extracted_email: Option<String>,
    pub cta_pricing_clicked: bool,
    pub cta_demo_clicked: bool,
    pub cta_followup_clicked: bool,
    pub cta_sample_clicked: bool,
    pub cta_escalated_to_human: bool,
    pub demo_scheduled_at: Option<DateTimeUtc>,
    pub is_read: bool,
    pub is_qualified: bool,
    pub lead_temperature: Option<LeadTemperature>,
    /// -1 to 1.
    pub sentiment_score: Option<f64>,
    /// A JSON array.
    #[sea_orm(column_type = "JsonBinary")]
    pub key_topics: Json,
    /// A JSON array.
    #[sea_orm(column_type = "JsonBinary")]
    pub objections_raised: Json,
    #[sea_orm(column_type = "Text")]
    pub next_steps: Option<String>,
    /// 1-10.
    pub call_quality_score: Option<f64>,
    /// 1-10.
    pub customer_satisfaction: Option<f64>,
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
        belongs_to = "super::calls::Entity",
        from = "Column::CallId",
        to = "super::calls::Column::Id",
        on_delete = "Cascade"
    )]
    Call,
    #[sea_orm(
        belongs_to = "super::leads::Entity",
        from = "Column::LeadId",
        to = "super::leads::Column::Id",
        on_delete = "SetNull"
    )]
    Lead,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::calls::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Call.def()
    }
}

impl Related<super::leads::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lead.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
