//! [`LocalQueue`]: the durable work queue on the `queue_messages` table.
//!
//! At-least-once, like SQS: a received message stays on the queue,
//! invisible until its visibility timeout passes; `ack` removes it, `fail`
//! schedules a retry by the [`RetryPolicy`] or dead-letters it. Visibility
//! is stored, so messages in flight when the process died come back. Every
//! consumer call takes `now`; only `WorkQueue::enqueue`, whose signature
//! has no instant, reads the clock it was given.

mod ops;
mod retry;
pub(crate) mod rows;
mod types;

pub use retry::RetryPolicy;
pub use types::{DeadLetter, Delivery, FailOutcome, MessageId, Redrive};

use crate::connection::SharedConnection;
use crate::time_codec::{add, to_nanos};
use crate::LocalError;
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use myx_engine::{Clock, PortError, WorkMessage, WorkQueue};
use std::sync::Arc;

/// SQS's longest delivery delay, which `enqueue` enforces too.
pub const MAX_DELAY_SECONDS: u32 = 900;

/// The queue. Cheap to clone: clones share the connection.
#[derive(Clone)]
pub struct LocalQueue {
    conn: Arc<SharedConnection>,
    clock: Arc<dyn Clock>,
    policy: Arc<RetryPolicy>,
}

impl LocalQueue {
    pub(crate) fn new(conn: Arc<SharedConnection>, clock: Arc<dyn Clock>) -> Self {
        LocalQueue {
            conn,
            clock,
            policy: Arc::new(RetryPolicy::default()),
        }
    }

    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = Arc::new(policy);
        self
    }

    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Enqueues `messages`, visible from `visible_at`, in one transaction.
    pub async fn enqueue_at(
        &self,
        messages: Vec<WorkMessage>,
        visible_at: Timestamp,
    ) -> Result<(), LocalError> {
        let visible_at = to_nanos(visible_at)?;
        let bodies = messages
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<_>, _>>()?;
        if bodies.is_empty() {
            return Ok(());
        }
        self.conn
            .write(move |conn| {
                for body in &bodies {
                    rows::insert(conn, body, visible_at)?;
                }
                Ok(())
            })
            .await
    }

    /// Up to `max` messages visible at `now`, oldest visibility first, each
    /// hidden until `now + visibility_timeout` (which must be positive).
    /// A message that was delivered as often as the policy allows and never
    /// acked or failed (its consumer died) is dead-lettered instead.
    pub async fn receive(
        &self,
        now: Timestamp,
        max: usize,
        visibility_timeout: SignedDuration,
    ) -> Result<Vec<Delivery>, LocalError> {
        let visible_until = ops::visibility_end(now, visibility_timeout)?;
        if max == 0 {
            return Ok(Vec::new());
        }
        let policy = Arc::clone(&self.policy);
        self.conn
            .write(move |conn| ops::receive(conn, now, max, visible_until, &policy))
            .await
    }

    /// Removes a handled message; `false` when it was not on the queue.
    pub async fn ack(&self, id: MessageId) -> Result<bool, LocalError> {
        self.conn.write(move |conn| ops::ack(conn, id)).await
    }

    /// Removes several handled messages in one write; returns how many were
    /// still on the queue.
    pub async fn ack_many(&self, ids: Vec<MessageId>) -> Result<usize, LocalError> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.conn
            .write(move |conn| {
                let mut removed = 0;
                for id in &ids {
                    removed += usize::from(ops::ack(conn, *id)?);
                }
                Ok(removed)
            })
            .await
    }

    /// Records a failed attempt: retried after the policy's delay, or
    /// dead-lettered when `permanent` or out of attempts.
    pub async fn fail(
        &self,
        id: MessageId,
        now: Timestamp,
        permanent: bool,
        error: &str,
    ) -> Result<FailOutcome, LocalError> {
        let error = error.to_string();
        let policy = Arc::clone(&self.policy);
        self.conn
            .write(move |conn| ops::fail(conn, id, now, permanent, &error, &policy))
            .await
    }

    /// Every dead letter, oldest first.
    pub async fn dead_letters(&self) -> Result<Vec<DeadLetter>, LocalError> {
        self.conn.read(ops::dead_letters).await
    }

    /// Puts dead letters back on the queue, visible at `now`, with their
    /// attempts reset; returns how many moved (unknown ids are skipped).
    pub async fn redrive(&self, which: Redrive, now: Timestamp) -> Result<usize, LocalError> {
        self.conn
            .write(move |conn| ops::redrive(conn, &which, now))
            .await
    }

    /// The earliest instant a message is (or becomes again) visible; `None`
    /// when the queue holds nothing but dead letters.
    pub async fn next_visible_at(&self) -> Result<Option<Timestamp>, LocalError> {
        self.conn.read(ops::next_visible_at).await
    }
}

#[async_trait]
impl WorkQueue for LocalQueue {
    async fn enqueue(
        &self,
        messages: Vec<WorkMessage>,
        delay_seconds: u32,
    ) -> Result<(), PortError> {
        if delay_seconds > MAX_DELAY_SECONDS {
            return Err(PortError::new(
                "queue",
                format!("delay of {delay_seconds}s exceeds {MAX_DELAY_SECONDS}s"),
            ));
        }
        let visible_at = add(
            self.clock.now(),
            SignedDuration::from_secs(i64::from(delay_seconds)),
        )
        .map_err(|e| e.into_port_error("queue"))?;
        self.enqueue_at(messages, visible_at)
            .await
            .map_err(|e| e.into_port_error("queue"))
    }
}
