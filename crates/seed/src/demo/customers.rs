//! The demo's customers: recruited leads that converted, with their orders,
//! messages and deals.

use chrono::{Datelike, Duration};
use rand::Rng;
use sea_orm::ActiveValue::Set;
use serde_json::json;
use switchboard_entity::enums::*;
use switchboard_entity::*;
use uuid::Uuid;

use super::{Demo, LeadPlan};
use crate::SeedError;
use crate::insert::insert_all;

impl Demo {
    pub(super) async fn write_customers<C: sea_orm::ConnectionTrait>(
        &mut self,
        db: &C,
        leads: &[LeadPlan],
        sales_rep: Uuid,
    ) -> Result<(), SeedError> {
        let year = self.now.year();
        let (mut customers, mut orders, mut messages, mut deals) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (n, lead) in leads
            .iter()
            .filter(|l| l.status == LeadStatus::Recruited)
            .take(20)
            .enumerate()
        {
            let id = Uuid::now_v7();
            let converted = lead.created_at + Duration::days(self.rng.random_range(3..20));
            let (r, f, m) = (
                self.rng.random_range(1..=5),
                self.rng.random_range(1..=5),
                self.rng.random_range(1..=5),
            );
            customers.push(customers::ActiveModel {
                id: Set(id),
                organization_id: Set(self.org),
                lead_id: Set(Some(lead.id)),
                customer_reference_number: Set(format!("CUST-{year}-{:04}", n + 1)),
                name: Set(lead.name.clone()),
                email: Set(None),
                phone: Set(Some(lead.phone.clone())),
                company: Set(None),
                status: Set(match n % 7 {
                    5 => CustomerStatus::OnHold,
                    6 => CustomerStatus::Churned,
                    _ => CustomerStatus::Active,
                }),
                conversion_date: Set(Some(converted)),
                original_lead_source: Set(Some(lead.source.into())),
                sales_rep_user_id: Set(Some(sales_rep)),
                last_interaction_date: Set(Some(
                    self.now - Duration::days(self.rng.random_range(1..30)),
                )),
                notes: Set(None),
                rfm_recency: Set(Some(r)),
                rfm_frequency: Set(Some(f)),
                rfm_monetary: Set(Some(m)),
                lead_score: Set(Some(2 * (r + f + m))),
                last_scored_at: Set(Some(self.ago(1))),
                created_at: Set(converted),
                updated_at: Set(self.ago(1)),
            });
            for k in 0..self.rng.random_range(1..5) {
                let at = converted + Duration::days(k * 9 + 1);
                orders.push(orders::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    organization_id: Set(self.org),
                    customer_id: Set(id),
                    order_number: Set(format!("ORD-{}-{k}", n + 1)),
                    status: Set(if k == 0 {
                        OrderStatus::Fulfilled
                    } else {
                        OrderStatus::Paid
                    }),
                    total_cents: Set(self.rng.random_range(80..900) * 100),
                    currency: Set("USD".into()),
                    event_name: Set((k == 0).then(|| "New patient exam".to_owned())),
                    ordered_at: Set(at),
                    metadata: Set(json!({})),
                    created_at: Set(at),
                    updated_at: Set(at),
                });
            }
            for k in 0..self.rng.random_range(1..4) {
                let at = converted + Duration::days(k * 5);
                messages.push(messages::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    organization_id: Set(self.org),
                    customer_id: Set(id),
                    lead_id: Set(Some(lead.id)),
                    channel: Set(if k % 2 == 0 {
                        MessageChannel::Sms
                    } else {
                        MessageChannel::Email
                    }),
                    direction: Set(if k == 1 {
                        MessageDirection::Inbound
                    } else {
                        MessageDirection::Outbound
                    }),
                    subject: Set((k % 2 == 1).then(|| "Your treatment plan".to_owned())),
                    body: Set("Hi! Just confirming your visit next week.".into()),
                    status: Set(if k == 1 {
                        MessageStatus::Received
                    } else {
                        MessageStatus::Delivered
                    }),
                    sent_at: Set(at),
                    metadata: Set(json!({})),
                    created_at: Set(at),
                    updated_at: Set(at),
                });
            }
            let won = n % 3 != 2;
            deals.push(deals::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(self.org),
                customer_id: Set(id),
                lead_id: Set(Some(lead.id)),
                owner_user_id: Set(Some(sales_rep)),
                title: Set("Invisalign treatment".into()),
                stage: Set(if won {
                    DealStage::ClosedWon
                } else {
                    DealStage::Negotiation
                }),
                amount_cents: Set(self.rng.random_range(30..60) * 10_000),
                currency: Set("USD".into()),
                probability: Set(Some(if won { 100 } else { 60 })),
                expected_close_date: Set(Some((converted + Duration::days(30)).date_naive())),
                closed_at: Set(won.then(|| converted + Duration::days(10))),
                created_at: Set(converted),
                updated_at: Set(converted),
            });
        }
        // Conversions after the demo continue the numbering.
        let counter = customer_reference_counters::ActiveModel {
            organization_id: Set(self.org),
            year: Set(year),
            last_number: Set(i32::try_from(customers.len()).unwrap_or(i32::MAX)),
        };
        insert_all(db, customers).await?;
        insert_all(db, vec![counter]).await?;
        insert_all(db, orders).await?;
        insert_all(db, messages).await?;
        insert_all(db, deals).await?;
        Ok(())
    }
}
