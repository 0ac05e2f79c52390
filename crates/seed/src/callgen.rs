//! Generated calls: a plausible life for one call, shared by both data sets.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::rngs::SmallRng;
use sea_orm::ActiveValue::Set;
use switchboard_domain::calls::{billed_minutes, classify_traffic_source, crm_stage_for};
use switchboard_entity::enums::{
    CallOutcome, CallSource, CallStatus, CallType, CrmStage, TelephonyProvider,
};
use switchboard_entity::{calls, transcripts};
use uuid::Uuid;

use crate::fake;

/// Credits charged per billed minute in generated data (the default
/// `credits_per_minute`).
pub const CREDITS_PER_MINUTE: i64 = 1;
/// What a minute costs the organization at the provider, in cents.
pub const CENTS_PER_MINUTE: i64 = 9;

/// What a generated call is about.
pub struct CallSeed {
    pub organization_id: Uuid,
    pub lead_id: Uuid,
    pub lead_phone: String,
    pub lead_name: String,
    pub lead_source: Option<String>,
    pub lead_created_at: DateTime<Utc>,
    pub agent_id: Uuid,
    pub user_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub from_phone_number_id: Option<Uuid>,
    pub now: DateTime<Utc>,
}

/// A generated call with its transcript, if it connected (held or voicemail).
pub struct GeneratedCall {
    pub call: calls::ActiveModel,
    pub transcript: Option<transcripts::ActiveModel>,
    pub id: Uuid,
    pub status: CallStatus,
    pub created_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub billed_minutes: i32,
}

/// Statuses with their weights: mostly finished calls, some still to come.
const STATUSES: &[(CallStatus, u32)] = &[
    (CallStatus::Completed, 45),
    (CallStatus::NoShow, 5),
    (CallStatus::Missed, 8),
    (CallStatus::Voicemail, 10),
    (CallStatus::Failed, 5),
    (CallStatus::Cancelled, 5),
    (CallStatus::Scheduled, 14),
    (CallStatus::Queued, 3),
    (CallStatus::Ringing, 2),
    (CallStatus::InProgress, 3),
];

fn weighted<T: Copy>(rng: &mut SmallRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (item, weight) in items {
        if roll < *weight {
            return *item;
        }
        roll -= weight;
    }
    items[0].0
}

/// Statuses of calls that connected, for data sets where every call has a transcript.
pub const CONNECTED: &[(CallStatus, u32)] =
    &[(CallStatus::Completed, 80), (CallStatus::Voicemail, 20)];

/// Picks a status from weighted choices.
pub fn pick_status(rng: &mut SmallRng, choices: &[(CallStatus, u32)]) -> CallStatus {
    weighted(rng, choices)
}

/// Generates one call; `status` forces a status (the demo covers every one).
pub fn generate(
    rng: &mut SmallRng,
    seed: &CallSeed,
    status: Option<CallStatus>,
    with_transcript: bool,
) -> GeneratedCall {
    let id = Uuid::now_v7();
    let status = status.unwrap_or_else(|| weighted(rng, STATUSES));
    let ninety_days = 90 * 24 * 3600;
    let since_lead = (seed.now - seed.lead_created_at)
        .num_seconds()
        .clamp(3600, ninety_days);
    let created_at = match status {
        CallStatus::Scheduled => seed.now - Duration::seconds(rng.random_range(60..86_400)),
        CallStatus::Queued | CallStatus::Ringing | CallStatus::InProgress => {
            seed.now - Duration::seconds(rng.random_range(5..600))
        }
        _ => seed.now - Duration::seconds(rng.random_range(600..since_lead.max(601))),
    };
    let scheduled_at = match status {
        CallStatus::Scheduled => created_at + Duration::hours(rng.random_range(2..96)),
        _ => created_at + Duration::seconds(rng.random_range(0..120)),
    };
    let connected = matches!(status, CallStatus::Completed | CallStatus::Voicemail);
    let duration = match status {
        CallStatus::Completed => rng.random_range(45..900),
        CallStatus::Voicemail => rng.random_range(15..60),
        _ => 0,
    };
    let started_at = match status {
        CallStatus::InProgress => Some(seed.now - Duration::seconds(rng.random_range(5..240))),
        s if s.is_terminal() && connected => {
            Some(scheduled_at + Duration::seconds(rng.random_range(2..20)))
        }
        _ => None,
    };
    let ended_at = if status.is_terminal() && status != CallStatus::Cancelled {
        Some(started_at.unwrap_or(scheduled_at) + Duration::seconds(i64::from(duration.max(20))))
    } else {
        None
    };
    let closed = if status == CallStatus::Completed {
        match rng.random_range(0..100) {
            0..25 => Some(CrmStage::ClosedWon),
            25..45 => Some(CrmStage::Lost),
            _ => None,
        }
    } else {
        None
    };
    let crm_stage = crm_stage_for(status, closed);
    let outcome = match status {
        CallStatus::Completed => Some(match crm_stage {
            CrmStage::ClosedWon => CallOutcome::Booked,
            _ => *fake::pick(
                rng,
                &[
                    CallOutcome::Booked,
                    CallOutcome::Transferred,
                    CallOutcome::InsuranceInquiry,
                    CallOutcome::PaymentPlan,
                    CallOutcome::Information,
                    CallOutcome::Other,
                ],
            ),
        }),
        CallStatus::Voicemail => Some(CallOutcome::Voicemail),
        CallStatus::Missed | CallStatus::NoShow => Some(*fake::pick(
            rng,
            &[CallOutcome::NoAnswer, CallOutcome::Busy],
        )),
        CallStatus::Failed => Some(CallOutcome::Failed),
        _ => None,
    };
    let billed = if connected {
        billed_minutes(duration)
    } else {
        0
    };
    let call_type = if rng.random_range(0..100) < 30 {
        CallType::Inbound
    } else {
        *fake::pick(
            rng,
            &[
                CallType::OutboundLead,
                CallType::OutboundFollowup,
                CallType::OutboundCampaign,
                CallType::OutboundDebt,
                CallType::OutboundOther,
            ],
        )
    };
    let traffic_source = classify_traffic_source(None, None, seed.lead_source.as_deref());
    let provider_call_id = format!("call_{}", id.simple());
    let payment_plan = outcome == Some(CallOutcome::PaymentPlan);
    let collection = call_type == CallType::OutboundDebt && status == CallStatus::Completed;
    let collected = collection && rng.random_range(0..100) < 60;
    let transcript = (with_transcript && connected).then(|| {
        let turns = if status == CallStatus::Voicemail {
            1
        } else {
            rng.random_range(4..9)
        };
        let (content, segments) = fake::transcript(rng, turns);
        transcripts::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(seed.organization_id),
            call_id: Set(id),
            content: Set(content),
            speaker_segments: Set(segments),
            language: Set("en".to_owned()),
            created_at: Set(ended_at.unwrap_or(created_at)),
            updated_at: Set(ended_at.unwrap_or(created_at)),
        }
    });
    let call = calls::ActiveModel {
        id: Set(id),
        organization_id: Set(seed.organization_id),
        lead_id: Set(Some(seed.lead_id)),
        agent_id: Set(Some(seed.agent_id)),
        campaign_id: Set(seed.campaign_id),
        from_phone_number_id: Set(seed.from_phone_number_id),
        user_id: Set(seed.user_id),
        provider: Set(Some(TelephonyProvider::Vapi)),
        provider_call_id: Set(Some(provider_call_id)),
        phone_number: Set(Some(seed.lead_phone.clone())),
        caller_name: Set(Some(seed.lead_name.clone())),
        call_type: Set(call_type),
        call_source: Set(if call_type == CallType::Inbound {
            CallSource::Phone
        } else {
            CallSource::Unknown
        }),
        status: Set(status),
        outcome: Set(outcome),
        crm_stage: Set(crm_stage),
        traffic_source: Set(traffic_source),
        lead_source: Set(seed.lead_source.clone()),
        scheduled_at: Set(Some(scheduled_at)),
        started_at: Set(started_at),
        ended_at: Set(ended_at),
        duration_seconds: Set(ended_at.map(|_| duration)),
        billed_minutes: Set(ended_at.map(|_| billed)),
        credits_used: Set(i64::from(billed) * CREDITS_PER_MINUTE),
        cost_cents: Set(i64::from(billed) * CENTS_PER_MINUTE),
        payment_plan_discussed: Set(payment_plan),
        payment_plan_amount_cents: Set(payment_plan.then(|| rng.random_range(20..200) * 2_500)),
        collection_attempt: Set(collection),
        collection_amount_cents: Set(collected.then(|| rng.random_range(5..80) * 1_000)),
        collection_success: Set(collected),
        insurance_verified: Set(
            outcome == Some(CallOutcome::InsuranceInquiry) && rng.random_bool(0.7)
        ),
        transferred_to_staff: Set(outcome == Some(CallOutcome::Transferred)),
        call_quality: Set((status == CallStatus::Completed).then(|| rng.random_range(2..=5))),
        ai_confidence: Set((status == CallStatus::Completed)
            .then(|| f64::from(rng.random_range(60..100_u32)) / 100.0)),
        created_at: Set(created_at),
        updated_at: Set(ended_at.unwrap_or(created_at)),
        ..Default::default()
    };
    GeneratedCall {
        call,
        transcript,
        id,
        status,
        created_at,
        ended_at,
        billed_minutes: billed,
    }
}
