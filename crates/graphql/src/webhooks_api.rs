//! Provider webhook configuration: where each provider posts, and its
//! signing secret (write-only: stored encrypted, never read back).

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use switchboard_domain::secrets::SecretKey;
use switchboard_domain::webhooks::Provider;
use switchboard_entity::{organizations, system_config};

use crate::context::{self, Permission, require};
use crate::error::{ApiError, ApiResult, AppError};
use switchboard_app::leads::write::begin_write;
use switchboard_app::webhooks::{secret_key_name, set_signing_secret};

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

const PROVIDERS: [WebhookProvider; 4] = [
    WebhookProvider::Vapi,
    WebhookProvider::Elevenlabs,
    WebhookProvider::Retell,
    WebhookProvider::Twilio,
];

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

fn endpoint(
    provider: WebhookProvider,
    slug: &str,
    secret: Option<&system_config::Model>,
) -> WebhookEndpoint {
    WebhookEndpoint {
        provider,
        path: format!("/webhooks/{}?org={slug}", Provider::from(provider).as_str()),
        configured: secret.is_some(),
        secret_updated_at: secret.map(|s| s.updated_at),
    }
}

async fn slug(ctx: &Context<'_>, organization_id: uuid::Uuid) -> ApiResult<String> {
    Ok(organizations::Entity::find_by_id(organization_id)
        .one(context::db(ctx)?)
        .await?
        .ok_or_else(|| ApiError::not_found("organization", organization_id))?
        .slug)
}

#[derive(Default)]
pub struct WebhookQueries;

#[Object]
impl WebhookQueries {
    /// The organization's provider webhooks and whether each has its signing secret (admins).
    async fn webhook_endpoints(&self, ctx: &Context<'_>) -> ApiResult<Vec<WebhookEndpoint>> {
        let viewer = require(ctx, Permission::Administer)?;
        let slug = slug(ctx, viewer.organization_id).await?;
        let rows = system_config::Entity::find()
            .filter(system_config::Column::OrganizationId.eq(viewer.organization_id))
            .filter(system_config::Column::Key.starts_with("webhooks."))
            .all(context::db(ctx)?)
            .await?;
        Ok(PROVIDERS
            .into_iter()
            .map(|p| {
                let name = secret_key_name(p.into());
                endpoint(p, &slug, rows.iter().find(|r| r.key == name))
            })
            .collect())
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
        let key = ctx.data::<Arc<SecretKey>>().map_err(|_| {
            AppError::Internal(sea_orm::DbErr::Custom("no secret key configured".into()))
        })?;
        let slug = slug(ctx, viewer.organization_id).await?;
        let txn = begin_write(context::db(ctx)?).await?;
        let row = set_signing_secret(
            &txn,
            key,
            viewer.organization_id,
            provider.into(),
            &secret,
            viewer.user_id,
            Utc::now(),
        )
        .await?;
        txn.commit().await?;
        Ok(endpoint(provider, &slug, Some(&row)))
    }
}
