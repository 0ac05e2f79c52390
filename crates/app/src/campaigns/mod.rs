//! Campaigns that run themselves: a campaign calls its segment's leads (and
//! any added by hand) with its agent, numbers, calling window, pacing,
//! concurrency and retry policy, from `startCampaign` until it runs out of
//! leads, reaches its end date or is completed.
//!
//! [`runs`] starts, pauses, resumes and completes campaigns and chooses
//! their leads; [`runner`] works through them in each dialer round,
//! scheduling calls the dispatcher places; [`progress`] counts where they
//! stand. Every call still goes through the dial gate at the moment it is
//! placed.

pub mod progress;
pub mod runner;
pub mod runs;
