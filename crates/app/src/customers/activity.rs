//! A customer's orders, messages and deals: created, changed and cancelled
//! (agents and above), each under a customer of the organization,
//! validated and audited. An order change rescores the organization's
//! customers in the same transaction ([`super::rfm`]); every activity
//! moves the customer's last interaction forward.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use switchboard_entity::enums::{
    DealStage, MessageChannel, MessageDirection, MessageStatus, OrderStatus,
};
use switchboard_entity::{customers, deals, messages, orders};
use uuid::Uuid;

use super::{read::customer, text};
use crate::actor::{Permission, Viewer};
use crate::app::{App, Write};
use crate::audit::{Entry, record};
use crate::error::{AppError, AppResult};
use crate::events::{CustomerEvent, Message};
use crate::identity::Client;

/// The largest amount an order or deal may have: ten billion in cents.
pub const MAX_AMOUNT_CENTS: i64 = 1_000_000_000_000;

fn amount(field: &str, cents: i64) -> AppResult<i64> {
    if (0..=MAX_AMOUNT_CENTS).contains(&cents) {
        Ok(cents)
    } else {
        Err(AppError::bad_input(
            field,
            format!("0 to {MAX_AMOUNT_CENTS} cents"),
        ))
    }
}

fn currency(value: Option<String>) -> AppResult<String> {
    let code = value
        .unwrap_or_else(|| "USD".into())
        .trim()
        .to_ascii_uppercase();
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(AppError::bad_input(
            "currency",
            "an ISO 4217 code such as USD",
        ))
    }
}

/// A time no later than a day from now (clocks drift; the future is not history).
fn past(field: &str, at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
    let at = at.unwrap_or(now);
    if at > now + chrono::Duration::days(1) {
        return Err(AppError::bad_input(field, "not in the future"));
    }
    Ok(at)
}

/// Opens the write, checks the role and finds the customer.
async fn begin(
    app: &App,
    viewer: Viewer,
    customer_id: Uuid,
) -> AppResult<(Write, customers::Model)> {
    viewer.require(Permission::WriteLeadsAndCalls)?;
    let write = app.begin_write().await?;
    let found = customer(&*write, viewer.organization_id, customer_id).await?;
    Ok((write, found))
}

/// Moves the customer's last interaction to `at` if that is later, and
/// announces the customer changed.
async fn touched(
    write: &Write,
    found: &customers::Model,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    write.announce(Message::Customer(CustomerEvent {
        organization_id: found.organization_id,
        customer_id: found.id,
        created: false,
        occurred_at: now,
    }));
    if found.last_interaction_date.is_some_and(|last| last >= at) {
        return Ok(());
    }
    let mut row: customers::ActiveModel = found.clone().into();
    row.last_interaction_date = Set(Some(at));
    row.updated_at = Set(now);
    row.update(&**write).await?;
    Ok(())
}

/// Audits `action` on `resource` `id`, done by `who`.
async fn audit(
    write: &Write,
    (viewer, client): (Viewer, &Client),
    (action, resource, id): (&str, &str, Uuid),
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    record(
        &**write,
        viewer,
        client,
        Entry {
            action,
            resource_type: resource,
            resource_id: Some(id),
            target_user_id: None,
            details,
        },
        now,
    )
    .await
}

/// A new order.
#[derive(Debug, Clone, Default)]
pub struct NewOrder {
    pub amount_cents: i64,
    pub currency: Option<String>,
    /// Default `paid`.
    pub status: Option<OrderStatus>,
    /// Default now.
    pub ordered_at: Option<DateTime<Utc>>,
    /// Unique in the organization; default one made from the order's id.
    pub order_number: Option<String>,
    /// The event the order is for, if any (seed 002's event attendance).
    pub event_name: Option<String>,
}

/// Changes to an order: `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct OrderChanges {
    pub amount_cents: Option<i64>,
    pub status: Option<OrderStatus>,
    pub ordered_at: Option<DateTime<Utc>>,
    pub event_name: Option<String>,
}

/// Records an order of a customer; a taken order number is CONFLICT.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, customer_id = %customer_id))]
pub async fn create_order(
    app: &App,
    viewer: Viewer,
    client: &Client,
    customer_id: Uuid,
    input: NewOrder,
) -> AppResult<orders::Model> {
    let now = Utc::now();
    let total = amount("amountCents", input.amount_cents)?;
    let currency = currency(input.currency)?;
    let ordered_at = past("orderedAt", input.ordered_at, now)?;
    let event_name = text("eventName", input.event_name, 200)?;
    let number = text("orderNumber", input.order_number, 64)?;
    let (write, found) = begin(app, viewer, customer_id).await?;
    let org = viewer.organization_id;
    let id = Uuid::now_v7();
    let number =
        number.unwrap_or_else(|| format!("ORD-{}", id.simple().to_string().to_uppercase()));
    if let Some(taken) = orders::Entity::find()
        .filter(orders::Column::OrganizationId.eq(org))
        .filter(orders::Column::OrderNumber.eq(number.as_str()))
        .one(&*write)
        .await?
    {
        return Err(AppError::Conflict {
            field: Some("orderNumber".into()),
            message: format!("order {number} exists already"),
            existing_id: Some(taken.id),
        });
    }
    let order = orders::ActiveModel {
        id: Set(id),
        organization_id: Set(org),
        customer_id: Set(found.id),
        order_number: Set(number),
        status: Set(input.status.unwrap_or(OrderStatus::Paid)),
        total_cents: Set(total),
        currency: Set(currency),
        event_name: Set(event_name),
        ordered_at: Set(ordered_at),
        metadata: Set(json!({})),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*write)
    .await?;
    touched(&write, &found, ordered_at, now).await?;
    super::rfm::rescore_changes(&*write, &write.outbox, org, now).await?;
    audit(
        &write,
        (viewer, client),
        ("order.create", "order", order.id),
        json!({ "customerId": found.id, "amountCents": total, "status": order.status.as_str() }),
        now,
    )
    .await?;
    write.commit().await?;
    Ok(order)
}

/// Changes an order; the customers are rescored.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, order_id = %id))]
pub async fn update_order(
    app: &App,
    viewer: Viewer,
    client: &Client,
    id: Uuid,
    changes: OrderChanges,
) -> AppResult<orders::Model> {
    viewer.require(Permission::WriteLeadsAndCalls)?;
    let now = Utc::now();
    let org = viewer.organization_id;
    let write = app.begin_write().await?;
    let current = orders::Entity::find_by_id(id)
        .filter(orders::Column::OrganizationId.eq(org))
        .one(&*write)
        .await?
        .ok_or_else(|| AppError::not_found("order", id))?;
    let mut row: orders::ActiveModel = current.clone().into();
    if let Some(cents) = changes.amount_cents {
        row.total_cents = Set(amount("amountCents", cents)?);
    }
    if let Some(status) = changes.status {
        row.status = Set(status);
    }
    if changes.ordered_at.is_some() {
        row.ordered_at = Set(past("orderedAt", changes.ordered_at, now)?);
    }
    if changes.event_name.is_some() {
        row.event_name = Set(text("eventName", changes.event_name, 200)?);
    }
    row.updated_at = Set(now);
    let updated = row.update(&*write).await?;
    write.announce(Message::Customer(CustomerEvent {
        organization_id: org,
        customer_id: updated.customer_id,
        created: false,
        occurred_at: now,
    }));
    super::rfm::rescore_changes(&*write, &write.outbox, org, now).await?;
    audit(
        &write,
        (viewer, client),
        ("order.update", "order", id),
        json!({
            "before": { "status": current.status.as_str(), "amountCents": current.total_cents },
            "after": { "status": updated.status.as_str(), "amountCents": updated.total_cents },
        }),
        now,
    )
    .await?;
    write.commit().await?;
    Ok(updated)
}

/// Cancels an order (kept, with status `cancelled`); cancelling a
/// cancelled or refunded order is CONFLICT.
pub async fn cancel_order(
    app: &App,
    viewer: Viewer,
    client: &Client,
    id: Uuid,
) -> AppResult<orders::Model> {
    viewer.require(Permission::WriteLeadsAndCalls)?;
    let current = orders::Entity::find_by_id(id)
        .filter(orders::Column::OrganizationId.eq(viewer.organization_id))
        .one(&app.db)
        .await?
        .ok_or_else(|| AppError::not_found("order", id))?;
    if matches!(
        current.status,
        OrderStatus::Cancelled | OrderStatus::Refunded
    ) {
        return Err(AppError::Conflict {
            field: Some("id".into()),
            message: format!("the order is {} already", current.status.as_str()),
            existing_id: Some(id),
        });
    }
    let changes = OrderChanges {
        status: Some(OrderStatus::Cancelled),
        ..OrderChanges::default()
    };
    update_order(app, viewer, client, id, changes).await
}

/// A new message to or from a customer.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub channel: MessageChannel,
    pub direction: MessageDirection,
    pub subject: Option<String>,
    pub body: String,
    /// Default `sent` (outbound) or `received` (inbound).
    pub status: Option<MessageStatus>,
    /// When it was sent or received; default now.
    pub sent_at: Option<DateTime<Utc>>,
}

/// Records a message of a customer.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, customer_id = %customer_id))]
pub async fn create_message(
    app: &App,
    viewer: Viewer,
    client: &Client,
    customer_id: Uuid,
    input: NewMessage,
) -> AppResult<messages::Model> {
    let now = Utc::now();
    let body = text("body", Some(input.body), 20_000)?
        .ok_or_else(|| AppError::bad_input("body", "a message has a body"))?;
    let subject = text("subject", input.subject, 200)?;
    let sent_at = past("sentAt", input.sent_at, now)?;
    let (write, found) = begin(app, viewer, customer_id).await?;
    let message = messages::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(viewer.organization_id),
        customer_id: Set(found.id),
        lead_id: Set(found.lead_id),
        channel: Set(input.channel),
        direction: Set(input.direction),
        subject: Set(subject),
        body: Set(body),
        status: Set(input.status.unwrap_or(match input.direction {
            MessageDirection::Inbound => MessageStatus::Received,
            MessageDirection::Outbound => MessageStatus::Sent,
        })),
        sent_at: Set(sent_at),
        metadata: Set(json!({})),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*write)
    .await?;
    touched(&write, &found, sent_at, now).await?;
    audit(&write, (viewer, client), ("message.create", "message", message.id), json!({ "customerId": found.id, "channel": message.channel.as_str(), "direction": message.direction.as_str() }), now).await?;
    write.commit().await?;
    Ok(message)
}

/// A new deal.
#[derive(Debug, Clone, Default)]
pub struct NewDeal {
    pub title: String,
    /// Default `prospecting`.
    pub stage: Option<DealStage>,
    pub amount_cents: Option<i64>,
    pub currency: Option<String>,
    /// 0 to 100.
    pub probability: Option<i32>,
    pub expected_close_date: Option<NaiveDate>,
    /// Default the customer's sales rep.
    pub owner_id: Option<Uuid>,
}

/// Changes to a deal: `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct DealChanges {
    pub title: Option<String>,
    pub stage: Option<DealStage>,
    pub amount_cents: Option<i64>,
    pub probability: Option<i32>,
    pub expected_close_date: Option<NaiveDate>,
}

fn probability(value: Option<i32>) -> AppResult<Option<i32>> {
    match value {
        Some(p) if !(0..=100).contains(&p) => Err(AppError::bad_input("probability", "0 to 100")),
        other => Ok(other),
    }
}

fn closed(stage: DealStage) -> bool {
    matches!(stage, DealStage::ClosedWon | DealStage::ClosedLost)
}

/// Opens a deal with a customer.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, customer_id = %customer_id))]
pub async fn create_deal(
    app: &App,
    viewer: Viewer,
    client: &Client,
    customer_id: Uuid,
    input: NewDeal,
) -> AppResult<deals::Model> {
    let now = Utc::now();
    let title = super::name("title", &input.title)?;
    let cents = amount("amountCents", input.amount_cents.unwrap_or(0))?;
    let currency = currency(input.currency)?;
    let probability = probability(input.probability)?;
    let (write, found) = begin(app, viewer, customer_id).await?;
    if let Some(owner) = input.owner_id {
        crate::leads::lookups::require_member(&*write, viewer.organization_id, "ownerId", owner)
            .await?;
    }
    let stage = input.stage.unwrap_or(DealStage::Prospecting);
    let deal = deals::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(viewer.organization_id),
        customer_id: Set(found.id),
        lead_id: Set(found.lead_id),
        owner_user_id: Set(input.owner_id.or(found.sales_rep_user_id)),
        title: Set(title),
        stage: Set(stage),
        amount_cents: Set(cents),
        currency: Set(currency),
        probability: Set(probability),
        expected_close_date: Set(input.expected_close_date),
        closed_at: Set(closed(stage).then_some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*write)
    .await?;
    touched(&write, &found, now, now).await?;
    audit(
        &write,
        (viewer, client),
        ("deal.create", "deal", deal.id),
        json!({ "customerId": found.id, "stage": stage.as_str(), "amountCents": cents }),
        now,
    )
    .await?;
    write.commit().await?;
    Ok(deal)
}

/// Changes a deal; reaching a closed stage stamps `closedAt`, leaving one clears it.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, deal_id = %id))]
pub async fn update_deal(
    app: &App,
    viewer: Viewer,
    client: &Client,
    id: Uuid,
    changes: DealChanges,
) -> AppResult<deals::Model> {
    viewer.require(Permission::WriteLeadsAndCalls)?;
    let now = Utc::now();
    let write = app.begin_write().await?;
    let current = deals::Entity::find_by_id(id)
        .filter(deals::Column::OrganizationId.eq(viewer.organization_id))
        .one(&*write)
        .await?
        .ok_or_else(|| AppError::not_found("deal", id))?;
    let mut row: deals::ActiveModel = current.clone().into();
    if let Some(title) = &changes.title {
        row.title = Set(super::name("title", title)?);
    }
    if let Some(cents) = changes.amount_cents {
        row.amount_cents = Set(amount("amountCents", cents)?);
    }
    if changes.probability.is_some() {
        row.probability = Set(probability(changes.probability)?);
    }
    if changes.expected_close_date.is_some() {
        row.expected_close_date = Set(changes.expected_close_date);
    }
    if let Some(stage) = changes.stage {
        row.stage = Set(stage);
        row.closed_at = Set(match (closed(current.stage), closed(stage)) {
            (false, true) => Some(now),
            (true, true) => current.closed_at,
            _ => None,
        });
    }
    row.updated_at = Set(now);
    let updated = row.update(&*write).await?;
    write.announce(Message::Customer(CustomerEvent {
        organization_id: viewer.organization_id,
        customer_id: updated.customer_id,
        created: false,
        occurred_at: now,
    }));
    audit(
        &write,
        (viewer, client),
        ("deal.update", "deal", id),
        json!({
            "before": { "stage": current.stage.as_str(), "amountCents": current.amount_cents },
            "after": { "stage": updated.stage.as_str(), "amountCents": updated.amount_cents },
        }),
        now,
    )
    .await?;
    write.commit().await?;
    Ok(updated)
}
