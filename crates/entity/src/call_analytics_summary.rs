//! The `call_analytics_summary` view: calls counted per organization, day,
//! traffic source and CRM stage (seed 000). A read model — on PostgreSQL
//! summed from `call_day_counts` and its pending changes (days in the
//! organization's time zone, exact to the last commit), on SQLite a plain
//! view over `calls` bucketing by UTC day — and never written through this
//! entity.

use crate::enums::{CrmStage, TrafficSource};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of the `call_analytics_summary` view. The primary key is the view's
/// unique key (`organization_id`, `day`, `traffic_source`, `crm_stage`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "call_analytics_summary")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub organization_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub traffic_source: TrafficSource,
    #[sea_orm(primary_key, auto_increment = false)]
    pub crm_stage: CrmStage,
    pub call_count: i64,
    /// Calls that reached `completed`, `no_show`, `closed_won` or `lost`.
    pub completed_calls: i64,
    pub closed_won_calls: i64,
    /// `completed_calls` as a percentage of `call_count`, to two decimals.
    pub show_rate: f64,
    /// `closed_won_calls` as a percentage of `completed_calls`, to two
    /// decimals; `None` when there are no completed calls.
    pub close_rate: Option<f64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// No foreign key: this is a view.
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id",
        skip_fk
    )]
    Organization,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
