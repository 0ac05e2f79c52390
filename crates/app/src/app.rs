//! [`App`]: what every use case runs against (the pool, the event bus, the
//! key secrets are sealed with), and [`Write`], the one way a use case writes.
//!
//! The write convention: [`App::begin_write`] opens the transaction, the use
//! case writes through it and pushes the events it causes to
//! [`Write::outbox`], and [`Write::commit`] commits and only then publishes
//! them. A use case announces its own events, so a lead written by a webhook,
//! an import or a mutation reaches `leadUpdated` alike, and a write that
//! fails announces nothing.

use std::ops::Deref;
use std::sync::Arc;

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use switchboard_domain::secrets::SecretKey;

use crate::error::AppResult;
use crate::events::{EventBus, Message, Outbox};
use crate::identity::IdentityConfig;
use crate::identity::mail::{Mailer, OutboxMailer};

/// The application: cheap to clone, one per process (tests build several).
#[derive(Clone)]
pub struct App {
    pub db: DatabaseConnection,
    pub bus: EventBus,
    /// The key provider signing secrets are sealed with.
    pub secret_key: Arc<SecretKey>,
    /// How logins and tokens are configured.
    pub identity: Arc<IdentityConfig>,
    /// What sends reset and verification links.
    pub mailer: Arc<dyn Mailer>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").finish_non_exhaustive()
    }
}

impl App {
    /// An application with the development identity settings (tokens
    /// signed with a random secret of this process, mail kept in the
    /// outbox); `switchboard serve` sets its own with [`App::with_identity`]
    /// and [`App::with_mailer`].
    pub fn new(db: DatabaseConnection, bus: EventBus, secret_key: Arc<SecretKey>) -> Self {
        let secret = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        Self {
            mailer: Arc::new(OutboxMailer::new(db.clone())),
            identity: Arc::new(IdentityConfig::new(secret)),
            db,
            bus,
            secret_key,
        }
    }

    /// The same application, with `identity`'s settings.
    #[must_use]
    pub fn with_identity(mut self, identity: IdentityConfig) -> Self {
        self.identity = Arc::new(identity);
        self
    }

    /// The same application, sending mail through `mailer`.
    #[must_use]
    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = mailer;
        self
    }

    /// Opens a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers queue instead of failing on upgrade.
    pub async fn begin_write(&self) -> AppResult<Write> {
        begin(&self.db, &self.bus).await
    }
}

/// Opens a write transaction over `db` whose events go to `bus` on commit.
pub async fn begin(db: &DatabaseConnection, bus: &EventBus) -> AppResult<Write> {
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    Ok(Write {
        txn,
        outbox: Outbox::default(),
        bus: bus.clone(),
    })
}

/// An open write transaction and the events it will announce. Dropped
/// without [`Write::commit`], it rolls back and announces nothing.
pub struct Write {
    txn: DatabaseTransaction,
    /// The events this write causes, published after commit.
    pub outbox: Outbox,
    bus: EventBus,
}

impl Write {
    /// Records an event to publish once the write commits.
    pub fn announce(&self, message: Message) {
        self.outbox.push(message);
    }

    /// Commits, then publishes the outbox (on PostgreSQL the events are
    /// staged inside the transaction, so every instance sees them at commit).
    pub async fn commit(self) -> AppResult<()> {
        self.bus.commit(self.txn, &self.outbox).await?;
        Ok(())
    }
}

impl Deref for Write {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}
