//! Text and dates that no backend would store, refused before execution.
//!
//! PostgreSQL refuses a NUL character in `text` and `\u0000` in `jsonb`
//! ("invalid byte sequence", "unsupported Unicode escape sequence"), and
//! SQLite's RFC 3339 text only sorts right for years 0000–9999. Rather than
//! guard every resolver, every value a request carries — its variables and
//! the literal arguments in its document — is walked once against the
//! schema's types, so a new mutation is covered without a line of its own.
//! A refusal names the field the way resolvers do (`input.name`,
//! `input[3].phoneNumber`).

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{Name, Variables};
use async_graphql_value::{ConstValue, Value};
use chrono::Datelike;

/// The first and last years a date or time may have.
pub const YEARS: std::ops::RangeInclusive<i32> = 1000..=9999;

/// A value the API will not take, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadInput {
    pub field: String,
    pub message: String,
}

/// The element type of a list type (`[T!]!` → `T!`), if it is one.
fn element(ty: &str) -> Option<&str> {
    let ty = ty.strip_suffix('!').unwrap_or(ty);
    ty.strip_prefix('[')?.strip_suffix(']')
}

struct Walk<'a> {
    registry: &'a Registry,
}

/// What a walk needs of a value, borrowed: strings, lists and objects,
/// whether it came from JSON variables or from the document.
enum Node<'v, T> {
    Str(&'v str),
    List(&'v [T]),
    Object(&'v async_graphql_value::indexmap::IndexMap<Name, T>),
    Other,
}

trait Walkable: Sized {
    fn node(&self) -> Node<'_, Self>;
}

impl Walkable for ConstValue {
    fn node(&self) -> Node<'_, Self> {
        match self {
            ConstValue::String(s) => Node::Str(s),
            ConstValue::List(items) => Node::List(items),
            ConstValue::Object(map) => Node::Object(map),
            _ => Node::Other,
        }
    }
}

impl Walkable for Value {
    fn node(&self) -> Node<'_, Self> {
        match self {
            Value::String(s) => Node::Str(s),
            Value::List(items) => Node::List(items),
            Value::Object(map) => Node::Object(map),
            // Variables are checked where they are defined.
            _ => Node::Other,
        }
    }
}

/// What is wrong with a value.
#[derive(Debug)]
enum Problem {
    Nul,
    Year(i32),
}

/// A problem and where it is, innermost step first: a path is only
/// spelled out for a refusal, never for the values that pass.
#[derive(Debug)]
struct Found {
    problem: Problem,
    steps: Vec<Step>,
}

#[derive(Debug)]
enum Step {
    Index(usize),
    Key(String),
}

impl Found {
    fn new(problem: Problem) -> Self {
        Self {
            problem,
            steps: Vec::new(),
        }
    }

    fn within(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// The refusal, for a value named `root` (an argument or a variable).
    fn at(self, root: &str) -> BadInput {
        let mut field = root.to_owned();
        for step in self.steps.iter().rev() {
            match step {
                Step::Index(i) => field.push_str(&format!("[{i}]")),
                Step::Key(key) => {
                    field.push('.');
                    field.push_str(key);
                }
            }
        }
        let message = match self.problem {
            Problem::Nul => format!(
                "`{field}` contains a NUL character (or an unpaired UTF-16 surrogate), which cannot be stored"
            ),
            Problem::Year(year) => format!(
                "`{field}` is in the year {year}; dates from {} to {} are supported",
                YEARS.start(),
                YEARS.end()
            ),
        };
        BadInput { field, message }
    }
}

/// The year of a date or time scalar's text, parsed as the scalar does.
fn year(named: &str, text: &str) -> Option<i32> {
    match named {
        // chrono's `FromStr`, as async-graphql's `DateTime` scalar.
        "DateTime" => text
            .parse::<chrono::DateTime<chrono::Utc>>()
            .ok()
            .map(|t| t.year()),
        "Date" => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .map(|d| d.year()),
        _ => None,
    }
}

impl Walk<'_> {
    fn value<T: Walkable>(&self, value: &T, ty: Option<&str>) -> Result<(), Found> {
        match value.node() {
            Node::Str(text) => {
                if text.contains('\0') {
                    return Err(Found::new(Problem::Nul));
                }
                match ty.and_then(|t| year(MetaTypeName::concrete_typename(t), text)) {
                    Some(year) if !YEARS.contains(&year) => Err(Found::new(Problem::Year(year))),
                    _ => Ok(()),
                }
            }
            Node::List(items) => {
                let inner = ty.and_then(element);
                for (i, item) in items.iter().enumerate() {
                    self.value(item, inner)
                        .map_err(|found| found.within(Step::Index(i)))?;
                }
                Ok(())
            }
            Node::Object(entries) => {
                let fields = match ty.and_then(|t| self.registry.concrete_type_by_name(t)) {
                    Some(MetaType::InputObject { input_fields, .. }) => Some(input_fields),
                    _ => None,
                };
                for (key, item) in entries {
                    let within = |found: Found| found.within(Step::Key(key.to_string()));
                    if key.contains('\0') {
                        return Err(within(Found::new(Problem::Nul)));
                    }
                    let item_ty = fields
                        .and_then(|f| f.get(key.as_str()))
                        .map(|f| f.ty.as_str());
                    self.value(item, item_ty).map_err(within)?;
                }
                Ok(())
            }
            Node::Other => Ok(()),
        }
    }

    /// Checks `value`, named `root` in a refusal.
    fn named<T: Walkable>(&self, value: &T, ty: Option<&str>, root: &str) -> Result<(), BadInput> {
        self.value(value, ty).map_err(|found| found.at(root))
    }

    fn selection_set(&self, set: &SelectionSet, parent: Option<&str>) -> Result<(), BadInput> {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let meta = parent
                        .and_then(|p| self.registry.concrete_type_by_name(p))
                        .and_then(|t| t.field_by_name(field.name.node.as_str()));
                    for (name, value) in &field.arguments {
                        let ty = meta
                            .and_then(|m| m.args.get(name.node.as_str()))
                            .map(|a| a.ty.as_str());
                        self.named(&value.node, ty, name.node.as_str())?;
                    }
                    for directive in &field.directives {
                        for (name, value) in &directive.node.arguments {
                            self.named(&value.node, None, name.node.as_str())?;
                        }
                    }
                    let child = meta.map(|m| MetaTypeName::concrete_typename(&m.ty));
                    self.selection_set(&field.selection_set.node, child)?;
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map(|c| c.node.on.node.as_str())
                        .or(parent);
                    self.selection_set(&fragment.node.selection_set.node, on)?;
                }
                // Fragment definitions are walked once, on their own.
                Selection::FragmentSpread(_) => {}
            }
        }
        Ok(())
    }
}

/// Checks every variable and every literal argument of `document`.
pub fn check(
    registry: &Registry,
    document: &ExecutableDocument,
    variables: &Variables,
) -> Result<(), BadInput> {
    let walk = Walk { registry };
    // Each variable is walked once: typed where an operation declares it.
    let mut declared = std::collections::HashSet::new();
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        for definition in &operation.variable_definitions {
            let definition = &definition.node;
            let ty = definition.var_type.node.to_string();
            let name = &definition.name.node;
            if let Some(value) = variables.get(name)
                && declared.insert(name)
            {
                walk.named(value, Some(&ty), name)?;
            }
            if let Some(default) = &definition.default_value {
                walk.named(&default.node, Some(&ty), name)?;
            }
        }
        let root = match operation.ty {
            async_graphql::parser::types::OperationType::Query => {
                Some(registry.query_type.as_str())
            }
            async_graphql::parser::types::OperationType::Mutation => {
                registry.mutation_type.as_deref()
            }
            async_graphql::parser::types::OperationType::Subscription => {
                registry.subscription_type.as_deref()
            }
        };
        walk.selection_set(&operation.selection_set.node, root)?;
    }
    for fragment in document.fragments.values() {
        let on = fragment.node.type_condition.node.on.node.as_str();
        walk.selection_set(&fragment.node.selection_set.node, Some(on))?;
    }
    // Variables the document does not declare are ignored by execution,
    // but they are still text the server holds: refuse NULs there too.
    for (name, value) in variables.iter() {
        if !declared.contains(name) {
            walk.named(value, None, name)?;
        }
    }
    Ok(())
}

/// Replaces each unpaired UTF-16 surrogate escape (`\ud800` without its
/// pair) in a JSON text by `\u0000`, so that the JSON parses and the walk
/// above names the field it is in, instead of the whole body failing.
/// Returns `None` when there is none (the common case: no copy is made).
pub fn mark_lone_surrogates(json: &[u8]) -> Option<Vec<u8>> {
    fn hex4(bytes: &[u8]) -> Option<u16> {
        let text = std::str::from_utf8(bytes.get(..4)?).ok()?;
        u16::from_str_radix(text, 16).ok()
    }
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < json.len() {
        if json[i] != b'\\' {
            i += 1;
            continue;
        }
        if json.get(i + 1) != Some(&b'u') {
            i += 2;
            continue;
        }
        let Some(unit) = hex4(&json[(i + 2).min(json.len())..]) else {
            i += 2;
            continue;
        };
        let high = (0xD800..=0xDBFF).contains(&unit);
        let low = (0xDC00..=0xDFFF).contains(&unit);
        let paired = high
            && json.get(i + 6) == Some(&b'\\')
            && json.get(i + 7) == Some(&b'u')
            && hex4(&json[(i + 8).min(json.len())..])
                .is_some_and(|next| (0xDC00..=0xDFFF).contains(&next));
        if paired {
            i += 12;
        } else if high || low {
            let copy = out.get_or_insert_with(|| json.to_vec());
            copy[i + 2..i + 6].copy_from_slice(b"0000");
            i += 6;
        } else {
            i += 6;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_become_nuls_and_pairs_stay() {
        assert_eq!(mark_lone_surrogates(br#"{"a":"plain \\ud800"}"#), None);
        assert_eq!(mark_lone_surrogates(br#"{"a":"\ud83d\ude00"}"#), None);
        assert_eq!(
            mark_lone_surrogates(br#"{"a":"x\ud800y"}"#).as_deref(),
            Some(&br#"{"a":"x\u0000y"}"#[..])
        );
        assert_eq!(
            mark_lone_surrogates(br#"{"a":"\udc00\ud800"}"#).as_deref(),
            Some(&br#"{"a":"\u0000\u0000"}"#[..])
        );
        assert_eq!(mark_lone_surrogates(br#"{"a":"\ud8"}"#), None);
    }

    #[test]
    fn list_types_yield_their_elements() {
        assert_eq!(element("[String!]!"), Some("String!"));
        assert_eq!(element("[[Int]]"), Some("[Int]"));
        assert_eq!(element("String!"), None);
    }
}
