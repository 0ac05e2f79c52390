//! The compiler: a filter tree to one SQL condition over typed columns.
//!
//! Relation filters become `EXISTS` subqueries, so "leads from meta with a
//! completed call in the last 7 days and no closed_won" is one statement.
//! Only tag containment and free-text search differ by backend (JSONB
//! containment and `ILIKE` on PostgreSQL, served by GIN and trigram indexes;
//! `json_each` and `LIKE` on SQLite). Conditions are joined as balanced
//! trees, so the rendered SQL nests about log2 of a list's width, never its
//! width.

use std::collections::HashMap;

use sea_orm::DbBackend;
use sea_orm::sea_query::extension::postgres::PgBinOper;
use sea_orm::sea_query::{
    Alias, BinOper, DynIden, Expr, ExprTrait, Func, IntoIden, LikeExpr, Query, SelectStatement,
    SimpleExpr,
};
use switchboard_entity::{calls, lead_analytics, leads};
use uuid::Uuid;

use super::ast::{CallFilter, IdMatch, IntRange, LeadFilter, OneOf, TimeRange};
use super::budget::{MAX_FILTER_DEPTH, Measure, too_deep};
use crate::error::{AppError, AppResult};

/// The stored filters of the segments a filter names, by segment id.
pub type Segments = HashMap<Uuid, LeadFilter>;

/// Compiles filters for one organization on one backend.
pub struct Compiler<'a> {
    pub backend: DbBackend,
    pub organization_id: Uuid,
    /// Stored filters of the segments a filter names, loaded beforehand by
    /// [`super::load_segments`].
    pub segments: &'a Segments,
}

fn lead(column: leads::Column) -> Expr {
    Expr::col((leads::Entity, column))
}

/// The alias of `calls` in a lead's relation subquery.
const CALLS_OF_LEAD: &str = "c";
/// The alias of `lead_analytics` in a lead's analysis subquery.
const ANALYSES_OF_LEAD: &str = "la";

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
type SegmentCache = HashMap<Uuid, SimpleExpr>;

/// `any_of` as `IN` (an empty list matches nothing), `none_of` as `NOT IN`
/// (an empty list excludes nothing); `value` is how a value is stored.
fn one_of<T, V: Into<sea_orm::Value>>(
    out: &mut Vec<SimpleExpr>,
    column: Expr,
    set: &Option<OneOf<T>>,
    value: impl Fn(&T) -> V,
) {
    let Some(set) = set else { return };
    if let Some(values) = &set.any_of {
        out.push(if values.is_empty() {
            Expr::val(false)
        } else {
            column.clone().is_in(values.iter().map(&value))
        });
    }
    if let Some(values) = &set.none_of
        && !values.is_empty()
    {
        out.push(column.is_not_in(values.iter().map(&value)));
    }
}

fn int_range(out: &mut Vec<SimpleExpr>, column: Expr, range: &Option<IntRange>) {
    let Some(r) = range else { return };
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
        out.push(column.lte(v));
    }
}

fn time_range(out: &mut Vec<SimpleExpr>, column: Expr, range: &Option<TimeRange>) {
    let Some(r) = range else { return };
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
    is_null(out, column, r.is_null);
}

fn is_null(out: &mut Vec<SimpleExpr>, column: Expr, wanted: Option<bool>) {
    match wanted {
        Some(true) => out.push(column.is_null()),
        Some(false) => out.push(column.is_not_null()),
        None => {}
    }
}

fn id_match(out: &mut Vec<SimpleExpr>, column: Expr, filter: &Option<IdMatch>) {
    let Some(f) = filter else { return };
    if let Some(id) = f.eq {
        out.push(column.clone().eq(id));
    }
    if let Some(ids) = &f.any_of {
        out.push(if ids.is_empty() {
            Expr::val(false)
        } else {
            column.clone().is_in(ids.iter().copied())
        });
    }
    is_null(out, column, f.is_null);
}

/// `%text%` for LIKE, with LIKE's wildcards in the text escaped by `\`.
fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Compiler<'_> {
    /// The condition for leads (table `leads`) matching `filter`, after
    /// measuring it with its segments expanded against the budget.
    pub fn lead(&self, filter: &LeadFilter) -> AppResult<SimpleExpr> {
        Measure::expanded(self.segments).lead_filter(filter)?;
        let mut cache = SegmentCache::new();
        let mut conditions = vec![lead(leads::Column::OrganizationId).eq(self.organization_id)];
        if filter.include_deleted != Some(true) {
            conditions.push(lead(leads::Column::DeletedAt).is_null());
        }
        conditions.push(self.lead_inner(filter, 0, &mut cache)?);
        Ok(all(conditions))
    }

    fn lead_inner(
        &self,
        f: &LeadFilter,
        depth: usize,
        cache: &mut SegmentCache,
    ) -> AppResult<SimpleExpr> {
        if depth > MAX_FILTER_DEPTH {
            return Err(too_deep());
        }
        let mut out = Vec::new();
        one_of(&mut out, lead(leads::Column::Status), &f.status, |s| {
            s.as_str()
        });
        int_range(&mut out, lead(leads::Column::LeadScore), &f.lead_score);
        if let Some(tags) = &f.tags {
            if let Some(wanted) = &tags.any_of {
                out.push(any(wanted
                    .iter()
                    .map(|tag| self.has_tags(std::slice::from_ref(tag)))
                    .collect()));
            }
            if let Some(wanted) = &tags.all_of
                && !wanted.is_empty()
            {
                out.push(self.has_tags(wanted));
            }
        }
        one_of(
            &mut out,
            lead(leads::Column::Source),
            &f.source,
            Clone::clone,
        );
        one_of(
            &mut out,
            lead(leads::Column::SubSource),
            &f.sub_source,
            Clone::clone,
        );
        id_match(&mut out, lead(leads::Column::OwnerUserId), &f.owner);
        if let Some(text) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            out.push(self.search(text));
        }
        time_range(&mut out, lead(leads::Column::CreatedAt), &f.created_at);
        time_range(
            &mut out,
            lead(leads::Column::LastContactAt),
            &f.last_contact_at,
        );
        if let Some(rel) = &f.calls {
            let call = |filter: &CallFilter| self.call_inner(&call_alias(), filter, depth + 1);
            if let Some(some) = &rel.some {
                out.push(Expr::exists(self.calls_of_lead(call(some)?)));
            }
            if let Some(none) = &rel.none {
                out.push(Expr::exists(self.calls_of_lead(call(none)?)).not());
            }
            if let Some(every) = &rel.every {
                out.push(Expr::exists(self.calls_of_lead(call(every)?.not())).not());
            }
        }
        if let Some(a) = &f.analysis {
            let la =
                |column: lead_analytics::Column| Expr::col((Alias::new(ANALYSES_OF_LEAD), column));
            let mut inner = vec![
                la(lead_analytics::Column::LeadId).equals((leads::Entity, leads::Column::Id)),
                la(lead_analytics::Column::OrganizationId).eq(self.organization_id),
            ];
            int_range(
                &mut inner,
                la(lead_analytics::Column::TotalScore),
                &a.total_score,
            );
            int_range(
                &mut inner,
                la(lead_analytics::Column::IntentScore),
                &a.intent_score,
            );
            if let Some(q) = a.qualified {
                inner.push(la(lead_analytics::Column::IsQualified).eq(q));
            }
            one_of(
                &mut inner,
                la(lead_analytics::Column::LeadTemperature),
                &a.temperature,
                |t| t.as_str(),
            );
            let mut q = Query::select();
            q.expr(Expr::val(1))
                .from_as(lead_analytics::Entity, Alias::new(ANALYSES_OF_LEAD))
                .and_where(all(inner));
            out.push(Expr::exists(q));
        }
        if let Some(id) = f.segment {
            // Compiled once; the budget already counted every reference.
            let condition = match cache.get(&id) {
                Some(condition) => condition.clone(),
                None => {
                    let stored = self
                        .segments
                        .get(&id)
                        .ok_or_else(|| AppError::not_found("segment", id))?;
                    let condition = self.lead_inner(stored, depth + 1, cache)?;
                    cache.insert(id, condition.clone());
                    condition
                }
            };
            out.push(condition);
        }
        if let Some(list) = &f.all {
            for sub in list {
                out.push(self.lead_inner(sub, depth + 1, cache)?);
            }
        }
        if let Some(list) = &f.any {
            let parts = list
                .iter()
                .map(|sub| self.lead_inner(sub, depth + 1, cache))
                .collect::<AppResult<Vec<_>>>()?;
            out.push(any(parts));
        }
        if let Some(sub) = &f.not {
            out.push(self.lead_inner(sub, depth + 1, cache)?.not());
        }
        Ok(all(out))
    }

    /// `SELECT 1 FROM calls AS c WHERE <c is a call of the lead> AND <condition>`.
    fn calls_of_lead(&self, condition: SimpleExpr) -> SelectStatement {
        let c = |column: calls::Column| Expr::col((call_alias(), column));
        let mut q = Query::select();
        q.expr(Expr::val(1))
            .from_as(calls::Entity, call_alias())
            .and_where(c(calls::Column::LeadId).equals((leads::Entity, leads::Column::Id)))
            .and_where(c(calls::Column::OrganizationId).eq(self.organization_id))
            .and_where(condition);
        q
    }

    /// The condition for calls (table `calls`) matching `filter`, after
    /// measuring it against the budget.
    pub fn call(&self, filter: &CallFilter) -> AppResult<SimpleExpr> {
        Measure::unexpanded().call_filter(filter)?;
        let table = calls::Entity.into_iden();
        Ok(Expr::col((table.clone(), calls::Column::OrganizationId))
            .eq(self.organization_id)
            .and(self.call_inner(&table, filter, 0)?))
    }

    /// `f` over the calls of `table` (`calls`, or its alias in a subquery).
    fn call_inner(&self, table: &DynIden, f: &CallFilter, depth: usize) -> AppResult<SimpleExpr> {
        if depth > MAX_FILTER_DEPTH {
            return Err(too_deep());
        }
        let col = |column: calls::Column| Expr::col((table.clone(), column));
        let mut out = Vec::new();
        one_of(&mut out, col(calls::Column::Status), &f.status, |s| {
            s.as_str()
        });
        one_of(&mut out, col(calls::Column::Outcome), &f.outcome, |s| {
            s.as_str()
        });
        one_of(&mut out, col(calls::Column::CrmStage), &f.crm_stage, |s| {
            s.as_str()
        });
        one_of(
            &mut out,
            col(calls::Column::TrafficSource),
            &f.traffic_source,
            |s| s.as_str(),
        );
        one_of(&mut out, col(calls::Column::CallType), &f.call_type, |s| {
            s.as_str()
        });
        id_match(&mut out, col(calls::Column::AgentId), &f.agent);
        id_match(&mut out, col(calls::Column::CampaignId), &f.campaign);
        id_match(&mut out, col(calls::Column::LeadId), &f.lead);
        time_range(&mut out, col(calls::Column::CreatedAt), &f.created_at);
        time_range(&mut out, col(calls::Column::ScheduledAt), &f.scheduled_at);
        time_range(&mut out, col(calls::Column::StartedAt), &f.started_at);
        time_range(&mut out, col(calls::Column::EndedAt), &f.ended_at);
        int_range(
            &mut out,
            col(calls::Column::DurationSeconds),
            &f.duration_seconds,
        );
        if let Some(list) = &f.all {
            for sub in list {
                out.push(self.call_inner(table, sub, depth + 1)?);
            }
        }
        if let Some(list) = &f.any {
            let parts = list
                .iter()
                .map(|sub| self.call_inner(table, sub, depth + 1))
                .collect::<AppResult<Vec<_>>>()?;
            out.push(any(parts));
        }
        if let Some(sub) = &f.not {
            out.push(self.call_inner(table, sub, depth + 1)?.not());
        }
        Ok(all(out))
    }

    /// The lead's tags include every tag of `tags`.
    fn has_tags(&self, tags: &[String]) -> SimpleExpr {
        let column = lead(leads::Column::Tags);
        match self.backend {
            DbBackend::Postgres => {
                column.binary(PgBinOper::Contains, Expr::val(serde_json::json!(tags)))
            }
            _ => {
                let mut distinct: Vec<String> = tags.to_vec();
                distinct.sort();
                distinct.dedup();
                // `?` stands for each expression in turn: the column, then the tags.
                let placeholders = vec!["?"; distinct.len()].join(", ");
                let n = distinct.len();
                Expr::cust_with_exprs(
                    format!(
                        r#"(SELECT COUNT(DISTINCT "value") FROM json_each(?) WHERE "value" IN ({placeholders})) = {n}"#
                    ),
                    std::iter::once(column).chain(distinct.into_iter().map(Expr::val)),
                )
            }
        }
    }

    /// The lead's name or email contains `text` (case-insensitively), or its
    /// phone number contains the digits of `text` when it has at least three.
    fn search(&self, text: &str) -> SimpleExpr {
        let postgres = self.backend == DbBackend::Postgres;
        let like = |column: Expr| {
            let pattern = like_pattern(text);
            if postgres {
                // sea-query parenthesizes an ILIKE pattern with its ESCAPE,
                // which PostgreSQL refuses; `$n` stands for the nth expression.
                Expr::cust_with_exprs(r"($1) ILIKE $2 ESCAPE '\'", [column, Expr::val(pattern)])
            } else {
                column.like(LikeExpr::new(pattern).escape('\\'))
            }
        };
        let blank = || Expr::val("");
        let name = Func::coalesce([lead(leads::Column::FirstName), blank()])
            .binary(BinOper::Custom("||"), Expr::val(" "))
            .binary(
                BinOper::Custom("||"),
                Func::coalesce([lead(leads::Column::LastName), blank()]),
            );
        let mut parts = vec![like(name), like(lead(leads::Column::Email))];
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= 3 {
            parts.push(lead(leads::Column::PhoneNumber).like(format!("%{digits}%")));
        }
        any(parts)
    }
}

fn call_alias() -> DynIden {
    Alias::new(CALLS_OF_LEAD).into_iden()
}
