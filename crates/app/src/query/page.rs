//! Keyset pages: which rows a page holds and the cursors that name them.
//!
//! A cursor is the sort key of a row and its id (`base64("v1|<key>|<uuid>")`),
//! so a page is an indexed range scan however deep a client pages, and rows
//! inserted meanwhile never shift a page. Paging forward reads after a
//! cursor, paging backward reads before one in the reverse order and turns
//! the rows around; at most [`MAX_PAGE_SIZE`] rows a page. The transports
//! wrap [`PageInfo`] in their own shape (Relay's `PageInfo` in GraphQL).

use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, SimpleExpr};
use sea_orm::{ColumnTrait, ColumnType};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Most rows a page holds.
pub const MAX_PAGE_SIZE: i32 = 100;
/// Rows a page holds when no size is asked for.
pub const DEFAULT_PAGE_SIZE: i32 = 20;

/// The value a page is sorted by, as stored in a cursor.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    Time(DateTime<Utc>),
    Int(i64),
    /// A calendar day (a follow-up's date).
    Date(NaiveDate),
    /// No value, in a list whose sort column is nullable: nulls count as
    /// the lowest value (first ascending, last descending).
    Null,
}

impl SortKey {
    fn encode(&self) -> String {
        match self {
            Self::Time(t) => format!("t{}", t.timestamp_nanos_opt().unwrap_or(i64::MAX)),
            Self::Int(n) => format!("i{n}"),
            Self::Date(d) => format!("d{}", d.format("%Y-%m-%d")),
            Self::Null => "n".to_owned(),
        }
    }

    fn decode(text: &str) -> Option<Self> {
        let (kind, value) = text.split_at_checked(1)?;
        match kind {
            "t" => Some(Self::Time(DateTime::from_timestamp_nanos(
                value.parse().ok()?,
            ))),
            "i" => value.parse().ok().map(Self::Int),
            "d" => NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .ok()
                .map(Self::Date),
            "n" if value.is_empty() => Some(Self::Null),
            _ => None,
        }
    }

    /// The key as a value; `None` for [`Self::Null`].
    fn into_value(self) -> Option<sea_orm::Value> {
        match self {
            Self::Time(t) => Some(t.into()),
            Self::Int(n) => Some(n.into()),
            Self::Date(d) => Some(d.into()),
            Self::Null => None,
        }
    }
}

/// A cursor: the row's sort key and id.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub key: SortKey,
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
            "v1|{}|{}",
            self.key.encode(),
            self.id
        ))
    }

    /// Reads a cursor given as `field`; anything this module did not encode
    /// is refused.
    pub fn decode(field: &str, text: &str) -> AppResult<Self> {
        let bad = || AppError::bad_input(field, "not a cursor from this API");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let mut parts = text.splitn(3, '|');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("v1"), Some(key), Some(id)) => Ok(Self {
                key: SortKey::decode(key).ok_or_else(bad)?,
                id: Uuid::parse_str(id).map_err(|_| bad())?,
            }),
            _ => Err(bad()),
        }
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    Asc,
    #[default]
    Desc,
}

/// Where a page stands among all the rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

/// The paging arguments of a list, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Rows wanted.
    pub size: u64,
    /// Paging backward (`last`/`before`).
    pub backward: bool,
    pub after: Option<Cursor>,
    pub before: Option<Cursor>,
}

impl Page {
    /// Reads Relay's four paging arguments: `first`/`after` page forward,
    /// `last`/`before` backward; refusals are keyed by the argument.
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> AppResult<Self> {
        let check = |field: &str, n: i32| {
            if (0..=MAX_PAGE_SIZE).contains(&n) {
                Ok(n as u64)
            } else {
                Err(AppError::bad_input(
                    field,
                    format!("must be between 0 and {MAX_PAGE_SIZE}"),
                ))
            }
        };
        let (size, backward) = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(AppError::bad_input(
                    "last",
                    "use `first` or `last`, not both",
                ));
            }
            (Some(n), None) => (check("first", n)?, false),
            (None, Some(n)) => (check("last", n)?, true),
            (None, None) => (
                DEFAULT_PAGE_SIZE as u64,
                before.is_some() && after.is_none(),
            ),
        };
        Ok(Self {
            size,
            backward,
            after: after.map(|c| Cursor::decode("after", &c)).transpose()?,
            before: before.map(|c| Cursor::decode("before", &c)).transpose()?,
        })
    }

    /// Refuses a cursor whose key is not of the sort column's kind (one
    /// taken from another order of the list: a score where a time is
    /// sorted on), keyed by its argument, before it can reach a statement;
    /// a null key only fits a `nullable` column.
    pub fn require_keys_of(&self, sort: &impl ColumnTrait, nullable: bool) -> AppResult<()> {
        let kind = sort.def().get_column_type().clone();
        let fits = |key: &SortKey| match key {
            SortKey::Null => nullable,
            SortKey::Time(_) => matches!(
                kind,
                ColumnType::TimestampWithTimeZone | ColumnType::Timestamp | ColumnType::DateTime
            ),
            SortKey::Int(_) => matches!(
                kind,
                ColumnType::Integer
                    | ColumnType::BigInteger
                    | ColumnType::SmallInteger
                    | ColumnType::TinyInteger
            ),
            SortKey::Date(_) => matches!(kind, ColumnType::Date),
        };
        for (field, cursor) in [("after", &self.after), ("before", &self.before)] {
            if let Some(cursor) = cursor
                && !fits(&cursor.key)
            {
                return Err(AppError::bad_input(
                    field,
                    "a cursor from another order of this list: page again from the start",
                ));
            }
        }
        Ok(())
    }

    /// The condition that keeps rows strictly after `after` and before `before`
    /// in the order `(sort, id) direction`.
    pub fn range<C: IntoColumnRef + Copy>(
        &self,
        sort: C,
        id: C,
        direction: impl Into<Direction>,
    ) -> Option<SimpleExpr> {
        self.range_over(sort, id, direction, false)
    }

    /// [`Self::range`] over a sort column that may be null, nulls counting
    /// as the lowest value when `nullable`.
    pub fn range_over<C: IntoColumnRef + Copy>(
        &self,
        sort: C,
        id: C,
        direction: impl Into<Direction>,
        nullable: bool,
    ) -> Option<SimpleExpr> {
        let direction = direction.into();
        let mut conditions = Vec::new();
        if let Some(after) = &self.after {
            conditions.push(beyond(
                sort,
                id,
                after,
                direction == Direction::Asc,
                nullable,
            ));
        }
        if let Some(before) = &self.before {
            conditions.push(beyond(
                sort,
                id,
                before,
                direction != Direction::Asc,
                nullable,
            ));
        }
        conditions.into_iter().reduce(|a, b| a.and(b))
    }

    /// The direction rows are read in: reversed when paging backward. It
    /// comes back in the caller's own direction type.
    pub fn read_direction<D: Into<Direction> + From<Direction>>(&self, direction: D) -> D {
        D::from(match (self.backward, direction.into()) {
            (false, d) => d,
            (true, Direction::Asc) => Direction::Desc,
            (true, Direction::Desc) => Direction::Asc,
        })
    }

    /// Turns `size + 1` rows read in [`Self::read_direction`] order into a
    /// page: its rows with their cursors, in the asked order, and where it stands.
    pub fn finish<T>(
        &self,
        mut rows: Vec<T>,
        cursor: impl Fn(&T) -> Cursor,
    ) -> (Vec<(String, T)>, PageInfo) {
        let more = rows.len() as u64 > self.size;
        rows.truncate(self.size as usize);
        if self.backward {
            rows.reverse();
        }
        let edges: Vec<(String, T)> = rows
            .into_iter()
            .map(|row| (cursor(&row).encode(), row))
            .collect();
        let info = PageInfo {
            has_next_page: if self.backward {
                self.before.is_some()
            } else {
                more
            },
            has_previous_page: if self.backward {
                more
            } else {
                self.after.is_some()
            },
            start_cursor: edges.first().map(|(c, _)| c.clone()),
            end_cursor: edges.last().map(|(c, _)| c.clone()),
        };
        (edges, info)
    }
}

/// `(sort, id) > cursor` when `greater`, else `<`, spelled out so both
/// backends use the index on `(…, sort, id)`. In a `nullable` list a null
/// sort key is below every value; a null cursor key in a list that is not
/// nullable (a forged cursor) matches nothing.
fn beyond<C: IntoColumnRef + Copy>(
    sort: C,
    id: C,
    cursor: &Cursor,
    greater: bool,
    nullable: bool,
) -> SimpleExpr {
    let (sort, id) = (Expr::col(sort), Expr::col(id));
    let Some(key) = cursor.key.clone().into_value() else {
        // Past a null key: the other nulls past its id, then (going up) every value.
        let nulls = sort.clone().is_null();
        return match (nullable, greater) {
            (false, _) => Expr::val(false),
            (true, true) => sort.is_not_null().or(nulls.and(id.gt(cursor.id))),
            (true, false) => nulls.and(id.lt(cursor.id)),
        };
    };
    if greater {
        sort.clone()
            .gt(key.clone())
            .or(sort.eq(key).and(id.gt(cursor.id)))
    } else {
        let below = sort
            .clone()
            .lt(key.clone())
            .or(sort.clone().eq(key).and(id.lt(cursor.id)));
        if nullable {
            below.or(sort.is_null())
        } else {
            below
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = Cursor {
            key: SortKey::Time(
                DateTime::from_timestamp_micros(1_700_000_000_123_456).expect("time"),
            ),
            id: Uuid::now_v7(),
        };
        assert_eq!(
            Cursor::decode("after", &cursor.encode()).expect("decodes"),
            cursor
        );
        let int = Cursor {
            key: SortKey::Int(-7),
            id: Uuid::now_v7(),
        };
        assert_eq!(
            Cursor::decode("after", &int.encode()).expect("decodes"),
            int
        );
        let null = Cursor {
            key: SortKey::Null,
            id: Uuid::now_v7(),
        };
        assert_eq!(
            Cursor::decode("after", &null.encode()).expect("decodes"),
            null
        );
        let day = Cursor {
            key: SortKey::Date(NaiveDate::from_ymd_opt(2026, 12, 7).expect("day")),
            id: Uuid::now_v7(),
        };
        assert_eq!(
            Cursor::decode("after", &day.encode()).expect("decodes"),
            day
        );
        assert!(matches!(
            Cursor::decode("after", "bm9wZQ"),
            Err(AppError::BadUserInput(_))
        ));
    }

    #[test]
    fn page_sizes_are_bounded_and_exclusive() {
        assert!(Page::new(Some(101), None, None, None).is_err());
        assert!(Page::new(Some(-1), None, None, None).is_err());
        assert!(Page::new(Some(5), None, Some(5), None).is_err());
        assert_eq!(Page::new(None, None, None, None).expect("default").size, 20);
        assert!(Page::new(None, None, Some(3), None).expect("last").backward);
    }

    #[test]
    fn a_backward_page_is_read_in_reverse_and_returned_in_forward_order() {
        let page = Page::new(None, None, Some(2), None).expect("page");
        assert_eq!(page.read_direction(Direction::Desc), Direction::Asc);
        let (edges, info) = page.finish(vec![3, 2, 1], |n| Cursor {
            key: SortKey::Int(*n),
            id: Uuid::nil(),
        });
        assert_eq!(
            edges.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
            vec![2, 3]
        );
        assert!(info.has_previous_page);
        assert!(!info.has_next_page);
    }
}
