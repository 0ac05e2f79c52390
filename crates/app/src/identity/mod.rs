//! Identity: who may use Switchboard, and how they prove it.
//!
//! People sign up ([`accounts::sign_up`], creating their organization) and
//! log in ([`accounts::log_in`]) with an email and a password (argon2id,
//! checked against the [`Policy`]); a login opens a session
//! ([`sessions`]) that issues short-lived access tokens (JWTs naming the
//! session) and a refresh token rotated on every use, whose reuse revokes
//! the session. Failed logins lock an email out for a while. Passwords are
//! reset and addresses verified through single-use links sent by the
//! [`mail::Mailer`] ([`recovery`]). Every request's access token is checked
//! against its member and session by [`access::authenticate`].
//!
//! Refusals never tell whether an email has an account: a wrong email and a
//! wrong password read alike and take as long (the password is verified
//! against a dummy hash when there is no user).

pub mod access;
pub mod accounts;
pub mod cleanup;
pub mod mail;
pub mod members;
pub mod recovery;
pub mod sessions;

use std::collections::HashMap;

use chrono::Duration;
use sea_orm::sea_query::{Expr, ExprTrait, Func, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use secrecy::SecretString;
use switchboard_domain::password::{self, Password, PasswordPolicy};
use switchboard_entity::enums::MembershipStatus;
use switchboard_entity::{organization_memberships, system_config};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// How identity is configured for this deployment (its flags and
/// environment); what members may change at runtime is the [`Policy`].
#[derive(Debug, Clone)]
pub struct IdentityConfig {
    /// The HS256 secret access tokens are signed with.
    pub jwt_secret: SecretString,
    /// How long an access token lives (15 minutes by default).
    pub access_token_ttl: Duration,
    /// Whether anyone may sign up (off for invite-only deployments).
    pub sign_up: bool,
    /// Where links in mail point (`<public_url>/reset-password?token=…`);
    /// without one, mail gives the bare token.
    pub public_url: Option<String>,
}

impl IdentityConfig {
    /// A configuration signing with `jwt_secret`, with every default.
    pub fn new(jwt_secret: impl Into<String>) -> Self {
        Self {
            jwt_secret: SecretString::from(jwt_secret.into()),
            access_token_ttl: Duration::minutes(15),
            sign_up: true,
            public_url: None,
        }
    }
}

/// `lower(column) = lower(email)`: emails match case-insensitively, on the
/// `lower(email)` indexes.
pub(crate) fn same_email<C: ColumnTrait>(column: C, email: &str) -> SimpleExpr {
    Expr::expr(Func::lower(Expr::col(column))).eq(Func::lower(Expr::val(email)))
}

/// A link to the front end's `path` carrying `token`, or the bare token
/// when no app URL is configured.
pub(crate) fn link(config: &IdentityConfig, path: &str, token: &str) -> String {
    match &config.public_url {
        Some(base) => format!("{}/{path}?token={token}", base.trim_end_matches('/')),
        None => format!("token: {token}"),
    }
}

/// Hashes a new password off the async threads: argon2 takes tens of
/// milliseconds on purpose.
pub(crate) async fn hash_password(password: Password) -> AppResult<String> {
    tokio::task::spawn_blocking(move || password.hash())
        .await
        .map_err(|e| AppError::internal(format!("hashing failed: {e}")))
}

/// Whether `candidate` matches `hash`, off the async threads. Without a
/// hash it is checked against a dummy one, so the answer takes as long.
pub(crate) async fn verify_password(hash: Option<String>, candidate: String) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => password::verify(&hash, &candidate),
        None => {
            password::verify(password::dummy_hash(), &candidate);
            false
        }
    })
    .await
    .map_err(|e| AppError::internal(format!("verifying failed: {e}")))
}

/// The membership a user acts in: in `wanted` if given, else their
/// earliest; active memberships only.
pub(crate) async fn active_membership(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    wanted: Option<Uuid>,
) -> AppResult<Option<organization_memberships::Model>> {
    let mut memberships = organization_memberships::Entity::find()
        .filter(organization_memberships::Column::UserId.eq(user_id))
        .filter(organization_memberships::Column::Status.eq(MembershipStatus::Active));
    if let Some(wanted) = wanted {
        memberships =
            memberships.filter(organization_memberships::Column::OrganizationId.eq(wanted));
    }
    Ok(memberships
        .order_by_asc(organization_memberships::Column::CreatedAt)
        .order_by_asc(organization_memberships::Column::Id)
        .one(db)
        .await?)
}

/// Where a request comes from, recorded with logins, sessions and resets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client {
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

impl Client {
    /// A client, each part cut to a length a row should hold.
    pub fn new(ip_address: Option<String>, user_agent: Option<String>) -> Self {
        let cut = |text: String, max: usize| text.chars().take(max).collect::<String>();
        Self {
            ip_address: ip_address.map(|ip| cut(ip, 64)),
            user_agent: user_agent.map(|ua| cut(ua, 512)),
        }
    }
}

/// The security policy, from `system_config`'s global rows (seed 004's
/// keys), each falling back to its default when unset or unreadable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// `password_min_length` (default 12, never under 8).
    pub password: PasswordPolicy,
    /// `max_login_attempts`: failures that lock an email out (default 5).
    pub max_login_attempts: u32,
    /// `lockout_duration_minutes` (default 15).
    pub lockout: Duration,
    /// `session_duration_hours`: how long a login lasts through refreshes
    /// (default 720, 30 days).
    pub session: Duration,
    /// `password_reset_token_expiry_hours` (default 1).
    pub reset_token: Duration,
    /// How long an email-verification link lasts (48 hours).
    pub verification_token: Duration,
    /// Reset requests allowed per email, and per address, each hour (3 and 10).
    pub resets_per_email_hour: u32,
    pub resets_per_ip_hour: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            password: PasswordPolicy::default(),
            max_login_attempts: 5,
            lockout: Duration::minutes(15),
            session: Duration::hours(720),
            reset_token: Duration::hours(1),
            verification_token: Duration::hours(48),
            resets_per_email_hour: 3,
            resets_per_ip_hour: 10,
        }
    }
}

/// The `system_config` keys the policy reads.
const POLICY_KEYS: [&str; 5] = [
    "password_min_length",
    "max_login_attempts",
    "lockout_duration_minutes",
    "session_duration_hours",
    "password_reset_token_expiry_hours",
];

impl Policy {
    /// Reads the policy (one statement).
    pub async fn load(db: &impl ConnectionTrait) -> AppResult<Self> {
        let rows: Vec<(String, String)> = system_config::Entity::find()
            .select_only()
            .column(system_config::Column::Key)
            .column(system_config::Column::Value)
            .filter(system_config::Column::OrganizationId.is_null())
            .filter(system_config::Column::Key.is_in(POLICY_KEYS))
            .into_tuple()
            .all(db)
            .await?;
        Ok(Self::from_values(&rows.into_iter().collect()))
    }

    fn from_values(values: &HashMap<String, String>) -> Self {
        let number = |key: &str, min: i64, max: i64| -> Option<i64> {
            let value = values.get(key)?;
            match value.trim().parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Some(n),
                _ => {
                    tracing::warn!(
                        key,
                        value,
                        "system_config value out of range; using the default"
                    );
                    None
                }
            }
        };
        let default = Self::default();
        Self {
            password: number("password_min_length", 8, 256).map_or(default.password, |n| {
                PasswordPolicy::with_min_length(n as usize)
            }),
            max_login_attempts: number("max_login_attempts", 1, 1_000)
                .map_or(default.max_login_attempts, |n| n as u32),
            lockout: number("lockout_duration_minutes", 1, 7 * 24 * 60)
                .map_or(default.lockout, Duration::minutes),
            session: number("session_duration_hours", 1, 24 * 365)
                .map_or(default.session, Duration::hours),
            reset_token: number("password_reset_token_expiry_hours", 1, 24 * 7)
                .map_or(default.reset_token, Duration::hours),
            ..default
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_reads_its_keys_and_keeps_defaults_for_bad_values() {
        let values: HashMap<String, String> = [
            ("password_min_length", "16"),
            ("max_login_attempts", "zero"),
            ("lockout_duration_minutes", "-5"),
            ("session_duration_hours", " 24 "),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let policy = Policy::from_values(&values);
        assert_eq!(policy.password.min_length, 16);
        assert_eq!(policy.max_login_attempts, 5);
        assert_eq!(policy.lockout, Duration::minutes(15));
        assert_eq!(policy.session, Duration::hours(24));
        assert_eq!(policy.reset_token, Duration::hours(1));
    }
}
