//! Customers for benchmark sets: `seed --scale N --customers` converts the
//! organization's leads into `N x 10,000` customers (one a lead, in the
//! order the leads came) with `N x 100,000` orders over the last two years,
//! spread unevenly: some customers never ordered, most a few times, a long
//! tail of regulars many times ([`customers`]). And one customer's long
//! history of orders, messages and deals mixed, for the timeline benchmark
//! ([`activities`]).
//!
//! Each writes in one transaction, in multi-row statements, as the scale
//! seed does. RFM scores are left NULL: the application computes them
//! (`switchboard seed` rescores the organization afterwards, the benchmark
//! times exactly that). Reference numbers are `CUST-<year of
//! conversion>-<NNNN>`, counted per year in conversion order after any the
//! organization has, and `customer_reference_counters` is moved to the
//! last one, so later conversions continue the sequence.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Datelike, Duration, Utc};
use indicatif::ProgressBar;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::json;
use switchboard_domain::customers::reference_number;
use switchboard_entity::enums::{
    CustomerStatus, DealStage, MemberRole, MessageChannel, MessageDirection, MessageStatus,
    OrderStatus,
};
use switchboard_entity::{
    customer_reference_counters as counters, customers, deals, leads, messages, orders,
    organization_memberships,
};
use uuid::Uuid;

use crate::insert::insert_all;
use crate::{SeedError, fake};

pub const CUSTOMERS_PER_SCALE: u64 = 10_000;
pub const ORDERS_PER_SCALE: u64 = 100_000;
/// Rows generated before they are written (each batch is then cut into
/// statements under the bind-parameter limit by `insert_all`).
const CUSTOMERS_PER_BATCH: usize = 5_000;
const ORDERS_PER_BATCH: usize = 10_000;
/// How far back conversions and orders go.
const HISTORY_DAYS: i64 = 730;
/// The share of customers who never ordered.
const NEVER_ORDERED: f64 = 0.15;
/// The tail of the orders a customer places (Pareto's alpha: the smaller,
/// the longer the tail).
const TAIL: f64 = 1.5;

/// Orders' statuses and their weights; `paid` and `fulfilled` count for
/// the RFM scores.
const ORDER_STATUSES: &[(OrderStatus, u32)] = &[
    (OrderStatus::Paid, 50),
    (OrderStatus::Fulfilled, 34),
    (OrderStatus::Pending, 5),
    (OrderStatus::Cancelled, 7),
    (OrderStatus::Refunded, 4),
];
const CUSTOMER_STATUSES: &[(CustomerStatus, u32)] = &[
    (CustomerStatus::Active, 80),
    (CustomerStatus::Inactive, 10),
    (CustomerStatus::OnHold, 4),
    (CustomerStatus::Churned, 6),
];
/// A customer pays in one currency.
const CURRENCIES: &[(&str, u32)] = &[("USD", 85), ("CAD", 6), ("GBP", 5), ("EUR", 4)];
const EVENTS: &[&str] = &[
    "New patient exam",
    "Cleaning and check-up",
    "Whitening session",
    "Invisalign consultation",
    "Implant consultation",
    "Emergency visit",
];
const DEAL_TITLES: &[&str] = &[
    "Invisalign treatment",
    "Implant package",
    "Family care plan",
    "Whitening bundle",
    "Annual membership",
];
const SUBJECTS: &[&str] = &[
    "Your treatment plan",
    "Appointment confirmation",
    "Your invoice",
    "How was your visit?",
];
const BODIES: &[&str] = &[
    "Hi! Just confirming your visit next week.",
    "Thanks for coming in today. Let us know if you have any questions.",
    "Your payment was received, thank you.",
    "Can we move my appointment to Friday?",
    "It's time for your six-month check-up: reply to book.",
];

/// What [`customers`] wrote.
#[derive(Debug, Clone)]
pub struct CustomersSummary {
    pub organization_id: Uuid,
    pub customers: u64,
    /// Customers converted from one of the organization's leads (the
    /// others, beyond its leads, have none).
    pub from_leads: u64,
    pub orders: u64,
    /// Orders that count for the scores (`paid`, `fulfilled`).
    pub counted_orders: u64,
    /// Customers without an order.
    pub without_orders: u64,
    /// The most orders one customer has.
    pub most_orders: u64,
}

/// What [`activities`] wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct ActivitySummary {
    pub orders: u64,
    pub messages: u64,
    pub deals: u64,
}

/// A lead to convert: id, names, email, phone, source, created at.
type LeadRow = (
    Uuid,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    DateTime<Utc>,
);

/// A customer before it is written.
struct Plan {
    id: Uuid,
    lead: Option<usize>,
    converted: DateTime<Utc>,
    reference: String,
    currency: &'static str,
    last_order: Option<DateTime<Utc>>,
    orders: u64,
}

fn weighted<T: Copy>(rng: &mut SmallRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut at = rng.random_range(0..total.max(1));
    for (item, weight) in items {
        if at < *weight {
            return *item;
        }
        at -= weight;
    }
    items[0].0
}

/// A price in cents: log-uniform from $15 to $2,500, most ending in .00 or .99.
fn price(rng: &mut SmallRng) -> i64 {
    let dollars = rng.random_range(15f64.ln()..2_500f64.ln()).exp() as i64;
    dollars * 100 + if rng.random_bool(0.4) { 99 } else { 0 }
}

fn bar(progress: bool, len: u64) -> ProgressBar {
    crate::scale::progress_bar(progress, len)
}

/// The next order number of the organization: `ORD-<8 digits>` after as
/// many as it has.
async fn order_offset(db: &impl ConnectionTrait, organization_id: Uuid) -> Result<u64, DbErr> {
    orders::Entity::find()
        .filter(orders::Column::OrganizationId.eq(organization_id))
        .count(db)
        .await
}

fn order_number(n: u64) -> String {
    format!("ORD-{n:08}")
}

/// The highest reference number the organization has given per year: its
/// counters, or its customers' numbers where they are higher.
async fn references_taken(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
) -> Result<BTreeMap<i32, i32>, DbErr> {
    let mut taken: BTreeMap<i32, i32> = counters::Entity::find()
        .filter(counters::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.year, c.last_number))
        .collect();
    let numbers: Vec<String> = customers::Entity::find()
        .select_only()
        .column(customers::Column::CustomerReferenceNumber)
        .filter(customers::Column::OrganizationId.eq(organization_id))
        .into_tuple()
        .all(db)
        .await?;
    for reference in numbers {
        let mut parts = reference.splitn(3, '-').skip(1);
        if let (Some(Ok(year)), Some(Ok(n))) = (
            parts.next().map(str::parse::<i32>),
            parts.next().map(str::parse::<i32>),
        ) {
            let highest = taken.entry(year).or_insert(0);
            *highest = (*highest).max(n);
        }
    }
    Ok(taken)
}

/// Converts `n x 10,000` customers in `organization_id` (one for each of its
/// leads without a customer, oldest lead first, then customers without a
/// lead if it has too few) and gives them `n x 100,000` orders over the
/// last two years, in one transaction, with a progress bar if `progress`.
/// Customers convert over the two years; each orders after converting, as
/// often as a heavy-tailed draw weighted by how long they have been a
/// customer says (15 % never do). The organization's owner is their sales
/// rep; their RFM scores stay NULL.
pub async fn customers(
    db: &DatabaseConnection,
    organization_id: Uuid,
    n: u32,
    random_seed: u64,
    progress: bool,
) -> Result<CustomersSummary, SeedError> {
    // A stream of its own: the same seed as `scale` draws other numbers.
    let mut rng = SmallRng::seed_from_u64(random_seed ^ 0x0c05_7033_e125);
    let now = Utc::now();
    let customer_total = CUSTOMERS_PER_SCALE * u64::from(n);
    let order_total = ORDERS_PER_SCALE * u64::from(n);
    let bar = bar(progress, customer_total + order_total);

    let txn = db.begin().await?;
    let owner: Option<Uuid> = organization_memberships::Entity::find()
        .select_only()
        .column(organization_memberships::Column::UserId)
        .filter(organization_memberships::Column::OrganizationId.eq(organization_id))
        .filter(organization_memberships::Column::Role.eq(MemberRole::Owner))
        .into_tuple()
        .one(&txn)
        .await?;
    let converted: HashSet<Uuid> = customers::Entity::find()
        .select_only()
        .column(customers::Column::LeadId)
        .filter(customers::Column::OrganizationId.eq(organization_id))
        .filter(customers::Column::LeadId.is_not_null())
        .into_tuple::<Option<Uuid>>()
        .all(&txn)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let leads: Vec<LeadRow> = leads::Entity::find()
        .select_only()
        .columns([
            leads::Column::Id,
            leads::Column::FirstName,
            leads::Column::LastName,
            leads::Column::Email,
            leads::Column::PhoneNumber,
            leads::Column::Source,
            leads::Column::CreatedAt,
        ])
        .filter(leads::Column::OrganizationId.eq(organization_id))
        .filter(leads::Column::DeletedAt.is_null())
        .order_by_asc(leads::Column::CreatedAt)
        .order_by_asc(leads::Column::Id)
        .into_tuple::<LeadRow>()
        .all(&txn)
        .await?
        .into_iter()
        .filter(|lead| !converted.contains(&lead.0))
        .take(customer_total as usize)
        .collect();
    let mut next_reference = references_taken(&txn, organization_id).await?;
    let first_order = order_offset(&txn, organization_id).await?;

    // Who converted when, numbered per year in that order.
    let mut plans: Vec<Plan> = (0..customer_total as usize)
        .map(|i| Plan {
            id: Uuid::nil(),
            lead: (i < leads.len()).then_some(i),
            converted: now - Duration::seconds(rng.random_range(86_400..HISTORY_DAYS * 86_400)),
            reference: String::new(),
            currency: weighted(&mut rng, CURRENCIES),
            last_order: None,
            orders: 0,
        })
        .collect();
    plans.sort_by_key(|p| p.converted);
    for plan in &mut plans {
        plan.id = Uuid::now_v7();
        let year = plan.converted.year();
        let number = next_reference.entry(year).or_insert(0);
        *number += 1;
        plan.reference = reference_number(year, *number);
    }

    // Who orders how often: a heavy-tailed weight, scaled by tenure; the
    // orders drawn in proportion, each at a time after its customer's
    // conversion, then placed in time order.
    let mut cumulative = Vec::with_capacity(plans.len());
    let mut sum = 0.0;
    for plan in &plans {
        if !rng.random_bool(NEVER_ORDERED) {
            let tail = (1.0 - rng.random::<f64>()).powf(-1.0 / TAIL);
            let tenure =
                (now - plan.converted).num_seconds() as f64 / (HISTORY_DAYS * 86_400) as f64;
            sum += tail * (0.1 + tenure);
        }
        cumulative.push(sum);
    }
    let mut placed: Vec<(u32, i64)> = Vec::with_capacity(order_total as usize);
    if sum > 0.0 {
        for _ in 0..order_total {
            let at = rng.random::<f64>() * sum;
            let who = cumulative
                .partition_point(|c| *c <= at)
                .min(plans.len() - 1);
            let plan = &mut plans[who];
            let since = plan.converted.timestamp();
            let when = rng.random_range(since..now.timestamp().max(since + 1));
            placed.push((who as u32, when));
            plan.orders += 1;
            let when = DateTime::from_timestamp(when, 0).unwrap_or(now);
            plan.last_order = plan.last_order.max(Some(when));
        }
    }
    placed.sort_unstable_by_key(|(_, when)| *when);

    bar.set_message("customers");
    let mut batch = Vec::with_capacity(CUSTOMERS_PER_BATCH);
    for (i, plan) in plans.iter().enumerate() {
        let lead = plan.lead.map(|l| &leads[l]);
        let name = match lead {
            Some((_, first, last, ..)) => {
                let name = [first.as_deref(), last.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                if name.is_empty() {
                    "Customer".to_owned()
                } else {
                    name
                }
            }
            None => format!(
                "{} {}",
                fake::pick(&mut rng, fake::FIRST_NAMES),
                fake::pick(&mut rng, fake::LAST_NAMES)
            ),
        };
        let touched = plan.last_order.unwrap_or(plan.converted);
        batch.push(customers::ActiveModel {
            id: Set(plan.id),
            organization_id: Set(organization_id),
            lead_id: Set(lead.map(|l| l.0)),
            customer_reference_number: Set(plan.reference.clone()),
            email: Set(match lead {
                Some(l) => l.3.clone(),
                None => Some(format!(
                    "{}{i}@customers.example",
                    name.to_lowercase().replace(' ', ".")
                )),
            }),
            name: Set(name),
            phone: Set(Some(match lead {
                Some(l) => l.4.clone(),
                None => fake::phone(5_000_000 + i as u64),
            })),
            company: Set(rng
                .random_bool(0.3)
                .then(|| (*fake::pick(&mut rng, fake::COMPANIES)).to_owned())),
            status: Set(weighted(&mut rng, CUSTOMER_STATUSES)),
            conversion_date: Set(Some(plan.converted)),
            original_lead_source: Set(lead.and_then(|l| l.5.clone())),
            sales_rep_user_id: Set(owner),
            last_interaction_date: Set(Some(touched)),
            notes: Set(None),
            rfm_recency: Set(None),
            rfm_frequency: Set(None),
            rfm_monetary: Set(None),
            lead_score: Set(None),
            last_scored_at: Set(None),
            created_at: Set(plan.converted),
            updated_at: Set(touched),
        });
        if batch.len() == CUSTOMERS_PER_BATCH {
            bar.inc(insert_all(&txn, std::mem::take(&mut batch)).await?);
        }
    }
    bar.inc(insert_all(&txn, batch).await?);
    // Conversions from now on continue each year's numbering.
    let counter_rows: Vec<counters::ActiveModel> = next_reference
        .iter()
        .map(|(year, last)| counters::ActiveModel {
            organization_id: Set(organization_id),
            year: Set(*year),
            last_number: Set(*last),
        })
        .collect();
    if !counter_rows.is_empty() {
        counters::Entity::insert_many(counter_rows)
            .on_conflict(
                OnConflict::columns([counters::Column::OrganizationId, counters::Column::Year])
                    .update_column(counters::Column::LastNumber)
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }

    bar.set_message("orders");
    let mut counted = 0;
    let mut batch = Vec::with_capacity(ORDERS_PER_BATCH);
    for (k, (who, when)) in placed.iter().enumerate() {
        let plan = &plans[*who as usize];
        let at = DateTime::from_timestamp(*when, 0).unwrap_or(now);
        let status = weighted(&mut rng, ORDER_STATUSES);
        counted += u64::from(matches!(status, OrderStatus::Paid | OrderStatus::Fulfilled));
        batch.push(orders::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(organization_id),
            customer_id: Set(plan.id),
            order_number: Set(order_number(first_order + k as u64 + 1)),
            status: Set(status),
            total_cents: Set(price(&mut rng)),
            currency: Set(plan.currency.to_owned()),
            event_name: Set(rng
                .random_bool(0.25)
                .then(|| (*fake::pick(&mut rng, EVENTS)).to_owned())),
            ordered_at: Set(at),
            metadata: Set(json!({})),
            created_at: Set(at),
            updated_at: Set(at),
        });
        if batch.len() == ORDERS_PER_BATCH {
            bar.inc(insert_all(&txn, std::mem::take(&mut batch)).await?);
        }
    }
    bar.inc(insert_all(&txn, batch).await?);
    bar.set_message("committing");
    txn.commit().await?;
    bar.set_message("analyzing");
    db.execute_unprepared("ANALYZE").await?;
    bar.finish_with_message("done");
    Ok(CustomersSummary {
        organization_id,
        customers: customer_total,
        from_leads: leads.len() as u64,
        orders: placed.len() as u64,
        counted_orders: counted,
        without_orders: plans.iter().filter(|p| p.orders == 0).count() as u64,
        most_orders: plans.iter().map(|p| p.orders).max().unwrap_or(0),
    })
}

/// Gives the customer `count` more activities over the last two years (or
/// since it converted, if later): about 40 % orders, 45 % messages and
/// 15 % deals, in one transaction; its last interaction becomes the newest.
/// For the timeline benchmark: the timeline of a customer with a long
/// history.
pub async fn activities(
    db: &DatabaseConnection,
    organization_id: Uuid,
    customer_id: Uuid,
    count: u32,
    random_seed: u64,
) -> Result<ActivitySummary, SeedError> {
    let mut rng = SmallRng::seed_from_u64(random_seed ^ 0x7133_11e5);
    let now = Utc::now();
    let txn = db.begin().await?;
    let customer = customers::Entity::find_by_id(customer_id)
        .filter(customers::Column::OrganizationId.eq(organization_id))
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("customer {customer_id}")))?;
    let since = customer
        .conversion_date
        .unwrap_or(customer.created_at)
        .max(now - Duration::days(HISTORY_DAYS))
        .min(now - Duration::days(30));
    let currency = "USD".to_owned();
    let mut times: Vec<i64> = (0..count)
        .map(|_| rng.random_range(since.timestamp()..now.timestamp()))
        .collect();
    times.sort_unstable();
    let offset = order_offset(&txn, organization_id).await?;

    let (mut orders, mut messages, mut deals) = (Vec::new(), Vec::new(), Vec::new());
    for when in &times {
        let at = DateTime::from_timestamp(*when, 0).unwrap_or(now);
        let pick = rng.random_range(0..100);
        if pick < 40 {
            orders.push(orders::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(organization_id),
                customer_id: Set(customer_id),
                order_number: Set(order_number(offset + orders.len() as u64 + 1)),
                status: Set(weighted(&mut rng, ORDER_STATUSES)),
                total_cents: Set(price(&mut rng)),
                currency: Set(currency.clone()),
                event_name: Set(rng
                    .random_bool(0.25)
                    .then(|| (*fake::pick(&mut rng, EVENTS)).to_owned())),
                ordered_at: Set(at),
                metadata: Set(json!({})),
                created_at: Set(at),
                updated_at: Set(at),
            });
        } else if pick < 85 {
            let channel = *fake::pick(
                &mut rng,
                &[
                    MessageChannel::Sms,
                    MessageChannel::Sms,
                    MessageChannel::Email,
                    MessageChannel::Email,
                    MessageChannel::Call,
                    MessageChannel::Chat,
                    MessageChannel::Whatsapp,
                ],
            );
            let inbound = rng.random_bool(0.35);
            messages.push(messages::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(organization_id),
                customer_id: Set(customer_id),
                lead_id: Set(customer.lead_id),
                channel: Set(channel),
                direction: Set(if inbound {
                    MessageDirection::Inbound
                } else {
                    MessageDirection::Outbound
                }),
                subject: Set((channel == MessageChannel::Email)
                    .then(|| (*fake::pick(&mut rng, SUBJECTS)).to_owned())),
                body: Set((*fake::pick(&mut rng, BODIES)).to_owned()),
                status: Set(if inbound {
                    MessageStatus::Received
                } else {
                    *fake::pick(
                        &mut rng,
                        &[
                            MessageStatus::Sent,
                            MessageStatus::Delivered,
                            MessageStatus::Delivered,
                            MessageStatus::Read,
                            MessageStatus::Failed,
                        ],
                    )
                }),
                sent_at: Set(at),
                metadata: Set(json!({})),
                created_at: Set(at),
                updated_at: Set(at),
            });
        } else {
            let stage = *fake::pick(
                &mut rng,
                &[
                    DealStage::Prospecting,
                    DealStage::Qualification,
                    DealStage::Proposal,
                    DealStage::Negotiation,
                    DealStage::ClosedWon,
                    DealStage::ClosedWon,
                    DealStage::ClosedLost,
                ],
            );
            let probability = match stage {
                DealStage::Prospecting => 10,
                DealStage::Qualification => 25,
                DealStage::Proposal => 50,
                DealStage::Negotiation => 70,
                DealStage::ClosedWon => 100,
                DealStage::ClosedLost => 0,
            };
            let closed = matches!(stage, DealStage::ClosedWon | DealStage::ClosedLost);
            let closes = at + Duration::days(rng.random_range(7..60));
            deals.push(deals::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(organization_id),
                customer_id: Set(customer_id),
                lead_id: Set(customer.lead_id),
                owner_user_id: Set(customer.sales_rep_user_id),
                title: Set((*fake::pick(&mut rng, DEAL_TITLES)).to_owned()),
                stage: Set(stage),
                amount_cents: Set(rng.random_range(5..120) * 10_000),
                currency: Set(currency.clone()),
                probability: Set(Some(probability)),
                expected_close_date: Set(Some(closes.date_naive())),
                closed_at: Set(closed.then(|| closes.min(now))),
                created_at: Set(at),
                updated_at: Set(if closed { closes.min(now) } else { at }),
            });
        }
    }
    let summary = ActivitySummary {
        orders: insert_all(&txn, orders).await?,
        messages: insert_all(&txn, messages).await?,
        deals: insert_all(&txn, deals).await?,
    };
    if let Some(newest) = times.last().and_then(|t| DateTime::from_timestamp(*t, 0)) {
        customers::Entity::update_many()
            .col_expr(
                customers::Column::LastInteractionDate,
                sea_orm::sea_query::Expr::value(
                    newest.max(customer.last_interaction_date.unwrap_or(newest)),
                ),
            )
            .filter(customers::Column::Id.eq(customer_id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(summary)
}
