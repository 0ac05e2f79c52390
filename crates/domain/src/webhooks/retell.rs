//! Retell AI webhooks.
//!
//! Retell posts JSON `{"event": …, "call": {…}}`: `call_started`,
//! `call_ended` (with the transcript and recording) and `call_analyzed` (the
//! same call plus `call_analysis`). Other events (Retell adds some, such as
//! transfer events) still parse their call, with no status. Retell sends no
//! event timestamp.
//!
//! Signature: `x-retell-signature: v=<unix ms>,d=<hex>` where the hex is the
//! HMAC-SHA256 of the body followed by the `v` digits. A timestamp more than
//! 5 minutes from now, either way, is stale.
//!
//! The customer is `from_number` on inbound calls and `to_number` on
//! outbound ones (web calls, without a direction, count as inbound).
//! `call_started` is `in_progress`; `call_ended` and `call_analyzed` take
//! their status from `disconnection_reason`, checked in order:
//!
//! | `disconnection_reason`                                               | status      | outcome       |
//! |----------------------------------------------------------------------|-------------|---------------|
//! | `dial_busy`, `user_declined`                                         | `missed`    | `busy`        |
//! | `dial_no_answer`                                                     | `missed`    | `no_answer`   |
//! | `voicemail_reached`, or any reason with `call_analysis.in_voicemail` | `voicemail` | `voicemail`   |
//! | `call_transfer`                                                      | `completed` | `transferred` |
//! | starting `error` or `dial_failed`; `registered_call_timeout`, `concurrency_limit_reached`, `no_valid_payment`, `scam_detected`, `marked_as_spam`, `invalid_destination`, `sip_routing_error`, `telephony_provider_permission_denied`, `telephony_provider_unavailable` | `failed` | `failed` |
//! | none, with `call_status` `error`                                     | `failed`    | `failed`      |
//! | anything else (`user_hangup`, `agent_hangup`, `inactivity`, `max_duration_reached`, …) | `completed` | none |
//!
//! Transcript turns come from `transcript_object` (`agent` and `user`
//! roles): a turn starts at its first word and ends at its last.
//! `call_cost.combined_cost` is already in cents. `user_sentiment` maps to
//! the sentiment (`Unknown` to none) and the analysis data is
//! `custom_analysis_data`.

use chrono::{DateTime, Utc};
use serde_json::Value;
use switchboard_entity::enums::{CallOutcome, CallStatus, Sentiment};

use super::fields::{
    array_at, bool_at, f64_at, get, object_or_empty, parse_json, required_str, round_cents,
    seconds_between, str_at, string_at, unix_millis, whole_seconds,
};
use super::signature::{
    SignatureError, check_age, hex_hmac_sha256, hmac_sha256, key_values, parse_timestamp,
    require_header, verify_hex,
};
use super::{
    Analysis, Delivery, Direction, PayloadError, Provider, ProviderCall, ProviderEvent, Segment,
    Transcript,
};

const HEADER: &str = "x-retell-signature";

/// How far the signed timestamp may be from now, either way.
const TOLERANCE_SECONDS: i64 = 5 * 60;

/// Disconnection reasons that mean the call could not be made or was cut by
/// the platform, beyond those starting `error` or `dial_failed`.
const FAILURE_REASONS: &[&str] = &[
    "registered_call_timeout",
    "concurrency_limit_reached",
    "no_valid_payment",
    "scam_detected",
    "marked_as_spam",
    "invalid_destination",
    "sip_routing_error",
    "telephony_provider_permission_denied",
    "telephony_provider_unavailable",
];

/// The full `x-retell-signature` value for `body` signed at `ts_ms` (Unix
/// milliseconds): `v={ts_ms},d={hex HMAC-SHA256 of body ‖ ts_ms}`.
pub fn sign_retell(secret: &str, body: &[u8], ts_ms: i64) -> String {
    let ts = ts_ms.to_string();
    format!(
        "v={ts},d={}",
        hex_hmac_sha256(secret, &[body, ts.as_bytes()])
    )
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
    let mut digest = None;
    for (key, value) in key_values(value) {
        match key {
            "v" => timestamp = Some(value),
            "d" => digest = Some(value),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| malformed("it has no `v=` timestamp"))?;
    let signed_at_millis = parse_timestamp(timestamp, HEADER)?;
    let digest = digest.ok_or_else(|| malformed("it has no `d=` digest"))?;
    let mac = hmac_sha256(secret, &[delivery.body, timestamp.as_bytes()]);
    verify_hex(mac, secret, digest, HEADER)?;
    check_age(signed_at_millis, now, TOLERANCE_SECONDS, TOLERANCE_SECONDS)
}

pub(super) fn parse(body: &[u8]) -> Result<ProviderEvent, PayloadError> {
    let payload = parse_json(body)?;
    let kind = required_str(&payload, &["event"])?.to_owned();
    let call = get(&payload, &["call"])
        .filter(|c| c.is_object())
        .ok_or_else(|| PayloadError::missing("call"))?;
    let id = required_str(&payload, &["call", "call_id"])?.to_owned();

    let direction = match str_at(call, &["direction"]) {
        Some("outbound") => Direction::Outbound,
        _ => Direction::Inbound,
    };
    let from = string_at(call, &["from_number"]);
    let to = string_at(call, &["to_number"]);
    let (customer_number, agent_number) = match direction {
        Direction::Inbound => (from, to),
        Direction::Outbound => (to, from),
    };
    let provider_call = ProviderCall {
        id,
        direction,
        customer_number,
        agent_number,
        provider_agent_id: string_at(call, &["agent_id"]),
        switchboard_call_id: super::switchboard_id(string_at(
            call,
            &["metadata", "switchboardCallId"],
        )),
    };

    let mut event = ProviderEvent::new(Provider::Retell, body, kind, provider_call, Value::Null);
    event.ended_reason = string_at(call, &["disconnection_reason"]);
    event.started_at = f64_at(call, &["start_timestamp"]).and_then(unix_millis);
    event.ended_at = f64_at(call, &["end_timestamp"]).and_then(unix_millis);
    event.duration_seconds = f64_at(call, &["duration_ms"])
        .and_then(|ms| whole_seconds(ms / 1000.0))
        .or_else(|| seconds_between(event.started_at, event.ended_at));
    event.cost_cents = f64_at(call, &["call_cost", "combined_cost"]).and_then(round_cents);
    event.recording_url = string_at(call, &["recording_url"]);

    match event.kind.as_str() {
        "call_started" => event.set_status((CallStatus::InProgress, None)),
        "call_ended" | "call_analyzed" => {
            let in_voicemail = bool_at(call, &["call_analysis", "in_voicemail"]) == Some(true);
            event.set_status(ended(
                event.ended_reason.as_deref(),
                in_voicemail,
                str_at(call, &["call_status"]),
            ));
            event.transcript = transcript(call);
        }
        _ => {}
    }
    event.analysis = analysis(call);
    event.payload = payload;
    Ok(event)
}

/// The status and outcome of an ended call (the table of the module docs).
fn ended(
    reason: Option<&str>,
    in_voicemail: bool,
    call_status: Option<&str>,
) -> (CallStatus, Option<CallOutcome>) {
    let reason = reason.unwrap_or_default().trim().to_ascii_lowercase();
    match reason.as_str() {
        "dial_busy" | "user_declined" => (CallStatus::Missed, Some(CallOutcome::Busy)),
        "dial_no_answer" => (CallStatus::Missed, Some(CallOutcome::NoAnswer)),
        "voicemail_reached" => (CallStatus::Voicemail, Some(CallOutcome::Voicemail)),
        _ if in_voicemail => (CallStatus::Voicemail, Some(CallOutcome::Voicemail)),
        "call_transfer" => (CallStatus::Completed, Some(CallOutcome::Transferred)),
        r if r.starts_with("error")
            || r.starts_with("dial_failed")
            || FAILURE_REASONS.contains(&r) =>
        {
            (CallStatus::Failed, Some(CallOutcome::Failed))
        }
        "" if call_status == Some("error") => (CallStatus::Failed, Some(CallOutcome::Failed)),
        _ => (CallStatus::Completed, None),
    }
}

/// `transcript` and `transcript_object`.
fn transcript(call: &Value) -> Option<Transcript> {
    let segments = array_at(call, &["transcript_object"])
        .iter()
        .filter_map(|turn| {
            let speaker = match str_at(turn, &["role"])? {
                "agent" => Segment::AGENT,
                "user" => Segment::CUSTOMER,
                _ => return None,
            };
            let words = array_at(turn, &["words"]);
            Some(Segment {
                speaker: speaker.to_owned(),
                text: str_at(turn, &["content"])?.trim().to_owned(),
                start: words.first().and_then(|w| f64_at(w, &["start"])),
                end: words.last().and_then(|w| f64_at(w, &["end"])),
            })
        })
        .collect();
    Transcript::from_parts(str_at(call, &["transcript"]), segments, None)
}

/// `call_analysis`.
fn analysis(call: &Value) -> Option<Analysis> {
    let analysis = get(call, &["call_analysis"]).filter(|a| a.is_object())?;
    Analysis {
        summary: string_at(analysis, &["call_summary"]),
        successful: bool_at(analysis, &["call_successful"]),
        sentiment: match str_at(analysis, &["user_sentiment"])
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("positive") => Some(Sentiment::Positive),
            Some("neutral") => Some(Sentiment::Neutral),
            Some("negative") => Some(Sentiment::Negative),
            _ => None,
        },
        data: object_or_empty(analysis, &["custom_analysis_data"]),
    }
    .non_empty()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{parse as parse_event, verify as verify_event};
    use super::*;

    const SECRET: &str = "key_retell_api";
    const NOW_MS: i64 = 1_714_564_800_000;
    const BODY: &[u8] = br#"{"event":"call_started","call":{"call_id":"call_1"}}"#;

    fn check(signature: Option<String>, body: &[u8], secret: &str) -> Result<(), SignatureError> {
        let headers: Vec<_> = signature
            .map(|s| (HEADER.to_owned(), s))
            .into_iter()
            .collect();
        let delivery = Delivery {
            headers: &headers,
            body,
            url: "https://api.example.com/webhooks/retell",
        };
        let now = DateTime::from_timestamp_millis(NOW_MS).unwrap();
        verify_event(Provider::Retell, &delivery, secret, now)
    }

    fn parse_json(value: &Value) -> Result<ProviderEvent, PayloadError> {
        parse_event(Provider::Retell, value.to_string().as_bytes())
    }

    #[test]
    fn a_fresh_signature_is_accepted() {
        assert_eq!(
            check(
                Some(sign_retell(SECRET, BODY, NOW_MS - 2_000)),
                BODY,
                SECRET
            ),
            Ok(())
        );
        assert_eq!(
            check(
                Some(sign_retell(SECRET, BODY, NOW_MS + 300_000)),
                BODY,
                SECRET
            ),
            Ok(())
        );
    }

    #[test]
    fn the_header_signs_the_body_followed_by_the_timestamp() {
        let expected = hex_hmac_sha256(
            SECRET,
            &[[BODY, NOW_MS.to_string().as_bytes()].concat().as_slice()],
        );
        assert_eq!(
            sign_retell(SECRET, BODY, NOW_MS),
            format!("v={NOW_MS},d={expected}")
        );
    }

    #[test]
    fn the_wrong_secret_is_a_mismatch() {
        assert_eq!(
            check(Some(sign_retell("other", BODY, NOW_MS)), BODY, SECRET),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_tampered_body_or_timestamp_is_a_mismatch() {
        let header = sign_retell(SECRET, BODY, NOW_MS);
        assert_eq!(
            check(Some(header.clone()), br#"{"event":"call_ended"}"#, SECRET),
            Err(SignatureError::Mismatch)
        );
        let moved = header.replace(&format!("v={NOW_MS}"), &format!("v={}", NOW_MS + 1));
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
    fn a_timestamp_more_than_five_minutes_off_is_stale() {
        assert_eq!(
            check(
                Some(sign_retell(SECRET, BODY, NOW_MS - 301_000)),
                BODY,
                SECRET
            ),
            Err(SignatureError::Stale {
                age_seconds: 301,
                tolerance_seconds: 300
            })
        );
        assert_eq!(
            check(
                Some(sign_retell(SECRET, BODY, NOW_MS + 301_000)),
                BODY,
                SECRET
            ),
            Err(SignatureError::Stale {
                age_seconds: -301,
                tolerance_seconds: 300
            })
        );
    }

    #[test]
    fn headers_without_a_timestamp_or_digest_are_malformed() {
        for header in [
            "d=abcd",
            "v=soon,d=abcd",
            &format!("v={NOW_MS}"),
            "nonsense",
            &format!("v={NOW_MS},d=xyz"),
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

    fn call(event: &str) -> Value {
        json!({
            "event": event,
            "call": {
                "call_type": "phone_call",
                "from_number": "+18005550100",
                "to_number": "+14155550123",
                "direction": "outbound",
                "call_id": "Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6",
                "agent_id": "oBeDLoLOeuAbiuaMFXRtDOLriTJ5tSxD",
                "call_status": "ended",
                "metadata": {},
                "retell_llm_dynamic_variables": {"customer_name": "Ada"},
                "start_timestamp": 1_714_564_800_000_i64,
                "end_timestamp": 1_714_564_864_200_i64,
                "duration_ms": 64_200,
                "disconnection_reason": "user_hangup",
                "transcript": "Agent: Hi Ada, it's Bright Dental.\nUser: Oh hi!\n",
                "transcript_object": [
                    {"role": "agent", "content": "Hi Ada, it's Bright Dental.", "words": [
                        {"word": "Hi", "start": 0.7, "end": 0.9},
                        {"word": "Dental.", "start": 1.9, "end": 2.4}
                    ]},
                    {"role": "user", "content": "Oh hi!", "words": [
                        {"word": "Oh", "start": 3.1, "end": 3.3},
                        {"word": "hi!", "start": 3.3, "end": 3.6}
                    ]},
                    {"role": "tool_call_invocation", "content": "{}"}
                ],
                "recording_url": "https://retellai.s3.amazonaws.com/rec.wav",
                "public_log_url": "https://retellai.s3.amazonaws.com/log.txt",
                "call_cost": {"product_costs": [], "total_duration_seconds": 64, "combined_cost": 7.6}
            }
        })
    }

    #[test]
    fn a_call_ended_event_parses_into_the_whole_event() {
        let payload = call("call_ended");
        let event = parse_json(&payload).unwrap();
        assert_eq!(event.provider, Provider::Retell);
        assert_eq!(event.kind, "call_ended");
        assert_eq!(
            event.call,
            ProviderCall {
                id: "Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6".into(),
                direction: Direction::Outbound,
                customer_number: Some("+14155550123".into()),
                agent_number: Some("+18005550100".into()),
                provider_agent_id: Some("oBeDLoLOeuAbiuaMFXRtDOLriTJ5tSxD".into()),
                switchboard_call_id: None,
            }
        );
        assert_eq!(event.status, Some(CallStatus::Completed));
        assert_eq!(event.outcome, None);
        assert_eq!(event.ended_reason.as_deref(), Some("user_hangup"));
        assert_eq!(
            event.started_at,
            DateTime::from_timestamp_millis(1_714_564_800_000)
        );
        assert_eq!(
            event.ended_at,
            DateTime::from_timestamp_millis(1_714_564_864_200)
        );
        assert_eq!(event.duration_seconds, Some(64));
        assert_eq!(event.cost_cents, Some(8));
        assert_eq!(
            event.recording_url.as_deref(),
            Some("https://retellai.s3.amazonaws.com/rec.wav")
        );
        assert_eq!(event.occurred_at, None);
        assert_eq!(event.analysis, None);
        let transcript = event.transcript.unwrap();
        assert_eq!(
            transcript.content,
            "Agent: Hi Ada, it's Bright Dental.\nUser: Oh hi!"
        );
        assert_eq!(
            transcript.segments,
            vec![
                Segment {
                    speaker: "agent".into(),
                    text: "Hi Ada, it's Bright Dental.".into(),
                    start: Some(0.7),
                    end: Some(2.4),
                },
                Segment {
                    speaker: "customer".into(),
                    text: "Oh hi!".into(),
                    start: Some(3.1),
                    end: Some(3.6),
                },
            ]
        );
        assert_eq!(event.payload, payload);
    }

    #[test]
    fn a_call_analyzed_event_carries_the_analysis() {
        let mut payload = call("call_analyzed");
        payload["call"]["call_analysis"] = json!({
            "call_summary": "Ada confirmed her appointment.",
            "in_voicemail": false,
            "user_sentiment": "Positive",
            "call_successful": true,
            "custom_analysis_data": {"confirmed": true}
        });
        let event = parse_json(&payload).unwrap();
        assert_eq!(event.kind, "call_analyzed");
        assert_eq!(event.status, Some(CallStatus::Completed));
        assert!(event.transcript.is_some());
        assert_eq!(
            event.analysis,
            Some(Analysis {
                summary: Some("Ada confirmed her appointment.".into()),
                successful: Some(true),
                sentiment: Some(Sentiment::Positive),
                data: json!({"confirmed": true}),
            })
        );
    }

    #[test]
    fn user_sentiments_map_to_sentiments() {
        let rows = [
            ("Positive", Some(Sentiment::Positive)),
            ("Neutral", Some(Sentiment::Neutral)),
            ("Negative", Some(Sentiment::Negative)),
            ("Unknown", None),
        ];
        for (sentiment, expected) in rows {
            let mut payload = call("call_analyzed");
            payload["call"]["call_analysis"] =
                json!({"user_sentiment": sentiment, "call_summary": "x"});
            let event = parse_json(&payload).unwrap();
            assert_eq!(event.analysis.unwrap().sentiment, expected, "{sentiment}");
        }
    }

    #[test]
    fn a_call_started_event_is_in_progress_with_no_transcript() {
        let event = parse_json(&json!({"event": "call_started", "call": {
            "call_id": "c1", "call_type": "phone_call", "direction": "inbound",
            "from_number": "+14155550123", "to_number": "+18005550100", "agent_id": "ag",
            "call_status": "ongoing", "start_timestamp": 1_714_564_800_000_i64
        }}))
        .unwrap();
        assert_eq!(event.status, Some(CallStatus::InProgress));
        assert_eq!(event.outcome, None);
        assert_eq!(event.call.direction, Direction::Inbound);
        assert_eq!(event.call.customer_number.as_deref(), Some("+14155550123"));
        assert_eq!(event.call.agent_number.as_deref(), Some("+18005550100"));
        assert_eq!(event.started_at, DateTime::from_timestamp(1_714_564_800, 0));
        assert_eq!(event.ended_at, None);
        assert_eq!(event.duration_seconds, None);
        assert_eq!(event.transcript, None);
    }

    #[test]
    fn a_web_call_without_a_direction_is_inbound() {
        let event = parse_json(&json!({"event": "call_ended", "call": {
            "call_id": "c1", "call_type": "web_call", "disconnection_reason": "agent_hangup",
            "start_timestamp": 1_714_564_800_000_i64, "end_timestamp": 1_714_564_830_000_i64
        }}))
        .unwrap();
        assert_eq!(event.call.direction, Direction::Inbound);
        assert_eq!(event.call.customer_number, None);
        assert_eq!(event.duration_seconds, Some(30));
        assert_eq!(event.transcript, None);
    }

    #[test]
    fn disconnection_reasons_map_to_a_status_and_an_outcome() {
        use CallOutcome as O;
        use CallStatus as S;
        type Row<'a> = (Option<&'a str>, bool, Option<&'a str>, S, Option<O>);
        let rows: &[Row] = &[
            (Some("dial_busy"), false, None, S::Missed, Some(O::Busy)),
            (Some("user_declined"), false, None, S::Missed, Some(O::Busy)),
            (
                Some("dial_no_answer"),
                false,
                None,
                S::Missed,
                Some(O::NoAnswer),
            ),
            (
                Some("voicemail_reached"),
                false,
                None,
                S::Voicemail,
                Some(O::Voicemail),
            ),
            (
                Some("user_hangup"),
                true,
                None,
                S::Voicemail,
                Some(O::Voicemail),
            ),
            (
                Some("call_transfer"),
                false,
                None,
                S::Completed,
                Some(O::Transferred),
            ),
            (Some("dial_failed"), false, None, S::Failed, Some(O::Failed)),
            (
                Some("error_llm_websocket_open"),
                false,
                None,
                S::Failed,
                Some(O::Failed),
            ),
            (
                Some("error_inbound_webhook"),
                false,
                None,
                S::Failed,
                Some(O::Failed),
            ),
            (
                Some("registered_call_timeout"),
                false,
                None,
                S::Failed,
                Some(O::Failed),
            ),
            (
                Some("concurrency_limit_reached"),
                false,
                None,
                S::Failed,
                Some(O::Failed),
            ),
            (
                Some("no_valid_payment"),
                false,
                None,
                S::Failed,
                Some(O::Failed),
            ),
            (
                Some("scam_detected"),
                false,
                None,
                S::Failed,
                Some(O::Failed),
            ),
            (
                Some("marked_as_spam"),
                false,
                None,
                S::Failed,
                Some(O::Failed),
            ),
            (
                Some("invalid_destination"),
                false,
                None,
                S::Failed,
                Some(O::Failed),
            ),
            (
                Some("sip_routing_error"),
                false,
                None,
                S::Failed,
                Some(O::Failed),
            ),
            (
                Some("telephony_provider_permission_denied"),
                false,
                None,
                S::Failed,
                Some(O::Failed),
            ),
            (
                Some("telephony_provider_unavailable"),
                false,
                None,
                S::Failed,
                Some(O::Failed),
            ),
            (None, false, Some("error"), S::Failed, Some(O::Failed)),
            (None, false, Some("ended"), S::Completed, None),
            (Some("user_hangup"), false, None, S::Completed, None),
            (Some("agent_hangup"), false, None, S::Completed, None),
            (Some("inactivity"), false, None, S::Completed, None),
            (
                Some("max_duration_reached"),
                false,
                None,
                S::Completed,
                None,
            ),
        ];
        for &(reason, in_voicemail, call_status, status, outcome) in rows {
            assert_eq!(
                ended(reason, in_voicemail, call_status),
                (status, outcome),
                "{reason:?}"
            );
            for kind in ["call_ended", "call_analyzed"] {
                let mut payload = call(kind);
                payload["call"]["disconnection_reason"] = json!(reason);
                payload["call"]["call_status"] = json!(call_status);
                payload["call"]["call_analysis"] = json!({"in_voicemail": in_voicemail});
                let event = parse_json(&payload).unwrap();
                assert_eq!(
                    (event.status, event.outcome),
                    (Some(status), outcome),
                    "{kind} {reason:?}"
                );
            }
        }
    }

    #[test]
    fn other_events_parse_their_call_without_a_status() {
        let event = parse_json(&json!({"event": "transcript_updated", "call": {"call_id": "c1", "transcript": "Agent: Hi"}})).unwrap();
        assert_eq!(event.kind, "transcript_updated");
        assert_eq!(event.status, None);
        assert_eq!(event.transcript, None);
    }

    #[test]
    fn a_payload_without_its_event_or_call_id_is_refused() {
        let error = parse_json(&json!({"call": {"call_id": "c1"}})).unwrap_err();
        assert_eq!(error.reason, "`event` is missing");
        let error = parse_json(&json!({"event": "call_ended"})).unwrap_err();
        assert_eq!(error.reason, "`call` is missing");
        let error =
            parse_json(&json!({"event": "call_ended", "call": {"agent_id": "a"}})).unwrap_err();
        assert_eq!(error.reason, "`call.call_id` is missing");
    }

    #[test]
    fn odd_optional_fields_are_ignored() {
        let mut payload = call("call_ended");
        payload["call"]["transcript_object"] = json!({"not": "a list"});
        payload["call"]["transcript"] = json!(null);
        payload["call"]["call_cost"] = json!(12);
        payload["call"]["duration_ms"] = json!("long");
        payload["call"]["call_analysis"] = json!("later");
        let event = parse_json(&payload).unwrap();
        assert_eq!(event.transcript, None);
        assert_eq!(event.cost_cents, None);
        assert_eq!(event.duration_seconds, Some(64));
        assert_eq!(event.analysis, None);
    }
}
