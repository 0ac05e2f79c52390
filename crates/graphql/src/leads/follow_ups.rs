//! Follow-ups in GraphQL: the organization's list (by due day, assignee,
//! lead and status) and the mutations that schedule, complete, cancel and
//! move one. Each translates to one `switchboard_app::leads::follow_ups`
//! use case.

// Connection fields take a filter, an order and Relay's four paging arguments.
#![allow(clippy::too_many_arguments)]

use async_graphql::{Context, ID, InputObject, Object};

use crate::shared::context::{self, Permission, require};
use crate::shared::enums::FollowUpStatus;
use crate::shared::error::{ApiError, ApiResult, UnderArgument, parse_id};
use crate::shared::pagination::{Direction, Page};
use crate::shared::scalars::Date;
use crate::types::{FollowUp, FollowUpConnection, Total};
use switchboard_app::leads::follow_ups::{self as service, Ending, FollowUpFilter, NewFollowUp};

/// Which follow-ups: every field given narrows the list.
#[derive(InputObject, Default)]
#[graphql(name = "FollowUpFilter")]
pub struct FollowUpFilterInput {
    /// Due on or after this day.
    pub due_from: Option<Date>,
    /// Due on or before this day (`dueTo: today` with `status: [PENDING]`: what is due or overdue).
    pub due_to: Option<Date>,
    /// Assigned to this member.
    pub assignee_id: Option<ID>,
    /// For this lead.
    pub lead_id: Option<ID>,
    /// In any of these states; none or empty: every state.
    pub status: Option<Vec<FollowUpStatus>>,
}

impl FollowUpFilterInput {
    fn parse(self) -> ApiResult<FollowUpFilter> {
        let statuses = self.status.unwrap_or_default();
        if statuses.len() > 3 {
            return Err(ApiError::bad_input(
                "filter.status",
                "at most the three states",
            ));
        }
        let due_from = self.due_from.map(Into::into);
        let due_to = self.due_to.map(Into::into);
        if let (Some(from), Some(to)) = (due_from, due_to)
            && from > to
        {
            return Err(ApiError::bad_input("filter.dueTo", "before `dueFrom`"));
        }
        Ok(FollowUpFilter {
            due_from,
            due_to,
            assignee_id: self
                .assignee_id
                .map(|id| parse_id("filter.assigneeId", &id))
                .transpose()?,
            lead_id: self
                .lead_id
                .map(|id| parse_id("filter.leadId", &id))
                .transpose()?,
            statuses: statuses.into_iter().map(Into::into).collect(),
        })
    }
}

/// A follow-up to schedule.
#[derive(InputObject)]
pub struct CreateFollowUpInput {
    /// The lead to get back to: a live lead of the organization.
    pub lead_id: ID,
    /// The day, today or later in the organization's time zone.
    pub date: Date,
    /// What to do or say; at most 2,000 characters.
    pub remark: Option<String>,
    /// Who is to follow up, an active member; default the lead's owner, else you.
    pub assignee_id: Option<ID>,
}

/// Follow-up queries.
#[derive(Default)]
pub struct FollowUpQueries;

#[Object]
impl FollowUpQueries {
    /// The organization's follow-ups matching `filter`, soonest first by default.
    #[graphql(complexity = "crate::shared::pagination::complexity(first, last, child_complexity)")]
    async fn follow_ups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which follow-ups; none: all of them.")] filter: Option<
            FollowUpFilterInput,
        >,
        #[graphql(desc = "By due day; default ASC (soonest first).")] direction: Option<Direction>,
        #[graphql(desc = "How many rows from the start (or after `after`): 0 to 100, default 20.")]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from this connection (`pageInfo.endCursor` or an edge's `cursor`): the page starts after that row."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many rows from the end (or before `before`): 0 to 100; not together with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from this connection (`pageInfo.startCursor` or an edge's `cursor`): the page ends before that row."
        )]
        before: Option<String>,
    ) -> ApiResult<FollowUpConnection> {
        let viewer = require(ctx, Permission::Read)?;
        let page = Page::new(first, after, last, before)?;
        let filter = filter.unwrap_or_default().parse()?;
        let list = service::follow_ups(viewer.organization_id, &filter);
        let direction = direction.unwrap_or(Direction::Asc);
        let rows = list
            .page(
                context::db(ctx)?,
                &page,
                service::follow_up_keyset(direction.into()),
            )
            .await?;
        Ok(FollowUpConnection::new(
            &page,
            rows,
            service::follow_up_cursor,
            FollowUp::new,
            Total::FollowUps(list),
        ))
    }

    /// A follow-up by id.
    async fn follow_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The follow-up's id; NOT_FOUND if the organization has none with it.")]
        id: ID,
    ) -> ApiResult<FollowUp> {
        let viewer = require(ctx, Permission::Read)?;
        let id = parse_id("id", &id)?;
        let row = service::follow_up(context::db(ctx)?, viewer.organization_id, id).await?;
        Ok(FollowUp::new(row))
    }
}

/// Follow-up mutations (agents and above).
#[derive(Default)]
pub struct FollowUpMutations;

#[Object]
impl FollowUpMutations {
    /// Schedules a follow-up of a live lead.
    async fn create_follow_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The follow-up.")] input: CreateFollowUpInput,
    ) -> ApiResult<FollowUp> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let new = NewFollowUp {
            lead_id: parse_id("input.leadId", &input.lead_id)?,
            date: input.date.into(),
            remark: input.remark,
            assignee_id: input
                .assignee_id
                .map(|id| parse_id("input.assigneeId", &id))
                .transpose()?,
        };
        let row = service::create_follow_up(context::app(ctx)?, viewer, new)
            .await
            .under("input")?;
        Ok(FollowUp::new(row))
    }

    /// Marks a pending follow-up done; CONFLICT if it has already ended.
    async fn complete_follow_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The follow-up's id.")] id: ID,
        #[graphql(desc = "What came of it; replaces the remark.")] remark: Option<String>,
    ) -> ApiResult<FollowUp> {
        end(ctx, id, Ending::Completed, remark).await
    }

    /// Calls off a pending follow-up; CONFLICT if it has already ended.
    async fn cancel_follow_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The follow-up's id.")] id: ID,
        #[graphql(desc = "Why; replaces the remark.")] remark: Option<String>,
    ) -> ApiResult<FollowUp> {
        end(ctx, id, Ending::Cancelled, remark).await
    }

    /// Moves a pending follow-up to another day (and member); CONFLICT if it has ended.
    async fn reschedule_follow_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The follow-up's id.")] id: ID,
        #[graphql(desc = "The new day, today or later in the organization's time zone.")]
        date: Date,
        #[graphql(desc = "A new assignee, an active member; default: unchanged.")]
        assignee_id: Option<ID>,
    ) -> ApiResult<FollowUp> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let id = parse_id("id", &id)?;
        let assignee = assignee_id
            .map(|a| parse_id("assigneeId", &a))
            .transpose()?;
        let row =
            service::reschedule_follow_up(context::app(ctx)?, viewer, id, date.into(), assignee)
                .await?;
        Ok(FollowUp::new(row))
    }
}

async fn end(
    ctx: &Context<'_>,
    id: ID,
    ending: Ending,
    remark: Option<String>,
) -> ApiResult<FollowUp> {
    let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
    let id = parse_id("id", &id)?;
    let row = service::end_follow_up(context::app(ctx)?, viewer, id, ending, remark).await?;
    Ok(FollowUp::new(row))
}
