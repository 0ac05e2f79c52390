//! The subscription root: live calls, leads and counters, with replay of
//! what a reconnecting client missed.
//!
//! Every call subscription reads the same stream: the `call_events` rows of
//! the viewer's organization, as the bus delivers them after their commit,
//! narrowed to the kinds it cares about. With `after` (an `eventId`) it first
//! replays the rows since that event from the table, then goes live.
//!
//! Replay is the application's ([`switchboard_app::calls::replay`]):
//! bounded in age and distance (else `CURSOR_EXPIRED`: refetch and
//! subscribe without `after`), and read a page at a time as the client
//! consumes it.

pub mod fanout;

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use async_graphql::{Context, ID, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures::stream::{self, Stream, StreamExt};
use switchboard_app::Db;
use switchboard_app::calls::read as calls;
use switchboard_app::calls::replay::{Follow, Replay};
use switchboard_app::leads::read as leads;
use switchboard_entity::enums::CallEventKind as Kind;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use uuid::Uuid;

use crate::shared::context::{self, Permission, require};
use crate::shared::deadline::OperationTimeout;
use crate::shared::enums::{CallEventKind, CallStatus};
use crate::shared::error::{ApiError, ApiResult, parse_id};
use crate::types::{Call, CallAnalysis, FollowUp, Lead, Transcript};
use switchboard_app::analytics::live::{self, LiveCounters};
use switchboard_app::events::{
    CallEvent, FollowUpDueEvent, LeadEvent, Message, OrganizationReceiver,
};
use switchboard_app::leads::follow_ups;

/// The root of every subscription: the live calls, leads, follow-ups and
/// counters here, the enrolments of nurture sequences, customers and
/// campaigns.
#[derive(async_graphql::MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(
    LiveSubscriptions,
    crate::leads::sequences::SequenceSubscriptions,
    crate::customers::CustomerSubscriptions,
    crate::campaigns::CampaignSubscriptions,
);

/// Live calls, leads, follow-ups and counters.
#[derive(Default)]
pub struct LiveSubscriptions;

/// Loads the call an event is about, as it is now.
async fn current_call(ctx: &Context<'_>, event: &CallEvent) -> ApiResult<Option<Call>> {
    let viewer = require(ctx, Permission::Read)?;
    Ok(
        calls::call(context::db(ctx)?, viewer.organization_id, event.call_id)
            .await?
            .map(Call::new),
    )
}

/// A change of a call's status.
pub struct CallStatusChange(pub CallEvent);

/// A change of a call's status, as `callStatusChanged` delivers it.
#[Object]
impl CallStatusChange {
    /// The cursor to resume from (`after`).
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }
    /// The call's id.
    async fn call_id(&self) -> ID {
        ID(self.0.call_id.to_string())
    }
    /// The status before the change.
    async fn previous_status(&self) -> Option<CallStatus> {
        self.0.from.map(Into::into)
    }
    /// The status the call moved to.
    async fn status(&self) -> Option<CallStatus> {
        self.0.to.map(Into::into)
    }
    /// When the change happened (as reported: a provider may report it late).
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

/// Anything recorded on a call, as `callUpdated` delivers it.
#[Object]
impl CallUpdate {
    /// The cursor to resume from (`after`).
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }
    /// The call's id.
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
    /// When it happened.
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

/// A call's transcript was attached or replaced, as `transcriptReady` delivers it.
#[Object]
impl TranscriptReady {
    /// The cursor to resume from (`after`).
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }
    /// The call's id.
    async fn call_id(&self) -> ID {
        ID(self.0.call_id.to_string())
    }
    /// When the transcript was attached.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The transcript as it is now.
    async fn transcript(&self, ctx: &Context<'_>) -> ApiResult<Option<Transcript>> {
        let viewer = require(ctx, Permission::Read)?;
        let db = context::db(ctx)?;
        Ok(
            calls::transcript(db, viewer.organization_id, self.0.call_id)
                .await?
                .map(Transcript::new),
        )
    }
    /// The call as it is now.
    async fn call(&self, ctx: &Context<'_>) -> ApiResult<Option<Call>> {
        current_call(ctx, &self.0).await
    }
}

/// A call's AI analysis was recorded or replaced.
pub struct CallAnalysisReady(pub CallEvent);

/// A call's AI analysis was recorded or replaced, as `callAnalysisReady` delivers it.
#[Object]
impl CallAnalysisReady {
    /// The cursor to resume from (`after`).
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }
    /// The call's id.
    async fn call_id(&self) -> ID {
        ID(self.0.call_id.to_string())
    }
    /// When the analysis was recorded.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The analysis as it is now.
    async fn analysis(&self, ctx: &Context<'_>) -> ApiResult<Option<CallAnalysis>> {
        let viewer = require(ctx, Permission::Read)?;
        let db = context::db(ctx)?;
        Ok(calls::analysis(db, viewer.organization_id, self.0.call_id)
            .await?
            .map(CallAnalysis::new))
    }
    /// The call as it is now.
    async fn call(&self, ctx: &Context<'_>) -> ApiResult<Option<Call>> {
        current_call(ctx, &self.0).await
    }
}

/// A lead was created, changed, deleted or restored.
pub struct LeadUpdate(pub LeadEvent);

/// A lead was created, changed, deleted or restored, as `leadUpdated` delivers it.
#[Object]
impl LeadUpdate {
    /// The lead's id.
    async fn lead_id(&self) -> ID {
        ID(self.0.lead_id.to_string())
    }
    /// What happened to the lead.
    async fn change(&self) -> crate::shared::enums::LeadChange {
        self.0.change.into()
    }
    /// When it happened.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The lead as it is now (a deleted lead too, with its `deletedAt`).
    async fn lead(&self, ctx: &Context<'_>) -> ApiResult<Option<Lead>> {
        let viewer = require(ctx, Permission::Read)?;
        let db = context::db(ctx)?;
        Ok(leads::lead(db, viewer.organization_id, self.0.lead_id)
            .await?
            .map(Lead::new))
    }
}

/// A pending follow-up whose day came, as `followUpDue` delivers it.
pub struct FollowUpDueUpdate(pub FollowUpDueEvent);

/// A pending follow-up whose day came, as `followUpDue` delivers it.
#[Object]
impl FollowUpDueUpdate {
    /// The follow-up's id.
    async fn follow_up_id(&self) -> ID {
        ID(self.0.follow_up_id.to_string())
    }
    /// The lead to get back to.
    async fn lead_id(&self) -> Option<ID> {
        self.0.lead_id.map(|id| ID(id.to_string()))
    }
    /// Who is to follow up.
    async fn assignee_id(&self) -> Option<ID> {
        self.0.assignee_id.map(|id| ID(id.to_string()))
    }
    /// The day it is due.
    async fn date(&self) -> crate::shared::scalars::Date {
        self.0.date.into()
    }
    /// When it was announced.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The follow-up as it is now.
    async fn follow_up(&self, ctx: &Context<'_>) -> ApiResult<Option<FollowUp>> {
        let viewer = require(ctx, Permission::Read)?;
        let db = context::db(ctx)?;
        match follow_ups::follow_up(db, viewer.organization_id, self.0.follow_up_id).await {
            Ok(row) => Ok(Some(FollowUp::new(row))),
            Err(switchboard_app::AppError::NotFound { .. }) => Ok(None),
            Err(other) => Err(other.into()),
        }
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

/// Tells a subscriber it may have missed events (`missed` of them when
/// known), and from where to resume.
pub(crate) fn lagged(missed: Option<u64>, last: Option<Uuid>) -> async_graphql::Error {
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

/// The organization's events `pick` keeps, as a subscription streams them:
/// RESYNC_REQUIRED when events may have been lost (a reconnected listener,
/// or a subscriber that fell behind), the end when the bus closes.
pub(crate) fn picked<T, F>(
    receiver: OrganizationReceiver,
    pick: F,
) -> impl Stream<Item = async_graphql::Result<T>>
where
    T: Send + 'static,
    F: Fn(&Message) -> Option<T> + Send + 'static,
{
    stream::unfold((receiver, pick), |(mut receiver, pick)| async move {
        loop {
            match receiver.recv().await {
                Ok(message) => {
                    if matches!(message.as_ref(), Message::Resync) {
                        return Some((Err(lagged(None, None)), (receiver, pick)));
                    }
                    if let Some(item) = pick(message.as_ref()) {
                        return Some((Ok(item), (receiver, pick)));
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    return Some((Err(lagged(Some(missed), None)), (receiver, pick)));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
}

fn parse(field: &str, id: Option<ID>) -> ApiResult<Option<Uuid>> {
    id.map(|id| parse_id(field, &id)).transpose()
}

/// A replay in progress: the page being sent and where the next one starts.
struct Replaying {
    db: Db,
    replay: Replay,
    page: VecDeque<CallEvent>,
}

/// One call subscription: its replay (if any), then the live events.
struct Follower {
    follow: Follow,
    receiver: OrganizationReceiver,
    replay: Option<Replaying>,
    /// Events sent by the replay, so the same event arriving live is sent
    /// once. Ids are not compared for order: two transactions may commit in
    /// the opposite order of their ids, and both events must reach the
    /// subscriber.
    replayed: HashSet<Uuid>,
    /// Live messages received; once a whole channel's worth has gone by,
    /// no replayed event can still be queued live, and `replayed` is freed.
    live_received: usize,
    last_seen: Option<Uuid>,
    failed: bool,
    /// How long one page may take (the transport's operation timeout).
    limit: Option<Duration>,
}

impl Follower {
    async fn next(&mut self) -> Option<async_graphql::Result<CallEvent>> {
        if self.failed {
            return None;
        }
        while let Some(replaying) = &mut self.replay {
            if let Some(event) = replaying.page.pop_front() {
                self.replayed.insert(event.event_id);
                self.last_seen = Some(event.event_id);
                return Some(Ok(event));
            }
            if replaying.replay.is_exhausted() {
                self.replay = None;
                break;
            }
            let next = replaying.replay.next_page(&replaying.db, &self.follow);
            match bounded(self.limit, next).await {
                Ok(Ok(page)) => replaying.page.extend(page),
                // A gap cannot be skipped silently: the subscription ends.
                Ok(Err(err)) => {
                    self.failed = true;
                    return Some(Err(ApiError::from(err).into()));
                }
                Err(err) => {
                    self.failed = true;
                    return Some(Err(err));
                }
            }
        }
        loop {
            let received = self.receiver.recv().await;
            if !self.replayed.is_empty() {
                self.live_received += 1;
                // A duplicate was published after this subscriber subscribed,
                // so it is among the channel's first `BUFFER` messages.
                if self.live_received > switchboard_app::events::BUFFER {
                    self.replayed = HashSet::new();
                }
            }
            match received {
                Ok(message) => match message.as_ref() {
                    Message::Call(event) if self.follow.matches(event) => {
                        if self.replayed.remove(&event.event_id) {
                            continue;
                        }
                        self.last_seen = Some(event.event_id);
                        return Some(Ok(event.clone()));
                    }
                    Message::Resync => return Some(Err(lagged(None, self.last_seen))),
                    _ => {}
                },
                Err(RecvError::Lagged(missed)) => {
                    return Some(Err(lagged(Some(missed), self.last_seen)));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

/// The call events `follow` wants: those after `after` replayed from
/// `call_events` page by page, then live ones as they commit.
async fn follow_calls(
    ctx: &Context<'_>,
    follow: Follow,
    after: Option<Uuid>,
) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<CallEvent>> + use<>> {
    let bus = context::bus(ctx)?;
    let db = context::db(ctx)?;
    let limit = ctx.data_opt::<OperationTimeout>().map(|t| t.0);
    // Subscribe before reading the replay, so nothing falls in between.
    let receiver = bus.subscribe_organization(follow.organization_id);
    let replay = match after {
        Some(after) => {
            let start = Replay::start(db, follow.organization_id, after);
            Some(Replaying {
                db: db.clone(),
                replay: bounded(limit, start).await?.map_err(ApiError::from)?,
                page: VecDeque::new(),
            })
        }
        None => None,
    };
    let follower = Follower {
        follow,
        receiver,
        replay,
        replayed: HashSet::new(),
        live_received: 0,
        last_seen: after,
        failed: false,
        limit,
    };
    Ok(stream::unfold(follower, |mut follower| async move {
        let item = follower.next().await?;
        Some((item, follower))
    }))
}

/// Runs work a stream does between events (a replay page, a recount) within
/// the transport's operation timeout, if it set one.
async fn bounded<T>(
    limit: Option<Duration>,
    work: impl std::future::Future<Output = T>,
) -> async_graphql::Result<T> {
    match limit {
        Some(limit) => tokio::time::timeout(limit, work).await.map_err(|_| {
            let message = format!("this took longer than {} ms", limit.as_millis());
            async_graphql::ErrorExtensions::extend_with(
                async_graphql::Error::new(message),
                |_, ext| ext.set("code", "TIMEOUT"),
            )
        }),
        None => Ok(work.await),
    }
}

/// How long `analyticsChanged` gathers changes before recounting, so a
/// burst of status changes costs one recount per subscriber, not one each.
const RECOUNT_AFTER: Duration = Duration::from_millis(250);

/// Live updates of the viewer's organization, over WebSocket
/// (`graphql-transport-ws`) or server-sent events. Call streams can resume
/// after a reconnect with `after`; a client too far behind gets
/// CURSOR_EXPIRED or RESYNC_REQUIRED and refetches.
#[Subscription]
impl LiveSubscriptions {
    /// Status changes of the organization's calls, filtered by call, lead,
    /// campaign or agent (none: every call). With `after` (an `eventId`),
    /// the changes since that event are replayed first, so a client that
    /// reconnects loses nothing.
    async fn call_status_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this call.")] call_id: Option<ID>,
        #[graphql(desc = "Only this lead's calls.")] lead_id: Option<ID>,
        #[graphql(desc = "Only this campaign's calls.")] campaign_id: Option<ID>,
        #[graphql(desc = "Only this agent's calls.")] agent_id: Option<ID>,
        #[graphql(
            desc = "An `eventId` already received: replay what followed it, then go live (BAD_USER_INPUT if it is not an event of the organization; CURSOR_EXPIRED if it is too old or too far behind)."
        )]
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
        #[graphql(desc = "Only this call.")] call_id: Option<ID>,
        #[graphql(desc = "Only this lead's calls.")] lead_id: Option<ID>,
        #[graphql(desc = "Only this campaign's calls.")] campaign_id: Option<ID>,
        #[graphql(desc = "Only this agent's calls.")] agent_id: Option<ID>,
        #[graphql(
            desc = "An `eventId` already received: replay what followed it, then go live (BAD_USER_INPUT if it is not an event of the organization; CURSOR_EXPIRED if it is too old or too far behind)."
        )]
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
        #[graphql(desc = "Only this call.")] call_id: Option<ID>,
        #[graphql(desc = "Only this lead's calls.")] lead_id: Option<ID>,
        #[graphql(
            desc = "An `eventId` already received: replay what followed it, then go live (BAD_USER_INPUT if it is not an event of the organization; CURSOR_EXPIRED if it is too old or too far behind)."
        )]
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
        #[graphql(desc = "Only this call.")] call_id: Option<ID>,
        #[graphql(desc = "Only this lead's calls.")] lead_id: Option<ID>,
        #[graphql(
            desc = "An `eventId` already received: replay what followed it, then go live (BAD_USER_INPUT if it is not an event of the organization; CURSOR_EXPIRED if it is too old or too far behind)."
        )]
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
        #[graphql(desc = "Only this lead; none: every lead.")] lead_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<LeadUpdate>>> {
        let viewer = require(ctx, Permission::Read)?;
        let lead = parse("leadId", lead_id)?;
        let organization_id = viewer.organization_id;
        let receiver = context::bus(ctx)?.subscribe_organization(organization_id);
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
                        _ => {}
                    },
                    Err(RecvError::Lagged(missed)) => {
                        return Some((Err(lagged(Some(missed), None)), receiver));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        }))
    }

    /// Follow-ups as their day comes (in the organization's time zone), each
    /// once; moved to another day, once more on that day. No replay: a
    /// client that falls behind gets RESYNC_REQUIRED and reads `followUps`.
    async fn follow_up_due(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this member's; none: everyone's.")] assignee_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<FollowUpDueUpdate>>> {
        let viewer = require(ctx, Permission::Read)?;
        let assignee = parse("assigneeId", assignee_id)?;
        let organization_id = viewer.organization_id;
        let receiver = context::bus(ctx)?.subscribe_organization(organization_id);
        Ok(picked(receiver, move |message| match message {
            Message::FollowUpDue(event)
                if event.organization_id == organization_id
                    && assignee.is_none_or(|id| Some(id) == event.assignee_id) =>
            {
                Some(FollowUpDueUpdate(event.clone()))
            }
            _ => None,
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
        let receiver = context::bus(ctx)?.subscribe_organization(organization_id);
        let limit = ctx.data_opt::<OperationTimeout>().map(|t| t.0);
        let first = bounded(
            limit,
            live::counters(&db, organization_id, timezone, Utc::now()),
        )
        .await??;
        let updates = stream::unfold((receiver, db), move |(mut receiver, db)| async move {
            loop {
                let relevant = match receiver.recv().await {
                    Ok(message) => match message.as_ref() {
                        Message::Call(event) => {
                            event.organization_id == organization_id
                                && matches!(event.kind, Kind::Created | Kind::StatusChanged)
                        }
                        Message::Resync => true,
                        Message::Lead(_)
                        | Message::FollowUpDue(_)
                        | Message::Enrollment(_)
                        | Message::Customer(_)
                        | Message::Campaign(_)
                        | Message::AccessRevoked { .. } => false,
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
                let counted = bounded(
                    limit,
                    live::counters(&db, organization_id, timezone, Utc::now()),
                )
                .await
                .and_then(|counted| {
                    counted
                        .map(LiveAnalytics::from)
                        .map_err(|e| ApiError::from(e).into())
                });
                return Some((counted, (receiver, db)));
            }
        });
        Ok(stream::once(async move { Ok(LiveAnalytics::from(first)) }).chain(updates))
    }
}
