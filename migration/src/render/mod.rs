//! Renders a migration script, written in PostgreSQL's dialect, for a backend.
//!
//! Everything here works on [`tokenizer`] tokens, so string literals, quoted
//! identifiers, dollar-quoted bodies and comments are never mistaken for code.

mod tokenizer;

use std::ops::Range;

use sea_orm_migration::prelude::DbErr;
use sea_orm_migration::sea_orm::DbBackend;

use tokenizer::{Kind, Token, tokenize};

/// Splits `script` into statements for `backend`.
///
/// - Lines between `-- @postgres` and `-- @end` are kept on PostgreSQL only;
///   lines between `-- @sqlite` and `-- @end` on SQLite only. A marker is a
///   comment alone on its line; blocks do not nest.
/// - Comments are dropped. Statements end at a `;` outside parentheses and
///   outside the `BEGIN ... END` body of a trigger or function.
/// - On SQLite, PostgreSQL types become their SQLite storage classes (`UUID`
///   as BLOB, which is how sqlx binds a `Uuid`; timestamps, dates and times as
///   ISO-8601 TEXT; JSONB as TEXT), `now()` becomes an RFC 3339 UTC string and
///   `jsonb_typeof` becomes `json_type`. Words match case-sensitively and
///   whole, and never inside a literal or a quoted identifier.
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
    // Two passes: blocks come and go by whole lines, while the statements are
    // read from what is left, as the backend will see it.
    let kept = keep(script, postgres)?;
    let tokens = tokenize(&kept).map_err(|err| DbErr::Migration(err.to_string()))?;
    Ok(statements(&tokens, postgres))
}

/// A `-- @...` marker line.
#[derive(Clone, Copy)]
enum Marker {
    /// `-- @postgres` (true) or `-- @sqlite` (false).
    Only(bool),
    End,
}

/// `script` without its comments and without the other backend's blocks.
///
/// Marker lines go whole, line break included, so what is kept reads as the
/// script's own lines.
fn keep(script: &str, postgres: bool) -> Result<String, DbErr> {
    let tokens = tokenize(script).map_err(|err| DbErr::Migration(err.to_string()))?;
    let mut out = String::with_capacity(script.len());
    let mut copied = 0; // script[..copied] is in `out` or cut.
    let mut cut = |range: Range<usize>, with: &str| {
        out.push_str(&script[copied..range.start]);
        out.push_str(with);
        copied = range.end;
    };
    // The open block: whether it is PostgreSQL's, and where its marker line starts.
    let mut block: Option<(bool, usize)> = None;
    for token in tokens.iter().filter(|t| t.is_comment()) {
        let Some((marker, line)) = marker(script, token) else {
            if block.is_none_or(|(pg, _)| pg == postgres) {
                // A block comment may sit between two words: keep them apart.
                let with = if token.kind == Kind::BlockComment {
                    " "
                } else {
                    ""
                };
                cut(token.start..token.start + token.text.len(), with);
            }
            continue;
        };
        let at_line = || 1 + script[..token.start].matches('\n').count();
        match (marker, block) {
            (Marker::Only(pg), None) => {
                block = Some((pg, line.start));
                if pg == postgres {
                    cut(line, "");
                }
            }
            (Marker::End, Some((pg, start))) => {
                block = None;
                let dropped = if pg == postgres {
                    line
                } else {
                    start..line.end
                };
                cut(dropped, "");
            }
            (Marker::Only(_), Some(_)) => {
                return Err(DbErr::Migration(format!(
                    "line {}: a `-- @postgres` or `-- @sqlite` block is already open",
                    at_line()
                )));
            }
            (Marker::End, None) => {
                return Err(DbErr::Migration(format!(
                    "line {}: `-- @end` closes no block",
                    at_line()
                )));
            }
        }
    }
    if block.is_some() {
        return Err(DbErr::Migration(
            "a `-- @postgres` or `-- @sqlite` block has no `-- @end`".to_owned(),
        ));
    }
    out.push_str(&script[copied..]);
    Ok(out)
}

/// The marker `token` is, if it is one, and the span of its line.
fn marker(script: &str, token: &Token<'_>) -> Option<(Marker, Range<usize>)> {
    if token.kind != Kind::LineComment {
        return None;
    }
    let marker = match token.text.trim_end() {
        "-- @postgres" => Marker::Only(true),
        "-- @sqlite" => Marker::Only(false),
        "-- @end" => Marker::End,
        _ => return None,
    };
    let start = script[..token.start].rfind('\n').map_or(0, |n| n + 1);
    if !script[start..token.start].trim().is_empty() {
        return None; // A comment after code on its line is just a comment.
    }
    let end = token.start + token.text.len();
    let end = if script[end..].starts_with('\n') {
        end + 1
    } else {
        end
    };
    Some((marker, start..end))
}

/// The statements of `tokens` (a script without comments), rendered.
fn statements(tokens: &[Token<'_>], postgres: bool) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut nesting = Nesting::default();
    let mut finish = |current: &mut String| {
        let statement = current.trim();
        if !statement.is_empty() {
            statements.push(statement.to_owned());
        }
        current.clear();
    };
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].is_punct(';') && nesting.at_top() {
            finish(&mut current);
            nesting = Nesting::default();
            i += 1;
            continue;
        }
        let next = translate(tokens, i, postgres, &mut current);
        tokens[i..next].iter().for_each(|t| nesting.see(t));
        i = next;
    }
    finish(&mut current);
    statements
}

/// Where in a statement a `;` does not end it: inside parentheses, or inside
/// the `BEGIN ... END` body of a trigger (SQLite) or of a SQL-standard function
/// (PostgreSQL's `BEGIN ATOMIC`). Like psql, it counts `CASE` as opening a
/// block there, since it also closes with `END`.
#[derive(Default)]
struct Nesting {
    parens: usize,
    /// The statement's first words, lower case.
    lead: Vec<String>,
    body: usize,
}

impl Nesting {
    fn at_top(&self) -> bool {
        self.parens == 0 && self.body == 0
    }

    fn see(&mut self, token: &Token<'_>) {
        if token.is_punct('(') {
            self.parens += 1;
        } else if token.is_punct(')') {
            self.parens = self.parens.saturating_sub(1);
        } else if token.kind == Kind::Word {
            let word = token.text.to_ascii_lowercase();
            if self.lead.len() < 5 {
                self.lead.push(word.clone());
            }
            if self.parens > 0 || !self.has_body() {
                return;
            }
            match word.as_str() {
                "begin" => self.body += 1,
                "case" if self.body > 0 => self.body += 1,
                "end" => self.body = self.body.saturating_sub(1),
                _ => {}
            }
        }
    }

    /// `CREATE [OR REPLACE] [TEMP | TEMPORARY | CONSTRAINT] {TRIGGER | FUNCTION | PROCEDURE}`.
    fn has_body(&self) -> bool {
        let mut words = self.lead.iter().map(String::as_str);
        if words.next() != Some("create") {
            return false;
        }
        let mut word = words.next();
        if word == Some("or") {
            words.next();
            word = words.next();
        }
        if matches!(word, Some("temp" | "temporary" | "constraint")) {
            word = words.next();
        }
        matches!(word, Some("trigger" | "function" | "procedure"))
    }
}

/// SQLite's spelling of PostgreSQL's types and functions, word for word.
const SQLITE_WORDS: &[(&str, &str)] = &[
    ("UUID", "BLOB"),
    ("TIMESTAMPTZ", "TEXT"),
    ("JSONB", "TEXT"),
    ("DATE", "TEXT"),
    ("TIME", "TEXT"),
    ("jsonb_typeof", "json_type"),
];

/// Appends token `i`, rendered, to `out` and returns the index of the token
/// after it: macros and two-word types take several.
fn translate(tokens: &[Token<'_>], i: usize, postgres: bool, out: &mut String) -> usize {
    let token = &tokens[i];
    if token.kind != Kind::Word {
        out.push_str(token.text);
        return i + 1;
    }
    let followed_by = |n: usize, ch: char| tokens.get(i + n).is_some_and(|t| t.is_punct(ch));
    if token.is_word("E164")
        && followed_by(1, '(')
        && let Some(close) = closing_paren(tokens, i + 1)
    {
        let mut col = String::new();
        let mut j = i + 2;
        while j < close {
            j = translate(tokens, j, postgres, &mut col);
        }
        out.push_str(&e164(col.trim(), postgres));
        return close + 1;
    }
    if token.is_word("FK_LEAD_AUTO_CREATED_CALL") {
        if postgres {
            // Nothing here, and no space left before the `,`.
            if out.ends_with(' ') {
                out.pop();
            }
        } else {
            out.push_str("REFERENCES calls (id) ON DELETE SET NULL");
        }
        return i + 1;
    }
    if postgres {
        out.push_str(token.text);
        return i + 1;
    }
    if token.is_word("now") && followed_by(1, '(') && followed_by(2, ')') {
        out.push_str("(strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'))");
        return i + 3;
    }
    let after = |from: usize| significant(tokens, from);
    if token.is_word("DOUBLE")
        && let Some(j) = after(i + 1)
        && tokens[j].is_word("PRECISION")
    {
        out.push_str("REAL");
        return j + 1;
    }
    if token.is_word("PRIMARY")
        && let Some(key) = after(i + 1)
        && tokens[key].is_word("KEY")
        && after(key + 1).is_none_or(|j| !tokens[j].is_punct('('))
    {
        // A column's primary key (not the table's, which lists columns):
        // SQLite lets a non-INTEGER primary key hold NULL unless told otherwise.
        out.push_str("NOT NULL ");
    }
    let word = SQLITE_WORDS
        .iter()
        .find(|(from, _)| *from == token.text)
        .map_or(token.text, |(_, to)| to);
    out.push_str(word);
    i + 1
}

/// The index of the first token from `from` on that is not white space.
fn significant(tokens: &[Token<'_>], from: usize) -> Option<usize> {
    (from..tokens.len()).find(|&j| tokens[j].kind != Kind::Space)
}

/// The index of the `)` matching the `(` at `open`.
fn closing_paren(tokens: &[Token<'_>], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (j, token) in tokens.iter().enumerate().skip(open) {
        if token.is_punct('(') {
            depth += 1;
        } else if token.is_punct(')') {
            depth -= 1;
            if depth == 0 {
                return Some(j);
            }
        }
    }
    None
}

fn e164(col: &str, postgres: bool) -> String {
    if postgres {
        format!("{col} ~ '^\\+[1-9][0-9]{{6,14}}$'")
    } else {
        format!(
            "{col} GLOB '+[1-9]*' AND NOT substr({col}, 2) GLOB '*[^0-9]*' AND length({col}) BETWEEN 8 AND 16"
        )
    }
}

#[cfg(test)]
mod tests;
