//! Leads, the pipeline's people, with their calls and history.

use super::*;
#[allow(unused_imports)]
use std::sync::Arc;

/// A person or business the organization may call.
pub struct Lead(pub Arc<leads::Model>);

impl Lead {
    /// Wraps a row, owned or shared.
    pub fn new(row: impl Into<Arc<leads::Model>>) -> Self {
        Self(row.into())
    }
}

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
        Ok(load(&loaders(ctx)?.users, owner)
            .await?
            .flatten()
            .map(User::new))
    }

    /// The lead's calls, newest first by default; `first`/`after` page each lead's calls separately.
    #[graphql(complexity = "crate::shared::pagination::complexity(first, None, child_complexity)")]
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
            .map(LeadStatusChange::new)
            .collect())
    }

    /// Every recorded change, oldest first.
    async fn audit_log(&self, ctx: &Context<'_>) -> ApiResult<Vec<LeadAuditEntry>> {
        Ok(load(&loaders(ctx)?.audit_log_by_lead, self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(LeadAuditEntry::new)
            .collect())
    }

    /// Every score change, oldest first.
    async fn score_history(&self, ctx: &Context<'_>) -> ApiResult<Vec<LeadScoreChange>> {
        Ok(load(&loaders(ctx)?.score_history_by_lead, self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(LeadScoreChange::new)
            .collect())
    }

    /// How the current score was computed; null when it was set by hand (or never computed).
    async fn score_breakdown(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<crate::leads::scoring::ScoreBreakdown>> {
        let history = load(&loaders(ctx)?.score_history_by_lead, self.0.id)
            .await?
            .unwrap_or_default();
        Ok(history
            .last()
            .filter(|change| change.new_score == self.0.lead_score)
            .and_then(|change| change.breakdown.clone())
            .and_then(|json| {
                serde_json::from_value::<switchboard_domain::scoring::Breakdown>(json).ok()
            })
            .map(Into::into))
    }

    /// The lead's nurture sequence enrolments, oldest first.
    async fn enrollments(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<crate::leads::sequences::Enrollment>> {
        crate::leads::sequences::of_lead(ctx, self).await
    }

    /// The texts and emails its nurture sequences sent, and the texts it sent back, oldest first.
    async fn messages(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<crate::leads::messages::LeadMessage>> {
        crate::leads::messages::of_lead(ctx, self).await
    }

    /// Every change of owner, oldest first.
    async fn assignments(&self, ctx: &Context<'_>) -> ApiResult<Vec<LeadAssignment>> {
        Ok(load(&loaders(ctx)?.assignments_by_lead, self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(LeadAssignment::new)
            .collect())
    }

    /// Follow-ups, by date.
    async fn follow_ups(&self, ctx: &Context<'_>) -> ApiResult<Vec<FollowUp>> {
        Ok(load(&loaders(ctx)?.follow_ups_by_lead, self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(FollowUp::new)
            .collect())
    }

    /// The customer this lead became, if it did.
    async fn customer(&self, ctx: &Context<'_>) -> ApiResult<Option<Customer>> {
        Ok(load(&loaders(ctx)?.customers_by_lead, self.0.id)
            .await?
            .and_then(|rows| rows.into_iter().next())
            .map(Customer::new))
    }
}
