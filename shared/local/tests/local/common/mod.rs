//! Shared test helpers: instants and small messages.
#![allow(dead_code)]

use jiff::{SignedDuration, Timestamp};
use myx_engine::WorkMessage;

/// The tests' origin of time.
pub fn t0() -> Timestamp {
    "2026-06-01T09:00:00Z".parse().expect("a valid instant")
}

pub fn secs(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}

pub fn mins(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

/// A distinct pointer message per `contact`.
pub fn message(contact: &str) -> WorkMessage {
    WorkMessage::PostEvent {
        tenant: "t1".into(),
        event: "e1".into(),
        contact: contact.into(),
    }
}
