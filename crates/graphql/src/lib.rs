//! The Switchboard GraphQL schema.
//!
//! Resolvers stay thin: they check access, call the domain and service
//! functions, and map rows to GraphQL types (which are never the entity
//! models themselves, so a column rename cannot silently change the API).

use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
use sea_orm::DatabaseConnection;

/// The schema type served at `/graphql`.
pub type SwitchboardSchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// Builds the schema over a database connection.
pub fn build_schema(db: DatabaseConnection) -> SwitchboardSchema {
    schema_builder().data(db).finish()
}

/// The schema's SDL, as `switchboard schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    schema_builder().finish().sdl()
}

fn schema_builder() -> async_graphql::SchemaBuilder<QueryRoot, EmptyMutation, EmptySubscription> {
    Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
}

/// The root of every query.
pub struct QueryRoot;

#[Object]
impl QueryRoot {
    /// The version of the Switchboard server answering.
    async fn server_version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }
}
