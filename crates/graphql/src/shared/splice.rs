//! JSON written once, put into many messages after they are serialized.
//!
//! - Over HTTP, a resolver that has the finished JSON text of its value
//!   (rendered by the database, [`switchboard_app::query::tree`]) hands it to
//!   the request's [`Splices`] and returns a placeholder string instead; the
//!   transport serializes the response as usual and [`Splices::splice`] puts
//!   each text where its placeholder is.
//! - Over WebSockets, a shared subscription's `data` is serialized once per
//!   event for all the members of its group ([`crate::live::fanout`]); each
//!   socket's [`SocketSplices`] puts that one text into the member's `next`
//!   message.
//!
//! Placeholders carry a random nonce of the request or socket, which no
//! stored string can be written to match ahead of time. Where a transport
//! attaches neither, values are built and serialized as usual.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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

/// One socket's texts waiting for their messages: each is taken out of
/// the store when its message is written.
#[derive(Debug)]
pub struct SocketSplices {
    prefix: String,
    texts: Mutex<(u64, HashMap<u64, Arc<str>>)>,
}

impl Default for SocketSplices {
    fn default() -> Self {
        Self::new()
    }
}

impl SocketSplices {
    pub fn new() -> Self {
        Self {
            prefix: format!("switchboard-splice:{}:", Uuid::new_v4().simple()),
            texts: Mutex::new((0, HashMap::new())),
        }
    }

    /// Keeps `json` (a JSON value's text) for the next message that holds
    /// the placeholder returned.
    pub fn put(&self, json: Arc<str>) -> String {
        let mut texts = self.texts.lock().unwrap_or_else(|e| e.into_inner());
        let (next, waiting) = &mut *texts;
        *next += 1;
        waiting.insert(*next, json);
        format!("{}{next}", self.prefix)
    }

    /// `message` with its placeholder, if any, replaced by its text (then
    /// forgotten).
    pub fn splice(&self, message: String) -> String {
        let needle = format!("\"{}", self.prefix);
        let Some(at) = memchr::memmem::find(message.as_bytes(), needle.as_bytes()) else {
            return message;
        };
        let after = &message[at + needle.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if after.as_bytes().get(digits) != Some(&b'"') {
            return message;
        }
        let Ok(number) = after[..digits].parse::<u64>() else {
            return message;
        };
        let Some(text) = self
            .texts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .remove(&number)
        else {
            return message;
        };
        let mut out = String::with_capacity(message.len() + text.len());
        out.push_str(&message[..at]);
        out.push_str(&text);
        out.push_str(&after[digits + 1..]);
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
    fn a_socket_message_gets_its_text_once() {
        let splices = SocketSplices::new();
        let placeholder = splices.put(Arc::from(r#"{"a":[1,"x"]}"#));
        let message = format!(r#"{{"id":"1","type":"next","payload":{{"data":"{placeholder}"}}}}"#);
        assert_eq!(
            splices.splice(message.clone()),
            r#"{"id":"1","type":"next","payload":{"data":{"a":[1,"x"]}}}"#
        );
        // Taken: a second message with the same placeholder keeps it as it is.
        assert_eq!(splices.splice(message.clone()), message);
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
