//! The Switchboard server: configuration, database wiring, the HTTP router and
//! the commands of the `switchboard` binary.
//!
//! `main.rs` only parses the command line and calls into this library, so the
//! tests build the very same application on a port of their own.

pub mod app;
pub mod auth;
pub mod cli;
pub mod commands;
pub mod db;
pub mod http;
pub mod messaging;
pub mod oidc;
pub mod rate_limit;
pub mod roles;
pub mod secrets;
pub mod serve;
pub mod settings;
pub mod tasks;
pub mod telemetry;

pub use app::{AppState, Application};
