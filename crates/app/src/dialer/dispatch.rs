//! The dispatcher: places the scheduled calls that are due, every few
//! seconds in `serve` (`--dialer-poll-secs`), on any number of instances.
//!
//! A round asks (on the privileged pool, since it spans organizations)
//! which organizations have due calls or running campaigns, and an account
//! at a provider (an organization without one records its calls but places
//! them elsewhere: the dialer leaves them be), then works each as that
//! tenant: its running campaigns schedule calls for their next leads
//! ([`crate::campaigns::runner`]), then the next due call is claimed under the organization's row lock (`FOR
//! UPDATE` on PostgreSQL, which queues the instances' claims for one
//! organization; SQLite's write transaction holds the database) and with
//! `SKIP LOCKED` past calls other writers hold, [`prepare`]d — the dial
//! gate at this moment, the attempt recorded as `queued` — and committed
//! before the provider is asked, so two dispatchers never place one call
//! and a call is never placed twice. Claims go one at a time; the requests
//! overlap (up to [`DIALS_IN_FLIGHT`] an organization), so a slow provider
//! does not hold the claims behind it. Then:
//!
//! - placed: the provider's id is stored, the webhooks go on from there;
//! - refused: the call is `failed` with the provider's words;
//! - unavailable (a timeout, a 5xx): scheduled again a minute later, then
//!   two, four… up to [`MAX_ATTEMPTS`] attempts, after which it fails;
//! - blocked by the gate: on the DNC list, the call is cancelled; outside
//!   the calling hours or the campaign's window, its campaign not running
//!   or the credits short, it waits: its `scheduled_at` moves
//!   [`HOLD_MINUTES`] on, so held calls never crowd out the due ones;
//! - unplaceable (no active agent, no account at its provider, no number to
//!   call from): the call fails with the reason.
//!
//! An organization has at most its `dialerConcurrency` setting's calls
//! going at once (queued, ringing or in progress), counted under that lock
//! so it holds across instances: a round places no more than the room
//! left, the rest wait for the next. So do a campaign's calls past its
//! `maxConcurrentCalls` or its `callsPerMinute` (the attempts of the last
//! minute, counted from the call events), and a call whose every possible
//! number carries its `maxConcurrentCalls`.
//!
//! An attempt left in doubt — `queued` without the provider's id for
//! [`IN_DOUBT_MINUTES`], because a dispatcher stopped between the request
//! and the answer and no webhook named the call since — fails with a
//! reason saying so, never dialed again blindly: the provider may have
//! placed it.
//!
//! Rounds, outcomes and the lag behind the due time are counted in the
//! metrics, each step is announced to `callUpdated`.

use std::time::Duration as StdDuration;

use tokio::task::JoinSet;

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use switchboard_domain::dial::DialBlock;
use switchboard_entity::enums::{CallEventKind, CallStatus, CampaignStatus};
use switchboard_entity::{call_events, calls, campaigns, organizations, system_config};
use uuid::Uuid;

use super::DialError;
use super::dial::{Prepared, prepare, record_answer};
use crate::actor::Actor;
use crate::app::App;
use crate::calls::status::change_status;
use crate::campaigns::runner::run_campaigns;
use crate::db::Tenant;
use crate::error::{AppError, AppResult};

/// Attempts a provider may be unavailable for before the call fails.
pub const MAX_ATTEMPTS: u64 = 5;

/// How far a call the gate holds is put off.
pub const HOLD_MINUTES: i64 = 15;

/// Requests to the providers one organization's round has going at once.
pub const DIALS_IN_FLIGHT: usize = 16;

/// How long an attempt may stay in doubt (`queued` without the provider's
/// id: the dispatcher stopped between the request and the answer, and no
/// webhook has named the call since) before it is given up on.
pub const IN_DOUBT_MINUTES: i64 = 10;

const DIAL_LAG: &str = "switchboard_dialer_lag_seconds";
const DIALS: &str = "switchboard_dialer_dials_total";

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dispatch {
    /// Calls the providers took.
    pub placed: u64,
    /// Calls that failed (refused, unplaceable, out of attempts).
    pub failed: u64,
    /// Calls scheduled again after an unavailable provider.
    pub retried: u64,
    /// Calls cancelled for the DNC list.
    pub cancelled: u64,
    /// Calls the gate holds for now.
    pub waiting: u64,
    /// Attempts given up on after staying in doubt.
    pub in_doubt: u64,
    /// Calls the running campaigns scheduled for their leads.
    pub scheduled: u64,
}

impl Dispatch {
    fn add(&mut self, other: Self) {
        self.placed += other.placed;
        self.failed += other.failed;
        self.retried += other.retried;
        self.cancelled += other.cancelled;
        self.waiting += other.waiting;
        self.in_doubt += other.in_doubt;
        self.scheduled += other.scheduled;
    }

    fn record(&self) {
        for (outcome, n) in [
            ("placed", self.placed),
            ("failed", self.failed),
            ("retried", self.retried),
            ("cancelled", self.cancelled),
            ("waiting", self.waiting),
            ("in_doubt", self.in_doubt),
            ("scheduled_by_campaign", self.scheduled),
        ] {
            if n > 0 {
                metrics::counter!(DIALS, "outcome" => outcome).increment(n);
            }
        }
    }
}

/// Places the calls due at `now`, up to `batch` an organization.
pub async fn dispatch_due(app: &App, now: DateTime<Utc>, batch: u64) -> AppResult<Dispatch> {
    let doubt = now - Duration::minutes(IN_DOUBT_MINUTES);
    let organizations: Vec<Uuid> = calls::Entity::find()
        .select_only()
        .column(calls::Column::OrganizationId)
        .distinct()
        .filter(
            sea_orm::Condition::any()
                .add(
                    sea_orm::Condition::all()
                        .add(calls::Column::Status.eq(CallStatus::Scheduled))
                        .add(calls::Column::ScheduledAt.lte(now)),
                )
                .add(
                    sea_orm::Condition::all()
                        .add(calls::Column::Status.eq(CallStatus::Queued))
                        .add(calls::Column::ProviderCallId.is_null())
                        .add(calls::Column::UpdatedAt.lt(doubt)),
                ),
        )
        .limit(1_000)
        .into_tuple()
        .all(app.privileged())
        .await?;
    let running: Vec<Uuid> = campaigns::Entity::find()
        .select_only()
        .column(campaigns::Column::OrganizationId)
        .distinct()
        .filter(campaigns::Column::Status.eq(CampaignStatus::Active))
        .limit(1_000)
        .into_tuple()
        .all(app.privileged())
        .await?;
    let organizations = organizations.into_iter().chain(running);
    let dialing: Vec<Uuid> = system_config::Entity::find()
        .select_only()
        .column(system_config::Column::OrganizationId)
        .distinct()
        .filter(system_config::Column::OrganizationId.is_in(organizations))
        .filter(system_config::Column::Key.starts_with("providers."))
        .into_tuple::<Option<Uuid>>()
        .all(app.privileged())
        .await?
        .into_iter()
        .flatten()
        .collect();
    let organizations = dialing;
    let mut round = Dispatch::default();
    for organization_id in organizations {
        let tenant = app.for_tenant(Tenant::organization(organization_id));
        match dispatch_organization(&tenant, organization_id, now, batch).await {
            Ok(done) => round.add(done),
            Err(err) => tracing::warn!(%organization_id, error = %err, "a dialer round failed"),
        }
    }
    round.record();
    Ok(round)
}

/// Runs rounds every `every` until the process ends; a failed round is
/// logged and the next one tries again.
pub async fn dispatch_loop(app: App, every: StdDuration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match dispatch_due(&app, Utc::now(), 100).await {
            Ok(round) if round != Dispatch::default() => {
                tracing::info!(?round, "dialed due calls");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "a dialer round failed"),
        }
        metrics::gauge!(
            "switchboard_task_last_completed_timestamp_seconds",
            "task" => "dialer"
        )
        .set(Utc::now().timestamp_millis() as f64 / 1000.0);
    }
}

/// One organization's due calls, each in transactions of its own.
async fn dispatch_organization(
    app: &App,
    organization_id: Uuid,
    now: DateTime<Utc>,
    batch: u64,
) -> AppResult<Dispatch> {
    let actor = Actor::system(organization_id);
    let mut round = Dispatch::default();
    let doubtful: Vec<Uuid> = calls::Entity::find()
        .select_only()
        .column(calls::Column::Id)
        .filter(calls::Column::OrganizationId.eq(organization_id))
        .filter(calls::Column::Status.eq(CallStatus::Queued))
        .filter(calls::Column::ProviderCallId.is_null())
        .filter(calls::Column::UpdatedAt.lt(now - Duration::minutes(IN_DOUBT_MINUTES)))
        .limit(batch)
        .into_tuple()
        .all(&app.db)
        .await?;
    for id in doubtful {
        let reason = "the provider's answer never came: check the provider before dialing again";
        end(app, actor, id, CallStatus::Failed, reason, now).await?;
        round.in_doubt += 1;
    }
    // The running campaigns schedule calls for their next leads first.
    round.scheduled = run_campaigns(app, organization_id, now).await?.scheduled;
    // Carriers and providers limit calls at once: the organization's share.
    let limit = crate::settings::dialer_concurrency(&app.db, organization_id).await?;
    // Calls the gate holds stay scheduled: not claimed again this round;
    // nor are the calls of campaigns at their limit or pace.
    let mut held: Vec<Uuid> = Vec::new();
    let mut full: Vec<Uuid> = Vec::new();
    // Claims are one at a time (under the lock); the requests they lead to
    // overlap, up to DIALS_IN_FLIGHT, each answer recorded as it comes.
    let mut dialing: JoinSet<AppResult<Dispatch>> = JoinSet::new();
    let claimed: AppResult<()> = async {
        for _ in 0..batch {
            let write = app.begin_write().await?;
            // Claims queue on the organization's row, so the calls going are
            // counted with every other instance's claims committed.
            organizations::Entity::find_by_id(organization_id)
                .lock_exclusive()
                .one(&*write)
                .await?;
            let live = calls::Entity::find()
                .filter(calls::Column::OrganizationId.eq(organization_id))
                .filter(calls::Column::Status.is_in([
                    CallStatus::Queued,
                    CallStatus::Ringing,
                    CallStatus::InProgress,
                ]))
                .count(&*write)
                .await?;
            if live >= limit.unsigned_abs() {
                break;
            }
            let mut due = calls::Entity::find()
                .filter(calls::Column::OrganizationId.eq(organization_id))
                .filter(calls::Column::Status.eq(CallStatus::Scheduled))
                .filter(calls::Column::ScheduledAt.lte(now))
                .filter(calls::Column::Id.is_not_in(held.iter().copied()))
                .filter(
                    sea_orm::Condition::any()
                        .add(calls::Column::CampaignId.is_null())
                        .add(calls::Column::CampaignId.is_not_in(full.iter().copied())),
                )
                .order_by_asc(calls::Column::ScheduledAt)
                .order_by_asc(calls::Column::Id)
                .limit(1);
            if sea_orm::ConnectionTrait::get_database_backend(&*write) == DbBackend::Postgres {
                due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
            }
            let Some(call) = due.one(&*write).await? else {
                break;
            };
            let id = call.id;
            if let Some(campaign) = call.campaign_id
                && !campaign_has_room(&write, organization_id, campaign, now).await?
            {
                full.push(campaign);
                continue;
            }
            if let Some(at) = call.scheduled_at {
                let lag = (now - at).num_milliseconds().max(0) as f64 / 1000.0;
                metrics::histogram!(DIAL_LAG).record(lag);
            }
            match prepare(app, &write, actor, call, now).await {
                Ok(Prepared::Dial(dial)) => {
                    write.commit().await?;
                    let app = app.clone();
                    dialing.spawn(async move {
                        let answer = app.voice.dial(*dial).await;
                        answered(&app, actor, id, answer, now).await
                    });
                    while dialing.len() >= DIALS_IN_FLIGHT {
                        if let Some(done) = dialing.join_next().await {
                            collect(&mut round, done);
                        }
                    }
                }
                Ok(Prepared::NumbersBusy) => {
                    drop(write);
                    held.push(id);
                }
                Err(AppError::DialBlocked { reasons }) => {
                    drop(write);
                    let dnc = reasons
                        .iter()
                        .any(|r| matches!(r, DialBlock::OnDncList { .. }));
                    if dnc {
                        end(
                            app,
                            actor,
                            id,
                            CallStatus::Cancelled,
                            "the number is on the do-not-call list",
                            now,
                        )
                        .await?;
                        round.cancelled += 1;
                    } else {
                        hold(app, organization_id, id, now).await?;
                        held.push(id);
                        round.waiting += 1;
                    }
                }
                Err(AppError::BadUserInput(reason)) => {
                    drop(write);
                    end(app, actor, id, CallStatus::Failed, &reason.message(), now).await?;
                    round.failed += 1;
                }
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }
    .await;
    // Requests already made are always answered and recorded, even when a
    // claim failed.
    while let Some(done) = dialing.join_next().await {
        collect(&mut round, done);
    }
    claimed?;
    Ok(round)
}

/// Adds a finished request's outcome to the round. Recording it failed
/// leaves the call queued without the provider's id: in doubt, never
/// dialed again blindly.
fn collect(round: &mut Dispatch, done: Result<AppResult<Dispatch>, tokio::task::JoinError>) {
    match done {
        Ok(Ok(outcome)) => round.add(outcome),
        Ok(Err(error)) => tracing::warn!(%error, "the provider's answer was not recorded"),
        Err(error) => tracing::warn!(%error, "a dial ended early"),
    }
}

/// Records the provider's answer; an unavailable provider's call is tried
/// again later with a doubling delay, until it runs out of attempts.
async fn answered(
    app: &App,
    actor: Actor,
    id: Uuid,
    answer: Result<super::Placed, DialError>,
    now: DateTime<Utc>,
) -> AppResult<Dispatch> {
    let mut done = Dispatch::default();
    match &answer {
        Ok(_) => done.placed = 1,
        Err(DialError::Refused { .. }) => done.failed = 1,
        Err(DialError::Unavailable(reason)) => {
            let attempts = unavailable_attempts(app, id).await? + 1;
            if attempts >= MAX_ATTEMPTS {
                let placed = record_answer(app, actor, id, answer.clone(), None, now).await;
                if !matches!(placed, Err(AppError::ProviderUnavailable(_))) {
                    placed?;
                }
                let reason = format!("the provider was unavailable {attempts} times: {reason}");
                end(app, actor, id, CallStatus::Failed, &reason, now).await?;
                done.failed = 1;
                return Ok(done);
            }
            done.retried = 1;
            let delay = Duration::minutes(1 << (attempts - 1).min(10));
            let placed =
                record_answer(app, actor, id, answer.clone(), Some(now + delay), now).await;
            return match placed {
                Err(AppError::ProviderUnavailable(_)) => Ok(done),
                other => other.map(|_| done),
            };
        }
    }
    record_answer(app, actor, id, answer, None, now).await?;
    Ok(done)
}

/// Whether a campaign may place another call now: fewer calls going than
/// its `maxConcurrentCalls`, and fewer placed in the last minute than its
/// `callsPerMinute` (counted from the attempts recorded, so it holds across
/// instances and restarts).
async fn campaign_has_room(
    write: &crate::app::Write,
    organization_id: Uuid,
    campaign_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let Some(campaign) = campaigns::Entity::find_by_id(campaign_id)
        .filter(campaigns::Column::OrganizationId.eq(organization_id))
        .one(&**write)
        .await?
    else {
        return Ok(true);
    };
    if let Some(limit) = campaign.max_concurrent_calls {
        let going = calls::Entity::find()
            .filter(calls::Column::CampaignId.eq(campaign_id))
            .filter(calls::Column::Status.is_in([
                CallStatus::Queued,
                CallStatus::Ringing,
                CallStatus::InProgress,
            ]))
            .count(&**write)
            .await?;
        if going >= u64::try_from(limit).unwrap_or(0) {
            return Ok(false);
        }
    }
    if campaign.calls_per_minute.is_none() {
        return Ok(true);
    }
    let last_minute = call_events::Entity::find()
        .inner_join(calls::Entity)
        .filter(call_events::Column::OrganizationId.eq(organization_id))
        .filter(call_events::Column::CreatedAt.gt(now - Duration::minutes(1)))
        .filter(call_events::Column::Kind.eq(CallEventKind::StatusChanged))
        .filter(call_events::Column::ToStatus.eq(CallStatus::Queued))
        .filter(calls::Column::CampaignId.eq(campaign_id))
        .count(&**write)
        .await?;
    Ok(switchboard_domain::campaign::pace_allows(
        campaign.calls_per_minute,
        last_minute,
    ))
}

/// How many times the provider was unavailable for the call so far.
async fn unavailable_attempts(app: &App, id: Uuid) -> AppResult<u64> {
    Ok(call_events::Entity::find()
        .filter(call_events::Column::CallId.eq(id))
        .filter(call_events::Column::Kind.eq(CallEventKind::StatusChanged))
        .filter(call_events::Column::FromStatus.eq(CallStatus::Queued))
        .filter(call_events::Column::ToStatus.eq(CallStatus::Scheduled))
        .count(&app.db)
        .await?)
}

/// Puts off a call the gate holds by [`HOLD_MINUTES`] (its status and
/// history unchanged).
async fn hold(app: &App, organization_id: Uuid, id: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    calls::Entity::update_many()
        .col_expr(
            calls::Column::ScheduledAt,
            sea_orm::sea_query::Expr::val(now + Duration::minutes(HOLD_MINUTES)),
        )
        .filter(calls::Column::Id.eq(id))
        .filter(calls::Column::OrganizationId.eq(organization_id))
        .filter(calls::Column::Status.eq(CallStatus::Scheduled))
        .exec(&app.db)
        .await?;
    Ok(())
}

/// Ends a scheduled call the dispatcher will not place, with the reason.
async fn end(
    app: &App,
    actor: Actor,
    id: Uuid,
    to: CallStatus,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let write = app.begin_write().await?;
    let (call, _) = change_status(&write, actor, id, to, None, now).await?;
    let mut row: calls::ActiveModel = call.into();
    row.ended_reason = Set(Some(reason.chars().take(500).collect()));
    row.update(&*write).await?;
    write.commit().await?;
    Ok(())
}
