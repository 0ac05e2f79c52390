//! One password-reset request, with the hash of the token it issued.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `password_reset_attempts`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "password_reset_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub email: String,
    pub user_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub ip_address: Option<String>,
    #[sea_orm(column_type = "Text", unique)]
    pub token_hash: Option<String>,
    pub expires_at: Option<DateTimeUtc>,
    pub used_at: Option<DateTimeUtc>,
    pub attempted_at: DateTimeUtc,
    pub success: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    User,
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
