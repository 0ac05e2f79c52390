//! A property-based fuzzer over the whole API: documents and variables are
//! generated from the schema (read by introspection, so new fields are
//! fuzzed without a line here), with valid, edge and hostile values, and
//! sent as an owner. The property: no answer is a 5xx, none is not JSON,
//! no error is INTERNAL_SERVER_ERROR, and the server answers afterwards.
//!
//! proptest drives a sequence of choices that the generator consumes, so a
//! failure shrinks to a small document. `FUZZ_CASES` sets the number of
//! cases per backend (default 256, what CI runs).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};
use switchboard_tests::{Backend, Tenant, TestApp, on_both_backends, spawn_app};

use crate::attack_documents::{INTROSPECTION_QUERY, still_answers};

on_both_backends!(generated_documents_never_get_an_internal_error,);

/// Choices made by the generator; past the end every choice is 0.
struct Choices<'a> {
    values: &'a [u32],
    at: usize,
}

impl Choices<'_> {
    fn pick(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let value = self.values.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        value as usize % n
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.pick(100) < percent
    }
}

/// The schema, as introspection describes it.
struct Schema {
    types: Vec<Value>,
    /// Real ids of the tenant's rows, so generated ids can reach them.
    ids: Vec<String>,
}

fn named(ty: &Value) -> &Value {
    if ty["ofType"].is_null() {
        ty
    } else {
        named(&ty["ofType"])
    }
}

fn type_text(ty: &Value) -> String {
    match ty["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_text(&ty["ofType"])),
        Some("LIST") => format!("[{}]", type_text(&ty["ofType"])),
        _ => ty["name"].as_str().unwrap_or_default().to_owned(),
    }
}

const NASTY_STRINGS: &[&str] = &[
    "",
    " ",
    "\u{0}",
    "a\u{0}b",
    "'; DROP TABLE leads; --",
    "%_\\",
    "\u{202e}\u{fffd}😀",
    "+14155550100",
    "4155550100",
    "not-a-uuid",
    "00000000-0000-0000-0000-000000000000",
    "0249-06-01T12:00:00Z",
    "2026-12-01T12:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-02-30",
    "2026-12-01",
    "America/New_York",
    "Mars/Olympus",
    "a@b.co",
    "{\"json\": true}",
];

impl Schema {
    fn by_name(&self, name: &str) -> Option<&Value> {
        self.types.iter().find(|t| t["name"] == name)
    }

    fn string(&self, c: &mut Choices) -> Value {
        match c.pick(10) {
            0 => json!("x".repeat([1, 255, 256, 4_096, 70_000][c.pick(5)])),
            1 | 2 if !self.ids.is_empty() => json!(self.ids[c.pick(self.ids.len())]),
            _ => json!(NASTY_STRINGS[c.pick(NASTY_STRINGS.len())]),
        }
    }

    fn scalar(&self, name: &str, c: &mut Choices) -> Value {
        // Sometimes the wrong kind of value altogether.
        if c.chance(8) {
            return [
                json!(null),
                json!(true),
                json!(-1),
                json!("?"),
                json!({}),
                json!([]),
            ][c.pick(6)]
            .clone();
        }
        match name {
            "Int" => json!(
                [
                    0,
                    1,
                    -1,
                    100,
                    101,
                    1_000_000,
                    i32::MAX as i64,
                    i32::MIN as i64
                ][c.pick(8)]
            ),
            "Float" => json!([0.0, -0.5, 1e300, 99.999][c.pick(4)]),
            "Boolean" => json!(c.chance(50)),
            "ID" if !self.ids.is_empty() && c.chance(70) => json!(self.ids[c.pick(self.ids.len())]),
            "DateTime" => json!(
                [
                    "2026-12-01T12:00:00Z",
                    "2026-12-15T18:00:00Z",
                    "1970-01-01T00:00:00Z",
                    "0249-06-01T12:00:00Z",
                    "+10000-01-01T00:00:00Z",
                    "yesterday",
                ][c.pick(6)]
            ),
            "Date" => {
                json!(["2026-12-01", "2026-01-01", "0001-01-01", "2026-13-01"][c.pick(4)])
            }
            "JSON" => [
                json!({}),
                json!({ "a": [1, "b\u{0}"] }),
                json!({ "k\u{0}": 1 }),
                json!([{ "deep": { "er": [[[]]] } }]),
                json!("text"),
            ][c.pick(5)]
            .clone(),
            _ => self.string(c),
        }
    }

    fn value(&self, ty: &Value, c: &mut Choices, depth: usize) -> Value {
        match ty["kind"].as_str() {
            Some("NON_NULL") => self.value(&ty["ofType"], c, depth),
            Some("LIST") => {
                let n = [0, 1, 2, 3, 150, 2_500][c.pick(6)];
                let n = if depth > 2 { n.min(2) } else { n };
                let item = self.value(&ty["ofType"], c, depth + 1);
                // Wide lists of small items only: the body limit is tested elsewhere.
                let n = if item.to_string().len() > 512 {
                    n.min(3)
                } else {
                    n
                };
                // Copies of one generated item: wide lists stay cheap to make.
                Value::Array(vec![item; n])
            }
            Some("ENUM") => {
                let values = self
                    .by_name(ty["name"].as_str().unwrap_or_default())
                    .and_then(|t| t["enumValues"].as_array())
                    .cloned()
                    .unwrap_or_default();
                if values.is_empty() || c.chance(5) {
                    json!("NOT_A_VALUE")
                } else {
                    values[c.pick(values.len())]["name"].clone()
                }
            }
            Some("INPUT_OBJECT") => {
                let Some(input) = self.by_name(ty["name"].as_str().unwrap_or_default()) else {
                    return json!({});
                };
                let mut object = Map::new();
                for field in input["inputFields"].as_array().into_iter().flatten() {
                    let required = field["type"]["kind"] == "NON_NULL";
                    let wanted = if depth > 3 {
                        required
                    } else {
                        required || c.chance(40)
                    };
                    if wanted {
                        let name = field["name"].as_str().unwrap_or_default().to_owned();
                        object.insert(name, self.value(&field["type"], c, depth + 1));
                    }
                }
                Value::Object(object)
            }
            _ => self.scalar(ty["name"].as_str().unwrap_or_default(), c),
        }
    }

    /// A selection of `type_name`'s fields, `depth` levels at most.
    fn selection(&self, type_name: &str, c: &mut Choices, depth: usize) -> String {
        let Some(ty) = self.by_name(type_name) else {
            return String::new();
        };
        let fields = ty["fields"].as_array().cloned().unwrap_or_default();
        let mut out = vec!["__typename".to_owned()];
        for _ in 0..=c.pick(4) {
            if fields.is_empty() {
                break;
            }
            let field = &fields[c.pick(fields.len())];
            let returns = named(&field["type"]);
            let composite = matches!(
                returns["kind"].as_str(),
                Some("OBJECT" | "INTERFACE" | "UNION")
            );
            if composite && depth == 0 {
                continue;
            }
            let args = self.literal_args(field, c);
            let name = field["name"].as_str().unwrap_or_default();
            if composite {
                let inner =
                    self.selection(returns["name"].as_str().unwrap_or_default(), c, depth - 1);
                out.push(format!("{name}{args} {{ {inner} }}"));
            } else {
                out.push(format!("{name}{args}"));
            }
        }
        out.join(" ")
    }

    /// Arguments written into the document (required ones, some optional).
    fn literal_args(&self, field: &Value, c: &mut Choices) -> String {
        let mut parts = Vec::new();
        for arg in field["args"].as_array().into_iter().flatten() {
            let required = arg["type"]["kind"] == "NON_NULL";
            if required || c.chance(30) {
                let value = self.value(&arg["type"], c, 2);
                parts.push(format!(
                    "{}: {}",
                    arg["name"].as_str().unwrap_or_default(),
                    literal(&value, &arg["type"], self)
                ));
            }
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("({})", parts.join(", "))
        }
    }

    /// One generated request: a document and its variables.
    fn request(&self, c: &mut Choices) -> (String, Value) {
        let (keyword, root) = if c.chance(50) {
            ("query", "Query")
        } else {
            ("mutation", "Mutation")
        };
        let fields = self
            .by_name(root)
            .and_then(|t| t["fields"].as_array())
            .cloned()
            .unwrap_or_default();
        let field = &fields[c.pick(fields.len())];
        let name = field["name"].as_str().unwrap_or_default();
        let mut definitions = Vec::new();
        let mut arguments = Vec::new();
        let mut variables = Map::new();
        for arg in field["args"].as_array().into_iter().flatten() {
            let required = arg["type"]["kind"] == "NON_NULL";
            if !(required || c.chance(50)) {
                continue;
            }
            let arg_name = arg["name"].as_str().unwrap_or_default();
            let value = self.value(&arg["type"], c, 0);
            if c.chance(75) {
                definitions.push(format!("${arg_name}: {}", type_text(&arg["type"])));
                arguments.push(format!("{arg_name}: ${arg_name}"));
                variables.insert(arg_name.to_owned(), value);
            } else {
                arguments.push(format!(
                    "{arg_name}: {}",
                    literal(&value, &arg["type"], self)
                ));
            }
        }
        let returns = named(&field["type"]);
        let selection = if matches!(
            returns["kind"].as_str(),
            Some("OBJECT" | "INTERFACE" | "UNION")
        ) {
            format!(
                " {{ {} }}",
                self.selection(returns["name"].as_str().unwrap_or_default(), c, 3)
            )
        } else {
            String::new()
        };
        let definitions = if definitions.is_empty() {
            String::new()
        } else {
            format!("({})", definitions.join(", "))
        };
        let arguments = if arguments.is_empty() {
            String::new()
        } else {
            format!("({})", arguments.join(", "))
        };
        (
            format!("{keyword}{definitions} {{ {name}{arguments}{selection} }}"),
            Value::Object(variables),
        )
    }
}

/// `value` written as a GraphQL literal of type `ty` (enums unquoted).
fn literal(value: &Value, ty: &Value, schema: &Schema) -> String {
    let inner = named(ty);
    match value {
        Value::String(s) if inner["kind"] == "ENUM" => s.clone(),
        Value::Array(items) => {
            let element = if ty["kind"] == "NON_NULL" {
                &ty["ofType"]["ofType"]
            } else {
                &ty["ofType"]
            };
            let element = if element.is_null() { ty } else { element };
            format!(
                "[{}]",
                items
                    .iter()
                    .map(|v| literal(v, element, schema))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Value::Object(map) => {
            let fields = schema
                .by_name(inner["name"].as_str().unwrap_or_default())
                .and_then(|t| t["inputFields"].as_array())
                .cloned()
                .unwrap_or_default();
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    let field_ty = fields
                        .iter()
                        .find(|f| f["name"] == k.as_str())
                        .map(|f| f["type"].clone())
                        .unwrap_or(Value::Null);
                    format!("{k}: {}", literal(v, &field_ty, schema))
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

async fn seed_ids(app: &TestApp, token: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let lead = app
        .graphql(
            Some(token),
            "mutation { createLead(input: { phoneNumber: \"+14155550123\", firstName: \"Fuzz\" }) { id } }",
            json!({}),
        )
        .await;
    if let Some(id) = lead["data"]["createLead"]["id"].as_str() {
        ids.push(id.to_owned());
        let call = app
            .graphql(
                Some(token),
                "mutation($lead: ID!) { createCall(input: { leadId: $lead, phoneNumber: \"+14155550123\" }) { id } }",
                json!({ "lead": id }),
            )
            .await;
        if let Some(id) = call["data"]["createCall"]["id"].as_str() {
            ids.push(id.to_owned());
        }
    }
    let segment = app
        .graphql(
            Some(token),
            "mutation { createSegment(input: { name: \"fuzz\", filter: {} }) { id } }",
            json!({}),
        )
        .await;
    if let Some(id) = segment["data"]["createSegment"]["id"].as_str() {
        ids.push(id.to_owned());
    }
    ids
}

async fn generated_documents_never_get_an_internal_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let token = acme.token(acme.owner);
    let introspection = app.graphql(None, INTROSPECTION_QUERY, json!({})).await;
    let schema = Schema {
        types: introspection["data"]["__schema"]["types"]
            .as_array()
            .expect("types")
            .clone(),
        ids: seed_ids(&app, &token).await,
    };
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    let handle = tokio::runtime::Handle::current();
    let app = std::sync::Arc::new(app);
    let runner_app = app.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        runner.run(&prop::collection::vec(any::<u32>(), 0..64), |choices| {
            let mut c = Choices {
                values: &choices,
                at: 0,
            };
            let (query, variables) = schema.request(&mut c);
            let (status, body) = handle.block_on(async {
                let response = runner_app
                    .client
                    .post(format!("{}/graphql", runner_app.base_url))
                    .bearer_auth(&token)
                    .json(&json!({ "query": query, "variables": variables }))
                    .send()
                    .await
                    .map_err(|e| TestCaseError::fail(format!("no answer: {e}")))?;
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                Ok::<_, TestCaseError>((status, text))
            })?;
            let shown: String = variables.to_string().chars().take(400).collect();
            prop_assert!(
                !status.is_server_error(),
                "{status} for {query} {shown}: {body}"
            );
            let body: Value = serde_json::from_str(&body)
                .map_err(|_| TestCaseError::fail(format!("not JSON for {query}: {body}")))?;
            let internal = body["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|e| e["extensions"]["code"] == "INTERNAL_SERVER_ERROR");
            prop_assert!(!internal, "internal error for {query} {shown}: {body}");
            Ok(())
        })
    })
    .await
    .expect("the fuzzer ran");
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    still_answers(&app).await;
}
