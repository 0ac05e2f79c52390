//! RFM scores in the database: the method of
//! `switchboard_domain::customers` as one `UPDATE … FROM` over the
//! organization's customers, with window functions ranking their counted
//! orders (`paid`, `fulfilled`). One statement however many customers,
//! run in the transaction of every order change (the quintile boundaries
//! move for everyone when one customer buys), by
//! `recalculateCustomerScores`, and by the periodic task.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use crate::actor::{Permission, Viewer};
use crate::app::App;
use crate::error::AppResult;

/// The statement: `$1` the organization, `$2` now. A value at least as
/// good as `c` of the `n` scored customers' scores `⌈5c / n⌉`, computed in
/// integers as `(5c + n - 1) / n`; `COUNT(*) OVER (ORDER BY v)` counts the
/// peers of `v` too, so ties score alike. For recency an earlier latest
/// order is worse: the most recent buyer counts every other as no better.
const RESCORE: &str = "
WITH stats AS (
    SELECT o.customer_id AS id,
           MAX(o.ordered_at) AS last_at,
           COUNT(*) AS bought,
           SUM(o.total_cents) AS spent
    FROM orders o
    WHERE o.organization_id = $1 AND o.status IN ('paid', 'fulfilled')
    GROUP BY o.customer_id
), ranked AS (
    SELECT id,
           (5 * COUNT(*) OVER (ORDER BY last_at) + COUNT(*) OVER () - 1) / COUNT(*) OVER () AS r,
           (5 * COUNT(*) OVER (ORDER BY bought) + COUNT(*) OVER () - 1) / COUNT(*) OVER () AS f,
           (5 * COUNT(*) OVER (ORDER BY spent) + COUNT(*) OVER () - 1) / COUNT(*) OVER () AS m
    FROM stats
), scored AS (
    SELECT c.id,
           COALESCE(ranked.r, 1) AS r,
           COALESCE(ranked.f, 1) AS f,
           COALESCE(ranked.m, 1) AS m
    FROM customers c LEFT JOIN ranked ON ranked.id = c.id
    WHERE c.organization_id = $1
)
UPDATE customers
SET rfm_recency = scored.r,
    rfm_frequency = scored.f,
    rfm_monetary = scored.m,
    lead_score = 2 * (scored.r + scored.f + scored.m),
    last_scored_at = $2,
    updated_at = CASE
        WHEN customers.lead_score IS DISTINCT FROM 2 * (scored.r + scored.f + scored.m)
        THEN $2 ELSE customers.updated_at END
FROM scored
WHERE customers.id = scored.id";

/// Rescores every customer of the organization; returns how many rows the
/// statement touched.
pub async fn rescore(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => RESCORE.to_owned(),
        // SQLite spells `IS DISTINCT FROM` as `IS NOT`, and numbers its
        // placeholders `?n`.
        _ => RESCORE
            .replace("IS DISTINCT FROM", "IS NOT")
            .replace('$', "?"),
    };
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [organization_id.into(), now.into()],
        ))
        .await?;
    Ok(done.rows_affected())
}

/// `recalculateCustomerScores` (managers and above): rescores the
/// organization's customers now, one statement.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn recalculate(app: &App, viewer: Viewer) -> AppResult<u64> {
    viewer.require(Permission::Manage)?;
    let write = app.begin_write().await?;
    let touched = rescore(&*write, viewer.organization_id, Utc::now()).await?;
    write.commit().await?;
    Ok(touched)
}
