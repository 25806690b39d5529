//! Delivery: email and SMS senders (SES, Resend, SMTP, Twilio, the local
//! outbox). Errors say whether a retry can help.

use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// A fully rendered email, ready for any provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    /// Extra headers, e.g. `List-Unsubscribe` and `List-Unsubscribe-Post`.
    pub headers: Vec<(String, String)>,
    pub attachments: Vec<Attachment>,
    /// Our message id, for correlating provider events.
    pub message_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    pub from: String,
    /// E.164.
    pub to: String,
    pub body: String,
    pub message_id: String,
}

/// What the provider said: which provider, and its id for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub provider: String,
    pub provider_id: String,
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
