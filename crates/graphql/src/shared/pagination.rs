//! Relay connections over the application's keyset pages.
//!
//! The pages themselves (cursors, ranges, which rows a page holds) are
//! `switchboard_app::query::page`, re-exported here; this module adds what
//! is GraphQL's: Relay's `PageInfo`, the `Direction` enum clients sort by,
//! and the complexity a connection field costs.

use async_graphql::SimpleObject;
pub use switchboard_app::query::page::{Cursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, SortKey};

/// The complexity of a connection field: its selection, once per row a page
/// may hold, so `leads(first: 100) { calls(first: 100) { … } }` costs what it reads.
pub fn complexity(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let rows = first
        .or(last)
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE) as usize;
    rows.saturating_mul(child_complexity).saturating_add(1)
}

/// Where a page of a connection sits: whether rows come before or after it,
/// and the cursors to page on with.
#[derive(SimpleObject, Debug, Clone, Default)]
pub struct PageInfo {
    /// Whether rows follow this page: page on with `after: endCursor`.
    pub has_next_page: bool,
    /// Whether rows precede this page: page back with `before: startCursor`.
    pub has_previous_page: bool,
    /// The first edge's cursor; null on an empty page.
    pub start_cursor: Option<String>,
    /// The last edge's cursor; null on an empty page.
    pub end_cursor: Option<String>,
}

impl From<switchboard_app::query::page::PageInfo> for PageInfo {
    fn from(info: switchboard_app::query::page::PageInfo) -> Self {
        Self {
            has_next_page: info.has_next_page,
            has_previous_page: info.has_previous_page,
            start_cursor: info.start_cursor,
            end_cursor: info.end_cursor,
        }
    }
}

/// The order a list is sorted in; the id breaks ties in the same direction.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "switchboard_app::query::page::Direction")]
pub enum Direction {
    /// Smallest (or oldest) first.
    Asc,
    /// Largest (or newest) first: the default.
    #[default]
    Desc,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_costs_its_selection_once_per_row_a_page_may_hold() {
        assert_eq!(complexity(Some(100), None, 3), 301);
        assert_eq!(complexity(None, Some(5), 2), 11);
        assert_eq!(complexity(None, None, 1), 21);
        assert_eq!(complexity(Some(10_000), None, 1), 101);
    }

    #[test]
    fn a_backward_page_reads_in_the_callers_direction_type() {
        let page = Page::new(None, None, Some(2), None).expect("page");
        assert_eq!(page.read_direction(Direction::Desc), Direction::Asc);
    }
}
