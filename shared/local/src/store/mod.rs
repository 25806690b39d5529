//! [`SqliteStore`]: the engine's [`TableStore`] on the `items` table.

mod codec;
mod condition;
mod read;
mod validate;
mod write;

pub use validate::{MAX_PK_BYTES, MAX_SK_BYTES};

use crate::connection::SharedConnection;
use crate::time_codec::to_nanos;
use crate::LocalError;
use async_trait::async_trait;
use jiff::Timestamp;
use myx_engine::{Condition, Item, Key, Page, QueryOptions, StoreError, TableStore, WriteOp};
use read::Index;
use rusqlite::params;
use std::sync::Arc;

/// The table store on SQLite. Cheap to clone: clones share the connection.
///
/// Items whose `expires_at` has passed are still returned by reads, as
/// DynamoDB returns them until its TTL sweep deletes them; callers check
/// [`Item::is_expired`]. [`SqliteStore::purge_expired`] is the local sweep.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<SharedConnection>,
}

impl SqliteStore {
    pub(crate) fn new(conn: Arc<SharedConnection>) -> Self {
        SqliteStore { conn }
    }

    /// Deletes every item expired at or before `now` (DynamoDB's TTL sweep);
    /// returns how many went.
    pub async fn purge_expired(&self, now: Timestamp) -> Result<usize, StoreError> {
        let now = to_nanos(now)?;
        self.conn
            .write(move |conn| {
                let deleted = conn
                    .prepare_cached(
                        "DELETE FROM items WHERE expires_at IS NOT NULL AND expires_at <= ?1",
                    )
                    .and_then(|mut stmt| stmt.execute(params![now]))
                    .map_err(LocalError::from)?;
                tracing::debug!(deleted, "purged expired items");
                Ok(deleted)
            })
            .await
    }

    /// Applies `ops` atomically (see `write::apply`).
    async fn write(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.conn.write(move |conn| write::apply(conn, &ops)).await
    }

    async fn read_page(
        &self,
        index: Index,
        pk: &str,
        options: &QueryOptions,
    ) -> Result<Page, StoreError> {
        validate::query(pk, options)?;
        let pk = pk.to_string();
        let options = options.clone();
        self.conn
            .read(move |conn| read::query(conn, &index, &pk, &options).map_err(StoreError::from))
            .await
    }

    /// A single write: a failed condition is `ConditionFailed`.
    async fn write_one(&self, op: WriteOp) -> Result<(), StoreError> {
        self.write(vec![op]).await.map_err(|error| match error {
            StoreError::TransactionCancelled { key, .. } => StoreError::ConditionFailed(key),
            other => other,
        })
    }
}

#[async_trait]
impl TableStore for SqliteStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        validate::key(key)?;
        let key = key.clone();
        self.conn
            .read(move |conn| read::get(conn, &key).map_err(StoreError::from))
            .await
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        for key in keys {
            validate::key(key)?;
        }
        let keys = keys.to_vec();
        // One read transaction for all of them: one snapshot, one begin and
        // end instead of one per key.
        self.conn
            .read(move |conn| read::get_many(conn, &keys).map_err(StoreError::from))
            .await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        validate::item(&item)?;
        self.write_one(WriteOp::Put { item, condition }).await
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        validate::key(key)?;
        self.write_one(WriteOp::Delete {
            key: key.clone(),
            condition,
        })
        .await
    }

    async fn query(&self, pk: &str, options: &QueryOptions) -> Result<Page, StoreError> {
        self.read_page(Index::Table, pk, options).await
    }

    /// `next` is an opaque cursor (GSI1 sort keys repeat, so it also holds
    /// the table key); a bare GSI1 sort key as `after` continues after
    /// every item holding that sort key.
    async fn query_gsi1(&self, gsi1_pk: &str, options: &QueryOptions) -> Result<Page, StoreError> {
        self.read_page(Index::Gsi1, gsi1_pk, options).await
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        validate::transaction(&ops)?;
        if ops.is_empty() {
            return Ok(());
        }
        self.write(ops).await
    }

    /// As one transaction: one writer job and one commit, cheaper here than
    /// separate writes (all-or-nothing is one of the outcomes the port allows).
    async fn write_each(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.transact(ops).await.map_err(|e| match e {
            StoreError::TransactionCancelled { key, .. } => StoreError::ConditionFailed(key),
            other => other,
        })
    }

    /// All phases as one transaction, for the same reason as `write_each`
    /// (none applied on a failure is an outcome the port allows).
    async fn write_in_order(&self, phases: Vec<Vec<WriteOp>>) -> Result<(), StoreError> {
        self.write_each(phases.into_iter().flatten().collect())
            .await
    }
}
