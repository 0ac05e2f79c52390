//! Segments, the DNC list, a lead's recorded changes, follow-ups and customers.

use super::*;
#[allow(unused_imports)]
use std::sync::Arc;

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
    async fn filter(&self) -> ApiResult<Json<serde_json::Value>> {
        let filter = switchboard_app::leads::segments::filter_of(&self.0)?;
        Ok(Json(crate::shared::filter::input_json(&filter)?))
    }
    /// Whether the segment is shared with the team: a private one is visible
    /// only to its creator and to managers and above.
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
    #[graphql(complexity = "crate::shared::pagination::complexity(first, last, child_complexity)")]
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
pub struct LeadStatusChange(pub Arc<lead_status_history::Model>);

impl LeadStatusChange {
    /// Wraps a row, owned or shared.
    pub fn new(row: impl Into<Arc<lead_status_history::Model>>) -> Self {
        Self(row.into())
    }
}

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
pub struct LeadAuditEntry(pub Arc<lead_audit_log::Model>);

impl LeadAuditEntry {
    /// Wraps a row, owned or shared.
    pub fn new(row: impl Into<Arc<lead_audit_log::Model>>) -> Self {
        Self(row.into())
    }
}

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
pub struct LeadScoreChange(pub Arc<lead_score_history::Model>);

impl LeadScoreChange {
    /// Wraps a row, owned or shared.
    pub fn new(row: impl Into<Arc<lead_score_history::Model>>) -> Self {
        Self(row.into())
    }
}

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
pub struct LeadAssignment(pub Arc<lead_assignments::Model>);

impl LeadAssignment {
    /// Wraps a row, owned or shared.
    pub fn new(row: impl Into<Arc<lead_assignments::Model>>) -> Self {
        Self(row.into())
    }
}

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
    /// What decided the choice: for ROUND_ROBIN the turn (`turn`, `of`), for CAPACITY the member's open leads and capacity, for GEOGRAPHIC the territory and what matched, for SKILL_BASED the member's rank and close rate.
    async fn metadata(&self) -> Json<&serde_json::Value> {
        Json(&self.0.metadata)
    }
    /// The member who assigned it; null for the organization's assignment rule.
    async fn assigned_by_id(&self) -> Option<ID> {
        self.0.assigned_by.map(id)
    }
    /// When the owner changed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A follow-up someone scheduled for a lead.
pub struct FollowUp(pub Arc<follow_ups::Model>);

impl FollowUp {
    /// Wraps a row, owned or shared.
    pub fn new(row: impl Into<Arc<follow_ups::Model>>) -> Self {
        Self(row.into())
    }
}

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
    /// Who completed it.
    async fn completed_by_id(&self) -> Option<ID> {
        self.0.completed_by.map(id)
    }
    /// Who scheduled it; null when a provider's call outcome asked for it.
    async fn created_by_id(&self) -> Option<ID> {
        self.0.created_by.map(id)
    }
    /// The lead's id.
    async fn lead_id(&self) -> Option<ID> {
        self.0.lead_id.map(id)
    }
    /// The lead to get back to.
    async fn lead(&self, ctx: &Context<'_>) -> ApiResult<Option<Lead>> {
        let Some(lead) = self.0.lead_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.leads, lead)
            .await?
            .and_then(|r| r.into_iter().next())
            .map(Lead::new))
    }
    /// The call whose outcome asked for it.
    async fn call_id(&self) -> Option<ID> {
        self.0.call_id.map(id)
    }
    /// The lead's name when it was scheduled.
    async fn lead_name(&self) -> Option<&str> {
        self.0.lead_name.as_deref()
    }
    /// The lead's phone number (E.164) when it was scheduled.
    async fn lead_phone(&self) -> Option<&str> {
        self.0.lead_phone.as_deref()
    }
    /// When it was scheduled.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A lead that became a paying customer.
pub struct Customer(pub Arc<customers::Model>);

impl Customer {
    /// Wraps a row, owned or shared.
    pub fn new(row: impl Into<Arc<customers::Model>>) -> Self {
        Self(row.into())
    }
}

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
    /// The band of `leadScore`: HOT 24-30, WARM 18-23, COOL 12-17, COLD 6-11.
    async fn band(&self) -> Option<crate::customers::ScoreBand> {
        self.0
            .lead_score
            .map(|s| switchboard_domain::customers::ScoreBand::of(s).into())
    }
    /// When the RFM scores were last computed: by the hourly or on-demand rescore of the organization, or by an order change that moved them.
    async fn last_scored_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_scored_at
    }
    /// The customer's email address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// The customer's phone number.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// The customer's company.
    async fn company(&self) -> Option<&str> {
        self.0.company.as_deref()
    }
    /// Notes about the customer.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// The lead's source when it converted.
    async fn original_lead_source(&self) -> Option<&str> {
        self.0.original_lead_source.as_deref()
    }
    /// The member who owns the customer.
    async fn sales_rep_id(&self) -> Option<ID> {
        self.0.sales_rep_user_id.map(id)
    }
    /// The latest order, message or deal (or the conversion).
    async fn last_interaction_date(&self) -> Option<DateTime<Utc>> {
        self.0.last_interaction_date
    }
    /// The lead it converted from.
    async fn lead_id(&self) -> Option<ID> {
        self.0.lead_id.map(id)
    }
    /// When it became a customer record.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed (scores included).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Orders, messages and deals, newest first, a page at a time.
    #[graphql(complexity = "crate::shared::pagination::complexity(first, None, child_complexity)")]
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many from the start (or after `after`): 0 to 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this connection: the page starts after that activity.")]
        after: Option<String>,
        #[graphql(desc = "Only these kinds; none: every kind.")] types: Option<
            Vec<crate::customers::ActivityType>,
        >,
    ) -> ApiResult<super::ActivityConnection> {
        crate::customers::timeline(ctx, &self.0, first, after, types).await
    }
}
