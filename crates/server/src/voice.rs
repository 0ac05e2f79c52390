//! Placing calls at the voice providers over their HTTP APIs: the server's
//! [`VoiceProvider`] (the application layer holds only the trait).
//!
//! - Vapi: `POST /call` (bearer key) with the assistant, the phone number id
//!   and the customer's number.
//! - Retell: `POST /v2/create-phone-call` (bearer key) with from and to
//!   numbers and the agent.
//! - ElevenLabs: `POST /v1/convai/twilio/outbound-call` (`xi-api-key`) with
//!   the agent, its phone number id and the number to call.
//! - Twilio: `POST /2010-04-01/Accounts/{sid}/Calls.json` (basic auth, a
//!   form) with To, From, the agent's URL and the status callback.
//!
//! Each sends Switchboard's call id where the provider keeps metadata. A
//! 2xx with the provider's id is a placed call; 408, 429, 5xx, a timeout or
//! an unreachable API is unavailable (try again later), as are refused
//! credentials (every call would fail alike); any other 4xx refuses this
//! call, with the provider's own message.

use std::time::Duration;

use reqwest::RequestBuilder;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use switchboard_app::dialer::credentials::expose;
use switchboard_app::dialer::{Dial, DialError, Dialing, Placed, VoiceProvider};
use switchboard_entity::enums::TelephonyProvider;

/// The HTTP client of the voice providers.
#[derive(Debug, Clone)]
pub struct HttpVoice {
    http: reqwest::Client,
    /// This server's public address, for Twilio's status callbacks.
    public_url: Option<String>,
}

impl HttpVoice {
    /// A client whose requests give up after `timeout`.
    pub fn new(timeout: Duration, public_url: Option<String>) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .build()
            .map_err(|e| format!("the HTTP client could not be built: {e}"))?;
        Ok(Self {
            http,
            public_url: public_url.map(|u| u.trim_end_matches('/').to_owned()),
        })
    }

    /// The request for `dial`, and the field of the answer holding the
    /// provider's call id.
    fn request(&self, dial: &Dial) -> Result<(RequestBuilder, &'static str), DialError> {
        let account = &dial.account;
        let base = &account.base_url;
        let metadata = json!({ "switchboardCallId": dial.call_id.to_string() });
        let need_id = || {
            dial.from_provider_id
                .clone()
                .ok_or_else(|| DialError::Refused {
                    status: None,
                    reason: "the number calls leave from has no provider phone number id".into(),
                })
        };
        Ok(match account.provider {
            TelephonyProvider::Vapi => (
                self.http
                    .post(format!("{base}/call"))
                    .bearer_auth(expose(&account.api_key))
                    .json(&json!({
                        "assistantId": dial.agent,
                        "phoneNumberId": need_id()?,
                        "customer": { "number": dial.to },
                        "metadata": metadata,
                    })),
                "id",
            ),
            TelephonyProvider::Retell => (
                self.http
                    .post(format!("{base}/v2/create-phone-call"))
                    .bearer_auth(expose(&account.api_key))
                    .json(&json!({
                        "from_number": dial.from,
                        "to_number": dial.to,
                        "override_agent_id": dial.agent,
                        "metadata": metadata,
                    })),
                "call_id",
            ),
            TelephonyProvider::Elevenlabs => (
                self.http
                    .post(format!("{base}/v1/convai/twilio/outbound-call"))
                    .header("xi-api-key", expose(&account.api_key))
                    .json(&json!({
                        "agent_id": dial.agent,
                        "agent_phone_number_id": need_id()?,
                        "to_number": dial.to,
                        "conversation_initiation_client_data": {
                            "dynamic_variables": { "switchboard_call_id": dial.call_id.to_string() }
                        },
                    })),
                "conversation_id",
            ),
            TelephonyProvider::Twilio => {
                let sid = account.account_sid.clone().unwrap_or_default();
                let mut form: Vec<(&str, String)> = vec![
                    ("To", dial.to.clone()),
                    ("From", dial.from.clone()),
                    ("Url", dial.agent.clone()),
                ];
                if let Some(public) = &self.public_url {
                    form.push((
                        "StatusCallback",
                        format!("{public}/webhooks/twilio?org={}", dial.organization_slug),
                    ));
                    for event in ["initiated", "ringing", "answered", "completed"] {
                        form.push(("StatusCallbackEvent", event.to_owned()));
                    }
                }
                (
                    self.http
                        .post(format!("{base}/2010-04-01/Accounts/{sid}/Calls.json"))
                        .basic_auth(
                            &sid,
                            Some(
                                account
                                    .auth_token
                                    .as_ref()
                                    .map_or("", |t| t.expose_secret()),
                            ),
                        )
                        .form(&form),
                    "sid",
                )
            }
            TelephonyProvider::Other => {
                return Err(DialError::Refused {
                    status: None,
                    reason: "calls are placed through Vapi, Retell, ElevenLabs or Twilio".into(),
                });
            }
        })
    }

    async fn place(&self, dial: Dial) -> Result<Placed, DialError> {
        let name = dial.account.provider.as_str();
        let (request, id_field) = self.request(&dial)?;
        let response = request.send().await.map_err(|e| {
            DialError::Unavailable(if e.is_timeout() {
                format!("{name} did not answer in time")
            } else {
                format!("{name} could not be reached: {e}")
            })
        })?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success() {
            return match body.get(id_field).and_then(Value::as_str) {
                Some(id) if !id.is_empty() => Ok(Placed {
                    provider_call_id: id.chars().take(200).collect(),
                }),
                _ => Err(DialError::Unavailable(format!(
                    "{name} answered {status} without `{id_field}`"
                ))),
            };
        }
        let reason = reason(&body, &text);
        let code = status.as_u16();
        if code == 408 || code == 429 || status.is_server_error() {
            return Err(DialError::Unavailable(format!(
                "{name} answered {status}: {reason}"
            )));
        }
        if code == 401 || code == 403 {
            tracing::error!(%status, provider = name, "the provider refused the account's credentials");
            return Err(DialError::Unavailable(format!(
                "{name} refused the credentials ({status}): {reason}"
            )));
        }
        Err(DialError::Refused {
            status: Some(code),
            reason: format!("{name} answered {status}: {reason}"),
        })
    }
}

/// The provider's own words from an error body: `message` (Vapi, Twilio,
/// Retell), `error`, or ElevenLabs' `detail` (a string, or an object or
/// list with a `message`/`msg`), else the start of the body.
fn reason(body: &Value, text: &str) -> String {
    let detail = body.get("detail");
    let found = [
        body.get("message"),
        body.get("error"),
        detail,
        detail.and_then(|d| d.get("message")),
        detail.and_then(|d| d.get(0)).and_then(|d| d.get("msg")),
    ]
    .into_iter()
    .flatten()
    .find_map(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => items.first().and_then(Value::as_str).map(str::to_owned),
        _ => None,
    });
    let reason = found.unwrap_or_else(|| {
        let text = text.trim();
        if text.is_empty() {
            "no reason given".to_owned()
        } else {
            text.to_owned()
        }
    });
    reason.chars().take(300).collect()
}

impl VoiceProvider for HttpVoice {
    fn dial(&self, dial: Dial) -> Dialing<'_> {
        Box::pin(self.place(dial))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_come_from_each_providers_error_shape() {
        let cases = [
            (
                json!({ "message": "Invalid phone number", "error": "Bad Request" }),
                "Invalid phone number",
            ),
            (
                json!({ "message": ["customer.number must be E.164"] }),
                "customer.number must be E.164",
            ),
            (
                json!({ "code": 21211, "message": "Invalid 'To' Phone Number" }),
                "Invalid 'To' Phone Number",
            ),
            (
                json!({ "detail": { "status": "invalid", "message": "Agent not found" } }),
                "Agent not found",
            ),
            (
                json!({ "detail": [{ "loc": ["body"], "msg": "field required" }] }),
                "field required",
            ),
            (json!({ "error_message": "x" }), "{\"error_message\":\"x\"}"),
        ];
        for (body, expected) in cases {
            assert_eq!(reason(&body, &body.to_string()), expected, "{body}");
        }
        assert_eq!(reason(&Value::Null, "  "), "no reason given");
    }
}
