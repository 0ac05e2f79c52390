//! Single-use links by mail: resetting a forgotten password and verifying
//! an email address.
//!
//! A reset request is recorded in `password_reset_attempts` (email,
//! address, the token's hash and expiry) and answered alike whether the
//! email has an account or not; only an account's request mails a link.
//! Requests are limited per email and per address each hour
//! (RATE_LIMITED). A reset sets the new password, verifies the email (the
//! link proved it is read) and ends every session of the user.
//! Verification links (`email_verifications`) are mailed at sign-up and on
//! request. Tokens are stored hashed; a used, expired or unknown token is
//! BAD_USER_INPUT on `token`.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use switchboard_domain::password::Password;
use switchboard_domain::token;
use switchboard_entity::{email_verifications, password_reset_attempts, users};
use uuid::Uuid;

use super::mail::Mail;
use super::{Client, Policy, hash_password, link, same_email, sessions};
use crate::actor::Viewer;
use crate::app::App;
use crate::error::{AppError, AppResult};

fn bad_token(what: &str) -> AppError {
    AppError::bad_input(
        "token",
        format!("this {what} link is not valid: it was used, it expired, or it never existed"),
    )
}

/// Asks for a password-reset link for `email`. Answers the same whether an
/// account has the email; RATE_LIMITED past the hourly limits.
#[tracing::instrument(skip_all)]
pub async fn request_password_reset(app: &App, client: &Client, email: &str) -> AppResult<()> {
    let now = Utc::now();
    let policy = Policy::load(app.privileged()).await?;
    let email = email.trim().chars().take(320).collect::<String>();
    if email.is_empty() {
        return Err(AppError::bad_input(
            "email",
            "give the email you signed up with",
        ));
    }
    let hour_ago = now - Duration::hours(1);
    let by_email = password_reset_attempts::Entity::find()
        .filter(same_email(password_reset_attempts::Column::Email, &email))
        .filter(password_reset_attempts::Column::AttemptedAt.gt(hour_ago))
        .count(app.privileged())
        .await?;
    let by_ip = match &client.ip_address {
        Some(ip) => {
            password_reset_attempts::Entity::find()
                .filter(password_reset_attempts::Column::IpAddress.eq(ip.as_str()))
                .filter(password_reset_attempts::Column::AttemptedAt.gt(hour_ago))
                .count(app.privileged())
                .await?
        }
        None => 0,
    };
    if by_email >= u64::from(policy.resets_per_email_hour)
        || by_ip >= u64::from(policy.resets_per_ip_hour)
    {
        return Err(AppError::RateLimited {
            message: "too many password-reset requests: try again later".into(),
            retry_after_seconds: 3600,
        });
    }
    let user = users::Entity::find()
        .filter(same_email(users::Column::Email, &email))
        .filter(users::Column::IsActive.eq(true))
        .one(app.privileged())
        .await?;
    let token = token::generate();
    password_reset_attempts::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email),
        user_id: Set(user.as_ref().map(|u| u.id)),
        ip_address: Set(client.ip_address.clone()),
        token_hash: Set(user.as_ref().map(|_| token::hash(&token))),
        expires_at: Set(user.as_ref().map(|_| now + policy.reset_token)),
        used_at: Set(None),
        attempted_at: Set(now),
        success: Set(false),
    }
    .insert(app.privileged())
    .await?;
    if let Some(user) = user {
        let minutes = policy.reset_token.num_minutes();
        let mail = Mail {
            to: user.email.clone(),
            subject: "Reset your Switchboard password".into(),
            body: format!(
                "Someone asked to reset the password of your Switchboard account.\n\n\
                 Reset it within {minutes} minutes: {}\n\n\
                 If it was not you, ignore this message: your password stays as it is.",
                link(&app.identity, "reset-password", &token)
            ),
        };
        app.mailer.send(mail).await?;
    }
    Ok(())
}

/// Sets a new password with a reset token: single use, before its expiry.
/// Every session of the user ends.
#[tracing::instrument(skip_all)]
pub async fn reset_password(app: &App, reset_token: &str, new_password: &str) -> AppResult<()> {
    let now = Utc::now();
    let policy = Policy::load(app.privileged()).await?;
    let password =
        Password::parse(new_password, policy.password).map_err(|e| e.at("newPassword"))?;
    let hash = hash_password(password).await?;
    let write = app.begin_privileged_write().await?;
    let request = password_reset_attempts::Entity::find()
        .filter(password_reset_attempts::Column::TokenHash.eq(token::hash(reset_token)))
        .one(&*write)
        .await?
        .filter(|r| r.used_at.is_none() && r.expires_at.is_some_and(|end| end > now))
        .ok_or_else(|| bad_token("password-reset"))?;
    let user_id = request.user_id.ok_or_else(|| bad_token("password-reset"))?;
    // Claimed once: a racing second use finds it used.
    let claimed = password_reset_attempts::Entity::update_many()
        .col_expr(password_reset_attempts::Column::UsedAt, Expr::value(now))
        .col_expr(password_reset_attempts::Column::Success, Expr::value(true))
        .filter(password_reset_attempts::Column::Id.eq(request.id))
        .filter(password_reset_attempts::Column::UsedAt.is_null())
        .exec(&*write)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(bad_token("password-reset"));
    }
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .col_expr(users::Column::EmailVerified, Expr::value(true))
        .col_expr(
            users::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(user_id))
        .exec(&*write)
        .await?;
    sessions::revoke_all(&*write, user_id, now).await?;
    write.commit().await?;
    Ok(())
}

/// A verification link for `user`'s current email, written in `db`; mail
/// it with [`send_verification`] once the write commits.
pub(super) async fn new_verification(
    db: &impl ConnectionTrait,
    policy: &Policy,
    user: &users::Model,
    now: DateTime<Utc>,
) -> AppResult<String> {
    let token = token::generate();
    email_verifications::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        email: Set(user.email.clone()),
        token_hash: Set(token::hash(&token)),
        expires_at: Set(now + policy.verification_token),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Mails a verification link. A failure is logged, not returned: the
/// account exists either way, and the user can ask for another link.
pub(super) async fn send_verification(app: &App, user: &users::Model, token: &str) {
    let mail = Mail {
        to: user.email.clone(),
        subject: "Confirm your email for Switchboard".into(),
        body: format!(
            "Welcome to Switchboard, {}.\n\nConfirm this is your email: {}",
            user.name,
            link(&app.identity, "verify-email", token)
        ),
    };
    if let Err(err) = app.mailer.send(mail).await {
        tracing::error!(error = %err, user_id = %user.id, "the verification mail was not sent");
    }
}

/// Mails the viewer a new verification link (for their current email).
/// BAD_USER_INPUT when it is already verified.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn request_email_verification(app: &App, viewer: Viewer) -> AppResult<()> {
    let now = Utc::now();
    let policy = Policy::load(app.privileged()).await?;
    let user = users::Entity::find_by_id(viewer.user_id)
        .one(app.privileged())
        .await?
        .ok_or_else(|| AppError::not_found("user", viewer.user_id))?;
    if user.email_verified {
        return Err(AppError::bad_input("", "your email is already verified"));
    }
    let recent = email_verifications::Entity::find()
        .filter(email_verifications::Column::UserId.eq(user.id))
        .filter(email_verifications::Column::CreatedAt.gt(now - Duration::hours(1)))
        .count(app.privileged())
        .await?;
    if recent >= u64::from(policy.resets_per_email_hour) {
        return Err(AppError::RateLimited {
            message: "too many verification mails: try again later".into(),
            retry_after_seconds: 3600,
        });
    }
    let token = new_verification(app.privileged(), &policy, &user, now).await?;
    send_verification(app, &user, &token).await;
    Ok(())
}

/// Verifies an email with its link's token: single use, before its expiry,
/// and only for the address it was sent to.
#[tracing::instrument(skip_all)]
pub async fn verify_email(app: &App, verification_token: &str) -> AppResult<users::Model> {
    let now = Utc::now();
    let write = app.begin_privileged_write().await?;
    let verification = email_verifications::Entity::find()
        .filter(email_verifications::Column::TokenHash.eq(token::hash(verification_token)))
        .one(&*write)
        .await?
        .filter(|v| v.used_at.is_none() && v.expires_at > now)
        .ok_or_else(|| bad_token("verification"))?;
    let claimed = email_verifications::Entity::update_many()
        .col_expr(email_verifications::Column::UsedAt, Expr::value(now))
        .filter(email_verifications::Column::Id.eq(verification.id))
        .filter(email_verifications::Column::UsedAt.is_null())
        .exec(&*write)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(bad_token("verification"));
    }
    let user = users::Entity::find_by_id(verification.user_id)
        .one(&*write)
        .await?
        .filter(|u| u.email.eq_ignore_ascii_case(&verification.email))
        .ok_or_else(|| bad_token("verification"))?;
    let user = users::ActiveModel {
        id: Set(user.id),
        email_verified: Set(true),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&*write)
    .await?;
    write.commit().await?;
    Ok(user)
}
