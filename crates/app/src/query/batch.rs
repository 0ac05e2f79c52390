//! The relations of many rows at once: every relation of the graph is read
//! in one statement for all the parents of a level, however many there are.
//!
//! [`Relations`] holds one batch reader per relation, for one organization:
//! every statement is scoped by `organization_id`. Nested lists paginate per
//! parent inside that one statement with `ROW_NUMBER() OVER (PARTITION BY
//! parent …)`. The transports put a per-request cache in front of each
//! reader (GraphQL's dataloaders), so a cache never crosses requests or
//! tenants.
//!
//! The readers of nested lists leave out large JSON columns (a call's
//! `metadata`, a transcript's `speaker_segments`, an analysis's reasoning,
//! topics and objections): a page of calls with their transcripts is read
//! for its scalars far more often than for those, and decoding JSON is most
//! of the cost of a row. Such rows carry JSON `null` in place of the
//! column ([`Deferred`]); the API reads the whole row by id (`transcripts`,
//! `analyses`, `calls`, one statement per level) when a query asks for one.

use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, IdenStatic, Iterable, ModelTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Value,
};
use switchboard_entity::*;
use uuid::Uuid;

use crate::db::Db;
use crate::error::AppResult;
use crate::query::page::{Cursor, Direction, Page, SortKey};
use crate::query::position::ByPosition;

/// Reads one relation for many keys in one statement (or one per page
/// shape); every key asked for gets an answer, so "none" is cached too.
/// Rows are shared (`Arc`): a cache hit or a second caller clones a
/// pointer, never a row and its JSON.
pub trait Batch<K>: Send + Sync + 'static {
    type Value: Send + Sync + Clone + 'static;

    fn load(&self, keys: &[K]) -> impl Future<Output = AppResult<HashMap<K, Self::Value>>> + Send;
}

/// Every relation the API follows, for one organization.
pub struct Relations {
    pub leads: ByColumn<leads::Entity>,
    pub calls: ByColumn<calls::Entity>,
    pub agents: ByColumn<agents::Entity>,
    pub campaigns: ByColumn<campaigns::Entity>,
    pub members: MembersById,
    pub transcripts: ByColumn<transcripts::Entity>,
    pub analyses: ByColumn<lead_analytics::Entity>,
    /// Without `speaker_segments` (see [`Deferred`]).
    pub transcripts_by_call: ByColumn<transcripts::Entity>,
    /// Without the JSON columns (see [`Deferred`]).
    pub analyses_by_call: ByColumn<lead_analytics::Entity>,
    pub status_history_by_lead: ByColumn<lead_status_history::Entity>,
    pub audit_log_by_lead: ByColumn<lead_audit_log::Entity>,
    pub score_history_by_lead: ByColumn<lead_score_history::Entity>,
    pub assignments_by_lead: ByColumn<lead_assignments::Entity>,
    pub follow_ups_by_lead: ByColumn<follow_ups::Entity>,
    pub customers_by_lead: ByColumn<customers::Entity>,
    pub enrollments_by_lead: ByColumn<lead_sequence_enrollments::Entity>,
    pub sequences: ByColumn<nurture_sequences::Entity>,
    /// Oldest enrolment first by default.
    pub enrollments_by_sequence: PagedByColumn<lead_sequence_enrollments::Entity>,
    pub enrollment_progress: ProgressBySequence,
    pub messages_by_lead: ByColumn<lead_messages::Entity>,
    /// Without `metadata` (see [`Deferred`]).
    pub calls_by_lead: PagedByColumn<calls::Entity>,
    /// Without `metadata` (see [`Deferred`]).
    pub calls_by_agent: PagedByColumn<calls::Entity>,
    pub call_counts_by_lead: CountByColumn<calls::Entity>,
    pub call_counts_by_agent: CountByColumn<calls::Entity>,
    pub campaign_progress: crate::campaigns::progress::ProgressByCampaign,
}

impl Relations {
    pub fn new(db: &Db, organization_id: Uuid) -> Self {
        macro_rules! by_column {
            ($entity:ident, $column:ident, $order:expr) => {
                ByColumn::<$entity::Entity> {
                    db: db.clone(),
                    organization_id,
                    column: $entity::Column::$column,
                    org_column: $entity::Column::OrganizationId,
                    order: $order,
                    deferred: Deferred::none(),
                    _entity: PhantomData,
                }
            };
        }
        let paged = |column: calls::Column| PagedByColumn::<calls::Entity> {
            db: db.clone(),
            organization_id,
            column,
            org_column: calls::Column::OrganizationId,
            sort_column: calls::Column::CreatedAt,
            id_column: calls::Column::Id,
            deferred: Deferred(vec![calls::Column::Metadata]),
            _entity: PhantomData,
        };
        let counts = |column: calls::Column| CountByColumn::<calls::Entity> {
            db: db.clone(),
            organization_id,
            column,
            org_column: calls::Column::OrganizationId,
            _entity: PhantomData,
        };
        Self {
            leads: by_column!(leads, Id, None),
            calls: by_column!(calls, Id, None),
            agents: by_column!(agents, Id, None),
            campaigns: by_column!(campaigns, Id, None),
            members: MembersById {
                db: db.clone(),
                organization_id,
            },
            transcripts: by_column!(transcripts, Id, None),
            analyses: by_column!(lead_analytics, Id, None),
            transcripts_by_call: by_column!(transcripts, CallId, None)
                .deferring(vec![transcripts::Column::SpeakerSegments]),
            analyses_by_call: by_column!(lead_analytics, CallId, None).deferring(vec![
                lead_analytics::Column::Reasoning,
                lead_analytics::Column::CtaInteractions,
                lead_analytics::Column::KeyTopics,
                lead_analytics::Column::ObjectionsRaised,
            ]),
            status_history_by_lead: by_column!(
                lead_status_history,
                LeadId,
                Some(lead_status_history::Column::CreatedAt)
            ),
            audit_log_by_lead: by_column!(
                lead_audit_log,
                LeadId,
                Some(lead_audit_log::Column::CreatedAt)
            ),
            score_history_by_lead: by_column!(
                lead_score_history,
                LeadId,
                Some(lead_score_history::Column::CreatedAt)
            ),
            assignments_by_lead: by_column!(
                lead_assignments,
                LeadId,
                Some(lead_assignments::Column::CreatedAt)
            ),
            follow_ups_by_lead: by_column!(
                follow_ups,
                LeadId,
                Some(follow_ups::Column::FollowUpDate)
            ),
            customers_by_lead: by_column!(customers, LeadId, None),
            enrollments_by_lead: by_column!(
                lead_sequence_enrollments,
                LeadId,
                Some(lead_sequence_enrollments::Column::EnrolledAt)
            ),
            sequences: by_column!(nurture_sequences, Id, None),
            enrollments_by_sequence: PagedByColumn::<lead_sequence_enrollments::Entity> {
                db: db.clone(),
                organization_id,
                column: lead_sequence_enrollments::Column::SequenceId,
                org_column: lead_sequence_enrollments::Column::OrganizationId,
                sort_column: lead_sequence_enrollments::Column::EnrolledAt,
                id_column: lead_sequence_enrollments::Column::Id,
                deferred: Deferred::none(),
                _entity: PhantomData,
            },
            enrollment_progress: ProgressBySequence {
                db: db.clone(),
                organization_id,
            },
            messages_by_lead: by_column!(
                lead_messages,
                LeadId,
                Some(lead_messages::Column::CreatedAt)
            ),
            calls_by_lead: paged(calls::Column::LeadId),
            calls_by_agent: paged(calls::Column::AgentId),
            call_counts_by_lead: counts(calls::Column::LeadId),
            call_counts_by_agent: counts(calls::Column::AgentId),
            campaign_progress: crate::campaigns::progress::ProgressByCampaign {
                db: db.clone(),
                organization_id,
            },
        }
    }
}

fn uuid_of(value: Value) -> Option<Uuid> {
    match value {
        Value::Uuid(id) => id,
        _ => None,
    }
}

/// JSON columns a reader leaves out: each reads as JSON `null`, so the
/// row still decodes into its model.
pub struct Deferred<E: EntityTrait>(Vec<E::Column>);

impl<E: EntityTrait> Deferred<E> {
    fn none() -> Self {
        Self(Vec::new())
    }

    /// `E::find()`, or every column but the deferred ones and `null` in
    /// their place.
    fn select(&self, backend: DatabaseBackend) -> Select<E> {
        if self.0.is_empty() {
            return E::find();
        }
        // The literal is typed like the column, so each backend decodes it
        // as the column's JSON.
        let null = match backend {
            DatabaseBackend::Postgres => "'null'::jsonb",
            _ => "'null'",
        };
        let mut select = E::find().select_only();
        for column in E::Column::iter() {
            select = if self.0.iter().any(|d| d.as_str() == column.as_str()) {
                select.expr_as(Expr::cust(null), column.as_str())
            } else {
                select.column(column)
            };
        }
        select
    }
}

/// Rows whose `column` is one of the keys, grouped by key (in `order`).
pub struct ByColumn<E: EntityTrait> {
    db: Db,
    organization_id: Uuid,
    column: E::Column,
    org_column: E::Column,
    order: Option<E::Column>,
    deferred: Deferred<E>,
    _entity: PhantomData<E>,
}

impl<E: EntityTrait> ByColumn<E> {
    /// The same reader, leaving `columns` out.
    fn deferring(mut self, columns: Vec<E::Column>) -> Self {
        self.deferred = Deferred(columns);
        self
    }
}

impl<E> Batch<Uuid> for ByColumn<E>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync + 'static,
{
    type Value = Vec<Arc<E::Model>>;

    async fn load(&self, keys: &[Uuid]) -> AppResult<HashMap<Uuid, Self::Value>> {
        let mut query = self
            .deferred
            .select(self.db.get_database_backend())
            .filter(self.org_column.eq(self.organization_id))
            .filter(self.column.is_in(keys.iter().copied()));
        if let Some(order) = self.order {
            query = query.order_by_asc(order);
        }
        let rows = query.all(&self.db).await?;
        let mut grouped: HashMap<Uuid, Self::Value> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            if let Some(key) = uuid_of(row.get(self.column)) {
                grouped.entry(key).or_default().push(Arc::new(row));
            }
        }
        Ok(grouped)
    }
}

/// Users who are members of the organization, by id (anyone else reads as
/// none).
pub struct MembersById {
    db: Db,
    organization_id: Uuid,
}

impl Batch<Uuid> for MembersById {
    type Value = Option<Arc<users::Model>>;

    async fn load(&self, keys: &[Uuid]) -> AppResult<HashMap<Uuid, Self::Value>> {
        let members = Query::select()
            .column(organization_memberships::Column::UserId)
            .from(organization_memberships::Entity)
            .and_where(organization_memberships::Column::OrganizationId.eq(self.organization_id))
            .to_owned();
        let rows = users::Entity::find()
            .filter(users::Column::Id.is_in(keys.iter().copied()))
            .filter(users::Column::Id.in_subquery(members))
            .all(&self.db)
            .await?;
        let mut found: HashMap<Uuid, Self::Value> = keys.iter().map(|k| (*k, None)).collect();
        found.extend(rows.into_iter().map(|u| (u.id, Some(Arc::new(u)))));
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
    /// The key of `parent`'s page `page` of children in `direction`; only
    /// forward pages after a time cursor (the children's creation time).
    pub fn new(parent: Uuid, page: &Page, direction: impl Into<Direction>) -> Self {
        Self {
            parent,
            size: page.size,
            after: page.after.as_ref().and_then(|c| match c.key {
                SortKey::Time(t) => t.timestamp_nanos_opt().map(|n| (n, c.id)),
                SortKey::Int(_) | SortKey::Date(_) | SortKey::Null => None,
            }),
            ascending: direction.into() == Direction::Asc,
        }
    }
}

/// A page's size, start and order: keys of the same shape share a statement.
type PageShape = (u64, Option<(i64, Uuid)>, bool);

/// Children of many parents, `size + 1` per parent, sorted by `(sort, id)`,
/// in one statement per page shape.
pub struct PagedByColumn<E: EntityTrait> {
    db: Db,
    organization_id: Uuid,
    column: E::Column,
    org_column: E::Column,
    sort_column: E::Column,
    id_column: E::Column,
    deferred: Deferred<E>,
    _entity: PhantomData<E>,
}

impl<E> Batch<PageKey> for PagedByColumn<E>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync + ByPosition + 'static,
{
    type Value = Vec<Arc<E::Model>>;

    async fn load(&self, keys: &[PageKey]) -> AppResult<HashMap<PageKey, Self::Value>> {
        // Keys that differ only by parent share a statement.
        let mut groups: HashMap<PageShape, Vec<Uuid>> = HashMap::new();
        for key in keys {
            groups
                .entry((key.size, key.after, key.ascending))
                .or_default()
                .push(key.parent);
        }
        let backend = self.db.get_database_backend();
        let mut out: HashMap<PageKey, Self::Value> =
            keys.iter().map(|k| (k.clone(), Vec::new())).collect();
        for ((size, after, ascending), parents) in groups {
            let order = if ascending { "ASC" } else { "DESC" };
            let (parent, sort, id) = (
                self.column.as_str(),
                self.sort_column.as_str(),
                self.id_column.as_str(),
            );
            // Only the code's own column names reach the SQL text.
            let window = format!(
                r#"ROW_NUMBER() OVER (PARTITION BY "{parent}" ORDER BY "{sort}" {order}, "{id}" {order})"#
            );
            let mut inner = self
                .deferred
                .select(backend)
                .filter(self.org_column.eq(self.organization_id))
                .filter(self.column.is_in(parents.iter().copied()))
                .expr_as(Expr::cust(window), "page_row");
            if let Some((nanos, after_id)) = after {
                let page = Page {
                    size,
                    backward: false,
                    after: Some(Cursor {
                        key: SortKey::Time(chrono::DateTime::from_timestamp_nanos(nanos)),
                        id: after_id,
                    }),
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
            // The entity's columns come first, in order: decoded by position.
            let rows = self
                .db
                .query_all(&statement)
                .await?
                .iter()
                .map(E::Model::from_position)
                .collect::<Result<Vec<_>, _>>()?;
            for row in rows {
                if let Some(parent) = uuid_of(row.get(self.column)) {
                    out.entry(PageKey {
                        parent,
                        size,
                        after,
                        ascending,
                    })
                    .or_default()
                    .push(Arc::new(row));
                }
            }
        }
        Ok(out)
    }
}

/// How many children each parent has.
pub struct CountByColumn<E: EntityTrait> {
    db: Db,
    organization_id: Uuid,
    column: E::Column,
    org_column: E::Column,
    _entity: PhantomData<E>,
}

impl<E: EntityTrait> Batch<Uuid> for CountByColumn<E> {
    type Value = i64;

    async fn load(&self, keys: &[Uuid]) -> AppResult<HashMap<Uuid, Self::Value>> {
        let rows: Vec<(Option<Uuid>, i64)> = E::find()
            .select_only()
            .column(self.column)
            .column_as(Expr::col(Asterisk).count(), "n")
            .filter(self.org_column.eq(self.organization_id))
            .filter(self.column.is_in(keys.iter().copied()))
            .group_by(self.column)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(k, n)| k.map(|k| (k, n)))
            .collect())
    }
}

/// How many of each sequence's enrolments are in each status.
pub struct ProgressBySequence {
    db: Db,
    organization_id: Uuid,
}

impl Batch<Uuid> for ProgressBySequence {
    type Value = Vec<(enums::EnrollmentStatus, i64)>;

    async fn load(&self, keys: &[Uuid]) -> AppResult<HashMap<Uuid, Self::Value>> {
        use lead_sequence_enrollments::Column;
        let rows: Vec<(Uuid, enums::EnrollmentStatus, i64)> =
            lead_sequence_enrollments::Entity::find()
                .select_only()
                .column(Column::SequenceId)
                .column(Column::Status)
                .column_as(Expr::col(Asterisk).count(), "n")
                .filter(Column::OrganizationId.eq(self.organization_id))
                .filter(Column::SequenceId.is_in(keys.iter().copied()))
                .group_by(Column::SequenceId)
                .group_by(Column::Status)
                .into_tuple()
                .all(&self.db)
                .await?;
        let mut out: HashMap<Uuid, Self::Value> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for (sequence, status, n) in rows {
            out.entry(sequence).or_default().push((status, n));
        }
        Ok(out)
    }
}
