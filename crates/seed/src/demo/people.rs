//! The demo's people: six users, one per member role (two agents), with
//! their memberships, a session, a failed and a good login and a password
//! reset.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use switchboard_entity::enums::*;
use switchboard_entity::*;
use uuid::Uuid;

use super::Demo;
use crate::SeedError;
use crate::insert::insert_all;

/// Each member's email, name and role, the owner first.
pub(super) const PEOPLE: [(&str, &str, MemberRole); 6] = [
    (
        "owner@demo.switchboard.dev",
        "Olivia Owens",
        MemberRole::Owner,
    ),
    (
        "admin@demo.switchboard.dev",
        "Aaron Adams",
        MemberRole::Admin,
    ),
    (
        "manager@demo.switchboard.dev",
        "Maya Morales",
        MemberRole::Manager,
    ),
    (
        "agent@demo.switchboard.dev",
        "Alex Agnew",
        MemberRole::Agent,
    ),
    ("agent2@demo.switchboard.dev", "Sam Sato", MemberRole::Agent),
    (
        "viewer@demo.switchboard.dev",
        "Vera Vance",
        MemberRole::Viewer,
    ),
];

impl Demo {
    /// The users and their memberships; `user_ids` runs parallel to [`PEOPLE`].
    pub(super) async fn write_people<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        user_ids: &[Uuid],
        created: DateTime<Utc>,
    ) -> Result<(), SeedError> {
        let org = self.org;
        let owner_id = user_ids[0];
        insert_all(
            db,
            PEOPLE
                .iter()
                .zip(user_ids)
                .map(|((email, name, role), id)| users::ActiveModel {
                    id: Set(*id),
                    email: Set((*email).into()),
                    name: Set((*name).into()),
                    role: Set(if *role == MemberRole::Owner {
                        PlatformRole::Admin
                    } else {
                        PlatformRole::User
                    }),
                    password_hash: Set(None),
                    email_verified: Set(true),
                    is_active: Set(true),
                    auth_provider: Set(AuthProvider::Email),
                    external_subject: Set(None),
                    last_login_at: Set(Some(self.ago(1))),
                    locked_until: Set(None),
                    created_at: Set(created),
                    updated_at: Set(created),
                })
                .collect(),
        )
        .await?;
        insert_all(
            db,
            PEOPLE
                .iter()
                .zip(user_ids)
                .map(|((_, _, role), id)| organization_memberships::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    organization_id: Set(org),
                    user_id: Set(*id),
                    role: Set(*role),
                    status: Set(MembershipStatus::Active),
                    invited_by: Set((*id != owner_id).then_some(owner_id)),
                    created_at: Set(created),
                    updated_at: Set(created),
                })
                .collect(),
        )
        .await?;
        Ok(())
    }

    pub(super) async fn write_security<C: sea_orm::ConnectionTrait>(
        &mut self,
        db: &C,
        users: &[Uuid],
        owner_email: &str,
    ) -> Result<(), SeedError> {
        insert_all(
            db,
            vec![user_sessions::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(users[0]),
                organization_id: Set(Some(self.org)),
                token_hash: Set(format!("demo-session-{}", Uuid::now_v7().simple())),
                refresh_token_hash: Set(None),
                expires_at: Set(self.now + Duration::hours(12)),
                refresh_expires_at: Set(None),
                ip_address: Set(Some("203.0.113.7".into())),
                user_agent: Set(Some("Mozilla/5.0".into())),
                is_active: Set(true),
                last_used_at: Set(Some(self.now)),
                revoked_at: Set(None),
                created_at: Set(self.ago(1)),
                updated_at: Set(self.now),
            }],
        )
        .await?;
        insert_all(
            db,
            vec![
                login_attempts::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    email: Set(owner_email.into()),
                    user_id: Set(Some(users[0])),
                    ip_address: Set(Some("203.0.113.7".into())),
                    user_agent: Set(Some("Mozilla/5.0".into())),
                    attempted_at: Set(self.ago(1) - Duration::minutes(2)),
                    success: Set(false),
                    failure_reason: Set(Some(LoginFailureReason::BadPassword)),
                },
                login_attempts::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    email: Set(owner_email.into()),
                    user_id: Set(Some(users[0])),
                    ip_address: Set(Some("203.0.113.7".into())),
                    user_agent: Set(Some("Mozilla/5.0".into())),
                    attempted_at: Set(self.ago(1)),
                    success: Set(true),
                    failure_reason: Set(None),
                },
            ],
        )
        .await?;
        insert_all(
            db,
            vec![password_reset_attempts::ActiveModel {
                id: Set(Uuid::now_v7()),
                email: Set("viewer@demo.switchboard.dev".into()),
                user_id: Set(Some(users[5])),
                ip_address: Set(Some("192.0.2.10".into())),
                token_hash: Set(None),
                expires_at: Set(None),
                used_at: Set(Some(self.ago(20))),
                attempted_at: Set(self.ago(20)),
                success: Set(true),
            }],
        )
        .await?;
        Ok(())
    }
}
