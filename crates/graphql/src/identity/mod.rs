//! Identity in GraphQL: signing up, logging in, refreshing and ending
//! sessions, resetting a password and verifying an email. These mutations
//! (but `logOut`, `logOutEverywhere`, `revokeSession` and
//! `requestEmailVerification`) need no token.

mod team;

pub use team::{TeamMutations, TeamQueries};

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use switchboard_app::identity::accounts::{self, LogIn, SignUp};
use switchboard_app::identity::sessions::{self, Issued};
use switchboard_app::identity::{Client, recovery};
use switchboard_entity::user_sessions;

use crate::shared::context::{self, Caller, Permission, require};
use crate::shared::error::{ApiResult, UnderArgument, parse_id};
use crate::types::{Organization, User};

/// What a login, a sign-up or a refresh hands the client: a short-lived
/// access token to send as `Authorization: Bearer …`, and a refresh token
/// to trade for the next one (once: a refresh token used twice ends the
/// session).
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// The bearer token for every request (15 minutes by default).
    pub access_token: String,
    /// Trade it with `refreshSession` for new tokens; single use.
    pub refresh_token: String,
    /// When `accessToken` expires: refresh a little before.
    pub access_token_expires_at: DateTime<Utc>,
    /// The session these tokens belong to (see `sessions`).
    pub session_id: ID,
    /// Who logged in.
    pub user: User,
    /// The organization the access token acts in.
    pub organization: Organization,
}

impl From<Issued> for AuthPayload {
    fn from(issued: Issued) -> Self {
        Self {
            access_token: issued.access_token,
            refresh_token: issued.refresh_token,
            access_token_expires_at: issued.access_token_expires_at,
            session_id: ID(issued.session_id.to_string()),
            user: User::new(issued.user),
            organization: Organization(issued.organization),
        }
    }
}

/// A new account.
#[derive(InputObject)]
pub struct SignUpInput {
    /// The email to log in with; a confirmation link is mailed to it.
    pub email: String,
    /// At least the configured minimum length (12 characters by default).
    pub password: String,
    /// The person's display name, 1 to 200 characters.
    pub name: String,
    /// The organization created with the account (its owner), 1 to 200 characters.
    pub organization_name: String,
}

/// A login.
#[derive(InputObject)]
pub struct LogInInput {
    /// The account's email (any case).
    pub email: String,
    /// The account's password.
    pub password: String,
    /// Which of the user's organizations to act in; default the one they joined first.
    pub organization_id: Option<ID>,
}

/// A login session: one device or browser that logged in.
pub struct Session(pub user_sessions::Model);

/// A login session of the viewer: one device or browser that logged in.
#[Object]
impl Session {
    /// The session's id (for `revokeSession`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The address it logged in from.
    async fn ip_address(&self) -> Option<&str> {
        self.0.ip_address.as_deref()
    }
    /// The browser or client it logged in with.
    async fn user_agent(&self) -> Option<&str> {
        self.0.user_agent.as_deref()
    }
    /// When it logged in.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last refreshed its tokens.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    /// When it ends, however often it refreshes.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.refresh_expires_at
    }
    /// Whether the request asking is made with this session's token.
    async fn current(&self, ctx: &Context<'_>) -> bool {
        ctx.data_opt::<Caller>()
            .and_then(|caller| caller.session_id)
            .is_some_and(|id| id == self.0.id)
    }
}

pub(crate) fn client(ctx: &Context<'_>) -> Client {
    ctx.data_opt::<Caller>()
        .map(|caller| caller.client.clone())
        .unwrap_or_default()
}

/// The viewer's sessions.
#[derive(Default)]
pub struct IdentityQueries;

#[Object]
impl IdentityQueries {
    /// The viewer's active login sessions, newest first (at most 100).
    async fn sessions(&self, ctx: &Context<'_>) -> ApiResult<Vec<Session>> {
        let viewer = require(ctx, Permission::Read)?;
        let rows = sessions::sessions(context::db(ctx)?, viewer).await?;
        Ok(rows.into_iter().map(Session).collect())
    }
}

/// Accounts and sessions.
#[derive(Default)]
pub struct IdentityMutations;

#[Object]
impl IdentityMutations {
    /// Creates an account and its organization (the new user owns it) and
    /// logs in. FORBIDDEN when sign-up is closed (invite-only servers);
    /// CONFLICT on `input.email` when an account has the email;
    /// BAD_USER_INPUT for a short password or a malformed email or name.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account and the organization it owns.")] input: SignUpInput,
    ) -> ApiResult<AuthPayload> {
        let app = context::app(ctx)?;
        let input = SignUp {
            email: input.email,
            password: input.password,
            name: input.name,
            organization_name: input.organization_name,
        };
        Ok(accounts::sign_up(app, &client(ctx), input)
            .await
            .under("input")?
            .into())
    }

    /// Logs in with an email and password. A wrong email or password is
    /// UNAUTHENTICATED (alike: the answer never tells whether an account
    /// exists); after too many failures the email is locked out for a while
    /// (RATE_LIMITED, with `retryAfterSeconds`); FORBIDDEN when the user is
    /// not an active member of the organization asked for.
    async fn log_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The email, the password and, optionally, the organization.")]
        input: LogInInput,
    ) -> ApiResult<AuthPayload> {
        let app = context::app(ctx)?;
        let organization_id = input
            .organization_id
            .map(|id| parse_id("input.organizationId", &id))
            .transpose()?;
        let input = LogIn {
            email: input.email,
            password: input.password,
            organization_id,
        };
        Ok(accounts::log_in(app, &client(ctx), input)
            .await
            .under("input")?
            .into())
    }

    /// Trades a refresh token for new tokens. Each refresh token works once:
    /// presenting one again ends its session (UNAUTHENTICATED), as does an
    /// ended session or a member who lost access.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The `refreshToken` of the latest `AuthPayload`.")] refresh_token: String,
    ) -> ApiResult<AuthPayload> {
        let app = context::app(ctx)?;
        Ok(sessions::refresh_session(app, &refresh_token).await?.into())
    }

    /// Ends the session of the token making the request: its access tokens
    /// stop working at once, its refresh token opens nothing. True.
    async fn log_out(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let viewer = require(ctx, Permission::Read)?;
        let session = ctx.data_opt::<Caller>().and_then(|c| c.session_id);
        sessions::log_out(context::app(ctx)?, viewer, session).await?;
        Ok(true)
    }

    /// Ends every session of the viewer, on every device; how many ended.
    async fn log_out_everywhere(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        let viewer = require(ctx, Permission::Read)?;
        let ended = sessions::log_out_everywhere(context::app(ctx)?, viewer).await?;
        Ok(i32::try_from(ended).unwrap_or(i32::MAX))
    }

    /// Ends one of the viewer's sessions; NOT_FOUND for any other id. True.
    async fn revoke_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A session's id, from `sessions`.")] id: ID,
    ) -> ApiResult<bool> {
        let viewer = require(ctx, Permission::Read)?;
        let session = parse_id("id", &id)?;
        sessions::revoke_session(context::app(ctx)?, viewer, session).await?;
        Ok(true)
    }

    /// Mails a password-reset link if an account has the email. Always
    /// true, account or not; RATE_LIMITED after a few requests an hour for
    /// one email or address.
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's email.")] email: String,
    ) -> ApiResult<bool> {
        let app = context::app(ctx)?;
        recovery::request_password_reset(app, &client(ctx), &email).await?;
        Ok(true)
    }

    /// Sets a new password with the token of a reset link (once, before it
    /// expires) and ends every session of the user: log in again.
    /// BAD_USER_INPUT on `token` for a used, expired or unknown token, on
    /// `newPassword` for one the policy refuses.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token of the reset link.")] token: String,
        #[graphql(desc = "At least the configured minimum length.")] new_password: String,
    ) -> ApiResult<bool> {
        recovery::reset_password(context::app(ctx)?, &token, &new_password).await?;
        Ok(true)
    }

    /// Mails the viewer a new link to confirm their email.
    async fn request_email_verification(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let viewer = require(ctx, Permission::Read)?;
        recovery::request_email_verification(context::app(ctx)?, viewer).await?;
        Ok(true)
    }

    /// Confirms an email with the token of its link (once, before it
    /// expires); BAD_USER_INPUT on `token` otherwise. The user confirmed.
    async fn verify_email(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token of the confirmation link.")] token: String,
    ) -> ApiResult<User> {
        Ok(User::new(
            recovery::verify_email(context::app(ctx)?, &token).await?,
        ))
    }
}
