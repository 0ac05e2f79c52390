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
use sea_orm::sea_query::{Expr, Query};
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
