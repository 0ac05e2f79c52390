//! Who is calling: the bearer token, verified, and the membership behind it.

use axum::http::HeaderMap;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait,
};
use switchboard_domain::auth::{TokenError, verify};
use switchboard_entity::enums::{MemberRole, MembershipStatus};
use switchboard_entity::{organization_memberships, organizations, users};
use switchboard_graphql::{Auth, Viewer};
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
    let Some(token) = token else {
        return Ok(Auth::Anonymous("a bearer token is required".into()));
    };
    let claims = match verify(secret, token) {
        Ok(claims) => claims,
        Err(TokenError::Expired) => return Ok(Auth::Anonymous("the token has expired".into())),
        Err(_) => return Ok(Auth::Anonymous("the token is invalid".into())),
    };
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
    Ok(match found {
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
    })
}
