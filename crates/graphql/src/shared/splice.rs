//! JSON rendered by the database ([`switchboard_app::query::tree`]), put into
//! a response after it is serialized.
//!
//! A resolver that has the finished JSON text of its value hands it to the
//! request's [`Splices`] and returns a placeholder string instead; the
//! transport serializes the response as usual and [`Splices::splice`] puts
//! each text where its placeholder is. Placeholders carry a random nonce
//! of the request, which no stored string can be written to match ahead of
//! time. Only the HTTP transport attaches [`Splices`]: without them
//! resolvers build values as usual.

use std::borrow::Cow;
use std::sync::Mutex;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, OutputType, Positioned, ServerResult, Value};
use uuid::Uuid;

/// A list of nodes: resolved field by field, or a placeholder for the
/// JSON the database rendered. Its GraphQL type is the list's.
pub enum Nodes<'a, T> {
    Resolved(Vec<&'a T>),
    Spliced(String),
}

impl<T: OutputType> OutputType for Nodes<'_, T> {
    fn type_name() -> Cow<'static, str> {
        <Vec<&T>>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<&T>>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<&T>>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match self {
            Self::Resolved(nodes) => nodes.resolve(ctx, field).await,
            Self::Spliced(placeholder) => Ok(Value::String(placeholder.clone())),
        }
    }
}

/// The texts of one request's spliced values.
#[derive(Debug)]
pub struct Splices {
    prefix: String,
    texts: Mutex<Vec<String>>,
}

impl Default for Splices {
    fn default() -> Self {
        Self::new()
    }
}

impl Splices {
    pub fn new() -> Self {
        Self {
            prefix: format!("switchboard-splice:{}:", Uuid::new_v4().simple()),
            texts: Mutex::new(Vec::new()),
        }
    }

    /// Keeps `json` (a JSON value's text) and returns the placeholder to
    /// resolve to in its place.
    pub fn put(&self, json: String) -> String {
        let mut texts = self.texts.lock().unwrap_or_else(|e| e.into_inner());
        texts.push(json);
        format!("{}{}", self.prefix, texts.len() - 1)
    }

    /// Whether any value was put.
    pub fn is_empty(&self) -> bool {
        self.texts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// `body` with every placeholder string replaced by its text, which is
    /// written without insignificant white space (PostgreSQL's JSON
    /// functions write some), so the result reads as serde writes JSON.
    pub fn splice(&self, body: &[u8]) -> Vec<u8> {
        let texts = self.texts.lock().unwrap_or_else(|e| e.into_inner());
        if texts.is_empty() {
            return body.to_vec();
        }
        let needle = format!("\"{}", self.prefix);
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let mut out = Vec::with_capacity(body.len() + texts.iter().map(String::len).sum::<usize>());
        let mut rest = body;
        while let Some(at) = finder.find(rest) {
            out.extend_from_slice(&rest[..at]);
            let after = &rest[at + needle.len()..];
            let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
            let index = std::str::from_utf8(&after[..digits])
                .ok()
                .and_then(|d| d.parse::<usize>().ok());
            match (index.and_then(|i| texts.get(i)), after.get(digits)) {
                (Some(text), Some(b'"')) => {
                    write_compact(text.as_bytes(), &mut out);
                    rest = &after[digits + 1..];
                }
                // Not one of ours after all: keep it as it is.
                _ => {
                    out.extend_from_slice(&rest[at..at + needle.len()]);
                    rest = after;
                }
            }
        }
        out.extend_from_slice(rest);
        out
    }
}

/// Copies the JSON `text` to `out` without white space outside strings.
fn write_compact(text: &[u8], out: &mut Vec<u8>) {
    let mut in_string = false;
    let mut escaped = false;
    for &byte in text {
        if in_string {
            out.push(byte);
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
        } else if !matches!(byte, b' ' | b'\n' | b'\r' | b'\t') {
            if byte == b'"' {
                in_string = true;
            }
            out.push(byte);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_placeholder_becomes_its_text_without_white_space_outside_strings() {
        let splices = Splices::new();
        let placeholder = splices.put(
            r#"[{"a" : "x y\" }", "b" : [1, 2]}, 
 {"a" : null}]"#
                .into(),
        );
        let body = format!(r#"{{"data":{{"nodes":"{placeholder}","n":1}}}}"#);
        let spliced = splices.splice(body.as_bytes());
        assert_eq!(
            std::str::from_utf8(&spliced).unwrap(),
            r#"{"data":{"nodes":[{"a":"x y\" }","b":[1,2]},{"a":null}],"n":1}}"#
        );
    }

    #[test]
    fn a_string_that_only_looks_like_a_placeholder_is_left_alone() {
        let splices = Splices::new();
        let placeholder = splices.put("[]".into());
        let fake = format!("{placeholder}9");
        let body = serde_json::to_vec(&serde_json::json!([fake, placeholder])).unwrap();
        let spliced = String::from_utf8(splices.splice(&body)).unwrap();
        assert_eq!(spliced, format!("[\"{fake}\",[]]"));
    }
}
