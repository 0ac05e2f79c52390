//! A list the API answers: the rows of one organization that match a
//! condition, read one keyset page at a time and counted only on demand.

use sea_orm::sea_query::NullOrdering;
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use crate::error::AppResult;
use crate::query::page::{Direction, Page};

/// The rows a list holds, before any page is cut from it.
#[derive(Debug, Clone)]
pub struct List<E: EntityTrait> {
    select: Select<E>,
}

/// A list's order: a sort column and the row id breaking its ties.
#[derive(Debug, Clone, Copy)]
pub struct Keyset<C> {
    pub sort: C,
    pub id: C,
    pub direction: Direction,
    /// False when the sort column is unique on its own (the ledger's
    /// sequence): the index then serves the order with no tie-breaker.
    pub tie_break: bool,
    /// True when the sort column may be null: nulls count as its lowest
    /// value (first ascending, last descending), as SQLite orders them and
    /// as an index `(…, sort NULLS FIRST, id)` serves on PostgreSQL.
    pub nullable: bool,
}

fn order(direction: Direction) -> Order {
    match direction {
        Direction::Asc => Order::Asc,
        Direction::Desc => Order::Desc,
    }
}

impl<E> List<E>
where
    E: EntityTrait,
    E::Model: Sync,
{
    /// The rows `select` reads; it must already be scoped to one organization.
    pub(crate) fn new(select: Select<E>) -> Self {
        Self { select }
    }

    /// The rows of `page` in `keyset` order, one more than the page holds
    /// (so [`Page::finish`] can tell whether more follow), read in
    /// [`Page::read_direction`]: an index range scan, however deep the page.
    pub async fn page(
        &self,
        db: &impl ConnectionTrait,
        page: &Page,
        keyset: Keyset<E::Column>,
    ) -> AppResult<Vec<E::Model>> {
        page.require_keys_of(&keyset.sort, keyset.nullable)?;
        let mut select = self.select.clone();
        if let Some(range) = page.range_over(
            (E::default(), keyset.sort),
            (E::default(), keyset.id),
            keyset.direction,
            keyset.nullable,
        ) {
            select = select.filter(range);
        }
        let direction = page.read_direction(keyset.direction);
        let read = order(direction);
        select = if keyset.nullable && db.get_database_backend() == DbBackend::Postgres {
            let nulls = match direction {
                Direction::Asc => NullOrdering::First,
                Direction::Desc => NullOrdering::Last,
            };
            select.order_by_with_nulls(keyset.sort, read.clone(), nulls)
        } else {
            select.order_by(keyset.sort, read.clone())
        };
        if keyset.tie_break {
            select = select.order_by(keyset.id, read);
        }
        Ok(select.limit(page.size + 1).all(db).await?)
    }

    /// How many rows the list holds, across every page.
    pub async fn count(&self, db: &impl ConnectionTrait) -> AppResult<i64> {
        Ok(self.select.clone().count(db).await? as i64)
    }
}
