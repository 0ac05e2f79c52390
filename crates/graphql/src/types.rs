//! The GraphQL object types. Each wraps an entity row and decides what of it
//! the API shows; relations resolve through the request's [`Loaders`].

use async_graphql::{Context, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use switchboard_entity::*;
use uuid::Uuid;

use crate::context::{self, Permission};
use crate::enums::*;
use crate::error::{ApiError, ApiResult, AppError};
use crate::loaders::{Loaders, PageKey};
use crate::pagination::{Cursor, Direction, Page, PageInfo, SortKey};
use crate::scalars::Date;

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
            /// Where this node is: give it as `after` (or `before`) to page from here.
            pub cursor: String,
            /// The row itself.
            pub node: $node,
        }

        $(#[$doc])*
        #[Object]
        impl $connection {
            /// The page's rows with their cursors, in the connection's order.
            async fn edges(&self) -> &[$edge] {
                &self.edges
            }
            /// The nodes of `edges`, without cursors.
            async fn nodes(&self) -> Vec<&$node> {
                self.edges.iter().map(|e| &e.node).collect()
            }
            /// Whether there are more rows before or after this page, and its first and last cursors.
            async fn page_info(&self) -> &PageInfo {
                &self.page_info
            }
            /// How many rows match, across all pages (counted only when asked for;
            /// a search result is not counted and answers BAD_USER_INPUT).
            async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
                Ok(self.total.resolve(ctx).await?)
            }
        }

        impl $connection {
            pub fn new<R>(page: &Page, rows: Vec<R>, cursor: impl Fn(&R) -> Cursor, node: impl Fn(R) -> $node, total: Total) -> Self {
                let (edges, page_info) = page.finish(rows, cursor);
                Self { edges: edges.into_iter().map(|(cursor, row)| $edge { cursor, node: node(row) }).collect(), page_info, total }
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
    /// When the lead was created: the default.
    #[default]
    CreatedAt,
    /// When the lead last changed.
    UpdatedAt,
    /// The lead score, 0-100.
    LeadScore,
}

/// How leads are sorted.
#[derive(async_graphql::InputObject, Debug, Clone, Copy, Default)]
pub struct LeadOrder {
    /// What to sort by; default CREATED_AT.
    #[graphql(default)]
    pub field: LeadOrderField,
    /// Default DESC: newest or highest first.
    #[graphql(default)]
    pub direction: Direction,
}

/// How calls are sorted: by creation time, the id breaking ties.
#[derive(async_graphql::InputObject, Debug, Clone, Copy, Default)]
pub struct CallOrder {
    /// Default DESC: newest first.
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

/// An organization: the tenant everything belongs to. Every query reads
/// the viewer's organization only.
#[Object]
impl Organization {
    /// The organization's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Unique short name, for URLs.
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
    /// When the organization was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A person with an account.
pub struct User(pub users::Model);

/// A person with an account; the same user may belong to several organizations.
#[Object]
impl User {
    /// The user's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Sign-in email address, unique (case-insensitively).
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// Display name.
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

/// The member making the request: who they are, in which organization, with which role.
#[Object(name = "Viewer")]
impl ViewerInfo {
    /// The signed-in user.
    async fn user(&self) -> User {
        User(self.user.clone())
    }
    /// The organization the token acts in.
    async fn organization(&self) -> Organization {
        Organization(self.organization.clone())
    }
    /// The user's role there, which decides what they may do.
    async fn role(&self) -> MemberRole {
        self.role.into()
    }
}

/// A person or business the organization may call.
pub struct Lead(pub leads::Model);

/// A person or business the organization may call, and where they are in the pipeline.
#[Object]
impl Lead {
    /// The lead's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Given name, if known.
    async fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }
    /// Family name, if known.
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
    /// Email address, if known.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// The company the lead works for, if known.
    async fn company(&self) -> Option<&str> {
        self.0.company.as_deref()
    }
    /// Where the lead is in the pipeline; DNC while the number is on the DNC list.
    async fn status(&self) -> LeadStatus {
        self.0.status.into()
    }
    /// How promising the lead is, 0-100 (set by members; default 0).
    async fn lead_score(&self) -> i32 {
        self.0.lead_score
    }
    /// Free labels, at most 50 (each stored once, in the order given).
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
    /// Where the lead came from (e.g. `facebook_ads`, `referral`): the key of source ROI and lead stats.
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }
    /// A finer source within `source` (e.g. the campaign or ad set).
    async fn sub_source(&self) -> Option<&str> {
        self.0.sub_source.as_deref()
    }
    /// Attribution details such as UTM parameters.
    async fn source_metadata(&self) -> Json<serde_json::Value> {
        Json(self.0.source_metadata.clone())
    }
    /// Free-form notes.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// The lead's IANA time zone, for calling hours; null: the organization's.
    async fn timezone(&self) -> Option<&str> {
        self.0.timezone.as_deref()
    }
    /// When the latest call with the lead that connected (completed or voicemail) ended.
    async fn last_contact_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_contact_at
    }
    /// Whether the lead was created by an inbound call from an unknown number.
    async fn is_auto_created(&self) -> bool {
        self.0.is_auto_created
    }
    /// When the lead was soft-deleted (`deleteLead`); null while it is live.
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }
    /// When the lead was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When any field of the lead last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The user responsible for the lead, if any (see `assignments` for the history).
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
        #[graphql(desc = "How many of the lead's calls (or after `after`): 0 to 100, default 20.")]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from this connection (`pageInfo.endCursor` or an edge's `cursor`): the page starts after that row."
        )]
        after: Option<String>,
        #[graphql(desc = "Default: newest first.")] order_by: Option<CallOrder>,
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

/// One call between an AI agent and a lead (or an unknown caller), from
/// scheduling to its outcome, with what it cost.
#[Object]
impl Call {
    /// The call's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Where the call is in its lifecycle; changes only along the status machine (`updateCallStatus`).
    async fn status(&self) -> CallStatus {
        self.0.status.into()
    }
    /// What the call achieved, once recorded (`recordCallOutcome`).
    async fn outcome(&self) -> Option<CallOutcome> {
        self.0.outcome.map(Into::into)
    }
    /// The sales-pipeline stage, derived from the status and the recorded close (CLOSED_WON or LOST).
    async fn crm_stage(&self) -> CrmStage {
        self.0.crm_stage.into()
    }
    /// Where the traffic behind the call came from: as given, else by `sourceOfSetAppointment`, else by the lead source, else ORGANIC.
    async fn traffic_source(&self) -> TrafficSource {
        self.0.traffic_source.into()
    }
    /// How the appointment behind the call was set, if known.
    async fn source_of_set_appointment(&self) -> Option<AppointmentSource> {
        self.0.source_of_set_appointment.map(Into::into)
    }
    /// The lead's source when the call was created (or as given).
    async fn lead_source(&self) -> Option<&str> {
        self.0.lead_source.as_deref()
    }
    /// Inbound, or which kind of outbound call.
    async fn call_type(&self) -> CallType {
        self.0.call_type.into()
    }
    /// Whether the call came over the phone network or the internet.
    async fn call_source(&self) -> CallSource {
        self.0.call_source.into()
    }
    /// The platform that carried the call, if known.
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
    /// The other party's name as the provider reported it.
    async fn caller_name(&self) -> Option<&str> {
        self.0.caller_name.as_deref()
    }
    /// The other party's email as the provider reported it.
    async fn caller_email(&self) -> Option<&str> {
        self.0.caller_email.as_deref()
    }
    /// When the call is (or was) planned to be placed.
    async fn scheduled_at(&self) -> Option<DateTime<Utc>> {
        self.0.scheduled_at
    }
    /// When the call connected (reached IN_PROGRESS).
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    /// When the call reached a terminal status.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }
    /// Seconds from `startedAt` to `endedAt` (0 if it never connected); set when it ends.
    async fn duration_seconds(&self) -> Option<i32> {
        self.0.duration_seconds
    }
    /// The duration rounded up to whole minutes (61 s bills 2).
    async fn billed_minutes(&self) -> Option<i32> {
        self.0.billed_minutes
    }
    /// Credits charged: billed minutes × the organization's credits per minute, for a call that connected (COMPLETED or VOICEMAIL); 0 otherwise.
    async fn credits_used(&self) -> i64 {
        self.0.credits_used
    }
    /// What the provider charged for the call, in US cents, as its webhook reported it (0 until reported).
    async fn cost_cents(&self) -> i64 {
        self.0.cost_cents
    }
    /// Where the provider keeps the call's recording.
    async fn recording_url(&self) -> Option<&str> {
        self.0.recording_url.as_deref()
    }
    /// A short account of the call (usually written by the AI).
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }
    /// Why the call is made, as given when it was created.
    async fn purpose(&self) -> Option<&str> {
        self.0.purpose.as_deref()
    }
    /// Free-form notes.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// The provider's reason the call ended (e.g. `customer-ended-call`), as reported first.
    async fn ended_reason(&self) -> Option<&str> {
        self.0.ended_reason.as_deref()
    }
    /// Whether the caller's insurance was verified on the call.
    async fn insurance_verified(&self) -> bool {
        self.0.insurance_verified
    }
    /// The caller's insurance company, if named.
    async fn insurance_provider(&self) -> Option<&str> {
        self.0.insurance_provider.as_deref()
    }
    /// Whether a payment plan was discussed.
    async fn payment_plan_discussed(&self) -> bool {
        self.0.payment_plan_discussed
    }
    /// The payment plan amount discussed, in cents.
    async fn payment_plan_amount_cents(&self) -> Option<i64> {
        self.0.payment_plan_amount_cents
    }
    /// Whether the call tried to collect a payment.
    async fn collection_attempt(&self) -> bool {
        self.0.collection_attempt
    }
    /// The amount asked for, in cents.
    async fn collection_amount_cents(&self) -> Option<i64> {
        self.0.collection_amount_cents
    }
    /// Whether the collection succeeded.
    async fn collection_success(&self) -> bool {
        self.0.collection_success
    }
    /// Whether the call was handed over to a human.
    async fn transferred_to_staff(&self) -> bool {
        self.0.transferred_to_staff
    }
    /// Who (or which line) the call was transferred to.
    async fn transferred_to(&self) -> Option<&str> {
        self.0.transferred_to.as_deref()
    }
    /// Whether someone must follow up on the call.
    async fn follow_up_required(&self) -> bool {
        self.0.follow_up_required
    }
    /// When to follow up.
    async fn follow_up_date(&self) -> Option<DateTime<Utc>> {
        self.0.follow_up_date
    }
    /// How well the call went, 1 (poor) to 5 (excellent).
    async fn call_quality(&self) -> Option<i32> {
        self.0.call_quality
    }
    /// The other party's overall mood on the call.
    async fn customer_sentiment(&self) -> Option<Sentiment> {
        self.0.customer_sentiment.map(Into::into)
    }
    /// How sure the AI is of the recorded outcome, 0 to 1.
    async fn ai_confidence(&self) -> Option<f64> {
        self.0.ai_confidence
    }
    /// Anything else the provider or the client attached, as a JSON object.
    async fn metadata(&self) -> Json<serde_json::Value> {
        Json(self.0.metadata.clone())
    }
    /// When the call was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the call last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The lead called (or calling); null for an unknown number not (yet) linked to a lead.
    async fn lead(&self, ctx: &Context<'_>) -> ApiResult<Option<Lead>> {
        let Some(lead) = self.0.lead_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.leads, lead)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(Lead))
    }
    /// The AI agent that held the call.
    async fn agent(&self, ctx: &Context<'_>) -> ApiResult<Option<Agent>> {
        let Some(agent) = self.0.agent_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.agents, agent)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(Agent))
    }
    /// The campaign the call belongs to.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Option<Campaign>> {
        let Some(campaign) = self.0.campaign_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.campaigns, campaign)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(Campaign))
    }
    /// What was said, once attached.
    async fn transcript(&self, ctx: &Context<'_>) -> ApiResult<Option<Transcript>> {
        Ok(load(&loaders(ctx)?.transcripts_by_call, self.0.id)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(Transcript))
    }
    /// The AI analysis of the call, once recorded.
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
    /// Who spoke, as the provider labels them (e.g. `agent`, `user`).
    pub speaker: String,
    /// What they said.
    pub text: String,
    /// When the turn began, in seconds from the start of the call.
    pub start: Option<f64>,
    /// When the turn ended, in seconds from the start of the call.
    pub end: Option<f64>,
}

/// What was said in a call: the full text and, where the provider gave
/// them, the speakers' turns. Searchable with `searchTranscripts`.
#[Object]
impl Transcript {
    /// The transcript's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The full text of the conversation.
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// The language spoken, as a BCP 47 tag such as `en` (default `en`).
    async fn language(&self) -> &str {
        &self.0.language
    }
    /// Each speaker's turns in order; empty when the provider gave only text.
    async fn segments(&self) -> Vec<SpeakerSegment> {
        serde_json::from_value(self.0.speaker_segments.clone()).unwrap_or_default()
    }
    /// When the transcript was first attached.
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

/// The AI's reading of a call (at most one per call): five rated
/// dimensions with a level and a 0-100 score each, a total, the CTAs the
/// conversation hit, and what it extracted about the lead.
#[Object]
impl CallAnalysis {
    /// The analysis's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// How strongly the lead intends to buy.
    async fn intent_level(&self) -> Option<Level> {
        self.0.intent_level.map(Into::into)
    }
    /// Intent, 0-100.
    async fn intent_score(&self) -> Option<i32> {
        self.0.intent_score
    }
    /// How soon the lead needs a solution.
    async fn urgency_level(&self) -> Option<Level> {
        self.0.urgency_level.map(Into::into)
    }
    /// Urgency, 0-100.
    async fn urgency_score(&self) -> Option<i32> {
        self.0.urgency_score
    }
    /// How far the lead's budget fits (HIGH: little constraint).
    async fn budget_level(&self) -> Option<Level> {
        self.0.budget_constraint.map(Into::into)
    }
    /// Budget, 0-100.
    async fn budget_score(&self) -> Option<i32> {
        self.0.budget_score
    }
    /// How well the product fits the lead's needs.
    async fn fit_level(&self) -> Option<Level> {
        self.0.fit_alignment.map(Into::into)
    }
    /// Fit, 0-100.
    async fn fit_score(&self) -> Option<i32> {
        self.0.fit_score
    }
    /// How engaged the lead was in the conversation.
    async fn engagement_level(&self) -> Option<Level> {
        self.0.engagement_health.map(Into::into)
    }
    /// Engagement, 0-100.
    async fn engagement_score(&self) -> Option<i32> {
        self.0.engagement_score
    }
    /// The overall lead score of the call, 0-100.
    async fn total_score(&self) -> Option<i32> {
        self.0.total_score
    }
    /// The model's qualification tag for the lead (free text, e.g. `hot-lead`).
    async fn lead_status_tag(&self) -> Option<&str> {
        self.0.lead_status_tag.as_deref()
    }
    /// The model's reasons for its scores, as JSON (an empty object when none).
    async fn reasoning(&self) -> Json<serde_json::Value> {
        Json(self.0.reasoning.clone())
    }
    /// Details of the calls to action the conversation hit, as JSON (an empty object when none were reported).
    async fn cta_interactions(&self) -> Json<serde_json::Value> {
        Json(self.0.cta_interactions.clone())
    }
    /// The lead asked about pricing.
    async fn cta_pricing_clicked(&self) -> bool {
        self.0.cta_pricing_clicked
    }
    /// The lead asked for a demo.
    async fn cta_demo_clicked(&self) -> bool {
        self.0.cta_demo_clicked
    }
    /// The lead asked to be followed up.
    async fn cta_followup_clicked(&self) -> bool {
        self.0.cta_followup_clicked
    }
    /// The lead asked for a sample.
    async fn cta_sample_clicked(&self) -> bool {
        self.0.cta_sample_clicked
    }
    /// The lead asked for a human.
    async fn cta_escalated_to_human(&self) -> bool {
        self.0.cta_escalated_to_human
    }
    /// When the demo the call booked takes place.
    async fn demo_scheduled_at(&self) -> Option<DateTime<Utc>> {
        self.0.demo_scheduled_at
    }
    /// The lead's company, as the AI heard it.
    async fn company_name(&self) -> Option<&str> {
        self.0.company_name.as_deref()
    }
    /// The lead's name, as the AI heard it.
    async fn extracted_name(&self) -> Option<&str> {
        self.0.extracted_name.as_deref()
    }
    /// The lead's email, as the AI heard it.
    async fn extracted_email(&self) -> Option<&str> {
        self.0.extracted_email.as_deref()
    }
    /// Whether the AI judged the lead qualified (counted in `qualifiedLeads`).
    async fn is_qualified(&self) -> bool {
        self.0.is_qualified
    }
    /// How warm the lead is after the call.
    async fn lead_temperature(&self) -> Option<LeadTemperature> {
        self.0.lead_temperature.map(Into::into)
    }
    /// The lead's sentiment on the call, from -1 (negative) to 1 (positive).
    async fn sentiment_score(&self) -> Option<f64> {
        self.0.sentiment_score
    }
    /// The topics the conversation covered, as a JSON array of strings (at most 50).
    async fn key_topics(&self) -> Json<serde_json::Value> {
        Json(self.0.key_topics.clone())
    }
    /// The objections the lead raised, as a JSON array of strings (at most 50).
    async fn objections_raised(&self) -> Json<serde_json::Value> {
        Json(self.0.objections_raised.clone())
    }
    /// What should happen next, as the AI sees it.
    async fn next_steps(&self) -> Option<&str> {
        self.0.next_steps.as_deref()
    }
    /// Whether a member has seen this analysis (new analyses start unread).
    async fn is_read(&self) -> bool {
        self.0.is_read
    }
    /// When the call was first analyzed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// An AI voice agent on a provider.
pub struct Agent(pub agents::Model);

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
    #[graphql(complexity = "crate::pagination::complexity(first, None, child_complexity)")]
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
pub struct Campaign(pub campaigns::Model);

/// An outbound calling campaign: an agent calling leads of one call type within a daily calling window.
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
    /// The AI agent that places the campaign's calls.
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
    /// The user the number is assigned to, if any.
    async fn assigned_to(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let Some(user) = self.0.assigned_to_user_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.users, user).await?.flatten().map(User))
    }
}

/// A saved lead filter.
pub struct Segment(pub segments::Model);

/// A saved lead filter, usable inside any `LeadFilter` (`{ segment: id }`).
#[Object]
impl Segment {
    /// The segment's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Display name, unique within the organization.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the segment is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The stored `LeadFilter`, as JSON.
    async fn filter(&self) -> Json<serde_json::Value> {
        Json(self.0.filter.clone())
    }
    /// Whether the segment is shared with the team (a flag for clients: every
    /// member of the organization can read every segment).
    async fn is_public(&self) -> bool {
        self.0.is_public
    }
    /// Matching leads when last counted (see `refreshSegmentCount`).
    async fn lead_count(&self) -> i32 {
        self.0.lead_count
    }
    /// When `leadCount` was last counted; null if never.
    async fn lead_count_refreshed_at(&self) -> Option<DateTime<Utc>> {
        self.0.lead_count_refreshed_at
    }
    /// When the segment was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The leads the filter matches now.
    #[graphql(complexity = "crate::pagination::complexity(first, last, child_complexity)")]
    async fn leads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many rows from the start (or after `after`): 0 to 100, default 20.")]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from this connection (`pageInfo.endCursor` or an edge's `cursor`): the page starts after that row."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many rows from the end (or before `before`): 0 to 100; not together with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from this connection (`pageInfo.startCursor` or an edge's `cursor`): the page ends before that row."
        )]
        before: Option<String>,
        #[graphql(desc = "Default: newest first by creation time.")] order_by: Option<LeadOrder>,
    ) -> ApiResult<LeadConnection> {
        let viewer = context::require(ctx, Permission::Read)?;
        let filter = crate::filter::stored_filter(&self.0.filter)?;
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

/// A number on the organization's do-not-call list: no call may be
/// scheduled to it while the entry is active.
#[Object]
impl DncEntry {
    /// The entry's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The blocked number, E.164; one entry per number.
    async fn phone_number(&self) -> &str {
        &self.0.phone_number
    }
    /// Why the number was added.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// How the number came onto the list.
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
    /// When the number was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A change of a lead's status.
pub struct LeadStatusChange(pub lead_status_history::Model);

/// One change of a lead's status (`lead.statusHistory`), feeding the lead funnel.
#[Object]
impl LeadStatusChange {
    /// The change's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The status before; null for the status the lead was created with.
    async fn from_status(&self) -> Option<LeadStatus> {
        self.0.from_status.map(Into::into)
    }
    /// The status after.
    async fn to_status(&self) -> LeadStatus {
        self.0.to_status.into()
    }
    /// What made the change: a member (MANUAL), a call, an automation or the AI.
    async fn trigger_type(&self) -> TriggerType {
        self.0.trigger_type.into()
    }
    /// The call that made the change, when a call did.
    async fn call_id(&self) -> Option<ID> {
        self.0.call_id.map(id)
    }
    /// The nurture sequence that made the change, when one did.
    async fn sequence_id(&self) -> Option<ID> {
        self.0.sequence_id.map(id)
    }
    /// The user who made the change, when a member did.
    async fn changed_by_id(&self) -> Option<ID> {
        self.0.changed_by.map(id)
    }
    /// Why, in words (e.g. "On the DNC list").
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// When the status changed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// One recorded change of a lead.
pub struct LeadAuditEntry(pub lead_audit_log::Model);

/// One recorded change of a lead (`lead.auditLog`): creation, a field
/// change with its old and new value, deletion or restoration.
#[Object]
impl LeadAuditEntry {
    /// The entry's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// What happened to the lead.
    async fn action(&self) -> LeadAuditAction {
        self.0.action.into()
    }
    /// The field changed (its database column name, e.g. `lead_score`), for an UPDATE.
    async fn field(&self) -> Option<&str> {
        self.0.field_name.as_deref()
    }
    /// The value before, as JSON.
    async fn old_value(&self) -> Option<Json<serde_json::Value>> {
        self.0.old_value.clone().map(Json)
    }
    /// The value after, as JSON.
    async fn new_value(&self) -> Option<Json<serde_json::Value>> {
        self.0.new_value.clone().map(Json)
    }
    /// The user who made the change; null when a call or a provider made it.
    async fn user_id(&self) -> Option<ID> {
        self.0.user_id.map(id)
    }
    /// Why, when known (e.g. "Recorded from a call").
    async fn reason(&self) -> Option<&str> {
        self.0.change_reason.as_deref()
    }
    /// When the change was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A change of a lead's score.
pub struct LeadScoreChange(pub lead_score_history::Model);

/// One change of a lead's score (`lead.scoreHistory`).
#[Object]
impl LeadScoreChange {
    /// The change's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The score before (0-100); null for the first score.
    async fn old_score(&self) -> Option<i32> {
        self.0.old_score
    }
    /// The score after, 0-100.
    async fn new_score(&self) -> i32 {
        self.0.new_score
    }
    /// What made the change.
    async fn trigger_type(&self) -> TriggerType {
        self.0.trigger_type.into()
    }
    /// Why, when known.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// When the score changed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A change of a lead's owner.
pub struct LeadAssignment(pub lead_assignments::Model);

/// One change of a lead's owner (`lead.assignments`).
#[Object]
impl LeadAssignment {
    /// The assignment's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The owner before; null when the lead had none.
    async fn from_user_id(&self) -> Option<ID> {
        self.0.from_user_id.map(id)
    }
    /// The owner after; null when the lead was unassigned.
    async fn to_user_id(&self) -> Option<ID> {
        self.0.to_user_id.map(id)
    }
    /// How the new owner was chosen.
    async fn strategy(&self) -> AssignmentStrategy {
        self.0.strategy.into()
    }
    /// Why, when known.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// When the owner changed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A follow-up someone scheduled for a lead.
pub struct FollowUp(pub follow_ups::Model);

/// A follow-up someone scheduled for a lead: a day to get back to them and what to do.
#[Object]
impl FollowUp {
    /// The follow-up's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The day to follow up on.
    async fn date(&self) -> Date {
        self.0.follow_up_date.into()
    }
    /// What to do or say.
    async fn remark(&self) -> Option<&str> {
        self.0.remark.as_deref()
    }
    /// Pending, completed or cancelled.
    async fn status(&self) -> FollowUpStatus {
        self.0.status.into()
    }
    /// The user who is to follow up.
    async fn assignee_id(&self) -> Option<ID> {
        self.0.user_id.map(id)
    }
    /// When it was completed.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    /// When it was scheduled.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A lead that became a paying customer.
pub struct Customer(pub customers::Model);

/// A lead that became a paying customer, scored by recency, frequency and
/// monetary value (RFM, each 1-5).
#[Object]
impl Customer {
    /// The customer's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The customer's reference, CUST-YYYY-NNNN (year of conversion, then a number).
    async fn reference_number(&self) -> &str {
        &self.0.customer_reference_number
    }
    /// The customer's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Active, inactive, churned or on hold.
    async fn status(&self) -> CustomerStatus {
        self.0.status.into()
    }
    /// When the lead became a customer.
    async fn conversion_date(&self) -> Option<DateTime<Utc>> {
        self.0.conversion_date
    }
    /// RFM composite, 6-30: hot 24-30, warm 18-23, cool 12-17, cold 6-11.
    async fn lead_score(&self) -> Option<i32> {
        self.0.lead_score
    }
    /// How recently the customer bought, 1 (long ago) to 5 (recently).
    async fn rfm_recency(&self) -> Option<i32> {
        self.0.rfm_recency
    }
    /// How often the customer buys, 1 (rarely) to 5 (often).
    async fn rfm_frequency(&self) -> Option<i32> {
        self.0.rfm_frequency
    }
    /// How much the customer spends, 1 (little) to 5 (much).
    async fn rfm_monetary(&self) -> Option<i32> {
        self.0.rfm_monetary
    }
}
