//! Replay of call events: what a subscriber that reconnects missed, read
//! from `call_events` after the last event it received.
//!
//! Events are read in `seq` order, their organization's commit order
//! ([`crate::events::number`]): everything after the cursor's `seq` is
//! everything that committed after it, so a transaction that committed late
//! with an early id is not skipped.
//!
//! Replay is bounded: the cursor must be an event of the reader's
//! organization (else BAD_USER_INPUT on `after`), at most
//! [`REPLAY_RETENTION_HOURS`] old and [`REPLAY_MAX_EVENTS`] behind (else
//! [`AppError::CursorExpired`]: refetch and follow without a cursor), and
//! read [`REPLAY_PAGE`] rows at a time as the subscriber consumes them.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use switchboard_entity::enums::CallEventKind;
use switchboard_entity::{call_events, calls, event_sequences};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::events::CallEvent;

/// Rows a replay reads per statement: replay is paged, read as the client
/// consumes it, so a long history is never held in memory at once.
pub const REPLAY_PAGE: u64 = 500;
/// The most events (of any kind) a cursor may be behind its organization's
/// newest: further behind, refetching is cheaper than replaying.
pub const REPLAY_MAX_EVENTS: u64 = 10_000;
/// The oldest a cursor may be, in hours.
pub const REPLAY_RETENTION_HOURS: i64 = 24;

/// Which call events a subscriber follows.
#[derive(Debug, Clone, Copy)]
pub struct Follow {
    pub organization_id: Uuid,
    pub kinds: &'static [CallEventKind],
    pub call: Option<Uuid>,
    pub lead: Option<Uuid>,
    pub campaign: Option<Uuid>,
    pub agent: Option<Uuid>,
}

impl Follow {
    /// Whether `event` is one this subscriber follows.
    pub fn matches(&self, event: &CallEvent) -> bool {
        event.organization_id == self.organization_id
            && self.kinds.contains(&event.kind)
            && self.call.is_none_or(|id| id == event.call_id)
            && self.lead.is_none_or(|id| Some(id) == event.lead_id)
            && self.campaign.is_none_or(|id| Some(id) == event.campaign_id)
            && self.agent.is_none_or(|id| Some(id) == event.agent_id)
    }
}

fn expired(why: String) -> AppError {
    AppError::CursorExpired {
        field: "after".into(),
        message: format!(
            "`after` is {why}: refetch what you show, then subscribe again without `after`"
        ),
    }
}

/// A replay in progress: where the next page starts.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The `seq` of the last event read.
    after: i64,
    exhausted: bool,
}

impl Replay {
    /// Starts a replay after the event `after`, once it is found to be an
    /// event of the organization, recent and close enough to replay.
    pub async fn start(
        db: &impl ConnectionTrait,
        organization_id: Uuid,
        after: Uuid,
    ) -> AppResult<Self> {
        let found: Option<(DateTime<Utc>, Option<i64>)> = call_events::Entity::find_by_id(after)
            .filter(call_events::Column::OrganizationId.eq(organization_id))
            .select_only()
            .column(call_events::Column::CreatedAt)
            .column(call_events::Column::Seq)
            .into_tuple()
            .one(db)
            .await?;
        // Another organization's event reads exactly like an unknown one.
        let Some((created_at, seq)) = found else {
            return Err(AppError::bad_input(
                "after",
                "`after` is not an eventId of your organization; subscribe without `after`",
            ));
        };
        // Every committed event is numbered; a row without a number was
        // written around the commit path and cannot be placed.
        let Some(seq) = seq else {
            return Err(expired(
                "an event whose place in the stream is unknown".into(),
            ));
        };
        if created_at < Utc::now() - chrono::Duration::hours(REPLAY_RETENTION_HOURS) {
            return Err(expired(format!(
                "older than {REPLAY_RETENTION_HOURS} hours"
            )));
        }
        // The numbers have no gaps: how far behind is one subtraction.
        let last: Option<i64> = event_sequences::Entity::find_by_id(organization_id)
            .select_only()
            .column(event_sequences::Column::LastSeq)
            .into_tuple()
            .one(db)
            .await?;
        if last.unwrap_or(seq) - seq > REPLAY_MAX_EVENTS as i64 {
            return Err(expired(format!(
                "more than {REPLAY_MAX_EVENTS} events behind"
            )));
        }
        Ok(Self {
            after: seq,
            exhausted: false,
        })
    }

    /// Whether every page has been read.
    pub fn is_exhausted(&self) -> bool {
        self.exhausted
    }

    /// Reads the next page of events `follow` wants, in commit order.
    pub async fn next_page(
        &mut self,
        db: &impl ConnectionTrait,
        follow: &Follow,
    ) -> AppResult<Vec<CallEvent>> {
        let mut query = call_events::Entity::find()
            .find_also_related(calls::Entity)
            .filter(call_events::Column::OrganizationId.eq(follow.organization_id))
            .filter(call_events::Column::Kind.is_in(follow.kinds.iter().copied()))
            .filter(call_events::Column::Seq.gt(self.after));
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
            .order_by_asc(call_events::Column::Seq)
            .limit(REPLAY_PAGE)
            .all(db)
            .await?;
        self.exhausted = (rows.len() as u64) < REPLAY_PAGE;
        if let Some(seq) = rows.last().and_then(|(last, _)| last.seq) {
            self.after = seq;
        }
        Ok(rows
            .into_iter()
            .filter_map(|(event, call)| Some(CallEvent::new(&call?, &event)))
            .filter(|event| follow.matches(event))
            .collect())
    }
}
