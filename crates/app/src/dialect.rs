//! Where SQLite and PostgreSQL differ, each difference behind one named
//! function, so a query reads the same on both backends and the
//! backend-specific SQL lives here alone.
//!
//! The two backends store the same types (timestamps as text on SQLite,
//! `TIMESTAMPTZ` on PostgreSQL; JSON arrays as text on SQLite, `JSONB` on
//! PostgreSQL) and answer the same statements, except where the functions
//! below say otherwise. SQLite has no time-zone database, no `LATERAL`, no
//! collations by name and no materialized views; PostgreSQL numbers its
//! parameters and sums `BIGINT`s into `NUMERIC`. Where the SQL is the same on
//! both (the `excluded` row of an upsert), the function still lives here, so
//! that a third backend has one file to read.
//!
//! Only integers and names the code itself computed reach the SQL text;
//! every value a client sent is a bound parameter.

use chrono_tz::Tz;
use sea_orm::DbBackend;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, IntoIden, JoinType, Query, SelectStatement, TableRef,
};
use switchboard_domain::analytics::Granularity;

/// Raw SQL with a `?` where each of `exprs` goes, in order (`$n` on
/// PostgreSQL, whose builder does not treat `?` as a placeholder: it is a
/// `jsonb` operator there).
pub fn custom(backend: DbBackend, sql: &str, exprs: Vec<Expr>) -> Expr {
    let sql = if backend == DbBackend::Postgres {
        let mut numbered = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for ch in sql.chars() {
            if ch == '?' {
                n += 1;
                numbered.push_str(&format!("${n}"));
            } else {
                numbered.push(ch);
            }
        }
        numbered
    } else {
        sql.to_owned()
    };
    Expr::cust_with_exprs(sql, exprs)
}

/// Raw SQL written with PostgreSQL's numbered placeholders (`$1`, `$2`…,
/// each usable more than once) for `backend`: SQLite spells them `?1`.
/// The SQL must hold no other `$` (only statements the code wrote do).
pub fn numbered(backend: DbBackend, sql: &str) -> String {
    match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    }
}

/// `CAST(COALESCE(SUM(e), 0) AS BIGINT)`: a sum both backends return as an
/// `i64` (PostgreSQL sums `BIGINT` into `NUMERIC`), 0 over no rows. The
/// same SQL on both.
pub fn sum_bigint(e: impl Into<Expr>) -> Expr {
    Func::cast_as(
        Func::coalesce([Expr::from(Func::sum(e)), Expr::val(0_i64)]),
        "BIGINT",
    )
    .into()
}

/// A shift of `seconds` (east of UTC) to add to a timestamp with
/// [`local_period_start`]: an `INTERVAL` on PostgreSQL, a `date()`
/// modifier on SQLite.
pub fn seconds_shift(backend: DbBackend, seconds: i32) -> Expr {
    if backend == DbBackend::Postgres {
        Expr::cust(format!("INTERVAL '{seconds} seconds'"))
    } else {
        Expr::cust(format!("'{seconds} seconds'"))
    }
}

/// The first day of the day, ISO week (from Monday) or month of `instant`
/// moved by `shift` (a [`seconds_shift`], or a `CASE` over several), as
/// `YYYY-MM-DD` text: `to_char` and `date_trunc` over `(instant + shift) AT
/// TIME ZONE 'UTC'` on PostgreSQL, `date(instant, shift, …)` on SQLite.
pub fn local_period_start(
    backend: DbBackend,
    instant: Expr,
    shift: Expr,
    granularity: Granularity,
) -> Expr {
    if backend == DbBackend::Postgres {
        let local = "((? + ?) AT TIME ZONE 'UTC')";
        let sql = match granularity {
            Granularity::Day => format!("to_char({local}, 'YYYY-MM-DD')"),
            Granularity::Week => format!("to_char(date_trunc('week', {local}), 'YYYY-MM-DD')"),
            Granularity::Month => format!("to_char(date_trunc('month', {local}), 'YYYY-MM-DD')"),
        };
        custom(backend, &sql, vec![instant, shift])
    } else {
        let sql = match granularity {
            Granularity::Day => "date(?, ?)",
            // The Sunday ending the week, then back to its Monday.
            Granularity::Week => "date(?, ?, 'weekday 0', '-6 days')",
            Granularity::Month => "strftime('%Y-%m-01', ?, ?)",
        };
        custom(backend, sql, vec![instant, shift])
    }
}

/// The local date of `instant` in `tz`, computed by the database, as a
/// `DATE`: `CAST((instant AT TIME ZONE tz) AS DATE)` on PostgreSQL. `None`
/// on SQLite, which has no time-zone database: the caller reads the
/// instants and finds their days with chrono-tz.
pub fn date_in_zone(backend: DbBackend, instant: Expr, tz: Tz) -> Option<Expr> {
    (backend == DbBackend::Postgres).then(|| {
        custom(
            backend,
            "CAST((? AT TIME ZONE ?) AS DATE)",
            vec![instant, Expr::val(tz.name())],
        )
    })
}

/// Whether the text `column` contains the words of `query`: English
/// full-text search on PostgreSQL (`websearch_to_tsquery` syntax: quoted
/// phrases, `or`, `-excluded`); on SQLite, which has no stemmer, every
/// whitespace-separated word as a case-insensitive substring (`LIKE`, its
/// wildcards taken out of the words).
pub fn matches_words(backend: DbBackend, column: Expr, query: &str) -> Expr {
    if backend == DbBackend::Postgres {
        custom(
            backend,
            "to_tsvector('english', ?) @@ websearch_to_tsquery('english', ?)",
            vec![column, Expr::val(query)],
        )
    } else {
        query
            .split_whitespace()
            .map(|word| {
                column
                    .clone()
                    .like(format!("%{}%", word.replace(['%', '_'], "")))
            })
            .reduce(|a, b| a.and(b))
            .unwrap_or_else(|| Expr::val(true))
    }
}

/// A typed null id, for a column a `UNION` or a model expects to be a
/// UUID: `CAST(NULL AS UUID)` on PostgreSQL, `NULL` on SQLite.
pub fn null_uuid(backend: DbBackend) -> Expr {
    if backend == DbBackend::Postgres {
        Expr::cust("CAST(NULL AS UUID)")
    } else {
        Expr::cust("NULL")
    }
}

/// `e`, ordered bytewise: `COLLATE "C"` on PostgreSQL (whose default
/// collation follows the locale); SQLite's default `BINARY` already is.
pub fn bytewise(backend: DbBackend, e: Expr) -> Expr {
    if backend == DbBackend::Postgres {
        custom(backend, r#"(? COLLATE "C")"#, vec![e])
    } else {
        e
    }
}

/// Joins each distinct element of the JSON array of text `array` (one row
/// with a null element when it is empty) to `from`, aliased `alias`, and
/// returns the element's expression: a `LEFT JOIN LATERAL (SELECT DISTINCT
/// … FROM jsonb_array_elements_text(…))` on PostgreSQL; on SQLite, which
/// has no `LATERAL`, a `LEFT JOIN json_each(…)` that keeps a repeated
/// element at its first position only.
pub fn join_distinct_json_texts(
    backend: DbBackend,
    from: &mut SelectStatement,
    array: Expr,
    alias: &str,
) -> Expr {
    let col = |table: &str, column: &str| Expr::col((Alias::new(table), Alias::new(column)));
    if backend == DbBackend::Postgres {
        let mut distinct = Query::select();
        distinct
            .distinct()
            .expr_as(
                Expr::col(Alias::new("element_value")),
                Alias::new("element"),
            )
            .from_function(
                Func::cust(Alias::new("jsonb_array_elements_text")).arg(array),
                Alias::new("element_value"),
            );
        from.join_lateral(
            JoinType::LeftJoin,
            distinct,
            Alias::new(alias),
            Expr::cust("TRUE"),
        );
        col(alias, "element")
    } else {
        let earlier_alias = format!("earlier_{alias}");
        let mut earlier = Query::select();
        earlier
            .expr(Expr::cust("1"))
            .from_function(
                Func::cust(Alias::new("json_each")).arg(array.clone()),
                Alias::new(&earlier_alias),
            )
            .and_where(
                col(&earlier_alias, "value").equals((Alias::new(alias), Alias::new("value"))),
            )
            .and_where(col(&earlier_alias, "key").lt(col(alias, "key")));
        from.join_as(
            JoinType::LeftJoin,
            TableRef::FunctionCall(
                Func::cust(Alias::new("json_each")).arg(array),
                Alias::new(alias).into_iden(),
            ),
            Alias::new(alias),
            Expr::exists(earlier).not(),
        );
        custom(backend, "CAST(? AS TEXT)", vec![col(alias, "value")])
    }
}

/// In an `… ON CONFLICT DO UPDATE`, the stored `table.column` plus the
/// proposed row's: `table.column + excluded.column` (both backends name the
/// proposed row `excluded`), so concurrent upserts add up.
pub fn accumulate(table: &str, column: &str) -> Expr {
    Expr::cust(format!("{table}.{column} + excluded.{column}"))
}

/// In an `… ON CONFLICT DO UPDATE`, the proposed row's `column`.
pub fn proposed(column: &str) -> Expr {
    Expr::cust(format!("excluded.{column}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    fn sql(backend: DbBackend, e: Expr) -> String {
        let select = Query::select().expr(e).to_owned();
        match backend {
            DbBackend::Postgres => select.to_string(PostgresQueryBuilder),
            _ => select.to_string(SqliteQueryBuilder),
        }
    }

    #[test]
    fn custom_sql_numbers_its_placeholders_on_postgres_only() {
        let e = || {
            custom(
                DbBackend::Postgres,
                "f(?, ?)",
                vec![Expr::val(1), Expr::val(2)],
            )
        };
        assert_eq!(sql(DbBackend::Postgres, e()), "SELECT f(1, 2)");
        let e = custom(
            DbBackend::Sqlite,
            "f(?, ?)",
            vec![Expr::val(1), Expr::val(2)],
        );
        assert_eq!(sql(DbBackend::Sqlite, e), "SELECT f(1, 2)");
    }

    #[test]
    fn a_local_week_is_computed_without_a_zone_name_on_both_backends() {
        let created = || Expr::col((Alias::new("calls"), Alias::new("created_at")));
        let pg = local_period_start(
            DbBackend::Postgres,
            created(),
            seconds_shift(DbBackend::Postgres, -14_400),
            Granularity::Week,
        );
        assert_eq!(
            sql(DbBackend::Postgres, pg),
            r#"SELECT to_char(date_trunc('week', (("calls"."created_at" + INTERVAL '-14400 seconds') AT TIME ZONE 'UTC')), 'YYYY-MM-DD')"#
        );
        let lite = local_period_start(
            DbBackend::Sqlite,
            created(),
            seconds_shift(DbBackend::Sqlite, -14_400),
            Granularity::Week,
        );
        assert_eq!(
            sql(DbBackend::Sqlite, lite),
            r#"SELECT date("calls"."created_at", '-14400 seconds', 'weekday 0', '-6 days')"#
        );
    }

    #[test]
    fn only_postgres_finds_local_dates_in_sql() {
        let tz: Tz = "America/Los_Angeles".parse().expect("a zone");
        let at = || Expr::col(Alias::new("created_at"));
        assert!(date_in_zone(DbBackend::Sqlite, at(), tz).is_none());
        let pg = date_in_zone(DbBackend::Postgres, at(), tz).expect("an expression");
        assert_eq!(
            sql(DbBackend::Postgres, pg),
            r#"SELECT CAST(("created_at" AT TIME ZONE 'America/Los_Angeles') AS DATE)"#
        );
    }
}

/// JSON built by the database ([`crate::query::tree`]): the functions and
/// placeholders of each backend, as SQL text. Only names and literals the
/// renderer has checked reach these.
pub mod json {
    use sea_orm::DbBackend;

    /// Placeholder `n` (1-based), usable more than once.
    pub fn placeholder(backend: DbBackend, n: usize) -> String {
        match backend {
            DbBackend::Postgres => format!("${n}"),
            _ => format!("?{n}"),
        }
    }

    /// An object of `'key', value` pairs, already joined.
    pub fn object(backend: DbBackend, pairs: &str) -> String {
        match backend {
            DbBackend::Postgres => format!("json_build_object({pairs})"),
            _ => format!("json_object({pairs})"),
        }
    }

    /// The array of `value` over the rows, in `order`; `[]` over none.
    pub fn array_agg(backend: DbBackend, value: &str, order: &str) -> String {
        match backend {
            DbBackend::Postgres => {
                format!("COALESCE(json_agg({value} ORDER BY {order}), '[]'::json)")
            }
            _ => format!("json_group_array(json({value}) ORDER BY {order})"),
        }
    }

    /// JSON as text, as the statement returns it.
    pub fn text(backend: DbBackend, json: &str) -> String {
        match backend {
            DbBackend::Postgres => format!("{json}::text"),
            _ => json.to_owned(),
        }
    }

    /// A subquery's JSON as a value of an enclosing object (SQLite passes
    /// JSON out of a subquery as text, which `json()` makes JSON again).
    pub fn nested(backend: DbBackend, subquery: &str) -> String {
        match backend {
            DbBackend::Postgres => subquery.to_owned(),
            _ => format!("json({subquery})"),
        }
    }

    /// A string literal (`text` is a checked name).
    pub fn string(backend: DbBackend, text: &str) -> String {
        match backend {
            DbBackend::Postgres => format!("'{text}'::text"),
            _ => format!("'{text}'"),
        }
    }

    /// A boolean column as `true`/`false` (SQLite stores 0 and 1).
    pub fn boolean(backend: DbBackend, column: &str) -> String {
        match backend {
            DbBackend::Postgres => column.to_owned(),
            _ => format!(
                "json(CASE WHEN {column} IS NULL THEN NULL WHEN {column} THEN 'true' ELSE 'false' END)"
            ),
        }
    }

    /// A UUID column as its hyphenated lowercase text (SQLite stores the 16
    /// bytes).
    pub fn uuid(backend: DbBackend, column: &str) -> String {
        match backend {
            DbBackend::Postgres => column.to_owned(),
            _ => {
                let hex = format!("lower(hex({column}))");
                format!(
                    "CASE WHEN typeof({column}) = 'blob' THEN substr({hex}, 1, 8) || '-' || \
                     substr({hex}, 9, 4) || '-' || substr({hex}, 13, 4) || '-' || \
                     substr({hex}, 17, 4) || '-' || substr({hex}, 21) ELSE {column} END"
                )
            }
        }
    }

    /// A timestamp column as chrono's RFC 3339 (`AutoSi`: the fraction only
    /// when there is one, in milliseconds when that is exact), on
    /// PostgreSQL; none on SQLite, whose text is written by more than one
    /// hand (chrono, and SQL defaults with fixed milliseconds).
    pub fn rfc3339(backend: DbBackend, column: &str) -> Option<String> {
        match backend {
            DbBackend::Postgres => {
                let utc = format!("({column} AT TIME ZONE 'UTC')");
                Some(format!(
                    "to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE \
                     WHEN extract(microseconds FROM {column})::bigint % 1000000 = 0 THEN '' \
                     WHEN extract(microseconds FROM {column})::bigint % 1000 = 0 THEN to_char({utc}, '.MS') \
                     ELSE to_char({utc}, '.US') END || '+00:00'"
                ))
            }
            _ => None,
        }
    }

    /// The rows of `table` (as `alias`, with `columns`) whose ids are in
    /// placeholder 1, numbered `p.ord` in its order, of the organization in
    /// placeholder 2; and the ids as that placeholder takes them. On
    /// PostgreSQL each row is looked up by id (`LATERAL … LIMIT 1`: the
    /// planner cannot know how many ids there are, would otherwise hash
    /// the whole table, and flattens a lookup without `LIMIT` into that
    /// join). The ids are cast as a whole, before the lookup: a cast inside
    /// it is not leakproof, so under row-level security the index could not
    /// serve it.
    pub fn rows_by_ids(backend: DbBackend, table: &str, alias: &str, columns: &str) -> String {
        match backend {
            DbBackend::Postgres => format!(
                "unnest($1::text::uuid[]) WITH ORDINALITY AS p(id, ord) \
                 CROSS JOIN LATERAL (SELECT {columns} FROM {table} \
                 WHERE id = p.id AND organization_id = $2 LIMIT 1) {alias}"
            ),
            _ => format!(
                "(SELECT key AS ord, value AS id FROM json_each(?1)) AS p \
                 JOIN {table} {alias} ON {alias}.id = unhex(replace(p.id, '-', '')) \
                 AND {alias}.organization_id = ?2"
            ),
        }
    }

    /// `ids` as placeholder 1 of [`rows_by_ids`] takes them: a PostgreSQL
    /// array literal, a JSON array on SQLite.
    pub fn ids(backend: DbBackend, ids: &[uuid::Uuid]) -> String {
        let ids = ids.iter().map(uuid::Uuid::to_string).collect::<Vec<_>>();
        match backend {
            DbBackend::Postgres => format!("{{{}}}", ids.join(",")),
            _ => serde_json::Value::from(ids).to_string(),
        }
    }
}
