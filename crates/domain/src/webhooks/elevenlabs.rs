//! ElevenLabs Agents post-call webhooks.
//!
//! ElevenLabs posts JSON `{"type": …, "event_timestamp": <unix s>, "data":
//! {…}}` after a conversation: `post_call_transcription` (transcript,
//! metadata, analysis), `post_call_audio` (the audio, base64; no status) and
//! `call_initiation_failure` (an outbound call that never connected). Any
//! other `type` is refused, since the three carry different `data` shapes.
//!
//! Signature: `elevenlabs-signature: t=<unix s>,v0=<hex>` where the hex is the
//! HMAC-SHA256 of `{t}.{body}`. A timestamp more than 30 minutes old or more
//! than 5 minutes ahead is stale.
//!
//! `post_call_transcription` statuses (`data.status`):
//!
//! | `data.status`               | status        | outcome     |
//! |-----------------------------|---------------|-------------|
//! | `done`, `processing` with a `termination_reason` mentioning voicemail | `voicemail` | `voicemail` |
//! | `done`, `processing`        | `completed`   | none        |
//! | `failed`                    | `failed`      | `failed`    |
//! | `in-progress`               | `in_progress` | none        |
//! | `initiated`                 | `queued`      | none        |
//! | anything else               | none          | none        |
//!
//! `call_initiation_failure` reasons (`data.failure_reason`):
//!
//! | `data.failure_reason`     | status   | outcome     |
//! |---------------------------|----------|-------------|
//! | `busy`                    | `missed` | `busy`      |
//! | `no-answer`               | `missed` | `no_answer` |
//! | anything else, or none    | `failed` | `failed`    |
//!
//! The call starts at `metadata.start_time_unix_secs` and ends
//! `metadata.call_duration_secs` later. `metadata.cost` is in ElevenLabs
//! credits, not money, so it gives no cost. Transcript turns have only a
//! start time (`time_in_call_secs`); turns without a message (tool calls)
//! are skipped. The analysis data is `{"data_collection_results": …,
//! "evaluation_criteria_results": …}`, each present when sent.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value};
use switchboard_entity::enums::{CallOutcome, CallStatus};

use super::fields::{
    array_at, datetime_at, f64_at, first_string, get, parse_json, required_str, str_at, string_at,
    unix_seconds, whole_seconds,
};
use super::signature::{
    SignatureError, check_age, hex_hmac_sha256, hmac_sha256, key_values, parse_timestamp,
    require_header, verify_hex,
};
use super::{
    Analysis, Delivery, Direction, PayloadError, Provider, ProviderCall, ProviderEvent, Segment,
    Transcript,
};

const HEADER: &str = "elevenlabs-signature";

/// How old a signature may be.
const MAX_AGE_SECONDS: i64 = 30 * 60;

/// How far ahead of now a signature may be (clock skew).
const MAX_AHEAD_SECONDS: i64 = 5 * 60;

/// The full `elevenlabs-signature` value for `body` signed at Unix time `t`:
/// `t={t},v0={hex HMAC-SHA256 of "{t}.{body}"}`.
pub fn sign_elevenlabs(secret: &str, body: &[u8], t: i64) -> String {
    let t = t.to_string();
    let signature = hex_hmac_sha256(secret, &[t.as_bytes(), b".", body]);
    format!("t={t},v0={signature}")
}

pub(super) fn verify(
    delivery: &Delivery<'_>,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    let value = require_header(delivery, HEADER)?;
    let malformed = |reason: &str| SignatureError::Malformed {
        header: HEADER,
        reason: reason.to_owned(),
    };
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for (key, value) in key_values(value) {
        match key {
            "t" => timestamp = Some(value),
            "v0" => signatures.push(value),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| malformed("it has no `t=` timestamp"))?;
    let signed_at = parse_timestamp(timestamp, HEADER)?;
    if signatures.is_empty() {
        return Err(malformed("it has no `v0=` signature"));
    }
    let mac = hmac_sha256(secret, &[timestamp.as_bytes(), b".", delivery.body]);
    let mut result = Err(SignatureError::Mismatch);
    for signature in signatures {
        result = verify_hex(mac.clone(), secret, signature, HEADER);
        if result.is_ok() {
            break;
        }
    }
    result?;
    check_age(
        signed_at.saturating_mul(1000),
        now,
        MAX_AGE_SECONDS,
        MAX_AHEAD_SECONDS,
    )
}

pub(super) fn parse(body: &[u8]) -> Result<ProviderEvent, PayloadError> {
    let payload = parse_json(body)?;
    let kind = required_str(&payload, &["type"])?.to_owned();
    if !matches!(
        kind.as_str(),
        "post_call_transcription" | "post_call_audio" | "call_initiation_failure"
    ) {
        return Err(PayloadError::new(format!("unknown event type `{kind}`")));
    }
    let data = get(&payload, &["data"])
        .filter(|d| d.is_object())
        .ok_or_else(|| PayloadError::missing("data"))?;
    let id = required_str(&payload, &["data", "conversation_id"])?.to_owned();
    let failure = kind == "call_initiation_failure";
    let switchboard_call_id = super::switchboard_id(string_at(
        data,
        &[
            "conversation_initiation_client_data",
            "dynamic_variables",
            "switchboard_call_id",
        ],
    ));

    let call = if failure {
        ProviderCall {
            id,
            direction: Direction::Outbound,
            customer_number: first_string(
                data,
                &[
                    &["metadata", "body", "to"],
                    &["metadata", "body", "To"],
                    &["metadata", "body", "to_number"],
                    &["metadata", "body", "Called"],
                    &["metadata", "to"],
                    &["metadata", "to_number"],
                    &["metadata", "phone_call", "external_number"],
                ],
            ),
            agent_number: first_string(
                data,
                &[
                    &["metadata", "body", "from"],
                    &["metadata", "body", "From"],
                    &["metadata", "body", "from_number"],
                    &["metadata", "from"],
                    &["metadata", "from_number"],
                    &["metadata", "phone_call", "agent_number"],
                ],
            ),
            provider_agent_id: string_at(data, &["agent_id"]),
            switchboard_call_id,
        }
    } else {
        let phone_call = &data["metadata"]["phone_call"];
        ProviderCall {
            id,
            direction: match str_at(phone_call, &["direction"]) {
                Some("outbound") => Direction::Outbound,
                _ => Direction::Inbound,
            },
            customer_number: string_at(phone_call, &["external_number"]),
            agent_number: string_at(phone_call, &["agent_number"]),
            provider_agent_id: string_at(data, &["agent_id"]),
            switchboard_call_id,
        }
    };

    let mut event = ProviderEvent::new(Provider::ElevenLabs, body, kind, call, Value::Null);
    event.occurred_at = datetime_at(&payload, &["event_timestamp"]);
    if failure {
        event.ended_reason = string_at(data, &["failure_reason"]);
        event.set_status(initiation_failure(event.ended_reason.as_deref()));
    } else if event.kind == "post_call_transcription" {
        let metadata = &data["metadata"];
        event.ended_reason = string_at(metadata, &["termination_reason"]);
        if let Some(status) =
            conversation_status(str_at(data, &["status"]), event.ended_reason.as_deref())
        {
            event.set_status(status);
        }
        let start = f64_at(metadata, &["start_time_unix_secs"]);
        let duration = f64_at(metadata, &["call_duration_secs"]).filter(|d| *d >= 0.0);
        event.started_at = start.and_then(unix_seconds);
        event.duration_seconds = duration.and_then(whole_seconds);
        event.ended_at = event.started_at.zip(duration).and_then(|(start, seconds)| {
            start.checked_add_signed(TimeDelta::milliseconds((seconds * 1000.0) as i64))
        });
        event.transcript = transcript(data);
        event.analysis = analysis(data);
    }
    event.payload = payload;
    Ok(event)
}

/// The status of a `post_call_transcription` (the first table of the
/// module docs).
fn conversation_status(
    status: Option<&str>,
    termination_reason: Option<&str>,
) -> Option<(CallStatus, Option<CallOutcome>)> {
    let voicemail =
        termination_reason.is_some_and(|r| r.to_ascii_lowercase().contains("voicemail"));
    match status? {
        "done" | "processing" if voicemail => {
            Some((CallStatus::Voicemail, Some(CallOutcome::Voicemail)))
        }
        "done" | "processing" => Some((CallStatus::Completed, None)),
        "failed" => Some((CallStatus::Failed, Some(CallOutcome::Failed))),
        "in-progress" => Some((CallStatus::InProgress, None)),
        "initiated" => Some((CallStatus::Queued, None)),
        _ => None,
    }
}

/// The status of a `call_initiation_failure` (the second table).
fn initiation_failure(reason: Option<&str>) -> (CallStatus, Option<CallOutcome>) {
    match reason.map(|r| r.trim().to_ascii_lowercase()).as_deref() {
        Some("busy") => (CallStatus::Missed, Some(CallOutcome::Busy)),
        Some("no-answer" | "no_answer") => (CallStatus::Missed, Some(CallOutcome::NoAnswer)),
        _ => (CallStatus::Failed, Some(CallOutcome::Failed)),
    }
}

/// `data.transcript`, turn by turn.
fn transcript(data: &Value) -> Option<Transcript> {
    let segments = array_at(data, &["transcript"])
        .iter()
        .filter_map(|turn| {
            let speaker = match str_at(turn, &["role"])? {
                "agent" => Segment::AGENT,
                "user" => Segment::CUSTOMER,
                _ => return None,
            };
            Some(Segment {
                speaker: speaker.to_owned(),
                text: str_at(turn, &["message"])?.trim().to_owned(),
                start: f64_at(turn, &["time_in_call_secs"]),
                end: None,
            })
        })
        .collect();
    let language = first_string(
        data,
        &[
            &["metadata", "main_language"],
            &[
                "conversation_initiation_client_data",
                "conversation_config_override",
                "agent",
                "language",
            ],
        ],
    );
    Transcript::from_parts(None, segments, language)
}

/// `data.analysis`.
fn analysis(data: &Value) -> Option<Analysis> {
    let analysis = get(data, &["analysis"]).filter(|a| a.is_object())?;
    let mut results = Map::new();
    for key in ["data_collection_results", "evaluation_criteria_results"] {
        if let Some(value) = get(analysis, &[key]).filter(|v| v.is_object()) {
            results.insert(key.to_owned(), value.clone());
        }
    }
    Analysis {
        summary: string_at(analysis, &["transcript_summary"]),
        successful: match str_at(analysis, &["call_successful"]) {
            Some("success") => Some(true),
            Some("failure") => Some(false),
            _ => None,
        },
        sentiment: None,
        data: Value::Object(results),
    }
    .non_empty()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{parse as parse_event, verify as verify_event};
    use super::*;

    const SECRET: &str = "wsec_elevenlabs";
    const NOW: i64 = 1_714_564_800;
    const BODY: &[u8] =
        br#"{"type":"post_call_transcription","data":{"conversation_id":"conv_1"}}"#;

    fn check(signature: Option<String>, body: &[u8], secret: &str) -> Result<(), SignatureError> {
        let headers: Vec<_> = signature
            .map(|s| (HEADER.to_owned(), s))
            .into_iter()
            .collect();
        let delivery = Delivery {
            headers: &headers,
            body,
            url: "https://api.example.com/webhooks/elevenlabs",
        };
        verify_event(
            Provider::ElevenLabs,
            &delivery,
            secret,
            DateTime::from_timestamp(NOW, 0).unwrap(),
        )
    }

    fn parse_json(value: &Value) -> Result<ProviderEvent, PayloadError> {
        parse_event(Provider::ElevenLabs, value.to_string().as_bytes())
    }

    #[test]
    fn a_fresh_signature_is_accepted() {
        assert_eq!(
            check(Some(sign_elevenlabs(SECRET, BODY, NOW - 5)), BODY, SECRET),
            Ok(())
        );
        assert_eq!(
            check(
                Some(sign_elevenlabs(SECRET, BODY, NOW - 1800)),
                BODY,
                SECRET
            ),
            Ok(())
        );
        assert_eq!(
            check(Some(sign_elevenlabs(SECRET, BODY, NOW + 300)), BODY, SECRET),
            Ok(())
        );
    }

    #[test]
    fn the_header_is_the_timestamp_and_the_hmac_of_timestamp_dot_body() {
        let header = sign_elevenlabs(SECRET, BODY, NOW);
        let expected = hex_hmac_sha256(SECRET, &[format!("{NOW}.").as_bytes(), BODY]);
        assert_eq!(header, format!("t={NOW},v0={expected}"));
    }

    #[test]
    fn any_of_several_v0_signatures_may_match() {
        let good = sign_elevenlabs(SECRET, BODY, NOW);
        let v0 = good.split_once(",v0=").unwrap().1;
        let header = format!("t={NOW}, v0={}, v0={v0}", "ab".repeat(32));
        assert_eq!(check(Some(header), BODY, SECRET), Ok(()));
    }

    #[test]
    fn the_wrong_secret_is_a_mismatch() {
        assert_eq!(
            check(Some(sign_elevenlabs("other", BODY, NOW)), BODY, SECRET),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_tampered_body_or_timestamp_is_a_mismatch() {
        let header = sign_elevenlabs(SECRET, BODY, NOW);
        assert_eq!(
            check(Some(header.clone()), b"{}", SECRET),
            Err(SignatureError::Mismatch)
        );
        let moved = header.replace(&format!("t={NOW}"), &format!("t={}", NOW - 1));
        assert_eq!(
            check(Some(moved), BODY, SECRET),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn no_header_is_missing() {
        assert_eq!(
            check(None, BODY, SECRET),
            Err(SignatureError::Missing(HEADER))
        );
    }

    #[test]
    fn a_signature_older_than_thirty_minutes_is_stale() {
        assert_eq!(
            check(
                Some(sign_elevenlabs(SECRET, BODY, NOW - 1801)),
                BODY,
                SECRET
            ),
            Err(SignatureError::Stale {
                age_seconds: 1801,
                tolerance_seconds: 1800
            })
        );
    }

    #[test]
    fn a_signature_more_than_five_minutes_ahead_is_stale() {
        assert_eq!(
            check(Some(sign_elevenlabs(SECRET, BODY, NOW + 301)), BODY, SECRET),
            Err(SignatureError::Stale {
                age_seconds: -301,
                tolerance_seconds: 300
            })
        );
    }

    #[test]
    fn headers_without_a_timestamp_or_signature_are_malformed() {
        for header in [
            "v0=abcd",
            "t=now,v0=abcd",
            &format!("t={NOW}"),
            "garbage",
            &format!("t={NOW},v0=xyz"),
        ] {
            assert!(
                matches!(
                    check(Some(header.to_owned()), BODY, SECRET),
                    Err(SignatureError::Malformed { header: HEADER, .. })
                ),
                "{header}"
            );
        }
    }

    fn post_call_transcription() -> Value {
        json!({
            "type": "post_call_transcription",
            "event_timestamp": 1_714_565_000,
            "data": {
                "agent_id": "agent_abc",
                "conversation_id": "conv_123",
                "status": "done",
                "user_id": null,
                "transcript": [
                    {"role": "agent", "message": "Hello, this is Bright Dental.", "tool_calls": null, "time_in_call_secs": 0},
                    {"role": "user", "message": "Hi, can I move my appointment?", "time_in_call_secs": 4},
                    {"role": "agent", "message": null, "tool_calls": [{"tool_name": "reschedule"}], "time_in_call_secs": 9},
                    {"role": "agent", "message": "Done, see you Friday.", "time_in_call_secs": 12.5}
                ],
                "metadata": {
                    "start_time_unix_secs": 1_714_564_800,
                    "call_duration_secs": 75,
                    "cost": 512,
                    "termination_reason": "end_call tool was called.",
                    "main_language": "en",
                    "phone_call": {
                        "direction": "outbound",
                        "phone_number_id": "pn_1",
                        "agent_number": "+18005550100",
                        "external_number": "+14155550123",
                        "type": "twilio",
                        "call_sid": "CA123"
                    }
                },
                "analysis": {
                    "evaluation_criteria_results": {"polite": {"result": "success"}},
                    "data_collection_results": {"new_date": {"value": "Friday"}},
                    "call_successful": "success",
                    "transcript_summary": "The customer moved their appointment to Friday."
                },
                "conversation_initiation_client_data": {}
            }
        })
    }

    #[test]
    fn a_post_call_transcription_parses_into_the_whole_event() {
        let payload = post_call_transcription();
        let event = parse_json(&payload).unwrap();
        assert_eq!(event.provider, Provider::ElevenLabs);
        assert_eq!(event.kind, "post_call_transcription");
        assert_eq!(
            event.call,
            ProviderCall {
                id: "conv_123".into(),
                direction: Direction::Outbound,
                customer_number: Some("+14155550123".into()),
                agent_number: Some("+18005550100".into()),
                provider_agent_id: Some("agent_abc".into()),
                switchboard_call_id: None,
            }
        );
        assert_eq!(event.status, Some(CallStatus::Completed));
        assert_eq!(event.outcome, None);
        assert_eq!(
            event.ended_reason.as_deref(),
            Some("end_call tool was called.")
        );
        assert_eq!(event.started_at, DateTime::from_timestamp(1_714_564_800, 0));
        assert_eq!(event.ended_at, DateTime::from_timestamp(1_714_564_875, 0));
        assert_eq!(event.duration_seconds, Some(75));
        assert_eq!(event.cost_cents, None);
        assert_eq!(event.recording_url, None);
        assert_eq!(
            event.occurred_at,
            DateTime::from_timestamp(1_714_565_000, 0)
        );
        let transcript = event.transcript.unwrap();
        assert_eq!(
            transcript.content,
            "Agent: Hello, this is Bright Dental.\nCustomer: Hi, can I move my appointment?\nAgent: Done, see you Friday."
        );
        assert_eq!(transcript.language.as_deref(), Some("en"));
        assert_eq!(transcript.segments.len(), 3);
        assert_eq!(
            transcript.segments[1],
            Segment {
                speaker: "customer".into(),
                text: "Hi, can I move my appointment?".into(),
                start: Some(4.0),
                end: None,
            }
        );
        assert_eq!(transcript.segments[2].start, Some(12.5));
        assert_eq!(
            event.analysis,
            Some(Analysis {
                summary: Some("The customer moved their appointment to Friday.".into()),
                successful: Some(true),
                sentiment: None,
                data: json!({
                    "data_collection_results": {"new_date": {"value": "Friday"}},
                    "evaluation_criteria_results": {"polite": {"result": "success"}}
                }),
            })
        );
        assert_eq!(event.payload, payload);
    }

    #[test]
    fn a_widget_conversation_without_a_phone_call_is_inbound() {
        let mut payload = post_call_transcription();
        payload["data"]["metadata"]["phone_call"] = Value::Null;
        payload["data"]["analysis"]["call_successful"] = json!("failure");
        let event = parse_json(&payload).unwrap();
        assert_eq!(event.call.direction, Direction::Inbound);
        assert_eq!(event.call.customer_number, None);
        assert_eq!(event.analysis.unwrap().successful, Some(false));
    }

    #[test]
    fn conversation_statuses_map_to_statuses() {
        use CallOutcome as O;
        use CallStatus as S;
        type Row<'a> = (&'a str, &'a str, Option<(S, Option<O>)>);
        let rows: &[Row] = &[
            (
                "done",
                "Call ended by remote party",
                Some((S::Completed, None)),
            ),
            (
                "done",
                "Voicemail detected",
                Some((S::Voicemail, Some(O::Voicemail))),
            ),
            (
                "processing",
                "end_call tool was called.",
                Some((S::Completed, None)),
            ),
            (
                "processing",
                "voicemail_detection tool was called.",
                Some((S::Voicemail, Some(O::Voicemail))),
            ),
            (
                "failed",
                "Max duration exceeded",
                Some((S::Failed, Some(O::Failed))),
            ),
            ("in-progress", "", Some((S::InProgress, None))),
            ("initiated", "", Some((S::Queued, None))),
            ("archived", "", None),
        ];
        for &(status, reason, expected) in rows {
            let mut payload = post_call_transcription();
            payload["data"]["status"] = json!(status);
            payload["data"]["metadata"]["termination_reason"] = json!(reason);
            let event = parse_json(&payload).unwrap();
            assert_eq!(
                event.status.map(|s| (s, event.outcome)),
                expected,
                "{status} / {reason}"
            );
        }
    }

    fn initiation_failure_payload(reason: Option<&str>, metadata: Value) -> Value {
        json!({
            "type": "call_initiation_failure",
            "event_timestamp": 1_714_564_800,
            "data": {
                "agent_id": "agent_abc",
                "conversation_id": "conv_fail",
                "failure_reason": reason,
                "metadata": metadata
            }
        })
    }

    #[test]
    fn initiation_failures_map_to_missed_or_failed() {
        use CallOutcome as O;
        use CallStatus as S;
        let rows: &[(Option<&str>, S, O)] = &[
            (Some("busy"), S::Missed, O::Busy),
            (Some("no-answer"), S::Missed, O::NoAnswer),
            (Some("unknown"), S::Failed, O::Failed),
            (None, S::Failed, O::Failed),
        ];
        for &(reason, status, outcome) in rows {
            let event = parse_json(&initiation_failure_payload(reason, json!({}))).unwrap();
            assert_eq!(
                (event.status, event.outcome),
                (Some(status), Some(outcome)),
                "{reason:?}"
            );
            assert_eq!(event.ended_reason.as_deref(), reason);
            assert_eq!(event.call.direction, Direction::Outbound);
        }
    }

    #[test]
    fn an_initiation_failure_reads_the_numbers_from_twilio_or_sip_metadata() {
        let twilio = json!({"type": "twilio", "body": {
            "CallSid": "CA1", "To": "+14155550123", "From": "+18005550100", "CallStatus": "busy", "Direction": "outbound-api"
        }});
        let event = parse_json(&initiation_failure_payload(Some("busy"), twilio)).unwrap();
        assert_eq!(event.kind, "call_initiation_failure");
        assert_eq!(event.call.id, "conv_fail");
        assert_eq!(event.call.customer_number.as_deref(), Some("+14155550123"));
        assert_eq!(event.call.agent_number.as_deref(), Some("+18005550100"));
        assert_eq!(event.call.provider_agent_id.as_deref(), Some("agent_abc"));
        assert_eq!(
            event.occurred_at,
            DateTime::from_timestamp(1_714_564_800, 0)
        );
        let sip = json!({"type": "sip", "body": {"sip_status_code": 486, "error_reason": "Busy Here", "to_number": "+14155550124"}});
        let event = parse_json(&initiation_failure_payload(Some("busy"), sip)).unwrap();
        assert_eq!(event.call.customer_number.as_deref(), Some("+14155550124"));
        assert_eq!(event.call.agent_number, None);
        let odd = json!({"type": "sip", "body": "not an object"});
        let event = parse_json(&initiation_failure_payload(Some("unknown"), odd)).unwrap();
        assert_eq!(event.call.customer_number, None);
    }

    #[test]
    fn post_call_audio_carries_the_call_but_no_status() {
        let event = parse_json(&json!({
            "type": "post_call_audio",
            "event_timestamp": 1_714_564_900,
            "data": {"agent_id": "agent_abc", "conversation_id": "conv_123", "full_audio": "SUQzBAAAAAA="}
        }))
        .unwrap();
        assert_eq!(event.kind, "post_call_audio");
        assert_eq!(event.call.id, "conv_123");
        assert_eq!(event.status, None);
        assert_eq!(event.transcript, None);
        assert_eq!(event.analysis, None);
    }

    #[test]
    fn an_unknown_event_type_is_refused() {
        let error =
            parse_json(&json!({"type": "foo", "data": {"conversation_id": "c"}})).unwrap_err();
        assert_eq!(error.reason, "unknown event type `foo`");
    }

    #[test]
    fn a_payload_without_its_type_or_conversation_id_is_refused() {
        let error = parse_json(&json!({"data": {"conversation_id": "c"}})).unwrap_err();
        assert_eq!(error.reason, "`type` is missing");
        let error = parse_json(&json!({"type": "post_call_transcription"})).unwrap_err();
        assert_eq!(error.reason, "`data` is missing");
        let error =
            parse_json(&json!({"type": "post_call_transcription", "data": {"agent_id": "a"}}))
                .unwrap_err();
        assert_eq!(error.reason, "`data.conversation_id` is missing");
    }

    #[test]
    fn odd_optional_fields_are_ignored() {
        let mut payload = post_call_transcription();
        payload["data"]["transcript"] = json!("not a list");
        payload["data"]["metadata"]["start_time_unix_secs"] = json!("soon");
        payload["data"]["metadata"]["call_duration_secs"] = json!(-4);
        payload["data"]["analysis"] = json!([]);
        payload["event_timestamp"] = json!(true);
        let event = parse_json(&payload).unwrap();
        assert_eq!(event.transcript, None);
        assert_eq!(event.started_at, None);
        assert_eq!(event.ended_at, None);
        assert_eq!(event.duration_seconds, None);
        assert_eq!(event.analysis, None);
        assert_eq!(event.occurred_at, None);
    }
}
