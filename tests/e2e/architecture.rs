//! The layers stay layers: `entity → domain → app → graphql → server`.
//!
//! The application crate must not know any transport, and the GraphQL crate
//! must not write or query the database itself: it translates, and
//! `switchboard-app` does the work. These tests read the workspace (cargo
//! metadata and the sources), so a change that crosses a layer fails here
//! with the place it happened.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_path_buf()
}

/// Every package reachable from `start` through normal (non-dev, non-build)
/// dependencies, by name.
fn normal_dependencies_of(start: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let names: HashMap<&str, &str> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap_or(""),
                p["name"].as_str().unwrap_or(""),
            )
        })
        .collect();
    let nodes: HashMap<&str, &serde_json::Value> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("a resolved graph")
        .iter()
        .map(|n| (n["id"].as_str().unwrap_or(""), n))
        .collect();
    let start_id = names
        .iter()
        .find(|(_, name)| **name == start)
        .map(|(id, _)| *id)
        .unwrap_or_else(|| panic!("no package {start}"));
    let mut seen = BTreeSet::new();
    let mut stack = vec![start_id];
    while let Some(id) = stack.pop() {
        let Some(node) = nodes.get(id) else { continue };
        for dep in node["deps"].as_array().into_iter().flatten() {
            let normal = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null());
            let dep_id = dep["pkg"].as_str().unwrap_or("");
            if normal && seen.insert(names.get(dep_id).copied().unwrap_or(dep_id).to_owned()) {
                stack.push(dep_id);
            }
        }
    }
    seen
}

#[test]
fn the_application_layer_depends_on_no_transport() {
    let deps = normal_dependencies_of("switchboard-app");
    let transports: Vec<&str> = [
        "async-graphql",
        "async-graphql-axum",
        "axum",
        "hyper",
        "tower-http",
    ]
    .into_iter()
    .filter(|t| deps.contains(*t))
    .collect();
    assert!(
        transports.is_empty(),
        "switchboard-app reaches {transports:?}: use cases must not know the transport"
    );
    for lower in ["switchboard-graphql", "switchboard-server"] {
        assert!(!deps.contains(lower), "switchboard-app depends on {lower}");
    }
    assert!(deps.contains("switchboard-domain") && deps.contains("switchboard-entity"));
}

#[test]
fn the_rules_depend_on_no_layer_above_them_and_no_transport() {
    let deps = normal_dependencies_of("switchboard-domain");
    for forbidden in [
        "switchboard-app",
        "switchboard-graphql",
        "switchboard-server",
        "async-graphql",
        "axum",
        "hyper",
    ] {
        assert!(
            !deps.contains(forbidden),
            "switchboard-domain reaches {forbidden}"
        );
    }
}

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

#[test]
fn the_graphql_layer_never_writes_reads_or_queries_the_database_itself() {
    // What only the application layer may use: rows built for writing,
    // transactions, hand-written SQL, and queries built at all (every read
    // the API answers is an `app` function too).
    const FORBIDDEN: [&str; 14] = [
        "ActiveModel",
        "ActiveValue",
        "TransactionTrait",
        "DatabaseTransaction",
        "begin_write",
        "Statement::from",
        "execute_raw",
        "EntityTrait",
        "QueryFilter",
        "QuerySelect",
        "sea_query",
        "Entity::find",
        "query_one",
        "query_all",
    ];
    let mut files = Vec::new();
    rust_files(&workspace_root().join("crates/graphql/src"), &mut files);
    let mut offences = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in FORBIDDEN {
                if code.contains(word) {
                    offences.push(format!("{}:{}: {word}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "crates/graphql must call switchboard-app instead of:\n{}",
        offences.join("\n")
    );
}

#[test]
fn no_source_file_outside_the_tests_passes_eight_hundred_lines() {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["crates", "migration/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    let long: Vec<String> = files
        .iter()
        .filter(|f| !f.components().any(|c| c.as_os_str() == "benches"))
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).ok()?.lines().count();
            (lines > 800).then(|| format!("{} ({lines} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these files:\n{}", long.join("\n"));
}

#[test]
fn only_the_documented_places_take_the_privileged_path() {
    // The owner's pool sees every organization. What may use it is the list
    // in `App::privileged`'s documentation; anything else runs as a tenant.
    const ALLOWED: [&str; 14] = [
        "crates/app/src/app.rs",
        "crates/app/src/customers/rfm.rs",
        "crates/app/src/dialer/dispatch.rs",
        "crates/app/src/identity/",
        "crates/app/src/leads/runner.rs",
        "crates/app/src/tenant.rs",
        "crates/app/src/webhooks.rs",
        "crates/server/src/auth.rs",
        "crates/server/src/http/graphql.rs",
        "crates/server/src/http/health.rs",
        "crates/server/src/http/sse.rs",
        "crates/server/src/http/ws.rs",
        "crates/server/src/http/webhooks.rs",
        "crates/server/src/tasks.rs",
    ];
    let root = workspace_root();
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    let mut offences = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(&root)
            .expect("inside the workspace")
            .to_string_lossy()
            .replace('\\', "/");
        if ALLOWED.iter().any(|allowed| relative.starts_with(allowed)) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable source");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains("privileged()") || code.contains("begin_privileged_write") {
                offences.push(format!("{relative}:{}", n + 1));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "the privileged path is used outside its documented places:\n{}",
        offences.join("\n")
    );
}
