//! The team: an organization's members, inviting people, and changing,
//! suspending and removing members.
//!
//! Admins and owners manage members (FORBIDDEN below admin), with two
//! rules on top: only an owner makes an owner or changes an owner, and the
//! organization always keeps an active owner (CONFLICT for the change that
//! would leave none). Membership changes lock the organization's row, so
//! two owners demoting each other at once cannot both succeed. A member's
//! access ends with the change: requests check the membership every time,
//! and a suspension, removal or role change announces `AccessRevoked`, which
//! closes the member's sockets on every instance. Every change is audited.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use serde_json::json;
use switchboard_domain::email::Email;
use switchboard_domain::password::Password;
use switchboard_domain::token;
use switchboard_entity::enums::{AuthProvider, MemberRole, MembershipStatus, PlatformRole};
use switchboard_entity::{invitations, organization_memberships, organizations, users};
use uuid::Uuid;

use super::mail::Mail;
use super::sessions::{self, Issued};
use super::{Client, Policy, hash_password, link, same_email, verify_password};
use crate::actor::{Permission, Viewer};
use crate::app::App;
use crate::audit::{self, Entry};
use crate::error::{AppError, AppResult};
use crate::events::Message;
use crate::query::list::{Keyset, List};
use crate::query::page::{Cursor, Direction, SortKey};

/// How long an invitation link lasts.
const INVITATION_LIFETIME: Duration = Duration::days(7);

/// The organization's memberships (every status), to page through in
/// [`member_keyset`] order.
pub fn members(organization_id: Uuid) -> List<organization_memberships::Entity> {
    List::new(
        organization_memberships::Entity::find()
            .filter(organization_memberships::Column::OrganizationId.eq(organization_id)),
    )
}

/// Members in the order they joined (or were invited).
pub fn member_keyset() -> Keyset<organization_memberships::Column> {
    Keyset {
        sort: organization_memberships::Column::CreatedAt,
        id: organization_memberships::Column::Id,
        direction: Direction::Asc,
        tie_break: true,
        nullable: false,
    }
}

/// Where `membership` stands among the members.
pub fn member_cursor(membership: &organization_memberships::Model) -> Cursor {
    Cursor {
        key: SortKey::Time(membership.created_at),
        id: membership.id,
    }
}

/// Checks that `viewer` may give or take `role` (only owners touch owners).
fn check_owner_rule(viewer: Viewer, roles: &[MemberRole]) -> AppResult<()> {
    viewer.require(Permission::Administer)?;
    if roles.contains(&MemberRole::Owner) && viewer.role != MemberRole::Owner {
        return Err(AppError::Forbidden(
            "only an owner may make an owner or change one".into(),
        ));
    }
    Ok(())
}

/// Locks the organization's row for a membership change.
async fn lock(db: &impl ConnectionTrait, organization_id: Uuid) -> AppResult<()> {
    organizations::Entity::find_by_id(organization_id)
        .select_only()
        .column(organizations::Column::Id)
        .lock_exclusive()
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    Ok(())
}

/// The membership of `user_id` in the viewer's organization, or NOT_FOUND.
async fn membership_of(
    db: &impl ConnectionTrait,
    viewer: Viewer,
    user_id: Uuid,
) -> AppResult<organization_memberships::Model> {
    organization_memberships::Entity::find()
        .filter(organization_memberships::Column::OrganizationId.eq(viewer.organization_id))
        .filter(organization_memberships::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("member", user_id))
}

/// Refuses a change that leaves the organization without an active owner.
async fn keep_an_owner(
    db: &impl ConnectionTrait,
    membership: &organization_memberships::Model,
) -> AppResult<()> {
    if membership.role != MemberRole::Owner || membership.status != MembershipStatus::Active {
        return Ok(());
    }
    let owners = organization_memberships::Entity::find()
        .filter(organization_memberships::Column::OrganizationId.eq(membership.organization_id))
        .filter(organization_memberships::Column::Role.eq(MemberRole::Owner))
        .filter(organization_memberships::Column::Status.eq(MembershipStatus::Active))
        .count(db)
        .await?;
    if owners <= 1 {
        return Err(AppError::Conflict {
            field: None,
            message: "this is the organization's last owner: make another member owner first"
                .into(),
            existing_id: None,
        });
    }
    Ok(())
}

/// Invites `email` as `role`: an `invited` membership (and a user without a
/// password, if nobody has the email) and a mailed single-use link.
/// Inviting someone invited again sends a new link (the older ones stop
/// working) and sets the new role; an active or suspended
/// member is CONFLICT on `email`.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn invite_member(
    app: &App,
    viewer: Viewer,
    client: &Client,
    email: &str,
    role: MemberRole,
) -> AppResult<organization_memberships::Model> {
    check_owner_rule(viewer, &[role])?;
    let email = Email::parse(email)?;
    if email.as_str().chars().count() > 320 {
        return Err(AppError::bad_input(
            "email",
            "an email has at most 320 characters",
        ));
    }
    let now = Utc::now();
    let write = app.begin_privileged_write().await?;
    lock(&*write, viewer.organization_id).await?;
    let user = match users::Entity::find()
        .filter(same_email(users::Column::Email, email.as_str()))
        .one(&*write)
        .await?
    {
        Some(user) => user,
        None => {
            users::ActiveModel {
                id: Set(Uuid::now_v7()),
                email: Set(email.as_str().to_owned()),
                name: Set(String::new()),
                role: Set(PlatformRole::User),
                password_hash: Set(None),
                email_verified: Set(false),
                is_active: Set(true),
                auth_provider: Set(AuthProvider::Email),
                external_subject: Set(None),
                last_login_at: Set(None),
                locked_until: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&*write)
            .await?
        }
    };
    let existing = organization_memberships::Entity::find()
        .filter(organization_memberships::Column::OrganizationId.eq(viewer.organization_id))
        .filter(organization_memberships::Column::UserId.eq(user.id))
        .one(&*write)
        .await?;
    let membership = match existing {
        Some(m) if m.status != MembershipStatus::Invited => {
            return Err(AppError::Conflict {
                field: Some("email".into()),
                message: format!(
                    "`{}` is already a member ({})",
                    user.email,
                    m.status.as_str()
                ),
                existing_id: Some(user.id),
            });
        }
        Some(m) => {
            // A new link replaces the ones sent before: they stop working.
            invitations::Entity::update_many()
                .col_expr(invitations::Column::ExpiresAt, Expr::value(now))
                .filter(invitations::Column::MembershipId.eq(m.id))
                .filter(invitations::Column::AcceptedAt.is_null())
                .filter(invitations::Column::ExpiresAt.gt(now))
                .exec(&*write)
                .await?;
            organization_memberships::ActiveModel {
                id: Set(m.id),
                role: Set(role),
                invited_by: Set(Some(viewer.user_id)),
                updated_at: Set(now),
                ..Default::default()
            }
            .update(&*write)
            .await?
        }
        None => {
            organization_memberships::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(viewer.organization_id),
                user_id: Set(user.id),
                role: Set(role),
                status: Set(MembershipStatus::Invited),
                invited_by: Set(Some(viewer.user_id)),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&*write)
            .await?
        }
    };
    let token = token::generate();
    invitations::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(viewer.organization_id),
        membership_id: Set(membership.id),
        email: Set(user.email.clone()),
        role: Set(role),
        token_hash: Set(token::hash(&token)),
        invited_by: Set(Some(viewer.user_id)),
        expires_at: Set(now + INVITATION_LIFETIME),
        accepted_at: Set(None),
        created_at: Set(now),
    }
    .insert(&*write)
    .await?;
    audit::record(
        &*write,
        viewer,
        client,
        Entry {
            action: "member.invite",
            resource_type: "membership",
            resource_id: Some(membership.id),
            target_user_id: Some(user.id),
            details: json!({ "email": user.email, "role": role.as_str() }),
        },
        now,
    )
    .await?;
    let organization = organizations::Entity::find_by_id(viewer.organization_id)
        .one(&*write)
        .await?
        .ok_or_else(|| AppError::not_found("organization", viewer.organization_id))?;
    write.commit().await?;
    let link = link(&app.identity, "accept-invitation", &token);
    app.mailer
        .send(Mail {
            to: user.email.clone(),
            subject: format!("You are invited to {} on Switchboard", organization.name),
            body: format!(
                "You are invited to join {} on Switchboard as {}.\n\n\
                 Accept within 7 days: {link}",
                organization.name,
                role.as_str()
            ),
        })
        .await?;
    Ok(membership)
}

/// Accepts an invitation with its link's token and logs in to the
/// organization. A new user sets their password (and name) here; a user who
/// has one proves it. BAD_USER_INPUT on `token` for a used, expired or
/// unknown link; on `password` for a missing or refused one.
#[tracing::instrument(skip_all)]
pub async fn accept_invitation(
    app: &App,
    client: &Client,
    invitation_token: &str,
    password: Option<String>,
    name: Option<String>,
) -> AppResult<Issued> {
    let now = Utc::now();
    let policy = Policy::load(app.privileged()).await?;
    let bad_token = || {
        AppError::bad_input(
            "token",
            "this invitation is not valid: it was used, it expired, it was withdrawn, or it never existed",
        )
    };
    let invitation = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(token::hash(invitation_token)))
        .one(app.privileged())
        .await?
        .filter(|i| i.accepted_at.is_none() && i.expires_at > now)
        .ok_or_else(bad_token)?;
    let membership = organization_memberships::Entity::find_by_id(invitation.membership_id)
        .one(app.privileged())
        .await?
        .filter(|m| m.status == MembershipStatus::Invited)
        .ok_or_else(bad_token)?;
    let user = users::Entity::find_by_id(membership.user_id)
        .one(app.privileged())
        .await?
        .filter(|u| u.is_active)
        .ok_or_else(bad_token)?;
    // A password to set (a new user) or to prove (one who has an account).
    let new_hash = match (&user.password_hash, password) {
        (None, Some(text)) => {
            let password = Password::parse(&text, policy.password)?;
            Some(hash_password(password).await?)
        }
        (None, None) => {
            return Err(AppError::bad_input(
                "password",
                "choose a password for your new account",
            ));
        }
        (Some(hash), given) => {
            let matches = verify_password(Some(hash.clone()), given.unwrap_or_default()).await?;
            if !matches {
                return Err(AppError::bad_input(
                    "password",
                    "you have an account: give its password to accept",
                ));
            }
            None
        }
    };
    let name = name
        .map(|n| switchboard_domain::text::Name::parse(&n))
        .transpose()?;
    let write = app.begin_privileged_write().await?;
    lock(&*write, membership.organization_id).await?;
    let claimed = invitations::Entity::update_many()
        .col_expr(invitations::Column::AcceptedAt, Expr::value(now))
        .filter(invitations::Column::Id.eq(invitation.id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .exec(&*write)
        .await?;
    let activated = organization_memberships::Entity::update_many()
        .col_expr(
            organization_memberships::Column::Status,
            Expr::value(MembershipStatus::Active.as_str()),
        )
        .col_expr(
            organization_memberships::Column::UpdatedAt,
            Expr::value(now),
        )
        .filter(organization_memberships::Column::Id.eq(membership.id))
        .filter(organization_memberships::Column::Status.eq(MembershipStatus::Invited))
        .exec(&*write)
        .await?;
    if claimed.rows_affected != 1 || activated.rows_affected != 1 {
        return Err(bad_token());
    }
    let mut changes = users::ActiveModel {
        id: Set(user.id),
        // The invitation reached this address: it is read.
        email_verified: Set(true),
        last_login_at: Set(Some(now)),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(hash) = new_hash {
        changes.password_hash = Set(Some(hash));
    }
    if let Some(name) = name {
        changes.name = Set(name.into_string());
    }
    let user = changes.update(&*write).await?;
    let organization = organizations::Entity::find_by_id(membership.organization_id)
        .one(&*write)
        .await?
        .ok_or_else(bad_token)?;
    let issued = sessions::open(
        &*write,
        &app.identity,
        &policy,
        client,
        user,
        organization,
        now,
    )
    .await?;
    write.commit().await?;
    Ok(issued)
}

/// Gives a member another role.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn change_member_role(
    app: &App,
    viewer: Viewer,
    client: &Client,
    user_id: Uuid,
    role: MemberRole,
) -> AppResult<organization_memberships::Model> {
    viewer.require(Permission::Administer)?;
    let now = Utc::now();
    let write = app.begin_privileged_write().await?;
    lock(&*write, viewer.organization_id).await?;
    let membership = membership_of(&*write, viewer, user_id).await?;
    check_owner_rule(viewer, &[membership.role, role])?;
    if role != MemberRole::Owner {
        keep_an_owner(&*write, &membership).await?;
    }
    let updated = organization_memberships::ActiveModel {
        id: Set(membership.id),
        role: Set(role),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&*write)
    .await?;
    audit::record(
        &*write,
        viewer,
        client,
        Entry {
            action: "member.role_change",
            resource_type: "membership",
            resource_id: Some(membership.id),
            target_user_id: Some(user_id),
            details: json!({ "from": membership.role.as_str(), "to": role.as_str() }),
        },
        now,
    )
    .await?;
    // Sockets opened with the old role close; the member reconnects with the new one.
    write.announce(Message::AccessRevoked {
        organization_id: viewer.organization_id,
        user_id,
    });
    write.commit().await?;
    Ok(updated)
}

/// Suspends a member (`suspend`) or reactivates a suspended one.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn set_member_suspended(
    app: &App,
    viewer: Viewer,
    client: &Client,
    user_id: Uuid,
    suspend: bool,
) -> AppResult<organization_memberships::Model> {
    viewer.require(Permission::Administer)?;
    let now = Utc::now();
    let write = app.begin_privileged_write().await?;
    lock(&*write, viewer.organization_id).await?;
    let membership = membership_of(&*write, viewer, user_id).await?;
    check_owner_rule(viewer, &[membership.role])?;
    let (from, to) = if suspend {
        (MembershipStatus::Active, MembershipStatus::Suspended)
    } else {
        (MembershipStatus::Suspended, MembershipStatus::Active)
    };
    if membership.status != from {
        return Err(AppError::Conflict {
            field: None,
            message: format!(
                "the member is {}, not {}",
                membership.status.as_str(),
                from.as_str()
            ),
            existing_id: None,
        });
    }
    if suspend {
        keep_an_owner(&*write, &membership).await?;
    }
    let updated = organization_memberships::ActiveModel {
        id: Set(membership.id),
        status: Set(to),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&*write)
    .await?;
    audit::record(
        &*write,
        viewer,
        client,
        Entry {
            action: if suspend {
                "member.suspend"
            } else {
                "member.reactivate"
            },
            resource_type: "membership",
            resource_id: Some(membership.id),
            target_user_id: Some(user_id),
            details: json!({ "role": membership.role.as_str() }),
        },
        now,
    )
    .await?;
    write.commit().await?;
    Ok(updated)
}

/// Removes a member (or withdraws an invitation) from the organization;
/// the user keeps their account and other organizations.
#[tracing::instrument(skip_all, fields(organization_id = %viewer.organization_id, user_id = %viewer.user_id))]
pub async fn remove_member(
    app: &App,
    viewer: Viewer,
    client: &Client,
    user_id: Uuid,
) -> AppResult<()> {
    viewer.require(Permission::Administer)?;
    let now = Utc::now();
    let write = app.begin_privileged_write().await?;
    lock(&*write, viewer.organization_id).await?;
    let membership = membership_of(&*write, viewer, user_id).await?;
    check_owner_rule(viewer, &[membership.role])?;
    keep_an_owner(&*write, &membership).await?;
    organization_memberships::Entity::delete_by_id(membership.id)
        .exec(&*write)
        .await?;
    audit::record(
        &*write,
        viewer,
        client,
        Entry {
            action: "member.remove",
            resource_type: "membership",
            resource_id: Some(membership.id),
            target_user_id: Some(user_id),
            details: json!({ "role": membership.role.as_str(), "status": membership.status.as_str() }),
        },
        now,
    )
    .await?;
    write.announce(Message::AccessRevoked {
        organization_id: viewer.organization_id,
        user_id,
    });
    write.commit().await?;
    Ok(())
}

/// The organizations `user_id` is an active member of, with their role,
/// oldest membership first.
pub async fn organizations_of(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> AppResult<Vec<(organizations::Model, MemberRole)>> {
    let memberships = organization_memberships::Entity::find()
        .filter(organization_memberships::Column::UserId.eq(user_id))
        .filter(organization_memberships::Column::Status.eq(MembershipStatus::Active))
        .find_also_related(organizations::Entity)
        .all(db)
        .await?;
    let mut found: Vec<(DateTime<Utc>, organizations::Model, MemberRole)> = memberships
        .into_iter()
        .filter_map(|(m, o)| o.map(|o| (m.created_at, o, m.role)))
        .collect();
    found.sort_by_key(|(at, o, _)| (*at, o.id));
    Ok(found.into_iter().map(|(_, o, role)| (o, role)).collect())
}
