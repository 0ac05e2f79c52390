//! The demo's calls: some for every lead but the newest, generated in lead
//! order, with their transcripts, events and the analysis of each completed
//! call.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::ActiveValue::Set;
use serde_json::json;
use switchboard_entity::enums::*;
use switchboard_entity::*;
use uuid::Uuid;

use super::{Demo, LeadPlan};
use crate::SeedError;
use crate::callgen::{self, CallSeed, GeneratedCall};
use crate::insert::insert_all;

impl Demo {
    /// The calls for `leads`, forcing the first ones through every status so
    /// that each appears, and each lead's `last_contact_at` from them.
    pub(super) fn plan_calls(
        &mut self,
        leads: &mut [LeadPlan],
        agent_ids: &[Uuid],
        number_ids: &[Uuid],
        campaign_ids: &[Uuid],
    ) -> Vec<GeneratedCall> {
        let now = self.now;
        let org = self.org;
        let mut calls = Vec::new();
        let mut forced = CallStatus::ALL.iter().copied();
        for (i, lead) in leads.iter().enumerate() {
            let count = if lead.status == LeadStatus::New {
                self.rng.random_range(0..2)
            } else {
                self.rng.random_range(1..5)
            };
            for _ in 0..count {
                let seed = CallSeed {
                    organization_id: org,
                    lead_id: lead.id,
                    lead_phone: lead.phone.clone(),
                    lead_name: lead.name.clone(),
                    lead_source: Some(lead.source.to_owned()),
                    lead_created_at: lead.created_at,
                    agent_id: agent_ids[i % agent_ids.len()],
                    user_id: Some(lead.owner),
                    campaign_id: (i % 3 == 0).then_some(campaign_ids[0]),
                    from_phone_number_id: Some(number_ids[i % 2]),
                    now,
                };
                let status = forced.next();
                calls.push(callgen::generate(&mut self.rng, &seed, status, true));
            }
        }
        let mut last_contact: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
        for call in &calls {
            if let (Some(ended), Set(Some(lead))) = (call.ended_at, &call.call.lead_id) {
                let latest = last_contact.entry(*lead).or_insert(ended);
                *latest = (*latest).max(ended);
            }
        }
        for lead in leads.iter_mut() {
            lead.model.last_contact_at = Set(last_contact.get(&lead.id).copied());
        }
        calls
    }

    /// Where each lead of the running campaign stands, from its calls in it
    /// (as the campaign runner would have left it: three attempts, four
    /// hours apart).
    pub(super) fn plan_campaign_leads(
        &self,
        calls: &[GeneratedCall],
        campaign_id: Uuid,
    ) -> Vec<campaign_leads::ActiveModel> {
        use switchboard_domain::campaign::{RetryPolicy, after_call};
        let policy = RetryPolicy {
            max_attempts: 3,
            retry_after_minutes: 240,
        };
        let mut by_lead: Vec<(Uuid, Vec<&GeneratedCall>)> = Vec::new();
        for call in calls {
            let (Set(Some(campaign)), Set(Some(lead))) =
                (&call.call.campaign_id, &call.call.lead_id)
            else {
                continue;
            };
            if *campaign != campaign_id {
                continue;
            }
            match by_lead.iter_mut().find(|(l, _)| l == lead) {
                Some((_, list)) => list.push(call),
                None => by_lead.push((*lead, vec![call])),
            }
        }
        by_lead
            .into_iter()
            .map(|(lead_id, mut list)| {
                list.sort_by_key(|c| c.created_at);
                let first = list[0].created_at;
                let (mut state, mut attempts, mut next) = (CampaignLeadState::Waiting, 0, first);
                for call in &list {
                    match after_call(
                        call.status,
                        attempts,
                        policy,
                        call.ended_at.unwrap_or(self.now),
                    ) {
                        Some(after) => {
                            state = after.state;
                            attempts = after.attempts;
                            next = after.next_attempt_at.unwrap_or(next);
                        }
                        None => state = CampaignLeadState::Calling,
                    }
                }
                let last = list[list.len() - 1];
                campaign_leads::ActiveModel {
                    campaign_id: Set(campaign_id),
                    lead_id: Set(lead_id),
                    organization_id: Set(self.org),
                    state: Set(state),
                    attempts: Set(attempts),
                    next_attempt_at: Set(next),
                    call_id: Set(Some(last.id)),
                    block_reason: Set((state == CampaignLeadState::Blocked)
                        .then(|| switchboard_domain::campaign::reason::CALL_CANCELLED.to_owned())),
                    created_at: Set(first),
                    updated_at: Set(last.ended_at.unwrap_or(last.created_at)),
                }
            })
            .collect()
    }

    /// The calls with their transcripts, events and analyses.
    pub(super) async fn write_calls<C: sea_orm::ConnectionTrait>(
        &mut self,
        db: &C,
        calls: Vec<GeneratedCall>,
    ) -> Result<(), SeedError> {
        let org = self.org;
        let mut call_rows = Vec::new();
        let mut transcript_rows = Vec::new();
        let mut events = Vec::new();
        let mut analyses = Vec::new();
        for call in calls {
            events.push(call_events::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(org),
                call_id: Set(call.id),
                kind: Set(CallEventKind::Created),
                from_status: Set(None),
                to_status: Set(Some(CallStatus::Scheduled)),
                source: Set(CallEventSource::Api),
                provider_event_id: Set(None),
                payload: Set(json!({})),
                actor_user_id: Set(None),
                occurred_at: Set(call.created_at),
                created_at: Set(call.created_at),
                seq: Set(Some(events.len() as i64 + 1)),
            });
            if call.status != CallStatus::Scheduled {
                let at = call.ended_at.unwrap_or(call.created_at);
                events.push(call_events::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    organization_id: Set(org),
                    call_id: Set(call.id),
                    kind: Set(CallEventKind::StatusChanged),
                    from_status: Set(Some(CallStatus::Scheduled)),
                    to_status: Set(Some(call.status)),
                    source: Set(CallEventSource::Vapi),
                    provider_event_id: Set(Some(format!("evt_{}", Uuid::now_v7().simple()))),
                    payload: Set(json!({ "message": { "type": "status-update", "status": call.status.as_str() } })),
                    actor_user_id: Set(None),
                    occurred_at: Set(at),
                    created_at: Set(at),
                    seq: Set(Some(events.len() as i64 + 1)),
                });
            }
            if call.status == CallStatus::Completed {
                analyses.push(self.analysis(&call));
            }
            transcript_rows.extend(call.transcript);
            call_rows.push(call.call);
        }
        // The organization's event stream, numbered as the events were made
        // (what a commit would have assigned them one by one).
        let sequence = event_sequences::ActiveModel {
            organization_id: Set(org),
            last_seq: Set(events.len() as i64),
        };
        insert_all(db, call_rows).await?;
        insert_all(db, transcript_rows).await?;
        insert_all(db, events).await?;
        insert_all(db, vec![sequence]).await?;
        insert_all(db, analyses).await?;
        Ok(())
    }

    fn analysis(&mut self, call: &callgen::GeneratedCall) -> lead_analytics::ActiveModel {
        let rng = &mut self.rng;
        let mut score = || rng.random_range(10..=100);
        let (intent, urgency, budget, fit, engagement) =
            (score(), score(), score(), score(), score());
        let total = (intent + urgency + budget + fit + engagement) / 5;
        let level = |s: i32| {
            if s >= 70 {
                Level::High
            } else if s >= 40 {
                Level::Medium
            } else {
                Level::Low
            }
        };
        let temperature = if total >= 70 {
            LeadTemperature::Hot
        } else if total >= 50 {
            LeadTemperature::Warm
        } else {
            LeadTemperature::Cold
        };
        let demo_clicked = total > 60 && self.rng.random_bool(0.5);
        lead_analytics::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(self.org),
            call_id: Set(call.id),
            lead_id: Set(match &call.call.lead_id {
                sea_orm::ActiveValue::Set(v) => *v,
                _ => None,
            }),
            intent_level: Set(Some(level(intent))),
            intent_score: Set(Some(intent)),
            urgency_level: Set(Some(level(urgency))),
            urgency_score: Set(Some(urgency)),
            budget_constraint: Set(Some(level(budget))),
            budget_score: Set(Some(budget)),
            fit_alignment: Set(Some(level(fit))),
            fit_score: Set(Some(fit)),
            engagement_health: Set(Some(level(engagement))),
            engagement_score: Set(Some(engagement)),
            total_score: Set(Some(total)),
            lead_status_tag: Set(Some(temperature.as_str().to_owned())),
            reasoning: Set(
                json!({ "intent": "Asked about available times", "budget": "Mentioned insurance coverage" }),
            ),
            cta_interactions: Set(json!({ "demo": demo_clicked })),
            company_name: Set(None),
            extracted_name: Set(match &call.call.caller_name {
                sea_orm::ActiveValue::Set(v) => v.clone(),
                _ => None,
            }),
            extracted_email: Set(None),
            cta_pricing_clicked: Set(self.rng.random_bool(0.3)),
            cta_demo_clicked: Set(demo_clicked),
            cta_followup_clicked: Set(self.rng.random_bool(0.2)),
            cta_sample_clicked: Set(false),
            cta_escalated_to_human: Set(self.rng.random_bool(0.1)),
            demo_scheduled_at: Set(demo_clicked.then(|| call.created_at + Duration::days(3))),
            is_read: Set(self.rng.random_bool(0.6)),
            is_qualified: Set(total >= 60),
            lead_temperature: Set(Some(temperature)),
            sentiment_score: Set(Some(f64::from(self.rng.random_range(-50..=90)) / 100.0)),
            key_topics: Set(json!(["scheduling", "insurance"])),
            objections_raised: Set(if total < 50 {
                json!(["price"])
            } else {
                json!([])
            }),
            next_steps: Set(Some("Send appointment confirmation by SMS".into())),
            call_quality_score: Set(Some(f64::from(self.rng.random_range(50..=100)) / 10.0)),
            customer_satisfaction: Set(Some(f64::from(self.rng.random_range(40..=100)) / 10.0)),
            created_at: Set(call.ended_at.unwrap_or(call.created_at)),
            updated_at: Set(call.ended_at.unwrap_or(call.created_at)),
        }
    }
}
