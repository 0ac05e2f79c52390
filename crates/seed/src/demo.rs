//! The demo organization: a dental group running AI voice agents, with a few
//! hundred leads and their calls over the last 90 days, and a row in every
//! table a person exploring the API would look at.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait,
};
use serde_json::json;
use switchboard_entity::enums::*;
use switchboard_entity::*;
use uuid::Uuid;

use crate::callgen::{self, CallSeed};
use crate::insert::insert_all;
use crate::{SeedError, fake};

/// The demo organization's slug.
pub const DEMO_SLUG: &str = "demo";
const LEADS: usize = 300;

/// The demo organization and the member a dev token is minted for.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub organization_id: Uuid,
    pub owner_id: Uuid,
    /// False when the demo organization was already there.
    pub created: bool,
}

/// Loads the demo organization unless it is already there.
pub async fn demo(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<DemoSummary, SeedError> {
    if let Some(org) = organizations::Entity::find()
        .filter(organizations::Column::Slug.eq(DEMO_SLUG))
        .one(db)
        .await?
    {
        let owner = organization_memberships::Entity::find()
            .filter(organization_memberships::Column::OrganizationId.eq(org.id))
            .filter(organization_memberships::Column::Role.eq(MemberRole::Owner))
            .one(db)
            .await?
            .ok_or(SeedError::Database(sea_orm::DbErr::RecordNotFound(
                "the demo organization has no owner".into(),
            )))?;
        return Ok(DemoSummary {
            organization_id: org.id,
            owner_id: owner.user_id,
            created: false,
        });
    }
    let txn = db.begin().await?;
    let summary = Demo::new(now).write(&txn).await?;
    txn.commit().await?;
    Ok(summary)
}

struct Demo {
    rng: SmallRng,
    now: DateTime<Utc>,
    org: Uuid,
}

struct LeadPlan {
    model: leads::ActiveModel,
    id: Uuid,
    status: LeadStatus,
    score: i32,
    phone: String,
    name: String,
    source: &'static str,
    created_at: DateTime<Utc>,
    owner: Uuid,
}

impl Demo {
    fn new(now: DateTime<Utc>) -> Self {
        Self {
            rng: SmallRng::seed_from_u64(7),
            now,
            org: Uuid::now_v7(),
        }
    }

    fn ago(&self, days: i64) -> DateTime<Utc> {
        self.now - Duration::days(days)
    }

    async fn write<C: sea_orm::ConnectionTrait>(
        mut self,
        db: &C,
    ) -> Result<DemoSummary, SeedError> {
        let now = self.now;
        let org = self.org;
        let created = self.ago(120);

        // People.
        let people = [
            (
                "owner@demo.switchboard.dev",
                "Olivia Owens",
                MemberRole::Owner,
            ),
            (
                "admin@demo.switchboard.dev",
                "Aaron Adams",
                MemberRole::Admin,
            ),
            (
                "manager@demo.switchboard.dev",
                "Maya Morales",
                MemberRole::Manager,
            ),
            (
                "agent@demo.switchboard.dev",
                "Alex Agnew",
                MemberRole::Agent,
            ),
            ("agent2@demo.switchboard.dev", "Sam Sato", MemberRole::Agent),
            (
                "viewer@demo.switchboard.dev",
                "Vera Vance",
                MemberRole::Viewer,
            ),
        ];
        let user_ids: Vec<Uuid> = people.iter().map(|_| Uuid::now_v7()).collect();
        let owner_id = user_ids[0];
        let agent_users = [user_ids[3], user_ids[4]];

        // Calling setup.
        let agent_ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let number_ids: Vec<Uuid> = (0..2).map(|_| Uuid::now_v7()).collect();
        let campaign_ids: Vec<Uuid> = (0..2).map(|_| Uuid::now_v7()).collect();

        // Leads, then their calls, so that leads know when they were last contacted.
        let mut leads = self.plan_leads(owner_id, &agent_users);
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
        for lead in &mut leads {
            lead.model.last_contact_at = Set(last_contact.get(&lead.id).copied());
        }

        // The ledger: a purchase, a bonus, then one usage row per connected call.
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

        // Write, parents first.
        organizations::ActiveModel {
            id: Set(org),
            name: Set("Brightside Dental Group".into()),
            slug: Set(DEMO_SLUG.into()),
            timezone: Set("America/New_York".into()),
            default_region: Set("US".into()),
            credit_balance: Set(balance),
            created_at: Set(created),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        let existing_globals = system_config::Entity::find()
            .filter(system_config::Column::OrganizationId.is_null())
            .count(db)
            .await?;
        let mut config = vec![(
            Some(org),
            "calling_hours",
            "09:00-20:00",
            "The organization's own calling hours",
        )];
        if existing_globals == 0 {
            config.extend([
                (
                    None,
                    "credits_per_minute",
                    "1",
                    "Credits charged per billed call minute",
                ),
                (
                    None,
                    "calling_hours",
                    "08:00-21:00",
                    "Default calling hours at the called party's local time (TCPA)",
                ),
                (
                    None,
                    "max_login_attempts",
                    "5",
                    "Failed logins before a lockout",
                ),
                (
                    None,
                    "lockout_duration_minutes",
                    "15",
                    "Length of a lockout",
                ),
            ]);
        }
        insert_all(
            db,
            config
                .into_iter()
                .map(
                    |(organization_id, key, value, description)| system_config::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        organization_id: Set(organization_id),
                        key: Set(key.into()),
                        value: Set(value.into()),
                        is_encrypted: Set(false),
                        description: Set(Some(description.into())),
                        updated_by: Set(None),
                        created_at: Set(created),
                        updated_at: Set(created),
                    },
                )
                .collect(),
        )
        .await?;
        insert_all(
            db,
            people
                .iter()
                .zip(&user_ids)
                .map(|((email, name, role), id)| users::ActiveModel {
                    id: Set(*id),
                    email: Set((*email).into()),
                    name: Set((*name).into()),
                    role: Set(if *role == MemberRole::Owner {
                        PlatformRole::Admin
                    } else {
                        PlatformRole::User
                    }),
                    password_hash: Set(None),
                    email_verified: Set(true),
                    is_active: Set(true),
                    auth_provider: Set(AuthProvider::Email),
                    external_subject: Set(None),
                    last_login_at: Set(Some(self.ago(1))),
                    locked_until: Set(None),
                    created_at: Set(created),
                    updated_at: Set(created),
                })
                .collect(),
        )
        .await?;
        insert_all(
            db,
            people
                .iter()
                .zip(&user_ids)
                .map(|((_, _, role), id)| organization_memberships::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    organization_id: Set(org),
                    user_id: Set(*id),
                    role: Set(*role),
                    status: Set(MembershipStatus::Active),
                    invited_by: Set((*id != owner_id).then_some(owner_id)),
                    created_at: Set(created),
                    updated_at: Set(created),
                })
                .collect(),
        )
        .await?;
        self.write_security(db, &user_ids, people[0].0).await?;

        let agent_specs = [
            (
                AgentProvider::Vapi,
                "asst_ava_inbound",
                "Ava — Inbound Receptionist",
                "Answers new-patient calls and books cleanings.",
            ),
            (
                AgentProvider::Elevenlabs,
                "agent_eli_outbound",
                "Eli — Outbound Qualifier",
                "Calls new leads within five minutes and qualifies them.",
            ),
            (
                AgentProvider::Retell,
                "agent_rex_collections",
                "Rex — Payment Reminders",
                "Reminds patients of balances and offers payment plans.",
            ),
        ];
        insert_all(
            db,
            agent_specs
                .iter()
                .zip(&agent_ids)
                .map(
                    |((provider, external, name, description), id)| agents::ActiveModel {
                        id: Set(*id),
                        organization_id: Set(org),
                        created_by: Set(Some(owner_id)),
                        provider: Set(*provider),
                        external_agent_id: Set((*external).into()),
                        name: Set((*name).into()),
                        agent_type: Set(AgentType::Call),
                        description: Set(Some((*description).into())),
                        is_active: Set(true),
                        created_at: Set(created),
                        updated_at: Set(created),
                    },
                )
                .collect(),
        )
        .await?;
        insert_all(
            db,
            number_ids
                .iter()
                .enumerate()
                .map(|(i, id)| phone_numbers::ActiveModel {
                    id: Set(*id),
                    organization_id: Set(org),
                    name: Set(if i == 0 {
                        "Main line".into()
                    } else {
                        "Outbound pool".into()
                    }),
                    phone_number: Set(format!("+1617555{:04}", 100 + i)),
                    provider: Set(TelephonyProvider::Twilio),
                    provider_phone_number_id: Set(Some(format!("PNdemo{:030}", i))),
                    assigned_to_user_id: Set(Some(agent_users[i % 2])),
                    created_by: Set(Some(owner_id)),
                    is_active: Set(true),
                    created_at: Set(created),
                    updated_at: Set(created),
                })
                .collect(),
        )
        .await?;
        insert_all(
            db,
            vec![
                campaigns::ActiveModel {
                    id: Set(campaign_ids[0]),
                    organization_id: Set(org),
                    name: Set("Spring reactivation".into()),
                    description: Set(Some("Patients not seen in 12 months".into())),
                    call_type: Set(CallType::OutboundCampaign),
                    agent_id: Set(Some(agent_ids[1])),
                    phone_number_id: Set(Some(number_ids[1])),
                    status: Set(CampaignStatus::Active),
                    calling_window_start: Set(NaiveTime::from_hms_opt(9, 0, 0)),
                    calling_window_end: Set(NaiveTime::from_hms_opt(20, 0, 0)),
                    timezone: Set(Some("America/New_York".into())),
                    starts_at: Set(Some(self.ago(90))),
                    ends_at: Set(Some(now + Duration::days(30))),
                    created_by: Set(Some(owner_id)),
                    created_at: Set(self.ago(91)),
                    updated_at: Set(self.ago(91)),
                },
                campaigns::ActiveModel {
                    id: Set(campaign_ids[1]),
                    organization_id: Set(org),
                    name: Set("Invisalign consult follow-up".into()),
                    description: Set(None),
                    call_type: Set(CallType::OutboundFollowup),
                    agent_id: Set(Some(agent_ids[1])),
                    phone_number_id: Set(None),
                    status: Set(CampaignStatus::Draft),
                    calling_window_start: Set(None),
                    calling_window_end: Set(None),
                    timezone: Set(None),
                    starts_at: Set(None),
                    ends_at: Set(None),
                    created_by: Set(Some(user_ids[2])),
                    created_at: Set(self.ago(3)),
                    updated_at: Set(self.ago(3)),
                },
            ],
        )
        .await?;

        let sequence_ids = self.write_sequences(db, user_ids[2]).await?;
        let lead_rows: Vec<_> = leads.iter().map(|l| l.model.clone()).collect();
        insert_all(db, lead_rows).await?;
        self.write_lead_history(db, &leads, &sequence_ids, user_ids[2])
            .await?;

        let call_ids: Vec<Uuid> = calls.iter().map(|c| c.id).collect();
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
                });
            }
            if call.status == CallStatus::Completed {
                analyses.push(self.analysis(&call));
            }
            transcript_rows.extend(call.transcript);
            call_rows.push(call.call);
        }
        insert_all(db, call_rows).await?;
        insert_all(db, transcript_rows).await?;
        insert_all(db, events).await?;
        insert_all(db, analyses).await?;
        insert_all(db, ledger).await?;

        self.write_crm_extras(db, &leads, &call_ids, &agent_ids, &user_ids, &sequence_ids)
            .await?;
        self.write_customers(db, &leads, user_ids[2]).await?;
        Ok(DemoSummary {
            organization_id: org,
            owner_id,
            created: true,
        })
    }

    fn plan_leads(&mut self, owner: Uuid, agent_users: &[Uuid; 2]) -> Vec<LeadPlan> {
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

    async fn write_lead_history<C: sea_orm::ConnectionTrait>(
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

    async fn write_sequences<C: sea_orm::ConnectionTrait>(
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
                    { "step": 1, "delay_days": 0, "channel": "sms", "template_id": "welcome_sms", "conditions": {} },
                    { "step": 2, "delay_days": 1, "channel": "call", "template_id": "qualify_call", "conditions": { "no_reply": true } },
                    { "step": 3, "delay_days": 7, "channel": "email", "template_id": "case_studies", "conditions": {} }
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
                    { "step": 1, "delay_days": 0, "channel": "email", "template_id": "still_interested", "conditions": {} },
                    { "step": 2, "delay_days": 14, "channel": "call", "template_id": "reengage_call", "conditions": {} }
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

    async fn write_crm_extras<C: sea_orm::ConnectionTrait>(
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
        insert_all(db, enrollments).await?;

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

    async fn write_security<C: sea_orm::ConnectionTrait>(
        &mut self,
        db: &C,
        users: &[Uuid],
        owner_email: &str,
    ) -> Result<(), SeedError> {
        insert_all(
            db,
            vec![user_sessions::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(users[0]),
                organization_id: Set(Some(self.org)),
                token_hash: Set(format!("demo-session-{}", Uuid::now_v7().simple())),
                refresh_token_hash: Set(None),
                expires_at: Set(self.now + Duration::hours(12)),
                refresh_expires_at: Set(None),
                ip_address: Set(Some("203.0.113.7".into())),
                user_agent: Set(Some("Mozilla/5.0".into())),
                is_active: Set(true),
                last_used_at: Set(Some(self.now)),
                revoked_at: Set(None),
                created_at: Set(self.ago(1)),
                updated_at: Set(self.now),
            }],
        )
        .await?;
        insert_all(
            db,
            vec![
                login_attempts::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    email: Set(owner_email.into()),
                    user_id: Set(Some(users[0])),
                    ip_address: Set(Some("203.0.113.7".into())),
                    user_agent: Set(Some("Mozilla/5.0".into())),
                    attempted_at: Set(self.ago(1) - Duration::minutes(2)),
                    success: Set(false),
                    failure_reason: Set(Some(LoginFailureReason::BadPassword)),
                },
                login_attempts::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    email: Set(owner_email.into()),
                    user_id: Set(Some(users[0])),
                    ip_address: Set(Some("203.0.113.7".into())),
                    user_agent: Set(Some("Mozilla/5.0".into())),
                    attempted_at: Set(self.ago(1)),
                    success: Set(true),
                    failure_reason: Set(None),
                },
            ],
        )
        .await?;
        insert_all(
            db,
            vec![password_reset_attempts::ActiveModel {
                id: Set(Uuid::now_v7()),
                email: Set("viewer@demo.switchboard.dev".into()),
                user_id: Set(Some(users[5])),
                ip_address: Set(Some("192.0.2.10".into())),
                token_hash: Set(None),
                expires_at: Set(None),
                used_at: Set(Some(self.ago(20))),
                attempted_at: Set(self.ago(20)),
                success: Set(true),
            }],
        )
        .await?;
        Ok(())
    }

    async fn write_customers<C: sea_orm::ConnectionTrait>(
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
        insert_all(db, customers).await?;
        insert_all(db, orders).await?;
        insert_all(db, messages).await?;
        insert_all(db, deals).await?;
        Ok(())
    }
}
