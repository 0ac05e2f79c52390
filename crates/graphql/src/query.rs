//! The query root.

// Connection fields take a filter, an order and Relay's four paging arguments.
#![allow(clippy::too_many_arguments)]

use async_graphql::{Context, ID, Object};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DbBackend, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect};
use switchboard_entity::*;

use crate::shared::context::{self, Permission, Viewer, require};
use crate::shared::error::{ApiError, ApiResult, parse_id};
use crate::shared::filter::{CallFilter, Compiler, LeadFilter, load_segments};
use crate::shared::pagination::{Cursor, Direction, Page, SortKey};
use crate::shared::prefetch;
use crate::types::*;

/// Everything a member can read, always within their own organization (the
/// one their token acts in). Every field but `serverVersion` answers
/// UNAUTHENTICATED without a valid token, and NOT_FOUND for an id that is
/// not the organization's.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    CoreQueries,
    crate::calls::CallQueries,
    crate::ledger::LedgerQueries,
    crate::setup::webhooks::WebhookQueries,
    crate::analytics::AnalyticsQueries,
);

/// The organization, lead, call, catalog, segment and DNC queries.
#[derive(Default)]
pub struct CoreQueries;

fn order(direction: Direction) -> Order {
    match direction {
        Direction::Asc => Order::Asc,
        Direction::Desc => Order::Desc,
    }
}

/// A page of the organization's leads matching `filter`.
pub(crate) async fn lead_page(
    ctx: &Context<'_>,
    viewer: Viewer,
    filter: &switchboard_app::query::filter::LeadFilter,
    page: Page,
    sort: LeadOrder,
) -> ApiResult<LeadConnection> {
    let plan = prefetch::LeadPlan::of(&prefetch::nodes(&[ctx.field()]))?;
    let db = context::db(ctx)?;
    let segments = load_segments(db, viewer.organization_id, filter).await?;
    let compiler = Compiler {
        backend: db.get_database_backend(),
        organization_id: viewer.organization_id,
        segments: &segments,
    };
    let base = leads::Entity::find().filter(compiler.lead(filter)?);
    let column = match sort.field {
        LeadOrderField::CreatedAt => leads::Column::CreatedAt,
        LeadOrderField::UpdatedAt => leads::Column::UpdatedAt,
        LeadOrderField::LeadScore => leads::Column::LeadScore,
    };
    let mut select = base.clone();
    if let Some(range) = page.range(
        (leads::Entity, column),
        (leads::Entity, leads::Column::Id),
        sort.direction,
    ) {
        select = select.filter(range);
    }
    let read = order(page.read_direction(sort.direction));
    let rows = select
        .order_by(column, read.clone())
        .order_by(leads::Column::Id, read)
        .limit(page.size + 1)
        .all(db)
        .await?;
    prefetch::leads(loaders(ctx)?, &plan, &rows).await?;
    Ok(LeadConnection::new(
        &page,
        rows,
        |m| lead_cursor(m, sort.field),
        Lead,
        Total::Leads(base),
    ))
}

#[Object]
impl CoreQueries {
    /// The version of the Switchboard server answering.
    async fn server_version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    /// The member making the request.
    async fn viewer(&self, ctx: &Context<'_>) -> ApiResult<ViewerInfo> {
        let viewer = require(ctx, Permission::Read)?;
        let db = context::db(ctx)?;
        let user = users::Entity::find_by_id(viewer.user_id)
            .one(db)
            .await?
            .ok_or_else(|| ApiError::not_found("user", viewer.user_id))?;
        let organization = organizations::Entity::find_by_id(viewer.organization_id)
            .one(db)
            .await?
            .ok_or_else(|| ApiError::not_found("organization", viewer.organization_id))?;
        Ok(ViewerInfo {
            user,
            organization,
            role: viewer.role,
        })
    }

    /// The viewer's organization.
    async fn organization(&self, ctx: &Context<'_>) -> ApiResult<Organization> {
        let viewer = require(ctx, Permission::Read)?;
        organizations::Entity::find_by_id(viewer.organization_id)
            .one(context::db(ctx)?)
            .await?
            .map(Organization)
            .ok_or_else(|| ApiError::not_found("organization", viewer.organization_id))
    }

    /// A lead by id (soft-deleted leads included).
    async fn lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead's id; NOT_FOUND if no lead of the organization has it.")] id: ID,
    ) -> ApiResult<Lead> {
        let viewer = require(ctx, Permission::Read)?;
        let lead_id = parse_id("id", &id)?;
        leads::Entity::find_by_id(lead_id)
            .filter(leads::Column::OrganizationId.eq(viewer.organization_id))
            .one(context::db(ctx)?)
            .await?
            .map(Lead)
            .ok_or_else(|| ApiError::not_found("lead", lead_id))
    }

    /// Leads matching `filter` (live leads unless `includeDeleted`), newest first by default.
    #[graphql(complexity = "crate::shared::pagination::complexity(first, last, child_complexity)")]
    async fn leads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which leads; none: every live lead.")] filter: Option<LeadFilter>,
        #[graphql(desc = "Default: newest first by creation time.")] order_by: Option<LeadOrder>,
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
    ) -> ApiResult<LeadConnection> {
        let viewer = require(ctx, Permission::Read)?;
        let page = Page::new(first, after, last, before)?;
        lead_page(
            ctx,
            viewer,
            &filter.unwrap_or_default().to_ast()?,
            page,
            order_by.unwrap_or_default(),
        )
        .await
    }

    /// A call by id.
    async fn call(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The call's id; NOT_FOUND if no call of the organization has it.")] id: ID,
    ) -> ApiResult<Call> {
        let viewer = require(ctx, Permission::Read)?;
        let call_id = parse_id("id", &id)?;
        calls::Entity::find_by_id(call_id)
            .filter(calls::Column::OrganizationId.eq(viewer.organization_id))
            .one(context::db(ctx)?)
            .await?
            .map(Call)
            .ok_or_else(|| ApiError::not_found("call", call_id))
    }

    /// Calls matching `filter`, newest first by default.
    #[graphql(complexity = "crate::shared::pagination::complexity(first, last, child_complexity)")]
    async fn calls(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which calls; none: every call.")] filter: Option<CallFilter>,
        #[graphql(desc = "By creation time; default newest first.")] order_by: Option<CallOrder>,
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
    ) -> ApiResult<CallConnection> {
        let viewer = require(ctx, Permission::Read)?;
        let page = Page::new(first, after, last, before)?;
        let plan = prefetch::CallPlan::of(&prefetch::nodes(&[ctx.field()]))?;
        let db = context::db(ctx)?;
        let segments = Default::default();
        let compiler = Compiler {
            backend: db.get_database_backend(),
            organization_id: viewer.organization_id,
            segments: &segments,
        };
        let base =
            calls::Entity::find().filter(compiler.call(&filter.unwrap_or_default().to_ast()?)?);
        let direction = order_by.unwrap_or_default().direction;
        let mut select = base.clone();
        if let Some(range) = page.range(
            (calls::Entity, calls::Column::CreatedAt),
            (calls::Entity, calls::Column::Id),
            direction,
        ) {
            select = select.filter(range);
        }
        let read = order(page.read_direction(direction));
        let rows = select
            .order_by(calls::Column::CreatedAt, read.clone())
            .order_by(calls::Column::Id, read)
            .limit(page.size + 1)
            .all(db)
            .await?;
        prefetch::calls(loaders(ctx)?, &plan, &rows).await?;
        Ok(CallConnection::new(
            &page,
            rows,
            call_cursor,
            Call,
            Total::Calls(base),
        ))
    }

    /// Transcripts containing the words of `query` (full-text search on
    /// PostgreSQL; every word as a case-insensitive substring on SQLite), newest first.
    #[graphql(complexity = "crate::shared::pagination::complexity(first, None, child_complexity)")]
    async fn search_transcripts(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The words to find (at least one); on PostgreSQL, web-search syntax: \"quoted phrases\", `or`, `-excluded`."
        )]
        query: String,
        #[graphql(desc = "How many rows from the start (or after `after`): 0 to 100, default 20.")]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from this connection (`pageInfo.endCursor` or an edge's `cursor`): the page starts after that row."
        )]
        after: Option<String>,
    ) -> ApiResult<TranscriptConnection> {
        let viewer = require(ctx, Permission::Read)?;
        let page = Page::new(first, after, None, None)?;
        let plan = prefetch::transcript_plan(&ctx.field())?;
        let words: Vec<&str> = query.split_whitespace().collect();
        if words.is_empty() {
            return Err(ApiError::bad_input(
                "query",
                "give at least one word to search for",
            ));
        }
        let db = context::db(ctx)?;
        let mut select = transcripts::Entity::find()
            .filter(transcripts::Column::OrganizationId.eq(viewer.organization_id));
        select = match db.get_database_backend() {
            DbBackend::Postgres => select.filter(Expr::cust_with_values(
                r#"to_tsvector('english', "transcripts"."content") @@ websearch_to_tsquery('english', $1)"#,
                [query.clone()],
            )),
            _ => words.iter().fold(select, |select, word| {
                select.filter(Expr::col((transcripts::Entity, transcripts::Column::Content)).like(format!("%{}%", word.replace(['%', '_'], ""))))
            }),
        };
        if let Some(range) = page.range(
            (transcripts::Entity, transcripts::Column::CreatedAt),
            (transcripts::Entity, transcripts::Column::Id),
            Direction::Desc,
        ) {
            select = select.filter(range);
        }
        let rows = select
            .order_by_desc(transcripts::Column::CreatedAt)
            .order_by_desc(transcripts::Column::Id)
            .limit(page.size + 1)
            .all(db)
            .await?;
        prefetch::transcripts(loaders(ctx)?, plan.as_ref(), &rows).await?;
        Ok(TranscriptConnection::new(
            &page,
            rows,
            |t| Cursor {
                key: SortKey::Time(t.created_at),
                id: t.id,
            },
            Transcript,
            Total::None,
        ))
    }

    /// The organization's agents, by name (active ones unless `includeInactive`).
    async fn agents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Also inactive agents; default false.")] include_inactive: Option<bool>,
    ) -> ApiResult<Vec<Agent>> {
        let viewer = require(ctx, Permission::Read)?;
        let mut select = agents::Entity::find()
            .filter(agents::Column::OrganizationId.eq(viewer.organization_id));
        if include_inactive != Some(true) {
            select = select.filter(agents::Column::IsActive.eq(true));
        }
        Ok(select
            .order_by_asc(agents::Column::Name)
            .all(context::db(ctx)?)
            .await?
            .into_iter()
            .map(Agent)
            .collect())
    }

    /// The organization's campaigns, by name.
    async fn campaigns(&self, ctx: &Context<'_>) -> ApiResult<Vec<Campaign>> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(campaigns::Entity::find()
            .filter(campaigns::Column::OrganizationId.eq(viewer.organization_id))
            .order_by_asc(campaigns::Column::Name)
            .all(context::db(ctx)?)
            .await?
            .into_iter()
            .map(Campaign)
            .collect())
    }

    /// The organization's phone numbers, by name (active ones unless `includeInactive`).
    async fn phone_numbers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Also inactive numbers; default false.")] include_inactive: Option<bool>,
    ) -> ApiResult<Vec<PhoneNumber>> {
        let viewer = require(ctx, Permission::Read)?;
        let mut select = phone_numbers::Entity::find()
            .filter(phone_numbers::Column::OrganizationId.eq(viewer.organization_id));
        if include_inactive != Some(true) {
            select = select.filter(phone_numbers::Column::IsActive.eq(true));
        }
        Ok(select
            .order_by_asc(phone_numbers::Column::Name)
            .all(context::db(ctx)?)
            .await?
            .into_iter()
            .map(PhoneNumber)
            .collect())
    }

    /// The organization's segments, by name.
    async fn segments(&self, ctx: &Context<'_>) -> ApiResult<Vec<Segment>> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(segments::Entity::find()
            .filter(segments::Column::OrganizationId.eq(viewer.organization_id))
            .order_by_asc(segments::Column::Name)
            .all(context::db(ctx)?)
            .await?
            .into_iter()
            .map(Segment)
            .collect())
    }

    /// A segment by id.
    async fn segment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The segment's id; NOT_FOUND if no segment of the organization has it.")]
        id: ID,
    ) -> ApiResult<Segment> {
        let viewer = require(ctx, Permission::Read)?;
        let segment_id = parse_id("id", &id)?;
        segments::Entity::find_by_id(segment_id)
            .filter(segments::Column::OrganizationId.eq(viewer.organization_id))
            .one(context::db(ctx)?)
            .await?
            .map(Segment)
            .ok_or_else(|| ApiError::not_found("segment", segment_id))
    }

    /// The organization's DNC list, newest first.
    async fn dnc_entries(&self, ctx: &Context<'_>) -> ApiResult<Vec<DncEntry>> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(dnc_list::Entity::find()
            .filter(dnc_list::Column::OrganizationId.eq(viewer.organization_id))
            .order_by_desc(dnc_list::Column::CreatedAt)
            .all(context::db(ctx)?)
            .await?
            .into_iter()
            .map(DncEntry)
            .collect())
    }

    /// Whether a number is on the DNC list now (expired entries do not count).
    async fn dnc_check(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The number, in any common format (national numbers take the organization's region); BAD_USER_INPUT if it is not a valid number."
        )]
        phone_number: String,
    ) -> ApiResult<DncCheck> {
        let viewer = require(ctx, Permission::Read)?;
        let db = context::db(ctx)?;
        let phone = switchboard_app::leads::write::normalize_phone(
            db,
            viewer.organization_id,
            "phoneNumber",
            &phone_number,
        )
        .await?;
        let entry = switchboard_app::leads::write::active_dnc_entry(
            db,
            viewer.organization_id,
            &phone,
            chrono::Utc::now(),
        )
        .await?;
        Ok(DncCheck {
            phone_number: phone,
            entry: entry.map(DncEntry),
        })
    }
}

/// The answer of `dncCheck`.
pub struct DncCheck {
    phone_number: String,
    entry: Option<DncEntry>,
}

/// Whether a number is blocked by the DNC list now, and by which entry.
#[Object]
impl DncCheck {
    /// The number checked, in E.164.
    async fn phone_number(&self) -> &str {
        &self.phone_number
    }
    /// Whether calls to the number are blocked.
    async fn blocked(&self) -> bool {
        self.entry.is_some()
    }
    /// The active entry that blocks it; null when the number is not blocked.
    async fn entry(&self) -> Option<&DncEntry> {
        self.entry.as_ref()
    }
}
