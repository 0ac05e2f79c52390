//! Bulk lead writes: `importLeads` and `upsertLeads`.
//!
//! A batch is validated in memory, checked against the table with one
//! statement per 500 phones, and written with multi-row statements sized to
//! the backend's bind-parameter limit: a thousand rows are a handful of
//! statements, never one per row. New leads without an owner go through
//! the organization's assignment rule, also in a few statements. Every lead created or updated is
//! announced once the batch commits.
//!
//! A row's error is keyed by its index and field (`[3].phoneNumber`); an
//! error of the whole batch (too many rows) has an empty key.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;
use switchboard_domain::batch::BatchSize;
use switchboard_domain::email::Email;
use switchboard_domain::field::FieldError;
use switchboard_domain::phone::{self, E164};
use switchboard_domain::score::Score;
use switchboard_domain::tags::TagSet;
use switchboard_domain::timezone::TimeZone;
use switchboard_entity::enums::{LeadAuditAction, LeadStatus, TriggerType};
use switchboard_entity::*;
use uuid::Uuid;

use crate::actor::Viewer;
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::events::{LeadChange, LeadEvent, Message, Outbox};
use crate::identity::Client;
use crate::leads::write::NewLead;

/// Rows per statement: under both backends' bind-parameter limits for the
/// widest row written here.
const ROWS_PER_STATEMENT: usize = 500;

/// What happened to one row of a batch.
#[derive(Debug, Clone)]
pub enum RowOutcome {
    Created(Uuid),
    Updated(Uuid),
    Failed(AppError),
    /// Valid, but not written because another row failed (all-or-nothing).
    Skipped,
}

/// A validated row, ready to write.
struct Row {
    index: usize,
    model: leads::Model,
}

/// Validates rows and normalizes their phones; returns the valid rows and
/// the outcome of every invalid one. Rows repeating an earlier row's phone
/// fail as CONFLICT naming the index of the first.
async fn validate(
    db: &impl ConnectionTrait,
    viewer: Viewer,
    input: Vec<NewLead>,
    now: DateTime<Utc>,
) -> AppResult<(Vec<Row>, HashMap<usize, RowOutcome>)> {
    BatchSize::parse(input.len())?;
    let org = organizations::Entity::find_by_id(viewer.organization_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("organization", viewer.organization_id))?;
    // The whole batch's: the organization's region, not a row's.
    let region = phone::parse_region(&org.default_region)
        .map_err(|e| AppError::bad_input("", e.to_string()))?;
    let members: HashSet<Uuid> = organization_memberships::Entity::find()
        .filter(organization_memberships::Column::OrganizationId.eq(viewer.organization_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let mut rows = Vec::new();
    let mut failed = HashMap::new();
    let mut first_with_phone: HashMap<String, usize> = HashMap::new();
    for (index, lead) in input.into_iter().enumerate() {
        // Keys relative to the row; placed in it below.
        let checked = (|| -> AppResult<leads::Model> {
            let phone = E164::parse(&lead.phone_number, region)?.into_string();
            if let Some(first) = first_with_phone.get(&phone) {
                return Err(AppError::Conflict {
                    field: Some(E164::FIELD.into()),
                    message: format!("{phone} repeats row {first} of this batch"),
                    existing_id: None,
                });
            }
            if let Some(owner) = lead.owner_id.filter(|o| !members.contains(o)) {
                return Err(AppError::bad_input(
                    "ownerId",
                    format!("user `{owner}` is not a member of this organization"),
                ));
            }
            first_with_phone.insert(phone.clone(), index);
            Ok(leads::Model {
                id: Uuid::now_v7(),
                organization_id: viewer.organization_id,
                owner_user_id: lead.owner_id,
                first_name: lead.first_name.filter(|s| !s.trim().is_empty()),
                last_name: lead.last_name.filter(|s| !s.trim().is_empty()),
                phone_number: phone,
                email: lead
                    .email
                    .as_deref()
                    .map(Email::parse)
                    .transpose()?
                    .map(Email::into_string),
                company: lead.company,
                status: lead.status.unwrap_or(LeadStatus::New),
                lead_score: Score::parse(lead.lead_score.unwrap_or(0))?.value(),
                tags: json!(
                    TagSet::parse(&lead.tags)
                        .map_err(FieldError::from)?
                        .into_vec()
                ),
                source: lead.source,
                sub_source: lead.sub_source,
                source_metadata: lead.source_metadata.unwrap_or_else(|| json!({})),
                notes: lead.notes,
                timezone: lead
                    .timezone
                    .as_deref()
                    .map(TimeZone::parse)
                    .transpose()?
                    .map(|z| z.name().to_owned()),
                last_contact_at: None,
                is_auto_created: false,
                auto_created_from_call_id: None,
                deleted_at: None,
                created_at: now,
                updated_at: now,
            })
        })();
        match checked {
            Ok(model) => rows.push(Row { index, model }),
            Err(err) => {
                failed.insert(index, RowOutcome::Failed(in_row(err, index)));
            }
        }
    }
    Ok((rows, failed))
}

/// `err`, keyed relative to a row, placed in row `index` (`phoneNumber` of
/// row 3 is `[3].phoneNumber`).
fn in_row(err: AppError, index: usize) -> AppError {
    match err {
        AppError::BadUserInput(error) => AppError::BadUserInput(error.row(index)),
        AppError::Conflict {
            field,
            message,
            existing_id,
        } => AppError::Conflict {
            field: field.map(|f| FieldError::new(f, "").row(index).field().to_owned()),
            message,
            existing_id,
        },
        other => other,
    }
}

/// Live leads of the organization with these phones, by phone.
async fn existing(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    phones: &[String],
) -> AppResult<HashMap<String, Uuid>> {
    let mut found = HashMap::new();
    for chunk in phones.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<(Uuid, String)> = leads::Entity::find()
            .select_only()
            .column(leads::Column::Id)
            .column(leads::Column::PhoneNumber)
            .filter(leads::Column::OrganizationId.eq(organization_id))
            .filter(leads::Column::DeletedAt.is_null())
            .filter(leads::Column::PhoneNumber.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows.into_iter().map(|(id, phone)| (phone, id)));
    }
    Ok(found)
}

/// Phones on the organization's DNC list now.
async fn on_dnc(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    phones: &[String],
    now: DateTime<Utc>,
) -> AppResult<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in phones.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<String> = dnc_list::Entity::find()
            .select_only()
            .column(dnc_list::Column::PhoneNumber)
            .filter(dnc_list::Column::OrganizationId.eq(organization_id))
            .filter(dnc_list::Column::PhoneNumber.is_in(chunk.iter().cloned()))
            .filter(
                dnc_list::Column::ExpiresAt
                    .is_null()
                    .or(dnc_list::Column::ExpiresAt.gt(now)),
            )
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Writes the audit and status-history rows of created leads, in multi-row statements.
async fn record_created(
    db: &impl ConnectionTrait,
    viewer: Viewer,
    client: &Client,
    created: &[leads::Model],
    now: DateTime<Utc>,
) -> AppResult<()> {
    for chunk in created.chunks(ROWS_PER_STATEMENT) {
        lead_audit_log::Entity::insert_many(chunk.iter().map(|lead| lead_audit_log::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(lead.organization_id),
            lead_id: Set(lead.id),
            user_id: Set(Some(viewer.user_id)),
            action: Set(LeadAuditAction::Create),
            field_name: Set(None),
            old_value: Set(None),
            new_value: Set(Some(
                json!({ "phone_number": lead.phone_number, "status": lead.status.as_str() }),
            )),
            change_reason: Set(Some("Imported".into())),
            ip_address: Set(client.ip_address.clone()),
            user_agent: Set(client.user_agent.clone()),
            created_at: Set(now),
        }))
        .exec_without_returning(db)
        .await?;
        lead_status_history::Entity::insert_many(chunk.iter().map(|lead| {
            lead_status_history::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(lead.organization_id),
                lead_id: Set(lead.id),
                from_status: Set(None),
                to_status: Set(lead.status),
                trigger_type: Set(TriggerType::Manual),
                call_id: Set(None),
                sequence_id: Set(None),
                changed_by: Set(Some(viewer.user_id)),
                reason: Set(Some("Imported".into())),
                created_at: Set(now),
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

fn active(model: &leads::Model) -> leads::ActiveModel {
    let mut row: leads::ActiveModel = model.clone().into();
    row = sea_orm::ActiveModelTrait::reset_all(row);
    row
}

/// Announces every lead a batch created or updated.
fn announce(outbox: &Outbox, organization_id: Uuid, outcomes: &[RowOutcome], now: DateTime<Utc>) {
    for outcome in outcomes {
        let (lead_id, change) = match outcome {
            RowOutcome::Created(id) => (*id, LeadChange::Created),
            RowOutcome::Updated(id) => (*id, LeadChange::Updated),
            RowOutcome::Skipped | RowOutcome::Failed(_) => continue,
        };
        outbox.push(Message::Lead(LeadEvent {
            organization_id,
            lead_id,
            change,
            occurred_at: now,
        }));
    }
}

/// Imports new leads (at most 5,000). A phone already in the organization,
/// or repeated in the batch, fails its row as CONFLICT. With
/// `all_or_nothing`, one failed row means nothing is written. Returns each
/// row's outcome, in order.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, rows = input.len()))]
pub async fn import_leads(
    app: &App,
    viewer: Viewer,
    client: &Client,
    input: Vec<NewLead>,
    all_or_nothing: bool,
) -> AppResult<Vec<RowOutcome>> {
    // Before the transaction: an oversized batch costs nothing.
    BatchSize::parse(input.len())?;
    let write = app.begin_write().await?;
    let now = Utc::now();
    let outcomes = import_in(
        &*write,
        &write.outbox,
        viewer,
        client,
        input,
        all_or_nothing,
        now,
    )
    .await?;
    write.commit().await?;
    Ok(outcomes)
}

/// [`import_leads`] inside the caller's transaction.
pub async fn import_in(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    viewer: Viewer,
    client: &Client,
    input: Vec<NewLead>,
    all_or_nothing: bool,
    now: DateTime<Utc>,
) -> AppResult<Vec<RowOutcome>> {
    let total = input.len();
    crate::leads::assign::take_turn_for_rule(db, viewer.organization_id).await?;
    let (rows, mut outcomes) = validate(db, viewer, input, now).await?;
    let phones: Vec<String> = rows.iter().map(|r| r.model.phone_number.clone()).collect();
    let taken = existing(db, viewer.organization_id, &phones).await?;
    let dnc = on_dnc(db, viewer.organization_id, &phones, now).await?;
    let mut to_write = Vec::new();
    for mut row in rows {
        if let Some(existing) = taken.get(&row.model.phone_number) {
            outcomes.insert(
                row.index,
                RowOutcome::Failed(AppError::Conflict {
                    field: Some(format!("[{}].{}", row.index, E164::FIELD)),
                    message: format!("a lead with {} already exists", row.model.phone_number),
                    existing_id: Some(*existing),
                }),
            );
            continue;
        }
        if dnc.contains(&row.model.phone_number) {
            row.model.status = LeadStatus::Dnc;
        }
        to_write.push(row);
    }
    if all_or_nothing && !outcomes.is_empty() {
        for row in &to_write {
            outcomes.insert(row.index, RowOutcome::Skipped);
        }
        return Ok((0..total)
            .map(|i| outcomes.remove(&i).unwrap_or(RowOutcome::Skipped))
            .collect());
    }
    let created: Vec<leads::Model> = to_write.iter().map(|r| r.model.clone()).collect();
    for chunk in created.chunks(ROWS_PER_STATEMENT) {
        leads::Entity::insert_many(chunk.iter().map(active))
            .exec_without_returning(db)
            .await?;
    }
    record_created(db, viewer, client, &created, now).await?;
    let mut created = created;
    crate::leads::assign::assign_new_leads(db, viewer.organization_id, &mut created, now).await?;
    let ids: Vec<uuid::Uuid> = created.iter().map(|l| l.id).collect();
    crate::leads::sequences::enroll_matching(db, outbox, viewer.organization_id, &ids, now).await?;
    for row in to_write {
        outcomes.insert(row.index, RowOutcome::Created(row.model.id));
    }
    let outcomes: Vec<RowOutcome> = (0..total)
        .map(|i| outcomes.remove(&i).unwrap_or(RowOutcome::Skipped))
        .collect();
    announce(outbox, viewer.organization_id, &outcomes, now);
    Ok(outcomes)
}

/// Inserts leads whose phone is new and updates the leads that have it (at
/// most 5,000), one `INSERT … ON CONFLICT DO UPDATE` per chunk. Updated rows
/// get one audit row each with the values written. Invalid rows fail on
/// their own. Returns each row's outcome, in order.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, rows = input.len()))]
pub async fn upsert_leads(
    app: &App,
    viewer: Viewer,
    client: &Client,
    input: Vec<NewLead>,
) -> AppResult<Vec<RowOutcome>> {
    BatchSize::parse(input.len())?;
    let write = app.begin_write().await?;
    let outcomes = upsert_in(&*write, &write.outbox, viewer, client, input, Utc::now()).await?;
    write.commit().await?;
    Ok(outcomes)
}

/// [`upsert_leads`] inside the caller's transaction.
pub async fn upsert_in(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    viewer: Viewer,
    client: &Client,
    input: Vec<NewLead>,
    now: DateTime<Utc>,
) -> AppResult<Vec<RowOutcome>> {
    let total = input.len();
    crate::leads::assign::take_turn_for_rule(db, viewer.organization_id).await?;
    let (rows, mut outcomes) = validate(db, viewer, input, now).await?;
    let phones: Vec<String> = rows.iter().map(|r| r.model.phone_number.clone()).collect();
    let taken = existing(db, viewer.organization_id, &phones).await?;
    let models: Vec<leads::Model> = rows
        .iter()
        .map(|r| {
            let mut model = r.model.clone();
            if let Some(id) = taken.get(&model.phone_number) {
                model.id = *id;
            }
            model
        })
        .collect();
    // Which columns an upsert overwrites: what an import carries, not history.
    let update = [
        leads::Column::FirstName,
        leads::Column::LastName,
        leads::Column::Email,
        leads::Column::Company,
        leads::Column::Status,
        leads::Column::LeadScore,
        leads::Column::Tags,
        leads::Column::Source,
        leads::Column::SubSource,
        leads::Column::SourceMetadata,
        leads::Column::Notes,
        leads::Column::Timezone,
        leads::Column::OwnerUserId,
        leads::Column::UpdatedAt,
    ];
    for chunk in models.chunks(ROWS_PER_STATEMENT) {
        let mut conflict =
            OnConflict::columns([leads::Column::OrganizationId, leads::Column::PhoneNumber]);
        conflict
            .target_and_where(Expr::col(leads::Column::DeletedAt).is_null())
            .update_columns(update);
        leads::Entity::insert_many(chunk.iter().map(active))
            .on_conflict(conflict)
            .exec_without_returning(db)
            .await?;
    }
    let (created, updated): (Vec<&leads::Model>, Vec<&leads::Model>) = models
        .iter()
        .partition(|m| !taken.contains_key(&m.phone_number));
    let mut created: Vec<leads::Model> = created.into_iter().cloned().collect();
    record_created(db, viewer, client, &created, now).await?;
    crate::leads::assign::assign_new_leads(db, viewer.organization_id, &mut created, now).await?;
    // Created and updated rows alike: an update may make a lead match.
    let ids: Vec<uuid::Uuid> = models.iter().map(|l| l.id).collect();
    crate::leads::sequences::enroll_matching(db, outbox, viewer.organization_id, &ids, now).await?;
    for chunk in updated.chunks(ROWS_PER_STATEMENT) {
        lead_audit_log::Entity::insert_many(chunk.iter().map(|lead| lead_audit_log::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(lead.organization_id),
            lead_id: Set(lead.id),
            user_id: Set(Some(viewer.user_id)),
            action: Set(LeadAuditAction::Update),
            field_name: Set(Some("*".into())),
            old_value: Set(None),
            new_value: Set(Some(json!({ "status": lead.status.as_str(), "lead_score": lead.lead_score, "tags": lead.tags }))),
            change_reason: Set(Some("Upserted".into())),
            ip_address: Set(client.ip_address.clone()),
            user_agent: Set(client.user_agent.clone()),
            created_at: Set(now),
        }))
        .exec_without_returning(db)
        .await?;
    }
    for (row, model) in rows.iter().zip(&models) {
        let outcome = if taken.contains_key(&model.phone_number) {
            RowOutcome::Updated(model.id)
        } else {
            RowOutcome::Created(model.id)
        };
        outcomes.insert(row.index, outcome);
    }
    let outcomes: Vec<RowOutcome> = (0..total)
        .map(|i| outcomes.remove(&i).unwrap_or(RowOutcome::Skipped))
        .collect();
    announce(outbox, viewer.organization_id, &outcomes, now);
    Ok(outcomes)
}
