//! Calls and what happens on them: type, source, status, outcome, pipeline
//! stage, attribution, sentiment and the call event log.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

string_enum! {
    /// Direction and purpose of a call (`calls.call_type`, `campaigns.call_type`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum CallType {
        #[sea_orm(string_value = "inbound")]
        Inbound,
        #[sea_orm(string_value = "outbound_lead")]
        OutboundLead,
        #[sea_orm(string_value = "outbound_debt")]
        OutboundDebt,
        #[sea_orm(string_value = "outbound_followup")]
        OutboundFollowup,
        #[sea_orm(string_value = "outbound_campaign")]
        OutboundCampaign,
        #[sea_orm(string_value = "outbound_other")]
        OutboundOther,
    }
}

string_enum! {
    /// Whether a call came over the phone network or the internet (`calls.call_source`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum CallSource {
        #[sea_orm(string_value = "phone")]
        Phone,
        #[sea_orm(string_value = "internet")]
        Internet,
        #[sea_orm(string_value = "unknown")]
        Unknown,
    }
}

string_enum! {
    /// A call's lifecycle state (`calls.status`, `call_events.from_status`/`to_status`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum CallStatus {
        #[sea_orm(string_value = "scheduled")]
        Scheduled,
        #[sea_orm(string_value = "queued")]
        Queued,
        #[sea_orm(string_value = "ringing")]
        Ringing,
        #[sea_orm(string_value = "in_progress")]
        InProgress,
        #[sea_orm(string_value = "completed")]
        Completed,
        #[sea_orm(string_value = "no_show")]
        NoShow,
        #[sea_orm(string_value = "missed")]
        Missed,
        #[sea_orm(string_value = "voicemail")]
        Voicemail,
        #[sea_orm(string_value = "failed")]
        Failed,
        #[sea_orm(string_value = "cancelled")]
        Cancelled,
    }
}

impl CallStatus {
    /// Whether the call is over: no further status change is expected.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Completed
                | Self::NoShow
                | Self::Missed
                | Self::Voicemail
                | Self::Failed
                | Self::Cancelled
        )
    }
}

string_enum! {
    /// What a finished call achieved (`calls.outcome`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum CallOutcome {
        #[sea_orm(string_value = "booked")]
        Booked,
        #[sea_orm(string_value = "transferred")]
        Transferred,
        #[sea_orm(string_value = "insurance_inquiry")]
        InsuranceInquiry,
        #[sea_orm(string_value = "payment_plan")]
        PaymentPlan,
        #[sea_orm(string_value = "information")]
        Information,
        #[sea_orm(string_value = "voicemail")]
        Voicemail,
        #[sea_orm(string_value = "no_answer")]
        NoAnswer,
        #[sea_orm(string_value = "busy")]
        Busy,
        #[sea_orm(string_value = "failed")]
        Failed,
        #[sea_orm(string_value = "other")]
        Other,
    }
}

string_enum! {
    /// A call's stage in the sales pipeline (`calls.crm_stage`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum CrmStage {
        #[sea_orm(string_value = "scheduled")]
        Scheduled,
        #[sea_orm(string_value = "in_progress")]
        InProgress,
        #[sea_orm(string_value = "completed")]
        Completed,
        #[sea_orm(string_value = "no_show")]
        NoShow,
        #[sea_orm(string_value = "closed_won")]
        ClosedWon,
        #[sea_orm(string_value = "lost")]
        Lost,
    }
}

string_enum! {
    /// Where the traffic behind a call came from (`calls.traffic_source`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum TrafficSource {
        #[sea_orm(string_value = "organic")]
        Organic,
        #[sea_orm(string_value = "meta")]
        Meta,
    }
}

string_enum! {
    /// How a call's appointment was set (`calls.source_of_set_appointment`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum AppointmentSource {
        #[sea_orm(string_value = "sdr_booked_call")]
        SdrBookedCall,
        #[sea_orm(string_value = "non_sdr_booked_call")]
        NonSdrBookedCall,
        #[sea_orm(string_value = "vsl")]
        Vsl,
        #[sea_orm(string_value = "email")]
        Email,
        #[sea_orm(string_value = "self_booking")]
        SelfBooking,
    }
}

string_enum! {
    /// The customer's sentiment on a call (`calls.customer_sentiment`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum Sentiment {
        #[sea_orm(string_value = "positive")]
        Positive,
        #[sea_orm(string_value = "neutral")]
        Neutral,
        #[sea_orm(string_value = "negative")]
        Negative,
    }
}

string_enum! {
    /// What a call event records (`call_events.kind`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum CallEventKind {
        #[sea_orm(string_value = "created")]
        Created,
        #[sea_orm(string_value = "status_changed")]
        StatusChanged,
        #[sea_orm(string_value = "outcome_recorded")]
        OutcomeRecorded,
        #[sea_orm(string_value = "transcript_attached")]
        TranscriptAttached,
        #[sea_orm(string_value = "analysis_recorded")]
        AnalysisRecorded,
        #[sea_orm(string_value = "provider_event")]
        ProviderEvent,
    }
}

string_enum! {
    /// Who reported a call event (`call_events.source`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum CallEventSource {
        #[sea_orm(string_value = "api")]
        Api,
        #[sea_orm(string_value = "system")]
        System,
        #[sea_orm(string_value = "vapi")]
        Vapi,
        #[sea_orm(string_value = "elevenlabs")]
        Elevenlabs,
        #[sea_orm(string_value = "retell")]
        Retell,
        #[sea_orm(string_value = "twilio")]
        Twilio,
    }
}
