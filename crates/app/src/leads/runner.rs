//! The sequence runner: runs the due steps of active enrolments, every few
//! seconds in `serve` (`--sequence-poll-secs`), on any number of instances,
//! and announces the follow-ups whose day came ([`announce_due_follow_ups`]).
//!
//! A round asks (on the privileged pool, since it spans organizations)
//! which organizations have due steps, then works each as that tenant, up
//! to `batch` steps, each claimed with `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL and run in a transaction of its own: two runners never run
//! the same step, a runner that dies mid-round leaves its step due for the
//! next, and a step the database refuses fails its enrolment alone.
//!
//! A step is checked at run time: a lead that is DNC, deleted, or whose
//! number is on the DNC list ends the enrolment as cancelled (an opt-out);
//! an SMS or call outside the calling hours at the lead's local time waits
//! for the next opening; a call the credits cannot cover fails the
//! enrolment; a step whose conditions the lead does not meet is skipped.
//! SMS and email go through the application's [`Messaging`] (Twilio, the
//! mailer, or development messaging) and are recorded in `lead_messages`;
//! a provider that cannot take a message now has it tried again in five
//! minutes, one that refuses it fails the enrolment (or cancels it, when
//! the recipient unsubscribed). A call step schedules an outbound call,
//! which the dialer places. Each change of an enrolment is announced to
//! `enrollmentUpdated`; steps run and the lag behind their due time are
//! counted in the metrics. A message is sent before its step commits: a
//! runner that dies in between leaves the step due, and it is sent again
//! (at least once, never lost).

use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;
use switchboard_domain::dial::DialBlock;
use switchboard_domain::sequences::{
    Channel, Recipient, Step, next_window_start, render, stored_steps,
};
use switchboard_entity::enums::{
    CallType, EnrollmentStatus, FollowUpStatus, LeadStatus, MessageChannel, MessageDirection,
};
use switchboard_entity::{
    follow_ups, lead_messages, lead_sequence_enrollments as enrollments, leads, nurture_sequences,
};
use uuid::Uuid;

use crate::actor::Actor;
use crate::app::{App, Write};
use crate::calls::dial::{OutboundCall, dial_gate, schedule_outbound_call_in};
use crate::db::Tenant;
use crate::error::AppResult;
use crate::events::{EnrollmentEvent, Message};
use crate::messaging::{Messaging, OutboundMessage, SendError};

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Steps sent or scheduled.
    pub executed: usize,
    /// Steps whose conditions the lead did not meet.
    pub skipped: usize,
    /// Steps moved to the next opening of the calling hours.
    pub postponed: usize,
    /// Enrolments that ran their last step.
    pub completed: usize,
    /// Enrolments ended by an opt-out or a deleted lead.
    pub cancelled: usize,
    /// Enrolments whose step could not be delivered.
    pub failed: usize,
}

/// Steps the runner took, by outcome (`executed`, `skipped`, …).
pub const STEPS: &str = "switchboard_sequence_steps_total";
/// Seconds between when a step was due and when a runner claimed it.
pub const STEP_LAG: &str = "switchboard_sequence_step_lag_seconds";

impl Round {
    /// Counts this round in the metrics.
    fn record(&self) {
        for (outcome, n) in [
            ("executed", self.executed),
            ("skipped", self.skipped),
            ("postponed", self.postponed),
            ("completed", self.completed),
            ("cancelled", self.cancelled),
            ("failed", self.failed),
        ] {
            if n > 0 {
                metrics::counter!(STEPS, "outcome" => outcome).increment(n as u64);
            }
        }
    }

    fn add(&mut self, other: Round) {
        self.executed += other.executed;
        self.skipped += other.skipped;
        self.postponed += other.postponed;
        self.completed += other.completed;
        self.cancelled += other.cancelled;
        self.failed += other.failed;
    }
}

/// Runs every step due at `now`, up to `batch` enrolments an organization.
pub async fn run_due(app: &App, now: DateTime<Utc>, batch: u64) -> AppResult<Round> {
    let organizations: Vec<Uuid> = enrollments::Entity::find()
        .select_only()
        .column(enrollments::Column::OrganizationId)
        .distinct()
        .filter(enrollments::Column::Status.eq(EnrollmentStatus::Active))
        .filter(enrollments::Column::NextStepAt.lte(now))
        .limit(1_000)
        .into_tuple()
        .all(app.privileged())
        .await?;
    let mut round = Round::default();
    for organization_id in organizations {
        let tenant = app.for_tenant(Tenant::organization(organization_id));
        // One organization's trouble never holds up the others.
        match run_organization(&tenant, organization_id, now, batch).await {
            Ok(done) => round.add(done),
            Err(err) => tracing::warn!(%organization_id, error = %err, "a sequence round failed"),
        }
    }
    round.record();
    Ok(round)
}

/// Announces the follow-ups whose day has come, in every organization
/// (see [`crate::leads::follow_ups::announce_due`]); returns how many.
pub async fn announce_due_follow_ups(app: &App, now: DateTime<Utc>) -> AppResult<usize> {
    // Days run up to 14 hours ahead of UTC: anything due by tomorrow (UTC)
    // may be due somewhere; each organization checks its own calendar.
    let horizon = (now + chrono::Duration::days(1)).date_naive();
    let organizations: Vec<Uuid> = follow_ups::Entity::find()
        .select_only()
        .column(follow_ups::Column::OrganizationId)
        .distinct()
        .filter(follow_ups::Column::Status.eq(FollowUpStatus::Pending))
        .filter(follow_ups::Column::DueAnnouncedAt.is_null())
        .filter(follow_ups::Column::FollowUpDate.lte(horizon))
        .limit(1_000)
        .into_tuple()
        .all(app.privileged())
        .await?;
    let mut announced = 0;
    for organization_id in organizations {
        let tenant = app.for_tenant(Tenant::organization(organization_id));
        announced += crate::leads::follow_ups::announce_due(&tenant, organization_id, now).await?;
    }
    Ok(announced)
}

/// Runs rounds every `every` until the process ends: due sequence steps,
/// then follow-ups whose day came. A failed round is logged and the next
/// one tries again.
pub async fn run_loop(app: App, every: StdDuration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match run_due(&app, Utc::now(), 200).await {
            Ok(round) if round != Round::default() => {
                tracing::info!(?round, "ran nurture sequence steps");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "a sequence round failed"),
        }
        if let Err(err) = announce_due_follow_ups(&app, Utc::now()).await {
            tracing::warn!(error = %err, "announcing due follow-ups failed");
        }
        metrics::gauge!(
            "switchboard_task_last_completed_timestamp_seconds",
            "task" => "sequence_runner"
        )
        .set(Utc::now().timestamp_millis() as f64 / 1000.0);
    }
}

/// One organization's due steps, each in a transaction of its own: a step
/// that fails (the database refusing something) rolls back alone, its
/// enrolment is marked failed, and the others still run.
async fn run_organization(
    app: &App,
    organization_id: Uuid,
    now: DateTime<Utc>,
    batch: u64,
) -> AppResult<Round> {
    let mut round = Round::default();
    let mut broken: Vec<Uuid> = Vec::new();
    for _ in 0..batch {
        match run_next(app, organization_id, now, &broken).await {
            Ok(Some(step)) => round.add(step),
            Ok(None) => break,
            Err((Some(id), err)) => {
                tracing::warn!(enrollment_id = %id, error = %err, "a sequence step failed");
                broken.push(id);
                round.failed += 1;
                if let Err(err) = mark_failed(app, organization_id, id, now).await {
                    tracing::warn!(enrollment_id = %id, error = %err, "marking a failed step failed");
                }
            }
            Err((None, err)) => return Err(err),
        }
    }
    Ok(round)
}

/// Claims and runs the next due step (none left: `None`). An error names
/// the enrolment it happened in, when one was claimed.
async fn run_next(
    app: &App,
    organization_id: Uuid,
    now: DateTime<Utc>,
    skip: &[Uuid],
) -> Result<Option<Round>, (Option<Uuid>, crate::error::AppError)> {
    let write = app.begin_write().await.map_err(|e| (None, e))?;
    let mut due = enrollments::Entity::find()
        .filter(enrollments::Column::OrganizationId.eq(organization_id))
        .filter(enrollments::Column::Status.eq(EnrollmentStatus::Active))
        .filter(enrollments::Column::NextStepAt.lte(now))
        .filter(enrollments::Column::Id.is_not_in(skip.iter().copied()))
        .order_by_asc(enrollments::Column::NextStepAt)
        .order_by_asc(enrollments::Column::Id)
        .limit(1);
    if write.get_database_backend() == DbBackend::Postgres {
        due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let Some(enrollment) = due.one(&*write).await.map_err(|e| (None, e.into()))? else {
        return Ok(None);
    };
    let id = enrollment.id;
    if let Some(due) = enrollment.next_step_at {
        let lag = (now - due).num_milliseconds().max(0) as f64 / 1000.0;
        metrics::histogram!(STEP_LAG).record(lag);
    }
    let step = async {
        let sequence = nurture_sequences::Entity::find_by_id(enrollment.sequence_id)
            .filter(nurture_sequences::Column::OrganizationId.eq(organization_id))
            .one(&*write)
            .await?;
        let lead = leads::Entity::find_by_id(enrollment.lead_id)
            .filter(leads::Column::OrganizationId.eq(organization_id))
            .one(&*write)
            .await?;
        run_step(
            &write,
            app.messaging.as_ref(),
            enrollment,
            sequence.as_ref(),
            lead.as_ref(),
            now,
        )
        .await
    };
    let round = step.await.map_err(|e| (Some(id), e))?;
    write.commit().await.map_err(|e| (Some(id), e))?;
    Ok(Some(round))
}

/// Ends an enrolment whose step failed in the database.
async fn mark_failed(
    app: &App,
    organization_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let write = app.begin_write().await?;
    if let Some(enrollment) = enrollments::Entity::find_by_id(id)
        .filter(enrollments::Column::OrganizationId.eq(organization_id))
        .one(&*write)
        .await?
    {
        end(
            &write,
            enrollment,
            EnrollmentStatus::Failed,
            "The step failed: see the server log",
            None,
            now,
        )
        .await?;
    }
    write.commit().await
}

/// Ends an enrolment with `status` and `reason`.
async fn end(
    write: &Write,
    enrollment: enrollments::Model,
    status: EnrollmentStatus,
    reason: &str,
    executed: Option<serde_json::Value>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut row: enrollments::ActiveModel = enrollment.into();
    row.status = Set(status);
    row.next_step_at = Set(None);
    if status == EnrollmentStatus::Completed {
        row.completed_at = Set(Some(now));
    } else {
        row.cancelled_reason = Set(Some(reason.to_owned()));
    }
    if let Some(executed) = executed {
        row.executed_steps = Set(executed);
    }
    row.updated_at = Set(now);
    let ended = row.update(&**write).await?;
    write.announce(Message::Enrollment(EnrollmentEvent::of(&ended)));
    Ok(())
}

/// Runs one enrolment's due step.
async fn run_step(
    write: &Write,
    messaging: &dyn Messaging,
    enrollment: enrollments::Model,
    sequence: Option<&nurture_sequences::Model>,
    lead: Option<&leads::Model>,
    now: DateTime<Utc>,
) -> AppResult<Round> {
    let db = &**write;
    let cancelled = Round {
        cancelled: 1,
        ..Round::default()
    };
    let Some(sequence) = sequence.filter(|s| s.is_active) else {
        end(
            write,
            enrollment,
            EnrollmentStatus::Cancelled,
            "The sequence was archived",
            None,
            now,
        )
        .await?;
        return Ok(cancelled);
    };
    let Some(lead) = lead.filter(|l| l.deleted_at.is_none()) else {
        end(
            write,
            enrollment,
            EnrollmentStatus::Cancelled,
            "The lead was deleted",
            None,
            now,
        )
        .await?;
        return Ok(cancelled);
    };
    let steps = stored_steps(&sequence.steps);
    let index = usize::try_from(enrollment.current_step).unwrap_or(usize::MAX);
    let Some(step) = steps.get(index) else {
        end(
            write,
            enrollment,
            EnrollmentStatus::Completed,
            "",
            None,
            now,
        )
        .await?;
        return Ok(Round {
            completed: 1,
            ..Round::default()
        });
    };
    if lead.status == LeadStatus::Dnc {
        end(
            write,
            enrollment,
            EnrollmentStatus::Cancelled,
            "Opted out: the lead is DNC",
            None,
            now,
        )
        .await?;
        return Ok(cancelled);
    }
    let mut round = Round::default();
    let result = if step.conditions.allow(lead.status) {
        let gate = dial_gate(
            db,
            lead.organization_id,
            &lead.phone_number,
            Some(lead),
            None,
            now,
        )
        .await?;
        if gate
            .blocks
            .iter()
            .any(|b| matches!(b, DialBlock::OnDncList { .. }))
        {
            end(
                write,
                enrollment,
                EnrollmentStatus::Cancelled,
                "Opted out: the number is on the DNC list",
                None,
                now,
            )
            .await?;
            return Ok(cancelled);
        }
        let hours = gate.blocks.iter().find_map(|b| match b {
            DialBlock::OutsideCallingHours { start, end, .. } => Some((*start, *end)),
            _ => None,
        });
        if let (Some((start, end_time)), Channel::Sms | Channel::Call) = (hours, step.channel) {
            let opening = next_window_start(now, &gate.timezone, start, end_time);
            let mut row: enrollments::ActiveModel = enrollment.into();
            row.next_step_at = Set(Some(opening));
            row.updated_at = Set(now);
            row.update(db).await?;
            return Ok(Round {
                postponed: 1,
                ..Round::default()
            });
        }
        match step.channel {
            Channel::Sms | Channel::Email => {
                match send_message(write, messaging, &enrollment, step, lead, now).await? {
                    Delivery::Sent(result) => {
                        round.executed += 1;
                        result
                    }
                    Delivery::Skipped(result) => {
                        round.skipped += 1;
                        result
                    }
                    Delivery::Retry(reason) => {
                        tracing::warn!(enrollment_id = %enrollment.id, %reason, "a nurture message will be tried again");
                        let mut row: enrollments::ActiveModel = enrollment.into();
                        row.next_step_at = Set(Some(now + RETRY_AFTER));
                        row.updated_at = Set(now);
                        row.update(db).await?;
                        return Ok(Round {
                            postponed: 1,
                            ..Round::default()
                        });
                    }
                    Delivery::Refused {
                        reason,
                        opted_out,
                        entry,
                    } => {
                        let mut executed = enrollment.executed_steps.clone();
                        push(&mut executed, entry);
                        let (status, counted) = if opted_out {
                            (EnrollmentStatus::Cancelled, cancelled)
                        } else {
                            (
                                EnrollmentStatus::Failed,
                                Round {
                                    failed: 1,
                                    ..Round::default()
                                },
                            )
                        };
                        end(write, enrollment, status, &reason, Some(executed), now).await?;
                        return Ok(counted);
                    }
                }
            }
            Channel::Call => {
                let call = OutboundCall {
                    lead_id: lead.id,
                    agent_id: None,
                    campaign_id: None,
                    scheduled_at: now,
                    purpose: Some(format!(
                        "Nurture sequence {}, step {}",
                        sequence.name, step.step
                    )),
                    call_type: CallType::OutboundFollowup,
                };
                match schedule_outbound_call_in(
                    write,
                    Actor::system(lead.organization_id),
                    call,
                    now,
                )
                .await
                {
                    Ok(scheduled) => {
                        round.executed += 1;
                        json!({ "callId": scheduled.id })
                    }
                    Err(crate::error::AppError::DialBlocked { reasons }) => {
                        let codes: Vec<&str> = reasons.iter().map(DialBlock::code).collect();
                        let mut executed = enrollment.executed_steps.clone();
                        push(
                            &mut executed,
                            json!({
                                "step": step.step,
                                "channel": step.channel.as_str(),
                                "at": now,
                                "failed": codes,
                            }),
                        );
                        end(
                            write,
                            enrollment,
                            EnrollmentStatus::Failed,
                            &format!("The call could not be placed: {}", codes.join(", ")),
                            Some(executed),
                            now,
                        )
                        .await?;
                        return Ok(Round {
                            failed: 1,
                            ..Round::default()
                        });
                    }
                    Err(other) => return Err(other),
                }
            }
        }
    } else {
        round.skipped += 1;
        json!({ "skipped": format!("the lead is {}", lead.status.as_str()) })
    };
    let mut executed = enrollment.executed_steps.clone();
    let mut entry = json!({
        "step": step.step,
        "channel": step.channel.as_str(),
        "at": now,
        "templateId": step.template_id,
    });
    if let (Some(entry), Some(result)) = (entry.as_object_mut(), result.as_object()) {
        entry.extend(result.clone());
    }
    push(&mut executed, entry);
    let next = steps.get(index + 1);
    let mut row: enrollments::ActiveModel = enrollment.into();
    row.executed_steps = Set(executed);
    row.current_step = Set(i32::try_from(index + 1).unwrap_or(i32::MAX));
    match next {
        Some(next) => row.next_step_at = Set(Some(now + next.delay())),
        None => {
            row.status = Set(EnrollmentStatus::Completed);
            row.completed_at = Set(Some(now));
            row.next_step_at = Set(None);
            round.completed += 1;
        }
    }
    row.updated_at = Set(now);
    let advanced = row.update(db).await?;
    write.announce(Message::Enrollment(EnrollmentEvent::of(&advanced)));
    Ok(round)
}

/// How long a message a provider could not take now waits to be tried again.
const RETRY_AFTER: chrono::Duration = chrono::Duration::minutes(5);

/// What became of a message step.
enum Delivery {
    /// Sent: the result to record.
    Sent(serde_json::Value),
    /// Nothing to send it to: the result to record.
    Skipped(serde_json::Value),
    /// The provider could not take it now.
    Retry(String),
    /// The provider refused it for good (`opted_out`: the recipient
    /// unsubscribed); `entry` is the step's record.
    Refused {
        reason: String,
        opted_out: bool,
        entry: serde_json::Value,
    },
}

/// Sends a step's SMS or email through the application's messaging and
/// records it in `lead_messages`.
async fn send_message(
    write: &Write,
    messaging: &dyn Messaging,
    enrollment: &enrollments::Model,
    step: &Step,
    lead: &leads::Model,
    now: DateTime<Utc>,
) -> AppResult<Delivery> {
    let to = match step.channel {
        Channel::Email => match &lead.email {
            Some(email) => email.clone(),
            None => {
                return Ok(Delivery::Skipped(
                    json!({ "skipped": "the lead has no email address" }),
                ));
            }
        },
        _ => lead.phone_number.clone(),
    };
    let recipient = Recipient {
        first_name: lead.first_name.as_deref(),
        last_name: lead.last_name.as_deref(),
        email: lead.email.as_deref(),
        phone_number: &lead.phone_number,
    };
    let message = OutboundMessage {
        channel: step.channel,
        to,
        subject: step.subject.as_deref().map(|t| render(t, &recipient)),
        body: step.message.as_deref().map(|t| render(t, &recipient)),
        template_id: step.template_id.clone(),
    };
    let sent = match messaging.send(message.clone()).await {
        Ok(sent) => sent,
        Err(SendError::Unavailable(reason)) => return Ok(Delivery::Retry(reason)),
        Err(SendError::Refused {
            code,
            reason,
            opted_out,
        }) => {
            let entry = json!({
                "step": step.step,
                "channel": step.channel.as_str(),
                "at": now,
                "failed": reason,
                "code": code,
            });
            let reason = if opted_out {
                format!("Opted out: {reason}")
            } else {
                format!("The message could not be sent: {reason}")
            };
            return Ok(Delivery::Refused {
                reason,
                opted_out,
                entry,
            });
        }
    };
    let row = lead_messages::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(lead.organization_id),
        lead_id: Set(Some(lead.id)),
        enrollment_id: Set(Some(enrollment.id)),
        channel: Set(match step.channel {
            Channel::Email => MessageChannel::Email,
            _ => MessageChannel::Sms,
        }),
        direction: Set(MessageDirection::Outbound),
        counterpart: Set(message.to),
        subject: Set(message.subject),
        body: Set(message.body),
        template_id: Set(message.template_id),
        provider: Set(sent.provider.to_owned()),
        provider_message_id: Set(sent.provider_message_id.clone()),
        status: Set(sent.status),
        created_at: Set(now),
    }
    .insert(&**write)
    .await?;
    Ok(Delivery::Sent(json!({
        "sent": sent.provider,
        "messageId": row.id,
        "providerMessageId": sent.provider_message_id,
    })))
}

fn push(executed: &mut serde_json::Value, entry: serde_json::Value) {
    match executed.as_array_mut() {
        Some(list) => list.push(entry),
        None => *executed = json!([entry]),
    }
}
