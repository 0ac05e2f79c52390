//! The credit ledger in GraphQL: the organization's transactions and the
//! admin mutations that add credits.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use sea_orm::{Order, QueryFilter, QueryOrder, QuerySelect};
use switchboard_entity::credit_transactions;

use crate::context::{self, Permission, require};
use crate::error::{ApiResult, parse_id};
use crate::pagination::{Cursor, Direction, Page, SortKey};
use crate::types::{Call, CreditTransactionConnection, Total};
use switchboard_app::ledger;

/// One ledger entry.
pub struct CreditTransaction(pub credit_transactions::Model);

/// What a ledger entry is.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "switchboard_entity::enums::CreditKind")]
pub enum CreditTransactionKind {
    Purchase,
    Usage,
    Bonus,
    Adjustment,
    Refund,
}

#[Object]
impl CreditTransaction {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Position in the organization's chain, from 1.
    async fn sequence(&self) -> i64 {
        self.0.sequence
    }
    async fn kind(&self) -> CreditTransactionKind {
        self.0.kind.into()
    }
    /// Signed: credits added (positive) or spent (negative).
    async fn amount(&self) -> i64 {
        self.0.amount
    }
    async fn balance_before(&self) -> i64 {
        self.0.balance_before
    }
    async fn balance_after(&self) -> i64 {
        self.0.balance_after
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn external_payment_id(&self) -> Option<&str> {
        self.0.external_payment_id.as_deref()
    }
    /// The entry this one refunds.
    async fn refund_of_id(&self) -> Option<ID> {
        self.0.refund_of_id.map(|id| ID(id.to_string()))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The call a usage entry charges.
    async fn call(&self, ctx: &Context<'_>) -> ApiResult<Option<Call>> {
        let Some(call) = self.0.call_id else {
            return Ok(None);
        };
        let loaders = crate::types::loaders(ctx)?;
        let rows = loaders
            .calls
            .load_one(call)
            .await
            .map_err(|e| switchboard_app::AppError::Internal((*e).clone()))?;
        Ok(rows.and_then(|r| r.into_iter().next()).map(Call))
    }
}

/// Ledger queries.
#[derive(Default)]
pub struct LedgerQueries;

#[Object]
impl LedgerQueries {
    /// The organization's ledger, newest first.
    #[graphql(complexity = "crate::pagination::complexity(first, last, child_complexity)")]
    async fn credit_transactions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<CreditTransactionConnection> {
        let viewer = require(ctx, Permission::Read)?;
        let page = Page::new(first, after, last, before)?;
        let base = ledger::entries_of(viewer.organization_id);
        let mut select = base.clone();
        if let Some(range) = page.range(
            (
                credit_transactions::Entity,
                credit_transactions::Column::Sequence,
            ),
            (credit_transactions::Entity, credit_transactions::Column::Id),
            Direction::Desc,
        ) {
            select = select.filter(range);
        }
        let read = match page.read_direction(Direction::Desc) {
            Direction::Asc => Order::Asc,
            Direction::Desc => Order::Desc,
        };
        let rows = select
            .order_by(credit_transactions::Column::Sequence, read)
            .limit(page.size + 1)
            .all(context::db(ctx)?)
            .await?;
        Ok(CreditTransactionConnection::new(
            &page,
            rows,
            |t| Cursor {
                key: SortKey::Int(t.sequence),
                id: t.id,
            },
            CreditTransaction,
            Total::Ledger(base),
        ))
    }
}

/// Ledger mutations (admins and owners).
#[derive(Default)]
pub struct LedgerMutations;

#[Object]
impl LedgerMutations {
    /// Records a payment for credits; a payment id is credited once (CONFLICT).
    async fn purchase_credits(
        &self,
        ctx: &Context<'_>,
        amount: i64,
        external_payment_id: String,
        description: Option<String>,
    ) -> ApiResult<CreditTransaction> {
        let viewer = require(ctx, Permission::Administer)?;
        let app = context::app(ctx)?;
        let row =
            ledger::purchase_credits(app, viewer, amount, external_payment_id, description).await?;
        Ok(CreditTransaction(row))
    }

    /// Corrects the balance by a signed amount, with a reason.
    async fn adjust_credits(
        &self,
        ctx: &Context<'_>,
        amount: i64,
        reason: String,
    ) -> ApiResult<CreditTransaction> {
        let viewer = require(ctx, Permission::Administer)?;
        let row = ledger::adjust_credits(context::app(ctx)?, viewer, amount, reason).await?;
        Ok(CreditTransaction(row))
    }

    /// Refunds a call's charge with a new entry.
    async fn refund_credits(
        &self,
        ctx: &Context<'_>,
        transaction_id: ID,
        reason: Option<String>,
    ) -> ApiResult<CreditTransaction> {
        let viewer = require(ctx, Permission::Administer)?;
        let id = parse_id("transactionId", &transaction_id)?;
        let row = ledger::refund_credits(context::app(ctx)?, viewer, id, reason).await?;
        Ok(CreditTransaction(row))
    }
}
