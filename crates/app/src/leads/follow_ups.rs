//! Follow-ups (seeds 003 and 004): a day to get back to a lead, for one
//! member, pending until it is completed or cancelled. Members schedule
//! them, and a call whose outcome asks for one schedules it for the lead's
//! owner ([`follow_up_from_call`]).
//!
//! A follow-up keeps a copy of the lead's name, phone and email as they
//! were when it was scheduled: the day's list reads without the lead.
//!
//! When a pending follow-up's day comes (in the organization's time zone)
//! it is announced once to `followUpDue`: at once if it is scheduled for
//! today, else by the runner's round ([`announce_due`]); moving it to
//! another day announces it again then.

use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use switchboard_entity::enums::{FollowUpStatus, MembershipStatus};
use switchboard_entity::{calls, follow_ups, leads, organization_memberships, organizations};
use uuid::Uuid;

use crate::actor::{Actor, Permission, Viewer};
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::events::{FollowUpDueEvent, Message, Outbox};
use crate::leads::lookups::find_lead;
use crate::query::list::{Keyset, List};
use crate::query::page::{Cursor, Direction, SortKey};

/// The longest remark, in characters.
pub const MAX_REMARK_CHARS: usize = 2_000;
/// How far ahead a follow-up may be scheduled.
pub const MAX_DAYS_AHEAD: u64 = 3_660;

/// A follow-up to schedule.
#[derive(Debug, Clone)]
pub struct NewFollowUp {
    pub lead_id: Uuid,
    /// Today (in the organization's time zone) or later.
    pub date: NaiveDate,
    pub remark: Option<String>,
    /// Who is to follow up: a member; default the lead's owner, else the
    /// member scheduling it.
    pub assignee_id: Option<Uuid>,
}

/// Which follow-ups to list; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct FollowUpFilter {
    /// Due on or after this day.
    pub due_from: Option<NaiveDate>,
    /// Due on or before this day.
    pub due_to: Option<NaiveDate>,
    pub assignee_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
    /// Any of these statuses (none: every status).
    pub statuses: Vec<FollowUpStatus>,
}

/// The organization's follow-ups matching `filter`, to page through in
/// [`follow_up_keyset`] order (soonest first).
pub fn follow_ups(organization_id: Uuid, filter: &FollowUpFilter) -> List<follow_ups::Entity> {
    let mut select =
        follow_ups::Entity::find().filter(follow_ups::Column::OrganizationId.eq(organization_id));
    if let Some(from) = filter.due_from {
        select = select.filter(follow_ups::Column::FollowUpDate.gte(from));
    }
    if let Some(to) = filter.due_to {
        select = select.filter(follow_ups::Column::FollowUpDate.lte(to));
    }
    if let Some(user) = filter.assignee_id {
        select = select.filter(follow_ups::Column::UserId.eq(user));
    }
    if let Some(lead) = filter.lead_id {
        select = select.filter(follow_ups::Column::LeadId.eq(lead));
    }
    if !filter.statuses.is_empty() {
        select = select.filter(follow_ups::Column::Status.is_in(filter.statuses.iter().copied()));
    }
    List::new(select)
}

/// Follow-ups by due day, the id breaking ties.
pub fn follow_up_keyset(direction: Direction) -> Keyset<follow_ups::Column> {
    Keyset {
        sort: follow_ups::Column::FollowUpDate,
        id: follow_ups::Column::Id,
        direction,
        tie_break: true,
        nullable: false,
    }
}

/// Where `row` stands in [`follow_up_keyset`] order.
pub fn follow_up_cursor(row: &follow_ups::Model) -> Cursor {
    Cursor {
        key: SortKey::Date(row.follow_up_date),
        id: row.id,
    }
}

/// A follow-up of the organization, or NOT_FOUND.
pub async fn follow_up(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<follow_ups::Model> {
    follow_ups::Entity::find_by_id(id)
        .filter(follow_ups::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("follow-up", id))
}

fn remark(text: Option<String>) -> AppResult<Option<String>> {
    let text = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    match text {
        Some(t) if t.chars().count() > MAX_REMARK_CHARS => Err(AppError::bad_input(
            "remark",
            format!("at most {MAX_REMARK_CHARS} characters"),
        )),
        other => Ok(other),
    }
}

/// Checks that `date` is today or later in the organization's calendar,
/// and not absurdly far ahead.
fn due_date(viewer: Viewer, field: &str, date: NaiveDate, now: DateTime<Utc>) -> AppResult<()> {
    let today = now.with_timezone(&viewer.timezone).date_naive();
    if date < today {
        return Err(AppError::bad_input(
            field,
            format!("a follow-up is due today ({today}) or later"),
        ));
    }
    if today
        .checked_add_days(Days::new(MAX_DAYS_AHEAD))
        .is_some_and(|last| date > last)
    {
        return Err(AppError::bad_input(
            field,
            format!("at most {MAX_DAYS_AHEAD} days ahead"),
        ));
    }
    Ok(())
}

/// Checks that `user` is an active member, for `field`.
async fn require_active_member(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    field: &str,
    user: Uuid,
) -> AppResult<()> {
    let found = organization_memberships::Entity::find()
        .filter(organization_memberships::Column::OrganizationId.eq(organization_id))
        .filter(organization_memberships::Column::UserId.eq(user))
        .filter(organization_memberships::Column::Status.eq(MembershipStatus::Active))
        .one(db)
        .await?;
    found.map(|_| ()).ok_or_else(|| {
        AppError::bad_input(
            field,
            format!("user `{user}` is not an active member of this organization"),
        )
    })
}

fn row(
    lead: &leads::Model,
    call: Option<Uuid>,
    assignee: Option<Uuid>,
    date: NaiveDate,
    remark: Option<String>,
    created_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> follow_ups::ActiveModel {
    let name = [lead.first_name.as_deref(), lead.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    follow_ups::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(lead.organization_id),
        lead_id: Set(Some(lead.id)),
        call_id: Set(call),
        lead_phone: Set(Some(lead.phone_number.clone())),
        lead_email: Set(lead.email.clone()),
        lead_name: Set(Some(name).filter(|n| !n.is_empty())),
        user_id: Set(assignee),
        follow_up_date: Set(date),
        remark: Set(remark),
        status: Set(FollowUpStatus::Pending),
        created_by: Set(created_by),
        completed_at: Set(None),
        completed_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        due_announced_at: Set(None),
    }
}

/// Schedules a follow-up of a live lead (agents and above): due today or
/// later in the organization's calendar, for an active member (the lead's
/// owner by default, else the member scheduling it).
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn create_follow_up(
    app: &App,
    viewer: Viewer,
    input: NewFollowUp,
) -> AppResult<follow_ups::Model> {
    viewer.require(Permission::WriteLeadsAndCalls)?;
    let now = Utc::now();
    due_date(viewer, "date", input.date, now)?;
    let remark = remark(input.remark)?;
    let write = app.begin_write().await?;
    let org = viewer.organization_id;
    let lead = find_lead(&*write, org, input.lead_id)
        .await
        .map_err(|err| match err {
            AppError::NotFound { .. } => AppError::bad_input("leadId", "no such lead"),
            other => other,
        })?;
    if lead.deleted_at.is_some() {
        return Err(AppError::bad_input(
            "leadId",
            "the lead is deleted: restore it first",
        ));
    }
    let assignee = input
        .assignee_id
        .or(lead.owner_user_id)
        .unwrap_or(viewer.user_id);
    require_active_member(&*write, org, "assigneeId", assignee).await?;
    let created = row(
        &lead,
        None,
        Some(assignee),
        input.date,
        remark,
        Some(viewer.user_id),
        now,
    )
    .insert(&*write)
    .await?;
    let created = announce_if_due(&*write, &write.outbox, created, viewer.timezone, now).await?;
    write.commit().await?;
    Ok(created)
}

/// How a pending follow-up ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Completed,
    Cancelled,
}

/// Completes or cancels a pending follow-up (agents and above); one that
/// has already ended is CONFLICT, naming how it ended. A remark given
/// replaces the follow-up's.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, follow_up_id = %id))]
pub async fn end_follow_up(
    app: &App,
    viewer: Viewer,
    id: Uuid,
    ending: Ending,
    remark_text: Option<String>,
) -> AppResult<follow_ups::Model> {
    viewer.require(Permission::WriteLeadsAndCalls)?;
    let remark = remark(remark_text)?;
    let now = Utc::now();
    let write = app.begin_write().await?;
    let current = pending(&write, viewer.organization_id, id).await?;
    let mut change: follow_ups::ActiveModel = current.into();
    match ending {
        Ending::Completed => {
            change.status = Set(FollowUpStatus::Completed);
            change.completed_at = Set(Some(now));
            change.completed_by = Set(Some(viewer.user_id));
        }
        Ending::Cancelled => change.status = Set(FollowUpStatus::Cancelled),
    }
    if remark.is_some() {
        change.remark = Set(remark);
    }
    change.updated_at = Set(now);
    let ended = change.update(&*write).await?;
    write.commit().await?;
    Ok(ended)
}

/// Moves a pending follow-up to another day and, if given, another member
/// (agents and above; the same rules as scheduling it).
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, follow_up_id = %id))]
pub async fn reschedule_follow_up(
    app: &App,
    viewer: Viewer,
    id: Uuid,
    date: NaiveDate,
    assignee_id: Option<Uuid>,
) -> AppResult<follow_ups::Model> {
    viewer.require(Permission::WriteLeadsAndCalls)?;
    let now = Utc::now();
    due_date(viewer, "date", date, now)?;
    let write = app.begin_write().await?;
    let current = pending(&write, viewer.organization_id, id).await?;
    if let Some(user) = assignee_id {
        require_active_member(&*write, viewer.organization_id, "assigneeId", user).await?;
    }
    let moved_day = current.follow_up_date != date;
    let mut change: follow_ups::ActiveModel = current.into();
    change.follow_up_date = Set(date);
    if moved_day {
        change.due_announced_at = Set(None);
    }
    if let Some(user) = assignee_id {
        change.user_id = Set(Some(user));
    }
    change.updated_at = Set(now);
    let moved = change.update(&*write).await?;
    let moved = if moved_day {
        announce_if_due(&*write, &write.outbox, moved, viewer.timezone, now).await?
    } else {
        moved
    };
    write.commit().await?;
    Ok(moved)
}

/// The pending follow-up `id`, locked for the write; NOT_FOUND, or
/// CONFLICT when it has ended.
async fn pending(
    write: &crate::app::Write,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<follow_ups::Model> {
    use sea_orm::QuerySelect;
    let current = follow_ups::Entity::find_by_id(id)
        .filter(follow_ups::Column::OrganizationId.eq(organization_id))
        .lock_exclusive()
        .one(&**write)
        .await?
        .ok_or_else(|| AppError::not_found("follow-up", id))?;
    if current.status != FollowUpStatus::Pending {
        return Err(AppError::Conflict {
            field: Some("id".into()),
            message: format!("the follow-up is already {}", current.status.as_str()),
            existing_id: Some(current.id),
        });
    }
    Ok(current)
}

/// The follow-up a call's outcome asks for, inside the outcome's write
/// (which holds the call's lock): for the call's lead (none without one),
/// due on `date` (the next day in the organization's calendar when none is
/// given; a day already past moves to today), for the lead's owner.
/// Recording the outcome again moves the call's pending follow-up rather
/// than adding a second; `required: false` cancels it.
pub(crate) async fn follow_up_from_call(
    db: &impl ConnectionTrait,
    actor: Actor,
    call: &calls::Model,
    required: bool,
    date: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<Option<follow_ups::Model>> {
    let Some(lead_id) = call.lead_id else {
        return Ok(None);
    };
    let existing = follow_ups::Entity::find()
        .filter(follow_ups::Column::OrganizationId.eq(call.organization_id))
        .filter(follow_ups::Column::CallId.eq(call.id))
        .filter(follow_ups::Column::Status.eq(FollowUpStatus::Pending))
        .one(db)
        .await?;
    if !required {
        if let Some(existing) = existing {
            let mut change: follow_ups::ActiveModel = existing.into();
            change.status = Set(FollowUpStatus::Cancelled);
            change.updated_at = Set(now);
            change.update(db).await?;
        }
        return Ok(None);
    }
    let lead = find_lead(db, call.organization_id, lead_id).await?;
    if lead.deleted_at.is_some() {
        return Ok(None);
    }
    let timezone = organizations::Entity::find_by_id(call.organization_id)
        .one(db)
        .await?
        .and_then(|o| o.timezone.parse::<chrono_tz::Tz>().ok())
        .unwrap_or(chrono_tz::Tz::UTC);
    let today = now.with_timezone(&timezone).date_naive();
    let day = date
        .map(|d| d.with_timezone(&timezone).date_naive())
        .unwrap_or_else(|| today.succ_opt().unwrap_or(today))
        .max(today);
    let saved = match existing {
        Some(existing) => {
            let mut change: follow_ups::ActiveModel = existing.into();
            change.follow_up_date = Set(day);
            change.updated_at = Set(now);
            change.update(db).await?
        }
        None => {
            row(
                &lead,
                Some(call.id),
                lead.owner_user_id.or(actor.user_id()),
                day,
                call.summary
                    .clone()
                    .map(|s| s.chars().take(MAX_REMARK_CHARS).collect()),
                actor.user_id(),
                now,
            )
            .insert(db)
            .await?
        }
    };
    Ok(Some(saved))
}

fn due_event(row: &follow_ups::Model, now: DateTime<Utc>) -> Message {
    Message::FollowUpDue(FollowUpDueEvent {
        organization_id: row.organization_id,
        follow_up_id: row.id,
        lead_id: row.lead_id,
        assignee_id: row.user_id,
        date: row.follow_up_date,
        occurred_at: now,
    })
}

/// Announces `row` to `followUpDue` at once if its day has come already
/// (scheduled for today), and marks it announced.
async fn announce_if_due(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    row: follow_ups::Model,
    timezone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> AppResult<follow_ups::Model> {
    if row.follow_up_date > now.with_timezone(&timezone).date_naive() {
        return Ok(row);
    }
    let mut change: follow_ups::ActiveModel = row.into();
    change.due_announced_at = Set(Some(now));
    let row = change.update(db).await?;
    outbox.push(due_event(&row, now));
    Ok(row)
}

/// Announces the organization's pending follow-ups whose day has come (in
/// its time zone) and that `followUpDue` has not announced, up to 500, in
/// one write; claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL so two
/// instances never announce one twice. `app` is scoped to the organization
/// (the runner's round calls it). Returns how many it announced.
pub async fn announce_due(
    app: &App,
    organization_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::{LockBehavior, LockType};
    let write = app.begin_write().await?;
    let timezone = organizations::Entity::find_by_id(organization_id)
        .one(&*write)
        .await?
        .and_then(|o| o.timezone.parse::<chrono_tz::Tz>().ok())
        .unwrap_or(chrono_tz::Tz::UTC);
    let today = now.with_timezone(&timezone).date_naive();
    let mut due = follow_ups::Entity::find()
        .filter(follow_ups::Column::OrganizationId.eq(organization_id))
        .filter(follow_ups::Column::Status.eq(FollowUpStatus::Pending))
        .filter(follow_ups::Column::DueAnnouncedAt.is_null())
        .filter(follow_ups::Column::FollowUpDate.lte(today))
        .limit(500);
    if write.get_database_backend() == sea_orm::DbBackend::Postgres {
        due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let due = due.all(&*write).await?;
    if due.is_empty() {
        return Ok(0);
    }
    follow_ups::Entity::update_many()
        .col_expr(
            follow_ups::Column::DueAnnouncedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(follow_ups::Column::OrganizationId.eq(organization_id))
        .filter(follow_ups::Column::Id.is_in(due.iter().map(|f| f.id)))
        .exec(&*write)
        .await?;
    for row in &due {
        write.announce(due_event(row, now));
    }
    write.commit().await?;
    Ok(due.len())
}
