//! Placing one scheduled call: [`dial_now`].
//!
//! Two transactions around the provider's request. The first re-runs the
//! dial gate at this moment (DNC, calling hours in the lead's zone, the
//! campaign's window and status, credits), chooses the agent's provider,
//! the organization's account there and the number the call leaves from,
//! and records the attempt: the call moves to `queued`, with its provider
//! and no provider id yet. Only then is the request made, so a call that
//! is `queued` without a provider id is an attempt in doubt, never one to
//! place again blindly. The second records the answer: the provider's id
//! (the webhooks take it from there), `failed` with the provider's reason
//! when it refused, or back to `scheduled` when it was unavailable.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, SqlErr, TransactionTrait,
};
use serde_json::json;
use switchboard_entity::enums::{AgentProvider, CallEventKind, CallStatus, TelephonyProvider};
use switchboard_entity::{agents, calls, campaigns, organizations, phone_numbers};
use uuid::Uuid;

use super::credentials;
use super::{Dial, DialError};
use crate::actor::{Actor, Permission, Viewer};
use crate::app::{App, Write};
use crate::calls::dial::dial_gate;
use crate::calls::status::change_status;
use crate::calls::{EventRecord, find_campaign, lock_call, record_event};
use crate::error::{AppError, AppResult};

/// The provider that places an agent's calls: its own platform, or Twilio
/// for an agent of another platform (its id is the URL that answers).
pub fn provider_of(agent: &agents::Model) -> TelephonyProvider {
    match agent.provider {
        AgentProvider::Vapi => TelephonyProvider::Vapi,
        AgentProvider::Retell => TelephonyProvider::Retell,
        AgentProvider::Elevenlabs => TelephonyProvider::Elevenlabs,
        AgentProvider::Other => TelephonyProvider::Twilio,
    }
}

/// The number a call leaves from: its own, else its campaign's, else a
/// rotation over the organization's active numbers at `provider` — the one
/// with the fewest calls going (queued, ringing or in progress), the oldest
/// first among equals. A number carrying its `max_concurrent_calls` is
/// passed over; `None` when every candidate is. Two statements, whatever
/// the numbers.
async fn from_number(
    db: &impl ConnectionTrait,
    call: &calls::Model,
    campaign: Option<&campaigns::Model>,
    provider: TelephonyProvider,
) -> AppResult<Option<phone_numbers::Model>> {
    let none = || {
        AppError::bad_input(
            "callId",
            format!(
                "the organization has no active {} number to call from",
                provider.as_str()
            ),
        )
    };
    let active = phone_numbers::Entity::find()
        .filter(phone_numbers::Column::OrganizationId.eq(call.organization_id))
        .filter(phone_numbers::Column::IsActive.eq(true));
    let pinned = call
        .from_phone_number_id
        .or_else(|| campaign.and_then(|c| c.phone_number_id));
    let numbers = match pinned {
        Some(id) => vec![
            active
                .filter(phone_numbers::Column::Id.eq(id))
                .one(db)
                .await?
                .ok_or_else(none)?,
        ],
        None => {
            active
                .filter(phone_numbers::Column::Provider.eq(provider))
                .order_by_asc(phone_numbers::Column::CreatedAt)
                .order_by_asc(phone_numbers::Column::Id)
                .limit(1_000)
                .all(db)
                .await?
        }
    };
    if numbers.is_empty() {
        return Err(none());
    }
    let busy: Vec<Option<Uuid>> = calls::Entity::find()
        .select_only()
        .column(calls::Column::FromPhoneNumberId)
        .filter(calls::Column::OrganizationId.eq(call.organization_id))
        .filter(calls::Column::Status.is_in([
            CallStatus::Queued,
            CallStatus::Ringing,
            CallStatus::InProgress,
        ]))
        .filter(calls::Column::FromPhoneNumberId.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let going = |n: &phone_numbers::Model| busy.iter().filter(|b| **b == Some(n.id)).count();
    let has_room = |n: &phone_numbers::Model| {
        n.max_concurrent_calls
            .is_none_or(|limit| going(n) < usize::try_from(limit).unwrap_or(0))
    };
    // `min_by_key` keeps the first of equals: the oldest number.
    Ok(numbers.into_iter().filter(has_room).min_by_key(going))
}

/// What [`prepare`] came to.
#[derive(Debug)]
pub(crate) enum Prepared {
    /// The attempt is recorded: place it.
    Dial(Box<Dial>),
    /// Every number the call may leave from carries its most calls: it
    /// waits, unchanged.
    NumbersBusy,
}

/// Places a scheduled call now, through the same gate as the dispatcher
/// (members who write calls). A call that is not `scheduled` is CONFLICT;
/// a gate's block is DIAL_BLOCKED and leaves it scheduled; every number it
/// may leave from busy is CONFLICT; a call without
/// an active agent, an account at the agent's provider or a number to call
/// from is BAD_USER_INPUT on `callId`. The provider's refusal leaves the
/// call `failed` with the reason (and answers it); its unavailability puts
/// the call back to `scheduled` and is PROVIDER_UNAVAILABLE.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, call_id = %id))]
pub async fn dial_now(app: &App, viewer: Viewer, id: Uuid) -> AppResult<calls::Model> {
    viewer.require(Permission::WriteLeadsAndCalls)?;
    let actor: Actor = viewer.into();
    let write = app.begin_write().await?;
    let call = lock_call(&write, actor.organization_id, id).await?;
    let dial = match prepare(app, &write, actor, call, Utc::now()).await? {
        Prepared::Dial(dial) => *dial,
        Prepared::NumbersBusy => {
            return Err(AppError::Conflict {
                field: Some("callId".into()),
                message: "every number the call may leave from is carrying its most calls: \
                          try again when one ends"
                    .into(),
                existing_id: None,
            });
        }
    };
    write.commit().await?;
    let answer = app.voice.dial(dial).await;
    record_answer(app, actor, id, answer, None, Utc::now()).await
}

/// The first transaction, over `call` locked in `write`: the gate, the
/// choices and the attempt (committed by the caller).
pub(crate) async fn prepare(
    app: &App,
    write: &Write,
    actor: Actor,
    call: calls::Model,
    now: DateTime<Utc>,
) -> AppResult<Prepared> {
    let org = actor.organization_id;
    let id = call.id;
    if call.status != CallStatus::Scheduled {
        return Err(AppError::Conflict {
            field: Some("callId".into()),
            message: format!("the call is {}, not scheduled", call.status.as_str()),
            existing_id: None,
        });
    }
    let to = call
        .phone_number
        .clone()
        .ok_or_else(|| AppError::bad_input("callId", "the call has no number to dial"))?;
    let lead = match call.lead_id {
        Some(lead) => Some(crate::leads::lookups::find_lead(&**write, org, lead).await?),
        None => None,
    };
    let campaign = match call.campaign_id {
        Some(campaign) => Some(find_campaign(&**write, org, campaign).await?),
        None => None,
    };
    let gate = dial_gate(&**write, org, &to, lead.as_ref(), campaign.as_ref(), now).await?;
    if !gate.eligible() {
        return Err(AppError::DialBlocked {
            reasons: gate.blocks,
        });
    }
    let agent = match call.agent_id {
        Some(agent) => {
            agents::Entity::find_by_id(agent)
                .filter(agents::Column::OrganizationId.eq(org))
                .filter(agents::Column::IsActive.eq(true))
                .one(&**write)
                .await?
        }
        None => None,
    }
    .ok_or_else(|| AppError::bad_input("callId", "the call has no active agent"))?;
    let provider = provider_of(&agent);
    let account = credentials::account(&**write, &app.secret_key, org, provider)
        .await?
        .ok_or_else(|| {
            AppError::bad_input(
                "callId",
                format!(
                    "the organization has no {} account: setProviderCredentials first",
                    provider.as_str()
                ),
            )
        })?;
    let Some(number) = from_number(&**write, &call, campaign.as_ref(), provider).await? else {
        return Ok(Prepared::NumbersBusy);
    };
    let slug = organizations::Entity::find_by_id(org)
        .one(&**write)
        .await?
        .ok_or_else(|| AppError::not_found("organization", org))?
        .slug;

    let (queued, _) = change_status(write, actor, id, CallStatus::Queued, None, now).await?;
    let mut row: calls::ActiveModel = queued.clone().into();
    row.provider = Set(Some(provider));
    row.from_phone_number_id = Set(Some(number.id));
    row.provider_call_id = Set(None);
    let queued = row.update(&**write).await?;
    let payload =
        json!({ "dial": "attempt", "provider": provider.as_str(), "from": number.phone_number });
    record_event(
        write,
        &queued,
        actor,
        EventRecord::now(CallEventKind::ProviderEvent, payload, now),
        now,
    )
    .await?;
    Ok(Prepared::Dial(Box::new(Dial {
        from_provider_id: number
            .provider_phone_number_id
            .or_else(|| account.phone_number_id.clone()),
        account,
        call_id: id,
        organization_slug: slug,
        to,
        from: number.phone_number,
        agent: agent.external_agent_id,
    })))
}

/// Takes back an attempt the provider never received: the call is
/// `scheduled` again. Not a move of the status machine (a call never goes
/// back on its own), the dialer undoing its own step, recorded as such.
async fn unqueue(
    write: &Write,
    actor: Actor,
    call: calls::Model,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<calls::Model> {
    let mut row: calls::ActiveModel = call.into();
    row.status = Set(CallStatus::Scheduled);
    if let Some(at) = retry_at {
        row.scheduled_at = Set(Some(at));
    }
    row.provider_call_id = Set(None);
    row.updated_at = Set(now);
    let call = row.update(&**write).await?;
    let record = EventRecord {
        kind: CallEventKind::StatusChanged,
        from: Some(CallStatus::Queued),
        to: Some(CallStatus::Scheduled),
        payload: json!({ "dial": "retry" }),
        occurred_at: now,
    };
    record_event(write, &call, actor, record, now).await?;
    Ok(call)
}

/// Stores the provider's id on the call, or `None` when another call has
/// that id already (the unique index says so; a savepoint keeps `write`
/// usable on PostgreSQL).
async fn store_placed(write: &Write, row: calls::ActiveModel) -> AppResult<Option<calls::Model>> {
    let savepoint = write.begin().await?;
    match row.update(&savepoint).await {
        Ok(call) => {
            savepoint.commit().await?;
            Ok(Some(call))
        }
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            savepoint.rollback().await?;
            Ok(None)
        }
        Err(err) => Err(err.into()),
    }
}

/// The second transaction: what the provider answered. An unavailable
/// provider's call is scheduled again, at `retry_at` when given.
pub(crate) async fn record_answer(
    app: &App,
    actor: Actor,
    id: Uuid,
    answer: Result<super::Placed, DialError>,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<calls::Model> {
    let write = app.begin_write().await?;
    let call = lock_call(&write, actor.organization_id, id).await?;
    // The provider's webhook may have come first (naming the call by the
    // id the dialer sent, or moving it on): the call is placed whatever
    // the answer says.
    let reached = call.status != CallStatus::Queued || call.provider_call_id.is_some();
    let answer = match answer {
        Err(_) if reached => Ok(super::Placed {
            provider_call_id: call.provider_call_id.clone().unwrap_or_default(),
        }),
        other => other,
    };
    let (call, failure) = match answer {
        Ok(placed) => {
            let mut row: calls::ActiveModel = call.clone().into();
            if call.provider_call_id.is_none() && !placed.provider_call_id.is_empty() {
                row.provider_call_id = Set(Some(placed.provider_call_id.clone()));
            }
            row.updated_at = Set(now);
            let call = match store_placed(&write, row).await? {
                Some(call) => call,
                // Another call records that provider id already (a webhook
                // that did not name this call made one of its own, or the
                // provider reused an id): this one is a duplicate record of
                // a placed call. Cancelled, not failed, so nothing dials
                // the lead again for it.
                None => {
                    let (call, _) =
                        change_status(&write, actor, id, CallStatus::Cancelled, None, now).await?;
                    let mut row: calls::ActiveModel = call.into();
                    row.ended_reason = Set(Some(format!(
                        "the provider placed it as {}, which another call already records",
                        placed.provider_call_id
                    )));
                    row.update(&*write).await?
                }
            };
            let payload = json!({ "dial": "placed", "providerCallId": placed.provider_call_id });
            record_event(
                &write,
                &call,
                actor,
                EventRecord::now(CallEventKind::ProviderEvent, payload, now),
                now,
            )
            .await?;
            (call, None)
        }
        Err(error) => {
            let (to, answer) = match &error {
                DialError::Refused { .. } => (CallStatus::Failed, None),
                DialError::Unavailable(reason) => (
                    CallStatus::Scheduled,
                    Some(AppError::ProviderUnavailable(reason.clone())),
                ),
            };
            let payload = json!({ "dial": "not_placed", "reason": error.to_string() });
            record_event(
                &write,
                &call,
                actor,
                EventRecord::now(CallEventKind::ProviderEvent, payload, now),
                now,
            )
            .await?;
            let call = match to {
                CallStatus::Scheduled => unqueue(&write, actor, call, retry_at, now).await?,
                _ => {
                    let (call, _) = change_status(&write, actor, id, to, None, now).await?;
                    let mut row: calls::ActiveModel = call.into();
                    row.ended_reason = Set(Some(error.to_string()));
                    row.update(&*write).await?
                }
            };
            (call, answer)
        }
    };
    write.commit().await?;
    match failure {
        Some(error) => Err(error),
        None => Ok(call),
    }
}
