//! Myxelium's embedded adapters: the table store, the work queue and the
//! timers, all in one SQLite file (or in memory), for `myx dev`, the
//! simulator and tests.
//!
//! ```no_run
//! # async fn demo() -> Result<(), myx_local::LocalError> {
//! use std::sync::Arc;
//! let db = myx_local::LocalDb::open("myx.sqlite3")?;
//! let store = db.store();
//! let queue = db.queue(Arc::new(myx_engine::SystemClock));
//! let timers = db.timers();
//! # Ok(()) }
//! ```
//!
//! All adapters share one connection behind a mutex; every call runs on
//! tokio's blocking pool, so they must be used inside a tokio runtime.
//! Concurrent writes (store, queue and timers alike) are group-committed:
//! each is atomic on its own and they share one SQLite commit, which is
//! what a commit-bound workload needs (`group_commit`: one plain
//! transaction, redone with a savepoint per write when one fails).

mod connection;
mod db;
mod error;
mod group_commit;
pub mod queue;
mod schema;
pub mod store;
mod time_codec;
pub mod timers;

pub use db::LocalDb;
pub use error::LocalError;
pub use queue::{
    DeadLetter, Delivery, FailOutcome, LocalQueue, MessageId, Redrive, RetryPolicy,
    MAX_DELAY_SECONDS,
};
pub use schema::SCHEMA_VERSION;
pub use store::SqliteStore;
pub use timers::LocalTimers;
