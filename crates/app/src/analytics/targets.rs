//! Agent targets: a manager's targets for an agent's day, week or month,
//! answered with the achievement so far (from the same rollups as
//! [`super::periods::agent_performance`]).
//!
//! A negative count or a rate outside 0 to 100 would make every report of
//! the period wrong, so they are refused when set
//! ([`switchboard_domain::target`]).

use chrono::{NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use switchboard_domain::analytics::Granularity;
use switchboard_domain::range::PeriodStart;
use switchboard_domain::rollups::Contribution;
use switchboard_domain::target::{TargetCount, TargetRate};
use switchboard_entity::{agent_analytics, agent_targets};
use uuid::Uuid;

use super::figures::{Figures, TargetProgress, agent_contribution, target_period};
use crate::actor::{Permission, Viewer};
use crate::app::App;
use crate::error::{AppError, AppResult};

/// An agent's targets for one period; unset targets are cleared.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentTarget {
    pub agent_id: Uuid,
    pub granularity: Granularity,
    /// The period's first day: any day, a Monday, or the 1st.
    pub period_start: NaiveDate,
    pub target_calls: Option<i32>,
    /// 0-100.
    pub target_success_rate: Option<f64>,
    pub target_leads: Option<i32>,
    /// 0-100.
    pub target_conversion_rate: Option<f64>,
}

/// A validated [`AgentTarget`].
struct Checked {
    period_start: PeriodStart,
    target_calls: Option<TargetCount>,
    target_success_rate: Option<TargetRate>,
    target_leads: Option<TargetCount>,
    target_conversion_rate: Option<TargetRate>,
}

impl AgentTarget {
    /// Checks the period start, then the counts, then the rates; keys are
    /// the input's fields (`periodStart`, `targetCalls`, …).
    fn check(&self) -> AppResult<Checked> {
        let period_start = PeriodStart::parse(self.granularity, self.period_start)?;
        let count = |value: Option<i32>, field: &str| {
            value
                .map(|v| TargetCount::parse(v).map_err(|e| e.at(field)))
                .transpose()
        };
        let target_calls = count(self.target_calls, "targetCalls")?;
        let target_leads = count(self.target_leads, "targetLeads")?;
        let rate = |value: Option<f64>, field: &str| {
            value
                .map(|v| TargetRate::parse(v).map_err(|e| e.at(field)))
                .transpose()
        };
        let target_success_rate = rate(self.target_success_rate, "targetSuccessRate")?;
        let target_conversion_rate = rate(self.target_conversion_rate, "targetConversionRate")?;
        Ok(Checked {
            period_start,
            target_calls,
            target_success_rate,
            target_leads,
            target_conversion_rate,
        })
    }
}

/// The last day of the period starting at `start`.
fn period_end(cut: Granularity, start: NaiveDate) -> NaiveDate {
    match cut {
        Granularity::Day => start,
        Granularity::Week => start + chrono::Days::new(6),
        Granularity::Month => Granularity::Month
            .period_start(start + chrono::Days::new(32))
            .pred_opt()
            .unwrap_or(start),
    }
}

/// Sets an agent's target for a day, week or month (managers and above),
/// replacing the one it had; returns it with its achievement so far.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn set_agent_target(
    app: &App,
    viewer: Viewer,
    input: AgentTarget,
) -> AppResult<TargetProgress> {
    let viewer = viewer.require(Permission::Manage)?;
    let checked = input.check()?;
    let agent = input.agent_id;
    let period = target_period(input.granularity);
    let start = checked.period_start.day();
    let write = app.begin_write().await?;
    crate::calls::find_agent(&*write, viewer.organization_id, agent).await?;
    let now = Utc::now();
    use agent_targets::Column as T;
    agent_targets::Entity::insert(agent_targets::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(viewer.organization_id),
        agent_id: Set(agent),
        period: Set(period),
        period_start: Set(start),
        target_calls: Set(checked.target_calls.map(i32::from)),
        target_success_rate: Set(checked.target_success_rate.map(f64::from)),
        target_leads: Set(checked.target_leads.map(i32::from)),
        target_conversion_rate: Set(checked.target_conversion_rate.map(f64::from)),
        created_by: Set(Some(viewer.user_id)),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([T::AgentId, T::Period, T::PeriodStart])
            .update_columns([
                T::TargetCalls,
                T::TargetSuccessRate,
                T::TargetLeads,
                T::TargetConversionRate,
                T::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&*write)
    .await?;
    let saved = agent_targets::Entity::find()
        .filter(T::AgentId.eq(agent))
        .filter(T::Period.eq(period))
        .filter(T::PeriodStart.eq(start))
        .one(&*write)
        .await?
        .ok_or_else(|| AppError::not_found("agent target", agent))?;
    write.commit().await?;
    // Achievement against the period's figures so far.
    let actual = agent_analytics::Entity::find()
        .filter(agent_analytics::Column::AgentId.eq(agent))
        .filter(agent_analytics::Column::Day.gte(start))
        .filter(agent_analytics::Column::Day.lte(period_end(input.granularity, start)))
        .all(&app.db)
        .await?
        .iter()
        .map(agent_contribution)
        .fold(Contribution::default(), Contribution::plus);
    Ok(TargetProgress::of(&saved, &Figures::of(&actual, false)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    fn target(change: impl FnOnce(&mut AgentTarget)) -> AgentTarget {
        let mut target = AgentTarget {
            agent_id: Uuid::nil(),
            granularity: Granularity::Week,
            period_start: day(2026, 3, 9),
            target_calls: Some(4),
            target_success_rate: Some(50.0),
            target_leads: None,
            target_conversion_rate: None,
        };
        change(&mut target);
        target
    }

    fn refused_field(target: AgentTarget) -> String {
        match target.check() {
            Err(AppError::BadUserInput(error)) => error.field().to_owned(),
            Err(other) => panic!("unexpected {other:?}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn each_target_is_refused_under_its_own_field() {
        assert!(target(|_| {}).check().is_ok());
        assert_eq!(
            refused_field(target(|t| t.period_start = day(2026, 3, 8))),
            "periodStart"
        );
        assert_eq!(
            refused_field(target(|t| t.target_leads = Some(-1))),
            "targetLeads"
        );
        assert_eq!(
            refused_field(target(|t| t.target_conversion_rate = Some(100.5))),
            "targetConversionRate"
        );
        // Counts are checked before rates.
        assert_eq!(
            refused_field(target(|t| {
                t.target_calls = Some(-1);
                t.target_success_rate = Some(-1.0);
            })),
            "targetCalls"
        );
    }

    #[test]
    fn a_period_ends_on_its_last_day() {
        assert_eq!(
            period_end(Granularity::Week, day(2026, 3, 9)),
            day(2026, 3, 15)
        );
        assert_eq!(
            period_end(Granularity::Month, day(2026, 2, 1)),
            day(2026, 2, 28)
        );
        assert_eq!(
            period_end(Granularity::Day, day(2026, 2, 1)),
            day(2026, 2, 1)
        );
    }
}
