//! One-shot timers: "at time T, deliver this work message". EventBridge
//! Scheduler in AWS, an SQLite table locally. A timer carries only a pointer;
//! the worker re-reads state and decides again when it fires.

use super::{PortError, WorkMessage};
use async_trait::async_trait;
use jiff::Timestamp;

#[derive(Debug, Clone, PartialEq)]
pub struct TimerSpec {
    /// Deterministic name: scheduling the same name again replaces it, so
    /// re-planning is idempotent; cancelling is deleting by name. At most 64
    /// characters of `[0-9A-Za-z-_.]` (EventBridge Scheduler's limit).
    pub name: String,
    pub due_at: Timestamp,
    pub message: WorkMessage,
}

#[async_trait]
pub trait Timers: Send + Sync {
    async fn schedule(&self, timer: TimerSpec) -> Result<(), PortError>;
    /// Cancelling a timer that does not exist (fired, or never made) is fine.
    async fn cancel(&self, name: &str) -> Result<(), PortError>;

    /// Several timers at once, each as [`Timers::schedule`]; not atomic. An
    /// adapter whose service has no batch call keeps this default
    /// (concurrent single calls); the local one writes them in one go.
    async fn schedule_all(&self, timers: Vec<TimerSpec>) -> Result<(), PortError> {
        futures_util::future::try_join_all(timers.into_iter().map(|t| self.schedule(t))).await?;
        Ok(())
    }

    /// Several cancels at once, each as [`Timers::cancel`]; not atomic.
    async fn cancel_all(&self, names: Vec<String>) -> Result<(), PortError> {
        futures_util::future::try_join_all(names.iter().map(|n| self.cancel(n))).await?;
        Ok(())
    }
}

/// Whether `name` fits EventBridge Scheduler's schedule-name rules.
pub fn is_valid_timer_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}
