//! The API's errors and their `extensions.code`, mapped in one place.
//!
//! Every resolver returns [`ApiError`]; [`From<ApiError> for
//! async_graphql::Error`] is the single exhaustive mapping to a code, so a new
//! variant forces a decision. Database errors never reach a client verbatim:
//! they are logged with their cause in the request span and answered as
//! `INTERNAL_SERVER_ERROR`.

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;
use switchboard_domain::dial::DialBlock;
use uuid::Uuid;

/// An error a client can act on, or an internal one it cannot.
///
/// Deliberately not `Display`: async-graphql converts any `Display` type into
/// an error without extensions, and a missing `extensions.code` must not
/// compile. [`ApiError::message`] is the text a client sees.
#[derive(Debug, Clone)]
pub enum ApiError {
    Unauthenticated(String),
    Forbidden(String),
    NotFound {
        entity: &'static str,
        id: String,
    },
    BadUserInput {
        field: String,
        message: String,
    },
    Conflict {
        field: Option<String>,
        message: String,
        existing_id: Option<Uuid>,
    },
    DialBlocked {
        reasons: Vec<DialBlock>,
    },
    Internal(DbErr),
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        Self::Internal(err)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// What a client is told.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated(message) | Self::Forbidden(message) => message.clone(),
            Self::NotFound { entity, id } => format!("{entity} `{id}` was not found"),
            Self::BadUserInput { message, .. } | Self::Conflict { message, .. } => message.clone(),
            Self::DialBlocked { reasons } => format!(
                "the call cannot be placed: {}",
                reasons
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            Self::Internal(_) => "internal error".to_owned(),
        }
    }

    /// The stable machine-readable code (Apollo's names where they exist).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound { .. } => "NOT_FOUND",
            Self::BadUserInput { .. } => "BAD_USER_INPUT",
            Self::Conflict { .. } => "CONFLICT",
            Self::DialBlocked { .. } => "DIAL_BLOCKED",
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        let code = err.code();
        if let ApiError::Internal(cause) = &err {
            tracing::error!(error = %cause, "database error");
        }
        let message = err.message();
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code);
            match &err {
                ApiError::BadUserInput { field, .. } => ext.set("field", field.as_str()),
                ApiError::Conflict {
                    field, existing_id, ..
                } => {
                    if let Some(field) = field {
                        ext.set("field", field.as_str());
                    }
                    if let Some(id) = existing_id {
                        ext.set("existingId", id.to_string());
                    }
                }
                ApiError::NotFound { entity, id } => {
                    ext.set("entity", *entity);
                    ext.set("id", id.as_str());
                }
                ApiError::DialBlocked { reasons } => {
                    let reasons: Vec<async_graphql::Value> = reasons
                        .iter()
                        .map(|r| {
                            let mut map = async_graphql::indexmap::IndexMap::new();
                            map.insert(
                                async_graphql::Name::new("code"),
                                async_graphql::Value::from(r.code()),
                            );
                            map.insert(
                                async_graphql::Name::new("message"),
                                async_graphql::Value::from(r.to_string()),
                            );
                            async_graphql::Value::Object(map)
                        })
                        .collect();
                    ext.set("reasons", reasons);
                }
                ApiError::Unauthenticated(_) | ApiError::Forbidden(_) | ApiError::Internal(_) => {}
            }
        })
    }
}

/// Reads an ID argument as a UUID, or says which argument is malformed.
pub fn parse_id(field: &str, id: &async_graphql::ID) -> ApiResult<Uuid> {
    Uuid::parse_str(id.as_str())
        .map_err(|_| ApiError::bad_input(field, format!("`{}` is not a valid id", id.as_str())))
}
