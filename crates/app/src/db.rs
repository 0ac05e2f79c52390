//! [`Db`]: the database as one tenant sees it.
//!
//! On PostgreSQL every tenant table is under row-level security that the
//! runtime role cannot escape (m0010 `FORCE`s it): a row is visible only when
//! the transaction's `app.current_org_id` names its organization, and the
//! identity tables follow `app.current_user_id`. A [`Db`] scoped to a
//! [`Tenant`] sets both with `set_config(…, true)`, which lasts one
//! transaction, before its statements run:
//!
//! - **per request** ([`Db::for_request`]): the first statement opens one
//!   transaction that every later read of the request shares, dataloader
//!   batches included; [`Db::finish`] ends it. One connection per request, as
//!   PostGraphile does it.
//! - **per statement** ([`Db::for_tenant`]): each statement runs in a
//!   transaction of its own, for what outlives a request (subscriptions,
//!   event streams, webhook deliveries).
//!
//! Writes open their own transaction with [`Db::begin`], scoped the same way.
//! An unscoped [`Db`] is the bare pool: under the runtime role it sees no
//! tenant's rows at all. What must cross organizations on purpose uses
//! [`crate::App::privileged`] instead.
//!
//! SQLite has no row-level security: there every statement goes straight to
//! the pool and the application's own `organization_id` filters are the wall.

use std::sync::Arc;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement, TransactionOptions, TransactionTrait, Value,
};
use tokio::sync::Mutex;
use uuid::Uuid;

/// Whose rows a [`Db`] may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tenant {
    pub organization_id: Uuid,
    /// The member, for the identity tables' policies (their own user row,
    /// sessions and memberships); none for system work such as webhooks.
    pub user_id: Option<Uuid>,
}

impl Tenant {
    /// System work inside one organization (a webhook delivery, a task).
    pub fn organization(organization_id: Uuid) -> Self {
        Self {
            organization_id,
            user_id: None,
        }
    }
}

/// A connection handle scoped to a tenant (or not); cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: DatabaseConnection,
    tenant: Option<Tenant>,
    /// The request's shared read transaction (per-request mode only).
    shared: Option<Arc<Mutex<Option<DatabaseTransaction>>>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("tenant", &self.tenant)
            .field("per_request", &self.shared.is_some())
            .finish_non_exhaustive()
    }
}

impl Db {
    /// The bare pool, scoped to no tenant.
    pub fn new(pool: DatabaseConnection) -> Self {
        Self {
            pool,
            tenant: None,
            shared: None,
        }
    }

    /// The same pool, each statement in its own transaction scoped to `tenant`.
    #[must_use]
    pub fn for_tenant(&self, tenant: Tenant) -> Self {
        Self {
            pool: self.pool.clone(),
            tenant: Some(tenant),
            shared: None,
        }
    }

    /// The same pool, one transaction scoped to `tenant` shared by every
    /// statement until [`Db::finish`].
    #[must_use]
    pub fn for_request(&self, tenant: Tenant) -> Self {
        Self {
            pool: self.pool.clone(),
            tenant: Some(tenant),
            shared: Some(Arc::new(Mutex::new(None))),
        }
    }

    /// The pool underneath, unscoped.
    pub fn pool(&self) -> &DatabaseConnection {
        &self.pool
    }

    /// Whether statements need a scoped transaction: a tenant on PostgreSQL.
    fn scoped_tenant(&self) -> Option<Tenant> {
        self.tenant
            .filter(|_| self.pool.get_database_backend() == DbBackend::Postgres)
    }

    /// Opens a transaction with this handle's tenant set (a write, or
    /// anything that needs several statements to agree).
    pub async fn begin(&self, options: TransactionOptions) -> Result<DatabaseTransaction, DbErr> {
        let txn = self.pool.begin_with_options(options).await?;
        if let Some(tenant) = self.scoped_tenant() {
            set_tenant(&txn, tenant).await?;
        }
        Ok(txn)
    }

    /// Ends the request's shared transaction, if one was opened. Reads
    /// change nothing, so it commits only to hand the connection back at once.
    pub async fn finish(&self) -> Result<(), DbErr> {
        let Some(shared) = &self.shared else {
            return Ok(());
        };
        let txn = shared.lock().await.take();
        match txn {
            Some(txn) => txn.commit().await,
            None => Ok(()),
        }
    }
}

/// Sets `tenant` for the rest of `txn`.
pub async fn set_tenant(txn: &impl ConnectionTrait, tenant: Tenant) -> Result<(), DbErr> {
    let user = tenant.user_id.map(|u| u.to_string()).unwrap_or_default();
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT set_config('app.current_org_id', $1, true), \
                set_config('app.current_user_id', $2, true)",
        [
            Value::from(tenant.organization_id.to_string()),
            Value::from(user),
        ],
    ))
    .await?;
    Ok(())
}

/// Runs one statement the way `$db` routes it: straight to the pool, in
/// the request's shared transaction, or in a scoped transaction of its own.
macro_rules! routed {
    ($db:expr, |$conn:ident| $call:expr) => {{
        let db: &Db = $db;
        match (db.scoped_tenant(), &db.shared) {
            (None, _) => {
                let $conn = &db.pool;
                $call.await
            }
            (Some(tenant), Some(shared)) => {
                let mut slot = shared.lock().await;
                if slot.is_none() {
                    let txn = db.pool.begin().await?;
                    set_tenant(&txn, tenant).await?;
                    *slot = Some(txn);
                }
                let result = match slot.as_ref() {
                    Some($conn) => $call.await,
                    None => unreachable!("the slot was just filled"),
                };
                // A failed statement aborts a PostgreSQL transaction: the
                // next statement starts a fresh one instead of failing too.
                if result.is_err() {
                    slot.take();
                }
                result
            }
            (Some(tenant), None) => {
                let txn = db.pool.begin().await?;
                set_tenant(&txn, tenant).await?;
                let result = {
                    let $conn = &txn;
                    $call.await?
                };
                txn.commit().await?;
                Ok(result)
            }
        }
    }};
}

#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.pool.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        routed!(self, |conn| conn.execute_raw(stmt))
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        routed!(self, |conn| conn.execute_unprepared(sql))
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        routed!(self, |conn| conn.query_one_raw(stmt))
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        routed!(self, |conn| conn.query_all_raw(stmt))
    }
}
