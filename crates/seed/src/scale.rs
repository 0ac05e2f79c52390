//! Benchmark data sets: `N x (10,000 leads, 50,000 calls, each with its
//! transcript)` in an organization of their own, spread over 90 days.

use chrono::{Duration, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, TransactionTrait};
use switchboard_entity::enums::{
    AgentProvider, AgentType, CallType, CampaignStatus, LeadStatus, MemberRole, MembershipStatus,
};
use switchboard_entity::{
    agents, campaigns, leads, organization_memberships, organizations, users,
};
use uuid::Uuid;

use crate::callgen::{self, CallSeed};
use crate::insert::insert_all;
use crate::{SeedError, fake};

pub const LEADS_PER_SCALE: u64 = 10_000;
pub const CALLS_PER_SCALE: u64 = 50_000;
const LEADS_PER_BATCH: usize = 5_000;
const CALLS_PER_BATCH: usize = 2_000;
const AGENTS: usize = 8;

/// What a benchmark seed wrote.
#[derive(Debug, Clone)]
pub struct ScaleSummary {
    pub organization_id: Uuid,
    pub owner_id: Uuid,
    pub leads: u64,
    pub calls: u64,
    pub transcripts: u64,
}

/// Writes a benchmark organization of `n` x (10,000 leads, 50,000 calls with
/// transcripts) in one transaction, with a progress bar if `progress`.
pub async fn scale(
    db: &DatabaseConnection,
    n: u32,
    random_seed: u64,
    progress: bool,
) -> Result<ScaleSummary, SeedError> {
    let mut rng = SmallRng::seed_from_u64(random_seed);
    let now = Utc::now();
    let lead_total = LEADS_PER_SCALE * u64::from(n);
    let call_total = CALLS_PER_SCALE * u64::from(n);
    let bar = progress_bar(progress, lead_total + call_total);

    let txn = db.begin().await?;
    let organization_id = Uuid::now_v7();
    let owner_id = Uuid::now_v7();
    let slug = format!("bench-{n}x-{}", &Uuid::new_v4().simple().to_string()[..8]);
    organizations::ActiveModel {
        id: Set(organization_id),
        name: Set(format!("Benchmark x{n}")),
        slug: Set(slug.clone()),
        timezone: Set("America/New_York".to_owned()),
        default_region: Set("US".to_owned()),
        credit_balance: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    users::ActiveModel {
        id: Set(owner_id),
        email: Set(format!("owner@{slug}.example")),
        name: Set("Benchmark Owner".to_owned()),
        is_active: Set(true),
        email_verified: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    organization_memberships::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        user_id: Set(owner_id),
        role: Set(MemberRole::Owner),
        status: Set(MembershipStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let agent_ids: Vec<Uuid> = (0..AGENTS).map(|_| Uuid::now_v7()).collect();
    insert_all(
        &txn,
        agent_ids
            .iter()
            .enumerate()
            .map(|(i, id)| agents::ActiveModel {
                id: Set(*id),
                organization_id: Set(organization_id),
                provider: Set(AgentProvider::Vapi),
                external_agent_id: Set(format!("asst_bench_{i}")),
                name: Set(format!("Bench Agent {}", i + 1)),
                agent_type: Set(AgentType::Call),
                is_active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .collect(),
    )
    .await?;
    let campaign_id = Uuid::now_v7();
    campaigns::ActiveModel {
        id: Set(campaign_id),
        organization_id: Set(organization_id),
        name: Set("Benchmark outreach".to_owned()),
        call_type: Set(CallType::OutboundCampaign),
        agent_id: Set(Some(agent_ids[0])),
        status: Set(CampaignStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;

    // Leads, remembered for the calls that follow.
    bar.set_message("leads");
    let mut lead_seeds = Vec::with_capacity(lead_total as usize);
    let mut batch = Vec::with_capacity(LEADS_PER_BATCH);
    for i in 0..lead_total {
        let id = Uuid::now_v7();
        let (source, subs) = *fake::pick(&mut rng, fake::SOURCES);
        let first = *fake::pick(&mut rng, fake::FIRST_NAMES);
        let last = *fake::pick(&mut rng, fake::LAST_NAMES);
        let phone = fake::phone(i);
        let created_at = now - Duration::seconds(rng.random_range(3_600..120 * 86_400));
        let status = *fake::pick(
            &mut rng,
            &[
                LeadStatus::New,
                LeadStatus::Contacted,
                LeadStatus::Qualified,
                LeadStatus::Nurturing,
                LeadStatus::Hot,
                LeadStatus::Cold,
                LeadStatus::Recruited,
            ],
        );
        batch.push(leads::ActiveModel {
            id: Set(id),
            organization_id: Set(organization_id),
            owner_user_id: Set(Some(owner_id)),
            first_name: Set(Some(first.to_owned())),
            last_name: Set(Some(last.to_owned())),
            phone_number: Set(phone.clone()),
            email: Set(Some(format!(
                "{}.{}{}@example.com",
                first.to_lowercase(),
                last.to_lowercase(),
                i
            ))),
            status: Set(status),
            lead_score: Set(rng.random_range(0..=100)),
            tags: Set(fake::tags(&mut rng, 3)),
            source: Set(Some(source.to_owned())),
            sub_source: Set(Some((*fake::pick(&mut rng, subs)).to_owned())),
            created_at: Set(created_at),
            updated_at: Set(created_at),
            ..Default::default()
        });
        lead_seeds.push((id, phone, format!("{first} {last}"), source, created_at));
        if batch.len() == LEADS_PER_BATCH {
            bar.inc(insert_all(&txn, std::mem::take(&mut batch)).await?);
        }
    }
    bar.inc(insert_all(&txn, batch).await?);

    bar.set_message("calls");
    let mut calls = Vec::with_capacity(CALLS_PER_BATCH);
    let mut transcripts = Vec::with_capacity(CALLS_PER_BATCH);
    let (mut call_count, mut transcript_count) = (0, 0);
    for _ in 0..call_total {
        let (lead_id, phone, name, source, lead_created_at) =
            &lead_seeds[rng.random_range(0..lead_seeds.len())];
        let seed = CallSeed {
            organization_id,
            lead_id: *lead_id,
            lead_phone: phone.clone(),
            lead_name: name.clone(),
            lead_source: Some((*source).to_owned()),
            lead_created_at: *lead_created_at,
            agent_id: agent_ids[rng.random_range(0..AGENTS)],
            user_id: None,
            campaign_id: rng.random_bool(0.3).then_some(campaign_id),
            from_phone_number_id: None,
            now,
        };
        let status = callgen::pick_status(&mut rng, callgen::CONNECTED);
        let generated = callgen::generate(&mut rng, &seed, Some(status), true);
        calls.push(generated.call);
        transcripts.extend(generated.transcript);
        if calls.len() == CALLS_PER_BATCH {
            let written = insert_all(&txn, std::mem::take(&mut calls)).await?;
            call_count += written;
            transcript_count += insert_all(&txn, std::mem::take(&mut transcripts)).await?;
            bar.inc(written);
        }
    }
    let written = insert_all(&txn, calls).await?;
    call_count += written;
    transcript_count += insert_all(&txn, transcripts).await?;
    bar.inc(written);
    bar.set_message("committing");
    txn.commit().await?;
    // Fresh statistics, or the planner keeps estimating the tables empty
    // until autovacuum gets to them.
    bar.set_message("analyzing");
    db.execute_unprepared("ANALYZE").await?;
    bar.finish_with_message("done");
    Ok(ScaleSummary {
        organization_id,
        owner_id,
        leads: lead_total,
        calls: call_count,
        transcripts: transcript_count,
    })
}

/// A bar counting `len` rows written, or a hidden one unless `progress`.
pub(crate) fn progress_bar(progress: bool, len: u64) -> ProgressBar {
    if !progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>12} [{bar:40}] {pos}/{len} rows ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar
}
