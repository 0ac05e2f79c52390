//! [`App`]: what every use case runs against (the database as its tenant
//! sees it, the event bus, the key secrets are sealed with, what sends mail
//! and nurture messages), and [`Write`], the one way a use case writes.
//!
//! The write convention: [`App::begin_write`] opens the transaction, the use
//! case writes through it and pushes the events it causes to
//! [`Write::outbox`], and [`Write::commit`] commits and only then publishes
//! them. A use case announces its own events, so a lead written by a webhook,
//! an import or a mutation reaches `leadUpdated` alike, and a write that
//! fails announces nothing.

use std::ops::Deref;
use std::sync::Arc;

use sea_orm::{DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions};
use switchboard_domain::secrets::SecretKey;

use crate::db::{Db, Tenant};
use crate::dialer::{NoVoice, VoiceProvider};
use crate::error::AppResult;
use crate::events::{EventBus, Message, Outbox};
use crate::identity::IdentityConfig;
use crate::identity::mail::{Mailer, OutboxMailer};
use crate::messaging::{Channels, Messaging};

/// The application: cheap to clone, one per process (tests build several).
#[derive(Clone)]
pub struct App {
    /// The database as this application's tenant sees it (see [`crate::db`]).
    pub db: Db,
    /// The owner's pool, for the few reads and writes that cross
    /// organizations on purpose (see [`App::privileged`]).
    privileged: DatabaseConnection,
    pub bus: EventBus,
    /// The key provider signing secrets are sealed with.
    pub secret_key: Arc<SecretKey>,
    /// How logins and tokens are configured.
    pub identity: Arc<IdentityConfig>,
    /// What sends reset and verification links.
    pub mailer: Arc<dyn Mailer>,
    /// Whether `mailer` was chosen ([`App::with_mailer`]) rather than the
    /// development outbox, which follows the privileged pool.
    mailer_chosen: bool,
    /// What sends nurture sequences' SMS and email.
    pub messaging: Arc<dyn Messaging>,
    /// What places calls at the voice providers.
    pub voice: Arc<dyn VoiceProvider>,
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
    /// `db` serves as both the runtime and the privileged pool (one role:
    /// SQLite, or PostgreSQL in development); see [`App::with_privileged`].
    pub fn new(db: DatabaseConnection, bus: EventBus, secret_key: Arc<SecretKey>) -> Self {
        let secret = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        Self {
            mailer: Arc::new(OutboxMailer::new(db.clone())),
            mailer_chosen: false,
            messaging: Arc::new(Channels::development()),
            voice: Arc::new(NoVoice),
            identity: Arc::new(IdentityConfig::new(secret)),
            privileged: db.clone(),
            db: Db::new(db),
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
        self.mailer_chosen = true;
        self
    }

    /// The same application, sending nurture messages through `messaging`.
    #[must_use]
    pub fn with_messaging(mut self, messaging: Arc<dyn Messaging>) -> Self {
        self.messaging = messaging;
        self
    }

    /// The same application, placing calls through `voice`.
    #[must_use]
    pub fn with_voice(mut self, voice: Arc<dyn VoiceProvider>) -> Self {
        self.voice = voice;
        self
    }

    /// The same application with `owner` as the privileged pool: the
    /// table owner's, which row-level security lets through (m0010). The
    /// development outbox writes there too (the runtime role may not);
    /// a mailer chosen with [`App::with_mailer`] stays.
    #[must_use]
    pub fn with_privileged(mut self, owner: DatabaseConnection) -> Self {
        if !self.mailer_chosen {
            self.mailer = Arc::new(OutboxMailer::new(owner.clone()));
        }
        self.privileged = owner;
        self
    }

    /// The same application scoped to `tenant`, each statement in a
    /// transaction of its own (webhooks, subscriptions, tasks).
    #[must_use]
    pub fn for_tenant(&self, tenant: Tenant) -> Self {
        Self {
            db: self.db.for_tenant(tenant),
            ..self.clone()
        }
    }

    /// The same application scoped to `tenant` for one request: its reads
    /// share one transaction, which the caller ends with [`Db::finish`].
    #[must_use]
    pub fn for_request(&self, tenant: Tenant) -> Self {
        Self {
            db: self.db.for_request(tenant),
            ..self.clone()
        }
    }

    /// The privileged path: the owner's pool, which sees every organization.
    ///
    /// Only what must cross organizations on purpose uses it, and
    /// tests/e2e/architecture.rs keeps the list: identity (logins, tokens and
    /// memberships are looked up before any tenant is known, and creating an
    /// organization writes outside the current one), authenticating each
    /// request and re-checking open sockets, a webhook's organization by its
    /// slug and whose provider ids it carries, the call summary's refresh,
    /// the periodic clean-up, which organizations have sequence steps or
    /// follow-ups due (the runner then works each as its tenant), which
    /// have customers to rescore (likewise), which have calls due to dial
    /// (the dispatcher likewise), readiness,
    /// and the CLI (which connects as the
    /// owner). Everything else runs on [`App::db`].
    pub fn privileged(&self) -> &DatabaseConnection {
        &self.privileged
    }

    /// Opens a write transaction scoped to this application's tenant. On
    /// SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so two
    /// writers queue instead of failing on upgrade.
    pub async fn begin_write(&self) -> AppResult<Write> {
        // A request holds one connection at a time: the reads it made so far
        // end before its write begins (reads after it start afresh).
        self.db.finish().await?;
        let txn = self.db.begin(write_options()).await?;
        Ok(Write::new(txn, &self.bus))
    }

    /// Opens a write transaction on the privileged pool (see [`App::privileged`]).
    pub async fn begin_privileged_write(&self) -> AppResult<Write> {
        use sea_orm::TransactionTrait;
        let txn = self.privileged.begin_with_options(write_options()).await?;
        Ok(Write::new(txn, &self.bus))
    }
}

fn write_options() -> TransactionOptions {
    TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    }
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
    fn new(txn: DatabaseTransaction, bus: &EventBus) -> Self {
        Self {
            txn,
            outbox: Outbox::default(),
            bus: bus.clone(),
        }
    }

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
