//! Forgetting what identity no longer needs (seed 004's
//! `cleanup_expired_sessions`, `cleanup_old_login_attempts`,
//! `cleanup_old_password_reset_attempts`), run periodically by one
//! instance at a time: on PostgreSQL a round first takes a transaction-level
//! advisory lock and skips when another instance holds it.
//!
//! What goes: sessions a day past their end or a month after they were
//! revoked (their retired refresh tokens with them), login attempts after
//! [`LOGIN_ATTEMPTS_KEPT`] days, reset requests and used or expired
//! verification links after [`RESETS_KEPT`] days, expired invitations
//! never accepted after 30 days, and the development outbox after 30 days.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};
use switchboard_entity::{
    email_verifications, invitations, login_attempts, mail_outbox, password_reset_attempts,
    user_sessions,
};

use crate::app::App;
use crate::error::AppResult;

/// Days login attempts are kept (they feed the lockout and audits).
pub const LOGIN_ATTEMPTS_KEPT: i64 = 30;
/// Days password-reset requests and spent verification links are kept.
pub const RESETS_KEPT: i64 = 7;
/// The advisory lock key of the cleanup (`b"sbclean"` as a number).
const LOCK_KEY: i64 = 0x0073_6263_6c65_616e;

/// What one round removed, by table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cleaned {
    pub sessions: u64,
    pub login_attempts: u64,
    pub password_resets: u64,
    pub email_verifications: u64,
    pub invitations: u64,
    pub mail: u64,
}

/// Runs one round as of `now`; `None` when another instance is running one.
pub async fn run_once(app: &App, now: DateTime<Utc>) -> AppResult<Option<Cleaned>> {
    let write = app.begin_privileged_write().await?;
    if write.get_database_backend() == DbBackend::Postgres {
        let row = write
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_try_advisory_xact_lock($1) AS locked",
                [LOCK_KEY.into()],
            ))
            .await?;
        let locked: bool = row
            .map(|r| r.try_get("", "locked"))
            .transpose()?
            .unwrap_or(false);
        if !locked {
            return Ok(None);
        }
    }
    let day = Duration::days(1);
    let sessions = user_sessions::Entity::delete_many()
        .filter(
            Expr::col(user_sessions::Column::RefreshExpiresAt)
                .lt(now - day)
                .or(Expr::col(user_sessions::Column::RefreshExpiresAt)
                    .is_null()
                    .and(Expr::col(user_sessions::Column::ExpiresAt).lt(now - day)))
                .or(Expr::col(user_sessions::Column::RevokedAt).lt(now - Duration::days(30))),
        )
        .exec(&*write)
        .await?
        .rows_affected;
    let login_attempts = login_attempts::Entity::delete_many()
        .filter(login_attempts::Column::AttemptedAt.lt(now - Duration::days(LOGIN_ATTEMPTS_KEPT)))
        .exec(&*write)
        .await?
        .rows_affected;
    let password_resets = password_reset_attempts::Entity::delete_many()
        .filter(password_reset_attempts::Column::AttemptedAt.lt(now - Duration::days(RESETS_KEPT)))
        .exec(&*write)
        .await?
        .rows_affected;
    let email_verifications = email_verifications::Entity::delete_many()
        .filter(email_verifications::Column::CreatedAt.lt(now - Duration::days(RESETS_KEPT)))
        .filter(
            Expr::col(email_verifications::Column::UsedAt)
                .is_not_null()
                .or(Expr::col(email_verifications::Column::ExpiresAt).lt(now)),
        )
        .exec(&*write)
        .await?
        .rows_affected;
    let invitations = invitations::Entity::delete_many()
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::ExpiresAt.lt(now - Duration::days(30)))
        .exec(&*write)
        .await?
        .rows_affected;
    let mail = mail_outbox::Entity::delete_many()
        .filter(mail_outbox::Column::CreatedAt.lt(now - Duration::days(30)))
        .exec(&*write)
        .await?
        .rows_affected;
    write.commit().await?;
    Ok(Some(Cleaned {
        sessions,
        login_attempts,
        password_resets,
        email_verifications,
        invitations,
        mail,
    }))
}

/// Runs a round every `every` (the first after one), logging what went,
/// until the process ends.
pub async fn cleanup_loop(app: App, every: std::time::Duration) {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match run_once(&app, Utc::now()).await {
            Ok(Some(cleaned)) => tracing::info!(?cleaned, "identity cleanup"),
            Ok(None) => tracing::debug!("identity cleanup: another instance is running it"),
            Err(err) => tracing::warn!(error = %err, "identity cleanup failed"),
        }
    }
}
