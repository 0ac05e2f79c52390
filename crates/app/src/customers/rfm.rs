//! RFM scores in the database: the method of
//! `switchboard_domain::customers` as one `UPDATE … FROM` over the
//! organization's customers, with window functions ranking their counted
//! orders (`paid`, `fulfilled`). One statement however many customers,
//! run in the transaction of every order change (the quintile boundaries
//! move for everyone when one customer buys), by
//! `recalculateCustomerScores`, and hourly for every organization by
//! [`rescore_loop`] in `serve` (recency ages while nobody orders).

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QuerySelect, Statement};
use switchboard_entity::customers;
use uuid::Uuid;

use crate::actor::{Permission, Viewer};
use crate::app::App;
use crate::db::Tenant;
use crate::error::AppResult;
use crate::events::{CustomerEvent, Message, Outbox};

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
    updated_at = $2
FROM scored
WHERE customers.id = scored.id
  AND (customers.rfm_recency IS DISTINCT FROM scored.r
    OR customers.rfm_frequency IS DISTINCT FROM scored.f
    OR customers.rfm_monetary IS DISTINCT FROM scored.m)
RETURNING customers.id";

/// Every customer of the organization was scored at `$2`.
const STAMP: &str = "UPDATE customers SET last_scored_at = $2 WHERE organization_id = $1";

/// Rescores every customer of the organization: two statements however
/// many customers (the scores that changed, announced to
/// `customerUpdated`; then every customer's `last_scored_at`). Returns
/// how many customers were scored.
pub async fn rescore(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    organization_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    rescore_changes(db, outbox, organization_id, now).await?;
    let backend = db.get_database_backend();
    let stamped = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            crate::dialect::numbered(backend, STAMP),
            [organization_id.into(), now.into()],
        ))
        .await?;
    Ok(stamped.rows_affected())
}

/// Rescores the organization as an order change does, in its transaction:
/// one statement, writing only the customers whose scores move (their
/// `last_scored_at` too, announced to `customerUpdated`), so an order
/// rewrites no more rows than it changes; the hourly and on-demand rescores
/// ([`rescore`]) stamp everyone. Returns how many customers changed.
pub async fn rescore_changes(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    organization_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let backend = db.get_database_backend();
    let dialect = |sql: &str| match backend {
        DbBackend::Postgres => sql.to_owned(),
        // SQLite spells `IS DISTINCT FROM` as `IS NOT`.
        _ => crate::dialect::numbered(backend, &sql.replace("IS DISTINCT FROM", "IS NOT")),
    };
    let values = || [organization_id.into(), now.into()];
    let changed = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            dialect(RESCORE),
            values(),
        ))
        .await?;
    let count = changed.len() as u64;
    for row in changed {
        let customer_id: Uuid = row.try_get_by_index(0)?;
        outbox.push(Message::Customer(CustomerEvent {
            organization_id,
            customer_id,
            created: false,
            occurred_at: now,
        }));
    }
    Ok(count)
}

/// `recalculateCustomerScores` (managers and above): rescores the
/// organization's customers now, one statement.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn recalculate(app: &App, viewer: Viewer) -> AppResult<u64> {
    viewer.require(Permission::Manage)?;
    let write = app.begin_write().await?;
    let touched = rescore(&*write, &write.outbox, viewer.organization_id, Utc::now()).await?;
    write.commit().await?;
    Ok(touched)
}

/// Rescores every organization that has customers, each as its tenant in a
/// transaction of its own (the list of organizations is the privileged
/// read: it spans them); returns how many were rescored.
pub async fn rescore_all(app: &App, now: DateTime<Utc>) -> AppResult<usize> {
    let organizations: Vec<Uuid> = customers::Entity::find()
        .select_only()
        .column(customers::Column::OrganizationId)
        .distinct()
        .into_tuple()
        .all(app.privileged())
        .await?;
    let mut done = 0;
    for organization_id in organizations {
        let tenant = app.for_tenant(Tenant::organization(organization_id));
        let write = tenant.begin_write().await?;
        rescore(&*write, &write.outbox, organization_id, now).await?;
        write.commit().await?;
        done += 1;
    }
    Ok(done)
}

/// Rescores every organization every `every` (recency ages as days pass
/// without an order), until the process ends; a failed round is logged.
pub async fn rescore_loop(app: App, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match rescore_all(&app, Utc::now()).await {
            Ok(_) => metrics::gauge!(
                "switchboard_task_last_completed_timestamp_seconds",
                "task" => "customer_rescore"
            )
            .set(Utc::now().timestamp_millis() as f64 / 1000.0),
            Err(err) => tracing::warn!(error = %err, "rescoring customers failed"),
        }
    }
}
