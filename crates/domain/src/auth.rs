//! Access tokens: HS256 JWTs naming a user and the organization they act in.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
}

/// Signs a token for `user` in `org`, valid from `now` for `ttl`.
pub fn mint(
    secret: &[u8],
    user: Uuid,
    org: Uuid,
    now: DateTime<Utc>,
    ttl: chrono::Duration,
) -> Result<String, TokenError> {
    let claims = Claims {
        sub: user,
        org,
        iat: now.timestamp(),
        exp: (now + ttl).timestamp(),
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(TokenError::Signing)
}

/// Verifies a token's signature and expiry and returns its claims.
pub fn verify(secret: &[u8], token: &str) -> Result<Claims, TokenError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "sub"]);
    jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(secret), &validation)
        .map(|data| data.claims)
        .map_err(|err| match err.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
            _ => TokenError::Invalid(err),
        })
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
}
