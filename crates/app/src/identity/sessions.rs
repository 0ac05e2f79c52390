//! Login sessions: the access and refresh tokens a login issues, refreshing
//! them, and ending sessions.
//!
//! A session is a `user_sessions` row. Its access tokens are JWTs naming the
//! session (`sid`), valid [`IdentityConfig::access_token_ttl`]; every
//! request checks the session is still active, so ending it ends its access
//! tokens at once. Its refresh token is random and stored only as a hash
//! (`refresh_token_hash`); each use retires it (`retired_refresh_tokens`)
//! and issues the next. Presenting a retired token again means it was
//! copied: the whole session is revoked, the thief's tokens and the owner's
//! alike. A session lasts [`Policy::session`] from login however often it
//! is refreshed (`refresh_expires_at`); `expires_at` is when its latest
//! access token expires.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use secrecy::ExposeSecret;
use switchboard_domain::{auth, token};
use switchboard_entity::enums::MembershipStatus;
use switchboard_entity::{
    organization_memberships, organizations, retired_refresh_tokens, user_sessions, users,
};
use uuid::Uuid;

use super::{Client, IdentityConfig, Policy};
use crate::actor::Viewer;
use crate::app::App;
use crate::error::{AppError, AppResult};

/// What a login, a sign-up or a refresh hands the client.
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    pub session_id: Uuid,
    pub user: users::Model,
    pub organization: organizations::Model,
}

fn signing_failed(err: auth::TokenError) -> AppError {
    AppError::internal(format!("the access token could not be signed: {err}"))
}

/// Opens a session for `user` in `organization` and issues its first tokens.
pub(super) async fn open(
    db: &impl ConnectionTrait,
    config: &IdentityConfig,
    policy: &Policy,
    client: &Client,
    user: users::Model,
    organization: organizations::Model,
    now: DateTime<Utc>,
) -> AppResult<Issued> {
    let refresh_token = token::generate();
    let access_expires = now + config.access_token_ttl;
    let session = user_sessions::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        organization_id: Set(Some(organization.id)),
        // The refresh token the session began with: unique, like every token.
        token_hash: Set(token::hash(&refresh_token)),
        refresh_token_hash: Set(Some(token::hash(&refresh_token))),
        expires_at: Set(access_expires),
        refresh_expires_at: Set(Some((now + policy.session).max(access_expires))),
        ip_address: Set(client.ip_address.clone()),
        user_agent: Set(client.user_agent.clone()),
        is_active: Set(true),
        last_used_at: Set(Some(now)),
        revoked_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    let access_token = auth::mint_for_session(
        config.jwt_secret.expose_secret().as_bytes(),
        user.id,
        organization.id,
        session.id,
        now,
        config.access_token_ttl,
    )
    .map_err(signing_failed)?;
    Ok(Issued {
        access_token,
        refresh_token,
        access_token_expires_at: access_expires,
        session_id: session.id,
        user,
        organization,
    })
}

fn ended() -> AppError {
    AppError::Unauthenticated("the session has ended: log in again".into())
}

/// Exchanges a refresh token for a new access token and the next refresh
/// token. A token already used revokes its session (UNAUTHENTICATED either
/// way); so does a user or membership that is no longer active.
#[tracing::instrument(skip_all)]
pub async fn refresh_session(app: &App, refresh_token: &str) -> AppResult<Issued> {
    let now = Utc::now();
    let presented = token::hash(refresh_token);
    let write = app.begin_privileged_write().await?;
    let session = user_sessions::Entity::find()
        .filter(user_sessions::Column::RefreshTokenHash.eq(presented.as_str()))
        .one(&*write)
        .await?;
    let Some(session) = session else {
        let retired = retired_refresh_tokens::Entity::find()
            .filter(retired_refresh_tokens::Column::TokenHash.eq(presented.as_str()))
            .one(&*write)
            .await?;
        return match retired {
            Some(retired) => {
                revoke(&*write, retired.session_id, now).await?;
                write.commit().await?;
                tracing::warn!(session_id = %retired.session_id, "a used refresh token came back: session revoked");
                Err(AppError::Unauthenticated(
                    "this refresh token was already used: the session is revoked, log in again"
                        .into(),
                ))
            }
            None => Err(AppError::Unauthenticated(
                "the refresh token is not valid".into(),
            )),
        };
    };
    let live = session.is_active && session.refresh_expires_at.is_some_and(|end| end > now);
    let Some(organization_id) = session.organization_id.filter(|_| live) else {
        return Err(ended());
    };
    let Some((user, organization)) =
        active_member(&*write, session.user_id, organization_id).await?
    else {
        revoke(&*write, session.id, now).await?;
        write.commit().await?;
        return Err(ended());
    };
    let next = token::generate();
    let access_expires =
        (now + app.identity.access_token_ttl).min(session.refresh_expires_at.unwrap_or(now));
    // Only the holder of the current token moves the session on; a racing
    // second use finds it moved and counts as reuse.
    let moved = user_sessions::Entity::update_many()
        .col_expr(
            user_sessions::Column::RefreshTokenHash,
            Expr::value(token::hash(&next)),
        )
        .col_expr(
            user_sessions::Column::ExpiresAt,
            Expr::value(access_expires),
        )
        .col_expr(user_sessions::Column::LastUsedAt, Expr::value(now))
        .col_expr(user_sessions::Column::UpdatedAt, Expr::value(now))
        .filter(user_sessions::Column::Id.eq(session.id))
        .filter(user_sessions::Column::RefreshTokenHash.eq(presented.as_str()))
        .exec(&*write)
        .await?;
    if moved.rows_affected != 1 {
        revoke(&*write, session.id, now).await?;
        write.commit().await?;
        return Err(AppError::Unauthenticated(
            "this refresh token was already used: the session is revoked, log in again".into(),
        ));
    }
    retired_refresh_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(presented),
        session_id: Set(session.id),
        retired_at: Set(now),
    }
    .insert(&*write)
    .await?;
    let ttl = access_expires - now;
    let access_token = auth::mint_for_session(
        app.identity.jwt_secret.expose_secret().as_bytes(),
        user.id,
        organization.id,
        session.id,
        now,
        ttl,
    )
    .map_err(signing_failed)?;
    write.commit().await?;
    Ok(Issued {
        access_token,
        refresh_token: next,
        access_token_expires_at: access_expires,
        session_id: session.id,
        user,
        organization,
    })
}

/// The user and organization, if the user is active and an active member.
async fn active_member(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    organization_id: Uuid,
) -> AppResult<Option<(users::Model, organizations::Model)>> {
    let membership = organization_memberships::Entity::find()
        .filter(organization_memberships::Column::UserId.eq(user_id))
        .filter(organization_memberships::Column::OrganizationId.eq(organization_id))
        .filter(organization_memberships::Column::Status.eq(MembershipStatus::Active))
        .one(db)
        .await?;
    if membership.is_none() {
        return Ok(None);
    }
    let user = users::Entity::find_by_id(user_id)
        .filter(users::Column::IsActive.eq(true))
        .one(db)
        .await?;
    let organization = organizations::Entity::find_by_id(organization_id)
        .one(db)
        .await?;
    Ok(user.zip(organization))
}

/// Ends the active sessions `which` picks: their access tokens stop
/// working at once and their refresh tokens (current or retired) open
/// nothing. How many ended.
async fn end_sessions(
    db: &impl ConnectionTrait,
    which: sea_orm::sea_query::SimpleExpr,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let ended = user_sessions::Entity::update_many()
        .col_expr(user_sessions::Column::IsActive, Expr::value(false))
        .col_expr(user_sessions::Column::RevokedAt, Expr::value(now))
        .col_expr(
            user_sessions::Column::RefreshTokenHash,
            Expr::value(Option::<String>::None),
        )
        .col_expr(user_sessions::Column::UpdatedAt, Expr::value(now))
        .filter(which)
        .filter(user_sessions::Column::IsActive.eq(true))
        .exec(db)
        .await?;
    Ok(ended.rows_affected)
}

/// Ends one session.
async fn revoke(db: &impl ConnectionTrait, session_id: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    end_sessions(db, user_sessions::Column::Id.eq(session_id), now).await?;
    Ok(())
}

/// Ends every active session of `user_id` (a password reset, "log out
/// everywhere"); how many ended.
pub(super) async fn revoke_all(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    end_sessions(db, user_sessions::Column::UserId.eq(user_id), now).await
}

/// Ends the session the viewer's access token belongs to. A token the CLI
/// minted belongs to none: BAD_USER_INPUT.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn log_out(app: &App, viewer: Viewer, session_id: Option<Uuid>) -> AppResult<()> {
    let Some(session_id) = session_id else {
        return Err(AppError::bad_input(
            "",
            "this access token belongs to no session (it was minted by the CLI)",
        ));
    };
    revoke_session(app, viewer, session_id).await
}

/// Ends every session of the viewer; how many ended.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn log_out_everywhere(app: &App, viewer: Viewer) -> AppResult<u64> {
    let write = app.begin_privileged_write().await?;
    let ended = revoke_all(&*write, viewer.user_id, Utc::now()).await?;
    write.commit().await?;
    Ok(ended)
}

/// Ends one of the viewer's own sessions; another user's reads as NOT_FOUND.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn revoke_session(app: &App, viewer: Viewer, session_id: Uuid) -> AppResult<()> {
    let write = app.begin_privileged_write().await?;
    let session = user_sessions::Entity::find_by_id(session_id)
        .filter(user_sessions::Column::UserId.eq(viewer.user_id))
        .one(&*write)
        .await?
        .ok_or_else(|| AppError::not_found("session", session_id))?;
    revoke(&*write, session.id, Utc::now()).await?;
    write.commit().await?;
    Ok(())
}

/// The most sessions [`sessions`] lists.
const MAX_LISTED: u64 = 100;

/// The viewer's active sessions, newest first, at most [`MAX_LISTED`]
/// (seed 004's `active_user_sessions`): active, not past their end.
pub async fn sessions(
    db: &impl ConnectionTrait,
    viewer: Viewer,
) -> AppResult<Vec<user_sessions::Model>> {
    Ok(user_sessions::Entity::find()
        .filter(user_sessions::Column::UserId.eq(viewer.user_id))
        .filter(user_sessions::Column::IsActive.eq(true))
        .filter(user_sessions::Column::RefreshExpiresAt.gt(Utc::now()))
        .order_by_desc(user_sessions::Column::CreatedAt)
        .order_by_desc(user_sessions::Column::Id)
        .limit(MAX_LISTED)
        .all(db)
        .await?)
}
