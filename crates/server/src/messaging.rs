//! SMS through Twilio's Messages API: the provider behind the application's
//! [`Messaging`] port for texts (`SWITCHBOARD_TWILIO_*`). An outbound HTTP
//! client, so it lives here with the server's other adapters rather than in
//! the application layer.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use switchboard_app::messaging::{Messaging, OutboundMessage, SendError, Sending, Sent};
use switchboard_entity::enums::MessageStatus;

/// Twilio's "attempt to send to unsubscribed recipient".
const TWILIO_UNSUBSCRIBED: i64 = 21_610;

/// SMS through Twilio's Messages API
/// (`POST /2010-04-01/Accounts/{sid}/Messages.json`, HTTP basic auth).
#[derive(Clone)]
pub struct TwilioSms {
    http: reqwest::Client,
    /// `https://api.twilio.com`, or a fake's address in tests.
    api: String,
    account_sid: String,
    auth_token: SecretString,
    /// An E.164 number of the account, or a Messaging Service SID (`MG…`).
    from: String,
}

impl std::fmt::Debug for TwilioSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is never printed.
        f.debug_struct("TwilioSms")
            .field("api", &self.api)
            .field("account_sid", &self.account_sid)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl TwilioSms {
    /// An SMS sender for account `account_sid` (`AC…`) at `api`, sending
    /// from `from` (an E.164 number or a Messaging Service SID `MG…`).
    pub fn new(
        api: &str,
        account_sid: &str,
        auth_token: SecretString,
        from: &str,
    ) -> Result<Self, String> {
        let account_sid = account_sid.trim();
        if !(account_sid.starts_with("AC")
            && account_sid.len() == 34
            && account_sid.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return Err("a Twilio account SID is `AC` and 32 hexadecimal digits".into());
        }
        if auth_token.expose_secret().trim().is_empty() {
            return Err("the Twilio auth token is empty".into());
        }
        let from = from.trim();
        if !(from.starts_with("MG")
            || (from.starts_with('+')
                && switchboard_domain::phone::E164::parse_in_region(from, "US").is_ok()))
        {
            return Err(format!(
                "`{from}` is neither an E.164 number nor a Messaging Service SID (MG…)"
            ));
        }
        let api = api.trim().trim_end_matches('/');
        if !(api.starts_with("https://") || api.starts_with("http://")) {
            return Err(format!("`{api}` is not an http(s) URL"));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("the HTTP client could not be built: {e}"))?;
        Ok(Self {
            http,
            api: api.to_owned(),
            account_sid: account_sid.to_owned(),
            auth_token,
            from: from.to_owned(),
        })
    }

    async fn send_sms(&self, message: &OutboundMessage) -> Result<Sent, SendError> {
        let template = message
            .template_id
            .as_deref()
            .filter(|t| t.starts_with("HX"));
        if message.body.is_none() && template.is_none() {
            return Err(SendError::Refused {
                code: None,
                reason:
                    "the step has no message, and its template is not a Twilio Content SID (HX…)"
                        .into(),
                opted_out: false,
            });
        }
        let mut form: Vec<(&str, &str)> = vec![("To", &message.to)];
        form.push(if self.from.starts_with("MG") {
            ("MessagingServiceSid", &self.from)
        } else {
            ("From", &self.from)
        });
        match template {
            Some(sid) => form.push(("ContentSid", sid)),
            None => form.push(("Body", message.body.as_deref().unwrap_or_default())),
        }
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.api, self.account_sid
        );
        let response = self
            .http
            .post(&url)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose_secret()))
            .form(&form)
            .send()
            .await
            .map_err(|e| SendError::Unavailable(format!("Twilio could not be reached: {e}")))?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        if status.is_success() {
            let sid = body.get("sid").and_then(|s| s.as_str()).map(str::to_owned);
            let state = body
                .get("status")
                .and_then(|s| s.as_str())
                .unwrap_or("queued");
            return Ok(Sent {
                provider: "twilio",
                provider_message_id: sid,
                status: twilio_status(state),
            });
        }
        let code = body.get("code").and_then(serde_json::Value::as_i64);
        let reason = body
            .get("message")
            .and_then(|m| m.as_str())
            .unwrap_or("no reason given")
            .chars()
            .take(300)
            .collect::<String>();
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(SendError::Unavailable(format!(
                "Twilio answered {status}: {reason}"
            )));
        }
        if status.as_u16() == 401 || status.as_u16() == 403 {
            // Our credentials, not this message: every message would fail
            // the same way, so none is given up on.
            tracing::error!(%status, "Twilio refused the account's credentials");
            return Err(SendError::Unavailable(format!(
                "Twilio refused the credentials ({status})"
            )));
        }
        Err(SendError::Refused {
            code,
            opted_out: code == Some(TWILIO_UNSUBSCRIBED),
            reason: match code {
                Some(code) => format!("Twilio error {code}: {reason}"),
                None => format!("Twilio answered {status}: {reason}"),
            },
        })
    }
}

/// A Twilio message status as ours.
fn twilio_status(status: &str) -> MessageStatus {
    match status {
        "sent" => MessageStatus::Sent,
        "delivered" => MessageStatus::Delivered,
        "read" => MessageStatus::Read,
        "failed" | "undelivered" => MessageStatus::Failed,
        _ => MessageStatus::Queued,
    }
}

impl Messaging for TwilioSms {
    fn send(&self, message: OutboundMessage) -> Sending<'_> {
        Box::pin(async move { self.send_sms(&message).await })
    }
}
