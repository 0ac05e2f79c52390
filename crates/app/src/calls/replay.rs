//! Replay of call events: what a subscriber that reconnects missed, read
//! from `call_events` after the last event it received.
//!
//! Replay is bounded: the cursor must be an event of the reader's
//! organization (else BAD_USER_INPUT on `after`), at most
//! [`REPLAY_RETENTION_HOURS`] old and [`REPLAY_MAX_EVENTS`] behind (else
//! [`AppError::CursorExpired`]: refetch and follow without a cursor), and
//! read [`REPLAY_PAGE`] rows at a time as the subscriber consumes them.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use switchboard_entity::enums::CallEventKind;
use switchboard_entity::{call_events, calls};
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
/// Writers' clocks may disagree: replay looks this far before the cursor's
/// `created_at` (which the organization's index is ordered by) for ids
/// after it.
const CLOCK_SLACK_MINUTES: i64 = 5;

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
    since: DateTime<Utc>,
    after: Uuid,
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
        let created_at: Option<DateTime<Utc>> = call_events::Entity::find_by_id(after)
            .filter(call_events::Column::OrganizationId.eq(organization_id))
            .select_only()
            .column(call_events::Column::CreatedAt)
            .into_tuple()
            .one(db)
            .await?;
        // Another organization's event reads exactly like an unknown one.
        let Some(created_at) = created_at else {
            return Err(AppError::bad_input(
                "after",
                "`after` is not an eventId of your organization; subscribe without `after`",
            ));
        };
        if created_at < Utc::now() - chrono::Duration::hours(REPLAY_RETENTION_HOURS) {
            return Err(expired(format!(
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
            .await?;
        let behind: i64 = row
            .map(|row| row.try_get("", "behind"))
            .transpose()?
            .unwrap_or(0);
        if behind > REPLAY_MAX_EVENTS as i64 {
            return Err(expired(format!(
                "more than {REPLAY_MAX_EVENTS} events behind"
            )));
        }
        Ok(Self {
            since,
            after,
            exhausted: false,
        })
    }

    /// Whether every page has been read.
    pub fn is_exhausted(&self) -> bool {
        self.exhausted
    }

    /// Reads the next page of events `follow` wants, oldest first (by id).
    pub async fn next_page(
        &mut self,
        db: &impl ConnectionTrait,
        follow: &Follow,
    ) -> AppResult<Vec<CallEvent>> {
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
            .all(db)
            .await?;
        self.exhausted = (rows.len() as u64) < REPLAY_PAGE;
        if let Some((last, _)) = rows.last() {
            self.after = last.id;
        }
        Ok(rows
            .into_iter()
            .filter_map(|(event, call)| Some(CallEvent::new(&call?, &event)))
            .filter(|event| follow.matches(event))
            .collect())
    }
}
