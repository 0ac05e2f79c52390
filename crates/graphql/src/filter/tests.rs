//! The compiler's SQL, bounds and tree shapes, without a database.

use super::*;
use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use switchboard_app::AppError;

fn sql(backend: DbBackend, filter: &LeadFilter) -> String {
    let segments = Default::default();
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

#[test]
fn the_stored_json_is_the_graphql_input_shape() {
    let json = serde_json::json!({ "status": { "in": ["HOT", "QUALIFIED"] }, "leadScore": { "gte": 70 }, "tags": { "containsAny": ["insurance"] } });
    let filter: LeadFilter = serde_json::from_value(json.clone()).expect("parses");
    assert_eq!(
        filter.status.as_ref().and_then(|s| s.in_.clone()),
        Some(vec![LeadStatus::Hot, LeadStatus::Qualified])
    );
    assert_eq!(serde_json::to_value(&filter).expect("serializes"), json);
    assert!(
        serde_json::from_value::<LeadFilter>(serde_json::json!({ "stauts": {} })).is_err(),
        "unknown keys are refused"
    );
}

#[test]
fn relation_filters_become_exists_subqueries() {
    let filter = LeadFilter {
        calls: Some(CallRelationFilter {
            some: Some(Box::new(CallFilter {
                status: Some(CallStatusFilter {
                    in_: Some(vec![CallStatus::Completed]),
                    not_in: None,
                }),
                ..Default::default()
            })),
            none: Some(Box::new(CallFilter {
                crm_stage: Some(CrmStageFilter {
                    in_: Some(vec![CrmStage::ClosedWon]),
                    not_in: None,
                }),
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
        tags: Some(TagFilter {
            contains_any: None,
            contains_all: Some(vec!["a".into(), "b".into()]),
        }),
        ..Default::default()
    };
    let pg = sql(DbBackend::Postgres, &filter);
    assert!(pg.contains(r#""leads"."tags" @> '["a","b"]'"#), "{pg}");
    assert!(sql(DbBackend::Sqlite, &filter).contains("json_each"));
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
    let segments = Default::default();
    let compiler = Compiler {
        backend: DbBackend::Sqlite,
        organization_id: Uuid::nil(),
        segments: &segments,
    };
    assert!(matches!(
        compiler.lead(&filter),
        Err(ApiError(AppError::BadUserInput(_)))
    ));
}

fn compile(
    filter: &LeadFilter,
    segments: &std::collections::HashMap<Uuid, LeadFilter>,
) -> ApiResult<SimpleExpr> {
    Compiler {
        backend: DbBackend::Sqlite,
        organization_id: Uuid::nil(),
        segments,
    }
    .lead(filter)
}

fn refusal(result: ApiResult<SimpleExpr>) -> String {
    match result {
        Err(ApiError(AppError::BadUserInput(error))) => {
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
        or: Some(items),
        ..Default::default()
    }
}

fn segment_ref(id: Uuid) -> LeadFilter {
    LeadFilter {
        segment: Some(ID(id.to_string())),
        ..Default::default()
    }
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
fn lists_wider_than_their_limit_are_refused() {
    let segments = Default::default();
    let wide_or = or_of(vec![LeadFilter::default(); 8_000]);
    assert!(refusal(compile(&wide_or, &segments)).contains("`or` lists at most 100"));
    let wide_in = LeadFilter {
        source: Some(StringFilter {
            in_: Some(vec!["x".into(); MAX_VALUES + 1]),
            not_in: None,
        }),
        ..Default::default()
    };
    assert!(refusal(compile(&wide_in, &segments)).contains("`in` lists at most 100"));
    let wide_tags = LeadFilter {
        tags: Some(TagFilter {
            contains_any: None,
            contains_all: Some(vec!["t".into(); 2_000]),
        }),
        ..Default::default()
    };
    assert!(refusal(compile(&wide_tags, &segments)).contains("containsAll"));
    let wide_calls = CallFilter {
        and: Some(vec![CallFilter::default(); MAX_BRANCHES + 1]),
        ..Default::default()
    };
    assert!(matches!(
        Compiler {
            backend: DbBackend::Sqlite,
            organization_id: Uuid::nil(),
            segments: &segments,
        }
        .call(&wide_calls),
        Err(ApiError(AppError::BadUserInput(_)))
    ));
}

#[test]
fn the_node_budget_counts_every_branch_and_value() {
    let segments = Default::default();
    // 100 × (1 + 100 values) nodes, each list within its width.
    let branch = LeadFilter {
        source: Some(StringFilter {
            in_: Some(vec!["x".into(); MAX_VALUES]),
            not_in: None,
        }),
        ..Default::default()
    };
    let message = refusal(compile(&or_of(vec![branch; MAX_BRANCHES]), &segments));
    assert!(message.contains("1000"), "{message}");
}

#[test]
fn a_segment_is_measured_once_and_counted_at_every_reference() {
    // Three levels of 80 references: 512,000 leaves if each were expanded.
    let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let mut segments = std::collections::HashMap::new();
    segments.insert(a, LeadFilter::default());
    segments.insert(b, or_of(vec![segment_ref(a); 80]));
    segments.insert(c, or_of(vec![segment_ref(b); 80]));
    // Two levels are within the budget.
    let size = Measure::expanded(&segments)
        .lead_filter(&segment_ref(b))
        .expect("within the budget");
    // The reference, b's filter, and 80 references to a (each itself and a's one node).
    assert_eq!(size.nodes, 1 + 1 + 80 * 2);
    assert_eq!(size.height, 3);
    let started = std::time::Instant::now();
    let message = refusal(compile(&or_of(vec![segment_ref(c); 80]), &segments));
    assert!(message.contains("1000"), "{message}");
    assert!(started.elapsed() < std::time::Duration::from_millis(200));
}

#[test]
fn segments_nesting_past_the_depth_limit_are_refused_wherever_they_are_named() {
    let ids: Vec<Uuid> = (0..MAX_FILTER_DEPTH).map(|_| Uuid::now_v7()).collect();
    let mut segments = std::collections::HashMap::new();
    segments.insert(ids[0], LeadFilter::default());
    for pair in ids.windows(2) {
        segments.insert(pair[1], segment_ref(pair[0]));
    }
    let deepest = *ids.last().expect("ids");
    assert!(compile(&segment_ref(deepest), &segments).is_ok());
    // Named shallow first (measured and memoized), then one level too deep.
    let both = LeadFilter {
        and: Some(vec![
            segment_ref(deepest),
            LeadFilter {
                not: Some(Box::new(segment_ref(deepest))),
                ..Default::default()
            },
        ]),
        ..Default::default()
    };
    assert!(refusal(compile(&both, &segments)).contains("nest"));
    // A segment naming itself is refused, not followed forever.
    let own = Uuid::now_v7();
    segments.insert(own, segment_ref(own));
    assert!(refusal(compile(&segment_ref(own), &segments)).contains("nest"));
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
    let ids = || Some(vec![ID(Uuid::nil().to_string()); MAX_VALUES]);
    let strings = || Some(vec!["s".to_owned(); MAX_VALUES]);
    let widest = LeadFilter {
        tags: Some(TagFilter {
            contains_any: strings(),
            contains_all: strings(),
        }),
        source: Some(StringFilter {
            in_: strings(),
            not_in: strings(),
        }),
        owner: Some(IdFilter {
            eq: None,
            in_: ids(),
            is_null: None,
        }),
        search: Some("é".repeat(MAX_SEARCH_CHARS)),
        or: Some(vec![LeadFilter::default(); MAX_BRANCHES]),
        and: Some(vec![LeadFilter::default(); MAX_BRANCHES]),
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
    assert!(refusal(compile(&longer, &Default::default())).contains("search"));
}
