//! An organization's accounts at the voice providers: API keys and the
//! rest, stored per provider in `system_config` (`providers.<name>.account`)
//! sealed with AES-256-GCM like the webhook signing secrets, set by admins
//! (audited, the values never recorded) and listed without the secrets.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use switchboard_domain::secrets::SecretKey;
use switchboard_entity::enums::TelephonyProvider;
use switchboard_entity::system_config;
use uuid::Uuid;

use super::{ProviderAccount, public_base_url};
use crate::actor::{Actor, Permission, Viewer};
use crate::app::App;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::identity::Client;
use crate::webhooks::{open_sealed, store_sealed};

/// The providers calls can be placed through, in listing order.
pub const PROVIDERS: [TelephonyProvider; 4] = [
    TelephonyProvider::Vapi,
    TelephonyProvider::Retell,
    TelephonyProvider::Elevenlabs,
    TelephonyProvider::Twilio,
];

/// What an admin sets: each field given replaces the stored one (an empty
/// string clears it), each omitted one stays.
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    pub api_key: Option<String>,
    pub base_url: Option<String>,
    pub account_sid: Option<String>,
    pub auth_token: Option<String>,
    pub phone_number_id: Option<String>,
}

/// The stored form (sealed as one JSON document).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_sid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    auth_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    phone_number_id: Option<String>,
}

/// What anyone managing the organization may see of an account: which
/// secrets are set, never their values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountStatus {
    pub provider: TelephonyProvider,
    /// Whether calls can be placed through it (the required fields are set).
    pub configured: bool,
    /// The API's address (the public one unless set).
    pub base_url: String,
    pub has_api_key: bool,
    pub account_sid: Option<String>,
    pub has_auth_token: bool,
    pub phone_number_id: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

fn key_name(provider: TelephonyProvider) -> String {
    format!("providers.{}.account", provider.as_str())
}

fn supported(provider: TelephonyProvider) -> AppResult<()> {
    if public_base_url(provider).is_none() {
        return Err(AppError::bad_input(
            "provider",
            "calls are placed through VAPI, RETELL, ELEVENLABS or TWILIO",
        ));
    }
    Ok(())
}

/// A field's new value: trimmed, at most `max` characters of visible text;
/// empty clears it.
fn field(name: &str, value: Option<String>, max: usize) -> AppResult<Option<Option<String>>> {
    let Some(value) = value else { return Ok(None) };
    let value = value.trim().to_owned();
    if value.is_empty() {
        return Ok(Some(None));
    }
    if value.chars().count() > max || value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(AppError::bad_input(
            name,
            format!("at most {max} characters, without spaces or control characters"),
        ));
    }
    Ok(Some(Some(value)))
}

/// An `http(s)://host[:port][/path]` address, without a trailing slash,
/// query or fragment.
fn base_url(value: &str) -> AppResult<String> {
    let bad = || {
        AppError::bad_input(
            "input.baseUrl",
            "an http:// or https:// address without a query or fragment",
        )
    };
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || rest.contains(['?', '#', '@']) {
        return Err(bad());
    }
    Ok(value.trim_end_matches('/').to_owned())
}

impl Stored {
    fn apply(mut self, changes: AccountChanges) -> AppResult<Self> {
        if let Some(v) = field("input.apiKey", changes.api_key, 500)? {
            self.api_key = v;
        }
        if let Some(v) = field("input.baseUrl", changes.base_url, 500)? {
            self.base_url = v.map(|v| base_url(&v)).transpose()?;
        }
        if let Some(v) = field("input.accountSid", changes.account_sid, 64)? {
            self.account_sid = v;
        }
        if let Some(v) = field("input.authToken", changes.auth_token, 500)? {
            self.auth_token = v;
        }
        if let Some(v) = field("input.phoneNumberId", changes.phone_number_id, 200)? {
            self.phone_number_id = v;
        }
        Ok(self)
    }

    /// The first field calls through `provider` need but lack.
    fn missing(&self, provider: TelephonyProvider) -> Option<&'static str> {
        match provider {
            TelephonyProvider::Twilio if self.account_sid.is_none() => Some("input.accountSid"),
            TelephonyProvider::Twilio if self.auth_token.is_none() => Some("input.authToken"),
            TelephonyProvider::Twilio => None,
            _ if self.api_key.is_none() => Some("input.apiKey"),
            _ => None,
        }
    }

    fn status(
        &self,
        provider: TelephonyProvider,
        row: Option<&system_config::Model>,
    ) -> AccountStatus {
        AccountStatus {
            provider,
            configured: row.is_some() && self.missing(provider).is_none(),
            base_url: self
                .base_url
                .clone()
                .unwrap_or_else(|| public_base_url(provider).unwrap_or_default().to_owned()),
            has_api_key: self.api_key.is_some(),
            account_sid: self.account_sid.clone(),
            has_auth_token: self.auth_token.is_some(),
            phone_number_id: self.phone_number_id.clone(),
            updated_at: row.map(|r| r.updated_at),
        }
    }
}

async fn stored(
    db: &impl ConnectionTrait,
    key: &SecretKey,
    organization_id: Uuid,
    provider: TelephonyProvider,
) -> AppResult<(Stored, Option<system_config::Model>)> {
    let row = system_config::Entity::find()
        .filter(system_config::Column::OrganizationId.eq(organization_id))
        .filter(system_config::Column::Key.eq(key_name(provider)))
        .one(db)
        .await?;
    let Some(row) = row else {
        return Ok((Stored::default(), None));
    };
    let plaintext = open_sealed(key, organization_id, &row)?;
    let stored = serde_json::from_str(&plaintext).map_err(|e| {
        AppError::Internal(sea_orm::DbErr::Custom(format!(
            "`{}` is not an account: {e}",
            row.key
        )))
    })?;
    Ok((stored, Some(row)))
}

/// Sets (part of) the organization's account at `provider` (admins): the
/// fields the provider needs must be set once done — Twilio's account SID
/// and auth token, the others' API key — else BAD_USER_INPUT on the
/// missing one. Audited without the values.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, provider = provider.as_str()))]
pub async fn set_provider_account(
    app: &App,
    viewer: Viewer,
    client: &Client,
    provider: TelephonyProvider,
    changes: AccountChanges,
) -> AppResult<AccountStatus> {
    viewer.require(Permission::Administer)?;
    supported(provider)?;
    let changed: Vec<&str> = [
        ("apiKey", changes.api_key.is_some()),
        ("baseUrl", changes.base_url.is_some()),
        ("accountSid", changes.account_sid.is_some()),
        ("authToken", changes.auth_token.is_some()),
        ("phoneNumberId", changes.phone_number_id.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, given)| given.then_some(name))
    .collect();
    let now = Utc::now();
    let write = app.begin_write().await?;
    let org = viewer.organization_id;
    let (current, _) = stored(&*write, &app.secret_key, org, provider).await?;
    let next = current.apply(changes)?;
    if let Some(field) = next.missing(provider) {
        return Err(AppError::bad_input(field, "required for this provider"));
    }
    let json = serde_json::to_string(&next)
        .map_err(|e| AppError::Internal(sea_orm::DbErr::Custom(e.to_string())))?;
    let actor: Actor = viewer.into();
    let description = format!("{} account (AES-256-GCM)", provider.as_str());
    let row = store_sealed(
        &write,
        &app.secret_key,
        actor,
        &key_name(provider),
        &json,
        description,
        now,
    )
    .await?;
    audit::record(
        &*write,
        actor,
        client,
        audit::Entry {
            action: "provider_account.set",
            resource_type: "system_config",
            resource_id: Some(row.id),
            target_user_id: None,
            details: serde_json::json!({ "provider": provider.as_str(), "fields": changed }),
        },
        now,
    )
    .await?;
    write.commit().await?;
    Ok(next.status(provider, Some(&row)))
}

/// Every provider's account of the organization (managers), in
/// [`PROVIDERS`] order, without the secrets.
pub async fn provider_accounts(app: &App, viewer: Viewer) -> AppResult<Vec<AccountStatus>> {
    viewer.require(Permission::Manage)?;
    let mut out = Vec::with_capacity(PROVIDERS.len());
    for provider in PROVIDERS {
        let (stored, row) =
            stored(&app.db, &app.secret_key, viewer.organization_id, provider).await?;
        out.push(stored.status(provider, row.as_ref()));
    }
    Ok(out)
}

/// The organization's account at `provider`, opened to place calls; `None`
/// when it is not configured.
pub async fn account(
    db: &impl ConnectionTrait,
    key: &SecretKey,
    organization_id: Uuid,
    provider: TelephonyProvider,
) -> AppResult<Option<ProviderAccount>> {
    let Some(base) = public_base_url(provider) else {
        return Ok(None);
    };
    let (stored, row) = stored(db, key, organization_id, provider).await?;
    if row.is_none() || stored.missing(provider).is_some() {
        return Ok(None);
    }
    Ok(Some(ProviderAccount {
        provider,
        base_url: stored.base_url.unwrap_or_else(|| base.to_owned()),
        api_key: stored.api_key.map(SecretString::from),
        account_sid: stored.account_sid,
        auth_token: stored.auth_token.map(SecretString::from),
        phone_number_id: stored.phone_number_id,
    }))
}

/// A secret's value, for the client that sends it.
pub fn expose(secret: &Option<SecretString>) -> &str {
    secret.as_ref().map_or("", |s| s.expose_secret())
}
