//! How far campaigns are through their leads (`Campaign.progress`): two
//! grouped statements for any number of campaigns.

use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::{Asterisk, Expr, ExprTrait, SimpleExpr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use switchboard_entity::enums::{CallStatus, CampaignLeadState};
use switchboard_entity::{calls, campaign_leads};
use uuid::Uuid;

use crate::db::Db;
use crate::error::AppResult;
use crate::query::batch::Batch;

/// A campaign's progress.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Leads it has, by where they stand.
    pub waiting: u64,
    pub calling: u64,
    pub reached: u64,
    pub unreached: u64,
    pub blocked: u64,
    /// Its calls scheduled and not yet placed.
    pub scheduled: u64,
    /// Its calls a provider took.
    pub placed: u64,
    /// Its calls answered (going or completed).
    pub connected: u64,
    /// Blocked leads by reason, by reason's name.
    pub blocked_by_reason: BTreeMap<String, u64>,
    /// Waiting leads the dial gate holds for now, by reason.
    pub held_by_reason: BTreeMap<String, u64>,
}

impl Progress {
    /// Every lead it has.
    pub fn leads(&self) -> u64 {
        self.waiting + self.calling + self.reached + self.unreached + self.blocked
    }

    /// Leads it may call: all but the blocked.
    pub fn eligible(&self) -> u64 {
        self.leads() - self.blocked
    }

    /// Leads it is done with: reached, or out of attempts.
    pub fn completed(&self) -> u64 {
        self.reached + self.unreached
    }
}

/// The progress of campaigns by id, for one organization.
pub struct ProgressByCampaign {
    pub(crate) db: Db,
    pub(crate) organization_id: Uuid,
}

impl Batch<Uuid> for ProgressByCampaign {
    type Value = Progress;

    async fn load(&self, keys: &[Uuid]) -> AppResult<HashMap<Uuid, Progress>> {
        let mut out: HashMap<Uuid, Progress> =
            keys.iter().map(|k| (*k, Progress::default())).collect();
        let leads: Vec<(Uuid, CampaignLeadState, Option<String>, i64)> =
            campaign_leads::Entity::find()
                .select_only()
                .column(campaign_leads::Column::CampaignId)
                .column(campaign_leads::Column::State)
                .column(campaign_leads::Column::BlockReason)
                .column_as(Expr::col(Asterisk).count(), "n")
                .filter(campaign_leads::Column::OrganizationId.eq(self.organization_id))
                .filter(campaign_leads::Column::CampaignId.is_in(keys.iter().copied()))
                .group_by(campaign_leads::Column::CampaignId)
                .group_by(campaign_leads::Column::State)
                .group_by(campaign_leads::Column::BlockReason)
                .into_tuple()
                .all(&self.db)
                .await?;
        for (campaign, state, reason, n) in leads {
            let progress = out.entry(campaign).or_default();
            let n = u64::try_from(n).unwrap_or(0);
            match state {
                CampaignLeadState::Waiting => progress.waiting += n,
                CampaignLeadState::Calling => progress.calling += n,
                CampaignLeadState::Reached => progress.reached += n,
                CampaignLeadState::Unreached => progress.unreached += n,
                CampaignLeadState::Blocked => progress.blocked += n,
            }
            let by_reason = match state {
                CampaignLeadState::Blocked => &mut progress.blocked_by_reason,
                CampaignLeadState::Waiting => &mut progress.held_by_reason,
                _ => continue,
            };
            if let Some(reason) = reason {
                *by_reason.entry(reason).or_default() += n;
            }
        }
        // 1 for a call the provider took (it has the provider's id); written
        // out, not bound, so the grouped and the selected expression are one.
        let taken: SimpleExpr = Expr::cust("CASE WHEN provider_call_id IS NULL THEN 0 ELSE 1 END");
        let calls: Vec<(Uuid, CallStatus, i32, i64)> = calls::Entity::find()
            .select_only()
            .column(calls::Column::CampaignId)
            .column(calls::Column::Status)
            .column_as(taken.clone(), "taken")
            .column_as(Expr::col(Asterisk).count(), "n")
            .filter(calls::Column::OrganizationId.eq(self.organization_id))
            .filter(calls::Column::CampaignId.is_in(keys.iter().copied()))
            .group_by(calls::Column::CampaignId)
            .group_by(calls::Column::Status)
            .group_by(taken)
            .into_tuple()
            .all(&self.db)
            .await?;
        for (campaign, status, taken, n) in calls {
            let progress = out.entry(campaign).or_default();
            let n = u64::try_from(n).unwrap_or(0);
            if status == CallStatus::Scheduled {
                progress.scheduled += n;
            }
            if taken == 1 {
                progress.placed += n;
            }
            if matches!(status, CallStatus::InProgress | CallStatus::Completed) {
                progress.connected += n;
            }
        }
        Ok(out)
    }
}
