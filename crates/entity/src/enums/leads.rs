//! Leads and their handling: funnel status, post-call ratings, follow-ups,
//! audit and history triggers, nurture enrollments, assignment and the
//! do-not-call list.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

string_enum! {
    /// A lead's place in the funnel (`leads.status`, `lead_status_history` from/to).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum LeadStatus {
        #[sea_orm(string_value = "new")]
        New,
        #[sea_orm(string_value = "contacted")]
        Contacted,
        #[sea_orm(string_value = "qualified")]
        Qualified,
        #[sea_orm(string_value = "nurturing")]
        Nurturing,
        #[sea_orm(string_value = "hot")]
        Hot,
        #[sea_orm(string_value = "cold")]
        Cold,
        #[sea_orm(string_value = "recruited")]
        Recruited,
        #[sea_orm(string_value = "dnc")]
        Dnc,
    }
}

string_enum! {
    /// A low/medium/high rating (the five `lead_analytics` level columns).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum Level {
        #[sea_orm(string_value = "low")]
        Low,
        #[sea_orm(string_value = "medium")]
        Medium,
        #[sea_orm(string_value = "high")]
        High,
    }
}

string_enum! {
    /// How warm a lead is after a call (`lead_analytics.lead_temperature`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum LeadTemperature {
        #[sea_orm(string_value = "hot")]
        Hot,
        #[sea_orm(string_value = "warm")]
        Warm,
        #[sea_orm(string_value = "cold")]
        Cold,
        #[sea_orm(string_value = "not_interested")]
        NotInterested,
    }
}

string_enum! {
    /// A follow-up's state (`follow_ups.status`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum FollowUpStatus {
        #[sea_orm(string_value = "pending")]
        Pending,
        #[sea_orm(string_value = "completed")]
        Completed,
        #[sea_orm(string_value = "cancelled")]
        Cancelled,
    }
}

string_enum! {
    /// The change a lead audit entry records (`lead_audit_log.action`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum LeadAuditAction {
        #[sea_orm(string_value = "create")]
        Create,
        #[sea_orm(string_value = "update")]
        Update,
        #[sea_orm(string_value = "delete")]
        Delete,
        #[sea_orm(string_value = "restore")]
        Restore,
    }
}

string_enum! {
    /// A lead's progress through a nurture sequence (`lead_sequence_enrollments.status`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum EnrollmentStatus {
        #[sea_orm(string_value = "active")]
        Active,
        #[sea_orm(string_value = "paused")]
        Paused,
        #[sea_orm(string_value = "completed")]
        Completed,
        #[sea_orm(string_value = "cancelled")]
        Cancelled,
        #[sea_orm(string_value = "failed")]
        Failed,
    }
}

string_enum! {
    /// What changed a lead's status or score (`trigger_type` of both lead history tables).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum TriggerType {
        #[sea_orm(string_value = "call")]
        Call,
        #[sea_orm(string_value = "manual")]
        Manual,
        #[sea_orm(string_value = "automation")]
        Automation,
        #[sea_orm(string_value = "ai")]
        Ai,
    }
}

string_enum! {
    /// How a lead was assigned (`lead_assignments.strategy`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum AssignmentStrategy {
        #[sea_orm(string_value = "manual")]
        Manual,
        #[sea_orm(string_value = "round_robin")]
        RoundRobin,
        #[sea_orm(string_value = "capacity")]
        Capacity,
        #[sea_orm(string_value = "geographic")]
        Geographic,
        #[sea_orm(string_value = "skill_based")]
        SkillBased,
    }
}

string_enum! {
    /// How a number got onto the do-not-call list (`dnc_list.source`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum DncSource {
        #[sea_orm(string_value = "manual")]
        Manual,
        #[sea_orm(string_value = "customer_request")]
        CustomerRequest,
        #[sea_orm(string_value = "ai_detected")]
        AiDetected,
        #[sea_orm(string_value = "import")]
        Import,
        #[sea_orm(string_value = "api")]
        Api,
        #[sea_orm(string_value = "registry")]
        Registry,
    }
}
