//! The closed value sets of the schema: one enum per `CHECK (col IN (...))`
//! list, shared where several columns list the same values.
//!
//! Every enum is stored as its snake_case string (a `TEXT` column on both
//! backends, not a PostgreSQL enum type), and serializes to the same string.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Declares a string-valued enum exactly as written and adds, from the same
/// `string_value`s, `ALL` (every variant in schema order), `as_str` and
/// `Display`, so the stored strings are written once.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[doc = $vdoc:literal])*
                #[sea_orm(string_value = $value:literal)]
                $variant:ident,
            )+
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $(
                $(#[doc = $vdoc])*
                #[sea_orm(string_value = $value)]
                $variant,
            )+
        }

        impl $name {
            /// Every variant, in the order the schema lists them.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The value stored in the database (and used by serde).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $value,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// A user's platform-wide role (`users.role`), independent of any organization.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum PlatformRole {
        #[sea_orm(string_value = "user")]
        User,
        #[sea_orm(string_value = "admin")]
        Admin,
        #[sea_orm(string_value = "super_admin")]
        SuperAdmin,
    }
}

string_enum! {
    /// How a user signs in (`users.auth_provider`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum AuthProvider {
        #[sea_orm(string_value = "email")]
        Email,
        #[sea_orm(string_value = "google")]
        Google,
        #[sea_orm(string_value = "linkedin")]
        Linkedin,
        #[sea_orm(string_value = "github")]
        Github,
    }
}

string_enum! {
    /// A member's role within one organization (`organization_memberships.role`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum MemberRole {
        #[sea_orm(string_value = "owner")]
        Owner,
        #[sea_orm(string_value = "admin")]
        Admin,
        #[sea_orm(string_value = "manager")]
        Manager,
        #[sea_orm(string_value = "agent")]
        Agent,
        #[sea_orm(string_value = "viewer")]
        Viewer,
    }
}

string_enum! {
    /// Whether a membership is in force (`organization_memberships.status`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum MembershipStatus {
        #[sea_orm(string_value = "active")]
        Active,
        #[sea_orm(string_value = "invited")]
        Invited,
        #[sea_orm(string_value = "suspended")]
        Suspended,
    }
}

string_enum! {
    /// Why a login attempt failed (`login_attempts.failure_reason`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum LoginFailureReason {
        #[sea_orm(string_value = "bad_password")]
        BadPassword,
        #[sea_orm(string_value = "unknown_user")]
        UnknownUser,
        #[sea_orm(string_value = "locked")]
        Locked,
        #[sea_orm(string_value = "inactive")]
        Inactive,
        #[sea_orm(string_value = "unverified")]
        Unverified,
        #[sea_orm(string_value = "rate_limited")]
        RateLimited,
    }
}

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

string_enum! {
    /// The kind of a credit ledger entry (`credit_transactions.kind`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum CreditKind {
        #[sea_orm(string_value = "purchase")]
        Purchase,
        #[sea_orm(string_value = "usage")]
        Usage,
        #[sea_orm(string_value = "bonus")]
        Bonus,
        #[sea_orm(string_value = "adjustment")]
        Adjustment,
        #[sea_orm(string_value = "refund")]
        Refund,
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

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveEnum, Iterable};

    /// The stored string, the serde string and `Display` (`as_str`) agree,
    /// and the stored string reads back as the same variant.
    fn check<E>()
    where
        E: ActiveEnum<Value = String> + Iterable + Serialize + Copy + PartialEq + std::fmt::Debug,
        E: std::fmt::Display,
    {
        for variant in E::iter() {
            let stored = variant.to_value();
            assert_eq!(
                serde_json::to_value(variant).unwrap(),
                serde_json::Value::String(stored.clone())
            );
            assert_eq!(variant.to_string(), stored);
            assert_eq!(E::try_from_value(&stored).unwrap(), variant);
        }
    }

    /// Runs `check` on each enum and compares its `ALL` with `EnumIter`.
    macro_rules! check_all {
        ($($name:ident),+ $(,)?) => {
            $(
                check::<$name>();
                assert_eq!($name::iter().collect::<Vec<_>>(), $name::ALL, stringify!($name));
            )+
        };
    }

    #[test]
    fn stored_serde_and_display_strings_agree() {
        check_all!(
            PlatformRole,
            AuthProvider,
            MemberRole,
            MembershipStatus,
            LoginFailureReason,
            AgentProvider,
            AgentType,
            TelephonyProvider,
            CallType,
            CampaignStatus,
            LeadStatus,
            CallSource,
            CallStatus,
            CallOutcome,
            CrmStage,
            TrafficSource,
            AppointmentSource,
            Sentiment,
            CallEventKind,
            CallEventSource,
            Level,
            LeadTemperature,
            FollowUpStatus,
            LeadAuditAction,
            EnrollmentStatus,
            TriggerType,
            AssignmentStrategy,
            DncSource,
            CustomerStatus,
            OrderStatus,
            MessageChannel,
            MessageDirection,
            MessageStatus,
            DealStage,
            CreditKind,
            TargetPeriod,
        );
    }

    #[test]
    fn terminal_call_statuses() {
        let terminal: Vec<_> = CallStatus::ALL
            .iter()
            .filter(|s| s.is_terminal())
            .map(|s| s.as_str())
            .collect();
        assert_eq!(
            terminal,
            [
                "completed",
                "no_show",
                "missed",
                "voicemail",
                "failed",
                "cancelled"
            ]
        );
    }
}
