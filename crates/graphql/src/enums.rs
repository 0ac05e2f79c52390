//! GraphQL enums, mirrored from the entity enums (`remote`), so the API's
//! names (SCREAMING_CASE) are fixed here and a stored value can only map to
//! one of them. Serde uses the same names: `Segment.filter` shows a stored
//! filter in the `LeadFilter` input's shape.

use async_graphql::Enum;
use serde::{Deserialize, Serialize};

macro_rules! api_enum {
    ($(#[$doc:meta])* $name:ident = $remote:literal { $($variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[graphql(remote = $remote)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name {
            $($variant),+
        }
    };
}

api_enum!(
    /// Where a lead is in the pipeline.
    LeadStatus = "switchboard_entity::enums::LeadStatus" { New, Contacted, Qualified, Nurturing, Hot, Cold, Recruited, Dnc }
);
api_enum!(
    /// A call's status; the last six are terminal.
    CallStatus = "switchboard_entity::enums::CallStatus" { Scheduled, Queued, Ringing, InProgress, Completed, NoShow, Missed, Voicemail, Failed, Cancelled }
);
api_enum!(
    /// The primary outcome of a call.
    CallOutcome = "switchboard_entity::enums::CallOutcome" { Booked, Transferred, InsuranceInquiry, PaymentPlan, Information, Voicemail, NoAnswer, Busy, Failed, Other }
);
api_enum!(
    /// A call's stage in the CRM pipeline.
    CrmStage = "switchboard_entity::enums::CrmStage" { Scheduled, InProgress, Completed, NoShow, ClosedWon, Lost }
);
api_enum!(
    /// Where a call's traffic came from.
    TrafficSource = "switchboard_entity::enums::TrafficSource" { Organic, Meta }
);
api_enum!(
    /// Inbound, or the kind of outbound call.
    CallType = "switchboard_entity::enums::CallType" { Inbound, OutboundLead, OutboundDebt, OutboundFollowup, OutboundCampaign, OutboundOther }
);
api_enum!(
    /// The channel a call came through.
    CallSource = "switchboard_entity::enums::CallSource" { Phone, Internet, Unknown }
);
api_enum!(
    /// How an appointment was set (seed 000), used to classify traffic.
    AppointmentSource = "switchboard_entity::enums::AppointmentSource" { SdrBookedCall, NonSdrBookedCall, Vsl, Email, SelfBooking }
);
api_enum!(
    /// The voice-AI platform an agent runs on.
    AgentProvider = "switchboard_entity::enums::AgentProvider" { Vapi, Elevenlabs, Retell, Other }
);
api_enum!(
    /// What an agent does.
    AgentType = "switchboard_entity::enums::AgentType" { Call, Chat }
);
api_enum!(
    /// The telephony or voice provider of a number or call.
    TelephonyProvider = "switchboard_entity::enums::TelephonyProvider" { Vapi, Elevenlabs, Retell, Twilio, Other }
);
api_enum!(
    /// A campaign's lifecycle.
    CampaignStatus = "switchboard_entity::enums::CampaignStatus" { Draft, Active, Paused, Completed }
);
api_enum!(
    /// A member's role in an organization.
    MemberRole = "switchboard_entity::enums::MemberRole" { Owner, Admin, Manager, Agent, Viewer }
);
api_enum!(
    /// What caused a lead's status or score to change.
    TriggerType = "switchboard_entity::enums::TriggerType" { Call, Manual, Automation, Ai }
);
api_enum!(
    /// How a lead was assigned.
    AssignmentStrategy = "switchboard_entity::enums::AssignmentStrategy" { Manual, RoundRobin, Capacity, Geographic, SkillBased }
);
api_enum!(
    /// How a number came onto the DNC list.
    DncSource = "switchboard_entity::enums::DncSource" { Manual, CustomerRequest, AiDetected, Import, Api, Registry }
);
api_enum!(
    /// A follow-up's state.
    FollowUpStatus = "switchboard_entity::enums::FollowUpStatus" { Pending, Completed, Cancelled }
);
api_enum!(
    /// What an audit entry records.
    LeadAuditAction = "switchboard_entity::enums::LeadAuditAction" { Create, Update, Delete, Restore }
);
api_enum!(
    /// A qualitative level from AI analysis.
    Level = "switchboard_entity::enums::Level" { Low, Medium, High }
);
api_enum!(
    /// How warm a lead is after a call.
    LeadTemperature = "switchboard_entity::enums::LeadTemperature" { Hot, Warm, Cold, NotInterested }
);
api_enum!(
    /// The caller's sentiment.
    Sentiment = "switchboard_entity::enums::Sentiment" { Positive, Neutral, Negative }
);
api_enum!(
    /// A customer's lifecycle state.
    CustomerStatus = "switchboard_entity::enums::CustomerStatus" { Active, Inactive, Churned, OnHold }
);
api_enum!(
    /// What a `call_events` row records.
    CallEventKind = "switchboard_entity::enums::CallEventKind" { Created, StatusChanged, OutcomeRecorded, TranscriptAttached, AnalysisRecorded, ProviderEvent }
);
api_enum!(
    /// Who reported a call event: the API, the system, or a provider's webhook.
    CallEventSource = "switchboard_entity::enums::CallEventSource" { Api, System, Vapi, Elevenlabs, Retell, Twilio }
);
api_enum!(
    /// How a lead changed.
    LeadChange = "switchboard_app::events::LeadChange" { Created, Updated, Deleted, Restored }
);
