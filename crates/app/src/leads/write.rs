//! Writes, as plain functions over a connection or transaction: each mutation
//! is one call here inside one transaction, so a failure leaves nothing half
//! written, and the rules are testable without HTTP.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use serde_json::json;
use switchboard_domain::tags::TagSet;
use switchboard_entity::enums::{LeadAuditAction, LeadStatus, TriggerType};
use switchboard_entity::*;
use uuid::Uuid;

use crate::actor::Viewer;
use crate::error::{AppError, AppResult};

/// Begins a write transaction. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`), so two writers queue instead of failing on upgrade.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Normalizes a phone number to E.164 with the organization's default region.
pub async fn normalize_phone(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    field: &str,
    input: &str,
) -> AppResult<String> {
    let region = organizations::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .map_or_else(|| "US".to_owned(), |o| o.default_region);
    let region = switchboard_domain::phone::parse_region(&region)
        .map_err(|e| AppError::bad_input(field, e.to_string()))?;
    switchboard_domain::phone::normalize(input, region)
        .map_err(|e| AppError::bad_input(field, e.to_string()))
}

/// The DNC entry that blocks `phone` at `at`, if any.
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

/// The live lead with `phone`, if any.
pub async fn live_lead_with_phone(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    phone: &str,
) -> AppResult<Option<leads::Model>> {
    Ok(leads::Entity::find()
        .filter(leads::Column::OrganizationId.eq(organization_id))
        .filter(leads::Column::PhoneNumber.eq(phone))
        .filter(leads::Column::DeletedAt.is_null())
        .one(db)
        .await?)
}

/// A lead of the organization, or NOT_FOUND.
pub async fn find_lead(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<leads::Model> {
    leads::Entity::find_by_id(id)
        .filter(leads::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("lead", id))
}

/// Checks that `user` is a member of the organization.
pub async fn require_member(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    field: &str,
    user: Uuid,
) -> AppResult<()> {
    let found = organization_memberships::Entity::find()
        .filter(organization_memberships::Column::OrganizationId.eq(organization_id))
        .filter(organization_memberships::Column::UserId.eq(user))
        .one(db)
        .await?;
    found.map(|_| ()).ok_or_else(|| {
        AppError::bad_input(
            field,
            format!("user `{user}` is not a member of this organization"),
        )
    })
}

/// What a new lead is made of; validated by [`create_lead`].
#[derive(Debug, Clone, Default)]
pub struct NewLead {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
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

pub fn check_score(field: &str, score: i32) -> AppResult<i32> {
    if (0..=100).contains(&score) {
        Ok(score)
    } else {
        Err(AppError::bad_input(
            field,
            "a lead score is between 0 and 100",
        ))
    }
}

pub fn check_timezone(field: &str, zone: &str) -> AppResult<String> {
    zone.parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| AppError::bad_input(field, format!("`{zone}` is not an IANA time zone")))
}

pub fn check_email(field: &str, email: &str) -> AppResult<String> {
    let email = email.trim();
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !email.contains(' ') =>
        {
            Ok(email.to_owned())
        }
        _ => Err(AppError::bad_input(
            field,
            format!("`{email}` is not an email address"),
        )),
    }
}

/// Clean, distinct, non-empty tags within the domain's bounds
/// ([`TagSet`]: at most 50 of at most 64 characters).
pub fn clean_tags(field: &str, tags: &[String]) -> AppResult<Vec<String>> {
    TagSet::parse(tags)
        .map(TagSet::into_vec)
        .map_err(|e| AppError::bad_input(field, e.to_string()))
}

/// Creates a lead: E.164 phone, unique among the organization's live leads
/// (CONFLICT names the existing lead), status `dnc` when the number is on the
/// DNC list, with its audit, status, score and assignment history.
pub async fn create_lead(
    txn: &DatabaseTransaction,
    viewer: Viewer,
    input: NewLead,
    now: DateTime<Utc>,
) -> AppResult<leads::Model> {
    // First, before any statement: tags are the one unbounded list here.
    let tags = clean_tags("input.tags", &input.tags)?;
    let org = viewer.organization_id;
    let phone = normalize_phone(txn, org, "input.phoneNumber", &input.phone_number).await?;
    let score = check_score("input.leadScore", input.lead_score.unwrap_or(0))?;
    let timezone = input
        .timezone
        .as_deref()
        .map(|z| check_timezone("input.timezone", z))
        .transpose()?;
    let email = input
        .email
        .as_deref()
        .map(|e| check_email("input.email", e))
        .transpose()?;
    if let Some(owner) = input.owner_id {
        require_member(txn, org, "input.ownerId", owner).await?;
    }
    if let Some(existing) = live_lead_with_phone(txn, org, &phone).await? {
        return Err(duplicate_phone(&phone, existing.id));
    }
    let on_dnc = active_dnc_entry(txn, org, &phone, now).await?.is_some();
    let status = if on_dnc {
        LeadStatus::Dnc
    } else {
        input.status.unwrap_or(LeadStatus::New)
    };
    let id = Uuid::now_v7();
    let lead = leads::ActiveModel {
        id: Set(id),
        organization_id: Set(org),
        owner_user_id: Set(input.owner_id),
        first_name: Set(input.first_name.filter(|s| !s.trim().is_empty())),
        last_name: Set(input.last_name.filter(|s| !s.trim().is_empty())),
        phone_number: Set(phone.clone()),
        email: Set(email),
        company: Set(input.company),
        status: Set(status),
        lead_score: Set(score),
        tags: Set(json!(tags)),
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
    .insert(txn)
    .await
    .map_err(|e| unique_to_conflict(e, &phone))?;
    audit(
        txn,
        &lead,
        viewer,
        LeadAuditAction::Create,
        None,
        None,
        Some(json!({ "phone_number": phone, "status": status.as_str() })),
        now,
    )
    .await?;
    status_history(
        txn,
        &lead,
        viewer,
        None,
        status,
        if on_dnc {
            "Number is on the DNC list"
        } else {
            "Lead created"
        },
        now,
    )
    .await?;
    if score != 0 {
        score_history(txn, &lead, viewer, None, score, now).await?;
    }
    if let Some(owner) = input.owner_id {
        assignment(txn, &lead, viewer, None, Some(owner), now).await?;
    }
    Ok(lead)
}

/// Creates the lead of an unknown caller, marked auto-created from `call_id`
/// (seed 004's auto-created contacts), status `dnc` when the number is on the
/// DNC list, with its audit and status history (no member: the call made it).
pub async fn create_auto_lead(
    txn: &DatabaseTransaction,
    organization_id: Uuid,
    phone: &str,
    call_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<leads::Model> {
    let on_dnc = active_dnc_entry(txn, organization_id, phone, now)
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
    .insert(txn)
    .await?;
    let by = ChangedBy::Call(call_id);
    audit(
        txn,
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
    status_history(txn, &lead, by, None, status, reason, now).await?;
    Ok(lead)
}

fn duplicate_phone(phone: &str, existing: Uuid) -> AppError {
    AppError::Conflict {
        field: Some("input.phoneNumber".into()),
        message: format!("a lead with {phone} already exists"),
        existing_id: Some(existing),
    }
}

/// A unique violation that raced past the pre-check is still a CONFLICT.
fn unique_to_conflict(err: DbErr, phone: &str) -> AppError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            field: Some("input.phoneNumber".into()),
            message: format!("a lead with {phone} already exists"),
            existing_id: None,
        },
        _ => AppError::Internal(err),
    }
}

/// Who changed a lead: a member, or a call (a provider's webhook) with no
/// member behind it.
#[derive(Debug, Clone, Copy)]
enum ChangedBy {
    Member(Uuid),
    Call(Uuid),
}

impl From<Viewer> for ChangedBy {
    fn from(viewer: Viewer) -> Self {
        Self::Member(viewer.user_id)
    }
}

impl ChangedBy {
    fn user(self) -> Option<Uuid> {
        match self {
            Self::Member(user) => Some(user),
            Self::Call(_) => None,
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn audit(
    txn: &DatabaseTransaction,
    lead: &leads::Model,
    by: impl Into<ChangedBy>,
    action: LeadAuditAction,
    field: Option<&str>,
    old: Option<serde_json::Value>,
    new: Option<serde_json::Value>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let by = by.into();
    lead_audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(lead.organization_id),
        lead_id: Set(lead.id),
        user_id: Set(by.user()),
        action: Set(action),
        field_name: Set(field.map(str::to_owned)),
        old_value: Set(old),
        new_value: Set(new),
        change_reason: match by {
            ChangedBy::Member(_) => NotSet,
            ChangedBy::Call(_) => Set(Some("Recorded from a call".to_owned())),
        },
        ip_address: NotSet,
        user_agent: NotSet,
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn status_history(
    txn: &DatabaseTransaction,
    lead: &leads::Model,
    by: impl Into<ChangedBy>,
    from: Option<LeadStatus>,
    to: LeadStatus,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let by = by.into();
    let (trigger, call) = match by {
        ChangedBy::Member(_) => (TriggerType::Manual, None),
        ChangedBy::Call(call) => (TriggerType::Call, Some(call)),
    };
    lead_status_history::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(lead.organization_id),
        lead_id: Set(lead.id),
        from_status: Set(from),
        to_status: Set(to),
        trigger_type: Set(trigger),
        call_id: Set(call),
        sequence_id: Set(None),
        changed_by: Set(by.user()),
        reason: Set(Some(reason.to_owned())),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(())
}

async fn score_history(
    txn: &DatabaseTransaction,
    lead: &leads::Model,
    viewer: Viewer,
    old: Option<i32>,
    new: i32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    lead_score_history::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(lead.organization_id),
        lead_id: Set(lead.id),
        old_score: Set(old),
        new_score: Set(new),
        trigger_type: Set(TriggerType::Manual),
        call_id: Set(None),
        changed_by: Set(Some(viewer.user_id)),
        reason: Set(None),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(())
}

async fn assignment(
    txn: &DatabaseTransaction,
    lead: &leads::Model,
    viewer: Viewer,
    from: Option<Uuid>,
    to: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    lead_assignments::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(lead.organization_id),
        lead_id: Set(lead.id),
        from_user_id: Set(from),
        to_user_id: Set(to),
        strategy: Set(switchboard_entity::enums::AssignmentStrategy::Manual),
        assigned_by: Set(Some(viewer.user_id)),
        reason: Set(None),
        metadata: Set(json!({})),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Changes to a lead; `None` leaves a field as it is.
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
    pub reason: Option<String>,
}

/// Updates a live lead: one audit row per changed field with its old and new
/// value, status history for a status change, score history for a score
/// change, an assignment for an owner change.
pub async fn update_lead(
    txn: &DatabaseTransaction,
    viewer: Viewer,
    id: Uuid,
    changes: LeadChanges,
    now: DateTime<Utc>,
) -> AppResult<leads::Model> {
    let org = viewer.organization_id;
    let before = find_lead(txn, org, id).await?;
    if before.deleted_at.is_some() {
        return Err(AppError::bad_input(
            "id",
            "the lead is deleted: restore it first",
        ));
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
    let email = changes
        .email
        .as_deref()
        .map(|e| {
            if e.trim().is_empty() {
                Ok(String::new())
            } else {
                check_email("input.email", e)
            }
        })
        .transpose()?;
    text!(email, "email", email);
    let timezone = changes
        .timezone
        .as_deref()
        .map(|z| {
            if z.trim().is_empty() {
                Ok(String::new())
            } else {
                check_timezone("input.timezone", z)
            }
        })
        .transpose()?;
    text!(timezone, "timezone", timezone);
    if let Some(phone) = &changes.phone_number {
        let phone = normalize_phone(txn, org, "input.phoneNumber", phone).await?;
        if phone != before.phone_number {
            if let Some(existing) = live_lead_with_phone(txn, org, &phone).await? {
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
        let score = check_score("input.leadScore", score)?;
        if score != before.lead_score {
            changed.push(("lead_score", json!(before.lead_score), json!(score)));
            row.lead_score = Set(score);
        }
    }
    if let Some(owner) = changes
        .owner_id
        .filter(|o| Some(*o) != before.owner_user_id)
    {
        require_member(txn, org, "input.ownerId", owner).await?;
        changed.push(("owner_user_id", json!(before.owner_user_id), json!(owner)));
        row.owner_user_id = Set(Some(owner));
    }
    if changed.is_empty() {
        return Ok(before);
    }
    row.updated_at = Set(now);
    let after = row
        .update(txn)
        .await
        .map_err(|e| unique_to_conflict(e, &before.phone_number))?;
    for (field, old, new) in changed {
        audit(
            txn,
            &after,
            viewer,
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
        status_history(
            txn,
            &after,
            viewer,
            Some(before.status),
            after.status,
            reason,
            now,
        )
        .await?;
    }
    if after.lead_score != before.lead_score {
        score_history(
            txn,
            &after,
            viewer,
            Some(before.lead_score),
            after.lead_score,
            now,
        )
        .await?;
    }
    if after.owner_user_id != before.owner_user_id {
        assignment(
            txn,
            &after,
            viewer,
            before.owner_user_id,
            after.owner_user_id,
            now,
        )
        .await?;
    }
    Ok(after)
}

/// Soft-deletes a lead (its number becomes free).
pub async fn delete_lead(
    txn: &DatabaseTransaction,
    viewer: Viewer,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<leads::Model> {
    let lead = find_lead(txn, viewer.organization_id, id).await?;
    if lead.deleted_at.is_some() {
        return Ok(lead);
    }
    let mut row: leads::ActiveModel = lead.into();
    row.deleted_at = Set(Some(now));
    row.updated_at = Set(now);
    let lead = row.update(txn).await?;
    audit(
        txn,
        &lead,
        viewer,
        LeadAuditAction::Delete,
        None,
        None,
        None,
        now,
    )
    .await?;
    Ok(lead)
}

/// Restores a soft-deleted lead, unless its number was taken meanwhile (CONFLICT).
pub async fn restore_lead(
    txn: &DatabaseTransaction,
    viewer: Viewer,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<leads::Model> {
    let lead = find_lead(txn, viewer.organization_id, id).await?;
    if lead.deleted_at.is_none() {
        return Ok(lead);
    }
    if let Some(existing) =
        live_lead_with_phone(txn, viewer.organization_id, &lead.phone_number).await?
    {
        return Err(AppError::Conflict {
            field: Some("id".into()),
            message: format!("another lead now has {}", lead.phone_number),
            existing_id: Some(existing.id),
        });
    }
    let mut row: leads::ActiveModel = lead.into();
    row.deleted_at = Set(None);
    row.updated_at = Set(now);
    let lead = row.update(txn).await?;
    audit(
        txn,
        &lead,
        viewer,
        LeadAuditAction::Restore,
        None,
        None,
        None,
        now,
    )
    .await?;
    Ok(lead)
}

/// Adds or removes tags, recording the change.
pub async fn change_tags(
    txn: &DatabaseTransaction,
    viewer: Viewer,
    id: Uuid,
    add: &[String],
    remove: &[String],
    now: DateTime<Utc>,
) -> AppResult<leads::Model> {
    // Parsed before the lead is read: a refused list costs no statement.
    let bad = |e: switchboard_domain::tags::TagError| AppError::bad_input("tags", e.to_string());
    let add = TagSet::parse(add).map_err(bad)?;
    let remove = TagSet::parse(remove).map_err(bad)?;
    let lead = find_lead(txn, viewer.organization_id, id).await?;
    if lead.deleted_at.is_some() {
        return Err(AppError::bad_input(
            "id",
            "the lead is deleted: restore it first",
        ));
    }
    let old: Vec<String> = serde_json::from_value(lead.tags.clone()).unwrap_or_default();
    let new = TagSet::apply(&old, &add, &remove).map_err(bad)?;
    if new == old {
        return Ok(lead);
    }
    let mut row: leads::ActiveModel = lead.into();
    row.tags = Set(json!(new));
    row.updated_at = Set(now);
    let lead = row.update(txn).await?;
    audit(
        txn,
        &lead,
        viewer,
        LeadAuditAction::Update,
        Some("tags"),
        Some(json!(old)),
        Some(json!(new)),
        now,
    )
    .await?;
    Ok(lead)
}

/// Touches a lead's last contact time (used when a call connects).
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
