//! One login attempt, successful or not, kept for lockout and rate limiting.

use crate::enums::LoginFailureReason;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `login_attempts`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "login_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub email: String,
    pub user_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub ip_address: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub user_agent: Option<String>,
    pub attempted_at: DateTimeUtc,
    pub success: bool,
    /// `None` exactly when `success` is true.
    pub failure_reason: Option<LoginFailureReason>,
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
