//! Tests of the Vapi parser and signature check, kept apart from the
//! parser so that each file reads on its own.

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
            switchboard_call_id: None,
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
    let error = parse_json(&json!({"message": {"type": "status-update", "call": {}}})).unwrap_err();
    assert_eq!(error.reason, "`message.call.id` is missing");
    let error = parse_json(&json!({"message": {"type": "status-update"}})).unwrap_err();
    assert_eq!(error.reason, "`message.call.id` is missing");
    let error = parse_json(&json!({"message": {"call": {"id": "c"}}})).unwrap_err();
    assert_eq!(error.reason, "`message.type` is missing");
    let error = parse_json(&json!({"type": "status-update"})).unwrap_err();
    assert_eq!(error.reason, "`message` is missing");
}
