//! Data sets for Switchboard: the demo organization that `serve --demo` shows,
//! and benchmark sets of any size (`seed --scale N`, with customers and
//! their orders with `--customers`).
//!
//! Seeds write through the entities in multi-row statements sized to each
//! backend's bind-parameter limit, inside one transaction, so a failed seed
//! leaves nothing behind. Seed data is not schema history: migrations never
//! call into this crate.

mod callgen;
mod customers;
mod demo;
mod fake;
mod insert;
mod scale;

pub use customers::{
    ActivitySummary, CUSTOMERS_PER_SCALE, CustomersSummary, ORDERS_PER_SCALE, activities, customers,
};
pub use demo::{DEMO_PASSWORD, DEMO_SLUG, DemoSummary, demo};
pub use scale::{CALLS_PER_SCALE, LEADS_PER_SCALE, ScaleSummary, scale};

/// Why a seed failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("database error while seeding")]
    Database(#[from] sea_orm::DbErr),
}
