use clap::Parser;
use switchboard_server::cli::{Cli, Command};
use switchboard_tests::{Backend, TestDb, on_both_backends};

on_both_backends!(
    token_mints_a_verifiable_token_for_an_active_member_only,
    migrate_fresh_rebuilds_the_schema,
);

/// A JWT secret long enough for the server's rule (32 bytes at least).
const SECRET: &str = "cli-test-secret-of-at-least-32-bytes";

/// A database the CLI can open by URL: a temporary SQLite file, or a
/// PostgreSQL test database.
async fn database_by_url(backend: Backend) -> (String, Option<TestDb>, Option<std::path::PathBuf>) {
    match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!(
                "switchboard-cli-{}.db",
                uuid::Uuid::new_v4().simple()
            ));
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                None,
                Some(path),
            )
        }
        Backend::Postgres => {
            let test = TestDb::empty(backend).await;
            (test.url.clone(), Some(test), None)
        }
    }
}

fn remove(path: Option<std::path::PathBuf>) {
    if let Some(path) = path {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}

async fn token_mints_a_verifiable_token_for_an_active_member_only(backend: Backend) {
    let (url, _keep, file) = database_by_url(backend).await;
    let seed = Cli::try_parse_from(["switchboard", "seed", "--demo", "--database-url", &url])
        .expect("parses");
    switchboard_server::commands::run(seed)
        .await
        .expect("demo seeds");

    let token_for = |user: &str| {
        let cli = Cli::try_parse_from([
            "switchboard",
            "token",
            "--org",
            "demo",
            "--user",
            user,
            "--ttl",
            "1h",
            "--jwt-secret",
            SECRET,
            "--database-url",
            &url,
        ])
        .expect("parses");
        match cli.command {
            Command::Token(args) => args,
            other => panic!("not a token command: {other:?}"),
        }
    };

    let token = switchboard_server::commands::token(token_for("OWNER@demo.switchboard.dev"))
        .await
        .expect("an owner gets a token");
    let claims =
        switchboard_domain::auth::verify(SECRET.as_bytes(), &token).expect("the token verifies");
    let db = switchboard_server::db::connect(&url).await.expect("opens");
    let demo = switchboard_seed::demo(&db, chrono::Utc::now())
        .await
        .expect("already there");
    assert_eq!(
        (claims.sub, claims.org),
        (demo.owner_id, demo.organization_id)
    );
    assert!(
        (claims.exp - claims.iat - 3600).abs() <= 1,
        "valid for the requested hour"
    );

    let stranger = switchboard_server::commands::token(token_for("nobody@example.com")).await;
    assert!(stranger.is_err(), "a non-member gets no token");
    let _ = db.close().await;
    remove(file);
}

async fn migrate_fresh_rebuilds_the_schema(backend: Backend) {
    let (url, _keep, file) = database_by_url(backend).await;
    for args in [["up"], ["fresh"]] {
        let cli = Cli::try_parse_from(["switchboard", "migrate", args[0], "--database-url", &url])
            .expect("parses");
        switchboard_server::commands::run(cli)
            .await
            .expect("migrate runs");
    }
    let db = switchboard_server::db::connect(&url).await.expect("opens");
    let status = switchboard_server::db::migration_status(&db)
        .await
        .expect("status");
    assert!(status.iter().all(|(_, applied)| *applied), "{status:?}");
    let _ = db.close().await;
    remove(file);
}
