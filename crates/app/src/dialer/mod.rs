//! The dialer: placing scheduled calls through the voice-AI providers
//! (seed 003's outbound workflow: create the call at the provider, store
//! its id, let the webhooks finish the story).
//!
//! [`VoiceProvider`] is how a call leaves; the server's HTTP client (Vapi,
//! Retell, ElevenLabs over Twilio, Twilio) implements it, kept out of the
//! application layer like the SMS client. The organization's API keys are
//! [`credentials`], sealed like the webhook secrets. [`dial`] places one
//! scheduled call, re-running the dial gate at the moment of dialing and
//! writing the attempt before the request, so a call is never placed twice.

pub mod credentials;
pub mod dial;
pub mod dispatch;

use std::future::Future;
use std::pin::Pin;

use secrecy::SecretString;
use switchboard_entity::enums::TelephonyProvider;
use uuid::Uuid;

/// An organization's account at one provider, opened.
#[derive(Debug, Clone)]
pub struct ProviderAccount {
    pub provider: TelephonyProvider,
    /// The API's address: the provider's public one unless set.
    pub base_url: String,
    /// Vapi, Retell and ElevenLabs: the API key.
    pub api_key: Option<SecretString>,
    /// Twilio: the account SID and auth token.
    pub account_sid: Option<String>,
    pub auth_token: Option<SecretString>,
    /// The provider's id of the number calls leave from, when a number has
    /// none of its own (Vapi's phone number id, ElevenLabs' agent phone
    /// number id).
    pub phone_number_id: Option<String>,
}

/// One call to place.
#[derive(Debug, Clone)]
pub struct Dial {
    pub account: ProviderAccount,
    /// Switchboard's id of the call (sent as metadata, so the provider's
    /// webhooks name it).
    pub call_id: Uuid,
    pub organization_slug: String,
    /// The lead's number, E.164.
    pub to: String,
    /// The number the call leaves from, E.164.
    pub from: String,
    /// The provider's id of that number, if it has one.
    pub from_provider_id: Option<String>,
    /// The provider's id of the AI agent (for Twilio, the URL that answers
    /// the call with its instructions).
    pub agent: String,
}

/// A call a provider took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// The provider's id for the call (`calls.provider_call_id`).
    pub provider_call_id: String,
}

/// Why a call was not placed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialError {
    /// The provider refused this call (a 4xx); asking again would not help.
    #[error("the provider refused the call: {reason}")]
    Refused { status: Option<u16>, reason: String },
    /// The provider could not be reached or asked to be tried later (a
    /// timeout, a 5xx, a 408 or 429): the call may be tried again.
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
}

/// What [`VoiceProvider::dial`] returns.
pub type Dialing<'a> = Pin<Box<dyn Future<Output = Result<Placed, DialError>> + Send + 'a>>;

/// Places calls at the providers.
pub trait VoiceProvider: Send + Sync + std::fmt::Debug {
    fn dial(&self, dial: Dial) -> Dialing<'_>;
}

/// A voice provider that places nothing: the application's default until
/// the server sets its HTTP client.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoVoice;

impl VoiceProvider for NoVoice {
    fn dial(&self, _dial: Dial) -> Dialing<'_> {
        Box::pin(async {
            Err(DialError::Unavailable(
                "this server has no voice provider client".into(),
            ))
        })
    }
}

/// The provider's public API, the default base URL.
pub fn public_base_url(provider: TelephonyProvider) -> Option<&'static str> {
    match provider {
        TelephonyProvider::Vapi => Some("https://api.vapi.ai"),
        TelephonyProvider::Retell => Some("https://api.retellai.com"),
        TelephonyProvider::Elevenlabs => Some("https://api.elevenlabs.io"),
        TelephonyProvider::Twilio => Some("https://api.twilio.com"),
        TelephonyProvider::Other => None,
    }
}
