//! Nested reads compiled to one statement that builds the response's JSON.
//!
//! A page of leads with their calls, transcripts, analyses and agents is
//! what clients read most. Resolved field by field, it costs a statement per
//! level, a model decoded per row and a value built per field, then
//! serialized again. Here the database renders the whole subtree as JSON
//! text in one statement (`json_build_object`/`json_agg` on PostgreSQL,
//! `json_object`/`json_group_array` on SQLite) and the transport writes that
//! text out as it is.
//!
//! The caller says what to render ([`Object`]): which columns under which
//! response keys, rendered how ([`Render`], each the exact text the API's
//! own scalar would write), and which relations ([`Field::One`],
//! [`Field::Page`], read with the same scoping, order and page size as the
//! batch readers of [`crate::query::batch`]). Only names the code supplies
//! (`&'static str`) and keys that are GraphQL names ([`is_name`]) reach the
//! SQL text; the ids and the organization are bound parameters, and row-level
//! security binds the statement like any other.

use sea_orm::{ActiveEnum, ConnectionTrait, DbBackend, Iterable, Statement, Value};
use uuid::Uuid;

use crate::db::Db;
use crate::dialect::json;
use crate::error::{AppError, AppResult};

/// Why a selection is read field by field instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the nested read cannot render {0}")]
pub struct Unsupported(pub &'static str);

/// How a column is written into the JSON.
#[derive(Debug, Clone)]
pub enum Render {
    /// A UUID as its hyphenated lowercase string.
    Id,
    /// Text as a JSON string.
    Text,
    /// An integer as a JSON number.
    Int,
    /// `true` or `false`.
    Bool,
    /// A timestamp as RFC 3339 in UTC, the fraction as chrono writes it
    /// (none, milliseconds or microseconds, whichever is exact); PostgreSQL
    /// only.
    Time,
    /// A stored enum value as the API's name for it: (stored, name) pairs.
    Enum(Vec<(String, String)>),
}

/// An enum stored as text: each variant with its stored value, for
/// [`Render::Enum`].
pub trait StoredEnum: Sized {
    fn stored_values() -> Vec<(Self, String)>;
}

impl<E> StoredEnum for E
where
    E: ActiveEnum<Value = String> + Iterable,
{
    fn stored_values() -> Vec<(Self, String)> {
        E::iter()
            .map(|variant| {
                let stored = variant.to_value();
                (variant, stored)
            })
            .collect()
    }
}

/// A table the tree may read, scoped by its `organization_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Leads,
    Calls,
    Transcripts,
    Analyses,
    Agents,
    Campaigns,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Self::Leads => "leads",
            Self::Calls => "calls",
            Self::Transcripts => "transcripts",
            Self::Analyses => "lead_analytics",
            Self::Agents => "agents",
            Self::Campaigns => "campaigns",
        }
    }
}

/// The JSON object rendered for each row: its entries, in order.
#[derive(Debug, Clone, Default)]
pub struct Object {
    pub fields: Vec<(String, Field)>,
}

/// One entry of an [`Object`].
#[derive(Debug, Clone)]
pub enum Field {
    /// A fixed string (`__typename`).
    Constant(&'static str),
    /// A column of the row.
    Column(&'static str, Render),
    /// The row of `table` whose `key` column equals this row's `via`
    /// column, or null.
    One {
        table: Table,
        key: &'static str,
        via: &'static str,
        object: Box<Object>,
    },
    /// A connection: the first `first` rows of `table` whose `parent` column
    /// is this row's id, by `created_at` then id.
    Page {
        table: Table,
        parent: &'static str,
        first: u64,
        ascending: bool,
        connection: Vec<(String, Connection)>,
    },
}

/// One entry of a connection's object.
#[derive(Debug, Clone)]
pub enum Connection {
    /// A fixed string (`__typename`).
    Constant(&'static str),
    /// The page's rows.
    Nodes(Object),
}

/// The most entries one object may have (PostgreSQL's functions take at
/// most 100 arguments, two per entry).
pub const MAX_ENTRIES: usize = 50;

/// Whether `key` is a GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`), and so safe
/// inside a SQL string literal.
pub fn is_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// A statement that renders rows of one table as a JSON array.
#[derive(Debug, Clone)]
pub struct Compiled {
    sql: String,
}

impl Compiled {
    /// The statement rendering `object` for rows of `table` on `db`'s backend.
    pub fn new(db: &Db, table: Table, object: &Object) -> Result<Self, Unsupported> {
        Ok(Self {
            sql: compile(db.get_database_backend(), table, object)?,
        })
    }

    /// The JSON array of the rows with `ids`, in the order of `ids` (rows
    /// that are gone are left out).
    pub async fn rows(&self, db: &Db, organization_id: Uuid, ids: &[Uuid]) -> AppResult<String> {
        let backend = db.get_database_backend();
        let ids = json::ids(backend, ids);
        let statement = Statement::from_sql_and_values(
            backend,
            self.sql.clone(),
            [Value::from(ids), Value::from(organization_id)],
        );
        let row = db.query_one_raw(statement).await?.ok_or_else(|| {
            AppError::Internal(sea_orm::DbErr::RecordNotFound(
                "an aggregate returned no row".into(),
            ))
        })?;
        Ok(row.try_get_by_index::<String>(0)?)
    }
}

/// The statement of [`Compiled`]: placeholder 1 the ids, 2 the
/// organization ([`json::rows_by_ids`]).
pub fn compile(backend: DbBackend, table: Table, object: &Object) -> Result<String, Unsupported> {
    let mut sql = Sql {
        backend,
        aliases: 0,
    };
    let alias = sql.alias();
    let body = sql.object(object, &alias)?;
    let rows = json::rows_by_ids(backend, table.name(), &alias, &columns(object));
    let array = json::text(backend, &json::array_agg(backend, &body, "p.ord"));
    Ok(format!("SELECT {array} FROM {rows}"))
}

/// The columns `object` reads of its row: its own, the keys its relations
/// follow, and the id and creation time that pages order by.
fn columns(object: &Object) -> String {
    let mut columns = std::collections::BTreeSet::from(["id", "created_at"]);
    for (_, field) in &object.fields {
        match field {
            Field::Column(column, _) => {
                columns.insert(*column);
            }
            Field::One { via, .. } => {
                columns.insert(*via);
            }
            Field::Constant(_) | Field::Page { .. } => {}
        }
    }
    columns.into_iter().collect::<Vec<_>>().join(", ")
}

struct Sql {
    backend: DbBackend,
    aliases: usize,
}

impl Sql {
    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("t{}", self.aliases)
    }

    fn organization(&self) -> String {
        json::placeholder(self.backend, 2)
    }

    /// `{"key": value, …}` of the row `alias`.
    fn object(&mut self, object: &Object, alias: &str) -> Result<String, Unsupported> {
        let mut entries = Vec::with_capacity(object.fields.len());
        for (key, field) in &object.fields {
            let value = self.field(field, alias)?;
            entries.push((key.as_str(), value));
        }
        self.build(&entries)
    }

    fn build(&self, entries: &[(&str, String)]) -> Result<String, Unsupported> {
        if entries.len() > MAX_ENTRIES {
            return Err(unsupported("more entries than one object may have"));
        }
        let mut pairs = String::new();
        for (n, (key, value)) in entries.iter().enumerate() {
            if !is_name(key) {
                return Err(unsupported("a key that is not a GraphQL name"));
            }
            if n > 0 {
                pairs.push_str(", ");
            }
            pairs.push('\'');
            pairs.push_str(key);
            pairs.push_str("', ");
            pairs.push_str(value);
        }
        Ok(json::object(self.backend, &pairs))
    }

    fn field(&mut self, field: &Field, alias: &str) -> Result<String, Unsupported> {
        Ok(match field {
            Field::Constant(text) => self.constant(text)?,
            Field::Column(column, render) => self.render(&format!("{alias}.{column}"), render)?,
            Field::One {
                table,
                key,
                via,
                object,
            } => {
                let inner = self.alias();
                let body = self.object(object, &inner)?;
                let sql = format!(
                    "(SELECT {body} FROM {table} {inner} WHERE {inner}.organization_id = {org} \
                     AND {inner}.{key} = {alias}.{via} LIMIT 1)",
                    table = table.name(),
                    org = self.organization(),
                );
                json::nested(self.backend, &sql)
            }
            Field::Page {
                table,
                parent,
                first,
                ascending,
                connection,
            } => {
                let order = if *ascending { "ASC" } else { "DESC" };
                let mut entries = Vec::with_capacity(connection.len());
                for (key, entry) in connection {
                    let value = match entry {
                        Connection::Constant(text) => self.constant(text)?,
                        Connection::Nodes(object) => {
                            let inner = self.alias();
                            let body = self.object(object, &inner)?;
                            let rows = format!(
                                "(SELECT {columns} FROM {table} WHERE organization_id = {org} \
                                 AND {parent} = {alias}.id \
                                 ORDER BY created_at {order}, id {order} LIMIT {first}) {inner}",
                                table = table.name(),
                                org = self.organization(),
                                columns = columns(object),
                            );
                            let order = format!("{inner}.created_at {order}, {inner}.id {order}");
                            let array = json::array_agg(self.backend, &body, &order);
                            json::nested(self.backend, &format!("(SELECT {array} FROM {rows})"))
                        }
                    };
                    entries.push((key.as_str(), value));
                }
                self.build(&entries)?
            }
        })
    }

    fn constant(&self, text: &str) -> Result<String, Unsupported> {
        if !is_name(text) {
            return Err(unsupported("a constant that is not a GraphQL name"));
        }
        Ok(json::string(self.backend, text))
    }

    fn render(&self, column: &str, render: &Render) -> Result<String, Unsupported> {
        Ok(match render {
            Render::Text | Render::Int => column.to_owned(),
            Render::Id => json::uuid(self.backend, column),
            Render::Bool => json::boolean(self.backend, column),
            Render::Time => json::rfc3339(self.backend, column)
                .ok_or_else(|| unsupported("a timestamp on SQLite"))?,
            Render::Enum(values) => {
                let mut out = format!("CASE {column}");
                for (stored, name) in values {
                    if !is_name(stored) || !is_name(name) {
                        return Err(unsupported("an enum value that is not a name"));
                    }
                    out.push_str(&format!(" WHEN '{stored}' THEN '{name}'"));
                }
                out.push_str(" END");
                out
            }
        })
    }
}

fn unsupported(what: &'static str) -> Unsupported {
    Unsupported(what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_graphql_names_are_names() {
        assert!(is_name("firstName"));
        assert!(is_name("_a1"));
        assert!(!is_name("1a"));
        assert!(!is_name(""));
        assert!(!is_name("a'b"));
        assert!(!is_name("a b"));
    }

    #[test]
    fn a_key_that_is_not_a_name_never_reaches_the_sql() {
        let object = Object {
            fields: vec![(
                "x'); DROP TABLE leads; --".into(),
                Field::Column("id", Render::Id),
            )],
        };
        assert!(compile(DbBackend::Postgres, Table::Leads, &object).is_err());
        assert!(compile(DbBackend::Sqlite, Table::Leads, &object).is_err());
    }

    #[test]
    fn an_object_past_the_argument_limit_is_refused() {
        let object = Object {
            fields: (0..=MAX_ENTRIES)
                .map(|n| (format!("k{n}"), Field::Column("id", Render::Id)))
                .collect(),
        };
        assert!(compile(DbBackend::Postgres, Table::Leads, &object).is_err());
    }
}
