//! Vapi server messages.
//!
//! Vapi posts JSON `{"message": {"type": …, "call": {…}, …}}` to the server
//! URL. Every message type carries the call, so any type parses; only the
//! types below carry a status, and only `end-of-call-report` carries the
//! transcript, recording, cost and analysis. `transcript` messages are
//! fragments of a live transcript: they parse to no status and no
//! transcript, since the end-of-call report carries the whole one.
//!
//! Signatures: either `x-vapi-secret` equals the secret (Vapi's "server
//! secret"), or `x-vapi-signature` is the hex HMAC-SHA256 of the body
//! (optionally prefixed `sha256=`). When `x-vapi-timestamp` (Unix seconds or
//! milliseconds) is sent, the HMAC covers `{timestamp}.{body}` and the
//! timestamp must be within 300 s of now.
//!
//! `status-update` statuses:
//!
//! | `status`      | status                                          |
//! |---------------|-------------------------------------------------|
//! | `scheduled`   | `scheduled`                                     |
//! | `queued`      | `queued`                                        |
//! | `ringing`     | `ringing`                                       |
//! | `in-progress` | `in_progress`                                   |
//! | `forwarding`  | `in_progress`                                   |
//! | `ended`       | from `endedReason` (below); none without one    |
//! | anything else | none                                            |
//!
//! `endedReason`, on `status-update` (`ended`) and `end-of-call-report`
//! (an end-of-call report without one is `completed`), checked in order:
//!
//! | `endedReason`                                                        | status      | outcome       |
//! |----------------------------------------------------------------------|-------------|---------------|
//! | `customer-busy`                                                      | `missed`    | `busy`        |
//! | `customer-did-not-answer`, `customer-did-not-give-microphone-permission`, `silence-timed-out` with no `startedAt` | `missed` | `no_answer` |
//! | `voicemail` (anything containing it)                                 | `voicemail` | `voicemail`   |
//! | containing `forwarded` or `transferred`; `call.in-progress.twilio-completed-call` | `completed` | `transferred` |
//! | containing `error`, `failed` or `fault`; starting `pipeline-` or `call.start.` | `failed` | `failed` |
//! | anything else (`customer-ended-call`, `assistant-ended-call`, `exceeded-max-duration`, `manually-canceled`, …) | `completed` | none |
//!
//! Transcript turns come from `artifact.messages` (older payloads: top-level
//! `messages`): roles `bot` and `assistant` are the agent, `user` the
//! customer, other roles (system prompts, tool calls) are skipped. A turn
//! starts at `secondsFromStart` and lasts `endTime − time` (epoch
//! milliseconds), or else `duration` read as milliseconds, which is what
//! deliveries carry. The cost arrives in dollars.

use chrono::{DateTime, Utc};
use serde_json::Value;
use switchboard_entity::enums::{CallOutcome, CallStatus};

use super::fields::{
    array_at, bool_at, datetime_at, f64_at, first_string, get, object_or_empty, parse_json,
    required_str, round_cents, seconds_between, str_at, string_at, whole_seconds,
};
use super::signature::{
    SignatureError, check_age, header, hex_hmac_sha256, hmac_sha256, parse_timestamp,
    require_header, secrets_equal, verify_hex,
};
use super::{
    Analysis, Delivery, Direction, PayloadError, Provider, ProviderCall, ProviderEvent, Segment,
    Transcript,
};

const SECRET_HEADER: &str = "x-vapi-secret";
const SIGNATURE_HEADER: &str = "x-vapi-signature";
const TIMESTAMP_HEADER: &str = "x-vapi-timestamp";

/// How far a timestamped signature may be from now, either way.
const TOLERANCE_SECONDS: i64 = 300;

/// The `x-vapi-signature` value for `body`: its lower-case hex
/// HMAC-SHA256 keyed with `secret` (the untimestamped form).
pub fn sign_vapi(secret: &str, body: &[u8]) -> String {
    hex_hmac_sha256(secret, &[body])
}

pub(super) fn verify(
    delivery: &Delivery<'_>,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    let signature = header(delivery, SIGNATURE_HEADER);
    if let Some(provided) = header(delivery, SECRET_HEADER) {
        if secrets_equal(provided, secret) {
            return Ok(());
        }
        if signature.is_none() {
            return Err(SignatureError::Mismatch);
        }
    }
    let signature = require_header(delivery, SIGNATURE_HEADER)?;
    let signature = signature.strip_prefix("sha256=").unwrap_or(signature);
    let Some(timestamp) = header(delivery, TIMESTAMP_HEADER) else {
        return verify_hex(
            hmac_sha256(secret, &[delivery.body]),
            secret,
            signature,
            SIGNATURE_HEADER,
        );
    };
    let signed_at = parse_timestamp(timestamp, TIMESTAMP_HEADER)?;
    let mac = hmac_sha256(secret, &[timestamp.as_bytes(), b".", delivery.body]);
    verify_hex(mac, secret, signature, SIGNATURE_HEADER)?;
    let signed_at_millis = if signed_at.unsigned_abs() >= 100_000_000_000 {
        signed_at
    } else {
        signed_at.saturating_mul(1000)
    };
    check_age(signed_at_millis, now, TOLERANCE_SECONDS, TOLERANCE_SECONDS)
}

pub(super) fn parse(body: &[u8]) -> Result<ProviderEvent, PayloadError> {
    let payload = parse_json(body)?;
    let message = get(&payload, &["message"])
        .filter(|m| m.is_object())
        .ok_or_else(|| PayloadError::missing("message"))?;
    let kind = required_str(&payload, &["message", "type"])?.to_owned();
    let id = required_str(&payload, &["message", "call", "id"])?.to_owned();
    let call = &message["call"];

    let direction = match str_at(call, &["type"]) {
        Some("outboundPhoneCall") => Direction::Outbound,
        _ => Direction::Inbound,
    };
    let provider_call = ProviderCall {
        id,
        direction,
        customer_number: first_string(
            message,
            &[&["customer", "number"], &["call", "customer", "number"]],
        ),
        agent_number: first_string(
            message,
            &[
                &["phoneNumber", "number"],
                &["call", "phoneNumber", "number"],
            ],
        ),
        provider_agent_id: first_string(message, &[&["call", "assistantId"], &["assistant", "id"]]),
        switchboard_call_id: super::switchboard_id(string_at(
            call,
            &["metadata", "switchboardCallId"],
        )),
    };

    let mut event = ProviderEvent::new(Provider::Vapi, body, kind, provider_call, Value::Null);
    event.occurred_at = datetime_at(message, &["timestamp"]);
    event.started_at =
        datetime_at(message, &["startedAt"]).or_else(|| datetime_at(call, &["startedAt"]));
    event.ended_at = datetime_at(message, &["endedAt"]).or_else(|| datetime_at(call, &["endedAt"]));
    event.ended_reason = first_string(message, &[&["endedReason"], &["call", "endedReason"]]);
    let answered = event.started_at.is_some();

    match event.kind.as_str() {
        "status-update" => {
            let status = match str_at(message, &["status"]) {
                Some("scheduled") => Some((CallStatus::Scheduled, None)),
                Some("queued") => Some((CallStatus::Queued, None)),
                Some("ringing") => Some((CallStatus::Ringing, None)),
                Some("in-progress" | "forwarding") => Some((CallStatus::InProgress, None)),
                Some("ended") => event.ended_reason.as_deref().map(|r| ended(r, answered)),
                _ => None,
            };
            if let Some(status) = status {
                event.set_status(status);
            }
        }
        "end-of-call-report" => {
            event.set_status(match event.ended_reason.as_deref() {
                Some(reason) => ended(reason, answered),
                None => (CallStatus::Completed, None),
            });
            event.duration_seconds = f64_at(message, &["durationSeconds"])
                .or_else(|| f64_at(message, &["durationMs"]).map(|ms| ms / 1000.0))
                .or_else(|| f64_at(message, &["durationMinutes"]).map(|m| m * 60.0))
                .and_then(whole_seconds)
                .or_else(|| seconds_between(event.started_at, event.ended_at));
            event.cost_cents = f64_at(message, &["cost"])
                .or_else(|| f64_at(call, &["cost"]))
                .and_then(|dollars| round_cents(dollars * 100.0));
            event.recording_url = first_string(
                message,
                &[
                    &["recordingUrl"],
                    &["artifact", "recordingUrl"],
                    &["artifact", "recording", "mono", "combinedUrl"],
                    &["artifact", "recording", "stereoUrl"],
                    &["stereoRecordingUrl"],
                ],
            );
            event.transcript = transcript(message);
        }
        _ => {}
    }
    if let Some(analysis) = get(message, &["analysis"]).filter(|a| a.is_object()) {
        event.analysis = Analysis {
            summary: string_at(analysis, &["summary"]),
            successful: bool_at(analysis, &["successEvaluation"]),
            sentiment: None,
            data: object_or_empty(analysis, &["structuredData"]),
        }
        .non_empty();
    }
    event.payload = payload;
    Ok(event)
}

/// The status and outcome an `endedReason` tells (the second table of the
/// module docs). `answered` is whether the call has a `startedAt`.
fn ended(reason: &str, answered: bool) -> (CallStatus, Option<CallOutcome>) {
    let r = reason.trim().to_ascii_lowercase();
    if r.ends_with("customer-busy") {
        (CallStatus::Missed, Some(CallOutcome::Busy))
    } else if r.ends_with("customer-did-not-answer")
        || r == "customer-did-not-give-microphone-permission"
        || (r == "silence-timed-out" && !answered)
    {
        (CallStatus::Missed, Some(CallOutcome::NoAnswer))
    } else if r.contains("voicemail") {
        (CallStatus::Voicemail, Some(CallOutcome::Voicemail))
    } else if r.contains("forwarded")
        || r.contains("transferred")
        || r == "call.in-progress.twilio-completed-call"
    {
        (CallStatus::Completed, Some(CallOutcome::Transferred))
    } else if r.contains("error")
        || r.contains("failed")
        || r.contains("fault")
        || r.starts_with("pipeline-")
        || r.starts_with("call.start.")
    {
        (CallStatus::Failed, Some(CallOutcome::Failed))
    } else {
        (CallStatus::Completed, None)
    }
}

/// The end-of-call report's transcript: `artifact.transcript` and
/// `artifact.messages`, or the older top-level `transcript` and `messages`.
fn transcript(message: &Value) -> Option<Transcript> {
    let content =
        str_at(message, &["artifact", "transcript"]).or_else(|| str_at(message, &["transcript"]));
    let mut turns = array_at(message, &["artifact", "messages"]);
    if turns.is_empty() {
        turns = array_at(message, &["messages"]);
    }
    let segments = turns.iter().filter_map(segment).collect();
    let language = first_string(
        message,
        &[
            &["assistant", "transcriber", "language"],
            &["call", "assistantOverrides", "transcriber", "language"],
        ],
    );
    Transcript::from_parts(content, segments, language)
}

/// One turn of `artifact.messages`, if it is the agent's or the customer's.
fn segment(turn: &Value) -> Option<Segment> {
    let speaker = match str_at(turn, &["role"])? {
        "bot" | "assistant" => Segment::AGENT,
        "user" => Segment::CUSTOMER,
        _ => return None,
    };
    let text = str_at(turn, &["message"]).or_else(|| str_at(turn, &["content"]))?;
    let start = f64_at(turn, &["secondsFromStart"]);
    let length = match (f64_at(turn, &["time"]), f64_at(turn, &["endTime"])) {
        (Some(time), Some(end_time)) if end_time >= time => Some((end_time - time) / 1000.0),
        _ => f64_at(turn, &["duration"]).map(|ms| ms / 1000.0),
    };
    Some(Segment {
        speaker: speaker.to_owned(),
        text: text.trim().to_owned(),
        start,
        end: start.zip(length).map(|(start, length)| start + length),
    })
}

#[cfg(test)]
mod tests;
