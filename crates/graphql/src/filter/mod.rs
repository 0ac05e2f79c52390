//! The `LeadFilter` and `CallFilter` inputs: the public shape of a filter.
//!
//! Resolvers turn an input into the application's filter tree with
//! [`LeadFilter::to_ast`] / [`CallFilter::to_ast`] (ids parsed, bounds
//! checked) and compile that with the application's compiler, re-exported
//! here. A saved segment stores the tree in the application's own format,
//! so renaming a field here never breaks one; `Segment.filter` shows it
//! back in this input's shape ([`input_json`]), which is what the serde
//! derives below are for.

use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::{
    CallOutcome, CallStatus, CallType, CrmStage, LeadStatus, LeadTemperature, TrafficSource,
};

mod convert;
#[cfg(test)]
mod tests;

pub use convert::input_json;
pub use switchboard_app::query::filter::{
    Compiler, MAX_BRANCHES, MAX_FILTER_DEPTH, MAX_FILTER_NODES, MAX_SEARCH_CHARS, MAX_VALUES,
    check_width, load_segments,
};

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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gte: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lte: Option<i64>,
}

/// A time range; every bound is optional.
#[derive(InputObject, Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DateTimeRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gte: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<DateTime<Utc>>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub some: Option<Box<CallFilter>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub none: Option<Box<CallFilter>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<Box<CallFilter>>,
}

/// Leads by the AI analyses of their calls: some analysis matches all given fields.
#[derive(InputObject, Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnalysisFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_score: Option<IntRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent_score: Option<IntRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_qualified: Option<bool>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<LeadStatusFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_score: Option<IntRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<TagFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<StringFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_source: Option<StringFilter>,
    /// The owning user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<IdFilter>,
    /// Case-insensitive text in the name, email or phone number (at most 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTimeRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_contact_at: Option<DateTimeRange>,
    /// Include soft-deleted leads (top level only; default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_deleted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls: Option<CallRelationFilter>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CallStatusFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<CallOutcomeFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crm_stage: Option<CrmStageFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_source: Option<TrafficSourceFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_type: Option<CallTypeFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<IdFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<IdFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<IdFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTimeRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<DateTimeRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTimeRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTimeRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<IntRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Every one of these (at most 100).
    pub and: Option<Vec<CallFilter>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// At least one of these (at most 100).
    pub or: Option<Vec<CallFilter>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<CallFilter>>,
}
