//! The GraphQL object types. Each wraps an entity row and decides what of it
//! the API shows; relations resolve through the request's [`Loaders`].

use async_graphql::{Context, ID, Json, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use switchboard_entity::*;
use uuid::Uuid;

use crate::context::{self, Permission};
use crate::enums::*;
use crate::error::{ApiError, ApiResult, AppError};
use crate::loaders::{Loaders, PageKey};
use crate::pagination::{Cursor, Direction, Page, PageInfo, SortKey};

pub(crate) fn loaders<'a>(ctx: &Context<'a>) -> ApiResult<&'a Loaders> {
    ctx.data::<Loaders>()
        .map_err(|_| AppError::Unauthenticated("a bearer token is required".into()).into())
}

fn id(uuid: Uuid) -> ID {
    ID(uuid.to_string())
}

macro_rules! connection {
    ($(#[$doc:meta])* $connection:ident, $edge:ident, $node:ty) => {
        $(#[$doc])*
        pub struct $connection {
            pub edges: Vec<$edge>,
            pub page_info: PageInfo,
            pub total: Total,
        }

        /// An edge: a node and its cursor.
        #[derive(SimpleObject)]
        pub struct $edge {
            pub cursor: String,
            pub node: $node,
        }

        #[Object]
        impl $connection {
            async fn edges(&self) -> &[$edge] {
                &self.edges
            }
            /// The nodes of `edges`, without cursors.
            async fn nodes(&self) -> Vec<&$node> {
                self.edges.iter().map(|e| &e.node).collect()
            }
            async fn page_info(&self) -> &PageInfo {
                &self.page_info
            }
            /// How many rows match, across all pages (counted only when asked for).
            async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
                Ok(self.total.resolve(ctx).await?)
            }
        }

        impl $connection {
            pub fn new<R>(page: &Page, rows: Vec<R>, cursor: impl Fn(&R) -> Cursor, node: impl Fn(R) -> $node, total: Total) -> Self {
                let (edges, page_info) = page.finish(rows, cursor);
                Self { edges: edges.into_iter().map(|(cursor, row)| $edge { cursor, node: node(row) }).collect(), page_info: page_info.into(), total }
            }
        }
    };
}

/// How a connection's `totalCount` is found, run only if a client asks.
pub enum Total {
    Leads(sea_orm::Select<leads::Entity>),
    Calls(sea_orm::Select<calls::Entity>),
    CallsOfLead(Uuid),
    CallsOfAgent(Uuid),
    Ledger(sea_orm::Select<credit_transactions::Entity>),
    /// Not counted: a search result has no cheap exact total.
    None,
}

impl Total {
    async fn resolve(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        use sea_orm::PaginatorTrait;
        let db = context::db(ctx)?;
        Ok(match self {
            Self::Leads(select) => select.clone().count(db).await? as i64,
            Self::Calls(select) => select.clone().count(db).await? as i64,
            Self::Ledger(select) => select.clone().count(db).await? as i64,
            Self::CallsOfLead(lead) => loaders(ctx)?
                .call_counts_by_lead
                .load_one(*lead)
                .await
                .map_err(|e| ApiError::from((*e).clone()))?
                .unwrap_or(0),
            Self::CallsOfAgent(agent) => loaders(ctx)?
                .call_counts_by_agent
                .load_one(*agent)
                .await
                .map_err(|e| ApiError::from((*e).clone()))?
                .unwrap_or(0),
            Self::None => {
                return Err(ApiError::bad_input(
                    "totalCount",
                    "this connection is not counted",
                ));
            }
        })
    }
}

connection!(/// A page of leads.
    LeadConnection, LeadEdge, Lead);
connection!(/// A page of calls.
    CallConnection, CallEdge, Call);
connection!(/// A page of transcripts.
    TranscriptConnection, TranscriptEdge, Transcript);
connection!(
    /// A page of the credit ledger.
    CreditTransactionConnection,
    CreditTransactionEdge,
    crate::ledger_api::CreditTransaction
);

pub fn lead_cursor(model: &leads::Model, order: LeadOrderField) -> Cursor {
    let key = match order {
        LeadOrderField::CreatedAt => SortKey::Time(model.created_at),
        LeadOrderField::UpdatedAt => SortKey::Time(model.updated_at),
        LeadOrderField::LeadScore => SortKey::Int(i64::from(model.lead_score)),
    };
    Cursor { key, id: model.id }
}

pub fn call_cursor(model: &calls::Model) -> Cursor {
    Cursor {
        key: SortKey::Time(model.created_at),
        id: model.id,
    }
}

/// What leads are sorted by; the id breaks ties.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LeadOrderField {
    #[default]
    CreatedAt,
    UpdatedAt,
    LeadScore,
}

/// How leads are sorted.
#[derive(async_graphql::InputObject, Debug, Clone, Copy, Default)]
pub struct LeadOrder {
    #[graphql(default)]
    pub field: LeadOrderField,
    #[graphql(default)]
    pub direction: Direction,
}

/// How calls are sorted: by creation time, the id breaking ties.
#[derive(async_graphql::InputObject, Debug, Clone, Copy, Default)]
pub struct CallOrder {
    #[graphql(default)]
    pub direction: Direction,
}

async fn load<K, L, V>(loader: &crate::loaders::Cached<L>, key: K) -> ApiResult<Option<V>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    L: async_graphql::dataloader::Loader<K, Value = V, Error = std::sync::Arc<sea_orm::DbErr>>,
    V: Send + Sync + Clone + 'static,
{
    loader
        .load_one(key)
        .await
        .map_err(|e| ApiError::from((*e).clone()))
}

/// An organization: the tenant everything belongs to.
pub struct Organization(pub organizations::Model);

#[Object]
impl Organization {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// IANA time zone: day boundaries for analytics and the default for calling hours.
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }
    /// Region for phone numbers written without a country code (ISO 3166).
    async fn default_region(&self) -> &str {
        &self.0.default_region
    }
    /// Credits left; only usage can take it below zero.
    async fn credit_balance(&self) -> i64 {
        self.0.credit_balance
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A person with an account.
pub struct User(pub users::Model);

#[Object]
impl User {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
}

/// The member making the request.
pub struct ViewerInfo {
    pub user: users::Model,
    pub organization: organizations::Model,
    pub role: switchboard_entity::enums::MemberRole,
}

#[Object(name = "Viewer")]
impl ViewerInfo {
    async fn user(&self) -> User {
        User(self.user.clone())
    }
    async fn organization(&self) -> Organization {
        Organization(self.organization.clone())
    }
    async fn role(&self) -> MemberRole {
        self.role.into()
    }
}

/// A person or business the organization may call.
pub struct Lead(pub leads::Model);

#[Object]
impl Lead {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }
    async fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }
    /// First and last name, as available.
    async fn full_name(&self) -> String {
        [self.0.first_name.as_deref(), self.0.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    }
    /// E.164, e.g. +14155550123.
    async fn phone_number(&self) -> &str {
        &self.0.phone_number
    }
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    async fn company(&self) -> Option<&str> {
        self.0.company.as_deref()
    }
    async fn status(&self) -> LeadStatus {
        self.0.status.into()
    }
    /// 0-100.
    async fn lead_score(&self) -> i32 {
        self.0.lead_score
    }
    async fn tags(&self) -> Vec<String> {
        self.0
            .tags
            .as_array()
            .map(|tags| {
                tags.iter()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }
    async fn sub_source(&self) -> Option<&str> {
        self.0.sub_source.as_deref()
    }
    /// Attribution details such as UTM parameters.
    async fn source_metadata(&self) -> Json<serde_json::Value> {
        Json(self.0.source_metadata.clone())
    }
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// IANA time zone of the lead, for calling hours.
    async fn timezone(&self) -> Option<&str> {
        self.0.timezone.as_deref()
    }
    async fn last_contact_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_contact_at
    }
    /// Created by an inbound call from an unknown number.
    async fn is_auto_created(&self) -> bool {
        self.0.is_auto_created
    }
    /// Set when the lead is soft-deleted.
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    async fn owner(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let Some(owner) = self.0.owner_user_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.users, owner).await?.flatten().map(User))
    }

    /// The lead's calls, newest first by default; `first`/`after` page each lead's calls separately.
    #[graphql(complexity = "crate::pagination::complexity(first, None, child_complexity)")]
    async fn calls(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        order_by: Option<CallOrder>,
    ) -> ApiResult<CallConnection> {
        nested_calls(ctx, self.0.id, first, after, order_by, true).await
    }

    /// Every status change, oldest first.
    async fn status_history(&self, ctx: &Context<'_>) -> ApiResult<Vec<LeadStatusChange>> {
        Ok(load(&loaders(ctx)?.status_history_by_lead, self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(LeadStatusChange)
            .collect())
    }

    /// Every recorded change, oldest first.
    async fn audit_log(&self, ctx: &Context<'_>) -> ApiResult<Vec<LeadAuditEntry>> {
        Ok(load(&loaders(ctx)?.audit_log_by_lead, self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(LeadAuditEntry)
            .collect())
    }

    /// Every score change, oldest first.
    async fn score_history(&self, ctx: &Context<'_>) -> ApiResult<Vec<LeadScoreChange>> {
        Ok(load(&loaders(ctx)?.score_history_by_lead, self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(LeadScoreChange)
            .collect())
    }

    /// Every change of owner, oldest first.
    async fn assignments(&self, ctx: &Context<'_>) -> ApiResult<Vec<LeadAssignment>> {
        Ok(load(&loaders(ctx)?.assignments_by_lead, self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(LeadAssignment)
            .collect())
    }

    /// Follow-ups, by date.
    async fn follow_ups(&self, ctx: &Context<'_>) -> ApiResult<Vec<FollowUp>> {
        Ok(load(&loaders(ctx)?.follow_ups_by_lead, self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(FollowUp)
            .collect())
    }

    /// The customer this lead became, if it did.
    async fn customer(&self, ctx: &Context<'_>) -> ApiResult<Option<Customer>> {
        Ok(load(&loaders(ctx)?.customers_by_lead, self.0.id)
            .await?
            .and_then(|rows| rows.into_iter().next())
            .map(Customer))
    }
}

/// The calls of one parent (a lead or an agent), a page per parent.
async fn nested_calls(
    ctx: &Context<'_>,
    parent: Uuid,
    first: Option<i32>,
    after: Option<String>,
    order_by: Option<CallOrder>,
    of_lead: bool,
) -> ApiResult<CallConnection> {
    let page = Page::new(first, after, None, None)?;
    let plan = crate::prefetch::CallPlan::of(&crate::prefetch::nodes(&[ctx.field()]))?;
    let direction = order_by.unwrap_or_default().direction;
    let key = PageKey::new(parent, &page, direction);
    let loaders = loaders(ctx)?;
    let rows = if of_lead {
        load(&loaders.calls_by_lead, key).await?
    } else {
        load(&loaders.calls_by_agent, key).await?
    };
    let total = if of_lead {
        Total::CallsOfLead(parent)
    } else {
        Total::CallsOfAgent(parent)
    };
    let rows = rows.unwrap_or_default();
    // Usually warm already (the parent's page prefetched it); an agent's calls or a single lead's are not.
    crate::prefetch::calls(loaders, &plan, &rows).await?;
    Ok(CallConnection::new(&page, rows, call_cursor, Call, total))
}

/// One call with a lead, by an AI agent.
pub struct Call(pub calls::Model);

#[Object]
impl Call {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn status(&self) -> CallStatus {
        self.0.status.into()
    }
    async fn outcome(&self) -> Option<CallOutcome> {
        self.0.outcome.map(Into::into)
    }
    async fn crm_stage(&self) -> CrmStage {
        self.0.crm_stage.into()
    }
    async fn traffic_source(&self) -> TrafficSource {
        self.0.traffic_source.into()
    }
    async fn source_of_set_appointment(&self) -> Option<AppointmentSource> {
        self.0.source_of_set_appointment.map(Into::into)
    }
    async fn lead_source(&self) -> Option<&str> {
        self.0.lead_source.as_deref()
    }
    async fn call_type(&self) -> CallType {
        self.0.call_type.into()
    }
    async fn call_source(&self) -> CallSource {
        self.0.call_source.into()
    }
    async fn provider(&self) -> Option<TelephonyProvider> {
        self.0.provider.map(Into::into)
    }
    /// The provider's id of the call (Vapi call id, ElevenLabs conversation id…).
    async fn provider_call_id(&self) -> Option<&str> {
        self.0.provider_call_id.as_deref()
    }
    /// The other party's number, E.164.
    async fn phone_number(&self) -> Option<&str> {
        self.0.phone_number.as_deref()
    }
    async fn caller_name(&self) -> Option<&str> {
        self.0.caller_name.as_deref()
    }
    async fn caller_email(&self) -> Option<&str> {
        self.0.caller_email.as_deref()
    }
    async fn scheduled_at(&self) -> Option<DateTime<Utc>> {
        self.0.scheduled_at
    }
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }
    async fn duration_seconds(&self) -> Option<i32> {
        self.0.duration_seconds
    }
    /// The duration rounded up to whole minutes (61 s bills 2).
    async fn billed_minutes(&self) -> Option<i32> {
        self.0.billed_minutes
    }
    async fn credits_used(&self) -> i64 {
        self.0.credits_used
    }
    async fn cost_cents(&self) -> i64 {
        self.0.cost_cents
    }
    async fn recording_url(&self) -> Option<&str> {
        self.0.recording_url.as_deref()
    }
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }
    async fn purpose(&self) -> Option<&str> {
        self.0.purpose.as_deref()
    }
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    async fn ended_reason(&self) -> Option<&str> {
        self.0.ended_reason.as_deref()
    }
    async fn insurance_verified(&self) -> bool {
        self.0.insurance_verified
    }
    async fn insurance_provider(&self) -> Option<&str> {
        self.0.insurance_provider.as_deref()
    }
    async fn payment_plan_discussed(&self) -> bool {
        self.0.payment_plan_discussed
    }
    async fn payment_plan_amount_cents(&self) -> Option<i64> {
        self.0.payment_plan_amount_cents
    }
    async fn collection_attempt(&self) -> bool {
        self.0.collection_attempt
    }
    async fn collection_amount_cents(&self) -> Option<i64> {
        self.0.collection_amount_cents
    }
    async fn collection_success(&self) -> bool {
        self.0.collection_success
    }
    async fn transferred_to_staff(&self) -> bool {
        self.0.transferred_to_staff
    }
    async fn transferred_to(&self) -> Option<&str> {
        self.0.transferred_to.as_deref()
    }
    async fn follow_up_required(&self) -> bool {
        self.0.follow_up_required
    }
    async fn follow_up_date(&self) -> Option<DateTime<Utc>> {
        self.0.follow_up_date
    }
    /// 1-5.
    async fn call_quality(&self) -> Option<i32> {
        self.0.call_quality
    }
    async fn customer_sentiment(&self) -> Option<Sentiment> {
        self.0.customer_sentiment.map(Into::into)
    }
    /// 0-1.
    async fn ai_confidence(&self) -> Option<f64> {
        self.0.ai_confidence
    }
    async fn metadata(&self) -> Json<serde_json::Value> {
        Json(self.0.metadata.clone())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    async fn lead(&self, ctx: &Context<'_>) -> ApiResult<Option<Lead>> {
        let Some(lead) = self.0.lead_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.leads, lead)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(Lead))
    }
    async fn agent(&self, ctx: &Context<'_>) -> ApiResult<Option<Agent>> {
        let Some(agent) = self.0.agent_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.agents, agent)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(Agent))
    }
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Option<Campaign>> {
        let Some(campaign) = self.0.campaign_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.campaigns, campaign)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(Campaign))
    }
    async fn transcript(&self, ctx: &Context<'_>) -> ApiResult<Option<Transcript>> {
        Ok(load(&loaders(ctx)?.transcripts_by_call, self.0.id)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(Transcript))
    }
    /// The AI analysis of the call.
    async fn analysis(&self, ctx: &Context<'_>) -> ApiResult<Option<CallAnalysis>> {
        Ok(load(&loaders(ctx)?.analyses_by_call, self.0.id)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(CallAnalysis))
    }
}

/// What was said in a call.
pub struct Transcript(pub transcripts::Model);

/// One speaker's turn.
#[derive(SimpleObject, serde::Deserialize)]
pub struct SpeakerSegment {
    pub speaker: String,
    pub text: String,
    /// Seconds from the start of the call.
    pub start: Option<f64>,
    pub end: Option<f64>,
}

#[Object]
impl Transcript {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn content(&self) -> &str {
        &self.0.content
    }
    async fn language(&self) -> &str {
        &self.0.language
    }
    async fn segments(&self) -> Vec<SpeakerSegment> {
        serde_json::from_value(self.0.speaker_segments.clone()).unwrap_or_default()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The call the transcript is of.
    async fn call(&self, ctx: &Context<'_>) -> ApiResult<Option<Call>> {
        Ok(load(&loaders(ctx)?.calls, self.0.call_id)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(Call))
    }
}

/// The AI's reading of a call: scores 0-100, levels, CTA interactions.
pub struct CallAnalysis(pub lead_analytics::Model);

#[Object]
impl CallAnalysis {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn intent_level(&self) -> Option<Level> {
        self.0.intent_level.map(Into::into)
    }
    async fn intent_score(&self) -> Option<i32> {
        self.0.intent_score
    }
    async fn urgency_level(&self) -> Option<Level> {
        self.0.urgency_level.map(Into::into)
    }
    async fn urgency_score(&self) -> Option<i32> {
        self.0.urgency_score
    }
    async fn budget_level(&self) -> Option<Level> {
        self.0.budget_constraint.map(Into::into)
    }
    async fn budget_score(&self) -> Option<i32> {
        self.0.budget_score
    }
    async fn fit_level(&self) -> Option<Level> {
        self.0.fit_alignment.map(Into::into)
    }
    async fn fit_score(&self) -> Option<i32> {
        self.0.fit_score
    }
    async fn engagement_level(&self) -> Option<Level> {
        self.0.engagement_health.map(Into::into)
    }
    async fn engagement_score(&self) -> Option<i32> {
        self.0.engagement_score
    }
    async fn total_score(&self) -> Option<i32> {
        self.0.total_score
    }
    async fn lead_status_tag(&self) -> Option<&str> {
        self.0.lead_status_tag.as_deref()
    }
    async fn reasoning(&self) -> Json<serde_json::Value> {
        Json(self.0.reasoning.clone())
    }
    async fn cta_interactions(&self) -> Json<serde_json::Value> {
        Json(self.0.cta_interactions.clone())
    }
    async fn cta_pricing_clicked(&self) -> bool {
        self.0.cta_pricing_clicked
    }
    async fn cta_demo_clicked(&self) -> bool {
        self.0.cta_demo_clicked
    }
    async fn cta_followup_clicked(&self) -> bool {
        self.0.cta_followup_clicked
    }
    async fn cta_sample_clicked(&self) -> bool {
        self.0.cta_sample_clicked
    }
    async fn cta_escalated_to_human(&self) -> bool {
        self.0.cta_escalated_to_human
    }
    async fn demo_scheduled_at(&self) -> Option<DateTime<Utc>> {
        self.0.demo_scheduled_at
    }
    async fn company_name(&self) -> Option<&str> {
        self.0.company_name.as_deref()
    }
    async fn extracted_name(&self) -> Option<&str> {
        self.0.extracted_name.as_deref()
    }
    async fn extracted_email(&self) -> Option<&str> {
        self.0.extracted_email.as_deref()
    }
    async fn is_qualified(&self) -> bool {
        self.0.is_qualified
    }
    async fn lead_temperature(&self) -> Option<LeadTemperature> {
        self.0.lead_temperature.map(Into::into)
    }
    /// -1 to 1.
    async fn sentiment_score(&self) -> Option<f64> {
        self.0.sentiment_score
    }
    async fn key_topics(&self) -> Json<serde_json::Value> {
        Json(self.0.key_topics.clone())
    }
    async fn objections_raised(&self) -> Json<serde_json::Value> {
        Json(self.0.objections_raised.clone())
    }
    async fn next_steps(&self) -> Option<&str> {
        self.0.next_steps.as_deref()
    }
    async fn is_read(&self) -> bool {
        self.0.is_read
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// An AI voice agent on a provider.
pub struct Agent(pub agents::Model);

#[Object]
impl Agent {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn provider(&self) -> AgentProvider {
        self.0.provider.into()
    }
    async fn external_agent_id(&self) -> &str {
        &self.0.external_agent_id
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn agent_type(&self) -> AgentType {
        self.0.agent_type.into()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The agent's calls, newest first by default, a page per agent.
    #[graphql(complexity = "crate::pagination::complexity(first, None, child_complexity)")]
    async fn calls(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        order_by: Option<CallOrder>,
    ) -> ApiResult<CallConnection> {
        nested_calls(ctx, self.0.id, first, after, order_by, false).await
    }
}

/// An outbound campaign.
pub struct Campaign(pub campaigns::Model);

#[Object]
impl Campaign {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn call_type(&self) -> CallType {
        self.0.call_type.into()
    }
    async fn status(&self) -> CampaignStatus {
        self.0.status.into()
    }
    /// Start of the daily calling window (HH:MM, in `timezone` or the called party's).
    async fn calling_window_start(&self) -> Option<String> {
        self.0
            .calling_window_start
            .map(|t| t.format("%H:%M").to_string())
    }
    async fn calling_window_end(&self) -> Option<String> {
        self.0
            .calling_window_end
            .map(|t| t.format("%H:%M").to_string())
    }
    async fn timezone(&self) -> Option<&str> {
        self.0.timezone.as_deref()
    }
    async fn starts_at(&self) -> Option<DateTime<Utc>> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.ends_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn agent(&self, ctx: &Context<'_>) -> ApiResult<Option<Agent>> {
        let Some(agent) = self.0.agent_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.agents, agent)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(Agent))
    }
}

/// A number calls are made from.
pub struct PhoneNumber(pub phone_numbers::Model);

#[Object]
impl PhoneNumber {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn phone_number(&self) -> &str {
        &self.0.phone_number
    }
    async fn provider(&self) -> TelephonyProvider {
        self.0.provider.into()
    }
    async fn provider_phone_number_id(&self) -> Option<&str> {
        self.0.provider_phone_number_id.as_deref()
    }
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    async fn assigned_to(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let Some(user) = self.0.assigned_to_user_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.users, user).await?.flatten().map(User))
    }
}

/// A saved lead filter.
pub struct Segment(pub segments::Model);

#[Object]
impl Segment {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The stored `LeadFilter`, as JSON.
    async fn filter(&self) -> ApiResult<Json<serde_json::Value>> {
        let filter = switchboard_app::leads::segments::filter_of(&self.0)?;
        Ok(Json(crate::filter::input_json(&filter)?))
    }
    async fn is_public(&self) -> bool {
        self.0.is_public
    }
    /// Matching leads when last counted (see `refreshSegmentCount`).
    async fn lead_count(&self) -> i32 {
        self.0.lead_count
    }
    async fn lead_count_refreshed_at(&self) -> Option<DateTime<Utc>> {
        self.0.lead_count_refreshed_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The leads the filter matches now.
    #[graphql(complexity = "crate::pagination::complexity(first, last, child_complexity)")]
    async fn leads(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<LeadOrder>,
    ) -> ApiResult<LeadConnection> {
        let viewer = context::require(ctx, Permission::Read)?;
        let filter = switchboard_app::leads::segments::filter_of(&self.0)?;
        crate::query::lead_page(
            ctx,
            viewer,
            &filter,
            Page::new(first, after, last, before)?,
            order_by.unwrap_or_default(),
        )
        .await
    }
}

/// A number that must not be called.
pub struct DncEntry(pub dnc_list::Model);

#[Object]
impl DncEntry {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn phone_number(&self) -> &str {
        &self.0.phone_number
    }
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    async fn source(&self) -> DncSource {
        self.0.source.into()
    }
    /// The opt-out phrase the AI heard, if it detected one.
    async fn detected_phrase(&self) -> Option<&str> {
        self.0.detected_phrase.as_deref()
    }
    /// After this the entry no longer blocks calls.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// Whether the entry blocks calls now.
    async fn is_active(&self) -> bool {
        self.0.expires_at.is_none_or(|at| at > Utc::now())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A change of a lead's status.
pub struct LeadStatusChange(pub lead_status_history::Model);

#[Object]
impl LeadStatusChange {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn from_status(&self) -> Option<LeadStatus> {
        self.0.from_status.map(Into::into)
    }
    async fn to_status(&self) -> LeadStatus {
        self.0.to_status.into()
    }
    async fn trigger_type(&self) -> TriggerType {
        self.0.trigger_type.into()
    }
    async fn call_id(&self) -> Option<ID> {
        self.0.call_id.map(id)
    }
    async fn sequence_id(&self) -> Option<ID> {
        self.0.sequence_id.map(id)
    }
    async fn changed_by_id(&self) -> Option<ID> {
        self.0.changed_by.map(id)
    }
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// One recorded change of a lead.
pub struct LeadAuditEntry(pub lead_audit_log::Model);

#[Object]
impl LeadAuditEntry {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn action(&self) -> LeadAuditAction {
        self.0.action.into()
    }
    async fn field(&self) -> Option<&str> {
        self.0.field_name.as_deref()
    }
    async fn old_value(&self) -> Option<Json<serde_json::Value>> {
        self.0.old_value.clone().map(Json)
    }
    async fn new_value(&self) -> Option<Json<serde_json::Value>> {
        self.0.new_value.clone().map(Json)
    }
    async fn user_id(&self) -> Option<ID> {
        self.0.user_id.map(id)
    }
    async fn reason(&self) -> Option<&str> {
        self.0.change_reason.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A change of a lead's score.
pub struct LeadScoreChange(pub lead_score_history::Model);

#[Object]
impl LeadScoreChange {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn old_score(&self) -> Option<i32> {
        self.0.old_score
    }
    async fn new_score(&self) -> i32 {
        self.0.new_score
    }
    async fn trigger_type(&self) -> TriggerType {
        self.0.trigger_type.into()
    }
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A change of a lead's owner.
pub struct LeadAssignment(pub lead_assignments::Model);

#[Object]
impl LeadAssignment {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn from_user_id(&self) -> Option<ID> {
        self.0.from_user_id.map(id)
    }
    async fn to_user_id(&self) -> Option<ID> {
        self.0.to_user_id.map(id)
    }
    async fn strategy(&self) -> AssignmentStrategy {
        self.0.strategy.into()
    }
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A follow-up someone scheduled for a lead.
pub struct FollowUp(pub follow_ups::Model);

#[Object]
impl FollowUp {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn date(&self) -> NaiveDate {
        self.0.follow_up_date
    }
    async fn remark(&self) -> Option<&str> {
        self.0.remark.as_deref()
    }
    async fn status(&self) -> FollowUpStatus {
        self.0.status.into()
    }
    async fn assignee_id(&self) -> Option<ID> {
        self.0.user_id.map(id)
    }
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A lead that became a paying customer.
pub struct Customer(pub customers::Model);

#[Object]
impl Customer {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// CUST-YYYY-NNNN.
    async fn reference_number(&self) -> &str {
        &self.0.customer_reference_number
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn status(&self) -> CustomerStatus {
        self.0.status.into()
    }
    async fn conversion_date(&self) -> Option<DateTime<Utc>> {
        self.0.conversion_date
    }
    /// RFM composite, 6-30: hot 24-30, warm 18-23, cool 12-17, cold 6-11.
    async fn lead_score(&self) -> Option<i32> {
        self.0.lead_score
    }
    async fn rfm_recency(&self) -> Option<i32> {
        self.0.rfm_recency
    }
    async fn rfm_frequency(&self) -> Option<i32> {
        self.0.rfm_frequency
    }
    async fn rfm_monetary(&self) -> Option<i32> {
        self.0.rfm_monetary
    }
}
