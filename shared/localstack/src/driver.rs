//! The driver: moves due timers into the queue and runs queued work through
//! the engine's send pipeline. On a virtual clock, `advance_to` walks time
//! forward event by event, running everything that falls due on the way, in
//! order, before it returns.

use jiff::{SignedDuration, Timestamp};
use myx_engine::send::{self, Outcome};
use myx_engine::{Engine, ManualClock};
use myx_local::{Delivery, LocalError, LocalQueue, LocalTimers, MessageId};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::Mutex;
use tokio::task::JoinSet;

/// Runs one message through the send pipeline. Failures are settled on the
/// queue at once; a handled message's id is returned, to be acked with the
/// rest of its batch in one write (if the process dies first, the message
/// comes back and its claim makes the repeat a no-op).
async fn handle(
    engine: &Engine,
    queue: &LocalQueue,
    delivery: Delivery,
    now: Timestamp,
    max_attempts: u32,
) -> Result<Option<MessageId>, LocalError> {
    let final_attempt = delivery.receive_count >= max_attempts;
    match send::process(engine, &delivery.message, final_attempt).await {
        Ok(Outcome::Done) => return Ok(Some(delivery.id)),
        Ok(Outcome::Retry(why)) => {
            queue.fail(delivery.id, now, false, &why).await?;
        }
        Err(e) => {
            tracing::warn!(error = %e, message = delivery.id.0, "work failed; will retry");
            queue.fail(delivery.id, now, false, &e.to_string()).await?;
        }
    }
    Ok(None)
}

/// How long a received message stays invisible while it is processed.
const VISIBILITY: SignedDuration = SignedDuration::from_secs(300);

#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error("local queue or timers: {0}")]
    Local(#[from] LocalError),
    #[error("the clock is not virtual: start with --clock virtual")]
    NotVirtual,
}

pub struct Driver {
    engine: Engine,
    queue: LocalQueue,
    timers: LocalTimers,
    virtual_clock: Option<Arc<ManualClock>>,
    /// One runner at a time: the background loop and clock advances never interleave.
    running: Mutex<()>,
}

impl Driver {
    pub fn new(
        engine: Engine,
        queue: LocalQueue,
        timers: LocalTimers,
        virtual_clock: Option<Arc<ManualClock>>,
    ) -> Self {
        Driver {
            engine,
            queue,
            timers,
            virtual_clock,
            running: Mutex::new(()),
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn queue(&self) -> &LocalQueue {
        &self.queue
    }

    pub fn timers(&self) -> &LocalTimers {
        &self.timers
    }

    /// Runs everything due now; returns how many messages were processed.
    pub async fn run_due(&self) -> Result<usize, DriverError> {
        let _guard = self.running.lock().await;
        self.run_due_locked().await
    }

    async fn run_due_locked(&self) -> Result<usize, DriverError> {
        let mut processed = 0;
        loop {
            let now = self.engine.clock.now();
            self.timers.fire_due(now).await?;
            let batch = self.queue.receive(now, 200, VISIBILITY).await?;
            if batch.is_empty() {
                return Ok(processed);
            }
            processed += batch.len();
            // Different contacts run concurrently, so their writes share
            // commits; one contact's messages stay in order, so its daily
            // cap and claims see each other.
            let mut groups: BTreeMap<String, Vec<Delivery>> = BTreeMap::new();
            for d in batch {
                groups.entry(d.message.ordering_key()).or_default().push(d);
            }
            let max_attempts = self.queue.retry_policy().max_attempts();
            let mut tasks = JoinSet::new();
            for (_, group) in groups {
                let engine = self.engine.clone();
                let queue = self.queue.clone();
                tasks.spawn(async move {
                    let mut done = Vec::new();
                    for delivery in group {
                        done.extend(handle(&engine, &queue, delivery, now, max_attempts).await?);
                    }
                    Ok::<_, LocalError>(done)
                });
            }
            let mut done = Vec::new();
            let mut failed = None;
            while let Some(joined) = tasks.join_next().await {
                match joined {
                    Ok(Ok(ids)) => done.extend(ids),
                    Ok(Err(e)) => failed = Some(e),
                    Err(e) => {
                        tracing::error!(error = %e, "a worker task failed; its messages become visible again")
                    }
                }
            }
            // The handled messages are acked even when another group failed.
            self.queue.ack_many(done).await?;
            if let Some(e) = failed {
                return Err(e.into());
            }
        }
    }

    /// The next instant anything falls due (a timer, or a queued message).
    pub async fn next_due(&self) -> Result<Option<Timestamp>, DriverError> {
        let t = self.timers.next_due_at().await?;
        let q = self.queue.next_visible_at().await?;
        Ok(match (t, q) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
    }

    /// Virtual time: moves the clock to `to`, running everything due on the way.
    pub async fn advance_to(&self, to: Timestamp) -> Result<usize, DriverError> {
        let clock = self.virtual_clock.as_ref().ok_or(DriverError::NotVirtual)?;
        let _guard = self.running.lock().await;
        let mut processed = self.run_due_locked().await?;
        while let Some(next) = self.next_due().await? {
            if next > to {
                break;
            }
            clock.advance_to(next);
            processed += self.run_due_locked().await?;
        }
        clock.advance_to(to);
        processed += self.run_due_locked().await?;
        Ok(processed)
    }

    pub fn now(&self) -> Timestamp {
        self.engine.clock.now()
    }

    /// Real time: runs due work until `shutdown` resolves, sleeping until the
    /// next due instant (at most a second, so new work is picked up quickly).
    pub async fn run_until(self: Arc<Self>, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            if let Err(e) = self.run_due().await {
                tracing::error!(error = %e, "driver step failed");
            }
            let wait = match self.next_due().await {
                Ok(Some(next)) => next.duration_since(self.engine.clock.now()),
                _ => SignedDuration::from_secs(1),
            }
            .clamp(
                SignedDuration::from_millis(20),
                SignedDuration::from_secs(1),
            );
            let wait =
                std::time::Duration::try_from(wait).unwrap_or(std::time::Duration::from_secs(1));
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}
