//! The `customer_activity_timeline` view: a customer's orders, messages and
//! deals as one stream of activities (seed 002). A plain view on both backends,
//! so never stale — and never written through this entity.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of the `customer_activity_timeline` view.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "customer_activity_timeline")]
pub struct Model {
    pub organization_id: Uuid,
    pub customer_id: Uuid,
    /// `"order"`, `"message"` or `"deal"`: the table `activity_id` is from.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub activity_type: String,
    /// The `id` of the order, message or deal.
    #[sea_orm(primary_key, auto_increment = false)]
    pub activity_id: Uuid,
    /// An order's `ordered_at`, a message's `sent_at`, a deal's `created_at`.
    pub occurred_at: DateTimeUtc,
    /// An order's event name or number, a message's subject (else its channel
    /// and direction), a deal's title.
    #[sea_orm(column_type = "Text")]
    pub title: Option<String>,
    /// An order's total or a deal's amount; `None` for messages.
    pub amount_cents: Option<i64>,
    /// The source row's status (for a deal, its stage), as stored.
    #[sea_orm(column_type = "Text")]
    pub status: String,
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
    /// No foreign key: this is a view.
    #[sea_orm(
        belongs_to = "super::customers::Entity",
        from = "Column::CustomerId",
        to = "super::customers::Column::Id",
        skip_fk
    )]
    Customer,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::customers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Customer.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
