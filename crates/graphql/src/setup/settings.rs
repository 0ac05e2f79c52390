//! The organization's settings: `settings` for members, `updateSettings`
//! for admins and owners.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use switchboard_app::settings::{self, SettingsChanges};

use crate::identity::client;
use crate::shared::context::{self, Permission, require};
use crate::shared::error::{ApiResult, UnderArgument};

/// The global security policy (read-only through the API: it applies to
/// every organization, and the operator sets it in `system_config`).
#[derive(SimpleObject)]
pub struct SecurityPolicy {
    /// The shortest password accepted.
    pub password_min_length: i32,
    /// Failed logins that lock an email out.
    pub max_login_attempts: i32,
    /// How long a lockout lasts, in minutes.
    pub lockout_duration_minutes: i64,
    /// How long a login lasts through refreshes, in hours.
    pub session_duration_hours: i64,
    /// How long a password-reset link works, in hours.
    pub password_reset_token_expiry_hours: i64,
}

/// The organization's settings, as they apply now.
#[derive(SimpleObject)]
pub struct Settings {
    /// The earliest local time (HH:MM) people may be called; 08:00 at the earliest.
    pub calling_hours_start: String,
    /// The local time (HH:MM) calls must stop by; 21:00 at the latest.
    pub calling_hours_end: String,
    /// Credits a billed minute of calling costs.
    pub credits_per_minute: i64,
    /// Calls the dialer keeps going at once (queued, ringing or in progress); it places no more until one ends. Default 10.
    pub dialer_concurrency: i64,
    /// The global security policy.
    pub security: SecurityPolicy,
}

impl From<settings::Settings> for Settings {
    fn from(s: settings::Settings) -> Self {
        Self {
            calling_hours_start: s.calling_hours.start.format("%H:%M").to_string(),
            calling_hours_end: s.calling_hours.end.format("%H:%M").to_string(),
            credits_per_minute: s.credits_per_minute,
            dialer_concurrency: s.dialer_concurrency,
            security: SecurityPolicy {
                password_min_length: s.policy.password.min_length as i32,
                max_login_attempts: s.policy.max_login_attempts as i32,
                lockout_duration_minutes: s.policy.lockout.num_minutes(),
                session_duration_hours: s.policy.session.num_hours(),
                password_reset_token_expiry_hours: s.policy.reset_token.num_hours(),
            },
        }
    }
}

/// Changes to the settings; omitted fields stay.
#[derive(InputObject)]
pub struct UpdateSettingsInput {
    /// HH:MM, 08:00 or later.
    pub calling_hours_start: Option<String>,
    /// HH:MM, 21:00 or earlier, after the start.
    pub calling_hours_end: Option<String>,
    /// 0 to 1,000,000.
    pub credits_per_minute: Option<i64>,
    /// 1 to 1,000.
    pub dialer_concurrency: Option<i64>,
}

/// The settings query.
#[derive(Default)]
pub struct SettingsQueries;

#[Object]
impl SettingsQueries {
    /// The organization's settings and the security policy.
    async fn settings(&self, ctx: &Context<'_>) -> ApiResult<Settings> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(
            settings::settings(context::db(ctx)?, viewer.organization_id)
                .await?
                .into(),
        )
    }
}

/// The settings mutation.
#[derive(Default)]
pub struct SettingsMutations;

#[Object]
impl SettingsMutations {
    /// Changes the organization's calling hours (the dial gate enforces
    /// them, within the legal 08:00–21:00), what a minute costs or the
    /// dialer's concurrency (admins and owners; audited). BAD_USER_INPUT names the field refused.
    async fn update_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What changes.")] input: UpdateSettingsInput,
    ) -> ApiResult<Settings> {
        let viewer = require(ctx, Permission::Read)?;
        let changes = SettingsChanges {
            calling_hours_start: input.calling_hours_start,
            calling_hours_end: input.calling_hours_end,
            credits_per_minute: input.credits_per_minute,
            dialer_concurrency: input.dialer_concurrency,
        };
        Ok(
            settings::update_settings(context::app(ctx)?, viewer, &client(ctx), changes)
                .await
                .under("input")?
                .into(),
        )
    }
}
