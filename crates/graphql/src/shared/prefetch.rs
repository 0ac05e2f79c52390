//! Look-ahead prefetching: a connection that has read its rows loads, for
//! all of them at once, every relation the query selects below them, one
//! statement per relation, and warms the request's loaders with the result.
//!
//! Dataloaders alone batch by timing (keys that arrive within a short delay);
//! a large page resolved on a busy machine can miss that window and split
//! into several statements. Prefetching from the query's own selection makes
//! the statements per request a function of the query's shape, never of page
//! sizes or timing. The nested resolvers then find everything in the cache.

use async_graphql::{SelectionField, Value};
use futures::future::try_join_all;
use std::borrow::Borrow;
use switchboard_entity::{calls, leads, transcripts};
use uuid::Uuid;

use crate::shared::error::{ApiError, ApiResult};
use crate::shared::loaders::{Loaders, PageKey};
use crate::shared::pagination::{Direction, Page};

fn db_error(err: switchboard_app::AppError) -> ApiError {
    ApiError::from(err)
}

/// The subfields named `name` of `fields`.
fn children<'a>(fields: &[SelectionField<'a>], name: &str) -> Vec<SelectionField<'a>> {
    fields
        .iter()
        .flat_map(|f| f.selection_set())
        .filter(|c| c.name() == name)
        .collect()
}

/// The node selections of connection fields: `nodes { … }` and `edges { node { … } }`.
pub fn nodes<'a>(connections: &[SelectionField<'a>]) -> Vec<SelectionField<'a>> {
    let mut out = children(connections, "nodes");
    out.extend(children(&children(connections, "edges"), "node"));
    out
}

fn selects(fields: &[SelectionField<'_>], name: &str) -> bool {
    !children(fields, name).is_empty()
}

/// The page a nested `calls(first:, after:, orderBy:)` field asks for.
fn calls_page(field: &SelectionField<'_>) -> ApiResult<(Page, Direction)> {
    let arguments = field
        .arguments()
        .map_err(|e| ApiError::bad_input("calls", e.message))?;
    let mut first = None;
    let mut after = None;
    let mut direction = Direction::Desc;
    for (name, value) in arguments {
        match (name.as_str(), value) {
            ("first", Value::Number(n)) => first = n.as_i64().and_then(|n| i32::try_from(n).ok()),
            ("after", Value::String(s)) => after = Some(s),
            ("orderBy", Value::Object(order)) => {
                if let Some(Value::Enum(d)) = order.get("direction") {
                    direction = if d.as_str() == "ASC" {
                        Direction::Asc
                    } else {
                        Direction::Desc
                    };
                }
            }
            _ => {}
        }
    }
    Ok((Page::new(first, after, None, None)?, direction))
}

/// What a query asks of a set of leads, read from its selection before any
/// await (selections borrow the request and are not `Send`).
#[derive(Debug, Default)]
pub struct LeadPlan {
    owner: bool,
    status_history: bool,
    audit_log: bool,
    score_history: bool,
    assignments: bool,
    follow_ups: bool,
    customer: bool,
    /// Each `calls` field (aliases may page differently): page, order, whether it counts, and what it asks of the calls.
    calls: Vec<(Page, Direction, bool, CallPlan)>,
}

/// Whether rows hold every column, or came from a reader of nested lists
/// that leaves their large JSON out ([`switchboard_app::query::batch`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    All,
    /// The deferred JSON columns read `null`: the row by id has them.
    WithoutJson,
}

/// What a query asks of a set of calls.
#[derive(Debug, Default)]
pub struct CallPlan {
    /// `metadata`, which nested lists leave out.
    metadata: bool,
    transcript: bool,
    /// The transcript's `segments`, which nested lists leave out.
    transcript_segments: bool,
    analysis: bool,
    /// The analysis's JSON fields, which nested lists leave out.
    analysis_json: bool,
    agent: bool,
    campaign: bool,
    lead: Option<Box<LeadPlan>>,
}

impl LeadPlan {
    /// The plan of Lead `selections`.
    pub fn of(selections: &[SelectionField<'_>]) -> ApiResult<Self> {
        let mut calls = Vec::new();
        for field in children(selections, "calls") {
            let (page, direction) = calls_page(&field)?;
            let one = std::slice::from_ref(&field);
            calls.push((
                page,
                direction,
                selects(one, "totalCount"),
                CallPlan::of(&nodes(one))?,
            ));
        }
        Ok(Self {
            owner: selects(selections, "owner"),
            status_history: selects(selections, "statusHistory"),
            audit_log: selects(selections, "auditLog"),
            score_history: selects(selections, "scoreHistory"),
            assignments: selects(selections, "assignments"),
            follow_ups: selects(selections, "followUps"),
            customer: selects(selections, "customer"),
            calls,
        })
    }
}

impl CallPlan {
    /// The plan of Call `selections`.
    pub fn of(selections: &[SelectionField<'_>]) -> ApiResult<Self> {
        let lead = children(selections, "lead");
        let transcript = children(selections, "transcript");
        let analysis = children(selections, "analysis");
        Ok(Self {
            metadata: selects(selections, "metadata"),
            transcript: !transcript.is_empty(),
            transcript_segments: selects(&transcript, "segments"),
            analysis: !analysis.is_empty(),
            analysis_json: [
                "reasoning",
                "ctaInteractions",
                "keyTopics",
                "objectionsRaised",
            ]
            .iter()
            .any(|name| selects(&analysis, name)),
            agent: selects(selections, "agent"),
            campaign: selects(selections, "campaign"),
            lead: if lead.is_empty() {
                None
            } else {
                Some(Box::new(LeadPlan::of(&lead)?))
            },
        })
    }
}

type Task<'a> = futures::future::BoxFuture<'a, ApiResult<()>>;

/// Warms the loaders with what `plan` asks of `rows`.
pub async fn leads<R: Borrow<leads::Model>>(
    loaders: &Loaders,
    plan: &LeadPlan,
    rows: &[R],
) -> ApiResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let rows: Vec<&leads::Model> = rows.iter().map(Borrow::borrow).collect();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut tasks: Vec<Task<'_>> = Vec::new();
    if plan.owner {
        let owners: Vec<Uuid> = rows.iter().filter_map(|r| r.owner_user_id).collect();
        tasks.push(Box::pin(async move {
            loaders
                .users
                .load_many(owners)
                .await
                .map(drop)
                .map_err(db_error)
        }));
    }
    macro_rules! by_lead {
        ($wanted:ident, $loader:ident) => {
            if plan.$wanted {
                let ids = ids.clone();
                tasks.push(Box::pin(async move {
                    loaders
                        .$loader
                        .load_many(ids)
                        .await
                        .map(drop)
                        .map_err(db_error)
                }));
            }
        };
    }
    by_lead!(status_history, status_history_by_lead);
    by_lead!(audit_log, audit_log_by_lead);
    by_lead!(score_history, score_history_by_lead);
    by_lead!(assignments, assignments_by_lead);
    by_lead!(follow_ups, follow_ups_by_lead);
    by_lead!(customer, customers_by_lead);
    for (page, direction, count, call_plan) in &plan.calls {
        let ids = ids.clone();
        tasks.push(Box::pin(async move {
            if *count {
                loaders
                    .call_counts_by_lead
                    .load_many(ids.clone())
                    .await
                    .map_err(db_error)?;
            }
            let keys = ids.iter().map(|id| PageKey::new(*id, page, *direction));
            let pages = loaders
                .calls_by_lead
                .load_many(keys)
                .await
                .map_err(db_error)?;
            let calls: Vec<_> = pages.into_values().flatten().collect();
            self::calls(loaders, call_plan, &calls, Columns::WithoutJson).await
        }));
    }
    try_join_all(tasks).await.map(drop)
}

/// Warms the loaders with what `plan` asks of `rows` (which hold
/// `columns`).
pub fn calls<'a, R: Borrow<calls::Model> + Sync>(
    loaders: &'a Loaders,
    plan: &'a CallPlan,
    rows: &'a [R],
    columns: Columns,
) -> Task<'a> {
    Box::pin(async move {
        if rows.is_empty() {
            return Ok(());
        }
        let rows: Vec<&calls::Model> = rows.iter().map(Borrow::borrow).collect();
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut tasks: Vec<Task<'_>> = Vec::new();
        if plan.metadata && columns == Columns::WithoutJson {
            let ids = ids.clone();
            tasks.push(Box::pin(async move {
                loaders
                    .calls
                    .load_many(ids)
                    .await
                    .map(drop)
                    .map_err(db_error)
            }));
        }
        if plan.transcript {
            let ids = ids.clone();
            tasks.push(Box::pin(async move {
                let found = loaders
                    .transcripts_by_call
                    .load_many(ids)
                    .await
                    .map_err(db_error)?;
                if plan.transcript_segments {
                    let whole = found.into_values().flatten().map(|t| t.id);
                    loaders
                        .transcripts
                        .load_many(whole)
                        .await
                        .map_err(db_error)?;
                }
                Ok(())
            }));
        }
        if plan.analysis {
            let ids = ids.clone();
            tasks.push(Box::pin(async move {
                let found = loaders
                    .analyses_by_call
                    .load_many(ids)
                    .await
                    .map_err(db_error)?;
                if plan.analysis_json {
                    let whole = found.into_values().flatten().map(|a| a.id);
                    loaders.analyses.load_many(whole).await.map_err(db_error)?;
                }
                Ok(())
            }));
        }
        if plan.agent {
            let agents: Vec<Uuid> = rows.iter().filter_map(|r| r.agent_id).collect();
            tasks.push(Box::pin(async move {
                loaders
                    .agents
                    .load_many(agents)
                    .await
                    .map(drop)
                    .map_err(db_error)
            }));
        }
        if plan.campaign {
            let campaigns: Vec<Uuid> = rows.iter().filter_map(|r| r.campaign_id).collect();
            tasks.push(Box::pin(async move {
                loaders
                    .campaigns
                    .load_many(campaigns)
                    .await
                    .map(drop)
                    .map_err(db_error)
            }));
        }
        if let Some(lead_plan) = &plan.lead {
            let lead_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.lead_id).collect();
            tasks.push(Box::pin(async move {
                let found = loaders.leads.load_many(lead_ids).await.map_err(db_error)?;
                let leads: Vec<_> = found.into_values().flatten().collect();
                self::leads(loaders, lead_plan, &leads).await
            }));
        }
        try_join_all(tasks).await.map(drop)
    })
}

/// Warms the loaders with the calls of `rows` and what `plan` asks of them.
pub async fn transcripts(
    loaders: &Loaders,
    plan: Option<&CallPlan>,
    rows: &[transcripts::Model],
) -> ApiResult<()> {
    let Some(plan) = plan else { return Ok(()) };
    if rows.is_empty() {
        return Ok(());
    }
    let found = loaders
        .calls
        .load_many(rows.iter().map(|t| t.call_id))
        .await
        .map_err(db_error)?;
    let calls: Vec<_> = found.into_values().flatten().collect();
    self::calls(loaders, plan, &calls, Columns::All).await
}

/// The plan for a transcript connection: what its nodes ask of their calls.
pub fn transcript_plan(connection: &SelectionField<'_>) -> ApiResult<Option<CallPlan>> {
    let call = children(&nodes(std::slice::from_ref(connection)), "call");
    if call.is_empty() {
        Ok(None)
    } else {
        CallPlan::of(&call).map(Some)
    }
}
