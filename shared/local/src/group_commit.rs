//! Group commit: concurrent writes share one SQLite transaction, each in
//! its own savepoint, so that a burst of small writes pays for one commit.
//!
//! A write's closure runs inside `SAVEPOINT`; if it returns `Err`, its
//! savepoint is rolled back and the others in the batch are unaffected.
//! Results are handed back only after the batch's `COMMIT`; if the commit
//! fails, every write of the batch fails with it.

use crate::LocalError;
use rusqlite::Connection;
use std::panic::{catch_unwind, AssertUnwindSafe};
use tokio::sync::oneshot;

/// Most writes one commit carries, to bound a batch's latency.
pub(crate) const MAX_BATCH: usize = 256;

/// One queued write, type-erased so a batch can hold writes of any result
/// type.
pub(crate) trait Job: Send {
    /// Runs the write (inside its savepoint); `true` keeps its changes.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Hands the result back once the batch committed (or failed to).
    fn finish(self: Box<Self>, committed: Result<(), &str>);
}

pub(crate) struct TypedJob<T, E, F> {
    work: Option<F>,
    result: Option<Result<T, E>>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<T, E, F> TypedJob<T, E, F> {
    pub(crate) fn new(work: F, reply: oneshot::Sender<Result<T, E>>) -> Self {
        TypedJob {
            work: Some(work),
            result: None,
            reply,
        }
    }
}

impl<T, E, F> Job for TypedJob<T, E, F>
where
    F: FnOnce(&Connection) -> Result<T, E> + Send,
    T: Send,
    E: From<LocalError> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let result = catch_unwind(AssertUnwindSafe(|| work(conn)))
            .unwrap_or_else(|_| Err(E::from(LocalError::Worker("a write panicked".into()))));
        let keep = result.is_ok();
        self.result = Some(result);
        keep
    }

    fn finish(self: Box<Self>, committed: Result<(), &str>) {
        let result = match (committed, self.result) {
            (Ok(()), Some(result)) => result,
            (Err(error), _) => Err(E::from(LocalError::Commit(error.to_string()))),
            (Ok(()), None) => Err(E::from(LocalError::Worker("a write never ran".into()))),
        };
        // The caller may have stopped waiting; its write stands regardless.
        let _ = self.reply.send(result);
    }
}

/// Runs `jobs` in one transaction, each in a savepoint, then commits.
pub(crate) fn run_batch(conn: &Connection, mut jobs: Vec<Box<dyn Job>>) {
    let committed = run_all(conn, &mut jobs).map_err(|error| {
        // Leave no transaction open for the next batch.
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        tracing::error!(%error, writes = jobs.len(), "a batch of writes failed to commit");
        error.to_string()
    });
    for job in jobs {
        job.finish(committed.as_ref().map(|_| ()).map_err(String::as_str));
    }
}

fn run_all(conn: &Connection, jobs: &mut [Box<dyn Job>]) -> Result<(), LocalError> {
    conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
    for job in jobs.iter_mut() {
        conn.prepare_cached("SAVEPOINT write")?.execute([])?;
        if !job.run(conn) {
            conn.prepare_cached("ROLLBACK TO write")?.execute([])?;
        }
        conn.prepare_cached("RELEASE write")?.execute([])?;
    }
    conn.prepare_cached("COMMIT")?.execute([])?;
    Ok(())
}
