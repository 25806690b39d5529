//! Provider webhooks, once the edge has verified and parsed them: message
//! status (delivered, bounced, ...), engagement (opened, clicked), inbound
//! SMS, Zoom attendance. No HTTP types here: the local server and the `webhooks` Lambda call
//! the same functions.
//!
//! Every event is processed once: its provider id is claimed in the table
//! with an expiry ([`dedup`]), and a second delivery changes nothing.

pub mod dedup;
pub mod email;
mod messages;
pub mod sms;
pub mod zoom;

pub use email::{email_event, resend_event, EmailEvent, EmailEventKind};
pub use sms::{twilio_inbound, twilio_status, InboundOutcome, SmsDeliveryStatus, SmsStatusUpdate};
pub use zoom::{zoom_participant_joined, zoom_session_ended};

/// What a webhook did; the edge answers 2xx for every one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// The message (and its step state) changed.
    Processed,
    /// This event was processed before: nothing changed.
    Duplicate,
    /// No message has this provider id (not ours, or long gone): acknowledged.
    UnknownMessage,
    /// Understood but nothing to do (e.g. an older status arriving late).
    Ignored,
    /// No event uses this Zoom meeting or webinar: acknowledged.
    UnknownMeeting,
    /// A Zoom participant who matches no registration (a guest, the host):
    /// acknowledged.
    UnknownParticipant,
}

impl WebhookOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookOutcome::Processed => "processed",
            WebhookOutcome::Duplicate => "duplicate",
            WebhookOutcome::UnknownMessage => "unknown_message",
            WebhookOutcome::Ignored => "ignored",
            WebhookOutcome::UnknownMeeting => "unknown_meeting",
            WebhookOutcome::UnknownParticipant => "unknown_participant",
        }
    }
}
