//! Lead distribution: `assignLeads` by any strategy, the organization's
//! assignment settings (capacities, who is away, territories, the rule for
//! new leads), and the rule applied to every lead created without an owner.
//!
//! What each strategy decides is `switchboard_domain::assignment`; this
//! module reads what it needs (the leads, the eligible members with their
//! open and recent leads, the last round-robin turn) and writes the
//! outcome: the new owners, one `lead_assignments` row per lead with the
//! deciding metadata, and the audit rows. Statements per call depend on the
//! number of members, never on the number of leads (multi-row writes of up
//! to 500 rows).
//!
//! Assignments of one organization take turns (an advisory lock on
//! PostgreSQL, SQLite's single writer), so round robin stays even however
//! many leads are created at once.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use serde_json::json;
use switchboard_domain::assignment::{
    AssignmentRule, AssignmentSettings, Candidate, Decision, LeadFacts, Territory, decide,
    geography_of,
};
use switchboard_entity::enums::{
    AssignmentStrategy, LeadAuditAction, LeadStatus, MemberRole, MembershipStatus,
};
use switchboard_entity::{lead_assignments, lead_audit_log, leads, organization_memberships};
use uuid::Uuid;

use crate::actor::{Permission, Viewer};
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::events::{LeadChange, LeadEvent, Message};
use crate::identity::Client;
use crate::query::filter::{LeadFilter, lead_condition};

/// The `system_config` key an organization's assignment settings live under.
const SETTINGS_KEY: &str = "lead_assignment";
/// Most leads one `assignLeads` call assigns.
pub const MAX_LEADS: usize = 1_000;
/// The window `SKILL_BASED` reads close rates over.
pub const CLOSE_RATE_DAYS: i64 = 90;
/// Rows per multi-row statement.
const CHUNK: usize = 500;

/// Which leads to assign, how, and among whom.
#[derive(Debug, Clone)]
pub struct AssignLeads {
    /// These leads (at most [`MAX_LEADS`])…
    pub lead_ids: Option<Vec<Uuid>>,
    /// …or those the filter matches (at most [`MAX_LEADS`]).
    pub filter: Option<LeadFilter>,
    pub strategy: AssignmentStrategy,
    /// The eligible members (exactly one for `MANUAL`); none: the
    /// organization's active agents.
    pub member_ids: Option<Vec<Uuid>>,
}

/// The organization's assignment settings (none stored: the defaults).
pub async fn settings(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
) -> AppResult<AssignmentSettings> {
    Ok(
        crate::settings::own_value(db, organization_id, SETTINGS_KEY)
            .await?
            .map(|value| AssignmentSettings::from_stored(&value))
            .unwrap_or_default(),
    )
}

/// Changes to the assignment settings: `None` keeps a part as it is.
#[derive(Debug, Clone, Default)]
pub struct SettingsChanges {
    pub capacities: Option<BTreeMap<Uuid, u32>>,
    pub away: Option<Vec<Uuid>>,
    pub territories: Option<Vec<Territory>>,
    /// `Some(None)` removes the rule.
    pub rule: Option<Option<AssignmentRule>>,
}

/// Changes the organization's assignment settings (managers and above):
/// the result is validated, every member it names must belong to the
/// organization, and the change is audited with the old and new settings.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn update_settings(
    app: &App,
    viewer: Viewer,
    client: &Client,
    changes: SettingsChanges,
) -> AppResult<AssignmentSettings> {
    viewer.require(Permission::Manage)?;
    let org = viewer.organization_id;
    let now = Utc::now();
    let write = app.begin_write().await?;
    // One change of the settings at a time: each builds on the last.
    take_turn(&*write, org).await?;
    let before = settings(&*write, org).await?;
    let mut new = before.clone();
    if let Some(capacities) = changes.capacities {
        new.capacities = capacities;
    }
    if let Some(away) = changes.away {
        new.away = away.into_iter().collect();
    }
    if let Some(territories) = changes.territories {
        new.territories = territories;
    }
    if let Some(rule) = changes.rule {
        new.rule = rule;
    }
    new.validate()?;
    let named: Vec<Uuid> = new.members().into_iter().collect();
    let known: Vec<Uuid> = organization_memberships::Entity::find()
        .select_only()
        .column(organization_memberships::Column::UserId)
        .filter(organization_memberships::Column::OrganizationId.eq(org))
        .filter(organization_memberships::Column::UserId.is_in(named.clone()))
        .into_tuple()
        .all(&*write)
        .await?;
    if let Some(stranger) = named.iter().find(|u| !known.contains(u)) {
        return Err(AppError::bad_input(
            "memberIds",
            format!("user `{stranger}` is not a member of this organization"),
        ));
    }
    crate::settings::store_own_json(
        &*write,
        (viewer, client),
        crate::settings::OwnSetting {
            key: SETTINGS_KEY,
            description: "Lead assignment settings",
            audit_action: "assignment.settings_update",
        },
        &before,
        &new,
        now,
    )
    .await?;
    write.commit().await?;
    Ok(new)
}

/// Assigns leads by `input.strategy` (managers and above) and returns the
/// assignments written: one per lead whose owner changed. A lead that
/// already has the chosen owner, or that no eligible member can take (all
/// away or at capacity, no territory covers it), keeps its owner.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn assign_leads(
    app: &App,
    viewer: Viewer,
    client: &Client,
    input: AssignLeads,
) -> AppResult<Vec<lead_assignments::Model>> {
    viewer.require(Permission::Manage)?;
    let org = viewer.organization_id;
    if input.lead_ids.is_some() == input.filter.is_some() {
        return Err(AppError::bad_input(
            "leadIds",
            "give either `leadIds` or `filter`",
        ));
    }
    if let Some(ids) = &input.lead_ids
        && ids.len() > MAX_LEADS
    {
        return Err(AppError::bad_input(
            "leadIds",
            format!("at most {MAX_LEADS} leads at a time"),
        ));
    }
    if let Some(members) = &input.member_ids {
        if members.len() > switchboard_domain::assignment::MAX_LIST {
            return Err(AppError::bad_input("memberIds", "at most 500 members"));
        }
        if members.is_empty() {
            return Err(AppError::bad_input("memberIds", "name at least one member"));
        }
    }
    if input.strategy == AssignmentStrategy::Manual
        && input.member_ids.as_ref().is_none_or(|m| m.len() != 1)
    {
        return Err(AppError::bad_input(
            "memberIds",
            "MANUAL assigns to exactly one member",
        ));
    }
    let write = app.begin_write().await?;
    take_turn(&*write, org).await?;
    let now = Utc::now();
    let leads = match (&input.lead_ids, &input.filter) {
        (Some(ids), _) => leads_by_id(&*write, org, ids).await?,
        (None, Some(filter)) => {
            let condition = lead_condition(&*write, org, filter).await?;
            let found = leads::Entity::find()
                .filter(condition)
                .filter(leads::Column::DeletedAt.is_null())
                .order_by_asc(leads::Column::CreatedAt)
                .order_by_asc(leads::Column::Id)
                .limit(MAX_LEADS as u64 + 1)
                .all(&*write)
                .await?;
            if found.len() > MAX_LEADS {
                return Err(AppError::bad_input(
                    "filter",
                    format!("matches more than {MAX_LEADS} leads: narrow it"),
                ));
            }
            found
        }
        (None, None) => Vec::new(),
    };
    let settings = settings(&*write, org).await?;
    let candidates = candidates(
        &*write,
        org,
        input.strategy,
        input.member_ids.as_deref(),
        true,
        &settings,
        now,
    )
    .await?;
    let written = distribute(
        &*write,
        org,
        Some((viewer.user_id, client)),
        input.strategy,
        &leads,
        &candidates,
        &settings,
        now,
    )
    .await?;
    for row in &written {
        write.announce(Message::Lead(LeadEvent {
            organization_id: org,
            lead_id: row.lead_id,
            change: LeadChange::Updated,
            occurred_at: now,
        }));
    }
    write.commit().await?;
    Ok(written)
}

/// Applies the organization's assignment rule, if it has one, to leads
/// just created without an owner, inside their write; sets the owners on
/// `created` too (whose own events announce them). Members the rule names
/// who have since left are skipped.
pub(crate) async fn assign_new_leads(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    created: &mut [leads::Model],
    now: DateTime<Utc>,
) -> AppResult<()> {
    if created.iter().all(|l| l.owner_user_id.is_some()) {
        return Ok(());
    }
    let settings = settings(db, organization_id).await?;
    let Some(rule) = settings.rule.clone() else {
        return Ok(());
    };
    take_turn(db, organization_id).await?;
    let members = (!rule.member_ids.is_empty()).then_some(rule.member_ids.as_slice());
    let candidates = match candidates(
        db,
        organization_id,
        rule.strategy,
        members,
        false,
        &settings,
        now,
    )
    .await
    {
        Ok(found) => found,
        // The rule names nobody who can take leads now: they stay unassigned.
        Err(AppError::BadUserInput(_)) => return Ok(()),
        Err(other) => return Err(other),
    };
    let unowned: Vec<leads::Model> = created
        .iter()
        .filter(|l| l.owner_user_id.is_none())
        .cloned()
        .collect();
    let written = distribute(
        db,
        organization_id,
        None,
        rule.strategy,
        &unowned,
        &candidates,
        &settings,
        now,
    )
    .await?;
    let owners: HashMap<Uuid, Option<Uuid>> =
        written.iter().map(|a| (a.lead_id, a.to_user_id)).collect();
    for lead in created.iter_mut() {
        if let Some(owner) = owners.get(&lead.id) {
            lead.owner_user_id = *owner;
        }
    }
    Ok(())
}

/// Takes the organization's assignment turn at the start of a bulk write
/// when a rule will assign its new leads: before the write locks any lead
/// row, so it never waits for the turn while holding leads that an
/// `assignLeads` holding the turn wants.
pub(crate) async fn take_turn_for_rule(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
) -> AppResult<()> {
    if settings(db, organization_id).await?.rule.is_some() {
        take_turn(db, organization_id).await?;
    }
    Ok(())
}

/// Waits for the organization's other assignments to commit, so each
/// reads the turns the one before took. SQLite has one writer already.
async fn take_turn(db: &impl ConnectionTrait, organization_id: Uuid) -> AppResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            [format!("lead_assignment:{organization_id}").into()],
        ))
        .await?;
    }
    Ok(())
}

/// The live leads with `ids`, each refused as `leadIds` when the
/// organization has no such live lead.
async fn leads_by_id(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    ids: &[Uuid],
) -> AppResult<Vec<leads::Model>> {
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    let mut found = Vec::with_capacity(unique.len());
    for chunk in unique.chunks(CHUNK) {
        found.extend(
            leads::Entity::find()
                .filter(leads::Column::OrganizationId.eq(organization_id))
                .filter(leads::Column::Id.is_in(chunk.iter().copied()))
                .filter(leads::Column::DeletedAt.is_null())
                .all(db)
                .await?,
        );
    }
    if let Some((i, missing)) = ids
        .iter()
        .enumerate()
        .find(|(_, id)| !found.iter().any(|l| l.id == **id))
    {
        return Err(AppError::bad_input(
            format!("leadIds[{i}]"),
            format!("no live lead `{missing}` in this organization"),
        ));
    }
    Ok(found)
}

#[derive(Debug, FromQueryResult)]
struct Load {
    owner_user_id: Uuid,
    open: i64,
}

#[derive(Debug, FromQueryResult)]
struct Record {
    owner_user_id: Uuid,
    total: i64,
    closed: i64,
}

/// The members a strategy may choose, with what it weighs them by. Named
/// members must belong to the organization and may hold leads (not
/// viewers) when `strict` (else they are left out); suspended, invited and
/// away members are left out (for `MANUAL`, only a suspended or invited one
/// is refused). No one left is BAD_USER_INPUT on `memberIds`.
async fn candidates(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    strategy: AssignmentStrategy,
    named: Option<&[Uuid]>,
    strict: bool,
    settings: &AssignmentSettings,
    now: DateTime<Utc>,
) -> AppResult<Vec<Candidate>> {
    let mut query = organization_memberships::Entity::find()
        .filter(organization_memberships::Column::OrganizationId.eq(organization_id));
    query = match named {
        Some(ids) => query.filter(organization_memberships::Column::UserId.is_in(ids.to_vec())),
        None => query
            .filter(organization_memberships::Column::Role.eq(MemberRole::Agent))
            .filter(organization_memberships::Column::Status.eq(MembershipStatus::Active)),
    };
    let memberships = query.all(db).await?;
    // A rule's members may have left or changed role since: they are
    // skipped, not refused (only `assignLeads` refuses them).
    if let Some(ids) = named.filter(|_| strict) {
        for (i, id) in ids.iter().enumerate() {
            let field = format!("memberIds[{i}]");
            match memberships.iter().find(|m| m.user_id == *id) {
                None => {
                    return Err(AppError::bad_input(
                        field,
                        format!("user `{id}` is not a member of this organization"),
                    ));
                }
                Some(m) if m.role == MemberRole::Viewer => {
                    return Err(AppError::bad_input(field, "a viewer cannot own leads"));
                }
                Some(m)
                    if strategy == AssignmentStrategy::Manual
                        && m.status != MembershipStatus::Active =>
                {
                    return Err(AppError::bad_input(
                        field,
                        format!("the member is {}", m.status.as_str()),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    let eligible: Vec<Uuid> = memberships
        .iter()
        .filter(|m| m.status == MembershipStatus::Active && m.role != MemberRole::Viewer)
        .filter(|m| strategy == AssignmentStrategy::Manual || !settings.away.contains(&m.user_id))
        .map(|m| m.user_id)
        .collect();
    if eligible.is_empty() {
        return Err(AppError::bad_input(
            "memberIds",
            "no eligible member: suspended and away members are skipped, and by default only active agents take leads",
        ));
    }
    let open: HashMap<Uuid, i64> = leads::Entity::find()
        .select_only()
        .column(leads::Column::OwnerUserId)
        .column_as(Expr::col(leads::Column::Id).count(), "open")
        .filter(leads::Column::OrganizationId.eq(organization_id))
        .filter(leads::Column::OwnerUserId.is_in(eligible.clone()))
        .filter(leads::Column::DeletedAt.is_null())
        .filter(leads::Column::Status.is_not_in([LeadStatus::Recruited, LeadStatus::Dnc]))
        .group_by(leads::Column::OwnerUserId)
        .into_model::<Load>()
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.owner_user_id, l.open))
        .collect();
    let records: HashMap<Uuid, (i64, i64)> = if strategy == AssignmentStrategy::SkillBased {
        let recruited = Expr::case(
            Expr::col(leads::Column::Status).eq(LeadStatus::Recruited.as_str()),
            1,
        )
        .finally(0);
        leads::Entity::find()
            .select_only()
            .column(leads::Column::OwnerUserId)
            .column_as(Expr::col(leads::Column::Id).count(), "total")
            .column_as(Expr::expr(recruited).sum(), "closed")
            .filter(leads::Column::OrganizationId.eq(organization_id))
            .filter(leads::Column::OwnerUserId.is_in(eligible.clone()))
            .filter(leads::Column::DeletedAt.is_null())
            .filter(leads::Column::CreatedAt.gte(now - Duration::days(CLOSE_RATE_DAYS)))
            .group_by(leads::Column::OwnerUserId)
            .into_model::<Record>()
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.owner_user_id, (r.total, r.closed)))
            .collect()
    } else {
        HashMap::new()
    };
    Ok(eligible
        .into_iter()
        .map(|user_id| {
            let (recent_leads, recent_closed) = records.get(&user_id).copied().unwrap_or((0, 0));
            Candidate {
                user_id,
                open_leads: open.get(&user_id).copied().unwrap_or(0),
                capacity: settings.capacities.get(&user_id).copied(),
                recent_leads,
                recent_closed,
            }
        })
        .collect())
}

/// Decides and writes: new owners, assignment and audit rows. `by` is the
/// member assigning and where their request came from; none for the rule.
#[allow(clippy::too_many_arguments)]
async fn distribute(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    by: Option<(Uuid, &Client)>,
    strategy: AssignmentStrategy,
    leads: &[leads::Model],
    candidates: &[Candidate],
    settings: &AssignmentSettings,
    now: DateTime<Utc>,
) -> AppResult<Vec<lead_assignments::Model>> {
    if leads.is_empty() {
        return Ok(Vec::new());
    }
    let assigned_by = by.map(|(user, _)| user);
    let client = by.map(|(_, client)| client);
    let last_turn = if strategy == AssignmentStrategy::RoundRobin {
        lead_assignments::Entity::find()
            .select_only()
            .column(lead_assignments::Column::ToUserId)
            .filter(lead_assignments::Column::OrganizationId.eq(organization_id))
            .filter(lead_assignments::Column::Strategy.eq(AssignmentStrategy::RoundRobin))
            .order_by_desc(lead_assignments::Column::CreatedAt)
            .order_by_desc(lead_assignments::Column::Id)
            .into_tuple::<Option<Uuid>>()
            .one(db)
            .await?
            .flatten()
    } else {
        None
    };
    let facts: Vec<LeadFacts> = leads
        .iter()
        .map(|lead| {
            let (country, area_code) = geography_of(&lead.phone_number);
            LeadFacts {
                id: lead.id,
                owner: lead.owner_user_id,
                score: lead.lead_score,
                hot: lead.status == LeadStatus::Hot,
                country,
                area_code,
                timezone: lead.timezone.clone(),
            }
        })
        .collect();
    let by_id: HashMap<Uuid, &leads::Model> = leads.iter().map(|l| (l.id, l)).collect();
    // Stamped now, under the turn lock rather than when the write began, so
    // the newest assignment is always the last turn taken.
    let stamped = Ord::max(Utc::now(), now);
    let decisions = decide(
        strategy,
        &facts,
        candidates,
        last_turn,
        &settings.territories,
    );
    let mut rows: Vec<lead_assignments::Model> = Vec::new();
    let mut by_owner: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for decision in decisions {
        match decision {
            Decision::Assign {
                lead_id,
                user_id,
                metadata,
            } => {
                let lead = by_id[&lead_id];
                if lead.owner_user_id == Some(user_id) {
                    continue;
                }
                by_owner.entry(user_id).or_default().push(lead_id);
                rows.push(lead_assignments::Model {
                    // Generated in order, so the newest row is the last turn.
                    id: Uuid::now_v7(),
                    organization_id,
                    lead_id,
                    from_user_id: lead.owner_user_id,
                    to_user_id: Some(user_id),
                    strategy,
                    assigned_by,
                    reason: Some(match assigned_by {
                        Some(_) => "assignLeads".to_owned(),
                        None => "Assignment rule".to_owned(),
                    }),
                    metadata,
                    created_at: stamped,
                });
            }
            Decision::Skip { lead_id, reason } => {
                tracing::info!(%lead_id, %reason, "lead left unassigned");
            }
        }
    }
    for (owner, ids) in &by_owner {
        for chunk in ids.chunks(CHUNK) {
            leads::Entity::update_many()
                .col_expr(leads::Column::OwnerUserId, Expr::value(*owner))
                .col_expr(leads::Column::UpdatedAt, Expr::value(now))
                .filter(leads::Column::OrganizationId.eq(organization_id))
                .filter(leads::Column::Id.is_in(chunk.iter().copied()))
                .exec(db)
                .await?;
        }
    }
    for chunk in rows.chunks(CHUNK) {
        lead_assignments::Entity::insert_many(chunk.iter().map(|row| {
            let active: lead_assignments::ActiveModel = row.clone().into();
            active
        }))
        .exec(db)
        .await?;
        lead_audit_log::Entity::insert_many(chunk.iter().map(|row| lead_audit_log::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(organization_id),
            lead_id: Set(row.lead_id),
            user_id: Set(assigned_by),
            action: Set(LeadAuditAction::Update),
            field_name: Set(Some("owner_user_id".into())),
            old_value: Set(Some(json!(row.from_user_id))),
            new_value: Set(Some(json!(row.to_user_id))),
            change_reason: Set(Some(format!("Assigned by {}", strategy.as_str()))),
            ip_address: Set(client.and_then(|c| c.ip_address.clone())),
            user_agent: Set(client.and_then(|c| c.user_agent.clone())),
            created_at: Set(now),
        }))
        .exec(db)
        .await?;
    }
    Ok(rows)
}
