//! A customer, usually converted from a lead (at most one customer per lead),
//! with seed 002's RFM scores.

use crate::enums::CustomerStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `customers`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    #[sea_orm(unique)]
    pub lead_id: Option<Uuid>,
    /// Unique; `CUST-____-...`.
    #[sea_orm(column_type = "Text", unique)]
    pub customer_reference_number: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub email: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub phone: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub company: Option<String>,
    pub status: CustomerStatus,
    pub conversion_date: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub original_lead_source: Option<String>,
    pub sales_rep_user_id: Option<Uuid>,
    pub last_interaction_date: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub notes: Option<String>,
    /// RFM scores are 1-5.
    pub rfm_recency: Option<i32>,
    pub rfm_frequency: Option<i32>,
    pub rfm_monetary: Option<i32>,
    /// Seed 002's composite: 2 x (R + F + M), so 6-30.
    pub lead_score: Option<i32>,
    pub last_scored_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id",
        on_delete = "Cascade"
    )]
    Organization,
    #[sea_orm(
        belongs_to = "super::leads::Entity",
        from = "Column::LeadId",
        to = "super::leads::Column::Id",
        on_delete = "SetNull"
    )]
    Lead,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::SalesRepUserId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    SalesRep,
    #[sea_orm(has_many = "super::orders::Entity")]
    Orders,
    #[sea_orm(has_many = "super::messages::Entity")]
    Messages,
    #[sea_orm(has_many = "super::deals::Entity")]
    Deals,
    /// Rows of the `customer_activity_timeline` view (no foreign key).
    #[sea_orm(has_many = "super::customer_activity_timeline::Entity")]
    ActivityTimeline,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::leads::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lead.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SalesRep.def()
    }
}

impl Related<super::orders::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Orders.def()
    }
}

impl Related<super::messages::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Messages.def()
    }
}

impl Related<super::deals::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Deals.def()
    }
}

impl Related<super::customer_activity_timeline::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ActivityTimeline.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
