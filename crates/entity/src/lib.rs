//! SeaORM entities of every Switchboard table and view: the database rows,
//! nothing more.
//!
//! One module per table, named exactly like the table, plus the two read-only
//! views and [`enums`], the closed value sets of the schema's `CHECK (col IN
//! (...))` lists. The schema itself is the SQL in `migration/sql`; these types
//! mirror it column by column and work on PostgreSQL and SQLite alike.
//!
//! Business rules live in `switchboard-domain` and the GraphQL types in
//! `switchboard-graphql`: keeping them out of this crate lets the row types
//! change only when the schema does.

pub mod enums;
pub mod prelude;

pub mod admin_audit_log;
pub mod agent_analytics;
pub mod agent_targets;
pub mod agents;
pub mod call_analytics_summary;
pub mod call_day_count_changes;
pub mod call_day_counts;
pub mod call_events;
pub mod calls;
pub mod campaign_leads;
pub mod campaigns;
pub mod credit_transactions;
pub mod customer_activity_timeline;
pub mod customer_reference_counters;
pub mod customers;
pub mod deals;
pub mod dnc_list;
pub mod email_verifications;
pub mod event_sequences;
pub mod follow_ups;
pub mod invitations;
pub mod lead_analytics;
pub mod lead_assignments;
pub mod lead_audit_log;
pub mod lead_messages;
pub mod lead_score_history;
pub mod lead_sequence_enrollments;
pub mod lead_source_costs;
pub mod lead_status_history;
pub mod leads;
pub mod login_attempts;
pub mod mail_outbox;
pub mod messages;
pub mod nurture_sequences;
pub mod orders;
pub mod organization_analytics;
pub mod organization_memberships;
pub mod organizations;
pub mod password_reset_attempts;
pub mod phone_numbers;
pub mod retired_refresh_tokens;
pub mod segments;
pub mod system_config;
pub mod transcripts;
pub mod user_sessions;
pub mod users;
