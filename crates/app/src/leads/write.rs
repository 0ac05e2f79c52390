//! Writing one lead: create, update, delete, restore, tag, and the lead a
//! call makes for an unknown caller.
//!
//! Each use case comes twice: `create_lead` opens its own write, does the
//! work and commits; `create_lead_in` does the same work inside a caller's
//! transaction and pushes its event to the caller's [`Outbox`], so another
//! use case (a webhook) composes it into one write. Either way the lead's
//! event reaches `leadUpdated` only once the transaction has committed, and
//! a write that fails leaves and announces nothing.
//!
//! Errors are keyed relative to the use case's input (`phoneNumber`,
//! `tags`); the lead being changed is `id`.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::json;
use switchboard_domain::email::Email;
use switchboard_domain::field::FieldError;
use switchboard_domain::score::Score;
use switchboard_domain::tags::TagSet;
use switchboard_domain::timezone::TimeZone;
use switchboard_entity::enums::{LeadAuditAction, LeadStatus, TriggerType};
use switchboard_entity::leads;
use uuid::Uuid;

use crate::actor::Viewer;
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::events::{LeadChange, LeadEvent, Message, Outbox};
use crate::identity::Client;
use crate::leads::history::{ChangedBy, assignment, audit, score_history, status_history};
use crate::leads::lookups::phone_of_organization;

// Where these lived before the split; the call and webhook use cases and
// the `dncCheck` query read them through this module.
pub use crate::leads::dnc::active_dnc_entry;
pub use crate::leads::lookups::{find_lead, live_lead_with_phone, normalize_phone, require_member};

/// Records that `lead` changed, to publish once the write commits.
fn announce(outbox: &Outbox, lead: &leads::Model, change: LeadChange) {
    outbox.push(Message::Lead(LeadEvent {
        organization_id: lead.organization_id,
        lead_id: lead.id,
        change,
        occurred_at: lead.updated_at,
    }));
}

/// What a new lead is made of; validated by [`create_lead`].
#[derive(Debug, Clone, Default)]
pub struct NewLead {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Any common format; national numbers take the organization's region.
    pub phone_number: String,
    pub email: Option<String>,
    pub company: Option<String>,
    pub status: Option<LeadStatus>,
    pub lead_score: Option<i32>,
    pub tags: Vec<String>,
    pub source: Option<String>,
    pub sub_source: Option<String>,
    pub source_metadata: Option<serde_json::Value>,
    pub notes: Option<String>,
    pub timezone: Option<String>,
    pub owner_id: Option<Uuid>,
}

/// Creates a lead: E.164 phone, unique among the organization's live leads
/// (CONFLICT names the existing lead), status `dnc` when the number is on the
/// DNC list, with its audit, status, score and assignment history; without
/// an owner, the organization's assignment rule (if any) picks one.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn create_lead(
    app: &App,
    viewer: Viewer,
    client: &Client,
    input: NewLead,
) -> AppResult<leads::Model> {
    let write = app.begin_write().await?;
    let lead = create_lead_in(&*write, &write.outbox, viewer, client, input, Utc::now()).await?;
    write.commit().await?;
    Ok(lead)
}

/// [`create_lead`] inside the caller's transaction.
pub async fn create_lead_in(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    viewer: Viewer,
    client: &Client,
    input: NewLead,
    now: DateTime<Utc>,
) -> AppResult<leads::Model> {
    // First, before any statement: tags are the one unbounded list here.
    let tags = TagSet::parse(&input.tags).map_err(FieldError::from)?;
    let org = viewer.organization_id;
    let phone = phone_of_organization(db, org, &input.phone_number)
        .await?
        .into_string();
    let score = Score::parse(input.lead_score.unwrap_or(0))?.value();
    let timezone = input
        .timezone
        .as_deref()
        .map(TimeZone::parse)
        .transpose()?
        .map(|z| z.name().to_owned());
    let email = input
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()?
        .map(Email::into_string);
    if let Some(owner) = input.owner_id {
        require_member(db, org, "ownerId", owner).await?;
    }
    if let Some(existing) = live_lead_with_phone(db, org, &phone).await? {
        return Err(duplicate_phone(&phone, existing.id));
    }
    let on_dnc = active_dnc_entry(db, org, &phone, now).await?.is_some();
    let status = if on_dnc {
        LeadStatus::Dnc
    } else {
        input.status.unwrap_or(LeadStatus::New)
    };
    let lead = leads::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        owner_user_id: Set(input.owner_id),
        first_name: Set(input.first_name.filter(|s| !s.trim().is_empty())),
        last_name: Set(input.last_name.filter(|s| !s.trim().is_empty())),
        phone_number: Set(phone.clone()),
        email: Set(email),
        company: Set(input.company),
        status: Set(status),
        lead_score: Set(score),
        tags: Set(json!(tags.into_vec())),
        source: Set(input.source),
        sub_source: Set(input.sub_source),
        source_metadata: Set(input.source_metadata.unwrap_or_else(|| json!({}))),
        notes: Set(input.notes),
        timezone: Set(timezone),
        last_contact_at: Set(None),
        is_auto_created: Set(false),
        auto_created_from_call_id: Set(None),
        deleted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| unique_to_conflict(e, &phone))?;
    audit(
        db,
        &lead,
        (viewer, client),
        LeadAuditAction::Create,
        None,
        None,
        Some(json!({ "phone_number": phone, "status": status.as_str() })),
        now,
    )
    .await?;
    let reason = if on_dnc {
        "Number is on the DNC list"
    } else {
        "Lead created"
    };
    status_history(db, &lead, viewer, None, status, reason, now).await?;
    if score != 0 {
        score_history(db, &lead, viewer, None, score, now).await?;
    }
    if let Some(owner) = input.owner_id {
        assignment(db, &lead, viewer, None, Some(owner), now).await?;
    }
    let mut created = [lead];
    crate::leads::assign::assign_new_leads(db, org, &mut created, now).await?;
    let [lead] = created;
    crate::leads::sequences::enroll_matching(db, outbox, org, &[lead.id], now).await?;
    announce(outbox, &lead, LeadChange::Created);
    Ok(lead)
}

/// Creates the lead of an unknown caller inside the call's transaction,
/// marked auto-created from `call_id` (seed 004's auto-created contacts),
/// status `dnc` when the number is on the DNC list, with its audit and
/// status history (no member: the call made it), and announces it to
/// `outbox`.
pub async fn create_auto_lead(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    organization_id: Uuid,
    phone: &str,
    call_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<leads::Model> {
    let on_dnc = active_dnc_entry(db, organization_id, phone, now)
        .await?
        .is_some();
    let status = if on_dnc {
        LeadStatus::Dnc
    } else {
        LeadStatus::New
    };
    let lead = leads::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        owner_user_id: Set(None),
        first_name: Set(None),
        last_name: Set(None),
        phone_number: Set(phone.to_owned()),
        email: Set(None),
        company: Set(None),
        status: Set(status),
        lead_score: Set(0),
        tags: Set(json!([])),
        source: Set(Some("inbound_call".into())),
        sub_source: Set(None),
        source_metadata: Set(json!({})),
        notes: Set(None),
        timezone: Set(None),
        last_contact_at: Set(None),
        is_auto_created: Set(true),
        auto_created_from_call_id: Set(Some(call_id)),
        deleted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    // A unique violation (a racing delivery made the lead) stays a database
    // error: the webhook retries and finds that lead.
    .insert(db)
    .await?;
    let by = ChangedBy::Call(call_id);
    audit(
        db,
        &lead,
        by,
        LeadAuditAction::Create,
        None,
        None,
        Some(json!({
            "phone_number": phone,
            "status": status.as_str(),
            "auto_created_from_call_id": call_id,
        })),
        now,
    )
    .await?;
    let reason = if on_dnc {
        "Number is on the DNC list"
    } else {
        "Auto-created from a call"
    };
    status_history(db, &lead, by, None, status, reason, now).await?;
    let mut created = [lead];
    crate::leads::assign::assign_new_leads(db, organization_id, &mut created, now).await?;
    let [lead] = created;
    crate::leads::sequences::enroll_matching(db, outbox, organization_id, &[lead.id], now).await?;
    announce(outbox, &lead, LeadChange::Created);
    Ok(lead)
}

fn duplicate_phone(phone: &str, existing: Uuid) -> AppError {
    AppError::Conflict {
        field: Some("phoneNumber".into()),
        message: format!("a lead with {phone} already exists"),
        existing_id: Some(existing),
    }
}

/// A unique violation that raced past the pre-check is still a CONFLICT.
fn unique_to_conflict(err: DbErr, phone: &str) -> AppError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            field: Some("phoneNumber".into()),
            message: format!("a lead with {phone} already exists"),
            existing_id: None,
        },
        _ => AppError::Internal(err),
    }
}

fn deleted() -> AppError {
    AppError::bad_input("id", "the lead is deleted: restore it first")
}

/// Changes to a lead; `None` leaves a field as it is, and an empty string
/// clears a text field.
#[derive(Debug, Clone, Default)]
pub struct LeadChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone_number: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    pub status: Option<LeadStatus>,
    pub lead_score: Option<i32>,
    pub source: Option<String>,
    pub sub_source: Option<String>,
    pub notes: Option<String>,
    pub timezone: Option<String>,
    pub owner_id: Option<Uuid>,
    /// Why the status changed, kept in its history.
    pub reason: Option<String>,
}

/// Updates a live lead: one audit row per changed field with its old and new
/// value, status history for a status change (which recomputes the score,
/// unless the score is set too), score history for a score change, an
/// assignment for an owner change. The changes' errors are keyed
/// by their field; a deleted lead is refused as `id`.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, lead_id = %id))]
pub async fn update_lead(
    app: &App,
    viewer: Viewer,
    client: &Client,
    id: Uuid,
    changes: LeadChanges,
) -> AppResult<leads::Model> {
    let write = app.begin_write().await?;
    let lead = update_lead_in(
        &*write,
        &write.outbox,
        viewer,
        client,
        id,
        changes,
        Utc::now(),
    )
    .await?;
    write.commit().await?;
    Ok(lead)
}

/// [`update_lead`] inside the caller's transaction.
pub async fn update_lead_in(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    viewer: Viewer,
    client: &Client,
    id: Uuid,
    changes: LeadChanges,
    now: DateTime<Utc>,
) -> AppResult<leads::Model> {
    let org = viewer.organization_id;
    let before = find_lead(db, org, id).await?;
    if before.deleted_at.is_some() {
        return Err(deleted());
    }
    let mut row: leads::ActiveModel = before.clone().into();
    let mut changed: Vec<(&str, serde_json::Value, serde_json::Value)> = Vec::new();
    macro_rules! text {
        ($field:ident, $name:literal, $value:expr) => {
            if let Some(value) = $value {
                let value = Some(value).filter(|v: &String| !v.trim().is_empty());
                if value != before.$field {
                    changed.push(($name, json!(before.$field), json!(value)));
                    row.$field = Set(value);
                }
            }
        };
    }
    text!(first_name, "first_name", changes.first_name);
    text!(last_name, "last_name", changes.last_name);
    text!(company, "company", changes.company);
    text!(source, "source", changes.source);
    text!(sub_source, "sub_source", changes.sub_source);
    text!(notes, "notes", changes.notes);
    // Blank clears: an empty string here becomes NULL below.
    let email = changes
        .email
        .as_deref()
        .map(Email::parse_or_clear)
        .transpose()?
        .map(|e| e.map(Email::into_string).unwrap_or_default());
    text!(email, "email", email);
    let timezone = changes
        .timezone
        .as_deref()
        .map(TimeZone::parse_or_clear)
        .transpose()?
        .map(|z| z.map(|z| z.name().to_owned()).unwrap_or_default());
    text!(timezone, "timezone", timezone);
    if let Some(phone) = &changes.phone_number {
        let phone = phone_of_organization(db, org, phone).await?.into_string();
        if phone != before.phone_number {
            if let Some(existing) = live_lead_with_phone(db, org, &phone).await? {
                return Err(duplicate_phone(&phone, existing.id));
            }
            changed.push(("phone_number", json!(before.phone_number), json!(phone)));
            row.phone_number = Set(phone);
        }
    }
    if let Some(status) = changes.status.filter(|s| *s != before.status) {
        changed.push((
            "status",
            json!(before.status.as_str()),
            json!(status.as_str()),
        ));
        row.status = Set(status);
    }
    if let Some(score) = changes.lead_score {
        let score = Score::parse(score)?.value();
        if score != before.lead_score {
            changed.push(("lead_score", json!(before.lead_score), json!(score)));
            row.lead_score = Set(score);
        }
    }
    if let Some(owner) = changes
        .owner_id
        .filter(|o| Some(*o) != before.owner_user_id)
    {
        require_member(db, org, "ownerId", owner).await?;
        changed.push(("owner_user_id", json!(before.owner_user_id), json!(owner)));
        row.owner_user_id = Set(Some(owner));
    }
    if changed.is_empty() {
        // Nothing to write; announced all the same, as every update is.
        announce(outbox, &before, LeadChange::Updated);
        return Ok(before);
    }
    row.updated_at = Set(now);
    let after = row
        .update(db)
        .await
        .map_err(|e| unique_to_conflict(e, &before.phone_number))?;
    for (field, old, new) in changed {
        audit(
            db,
            &after,
            (viewer, client),
            LeadAuditAction::Update,
            Some(field),
            Some(old),
            Some(new),
            now,
        )
        .await?;
    }
    if after.status != before.status {
        let reason = changes.reason.as_deref().unwrap_or("Changed by a member");
        let from = Some(before.status);
        status_history(db, &after, viewer, from, after.status, reason, now).await?;
    }
    if after.lead_score != before.lead_score {
        let old = Some(before.lead_score);
        score_history(db, &after, viewer, old, after.lead_score, now).await?;
    }
    if after.owner_user_id != before.owner_user_id {
        let (from, to) = (before.owner_user_id, after.owner_user_id);
        assignment(db, &after, viewer, from, to, now).await?;
    }
    // A status change moves the score, unless the member set the score too.
    let mut after = after;
    if after.status != before.status && changes.lead_score.is_none() {
        let trigger = crate::leads::scoring::Trigger {
            kind: TriggerType::Manual,
            call_id: None,
            changed_by: Some(viewer.user_id),
            reason: "Status changed",
        };
        let rescored =
            crate::leads::scoring::rescore(db, &Outbox::default(), org, &[after.id], trigger, now)
                .await?;
        if rescored > 0 {
            after = find_lead(db, org, after.id).await?;
        }
    }
    crate::leads::sequences::enroll_matching(db, outbox, org, &[after.id], now).await?;
    announce(outbox, &after, LeadChange::Updated);
    Ok(after)
}

/// Soft-deletes a lead (its number becomes free); a deleted lead stays as it is.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, lead_id = %id))]
pub async fn delete_lead(
    app: &App,
    viewer: Viewer,
    client: &Client,
    id: Uuid,
) -> AppResult<leads::Model> {
    let write = app.begin_write().await?;
    let lead = delete_lead_in(&*write, &write.outbox, viewer, client, id, Utc::now()).await?;
    write.commit().await?;
    Ok(lead)
}

/// [`delete_lead`] inside the caller's transaction.
pub async fn delete_lead_in(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    viewer: Viewer,
    client: &Client,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<leads::Model> {
    let mut lead = find_lead(db, viewer.organization_id, id).await?;
    if lead.deleted_at.is_none() {
        let mut row: leads::ActiveModel = lead.into();
        row.deleted_at = Set(Some(now));
        row.updated_at = Set(now);
        lead = row.update(db).await?;
        let action = LeadAuditAction::Delete;
        audit(db, &lead, (viewer, client), action, None, None, None, now).await?;
    }
    announce(outbox, &lead, LeadChange::Deleted);
    Ok(lead)
}

/// Restores a soft-deleted lead, unless its number was taken meanwhile
/// (CONFLICT on `id`); a live lead stays as it is.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, lead_id = %id))]
pub async fn restore_lead(
    app: &App,
    viewer: Viewer,
    client: &Client,
    id: Uuid,
) -> AppResult<leads::Model> {
    let write = app.begin_write().await?;
    let lead = restore_lead_in(&*write, &write.outbox, viewer, client, id, Utc::now()).await?;
    write.commit().await?;
    Ok(lead)
}

/// [`restore_lead`] inside the caller's transaction.
pub async fn restore_lead_in(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    viewer: Viewer,
    client: &Client,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<leads::Model> {
    let mut lead = find_lead(db, viewer.organization_id, id).await?;
    if lead.deleted_at.is_some() {
        let org = viewer.organization_id;
        if let Some(existing) = live_lead_with_phone(db, org, &lead.phone_number).await? {
            return Err(AppError::Conflict {
                field: Some("id".into()),
                message: format!("another lead now has {}", lead.phone_number),
                existing_id: Some(existing.id),
            });
        }
        let mut row: leads::ActiveModel = lead.into();
        row.deleted_at = Set(None);
        row.updated_at = Set(now);
        lead = row.update(db).await?;
        let action = LeadAuditAction::Restore;
        audit(db, &lead, (viewer, client), action, None, None, None, now).await?;
    }
    announce(outbox, &lead, LeadChange::Restored);
    Ok(lead)
}

/// Adds tags to a lead (those it has are kept once); a lead keeps at most
/// 50. Errors are keyed `tags`, a deleted lead `id`.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, lead_id = %id))]
pub async fn add_lead_tags(
    app: &App,
    viewer: Viewer,
    client: &Client,
    id: Uuid,
    tags: &[String],
) -> AppResult<leads::Model> {
    let write = app.begin_write().await?;
    let now = Utc::now();
    let lead = change_tags_in(&*write, &write.outbox, viewer, client, id, tags, &[], now).await?;
    write.commit().await?;
    Ok(lead)
}

/// Removes tags from a lead. Errors are keyed `tags`, a deleted lead `id`.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, lead_id = %id))]
pub async fn remove_lead_tags(
    app: &App,
    viewer: Viewer,
    client: &Client,
    id: Uuid,
    tags: &[String],
) -> AppResult<leads::Model> {
    let write = app.begin_write().await?;
    let now = Utc::now();
    let lead = change_tags_in(&*write, &write.outbox, viewer, client, id, &[], tags, now).await?;
    write.commit().await?;
    Ok(lead)
}

/// Adds and removes tags inside the caller's transaction, recording the change.
#[allow(clippy::too_many_arguments)]
pub async fn change_tags_in(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    viewer: Viewer,
    client: &Client,
    id: Uuid,
    add: &[String],
    remove: &[String],
    now: DateTime<Utc>,
) -> AppResult<leads::Model> {
    // Parsed before the lead is read: a refused list costs no statement.
    let add = TagSet::parse(add).map_err(FieldError::from)?;
    let remove = TagSet::parse(remove).map_err(FieldError::from)?;
    let lead = find_lead(db, viewer.organization_id, id).await?;
    if lead.deleted_at.is_some() {
        return Err(deleted());
    }
    let old: Vec<String> = serde_json::from_value(lead.tags.clone()).unwrap_or_default();
    let new = TagSet::apply(&old, &add, &remove).map_err(FieldError::from)?;
    if new == old {
        announce(outbox, &lead, LeadChange::Updated);
        return Ok(lead);
    }
    let mut row: leads::ActiveModel = lead.into();
    row.tags = Set(json!(new));
    row.updated_at = Set(now);
    let lead = row.update(db).await?;
    audit(
        db,
        &lead,
        (viewer, client),
        LeadAuditAction::Update,
        Some("tags"),
        Some(json!(old)),
        Some(json!(new)),
        now,
    )
    .await?;
    announce(outbox, &lead, LeadChange::Updated);
    Ok(lead)
}

/// Touches a lead's last contact time (used when a call connects); a later
/// time already recorded stays. Announces nothing.
pub async fn touch_last_contact(
    db: &impl ConnectionTrait,
    lead: Uuid,
    at: DateTime<Utc>,
) -> AppResult<()> {
    leads::Entity::update_many()
        .col_expr(leads::Column::LastContactAt, Expr::val(at))
        .filter(leads::Column::Id.eq(lead))
        .filter(
            leads::Column::LastContactAt
                .is_null()
                .or(leads::Column::LastContactAt.lt(at)),
        )
        .exec(db)
        .await?;
    Ok(())
}
