//! The do-not-call list: numbers the organization may not call, each
//! perhaps until a date (a cooling-off period).
//!
//! A lead whose number is on the list is made with status `dnc`, and the
//! dial gate refuses to call it; managers add and remove entries here.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ModelTrait, QueryFilter,
    QueryOrder,
};
use switchboard_entity::dnc_list;
use switchboard_entity::enums::DncSource;
use uuid::Uuid;

use crate::actor::Viewer;
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::leads::lookups::phone_of_organization;

/// The organization's DNC list, newest entry first (expired entries too).
pub async fn dnc_entries(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
) -> AppResult<Vec<dnc_list::Model>> {
    Ok(dnc_list::Entity::find()
        .filter(dnc_list::Column::OrganizationId.eq(organization_id))
        .order_by_desc(dnc_list::Column::CreatedAt)
        .all(db)
        .await?)
}

/// The DNC entry that blocks `phone` at `at`, if any (an expired one does not).
pub async fn active_dnc_entry(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    phone: &str,
    at: DateTime<Utc>,
) -> AppResult<Option<dnc_list::Model>> {
    Ok(dnc_list::Entity::find()
        .filter(dnc_list::Column::OrganizationId.eq(organization_id))
        .filter(dnc_list::Column::PhoneNumber.eq(phone))
        .filter(
            dnc_list::Column::ExpiresAt
                .is_null()
                .or(dnc_list::Column::ExpiresAt.gt(at)),
        )
        .one(db)
        .await?)
}

/// A number read in the organization's region, and the entry that blocks
/// it now, if any (`dncCheck`). A malformed number is keyed `phoneNumber`.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn check_number(
    app: &App,
    viewer: Viewer,
    phone_number: &str,
) -> AppResult<(String, Option<dnc_list::Model>)> {
    let org = viewer.organization_id;
    let phone = phone_of_organization(&app.db, org, phone_number)
        .await?
        .into_string();
    let entry = active_dnc_entry(&app.db, org, &phone, Utc::now()).await?;
    Ok((phone, entry))
}

/// A number to put on the list.
#[derive(Debug, Clone)]
pub struct NewDncEntry {
    /// Any common format; stored in E.164.
    pub phone_number: String,
    pub reason: Option<String>,
    pub source: DncSource,
    /// The opt-out phrase the AI heard.
    pub detected_phrase: Option<String>,
    /// When the entry stops blocking calls; never, without one.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Puts a number on the list and makes the live lead with it `dnc`. A
/// number listed already (even expired) is CONFLICT naming that entry;
/// errors are keyed `phoneNumber`.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn add_dnc_entry(
    app: &App,
    viewer: Viewer,
    input: NewDncEntry,
) -> AppResult<dnc_list::Model> {
    let write = app.begin_write().await?;
    let org = viewer.organization_id;
    let phone = phone_of_organization(&*write, org, &input.phone_number)
        .await?
        .into_string();
    if let Some(existing) = dnc_list::Entity::find()
        .filter(dnc_list::Column::OrganizationId.eq(org))
        .filter(dnc_list::Column::PhoneNumber.eq(phone.as_str()))
        .one(&*write)
        .await?
    {
        return Err(AppError::Conflict {
            field: Some("phoneNumber".into()),
            message: format!("{phone} is already on the DNC list"),
            existing_id: Some(existing.id),
        });
    }
    let now = Utc::now();
    let entry = dnc_list::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        phone_number: Set(phone),
        reason: Set(input.reason),
        source: Set(input.source),
        detected_phrase: Set(input.detected_phrase),
        call_id: Set(None),
        added_by: Set(Some(viewer.user_id)),
        expires_at: Set(input.expires_at),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*write)
    .await?;
    // The live lead with the number stops being called from now on.
    if let Some(lead) =
        crate::leads::lookups::live_lead_with_phone(&*write, org, &entry.phone_number)
            .await?
            .filter(|l| l.status != switchboard_entity::enums::LeadStatus::Dnc)
    {
        crate::leads::automation::set_status(
            &*write,
            &write.outbox,
            &lead,
            switchboard_entity::enums::LeadStatus::Dnc,
            switchboard_entity::enums::TriggerType::Manual,
            None,
            "Number added to the DNC list",
            Some((viewer.user_id, &crate::identity::Client::default())),
            now,
        )
        .await?;
    }
    write.commit().await?;
    Ok(entry)
}

/// Takes an entry off the list; returns the entry removed. The consent
/// record stays: the whole entry (number, source, the phrase detected, the
/// call, who added it and when) goes to the admin audit log with who
/// removed it, in the same transaction.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn remove_dnc_entry(app: &App, viewer: Viewer, id: Uuid) -> AppResult<dnc_list::Model> {
    let write = app.begin_write().await?;
    let entry = dnc_list::Entity::find_by_id(id)
        .filter(dnc_list::Column::OrganizationId.eq(viewer.organization_id))
        .one(&*write)
        .await?
        .ok_or_else(|| AppError::not_found("DNC entry", id))?;
    crate::audit::record(
        &*write,
        viewer,
        &crate::identity::Client::default(),
        crate::audit::Entry {
            action: "dnc.remove",
            resource_type: "dnc_entry",
            resource_id: Some(entry.id),
            target_user_id: None,
            details: serde_json::to_value(&entry).unwrap_or_default(),
        },
        Utc::now(),
    )
    .await?;
    entry.clone().delete(&*write).await?;
    write.commit().await?;
    Ok(entry)
}
