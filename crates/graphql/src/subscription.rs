//! The subscription root: live calls, leads and counters, with replay of
//! what a reconnecting client missed.
//!
//! Every call subscription reads the same stream: the `call_events` rows of
//! the viewer's organization, as the bus delivers them after their commit,
//! narrowed to the kinds it cares about. With `after` (an `eventId`) it first
//! replays the rows since that event from the table, then goes live.

use std::collections::HashSet;
use std::time::Duration;

use async_graphql::{Context, ID, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures::stream::{self, Stream, StreamExt};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use switchboard_entity::enums::CallEventKind as Kind;
use switchboard_entity::{call_events, calls, lead_analytics, leads, transcripts};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use uuid::Uuid;

use crate::context::{self, Permission, require};
use crate::enums::{CallEventKind, CallStatus};
use crate::error::{ApiError, ApiResult, parse_id};
use crate::events::{CallEvent, LeadChange, LeadEvent, Message};
use crate::live::{self, LiveCounters};
use crate::types::{Call, CallAnalysis, Lead, Transcript};

/// The root of every subscription.
#[derive(Default)]
pub struct SubscriptionRoot;

/// Loads the call an event is about, as it is now.
async fn current_call(ctx: &Context<'_>, event: &CallEvent) -> ApiResult<Option<Call>> {
    let viewer = require(ctx, Permission::Read)?;
    Ok(calls::Entity::find_by_id(event.call_id)
        .filter(calls::Column::OrganizationId.eq(viewer.organization_id))
        .one(context::db(ctx)?)
        .await?
        .map(Call))
}

/// A change of a call's status.
pub struct CallStatusChange(pub CallEvent);

#[Object]
impl CallStatusChange {
    /// The cursor to resume from (`after`).
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }
    async fn call_id(&self) -> ID {
        ID(self.0.call_id.to_string())
    }
    async fn previous_status(&self) -> Option<CallStatus> {
        self.0.from.map(Into::into)
    }
    /// The status the call moved to.
    async fn status(&self) -> Option<CallStatus> {
        self.0.to.map(Into::into)
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The call as it is now.
    async fn call(&self, ctx: &Context<'_>) -> ApiResult<Option<Call>> {
        current_call(ctx, &self.0).await
    }
}

/// Anything recorded on a call: its creation, a status change, an outcome,
/// a transcript, an analysis or a provider's event.
pub struct CallUpdate(pub CallEvent);

#[Object]
impl CallUpdate {
    /// The cursor to resume from (`after`).
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }
    async fn call_id(&self) -> ID {
        ID(self.0.call_id.to_string())
    }
    /// What happened.
    async fn kind(&self) -> CallEventKind {
        self.0.kind.into()
    }
    /// For a status change, the status before it.
    async fn previous_status(&self) -> Option<CallStatus> {
        self.0.from.map(Into::into)
    }
    /// For a status change or creation, the status after it.
    async fn status(&self) -> Option<CallStatus> {
        self.0.to.map(Into::into)
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The call as it is now.
    async fn call(&self, ctx: &Context<'_>) -> ApiResult<Option<Call>> {
        current_call(ctx, &self.0).await
    }
}

/// A call's transcript was attached or replaced.
pub struct TranscriptReady(pub CallEvent);

#[Object]
impl TranscriptReady {
    /// The cursor to resume from (`after`).
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }
    async fn call_id(&self) -> ID {
        ID(self.0.call_id.to_string())
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The transcript as it is now.
    async fn transcript(&self, ctx: &Context<'_>) -> ApiResult<Option<Transcript>> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(transcripts::Entity::find()
            .filter(transcripts::Column::OrganizationId.eq(viewer.organization_id))
            .filter(transcripts::Column::CallId.eq(self.0.call_id))
            .one(context::db(ctx)?)
            .await?
            .map(Transcript))
    }
    /// The call as it is now.
    async fn call(&self, ctx: &Context<'_>) -> ApiResult<Option<Call>> {
        current_call(ctx, &self.0).await
    }
}

/// A call's AI analysis was recorded or replaced.
pub struct CallAnalysisReady(pub CallEvent);

#[Object]
impl CallAnalysisReady {
    /// The cursor to resume from (`after`).
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }
    async fn call_id(&self) -> ID {
        ID(self.0.call_id.to_string())
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The analysis as it is now.
    async fn analysis(&self, ctx: &Context<'_>) -> ApiResult<Option<CallAnalysis>> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(lead_analytics::Entity::find()
            .filter(lead_analytics::Column::OrganizationId.eq(viewer.organization_id))
            .filter(lead_analytics::Column::CallId.eq(self.0.call_id))
            .one(context::db(ctx)?)
            .await?
            .map(CallAnalysis))
    }
    /// The call as it is now.
    async fn call(&self, ctx: &Context<'_>) -> ApiResult<Option<Call>> {
        current_call(ctx, &self.0).await
    }
}

/// A lead was created, changed, deleted or restored.
pub struct LeadUpdate(pub LeadEvent);

#[Object]
impl LeadUpdate {
    async fn lead_id(&self) -> ID {
        ID(self.0.lead_id.to_string())
    }
    async fn change(&self) -> LeadChange {
        self.0.change
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The lead as it is now (a deleted lead too, with its `deletedAt`).
    async fn lead(&self, ctx: &Context<'_>) -> ApiResult<Option<Lead>> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(leads::Entity::find_by_id(self.0.lead_id)
            .filter(leads::Column::OrganizationId.eq(viewer.organization_id))
            .one(context::db(ctx)?)
            .await?
            .map(Lead))
    }
}

/// The organization's live counters, for dashboards.
#[derive(SimpleObject)]
pub struct LiveAnalytics {
    /// Calls in progress now.
    pub calls_in_progress: i64,
    /// Calls that ended today (the organization's day), in any status.
    pub calls_ended_today: i64,
    /// Calls that ended today as `completed`.
    pub completed_today: i64,
    /// Of the calls that ended today, the percentage whose lead showed up
    /// (CRM stage completed, closed won or lost), to two decimals; null when
    /// none ended.
    pub show_rate_today: Option<f64>,
    /// When the counters were read.
    pub as_of: DateTime<Utc>,
}

impl From<LiveCounters> for LiveAnalytics {
    fn from(c: LiveCounters) -> Self {
        Self {
            calls_in_progress: c.calls_in_progress,
            calls_ended_today: c.calls_ended_today,
            completed_today: c.completed_today,
            show_rate_today: c.show_rate_today(),
            as_of: c.as_of,
        }
    }
}

/// Which call events a subscriber follows.
#[derive(Clone, Copy)]
struct Follow {
    organization_id: Uuid,
    kinds: &'static [Kind],
    call: Option<Uuid>,
    lead: Option<Uuid>,
    campaign: Option<Uuid>,
    agent: Option<Uuid>,
}

impl Follow {
    fn matches(&self, event: &CallEvent) -> bool {
        event.organization_id == self.organization_id
            && self.kinds.contains(&event.kind)
            && self.call.is_none_or(|id| id == event.call_id)
            && self.lead.is_none_or(|id| Some(id) == event.lead_id)
            && self.campaign.is_none_or(|id| Some(id) == event.campaign_id)
            && self.agent.is_none_or(|id| Some(id) == event.agent_id)
    }
}

/// Tells a subscriber it may have missed events (`missed` of them when
/// known), and from where to resume.
fn lagged(missed: Option<u64>, last: Option<Uuid>) -> async_graphql::Error {
    let what = missed.map_or_else(
        || "may have missed events".to_owned(),
        |n| format!("fell behind and missed {n} event(s)"),
    );
    let message = format!(
        "this subscriber {what}; resubscribe with `after: {}` to replay them",
        last.map_or_else(|| "<your last eventId>".to_owned(), |id| id.to_string())
    );
    async_graphql::ErrorExtensions::extend_with(async_graphql::Error::new(message), |_, ext| {
        ext.set("code", "RESYNC_REQUIRED")
    })
}

fn parse(field: &str, id: Option<ID>) -> ApiResult<Option<Uuid>> {
    id.map(|id| parse_id(field, &id)).transpose()
}

/// The call events `follow` wants: those after `after` replayed from
/// `call_events`, then live ones as they commit.
async fn follow_calls(
    ctx: &Context<'_>,
    follow: Follow,
    after: Option<Uuid>,
) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<CallEvent>> + use<>> {
    let bus = context::bus(ctx)?;
    // Subscribe before reading the replay, so nothing falls in between.
    let receiver = bus.subscribe();
    let replay = match after {
        Some(after) => replay(context::db(ctx)?, follow, after).await?,
        None => Vec::new(),
    };
    let last = replay.last().map(|e| e.event_id).or(after);
    // Events both replayed and then delivered live are sent once. Ids are
    // not compared for order: two transactions may commit in the opposite
    // order of their ids, and both events must reach the subscriber.
    let replayed_ids: HashSet<Uuid> = replay.iter().map(|e| e.event_id).collect();
    let replayed = stream::iter(replay.into_iter().map(Ok));
    let live = stream::unfold(
        (receiver, replayed_ids, last),
        move |(mut receiver, mut replayed_ids, mut last_seen)| async move {
            loop {
                match receiver.recv().await {
                    Ok(message) => match message.as_ref() {
                        Message::Call(event) if follow.matches(event) => {
                            if replayed_ids.remove(&event.event_id) {
                                continue;
                            }
                            last_seen = Some(event.event_id);
                            return Some((Ok(event.clone()), (receiver, replayed_ids, last_seen)));
                        }
                        Message::Resync => {
                            return Some((
                                Err(lagged(None, last_seen)),
                                (receiver, replayed_ids, last_seen),
                            ));
                        }
                        Message::Call(_) | Message::Lead(_) => {}
                    },
                    Err(RecvError::Lagged(missed)) => {
                        return Some((
                            Err(lagged(Some(missed), last_seen)),
                            (receiver, replayed_ids, last_seen),
                        ));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        },
    );
    Ok(replayed.chain(live))
}

/// The events after `after` that `follow` wants, oldest first.
async fn replay(db: &DatabaseConnection, follow: Follow, after: Uuid) -> ApiResult<Vec<CallEvent>> {
    let rows = call_events::Entity::find()
        .find_also_related(calls::Entity)
        .filter(call_events::Column::OrganizationId.eq(follow.organization_id))
        .filter(call_events::Column::Kind.is_in(follow.kinds.iter().copied()))
        .filter(call_events::Column::Id.gt(after))
        .order_by_asc(call_events::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(event, call)| Some(CallEvent::new(&call?, &event)))
        .filter(|event| follow.matches(event))
        .collect())
}

/// How long `analyticsChanged` gathers changes before recounting, so a
/// burst of status changes costs one recount per subscriber, not one each.
const RECOUNT_AFTER: Duration = Duration::from_millis(250);

#[Subscription]
impl SubscriptionRoot {
    /// Status changes of the organization's calls, filtered by call, lead,
    /// campaign or agent (none: every call). With `after` (an `eventId`),
    /// the changes since that event are replayed first, so a client that
    /// reconnects loses nothing.
    async fn call_status_changed(
        &self,
        ctx: &Context<'_>,
        call_id: Option<ID>,
        lead_id: Option<ID>,
        campaign_id: Option<ID>,
        agent_id: Option<ID>,
        after: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<CallStatusChange>>> {
        let viewer = require(ctx, Permission::Read)?;
        let follow = Follow {
            organization_id: viewer.organization_id,
            kinds: &[Kind::StatusChanged],
            call: parse("callId", call_id)?,
            lead: parse("leadId", lead_id)?,
            campaign: parse("campaignId", campaign_id)?,
            agent: parse("agentId", agent_id)?,
        };
        let events = follow_calls(ctx, follow, parse("after", after)?).await?;
        Ok(events.map(|e| e.map(CallStatusChange)))
    }

    /// Every change recorded on the organization's calls (creation, status,
    /// outcome, transcript, analysis, provider events), filtered like
    /// `callStatusChanged`, with the same replay.
    async fn call_updated(
        &self,
        ctx: &Context<'_>,
        call_id: Option<ID>,
        lead_id: Option<ID>,
        campaign_id: Option<ID>,
        agent_id: Option<ID>,
        after: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<CallUpdate>>> {
        let viewer = require(ctx, Permission::Read)?;
        let follow = Follow {
            organization_id: viewer.organization_id,
            kinds: &[
                Kind::Created,
                Kind::StatusChanged,
                Kind::OutcomeRecorded,
                Kind::TranscriptAttached,
                Kind::AnalysisRecorded,
                Kind::ProviderEvent,
            ],
            call: parse("callId", call_id)?,
            lead: parse("leadId", lead_id)?,
            campaign: parse("campaignId", campaign_id)?,
            agent: parse("agentId", agent_id)?,
        };
        let events = follow_calls(ctx, follow, parse("after", after)?).await?;
        Ok(events.map(|e| e.map(CallUpdate)))
    }

    /// Transcripts as they are attached (through the API or a provider's
    /// webhook), for one call, one lead's calls or the whole organization.
    async fn transcript_ready(
        &self,
        ctx: &Context<'_>,
        call_id: Option<ID>,
        lead_id: Option<ID>,
        after: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<TranscriptReady>>> {
        let viewer = require(ctx, Permission::Read)?;
        let follow = Follow {
            organization_id: viewer.organization_id,
            kinds: &[Kind::TranscriptAttached],
            call: parse("callId", call_id)?,
            lead: parse("leadId", lead_id)?,
            campaign: None,
            agent: None,
        };
        let events = follow_calls(ctx, follow, parse("after", after)?).await?;
        Ok(events.map(|e| e.map(TranscriptReady)))
    }

    /// AI analyses as they are recorded, for one call, one lead's calls or
    /// the whole organization.
    async fn call_analysis_ready(
        &self,
        ctx: &Context<'_>,
        call_id: Option<ID>,
        lead_id: Option<ID>,
        after: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<CallAnalysisReady>>> {
        let viewer = require(ctx, Permission::Read)?;
        let follow = Follow {
            organization_id: viewer.organization_id,
            kinds: &[Kind::AnalysisRecorded],
            call: parse("callId", call_id)?,
            lead: parse("leadId", lead_id)?,
            campaign: None,
            agent: None,
        };
        let events = follow_calls(ctx, follow, parse("after", after)?).await?;
        Ok(events.map(|e| e.map(CallAnalysisReady)))
    }

    /// Leads as they are created, changed, deleted or restored (one lead,
    /// or every lead of the organization). Leads keep no event log, so there
    /// is no replay: a client that falls behind gets RESYNC_REQUIRED and
    /// refetches.
    async fn lead_updated(
        &self,
        ctx: &Context<'_>,
        lead_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<LeadUpdate>>> {
        let viewer = require(ctx, Permission::Read)?;
        let lead = parse("leadId", lead_id)?;
        let organization_id = viewer.organization_id;
        let receiver = context::bus(ctx)?.subscribe();
        Ok(stream::unfold(receiver, move |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(message) => match message.as_ref() {
                        Message::Lead(event)
                            if event.organization_id == organization_id
                                && lead.is_none_or(|id| id == event.lead_id) =>
                        {
                            return Some((Ok(LeadUpdate(event.clone())), receiver));
                        }
                        Message::Resync => return Some((Err(lagged(None, None)), receiver)),
                        Message::Lead(_) | Message::Call(_) => {}
                    },
                    Err(RecvError::Lagged(missed)) => {
                        return Some((Err(lagged(Some(missed), None)), receiver));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        }))
    }

    /// The organization's live counters: sent at once, then again whenever
    /// a call is created or changes status (a burst is gathered for a
    /// quarter of a second and counted once). Counters are read afresh each
    /// time, so a subscriber that falls behind only skips stale values.
    async fn analytics_changed(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<LiveAnalytics>>> {
        let viewer = require(ctx, Permission::Read)?;
        let (organization_id, timezone) = (viewer.organization_id, viewer.timezone);
        let db = context::db(ctx)?.clone();
        let receiver = context::bus(ctx)?.subscribe();
        let first = live::counters(&db, organization_id, timezone, Utc::now()).await?;
        let updates = stream::unfold((receiver, db), move |(mut receiver, db)| async move {
            loop {
                let relevant = match receiver.recv().await {
                    Ok(message) => match message.as_ref() {
                        Message::Call(event) => {
                            event.organization_id == organization_id
                                && matches!(event.kind, Kind::Created | Kind::StatusChanged)
                        }
                        Message::Resync => true,
                        Message::Lead(_) => false,
                    },
                    Err(RecvError::Lagged(_)) => true,
                    Err(RecvError::Closed) => return None,
                };
                if !relevant {
                    continue;
                }
                tokio::time::sleep(RECOUNT_AFTER).await;
                // What arrived meanwhile is covered by the recount.
                loop {
                    match receiver.try_recv() {
                        Ok(_) | Err(TryRecvError::Lagged(_)) => {}
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Closed) => return None,
                    }
                }
                let counted = live::counters(&db, organization_id, timezone, Utc::now())
                    .await
                    .map(LiveAnalytics::from)
                    .map_err(|e| async_graphql::Error::from(ApiError::from(e)));
                return Some((counted, (receiver, db)));
            }
        });
        Ok(stream::once(async move { Ok(LiveAnalytics::from(first)) }).chain(updates))
    }
}
