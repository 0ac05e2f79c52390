//! What a call achieved: its outcome, seed 003's insurance, payment and
//! collection details, and for a completed call how the deal closed.

use chrono::{DateTime, Utc};
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use serde_json::json;
use switchboard_domain::calls::crm_stage_for;
use switchboard_domain::field::FieldError;
use switchboard_domain::money::Cents;
use switchboard_domain::score::{CallQuality, Confidence};
use switchboard_entity::calls;
use switchboard_entity::enums::{CallEventKind, CallOutcome, CallStatus, CrmStage, Sentiment};
use uuid::Uuid;

use super::{EventRecord, lock_call, record_event, text};
use crate::actor::Actor;
use crate::app::{App, Write};
use crate::error::{AppError, AppResult};

/// How a completed call closed the deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    Won,
    Lost,
}

/// What a call achieved; `None` leaves a field as it is.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub outcome: CallOutcome,
    /// Only for a completed call: moves its CRM stage to closed-won or lost.
    pub closed: Option<Closed>,
    pub insurance_verified: Option<bool>,
    pub insurance_provider: Option<String>,
    pub payment_plan_discussed: Option<bool>,
    /// At least 0.
    pub payment_plan_amount_cents: Option<i64>,
    pub collection_attempt: Option<bool>,
    /// At least 0.
    pub collection_amount_cents: Option<i64>,
    pub collection_success: Option<bool>,
    pub transferred_to_staff: Option<bool>,
    pub transferred_to: Option<String>,
    pub follow_up_required: Option<bool>,
    pub follow_up_date: Option<DateTime<Utc>>,
    /// 1 to 5.
    pub call_quality: Option<i32>,
    pub customer_sentiment: Option<Sentiment>,
    /// 0 to 1.
    pub ai_confidence: Option<f64>,
    pub summary: Option<String>,
    pub notes: Option<String>,
}

impl Outcome {
    /// An outcome with nothing else recorded.
    pub fn new(outcome: CallOutcome) -> Self {
        Self {
            outcome,
            closed: None,
            insurance_verified: None,
            insurance_provider: None,
            payment_plan_discussed: None,
            payment_plan_amount_cents: None,
            collection_attempt: None,
            collection_amount_cents: None,
            collection_success: None,
            transferred_to_staff: None,
            transferred_to: None,
            follow_up_required: None,
            follow_up_date: None,
            call_quality: None,
            customer_sentiment: None,
            ai_confidence: None,
            summary: None,
            notes: None,
        }
    }
}

/// Parses an optional amount of cents for `field`.
fn cents(field: &str, value: Option<i64>) -> Result<Option<Cents>, FieldError> {
    value
        .map(|v| Cents::parse(v).map_err(|e| e.at(field)))
        .transpose()
}

/// Records a call's outcome and seed 003's details (every range checked, a
/// bad one BAD_USER_INPUT naming its field), with an `outcome_recorded`
/// event. `closed` is only for a completed call and sets its CRM stage.
/// `follow_up_required` schedules (or, false, cancels) the call's follow-up
/// for the lead's owner (see [`crate::leads::follow_ups`]); booked or
/// transferred runs the status rules ([`crate::leads::automation`]).
#[tracing::instrument(skip_all, fields(organization_id = %actor.organization_id, actor = %actor.who, call_id = %id))]
pub async fn record_call_outcome(
    app: &App,
    actor: Actor,
    id: Uuid,
    input: Outcome,
) -> AppResult<calls::Model> {
    let write = app.begin_write().await?;
    let call = record_call_outcome_in(&write, actor, id, input, Utc::now()).await?;
    write.commit().await?;
    Ok(call)
}

/// [`record_call_outcome`] inside `write`.
pub(crate) async fn record_call_outcome_in(
    write: &Write,
    actor: Actor,
    id: Uuid,
    input: Outcome,
    now: DateTime<Utc>,
) -> AppResult<calls::Model> {
    let payment_plan_amount = cents("paymentPlanAmountCents", input.payment_plan_amount_cents)?;
    let collection_amount = cents("collectionAmountCents", input.collection_amount_cents)?;
    let quality = input.call_quality.map(CallQuality::parse).transpose()?;
    let confidence = input.ai_confidence.map(Confidence::parse).transpose()?;
    let call = lock_call(write, actor.organization_id, id).await?;
    let stage = match input.closed {
        Some(closed) if call.status != CallStatus::Completed => {
            return Err(AppError::bad_input(
                "closed",
                format!(
                    "only a completed call can be closed as {}; this one is {}",
                    match closed {
                        Closed::Won => "won",
                        Closed::Lost => "lost",
                    },
                    call.status.as_str()
                ),
            ));
        }
        Some(Closed::Won) => Some(CrmStage::ClosedWon),
        Some(Closed::Lost) => Some(CrmStage::Lost),
        None => None,
    };
    let mut row: calls::ActiveModel = call.clone().into();
    row.outcome = Set(Some(input.outcome));
    if let Some(stage) = stage {
        row.crm_stage = Set(crm_stage_for(call.status, Some(stage)));
    }
    macro_rules! keep_or_set {
        ($field:ident, $value:expr) => {
            if let Some(value) = $value {
                row.$field = Set(value);
            }
        };
    }
    keep_or_set!(insurance_verified, input.insurance_verified);
    keep_or_set!(payment_plan_discussed, input.payment_plan_discussed);
    keep_or_set!(collection_attempt, input.collection_attempt);
    keep_or_set!(collection_success, input.collection_success);
    keep_or_set!(transferred_to_staff, input.transferred_to_staff);
    keep_or_set!(follow_up_required, input.follow_up_required);
    keep_or_set!(insurance_provider, text(input.insurance_provider).map(Some));
    keep_or_set!(transferred_to, text(input.transferred_to).map(Some));
    keep_or_set!(summary, text(input.summary).map(Some));
    keep_or_set!(notes, text(input.notes).map(Some));
    keep_or_set!(
        payment_plan_amount_cents,
        payment_plan_amount.map(|c| Some(c.value()))
    );
    keep_or_set!(
        collection_amount_cents,
        collection_amount.map(|c| Some(c.value()))
    );
    keep_or_set!(follow_up_date, input.follow_up_date.map(Some));
    keep_or_set!(call_quality, quality.map(|q| Some(q.value())));
    keep_or_set!(customer_sentiment, input.customer_sentiment.map(Some));
    keep_or_set!(ai_confidence, confidence.map(|c| Some(c.value())));
    row.updated_at = Set(now);
    let call = row.update(&**write).await?;
    if let Some(required) = input.follow_up_required {
        crate::leads::follow_ups::follow_up_from_call(
            &**write,
            actor,
            &call,
            required,
            input.follow_up_date,
            now,
        )
        .await?;
    }
    crate::leads::automation::after_outcome(&**write, &write.outbox, &call, input.outcome, now)
        .await?;
    let payload = json!({
        "outcome": input.outcome.as_str(),
        "crm_stage": call.crm_stage.as_str(),
    });
    let record = EventRecord::now(CallEventKind::OutcomeRecorded, payload, now);
    record_event(write, &call, actor, record, now).await?;
    Ok(call)
}
