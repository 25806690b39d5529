//! Shared test helpers: a settable clock, instants and small messages.
#![allow(dead_code)]

use jiff::{SignedDuration, Timestamp};
use myx_engine::{Clock, WorkMessage};
use std::sync::Mutex;

/// A clock that moves only when told.
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn at(now: Timestamp) -> Self {
        ManualClock(Mutex::new(now))
    }

    pub fn set(&self, now: Timestamp) {
        *self.0.lock().expect("clock lock") = now;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().expect("clock lock")
    }
}

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
