//! The dialer in GraphQL: the organization's accounts at the voice
//! providers (`setProviderCredentials`, `providerCredentials`) and placing a
//! scheduled call at once (`dialNow`). Each resolver translates to one
//! `switchboard_app::dialer` use case.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use switchboard_app::dialer::{credentials, dial};

use crate::identity::client;
use crate::shared::context::{self, Permission, require};
use crate::shared::enums::TelephonyProvider;
use crate::shared::error::{ApiResult, parse_id};
use crate::types::Call;

/// An organization's account at a voice provider, without its secrets.
#[derive(SimpleObject)]
pub struct ProviderCredentials {
    /// The provider.
    pub provider: TelephonyProvider,
    /// Whether calls can be placed through it: TWILIO needs the account SID and auth token, the others the API key.
    pub configured: bool,
    /// The API's address: the provider's public one unless set.
    pub base_url: String,
    /// Whether an API key is set (it cannot be read back).
    pub has_api_key: bool,
    /// Twilio's account SID.
    pub account_sid: Option<String>,
    /// Whether Twilio's auth token is set (it cannot be read back).
    pub has_auth_token: bool,
    /// The provider's id of the number calls leave from, when the number has none of its own (Vapi's phone number id, ElevenLabs' agent phone number id).
    pub phone_number_id: Option<String>,
    /// When the account was last set; null if never.
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<credentials::AccountStatus> for ProviderCredentials {
    fn from(s: credentials::AccountStatus) -> Self {
        Self {
            provider: s.provider.into(),
            configured: s.configured,
            base_url: s.base_url,
            has_api_key: s.has_api_key,
            account_sid: s.account_sid,
            has_auth_token: s.has_auth_token,
            phone_number_id: s.phone_number_id,
            updated_at: s.updated_at,
        }
    }
}

/// An account's fields: each given replaces the stored one (an empty string clears it), each omitted stays.
#[derive(InputObject, Default)]
pub struct ProviderCredentialsInput {
    /// Vapi, Retell and ElevenLabs: the API key (write-only).
    pub api_key: Option<String>,
    /// The API's address (http or https); default the provider's public API.
    pub base_url: Option<String>,
    /// Twilio: the account SID.
    pub account_sid: Option<String>,
    /// Twilio: the auth token (write-only).
    pub auth_token: Option<String>,
    /// The provider's id of the number calls leave from, for numbers without their own.
    pub phone_number_id: Option<String>,
}

/// Dialer queries.
#[derive(Default)]
pub struct DialerQueries;

#[Object]
impl DialerQueries {
    /// The organization's accounts at VAPI, RETELL, ELEVENLABS and TWILIO, without their secrets (managers).
    async fn provider_credentials(&self, ctx: &Context<'_>) -> ApiResult<Vec<ProviderCredentials>> {
        let viewer = require(ctx, Permission::Manage)?;
        let rows = credentials::provider_accounts(context::app(ctx)?, viewer).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

/// Dialer mutations.
#[derive(Default)]
pub struct DialerMutations;

#[Object]
impl DialerMutations {
    /// Sets the organization's account at a voice provider, the secrets stored encrypted (admins, audited without the values). OTHER is BAD_USER_INPUT.
    async fn set_provider_credentials(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The provider calls are placed through.")] provider: TelephonyProvider,
        #[graphql(desc = "The fields to set.")] input: ProviderCredentialsInput,
    ) -> ApiResult<ProviderCredentials> {
        let viewer = require(ctx, Permission::Administer)?;
        let changes = credentials::AccountChanges {
            api_key: input.api_key,
            base_url: input.base_url,
            account_sid: input.account_sid,
            auth_token: input.auth_token,
            phone_number_id: input.phone_number_id,
        };
        let status = credentials::set_provider_account(
            context::app(ctx)?,
            viewer,
            &client(ctx),
            provider.into(),
            changes,
        )
        .await?;
        Ok(status.into())
    }

    /// Places a scheduled call now through its agent's provider, after the dial gate at this moment (DNC, calling hours, the campaign, credits: DIAL_BLOCKED). The call comes back QUEUED with `providerCallId`, or FAILED with the provider's refusal in `endedReason`; an unavailable provider is PROVIDER_UNAVAILABLE and the call stays SCHEDULED.
    async fn dial_now(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The scheduled call.")] call_id: ID,
    ) -> ApiResult<Call> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let id = parse_id("callId", &call_id)?;
        let call = dial::dial_now(context::app(ctx)?, viewer, id).await?;
        Ok(Call::new(call))
    }
}
