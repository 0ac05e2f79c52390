//! The demo's credit ledger: a purchase, a bonus, then one usage row per
//! billed call, chained so that each row starts from the last one's balance.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use switchboard_entity::enums::*;
use switchboard_entity::*;
use uuid::Uuid;

use super::Demo;
use crate::callgen::{self, GeneratedCall};

impl Demo {
    /// The ledger rows for `calls` and the balance they end on.
    pub(super) fn plan_ledger(
        &self,
        calls: &[GeneratedCall],
        owner_id: Uuid,
    ) -> (Vec<credit_transactions::ActiveModel>, i64) {
        let now = self.now;
        let org = self.org;
        let mut ledger = Vec::new();
        let mut balance = 0_i64;
        let mut sequence = 0_i64;
        let mut push = |ledger: &mut Vec<credit_transactions::ActiveModel>,
                        kind: CreditKind,
                        amount: i64,
                        call: Option<Uuid>,
                        at: DateTime<Utc>,
                        description: &str,
                        payment: Option<String>| {
            sequence += 1;
            ledger.push(credit_transactions::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(org),
                sequence: Set(sequence),
                kind: Set(kind),
                amount: Set(amount),
                balance_before: Set(balance),
                balance_after: Set(balance + amount),
                call_id: Set(call),
                refund_of_id: Set(None),
                description: Set(Some(description.to_owned())),
                external_payment_id: Set(payment),
                created_by: Set(if call.is_none() { Some(owner_id) } else { None }),
                created_at: Set(at),
            });
            balance += amount;
        };
        push(
            &mut ledger,
            CreditKind::Purchase,
            5_000,
            None,
            self.ago(95),
            "Starter pack",
            Some("pi_demo_starter".into()),
        );
        push(
            &mut ledger,
            CreditKind::Bonus,
            500,
            None,
            self.ago(95),
            "Welcome bonus",
            None,
        );
        let mut billed: Vec<_> = calls.iter().filter(|c| c.billed_minutes > 0).collect();
        billed.sort_by_key(|c| c.ended_at);
        for call in billed {
            let credits = i64::from(call.billed_minutes) * callgen::CREDITS_PER_MINUTE;
            push(
                &mut ledger,
                CreditKind::Usage,
                -credits,
                Some(call.id),
                call.ended_at.unwrap_or(now),
                "Call minutes",
                None,
            );
        }
        (ledger, balance)
    }
}
