//! Time limits for work over long-lived transports (WebSocket, SSE), where
//! the HTTP layer's request timeout cannot apply: the transport puts an
//! [`OperationTimeout`] in the connection's or request's data, and every
//! query, mutation and subscription event resolved under it is cut off at
//! that deadline with a `TIMEOUT` error instead of hanging.
//!
//! async-graphql runs both a whole query/mutation and the resolution of each
//! subscription event through the `execute` hook, so one hook bounds both;
//! waiting for the next event is not resolution and is never cut off.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use async_graphql::{ErrorExtensionValues, Response, ServerError, Value};

/// How long one operation, or the resolution of one subscription event, may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationTimeout(pub Duration);

/// The extension enforcing [`OperationTimeout`] where it is set.
pub struct Deadlines;

impl ExtensionFactory for Deadlines {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DeadlinesExtension)
    }
}

struct DeadlinesExtension;

/// The response of an operation cut off after `limit`.
pub fn timed_out(limit: Duration) -> Response {
    let mut error = ServerError::new(
        format!(
            "the operation took longer than {} ms and was stopped",
            limit.as_millis()
        ),
        None,
    );
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", Value::from("TIMEOUT"));
    error.extensions = Some(extensions);
    Response::from_errors(vec![error])
}

#[async_graphql::async_trait::async_trait]
impl Extension for DeadlinesExtension {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        match ctx.data_opt::<OperationTimeout>() {
            Some(&OperationTimeout(limit)) => {
                tokio::time::timeout(limit, next.run(ctx, operation_name))
                    .await
                    .unwrap_or_else(|_| timed_out(limit))
            }
            None => next.run(ctx, operation_name).await,
        }
    }
}
