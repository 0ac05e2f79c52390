//! Switchboard's business rules, as plain functions and types.
//!
//! Nothing here knows about HTTP or GraphQL, so every rule is tested on its
//! own and shared by the API, the webhooks, the seeders and the CLI.
//!
//! Values a client sends are parsed here once, into types that cannot hold
//! an invalid value (`Email`, `Score`, `TimeZone`, `DateRange`, …); a
//! refusal is a [`field::FieldError`] keyed by the field's own name, which
//! the API re-keys to its paths.

pub mod analytics;
pub mod assignment;
pub mod auth;
pub mod automation;
pub mod batch;
pub mod call_status;
pub mod calls;
pub mod campaign;
pub mod customers;
pub mod dial;
pub mod email;
pub mod field;
pub mod hours;
pub mod money;
pub mod password;
pub mod phone;
pub mod range;
pub mod rollups;
pub mod score;
pub mod scoring;
pub mod secrets;
pub mod sequences;
pub mod tags;
pub mod target;
pub mod text;
pub mod timezone;
pub mod token;
pub mod transcript;
pub mod webhooks;
