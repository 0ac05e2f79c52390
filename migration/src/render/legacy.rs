//! The text-substitution renderer this module replaced, kept only to check
//! that every existing migration renders exactly as it did.

use sea_orm_migration::prelude::DbErr;
use sea_orm_migration::sea_orm::DbBackend;

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
