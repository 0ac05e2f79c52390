use super::*;

fn pg(script: &str) -> Vec<String> {
    render(script, DbBackend::Postgres).expect("renders for PostgreSQL")
}

fn lite(script: &str) -> Vec<String> {
    render(script, DbBackend::Sqlite).expect("renders for SQLite")
}

fn both(script: &str) -> [Vec<String>; 2] {
    [pg(script), lite(script)]
}

#[test]
fn postgres_blocks_are_dropped_on_sqlite_and_types_are_mapped() {
    let script = "CREATE TABLE t (id UUID, at TIMESTAMPTZ DEFAULT now(), d DATE);\n-- @postgres\nCREATE INDEX x ON t USING GIN (d);\n-- @end\n";
    let sqlite = lite(script);
    assert_eq!(sqlite.len(), 1);
    assert!(sqlite[0].contains("id BLOB"));
    assert!(sqlite[0].contains("at TEXT DEFAULT (strftime"));
    assert!(sqlite[0].contains("d TEXT"));
    let postgres = pg(script);
    assert_eq!(postgres.len(), 2);
    assert!(postgres[0].contains("id UUID"));
}

#[test]
fn words_inside_string_literals_are_left_alone() {
    assert_eq!(lite("SELECT 'UUID' AS UUID;"), ["SELECT 'UUID' AS BLOB"]);
}

#[test]
fn e164_expands_per_backend() {
    let pg = pg("CHECK (E164(phone))");
    assert!(pg[0].contains("phone ~ '^\\+[1-9][0-9]{6,14}$'"));
    let lite = lite("CHECK (E164(phone))");
    assert!(lite[0].contains("phone GLOB '+[1-9]*'"));
}

#[test]
fn semicolons_and_dashes_inside_string_literals() {
    let script = "INSERT INTO t VALUES ('a;b -- c', 'it''s; -- UUID', E'x\\'; --');\nSELECT 1";
    for rendered in both(script) {
        assert_eq!(
            rendered,
            [
                "INSERT INTO t VALUES ('a;b -- c', 'it''s; -- UUID', E'x\\'; --')",
                "SELECT 1"
            ]
        );
    }
}

#[test]
fn semicolons_and_dashes_inside_quoted_identifiers() {
    let script = r#"CREATE TABLE "a;b" ("UUID--x" UUID, "y""; DATE" DATE);"#;
    assert_eq!(pg(script), [&script[..script.len() - 1]]);
    assert_eq!(
        lite(script),
        [r#"CREATE TABLE "a;b" ("UUID--x" BLOB, "y""; DATE" TEXT)"#]
    );
}

#[test]
fn dollar_quoted_bodies_are_one_statement_and_left_alone() {
    let function = "CREATE FUNCTION touch() RETURNS trigger AS $$\nBEGIN\n    -- not a comment to strip; nor 'a quote\n    NEW.updated_at := now();\n    RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql";
    let tagged = "DO $fn$ BEGIN PERFORM 'x$$;'; END $fn$";
    let script = format!("{function};\n{tagged};\nSELECT 2;");
    assert_eq!(pg(&script), [function, tagged, "SELECT 2"]);
    let sqlite = lite(&script);
    assert!(sqlite[0].contains("NEW.updated_at := now();"), "{sqlite:?}");
    assert_eq!(sqlite[1], tagged);
}

#[test]
fn block_comments_nested_or_not_are_dropped() {
    let script = "CREATE /* a; 'b */ TABLE t (d /* x /* y; */ z; */ DATE); /* trailing; */";
    assert_eq!(pg(script), ["CREATE   TABLE t (d   DATE)"]);
    assert_eq!(lite(script), ["CREATE   TABLE t (d   TEXT)"]);
}

#[test]
fn line_comments_are_dropped_up_to_the_line_break() {
    let script = "SELECT 1, -- one; two\n  2 -- 'three\n;";
    for rendered in both(script) {
        assert_eq!(rendered, ["SELECT 1, \n  2"]);
    }
}

#[test]
fn trailing_and_empty_statements() {
    for rendered in both(";; SELECT 1;\n ; \n;SELECT 2") {
        assert_eq!(rendered, ["SELECT 1", "SELECT 2"]);
    }
    for rendered in both("  -- only a comment\n ;") {
        assert!(rendered.is_empty(), "{rendered:?}");
    }
}

#[test]
fn sqlite_substitutions_apply_only_outside_literals() {
    let script = r#"SELECT now(), 'now()', "now()", $$now()$$, E'now()\'', CAST(x AS DOUBLE PRECISION), 'DOUBLE PRECISION', "DATE", DATE, date(x), jsonb_typeof(j), 'jsonb_typeof', TIMEZONE, xUUID"#;
    assert_eq!(
        lite(script),
        [
            r#"SELECT (strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')), 'now()', "now()", $$now()$$, E'now()\'', CAST(x AS REAL), 'DOUBLE PRECISION', "DATE", TEXT, date(x), json_type(j), 'jsonb_typeof', TIMEZONE, xUUID"#
        ]
    );
    assert_eq!(pg(script), [script]);
}

#[test]
fn macros_expand_only_outside_literals() {
    let script = "CHECK (E164(phone) AND note <> 'E164(x)'), c UUID FK_LEAD_AUTO_CREATED_CALL, \"FK_LEAD_AUTO_CREATED_CALL\" TEXT";
    let pg = pg(script);
    assert_eq!(
        pg,
        [
            "CHECK (phone ~ '^\\+[1-9][0-9]{6,14}$' AND note <> 'E164(x)'), c UUID, \"FK_LEAD_AUTO_CREATED_CALL\" TEXT"
        ]
    );
    let lite = lite(script);
    assert!(
        lite[0].ends_with(
            "AND note <> 'E164(x)'), c BLOB REFERENCES calls (id) ON DELETE SET NULL, \"FK_LEAD_AUTO_CREATED_CALL\" TEXT"
        ),
        "{lite:?}"
    );
}

#[test]
fn column_primary_keys_are_not_null_on_sqlite() {
    let script = "CREATE TABLE t (id UUID PRIMARY KEY, a TEXT);\nCREATE TABLE u (a TEXT, id TEXT PRIMARY KEY);\nCREATE TABLE v (a TEXT, b TEXT, PRIMARY KEY (a, b));";
    assert_eq!(
        lite(script),
        [
            "CREATE TABLE t (id BLOB NOT NULL PRIMARY KEY, a TEXT)",
            "CREATE TABLE u (a TEXT, id TEXT NOT NULL PRIMARY KEY)",
            "CREATE TABLE v (a TEXT, b TEXT, PRIMARY KEY (a, b))",
        ]
    );
}

#[test]
fn markers_count_only_as_comments_alone_on_their_line() {
    let script = "SELECT '\n-- @postgres\n';\nSELECT $$\n-- @sqlite\n$$;\n/*\n-- @end\n*/\nSELECT 1; -- @postgres\nSELECT 2;";
    for rendered in both(script) {
        assert_eq!(
            rendered,
            [
                "SELECT '\n-- @postgres\n'",
                "SELECT $$\n-- @sqlite\n$$",
                "SELECT 1",
                "SELECT 2"
            ]
        );
    }
}

#[test]
fn per_backend_blocks_may_sit_inside_a_statement() {
    let script = "CREATE TABLE t (\n    a INT,\n    -- @postgres\n    b INT\n    -- @end\n    -- @sqlite\n    c INT\n    -- @end  \n);";
    assert_eq!(pg(script), ["CREATE TABLE t (\n    a INT,\n    b INT\n)"]);
    assert_eq!(lite(script), ["CREATE TABLE t (\n    a INT,\n    c INT\n)"]);
}

#[test]
fn unbalanced_markers_and_unterminated_literals_are_errors() {
    for script in [
        "-- @postgres\nSELECT 1;\n-- @sqlite\n-- @end\n",
        "SELECT 1;\n-- @end\n",
        "-- @sqlite\nSELECT 1;\n",
        "SELECT 'a;\n",
        "SELECT $x$ a;\n",
        "/* /* */ SELECT 1;\n",
    ] {
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            assert!(
                render(script, backend).is_err(),
                "{script:?} on {backend:?}"
            );
        }
    }
}

#[test]
fn trigger_and_atomic_bodies_keep_their_semicolons() {
    let trigger = "CREATE TEMP TRIGGER t_touch AFTER UPDATE ON t BEGIN\n    UPDATE t SET n = CASE WHEN n > 0 THEN 1 ELSE 0 END WHERE id = NEW.id;\n    UPDATE u SET at = now();\nEND";
    let rendered = lite(&format!("{trigger};\nSELECT 1;"));
    assert_eq!(rendered.len(), 2, "{rendered:?}");
    assert!(rendered[0].ends_with("strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'));\nEND"));
    let atomic =
        "CREATE OR REPLACE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END";
    assert_eq!(pg(&format!("{atomic};\nSELECT 1")), [atomic, "SELECT 1"]);
    // A transaction's BEGIN is a statement of its own.
    assert_eq!(pg("BEGIN; SELECT 1; END;"), ["BEGIN", "SELECT 1", "END"]);
}

#[test]
fn semicolons_inside_parentheses_do_not_split() {
    let rule = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))";
    assert_eq!(pg(&format!("{rule}; SELECT 1")), [rule, "SELECT 1"]);
}

#[test]
fn other_backends_are_refused() {
    assert!(render("SELECT 1", DbBackend::MySql).is_err());
}

/// Every migration renders on both backends (row-level security's are empty on
/// SQLite) into statements with no comment and no macro left.
#[test]
fn every_migration_renders_on_both_backends() {
    for script in crate::fingerprint_sources() {
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let statements = render(script, backend).expect("renders");
            for statement in statements {
                let tokens = tokenize(&statement).expect("tokenizes");
                assert!(
                    tokens.iter().all(|t| !t.is_comment()
                        && !t.is_word("E164")
                        && !t.is_word("FK_LEAD_AUTO_CREATED_CALL")),
                    "{backend:?}: {statement}"
                );
            }
        }
    }
}
