//! Switchboard's application layer: every use case, as a plain async
//! function over a transaction, and the reads the API answers.
//!
//! The transports (`switchboard-graphql`, the server's webhook handler and
//! CLI) authenticate, parse their input and translate [`AppError`] into their
//! own codes; they never build a row or open a transaction themselves. Rules
//! that need no database live one floor down, in `switchboard-domain`.

pub mod actor;
pub mod analytics;
pub mod app;
pub mod audit;
pub mod calls;
pub mod campaigns;
pub mod customers;
pub mod db;
pub mod dialect;
pub mod dialer;
pub mod error;
pub mod events;
pub mod identity;
pub mod leads;
pub mod ledger;
pub mod messaging;
pub mod query;
pub mod settings;
pub mod setup;
pub mod tenant;
pub mod webhooks;

pub use actor::{Actor, Auth, Permission, Viewer};
pub use app::{App, Write};
pub use db::{Db, Tenant};
pub use error::{AppError, AppResult};
pub use events::EventBus;
