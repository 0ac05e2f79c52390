//! A small SQL tokenizer, just enough to tell code from literals and comments.
//!
//! It follows PostgreSQL's lexical rules, the dialect migrations are written
//! in: block comments nest, `E'...'` strings take backslash escapes and
//! `$tag$ ... $tag$` quotes a string verbatim. Comments are stripped before
//! SQLite sees a script, so its non-nesting comments never matter. Tokens
//! cover the input exactly: concatenating their texts gives it back.

use std::fmt;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Spaces, tabs and line breaks.
    Space,
    /// An unquoted identifier or keyword.
    Word,
    /// A numeric literal (and whatever letters stick to it).
    Number,
    /// `'...'`, with `''` for a quote; or `E'...'`, which also takes `\'`.
    String,
    /// `$$...$$` or `$tag$...$tag$`.
    DollarString,
    /// `"..."`, with `""` for a quote.
    QuotedIdent,
    /// `$1`.
    Param,
    /// `-- ...` up to, not including, the line break.
    LineComment,
    /// `/* ... */`, nested ones included.
    BlockComment,
    /// Any other single character: `;`, `(`, `,`, an operator's character...
    Punct,
}

/// One token: its kind, its text and where the text starts in the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
    pub start: usize,
}

impl Token<'_> {
    /// Whether this is the single character `ch` outside any literal.
    pub fn is_punct(&self, ch: char) -> bool {
        self.kind == Kind::Punct && self.text.len() == 1 && self.text.starts_with(ch)
    }

    /// Whether this is the unquoted word `word`, matched case-sensitively
    /// (scripts write types upper case, and `date(...)` is not `DATE`).
    pub fn is_word(&self, word: &str) -> bool {
        self.kind == Kind::Word && self.text == word
    }

    pub fn is_comment(&self) -> bool {
        matches!(self.kind, Kind::LineComment | Kind::BlockComment)
    }
}

/// A literal or comment that the input ends inside of.
#[derive(Debug, PartialEq, Eq)]
pub struct Unterminated {
    pub what: &'static str,
    /// 1-based line where it starts.
    pub line: usize,
}

impl fmt::Display for Unterminated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unterminated {} starting on line {}",
            self.what, self.line
        )
    }
}

/// Splits `sql` into tokens.
pub fn tokenize(sql: &str) -> Result<Vec<Token<'_>>, Unterminated> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let (kind, end) = scan(bytes, at).map_err(|what| Unterminated {
            what,
            line: 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count(),
        })?;
        // Every token ends before an ASCII byte or at the end, so `end` is a
        // char boundary.
        tokens.push(Token {
            kind,
            text: &sql[at..end],
            start: at,
        });
        at = end;
    }
    Ok(tokens)
}

/// The token starting at `at`: its kind and end.
fn scan(bytes: &[u8], at: usize) -> Result<(Kind, usize), &'static str> {
    let next = bytes.get(at + 1).copied();
    Ok(match bytes[at] {
        b if is_space(b) => (Kind::Space, run(bytes, at, is_space)),
        b'-' if next == Some(b'-') => {
            let end = bytes[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |n| at + n);
            (Kind::LineComment, end)
        }
        b'/' if next == Some(b'*') => (Kind::BlockComment, block_comment(bytes, at)?),
        b'\'' => (
            Kind::String,
            quoted(bytes, at, b'\'', false).ok_or("string")?,
        ),
        b'"' => (
            Kind::QuotedIdent,
            quoted(bytes, at, b'"', false).ok_or("quoted identifier")?,
        ),
        b'$' if next.is_some_and(|b| b.is_ascii_digit()) => {
            (Kind::Param, run(bytes, at + 1, |b| b.is_ascii_digit()))
        }
        b'$' => match dollar_tag(bytes, at) {
            Some(tag_end) => (Kind::DollarString, dollar_string(bytes, at, tag_end)?),
            None => (Kind::Punct, at + 1),
        },
        b if b.is_ascii_digit() => (Kind::Number, run(bytes, at, |b| is_ident(b) || b == b'.')),
        b if is_ident_start(b) => {
            let end = run(bytes, at, |b| is_ident(b) || b == b'$');
            // `E'...'` is one token, an escape string; `xE'...'` is not.
            if end == at + 1 && matches!(b, b'E' | b'e') && next == Some(b'\'') {
                let end = quoted(bytes, at + 1, b'\'', true).ok_or("escape string")?;
                (Kind::String, end)
            } else {
                (Kind::Word, end)
            }
        }
        // A lone byte: ASCII here, since non-ASCII bytes are identifier ones.
        _ => (Kind::Punct, at + 1),
    })
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// PostgreSQL takes any non-ASCII character as a letter.
fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit()
}

/// The end of the run of bytes from `at` that satisfy `keep`.
fn run(bytes: &[u8], at: usize, keep: impl Fn(u8) -> bool) -> usize {
    bytes[at..]
        .iter()
        .position(|&b| !keep(b))
        .map_or(bytes.len(), |n| at + n)
}

/// The end of the literal opening with `quote` at `at`, a doubled quote
/// standing for itself (and, with `backslash`, `\` escaping any byte).
fn quoted(bytes: &[u8], at: usize, quote: u8, backslash: bool) -> Option<usize> {
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if backslash => i += 2,
            b if b == quote && bytes.get(i + 1) == Some(&quote) => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The end of the block comment at `at`; PostgreSQL nests them.
fn block_comment(bytes: &[u8], at: usize) -> Result<usize, &'static str> {
    let mut depth = 0usize;
    let mut i = at;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Ok(i);
                }
            }
            _ => i += 1,
        }
    }
    Err("block comment")
}

/// The end of the `$tag$` opening at `at`, if one does: `$` and an optional
/// identifier without `$`, then `$`.
fn dollar_tag(bytes: &[u8], at: usize) -> Option<usize> {
    let tag_start = at + 1;
    let tag_end = match bytes.get(tag_start) {
        Some(&b) if is_ident_start(b) => run(bytes, tag_start, is_ident),
        _ => tag_start,
    };
    (bytes.get(tag_end) == Some(&b'$')).then_some(tag_end + 1)
}

/// The end of the dollar-quoted string whose opening tag spans `at..tag_end`:
/// just past the next occurrence of that same tag.
fn dollar_string(bytes: &[u8], at: usize, tag_end: usize) -> Result<usize, &'static str> {
    let tag = &bytes[at..tag_end];
    bytes[tag_end..]
        .windows(tag.len())
        .position(|window| window == tag)
        .map(|n| tag_end + n + tag.len())
        .ok_or("dollar-quoted string")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(Kind, &str)> {
        let tokens = tokenize(sql).expect("tokenizes");
        assert_eq!(
            tokens.iter().map(|t| t.text).collect::<String>(),
            sql,
            "tokens cover the input"
        );
        tokens
            .into_iter()
            .filter(|t| t.kind != Kind::Space)
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn strings_keep_semicolons_dashes_and_doubled_quotes() {
        assert_eq!(
            kinds("SELECT 'a;b -- c /* d', 'it''s';"),
            vec![
                (Kind::Word, "SELECT"),
                (Kind::String, "'a;b -- c /* d'"),
                (Kind::Punct, ","),
                (Kind::String, "'it''s'"),
                (Kind::Punct, ";"),
            ]
        );
        assert_eq!(kinds("''''"), vec![(Kind::String, "''''")]);
    }

    #[test]
    fn escape_strings_take_backslashes_only_after_a_lone_e() {
        assert_eq!(
            kinds(r"E'a\'; b\\' e'\''"),
            vec![(Kind::String, r"E'a\'; b\\'"), (Kind::String, r"e'\''")]
        );
        // In a standard string a backslash is just a character.
        assert_eq!(
            kinds(r"'a\' x"),
            vec![(Kind::String, r"'a\'"), (Kind::Word, "x")]
        );
        assert_eq!(
            kinds("TYPE'x'"),
            vec![(Kind::Word, "TYPE"), (Kind::String, "'x'")]
        );
    }

    #[test]
    fn quoted_identifiers_keep_semicolons_and_doubled_quotes() {
        assert_eq!(
            kinds(r#"SELECT "a;""b--" FROM t"#),
            vec![
                (Kind::Word, "SELECT"),
                (Kind::QuotedIdent, r#""a;""b--""#),
                (Kind::Word, "FROM"),
                (Kind::Word, "t"),
            ]
        );
    }

    #[test]
    fn comments_end_at_the_line_break_or_the_matching_close() {
        assert_eq!(
            kinds("a -- x; 'y\nb /* c /* d; */ e' */ f"),
            vec![
                (Kind::Word, "a"),
                (Kind::LineComment, "-- x; 'y"),
                (Kind::Word, "b"),
                (Kind::BlockComment, "/* c /* d; */ e' */"),
                (Kind::Word, "f"),
            ]
        );
        assert_eq!(kinds("-- last"), vec![(Kind::LineComment, "-- last")]);
    }

    #[test]
    fn dollar_quotes_run_to_the_same_tag() {
        assert_eq!(
            kinds("AS $$ a; $x$ -- ' $$; $fn$ b $$ c; $fn$"),
            vec![
                (Kind::Word, "AS"),
                (Kind::DollarString, "$$ a; $x$ -- ' $$"),
                (Kind::Punct, ";"),
                (Kind::DollarString, "$fn$ b $$ c; $fn$"),
            ]
        );
    }

    #[test]
    fn dollars_that_open_no_quote() {
        assert_eq!(
            kinds("a$b$ $1 $2x"),
            vec![
                (Kind::Word, "a$b$"),
                (Kind::Param, "$1"),
                (Kind::Param, "$2"),
                (Kind::Word, "x"),
            ]
        );
        assert_eq!(kinds("$ 1"), vec![(Kind::Punct, "$"), (Kind::Number, "1")]);
    }

    #[test]
    fn words_numbers_and_punctuation() {
        assert_eq!(
            kinds("x::numeric*100.0/é_1"),
            vec![
                (Kind::Word, "x"),
                (Kind::Punct, ":"),
                (Kind::Punct, ":"),
                (Kind::Word, "numeric"),
                (Kind::Punct, "*"),
                (Kind::Number, "100.0"),
                (Kind::Punct, "/"),
                (Kind::Word, "é_1"),
            ]
        );
    }

    #[test]
    fn unterminated_literals_and_comments_are_errors() {
        for (sql, what) in [
            ("SELECT 'a", "string"),
            ("SELECT E'a\\'", "escape string"),
            ("SELECT \"a", "quoted identifier"),
            ("/* a /* b */", "block comment"),
            ("$x$ a $y$", "dollar-quoted string"),
        ] {
            assert_eq!(tokenize(sql), Err(Unterminated { what, line: 1 }), "{sql}");
        }
        let err = tokenize("a;\nb;\n'c").expect_err("unterminated");
        assert_eq!(err.to_string(), "unterminated string starting on line 3");
    }
}
