//! The errors of the local adapters, and how they map onto the engine's
//! port errors.

use myx_engine::{PortError, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// A row holds something this build cannot read back.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The caller asked for something the adapter refuses (bad name, time
    /// out of range, delay too long).
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("database schema version {found} is newer than this build supports ({supported})")]
    SchemaTooNew { found: i64, supported: i64 },
    /// The transaction holding a write failed to commit; nothing was written.
    #[error("commit failed: {0}")]
    Commit(String),
    /// The blocking task running the SQLite call panicked or was cancelled.
    #[error("sqlite worker failed: {0}")]
    Worker(String),
}

impl LocalError {
    /// As the error of a non-store port (`"queue"`, `"timers"`).
    pub fn into_port_error(self, port: &'static str) -> PortError {
        PortError::new(port, self.to_string())
    }
}

impl From<LocalError> for StoreError {
    fn from(error: LocalError) -> Self {
        match error {
            LocalError::Invalid(message) => StoreError::Invalid(message),
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}
