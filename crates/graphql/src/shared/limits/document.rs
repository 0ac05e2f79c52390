//! What a document costs, computed without executing or expanding it.
//!
//! A fragment may be spread many times, and fragments may spread each
//! other: 31 fragments that each spread the previous one twice describe
//! 2^30 fields in a few hundred bytes. So each fragment's cost is computed
//! once and reused at every spread (saturating), and the whole analysis is
//! linear in the document's size. Introspection (`__schema`, `__type`) is
//! measured apart, so the standard introspection query that GraphiQL,
//! Apollo Sandbox and codegen tools send passes under the default depth.

use std::collections::HashMap;

use async_graphql::Name;
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Pos, Positioned};

/// The limits a document is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentLimits {
    /// Deepest nesting of fields, introspection aside.
    pub max_depth: usize,
    /// Deepest nesting of fields under `__schema` or `__type`.
    pub max_introspection_depth: usize,
    /// Most fields, fragment spreads and inline fragments the document
    /// would run, every spread expanded.
    pub max_fields: usize,
    /// Most aliases, every fragment spread expanded.
    pub max_aliases: usize,
    /// Most directives, in the text and with fragments expanded.
    pub max_directives: usize,
    /// Most fragment definitions.
    pub max_fragments: usize,
}

/// The measured size of a selection set (or of a whole document).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cost {
    /// Fields, fragment spreads and inline fragments, every spread expanded.
    pub selections: usize,
    pub aliases: usize,
    pub directives: usize,
    /// Deepest field nesting outside introspection.
    pub depth: usize,
    /// Deepest field nesting inside `__schema` / `__type`.
    pub introspection_depth: usize,
}

impl Cost {
    fn add(&mut self, other: Cost) {
        self.selections = self.selections.saturating_add(other.selections);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.directives = self.directives.saturating_add(other.directives);
        self.depth = self.depth.max(other.depth);
        self.introspection_depth = self.introspection_depth.max(other.introspection_depth);
    }
}

/// Why a document is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    pub pos: Option<Pos>,
}

/// How deep selection sets and fragment spreads may nest while they are
/// measured: far above any limit a client can be allowed, and far below
/// what would exhaust a worker's stack.
const MAX_NESTING: usize = 128;

struct Measure<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    /// Costs of fragments already measured.
    done: HashMap<&'a str, Cost>,
    /// Fragments being measured (a spread of one of them is a cycle).
    open: Vec<&'a str>,
}

impl<'a> Measure<'a> {
    fn selection_set(&mut self, set: &'a SelectionSet, nesting: usize) -> Result<Cost, Refusal> {
        if nesting > MAX_NESTING {
            return Err(Refusal {
                message: format!("selections nest more than {MAX_NESTING} levels"),
                pos: None,
            });
        }
        let mut cost = Cost::default();
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let inner = self.selection_set(&field.selection_set.node, nesting + 1)?;
                    let name = field.name.node.as_str();
                    let mut own = Cost {
                        selections: inner.selections.saturating_add(1),
                        aliases: inner
                            .aliases
                            .saturating_add(usize::from(field.alias.is_some())),
                        directives: inner.directives.saturating_add(field.directives.len()),
                        depth: 0,
                        introspection_depth: inner.introspection_depth,
                    };
                    if name == "__schema" || name == "__type" {
                        own.introspection_depth = own
                            .introspection_depth
                            .max(1 + inner.depth.max(inner.introspection_depth));
                    } else {
                        own.depth = 1 + inner.depth;
                        if inner.introspection_depth > 0 {
                            own.introspection_depth += 1;
                        }
                    }
                    cost.add(own);
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let mut inner =
                        self.selection_set(&fragment.selection_set.node, nesting + 1)?;
                    inner.directives = inner.directives.saturating_add(fragment.directives.len());
                    // A spread or an inline fragment counts as a selection of
                    // its own: validation visits it even when it selects nothing.
                    inner.selections = inner.selections.saturating_add(1);
                    cost.add(inner);
                }
                Selection::FragmentSpread(spread) => {
                    let mut inner = self.fragment(&spread.node.fragment_name, nesting + 1)?;
                    inner.directives = inner
                        .directives
                        .saturating_add(spread.node.directives.len());
                    inner.selections = inner.selections.saturating_add(1);
                    cost.add(inner);
                }
            }
        }
        Ok(cost)
    }

    fn fragment(&mut self, name: &'a Positioned<Name>, nesting: usize) -> Result<Cost, Refusal> {
        let key = name.node.as_str();
        if let Some(cost) = self.done.get(key) {
            return Ok(*cost);
        }
        if self.open.contains(&key) {
            return Err(Refusal {
                message: format!("fragment `{key}` spreads itself"),
                pos: Some(name.pos),
            });
        }
        // Refused here, not left to validation: the library measures a
        // document before it reports unknown fragments, and would expand
        // the spreads of a bomb that ends in one.
        let Some(definition) = self.fragments.get(&name.node) else {
            return Err(Refusal {
                message: format!("unknown fragment `{key}`"),
                pos: Some(name.pos),
            });
        };
        self.open.push(key);
        let mut cost = self.selection_set(&definition.node.selection_set.node, nesting)?;
        cost.directives = cost
            .directives
            .saturating_add(definition.node.directives.len());
        self.open.pop();
        self.done.insert(key, cost);
        Ok(cost)
    }
}

/// Measures every operation of `document`, each fragment once.
pub fn measure(document: &ExecutableDocument) -> Result<Cost, Refusal> {
    let mut measure = Measure {
        fragments: &document.fragments,
        done: HashMap::new(),
        open: Vec::new(),
    };
    let mut total = Cost::default();
    for (_, operation) in document.operations.iter() {
        let mut cost = measure.selection_set(&operation.node.selection_set.node, 0)?;
        cost.directives = cost
            .directives
            .saturating_add(operation.node.directives.len());
        total.add(cost);
    }
    Ok(total)
}

/// Checks `document` against `limits`: a refusal names the limit.
pub fn check(document: &ExecutableDocument, limits: &DocumentLimits) -> Result<Cost, Refusal> {
    let refuse = |message: String| Refusal { message, pos: None };
    if document.fragments.len() > limits.max_fragments {
        return Err(refuse(format!(
            "the document defines {} fragments; at most {} are allowed",
            document.fragments.len(),
            limits.max_fragments
        )));
    }
    let cost = measure(document)?;
    if cost.selections > limits.max_fields {
        return Err(refuse(format!(
            "the query selects {} fields and fragments (fragments expanded); at most {} are allowed",
            show(cost.selections),
            limits.max_fields
        )));
    }
    if cost.aliases > limits.max_aliases {
        return Err(refuse(format!(
            "the query has {} aliases; at most {} are allowed",
            show(cost.aliases),
            limits.max_aliases
        )));
    }
    // Directives of unused fragments are not counted: validation refuses
    // those fragments in one linear pass, and nothing runs them.
    if cost.directives > limits.max_directives {
        return Err(refuse(format!(
            "the query applies {} directives (fragments expanded); at most {} are allowed",
            show(cost.directives),
            limits.max_directives
        )));
    }
    if cost.depth > limits.max_depth {
        return Err(refuse(format!(
            "the query is nested {} levels deep; at most {} are allowed",
            cost.depth, limits.max_depth
        )));
    }
    if cost.introspection_depth > limits.max_introspection_depth {
        return Err(refuse(format!(
            "the introspection query is nested {} levels deep; at most {} are allowed",
            cost.introspection_depth, limits.max_introspection_depth
        )));
    }
    Ok(cost)
}

fn show(n: usize) -> String {
    if n == usize::MAX {
        "more than 18 quintillion".to_owned()
    } else {
        n.to_string()
    }
}

/// The deepest nesting of `{`, `[` and `(` in a GraphQL text, strings and
/// comments aside: measured before parsing, so that no parser recursion
/// ever sees a pathologically nested text.
pub fn bracket_depth(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    const LIMITS: DocumentLimits = DocumentLimits {
        max_depth: 12,
        max_introspection_depth: 24,
        max_fields: 2_000,
        max_aliases: 30,
        max_directives: 50,
        max_fragments: 100,
    };

    fn cost(query: &str) -> Cost {
        measure(&parse_query(query).expect("parses")).expect("measures")
    }

    #[test]
    fn fields_aliases_and_depth_are_counted_with_fragments_expanded() {
        let c = cost("query { a { b c: d } ...F } fragment F on Query { e { f { g } } }");
        assert_eq!(c.selections, 7, "six fields and one spread");
        assert_eq!(c.aliases, 1);
        assert_eq!(c.depth, 3);
        assert_eq!(c.introspection_depth, 0);
    }

    #[test]
    fn a_fragment_bomb_is_measured_in_linear_time_and_refused() {
        let mut query = String::from("query { ...F30 }\nfragment F0 on Query { __typename }\n");
        for i in 1..=30 {
            query.push_str(&format!(
                "fragment F{i} on Query {{ ...F{} ...F{} }}\n",
                i - 1,
                i - 1
            ));
        }
        let document = parse_query(&query).expect("parses");
        let started = std::time::Instant::now();
        let refusal = check(&document, &LIMITS).expect_err("refused");
        assert!(started.elapsed() < std::time::Duration::from_millis(100));
        assert!(
            refusal.message.contains("fields and fragments"),
            "{refusal:?}"
        );
    }

    #[test]
    fn a_bomb_of_empty_spreads_ending_in_an_unknown_fragment_is_refused() {
        let mut query = String::from("query { ...F60 }\nfragment F0 on Query { ...Missing }\n");
        for i in 1..=60 {
            query.push_str(&format!(
                "fragment F{i} on Query {{ ...F{} ...F{} }}\n",
                i - 1,
                i - 1
            ));
        }
        let document = parse_query(&query).expect("parses");
        let refusal = check(&document, &LIMITS).expect_err("refused");
        assert!(refusal.message.contains("unknown fragment"), "{refusal:?}");
        let spreads_only = query.replace("...Missing", "__typename");
        let document = parse_query(&spreads_only).expect("parses");
        let refusal = check(&document, &LIMITS).expect_err("refused");
        assert!(
            refusal.message.contains("fields and fragments"),
            "{refusal:?}"
        );
    }

    #[test]
    fn fragment_cycles_are_refused_rather_than_followed() {
        let document =
            parse_query("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
                .expect("parses");
        assert!(check(&document, &LIMITS).is_err());
    }

    #[test]
    fn introspection_depth_is_counted_apart() {
        let c = cost(
            "{ leads { id } __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } }",
        );
        assert_eq!(c.depth, 2);
        assert_eq!(c.introspection_depth, 12);
        let document = parse_query("{ __type(name: \"Lead\") { name } a { b } }").expect("parses");
        let c = check(&document, &LIMITS).expect("passes");
        assert_eq!((c.depth, c.introspection_depth), (2, 2));
    }

    #[test]
    fn copies_of_one_field_and_directives_are_bounded() {
        let copies = format!("{{ {} }}", "__typename ".repeat(10_000));
        let refusal = check(&parse_query(&copies).expect("parses"), &LIMITS).expect_err("fields");
        assert!(refusal.message.contains("10000 fields"), "{refusal:?}");
        let directives = format!("{{ __typename {} }}", "@skip(if: false) ".repeat(1_000));
        let refusal =
            check(&parse_query(&directives).expect("parses"), &LIMITS).expect_err("directives");
        assert!(refusal.message.contains("1000 directives"), "{refusal:?}");
    }

    #[test]
    fn bracket_depth_ignores_strings_and_comments() {
        assert_eq!(bracket_depth("{ a(x: \"{{{{\") { b } } # {{{{"), 2);
        assert_eq!(bracket_depth("{ a(x: \"\"\" {{{ \\\"\"\" {{ \"\"\") }"), 2);
        assert_eq!(bracket_depth(&"[".repeat(100_000)), 100_000);
    }
}
