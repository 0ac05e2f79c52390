//! The identity use cases of `switchboard-app`, called directly (no HTTP),
//! on both backends: the rules only concurrency reaches, and what a token
//! of an ended session is worth.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use switchboard_app::identity::accounts::{self, LogIn, SignUp};
use switchboard_app::identity::sessions::{self, Issued};
use switchboard_app::identity::{Client, IdentityConfig, access};
use switchboard_app::{App, AppError, Auth, EventBus};
use switchboard_domain::secrets::SecretKey;
use switchboard_entity::{retired_refresh_tokens, user_sessions};
use switchboard_tests::{Backend, TestDb, on_both_backends};

on_both_backends!(
    two_refreshes_racing_with_one_token_end_the_session,
    a_token_of_an_ended_session_authenticates_no_one,
    two_sign_ups_racing_for_one_email_make_one_account,
    the_cleanup_forgets_only_what_is_old_and_runs_once_at_a_time,
);

const SECRET: &str = "app-identity-tests-secret-of-32-bytes!";

async fn application(backend: Backend) -> (TestDb, App) {
    let test = TestDb::migrated(backend).await;
    let bus = EventBus::new(test.db.get_database_backend());
    let app = App::new(
        test.db.clone(),
        bus,
        std::sync::Arc::new(SecretKey::derive(b"app-identity-tests")),
    )
    .with_identity(IdentityConfig::new(SECRET));
    (test, app)
}

fn client() -> Client {
    Client::new(Some("198.51.100.4".into()), Some("tests".into()))
}

async fn signed_up(app: &App, email: &str) -> Issued {
    accounts::sign_up(
        app,
        &client(),
        SignUp {
            email: email.into(),
            password: "a long enough password".into(),
            name: "Edsger".into(),
            organization_name: "Structured".into(),
        },
    )
    .await
    .expect("signs up")
}

async fn two_refreshes_racing_with_one_token_end_the_session(backend: Backend) {
    let (test, app) = application(backend).await;
    let issued = signed_up(&app, "edsger@example.com").await;
    let (a, b) = tokio::join!(
        sessions::refresh_session(&app, &issued.refresh_token),
        sessions::refresh_session(&app, &issued.refresh_token),
    );
    let winners: Vec<Issued> = [a, b].into_iter().filter_map(Result::ok).collect();
    assert!(winners.len() <= 1, "one token, at most one refresh");
    let won = winners.len();
    let session = user_sessions::Entity::find_by_id(issued.session_id)
        .one(&test.db)
        .await
        .expect("read")
        .expect("the session");
    assert!(
        !session.is_active && session.revoked_at.is_some(),
        "a token used twice revokes its session: {session:?}"
    );
    // Whoever won holds tokens of an ended session: they open nothing.
    for winner in winners {
        let again = sessions::refresh_session(&app, &winner.refresh_token).await;
        assert!(matches!(again, Err(AppError::Unauthenticated(_))));
    }
    let retired = retired_refresh_tokens::Entity::find()
        .filter(retired_refresh_tokens::Column::SessionId.eq(issued.session_id))
        .all(&test.db)
        .await
        .expect("retired");
    assert_eq!(
        retired.len(),
        won,
        "only a refresh that won retires the token"
    );
}

async fn a_token_of_an_ended_session_authenticates_no_one(backend: Backend) {
    let (test, app) = application(backend).await;
    let issued = signed_up(&app, "barbara@example.com").await;
    let before = access::authenticate(&test.db, SECRET.as_bytes(), Some(&issued.access_token))
        .await
        .expect("authenticates");
    assert!(matches!(before.auth, Auth::Member(_)));
    assert_eq!(before.session_id, Some(issued.session_id));
    let Auth::Member(viewer) = before.auth else {
        unreachable!()
    };
    sessions::log_out(&app, viewer, before.session_id)
        .await
        .expect("logs out");
    let after = access::authenticate(&test.db, SECRET.as_bytes(), Some(&issued.access_token))
        .await
        .expect("authenticates");
    assert!(matches!(after.auth, Auth::Anonymous(_)), "{after:?}");
    // The other login of the same user is unaffected.
    let other = accounts::log_in(
        &app,
        &client(),
        LogIn {
            email: "barbara@example.com".into(),
            password: "a long enough password".into(),
            organization_id: None,
        },
    )
    .await
    .expect("logs in");
    let live = access::authenticate(&test.db, SECRET.as_bytes(), Some(&other.access_token))
        .await
        .expect("authenticates");
    assert!(matches!(live.auth, Auth::Member(_)));
    let ended = access::live_sessions(&test.db, &[issued.session_id, other.session_id])
        .await
        .expect("reads");
    assert_eq!(
        ended.into_iter().collect::<Vec<_>>(),
        vec![other.session_id]
    );
}

async fn two_sign_ups_racing_for_one_email_make_one_account(backend: Backend) {
    let (_test, app) = application(backend).await;
    let anyone = Client::default();
    let sign_up = |email: &str| {
        accounts::sign_up(
            &app,
            &anyone,
            SignUp {
                email: email.into(),
                password: "a long enough password".into(),
                name: "Tony".into(),
                organization_name: "Hoare & Co".into(),
            },
        )
    };
    let (a, b) = tokio::join!(sign_up("tony@example.com"), sign_up("TONY@example.com"));
    let outcomes = [a.is_ok(), b.is_ok()];
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "{outcomes:?}");
    let refused = [a, b]
        .into_iter()
        .find_map(Result::err)
        .expect("one refusal");
    assert!(
        matches!(&refused, AppError::Conflict { field: Some(f), .. } if f == "email"),
        "{refused:?}"
    );
}

async fn the_cleanup_forgets_only_what_is_old_and_runs_once_at_a_time(backend: Backend) {
    use chrono::{Duration, Utc};
    use sea_orm::sea_query::Expr;
    use sea_orm::{ConnectionTrait, PaginatorTrait, TransactionTrait};
    use switchboard_app::identity::cleanup;
    use switchboard_entity::login_attempts;

    let (test, app) = application(backend).await;
    let old = signed_up(&app, "old@example.com").await;
    let recent = signed_up(&app, "recent@example.com").await;
    // The first session ended long ago; its user's login attempts are old.
    let ended = Utc::now() - Duration::days(3);
    user_sessions::Entity::update_many()
        .col_expr(user_sessions::Column::RefreshExpiresAt, Expr::value(ended))
        .col_expr(user_sessions::Column::ExpiresAt, Expr::value(ended))
        .filter(user_sessions::Column::Id.eq(old.session_id))
        .exec(&test.db)
        .await
        .expect("aged");
    login_attempts::Entity::update_many()
        .col_expr(
            login_attempts::Column::AttemptedAt,
            Expr::value(Utc::now() - Duration::days(31)),
        )
        .filter(login_attempts::Column::Email.eq("old@example.com"))
        .exec(&test.db)
        .await
        .expect("aged");

    if backend == Backend::Postgres {
        // Another instance holds the round: this one skips.
        let other = test.db.begin().await.expect("begin");
        other
            .execute_unprepared("SELECT pg_advisory_xact_lock(32477801481593198)")
            .await
            .expect("locked");
        assert_eq!(
            cleanup::run_once(&app, Utc::now()).await.expect("runs"),
            None
        );
        other.rollback().await.expect("released");
    }
    let cleaned = cleanup::run_once(&app, Utc::now())
        .await
        .expect("runs")
        .expect("not skipped");
    assert_eq!((cleaned.sessions, cleaned.login_attempts), (1, 1));
    let left: Vec<_> = user_sessions::Entity::find()
        .all(&test.db)
        .await
        .expect("sessions")
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(left, vec![recent.session_id]);
    assert_eq!(
        login_attempts::Entity::find()
            .count(&test.db)
            .await
            .expect("count"),
        1,
        "the recent sign-up's attempt stays"
    );
}
