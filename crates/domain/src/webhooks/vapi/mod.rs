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
mod tests {
    use serde_json::json;

    use super::super::{parse as parse_event, verify as verify_event};
    use super::*;

    const SECRET: &str = "vapi-server-secret";

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_714_564_800, 0).unwrap()
    }

    fn time(s: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
    }

    fn check(headers: &[(&str, String)], body: &[u8], secret: &str) -> Result<(), SignatureError> {
        let headers: Vec<_> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let delivery = Delivery {
            headers: &headers,
            body,
            url: "https://api.example.com/webhooks/vapi",
        };
        verify_event(Provider::Vapi, &delivery, secret, now())
    }

    fn parse_json(value: &Value) -> Result<ProviderEvent, PayloadError> {
        parse_event(Provider::Vapi, value.to_string().as_bytes())
    }

    const BODY: &[u8] =
        br#"{"message":{"type":"status-update","status":"ringing","call":{"id":"call_1"}}}"#;

    #[test]
    fn the_server_secret_header_is_accepted() {
        assert_eq!(
            check(&[("x-vapi-secret", SECRET.into())], BODY, SECRET),
            Ok(())
        );
    }

    #[test]
    fn a_wrong_server_secret_is_a_mismatch() {
        assert_eq!(
            check(&[("x-vapi-secret", "guess".into())], BODY, SECRET),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn an_hmac_signature_is_accepted_with_or_without_its_prefix() {
        let signature = sign_vapi(SECRET, BODY);
        assert_eq!(
            check(&[("x-vapi-signature", signature.clone())], BODY, SECRET),
            Ok(())
        );
        assert_eq!(
            check(
                &[("x-vapi-signature", format!("sha256={signature}"))],
                BODY,
                SECRET
            ),
            Ok(())
        );
        assert_eq!(
            check(
                &[("x-vapi-signature", signature.to_uppercase())],
                BODY,
                SECRET
            ),
            Ok(())
        );
    }

    #[test]
    fn a_valid_signature_wins_over_a_wrong_server_secret() {
        let headers = [
            ("x-vapi-secret", "stale-secret".to_owned()),
            ("x-vapi-signature", sign_vapi(SECRET, BODY)),
        ];
        assert_eq!(check(&headers, BODY, SECRET), Ok(()));
    }

    #[test]
    fn an_hmac_with_the_wrong_secret_is_a_mismatch() {
        assert_eq!(
            check(
                &[("x-vapi-signature", sign_vapi("other", BODY))],
                BODY,
                SECRET
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_tampered_body_is_a_mismatch() {
        let tampered =
            br#"{"message":{"type":"status-update","status":"ended","call":{"id":"call_1"}}}"#;
        assert_eq!(
            check(
                &[("x-vapi-signature", sign_vapi(SECRET, BODY))],
                tampered,
                SECRET
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn no_signature_header_is_missing() {
        assert_eq!(
            check(&[], BODY, SECRET),
            Err(SignatureError::Missing("x-vapi-signature"))
        );
    }

    #[test]
    fn a_non_hex_signature_is_malformed() {
        assert!(matches!(
            check(&[("x-vapi-signature", "not-hex".into())], BODY, SECRET),
            Err(SignatureError::Malformed {
                header: "x-vapi-signature",
                ..
            })
        ));
    }

    fn timestamped(timestamp: &str) -> [(&'static str, String); 2] {
        [
            (
                "x-vapi-signature",
                hex_hmac_sha256(SECRET, &[timestamp.as_bytes(), b".", BODY]),
            ),
            ("x-vapi-timestamp", timestamp.to_owned()),
        ]
    }

    #[test]
    fn a_timestamped_signature_covers_the_timestamp_in_seconds_or_milliseconds() {
        assert_eq!(check(&timestamped("1714564790"), BODY, SECRET), Ok(()));
        assert_eq!(check(&timestamped("1714564790000"), BODY, SECRET), Ok(()));
        // The plain body signature does not pass once a timestamp is sent.
        let headers = [
            ("x-vapi-signature", sign_vapi(SECRET, BODY)),
            ("x-vapi-timestamp", "1714564790".to_owned()),
        ];
        assert_eq!(check(&headers, BODY, SECRET), Err(SignatureError::Mismatch));
    }

    #[test]
    fn a_timestamp_more_than_five_minutes_off_is_stale() {
        assert_eq!(
            check(&timestamped("1714564499"), BODY, SECRET),
            Err(SignatureError::Stale {
                age_seconds: 301,
                tolerance_seconds: 300
            })
        );
        assert_eq!(
            check(&timestamped("1714565101000"), BODY, SECRET),
            Err(SignatureError::Stale {
                age_seconds: -301,
                tolerance_seconds: 300
            })
        );
    }

    #[test]
    fn a_non_numeric_timestamp_is_malformed() {
        let headers = [
            ("x-vapi-signature", sign_vapi(SECRET, BODY)),
            ("x-vapi-timestamp", "yesterday".to_owned()),
        ];
        assert!(matches!(
            check(&headers, BODY, SECRET),
            Err(SignatureError::Malformed {
                header: "x-vapi-timestamp",
                ..
            })
        ));
    }

    fn end_of_call_report() -> Value {
        json!({
            "message": {
                "timestamp": 1_714_564_900_123_i64,
                "type": "end-of-call-report",
                "endedReason": "customer-ended-call",
                "call": {
                    "id": "5f6c1d2e-call",
                    "orgId": "org_1",
                    "type": "outboundPhoneCall",
                    "assistantId": "asst_42",
                    "phoneNumberId": "pn_1",
                    "customer": {"number": "+14155550123"},
                    "status": "ended",
                    "startedAt": "2024-05-01T11:59:00.000Z"
                },
                "phoneNumber": {"id": "pn_1", "number": "+18005550100"},
                "customer": {"number": "+14155550123", "name": "Ada"},
                "assistant": {"id": "asst_42", "transcriber": {"provider": "deepgram", "language": "en"}},
                "startedAt": "2024-05-01T12:00:00.000Z",
                "endedAt": "2024-05-01T12:01:30.500Z",
                "durationSeconds": 90.5,
                "durationMs": 90500,
                "cost": 0.1234,
                "recordingUrl": "https://storage.vapi.ai/rec.wav",
                "summary": "The customer booked a cleaning.",
                "artifact": {
                    "transcript": "AI: Hi, this is Sam from Bright Dental.\nUser: Hi, I'd like a cleaning.\n",
                    "recordingUrl": "https://storage.vapi.ai/artifact.wav",
                    "messages": [
                        {"role": "system", "message": "You are Sam.", "time": 1_714_564_800_000_i64, "secondsFromStart": 0},
                        {"role": "bot", "message": "Hi, this is Sam from Bright Dental.", "time": 1_714_564_801_000_i64, "endTime": 1_714_564_803_500_i64, "secondsFromStart": 1.0, "duration": 2500},
                        {"role": "user", "message": "Hi, I'd like a cleaning.", "time": 1_714_564_804_000_i64, "endTime": 1_714_564_806_000_i64, "secondsFromStart": 4.0},
                        {"role": "tool_calls", "toolCalls": [], "secondsFromStart": 6.0}
                    ]
                },
                "analysis": {
                    "summary": "The customer booked a cleaning.",
                    "structuredData": {"appointment_booked": true},
                    "successEvaluation": "true"
                }
            }
        })
    }

    #[test]
    fn an_end_of_call_report_parses_into_the_whole_event() {
        let payload = end_of_call_report();
        let event = parse_json(&payload).unwrap();
        assert_eq!(event.provider, Provider::Vapi);
        assert_eq!(event.kind, "end-of-call-report");
        assert_eq!(
            event.call,
            ProviderCall {
                id: "5f6c1d2e-call".into(),
                direction: Direction::Outbound,
                customer_number: Some("+14155550123".into()),
                agent_number: Some("+18005550100".into()),
                provider_agent_id: Some("asst_42".into()),
            }
        );
        assert_eq!(event.status, Some(CallStatus::Completed));
        assert_eq!(event.outcome, None);
        assert_eq!(event.ended_reason.as_deref(), Some("customer-ended-call"));
        assert_eq!(event.started_at, time("2024-05-01T12:00:00Z"));
        assert_eq!(event.ended_at, time("2024-05-01T12:01:30.500Z"));
        assert_eq!(event.duration_seconds, Some(91));
        assert_eq!(event.cost_cents, Some(12));
        assert_eq!(
            event.recording_url.as_deref(),
            Some("https://storage.vapi.ai/rec.wav")
        );
        assert_eq!(event.occurred_at, time("2024-05-01T12:01:40.123Z"));
        let transcript = event.transcript.unwrap();
        assert_eq!(
            transcript.content,
            "AI: Hi, this is Sam from Bright Dental.\nUser: Hi, I'd like a cleaning."
        );
        assert_eq!(transcript.language.as_deref(), Some("en"));
        assert_eq!(
            transcript.segments,
            vec![
                Segment {
                    speaker: "agent".into(),
                    text: "Hi, this is Sam from Bright Dental.".into(),
                    start: Some(1.0),
                    end: Some(3.5),
                },
                Segment {
                    speaker: "customer".into(),
                    text: "Hi, I'd like a cleaning.".into(),
                    start: Some(4.0),
                    end: Some(6.0),
                },
            ]
        );
        assert_eq!(
            event.analysis,
            Some(Analysis {
                summary: Some("The customer booked a cleaning.".into()),
                successful: Some(true),
                sentiment: None,
                data: json!({"appointment_booked": true}),
            })
        );
        assert_eq!(event.payload, payload);
        assert_eq!(event.event_id.len(), 64);
    }

    #[test]
    fn an_older_report_keeps_its_transcript_at_the_top_level() {
        let event = parse_json(&json!({"message": {
            "type": "end-of-call-report",
            "endedReason": "assistant-ended-call",
            "call": {"id": "c1", "type": "inboundPhoneCall", "customer": {"number": "+14155550123"}},
            "transcript": "AI: Hello\nUser: Bye",
            "messages": [
                {"role": "assistant", "message": "Hello", "secondsFromStart": 0.5, "duration": 1500},
                {"role": "user", "message": "Bye", "secondsFromStart": 2.5}
            ],
            "recordingUrl": null,
            "artifact": {"recordingUrl": "https://storage.vapi.ai/a.wav"},
            "cost": "0.5",
            "startedAt": "2024-05-01T12:00:00Z",
            "endedAt": "2024-05-01T12:00:42Z"
        }}))
        .unwrap();
        assert_eq!(event.call.direction, Direction::Inbound);
        assert_eq!(event.call.customer_number.as_deref(), Some("+14155550123"));
        assert_eq!(event.call.agent_number, None);
        assert_eq!(
            event.recording_url.as_deref(),
            Some("https://storage.vapi.ai/a.wav")
        );
        assert_eq!(event.cost_cents, Some(50));
        assert_eq!(event.duration_seconds, Some(42));
        let transcript = event.transcript.unwrap();
        assert_eq!(transcript.content, "AI: Hello\nUser: Bye");
        assert_eq!(transcript.segments[0].end, Some(2.0));
        assert_eq!(transcript.segments[1].end, None);
        assert_eq!(event.analysis, None);
    }

    #[test]
    fn a_failed_evaluation_and_odd_optional_fields_are_read_leniently() {
        let event = parse_json(&json!({"message": {
            "type": "end-of-call-report",
            "call": {"id": "c1", "type": "webCall"},
            "durationSeconds": "long",
            "cost": {"total": 1},
            "analysis": {"summary": "No luck.", "successEvaluation": "false", "structuredData": "n/a"},
        }}))
        .unwrap();
        assert_eq!(event.status, Some(CallStatus::Completed));
        assert_eq!(event.call.direction, Direction::Inbound);
        assert_eq!(event.duration_seconds, None);
        assert_eq!(event.cost_cents, None);
        assert_eq!(event.transcript, None);
        let analysis = event.analysis.unwrap();
        assert_eq!(analysis.successful, Some(false));
        assert_eq!(analysis.data, json!({}));
        let event = parse_json(&json!({"message": {
            "type": "end-of-call-report",
            "call": {"id": "c1"},
            "analysis": {"successEvaluation": "8/10"},
        }}))
        .unwrap();
        assert_eq!(event.analysis, None);
    }

    fn status_update(status: &str, ended_reason: Option<&str>) -> ProviderEvent {
        let mut message = json!({
            "type": "status-update",
            "status": status,
            "timestamp": 1_714_564_800_000_i64,
            "call": {"id": "call_9", "type": "outboundPhoneCall", "assistantId": "asst_1",
                     "customer": {"number": "+14155550123"}, "phoneNumber": {"number": "+18005550100"}},
        });
        if let Some(reason) = ended_reason {
            message["endedReason"] = json!(reason);
        }
        parse_json(&json!({ "message": message })).unwrap()
    }

    #[test]
    fn status_updates_map_to_statuses() {
        let rows = [
            ("scheduled", Some(CallStatus::Scheduled)),
            ("queued", Some(CallStatus::Queued)),
            ("ringing", Some(CallStatus::Ringing)),
            ("in-progress", Some(CallStatus::InProgress)),
            ("forwarding", Some(CallStatus::InProgress)),
            ("ended", None),
            ("something-new", None),
        ];
        for (status, expected) in rows {
            let event = status_update(status, None);
            assert_eq!(event.status, expected, "{status}");
            assert_eq!(event.outcome, None, "{status}");
        }
        let event = status_update("ringing", None);
        assert_eq!(event.kind, "status-update");
        assert_eq!(event.call.customer_number.as_deref(), Some("+14155550123"));
        assert_eq!(event.call.agent_number.as_deref(), Some("+18005550100"));
        assert_eq!(event.call.provider_agent_id.as_deref(), Some("asst_1"));
        assert_eq!(
            event.occurred_at,
            DateTime::from_timestamp(1_714_564_800, 0)
        );
        assert_eq!(event.transcript, None);
    }

    #[test]
    fn an_ended_status_update_takes_its_status_from_the_ended_reason() {
        let event = status_update("ended", Some("customer-busy"));
        assert_eq!(event.status, Some(CallStatus::Missed));
        assert_eq!(event.outcome, Some(CallOutcome::Busy));
        assert_eq!(event.ended_reason.as_deref(), Some("customer-busy"));
    }

    #[test]
    fn ended_reasons_map_to_a_status_and_an_outcome() {
        use CallOutcome as O;
        use CallStatus as S;
        let rows: &[(&str, bool, S, Option<O>)] = &[
            ("customer-busy", false, S::Missed, Some(O::Busy)),
            (
                "customer-did-not-answer",
                false,
                S::Missed,
                Some(O::NoAnswer),
            ),
            (
                "customer-did-not-give-microphone-permission",
                false,
                S::Missed,
                Some(O::NoAnswer),
            ),
            ("silence-timed-out", false, S::Missed, Some(O::NoAnswer)),
            ("silence-timed-out", true, S::Completed, None),
            ("voicemail", true, S::Voicemail, Some(O::Voicemail)),
            (
                "assistant-forwarded-call",
                true,
                S::Completed,
                Some(O::Transferred),
            ),
            (
                "call.in-progress.twilio-completed-call",
                true,
                S::Completed,
                Some(O::Transferred),
            ),
            (
                "assistant-transferred-call",
                true,
                S::Completed,
                Some(O::Transferred),
            ),
            (
                "pipeline-error-openai-llm-failed",
                true,
                S::Failed,
                Some(O::Failed),
            ),
            (
                "pipeline-no-available-llm-model",
                false,
                S::Failed,
                Some(O::Failed),
            ),
            (
                "call.start.error-get-assistant",
                false,
                S::Failed,
                Some(O::Failed),
            ),
            ("call.start.timeout", false, S::Failed, Some(O::Failed)),
            (
                "twilio-failed-to-connect-call",
                false,
                S::Failed,
                Some(O::Failed),
            ),
            (
                "phone-call-provider-closed-websocket-fault",
                true,
                S::Failed,
                Some(O::Failed),
            ),
            ("db-error", true, S::Failed, Some(O::Failed)),
            ("customer-ended-call", true, S::Completed, None),
            ("assistant-ended-call", true, S::Completed, None),
            ("assistant-said-end-call-phrase", true, S::Completed, None),
            ("exceeded-max-duration", true, S::Completed, None),
            ("manually-canceled", false, S::Completed, None),
        ];
        for &(reason, answered, status, outcome) in rows {
            assert_eq!(
                ended(reason, answered),
                (status, outcome),
                "{reason} (answered: {answered})"
            );
            let mut report = json!({"message": {"type": "end-of-call-report", "endedReason": reason, "call": {"id": "c"}}});
            if answered {
                report["message"]["startedAt"] = json!("2024-05-01T12:00:00Z");
            }
            let event = parse_json(&report).unwrap();
            assert_eq!(
                (event.status, event.outcome),
                (Some(status), outcome),
                "{reason}"
            );
        }
    }

    #[test]
    fn a_started_call_in_the_call_object_counts_as_answered() {
        let event = parse_json(&json!({"message": {
            "type": "status-update", "status": "ended", "endedReason": "silence-timed-out",
            "call": {"id": "c", "startedAt": "2024-05-01T12:00:00Z", "endedAt": "2024-05-01T12:00:30Z"}
        }}))
        .unwrap();
        assert_eq!(event.status, Some(CallStatus::Completed));
        assert_eq!(event.started_at, time("2024-05-01T12:00:00Z"));
        assert_eq!(event.ended_at, time("2024-05-01T12:00:30Z"));
    }

    #[test]
    fn transcript_fragments_carry_the_call_but_no_status_or_transcript() {
        let event = parse_json(&json!({"message": {
            "type": "transcript",
            "role": "user",
            "transcriptType": "final",
            "transcript": "I'd like to book a cleaning.",
            "call": {"id": "call_7", "type": "inboundPhoneCall", "customer": {"number": "+14155550123"}},
            "phoneNumber": {"number": "+18005550100"}
        }}))
        .unwrap();
        assert_eq!(event.kind, "transcript");
        assert_eq!(event.call.id, "call_7");
        assert_eq!(event.call.agent_number.as_deref(), Some("+18005550100"));
        assert_eq!(event.status, None);
        assert_eq!(event.transcript, None);
    }

    #[test]
    fn other_message_types_still_parse_their_call() {
        let event = parse_json(&json!({"message": {"type": "hang", "call": {"id": "c"}}})).unwrap();
        assert_eq!(event.kind, "hang");
        assert_eq!(event.status, None);
    }

    #[test]
    fn a_message_without_a_call_id_or_type_is_refused() {
        let error =
            parse_json(&json!({"message": {"type": "status-update", "call": {}}})).unwrap_err();
        assert_eq!(error.reason, "`message.call.id` is missing");
        let error = parse_json(&json!({"message": {"type": "status-update"}})).unwrap_err();
        assert_eq!(error.reason, "`message.call.id` is missing");
        let error = parse_json(&json!({"message": {"call": {"id": "c"}}})).unwrap_err();
        assert_eq!(error.reason, "`message.type` is missing");
        let error = parse_json(&json!({"type": "status-update"})).unwrap_err();
        assert_eq!(error.reason, "`message` is missing");
    }
}
