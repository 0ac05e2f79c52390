//! Mail: what identity sends (reset and verification links, invitations)
//! and the [`Mailer`] that sends it.
//!
//! [`SmtpMailer`] sends through an SMTP relay configured by URL
//! (`smtps://user:pass@smtp.example.com`, `smtp://localhost:1025`, …, the
//! `lettre` crate); [`OutboxMailer`], the development default, logs each
//! message and keeps it in the `mail_outbox` table, where the demo and the
//! tests read the links. Mail is sent after the write that caused it has
//! committed, so a rolled-back write sends nothing.

use std::future::Future;
use std::pin::Pin;

use chrono::Utc;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, DatabaseConnection};
use switchboard_entity::mail_outbox;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// A plain-text message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// What a [`Mailer::send`] returns.
pub type Sending<'a> = Pin<Box<dyn Future<Output = AppResult<()>> + Send + 'a>>;

/// Sends mail.
pub trait Mailer: Send + Sync + std::fmt::Debug {
    fn send(&self, mail: Mail) -> Sending<'_>;
}

/// Logs each message and keeps it in `mail_outbox`: nothing leaves the
/// machine.
#[derive(Debug, Clone)]
pub struct OutboxMailer {
    db: DatabaseConnection,
}

impl OutboxMailer {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

impl Mailer for OutboxMailer {
    fn send(&self, mail: Mail) -> Sending<'_> {
        Box::pin(async move {
            tracing::info!(to = %mail.to, subject = %mail.subject, "mail kept in the development outbox");
            mail_outbox::ActiveModel {
                id: Set(Uuid::now_v7()),
                recipient: Set(mail.to),
                subject: Set(mail.subject),
                body: Set(mail.body),
                created_at: Set(Utc::now()),
            }
            .insert(&self.db)
            .await?;
            Ok(())
        })
    }
}

/// Sends through an SMTP relay.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never printed.
        f.debug_struct("SmtpMailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for the relay at `url` (`smtp://`, `smtps://`, with
    /// `?tls=required` for STARTTLS), sending as `from`.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
            .map_err(|e| format!("the SMTP URL is not valid: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        let from = from
            .parse()
            .map_err(|e| format!("`{from}` is not a sender address: {e}"))?;
        Ok(Self { transport, from })
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, mail: Mail) -> Sending<'_> {
        use lettre::AsyncTransport;
        Box::pin(async move {
            let to = mail
                .to
                .parse()
                .map_err(|_| AppError::bad_input("email", "not an address mail can go to"))?;
            let message = lettre::Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(mail.subject)
                .body(mail.body)
                .map_err(|e| AppError::internal(format!("the message could not be built: {e}")))?;
            self.transport.send(message).await.map_err(|e| {
                tracing::error!(error = %e, "SMTP delivery failed");
                AppError::internal("the mail could not be sent")
            })?;
            Ok(())
        })
    }
}
