//! The query root.

// Connection fields take a filter, an order and Relay's four paging arguments.
#![allow(clippy::too_many_arguments)]

use async_graphql::{Context, ID, Object};
use switchboard_app::calls::read::{self as calls, call_keyset};
use switchboard_app::leads::read::{self as leads, LeadSort};
use switchboard_app::leads::{dnc, segments};
use switchboard_app::{setup, tenant};

use crate::shared::context::{self, Permission, Viewer, require};
use crate::shared::error::{ApiError, ApiResult, parse_id};
use crate::shared::filter::{CallFilter, LeadFilter};
use crate::shared::pagination::Page;
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
    crate::customers::CustomerQueries,
    crate::dialer::DialerQueries,
    crate::leads::follow_ups::FollowUpQueries,
    crate::leads::assignments::AssignmentQueries,
    crate::leads::scoring::ScoringQueries,
    crate::leads::sequences::SequenceQueries,
    crate::ledger::LedgerQueries,
    crate::setup::webhooks::WebhookQueries,
    crate::setup::settings::SettingsQueries,
    crate::analytics::AnalyticsQueries,
    crate::identity::IdentityQueries,
    crate::identity::TeamQueries,
);

/// The organization, lead, call, catalog, segment and DNC queries.
#[derive(Default)]
pub struct CoreQueries;

/// A page of the organization's leads matching `filter`.
pub(crate) async fn lead_page(
    ctx: &Context<'_>,
    viewer: Viewer,
    filter: &switchboard_app::query::filter::LeadFilter,
    page: Page,
    sort: LeadOrder,
) -> ApiResult<LeadConnection> {
    // Nodes the database renders need nothing prefetched.
    let rendered = crate::shared::tree::RenderedNodes::leads(ctx);
    let plan = match rendered {
        Some(_) => prefetch::LeadPlan::default(),
        None => prefetch::LeadPlan::of(&prefetch::nodes(&[ctx.field()]))?,
    };
    let db = context::db(ctx)?;
    switchboard_app::leads::segments::require_visible(db, viewer, filter).await?;
    let list = leads::leads(db, viewer.organization_id, filter).await?;
    let key = LeadSort::from(sort.field);
    let rows = list
        .page(db, &page, key.keyset(sort.direction.into()))
        .await?;
    prefetch::leads(loaders(ctx)?, &plan, &rows).await?;
    let mut connection = LeadConnection::new(
        &page,
        rows,
        |lead| key.cursor(lead),
        Lead::new,
        Total::Leads(list),
    );
    connection.rendered = crate::shared::tree::RenderedNodes::of(
        rendered,
        connection.edges.iter().map(|edge| edge.node.0.id),
    );
    Ok(connection)
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
        let user = tenant::user(db, viewer).await?;
        let organization = tenant::organization(db, viewer).await?;
        Ok(ViewerInfo {
            user,
            organization,
            role: viewer.role,
        })
    }

    /// The viewer's organization.
    async fn organization(&self, ctx: &Context<'_>) -> ApiResult<Organization> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(Organization(
            tenant::organization(context::db(ctx)?, viewer).await?,
        ))
    }

    /// A lead by id (soft-deleted leads included).
    async fn lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead's id; NOT_FOUND if no lead of the organization has it.")] id: ID,
    ) -> ApiResult<Lead> {
        let viewer = require(ctx, Permission::Read)?;
        let lead_id = parse_id("id", &id)?;
        leads::lead(context::db(ctx)?, viewer.organization_id, lead_id)
            .await?
            .map(Lead::new)
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
        calls::call(context::db(ctx)?, viewer.organization_id, call_id)
            .await?
            .map(Call::new)
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
        // Nodes the database renders need nothing prefetched.
        let rendered = crate::shared::tree::RenderedNodes::calls(ctx);
        let plan = match rendered {
            Some(_) => prefetch::CallPlan::default(),
            None => prefetch::CallPlan::of(&prefetch::nodes(&[ctx.field()]))?,
        };
        let db = context::db(ctx)?;
        let list = calls::calls(
            db,
            viewer.organization_id,
            &filter.unwrap_or_default().to_ast()?,
        )?;
        let keyset = call_keyset(order_by.unwrap_or_default().direction.into());
        let rows = list.page(db, &page, keyset).await?;
        prefetch::calls(loaders(ctx)?, &plan, &rows, prefetch::Columns::All).await?;
        let mut connection = CallConnection::new(
            &page,
            rows,
            calls::call_cursor,
            Call::new,
            Total::Calls(list),
        );
        connection.rendered = crate::shared::tree::RenderedNodes::of(
            rendered,
            connection.edges.iter().map(|edge| edge.node.0.id),
        );
        Ok(connection)
    }

    /// Transcripts containing the words of `query` (full-text search on
    /// PostgreSQL; every word as a case-insensitive substring on SQLite), newest first.
    #[graphql(complexity = "crate::shared::pagination::complexity(first, None, child_complexity)")]
    async fn search_transcripts(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The words to find (at least one, at most 500 characters); on PostgreSQL, web-search syntax: \"quoted phrases\", `or`, `-excluded`."
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
        let rows =
            calls::search_transcripts(context::db(ctx)?, viewer.organization_id, &query, &page)
                .await?;
        prefetch::transcripts(loaders(ctx)?, plan.as_ref(), &rows).await?;
        Ok(TranscriptConnection::new(
            &page,
            rows,
            calls::transcript_cursor,
            Transcript::new,
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
        let all = include_inactive == Some(true);
        Ok(
            setup::agents(context::db(ctx)?, viewer.organization_id, all)
                .await?
                .into_iter()
                .map(Agent::new)
                .collect(),
        )
    }

    /// The organization's campaigns, by name.
    async fn campaigns(&self, ctx: &Context<'_>) -> ApiResult<Vec<Campaign>> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(setup::campaigns(context::db(ctx)?, viewer.organization_id)
            .await?
            .into_iter()
            .map(Campaign::new)
            .collect())
    }

    /// The organization's phone numbers, by name (active ones unless `includeInactive`).
    async fn phone_numbers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Also inactive numbers; default false.")] include_inactive: Option<bool>,
    ) -> ApiResult<Vec<PhoneNumber>> {
        let viewer = require(ctx, Permission::Read)?;
        let all = include_inactive == Some(true);
        Ok(
            setup::phone_numbers(context::db(ctx)?, viewer.organization_id, all)
                .await?
                .into_iter()
                .map(PhoneNumber)
                .collect(),
        )
    }

    /// The organization's segments, by name (a private one only for its creator and managers and above).
    async fn segments(&self, ctx: &Context<'_>) -> ApiResult<Vec<Segment>> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(segments::segments(context::db(ctx)?, viewer)
            .await?
            .into_iter()
            .map(Segment)
            .collect())
    }

    /// A segment by id.
    async fn segment(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The segment's id; NOT_FOUND if no segment of the organization has it, or it is another member's private segment and you are not a manager."
        )]
        id: ID,
    ) -> ApiResult<Segment> {
        let viewer = require(ctx, Permission::Read)?;
        let segment_id = parse_id("id", &id)?;
        segments::segment(context::db(ctx)?, viewer, segment_id)
            .await?
            .map(Segment)
            .ok_or_else(|| ApiError::not_found("segment", segment_id))
    }

    /// The organization's DNC list, newest first.
    async fn dnc_entries(&self, ctx: &Context<'_>) -> ApiResult<Vec<DncEntry>> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(dnc::dnc_entries(context::db(ctx)?, viewer.organization_id)
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
        let (phone, entry) = dnc::check_number(context::app(ctx)?, viewer, &phone_number).await?;
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
