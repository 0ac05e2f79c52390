//! `setAgentTarget`: a manager's targets for an agent's day, week or month,
//! answered with the achievement so far (from the same rollups as
//! `agentPerformance`). The rules and the write are
//! [`switchboard_app::analytics::targets`]; this module checks the role and
//! maps the input.

use async_graphql::{Context, ID, Object};

use switchboard_app::analytics::targets::{self, AgentTarget};

use crate::analytics::{Granularity, TargetProgress};
use crate::shared::context::{self, Permission, require};
use crate::shared::error::{ApiResult, UnderArgument, parse_id};
use crate::shared::scalars::Date;

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
        let viewer = require(ctx, Permission::Manage)?;
        let agent_id = parse_id("input.agentId", &input.agent_id)?;
        let target = AgentTarget {
            agent_id,
            granularity: input.granularity.into(),
            period_start: input.period_start.into(),
            target_calls: input.target_calls,
            target_success_rate: input.target_success_rate,
            target_leads: input.target_leads,
            target_conversion_rate: input.target_conversion_rate,
        };
        let progress = targets::set_agent_target(context::app(ctx)?, viewer, target)
            .await
            .under("input")?;
        Ok(progress.into())
    }
}
