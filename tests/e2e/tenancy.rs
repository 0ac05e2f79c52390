//! PostgreSQL as the second wall between tenants: the runtime role the
//! application serves as sees only the organization a transaction names,
//! whatever a statement forgets to filter, and nothing without one.

use clap::Parser;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};
use serde_json::json;
use switchboard_app::db::{Db, Tenant as Scope};
use switchboard_tests::{Backend, Tenant, TestDb, available, ok, spawn_app};
use uuid::Uuid;

async fn count(db: &impl ConnectionTrait, table: &str) -> i64 {
    db.query_one_raw(Statement::from_string(
        DbBackend::Postgres,
        format!("SELECT count(*) AS n FROM {table}"),
    ))
    .await
    .unwrap_or_else(|err| panic!("counting {table}: {err}"))
    .expect("a row")
    .try_get::<i64>("", "n")
    .expect("a count")
}

const CREATE_LEAD: &str = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }";

async fn create_lead(app: &switchboard_tests::TestApp, tenant: &Tenant, phone: &str) {
    let body = app
        .graphql(
            Some(&tenant.token(tenant.agent)),
            CREATE_LEAD,
            json!({ "input": { "firstName": "Ada", "phoneNumber": phone } }),
        )
        .await;
    ok(&body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_without_an_organization_filter_sees_only_the_current_tenant() {
    if !available(Backend::Postgres).await {
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let globex = Tenant::create(&app.db.db, "globex").await;
    // Written through the API, as the runtime role.
    create_lead(&app, &acme, "+14155550101").await;
    create_lead(&app, &acme, "+14155550102").await;
    create_lead(&app, &globex, "+14155550103").await;

    let runtime = Db::new(app.db.runtime_pool().await);
    let as_acme = runtime.for_tenant(Scope {
        organization_id: acme.organization_id,
        user_id: Some(acme.owner),
    });
    assert_eq!(count(&as_acme, "leads").await, 2);
    assert_eq!(count(&as_acme, "organizations").await, 1);
    assert_eq!(count(&as_acme, "organization_memberships").await, 5);
    assert_eq!(count(&as_acme, "users").await, 5, "acme's members only");
    assert_eq!(count(&as_acme, "lead_audit_log").await, 2);
    // Tables only the privileged path reads stay empty to the runtime role.
    for table in ["login_attempts", "password_reset_attempts", "mail_outbox"] {
        assert_eq!(count(&as_acme, table).await, 0, "{table}");
    }
    // The owner sees both tenants.
    assert_eq!(count(&app.db.db, "leads").await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runtime_role_with_no_tenant_set_sees_nothing() {
    if !available(Backend::Postgres).await {
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    create_lead(&app, &acme, "+14155550101").await;
    let bare = app.db.runtime_pool().await;
    for table in [
        "leads",
        "calls",
        "organizations",
        "organization_memberships",
        "users",
        "user_sessions",
        "lead_audit_log",
        "system_config",
        "admin_audit_log",
        "invitations",
        "customer_activity_timeline",
    ] {
        // system_config's global defaults are everyone's; tenants' rows are not.
        let expected = if table == "system_config" {
            count(&app.db.db, "system_config WHERE organization_id IS NULL").await
        } else {
            0
        };
        assert_eq!(count(&bare, table).await, expected, "{table}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runtime_role_cannot_write_into_another_tenant() {
    if !available(Backend::Postgres).await {
        return;
    }
    let test = TestDb::migrated(Backend::Postgres).await;
    let acme = Tenant::create(&test.db, "acme").await;
    let globex = Tenant::create(&test.db, "globex").await;
    let runtime = Db::new(test.runtime_pool().await);
    let txn = runtime
        .for_tenant(Scope::organization(acme.organization_id))
        .begin(Default::default())
        .await
        .expect("a scoped transaction");
    let err = txn
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO dnc_list (id, organization_id, phone_number, reason, source, created_at, updated_at) \
             VALUES ($1, $2, '+14155550199', 'x', 'manual', now(), now())",
            [Uuid::now_v7().into(), globex.organization_id.into()],
        ))
        .await
        .expect_err("a row of another organization is refused");
    assert!(
        err.to_string().contains("row-level security"),
        "unexpected error: {err}"
    );
    drop(txn);
    // And an update cannot move a row out of reach either.
    let moved = runtime
        .for_tenant(Scope::organization(acme.organization_id))
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE organizations SET id = id WHERE id = $1",
            [globex.organization_id.into()],
        ))
        .await
        .expect("an update that matches nothing");
    assert_eq!(moved.rows_affected(), 0, "globex is invisible to acme");
}

async fn role_flags(db: &DatabaseConnection, role: &str) -> (bool, bool) {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1",
            [role.into()],
        ))
        .await
        .expect("catalog")
        .expect("the role exists");
    (
        row.try_get("", "rolsuper").expect("rolsuper"),
        row.try_get("", "rolbypassrls").expect("rolbypassrls"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_grant_makes_a_role_that_row_level_security_binds() {
    if !available(Backend::Postgres).await {
        return;
    }
    let test = TestDb::migrated(Backend::Postgres).await;
    let role = format!("sb_grant_{}", &Uuid::new_v4().simple().to_string()[..12]);
    let cli = switchboard_server::cli::Cli::try_parse_from([
        "switchboard",
        "db",
        "grant",
        "--role",
        &role,
        "--database-url",
        &test.url,
    ])
    .expect("parses");
    switchboard_server::commands::run(cli)
        .await
        .expect("`switchboard db grant` runs");
    // Twice is fine: the command is idempotent.
    switchboard_server::roles::grant(&test.db, &role, None)
        .await
        .expect("granted again");
    assert_eq!(role_flags(&test.db, &role).await, (false, false));
    let pool = switchboard_server::db::connect(&switchboard_tests::as_role(&test.url, &role))
        .await
        .expect("the new role logs in");
    assert!(
        switchboard_server::roles::row_level_security_binds(&pool)
            .await
            .expect("checked")
    );
    assert!(
        !switchboard_server::roles::row_level_security_binds(&test.db)
            .await
            .expect("checked"),
        "the owner is let through"
    );
    // It may read and write rows, but not change the schema.
    assert_eq!(count(&pool, "leads").await, 0);
    let ddl = pool
        .execute_unprepared("ALTER TABLE leads DISABLE ROW LEVEL SECURITY")
        .await
        .expect_err("no DDL");
    assert!(ddl.to_string().contains("owner"), "{ddl}");
    let migrations = pool
        .execute_unprepared("SELECT * FROM seaql_migrations")
        .await
        .expect_err("the migrations table is the owner's");
    assert!(
        migrations.to_string().contains("permission denied"),
        "{migrations}"
    );
    let _ = pool.close().await;
    // A role that would skip row-level security is refused.
    let refused = switchboard_server::roles::grant(&test.db, "postgres", None)
        .await
        .expect_err("a superuser is refused");
    assert!(refused.to_string().contains("BYPASSRLS"), "{refused}");
    let cleanup = test.db.begin().await.expect("cleanup");
    let _ = cleanup
        .execute_unprepared(&format!("DROP OWNED BY {role}"))
        .await;
    let _ = cleanup.commit().await;
    let _ = test
        .db
        .execute_unprepared(&format!(
            "REVOKE ALL ON DATABASE \"{}\" FROM {role}",
            test.url.rsplit('/').next().unwrap_or_default()
        ))
        .await;
    let _ = test
        .db
        .execute_unprepared(&format!("DROP ROLE {role}"))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_grant_is_refused_on_sqlite_and_for_odd_role_names() {
    let test = TestDb::migrated(Backend::Sqlite).await;
    let sqlite = switchboard_server::roles::grant(&test.db, "runtime", None)
        .await
        .expect_err("SQLite has no roles");
    assert!(sqlite.to_string().contains("PostgreSQL"), "{sqlite}");
    let odd = switchboard_server::roles::grant_statements("x; DROP TABLE leads", "db", None)
        .expect_err("not an identifier");
    assert!(odd.to_string().contains("--role"), "{odd}");
}
