//! Converting a lead into a customer (`convertLeadToCustomer`).

use chrono::{Datelike, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    Statement,
};
use switchboard_domain::customers::{composite, reference_number};
use switchboard_entity::enums::{CustomerStatus, LeadStatus, TriggerType};
use switchboard_entity::{customer_reference_counters as counters, customers, leads};
use uuid::Uuid;

use super::text;
use crate::actor::{Permission, Viewer};
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::events::{CustomerEvent, Message};
use crate::identity::Client;

/// What a conversion may set beyond what the lead gives.
#[derive(Debug, Clone, Default)]
pub struct ConvertLead {
    /// The member who owns the customer; default the lead's owner, else
    /// the member converting.
    pub sales_rep_id: Option<Uuid>,
    /// Overrides the lead's company.
    pub company: Option<String>,
    pub notes: Option<String>,
}

/// Converts a live lead into a customer (agents and above), in one
/// transaction: the organization's next reference number for the year
/// (in its time zone), the lead's name, contact details and source, scores
/// of a customer with no order yet (1, 1, 1: cold), and the lead moved to
/// `recruited` with history (a DNC lead keeps its status). A lead
/// converted already is CONFLICT naming its customer.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, lead_id = %lead_id))]
pub async fn convert_lead(
    app: &App,
    viewer: Viewer,
    client: &Client,
    lead_id: Uuid,
    input: ConvertLead,
) -> AppResult<customers::Model> {
    viewer.require(Permission::WriteLeadsAndCalls)?;
    let org = viewer.organization_id;
    let company = text("company", input.company, 200)?;
    let notes = text("notes", input.notes, 5_000)?;
    let now = Utc::now();
    let write = app.begin_write().await?;
    let lead = leads::Entity::find_by_id(lead_id)
        .filter(leads::Column::OrganizationId.eq(org))
        .filter(leads::Column::DeletedAt.is_null())
        .lock_exclusive()
        .one(&*write)
        .await?
        .ok_or_else(|| AppError::not_found("lead", lead_id))?;
    if let Some(existing) = customers::Entity::find()
        .filter(customers::Column::OrganizationId.eq(org))
        .filter(customers::Column::LeadId.eq(lead_id))
        .one(&*write)
        .await?
    {
        return Err(AppError::Conflict {
            field: Some("leadId".into()),
            message: format!(
                "the lead is customer {} already",
                existing.customer_reference_number
            ),
            existing_id: Some(existing.id),
        });
    }
    let sales_rep = match input.sales_rep_id {
        Some(user) => {
            crate::leads::lookups::require_member(&*write, org, "salesRepId", user).await?;
            user
        }
        None => lead.owner_user_id.unwrap_or(viewer.user_id),
    };
    let year = now.with_timezone(&viewer.timezone).year();
    let number = next_reference(&*write, org, year).await?;
    let name = [lead.first_name.as_deref(), lead.last_name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let customer = customers::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org),
        lead_id: Set(Some(lead.id)),
        customer_reference_number: Set(reference_number(year, number)),
        name: Set(if name.is_empty() {
            lead.phone_number.clone()
        } else {
            name
        }),
        email: Set(lead.email.clone()),
        phone: Set(Some(lead.phone_number.clone())),
        company: Set(company.or_else(|| lead.company.clone())),
        status: Set(CustomerStatus::Active),
        conversion_date: Set(Some(now)),
        original_lead_source: Set(lead.source.clone()),
        sales_rep_user_id: Set(Some(sales_rep)),
        last_interaction_date: Set(Some(now)),
        notes: Set(notes),
        rfm_recency: Set(Some(1)),
        rfm_frequency: Set(Some(1)),
        rfm_monetary: Set(Some(1)),
        lead_score: Set(Some(composite(1, 1, 1))),
        last_scored_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*write)
    .await?;
    if !matches!(lead.status, LeadStatus::Recruited | LeadStatus::Dnc) {
        crate::leads::automation::set_status(
            &*write,
            &write.outbox,
            &lead,
            LeadStatus::Recruited,
            TriggerType::Manual,
            None,
            &format!(
                "Converted to customer {}",
                customer.customer_reference_number
            ),
            Some((viewer.user_id, client)),
            now,
        )
        .await?;
    }
    write.announce(Message::Customer(CustomerEvent {
        organization_id: org,
        customer_id: customer.id,
        created: true,
        occurred_at: now,
    }));
    write.commit().await?;
    Ok(customer)
}

/// Takes the organization's next reference number for `year`: the counter
/// row is created at the highest number the year has (customers from
/// before counting began, or loaded by the seeder), then bumped under its
/// row lock, so concurrent conversions queue and the numbers have no gap.
pub(crate) async fn next_reference(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    year: i32,
) -> AppResult<i32> {
    let prefix = format!("CUST-{year}-");
    let taken: Vec<String> = customers::Entity::find()
        .select_only()
        .column(customers::Column::CustomerReferenceNumber)
        .filter(customers::Column::OrganizationId.eq(organization_id))
        .filter(customers::Column::CustomerReferenceNumber.starts_with(prefix.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    let highest = taken
        .iter()
        .filter_map(|r| r.strip_prefix(prefix.as_str())?.parse::<i32>().ok())
        .max()
        .unwrap_or(0);
    counters::Entity::insert(counters::ActiveModel {
        organization_id: Set(organization_id),
        year: Set(year),
        last_number: Set(highest),
    })
    .on_conflict(
        OnConflict::columns([counters::Column::OrganizationId, counters::Column::Year])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let backend = db.get_database_backend();
    let sql = "UPDATE customer_reference_counters SET last_number = last_number + 1 \
               WHERE organization_id = $1 AND year = $2 RETURNING last_number";
    let sql = crate::dialect::numbered(backend, sql);
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [organization_id.into(), year.into()],
        ))
        .await?
        .ok_or_else(|| AppError::internal("the reference counter is missing"))?;
    Ok(row.try_get_by_index::<i32>(0)?)
}
