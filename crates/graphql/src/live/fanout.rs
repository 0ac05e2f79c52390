//! One execution per event for every subscriber who would get the same
//! answer.
//!
//! A dashboard page opened by a thousand people subscribes a thousand times
//! with the same document. Executed per subscriber, every event would be
//! resolved a thousand times, with a thousand reads of the call it is about.
//! [`Subscriptions`] instead groups live subscriptions by what decides their
//! answer — the document, the operation, the variables, and what the viewer
//! may see (organization, permission and time zone) — runs each group's
//! stream once, and hands every member the same response.
//!
//! Visibility is exact because nothing reachable from the grouped root
//! fields depends on who the member is beyond those: every field needs
//! `Permission::Read` at most, and the rows row-level security lets a member
//! read (the organization's, its members') are the same for every member.
//!
//! Only subscriptions that start live and need no per-subscriber state are
//! grouped: the call and lead event streams without `after`. A replay
//! (`after`) is the subscriber's own history, and `analyticsChanged` sends a
//! first value to each subscriber when it starts; both run per subscriber, as
//! does anything that does not parse (so the schema reports the error).
//!
//! A member joins the group's stream where it is: it receives every event
//! the group emits after joining, which covers every event committed after
//! it subscribed (the group has been listening since before). A member that
//! falls a whole buffer behind gets `RESYNC_REQUIRED`, as a lone subscriber
//! would. The group ends when its last member leaves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
use async_graphql::{Data, Executor, Request, Response, ServerError};
use futures::stream::{self, BoxStream, StreamExt};
use tokio::sync::broadcast::{self, error::RecvError};
use tracing::Instrument;
use uuid::Uuid;

use crate::SwitchboardSchema;
use crate::shared::context::{Auth, Permission};
use crate::shared::limits::{MAX_TEXT_NESTING, document};

/// Root fields whose streams depend only on the group's key, never on when
/// or by whom they were started.
const GROUPED: &[&str] = &[
    "callStatusChanged",
    "callUpdated",
    "transcriptReady",
    "callAnalysisReady",
    "leadUpdated",
];

/// Responses a group keeps for a member that is behind.
const BUFFER: usize = switchboard_app::events::BUFFER;

/// The schema as a transport runs it: queries and mutations as they are,
/// subscriptions grouped (see the module's documentation).
#[derive(Clone)]
pub struct Subscriptions {
    schema: SwitchboardSchema,
    groups: Arc<Groups>,
}

type Groups = Mutex<HashMap<Key, Weak<Group>>>;

/// What decides a subscription's answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    organization_id: Uuid,
    permission: Permission,
    timezone: String,
    query: String,
    operation_name: Option<String>,
    /// The variables as JSON (a sorted map, so equal variables are equal text).
    variables: String,
}

/// A stream run once for its members.
struct Group {
    key: Key,
    groups: Weak<Groups>,
    /// Each response, or `None` once the stream has ended.
    sender: broadcast::Sender<Option<Arc<Response>>>,
    task: tokio::task::AbortHandle,
}

impl Drop for Group {
    /// The last member left: stop the stream and forget the group (unless a
    /// new group has taken its key meanwhile).
    fn drop(&mut self) {
        self.task.abort();
        if let Some(groups) = self.groups.upgrade() {
            let mut groups = groups.lock().unwrap_or_else(|e| e.into_inner());
            if groups.get(&self.key).is_some_and(|g| g.strong_count() == 0) {
                groups.remove(&self.key);
            }
        }
    }
}

impl Subscriptions {
    pub fn new(schema: SwitchboardSchema) -> Self {
        Self {
            schema,
            groups: Arc::default(),
        }
    }

    /// Joins (or starts) the group for `key`.
    fn join(
        &self,
        key: Key,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let mut groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(group) = groups.get(&key).and_then(Weak::upgrade) {
            let receiver = group.sender.subscribe();
            return member(group, receiver);
        }
        let (sender, receiver) = broadcast::channel(BUFFER);
        let group = Arc::new_cyclic(|this: &Weak<Group>| {
            // Its own span: the group outlives the member that started it.
            let span = tracing::info_span!(
                "subscription_group",
                organization_id = %key.organization_id,
                operation_name = key.operation_name.as_deref().unwrap_or(""),
            );
            let task = tokio::spawn(
                run(
                    self.schema.execute_stream_with_session_data(
                        request,
                        session_data.unwrap_or_default(),
                    ),
                    sender.clone(),
                    self.groups.clone(),
                    key.clone(),
                    this.clone(),
                )
                .instrument(span),
            );
            Group {
                key: key.clone(),
                groups: Arc::downgrade(&self.groups),
                sender,
                task: task.abort_handle(),
            }
        });
        groups.insert(key, Arc::downgrade(&group));
        member(group, receiver)
    }
}

/// Runs a group's stream, handing each response to its members.
async fn run(
    mut responses: BoxStream<'static, Response>,
    sender: broadcast::Sender<Option<Arc<Response>>>,
    groups: Arc<Groups>,
    key: Key,
    this: Weak<Group>,
) {
    while let Some(response) = responses.next().await {
        // No member left to receive it: the group is being dropped.
        if sender.send(Some(Arc::new(response))).is_err() {
            return;
        }
    }
    // Under the lock, so no member joins between the two.
    let mut groups = groups.lock().unwrap_or_else(|e| e.into_inner());
    if groups.get(&key).is_some_and(|g| Weak::ptr_eq(g, &this)) {
        groups.remove(&key);
    }
    let _ = sender.send(None);
}

/// One member's view of its group's responses.
fn member(
    group: Arc<Group>,
    receiver: broadcast::Receiver<Option<Arc<Response>>>,
) -> BoxStream<'static, Response> {
    stream::unfold((group, receiver), |(group, mut receiver)| async move {
        match receiver.recv().await {
            Ok(Some(response)) => Some((copy(&response), (group, receiver))),
            Ok(None) | Err(RecvError::Closed) => None,
            Err(RecvError::Lagged(missed)) => Some((lagged(missed), (group, receiver))),
        }
    })
    .boxed()
}

fn copy(response: &Response) -> Response {
    let mut copy = Response::new(response.data.clone());
    copy.errors = response.errors.clone();
    copy.extensions = response.extensions.clone();
    copy
}

fn lagged(missed: u64) -> Response {
    let mut error = ServerError::new(
        format!(
            "this subscriber fell behind and missed {missed} event(s); resubscribe with `after: <your last eventId>` to replay them"
        ),
        None,
    );
    error.extensions =
        async_graphql::ErrorExtensions::extend_with(async_graphql::Error::new(""), |_, ext| {
            ext.set("code", "RESYNC_REQUIRED")
        })
        .extensions;
    Response::from_errors(vec![error])
}

/// The group key of `request`, if its stream can be shared.
fn key_of(request: &Request, session_data: Option<&Data>) -> Option<Key> {
    let auth = [session_data, Some(&request.data)]
        .into_iter()
        .flatten()
        .find_map(|data| data.get(&std::any::TypeId::of::<Auth>()))
        .and_then(|auth| auth.downcast_ref::<Auth>())?;
    let Auth::Member(viewer) = auth else {
        return None;
    };
    if !request.extensions.is_empty()
        || !shareable(&request.query, request.operation_name.as_deref())
    {
        return None;
    }
    Some(Key {
        organization_id: viewer.organization_id,
        permission: Permission::of(viewer.role),
        timezone: viewer.timezone.name().to_owned(),
        query: request.query.clone(),
        operation_name: request.operation_name.clone(),
        variables: serde_json::to_string(&request.variables).ok()?,
    })
}

/// Whether the operation `name` of `query` is a subscription to grouped
/// root fields only, none of them resuming (`after`).
fn shareable(query: &str, name: Option<&str>) -> bool {
    // The parser recurses once per bracket: refuse deep text unparsed
    // (the schema will say why).
    if document::bracket_depth(query) > MAX_TEXT_NESTING {
        return false;
    }
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    let operation = match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => match operations.get(name) {
            Some(operation) => operation,
            None => return false,
        },
        (DocumentOperations::Multiple(_), None) => return false,
    };
    let operation = &operation.node;
    operation.ty == OperationType::Subscription
        && !operation.selection_set.node.items.is_empty()
        && operation
            .selection_set
            .node
            .items
            .iter()
            .all(|selection| match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    GROUPED.contains(&field.name.node.as_str())
                        && field.arguments.iter().all(|(name, _)| name.node != "after")
                }
                Selection::FragmentSpread(_) | Selection::InlineFragment(_) => false,
            })
}

impl Executor for Subscriptions {
    async fn execute(&self, request: Request) -> Response {
        self.schema.execute(request).await
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        match key_of(&request, session_data.as_deref()) {
            Some(key) => self.join(key, request, session_data),
            None => match session_data {
                Some(data) => self.schema.execute_stream_with_session_data(request, data),
                None => self.schema.execute_stream(request).boxed(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::shareable;

    #[test]
    fn live_event_streams_are_shared() {
        assert!(shareable(
            "subscription { callStatusChanged { eventId status call { status } } }",
            None
        ));
        assert!(shareable(
            "subscription S($lead: ID) { a: callUpdated(leadId: $lead) { eventId } leadUpdated { leadId } }",
            Some("S")
        ));
    }

    #[test]
    fn replays_first_values_and_other_operations_are_not() {
        for query in [
            "subscription { callStatusChanged(after: \"x\") { eventId } }",
            "subscription($a: ID) { callUpdated(after: $a) { eventId } }",
            "subscription { analyticsChanged { callsInProgress } }",
            "subscription { ...F } fragment F on Subscription { callUpdated { eventId } }",
            "query { callStatusChanged { eventId } }",
            "subscription { callStatusChanged { eventId }",
            "subscription {}",
        ] {
            assert!(!shareable(query, None), "{query}");
        }
        assert!(!shareable(
            "subscription A { leadUpdated { leadId } } subscription B { callUpdated { eventId } }",
            None
        ));
        assert!(!shareable(
            &format!("subscription {{ leadUpdated {}", "{".repeat(200)),
            None
        ));
    }
}
