//! The GraphQL object types. Each wraps an entity row and decides what of it
//! the API shows; relations resolve through the request's [`Loaders`].
//! One file an area; this one holds what they share (totals, cursors,
//! orders, loading).

use async_graphql::{Context, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use switchboard_entity::*;
use uuid::Uuid;

use crate::shared::context::{self, Permission};
use crate::shared::enums::*;
use crate::shared::error::{ApiError, ApiResult, AppError};
use crate::shared::loaders::{Loaders, PageKey};
use crate::shared::pagination::{Cursor, Direction, Page, PageInfo};
use crate::shared::scalars::Date;
use switchboard_app::calls::read::call_cursor;
use switchboard_app::query::list::List;

pub(crate) fn loaders<'a>(ctx: &Context<'a>) -> ApiResult<&'a Loaders> {
    ctx.data::<Loaders>()
        .map_err(|_| AppError::Unauthenticated("a bearer token is required".into()).into())
}

fn id(uuid: Uuid) -> ID {
    ID(uuid.to_string())
}

macro_rules! connection {
    ($(#[$doc:meta])* $connection:ident, $edge:ident, $node:ty) => {
        $(#[$doc])*
        pub struct $connection {
            pub edges: Vec<$edge>,
            pub page_info: PageInfo,
            pub total: Total,
            /// The `nodes` selections the database renders, if any.
            pub rendered: Option<crate::shared::tree::RenderedNodes>,
        }

        /// An edge: a node and its cursor.
        #[derive(SimpleObject)]
        pub struct $edge {
            /// Where this node is: give it as `after` (or `before`) to page from here.
            pub cursor: String,
            /// The row itself.
            pub node: $node,
        }

        $(#[$doc])*
        #[Object]
        impl $connection {
            /// The page's rows with their cursors, in the connection's order.
            async fn edges(&self) -> &[$edge] {
                &self.edges
            }
            /// The nodes of `edges`, without cursors.
            async fn nodes(&self, ctx: &Context<'_>) -> ApiResult<crate::shared::splice::Nodes<'_, $node>> {
                if let Some(rendered) = &self.rendered
                    && let Some(placeholder) = rendered.render(ctx).await?
                {
                    return Ok(crate::shared::splice::Nodes::Spliced(placeholder));
                }
                Ok(crate::shared::splice::Nodes::Resolved(self.edges.iter().map(|e| &e.node).collect()))
            }
            /// Whether there are more rows before or after this page, and its first and last cursors.
            async fn page_info(&self) -> &PageInfo {
                &self.page_info
            }
            /// How many rows match, across all pages (counted only when asked for;
            /// a search result is not counted and answers BAD_USER_INPUT).
            async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
                Ok(self.total.resolve(ctx).await?)
            }
        }

        impl $connection {
            pub fn new<R>(page: &Page, rows: Vec<R>, cursor: impl Fn(&R) -> Cursor, node: impl Fn(R) -> $node, total: Total) -> Self {
                let (edges, page_info) = page.finish(rows, cursor);
                Self { edges: edges.into_iter().map(|(cursor, row)| $edge { cursor, node: node(row) }).collect(), page_info: page_info.into(), total, rendered: None }
            }
        }
    };
}

/// How a connection's `totalCount` is found, run only if a client asks.
pub enum Total {
    Leads(List<leads::Entity>),
    Calls(List<calls::Entity>),
    CallsOfLead(Uuid),
    CallsOfAgent(Uuid),
    Ledger(List<credit_transactions::Entity>),
    FollowUps(List<follow_ups::Entity>),
    EnrollmentsOfSequence(Uuid),
    Customers(List<customers::Entity>),
    /// Not counted: a search result has no cheap exact total.
    None,
}

impl Total {
    async fn resolve(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let db = context::db(ctx)?;
        Ok(match self {
            Self::Leads(list) => list.count(db).await?,
            Self::Calls(list) => list.count(db).await?,
            Self::Ledger(list) => list.count(db).await?,
            Self::FollowUps(list) => list.count(db).await?,
            Self::Customers(list) => list.count(db).await?,
            Self::EnrollmentsOfSequence(sequence) => {
                crate::leads::sequences::progress_of(ctx, *sequence)
                    .await?
                    .iter()
                    .map(|(_, n)| n)
                    .sum()
            }
            Self::CallsOfLead(lead) => loaders(ctx)?
                .call_counts_by_lead
                .load_one(*lead)
                .await
                .map_err(ApiError::from)?
                .unwrap_or(0),
            Self::CallsOfAgent(agent) => loaders(ctx)?
                .call_counts_by_agent
                .load_one(*agent)
                .await
                .map_err(ApiError::from)?
                .unwrap_or(0),
            Self::None => {
                return Err(ApiError::bad_input(
                    "totalCount",
                    "this connection is not counted",
                ));
            }
        })
    }
}

connection!(/// A page of leads.
    LeadConnection, LeadEdge, Lead);
connection!(/// A page of calls.
    CallConnection, CallEdge, Call);
connection!(/// A page of transcripts.
    TranscriptConnection, TranscriptEdge, Transcript);
connection!(
    /// A page of the credit ledger.
    CreditTransactionConnection,
    CreditTransactionEdge,
    crate::ledger::CreditTransaction
);

connection!(/// A page of follow-ups.
    FollowUpConnection, FollowUpEdge, FollowUp);

connection!(/// A page of a sequence's enrolments.
    EnrollmentConnection, EnrollmentEdge, crate::leads::sequences::Enrollment);

connection!(/// A page of customers.
    CustomerConnection, CustomerEdge, Customer);

connection!(/// A page of a customer's timeline: orders, messages and deals, newest first.
    ActivityConnection, ActivityEdge, crate::customers::Activity);

/// What leads are sorted by; the id breaks ties.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "switchboard_app::leads::read::LeadSort")]
pub enum LeadOrderField {
    /// When the lead was created: the default.
    #[default]
    CreatedAt,
    /// When the lead last changed.
    UpdatedAt,
    /// The lead score, 0-100.
    LeadScore,
}

/// How leads are sorted.
#[derive(async_graphql::InputObject, Debug, Clone, Copy, Default)]
pub struct LeadOrder {
    /// What to sort by; default CREATED_AT.
    #[graphql(default)]
    pub field: LeadOrderField,
    /// Default DESC: newest or highest first.
    #[graphql(default)]
    pub direction: Direction,
}

/// How calls are sorted: by creation time, the id breaking ties.
#[derive(async_graphql::InputObject, Debug, Clone, Copy, Default)]
pub struct CallOrder {
    /// Default DESC: newest first.
    #[graphql(default)]
    pub direction: Direction,
}

async fn load<K, L, V>(loader: &crate::shared::loaders::Cached<L>, key: K) -> ApiResult<Option<V>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    L: switchboard_app::query::batch::Batch<K, Value = V>,
    V: Send + Sync + Clone + 'static,
{
    loader.load_one(key).await.map_err(ApiError::from)
}

mod call;
mod crm;
mod lead;
mod setup;
mod tenant;

pub use call::*;
pub use crm::*;
pub use lead::*;
pub use setup::*;
pub use tenant::*;

/// The calls of one parent (a lead or an agent), a page per parent.
async fn nested_calls(
    ctx: &Context<'_>,
    parent: Uuid,
    first: Option<i32>,
    after: Option<String>,
    order_by: Option<CallOrder>,
    of_lead: bool,
) -> ApiResult<CallConnection> {
    let page = Page::new(first, after, None, None)?;
    // One lead's or agent's calls (not under a list) may be rendered.
    let rendered = crate::shared::tree::RenderedNodes::calls(ctx);
    let plan = match rendered {
        Some(_) => crate::shared::prefetch::CallPlan::default(),
        None => {
            crate::shared::prefetch::CallPlan::of(&crate::shared::prefetch::nodes(&[ctx.field()]))?
        }
    };
    let direction = order_by.unwrap_or_default().direction;
    let key = PageKey::new(parent, &page, direction);
    let loaders = loaders(ctx)?;
    let rows = if of_lead {
        load(&loaders.calls_by_lead, key).await?
    } else {
        load(&loaders.calls_by_agent, key).await?
    };
    let total = if of_lead {
        Total::CallsOfLead(parent)
    } else {
        Total::CallsOfAgent(parent)
    };
    let rows = rows.unwrap_or_default();
    // Usually warm already (the parent's page prefetched it); an agent's calls or a single lead's are not.
    crate::shared::prefetch::calls(
        loaders,
        &plan,
        &rows,
        crate::shared::prefetch::Columns::WithoutJson,
    )
    .await?;
    let mut connection = CallConnection::new(
        &page,
        rows,
        |call| call_cursor(call),
        Call::without_json,
        total,
    );
    connection.rendered = crate::shared::tree::RenderedNodes::of(
        rendered,
        connection.edges.iter().map(|edge| edge.node.0.id),
    );
    Ok(connection)
}
