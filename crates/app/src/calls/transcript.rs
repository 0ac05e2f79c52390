//! A call's transcript: one per call, replaced when attached again
//! (providers redeliver their webhooks).

use chrono::{DateTime, Utc};
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use serde_json::json;
use switchboard_domain::transcript::{Language, Segment, TranscriptText};
use switchboard_entity::enums::CallEventKind;
use switchboard_entity::transcripts;
use uuid::Uuid;

use super::{EventRecord, lock_call, read, record_event};
use crate::actor::Actor;
use crate::app::{App, Write};
use crate::error::{AppError, AppResult};

/// One speaker's turn of a transcript, as given.
#[derive(Debug, Clone)]
pub struct NewSegment {
    pub speaker: String,
    pub text: String,
    /// Seconds from the start of the call.
    pub start: Option<f64>,
    pub end: Option<f64>,
}

/// A transcript to attach.
#[derive(Debug, Clone)]
pub struct NewTranscript {
    pub content: String,
    pub segments: Vec<NewSegment>,
    /// Defaults to `en`.
    pub language: Option<String>,
}

/// Attaches a call's transcript. A call has one: attaching again replaces
/// it. Blank content (`content`), a turn without a speaker or badly timed
/// (`segments[i].speaker`, `.start`, `.end`) and a language that is not a
/// tag (`language`) are BAD_USER_INPUT. Writes a `transcript_attached`
/// event.
#[tracing::instrument(skip_all, fields(organization_id = %actor.organization_id, actor = %actor.who, call_id = %call_id))]
pub async fn attach_transcript(
    app: &App,
    actor: Actor,
    call_id: Uuid,
    input: NewTranscript,
) -> AppResult<transcripts::Model> {
    let write = app.begin_write().await?;
    let transcript = attach_transcript_in(&write, actor, call_id, input, Utc::now()).await?;
    write.commit().await?;
    Ok(transcript)
}

/// [`attach_transcript`] inside `write`.
pub(crate) async fn attach_transcript_in(
    write: &Write,
    actor: Actor,
    call_id: Uuid,
    input: NewTranscript,
    now: DateTime<Utc>,
) -> AppResult<transcripts::Model> {
    let content = TranscriptText::parse(input.content)?;
    let segments = input
        .segments
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            Segment::parse(s.speaker, s.text, s.start, s.end)
                .map_err(|e| e.row(i).under("segments"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let language = Language::parse(input.language.as_deref())?.into_string();
    let turns = segments.len();
    let caller_turns: Vec<String> = segments
        .iter()
        .filter(|s| !is_agent(s.speaker()))
        .map(|s| s.text().to_owned())
        .collect();
    let segments = serde_json::to_value(&segments)
        .map_err(|e| AppError::bad_input("segments", e.to_string()))?;
    let call = lock_call(write, actor.organization_id, call_id).await?;
    let existing = read::transcript(&**write, call.organization_id, call.id).await?;
    let replaced = existing.is_some();
    let transcript = match existing {
        Some(existing) => {
            let mut row: transcripts::ActiveModel = existing.into();
            row.content = Set(content.into_string());
            row.speaker_segments = Set(segments);
            row.language = Set(language);
            row.updated_at = Set(now);
            row.update(&**write).await?
        }
        None => {
            transcripts::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(call.organization_id),
                call_id: Set(call.id),
                content: Set(content.into_string()),
                speaker_segments: Set(segments),
                language: Set(language),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&**write)
            .await?
        }
    };
    // The caller's words, when the speakers are known: an agent reading
    // out "reply STOP to opt out" is not an opt-out.
    let caller: Vec<&str> = caller_turns.iter().map(String::as_str).collect();
    let texts = if caller.is_empty() {
        vec![transcript.content.as_str()]
    } else {
        caller
    };
    crate::leads::automation::check_opt_out(&**write, &write.outbox, &call, &texts, now).await?;
    let payload = json!({
        "transcript_id": transcript.id,
        "replaced": replaced,
        "segments": turns,
    });
    let record = EventRecord::now(CallEventKind::TranscriptAttached, payload, now);
    record_event(write, &call, actor, record, now).await?;
    Ok(transcript)
}

/// Whether a transcript's speaker is the AI or a staff member rather than
/// the person called.
fn is_agent(speaker: &str) -> bool {
    matches!(
        speaker.trim().to_ascii_lowercase().as_str(),
        "agent" | "assistant" | "ai" | "bot" | "system" | "staff" | "rep"
    )
}
