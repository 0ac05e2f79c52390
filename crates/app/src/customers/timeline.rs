//! A customer's activity timeline: orders (by when ordered), messages (by
//! when sent) and deals (by when opened) merged newest first, a keyset
//! page at a time. Each kind is read by its `(customer_id, time, id)`
//! index for the page's size plus one after the cursor, and the three
//! merged here: three index range scans a page, however long the history.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use switchboard_entity::{deals, messages, orders};
use uuid::Uuid;

use super::read::customer;
use crate::error::AppResult;
use crate::query::page::{Cursor, Page, SortKey};

/// What kind of activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivityType {
    Order,
    Message,
    Deal,
}

/// One entry of a timeline.
#[derive(Debug, Clone, PartialEq)]
pub enum Activity {
    Order(orders::Model),
    Message(messages::Model),
    Deal(deals::Model),
}

impl Activity {
    /// When it happened: ordered, sent, or opened.
    pub fn occurred_at(&self) -> DateTime<Utc> {
        match self {
            Self::Order(o) => o.ordered_at,
            Self::Message(m) => m.sent_at,
            Self::Deal(d) => d.created_at,
        }
    }

    pub fn id(&self) -> Uuid {
        match self {
            Self::Order(o) => o.id,
            Self::Message(m) => m.id,
            Self::Deal(d) => d.id,
        }
    }

    pub fn kind(&self) -> ActivityType {
        match self {
            Self::Order(_) => ActivityType::Order,
            Self::Message(_) => ActivityType::Message,
            Self::Deal(_) => ActivityType::Deal,
        }
    }
}

/// Where an activity sits in its timeline.
pub fn activity_cursor(activity: &Activity) -> Cursor {
    Cursor {
        key: SortKey::Time(activity.occurred_at()),
        id: activity.id(),
    }
}

/// The rows of `page` of the customer's timeline (NOT_FOUND for another
/// organization's customer), newest first, one more than the page holds;
/// only `types` (none: every kind). Only forward pages (`first`/`after`).
pub async fn timeline(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    customer_id: Uuid,
    types: &[ActivityType],
    page: &Page,
) -> AppResult<Vec<Activity>> {
    customer(db, organization_id, customer_id).await?;
    let wanted = |t: ActivityType| types.is_empty() || types.contains(&t);
    let limit = page.size + 1;
    let after: Option<(DateTime<Utc>, Uuid)> = page.after.as_ref().and_then(|c| match c.key {
        SortKey::Time(t) => Some((t, c.id)),
        _ => None,
    });
    // Before the cursor in (time, id) descending order.
    macro_rules! older {
        ($entity:ident, $time:expr) => {{
            let mut select = $entity::Entity::find()
                .filter($entity::Column::OrganizationId.eq(organization_id))
                .filter($entity::Column::CustomerId.eq(customer_id));
            if let Some((t, id)) = after {
                select = select.filter(
                    Expr::col(($entity::Entity, $time)).lt(t).or(Expr::col((
                        $entity::Entity,
                        $time,
                    ))
                    .eq(t)
                    .and(Expr::col(($entity::Entity, $entity::Column::Id)).lt(id))),
                );
            }
            select
                .order_by_desc($time)
                .order_by_desc($entity::Column::Id)
                .limit(limit)
                .all(db)
                .await?
        }};
    }
    let mut merged: Vec<Activity> = Vec::new();
    if wanted(ActivityType::Order) {
        merged.extend(
            older!(orders, orders::Column::OrderedAt)
                .into_iter()
                .map(Activity::Order),
        );
    }
    if wanted(ActivityType::Message) {
        merged.extend(
            older!(messages, messages::Column::SentAt)
                .into_iter()
                .map(Activity::Message),
        );
    }
    if wanted(ActivityType::Deal) {
        merged.extend(
            older!(deals, deals::Column::CreatedAt)
                .into_iter()
                .map(Activity::Deal),
        );
    }
    merged.sort_by_key(|a| std::cmp::Reverse((a.occurred_at(), a.id())));
    merged.truncate(limit as usize);
    Ok(merged)
}
