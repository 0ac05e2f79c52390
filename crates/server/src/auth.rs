//! Who is calling: the bearer token, verified, and the membership behind it.

use axum::http::HeaderMap;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use switchboard_domain::auth::{TokenError, verify};
use switchboard_entity::enums::MembershipStatus;
use switchboard_entity::{organization_memberships, users};
use switchboard_graphql::{Auth, Viewer};

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
    let Some(token) = token else {
        return Ok(Auth::Anonymous("a bearer token is required".into()));
    };
    let claims = match verify(secret, token) {
        Ok(claims) => claims,
        Err(TokenError::Expired) => return Ok(Auth::Anonymous("the token has expired".into())),
        Err(_) => return Ok(Auth::Anonymous("the token is invalid".into())),
    };
    let found = organization_memberships::Entity::find()
        .filter(organization_memberships::Column::OrganizationId.eq(claims.org))
        .filter(organization_memberships::Column::UserId.eq(claims.sub))
        .find_also_related(users::Entity)
        .one(db)
        .await?;
    Ok(match found {
        Some((membership, Some(user)))
            if membership.status == MembershipStatus::Active && user.is_active =>
        {
            Auth::Member(Viewer {
                user_id: user.id,
                organization_id: membership.organization_id,
                role: membership.role,
            })
        }
        _ => Auth::Anonymous("the token's user is not an active member of its organization".into()),
    })
}
