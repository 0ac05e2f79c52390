//! Limits a request is held to before anything runs: the document's
//! size and shape ([`document`]) and the text and dates it carries
//! ([`input`]), checked at parse time on every transport, so they refuse in
//! milliseconds: a refusal is `GRAPHQL_VALIDATION_FAILED` (the document)
//! or `BAD_USER_INPUT` with `extensions.field` (a value).
//!
//! Two ways in, one check ([`admit_text`]): the HTTP transport runs
//! [`Admission::admit`] before executing on a schema without extensions
//! (an installed extension takes every field off async-graphql's fast
//! path), and the socket transports' schema parses through the
//! [`RequestLimits`] extension.

pub mod document;
pub mod input;

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::registry::Registry;
use async_graphql::{
    ErrorExtensions, OutputType, ServerError, ServerResult, SubscriptionType, Variables,
};

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
        admit_text(&ctx.schema_env.registry, &self.0, query, variables)
    }
}

/// The limits, checked before a schema without extensions executes a
/// request (HTTP). Built once: it holds the schema's type registry, which
/// the input checks read argument types from.
pub struct Admission {
    registry: Registry,
    limits: DocumentLimits,
}

impl Admission {
    pub fn new(limits: DocumentLimits) -> Self {
        let mut registry = Registry {
            query_type: crate::QueryRoot::type_name().into_owned(),
            mutation_type: Some(crate::MutationRoot::type_name().into_owned()),
            subscription_type: Some(
                <crate::SubscriptionRoot as SubscriptionType>::type_name().into_owned(),
            ),
            ..Registry::default()
        };
        crate::QueryRoot::create_type_info(&mut registry);
        crate::MutationRoot::create_type_info(&mut registry);
        <crate::SubscriptionRoot as SubscriptionType>::create_type_info(&mut registry);
        Self { registry, limits }
    }

    /// Checks `request` against the limits and hands it its parsed
    /// document (so the schema does not parse it again).
    pub fn admit(&self, request: &mut async_graphql::Request) -> ServerResult<()> {
        let document = admit_text(
            &self.registry,
            &self.limits,
            &request.query,
            &request.variables,
        )?;
        request.set_parsed_query(document);
        Ok(())
    }
}

/// Parses `query` and checks it and its `variables` against `limits`.
pub fn admit_text(
    registry: &Registry,
    limits: &DocumentLimits,
    query: &str,
    variables: &Variables,
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
    document::check(&parsed, limits)
        .map_err(|refusal| validation_failed(refusal.message, refusal.pos))?;
    input::check(registry, &parsed, variables).map_err(|bad| {
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
