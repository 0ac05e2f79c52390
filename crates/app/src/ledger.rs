//! The credit ledger: append-only, chained, exact under concurrency.
//!
//! Every entry locks the organization's row (`SELECT … FOR UPDATE` on
//! PostgreSQL; SQLite's write transaction holds the database), reads the
//! balance there, appends the next entry of the chain and moves the balance
//! in the same transaction. The database backs each rule: the chain's
//! `(organization_id, sequence)` is unique, `balance_after = balance_before +
//! amount` is checked, and a call has at most one usage entry and an entry at
//! most one refund.
//!
//! Admins add credits with [`purchase_credits`] and [`adjust_credits`] and
//! give them back with [`refund_credits`]; calls spend them through
//! [`charge_call`], inside the call's own transaction.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
};
use switchboard_domain::money::Credits;
use switchboard_entity::enums::CreditKind;
use switchboard_entity::{calls, credit_transactions, organizations};
use uuid::Uuid;

use crate::actor::Viewer;
use crate::app::App;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::identity::Client;
use crate::query::list::{Keyset, List};
use crate::query::page::{Cursor, Direction, SortKey};

/// An entry to append.
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: CreditKind,
    pub amount: i64,
    pub call_id: Option<Uuid>,
    pub refund_of_id: Option<Uuid>,
    pub description: Option<String>,
    pub external_payment_id: Option<String>,
    pub created_by: Option<Uuid>,
}

/// The organization's ledger entries, as a list to page through in
/// [`entry_keyset`] order.
pub fn entries(organization_id: Uuid) -> List<credit_transactions::Entity> {
    List::new(
        credit_transactions::Entity::find()
            .filter(credit_transactions::Column::OrganizationId.eq(organization_id)),
    )
}

/// The ledger's order: newest entry (highest sequence) first. The sequence
/// is unique within the organization, so it needs no tie-breaker.
pub fn entry_keyset() -> Keyset<credit_transactions::Column> {
    Keyset {
        sort: credit_transactions::Column::Sequence,
        id: credit_transactions::Column::Id,
        direction: Direction::Desc,
        tie_break: false,
        nullable: false,
    }
}

/// Where `entry` stands in the ledger.
pub fn entry_cursor(entry: &credit_transactions::Model) -> Cursor {
    Cursor {
        key: SortKey::Int(entry.sequence),
        id: entry.id,
    }
}

/// Records a payment for `amount` credits (positive; refused as `amount`).
/// A payment id is credited once: a second is CONFLICT on
/// `externalPaymentId`.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn purchase_credits(
    app: &App,
    viewer: Viewer,
    client: &Client,
    amount: i64,
    external_payment_id: String,
    description: Option<String>,
) -> AppResult<credit_transactions::Model> {
    let credits = Credits::parse(CreditKind::Purchase, amount)?;
    let entry = Entry {
        kind: credits.kind(),
        amount: credits.amount(),
        call_id: None,
        refund_of_id: None,
        description,
        external_payment_id: Some(external_payment_id),
        created_by: Some(viewer.user_id),
    };
    append_one(app, viewer, client, "credits.purchase", entry).await
}

/// Corrects the balance by a signed, non-zero `amount`, with a reason.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn adjust_credits(
    app: &App,
    viewer: Viewer,
    client: &Client,
    amount: i64,
    reason: String,
) -> AppResult<credit_transactions::Model> {
    let credits = Credits::parse(CreditKind::Adjustment, amount)?;
    let entry = Entry {
        kind: credits.kind(),
        amount: credits.amount(),
        call_id: None,
        refund_of_id: None,
        description: Some(reason),
        external_payment_id: None,
        created_by: Some(viewer.user_id),
    };
    append_one(app, viewer, client, "credits.adjust", entry).await
}

/// Appends one entry in a write of its own, audited as `action`.
async fn append_one(
    app: &App,
    viewer: Viewer,
    client: &Client,
    action: &str,
    entry: Entry,
) -> AppResult<credit_transactions::Model> {
    let now = Utc::now();
    let write = app.begin_write().await?;
    let row = append(&write, viewer.organization_id, entry, now).await?;
    audited(&write, viewer, client, action, &row, now).await?;
    write.commit().await?;
    Ok(row)
}

/// Records a ledger entry an admin made in the audit log.
async fn audited(
    db: &DatabaseTransaction,
    viewer: Viewer,
    client: &Client,
    action: &str,
    row: &credit_transactions::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::record(
        db,
        viewer,
        client,
        audit::Entry {
            action,
            resource_type: "credit_transaction",
            resource_id: Some(row.id),
            target_user_id: None,
            details: serde_json::json!({
                "amount": row.amount,
                "balanceAfter": row.balance_after,
                "description": row.description,
            }),
        },
        now,
    )
    .await
}

/// Refunds a call's charge with a new entry; see [`refund`].
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, transaction_id = %transaction_id))]
pub async fn refund_credits(
    app: &App,
    viewer: Viewer,
    client: &Client,
    transaction_id: Uuid,
    reason: Option<String>,
) -> AppResult<credit_transactions::Model> {
    let write = app.begin_write().await?;
    let org = viewer.organization_id;
    let now = Utc::now();
    let row = refund(&write, org, transaction_id, reason, viewer.user_id, now).await?;
    audited(&write, viewer, client, "credits.refund", &row, now).await?;
    write.commit().await?;
    Ok(row)
}

/// Appends `entry` to the organization's chain and moves its balance; an
/// amount without the sign its kind requires is refused as `amount`.
pub async fn append(
    txn: &DatabaseTransaction,
    organization_id: Uuid,
    entry: Entry,
    now: DateTime<Utc>,
) -> AppResult<credit_transactions::Model> {
    Credits::parse(entry.kind, entry.amount)?;
    let organization = organizations::Entity::find_by_id(organization_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("organization", organization_id))?;
    let last: Option<i64> = credit_transactions::Entity::find()
        .select_only()
        .column_as(credit_transactions::Column::Sequence.max(), "last")
        .filter(credit_transactions::Column::OrganizationId.eq(organization_id))
        .into_tuple::<Option<i64>>()
        .one(txn)
        .await?
        .flatten();
    let before = organization.credit_balance;
    let after = before + entry.amount;
    let row = credit_transactions::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        sequence: Set(last.unwrap_or(0) + 1),
        kind: Set(entry.kind),
        amount: Set(entry.amount),
        balance_before: Set(before),
        balance_after: Set(after),
        call_id: Set(entry.call_id),
        refund_of_id: Set(entry.refund_of_id),
        description: Set(entry.description),
        external_payment_id: Set(entry.external_payment_id.clone()),
        created_by: Set(entry.created_by),
        created_at: Set(now),
    }
    .insert(txn)
    .await
    .map_err(|err| match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            field: entry
                .external_payment_id
                .as_ref()
                .map(|_| "externalPaymentId".to_owned()),
            message: "this charge, payment or refund is already in the ledger".into(),
            existing_id: None,
        },
        _ => AppError::Internal(err),
    })?;
    organizations::Entity::update_many()
        .col_expr(organizations::Column::CreditBalance, Expr::value(after))
        .col_expr(organizations::Column::UpdatedAt, Expr::value(now))
        .filter(organizations::Column::Id.eq(organization_id))
        .exec(txn)
        .await?;
    Ok(row)
}

/// Debits a call's credits once: a call already charged is left alone, so
/// a replayed status or webhook never charges twice.
pub async fn charge_call(
    txn: &DatabaseTransaction,
    call: &calls::Model,
    now: DateTime<Utc>,
) -> AppResult<Option<credit_transactions::Model>> {
    if call.credits_used <= 0 {
        return Ok(None);
    }
    let charged = credit_transactions::Entity::find()
        .filter(credit_transactions::Column::CallId.eq(call.id))
        .filter(credit_transactions::Column::Kind.eq(CreditKind::Usage))
        .one(txn)
        .await?;
    if charged.is_some() {
        return Ok(None);
    }
    let entry = Entry {
        kind: CreditKind::Usage,
        amount: -call.credits_used,
        call_id: Some(call.id),
        refund_of_id: None,
        description: Some(format!(
            "{} billed minute(s)",
            call.billed_minutes.unwrap_or(0)
        )),
        external_payment_id: None,
        created_by: None,
    };
    append(txn, call.organization_id, entry, now)
        .await
        .map(Some)
}

/// Refunds a usage entry with a new entry (never an edit); a second refund is CONFLICT.
pub async fn refund(
    txn: &DatabaseTransaction,
    organization_id: Uuid,
    transaction_id: Uuid,
    reason: Option<String>,
    by: Uuid,
    now: DateTime<Utc>,
) -> AppResult<credit_transactions::Model> {
    let original = credit_transactions::Entity::find_by_id(transaction_id)
        .filter(credit_transactions::Column::OrganizationId.eq(organization_id))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("credit transaction", transaction_id))?;
    if original.kind != CreditKind::Usage {
        return Err(AppError::bad_input(
            "transactionId",
            "only usage can be refunded",
        ));
    }
    let refunded = credit_transactions::Entity::find()
        .filter(credit_transactions::Column::RefundOfId.eq(original.id))
        .one(txn)
        .await?;
    if let Some(existing) = refunded {
        return Err(AppError::Conflict {
            field: Some("transactionId".into()),
            message: "this charge was already refunded".into(),
            existing_id: Some(existing.id),
        });
    }
    let entry = Entry {
        kind: CreditKind::Refund,
        amount: -original.amount,
        call_id: original.call_id,
        refund_of_id: Some(original.id),
        description: reason.or_else(|| Some("Refund".into())),
        external_payment_id: None,
        created_by: Some(by),
    };
    append(txn, organization_id, entry, now).await
}
