//! The status machine of a call, and what ending one sets off: its
//! duration and billing, the debit from the ledger, the lead's last contact
//! and the analytics rollups, all in the transaction that moves the status.

use chrono::{DateTime, Utc};
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use serde_json::json;
use switchboard_domain::call_status::{Transition, transition};
use switchboard_domain::calls::{billed_minutes, crm_stage_for};
use switchboard_entity::enums::{CallEventKind, CallStatus, TriggerType};
use switchboard_entity::{call_events, calls};
use uuid::Uuid;

use super::{EventRecord, credits_per_minute, lock_call, record_event};
use crate::actor::Actor;
use crate::app::{App, Write};
use crate::error::{AppError, AppResult};
use crate::leads::write as service;

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
/// - reaching `in_progress` sets `started_at` (to `at`, else now) if unset;
/// - reaching a terminal status sets `ended_at`, `duration_seconds` (0 if the
///   call never started; an end before the start is BAD_USER_INPUT on `at`)
///   and, for a connected call (`completed`, `voicemail`), `billed_minutes`
///   (rounded up) and `credits_used` (billed minutes × `credits_per_minute`),
///   and touches the lead's `last_contact_at`;
/// - the CRM stage follows the status (a closed stage is kept);
/// - an ended call recomputes its lead's score and runs the status rules
///   ([`crate::leads::automation`]);
/// - a `status_changed` event records the move and is announced once the
///   write commits;
/// - a connected call's credits are debited from the ledger, once
///   ([`crate::ledger::charge_call`]), and an ended call is counted in the
///   analytics rollups (unless the actor leaves them alone).
#[tracing::instrument(skip_all, fields(organization_id = %actor.organization_id, actor = %actor.who, call_id = %id))]
pub async fn update_call_status(
    app: &App,
    actor: Actor,
    id: Uuid,
    to: CallStatus,
    at: Option<DateTime<Utc>>,
) -> AppResult<calls::Model> {
    let write = app.begin_write().await?;
    let (call, _) = change_status(&write, actor, id, to, at, Utc::now()).await?;
    write.commit().await?;
    Ok(call)
}

/// [`update_call_status`] inside `write`; also returns the event written,
/// `None` when the call already had the status.
pub(crate) async fn change_status(
    write: &Write,
    actor: Actor,
    id: Uuid,
    to: CallStatus,
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<(calls::Model, Option<call_events::Model>)> {
    let call = lock_call(write, actor.organization_id, id).await?;
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
                i64::from(billed) * credits_per_minute(&**write, actor.organization_id).await?;
            row.billed_minutes = Set(Some(billed));
            row.credits_used = Set(credits);
            payload["billed_minutes"] = json!(billed);
            payload["credits_used"] = json!(credits);
            if let Some(lead) = call.lead_id {
                service::touch_last_contact(&**write, lead, at).await?;
            }
        }
    }
    row.status = Set(to);
    row.crm_stage = Set(crm_stage_for(to, Some(call.crm_stage)));
    row.updated_at = Set(now);
    let call = row.update(&**write).await?;
    // An ended call changes what the lead's score is made of, and may move
    // its status. The lead is written before the organization's row is
    // locked below (charge, rollups), the order every writer keeps.
    if to.is_terminal()
        && let Some(lead) = call.lead_id
    {
        let trigger = crate::leads::scoring::Trigger {
            kind: TriggerType::Call,
            call_id: Some(call.id),
            changed_by: actor.user_id(),
            reason: "Call ended",
        };
        crate::leads::scoring::rescore(
            &**write,
            &write.outbox,
            call.organization_id,
            &[lead],
            trigger,
            now,
        )
        .await?;
    }
    if to.is_terminal() {
        crate::leads::automation::after_call_end(&**write, &write.outbox, &call, now).await?;
    }
    // A call that ends connected is debited here, in the same transaction, once.
    if to.is_terminal() && connected(to) {
        crate::ledger::charge_call(write, &call, now).await?;
    }
    // Terminal statuses are final, so a call is counted exactly once.
    if to.is_terminal() && actor.maintain_rollups {
        crate::analytics::rollups::call_ended(&**write, &call, now).await?;
    }
    let record = EventRecord {
        kind: CallEventKind::StatusChanged,
        from: Some(from),
        to: Some(to),
        payload,
        occurred_at: at,
    };
    let event = record_event(write, &call, actor, record, now).await?;
    Ok((call, Some(event)))
}
