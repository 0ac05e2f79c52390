//! Limits a request is held to before anything runs: the document's
//! size and shape ([`document`]) and the text and dates it carries
//! ([`input`]). Both are checked in one extension hook, at parse time, so
//! they hold on every transport (HTTP, WebSocket, SSE) and refuse in
//! milliseconds: a refusal is `GRAPHQL_VALIDATION_FAILED` (the document)
//! or `BAD_USER_INPUT` with `extensions.field` (a value).

pub mod document;
pub mod input;

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ErrorExtensions, ServerError, ServerResult, Variables};

pub use document::DocumentLimits;

/// Deepest nesting of brackets a query text may have before it is parsed
/// (the parser recurses once per level).
pub const MAX_TEXT_NESTING: usize = 64;

/// The extension that holds every request to `limits`.
pub struct RequestLimits(pub DocumentLimits);

impl ExtensionFactory for RequestLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestLimitsExtension(self.0))
    }
}

struct RequestLimitsExtension(DocumentLimits);

fn validation_failed(message: String, pos: Option<async_graphql::Pos>) -> ServerError {
    let mut error = ServerError::new(message, pos);
    error.extensions = async_graphql::Error::new("")
        .extend_with(|_, ext| ext.set("code", "GRAPHQL_VALIDATION_FAILED"))
        .extensions;
    error
}

#[async_graphql::async_trait::async_trait]
impl Extension for RequestLimitsExtension {
    /// Parses the document itself rather than calling `next`: the
    /// library's own checks after parsing follow fragment spreads without
    /// memory, which is exponential in a fragment bomb.
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        _next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let nesting = document::bracket_depth(query);
        if nesting > MAX_TEXT_NESTING {
            return Err(validation_failed(
                format!(
                    "the query nests brackets {nesting} levels deep; at most {MAX_TEXT_NESTING} are allowed"
                ),
                None,
            ));
        }
        let parsed = async_graphql::parser::parse_query(query).map_err(|err| {
            let mut error = ServerError::from(err);
            error.extensions = async_graphql::Error::new("")
                .extend_with(|_, ext| ext.set("code", "GRAPHQL_PARSE_FAILED"))
                .extensions;
            error
        })?;
        document::check(&parsed, &self.0)
            .map_err(|refusal| validation_failed(refusal.message, refusal.pos))?;
        input::check(&ctx.schema_env.registry, &parsed, variables).map_err(|bad| {
            let mut error = ServerError::new(bad.message, None);
            error.extensions = async_graphql::Error::new("")
                .extend_with(|_, ext| {
                    ext.set("code", "BAD_USER_INPUT");
                    ext.set("field", bad.field.as_str());
                })
                .extensions;
            error
        })?;
        Ok(parsed)
    }
}
