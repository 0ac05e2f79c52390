//! The demo organization's own row and its system configuration, with the
//! platform-wide defaults when no seed has written them yet.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use switchboard_entity::*;
use uuid::Uuid;

use super::{DEMO_SLUG, Demo};
use crate::SeedError;
use crate::insert::insert_all;

impl Demo {
    /// The organization, holding `balance` credits, and its configuration.
    pub(super) async fn write_organization<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        balance: i64,
        created: DateTime<Utc>,
    ) -> Result<(), SeedError> {
        let now = self.now;
        let org = self.org;
        organizations::ActiveModel {
            id: Set(org),
            name: Set("Brightside Dental Group".into()),
            slug: Set(DEMO_SLUG.into()),
            timezone: Set("America/New_York".into()),
            default_region: Set("US".into()),
            credit_balance: Set(balance),
            created_at: Set(created),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        let existing_globals = system_config::Entity::find()
            .filter(system_config::Column::OrganizationId.is_null())
            .count(db)
            .await?;
        let mut config = vec![(
            Some(org),
            "calling_hours",
            "09:00-20:00",
            "The organization's own calling hours",
        )];
        if existing_globals == 0 {
            config.extend([
                (
                    None,
                    "credits_per_minute",
                    "1",
                    "Credits charged per billed call minute",
                ),
                (
                    None,
                    "calling_hours",
                    "08:00-21:00",
                    "Default calling hours at the called party's local time (TCPA)",
                ),
                (
                    None,
                    "max_login_attempts",
                    "5",
                    "Failed logins before a lockout",
                ),
                (
                    None,
                    "lockout_duration_minutes",
                    "15",
                    "Length of a lockout",
                ),
            ]);
        }
        insert_all(
            db,
            config
                .into_iter()
                .map(
                    |(organization_id, key, value, description)| system_config::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        organization_id: Set(organization_id),
                        key: Set(key.into()),
                        value: Set(value.into()),
                        is_encrypted: Set(false),
                        description: Set(Some(description.into())),
                        updated_by: Set(None),
                        created_at: Set(created),
                        updated_at: Set(created),
                    },
                )
                .collect(),
        )
        .await?;
        Ok(())
    }
}
