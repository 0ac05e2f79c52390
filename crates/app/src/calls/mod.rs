//! Writes and checks on calls, as plain functions over a connection or
//! transaction (the call-side counterpart of [`crate::leads::write`]).
//!
//! Every lookup is scoped by the viewer's organization, so an id of another
//! organization is NOT_FOUND. Every write to a call appends a `call_events`
//! row (its source and actor those of the [`Actor`]) in the same transaction, and every
//! change to an existing call first locks its row (`SELECT … FOR UPDATE` on
//! PostgreSQL; SQLite's write transaction already serialises writers), so two
//! concurrent webhooks cannot interleave on one call.

use chrono::{DateTime, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QuerySelect,
};
use serde_json::json;
use switchboard_domain::call_status::{Transition, transition};
use switchboard_domain::calls::{billed_minutes, classify_traffic_source, crm_stage_for};
use switchboard_domain::dial::{self, CallingWindow, DialBlock, DialRequest};
use switchboard_entity::enums::{
    AppointmentSource, CallEventKind, CallOutcome, CallSource, CallStatus, CallType, CrmStage,
    LeadTemperature, Level, Sentiment, TrafficSource,
};
use switchboard_entity::*;
use uuid::Uuid;

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::events::{CallEvent, Message};
use crate::leads::write as service;

/// The `system_config` key of the credits charged per billed minute.
pub const CREDITS_PER_MINUTE_KEY: &str = "credits_per_minute";

/// Credits per billed minute when neither the organization nor the global
/// configuration sets `credits_per_minute`.
pub const DEFAULT_CREDITS_PER_MINUTE: i64 = 1;

// ---------------------------------------------------------------------------
// Lookups
// ---------------------------------------------------------------------------

/// A call of the organization, or NOT_FOUND.
pub async fn find_call(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<calls::Model> {
    calls::Entity::find_by_id(id)
        .filter(calls::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("call", id))
}

/// A call of the organization, its row locked until the transaction ends
/// (`FOR UPDATE` on PostgreSQL; a no-op on SQLite, whose `BEGIN IMMEDIATE`
/// write transaction already holds the database's write lock).
pub async fn lock_call(
    txn: &DatabaseTransaction,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<calls::Model> {
    calls::Entity::find_by_id(id)
        .filter(calls::Column::OrganizationId.eq(organization_id))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("call", id))
}

/// An agent of the organization, or NOT_FOUND.
pub async fn find_agent(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<agents::Model> {
    agents::Entity::find_by_id(id)
        .filter(agents::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("agent", id))
}

/// A campaign of the organization, or NOT_FOUND.
pub async fn find_campaign(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<campaigns::Model> {
    campaigns::Entity::find_by_id(id)
        .filter(campaigns::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("campaign", id))
}

/// A phone number of the organization, or NOT_FOUND.
pub async fn find_phone_number(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<phone_numbers::Model> {
    phone_numbers::Entity::find_by_id(id)
        .filter(phone_numbers::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("phone number", id))
}

/// Credits charged per billed minute: the organization's `credits_per_minute`
/// in `system_config`, else the global row (no organization), else
/// [`DEFAULT_CREDITS_PER_MINUTE`]. A value that is not a non-negative integer
/// is skipped.
pub async fn credits_per_minute(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
) -> AppResult<i64> {
    let rows = system_config::Entity::find()
        .filter(system_config::Column::Key.eq(CREDITS_PER_MINUTE_KEY))
        .filter(
            Condition::any()
                .add(system_config::Column::OrganizationId.eq(organization_id))
                .add(system_config::Column::OrganizationId.is_null()),
        )
        .all(db)
        .await?;
    let parse =
        |row: &system_config::Model| row.value.trim().parse::<i64>().ok().filter(|v| *v >= 0);
    let own = rows
        .iter()
        .filter(|r| r.organization_id == Some(organization_id))
        .find_map(parse);
    let global = rows
        .iter()
        .filter(|r| r.organization_id.is_none())
        .find_map(parse);
    Ok(own.or(global).unwrap_or(DEFAULT_CREDITS_PER_MINUTE))
}

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

/// Appends a `call_events` row by `actor`, to be announced once the write commits.
#[allow(clippy::too_many_arguments)]
async fn record_event(
    txn: &DatabaseTransaction,
    call: &calls::Model,
    actor: &Actor,
    kind: CallEventKind,
    from: Option<CallStatus>,
    to: Option<CallStatus>,
    payload: serde_json::Value,
    occurred_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<call_events::Model> {
    let event = call_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(call.organization_id),
        call_id: Set(call.id),
        kind: Set(kind),
        from_status: Set(from),
        to_status: Set(to),
        source: Set(actor.source),
        provider_event_id: Set(None),
        payload: Set(payload),
        actor_user_id: Set(actor.user_id),
        occurred_at: Set(occurred_at),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    actor
        .outbox
        .push(Message::Call(CallEvent::new(call, &event)));
    Ok(event)
}

// ---------------------------------------------------------------------------
// Small validators
// ---------------------------------------------------------------------------

/// Trimmed text, `None` when blank.
fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn check_range_i32(field: &str, value: Option<i32>, min: i32, max: i32) -> AppResult<Option<i32>> {
    match value {
        Some(v) if !(min..=max).contains(&v) => Err(AppError::bad_input(
            field,
            format!("`{field}` is between {min} and {max}, not {v}"),
        )),
        _ => Ok(value),
    }
}

fn check_range_f64(field: &str, value: Option<f64>, min: f64, max: f64) -> AppResult<Option<f64>> {
    match value {
        Some(v) if !(v.is_finite() && (min..=max).contains(&v)) => Err(AppError::bad_input(
            field,
            format!("`{field}` is between {min} and {max}, not {v}"),
        )),
        _ => Ok(value),
    }
}

fn check_non_negative(field: &str, value: Option<i64>) -> AppResult<Option<i64>> {
    match value {
        Some(v) if v < 0 => Err(AppError::bad_input(
            field,
            format!("`{field}` cannot be negative"),
        )),
        _ => Ok(value),
    }
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

// ---------------------------------------------------------------------------
// The dial gate
// ---------------------------------------------------------------------------

/// What the compliance gate decided for one number at one instant, with what
/// it was decided on.
#[derive(Debug, Clone)]
pub struct DialGate {
    /// The number that would be dialed, E.164.
    pub phone_number: String,
    /// The called party's zone: the lead's, else the organization's.
    pub timezone: Tz,
    /// The wall-clock time at `timezone` at the instant checked.
    pub local_time: NaiveTime,
    /// Every reason the dial is blocked; empty means it may go ahead.
    pub blocks: Vec<DialBlock>,
}

impl DialGate {
    pub fn eligible(&self) -> bool {
        self.blocks.is_empty()
    }
}

/// Loads everything [`switchboard_domain::dial::check`] needs — the number's
/// active DNC entry, the lead's and the organization's time zones, the
/// organization's credit balance, the campaign's calling window and the
/// organization's `credits_per_minute` — and runs it at `at`.
///
/// This is the one place the API asks whether a number may be dialed:
/// `dialEligibility` and `scheduleOutboundCall` both come here.
pub async fn dial_gate(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    phone_number: &str,
    lead: Option<&leads::Model>,
    campaign: Option<&campaigns::Model>,
    at: DateTime<Utc>,
) -> AppResult<DialGate> {
    let organization = organizations::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("organization", organization_id))?;
    let dnc = service::active_dnc_entry(db, organization_id, phone_number, at)
        .await?
        .map(|entry| dial::DncEntry {
            expires_at: entry.expires_at,
        });
    let lead_timezone = lead
        .and_then(|l| l.timezone.as_deref())
        .and_then(|z| z.parse::<Tz>().ok());
    let organization_timezone = organization.timezone.parse::<Tz>().unwrap_or(Tz::UTC);
    let window = campaign.and_then(|c| match (c.calling_window_start, c.calling_window_end) {
        (Some(start), Some(end)) => Some(CallingWindow {
            start,
            end,
            timezone: c.timezone.as_deref().and_then(|z| z.parse::<Tz>().ok()),
        }),
        _ => None,
    });
    let request = DialRequest {
        at,
        dnc: dnc.as_ref(),
        lead_timezone,
        organization_timezone,
        campaign_window: window.as_ref(),
        credit_balance: organization.credit_balance,
        credits_per_minute: credits_per_minute(db, organization_id).await?,
    };
    let timezone = request.called_party_timezone();
    let local = at.with_timezone(&timezone).time();
    Ok(DialGate {
        phone_number: phone_number.to_owned(),
        timezone,
        local_time: local.with_nanosecond(0).unwrap_or(local),
        blocks: dial::check(&request),
    })
}

/// The `dialEligibility` question: exactly one of `lead_id` and
/// `phone_number` (a bare number takes the time zone of the live lead with
/// that number, if there is one), optionally in a campaign, at `at`.
pub async fn dial_eligibility(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    lead_id: Option<Uuid>,
    phone_number: Option<&str>,
    campaign_id: Option<Uuid>,
    at: DateTime<Utc>,
) -> AppResult<DialGate> {
    let org = organization_id;
    let (phone, lead) = match (lead_id, phone_number) {
        (Some(id), None) => {
            let lead = service::find_lead(db, org, id).await?;
            (lead.phone_number.clone(), Some(lead))
        }
        (None, Some(raw)) => {
            let phone = service::normalize_phone(db, org, "phoneNumber", raw).await?;
            let lead = service::live_lead_with_phone(db, org, &phone).await?;
            (phone, lead)
        }
        (Some(_), Some(_)) => {
            return Err(AppError::bad_input(
                "phoneNumber",
                "give a leadId or a phoneNumber, not both",
            ));
        }
        (None, None) => {
            return Err(AppError::bad_input(
                "leadId",
                "give a leadId or a phoneNumber",
            ));
        }
    };
    let campaign = match campaign_id {
        Some(id) => Some(find_campaign(db, org, id).await?),
        None => None,
    };
    dial_gate(db, org, &phone, lead.as_ref(), campaign.as_ref(), at).await
}

// ---------------------------------------------------------------------------
// Creating calls
// ---------------------------------------------------------------------------

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

/// The lead, agent, campaign and number a new call refers to, checked to be
/// the organization's.
struct References {
    lead: Option<leads::Model>,
    /// Always set through the API; a provider's web call has none.
    phone: Option<String>,
}

async fn resolve_references(
    txn: &DatabaseTransaction,
    org: Uuid,
    input: &NewCall,
) -> AppResult<References> {
    let lead = match input.lead_id {
        Some(id) => {
            let lead = service::find_lead(txn, org, id).await?;
            not_deleted("input.leadId", &lead)?;
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
        (Some(raw), _) => service::normalize_phone(txn, org, "input.phoneNumber", raw).await?,
        (None, Some(lead)) => lead.phone_number.clone(),
        (None, None) => {
            return Err(AppError::bad_input(
                "input.phoneNumber",
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
async fn insert_call(
    txn: &DatabaseTransaction,
    actor: &Actor,
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
        user_id: Set(actor.user_id),
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
    .insert(txn)
    .await?;
    record_event(
        txn,
        &call,
        actor,
        CallEventKind::Created,
        None,
        Some(call.status),
        json!({
            "call_type": call.call_type.as_str(),
            "scheduled_at": call.scheduled_at,
        }),
        now,
        now,
    )
    .await?;
    Ok(call)
}

/// Creates a call with no number and no lead (a provider's web call); the
/// agent, campaign and number are taken as given, already checked.
pub async fn create_call_without_number(
    txn: &DatabaseTransaction,
    actor: &Actor,
    input: NewCall,
    now: DateTime<Utc>,
) -> AppResult<calls::Model> {
    let refs = References {
        lead: None,
        phone: None,
    };
    insert_call(txn, actor, input, refs, now).await
}

/// Creates a call: the lead, agent, campaign and number must be the
/// organization's (NOT_FOUND naming the one that is not), the number is the
/// lead's unless one is given, the traffic source is classified by seed 000's
/// rules, and a `created` event is written with it.
///
/// No dial gate: this records a call (an inbound one, or one placed
/// elsewhere). Scheduling one to be dialed is [`schedule_outbound_call`].
pub async fn create_call(
    txn: &DatabaseTransaction,
    actor: &Actor,
    input: NewCall,
    now: DateTime<Utc>,
) -> AppResult<calls::Model> {
    let refs = resolve_references(txn, actor.organization_id, &input).await?;
    insert_call(txn, actor, input, refs, now).await
}

/// An outbound call to schedule.
#[derive(Debug, Clone)]
pub struct OutboundCall {
    pub lead_id: Uuid,
    pub agent_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub scheduled_at: DateTime<Utc>,
    pub purpose: Option<String>,
    pub call_type: CallType,
}

/// Schedules an outbound call to a lead, behind the dial gate at
/// `scheduled_at`: any block is DIAL_BLOCKED with every reason, and nothing
/// is written. Otherwise the call is created as by [`create_call`], with
/// status `scheduled`.
pub async fn schedule_outbound_call(
    txn: &DatabaseTransaction,
    actor: &Actor,
    input: OutboundCall,
    now: DateTime<Utc>,
) -> AppResult<calls::Model> {
    if input.call_type == CallType::Inbound {
        return Err(AppError::bad_input(
            "input.callType",
            "an outbound call cannot be INBOUND",
        ));
    }
    let new = NewCall {
        lead_id: Some(input.lead_id),
        agent_id: input.agent_id,
        campaign_id: input.campaign_id,
        call_type: input.call_type,
        status: CallStatus::Scheduled,
        scheduled_at: Some(input.scheduled_at),
        purpose: input.purpose,
        ..NewCall::default()
    };
    let org = actor.organization_id;
    let refs = resolve_references(txn, org, &new).await?;
    let campaign = match input.campaign_id {
        Some(id) => Some(find_campaign(txn, org, id).await?),
        None => None,
    };
    let gate = dial_gate(
        txn,
        org,
        refs.phone.as_deref().unwrap_or_default(),
        refs.lead.as_ref(),
        campaign.as_ref(),
        input.scheduled_at,
    )
    .await?;
    if !gate.eligible() {
        return Err(AppError::DialBlocked {
            reasons: gate.blocks,
        });
    }
    insert_call(txn, actor, new, refs, now).await
}

// ---------------------------------------------------------------------------
// The status machine
// ---------------------------------------------------------------------------

/// Whether a call in this terminal status connected with someone (or their
/// voicemail), and so is billed.
fn connected(status: CallStatus) -> bool {
    matches!(status, CallStatus::Completed | CallStatus::Voicemail)
}

/// Moves a call to `to` through the status machine
/// ([`switchboard_domain::call_status::transition`]), its row locked:
///
/// - an illegal move is BAD_USER_INPUT on `status`, naming both statuses;
/// - the status it already has returns the call unchanged, writing nothing
///   (webhooks are replayed);
/// - reaching `in_progress` sets `started_at` (to `at`, else `now`) if unset;
/// - reaching a terminal status sets `ended_at`, `duration_seconds` (0 if the
///   call never started) and, for a connected call (`completed`,
///   `voicemail`), `billed_minutes` (rounded up) and `credits_used` (billed
///   minutes × `credits_per_minute`), and touches the lead's
///   `last_contact_at`;
/// - the CRM stage follows the status (a closed stage is kept);
/// - a `status_changed` event records the move;
/// - a connected call's credits are debited from the ledger, once
///   ([`crate::ledger::charge_call`]).
pub async fn update_call_status(
    txn: &DatabaseTransaction,
    actor: &Actor,
    id: Uuid,
    to: CallStatus,
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<(calls::Model, Option<call_events::Model>)> {
    let call = lock_call(txn, actor.organization_id, id).await?;
    let from = call.status;
    match transition(from, to) {
        Err(illegal) => return Err(AppError::bad_input("status", illegal.to_string())),
        Ok(Transition::Unchanged) => return Ok((call, None)),
        Ok(Transition::Changed) => {}
    }
    let at = at.unwrap_or(now);
    let mut row: calls::ActiveModel = call.clone().into();
    let mut started_at = call.started_at;
    if to == CallStatus::InProgress && started_at.is_none() {
        started_at = Some(at);
        row.started_at = Set(started_at);
    }
    let mut payload = json!({});
    if to.is_terminal() {
        if let Some(started) = started_at.filter(|s| at < *s) {
            return Err(AppError::bad_input(
                "at",
                format!(
                    "the call cannot end at {} before it started at {}",
                    at.to_rfc3339(),
                    started.to_rfc3339()
                ),
            ));
        }
        let duration = started_at.map_or(0, |s| {
            i32::try_from((at - s).num_seconds().max(0)).unwrap_or(i32::MAX)
        });
        row.ended_at = Set(Some(at));
        row.duration_seconds = Set(Some(duration));
        payload["duration_seconds"] = json!(duration);
        if connected(to) {
            let billed = billed_minutes(duration);
            let credits =
                i64::from(billed) * credits_per_minute(txn, actor.organization_id).await?;
            row.billed_minutes = Set(Some(billed));
            row.credits_used = Set(credits);
            payload["billed_minutes"] = json!(billed);
            payload["credits_used"] = json!(credits);
            if let Some(lead) = call.lead_id {
                service::touch_last_contact(txn, lead, at).await?;
            }
        }
    }
    row.status = Set(to);
    row.crm_stage = Set(crm_stage_for(to, Some(call.crm_stage)));
    row.updated_at = Set(now);
    let call = row.update(txn).await?;
    // A call that ends connected is debited here, in the same transaction, once.
    if to.is_terminal() && connected(to) {
        crate::ledger::charge_call(txn, &call, now).await?;
    }
    // Terminal statuses are final, so a call is counted exactly once.
    if to.is_terminal() && actor.maintain_rollups {
        crate::analytics::rollups::call_ended(txn, &call, now).await?;
    }
    let event = record_event(
        txn,
        &call,
        actor,
        CallEventKind::StatusChanged,
        Some(from),
        Some(to),
        payload,
        at,
        now,
    )
    .await?;
    Ok((call, Some(event)))
}

// ---------------------------------------------------------------------------
// Outcomes
// ---------------------------------------------------------------------------

/// How a completed call closed the deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    Won,
    Lost,
}

/// What a call achieved; `None` leaves a field as it is.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub outcome: CallOutcome,
    /// Only for a completed call: moves its CRM stage to closed-won or lost.
    pub closed: Option<Closed>,
    pub insurance_verified: Option<bool>,
    pub insurance_provider: Option<String>,
    pub payment_plan_discussed: Option<bool>,
    pub payment_plan_amount_cents: Option<i64>,
    pub collection_attempt: Option<bool>,
    pub collection_amount_cents: Option<i64>,
    pub collection_success: Option<bool>,
    pub transferred_to_staff: Option<bool>,
    pub transferred_to: Option<String>,
    pub follow_up_required: Option<bool>,
    pub follow_up_date: Option<DateTime<Utc>>,
    pub call_quality: Option<i32>,
    pub customer_sentiment: Option<Sentiment>,
    pub ai_confidence: Option<f64>,
    pub summary: Option<String>,
    pub notes: Option<String>,
}

impl Outcome {
    /// An outcome with nothing else recorded.
    pub fn new(outcome: CallOutcome) -> Self {
        Self {
            outcome,
            closed: None,
            insurance_verified: None,
            insurance_provider: None,
            payment_plan_discussed: None,
            payment_plan_amount_cents: None,
            collection_attempt: None,
            collection_amount_cents: None,
            collection_success: None,
            transferred_to_staff: None,
            transferred_to: None,
            follow_up_required: None,
            follow_up_date: None,
            call_quality: None,
            customer_sentiment: None,
            ai_confidence: None,
            summary: None,
            notes: None,
        }
    }
}

/// Records a call's outcome and seed 003's details (every range checked, a
/// bad one BAD_USER_INPUT naming its field), with an `outcome_recorded`
/// event. `closed` is only for a completed call and sets its CRM stage.
pub async fn record_call_outcome(
    txn: &DatabaseTransaction,
    actor: &Actor,
    id: Uuid,
    input: Outcome,
    now: DateTime<Utc>,
) -> AppResult<calls::Model> {
    let payment_plan_amount = check_non_negative(
        "input.paymentPlanAmountCents",
        input.payment_plan_amount_cents,
    )?;
    let collection_amount =
        check_non_negative("input.collectionAmountCents", input.collection_amount_cents)?;
    let quality = check_range_i32("input.callQuality", input.call_quality, 1, 5)?;
    let confidence = check_range_f64("input.aiConfidence", input.ai_confidence, 0.0, 1.0)?;
    let call = lock_call(txn, actor.organization_id, id).await?;
    let stage = match input.closed {
        Some(closed) if call.status != CallStatus::Completed => {
            return Err(AppError::bad_input(
                "input.closed",
                format!(
                    "only a completed call can be closed as {}; this one is {}",
                    match closed {
                        Closed::Won => "won",
                        Closed::Lost => "lost",
                    },
                    call.status.as_str()
                ),
            ));
        }
        Some(Closed::Won) => Some(CrmStage::ClosedWon),
        Some(Closed::Lost) => Some(CrmStage::Lost),
        None => None,
    };
    let mut row: calls::ActiveModel = call.clone().into();
    row.outcome = Set(Some(input.outcome));
    if let Some(stage) = stage {
        row.crm_stage = Set(crm_stage_for(call.status, Some(stage)));
    }
    macro_rules! keep_or_set {
        ($field:ident, $value:expr) => {
            if let Some(value) = $value {
                row.$field = Set(value);
            }
        };
    }
    keep_or_set!(insurance_verified, input.insurance_verified);
    keep_or_set!(payment_plan_discussed, input.payment_plan_discussed);
    keep_or_set!(collection_attempt, input.collection_attempt);
    keep_or_set!(collection_success, input.collection_success);
    keep_or_set!(transferred_to_staff, input.transferred_to_staff);
    keep_or_set!(follow_up_required, input.follow_up_required);
    keep_or_set!(insurance_provider, text(input.insurance_provider).map(Some));
    keep_or_set!(transferred_to, text(input.transferred_to).map(Some));
    keep_or_set!(summary, text(input.summary).map(Some));
    keep_or_set!(notes, text(input.notes).map(Some));
    keep_or_set!(payment_plan_amount_cents, payment_plan_amount.map(Some));
    keep_or_set!(collection_amount_cents, collection_amount.map(Some));
    keep_or_set!(follow_up_date, input.follow_up_date.map(Some));
    keep_or_set!(call_quality, quality.map(Some));
    keep_or_set!(customer_sentiment, input.customer_sentiment.map(Some));
    keep_or_set!(ai_confidence, confidence.map(Some));
    row.updated_at = Set(now);
    let call = row.update(txn).await?;
    record_event(
        txn,
        &call,
        actor,
        CallEventKind::OutcomeRecorded,
        None,
        None,
        json!({
            "outcome": input.outcome.as_str(),
            "crm_stage": call.crm_stage.as_str(),
        }),
        now,
        now,
    )
    .await?;
    Ok(call)
}

// ---------------------------------------------------------------------------
// Transcripts
// ---------------------------------------------------------------------------

/// One speaker's turn of a transcript.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Segment {
    pub speaker: String,
    pub text: String,
    /// Seconds from the start of the call.
    pub start: Option<f64>,
    pub end: Option<f64>,
}

/// A transcript to attach.
#[derive(Debug, Clone)]
pub struct NewTranscript {
    pub content: String,
    pub segments: Vec<Segment>,
    /// Defaults to `en`.
    pub language: Option<String>,
}

fn check_segments(segments: &[Segment]) -> AppResult<()> {
    for (i, segment) in segments.iter().enumerate() {
        let field = |name: &str| format!("input.segments[{i}].{name}");
        if segment.speaker.trim().is_empty() {
            return Err(AppError::bad_input(field("speaker"), "a speaker is named"));
        }
        for (name, value) in [("start", segment.start), ("end", segment.end)] {
            if let Some(v) = value
                && !(v.is_finite() && v >= 0.0)
            {
                return Err(AppError::bad_input(
                    field(name),
                    format!("a segment's {name} is a number of seconds, at least 0"),
                ));
            }
        }
        if let (Some(start), Some(end)) = (segment.start, segment.end)
            && start > end
        {
            return Err(AppError::bad_input(
                field("end"),
                format!("a segment cannot end ({end}) before it starts ({start})"),
            ));
        }
    }
    Ok(())
}

/// Attaches a call's transcript. A call has one: attaching again replaces
/// it (providers redeliver their webhooks). Writes a `transcript_attached`
/// event.
pub async fn attach_transcript(
    txn: &DatabaseTransaction,
    actor: &Actor,
    call_id: Uuid,
    input: NewTranscript,
    now: DateTime<Utc>,
) -> AppResult<transcripts::Model> {
    if input.content.trim().is_empty() {
        return Err(AppError::bad_input(
            "input.content",
            "a transcript has content",
        ));
    }
    check_segments(&input.segments)?;
    let language = match input.language {
        None => "en".to_owned(),
        Some(language) => {
            let language = language.trim().to_owned();
            if language.is_empty() || language.len() > 35 {
                return Err(AppError::bad_input(
                    "input.language",
                    "a language is a tag such as `en` or `es-MX`",
                ));
            }
            language
        }
    };
    let segments = serde_json::to_value(&input.segments)
        .map_err(|e| AppError::bad_input("input.segments", e.to_string()))?;
    let call = lock_call(txn, actor.organization_id, call_id).await?;
    let existing = transcripts::Entity::find()
        .filter(transcripts::Column::OrganizationId.eq(call.organization_id))
        .filter(transcripts::Column::CallId.eq(call.id))
        .one(txn)
        .await?;
    let replaced = existing.is_some();
    let transcript = match existing {
        Some(existing) => {
            let mut row: transcripts::ActiveModel = existing.into();
            row.content = Set(input.content);
            row.speaker_segments = Set(segments);
            row.language = Set(language);
            row.updated_at = Set(now);
            row.update(txn).await?
        }
        None => {
            transcripts::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(call.organization_id),
                call_id: Set(call.id),
                content: Set(input.content),
                speaker_segments: Set(segments),
                language: Set(language),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?
        }
    };
    record_event(
        txn,
        &call,
        actor,
        CallEventKind::TranscriptAttached,
        None,
        None,
        json!({
            "transcript_id": transcript.id,
            "replaced": replaced,
            "segments": input.segments.len(),
        }),
        now,
        now,
    )
    .await?;
    Ok(transcript)
}

// ---------------------------------------------------------------------------
// Analyses
// ---------------------------------------------------------------------------

/// The AI's reading of a call. An analysis replaces the call's previous one
/// whole: what is omitted is cleared.
#[derive(Debug, Clone, Default)]
pub struct NewAnalysis {
    pub intent_level: Option<Level>,
    pub intent_score: Option<i32>,
    pub urgency_level: Option<Level>,
    pub urgency_score: Option<i32>,
    pub budget_level: Option<Level>,
    pub budget_score: Option<i32>,
    pub fit_level: Option<Level>,
    pub fit_score: Option<i32>,
    pub engagement_level: Option<Level>,
    pub engagement_score: Option<i32>,
    pub total_score: Option<i32>,
    pub lead_status_tag: Option<String>,
    pub reasoning: Option<serde_json::Value>,
    pub cta_pricing_clicked: bool,
    pub cta_demo_clicked: bool,
    pub cta_followup_clicked: bool,
    pub cta_sample_clicked: bool,
    pub cta_escalated_to_human: bool,
    pub demo_scheduled_at: Option<DateTime<Utc>>,
    pub extracted_name: Option<String>,
    pub extracted_email: Option<String>,
    pub company_name: Option<String>,
    pub is_qualified: bool,
    pub lead_temperature: Option<LeadTemperature>,
    pub sentiment_score: Option<f64>,
    pub key_topics: Vec<String>,
    pub objections_raised: Vec<String>,
    pub next_steps: Option<String>,
}

fn clean_list(values: Vec<String>) -> serde_json::Value {
    json!(
        values
            .into_iter()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect::<Vec<_>>()
    )
}

/// Records the AI analysis of a call: one per call, so recording again
/// replaces it (the row keeps its id, creation time and read flag). The
/// analysis takes the call's lead. Scores are 0-100 and the sentiment -1 to
/// 1 (BAD_USER_INPUT naming the field otherwise). Writes an
/// `analysis_recorded` event.
pub async fn record_call_analysis(
    txn: &DatabaseTransaction,
    actor: &Actor,
    call_id: Uuid,
    input: NewAnalysis,
    now: DateTime<Utc>,
) -> AppResult<lead_analytics::Model> {
    let score = |field: &str, value: Option<i32>| check_range_i32(field, value, 0, 100);
    let intent_score = score("input.intentScore", input.intent_score)?;
    let urgency_score = score("input.urgencyScore", input.urgency_score)?;
    let budget_score = score("input.budgetScore", input.budget_score)?;
    let fit_score = score("input.fitScore", input.fit_score)?;
    let engagement_score = score("input.engagementScore", input.engagement_score)?;
    let total_score = score("input.totalScore", input.total_score)?;
    let sentiment = check_range_f64("input.sentimentScore", input.sentiment_score, -1.0, 1.0)?;
    let call = lock_call(txn, actor.organization_id, call_id).await?;
    let existing = lead_analytics::Entity::find()
        .filter(lead_analytics::Column::OrganizationId.eq(call.organization_id))
        .filter(lead_analytics::Column::CallId.eq(call.id))
        .one(txn)
        .await?;
    let replaced = existing.is_some();
    let before = existing.clone();
    let mut row = match existing {
        Some(existing) => existing.into(),
        None => lead_analytics::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(call.organization_id),
            call_id: Set(call.id),
            cta_interactions: Set(json!({})),
            is_read: Set(false),
            call_quality_score: Set(None),
            customer_satisfaction: Set(None),
            created_at: Set(now),
            ..Default::default()
        },
    };
    row.lead_id = Set(call.lead_id);
    row.intent_level = Set(input.intent_level);
    row.intent_score = Set(intent_score);
    row.urgency_level = Set(input.urgency_level);
    row.urgency_score = Set(urgency_score);
    row.budget_constraint = Set(input.budget_level);
    row.budget_score = Set(budget_score);
    row.fit_alignment = Set(input.fit_level);
    row.fit_score = Set(fit_score);
    row.engagement_health = Set(input.engagement_level);
    row.engagement_score = Set(engagement_score);
    row.total_score = Set(total_score);
    row.lead_status_tag = Set(text(input.lead_status_tag));
    row.reasoning = Set(input.reasoning.unwrap_or_else(|| json!({})));
    row.cta_pricing_clicked = Set(input.cta_pricing_clicked);
    row.cta_demo_clicked = Set(input.cta_demo_clicked);
    row.cta_followup_clicked = Set(input.cta_followup_clicked);
    row.cta_sample_clicked = Set(input.cta_sample_clicked);
    row.cta_escalated_to_human = Set(input.cta_escalated_to_human);
    row.demo_scheduled_at = Set(input.demo_scheduled_at);
    row.extracted_name = Set(text(input.extracted_name));
    row.extracted_email = Set(text(input.extracted_email));
    row.company_name = Set(text(input.company_name));
    row.is_qualified = Set(input.is_qualified);
    row.lead_temperature = Set(input.lead_temperature);
    row.sentiment_score = Set(sentiment);
    row.key_topics = Set(clean_list(input.key_topics));
    row.objections_raised = Set(clean_list(input.objections_raised));
    row.next_steps = Set(text(input.next_steps));
    row.updated_at = Set(now);
    let analysis = if replaced {
        row.update(txn).await?
    } else {
        row.insert(txn).await?
    };
    if actor.maintain_rollups {
        crate::analytics::rollups::analysis_changed(txn, &call, before.as_ref(), &analysis, now)
            .await?;
    }
    record_event(
        txn,
        &call,
        actor,
        CallEventKind::AnalysisRecorded,
        None,
        None,
        json!({
            "analysis_id": analysis.id,
            "replaced": replaced,
            "total_score": analysis.total_score,
        }),
        now,
        now,
    )
    .await?;
    Ok(analysis)
}
