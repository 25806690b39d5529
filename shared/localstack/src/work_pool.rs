//! The driver's workers: received messages run concurrently, one task per
//! ordering key (a contact), so one contact's messages stay in order (its
//! daily cap and claims see each other) while different contacts' writes
//! share commits. New messages are received while earlier ones still run:
//! no batch waits for its slowest contact before the next is fetched.

use jiff::Timestamp;
use myx_engine::send::{self, Outcome};
use myx_engine::Engine;
use myx_local::{Delivery, LocalError, LocalQueue, MessageId};
use std::collections::{HashMap, VecDeque};
use tokio::task::{Id, JoinSet};

/// Messages received and not yet finished, at most: enough to keep both
/// cores and the writer busy, few enough that a crash redelivers little.
pub(crate) const IN_FLIGHT: usize = 400;
/// The queue is asked for more once fewer than this are in flight.
pub(crate) const REFILL_BELOW: usize = IN_FLIGHT / 2;
/// Handled messages are acked in writes of this many (and at the end).
const ACK_BATCH: usize = 200;

/// Runs one message through the send pipeline. Failures are settled on the
/// queue at once; a handled message's id is returned, to be acked with
/// others in one write (if the process dies first, the message comes back
/// and its claim makes the repeat a no-op).
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

/// A running task's key and how many messages it took.
struct Running {
    key: String,
    taken: usize,
}

pub(crate) struct WorkPool {
    engine: Engine,
    queue: LocalQueue,
    max_attempts: u32,
    /// Each task answers the ids it handled.
    tasks: JoinSet<Result<Vec<MessageId>, LocalError>>,
    running: HashMap<Id, Running>,
    /// Keys with a running task, and what waits behind it.
    waiting: HashMap<String, VecDeque<Delivery>>,
    in_flight: usize,
    handled: Vec<MessageId>,
    failed: Option<LocalError>,
}

impl WorkPool {
    pub(crate) fn new(engine: Engine, queue: LocalQueue) -> Self {
        let max_attempts = queue.retry_policy().max_attempts();
        WorkPool {
            engine,
            queue,
            max_attempts,
            tasks: JoinSet::new(),
            running: HashMap::new(),
            waiting: HashMap::new(),
            in_flight: 0,
            handled: Vec::new(),
            failed: None,
        }
    }

    /// Messages received and not finished.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// A failure stops new work: what runs finishes, nothing more starts.
    pub(crate) fn stopped(&self) -> bool {
        self.failed.is_some()
    }

    pub(crate) fn is_idle(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Starts received messages: behind their key's running task if it has
    /// one, else in a new task.
    pub(crate) fn start(&mut self, batch: Vec<Delivery>, now: Timestamp) {
        self.in_flight += batch.len();
        let mut fresh: HashMap<String, Vec<Delivery>> = HashMap::new();
        for d in batch {
            let key = d.message.ordering_key();
            match self.waiting.get_mut(&key) {
                Some(queued) => queued.push_back(d),
                None => fresh.entry(key).or_default().push(d),
            }
        }
        for (key, group) in fresh {
            self.waiting.insert(key.clone(), VecDeque::new());
            self.spawn(key, group, now);
        }
    }

    fn spawn(&mut self, key: String, group: Vec<Delivery>, now: Timestamp) {
        let engine = self.engine.clone();
        let queue = self.queue.clone();
        let max_attempts = self.max_attempts;
        let taken = group.len();
        let task = self.tasks.spawn(async move {
            let mut done = Vec::new();
            for delivery in group {
                done.extend(handle(&engine, &queue, delivery, now, max_attempts).await?);
            }
            Ok(done)
        });
        self.running.insert(task.id(), Running { key, taken });
    }

    /// Waits for one task to finish, starts what waited behind it, and acks
    /// a full batch of handled messages.
    pub(crate) async fn finish_one(&mut self, now: Timestamp) -> Result<(), LocalError> {
        let Some(joined) = self.tasks.join_next_with_id().await else {
            return Ok(());
        };
        let id = match &joined {
            Ok((id, _)) => *id,
            Err(e) => e.id(),
        };
        let Some(Running { key, taken }) = self.running.remove(&id) else {
            return Ok(());
        };
        self.in_flight -= taken;
        match joined {
            Ok((_, Ok(ids))) => self.handled.extend(ids),
            // The failed task's later messages are left unacked: they
            // become visible again after their timeout.
            Ok((_, Err(e))) => self.failed = Some(e),
            Err(e) => {
                tracing::error!(error = %e, "a worker task failed; its messages become visible again")
            }
        }
        match self.waiting.remove(&key) {
            Some(next) if !next.is_empty() && self.failed.is_none() => {
                self.waiting.insert(key.clone(), VecDeque::new());
                self.spawn(key, next.into(), now);
            }
            Some(next) => self.in_flight -= next.len(),
            None => {}
        }
        if self.handled.len() >= ACK_BATCH {
            self.queue
                .ack_many(std::mem::take(&mut self.handled))
                .await?;
        }
        Ok(())
    }

    /// Acks what is left; answers the first failure, if any.
    pub(crate) async fn close(mut self) -> Result<(), LocalError> {
        self.queue
            .ack_many(std::mem::take(&mut self.handled))
            .await?;
        match self.failed.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
