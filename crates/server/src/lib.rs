//! The Switchboard server: configuration, database wiring, the HTTP router and
//! the commands of the `switchboard` binary.
//!
//! `main.rs` only parses the command line and calls into this library, so the
//! tests build the very same application on a port of their own.

// The merged GraphQL roots nest deeply enough that an optimized build's
// trait resolution (`MutationRoot`'s merged fields) passes the default 128.
#![recursion_limit = "256"]

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
pub mod voice;

pub use app::{AppState, Application};
