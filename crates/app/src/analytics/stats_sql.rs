//! The one statement of a stats query: group keys, aggregates, their order.
//!
//! ```sql
//! SELECT stats.*
//! FROM (SELECT <keys>, COUNT(*), SUM(…), … FROM leads [LEFT JOIN <tags>]
//!       WHERE <filter> GROUP BY 1, 2, …) AS stats
//! ORDER BY <keys> NULLS LAST LIMIT <first>
//! ```
//!
//! Keys sort ascending, nulls last: enum values in the schema's order, text
//! and periods bytewise ([`dialect::bytewise`]), ids by their bytes. A
//! period key is the first day of the row's day, week or month in the
//! organization's time zone ([`Offsets`], [`dialect::local_period_start`]).

use chrono::NaiveDate;
use sea_orm::sea_query::{
    Alias, CaseStatement, Expr, ExprTrait, NullOrdering, Order, Query, SelectStatement,
};
use sea_orm::{DbBackend, DbErr, QueryResult};
use switchboard_domain::analytics::Granularity;
use switchboard_entity::enums as entity;
use uuid::Uuid;

use super::offsets::Offsets;
use crate::dialect;

pub(crate) fn col(table: &str, column: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(column)))
}

/// How a group key sorts.
enum Sort {
    /// Stored enum values, in the schema's order.
    Values(Vec<&'static str>),
    /// Bytewise.
    Text,
    /// As stored (ids by their bytes on both backends).
    Plain,
}

/// A group key: its column alias (`dim_<name>`), its expression, its order.
pub(crate) struct Key {
    alias: String,
    pub(crate) expr: Expr,
    sort: Sort,
}

impl Key {
    pub(crate) fn values<E: Stored>(name: &str, expr: Expr, all: &[E]) -> Self {
        Self {
            alias: format!("dim_{name}"),
            expr,
            sort: Sort::Values(all.iter().map(|v| v.stored()).collect()),
        }
    }

    pub(crate) fn text(name: &str, expr: Expr) -> Self {
        Self {
            alias: format!("dim_{name}"),
            expr,
            sort: Sort::Text,
        }
    }

    pub(crate) fn id(name: &str, expr: Expr) -> Self {
        Self {
            alias: format!("dim_{name}"),
            expr,
            sort: Sort::Plain,
        }
    }

    /// The first day of the period of `created` in the organization's time
    /// zone (UTC without `offsets`), as `YYYY-MM-DD` text.
    pub(crate) fn period(
        backend: DbBackend,
        created: Expr,
        offsets: Option<&Offsets>,
        cut: Option<Granularity>,
    ) -> Self {
        let utc = Offsets::default();
        let offsets = offsets.unwrap_or(&utc);
        let shift = offsets.tree(&created, &|s| dialect::seconds_shift(backend, s));
        let cut = cut.unwrap_or(Granularity::Day);
        Self::text(
            "period",
            dialect::local_period_start(backend, created, shift, cut),
        )
    }
}

/// The stored string of an entity enum value.
pub(crate) trait Stored: Copy {
    fn stored(self) -> &'static str;
}

macro_rules! stored {
    ($($t:ty),+) => {
        $(impl Stored for $t {
            fn stored(self) -> &'static str {
                self.as_str()
            }
        })+
    };
}

stored!(
    entity::LeadStatus,
    entity::CallStatus,
    entity::CallOutcome,
    entity::CrmStage,
    entity::TrafficSource,
    entity::CallType
);

/// The statement of a stats query.
pub(crate) struct Statement {
    pub(crate) backend: DbBackend,
    /// `FROM` (and joins) and `WHERE`.
    pub(crate) from: SelectStatement,
    pub(crate) keys: Vec<Key>,
    pub(crate) aggregates: Vec<(&'static str, Expr)>,
    pub(crate) limit: u64,
}

impl Statement {
    pub(crate) fn build(self) -> SelectStatement {
        let stats = || Alias::new("stats");
        let mut inner = self.from;
        for key in &self.keys {
            inner.expr_as(key.expr.clone(), Alias::new(&key.alias));
        }
        for (alias, aggregate) in &self.aggregates {
            inner.expr_as(aggregate.clone(), Alias::new(*alias));
        }
        // By position: PostgreSQL cannot match an expression with bound
        // parameters in GROUP BY to the same one in the select list.
        inner.add_group_by((1..=self.keys.len()).map(|i| Expr::cust(i.to_string())));
        let mut outer = Query::select();
        outer.from_subquery(inner, stats());
        let names = self
            .keys
            .iter()
            .map(|k| k.alias.as_str())
            .chain(self.aggregates.iter().map(|(a, _)| *a));
        for name in names {
            outer.expr_as(Expr::col((stats(), Alias::new(name))), Alias::new(name));
        }
        for key in &self.keys {
            let column = Expr::col((stats(), Alias::new(&key.alias)));
            let order = match &key.sort {
                Sort::Values(values) => values
                    .iter()
                    .enumerate()
                    .fold(CaseStatement::new(), |case, (position, stored)| {
                        case.case(
                            column.clone().eq(*stored),
                            i32::try_from(position).unwrap_or(i32::MAX),
                        )
                    })
                    .into(),
                Sort::Text => dialect::bytewise(self.backend, column),
                Sort::Plain => column,
            };
            outer.order_by_expr_with_nulls(order, Order::Asc, NullOrdering::Last);
        }
        outer.limit(self.limit);
        outer
    }
}

/// The enum value of key `name` in `row`.
pub(crate) fn value<E: Stored>(
    row: &QueryResult,
    name: &str,
    all: &[E],
) -> Result<Option<E>, DbErr> {
    let stored: Option<String> = row.try_get("", &format!("dim_{name}"))?;
    stored
        .map(|s| {
            all.iter()
                .copied()
                .find(|v| v.stored() == s)
                .ok_or_else(|| DbErr::Type(format!("`{s}` is not a known {name}")))
        })
        .transpose()
}

/// The id of key `name` in `row`.
pub(crate) fn id(row: &QueryResult, name: &str) -> Result<Option<Uuid>, DbErr> {
    row.try_get("", &format!("dim_{name}"))
}

/// The period key of `row`.
pub(crate) fn period(row: &QueryResult) -> Result<Option<NaiveDate>, DbErr> {
    let text: Option<String> = row.try_get("", "dim_period")?;
    text.map(|t| {
        NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map_err(|_| DbErr::Type(format!("`{t}` is not a date")))
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use chrono_tz::Tz;
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    fn at(text: &str) -> i64 {
        text.parse::<DateTime<chrono::Utc>>()
            .expect("a timestamp")
            .timestamp()
    }

    #[test]
    fn the_offset_tree_compares_against_bound_instants() {
        let tz: Tz = "America/New_York".parse().expect("a zone");
        let offsets = Offsets::of(tz, (at("2026-03-01T00:00:00Z"), at("2026-12-01T00:00:00Z")));
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let key = Key::period(
                backend,
                col("calls", "created_at"),
                Some(&offsets),
                Some(Granularity::Week),
            );
            let select = Query::select().expr(key.expr).to_owned();
            let text = match backend {
                DbBackend::Postgres => select.to_string(PostgresQueryBuilder),
                _ => select.to_string(SqliteQueryBuilder),
            };
            assert!(text.contains("2026-03-08 07:00:00"), "{backend:?}: {text}");
            assert!(text.contains("2026-11-01 06:00:00"), "{backend:?}: {text}");
            assert!(text.contains("-14400 seconds"), "{backend:?}: {text}");
            assert!(!text.contains("New_York"), "{backend:?}: {text}");
        }
    }
}
