//! `switchboard secrets rotate`: re-seal every stored secret with a new key.

use anyhow::{Context, bail};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use secrecy::{ExposeSecret, SecretString};
use switchboard_domain::secrets::{SecretKey, open, seal};
use switchboard_entity::system_config;

/// Opens every encrypted `system_config` value with `current` and seals it
/// again with `new`, all in one transaction: if any value does not open
/// (wrong current key), nothing changes. Returns how many were re-sealed.
pub async fn rotate(
    db: &DatabaseConnection,
    current: &SecretKey,
    new: &SecretKey,
) -> anyhow::Result<usize> {
    let txn = db.begin().await?;
    let mut rows =
        system_config::Entity::find().filter(system_config::Column::IsEncrypted.eq(true));
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // A secret set while rotating would be sealed with the old key and
        // then overwritten or left behind: make such writes wait.
        rows = rows.lock_exclusive();
    }
    let rows = rows.all(&txn).await?;
    let now = chrono::Utc::now();
    let count = rows.len();
    for row in rows {
        let Some(organization_id) = row.organization_id else {
            bail!(
                "the encrypted setting `{}` belongs to no organization; nothing was changed",
                row.key
            );
        };
        let context = switchboard_app::webhooks::secret_context(organization_id, &row.key);
        let plaintext: SecretString = open(current, &row.value, &context)
            .with_context(|| {
                format!(
                    "`{}` of organization {organization_id} does not open with the current key \
                     (is SWITCHBOARD_SECRET_KEY the key in use?); nothing was changed",
                    row.key
                )
            })?
            .into();
        let sealed = seal(new, plaintext.expose_secret(), &context);
        let mut active: system_config::ActiveModel = row.into();
        active.value = Set(sealed);
        active.updated_at = Set(now);
        active.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(count)
}
