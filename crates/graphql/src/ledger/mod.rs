//! The credit ledger in GraphQL: the organization's transactions and the
//! admin mutations that add credits.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use switchboard_entity::credit_transactions;

use crate::shared::context::{self, Permission, require};
use crate::shared::error::{ApiError, ApiResult, parse_id};
use crate::shared::pagination::Page;
use crate::types::{Call, CreditTransactionConnection, Total};
use switchboard_app::ledger;

use crate::identity::client;

/// One ledger entry.
pub struct CreditTransaction(pub credit_transactions::Model);

/// What a ledger entry is.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "switchboard_entity::enums::CreditKind")]
pub enum CreditTransactionKind {
    /// Credits bought (`purchaseCredits`); positive.
    Purchase,
    /// A connected call's charge (billed minutes × credits per minute); negative.
    Usage,
    /// Credits granted for free; positive.
    Bonus,
    /// A correction by an admin (`adjustCredits`); either sign.
    Adjustment,
    /// A usage charge given back (`refundCredits`); positive.
    Refund,
}

/// One entry of the organization's credit ledger. The ledger is
/// append-only: each entry's `balanceBefore` is the previous entry's
/// `balanceAfter`, and a correction is a new entry, never an edit.
#[Object]
impl CreditTransaction {
    /// The entry's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Position in the organization's chain, from 1.
    async fn sequence(&self) -> i64 {
        self.0.sequence
    }
    /// What the entry is.
    async fn kind(&self) -> CreditTransactionKind {
        self.0.kind.into()
    }
    /// Signed: credits added (positive) or spent (negative).
    async fn amount(&self) -> i64 {
        self.0.amount
    }
    /// The organization's balance before this entry.
    async fn balance_before(&self) -> i64 {
        self.0.balance_before
    }
    /// The balance after it: `balanceBefore` + `amount`.
    async fn balance_after(&self) -> i64 {
        self.0.balance_after
    }
    /// Why, in words (the reason of an adjustment or refund, a purchase's description).
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The payment processor's id of a purchase; each is credited once.
    async fn external_payment_id(&self) -> Option<&str> {
        self.0.external_payment_id.as_deref()
    }
    /// The entry this one refunds.
    async fn refund_of_id(&self) -> Option<ID> {
        self.0.refund_of_id.map(|id| ID(id.to_string()))
    }
    /// When the entry was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The call a usage entry charges.
    async fn call(&self, ctx: &Context<'_>) -> ApiResult<Option<Call>> {
        let Some(call) = self.0.call_id else {
            return Ok(None);
        };
        let loaders = crate::types::loaders(ctx)?;
        let rows = loaders.calls.load_one(call).await.map_err(ApiError::from)?;
        Ok(rows.and_then(|r| r.into_iter().next()).map(Call::new))
    }
}

/// Ledger queries.
#[derive(Default)]
pub struct LedgerQueries;

#[Object]
impl LedgerQueries {
    /// The organization's credit ledger, newest entry first.
    #[graphql(complexity = "crate::shared::pagination::complexity(first, last, child_complexity)")]
    async fn credit_transactions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many rows from the start (or after `after`): 0 to 100, default 20.")]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from this connection (`pageInfo.endCursor` or an edge's `cursor`): the page starts after that row."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many rows from the end (or before `before`): 0 to 100; not together with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from this connection (`pageInfo.startCursor` or an edge's `cursor`): the page ends before that row."
        )]
        before: Option<String>,
    ) -> ApiResult<CreditTransactionConnection> {
        let viewer = require(ctx, Permission::Read)?;
        let page = Page::new(first, after, last, before)?;
        let entries = ledger::entries(viewer.organization_id);
        let rows = entries
            .page(context::db(ctx)?, &page, ledger::entry_keyset())
            .await?;
        Ok(CreditTransactionConnection::new(
            &page,
            rows,
            ledger::entry_cursor,
            CreditTransaction,
            Total::Ledger(entries),
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
        #[graphql(desc = "Credits bought, more than 0.")] amount: i64,
        #[graphql(
            desc = "The payment processor's id of the payment; a second purchase with it is CONFLICT."
        )]
        external_payment_id: String,
        #[graphql(desc = "A note kept with the entry.")] description: Option<String>,
    ) -> ApiResult<CreditTransaction> {
        let viewer = require(ctx, Permission::Administer)?;
        let app = context::app(ctx)?;
        let row = ledger::purchase_credits(
            app,
            viewer,
            &client(ctx),
            amount,
            external_payment_id,
            description,
        )
        .await?;
        Ok(CreditTransaction(row))
    }

    /// Corrects the balance by a signed amount, with a reason.
    async fn adjust_credits(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Credits to add (positive) or take away (negative); not 0.")] amount: i64,
        #[graphql(desc = "Why, kept as the entry's description.")] reason: String,
    ) -> ApiResult<CreditTransaction> {
        let viewer = require(ctx, Permission::Administer)?;
        let app = context::app(ctx)?;
        let row = ledger::adjust_credits(app, viewer, &client(ctx), amount, reason).await?;
        Ok(CreditTransaction(row))
    }

    /// Refunds a call's charge with a new entry.
    async fn refund_credits(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The usage entry to refund; NOT_FOUND if it is not one of the organization's, CONFLICT if it was refunded already."
        )]
        transaction_id: ID,
        #[graphql(desc = "Why, kept as the refund's description.")] reason: Option<String>,
    ) -> ApiResult<CreditTransaction> {
        let viewer = require(ctx, Permission::Administer)?;
        let id = parse_id("transactionId", &transaction_id)?;
        let app = context::app(ctx)?;
        let row = ledger::refund_credits(app, viewer, &client(ctx), id, reason).await?;
        Ok(CreditTransaction(row))
    }
}
