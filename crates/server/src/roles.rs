//! The PostgreSQL roles Switchboard runs as: the owner, which migrates and
//! serves the privileged path, and the runtime role, which serves requests
//! under row-level security (`switchboard db grant` makes it).

use anyhow::{Context, bail};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use secrecy::{ExposeSecret, SecretString};

/// A role name safe to put in SQL unquoted-by-value: PostgreSQL's plain
/// identifiers (lower-case letters, digits, `_`, not starting with a digit).
pub fn role_name(name: &str) -> anyhow::Result<&str> {
    let plain = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if !plain {
        bail!(
            "--role takes lower-case letters, digits and `_` (at most 63, not starting with a digit)"
        );
    }
    if name.starts_with("pg_") {
        bail!("role names starting with pg_ are reserved by PostgreSQL");
    }
    Ok(name)
}

/// `text` as a SQL string literal.
fn literal(text: &str) -> anyhow::Result<String> {
    if text.contains('\0') {
        bail!("a password cannot contain a NUL character");
    }
    Ok(format!("'{}'", text.replace('\'', "''")))
}

/// The statements that create `role` if missing and grant it what the
/// server needs in `database` — and nothing more: no DDL, no ownership, no
/// TRUNCATE, no migrations table.
pub fn grant_statements(
    role: &str,
    database: &str,
    password: Option<&SecretString>,
) -> anyhow::Result<Vec<String>> {
    let role = role_name(role)?;
    let password = match password {
        Some(password) => format!(" PASSWORD {}", literal(password.expose_secret())?),
        None => String::new(),
    };
    let database = database.replace('"', "\"\"");
    Ok(vec![
        format!(
            "DO $grant$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN \
             CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE{password}; \
             END IF; END $grant$"
        ),
        format!("GRANT CONNECT ON DATABASE \"{database}\" TO {role}"),
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"),
        format!(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public \
             GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
        ),
        format!(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}"
        ),
        format!(
            "DO $grant$ BEGIN IF to_regclass('public.seaql_migrations') IS NOT NULL THEN \
             REVOKE ALL ON seaql_migrations FROM {role}; END IF; END $grant$"
        ),
    ])
}

/// Creates `role` if missing and grants it what it needs, on the database
/// `owner` is connected to. A role that would skip row-level security is
/// refused.
pub async fn grant(
    owner: &DatabaseConnection,
    role: &str,
    password: Option<&SecretString>,
) -> anyhow::Result<()> {
    if owner.get_database_backend() != DbBackend::Postgres {
        bail!("roles are a PostgreSQL matter: SQLite has one user and no row-level security");
    }
    let role = role_name(role)?;
    if let Some(row) = owner
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT rolsuper OR rolbypassrls AS bypasses FROM pg_roles WHERE rolname = $1",
            [role.into()],
        ))
        .await?
        && row.try_get::<bool>("", "bypasses")?
    {
        bail!(
            "the role {role} is a superuser or has BYPASSRLS: row-level security would not bind it; pick another role"
        );
    }
    let database = current_database(owner).await?;
    for statement in grant_statements(role, &database, password)? {
        owner
            .execute_unprepared(&statement)
            .await
            .with_context(|| format!("granting to {role} failed"))?;
    }
    Ok(())
}

async fn current_database(db: &DatabaseConnection) -> anyhow::Result<String> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_database() AS name",
        ))
        .await?
        .context("current_database() answered nothing")?;
    Ok(row.try_get::<String>("", "name")?)
}

/// Whether row-level security binds the role `db` connects as: PostgreSQL,
/// and a role that is neither a superuser nor BYPASSRLS nor the tables'
/// owner (whom m0010 lets through).
pub async fn row_level_security_binds(db: &DatabaseConnection) -> anyhow::Result<bool> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(false);
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT NOT (r.rolsuper OR r.rolbypassrls OR pg_has_role(current_user, c.relowner, 'USAGE')) AS binds \
             FROM pg_roles r, pg_class c \
             WHERE r.rolname = current_user AND c.oid = 'public.leads'::regclass",
        ))
        .await?
        .context("the role check answered nothing")?;
    Ok(row.try_get::<bool>("", "binds")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_plain_identifiers() {
        assert!(role_name("switchboard_app").is_ok());
        for bad in ["", "App", "x;drop", "1x", "pg_x", "a\"b", &"x".repeat(64)] {
            assert!(role_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_quoted_as_literals() {
        let statements = grant_statements(
            "runtime",
            "db",
            Some(&SecretString::from("it's; DROP TABLE x")),
        )
        .expect("statements");
        assert!(statements[0].contains("PASSWORD 'it''s; DROP TABLE x'"));
        assert!(grant_statements("runtime", "db", Some(&SecretString::from("a\0b"))).is_err());
    }

    #[test]
    fn the_runtime_role_gets_rows_but_no_ddl() {
        let sql = grant_statements("runtime", "db", None)
            .expect("statements")
            .join(";\n");
        assert!(sql.contains("NOBYPASSRLS"));
        assert!(sql.contains("NOSUPERUSER"));
        assert!(!sql.contains("TRUNCATE"));
        assert!(!sql.contains("ALL PRIVILEGES"));
        assert!(!sql.contains("PASSWORD"));
    }
}
