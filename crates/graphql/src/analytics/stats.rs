//! Ad-hoc group-by over the list filters: `analytics { leadStats callStats }`.
//!
//! Each field is one SQL statement over exactly the rows the `leads` or
//! `calls` list would select: [`switchboard_app::analytics::stats`]
//! compiles the list filter (organization-scoped; live leads unless
//! `includeDeleted`), groups and aggregates the rows in the database, in
//! the organization's time zone. Rows come in the order of `groupBy`: each
//! key ascending, nulls last, enum values in the schema's order, text and
//! periods bytewise, ids by their bytes. At most `first` groups are returned (default 1,000, at most
//! 10,000).

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use switchboard_app::analytics::stats::{self, Grouping, Selection};

use crate::shared::context::{self, Permission, require};
use crate::shared::enums::{
    CallOutcome, CallStatus, CallType, CrmStage, LeadStatus, TrafficSource,
};
use crate::shared::error::ApiResult;
use crate::shared::filter::{CallFilter, LeadFilter};
use crate::shared::scalars::Date;

/// The most groups a stats field returns.
pub use switchboard_app::analytics::stats::MAX_GROUPS;

/// What `leadStats` groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum LeadStatsDimension {
    /// One group per lead status.
    Status,
    /// One group per source (null: leads without one).
    Source,
    /// One group per sub-source (null: leads without one).
    SubSource,
    /// The owning user.
    Owner,
    /// Each tag: a lead counts in the group of every tag it has; leads
    /// without tags make the group whose tag is null.
    Tag,
    /// The day of `createdAt` in the organization's time zone.
    CreatedDay,
    /// The ISO week (from Monday) of `createdAt`, in the organization's time zone.
    CreatedWeek,
    /// The month of `createdAt` in the organization's time zone.
    CreatedMonth,
}

/// What `callStats` groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum CallStatsDimension {
    /// One group per call status.
    Status,
    /// One group per outcome (null: no outcome recorded).
    Outcome,
    /// One group per CRM stage.
    CrmStage,
    /// One group per traffic source.
    TrafficSource,
    /// One group per call type.
    CallType,
    /// One group per agent (null: calls without one).
    Agent,
    /// One group per campaign (null: calls without one).
    Campaign,
    /// One group per lead (null: calls without one).
    Lead,
    /// The day of `createdAt` in the organization's time zone.
    Day,
    /// The ISO week (from Monday) of `createdAt`, in the organization's time zone.
    Week,
    /// The month of `createdAt` in the organization's time zone.
    Month,
}

/// One group of `leadStats`. A key is set only when grouped by it (and is
/// null for the group of rows without a value).
#[derive(SimpleObject, Debug, Clone, Default, PartialEq)]
pub struct LeadStatsRow {
    /// The status, when grouped by it.
    pub status: Option<LeadStatus>,
    /// The source, when grouped by it.
    pub source: Option<String>,
    /// The sub-source, when grouped by it.
    pub sub_source: Option<String>,
    /// The owner's id, when grouped by owner.
    pub owner_id: Option<ID>,
    /// The tag, when grouped by tag.
    pub tag: Option<String>,
    /// The first day of the day, week (a Monday) or month.
    pub period_start: Option<Date>,
    /// Leads in the group.
    pub count: i64,
    /// The lowest lead score in the group.
    pub min_lead_score: Option<i32>,
    /// Two decimals.
    pub avg_lead_score: Option<f64>,
    /// The highest lead score in the group.
    pub max_lead_score: Option<i32>,
}

/// One group of `callStats`. A key is set only when grouped by it (and is
/// null for the group of rows without a value).
#[derive(SimpleObject, Debug, Clone, Default, PartialEq)]
pub struct CallStatsRow {
    /// The status, when grouped by it.
    pub status: Option<CallStatus>,
    /// The outcome, when grouped by it.
    pub outcome: Option<CallOutcome>,
    /// The CRM stage, when grouped by it.
    pub crm_stage: Option<CrmStage>,
    /// The traffic source, when grouped by it.
    pub traffic_source: Option<TrafficSource>,
    /// The call type, when grouped by it.
    pub call_type: Option<CallType>,
    /// The agent's id, when grouped by agent.
    pub agent_id: Option<ID>,
    /// The campaign's id, when grouped by campaign.
    pub campaign_id: Option<ID>,
    /// The lead's id, when grouped by lead.
    pub lead_id: Option<ID>,
    /// The first day of the day, week (a Monday) or month.
    pub period_start: Option<Date>,
    /// Calls in the group.
    pub count: i64,
    /// Their durations added up, in seconds (calls without one count 0).
    pub total_duration_seconds: i64,
    /// Over the calls with a duration; two decimals.
    pub average_duration_seconds: Option<f64>,
    /// What the providers charged for them, in cents.
    pub total_cost_cents: i64,
    /// Over all calls of the group; two decimals.
    pub average_cost_cents: Option<f64>,
    /// Credits charged for them.
    pub total_credits_used: i64,
    /// Over all calls of the group; two decimals.
    pub average_credits_used: Option<f64>,
}

/// The group-by fields of the analytics namespace.
#[derive(Default)]
pub struct StatsAnalytics;

#[Object]
impl StatsAnalytics {
    /// Leads matching `filter` (as `leads(filter:)` selects them), grouped by
    /// `groupBy` (none: one row of totals; at most one period), with their
    /// count and lead scores. Groups come in the order of `groupBy`, each key
    /// ascending and nulls last; at most `first` of them (1 to 10,000).
    /// One SQL statement (and one to read the saved segments `filter` names).
    async fn lead_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which leads count; none: every live lead.")] filter: Option<LeadFilter>,
        #[graphql(
            default,
            desc = "The dimensions to group by, each once, with at most one of CREATED_DAY, CREATED_WEEK and CREATED_MONTH; default none (one row)."
        )]
        group_by: Vec<LeadStatsDimension>,
        #[graphql(
            default = 1000,
            desc = "The most groups to return, 1 to 10,000; default 1,000."
        )]
        first: i32,
    ) -> ApiResult<Vec<LeadStatsRow>> {
        let viewer = require(ctx, Permission::Read)?;
        let grouping = Grouping::parse(group_by.into_iter().map(Into::into).collect(), first)?;
        let filter = filter.unwrap_or_default();
        let app = context::app(ctx)?;
        let filter = filter.to_ast()?;
        switchboard_app::leads::segments::require_visible(&app.db, viewer, &filter).await?;
        let selection = Selection::of_leads(&app.db, viewer.organization_id, &filter).await?;
        let rows = stats::lead_stats(app, viewer, &grouping, selection).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Calls matching `filter` (as `calls(filter:)` selects them), grouped
    /// by `groupBy` (none: one row of totals; at most one period), with
    /// their count, durations, costs and credits. Groups come in the order
    /// of `groupBy`, each key ascending and nulls last; at most `first` of
    /// them (1 to 10,000). One SQL statement.
    async fn call_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which calls count; none: every call.")] filter: Option<CallFilter>,
        #[graphql(
            default,
            desc = "The dimensions to group by, each once, with at most one of DAY, WEEK and MONTH; default none (one row)."
        )]
        group_by: Vec<CallStatsDimension>,
        #[graphql(
            default = 1000,
            desc = "The most groups to return, 1 to 10,000; default 1,000."
        )]
        first: i32,
    ) -> ApiResult<Vec<CallStatsRow>> {
        let viewer = require(ctx, Permission::Read)?;
        let grouping = Grouping::parse(group_by.into_iter().map(Into::into).collect(), first)?;
        let filter = filter.unwrap_or_default();
        let app = context::app(ctx)?;
        let selection = Selection::of_calls(&app.db, viewer.organization_id, &filter.to_ast()?)?;
        let rows = stats::call_stats(app, viewer, &grouping, selection).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

impl From<LeadStatsDimension> for stats::LeadDimension {
    fn from(d: LeadStatsDimension) -> Self {
        use LeadStatsDimension as D;
        match d {
            D::Status => Self::Status,
            D::Source => Self::Source,
            D::SubSource => Self::SubSource,
            D::Owner => Self::Owner,
            D::Tag => Self::Tag,
            D::CreatedDay => Self::CreatedDay,
            D::CreatedWeek => Self::CreatedWeek,
            D::CreatedMonth => Self::CreatedMonth,
        }
    }
}

impl From<CallStatsDimension> for stats::CallDimension {
    fn from(d: CallStatsDimension) -> Self {
        use CallStatsDimension as D;
        match d {
            D::Status => Self::Status,
            D::Outcome => Self::Outcome,
            D::CrmStage => Self::CrmStage,
            D::TrafficSource => Self::TrafficSource,
            D::CallType => Self::CallType,
            D::Agent => Self::Agent,
            D::Campaign => Self::Campaign,
            D::Lead => Self::Lead,
            D::Day => Self::Day,
            D::Week => Self::Week,
            D::Month => Self::Month,
        }
    }
}

fn id(id: Option<uuid::Uuid>) -> Option<ID> {
    id.map(|id| ID(id.to_string()))
}

impl From<stats::LeadStatsRow> for LeadStatsRow {
    fn from(r: stats::LeadStatsRow) -> Self {
        Self {
            status: r.status.map(Into::into),
            source: r.source,
            sub_source: r.sub_source,
            owner_id: id(r.owner_id),
            tag: r.tag,
            period_start: r.period_start.map(Into::into),
            count: r.count,
            min_lead_score: r.min_lead_score,
            avg_lead_score: r.avg_lead_score,
            max_lead_score: r.max_lead_score,
        }
    }
}

impl From<stats::CallStatsRow> for CallStatsRow {
    fn from(r: stats::CallStatsRow) -> Self {
        Self {
            status: r.status.map(Into::into),
            outcome: r.outcome.map(Into::into),
            crm_stage: r.crm_stage.map(Into::into),
            traffic_source: r.traffic_source.map(Into::into),
            call_type: r.call_type.map(Into::into),
            agent_id: id(r.agent_id),
            campaign_id: id(r.campaign_id),
            lead_id: id(r.lead_id),
            period_start: r.period_start.map(Into::into),
            count: r.count,
            total_duration_seconds: r.total_duration_seconds,
            average_duration_seconds: r.average_duration_seconds,
            total_cost_cents: r.total_cost_cents,
            average_cost_cents: r.average_cost_cents,
            total_credits_used: r.total_credits_used,
            average_credits_used: r.average_credits_used,
        }
    }
}
