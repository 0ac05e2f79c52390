//! Seed 002's customer analytics: the lead conversion funnel by lead score,
//! and deal close rates against how much happened with the customer while
//! the deal was open. One grouped statement each, whatever the numbers.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Statement};
use switchboard_domain::range::InstantRange;

use crate::actor::{Permission, Viewer};
use crate::dialect::json::placeholder;
use crate::error::AppResult;

/// Lead scores (0–100) by twenties: the funnel's rows, lowest first.
pub const SCORE_BUCKETS: [(i32, i32); 5] = [(0, 19), (20, 39), (40, 59), (60, 79), (80, 100)];

/// Activities during a deal, grouped: `(at least, at most)`, the last open.
pub const ACTIVITY_BUCKETS: [(i64, Option<i64>); 5] = [
    (0, Some(0)),
    (1, Some(2)),
    (3, Some(5)),
    (6, Some(10)),
    (11, None),
];

/// One row of the funnel: the leads created in the range whose score is in
/// `min_score..=max_score`, and how far they got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreFunnelRow {
    pub min_score: i32,
    pub max_score: i32,
    pub leads: i64,
    /// Leads with at least one call.
    pub called: i64,
    /// Leads that are QUALIFIED, HOT or RECRUITED, or ever were.
    pub qualified: i64,
    /// Leads converted into a customer.
    pub converted: i64,
    /// Converted leads whose customer has a paid or fulfilled order.
    pub paying: i64,
}

/// One row of the close rates: the deals closed in the range with this much
/// activity (messages and orders of the customer from the deal's creation
/// to its close).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseRateRow {
    pub min_activities: i64,
    pub max_activities: Option<i64>,
    /// Deals closed, won or lost.
    pub deals: i64,
    pub won: i64,
}

/// The funnel by lead score of the leads created in `range` (soft-deleted
/// ones left out): five rows, lowest scores first, empty ones included.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id))]
pub async fn conversion_by_score(
    db: &impl ConnectionTrait,
    viewer: Viewer,
    range: InstantRange,
) -> AppResult<Vec<ScoreFunnelRow>> {
    viewer.require(Permission::Read)?;
    let backend = db.get_database_backend();
    let p = |n| placeholder(backend, n);
    let bucket = bucket_case(
        "l.lead_score",
        SCORE_BUCKETS.iter().map(|(low, _)| i64::from(*low)),
    );
    let sql = format!(
        "SELECT {bucket} AS bucket, CAST(COUNT(*) AS BIGINT), \
         CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM calls k WHERE k.lead_id = l.id) \
             THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN l.status IN ('qualified', 'hot', 'recruited') OR EXISTS ( \
             SELECT 1 FROM lead_status_history h WHERE h.lead_id = l.id \
             AND h.to_status IN ('qualified', 'hot', 'recruited')) THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN c.id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id \
             AND o.status IN ('paid', 'fulfilled')) THEN 1 ELSE 0 END) AS BIGINT) \
         FROM leads l LEFT JOIN customers c ON c.lead_id = l.id AND c.organization_id = {org} \
         WHERE l.organization_id = {org} AND l.deleted_at IS NULL \
         AND l.created_at >= {from} AND l.created_at < {to} \
         GROUP BY {bucket}",
        org = p(1),
        from = p(2),
        to = p(3),
    );
    let rows = query(db, sql, viewer, range).await?;
    let mut out: Vec<ScoreFunnelRow> = SCORE_BUCKETS
        .iter()
        .map(|&(min_score, max_score)| ScoreFunnelRow {
            min_score,
            max_score,
            leads: 0,
            called: 0,
            qualified: 0,
            converted: 0,
            paying: 0,
        })
        .collect();
    for row in rows {
        let bucket: i64 = row.try_get_by_index(0)?;
        if let Some(slot) = usize::try_from(bucket).ok().and_then(|b| out.get_mut(b)) {
            slot.leads = row.try_get_by_index(1)?;
            slot.called = row.try_get_by_index(2)?;
            slot.qualified = row.try_get_by_index(3)?;
            slot.converted = row.try_get_by_index(4)?;
            slot.paying = row.try_get_by_index(5)?;
        }
    }
    Ok(out)
}

/// Close rates of the deals closed (won or lost) in `range`, by how many
/// messages and orders the customer had from the deal's creation to its
/// close: five rows, fewest activities first, empty ones included.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id))]
pub async fn close_rate_by_activity(
    db: &impl ConnectionTrait,
    viewer: Viewer,
    range: InstantRange,
) -> AppResult<Vec<CloseRateRow>> {
    viewer.require(Permission::Read)?;
    let backend = db.get_database_backend();
    let p = |n| placeholder(backend, n);
    let bucket = bucket_case("t.activities", ACTIVITY_BUCKETS.iter().map(|(low, _)| *low));
    // The activity counts walk the (customer_id, time, id) indexes of the
    // timeline; the deals, the (organization_id, closed_at) one.
    let sql = format!(
        "SELECT {bucket} AS bucket, CAST(COUNT(*) AS BIGINT), CAST(SUM(t.won) AS BIGINT) FROM ( \
             SELECT CASE WHEN d.stage = 'closed_won' THEN 1 ELSE 0 END AS won, \
             (SELECT COUNT(*) FROM messages m WHERE m.customer_id = d.customer_id \
                 AND m.sent_at >= d.created_at AND m.sent_at <= d.closed_at) \
             + (SELECT COUNT(*) FROM orders o WHERE o.customer_id = d.customer_id \
                 AND o.ordered_at >= d.created_at AND o.ordered_at <= d.closed_at) AS activities \
             FROM deals d WHERE d.organization_id = {org} \
             AND d.stage IN ('closed_won', 'closed_lost') \
             AND d.closed_at >= {from} AND d.closed_at < {to} \
         ) t GROUP BY {bucket}",
        org = p(1),
        from = p(2),
        to = p(3),
    );
    let rows = query(db, sql, viewer, range).await?;
    let mut out: Vec<CloseRateRow> = ACTIVITY_BUCKETS
        .iter()
        .map(|&(min_activities, max_activities)| CloseRateRow {
            min_activities,
            max_activities,
            deals: 0,
            won: 0,
        })
        .collect();
    for row in rows {
        let bucket: i64 = row.try_get_by_index(0)?;
        if let Some(slot) = usize::try_from(bucket).ok().and_then(|b| out.get_mut(b)) {
            slot.deals = row.try_get_by_index(1)?;
            slot.won = row.try_get_by_index(2)?;
        }
    }
    Ok(out)
}

/// `CASE` numbering the bucket `value` falls in, given each bucket's lower
/// bound in ascending order (only these integers reach the SQL).
fn bucket_case(value: &str, lows: impl IntoIterator<Item = i64>) -> String {
    let lows: Vec<i64> = lows.into_iter().collect();
    let arms: String = lows
        .iter()
        .enumerate()
        .skip(1)
        .rev()
        .map(|(i, low)| format!(" WHEN {value} >= {low} THEN {i}"))
        .collect();
    format!("CAST(CASE{arms} ELSE 0 END AS BIGINT)")
}

async fn query(
    db: &impl ConnectionTrait,
    sql: String,
    viewer: Viewer,
    range: InstantRange,
) -> AppResult<Vec<sea_orm::QueryResult>> {
    let (from, to): (DateTime<Utc>, DateTime<Utc>) = (range.from(), range.to());
    Ok(db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            [viewer.organization_id.into(), from.into(), to.into()],
        ))
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_number_from_the_lowest() {
        assert_eq!(
            bucket_case("x", [0, 3, 10]),
            "CAST(CASE WHEN x >= 10 THEN 2 WHEN x >= 3 THEN 1 ELSE 0 END AS BIGINT)"
        );
    }
}
