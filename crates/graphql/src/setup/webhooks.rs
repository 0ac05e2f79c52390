//! Provider webhook configuration: where each provider posts, and its
//! signing secret (write-only: stored encrypted, never read back). The
//! resolvers check the role and run [`switchboard_app::webhooks`]'
//! `webhook_endpoints` and `set_webhook_secret`.

use async_graphql::{Context, Enum, Object, SimpleObject};
use chrono::{DateTime, Utc};
use switchboard_domain::webhooks::Provider;

use crate::shared::context::{self, Permission, require};
use crate::shared::error::ApiResult;
use switchboard_app::webhooks;

/// A voice or telephony provider that reports calls through a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum WebhookProvider {
    /// Vapi: posts to `/webhooks/vapi`.
    Vapi,
    /// ElevenLabs: posts to `/webhooks/elevenlabs`.
    Elevenlabs,
    /// Retell AI: posts to `/webhooks/retell`.
    Retell,
    /// Twilio: posts to `/webhooks/twilio`.
    Twilio,
}

impl From<WebhookProvider> for Provider {
    fn from(p: WebhookProvider) -> Self {
        match p {
            WebhookProvider::Vapi => Provider::Vapi,
            WebhookProvider::Elevenlabs => Provider::ElevenLabs,
            WebhookProvider::Retell => Provider::Retell,
            WebhookProvider::Twilio => Provider::Twilio,
        }
    }
}

impl From<Provider> for WebhookProvider {
    fn from(p: Provider) -> Self {
        match p {
            Provider::Vapi => WebhookProvider::Vapi,
            Provider::ElevenLabs => WebhookProvider::Elevenlabs,
            Provider::Retell => WebhookProvider::Retell,
            Provider::Twilio => WebhookProvider::Twilio,
        }
    }
}

/// Where a provider posts its webhooks for this organization.
#[derive(SimpleObject)]
pub struct WebhookEndpoint {
    /// The provider posting to this endpoint.
    pub provider: WebhookProvider,
    /// The path to give the provider (after this server's public address).
    pub path: String,
    /// Whether a signing secret is set; deliveries are refused until it is.
    pub configured: bool,
    /// When the secret was last set.
    pub secret_updated_at: Option<DateTime<Utc>>,
}

impl From<webhooks::WebhookEndpoint> for WebhookEndpoint {
    fn from(endpoint: webhooks::WebhookEndpoint) -> Self {
        Self {
            provider: endpoint.provider.into(),
            path: endpoint.path,
            configured: endpoint.configured,
            secret_updated_at: endpoint.secret_updated_at,
        }
    }
}

#[derive(Default)]
pub struct WebhookQueries;

#[Object]
impl WebhookQueries {
    /// The organization's provider webhooks and whether each has its signing secret (admins).
    async fn webhook_endpoints(&self, ctx: &Context<'_>) -> ApiResult<Vec<WebhookEndpoint>> {
        let viewer = require(ctx, Permission::Administer)?;
        let endpoints = webhooks::webhook_endpoints(context::app(ctx)?, viewer).await?;
        Ok(endpoints.into_iter().map(Into::into).collect())
    }
}

#[derive(Default)]
pub struct WebhookMutations;

#[Object]
impl WebhookMutations {
    /// Sets (or rotates) a provider's signing secret, stored encrypted (admins).
    async fn set_webhook_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The provider whose deliveries the secret verifies.")]
        provider: WebhookProvider,
        #[graphql(
            desc = "The signing secret the provider shows (at least 8 characters); it cannot be read back."
        )]
        secret: String,
    ) -> ApiResult<WebhookEndpoint> {
        let viewer = require(ctx, Permission::Administer)?;
        let endpoint = webhooks::set_webhook_secret(
            context::app(ctx)?,
            viewer.into(),
            &crate::identity::client(ctx),
            provider.into(),
            &secret,
        )
        .await?;
        Ok(endpoint.into())
    }
}
