//! A tenant: every CRM row belongs to exactly one organization.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `organizations`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Unique across organizations; 1-63 characters.
    #[sea_orm(column_type = "Text", unique)]
    pub slug: String,
    #[sea_orm(column_type = "Text")]
    pub timezone: String,
    /// Two-letter region for parsing phone numbers without a country code.
    #[sea_orm(column_type = "Text")]
    pub default_region: String,
    pub credit_balance: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::organization_memberships::Entity")]
    OrganizationMemberships,
    #[sea_orm(has_many = "super::user_sessions::Entity")]
    UserSessions,
    #[sea_orm(has_many = "super::admin_audit_log::Entity")]
    AdminAuditLog,
    #[sea_orm(has_many = "super::system_config::Entity")]
    SystemConfig,
    #[sea_orm(has_many = "super::agents::Entity")]
    Agents,
    #[sea_orm(has_many = "super::phone_numbers::Entity")]
    PhoneNumbers,
    #[sea_orm(has_many = "super::campaigns::Entity")]
    Campaigns,
    #[sea_orm(has_many = "super::leads::Entity")]
    Leads,
    #[sea_orm(has_many = "super::calls::Entity")]
    Calls,
    #[sea_orm(has_many = "super::call_events::Entity")]
    CallEvents,
    #[sea_orm(has_many = "super::transcripts::Entity")]
    Transcripts,
    #[sea_orm(has_many = "super::lead_analytics::Entity")]
    LeadAnalytics,
    #[sea_orm(has_many = "super::follow_ups::Entity")]
    FollowUps,
    #[sea_orm(has_many = "super::lead_audit_log::Entity")]
    LeadAuditLog,
    #[sea_orm(has_many = "super::nurture_sequences::Entity")]
    NurtureSequences,
    #[sea_orm(has_many = "super::lead_sequence_enrollments::Entity")]
    LeadSequenceEnrollments,
    #[sea_orm(has_many = "super::lead_status_history::Entity")]
    LeadStatusHistory,
    #[sea_orm(has_many = "super::lead_score_history::Entity")]
    LeadScoreHistory,
    #[sea_orm(has_many = "super::lead_assignments::Entity")]
    LeadAssignments,
    #[sea_orm(has_many = "super::dnc_list::Entity")]
    DncList,
    #[sea_orm(has_many = "super::lead_source_costs::Entity")]
    LeadSourceCosts,
    #[sea_orm(has_many = "super::segments::Entity")]
    Segments,
    #[sea_orm(has_many = "super::customers::Entity")]
    Customers,
    #[sea_orm(has_many = "super::orders::Entity")]
    Orders,
    #[sea_orm(has_many = "super::messages::Entity")]
    Messages,
    #[sea_orm(has_many = "super::deals::Entity")]
    Deals,
    #[sea_orm(has_many = "super::credit_transactions::Entity")]
    CreditTransactions,
    #[sea_orm(has_many = "super::agent_analytics::Entity")]
    AgentAnalytics,
    #[sea_orm(has_many = "super::organization_analytics::Entity")]
    OrganizationAnalytics,
    #[sea_orm(has_many = "super::agent_targets::Entity")]
    AgentTargets,
}

impl Related<super::organization_memberships::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OrganizationMemberships.def()
    }
}

impl Related<super::user_sessions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::UserSessions.def()
    }
}

impl Related<super::admin_audit_log::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AdminAuditLog.def()
    }
}

impl Related<super::system_config::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SystemConfig.def()
    }
}

impl Related<super::agents::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Agents.def()
    }
}

impl Related<super::phone_numbers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PhoneNumbers.def()
    }
}

impl Related<super::campaigns::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Campaigns.def()
    }
}

impl Related<super::leads::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Leads.def()
    }
}

impl Related<super::calls::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Calls.def()
    }
}

impl Related<super::call_events::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CallEvents.def()
    }
}

impl Related<super::transcripts::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Transcripts.def()
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

impl Related<super::lead_audit_log::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadAuditLog.def()
    }
}

impl Related<super::nurture_sequences::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::NurtureSequences.def()
    }
}

impl Related<super::lead_sequence_enrollments::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadSequenceEnrollments.def()
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

impl Related<super::lead_assignments::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadAssignments.def()
    }
}

impl Related<super::dnc_list::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DncList.def()
    }
}

impl Related<super::lead_source_costs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadSourceCosts.def()
    }
}

impl Related<super::segments::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Segments.def()
    }
}

impl Related<super::customers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Customers.def()
    }
}

impl Related<super::orders::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Orders.def()
    }
}

impl Related<super::messages::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Messages.def()
    }
}

impl Related<super::deals::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Deals.def()
    }
}

impl Related<super::credit_transactions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CreditTransactions.def()
    }
}

impl Related<super::agent_analytics::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AgentAnalytics.def()
    }
}

impl Related<super::organization_analytics::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OrganizationAnalytics.def()
    }
}

impl Related<super::agent_targets::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AgentTargets.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
