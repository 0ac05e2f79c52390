//! Whether a number may be dialed, and placing an outbound call behind that
//! answer.
//!
//! [`dial_gate`] is the one place that asks: `dialEligibility` reports its
//! answer, and [`schedule_outbound_call`] refuses with it (DIAL_BLOCKED,
//! every reason listed, nothing written), so what a client is told it may
//! dial is what it can schedule.

use chrono::{DateTime, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, EntityTrait};
use switchboard_domain::dial::{self, CallingWindow, DialBlock, DialRequest};
use switchboard_entity::enums::{CallStatus, CallType, CampaignStatus};
use switchboard_entity::{calls, campaigns, leads, organizations};
use uuid::Uuid;

use super::create::{NewCall, insert_call, resolve_references};
use super::{credits_per_minute, find_campaign};
use crate::actor::{Actor, Viewer};
use crate::app::{App, Write};
use crate::error::{AppError, AppResult};
use crate::leads::write as service;

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
        calling_hours: crate::settings::calling_hours(db, organization_id).await?,
    };
    let timezone = request.called_party_timezone();
    let local = at.with_timezone(&timezone).time();
    let mut blocks = dial::check(&request);
    // Only a running campaign places calls (a paused one stops at once).
    if let Some(campaign) = campaign.filter(|c| c.status != CampaignStatus::Active) {
        blocks.push(DialBlock::CampaignNotActive {
            status: campaign.status.as_str().to_owned(),
        });
    }
    Ok(DialGate {
        phone_number: phone_number.to_owned(),
        timezone,
        local_time: local.with_nanosecond(0).unwrap_or(local),
        blocks,
    })
}

/// The `dialEligibility` question.
#[derive(Debug, Clone, Default)]
pub struct DialCheck {
    /// The lead to dial; give it or `phone_number`, not both.
    pub lead_id: Option<Uuid>,
    /// A bare number, any common format: it takes the time zone of the live
    /// lead with that number, if there is one.
    pub phone_number: Option<String>,
    /// The campaign whose calling window applies too.
    pub campaign_id: Option<Uuid>,
    /// The instant to check; now when not given.
    pub at: Option<DateTime<Utc>>,
}

/// Whether the viewer's organization may dial a lead (or a bare number) at
/// an instant, and every reason it may not. Giving both or neither of
/// `leadId` and `phoneNumber` is BAD_USER_INPUT.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn dial_eligibility(app: &App, viewer: Viewer, check: DialCheck) -> AppResult<DialGate> {
    let db = &app.db;
    let org = viewer.organization_id;
    let (phone, lead) = match (check.lead_id, check.phone_number.as_deref()) {
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
    let campaign = match check.campaign_id {
        Some(id) => Some(find_campaign(db, org, id).await?),
        None => None,
    };
    let at = check.at.unwrap_or_else(Utc::now);
    dial_gate(db, org, &phone, lead.as_ref(), campaign.as_ref(), at).await
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
/// is written. Otherwise the call is created as by
/// [`create_call`](super::create_call), with status `scheduled`. An
/// INBOUND type is BAD_USER_INPUT on `callType`.
#[tracing::instrument(skip_all, fields(organization_id = %actor.organization_id, actor = %actor.who))]
pub async fn schedule_outbound_call(
    app: &App,
    actor: Actor,
    input: OutboundCall,
) -> AppResult<calls::Model> {
    let write = app.begin_write().await?;
    let call = schedule_outbound_call_in(&write, actor, input, Utc::now()).await?;
    write.commit().await?;
    Ok(call)
}

/// [`schedule_outbound_call`] inside `write`.
pub(crate) async fn schedule_outbound_call_in(
    write: &Write,
    actor: Actor,
    input: OutboundCall,
    now: DateTime<Utc>,
) -> AppResult<calls::Model> {
    if input.call_type == CallType::Inbound {
        return Err(AppError::bad_input(
            "callType",
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
    let refs = resolve_references(write, org, &new).await?;
    let campaign = match input.campaign_id {
        Some(id) => Some(find_campaign(&**write, org, id).await?),
        None => None,
    };
    let gate = dial_gate(
        &**write,
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
    insert_call(write, actor, new, refs, now).await
}
