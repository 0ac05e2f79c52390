//! What clients read of leads: one lead, and lists of them filtered by a
//! [`LeadFilter`] and sorted by a [`LeadSort`], always within the reader's
//! organization (a lead of another organization reads as none).

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use switchboard_entity::leads;
use uuid::Uuid;

use crate::error::AppResult;
use crate::query::filter::{LeadFilter, lead_condition};
use crate::query::list::{Keyset, List};
use crate::query::page::{Cursor, Direction, SortKey};

/// A lead of the organization (deleted or not), if there is one.
pub async fn lead(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<Option<leads::Model>> {
    Ok(leads::Entity::find_by_id(id)
        .filter(leads::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?)
}

/// The organization's leads matching `filter` (live ones unless it says
/// otherwise); refused if the filter breaks a bound or names a segment the
/// organization does not have.
pub async fn leads(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    filter: &LeadFilter,
) -> AppResult<List<leads::Entity>> {
    let condition = lead_condition(db, organization_id, filter).await?;
    Ok(List::new(leads::Entity::find().filter(condition)))
}

/// What a list of leads is sorted by; the id breaks ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LeadSort {
    /// When the lead was created.
    #[default]
    CreatedAt,
    /// When the lead last changed.
    UpdatedAt,
    /// The lead score.
    LeadScore,
}

impl LeadSort {
    fn column(self) -> leads::Column {
        match self {
            Self::CreatedAt => leads::Column::CreatedAt,
            Self::UpdatedAt => leads::Column::UpdatedAt,
            Self::LeadScore => leads::Column::LeadScore,
        }
    }

    /// The order of a list of leads sorted by this, in `direction`.
    pub fn keyset(self, direction: Direction) -> Keyset<leads::Column> {
        Keyset {
            sort: self.column(),
            id: leads::Column::Id,
            direction,
            tie_break: true,
            nullable: false,
        }
    }

    /// Where `lead` stands in a list sorted by this.
    pub fn cursor(self, lead: &leads::Model) -> Cursor {
        let key = match self {
            Self::CreatedAt => SortKey::Time(lead.created_at),
            Self::UpdatedAt => SortKey::Time(lead.updated_at),
            Self::LeadScore => SortKey::Int(i64::from(lead.lead_score)),
        };
        Cursor { key, id: lead.id }
    }
}
