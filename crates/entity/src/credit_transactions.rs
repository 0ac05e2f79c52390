//! The append-only credit ledger. Each organization's rows form a chain
//! (`sequence`): row n's `balance_before` is row n-1's `balance_after`. Rows
//! are never edited or deleted.

use crate::enums::CreditKind;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `credit_transactions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "credit_transactions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    /// Position in the organization's chain, from 1; unique per organization.
    pub sequence: i64,
    pub kind: CreditKind,
    /// Positive for purchases, bonuses and refunds; zero or negative for usage.
    pub amount: i64,
    pub balance_before: i64,
    /// `balance_before + amount`.
    pub balance_after: i64,
    /// Required for usage; a call is charged once.
    pub call_id: Option<Uuid>,
    /// Required for refunds; a transaction is refunded at most once.
    pub refund_of_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub description: Option<String>,
    /// A payment is credited once per organization.
    #[sea_orm(column_type = "Text")]
    pub external_payment_id: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
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
        belongs_to = "super::calls::Entity",
        from = "Column::CallId",
        to = "super::calls::Column::Id",
        on_delete = "Restrict"
    )]
    Call,
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::RefundOfId",
        to = "Column::Id",
        on_delete = "Restrict"
    )]
    RefundOf,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::CreatedBy",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    CreatedBy,
    /// Refunds of this transaction (`refund_of_id`); at most one, by a partial
    /// unique index.
    #[sea_orm(has_many = "Entity", via_rel = "Relation::RefundOf")]
    Refunds,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::calls::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Call.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CreatedBy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
