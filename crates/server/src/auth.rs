//! Who is calling: the bearer token, verified, and the membership behind it;
//! and, for connections that outlive a request (WebSocket, SSE), the
//! [`Sessions`] that end them when the token expires or the member loses
//! access (checked by [`crate::tasks`] through [`recheck`]).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use switchboard_app::identity::Client;
use switchboard_app::identity::access::{self, Access};
use switchboard_entity::enums::MemberRole;
use switchboard_graphql::{Caller, Viewer};

use crate::oidc::Oidc;
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

/// Resolves a token to an active member of an organization, or says why
/// not ([`switchboard_app::identity::access::authenticate`]): the member,
/// the login session the token belongs to, and when the token expires.
///
/// With an identity provider configured, a token signed with RS256 or ES256
/// is the provider's ([`crate::oidc`]); every other token is Switchboard's
/// own HS256.
pub async fn authenticate(
    db: &DatabaseConnection,
    secret: &[u8],
    oidc: Option<&Oidc>,
    token: Option<&str>,
) -> Result<Access, switchboard_app::AppError> {
    if let (Some(oidc), Some(token)) = (oidc, token) {
        let external = jsonwebtoken::decode_header(token).is_ok_and(|header| {
            matches!(
                header.alg,
                jsonwebtoken::Algorithm::RS256 | jsonwebtoken::Algorithm::ES256
            )
        });
        if external {
            return match oidc.verify(token).await {
                Ok(claims) => {
                    let email = claims
                        .email
                        .as_deref()
                        .filter(|_| claims.email_verified == Some(true));
                    let expires_at = DateTime::from_timestamp(claims.exp, 0);
                    access::authenticate_external(db, &claims.sub, email, claims.org, expires_at)
                        .await
                }
                Err(reason) => Ok(Access {
                    auth: switchboard_graphql::Auth::Anonymous(reason),
                    session_id: None,
                    expires_at: None,
                }),
            };
        }
    }
    access::authenticate(db, secret, token).await
}

/// The caller's address (the socket's peer: `X-Forwarded-For` is not
/// trusted, see [`crate::rate_limit`]) and user agent.
pub fn caller(headers: &HeaderMap, peer: Option<std::net::IpAddr>, access: &Access) -> Caller {
    let user_agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Caller {
        client: Client::new(peer.map(|ip| ip.to_string()), user_agent),
        session_id: access.session_id,
    }
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
    /// The login session of the connection's token, if a login issued it.
    login: Option<Uuid>,
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

    /// Registers a connection of `viewer` whose token (of the login session
    /// `login`, if any) expires at `expires_at`.
    pub fn open(
        &self,
        viewer: &Viewer,
        login: Option<Uuid>,
        expires_at: Option<DateTime<Utc>>,
    ) -> SessionGuard {
        let (revoked, receiver) = watch::channel(false);
        let mut open = self.open_sessions();
        open.next += 1;
        let id = open.next;
        open.sessions.insert(
            id,
            Session {
                organization_id: viewer.organization_id,
                user_id: viewer.user_id,
                login,
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

    /// The distinct login sessions with an open connection.
    fn logins(&self) -> Vec<Uuid> {
        let logins: HashSet<Uuid> = self
            .open_sessions()
            .sessions
            .values()
            .filter_map(|s| s.login)
            .collect();
        logins.into_iter().collect()
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
    /// Resolves when the connection must end, and why. The future owns what
    /// it waits on, so a connection's loop creates it once and polls the same
    /// one for every message (rather than registering a timer and a waiter
    /// anew each time).
    pub fn ended(&self) -> impl Future<Output = SessionEnd> + Send + 'static {
        let mut revoked = self.revoked.clone();
        let expires_at = self.expires_at;
        async move {
            let expiry = async {
                match expires_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = expiry => SessionEnd::Expired,
                _ = revoked.wait_for(|revoked| *revoked) => SessionEnd::Revoked,
            }
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

/// Revokes the open connections whose member is no longer active, whose
/// role is no longer the one they were opened with, or whose login session
/// has ended.
pub async fn recheck(
    db: &DatabaseConnection,
    sessions: &Sessions,
) -> Result<(), switchboard_app::AppError> {
    let members = sessions.members();
    for batch in members.chunks(RECHECK_BATCH) {
        let active = access::active_roles(db, batch).await?;
        let batch: HashSet<&(Uuid, Uuid)> = batch.iter().collect();
        sessions.revoke_where(|s| {
            let member = (s.organization_id, s.user_id);
            batch.contains(&member) && active.get(&member) != Some(&s.role)
        });
    }
    let logins = sessions.logins();
    for batch in logins.chunks(RECHECK_BATCH) {
        let live = access::live_sessions(db, batch).await?;
        let batch: HashSet<&Uuid> = batch.iter().collect();
        sessions.revoke_where(|s| {
            s.login
                .is_some_and(|login| batch.contains(&login) && !live.contains(&login))
        });
    }
    Ok(())
}
