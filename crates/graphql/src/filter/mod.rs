//! The filter compiler: `LeadFilter` and `CallFilter` inputs to SQL conditions.
//!
//! One compiler serves `leads(filter:)`, `Segment.leads` and the stored
//! filters of segments (which are a `LeadFilter` serialized as JSON, in the
//! same shape a client sends). Relation filters become `EXISTS` subqueries, so
//! "leads from meta with a completed call in the last 7 days and no
//! closed_won" is one statement. Only tag containment and free-text search
//! differ by backend (JSONB containment and `ILIKE` on PostgreSQL, served by
//! GIN and trigram indexes; `json_each` and `LIKE` on SQLite).
//!
//! Every filter is measured by [`budget`] before any SQL is built: lists are
//! at most [`MAX_BRANCHES`] or [`MAX_VALUES`] wide and a filter, its
//! segments expanded, has at most [`MAX_FILTER_NODES`] nodes. Conditions are
//! joined as balanced trees, so the rendered SQL nests about log2 of a
//! list's width, never its width.

use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{ColumnTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use switchboard_entity::segments;
use uuid::Uuid;

use crate::enums::{
    CallOutcome, CallStatus, CallType, CrmStage, LeadStatus, LeadTemperature, TrafficSource,
};
use crate::error::{ApiError, ApiResult};

mod budget;
#[cfg(test)]
mod tests;

use budget::Measure;
pub use budget::{MAX_BRANCHES, MAX_FILTER_NODES, MAX_SEARCH_CHARS, MAX_VALUES, check_width};

/// Deepest nesting of `and`/`or`/`not`/relations/segments a filter may have.
pub const MAX_FILTER_DEPTH: usize = 8;

macro_rules! in_filter {
    ($(#[$doc:meta])* $name:ident, $item:ty) => {
        $(#[$doc])*
        #[derive(InputObject, Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct $name {
            /// Any of these values (at most 100).
            #[graphql(name = "in")]
            #[serde(rename = "in", default, skip_serializing_if = "Option::is_none")]
            pub in_: Option<Vec<$item>>,
            /// None of these values (at most 100).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub not_in: Option<Vec<$item>>,
        }
    };
}

in_filter!(/// Matches a lead status.
    LeadStatusFilter, LeadStatus);
in_filter!(/// Matches a call status.
    CallStatusFilter, CallStatus);
in_filter!(/// Matches a call outcome.
    CallOutcomeFilter, CallOutcome);
in_filter!(/// Matches a CRM stage.
    CrmStageFilter, CrmStage);
in_filter!(/// Matches a traffic source.
    TrafficSourceFilter, TrafficSource);
in_filter!(/// Matches a call type.
    CallTypeFilter, CallType);
in_filter!(/// Matches a lead temperature.
    LeadTemperatureFilter, LeadTemperature);
in_filter!(/// Matches a string exactly.
    StringFilter, String);

/// Matches an id, or its absence.
#[derive(InputObject, Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdFilter {
    /// Exactly this id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq: Option<ID>,
    /// Any of these ids (at most 100).
    #[graphql(name = "in")]
    #[serde(rename = "in", default, skip_serializing_if = "Option::is_none")]
    pub in_: Option<Vec<ID>>,
    /// True: only rows without one; false: only rows with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_null: Option<bool>,
}

/// An integer range; every bound is optional.
#[derive(InputObject, Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntRange {
    /// Greater than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<i64>,
    /// At least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gte: Option<i64>,
    /// Less than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<i64>,
    /// At most this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lte: Option<i64>,
}

/// A time range; every bound is optional.
#[derive(InputObject, Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DateTimeRange {
    /// After this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<DateTime<Utc>>,
    /// At or after this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gte: Option<DateTime<Utc>>,
    /// Before this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<DateTime<Utc>>,
    /// At or before this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lte: Option<DateTime<Utc>>,
    /// True: only rows without a value; false: only rows with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_null: Option<bool>,
}

/// Tag containment.
#[derive(InputObject, Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TagFilter {
    /// At least one of these tags (at most 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains_any: Option<Vec<String>>,
    /// Every one of these tags (at most 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains_all: Option<Vec<String>>,
}

/// Leads by their calls: `some` call matches, `none` matches, or `every` call matches.
#[derive(InputObject, Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallRelationFilter {
    /// At least one of the lead's calls matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub some: Option<Box<CallFilter>>,
    /// None of the lead's calls matches (true for a lead without calls).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub none: Option<Box<CallFilter>>,
    /// Every call of the lead matches (true for a lead without calls).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<Box<CallFilter>>,
}

/// Leads by the AI analyses of their calls: some analysis matches all given fields.
#[derive(InputObject, Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnalysisFilter {
    /// The total score, 0-100, is in this range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_score: Option<IntRange>,
    /// The intent score, 0-100, is in this range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent_score: Option<IntRange>,
    /// The AI judged the lead qualified (true) or not (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_qualified: Option<bool>,
    /// The lead temperature is one of these (or none of these).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_temperature: Option<LeadTemperatureFilter>,
}

/// Which leads. Every given field must hold; `and`, `or` and `not` combine filters.
///
/// Bounded so that any accepted filter is cheap to run: `and`/`or` list at
/// most 100 filters, value lists at most 100 values, filters nest at most 8
/// levels, `search` has at most 200 characters, and the whole filter, the
/// segments it names expanded, has at most 1,000 conditions and values
/// (BAD_USER_INPUT otherwise, before anything runs).
#[derive(InputObject, Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LeadFilter {
    /// The lead status is one of these (or none of these).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<LeadStatusFilter>,
    /// The lead score, 0-100, is in this range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_score: Option<IntRange>,
    /// The lead has any, or all, of these tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<TagFilter>,
    /// The source is one of these (or none of these); exact, case-sensitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<StringFilter>,
    /// The sub-source is one of these (or none of these).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_source: Option<StringFilter>,
    /// The owning user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<IdFilter>,
    /// Case-insensitive text in the name, email or phone number (at most 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// When the lead was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTimeRange>,
    /// When the lead was last reached (`isNull: true`: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_contact_at: Option<DateTimeRange>,
    /// Include soft-deleted leads (top level only; default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_deleted: Option<bool>,
    /// Leads by their calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls: Option<CallRelationFilter>,
    /// Leads by the AI analyses of their calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<AnalysisFilter>,
    /// Leads matching a saved segment's filter (its size counts toward the
    /// budget wherever it is named).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<ID>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Every one of these (at most 100).
    pub and: Option<Vec<LeadFilter>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// At least one of these (at most 100).
    pub or: Option<Vec<LeadFilter>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Leads this filter does not match.
    pub not: Option<Box<LeadFilter>>,
}

/// Which calls. Every given field must hold; `and`, `or` and `not` combine filters.
///
/// Bounded as a `LeadFilter` is: `and`/`or` list at most 100 filters, value
/// lists at most 100 values, filters nest at most 8 levels, and the whole
/// filter has at most 1,000 conditions and values.
#[derive(InputObject, Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallFilter {
    /// The status is one of these (or none of these).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CallStatusFilter>,
    /// The outcome is one of these (or none of these); calls without an outcome match neither list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<CallOutcomeFilter>,
    /// The CRM stage is one of these (or none of these).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crm_stage: Option<CrmStageFilter>,
    /// The traffic source is one of these (or none of these).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_source: Option<TrafficSourceFilter>,
    /// The call type is one of these (or none of these).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_type: Option<CallTypeFilter>,
    /// The agent is this one, one of these, or absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<IdFilter>,
    /// The campaign is this one, one of these, or absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<IdFilter>,
    /// The lead is this one, one of these, or absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<IdFilter>,
    /// When the call was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTimeRange>,
    /// When the call was planned for (`isNull: true`: unscheduled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<DateTimeRange>,
    /// When the call connected (`isNull: true`: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTimeRange>,
    /// When the call ended (`isNull: true`: not ended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTimeRange>,
    /// The duration in seconds is in this range (calls without a duration never match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<IntRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Every one of these (at most 100).
    pub and: Option<Vec<CallFilter>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// At least one of these (at most 100).
    pub or: Option<Vec<CallFilter>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Calls this filter does not match.
    pub not: Option<Box<CallFilter>>,
}

/// Compiles filters for one organization on one backend.
pub struct Compiler<'a> {
    pub backend: DbBackend,
    pub organization_id: Uuid,
    /// Stored filters of the segments a filter names, loaded beforehand by [`load_segments`].
    pub segments: &'a std::collections::HashMap<Uuid, LeadFilter>,
}

fn col(table: &str, column: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(column)))
}

/// Joins conditions pairwise, level by level: a tree of depth log2(n).
/// sea-query renders (and drops) expressions recursively and SQLite refuses
/// expressions nested 1,000 deep, so a left-deep chain of a wide list would
/// overflow the stack or be refused.
fn balanced(
    mut conditions: Vec<SimpleExpr>,
    join: fn(SimpleExpr, SimpleExpr) -> SimpleExpr,
) -> Option<SimpleExpr> {
    while conditions.len() > 1 {
        let mut next = Vec::with_capacity(conditions.len().div_ceil(2));
        let mut items = conditions.into_iter();
        while let Some(a) = items.next() {
            next.push(match items.next() {
                Some(b) => join(a, b),
                None => a,
            });
        }
        conditions = next;
    }
    conditions.pop()
}

fn all(conditions: Vec<SimpleExpr>) -> SimpleExpr {
    balanced(conditions, |a, b| a.and(b)).unwrap_or_else(|| Expr::val(true))
}

fn any(conditions: Vec<SimpleExpr>) -> SimpleExpr {
    balanced(conditions, |a, b| a.or(b)).unwrap_or_else(|| Expr::val(false))
}

/// Compiled segment conditions of one request, by segment id.
type SegmentCache = std::collections::HashMap<Uuid, SimpleExpr>;

fn in_list<T: Clone + Into<sea_orm::Value>>(
    out: &mut Vec<SimpleExpr>,
    column: Expr,
    in_: &Option<Vec<T>>,
    not_in: &Option<Vec<T>>,
) {
    if let Some(values) = in_ {
        out.push(if values.is_empty() {
            Expr::val(false)
        } else {
            column.clone().is_in(values.iter().cloned().map(Into::into))
        });
    }
    if let Some(values) = not_in
        && !values.is_empty()
    {
        out.push(column.is_not_in(values.iter().cloned().map(Into::into)));
    }
}

fn int_range(out: &mut Vec<SimpleExpr>, column: Expr, range: &Option<IntRange>) {
    if let Some(r) = range {
        if let Some(v) = r.gt {
            out.push(column.clone().gt(v));
        }
        if let Some(v) = r.gte {
            out.push(column.clone().gte(v));
        }
        if let Some(v) = r.lt {
            out.push(column.clone().lt(v));
        }
        if let Some(v) = r.lte {
            out.push(column.clone().lte(v));
        }
    }
}

fn time_range(out: &mut Vec<SimpleExpr>, column: Expr, range: &Option<DateTimeRange>) {
    if let Some(r) = range {
        if let Some(v) = r.gt {
            out.push(column.clone().gt(v));
        }
        if let Some(v) = r.gte {
            out.push(column.clone().gte(v));
        }
        if let Some(v) = r.lt {
            out.push(column.clone().lt(v));
        }
        if let Some(v) = r.lte {
            out.push(column.clone().lte(v));
        }
        match r.is_null {
            Some(true) => out.push(column.is_null()),
            Some(false) => out.push(column.is_not_null()),
            None => {}
        }
    }
}

fn id_filter(
    out: &mut Vec<SimpleExpr>,
    field: &str,
    column: Expr,
    filter: &Option<IdFilter>,
) -> ApiResult<()> {
    let Some(f) = filter else { return Ok(()) };
    let parse = |id: &ID| {
        Uuid::parse_str(id.as_str())
            .map_err(|_| ApiError::bad_input(field, format!("`{}` is not a valid id", id.as_str())))
    };
    if let Some(id) = &f.eq {
        out.push(column.clone().eq(parse(id)?));
    }
    if let Some(ids) = &f.in_ {
        let ids = ids.iter().map(parse).collect::<ApiResult<Vec<Uuid>>>()?;
        out.push(if ids.is_empty() {
            Expr::val(false)
        } else {
            column.clone().is_in(ids)
        });
    }
    match f.is_null {
        Some(true) => out.push(column.is_null()),
        Some(false) => out.push(column.is_not_null()),
        None => {}
    }
    Ok(())
}

/// `%text%` for LIKE, with LIKE's wildcards in the text escaped.
fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

fn db_values<T: Copy, U: From<T> + sea_orm::ActiveEnum<Value = String>>(
    values: &Option<Vec<T>>,
) -> Option<Vec<String>> {
    values
        .as_ref()
        .map(|v| v.iter().map(|x| U::from(*x).to_value()).collect())
}

impl Compiler<'_> {
    /// The condition for leads (table `leads`) matching `filter`, after
    /// measuring it with its segments expanded against the budget.
    pub fn lead(&self, filter: &LeadFilter) -> ApiResult<SimpleExpr> {
        Measure::expanded(self.segments).lead_filter(filter)?;
        let mut cache = SegmentCache::new();
        let mut conditions = vec![col("leads", "organization_id").eq(self.organization_id)];
        if filter.include_deleted != Some(true) {
            conditions.push(col("leads", "deleted_at").is_null());
        }
        conditions.push(self.lead_inner(filter, 0, &mut cache)?);
        Ok(all(conditions))
    }

    fn lead_inner(
        &self,
        f: &LeadFilter,
        depth: usize,
        cache: &mut SegmentCache,
    ) -> ApiResult<SimpleExpr> {
        if depth > MAX_FILTER_DEPTH {
            return Err(ApiError::bad_input(
                "filter",
                format!("filters nest at most {MAX_FILTER_DEPTH} levels"),
            ));
        }
        let t = "leads";
        let mut out = Vec::new();
        if let Some(s) = &f.status {
            in_list(
                &mut out,
                col(t, "status"),
                &db_values::<_, switchboard_entity::enums::LeadStatus>(&s.in_),
                &db_values::<_, switchboard_entity::enums::LeadStatus>(&s.not_in),
            );
        }
        int_range(&mut out, col(t, "lead_score"), &f.lead_score);
        if let Some(tags) = &f.tags {
            if let Some(wanted) = &tags.contains_any {
                out.push(any(wanted
                    .iter()
                    .map(|tag| self.has_tags(std::slice::from_ref(tag)))
                    .collect()));
            }
            if let Some(wanted) = &tags.contains_all
                && !wanted.is_empty()
            {
                out.push(self.has_tags(wanted));
            }
        }
        if let Some(s) = &f.source {
            in_list(&mut out, col(t, "source"), &s.in_, &s.not_in);
        }
        if let Some(s) = &f.sub_source {
            in_list(&mut out, col(t, "sub_source"), &s.in_, &s.not_in);
        }
        id_filter(&mut out, "filter.owner", col(t, "owner_user_id"), &f.owner)?;
        if let Some(text) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            out.push(self.search(text));
        }
        time_range(&mut out, col(t, "created_at"), &f.created_at);
        time_range(&mut out, col(t, "last_contact_at"), &f.last_contact_at);
        if let Some(rel) = &f.calls {
            let calls_of_lead = |filter: Option<SimpleExpr>| {
                let mut q = Query::select();
                q.expr(Expr::val(1))
                    .from_as(Alias::new("calls"), Alias::new("c"))
                    .and_where(col("c", "lead_id").equals((Alias::new(t), Alias::new("id"))))
                    .and_where(col("c", "organization_id").eq(self.organization_id));
                if let Some(cond) = filter {
                    q.and_where(cond);
                }
                q
            };
            if let Some(some) = &rel.some {
                out.push(Expr::exists(calls_of_lead(Some(self.call_inner(
                    "c",
                    some,
                    depth + 1,
                )?))));
            }
            if let Some(none) = &rel.none {
                out.push(
                    Expr::exists(calls_of_lead(Some(self.call_inner(
                        "c",
                        none,
                        depth + 1,
                    )?)))
                    .not(),
                );
            }
            if let Some(every) = &rel.every {
                out.push(
                    Expr::exists(calls_of_lead(Some(
                        self.call_inner("c", every, depth + 1)?.not(),
                    )))
                    .not(),
                );
            }
        }
        if let Some(a) = &f.analysis {
            let mut inner = vec![
                col("la", "lead_id").equals((Alias::new(t), Alias::new("id"))),
                col("la", "organization_id").eq(self.organization_id),
            ];
            int_range(&mut inner, col("la", "total_score"), &a.total_score);
            int_range(&mut inner, col("la", "intent_score"), &a.intent_score);
            if let Some(q) = a.is_qualified {
                inner.push(col("la", "is_qualified").eq(q));
            }
            if let Some(temp) = &a.lead_temperature {
                in_list(
                    &mut inner,
                    col("la", "lead_temperature"),
                    &db_values::<_, switchboard_entity::enums::LeadTemperature>(&temp.in_),
                    &db_values::<_, switchboard_entity::enums::LeadTemperature>(&temp.not_in),
                );
            }
            let mut q = Query::select();
            q.expr(Expr::val(1))
                .from_as(Alias::new("lead_analytics"), Alias::new("la"))
                .and_where(all(inner));
            out.push(Expr::exists(q));
        }
        if let Some(id) = &f.segment {
            let id = Uuid::parse_str(id.as_str())
                .map_err(|_| ApiError::bad_input("filter.segment", "not a valid id"))?;
            // Compiled once; the budget already counted every reference.
            let condition = match cache.get(&id) {
                Some(condition) => condition.clone(),
                None => {
                    let stored = self
                        .segments
                        .get(&id)
                        .ok_or_else(|| ApiError::not_found("segment", id))?;
                    let condition = self.lead_inner(stored, depth + 1, cache)?;
                    cache.insert(id, condition.clone());
                    condition
                }
            };
            out.push(condition);
        }
        if let Some(list) = &f.and {
            for sub in list {
                out.push(self.lead_inner(sub, depth + 1, cache)?);
            }
        }
        if let Some(list) = &f.or {
            let parts = list
                .iter()
                .map(|sub| self.lead_inner(sub, depth + 1, cache))
                .collect::<ApiResult<Vec<_>>>()?;
            out.push(any(parts));
        }
        if let Some(sub) = &f.not {
            out.push(self.lead_inner(sub, depth + 1, cache)?.not());
        }
        Ok(all(out))
    }

    /// The condition for calls (table `calls`) matching `filter`, after
    /// measuring it against the budget.
    pub fn call(&self, filter: &CallFilter) -> ApiResult<SimpleExpr> {
        Measure::unexpanded().call_filter(filter)?;
        Ok(col("calls", "organization_id")
            .eq(self.organization_id)
            .and(self.call_inner("calls", filter, 0)?))
    }

    fn call_inner(&self, t: &str, f: &CallFilter, depth: usize) -> ApiResult<SimpleExpr> {
        use switchboard_entity::enums as db;
        if depth > MAX_FILTER_DEPTH {
            return Err(ApiError::bad_input(
                "filter",
                format!("filters nest at most {MAX_FILTER_DEPTH} levels"),
            ));
        }
        let mut out = Vec::new();
        if let Some(s) = &f.status {
            in_list(
                &mut out,
                col(t, "status"),
                &db_values::<_, db::CallStatus>(&s.in_),
                &db_values::<_, db::CallStatus>(&s.not_in),
            );
        }
        if let Some(s) = &f.outcome {
            in_list(
                &mut out,
                col(t, "outcome"),
                &db_values::<_, db::CallOutcome>(&s.in_),
                &db_values::<_, db::CallOutcome>(&s.not_in),
            );
        }
        if let Some(s) = &f.crm_stage {
            in_list(
                &mut out,
                col(t, "crm_stage"),
                &db_values::<_, db::CrmStage>(&s.in_),
                &db_values::<_, db::CrmStage>(&s.not_in),
            );
        }
        if let Some(s) = &f.traffic_source {
            in_list(
                &mut out,
                col(t, "traffic_source"),
                &db_values::<_, db::TrafficSource>(&s.in_),
                &db_values::<_, db::TrafficSource>(&s.not_in),
            );
        }
        if let Some(s) = &f.call_type {
            in_list(
                &mut out,
                col(t, "call_type"),
                &db_values::<_, db::CallType>(&s.in_),
                &db_values::<_, db::CallType>(&s.not_in),
            );
        }
        id_filter(&mut out, "filter.agent", col(t, "agent_id"), &f.agent)?;
        id_filter(
            &mut out,
            "filter.campaign",
            col(t, "campaign_id"),
            &f.campaign,
        )?;
        id_filter(&mut out, "filter.lead", col(t, "lead_id"), &f.lead)?;
        time_range(&mut out, col(t, "created_at"), &f.created_at);
        time_range(&mut out, col(t, "scheduled_at"), &f.scheduled_at);
        time_range(&mut out, col(t, "started_at"), &f.started_at);
        time_range(&mut out, col(t, "ended_at"), &f.ended_at);
        int_range(&mut out, col(t, "duration_seconds"), &f.duration_seconds);
        if let Some(list) = &f.and {
            for sub in list {
                out.push(self.call_inner(t, sub, depth + 1)?);
            }
        }
        if let Some(list) = &f.or {
            let parts = list
                .iter()
                .map(|sub| self.call_inner(t, sub, depth + 1))
                .collect::<ApiResult<Vec<_>>>()?;
            out.push(any(parts));
        }
        if let Some(sub) = &f.not {
            out.push(self.call_inner(t, sub, depth + 1)?.not());
        }
        Ok(all(out))
    }

    /// The lead's tags include every tag of `tags`.
    fn has_tags(&self, tags: &[String]) -> SimpleExpr {
        match self.backend {
            // sea-query's placeholders are `$n` on PostgreSQL and `?` on SQLite.
            DbBackend::Postgres => {
                Expr::cust_with_values(r#""leads"."tags" @> $1"#, [serde_json::json!(tags)])
            }
            _ => {
                let mut distinct: Vec<String> = tags.to_vec();
                distinct.sort();
                distinct.dedup();
                let placeholders = vec!["?"; distinct.len()].join(", ");
                Expr::cust_with_values(
                    format!(
                        r#"(SELECT COUNT(DISTINCT "value") FROM json_each("leads"."tags") WHERE "value" IN ({placeholders})) = {}"#,
                        distinct.len()
                    ),
                    distinct,
                )
            }
        }
    }

    fn search(&self, text: &str) -> SimpleExpr {
        let pattern = like_pattern(text);
        // sea-query's placeholders are `$n` on PostgreSQL and `?` on SQLite.
        let (like, param) = if self.backend == DbBackend::Postgres {
            ("ILIKE", "$1")
        } else {
            ("LIKE", "?")
        };
        let mut parts = vec![
            Expr::cust_with_values(
                format!(
                    r#"(COALESCE("leads"."first_name", '') || ' ' || COALESCE("leads"."last_name", '')) {like} {param} ESCAPE '\'"#
                ),
                [pattern.clone()],
            ),
            Expr::cust_with_values(
                format!(r#""leads"."email" {like} {param} ESCAPE '\'"#),
                [pattern],
            ),
        ];
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= 3 {
            parts.push(Expr::cust_with_values(
                format!(r#""leads"."phone_number" LIKE {param}"#),
                [format!("%{digits}%")],
            ));
        }
        any(parts)
    }
}

/// Loads the stored filters of every segment `filter` names, transitively,
/// one statement per level of nesting; each stored filter is parsed once.
/// The filter itself is measured first (its segments one node each), so an
/// oversized one costs no statement.
pub async fn load_segments(
    db: &impl sea_orm::ConnectionTrait,
    organization_id: Uuid,
    filter: &LeadFilter,
) -> ApiResult<std::collections::HashMap<Uuid, LeadFilter>> {
    Measure::unexpanded().lead_filter(filter)?;
    let mut loaded = std::collections::HashMap::new();
    let mut wanted = segment_ids(filter)?;
    for _ in 0..MAX_FILTER_DEPTH {
        wanted.retain(|id| !loaded.contains_key(id));
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.is_empty() {
            break;
        }
        // Every segment reached costs at least one node once expanded.
        if loaded.len() + wanted.len() > MAX_FILTER_NODES {
            return Err(ApiError::bad_input(
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
            let stored = stored_filter(&json)?;
            next.extend(segment_ids(&stored)?);
            loaded.insert(id, stored);
        }
        wanted = next;
    }
    Ok(loaded)
}

/// A segment's stored filter.
pub fn stored_filter(json: &serde_json::Value) -> ApiResult<LeadFilter> {
    serde_json::from_value(json.clone()).map_err(|e| {
        ApiError::bad_input("filter", format!("a stored segment filter is invalid: {e}"))
    })
}

fn segment_ids(filter: &LeadFilter) -> ApiResult<Vec<Uuid>> {
    let mut ids = Vec::new();
    collect_segments(filter, &mut ids, 0)?;
    Ok(ids)
}

fn collect_segments(f: &LeadFilter, ids: &mut Vec<Uuid>, depth: usize) -> ApiResult<()> {
    if depth > MAX_FILTER_DEPTH {
        return Err(ApiError::bad_input(
            "filter",
            format!("filters nest at most {MAX_FILTER_DEPTH} levels"),
        ));
    }
    if let Some(id) = &f.segment {
        ids.push(
            Uuid::parse_str(id.as_str())
                .map_err(|_| ApiError::bad_input("filter.segment", "not a valid id"))?,
        );
    }
    for sub in f
        .and
        .iter()
        .flatten()
        .chain(f.or.iter().flatten())
        .chain(f.not.as_deref())
    {
        collect_segments(sub, ids, depth + 1)?;
    }
    Ok(())
}
