//! Renders a migration script, written in PostgreSQL's dialect, for a backend.

use sea_orm_migration::prelude::DbErr;
use sea_orm_migration::sea_orm::DbBackend;

/// Splits `script` into statements for `backend`.
///
/// - Lines between `-- @postgres` and `-- @end` are kept on PostgreSQL only;
///   lines between `-- @sqlite` and `-- @end` on SQLite only.
/// - On SQLite, PostgreSQL types become their SQLite storage classes (`UUID`
///   as BLOB, which is how sqlx binds a `Uuid`; timestamps, dates and times as
///   ISO-8601 TEXT; JSONB as TEXT), `now()` becomes an RFC 3339 UTC string and
///   `jsonb_typeof` becomes `json_type`.
/// - `E164(col)` expands to a check that `col` is an E.164 number.
/// - `FK_LEAD_AUTO_CREATED_CALL` is the forward reference from a lead to the
///   call that created it: inline on SQLite, which checks foreign keys lazily;
///   added by `ALTER TABLE` on PostgreSQL once `calls` exists.
pub fn render(script: &str, backend: DbBackend) -> Result<Vec<String>, DbErr> {
    let postgres = match backend {
        DbBackend::Postgres => true,
        DbBackend::Sqlite => false,
        other => {
            return Err(DbErr::Migration(format!(
                "{other:?} is not supported: use PostgreSQL or SQLite"
            )));
        }
    };
    let mut kept = String::with_capacity(script.len());
    let mut block: Option<bool> = None; // Some(true): a postgres block.
    for line in script.lines() {
        match line.trim() {
            "-- @postgres" => block = Some(true),
            "-- @sqlite" => block = Some(false),
            "-- @end" => block = None,
            _ if block.is_none_or(|pg_block| pg_block == postgres) => {
                let code = line.split("--").next().unwrap_or_default();
                kept.push_str(code);
                kept.push('\n');
            }
            _ => {}
        }
    }
    let text = expand_e164(&kept, postgres);
    let text = if postgres {
        text.replace(" FK_LEAD_AUTO_CREATED_CALL", "")
    } else {
        to_sqlite(&text)
    };
    Ok(text
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect())
}

fn expand_e164(text: &str, postgres: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("E164(") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 5..];
        let end = after.find(')').unwrap_or(after.len());
        let col = &after[..end];
        if postgres {
            out.push_str(&format!("{col} ~ '^\\+[1-9][0-9]{{6,14}}$'"));
        } else {
            out.push_str(&format!(
                "{col} GLOB '+[1-9]*' AND NOT substr({col}, 2) GLOB '*[^0-9]*' AND length({col}) BETWEEN 8 AND 16"
            ));
        }
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

fn to_sqlite(text: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("UUID", "BLOB"),
        ("TIMESTAMPTZ", "TEXT"),
        ("JSONB", "TEXT"),
        ("DATE", "TEXT"),
        ("TIME", "TEXT"),
        ("jsonb_typeof", "json_type"),
    ];
    let text = text
        .replace(
            " FK_LEAD_AUTO_CREATED_CALL",
            " REFERENCES calls (id) ON DELETE SET NULL",
        )
        .replace("DOUBLE PRECISION", "REAL")
        // SQLite lets a non-INTEGER primary key hold NULL unless told otherwise.
        .replace(" PRIMARY KEY,", " NOT NULL PRIMARY KEY,")
        .replace("now()", "(strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'))");
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let mapped = WORDS
            .iter()
            .find(|(from, _)| *from == word.as_str())
            .map_or(word.as_str(), |(_, to)| to);
        out.push_str(mapped);
        word.clear();
    };
    let mut in_string = false;
    for ch in text.chars() {
        if ch == '\'' {
            in_string = !in_string;
        }
        if !in_string && (ch.is_ascii_alphanumeric() || ch == '_') {
            word.push(ch);
        } else {
            flush(&mut word, &mut out);
            out.push(ch);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_blocks_are_dropped_on_sqlite_and_types_are_mapped() {
        let script = "CREATE TABLE t (id UUID, at TIMESTAMPTZ DEFAULT now(), d DATE);\n-- @postgres\nCREATE INDEX x ON t USING GIN (d);\n-- @end\n";
        let sqlite = render(script, DbBackend::Sqlite).expect("renders");
        assert_eq!(sqlite.len(), 1);
        assert!(sqlite[0].contains("id BLOB"));
        assert!(sqlite[0].contains("at TEXT DEFAULT (strftime"));
        assert!(sqlite[0].contains("d TEXT"));
        let postgres = render(script, DbBackend::Postgres).expect("renders");
        assert_eq!(postgres.len(), 2);
        assert!(postgres[0].contains("id UUID"));
    }

    #[test]
    fn words_inside_string_literals_are_left_alone() {
        let sqlite = render("SELECT 'UUID' AS UUID;", DbBackend::Sqlite).expect("renders");
        assert_eq!(sqlite, vec!["SELECT 'UUID' AS BLOB".to_owned()]);
    }

    #[test]
    fn e164_expands_per_backend() {
        let pg = render("CHECK (E164(phone))", DbBackend::Postgres).expect("renders");
        assert!(pg[0].contains("phone ~ '^\\+[1-9][0-9]{6,14}$'"));
        let lite = render("CHECK (E164(phone))", DbBackend::Sqlite).expect("renders");
        assert!(lite[0].contains("phone GLOB '+[1-9]*'"));
    }
}
