//! The AI's reading of a call: one per call, replaced whole when recorded
//! again, and kept in step with the analytics rollups.

use chrono::{DateTime, Utc};
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use serde_json::json;
use switchboard_domain::field::FieldError;
use switchboard_domain::score::{AnalysisScore, Sentiment};
use switchboard_entity::enums::{CallEventKind, LeadTemperature, Level, TriggerType};
use switchboard_entity::lead_analytics;
use uuid::Uuid;

use super::{EventRecord, lock_call, read, record_event, text};
use crate::actor::Actor;
use crate::app::{App, Write};
use crate::error::AppResult;

/// The AI's reading of a call. An analysis replaces the call's previous one
/// whole: what is omitted is cleared.
#[derive(Debug, Clone, Default)]
pub struct NewAnalysis {
    pub intent_level: Option<Level>,
    /// 0 to 100, as are the other scores.
    pub intent_score: Option<i32>,
    pub urgency_level: Option<Level>,
    pub urgency_score: Option<i32>,
    pub budget_level: Option<Level>,
    pub budget_score: Option<i32>,
    pub fit_level: Option<Level>,
    pub fit_score: Option<i32>,
    pub engagement_level: Option<Level>,
    pub engagement_score: Option<i32>,
    pub total_score: Option<i32>,
    pub lead_status_tag: Option<String>,
    pub reasoning: Option<serde_json::Value>,
    pub cta_pricing_clicked: bool,
    pub cta_demo_clicked: bool,
    pub cta_followup_clicked: bool,
    pub cta_sample_clicked: bool,
    pub cta_escalated_to_human: bool,
    pub demo_scheduled_at: Option<DateTime<Utc>>,
    pub extracted_name: Option<String>,
    pub extracted_email: Option<String>,
    pub company_name: Option<String>,
    pub is_qualified: bool,
    pub lead_temperature: Option<LeadTemperature>,
    /// -1 to 1.
    pub sentiment_score: Option<f64>,
    pub key_topics: Vec<String>,
    pub objections_raised: Vec<String>,
    pub next_steps: Option<String>,
}

fn clean_list(values: Vec<String>) -> serde_json::Value {
    json!(
        values
            .into_iter()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect::<Vec<_>>()
    )
}

/// Parses an optional analysis score for `field`.
fn score(field: &str, value: Option<i32>) -> Result<Option<i32>, FieldError> {
    value
        .map(|v| {
            AnalysisScore::parse(v)
                .map(i32::from)
                .map_err(|e| e.at(field))
        })
        .transpose()
}

/// Records the AI analysis of a call: one per call, so recording again
/// replaces it (the row keeps its id, creation time and read flag). The
/// analysis takes the call's lead. Scores are 0-100 and the sentiment -1 to
/// 1 (BAD_USER_INPUT naming the field otherwise). Writes an
/// `analysis_recorded` event and recomputes the lead's score.
#[tracing::instrument(skip_all, fields(organization_id = %actor.organization_id, actor = %actor.who, call_id = %call_id))]
pub async fn record_call_analysis(
    app: &App,
    actor: Actor,
    call_id: Uuid,
    input: NewAnalysis,
) -> AppResult<lead_analytics::Model> {
    let write = app.begin_write().await?;
    let analysis = record_call_analysis_in(&write, actor, call_id, input, Utc::now()).await?;
    write.commit().await?;
    Ok(analysis)
}

/// [`record_call_analysis`] inside `write`.
pub(crate) async fn record_call_analysis_in(
    write: &Write,
    actor: Actor,
    call_id: Uuid,
    input: NewAnalysis,
    now: DateTime<Utc>,
) -> AppResult<lead_analytics::Model> {
    let intent_score = score("intentScore", input.intent_score)?;
    let urgency_score = score("urgencyScore", input.urgency_score)?;
    let budget_score = score("budgetScore", input.budget_score)?;
    let fit_score = score("fitScore", input.fit_score)?;
    let engagement_score = score("engagementScore", input.engagement_score)?;
    let total_score = score("totalScore", input.total_score)?;
    let sentiment = input
        .sentiment_score
        .map(Sentiment::parse)
        .transpose()?
        .map(f64::from);
    let call = lock_call(write, actor.organization_id, call_id).await?;
    let existing = read::analysis(&**write, call.organization_id, call.id).await?;
    let replaced = existing.is_some();
    let before = existing.clone();
    let mut row = match existing {
        Some(existing) => existing.into(),
        None => lead_analytics::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(call.organization_id),
            call_id: Set(call.id),
            cta_interactions: Set(json!({})),
            is_read: Set(false),
            call_quality_score: Set(None),
            customer_satisfaction: Set(None),
            created_at: Set(now),
            ..Default::default()
        },
    };
    row.lead_id = Set(call.lead_id);
    row.intent_level = Set(input.intent_level);
    row.intent_score = Set(intent_score);
    row.urgency_level = Set(input.urgency_level);
    row.urgency_score = Set(urgency_score);
    row.budget_constraint = Set(input.budget_level);
    row.budget_score = Set(budget_score);
    row.fit_alignment = Set(input.fit_level);
    row.fit_score = Set(fit_score);
    row.engagement_health = Set(input.engagement_level);
    row.engagement_score = Set(engagement_score);
    row.total_score = Set(total_score);
    row.lead_status_tag = Set(text(input.lead_status_tag));
    row.reasoning = Set(input.reasoning.unwrap_or_else(|| json!({})));
    row.cta_pricing_clicked = Set(input.cta_pricing_clicked);
    row.cta_demo_clicked = Set(input.cta_demo_clicked);
    row.cta_followup_clicked = Set(input.cta_followup_clicked);
    row.cta_sample_clicked = Set(input.cta_sample_clicked);
    row.cta_escalated_to_human = Set(input.cta_escalated_to_human);
    row.demo_scheduled_at = Set(input.demo_scheduled_at);
    row.extracted_name = Set(text(input.extracted_name));
    row.extracted_email = Set(text(input.extracted_email));
    row.company_name = Set(text(input.company_name));
    row.is_qualified = Set(input.is_qualified);
    row.lead_temperature = Set(input.lead_temperature);
    row.sentiment_score = Set(sentiment);
    row.key_topics = Set(clean_list(input.key_topics));
    row.objections_raised = Set(clean_list(input.objections_raised));
    row.next_steps = Set(text(input.next_steps));
    row.updated_at = Set(now);
    let analysis = if replaced {
        row.update(&**write).await?
    } else {
        row.insert(&**write).await?
    };
    // The lead is written before the rollups lock the organization's row,
    // the order every writer keeps.
    if let Some(lead) = call.lead_id {
        let trigger = crate::leads::scoring::Trigger {
            kind: TriggerType::Ai,
            call_id: Some(call.id),
            changed_by: actor.user_id(),
            reason: "AI analysis recorded",
        };
        crate::leads::scoring::rescore(
            &**write,
            &write.outbox,
            call.organization_id,
            &[lead],
            trigger,
            now,
        )
        .await?;
    }
    // What the caller said (their objections) and the AI's own tag; never
    // its free-text reasoning or next steps, which talk *about* opt-outs
    // ("did not ask us to stop calling").
    let mut texts: Vec<String> = analysis
        .lead_status_tag
        .iter()
        .map(|tag| tag.replace(['_', '-'], " "))
        .collect();
    strings_in(&analysis.objections_raised, &mut texts);
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    crate::leads::automation::check_opt_out(&**write, &write.outbox, &call, &texts, now).await?;
    if actor.maintain_rollups {
        crate::analytics::rollups::analysis_changed(
            &**write,
            &call,
            before.as_ref(),
            &analysis,
            now,
        )
        .await?;
    }
    let payload = json!({
        "analysis_id": analysis.id,
        "replaced": replaced,
        "total_score": analysis.total_score,
    });
    let record = EventRecord::now(CallEventKind::AnalysisRecorded, payload, now);
    record_event(write, &call, actor, record, now).await?;
    Ok(analysis)
}

/// Every string in `value`, however deep, into `out` (at most 1,000).
fn strings_in(value: &serde_json::Value, out: &mut Vec<String>) {
    if out.len() >= 1_000 {
        return;
    }
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings_in(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| strings_in(v, out)),
        _ => {}
    }
}
