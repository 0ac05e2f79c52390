//! Settings members read and admins change, typed over `system_config`
//! (seed 001 and 004's key/value table): an organization's row of a key
//! wins over the global row (no organization), which wins over the
//! default. Unreadable values fall back like missing ones.
//!
//! An organization's own settings are its calling hours (which the dial
//! gate enforces, narrower than the legal 08:00–21:00 only), the credits
//! a billed minute costs and how many calls the dialer keeps going at once. The security policy ([`Policy`]) is global and
//! read-only here. Every change is audited with the old and new values.

use std::collections::HashMap;

use chrono::{NaiveTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
};
use serde_json::json;
use switchboard_domain::dial::CallingHoursPolicy;
use switchboard_domain::hours::TimeOfDay;
use switchboard_entity::system_config;
use uuid::Uuid;

use crate::actor::{Permission, Viewer};
use crate::app::App;
use crate::audit;
use crate::calls::{CREDITS_PER_MINUTE_KEY, credits_per_minute};
use crate::error::{AppError, AppResult};
use crate::identity::{Client, Policy};

const CALLING_HOURS_START_KEY: &str = "calling_hours_start";
const CALLING_HOURS_END_KEY: &str = "calling_hours_end";
const DIALER_CONCURRENCY_KEY: &str = "dialer_max_concurrent_calls";
/// Calls the dialer keeps going at once for an organization by default.
pub const DEFAULT_DIALER_CONCURRENCY: i64 = 10;
/// The most calls an organization may set the dialer to keep going at once.
pub const MAX_DIALER_CONCURRENCY: i64 = 1_000;
/// The most a billed minute may cost, in credits.
pub const MAX_CREDITS_PER_MINUTE: i64 = 1_000_000;

/// An organization's settings, as they apply now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub calling_hours: CallingHoursPolicy,
    pub credits_per_minute: i64,
    /// Calls the dialer keeps going at once (queued, ringing or in
    /// progress); it places no more until one ends.
    pub dialer_concurrency: i64,
    /// The global security policy.
    pub policy: Policy,
}

/// Changes to an organization's settings: `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct SettingsChanges {
    /// `HH:MM`, from 08:00.
    pub calling_hours_start: Option<String>,
    /// `HH:MM`, by 21:00, after the start.
    pub calling_hours_end: Option<String>,
    pub credits_per_minute: Option<i64>,
    /// 1 to [`MAX_DIALER_CONCURRENCY`].
    pub dialer_concurrency: Option<i64>,
}

/// The values of `keys` for the organization, its own rows over the global.
async fn values(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    keys: &[&str],
) -> AppResult<HashMap<String, String>> {
    let rows = system_config::Entity::find()
        .filter(system_config::Column::Key.is_in(keys.iter().copied()))
        .filter(system_config::Column::IsEncrypted.eq(false))
        .filter(
            Condition::any()
                .add(system_config::Column::OrganizationId.eq(organization_id))
                .add(system_config::Column::OrganizationId.is_null()),
        )
        .all(db)
        .await?;
    let mut found = HashMap::new();
    // Global rows first, so the organization's overwrite them.
    for row in rows.iter().filter(|r| r.organization_id.is_none()) {
        found.insert(row.key.clone(), row.value.clone());
    }
    for row in rows.iter().filter(|r| r.organization_id.is_some()) {
        found.insert(row.key.clone(), row.value.clone());
    }
    Ok(found)
}

fn time(value: Option<&String>) -> Option<NaiveTime> {
    value
        .and_then(|v| TimeOfDay::parse(v).ok())
        .map(TimeOfDay::time)
}

/// The organization's calling hours (the legal ones when unset or invalid).
pub async fn calling_hours(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
) -> AppResult<CallingHoursPolicy> {
    let found = values(
        db,
        organization_id,
        &[CALLING_HOURS_START_KEY, CALLING_HOURS_END_KEY],
    )
    .await?;
    let default = CallingHoursPolicy::default();
    let start = time(found.get(CALLING_HOURS_START_KEY)).unwrap_or(default.start);
    let end = time(found.get(CALLING_HOURS_END_KEY)).unwrap_or(default.end);
    Ok(CallingHoursPolicy::new(start, end).unwrap_or(default))
}

/// How many calls the dialer keeps going at once for the organization.
pub async fn dialer_concurrency(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
) -> AppResult<i64> {
    let found = values(db, organization_id, &[DIALER_CONCURRENCY_KEY]).await?;
    Ok(found
        .get(DIALER_CONCURRENCY_KEY)
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|v| (1..=MAX_DIALER_CONCURRENCY).contains(v))
        .unwrap_or(DEFAULT_DIALER_CONCURRENCY))
}

/// The organization's settings.
pub async fn settings(db: &impl ConnectionTrait, organization_id: Uuid) -> AppResult<Settings> {
    Ok(Settings {
        calling_hours: calling_hours(db, organization_id).await?,
        credits_per_minute: credits_per_minute(db, organization_id).await?,
        dialer_concurrency: dialer_concurrency(db, organization_id).await?,
        policy: Policy::load(db).await?,
    })
}

/// Changes the organization's settings (admins and owners), each change
/// audited. Calling hours must stay within 08:00–21:00, the start before the
/// end (BAD_USER_INPUT on the field); credits per minute 0 to 1,000,000.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn update_settings(
    app: &App,
    viewer: Viewer,
    client: &Client,
    changes: SettingsChanges,
) -> AppResult<Settings> {
    viewer.require(Permission::Administer)?;
    let org = viewer.organization_id;
    let before = settings(&app.db, org).await?;
    let parse = |field: &str, text: &Option<String>| {
        text.as_deref()
            .map(|t| {
                TimeOfDay::parse(t)
                    .map(TimeOfDay::time)
                    .map_err(|e| e.at(field))
            })
            .transpose()
    };
    let start = parse("callingHoursStart", &changes.calling_hours_start)?;
    let end = parse("callingHoursEnd", &changes.calling_hours_end)?;
    let hours = CallingHoursPolicy::new(
        start.unwrap_or(before.calling_hours.start),
        end.unwrap_or(before.calling_hours.end),
    )?;
    if let Some(credits) = changes.credits_per_minute
        && !(0..=MAX_CREDITS_PER_MINUTE).contains(&credits)
    {
        return Err(AppError::bad_input(
            "creditsPerMinute",
            format!("from 0 to {MAX_CREDITS_PER_MINUTE} credits"),
        ));
    }
    if let Some(calls) = changes.dialer_concurrency
        && !(1..=MAX_DIALER_CONCURRENCY).contains(&calls)
    {
        return Err(AppError::bad_input(
            "dialerConcurrency",
            format!("from 1 to {MAX_DIALER_CONCURRENCY} calls"),
        ));
    }
    let mut writes: Vec<(&str, String)> = Vec::new();
    if start.is_some() {
        writes.push((
            CALLING_HOURS_START_KEY,
            hours.start.format("%H:%M").to_string(),
        ));
    }
    if end.is_some() {
        writes.push((CALLING_HOURS_END_KEY, hours.end.format("%H:%M").to_string()));
    }
    if let Some(credits) = changes.credits_per_minute {
        writes.push((CREDITS_PER_MINUTE_KEY, credits.to_string()));
    }
    if let Some(calls) = changes.dialer_concurrency {
        writes.push((DIALER_CONCURRENCY_KEY, calls.to_string()));
    }
    let now = Utc::now();
    let write = app.begin_write().await?;
    for (key, value) in &writes {
        store_own_value(&*write, org, key, value.clone(), None, viewer.user_id, now).await?;
    }
    if !writes.is_empty() {
        let changed: serde_json::Map<String, serde_json::Value> = writes
            .iter()
            .map(|(key, value)| ((*key).to_owned(), json!(value)))
            .collect();
        audit::record(
            &*write,
            viewer,
            client,
            audit::Entry {
                action: "settings.update",
                resource_type: "settings",
                resource_id: Some(org),
                target_user_id: None,
                details: json!({
                    "changed": changed,
                    "before": {
                        CALLING_HOURS_START_KEY: before.calling_hours.start.format("%H:%M").to_string(),
                        CALLING_HOURS_END_KEY: before.calling_hours.end.format("%H:%M").to_string(),
                        CREDITS_PER_MINUTE_KEY: before.credits_per_minute,
                    },
                }),
            },
            now,
        )
        .await?;
    }
    write.commit().await?;
    settings(&app.db, org).await
}

/// The organization's own row of `key`, if it has one (global rows aside):
/// the settings other modules keep as one JSON value each.
pub(crate) async fn own_value(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    key: &str,
) -> AppResult<Option<String>> {
    Ok(system_config::Entity::find()
        .filter(system_config::Column::OrganizationId.eq(organization_id))
        .filter(system_config::Column::Key.eq(key))
        .one(db)
        .await?
        .map(|row| row.value))
}

/// Writes the organization's own row of `key`, made (with `description`)
/// if it has none, as changed by `by`.
pub(crate) async fn store_own_value(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    key: &str,
    value: String,
    description: Option<&str>,
    by: Uuid,
    now: chrono::DateTime<Utc>,
) -> AppResult<()> {
    let existing = system_config::Entity::find()
        .filter(system_config::Column::OrganizationId.eq(organization_id))
        .filter(system_config::Column::Key.eq(key))
        .one(db)
        .await?;
    match existing {
        Some(row) => {
            system_config::ActiveModel {
                id: Set(row.id),
                value: Set(value),
                updated_by: Set(Some(by)),
                updated_at: Set(now),
                ..Default::default()
            }
            .update(db)
            .await?;
        }
        None => {
            system_config::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(Some(organization_id)),
                key: Set(key.to_owned()),
                value: Set(value),
                is_encrypted: Set(false),
                description: Set(description.map(str::to_owned)),
                updated_by: Set(Some(by)),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// An organization setting kept as one JSON value in its own row.
pub(crate) struct OwnSetting {
    pub key: &'static str,
    /// Written when the row is made.
    pub description: &'static str,
    /// The admin audit log's action for a change.
    pub audit_action: &'static str,
}

/// Stores `after` as the organization's value of `setting`, audited with
/// the value `before` it, as changed by the member of `by`.
pub(crate) async fn store_own_json<T: serde::Serialize>(
    db: &impl ConnectionTrait,
    (viewer, client): (Viewer, &Client),
    setting: OwnSetting,
    before: &T,
    after: &T,
    now: chrono::DateTime<Utc>,
) -> AppResult<()> {
    let org = viewer.organization_id;
    let value = serde_json::to_string(after).map_err(|e| AppError::internal(e.to_string()))?;
    store_own_value(
        db,
        org,
        setting.key,
        value,
        Some(setting.description),
        viewer.user_id,
        now,
    )
    .await?;
    audit::record(
        db,
        viewer,
        client,
        audit::Entry {
            action: setting.audit_action,
            resource_type: "settings",
            resource_id: Some(org),
            target_user_id: None,
            details: json!({ "before": before, "after": after }),
        },
        now,
    )
    .await
}
