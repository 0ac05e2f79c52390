//! The call side of the API: creating and scheduling calls, the dial gate,
//! the status machine, outcomes, transcripts and analyses.
//!
//! Resolvers are thin: they check the role, parse ids, map their input to
//! the use case's, and run one use case of [`switchboard_app::calls`] (which
//! opens and commits its own write), returning the GraphQL wrappers of
//! [`crate::types`]. The use cases key refused fields relative to their
//! input; the resolvers place them under the `input` argument.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use switchboard_domain::dial::DialBlock;

use crate::shared::context::{self, Permission, require};
use crate::shared::enums::*;
use crate::shared::error::{ApiResult, UnderArgument, parse_id};
use crate::types::{Call, CallAnalysis, Transcript};
use switchboard_app::calls::{
    self, Closed, DialCheck, NewAnalysis, NewCall, NewSegment, NewTranscript, OutboundCall, Outcome,
};

fn parse_opt_id(field: &str, id: Option<ID>) -> ApiResult<Option<uuid::Uuid>> {
    id.map(|id| parse_id(field, &id)).transpose()
}

/// The call queries, merged into the query root.
#[derive(Default)]
pub struct CallQueries;

/// The call mutations, merged into the mutation root.
#[derive(Default)]
pub struct CallMutations;

/// A call to record. Referenced lead, agent, campaign and number must be the
/// organization's.
#[derive(InputObject)]
pub struct CreateCallInput {
    /// The lead called (or calling). Without it, `phoneNumber` is required.
    pub lead_id: Option<ID>,
    /// The other party's number, any common format; defaults to the lead's.
    pub phone_number: Option<String>,
    /// The AI agent holding the call.
    pub agent_id: Option<ID>,
    /// The campaign the call belongs to.
    pub campaign_id: Option<ID>,
    /// The organization's number the call is made from.
    pub phone_number_id: Option<ID>,
    /// Inbound or which kind of outbound call; default OUTBOUND_LEAD.
    #[graphql(default_with = "CallType::OutboundLead")]
    pub call_type: CallType,
    /// Phone network or internet; default UNKNOWN.
    #[graphql(default_with = "CallSource::Unknown")]
    pub call_source: CallSource,
    /// The status to record the call in (any status, terminal ones included); default SCHEDULED.
    #[graphql(default_with = "CallStatus::Scheduled")]
    pub status: CallStatus,
    /// When the call is planned for.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Why the call is made.
    pub purpose: Option<String>,
    /// Free-form notes.
    pub notes: Option<String>,
    /// Wins over the classification by appointment and lead source.
    pub traffic_source: Option<TrafficSource>,
    /// How the appointment behind the call was set; classifies the traffic source when none is given.
    pub source_of_set_appointment: Option<AppointmentSource>,
    /// Defaults to the lead's source.
    pub lead_source: Option<String>,
}

/// An outbound call to schedule, behind the dial gate.
#[derive(InputObject)]
pub struct ScheduleOutboundCallInput {
    /// The lead to call (not deleted); the call goes to its number.
    pub lead_id: ID,
    /// The AI agent to place the call.
    pub agent_id: Option<ID>,
    /// The campaign's calling window applies too.
    pub campaign_id: Option<ID>,
    /// When to dial; the gate is checked at this instant.
    pub scheduled_at: DateTime<Utc>,
    /// Why the call is made.
    pub purpose: Option<String>,
    /// Any outbound type (INBOUND is refused).
    #[graphql(default_with = "CallType::OutboundLead")]
    pub call_type: CallType,
}

/// How a completed call closed.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosedStage {
    /// The deal was won: CRM stage CLOSED_WON.
    ClosedWon,
    /// The deal was lost: CRM stage LOST.
    Lost,
}

impl From<ClosedStage> for Closed {
    fn from(stage: ClosedStage) -> Self {
        match stage {
            ClosedStage::ClosedWon => Closed::Won,
            ClosedStage::Lost => Closed::Lost,
        }
    }
}

/// What a call achieved, with its insurance, payment and collection
/// details. Omitted fields stay as they are.
#[derive(InputObject)]
pub struct RecordCallOutcomeInput {
    /// What the call achieved (replaces any earlier outcome).
    pub outcome: CallOutcome,
    /// Only for a COMPLETED call: sets its CRM stage to CLOSED_WON or LOST.
    pub closed: Option<ClosedStage>,
    /// Whether the caller's insurance was verified.
    pub insurance_verified: Option<bool>,
    /// The caller's insurance company.
    pub insurance_provider: Option<String>,
    /// Whether a payment plan was discussed.
    pub payment_plan_discussed: Option<bool>,
    /// The payment plan amount discussed, in cents, at least 0.
    pub payment_plan_amount_cents: Option<i64>,
    /// Whether the call tried to collect a payment.
    pub collection_attempt: Option<bool>,
    /// The amount asked for, in cents, at least 0.
    pub collection_amount_cents: Option<i64>,
    /// Whether the collection succeeded.
    pub collection_success: Option<bool>,
    /// Whether the call was handed over to a human.
    pub transferred_to_staff: Option<bool>,
    /// Who (or which line) the call was transferred to.
    pub transferred_to: Option<String>,
    /// Whether someone must follow up on the call.
    pub follow_up_required: Option<bool>,
    /// When to follow up.
    pub follow_up_date: Option<DateTime<Utc>>,
    /// How well the call went, 1 (poor) to 5 (excellent).
    pub call_quality: Option<i32>,
    /// The other party's overall mood on the call.
    pub customer_sentiment: Option<Sentiment>,
    /// How sure the AI is of the outcome, 0 to 1.
    pub ai_confidence: Option<f64>,
    /// A short account of the call.
    pub summary: Option<String>,
    /// Free-form notes (replace the call's notes).
    pub notes: Option<String>,
}

/// One speaker's turn.
#[derive(InputObject)]
pub struct SpeakerSegmentInput {
    /// Who spoke (e.g. `agent`, `user`); not empty.
    pub speaker: String,
    /// What they said.
    pub text: String,
    /// Seconds from the start of the call, at least 0.
    pub start: Option<f64>,
    /// Seconds from the start of the call, not before `start`.
    pub end: Option<f64>,
}

/// Most speaker segments of one transcript (hours of conversation).
pub const MAX_TRANSCRIPT_SEGMENTS: usize = 10_000;
/// Most key topics, and most objections, of one analysis.
pub const MAX_ANALYSIS_ITEMS: usize = 50;

/// A call's transcript.
#[derive(InputObject)]
pub struct TranscriptInput {
    /// The full text; not empty.
    pub content: String,
    /// At most 10,000 segments.
    #[graphql(default)]
    pub segments: Vec<SpeakerSegmentInput>,
    /// The language spoken, a BCP 47 tag such as `en` or `es-MX`; default `en`.
    #[graphql(default_with = "\"en\".to_owned()")]
    pub language: String,
}

/// The AI's reading of a call. It replaces the call's previous analysis
/// whole: omitted fields are cleared.
#[derive(InputObject)]
pub struct CallAnalysisInput {
    /// How strongly the lead intends to buy.
    pub intent_level: Option<Level>,
    /// Intent, 0-100 (as are the other scores).
    pub intent_score: Option<i32>,
    /// How soon the lead needs a solution.
    pub urgency_level: Option<Level>,
    /// Urgency, 0-100.
    pub urgency_score: Option<i32>,
    /// How far the lead's budget fits (HIGH: little constraint).
    pub budget_level: Option<Level>,
    /// Budget, 0-100.
    pub budget_score: Option<i32>,
    /// How well the product fits the lead's needs.
    pub fit_level: Option<Level>,
    /// Fit, 0-100.
    pub fit_score: Option<i32>,
    /// How engaged the lead was.
    pub engagement_level: Option<Level>,
    /// Engagement, 0-100.
    pub engagement_score: Option<i32>,
    /// The overall lead score of the call, 0-100.
    pub total_score: Option<i32>,
    /// The model's qualification tag for the lead (free text).
    pub lead_status_tag: Option<String>,
    /// The model's reasons, as JSON.
    pub reasoning: Option<Json<serde_json::Value>>,
    /// The lead asked about pricing; default false.
    #[graphql(default)]
    pub cta_pricing_clicked: bool,
    /// The lead asked for a demo; default false.
    #[graphql(default)]
    pub cta_demo_clicked: bool,
    /// The lead asked to be followed up; default false.
    #[graphql(default)]
    pub cta_followup_clicked: bool,
    /// The lead asked for a sample; default false.
    #[graphql(default)]
    pub cta_sample_clicked: bool,
    /// The lead asked for a human; default false.
    #[graphql(default)]
    pub cta_escalated_to_human: bool,
    /// When the demo the call booked takes place.
    pub demo_scheduled_at: Option<DateTime<Utc>>,
    /// The lead's name, as the AI heard it.
    pub extracted_name: Option<String>,
    /// The lead's email, as the AI heard it.
    pub extracted_email: Option<String>,
    /// The lead's company, as the AI heard it.
    pub company_name: Option<String>,
    /// Whether the AI judged the lead qualified; default false.
    #[graphql(default)]
    pub is_qualified: bool,
    /// How warm the lead is after the call.
    pub lead_temperature: Option<LeadTemperature>,
    /// The lead's sentiment, from -1 (negative) to 1 (positive).
    pub sentiment_score: Option<f64>,
    /// The topics the conversation covered, at most 50.
    #[graphql(default)]
    pub key_topics: Vec<String>,
    /// The objections the lead raised, at most 50.
    #[graphql(default)]
    pub objections_raised: Vec<String>,
    /// What should happen next.
    pub next_steps: Option<String>,
}

/// Why a number may not be dialed (the codes of a DIAL_BLOCKED error's `reasons`).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialBlockCode {
    /// The number is on the organization's do-not-call list.
    OnDncList,
    /// It is before 08:00 or from 21:00 at the called party's local time.
    OutsideCallingHours,
    /// It is outside the campaign's calling window.
    OutsideCampaignWindow,
    /// The balance does not cover one minute of calling.
    InsufficientCredits,
    /// The call's campaign is a draft, paused or completed.
    CampaignNotActive,
}

/// One reason a dial is blocked.
#[derive(SimpleObject)]
pub struct DialBlockReason {
    /// Which check blocks the dial.
    pub code: DialBlockCode,
    /// For people, e.g. "it is 07:30 in America/New_York; …".
    pub message: String,
}

impl From<&DialBlock> for DialBlockReason {
    fn from(block: &DialBlock) -> Self {
        let code = match block {
            DialBlock::OnDncList { .. } => DialBlockCode::OnDncList,
            DialBlock::OutsideCallingHours { .. } => DialBlockCode::OutsideCallingHours,
            DialBlock::OutsideCampaignWindow { .. } => DialBlockCode::OutsideCampaignWindow,
            DialBlock::InsufficientCredits { .. } => DialBlockCode::InsufficientCredits,
            DialBlock::CampaignNotActive { .. } => DialBlockCode::CampaignNotActive,
        };
        Self {
            code,
            message: block.to_string(),
        }
    }
}

/// Whether a number may be dialed at an instant, and every reason it may not.
#[derive(SimpleObject)]
pub struct DialEligibility {
    /// True when nothing blocks the dial (`reasons` is empty).
    pub eligible: bool,
    /// Every block, in a fixed order: DNC, calling hours, campaign window, credits.
    pub reasons: Vec<DialBlockReason>,
    /// The number checked, E.164.
    pub phone_number: String,
    /// The called party's IANA zone: the lead's, else the organization's.
    pub timezone: String,
    /// The wall-clock time there at the instant checked (HH:MM:SS).
    pub local_time: String,
}

impl From<calls::DialGate> for DialEligibility {
    fn from(gate: calls::DialGate) -> Self {
        Self {
            eligible: gate.eligible(),
            reasons: gate.blocks.iter().map(Into::into).collect(),
            phone_number: gate.phone_number,
            timezone: gate.timezone.name().to_owned(),
            local_time: gate.local_time.format("%H:%M:%S").to_string(),
        }
    }
}

#[Object]
impl CallQueries {
    /// Whether a lead (or a bare number: give exactly one) may be dialed at
    /// `at` (default now), optionally in a campaign: the same gate
    /// `scheduleOutboundCall` applies.
    async fn dial_eligibility(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The lead to check (its number and time zone); give this or `phoneNumber`."
        )]
        lead_id: Option<ID>,
        #[graphql(
            desc = "A bare number to check, in any common format (the organization's time zone applies); give this or `leadId`."
        )]
        phone_number: Option<String>,
        #[graphql(desc = "A campaign whose calling window applies too.")] campaign_id: Option<ID>,
        #[graphql(desc = "The instant to check; default now.")] at: Option<DateTime<Utc>>,
    ) -> ApiResult<DialEligibility> {
        let viewer = require(ctx, Permission::Read)?;
        let check = DialCheck {
            lead_id: parse_opt_id("leadId", lead_id)?,
            phone_number,
            campaign_id: parse_opt_id("campaignId", campaign_id)?,
            at,
        };
        let gate = calls::dial_eligibility(context::app(ctx)?, viewer, check).await?;
        Ok(gate.into())
    }
}

#[Object]
impl CallMutations {
    /// Records a call (no dial gate: see `scheduleOutboundCall`), with its `created` event.
    async fn create_call(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The call to record.")] input: CreateCallInput,
    ) -> ApiResult<Call> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let new = NewCall {
            lead_id: parse_opt_id("input.leadId", input.lead_id)?,
            phone_number: input.phone_number,
            agent_id: parse_opt_id("input.agentId", input.agent_id)?,
            campaign_id: parse_opt_id("input.campaignId", input.campaign_id)?,
            phone_number_id: parse_opt_id("input.phoneNumberId", input.phone_number_id)?,
            call_type: input.call_type.into(),
            call_source: input.call_source.into(),
            status: input.status.into(),
            scheduled_at: input.scheduled_at,
            purpose: input.purpose,
            notes: input.notes,
            traffic_source: input.traffic_source.map(Into::into),
            source_of_set_appointment: input.source_of_set_appointment.map(Into::into),
            lead_source: input.lead_source,
        };
        let call = calls::create_call(context::app(ctx)?, viewer.into(), new)
            .await
            .under("input")?;
        Ok(Call::new(call))
    }

    /// Schedules an outbound call to a lead if the dial gate allows it at
    /// `scheduledAt`; otherwise DIAL_BLOCKED with every reason, and nothing is written.
    async fn schedule_outbound_call(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead, when, and by which agent and campaign.")]
        input: ScheduleOutboundCallInput,
    ) -> ApiResult<Call> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let outbound = OutboundCall {
            lead_id: parse_id("input.leadId", &input.lead_id)?,
            agent_id: parse_opt_id("input.agentId", input.agent_id)?,
            campaign_id: parse_opt_id("input.campaignId", input.campaign_id)?,
            scheduled_at: input.scheduled_at,
            purpose: input.purpose,
            call_type: input.call_type.into(),
        };
        let call = calls::schedule_outbound_call(context::app(ctx)?, viewer.into(), outbound)
            .await
            .under("input")?;
        Ok(Call::new(call))
    }

    /// Moves a call through the status machine (an illegal move is
    /// BAD_USER_INPUT; its current status is a no-op). `at` (default now) is
    /// when it happened: it starts or ends the call.
    async fn update_call_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The call's id.")] id: ID,
        #[graphql(
            desc = "The status to move to; it must be reachable from the current one (the same status is a no-op)."
        )]
        status: CallStatus,
        #[graphql(
            desc = "When the change happened (it starts or ends the call); default now. An end before the start is BAD_USER_INPUT."
        )]
        at: Option<DateTime<Utc>>,
    ) -> ApiResult<Call> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let call_id = parse_id("id", &id)?;
        let call = calls::update_call_status(
            context::app(ctx)?,
            viewer.into(),
            call_id,
            status.into(),
            at,
        )
        .await?;
        Ok(Call::new(call))
    }

    /// Records what a call achieved.
    async fn record_call_outcome(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The call's id.")] id: ID,
        #[graphql(desc = "The outcome; omitted details stay as they are.")]
        input: RecordCallOutcomeInput,
    ) -> ApiResult<Call> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let call_id = parse_id("id", &id)?;
        let outcome = Outcome {
            outcome: input.outcome.into(),
            closed: input.closed.map(Into::into),
            insurance_verified: input.insurance_verified,
            insurance_provider: input.insurance_provider,
            payment_plan_discussed: input.payment_plan_discussed,
            payment_plan_amount_cents: input.payment_plan_amount_cents,
            collection_attempt: input.collection_attempt,
            collection_amount_cents: input.collection_amount_cents,
            collection_success: input.collection_success,
            transferred_to_staff: input.transferred_to_staff,
            transferred_to: input.transferred_to,
            follow_up_required: input.follow_up_required,
            follow_up_date: input.follow_up_date,
            call_quality: input.call_quality,
            customer_sentiment: input.customer_sentiment.map(Into::into),
            ai_confidence: input.ai_confidence,
            summary: input.summary,
            notes: input.notes,
        };
        let call = calls::record_call_outcome(context::app(ctx)?, viewer.into(), call_id, outcome)
            .await
            .under("input")?;
        Ok(Call::new(call))
    }

    /// Attaches a call's transcript, replacing the one it had (webhooks are redelivered).
    async fn attach_transcript(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The call's id.")] call_id: ID,
        #[graphql(desc = "The transcript, replacing any the call had.")] input: TranscriptInput,
    ) -> ApiResult<Transcript> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let call_id = parse_id("callId", &call_id)?;
        crate::shared::filter::check_width(
            "input.segments",
            "segments",
            input.segments.len(),
            MAX_TRANSCRIPT_SEGMENTS,
        )?;
        let transcript = NewTranscript {
            content: input.content,
            segments: input
                .segments
                .into_iter()
                .map(|s| NewSegment {
                    speaker: s.speaker,
                    text: s.text,
                    start: s.start,
                    end: s.end,
                })
                .collect(),
            language: Some(input.language),
        };
        let transcript =
            calls::attach_transcript(context::app(ctx)?, viewer.into(), call_id, transcript)
                .await
                .under("input")?;
        Ok(Transcript::new(transcript))
    }

    /// Records the AI analysis of a call, replacing the one it had.
    async fn record_call_analysis(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The call's id.")] call_id: ID,
        #[graphql(desc = "The analysis, replacing any the call had (omitted fields are cleared).")]
        input: CallAnalysisInput,
    ) -> ApiResult<CallAnalysis> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let call_id = parse_id("callId", &call_id)?;
        for (field, name, list) in [
            ("input.keyTopics", "keyTopics", &input.key_topics),
            (
                "input.objectionsRaised",
                "objectionsRaised",
                &input.objections_raised,
            ),
        ] {
            crate::shared::filter::check_width(field, name, list.len(), MAX_ANALYSIS_ITEMS)?;
        }
        let analysis = NewAnalysis {
            intent_level: input.intent_level.map(Into::into),
            intent_score: input.intent_score,
            urgency_level: input.urgency_level.map(Into::into),
            urgency_score: input.urgency_score,
            budget_level: input.budget_level.map(Into::into),
            budget_score: input.budget_score,
            fit_level: input.fit_level.map(Into::into),
            fit_score: input.fit_score,
            engagement_level: input.engagement_level.map(Into::into),
            engagement_score: input.engagement_score,
            total_score: input.total_score,
            lead_status_tag: input.lead_status_tag,
            reasoning: input.reasoning.map(|j| j.0),
            cta_pricing_clicked: input.cta_pricing_clicked,
            cta_demo_clicked: input.cta_demo_clicked,
            cta_followup_clicked: input.cta_followup_clicked,
            cta_sample_clicked: input.cta_sample_clicked,
            cta_escalated_to_human: input.cta_escalated_to_human,
            demo_scheduled_at: input.demo_scheduled_at,
            extracted_name: input.extracted_name,
            extracted_email: input.extracted_email,
            company_name: input.company_name,
            is_qualified: input.is_qualified,
            lead_temperature: input.lead_temperature.map(Into::into),
            sentiment_score: input.sentiment_score,
            key_topics: input.key_topics,
            objections_raised: input.objections_raised,
            next_steps: input.next_steps,
        };
        let analysis =
            calls::record_call_analysis(context::app(ctx)?, viewer.into(), call_id, analysis)
                .await
                .under("input")?;
        Ok(CallAnalysis::new(analysis))
    }
}
