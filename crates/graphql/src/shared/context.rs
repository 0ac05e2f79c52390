//! Who is asking: the authenticated member and their organization.
//!
//! The HTTP layer verifies the bearer token and the membership once per
//! request and puts an [`Auth`] in the request data; resolvers ask it for a
//! [`Viewer`] with at least the role they need. Every query is then scoped by
//! `viewer.organization_id`.

use async_graphql::Context;
use sea_orm::DatabaseConnection;
pub use switchboard_app::actor::{Actor, Permission, Viewer};
use switchboard_app::{App, AppError, EventBus};

use crate::shared::error::ApiResult;

/// What the transport found out about the caller.
#[derive(Debug, Clone)]
pub enum Auth {
    Member(Viewer),
    /// No token, or one that was refused, with the reason.
    Anonymous(String),
}

/// The viewer, if they hold `needed`.
pub fn require(ctx: &Context<'_>, needed: Permission) -> ApiResult<Viewer> {
    match ctx.data_opt::<Auth>() {
        Some(Auth::Member(viewer)) => Ok(viewer.require(needed)?),
        Some(Auth::Anonymous(reason)) => Err(AppError::Unauthenticated(reason.clone()).into()),
        None => Err(AppError::Unauthenticated("a bearer token is required".into()).into()),
    }
}

/// The database pool of the schema.
pub fn db<'a>(ctx: &Context<'a>) -> ApiResult<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
        .map_err(|_| AppError::internal("the schema has no database").into())
}

/// The event bus of this instance.
pub fn bus<'a>(ctx: &Context<'a>) -> ApiResult<&'a EventBus> {
    ctx.data::<EventBus>()
        .map_err(|_| AppError::internal("no event bus").into())
}

/// The application the schema serves.
pub fn app<'a>(ctx: &Context<'a>) -> ApiResult<&'a App> {
    ctx.data::<App>()
        .map_err(|_| AppError::internal("the schema has no application").into())
}
