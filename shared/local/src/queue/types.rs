//! What the queue hands to consumers and operators.

use jiff::Timestamp;
use myx_engine::WorkMessage;
use std::fmt;

/// A message's id: assigned at enqueue, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub i64);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A received message, invisible to other receivers until its visibility
/// timeout passes or it is acked or failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: MessageId,
    pub message: WorkMessage,
    /// 1 on the first delivery: this delivery's attempt number.
    pub receive_count: u32,
}

/// A message given up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub id: MessageId,
    /// `None` when the stored body no longer decodes (see `body`).
    pub message: Option<WorkMessage>,
    /// The message as stored (JSON).
    pub body: String,
    /// Deliveries it had.
    pub attempts: u32,
    pub last_error: Option<String>,
    pub dead_at: Timestamp,
}

/// Which dead letters to put back on the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redrive {
    All,
    Ids(Vec<MessageId>),
}

/// What [`LocalQueue::fail`](super::LocalQueue::fail) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOutcome {
    /// Visible again at this instant.
    RetryAt(Timestamp),
    DeadLettered,
    /// No such message on the queue (acked, dead-lettered or never sent).
    Unknown,
}
