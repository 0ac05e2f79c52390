//! The `LeadFilter` and `CallFilter` inputs: the public shape of a filter.
//!
//! Resolvers turn an input into the application's filter tree with
//! [`LeadFilter::to_ast`] / [`CallFilter::to_ast`] (ids parsed, bounds
//! checked) and hand that to the application, which compiles it. A saved segment stores the tree in the application's own format,
//! so renaming a field here never breaks one; `Segment.filter` shows it
//! back in this input's shape ([`input_json`]), which is what the serde
//! derives below are for.

use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::shared::enums::{
    CallOutcome, CallStatus, CallType, CrmStage, LeadStatus, LeadTemperature, TrafficSource,
};

mod convert;
#[cfg(test)]
mod tests;

pub use convert::input_json;
pub use switchboard_app::query::filter::{
    MAX_BRANCHES, MAX_FILTER_DEPTH, MAX_FILTER_NODES, MAX_SEARCH_CHARS, MAX_VALUES, check_width,
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
