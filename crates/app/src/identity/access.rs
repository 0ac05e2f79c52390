//! Access: from a request's bearer token to the member acting, checked on
//! every request, and the checks that end long-lived connections.
//!
//! A token must verify (signature, expiry, lifetime), its user must be an
//! active member of its organization, and a token a login issued must
//! belong to a session that is still active, so logging out, a password
//! reset or a revoked session end its tokens at once. That is one
//! statement per request.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait,
};
use switchboard_domain::auth::{TokenError, verify};
use switchboard_entity::enums::{MemberRole, MembershipStatus};
use switchboard_entity::{organization_memberships, organizations, user_sessions, users};
use uuid::Uuid;

use crate::actor::{Auth, Viewer};
use crate::error::AppResult;

/// Who a request acts as, the login session its token belongs to (none for
/// a token the CLI minted) and when the token expires.
#[derive(Debug, Clone)]
pub struct Access {
    pub auth: Auth,
    pub session_id: Option<Uuid>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Access {
    fn refused(reason: &str) -> Self {
        Self {
            auth: Auth::Anonymous(reason.into()),
            session_id: None,
            expires_at: None,
        }
    }
}

/// Resolves a bearer token to an active member, or says why not. One
/// statement when a token is present and verifies, none otherwise.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    secret: &[u8],
    token: Option<&str>,
) -> AppResult<Access> {
    let Some(token) = token else {
        return Ok(Access::refused("a bearer token is required"));
    };
    let claims = match verify(secret, token) {
        Ok(claims) => claims,
        Err(TokenError::Expired) => return Ok(Access::refused("the token has expired")),
        Err(_) => return Ok(Access::refused("the token is invalid")),
    };
    let session_live = match claims.sid {
        Some(sid) => Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(user_sessions::Entity)
                .and_where(user_sessions::Column::Id.eq(sid))
                .and_where(user_sessions::Column::UserId.eq(claims.sub))
                .and_where(user_sessions::Column::IsActive.eq(true))
                .to_owned(),
        ),
        None => Expr::val(true),
    };
    // The membership, its user, the organization's zone and the session.
    let found: Option<(MemberRole, MembershipStatus, bool, String, bool)> =
        organization_memberships::Entity::find()
            .select_only()
            .column(organization_memberships::Column::Role)
            .column(organization_memberships::Column::Status)
            .column(users::Column::IsActive)
            .column(organizations::Column::Timezone)
            .expr_as(session_live, "session_live")
            .join(
                JoinType::InnerJoin,
                organization_memberships::Relation::User.def(),
            )
            .join(
                JoinType::InnerJoin,
                organization_memberships::Relation::Organization.def(),
            )
            .filter(organization_memberships::Column::OrganizationId.eq(claims.org))
            .filter(organization_memberships::Column::UserId.eq(claims.sub))
            .into_tuple()
            .one(db)
            .await?;
    let auth = match found {
        Some((_, _, _, _, false)) => Auth::Anonymous("the session has ended: log in again".into()),
        Some((role, MembershipStatus::Active, true, timezone, true)) => Auth::Member(Viewer {
            user_id: claims.sub,
            organization_id: claims.org,
            role,
            // An unknown zone name reads as UTC, as everywhere else.
            timezone: timezone.parse().unwrap_or(chrono_tz::Tz::UTC),
        }),
        _ => Auth::Anonymous("the token's user is not an active member of its organization".into()),
    };
    Ok(Access {
        auth,
        session_id: claims.sid,
        expires_at: DateTime::from_timestamp(claims.exp, 0),
    })
}

/// Resolves a user of an external identity provider, whose token the
/// transport has verified, to an active member: the user whose
/// `external_subject` is `subject` — or, the first time, the user with the
/// provider's verified `email` and no external subject yet, who is linked
/// to it — in organization `org`, else their first active membership.
pub async fn authenticate_external(
    db: &impl ConnectionTrait,
    subject: &str,
    verified_email: Option<&str>,
    org: Option<Uuid>,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<Access> {
    let refused = |reason: &str| Access {
        expires_at: None,
        ..Access::refused(reason)
    };
    let mut user = users::Entity::find()
        .filter(users::Column::ExternalSubject.eq(subject))
        .one(db)
        .await?;
    if user.is_none()
        && let Some(email) = verified_email
    {
        let unlinked = users::Entity::find()
            .filter(
                Expr::expr(Func::lower(Expr::col(users::Column::Email)))
                    .eq(Func::lower(Expr::val(email))),
            )
            .filter(users::Column::ExternalSubject.is_null())
            .one(db)
            .await?;
        if let Some(found) = unlinked {
            users::Entity::update_many()
                .col_expr(users::Column::ExternalSubject, Expr::value(subject))
                .col_expr(users::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(users::Column::Id.eq(found.id))
                .filter(users::Column::ExternalSubject.is_null())
                .exec(db)
                .await?;
            user = Some(found);
        }
    }
    let Some(user) = user.filter(|u| u.is_active) else {
        return Ok(refused("no active account is linked to this identity"));
    };
    let Some(membership) = super::active_membership(db, user.id, org).await? else {
        return Ok(refused(
            "the identity's user is not an active member of the organization",
        ));
    };
    let timezone: Option<String> = organizations::Entity::find_by_id(membership.organization_id)
        .select_only()
        .column(organizations::Column::Timezone)
        .into_tuple()
        .one(db)
        .await?;
    Ok(Access {
        auth: Auth::Member(Viewer {
            user_id: user.id,
            organization_id: membership.organization_id,
            role: membership.role,
            timezone: timezone
                .and_then(|z| z.parse().ok())
                .unwrap_or(chrono_tz::Tz::UTC),
        }),
        session_id: None,
        expires_at,
    })
}

/// The roles of the (organization, user) pairs that are still active
/// members of active users; pairs missing from the answer lost access.
pub async fn active_roles(
    db: &impl ConnectionTrait,
    pairs: &[(Uuid, Uuid)],
) -> AppResult<HashMap<(Uuid, Uuid), MemberRole>> {
    let organizations: HashSet<Uuid> = pairs.iter().map(|(o, _)| *o).collect();
    let users: HashSet<Uuid> = pairs.iter().map(|(_, u)| *u).collect();
    Ok(organization_memberships::Entity::find()
        .select_only()
        .column(organization_memberships::Column::OrganizationId)
        .column(organization_memberships::Column::UserId)
        .column(organization_memberships::Column::Role)
        .join(
            JoinType::InnerJoin,
            organization_memberships::Relation::User.def(),
        )
        .filter(organization_memberships::Column::Status.eq(MembershipStatus::Active))
        .filter(users::Column::IsActive.eq(true))
        .filter(organization_memberships::Column::OrganizationId.is_in(organizations))
        .filter(organization_memberships::Column::UserId.is_in(users))
        .into_tuple::<(Uuid, Uuid, MemberRole)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(organization_id, user_id, role)| ((organization_id, user_id), role))
        .collect())
}

/// Which of `sessions` are still active.
pub async fn live_sessions(
    db: &impl ConnectionTrait,
    sessions: &[Uuid],
) -> AppResult<HashSet<Uuid>> {
    Ok(user_sessions::Entity::find()
        .select_only()
        .column(user_sessions::Column::Id)
        .filter(user_sessions::Column::Id.is_in(sessions.iter().copied()))
        .filter(user_sessions::Column::IsActive.eq(true))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}
