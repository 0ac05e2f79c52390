//! The texts and emails nurture sequences sent a lead, and the texts it
//! sent back (`Lead.messages`).

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use switchboard_entity::lead_messages;

use crate::shared::error::{ApiError, ApiResult};
use crate::types::{Lead, loaders};

/// How a message travelled.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "switchboard_entity::enums::MessageChannel")]
pub enum MessageChannel {
    /// A text message.
    Sms,
    /// An email.
    Email,
    /// A call (a customer's logged call).
    Call,
    /// A chat message.
    Chat,
    /// A WhatsApp message.
    Whatsapp,
}

/// Which way a message went.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "switchboard_entity::enums::MessageDirection")]
pub enum MessageDirection {
    /// From the lead.
    Inbound,
    /// To the lead.
    Outbound,
}

/// Where a message stands with its provider.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "switchboard_entity::enums::MessageStatus")]
pub enum MessageStatus {
    /// Accepted by the provider, not sent yet.
    Queued,
    /// Sent.
    Sent,
    /// Delivered to the handset or mailbox.
    Delivered,
    /// Read.
    Read,
    /// Not delivered.
    Failed,
    /// Received from the lead.
    Received,
}

/// A text or email to or from a lead.
pub struct LeadMessage(Arc<lead_messages::Model>);

/// A text or email a nurture sequence sent the lead, or a text the lead sent back.
#[Object]
impl LeadMessage {
    /// The message's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// SMS or email (nurture messages are never anything else).
    async fn channel(&self) -> MessageChannel {
        self.0.channel.into()
    }
    /// To the lead or from it.
    async fn direction(&self) -> MessageDirection {
        self.0.direction.into()
    }
    /// The lead's number or address it went to or came from.
    async fn counterpart(&self) -> &str {
        &self.0.counterpart
    }
    /// An email's subject.
    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }
    /// The text, placeholders filled.
    async fn body(&self) -> Option<&str> {
        self.0.body.as_deref()
    }
    /// The provider template sent, if any.
    async fn template_id(&self) -> Option<&str> {
        self.0.template_id.as_deref()
    }
    /// `development` (nothing left the machine), `twilio` or `mailer`.
    async fn provider(&self) -> &str {
        &self.0.provider
    }
    /// The provider's id for it (Twilio's `SM…`).
    async fn provider_message_id(&self) -> Option<&str> {
        self.0.provider_message_id.as_deref()
    }
    /// Where it stands with the provider.
    async fn status(&self) -> MessageStatus {
        self.0.status.into()
    }
    /// The enrolment whose step sent it.
    async fn enrollment_id(&self) -> Option<ID> {
        self.0.enrollment_id.map(|id| ID(id.to_string()))
    }
    /// When it was sent or received.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A lead's messages, oldest first (`Lead.messages`).
pub(crate) async fn of_lead(ctx: &Context<'_>, lead: &Lead) -> ApiResult<Vec<LeadMessage>> {
    Ok(loaders(ctx)?
        .messages_by_lead
        .load_one(lead.0.id)
        .await
        .map_err(ApiError::from)?
        .unwrap_or_default()
        .into_iter()
        .map(LeadMessage)
        .collect())
}
