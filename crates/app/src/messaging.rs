//! Messaging: how a nurture step's SMS and email leave (the [`Messaging`]
//! trait), and the providers behind it.
//!
//! [`Channels`] is the implementation `serve` uses: SMS through a provider
//! when one is configured (the server's Twilio client, an adapter of this
//! trait kept out of the application layer), email through the configured
//! [`Mailer`] (SMTP); a channel with no provider is development messaging,
//! which logs the message and sends nothing. Either
//! way the runner records each message in `lead_messages`, in the step's
//! own transaction, so that table is the outbox the demo and tests read.
//!
//! A provider's answer decides what the runner does next: sent (the step is
//! done), refused (this message will never go: the enrolment fails, or is
//! cancelled when the carrier reports the recipient unsubscribed), or
//! unavailable (a timeout, a 5xx, a 429: the step is tried again later).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use switchboard_domain::sequences::Channel;
use switchboard_entity::enums::MessageStatus;

use crate::identity::mail::{Mail, Mailer};

/// One message to one lead, its placeholders already filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundMessage {
    /// SMS or email (never a call).
    pub channel: Channel,
    /// The lead's E.164 number, or email address.
    pub to: String,
    pub subject: Option<String>,
    pub body: Option<String>,
    /// A provider template (for Twilio, a Content SID `HX…`).
    pub template_id: Option<String>,
}

/// A message a provider took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// `development`, `twilio` or `mailer` (`lead_messages.provider`).
    pub provider: &'static str,
    /// The provider's id for it (Twilio's `SM…`), if it gives one.
    pub provider_message_id: Option<String>,
    pub status: MessageStatus,
}

/// Why a message did not go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The provider refused this message; sending it again would not help.
    #[error("the provider refused the message: {reason}")]
    Refused {
        /// The provider's error code (Twilio's, such as 21211).
        code: Option<i64>,
        reason: String,
        /// The recipient has unsubscribed (replied STOP to the sender).
        opted_out: bool,
    },
    /// The provider could not be reached, or asked to be tried later.
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
}

/// What [`Messaging::send`] returns.
pub type Sending<'a> = Pin<Box<dyn Future<Output = Result<Sent, SendError>> + Send + 'a>>;

/// Sends nurture messages.
pub trait Messaging: Send + Sync + std::fmt::Debug {
    fn send(&self, message: OutboundMessage) -> Sending<'_>;
}

/// Each channel through its provider, or development messaging where none
/// is configured.
#[derive(Debug, Clone, Default)]
pub struct Channels {
    sms: Option<Arc<dyn Messaging>>,
    email: Option<Arc<dyn Mailer>>,
}

impl Channels {
    /// Development messaging on both channels: nothing leaves the machine.
    pub fn development() -> Self {
        Self::default()
    }

    /// SMS through `provider` (which is given SMS only).
    #[must_use]
    pub fn with_sms(mut self, provider: Arc<dyn Messaging>) -> Self {
        self.sms = Some(provider);
        self
    }

    /// Email through `mailer`.
    #[must_use]
    pub fn with_email(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.email = Some(mailer);
        self
    }
}

impl Messaging for Channels {
    fn send(&self, message: OutboundMessage) -> Sending<'_> {
        Box::pin(async move {
            match (message.channel, &self.sms, &self.email) {
                (Channel::Sms, Some(provider), _) => provider.send(message).await,
                (Channel::Email, _, Some(mailer)) => send_mail(mailer.as_ref(), message).await,
                (Channel::Call, ..) => Err(SendError::Refused {
                    code: None,
                    reason: "a call is placed by the dialer, not sent".into(),
                    opted_out: false,
                }),
                _ => {
                    tracing::info!(
                        channel = message.channel.as_str(),
                        template = message.template_id.as_deref().unwrap_or(""),
                        "nurture message kept (development messaging: nothing sent)"
                    );
                    Ok(Sent {
                        provider: "development",
                        provider_message_id: None,
                        status: MessageStatus::Sent,
                    })
                }
            }
        })
    }
}

async fn send_mail(mailer: &dyn Mailer, message: OutboundMessage) -> Result<Sent, SendError> {
    let Some(body) = message.body else {
        return Err(SendError::Refused {
            code: None,
            reason: "email templates need an email provider that has them; give the step a message"
                .into(),
            opted_out: false,
        });
    };
    let mail = Mail {
        to: message.to,
        subject: message.subject.unwrap_or_else(|| "Following up".into()),
        body,
    };
    match mailer.send(mail).await {
        Ok(()) => Ok(Sent {
            provider: "mailer",
            provider_message_id: None,
            status: MessageStatus::Sent,
        }),
        Err(crate::error::AppError::BadUserInput(e)) => Err(SendError::Refused {
            code: None,
            reason: e.to_string(),
            opted_out: false,
        }),
        Err(other) => Err(SendError::Unavailable(other.to_string())),
    }
}
