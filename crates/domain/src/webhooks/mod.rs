//! Provider webhooks: checking that a delivery really comes from the provider,
//! then reading it into one normalized [`ProviderEvent`].
//!
//! Vapi, ElevenLabs, Retell and Twilio each report calls in their own shape
//! and sign them in their own way. Everything downstream (status changes,
//! outcomes, transcripts, analysis) should not care which one it was, so each
//! provider's module does two things and nothing else:
//!
//! - [`verify`] checks the delivery's signature against the provider's secret,
//!   in constant time, and refuses stale timestamps so a captured delivery
//!   cannot be replayed later;
//! - [`parse`] reads the body into a [`ProviderEvent`], mapping the provider's
//!   statuses and ended reasons to [`CallStatus`] and [`CallOutcome`]. Each
//!   provider module documents its mapping as a table.
//!
//! | provider   | header                 | signed bytes                                  | tolerance               |
//! |------------|------------------------|-----------------------------------------------|-------------------------|
//! | Vapi       | `x-vapi-secret`        | none: the header is the shared secret         | none                    |
//! | Vapi       | `x-vapi-signature`     | hex HMAC-SHA256 of the body, or of `{x-vapi-timestamp}.{body}` | ±300 s when timestamped |
//! | ElevenLabs | `elevenlabs-signature` | `t=…,v0=` hex HMAC-SHA256 of `{t}.{body}`       | 1800 s past, 300 s future |
//! | Retell     | `x-retell-signature`   | `v=…,d=` hex HMAC-SHA256 of body ‖ `{v}`        | ±300 s                  |
//! | Twilio     | `x-twilio-signature`   | base64 HMAC-SHA1 of URL ‖ sorted form `key‖value` | none                  |
//!
//! An empty secret matches nothing, so an unconfigured secret can never be
//! "matched" by a forger who signs with an empty key.
//!
//! Providers redeliver. [`ProviderEvent::event_id`] is the SHA-256 of the raw
//! body, so the same delivery received twice has the same id and can be
//! stored once.
//!
//! Parsing is strict only about what identifies the event (the call id and
//! the event type). Other fields are optional: a field that is missing or has
//! an unexpected type is treated as absent, so a provider that adds or
//! changes a field does not make its webhooks fail.

mod elevenlabs;
mod fields;
mod retell;
mod signature;
mod twilio;
mod vapi;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use switchboard_entity::enums::{CallOutcome, CallStatus, Sentiment};

pub use elevenlabs::sign_elevenlabs;
pub use retell::sign_retell;
pub use signature::SignatureError;
pub use twilio::{InboundMessage, inbound_message, twilio_signature};
pub use vapi::sign_vapi;

/// A voice platform that sends webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    Vapi,
    ElevenLabs,
    Retell,
    Twilio,
}

impl Provider {
    /// Every provider.
    pub const ALL: [Provider; 4] = [
        Provider::Vapi,
        Provider::ElevenLabs,
        Provider::Retell,
        Provider::Twilio,
    ];

    /// The provider's name in URLs and storage: `vapi`, `elevenlabs`,
    /// `retell` or `twilio`.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Vapi => "vapi",
            Provider::ElevenLabs => "elevenlabs",
            Provider::Retell => "retell",
            Provider::Twilio => "twilio",
        }
    }

    /// The provider named `s` (the inverse of [`Provider::as_str`]).
    pub fn parse(s: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A received delivery: lower-case header names; `url` is the full URL the
/// provider called (`scheme://host/path?query`); only Twilio signs it.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    pub url: &'a str,
}

/// Checks that `delivery` was signed by `provider` with `secret` (for Twilio,
/// the account's auth token), and that a signed timestamp, when the scheme
/// has one, is close enough to `now`.
///
/// The signature is checked before the timestamp, so
/// [`SignatureError::Stale`] means "genuine, but too old (or too far ahead)"
/// and a forgery is always [`SignatureError::Mismatch`].
pub fn verify(
    provider: Provider,
    delivery: &Delivery<'_>,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    match provider {
        Provider::Vapi => vapi::verify(delivery, secret, now),
        Provider::ElevenLabs => elevenlabs::verify(delivery, secret, now),
        Provider::Retell => retell::verify(delivery, secret, now),
        Provider::Twilio => twilio::verify(delivery, secret),
    }
}

/// Why a delivery's body could not be read as an event.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{reason}")]
pub struct PayloadError {
    pub reason: String,
}

impl PayloadError {
    fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }

    /// A required field is absent: "`message.call.id` is missing".
    fn missing(path: &str) -> Self {
        Self::new(format!("`{path}` is missing"))
    }
}

/// Reads a (verified) delivery body from `provider` into a [`ProviderEvent`].
pub fn parse(provider: Provider, body: &[u8]) -> Result<ProviderEvent, PayloadError> {
    match provider {
        Provider::Vapi => vapi::parse(body),
        Provider::ElevenLabs => elevenlabs::parse(body),
        Provider::Retell => retell::parse(body),
        Provider::Twilio => twilio::parse(body),
    }
}

/// Who placed the call, from our side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The customer called us (also browser/web calls).
    Inbound,
    /// We called the customer.
    Outbound,
}

/// The call an event is about, as the provider identifies it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderCall {
    /// The provider's call id (Vapi `call.id`, ElevenLabs `conversation_id`,
    /// Retell `call_id`, Twilio `CallSid`).
    pub id: String,
    pub direction: Direction,
    /// The other party's number, as sent (not normalized).
    pub customer_number: Option<String>,
    /// Our number.
    pub agent_number: Option<String>,
    /// The provider's agent (Vapi `assistantId`, ElevenLabs and Retell
    /// `agent_id`).
    pub provider_agent_id: Option<String>,
    /// Switchboard's id of the call, when the dialer placed it and the
    /// provider echoes what it was sent (Vapi and Retell `metadata`,
    /// ElevenLabs' dynamic variables): names the call before its provider
    /// id is stored.
    pub switchboard_call_id: Option<uuid::Uuid>,
}

/// Reads Switchboard's call id where the dialer put it.
pub(crate) fn switchboard_id(value: Option<String>) -> Option<uuid::Uuid> {
    value.and_then(|v| uuid::Uuid::parse_str(v.trim()).ok())
}

/// One turn of a transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// [`Segment::AGENT`] or [`Segment::CUSTOMER`].
    pub speaker: String,
    pub text: String,
    /// Seconds from the start of the call.
    pub start: Option<f64>,
    /// Seconds from the start of the call.
    pub end: Option<f64>,
}

impl Segment {
    /// The speaker of the AI agent's turns.
    pub const AGENT: &'static str = "agent";
    /// The speaker of the other party's turns.
    pub const CUSTOMER: &'static str = "customer";
}

/// A call's full transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// The whole transcript as text, one turn a line.
    pub content: String,
    /// The turns, in order, when the provider sends them separately.
    pub segments: Vec<Segment>,
    pub language: Option<String>,
}

impl Transcript {
    /// A transcript from the provider's text and turns; when the provider
    /// sends no text, the turns are written out as `Agent: …` /
    /// `Customer: …` lines. `None` when there is neither.
    fn from_parts(
        content: Option<&str>,
        segments: Vec<Segment>,
        language: Option<String>,
    ) -> Option<Self> {
        let content = match content.map(str::trim).filter(|c| !c.is_empty()) {
            Some(content) => content.to_owned(),
            None if segments.is_empty() => return None,
            None => segments
                .iter()
                .map(|s| {
                    let label = if s.speaker == Segment::AGENT {
                        "Agent"
                    } else {
                        "Customer"
                    };
                    format!("{label}: {}", s.text)
                })
                .collect::<Vec<_>>()
                .join("\n"),
        };
        Some(Self {
            content,
            segments,
            language,
        })
    }
}

/// The provider's post-call analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub summary: Option<String>,
    /// Whether the provider judged the call successful.
    pub successful: Option<bool>,
    pub sentiment: Option<Sentiment>,
    /// The provider's structured data / evaluation (an object; `{}` when
    /// none).
    pub data: serde_json::Value,
}

impl Analysis {
    /// `Some` unless the provider sent nothing at all.
    fn non_empty(self) -> Option<Self> {
        let empty = self.summary.is_none()
            && self.successful.is_none()
            && self.sentiment.is_none()
            && self.data.as_object().is_none_or(|o| o.is_empty());
        (!empty).then_some(self)
    }
}

/// One provider webhook, normalized.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderEvent {
    pub provider: Provider,
    /// The idempotency key: lower-case hex SHA-256 of the raw body, so
    /// identical redeliveries collide.
    pub event_id: String,
    /// The provider's own event name (`status-update`, `end-of-call-report`,
    /// `post_call_transcription`, `call_ended`, …; Twilio:
    /// `status-callback`).
    pub kind: String,
    pub call: ProviderCall,
    /// The mapped status; `None` when the event carries none.
    pub status: Option<CallStatus>,
    /// The outcome the ended reason tells, when it tells one (busy, no
    /// answer, voicemail, transfer, failure).
    pub outcome: Option<CallOutcome>,
    /// The provider's raw ended / disconnection / termination reason.
    pub ended_reason: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_seconds: Option<i32>,
    pub cost_cents: Option<i64>,
    pub recording_url: Option<String>,
    /// Only a final, full transcript (never a partial fragment).
    pub transcript: Option<Transcript>,
    pub analysis: Option<Analysis>,
    /// The provider's event timestamp, when it sends one.
    pub occurred_at: Option<DateTime<Utc>>,
    /// The raw payload as JSON (Twilio: its form fields as an object of
    /// strings).
    pub payload: serde_json::Value,
}

impl ProviderEvent {
    /// An event with only its identity filled in.
    fn new(
        provider: Provider,
        body: &[u8],
        kind: String,
        call: ProviderCall,
        payload: serde_json::Value,
    ) -> Self {
        Self {
            provider,
            event_id: event_id(body),
            kind,
            call,
            status: None,
            outcome: None,
            ended_reason: None,
            started_at: None,
            ended_at: None,
            duration_seconds: None,
            cost_cents: None,
            recording_url: None,
            transcript: None,
            analysis: None,
            occurred_at: None,
            payload,
        }
    }

    /// Sets the status and outcome together.
    fn set_status(&mut self, (status, outcome): (CallStatus, Option<CallOutcome>)) {
        self.status = Some(status);
        self.outcome = outcome;
    }
}

/// The idempotency key of a body: its lower-case hex SHA-256.
fn event_id(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_names_round_trip() {
        for provider in Provider::ALL {
            assert_eq!(Provider::parse(provider.as_str()), Some(provider));
            assert_eq!(provider.to_string(), provider.as_str());
        }
        let names: Vec<_> = Provider::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(names, ["vapi", "elevenlabs", "retell", "twilio"]);
        assert_eq!(Provider::parse("Vapi"), None);
        assert_eq!(Provider::parse("bland"), None);
    }

    #[test]
    fn the_event_id_is_the_sha256_of_the_body() {
        assert_eq!(
            event_id(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(event_id(b"{\"a\":1}"), event_id(b"{\"a\":1}"));
        assert_ne!(event_id(b"{\"a\":1}"), event_id(b"{\"a\": 1}"));
    }

    #[test]
    fn identical_deliveries_share_an_event_id_and_different_ones_do_not() {
        let body = br#"{"event":"call_started","call":{"call_id":"c1"}}"#;
        let other = br#"{"event":"call_ended","call":{"call_id":"c1"}}"#;
        let first = parse(Provider::Retell, body).unwrap();
        let again = parse(Provider::Retell, body).unwrap();
        let ended = parse(Provider::Retell, other).unwrap();
        assert_eq!(first.event_id, again.event_id);
        assert_ne!(first.event_id, ended.event_id);
        assert_eq!(first.event_id.len(), 64);
        assert!(
            first
                .event_id
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_a_payload_error_for_json_providers() {
        for provider in [Provider::Vapi, Provider::ElevenLabs, Provider::Retell] {
            let error = parse(provider, b"{not json").unwrap_err();
            assert!(
                error.reason.starts_with("body is not JSON: "),
                "{provider}: {error}"
            );
            let error = parse(provider, b"[1, 2]").unwrap_err();
            assert_eq!(error.reason, "body is not a JSON object", "{provider}");
        }
    }

    #[test]
    fn an_empty_secret_matches_nothing() {
        let now = DateTime::from_timestamp(1_714_564_800, 0).unwrap();
        let body = b"{}";
        let headers = vec![
            ("x-vapi-secret".to_owned(), String::new()),
            ("x-vapi-signature".to_owned(), sign_vapi("", body)),
        ];
        let delivery = Delivery {
            headers: &headers,
            body,
            url: "https://example.com/webhooks/vapi",
        };
        assert_eq!(
            verify(Provider::Vapi, &delivery, "", now),
            Err(SignatureError::Mismatch)
        );
        let headers = vec![(
            "elevenlabs-signature".to_owned(),
            sign_elevenlabs("", body, 1_714_564_800),
        )];
        let delivery = Delivery {
            headers: &headers,
            ..delivery
        };
        assert_eq!(
            verify(Provider::ElevenLabs, &delivery, "", now),
            Err(SignatureError::Mismatch)
        );
        let headers = vec![(
            "x-retell-signature".to_owned(),
            sign_retell("", body, 1_714_564_800_000),
        )];
        let delivery = Delivery {
            headers: &headers,
            ..delivery
        };
        assert_eq!(
            verify(Provider::Retell, &delivery, "", now),
            Err(SignatureError::Mismatch)
        );
        let headers = vec![(
            "x-twilio-signature".to_owned(),
            twilio_signature("", "https://example.com/webhooks/vapi", &[]),
        )];
        let delivery = Delivery {
            headers: &headers,
            body: b"",
            ..delivery
        };
        assert_eq!(
            verify(Provider::Twilio, &delivery, "", now),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn transcripts_without_text_are_written_out_from_their_turns() {
        let segments = vec![
            Segment {
                speaker: Segment::AGENT.into(),
                text: "Hi!".into(),
                start: None,
                end: None,
            },
            Segment {
                speaker: Segment::CUSTOMER.into(),
                text: "Hello.".into(),
                start: None,
                end: None,
            },
        ];
        let transcript = Transcript::from_parts(Some("  "), segments.clone(), None).unwrap();
        assert_eq!(transcript.content, "Agent: Hi!\nCustomer: Hello.");
        assert_eq!(Transcript::from_parts(None, Vec::new(), None), None);
        let transcript = Transcript::from_parts(Some("AI: Hi!"), segments, None).unwrap();
        assert_eq!(transcript.content, "AI: Hi!");
    }

    #[test]
    fn payload_errors_display_their_reason() {
        assert_eq!(
            PayloadError::missing("call.call_id").to_string(),
            "`call.call_id` is missing"
        );
    }
}
