//! Twilio voice status callbacks.
//!
//! Twilio posts `application/x-www-form-urlencoded` fields (`CallSid`,
//! `From`, `To`, `Direction`, `CallStatus`, `CallDuration`, `Timestamp`,
//! `AnsweredBy`, …) as the call moves on. The event's payload is those
//! fields as a JSON object of strings (a repeated field keeps its last
//! value); its kind is always `status-callback`.
//!
//! Signature: `x-twilio-signature` is the base64 HMAC-SHA1, keyed with the
//! account's auth token, of the full URL Twilio called followed by every
//! form field, sorted by name (then value), as name ‖ value. Twilio's own
//! libraries also accept the URL with its default port added or removed,
//! because proxies and Twilio disagree about it; so does [`verify`]. There is
//! no timestamp, so no replay window: the idempotency key is what stops a
//! replay from doing anything twice.
//!
//! The customer is `From` on inbound calls and `To` on outbound ones
//! (`outbound-api`, `outbound-dial`).
//!
//! | `CallStatus`              | status        | outcome     |
//! |---------------------------|---------------|-------------|
//! | `queued`, `initiated`     | `queued`      | none        |
//! | `ringing`                 | `ringing`     | none        |
//! | `in-progress`             | `in_progress` | none        |
//! | `completed`, `AnsweredBy` starting `machine` | `voicemail` | `voicemail` |
//! | `completed`               | `completed`   | none        |
//! | `busy`                    | `missed`      | `busy`      |
//! | `no-answer`               | `missed`      | `no_answer` |
//! | `canceled`                | `cancelled`   | none        |
//! | `failed`                  | `failed`      | `failed`    |
//! | anything else             | none          | none        |
//!
//! `Timestamp` (RFC 2822) is when the status was reached: it is the event
//! time, the start of an `in-progress` call and the end of a finished one; a
//! `completed` call with a `CallDuration` started that many seconds before.
//! Twilio gives no ended reason, so a terminal `CallStatus` is kept as the
//! ended reason.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha1::Sha1;
use switchboard_entity::enums::{CallOutcome, CallStatus};

use super::fields::{required_str, str_at, string_at};
use super::signature::{SignatureError, require_header};
use super::{Delivery, Direction, PayloadError, Provider, ProviderCall, ProviderEvent};

const HEADER: &str = "x-twilio-signature";

/// The event kind of every Twilio status callback.
const KIND: &str = "status-callback";

/// The `x-twilio-signature` value for a POST to `url` with form `params`:
/// base64 HMAC-SHA1 (keyed with `auth_token`) of `url` followed by each
/// parameter's name and value, sorted by name.
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    BASE64.encode(signing_mac(auth_token, url, params).finalize().into_bytes())
}

/// The HMAC Twilio computes over `url` and the sorted `params`.
fn signing_mac(auth_token: &str, url: &str, params: &[(String, String)]) -> Hmac<Sha1> {
    let mut sorted: Vec<_> = params.iter().collect();
    sorted.sort();
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

pub(super) fn verify(delivery: &Delivery<'_>, auth_token: &str) -> Result<(), SignatureError> {
    let provided = require_header(delivery, HEADER)?;
    let provided = BASE64
        .decode(provided)
        .map_err(|error| SignatureError::Malformed {
            header: HEADER,
            reason: format!("the signature is not base64 ({error})"),
        })?;
    if auth_token.is_empty() {
        return Err(SignatureError::Mismatch);
    }
    let params: Vec<(String, String)> =
        form_urlencoded::parse(delivery.body).into_owned().collect();
    let matches = url_variants(delivery.url).iter().any(|url| {
        signing_mac(auth_token, url, &params)
            .verify_slice(&provided)
            .is_ok()
    });
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// `url` as given, then with its default port removed (when it has one) or
/// added (when it has none), as Twilio's libraries try.
fn url_variants(url: &str) -> Vec<String> {
    let mut variants = vec![url.to_owned()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return variants;
    };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => "443",
        "http" => "80",
        _ => return variants,
    };
    let (authority, tail) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    match authority.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            variants.push(format!("{scheme}://{host}{tail}"));
        }
        _ => variants.push(format!("{scheme}://{authority}:{default_port}{tail}")),
    }
    variants
}

/// A text message a lead sent to one of the account's numbers, as Twilio's
/// incoming-message webhook posts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    /// `MessageSid` (`SM…`).
    pub sid: String,
    /// The sender's number, E.164.
    pub from: String,
    /// The account's number it was sent to.
    pub to: String,
    /// The text (empty for a picture alone).
    pub body: String,
}

/// The incoming message in a Twilio delivery, if it is one (a form with a
/// `MessageSid` and no `CallSid`); a call's status callback is `None`.
/// A message without a sender is refused.
pub fn inbound_message(body: &[u8]) -> Result<Option<InboundMessage>, PayloadError> {
    let Ok(text) = std::str::from_utf8(body) else {
        return Ok(None);
    };
    if text.trim_start().starts_with(['{', '[']) {
        return Ok(None);
    }
    let mut sid = None;
    let (mut from, mut to, mut message, mut call) = (None, None, String::new(), false);
    for (name, value) in form_urlencoded::parse(body) {
        match name.as_ref() {
            "MessageSid" | "SmsSid" if sid.is_none() => sid = Some(value.into_owned()),
            "From" => from = Some(value.trim().to_owned()),
            "To" => to = Some(value.trim().to_owned()),
            "Body" => message = value.into_owned(),
            "CallSid" => call = true,
            _ => {}
        }
    }
    let Some(sid) = sid.filter(|_| !call) else {
        return Ok(None);
    };
    if sid.is_empty() || sid.len() > 64 {
        return Err(PayloadError::new("`MessageSid` is empty or too long"));
    }
    let from = from
        .filter(|f| !f.is_empty())
        .ok_or_else(|| PayloadError::new("an incoming message needs `From`"))?;
    Ok(Some(InboundMessage {
        sid,
        from,
        to: to.unwrap_or_default(),
        body: message.chars().take(1_600).collect(),
    }))
}

pub(super) fn parse(body: &[u8]) -> Result<ProviderEvent, PayloadError> {
    let text =
        std::str::from_utf8(body).map_err(|_| PayloadError::new("body is not UTF-8 form data"))?;
    if text.trim_start().starts_with(['{', '[']) {
        return Err(PayloadError::new(
            "body is not form-encoded (it looks like JSON)",
        ));
    }
    let fields: Map<String, Value> = form_urlencoded::parse(body)
        .map(|(name, value)| (name.into_owned(), Value::String(value.into_owned())))
        .collect();
    let payload = Value::Object(fields);
    let id = required_str(&payload, &["CallSid"])?.to_owned();

    let direction = match str_at(&payload, &["Direction"]) {
        Some(d) if d.starts_with("outbound") => Direction::Outbound,
        _ => Direction::Inbound,
    };
    let from = string_at(&payload, &["From"]);
    let to = string_at(&payload, &["To"]);
    let (customer_number, agent_number) = match direction {
        Direction::Inbound => (from, to),
        Direction::Outbound => (to, from),
    };
    let call = ProviderCall {
        id,
        direction,
        customer_number,
        agent_number,
        provider_agent_id: None,
        switchboard_call_id: None,
    };

    let mut event = ProviderEvent::new(Provider::Twilio, body, KIND.to_owned(), call, Value::Null);
    let call_status = str_at(&payload, &["CallStatus"]).map(|s| s.trim().to_ascii_lowercase());
    if let Some(status) = call_status
        .as_deref()
        .and_then(|s| status(s, str_at(&payload, &["AnsweredBy"])))
    {
        event.set_status(status);
    }
    event.occurred_at = str_at(&payload, &["Timestamp"])
        .and_then(|t| DateTime::parse_from_rfc2822(t.trim()).ok())
        .map(|t| t.with_timezone(&Utc));
    event.duration_seconds = str_at(&payload, &["CallDuration"])
        .and_then(|d| d.trim().parse::<i32>().ok())
        .filter(|d| *d >= 0);
    match event.status {
        Some(CallStatus::InProgress) => event.started_at = event.occurred_at,
        Some(status) if status.is_terminal() => {
            event.ended_reason = call_status;
            event.ended_at = event.occurred_at;
            if event.ended_reason.as_deref() == Some("completed") {
                event.started_at =
                    event
                        .ended_at
                        .zip(event.duration_seconds)
                        .and_then(|(end, seconds)| {
                            end.checked_sub_signed(TimeDelta::seconds(seconds.into()))
                        });
            }
        }
        _ => {}
    }
    event.recording_url = string_at(&payload, &["RecordingUrl"]);
    event.payload = payload;
    Ok(event)
}

/// The status and outcome of a `CallStatus` (the table of the module docs).
fn status(
    call_status: &str,
    answered_by: Option<&str>,
) -> Option<(CallStatus, Option<CallOutcome>)> {
    Some(match call_status {
        "queued" | "initiated" => (CallStatus::Queued, None),
        "ringing" => (CallStatus::Ringing, None),
        "in-progress" => (CallStatus::InProgress, None),
        "completed" if answered_by.is_some_and(|a| a.starts_with("machine")) => {
            (CallStatus::Voicemail, Some(CallOutcome::Voicemail))
        }
        "completed" => (CallStatus::Completed, None),
        "busy" => (CallStatus::Missed, Some(CallOutcome::Busy)),
        "no-answer" => (CallStatus::Missed, Some(CallOutcome::NoAnswer)),
        "canceled" => (CallStatus::Cancelled, None),
        "failed" => (CallStatus::Failed, Some(CallOutcome::Failed)),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{parse as parse_event, verify as verify_event};
    use super::*;

    const TOKEN: &str = "twilio-auth-token";
    const URL: &str = "https://api.example.com/webhooks/twilio?org=acme";

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_714_564_800, 0).unwrap()
    }

    fn pairs(body: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect()
    }

    fn check(
        signature: Option<String>,
        url: &str,
        body: &str,
        token: &str,
    ) -> Result<(), SignatureError> {
        let headers: Vec<_> = signature
            .map(|s| (HEADER.to_owned(), s))
            .into_iter()
            .collect();
        let delivery = Delivery {
            headers: &headers,
            body: body.as_bytes(),
            url,
        };
        verify_event(Provider::Twilio, &delivery, token, now())
    }

    const BODY: &str = "AccountSid=AC123&CallSid=CA42&CallStatus=completed&From=%2B18005550100&To=%2B14155550123&Direction=outbound-api&CallDuration=42";

    #[test]
    fn the_signature_matches_twilios_published_example() {
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            twilio_signature(
                "12345",
                "https://mycompany.com/myapp.php?foo=1&bar=2",
                &params
            ),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        );
    }

    #[test]
    fn a_signed_status_callback_is_accepted() {
        let signature = twilio_signature(TOKEN, URL, &pairs(BODY));
        assert_eq!(check(Some(signature), URL, BODY, TOKEN), Ok(()));
    }

    #[test]
    fn parameter_order_in_the_body_does_not_matter() {
        let signature = twilio_signature(TOKEN, URL, &pairs(BODY));
        let reordered = "To=%2B14155550123&CallDuration=42&CallSid=CA42&From=%2B18005550100&AccountSid=AC123&Direction=outbound-api&CallStatus=completed";
        assert_eq!(check(Some(signature), URL, reordered, TOKEN), Ok(()));
    }

    #[test]
    fn repeated_parameters_are_all_signed() {
        let body = "CallSid=CA1&Tag=b&Tag=a";
        let both = vec![
            ("CallSid".to_owned(), "CA1".to_owned()),
            ("Tag".to_owned(), "a".to_owned()),
            ("Tag".to_owned(), "b".to_owned()),
        ];
        assert_eq!(
            check(Some(twilio_signature(TOKEN, URL, &both)), URL, body, TOKEN),
            Ok(())
        );
        let one = &both[..2];
        assert_eq!(
            check(Some(twilio_signature(TOKEN, URL, one)), URL, body, TOKEN),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn the_default_port_may_be_added_or_dropped() {
        let with_port = "https://api.example.com:443/webhooks/twilio?org=acme";
        let signature = twilio_signature(TOKEN, with_port, &pairs(BODY));
        assert_eq!(check(Some(signature.clone()), URL, BODY, TOKEN), Ok(()));
        let signature = twilio_signature(TOKEN, URL, &pairs(BODY));
        assert_eq!(check(Some(signature), with_port, BODY, TOKEN), Ok(()));
        assert_eq!(
            url_variants("http://localhost:8080/hook"),
            ["http://localhost:8080/hook", "http://localhost/hook"]
        );
        assert_eq!(
            url_variants("http://localhost?x=1"),
            ["http://localhost?x=1", "http://localhost:80?x=1"]
        );
        assert_eq!(url_variants("not a url"), ["not a url"]);
    }

    #[test]
    fn the_signed_url_must_match() {
        let signature = twilio_signature(TOKEN, URL, &pairs(BODY));
        assert_eq!(
            check(
                Some(signature),
                "https://api.example.com/webhooks/twilio?org=other",
                BODY,
                TOKEN
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn the_wrong_auth_token_is_a_mismatch() {
        let signature = twilio_signature("other-token", URL, &pairs(BODY));
        assert_eq!(
            check(Some(signature), URL, BODY, TOKEN),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_tampered_body_is_a_mismatch() {
        let signature = twilio_signature(TOKEN, URL, &pairs(BODY));
        let tampered = BODY.replace("CallDuration=42", "CallDuration=4200");
        assert_eq!(
            check(Some(signature), URL, &tampered, TOKEN),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn no_header_is_missing() {
        assert_eq!(
            check(None, URL, BODY, TOKEN),
            Err(SignatureError::Missing(HEADER))
        );
    }

    #[test]
    fn a_signature_that_is_not_base64_is_malformed() {
        assert!(matches!(
            check(Some("not base64!".into()), URL, BODY, TOKEN),
            Err(SignatureError::Malformed { header: HEADER, .. })
        ));
    }

    fn parse_form(body: &str) -> Result<ProviderEvent, PayloadError> {
        parse_event(Provider::Twilio, body.as_bytes())
    }

    fn time(s: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
    }

    #[test]
    fn a_completed_callback_parses_into_the_whole_event() {
        let body = "Called=%2B14155550123&ToState=CA&CallerCountry=US&Direction=outbound-api\
            &Timestamp=Wed%2C+01+May+2024+12%3A01%3A30+%2B0000&CallbackSource=call-progress-events\
            &SequenceNumber=3&CallStatus=completed&AnsweredBy=human&CallDuration=90\
            &From=%2B18005550100&CallSid=CA0123456789abcdef&To=%2B14155550123&AccountSid=AC123\
            &RecordingUrl=https%3A%2F%2Fapi.twilio.com%2Frec%2FRE1&ApiVersion=2010-04-01";
        let event = parse_form(body).unwrap();
        assert_eq!(event.provider, Provider::Twilio);
        assert_eq!(event.kind, "status-callback");
        assert_eq!(
            event.call,
            ProviderCall {
                id: "CA0123456789abcdef".into(),
                direction: Direction::Outbound,
                customer_number: Some("+14155550123".into()),
                agent_number: Some("+18005550100".into()),
                provider_agent_id: None,
                switchboard_call_id: None,
            }
        );
        assert_eq!(event.status, Some(CallStatus::Completed));
        assert_eq!(event.outcome, None);
        assert_eq!(event.ended_reason.as_deref(), Some("completed"));
        assert_eq!(event.occurred_at, time("2024-05-01T12:01:30Z"));
        assert_eq!(event.ended_at, time("2024-05-01T12:01:30Z"));
        assert_eq!(event.started_at, time("2024-05-01T12:00:00Z"));
        assert_eq!(event.duration_seconds, Some(90));
        assert_eq!(event.cost_cents, None);
        assert_eq!(
            event.recording_url.as_deref(),
            Some("https://api.twilio.com/rec/RE1")
        );
        assert_eq!(event.transcript, None);
        assert_eq!(event.analysis, None);
        assert_eq!(event.payload["CallSid"], json!("CA0123456789abcdef"));
        assert_eq!(
            event.payload["Timestamp"],
            json!("Wed, 01 May 2024 12:01:30 +0000")
        );
        assert!(
            event
                .payload
                .as_object()
                .unwrap()
                .values()
                .all(Value::is_string)
        );
    }

    #[test]
    fn an_inbound_call_has_the_caller_as_its_customer() {
        let event = parse_form(
            "CallSid=CA1&Direction=inbound&From=%2B14155550123&To=%2B18005550100&CallStatus=in-progress\
             &Timestamp=Wed%2C+01+May+2024+12%3A00%3A00+%2B0000",
        )
        .unwrap();
        assert_eq!(event.call.direction, Direction::Inbound);
        assert_eq!(event.call.customer_number.as_deref(), Some("+14155550123"));
        assert_eq!(event.call.agent_number.as_deref(), Some("+18005550100"));
        assert_eq!(event.status, Some(CallStatus::InProgress));
        assert_eq!(event.started_at, time("2024-05-01T12:00:00Z"));
        assert_eq!(event.ended_at, None);
        assert_eq!(event.ended_reason, None);
    }

    #[test]
    fn call_statuses_map_to_statuses() {
        use CallOutcome as O;
        use CallStatus as S;
        type Row<'a> = (&'a str, Option<&'a str>, Option<(S, Option<O>)>);
        let rows: &[Row] = &[
            ("queued", None, Some((S::Queued, None))),
            ("initiated", None, Some((S::Queued, None))),
            ("ringing", None, Some((S::Ringing, None))),
            ("in-progress", Some("human"), Some((S::InProgress, None))),
            ("completed", Some("human"), Some((S::Completed, None))),
            ("completed", Some("unknown"), Some((S::Completed, None))),
            ("completed", Some("fax"), Some((S::Completed, None))),
            ("completed", None, Some((S::Completed, None))),
            (
                "completed",
                Some("machine_start"),
                Some((S::Voicemail, Some(O::Voicemail))),
            ),
            (
                "completed",
                Some("machine_end_beep"),
                Some((S::Voicemail, Some(O::Voicemail))),
            ),
            (
                "completed",
                Some("machine_end_silence"),
                Some((S::Voicemail, Some(O::Voicemail))),
            ),
            ("busy", None, Some((S::Missed, Some(O::Busy)))),
            ("no-answer", None, Some((S::Missed, Some(O::NoAnswer)))),
            ("canceled", None, Some((S::Cancelled, None))),
            ("failed", None, Some((S::Failed, Some(O::Failed)))),
            ("answered", None, None),
        ];
        for &(call_status, answered_by, expected) in rows {
            let mut body = format!("CallSid=CA1&CallStatus={call_status}");
            if let Some(answered_by) = answered_by {
                body.push_str(&format!("&AnsweredBy={answered_by}"));
            }
            let event = parse_form(&body).unwrap();
            assert_eq!(
                event.status.map(|s| (s, event.outcome)),
                expected,
                "{call_status} / {answered_by:?}"
            );
        }
    }

    #[test]
    fn an_unanswered_call_ends_at_its_timestamp_without_a_start() {
        let event = parse_form(
            "CallSid=CA1&Direction=outbound-dial&CallStatus=no-answer&CallDuration=0\
             &Timestamp=Wed%2C+01+May+2024+12%3A00%3A30+%2B0000",
        )
        .unwrap();
        assert_eq!(event.status, Some(CallStatus::Missed));
        assert_eq!(event.ended_reason.as_deref(), Some("no-answer"));
        assert_eq!(event.ended_at, time("2024-05-01T12:00:30Z"));
        assert_eq!(event.started_at, None);
        let event = parse_form(
            "CallSid=CA1&CallStatus=canceled&Timestamp=Wed%2C+01+May+2024+12%3A00%3A30+%2B0000",
        )
        .unwrap();
        assert_eq!(event.started_at, None);
        assert_eq!(event.ended_at, time("2024-05-01T12:00:30Z"));
    }

    #[test]
    fn odd_optional_fields_are_ignored() {
        let event =
            parse_form("CallSid=CA1&CallStatus=completed&CallDuration=soon&Timestamp=yesterday")
                .unwrap();
        assert_eq!(event.status, Some(CallStatus::Completed));
        assert_eq!(event.duration_seconds, None);
        assert_eq!(event.occurred_at, None);
        assert_eq!(event.started_at, None);
        assert_eq!(event.ended_at, None);
    }

    #[test]
    fn a_callback_without_a_call_sid_is_refused() {
        assert_eq!(
            parse_form("CallStatus=completed").unwrap_err().reason,
            "`CallSid` is missing"
        );
        assert_eq!(parse_form("").unwrap_err().reason, "`CallSid` is missing");
    }

    #[test]
    fn a_body_that_is_not_form_data_is_refused() {
        assert_eq!(
            parse_event(Provider::Twilio, b"CallSid=\xff\xfe")
                .unwrap_err()
                .reason,
            "body is not UTF-8 form data"
        );
        assert_eq!(
            parse_form(r#"{"CallSid": "CA1"}"#).unwrap_err().reason,
            "body is not form-encoded (it looks like JSON)"
        );
    }

    #[test]
    fn identical_callbacks_share_an_event_id() {
        let first = parse_form(BODY).unwrap();
        assert_eq!(first.event_id, parse_form(BODY).unwrap().event_id);
        assert_ne!(
            first.event_id,
            parse_form(&BODY.replace("42", "43")).unwrap().event_id
        );
    }

    #[test]
    fn an_incoming_message_is_told_apart_from_a_call() {
        let sms =
            "MessageSid=SM1&SmsSid=SM1&From=%2B14155550100&To=%2B14155550199&Body=Sounds+good";
        assert_eq!(
            super::inbound_message(sms.as_bytes()).unwrap(),
            Some(super::InboundMessage {
                sid: "SM1".into(),
                from: "+14155550100".into(),
                to: "+14155550199".into(),
                body: "Sounds good".into(),
            })
        );
        assert_eq!(super::inbound_message(BODY.as_bytes()).unwrap(), None);
        assert_eq!(
            super::inbound_message(b"{\"MessageSid\": 1}").unwrap(),
            None
        );
        assert!(super::inbound_message(b"MessageSid=SM2&Body=hi").is_err());
    }
}
