//! Calls per organization, local day of creation, traffic source and CRM
//! stage: the call summary's counts (PostgreSQL). Written only by the
//! background fold of `call_day_count_changes` and by rebuilds; what a
//! bucket holds is its row here plus its pending changes.

use crate::enums::{CrmStage, TrafficSource};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `call_day_counts`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "call_day_counts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub organization_id: Uuid,
    /// In the organization's time zone.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub traffic_source: TrafficSource,
    #[sea_orm(primary_key, auto_increment = false)]
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
