//! Access tokens: HS256 JWTs naming a user and the organization they act in,
//! and, for tokens a login issued, the session they belong to (so that
//! ending the session ends its tokens at once).

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest a token may be valid: a leaked token is useless within a
/// week, and nothing needs longer (integrations mint a fresh one).
pub const MAX_TOKEN_LIFETIME: chrono::Duration = chrono::Duration::days(7);

/// How far ahead of this server's clock a token's `iat` may be (clock skew
/// between the machines that mint and verify).
const CLOCK_SKEW: i64 = 60;

/// The claims Switchboard signs and reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: Uuid,
    /// The organization the token acts in.
    pub org: Uuid,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// The login session that issued the token; none for a token minted
    /// by the CLI (`switchboard token`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is invalid")]
    Invalid(#[source] jsonwebtoken::errors::Error),
    #[error("the token could not be signed")]
    Signing(#[source] jsonwebtoken::errors::Error),
    /// Valid for longer than [`MAX_TOKEN_LIFETIME`], or issued in the future.
    #[error("the token is valid for longer than {} days", MAX_TOKEN_LIFETIME.num_days())]
    TooLong,
}

/// Signs a token for `user` in `org`, valid from `now` for `ttl` (at most
/// [`MAX_TOKEN_LIFETIME`]).
pub fn mint(
    secret: &[u8],
    user: Uuid,
    org: Uuid,
    now: DateTime<Utc>,
    ttl: chrono::Duration,
) -> Result<String, TokenError> {
    mint_claims(secret, user, org, None, now, ttl)
}

/// [`mint`], for a token of the login session `session`.
pub fn mint_for_session(
    secret: &[u8],
    user: Uuid,
    org: Uuid,
    session: Uuid,
    now: DateTime<Utc>,
    ttl: chrono::Duration,
) -> Result<String, TokenError> {
    mint_claims(secret, user, org, Some(session), now, ttl)
}

fn mint_claims(
    secret: &[u8],
    user: Uuid,
    org: Uuid,
    sid: Option<Uuid>,
    now: DateTime<Utc>,
    ttl: chrono::Duration,
) -> Result<String, TokenError> {
    if ttl > MAX_TOKEN_LIFETIME {
        return Err(TokenError::TooLong);
    }
    let claims = Claims {
        sub: user,
        org,
        iat: now.timestamp(),
        exp: (now + ttl).timestamp(),
        sid,
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(TokenError::Signing)
}

/// Verifies a token's signature, expiry and lifetime and returns its claims.
///
/// A token whose `exp - iat` exceeds [`MAX_TOKEN_LIFETIME`] is refused even
/// when correctly signed (one minted by an older version, or elsewhere with
/// the same secret), and so is one issued in the future, which would stretch
/// the lifetime past the maximum.
pub fn verify(secret: &[u8], token: &str) -> Result<Claims, TokenError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "sub"]);
    let data =
        jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(secret), &validation)
            .map_err(|err| match err.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid(err),
            })?;
    let claims = data.claims;
    let now = Utc::now().timestamp();
    if claims.exp.saturating_sub(claims.iat) > MAX_TOKEN_LIFETIME.num_seconds()
        || claims.iat > now.saturating_add(CLOCK_SKEW)
    {
        return Err(TokenError::TooLong);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_token_verifies_with_the_same_secret_only() {
        let (user, org) = (Uuid::now_v7(), Uuid::now_v7());
        let token =
            mint(b"secret", user, org, Utc::now(), chrono::Duration::hours(1)).expect("mints");
        let claims = verify(b"secret", &token).expect("verifies");
        assert_eq!((claims.sub, claims.org), (user, org));
        assert!(matches!(
            verify(b"other", &token),
            Err(TokenError::Invalid(_))
        ));
    }

    #[test]
    fn a_session_token_carries_its_session_and_a_cli_token_none() {
        let (user, org, session) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let hour = chrono::Duration::hours(1);
        let token = mint_for_session(b"s", user, org, session, Utc::now(), hour).expect("mints");
        assert_eq!(verify(b"s", &token).expect("verifies").sid, Some(session));
        let token = mint(b"s", user, org, Utc::now(), hour).expect("mints");
        assert_eq!(verify(b"s", &token).expect("verifies").sid, None);
    }

    #[test]
    fn an_expired_token_is_refused_as_expired() {
        let past = Utc::now() - chrono::Duration::hours(2);
        let token = mint(
            b"s",
            Uuid::now_v7(),
            Uuid::now_v7(),
            past,
            chrono::Duration::hours(1),
        )
        .expect("mints");
        assert!(matches!(verify(b"s", &token), Err(TokenError::Expired)));
    }

    #[test]
    fn minting_past_the_maximum_lifetime_is_refused() {
        let mint_for = |ttl| mint(b"s", Uuid::now_v7(), Uuid::now_v7(), Utc::now(), ttl);
        assert!(mint_for(MAX_TOKEN_LIFETIME).is_ok());
        assert!(matches!(
            mint_for(MAX_TOKEN_LIFETIME + chrono::Duration::seconds(1)),
            Err(TokenError::TooLong)
        ));
    }

    /// Signs claims directly, as another minter with the same secret could.
    fn sign(claims: &Claims) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(b"s"),
        )
        .unwrap()
    }

    #[test]
    fn a_signed_token_living_too_long_is_refused() {
        let now = Utc::now().timestamp();
        let (sub, org) = (Uuid::now_v7(), Uuid::now_v7());
        let ten_years = Claims {
            sub,
            org,
            iat: now,
            exp: now + 10 * 365 * 86_400,
            sid: None,
        };
        assert!(matches!(
            verify(b"s", &sign(&ten_years)),
            Err(TokenError::TooLong)
        ));
        let from_the_future = Claims {
            sub,
            org,
            iat: now + 365 * 86_400,
            exp: now + 365 * 86_400 + 3600,
            sid: None,
        };
        assert!(matches!(
            verify(b"s", &sign(&from_the_future)),
            Err(TokenError::TooLong)
        ));
        let a_week = Claims {
            sub,
            org,
            iat: now,
            exp: now + MAX_TOKEN_LIFETIME.num_seconds(),
            sid: None,
        };
        assert!(verify(b"s", &sign(&a_week)).is_ok());
    }
}
