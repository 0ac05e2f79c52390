//! Calls and what they produced: transcripts and AI analyses.

use super::*;
use serde::Deserialize;
use std::sync::Arc;

pub use crate::shared::prefetch::Columns;

/// One call with a lead, by an AI agent.
pub struct Call(pub Arc<calls::Model>, Columns);

impl Call {
    /// Wraps a row, owned or shared.
    pub fn new(row: impl Into<Arc<calls::Model>>) -> Self {
        Self(row.into(), Columns::All)
    }

    /// Wraps a row read without its `metadata`.
    pub fn without_json(row: impl Into<Arc<calls::Model>>) -> Self {
        Self(row.into(), Columns::WithoutJson)
    }

    /// The whole row: this one, or the same call read by id.
    async fn whole(&self, ctx: &Context<'_>) -> ApiResult<Arc<calls::Model>> {
        if self.1 == Columns::All {
            return Ok(self.0.clone());
        }
        whole(&loaders(ctx)?.calls, self.0.id, "call").await
    }
}

/// Row `id` of `entity` with every column, through `loader` (by id).
async fn whole<B, M>(
    loader: &crate::shared::loaders::Cached<B>,
    id: Uuid,
    entity: &'static str,
) -> ApiResult<Arc<M>>
where
    B: switchboard_app::query::batch::Batch<Uuid, Value = Vec<Arc<M>>>,
    M: Send + Sync + 'static,
{
    load(loader, id)
        .await?
        .and_then(|rows| rows.into_iter().next())
        .ok_or_else(|| AppError::not_found(entity, id).into())
}

/// One call between an AI agent and a lead (or an unknown caller), from
/// scheduling to its outcome, with what it cost.
#[Object]
impl Call {
    /// The call's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Where the call is in its lifecycle; changes only along the status machine (`updateCallStatus`).
    async fn status(&self) -> CallStatus {
        self.0.status.into()
    }
    /// What the call achieved, once recorded (`recordCallOutcome`).
    async fn outcome(&self) -> Option<CallOutcome> {
        self.0.outcome.map(Into::into)
    }
    /// The sales-pipeline stage, derived from the status and the recorded close (CLOSED_WON or LOST).
    async fn crm_stage(&self) -> CrmStage {
        self.0.crm_stage.into()
    }
    /// Where the traffic behind the call came from: as given, else by `sourceOfSetAppointment`, else by the lead source, else ORGANIC.
    async fn traffic_source(&self) -> TrafficSource {
        self.0.traffic_source.into()
    }
    /// How the appointment behind the call was set, if known.
    async fn source_of_set_appointment(&self) -> Option<AppointmentSource> {
        self.0.source_of_set_appointment.map(Into::into)
    }
    /// The lead's source when the call was created (or as given).
    async fn lead_source(&self) -> Option<&str> {
        self.0.lead_source.as_deref()
    }
    /// Inbound, or which kind of outbound call.
    async fn call_type(&self) -> CallType {
        self.0.call_type.into()
    }
    /// Whether the call came over the phone network or the internet.
    async fn call_source(&self) -> CallSource {
        self.0.call_source.into()
    }
    /// The platform that carried the call, if known.
    async fn provider(&self) -> Option<TelephonyProvider> {
        self.0.provider.map(Into::into)
    }
    /// The provider's id of the call (Vapi call id, ElevenLabs conversation id…).
    async fn provider_call_id(&self) -> Option<&str> {
        self.0.provider_call_id.as_deref()
    }
    /// The other party's number, E.164.
    async fn phone_number(&self) -> Option<&str> {
        self.0.phone_number.as_deref()
    }
    /// The other party's name as the provider reported it.
    async fn caller_name(&self) -> Option<&str> {
        self.0.caller_name.as_deref()
    }
    /// The other party's email as the provider reported it.
    async fn caller_email(&self) -> Option<&str> {
        self.0.caller_email.as_deref()
    }
    /// When the call is (or was) planned to be placed.
    async fn scheduled_at(&self) -> Option<DateTime<Utc>> {
        self.0.scheduled_at
    }
    /// When the call connected (reached IN_PROGRESS).
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    /// When the call reached a terminal status.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }
    /// Seconds from `startedAt` to `endedAt` (0 if it never connected); set when it ends.
    async fn duration_seconds(&self) -> Option<i32> {
        self.0.duration_seconds
    }
    /// The duration rounded up to whole minutes (61 s bills 2).
    async fn billed_minutes(&self) -> Option<i32> {
        self.0.billed_minutes
    }
    /// Credits charged: billed minutes × the organization's credits per minute, for a call that connected (COMPLETED or VOICEMAIL); 0 otherwise.
    async fn credits_used(&self) -> i64 {
        self.0.credits_used
    }
    /// What the provider charged for the call, in US cents, as its webhook reported it (0 until reported).
    async fn cost_cents(&self) -> i64 {
        self.0.cost_cents
    }
    /// Where the provider keeps the call's recording.
    async fn recording_url(&self) -> Option<&str> {
        self.0.recording_url.as_deref()
    }
    /// A short account of the call (usually written by the AI).
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }
    /// Why the call is made, as given when it was created.
    async fn purpose(&self) -> Option<&str> {
        self.0.purpose.as_deref()
    }
    /// Free-form notes.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// The provider's reason the call ended (e.g. `customer-ended-call`), as reported first.
    async fn ended_reason(&self) -> Option<&str> {
        self.0.ended_reason.as_deref()
    }
    /// Whether the caller's insurance was verified on the call.
    async fn insurance_verified(&self) -> bool {
        self.0.insurance_verified
    }
    /// The caller's insurance company, if named.
    async fn insurance_provider(&self) -> Option<&str> {
        self.0.insurance_provider.as_deref()
    }
    /// Whether a payment plan was discussed.
    async fn payment_plan_discussed(&self) -> bool {
        self.0.payment_plan_discussed
    }
    /// The payment plan amount discussed, in cents.
    async fn payment_plan_amount_cents(&self) -> Option<i64> {
        self.0.payment_plan_amount_cents
    }
    /// Whether the call tried to collect a payment.
    async fn collection_attempt(&self) -> bool {
        self.0.collection_attempt
    }
    /// The amount asked for, in cents.
    async fn collection_amount_cents(&self) -> Option<i64> {
        self.0.collection_amount_cents
    }
    /// Whether the collection succeeded.
    async fn collection_success(&self) -> bool {
        self.0.collection_success
    }
    /// Whether the call was handed over to a human.
    async fn transferred_to_staff(&self) -> bool {
        self.0.transferred_to_staff
    }
    /// Who (or which line) the call was transferred to.
    async fn transferred_to(&self) -> Option<&str> {
        self.0.transferred_to.as_deref()
    }
    /// Whether someone must follow up on the call.
    async fn follow_up_required(&self) -> bool {
        self.0.follow_up_required
    }
    /// When to follow up.
    async fn follow_up_date(&self) -> Option<DateTime<Utc>> {
        self.0.follow_up_date
    }
    /// How well the call went, 1 (poor) to 5 (excellent).
    async fn call_quality(&self) -> Option<i32> {
        self.0.call_quality
    }
    /// The other party's overall mood on the call.
    async fn customer_sentiment(&self) -> Option<Sentiment> {
        self.0.customer_sentiment.map(Into::into)
    }
    /// How sure the AI is of the recorded outcome, 0 to 1.
    async fn ai_confidence(&self) -> Option<f64> {
        self.0.ai_confidence
    }
    /// Anything else the provider or the client attached, as a JSON object.
    async fn metadata(&self, ctx: &Context<'_>) -> ApiResult<Json<serde_json::Value>> {
        Ok(Json(self.whole(ctx).await?.metadata.clone()))
    }
    /// When the call was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the call last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The lead called (or calling); null for an unknown number not (yet) linked to a lead.
    async fn lead(&self, ctx: &Context<'_>) -> ApiResult<Option<Lead>> {
        let Some(lead) = self.0.lead_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.leads, lead)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(Lead::new))
    }
    /// The AI agent that held the call.
    async fn agent(&self, ctx: &Context<'_>) -> ApiResult<Option<Agent>> {
        let Some(agent) = self.0.agent_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.agents, agent)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(Agent::new))
    }
    /// The campaign the call belongs to.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Option<Campaign>> {
        let Some(campaign) = self.0.campaign_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.campaigns, campaign)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(Campaign::new))
    }
    /// What was said, once attached.
    async fn transcript(&self, ctx: &Context<'_>) -> ApiResult<Option<Transcript>> {
        Ok(load(&loaders(ctx)?.transcripts_by_call, self.0.id)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(Transcript::without_json))
    }
    /// The AI analysis of the call, once recorded.
    async fn analysis(&self, ctx: &Context<'_>) -> ApiResult<Option<CallAnalysis>> {
        Ok(load(&loaders(ctx)?.analyses_by_call, self.0.id)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(CallAnalysis::without_json))
    }
}

/// What was said in a call.
pub struct Transcript(pub Arc<transcripts::Model>, Columns);

impl Transcript {
    /// Wraps a row, owned or shared.
    pub fn new(row: impl Into<Arc<transcripts::Model>>) -> Self {
        Self(row.into(), Columns::All)
    }

    /// Wraps a row read without its `speaker_segments`.
    pub fn without_json(row: impl Into<Arc<transcripts::Model>>) -> Self {
        Self(row.into(), Columns::WithoutJson)
    }
}

/// One speaker's turn.
#[derive(SimpleObject, serde::Deserialize)]
pub struct SpeakerSegment {
    /// Who spoke, as the provider labels them (e.g. `agent`, `user`).
    pub speaker: String,
    /// What they said.
    pub text: String,
    /// When the turn began, in seconds from the start of the call.
    pub start: Option<f64>,
    /// When the turn ended, in seconds from the start of the call.
    pub end: Option<f64>,
}

/// What was said in a call: the full text and, where the provider gave
/// them, the speakers' turns. Searchable with `searchTranscripts`.
#[Object]
impl Transcript {
    /// The transcript's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The full text of the conversation.
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// The language spoken, as a BCP 47 tag such as `en` (default `en`).
    async fn language(&self) -> &str {
        &self.0.language
    }
    /// Each speaker's turns in order; empty when the provider gave only text.
    async fn segments(&self, ctx: &Context<'_>) -> ApiResult<Vec<SpeakerSegment>> {
        let row = match self.1 {
            Columns::All => self.0.clone(),
            Columns::WithoutJson => {
                whole(&loaders(ctx)?.transcripts, self.0.id, "transcript").await?
            }
        };
        Ok(Vec::<SpeakerSegment>::deserialize(&row.speaker_segments).unwrap_or_default())
    }
    /// When the transcript was first attached.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The call the transcript is of.
    async fn call(&self, ctx: &Context<'_>) -> ApiResult<Option<Call>> {
        Ok(load(&loaders(ctx)?.calls, self.0.call_id)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(Call::new))
    }
}

/// The AI's reading of a call: scores 0-100, levels, CTA interactions.
pub struct CallAnalysis(pub Arc<lead_analytics::Model>, Columns);

impl CallAnalysis {
    /// Wraps a row, owned or shared.
    pub fn new(row: impl Into<Arc<lead_analytics::Model>>) -> Self {
        Self(row.into(), Columns::All)
    }

    /// Wraps a row read without its JSON columns.
    pub fn without_json(row: impl Into<Arc<lead_analytics::Model>>) -> Self {
        Self(row.into(), Columns::WithoutJson)
    }

    /// The whole row: this one, or the same analysis read by id.
    async fn whole(&self, ctx: &Context<'_>) -> ApiResult<Arc<lead_analytics::Model>> {
        if self.1 == Columns::All {
            return Ok(self.0.clone());
        }
        whole(&loaders(ctx)?.analyses, self.0.id, "analysis").await
    }
}

/// The AI's reading of a call (at most one per call): five rated
/// dimensions with a level and a 0-100 score each, a total, the CTAs the
/// conversation hit, and what it extracted about the lead.
#[Object]
impl CallAnalysis {
    /// The analysis's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// How strongly the lead intends to buy.
    async fn intent_level(&self) -> Option<Level> {
        self.0.intent_level.map(Into::into)
    }
    /// Intent, 0-100.
    async fn intent_score(&self) -> Option<i32> {
        self.0.intent_score
    }
    /// How soon the lead needs a solution.
    async fn urgency_level(&self) -> Option<Level> {
        self.0.urgency_level.map(Into::into)
    }
    /// Urgency, 0-100.
    async fn urgency_score(&self) -> Option<i32> {
        self.0.urgency_score
    }
    /// How far the lead's budget fits (HIGH: little constraint).
    async fn budget_level(&self) -> Option<Level> {
        self.0.budget_constraint.map(Into::into)
    }
    /// Budget, 0-100.
    async fn budget_score(&self) -> Option<i32> {
        self.0.budget_score
    }
    /// How well the product fits the lead's needs.
    async fn fit_level(&self) -> Option<Level> {
        self.0.fit_alignment.map(Into::into)
    }
    /// Fit, 0-100.
    async fn fit_score(&self) -> Option<i32> {
        self.0.fit_score
    }
    /// How engaged the lead was in the conversation.
    async fn engagement_level(&self) -> Option<Level> {
        self.0.engagement_health.map(Into::into)
    }
    /// Engagement, 0-100.
    async fn engagement_score(&self) -> Option<i32> {
        self.0.engagement_score
    }
    /// The overall lead score of the call, 0-100.
    async fn total_score(&self) -> Option<i32> {
        self.0.total_score
    }
    /// The model's qualification tag for the lead (free text, e.g. `hot-lead`).
    async fn lead_status_tag(&self) -> Option<&str> {
        self.0.lead_status_tag.as_deref()
    }
    /// The model's reasons for its scores, as JSON (an empty object when none).
    async fn reasoning(&self, ctx: &Context<'_>) -> ApiResult<Json<serde_json::Value>> {
        Ok(Json(self.whole(ctx).await?.reasoning.clone()))
    }
    /// Details of the calls to action the conversation hit, as JSON (an empty object when none were reported).
    async fn cta_interactions(&self, ctx: &Context<'_>) -> ApiResult<Json<serde_json::Value>> {
        Ok(Json(self.whole(ctx).await?.cta_interactions.clone()))
    }
    /// The lead asked about pricing.
    async fn cta_pricing_clicked(&self) -> bool {
        self.0.cta_pricing_clicked
    }
    /// The lead asked for a demo.
    async fn cta_demo_clicked(&self) -> bool {
        self.0.cta_demo_clicked
    }
    /// The lead asked to be followed up.
    async fn cta_followup_clicked(&self) -> bool {
        self.0.cta_followup_clicked
    }
    /// The lead asked for a sample.
    async fn cta_sample_clicked(&self) -> bool {
        self.0.cta_sample_clicked
    }
    /// The lead asked for a human.
    async fn cta_escalated_to_human(&self) -> bool {
        self.0.cta_escalated_to_human
    }
    /// When the demo the call booked takes place.
    async fn demo_scheduled_at(&self) -> Option<DateTime<Utc>> {
        self.0.demo_scheduled_at
    }
    /// The lead's company, as the AI heard it.
    async fn company_name(&self) -> Option<&str> {
        self.0.company_name.as_deref()
    }
    /// The lead's name, as the AI heard it.
    async fn extracted_name(&self) -> Option<&str> {
        self.0.extracted_name.as_deref()
    }
    /// The lead's email, as the AI heard it.
    async fn extracted_email(&self) -> Option<&str> {
        self.0.extracted_email.as_deref()
    }
    /// Whether the AI judged the lead qualified (counted in `qualifiedLeads`).
    async fn is_qualified(&self) -> bool {
        self.0.is_qualified
    }
    /// How warm the lead is after the call.
    async fn lead_temperature(&self) -> Option<LeadTemperature> {
        self.0.lead_temperature.map(Into::into)
    }
    /// The lead's sentiment on the call, from -1 (negative) to 1 (positive).
    async fn sentiment_score(&self) -> Option<f64> {
        self.0.sentiment_score
    }
    /// The topics the conversation covered, as a JSON array of strings (at most 50).
    async fn key_topics(&self, ctx: &Context<'_>) -> ApiResult<Json<serde_json::Value>> {
        Ok(Json(self.whole(ctx).await?.key_topics.clone()))
    }
    /// The objections the lead raised, as a JSON array of strings (at most 50).
    async fn objections_raised(&self, ctx: &Context<'_>) -> ApiResult<Json<serde_json::Value>> {
        Ok(Json(self.whole(ctx).await?.objections_raised.clone()))
    }
    /// What should happen next, as the AI sees it.
    async fn next_steps(&self) -> Option<&str> {
        self.0.next_steps.as_deref()
    }
    /// Whether a member has seen this analysis (new analyses start unread).
    async fn is_read(&self) -> bool {
        self.0.is_read
    }
    /// When the call was first analyzed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
