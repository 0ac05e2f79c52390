//! `customerStats`: the organization's customers grouped by score band,
//! status, sales rep or original lead source — how many, their average
//! composite score, and their revenue (the totals of their paid and
//! fulfilled orders) — in one statement.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use switchboard_domain::customers::ScoreBand;
use switchboard_entity::enums::CustomerStatus;
use uuid::Uuid;

use crate::actor::{Permission, Viewer};
use crate::error::{AppError, AppResult};

/// What customers are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerGroup {
    Band,
    Status,
    SalesRep,
    Source,
}

impl CustomerGroup {
    /// The grouping expression: only these literals reach the SQL.
    fn sql(self) -> &'static str {
        match self {
            Self::Band => {
                "CASE WHEN c.lead_score >= 24 THEN 'hot' WHEN c.lead_score >= 18 THEN 'warm' \
                 WHEN c.lead_score >= 12 THEN 'cool' WHEN c.lead_score >= 6 THEN 'cold' END"
            }
            Self::Status => "c.status",
            Self::SalesRep => "c.sales_rep_user_id",
            Self::Source => "c.original_lead_source",
        }
    }
}

/// One group: the keys it was grouped by (the others are `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerStatsRow {
    pub band: Option<ScoreBand>,
    pub status: Option<CustomerStatus>,
    pub sales_rep_id: Option<Uuid>,
    pub source: Option<String>,
    pub customers: i64,
    /// The average composite score (6–30) of those scored.
    pub average_score: Option<f64>,
    pub revenue_cents: i64,
}

/// The organization's customers grouped by `groups` (one to four,
/// distinct), largest groups first.
pub async fn customer_stats(
    db: &impl ConnectionTrait,
    viewer: Viewer,
    groups: &[CustomerGroup],
) -> AppResult<Vec<CustomerStatsRow>> {
    viewer.require(Permission::Read)?;
    let repeated = groups
        .iter()
        .enumerate()
        .any(|(i, g)| groups[..i].contains(g));
    if groups.is_empty() || repeated || groups.len() > 4 {
        return Err(AppError::bad_input(
            "groupBy",
            "one to four distinct groupings",
        ));
    }
    let keys: Vec<String> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| format!("{} AS k{i}", g.sql()))
        .collect();
    let group_by: Vec<&str> = groups.iter().map(|g| g.sql()).collect();
    let backend = db.get_database_backend();
    let average = match backend {
        DbBackend::Postgres => "CAST(AVG(c.lead_score) AS DOUBLE PRECISION)",
        _ => "AVG(c.lead_score)",
    };
    let sql = format!(
        "SELECT {keys}, COUNT(*) AS customers, {average} AS average_score, \
         CAST(COALESCE(SUM(rev.total), 0) AS BIGINT) AS revenue \
         FROM customers c LEFT JOIN ( \
             SELECT o.customer_id, SUM(o.total_cents) AS total FROM orders o \
             WHERE o.organization_id = $1 AND o.status IN ('paid', 'fulfilled') \
             GROUP BY o.customer_id \
         ) rev ON rev.customer_id = c.id \
         WHERE c.organization_id = $1 \
         GROUP BY {group_by} ORDER BY customers DESC, {group_by} LIMIT 1000",
        keys = keys.join(", "),
        group_by = group_by.join(", "),
    );
    let sql = crate::dialect::numbered(backend, &sql);
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [viewer.organization_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let mut out = CustomerStatsRow {
                band: None,
                status: None,
                sales_rep_id: None,
                source: None,
                customers: row.try_get_by_index(groups.len())?,
                average_score: row.try_get_by_index(groups.len() + 1)?,
                revenue_cents: row.try_get_by_index(groups.len() + 2)?,
            };
            for (i, group) in groups.iter().enumerate() {
                match group {
                    CustomerGroup::Band => {
                        let band: Option<String> = row.try_get_by_index(i)?;
                        out.band = band.map(|band| match band.as_str() {
                            "hot" => ScoreBand::Hot,
                            "warm" => ScoreBand::Warm,
                            "cool" => ScoreBand::Cool,
                            _ => ScoreBand::Cold,
                        });
                    }
                    CustomerGroup::Status => out.status = Some(row.try_get_by_index(i)?),
                    CustomerGroup::SalesRep => out.sales_rep_id = row.try_get_by_index(i)?,
                    CustomerGroup::Source => out.source = row.try_get_by_index(i)?,
                }
            }
            Ok(out)
        })
        .collect()
}
