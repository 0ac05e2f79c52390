//! A saved segment's filter as stored in `segments.filter`: this crate's
//! own versioned format, independent of any API's input shape.
//!
//! ```json
//! { "version": 2, "filter": { "status": { "any_of": ["hot"] }, "lead_score": { "gte": 70 } } }
//! ```
//!
//! `filter` is the [`LeadFilter`] tree serialized with its own field names
//! (see [`super::ast`]). Version 1 was the GraphQL `LeadFilter` input itself,
//! unversioned; migration `m0008_segment_filter_v2` rewrote every row. A row
//! in a version this code does not know (or that does not parse) is an
//! internal error naming the segment, never a panic and never the client's fault.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ast::LeadFilter;
use crate::error::{AppError, AppResult};

/// The version [`encode`] writes, and the only one [`decode`] reads.
pub const VERSION: u64 = 2;

#[derive(Serialize)]
struct Written<'a> {
    version: u64,
    filter: &'a LeadFilter,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Read {
    /// Checked before the row is parsed.
    #[serde(rename = "version")]
    _version: u64,
    filter: LeadFilter,
}

/// The stored form of `filter`.
pub fn encode(filter: &LeadFilter) -> AppResult<serde_json::Value> {
    serde_json::to_value(Written {
        version: VERSION,
        filter,
    })
    .map_err(|e| AppError::internal(format!("a segment filter does not serialize: {e}")))
}

/// The filter segment `segment_id` stores as `json`.
pub fn decode(segment_id: Uuid, json: &serde_json::Value) -> AppResult<LeadFilter> {
    let version = json.get("version").and_then(serde_json::Value::as_u64);
    if version != Some(VERSION) {
        tracing::error!(
            %segment_id,
            version = ?json.get("version"),
            "a segment's stored filter has an unknown version"
        );
        return Err(AppError::internal(format!(
            "segment {segment_id} stores its filter in an unknown version"
        )));
    }
    serde_json::from_value::<Read>(json.clone())
        .map(|read| read.filter)
        .map_err(|error| {
            tracing::error!(%segment_id, %error, "a segment's stored filter does not parse");
            AppError::internal(format!(
                "segment {segment_id} stores a filter that does not parse: {error}"
            ))
        })
}
