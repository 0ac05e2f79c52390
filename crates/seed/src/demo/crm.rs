//! The rest of the demo's lead handling: the do-not-call list, follow-ups,
//! segments, spend per source, sequence enrollments, agent targets and an
//! admin audit entry.

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use sea_orm::ActiveValue::Set;
use serde_json::json;
use switchboard_entity::enums::*;
use switchboard_entity::*;
use uuid::Uuid;

use super::{Demo, LeadPlan};
use crate::insert::insert_all;
use crate::{SeedError, fake};

impl Demo {
    pub(super) async fn write_crm_extras<C: sea_orm::ConnectionTrait>(
        &mut self,
        db: &C,
        leads: &[LeadPlan],
        calls: &[Uuid],
        agents: &[Uuid],
        users: &[Uuid],
        sequences: &[Uuid],
    ) -> Result<(), SeedError> {
        let org = self.org;
        let manager = users[2];
        // DNC: every lead marked dnc, plus numbers that never became leads.
        let mut dnc = Vec::new();
        for (i, lead) in leads
            .iter()
            .filter(|l| l.status == LeadStatus::Dnc)
            .enumerate()
        {
            dnc.push(dnc_list::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(org),
                phone_number: Set(lead.phone.clone()),
                reason: Set(Some("Asked not to be called again".into())),
                source: Set(if i % 2 == 0 {
                    DncSource::AiDetected
                } else {
                    DncSource::CustomerRequest
                }),
                detected_phrase: Set(
                    (i % 2 == 0).then(|| "please take me off your list".to_owned())
                ),
                call_id: Set(None),
                added_by: Set((i % 2 == 1).then_some(manager)),
                expires_at: Set(None),
                created_at: Set(lead.created_at + Duration::days(1)),
                updated_at: Set(lead.created_at + Duration::days(1)),
            });
        }
        for i in 0..6_u64 {
            dnc.push(dnc_list::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(org),
                phone_number: Set(fake::phone(9_000_000 + i)),
                reason: Set(Some(
                    if i < 3 {
                        "Litigator list"
                    } else {
                        "30-day cooling off"
                    }
                    .into(),
                )),
                source: Set(if i < 3 {
                    DncSource::Registry
                } else {
                    DncSource::Manual
                }),
                detected_phrase: Set(None),
                call_id: Set(None),
                added_by: Set(Some(manager)),
                // Half of the cooling-off entries have already expired.
                expires_at: Set((i >= 3).then(|| {
                    if i == 3 {
                        self.ago(5)
                    } else {
                        self.now + Duration::days(20)
                    }
                })),
                created_at: Set(self.ago(40)),
                updated_at: Set(self.ago(40)),
            });
        }
        insert_all(db, dnc).await?;

        let mut follow_ups = Vec::new();
        for (i, lead) in leads
            .iter()
            .filter(|l| {
                matches!(
                    l.status,
                    LeadStatus::Hot | LeadStatus::Qualified | LeadStatus::Nurturing
                )
            })
            .take(25)
            .enumerate()
        {
            let status = match i % 5 {
                0 => FollowUpStatus::Completed,
                1 => FollowUpStatus::Cancelled,
                _ => FollowUpStatus::Pending,
            };
            let day = (self.now + Duration::days(i as i64 - 5)).date_naive();
            follow_ups.push(follow_ups::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(org),
                lead_id: Set(Some(lead.id)),
                call_id: Set(None),
                lead_phone: Set(Some(lead.phone.clone())),
                lead_email: Set(None),
                lead_name: Set(Some(lead.name.clone())),
                user_id: Set(Some(lead.owner)),
                follow_up_date: Set(day),
                remark: Set(Some("Call back about treatment plan options".into())),
                status: Set(status),
                created_by: Set(Some(manager)),
                completed_at: Set((status == FollowUpStatus::Completed).then(|| self.ago(1))),
                completed_by: Set((status == FollowUpStatus::Completed).then_some(lead.owner)),
                created_at: Set(self.ago(7)),
                updated_at: Set(self.ago(1)),
                due_announced_at: Set(None),
            });
        }
        insert_all(db, follow_ups).await?;

        // Filters in the application's stored format (switchboard-app `query::filter::stored`).
        let segments = [
            (
                "Hot leads",
                "Score 70 and above, hot or qualified",
                json!({ "version": 2, "filter": { "status": { "any_of": ["hot", "qualified"] }, "lead_score": { "gte": 70 } } }),
                true,
            ),
            (
                "Meta leads",
                "From Facebook and Instagram ads",
                json!({ "version": 2, "filter": { "source": { "any_of": ["facebook", "instagram"] } } }),
                true,
            ),
            (
                "Insurance questions",
                "Tagged insurance",
                json!({ "version": 2, "filter": { "tags": { "any_of": ["insurance"] } } }),
                false,
            ),
        ];
        insert_all(
            db,
            segments
                .into_iter()
                .map(
                    |(name, description, filter, public)| segments::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        organization_id: Set(org),
                        name: Set(name.into()),
                        description: Set(Some(description.into())),
                        filter: Set(filter),
                        is_public: Set(public),
                        lead_count: Set(0),
                        lead_count_refreshed_at: Set(None),
                        created_by: Set(Some(manager)),
                        created_at: Set(self.ago(30)),
                        updated_at: Set(self.ago(30)),
                    },
                )
                .collect(),
        )
        .await?;

        // Monthly spend per source for the last three months.
        let mut costs = Vec::new();
        let this_month =
            NaiveDate::from_ymd_opt(self.now.year(), self.now.month(), 1).unwrap_or_default();
        for back in 0..3 {
            let month = this_month - chrono::Months::new(back);
            for (source, _) in fake::SOURCES {
                costs.push(lead_source_costs::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    organization_id: Set(org),
                    source: Set((*source).into()),
                    sub_source: Set(String::new()),
                    month: Set(month),
                    cost_cents: Set(self.rng.random_range(50..400) * 1_000),
                    currency: Set("USD".into()),
                    notes: Set(None),
                    created_by: Set(Some(manager)),
                    created_at: Set(self.now),
                    updated_at: Set(self.now),
                });
            }
        }
        insert_all(db, costs).await?;

        let enrollments: Vec<_> = leads.iter().filter(|l| matches!(l.status, LeadStatus::New | LeadStatus::Nurturing)).take(30).enumerate().map(|(i, lead)| {
            let status = match i % 6 { 0 => EnrollmentStatus::Completed, 1 => EnrollmentStatus::Paused, 2 => EnrollmentStatus::Cancelled, _ => EnrollmentStatus::Active };
            lead_sequence_enrollments::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(org),
                lead_id: Set(lead.id),
                sequence_id: Set(sequences[0]),
                status: Set(status),
                current_step: Set(if status == EnrollmentStatus::Completed { 3 } else { (i % 3) as i32 }),
                next_step_at: Set((status == EnrollmentStatus::Active).then(|| self.now + Duration::hours(i as i64 + 1))),
                executed_steps: Set(json!([{ "step": 1, "channel": "sms", "executed_at": lead.created_at, "result": "delivered" }])),
                enrolled_by: Set(None),
                enrolled_at: Set(lead.created_at),
                paused_at: Set((status == EnrollmentStatus::Paused).then(|| self.ago(2))),
                completed_at: Set((status == EnrollmentStatus::Completed).then(|| self.ago(1))),
                cancelled_reason: Set((status == EnrollmentStatus::Cancelled).then(|| "Lead replied STOP".to_owned())),
                created_at: Set(lead.created_at),
                updated_at: Set(self.ago(1)),
            }
        }).collect();
        // The welcome text each enrolment's first step sent (development
        // messaging: recorded, not sent), and one lead's answer.
        let mut messages: Vec<lead_messages::ActiveModel> = Vec::new();
        for enrollment in &enrollments {
            let (Set(id), Set(lead_id), Set(enrolled_at)) =
                (&enrollment.id, &enrollment.lead_id, &enrollment.enrolled_at)
            else {
                continue;
            };
            let Some(lead) = leads.iter().find(|l| l.id == *lead_id) else {
                continue;
            };
            let first = lead.name.split_whitespace().next().unwrap_or("there");
            messages.push(lead_messages::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(org),
                lead_id: Set(Some(lead.id)),
                enrollment_id: Set(Some(*id)),
                channel: Set(MessageChannel::Sms),
                direction: Set(MessageDirection::Outbound),
                counterpart: Set(lead.phone.clone()),
                subject: Set(None),
                body: Set(Some(format!(
                    "Hi {first}, thanks for reaching out to Acme! A specialist will call you tomorrow. Reply STOP to opt out."
                ))),
                template_id: Set(None),
                provider: Set("development".into()),
                provider_message_id: Set(None),
                status: Set(MessageStatus::Sent),
                created_at: Set(*enrolled_at),
            });
            if messages.len() == 2 {
                messages.push(lead_messages::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    organization_id: Set(org),
                    lead_id: Set(Some(lead.id)),
                    enrollment_id: Set(None),
                    channel: Set(MessageChannel::Sms),
                    direction: Set(MessageDirection::Inbound),
                    counterpart: Set(lead.phone.clone()),
                    subject: Set(None),
                    body: Set(Some("Yes, tomorrow afternoon works".into())),
                    template_id: Set(None),
                    provider: Set("twilio".into()),
                    provider_message_id: Set(Some(format!("SM{}", id.simple()))),
                    status: Set(MessageStatus::Received),
                    created_at: Set(*enrolled_at + Duration::minutes(7)),
                });
            }
        }
        insert_all(db, enrollments).await?;
        insert_all(db, messages).await?;

        let week_start = self.now.date_naive()
            - Duration::days(i64::from(self.now.weekday().num_days_from_monday()));
        insert_all(
            db,
            agents
                .iter()
                .map(|agent| agent_targets::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    organization_id: Set(org),
                    agent_id: Set(*agent),
                    period: Set(TargetPeriod::Weekly),
                    period_start: Set(week_start),
                    target_calls: Set(Some(60)),
                    target_success_rate: Set(Some(55.0)),
                    target_leads: Set(Some(15)),
                    target_conversion_rate: Set(Some(20.0)),
                    created_by: Set(Some(manager)),
                    created_at: Set(self.now),
                    updated_at: Set(self.now),
                })
                .collect(),
        )
        .await?;

        insert_all(
            db,
            vec![admin_audit_log::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(Some(org)),
                admin_user_id: Set(Some(users[0])),
                action: Set("membership.role_changed".into()),
                resource_type: Set("organization_membership".into()),
                resource_id: Set(Some(users[2].to_string())),
                target_user_id: Set(Some(users[2])),
                details: Set(json!({ "from": "agent", "to": "manager" })),
                ip_address: Set(Some("198.51.100.23".into())),
                user_agent: Set(Some("Mozilla/5.0".into())),
                created_at: Set(self.ago(45)),
            }],
        )
        .await?;
        let _ = calls;
        Ok(())
    }
}
