//! A time zone's UTC offsets over a span of instants, for grouping rows by
//! the organization's days in SQL on both backends alike.
//!
//! SQLite has no time-zone database, so the offsets are computed here with
//! chrono-tz and handed to SQL: the zone's offset changes over the span
//! (intersected with 1970..2100; rows outside it take the offset of its
//! nearest end) become a balanced tree of `CASE WHEN created_at < <change>
//! THEN … ELSE … END` (a handful of comparisons per row, against bound
//! timestamps encoded exactly like the stored ones) whose leaves are fixed
//! shifts ([`crate::dialect::seconds_shift`]). Only integers computed here
//! reach the SQL text; the zone's name never does.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{Expr, ExprTrait};

/// 1970-01-01T00:00:00Z.
pub(crate) const SPAN_START: i64 = 0;
/// 2100-01-01T00:00:00Z.
pub(crate) const SPAN_END: i64 = 4_102_444_800;

/// The span of Unix seconds, within 1970..2100, that rows created from
/// `from` (the latest lower bound a filter sets) until `until` (the
/// earliest upper bound, included) fall in.
pub(crate) fn span(from: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>) -> (i64, i64) {
    let from = from.map_or(SPAN_START, |f| std::cmp::max(SPAN_START, f.timestamp()));
    let to = until.map_or(SPAN_END, |u| std::cmp::min(SPAN_END, u.timestamp() + 1));
    (from, std::cmp::max(to, from))
}

/// A time zone's UTC offsets over a span: the offset at its start and each
/// change after it (instant, new offset), in seconds east of UTC.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Offsets {
    pub(crate) first: i32,
    pub(crate) changes: Vec<(DateTime<Utc>, i32)>,
}

fn offset_at(tz: Tz, at: i64) -> i32 {
    DateTime::from_timestamp(at, 0).map_or(0, |t| {
        tz.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc()
    })
}

/// A zone's offset changes: (Unix seconds, new offset in seconds east of UTC).
type Changes = Arc<Vec<(i64, i32)>>;

/// Every offset change of `tz` from 1970 to 2100, found by probing every six
/// hours and bisecting to the second; computed once per zone.
pub(crate) fn changes_of(tz: Tz) -> Changes {
    static CHANGES: LazyLock<Mutex<HashMap<Tz, Changes>>> = LazyLock::new(Default::default);
    if let Some(found) = CHANGES.lock().ok().and_then(|m| m.get(&tz).cloned()) {
        return found;
    }
    const STEP: i64 = 6 * 3600;
    let mut changes = Vec::new();
    let mut at = SPAN_START;
    let mut current = offset_at(tz, at);
    while at < SPAN_END {
        let next = std::cmp::min(at + STEP, SPAN_END);
        if offset_at(tz, next) == current {
            at = next;
            continue;
        }
        // offset(low) == current, offset(high) != current.
        let (mut low, mut high) = (at, next);
        while high - low > 1 {
            let middle = low + (high - low) / 2;
            if offset_at(tz, middle) == current {
                low = middle;
            } else {
                high = middle;
            }
        }
        current = offset_at(tz, high);
        changes.push((high, current));
        at = high;
    }
    let changes = Arc::new(changes);
    if let Ok(mut map) = CHANGES.lock() {
        map.insert(tz, changes.clone());
    }
    changes
}

impl Offsets {
    /// The offsets of `tz` from `from` to `to` (Unix seconds).
    pub(crate) fn of(tz: Tz, (from, to): (i64, i64)) -> Self {
        Self {
            first: offset_at(tz, from),
            changes: changes_of(tz)
                .iter()
                .filter(|(at, _)| *at > from && *at < to)
                .filter_map(|(at, offset)| Some((DateTime::from_timestamp(*at, 0)?, *offset)))
                .collect(),
        }
    }

    /// The offset of `column`'s instant, as a balanced tree of `CASE WHEN
    /// column < change THEN … ELSE … END` over `leaf(offset)`s.
    pub(crate) fn tree(&self, column: &Expr, leaf: &dyn Fn(i32) -> Expr) -> Expr {
        fn split(
            column: &Expr,
            offsets: &[i32],
            changes: &[DateTime<Utc>],
            leaf: &dyn Fn(i32) -> Expr,
        ) -> Expr {
            if changes.is_empty() {
                return leaf(offsets.first().copied().unwrap_or(0));
            }
            let middle = changes.len() / 2;
            Expr::case(
                column.clone().lt(changes[middle]),
                split(column, &offsets[..=middle], &changes[..middle], leaf),
            )
            .finally(split(
                column,
                &offsets[middle + 1..],
                &changes[middle + 1..],
                leaf,
            ))
            .into()
        }
        let offsets: Vec<i32> = std::iter::once(self.first)
            .chain(self.changes.iter().map(|(_, o)| *o))
            .collect();
        let changes: Vec<DateTime<Utc>> = self.changes.iter().map(|(at, _)| *at).collect();
        split(column, &offsets, &changes, leaf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse::<DateTime<Utc>>().expect("a timestamp")
    }

    #[test]
    fn new_york_changes_offset_at_2am_local_on_both_dst_sundays() {
        let tz: Tz = "America/New_York".parse().expect("a zone");
        let offsets = Offsets::of(
            tz,
            (
                at("2026-01-01T00:00:00Z").timestamp(),
                at("2027-01-01T00:00:00Z").timestamp(),
            ),
        );
        assert_eq!(offsets.first, -5 * 3600);
        assert_eq!(
            offsets.changes,
            vec![
                (at("2026-03-08T07:00:00Z"), -4 * 3600),
                (at("2026-11-01T06:00:00Z"), -5 * 3600),
            ]
        );
        // Two changes a year from 1970 to 2100, give or take the 1974-75
        // energy-crisis years.
        let all = changes_of(tz).len();
        assert!((250..=270).contains(&all), "{all} changes");
    }

    #[test]
    fn the_span_follows_the_bounds_within_1970_to_2100() {
        assert_eq!(span(None, None), (SPAN_START, SPAN_END));
        assert_eq!(
            span(
                Some(at("2026-03-01T00:00:00Z")),
                Some(at("2026-04-01T00:00:00Z"))
            ),
            (
                at("2026-03-01T00:00:00Z").timestamp(),
                at("2026-04-01T00:00:00Z").timestamp() + 1
            )
        );
        // Bounds that cross leave an empty span at the lower one.
        let from = at("2026-05-01T00:00:00Z");
        assert_eq!(
            span(Some(from), Some(at("2026-04-01T00:00:00Z"))),
            (from.timestamp(), from.timestamp())
        );
    }
}
