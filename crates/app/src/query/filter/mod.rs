//! Lead and call filters: the tree ([`ast`]), its bounds ([`budget`]), the
//! SQL it compiles to ([`compile`]), and how a segment stores one ([`stored`]).
//!
//! One compiler serves every list the API answers (`leads`, `calls`, a
//! segment's leads, the stats and summaries) and the stored filters of
//! segments, so a segment selects exactly what the same filter selects in a
//! list. Every filter is measured before any SQL is built: lists are at most
//! [`MAX_BRANCHES`] or [`MAX_VALUES`] wide, filters nest at most
//! [`MAX_FILTER_DEPTH`] levels and a filter, its segments expanded, has at
//! most [`MAX_FILTER_NODES`] nodes. Refusals are BAD_USER_INPUT keyed
//! `filter`, the name every API gives the argument; a segment that does not
//! exist in the organization is NOT_FOUND.

use std::collections::HashMap;

use sea_orm::sea_query::SimpleExpr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect};
use switchboard_entity::segments;
use uuid::Uuid;

pub mod ast;
pub mod budget;
pub mod compile;
pub mod stored;
#[cfg(test)]
mod tests;

pub use ast::{
    AnalysisMatch, CallFilter, CallRelation, IdMatch, IntRange, LeadFilter, OneOf, TagMatch,
    TimeRange,
};
pub use budget::{
    MAX_BRANCHES, MAX_FILTER_DEPTH, MAX_FILTER_NODES, MAX_SEARCH_CHARS, MAX_VALUES, Measure,
    check_width,
};
pub use compile::{Compiler, Segments};

use crate::error::{AppError, AppResult};

/// Refuses `filter` if it breaks a bound on its own (its segments counted
/// one node each): what can be checked before anything is read.
pub fn check_lead(filter: &LeadFilter) -> AppResult<()> {
    Measure::unexpanded().lead_filter(filter).map(drop)
}

/// Refuses `filter` if it breaks a bound.
pub fn check_call(filter: &CallFilter) -> AppResult<()> {
    Measure::unexpanded().call_filter(filter).map(drop)
}

/// Loads the stored filters of every segment `filter` names, transitively,
/// one statement per level of nesting; each stored filter is parsed once.
/// The filter itself is measured first (its segments one node each), so an
/// oversized one costs no statement. A segment missing from the
/// organization is simply not loaded: compiling names it NOT_FOUND.
pub async fn load_segments(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    filter: &LeadFilter,
) -> AppResult<Segments> {
    check_lead(filter)?;
    let mut loaded = HashMap::new();
    let mut wanted = filter.named_segments();
    for _ in 0..MAX_FILTER_DEPTH {
        wanted.retain(|id| !loaded.contains_key(id));
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.is_empty() {
            break;
        }
        // Every segment reached costs at least one node once expanded.
        if loaded.len() + wanted.len() > MAX_FILTER_NODES {
            return Err(AppError::bad_input(
                "filter",
                format!("the filter is too large: it names more than {MAX_FILTER_NODES} segments"),
            ));
        }
        let rows = segments::Entity::find()
            .select_only()
            .column(segments::Column::Id)
            .column(segments::Column::Filter)
            .filter(segments::Column::OrganizationId.eq(organization_id))
            .filter(segments::Column::Id.is_in(wanted.clone()))
            .into_tuple::<(Uuid, serde_json::Value)>()
            .all(db)
            .await?;
        let mut next = Vec::new();
        for (id, json) in rows {
            let stored = stored::decode(id, &json)?;
            next.extend(stored.named_segments());
            loaded.insert(id, stored);
        }
        wanted = next;
    }
    Ok(loaded)
}

/// The condition selecting the organization's leads that match `filter`
/// (live leads unless `include_deleted`), the segments it names loaded.
pub async fn lead_condition(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    filter: &LeadFilter,
) -> AppResult<SimpleExpr> {
    let segments = load_segments(db, organization_id, filter).await?;
    Compiler {
        backend: db.get_database_backend(),
        organization_id,
        segments: &segments,
    }
    .lead(filter)
}

/// The condition selecting the organization's calls that match `filter`.
pub fn call_condition(
    backend: DbBackend,
    organization_id: Uuid,
    filter: &CallFilter,
) -> AppResult<SimpleExpr> {
    Compiler {
        backend,
        organization_id,
        segments: &Segments::new(),
    }
    .call(filter)
}
