//! Delivery: email and SMS senders (SES, Resend, SMTP, Twilio, the local
//! outbox). Errors say whether a retry can help.

use async_trait::async_trait;

pub use myx_core::message::{Attachment, OutgoingEmail, OutgoingSms};

/// What the provider said: which provider, and its id for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub provider: String,
    pub provider_id: String,
    /// The provider's webhooks will carry the message's `send_ref` back,
    /// so its record needs no index entry by `provider_id`.
    pub echoes_send_ref: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Retrying later may succeed (timeouts, 429, 5xx).
    #[error("transient send failure: {0}")]
    Transient(String),
    /// Retrying will not help (invalid number, hard bounce, opted out).
    #[error("permanent send failure: {0}")]
    Permanent(String),
}

#[async_trait]
pub trait EmailSender: Send + Sync {
    async fn send_email(&self, email: &OutgoingEmail) -> Result<Sent, SendError>;
}

#[async_trait]
pub trait SmsSender: Send + Sync {
    async fn send_sms(&self, sms: &OutgoingSms) -> Result<Sent, SendError>;
}
