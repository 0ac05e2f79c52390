//! Provider webhooks, once verified and parsed by
//! [`switchboard_domain::webhooks`]: stored and applied in one transaction,
//! idempotently, converging whatever order deliveries arrive in.
//!
//! - **Idempotent.** Every delivery is a `provider_event` row keyed by
//!   `(source, provider_event_id)` (unique): a redelivery finds its row and
//!   changes nothing, so five deliveries make one call, one transcript and
//!   one debit. Two copies racing each other are settled by that unique key
//!   (the loser's transaction rolls back and reports a duplicate).
//! - **Convergent.** Statuses move only forward through the status machine:
//!   an event that would take a finished call back (a `call_started` after
//!   its `call_ended`) is stored but changes nothing, and an end reported
//!   before a start passes through `in_progress` at the start time the
//!   provider gives. Transcripts and analyses replace the call's previous
//!   ones, an outcome is only filled in when the call has none.
//! - **Unknown calls** are created, with their lead found by phone number or
//!   auto-created (`is_auto_created`, seed 004's auto-created contacts).
//!
//! Signing secrets are stored per organization and provider in
//! `system_config`, sealed with AES-256-GCM ([`switchboard_domain::secrets`])
//! and bound to their row by the associated data; setting one is the
//! [`set_webhook_secret`] use case, and [`webhook_endpoints`] lists where
//! each provider posts and whether its secret is set (never its value).

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, QueryFilter, QuerySelect, Statement,
};
use serde_json::json;
use switchboard_domain::call_status::{Transition, transition};
use switchboard_domain::secrets::{self, SecretKey};
use switchboard_domain::text::SigningSecret;
use switchboard_domain::webhooks::{Direction, Provider, ProviderEvent};
use switchboard_entity::enums::{
    AgentProvider, CallEventKind, CallEventSource, CallSource, CallStatus, CallType,
    TelephonyProvider,
};
use switchboard_entity::{agents, call_events, calls, organizations, system_config};
use uuid::Uuid;

use crate::actor::{Actor, Viewer};
use crate::app::{App, Write};
use crate::audit;
use crate::calls::analysis::record_call_analysis_in;
use crate::calls::create::{create_call_in, create_call_without_number};
use crate::calls::outcome::record_call_outcome_in;
use crate::calls::status::change_status;
use crate::calls::transcript::attach_transcript_in;
use crate::calls::{
    self as call_service, NewAnalysis, NewCall, NewSegment, NewTranscript, Outcome,
};
use crate::db::Tenant;
use crate::error::{AppError, AppResult};
use crate::events::{CallEvent, Message};
use crate::identity::Client;
use crate::leads::write as service;

/// The `call_events.source` of a provider.
pub fn source(provider: Provider) -> CallEventSource {
    match provider {
        Provider::Vapi => CallEventSource::Vapi,
        Provider::ElevenLabs => CallEventSource::Elevenlabs,
        Provider::Retell => CallEventSource::Retell,
        Provider::Twilio => CallEventSource::Twilio,
    }
}

fn telephony(provider: Provider) -> TelephonyProvider {
    match provider {
        Provider::Vapi => TelephonyProvider::Vapi,
        Provider::ElevenLabs => TelephonyProvider::Elevenlabs,
        Provider::Retell => TelephonyProvider::Retell,
        Provider::Twilio => TelephonyProvider::Twilio,
    }
}

fn agent_provider(provider: Provider) -> Option<AgentProvider> {
    match provider {
        Provider::Vapi => Some(AgentProvider::Vapi),
        Provider::ElevenLabs => Some(AgentProvider::Elevenlabs),
        Provider::Retell => Some(AgentProvider::Retell),
        Provider::Twilio => None,
    }
}

// ---------------------------------------------------------------------------
// Signing secrets
// ---------------------------------------------------------------------------

/// The `system_config` key holding a provider's signing secret.
pub fn secret_key_name(provider: Provider) -> String {
    format!("webhooks.{}.signing_secret", provider.as_str())
}

/// The associated data a secret is sealed with: its organization and key,
/// so a sealed value copied to another row does not open (`switchboard
/// secrets rotate` re-seals with it too).
pub fn secret_context(organization_id: Uuid, key: &str) -> Vec<u8> {
    format!("{organization_id}/{key}").into_bytes()
}

/// Where a provider posts its webhooks for an organization, and whether
/// its signing secret is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub provider: Provider,
    /// The path to give the provider (after this server's public address).
    pub path: String,
    /// Whether a signing secret is set; deliveries are refused until it is.
    pub configured: bool,
    /// When the secret was last set.
    pub secret_updated_at: Option<DateTime<Utc>>,
}

impl WebhookEndpoint {
    fn new(provider: Provider, slug: &str, secret: Option<&system_config::Model>) -> Self {
        Self {
            provider,
            path: format!("/webhooks/{}?org={slug}", provider.as_str()),
            configured: secret.is_some(),
            secret_updated_at: secret.map(|s| s.updated_at),
        }
    }
}

async fn organization_slug(db: &impl ConnectionTrait, organization_id: Uuid) -> AppResult<String> {
    Ok(organizations::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("organization", organization_id))?
        .slug)
}

/// Every provider's webhook endpoint for the viewer's organization, in
/// [`Provider::ALL`]'s order.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn webhook_endpoints(app: &App, viewer: Viewer) -> AppResult<Vec<WebhookEndpoint>> {
    let slug = organization_slug(&app.db, viewer.organization_id).await?;
    let rows = system_config::Entity::find()
        .filter(system_config::Column::OrganizationId.eq(viewer.organization_id))
        .filter(system_config::Column::Key.starts_with("webhooks."))
        .all(&app.db)
        .await?;
    Ok(Provider::ALL
        .into_iter()
        .map(|provider| {
            let name = secret_key_name(provider);
            WebhookEndpoint::new(provider, &slug, rows.iter().find(|r| r.key == name))
        })
        .collect())
}

/// Sets (or rotates) the organization's signing secret for `provider`,
/// sealed with `app.secret_key`. A secret shorter than 8 characters is
/// BAD_USER_INPUT on `secret`. Returns the provider's endpoint.
#[tracing::instrument(skip_all, fields(organization_id = %actor.organization_id, actor = %actor.who, provider = %provider))]
pub async fn set_webhook_secret(
    app: &App,
    actor: Actor,
    client: &Client,
    provider: Provider,
    secret: &str,
) -> AppResult<WebhookEndpoint> {
    let secret = SigningSecret::parse(secret)?;
    let slug = organization_slug(&app.db, actor.organization_id).await?;
    let now = Utc::now();
    let write = app.begin_write().await?;
    let row = store_signing_secret(&write, &app.secret_key, actor, provider, &secret, now).await?;
    // The secret itself is never recorded, only that it changed.
    audit::record(
        &*write,
        actor,
        client,
        audit::Entry {
            action: "webhook_secret.set",
            resource_type: "system_config",
            resource_id: Some(row.id),
            target_user_id: None,
            details: serde_json::json!({ "provider": provider.as_str() }),
        },
        now,
    )
    .await?;
    write.commit().await?;
    Ok(WebhookEndpoint::new(provider, &slug, Some(&row)))
}

/// Stores (or replaces) the actor's organization's signing secret for
/// `provider`, encrypted. Returns the row.
async fn store_signing_secret(
    txn: &DatabaseTransaction,
    key: &SecretKey,
    actor: Actor,
    provider: Provider,
    secret: &SigningSecret,
    now: DateTime<Utc>,
) -> AppResult<system_config::Model> {
    let description = format!("{} webhook signing secret (AES-256-GCM)", provider.as_str());
    let name = secret_key_name(provider);
    store_sealed(txn, key, actor, &name, secret.expose(), description, now).await
}

/// Stores (or replaces) the organization's `system_config` value `name`,
/// sealed with `key` and bound to its row by [`secret_context`]. Returns
/// the row.
pub(crate) async fn store_sealed(
    txn: &DatabaseTransaction,
    key: &SecretKey,
    actor: Actor,
    name: &str,
    plaintext: &str,
    description: String,
    now: DateTime<Utc>,
) -> AppResult<system_config::Model> {
    let organization_id = actor.organization_id;
    let sealed = secrets::seal(key, plaintext, &secret_context(organization_id, name));
    let existing = system_config::Entity::find()
        .filter(system_config::Column::OrganizationId.eq(organization_id))
        .filter(system_config::Column::Key.eq(name))
        .one(txn)
        .await?;
    let row = match existing {
        Some(existing) => {
            let mut row: system_config::ActiveModel = existing.into();
            row.value = Set(sealed);
            row.is_encrypted = Set(true);
            row.updated_by = Set(actor.user_id());
            row.updated_at = Set(now);
            row.update(txn).await?
        }
        None => {
            system_config::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(Some(organization_id)),
                key: Set(name.to_owned()),
                value: Set(sealed),
                is_encrypted: Set(true),
                description: Set(Some(description)),
                updated_by: Set(actor.user_id()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?
        }
    };
    Ok(row)
}

/// The plaintext of a `system_config` row of the organization (opened
/// when sealed).
pub(crate) fn open_sealed(
    key: &SecretKey,
    organization_id: Uuid,
    row: &system_config::Model,
) -> AppResult<String> {
    if !row.is_encrypted {
        return Ok(row.value.clone());
    }
    secrets::open(key, &row.value, &secret_context(organization_id, &row.key)).map_err(|e| {
        AppError::Internal(sea_orm::DbErr::Custom(format!(
            "`{}` cannot be decrypted: {e}",
            row.key
        )))
    })
}

/// An organization's signing secret for `provider`, decrypted; `None` when
/// none is configured.
pub async fn signing_secret(
    db: &impl ConnectionTrait,
    key: &SecretKey,
    organization_id: Uuid,
    provider: Provider,
) -> AppResult<Option<String>> {
    let name = secret_key_name(provider);
    let Some(row) = system_config::Entity::find()
        .filter(system_config::Column::OrganizationId.eq(organization_id))
        .filter(system_config::Column::Key.eq(name.as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    open_sealed(key, organization_id, &row).map(Some)
}

// ---------------------------------------------------------------------------
// Applying an event
// ---------------------------------------------------------------------------

/// What a delivery did.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub call_id: Uuid,
    /// The same delivery was applied before: nothing changed.
    pub duplicate: bool,
    /// The call was new.
    pub call_created: bool,
    /// The call's lead was auto-created for it.
    pub lead_created: bool,
    /// The call's status after the delivery.
    pub status: CallStatus,
}

/// Applies a verified provider event to `organization_id`'s data, in one
/// write, and publishes its events once committed. The provider acts
/// ([`Actor::provider`]); a redelivery changes nothing and says so.
#[tracing::instrument(skip_all, fields(organization_id = %organization_id, actor = %crate::actor::Who::Provider(source(event.provider)), provider_event_id = %event.event_id))]
pub async fn apply(
    app: &App,
    organization_id: Uuid,
    event: &ProviderEvent,
    now: DateTime<Utc>,
) -> AppResult<Applied> {
    let source = source(event.provider);
    // Provider ids are unique across organizations, so whether a delivery or
    // a call is someone else's is a privileged lookup; the write itself runs
    // as the organization, under its row-level security.
    let owner = app.privileged();
    let scoped = app.for_tenant(Tenant::organization(organization_id));
    // A redelivery is recognised without taking any lock.
    if let Some(seen) = already_applied(owner, source, &event.event_id).await? {
        return duplicate(&scoped.db, organization_id, seen).await;
    }
    // Copies racing on PostgreSQL can both miss the call (or the lead) and
    // both create it: the loser's unique violation rolls it back, and the
    // retry finds what the winner committed.
    let actor = Actor::provider(organization_id, source);
    let mut attempts = 0;
    loop {
        attempts += 1;
        if provider_call_owner(owner, event)
            .await?
            .is_some_and(|org| org != organization_id)
        {
            return Err(foreign_call());
        }
        let write = scoped.begin_write().await?;
        match apply_in(&write, actor, event, now).await {
            Ok(applied) => {
                write.commit().await?;
                return Ok(applied);
            }
            // Dropping the write rolls it back and announces nothing.
            Err(Stored::Duplicate) => {
                drop(write);
                let seen = already_applied(owner, source, &event.event_id)
                    .await?
                    .ok_or_else(|| {
                        AppError::Internal(sea_orm::DbErr::Custom(
                            "a duplicate delivery left no event".into(),
                        ))
                    })?;
                return duplicate(&scoped.db, organization_id, seen).await;
            }
            Err(Stored::Failed(AppError::Internal(err))) if attempts < 3 && retryable(&err) => {
                drop(write);
            }
            Err(Stored::Failed(err)) => return Err(err),
        }
    }
}

/// The organization whose call has the event's provider call id, if any.
async fn provider_call_owner(
    owner: &DatabaseConnection,
    event: &ProviderEvent,
) -> AppResult<Option<Uuid>> {
    Ok(calls::Entity::find()
        .select_only()
        .column(calls::Column::OrganizationId)
        .filter(calls::Column::Provider.eq(telephony(event.provider)))
        .filter(calls::Column::ProviderCallId.eq(event.call.id.as_str()))
        .into_tuple::<Uuid>()
        .one(owner)
        .await?)
}

/// A failure a second attempt can get past: a unique key another delivery
/// took meanwhile (a call or lead from the same number), or a deadlock or
/// serialization failure between two of them.
fn retryable(err: &sea_orm::DbErr) -> bool {
    if matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    ) {
        return true;
    }
    let text = err.to_string();
    text.contains("40P01") || text.contains("40001") || text.contains("deadlock detected")
}

/// Why applying stopped.
enum Stored {
    /// The delivery's event row exists already (a racing copy won).
    Duplicate,
    Failed(AppError),
}

impl<E: Into<AppError>> From<E> for Stored {
    fn from(err: E) -> Self {
        Self::Failed(err.into())
    }
}

async fn already_applied(
    db: &impl ConnectionTrait,
    source: CallEventSource,
    event_id: &str,
) -> AppResult<Option<call_events::Model>> {
    Ok(call_events::Entity::find()
        .filter(call_events::Column::Source.eq(source))
        .filter(call_events::Column::ProviderEventId.eq(event_id))
        .one(db)
        .await?)
}

async fn duplicate(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    seen: call_events::Model,
) -> AppResult<Applied> {
    if seen.organization_id != organization_id {
        return Err(foreign_call());
    }
    let call = call_service::find_call(db, organization_id, seen.call_id).await?;
    Ok(Applied {
        call_id: call.id,
        duplicate: true,
        call_created: false,
        lead_created: false,
        status: call.status,
    })
}

fn foreign_call() -> AppError {
    AppError::Conflict {
        field: None,
        message: "this provider call belongs to another organization".into(),
        existing_id: None,
    }
}

async fn apply_in(
    write: &Write,
    actor: Actor,
    event: &ProviderEvent,
    now: DateTime<Utc>,
) -> Result<Applied, Stored> {
    let txn: &DatabaseTransaction = write;
    if txn.get_database_backend() == DbBackend::Postgres {
        // Deliveries about one provider call take turns (SQLite's writers
        // already do): concurrent copies would otherwise create the call and
        // its lead side by side and deadlock on the unique indexes.
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            [format!("webhook:{}:{}", event.provider.as_str(), event.call.id).into()],
        ))
        .await?;
    }
    let (mut call, call_created, lead_created) =
        find_or_create_call(write, actor, event, now).await?;
    record_delivery(write, actor, &call, event, now).await?;
    let at = event.occurred_at.unwrap_or(now);

    // Facts the provider reports about the call itself.
    let mut row: calls::ActiveModel = call.clone().into();
    let mut changed = false;
    // The start a provider reports is the truth; one guessed from when a
    // status update arrived gives way to it, until the call has ended.
    if !call.status.is_terminal() {
        let reported = event.started_at.or_else(|| {
            let ended = event.ended_at?;
            Some(ended - chrono::Duration::seconds(i64::from(event.duration_seconds?)))
        });
        if let Some(started) = reported.filter(|s| call.started_at != Some(*s)) {
            row.started_at = Set(Some(started));
            changed = true;
        }
    }
    if let Some(reason) = event
        .ended_reason
        .as_ref()
        .filter(|_| call.ended_reason.is_none())
    {
        row.ended_reason = Set(Some(reason.clone()));
        changed = true;
    }
    if let Some(url) = event.recording_url.as_ref() {
        row.recording_url = Set(Some(url.clone()));
        changed = true;
    }
    if let Some(cents) = event.cost_cents.filter(|c| *c >= 0) {
        row.cost_cents = Set(cents);
        changed = true;
    }
    if changed {
        row.updated_at = Set(now);
        call = row.update(txn).await?;
    }

    if let Some(to) = event.status {
        call = advance(write, actor, call, to, event, at, now).await?;
    }
    if let Some(outcome) = event.outcome.filter(|_| call.outcome.is_none())
        && call.status.is_terminal()
    {
        call = record_call_outcome_in(write, actor, call.id, Outcome::new(outcome), now).await?;
    }
    if let Some(transcript) = event
        .transcript
        .as_ref()
        .filter(|t| !t.content.trim().is_empty())
    {
        let new = NewTranscript {
            content: transcript.content.clone(),
            segments: transcript
                .segments
                .iter()
                .map(|s| NewSegment {
                    speaker: s.speaker.clone(),
                    text: s.text.clone(),
                    start: s.start.filter(|v| v.is_finite() && *v >= 0.0),
                    end: s.end.filter(|v| v.is_finite() && *v >= 0.0),
                })
                .filter(|s| !s.speaker.trim().is_empty())
                .map(|mut s| {
                    if let (Some(start), Some(end)) = (s.start, s.end)
                        && end < start
                    {
                        s.end = None;
                    }
                    s
                })
                .collect(),
            language: transcript.language.clone(),
        };
        attach_transcript_in(write, actor, call.id, new, now).await?;
    }
    if let Some(analysis) = &event.analysis {
        let mut row: calls::ActiveModel = call.clone().into();
        if let Some(summary) = analysis.summary.as_ref() {
            row.summary = Set(Some(summary.clone()));
        }
        if let Some(sentiment) = analysis.sentiment {
            row.customer_sentiment = Set(Some(sentiment));
        }
        row.updated_at = Set(now);
        call = row.update(txn).await?;
        let new = NewAnalysis {
            reasoning: Some(json!({
                "provider": event.provider.as_str(),
                "summary": analysis.summary,
                "successful": analysis.successful,
                "data": analysis.data,
            })),
            next_steps: None,
            ..NewAnalysis::default()
        };
        record_call_analysis_in(write, actor, call.id, new, now).await?;
    }
    Ok(Applied {
        call_id: call.id,
        duplicate: false,
        call_created,
        lead_created,
        status: call.status,
    })
}

/// Moves `call` towards `to`, only ever forward: a status the machine
/// does not allow from where the call is (a late `ringing`, anything after
/// the end) is ignored; an end reported before the start goes through
/// `in_progress` first.
async fn advance(
    write: &Write,
    actor: Actor,
    call: calls::Model,
    to: CallStatus,
    event: &ProviderEvent,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<calls::Model> {
    if call.status.is_terminal() || call.status == to {
        return Ok(call);
    }
    let mut call = call;
    if to.is_terminal() && transition(call.status, to).is_err() {
        // e.g. queued → completed: the call must have been answered.
        if transition(call.status, CallStatus::InProgress).is_err() {
            return Ok(call);
        }
        let started = call.started_at.unwrap_or(at);
        call = change_status(
            write,
            actor,
            call.id,
            CallStatus::InProgress,
            Some(started),
            now,
        )
        .await?
        .0;
    }
    let when = if to.is_terminal() {
        event.ended_at.unwrap_or(at)
    } else if to == CallStatus::InProgress {
        event.started_at.unwrap_or(at)
    } else {
        at
    };
    // An end time before the start the provider gave would be refused;
    // clamp it (clock skew between provider events).
    let when = call.started_at.map_or(when, |s| when.max(s));
    match transition(call.status, to) {
        Ok(Transition::Changed) => Ok(change_status(write, actor, call.id, to, Some(when), now)
            .await?
            .0),
        Ok(Transition::Unchanged) | Err(_) => Ok(call),
    }
}

/// Appends the delivery itself (kind `provider_event`, its raw payload),
/// or reports that it is there already.
async fn record_delivery(
    write: &Write,
    actor: Actor,
    call: &calls::Model,
    event: &ProviderEvent,
    now: DateTime<Utc>,
) -> Result<(), Stored> {
    let id = Uuid::now_v7();
    let row = call_events::ActiveModel {
        id: Set(id),
        organization_id: Set(actor.organization_id),
        call_id: Set(call.id),
        kind: Set(CallEventKind::ProviderEvent),
        from_status: Set(None),
        to_status: Set(event.status),
        source: Set(actor.source()),
        provider_event_id: Set(Some(event.event_id.clone())),
        payload: Set(json!({
            "type": event.kind,
            // ElevenLabs' audio deliveries carry the whole recording in base64.
            "body": if event.kind == "post_call_audio" { json!({ "omitted": "audio" }) } else { event.payload.clone() },
        })),
        actor_user_id: Set(None),
        occurred_at: Set(event.occurred_at.unwrap_or(now)),
        created_at: Set(now),
        // Numbered when the write commits (`events::number`).
        seq: Set(None),
    };
    let inserted = call_events::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                call_events::Column::Source,
                call_events::Column::ProviderEventId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&**write)
        .await?;
    if inserted == 0 {
        return Err(Stored::Duplicate);
    }
    let stored = call_events::Entity::find_by_id(id)
        .one(&**write)
        .await?
        .ok_or(Stored::Duplicate)?;
    write.announce(Message::Call(CallEvent::new(call, &stored)));
    Ok(())
}

/// The call the event is about, locked; created (with its lead) when the
/// provider's call id is new. Returns whether the call and its lead were
/// created.
async fn find_or_create_call(
    write: &Write,
    actor: Actor,
    event: &ProviderEvent,
    now: DateTime<Utc>,
) -> AppResult<(calls::Model, bool, bool)> {
    let txn: &DatabaseTransaction = write;
    let org = actor.organization_id;
    let provider = telephony(event.provider);
    if let Some(existing) = calls::Entity::find()
        .filter(calls::Column::Provider.eq(provider))
        .filter(calls::Column::ProviderCallId.eq(event.call.id.as_str()))
        .one(txn)
        .await?
    {
        if existing.organization_id != org {
            return Err(foreign_call());
        }
        let call = call_service::lock_call(txn, org, existing.id).await?;
        return Ok((call, false, false));
    }
    // A call the dialer placed whose id the provider's answer has not
    // stored yet: the provider echoes Switchboard's id, and the call takes
    // the provider's id now.
    if let Some(id) = event.call.switchboard_call_id
        && let Some(placed) = calls::Entity::find_by_id(id)
            .filter(calls::Column::OrganizationId.eq(org))
            .filter(calls::Column::Provider.eq(provider))
            .filter(calls::Column::ProviderCallId.is_null())
            .one(txn)
            .await?
    {
        let call = call_service::lock_call(txn, org, placed.id).await?;
        let mut row: calls::ActiveModel = call.into();
        row.provider_call_id = Set(Some(event.call.id.clone()));
        return Ok((row.update(txn).await?, false, false));
    }
    let phone = match event.call.customer_number.as_deref() {
        Some(raw) => service::normalize_phone(txn, org, "call.customerNumber", raw)
            .await
            .ok(),
        None => None,
    };
    let lead = match &phone {
        Some(phone) => service::live_lead_with_phone(txn, org, phone).await?,
        None => None,
    };
    let agent = match (
        agent_provider(event.provider),
        event.call.provider_agent_id.as_deref(),
    ) {
        (Some(provider), Some(external)) => agents::Entity::find()
            .filter(agents::Column::OrganizationId.eq(org))
            .filter(agents::Column::Provider.eq(provider))
            .filter(agents::Column::ExternalAgentId.eq(external))
            .one(txn)
            .await?
            .map(|a| a.id),
        _ => None,
    };
    let new = NewCall {
        lead_id: lead.as_ref().map(|l| l.id),
        phone_number: phone.clone(),
        agent_id: agent,
        call_type: match event.call.direction {
            Direction::Inbound => CallType::Inbound,
            Direction::Outbound => CallType::OutboundLead,
        },
        call_source: CallSource::Phone,
        status: CallStatus::Scheduled,
        ..NewCall::default()
    };
    let call = if phone.is_none() && lead.is_none() {
        create_call_without_number(write, actor, new, now).await?
    } else {
        create_call_in(write, actor, new, now).await?
    };
    let mut row: calls::ActiveModel = call.into();
    row.provider = Set(Some(provider));
    row.provider_call_id = Set(Some(event.call.id.clone()));
    let mut call = row.update(txn).await?;
    let mut lead_created = false;
    if lead.is_none()
        && let Some(phone) = phone
    {
        let lead = service::create_auto_lead(txn, &write.outbox, org, &phone, call.id, now).await?;
        let mut row: calls::ActiveModel = call.into();
        row.lead_id = Set(Some(lead.id));
        call = row.update(txn).await?;
        lead_created = true;
    }
    Ok((call, true, lead_created))
}

/// Whether a webhook's organization exists, by slug: a privileged lookup
/// (no tenant is known yet), given [`App::privileged`].
pub async fn organization_by_slug(db: &DatabaseConnection, slug: &str) -> AppResult<Option<Uuid>> {
    Ok(organizations::Entity::find()
        .filter(organizations::Column::Slug.eq(slug))
        .one(db)
        .await?
        .map(|o| o.id))
}
