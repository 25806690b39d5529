//! Email through SES v2 as a raw MIME message built by myx-compose, so SES
//! sends exactly what the local outbox shows: `List-Unsubscribe` and
//! `List-Unsubscribe-Post` headers, both bodies and the `.ics` attachment.
//!
//! Errors say whether a retry can help. `Permanent`: the message or its
//! sender was refused (MessageRejected, an unverified MAIL FROM domain, a
//! bad request, a message we cannot build). Everything else is
//! `Transient`, account-level problems included (sending paused, a missing
//! configuration set): the queue retries and then dead-letters, so an
//! operator can fix the account and redrive instead of losing the send.

use crate::aws_error::{classify, redact_personal_data};
use aws_config::SdkConfig;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, MessageTag, RawMessage};
use aws_sdk_sesv2::Client;
use myx_engine::send_ref;
use myx_engine::{EmailSender, OutgoingEmail, SendError, Sent};

/// SES error codes that retrying cannot fix.
const PERMANENT_CODES: &[&str] = &[
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "BadRequestException",
];
/// SES's longest tag value.
const MAX_TAG_LEN: usize = 256;

/// [`EmailSender`] on SES v2, sending through one configuration set (which
/// routes delivery, bounce and complaint events to our webhook).
#[derive(Debug, Clone)]
pub struct SesSender {
    client: Client,
    configuration_set: String,
}

impl SesSender {
    pub fn new(config: &SdkConfig, configuration_set: impl Into<String>) -> Self {
        Self::from_client(Client::new(config), configuration_set)
    }

    pub fn from_client(client: Client, configuration_set: impl Into<String>) -> Self {
        SesSender {
            client,
            configuration_set: configuration_set.into(),
        }
    }
}

#[async_trait::async_trait]
impl EmailSender for SesSender {
    async fn send_email(&self, email: &OutgoingEmail) -> Result<Sent, SendError> {
        let mime = myx_compose::to_eml(email)
            .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))?;
        let raw = RawMessage::builder()
            .data(Blob::new(mime))
            .build()
            .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))?;
        let mut request = self
            .client
            .send_email()
            .configuration_set_name(&self.configuration_set)
            // Only the intended recipient, whatever the headers say.
            .destination(Destination::builder().to_addresses(email.to.trim()).build())
            .content(EmailContent::builder().raw(raw).build());
        let tags = tags(email);
        for (name, value) in &tags {
            let tag = MessageTag::builder()
                .name(*name)
                .value(value)
                .build()
                .map_err(|e| SendError::Permanent(format!("cannot build a tag: {e}")))?;
            request = request.email_tags(tag);
        }
        let output = request.send().await.map_err(|e| {
            let failure = classify(&e);
            let permanent = failure.construction
                || failure
                    .code
                    .as_deref()
                    .is_some_and(|c| PERMANENT_CODES.contains(&c));
            tracing::warn!(
                message_id = %email.message_id,
                permanent,
                error = %failure.summary,
                "SES refused an email"
            );
            if permanent {
                SendError::Permanent(failure.summary)
            } else {
                SendError::Transient(failure.summary)
            }
        })?;
        // Without an id SES's answer is unusable, but the message may be on
        // its way: never retry it (at most once), record it as failed.
        let provider_id = output
            .message_id()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                SendError::Permanent("SES accepted the email but returned no MessageId".into())
            })?;
        tracing::debug!(message_id = %email.message_id, provider_id, "email sent through SES");
        Ok(Sent {
            provider: "ses".into(),
            provider_id: provider_id.to_string(),
            echoes_send_ref: tags.iter().any(|(name, _)| *name == send_ref::SES_TAG),
        })
    }
}

/// Tags SES copies into its delivery, bounce and complaint events, so they
/// can be matched to our message and step.
fn tags(email: &OutgoingEmail) -> Vec<(&'static str, String)> {
    let mut tags = vec![("myx_message_id", tag_value(&email.message_id))];
    if let Some(step) = &email.step {
        tags.push(("myx_step", tag_value(step)));
    }
    // base64url within the tag's alphabet and length (`send_ref`): kept
    // only if `tag_value` leaves it unchanged, since a mangled reference
    // would name nothing.
    if let Some(reference) = email.send_ref.as_ref().filter(|r| tag_value(r) == **r) {
        tags.push((send_ref::SES_TAG, reference.clone()));
    }
    tags.retain(|(_, value)| !value.is_empty());
    tags
}

/// SES tag values allow only ASCII letters, digits, `_` and `-`.
fn tag_value(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(MAX_TAG_LEN)
        .collect();
    // A value is never an address, but keep the guarantee explicit.
    redact_personal_data(&cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_values_use_only_allowed_characters() {
        assert_eq!(tag_value("msg_0190-abc"), "msg_0190-abc");
        assert_eq!(tag_value("welcome email.v2"), "welcome_email_v2");
        assert_eq!(tag_value(&"x".repeat(300)).len(), MAX_TAG_LEN);
    }
}
