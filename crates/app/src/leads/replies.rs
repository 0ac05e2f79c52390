//! A lead answering a nurture sequence (seed 001: "pause on reply"): a text
//! back to one of the organization's numbers (Twilio's incoming-message
//! webhook), or a call with the lead that connected. Either pauses the
//! lead's active enrolments, so a member takes over, and is recorded in
//! each one's `executed_steps`; a text also lands in `lead_messages` and
//! counts in the lead's engagement score.
//!
//! A text that is an opt-out keyword alone (STOP, UNSUBSCRIBE, …) is the
//! lead withdrawing consent: the number goes on the DNC list with the
//! keyword as the detected phrase, the lead becomes `dnc`, and its
//! enrolments are cancelled.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use switchboard_domain::sequences::sms_opt_out;
use switchboard_domain::webhooks::InboundMessage;
use switchboard_entity::enums::{
    DncSource, EnrollmentStatus, LeadStatus, MessageChannel, MessageDirection, MessageStatus,
    TriggerType,
};
use switchboard_entity::{lead_messages, lead_sequence_enrollments as enrollments};
use uuid::Uuid;

use crate::app::App;
use crate::error::AppResult;
use crate::events::{EnrollmentEvent, Message, Outbox};
use crate::leads::automation::{list_number, set_status};
use crate::leads::scoring::{Trigger, rescore};

/// What an incoming text did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextReceived {
    /// The `lead_messages` row that records it.
    pub message_id: Uuid,
    /// A redelivery of a text received already: nothing changed.
    pub duplicate: bool,
    /// The live lead with the sender's number, if there is one.
    pub lead_id: Option<Uuid>,
    /// The opt-out keyword it was, if it was one.
    pub opted_out: Option<String>,
    /// Enrolments it paused (or, for an opt-out, cancelled).
    pub enrollments: usize,
}

/// Records a text a lead sent to one of the organization's numbers, once
/// per provider message id, and acts on it (see the module).
#[tracing::instrument(skip_all, fields(organization_id = %organization_id, message_sid = %text.sid))]
pub async fn receive_text(
    app: &App,
    organization_id: Uuid,
    text: &InboundMessage,
    now: DateTime<Utc>,
) -> AppResult<TextReceived> {
    let write = app.begin_write().await?;
    if let Some(seen) = lead_messages::Entity::find()
        .filter(lead_messages::Column::OrganizationId.eq(organization_id))
        .filter(lead_messages::Column::Provider.eq("twilio"))
        .filter(lead_messages::Column::ProviderMessageId.eq(text.sid.as_str()))
        .one(&*write)
        .await?
    {
        return Ok(TextReceived {
            message_id: seen.id,
            duplicate: true,
            lead_id: seen.lead_id,
            opted_out: None,
            enrollments: 0,
        });
    }
    let lead =
        crate::leads::lookups::live_lead_with_phone(&*write, organization_id, &text.from).await?;
    let row = lead_messages::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        lead_id: Set(lead.as_ref().map(|l| l.id)),
        enrollment_id: Set(None),
        channel: Set(MessageChannel::Sms),
        direction: Set(MessageDirection::Inbound),
        counterpart: Set(text.from.clone()),
        subject: Set(None),
        body: Set(Some(text.body.clone())),
        template_id: Set(None),
        provider: Set("twilio".into()),
        provider_message_id: Set(Some(text.sid.clone())),
        status: Set(MessageStatus::Received),
        created_at: Set(now),
    }
    .insert(&*write)
    .await?;
    let keyword = sms_opt_out(&text.body);
    let mut received = TextReceived {
        message_id: row.id,
        duplicate: false,
        lead_id: lead.as_ref().map(|l| l.id),
        opted_out: keyword.map(str::to_owned),
        enrollments: 0,
    };
    if let Some(keyword) = keyword {
        // Consent is withdrawn for the number, lead or no lead.
        let number = switchboard_domain::phone::E164::parse_in_region(&text.from, "US")
            .ok()
            .filter(|_| text.from.starts_with('+'));
        if let Some(number) = number {
            list_number(
                &*write,
                organization_id,
                number.as_str(),
                "Replied with an opt-out keyword",
                DncSource::CustomerRequest,
                Some(keyword),
                None,
                now,
            )
            .await?;
        }
        if let Some(lead) = &lead {
            received.enrollments = cancel_all(
                &*write,
                &write.outbox,
                organization_id,
                lead.id,
                keyword,
                now,
            )
            .await?;
            if !matches!(lead.status, LeadStatus::Dnc | LeadStatus::Recruited) {
                set_status(
                    &*write,
                    &write.outbox,
                    lead,
                    LeadStatus::Dnc,
                    TriggerType::Automation,
                    None,
                    &format!("Replied \"{keyword}\" to a text"),
                    None,
                    now,
                )
                .await?;
            }
        }
    } else if let Some(lead) = &lead {
        let entry =
            json!({ "reply": now, "channel": "sms", "message": text.body, "messageId": row.id });
        received.enrollments = pause_on_reply(
            &*write,
            &write.outbox,
            organization_id,
            lead.id,
            &entry,
            now,
        )
        .await?;
        let trigger = Trigger {
            kind: TriggerType::Automation,
            call_id: None,
            changed_by: None,
            reason: "Replied to a text",
        };
        rescore(
            &*write,
            &write.outbox,
            organization_id,
            &[lead.id],
            trigger,
            now,
        )
        .await?;
    }
    write.commit().await?;
    Ok(received)
}

/// Pauses the lead's active enrolments, recording `entry` (the reply) in
/// each; returns how many.
pub(crate) async fn pause_on_reply(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    organization_id: Uuid,
    lead_id: Uuid,
    entry: &serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let active = enrollments::Entity::find()
        .filter(enrollments::Column::OrganizationId.eq(organization_id))
        .filter(enrollments::Column::LeadId.eq(lead_id))
        .filter(enrollments::Column::Status.eq(EnrollmentStatus::Active))
        .all(db)
        .await?;
    let paused = active.len();
    for enrollment in active {
        let saved = crate::leads::sequences::replied(enrollment, entry, now)
            .update(db)
            .await?;
        outbox.push(Message::Enrollment(EnrollmentEvent::of(&saved)));
    }
    Ok(paused)
}

/// Cancels the lead's active and paused enrolments: it opted out.
async fn cancel_all(
    db: &impl ConnectionTrait,
    outbox: &Outbox,
    organization_id: Uuid,
    lead_id: Uuid,
    keyword: &str,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let live = enrollments::Entity::find()
        .filter(enrollments::Column::OrganizationId.eq(organization_id))
        .filter(enrollments::Column::LeadId.eq(lead_id))
        .filter(
            enrollments::Column::Status.is_in([EnrollmentStatus::Active, EnrollmentStatus::Paused]),
        )
        .all(db)
        .await?;
    let cancelled = live.len();
    for enrollment in live {
        let mut row: enrollments::ActiveModel = enrollment.into();
        row.status = Set(EnrollmentStatus::Cancelled);
        row.next_step_at = Set(None);
        row.cancelled_reason = Set(Some(format!("Opted out: replied \"{keyword}\"")));
        row.updated_at = Set(now);
        let saved = row.update(db).await?;
        outbox.push(Message::Enrollment(EnrollmentEvent::of(&saved)));
    }
    Ok(cancelled)
}
