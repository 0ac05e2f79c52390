//! Status automation in the writes that set it off: a call's end, its
//! outcome, its transcript and its analysis (the rules are
//! `switchboard_domain::automation`). Each change writes the lead's status
//! history (trigger `call`, or `ai` for a detected opt-out, with the call),
//! an audit row, a recomputed score and a `leadUpdated` event, in the
//! call's own transaction. The organization's rules live in `system_config`.
//! A call that connected also pauses the lead's active nurture enrolments
//! (a reply, see [`crate::leads::replies`]).

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;
use switchboard_domain::automation::{StatusRules, unanswered};
use switchboard_entity::enums::{
    CallOutcome, CallStatus, DncSource, LeadAuditAction, LeadStatus, TriggerType,
};
use switchboard_entity::{calls, dnc_list, lead_audit_log, lead_status_history, leads};
use uuid::Uuid;

use crate::actor::{Permission, Viewer};
use crate::app::App;
use crate::error::AppResult;
use crate::events::{LeadChange, LeadEvent, Message, Outbox};
use crate::identity::Client;
use crate::leads::scoring::{self, Trigger};

/// The `system_config` key of an organization's status rules.
const RULES_KEY: &str = "status_automation";

/// The organization's status rules (the defaults when none are stored).
pub async fn rules(db: &impl ConnectionTrait, organization_id: Uuid) -> AppResult<StatusRules> {
    Ok(crate::settings::own_value(db, organization_id, RULES_KEY)
        .await?
        .map(|value| StatusRules::from_stored(&value))
        .unwrap_or_default())
}

/// Replaces the organization's status rules (admins and owners), audited.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn update_rules(
    app: &App,
    viewer: Viewer,
    client: &Client,
    new: StatusRules,
) -> AppResult<StatusRules> {
    viewer.require(Permission::Administer)?;
    new.validate()?;
    let org = viewer.organization_id;
    let now = Utc::now();
    let write = app.begin_write().await?;
    let before = rules(&*write, org).await?;
    crate::settings::store_own_json(
        &*write,
        (viewer, client),
        crate::settings::OwnSetting {
            key: RULES_KEY,
            description: "Lead status automation",
            audit_action: "automation.rules_update",
        },
        &before,
        &new,
        now,
    )
    .await?;
    write.commit().await?;
    Ok(new)
}

/// Moves `lead` to `to` on a rule's behalf (or, with `by`, a member's):
/// status history with the trigger and call, an audit row, the score
/// recomputed, an event.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn set_status(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    lead: &leads::Model,
    to: LeadStatus,
    trigger: TriggerType,
    call_id: Option<Uuid>,
    reason: &str,
    by: Option<(Uuid, &Client)>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut row: leads::ActiveModel = lead.clone().into();
    row.status = Set(to);
    row.updated_at = Set(now);
    row.update(db).await?;
    lead_status_history::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(lead.organization_id),
        lead_id: Set(lead.id),
        from_status: Set(Some(lead.status)),
        to_status: Set(to),
        trigger_type: Set(trigger),
        call_id: Set(call_id),
        sequence_id: Set(None),
        changed_by: Set(by.map(|(user, _)| user)),
        reason: Set(Some(reason.to_owned())),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    lead_audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(lead.organization_id),
        lead_id: Set(lead.id),
        user_id: Set(by.map(|(user, _)| user)),
        action: Set(LeadAuditAction::Update),
        field_name: Set(Some("status".into())),
        old_value: Set(Some(json!(lead.status.as_str()))),
        new_value: Set(Some(json!(to.as_str()))),
        change_reason: Set(Some(reason.to_owned())),
        ip_address: Set(by.and_then(|(_, c)| c.ip_address.clone())),
        user_agent: Set(by.and_then(|(_, c)| c.user_agent.clone())),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    let rescore = Trigger {
        kind: TriggerType::Automation,
        call_id,
        changed_by: by.map(|(user, _)| user),
        reason,
    };
    scoring::rescore(db, outbox, lead.organization_id, &[lead.id], rescore, now).await?;
    crate::leads::sequences::enroll_matching(db, outbox, lead.organization_id, &[lead.id], now)
        .await?;
    outbox.push(Message::Lead(LeadEvent {
        organization_id: lead.organization_id,
        lead_id: lead.id,
        change: LeadChange::Updated,
        occurred_at: now,
    }));
    Ok(())
}

/// The call's live lead, if it has one.
async fn lead_of(
    db: &impl ConnectionTrait,
    call: &calls::Model,
) -> AppResult<Option<leads::Model>> {
    let Some(id) = call.lead_id else {
        return Ok(None);
    };
    Ok(leads::Entity::find_by_id(id)
        .filter(leads::Column::OrganizationId.eq(call.organization_id))
        .filter(leads::Column::DeletedAt.is_null())
        .one(db)
        .await?)
}

/// After a call's outcome: booked or transferred qualifies (or heats) the lead.
pub(crate) async fn after_outcome(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    call: &calls::Model,
    outcome: CallOutcome,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(lead) = lead_of(db, call).await? else {
        return Ok(());
    };
    let rules = rules(db, call.organization_id).await?;
    if let Some(to) = rules.after_outcome(lead.status, outcome, lead.lead_score) {
        let reason = format!("Call outcome: {}", outcome.as_str());
        set_status(
            db,
            outbox,
            &lead,
            to,
            TriggerType::Call,
            Some(call.id),
            &reason,
            None,
            now,
        )
        .await?;
    }
    Ok(())
}

/// After a call ends (its status already written): a connected call
/// contacts a new lead; enough unanswered calls in a row cool it.
pub(crate) async fn after_call_end(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    call: &calls::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(lead) = lead_of(db, call).await? else {
        return Ok(());
    };
    if call.status == CallStatus::Completed {
        // The lead picked up: a person is talking, the sequence waits.
        let entry = json!({ "reply": now, "channel": "call", "callId": call.id });
        crate::leads::replies::pause_on_reply(
            db,
            outbox,
            call.organization_id,
            lead.id,
            &entry,
            now,
        )
        .await?;
    }
    let rules = rules(db, call.organization_id).await?;
    let streak = if unanswered(call.status) && rules.unanswered_attempts > 0 {
        let latest: Vec<CallStatus> = calls::Entity::find()
            .select_only()
            .column(calls::Column::Status)
            .filter(calls::Column::OrganizationId.eq(call.organization_id))
            .filter(calls::Column::LeadId.eq(lead.id))
            .filter(calls::Column::EndedAt.is_not_null())
            .order_by_desc(calls::Column::EndedAt)
            .order_by_desc(calls::Column::Id)
            .limit(u64::from(rules.unanswered_attempts))
            .into_tuple()
            .all(db)
            .await?;
        latest.iter().take_while(|s| unanswered(**s)).count() as u32
    } else {
        0
    };
    if let Some(to) = rules.after_call_end(lead.status, call.status, streak) {
        let reason = match to {
            LeadStatus::Cold => format!("{streak} unanswered calls in a row"),
            _ => "Call connected".to_owned(),
        };
        set_status(
            db,
            outbox,
            &lead,
            to,
            TriggerType::Call,
            Some(call.id),
            &reason,
            None,
            now,
        )
        .await?;
    }
    Ok(())
}

/// After a transcript or analysis: the first opt-out phrase in `texts`
/// puts the call's number on the DNC list (once; an entry there already
/// stays as it is) and makes the lead `dnc`. Returns the phrase found.
pub(crate) async fn check_opt_out(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    call: &calls::Model,
    texts: &[&str],
    now: DateTime<Utc>,
) -> AppResult<Option<String>> {
    let rules = rules(db, call.organization_id).await?;
    if !rules.enabled {
        return Ok(None);
    }
    let Some(phrase) = texts.iter().find_map(|t| rules.opt_out_in(t)) else {
        return Ok(None);
    };
    let lead = lead_of(db, call).await?;
    let phone = lead
        .as_ref()
        .map(|l| l.phone_number.clone())
        .or_else(|| call.phone_number.clone());
    if let Some(phone) = phone {
        list_number(
            db,
            call.organization_id,
            &phone,
            "Opt-out detected in a call",
            DncSource::AiDetected,
            Some(&phrase),
            Some(call.id),
            now,
        )
        .await?;
    }
    // The number is listed either way; a recruited lead keeps its status
    // (rules never move a DNC or recruited lead).
    if let Some(lead) =
        lead.filter(|l| !matches!(l.status, LeadStatus::Dnc | LeadStatus::Recruited))
    {
        let reason = format!("Opt-out detected: \"{phrase}\"");
        set_status(
            db,
            outbox,
            &lead,
            LeadStatus::Dnc,
            TriggerType::Ai,
            Some(call.id),
            &reason,
            None,
            now,
        )
        .await?;
    }
    Ok(Some(phrase))
}

/// Puts `phone` on the organization's DNC list on a rule's behalf, once:
/// a number listed already keeps its entry. Returns whether it was added.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn list_number(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    phone: &str,
    reason: &str,
    source: DncSource,
    phrase: Option<&str>,
    call_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let listed = dnc_list::Entity::find()
        .filter(dnc_list::Column::OrganizationId.eq(organization_id))
        .filter(dnc_list::Column::PhoneNumber.eq(phone))
        .one(db)
        .await?
        .is_some();
    if listed {
        return Ok(false);
    }
    dnc_list::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        phone_number: Set(phone.to_owned()),
        reason: Set(Some(reason.to_owned())),
        source: Set(source),
        detected_phrase: Set(phrase.map(str::to_owned)),
        call_id: Set(call_id),
        added_by: Set(None),
        expires_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(true)
}
