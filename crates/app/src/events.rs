//! Live events: published only after their transaction commits, only to the
//! organization they belong to, across every instance.
//!
//! On PostgreSQL a writer *stages* an event inside its transaction with
//! `pg_notify` (ids and statuses only, far below NOTIFY's 8,000-byte limit):
//! PostgreSQL delivers it to every listening instance if, and only if, the
//! transaction commits. Each instance's listener task ([`listen`]) feeds its
//! local bus. On SQLite (one instance) the writer hands its events to the bus
//! after the commit. Subscribers read a bounded broadcast channel of their
//! organization: one that falls behind is told how much it missed (and can
//! resume from its last cursor), and never slows the writer, other
//! subscribers or other organizations.
//!
//! Call events are numbered in commit order as their write commits
//! ([`number`]), and every instance receives them in that order: what a
//! resuming client is sent after its last event is exactly what committed
//! after it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, QueryFilter, Statement,
};
use serde::{Deserialize, Serialize};
use switchboard_entity::enums::{CallEventKind, CallStatus};
use switchboard_entity::{call_events, calls, event_sequences};
use tokio::sync::broadcast;
use uuid::Uuid;

/// The PostgreSQL channel events travel on.
pub const CHANNEL: &str = "switchboard_events";
/// Events a subscriber may fall behind by before it is told it lagged (per
/// organization).
pub const BUFFER: usize = 4_096;
/// Control messages (resyncs, revocations) a watcher may fall behind by.
const CONTROL_BUFFER: usize = 256;

/// Something happened to a call: one `call_events` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallEvent {
    /// The `call_events` row: the cursor a client resumes from.
    pub event_id: Uuid,
    pub organization_id: Uuid,
    pub call_id: Uuid,
    pub lead_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub agent_id: Option<Uuid>,
    pub kind: CallEventKind,
    pub from: Option<CallStatus>,
    pub to: Option<CallStatus>,
    pub occurred_at: DateTime<Utc>,
}

impl CallEvent {
    /// The event recorded in `event` for `call` (as the call is after it).
    pub fn new(call: &calls::Model, event: &call_events::Model) -> Self {
        Self {
            event_id: event.id,
            organization_id: call.organization_id,
            call_id: call.id,
            lead_id: call.lead_id,
            campaign_id: call.campaign_id,
            agent_id: call.agent_id,
            kind: event.kind,
            from: event.from_status,
            to: event.to_status,
            occurred_at: event.occurred_at,
        }
    }
}

/// How a lead changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeadChange {
    Created,
    Updated,
    Deleted,
    Restored,
}

/// A pending follow-up's day came (in the organization's time zone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUpDueEvent {
    pub organization_id: Uuid,
    pub follow_up_id: Uuid,
    pub lead_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub date: chrono::NaiveDate,
    pub occurred_at: DateTime<Utc>,
}

/// A lead's enrolment in a nurture sequence began, ran a step or changed
/// status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrollmentEvent {
    pub organization_id: Uuid,
    pub enrollment_id: Uuid,
    pub sequence_id: Uuid,
    pub lead_id: Uuid,
    pub status: switchboard_entity::enums::EnrollmentStatus,
    pub current_step: i32,
    pub occurred_at: DateTime<Utc>,
}

impl EnrollmentEvent {
    /// The event for `row` as it now is.
    pub fn of(row: &switchboard_entity::lead_sequence_enrollments::Model) -> Self {
        Self {
            organization_id: row.organization_id,
            enrollment_id: row.id,
            sequence_id: row.sequence_id,
            lead_id: row.lead_id,
            status: row.status,
            current_step: row.current_step,
            occurred_at: row.updated_at,
        }
    }
}

/// A customer was created or changed (its RFM scores included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerEvent {
    pub organization_id: Uuid,
    pub customer_id: Uuid,
    /// Created (converted) rather than changed.
    pub created: bool,
    pub occurred_at: DateTime<Utc>,
}

/// A campaign started, paused, resumed, completed or moved through its
/// leads (its progress changed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignEvent {
    pub organization_id: Uuid,
    pub campaign_id: Uuid,
    pub occurred_at: DateTime<Utc>,
}

/// A lead was created or changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadEvent {
    pub organization_id: Uuid,
    pub lead_id: Uuid,
    pub change: LeadChange,
    pub occurred_at: DateTime<Utc>,
}

/// What travels on the bus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Message {
    Call(CallEvent),
    Lead(LeadEvent),
    /// A pending follow-up's day came.
    FollowUpDue(FollowUpDueEvent),
    /// A nurture enrolment began or changed.
    Enrollment(EnrollmentEvent),
    /// A customer was created or changed.
    Customer(CustomerEvent),
    /// A campaign changed.
    Campaign(CampaignEvent),
    /// Events may have been lost (the listener reconnected): subscribers
    /// should resume from their last cursor.
    Resync,
    /// A member lost access to an organization (suspended, removed): every
    /// instance closes their sockets and streams.
    AccessRevoked {
        organization_id: Uuid,
        user_id: Uuid,
    },
}

impl Message {
    /// The organization whose subscribers may see it (none: everyone's).
    pub fn organization_id(&self) -> Option<Uuid> {
        match self {
            Self::Call(event) => Some(event.organization_id),
            Self::Lead(event) => Some(event.organization_id),
            Self::FollowUpDue(event) => Some(event.organization_id),
            Self::Enrollment(event) => Some(event.organization_id),
            Self::Customer(event) => Some(event.organization_id),
            Self::Campaign(event) => Some(event.organization_id),
            Self::AccessRevoked {
                organization_id, ..
            } => Some(*organization_id),
            Self::Resync => None,
        }
    }
}

/// The events a write will announce once it commits. The write functions
/// push to it as they record changes; [`EventBus::commit`] stages them in
/// the transaction and publishes them after the commit.
#[derive(Debug, Clone, Default)]
pub struct Outbox(Arc<Mutex<Pending>>);

/// What an outbox holds: its messages in order, and where the one of each
/// lead, customer and enrolment stands, so a write announcing 100,000
/// customers folds their events in linear time.
#[derive(Debug, Default)]
struct Pending {
    messages: Vec<Message>,
    index: std::collections::HashMap<Subject, usize>,
}

/// What at most one message of a write is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Subject {
    Lead(Uuid, Uuid),
    Customer(Uuid),
    Enrollment(Uuid),
    Campaign(Uuid),
}

impl Outbox {
    /// Adds `message`, except a lead event for a lead this write already
    /// announces: a subscriber reads the lead as committed, so one event a
    /// lead a write is enough (a new lead that a rule then assigns and
    /// scores is announced once, as created); a customer event for a
    /// customer already announced only moves its time (a creation stays
    /// one); and an enrolment's or a campaign's event replaces the one
    /// before it for that enrolment or campaign (its latest state).
    pub fn push(&self, message: Message) {
        let mut pending = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let subject = match &message {
            Message::Lead(e) => Some(Subject::Lead(e.organization_id, e.lead_id)),
            Message::Customer(e) => Some(Subject::Customer(e.customer_id)),
            Message::Enrollment(e) => Some(Subject::Enrollment(e.enrollment_id)),
            Message::Campaign(e) => Some(Subject::Campaign(e.campaign_id)),
            _ => None,
        };
        let Some(subject) = subject else {
            pending.messages.push(message);
            return;
        };
        if let Some(&at) = pending.index.get(&subject) {
            match (&mut pending.messages[at], message) {
                (Message::Customer(old), Message::Customer(new)) => {
                    old.occurred_at = new.occurred_at;
                }
                (old @ (Message::Enrollment(_) | Message::Campaign(_)), new) => *old = new,
                _ => {}
            }
            return;
        }
        let at = pending.messages.len();
        pending.index.insert(subject, at);
        pending.messages.push(message);
    }

    /// Takes every message pushed so far, leaving the outbox empty.
    pub fn take(&self) -> Vec<Message> {
        let mut pending = self.0.lock().unwrap_or_else(|e| e.into_inner());
        pending.index.clear();
        std::mem::take(&mut pending.messages)
    }
}

/// The bus of one instance.
///
/// Call and lead events go to one bounded channel per organization (made on
/// the first subscription, dropped with the last), so one tenant's burst can
/// only make its own subscribers lag. `Resync` reaches every channel.
/// Instance-wide consumers (the summary refresher) read [`EventBus::subscribe`],
/// and the access watcher reads [`EventBus::subscribe_control`].
#[derive(Clone)]
pub struct EventBus {
    channels: Arc<Channels>,
    /// True when PostgreSQL's NOTIFY carries events between instances.
    via_postgres: bool,
}

struct Channels {
    /// Every message, for instance-wide consumers that tolerate lag.
    all: broadcast::Sender<Arc<Message>>,
    /// `Resync` and `AccessRevoked` only: rare, so never lagged in practice.
    control: broadcast::Sender<Arc<Message>>,
    organizations: Mutex<HashMap<Uuid, broadcast::Sender<Arc<Message>>>>,
    /// Held from a SQLite writer's commit until its events are published.
    publishing: tokio::sync::Mutex<()>,
}

impl Channels {
    fn organizations(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<Uuid, broadcast::Sender<Arc<Message>>>> {
        self.organizations.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One subscriber's view of its organization's events (and `Resync`).
/// Dropping the last one of an organization drops its channel.
pub struct OrganizationReceiver {
    receiver: Option<broadcast::Receiver<Arc<Message>>>,
    organization_id: Uuid,
    channels: Arc<Channels>,
}

impl OrganizationReceiver {
    pub async fn recv(&mut self) -> Result<Arc<Message>, broadcast::error::RecvError> {
        match &mut self.receiver {
            Some(receiver) => receiver.recv().await,
            None => Err(broadcast::error::RecvError::Closed),
        }
    }

    pub fn try_recv(&mut self) -> Result<Arc<Message>, broadcast::error::TryRecvError> {
        match &mut self.receiver {
            Some(receiver) => receiver.try_recv(),
            None => Err(broadcast::error::TryRecvError::Closed),
        }
    }
}

impl Drop for OrganizationReceiver {
    fn drop(&mut self) {
        // Under the lock, so a concurrent first subscriber cannot lose its channel.
        let mut organizations = self.channels.organizations();
        drop(self.receiver.take());
        if organizations
            .get(&self.organization_id)
            .is_some_and(|sender| sender.receiver_count() == 0)
        {
            organizations.remove(&self.organization_id);
        }
    }
}

impl EventBus {
    /// A bus for a database on `backend`.
    pub fn new(backend: DbBackend) -> Self {
        Self {
            channels: Arc::new(Channels {
                all: broadcast::channel(BUFFER).0,
                control: broadcast::channel(CONTROL_BUFFER).0,
                organizations: Mutex::new(HashMap::new()),
                publishing: tokio::sync::Mutex::new(()),
            }),
            via_postgres: backend == DbBackend::Postgres,
        }
    }

    /// Subscribes to every message of this instance from now on (it lags
    /// whenever any tenant bursts: for consumers that only need a nudge).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Message>> {
        self.channels.all.subscribe()
    }

    /// Subscribes to `organization_id`'s events and `Resync` from now on.
    pub fn subscribe_organization(&self, organization_id: Uuid) -> OrganizationReceiver {
        let receiver = self
            .channels
            .organizations()
            .entry(organization_id)
            .or_insert_with(|| broadcast::channel(BUFFER).0)
            .subscribe();
        OrganizationReceiver {
            receiver: Some(receiver),
            organization_id,
            channels: self.channels.clone(),
        }
    }

    /// Subscribes to `Resync` and `AccessRevoked` from now on.
    pub fn subscribe_control(&self) -> broadcast::Receiver<Arc<Message>> {
        self.channels.control.subscribe()
    }

    /// How many organizations have a channel now (for tests and metrics).
    pub fn organization_channels(&self) -> usize {
        self.channels.organizations().len()
    }

    /// Stages `messages` inside the writer's transaction, in one statement:
    /// on PostgreSQL they are delivered to every instance when (and if) the
    /// transaction commits.
    pub async fn stage(
        &self,
        txn: &impl ConnectionTrait,
        messages: &[Message],
    ) -> Result<(), DbErr> {
        if self.via_postgres && !messages.is_empty() {
            let payloads = messages
                .iter()
                .map(serde_json::to_string)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| DbErr::Custom(e.to_string()))?;
            let payloads =
                serde_json::to_string(&payloads).map_err(|e| DbErr::Custom(e.to_string()))?;
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, payload) FROM jsonb_array_elements_text($2::jsonb) AS payload",
                [CHANNEL.into(), payloads.into()],
            ))
            .await?;
        }
        Ok(())
    }

    /// Hands committed messages to local subscribers (SQLite); on PostgreSQL
    /// the listener does, for every instance.
    pub fn committed(&self, messages: Vec<Message>) {
        if !self.via_postgres {
            for message in messages {
                self.publish(message);
            }
        }
    }

    /// Commits `txn` with the events of `outbox`: numbered in commit order
    /// ([`number`]), staged inside it, published only once it has committed.
    pub async fn commit(&self, txn: DatabaseTransaction, outbox: &Outbox) -> Result<(), DbErr> {
        let messages = outbox.take();
        number(&txn, &messages).await?;
        self.stage(&txn, &messages).await?;
        if self.via_postgres || messages.is_empty() {
            // PostgreSQL delivers notifications in commit order.
            txn.commit().await?;
        } else {
            // SQLite's single writer commits in `seq` order; publishing under
            // this lock keeps local delivery in that order too, so a client's
            // last event is always its newest.
            let _in_order = self.channels.publishing.lock().await;
            txn.commit().await?;
            self.committed(messages);
        }
        Ok(())
    }

    /// Announces, on every instance, that `user_id` may no longer see
    /// `organization_id`: their open sockets and streams close within
    /// moments. Call it after the change (suspension, removal, role loss)
    /// has committed; inside a transaction, push
    /// [`Message::AccessRevoked`] to its [`Outbox`] instead.
    pub async fn revoke_access(
        &self,
        db: &impl ConnectionTrait,
        organization_id: Uuid,
        user_id: Uuid,
    ) -> Result<(), DbErr> {
        let message = Message::AccessRevoked {
            organization_id,
            user_id,
        };
        self.stage(db, std::slice::from_ref(&message)).await?;
        self.committed(vec![message]);
        Ok(())
    }

    /// Sends a message to this instance's subscribers.
    pub fn publish(&self, message: Message) {
        let kind = match &message {
            Message::Call(_) => "call",
            Message::Lead(_) => "lead",
            Message::FollowUpDue(_) => "follow_up_due",
            Message::Enrollment(_) => "enrollment",
            Message::Customer(_) => "customer",
            Message::Campaign(_) => "campaign",
            Message::Resync => "resync",
            Message::AccessRevoked { .. } => "access_revoked",
        };
        metrics::counter!("switchboard_events_fanned_out_total", "kind" => kind).increment(1);
        let message = Arc::new(message);
        // No subscriber is not an error.
        let _ = self.channels.all.send(message.clone());
        match message.as_ref() {
            Message::Call(_)
            | Message::Lead(_)
            | Message::FollowUpDue(_)
            | Message::Enrollment(_)
            | Message::Customer(_)
            | Message::Campaign(_) => {
                let Some(organization_id) = message.organization_id() else {
                    return;
                };
                if let Some(sender) = self.channels.organizations().get(&organization_id) {
                    let _ = sender.send(message.clone());
                }
            }
            Message::Resync => {
                for sender in self.channels.organizations().values() {
                    let _ = sender.send(message.clone());
                }
                let _ = self.channels.control.send(message);
            }
            Message::AccessRevoked { .. } => {
                let _ = self.channels.control.send(message);
            }
        }
    }
}

/// Gives the call events among `messages` their `seq`, the next numbers of
/// their organization's stream, as the last thing before `txn` commits.
///
/// Bumping the organization's `event_sequences` row locks it until the
/// commit, so the next writer of that organization bumps it only after this
/// one has committed: `seq` follows commit order, with no gaps (a rollback
/// takes its numbers back). A client resuming after the event with `seq` n
/// is sent exactly the events numbered above n — including a transaction
/// that took its ids first and committed last, which ids would have
/// skipped. The lock is taken last and held only through the commit, so a
/// writer holding it never waits for another lock.
pub async fn number(txn: &impl ConnectionTrait, messages: &[Message]) -> Result<(), DbErr> {
    let events = messages.iter().filter_map(|message| match message {
        Message::Call(event) => Some((event.organization_id, event.event_id)),
        _ => None,
    });
    number_events(txn, events).await
}

/// Numbers call events this transaction wrote, given as (organization,
/// event id), each organization's in the order given, after its last one;
/// the organizations' counters stay locked until `txn` ends. See [`number`].
pub async fn number_events(
    txn: &impl ConnectionTrait,
    events: impl IntoIterator<Item = (Uuid, Uuid)>,
) -> Result<(), DbErr> {
    let mut streams: Vec<(Uuid, Vec<Uuid>)> = Vec::new();
    for (organization_id, id) in events {
        match streams.iter_mut().find(|(o, _)| *o == organization_id) {
            Some((_, ids)) => ids.push(id),
            None => streams.push((organization_id, vec![id])),
        }
    }
    // Counters are locked in one order, so two writers that both span two
    // organizations cannot wait on each other.
    streams.sort_by_key(|(organization_id, _)| *organization_id);
    for (organization_id, ids) in streams {
        number_stream(txn, organization_id, &ids).await?;
    }
    Ok(())
}

/// Numbers `ids`, call events of `organization_id`, after its last one.
async fn number_stream(
    txn: &impl ConnectionTrait,
    organization_id: Uuid,
    ids: &[Uuid],
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    let count = ids.len() as i64;
    let backend = txn.get_database_backend();
    let bump = Query::insert()
        .into_table(event_sequences::Entity)
        .columns([
            event_sequences::Column::OrganizationId,
            event_sequences::Column::LastSeq,
        ])
        .values([organization_id.into(), count.into()])
        .map_err(|e| DbErr::Custom(e.to_string()))?
        .on_conflict(
            OnConflict::column(event_sequences::Column::OrganizationId)
                .value(
                    event_sequences::Column::LastSeq,
                    Expr::col((event_sequences::Entity, event_sequences::Column::LastSeq))
                        .add(count),
                )
                .to_owned(),
        )
        .returning_col(event_sequences::Column::LastSeq)
        .to_owned();
    let last: i64 = txn
        .query_one_raw(backend.build(&bump))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the event sequence returned no row".into()))?
        .try_get_by_index(0)?;
    let first = last - count + 1;
    let seq = match ids {
        [_] => Expr::val(first),
        _ => {
            let mut case = CaseStatement::new();
            for (n, id) in ids.iter().enumerate() {
                case = case.case(call_events::Column::Id.eq(*id), first + n as i64);
            }
            Expr::Case(Box::new(case))
        }
    };
    call_events::Entity::update_many()
        .col_expr(call_events::Column::Seq, seq)
        .filter(call_events::Column::OrganizationId.eq(organization_id))
        .filter(call_events::Column::Id.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Feeds `bus` from PostgreSQL notifications until the process ends,
/// reconnecting after a lost connection and telling subscribers to resync.
pub async fn listen(db: DatabaseConnection, bus: EventBus) {
    let pool = db.get_postgres_connection_pool().clone();
    loop {
        let mut listener = match sea_orm::sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(error = %err, "event listener cannot connect; retrying");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(err) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %err, "event listener cannot LISTEN; retrying");
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            continue;
        }
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    match serde_json::from_str::<Message>(notification.payload()) {
                        Ok(message) => bus.publish(message),
                        Err(err) => {
                            tracing::warn!(error = %err, "an event notification could not be read")
                        }
                    }
                }
                // The connection dropped: notifications in between are lost.
                Ok(None) => {
                    tracing::warn!("event listener reconnected; subscribers are told to resync");
                    bus.publish(Message::Resync);
                }
                Err(err) => {
                    tracing::warn!(error = %err, "event listener failed; reconnecting");
                    bus.publish(Message::Resync);
                    break;
                }
            }
        }
    }
}
