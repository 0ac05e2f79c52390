//! Recording a call: its lead, agent, campaign and number checked to be the
//! organization's, its traffic source classified, and its `created` event.
//!
//! No dial gate here: this records a call (an inbound one, or one placed
//! elsewhere). Scheduling one to be dialed is [`super::dial`].

use chrono::{DateTime, Utc};
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use serde_json::json;
use switchboard_domain::calls::{classify_traffic_source, crm_stage_for};
use switchboard_entity::enums::{
    AppointmentSource, CallEventKind, CallSource, CallStatus, CallType, TrafficSource,
};
use switchboard_entity::{calls, leads};
use uuid::Uuid;

use super::{EventRecord, find_agent, find_campaign, find_phone_number, record_event, text};
use crate::actor::Actor;
use crate::app::{App, Write};
use crate::error::{AppError, AppResult};
use crate::leads::write as service;

/// A new call; validated by [`create_call`].
#[derive(Debug, Clone)]
pub struct NewCall {
    /// The lead called (or calling); without it, `phone_number` is required.
    pub lead_id: Option<Uuid>,
    /// The other party's number, any common format; defaults to the lead's.
    pub phone_number: Option<String>,
    pub agent_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    /// The organization's number the call is made from.
    pub phone_number_id: Option<Uuid>,
    pub call_type: CallType,
    pub call_source: CallSource,
    pub status: CallStatus,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub purpose: Option<String>,
    pub notes: Option<String>,
    pub traffic_source: Option<TrafficSource>,
    pub source_of_set_appointment: Option<AppointmentSource>,
    pub lead_source: Option<String>,
}

impl Default for NewCall {
    fn default() -> Self {
        Self {
            lead_id: None,
            phone_number: None,
            agent_id: None,
            campaign_id: None,
            phone_number_id: None,
            call_type: CallType::OutboundLead,
            call_source: CallSource::Unknown,
            status: CallStatus::Scheduled,
            scheduled_at: None,
            purpose: None,
            notes: None,
            traffic_source: None,
            source_of_set_appointment: None,
            lead_source: None,
        }
    }
}

/// Creates a call: the lead, agent, campaign and number must be the
/// organization's (NOT_FOUND naming the one that is not), the lead must not
/// be deleted (BAD_USER_INPUT on `leadId`), the number is the lead's unless
/// one is given (`phoneNumber`), the traffic source is classified by seed
/// 000's rules, and a `created` event is written and announced with it.
#[tracing::instrument(skip_all, fields(organization_id = %actor.organization_id, actor = %actor.who))]
pub async fn create_call(app: &App, actor: Actor, input: NewCall) -> AppResult<calls::Model> {
    let write = app.begin_write().await?;
    let call = create_call_in(&write, actor, input, Utc::now()).await?;
    write.commit().await?;
    Ok(call)
}

/// [`create_call`] inside `write`.
pub(crate) async fn create_call_in(
    write: &Write,
    actor: Actor,
    input: NewCall,
    now: DateTime<Utc>,
) -> AppResult<calls::Model> {
    let refs = resolve_references(write, actor.organization_id, &input).await?;
    insert_call(write, actor, input, refs, now).await
}

/// Creates a call with no number and no lead (a provider's web call); the
/// agent, campaign and number are taken as given, already checked.
pub(crate) async fn create_call_without_number(
    write: &Write,
    actor: Actor,
    input: NewCall,
    now: DateTime<Utc>,
) -> AppResult<calls::Model> {
    let refs = References {
        lead: None,
        phone: None,
    };
    insert_call(write, actor, input, refs, now).await
}

/// The lead, agent, campaign and number a new call refers to, checked to be
/// the organization's.
pub(super) struct References {
    pub lead: Option<leads::Model>,
    /// Always set through the API; a provider's web call has none.
    pub phone: Option<String>,
}

fn not_deleted(field: &str, lead: &leads::Model) -> AppResult<()> {
    if lead.deleted_at.is_some() {
        return Err(AppError::bad_input(
            field,
            "the lead is deleted: restore it first",
        ));
    }
    Ok(())
}

pub(super) async fn resolve_references(
    write: &Write,
    org: Uuid,
    input: &NewCall,
) -> AppResult<References> {
    let txn = &**write;
    let lead = match input.lead_id {
        Some(id) => {
            let lead = service::find_lead(txn, org, id).await?;
            not_deleted("leadId", &lead)?;
            Some(lead)
        }
        None => None,
    };
    if let Some(id) = input.agent_id {
        find_agent(txn, org, id).await?;
    }
    if let Some(id) = input.campaign_id {
        find_campaign(txn, org, id).await?;
    }
    if let Some(id) = input.phone_number_id {
        find_phone_number(txn, org, id).await?;
    }
    let phone = match (&input.phone_number, &lead) {
        (Some(raw), _) => service::normalize_phone(txn, org, "phoneNumber", raw).await?,
        (None, Some(lead)) => lead.phone_number.clone(),
        (None, None) => {
            return Err(AppError::bad_input(
                "phoneNumber",
                "give a leadId or a phoneNumber",
            ));
        }
    };
    Ok(References {
        lead,
        phone: Some(phone),
    })
}

/// Inserts a call whose references are checked, with its `created` event.
pub(super) async fn insert_call(
    write: &Write,
    actor: Actor,
    input: NewCall,
    refs: References,
    now: DateTime<Utc>,
) -> AppResult<calls::Model> {
    let lead_source = text(input.lead_source).or_else(|| {
        refs.lead
            .as_ref()
            .and_then(|l| l.source.clone())
            .filter(|s| !s.trim().is_empty())
    });
    let traffic_source = classify_traffic_source(
        input.traffic_source,
        input.source_of_set_appointment,
        lead_source.as_deref(),
    );
    let call = calls::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(actor.organization_id),
        lead_id: Set(refs.lead.as_ref().map(|l| l.id)),
        agent_id: Set(input.agent_id),
        campaign_id: Set(input.campaign_id),
        from_phone_number_id: Set(input.phone_number_id),
        user_id: Set(actor.user_id()),
        provider: Set(None),
        provider_call_id: Set(None),
        phone_number: Set(refs.phone),
        caller_name: Set(None),
        caller_email: Set(None),
        call_type: Set(input.call_type),
        call_source: Set(input.call_source),
        status: Set(input.status),
        outcome: Set(None),
        crm_stage: Set(crm_stage_for(input.status, None)),
        traffic_source: Set(traffic_source),
        source_of_set_appointment: Set(input.source_of_set_appointment),
        lead_source: Set(lead_source),
        scheduled_at: Set(input.scheduled_at),
        started_at: Set(None),
        ended_at: Set(None),
        duration_seconds: Set(None),
        billed_minutes: Set(None),
        credits_used: Set(0),
        cost_cents: Set(0),
        recording_url: Set(None),
        summary: Set(None),
        purpose: Set(text(input.purpose)),
        notes: Set(text(input.notes)),
        ended_reason: Set(None),
        insurance_verified: Set(false),
        insurance_provider: Set(None),
        payment_plan_discussed: Set(false),
        payment_plan_amount_cents: Set(None),
        collection_attempt: Set(false),
        collection_amount_cents: Set(None),
        collection_success: Set(false),
        transferred_to_staff: Set(false),
        transferred_to: Set(None),
        follow_up_required: Set(false),
        follow_up_date: Set(None),
        call_quality: Set(None),
        customer_sentiment: Set(None),
        ai_confidence: Set(None),
        metadata: Set(json!({})),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&**write)
    .await?;
    let record = EventRecord {
        kind: CallEventKind::Created,
        from: None,
        to: Some(call.status),
        payload: json!({
            "call_type": call.call_type.as_str(),
            "scheduled_at": call.scheduled_at,
        }),
        occurred_at: now,
    };
    record_event(write, &call, actor, record, now).await?;
    Ok(call)
}
