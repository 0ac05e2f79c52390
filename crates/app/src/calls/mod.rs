//! Calls, one use case per module: recording one ([`create`]), placing one
//! behind the compliance gate ([`dial`]), the status machine ([`status`]),
//! outcomes ([`outcome`]), transcripts ([`transcript`]), AI analyses
//! ([`analysis`]), what clients read of them ([`read`]) and the events a
//! reconnecting subscriber missed ([`replay`]).
//!
//! Each write use case is a public function over the [`App`](crate::App)
//! that opens its [`Write`], runs an inner function over that `Write` and
//! commits; webhooks compose the inner functions inside one `Write`. Every
//! lookup is scoped by the actor's organization, so an id of another
//! organization is NOT_FOUND. Every write to a call appends a `call_events`
//! row (its source and member those of the [`Actor`]) and announces it on
//! the `Write`, and every change to an existing call first locks its row
//! (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's write transaction already
//! serialises writers), so two concurrent webhooks cannot interleave on one
//! call.
//!
//! Field keys of refused input are relative to the use case's input
//! (`phoneNumber`, `segments[2].end`); the transport places them under its
//! own argument.

pub mod analysis;
pub mod create;
pub mod dial;
pub mod outcome;
pub mod read;
pub mod replay;
pub mod status;
pub mod transcript;

pub use analysis::{NewAnalysis, record_call_analysis};
pub use create::{NewCall, create_call};
pub use dial::{
    DialCheck, DialGate, OutboundCall, dial_eligibility, dial_gate, schedule_outbound_call,
};
pub use outcome::{Closed, Outcome, record_call_outcome};
pub use status::update_call_status;
pub use transcript::{NewSegment, NewTranscript, attach_transcript};

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QuerySelect,
};
use switchboard_entity::enums::{CallEventKind, CallStatus};
use switchboard_entity::*;
use uuid::Uuid;

use crate::actor::Actor;
use crate::app::Write;
use crate::error::{AppError, AppResult};
use crate::events::{CallEvent, Message};

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
    read::call(db, organization_id, id)
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

/// What one `call_events` row records (its call, source and member come
/// from the call and the actor).
pub(crate) struct EventRecord {
    pub kind: CallEventKind,
    pub from: Option<CallStatus>,
    pub to: Option<CallStatus>,
    pub payload: serde_json::Value,
    /// When it happened (the provider's or the client's time); the row's
    /// `created_at` is `now`.
    pub occurred_at: DateTime<Utc>,
}

impl EventRecord {
    /// An event with no status change that happened `now`.
    pub(crate) fn now(kind: CallEventKind, payload: serde_json::Value, now: DateTime<Utc>) -> Self {
        Self {
            kind,
            from: None,
            to: None,
            payload,
            occurred_at: now,
        }
    }
}

/// Appends a `call_events` row by `actor` and announces it on `write`, to
/// be published once the write commits.
pub(crate) async fn record_event(
    write: &Write,
    call: &calls::Model,
    actor: Actor,
    record: EventRecord,
    now: DateTime<Utc>,
) -> AppResult<call_events::Model> {
    let event = call_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(call.organization_id),
        call_id: Set(call.id),
        kind: Set(record.kind),
        from_status: Set(record.from),
        to_status: Set(record.to),
        source: Set(actor.source()),
        provider_event_id: Set(None),
        payload: Set(record.payload),
        actor_user_id: Set(actor.user_id()),
        occurred_at: Set(record.occurred_at),
        created_at: Set(now),
        // Numbered when the write commits (`events::number`).
        seq: Set(None),
    }
    .insert(&**write)
    .await?;
    write.announce(Message::Call(CallEvent::new(call, &event)));
    Ok(event)
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

/// Trimmed text, `None` when blank.
pub(crate) fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_text_is_none_and_text_is_trimmed() {
        assert_eq!(text(None), None);
        assert_eq!(text(Some("  \n".into())), None);
        assert_eq!(text(Some(" hi ".into())), Some("hi".into()));
    }
}
