//! The selections the database renders as JSON in one statement
//! ([`switchboard_app::query::tree`]): the nodes of a page of leads or of
//! calls, with their scalars, `__typename`, aliases, fragments, and a
//! lead's calls (each with its transcript, analysis, agent and lead).
//!
//! A selection qualifies only if every part of it is known here, field by
//! field, with the column and the rendering that give exactly what the
//! resolvers would write. Anything else (a field not listed, a directive,
//! a cursor argument, a response key selected twice, a variable without a
//! value, an argument out of range, a timestamp on SQLite) leaves the whole
//! page to the resolvers, which answer it or explain why not.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::parser::types::{Field as AstField, Selection, SelectionSet};
use async_graphql::{Context, InputType, Name, Positioned, QueryPathSegment, Value};
use switchboard_app::query::tree::{
    Compiled, Connection, Field, Object, Render, StoredEnum, Table, Unsupported,
};
use switchboard_entity::enums as stored;
use uuid::Uuid;

use crate::shared::context::{self, Permission};
use crate::shared::enums;
use crate::shared::error::ApiResult;
use crate::shared::splice::Splices;

/// The `nodes` of a page the database renders: a statement per `nodes`
/// selection (by response key) and the page's ids, in order.
pub struct RenderedNodes {
    statements: Vec<(String, Compiled)>,
    ids: Vec<Uuid>,
}

impl RenderedNodes {
    /// The statements for the Lead `nodes` of the connection field `ctx`
    /// resolves, when the transport splices (HTTP) and every part of the
    /// selection qualifies; none otherwise.
    pub fn leads(ctx: &Context<'_>) -> Option<Vec<(String, Compiled)>> {
        statements(ctx, Table::Leads)
    }

    /// The statements for the Call `nodes` of the connection field `ctx`
    /// resolves (the `calls` root, or the calls of one lead or agent), on
    /// the same terms as [`RenderedNodes::leads`]; never under a list,
    /// where each parent would render its own.
    pub fn calls(ctx: &Context<'_>) -> Option<Vec<(String, Compiled)>> {
        let mut path = ctx.path_node.as_ref();
        while let Some(node) = path {
            if matches!(node.segment, QueryPathSegment::Index(_)) {
                return None;
            }
            path = node.parent;
        }
        statements(ctx, Table::Calls)
    }

    /// The page with `ids` (in order) rendered by `statements`, if any.
    pub fn of(
        statements: Option<Vec<(String, Compiled)>>,
        ids: impl Iterator<Item = Uuid>,
    ) -> Option<Self> {
        Some(Self {
            statements: statements?,
            ids: ids.collect(),
        })
    }

    /// The placeholder of the rendered JSON for the `nodes` field `ctx`
    /// resolves; none if it was not compiled.
    pub async fn render(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        let key = ctx.item.node.response_key().node.as_str();
        let Some((_, statement)) = self.statements.iter().find(|(k, _)| k == key) else {
            return Ok(None);
        };
        let Some(splices) = ctx.data_opt::<Arc<Splices>>() else {
            return Ok(None);
        };
        if self.ids.is_empty() {
            return Ok(Some(splices.put("[]".into())));
        }
        let viewer = context::require(ctx, Permission::Read)?;
        let json = statement
            .rows(context::db(ctx)?, viewer.organization_id, &self.ids)
            .await?;
        Ok(Some(splices.put(json)))
    }
}

/// The most calls one lead's page may hold, as `Lead.calls` allows.
const MAX_FIRST: i64 = 100;
/// `Lead.calls`' page size when `first` is not given.
const DEFAULT_FIRST: i64 = 20;

type Built<T> = Result<T, Unsupported>;

/// The statements for the `nodes` of the connection of `table` (leads or
/// calls) that `ctx` resolves, when the transport splices (HTTP) and every
/// part of the selection qualifies.
fn statements(ctx: &Context<'_>, table: Table) -> Option<Vec<(String, Compiled)>> {
    ctx.data_opt::<Arc<Splices>>()?;
    let db = context::db(ctx).ok()?;
    let nodes = match nodes(ctx, table) {
        Ok(nodes) => nodes,
        Err(reason) => {
            tracing::debug!(%reason, ?table, "a page is resolved field by field");
            return None;
        }
    };
    nodes
        .into_iter()
        .map(|(key, object)| Some((key, Compiled::new(db, table, &object).ok()?)))
        .collect()
}

/// The `nodes` selections of the connection of `table` that `ctx` resolves
/// (by response key), as objects; unsupported unless every entry of the
/// connection's selection is `nodes`, `pageInfo`, `totalCount` or
/// `__typename` and every `nodes` qualifies.
fn nodes(ctx: &Context<'_>, table: Table) -> Built<Vec<(String, Object)>> {
    let walker = Walker { ctx };
    let connection = match table {
        Table::Leads => "LeadConnection",
        Table::Calls => "CallConnection",
        _ => return Err(Unsupported("a page of this table")),
    };
    let mut out = Vec::new();
    for (key, field) in walker.fields(&ctx.item.node.selection_set, connection)? {
        match field.name.node.as_str() {
            "nodes" => {
                walker.no_arguments(field)?;
                let set = &field.selection_set;
                let object = match table {
                    Table::Leads => walker.lead(set)?,
                    _ => walker.call(set)?,
                };
                out.push((key, object));
            }
            "pageInfo" | "totalCount" | "__typename" => {}
            _ => return Err(Unsupported("a connection entry other than nodes")),
        }
    }
    Ok(out)
}

struct Walker<'a, 'b> {
    ctx: &'a Context<'b>,
}

impl<'a> Walker<'a, '_> {
    /// The fields of `set` on type `on`, fragments flattened, with their
    /// response keys; unsupported if any has a directive or a key repeats.
    fn fields(
        &self,
        set: &'a Positioned<SelectionSet>,
        on: &str,
    ) -> Built<Vec<(String, &'a AstField)>> {
        let mut out = Vec::new();
        let mut keys = HashSet::new();
        self.collect(set, on, &mut out, &mut keys, 0)?;
        Ok(out)
    }

    fn collect(
        &self,
        set: &'a Positioned<SelectionSet>,
        on: &str,
        out: &mut Vec<(String, &'a AstField)>,
        keys: &mut HashSet<String>,
        depth: usize,
    ) -> Built<()> {
        if depth > 8 {
            return Err(Unsupported("fragments nested this deep"));
        }
        for selection in &set.node.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    if !field.directives.is_empty() {
                        return Err(Unsupported("a directive"));
                    }
                    let key = field.response_key().node.to_string();
                    if !keys.insert(key.clone()) {
                        return Err(Unsupported("a response key selected twice"));
                    }
                    out.push((key, field));
                }
                Selection::FragmentSpread(spread) => {
                    if !spread.node.directives.is_empty() {
                        return Err(Unsupported("a directive"));
                    }
                    let fragment = self
                        .ctx
                        .query_env
                        .fragments
                        .get(&spread.node.fragment_name.node)
                        .ok_or(Unsupported("an unknown fragment"))?;
                    if fragment.node.type_condition.node.on.node != on {
                        return Err(Unsupported("a fragment on another type"));
                    }
                    if !fragment.node.directives.is_empty() {
                        return Err(Unsupported("a directive"));
                    }
                    self.collect(&fragment.node.selection_set, on, out, keys, depth + 1)?;
                }
                Selection::InlineFragment(inline) => {
                    if !inline.node.directives.is_empty() {
                        return Err(Unsupported("a directive"));
                    }
                    if let Some(condition) = &inline.node.type_condition
                        && condition.node.on.node != on
                    {
                        return Err(Unsupported("a fragment on another type"));
                    }
                    self.collect(&inline.node.selection_set, on, out, keys, depth + 1)?;
                }
            }
        }
        Ok(())
    }

    fn no_arguments(&self, field: &AstField) -> Built<()> {
        if field.arguments.is_empty() {
            Ok(())
        } else {
            Err(Unsupported("an argument"))
        }
    }

    /// The value of argument `name` of `field`, variables replaced.
    fn argument(&self, field: &AstField, name: &str) -> Built<Option<Value>> {
        let Some(value) = field.get_argument(name) else {
            return Ok(None);
        };
        let variables = &self.ctx.query_env.variables;
        value
            .node
            .clone()
            .into_const_with(|variable: Name| variables.get(&variable).cloned().ok_or(()))
            .map(Some)
            .map_err(|()| Unsupported("a variable without a value"))
    }

    fn object(
        &self,
        set: &'a Positioned<SelectionSet>,
        on: &'static str,
        entry: impl Fn(&Self, &str, &'a AstField) -> Built<Field>,
    ) -> Built<Object> {
        let mut fields = Vec::new();
        for (key, field) in self.fields(set, on)? {
            let name = field.name.node.as_str();
            let value = if name == "__typename" {
                Field::Constant(on)
            } else {
                entry(self, name, field)?
            };
            fields.push((key, value));
        }
        Ok(Object { fields })
    }

    fn lead(&self, set: &'a Positioned<SelectionSet>) -> Built<Object> {
        self.object(set, "Lead", |walker, name, field| {
            if name == "calls" {
                return walker.calls(field);
            }
            walker.no_arguments(field)?;
            scalar(lead_column(name)?)
        })
    }

    /// `Lead.calls(first:, orderBy:)`: a page of the lead's calls.
    fn calls(&self, field: &'a AstField) -> Built<Field> {
        for (name, _) in &field.arguments {
            if !matches!(name.node.as_str(), "first" | "orderBy") {
                return Err(Unsupported("a cursor"));
            }
        }
        let first = match self.argument(field, "first")? {
            None | Some(Value::Null) => DEFAULT_FIRST,
            Some(Value::Number(n)) => n
                .as_i64()
                .filter(|n| (0..=MAX_FIRST).contains(n))
                .ok_or(Unsupported("a page size out of range"))?,
            Some(_) => return Err(Unsupported("a page size that is not a number")),
        };
        let ascending = match self.argument(field, "orderBy")? {
            None | Some(Value::Null) => false,
            // An enum literal, or a string in the variables' JSON.
            Some(Value::Object(order)) => match order.get("direction") {
                None | Some(Value::Null) => false,
                Some(Value::Enum(d)) if d.as_str() == "ASC" => true,
                Some(Value::Enum(d)) if d.as_str() == "DESC" => false,
                Some(Value::String(d)) if d == "ASC" => true,
                Some(Value::String(d)) if d == "DESC" => false,
                Some(_) => return Err(Unsupported("an unknown order")),
            },
            Some(_) => return Err(Unsupported("an unknown order")),
        };
        let mut connection = Vec::new();
        for (key, entry) in self.fields(&field.selection_set, "CallConnection")? {
            let value = match entry.name.node.as_str() {
                "__typename" => Connection::Constant("CallConnection"),
                "nodes" => {
                    self.no_arguments(entry)?;
                    Connection::Nodes(self.call(&entry.selection_set)?)
                }
                _ => return Err(Unsupported("a connection entry other than nodes")),
            };
            connection.push((key, value));
        }
        Ok(Field::Page {
            table: Table::Calls,
            parent: "lead_id",
            first: first as u64,
            ascending,
            connection,
        })
    }

    fn call(&self, set: &'a Positioned<SelectionSet>) -> Built<Object> {
        self.object(set, "Call", |walker, name, field| {
            walker.no_arguments(field)?;
            let one = |table, key, via, object| {
                Ok(Field::One {
                    table,
                    key,
                    via,
                    object: Box::new(object),
                })
            };
            let set = &field.selection_set;
            match name {
                "transcript" => one(Table::Transcripts, "call_id", "id", walker.transcript(set)?),
                "analysis" => one(Table::Analyses, "call_id", "id", walker.analysis(set)?),
                "agent" => one(Table::Agents, "id", "agent_id", walker.agent(set)?),
                "lead" => one(Table::Leads, "id", "lead_id", walker.lead(set)?),
                _ => scalar(call_column(name)?),
            }
        })
    }

    fn transcript(&self, set: &'a Positioned<SelectionSet>) -> Built<Object> {
        self.object(set, "Transcript", |walker, name, field| {
            walker.no_arguments(field)?;
            scalar(match name {
                "id" => ("id", Render::Id),
                "content" => ("content", Render::Text),
                "language" => ("language", Render::Text),
                "createdAt" => ("created_at", Render::Time),
                _ => return Err(Unsupported("a field of Transcript")),
            })
        })
    }

    fn analysis(&self, set: &'a Positioned<SelectionSet>) -> Built<Object> {
        self.object(set, "CallAnalysis", |walker, name, field| {
            walker.no_arguments(field)?;
            scalar(analysis_column(name)?)
        })
    }

    fn agent(&self, set: &'a Positioned<SelectionSet>) -> Built<Object> {
        self.object(set, "Agent", |walker, name, field| {
            walker.no_arguments(field)?;
            scalar(match name {
                "id" => ("id", Render::Id),
                "provider" => (
                    "provider",
                    enum_of::<stored::AgentProvider, enums::AgentProvider>(),
                ),
                "externalAgentId" => ("external_agent_id", Render::Text),
                "name" => ("name", Render::Text),
                "agentType" => (
                    "agent_type",
                    enum_of::<stored::AgentType, enums::AgentType>(),
                ),
                "description" => ("description", Render::Text),
                "isActive" => ("is_active", Render::Bool),
                "createdAt" => ("created_at", Render::Time),
                _ => return Err(Unsupported("a field of Agent")),
            })
        })
    }
}

fn scalar((column, render): (&'static str, Render)) -> Built<Field> {
    Ok(Field::Column(column, render))
}

/// [`Render::Enum`] of the stored enum `S` as the API's enum `A` names it.
fn enum_of<S, A>() -> Render
where
    S: StoredEnum,
    A: From<S> + InputType,
{
    Render::Enum(
        S::stored_values()
            .into_iter()
            .map(|(variant, stored)| {
                let name = match A::from(variant).to_value() {
                    Value::Enum(name) => name.to_string(),
                    other => other.to_string(),
                };
                (stored, name)
            })
            .collect(),
    )
}

fn lead_column(name: &str) -> Built<(&'static str, Render)> {
    Ok(match name {
        "id" => ("id", Render::Id),
        "firstName" => ("first_name", Render::Text),
        "lastName" => ("last_name", Render::Text),
        "phoneNumber" => ("phone_number", Render::Text),
        "email" => ("email", Render::Text),
        "company" => ("company", Render::Text),
        "status" => ("status", enum_of::<stored::LeadStatus, enums::LeadStatus>()),
        "leadScore" => ("lead_score", Render::Int),
        "source" => ("source", Render::Text),
        "subSource" => ("sub_source", Render::Text),
        "notes" => ("notes", Render::Text),
        "timezone" => ("timezone", Render::Text),
        "lastContactAt" => ("last_contact_at", Render::Time),
        "isAutoCreated" => ("is_auto_created", Render::Bool),
        "deletedAt" => ("deleted_at", Render::Time),
        "createdAt" => ("created_at", Render::Time),
        "updatedAt" => ("updated_at", Render::Time),
        _ => return Err(Unsupported("a field of Lead")),
    })
}

fn call_column(name: &str) -> Built<(&'static str, Render)> {
    Ok(match name {
        "id" => ("id", Render::Id),
        "status" => ("status", enum_of::<stored::CallStatus, enums::CallStatus>()),
        "outcome" => (
            "outcome",
            enum_of::<stored::CallOutcome, enums::CallOutcome>(),
        ),
        "crmStage" => ("crm_stage", enum_of::<stored::CrmStage, enums::CrmStage>()),
        "trafficSource" => (
            "traffic_source",
            enum_of::<stored::TrafficSource, enums::TrafficSource>(),
        ),
        "sourceOfSetAppointment" => (
            "source_of_set_appointment",
            enum_of::<stored::AppointmentSource, enums::AppointmentSource>(),
        ),
        "leadSource" => ("lead_source", Render::Text),
        "callType" => ("call_type", enum_of::<stored::CallType, enums::CallType>()),
        "callSource" => (
            "call_source",
            enum_of::<stored::CallSource, enums::CallSource>(),
        ),
        "provider" => (
            "provider",
            enum_of::<stored::TelephonyProvider, enums::TelephonyProvider>(),
        ),
        "providerCallId" => ("provider_call_id", Render::Text),
        "phoneNumber" => ("phone_number", Render::Text),
        "callerName" => ("caller_name", Render::Text),
        "callerEmail" => ("caller_email", Render::Text),
        "scheduledAt" => ("scheduled_at", Render::Time),
        "startedAt" => ("started_at", Render::Time),
        "endedAt" => ("ended_at", Render::Time),
        "durationSeconds" => ("duration_seconds", Render::Int),
        "billedMinutes" => ("billed_minutes", Render::Int),
        "creditsUsed" => ("credits_used", Render::Int),
        "costCents" => ("cost_cents", Render::Int),
        "recordingUrl" => ("recording_url", Render::Text),
        "summary" => ("summary", Render::Text),
        "purpose" => ("purpose", Render::Text),
        "notes" => ("notes", Render::Text),
        "endedReason" => ("ended_reason", Render::Text),
        "insuranceVerified" => ("insurance_verified", Render::Bool),
        "insuranceProvider" => ("insurance_provider", Render::Text),
        "paymentPlanDiscussed" => ("payment_plan_discussed", Render::Bool),
        "paymentPlanAmountCents" => ("payment_plan_amount_cents", Render::Int),
        "collectionAttempt" => ("collection_attempt", Render::Bool),
        "collectionAmountCents" => ("collection_amount_cents", Render::Int),
        "collectionSuccess" => ("collection_success", Render::Bool),
        "transferredToStaff" => ("transferred_to_staff", Render::Bool),
        "transferredTo" => ("transferred_to", Render::Text),
        "followUpRequired" => ("follow_up_required", Render::Bool),
        "followUpDate" => ("follow_up_date", Render::Time),
        "callQuality" => ("call_quality", Render::Int),
        "customerSentiment" => (
            "customer_sentiment",
            enum_of::<stored::Sentiment, enums::Sentiment>(),
        ),
        "createdAt" => ("created_at", Render::Time),
        "updatedAt" => ("updated_at", Render::Time),
        _ => return Err(Unsupported("a field of Call")),
    })
}

fn analysis_column(name: &str) -> Built<(&'static str, Render)> {
    let level = || enum_of::<stored::Level, enums::Level>();
    Ok(match name {
        "id" => ("id", Render::Id),
        "intentLevel" => ("intent_level", level()),
        "intentScore" => ("intent_score", Render::Int),
        "urgencyLevel" => ("urgency_level", level()),
        "urgencyScore" => ("urgency_score", Render::Int),
        "budgetLevel" => ("budget_constraint", level()),
        "budgetScore" => ("budget_score", Render::Int),
        "fitLevel" => ("fit_alignment", level()),
        "fitScore" => ("fit_score", Render::Int),
        "engagementLevel" => ("engagement_health", level()),
        "engagementScore" => ("engagement_score", Render::Int),
        "totalScore" => ("total_score", Render::Int),
        "leadStatusTag" => ("lead_status_tag", Render::Text),
        "ctaPricingClicked" => ("cta_pricing_clicked", Render::Bool),
        "ctaDemoClicked" => ("cta_demo_clicked", Render::Bool),
        "ctaFollowupClicked" => ("cta_followup_clicked", Render::Bool),
        "ctaSampleClicked" => ("cta_sample_clicked", Render::Bool),
        "ctaEscalatedToHuman" => ("cta_escalated_to_human", Render::Bool),
        "demoScheduledAt" => ("demo_scheduled_at", Render::Time),
        "companyName" => ("company_name", Render::Text),
        "extractedName" => ("extracted_name", Render::Text),
        "extractedEmail" => ("extracted_email", Render::Text),
        "isQualified" => ("is_qualified", Render::Bool),
        "leadTemperature" => (
            "lead_temperature",
            enum_of::<stored::LeadTemperature, enums::LeadTemperature>(),
        ),
        "nextSteps" => ("next_steps", Render::Text),
        "isRead" => ("is_read", Render::Bool),
        "createdAt" => ("created_at", Render::Time),
        _ => return Err(Unsupported("a field of CallAnalysis")),
    })
}
