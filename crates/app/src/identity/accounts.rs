//! Accounts: signing up (a user and their organization) and logging in,
//! with the lockout that slows password guessing.
//!
//! Every login attempt is recorded in `login_attempts` with its address and
//! user agent. After [`Policy::max_login_attempts`] failures for an email
//! (since its last success, within [`Policy::lockout`]) the email is locked
//! out until the lockout has passed since the latest failure: RATE_LIMITED,
//! with the seconds to wait. The lockout counts attempts by email, whether
//! an account has it or not, so it reveals nothing either.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use switchboard_domain::email::Email;
use switchboard_domain::password::Password;
use switchboard_domain::text::Name;
use switchboard_entity::enums::{AuthProvider, LoginFailureReason, PlatformRole};
use switchboard_entity::{login_attempts, organizations, users};
use uuid::Uuid;

use super::sessions::{self, Issued};
use super::{
    Client, Policy, active_membership, hash_password, recovery, same_email, verify_password,
};
use crate::app::App;
use crate::error::{AppError, AppResult};

/// The longest email a login reads; longer text is no address.
const MAX_EMAIL_LENGTH: usize = 320;

/// A new account and the organization it owns.
#[derive(Debug, Clone)]
pub struct SignUp {
    pub email: String,
    pub password: String,
    pub name: String,
    pub organization_name: String,
}

/// A login: an email, its password, and optionally which of the user's
/// organizations to act in (else the one they joined first).
#[derive(Debug, Clone)]
pub struct LogIn {
    pub email: String,
    pub password: String,
    pub organization_id: Option<Uuid>,
}

/// A slug for a new organization: its name's letters and digits, dashed,
/// and a random suffix so two teams may share a name.
pub(crate) fn slug(name: &str) -> String {
    let mut base = String::new();
    for ch in name.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() {
            base.push(ch);
        } else if !base.ends_with('-') && !base.is_empty() {
            base.push('-');
        }
        if base.len() >= 40 {
            break;
        }
    }
    let base = base.trim_end_matches('-');
    let suffix = &Uuid::new_v4().simple().to_string()[..8];
    if base.is_empty() {
        format!("team-{suffix}")
    } else {
        format!("{base}-{suffix}")
    }
}

/// Creates a user (email unverified; a verification link is mailed), an
/// organization they own, and their first session. Refused with FORBIDDEN
/// when sign-up is closed, CONFLICT on `email` when an account has it.
#[tracing::instrument(skip_all)]
pub async fn sign_up(app: &App, client: &Client, input: SignUp) -> AppResult<Issued> {
    if !app.identity.sign_up {
        return Err(AppError::Forbidden(
            "sign-up is closed on this server: ask an admin to invite you".into(),
        ));
    }
    let policy = Policy::load(app.privileged()).await?;
    let email = Email::parse(&input.email)?;
    if email.as_str().chars().count() > MAX_EMAIL_LENGTH {
        return Err(AppError::bad_input(
            "email",
            "an email has at most 320 characters",
        ));
    }
    let name = Name::parse(&input.name)?;
    let organization_name =
        Name::parse(&input.organization_name).map_err(|e| e.at("organizationName"))?;
    let password = Password::parse(&input.password, policy.password)?;
    let password_hash = hash_password(password).await?;
    let now = Utc::now();
    let write = app.begin_privileged_write().await?;
    let taken = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(same_email(users::Column::Email, email.as_str()))
        .into_tuple::<Uuid>()
        .one(&*write)
        .await?;
    if taken.is_some() {
        return Err(email_taken());
    }
    let user = users::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.as_str().to_owned()),
        name: Set(name.into_string()),
        role: Set(PlatformRole::User),
        password_hash: Set(Some(password_hash)),
        email_verified: Set(false),
        is_active: Set(true),
        auth_provider: Set(AuthProvider::Email),
        external_subject: Set(None),
        last_login_at: Set(Some(now)),
        locked_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*write)
    .await
    .map_err(|e| unique_or(e, email_taken))?;
    let organization = crate::tenant::insert_owned(
        &*write,
        user.id,
        organization_name,
        "UTC".into(),
        "US".into(),
        now,
    )
    .await?;
    record(
        &*write,
        &email_key(email.as_str()),
        Some(user.id),
        client,
        None,
        now,
    )
    .await?;
    let verification = recovery::new_verification(&*write, &policy, &user, now).await?;
    let issued = sessions::open(
        &*write,
        &app.identity,
        &policy,
        client,
        user,
        organization,
        now,
    )
    .await?;
    write.commit().await?;
    recovery::send_verification(app, &issued.user, &verification).await;
    Ok(issued)
}

fn email_taken() -> AppError {
    AppError::Conflict {
        field: Some("email".into()),
        message: "an account with this email exists: log in instead".into(),
        existing_id: None,
    }
}

/// A unique violation as `conflict()`; anything else is internal.
fn unique_or(err: DbErr, conflict: fn() -> AppError) -> AppError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => conflict(),
        _ => AppError::Internal(err),
    }
}

/// The email as recorded with attempts: trimmed, at most [`MAX_EMAIL_LENGTH`].
fn email_key(text: &str) -> String {
    text.trim().chars().take(MAX_EMAIL_LENGTH).collect()
}

fn wrong_credentials() -> AppError {
    AppError::Unauthenticated("the email or password is wrong".into())
}

/// Logs in: verifies the password and opens a session in the chosen
/// organization. A wrong email or password is UNAUTHENTICATED (the same
/// message, the same time); a locked-out email is RATE_LIMITED; a user who
/// is not an active member of the organization asked for (or of any) is
/// FORBIDDEN, after the password was right.
#[tracing::instrument(skip_all)]
pub async fn log_in(app: &App, client: &Client, input: LogIn) -> AppResult<Issued> {
    let now = Utc::now();
    let policy = Policy::load(app.privileged()).await?;
    let email = email_key(&input.email);
    if email.is_empty() {
        return Err(AppError::bad_input(
            "email",
            "give the email you signed up with",
        ));
    }
    if let Some(until) = locked_until(app.privileged(), &policy, &email, now).await? {
        let write = app.begin_privileged_write().await?;
        record(
            &*write,
            &email,
            None,
            client,
            Some(LoginFailureReason::Locked),
            now,
        )
        .await?;
        write.commit().await?;
        return Err(AppError::RateLimited {
            message: "too many failed logins for this email: try again later".into(),
            retry_after_seconds: Ord::max((until - now).num_seconds(), 1),
        });
    }
    let user = users::Entity::find()
        .filter(same_email(users::Column::Email, &email))
        .one(app.privileged())
        .await?;
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let matches = verify_password(hash, input.password).await?;
    let write = app.begin_privileged_write().await?;
    let failure = match &user {
        None => Some(LoginFailureReason::UnknownUser),
        Some(_) if !matches => Some(LoginFailureReason::BadPassword),
        Some(user) if !user.is_active => Some(LoginFailureReason::Inactive),
        Some(_) => None,
    };
    let user_id = user.as_ref().map(|u| u.id);
    if let Some(reason) = failure {
        record(&*write, &email, user_id, client, Some(reason), now).await?;
        if let (Some(user_id), Some(until)) =
            (user_id, locked_until(&*write, &policy, &email, now).await?)
        {
            users::Entity::update_many()
                .col_expr(users::Column::LockedUntil, Expr::value(until))
                .filter(users::Column::Id.eq(user_id))
                .exec(&*write)
                .await?;
        }
        write.commit().await?;
        return Err(wrong_credentials());
    }
    let Some(user) = user else {
        return Err(wrong_credentials());
    };
    let Some(organization) = organization_of(&*write, user.id, input.organization_id).await? else {
        return Err(AppError::Forbidden(match input.organization_id {
            Some(_) => "you are not an active member of that organization".into(),
            None => "you are not an active member of any organization".into(),
        }));
    };
    record(&*write, &email, Some(user.id), client, None, now).await?;
    let user = users::ActiveModel {
        id: Set(user.id),
        last_login_at: Set(Some(now)),
        locked_until: Set(None),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&*write)
    .await?;
    let issued = sessions::open(
        &*write,
        &app.identity,
        &policy,
        client,
        user,
        organization,
        now,
    )
    .await?;
    write.commit().await?;
    Ok(issued)
}

/// The organization to log in to: the one asked for, or the user's
/// earliest active membership.
async fn organization_of(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    wanted: Option<Uuid>,
) -> AppResult<Option<organizations::Model>> {
    let Some(membership) = active_membership(db, user_id, wanted).await? else {
        return Ok(None);
    };
    Ok(
        organizations::Entity::find_by_id(membership.organization_id)
            .one(db)
            .await?,
    )
}

/// When the lockout of `email` ends, if it is locked out now: the failures
/// that count are wrong passwords and unknown emails since its last
/// success, within the lockout window.
async fn locked_until(
    db: &impl ConnectionTrait,
    policy: &Policy,
    email: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<DateTime<Utc>>> {
    let recent: Vec<(DateTime<Utc>, bool, Option<LoginFailureReason>)> =
        login_attempts::Entity::find()
            .select_only()
            .column(login_attempts::Column::AttemptedAt)
            .column(login_attempts::Column::Success)
            .column(login_attempts::Column::FailureReason)
            .filter(same_email(login_attempts::Column::Email, email))
            .filter(login_attempts::Column::AttemptedAt.gt(now - policy.lockout))
            .order_by_desc(login_attempts::Column::AttemptedAt)
            .limit(u64::from(policy.max_login_attempts) * 4 + 8)
            .into_tuple()
            .all(db)
            .await?;
    let mut failures = 0;
    let mut latest = None;
    for (at, success, reason) in recent {
        if success {
            break;
        }
        if matches!(
            reason,
            Some(LoginFailureReason::BadPassword | LoginFailureReason::UnknownUser)
        ) {
            failures += 1;
            latest.get_or_insert(at);
        }
    }
    Ok(latest
        .filter(|_| failures >= policy.max_login_attempts)
        .map(|at| at + policy.lockout))
}

/// Records one login attempt (a success when `failure` is none).
async fn record(
    db: &impl ConnectionTrait,
    email: &str,
    user_id: Option<Uuid>,
    client: &Client,
    failure: Option<LoginFailureReason>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    login_attempts::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.to_owned()),
        user_id: Set(user_id),
        ip_address: Set(client.ip_address.clone()),
        user_agent: Set(client.user_agent.clone()),
        attempted_at: Set(now),
        success: Set(failure.is_none()),
        failure_reason: Set(failure),
    }
    .insert(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_keeps_the_names_letters_and_adds_a_random_suffix() {
        let a = slug("Acme Roofing, Inc.");
        assert!(a.starts_with("acme-roofing-inc-"), "{a}");
        assert_ne!(a, slug("Acme Roofing, Inc."));
        assert!(slug("!!!").starts_with("team-"));
        assert!(slug(&"x".repeat(500)).len() <= 63);
    }
}
