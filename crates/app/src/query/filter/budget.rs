//! Bounds on a filter, checked before any SQL is built or run: the width of
//! every list, the nesting depth, the length of `search`, and the number of
//! nodes of the compiled condition with the segments it names expanded.
//!
//! The walk is linear in the input: a segment is measured once per request
//! and every further reference costs its memoized size, so segments
//! referencing segments cannot multiply the work. Sizes add up saturating,
//! and the walk stops as soon as the budget is exceeded.
//!
//! Refusals are keyed `filter` and name lists as the APIs do (`in`,
//! `notIn`, `containsAny`, `or`), the words clients know them by.

use std::collections::HashMap;

use uuid::Uuid;

use super::ast::{CallFilter, IdMatch, LeadFilter, OneOf};
use crate::error::{AppError, AppResult};

/// Deepest nesting of `and`/`or`/`not`/relations/segments a filter may have.
pub const MAX_FILTER_DEPTH: usize = 8;
/// Most filters in one `and` or `or` list.
pub const MAX_BRANCHES: usize = 100;
/// Most values in one `in`, `notIn`, `containsAny` or `containsAll` list.
pub const MAX_VALUES: usize = 100;
/// Most nodes of a compiled filter, the segments it names expanded: every
/// filter object, condition and listed value is one. Enough for one list of
/// each kind at its widest; far below what either backend's expression
/// limits or parameter limits refuse.
pub const MAX_FILTER_NODES: usize = 1_000;
/// Longest `search` text, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// A filter's size: its nodes, and how deep its nested filters go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub nodes: usize,
    pub height: usize,
}

impl Size {
    const ONE: Self = Self {
        nodes: 1,
        height: 0,
    };

    fn add(&mut self, nodes: usize) {
        self.nodes = self.nodes.saturating_add(nodes);
    }

    /// A nested filter: one level deeper.
    fn nest(&mut self, child: Self) {
        self.add(child.nodes);
        self.height = self.height.max(child.height.saturating_add(1));
    }
}

pub(crate) fn too_deep() -> AppError {
    AppError::bad_input(
        "filter",
        format!("filters nest at most {MAX_FILTER_DEPTH} levels"),
    )
}

fn over_budget() -> AppError {
    AppError::bad_input(
        "filter",
        format!(
            "the filter is too large: with the segments it names expanded it has more than \
             {MAX_FILTER_NODES} conditions and values"
        ),
    )
}

/// Refuses a list wider than `max`; `name` is the list's name in the API.
pub fn check_width(field: &str, name: &str, len: usize, max: usize) -> AppResult<()> {
    if len > max {
        return Err(AppError::bad_input(
            field,
            format!("`{name}` lists at most {max} items ({len} given)"),
        ));
    }
    Ok(())
}

/// The nodes of an `in`-style list: each value, and at least one.
fn values<T>(name: &str, list: &Option<Vec<T>>) -> AppResult<usize> {
    match list {
        None => Ok(0),
        Some(list) => {
            check_width("filter", name, list.len(), MAX_VALUES)?;
            Ok(list.len().max(1))
        }
    }
}

fn one_of<T>(set: &Option<OneOf<T>>) -> AppResult<usize> {
    let Some(set) = set else { return Ok(0) };
    Ok(values("in", &set.any_of)? + values("notIn", &set.none_of)?)
}

fn ids(filter: &Option<IdMatch>) -> AppResult<usize> {
    let Some(f) = filter else { return Ok(0) };
    Ok(usize::from(f.eq.is_some()) + usize::from(f.is_null.is_some()) + values("in", &f.any_of)?)
}

fn present<T>(field: &Option<T>) -> usize {
    usize::from(field.is_some())
}

/// Measures filters; one per request, so segment sizes are shared.
pub struct Measure<'a> {
    /// The loaded segments to expand, or `None` to count a reference as one
    /// node (before they are loaded).
    segments: Option<&'a HashMap<Uuid, LeadFilter>>,
    sizes: HashMap<Uuid, Size>,
}

impl<'a> Measure<'a> {
    /// Segment references count one node each and are not followed.
    pub fn unexpanded() -> Self {
        Self {
            segments: None,
            sizes: HashMap::new(),
        }
    }

    /// Segment references count the size of the segment's stored filter.
    pub fn expanded(segments: &'a HashMap<Uuid, LeadFilter>) -> Self {
        Self {
            segments: Some(segments),
            sizes: HashMap::new(),
        }
    }

    /// The size of a lead filter at the top level, or why it is refused.
    pub fn lead_filter(&mut self, filter: &LeadFilter) -> AppResult<Size> {
        self.lead(filter, 0)
    }

    /// The size of a call filter at the top level, or why it is refused.
    pub fn call_filter(&mut self, filter: &CallFilter) -> AppResult<Size> {
        self.call(filter, 0)
    }

    fn lead(&mut self, f: &LeadFilter, depth: usize) -> AppResult<Size> {
        if depth > MAX_FILTER_DEPTH {
            return Err(too_deep());
        }
        let mut size = Size::ONE;
        size.add(one_of(&f.status)?);
        if let Some(t) = &f.tags {
            size.add(values("containsAny", &t.any_of)?);
            size.add(values("containsAll", &t.all_of)?);
        }
        size.add(one_of(&f.source)? + one_of(&f.sub_source)?);
        size.add(ids(&f.owner)?);
        if let Some(text) = &f.search {
            // Bytes first: a huge text is refused without counting it.
            if text.len() > 4 * MAX_SEARCH_CHARS || text.chars().count() > MAX_SEARCH_CHARS {
                return Err(AppError::bad_input(
                    "filter",
                    format!("`search` has at most {MAX_SEARCH_CHARS} characters"),
                ));
            }
            size.add(1);
        }
        size.add(present(&f.lead_score) + present(&f.created_at) + present(&f.last_contact_at));
        if let Some(rel) = &f.calls {
            for sub in [&rel.some, &rel.none, &rel.every].into_iter().flatten() {
                let mut child = self.call(sub, depth + 1)?;
                child.add(1);
                size.nest(child);
            }
        }
        if let Some(a) = &f.analysis {
            size.add(
                1 + present(&a.total_score) + present(&a.intent_score) + present(&a.qualified),
            );
            size.add(one_of(&a.temperature)?);
        }
        if let Some(id) = f.segment {
            size.nest(self.segment(id, depth + 1)?);
        }
        for (name, list) in [("and", &f.all), ("or", &f.any)] {
            let Some(list) = list else { continue };
            check_width("filter", name, list.len(), MAX_BRANCHES)?;
            for sub in list {
                size.nest(self.lead(sub, depth + 1)?);
                if size.nodes > MAX_FILTER_NODES {
                    return Err(over_budget());
                }
            }
        }
        if let Some(sub) = &f.not {
            size.nest(self.lead(sub, depth + 1)?);
        }
        if size.nodes > MAX_FILTER_NODES {
            return Err(over_budget());
        }
        Ok(size)
    }

    /// A segment's stored filter, measured the first time it is named.
    fn segment(&mut self, id: Uuid, depth: usize) -> AppResult<Size> {
        let Some(segments) = self.segments else {
            return Ok(Size::ONE);
        };
        let size = match self.sizes.get(&id) {
            Some(size) => *size,
            None => {
                let stored = segments
                    .get(&id)
                    .ok_or_else(|| AppError::not_found("segment", id))?;
                let size = self.lead(stored, depth)?;
                self.sizes.insert(id, size);
                size
            }
        };
        // The size is the same wherever the segment is named; the depth is not.
        if depth.saturating_add(size.height) > MAX_FILTER_DEPTH {
            return Err(too_deep());
        }
        Ok(size)
    }

    fn call(&mut self, f: &CallFilter, depth: usize) -> AppResult<Size> {
        if depth > MAX_FILTER_DEPTH {
            return Err(too_deep());
        }
        let mut size = Size::ONE;
        size.add(one_of(&f.status)? + one_of(&f.outcome)? + one_of(&f.crm_stage)?);
        size.add(one_of(&f.traffic_source)? + one_of(&f.call_type)?);
        size.add(ids(&f.agent)? + ids(&f.campaign)? + ids(&f.lead)?);
        size.add(
            present(&f.created_at)
                + present(&f.scheduled_at)
                + present(&f.started_at)
                + present(&f.ended_at)
                + present(&f.duration_seconds),
        );
        for (name, list) in [("and", &f.all), ("or", &f.any)] {
            let Some(list) = list else { continue };
            check_width("filter", name, list.len(), MAX_BRANCHES)?;
            for sub in list {
                size.nest(self.call(sub, depth + 1)?);
                if size.nodes > MAX_FILTER_NODES {
                    return Err(over_budget());
                }
            }
        }
        if let Some(sub) = &f.not {
            size.nest(self.call(sub, depth + 1)?);
        }
        if size.nodes > MAX_FILTER_NODES {
            return Err(over_budget());
        }
        Ok(size)
    }
}
