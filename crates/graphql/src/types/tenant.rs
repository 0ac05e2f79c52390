//! The tenant and its people: organizations, users and the viewer.

use super::*;
#[allow(unused_imports)]
use std::sync::Arc;

/// An organization: the tenant everything belongs to.
pub struct Organization(pub organizations::Model);

/// An organization: the tenant everything belongs to. Every query reads
/// the viewer's organization only.
#[Object]
impl Organization {
    /// The organization's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Unique short name, for URLs.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// IANA time zone: day boundaries for analytics and the default for calling hours.
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }
    /// Region for phone numbers written without a country code (ISO 3166).
    async fn default_region(&self) -> &str {
        &self.0.default_region
    }
    /// Credits left; only usage can take it below zero.
    async fn credit_balance(&self) -> i64 {
        self.0.credit_balance
    }
    /// When the organization was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A person with an account.
pub struct User(pub Arc<users::Model>);

impl User {
    /// Wraps a row, owned or shared.
    pub fn new(row: impl Into<Arc<users::Model>>) -> Self {
        Self(row.into())
    }
}

/// A person with an account; the same user may belong to several organizations.
#[Object]
impl User {
    /// The user's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Sign-in email address, unique (case-insensitively).
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Whether the user confirmed their email (through its link, or a password reset).
    async fn email_verified(&self) -> bool {
        self.0.email_verified
    }
    /// When the user last logged in.
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_login_at
    }
}

/// The member making the request.
pub struct ViewerInfo {
    pub user: users::Model,
    pub organization: organizations::Model,
    pub role: switchboard_entity::enums::MemberRole,
}

/// The member making the request: who they are, in which organization, with which role.
#[Object(name = "Viewer")]
impl ViewerInfo {
    /// The signed-in user.
    async fn user(&self) -> User {
        User::new(self.user.clone())
    }
    /// The organization the token acts in.
    async fn organization(&self) -> Organization {
        Organization(self.organization.clone())
    }
    /// The user's role there, which decides what they may do.
    async fn role(&self) -> MemberRole {
        self.role.into()
    }
}
