//! Dataloaders: every relation of the graph is read in one statement per
//! level of the query, however many parents the level has.
//!
//! Loaders are made per request, for the viewer's organization, so their
//! caches never cross requests or tenants, and every statement is scoped by
//! `organization_id`. Nested connections paginate per parent inside that one
//! statement with `ROW_NUMBER() OVER (PARTITION BY parent …)`.

use std::collections::HashMap;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Order, Query};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, IdenStatic, ModelTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Value,
};
use switchboard_entity::*;
use uuid::Uuid;

use crate::shared::pagination::{Cursor, Direction, Page};

/// A loader with a per-request cache, so that [`crate::shared::prefetch`] can warm it.
pub type Cached<L> = DataLoader<L, HashMapCache>;

/// Every loader of one request.
pub struct Loaders {
    pub leads: Cached<ByColumn<leads::Entity>>,
    pub calls: Cached<ByColumn<calls::Entity>>,
    pub agents: Cached<ByColumn<agents::Entity>>,
    pub campaigns: Cached<ByColumn<campaigns::Entity>>,
    pub users: Cached<UsersById>,
    pub transcripts_by_call: Cached<ByColumn<transcripts::Entity>>,
    pub analyses_by_call: Cached<ByColumn<lead_analytics::Entity>>,
    pub status_history_by_lead: Cached<ByColumn<lead_status_history::Entity>>,
    pub audit_log_by_lead: Cached<ByColumn<lead_audit_log::Entity>>,
    pub score_history_by_lead: Cached<ByColumn<lead_score_history::Entity>>,
    pub assignments_by_lead: Cached<ByColumn<lead_assignments::Entity>>,
    pub follow_ups_by_lead: Cached<ByColumn<follow_ups::Entity>>,
    pub customers_by_lead: Cached<ByColumn<customers::Entity>>,
    pub calls_by_lead: Cached<PagedByColumn<calls::Entity>>,
    pub calls_by_agent: Cached<PagedByColumn<calls::Entity>>,
    pub call_counts_by_lead: Cached<CountByColumn<calls::Entity>>,
    pub call_counts_by_agent: Cached<CountByColumn<calls::Entity>>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection, organization_id: Uuid) -> Self {
        macro_rules! by_column {
            ($entity:ident, $column:ident, $org:ident, $order:expr) => {
                DataLoader::with_cache(
                    ByColumn::<$entity::Entity> {
                        db: db.clone(),
                        organization_id,
                        column: $entity::Column::$column,
                        org_column: $entity::Column::$org,
                        order: $order,
                        _entity: PhantomData,
                    },
                    tokio_spawner,
                    HashMapCache::default(),
                )
            };
        }
        let paged = |column: calls::Column| {
            DataLoader::with_cache(
                PagedByColumn::<calls::Entity> {
                    db: db.clone(),
                    organization_id,
                    column,
                    org_column: calls::Column::OrganizationId,
                    sort_column: calls::Column::CreatedAt,
                    id_column: calls::Column::Id,
                    _entity: PhantomData,
                },
                tokio_spawner,
                HashMapCache::default(),
            )
        };
        let counts = |column: calls::Column| {
            DataLoader::with_cache(
                CountByColumn::<calls::Entity> {
                    db: db.clone(),
                    organization_id,
                    column,
                    org_column: calls::Column::OrganizationId,
                    _entity: PhantomData,
                },
                tokio_spawner,
                HashMapCache::default(),
            )
        };
        Self {
            leads: by_column!(leads, Id, OrganizationId, None),
            calls: by_column!(calls, Id, OrganizationId, None),
            agents: by_column!(agents, Id, OrganizationId, None),
            campaigns: by_column!(campaigns, Id, OrganizationId, None),
            users: DataLoader::with_cache(
                UsersById {
                    db: db.clone(),
                    organization_id,
                },
                tokio_spawner,
                HashMapCache::default(),
            ),
            transcripts_by_call: by_column!(transcripts, CallId, OrganizationId, None),
            analyses_by_call: by_column!(lead_analytics, CallId, OrganizationId, None),
            status_history_by_lead: by_column!(
                lead_status_history,
                LeadId,
                OrganizationId,
                Some(lead_status_history::Column::CreatedAt)
            ),
            audit_log_by_lead: by_column!(
                lead_audit_log,
                LeadId,
                OrganizationId,
                Some(lead_audit_log::Column::CreatedAt)
            ),
            score_history_by_lead: by_column!(
                lead_score_history,
                LeadId,
                OrganizationId,
                Some(lead_score_history::Column::CreatedAt)
            ),
            assignments_by_lead: by_column!(
                lead_assignments,
                LeadId,
                OrganizationId,
                Some(lead_assignments::Column::CreatedAt)
            ),
            follow_ups_by_lead: by_column!(
                follow_ups,
                LeadId,
                OrganizationId,
                Some(follow_ups::Column::FollowUpDate)
            ),
            customers_by_lead: by_column!(customers, LeadId, OrganizationId, None),
            calls_by_lead: paged(calls::Column::LeadId),
            calls_by_agent: paged(calls::Column::AgentId),
            call_counts_by_lead: counts(calls::Column::LeadId),
            call_counts_by_agent: counts(calls::Column::AgentId),
        }
    }
}

impl Loaders {
    /// Turns every cache off (for long-lived connections).
    pub fn disable_caches(&self) {
        macro_rules! off {
            ($($loader:ident),+) => { $( self.$loader.enable_all_cache(false); )+ };
        }
        off!(
            leads,
            calls,
            agents,
            campaigns,
            users,
            transcripts_by_call,
            analyses_by_call,
            status_history_by_lead,
            audit_log_by_lead,
            score_history_by_lead,
            assignments_by_lead,
            follow_ups_by_lead,
            customers_by_lead,
            calls_by_lead,
            calls_by_agent,
            call_counts_by_lead,
            call_counts_by_agent
        );
    }
}

fn tokio_spawner(future: futures::future::BoxFuture<'static, ()>) {
    tokio::spawn(future);
}

fn uuid_of(value: Value) -> Option<Uuid> {
    match value {
        Value::Uuid(id) => id,
        _ => None,
    }
}

/// Rows whose `column` is one of the keys, grouped by key (in `order`).
pub struct ByColumn<E: EntityTrait> {
    db: DatabaseConnection,
    organization_id: Uuid,
    column: E::Column,
    org_column: E::Column,
    order: Option<E::Column>,
    _entity: PhantomData<E>,
}

impl<E> Loader<Uuid> for ByColumn<E>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync + 'static,
{
    type Value = Vec<E::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut query = E::find()
            .filter(self.org_column.eq(self.organization_id))
            .filter(self.column.is_in(keys.iter().copied()));
        if let Some(order) = self.order {
            query = query.order_by_asc(order);
        }
        let rows = query.all(&self.db).await.map_err(Arc::new)?;
        // Every key gets an entry, so that "no rows" is cached too.
        let mut grouped: HashMap<Uuid, Vec<E::Model>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            if let Some(key) = uuid_of(row.get(self.column)) {
                grouped.entry(key).or_default().push(row);
            }
        }
        Ok(grouped)
    }
}

/// Users who are members of the organization, by id.
pub struct UsersById {
    db: DatabaseConnection,
    organization_id: Uuid,
}

impl Loader<Uuid> for UsersById {
    type Value = Option<users::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let members = Query::select()
            .column(organization_memberships::Column::UserId)
            .from(organization_memberships::Entity)
            .and_where(organization_memberships::Column::OrganizationId.eq(self.organization_id))
            .to_owned();
        let rows = users::Entity::find()
            .filter(users::Column::Id.is_in(keys.iter().copied()))
            .filter(users::Column::Id.in_subquery(members))
            .all(&self.db)
            .await
            .map_err(Arc::new)?;
        let mut found: HashMap<Uuid, Option<users::Model>> =
            keys.iter().map(|k| (*k, None)).collect();
        found.extend(rows.into_iter().map(|u| (u.id, Some(u))));
        Ok(found)
    }
}

/// A page of children per parent: the key is the parent's id and the page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub parent: Uuid,
    pub size: u64,
    pub after: Option<(i64, Uuid)>,
    pub ascending: bool,
}

impl PageKey {
    pub fn new(parent: Uuid, page: &Page, direction: Direction) -> Self {
        Self {
            parent,
            size: page.size,
            after: page.after.as_ref().and_then(|c| match c.key {
                crate::shared::pagination::SortKey::Time(t) => {
                    t.timestamp_nanos_opt().map(|n| (n, c.id))
                }
                crate::shared::pagination::SortKey::Int(_) => None,
            }),
            ascending: direction == Direction::Asc,
        }
    }
}

/// A page's size, start and order: keys of the same shape share a statement.
type PageShape = (u64, Option<(i64, Uuid)>, bool);

/// Children of many parents, `size + 1` per parent, sorted by `(sort, id)`,
/// in one statement.
pub struct PagedByColumn<E: EntityTrait> {
    db: DatabaseConnection,
    organization_id: Uuid,
    column: E::Column,
    org_column: E::Column,
    sort_column: E::Column,
    id_column: E::Column,
    _entity: PhantomData<E>,
}

impl<E> Loader<PageKey> for PagedByColumn<E>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync + FromQueryResult + 'static,
{
    type Value = Vec<E::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[PageKey]) -> Result<HashMap<PageKey, Self::Value>, Self::Error> {
        // Keys that differ only by parent share a statement.
        let mut groups: HashMap<PageShape, Vec<Uuid>> = HashMap::new();
        for key in keys {
            groups
                .entry((key.size, key.after, key.ascending))
                .or_default()
                .push(key.parent);
        }
        let backend = self.db.get_database_backend();
        let mut out: HashMap<PageKey, Vec<E::Model>> =
            keys.iter().map(|k| (k.clone(), Vec::new())).collect();
        for ((size, after, ascending), parents) in groups {
            let order = if ascending { "ASC" } else { "DESC" };
            let (parent, sort, id) = (
                self.column.as_str(),
                self.sort_column.as_str(),
                self.id_column.as_str(),
            );
            let window = format!(
                r#"ROW_NUMBER() OVER (PARTITION BY "{parent}" ORDER BY "{sort}" {order}, "{id}" {order})"#
            );
            let mut inner = E::find()
                .filter(self.org_column.eq(self.organization_id))
                .filter(self.column.is_in(parents.iter().copied()))
                .expr_as(Expr::cust(window), "page_row");
            if let Some((nanos, after_id)) = after {
                let cursor = Cursor {
                    key: crate::shared::pagination::SortKey::Time(
                        chrono::DateTime::from_timestamp_nanos(nanos),
                    ),
                    id: after_id,
                };
                let page = Page {
                    size,
                    backward: false,
                    after: Some(cursor),
                    before: None,
                };
                let direction = if ascending {
                    Direction::Asc
                } else {
                    Direction::Desc
                };
                if let Some(range) = page.range(self.sort_column, self.id_column, direction) {
                    inner = inner.filter(range);
                }
            }
            let statement = Query::select()
                .column(Asterisk)
                .from_subquery(inner.into_query(), Alias::new("paged"))
                .and_where(Expr::col(Alias::new("page_row")).lte(size as i64 + 1))
                .order_by(Alias::new("page_row"), Order::Asc)
                .to_owned();
            let rows = E::find()
                .from_raw_sql(backend.build(&statement))
                .all(&self.db)
                .await
                .map_err(Arc::new)?;
            for row in rows {
                if let Some(parent) = uuid_of(row.get(self.column)) {
                    out.entry(PageKey {
                        parent,
                        size,
                        after,
                        ascending,
                    })
                    .or_insert_with(Vec::new)
                    .push(row);
                }
            }
        }
        Ok(out)
    }
}

/// How many children each parent has.
pub struct CountByColumn<E: EntityTrait> {
    db: DatabaseConnection,
    organization_id: Uuid,
    column: E::Column,
    org_column: E::Column,
    _entity: PhantomData<E>,
}

impl<E> Loader<Uuid> for CountByColumn<E>
where
    E: EntityTrait,
{
    type Value = i64;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows: Vec<(Option<Uuid>, i64)> = E::find()
            .select_only()
            .column(self.column)
            .column_as(Expr::col(Asterisk).count(), "n")
            .filter(self.org_column.eq(self.organization_id))
            .filter(self.column.is_in(keys.iter().copied()))
            .group_by(self.column)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(Arc::new)?;
        Ok(rows
            .into_iter()
            .filter_map(|(k, n)| k.map(|k| (k, n)))
            .collect())
    }
}
