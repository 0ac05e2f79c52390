//! A do-not-call entry: a phone number the organization must not call (one
//! entry per number per organization).

use crate::enums::DncSource;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `dnc_list`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "dnc_list")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub phone_number: String,
    #[sea_orm(column_type = "Text")]
    pub reason: Option<String>,
    pub source: DncSource,
    #[sea_orm(column_type = "Text")]
    pub detected_phrase: Option<String>,
    pub call_id: Option<Uuid>,
    pub added_by: Option<Uuid>,
    pub expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id",
        on_delete = "Cascade"
    )]
    Organization,
    #[sea_orm(
        belongs_to = "super::calls::Entity",
        from = "Column::CallId",
        to = "super::calls::Column::Id",
        on_delete = "SetNull"
    )]
    Call,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::AddedBy",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    AddedBy,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::calls::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Call.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AddedBy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
