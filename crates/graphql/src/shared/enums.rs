//! GraphQL enums, mirrored from the entity enums (`remote`), so the API's
//! names (SCREAMING_CASE) are fixed here and a stored value can only map to
//! one of them. Serde uses the same names: `Segment.filter` shows a stored
//! filter in the `LeadFilter` input's shape.

use async_graphql::Enum;
use serde::{Deserialize, Serialize};

macro_rules! api_enum {
    ($(#[$doc:meta])* $name:ident = $remote:literal { $($(#[$vdoc:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[graphql(remote = $remote)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }
    };
}

api_enum!(
    /// Where a lead is in the pipeline.
    LeadStatus = "switchboard_entity::enums::LeadStatus" {
        /// Not contacted yet: the status a lead is created with.
        New,
        /// Reached at least once, not yet qualified.
        Contacted,
        /// Meets the criteria to be worked as a prospect.
        Qualified,
        /// Not ready yet; kept warm, e.g. by a nurture sequence.
        Nurturing,
        /// Showing strong intent; call back first.
        Hot,
        /// Little or no interest for now.
        Cold,
        /// Converted: the goal of the funnel (counted by cost per recruit).
        Recruited,
        /// Do not call: the number is on the DNC list or the lead asked not to be called; no call may be scheduled to it.
        Dnc,
    }
);
api_enum!(
    /// A call's status; the last six are terminal.
    CallStatus = "switchboard_entity::enums::CallStatus" {
        /// Planned for `scheduledAt`, not yet queued for dialing.
        Scheduled,
        /// Waiting for the dialer or the provider to place it.
        Queued,
        /// The other party's phone is ringing.
        Ringing,
        /// Connected and under way.
        InProgress,
        /// Terminal: held and ended normally.
        Completed,
        /// Terminal: the prospect did not turn up for the scheduled call.
        NoShow,
        /// Terminal: nobody answered.
        Missed,
        /// Terminal: reached voicemail.
        Voicemail,
        /// Terminal: could not be placed or broke off (provider or network error).
        Failed,
        /// Terminal: called off before it was held.
        Cancelled,
    }
);
api_enum!(
    /// The primary outcome of a call.
    CallOutcome = "switchboard_entity::enums::CallOutcome" {
        /// An appointment was booked.
        Booked,
        /// Handed over to a human (warm transfer).
        Transferred,
        /// The caller asked about insurance coverage.
        InsuranceInquiry,
        /// A payment plan was discussed or agreed.
        PaymentPlan,
        /// The caller only wanted information.
        Information,
        /// Left on (or reached) voicemail.
        Voicemail,
        /// Nobody answered.
        NoAnswer,
        /// The line was busy.
        Busy,
        /// The call failed technically.
        Failed,
        /// Anything else; see the call's notes and summary.
        Other,
    }
);
api_enum!(
    /// A call's stage in the CRM pipeline.
    CrmStage = "switchboard_entity::enums::CrmStage" {
        /// Not yet held (also failed and cancelled calls, which go back to be rescheduled).
        Scheduled,
        /// Being held now.
        InProgress,
        /// Held, not yet closed won or lost.
        Completed,
        /// The prospect never picked up (no show, missed or voicemail).
        NoShow,
        /// Held, and the recorded outcome closed the deal.
        ClosedWon,
        /// Held, and the recorded outcome lost the deal.
        Lost,
    }
);
api_enum!(
    /// Where a call's traffic came from.
    TrafficSource = "switchboard_entity::enums::TrafficSource" {
        /// Unpaid traffic, and the default when nothing points to paid ads.
        Organic,
        /// Meta (Facebook, Instagram) advertising.
        Meta,
    }
);
api_enum!(
    /// Inbound, or the kind of outbound call.
    CallType = "switchboard_entity::enums::CallType" {
        /// The other party called in.
        Inbound,
        /// An outbound call to a (new) lead.
        OutboundLead,
        /// An outbound debt-collection call.
        OutboundDebt,
        /// An outbound follow-up on an earlier contact.
        OutboundFollowup,
        /// An outbound call placed by a campaign.
        OutboundCampaign,
        /// Any other outbound call.
        OutboundOther,
    }
);
api_enum!(
    /// The channel a call came through.
    CallSource = "switchboard_entity::enums::CallSource" {
        /// Over the phone network.
        Phone,
        /// Over the internet (web or app call).
        Internet,
        /// Not reported.
        Unknown,
    }
);
api_enum!(
    /// How an appointment was set, which classifies a call's traffic source.
    AppointmentSource = "switchboard_entity::enums::AppointmentSource" {
        /// Booked by a sales development rep (counts as META traffic).
        SdrBookedCall,
        /// Booked by someone other than an SDR (counts as ORGANIC traffic).
        NonSdrBookedCall,
        /// Booked after a video sales letter (counts as META traffic).
        Vsl,
        /// Booked from an email (counts as ORGANIC traffic).
        Email,
        /// Booked by the prospect themselves (counts as ORGANIC traffic).
        SelfBooking,
    }
);
api_enum!(
    /// The voice-AI platform an agent runs on.
    AgentProvider = "switchboard_entity::enums::AgentProvider" {
        /// Vapi (vapi.ai).
        Vapi,
        /// ElevenLabs Conversational AI.
        Elevenlabs,
        /// Retell AI.
        Retell,
        /// Any other platform; `externalAgentId` is the platform's own id.
        Other,
    }
);
api_enum!(
    /// What an agent does.
    AgentType = "switchboard_entity::enums::AgentType" {
        /// A voice agent that holds phone calls.
        Call,
        /// A text chat agent.
        Chat,
    }
);
api_enum!(
    /// The telephony or voice provider of a number or call.
    TelephonyProvider = "switchboard_entity::enums::TelephonyProvider" {
        /// Vapi (its telephony).
        Vapi,
        /// ElevenLabs (its telephony).
        Elevenlabs,
        /// Retell AI (its telephony).
        Retell,
        /// Twilio, the carrier.
        Twilio,
        /// Any other carrier or platform.
        Other,
    }
);
api_enum!(
    /// A campaign's lifecycle.
    CampaignStatus = "switchboard_entity::enums::CampaignStatus" {
        /// Being set up; places no calls.
        Draft,
        /// Placing calls within its calling window.
        Active,
        /// Temporarily placing no calls.
        Paused,
        /// Finished; places no more calls.
        Completed,
    }
);
api_enum!(
    /// Where a membership stands.
    MembershipStatus = "switchboard_entity::enums::MembershipStatus" {
        /// A member with access.
        Active,
        /// Invited, not yet accepted: no access until then.
        Invited,
        /// Access withdrawn for now (`reactivateMember` gives it back).
        Suspended,
    }
);
api_enum!(
    /// A member's role in an organization.
    MemberRole = "switchboard_entity::enums::MemberRole" {
        /// Everything an admin may do; owns the organization.
        Owner,
        /// Everything in the organization, members and configuration included.
        Admin,
        /// Writes leads and calls, and manages segments, campaigns, agents, numbers, DNC, assignments, targets and costs.
        Manager,
        /// Reads everything and writes leads and calls.
        Agent,
        /// Reads everything in the organization, writes nothing.
        Viewer,
    }
);
api_enum!(
    /// What caused a lead's status or score to change.
    TriggerType = "switchboard_entity::enums::TriggerType" {
        /// A call (its outcome or analysis).
        Call,
        /// A person, by hand.
        Manual,
        /// An automation such as a nurture sequence or an import.
        Automation,
        /// The AI analysis of a call.
        Ai,
    }
);
api_enum!(
    /// How a lead was assigned.
    AssignmentStrategy = "switchboard_entity::enums::AssignmentStrategy" {
        /// To the one member named.
        Manual,
        /// Next in turn among the eligible members (in id order), continuing after the organization's last round-robin turn.
        RoundRobin,
        /// To the eligible member with the fewest open leads, under their capacity.
        Capacity,
        /// To a member of the first territory covering the lead (area code, then time zone, then country).
        Geographic,
        /// Hot and high-score (70+) leads to the member with the best 90-day close rate; the rest by fewest open leads.
        SkillBased,
    }
);
api_enum!(
    /// How a number came onto the DNC list.
    DncSource = "switchboard_entity::enums::DncSource" {
        /// Added by a member by hand.
        Manual,
        /// The person asked not to be called.
        CustomerRequest,
        /// The AI heard an opt-out phrase on a call (see `detectedPhrase`).
        AiDetected,
        /// Imported from a list.
        Import,
        /// Added by an integration through the API.
        Api,
        /// From a national do-not-call registry.
        Registry,
    }
);
api_enum!(
    /// A follow-up's state.
    FollowUpStatus = "switchboard_entity::enums::FollowUpStatus" {
        /// Still to do.
        Pending,
        /// Done (see `completedAt`).
        Completed,
        /// Called off.
        Cancelled,
    }
);
api_enum!(
    /// What an audit entry records.
    LeadAuditAction = "switchboard_entity::enums::LeadAuditAction" {
        /// The lead was created.
        Create,
        /// Fields of the lead changed.
        Update,
        /// The lead was soft-deleted.
        Delete,
        /// A soft-deleted lead was restored.
        Restore,
    }
);
api_enum!(
    /// A qualitative level from AI analysis.
    Level = "switchboard_entity::enums::Level" {
        /// The bottom of the scale.
        Low,
        /// The middle of the scale.
        Medium,
        /// The top of the scale.
        High,
    }
);
api_enum!(
    /// How warm a lead is after a call.
    LeadTemperature = "switchboard_entity::enums::LeadTemperature" {
        /// Ready to act now.
        Hot,
        /// Interested, not ready yet.
        Warm,
        /// Little interest.
        Cold,
        /// Declined.
        NotInterested,
    }
);
api_enum!(
    /// The caller's sentiment.
    Sentiment = "switchboard_entity::enums::Sentiment" {
        /// Pleased, friendly or enthusiastic.
        Positive,
        /// Neither pleased nor displeased.
        Neutral,
        /// Annoyed, upset or hostile.
        Negative,
    }
);
api_enum!(
    /// A customer's lifecycle state.
    CustomerStatus = "switchboard_entity::enums::CustomerStatus" {
        /// A current customer.
        Active,
        /// No recent activity.
        Inactive,
        /// Left.
        Churned,
        /// Paused, e.g. by request or over payment.
        OnHold,
    }
);
api_enum!(
    /// What a `call_events` row records.
    CallEventKind = "switchboard_entity::enums::CallEventKind" {
        /// The call was created.
        Created,
        /// The call's status changed (`fromStatus` to `toStatus`).
        StatusChanged,
        /// An outcome was recorded.
        OutcomeRecorded,
        /// A transcript was attached.
        TranscriptAttached,
        /// An AI analysis was recorded.
        AnalysisRecorded,
        /// A provider reported something that changed nothing else.
        ProviderEvent,
    }
);
api_enum!(
    /// Who reported a call event: the API, the system, or a provider's webhook.
    CallEventSource = "switchboard_entity::enums::CallEventSource" {
        /// A client of this API.
        Api,
        /// Switchboard itself (scheduler, dialer, timeouts).
        System,
        /// A Vapi webhook.
        Vapi,
        /// An ElevenLabs webhook.
        Elevenlabs,
        /// A Retell webhook.
        Retell,
        /// A Twilio webhook.
        Twilio,
    }
);
api_enum!(
    /// How a lead changed.
    LeadChange = "switchboard_app::events::LeadChange" {
        /// The lead was created (`createLead`, an import or upsert, or an
        /// inbound call from an unknown number).
        Created,
        /// Fields or tags of the lead changed.
        Updated,
        /// The lead was soft-deleted.
        Deleted,
        /// A soft-deleted lead was restored.
        Restored,
    }
);
