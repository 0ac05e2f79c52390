//! The demo organization: a dental group running AI voice agents, with a few
//! hundred leads and their calls over the last 90 days, and a row in every
//! table a person exploring the API would look at.
//!
//! This module loads it and runs the seed in order; each submodule seeds one
//! part. Every part draws from the one seeded RNG (and the ids from the
//! clock), in the order `Demo::write` calls them, so that order is what keeps
//! the demo the same from one load to the next: moving a call, or a draw
//! within one, changes the data.

mod calls;
mod crm;
mod customers;
mod leads;
mod ledger;
mod organization;
mod people;
mod setup;

pub use people::DEMO_PASSWORD;

use chrono::{DateTime, Duration, Utc};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};
use switchboard_entity::enums::{LeadStatus, MemberRole};
use switchboard_entity::{organization_memberships, organizations};
use uuid::Uuid;

use self::people::PEOPLE;
use crate::SeedError;
use crate::insert::insert_all;

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
    model: switchboard_entity::leads::ActiveModel,
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
        let created = self.ago(120);

        // People.
        let user_ids: Vec<Uuid> = PEOPLE.iter().map(|_| Uuid::now_v7()).collect();
        let owner_id = user_ids[0];
        let agent_users = [user_ids[3], user_ids[4]];

        // Calling setup.
        let agent_ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let number_ids: Vec<Uuid> = (0..2).map(|_| Uuid::now_v7()).collect();
        let campaign_ids: Vec<Uuid> = (0..2).map(|_| Uuid::now_v7()).collect();

        // Leads, then their calls, so that leads know when they were last contacted.
        let mut leads = self.plan_leads(owner_id, &agent_users);
        let calls = self.plan_calls(&mut leads, &agent_ids, &number_ids, &campaign_ids);

        // The ledger: a purchase, a bonus, then one usage row per connected call.
        let (ledger, balance) = self.plan_ledger(&calls, owner_id);

        // Write, parents first.
        self.write_organization(db, balance, created).await?;
        self.write_people(db, &user_ids, created).await?;
        self.write_security(db, &user_ids, PEOPLE[0].0).await?;
        self.write_setup(
            db,
            &agent_ids,
            &number_ids,
            &campaign_ids,
            &user_ids,
            created,
        )
        .await?;

        let sequence_ids = self.write_sequences(db, user_ids[2]).await?;
        let lead_rows: Vec<_> = leads.iter().map(|l| l.model.clone()).collect();
        insert_all(db, lead_rows).await?;
        self.write_lead_history(db, &leads, &sequence_ids, user_ids[2])
            .await?;

        let call_ids: Vec<Uuid> = calls.iter().map(|c| c.id).collect();
        let campaign_leads = self.plan_campaign_leads(&calls, campaign_ids[0]);
        self.write_calls(db, calls).await?;
        insert_all(db, campaign_leads).await?;
        insert_all(db, ledger).await?;

        self.write_crm_extras(db, &leads, &call_ids, &agent_ids, &user_ids, &sequence_ids)
            .await?;
        self.write_customers(db, &leads, user_ids[2]).await?;
        Ok(DemoSummary {
            organization_id: self.org,
            owner_id,
            created: true,
        })
    }
}
