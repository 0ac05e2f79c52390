//! The application layer's error: what went wrong in a use case, in terms a
//! transport can map to its own codes (the GraphQL layer to
//! `extensions.code`, the webhook handler to HTTP statuses), each with one
//! exhaustive `match`.

use sea_orm::DbErr;
use switchboard_domain::dial::DialBlock;
use switchboard_domain::field::FieldError;
use uuid::Uuid;

/// An error a caller can act on, or an internal one it cannot.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// No valid credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// Credentials, but not enough rights.
    #[error("{0}")]
    Forbidden(String),
    /// The thing does not exist in the actor's organization.
    #[error("{entity} `{id}` was not found")]
    NotFound { entity: &'static str, id: String },
    /// An input broke a rule; the error's key names the field (a path
    /// relative to the use case's input, such as `phoneNumber` or
    /// `[3].tags`), which the transport re-keys to its own path.
    #[error("{}", .0.message())]
    BadUserInput(FieldError),
    /// The write collides with existing data.
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        message: String,
        existing_id: Option<Uuid>,
    },
    /// A call may not be placed, for every reason listed.
    #[error("the call cannot be placed: {}", join(reasons))]
    DialBlocked { reasons: Vec<DialBlock> },
    /// A cursor into a history (a subscription's `after`) is too old or
    /// too far behind to resume from: start again without it.
    #[error("{message}")]
    CursorExpired { field: String, message: String },
    /// Too many attempts (logins, reset requests): wait and try again.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_seconds: i64,
    },
    /// A provider this server calls (a voice AI platform) could not be
    /// reached or asked to be tried later; nothing was done.
    #[error("{0}")]
    ProviderUnavailable(String),
    /// The database failed; the cause is logged, never shown to clients.
    #[error("internal error")]
    Internal(DbErr),
}

fn join(reasons: &[DialBlock]) -> String {
    reasons
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<FieldError> for AppError {
    fn from(err: FieldError) -> Self {
        Self::BadUserInput(err)
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        Self::Internal(err)
    }
}

/// What every use case returns.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput(FieldError::new(field, message))
    }

    /// An internal error that is not the database's.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal(DbErr::Custom(message.into()))
    }

    /// What a client is told.
    pub fn message(&self) -> String {
        self.to_string()
    }
}
