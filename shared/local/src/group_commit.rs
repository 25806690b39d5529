//! Group commit: concurrent writes share one SQLite transaction, so that a
//! burst of small writes pays for one commit.
//!
//! A batch first runs every write's closure in one plain transaction. If
//! all return `Ok` it commits: the common case, and the cheap one, because
//! a savepoint per write makes SQLite copy every page that write touches
//! into its statement journal first (a few per cent of the whole engine's
//! CPU). If one returns `Err` (a failed condition, a duplicate), the
//! transaction is rolled back and the batch runs again with each write in
//! its own savepoint, so the failed one's partial changes are undone and
//! the others are unaffected; closures are `Fn` for this, and deterministic
//! over the database. Results are handed back only after the batch's
//! `COMMIT`; if the commit fails, every write of the batch fails with it.

use crate::LocalError;
use rusqlite::Connection;
use std::panic::{catch_unwind, AssertUnwindSafe};
use tokio::sync::oneshot;

/// Most writes one commit carries, to bound a batch's latency.
pub(crate) const MAX_BATCH: usize = 256;

/// One queued write, type-erased so a batch can hold writes of any result
/// type.
pub(crate) trait Job: Send {
    /// Runs the write; `true` keeps its changes. A batch that is run again
    /// runs it again, and the last result counts.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Hands the result back once the batch committed (or failed to).
    fn finish(self: Box<Self>, committed: Result<(), &str>);
}

pub(crate) struct TypedJob<T, E, F> {
    work: F,
    result: Option<Result<T, E>>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<T, E, F> TypedJob<T, E, F> {
    pub(crate) fn new(work: F, reply: oneshot::Sender<Result<T, E>>) -> Self {
        TypedJob {
            work,
            result: None,
            reply,
        }
    }
}

impl<T, E, F> Job for TypedJob<T, E, F>
where
    F: Fn(&Connection) -> Result<T, E> + Send,
    T: Send,
    E: From<LocalError> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let result = catch_unwind(AssertUnwindSafe(|| (self.work)(conn)))
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

/// Runs `jobs` in one transaction and commits: all in one go when every
/// one succeeds, else again with each in a savepoint.
pub(crate) fn run_batch(conn: &Connection, mut jobs: Vec<Box<dyn Job>>) {
    let committed = match run_together(conn, &mut jobs) {
        Ok(true) => Ok(()),
        Ok(false) => run_isolated(conn, &mut jobs),
        Err(error) => Err(error),
    }
    .map_err(|error| {
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

/// Every job in one transaction without savepoints. `Ok(false)`: one
/// failed, and the transaction was rolled back (the jobs after it did not
/// run).
fn run_together(conn: &Connection, jobs: &mut [Box<dyn Job>]) -> Result<bool, LocalError> {
    conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
    for job in jobs.iter_mut() {
        if !job.run(conn) {
            conn.prepare_cached("ROLLBACK")?.execute([])?;
            return Ok(false);
        }
    }
    conn.prepare_cached("COMMIT")?.execute([])?;
    Ok(true)
}

/// Every job in its own savepoint: a failed one's changes are undone alone.
fn run_isolated(conn: &Connection, jobs: &mut [Box<dyn Job>]) -> Result<(), LocalError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    type Reply = oneshot::Receiver<Result<usize, LocalError>>;

    fn job<F>(work: F) -> (Box<dyn Job>, Reply)
    where
        F: Fn(&Connection) -> Result<usize, LocalError> + Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        (Box::new(TypedJob::new(work, reply)), result)
    }

    fn insert(conn: &Connection, name: &str) -> Result<usize, LocalError> {
        Ok(conn.execute("INSERT INTO t (name) VALUES (?1)", [name])?)
    }

    fn names(conn: &Connection) -> Vec<String> {
        let mut stmt = conn.prepare("SELECT name FROM t ORDER BY name").unwrap();
        let rows = stmt.query_map([], |row| row.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    }

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (name TEXT NOT NULL)")
            .unwrap();
        conn
    }

    #[test]
    fn a_batch_that_all_succeeds_commits_every_write() {
        let conn = table();
        let (a, ra) = job(|c| insert(c, "a"));
        let (b, rb) = job(|c| insert(c, "b"));
        run_batch(&conn, vec![a, b]);
        assert!(matches!(ra.blocking_recv(), Ok(Ok(1))));
        assert!(matches!(rb.blocking_recv(), Ok(Ok(1))));
        assert_eq!(names(&conn), ["a", "b"]);
        assert!(conn.is_autocommit(), "no transaction left open");
    }

    #[test]
    fn a_write_failing_halfway_is_undone_alone_and_the_others_still_commit() {
        let conn = table();
        let (a, ra) = job(|c| insert(c, "a"));
        // Writes a row, then fails: its row must not survive.
        let (half, rhalf) = job(|c| {
            insert(c, "half")?;
            Err(LocalError::Invalid("refused after writing".into()))
        });
        let (b, rb) = job(|c| insert(c, "b"));
        run_batch(&conn, vec![a, half, b]);
        assert!(matches!(ra.blocking_recv(), Ok(Ok(1))));
        assert!(matches!(rb.blocking_recv(), Ok(Ok(1))));
        assert!(matches!(
            rhalf.blocking_recv(),
            Ok(Err(LocalError::Invalid(_)))
        ));
        // Run twice (together, then each in a savepoint), written once.
        assert_eq!(names(&conn), ["a", "b"]);
        assert!(conn.is_autocommit(), "no transaction left open");
    }
}
