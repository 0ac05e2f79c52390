//! `setAgentTarget`: a manager's targets for an agent's day, week or month,
//! answered with the achievement so far (from the same rollups as
//! `agentPerformance`).

use async_graphql::{Context, ID, Object};
use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use switchboard_domain::analytics::Granularity as Cut;
use switchboard_domain::rollups::Contribution;
use switchboard_entity::{agent_analytics, agent_targets};
use uuid::Uuid;

use crate::analytics_api::{
    Figures, Granularity, TargetProgress, agent_contribution, target_period,
};
use crate::context::{self, Permission, require};
use crate::error::{ApiError, ApiResult, parse_id};
use crate::scalars::Date;

/// Input of `setAgentTarget`: any of the four targets (unset ones are cleared).
#[derive(async_graphql::InputObject)]
pub struct AgentTargetInput {
    /// The agent's id.
    pub agent_id: ID,
    /// Whether the target is for a day, a week or a month.
    pub granularity: Granularity,
    /// The period's first day: any day for DAY, a Monday for WEEK, the 1st for MONTH.
    pub period_start: Date,
    /// Calls to make in the period, at least 0.
    pub target_calls: Option<i32>,
    /// Success rate to reach, 0-100.
    pub target_success_rate: Option<f64>,
    /// Leads to generate in the period, at least 0.
    pub target_leads: Option<i32>,
    /// Conversion rate to reach, 0-100.
    pub target_conversion_rate: Option<f64>,
}

#[derive(Default)]
pub struct AnalyticsMutations;

#[Object]
impl AnalyticsMutations {
    /// Sets an agent's target for a day, week or month (managers), replacing
    /// the one it had; `agentPerformance` reports its achievement.
    async fn set_agent_target(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agent, the period and the targets.")] input: AgentTargetInput,
    ) -> ApiResult<TargetProgress> {
        use sea_orm::ActiveValue::Set;
        use sea_orm::sea_query::OnConflict;
        let viewer = require(ctx, Permission::Manage)?;
        let agent = parse_id("input.agentId", &input.agent_id)?;
        let cut: Cut = input.granularity.into();
        if cut.period_start(input.period_start.0) != input.period_start.0 {
            return Err(ApiError::bad_input(
                "input.periodStart",
                "a week starts on a Monday and a month on its 1st",
            ));
        }
        for (field, value) in [
            ("input.targetCalls", input.target_calls),
            ("input.targetLeads", input.target_leads),
        ] {
            if value.is_some_and(|v| v < 0) {
                return Err(ApiError::bad_input(field, "a target is at least 0"));
            }
        }
        for (field, value) in [
            ("input.targetSuccessRate", input.target_success_rate),
            ("input.targetConversionRate", input.target_conversion_rate),
        ] {
            if value.is_some_and(|v| !(0.0..=100.0).contains(&v)) {
                return Err(ApiError::bad_input(field, "a rate is between 0 and 100"));
            }
        }
        let db = context::db(ctx)?;
        switchboard_app::calls::find_agent(db, viewer.organization_id, agent).await?;
        let now = Utc::now();
        let row = agent_targets::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(viewer.organization_id),
            agent_id: Set(agent),
            period: Set(target_period(input.granularity)),
            period_start: Set(input.period_start.0),
            target_calls: Set(input.target_calls),
            target_success_rate: Set(input.target_success_rate),
            target_leads: Set(input.target_leads),
            target_conversion_rate: Set(input.target_conversion_rate),
            created_by: Set(Some(viewer.user_id)),
            created_at: Set(now),
            updated_at: Set(now),
        };
        agent_targets::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    agent_targets::Column::AgentId,
                    agent_targets::Column::Period,
                    agent_targets::Column::PeriodStart,
                ])
                .update_columns([
                    agent_targets::Column::TargetCalls,
                    agent_targets::Column::TargetSuccessRate,
                    agent_targets::Column::TargetLeads,
                    agent_targets::Column::TargetConversionRate,
                    agent_targets::Column::UpdatedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        let saved = agent_targets::Entity::find()
            .filter(agent_targets::Column::AgentId.eq(agent))
            .filter(agent_targets::Column::Period.eq(target_period(input.granularity)))
            .filter(agent_targets::Column::PeriodStart.eq(input.period_start.0))
            .one(db)
            .await?
            .ok_or_else(|| ApiError::not_found("agent target", agent))?;
        // Achievement against the period's figures so far.
        let end = match cut {
            Cut::Day => input.period_start.0,
            Cut::Week => input.period_start.0 + chrono::Days::new(6),
            Cut::Month => Cut::Month
                .period_start(input.period_start.0 + chrono::Days::new(32))
                .pred_opt()
                .unwrap_or(input.period_start.0),
        };
        let actual = agent_analytics::Entity::find()
            .filter(agent_analytics::Column::AgentId.eq(agent))
            .filter(agent_analytics::Column::Day.gte(input.period_start.0))
            .filter(agent_analytics::Column::Day.lte(end))
            .all(db)
            .await?
            .iter()
            .map(agent_contribution)
            .fold(Contribution::default(), Contribution::plus);
        Ok(TargetProgress::of(&saved, &Figures::of(&actual, false)))
    }
}
