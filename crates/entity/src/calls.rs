//! A call, scheduled, live or finished, with its outcome, CRM stage, billing
//! and seed 003's debt-collection and insurance fields. Calls keep their
//! history when an agent, campaign, number, lead or user goes.

use crate::enums::{
    AppointmentSource, CallOutcome, CallSource, CallStatus, CallType, CrmStage, Sentiment,
    TelephonyProvider, TrafficSource,
};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `calls`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "calls")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub lead_id: Option<Uuid>,
    pub agent_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub from_phone_number_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub provider: Option<TelephonyProvider>,
    #[sea_orm(column_type = "Text")]
    pub provider_call_id: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub phone_number: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub caller_name: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub caller_email: Option<String>,
    pub call_type: CallType,
    pub call_source: CallSource,
    pub status: CallStatus,
    pub outcome: Option<CallOutcome>,
    pub crm_stage: CrmStage,
    pub traffic_source: TrafficSource,
    pub source_of_set_appointment: Option<AppointmentSource>,
    #[sea_orm(column_type = "Text")]
    pub lead_source: Option<String>,
    pub scheduled_at: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    /// Never more than `billed_minutes` * 60.
    pub duration_seconds: Option<i32>,
    /// The duration rounded up to whole minutes.
    pub billed_minutes: Option<i32>,
    pub credits_used: i64,
    pub cost_cents: i64,
    #[sea_orm(column_type = "Text")]
    pub recording_url: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub summary: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub purpose: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub notes: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub ended_reason: Option<String>,
    pub insurance_verified: bool,
    #[sea_orm(column_type = "Text")]
    pub insurance_provider: Option<String>,
    pub payment_plan_discussed: bool,
    pub payment_plan_amount_cents: Option<i64>,
    pub collection_attempt: bool,
    pub collection_amount_cents: Option<i64>,
    pub collection_success: bool,
    pub transferred_to_staff: bool,
    #[sea_orm(column_type = "Text")]
    pub transferred_to: Option<String>,
    pub follow_up_required: bool,
    pub follow_up_date: Option<DateTimeUtc>,
    /// 1-5.
    pub call_quality: Option<i32>,
    pub customer_sentiment: Option<Sentiment>,
    /// 0-1.
    pub ai_confidence: Option<f64>,
    #[sea_orm(column_type = "JsonBinary")]
    pub metadata: Json,
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
        belongs_to = "super::leads::Entity",
        from = "Column::LeadId",
        to = "super::leads::Column::Id",
        on_delete = "SetNull"
    )]
    Lead,
    #[sea_orm(
        belongs_to = "super::agents::Entity",
        from = "Column::AgentId",
        to = "super::agents::Column::Id",
        on_delete = "SetNull"
    )]
    Agent,
    #[sea_orm(
        belongs_to = "super::campaigns::Entity",
        from = "Column::CampaignId",
        to = "super::campaigns::Column::Id",
        on_delete = "SetNull"
    )]
    Campaign,
    #[sea_orm(
        belongs_to = "super::phone_numbers::Entity",
        from = "Column::FromPhoneNumberId",
        to = "super::phone_numbers::Column::Id",
        on_delete = "SetNull"
    )]
    FromPhoneNumber,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    User,
    #[sea_orm(has_many = "super::call_events::Entity")]
    CallEvents,
    #[sea_orm(has_one = "super::transcripts::Entity")]
    Transcript,
    #[sea_orm(has_one = "super::lead_analytics::Entity")]
    LeadAnalytics,
    #[sea_orm(has_many = "super::follow_ups::Entity")]
    FollowUps,
    #[sea_orm(has_many = "super::lead_status_history::Entity")]
    LeadStatusHistory,
    #[sea_orm(has_many = "super::lead_score_history::Entity")]
    LeadScoreHistory,
    #[sea_orm(has_many = "super::dnc_list::Entity")]
    DncList,
    #[sea_orm(has_many = "super::credit_transactions::Entity")]
    CreditTransactions,
    /// Leads this call created automatically
    /// (`leads.auto_created_from_call_id`).
    #[sea_orm(
        has_many = "super::leads::Entity",
        via_rel = "Relation::AutoCreatedFromCall"
    )]
    AutoCreatedLeads,
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

impl Related<super::agents::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Agent.def()
    }
}

impl Related<super::campaigns::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Campaign.def()
    }
}

impl Related<super::phone_numbers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::FromPhoneNumber.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::call_events::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CallEvents.def()
    }
}

impl Related<super::transcripts::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Transcript.def()
    }
}

impl Related<super::lead_analytics::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadAnalytics.def()
    }
}

impl Related<super::follow_ups::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::FollowUps.def()
    }
}

impl Related<super::lead_status_history::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadStatusHistory.def()
    }
}

impl Related<super::lead_score_history::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadScoreHistory.def()
    }
}

impl Related<super::dnc_list::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DncList.def()
    }
}

impl Related<super::credit_transactions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CreditTransactions.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
