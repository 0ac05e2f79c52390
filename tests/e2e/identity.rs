//! Accounts and sessions through `/graphql`, on both backends: signing up,
//! logging in, refresh-token rotation and reuse detection, logging out,
//! lockout, password reset and email verification through the development
//! mailer's outbox, and the demo's login.

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use switchboard_entity::enums::LoginFailureReason;
use switchboard_entity::{login_attempts, mail_outbox, user_sessions};
use switchboard_server::app::HttpConfig;
use switchboard_tests::{
    Backend, TestApp, TestDb, code, ok, on_both_backends, spawn_app, spawn_app_with,
};

on_both_backends!(
    signing_up_creates_an_owner_who_is_logged_in,
    a_refresh_token_works_once_and_its_reuse_ends_the_session,
    logging_out_ends_the_access_token_at_once,
    failed_logins_lock_the_email_out_and_read_alike_for_unknown_emails,
    a_password_reset_link_from_the_outbox_sets_the_password_and_ends_every_session,
    an_email_is_verified_once_with_the_link_mailed_at_sign_up,
    a_closed_server_refuses_sign_up,
    the_demo_members_log_in_with_the_demo_password,
);

const PASSWORD: &str = "correct horse battery staple";

const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) {
    accessToken refreshToken accessTokenExpiresAt sessionId
    user { id email emailVerified } organization { id name slug } } }";
const LOG_IN: &str = "mutation($input: LogInInput!) { logIn(input: $input) {
    accessToken refreshToken user { id email } organization { id } } }";
const REFRESH: &str = "mutation($token: String!) { refreshSession(refreshToken: $token) {
    accessToken refreshToken user { id } organization { id } } }";
const VIEWER: &str = "{ viewer { role user { email emailVerified } organization { name } } }";

async fn sign_up(app: &TestApp, email: &str) -> Value {
    let body = app
        .graphql(
            None,
            SIGN_UP,
            json!({ "input": { "email": email, "password": PASSWORD, "name": "Ada Lovelace", "organizationName": "Analytical Engines" } }),
        )
        .await;
    ok(&body)["signUp"].clone()
}

async fn log_in(app: &TestApp, email: &str, password: &str) -> Value {
    app.graphql(
        None,
        LOG_IN,
        json!({ "input": { "email": email, "password": password } }),
    )
    .await
}

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a string: {value}"))
}

/// The token in the latest mail to `to` whose subject contains `about`.
async fn mailed_token(app: &TestApp, to: &str, about: &str) -> String {
    let mail = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Recipient.eq(to))
        .order_by_desc(mail_outbox::Column::CreatedAt)
        .all(&app.db.db)
        .await
        .expect("outbox")
        .into_iter()
        .find(|m| m.subject.contains(about))
        .unwrap_or_else(|| panic!("a mail about {about} to {to}"));
    let at = mail
        .body
        .find("token: ")
        .expect("the bare token (no app URL)")
        + "token: ".len();
    mail.body[at..]
        .split_whitespace()
        .next()
        .expect("a token")
        .to_owned()
}

async fn signing_up_creates_an_owner_who_is_logged_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let payload = sign_up(&app, "ada@example.com").await;
    assert_eq!(payload["user"]["email"], "ada@example.com");
    assert_eq!(payload["user"]["emailVerified"], false);
    assert_eq!(payload["organization"]["name"], "Analytical Engines");
    assert!(text(&payload["organization"]["slug"]).starts_with("analytical-engines-"));

    let me = app
        .graphql(Some(text(&payload["accessToken"])), VIEWER, json!({}))
        .await;
    assert_eq!(ok(&me)["viewer"]["role"], "OWNER");
    assert_eq!(
        ok(&me)["viewer"]["organization"]["name"],
        "Analytical Engines"
    );

    // The same email in another case is taken; bad input names its field.
    let again = app
        .graphql(
            None,
            SIGN_UP,
            json!({ "input": { "email": "ADA@example.com", "password": PASSWORD, "name": "Ada", "organizationName": "Other" } }),
        )
        .await;
    assert_eq!(code(&again), "CONFLICT");
    assert_eq!(again["errors"][0]["extensions"]["field"], "input.email");
    for (input, field) in [
        (
            json!({ "email": "b@example.com", "password": "short", "name": "B", "organizationName": "B" }),
            "input.password",
        ),
        (
            json!({ "email": "not-an-email", "password": PASSWORD, "name": "B", "organizationName": "B" }),
            "input.email",
        ),
        (
            json!({ "email": "b@example.com", "password": PASSWORD, "name": " ", "organizationName": "B" }),
            "input.name",
        ),
        (
            json!({ "email": "b@example.com", "password": PASSWORD, "name": "B", "organizationName": "" }),
            "input.organizationName",
        ),
    ] {
        let refused = app.graphql(None, SIGN_UP, json!({ "input": input })).await;
        assert_eq!(code(&refused), "BAD_USER_INPUT", "{refused}");
        assert_eq!(refused["errors"][0]["extensions"]["field"], field);
    }
}

async fn a_refresh_token_works_once_and_its_reuse_ends_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = sign_up(&app, "grace@example.com").await;
    let refreshed = app
        .graphql(None, REFRESH, json!({ "token": first["refreshToken"] }))
        .await;
    let second = ok(&refreshed)["refreshSession"].clone();
    assert_ne!(second["refreshToken"], first["refreshToken"]);
    assert_eq!(second["user"]["id"], first["user"]["id"]);
    let me = app
        .graphql(Some(text(&second["accessToken"])), VIEWER, json!({}))
        .await;
    ok(&me);

    // The first token again: theft. The whole session ends, the thief's
    // tokens and the owner's alike.
    let reused = app
        .graphql(None, REFRESH, json!({ "token": first["refreshToken"] }))
        .await;
    assert_eq!(code(&reused), "UNAUTHENTICATED");
    let after = app
        .graphql(None, REFRESH, json!({ "token": second["refreshToken"] }))
        .await;
    assert_eq!(code(&after), "UNAUTHENTICATED");
    let me = app
        .graphql(Some(text(&second["accessToken"])), VIEWER, json!({}))
        .await;
    assert_eq!(code(&me), "UNAUTHENTICATED");
    let garbage = app
        .graphql(None, REFRESH, json!({ "token": "x".repeat(10_000) }))
        .await;
    assert_eq!(code(&garbage), "UNAUTHENTICATED");
}

async fn logging_out_ends_the_access_token_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    sign_up(&app, "linus@example.com").await;
    let laptop = log_in(&app, "linus@example.com", PASSWORD).await;
    let laptop = ok(&laptop)["logIn"].clone();
    let phone = log_in(&app, "Linus@Example.com", PASSWORD).await;
    let phone = ok(&phone)["logIn"].clone();
    let token = text(&laptop["accessToken"]);

    let listed = app
        .graphql(
            Some(token),
            "{ sessions { id current userAgent } }",
            json!({}),
        )
        .await;
    let sessions = ok(&listed)["sessions"]
        .as_array()
        .expect("sessions")
        .clone();
    assert_eq!(sessions.len(), 3, "sign-up, laptop and phone");
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);

    let out = app
        .graphql(Some(token), "mutation { logOut }", json!({}))
        .await;
    assert_eq!(ok(&out)["logOut"], true);
    let me = app.graphql(Some(token), VIEWER, json!({})).await;
    assert_eq!(code(&me), "UNAUTHENTICATED");
    let refresh = app
        .graphql(None, REFRESH, json!({ "token": laptop["refreshToken"] }))
        .await;
    assert_eq!(code(&refresh), "UNAUTHENTICATED");

    // The phone is untouched until it logs out everywhere.
    let phone_token = text(&phone["accessToken"]);
    ok(&app.graphql(Some(phone_token), VIEWER, json!({})).await);
    let stranger = app
        .graphql(
            Some(phone_token),
            "mutation($id: ID!) { revokeSession(id: $id) }",
            json!({ "id": uuid::Uuid::now_v7() }),
        )
        .await;
    assert_eq!(code(&stranger), "NOT_FOUND");
    let everywhere = app
        .graphql(
            Some(phone_token),
            "mutation { logOutEverywhere }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&everywhere)["logOutEverywhere"], 2);
    let me = app.graphql(Some(phone_token), VIEWER, json!({})).await;
    assert_eq!(code(&me), "UNAUTHENTICATED");
    let live = user_sessions::Entity::find()
        .filter(user_sessions::Column::IsActive.eq(true))
        .all(&app.db.db)
        .await
        .expect("sessions");
    assert!(live.is_empty(), "every session ended: {live:?}");
}

async fn failed_logins_lock_the_email_out_and_read_alike_for_unknown_emails(backend: Backend) {
    let app = spawn_app(backend).await;
    sign_up(&app, "alan@example.com").await;
    let wrong = log_in(&app, "alan@example.com", "not the password at all").await;
    let unknown = log_in(&app, "nobody@example.com", "not the password at all").await;
    assert_eq!(code(&wrong), "UNAUTHENTICATED");
    assert_eq!(
        wrong["errors"][0]["message"], unknown["errors"][0]["message"],
        "an unknown email reads like a wrong password"
    );
    for _ in 0..4 {
        assert_eq!(
            code(&log_in(&app, "alan@example.com", "wrong password again").await),
            "UNAUTHENTICATED"
        );
    }
    // Five failures: even the right password is refused for a while.
    let locked = log_in(&app, "alan@example.com", PASSWORD).await;
    assert_eq!(code(&locked), "RATE_LIMITED");
    let wait = locked["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_i64()
        .expect("seconds to wait");
    assert!((1..=15 * 60).contains(&wait), "{wait}");
    // Unknown emails lock out the same way.
    for _ in 0..5 {
        log_in(&app, "nobody@example.com", "guess").await;
    }
    assert_eq!(
        code(&log_in(&app, "nobody@example.com", "guess").await),
        "RATE_LIMITED"
    );

    let reasons: Vec<Option<LoginFailureReason>> = login_attempts::Entity::find()
        .filter(login_attempts::Column::Email.eq("alan@example.com"))
        .order_by_asc(login_attempts::Column::AttemptedAt)
        .all(&app.db.db)
        .await
        .expect("attempts")
        .into_iter()
        .map(|a| a.failure_reason)
        .collect();
    assert_eq!(reasons.first(), Some(&None), "the sign-up's login");
    assert_eq!(reasons.last(), Some(&Some(LoginFailureReason::Locked)));
    assert_eq!(
        reasons
            .iter()
            .filter(|r| **r == Some(LoginFailureReason::BadPassword))
            .count(),
        5
    );

    // Once the window has passed, the right password works again.
    login_attempts::Entity::update_many()
        .col_expr(
            login_attempts::Column::AttemptedAt,
            Expr::value(Utc::now() - Duration::minutes(16)),
        )
        .filter(login_attempts::Column::Email.eq("alan@example.com"))
        .exec(&app.db.db)
        .await
        .expect("age the attempts");
    let back = log_in(&app, "alan@example.com", PASSWORD).await;
    assert_eq!(ok(&back)["logIn"]["user"]["email"], "alan@example.com");
}

async fn a_password_reset_link_from_the_outbox_sets_the_password_and_ends_every_session(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let signed_up = sign_up(&app, "barbara@example.com").await;
    const REQUEST: &str = "mutation($email: String!) { requestPasswordReset(email: $email) }";
    const RESET: &str = "mutation($token: String!, $password: String!) { resetPassword(token: $token, newPassword: $password) }";
    for email in ["barbara@example.com", "nobody@example.com"] {
        let asked = app.graphql(None, REQUEST, json!({ "email": email })).await;
        assert_eq!(
            ok(&asked)["requestPasswordReset"],
            true,
            "alike for {email}"
        );
    }
    let nothing = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Recipient.eq("nobody@example.com"))
        .all(&app.db.db)
        .await
        .expect("outbox");
    assert!(
        nothing.is_empty(),
        "no mail for an email without an account"
    );
    let token = mailed_token(&app, "barbara@example.com", "Reset").await;

    let short = app
        .graphql(None, RESET, json!({ "token": token, "password": "short" }))
        .await;
    assert_eq!(code(&short), "BAD_USER_INPUT");
    assert_eq!(short["errors"][0]["extensions"]["field"], "newPassword");
    let new_password = "a brand new passphrase";
    let reset = app
        .graphql(
            None,
            RESET,
            json!({ "token": token, "password": new_password }),
        )
        .await;
    assert_eq!(ok(&reset)["resetPassword"], true);
    let again = app
        .graphql(
            None,
            RESET,
            json!({ "token": token, "password": new_password }),
        )
        .await;
    assert_eq!(code(&again), "BAD_USER_INPUT");
    assert_eq!(again["errors"][0]["extensions"]["field"], "token");

    let old_session = app
        .graphql(Some(text(&signed_up["accessToken"])), VIEWER, json!({}))
        .await;
    assert_eq!(
        code(&old_session),
        "UNAUTHENTICATED",
        "a reset ends every session"
    );
    assert_eq!(
        code(&log_in(&app, "barbara@example.com", PASSWORD).await),
        "UNAUTHENTICATED"
    );
    let fresh = log_in(&app, "barbara@example.com", new_password).await;
    let me = app
        .graphql(
            Some(text(&ok(&fresh)["logIn"]["accessToken"])),
            VIEWER,
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&me)["viewer"]["user"]["emailVerified"],
        true,
        "the link proved the email"
    );

    // A few requests an hour per email, then RATE_LIMITED.
    let mut codes = Vec::new();
    for _ in 0..3 {
        let asked = app
            .graphql(None, REQUEST, json!({ "email": "barbara@example.com" }))
            .await;
        codes.push(
            asked["errors"][0]["extensions"]["code"]
                .as_str()
                .map(str::to_owned),
        );
    }
    assert_eq!(
        codes.last(),
        Some(&Some("RATE_LIMITED".to_owned())),
        "{codes:?}"
    );
}

async fn an_email_is_verified_once_with_the_link_mailed_at_sign_up(backend: Backend) {
    let app = spawn_app(backend).await;
    let signed_up = sign_up(&app, "katherine@example.com").await;
    let token = mailed_token(&app, "katherine@example.com", "Confirm").await;
    const VERIFY: &str =
        "mutation($token: String!) { verifyEmail(token: $token) { email emailVerified } }";
    let verified = app.graphql(None, VERIFY, json!({ "token": token })).await;
    assert_eq!(ok(&verified)["verifyEmail"]["emailVerified"], true);
    let again = app.graphql(None, VERIFY, json!({ "token": token })).await;
    assert_eq!(code(&again), "BAD_USER_INPUT");
    let unknown = app
        .graphql(None, VERIFY, json!({ "token": "made-up" }))
        .await;
    assert_eq!(code(&unknown), "BAD_USER_INPUT");
    let more = app
        .graphql(
            Some(text(&signed_up["accessToken"])),
            "mutation { requestEmailVerification }",
            json!({}),
        )
        .await;
    assert_eq!(code(&more), "BAD_USER_INPUT", "already verified");
}

async fn a_closed_server_refuses_sign_up(backend: Backend) {
    let mut config = HttpConfig::default();
    config.schema.identity.sign_up = false;
    let app = spawn_app_with(TestDb::migrated(backend).await, config).await;
    let refused = app
        .graphql(
            None,
            SIGN_UP,
            json!({ "input": { "email": "x@example.com", "password": PASSWORD, "name": "X", "organizationName": "X" } }),
        )
        .await;
    assert_eq!(code(&refused), "FORBIDDEN");
}

async fn the_demo_members_log_in_with_the_demo_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let demo = switchboard_seed::demo(&app.db.db, Utc::now())
        .await
        .expect("demo loads");
    for email in ["owner@demo.switchboard.dev", "viewer@demo.switchboard.dev"] {
        let body = log_in(&app, email, switchboard_seed::DEMO_PASSWORD).await;
        let payload = &ok(&body)["logIn"];
        assert_eq!(
            payload["organization"]["id"],
            demo.organization_id.to_string()
        );
    }
}
