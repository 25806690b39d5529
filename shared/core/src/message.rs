//! Deliverable messages as plain data: built by the compose crate, handed
//! to sender ports, written to the outbox. No behaviour lives here.

/// A file attached to an email (the welcome's `.ics`, for example).
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

/// A rendered SMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    pub from: String,
    /// E.164.
    pub to: String,
    pub body: String,
    pub message_id: String,
}
