//! The team through `/graphql`, on both backends: invitations accepted
//! through the development mailer's outbox, every role rule and the
//! last-owner rule, access ending with a suspension or removal, the
//! viewer's organizations, and the audit log of every admin action.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use switchboard_entity::{admin_audit_log, mail_outbox};
use switchboard_tests::{Backend, Tenant, TestApp, code, ok, on_both_backends, spawn_app};

on_both_backends!(
    an_invited_colleague_accepts_and_works_in_the_organization,
    only_owners_touch_owners_and_the_last_owner_stays,
    suspending_or_removing_a_member_ends_their_access,
    a_user_creates_and_switches_between_organizations,
);

const PASSWORD: &str = "correct horse battery staple";
const INVITE: &str = "mutation($email: String!, $role: MemberRole!) { inviteMember(email: $email, role: $role) { role status user { email } } }";
const ACCEPT: &str = "mutation($token: String!, $password: String, $name: String) {
    acceptInvitation(token: $token, password: $password, name: $name) { accessToken organization { id } user { email } } }";
const ROLE: &str = "mutation($user: ID!, $role: MemberRole!) { changeMemberRole(userId: $user, role: $role) { role } }";
const VIEWER: &str = "{ viewer { role organization { id } } }";

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a string: {value}"))
}

async fn mailed_token(app: &TestApp, to: &str) -> String {
    let mail = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Recipient.eq(to))
        .order_by_desc(mail_outbox::Column::CreatedAt)
        .one(&app.db.db)
        .await
        .expect("outbox")
        .unwrap_or_else(|| panic!("a mail to {to}"));
    let at = mail.body.find("token: ").expect("a token") + "token: ".len();
    mail.body[at..]
        .split_whitespace()
        .next()
        .expect("a token")
        .to_owned()
}

async fn actions(app: &TestApp, organization: uuid::Uuid) -> Vec<String> {
    admin_audit_log::Entity::find()
        .filter(admin_audit_log::Column::OrganizationId.eq(organization))
        .order_by_asc(admin_audit_log::Column::CreatedAt)
        .order_by_asc(admin_audit_log::Column::Id)
        .all(&app.db.db)
        .await
        .expect("audit log")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn an_invited_colleague_accepts_and_works_in_the_organization(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "team").await;
    let owner = tenant.token(tenant.owner);
    let invited = app
        .graphql(
            Some(&owner),
            INVITE,
            json!({ "email": "grace@example.com", "role": "MANAGER" }),
        )
        .await;
    assert_eq!(ok(&invited)["inviteMember"]["status"], "INVITED");
    let first = mailed_token(&app, "grace@example.com").await;
    // Inviting again sends a new link; the first stops working.
    let again = app
        .graphql(
            Some(&owner),
            INVITE,
            json!({ "email": "grace@example.com", "role": "MANAGER" }),
        )
        .await;
    assert_eq!(ok(&again)["inviteMember"]["status"], "INVITED");
    let token = mailed_token(&app, "grace@example.com").await;
    assert_ne!(token, first);
    let stale = app
        .graphql(
            None,
            ACCEPT,
            json!({ "token": first, "password": PASSWORD }),
        )
        .await;
    assert_eq!(code(&stale), "BAD_USER_INPUT");
    assert_eq!(stale["errors"][0]["extensions"]["field"], "token");

    // Someone new must choose a password.
    let bare = app.graphql(None, ACCEPT, json!({ "token": token })).await;
    assert_eq!(code(&bare), "BAD_USER_INPUT");
    assert_eq!(bare["errors"][0]["extensions"]["field"], "password");
    let accepted = app
        .graphql(
            None,
            ACCEPT,
            json!({ "token": token, "password": PASSWORD, "name": "Grace Hopper" }),
        )
        .await;
    let payload = &ok(&accepted)["acceptInvitation"];
    assert_eq!(
        payload["organization"]["id"],
        tenant.organization_id.to_string()
    );
    let me = app
        .graphql(Some(text(&payload["accessToken"])), VIEWER, json!({}))
        .await;
    assert_eq!(ok(&me)["viewer"]["role"], "MANAGER");
    let again = app
        .graphql(
            None,
            ACCEPT,
            json!({ "token": token, "password": PASSWORD }),
        )
        .await;
    assert_eq!(code(&again), "BAD_USER_INPUT");
    assert_eq!(again["errors"][0]["extensions"]["field"], "token");

    let listed = app
        .graphql(
            Some(&owner),
            "{ members(first: 10) { nodes { role status user { email name } } pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    let nodes = ok(&listed)["members"]["nodes"]
        .as_array()
        .expect("members")
        .clone();
    assert_eq!(nodes.len(), 6, "five roles and the new manager");
    let grace = nodes
        .iter()
        .find(|m| m["user"]["email"] == "grace@example.com")
        .expect("grace is listed");
    assert_eq!(grace["status"], "ACTIVE");
    assert_eq!(grace["user"]["name"], "Grace Hopper");

    // Inviting a member again is a conflict; a manager may not invite.
    let twice = app
        .graphql(
            Some(&owner),
            INVITE,
            json!({ "email": "GRACE@example.com", "role": "AGENT" }),
        )
        .await;
    assert_eq!(code(&twice), "CONFLICT");
    let huge = app
        .graphql(
            Some(&owner),
            INVITE,
            json!({ "email": format!("{}@example.com", "x".repeat(10_000)), "role": "AGENT" }),
        )
        .await;
    assert_eq!(code(&huge), "BAD_USER_INPUT");
    assert_eq!(huge["errors"][0]["extensions"]["field"], "email");
    let by_manager = app
        .graphql(
            Some(text(&payload["accessToken"])),
            INVITE,
            json!({ "email": "x@example.com", "role": "VIEWER" }),
        )
        .await;
    assert_eq!(code(&by_manager), "FORBIDDEN");

    let log = app
        .graphql(
            Some(&owner),
            "{ adminAuditLog(first: 10) { nodes { action targetUserId details } } }",
            json!({}),
        )
        .await;
    let entries = ok(&log)["adminAuditLog"]["nodes"]
        .as_array()
        .expect("entries")
        .clone();
    assert_eq!(entries.len(), 2, "both invitations");
    assert_eq!(entries[0]["action"], "member.invite");
    assert_eq!(entries[0]["details"]["role"], "manager");
    let forbidden = app
        .graphql(
            Some(&tenant.token(tenant.manager)),
            "{ adminAuditLog { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&forbidden), "FORBIDDEN");
}

async fn only_owners_touch_owners_and_the_last_owner_stays(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "rules").await;
    let (owner, admin) = (tenant.token(tenant.owner), tenant.token(tenant.admin));
    let role = |token: String, user: uuid::Uuid, role: &'static str| {
        let app = &app;
        async move {
            app.graphql(Some(&token), ROLE, json!({ "user": user, "role": role }))
                .await
        }
    };
    // An admin manages members, but never owners, nor makes one.
    assert_eq!(
        ok(&role(admin.clone(), tenant.manager, "AGENT").await)["changeMemberRole"]["role"],
        "AGENT"
    );
    assert_eq!(
        code(&role(admin.clone(), tenant.owner, "ADMIN").await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&role(admin.clone(), tenant.viewer, "OWNER").await),
        "FORBIDDEN"
    );
    let owner_invite = app
        .graphql(
            Some(&admin),
            INVITE,
            json!({ "email": "boss@example.com", "role": "OWNER" }),
        )
        .await;
    assert_eq!(code(&owner_invite), "FORBIDDEN");
    assert_eq!(
        code(&role(tenant.token(tenant.agent), tenant.viewer, "AGENT").await),
        "FORBIDDEN"
    );

    // The only owner cannot step down, be suspended or leave.
    assert_eq!(
        code(&role(owner.clone(), tenant.owner, "ADMIN").await),
        "CONFLICT"
    );
    for mutation in [
        "mutation($user: ID!) { suspendMember(userId: $user) { status } }",
        "mutation($user: ID!) { removeMember(userId: $user) }",
    ] {
        let refused = app
            .graphql(Some(&owner), mutation, json!({ "user": tenant.owner }))
            .await;
        assert_eq!(code(&refused), "CONFLICT", "{mutation}");
    }
    // With a second owner, the first may step down.
    assert_eq!(
        ok(&role(owner.clone(), tenant.admin, "OWNER").await)["changeMemberRole"]["role"],
        "OWNER"
    );
    assert_eq!(
        ok(&role(owner.clone(), tenant.owner, "ADMIN").await)["changeMemberRole"]["role"],
        "ADMIN"
    );
    let stranger = role(admin.clone(), uuid::Uuid::now_v7(), "AGENT").await;
    assert_eq!(code(&stranger), "NOT_FOUND");

    assert_eq!(
        actions(&app, tenant.organization_id).await,
        vec!["member.role_change"; 3],
        "every change, and only the changes, is audited"
    );
}

async fn suspending_or_removing_a_member_ends_their_access(backend: Backend) {
    let app = spawn_app(backend).await;
    let tenant = Tenant::create(&app.db.db, "access").await;
    let admin = tenant.token(tenant.admin);
    let agent = tenant.token(tenant.agent);
    ok(&app.graphql(Some(&agent), VIEWER, json!({})).await);
    let suspended = app
        .graphql(
            Some(&admin),
            "mutation($user: ID!) { suspendMember(userId: $user) { status } }",
            json!({ "user": tenant.agent }),
        )
        .await;
    assert_eq!(ok(&suspended)["suspendMember"]["status"], "SUSPENDED");
    assert_eq!(
        code(&app.graphql(Some(&agent), VIEWER, json!({})).await),
        "UNAUTHENTICATED"
    );
    let twice = app
        .graphql(
            Some(&admin),
            "mutation($user: ID!) { suspendMember(userId: $user) { status } }",
            json!({ "user": tenant.agent }),
        )
        .await;
    assert_eq!(code(&twice), "CONFLICT");
    let back = app
        .graphql(
            Some(&admin),
            "mutation($user: ID!) { reactivateMember(userId: $user) { status } }",
            json!({ "user": tenant.agent }),
        )
        .await;
    assert_eq!(ok(&back)["reactivateMember"]["status"], "ACTIVE");
    ok(&app.graphql(Some(&agent), VIEWER, json!({})).await);

    let removed = app
        .graphql(
            Some(&admin),
            "mutation($user: ID!) { removeMember(userId: $user) }",
            json!({ "user": tenant.viewer }),
        )
        .await;
    assert_eq!(ok(&removed)["removeMember"], true);
    let gone = app
        .graphql(Some(&tenant.token(tenant.viewer)), VIEWER, json!({}))
        .await;
    assert_eq!(code(&gone), "UNAUTHENTICATED");
    assert_eq!(
        actions(&app, tenant.organization_id).await,
        vec!["member.suspend", "member.reactivate", "member.remove"]
    );
}

async fn a_user_creates_and_switches_between_organizations(backend: Backend) {
    let app = spawn_app(backend).await;
    let signed_up = app
        .graphql(
            None,
            "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken organization { id } } }",
            json!({ "input": { "email": "ken@example.com", "password": PASSWORD, "name": "Ken", "organizationName": "Bell Labs" } }),
        )
        .await;
    let token = text(&ok(&signed_up)["signUp"]["accessToken"]).to_owned();
    let created = app
        .graphql(
            Some(&token),
            "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id name timezone defaultRegion } }",
            json!({ "input": { "name": "Plan 9", "timezone": "Europe/London", "defaultRegion": "gb" } }),
        )
        .await;
    let second = ok(&created)["createOrganization"].clone();
    assert_eq!(second["timezone"], "Europe/London");
    assert_eq!(second["defaultRegion"], "GB");
    let bad = app
        .graphql(
            Some(&token),
            "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }",
            json!({ "input": { "name": "X", "timezone": "Mars/Olympus" } }),
        )
        .await;
    assert_eq!(code(&bad), "BAD_USER_INPUT");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "input.timezone");

    let listed = app
        .graphql(
            Some(&token),
            "{ organizations { role organization { name } } }",
            json!({}),
        )
        .await;
    let names: Vec<&str> = ok(&listed)["organizations"]
        .as_array()
        .expect("organizations")
        .iter()
        .map(|m| text(&m["organization"]["name"]))
        .collect();
    assert_eq!(names, vec!["Bell Labs", "Plan 9"]);

    // Logging in to the second organization acts there.
    let switched = app
        .graphql(
            None,
            "mutation($input: LogInInput!) { logIn(input: $input) { accessToken organization { id } } }",
            json!({ "input": { "email": "ken@example.com", "password": PASSWORD, "organizationId": second["id"] } }),
        )
        .await;
    let there = text(&ok(&switched)["logIn"]["accessToken"]).to_owned();
    let me = app.graphql(Some(&there), VIEWER, json!({})).await;
    assert_eq!(ok(&me)["viewer"]["organization"]["id"], second["id"]);
    let renamed = app
        .graphql(
            Some(&there),
            "mutation { updateOrganization(input: { name: \"Plan 9 from Bell Labs\" }) { name } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&renamed)["updateOrganization"]["name"],
        "Plan 9 from Bell Labs"
    );
    let elsewhere = app
        .graphql(
            None,
            "mutation($input: LogInInput!) { logIn(input: $input) { accessToken } }",
            json!({ "input": { "email": "ken@example.com", "password": PASSWORD, "organizationId": uuid::Uuid::now_v7() } }),
        )
        .await;
    assert_eq!(code(&elsewhere), "FORBIDDEN");
}
