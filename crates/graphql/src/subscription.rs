//! The subscription root: live call status, with replay of what a
//! reconnecting client missed.

use async_graphql::{Context, ID, Object, Subscription};
use chrono::{DateTime, Utc};
use futures::stream::{self, Stream, StreamExt};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use switchboard_entity::enums::CallEventKind;
use switchboard_entity::{call_events, calls};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use crate::context::{self, Permission, require};
use crate::enums::CallStatus;
use crate::error::{ApiError, ApiResult, parse_id};
use crate::events::{CallStatusEvent, EventBus, Message};
use crate::types::Call;

/// The root of every subscription.
#[derive(Default)]
pub struct SubscriptionRoot;

/// A change of a call's status.
pub struct CallStatusChange(pub CallStatusEvent);

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
    async fn status(&self) -> CallStatus {
        self.0.to.into()
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The call as it is now.
    async fn call(&self, ctx: &Context<'_>) -> ApiResult<Option<Call>> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(calls::Entity::find_by_id(self.0.call_id)
            .filter(calls::Column::OrganizationId.eq(viewer.organization_id))
            .one(context::db(ctx)?)
            .await?
            .map(Call))
    }
}

/// Which calls a subscriber follows.
#[derive(Clone, Copy)]
struct Follow {
    organization_id: Uuid,
    call: Option<Uuid>,
    lead: Option<Uuid>,
    campaign: Option<Uuid>,
    agent: Option<Uuid>,
}

impl Follow {
    fn matches(&self, event: &CallStatusEvent) -> bool {
        event.organization_id == self.organization_id
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
        let parse = |field: &str, id: Option<ID>| id.map(|id| parse_id(field, &id)).transpose();
        let follow = Follow {
            organization_id: viewer.organization_id,
            call: parse("callId", call_id)?,
            lead: parse("leadId", lead_id)?,
            campaign: parse("campaignId", campaign_id)?,
            agent: parse("agentId", agent_id)?,
        };
        let after = parse("after", after)?;
        let bus = ctx
            .data::<EventBus>()
            .map_err(|_| ApiError::Internal(sea_orm::DbErr::Custom("no event bus".into())))?;
        // Subscribe before reading the replay, so nothing falls in between.
        let receiver = bus.subscribe();
        let replay = match after {
            Some(after) => replay(context::db(ctx)?, follow, after).await?,
            None => Vec::new(),
        };
        let last = replay.last().map(|e| e.event_id).or(after);
        let replayed = stream::iter(replay.into_iter().map(|e| Ok(CallStatusChange(e))));
        let live = stream::unfold(
            (receiver, last),
            move |(mut receiver, mut last_seen)| async move {
                loop {
                    match receiver.recv().await {
                        Ok(message) => match message.as_ref() {
                            Message::CallStatus(event)
                                if follow.matches(event)
                                    && last_seen.is_none_or(|seen| event.event_id > seen) =>
                            {
                                last_seen = Some(event.event_id);
                                return Some((
                                    Ok(CallStatusChange(event.clone())),
                                    (receiver, last_seen),
                                ));
                            }
                            Message::Resync => {
                                return Some((Err(lagged(None, last_seen)), (receiver, last_seen)));
                            }
                            Message::CallStatus(_) => {}
                        },
                        Err(RecvError::Lagged(missed)) => {
                            return Some((
                                Err(lagged(Some(missed), last_seen)),
                                (receiver, last_seen),
                            ));
                        }
                        Err(RecvError::Closed) => return None,
                    }
                }
            },
        );
        Ok(replayed.chain(live))
    }
}

/// The status changes after `after` that `follow` wants, oldest first.
async fn replay(
    db: &sea_orm::DatabaseConnection,
    follow: Follow,
    after: Uuid,
) -> ApiResult<Vec<CallStatusEvent>> {
    let rows = call_events::Entity::find()
        .find_also_related(calls::Entity)
        .filter(call_events::Column::OrganizationId.eq(follow.organization_id))
        .filter(call_events::Column::Kind.eq(CallEventKind::StatusChanged))
        .filter(call_events::Column::Id.gt(after))
        .order_by_asc(call_events::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(event, call)| CallStatusEvent::new(&call?, &event))
        .filter(|event| follow.matches(event))
        .collect())
}
