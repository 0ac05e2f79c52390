//! The subscription root: live calls, leads and counters, with replay of
//! what a reconnecting client missed.
//!
//! Every call subscription reads the same stream: the `call_events` rows of
//! the viewer's organization, as the bus delivers them after their commit,
//! narrowed to the kinds it cares about. With `after` (an `eventId`) it first
//! replays the rows since that event from the table, then goes live.
//!
//! Replay is bounded: `after` must be an event of the viewer's organization
//! (else `BAD_USER_INPUT` on `after`), at most [`REPLAY_RETENTION_HOURS`]
//! old and [`REPLAY_MAX_EVENTS`] behind (else `CURSOR_EXPIRED`: refetch and
//! subscribe without `after`), and read [`REPLAY_PAGE`] rows at a time as
//! the client consumes it.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use async_graphql::{Context, ID, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures::stream::{self, Stream, StreamExt};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use switchboard_entity::enums::CallEventKind as Kind;
use switchboard_entity::{call_events, calls, lead_analytics, leads, transcripts};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use uuid::Uuid;

use crate::shared::context::{self, Permission, require};
use crate::shared::deadline::OperationTimeout;
use crate::shared::enums::{CallEventKind, CallStatus};
use crate::shared::error::{ApiError, ApiResult, parse_id};
use crate::types::{Call, CallAnalysis, Lead, Transcript};
use switchboard_app::analytics::live::{self, LiveCounters};
use switchboard_app::events::{CallEvent, LeadEvent, Message, OrganizationReceiver};

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

/// Rows a replay reads per statement: replay is paged, read as the client
/// consumes it, so a long history is never held in memory at once.
const REPLAY_PAGE: u64 = 500;
/// The most events (of any kind) a cursor may be behind its organization's
/// newest: further behind, refetching is cheaper than replaying.
pub const REPLAY_MAX_EVENTS: u64 = 10_000;
/// The oldest a cursor may be, in hours.
pub const REPLAY_RETENTION_HOURS: i64 = 24;
/// Writers' clocks may disagree: replay looks this far before the cursor's
/// `created_at` (which the organization's index is ordered by) for ids
/// after it.
const CLOCK_SLACK_MINUTES: i64 = 5;

/// Tells a client its cursor is too old or too far behind to replay.
fn cursor_expired(why: String) -> async_graphql::Error {
    let message =
        format!("`after` is {why}: refetch what you show, then subscribe again without `after`");
    async_graphql::ErrorExtensions::extend_with(async_graphql::Error::new(message), |_, ext| {
        ext.set("code", "CURSOR_EXPIRED");
        ext.set("field", "after");
    })
}

/// Checks that `after` is an event of the organization, recent and close
/// enough to replay; returns the earliest `created_at` replay must read.
async fn check_cursor(
    db: &DatabaseConnection,
    organization_id: Uuid,
    after: Uuid,
) -> async_graphql::Result<DateTime<Utc>> {
    use sea_orm::sea_query::{Alias, Expr, Query};
    use sea_orm::{ConnectionTrait, QueryTrait};
    let created_at: Option<DateTime<Utc>> = call_events::Entity::find_by_id(after)
        .filter(call_events::Column::OrganizationId.eq(organization_id))
        .select_only()
        .column(call_events::Column::CreatedAt)
        .into_tuple()
        .one(db)
        .await
        .map_err(ApiError::from)?;
    // Another organization's event reads exactly like an unknown one.
    let Some(created_at) = created_at else {
        return Err(ApiError::bad_input(
            "after",
            "`after` is not an eventId of your organization; subscribe without `after`",
        )
        .into());
    };
    if created_at < Utc::now() - chrono::Duration::hours(REPLAY_RETENTION_HOURS) {
        return Err(cursor_expired(format!(
            "older than {REPLAY_RETENTION_HOURS} hours"
        )));
    }
    let since = created_at - chrono::Duration::minutes(CLOCK_SLACK_MINUTES);
    // Counts at most one more than the limit, on the organization's index.
    let behind = call_events::Entity::find()
        .select_only()
        .column(call_events::Column::Id)
        .filter(call_events::Column::OrganizationId.eq(organization_id))
        .filter(call_events::Column::CreatedAt.gte(since))
        .filter(call_events::Column::Id.gt(after))
        .limit(REPLAY_MAX_EVENTS + 1)
        .into_query();
    let count = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("behind"))
        .from_subquery(behind, Alias::new("behind_rows"))
        .to_owned();
    let row = db
        .query_one_raw(db.get_database_backend().build(&count))
        .await
        .map_err(ApiError::from)?;
    let behind: i64 = row
        .map(|row| row.try_get("", "behind"))
        .transpose()
        .map_err(ApiError::from)?
        .unwrap_or(0);
    if behind > REPLAY_MAX_EVENTS as i64 {
        return Err(cursor_expired(format!(
            "more than {REPLAY_MAX_EVENTS} events behind"
        )));
    }
    Ok(since)
}

/// A replay in progress: the page being sent and where the next one starts.
struct Replay {
    db: DatabaseConnection,
    since: DateTime<Utc>,
    after: Uuid,
    page: VecDeque<CallEvent>,
    exhausted: bool,
}

impl Replay {
    /// Reads the next page of events `follow` wants, oldest first.
    async fn fetch(&mut self, follow: &Follow) -> ApiResult<()> {
        let mut query = call_events::Entity::find()
            .find_also_related(calls::Entity)
            .filter(call_events::Column::OrganizationId.eq(follow.organization_id))
            .filter(call_events::Column::CreatedAt.gte(self.since))
            .filter(call_events::Column::Kind.is_in(follow.kinds.iter().copied()))
            .filter(call_events::Column::Id.gt(self.after));
        if let Some(call) = follow.call {
            query = query.filter(call_events::Column::CallId.eq(call));
        }
        if let Some(lead) = follow.lead {
            query = query.filter(calls::Column::LeadId.eq(lead));
        }
        if let Some(campaign) = follow.campaign {
            query = query.filter(calls::Column::CampaignId.eq(campaign));
        }
        if let Some(agent) = follow.agent {
            query = query.filter(calls::Column::AgentId.eq(agent));
        }
        let rows = query
            .order_by_asc(call_events::Column::Id)
            .limit(REPLAY_PAGE)
            .all(&self.db)
            .await?;
        self.exhausted = (rows.len() as u64) < REPLAY_PAGE;
        if let Some((last, _)) = rows.last() {
            self.after = last.id;
        }
        self.page.extend(
            rows.into_iter()
                .filter_map(|(event, call)| Some(CallEvent::new(&call?, &event)))
                .filter(|event| follow.matches(event)),
        );
        Ok(())
    }
}

/// One call subscription: its replay (if any), then the live events.
struct Follower {
    follow: Follow,
    receiver: OrganizationReceiver,
    replay: Option<Replay>,
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
        while let Some(replay) = &mut self.replay {
            if let Some(event) = replay.page.pop_front() {
                self.replayed.insert(event.event_id);
                self.last_seen = Some(event.event_id);
                return Some(Ok(event));
            }
            if replay.exhausted {
                self.replay = None;
                break;
            }
            let fetched = bounded(self.limit, replay.fetch(&self.follow))
                .await
                .and_then(|fetched| fetched.map_err(Into::into));
            if let Err(err) = fetched {
                // A gap cannot be skipped silently: the subscription ends.
                self.failed = true;
                return Some(Err(err));
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
        Some(after) => Some(Replay {
            db: db.clone(),
            since: bounded(limit, check_cursor(db, follow.organization_id, after)).await??,
            after,
            page: VecDeque::new(),
            exhausted: false,
        }),
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
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
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
                        Message::Lead(_) | Message::AccessRevoked { .. } => false,
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
