//! Lead scoring and status automation in GraphQL: the organization's
//! weights and status rules, a bulk recalculation, and the breakdown
//! objects `Lead.scoreBreakdown` returns. Each translates to one
//! `switchboard_app::leads::scoring` or `::automation` use case.

use async_graphql::{Context, InputObject, Object, SimpleObject};

use crate::identity::client;
use crate::shared::context::{self, Permission, require};
use crate::shared::error::{ApiResult, UnderArgument};
use crate::shared::filter::LeadFilter;
use switchboard_app::leads::automation;
use switchboard_app::leads::scoring as service;
use switchboard_domain::automation as rules;
use switchboard_domain::scoring as model;

/// How much each part of the lead score counts (0 to 100 each, not all 0): the score is their weighted mean.
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(input_name = "ScoringWeightsInput")]
pub struct ScoringWeights {
    /// The latest AI analysis's qualification scores (default 60).
    pub qualification: i32,
    /// Answered calls, recency of contact and replies (default 25).
    pub engagement: i32,
    /// How often the lead's source converts (default 15).
    pub source_quality: i32,
}

impl From<model::ScoringWeights> for ScoringWeights {
    fn from(w: model::ScoringWeights) -> Self {
        let int = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        Self {
            qualification: int(w.qualification),
            engagement: int(w.engagement),
            source_quality: int(w.source_quality),
        }
    }
}

/// How a lead's score was computed: each part 0-100, and the weights that combined them.
#[derive(SimpleObject)]
pub struct ScoreBreakdown {
    /// The score, the weighted mean of the parts.
    pub score: i32,
    /// The mean of the latest analysis's intent, urgency, budget, fit and engagement scores (its total without them; 0 with no analysis).
    pub qualification: i32,
    /// Half answered calls (3 or more: full), half recency of contact (a day 100, a week 70, a month 40, longer 10), plus 25 per reply (at most 2).
    pub engagement: i32,
    /// The share of the source's leads that reached qualified, hot or recruited (50 below 10 leads).
    pub source_quality: i32,
    /// The weights it was computed with.
    pub weights: ScoringWeights,
}

impl From<model::Breakdown> for ScoreBreakdown {
    fn from(b: model::Breakdown) -> Self {
        Self {
            score: b.score,
            qualification: b.qualification,
            engagement: b.engagement,
            source_quality: b.source_quality,
            weights: b.weights.into(),
        }
    }
}

/// What a recalculation did.
#[derive(SimpleObject)]
pub struct ScoreRecalculation {
    /// Leads scored.
    pub scored: i32,
    /// Of those, leads whose score changed (each with a history row and a `leadUpdated` event).
    pub changed: i32,
}

/// How calls move leads' statuses.
#[derive(SimpleObject, InputObject)]
#[graphql(input_name = "StatusRulesInput")]
pub struct StatusRules {
    /// Off: calls change no lead's status (default on).
    pub enabled: bool,
    /// Unanswered calls in a row (missed, no-show, voicemail) that make a new, contacted or nurturing lead cold; 0 turns it off (default 3, at most 50).
    pub unanswered_attempts: i32,
    /// The score from which a booked or transferred lead becomes hot rather than qualified (default 70).
    pub hot_score: i32,
    /// Opt-out phrases beside the built-in ones ("do not call", "stop calling", "remove me from your list", …), matched as whole words in a transcript's caller turns or an analysis; at most 100.
    #[graphql(default)]
    pub extra_opt_out_phrases: Vec<String>,
}

impl From<rules::StatusRules> for StatusRules {
    fn from(r: rules::StatusRules) -> Self {
        Self {
            enabled: r.enabled,
            unanswered_attempts: i32::try_from(r.unanswered_attempts).unwrap_or(i32::MAX),
            hot_score: r.hot_score,
            extra_opt_out_phrases: r.extra_opt_out_phrases,
        }
    }
}

/// Scoring queries.
#[derive(Default)]
pub struct ScoringQueries;

#[Object]
impl ScoringQueries {
    /// The organization's lead scoring weights.
    async fn scoring_weights(&self, ctx: &Context<'_>) -> ApiResult<ScoringWeights> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(service::weights(context::db(ctx)?, viewer.organization_id)
            .await?
            .into())
    }

    /// How calls move the organization's leads' statuses.
    async fn status_rules(&self, ctx: &Context<'_>) -> ApiResult<StatusRules> {
        let viewer = require(ctx, Permission::Read)?;
        Ok(automation::rules(context::db(ctx)?, viewer.organization_id)
            .await?
            .into())
    }
}

/// Scoring mutations.
#[derive(Default)]
pub struct ScoringMutations;

#[Object]
impl ScoringMutations {
    /// Sets the lead scoring weights (admins); scores follow on their next recomputation or `recalculateLeadScores`.
    async fn update_scoring_weights(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new weights.")] input: ScoringWeights,
    ) -> ApiResult<ScoringWeights> {
        let viewer = require(ctx, Permission::Administer)?;
        let weights = service::update_weights(
            context::app(ctx)?,
            viewer,
            &client(ctx),
            input.qualification,
            input.engagement,
            input.source_quality,
        )
        .await
        .under("input")?;
        Ok(weights.into())
    }

    /// Replaces the status rules (admins).
    async fn update_status_rules(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new rules.")] input: StatusRules,
    ) -> ApiResult<StatusRules> {
        let viewer = require(ctx, Permission::Administer)?;
        let Ok(unanswered_attempts) = u32::try_from(input.unanswered_attempts) else {
            return Err(crate::shared::error::ApiError::bad_input(
                "input.unansweredAttempts",
                "from 0 to 50",
            ));
        };
        let new = rules::StatusRules {
            enabled: input.enabled,
            unanswered_attempts,
            hot_score: input.hot_score,
            extra_opt_out_phrases: input
                .extra_opt_out_phrases
                .into_iter()
                .map(|p| p.trim().to_owned())
                .collect(),
        };
        let saved = automation::update_rules(context::app(ctx)?, viewer, &client(ctx), new)
            .await
            .under("input")?;
        Ok(saved.into())
    }

    /// Recomputes the scores of the live leads `filter` matches (managers; at most 100,000), 500 a transaction.
    async fn recalculate_lead_scores(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which leads; none: every live lead.")] filter: Option<LeadFilter>,
    ) -> ApiResult<ScoreRecalculation> {
        let viewer = require(ctx, Permission::Manage)?;
        let filter = filter.unwrap_or_default().to_ast()?;
        let done = service::recalculate_lead_scores(context::app(ctx)?, viewer, &filter).await?;
        let int = |v: usize| i32::try_from(v).unwrap_or(i32::MAX);
        Ok(ScoreRecalculation {
            scored: int(done.scored),
            changed: int(done.changed),
        })
    }
}
