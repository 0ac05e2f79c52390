//! Changing a customer (`updateCustomer`): contact details, notes, the
//! sales rep, and the status lifecycle (active, inactive, on hold,
//! churned), each change recorded in the audit log with its before and after.

use chrono::Utc;
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use serde_json::json;
use switchboard_domain::customers::status_change_allowed;
use switchboard_entity::customers;
use switchboard_entity::enums::CustomerStatus;
use uuid::Uuid;

use super::{name, read::customer, text};
use crate::actor::{Permission, Viewer};
use crate::app::App;
use crate::audit::{Entry, record};
use crate::error::{AppError, AppResult};
use crate::events::{CustomerEvent, Message};
use crate::identity::Client;

/// Changes to a customer: `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct CustomerChanges {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub notes: Option<String>,
    pub status: Option<CustomerStatus>,
    pub sales_rep_id: Option<Uuid>,
}

/// Applies `changes` (agents and above). A status the lifecycle does not
/// allow from the current one (a churned customer back as anything but
/// active) is CONFLICT; the change and who made it go to the audit log.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id, customer_id = %id))]
pub async fn update_customer(
    app: &App,
    viewer: Viewer,
    client: &Client,
    id: Uuid,
    changes: CustomerChanges,
) -> AppResult<customers::Model> {
    viewer.require(Permission::WriteLeadsAndCalls)?;
    let org = viewer.organization_id;
    let write = app.begin_write().await?;
    let current = customer(&*write, org, id).await?;
    let mut row: customers::ActiveModel = current.clone().into();
    if let Some(n) = &changes.name {
        row.name = Set(name("name", n)?);
    }
    if changes.email.is_some() {
        let email = text("email", changes.email, 254)?;
        if let Some(e) = &email {
            switchboard_domain::email::Email::parse(e)
                .map_err(|err| AppError::bad_input("email", err.to_string()))?;
        }
        row.email = Set(email);
    }
    if changes.phone.is_some() {
        row.phone = Set(text("phone", changes.phone, 40)?);
    }
    if changes.company.is_some() {
        row.company = Set(text("company", changes.company, 200)?);
    }
    if changes.notes.is_some() {
        row.notes = Set(text("notes", changes.notes, 5_000)?);
    }
    if let Some(status) = changes.status {
        if !status_change_allowed(current.status, status) {
            return Err(AppError::Conflict {
                field: Some("status".into()),
                message: format!(
                    "a {} customer cannot become {}",
                    current.status.as_str(),
                    status.as_str()
                ),
                existing_id: Some(current.id),
            });
        }
        row.status = Set(status);
    }
    if let Some(rep) = changes.sales_rep_id {
        crate::leads::lookups::require_member(&*write, org, "salesRepId", rep).await?;
        row.sales_rep_user_id = Set(Some(rep));
    }
    let now = Utc::now();
    row.updated_at = Set(now);
    let updated = row.update(&*write).await?;
    record(
        &*write,
        viewer,
        client,
        Entry {
            action: if updated.status != current.status {
                "customer.status_change"
            } else {
                "customer.update"
            },
            resource_type: "customer",
            resource_id: Some(id),
            target_user_id: None,
            details: json!({
                "before": { "status": current.status.as_str(), "salesRepId": current.sales_rep_user_id, "name": current.name },
                "after": { "status": updated.status.as_str(), "salesRepId": updated.sales_rep_user_id, "name": updated.name },
            }),
        },
        now,
    )
    .await?;
    write.announce(Message::Customer(CustomerEvent {
        organization_id: org,
        customer_id: id,
        created: false,
        occurred_at: now,
    }));
    write.commit().await?;
    Ok(updated)
}
