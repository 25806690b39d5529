//! The one SQLite connection the store, queue and timers share, and the
//! bridge that runs blocking SQLite calls off the async executor: reads
//! one at a time on tokio's blocking pool, writes batched by
//! [`group_commit`](crate::group_commit).

use crate::group_commit::{run_batch, Job, TypedJob, MAX_BATCH};
use crate::LocalError;
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::oneshot;

/// How long a write waits for another process's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Enough for every statement the adapters prepare (about 40).
const STATEMENT_CACHE: usize = 64;
/// Pages the WAL may grow to before a checkpoint copies it back (32 MiB
/// of 4 KiB pages); fewer checkpoints means fewer page writes per commit.
const WAL_AUTOCHECKPOINT_PAGES: i64 = 8192;

pub(crate) struct SharedConnection {
    conn: Mutex<Connection>,
    pending: Mutex<Pending>,
}

/// Writes waiting for a batch, and whether a combiner is on its way.
#[derive(Default)]
struct Pending {
    jobs: Vec<Box<dyn Job>>,
    combining: bool,
}

/// Locks a mutex, recovering it if a holder panicked: a panic while the
/// connection was held rolled back any open transaction (`run_batch`
/// finishes or rolls back before it returns; rusqlite's `Transaction`
/// rolls back on drop), so the state behind it is still consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SharedConnection {
    pub(crate) fn open_file(path: &Path) -> Result<Self, LocalError> {
        Self::configure(Connection::open(path)?)
    }

    pub(crate) fn open_in_memory() -> Result<Self, LocalError> {
        Self::configure(Connection::open_in_memory()?)
    }

    fn configure(conn: Connection) -> Result<Self, LocalError> {
        // In-memory databases answer "memory"; files switch to WAL.
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(SharedConnection {
            conn: Mutex::new(conn),
            pending: Mutex::new(Pending::default()),
        })
    }

    /// Runs `f` on the current thread (for start-up work such as migrations).
    pub(crate) fn with_blocking<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        f(&mut lock(&self.conn))
    }

    /// Runs a read on tokio's blocking pool with the connection locked.
    /// `f` must not write: use [`SharedConnection::write`] for that.
    pub(crate) async fn read<T, E, F>(self: &Arc<Self>, f: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<LocalError> + Send + 'static,
    {
        let shared = Arc::clone(self);
        match tokio::task::spawn_blocking(move || f(&lock(&shared.conn))).await {
            Ok(result) => result,
            Err(join_error) => Err(E::from(LocalError::Worker(join_error.to_string()))),
        }
    }

    /// Runs `f` atomically: its changes are kept only if it returns `Ok`,
    /// and the result comes back once they are committed. Concurrent writes
    /// share a commit. `f` must not begin or end transactions itself.
    pub(crate) async fn write<T, E, F>(self: &Arc<Self>, f: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<LocalError> + Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        let start_combiner = {
            let mut pending = lock(&self.pending);
            pending.jobs.push(Box::new(TypedJob::new(f, reply)));
            !std::mem::replace(&mut pending.combining, true)
        };
        if start_combiner {
            let shared = Arc::clone(self);
            tokio::task::spawn_blocking(move || shared.combine());
        }
        match result.await {
            Ok(result) => result,
            Err(_) => Err(E::from(LocalError::Worker(
                "the write was dropped before it ran".into(),
            ))),
        }
    }

    /// Runs batches until no write is waiting.
    fn combine(&self) {
        let _reset = ResetOnPanic(self);
        loop {
            let conn = lock(&self.conn);
            let jobs: Vec<Box<dyn Job>> = {
                let mut pending = lock(&self.pending);
                if pending.jobs.is_empty() {
                    pending.combining = false;
                    return;
                }
                let take = pending.jobs.len().min(MAX_BATCH);
                pending.jobs.drain(..take).collect()
            };
            run_batch(&conn, jobs);
        }
    }
}

/// If a combiner dies, lets the next write start another.
struct ResetOnPanic<'a>(&'a SharedConnection);

impl Drop for ResetOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            lock(&self.0.pending).combining = false;
        }
    }
}
