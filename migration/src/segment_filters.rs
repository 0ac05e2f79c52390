//! `m0008_segment_filter_v2`: every segment's stored filter moves from the
//! GraphQL `LeadFilter` input (version 1, unversioned camelCase JSON with
//! SCREAMING_CASE enum values) to the application's own format, version 2:
//! `{"version": 2, "filter": <tree>}` with snake_case field names of its
//! own and enum values as the database stores them.
//!
//! The rewrite renames keys by their place in the tree (`in` is `any_of`
//! in a value set, but a tag filter's `containsAny` is its `any_of` too),
//! which SQL cannot do portably on both backends, so this step is Rust. It
//! knows the two formats only through the table below, never through the
//! application's or the entities' types, so it keeps working whatever they
//! become. A row in neither format fails the migration, naming the segment.
//! `down` rewrites version 2 back to version 1.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Value};
use serde_json::{Map, Value as Json, json};

/// The step itself.
#[derive(Clone, Copy)]
pub struct SegmentFilterV2;

impl MigrationName for SegmentFilterV2 {
    fn name(&self) -> &str {
        "m0008_segment_filter_v2"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for SegmentFilterV2 {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rewrite(manager, Way::Up).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rewrite(manager, Way::Down).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// Which way a filter is rewritten.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Way {
    /// Version 1 to version 2.
    Up,
    /// Version 2 to version 1.
    Down,
}

async fn rewrite(manager: &SchemaManager<'_>, way: Way) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let select = Query::select()
        .columns([Alias::new("id"), Alias::new("filter")])
        .from(Alias::new("segments"))
        .to_owned();
    for row in db.query_all(&select).await? {
        let id: uuid::Uuid = row.try_get("", "id")?;
        let stored: Json = row.try_get("", "filter")?;
        let fail = |why: String| DbErr::Migration(format!("segment {id}: {why}"));
        let rewritten = match (way, stored.get("version")) {
            (Way::Up, None) => {
                Some(json!({ "version": 2, "filter": lead(&stored, way).map_err(fail)? }))
            }
            (Way::Down, Some(version)) if version == 2 => {
                Some(lead(&stored["filter"], way).map_err(fail)?)
            }
            // Already in the format this way writes.
            (Way::Up, Some(version)) if version == 2 => None,
            (Way::Down, None) => None,
            (_, Some(version)) => return Err(fail(format!("unknown filter version {version}"))),
        };
        if let Some(filter) = rewritten {
            let update = Query::update()
                .table(Alias::new("segments"))
                .value(Alias::new("filter"), Value::Json(Some(Box::new(filter))))
                .and_where(Expr::col(Alias::new("id")).eq(id))
                .to_owned();
            db.execute(&update).await?;
        }
    }
    Ok(())
}

/// What a field holds.
#[derive(Clone, Copy)]
enum Shape {
    /// A scalar, copied as it is (numbers, booleans, times, ids, text).
    Scalar,
    /// `in`/`notIn` of enum values: SCREAMING_CASE in version 1, snake_case in 2.
    Enums,
    /// `in`/`notIn` of text, copied.
    Texts,
    Ids,
    Ints,
    Times,
    Tags,
    Calls,
    Analysis,
    Lead,
    Leads,
    Call,
    CallList,
}

/// A field's name in version 1, its name in version 2, and what it holds.
type Field = (&'static str, &'static str, Shape);

const LEAD: &[Field] = &[
    ("status", "status", Shape::Enums),
    ("leadScore", "lead_score", Shape::Ints),
    ("tags", "tags", Shape::Tags),
    ("source", "source", Shape::Texts),
    ("subSource", "sub_source", Shape::Texts),
    ("owner", "owner", Shape::Ids),
    ("search", "search", Shape::Scalar),
    ("createdAt", "created_at", Shape::Times),
    ("lastContactAt", "last_contact_at", Shape::Times),
    ("includeDeleted", "include_deleted", Shape::Scalar),
    ("calls", "calls", Shape::Calls),
    ("analysis", "analysis", Shape::Analysis),
    ("segment", "segment", Shape::Scalar),
    ("and", "all", Shape::Leads),
    ("or", "any", Shape::Leads),
    ("not", "not", Shape::Lead),
];

const CALL: &[Field] = &[
    ("status", "status", Shape::Enums),
    ("outcome", "outcome", Shape::Enums),
    ("crmStage", "crm_stage", Shape::Enums),
    ("trafficSource", "traffic_source", Shape::Enums),
    ("callType", "call_type", Shape::Enums),
    ("agent", "agent", Shape::Ids),
    ("campaign", "campaign", Shape::Ids),
    ("lead", "lead", Shape::Ids),
    ("createdAt", "created_at", Shape::Times),
    ("scheduledAt", "scheduled_at", Shape::Times),
    ("startedAt", "started_at", Shape::Times),
    ("endedAt", "ended_at", Shape::Times),
    ("durationSeconds", "duration_seconds", Shape::Ints),
    ("and", "all", Shape::CallList),
    ("or", "any", Shape::CallList),
    ("not", "not", Shape::Call),
];

const VALUES: &[Field] = &[
    ("in", "any_of", Shape::Scalar),
    ("notIn", "none_of", Shape::Scalar),
];
const IDS: &[Field] = &[
    ("eq", "eq", Shape::Scalar),
    ("in", "any_of", Shape::Scalar),
    ("isNull", "is_null", Shape::Scalar),
];
const INTS: &[Field] = &[
    ("gt", "gt", Shape::Scalar),
    ("gte", "gte", Shape::Scalar),
    ("lt", "lt", Shape::Scalar),
    ("lte", "lte", Shape::Scalar),
];
const TIMES: &[Field] = &[
    ("gt", "gt", Shape::Scalar),
    ("gte", "gte", Shape::Scalar),
    ("lt", "lt", Shape::Scalar),
    ("lte", "lte", Shape::Scalar),
    ("isNull", "is_null", Shape::Scalar),
];
const TAGS: &[Field] = &[
    ("containsAny", "any_of", Shape::Scalar),
    ("containsAll", "all_of", Shape::Scalar),
];
const RELATION: &[Field] = &[
    ("some", "some", Shape::Call),
    ("none", "none", Shape::Call),
    ("every", "every", Shape::Call),
];
const ANALYSIS: &[Field] = &[
    ("totalScore", "total_score", Shape::Ints),
    ("intentScore", "intent_score", Shape::Ints),
    ("isQualified", "qualified", Shape::Scalar),
    ("leadTemperature", "temperature", Shape::Enums),
];

fn lead(value: &Json, way: Way) -> Result<Json, String> {
    object(value, LEAD, way)
}

/// `value`, an object whose fields are `fields`, with every key renamed
/// `way` and every field rewritten by its shape. Nulls stay nulls.
fn object(value: &Json, fields: &[Field], way: Way) -> Result<Json, String> {
    let Json::Object(map) = value else {
        return Err(format!("expected an object, found {value}"));
    };
    let mut out = Map::new();
    for (key, child) in map {
        let (v1, v2, shape) = fields
            .iter()
            .find(|(v1, v2, _)| key == if way == Way::Up { v1 } else { v2 })
            .ok_or_else(|| format!("unknown filter field `{key}`"))?;
        let name = if way == Way::Up { v2 } else { v1 };
        let child = if Json::is_null(child) {
            Json::Null
        } else {
            field(child, *shape, way)?
        };
        out.insert((*name).to_owned(), child);
    }
    Ok(Json::Object(out))
}

fn field(value: &Json, shape: Shape, way: Way) -> Result<Json, String> {
    let list = |fields: &'static [Field]| -> Result<Json, String> {
        let Json::Array(items) = value else {
            return Err(format!("expected a list, found {value}"));
        };
        items
            .iter()
            .map(|item| object(item, fields, way))
            .collect::<Result<_, _>>()
            .map(Json::Array)
    };
    match shape {
        Shape::Scalar => Ok(value.clone()),
        Shape::Enums => enums(&object(value, VALUES, way)?, way),
        Shape::Texts => object(value, VALUES, way),
        Shape::Ids => object(value, IDS, way),
        Shape::Ints => object(value, INTS, way),
        Shape::Times => object(value, TIMES, way),
        Shape::Tags => object(value, TAGS, way),
        Shape::Calls => object(value, RELATION, way),
        Shape::Analysis => object(value, ANALYSIS, way),
        Shape::Lead => object(value, LEAD, way),
        Shape::Leads => list(LEAD),
        Shape::Call => object(value, CALL, way),
        Shape::CallList => list(CALL),
    }
}

/// A value set (already renamed) with its enum values re-cased.
fn enums(set: &Json, way: Way) -> Result<Json, String> {
    let mut set = set.clone();
    if let Json::Object(map) = &mut set {
        for values in map.values_mut().filter(|v| !Json::is_null(v)) {
            let Json::Array(items) = values else {
                return Err(format!("expected a list of values, found {values}"));
            };
            for item in items {
                let Json::String(text) = item else {
                    return Err(format!("expected an enum value, found {item}"));
                };
                *text = match way {
                    Way::Up => text.to_ascii_lowercase(),
                    Way::Down => text.to_ascii_uppercase(),
                };
            }
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(v1: Json) -> Json {
        lead(&v1, Way::Up).expect("rewrites")
    }

    #[test]
    fn every_field_is_renamed_by_its_place_and_enum_values_are_recased() {
        let v1 = serde_json::json!({
            "status": { "in": ["HOT"], "notIn": ["DNC"] },
            "leadScore": { "gte": 70 },
            "tags": { "containsAny": ["HOT"], "containsAll": [] },
            "subSource": { "in": ["In"] },
            "owner": { "eq": "0190b4c6-2f6e-7c3a-9d1e-5a4b3c2d1e0f", "isNull": false },
            "search": "\"in\": HOT",
            "lastContactAt": { "gte": "2024-01-01T00:00:00Z", "isNull": false },
            "includeDeleted": true,
            "calls": { "every": { "crmStage": { "in": ["CLOSED_WON"] }, "or": [{ "durationSeconds": { "lt": 5 } }] } },
            "analysis": { "isQualified": true, "leadTemperature": { "in": ["NOT_INTERESTED"] }, "totalScore": { "gt": 1 } },
            "and": [{ "segment": "0190b4c6-2f6e-7c3a-9d1e-5a4b3c2d1e0f" }],
            "not": { "source": { "notIn": ["meta"] } },
        });
        let v2 = serde_json::json!({
            "status": { "any_of": ["hot"], "none_of": ["dnc"] },
            "lead_score": { "gte": 70 },
            "tags": { "any_of": ["HOT"], "all_of": [] },
            "sub_source": { "any_of": ["In"] },
            "owner": { "eq": "0190b4c6-2f6e-7c3a-9d1e-5a4b3c2d1e0f", "is_null": false },
            "search": "\"in\": HOT",
            "last_contact_at": { "gte": "2024-01-01T00:00:00Z", "is_null": false },
            "include_deleted": true,
            "calls": { "every": { "crm_stage": { "any_of": ["closed_won"] }, "any": [{ "duration_seconds": { "lt": 5 } }] } },
            "analysis": { "qualified": true, "temperature": { "any_of": ["not_interested"] }, "total_score": { "gt": 1 } },
            "all": [{ "segment": "0190b4c6-2f6e-7c3a-9d1e-5a4b3c2d1e0f" }],
            "not": { "source": { "none_of": ["meta"] } },
        });
        assert_eq!(up(v1.clone()), v2, "tags and text keep their case");
        assert_eq!(lead(&v2, Way::Down).expect("rewrites back"), v1);
    }

    #[test]
    fn unknown_fields_are_refused_not_dropped() {
        assert!(lead(&serde_json::json!({ "stauts": {} }), Way::Up).is_err());
        assert!(lead(&serde_json::json!({ "status": { "any_of": [] } }), Way::Up).is_err());
        assert!(lead(&serde_json::json!({ "and": {} }), Way::Up).is_err());
    }
}
