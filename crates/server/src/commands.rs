//! What each `switchboard` command does.

use anyhow::{Context, bail};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use secrecy::ExposeSecret;
use switchboard_domain::secrets::SecretKey;
use switchboard_entity::enums::MembershipStatus;
use switchboard_entity::{organization_memberships, organizations, users};
use switchboard_migration::{Migrator, MigratorTrait};
use uuid::Uuid;

use crate::app::Application;
use crate::cli::{
    AnalyticsAction, Cli, Command, DatabaseArgs, DbAction, GrantArgs, MigrateAction, RotateArgs,
    SecretsAction, SeedArgs, ServeArgs, TokenArgs,
};
use crate::db;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(*args).await,
        Command::Migrate { action, database } => {
            let db = connect(&database.database_url).await?;
            migrate(&db, action).await
        }
        Command::Schema => {
            print!("{}", switchboard_graphql::sdl());
            Ok(())
        }
        Command::Token(args) => {
            println!("{}", token(args).await?);
            Ok(())
        }
        Command::Seed(args) => seed(args).await,
        Command::Analytics { action, database } => analytics(action, database).await,
        Command::Db {
            action: DbAction::Grant(args),
        } => db_grant(args).await,
        Command::Secrets {
            action: SecretsAction::Rotate(args),
        } => {
            let rotated = rotate_secrets(args).await?;
            println!("re-sealed {rotated} secret(s) with the new key");
            Ok(())
        }
    }
}

/// Re-seals every stored secret from the current key to the new one.
pub async fn rotate_secrets(args: RotateArgs) -> anyhow::Result<usize> {
    let current = SecretKey::from_base64(args.current_key.expose_secret())
        .context("the current key (SWITCHBOARD_SECRET_KEY)")?;
    let new =
        SecretKey::from_base64(args.new_key.expose_secret()).context("the new key (--new-key)")?;
    let db = connect(&args.database.database_url).await?;
    let rotated = crate::secrets::rotate(&db, &current, &new).await;
    let _ = db.close().await;
    rotated
}

async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    db::connect(url)
        .await
        .with_context(|| format!("cannot open the database at {}", db::redact_url(url)))
}

/// Creates the runtime role if missing and grants it what it needs (or
/// prints the SQL).
async fn db_grant(args: GrantArgs) -> anyhow::Result<()> {
    if args.print {
        let database = args
            .database
            .database_url
            .rsplit('/')
            .next()
            .and_then(|tail| tail.split('?').next())
            .unwrap_or("switchboard")
            .to_owned();
        for statement in
            crate::roles::grant_statements(&args.role, &database, args.password.as_ref())?
        {
            println!("{statement};");
        }
        return Ok(());
    }
    let owner = connect(&args.database.database_url).await?;
    let granted = crate::roles::grant(&owner, &args.role, args.password.as_ref()).await;
    let _ = owner.close().await;
    granted?;
    println!(
        "{} may now serve: switchboard serve --database-url <its URL> --migrate-database-url <this URL>",
        args.role
    );
    Ok(())
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    // Secrets and flags first: a refused setting fails before any I/O.
    let settings = crate::settings::from_args(&args)?;
    let url = &args.database.database_url;
    let owner_url = args
        .migrate_database_url
        .as_ref()
        .map_or(url, |owner| &owner.0);
    let (mut db, owner) = if url.starts_with("sqlite:") {
        if args.migrate_database_url.is_some() {
            bail!("--migrate-database-url is for PostgreSQL: SQLite has one user");
        }
        let db = connect(url).await?;
        db::migrate(&db).await.context("migrations failed")?;
        (db.clone(), db)
    } else {
        // Migrations may rightly outlast the API's statement timeout: they
        // run on a pool of their own, as the owner.
        let maintenance = connect(owner_url).await?;
        db::migrate(&maintenance)
            .await
            .context("migrations failed")?;
        let _ = maintenance.close().await;
        let open = |url: &str| {
            let url = url.to_owned();
            async move {
                db::connect_with(&url, settings.statement_timeout)
                    .await
                    .with_context(|| {
                        format!("cannot open the database at {}", db::redact_url(&url))
                    })
            }
        };
        let db = open(url).await?;
        let owner = if args.migrate_database_url.is_some() {
            open(owner_url).await?
        } else {
            db.clone()
        };
        (db, owner)
    };
    if crate::roles::row_level_security_binds(&db).await? {
        tracing::info!("requests run under row-level security (the runtime role)");
    } else if url.starts_with("sqlite:") {
        tracing::warn!(
            "row-level security is not enforced: SQLite has none, so tenants are kept \
             apart by the application alone; production runs on PostgreSQL"
        );
    } else {
        tracing::warn!(
            "row-level security is not enforced: requests run as a role that bypasses it \
             (a superuser, BYPASSRLS or the tables' owner), so tenants are kept apart by \
             the application alone. In production, serve as a runtime role \
             (switchboard db grant) with --migrate-database-url for the owner"
        );
    }
    crate::telemetry::metrics::count_statements(&mut db);
    let mut http = settings.http;
    if args.demo {
        let demo = switchboard_seed::demo(&owner, chrono::Utc::now())
            .await
            .context("loading the demo data failed")?;
        if demo.created {
            // Seeded rows bypass the write path: their rollups are computed once.
            switchboard_app::analytics::rollups::rebuild(
                &owner,
                Some(demo.organization_id),
                None,
                None,
            )
            .await
            .context("computing the demo's analytics failed")?;
            tracing::info!(organization = %demo.organization_id, "demo data loaded");
        }
        let token = switchboard_domain::auth::mint(
            http.jwt_secret.as_bytes(),
            demo.owner_id,
            demo.organization_id,
            chrono::Utc::now(),
            switchboard_domain::auth::MAX_TOKEN_LIFETIME,
        )?;
        http.graphiql_token = Some(token);
    }
    let stop = shutdown_signal();
    let databases = crate::app::Databases { runtime: db, owner };
    let app = Application::bind(args.listen, databases, http.clone())
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = app.local_addr()?;
    tracing::info!(%addr, "switchboard listening");
    println!("GraphiQL:  http://{addr}/");
    println!("GraphQL:   http://{addr}/graphql");
    if let Some(token) = &http.graphiql_token {
        println!(
            "Dev login: owner@demo.switchboard.dev / {} (logIn), or every other demo member \
             (admin@, manager@, agent@, viewer@demo.switchboard.dev) with the same password",
            switchboard_seed::DEMO_PASSWORD
        );
        println!("Dev token (owner of the demo organization, 7 days):\n  {token}");
    }
    app.run_until(stop).await?;
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed when
/// it is called, not when first polled: a signal that comes once the server
/// says it listens stops it gracefully rather than killing the process.
fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (mut interrupt, mut terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let interrupt = async {
                match interrupt.as_mut() {
                    Some(signal) => signal.recv().await,
                    None => std::future::pending().await,
                }
            };
            let terminate = async {
                match terminate.as_mut() {
                    Some(signal) => signal.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = interrupt => {},
                _ = terminate => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down");
    }
}

async fn migrate(db: &DatabaseConnection, action: MigrateAction) -> anyhow::Result<()> {
    match action {
        MigrateAction::Up => Migrator::up(db, None).await?,
        MigrateAction::Down { steps } => Migrator::down(db, steps).await?,
        MigrateAction::Fresh => {
            Migrator::down(db, None).await?;
            Migrator::up(db, None).await?;
        }
        MigrateAction::Status => {}
    }
    for (name, applied) in db::migration_status(db).await? {
        println!("{} {name}", if applied { "applied" } else { "pending" });
    }
    Ok(())
}

/// Mints a token for an active member of an organization.
pub async fn token(args: TokenArgs) -> anyhow::Result<String> {
    let secret = args.jwt_secret.expose_secret();
    if secret.len() < crate::settings::MIN_JWT_SECRET_LEN {
        bail!(
            "SWITCHBOARD_JWT_SECRET is {} bytes; the server accepts only secrets of at least {}",
            secret.len(),
            crate::settings::MIN_JWT_SECRET_LEN
        );
    }
    let db = connect(&args.database.database_url).await?;
    let org = find_organization(&db, &args.org).await?;
    let user = match Uuid::parse_str(&args.user) {
        Ok(id) => users::Entity::find_by_id(id).one(&db).await?,
        Err(_) => {
            let email = args.user.to_lowercase();
            users::Entity::find()
                .filter(ExprTrait::eq(
                    Expr::expr(Func::lower(Expr::col(users::Column::Email))),
                    email,
                ))
                .one(&db)
                .await?
        }
    }
    .with_context(|| format!("no user `{}`", args.user))?;
    if !user.is_active {
        bail!("user {} is deactivated", user.email);
    }
    let membership = organization_memberships::Entity::find()
        .filter(organization_memberships::Column::OrganizationId.eq(org.id))
        .filter(organization_memberships::Column::UserId.eq(user.id))
        .one(&db)
        .await?
        .with_context(|| format!("{} is not a member of {}", user.email, org.slug))?;
    if membership.status != MembershipStatus::Active {
        bail!("{} is not an active member of {}", user.email, org.slug);
    }
    Ok(switchboard_domain::auth::mint(
        args.jwt_secret.expose_secret().as_bytes(),
        user.id,
        org.id,
        chrono::Utc::now(),
        args.ttl,
    )?)
}

async fn analytics(action: AnalyticsAction, database: DatabaseArgs) -> anyhow::Result<()> {
    let db = connect(&database.database_url).await?;
    match action {
        AnalyticsAction::Rebuild { org, from, to } => {
            if let (Some(from), Some(to)) = (from, to)
                && from > to
            {
                bail!("--from {from} is after --to {to}");
            }
            let organization = match org {
                None => None,
                Some(org) => Some(find_organization(&db, &org).await?.id),
            };
            let started = std::time::Instant::now();
            let rebuilt =
                switchboard_app::analytics::rollups::rebuild(&db, organization, from, to).await?;
            println!(
                "rebuilt {} organization(s) from {} ended call(s): {} organization day(s), {} agent day(s) in {:.1}s",
                rebuilt.organizations,
                rebuilt.calls,
                rebuilt.organization_rows,
                rebuilt.agent_rows,
                started.elapsed().as_secs_f64()
            );
            // The call summary's day counts, whole (PostgreSQL): checked
            // against `calls`, and corrected where they differ.
            if switchboard_app::analytics::day_counts::kept(db.get_database_backend()) {
                let started = std::time::Instant::now();
                let corrected =
                    switchboard_app::analytics::day_counts::rebuild(&db, organization).await?;
                println!(
                    "checked the call summary's day counts against calls: {corrected} bucket(s) corrected in {:.1}s",
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    Ok(())
}

/// An organization by id or slug.
async fn find_organization(
    db: &DatabaseConnection,
    org: &str,
) -> anyhow::Result<organizations::Model> {
    match Uuid::parse_str(org) {
        Ok(id) => organizations::Entity::find_by_id(id).one(db).await?,
        Err(_) => {
            organizations::Entity::find()
                .filter(organizations::Column::Slug.eq(org))
                .one(db)
                .await?
        }
    }
    .with_context(|| format!("no organization `{org}`"))
}

async fn seed(args: SeedArgs) -> anyhow::Result<()> {
    let db = connect(&args.database.database_url).await?;
    db::migrate(&db).await.context("migrations failed")?;
    if args.choice.demo {
        let demo = switchboard_seed::demo(&db, chrono::Utc::now()).await?;
        if demo.created {
            // Seeded rows bypass the write path: their rollups are computed once.
            switchboard_app::analytics::rollups::rebuild(
                &db,
                Some(demo.organization_id),
                None,
                None,
            )
            .await?;
            println!(
                "demo organization loaded: {} (slug `{}`)",
                demo.organization_id,
                switchboard_seed::DEMO_SLUG
            );
        } else {
            println!(
                "demo organization already present: {}",
                demo.organization_id
            );
        }
    }
    if let Some(scale) = args.choice.scale {
        let started = std::time::Instant::now();
        let summary = switchboard_seed::scale(&db, scale, args.random_seed, !args.quiet).await?;
        switchboard_app::analytics::rollups::rebuild(
            &db,
            Some(summary.organization_id),
            None,
            None,
        )
        .await?;
        // The seeded calls' day-count changes, folded now rather than by
        // the first server to start (PostgreSQL).
        if switchboard_app::analytics::day_counts::kept(db.get_database_backend()) {
            switchboard_app::analytics::day_counts::fold_all(&db).await?;
            switchboard_app::analytics::day_counts::vacuum(&db).await?;
        }
        println!(
            "scale {scale}: {} leads, {} calls, {} transcripts in {:.1}s (organization {})",
            summary.leads,
            summary.calls,
            summary.transcripts,
            started.elapsed().as_secs_f64(),
            summary.organization_id,
        );
        if args.customers {
            let started = std::time::Instant::now();
            let org = summary.organization_id;
            let written =
                switchboard_seed::customers(&db, org, scale, args.random_seed, !args.quiet).await?;
            // Scored as the application scores them (the hourly rescore's
            // statement); nobody listens for the events here.
            let txn = sea_orm::TransactionTrait::begin(&db).await?;
            let outbox = switchboard_app::events::Outbox::default();
            let now = chrono::Utc::now();
            let scored = switchboard_app::customers::rfm::rescore(&txn, &outbox, org, now).await?;
            txn.commit().await?;
            println!(
                "customers: {} ({} from leads, {} without orders), {} orders ({} paid or fulfilled, at most {} for one customer), {scored} scored in {:.1}s",
                written.customers,
                written.from_leads,
                written.without_orders,
                written.orders,
                written.counted_orders,
                written.most_orders,
                started.elapsed().as_secs_f64(),
            );
        }
    }
    Ok(())
}
