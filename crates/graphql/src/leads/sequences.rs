//! Nurture sequences in GraphQL: the sequences, their steps, enrolments and
//! progress, the mutations that shape sequences (managers) and move
//! enrolments (agents), and `enrollmentUpdated`. Each translates to one
//! `switchboard_app::leads::sequences` use case.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, Subscription};
use chrono::{DateTime, Utc};
use futures::stream::Stream;
use switchboard_entity::{lead_sequence_enrollments as enrollments, nurture_sequences};

use crate::shared::context::{self, Permission, require};
use crate::shared::error::{ApiError, ApiResult, AppError, UnderArgument, parse_id};
use crate::shared::filter::LeadFilter;
use crate::shared::loaders::PageKey;
use crate::shared::pagination::{Direction, Page};
use crate::types::{EnrollmentConnection, Total};
use crate::types::{Lead, loaders};
use switchboard_app::events::{EnrollmentEvent, Message};
use switchboard_app::leads::sequences::{
    self as service, EnrollmentAction, NewSequence, SequenceChanges,
};
use switchboard_domain::sequences::{self as model, StepInput};

use crate::live::picked;

fn id(uuid: uuid::Uuid) -> ID {
    ID(uuid.to_string())
}

/// How a step reaches the lead.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "switchboard_domain::sequences::Channel")]
pub enum SequenceChannel {
    /// A text message (development messaging until a provider is set up), within calling hours.
    Sms,
    /// An email (development messaging); skipped for a lead without an address.
    Email,
    /// An outbound call, scheduled for the dialer, within calling hours.
    Call,
}

/// The state of an enrolment.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "switchboard_entity::enums::EnrollmentStatus")]
pub enum EnrollmentStatus {
    /// Steps run as they fall due.
    Active,
    /// Waiting for a member (paused by hand or by a reply).
    Paused,
    /// Every step ran.
    Completed,
    /// Ended by a member, an opt-out or the sequence's archiving.
    Cancelled,
    /// A step could not be delivered.
    Failed,
}

/// One step of a sequence.
#[derive(InputObject)]
pub struct SequenceStepInput {
    /// How it reaches the lead.
    pub channel: SequenceChannel,
    /// Minutes after the step before (the first: after enrolment), 0 to 525,600; not with `delayDays`.
    pub delay_minutes: Option<i32>,
    /// Days after the step before, 0 to 365; not with `delayMinutes`.
    pub delay_days: Option<i32>,
    /// A provider template, at most 200 characters (for SMS through Twilio, a Content SID `HX…`, sent instead of `message`).
    pub template_id: Option<String>,
    /// `{ "statusIn": [...], "statusNotIn": [...] }` with lead statuses such as "qualified": the step runs only for such leads, and is skipped otherwise.
    pub conditions: Option<Json<serde_json::Value>>,
    /// The text of an SMS (at most 1,600 characters) or email (20,000), with placeholders `{{firstName}}`, `{{lastName}}`, `{{fullName}}`, `{{email}}`, `{{phoneNumber}}` filled from the lead. An SMS or email step needs a `message` or a `templateId`; a call step has neither.
    pub message: Option<String>,
    /// An email's subject line (one line, at most 200 characters, placeholders as in `message`).
    pub subject: Option<String>,
}

fn steps(inputs: Vec<SequenceStepInput>) -> Vec<StepInput> {
    inputs
        .into_iter()
        .map(|s| StepInput {
            channel: s.channel.into(),
            delay_minutes: s.delay_minutes.map(i64::from),
            delay_days: s.delay_days.map(i64::from),
            template_id: s.template_id,
            conditions: s.conditions.map(|j| j.0),
            message: s.message,
            subject: s.subject,
        })
        .collect()
}

/// A new sequence.
#[derive(InputObject)]
pub struct CreateSequenceInput {
    /// 1 to 200 characters, unique in the organization.
    pub name: String,
    /// What the sequence is for, at most 2,000 characters.
    pub description: Option<String>,
    /// 1 to 50 steps, in order.
    pub steps: Vec<SequenceStepInput>,
    /// Leads matching this filter are enrolled as they are created or change (API, imports, upserts, calls and status rules); none: enrolment by hand only.
    pub trigger_conditions: Option<LeadFilter>,
}

/// Changes to a sequence: omitted parts stay.
#[derive(InputObject)]
pub struct UpdateSequenceInput {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New steps (enrolments continue from the step they reached).
    pub steps: Option<Vec<SequenceStepInput>>,
    /// A new trigger (leads already enrolled stay).
    pub trigger_conditions: Option<LeadFilter>,
    /// True: no more automatic enrolment.
    #[graphql(default)]
    pub clear_trigger: bool,
}

/// A step of a sequence.
pub struct SequenceStep(model::Step);

/// A step of a sequence.
#[Object]
impl SequenceStep {
    /// Its position, from 1.
    async fn step(&self) -> i32 {
        i32::try_from(self.0.step).unwrap_or(i32::MAX)
    }
    /// How it reaches the lead.
    async fn channel(&self) -> SequenceChannel {
        self.0.channel.into()
    }
    /// Minutes after the step before.
    async fn delay_minutes(&self) -> i64 {
        self.0.delay_minutes
    }
    /// The provider template it sends, if any.
    async fn template_id(&self) -> Option<&str> {
        self.0.template_id.as_deref()
    }
    /// The text it sends, placeholders unfilled.
    async fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }
    /// An email's subject line.
    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }
    /// Which leads it runs for.
    async fn conditions(&self) -> Json<&model::Conditions> {
        Json(&self.0.conditions)
    }
}

/// A nurture sequence.
pub struct Sequence(nurture_sequences::Model);

/// A nurture sequence: steps that reach enrolled leads over days.
#[Object]
impl Sequence {
    /// The sequence's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Its name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What it is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Its steps, in order.
    async fn steps(&self) -> Vec<SequenceStep> {
        model::stored_steps(&self.0.steps)
            .into_iter()
            .map(SequenceStep)
            .collect()
    }
    /// The `LeadFilter` that enrols leads automatically, as JSON; null: none.
    async fn trigger_conditions(&self) -> ApiResult<Option<Json<serde_json::Value>>> {
        service::trigger_of(&self.0)
            .map(|f| crate::shared::filter::input_json(&f).map(Json))
            .transpose()
    }
    /// False once archived: it enrols no one more.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Its enrolments, a page at a time, oldest first by default.
    #[graphql(complexity = "crate::shared::pagination::complexity(first, None, child_complexity)")]
    async fn enrollments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many from the start (or after `after`): 0 to 100, default 20.")]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this connection: the page starts after that enrolment.")]
        after: Option<String>,
        #[graphql(desc = "By enrolment time; default ASC (oldest first).")] direction: Option<
            Direction,
        >,
    ) -> ApiResult<EnrollmentConnection> {
        let page = Page::new(first, after, None, None)?;
        let key = PageKey::new(self.0.id, &page, direction.unwrap_or(Direction::Asc));
        let rows = loaders(ctx)?
            .enrollments_by_sequence
            .load_one(key)
            .await
            .map_err(ApiError::from)?
            .unwrap_or_default();
        Ok(EnrollmentConnection::new(
            &page,
            rows,
            |row| service::enrollment_cursor(row),
            Enrollment,
            Total::EnrollmentsOfSequence(self.0.id),
        ))
    }
    /// How many of its enrolments are in each status.
    async fn progress(&self, ctx: &Context<'_>) -> ApiResult<SequenceProgress> {
        let counts = progress_of(ctx, self.0.id).await?;
        let of = |status: switchboard_entity::enums::EnrollmentStatus| {
            counts
                .iter()
                .find(|(s, _)| *s == status)
                .map_or(0, |(_, n)| *n)
        };
        use switchboard_entity::enums::EnrollmentStatus as S;
        Ok(SequenceProgress {
            total: counts.iter().map(|(_, n)| n).sum(),
            active: of(S::Active),
            paused: of(S::Paused),
            completed: of(S::Completed),
            cancelled: of(S::Cancelled),
            failed: of(S::Failed),
        })
    }
}

/// How many enrolments of a sequence are in each status (one statement for every sequence of a request).
pub(crate) async fn progress_of(
    ctx: &Context<'_>,
    sequence: uuid::Uuid,
) -> ApiResult<Vec<(switchboard_entity::enums::EnrollmentStatus, i64)>> {
    Ok(loaders(ctx)?
        .enrollment_progress
        .load_one(sequence)
        .await
        .map_err(ApiError::from)?
        .unwrap_or_default())
}

/// How a sequence's enrolments stand.
#[derive(async_graphql::SimpleObject)]
pub struct SequenceProgress {
    /// Every enrolment, in any status.
    pub total: i64,
    /// Running their steps.
    pub active: i64,
    /// Waiting for a member (paused by hand or by a reply).
    pub paused: i64,
    /// Every step ran.
    pub completed: i64,
    /// Ended by a member, an opt-out or the archiving.
    pub cancelled: i64,
    /// A step could not be delivered.
    pub failed: i64,
}

/// A lead's enrolment in a sequence.
pub struct Enrollment(pub std::sync::Arc<enrollments::Model>);

/// A lead's progress through a sequence.
#[Object]
impl Enrollment {
    /// The enrolment's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Active, paused, completed, cancelled or failed.
    async fn status(&self) -> EnrollmentStatus {
        self.0.status.into()
    }
    /// Steps run so far (the next one's index, from 0).
    async fn current_step(&self) -> i32 {
        self.0.current_step
    }
    /// Each step run (`step`, `channel`, `at` and its result: `sent`, `callId`, `skipped` or `failed`) and each reply (`reply`, `message`), in order.
    async fn executed_steps(&self) -> Json<&serde_json::Value> {
        Json(&self.0.executed_steps)
    }
    /// When the next step is due.
    async fn next_step_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_step_at
    }
    /// When the lead was enrolled.
    async fn enrolled_at(&self) -> DateTime<Utc> {
        self.0.enrolled_at
    }
    /// When it was paused.
    async fn paused_at(&self) -> Option<DateTime<Utc>> {
        self.0.paused_at
    }
    /// When its last step ran.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    /// Why it was cancelled or failed.
    async fn cancelled_reason(&self) -> Option<&str> {
        self.0.cancelled_reason.as_deref()
    }
    /// The sequence's id.
    async fn sequence_id(&self) -> ID {
        id(self.0.sequence_id)
    }
    /// The sequence.
    async fn sequence(&self, ctx: &Context<'_>) -> ApiResult<Sequence> {
        let row = loaders(ctx)?
            .sequences
            .load_one(self.0.sequence_id)
            .await
            .map_err(ApiError::from)?
            .and_then(|rows| rows.into_iter().next())
            .ok_or_else(|| ApiError::from(AppError::not_found("sequence", self.0.sequence_id)))?;
        Ok(Sequence((*row).clone()))
    }
    /// The lead's id.
    async fn lead_id(&self) -> ID {
        id(self.0.lead_id)
    }
}

/// A lead's enrolments, oldest first (`Lead.enrollments`).
pub(crate) async fn of_lead(ctx: &Context<'_>, lead: &Lead) -> ApiResult<Vec<Enrollment>> {
    let rows = loaders(ctx)?
        .enrollments_by_lead
        .load_one(lead.0.id)
        .await
        .map_err(crate::shared::error::ApiError::from)?;
    Ok(rows
        .unwrap_or_default()
        .into_iter()
        .map(Enrollment)
        .collect())
}

/// Sequence queries.
#[derive(Default)]
pub struct SequenceQueries;

#[Object]
impl SequenceQueries {
    /// The organization's sequences, newest first (archived ones too).
    async fn sequences(&self, ctx: &Context<'_>) -> ApiResult<Vec<Sequence>> {
        let viewer = require(ctx, Permission::Read)?;
        let rows = service::sequences(context::db(ctx)?, viewer.organization_id).await?;
        Ok(rows.into_iter().map(Sequence).collect())
    }
}

/// Sequence and enrolment mutations.
#[derive(Default)]
pub struct SequenceMutations;

#[Object]
impl SequenceMutations {
    /// Creates a sequence (managers); a name taken is CONFLICT.
    async fn create_sequence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sequence.")] input: CreateSequenceInput,
    ) -> ApiResult<Sequence> {
        let viewer = require(ctx, Permission::Manage)?;
        let new = NewSequence {
            name: input.name,
            description: input.description,
            steps: steps(input.steps),
            trigger: input
                .trigger_conditions
                .map(|f| f.to_ast())
                .transpose()
                .under("input.triggerConditions")?,
        };
        let row = service::create_sequence(context::app(ctx)?, viewer, new)
            .await
            .under("input")?;
        Ok(Sequence(row))
    }

    /// Changes a live sequence (managers); an archived one is CONFLICT.
    async fn update_sequence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sequence's id.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateSequenceInput,
    ) -> ApiResult<Sequence> {
        let viewer = require(ctx, Permission::Manage)?;
        let id = parse_id("id", &id)?;
        let trigger = match (input.clear_trigger, input.trigger_conditions) {
            (true, Some(_)) => {
                return Err(crate::shared::error::ApiError::bad_input(
                    "input.clearTrigger",
                    "give `triggerConditions` or `clearTrigger`, not both",
                ));
            }
            (true, None) => Some(None),
            (false, Some(filter)) => Some(Some(filter.to_ast().under("input.triggerConditions")?)),
            (false, None) => None,
        };
        let changes = SequenceChanges {
            name: input.name,
            description: input.description,
            steps: input.steps.map(steps),
            trigger,
        };
        let row = service::update_sequence(context::app(ctx)?, viewer, id, changes)
            .await
            .under("input")?;
        Ok(Sequence(row))
    }

    /// Archives a sequence (managers): it enrols no one more and its active and paused enrolments are cancelled.
    async fn archive_sequence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sequence's id.")] id: ID,
    ) -> ApiResult<Sequence> {
        let viewer = require(ctx, Permission::Manage)?;
        let id = parse_id("id", &id)?;
        let row = service::archive_sequence(context::app(ctx)?, viewer, id).await?;
        Ok(Sequence(row))
    }

    /// Enrols live leads in a live sequence (at most 1,000); a lead enrolled already keeps its enrolment. One enrolment per lead, in the order given.
    async fn enroll_leads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sequence's id.")] sequence_id: ID,
        #[graphql(desc = "The leads.")] lead_ids: Vec<ID>,
    ) -> ApiResult<Vec<Enrollment>> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let sequence = parse_id("sequenceId", &sequence_id)?;
        let leads = lead_ids
            .iter()
            .enumerate()
            .map(|(i, l)| parse_id(&format!("leadIds[{i}]"), l))
            .collect::<ApiResult<Vec<_>>>()?;
        let rows = service::enroll_leads(context::app(ctx)?, viewer, sequence, leads).await?;
        Ok(rows.into_iter().map(|r| Enrollment(r.into())).collect())
    }

    /// Pauses an active enrolment; anything else is CONFLICT.
    async fn pause_enrollment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The enrolment's id.")] id: ID,
    ) -> ApiResult<Enrollment> {
        change(ctx, id, EnrollmentAction::Pause).await
    }

    /// Resumes a paused enrolment: its next step falls due after what was left of its delay.
    async fn resume_enrollment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The enrolment's id.")] id: ID,
    ) -> ApiResult<Enrollment> {
        change(ctx, id, EnrollmentAction::Resume).await
    }

    /// Cancels an active or paused enrolment.
    async fn cancel_enrollment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The enrolment's id.")] id: ID,
        #[graphql(desc = "Why, at most 500 characters.")] reason: Option<String>,
    ) -> ApiResult<Enrollment> {
        change(ctx, id, EnrollmentAction::Cancel { reason }).await
    }

    /// Records the lead's reply to a nurture message: the enrolment pauses for a member to take over, and the reply counts in the lead's score.
    async fn record_sequence_reply(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The enrolment's id.")] id: ID,
        #[graphql(desc = "What the lead said, at most 2,000 characters.")] message: Option<String>,
    ) -> ApiResult<Enrollment> {
        let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
        let id = parse_id("id", &id)?;
        let row = service::record_reply(context::app(ctx)?, viewer, id, message).await?;
        Ok(Enrollment(row.into()))
    }
}

async fn change(ctx: &Context<'_>, id: ID, action: EnrollmentAction) -> ApiResult<Enrollment> {
    let viewer = require(ctx, Permission::WriteLeadsAndCalls)?;
    let id = parse_id("id", &id)?;
    let row = service::change_enrollment(context::app(ctx)?, viewer, id, action).await?;
    Ok(Enrollment(row.into()))
}

/// A change of an enrolment, as `enrollmentUpdated` delivers it.
pub struct EnrollmentUpdate(EnrollmentEvent);

/// A change of an enrolment, as `enrollmentUpdated` delivers it.
#[Object]
impl EnrollmentUpdate {
    /// The enrolment's id.
    async fn enrollment_id(&self) -> ID {
        id(self.0.enrollment_id)
    }
    /// The sequence's id.
    async fn sequence_id(&self) -> ID {
        id(self.0.sequence_id)
    }
    /// The lead's id.
    async fn lead_id(&self) -> ID {
        id(self.0.lead_id)
    }
    /// Its status after the change.
    async fn status(&self) -> EnrollmentStatus {
        self.0.status.into()
    }
    /// Steps run after the change.
    async fn current_step(&self) -> i32 {
        self.0.current_step
    }
    /// When it changed.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The enrolment as it is now (null if it is gone).
    async fn enrollment(&self, ctx: &Context<'_>) -> ApiResult<Option<Enrollment>> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(service::enrollment(
            context::db(ctx)?,
            viewer.organization_id,
            self.0.enrollment_id,
        )
        .await?
        .map(|row| Enrollment(row.into())))
    }
}

/// Subscriptions to nurture sequences.
#[derive(Default)]
pub struct SequenceSubscriptions;

#[Subscription]
impl SequenceSubscriptions {
    /// Enrolments as they begin, run a step, pause, resume, complete, fail or are cancelled, filtered by sequence or lead (none: every enrolment of the organization). No replay: a client that falls behind gets RESYNC_REQUIRED and reads `Sequence.enrollments`.
    async fn enrollment_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this sequence's enrolments.")] sequence_id: Option<ID>,
        #[graphql(desc = "Only this lead's enrolments.")] lead_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<EnrollmentUpdate>>> {
        let viewer = require(ctx, Permission::Read)?;
        let sequence = sequence_id
            .map(|s| parse_id("sequenceId", &s))
            .transpose()?;
        let lead = lead_id.map(|l| parse_id("leadId", &l)).transpose()?;
        let organization_id = viewer.organization_id;
        let receiver = context::bus(ctx)?.subscribe_organization(organization_id);
        Ok(picked(receiver, move |message| match message {
            Message::Enrollment(event)
                if event.organization_id == organization_id
                    && sequence.is_none_or(|s| s == event.sequence_id)
                    && lead.is_none_or(|l| l == event.lead_id) =>
            {
                Some(EnrollmentUpdate(event.clone()))
            }
            _ => None,
        }))
    }
}
