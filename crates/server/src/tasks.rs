//! The background loops an application runs beside its router, started once
//! by [`spawn`] when it binds:
//!
//! - PostgreSQL only: the event listener, which feeds this instance's bus
//!   from notifications, so a subscriber here sees writes made anywhere
//!   ([`switchboard_app::events::listen`]); and the fold of the call
//!   summary's day counts ([`switchboard_app::analytics::day_counts::fold_loop`]).
//! - The access re-check ([`watch_access`]), which closes the sockets and
//!   streams of members who lost access; each completed round sets
//!   `switchboard_task_last_completed_timestamp_seconds{task="access_recheck"}`.
//! - The metrics upkeep ([`upkeep_metrics`]), which folds histogram data in
//!   between scrapes.
//! - The identity cleanup ([`switchboard_app::identity::cleanup`]), hourly:
//!   expired sessions, old login attempts and spent links.
//! - The nurture sequence runner ([`switchboard_app::leads::runner`]),
//!   every `--sequence-poll-secs`.
//! - The customers' RFM rescoring ([`switchboard_app::customers::rfm`]), hourly.
//! - The dialer ([`switchboard_app::dialer::dispatch`]), every
//!   `--dialer-poll-secs`: due scheduled calls placed at the providers.
//!
//! The fold clocks itself (the same gauge, `task="day_count_fold"`),
//! and the event bus counts what it fans out
//! (`switchboard_events_fanned_out_total{kind}`), both in `switchboard-app`.

use std::time::Duration;

use sea_orm::DatabaseConnection;
use switchboard_app::events::Message;
use switchboard_graphql::EventBus;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::app::{AppState, HttpConfig};
use crate::auth::{Sessions, recheck};
use crate::telemetry::metrics::{ACCESS_RECHECK, Metrics};

/// How often the metrics' histograms are folded in.
const METRICS_UPKEEP: Duration = Duration::from_secs(5);

/// Starts the application's background loops.
pub fn spawn(state: &AppState, config: &HttpConfig) {
    // Listening, the fold of the day counts and the access re-check cross
    // organizations: they use the privileged pool.
    let db = state.app.privileged();
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Every instance listens, so a subscriber here sees writes made anywhere.
        tokio::spawn(switchboard_app::events::listen(
            db.clone(),
            state.bus.clone(),
        ));
        tokio::spawn(switchboard_app::analytics::day_counts::fold_loop(
            db.clone(),
            config.summary_fold,
        ));
    }
    tokio::spawn(watch_access(
        db.clone(),
        state.bus.clone(),
        state.sessions.clone(),
        config.access_recheck,
        state.metrics.clone(),
    ));
    tokio::spawn(upkeep_metrics(
        state.metrics.clone(),
        state.shutdown.clone(),
    ));
    // Nurture sequence steps as they fall due, on every instance (each
    // step is claimed by one).
    // Due scheduled calls, placed at the providers, on every instance
    // (each call is claimed by one).
    if let Some(every) = config.dialer_poll {
        tokio::spawn(switchboard_app::dialer::dispatch::dispatch_loop(
            state.app.clone(),
            every,
        ));
    }
    if let Some(every) = config.sequence_poll {
        tokio::spawn(switchboard_app::leads::runner::run_loop(
            state.app.clone(),
            every,
        ));
    }
    // RFM scores age with time (recency): every organization, hourly.
    tokio::spawn(switchboard_app::customers::rfm::rescore_loop(
        state.app.clone(),
        CUSTOMER_RESCORE,
    ));
    // Expired sessions, old login attempts, spent links: hourly, one
    // instance at a time.
    tokio::spawn(switchboard_app::identity::cleanup::cleanup_loop(
        state.app.clone(),
        IDENTITY_CLEANUP,
    ));
}

/// How often every organization's customers are rescored.
const CUSTOMER_RESCORE: Duration = Duration::from_secs(3600);

/// How often what identity no longer needs is deleted.
const IDENTITY_CLEANUP: Duration = Duration::from_secs(3600);

/// Folds histogram data into the metrics every few seconds, until shutdown.
pub async fn upkeep_metrics(metrics: Metrics, shutdown: CancellationToken) {
    let mut ticker = tokio::time::interval(METRICS_UPKEEP);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => metrics.upkeep(),
            () = shutdown.cancelled() => return,
        }
    }
}

/// Ends the connections of members who lost access: at once when a
/// revocation is announced on the bus (by any instance), and every `every`
/// by one statement over all open connections, since memberships can also
/// change outside the API.
pub async fn watch_access(
    db: DatabaseConnection,
    bus: EventBus,
    sessions: Sessions,
    every: Duration,
    metrics: Metrics,
) {
    let mut control = bus.subscribe_control();
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let check = tokio::select! {
            _ = ticker.tick() => true,
            message = control.recv() => match message {
                Ok(message) => {
                    if let Message::AccessRevoked { organization_id, user_id } = message.as_ref() {
                        sessions.revoke(*organization_id, *user_id);
                    }
                    false
                }
                // A revocation may be among the missed messages.
                Err(broadcast::error::RecvError::Lagged(_)) => true,
                Err(broadcast::error::RecvError::Closed) => return,
            },
        };
        if !check {
            continue;
        }
        match recheck(&db, &sessions).await {
            Ok(()) => metrics.task_completed(ACCESS_RECHECK),
            Err(err) => {
                tracing::warn!(error = %err, "re-checking the access of open connections failed");
            }
        }
    }
}
