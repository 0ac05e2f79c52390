//! Differences to `call_day_counts` not folded in yet: a trigger on `calls`
//! appends one per bucket a write adds a call to (+1) or takes one from
//! (-1), in the writer's transaction (PostgreSQL).

use crate::enums::{CrmStage, TrafficSource};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `call_day_count_changes`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "call_day_count_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    /// In the organization's time zone.
    pub day: Date,
    pub traffic_source: TrafficSource,
    pub crm_stage: CrmStage,
    pub calls: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// No foreign key in the database (m0012 says why).
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id"
    )]
    Organization,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
