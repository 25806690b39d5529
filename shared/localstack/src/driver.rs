//! The driver: moves due timers into the queue and runs queued work through
//! the engine's send pipeline. On a virtual clock, `advance_to` walks time
//! forward event by event, running everything that falls due on the way, in
//! order, before it returns.

use crate::work_pool::{WorkPool, IN_FLIGHT, REFILL_BELOW};
use jiff::{SignedDuration, Timestamp};
use myx_engine::{Engine, ManualClock};
use myx_local::{LocalError, LocalQueue, LocalTimers};
use std::sync::Arc;
use tokio::sync::Mutex;

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
        let mut pool = WorkPool::new(self.engine.clone(), self.queue.clone());
        let ran = self.run_pool(&mut pool).await;
        // What was handled is acked even when something failed.
        let closed = pool.close().await;
        let processed = ran?;
        closed?;
        Ok(processed)
    }

    /// Receives due messages into the pool while it has room, until the
    /// queue has nothing due and every task has finished.
    async fn run_pool(&self, pool: &mut WorkPool) -> Result<usize, DriverError> {
        let mut processed = 0;
        // After the queue answered nothing, it is asked again only when
        // this many are still in flight (or none), not after every task.
        let mut receive_below = REFILL_BELOW;
        loop {
            let now = self.engine.clock.now();
            if !pool.stopped() && (pool.is_idle() || pool.in_flight() < receive_below) {
                self.timers.fire_due(now).await?;
                let room = IN_FLIGHT - pool.in_flight();
                let batch = self.queue.receive(now, room, VISIBILITY).await?;
                if !batch.is_empty() {
                    processed += batch.len();
                    pool.start(batch, now);
                    receive_below = REFILL_BELOW;
                    continue;
                }
                receive_below = pool.in_flight() / 2;
            }
            if pool.is_idle() {
                return Ok(processed);
            }
            pool.finish_one(now).await?;
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
