//! Lead sources: their monthly costs (recorded by managers) and what they
//! brought in (ROI per source and sub-source over whole months of the
//! organization's calendar).
//!
//! A cost is one row per organization, source, sub-source and month;
//! recording it again replaces it (one upsert on that unique key), so a
//! retried request never leaves two rows.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};
use switchboard_domain::analytics::day_start;
use switchboard_domain::money::{Cents, Currency};
use switchboard_domain::range::{Month, MonthSpan};
use switchboard_domain::text::{Source, SubSource};
use switchboard_entity::enums::{LeadStatus as Status, OrderStatus};
use switchboard_entity::{customers, lead_source_costs, lead_status_history, leads, orders};
use uuid::Uuid;

use super::funnel::count_if;
use crate::actor::{Permission, Viewer};
use crate::app::App;
use crate::dialect::sum_bigint;
use crate::error::{AppError, AppResult};

/// Statuses that count a lead as qualified.
const QUALIFIED: [Status; 3] = [Status::Qualified, Status::Hot, Status::Recruited];

/// Orders that count as revenue: paid or fulfilled (not pending, cancelled
/// or refunded).
const EARNING: [OrderStatus; 2] = [OrderStatus::Paid, OrderStatus::Fulfilled];

// ------------------------------------------------------------------------ ROI

/// What one lead source (and sub-source) cost and brought in over some months.
///
/// Leads are those created in the months (the organization's calendar),
/// soft-deleted ones excluded. Money figures are in `currency`; when costs
/// and revenue are recorded in more than one currency they cannot be added
/// up, and every money figure is `None` (see `currencies`).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRoi {
    /// `None` for leads without a source.
    pub source: Option<String>,
    /// `None` for leads (and costs) without a sub-source.
    pub sub_source: Option<String>,
    pub leads: i64,
    /// Leads that reached QUALIFIED or beyond (HOT, RECRUITED), now or
    /// ever in their status history.
    pub qualified: i64,
    /// Leads whose status is RECRUITED now.
    pub recruited: i64,
    pub cost_cents: Option<i64>,
    /// Paid and fulfilled orders of the customers these leads became.
    pub revenue_cents: Option<i64>,
    /// The one currency of the money figures.
    pub currency: Option<String>,
    /// Every currency the row's costs and orders are recorded in.
    pub currencies: Vec<String>,
}

#[derive(FromQueryResult)]
struct SourceLeads {
    source: Option<String>,
    sub_source: Option<String>,
    leads: i64,
    qualified: i64,
    recruited: i64,
}

#[derive(FromQueryResult)]
struct SourceMoney {
    source: Option<String>,
    sub_source: Option<String>,
    currency: String,
    cents: i64,
}

/// A source and sub-source as ROI groups them: `""` is no sub-source.
type SourceKey = (Option<String>, String);

fn source_key(source: Option<String>, sub_source: Option<String>) -> SourceKey {
    (source, sub_source.unwrap_or_default())
}

#[derive(Default)]
struct SourceRow {
    leads: i64,
    qualified: i64,
    recruited: i64,
    cost: BTreeMap<String, i64>,
    revenue: BTreeMap<String, i64>,
}

impl SourceRow {
    fn into_roi(self, (source, sub_source): SourceKey) -> SourceRoi {
        let currencies: Vec<String> = self
            .cost
            .keys()
            .chain(self.revenue.keys())
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let single = currencies.len() <= 1;
        SourceRoi {
            source,
            sub_source: Some(sub_source).filter(|s| !s.is_empty()),
            leads: self.leads,
            qualified: self.qualified,
            recruited: self.recruited,
            cost_cents: single.then(|| self.cost.values().sum()),
            revenue_cents: single.then(|| self.revenue.values().sum()),
            currency: if currencies.len() == 1 {
                currencies.first().cloned()
            } else {
                None
            },
            currencies,
        }
    }
}

/// Cost, leads and revenue per lead source and sub-source for the months
/// of `span`. Sources with costs but no leads are listed too. Sorted by
/// source (none last), then sub-source. Three statements.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn lead_source_roi(
    app: &App,
    viewer: Viewer,
    span: MonthSpan,
) -> AppResult<Vec<SourceRoi>> {
    let (first, after) = (span.first(), span.after());
    let db = &app.db;
    let tz = viewer.timezone;
    let (start, end) = (day_start(tz, first), day_start(tz, after));
    let org = viewer.organization_id;

    use leads::Column as L;
    let reached = Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(lead_status_history::Entity)
            .and_where(
                Expr::col((
                    lead_status_history::Entity,
                    lead_status_history::Column::LeadId,
                ))
                .equals((leads::Entity, L::Id)),
            )
            .and_where(lead_status_history::Column::ToStatus.is_in(QUALIFIED))
            .to_owned(),
    );
    let counted = leads::Entity::find()
        .select_only()
        .column(L::Source)
        .column(L::SubSource)
        .column_as(L::Id.count(), "leads")
        .column_as(
            count_if(L::Status.is_in(QUALIFIED).or(reached)),
            "qualified",
        )
        .column_as(count_if(L::Status.eq(Status::Recruited)), "recruited")
        .filter(L::OrganizationId.eq(org))
        .filter(L::DeletedAt.is_null())
        .filter(L::CreatedAt.gte(start))
        .filter(L::CreatedAt.lt(end))
        .group_by(L::Source)
        .group_by(L::SubSource)
        .into_model::<SourceLeads>()
        .all(db)
        .await?;

    use lead_source_costs::Column as K;
    let costs = lead_source_costs::Entity::find()
        .select_only()
        .column_as(K::Source, "source")
        .column_as(K::SubSource, "sub_source")
        .column_as(K::Currency, "currency")
        .column_as(sum_bigint(Expr::col(K::CostCents)), "cents")
        .filter(K::OrganizationId.eq(org))
        .filter(K::Month.gte(first))
        .filter(K::Month.lt(after))
        .group_by(K::Source)
        .group_by(K::SubSource)
        .group_by(K::Currency)
        .into_model::<SourceMoney>()
        .all(db)
        .await?;

    let revenue = orders::Entity::find()
        .select_only()
        .column_as(L::Source, "source")
        .column_as(L::SubSource, "sub_source")
        .column_as(orders::Column::Currency, "currency")
        .column_as(
            sum_bigint(Expr::col((orders::Entity, orders::Column::TotalCents))),
            "cents",
        )
        .join(JoinType::InnerJoin, orders::Relation::Customer.def())
        .join(JoinType::InnerJoin, customers::Relation::Lead.def())
        .filter(orders::Column::OrganizationId.eq(org))
        .filter(orders::Column::Status.is_in(EARNING))
        .filter(customers::Column::OrganizationId.eq(org))
        .filter(L::OrganizationId.eq(org))
        .filter(L::DeletedAt.is_null())
        .filter(L::CreatedAt.gte(start))
        .filter(L::CreatedAt.lt(end))
        .group_by(L::Source)
        .group_by(L::SubSource)
        .group_by(orders::Column::Currency)
        .into_model::<SourceMoney>()
        .all(db)
        .await?;

    let mut rows: HashMap<SourceKey, SourceRow> = HashMap::new();
    for group in counted {
        let row = rows
            .entry(source_key(group.source, group.sub_source))
            .or_default();
        row.leads += group.leads;
        row.qualified += group.qualified;
        row.recruited += group.recruited;
    }
    for cost in costs {
        *rows
            .entry(source_key(cost.source, cost.sub_source))
            .or_default()
            .cost
            .entry(cost.currency)
            .or_default() += cost.cents;
    }
    for money in revenue {
        *rows
            .entry(source_key(money.source, money.sub_source))
            .or_default()
            .revenue
            .entry(money.currency)
            .or_default() += money.cents;
    }
    let mut rows: Vec<(SourceKey, SourceRow)> = rows.into_iter().collect();
    rows.sort_by(|(a, _), (b, _)| (a.0.is_none(), &a.0, &a.1).cmp(&(b.0.is_none(), &b.0, &b.1)));
    Ok(rows
        .into_iter()
        .map(|(key, row)| row.into_roi(key))
        .collect())
}

// ---------------------------------------------------------------------- costs

/// The lead source costs recorded for the months of `span`, by month, then
/// source and sub-source.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn lead_source_costs(
    app: &App,
    viewer: Viewer,
    span: MonthSpan,
) -> AppResult<Vec<lead_source_costs::Model>> {
    use lead_source_costs::Column as K;
    Ok(lead_source_costs::Entity::find()
        .filter(K::OrganizationId.eq(viewer.organization_id))
        .filter(K::Month.gte(span.first()))
        .filter(K::Month.lt(span.after()))
        .order_by_asc(K::Month)
        .order_by_asc(K::Source)
        .order_by_asc(K::SubSource)
        .all(&app.db)
        .await?)
}

/// What a lead source (and sub-source) cost in a month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceCost {
    pub source: String,
    pub sub_source: Option<String>,
    /// The first day of the month.
    pub month: NaiveDate,
    pub cost_cents: i64,
    /// A three-letter code; `None` is USD.
    pub currency: Option<String>,
    pub notes: Option<String>,
}

/// A validated [`SourceCost`].
struct Checked {
    source: Source,
    sub_source: SubSource,
    month: Month,
    cost: Cents,
    currency: Currency,
    notes: Option<String>,
}

impl SourceCost {
    /// Checks the source, sub-source, month, cost and currency, in that
    /// order; keys are the input's fields (`source`, `costCents`, …).
    fn check(self) -> AppResult<Checked> {
        Ok(Checked {
            source: Source::parse(&self.source)?,
            sub_source: SubSource::parse(self.sub_source.as_deref())?,
            month: Month::parse(self.month)?,
            cost: Cents::parse_cost(self.cost_cents)?,
            currency: Currency::parse_or_usd(self.currency.as_deref())?,
            notes: self.notes.filter(|n| !n.trim().is_empty()),
        })
    }
}

/// Records what a lead source (and sub-source) cost in a month (managers
/// and above); for a source, sub-source and month already recorded,
/// replaces its cost, currency and notes. Returns the stored row.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn record_lead_source_cost(
    app: &App,
    viewer: Viewer,
    input: SourceCost,
) -> AppResult<lead_source_costs::Model> {
    let viewer = viewer.require(Permission::Manage)?;
    let record = input.check()?;
    let write = app.begin_write().await?;
    let now = Utc::now();
    use lead_source_costs::Column as K;
    lead_source_costs::Entity::insert(lead_source_costs::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(viewer.organization_id),
        source: Set(record.source.as_str().to_owned()),
        sub_source: Set(record.sub_source.as_str().to_owned()),
        month: Set(record.month.first_day()),
        cost_cents: Set(record.cost.value()),
        currency: Set(record.currency.as_str().to_owned()),
        notes: Set(record.notes),
        created_by: Set(Some(viewer.user_id)),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([K::OrganizationId, K::Source, K::SubSource, K::Month])
            .update_columns([K::CostCents, K::Currency, K::Notes, K::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(&*write)
    .await?;
    let row = lead_source_costs::Entity::find()
        .filter(K::OrganizationId.eq(viewer.organization_id))
        .filter(K::Source.eq(record.source.as_str()))
        .filter(K::SubSource.eq(record.sub_source.as_str()))
        .filter(K::Month.eq(record.month.first_day()))
        .one(&*write)
        .await?
        .ok_or_else(|| {
            AppError::Internal(sea_orm::DbErr::RecordNotFound(
                "the recorded lead source cost".into(),
            ))
        })?;
    write.commit().await?;
    Ok(row)
}

/// Deletes a recorded lead source cost (managers and above); returns the
/// deleted row, or NOT_FOUND.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn delete_lead_source_cost(
    app: &App,
    viewer: Viewer,
    id: Uuid,
) -> AppResult<lead_source_costs::Model> {
    let viewer = viewer.require(Permission::Manage)?;
    let write = app.begin_write().await?;
    let row = lead_source_costs::Entity::find_by_id(id)
        .filter(lead_source_costs::Column::OrganizationId.eq(viewer.organization_id))
        .one(&*write)
        .await?
        .ok_or_else(|| AppError::not_found("lead source cost", id))?;
    lead_source_costs::Entity::delete_by_id(id)
        .exec(&*write)
        .await?;
    write.commit().await?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(change: impl FnOnce(&mut SourceCost)) -> SourceCost {
        let mut cost = SourceCost {
            source: " meta ".into(),
            sub_source: None,
            month: NaiveDate::from_ymd_opt(2026, 3, 1).expect("a date"),
            cost_cents: 100,
            currency: Some("usd".into()),
            notes: Some("  ".into()),
        };
        change(&mut cost);
        cost
    }

    fn refused(cost: SourceCost) -> (String, String) {
        match cost.check() {
            Err(AppError::BadUserInput(error)) => error.into_parts(),
            Err(other) => panic!("unexpected {other:?}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn a_cost_is_trimmed_upper_cased_and_blank_notes_dropped() {
        let checked = cost(|_| {}).check().expect("valid");
        assert_eq!(checked.source.as_str(), "meta");
        assert_eq!(checked.sub_source.as_str(), "");
        assert_eq!(checked.currency.as_str(), "USD");
        assert_eq!(checked.notes, None);
        let usd = cost(|c| c.currency = None).check().expect("valid");
        assert_eq!(usd.currency, Currency::USD);
    }

    #[test]
    fn each_cost_field_is_refused_under_its_own_key() {
        assert_eq!(refused(cost(|c| c.source = "  ".into())).0, "source");
        assert_eq!(
            refused(cost(
                |c| c.month = NaiveDate::from_ymd_opt(2026, 3, 15).expect("d")
            )),
            (
                "month".into(),
                "a month is given by its first day (2026-03-01, not 2026-03-15)".into()
            )
        );
        assert_eq!(refused(cost(|c| c.cost_cents = -1)).0, "costCents");
        assert_eq!(
            refused(cost(|c| c.currency = Some("U5D".into()))).0,
            "currency"
        );
        assert_eq!(
            refused(cost(|c| c.sub_source = Some("x".repeat(201)))).0,
            "subSource"
        );
    }
}
