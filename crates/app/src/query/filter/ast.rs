//! The filter tree: which leads or calls, as plain data.
//!
//! Every transport builds these from its own input (GraphQL from its
//! `LeadFilter`/`CallFilter` inputs) and a saved segment stores one, so the
//! field names below are the stored format's (see [`super::stored`]): they
//! are this crate's own and change only with a new stored version, never
//! with an API's. Enumerated values serialize as the database stores them
//! (`"hot"`, `"closed_won"`).
//!
//! Every field is optional and every given field must hold; an empty filter
//! matches everything. An absent list and an empty one differ, as they do
//! in the APIs: `any_of: []` matches nothing, `none_of: []` excludes nothing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use switchboard_entity::enums::{
    CallOutcome, CallStatus, CallType, CrmStage, LeadStatus, LeadTemperature, TrafficSource,
};
use uuid::Uuid;

/// A column's value is among `any_of` and not among `none_of`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OneOf<T> {
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub any_of: Option<Vec<T>>,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub none_of: Option<Vec<T>>,
}

fn none<T>() -> Option<T> {
    None
}

impl<T> Default for OneOf<T> {
    fn default() -> Self {
        Self {
            any_of: None,
            none_of: None,
        }
    }
}

/// An id column: equal to `eq`, among `any_of`, and null or not.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct IdMatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any_of: Option<Vec<Uuid>>,
    /// True: only rows without one; false: only rows with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_null: Option<bool>,
}

/// An integer range; every bound is optional.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
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
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TimeRange {
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

/// A lead's tags: at least one of `any_of`, and every one of `all_of`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TagMatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any_of: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_of: Option<Vec<String>>,
}

/// A lead by its calls: `some` call matches, `none` does, or `every` one does.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CallRelation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub some: Option<Box<CallFilter>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub none: Option<Box<CallFilter>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<Box<CallFilter>>,
}

/// A lead by the AI analyses of its calls: some analysis matches every given field.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AnalysisMatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_score: Option<IntRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent_score: Option<IntRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualified: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<OneOf<LeadTemperature>>,
}

/// Which leads.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LeadFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OneOf<LeadStatus>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_score: Option<IntRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<TagMatch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<OneOf<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_source: Option<OneOf<String>>,
    /// The owning user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<IdMatch>,
    /// Case-insensitive text in the name, email or phone number, as given
    /// (trimmed when compiled; blank matches everything).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<TimeRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_contact_at: Option<TimeRange>,
    /// Include soft-deleted leads; read at the top level only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_deleted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls: Option<CallRelation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<AnalysisMatch>,
    /// Leads matching this saved segment's filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<Uuid>,
    /// Every one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<LeadFilter>>,
    /// At least one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<LeadFilter>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<LeadFilter>>,
}

/// Which calls.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CallFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OneOf<CallStatus>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<OneOf<CallOutcome>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crm_stage: Option<OneOf<CrmStage>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_source: Option<OneOf<TrafficSource>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_type: Option<OneOf<CallType>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<IdMatch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<IdMatch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<IdMatch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<TimeRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<TimeRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<TimeRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<TimeRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<IntRange>,
    /// Every one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<CallFilter>>,
    /// At least one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<CallFilter>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<CallFilter>>,
}

impl LeadFilter {
    /// Leads matching the saved segment `id`.
    pub fn segment(id: Uuid) -> Self {
        Self {
            segment: Some(id),
            ..Self::default()
        }
    }

    /// The segments this filter names directly (not inside the segments).
    pub fn named_segments(&self) -> Vec<Uuid> {
        let mut ids = Vec::new();
        let mut pending = vec![self];
        while let Some(f) = pending.pop() {
            ids.extend(f.segment);
            pending.extend(f.all.iter().flatten());
            pending.extend(f.any.iter().flatten());
            pending.extend(f.not.as_deref());
        }
        ids
    }
}
