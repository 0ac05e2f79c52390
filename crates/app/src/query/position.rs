//! Rows decoded by position rather than by name, for the hottest reader:
//! the page of calls per lead of every nested lead → calls query.
//!
//! sea-orm's derived decoder looks each column up by name — a string
//! hashed and compared per column per row — and a call has 51 columns, most
//! of them NULL: on the nested query of the `nested_query` benchmark that
//! lookup was a third of the time spent decoding call rows, and decoding
//! them a fifth of the server's CPU time. A reader that builds its own
//! `SELECT` knows where each column is: the entity's columns in declaration
//! order (what `Entity::find()` and [`super::batch`]'s readers list), any
//! extra expression after them.

use sea_orm::{DbErr, QueryResult};
use switchboard_entity::{calls, lead_sequence_enrollments};

/// A model decoded from a row whose first columns are the entity's, in
/// declaration order.
pub trait ByPosition: Sized {
    /// The columns, in the order the model decodes them.
    const COLUMNS: &'static [&'static str];

    fn from_position(row: &QueryResult) -> Result<Self, DbErr>;
}

/// Implements [`ByPosition`] for a model from its fields, listed in
/// declaration order (a test holds the list to the entity's columns).
macro_rules! by_position {
    ($model:path { $($field:ident),+ $(,)? }) => {
        impl ByPosition for $model {
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),+];

            fn from_position(row: &QueryResult) -> Result<Self, DbErr> {
                let mut at = 0;
                let mut next = || {
                    at += 1;
                    at - 1
                };
                // Field initializers run in the order written.
                Ok(Self {
                    $($field: row.try_get_by_index(next())?),+
                })
            }
        }
    };
}

by_position!(calls::Model {
    id,
    organization_id,
    lead_id,
    agent_id,
    campaign_id,
    from_phone_number_id,
    user_id,
    provider,
    provider_call_id,
    phone_number,
    caller_name,
    caller_email,
    call_type,
    call_source,
    status,
    outcome,
    crm_stage,
    traffic_source,
    source_of_set_appointment,
    lead_source,
    scheduled_at,
    started_at,
    ended_at,
    duration_seconds,
    billed_minutes,
    credits_used,
    cost_cents,
    recording_url,
    summary,
    purpose,
    notes,
    ended_reason,
    insurance_verified,
    insurance_provider,
    payment_plan_discussed,
    payment_plan_amount_cents,
    collection_attempt,
    collection_amount_cents,
    collection_success,
    transferred_to_staff,
    transferred_to,
    follow_up_required,
    follow_up_date,
    call_quality,
    customer_sentiment,
    ai_confidence,
    metadata,
    created_at,
    updated_at,
});

by_position!(lead_sequence_enrollments::Model {
    id,
    organization_id,
    lead_id,
    sequence_id,
    status,
    current_step,
    next_step_at,
    executed_steps,
    enrolled_by,
    enrolled_at,
    paused_at,
    completed_at,
    cancelled_reason,
    created_at,
    updated_at,
});

#[cfg(test)]
mod tests {
    use super::ByPosition;
    use sea_orm::{IdenStatic, Iterable};
    use switchboard_entity::{calls, lead_sequence_enrollments};

    #[test]
    fn an_enrollment_decodes_its_columns_in_the_order_a_select_lists_them() {
        let selected: Vec<&str> = lead_sequence_enrollments::Column::iter()
            .map(|c| c.as_str())
            .collect();
        assert_eq!(
            lead_sequence_enrollments::Model::COLUMNS,
            selected.as_slice()
        );
    }

    #[test]
    fn a_call_decodes_its_columns_in_the_order_a_select_lists_them() {
        let selected: Vec<&str> = calls::Column::iter().map(|c| c.as_str()).collect();
        assert_eq!(calls::Model::COLUMNS, selected.as_slice());
    }
}
