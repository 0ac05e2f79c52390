//! Customers after conversion: account status, orders, messages and deals.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

string_enum! {
    /// A customer's account state (`customers.status`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum CustomerStatus {
        #[sea_orm(string_value = "active")]
        Active,
        #[sea_orm(string_value = "inactive")]
        Inactive,
        #[sea_orm(string_value = "churned")]
        Churned,
        #[sea_orm(string_value = "on_hold")]
        OnHold,
    }
}

string_enum! {
    /// An order's payment and fulfilment state (`orders.status`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum OrderStatus {
        #[sea_orm(string_value = "pending")]
        Pending,
        #[sea_orm(string_value = "paid")]
        Paid,
        #[sea_orm(string_value = "fulfilled")]
        Fulfilled,
        #[sea_orm(string_value = "cancelled")]
        Cancelled,
        #[sea_orm(string_value = "refunded")]
        Refunded,
    }
}

string_enum! {
    /// The channel a message went through (`messages.channel`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum MessageChannel {
        #[sea_orm(string_value = "sms")]
        Sms,
        #[sea_orm(string_value = "email")]
        Email,
        #[sea_orm(string_value = "call")]
        Call,
        #[sea_orm(string_value = "chat")]
        Chat,
        #[sea_orm(string_value = "whatsapp")]
        Whatsapp,
    }
}

string_enum! {
    /// Whether a message was received or sent (`messages.direction`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum MessageDirection {
        #[sea_orm(string_value = "inbound")]
        Inbound,
        #[sea_orm(string_value = "outbound")]
        Outbound,
    }
}

string_enum! {
    /// A message's delivery state (`messages.status`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum MessageStatus {
        #[sea_orm(string_value = "queued")]
        Queued,
        #[sea_orm(string_value = "sent")]
        Sent,
        #[sea_orm(string_value = "delivered")]
        Delivered,
        #[sea_orm(string_value = "read")]
        Read,
        #[sea_orm(string_value = "failed")]
        Failed,
        #[sea_orm(string_value = "received")]
        Received,
    }
}

string_enum! {
    /// A deal's stage in the pipeline (`deals.stage`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum DealStage {
        #[sea_orm(string_value = "prospecting")]
        Prospecting,
        #[sea_orm(string_value = "qualification")]
        Qualification,
        #[sea_orm(string_value = "proposal")]
        Proposal,
        #[sea_orm(string_value = "negotiation")]
        Negotiation,
        #[sea_orm(string_value = "closed_won")]
        ClosedWon,
        #[sea_orm(string_value = "closed_lost")]
        ClosedLost,
    }
}
