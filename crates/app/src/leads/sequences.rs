//! Nurture sequences and enrolments (seed 001 story 3.5): create, change
//! and archive a sequence (managers and above); enrol leads, pause, resume
//! and cancel an enrolment (agents and above). The steps themselves run in
//! [`crate::leads::runner`].
//!
//! An enrolment goes active → paused → active → completed, or ends as
//! cancelled (by a member, an opt-out or the sequence's archiving) or
//! failed; `next_step_at` is when its next step is due (kept while paused,
//! so resuming waits out the rest of the delay), and `executed_steps`
//! records each step's time and result, and each reply. A reply pauses the
//! enrolment (a person answered: a member takes over) and counts in the
//! lead's engagement score.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;
use switchboard_domain::sequences::{Step, StepInput, parse_steps, stored_steps};
use switchboard_domain::text::Name;
use switchboard_entity::enums::EnrollmentStatus;
use switchboard_entity::{lead_sequence_enrollments as enrollments, leads, nurture_sequences};
use uuid::Uuid;

use crate::actor::{Permission, Viewer};
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::events::{EnrollmentEvent, Message, Outbox};
use crate::query::filter::{LeadFilter, lead_condition, stored};
use crate::query::page::{Cursor, SortKey};

/// Most leads one `enrollLeads` call enrols.
pub const MAX_ENROLL: usize = 1_000;

/// A new sequence.
#[derive(Debug, Clone)]
pub struct NewSequence {
    pub name: String,
    pub description: Option<String>,
    pub steps: Vec<StepInput>,
    /// Leads matching this are enrolled as they are created or change.
    pub trigger: Option<LeadFilter>,
}

/// Changes to a sequence: `None` keeps a part; new steps apply to the
/// steps enrolments have not reached yet.
#[derive(Debug, Clone, Default)]
pub struct SequenceChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub steps: Option<Vec<StepInput>>,
    /// `Some(None)` stops automatic enrolment.
    pub trigger: Option<Option<LeadFilter>>,
}

/// The organization's sequences, newest first (archived ones too).
pub async fn sequences(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
) -> AppResult<Vec<nurture_sequences::Model>> {
    Ok(nurture_sequences::Entity::find()
        .filter(nurture_sequences::Column::OrganizationId.eq(organization_id))
        .order_by_desc(nurture_sequences::Column::CreatedAt)
        .limit(1_000)
        .all(db)
        .await?)
}

/// A sequence of the organization, or NOT_FOUND.
pub async fn sequence(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<nurture_sequences::Model> {
    nurture_sequences::Entity::find_by_id(id)
        .filter(nurture_sequences::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("sequence", id))
}

/// A lead's enrolments, oldest first.
pub async fn enrollments_of_lead(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    lead_id: Uuid,
) -> AppResult<Vec<enrollments::Model>> {
    Ok(enrollments::Entity::find()
        .filter(enrollments::Column::OrganizationId.eq(organization_id))
        .filter(enrollments::Column::LeadId.eq(lead_id))
        .order_by_asc(enrollments::Column::EnrolledAt)
        .order_by_asc(enrollments::Column::Id)
        .all(db)
        .await?)
}

fn name_taken(err: DbErr, name: &str) -> AppError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            field: Some("name".into()),
            message: format!("a sequence named `{name}` already exists"),
            existing_id: None,
        },
        _ => AppError::Internal(err),
    }
}

fn description(text: Option<String>) -> AppResult<Option<String>> {
    let text = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > 2_000) {
        return Err(AppError::bad_input(
            "description",
            "at most 2,000 characters",
        ));
    }
    Ok(text)
}

fn steps_json(steps: &[Step]) -> AppResult<serde_json::Value> {
    serde_json::to_value(steps).map_err(|e| AppError::internal(e.to_string()))
}

/// Creates a sequence (managers and above): a name unique in the
/// organization (CONFLICT otherwise) and 1 to 50 valid steps.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn create_sequence(
    app: &App,
    viewer: Viewer,
    input: NewSequence,
) -> AppResult<nurture_sequences::Model> {
    viewer.require(Permission::Manage)?;
    let name = Name::parse(&input.name)?.into_string();
    let description = description(input.description)?;
    let steps = parse_steps(input.steps)?;
    let now = Utc::now();
    let write = app.begin_write().await?;
    let trigger = stored_trigger(&*write, viewer.organization_id, input.trigger.as_ref()).await?;
    let created = nurture_sequences::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(viewer.organization_id),
        name: Set(name.clone()),
        description: Set(description),
        steps: Set(steps_json(&steps)?),
        trigger_conditions: Set(trigger),
        is_active: Set(true),
        created_by: Set(Some(viewer.user_id)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*write)
    .await
    .map_err(|e| name_taken(e, &name))?;
    write.commit().await?;
    Ok(created)
}

/// Changes a live sequence (managers and above); an archived one is
/// CONFLICT.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, sequence_id = %id))]
pub async fn update_sequence(
    app: &App,
    viewer: Viewer,
    id: Uuid,
    changes: SequenceChanges,
) -> AppResult<nurture_sequences::Model> {
    viewer.require(Permission::Manage)?;
    let name = changes
        .name
        .as_deref()
        .map(Name::parse)
        .transpose()?
        .map(Name::into_string);
    let steps = changes.steps.map(parse_steps).transpose()?;
    let write = app.begin_write().await?;
    let current = sequence(&*write, viewer.organization_id, id).await?;
    if !current.is_active {
        return Err(archived(id));
    }
    let mut row: nurture_sequences::ActiveModel = current.into();
    if let Some(name) = &name {
        row.name = Set(name.clone());
    }
    if changes.description.is_some() {
        row.description = Set(description(changes.description)?);
    }
    if let Some(steps) = &steps {
        row.steps = Set(steps_json(steps)?);
    }
    if let Some(trigger) = &changes.trigger {
        row.trigger_conditions =
            Set(stored_trigger(&*write, viewer.organization_id, trigger.as_ref()).await?);
    }
    row.updated_at = Set(Utc::now());
    let updated = row
        .update(&*write)
        .await
        .map_err(|e| name_taken(e, name.as_deref().unwrap_or_default()))?;
    write.commit().await?;
    Ok(updated)
}

/// A lead enrolled by a concurrent write keeps that enrolment (the unique
/// `(lead_id, sequence_id)` makes the race harmless).
fn once_per_lead() -> sea_orm::sea_query::OnConflict {
    sea_orm::sea_query::OnConflict::columns([
        enrollments::Column::LeadId,
        enrollments::Column::SequenceId,
    ])
    .do_nothing()
    .to_owned()
}

fn archived(id: Uuid) -> AppError {
    AppError::Conflict {
        field: Some("sequenceId".into()),
        message: "the sequence is archived".into(),
        existing_id: Some(id),
    }
}

/// Archives a sequence (managers and above): it enrols no one more, and
/// its active and paused enrolments are cancelled. Archiving twice
/// changes nothing.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, sequence_id = %id))]
pub async fn archive_sequence(
    app: &App,
    viewer: Viewer,
    id: Uuid,
) -> AppResult<nurture_sequences::Model> {
    viewer.require(Permission::Manage)?;
    let write = app.begin_write().await?;
    let current = sequence(&*write, viewer.organization_id, id).await?;
    if !current.is_active {
        return Ok(current);
    }
    let now = Utc::now();
    let mut row: nurture_sequences::ActiveModel = current.into();
    row.is_active = Set(false);
    row.updated_at = Set(now);
    let archived = row.update(&*write).await?;
    let ending: Vec<enrollments::Model> = enrollments::Entity::find()
        .filter(enrollments::Column::OrganizationId.eq(viewer.organization_id))
        .filter(enrollments::Column::SequenceId.eq(id))
        .filter(
            enrollments::Column::Status.is_in([EnrollmentStatus::Active, EnrollmentStatus::Paused]),
        )
        .all(&*write)
        .await?;
    for mut ended in ending {
        ended.status = EnrollmentStatus::Cancelled;
        ended.updated_at = now;
        write.announce(Message::Enrollment(EnrollmentEvent::of(&ended)));
    }
    enrollments::Entity::update_many()
        .col_expr(
            enrollments::Column::Status,
            Expr::value(EnrollmentStatus::Cancelled.as_str()),
        )
        .col_expr(
            enrollments::Column::NextStepAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            enrollments::Column::CancelledReason,
            Expr::value("The sequence was archived"),
        )
        .col_expr(enrollments::Column::UpdatedAt, Expr::value(now))
        .filter(enrollments::Column::OrganizationId.eq(viewer.organization_id))
        .filter(enrollments::Column::SequenceId.eq(id))
        .filter(
            enrollments::Column::Status.is_in([EnrollmentStatus::Active, EnrollmentStatus::Paused]),
        )
        .exec(&*write)
        .await?;
    write.commit().await?;
    Ok(archived)
}

/// An enrolment of the organization, if there is one with `id`.
pub async fn enrollment(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<Option<enrollments::Model>> {
    Ok(enrollments::Entity::find_by_id(id)
        .filter(enrollments::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?)
}

/// Where an enrolment sits in its sequence's enrolments: by enrolment time.
pub fn enrollment_cursor(row: &enrollments::Model) -> Cursor {
    Cursor {
        key: SortKey::Time(row.enrolled_at),
        id: row.id,
    }
}

/// Enrols live leads in a live sequence (agents and above; at most
/// 1,000): each starts at the first step, due after its delay. A lead
/// enrolled already keeps its enrolment, which is returned as it is; one
/// per lead, in the order given.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, sequence_id = %sequence_id))]
pub async fn enroll_leads(
    app: &App,
    viewer: Viewer,
    sequence_id: Uuid,
    lead_ids: Vec<Uuid>,
) -> AppResult<Vec<enrollments::Model>> {
    viewer.require(Permission::WriteLeadsAndCalls)?;
    if lead_ids.is_empty() || lead_ids.len() > MAX_ENROLL {
        return Err(AppError::bad_input(
            "leadIds",
            format!("1 to {MAX_ENROLL} leads"),
        ));
    }
    let org = viewer.organization_id;
    let now = Utc::now();
    let write = app.begin_write().await?;
    let target = sequence(&*write, org, sequence_id).await?;
    if !target.is_active {
        return Err(archived(sequence_id));
    }
    let first_delay = stored_steps(&target.steps)
        .first()
        .map(Step::delay)
        .unwrap_or_default();
    let mut unique = lead_ids.clone();
    unique.sort();
    unique.dedup();
    let live: Vec<Uuid> = leads::Entity::find()
        .select_only()
        .column(leads::Column::Id)
        .filter(leads::Column::OrganizationId.eq(org))
        .filter(leads::Column::Id.is_in(unique.clone()))
        .filter(leads::Column::DeletedAt.is_null())
        .into_tuple()
        .all(&*write)
        .await?;
    if let Some((i, missing)) = lead_ids
        .iter()
        .enumerate()
        .find(|(_, id)| !live.contains(id))
    {
        return Err(AppError::bad_input(
            format!("leadIds[{i}]"),
            format!("no live lead `{missing}` in this organization"),
        ));
    }
    let existing = enrollments::Entity::find()
        .filter(enrollments::Column::OrganizationId.eq(org))
        .filter(enrollments::Column::SequenceId.eq(sequence_id))
        .filter(enrollments::Column::LeadId.is_in(unique.clone()))
        .all(&*write)
        .await?;
    let fresh: Vec<enrollments::ActiveModel> = unique
        .iter()
        .filter(|lead| !existing.iter().any(|e| e.lead_id == **lead))
        .map(|lead| enrollments::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(org),
            lead_id: Set(*lead),
            sequence_id: Set(sequence_id),
            status: Set(EnrollmentStatus::Active),
            current_step: Set(0),
            next_step_at: Set(Some(now + first_delay)),
            executed_steps: Set(json!([])),
            enrolled_by: Set(Some(viewer.user_id)),
            enrolled_at: Set(now),
            paused_at: Set(None),
            completed_at: Set(None),
            cancelled_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    for chunk in fresh.chunks(500) {
        enrollments::Entity::insert_many(chunk.to_vec())
            .on_conflict(once_per_lead())
            .exec_without_returning(&*write)
            .await?;
    }
    let all = enrollments::Entity::find()
        .filter(enrollments::Column::OrganizationId.eq(org))
        .filter(enrollments::Column::SequenceId.eq(sequence_id))
        .filter(enrollments::Column::LeadId.is_in(unique))
        .all(&*write)
        .await?;
    for began in all
        .iter()
        .filter(|e| !existing.iter().any(|x| x.id == e.id))
    {
        write.announce(Message::Enrollment(EnrollmentEvent::of(began)));
    }
    write.commit().await?;
    let mut ordered = Vec::with_capacity(lead_ids.len());
    for lead in &lead_ids {
        if let Some(e) = all.iter().find(|e| e.lead_id == *lead)
            && !ordered.iter().any(|o: &enrollments::Model| o.id == e.id)
        {
            ordered.push(e.clone());
        }
    }
    Ok(ordered)
}

/// What a member does to an enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnrollmentAction {
    Pause,
    Resume,
    Cancel { reason: Option<String> },
}

/// Pauses an active enrolment, resumes a paused one (its next step due at
/// once, or after the rest of its delay) or cancels either (agents and
/// above); anything else is CONFLICT naming the enrolment's status.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, enrollment_id = %id))]
pub async fn change_enrollment(
    app: &App,
    viewer: Viewer,
    id: Uuid,
    action: EnrollmentAction,
) -> AppResult<enrollments::Model> {
    viewer.require(Permission::WriteLeadsAndCalls)?;
    let write = app.begin_write().await?;
    let current = lock_enrollment(&*write, viewer.organization_id, id).await?;
    let changed = apply(&*write, current, action, Utc::now()).await?;
    write.announce(Message::Enrollment(EnrollmentEvent::of(&changed)));
    write.commit().await?;
    Ok(changed)
}

pub(crate) async fn lock_enrollment(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<enrollments::Model> {
    enrollments::Entity::find_by_id(id)
        .filter(enrollments::Column::OrganizationId.eq(organization_id))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("enrollment", id))
}

/// Applies `action` to `current`, or refuses it.
pub(crate) async fn apply(
    db: &impl ConnectionTrait,
    current: enrollments::Model,
    action: EnrollmentAction,
    now: DateTime<Utc>,
) -> AppResult<enrollments::Model> {
    use EnrollmentStatus::{Active, Cancelled, Paused};
    let refuse = |status: EnrollmentStatus, verb: &str| AppError::Conflict {
        field: Some("id".into()),
        message: format!("a {} enrolment cannot be {verb}", status.as_str()),
        existing_id: Some(current.id),
    };
    let mut row: enrollments::ActiveModel = current.clone().into();
    match (&action, current.status) {
        (EnrollmentAction::Pause, Active) => {
            row.status = Set(Paused);
            row.paused_at = Set(Some(now));
        }
        (EnrollmentAction::Resume, Paused) => {
            // What was left of the delay when it paused is still to wait.
            let left = match (current.next_step_at, current.paused_at) {
                (Some(due), Some(paused)) if due > paused => due - paused,
                _ => chrono::Duration::zero(),
            };
            row.status = Set(Active);
            row.paused_at = Set(None);
            row.next_step_at = Set(Some(now + left));
        }
        (EnrollmentAction::Cancel { reason }, Active | Paused) => {
            row.status = Set(Cancelled);
            row.next_step_at = Set(None);
            row.cancelled_reason = Set(Some(
                reason
                    .as_deref()
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .unwrap_or("Cancelled by a member")
                    .chars()
                    .take(500)
                    .collect(),
            ));
        }
        (EnrollmentAction::Pause, status) => return Err(refuse(status, "paused")),
        (EnrollmentAction::Resume, status) => return Err(refuse(status, "resumed")),
        (EnrollmentAction::Cancel { .. }, status) => return Err(refuse(status, "cancelled")),
    }
    row.updated_at = Set(now);
    Ok(row.update(db).await?)
}

/// The enrolment with a reply logged in its executed steps, paused when it
/// was active (a paused one stays paused), to save.
pub(crate) fn replied(
    enrollment: enrollments::Model,
    entry: &serde_json::Value,
    now: DateTime<Utc>,
) -> enrollments::ActiveModel {
    let mut executed = enrollment.executed_steps.clone();
    match executed.as_array_mut() {
        Some(list) => list.push(entry.clone()),
        None => executed = json!([entry]),
    }
    let active = enrollment.status == EnrollmentStatus::Active;
    let mut row: enrollments::ActiveModel = enrollment.into();
    row.executed_steps = Set(executed);
    if active {
        row.status = Set(EnrollmentStatus::Paused);
        row.paused_at = Set(Some(now));
    }
    row.updated_at = Set(now);
    row
}

/// Records a lead's reply to a nurture message (agents and above): kept in
/// the enrolment's `executed_steps`, an active enrolment paused, and the
/// lead's score recomputed (replies count in its engagement).
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, enrollment_id = %id))]
pub async fn record_reply(
    app: &App,
    viewer: Viewer,
    id: Uuid,
    message: Option<String>,
) -> AppResult<enrollments::Model> {
    viewer.require(Permission::WriteLeadsAndCalls)?;
    let message = message
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty());
    if message.as_ref().is_some_and(|m| m.chars().count() > 2_000) {
        return Err(AppError::bad_input("message", "at most 2,000 characters"));
    }
    let now = Utc::now();
    let write = app.begin_write().await?;
    let current = lock_enrollment(&*write, viewer.organization_id, id).await?;
    let entry = json!({ "reply": now, "message": message });
    let lead = current.lead_id;
    let replied = replied(current, &entry, now).update(&*write).await?;
    write.announce(Message::Enrollment(EnrollmentEvent::of(&replied)));
    let trigger = crate::leads::scoring::Trigger {
        kind: switchboard_entity::enums::TriggerType::Automation,
        call_id: None,
        changed_by: Some(viewer.user_id),
        reason: "Replied to a nurture message",
    };
    crate::leads::scoring::rescore(
        &*write,
        &write.outbox,
        viewer.organization_id,
        &[lead],
        trigger,
        now,
    )
    .await?;
    write.commit().await?;
    Ok(replied)
}

/// How many replies each lead's enrolments record.
pub(crate) async fn replies(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    lead_ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, i64>> {
    let rows: Vec<(Uuid, serde_json::Value)> = enrollments::Entity::find()
        .select_only()
        .column(enrollments::Column::LeadId)
        .column(enrollments::Column::ExecutedSteps)
        .filter(enrollments::Column::OrganizationId.eq(organization_id))
        .filter(enrollments::Column::LeadId.is_in(lead_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let mut counts = std::collections::HashMap::new();
    for (lead, executed) in rows {
        let n = executed.as_array().map_or(0, |list| {
            list.iter().filter(|e| e.get("reply").is_some()).count()
        });
        *counts.entry(lead).or_insert(0) += n as i64;
    }
    Ok(counts)
}

/// A trigger's stored form (`{}` for none), compiled first so a trigger
/// that cannot run is refused (keyed `triggerConditions`).
async fn stored_trigger(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    trigger: Option<&LeadFilter>,
) -> AppResult<serde_json::Value> {
    let Some(filter) = trigger else {
        return Ok(json!({}));
    };
    let keyed = |err: AppError| match err {
        AppError::BadUserInput(e) => AppError::BadUserInput(e.under("triggerConditions")),
        other => other,
    };
    lead_condition(db, organization_id, filter)
        .await
        .map_err(keyed)?;
    stored::encode(filter)
}

/// A sequence's trigger, if it has one that still compiles.
pub fn trigger_of(sequence: &nurture_sequences::Model) -> Option<LeadFilter> {
    if sequence
        .trigger_conditions
        .as_object()
        .is_some_and(|o| o.is_empty())
    {
        return None;
    }
    stored::decode(sequence.id, &sequence.trigger_conditions).ok()
}

/// Enrols `lead_ids` (just created or changed, inside the caller's write)
/// in every live sequence of the organization whose trigger they match and
/// that they are not enrolled in: one statement for the sequences, then
/// two per triggered sequence and 500 leads. Returns how many were enrolled.
pub(crate) async fn enroll_matching(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    organization_id: Uuid,
    lead_ids: &[Uuid],
    now: DateTime<Utc>,
) -> AppResult<usize> {
    if lead_ids.is_empty() {
        return Ok(0);
    }
    let triggered: Vec<(nurture_sequences::Model, LeadFilter)> = nurture_sequences::Entity::find()
        .filter(nurture_sequences::Column::OrganizationId.eq(organization_id))
        .filter(nurture_sequences::Column::IsActive.eq(true))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|s| trigger_of(&s).map(|t| (s, t)))
        .collect();
    let mut enrolled = 0;
    for (sequence, trigger) in triggered {
        let Ok(condition) = lead_condition(db, organization_id, &trigger).await else {
            // A segment it names was deleted since: it matches nobody now.
            continue;
        };
        let first_delay = stored_steps(&sequence.steps)
            .first()
            .map(Step::delay)
            .unwrap_or_default();
        for chunk in lead_ids.chunks(500) {
            let matching: Vec<Uuid> = leads::Entity::find()
                .select_only()
                .column(leads::Column::Id)
                .filter(condition.clone())
                .filter(leads::Column::DeletedAt.is_null())
                .filter(leads::Column::Id.is_in(chunk.iter().copied()))
                .filter(
                    leads::Column::Id.not_in_subquery(
                        sea_orm::sea_query::Query::select()
                            .column(enrollments::Column::LeadId)
                            .from(enrollments::Entity)
                            .and_where(enrollments::Column::SequenceId.eq(sequence.id))
                            .to_owned(),
                    ),
                )
                .into_tuple()
                .all(db)
                .await?;
            if matching.is_empty() {
                continue;
            }
            enrolled += matching.len();
            let rows: Vec<enrollments::Model> = matching
                .into_iter()
                .map(|lead| enrollments::Model {
                    id: Uuid::now_v7(),
                    organization_id,
                    lead_id: lead,
                    sequence_id: sequence.id,
                    status: EnrollmentStatus::Active,
                    current_step: 0,
                    next_step_at: Some(now + first_delay),
                    executed_steps: json!([]),
                    enrolled_by: None,
                    enrolled_at: now,
                    paused_at: None,
                    completed_at: None,
                    cancelled_reason: None,
                    created_at: now,
                    updated_at: now,
                })
                .collect();
            for row in &rows {
                outbox.push(Message::Enrollment(EnrollmentEvent::of(row)));
            }
            enrollments::Entity::insert_many(rows.into_iter().map(enrollments::ActiveModel::from))
                .on_conflict(once_per_lead())
                .exec_without_returning(db)
                .await?;
        }
    }
    Ok(enrolled)
}
