//! An [`OutgoingEmail`] as a complete RFC 5322 MIME message, built with
//! lettre's message builder: multipart/alternative (text, html), inside
//! multipart/mixed with the attachments when there are any.

use jiff::Timestamp;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::Message;
use myx_core::message::OutgoingEmail;
use std::time::SystemTime;

/// Headers the builder writes itself; `OutgoingEmail::headers` may not
/// set them.
const RESERVED_HEADERS: &[&str] = &[
    "from",
    "to",
    "cc",
    "bcc",
    "sender",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmlError {
    /// The address itself is left out: errors end up in logs.
    #[error("the {field} address is invalid: {reason}")]
    InvalidAddress { field: &'static str, reason: String },
    #[error("header {name:?} cannot be added: {reason}")]
    InvalidHeader { name: String, reason: String },
    #[error("attachment {filename:?} has an invalid content type {content_type:?}")]
    InvalidContentType {
        filename: String,
        content_type: String,
    },
    #[error("cannot build the message: {0}")]
    Build(String),
}

/// The message dated now.
pub fn to_eml(email: &OutgoingEmail) -> Result<Vec<u8>, EmlError> {
    to_eml_at(email, Timestamp::now())
}

/// The message with `date` as its `Date`.
pub fn to_eml_at(email: &OutgoingEmail, date: Timestamp) -> Result<Vec<u8>, EmlError> {
    let from = mailbox("from", &email.from)?;
    let to = mailbox("to", &email.to)?;
    let message_id = message_id(&email.message_id, &from);
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(email.subject.as_str())
        .date(SystemTime::from(date))
        .message_id(Some(message_id));
    for (name, value) in &email.headers {
        builder = builder.raw_header(header(name, value)?);
    }
    let alternative = MultiPart::alternative_plain_html(email.text.clone(), email.html.clone());
    let body = if email.attachments.is_empty() {
        alternative
    } else {
        let mut mixed = MultiPart::mixed().multipart(alternative);
        for attachment in &email.attachments {
            let content_type = ContentType::parse(&attachment.content_type).map_err(|_| {
                EmlError::InvalidContentType {
                    filename: attachment.filename.clone(),
                    content_type: attachment.content_type.clone(),
                }
            })?;
            mixed = mixed.singlepart(
                Attachment::new(attachment.filename.clone())
                    .body(attachment.content.clone(), content_type),
            );
        }
        mixed
    };
    let message = builder
        .multipart(body)
        .map_err(|e| EmlError::Build(e.to_string()))?;
    Ok(message.formatted())
}

fn mailbox(field: &'static str, value: &str) -> Result<Mailbox, EmlError> {
    value
        .trim()
        .parse::<Mailbox>()
        .map_err(|e| EmlError::InvalidAddress {
            field,
            reason: e.to_string(),
        })
}

/// `<id@domain>`: our id with the sender's domain unless it has one.
fn message_id(id: &str, from: &Mailbox) -> String {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    if id.contains('@') {
        format!("<{id}>")
    } else {
        format!("<{id}@{}>", from.email.domain())
    }
}

fn header(name: &str, value: &str) -> Result<HeaderValue, EmlError> {
    let invalid = |reason: &str| EmlError::InvalidHeader {
        name: name.to_string(),
        reason: reason.to_string(),
    };
    if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(invalid("it is set from the email's own fields"));
    }
    if value.contains(['\r', '\n']) {
        return Err(invalid("its value holds a line break"));
    }
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
        return Err(invalid("not a valid header name"));
    }
    let header_name = HeaderName::new_from_ascii(name.to_string())
        .map_err(|_| invalid("not a valid header name"))?;
    Ok(HeaderValue::new(header_name, value.to_string()))
}
