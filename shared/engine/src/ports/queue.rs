//! The work queue: at-least-once delivery of small pointer messages (SQS in
//! AWS, an SQLite table locally). Consumers are adapter-specific; handlers
//! must be idempotent.

use super::PortError;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// A pointer to work. Never carries message content or personal data: the
/// worker re-reads current state when it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WorkMessage {
    /// An event-anchored step is due: fan out to every registration of the
    /// event, one page per message (each page queues the next).
    EventStep {
        tenant: String,
        event: String,
        step: String,
        /// The event's schedule version when the timer was set; a stale timer does nothing.
        schedule_version: u64,
        /// Where the previous page of registrations ended (`None`: the first page).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
    },
    /// One contact's step is due on one channel.
    ContactStep {
        tenant: String,
        event: String,
        contact: String,
        step: String,
        channel: myx_core::Channel,
        schedule_version: u64,
    },
    /// A completed event's post-event branches start for every registrant
    /// (fanned out by the worker, so a webhook that completed the event is
    /// answered at once; queued with a delay, it leaves room for late joins).
    PostEventBranches { tenant: String, event: String },
    /// Post-event branches start for one contact.
    PostEvent {
        tenant: String,
        event: String,
        contact: String,
    },
    /// A one-off notice outside the funnel (e.g. the event was cancelled).
    Notice {
        tenant: String,
        event: String,
        contact: String,
        notice: Notice,
    },
}

impl WorkMessage {
    /// Messages with the same key must not run concurrently (one contact's,
    /// so its daily cap and claims see each other; one event's fan-outs);
    /// every consumer (the local driver, the send function) groups by it.
    pub fn ordering_key(&self) -> String {
        match self {
            WorkMessage::ContactStep {
                tenant, contact, ..
            }
            | WorkMessage::PostEvent {
                tenant, contact, ..
            }
            | WorkMessage::Notice {
                tenant, contact, ..
            } => format!("c/{tenant}/{contact}"),
            WorkMessage::EventStep { tenant, event, .. }
            | WorkMessage::PostEventBranches { tenant, event } => format!("e/{tenant}/{event}"),
        }
    }

    /// The message's kind, as serialized (for logs and metrics).
    pub fn kind(&self) -> &'static str {
        match self {
            WorkMessage::EventStep { .. } => "event_step",
            WorkMessage::ContactStep { .. } => "contact_step",
            WorkMessage::PostEventBranches { .. } => "post_event_branches",
            WorkMessage::PostEvent { .. } => "post_event",
            WorkMessage::Notice { .. } => "notice",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    Cancellation,
}

#[async_trait]
pub trait WorkQueue: Send + Sync {
    /// Enqueue messages, visible after `delay_seconds` (at most 900, as SQS).
    async fn enqueue(
        &self,
        messages: Vec<WorkMessage>,
        delay_seconds: u32,
    ) -> Result<(), PortError>;
}
