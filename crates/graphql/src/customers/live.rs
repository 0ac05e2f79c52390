//! `customerUpdated`: customers as they are converted and as they change,
//! their RFM scores included.

use async_graphql::{Context, ID, Object, Subscription};
use chrono::{DateTime, Utc};
use futures::stream::Stream;
use switchboard_app::customers::read;
use switchboard_app::events::{CustomerEvent, Message};

use crate::live::picked;
use crate::shared::context::{self, Permission, require};
use crate::shared::error::{ApiResult, AppError, parse_id};
use crate::types::Customer;

/// A change of a customer, as `customerUpdated` delivers it.
pub struct CustomerUpdate(CustomerEvent);

/// A change of a customer, as `customerUpdated` delivers it.
#[Object]
impl CustomerUpdate {
    /// The customer's id.
    async fn customer_id(&self) -> ID {
        ID(self.0.customer_id.to_string())
    }
    /// True when the lead was just converted.
    async fn created(&self) -> bool {
        self.0.created
    }
    /// When it changed.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The customer as it is now (null if it is gone).
    async fn customer(&self, ctx: &Context<'_>) -> ApiResult<Option<Customer>> {
        let viewer = require(ctx, Permission::Read)?;
        match read::customer(
            context::db(ctx)?,
            viewer.organization_id,
            self.0.customer_id,
        )
        .await
        {
            Ok(row) => Ok(Some(Customer::new(row))),
            Err(AppError::NotFound { .. }) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }
}

/// Subscriptions to customers.
#[derive(Default)]
pub struct CustomerSubscriptions;

#[Subscription]
impl CustomerSubscriptions {
    /// Customers as leads convert and as they change: their record, orders, messages, deals and RFM scores (an order rescores the organization, so every customer whose scores moved is announced). Only `customerId`'s, if given. No replay: a client that falls behind gets RESYNC_REQUIRED and reads `customers`.
    async fn customer_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this customer.")] customer_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<CustomerUpdate>>> {
        let viewer = require(ctx, Permission::Read)?;
        let only = customer_id
            .map(|c| parse_id("customerId", &c))
            .transpose()?;
        let organization_id = viewer.organization_id;
        let receiver = context::bus(ctx)?.subscribe_organization(organization_id);
        Ok(picked(receiver, move |message| match message {
            Message::Customer(event)
                if event.organization_id == organization_id
                    && only.is_none_or(|c| c == event.customer_id) =>
            {
                Some(CustomerUpdate(event.clone()))
            }
            _ => None,
        }))
    }
}
