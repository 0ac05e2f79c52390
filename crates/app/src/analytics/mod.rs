//! Analytics: the daily rollups kept by every write, and every figure the
//! API reports, read here so that each is one plain function over the
//! organization's rows, testable without GraphQL.
//!
//! - [`rollups`]: keeping `organization_analytics` and `agent_analytics`
//!   exact, and rebuilding them; [`periods`] and [`figures`] read them
//!   (organization and agent periods, KPIs), [`targets`] sets agents'
//!   targets against them.
//! - [`summary`]: the call summary, from [`day_counts`] (calls per local
//!   day, source and stage, kept by triggers) and live counts.
//! - [`stats`]: ad-hoc group-bys over the list filters, one statement each
//!   ([`stats_sql`], with time zones through [`offsets`]).
//! - [`funnel`]: the call metrics dashboard and the lead funnel;
//!   [`sources`]: lead source costs and ROI.
//! - [`live`]: the live counters of `analyticsChanged`.
//!
//! Where SQLite and PostgreSQL differ, the SQL comes from
//! [`crate::dialect`].

pub mod day_counts;
pub mod figures;
pub mod funnel;
pub mod live;
mod offsets;
pub mod periods;
pub mod rollups;
pub mod sources;
pub mod stats;
mod stats_sql;
pub mod summary;
pub mod targets;
