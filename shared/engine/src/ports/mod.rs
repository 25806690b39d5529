//! Ports: the engine's only view of the world. Each has an AWS adapter, a
//! local adapter, and (for the store) one contract test suite both must pass.

pub mod clock;
pub mod conferencing;
pub mod ids;
pub mod queue;
pub mod senders;
pub mod store;
pub mod timers;

pub use clock::{Clock, ManualClock, SystemClock};
pub use conferencing::{
    Attendee, Conference, ConferenceKind, Conferencing, ConferencingError, NoConferencing,
    Registrant,
};
pub use ids::{IdGenerator, UuidV7Ids};
pub use queue::{Notice, WorkMessage, WorkQueue};
pub use senders::{EmailSender, OutgoingEmail, OutgoingSms, SendError, Sent, SmsSender};
pub use store::{Condition, Item, Key, Page, QueryOptions, StoreError, TableStore, WriteOp};
pub use timers::{TimerSpec, Timers};

/// A failure of infrastructure behind a port (timers, queue): retryable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{port} unavailable: {message}")]
pub struct PortError {
    pub port: &'static str,
    pub message: String,
}

impl PortError {
    pub fn new(port: &'static str, message: impl Into<String>) -> Self {
        PortError {
            port,
            message: message.into(),
        }
    }
}
