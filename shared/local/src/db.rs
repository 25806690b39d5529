//! [`LocalDb`]: opens (and migrates) one SQLite file and hands out the
//! adapters that share its connection.

use crate::connection::SharedConnection;
use crate::queue::LocalQueue;
use crate::schema::migrate;
use crate::store::SqliteStore;
use crate::timers::LocalTimers;
use crate::LocalError;
use myx_engine::Clock;
use std::path::Path;
use std::sync::Arc;

/// One local database. Cheap to clone; the file closes when the last
/// clone and the last adapter handed out are dropped.
#[derive(Clone)]
pub struct LocalDb {
    conn: Arc<SharedConnection>,
}

impl LocalDb {
    /// Opens `path` (creating it if missing; its directory must exist) in
    /// WAL mode and migrates it to the current schema. Blocks: call it at
    /// start-up, not on a busy executor.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, LocalError> {
        let path = path.as_ref();
        tracing::debug!(path = %path.display(), "opening the local database");
        Self::ready(SharedConnection::open_file(path)?)
    }

    /// A private database that vanishes when dropped (tests, simulation).
    pub fn open_in_memory() -> Result<Self, LocalError> {
        Self::ready(SharedConnection::open_in_memory()?)
    }

    fn ready(conn: SharedConnection) -> Result<Self, LocalError> {
        conn.with_blocking(migrate)?;
        Ok(LocalDb {
            conn: Arc::new(conn),
        })
    }

    pub fn store(&self) -> SqliteStore {
        SqliteStore::new(Arc::clone(&self.conn))
    }

    /// The queue; `clock` dates messages enqueued through `WorkQueue`.
    pub fn queue(&self, clock: Arc<dyn Clock>) -> LocalQueue {
        LocalQueue::new(Arc::clone(&self.conn), clock)
    }

    pub fn timers(&self) -> LocalTimers {
        LocalTimers::new(Arc::clone(&self.conn))
    }
}
