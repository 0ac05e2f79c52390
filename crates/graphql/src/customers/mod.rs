//! Customers in GraphQL: conversion, the customer list and record, their
//! orders, messages and deals, the timeline, RFM rescoring and
//! `customerUpdated`. Each resolver translates to one
//! `switchboard_app::customers` use case.

// Connection fields take a filter, an order and Relay's four paging arguments.
#![allow(clippy::too_many_arguments)]

mod analytics;
mod live;
mod types;

pub use analytics::{CloseRateRow, ScoreFunnelRow};
pub use live::{CustomerSubscriptions, CustomerUpdate};
pub use types::*;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use switchboard_app::customers::{
    activity, analytics as insight, convert, read, rfm, timeline as service, write,
};
use switchboard_domain::range::InstantRange;
use switchboard_entity::customers;

use crate::identity::client;
use crate::shared::context::{self, Permission, require};
use crate::shared::error::{ApiResult, AppError, parse_id};
use crate::shared::pagination::Page;
use crate::types::{ActivityConnection, Customer, CustomerConnection, Total};

/// A page of a customer's timeline (for `Customer.timeline`).
pub(crate) async fn timeline(
    ctx: &Context<'_>,
    customer: &customers::Model,
    first: Option<i32>,
    after: Option<String>,
    types: Option<Vec<ActivityType>>,
) -> ApiResult<ActivityConnection> {
    let viewer = require(ctx, Permission::Read)?;
    let page = Page::new(first, after, None, None)?;
    let types: Vec<service::ActivityType> = types
        .unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect();
    let rows = service::timeline(
        context::db(ctx)?,
        viewer.organization_id,
        customer.id,
        &types,
        &page,
    )
    .await?;
    Ok(ActivityConnection::new(
        &page,
        rows,
        service::activity_cursor,
        Activity,
        Total::None,
    ))
}

/// Customer queries.
#[derive(Default)]
pub struct CustomerQueries;

#[Object]
impl CustomerQueries {
    /// The organization's customers matching `filter`, newest first by default; or by score or last interaction.
    #[graphql(complexity = "crate::shared::pagination::complexity(first, last, child_complexity)")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which customers; none: all of them.")] filter: Option<
            CustomerFilterInput,
        >,
        #[graphql(desc = "Default: newest first by when they became customers.")] order_by: Option<
            CustomerOrder,
        >,
        #[graphql(desc = "How many rows from the start (or after `after`): 0 to 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this connection: the page starts after that row.")]
        after: Option<String>,
        #[graphql(
            desc = "How many rows from the end (or before `before`); not together with `first`."
        )]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this connection: the page ends before that row.")]
        before: Option<String>,
    ) -> ApiResult<CustomerConnection> {
        let viewer = require(ctx, Permission::Read)?;
        let page = Page::new(first, after, last, before)?;
        let filter = filter.unwrap_or_default().parse()?;
        let list = read::customers(viewer.organization_id, &filter)?;
        let order = order_by.unwrap_or_default();
        let sort = read::CustomerSort::from(order.field);
        let rows = list
            .page(
                context::db(ctx)?,
                &page,
                sort.keyset(order.direction.into()),
            )
            .await?;
        Ok(CustomerConnection::new(
            &page,
            rows,
            |row| sort.cursor(row),
            Customer::new,
            Total::Customers(list),
        ))
    }

    /// The organization's customers grouped by band, status, sales rep or source (one to four, distinct): how many, their average score and revenue (their paid and fulfilled orders), largest groups first.
    async fn customer_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to group by, in order.")] group_by: Vec<CustomerStatsGroup>,
    ) -> ApiResult<Vec<CustomerStatsRow>> {
        let viewer = require(ctx, Permission::Read)?;
        let groups: Vec<_> = group_by.into_iter().map(Into::into).collect();
        let rows =
            switchboard_app::customers::stats::customer_stats(context::db(ctx)?, viewer, &groups)
                .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Seed 002's lead conversion funnel by score: the leads created from `from` (inclusive) to `to` (exclusive) in five rows by their lead score now (0-19 … 80-100), how many were called, qualified, converted and paying.
    async fn lead_conversion_by_score(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Leads created from this instant, inclusive.")] from: DateTime<Utc>,
        #[graphql(desc = "Leads created before this instant; after `from`.")] to: DateTime<Utc>,
    ) -> ApiResult<Vec<ScoreFunnelRow>> {
        let viewer = require(ctx, Permission::Read)?;
        let range = InstantRange::parse_any_span(from, to).map_err(AppError::from)?;
        let rows = insight::conversion_by_score(context::db(ctx)?, viewer, range).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Seed 002's activity frequency against deal close rate: the deals closed (won or lost) from `from` (inclusive) to `to` (exclusive) in five rows by how many messages and orders the customer had while the deal was open (0, 1-2, 3-5, 6-10, 11 or more), how many were won.
    async fn deal_close_rate_by_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Deals closed from this instant, inclusive.")] from: DateTime<Utc>,
        #[graphql(desc = "Deals closed before this instant; after `from`.")] to: DateTime<Utc>,
    ) -> ApiResult<Vec<CloseRateRow>> {
        let viewer = require(ctx, Permission::Read)?;
        let range = InstantRange::parse_any_span(from, to).map_err(AppError::from)?;
        let rows = insight::close_rate_by_activity(context::db(ctx)?, viewer, range).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// A customer by id.
    async fn customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's id; NOT_FOUND if the organization has none with it.")]
        id: ID,
    ) -> ApiResult<Customer> {
        let viewer = require(ctx, Permission::Read)?;
        let id = parse_id("id", &id)?;
        Ok(Customer::new(
            read::customer(context::db(ctx)?, viewer.organization_id, id).await?,
        ))
    }
}

/// Customer mutations.
#[derive(Default)]
pub struct CustomerMutations;

#[Object]
impl CustomerMutations {
    /// Converts a live lead into a customer with the organization's next reference number (`CUST-<year>-<NNNN>`, gap-free); the lead becomes RECRUITED. A lead converted already is CONFLICT naming its customer.
    async fn convert_lead_to_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead's id.")] lead_id: ID,
        #[graphql(desc = "The sales rep, company and notes; default the lead's.")] input: Option<
            ConvertLeadInput,
        >,
    ) -> ApiResult<Customer> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let lead = parse_id("leadId", &lead_id)?;
        let input = input.unwrap_or_default().parse()?;
        let row =
            convert::convert_lead(context::app(ctx)?, viewer, &client(ctx), lead, input).await?;
        Ok(Customer::new(row))
    }

    /// Changes a customer; a status the lifecycle does not allow (a churned customer back as anything but ACTIVE) is CONFLICT.
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's id.")] id: ID,
        #[graphql(desc = "The changes; omitted fields stay.")] input: UpdateCustomerInput,
    ) -> ApiResult<Customer> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let id = parse_id("id", &id)?;
        let changes = input.parse()?;
        let row =
            write::update_customer(context::app(ctx)?, viewer, &client(ctx), id, changes).await?;
        Ok(Customer::new(row))
    }

    /// Records an order of a customer; the organization's customers are rescored in the same transaction.
    async fn create_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's id.")] customer_id: ID,
        #[graphql(desc = "The order.")] input: CreateOrderInput,
    ) -> ApiResult<Order> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let customer = parse_id("customerId", &customer_id)?;
        let row = activity::create_order(
            context::app(ctx)?,
            viewer,
            &client(ctx),
            customer,
            input.into(),
        )
        .await?;
        Ok(Order(row))
    }

    /// Changes an order; the customers are rescored.
    async fn update_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order's id.")] id: ID,
        #[graphql(desc = "The changes; omitted fields stay.")] input: UpdateOrderInput,
    ) -> ApiResult<Order> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let id = parse_id("id", &id)?;
        let row =
            activity::update_order(context::app(ctx)?, viewer, &client(ctx), id, input.into())
                .await?;
        Ok(Order(row))
    }

    /// Cancels an order (it stays, CANCELLED, and stops counting in the scores); a cancelled or refunded order is CONFLICT.
    async fn cancel_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order's id.")] id: ID,
    ) -> ApiResult<Order> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let id = parse_id("id", &id)?;
        let row = activity::cancel_order(context::app(ctx)?, viewer, &client(ctx), id).await?;
        Ok(Order(row))
    }

    /// Records a message to or from a customer.
    async fn create_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's id.")] customer_id: ID,
        #[graphql(desc = "The message.")] input: CreateMessageInput,
    ) -> ApiResult<CustomerMessage> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let customer = parse_id("customerId", &customer_id)?;
        let row = activity::create_message(
            context::app(ctx)?,
            viewer,
            &client(ctx),
            customer,
            input.into(),
        )
        .await?;
        Ok(CustomerMessage(row))
    }

    /// Opens a deal with a customer.
    async fn create_deal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's id.")] customer_id: ID,
        #[graphql(desc = "The deal.")] input: CreateDealInput,
    ) -> ApiResult<Deal> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let customer = parse_id("customerId", &customer_id)?;
        let input = input.parse()?;
        let row = activity::create_deal(context::app(ctx)?, viewer, &client(ctx), customer, input)
            .await?;
        Ok(Deal(row))
    }

    /// Changes a deal; reaching CLOSED_WON or CLOSED_LOST stamps `closedAt`.
    async fn update_deal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deal's id.")] id: ID,
        #[graphql(desc = "The changes; omitted fields stay.")] input: UpdateDealInput,
    ) -> ApiResult<Deal> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let id = parse_id("id", &id)?;
        let row = activity::update_deal(context::app(ctx)?, viewer, &client(ctx), id, input.into())
            .await?;
        Ok(Deal(row))
    }

    /// Rescores every customer of the organization now (managers): quintile boundaries move as the population changes. Returns how many customers were scored.
    async fn recalculate_customer_scores(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let viewer = require(ctx, Permission::Manage)?;
        let touched = rfm::recalculate(context::app(ctx)?, viewer).await?;
        Ok(i64::try_from(touched).unwrap_or(i64::MAX))
    }
}
