//! The customer types: orders, messages, deals, timeline activities, score
//! bands, and the inputs that create and change them.

use async_graphql::{Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use switchboard_app::customers::activity::{
    DealChanges, NewDeal, NewMessage, NewOrder, OrderChanges,
};
use switchboard_app::customers::convert::ConvertLead;
use switchboard_app::customers::read::CustomerFilter;
use switchboard_app::customers::timeline::Activity as Row;
use switchboard_app::customers::write::CustomerChanges;
use switchboard_entity::{deals, messages, orders};

use crate::leads::messages::{MessageChannel, MessageDirection, MessageStatus};
use crate::shared::enums::CustomerStatus;
use crate::shared::error::{ApiResult, parse_id};
use crate::shared::pagination::Direction;
use crate::shared::scalars::Date;

fn id(uuid: uuid::Uuid) -> ID {
    ID(uuid.to_string())
}

fn optional_id(field: &str, value: Option<ID>) -> ApiResult<Option<uuid::Uuid>> {
    value.map(|v| parse_id(field, &v)).transpose()
}

/// Where a customer's composite RFM score falls.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "switchboard_domain::customers::ScoreBand")]
pub enum ScoreBand {
    /// 24-30.
    Hot,
    /// 18-23.
    Warm,
    /// 12-17.
    Cool,
    /// 6-11.
    Cold,
}

/// What kind of activity a timeline entry is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "switchboard_app::customers::timeline::ActivityType")]
pub enum ActivityType {
    /// An order (at its order time).
    Order,
    /// A message (when sent or received).
    Message,
    /// A deal (when opened).
    Deal,
}

/// Where an order stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "switchboard_entity::enums::OrderStatus")]
pub enum OrderStatus {
    /// Not paid yet (does not count in the scores).
    Pending,
    /// Paid.
    Paid,
    /// Paid and delivered.
    Fulfilled,
    /// Cancelled (does not count).
    Cancelled,
    /// Refunded (does not count).
    Refunded,
}

/// Where a deal stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "switchboard_entity::enums::DealStage")]
pub enum DealStage {
    /// Just opened.
    Prospecting,
    /// Qualifying the need.
    Qualification,
    /// A proposal is out.
    Proposal,
    /// Negotiating terms.
    Negotiation,
    /// Won.
    ClosedWon,
    /// Lost.
    ClosedLost,
}

/// A customer's order.
pub struct Order(pub orders::Model);

/// A customer's order: an amount in cents, its status and when it was placed.
#[Object]
impl Order {
    /// The order's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Unique in the organization.
    async fn order_number(&self) -> &str {
        &self.0.order_number
    }
    /// Where it stands.
    async fn status(&self) -> OrderStatus {
        self.0.status.into()
    }
    /// The total, in cents.
    async fn amount_cents(&self) -> i64 {
        self.0.total_cents
    }
    /// ISO 4217.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// The event it is for, if any.
    async fn event_name(&self) -> Option<&str> {
        self.0.event_name.as_deref()
    }
    /// When it was placed.
    async fn ordered_at(&self) -> DateTime<Utc> {
        self.0.ordered_at
    }
    /// The customer's id.
    async fn customer_id(&self) -> ID {
        id(self.0.customer_id)
    }
    /// When it was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A message to or from a customer.
pub struct CustomerMessage(pub messages::Model);

/// A message to or from a customer, on any channel.
#[Object]
impl CustomerMessage {
    /// The message's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// How it travelled.
    async fn channel(&self) -> MessageChannel {
        self.0.channel.into()
    }
    /// To the customer or from them.
    async fn direction(&self) -> MessageDirection {
        self.0.direction.into()
    }
    /// Its subject, if any.
    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }
    /// The text.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// Where it stands.
    async fn status(&self) -> MessageStatus {
        self.0.status.into()
    }
    /// When it was sent or received.
    async fn sent_at(&self) -> DateTime<Utc> {
        self.0.sent_at
    }
    /// The customer's id.
    async fn customer_id(&self) -> ID {
        id(self.0.customer_id)
    }
}

/// A deal with a customer.
pub struct Deal(pub deals::Model);

/// A deal with a customer: its stage, value and expected close.
#[Object]
impl Deal {
    /// The deal's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// What the deal is.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Where it stands.
    async fn stage(&self) -> DealStage {
        self.0.stage.into()
    }
    /// Its value, in cents.
    async fn amount_cents(&self) -> i64 {
        self.0.amount_cents
    }
    /// ISO 4217.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// The chance of winning it, 0-100.
    async fn probability(&self) -> Option<i32> {
        self.0.probability
    }
    /// When it is expected to close.
    async fn expected_close_date(&self) -> Option<Date> {
        self.0.expected_close_date.map(Into::into)
    }
    /// When it closed (won or lost).
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    /// The member who owns it.
    async fn owner_id(&self) -> Option<ID> {
        self.0.owner_user_id.map(id)
    }
    /// The customer's id.
    async fn customer_id(&self) -> ID {
        id(self.0.customer_id)
    }
    /// When it was opened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// One entry of a customer's timeline.
pub struct Activity(pub Row);

/// One entry of a customer's timeline: an order, a message or a deal.
#[Object]
impl Activity {
    /// What kind it is.
    #[graphql(name = "type")]
    async fn kind(&self) -> ActivityType {
        self.0.kind().into()
    }
    /// When it happened: ordered, sent or opened.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at()
    }
    /// The order's, message's or deal's id.
    async fn id(&self) -> ID {
        id(self.0.id())
    }
    /// A one-line summary: the order's event or number, the message's subject or channel, the deal's title.
    async fn title(&self) -> String {
        match &self.0 {
            Row::Order(o) => o
                .event_name
                .clone()
                .unwrap_or_else(|| o.order_number.clone()),
            Row::Message(m) => m
                .subject
                .clone()
                .unwrap_or_else(|| format!("{} {}", m.channel.as_str(), m.direction.as_str())),
            Row::Deal(d) => d.title.clone(),
        }
    }
    /// The order's total or the deal's value, in cents; null for a message.
    async fn amount_cents(&self) -> Option<i64> {
        match &self.0 {
            Row::Order(o) => Some(o.total_cents),
            Row::Message(_) => None,
            Row::Deal(d) => Some(d.amount_cents),
        }
    }
    /// The order's status, the message's status or the deal's stage, lower case.
    async fn status(&self) -> &'static str {
        match &self.0 {
            Row::Order(o) => o.status.as_str(),
            Row::Message(m) => m.status.as_str(),
            Row::Deal(d) => d.stage.as_str(),
        }
    }
    /// The order, when it is one.
    async fn order(&self) -> Option<Order> {
        match &self.0 {
            Row::Order(o) => Some(Order(o.clone())),
            _ => None,
        }
    }
    /// The message, when it is one.
    async fn message(&self) -> Option<CustomerMessage> {
        match &self.0 {
            Row::Message(m) => Some(CustomerMessage(m.clone())),
            _ => None,
        }
    }
    /// The deal, when it is one.
    async fn deal(&self) -> Option<Deal> {
        match &self.0 {
            Row::Deal(d) => Some(Deal(d.clone())),
            _ => None,
        }
    }
}

/// What a conversion sets beyond what the lead gives.
#[derive(InputObject, Default)]
pub struct ConvertLeadInput {
    /// The member who owns the customer; default the lead's owner, else you.
    pub sales_rep_id: Option<ID>,
    /// The company, at most 200 characters; default the lead's.
    pub company: Option<String>,
    /// Notes, at most 5,000 characters.
    pub notes: Option<String>,
}

impl ConvertLeadInput {
    pub(crate) fn parse(self) -> ApiResult<ConvertLead> {
        Ok(ConvertLead {
            sales_rep_id: optional_id("input.salesRepId", self.sales_rep_id)?,
            company: self.company,
            notes: self.notes,
        })
    }
}

/// What customers are sorted by; the id breaks ties.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "switchboard_app::customers::read::CustomerSort")]
pub enum CustomerOrderField {
    /// When they became customers: the default.
    #[default]
    CreatedAt,
    /// The composite RFM score (6-30); customers not yet scored count lowest (last when DESC).
    LeadScore,
    /// The last interaction; customers never reached count oldest (last when DESC).
    LastInteraction,
}

/// How customers are sorted.
#[derive(InputObject, Debug, Clone, Copy, Default)]
pub struct CustomerOrder {
    /// What to sort by; default CREATED_AT.
    #[graphql(default)]
    pub field: CustomerOrderField,
    /// Default DESC: newest, highest or most recent first.
    #[graphql(default)]
    pub direction: Direction,
}

/// Which customers: every part given must hold.
#[derive(InputObject, Default)]
pub struct CustomerFilterInput {
    /// Any of these statuses.
    pub status: Option<Vec<CustomerStatus>>,
    /// Any of these score bands.
    pub band: Option<Vec<ScoreBand>>,
    /// Composite score at least (6-30).
    pub score_min: Option<i32>,
    /// Composite score at most.
    pub score_max: Option<i32>,
    /// Recency score at least (1-5).
    pub recency_min: Option<i32>,
    /// Recency score at most.
    pub recency_max: Option<i32>,
    /// Frequency score at least (1-5).
    pub frequency_min: Option<i32>,
    /// Frequency score at most.
    pub frequency_max: Option<i32>,
    /// Monetary score at least (1-5).
    pub monetary_min: Option<i32>,
    /// Monetary score at most.
    pub monetary_max: Option<i32>,
    /// Owned by this member.
    pub sales_rep_id: Option<ID>,
    /// Words in the name, email, phone, company or reference number (each word must appear), at most 200 characters.
    pub search: Option<String>,
    /// Became a customer at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Became a customer at or before.
    pub created_to: Option<DateTime<Utc>>,
    /// Last interaction at or after.
    pub last_interaction_from: Option<DateTime<Utc>>,
    /// Last interaction at or before.
    pub last_interaction_to: Option<DateTime<Utc>>,
}

impl CustomerFilterInput {
    pub(crate) fn parse(self) -> ApiResult<CustomerFilter> {
        Ok(CustomerFilter {
            statuses: self
                .status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            bands: self
                .band
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            score: (self.score_min, self.score_max),
            recency: (self.recency_min, self.recency_max),
            frequency: (self.frequency_min, self.frequency_max),
            monetary: (self.monetary_min, self.monetary_max),
            sales_rep_id: optional_id("filter.salesRepId", self.sales_rep_id)?,
            search: self.search,
            created: (self.created_from, self.created_to),
            last_interaction: (self.last_interaction_from, self.last_interaction_to),
        })
    }
}

/// Changes to a customer: omitted fields stay.
#[derive(InputObject, Default)]
pub struct UpdateCustomerInput {
    /// 1 to 200 characters.
    pub name: Option<String>,
    /// An email address; empty clears it.
    pub email: Option<String>,
    /// A phone number, at most 40 characters; empty clears it.
    pub phone: Option<String>,
    /// At most 200 characters; empty clears it.
    pub company: Option<String>,
    /// At most 5,000 characters; empty clears them.
    pub notes: Option<String>,
    /// The lifecycle: ACTIVE, INACTIVE and ON_HOLD move freely, any may become CHURNED, a churned customer comes back only as ACTIVE.
    pub status: Option<CustomerStatus>,
    /// The member who owns the customer.
    pub sales_rep_id: Option<ID>,
}

impl UpdateCustomerInput {
    pub(crate) fn parse(self) -> ApiResult<CustomerChanges> {
        Ok(CustomerChanges {
            name: self.name,
            email: self.email,
            phone: self.phone,
            company: self.company,
            notes: self.notes,
            status: self.status.map(Into::into),
            sales_rep_id: optional_id("input.salesRepId", self.sales_rep_id)?,
        })
    }
}

/// A new order.
#[derive(InputObject)]
pub struct CreateOrderInput {
    /// The total in cents, 0 or more.
    pub amount_cents: i32,
    /// ISO 4217; default USD.
    pub currency: Option<String>,
    /// Default PAID.
    pub status: Option<OrderStatus>,
    /// When it was placed; default now, never more than a day ahead.
    pub ordered_at: Option<DateTime<Utc>>,
    /// Unique in the organization, at most 64 characters; default one made from the order's id.
    pub order_number: Option<String>,
    /// The event it is for, at most 200 characters.
    pub event_name: Option<String>,
}

impl From<CreateOrderInput> for NewOrder {
    fn from(input: CreateOrderInput) -> Self {
        Self {
            amount_cents: i64::from(input.amount_cents),
            currency: input.currency,
            status: input.status.map(Into::into),
            ordered_at: input.ordered_at,
            order_number: input.order_number,
            event_name: input.event_name,
        }
    }
}

/// Changes to an order: omitted fields stay.
#[derive(InputObject)]
pub struct UpdateOrderInput {
    /// The total in cents.
    pub amount_cents: Option<i32>,
    /// Its status.
    pub status: Option<OrderStatus>,
    /// When it was placed.
    pub ordered_at: Option<DateTime<Utc>>,
    /// The event it is for.
    pub event_name: Option<String>,
}

impl From<UpdateOrderInput> for OrderChanges {
    fn from(input: UpdateOrderInput) -> Self {
        Self {
            amount_cents: input.amount_cents.map(i64::from),
            status: input.status.map(Into::into),
            ordered_at: input.ordered_at,
            event_name: input.event_name,
        }
    }
}

/// A new message to or from a customer.
#[derive(InputObject)]
pub struct CreateMessageInput {
    /// How it travelled.
    pub channel: MessageChannel,
    /// To the customer or from them.
    pub direction: MessageDirection,
    /// At most 200 characters.
    pub subject: Option<String>,
    /// The text, 1 to 20,000 characters.
    pub body: String,
    /// Default SENT (outbound) or RECEIVED (inbound).
    pub status: Option<MessageStatus>,
    /// When it was sent or received; default now.
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<CreateMessageInput> for NewMessage {
    fn from(input: CreateMessageInput) -> Self {
        Self {
            channel: input.channel.into(),
            direction: input.direction.into(),
            subject: input.subject,
            body: input.body,
            status: input.status.map(Into::into),
            sent_at: input.sent_at,
        }
    }
}

/// A new deal.
#[derive(InputObject)]
pub struct CreateDealInput {
    /// 1 to 200 characters.
    pub title: String,
    /// Default PROSPECTING.
    pub stage: Option<DealStage>,
    /// Its value in cents; default 0.
    pub amount_cents: Option<i32>,
    /// ISO 4217; default USD.
    pub currency: Option<String>,
    /// The chance of winning it, 0-100.
    pub probability: Option<i32>,
    /// When it is expected to close.
    pub expected_close_date: Option<Date>,
    /// The member who owns it; default the customer's sales rep.
    pub owner_id: Option<ID>,
}

impl CreateDealInput {
    pub(crate) fn parse(self) -> ApiResult<NewDeal> {
        Ok(NewDeal {
            title: self.title,
            stage: self.stage.map(Into::into),
            amount_cents: self.amount_cents.map(i64::from),
            currency: self.currency,
            probability: self.probability,
            expected_close_date: self.expected_close_date.map(Into::into),
            owner_id: optional_id("input.ownerId", self.owner_id)?,
        })
    }
}

/// Changes to a deal: omitted fields stay.
#[derive(InputObject)]
pub struct UpdateDealInput {
    /// 1 to 200 characters.
    pub title: Option<String>,
    /// Its stage.
    pub stage: Option<DealStage>,
    /// Its value in cents.
    pub amount_cents: Option<i32>,
    /// 0-100.
    pub probability: Option<i32>,
    /// When it is expected to close.
    pub expected_close_date: Option<Date>,
}

impl From<UpdateDealInput> for DealChanges {
    fn from(input: UpdateDealInput) -> Self {
        Self {
            title: input.title,
            stage: input.stage.map(Into::into),
            amount_cents: input.amount_cents.map(i64::from),
            probability: input.probability,
            expected_close_date: input.expected_close_date.map(Into::into),
        }
    }
}

/// What `customerStats` groups customers by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "switchboard_app::customers::stats::CustomerGroup")]
pub enum CustomerStatsGroup {
    /// The score band.
    Band,
    /// The lifecycle status.
    Status,
    /// The sales rep.
    SalesRep,
    /// The lead source the customer came from.
    Source,
}

/// One group of `customerStats`: its keys (those it was not grouped by are null), how many customers, their average score and revenue.
#[derive(async_graphql::SimpleObject)]
pub struct CustomerStatsRow {
    /// The score band, when grouped by it (null: not scored yet).
    pub band: Option<ScoreBand>,
    /// The status, when grouped by it.
    pub status: Option<CustomerStatus>,
    /// The sales rep, when grouped by it (null: none).
    pub sales_rep_id: Option<ID>,
    /// The original lead source, when grouped by it (null: unknown).
    pub source: Option<String>,
    /// How many customers.
    pub customers: i64,
    /// Their average composite RFM score, 6-30.
    pub average_score: Option<f64>,
    /// The totals of their paid and fulfilled orders, in cents.
    pub revenue_cents: i64,
}

impl From<switchboard_app::customers::stats::CustomerStatsRow> for CustomerStatsRow {
    fn from(row: switchboard_app::customers::stats::CustomerStatsRow) -> Self {
        Self {
            band: row.band.map(Into::into),
            status: row.status.map(Into::into),
            sales_rep_id: row.sales_rep_id.map(id),
            source: row.source,
            customers: row.customers,
            average_score: row.average_score,
            revenue_cents: row.revenue_cents,
        }
    }
}
