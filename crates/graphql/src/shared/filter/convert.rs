//! GraphQL filter inputs to the application's filter tree, and back.
//!
//! Going in, ids are parsed and the tree is measured against the budget
//! before an id refusal is reported, so a filter is refused for the same
//! reason it always was: first for its size and shape (keyed `filter`),
//! then for a malformed segment id (`filter.segment`), then for any other
//! malformed id (`filter.owner`, `filter.agent`, ...). Levels past
//! [`MAX_FILTER_DEPTH`] are not converted: the budget refuses the level
//! that stands in for them, so an absurdly deep input costs no more than
//! one at the limit.
//!
//! Coming back, a stored tree is shown in the input's shape for
//! `Segment.filter`.

use async_graphql::ID;
use switchboard_app::query::filter as ast;
use uuid::Uuid;

use super::*;
use crate::shared::error::{ApiError, ApiResult, AppError};

/// The first malformed ids met while converting.
#[derive(Default)]
struct Convert {
    segment: Option<ApiError>,
    other: Option<ApiError>,
}

impl Convert {
    fn id(&mut self, field: &str, id: &ID) -> Uuid {
        Uuid::parse_str(id.as_str()).unwrap_or_else(|_| {
            self.other.get_or_insert_with(|| {
                ApiError::bad_input(field, format!("`{}` is not a valid id", id.as_str()))
            });
            Uuid::nil()
        })
    }

    fn ids(&mut self, field: &str, filter: &Option<IdFilter>) -> Option<ast::IdMatch> {
        filter.as_ref().map(|f| ast::IdMatch {
            eq: f.eq.as_ref().map(|id| self.id(field, id)),
            any_of: f
                .in_
                .as_ref()
                .map(|ids| ids.iter().map(|id| self.id(field, id)).collect()),
            is_null: f.is_null,
        })
    }

    fn segment(&mut self, id: &ID) -> Uuid {
        Uuid::parse_str(id.as_str()).unwrap_or_else(|_| {
            self.segment
                .get_or_insert_with(|| ApiError::bad_input("filter.segment", "not a valid id"));
            Uuid::nil()
        })
    }

    /// The tree, unless measuring it or an id refuses it.
    fn finish<T>(self, tree: T, measured: Result<(), AppError>) -> ApiResult<T> {
        measured?;
        match self.segment.or(self.other) {
            Some(refusal) => Err(refusal),
            None => Ok(tree),
        }
    }

    fn lead(&mut self, f: &LeadFilter, depth: usize) -> ast::LeadFilter {
        if depth > MAX_FILTER_DEPTH {
            return ast::LeadFilter::default();
        }
        let nested = |c: &mut Self, list: &Option<Vec<LeadFilter>>| {
            list.as_ref()
                .map(|list| list.iter().map(|sub| c.lead(sub, depth + 1)).collect())
        };
        ast::LeadFilter {
            status: f.status.as_ref().map(|s| one_of(&s.in_, &s.not_in)),
            lead_score: f.lead_score.as_ref().map(int_range),
            tags: f.tags.as_ref().map(|t| ast::TagMatch {
                any_of: t.contains_any.clone(),
                all_of: t.contains_all.clone(),
            }),
            source: f.source.as_ref().map(|s| one_of(&s.in_, &s.not_in)),
            sub_source: f.sub_source.as_ref().map(|s| one_of(&s.in_, &s.not_in)),
            owner: self.ids("filter.owner", &f.owner),
            search: f.search.clone(),
            created_at: f.created_at.as_ref().map(time_range),
            last_contact_at: f.last_contact_at.as_ref().map(time_range),
            include_deleted: f.include_deleted,
            calls: f.calls.as_ref().map(|rel| {
                let mut call = |sub: &Option<Box<CallFilter>>| {
                    sub.as_deref()
                        .map(|sub| Box::new(self.call(sub, depth + 1)))
                };
                ast::CallRelation {
                    some: call(&rel.some),
                    none: call(&rel.none),
                    every: call(&rel.every),
                }
            }),
            analysis: f.analysis.as_ref().map(|a| ast::AnalysisMatch {
                total_score: a.total_score.as_ref().map(int_range),
                intent_score: a.intent_score.as_ref().map(int_range),
                qualified: a.is_qualified,
                temperature: a
                    .lead_temperature
                    .as_ref()
                    .map(|t| one_of(&t.in_, &t.not_in)),
            }),
            segment: f.segment.as_ref().map(|id| self.segment(id)),
            all: nested(self, &f.and),
            any: nested(self, &f.or),
            not: f
                .not
                .as_deref()
                .map(|sub| Box::new(self.lead(sub, depth + 1))),
        }
    }

    fn call(&mut self, f: &CallFilter, depth: usize) -> ast::CallFilter {
        if depth > MAX_FILTER_DEPTH {
            return ast::CallFilter::default();
        }
        let nested = |c: &mut Self, list: &Option<Vec<CallFilter>>| {
            list.as_ref()
                .map(|list| list.iter().map(|sub| c.call(sub, depth + 1)).collect())
        };
        ast::CallFilter {
            status: f.status.as_ref().map(|s| one_of(&s.in_, &s.not_in)),
            outcome: f.outcome.as_ref().map(|s| one_of(&s.in_, &s.not_in)),
            crm_stage: f.crm_stage.as_ref().map(|s| one_of(&s.in_, &s.not_in)),
            traffic_source: f.traffic_source.as_ref().map(|s| one_of(&s.in_, &s.not_in)),
            call_type: f.call_type.as_ref().map(|s| one_of(&s.in_, &s.not_in)),
            agent: self.ids("filter.agent", &f.agent),
            campaign: self.ids("filter.campaign", &f.campaign),
            lead: self.ids("filter.lead", &f.lead),
            created_at: f.created_at.as_ref().map(time_range),
            scheduled_at: f.scheduled_at.as_ref().map(time_range),
            started_at: f.started_at.as_ref().map(time_range),
            ended_at: f.ended_at.as_ref().map(time_range),
            duration_seconds: f.duration_seconds.as_ref().map(int_range),
            all: nested(self, &f.and),
            any: nested(self, &f.or),
            not: f
                .not
                .as_deref()
                .map(|sub| Box::new(self.call(sub, depth + 1))),
        }
    }
}

/// A list of values, each converted.
fn mapped<T: Clone + Into<U>, U>(list: &Option<Vec<T>>) -> Option<Vec<U>> {
    list.as_ref()
        .map(|list| list.iter().cloned().map(Into::into).collect())
}

fn one_of<T: Clone + Into<U>, U>(in_: &Option<Vec<T>>, not_in: &Option<Vec<T>>) -> ast::OneOf<U> {
    ast::OneOf {
        any_of: mapped(in_),
        none_of: mapped(not_in),
    }
}

fn int_range(r: &IntRange) -> ast::IntRange {
    ast::IntRange {
        gt: r.gt,
        gte: r.gte,
        lt: r.lt,
        lte: r.lte,
    }
}

fn time_range(r: &DateTimeRange) -> ast::TimeRange {
    ast::TimeRange {
        gt: r.gt,
        gte: r.gte,
        lt: r.lt,
        lte: r.lte,
        is_null: r.is_null,
    }
}

impl LeadFilter {
    /// The application's tree for this input, or why it is refused
    /// (BAD_USER_INPUT: its bounds with its segments counted one node each,
    /// then its ids). The segments it names are checked when it is compiled.
    pub fn to_ast(&self) -> ApiResult<ast::LeadFilter> {
        let mut convert = Convert::default();
        let tree = convert.lead(self, 0);
        let measured = ast::check_lead(&tree);
        convert.finish(tree, measured)
    }
}

impl CallFilter {
    /// The application's tree for this input, or why it is refused
    /// (BAD_USER_INPUT: its bounds, then its ids).
    pub fn to_ast(&self) -> ApiResult<ast::CallFilter> {
        let mut convert = Convert::default();
        let tree = convert.call(self, 0);
        let measured = ast::check_call(&tree);
        convert.finish(tree, measured)
    }
}

/// Each `in`/`notIn` input from the tree's value sets.
macro_rules! from_one_of {
    ($($filter:ident: $item:ty),+ $(,)?) => {$(
        impl<T: Clone + Into<$item>> From<&ast::OneOf<T>> for $filter {
            fn from(set: &ast::OneOf<T>) -> Self {
                Self {
                    in_: mapped(&set.any_of),
                    not_in: mapped(&set.none_of),
                }
            }
        }
    )+};
}

from_one_of!(
    LeadStatusFilter: LeadStatus,
    CallStatusFilter: CallStatus,
    CallOutcomeFilter: CallOutcome,
    CrmStageFilter: CrmStage,
    TrafficSourceFilter: TrafficSource,
    CallTypeFilter: CallType,
    LeadTemperatureFilter: LeadTemperature,
    StringFilter: String,
);

fn id(uuid: Uuid) -> ID {
    ID(uuid.to_string())
}

impl From<&ast::IdMatch> for IdFilter {
    fn from(f: &ast::IdMatch) -> Self {
        Self {
            eq: f.eq.map(id),
            in_: f
                .any_of
                .as_ref()
                .map(|ids| ids.iter().copied().map(id).collect()),
            is_null: f.is_null,
        }
    }
}

impl From<&ast::IntRange> for IntRange {
    fn from(r: &ast::IntRange) -> Self {
        Self {
            gt: r.gt,
            gte: r.gte,
            lt: r.lt,
            lte: r.lte,
        }
    }
}

impl From<&ast::TimeRange> for DateTimeRange {
    fn from(r: &ast::TimeRange) -> Self {
        Self {
            gt: r.gt,
            gte: r.gte,
            lt: r.lt,
            lte: r.lte,
            is_null: r.is_null,
        }
    }
}

impl From<&ast::LeadFilter> for LeadFilter {
    fn from(f: &ast::LeadFilter) -> Self {
        let list = |list: &Option<Vec<ast::LeadFilter>>| {
            list.as_ref()
                .map(|list| list.iter().map(Self::from).collect())
        };
        let call = |sub: &Option<Box<ast::CallFilter>>| {
            sub.as_deref().map(|sub| Box::new(CallFilter::from(sub)))
        };
        Self {
            status: f.status.as_ref().map(Into::into),
            lead_score: f.lead_score.as_ref().map(Into::into),
            tags: f.tags.as_ref().map(|t| TagFilter {
                contains_any: t.any_of.clone(),
                contains_all: t.all_of.clone(),
            }),
            source: f.source.as_ref().map(Into::into),
            sub_source: f.sub_source.as_ref().map(Into::into),
            owner: f.owner.as_ref().map(Into::into),
            search: f.search.clone(),
            created_at: f.created_at.as_ref().map(Into::into),
            last_contact_at: f.last_contact_at.as_ref().map(Into::into),
            include_deleted: f.include_deleted,
            calls: f.calls.as_ref().map(|rel| CallRelationFilter {
                some: call(&rel.some),
                none: call(&rel.none),
                every: call(&rel.every),
            }),
            analysis: f.analysis.as_ref().map(|a| AnalysisFilter {
                total_score: a.total_score.as_ref().map(Into::into),
                intent_score: a.intent_score.as_ref().map(Into::into),
                is_qualified: a.qualified,
                lead_temperature: a.temperature.as_ref().map(Into::into),
            }),
            segment: f.segment.map(id),
            and: list(&f.all),
            or: list(&f.any),
            not: f.not.as_deref().map(|sub| Box::new(Self::from(sub))),
        }
    }
}

impl From<&ast::CallFilter> for CallFilter {
    fn from(f: &ast::CallFilter) -> Self {
        let list = |list: &Option<Vec<ast::CallFilter>>| {
            list.as_ref()
                .map(|list| list.iter().map(Self::from).collect())
        };
        Self {
            status: f.status.as_ref().map(Into::into),
            outcome: f.outcome.as_ref().map(Into::into),
            crm_stage: f.crm_stage.as_ref().map(Into::into),
            traffic_source: f.traffic_source.as_ref().map(Into::into),
            call_type: f.call_type.as_ref().map(Into::into),
            agent: f.agent.as_ref().map(Into::into),
            campaign: f.campaign.as_ref().map(Into::into),
            lead: f.lead.as_ref().map(Into::into),
            created_at: f.created_at.as_ref().map(Into::into),
            scheduled_at: f.scheduled_at.as_ref().map(Into::into),
            started_at: f.started_at.as_ref().map(Into::into),
            ended_at: f.ended_at.as_ref().map(Into::into),
            duration_seconds: f.duration_seconds.as_ref().map(Into::into),
            and: list(&f.all),
            or: list(&f.any),
            not: f.not.as_deref().map(|sub| Box::new(Self::from(sub))),
        }
    }
}

/// `filter` as JSON in the `LeadFilter` input's shape, as `Segment.filter` shows it.
pub fn input_json(filter: &ast::LeadFilter) -> ApiResult<serde_json::Value> {
    serde_json::to_value(LeadFilter::from(filter))
        .map_err(|e| AppError::internal(format!("a segment filter does not serialize: {e}")).into())
}
