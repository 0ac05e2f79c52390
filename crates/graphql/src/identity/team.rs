//! The team in GraphQL: members, invitations, the viewer's organizations,
//! and the admin audit log.

use async_graphql::{Context, ID, InputObject, Json, Object};
use chrono::{DateTime, Utc};
use switchboard_app::audit;
use switchboard_app::identity::members;
use switchboard_app::tenant::{self, NewOrganization, OrganizationChanges};
use switchboard_entity::{admin_audit_log, organization_memberships};

use super::{AuthPayload, client};
use crate::shared::context::{self, Permission, require};
use crate::shared::enums::{MemberRole, MembershipStatus};
use crate::shared::error::{ApiError, ApiResult, UnderArgument, parse_id};
use crate::shared::pagination::Page;
use crate::types::{Organization, User, loaders};

/// A membership: a person in the organization, with their role and status.
pub struct Member(pub organization_memberships::Model);

/// A person in the organization: their role and whether they have access.
#[Object]
impl Member {
    /// The membership's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The user (their id is what the member mutations take).
    async fn user(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let found = loaders(ctx)?
            .users
            .load_one(self.0.user_id)
            .await
            .map_err(ApiError::from)?;
        Ok(found.flatten().map(User::new))
    }
    /// What the member may do.
    async fn role(&self) -> MemberRole {
        self.0.role.into()
    }
    /// Whether they have access now.
    async fn status(&self) -> MembershipStatus {
        self.0.status.into()
    }
    /// Since when they are (or were invited as) a member.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A page of members.
#[derive(async_graphql::SimpleObject)]
pub struct MemberConnection {
    /// The members of this page, in the order they joined.
    pub nodes: Vec<Member>,
    /// Whether more follow, and the cursor to ask for them.
    pub page_info: crate::shared::pagination::PageInfo,
}

/// An organization the viewer belongs to, with their role there.
#[derive(async_graphql::SimpleObject)]
pub struct Membership {
    /// The organization.
    pub organization: Organization,
    /// The viewer's role in it.
    pub role: MemberRole,
}

/// One admin action, as the audit log keeps it.
pub struct AuditEntry(pub admin_audit_log::Model);

/// One action of an admin or owner.
#[Object]
impl AuditEntry {
    /// The entry's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What was done (`member.invite`, `member.role_change`, `organization.update`, …).
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The kind of thing it was done to.
    async fn resource_type(&self) -> &str {
        &self.0.resource_type
    }
    /// The id of the thing it was done to.
    async fn resource_id(&self) -> Option<&str> {
        self.0.resource_id.as_deref()
    }
    /// Who did it.
    async fn admin_user_id(&self) -> Option<ID> {
        self.0.admin_user_id.map(|id| ID(id.to_string()))
    }
    /// The person it concerned, if any.
    async fn target_user_id(&self) -> Option<ID> {
        self.0.target_user_id.map(|id| ID(id.to_string()))
    }
    /// What changed.
    async fn details(&self) -> Json<serde_json::Value> {
        Json(self.0.details.clone())
    }
    /// The address it came from.
    async fn ip_address(&self) -> Option<&str> {
        self.0.ip_address.as_deref()
    }
    /// The client it came from.
    async fn user_agent(&self) -> Option<&str> {
        self.0.user_agent.as_deref()
    }
    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A page of the audit log.
#[derive(async_graphql::SimpleObject)]
pub struct AuditEntryConnection {
    /// The entries of this page, newest first.
    pub nodes: Vec<AuditEntry>,
    /// Whether more follow, and the cursor to ask for them.
    pub page_info: crate::shared::pagination::PageInfo,
}

/// The team queries.
#[derive(Default)]
pub struct TeamQueries;

#[Object]
impl TeamQueries {
    /// The organization's members (invited and suspended ones too), in the
    /// order they joined.
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many members: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "`pageInfo.endCursor` of the previous page.")] after: Option<String>,
    ) -> ApiResult<MemberConnection> {
        let viewer = require(ctx, Permission::Read)?;
        let page = Page::new(first, after, None, None)?;
        let rows = members::members(viewer.organization_id)
            .page(context::db(ctx)?, &page, members::member_keyset())
            .await?;
        let (edges, info) = page.finish(rows, members::member_cursor);
        Ok(MemberConnection {
            nodes: edges.into_iter().map(|(_, m)| Member(m)).collect(),
            page_info: info.into(),
        })
    }

    /// The organizations the viewer is an active member of, with their role
    /// in each (log in with `organizationId` to act in another).
    async fn organizations(&self, ctx: &Context<'_>) -> ApiResult<Vec<Membership>> {
        let viewer = require(ctx, Permission::Read)?;
        let found = members::organizations_of(context::db(ctx)?, viewer.user_id).await?;
        Ok(found
            .into_iter()
            .map(|(organization, role)| Membership {
                organization: Organization(organization),
                role: role.into(),
            })
            .collect())
    }

    /// The organization's admin audit log, newest first (admins and owners).
    async fn admin_audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many entries: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "`pageInfo.endCursor` of the previous page.")] after: Option<String>,
    ) -> ApiResult<AuditEntryConnection> {
        let viewer = require(ctx, Permission::Administer)?;
        let page = Page::new(first, after, None, None)?;
        let rows = audit::entries(viewer.organization_id)
            .page(context::db(ctx)?, &page, audit::entry_keyset())
            .await?;
        let (edges, info) = page.finish(rows, audit::entry_cursor);
        Ok(AuditEntryConnection {
            nodes: edges.into_iter().map(|(_, e)| AuditEntry(e)).collect(),
            page_info: info.into(),
        })
    }
}

/// A new organization.
#[derive(InputObject)]
pub struct CreateOrganizationInput {
    /// Display name, 1 to 200 characters.
    pub name: String,
    /// IANA time zone (day boundaries and calling hours); default UTC.
    pub timezone: Option<String>,
    /// Region for national phone numbers (ISO 3166 two letters); default US.
    pub default_region: Option<String>,
}

/// Changes to the organization; omitted fields stay.
#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    /// Display name, 1 to 200 characters.
    pub name: Option<String>,
    /// IANA time zone.
    pub timezone: Option<String>,
    /// Region for national phone numbers (ISO 3166 two letters).
    pub default_region: Option<String>,
}

/// The team mutations: members (admins and owners; only owners touch
/// owners; the last owner stays) and organizations. Every one is audited.
#[derive(Default)]
pub struct TeamMutations;

#[Object]
impl TeamMutations {
    /// Invites someone by email as `role` and mails them a single-use link
    /// (valid 7 days). Inviting someone already invited sends a new link;
    /// a member is CONFLICT on `email`.
    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where the invitation goes.")] email: String,
        #[graphql(desc = "The role they get once they accept.")] role: MemberRole,
    ) -> ApiResult<Member> {
        let viewer = require(ctx, Permission::Read)?;
        let app = context::app(ctx)?;
        let invited =
            members::invite_member(app, viewer, &client(ctx), &email, role.into()).await?;
        Ok(Member(invited))
    }

    /// Accepts an invitation with its link's token and logs in to the
    /// organization. Someone new chooses a password (and a name); someone
    /// with an account gives theirs. BAD_USER_INPUT on `token` for a used,
    /// expired or withdrawn invitation, on `password` otherwise.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token of the invitation link.")] token: String,
        #[graphql(desc = "A new account's password, or the existing account's.")] password: Option<
            String,
        >,
        #[graphql(desc = "A new account's display name.")] name: Option<String>,
    ) -> ApiResult<AuthPayload> {
        let app = context::app(ctx)?;
        Ok(
            members::accept_invitation(app, &client(ctx), &token, password, name)
                .await?
                .into(),
        )
    }

    /// Gives a member another role. Only an owner makes or changes an
    /// owner; the last owner cannot be demoted (CONFLICT).
    async fn change_member_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member's user id.")] user_id: ID,
        #[graphql(desc = "The new role.")] role: MemberRole,
    ) -> ApiResult<Member> {
        let viewer = require(ctx, Permission::Read)?;
        let user = parse_id("userId", &user_id)?;
        let app = context::app(ctx)?;
        Ok(Member(
            members::change_member_role(app, viewer, &client(ctx), user, role.into()).await?,
        ))
    }

    /// Withdraws a member's access for now; their requests and open
    /// sockets stop. The last owner cannot be suspended (CONFLICT).
    async fn suspend_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member's user id.")] user_id: ID,
    ) -> ApiResult<Member> {
        let viewer = require(ctx, Permission::Read)?;
        let user = parse_id("userId", &user_id)?;
        let app = context::app(ctx)?;
        Ok(Member(
            members::set_member_suspended(app, viewer, &client(ctx), user, true).await?,
        ))
    }

    /// Gives a suspended member their access back.
    async fn reactivate_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member's user id.")] user_id: ID,
    ) -> ApiResult<Member> {
        let viewer = require(ctx, Permission::Read)?;
        let user = parse_id("userId", &user_id)?;
        let app = context::app(ctx)?;
        Ok(Member(
            members::set_member_suspended(app, viewer, &client(ctx), user, false).await?,
        ))
    }

    /// Removes a member, or withdraws an invitation; the person keeps their
    /// account. The last owner cannot be removed (CONFLICT). True.
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member's user id.")] user_id: ID,
    ) -> ApiResult<bool> {
        let viewer = require(ctx, Permission::Read)?;
        let user = parse_id("userId", &user_id)?;
        members::remove_member(context::app(ctx)?, viewer, &client(ctx), user).await?;
        Ok(true)
    }

    /// Creates an organization the viewer owns; log in with its id to act
    /// in it.
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new organization.")] input: CreateOrganizationInput,
    ) -> ApiResult<Organization> {
        let viewer = require(ctx, Permission::Read)?;
        let input = NewOrganization {
            name: input.name,
            timezone: input.timezone,
            default_region: input.default_region,
        };
        let created = tenant::create_organization(context::app(ctx)?, viewer, &client(ctx), input)
            .await
            .under("input")?;
        Ok(Organization(created))
    }

    /// Renames the organization or changes its time zone or region (admins
    /// and owners).
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What changes.")] input: UpdateOrganizationInput,
    ) -> ApiResult<Organization> {
        let viewer = require(ctx, Permission::Read)?;
        let changes = OrganizationChanges {
            name: input.name,
            timezone: input.timezone,
            default_region: input.default_region,
        };
        let updated =
            tenant::update_organization(context::app(ctx)?, viewer, &client(ctx), changes)
                .await
                .under("input")?;
        Ok(Organization(updated))
    }
}
