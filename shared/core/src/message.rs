//! Deliverable messages as plain data: built by the compose crate, handed
//! to sender ports, written to the outbox. No behaviour lives here.

use std::fmt;

/// A file attached to an email (the welcome's `.ics`, for example).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// A fully rendered email, ready for any provider. `Debug` leaves out the
/// address and body, so a stray `{:?}` cannot leak personal data into logs.
#[derive(Clone, PartialEq, Eq)]
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
    /// The funnel step (or notice) this message is for, as a provider tag.
    pub step: Option<String>,
    /// Names our record of this send, for providers whose webhooks carry
    /// it back (an SES message tag, Twilio's status callback URL): a
    /// webhook then finds the record by its key, and the record needs no
    /// index entry by the provider's id.
    pub send_ref: Option<String>,
}

/// A rendered SMS (`Debug` redacts the number and body).
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    pub from: String,
    /// E.164.
    pub to: String,
    pub body: String,
    pub message_id: String,
    /// The funnel step (or notice) this message is for, as a provider tag.
    pub step: Option<String>,
    /// Names our record of this send, for providers whose webhooks carry
    /// it back (an SES message tag, Twilio's status callback URL): a
    /// webhook then finds the record by its key, and the record needs no
    /// index entry by the provider's id.
    pub send_ref: Option<String>,
}

impl fmt::Debug for OutgoingEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingEmail")
            .field("message_id", &self.message_id)
            .field("to", &"<redacted>")
            .field("subject_len", &self.subject.len())
            .field("attachments", &self.attachments.len())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for OutgoingSms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingSms")
            .field("message_id", &self.message_id)
            .field("to", &"<redacted>")
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_holds_the_address_or_body() {
        let email = OutgoingEmail {
            from: "events@example.com".into(),
            to: "ada@example.com".into(),
            subject: "Hello Ada".into(),
            html: "<p>secret</p>".into(),
            text: "secret".into(),
            headers: vec![],
            attachments: vec![],
            message_id: "msg_1".into(),
            step: None,
            send_ref: None,
        };
        let sms = OutgoingSms {
            from: "+15550000000".into(),
            to: "+14155550123".into(),
            body: "secret".into(),
            message_id: "msg_2".into(),
            step: None,
            send_ref: None,
        };
        let out = format!("{email:?} {sms:?}");
        for leak in ["ada@example.com", "+14155550123", "secret", "Hello Ada"] {
            assert!(!out.contains(leak), "{leak} in {out}");
        }
        assert!(out.contains("msg_1") && out.contains("msg_2"));
    }
}
