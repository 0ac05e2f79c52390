//! Dataloaders: a per-request cache in front of each of the application's
//! batch readers ([`switchboard_app::query::batch`]), so every relation of
//! the graph is read in one statement per level of the query.
//!
//! Loaders are made per request, for the viewer's organization, so their
//! caches never cross requests or tenants.

use std::collections::HashMap;
use std::hash::Hash;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use switchboard_app::campaigns::progress::ProgressByCampaign;
use switchboard_app::query::batch::{
    Batch, ByColumn, CountByColumn, MembersById, PagedByColumn, ProgressBySequence, Relations,
};
use switchboard_app::{AppError, Db};
use switchboard_entity::*;
use uuid::Uuid;

pub use switchboard_app::query::batch::PageKey;

/// One of the application's batch readers, as a dataloader reads it.
pub struct Batched<B>(B);

impl<K, B> Loader<K> for Batched<B>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    B: Batch<K>,
{
    type Value = B::Value;
    type Error = AppError;

    async fn load(&self, keys: &[K]) -> Result<HashMap<K, Self::Value>, Self::Error> {
        self.0.load(keys).await
    }
}

/// A loader with a per-request cache, so that [`crate::shared::prefetch`] can warm it.
pub type Cached<B> = DataLoader<Batched<B>, HashMapCache>;

fn cached<B>(batch: B) -> Cached<B> {
    DataLoader::with_cache(Batched(batch), tokio_spawner, HashMapCache::default())
}

fn tokio_spawner(future: futures::future::BoxFuture<'static, ()>) {
    tokio::spawn(future);
}

/// Every loader of one request.
pub struct Loaders {
    pub leads: Cached<ByColumn<leads::Entity>>,
    pub calls: Cached<ByColumn<calls::Entity>>,
    pub agents: Cached<ByColumn<agents::Entity>>,
    pub campaigns: Cached<ByColumn<campaigns::Entity>>,
    pub users: Cached<MembersById>,
    pub transcripts: Cached<ByColumn<transcripts::Entity>>,
    pub analyses: Cached<ByColumn<lead_analytics::Entity>>,
    pub transcripts_by_call: Cached<ByColumn<transcripts::Entity>>,
    pub analyses_by_call: Cached<ByColumn<lead_analytics::Entity>>,
    pub status_history_by_lead: Cached<ByColumn<lead_status_history::Entity>>,
    pub audit_log_by_lead: Cached<ByColumn<lead_audit_log::Entity>>,
    pub score_history_by_lead: Cached<ByColumn<lead_score_history::Entity>>,
    pub assignments_by_lead: Cached<ByColumn<lead_assignments::Entity>>,
    pub follow_ups_by_lead: Cached<ByColumn<follow_ups::Entity>>,
    pub customers_by_lead: Cached<ByColumn<customers::Entity>>,
    pub enrollments_by_lead: Cached<ByColumn<lead_sequence_enrollments::Entity>>,
    pub sequences: Cached<ByColumn<nurture_sequences::Entity>>,
    pub enrollments_by_sequence: Cached<PagedByColumn<lead_sequence_enrollments::Entity>>,
    pub enrollment_progress: Cached<ProgressBySequence>,
    pub messages_by_lead: Cached<ByColumn<lead_messages::Entity>>,
    pub calls_by_lead: Cached<PagedByColumn<calls::Entity>>,
    pub calls_by_agent: Cached<PagedByColumn<calls::Entity>>,
    pub call_counts_by_lead: Cached<CountByColumn<calls::Entity>>,
    pub call_counts_by_agent: Cached<CountByColumn<calls::Entity>>,
    pub campaign_progress: Cached<ProgressByCampaign>,
}

impl Loaders {
    pub fn new(db: &Db, organization_id: Uuid) -> Self {
        let r = Relations::new(db, organization_id);
        Self {
            leads: cached(r.leads),
            calls: cached(r.calls),
            agents: cached(r.agents),
            campaigns: cached(r.campaigns),
            users: cached(r.members),
            transcripts: cached(r.transcripts),
            analyses: cached(r.analyses),
            transcripts_by_call: cached(r.transcripts_by_call),
            analyses_by_call: cached(r.analyses_by_call),
            status_history_by_lead: cached(r.status_history_by_lead),
            audit_log_by_lead: cached(r.audit_log_by_lead),
            score_history_by_lead: cached(r.score_history_by_lead),
            assignments_by_lead: cached(r.assignments_by_lead),
            follow_ups_by_lead: cached(r.follow_ups_by_lead),
            customers_by_lead: cached(r.customers_by_lead),
            enrollments_by_lead: cached(r.enrollments_by_lead),
            sequences: cached(r.sequences),
            enrollments_by_sequence: cached(r.enrollments_by_sequence),
            enrollment_progress: cached(r.enrollment_progress),
            messages_by_lead: cached(r.messages_by_lead),
            calls_by_lead: cached(r.calls_by_lead),
            calls_by_agent: cached(r.calls_by_agent),
            call_counts_by_lead: cached(r.call_counts_by_lead),
            call_counts_by_agent: cached(r.call_counts_by_agent),
            campaign_progress: cached(r.campaign_progress),
        }
    }

    /// Turns every cache off (for long-lived connections).
    pub fn disable_caches(&self) {
        macro_rules! off {
            ($($loader:ident),+) => { $( self.$loader.enable_all_cache(false); )+ };
        }
        off!(
            leads,
            calls,
            agents,
            campaigns,
            users,
            transcripts,
            analyses,
            transcripts_by_call,
            analyses_by_call,
            status_history_by_lead,
            audit_log_by_lead,
            score_history_by_lead,
            assignments_by_lead,
            follow_ups_by_lead,
            customers_by_lead,
            enrollments_by_lead,
            sequences,
            enrollments_by_sequence,
            enrollment_progress,
            messages_by_lead,
            calls_by_lead,
            calls_by_agent,
            call_counts_by_lead,
            call_counts_by_agent,
            campaign_progress
        );
    }
}
