//! Who is calling: the bearer token, verified, and the membership behind it;
//! and, for connections that outlive a request (WebSocket, SSE), the
//! [`Sessions`] that end them when the token expires or the member loses
//! access (checked by [`crate::tasks`] through [`recheck`]).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait,
};
use switchboard_domain::auth::{TokenError, verify};
use switchboard_entity::enums::{MemberRole, MembershipStatus};
use switchboard_entity::{organization_memberships, organizations, users};
use switchboard_graphql::{Auth, Viewer};
use tokio::sync::watch;
use uuid::Uuid;

/// The bearer token of an `Authorization` header, if there is one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Resolves a token to an active member of an organization, or says why not.
/// Costs one statement when a token is present and valid, none otherwise.
pub async fn authenticate(
    db: &DatabaseConnection,
    secret: &[u8],
    token: Option<&str>,
) -> Result<Auth, sea_orm::DbErr> {
    Ok(authenticate_session(db, secret, token).await?.0)
}

/// [`authenticate`], also returning when the token expires (its `exp`), for
/// connections that must end then.
pub async fn authenticate_session(
    db: &DatabaseConnection,
    secret: &[u8],
    token: Option<&str>,
) -> Result<(Auth, Option<DateTime<Utc>>), sea_orm::DbErr> {
    let Some(token) = token else {
        return Ok((Auth::Anonymous("a bearer token is required".into()), None));
    };
    let claims = match verify(secret, token) {
        Ok(claims) => claims,
        Err(TokenError::Expired) => {
            return Ok((Auth::Anonymous("the token has expired".into()), None));
        }
        Err(_) => return Ok((Auth::Anonymous("the token is invalid".into()), None)),
    };
    let expires_at = DateTime::from_timestamp(claims.exp, 0);
    // One statement: the membership, its user and the organization's zone.
    let found: Option<(Uuid, MemberRole, MembershipStatus, bool, String)> =
        organization_memberships::Entity::find()
            .select_only()
            .column(organization_memberships::Column::OrganizationId)
            .column(organization_memberships::Column::Role)
            .column(organization_memberships::Column::Status)
            .column(users::Column::IsActive)
            .column(organizations::Column::Timezone)
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
        Some((organization_id, role, MembershipStatus::Active, true, timezone)) => {
            Auth::Member(Viewer {
                user_id: claims.sub,
                organization_id,
                role,
                // An unknown zone name reads as UTC, as everywhere else.
                timezone: timezone.parse().unwrap_or(chrono_tz::Tz::UTC),
            })
        }
        _ => Auth::Anonymous("the token's user is not an active member of its organization".into()),
    };
    Ok((auth, expires_at))
}

/// Why a long-lived connection must end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// The token's `exp` passed: the client should reconnect with a new one.
    Expired,
    /// The member was suspended or removed, the user deactivated, or the
    /// role the connection was opened with changed.
    Revoked,
}

impl SessionEnd {
    /// The WebSocket close code: 4401 Unauthorized (get a new token) or
    /// 4403 Forbidden (access is gone), as graphql-transport-ws uses them.
    pub fn close_code(self) -> u16 {
        match self {
            Self::Expired => 4401,
            Self::Revoked => 4403,
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            Self::Expired => "Unauthorized: the token has expired",
            Self::Revoked => "Forbidden: the member no longer has access to the organization",
        }
    }

    /// The GraphQL error code for streams that end with an error (SSE).
    pub fn code(self) -> &'static str {
        match self {
            Self::Expired => "UNAUTHENTICATED",
            Self::Revoked => "FORBIDDEN",
        }
    }
}

struct Session {
    organization_id: Uuid,
    user_id: Uuid,
    /// The role read at connection: what its operations are allowed.
    role: MemberRole,
    revoked: watch::Sender<bool>,
}

#[derive(Default)]
struct Open {
    next: u64,
    sessions: HashMap<u64, Session>,
}

/// This instance's open long-lived connections, by member.
#[derive(Clone, Default)]
pub struct Sessions(Arc<Mutex<Open>>);

impl Sessions {
    fn open_sessions(&self) -> std::sync::MutexGuard<'_, Open> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a connection of `viewer` whose token expires at `expires_at`.
    pub fn open(&self, viewer: &Viewer, expires_at: Option<DateTime<Utc>>) -> SessionGuard {
        let (revoked, receiver) = watch::channel(false);
        let mut open = self.open_sessions();
        open.next += 1;
        let id = open.next;
        open.sessions.insert(
            id,
            Session {
                organization_id: viewer.organization_id,
                user_id: viewer.user_id,
                role: viewer.role,
                revoked,
            },
        );
        let expires_in = expires_at
            .map(|at| (at - Utc::now()).to_std().unwrap_or(Duration::ZERO))
            .map(|left| tokio::time::Instant::now() + left);
        SessionGuard {
            id,
            sessions: self.clone(),
            revoked: receiver,
            expires_at: expires_in,
        }
    }

    /// How many connections are open.
    pub fn len(&self) -> usize {
        self.open_sessions().sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ends every connection of `user_id` in `organization_id`; how many.
    pub fn revoke(&self, organization_id: Uuid, user_id: Uuid) -> usize {
        self.revoke_where(|s| s.organization_id == organization_id && s.user_id == user_id)
    }

    /// Ends the connections `ended` picks; how many.
    fn revoke_where(&self, ended: impl Fn(&Session) -> bool) -> usize {
        let open = self.open_sessions();
        let mut count = 0;
        for session in open.sessions.values().filter(|s| ended(s)) {
            session.revoked.send_replace(true);
            count += 1;
        }
        count
    }

    /// The distinct (organization, user) pairs with an open connection.
    fn members(&self) -> Vec<(Uuid, Uuid)> {
        let members: HashSet<(Uuid, Uuid)> = self
            .open_sessions()
            .sessions
            .values()
            .map(|s| (s.organization_id, s.user_id))
            .collect();
        members.into_iter().collect()
    }
}

/// One open connection; dropping it unregisters it.
pub struct SessionGuard {
    id: u64,
    sessions: Sessions,
    revoked: watch::Receiver<bool>,
    expires_at: Option<tokio::time::Instant>,
}

impl SessionGuard {
    /// Resolves when the connection must end, and why.
    pub async fn ended(&mut self) -> SessionEnd {
        let expiry = async {
            match self.expires_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = expiry => SessionEnd::Expired,
            _ = self.revoked.wait_for(|revoked| *revoked) => SessionEnd::Revoked,
        }
    }
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.sessions.open_sessions().sessions.remove(&self.id);
    }
}

/// Pairs checked per statement: far below either backend's parameter limit.
const RECHECK_BATCH: usize = 5_000;

/// Revokes the open connections whose member is no longer active, or whose
/// role is no longer the one they were opened with.
pub async fn recheck(db: &DatabaseConnection, sessions: &Sessions) -> Result<(), sea_orm::DbErr> {
    let members = sessions.members();
    for batch in members.chunks(RECHECK_BATCH) {
        let organizations: HashSet<Uuid> = batch.iter().map(|(o, _)| *o).collect();
        let users: HashSet<Uuid> = batch.iter().map(|(_, u)| *u).collect();
        let active: HashMap<(Uuid, Uuid), MemberRole> = organization_memberships::Entity::find()
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
            .collect();
        let batch: HashSet<&(Uuid, Uuid)> = batch.iter().collect();
        sessions.revoke_where(|s| {
            let member = (s.organization_id, s.user_id);
            batch.contains(&member) && active.get(&member) != Some(&s.role)
        });
    }
    Ok(())
}
