//! The demo's people: six users, one per member role (two agents), who all
//! log in with [`DEMO_PASSWORD`], with their memberships (the admin's from an
//! accepted invitation), a session (with a
//! refresh token it has already used), a failed and a good login, a
//! password reset, a verified email and the mail that verified it.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use switchboard_entity::enums::*;
use switchboard_entity::*;
use uuid::Uuid;

use super::Demo;
use crate::SeedError;
use crate::insert::insert_all;

/// The password of every demo user (printed by `serve --demo`).
pub const DEMO_PASSWORD: &str = "switchboard-demo";

/// The demo password's hash, computed once per process: argon2 is slow on
/// purpose, and every demo user shares it.
fn demo_password_hash() -> String {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        switchboard_domain::password::Password::parse(
            DEMO_PASSWORD,
            switchboard_domain::password::PasswordPolicy::default(),
        )
        .map(|p| p.hash())
        .unwrap_or_default()
    })
    .clone()
}

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
                    password_hash: Set(Some(demo_password_hash())),
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
        let memberships: Vec<Uuid> = PEOPLE.iter().map(|_| Uuid::now_v7()).collect();
        insert_all(
            db,
            PEOPLE
                .iter()
                .zip(user_ids)
                .zip(&memberships)
                .map(
                    |(((_, _, role), id), membership)| organization_memberships::ActiveModel {
                        id: Set(*membership),
                        organization_id: Set(org),
                        user_id: Set(*id),
                        role: Set(*role),
                        status: Set(MembershipStatus::Active),
                        invited_by: Set((*id != owner_id).then_some(owner_id)),
                        created_at: Set(created),
                        updated_at: Set(created),
                    },
                )
                .collect(),
        )
        .await?;
        // The admin joined through an invitation the owner sent.
        insert_all(
            db,
            vec![invitations::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(org),
                membership_id: Set(memberships[1]),
                email: Set(PEOPLE[1].0.into()),
                role: Set(PEOPLE[1].2),
                token_hash: Set(switchboard_domain::token::hash("demo-invitation")),
                invited_by: Set(Some(owner_id)),
                expires_at: Set(created + Duration::days(7)),
                accepted_at: Set(Some(created + Duration::hours(2))),
                created_at: Set(created),
            }],
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
        let session = Uuid::now_v7();
        insert_all(
            db,
            vec![user_sessions::ActiveModel {
                id: Set(session),
                user_id: Set(users[0]),
                organization_id: Set(Some(self.org)),
                token_hash: Set(format!("demo-session-{}", Uuid::now_v7().simple())),
                refresh_token_hash: Set(Some(switchboard_domain::token::hash(
                    "demo-refresh-token-current",
                ))),
                expires_at: Set(self.now + Duration::minutes(15)),
                refresh_expires_at: Set(Some(self.now + Duration::days(30))),
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
        insert_all(
            db,
            vec![retired_refresh_tokens::ActiveModel {
                id: Set(Uuid::now_v7()),
                token_hash: Set(switchboard_domain::token::hash("demo-refresh-token-used")),
                session_id: Set(session),
                retired_at: Set(self.ago(1) + Duration::minutes(15)),
            }],
        )
        .await?;
        let verified = self.ago(30);
        insert_all(
            db,
            vec![email_verifications::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(users[0]),
                email: Set(owner_email.into()),
                token_hash: Set(switchboard_domain::token::hash("demo-verification")),
                expires_at: Set(verified + Duration::days(2)),
                used_at: Set(Some(verified + Duration::minutes(3))),
                created_at: Set(verified),
            }],
        )
        .await?;
        insert_all(
            db,
            vec![mail_outbox::ActiveModel {
                id: Set(Uuid::now_v7()),
                recipient: Set(owner_email.into()),
                subject: Set("Confirm your email for Switchboard".into()),
                body: Set("Confirm your email with this token: demo-verification".into()),
                created_at: Set(verified),
            }],
        )
        .await?;
        Ok(())
    }
}
