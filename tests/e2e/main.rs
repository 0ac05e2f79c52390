//! End-to-end tests of the whole server, each on SQLite and on PostgreSQL.

mod analytics;
mod analytics_funnel;
mod analytics_stats;
mod attack_connections;
mod attack_documents;
mod attack_inputs;
mod attack_subscriptions;
mod catalog;
mod cli;
mod constraints;
mod entities;
mod fuzz;
mod graphiql;
mod graphql_call_queries;
mod graphql_calls;
mod graphql_leads;
mod graphql_ledger;
mod graphql_setup;
mod graphql_transport;
mod http;
mod migrations;
mod parity;
mod schema;
mod seed;
mod subscriptions;
mod webhooks;
