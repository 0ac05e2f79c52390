//! The demo's leads: a few hundred across every status, the nurture
//! sequences they run through, and the history behind each one (audit entry,
//! status path, first score and assignment).

use chrono::Duration;
use rand::Rng;
use sea_orm::ActiveValue::Set;
use serde_json::json;
use switchboard_entity::enums::*;
use switchboard_entity::*;
use uuid::Uuid;

use super::{Demo, LEADS, LeadPlan};
use crate::insert::insert_all;
use crate::{SeedError, fake};

impl Demo {
    pub(super) fn plan_leads(&mut self, owner: Uuid, agent_users: &[Uuid; 2]) -> Vec<LeadPlan> {
        let statuses = [
            (LeadStatus::New, 20),
            (LeadStatus::Contacted, 20),
            (LeadStatus::Qualified, 15),
            (LeadStatus::Nurturing, 12),
            (LeadStatus::Hot, 10),
            (LeadStatus::Cold, 10),
            (LeadStatus::Recruited, 8),
            (LeadStatus::Dnc, 5),
        ];
        let total: u32 = statuses.iter().map(|(_, w)| w).sum();
        (0..LEADS)
            .map(|i| {
                let mut roll = self.rng.random_range(0..total);
                let status = statuses
                    .iter()
                    .find(|(_, w)| if roll < *w { true } else { roll -= w; false })
                    .map_or(LeadStatus::New, |(s, _)| *s);
                let (source, subs) = *fake::pick(&mut self.rng, fake::SOURCES);
                let first = *fake::pick(&mut self.rng, fake::FIRST_NAMES);
                let last = *fake::pick(&mut self.rng, fake::LAST_NAMES);
                let phone = fake::phone(i as u64 * 7 + 3);
                let created_at = self.now - Duration::minutes(self.rng.random_range(60..100 * 24 * 60));
                let score = match status {
                    LeadStatus::Hot | LeadStatus::Recruited => self.rng.random_range(70..=100),
                    LeadStatus::Qualified => self.rng.random_range(50..90),
                    LeadStatus::Cold | LeadStatus::Dnc => self.rng.random_range(0..30),
                    _ => self.rng.random_range(10..70),
                };
                let id = Uuid::now_v7();
                let owner_user = if i % 10 == 0 { owner } else { agent_users[i % 2] };
                let email = (i % 6 != 0).then(|| format!("{}.{}@example.com", first.to_lowercase(), last.to_lowercase()));
                let model = leads::ActiveModel {
                    id: Set(id),
                    organization_id: Set(self.org),
                    owner_user_id: Set(Some(owner_user)),
                    first_name: Set(Some(first.into())),
                    last_name: Set(Some(last.into())),
                    phone_number: Set(phone.clone()),
                    email: Set(email),
                    company: Set((i % 4 == 0).then(|| (*fake::pick(&mut self.rng, fake::COMPANIES)).to_owned())),
                    status: Set(status),
                    lead_score: Set(score),
                    tags: Set(fake::tags(&mut self.rng, 3)),
                    source: Set(Some(source.into())),
                    sub_source: Set(Some((*fake::pick(&mut self.rng, subs)).into())),
                    source_metadata: Set(json!({ "utm_source": source, "utm_medium": if source == "google" { "cpc" } else { "social" } })),
                    notes: Set((i % 9 == 0).then(|| "Prefers text messages before calls.".to_owned())),
                    timezone: Set(Some((*fake::pick(&mut self.rng, fake::TIMEZONES)).to_owned())),
                    last_contact_at: Set(None),
                    is_auto_created: Set(false),
                    auto_created_from_call_id: Set(None),
                    deleted_at: Set((i % 60 == 59).then(|| self.now - Duration::days(2))),
                    created_at: Set(created_at),
                    updated_at: Set(created_at),
                };
                LeadPlan { model, id, status, score, phone, name: format!("{first} {last}"), source, created_at, owner: owner_user }
            })
            .collect()
    }

    /// The status path that led to a lead's status, from `new`.
    fn path(status: LeadStatus) -> &'static [LeadStatus] {
        use LeadStatus::*;
        match status {
            New => &[],
            Contacted => &[Contacted],
            Qualified => &[Contacted, Qualified],
            Nurturing => &[Contacted, Nurturing],
            Hot => &[Contacted, Qualified, Hot],
            Cold => &[Contacted, Cold],
            Recruited => &[Contacted, Qualified, Hot, Recruited],
            Dnc => &[Contacted, Dnc],
        }
    }

    pub(super) async fn write_sequences<C: sea_orm::ConnectionTrait>(
        &mut self,
        db: &C,
        manager: Uuid,
    ) -> Result<Vec<Uuid>, SeedError> {
        let ids = vec![Uuid::now_v7(), Uuid::now_v7()];
        insert_all(db, vec![
            nurture_sequences::ActiveModel {
                id: Set(ids[0]),
                organization_id: Set(self.org),
                name: Set("New lead — 7 day warm-up".into()),
                description: Set(Some("SMS, then an AI call, then email".into())),
                steps: Set(json!([
                    { "step": 1, "delay_minutes": 0, "channel": "sms", "template_id": null, "conditions": {},
                      "message": "Hi {{firstName}}, thanks for reaching out to Acme! A specialist will call you tomorrow. Reply STOP to opt out." },
                    { "step": 2, "delay_minutes": 1440, "channel": "call", "template_id": "qualify_call",
                      "conditions": { "statusNotIn": ["qualified", "hot", "recruited"] } },
                    { "step": 3, "delay_minutes": 10080, "channel": "email", "template_id": null, "conditions": {},
                      "subject": "How teams like yours use Acme", "message": "Hi {{firstName}},\n\nHere are three case studies from teams like yours.\n\nThe Acme team" }
                ])),
                trigger_conditions: Set(json!({ "status": ["new"] })),
                is_active: Set(true),
                created_by: Set(Some(manager)),
                created_at: Set(self.ago(100)),
                updated_at: Set(self.ago(100)),
            },
            nurture_sequences::ActiveModel {
                id: Set(ids[1]),
                organization_id: Set(self.org),
                name: Set("Cold lead re-engagement".into()),
                description: Set(None),
                steps: Set(json!([
                    { "step": 1, "delay_minutes": 0, "channel": "email", "template_id": null, "conditions": {},
                      "subject": "Still interested?", "message": "Hi {{firstName}}, are you still looking? Reply and we will pick up where we left off." },
                    { "step": 2, "delay_minutes": 20160, "channel": "call", "template_id": "reengage_call", "conditions": {} }
                ])),
                trigger_conditions: Set(json!({ "status": ["cold"] })),
                is_active: Set(false),
                created_by: Set(Some(manager)),
                created_at: Set(self.ago(60)),
                updated_at: Set(self.ago(60)),
            },
        ]).await?;
        Ok(ids)
    }

    pub(super) async fn write_lead_history<C: sea_orm::ConnectionTrait>(
        &mut self,
        db: &C,
        leads: &[LeadPlan],
        sequences: &[Uuid],
        manager: Uuid,
    ) -> Result<(), SeedError> {
        let (mut audit, mut history, mut scores, mut assignments) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for lead in leads {
            audit.push(lead_audit_log::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(self.org),
                lead_id: Set(lead.id),
                user_id: Set(Some(manager)),
                action: Set(LeadAuditAction::Create),
                field_name: Set(None),
                old_value: Set(None),
                new_value: Set(Some(json!({ "phone_number": lead.phone, "status": "new" }))),
                change_reason: Set(Some("Imported from lead form".into())),
                ip_address: Set(Some("203.0.113.7".into())),
                user_agent: Set(Some("Switchboard demo seed".into())),
                created_at: Set(lead.created_at),
            });
            let mut from = LeadStatus::New;
            let mut at = lead.created_at;
            for (step, to) in Self::path(lead.status).iter().enumerate() {
                at += Duration::hours(self.rng.random_range(2..72));
                let trigger = match to {
                    LeadStatus::Contacted => TriggerType::Call,
                    LeadStatus::Dnc | LeadStatus::Hot => TriggerType::Ai,
                    LeadStatus::Nurturing => TriggerType::Automation,
                    _ => TriggerType::Manual,
                };
                history.push(lead_status_history::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    organization_id: Set(self.org),
                    lead_id: Set(lead.id),
                    from_status: Set(Some(from)),
                    to_status: Set(*to),
                    trigger_type: Set(trigger),
                    call_id: Set(None),
                    sequence_id: Set((trigger == TriggerType::Automation).then_some(sequences[0])),
                    changed_by: Set((trigger == TriggerType::Manual).then_some(manager)),
                    reason: Set((step == 0).then(|| "First call connected".to_owned())),
                    created_at: Set(at.min(self.now)),
                });
                from = *to;
            }
            scores.push(lead_score_history::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(self.org),
                lead_id: Set(lead.id),
                old_score: Set(None),
                new_score: Set(lead.score),
                trigger_type: Set(TriggerType::Ai),
                call_id: Set(None),
                changed_by: Set(None),
                reason: Set(Some("Initial AI score".into())),
                created_at: Set(lead.created_at),
                breakdown: Set(None),
            });
            assignments.push(lead_assignments::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(self.org),
                lead_id: Set(lead.id),
                from_user_id: Set(None),
                to_user_id: Set(Some(lead.owner)),
                strategy: Set(AssignmentStrategy::RoundRobin),
                assigned_by: Set(None),
                reason: Set(None),
                metadata: Set(json!({ "pool": "new-leads" })),
                created_at: Set(lead.created_at),
            });
        }
        insert_all(db, audit).await?;
        insert_all(db, history).await?;
        insert_all(db, scores).await?;
        insert_all(db, assignments).await?;
        Ok(())
    }
}
