//! What calls are made with: agents, campaigns and phone numbers.

use super::*;
#[allow(unused_imports)]
use std::sync::Arc;

/// An AI voice agent on a provider.
pub struct Agent(pub Arc<agents::Model>);

impl Agent {
    /// Wraps a row, owned or shared.
    pub fn new(row: impl Into<Arc<agents::Model>>) -> Self {
        Self(row.into())
    }
}

/// An AI voice (or chat) agent configured on a provider, which holds the calls.
#[Object]
impl Agent {
    /// The agent's id in Switchboard.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The platform the agent runs on.
    async fn provider(&self) -> AgentProvider {
        self.0.provider.into()
    }
    /// The agent's id on its provider; unique per provider within the organization.
    async fn external_agent_id(&self) -> &str {
        &self.0.external_agent_id
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Whether the agent calls or chats.
    async fn agent_type(&self) -> AgentType {
        self.0.agent_type.into()
    }
    /// What the agent is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Whether the agent is in service (`deactivateAgent` clears it; its calls stay).
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// When the agent was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The agent's calls, newest first by default, a page per agent.
    #[graphql(complexity = "crate::shared::pagination::complexity(first, None, child_complexity)")]
    async fn calls(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many of the agent's calls (or after `after`): 0 to 100, default 20."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from this connection (`pageInfo.endCursor` or an edge's `cursor`): the page starts after that row."
        )]
        after: Option<String>,
        #[graphql(desc = "Default: newest first.")] order_by: Option<CallOrder>,
    ) -> ApiResult<CallConnection> {
        nested_calls(ctx, self.0.id, first, after, order_by, false).await
    }
}

/// An outbound campaign.
pub struct Campaign(pub Arc<campaigns::Model>);

impl Campaign {
    /// Wraps a row, owned or shared.
    pub fn new(row: impl Into<Arc<campaigns::Model>>) -> Self {
        Self(row.into())
    }
}

/// An outbound calling campaign: an agent calling its segment's leads (and leads added by hand) within a daily calling window, at its pace and concurrency, retrying unanswered calls; `startCampaign` sets it running.
#[Object]
impl Campaign {
    /// The campaign's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the campaign is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The type of the campaign's calls.
    async fn call_type(&self) -> CallType {
        self.0.call_type.into()
    }
    /// Draft, active, paused or completed.
    async fn status(&self) -> CampaignStatus {
        self.0.status.into()
    }
    /// Start of the daily calling window (HH:MM, in `timezone` or the called party's).
    async fn calling_window_start(&self) -> Option<String> {
        self.0
            .calling_window_start
            .map(|t| t.format("%H:%M").to_string())
    }
    /// End of the daily calling window (HH:MM, exclusive); set together with the start, and after it.
    async fn calling_window_end(&self) -> Option<String> {
        self.0
            .calling_window_end
            .map(|t| t.format("%H:%M").to_string())
    }
    /// IANA time zone of the calling window; null: each called party's own (the lead's, else the organization's).
    async fn timezone(&self) -> Option<&str> {
        self.0.timezone.as_deref()
    }
    /// When the campaign starts calling, if planned.
    async fn starts_at(&self) -> Option<DateTime<Utc>> {
        self.0.starts_at
    }
    /// When the campaign stops calling, if planned.
    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.ends_at
    }
    /// When the campaign was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The segment whose leads it calls (taken when it starts and each time it resumes).
    async fn segment_id(&self) -> Option<ID> {
        self.0.segment_id.map(id)
    }
    /// Calls it has going at once, at most; null: the organization's `dialerConcurrency`.
    async fn max_concurrent_calls(&self) -> Option<i32> {
        self.0.max_concurrent_calls
    }
    /// Calls it places in any minute, at most; null: unpaced.
    async fn calls_per_minute(&self) -> Option<i32> {
        self.0.calls_per_minute
    }
    /// Calls a lead gets until one is answered.
    async fn max_attempts(&self) -> i32 {
        self.0.max_attempts
    }
    /// Minutes between a lead's unanswered call and its next.
    async fn retry_after_minutes(&self) -> i32 {
        self.0.retry_after_minutes
    }
    /// How far it is through its leads.
    async fn progress(&self, ctx: &Context<'_>) -> ApiResult<crate::campaigns::CampaignProgress> {
        Ok(load(&loaders(ctx)?.campaign_progress, self.0.id)
            .await?
            .unwrap_or_default()
            .into())
    }
    /// The AI agent that places the campaign's calls.
    async fn agent(&self, ctx: &Context<'_>) -> ApiResult<Option<Agent>> {
        let Some(agent) = self.0.agent_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.agents, agent)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(Agent::new))
    }
}

/// A number calls are made from.
pub struct PhoneNumber(pub phone_numbers::Model);

/// One of the organization's own phone numbers, which calls are made from.
#[Object]
impl PhoneNumber {
    /// The number's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Display name, e.g. "Sales line".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The number, E.164.
    async fn phone_number(&self) -> &str {
        &self.0.phone_number
    }
    /// The provider the number is rented from.
    async fn provider(&self) -> TelephonyProvider {
        self.0.provider.into()
    }
    /// The number's id on its provider, if any (unique).
    async fn provider_phone_number_id(&self) -> Option<&str> {
        self.0.provider_phone_number_id.as_deref()
    }
    /// Whether the number is in service (`deactivatePhoneNumber` clears it; an
    /// active number belongs to one organization only).
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// Calls it carries at once, at most (carriers limit them); null: no limit of its own.
    async fn max_concurrent_calls(&self) -> Option<i32> {
        self.0.max_concurrent_calls
    }
    /// The user the number is assigned to, if any.
    async fn assigned_to(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let Some(user) = self.0.assigned_to_user_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.users, user)
            .await?
            .flatten()
            .map(User::new))
    }
}
