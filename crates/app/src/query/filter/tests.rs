//! The compiler's SQL, bounds and tree shapes, and the stored format,
//! without a database.

use sea_orm::DbBackend;
use sea_orm::sea_query::{
    Alias, Expr, PostgresQueryBuilder, Query, SimpleExpr, SqliteQueryBuilder,
};
use switchboard_entity::enums::{CallStatus, CrmStage, LeadStatus};
use uuid::Uuid;

use super::*;
use crate::error::{AppError, AppResult};

fn sql(backend: DbBackend, filter: &LeadFilter) -> String {
    let segments = Segments::new();
    let compiler = Compiler {
        backend,
        organization_id: Uuid::nil(),
        segments: &segments,
    };
    let cond = compiler.lead(filter).expect("compiles");
    let mut q = Query::select();
    q.expr(Expr::val(1))
        .from(Alias::new("leads"))
        .and_where(cond);
    match backend {
        DbBackend::Postgres => q.to_string(PostgresQueryBuilder),
        _ => q.to_string(SqliteQueryBuilder),
    }
}

fn compile(filter: &LeadFilter, segments: &Segments) -> AppResult<SimpleExpr> {
    Compiler {
        backend: DbBackend::Sqlite,
        organization_id: Uuid::nil(),
        segments,
    }
    .lead(filter)
}

fn refusal(result: AppResult<SimpleExpr>) -> String {
    match result {
        Err(AppError::BadUserInput(error)) => {
            let (field, message) = error.into_parts();
            assert_eq!(field, "filter");
            message
        }
        Err(other) => panic!("expected BAD_USER_INPUT, got {other:?}"),
        Ok(_) => panic!("expected BAD_USER_INPUT, the filter compiled"),
    }
}

fn or_of(items: Vec<LeadFilter>) -> LeadFilter {
    LeadFilter {
        any: Some(items),
        ..Default::default()
    }
}

fn only<T>(values: Vec<T>) -> Option<OneOf<T>> {
    Some(OneOf {
        any_of: Some(values),
        none_of: None,
    })
}

/// The deepest parenthesis nesting of rendered SQL.
fn paren_depth(sql: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for c in sql.chars() {
        match c {
            '(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[test]
fn the_stored_json_is_versioned_and_uses_the_apps_own_field_names() {
    let filter = LeadFilter {
        status: only(vec![LeadStatus::Hot, LeadStatus::Qualified]),
        lead_score: Some(IntRange {
            gte: Some(70),
            ..Default::default()
        }),
        tags: Some(TagMatch {
            any_of: Some(vec!["insurance".into()]),
            all_of: None,
        }),
        any: Some(vec![LeadFilter::segment(Uuid::nil())]),
        ..Default::default()
    };
    let json = stored::encode(&filter).expect("encodes");
    assert_eq!(
        json,
        serde_json::json!({
            "version": 2,
            "filter": {
                "status": { "any_of": ["hot", "qualified"] },
                "lead_score": { "gte": 70 },
                "tags": { "any_of": ["insurance"] },
                "any": [{ "segment": "00000000-0000-0000-0000-000000000000" }],
            }
        }),
        "no GraphQL name (`leadScore`, `in`, `containsAny`, `or`, `HOT`) reaches the stored form"
    );
    assert_eq!(stored::decode(Uuid::nil(), &json).expect("decodes"), filter);
}

#[test]
fn stored_filters_of_unknown_versions_or_shapes_are_internal_errors() {
    let segment = Uuid::now_v7();
    for json in [
        // Version 1: the GraphQL input itself.
        serde_json::json!({ "leadScore": { "gte": 70 } }),
        serde_json::json!({ "version": 3, "filter": {} }),
        serde_json::json!({ "version": 2, "filter": { "leadScore": {} } }),
        serde_json::json!("not an object"),
    ] {
        match stored::decode(segment, &json) {
            Err(AppError::Internal(error)) => {
                assert!(error.to_string().contains(&segment.to_string()), "{error}");
            }
            other => panic!("expected an internal error for {json}, got {other:?}"),
        }
    }
}

#[test]
fn relation_filters_become_exists_subqueries() {
    let filter = LeadFilter {
        calls: Some(CallRelation {
            some: Some(Box::new(CallFilter {
                status: only(vec![CallStatus::Completed]),
                ..Default::default()
            })),
            none: Some(Box::new(CallFilter {
                crm_stage: only(vec![CrmStage::ClosedWon]),
                ..Default::default()
            })),
            every: None,
        }),
        ..Default::default()
    };
    let text = sql(DbBackend::Postgres, &filter);
    assert!(
        text.contains("EXISTS(SELECT 1 FROM \"calls\" AS \"c\"")
            || text.contains("EXISTS (SELECT 1 FROM \"calls\" AS \"c\""),
        "{text}"
    );
    assert!(
        text.contains("NOT EXISTS") || text.contains("NOT (EXISTS"),
        "{text}"
    );
    assert!(
        text.contains("'completed'") && text.contains("'closed_won'"),
        "{text}"
    );
}

#[test]
fn tags_use_containment_on_postgres_and_json_each_on_sqlite() {
    let filter = LeadFilter {
        tags: Some(TagMatch {
            any_of: None,
            all_of: Some(vec!["a".into(), "b".into()]),
        }),
        ..Default::default()
    };
    let pg = sql(DbBackend::Postgres, &filter);
    assert!(pg.contains(r#""leads"."tags" @> '["a","b"]'"#), "{pg}");
    let sqlite = sql(DbBackend::Sqlite, &filter);
    assert!(
        sqlite.contains(r#"FROM json_each("leads"."tags") WHERE "value" IN ('a', 'b')) = 2"#),
        "{sqlite}"
    );
}

#[test]
fn search_escapes_like_wildcards_and_matches_phone_digits() {
    let filter = LeadFilter {
        search: Some(" 50%_off 415 ".into()),
        ..Default::default()
    };
    let pg = sql(DbBackend::Postgres, &filter);
    assert!(pg.contains(r#""leads"."email") ILIKE "#), "{pg}");
    assert!(pg.contains(r"ESCAPE '\'"), "{pg}");
    assert!(
        pg.contains(r#""leads"."phone_number" LIKE '%50415%'"#),
        "{pg}"
    );
    let sqlite = sql(DbBackend::Sqlite, &filter);
    assert!(
        sqlite.contains(r#"COALESCE("leads"."first_name", '')"#),
        "{sqlite}"
    );
    assert!(
        sqlite.contains(r#""leads"."email" LIKE '%50\%\_off 415%' ESCAPE '\'"#),
        "{sqlite}"
    );
    assert!(!sqlite.contains("ILIKE"), "{sqlite}");
}

#[test]
fn nesting_is_bounded() {
    let mut filter = LeadFilter::default();
    for _ in 0..=MAX_FILTER_DEPTH + 1 {
        filter = LeadFilter {
            not: Some(Box::new(filter)),
            ..Default::default()
        };
    }
    assert!(refusal(compile(&filter, &Segments::new())).contains("nest"));
}

#[test]
fn lists_wider_than_their_limit_are_refused() {
    let segments = Segments::new();
    let wide_or = or_of(vec![LeadFilter::default(); 8_000]);
    assert!(refusal(compile(&wide_or, &segments)).contains("`or` lists at most 100"));
    let wide_in = LeadFilter {
        source: only(vec!["x".into(); MAX_VALUES + 1]),
        ..Default::default()
    };
    assert!(refusal(compile(&wide_in, &segments)).contains("`in` lists at most 100"));
    let wide_tags = LeadFilter {
        tags: Some(TagMatch {
            any_of: None,
            all_of: Some(vec!["t".into(); 2_000]),
        }),
        ..Default::default()
    };
    assert!(refusal(compile(&wide_tags, &segments)).contains("containsAll"));
    let wide_calls = CallFilter {
        all: Some(vec![CallFilter::default(); MAX_BRANCHES + 1]),
        ..Default::default()
    };
    assert!(matches!(
        call_condition(DbBackend::Sqlite, Uuid::nil(), &wide_calls),
        Err(AppError::BadUserInput(_))
    ));
}

#[test]
fn the_node_budget_counts_every_branch_and_value() {
    // 100 × (1 + 100 values) nodes, each list within its width.
    let branch = LeadFilter {
        source: only(vec!["x".into(); MAX_VALUES]),
        ..Default::default()
    };
    let message = refusal(compile(
        &or_of(vec![branch; MAX_BRANCHES]),
        &Segments::new(),
    ));
    assert!(message.contains("1000"), "{message}");
}

#[test]
fn a_segment_is_measured_once_and_counted_at_every_reference() {
    // Three levels of 80 references: 512,000 leaves if each were expanded.
    let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let mut segments = Segments::new();
    segments.insert(a, LeadFilter::default());
    segments.insert(b, or_of(vec![LeadFilter::segment(a); 80]));
    segments.insert(c, or_of(vec![LeadFilter::segment(b); 80]));
    // Two levels are within the budget.
    let size = Measure::expanded(&segments)
        .lead_filter(&LeadFilter::segment(b))
        .expect("within the budget");
    // The reference, b's filter, and 80 references to a (each itself and a's one node).
    assert_eq!(size.nodes, 1 + 1 + 80 * 2);
    assert_eq!(size.height, 3);
    let started = std::time::Instant::now();
    let message = refusal(compile(&or_of(vec![LeadFilter::segment(c); 80]), &segments));
    assert!(message.contains("1000"), "{message}");
    assert!(started.elapsed() < std::time::Duration::from_millis(200));
}

#[test]
fn segments_nesting_past_the_depth_limit_are_refused_wherever_they_are_named() {
    let ids: Vec<Uuid> = (0..MAX_FILTER_DEPTH).map(|_| Uuid::now_v7()).collect();
    let mut segments = Segments::new();
    segments.insert(ids[0], LeadFilter::default());
    for pair in ids.windows(2) {
        segments.insert(pair[1], LeadFilter::segment(pair[0]));
    }
    let deepest = *ids.last().expect("ids");
    assert!(compile(&LeadFilter::segment(deepest), &segments).is_ok());
    // Named shallow first (measured and memoized), then one level too deep.
    let both = LeadFilter {
        all: Some(vec![
            LeadFilter::segment(deepest),
            LeadFilter {
                not: Some(Box::new(LeadFilter::segment(deepest))),
                ..Default::default()
            },
        ]),
        ..Default::default()
    };
    assert!(refusal(compile(&both, &segments)).contains("nest"));
    // A segment naming itself is refused, not followed forever.
    let own = Uuid::now_v7();
    segments.insert(own, LeadFilter::segment(own));
    assert!(refusal(compile(&LeadFilter::segment(own), &segments)).contains("nest"));
}

#[test]
fn a_segment_not_loaded_is_not_found() {
    let missing = Uuid::now_v7();
    assert!(matches!(
        compile(&LeadFilter::segment(missing), &Segments::new()),
        Err(AppError::NotFound {
            entity: "segment",
            ..
        })
    ));
}

#[test]
fn wide_lists_become_balanced_trees() {
    let branch = |i: usize| LeadFilter {
        lead_score: Some(IntRange {
            gte: Some(i64::try_from(i).unwrap_or_default()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let wide = or_of((0..MAX_BRANCHES).map(branch).collect());
    let text = sql(DbBackend::Sqlite, &wide);
    // A left-deep chain would nest about 100 levels; log2(100) is 7.
    assert!(paren_depth(&text) < 16, "{}", paren_depth(&text));
    for i in 0..MAX_BRANCHES {
        assert!(text.contains(&format!(">= {i}")), "branch {i} is kept");
    }
}

#[test]
fn a_filter_at_every_maximum_compiles_shallowly() {
    let strings = || Some(vec!["s".to_owned(); MAX_VALUES]);
    let widest = LeadFilter {
        tags: Some(TagMatch {
            any_of: strings(),
            all_of: strings(),
        }),
        source: Some(OneOf {
            any_of: strings(),
            none_of: strings(),
        }),
        owner: Some(IdMatch {
            eq: None,
            any_of: Some(vec![Uuid::nil(); MAX_VALUES]),
            is_null: None,
        }),
        search: Some("é".repeat(MAX_SEARCH_CHARS)),
        any: Some(vec![LeadFilter::default(); MAX_BRANCHES]),
        all: Some(vec![LeadFilter::default(); MAX_BRANCHES]),
        ..Default::default()
    };
    for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
        let text = sql(backend, &widest);
        assert!(paren_depth(&text) < 32, "{}", paren_depth(&text));
    }
    let longer = LeadFilter {
        search: Some("x".repeat(MAX_SEARCH_CHARS + 1)),
        ..Default::default()
    };
    assert!(refusal(compile(&longer, &Segments::new())).contains("search"));
}
