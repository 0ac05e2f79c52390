//! A refresh token a session has already used. Presenting it again means
//! it was copied: the session it belonged to is revoked.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `retired_refresh_tokens`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "retired_refresh_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// SHA-256 (hex) of the token.
    #[sea_orm(column_type = "Text", unique)]
    pub token_hash: String,
    pub session_id: Uuid,
    pub retired_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user_sessions::Entity",
        from = "Column::SessionId",
        to = "super::user_sessions::Column::Id",
        on_delete = "Cascade"
    )]
    Session,
}

impl Related<super::user_sessions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
