//! An organization's calling setup: the agents it runs, the numbers and
//! providers that carry its calls, its campaigns and its agents' targets.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

string_enum! {
    /// The voice-AI platform hosting an agent (`agents.provider`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum AgentProvider {
        #[sea_orm(string_value = "vapi")]
        Vapi,
        #[sea_orm(string_value = "elevenlabs")]
        Elevenlabs,
        #[sea_orm(string_value = "retell")]
        Retell,
        #[sea_orm(string_value = "other")]
        Other,
    }
}

string_enum! {
    /// Whether an agent takes calls or chats (`agents.agent_type`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum AgentType {
        #[sea_orm(string_value = "call")]
        Call,
        #[sea_orm(string_value = "chat")]
        Chat,
    }
}

string_enum! {
    /// The provider carrying a number or a call (`phone_numbers.provider`, `calls.provider`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum TelephonyProvider {
        #[sea_orm(string_value = "vapi")]
        Vapi,
        #[sea_orm(string_value = "elevenlabs")]
        Elevenlabs,
        #[sea_orm(string_value = "retell")]
        Retell,
        #[sea_orm(string_value = "twilio")]
        Twilio,
        #[sea_orm(string_value = "other")]
        Other,
    }
}

string_enum! {
    /// A campaign's lifecycle state (`campaigns.status`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum CampaignStatus {
        #[sea_orm(string_value = "draft")]
        Draft,
        #[sea_orm(string_value = "active")]
        Active,
        #[sea_orm(string_value = "paused")]
        Paused,
        #[sea_orm(string_value = "completed")]
        Completed,
    }
}

string_enum! {
    /// Where a lead a campaign calls stands (`campaign_leads.state`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum CampaignLeadState {
        /// To be called at `next_attempt_at`.
        #[sea_orm(string_value = "waiting")]
        Waiting,
        /// Its call is scheduled or going.
        #[sea_orm(string_value = "calling")]
        Calling,
        /// A call was answered.
        #[sea_orm(string_value = "reached")]
        Reached,
        /// Every attempt went unanswered.
        #[sea_orm(string_value = "unreached")]
        Unreached,
        /// Never to be called by the campaign (`block_reason` says why).
        #[sea_orm(string_value = "blocked")]
        Blocked,
    }
}

string_enum! {
    /// The period an agent target covers (`agent_targets.period`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum TargetPeriod {
        #[sea_orm(string_value = "daily")]
        Daily,
        #[sea_orm(string_value = "weekly")]
        Weekly,
        #[sea_orm(string_value = "monthly")]
        Monthly,
    }
}
