//! The organization a member acts in, and the member themself, as they read
//! them (`viewer`, `organization`); creating an organization and changing
//! the viewer's.

use chrono::Utc;
use sea_orm::ActiveValue::{self, Set};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait};
use serde_json::json;
use switchboard_domain::text::Name;
use switchboard_domain::timezone::TimeZone;
use switchboard_entity::enums::{MemberRole, MembershipStatus};
use switchboard_entity::{organization_memberships, organizations, users};
use uuid::Uuid;

use crate::actor::{Permission, Viewer};
use crate::app::App;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::identity::Client;

/// The viewer's organization.
pub async fn organization(
    db: &impl ConnectionTrait,
    viewer: Viewer,
) -> AppResult<organizations::Model> {
    let id = viewer.organization_id;
    organizations::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("organization", id))
}

/// The viewer's own user.
pub async fn user(db: &impl ConnectionTrait, viewer: Viewer) -> AppResult<users::Model> {
    let id = viewer.user_id;
    users::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("user", id))
}

/// A new organization.
#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub name: String,
    /// IANA zone; default UTC.
    pub timezone: Option<String>,
    /// Two-letter region for national phone numbers; default US.
    pub default_region: Option<String>,
}

/// Changes to the viewer's organization: `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub default_region: Option<String>,
}

fn region(text: &str) -> AppResult<String> {
    let code = text.trim().to_ascii_uppercase();
    switchboard_domain::phone::parse_region(&code).map_err(|_| {
        AppError::bad_input(
            "defaultRegion",
            format!("`{text}` is not a two-letter region code (ISO 3166, such as US or GB)"),
        )
    })?;
    Ok(code)
}

/// Writes a new organization and its owner's active membership.
pub(crate) async fn insert_owned(
    db: &impl ConnectionTrait,
    owner: Uuid,
    name: Name,
    timezone: String,
    default_region: String,
    now: chrono::DateTime<Utc>,
) -> AppResult<organizations::Model> {
    let organization = organizations::ActiveModel {
        id: Set(Uuid::now_v7()),
        slug: Set(crate::identity::accounts::slug(name.as_str())),
        name: Set(name.into_string()),
        timezone: Set(timezone),
        default_region: Set(default_region),
        credit_balance: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    organization_memberships::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization.id),
        user_id: Set(owner),
        role: Set(MemberRole::Owner),
        status: Set(MembershipStatus::Active),
        invited_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(organization)
}

/// Creates an organization the viewer owns (they act in it after logging
/// in to it). Any member may; it is audited in the new organization.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn create_organization(
    app: &App,
    viewer: Viewer,
    client: &Client,
    input: NewOrganization,
) -> AppResult<organizations::Model> {
    let name = Name::parse(&input.name)?;
    let timezone = match input.timezone.as_deref() {
        Some(zone) => TimeZone::parse(zone)?.name().to_owned(),
        None => "UTC".to_owned(),
    };
    let default_region = region(input.default_region.as_deref().unwrap_or("US"))?;
    let now = Utc::now();
    let write = app.begin_privileged_write().await?;
    let organization =
        insert_owned(&*write, viewer.user_id, name, timezone, default_region, now).await?;
    let owner = Viewer {
        organization_id: organization.id,
        role: MemberRole::Owner,
        ..viewer
    };
    audit::record(
        &*write,
        owner,
        client,
        audit::Entry {
            action: "organization.create",
            resource_type: "organization",
            resource_id: Some(organization.id),
            target_user_id: None,
            details: json!({ "name": organization.name }),
        },
        now,
    )
    .await?;
    write.commit().await?;
    Ok(organization)
}

/// Renames the viewer's organization or changes its zone or region
/// (admins and owners).
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn update_organization(
    app: &App,
    viewer: Viewer,
    client: &Client,
    changes: OrganizationChanges,
) -> AppResult<organizations::Model> {
    viewer.require(Permission::Administer)?;
    let now = Utc::now();
    let mut update = organizations::ActiveModel {
        id: Set(viewer.organization_id),
        updated_at: Set(now),
        ..Default::default()
    };
    let mut details = serde_json::Map::new();
    if let Some(name) = &changes.name {
        let name = Name::parse(name)?;
        details.insert("name".into(), json!(name.as_str()));
        update.name = Set(name.into_string());
    }
    if let Some(zone) = &changes.timezone {
        let zone = TimeZone::parse(zone)?.name().to_owned();
        details.insert("timezone".into(), json!(zone));
        update.timezone = Set(zone);
    }
    if let Some(code) = &changes.default_region {
        let code = region(code)?;
        details.insert("defaultRegion".into(), json!(code));
        update.default_region = Set(code);
    }
    let write = app.begin_write().await?;
    let moves_days =
        matches!(&update.timezone, ActiveValue::Set(zone) if zone != viewer.timezone.name());
    if moves_days && crate::analytics::day_counts::kept(write.get_database_backend()) {
        // A new zone recounts the call summary's days (m0012's trigger).
        // Writers of calls finish first and wait for this commit, so none
        // counts a call by the old zone after the recount.
        write
            .execute_unprepared("LOCK TABLE calls IN SHARE MODE")
            .await?;
    }
    let organization = update.update(&*write).await?;
    audit::record(
        &*write,
        viewer,
        client,
        audit::Entry {
            action: "organization.update",
            resource_type: "organization",
            resource_id: Some(viewer.organization_id),
            target_user_id: None,
            details: serde_json::Value::Object(details),
        },
        now,
    )
    .await?;
    write.commit().await?;
    Ok(organization)
}
