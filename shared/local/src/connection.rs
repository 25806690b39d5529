//! The SQLite connections the store, queue and timers share, and the
//! bridge that keeps blocking SQLite calls from stalling the executor:
//! - writes go to the one writer connection, batched by
//!   [`group_commit`](crate::group_commit) on tokio's blocking pool;
//! - reads of a file database run inline on the calling task: they are
//!   point gets and bounded pages, microseconds of work, where a hop to the
//!   blocking pool would cost more than the read. They use the writer
//!   connection between batches (its page cache stays warm) and read-only
//!   connections while a batch holds it (WAL lets them run beside it);
//! - checkpoints (copying the WAL back into the database) run on their own
//!   thread and connection, continuously while frames are left, so commits
//!   rarely wait for one; the writer only finishes one, between batches,
//!   when the WAL has grown long (see `WRITER_CHECKPOINT_FRAMES`).

use crate::group_commit::{run_batch, Job, TypedJob, MAX_BATCH};
use crate::LocalError;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::Duration;
use tokio::sync::oneshot;

/// How long a write waits for another process's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Enough for every statement the adapters prepare (about 40).
const STATEMENT_CACHE: usize = 64;
/// Read-only connections of a file database: one per executor thread on a
/// small machine, plus spares for reads sent to the blocking pool.
const READERS: usize = 4;
/// How long the checkpointer rests once the WAL is fully copied back.
const CHECKPOINT_IDLE: Duration = Duration::from_millis(200);
/// How long it rests between passes while frames are left to copy: just
/// enough not to spin when another checkpoint holds the lock.
const CHECKPOINT_BUSY: Duration = Duration::from_millis(5);
/// WAL frames (4 KiB each) past which the writer finishes a checkpoint
/// itself, between batches, so that the WAL can start over. The background
/// checkpointer never quite catches up with a steady stream of commits (new
/// frames arrive while it syncs), so without this the WAL would grow for as
/// long as the load lasts. Finishing is a short copy of the tail plus two
/// fsyncs, during which writes wait: it is the local store's longest pause,
/// so it comes once per 32 MiB of WAL, not at every 16 MiB as SQLite's
/// autocheckpoint would, and after the batch's results are handed back, not
/// inside its commit.
const WRITER_CHECKPOINT_FRAMES: i64 = 8192;
/// What a WAL file is cut back to when it starts over after a long run.
const WAL_SIZE_LIMIT_BYTES: i64 = 64 * 1024 * 1024;
/// The writer's page cache. The default (2 MiB) makes a busy writer re-read
/// pages; the writer's cache stays valid across commits (no one else
/// writes), which is why reads prefer the writer connection when it is idle.
const WRITER_CACHE_KIB: i64 = 32 * 1024;
/// A reader's page cache. A reader drops its whole cache whenever another
/// connection has committed, so under load a large one is only more to
/// clear; the OS page cache holds the file anyway.
const READER_CACHE_KIB: i64 = 256;

pub(crate) struct SharedConnection {
    conn: Mutex<Connection>,
    pending: Mutex<Pending>,
    /// Empty for an in-memory database (its data lives in `conn` alone).
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Frames in the WAL as the last checkpoint found them.
    wal_frames: Arc<AtomicI64>,
    /// Dropping it stops the checkpointer thread.
    _checkpointer: Option<Checkpointer>,
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
        let writer = Connection::open(path)?;
        // In-memory databases answer "memory"; files switch to WAL.
        let _mode: String =
            writer.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        // The writer checkpoints on its own terms (`combine`), never inside a commit.
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        writer.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT_BYTES)?;
        // Negative: KiB.
        writer.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
        let writer = configure(writer)?;
        let readers = (0..READERS)
            .map(|_| open_reader(path).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        let wal_frames = Arc::new(AtomicI64::new(0));
        Ok(SharedConnection {
            conn: Mutex::new(writer),
            pending: Mutex::new(Pending::default()),
            readers,
            next_reader: AtomicUsize::new(0),
            _checkpointer: Some(Checkpointer::start(path, Arc::clone(&wal_frames))?),
            wal_frames,
        })
    }

    pub(crate) fn open_in_memory() -> Result<Self, LocalError> {
        Ok(SharedConnection {
            conn: Mutex::new(configure(Connection::open_in_memory()?)?),
            pending: Mutex::new(Pending::default()),
            readers: Vec::new(),
            next_reader: AtomicUsize::new(0),
            wal_frames: Arc::new(AtomicI64::new(0)),
            _checkpointer: None,
        })
    }

    /// Runs `f` on the current thread (for start-up work such as migrations).
    pub(crate) fn with_blocking<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        f(&mut lock(&self.conn))
    }

    /// Runs a read. `f` must not write: use [`SharedConnection::write`].
    /// A file database reads inline on the writer connection when no batch
    /// holds it (its cache is warm), else on a free reader connection, else
    /// on the blocking pool; an in-memory one reads on the blocking pool
    /// through the writer connection. Holding the writer's lock means no
    /// batch is open on it, so a read there sees only committed data.
    pub(crate) async fn read<T, E, F>(self: &Arc<Self>, f: F) -> Result<T, E>
    where
        F: Fn(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<LocalError> + Send + 'static,
    {
        if !self.readers.is_empty() {
            match self.conn.try_lock() {
                Ok(conn) => return f(&conn),
                Err(TryLockError::Poisoned(poisoned)) => return f(&poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for offset in 0..self.readers.len() {
            let reader = &self.readers[(start + offset) % self.readers.len()];
            match reader.try_lock() {
                Ok(conn) => return f(&conn),
                Err(TryLockError::Poisoned(poisoned)) => return f(&poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let shared = Arc::clone(self);
        let blocking = move || match shared.readers.len() {
            0 => f(&lock(&shared.conn)),
            n => f(&lock(&shared.readers[start % n])),
        };
        match tokio::task::spawn_blocking(blocking).await {
            Ok(result) => result,
            Err(join_error) => Err(E::from(LocalError::Worker(join_error.to_string()))),
        }
    }

    /// Runs `f` atomically: its changes are kept only if it returns `Ok`,
    /// and the result comes back once they are committed. Concurrent writes
    /// share a commit. `f` must not begin or end transactions itself.
    pub(crate) async fn write<T, E, F>(self: &Arc<Self>, f: F) -> Result<T, E>
    where
        F: Fn(&Connection) -> Result<T, E> + Send + 'static,
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
            if self.wal_frames.load(Ordering::Relaxed) > WRITER_CHECKPOINT_FRAMES {
                finish_checkpoint(&conn, &self.wal_frames);
            }
        }
    }
}

/// The writer's checkpoint of a long WAL, between batches: nothing new is
/// written meanwhile, so it copies what the background checkpointer has
/// not yet, and the next commit starts the WAL over. Passive: if the
/// background checkpointer holds the lock, this is skipped and retried
/// after the next batch.
fn finish_checkpoint(conn: &Connection, wal_frames: &AtomicI64) {
    match checkpoint(conn) {
        Ok(Some((log, done))) if done >= log => wal_frames.store(0, Ordering::Relaxed),
        Ok(Some((log, _))) => wal_frames.store(log, Ordering::Relaxed),
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "writer checkpoint failed; will retry"),
    }
}

/// Settings every connection gets.
fn configure(conn: Connection) -> Result<Connection, LocalError> {
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Savepoints' statement journals in memory, not in a temporary file
    // created and deleted per batch.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

fn open_reader(path: &Path) -> Result<Connection, LocalError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = configure(Connection::open_with_flags(path, flags)?)?;
    conn.pragma_update(None, "query_only", true)?;
    conn.pragma_update(None, "cache_size", -READER_CACHE_KIB)?;
    Ok(conn)
}

/// A thread that checkpoints the WAL in the background (PASSIVE: it never
/// blocks a writer or a reader) until it is dropped, so that the writer's
/// own checkpoints find little left to copy.
struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    fn start(path: &Path, wal_frames: Arc<AtomicI64>) -> Result<Self, LocalError> {
        let conn = configure(Connection::open(path)?)?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("myx-sqlite-checkpoint".into())
            .spawn(move || {
                let mut rest = CHECKPOINT_IDLE;
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(rest) {
                    rest = match checkpoint(&conn) {
                        Ok(Some((log, done))) => {
                            wal_frames.store(log, Ordering::Relaxed);
                            // Keep copying while frames are left: the
                            // shorter the tail, the shorter the writer's pause.
                            if done >= log {
                                CHECKPOINT_IDLE
                            } else {
                                CHECKPOINT_BUSY
                            }
                        }
                        // The writer is finishing one.
                        Ok(None) => CHECKPOINT_BUSY,
                        Err(error) => {
                            tracing::warn!(%error, "background WAL checkpoint failed; will retry");
                            CHECKPOINT_IDLE
                        }
                    };
                }
            })
            .map_err(|e| LocalError::Worker(format!("cannot start the checkpointer: {e}")))?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// A passive checkpoint: copies committed frames back without blocking
/// anyone. Answers the WAL's frames and how many of them are copied now,
/// or `None` when another connection's checkpoint holds the lock.
fn checkpoint(conn: &Connection) -> rusqlite::Result<Option<(i64, i64)>> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        let busy: i64 = row.get(0)?;
        Ok((busy == 0).then_some((row.get(1)?, row.get(2)?)))
    })
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
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
