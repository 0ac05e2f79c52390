//! Who is asking: the authenticated member and their organization.
//!
//! The HTTP layer verifies the bearer token and the membership once per
//! request and puts an [`Auth`] in the request data; resolvers ask it for a
//! [`Viewer`] with at least the role they need. Every query is then scoped by
//! `viewer.organization_id`.

use async_graphql::Context;
pub use switchboard_app::actor::{Actor, Auth, Permission, Viewer};
use switchboard_app::identity::Client;
use switchboard_app::{App, AppError, Db, EventBus};
use uuid::Uuid;

use crate::shared::error::ApiResult;

/// Where a request comes from, and the login session its token belongs to
/// (none for an anonymous request or a token the CLI minted).
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub client: Client,
    pub session_id: Option<Uuid>,
}

/// The viewer, if they hold `needed`.
pub fn require(ctx: &Context<'_>, needed: Permission) -> ApiResult<Viewer> {
    match ctx.data_opt::<Auth>() {
        Some(Auth::Member(viewer)) => Ok(viewer.require(needed)?),
        Some(Auth::Anonymous(reason)) => Err(AppError::Unauthenticated(reason.clone()).into()),
        None => Err(AppError::Unauthenticated("a bearer token is required".into()).into()),
    }
}

/// The database as the viewer's organization sees it (row-level security
/// on PostgreSQL; see [`switchboard_app::db`]).
pub fn db<'a>(ctx: &Context<'a>) -> ApiResult<&'a Db> {
    Ok(&app(ctx)?.db)
}

/// The event bus of this instance.
pub fn bus<'a>(ctx: &Context<'a>) -> ApiResult<&'a EventBus> {
    ctx.data::<EventBus>()
        .map_err(|_| AppError::internal("no event bus").into())
}

/// The application as this request's viewer sees it.
pub fn app<'a>(ctx: &Context<'a>) -> ApiResult<&'a App> {
    ctx.data::<App>()
        .map_err(|_| AppError::internal("the schema has no application").into())
}
