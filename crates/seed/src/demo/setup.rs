//! The demo's calling setup: three agents, one per voice-AI provider, two
//! phone numbers and two campaigns.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use sea_orm::ActiveValue::Set;
use switchboard_entity::enums::*;
use switchboard_entity::*;
use uuid::Uuid;

use super::Demo;
use crate::SeedError;
use crate::insert::insert_all;

impl Demo {
    /// The agents, numbers and campaigns under the ids drawn for them;
    /// `user_ids` are the members of [`super::people::PEOPLE`].
    pub(super) async fn write_setup<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        agent_ids: &[Uuid],
        number_ids: &[Uuid],
        campaign_ids: &[Uuid],
        user_ids: &[Uuid],
        created: DateTime<Utc>,
    ) -> Result<(), SeedError> {
        let now = self.now;
        let org = self.org;
        let owner_id = user_ids[0];
        let agent_users = [user_ids[3], user_ids[4]];
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
                .zip(agent_ids)
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
                    max_concurrent_calls: Set(None),
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
                    segment_id: Set(None),
                    max_concurrent_calls: Set(None),
                    calls_per_minute: Set(None),
                    max_attempts: Set(1),
                    retry_after_minutes: Set(240),
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
                    segment_id: Set(None),
                    max_concurrent_calls: Set(None),
                    calls_per_minute: Set(None),
                    max_attempts: Set(1),
                    retry_after_minutes: Set(240),
                    created_by: Set(Some(user_ids[2])),
                    created_at: Set(self.ago(3)),
                    updated_at: Set(self.ago(3)),
                },
            ],
        )
        .await?;
        Ok(())
    }
}
