//! Reading customers: one by id, and the organization's customers matching
//! a filter, a keyset page at a time (newest first by default; or by score
//! or last interaction).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use switchboard_domain::customers::ScoreBand;
use switchboard_entity::customers;
use switchboard_entity::enums::CustomerStatus;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::query::list::{Keyset, List};
use crate::query::page::{Cursor, Direction, SortKey};

/// Which customers: every part given must hold (none: every customer).
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Any of these statuses.
    pub statuses: Vec<CustomerStatus>,
    /// Any of these score bands.
    pub bands: Vec<ScoreBand>,
    /// Composite score at least / at most.
    pub score: (Option<i32>, Option<i32>),
    pub recency: (Option<i32>, Option<i32>),
    pub frequency: (Option<i32>, Option<i32>),
    pub monetary: (Option<i32>, Option<i32>),
    pub sales_rep_id: Option<Uuid>,
    /// Words in the name, email, phone, company or reference number.
    pub search: Option<String>,
    pub created: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    pub last_interaction: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
}

/// A range `(at least, at most)` on `column`; an inverted one is refused
/// under `field`.
fn range<T>(
    condition: Condition,
    column: customers::Column,
    (low, high): (Option<T>, Option<T>),
    field: &str,
) -> AppResult<Condition>
where
    T: PartialOrd + Copy + Into<sea_orm::Value>,
{
    if let (Some(l), Some(h)) = (low, high)
        && l > h
    {
        return Err(AppError::bad_input(
            field,
            "the lower bound is above the upper",
        ));
    }
    let mut condition = condition;
    if let Some(l) = low {
        condition = condition.add(column.gte(l));
    }
    if let Some(h) = high {
        condition = condition.add(column.lte(h));
    }
    Ok(condition)
}

/// The organization's customers matching `filter`, to page through in
/// a [`CustomerSort`] order.
pub fn customers(
    organization_id: Uuid,
    filter: &CustomerFilter,
) -> AppResult<List<customers::Entity>> {
    use customers::Column as C;
    let mut condition = Condition::all().add(C::OrganizationId.eq(organization_id));
    if !filter.statuses.is_empty() {
        condition = condition.add(C::Status.is_in(filter.statuses.iter().copied()));
    }
    if !filter.bands.is_empty() {
        let mut any = Condition::any();
        for band in &filter.bands {
            let (low, high) = band.range();
            any = any.add(C::LeadScore.between(low, high));
        }
        condition = condition.add(any);
    }
    condition = range(condition, C::LeadScore, filter.score, "filter.score")?;
    condition = range(condition, C::RfmRecency, filter.recency, "filter.recency")?;
    condition = range(
        condition,
        C::RfmFrequency,
        filter.frequency,
        "filter.frequency",
    )?;
    condition = range(
        condition,
        C::RfmMonetary,
        filter.monetary,
        "filter.monetary",
    )?;
    condition = range(condition, C::CreatedAt, filter.created, "filter.created")?;
    condition = range(
        condition,
        C::LastInteractionDate,
        filter.last_interaction,
        "filter.lastInteraction",
    )?;
    if let Some(rep) = filter.sales_rep_id {
        condition = condition.add(C::SalesRepUserId.eq(rep));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if search.chars().count() > 200 {
            return Err(AppError::bad_input(
                "filter.search",
                "at most 200 characters",
            ));
        }
        for word in search.split_whitespace().take(8) {
            let pattern = format!(
                "%{}%",
                word.to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            let mut any = Condition::any();
            for column in [
                C::Name,
                C::Email,
                C::Phone,
                C::Company,
                C::CustomerReferenceNumber,
            ] {
                any = any.add(
                    Expr::expr(Func::lower(Expr::col((customers::Entity, column))))
                        .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\')),
                );
            }
            condition = condition.add(any);
        }
    }
    Ok(List::new(customers::Entity::find().filter(condition)))
}

/// What customer lists are sorted by, the id breaking ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CustomerSort {
    /// When they became customers.
    #[default]
    CreatedAt,
    /// The composite RFM score; customers not yet scored count lowest.
    LeadScore,
    /// The last interaction; customers never reached count oldest.
    LastInteraction,
}

impl CustomerSort {
    /// The list order, served by an index on `(organization_id, sort, id)`.
    pub fn keyset(self, direction: Direction) -> Keyset<customers::Column> {
        let (sort, nullable) = match self {
            Self::CreatedAt => (customers::Column::CreatedAt, false),
            Self::LeadScore => (customers::Column::LeadScore, true),
            Self::LastInteraction => (customers::Column::LastInteractionDate, true),
        };
        Keyset {
            sort,
            id: customers::Column::Id,
            direction,
            tie_break: true,
            nullable,
        }
    }

    /// Where `row` stands in a list sorted by this.
    pub fn cursor(self, row: &customers::Model) -> Cursor {
        let key = match self {
            Self::CreatedAt => SortKey::Time(row.created_at),
            Self::LeadScore => row
                .lead_score
                .map_or(SortKey::Null, |s| SortKey::Int(i64::from(s))),
            Self::LastInteraction => row
                .last_interaction_date
                .map_or(SortKey::Null, SortKey::Time),
        };
        Cursor { key, id: row.id }
    }
}

/// A customer of the organization, or NOT_FOUND.
pub async fn customer(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<customers::Model> {
    customers::Entity::find_by_id(id)
        .filter(customers::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("customer", id))
}
