//! The API's errors and their `extensions.code`, mapped in one place.
//!
//! Every resolver returns [`ApiError`], the GraphQL face of the application
//! layer's [`AppError`]; [`From<ApiError> for async_graphql::Error`] is the
//! single exhaustive mapping to a code, so a new
//! variant forces a decision. Database errors never reach a client verbatim:
//! they are logged with their cause in the request span and answered as
//! `INTERNAL_SERVER_ERROR`.

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;
pub use switchboard_app::error::{AppError, AppResult};
use switchboard_domain::field::FieldError;
use uuid::Uuid;

/// The GraphQL face of an [`AppError`].
///
/// Deliberately not `Display`: async-graphql converts any `Display` type into
/// an error without extensions, and a missing `extensions.code` must not
/// compile. Resolvers return [`ApiResult`], and `?` lifts an [`AppError`].
#[derive(Debug, Clone)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        Self(err)
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        Self(AppError::Internal(err))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Self(AppError::not_found(entity, id))
    }

    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(AppError::bad_input(field, message))
    }

    /// The stable machine-readable code (Apollo's names where they exist).
    pub fn code(&self) -> &'static str {
        match &self.0 {
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::NotFound { .. } => "NOT_FOUND",
            AppError::BadUserInput(_) => "BAD_USER_INPUT",
            AppError::Conflict { .. } => "CONFLICT",
            AppError::DialBlocked { .. } => "DIAL_BLOCKED",
            AppError::CursorExpired { .. } => "CURSOR_EXPIRED",
            AppError::RateLimited { .. } => "RATE_LIMITED",
            AppError::ProviderUnavailable(_) => "PROVIDER_UNAVAILABLE",
            AppError::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// What a client is told.
    pub fn message(&self) -> String {
        self.0.message()
    }

    /// Places the application's field key under the GraphQL argument it came
    /// from: `phoneNumber` of argument `input` becomes `input.phoneNumber`,
    /// and `[3].tags` becomes `input[3].tags`. An empty key names the
    /// argument itself.
    pub fn under(mut self, argument: &str) -> Self {
        match &mut self.0 {
            AppError::BadUserInput(error) => *error = error.clone().under(argument),
            AppError::Conflict {
                field: Some(field), ..
            } => {
                // The same placing rule as a refused field's.
                *field = FieldError::new(field.as_str(), "")
                    .under(argument)
                    .field()
                    .to_owned();
            }
            _ => {}
        }
        self
    }
}

/// Puts an application result's field keys under a GraphQL argument.
pub trait UnderArgument<T> {
    /// See [`ApiError::under`].
    fn under(self, argument: &str) -> ApiResult<T>;
}

impl<T, E: Into<ApiError>> UnderArgument<T> for Result<T, E> {
    fn under(self, argument: &str) -> ApiResult<T> {
        self.map_err(|e| e.into().under(argument))
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        let code = err.code();
        if let AppError::Internal(cause) = &err.0 {
            tracing::error!(error = %cause, "database error");
        }
        let message = err.message();
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code);
            match &err.0 {
                AppError::BadUserInput(error) => ext.set("field", error.field()),
                AppError::Conflict {
                    field, existing_id, ..
                } => {
                    if let Some(field) = field {
                        ext.set("field", field.as_str());
                    }
                    if let Some(id) = existing_id {
                        ext.set("existingId", id.to_string());
                    }
                }
                AppError::CursorExpired { field, .. } => ext.set("field", field.as_str()),
                AppError::RateLimited {
                    retry_after_seconds,
                    ..
                } => ext.set("retryAfterSeconds", *retry_after_seconds),
                AppError::NotFound { entity, id } => {
                    ext.set("entity", *entity);
                    ext.set("id", id.as_str());
                }
                AppError::DialBlocked { reasons } => {
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
                AppError::Unauthenticated(_)
                | AppError::Forbidden(_)
                | AppError::ProviderUnavailable(_)
                | AppError::Internal(_) => {}
            }
        })
    }
}

/// Reads an ID argument as a UUID, or says which argument is malformed.
pub fn parse_id(field: &str, id: &async_graphql::ID) -> ApiResult<Uuid> {
    Uuid::parse_str(id.as_str())
        .map_err(|_| ApiError::bad_input(field, format!("`{}` is not a valid id", id.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_keys_are_placed_under_their_argument() {
        let placed = |key: &str| match ApiError::bad_input(key, "no").under("input").0 {
            AppError::BadUserInput(error) => error.field().to_owned(),
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(placed("phoneNumber"), "input.phoneNumber");
        assert_eq!(placed("[3].tags"), "input[3].tags");
        assert_eq!(placed(""), "input");
    }
}
